"""Schedule lookup: upcoming sessions, one session's details, or "时间待公告" with the rule."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from activities import formatting
from activities.applicants import application_request_in, asks_to_sign_up
from activities.details import details_in, without_details
from activities.catalogue import ActivityQuery
from activities.service import ActivityService, SessionView
from actions.knowledge import activity_service, answer_engine, question_from
from kb.answers import Answer
from kb.matching import ACTIVITIES_NAMED
from bot.services import services

MAX_LISTED = 6


def sign_up_instead(tracker: Tracker) -> list[EventType] | None:
    """The form a message asks for that the NLU labelled as something else: the check/cancel
    form for a request with the phone or reference in it ("取消报名 手机号142… 编号DX-…": a
    detail; "那天有事 取消报名 142… DX-…": a question about the rules), else the sign-up form
    ("报名医保宣讲": a question about 医保; "报第2个": not understood; "我叫王芳 手机… 想报名
    第二场": a detail typed outside a form); None inside a form or otherwise."""
    if tracker.active_loop_name is not None:
        return None
    text = tracker.latest_message.get("text") or ""
    if (request := application_request_in(text)) is not None:
        return [SlotSet("application_request", request), FollowupAction("application_form")]
    if asks_to_sign_up(text):
        return [FollowupAction("signup_form")]
    return None


def activity_query(service: ActivityService, tracker: Tracker) -> ActivityQuery:
    """The activities the latest message names. A message that also gives details for a
    sign-up is read without them: "人大的 司马红梅 144… 魏善庄镇半壁店村村委会 报名医保讲座"
    asks for the 医保 lecture, not for one of 人大 or of 魏善庄镇."""
    question = question_from(tracker)
    text, entities = question.text, question.entities
    if details_in(text).given():
        text, entities = without_details(text), {}
    return service.catalogue.query(text, entities, service.clock().date(), question.context_ref)


def listed_session(service: ActivityService, tracker: Tracker, ordinal: int | None) -> SessionView | None:
    """The session a citizen points at: a button's code, or a position in the list shown last."""
    codes = question_from(tracker).entities.get("activity_session")
    listed = tracker.get_slot("listed_sessions") or []
    if not codes and ordinal and 1 <= ordinal <= len(listed):
        codes = [listed[ordinal - 1]]
    return service.session(codes[0]) if codes else None


def notice_values(service: ActivityService) -> dict[str, Any]:
    """The plan's announcement rule, for the {according}, {offline} and {online} of a reply,
    and the {hotline} (settings) for the latest arrangements."""
    rules = service.catalogue.notice_rules()
    return {
        "according": formatting.according_to(rules.source),
        "offline": rules.offline_working_days,
        "online": rules.online_working_days,
        "hotline": services().settings.hotline_number,
    }


def pending_text(query: ActivityQuery) -> str:
    """The activities a question named (without dates yet) as a numbered list, else the
    kinds it asked about. For a reply that is a list followed by "以上活动…"."""
    if query.specific and query.activities:
        return formatting.pending_lines(list(query.activities)[:MAX_LISTED])
    return formatting.kinds_pending(query.kinds)


def pending_names(query: ActivityQuery) -> str:
    """The same activities named inside one sentence ("…目前还没有可以报名的场次")."""
    if query.specific and query.activities:
        return formatting.activity_names(list(query.activities))
    return formatting.kinds_pending(query.kinds)


def show_detail(
    dispatcher: CollectingDispatcher, session: SessionView, from_list: bool = False
) -> list[dict[str, Any]]:
    """One session in full; picked `from_list`, the list stays what "第三个呢" counts in."""
    dispatcher.utter_message(
        response="utter_session_detail",
        detail=formatting.session_detail(session),
        buttons=formatting.session_buttons([session]) if session.window.state == formatting.OPEN else [],
    )
    events = [SlotSet("kb_ref", session.activity.ref)]
    return events if from_list else events + [SlotSet("listed_sessions", [session.code])]


def show_sessions(
    dispatcher: CollectingDispatcher, service: ActivityService, query: ActivityQuery,
    upcoming: list[SessionView] | None = None,
) -> list[dict[str, Any]]:
    """`upcoming`: the sessions matching `query` when the caller has already read them."""
    sessions = (service.upcoming(query) if upcoming is None else upcoming)[:MAX_LISTED]
    if len(sessions) == 1:
        return show_detail(dispatcher, sessions[0])
    if sessions:
        dispatcher.utter_message(
            response="utter_sessions_list",
            lines="\n".join(formatting.session_line(s, i) for i, s in enumerate(sessions, start=1)),
            buttons=formatting.session_buttons(sessions),
        )
        return [SlotSet("kb_ref", None), SlotSet("listed_sessions", [s.code for s in sessions])]
    dispatcher.utter_message(
        response="utter_no_sessions_pending", activities=pending_text(query), **notice_values(service)
    )
    activities = query.activities if query.specific else ()
    ref = activities[0].ref if len(activities) == 1 else None
    return [SlotSet("kb_ref", ref), SlotSet("listed_sessions", None)]


def answer_schedule_question(
    dispatcher: CollectingDispatcher, tracker: Tracker, plans_answered: bool = False,
    answer: Answer | None = None,
) -> list[dict[str, Any]]:
    """A session picked by button or position, else the sessions the message asks about.

    With no session loaded, a question about a year the plans do not cover is told so, and
    a "when" question first gets the plan's own period, said as that plan's — unless the
    caller has just answered from the plans (`plans_answered=True`). `answer`: the plans'
    answer to this message when the caller has already read it."""
    service = activity_service()
    query = activity_query(service, tracker)
    session = listed_session(service, tracker, query.ordinal)
    if session is not None:
        return show_detail(dispatcher, session, from_list=True)
    upcoming = service.upcoming(query)
    if not upcoming and not plans_answered:
        # "今年还有开放日吗" with no session loaded: say plainly that the plans held are an
        # older year's, never list the old plan's activities as this year's.
        engine, question = answer_engine(), question_from(tracker)
        answer = answer or engine.answer(question)
        names_activity = bool(ACTIVITIES_NAMED.search(question.text))
        if answer.reason == "other_year" or (
                answer.reason in ("detail_not_in_plans", "no_match", "complaint") and not names_activity):
            # "今年还有开放日吗"; "幼儿园入园报名啥时候开始": nothing of ours is asked about.
            dispatcher.utter_message(text=answer.text)
            return [SlotSet("listed_sessions", None)]
        if answer.reason == "detail_not_in_plans":
            # "医保讲座具体哪天、在哪开": the plans give no dates or places — said first.
            dispatcher.utter_message(text=answer.text)
        elif answer.asked == "when":
            dispatcher.utter_message(text=engine.rules_answer("when").text)
    return show_sessions(dispatcher, service, query, upcoming)
