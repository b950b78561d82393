"""The action server's shared knowledge-base access: one cached engine per process."""
from __future__ import annotations

from functools import lru_cache

from kb.answers import Answer, AnswerEngine, CachedEngine, Question
from kb.db import UnitOfWork
from kb.store import KnowledgeRepository
from bot.settings import load_settings


@lru_cache(maxsize=1)
def _cached_engine() -> CachedEngine:
    return CachedEngine(load_settings().database_url)


def answer_engine() -> AnswerEngine:
    """The engine over the stored plans, reloaded when `daxing kb add` changes them."""
    return _cached_engine().get()


def record_unanswered(question: Question, answer: Answer, sender_id: str | None) -> None:
    with UnitOfWork(load_settings().database_url).session() as session:
        KnowledgeRepository(session).record_unanswered(
            question.text, answer.reason or "unknown", question.intent, sender_id
        )
