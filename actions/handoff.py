"""Hand-off to people: when asked, after two misunderstandings in a row, for complaints and
after repeated 不满意. Says so with the hotline number first, asks for an optional call-back
number, opens a ticket with the transcript, tells the citizen the hotline and ticket number,
and pauses the conversation (Rasa's ConversationPaused) until handed back.

Every reply that names the hotline is said here, with {hotline} from HOTLINE_NUMBER."""
from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ConversationPaused, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from activities import formatting
from activities.applicants import asks_to_sign_up, declines_number, looks_like_form_input
from activities.workdays import add_working_days, is_working_day
from actions.activities import sign_up_instead
from actions.knowledge import answer_engine, question_from
from actions.policy import ActionAnswerPolicyQuestion, plans_answer_instead, plans_refusal, question_answered_instead
from actions.forms import APPLICATION_SLOTS, HANDOFF_SLOTS, SIGNUP_SLOTS, PromptedForm, checked, reset
from bot.services import services
from core.clock import beijing_now
from core.privacy import phone_of
from handoff.service import TicketRequest, transcript_line

REASON_BY_INTENT = {
    "request_human": "requested",
    "complaint": "complaint",
    "negative_feedback": "negative_feedback",
    "nlu_fallback": "not_understood",
}
# What the citizen is told first, before the call-back question, by reason.
FIRST_REPLY = {
    "requested": "utter_handoff_requested",
    "complaint": "utter_complaint_to_hotline",
    "negative_feedback": "utter_handoff_dissatisfied",
    "not_understood": "utter_not_understood_twice",
}
HANDOFF_FORM = "handoff_form"
# Forms a hand-off can interrupt; what they collected is dropped (nothing is stored).
INTERRUPTED_FORMS = {"signup_form": SIGNUP_SLOTS, "application_form": APPLICATION_SLOTS}
NO_PHONE = "无"
# A request for a person says so; "都请哪些人" labelled request_human asks the plans.
_PERSON_WORDS = ("人工", "真人", "客服", "工作人员", "转接", "机器", "找人", "来个人", "活人", "接线员",
                 "打电话", "不想跟", "跟人说", "人来", "领导", "投诉")


def contact_phone_of(text: str) -> str | None:
    """A mobile number (canonical), NO_PHONE when the citizen prefers not to leave one
    ("不用", "不留电话"), else None."""
    phone = phone_of(text)
    if phone:
        return phone
    return NO_PHONE if declines_number(text) else None


def transcript(tracker: Tracker) -> list[dict[str, Any]]:
    """The conversation so far, as the human agent will read it."""
    lines = []
    for event in tracker.events:
        if event.get("event") in ("user", "bot") and event.get("text"):
            lines.append(transcript_line(event["event"], event["text"], event.get("timestamp")))
    return lines


def in_office_hours(now: dt.datetime, hours: tuple[str, str]) -> bool:
    start, end = (dt.time.fromisoformat(h) for h in hours)
    return is_working_day(now.date()) and start <= now.time() < end


def next_office_opening(now: dt.datetime, hours: tuple[str, str]) -> str:
    start = dt.time.fromisoformat(hours[0])
    day = now.date() if is_working_day(now.date()) and now.time() < start else add_working_days(now.date(), 1)
    return f"{formatting.day(day)}{hours[0]}"


def hotline() -> str:
    return services().settings.hotline_number


def active_form(tracker: Tracker) -> str | None:
    return (tracker.active_loop or {}).get("name")


class ActionStartHandoff(Action):
    """Notes why the conversation goes to a person, says so with the hotline number, then the
    handoff form asks for an optional contact number. Asked again at that prompt, it only
    repeats that the transfer is under way (a complaint still becomes the reason)."""

    def name(self) -> str:
        return "action_start_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        reason = REASON_BY_INTENT.get(intent or "", "requested")
        form = active_form(tracker)
        if reason == "complaint" and form is None and (
                answered := await plans_answer_instead(dispatcher, tracker, domain)) is not None:
            # Labelled a complaint for the story around it ("办手续老跑好几趟……有个讲帮办代办
            # 的开放日是哪家搞的？"), but it asks the plans something they answer: answered,
            # with the way to complain still named, and no hand-off the citizen did not ask for.
            dispatcher.utter_message(response="utter_complaint_still_open", hotline=hotline())
            return [*answered, FollowupAction("action_listen")]
        question = question_from(tracker)
        if reason == "complaint" and form is None and (refusal := plans_refusal(question)) is not None \
                and refusal.reason != "complaint" and refusal.asked != "complaint":
            # "那中心门口好停车不", labelled a complaint: a question the plans do not answer,
            # said so with the hotline — no hand-off the citizen did not ask for.
            answered = await ActionAnswerPolicyQuestion().run(dispatcher, tracker, domain)
            return [*answered, FollowupAction("action_listen")]
        names_a_person = any(word in question.text for word in _PERSON_WORDS)
        if reason in ("requested", "negative_feedback") and form is None and not names_a_person \
                and (answered := await question_answered_instead(dispatcher, tracker, domain)) is not None:
            # "政策文件太长了看不懂 政府有没有说要搞那种一张图看明白的": a question behind the
            # grumble, which the plans answer — no hand-off the citizen did not ask for.
            return [*answered, FollowupAction("action_listen")]
        asks_for_a_person = names_a_person or (
            reason == "complaint" and answer_engine().read(question).facet == "complaint")
        if form in INTERRUPTED_FORMS and reason == "requested" and not asks_for_a_person:
            # "我能带我家孩子一块去吗" at a sign-up prompt, labelled a request for a person: a
            # question — answered from the plans (or honestly not), then the form goes on.
            answered = await ActionAnswerPolicyQuestion().run(dispatcher, tracker, domain)
            return [*answered, FollowupAction(form)]
        if form in INTERRUPTED_FORMS and reason != "requested" and not asks_for_a_person:
            # "这两天热死了，工地上站都站不住" at a sign-up prompt: a grumble labelled a complaint
            # (the plans' reading finds no complaint in it; "楼道灯坏了一个月没人修" is one and
            # leaves the form), no request for a person — the way to complain is named and the
            # form goes on (a number typed next is the form's, never a call-back number).
            dispatcher.utter_message(response="utter_complaint_in_form", hotline=hotline())
            return [FollowupAction(form)]
        events: list[EventType] = []
        if form == HANDOFF_FORM and reason != "complaint":
            dispatcher.utter_message(response="utter_handoff_in_progress", hotline=hotline())
            reason = tracker.get_slot("handoff_reason") or reason
        else:
            dispatcher.utter_message(response=FIRST_REPLY[reason], hotline=hotline())
        if form in INTERRUPTED_FORMS:
            events += reset(INTERRUPTED_FORMS[form])
        return [*events, SlotSet("handoff_reason", reason), FollowupAction(HANDOFF_FORM)]


class ActionFallback(Action):
    """A message the NLU could not classify: answered from the plans when it names something
    they hold; else "没听懂" once, and the second time in a row a person takes over."""

    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if (signing_up := sign_up_instead(tracker)) is not None:
            return signing_up  # "报第2个" after a list: a sign-up, not a misunderstanding
        question = question_from(tracker)
        if question.text and answer_engine().recognises(question):
            # The NLU was unsure, but the message names something the plans hold
            # ("统计局的联系方式"): the plans answer it, or say honestly that they don't.
            return await ActionAnswerPolicyQuestion().run(dispatcher, tracker, domain)
        last_reply = next((e for e in reversed(tracker.events) if e.get("event") == "bot"), {})
        if (last_reply.get("metadata") or {}).get("utter_action") in ("utter_default", "utter_not_understood_again"):
            if _signing_up(tracker) or looks_like_form_input(question.text):
                # A sign-up under way, or a name or number typed as if a form were running
                # ("报名医保宣讲 / 王芳 / 13800002222"): no automatic hand-off, and no number of
                # theirs taken as a call-back number; a person only if they ask (the button).
                dispatcher.utter_message(response="utter_not_understood_again", hotline=hotline())
                return []
            dispatcher.utter_message(response=FIRST_REPLY["not_understood"], hotline=hotline())
            return [SlotSet("handoff_reason", "not_understood"), FollowupAction(HANDOFF_FORM)]
        dispatcher.utter_message(response="utter_default", hotline=hotline())
        return []


def _signing_up(tracker: Tracker, turns: int = 3) -> bool:
    """Whether a form is running, a sign-up could not start just now, or one of the citizen's
    last `turns` messages asked to be signed up."""
    if active_form(tracker) or tracker.get_slot("signup_refusal"):
        return True
    said = [e for e in tracker.events if e.get("event") == "user"][-turns:]
    return any(((e.get("parse_data") or {}).get("intent") or {}).get("name") == "sign_up"
               or asks_to_sign_up(e.get("text") or "") for e in said)


class ValidateHandoffForm(PromptedForm, FormValidationAction):
    """The call-back question, read like every form's prompt (actions.forms.PromptedForm):
    a number or "不用"/"不留电话" answers it; "算了/不用了/取消/不转了" cancels the hand-off (no
    ticket); a question is answered and the question asked again."""

    def name(self) -> str:
        return "validate_handoff_form"

    async def extract_handoff_phone(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self.typed(tracker, "handoff_phone")

    def validate_handoff_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return checked(dispatcher, tracker, "handoff_phone", value, contact_phone_of, "utter_invalid_handoff_phone")


class ActionHandoff(Action):
    """Opens the ticket, tells the citizen what happens next, pauses the bot."""

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        settings = services().settings
        phone = tracker.get_slot("handoff_phone")
        phone = None if phone in (None, NO_PHONE) else phone
        now = beijing_now()
        request = TicketRequest(
            channel=tracker.get_latest_input_channel() or "unknown",
            sender_id=tracker.sender_id,
            reason=tracker.get_slot("handoff_reason") or "requested",
            transcript=transcript(tracker),
            contact_phone=phone,
            consent_at=now if phone else None,  # the form says the number is used only to call back
        )
        ticket = await asyncio.to_thread(services().handoff.open_ticket, request)
        when = (
            "utter_handoff_office_hours"
            if in_office_hours(now, settings.office_hours)
            else "utter_handoff_after_hours"
        )
        dispatcher.utter_message(
            response="utter_handoff",
            ticket=ticket.number,
            hotline=settings.hotline_number,
            json_message={"handoff": {"ticket": ticket.number, "reason": request.reason}},
        )
        dispatcher.utter_message(
            response=when,
            opens=next_office_opening(now, settings.office_hours),
            hours="—".join(settings.office_hours),
            hotline=settings.hotline_number,
        )
        return [*reset(HANDOFF_SLOTS), ConversationPaused()]


class ActionTellHotline(Action):
    """The hotline number (HOTLINE_NUMBER), without opening a ticket; asked at the call-back
    prompt, without suggesting "转人工" (the transfer is already under way). Outside a form, a
    plan question labelled a hotline request ("……接听率要达到多少") is answered from the plans."""

    def name(self) -> str:
        return "action_tell_hotline"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        form = active_form(tracker)
        if form is None and (answered := await question_answered_instead(dispatcher, tracker, domain)) is not None:
            # "有没有规定电话必须接 接听率要达到多少": a work item answers it, not the hotline.
            return answered
        response = "utter_hotline_during_handoff" if form == HANDOFF_FORM else "utter_hotline"
        dispatcher.utter_message(response=response, hotline=hotline())
        return []


class ActionIdentity(Action):
    """"你是机器人吗": what the assistant is, and where the people are."""

    def name(self) -> str:
        return "action_identity"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        # "这是哪个文件里写的" is no question about the assistant: the plans answer it.
        if (answered := await plans_answer_instead(dispatcher, tracker, domain)) is not None:
            return answered
        dispatcher.utter_message(response="utter_identity", hotline=hotline())
        return []


class ActionOutOfScope(Action):
    """The honest "I can't answer that", with the hotline."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        # Labelled out of scope, but it may name what the plans hold and ask what they say.
        if (answered := await plans_answer_instead(dispatcher, tracker, domain)) is not None:
            return answered
        if (refusal := plans_refusal(question_from(tracker))) is not None:
            # "要不要门票" after an open-day site: what the plans do not say about it, named.
            dispatcher.utter_message(text=refusal.text)
            return [SlotSet("kb_context", refusal.context.to_slot())]
        dispatcher.utter_message(response="utter_out_of_scope", hotline=hotline())
        return []
