"""The assistant's turn in WeChat's formats, and the passive reply.

- `outcome_from` turns Rasa's collected bot messages into an `Outcome`: `BotMessage`s with
  their buttons numbered across the whole turn, and whether (and with which ticket) the turn
  hands the citizen to people (a custom payload `{"handoff": {...}}`).
- Text over 2048 bytes is split on line boundaries, else after punctuation, never inside a
  UTF-8 character (`split_utf8`). In a passive reply buttons become a numbered list after
  a hint ("回复数字即可："), and a bare number from the citizen ("1", "２", "1.") chooses the
  button (`chosen_button`); through the customer-service API buttons are a `msgmenu`
  (`api_messages`).
- `plan_passive` decides what goes into the one passive reply (as many whole messages as
  fit) and what follows through the API; `render_passive` makes the XML (a text reply or
  `transfer_customer_service`), encrypted in safe mode.

Errors: none raised; malformed bot messages (buttons without title or payload) are skipped.
"""
from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel
from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import TextReply, TransferCustomerServiceReply

from bot.channels.wechat.config import CHANNEL_NAME
from bot.channels.wechat.inbound import Incoming

# WeChat's limit for one text message (passive reply and customer-service text).
TEXT_LIMIT_BYTES = 2048
# What the webhook answers when the reply (if any) comes another way: WeChat then neither
# retries nor shows "该公众号暂时无法提供服务".
SUCCESS = "success"

_XML_FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NUMBER_REPLY = re.compile(r"\s*(\d{1,2})\s*[.。、]?\s*")


class WeChatCollector(CollectingOutputChannel):
    """Collects the bot's messages of one turn; keeps each text whole (the REST collector
    splits on blank lines, but one WeChat bubble may hold paragraphs)."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._persist_message(self._message(recipient_id, text=text))


def split_utf8(text: str, limit: int = TEXT_LIMIT_BYTES) -> list[str]:
    """Chunks of at most `limit` UTF-8 bytes, cut at line ends where possible, else after a
    sentence end, never inside a character; empty chunks are dropped."""
    text = text.strip()
    if not text:
        return []
    if len(text.encode("utf-8")) <= limit:
        return [text]
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        for piece in _split_line(line, limit):
            n = len(piece.encode("utf-8"))
            extra = n + (1 if current else 0)
            if current and size + extra > limit:
                chunks.append("\n".join(current))
                current, size, extra = [], 0, n
            current.append(piece)
            size += extra
    if current:
        chunks.append("\n".join(current))
    return [c.strip() for c in chunks if c.strip()]


_SENTENCE_END = "。！？；!?;，,、 "


def _split_line(line: str, limit: int) -> list[str]:
    if len(line.encode("utf-8")) <= limit:
        return [line]
    pieces: list[str] = []
    start = 0
    while start < len(line):
        size, end = 0, start
        while end < len(line):
            width = len(line[end].encode("utf-8", "surrogatepass"))
            if size + width > limit:
                break
            size += width
            end += 1
        if end < len(line):
            # Prefer to cut after punctuation in the second half of the window.
            cut = max(line.rfind(mark, start, end) for mark in _SENTENCE_END)
            if cut >= start + (end - start) // 2:
                end = cut + 1
        pieces.append(line[start:end])
        start = end
    return pieces


def xml_safe(text: str) -> str:
    """Text that survives wechatpy's `<![CDATA[...]]>` fields and XML 1.0."""
    return _XML_FORBIDDEN_CHARS.sub("", text).replace("]]>", "]]]]><![CDATA[>")


@dataclass
class Button:
    number: int
    title: str
    payload: str


@dataclass
class BotMessage:
    """One message of the assistant's turn, buttons numbered across the whole turn."""

    text: str
    buttons: list[Button] = field(default_factory=list)

    def as_text(self, hint: Optional[str]) -> str:
        """Buttons as a numbered list the citizen answers with a number."""
        if not self.buttons:
            return self.text
        lines = [f"{b.number}. {b.title}" for b in self.buttons]
        listing = "\n".join(([hint.strip()] if hint else []) + lines)
        return f"{self.text}\n\n{listing}" if self.text else listing


@dataclass
class Outcome:
    """What one incoming message produced."""

    messages: list[BotMessage] = field(default_factory=list)
    handoff: bool = False
    # Answer with transfer_customer_service without a dialogue turn (a hand-off that could
    # not be answered passively is completed on the citizen's next message).
    transfer_only: bool = False
    ticket: Optional[str] = None  # the hand-off ticket number the messages announce


def outcome_from(collected: list[dict[str, Any]]) -> Outcome:
    """Rasa's collected bot messages as WeChat messages."""
    outcome = Outcome()
    number = 0
    for message in collected:
        custom = message.get("custom")
        if isinstance(custom, dict) and "handoff" in custom:
            outcome.handoff = True
            details = custom["handoff"]
            if isinstance(details, dict) and details.get("ticket"):
                outcome.ticket = str(details["ticket"])
        parts = [message.get("text") or ""]
        for key in ("image", "attachment"):
            if isinstance(message.get(key), str):
                parts.append(message[key])
        buttons = []
        for button in message.get("buttons") or []:
            title, payload = button.get("title"), button.get("payload")
            if title and payload:
                number += 1
                buttons.append(Button(number, str(title), str(payload)))
        text = "\n".join(p for p in parts if p).strip()
        if text or buttons:
            outcome.messages.append(BotMessage(text, buttons))
    return outcome


def text_api_message(openid: str, content: str) -> dict[str, Any]:
    return {"touser": openid, "msgtype": "text", "text": {"content": content}}


def api_messages(openid: str, messages: list[BotMessage]) -> list[dict[str, Any]]:
    """Customer-service API bodies for the messages: text, buttons as `msgmenu`."""
    bodies = []
    for message in messages:
        chunks = split_utf8(message.text)
        if not message.buttons:
            bodies.extend(text_api_message(openid, c) for c in chunks)
            continue
        bodies.extend(text_api_message(openid, c) for c in chunks[:-1])
        bodies.append({
            "touser": openid,
            "msgtype": "msgmenu",
            "msgmenu": {
                "head_content": chunks[-1] if chunks else "",
                "list": [{"id": str(b.number), "content": b.title} for b in message.buttons],
                "tail_content": "",
            },
        })
    return bodies


def plan_passive(
    openid: str, messages: list[BotMessage], hint: Optional[str]
) -> tuple[Optional[str], list[dict[str, Any]]]:
    """The passive reply's text and the API messages that follow it.

    A passive reply is one message: as many whole messages as fit in 2048 bytes are joined
    into it (one bubble, and fewer API calls — WeChat allows only so many in a row); a
    longer first message is split and its other chunks follow through the API.
    """
    if not messages:
        return None, []
    joined = ""
    taken = 0
    for message in messages:
        candidate = f"{joined}\n\n{message.as_text(hint)}" if joined else message.as_text(hint)
        if len(candidate.strip().encode("utf-8")) > TEXT_LIMIT_BYTES:
            break
        joined, taken = candidate, taken + 1
    if taken:
        return joined.strip(), api_messages(openid, messages[taken:])
    chunks = split_utf8(messages[0].as_text(hint))
    rest = [text_api_message(openid, c) for c in chunks[1:]]
    return chunks[0], rest + api_messages(openid, messages[1:])


def chosen_button(buttons: Mapping[int, str], content: str, menu_id: Any = None) -> Optional[str]:
    """The payload of the button the citizen chose from the latest reply's `buttons`
    (number -> payload): by `bizmsgmenuid` (a tap on a `msgmenu` entry) or by a bare number
    typed as the text, full-width digits included. None: not a choice."""
    if isinstance(menu_id, str) and menu_id.strip().isdigit():
        payload = buttons.get(int(menu_id.strip()))
        if payload is not None:
            return payload
    match = _NUMBER_REPLY.fullmatch(unicodedata.normalize("NFKC", content))
    if match:
        return buttons.get(int(match.group(1)))
    return None


@dataclass
class Reply:
    """What the webhook answers: status, body, content type."""

    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


def render_passive(incoming: Incoming, text: Optional[str], crypto: Optional[WeChatCrypto]) -> Reply:
    """The passive reply to `incoming`: `text`, or transfer_customer_service when `text` is
    None; encrypted when the message came encrypted and `crypto` is given."""
    now = int(time.time())
    if text is None:
        reply = TransferCustomerServiceReply(
            source=incoming.account, target=incoming.openid, time=now
        )
    else:
        reply = TextReply(
            source=incoming.account, target=incoming.openid, time=now, content=xml_safe(text)
        )
    xml = reply.render()
    if incoming.encrypted and crypto is not None:
        xml = crypto.encrypt_message(xml, incoming.nonce, str(now))
    return Reply(200, xml, "application/xml; charset=utf-8")


NOT_CONFIGURED = (
    "The WeChat channel is not configured: set WECHAT_TOKEN (and WECHAT_APP_ID, "
    "WECHAT_APP_SECRET, WECHAT_AES_KEY for safe mode and late replies); see docs/wechat.md."
)


def not_configured() -> Reply:
    """The answer while WECHAT_TOKEN is not set: 503 and what to set."""
    return Reply(503, NOT_CONFIGURED)
