"""Every channel answers every message: politely when it cannot be handled.

`polite(on_new_message)` wraps Rasa's message handler for an input channel:
- text, sender id and metadata are cleaned of invalid Unicode (lone surrogates, control
  characters) first, and the shared inbound rules (bot/channels/inbound.py) decide what
  reaches Rasa: smiley-only messages and typed "/commands" are answered here, and a
  "/"-text is an intent payload only when the assistant offered it as a button in this
  conversation or the channel generated it itself and marked it so in the message's
  metadata (`inbound.CHANNEL_PAYLOAD`; never set for typed text);
- empty or over-long messages get a short reply and never reach NLU;
- an internal error (tracker store, lock store or action server down) is logged and the
  citizen is told to try again or call the hotline, instead of a 500 or silence;
- a turn in which the assistant said nothing (Rasa swallows action-server failures) gets
  the same reply — unless the conversation is handed to a person (a paused conversation is
  meant to be silent).
The replies are domain responses (bot/domain/basics.yml), read once by `bot.responses`; the
hand-off service that says whether a conversation is with a person is the process's
(`bot.services.services()`), built once.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage

from bot.channels import inbound
from bot.services import services
from core.privacy import mask_phones_in

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
EMPTY, TOO_LONG, BUSY = "utter_empty_message", "utter_message_too_long", "utter_system_busy"


def reply_text(name: str) -> str:
    """The text of domain response `name` as the channels say it: its first variant, with
    {max_chars} and {hotline} filled. KeyError for a response the domain lacks."""
    return services().responses.render(name, max_chars=MAX_MESSAGE_CHARS)


class _CountingOutput(OutputChannel):
    """Passes every bot message on to the real channel and counts them."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0

    @classmethod
    def name(cls) -> str:
        return "counting"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.sent += 1
        await self.inner.send_response(recipient_id, message)

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.inner, attribute)


def _handed_to_a_person(sender_id: str) -> bool:
    try:
        return services().handoff.open_ticket_of(sender_id) is not None
    except Exception:  # the database itself may be what failed
        return False


def polite(
    on_new_message: Callable[[UserMessage], Awaitable[Any]]
) -> Callable[[UserMessage], Awaitable[None]]:
    async def handle(message: UserMessage) -> None:
        if isinstance(message.sender_id, str):
            message.sender_id = inbound.clean_text(message.sender_id)
        output, sender = message.output_channel, message.sender_id
        message.metadata = inbound.clean_data(message.metadata)
        text = inbound.clean_text(message.text) if isinstance(message.text, str) else ""
        if not text.strip():
            await output.send_response(sender, {"text": reply_text(EMPTY)})
            return
        if len(text) > MAX_MESSAGE_CHARS:
            await output.send_response(sender, {"text": reply_text(TOO_LONG)})
            return
        offered = None
        if inbound.needs_offered(text):
            try:
                offered = await inbound.offered_in_conversation(message.sender_id)
            except Exception:
                log.exception("the conversation of %s could not be read", sender)
                await output.send_response(sender, {"text": reply_text(BUSY)})
                return
        marked = inbound.marked_payload(message.metadata)
        decided = inbound.route(text, message.input_channel, offered, marked)
        if decided.reply is not None and await asyncio.to_thread(_handed_to_a_person, sender):
            # A conversation with a person stays silent: the text is only recorded, as
            # plain text (a typed "/restart" must not end the hand-off).
            decided = inbound.Route(text=inbound.plain(text))
            if not decided.text.strip():
                return
        elif decided.reply is not None:
            await output.send_response(sender, {"text": reply_text(decided.reply)})
            return
        message.text = text = decided.text
        counting = _CountingOutput(output)
        message.output_channel = counting
        try:
            await on_new_message(message)
        except Exception:
            log.exception("message from %s could not be handled: %s", sender, mask_phones_in(text[:200]))
        if counting.sent == 0 and not await asyncio.to_thread(_handed_to_a_person, sender):
            await output.send_response(sender, {"text": reply_text(BUSY)})

    return handle
