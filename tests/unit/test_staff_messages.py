"""What staff wrote into a conversation, as channels show it (issue 18): the REST response's
staff messages since the client's last message, and the roles table the console checks."""
from __future__ import annotations

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationPaused, UserUttered

from bot.channels.rest import staff_messages_since_last_user_message
from staff.roles import PERMISSIONS, ROLES, may

pytestmark = pytest.mark.unit

STAFF = {"staff": {"name": "wang", "shown_as": "王**", "message_id": 3, "ticket": "2026120100001"}}


def test_only_staff_and_hand_back_messages_after_the_last_user_message_in_order() -> None:
    events = [UserUttered("转人工"), BotUttered("已为您登记工单"), ConversationPaused(),
              ActionExecuted("action_relay_staff_replies"), BotUttered("工作人员（王**）：您好", metadata=STAFF),
              BotUttered("工作人员（王**）：请讲", metadata=STAFF),
              BotUttered("本次人工服务已结束", metadata={"handback": True})]
    shown = {"staff": {"shown_as": "王**", "ticket": "2026120100001"}}  # never the login name "wang"
    assert staff_messages_since_last_user_message(events) == [
        {"text": "工作人员（王**）：您好", **shown}, {"text": "工作人员（王**）：请讲", **shown},
        {"text": "本次人工服务已结束", "handback": True}]
    assert staff_messages_since_last_user_message([*events, UserUttered("在吗")]) == []
    assert staff_messages_since_last_user_message([]) == []


def test_roles_an_agent_never_exports_only_admins_manage_staff_and_forget() -> None:
    assert set(ROLES) == {"agent", "organiser", "admin"}
    assert may("agent", "tickets") and not may("agent", "export") and not may("agent", "activities")
    assert may("organiser", "export") and not may("organiser", "tickets") and not may("organiser", "staff")
    assert all(may("admin", permission) for permission in PERMISSIONS)
    assert [p for p in PERMISSIONS if not may("organiser", p) and not may("agent", p)] == ["staff", "forget"]
    with pytest.raises(KeyError):
        may("admin", "no such permission")
