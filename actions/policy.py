"""The policy answer action: a thin bridge from the tracker to `kb.answers`."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import answer_engine, record_unanswered
from kb.answers import Question


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
    )


class ActionAnswerPolicyQuestion(Action):
    """Answers from the published plans with the source, or says honestly that they don't say."""

    def name(self) -> str:
        return "action_answer_policy_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        question = question_from(tracker)
        answer = answer_engine().answer(question)
        if not answer.covered:
            record_unanswered(question, answer, tracker.sender_id)
        dispatcher.utter_message(
            text=answer.text,
            buttons=[{"title": related, "payload": related} for related in answer.related],
        )
        return [SlotSet("kb_ref", answer.ref)] if answer.ref else []
