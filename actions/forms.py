"""What every form shares: its slots, how a reply to a prompt is read, leaving a form.

The sign-up form, the check/cancel form and the hand-off's call-back question read replies
to their prompts in one way (`PromptedForm`, with activities.applicants.reply_kind): the
value itself is the answer; "算了/不用了/取消" leaves any form (`action_stop_form`); a
question or request is answered by its own rule and the prompt is asked again.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecutionRejected, ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from activities.applicants import (
    ANSWER, ASIDE, CONTACT_PHONE, IDENTITY, NAME, ORGANISATION, PHONE, REFERENCE, REQUEST_INTENTS, SESSION,
    gives_value, leaves_form, reply_kind, value_despite_label,
)
from actions.knowledge import original_text
from bot.services import services

SIGNUP_SLOTS = ("activity_session", "applicant_name", "applicant_phone", "applicant_identity",
                "applicant_organisation", "data_consent", "signup_confirmed", "consent_at",
                "signup_outcome")
# ... and, once a sign-up ends any other way than refused, why an earlier one was refused.
SIGNUP_ATTEMPT_SLOTS = SIGNUP_SLOTS + ("signup_refusal",)
APPLICATION_SLOTS = ("application_request", "application_phone", "application_reference")
HANDOFF_SLOTS = ("handoff_reason", "handoff_phone")
# What each form's prompts expect, read by activities.applicants.reply_kind.
PROMPTS = {
    "activity_session": SESSION, "applicant_name": NAME, "applicant_phone": PHONE, "applicant_identity": IDENTITY,
    "applicant_organisation": ORGANISATION, "application_phone": PHONE,
    "application_reference": REFERENCE, "handoff_phone": CONTACT_PHONE,
}
# Leaving a form: what is said, and what is forgotten.
STOPPED = {
    "signup_form": ("utter_signup_stopped", SIGNUP_ATTEMPT_SLOTS),
    "application_form": ("utter_application_stopped", APPLICATION_SLOTS),
    "handoff_form": ("utter_handoff_cancelled", HANDOFF_SLOTS),
}


def reset(slots: tuple[str, ...]) -> list[EventType]:
    return [SlotSet(slot, None) for slot in slots]


def checked(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    slot: str,
    value: Any,
    clean: Callable[[str], Any],
    invalid: str,
) -> dict[str, Any]:
    """The cleaned value, or None (the form asks again) after a polite `invalid` response.

    An entity may hold only part of what was typed ("DX-7K3Q" of "DX-7K3Q9M"), so the
    whole message is tried too.
    """
    if value is None:
        return {slot: None}  # emptied by a correction (actions.corrections): asked again
    cleaned = clean(str(value))
    if cleaned is None:
        cleaned = clean(typed_text(tracker))
    if cleaned is None:
        dispatcher.utter_message(response=invalid)
    return {slot: cleaned}


def typed_text(tracker: Tracker) -> str:
    """The latest message as the citizen typed it, for a form's values: the NLU's text is
    normalised (traditional → simplified, sound-alike typos of the plans' names corrected),
    which must never change a name or an organisation."""
    return original_text(tracker) or tracker.latest_message.get("text") or ""


def _names_plan_terms(tracker: Tracker) -> bool:
    """Whether the message names a unit or topic of the plans (then "医保" is no name)."""
    return any(e.get("entity") in ("unit", "topic") for e in tracker.latest_message.get("entities") or [])


def _intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def since_reply(tracker: Tracker, form: str) -> list[str]:
    """What ran between the citizen's latest message and this validation of `form`: action
    names, and "rejected" where the form was rejected. Rasa calls the validation on a copy of
    the tracker that ends with the form's own action, which is left out."""
    ran: list[str] = []
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            break
        if kind == "action" and event.get("name") != "action_extract_slots":
            ran.append(event["name"])
        elif kind == "action_execution_rejected" and event.get("name") == form:
            ran.append("rejected")
    ran.reverse()
    return ran[:-1] if ran and ran[-1] == form else ran


class PromptedForm:
    """How every form (sign-up, check/cancel, the hand-off's call-back question) reads the
    reply to its prompt — one place, for all of them. Mixed into their FormValidationAction
    (a mixin, not an Action: rasa-sdk registers every Action subclass it finds).

    - Leaving ("算了", "不用了", "取消", the `stop` intent, with courtesies around it too:
      "不用了，谢谢"; activities.applicants.leaves_form) at any prompt — the sign-up's session
      prompt included: the form is rejected and `action_stop_form` says so and forgets it all.
    - A question or request at a prompt (`reply_kind` ASIDE): no slot is extracted, so Rasa
      rejects the form, the question's own rule answers it and the form asks again (Rasa's
      "unhappy path"; rules without an active_loop condition apply inside forms too).
    - Anything else is the answer; the form's validate_<slot> checks it.
    """

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        form = self.form_name()  # type: ignore[attr-defined]
        requested = tracker.get_slot("requested_slot")
        asked = requested in self.domain_slots(domain) and tracker.active_loop_name == form  # type: ignore[attr-defined]
        if asked:
            since = since_reply(tracker, form)
            if since == ["rejected"]:
                # Rejected for this message, and a rule runs the form again for it ("我要报名"
                # at a sign-up prompt): ask again rather than reject again.
                return [SlotSet(requested, None)]
            if not since and leaves_form(_intent(tracker), tracker.latest_message.get("text") or "") \
                    and not gives_value(PROMPTS.get(requested, ""), typed_text(tracker)):
                return [ActionExecutionRejected(form), FollowupAction("action_stop_form")]
        return await super().run(dispatcher, tracker, domain)  # type: ignore[misc]

    def answer_to(self, tracker: Tracker, slot: str, chosen: bool = False) -> str | None:
        """The text typed in reply to the prompt for `slot`, or None: the form did not just
        ask for it, or the message is not an answer (it leaves, or asks something else).
        `chosen`: for the session prompt, whether the message names a session (reply_kind)."""
        if tracker.get_slot("requested_slot") != slot or since_reply(tracker, self.form_name()):  # type: ignore[attr-defined]
            return None
        text = typed_text(tracker)
        kind = reply_kind(PROMPTS[slot], _intent(tracker), text, chosen)
        if kind == ASIDE and _intent(tracker) not in REQUEST_INTENTS and value_despite_label(PROMPTS[slot], text) \
                and not (PROMPTS[slot] == NAME and _names_plan_terms(tracker)):
            return text  # "钱卫国" labelled a question about money: still the name asked for
        return text if kind == ANSWER else None

    def typed(self, tracker: Tracker, slot: str) -> dict[str, Any]:
        """{slot: the reply} for an extract_<slot> method, or {} when there is none."""
        reply = self.answer_to(tracker, slot)
        return {} if reply is None else {slot: reply}


class ActionStopForm(Action):
    """"算了/不用了/取消" at any form's prompt (PromptedForm): stop it, forget what was typed,
    say so, and listen (the assistant keeps answering; a stopped hand-off opens no ticket).
    Outside a form: anything else? — unless the message says something the answer engine
    reads a facet in ("低保咋说停就停了", "排队太久了 太气人了": a complaint; a question): it is
    answered, or honestly refused, as any plan question."""

    def name(self) -> str:
        return "action_stop_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        from actions.knowledge import answer_engine, question_from
        from actions.policy import ActionAnswerPolicyQuestion, plans_reply_of

        question = question_from(tracker)
        # "2024年有没有接着搞" outside a form; "算了 公示栏这事到底归谁负责" at a prompt
        asks = plans_reply_of(question) is not None
        if tracker.active_loop_name is None and (asks or answer_engine().read(question).facet is not None):
            return await ActionAnswerPolicyQuestion().run(dispatcher, tracker, domain)
        response, slots = STOPPED.get(tracker.active_loop_name or "", ("utter_anything_else", ()))
        dispatcher.utter_message(response=response, hotline=services().settings.hotline_number)
        stopped = [ActiveLoop(None), SlotSet("requested_slot", None), *reset(slots)]
        if tracker.active_loop_name is not None and asks:
            stopped += await ActionAnswerPolicyQuestion().run(dispatcher, tracker, domain)
        return [*stopped, FollowupAction("action_listen")]
