"""The answer engine the unit tests of answering share: the real 2023 plans (`knowledge_db`,
built once per session), a fixed Beijing date after the plans' year and a hotline number
no settings file gives, so a test sees where each comes from."""
from __future__ import annotations

import pytest

from kb.answers import AnswerEngine, KnowledgeBase
from tests.unit.answering import HOTLINE, TODAY


@pytest.fixture(scope="session")
def engine(knowledge_db: str) -> AnswerEngine:
    from core.db import UnitOfWork
    from kb.store import KnowledgeRepository

    with UnitOfWork(knowledge_db).session() as session:
        documents = KnowledgeRepository(session).documents()
    return AnswerEngine(KnowledgeBase(documents), hotline=HOTLINE, today=lambda: TODAY)
