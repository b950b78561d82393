"""Late WeChat replies are never lost, with the real assistant (Rasa server, action server)
behind the channel and the WeChat API stand-in told to fail: menu clicks in one second, the
hand-off's ticket number in the passive reply or, late, through the customer-service API.
The same cases with a scripted Rasa are tests/integration/test_wechat_delivery.py.
"""
from __future__ import annotations

import re
import time
import uuid
from typing import TYPE_CHECKING

import pytest

from handoff.service import HandoffService
from tests.e2e.test_wechat_e2e import paused
from tests.wechat_standin import WeChatApiStandIn, WeChatServerStandIn

if TYPE_CHECKING:
    from tests.conftest import RunningAssistant


def ticket_number(text: str) -> str:
    match = re.search(r"工单号：([^。，\s]+)", text)
    assert match, text
    return match.group(1)


def open_ticket(assistant: "RunningAssistant", sender: str) -> str:
    ticket = HandoffService.from_settings(assistant.settings).open_ticket_of(sender)
    assert ticket is not None
    return ticket.number


def ticket_messages(standin: WeChatApiStandIn, sender: str) -> list[str]:
    return [m["text"]["content"] for m in standin.messages_to(sender)
            if m["msgtype"] == "text" and "工单号" in m["text"]["content"]]


@pytest.mark.e2e
def test_e2e_two_menu_clicks_in_one_second_and_typed_menu_payloads(
    wechat: WeChatServerStandIn, running_assistant: "RunningAssistant"
) -> None:
    """Two different menu clicks with the same CreateTime are two messages, each answered
    by its own reply; the menu's payloads typed as text are typed commands."""
    from bot.channels.inbound import TYPED_COMMAND
    from bot.channels.polite import reply_text

    sender = f"o-test-{uuid.uuid4().hex[:12]}"
    wechat.text(sender, "你好")
    now = int(time.time())
    cancel = wechat.send(sender, "event", create_time=now, Event="CLICK", EventKey="CANCEL_APPLICATION")
    schedule = wechat.send(sender, "event", create_time=now, Event="CLICK", EventKey="ACTIVITIES")
    assert cancel.status == schedule.status == 200
    events = [e for e in running_assistant.tracker(sender)["events"] if e["event"] == "user"]
    assert [e["text"] for e in events][-2:] == ["/cancel_application", "/ask_activity_schedule"]
    if cancel.text and schedule.text:  # passive replies (an overloaded machine may send them later)
        assert cancel.text != schedule.text
    for typed in ["/sign_up", "/greet", "/ask_open_day", "／sign_up"]:
        assert wechat.text(sender, typed).text == reply_text(TYPED_COMMAND)
    events = [e for e in running_assistant.tracker(sender)["events"] if e["event"] == "user"]
    assert [e["text"] for e in events][-2:] == ["/cancel_application", "/ask_activity_schedule"]
    assert not any(e["event"] == "active_loop" and e.get("name") == "signup_form"
                   for e in running_assistant.tracker(sender)["events"])


@pytest.mark.e2e
def test_e2e_with_the_api_down_the_ticket_number_is_in_the_passive_reply(
    wechat: WeChatServerStandIn, wechat_api: WeChatApiStandIn, running_assistant: "RunningAssistant"
) -> None:
    sender = f"o-test-{uuid.uuid4().hex[:12]}"
    wechat.text(sender, "转人工")  # the call-back question comes first
    wechat_api.fail_always(-1)
    try:
        done = wechat.text(sender, "不用")
    finally:
        wechat_api.fail_always(None)
    assert done.status == 200 and done.seconds < 5
    if done.msg_type == "text":
        assert ticket_number(done.text) == open_ticket(running_assistant, sender)
        time.sleep(1.0)
        assert ticket_messages(wechat_api, sender) == []  # carried passively: no second copy
    else:
        # Only on an overloaded machine: the turn outlasted the passive window, so the
        # ticket message goes through the API, which works again now.
        assert done.body == b"success"
        wechat_api.wait_for(lambda _: bool(ticket_messages(wechat_api, sender)), timeout=30)
        [message] = ticket_messages(wechat_api, sender)
        assert ticket_number(message) == open_ticket(running_assistant, sender)
    assert wechat.text(sender, "在吗").msg_type == "transfer_customer_service"


@pytest.mark.e2e
def test_e2e_a_late_ticket_message_arrives_after_the_api_failed_twice(
    wechat: WeChatServerStandIn, wechat_api: WeChatApiStandIn, running_assistant: "RunningAssistant"
) -> None:
    """The hand-off action takes 5 s (the action server frozen): WeChat gets `success`, and
    the ticket message goes through the customer-service API, whose first two attempts fail."""
    sender = f"o-test-{uuid.uuid4().hex[:12]}"
    wechat.text(sender, "转人工")
    wechat_api.fail_next_http(502, times=3)  # attempt 1 (the client retries a 5xx twice itself)
    wechat_api.fail_next(-1, times=3)  # attempt 2: system busy
    actions = running_assistant.assistant.processes["actions"]
    with paused(actions.pid, 5.0):
        done = wechat.text(sender, "不用")
        assert done.status == 200 and done.body == b"success" and done.seconds < 5
    sent = wechat_api.wait_for(
        lambda s: any(m.get("touser") == sender and "工单号" in str(m) for m in s), timeout=30
    )
    texts = [m["text"]["content"] for m in sent if m.get("touser") == sender and m["msgtype"] == "text"]
    assert ticket_number("\n".join(texts)) == open_ticket(running_assistant, sender)
    failures = [a.get("http_status") or a["errcode"] for a in wechat_api.attempts
                if a.get("touser") == sender and a["errcode"] != 0]
    assert failures == [502, 502, 502, -1, -1, -1]
    assert wechat.text(sender, "在吗").msg_type == "transfer_customer_service"
