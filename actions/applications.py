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
_SIGN_UP_WORDS = re.compile(r"报名|预约|报的名|取消|撤销|撤回|参加的|(?:我(?!们)|俺(?!们)|报)[^，。？]{0,8}选上")
_CHECK_WORDS = re.compile(r"申请|登记|审核")
# A request to look up or cancel one's application, as against telling what happened to it
# ("我上回报了名没选上 凭啥啊", "说好的活动临时取消了也没人通知 太不像话了": complaints).
_REQUEST = re.compile(r"(帮我|给我|帮忙|我要|我想|想要?|要|能不能|能|可以|怎么|咋|如何)[^，。？]{0,4}(查|取消|撤销|撤回|撤|退掉|退出)"
                      r"|查(一下|查|询|下)|不去了|不参加了|去不(了|成)")


class ActionStartApplication(Action):
    """"我要查报名" / "把我的报名撤了" opens the check/cancel form; a question the plans answer
    that the NLU took for one ("是哪个会通过的", "去了看啥呀") is answered instead, a complaint
    ("报了三回都没选上 是不是有猫腻") goes to 12345, and no form starts."""

    def name(self) -> str:
        return "action_start_application"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        question = question_from(tracker)
        refusal = plans_refusal(question, statements=True)
        if refusal is not None and refusal.reason == "complaint" and not _REQUEST.search(question.text):
            # a complaint about a sign-up or an activity goes to 12345, never into the form
            dispatcher.utter_message(text=refusal.text)
            return [FollowupAction("action_listen")]
        if _SIGN_UP_WORDS.search(question.text):
            return []
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
