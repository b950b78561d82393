"""Helpers for the answer engine's unit tests: the plans' document numbers, the fixed date
and hotline of the shared `engine` fixture (tests/unit/conftest.py), and conversations."""
from __future__ import annotations

import datetime as dt

from kb.answers import Answer, AnswerEngine, Context, Question

INTERACTION = "京兴政务公开办发〔2023〕2号"
WORK_POINTS = "京兴政务公开发〔2023〕1号"
TODAY = dt.date(2026, 11, 30)
HOTLINE = "96156"


def conversation(engine: AnswerEngine, *turns: str, intent: str | None = None) -> list[Answer]:
    """Ask turns in one conversation, carrying the context each answer leaves."""
    context, answers = Context(), []
    for text in turns:
        answer = engine.answer(Question(text, intent, context=context))
        answers.append(answer)
        context = answer.context
    return answers


def ask(engine: AnswerEngine, *turns: str) -> Answer:
    """The last answer of a conversation of `turns`."""
    return conversation(engine, *turns)[-1]
