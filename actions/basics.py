"""Courtesies that may carry a question: "您好，请问医保宣讲是哪个单位负责的？"."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import answer_engine, question_from
from actions.policy import ActionAnswerPolicyQuestion, question_answered_instead
from kb.cues import ASKS


class _Courtesy:
    """A greeting or thanks; when the message also asks about something the plans hold, a
    short courtesy and then the answer (the NLU labels the message by its courtesy).
    A mixin, not an `Action`: rasa-sdk registers every Action subclass it finds."""

    full_response = ""
    brief_response = ""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        question = question_from(tracker)
        engine = answer_engine()
        if question.text and (engine.recognises(question) or engine.asks_something(question)):
            if self.brief_response:
                dispatcher.utter_message(response=self.brief_response)
            return await ActionAnswerPolicyQuestion().run(dispatcher, tracker, domain)
        dispatcher.utter_message(response=self.full_response)
        return []


class ActionGreet(_Courtesy, Action):
    full_response, brief_response = "utter_greet", "utter_greet_brief"

    def name(self) -> str:
        return "action_greet"


class ActionThank(_Courtesy, Action):
    full_response, brief_response = "utter_you_are_welcome", "utter_you_are_welcome_brief"

    def name(self) -> str:
        return "action_thank"


class ActionGoodbye(_Courtesy, Action):
    """"哦这样啊 去了能了解啥" labelled a goodbye: no farewell, the question answered."""

    full_response, brief_response = "utter_goodbye", ""

    def name(self) -> str:
        return "action_goodbye"


# Asking the assistant itself what it can do ("你都能帮我干点啥"): never a plan question,
# even right after one (its "干点啥" is no follow-up about a lecture's content).
_ASKS_THE_ASSISTANT = re.compile(r"(?:你|您)们?(?:都|还|到底)?(?:能|会|可以)")
# "去了能干啥", "进去能看到什么": what one does at the activity just discussed, not at the
# assistant (answered from the record when the plans recognise the question).
_ABOUT_BEING_THERE = re.compile(r"去了|到了|进去|现场|当场|当天|那儿|那里|那边")


class ActionHelp(Action):
    """"你能干啥": what the assistant can do (also at a form's prompt, which is then asked
    again). A plan question the NLU took for a request for help ("人怎么选的") is answered
    from the plans instead."""

    def name(self) -> str:
        return "action_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        question = question_from(tracker)
        if not _ASKS_THE_ASSISTANT.search(question.text):
            if (answered := await question_answered_instead(dispatcher, tracker, domain)) is not None:
                return answered
            if _ABOUT_BEING_THERE.search(question.text) and ASKS.search(question.text) \
                    and answer_engine().recognises(question):
                return await ActionAnswerPolicyQuestion().run(dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_help")
        return []


class ActionAnythingElse(Action):
    """"好的" or "不用了" outside any question: anything else? A plan question the NLU took
    for a yes or a no ("要不要門票") is answered, or honestly refused, instead."""

    def name(self) -> str:
        return "action_anything_else"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        question = question_from(tracker)
        engine = answer_engine()
        # "招牌多大尺寸以内不用审批" taken for a no: it asks something all the same
        if question.text and (ASKS.search(question.text) or engine.asks_something(question)) \
                and engine.recognises(question):
            return await ActionAnswerPolicyQuestion().run(dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_anything_else")
        return []
