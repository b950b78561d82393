"""The policy answer action with rasa-sdk's own Tracker and CollectingDispatcher.

No server: the action reads the stored plans of a throw-away SQLite database, and the
slots it sets are fed into the next turn's Tracker as Rasa would.
"""
from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

pytestmark = pytest.mark.unit


@pytest.fixture()
def action(knowledge_db: str, monkeypatch: pytest.MonkeyPatch, tmp_path):  # type: ignore[no-untyped-def]
    from bot.services import reset_services
    from actions.policy import ActionAnswerPolicyQuestion

    monkeypatch.setenv("DATABASE_URL", knowledge_db)
    monkeypatch.setenv("DAXING_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("HOTLINE_NUMBER", "96156")
    reset_services()
    yield ActionAnswerPolicyQuestion()
    reset_services()


def turn(action: Any, text: str, intent: str, slots: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Run the action on one message; returns the reply text and the slots after it."""
    tracker = Tracker(
        sender_id="unit", slots=dict(slots), latest_message={
            "text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": []},
        events=[], paused=False, followup_action=None, active_loop={}, latest_action_name=None,
    )
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    for event in events:
        if event.get("event") == "slot":
            slots[event["name"]] = event["value"]
    return "\n".join(m.get("text") or "" for m in dispatcher.messages), slots


def test_the_context_slot_carries_follow_ups_across_turns(action: Any) -> None:
    slots: dict[str, Any] = {}
    first, slots = turn(action, "开放点15是啥", "ask_open_day", slots)
    assert "部门预算" in first and slots["kb_context"]["recent"][0].endswith("#site:15")
    second, slots = turn(action, "16呢", "ask_followup", slots)
    assert "政府采购" in second
    both, slots = turn(action, "这俩谁办的", "ask_followup", slots)
    assert "财政局" in both and "国资委" in both


def test_refusals_name_the_hotline_from_settings(action: Any) -> None:
    reply, _ = turn(action, "惠民保一年交多少钱", "ask_medical_insurance", {})
    assert "96156" in reply and "12345" not in reply


def test_an_unclassified_message_naming_a_plan_record_is_answered(action: Any) -> None:
    from actions.handoff import ActionFallback

    reply, slots = turn(ActionFallback(), "统计局的联系方式", "nlu_fallback", {})
    assert "没有写到" in reply and "96156" in reply and "入统和五经普宣讲" in reply
    assert "kb_context" in slots


def test_a_greeting_around_a_question_greets_briefly_and_answers(action: Any) -> None:
    from actions.basics import ActionGreet

    dispatcher = CollectingDispatcher()
    tracker = Tracker(
        sender_id="unit", slots={}, latest_message={
            "text": "您好，请问医保宣讲是哪个单位负责的？", "intent": {"name": "greet"}, "entities": []},
        events=[], paused=False, followup_action=None, active_loop={}, latest_action_name=None,
    )
    asyncio.run(ActionGreet().run(dispatcher, tracker, {}))
    assert dispatcher.messages[0]["response"] == "utter_greet_brief"
    assert "医保局" in dispatcher.messages[1]["text"]
    bare = CollectingDispatcher()
    tracker.latest_message["text"] = "您好"
    asyncio.run(ActionGreet().run(bare, tracker, {}))
    assert [m["response"] for m in bare.messages] == ["utter_greet"]


def test_the_action_server_registers_every_action_of_the_package() -> None:
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    for name in ("action_greet", "action_thank", "action_goodbye", "action_answer_policy_question", "action_fallback"):
        assert name in executor.actions
