"""Rasa's REST channel (same name and URL, /webhooks/rest/webhook) with clean input checks
and polite replies (bot/channels/polite.py) instead of 500s or silence.

The sender id is cleaned of invalid Unicode (bot/channels/inbound.py: lone surrogates,
control characters) before it is checked, so a sender that is nothing but such characters is
a 400; the message text and metadata are cleaned by polite() like every channel's. The
channel is always "rest", whatever the body says."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from bot.channels.inbound import clean_text
from bot.channels.polite import polite

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
        return super().blueprint(polite(on_new_message))
