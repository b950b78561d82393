"""Corrections and several details in one message, for the sign-up and check/cancel forms.

A mixin for their FormValidationAction, before PromptedForm (it reads the whole message
first; activities.details does the reading, with no Rasa):
- a correction at any prompt or at the summary ("不对 名字写错了 是赵莉", "手机号改成…",
  "身份选错了", the summary's 改姓名 button) changes that slot, or empties it so the form
  asks for it again; the form goes on where it was, and at the summary the corrected
  summary is shown again before anything is stored (`signup_confirmed` stays empty);
- a message with several details ("我叫王芳 手机13800002222 家长代表 想报名第二场") fills
  every slot it gives that is still empty, or the one asked; only what is missing is asked.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from activities import formatting
from activities.applicants import IDENTITY, NAME, ORGANISATION, PHONE, SESSION, identity_of, organisation_of, person_name
from activities.details import (
    Correction, correction_in, details_in, field_label, leading_position, marks_correction, without_phone,
)
from activities.service import OPEN
from actions.activities import activity_query, listed_session
from actions.forms import since_reply, typed_text
from actions.knowledge import activity_service
from core.privacy import mask_phone, normalise_phone

# Slots a yes/no intent fills at their prompt (domain mappings): a correction typed there
# ("不对 手机号错了") must not count as that no.
_YES_NO_SLOTS = ("data_consent", "signup_confirmed")


class Corrections:
    """Mixin: `SLOTS` maps the form's fields (activities.applicants names) to its slots."""

    SLOTS: dict[str, str] = {}

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        form = self.form_name()  # type: ignore[attr-defined]
        requested = tracker.get_slot("requested_slot")
        text = typed_text(tracker)
        if tracker.active_loop_name == form and requested and not since_reply(tracker, form):
            filled = {field: tracker.get_slot(slot) for field, slot in self.SLOTS.items()
                      if tracker.get_slot(slot) is not None}
            correction = correction_in(text, filled, self._answered_before(requested))
            if correction is None and SESSION in self.SLOTS and marks_correction(text) \
                    and self._session_meant(tracker, None) is not None:
                correction = Correction(SESSION, None)  # "搞错了 我想报的是医保那个讲座"
            if correction is not None:
                return self._corrected(dispatcher, tracker, correction, requested)
            given = self._details(tracker, text, requested)
            session_slot = self.SLOTS.get(SESSION)
            if len(given) >= 2 and requested == session_slot and session_slot not in given \
                    and (meant := self._session_meant(tracker, None)) is not None:
                given[session_slot] = meant  # "司法局那个 我叫马国强 手机147…" at the session prompt
            given.update(self._value_beside_phone(text, requested, given))
            if requested == session_slot and session_slot not in given \
                    and (position := leading_position(text)) is not None \
                    and (chosen := listed_session(activity_service(), tracker, position)) is not None \
                    and chosen.window.state == OPEN:
                given[session_slot] = chosen.code  # "2 我叫张秀英 电话…", "换成1" at the list
            if len(given) >= 2 or (requested == session_slot and session_slot in given):
                return [SlotSet(slot, value) for slot, value in given.items()]
            phone_slot = self.SLOTS.get(PHONE)
            if phone_slot and requested != phone_slot and requested in self.SLOTS.values() \
                    and tracker.get_slot(phone_slot) is None and normalise_phone(text):
                # A phone number typed at the name prompt: kept for the phone, the name asked again.
                return [SlotSet(phone_slot, normalise_phone(text))]
        events = await super().get_extraction_events(dispatcher, tracker, domain)  # type: ignore[misc]
        if requested is None:
            # The request that starts the form carries details too ("我叫王芳 手机138… 报名
            # 第二场"): the session is read by extract_activity_session, the rest here.
            named = {e["name"] for e in events if e.get("event") == "slot"}
            events += [SlotSet(slot, value) for slot, value in self._details(tracker, text, None).items()
                       if slot not in named and slot != self.SLOTS.get(SESSION)]
        return events

    def _answered_before(self, requested: str) -> str | None:
        slots = list(self.SLOTS.values())
        if requested not in slots:
            return None  # at the summary or the consent: a correction names its field
        at = slots.index(requested)
        return list(self.SLOTS)[at - 1] if at > 0 else None

    def _details(self, tracker: Tracker, text: str, requested: str | None) -> dict[str, Any]:
        """Slot → value for each detail the message gives whose slot is empty or asked."""
        given = details_in(text).given()
        values: dict[str, Any] = {}
        for field, value in given.items():
            slot = self.SLOTS.get(field)
            if slot is None or (tracker.get_slot(slot) is not None and slot != requested):
                continue
            if field == SESSION:
                session = listed_session(activity_service(), tracker, int(value))  # type: ignore[arg-type]
                if session is None or session.window.state != OPEN:
                    continue
                value = session.code
            values[slot] = value
        return values

    def _value_beside_phone(self, text: str, requested: str, given: dict[str, Any]) -> dict[str, Any]:
        """The answer to a name, identity or organisation prompt typed with a phone number
        ("罗晓燕 14700000028", "北京青年报 电话147…"): both, each in its slot."""
        phone_slot = self.SLOTS.get(PHONE)
        field = next((f for f, slot in self.SLOTS.items() if slot == requested), None)
        if phone_slot is None or field not in (NAME, IDENTITY, ORGANISATION) or requested in given:
            return {}
        phone, rest = without_phone(text)
        if phone is None or not rest:
            return {}
        value = {NAME: person_name, IDENTITY: identity_of, ORGANISATION: organisation_of}[field](rest)
        return {requested: value, phone_slot: phone} if value else {}

    def _corrected(self, dispatcher: CollectingDispatcher, tracker: Tracker, correction: Correction,
                   requested: str) -> list[EventType]:
        slot = self.SLOTS[correction.field]
        value = correction.value
        if correction.field == SESSION:
            value = self._session_meant(tracker, value)
        events: list[EventType] = [SlotSet(slot, value)]
        if requested in _YES_NO_SLOTS and requested != slot:
            events.append(SlotSet(requested, None))  # "不对 手机号错了" at the summary is no "no"
        if value is not None:
            shown = mask_phone(str(value)) if correction.field == PHONE else (
                self._session_label(str(value)) if correction.field == SESSION else str(value))
            dispatcher.utter_message(response="utter_detail_corrected",
                                     detail=field_label(correction.field), value=shown)
        else:
            dispatcher.utter_message(response="utter_detail_to_correct", detail=field_label(correction.field))
        return events

    @staticmethod
    def _session_meant(tracker: Tracker, position: Any) -> str | None:
        service = activity_service()
        session = listed_session(service, tracker, int(position)) if position else None
        if session is None:
            query = activity_query(service, tracker)
            bookable = [s for s in service.upcoming(query) if s.window.state == OPEN] if query.specific else \
                service.open_at_venue(tracker.latest_message.get("text") or "")
            session = bookable[0] if len(bookable) == 1 else None
        return session.code if session is not None and session.window.state == OPEN else None

    @staticmethod
    def _session_label(code: str) -> str:
        session = activity_service().session(code)
        return formatting.session_label(session) if session else code
