"""The action server's access to the knowledge base and the activity service.

Both come from the process's composition root (`bot.services.services()`): built once from
the settings on first use, the answer engine reloaded when the stored plans change.
"""
from __future__ import annotations

from collections import defaultdict

from rasa_sdk import Tracker

from activities.service import ActivityService
from bot.services import services
from kb.answers import Answer, AnswerEngine, Context, Question
from kb.store import KnowledgeRepository


def answer_engine() -> AnswerEngine:
    """The engine over the stored plans, reloaded when `daxing kb add` changes them."""
    return services().answer_engine()


def record_unanswered(question: Question, answer: Answer, tracker: Tracker) -> None:
    """Keep an unanswered question for review, as the citizen typed it (not normalised)."""
    with services().database.session() as session:
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
    return services().activity_service()


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
