"""The check/cancel form: the citizen's own application, found by phone number and
reference, shown or cancelled (only the conversation; `activities.service` finds and
cancels)."""
from __future__ import annotations

import asyncio
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from activities import formatting
from activities.applicants import PHONE, REFERENCE, find_reference
from activities.models import CANCELLED
from actions.corrections import Corrections
from actions.forms import APPLICATION_SLOTS, PromptedForm, checked, reset
from actions.knowledge import activity_service, question_from
from actions.policy import plans_refusal, question_answered_instead
from bot.services import services
from core.privacy import mask_phone, phone_of


# "查询报名", "我的报名怎么取消": the citizen's own application, never a plan question;
# "能帮我查查不" about a hospital bill names none of these.
# Words of our activities' sign-ups: the check form opens. 申请, 登记, 审核 are also a
# citizen's own case elsewhere ("我公司申请的补贴卡了仨月"): the form opens for them only
# when the plans have no refusal for the message.
_SIGN_UP_WORDS = re.compile(r"报名|预约|报的名|取消|撤销|撤回|参加的|选上")
_CHECK_WORDS = re.compile(r"申请|登记|审核")


class ActionStartApplication(Action):
    """"我要查报名" opens the check form; a question the plans answer that the NLU took for
    one ("是哪个会通过的", "报个名就行了吗") is answered instead, and no form starts."""

    def name(self) -> str:
        return "action_start_application"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        question = question_from(tracker)
        if _SIGN_UP_WORDS.search(question.text):
            return []
        refusal = plans_refusal(question, statements=True)
        if _CHECK_WORDS.search(question.text) and refusal is None:
            return []
        if (answered := await question_answered_instead(dispatcher, tracker, domain)) is not None:
            return [*answered, FollowupAction("action_listen")]
        if refusal is not None:  # "我上回住院到底报了百分之多少 能帮我查查不"
            dispatcher.utter_message(text=refusal.text)
            return [FollowupAction("action_listen")]
        return []


class ValidateApplicationForm(Corrections, PromptedForm, FormValidationAction):
    """Phone and reference number: together they identify an application. Either may come
    with the request itself ("用139…报的名 帮我查查"); either may be corrected
    ("手机号输错了 是…", actions.corrections)."""

    SLOTS = {PHONE: "application_phone", REFERENCE: "application_reference"}

    def name(self) -> str:
        return "validate_application_form"

    def extract_application_phone(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") is None and not tracker.get_slot("application_phone"):
            phone = phone_of(tracker.latest_message.get("text") or "")
            return {"application_phone": phone} if phone else {}
        return self.typed(tracker, "application_phone")

    def extract_application_reference(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") is None and not tracker.get_slot("application_reference"):
            reference = find_reference(tracker.latest_message.get("text") or "")
            return {"application_reference": reference} if reference else {}
        return self.typed(tracker, "application_reference")

    def validate_application_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return checked(dispatcher, tracker, "application_phone", value, phone_of, "utter_invalid_phone")

    def validate_application_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return checked(dispatcher, tracker, "application_reference", value, find_reference, "utter_invalid_reference")


class ActionHandleApplication(Action):
    """Shows the status of an application, or cancels it, as the citizen asked."""

    def name(self) -> str:
        return "action_handle_application"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        service = activity_service()
        phone = tracker.get_slot("application_phone") or ""
        reference = tracker.get_slot("application_reference") or ""
        cancel = tracker.get_slot("application_request") == "cancel"
        found = service.find_application(phone, reference)
        if found is None:
            dispatcher.utter_message(
                response="utter_application_not_found", phone=mask_phone(phone), reference=reference,
                hotline=services().settings.hotline_number,
            )
        elif cancel and found.status == CANCELLED:
            dispatcher.utter_message(response="utter_application_already_cancelled", reference=reference)
        elif cancel:
            cancelled = await asyncio.to_thread(service.cancel, phone, reference)
            dispatcher.utter_message(
                response="utter_application_cancelled",
                reference=reference,
                session=formatting.session_label(cancelled.session) if cancelled else "",
            )
        else:
            dispatcher.utter_message(
                response="utter_application_status",
                reference=reference,
                name=found.name,
                session=formatting.session_label(found.session),
                phone=found.masked_phone,
                status=found.status,
                note=formatting.status_note(found),
            )
        return reset(APPLICATION_SLOTS)
