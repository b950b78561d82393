"""The action server's shared access to the knowledge base and the activity service."""
from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

from rasa_sdk import Tracker

from activities.catalogue import Catalogue
from activities.service import ActivityService
from kb.answers import Answer, AnswerEngine, CachedEngine, Context, Question
from kb.db import UnitOfWork
from kb.store import KnowledgeRepository
from bot.settings import load_settings


@lru_cache(maxsize=1)
def _cached_engine() -> CachedEngine:
    settings = load_settings()
    return CachedEngine(settings.database_url, hotline=settings.hotline_number)


def answer_engine() -> AnswerEngine:
    """The engine over the stored plans, reloaded when `daxing kb add` changes them."""
    return _cached_engine().get()


def record_unanswered(question: Question, answer: Answer, tracker: Tracker) -> None:
    """Keep an unanswered question for review, as the citizen typed it (not normalised)."""
    with UnitOfWork(load_settings().database_url).session() as session:
        KnowledgeRepository(session).record_unanswered(
            original_text(tracker) or question.text, answer.reason or "unknown", question.intent,
            tracker.sender_id,
        )


def original_text(tracker: Tracker) -> str:
    """What the citizen typed last: the user event keeps it, `latest_message` is normalised."""
    event = next((e for e in reversed(tracker.events) if e.get("event") == "user"), None)
    return (event or {}).get("text") or ""


def activity_service() -> ActivityService:
    """Sessions and applications, over the activities of the plans the engine holds now."""
    settings = load_settings()
    return ActivityService(
        settings.database_url,
        Catalogue(answer_engine()),
        close_working_days=settings.signup_close_working_days,
    )


def question_from(tracker: Tracker) -> Question:
    """The latest user message as a `Question`; a button payload like /ask_open_day has no text."""
    message = tracker.latest_message
    text = message.get("text") or ""
    entities: dict[str, list[str]] = defaultdict(list)
    for entity in message.get("entities", []):
        entities[entity["entity"]].append(str(entity.get("value", "")))
    return Question(
        text="" if text.startswith("/") else text,
        intent=(message.get("intent") or {}).get("name"),
        entities=dict(entities),
        context_ref=tracker.get_slot("kb_ref"),
        context=conversation_context(tracker),
    )


def conversation_context(tracker: Tracker) -> Context:
    """What was discussed last: the answer engine's `kb_context`, with a record the schedule
    actions showed since (`kb_ref`) as the most recent one."""
    ref = tracker.get_slot("kb_ref")
    context = Context.from_slot(tracker.get_slot("kb_context"), ref)
    if ref and (not context.recent or context.recent[0] != ref):
        context = Context(recent=(ref, *context.recent)[:4], listed=context.listed,
                          facet=context.facet)
    return context
