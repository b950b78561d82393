"""Rasa's REST channel (same name and URL, /webhooks/rest/webhook) with clean input checks
and polite replies (bot/channels/polite.py) instead of 500s or silence.

The sender id is cleaned of invalid Unicode (bot/channels/inbound.py: lone surrogates,
control characters) before it is checked, so a sender that is nothing but such characters is
a 400; the message text and metadata are cleaned by polite() like every channel's. The
channel is always "rest", whatever the body says.

A REST client has no socket to push to: what staff wrote in its conversation (and the
assistant's hand-back message) since its last message — bot utterances whose metadata has
`staff` or `handback`, relayed by actions/takeover.py through Rasa's HTTP API — comes first
in the response to its next request, once (docs/console.md)."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.core.events import BotUttered, Event, UserUttered
from sanic import Blueprint
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from bot.channels.inbound import clean_text
from bot.channels.polite import polite
from bot.channels.widget_output import citizens_marks
from bot.services import services

log = logging.getLogger(__name__)
MAX_SENDER_CHARS = 128


class PoliteRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def _json(self, req: Request) -> dict[str, Any]:
        data = req.json  # Sanic answers 400 itself when the body is not JSON
        if not isinstance(data, dict):
            raise InvalidUsage("the body must be a JSON object")
        return data

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        sender = self._json(req).get("sender")
        if isinstance(sender, str):
            sender = clean_text(sender)
        if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
            raise InvalidUsage(f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters")
        return sender

    def _extract_message(self, req: Request) -> Optional[Text]:
        message = self._json(req).get("message", "")
        if not isinstance(message, str):
            raise InvalidUsage("'message' must be a string")
        return message

    def _extract_input_channel(self, req: Request) -> Text:
        # Rasa lets a REST body name any channel ("input_channel"); here it is always
        # "rest", so a REST client can neither pose as the widget or WeChat (whose own
        # payloads are accepted, bot/channels/inbound.py) nor store a non-string.
        return self.name()

    def get_metadata(self, request: Request) -> Optional[dict[str, Any]]:
        metadata = self._json(request).get("metadata")
        return metadata if isinstance(metadata, dict) else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        answer = polite(on_new_message)
        app: list[Any] = []

        async def with_staff_messages(message: UserMessage) -> None:
            agent = getattr(getattr(app[0], "ctx", None), "agent", None) if app else None
            if agent is not None and isinstance(message.sender_id, str):
                try:
                    # Only a conversation that was handed to a person can hold staff messages:
                    # the others (nearly all) are not loaded twice per turn.
                    handed_off = await asyncio.to_thread(services().handoff.has_ticket, message.sender_id)
                    tracker = await agent.tracker_store.retrieve(message.sender_id) if handed_off else None
                except Exception:  # noqa: BLE001 - the new message is answered all the same
                    log.exception("could not read the conversation for its staff messages")
                    tracker = None
                output = message.output_channel
                for waiting in staff_messages_since_last_user_message(tracker.events if tracker else []):
                    if isinstance(output, CollectingOutputChannel):  # keep the staff mark in the JSON
                        output.messages.append({"recipient_id": message.sender_id, **waiting})
                    else:
                        await output.send_response(message.sender_id, waiting)
            await answer(message)

        blueprint = super().blueprint(with_staff_messages)

        @blueprint.listener("after_server_start")
        async def keep_app(server: Any, _: Any) -> None:
            app.append(server)

        return blueprint


def staff_messages_since_last_user_message(events: Iterable[Event]) -> list[dict[str, Any]]:
    """The messages staff wrote (and the hand-back) after the conversation's last user message,
    oldest first, as the REST response lists them: {"text", "staff": {"shown_as", "ticket"}} or
    {"text", "handback": true} (`citizens_marks`: never the member of staff's login name)."""
    waiting: list[dict[str, Any]] = []
    for event in reversed(list(events)):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered) and event.text and (marks := citizens_marks(event.metadata)):
            waiting.append({"text": event.text, **marks})
    return waiting[::-1]
