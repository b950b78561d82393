"""What any channel receives, end to end against the running assistant (REST; socket.io as the
widget speaks it; WeChat through the stand-in of WeChat's servers): typed "/commands" never
drive the dialogue, offered buttons still work, invalid Unicode is repaired, smileys get a
friendly reply and never count as a misunderstanding (bot/channels/inbound.py)."""
from __future__ import annotations

import itertools
import json
import queue
import urllib.error
import urllib.request

import pytest

from bot.channels.inbound import CHANNEL_PAYLOAD, EMOJI_ONLY, TYPED_COMMAND
from bot.channels.polite import BUSY, reply_text
from tests.conftest import RunningAssistant
from tests.wechat_standin import WeChatServerStandIn
from tests.e2e.stored import tickets_of

pytestmark = pytest.mark.e2e

QUESTION = "医保宣讲是哪个单位负责的"
_senders = itertools.count()


def new_sender(kind: str) -> str:
    return f"inbound-{kind}-{next(_senders)}"


def post(assistant: RunningAssistant, body: str) -> tuple[int, list[dict]]:
    """POST a raw JSON body (so it can carry escapes like \\ud83d that json.dumps of a valid
    str would not produce on purpose)."""
    request = urllib.request.Request(
        f"{assistant.base_url}/webhooks/rest/webhook", data=body.encode("ascii"),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, []


def joined(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def events_of(assistant: RunningAssistant, sender: str) -> list[dict]:
    return assistant.tracker(sender)["events"]


def user_events(assistant: RunningAssistant, sender: str) -> list[dict]:
    return [e for e in events_of(assistant, sender) if e["event"] == "user"]


def answered(reply: str) -> bool:
    """A real answer: not the busy notice, not "I did not understand"."""
    return bool(reply.strip()) and reply != reply_text(BUSY) and "没有理解" not in reply


# --- typed commands ------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["/restart", "/session_start", '/sign_up{"activity_session":"x"}',
                                     "／restart", "/nlu_fallback"])
def test_a_typed_command_mid_conversation_keeps_the_context(
    running_assistant: RunningAssistant, command: str
) -> None:
    sender = new_sender("command")
    first = running_assistant.texts(sender, QUESTION)
    assert answered(first) and "医保" in first
    before = running_assistant.tracker(sender)

    assert running_assistant.texts(sender, command) == reply_text(TYPED_COMMAND)
    after = running_assistant.tracker(sender)
    assert after["slots"] == before["slots"] and len(after["events"]) == len(before["events"])
    assert not any(e["event"] in {"restart", "session_started"} for e in after["events"][len(before["events"]):])

    # The conversation goes on where it was: "它" is still the lecture just discussed.
    follow_up = running_assistant.texts(sender, "它讲啥内容")
    assert answered(follow_up) and "医保" in follow_up
    assert not tickets_of(running_assistant, sender)


def test_slash_text_that_is_a_sentence_is_understood_as_text(running_assistant: RunningAssistant) -> None:
    sender = new_sender("slash-question")
    reply = running_assistant.texts(sender, "/" + QUESTION)
    assert answered(reply) and "医保" in reply
    assert user_events(running_assistant, sender)[-1]["text"] == QUESTION


# --- offered buttons -----------------------------------------------------------------------

def test_a_button_the_assistant_offered_still_works(running_assistant: RunningAssistant) -> None:
    sender = new_sender("button")
    offered = running_assistant.say(sender, "你是谁")
    payloads = {b["payload"]: b["title"] for m in offered for b in m.get("buttons", [])}
    assert "/ask_open_day" in payloads

    reply = running_assistant.texts(sender, "/ask_open_day")
    assert answered(reply) and reply != reply_text(TYPED_COMMAND) and "开放" in reply
    last = user_events(running_assistant, sender)[-1]
    assert last["text"] == "/ask_open_day" and last["parse_data"]["intent"]["name"] == "ask_open_day"


def test_the_same_payload_never_offered_is_a_typed_command(running_assistant: RunningAssistant) -> None:
    sender = new_sender("not-offered")
    running_assistant.texts(sender, QUESTION)
    assert running_assistant.texts(sender, "/ask_open_day") == reply_text(TYPED_COMMAND)


def test_an_old_button_stands_for_its_title(running_assistant: RunningAssistant) -> None:
    """Payloads count as offered for the replies to the citizen's last five messages; an
    older button's payload is read as its title, typed."""
    sender = new_sender("old-button")
    offered = running_assistant.say(sender, "你是谁")
    titles = {b["payload"]: b["title"] for m in offered for b in m.get("buttons", [])}
    for _ in range(5):
        running_assistant.say(sender, "谢谢")
    reply = running_assistant.texts(sender, "/ask_policy_lecture")
    assert answered(reply) and reply != reply_text(TYPED_COMMAND)
    assert user_events(running_assistant, sender)[-1]["text"] == titles["/ask_policy_lecture"]


# --- invalid Unicode -----------------------------------------------------------------------

def test_half_an_emoji_at_the_end_is_dropped_and_the_question_answered(
    running_assistant: RunningAssistant,
) -> None:
    sender = new_sender("surrogate")
    question = json.dumps(QUESTION)[1:-1]  # \\uXXXX escapes
    status, messages = post(running_assistant, f'{{"sender": "{sender}", "message": "{question}\\ud83d"}}')
    assert status == 200 and answered(joined(messages)) and "医保" in joined(messages)
    assert user_events(running_assistant, sender)[-1]["text"] == QUESTION


def test_a_sender_id_and_metadata_with_invalid_unicode_are_repaired(
    running_assistant: RunningAssistant,
) -> None:
    sender = new_sender("sender")
    body = (f'{{"sender": "{sender}\\ud83d\\u0000", "message": "{json.dumps(QUESTION)[1:-1]}",'
            f' "metadata": {{"client\\udc00": "app\\ud83d", "list": ["x\\u0007", 1]}}}}')
    status, messages = post(running_assistant, body)
    assert status == 200 and answered(joined(messages))
    [user] = user_events(running_assistant, sender)
    assert {k: user["metadata"][k] for k in ("client", "list")} == {"client": "app", "list": ["x", 1]}
    # A sender that is nothing but invalid characters is no sender.
    status, _ = post(running_assistant, '{"sender": "\\ud83d\\u0000", "message": "hi"}')
    assert status == 400


# --- smileys -------------------------------------------------------------------------------

def test_two_smileys_get_friendly_replies_and_no_hand_off(running_assistant: RunningAssistant) -> None:
    sender = new_sender("smiley")
    running_assistant.texts(sender, QUESTION)
    before = len(events_of(running_assistant, sender))
    for smiley in ["/::)", "/::D", "👍😊", "[微笑]"]:
        assert running_assistant.texts(sender, smiley) == reply_text(EMOJI_ONLY)
    assert len(events_of(running_assistant, sender)) == before  # never reached NLU
    assert not tickets_of(running_assistant, sender)
    reply = running_assistant.texts(sender, "/::)它讲啥内容")
    assert answered(reply) and "医保" in reply
    assert user_events(running_assistant, sender)[-1]["text"] == "它讲啥内容"


def test_two_kaomoji_in_a_row_get_friendly_replies_and_no_hand_off(running_assistant: RunningAssistant) -> None:
    sender = new_sender("kaomoji")
    running_assistant.texts(sender, QUESTION)
    before = len(events_of(running_assistant, sender))
    for kaomoji in ["(๑•̀ㅂ•́)و✧", "(*^▽^*)", "╮(╯▽╰)╭", "(╯°□°）╯︵ ┻━┻"]:
        assert running_assistant.texts(sender, kaomoji) == reply_text(EMOJI_ONLY)
    assert len(events_of(running_assistant, sender)) == before  # never reached NLU
    assert not tickets_of(running_assistant, sender)
    reply = running_assistant.texts(sender, "它讲啥内容(*^▽^*)")
    assert answered(reply) and "医保" in reply  # a question with a kaomoji keeps the question


def test_smileys_over_wechat(wechat: WeChatServerStandIn, running_assistant: RunningAssistant) -> None:
    sender = f"o-inbound-{next(_senders)}"
    first, second = wechat.text(sender, "/::)"), wechat.text(sender, "/::D")
    assert first.text == second.text == reply_text(EMOJI_ONLY)
    assert not tickets_of(running_assistant, sender)
    reply = wechat.text(sender, QUESTION + "/:rose")
    assert answered(reply.text) and "医保" in reply.text
    assert user_events(running_assistant, sender)[-1]["text"] == QUESTION


# --- the widget's socket.io ----------------------------------------------------------------

def test_the_widget_channel_follows_the_same_rules(running_assistant: RunningAssistant) -> None:
    import socketio

    replies: "queue.Queue[dict]" = queue.Queue()
    confirmed: "queue.Queue[str]" = queue.Queue()
    client = socketio.Client(reconnection=False)
    client.on("bot_uttered", replies.put)
    client.on("session_confirm", confirmed.put)
    client.connect(running_assistant.base_url, socketio_path="socket.io", transports=["polling"])
    try:
        client.emit("session_request", {"session_id": None})
        session_id = confirmed.get(timeout=10)

        def say(text: str) -> str:
            client.emit("user_uttered", {"message": text, "session_id": session_id})
            texts = [replies.get(timeout=60).get("text", "")]
            while True:  # Rasa sends each message as its own event
                try:
                    texts.append(replies.get(timeout=1.5).get("text", ""))
                except queue.Empty:
                    return "\n".join(texts)

        assert say("/::)") == reply_text(EMOJI_ONLY)
        assert say("(๑•̀ㅂ•́)و✧") == reply_text(EMOJI_ONLY)
        assert say("/restart") == reply_text(TYPED_COMMAND)
        assert "医保" in say(QUESTION + "\ud83d")
    finally:
        client.disconnect()
    assert not tickets_of(running_assistant, session_id)


def test_the_widgets_own_payload_needs_the_widgets_mark(running_assistant: RunningAssistant) -> None:
    """/negative_feedback typed into the input box is a typed command; sent by the widget's
    不满意 hand-off (metadata marked as the widget's own, widget/connection.js) it hands the
    conversation to a person as before."""
    import socketio

    replies: "queue.Queue[dict]" = queue.Queue()
    confirmed: "queue.Queue[str]" = queue.Queue()
    client = socketio.Client(reconnection=False)
    client.on("bot_uttered", replies.put)
    client.on("session_confirm", confirmed.put)
    client.connect(running_assistant.base_url, socketio_path="socket.io", transports=["polling"])
    try:
        client.emit("session_request", {"session_id": None})
        session_id = confirmed.get(timeout=10)

        def say(text: str, metadata: dict) -> str:
            client.emit("user_uttered", {"message": text, "session_id": session_id, "metadata": metadata})
            texts = [replies.get(timeout=60).get("text", "")]
            while True:
                try:
                    texts.append(replies.get(timeout=1.5).get("text", ""))
                except queue.Empty:
                    return "\n".join(texts)

        assert "医保" in say(QUESTION, {"turn": "t1-1"})
        typed = {"turn": "t1-2", "shown": "/negative_feedback"}  # what the input box sends
        assert say("/negative_feedback", typed) == reply_text(TYPED_COMMAND)
        forged = {"turn": "t1-3", CHANNEL_PAYLOAD: "/restart"}  # a mark the widget never makes
        assert say("/restart", forged) == reply_text(TYPED_COMMAND)
        assert not tickets_of(running_assistant, session_id)
        assert [e["text"] for e in user_events(running_assistant, session_id)] == [QUESTION]

        marked = {"turn": "t1-4", "shown": "转人工服务", CHANNEL_PAYLOAD: "/negative_feedback"}
        handoff = say("/negative_feedback", marked)
        assert "转接人工" in handoff and handoff != reply_text(TYPED_COMMAND)
        last = user_events(running_assistant, session_id)[-1]
        assert last["text"] == "/negative_feedback" and last["parse_data"]["intent"]["name"] == "negative_feedback"
        assert last["metadata"][CHANNEL_PAYLOAD] == "/negative_feedback"
        say("不用", {"turn": "t1-5"})  # no call-back number: the ticket opens
    finally:
        client.disconnect()
    [ticket] = tickets_of(running_assistant, session_id)
    assert ticket.reason == "negative_feedback"

