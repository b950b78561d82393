"""The engine keeps the readings of the last questions (issue 19): an action that asks
`answers_clearly` and then `answer` of one message reads it once. A reading is reused only
for the same text, intent, entities, conversation and date. The `engine` fixture is
tests/unit/conftest.py's."""
from __future__ import annotations

import datetime as dt

import pytest

from kb.answers import AnswerEngine, Context, Question
from tests.unit.answering import HOTLINE, TODAY, WORK_POINTS

pytestmark = pytest.mark.unit


def test_the_same_question_is_read_once_and_answers_alike(engine) -> None:
    question = Question("社保那块谁负责")
    first = engine.read(question)
    assert engine.read(Question("社保那块谁负责")) is first
    assert engine.answers_clearly(question) and f"{WORK_POINTS}#item:4" in engine.answer(question).sources


def test_another_conversation_intent_or_date_is_read_again(engine) -> None:
    text = "那它谁负责"
    alone = engine.read(Question(text))
    after_item = engine.read(Question(text, context=Context(recent=(f"{WORK_POINTS}#item:4",))))
    assert after_item is not alone and [r.ref for r in after_item.records] == [f"{WORK_POINTS}#item:4"]
    assert engine.read(Question(text, "ask_work_plan")) is not alone
    days = iter([TODAY, TODAY + dt.timedelta(days=400)])
    moving = AnswerEngine(engine.kb, hotline=HOTLINE, today=lambda: next(days))
    assert moving.read(Question("明年的开放日啥时候")).asked_years != moving.read(Question("明年的开放日啥时候")).asked_years


def test_an_engine_keeping_no_readings_reads_every_time(engine) -> None:
    plain = AnswerEngine(engine.kb, hotline=HOTLINE, today=lambda: TODAY, readings_kept=0)
    assert plain.read(Question("社保那块谁负责")) is not plain.read(Question("社保那块谁负责"))
