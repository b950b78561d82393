"""The whole take-over loop against the running assistant (Rasa server, action server,
hand-off worker and the staff console its supervisor starts), through the real protocols:
the citizen on the widget's socket.io channel or WeChat (the stand-in WeChat server), the
agent on the console over HTTP (login, CSRF tokens, server-sent events)."""
from __future__ import annotations

import queue
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest
import requests

from handoff.service import HandoffService
from staff.accounts import AccountError, StaffAccounts
from tests.console_clients import ConsoleAgent, WidgetCitizen, texts

if TYPE_CHECKING:
    from tests.conftest import RunningAssistant
    from tests.wechat_standin import WeChatApiStandIn, WeChatServerStandIn

PASSWORD = "console test password"


def wait_for(condition: Callable[[], Any], timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def agent_in_console(assistant: "RunningAssistant", name: str = "agent-e2e") -> ConsoleAgent:
    """A member of staff (王小明) logged in to the console the running assistant's supervisor started."""
    try:
        StaffAccounts(assistant.settings.database_url).add(name, "agent", PASSWORD, display_name="王小明")
    except AccountError:
        pass  # made by an earlier test of this session
    return ConsoleAgent(assistant.settings.console_url, name, PASSWORD)


@contextmanager
def widget_citizen(assistant: "RunningAssistant") -> Iterator[WidgetCitizen]:
    citizen = WidgetCitizen(assistant.base_url)
    try:
        yield citizen
    finally:
        citizen.client.disconnect()


@pytest.mark.e2e
def test_widget_citizen_and_agent_talk_in_one_conversation_then_the_assistant_takes_over(
    running_assistant: "RunningAssistant",
) -> None:
    with widget_citizen(running_assistant) as citizen:
        assert "手机号" in texts(citizen.say("我要找人工客服"))
        handed_off = citizen.say("不留电话")
        assert any(m.get("handoff") for m in handed_off), handed_off  # the widget's 已转人工 state
        ticket = HandoffService.from_settings(running_assistant.settings).open_ticket_of(citizen.session_id)
        assert ticket is not None

        agent = agent_in_console(running_assistant)
        # The inbox shows it without reloading (server-sent events).
        inbox = agent.first_event("/tickets/stream", lambda tickets: any(t["number"] == ticket.number for t in tickets))
        assert next(t for t in inbox if t["number"] == ticket.number)["channel"] == "网站"

        assert agent.post(ticket.number, "reply", text="您好，我是区政务服务局的工作人员，请问有什么可以帮您？")["delivered"]
        [staff] = citizen.received()
        assert staff["text"] == "工作人员（王**）：您好，我是区政务服务局的工作人员，请问有什么可以帮您？"
        assert staff["staff"] == {"shown_as": "王**", "ticket": ticket.number}  # never the login name

        # The citizen answers: the bot stays silent, the agent sees it live.
        citizen.client.emit("user_uttered", {"message": "我想问问开放日能不能带孩子", "session_id": citizen.session_id})
        seen = agent.first_event(f"/tickets/{ticket.number}/stream",
                                 lambda state: any(line["text"] == "我想问问开放日能不能带孩子" for line in state["lines"] or []))
        assert [line["role"] for line in seen["lines"]][-2:] == ["staff", "user"]
        with pytest.raises(queue.Empty):
            citizen.events.get(timeout=2)

        agent.post(ticket.number, "close", note="已答复")
        back = citizen.received(first_timeout=30)
        assert "本次人工服务已结束" in texts(back) and any(m.get("handback") for m in back)
        assert "医保局" in texts(citizen.say("医保宣讲是哪个单位负责的"))

    # The tracker holds the staff message as a bot utterance with the agent in its metadata.
    events = running_assistant.tracker(citizen.session_id)["events"]
    staff_events = [e for e in events if e["event"] == "bot" and (e.get("metadata") or {}).get("staff")]
    assert [e["metadata"]["staff"]["name"] for e in staff_events] == ["agent-e2e"]
    history = requests.get(f"{running_assistant.base_url}/widget/history",
                           params={"session_id": citizen.session_id}, timeout=10).json()
    assert [m["from"] for m in history["messages"] if m["text"].startswith("工作人员（")] == ["staff"]
    assert history["handed_off"] is False

    # `daxing tickets show` has the whole record: what led to the ticket, then what was said.
    from click.testing import CliRunner

    from ops.cli import main

    shown = CliRunner().invoke(main, ["tickets", "show", ticket.number], catch_exceptions=False).output
    assert "staff agent-e2e: 工作人员（王**）：您好，我是区政务服务局的工作人员" in shown
    assert "user: 我想问问开放日能不能带孩子" in shown and "taken over by agent-e2e" in shown
    assert "bot: 本次人工服务已结束" in shown


@pytest.mark.e2e
def test_wechat_citizen_gets_the_agents_reply_as_a_customer_service_message(
    wechat: "WeChatServerStandIn", wechat_api: "WeChatApiStandIn", running_assistant: "RunningAssistant",
) -> None:
    sender = f"o-console-{uuid.uuid4().hex[:10]}"
    wechat.text(sender, "转人工")
    wechat.text(sender, "不用")
    ticket = wait_for(lambda: HandoffService.from_settings(running_assistant.settings).open_ticket_of(sender))
    assert ticket.channel == "wechat"

    agent = agent_in_console(running_assistant)
    assert agent.post(ticket.number, "reply", text="您好，请讲")["delivered"]
    sent = wechat_api.wait_for(lambda all_sent: any("您好，请讲" in (m.get("text") or {}).get("content", "")
                                                    for m in all_sent if m.get("touser") == sender))
    [message] = [m for m in sent if m.get("touser") == sender and "您好，请讲" in m["text"]["content"]]
    assert message["msgtype"] == "text" and message["text"]["content"] == "工作人员（王**）：您好，请讲"

    wechat.text(sender, "我的社保卡丢了怎么办")
    seen = agent.first_event(f"/tickets/{ticket.number}/stream",
                             lambda state: any(line["text"] == "我的社保卡丢了怎么办" for line in state["lines"] or []))
    assert seen["ticket"]["channel"] == "微信公众号"
    agent.post(ticket.number, "close")
    handed_back = wechat_api.wait_for(lambda all_sent: any(
        "本次人工服务已结束" in (m.get("text") or {}).get("content", "") for m in all_sent if m.get("touser") == sender))
    assert any("本次人工服务已结束" in (m.get("text") or {}).get("content", "")
               for m in handed_back if m.get("touser") == sender)


@pytest.mark.e2e
def test_a_rest_client_gets_the_staff_messages_first_in_its_next_response(running_assistant: "RunningAssistant") -> None:
    sender = f"rest-console-{uuid.uuid4().hex[:8]}"
    running_assistant.say(sender, "我要找人工客服")
    running_assistant.say(sender, "不留电话")
    ticket = HandoffService.from_settings(running_assistant.settings).open_ticket_of(sender)
    agent = agent_in_console(running_assistant)
    assert agent.post(ticket.number, "reply", text="您好，请问有什么可以帮您")["delivered"]

    first = running_assistant.say(sender, "我想问社保的事")  # paused: only what staff wrote
    assert [(m["text"], m["staff"]) for m in first] == [
        ("工作人员（王**）：您好，请问有什么可以帮您", {"shown_as": "王**", "ticket": ticket.number})]
    assert running_assistant.say(sender, "在吗") == []  # given once, not again

    agent.post(ticket.number, "close")
    wait_for(lambda: not running_assistant.tracker(sender)["paused"])
    answer = running_assistant.say(sender, "医保宣讲是哪个单位负责的")
    assert answer[0].get("handback") and "本次人工服务已结束" in answer[0]["text"]
    assert "医保局" in texts(answer[1:])
