"""End to end: the real Rasa and action servers answer the basics in Chinese over REST."""
from __future__ import annotations

import sqlite3

from tests.conftest import RunningAssistant


def test_greeting_is_answered_in_chinese(running_assistant: RunningAssistant) -> None:
    reply = running_assistant.texts("basics-greet", "你好")
    assert "您好" in reply
    assert "政务" in reply


def test_capabilities_come_with_topic_buttons(running_assistant: RunningAssistant) -> None:
    messages = running_assistant.say("basics-help", "你能做什么")
    titles = [b["title"] for m in messages for b in m.get("buttons", [])]
    assert "医保政策" in titles
    assert "政务开放日" in titles


def test_asking_for_the_hotline_number_gives_it_without_a_ticket(running_assistant: RunningAssistant) -> None:
    reply = running_assistant.texts("basics-hotline", "热线电话是多少")
    assert "12345" in reply and "工单" not in reply


def test_off_topic_question_gets_an_honest_refusal(running_assistant: RunningAssistant) -> None:
    reply = running_assistant.texts("basics-oos", "帮我订一张去上海的机票")
    assert "12345" in reply


def test_conversation_is_stored_in_the_sql_tracker_store(
    running_assistant: RunningAssistant,
) -> None:
    running_assistant.say("basics-persist", "你好")
    database = running_assistant.settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        stored = connection.execute(
            "SELECT count(*) FROM events WHERE sender_id = ? AND type_name = 'user'",
            ("basics-persist",),
        ).fetchone()[0]
    assert stored >= 1
