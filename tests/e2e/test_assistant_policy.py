"""End to end over REST: cited answers, follow-ups and honest refusals from the real servers."""
from __future__ import annotations

import sqlalchemy as sa

from core.db import engine_for
from tests.conftest import RunningAssistant


def test_policy_question_is_answered_with_its_source(running_assistant: RunningAssistant) -> None:
    messages = running_assistant.say("policy-1", "医保方面的宣讲是哪个单位负责的？")
    text = "\n".join(m.get("text", "") for m in messages)
    assert "医保局" in text
    assert "来源：" in text and "京兴政务公开办发〔2023〕2号" in text
    buttons = [b for m in messages for b in m.get("buttons", [])]
    assert 1 <= len(buttons) <= 3


def test_follow_up_refers_to_the_previous_answer(running_assistant: RunningAssistant) -> None:
    running_assistant.say("policy-2", "开放点9是干什么的")
    reply = running_assistant.texts("policy-2", "它是哪个单位负责的")
    assert "人保局" in reply


def test_uncovered_question_is_refused_and_recorded(running_assistant: RunningAssistant) -> None:
    reply = running_assistant.texts("policy-3", "异地就医的报销比例是多少？")
    assert "没有" in reply and "12345" in reply
    with engine_for(running_assistant.settings.database_url).connect() as connection:
        recorded = connection.execute(
            sa.text("SELECT question FROM kb_unanswered_questions WHERE sender_id = 'policy-3'")
        ).scalars().all()
    assert recorded == ["异地就医的报销比例是多少？"]
