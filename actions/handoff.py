"""Hand-off to people: when asked, after two misunderstandings in a row, for complaints and
after repeated 不满意. Opens a ticket with the transcript, tells the citizen the hotline and
ticket number, and pauses the conversation (Rasa's ConversationPaused) until handed back."""
from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ConversationPaused, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from activities import formatting
from activities.privacy import phone_of
from activities.service import beijing_now
from activities.workdays import add_working_days, is_working_day
from actions.signup import checked
from bot.settings import load_settings
from handoff.service import HandoffService, TicketRequest, transcript_line

REASON_BY_INTENT = {
    "request_human": "requested",
    "complaint": "complaint",
    "negative_feedback": "negative_feedback",
    "nlu_fallback": "not_understood",
}
NO_PHONE = "无"
# Declining, or leaving ("谢谢，再见"): either way the ticket goes ahead without a number.
_NO_PHONE_WORDS = ("不用", "不需要", "不留", "没有", "跳过", "算了", "不了", "无", "不要", "谢谢", "再见", "拜拜")


def contact_phone_of(text: str) -> str | None:
    """A mobile number, or NO_PHONE when the citizen prefers not to leave one."""
    phone = phone_of(text)
    if phone:
        return phone
    return NO_PHONE if any(word in text for word in _NO_PHONE_WORDS) else None


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


class ActionStartHandoff(Action):
    """Notes why the conversation goes to a person, then asks for an optional contact number."""

    def name(self) -> str:
        return "action_start_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        reason = REASON_BY_INTENT.get(intent or "", "requested")
        if reason == "complaint":
            dispatcher.utter_message(response="utter_complaint_to_hotline", hotline=load_settings().hotline_number)
        return [SlotSet("handoff_reason", reason), FollowupAction("handoff_form")]


class ActionFallback(Action):
    """"没听懂" once; the second time in a row, a person takes over."""

    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intents = [
            (e.get("parse_data") or {}).get("intent", {}).get("name")
            for e in tracker.events
            if e.get("event") == "user"
        ]
        if intents[-2:] == ["nlu_fallback", "nlu_fallback"]:
            dispatcher.utter_message(response="utter_not_understood_twice")
            return [SlotSet("handoff_reason", "not_understood"), FollowupAction("handoff_form")]
        dispatcher.utter_message(response="utter_default")
        return []


class ValidateHandoffForm(FormValidationAction):
    def name(self) -> str:
        return "validate_handoff_form"

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
        settings = load_settings()
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
        ticket = await asyncio.to_thread(HandoffService.from_settings(settings).open_ticket, request)
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
        return [SlotSet("handoff_phone", None), SlotSet("handoff_reason", None), ConversationPaused()]


class ActionTellHotline(Action):
    """The hotline number (HOTLINE_NUMBER), without opening a ticket."""

    def name(self) -> str:
        return "action_tell_hotline"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_hotline", hotline=load_settings().hotline_number)
        return []
