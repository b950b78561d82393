"""The sign-up form and the check/cancel form: slot validation and the final steps.

Only the conversation lives here; `activities.service` saves, finds and cancels, and
`activities.applicants` cleans what citizens type.
"""
from __future__ import annotations

import asyncio
import re
import datetime as dt
import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from activities import formatting
from activities.applicants import (
    IDENTITY, NAME, NO_ORGANISATION, ORGANISATION, PHONE, SESSION, asks_something, asks_to_sign_up, identity_of,
    organisation_of, person_name,
)
from activities.service import (
    ONLINE,
    OPEN,
    ApplicationRequest,
    RegistrationRefused,
    SessionView,
    UnknownSession,
)
from activities.catalogue import names_an_activity
from actions.activities import MAX_LISTED, activity_query, listed_session, notice_values, pending_names, sign_up_instead
from actions.corrections import Corrections
from activities.details import marks_correction, yes_or_no
from actions.forms import (
    APPLICATION_SLOTS, SIGNUP_ATTEMPT_SLOTS, SIGNUP_SLOTS, PromptedForm, checked, reset, since_reply, typed_text,
)
from actions.knowledge import activity_service, answer_engine, question_from
from kb.answers import Answer, Question
from actions.policy import (
    SCHEDULE_FACETS, ActionAnswerPolicyQuestion, plans_answer_instead, plans_answer_of, plans_refusal, plans_reply_of,
)
from bot.services import services
from core.clock import beijing_now
from core.numerals import ARABIC, CN_SPOKEN, to_int
from core.privacy import mask_phone, phone_of

log = logging.getLogger(__name__)
# Why the last sign-up could not start (`signup_refusal`): said again, with "nothing was
# stored", when the citizen goes on to type a name or number as if the form were running.
NOTHING_STORED = {
    "pending": "utter_signup_nothing_stored_pending",
    "closed": "utter_signup_nothing_stored_closed",
    "online": "utter_signup_nothing_stored_online",
}
# What may come between the refused sign-up and such an answer without ending the attempt.
_CONTINUING_ACTIONS = {"action_listen", "action_extract_slots", "action_answer_form_input"}
# Facets of joining itself: the sign-up form answers them, not the plans' text.
JOINING = ("who_can_join", "size", "online", "form", "materials", "money", "condition")


# A position in the numbered list of sessions, typed at it: a bare number ("1", "２", "三号")
# or "第N场/第N个" ("报名第1场", as utter_invalid_session suggests) — not "第1讲", "开放点1".
_BARE_NUMBER = re.compile(rf"\s*([{ARABIC}]{{1,2}}|[{CN_SPOKEN}]{{1,3}})\s*(?:号|个|场)?\s*[。.!！]?\s*")
_LIST_POSITION = re.compile(rf"第\s*([{ARABIC}]{{1,2}}|[{CN_SPOKEN}]{{1,3}})\s*(?:个|场)")
_ACTIVITY_NUMBER = re.compile(r"讲|开放点|期")


def list_position(text: str) -> int | None:
    """"1" / "２" / "三号" / "报名第1场" → the position in the list shown; None otherwise."""
    text = text or ""
    match = _BARE_NUMBER.fullmatch(text) or (
        None if _ACTIVITY_NUMBER.search(text) else _LIST_POSITION.search(text))
    return to_int(match.group(1)) if match else None


def refuse(dispatcher: CollectingDispatcher, session: SessionView) -> dict[str, str]:
    """Say why this session takes no sign-up: closed, or online-only (then how to watch).
    Returns the refusal as `signup_refusal` keeps it."""
    label = formatting.session_label(session)
    if session.window.state == ONLINE:
        live = formatting.how_to_watch(session.live_details)
        dispatcher.utter_message(response="utter_signup_online_only", session=label, live=live)
        return {"why": "online", "session": label, "live": live}
    dispatcher.utter_message(
        response="utter_signup_closed", session=label,
        closes_on=formatting.day(session.window.closes_on),
    )
    return {"why": "closed", "session": label}


def refused(refusal: dict[str, str]) -> dict[str, Any]:
    """The slots that end the sign-up form at once and remember why."""
    return {"signup_outcome": "refused", "signup_refusal": refusal}


class ValidateSignupForm(Corrections, PromptedForm, FormValidationAction):
    """Fills and checks the sign-up slots; ends the form early when sign-up is impossible.
    Corrections and several details in one message: actions.corrections."""

    SLOTS = {SESSION: "activity_session", NAME: "applicant_name", PHONE: "applicant_phone",
             IDENTITY: "applicant_identity", ORGANISATION: "applicant_organisation"}

    def name(self) -> str:
        return "validate_signup_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        return [] if tracker.get_slot("signup_outcome") else domain_slots

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The SDK keeps only slots that are still required; once a refusal has ended the form
        (no slot is required any more) that would drop the refusal itself, so keep it, and the
        record a question answered instead points at (`kb_context`, `kb_ref`)."""
        events = await super().get_validation_events(dispatcher, tracker, domain)
        named = {event["name"] for event in events}
        extracted = tracker.slots_to_validate()
        return events + [
            SlotSet(slot, extracted[slot]) for slot in ("signup_outcome", "signup_refusal", "kb_context", "kb_ref")
            if slot in extracted and slot not in named
        ]

    async def extract_activity_session(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Which session: a button, a position in the list shown, or the activity named.

        With the sign-up request itself ("报名开放点9"), or in reply to the session prompt,
        read there like every prompt (PromptedForm): a question or request is no choice,
        even when it names a session ("我想问问开放点9在哪")."""
        if tracker.get_slot("activity_session") or tracker.get_slot("requested_slot") not in (
            None, "activity_session"
        ):
            return {}
        service = activity_service()
        query = activity_query(service, tracker)
        at_prompt = tracker.get_slot("requested_slot") == "activity_session"
        position = list_position(question_from(tracker).text) if at_prompt else None
        ordinal = position or query.ordinal
        chosen = listed_session(service, tracker, ordinal)
        if at_prompt and self.answer_to(
            tracker, "activity_session", chosen=chosen is not None or query.specific or ordinal is not None
        ) is None:
            return {}
        if chosen is None and position is not None:
            # "第5场" of a list of three: not "第5讲" either.
            dispatcher.utter_message(response="utter_invalid_session")
            return {"activity_session": None}
        if chosen is not None:
            return self._choose(dispatcher, chosen)
        question = question_from(tracker)
        if tracker.get_slot("requested_slot") is None and (said := _plans_instead_of_a_sign_up(question)) is not None:
            dispatcher.utter_message(text=said.text)
            return {**refused({"why": "question"}), "kb_context": said.context.to_slot(), "kb_ref": said.ref}
        answered: dict[str, Any] = {}
        if tracker.get_slot("requested_slot") is None and asks_to_sign_up(question.text) \
                and (said := plans_answer_of(question, leave=(*SCHEDULE_FACETS, *JOINING))) is not None:
            # "计量服务那个开放点是哪个部门的呀 我是学计量的想去看看": the question is answered
            # first, then the sign-up goes on (usually: nothing open yet, and how it will be).
            dispatcher.utter_message(text=said.text)
            answered = {"kb_context": said.context.to_slot(), "kb_ref": said.ref}
        if query.specific:
            named = service.upcoming(query)
            bookable = [s for s in named if s.window.state == OPEN]
            if len(bookable) == 1:
                return {"activity_session": bookable[0].code}
            if not bookable:
                if named:
                    return {**refused(refuse(dispatcher, named[0])), **answered}
                activities = pending_names(query)
                dispatcher.utter_message(
                    response="utter_signup_pending", activities=activities, **notice_values(service)
                )
                return {**refused({"why": "pending", "activities": activities}), **answered}
        if not query.specific and len(at_venue := service.open_at_venue(question_from(tracker).text)) == 1:
            return self._choose(dispatcher, at_venue[0])  # "报名参加公共法律服务中心的开放活动"
        if not service.open_for_sign_up():
            dispatcher.utter_message(response="utter_no_open_sessions", **notice_values(service))
            answer = answer_engine().answer(question_from(tracker))
            if answer.reason == "other_year":
                # "今年的开放日报名开始了没": the plans held are an older year's; said plainly.
                dispatcher.utter_message(text=answer.text)
            else:
                # How people are chosen, from the plan with its citation ("开放日怎么报名参加").
                dispatcher.utter_message(text=answer_engine().rules_answer("how_to_join").text)
            return refused({"why": "pending", "activities": formatting.kinds_pending(query.kinds)})
        if tracker.get_slot("requested_slot") == "activity_session":
            dispatcher.utter_message(response="utter_invalid_session")
            return {"activity_session": None}
        return {}

    @staticmethod
    def _choose(dispatcher: CollectingDispatcher, session: SessionView) -> dict[str, Any]:
        if session.window.state == OPEN:
            return {"activity_session": session.code}
        return refused(refuse(dispatcher, session))

    def extract_applicant_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self.typed(tracker, "applicant_name")

    def extract_applicant_phone(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self.typed(tracker, "applicant_phone")

    def extract_applicant_identity(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A button's identity entity, else what was typed."""
        if (reply := self.answer_to(tracker, "applicant_identity")) is None:
            return {}
        return {"applicant_identity": next(tracker.get_latest_entity_values("identity"), None) or reply}

    def extract_applicant_organisation(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self.typed(tracker, "applicant_organisation")

    def extract_data_consent(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """"明白了 同意", "同意的": consent in words whatever the NLU labelled it (the button
        and a plain yes or no are mapped in the domain)."""
        return self._yes_or_no(tracker, "data_consent", "consent")

    def extract_signup_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._yes_or_no(tracker, "signup_confirmed", "confirm")

    def _yes_or_no(self, tracker: Tracker, slot: str, words: str) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != slot or since_reply(tracker, self.form_name()):
            return {}
        text = typed_text(tracker)
        if asks_something(text) or marks_correction(text) and yes_or_no(text, words) is not False:
            return {}
        said = yes_or_no(text, words)
        return {} if said is None else {slot: said}

    def validate_applicant_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return checked(dispatcher, tracker, "applicant_name", value, person_name, "utter_invalid_name")

    def validate_applicant_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return checked(dispatcher, tracker, "applicant_phone", value, phone_of, "utter_invalid_phone")

    def validate_applicant_identity(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return checked(dispatcher, tracker, "applicant_identity", value, identity_of, "utter_invalid_identity")

    def validate_applicant_organisation(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return checked(
            dispatcher, tracker, "applicant_organisation", value, organisation_of, "utter_invalid_organisation"
        )

    def validate_data_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {"data_consent": None}  # a correction at the consent prompt: asked again
        if value is True:
            # The moment of consent is stored with the application.
            return {"data_consent": True, "consent_at": beijing_now().isoformat()}
        dispatcher.utter_message(response="utter_signup_consent_declined")
        return {"data_consent": False, "signup_outcome": "consent_declined"}

    def validate_signup_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is True:
            return {"signup_confirmed": True}
        if value is None:
            return {"signup_confirmed": None}  # a correction at the summary: shown again
        # "有误", "不对": which detail? The summary comes again with a button for each.
        dispatcher.utter_message(response="utter_which_detail_wrong")
        return {"signup_confirmed": None}


class ActionAskActivitySession(Action):
    """Asks which session, with one button per session open for sign-up."""

    def name(self) -> str:
        return "action_ask_activity_session"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        service = activity_service()
        sessions = service.open_for_sign_up()
        query = activity_query(service, tracker)
        if query.specific:
            # "报名开放点9" when 开放点9 has several sessions open: only those to choose from.
            named = {s.code for s in service.upcoming(query)}
            sessions = [s for s in sessions if s.code in named] or sessions
        sessions = sessions[:MAX_LISTED]
        dispatcher.utter_message(
            response="utter_choose_session",
            sessions="\n".join(formatting.session_line(s, i) for i, s in enumerate(sessions, start=1)),
            buttons=formatting.session_buttons(sessions),
        )
        return [SlotSet("listed_sessions", [s.code for s in sessions])]


class ActionAskSignupConfirmed(Action):
    """Shows everything that will be saved (phone masked) before the citizen confirms."""

    def name(self) -> str:
        return "action_ask_signup_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        session = activity_service().session(tracker.get_slot("activity_session") or "")
        dispatcher.utter_message(
            response="utter_signup_summary",
            session=formatting.session_label(session) if session else "",
            name=tracker.get_slot("applicant_name"),
            phone=mask_phone(tracker.get_slot("applicant_phone") or ""),
            identity=tracker.get_slot("applicant_identity"),
            organisation=tracker.get_slot("applicant_organisation"),
        )
        return []


class ActionSubmitSignup(Action):
    """Saves the application (or finds the existing one) and tells the reference number."""

    def name(self) -> str:
        return "action_submit_signup"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if tracker.get_slot("signup_outcome") == "refused":
            return reset(SIGNUP_SLOTS)  # the reason was said, and is kept in signup_refusal
        if tracker.get_slot("signup_outcome") or not tracker.get_slot("signup_confirmed"):
            return reset(SIGNUP_ATTEMPT_SLOTS)  # the reason was said when the form stopped
        service = activity_service()
        organisation = tracker.get_slot("applicant_organisation")
        request = ApplicationRequest(
            session_code=tracker.get_slot("activity_session"),
            name=tracker.get_slot("applicant_name"),
            phone=tracker.get_slot("applicant_phone"),
            identity=tracker.get_slot("applicant_identity"),
            organisation=None if organisation in (None, NO_ORGANISATION) else organisation,
            consent_at=dt.datetime.fromisoformat(tracker.get_slot("consent_at")),
            channel=tracker.get_latest_input_channel(),
            sender_id=tracker.sender_id,
        )
        try:
            # The database call blocks; keep the action server's event loop free for others.
            outcome = await asyncio.to_thread(service.apply, request)
        except RegistrationRefused as refusal:
            refuse(dispatcher, refusal.session)
            return reset(SIGNUP_ATTEMPT_SLOTS)
        except UnknownSession:
            dispatcher.utter_message(response="utter_invalid_session")
            return reset(SIGNUP_ATTEMPT_SLOTS)
        except SQLAlchemyError:
            log.exception("could not save an application for session %s", request.session_code)
            dispatcher.utter_message(response="utter_signup_failed", hotline=services().settings.hotline_number)
            return reset(SIGNUP_ATTEMPT_SLOTS)
        application = outcome.application
        label = formatting.session_label(application.session)
        if outcome.created:
            dispatcher.utter_message(
                response="utter_signup_saved",
                demo=formatting.demo_notice(application.session),
                session=label,
                reference=application.reference,
                phone=application.masked_phone,
                capacity=application.session.capacity,
            )
        else:
            dispatcher.utter_message(
                response="utter_signup_existing",
                session=label,
                reference=application.reference,
                phone=application.masked_phone,
                status=application.status,
            )
        return reset(SIGNUP_ATTEMPT_SLOTS)


def _plans_instead_of_a_sign_up(question: Question) -> Answer | None:
    """What the plans say instead of starting the sign-up: to a question the NLU took for one
    ("明年财政局还办不办开放日", "教委那个开放日有无障碍通道吗"), their answer or refusal; to a
    request to join something none of our activities is ("培训在哪报名" after the employment
    item), their refusal. None for a plain request to be signed up that asks how ("那我想去
    司法那个咋报") or a question of when or how to join: the form is the way."""
    if not asks_to_sign_up(question.text):
        return plans_reply_of(question, leave=SCHEDULE_FACETS)
    if names_an_activity(question.text):
        return None
    said = plans_refusal(question)
    return said if said is not None and said.asked in ("how_to_join", "who_can_join") else None


def refusal_being_answered(tracker: Tracker) -> dict[str, str] | None:
    """The refused sign-up this message goes on answering, if nothing else came in between:
    only form-like answers (inform) since the sign-up form ended with a refusal."""
    refusal = tracker.get_slot("signup_refusal")
    if not isinstance(refusal, dict) or refusal.get("why") not in NOTHING_STORED:
        return None
    latest = True
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if not latest and intent != "inform":
                return None
            latest = False
        elif kind == "action":
            name = event.get("name")
            if name == "action_submit_signup":
                return refusal
            if name not in _CONTINUING_ACTIONS:
                return None
    return None


class ActionAnswerFormInput(Action):
    """A name, a number or an identity typed outside any form. Right after a sign-up that
    could not start, it is the citizen going on with it: say again why not, that nothing was
    stored, and where to watch. Otherwise ask what they want to do with it."""

    def name(self) -> str:
        return "action_answer_form_input"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        refusal = refusal_being_answered(tracker)
        question = question_from(tracker)
        if refusal is not None and plans_reply_of(question) is not None:
            # "孩子才8岁能进去不" right after a sign-up that could not start: a question, not
            # details typed for it — answered, or honestly refused
            return await ActionAnswerPolicyQuestion().run(dispatcher, tracker, domain)
        if refusal is None and (signing_up := sign_up_instead(tracker)) is not None:
            return signing_up  # "我叫王芳 手机138… 想报名第二场": everything for a sign-up at once
        if refusal is None:
            # Not a name or a number after all, but maybe a plan question ("有个开放日是请
            # 人大代表给项目提意见的 那是哪个单位的"): then the plans answer it.
            if (answered := await plans_answer_instead(dispatcher, tracker, domain)) is not None:
                return answered
            if (plans_no := plans_refusal(question_from(tracker))) is not None:
                # "长峰医院火灾造成了多少人伤亡？" taken for a name: what the plans do not say.
                dispatcher.utter_message(text=plans_no.text)
                return []
            dispatcher.utter_message(response="utter_what_to_do_with_it")
            return []
        values = {key: value for key, value in refusal.items() if key != "why"}
        if refusal["why"] == "pending":
            values.update(notice_values(activity_service()))
        dispatcher.utter_message(response=NOTHING_STORED[refusal["why"]], **values)
        # Nothing typed here is kept for a later check or cancel either.
        return reset(APPLICATION_SLOTS)
