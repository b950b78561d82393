"""The widget's conversation comes from the server: after a reload, in every tab.

Real headless Chromium (Debian's, driven by Playwright) against the running assistant, as
in tests/system/test_widget_browser.py, whose fixtures and helpers this reuses. GET
/widget/history?session_id=… (bot/channels/widget.py) returns a widget conversation's user
and bot messages from the tracker store; the widget (widget/widget.js) shows it on every
(re)connect, so an answer that arrived while the page was reloading is shown, and all tabs
of the site show one conversation.
"""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, BrowserContext, Page, expect

from bot.channels.widget import MAX_HISTORY_MESSAGES, MAX_TEXT_LENGTH, widget_history
from core.db import engine_for
from tests.conftest import RunningAssistant
from tests.system.test_widget_browser import (  # noqa: F401  (browser, new_page: fixtures)
    REPLY_TIMEOUT_MS,
    browser,
    chat_log,
    demo_url,
    new_page,
    open_widget,
    send,
    session_id,
)


QUESTION = "医保宣讲是哪个单位负责的"
FOLLOW_UP = "它讲啥内容"
MESSAGE_KEYS = {"type", "turn", "text", "buttons", "image", "from"}


# ---------------------------------------------------------------- helpers


def get_history(assistant: RunningAssistant, query: str) -> tuple[int, Any]:
    """GET /widget/history?<query>: (status, parsed JSON body)."""
    try:
        with urllib.request.urlopen(f"{assistant.base_url}/widget/history?{query}", timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def stored_events(assistant: RunningAssistant, sender: str) -> list[dict]:
    """The conversation's events as the tracker store holds them (not Rasa's HTTP API)."""
    with engine_for(assistant.settings.database_url).connect() as connection:
        rows = connection.execute(
            sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
        ).all()
    return [json.loads(row.data) for row in rows]


def stored_answer(assistant: RunningAssistant, sender: str, question: str, seconds: float) -> bool:
    """Whether the tracker store comes to hold `question` and a bot message after it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        events = stored_events(assistant, sender)
        asked = [i for i, e in enumerate(events) if e["event"] == "user" and e.get("text") == question]
        if asked and any(e["event"] == "bot" for e in events[asked[-1]:]):
            return True
        time.sleep(0.2)
    return False


def wait_for_session(page: Page) -> str:
    """The widget's session id once the socketio channel has confirmed it."""
    page.wait_for_function(
        "() => Object.keys(localStorage).some(k => k.startsWith('daxing-chat-widget:') &&"
        " !k.endsWith(':tab') && JSON.parse(localStorage.getItem(k)).sessionId)",
        timeout=REPLY_TIMEOUT_MS,
    )
    return session_id(page)


def ask_without_waiting(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name="输入您的问题")
    box.fill(text)
    box.press("Enter")
    expect(chat_log(page).locator(".dxw-user").last).to_have_text(f"我：{text}")


def user_texts(page: Page) -> list[str]:
    return [t.removeprefix("我：").strip() for t in chat_log(page).locator(".dxw-user").all_inner_texts()]


def same_log(first: Page, second: Page) -> None:
    """Both pages come to show exactly the same conversation."""
    deadline = time.monotonic() + REPLY_TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        if chat_log(first).inner_text() == chat_log(second).inner_text():
            return
        time.sleep(0.2)
    assert chat_log(first).inner_text() == chat_log(second).inner_text()


@pytest.fixture
def tabs(browser: Browser, running_assistant: RunningAssistant) -> Iterator[Callable[[], Page]]:  # noqa: F811
    """Pages (tabs) of one browser context, sharing localStorage; JS errors fail the test."""
    errors: list[str] = []
    context: BrowserContext = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")

    def make() -> Page:
        page = context.new_page()
        page.set_default_timeout(REPLY_TIMEOUT_MS)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(demo_url(running_assistant))
        return page

    yield make
    context.close()
    assert errors == [], f"JavaScript errors in the page: {errors}"


# ---------------------------------------------------------------- the endpoint


@pytest.mark.parametrize("query", [
    "",
    "session_id=",
    "session_id=abc",
    "session_id=../../conversations/x/tracker",
    f"session_id={uuid.uuid4().hex.upper()}",
    f"session_id={uuid.uuid4().hex}0",
    f"session_id={uuid.uuid4().hex[:31]}%00",
])
def test_history_refuses_ids_the_widget_was_not_given(running_assistant: RunningAssistant, query: str) -> None:
    status, body = get_history(running_assistant, query)
    assert status == 400 and "session_id" in body["error"]


def test_history_of_an_unknown_or_non_widget_conversation_is_404(running_assistant: RunningAssistant) -> None:
    status, body = get_history(running_assistant, f"session_id={uuid.uuid4().hex}")
    assert (status, body["messages"]) == (404, [])
    # A REST conversation whose sender id happens to look like a widget session: not the widget's.
    rest_sender = uuid.uuid4().hex
    assert running_assistant.texts(rest_sender, QUESTION)
    status, body = get_history(running_assistant, f"session_id={rest_sender}")
    assert (status, body["messages"]) == (404, [])


def test_history_holds_the_messages_and_never_slots(
    new_page: Callable[..., Page], running_assistant: RunningAssistant  # noqa: F811
) -> None:
    page = new_page()
    page.goto(demo_url(running_assistant))
    open_widget(page)
    answer = send(page, QUESTION)
    assert "医保局" in answer
    send(page, "我要找人工客服")  # a hand-off: sets handoff_reason, pauses the conversation
    sender = session_id(page)

    status, history = get_history(running_assistant, f"session_id={sender}")
    assert status == 200 and history["truncated"] is False
    messages = history["messages"]
    assert {m["type"] for m in messages} == {"user", "bot"}
    assert all(set(m) <= MESSAGE_KEYS for m in messages)
    assert [m["text"] for m in messages if m["type"] == "user"] == [QUESTION, "我要找人工客服"]
    # The turn ids are the widget's own (its ratings stay attached after a reload).
    shown_turns = page.evaluate(
        "() => JSON.parse(localStorage.getItem(Object.keys(localStorage).find(k =>"
        " k.startsWith('daxing-chat-widget:') && !k.endsWith(':tab')))).entries"
        ".filter(e => e.type === 'user').map(e => e.turn)"
    )
    assert [m["turn"] for m in messages if m["type"] == "user"] == shown_turns
    assert any("医保局" in m["text"] for m in messages if m["type"] == "bot")
    assert all(m["from"] == "bot" for m in messages if m["type"] == "bot")
    # The history's messages are the ones the widget received live (one per paragraph):
    # taking it as the record neither adds nor removes a bubble.
    bot_messages = [m for m in messages if m["type"] == "bot"]
    expect(page.locator(".dxw-turn .dxw-bot")).to_have_count(len(bot_messages))
    shown = chat_log(page).inner_text()
    page.reload()
    open_widget(page)
    expect(page.locator(".dxw-turn .dxw-bot")).to_have_count(len(bot_messages))
    assert chat_log(page).inner_text() == shown

    # The tracker holds slots (and more); none of them is in the history.
    events = stored_events(running_assistant, sender)
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot" and e["value"] is not None}
    assert "handoff_reason" in slots
    raw = json.dumps(history, ensure_ascii=False)
    said = "\n".join(m["text"] for m in messages)
    for name, value in slots.items():
        assert f'"{name}"' not in raw
        for part in value if isinstance(value, list) else [value]:
            if isinstance(part, str) and part not in said:
                assert part not in raw, f"slot {name} leaked into the history"
    for word in ("slot", "intent", "entities", "metadata", "action_name", "session_started"):
        assert word not in raw
    # Of what the widget sent with a message only its turn id and the text it showed are kept
    # (Rasa adds its model's ids).
    [first] = [e for e in events if e["event"] == "user" and e["text"] == QUESTION]
    assert set(first["metadata"]) - {"model_id", "assistant_id"} == {"turn", "shown"}


def test_history_says_whether_a_person_holds_the_conversation_and_marks_relayed_staff_replies() -> None:
    from rasa.shared.core.events import BotUttered, ConversationPaused, ConversationResumed, UserUttered

    staff = {"staff": {"name": "agent1", "shown_as": "王**", "message_id": 1, "ticket": "2026120100001"}}
    events = [UserUttered("转人工", input_channel="socketio"), BotUttered("已为您登记工单"), ConversationPaused(),
              BotUttered("工作人员（王**）：您好", metadata=staff)]
    history = widget_history(events)
    assert history is not None and history["handed_off"] is True
    assert history["messages"][-1]["from"] == "staff" and history["messages"][-2]["from"] == "bot"
    back = widget_history([*events, BotUttered("本次人工服务已结束", metadata={"handback": True}), ConversationResumed()])
    assert back is not None and back["handed_off"] is False and back["messages"][-1]["from"] == "bot"


def test_history_is_capped_and_maps_buttons_to_titles() -> None:
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

    events = [UserUttered("你好", input_channel="socketio", metadata={"turn": "tabc-1"}),
              SlotSet("applicant_phone", "13912345678"),
              BotUttered("有两场。\n\n请选择", {"buttons": [{"title": "报名第1场", "payload": "/choose{\"n\": 1}"}]}),
              UserUttered("/choose{\"n\": 1}", input_channel="socketio"),
              ActionExecuted("action_listen"),
              BotUttered("已转人工", metadata={"staff": True})]
    history = widget_history(events)
    assert history is not None
    assert [(m["type"], m["turn"], m["text"], len(m.get("buttons", []))) for m in history["messages"]] == [
        ("user", "tabc-1", "你好", 0), ("bot", "tabc-1", "有两场。", 0), ("bot", "tabc-1", "请选择", 1),
        ("user", "u2", "报名第1场", 0), ("bot", "u2", "已转人工", 0)]
    assert history["messages"][-1]["from"] == "staff"
    assert "13912345678" not in json.dumps(history)
    many = [event for i in range(MAX_HISTORY_MESSAGES) for event in
            (UserUttered(f"问{i}", input_channel="socketio"), BotUttered(f"答{i}"))]
    capped = widget_history(many + [BotUttered("长" * 5000)])
    assert capped is not None and capped["truncated"]
    kept = capped["messages"]
    assert len(kept) == MAX_HISTORY_MESSAGES - 1 and kept[0]["type"] == "user"  # whole turns only
    assert kept[-2]["text"] == f"答{MAX_HISTORY_MESSAGES - 1}" and len(kept[-1]["text"]) == MAX_TEXT_LENGTH
    assert widget_history([UserUttered("hi", input_channel="rest")]) is None


# ---------------------------------------------------------------- reload


def test_answer_that_arrives_during_a_reload_is_shown(
    new_page: Callable[..., Page], running_assistant: RunningAssistant  # noqa: F811
) -> None:
    page = new_page()
    page.goto(demo_url(running_assistant))
    open_widget(page)
    wait_for_session(page)
    ask_without_waiting(page, QUESTION)
    page.reload()  # at once: the answer is still being worked out
    open_widget(page)
    expect(page.locator(".dxw-turn").last).to_contain_text("医保局", timeout=REPLY_TIMEOUT_MS)
    expect(page.locator(".dxw-turn").last).to_contain_text("来源：")
    expect(page.locator(".dxw-typing")).to_be_hidden()
    assert user_texts(page) == [QUESTION]
    # The conversation goes on in the same session.
    assert send(page, FOLLOW_UP)
    asked = [e["text"] for e in stored_events(running_assistant, session_id(page)) if e["event"] == "user"]
    assert asked == [QUESTION, FOLLOW_UP]


def test_question_whose_page_was_closed_at_once_is_answered_in_another_tab(
    tabs: Callable[[], Page], running_assistant: RunningAssistant
) -> None:
    page = tabs()
    open_widget(page)
    sender = wait_for_session(page)
    ask_without_waiting(page, QUESTION)
    page.close()  # at once: the answer goes to nobody, or the question never left the page
    # Usually the question arrived: then only the tracker store holds the answer, and the
    # next page shows it from the history. If it did not, that page sends it again.
    stored_answer(running_assistant, sender, QUESTION, seconds=10)

    again = tabs()  # same browser (localStorage), a new page
    open_widget(again)
    expect(again.locator(".dxw-turn").last).to_contain_text("医保局", timeout=REPLY_TIMEOUT_MS)
    assert user_texts(again) == [QUESTION]
    assert session_id(again) == sender
    # Answered once: the question is in the conversation once, whichever way it went.
    asked = [e["text"] for e in stored_events(running_assistant, sender) if e["event"] == "user"]
    assert asked == [QUESTION]


def test_question_typed_before_the_connection_is_sent_after_a_reload(
    new_page: Callable[..., Page], running_assistant: RunningAssistant  # noqa: F811
) -> None:
    page = new_page()
    page.goto(demo_url(running_assistant))
    open_widget(page)
    wait_for_session(page)
    # As if the page was reloaded before it could send: the question is stored, unsent.
    page.evaluate(
        """question => {
            const key = Object.keys(localStorage).find(k => k.startsWith('daxing-chat-widget:') && !k.endsWith(':tab'));
            const tab = JSON.parse(sessionStorage.getItem(key + ':tab')).tab;
            const state = JSON.parse(localStorage.getItem(key));
            state.entries.push({type: 'user', turn: 'tunsent-1', text: question, local: true, tab: tab,
                                payload: question, at: Date.now(), tried: 0, acked: false});
            localStorage.setItem(key, JSON.stringify(state));
        }""",
        QUESTION,
    )
    page.reload()
    open_widget(page)
    expect(page.locator(".dxw-turn").last).to_contain_text("医保局", timeout=REPLY_TIMEOUT_MS)
    assert user_texts(page) == [QUESTION]
    asked = [e for e in stored_events(running_assistant, session_id(page)) if e["event"] == "user"]
    assert [(e["text"], e["metadata"].get("turn")) for e in asked] == [(QUESTION, "tunsent-1")]


def test_a_question_sent_again_is_handled_once(
    new_page: Callable[..., Page], running_assistant: RunningAssistant  # noqa: F811
) -> None:
    """The widget sends a question again when it got no acknowledgement; the server
    acknowledges the copy without handling it twice — even while the first is in progress.
    (The socket.io client the widget uses, in the page, speaking the protocol directly.)"""
    page = new_page()
    page.goto(demo_url(running_assistant))
    session, acks = page.evaluate(
        """async question => {
            await new Promise((loaded, failed) => {
                const tag = document.createElement('script');
                tag.src = '/widget/socket.io.min.js';
                tag.onload = loaded;
                tag.onerror = failed;
                document.head.appendChild(tag);
            });
            const socket = io({path: '/socket.io', transports: ['websocket']});
            const session = await new Promise(confirmed => {
                socket.on('session_confirm', confirmed);
                socket.emit('session_request', {session_id: null});
            });
            const call = message => new Promise(acked => socket.emit('user_uttered', message, acked));
            const message = {message: question, session_id: session, metadata: {turn: 'tdup-1', shown: question}};
            const retry = {...message, metadata: {...message.metadata, retry: true}};
            const acks = await Promise.all([call(message), call(retry)]);
            acks.push(await call(retry));
            // Into a session this socket did not join: ignored, and said so.
            acks.push(await call({...message, session_id: 'f'.repeat(32)}));
            socket.disconnect();
            return [session, acks];
        }""",
        QUESTION,
    )
    assert acks == [True, True, True, False]
    asked = [e for e in stored_events(running_assistant, session) if e["event"] == "user"]
    assert [(e["text"], e["metadata"]["turn"]) for e in asked] == [(QUESTION, "tdup-1")]
    assert "retry" not in asked[0]["metadata"]


# ---------------------------------------------------------------- two tabs


def test_two_tabs_show_one_conversation_and_lose_nothing(
    tabs: Callable[[], Page], running_assistant: RunningAssistant
) -> None:
    first, second = tabs(), tabs()
    open_widget(first)
    open_widget(second)  # both connect at once: they must end up in one session
    wait_for_session(first)
    wait_for_session(second)

    assert "医保局" in send(first, QUESTION)
    expect(chat_log(second)).to_contain_text("医保局")
    same_log(first, second)

    follow_up = send(second, FOLLOW_UP)
    assert follow_up
    expect(chat_log(first)).to_contain_text(FOLLOW_UP)
    same_log(first, second)
    assert user_texts(first) == user_texts(second) == [QUESTION, FOLLOW_UP]
    assert session_id(first) == session_id(second)

    # A rating given in one tab shows in the other.
    first.locator(".dxw-turn").first.get_by_role("button", name="评价：满意").click()
    expect(second.locator(".dxw-turn").first.get_by_role("button", name="评价：满意")) \
        .to_have_attribute("aria-pressed", "true")

    # Nothing lost: the server and a third tab have both turns, each once.
    sender = session_id(first)
    asked = [e["text"] for e in stored_events(running_assistant, sender) if e["event"] == "user"]
    assert asked == [QUESTION, FOLLOW_UP]
    third = tabs()
    open_widget(third)
    same_log(first, third)
    assert user_texts(third) == [QUESTION, FOLLOW_UP]
    expect(third.locator(".dxw-turn").first.get_by_role("button", name="评价：满意")) \
        .to_have_attribute("aria-pressed", "true")


def test_a_reply_from_staff_is_labelled(
    new_page: Callable[..., Page], running_assistant: RunningAssistant  # noqa: F811
) -> None:
    page = new_page()
    page.goto(demo_url(running_assistant))
    open_widget(page)
    send(page, QUESTION)
    # As the history gives a message whose metadata marks it as written by staff.
    page.evaluate(
        """() => {
            const key = Object.keys(localStorage).find(k => k.startsWith('daxing-chat-widget:'));
            const state = JSON.parse(localStorage.getItem(key));
            state.entries.push({type: 'user', turn: 'tstaff-1', text: '还有问题'},
                               {type: 'bot', turn: 'tstaff-1', text: '您好，我是工作人员小王。', from: 'staff'});
            localStorage.setItem(key, JSON.stringify(state));
        }"""
    )
    page.reload()
    open_widget(page)
    staff = page.locator(".dxw-staff")
    expect(staff).to_have_count(1)
    expect(staff).to_contain_text("工作人员：")
    expect(staff).to_contain_text("您好，我是工作人员小王。")
    assert page.locator(".dxw-bot:not(.dxw-staff):not(.dxw-welcome)").count() >= 1
