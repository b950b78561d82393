"""Staff in the conversation: relay their replies, and say when the assistant takes over again.

Neither action is predicted by a policy: the console (after a staff reply) and the hand-off
worker (for replies not relayed yet, and after a ticket is closed) run them through Rasa's
HTTP API, `POST /conversations/<id>/execute?output_channel=latest`, so the messages are
written into the tracker as bot utterances and sent on the citizen's own channel (the
widget's socket.io session, WeChat's customer-service API). Each staff message carries
`staff: {name, shown_as, message_id, ticket}` in its metadata; the citizen sees
"工作人员（王**）：…" (`utter_staff_reply`).
"""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationResumed, EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.handoff import hotline
from bot.services import services


class ActionRelayStaffReplies(Action):
    """Utter every staff reply of this conversation not relayed yet, oldest first, then mark
    them relayed. Rasa's lock store runs one action per conversation at a time, so two relays
    never send the same reply twice."""

    def name(self) -> str:
        return "action_relay_staff_replies"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        takeover = services().takeover
        messages = takeover.undelivered(tracker.sender_id)
        for message in messages:
            dispatcher.utter_message(
                response="utter_staff_reply", shown_as=message.shown_as, staff_text=message.text,
                staff={"name": message.staff_name, "shown_as": message.shown_as,
                       "message_id": message.id, "ticket": message.ticket},
            )
        takeover.relayed([message.id for message in messages])
        return []


class ActionHandedBack(Action):
    """Tell the citizen the person has finished, and resume the conversation in the same run.

    Returns Rasa's `resume` event and an `action_listen` after the message: the hand-back is
    one locked step in Rasa, so a question typed the moment the message shows is answered, not
    swallowed by a conversation still paused (found by tests/system/test_console_browser.py,
    when the worker said the message and resumed in two calls); the listen makes the next
    question a turn like any other."""

    def name(self) -> str:
        return "action_handed_back"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_handed_back", hotline=hotline(), handback=True)
        return [ConversationResumed(), ActionExecuted("action_listen")]
