"""The policy answer action (a thin bridge from the tracker to `kb.answers`) and follow-ups."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from activities.catalogue import ACTIVITY_KINDS, names_an_activity, ordinal_of
from actions.activities import answer_schedule_question, listed_session, show_detail, sign_up_instead
from actions.knowledge import activity_service, answer_engine, question_from, record_unanswered
from kb.answers import Answer, AnswerEngine, Question
from kb.cues import ASKS

# A "when" question about these is answered with the plan's own period and then from the
# sessions; a "which day" question from the sessions alone (the plans give no dates).
SCHEDULE_KINDS = (*ACTIVITY_KINDS, "rules")
# Facets a schedule question may ask that the sessions, not the plans, answer.
SCHEDULE_FACETS = ("when", "exact_date", "how_to_join", "notice", "place", "address")


class ActionAnswerPolicyQuestion(Action):
    """Answers from the published plans with the source, or says honestly that they don't say."""

    def name(self) -> str:
        return "action_answer_policy_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if (signing_up := sign_up_instead(tracker)) is not None:
            return signing_up  # "报名医保宣讲": a request, not a question about 医保
        question = question_from(tracker)
        engine = answer_engine()
        answer = engine.answer(question)
        facet = answer.asked
        schedule = facet in ("when", "exact_date") and answer.reason != "other_year" \
            and _about_activities(engine, question, answer)
        if schedule and facet == "exact_date":
            # The plans give no dates: only the sessions the organisers loaded do.
            return answer_schedule_question(dispatcher, tracker, answer=answer)
        if not answer.covered:
            record_unanswered(question, answer, tracker)
        dispatcher.utter_message(
            text=answer.text,
            buttons=[{"title": related, "payload": related} for related in answer.related],
        )
        # A new answer replaces a session list as what "那第二个呢" refers to.
        events = [SlotSet("listed_sessions", None), SlotSet("kb_context", answer.context.to_slot()),
                  SlotSet("kb_ref", answer.ref)]
        if schedule:
            # "开放日一般在几月份": the plan's own period above, then whether sessions are
            # announced now (never the plan's year presented as this year).
            events += answer_schedule_question(dispatcher, tracker, plans_answered=True)
        return events


async def plans_answer_instead(
    dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any],
    leave: tuple[str, ...] = (),
) -> list[dict[str, Any]] | None:
    """The plans' answer when the NLU sent a plan question elsewhere (a schedule request,
    out of scope, "who are you", a name typed) and the plans clearly answer it
    (`AnswerEngine.answers_clearly`, facets in `leave` excepted); else None."""
    question = question_from(tracker)
    if question.text and answer_engine().answers_clearly(question, leave=leave):
        return await ActionAnswerPolicyQuestion().run(dispatcher, tracker, domain)
    return None


def plans_answer_of(question: Question, leave: tuple[str, ...] = ()) -> Answer | None:
    """The plans' answer to a message that asks something (`ASKS`) they clearly answer
    (`AnswerEngine.answers_clearly`, facets in `leave` excepted), for an action that replies
    in its own way; else None ("就报这个吧" asks nothing)."""
    engine = answer_engine()
    if not ASKS.search(question.text) or not engine.answers_clearly(question, leave=leave):
        return None
    return engine.answer(question)


def plans_reply_of(question: Question, leave: tuple[str, ...] = ()) -> Answer | None:
    """What the plans say to a message that asks something: their answer (`plans_answer_of`)
    or their refusal for a reason in NOT_A_REQUEST (`plans_refusal`); else None."""
    return plans_answer_of(question, leave) or plans_refusal(question)


async def question_answered_instead(
    dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any],
) -> list[dict[str, Any]] | None:
    """`plans_answer_instead` for a message that asks something (a question word, `ASKS`):
    "人怎么选的" taken for a request for help, "都请哪些人" for one for a person."""
    if not ASKS.search(question_from(tracker).text):
        return None
    return await plans_answer_instead(dispatcher, tracker, domain)


# Refusals that answer a question the NLU took for a request (a sign-up, an application
# check): there is nothing to sign up for or to look up.
NOT_A_REQUEST = ("other_year", "detail_not_in_plans", "complaint")


def plans_refusal(question: Question, statements: bool = False) -> Answer | None:
    """The plans' refusal of a question ("明年还办不办", "有无障碍通道吗", "报了百分之多少")
    when it asks something and the reason is one of NOT_A_REQUEST; else None. With
    `statements`, a complaint that asks nothing is refused too ("我公司申请的补贴卡了仨月没动静")."""
    asks = bool(ASKS.search(question.text))
    if not (asks or statements):
        return None
    answer = answer_engine().answer(question)
    if answer.reason == "complaint" and statements:
        return answer
    return answer if asks and answer.reason in NOT_A_REQUEST else None


def _kinds_cited(engine: AnswerEngine, answer: Answer) -> set[str]:
    """The kinds of the records an answer cites ("item", "site", "rules"…)."""
    return {engine.kb.by_ref[ref].kind for ref in answer.sources if ref in engine.kb.by_ref}


def _about_activities(engine: AnswerEngine, question: Question, answer: Answer) -> bool:
    return bool(_kinds_cited(engine, answer) & set(SCHEDULE_KINDS)) or names_an_activity(question.text)


class ActionFollowUp(ActionAnswerPolicyQuestion):
    """"那第二个呢": a position in the session list shown last, else a follow-up on the plans."""

    def name(self) -> str:
        return "action_follow_up"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if tracker.get_slot("listed_sessions"):
            service = activity_service()
            session = listed_session(service, tracker, ordinal_of(question_from(tracker).text))
            if session is not None:
                return show_detail(dispatcher, session, from_list=True)
        return await super().run(dispatcher, tracker, domain)


class ActionShowActivities(Action):
    """Upcoming sessions matching the question, or "时间待公告" with the announcement rule."""

    def name(self) -> str:
        return "action_show_activities"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        # Labelled a schedule question, but it may ask the plans something else ("人社普法
        # 宣讲的主题是什么", "开放日一般都请啥人"): then the plans answer it.
        answered = await plans_answer_instead(dispatcher, tracker, domain, leave=SCHEDULE_FACETS)
        if answered is None and _about_work_items_only(question_from(tracker)):
            # "政策一般通过啥渠道发": no activity named, and only a work item says it
            answered = await ActionAnswerPolicyQuestion().run(dispatcher, tracker, domain)
        return answered if answered is not None else answer_schedule_question(dispatcher, tracker)


def _about_work_items_only(question: Question) -> bool:
    """Whether a message names no activity and asks what only work items answer."""
    if not ASKS.search(question.text) or names_an_activity(question.text) or "活动" in question.text:
        return False
    engine = answer_engine()
    answer = engine.answer(question)
    return answer.covered and _kinds_cited(engine, answer) == {"item"}
