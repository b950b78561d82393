"""End to end: hand-off to people with the real servers, the hand-off worker and a stand-in
hotline system (tests/hotline_standin.py) that checks each ticket's signature."""
from __future__ import annotations



from handoff.service import HandoffService
from tests.conftest import RunningAssistant, wait_for
from tests.hotline_standin import HotlineStandIn
from tests.rasa_api import trigger_intent
from tests.e2e.stored import tickets_of


def test_asking_for_a_human_opens_a_ticket_pauses_the_bot_and_notifies_the_hotline(
    running_assistant: RunningAssistant, hotline: HotlineStandIn
) -> None:
    sender = "handoff-1"
    running_assistant.say(sender, "医保宣讲是哪个单位负责的")
    assert "手机号" in running_assistant.texts(sender, "我要找人工客服")
    messages = running_assistant.say(sender, "13812345678")
    reply = "\n".join(m.get("text", "") for m in messages)
    [ticket] = tickets_of(running_assistant, sender)
    assert ticket.number in reply and "12345" in reply
    assert any((m.get("custom") or {}).get("handoff", {}).get("ticket") == ticket.number for m in messages)
    assert ticket.reason == "requested" and ticket.contact_phone == "13812345678"
    assert [line["text"] for line in ticket.transcript][:2] == ["医保宣讲是哪个单位负责的", ticket.transcript[1]["text"]]
    assert ticket.transcript[0]["role"] == "user"

    # The hotline system got it, signed, with the transcript.
    assert wait_for(lambda: any(p["ticket"] == ticket.number for p in hotline.received))
    payload = next(p for p in hotline.received if p["ticket"] == ticket.number)
    assert payload["transcript"][0]["text"] == "医保宣讲是哪个单位负责的"
    assert hotline.rejected_signatures == 0

    # Paused: the bot stays silent until the ticket is closed and the worker hands it back.
    assert running_assistant.say(sender, "在吗") == []
    HandoffService(running_assistant.settings.database_url, webhook_configured=True).close(ticket.number)
    assert wait_for(lambda: not running_assistant.tracker(sender)["paused"])
    assert "医保局" in running_assistant.texts(sender, "医保宣讲是哪个单位负责的")


def test_a_complaint_goes_to_12345_without_a_phone_if_the_citizen_declines(
    running_assistant: RunningAssistant,
) -> None:
    sender = "handoff-2"
    first = running_assistant.texts(sender, "我要投诉窗口工作人员态度太差")
    assert "12345" in first and "接诉即办" in first
    reply = running_assistant.texts(sender, "不用")
    [ticket] = tickets_of(running_assistant, sender)
    assert ticket.reason == "complaint" and ticket.contact_phone is None and ticket.number in reply


def test_two_misunderstandings_in_a_row_hand_off(running_assistant: RunningAssistant) -> None:
    sender = "handoff-3"
    first = trigger_intent(running_assistant, sender, "nlu_fallback")
    assert "没有理解" in first and not tickets_of(running_assistant, sender)
    second = trigger_intent(running_assistant, sender, "nlu_fallback")
    assert "转接人工" in second
    running_assistant.say(sender, "不用")
    [ticket] = tickets_of(running_assistant, sender)
    assert ticket.reason == "not_understood"


def test_repeated_negative_feedback_hands_off(running_assistant: RunningAssistant) -> None:
    sender = "handoff-4"
    trigger_intent(running_assistant, sender, "negative_feedback")  # the widget's 不满意 button
    running_assistant.say(sender, "不用")
    [ticket] = tickets_of(running_assistant, sender)
    assert ticket.reason == "negative_feedback"
