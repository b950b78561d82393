"""WeChat official account (微信公众号) channel: `/webhooks/wechat/webhook`.

WeChat's servers push every citizen message to this endpoint as XML and wait at most five
seconds for the answer. What this channel guarantees (see docs/wechat.md for operators):

- **Authenticity.** Every request carries `signature` (SHA-1 of token, timestamp, nonce);
  in compatible and safe mode also `msg_signature` over the ciphertext. Both are checked in
  constant time, the timestamp must lie within ±`WECHAT_TIMESTAMP_WINDOW_SECONDS`, bodies
  over 64 KB are refused (413), XML is parsed with defusedxml (no DTDs, no entities: a
  "billion laughs" body is a 400), and safe-mode replies are encrypted (wechatpy's
  `WeChatCrypto`, AES-256-CBC).
- **The 5-second limit.** A reply ready within `WECHAT_PASSIVE_REPLY_SECONDS` (4 s) goes back
  in the HTTP response ("passive reply"); otherwise the channel answers `success` at once
  (so WeChat neither retries nor shows "该公众号暂时无法提供服务") and delivers the reply
  through the customer-service message API when the assistant has it.
- **Late replies are not lost.** Everything sent through the API goes through one retrying
  sender (bot/channels/wechat_delivery.py): per citizen in order, retried with backoff on
  network errors, 5xx, -1, 45015, 45047 (`WECHAT_DELIVERY_MAX_ATTEMPTS`, 12;
  `WECHAT_DELIVERY_BACKOFF_SECONDS`, 5, doubling up to 30 min) within WeChat's 48-hour
  window, at once when the citizen writes again; what still fails is logged (openid
  shortened, ticket number, no text) and kept for operators (counts on `GET /webhooks/wechat/`).
- **Exactly once, per citizen.** WeChat retries a message up to three times when it gets no
  answer in five seconds. Messages are deduplicated by account + sender + `MsgId` (events by
  account + sender + `CreateTime` + event + `EventKey` + `MenuId`: two menu clicks in one
  second are two messages), so Rasa sees each once, a retry waits for the
  same processing and gets the same reply, and two citizens whose messages carry the same
  `MsgId` each get their own reply. The state lives in bounded TTL caches *in this
  process*: with several Rasa processes behind a load balancer, retries can land on another
  process, so the deduplication entries, "last buttons", rate-limit buckets and the late-reply
  queue would need a shared store (e.g. Redis with SET NX + a result key, a table for the
  queue) — production-profile work, not done here.
- **Conversations.** The sender id is the citizen's openid, so a conversation continues
  across messages; voice messages use WeChat's speech recognition (`Recognition`); the
  subscribe event greets (`/greet`), menu clicks map to intents (bot/wechat_menu.yml);
  unsupported types (image, location, link, video, …) get `utter_wechat_unsupported`.
- **WeChat's formats.** Text over 2048 bytes is split on line boundaries (never inside a
  UTF-8 character); buttons become a numbered list ("回复数字即可：") and a bare number
  from the citizen ("1", "２") selects the button; through the API, buttons are a `msgmenu`.
- **Hand-off.** A bot message with a custom payload `{"handoff": {...}}` makes the channel
  send the text (the ticket number) through the API and answer `transfer_customer_service`,
  so the account's human agents take over. When that send has not succeeded within the
  passive window, the passive reply is the text itself and the transfer happens on the
  citizen's next message: the ticket number always reaches the citizen.
- **Abuse.** A token bucket per openid (`WECHAT_RATE_LIMIT_PER_MINUTE`, 10) answers floods
  with `utter_wechat_rate_limited` without running the dialogue. Typed text never becomes
  an intent payload: the inbound rules every channel shares (bot/channels/inbound.py, via
  polite) let through only payloads the assistant offered or the channel generated itself:
  the bridge marks the text it makes of an event (subscribe, CLICK), of unrecognised voice
  and of unsupported types (metadata `channel_payload`), never typed text — a typed
  `/sign_up` gets `utter_typed_command` like any typed command.
- **Never the error page.** Malformed XML is a 400, a bad signature a 403, and any
  unexpected exception is logged and answered with `success`.

Configuration comes from the environment (never from credentials.yml, so the server starts
without WeChat credentials; without `WECHAT_TOKEN` the endpoint answers 503):
`WECHAT_TOKEN`, `WECHAT_APP_ID`, `WECHAT_APP_SECRET`, `WECHAT_AES_KEY`,
`WECHAT_API_BASE_URL` (https://api.weixin.qq.com), `WECHAT_PASSIVE_REPLY_SECONDS` (4.0),
`WECHAT_RATE_LIMIT_PER_MINUTE` (10, 0 = off), `WECHAT_REQUIRE_ENCRYPTION` (false),
`WECHAT_TIMESTAMP_WINDOW_SECONDS` (300). The credentials.yml entry may name the menu file
(`menu_file`, default bot/wechat_menu.yml) whose buttons map EventKeys to payloads, and add
or override mappings (`click_payloads`).

User-facing Chinese text comes from the domain (bot/domain/wechat.yml), not from here.
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import random
import re
import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, Generic, Hashable, Mapping, Optional, Text, TypeVar

import aiohttp
import yaml
from defusedxml import ElementTree as SafeET
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from wechatpy.crypto import WeChatCrypto
from wechatpy.parser import parse_message
from wechatpy.replies import TextReply, TransferCustomerServiceReply

from bot.channels import inbound
from bot.channels.polite import polite
from bot.channels.wechat_delivery import Delivery, DeliveryPolicy, RetryingSender
from bot.channels.wechat_delivery import short as _short
from bot.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

CHANNEL_NAME = "wechat"
DEFAULT_API_BASE_URL = "https://api.weixin.qq.com"
DEFAULT_MENU_FILE = PROJECT_ROOT / "bot" / "wechat_menu.yml"

MAX_BODY_BYTES = 64 * 1024
# WeChat's limit for one text message (passive reply and customer-service text).
TEXT_LIMIT_BYTES = 2048
# Payloads sent to Rasa for what is not a typed text.
GREET_PAYLOAD = "/greet"
UNSUPPORTED_PAYLOAD = "/wechat_unsupported"
VOICE_UNRECOGNISED_PAYLOAD = "/wechat_voice_unrecognised"
# Domain responses the channel renders itself (no dialogue turn).
RATE_LIMITED_RESPONSE = "utter_wechat_rate_limited"
NUMBER_HINT_RESPONSE = "utter_wechat_reply_with_number"

# errcodes of the WeChat API (https://developers.weixin.qq.com/doc/offiaccount/Getting_Started/Global_Return_Code.html)
SYSTEM_BUSY = -1
TOKEN_ERRORS = {40001, 40014, 42001}  # invalid credential, invalid token, token expired
OUT_OF_TIME_LIMIT = 45015  # the citizen has not written for 48 h (or unsubscribed)
OUT_OF_RESPONSE_COUNT = 45047  # too many customer-service messages without a reply
IP_NOT_ALLOWED = 40164

DEDUP_TTL_SECONDS = 600.0
BUTTONS_TTL_SECONDS = 30 * 60.0
HANDOFF_TTL_SECONDS = 30 * 60.0
CACHE_MAX_ENTRIES = 20_000
# A passive reply should leave the HTTP response before the rest goes through the API.
API_AFTER_PASSIVE_DELAY_SECONDS = 0.3

_XML_FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NUMBER_REPLY = re.compile(r"\s*(\d{1,2})\s*[.。、]?\s*")
_OPENID = re.compile(r"[A-Za-z0-9_\-]{1,128}")


# --------------------------------------------------------------------------- configuration


class ConfigurationError(ValueError):
    """A WeChat setting is present but unusable; the message says which and why."""


@dataclass(frozen=True)
class WeChatConfig:
    token: str = ""
    app_id: str = ""
    app_secret: str = ""
    aes_key: str = ""
    api_base_url: str = DEFAULT_API_BASE_URL
    passive_reply_seconds: float = 4.0
    rate_limit_per_minute: int = 10
    require_encryption: bool = False
    timestamp_window_seconds: int = 300
    click_payloads: Mapping[str, str] = field(default_factory=dict)
    # Late replies (customer-service API): attempts per reply and the first backoff.
    delivery_max_attempts: int = 12
    delivery_backoff_seconds: float = 5.0

    def delivery_policy(self) -> DeliveryPolicy:
        return DeliveryPolicy(
            max_attempts=self.delivery_max_attempts, backoff_seconds=self.delivery_backoff_seconds
        )

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    @property
    def can_decrypt(self) -> bool:
        return bool(self.aes_key and self.app_id)

    @property
    def can_call_api(self) -> bool:
        return bool(self.app_id and self.app_secret)

    def crypto(self) -> Optional[WeChatCrypto]:
        return WeChatCrypto(self.token, self.aes_key, self.app_id) if self.can_decrypt else None

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] = os.environ, click_payloads: Mapping[str, str] = {}
    ) -> "WeChatConfig":
        def get(name: str, default: str = "") -> str:
            return (environ.get(name) or "").strip() or default

        aes_key = get("WECHAT_AES_KEY")
        if aes_key:
            _check_aes_key(aes_key)
        if aes_key and not get("WECHAT_APP_ID"):
            raise ConfigurationError("WECHAT_AES_KEY is set but WECHAT_APP_ID is not")
        try:
            passive = float(get("WECHAT_PASSIVE_REPLY_SECONDS", "4.0"))
            rate = int(get("WECHAT_RATE_LIMIT_PER_MINUTE", "10"))
            window = int(get("WECHAT_TIMESTAMP_WINDOW_SECONDS", "300"))
            attempts = int(get("WECHAT_DELIVERY_MAX_ATTEMPTS", "12"))
            backoff = float(get("WECHAT_DELIVERY_BACKOFF_SECONDS", "5.0"))
        except ValueError as error:
            raise ConfigurationError(f"a WECHAT_* number setting is not a number: {error}")
        return cls(
            token=get("WECHAT_TOKEN"),
            app_id=get("WECHAT_APP_ID"),
            app_secret=get("WECHAT_APP_SECRET"),
            aes_key=aes_key,
            api_base_url=get("WECHAT_API_BASE_URL", DEFAULT_API_BASE_URL).rstrip("/"),
            # WeChat gives up after 5 s; leave room for the network and the encryption.
            passive_reply_seconds=min(max(passive, 0.1), 4.5),
            rate_limit_per_minute=max(rate, 0),
            require_encryption=get("WECHAT_REQUIRE_ENCRYPTION").lower() in {"1", "true", "yes"},
            timestamp_window_seconds=max(window, 1),
            click_payloads=dict(click_payloads),
            delivery_max_attempts=min(max(attempts, 1), 100),
            delivery_backoff_seconds=min(max(backoff, 0.01), 3600.0),
        )


def _check_aes_key(aes_key: str) -> None:
    """The EncodingAESKey is 43 characters of base64 for 32 bytes (WeChat's console shows it)."""
    try:
        key = base64.b64decode(aes_key + "=", validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(aes_key) != 43 or len(key) != 32:
        raise ConfigurationError("WECHAT_AES_KEY must be the 43-character EncodingAESKey")


def load_click_payloads(menu_file: Path) -> dict[str, str]:
    """EventKey -> payload from the menu file (buttons with `key` and `payload`)."""
    if not menu_file.exists():
        return {}
    data = yaml.safe_load(menu_file.read_text(encoding="utf-8")) or {}
    payloads: dict[str, str] = {}

    def walk(buttons: Any) -> None:
        for button in buttons or []:
            if not isinstance(button, dict):
                continue
            if button.get("key") and button.get("payload"):
                payloads[str(button["key"])] = str(button["payload"])
            walk(button.get("sub_button"))

    walk(data.get("button"))
    return payloads


# --------------------------------------------------------------------------- small stores

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TTLCache(Generic[K, V]):
    """A dict whose entries expire after `ttl` seconds and that never holds more than
    `max_entries` (the oldest go first). Single event loop: no locking needed."""

    def __init__(
        self, ttl: float, max_entries: int = CACHE_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._items: "OrderedDict[K, tuple[float, V]]" = OrderedDict()

    def get(self, key: K) -> Optional[V]:
        item = self._items.get(key)
        if item is None:
            return None
        if item[0] <= self._clock():
            del self._items[key]
            return None
        return item[1]

    def __setitem__(self, key: K, value: V) -> None:
        self._items.pop(key, None)
        self._items[key] = (self._clock() + self.ttl, value)
        self._evict()

    def pop(self, key: K) -> Optional[V]:
        value = self.get(key)
        self._items.pop(key, None)
        return value

    def __len__(self) -> int:
        self._evict()
        return len(self._items)

    def _evict(self) -> None:
        now = self._clock()
        while self._items:
            key, (expires, _) = next(iter(self._items.items()))
            if expires <= now or len(self._items) > self.max_entries:
                del self._items[key]
            else:
                break


class RateLimiter:
    """A token bucket per openid: `per_minute` messages a minute, bursts up to the same."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.refill_per_second = per_minute / 60.0
        self._clock = clock
        # An idle bucket is full again after a minute: older ones need not be kept.
        self._buckets: TTLCache[str, tuple[float, float]] = TTLCache(120.0, clock=clock)

    def allow(self, key: str) -> bool:
        if self.capacity <= 0:
            return True
        now = self._clock()
        tokens, last = self._buckets.get(key) or (self.capacity, now)
        tokens = min(self.capacity, tokens + (now - last) * self.refill_per_second)
        allowed = tokens >= 1.0
        self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        return allowed


# --------------------------------------------------------------------------- decoding


class RequestRejected(Exception):
    """A request the channel refuses, with the HTTP status to answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def wechat_signature(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the sorted parts concatenated (what wechatpy computes)."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8", "surrogatepass")).hexdigest()


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(
        expected.encode("utf-8", "surrogatepass"), given.encode("utf-8", "surrogatepass")
    )


def check_request_signature(
    config: WeChatConfig, query: Mapping[str, str], now: Optional[float] = None
) -> tuple[str, str]:
    """Checks `signature` and the timestamp window; returns (timestamp, nonce)."""
    signature = query.get("signature") or ""
    timestamp = query.get("timestamp") or ""
    nonce = query.get("nonce") or ""
    if not (signature and timestamp and nonce):
        raise RequestRejected(403, "signature, timestamp and nonce are required")
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise RequestRejected(403, "bad timestamp")
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > config.timestamp_window_seconds:
        raise RequestRejected(403, "timestamp outside the allowed window (replay?)")
    if not _same(wechat_signature(config.token, timestamp, nonce), signature.lower()):
        raise RequestRejected(403, "bad signature")
    return timestamp, nonce


def parse_xml(data: bytes) -> dict[str, Any]:
    """The children of a WeChat `<xml>` document as a dict; RequestRejected(400) otherwise.

    defusedxml refuses DTDs, entity declarations and external references, so entity
    expansion bombs and XXE never reach the parser's expansion step.
    """
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except Exception as error:  # ParseError, DefusedXmlException, ValueError, ...
        raise RequestRejected(400, f"malformed XML: {type(error).__name__}") from None
    if root.tag != "xml":
        raise RequestRejected(400, "the root element must be <xml>")
    fields: dict[str, Any] = {}
    for child in root:
        if len(child):
            fields[child.tag] = {sub.tag: (sub.text or "") for sub in child}
        else:
            fields[child.tag] = child.text or ""
    return fields


@dataclass
class Incoming:
    """A verified, decrypted message from WeChat."""

    message: Any  # a wechatpy message or event object
    fields: dict[str, Any]
    xml: str
    encrypted: bool
    nonce: str

    @property
    def openid(self) -> str:
        return self.fields["FromUserName"]

    @property
    def account(self) -> str:
        return self.fields["ToUserName"]

    @property
    def msg_type(self) -> str:
        return str(self.fields["MsgType"]).lower()

    @property
    def event(self) -> str:
        return str(self.fields.get("Event") or "").lower()

    @property
    def msg_id(self) -> Optional[str]:
        """WeChat's MsgId of a message (None for events)."""
        msg_id = self.fields.get("MsgId") or self.fields.get("MsgID")
        return str(msg_id) if msg_id and self.msg_type != "event" else None

    def event_detail(self) -> tuple[str, ...]:
        """What tells two events of one citizen in one second apart (WeChat's retries repeat
        them): the event, its EventKey (which menu button, which QR scene), and for a click on
        a personalised or conditional menu its MenuId; for messages without a MsgId, the
        message type."""
        key, menu = self.fields.get("EventKey"), self.fields.get("MenuId") or self.fields.get("MenuID")
        return (self.event or self.msg_type, str(key or ""), str(menu or ""))

    def dedup_key(self) -> tuple[str, ...]:
        """The key of one message of one citizen, which WeChat's retries repeat: account +
        sender + MsgId for messages, account + sender + CreateTime + `event_detail` (event,
        EventKey, MenuId) for events. A MsgId alone is not enough: two citizens' messages
        may carry the same one; CreateTime + event is not either: two menu clicks in one
        second differ only in their EventKey."""
        if self.msg_id is not None:
            return ("msg", self.account, self.openid, self.msg_id)
        return ("event", self.account, self.openid, str(self.fields["CreateTime"]), *self.event_detail())

    def log_key(self) -> str:
        """The dedup key for logs, with the openid shortened."""
        kind, _, _, *rest = self.dedup_key()
        return ":".join([kind, _short(self.openid), *rest])

    def message_id(self) -> str:
        """The id Rasa stores with the user event: the MsgId for messages (stored in the
        citizen's own tracker, so unique per citizen), sender + CreateTime + `event_detail`
        for events."""
        if self.msg_id is not None:
            return self.msg_id
        return ":".join(["event", self.openid, str(self.fields["CreateTime"]), *self.event_detail()])

    def generated_by_wechat(self) -> bool:
        """Whether the channel, not the citizen's typing, makes this message's text: events
        (subscribe, menu clicks), voice WeChat could not recognise and unsupported message
        types. Typed text (and recognised speech) never is."""
        if self.msg_type == "text":
            return False
        if self.msg_type == "voice":
            return not str(self.fields.get("Recognition") or "").strip()
        return True


def decode_post(
    config: WeChatConfig, crypto: Optional[WeChatCrypto], query: Mapping[str, str],
    body: bytes, now: Optional[float] = None,
) -> Incoming:
    """Verify, decrypt and parse one pushed message; RequestRejected says why not."""
    if len(body) > MAX_BODY_BYTES:
        raise RequestRejected(413, "request body too large")
    timestamp, nonce = check_request_signature(config, query, now)
    outer = parse_xml(body)
    encrypt_type = (query.get("encrypt_type") or "raw").lower()
    if encrypt_type == "aes":
        if crypto is None:
            raise RequestRejected(503, "encrypted message but WECHAT_AES_KEY/WECHAT_APP_ID not set")
        encrypted = outer.get("Encrypt")
        msg_signature = query.get("msg_signature") or ""
        if not isinstance(encrypted, str) or not encrypted:
            raise RequestRejected(400, "Encrypt is missing")
        expected = wechat_signature(config.token, timestamp, nonce, encrypted)
        if not msg_signature or not _same(expected, msg_signature.lower()):
            raise RequestRejected(403, "bad msg_signature")
        try:
            xml = crypto.decrypt_message(
                {"Encrypt": encrypted}, expected, timestamp, nonce
            )
        except Exception as error:  # bad padding, wrong app id, not base64, ...
            raise RequestRejected(400, f"cannot decrypt: {type(error).__name__}") from None
        fields = parse_xml(xml.encode("utf-8", "surrogatepass"))
    elif encrypt_type == "raw":
        if config.require_encryption:
            raise RequestRejected(403, "plaintext messages are refused (WECHAT_REQUIRE_ENCRYPTION)")
        xml, fields = body.decode("utf-8", "replace"), outer
    else:
        raise RequestRejected(400, "unknown encrypt_type")
    for name in ("ToUserName", "FromUserName", "CreateTime", "MsgType"):
        if not isinstance(fields.get(name), str) or not fields[name].strip():
            raise RequestRejected(400, f"{name} is missing")
        fields[name] = fields[name].strip()
    if not _OPENID.fullmatch(fields["FromUserName"]):
        raise RequestRejected(400, "bad FromUserName")
    if not fields["CreateTime"].isascii() or not fields["CreateTime"].isdigit():
        raise RequestRejected(400, "bad CreateTime")
    msg_id = fields.get("MsgId") or fields.get("MsgID")
    if msg_id is not None and (not isinstance(msg_id, str) or not msg_id.isascii()
                               or not msg_id.isdigit() or len(msg_id) > 32):
        raise RequestRejected(400, "bad MsgId")
    try:
        message = parse_message(xml)
        # Touch the typed fields so a bad value fails here, as a 400.
        message.source, message.target, message.time, message.type  # noqa: B018
    except Exception as error:
        raise RequestRejected(400, f"not a WeChat message: {type(error).__name__}") from None
    return Incoming(message, fields, xml, encrypt_type == "aes", nonce)


# --------------------------------------------------------------------------- replies


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


# --------------------------------------------------------------------------- the API client


class WeChatApiError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeChat API error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatApi:
    """The few WeChat server APIs the assistant uses, over aiohttp.

    The access token is fetched from /cgi-bin/token, cached, refreshed five minutes before
    it expires and at once when WeChat says it is invalid (40001, 40014, 42001); one
    request at a time refreshes it. Network errors and "system busy" (-1) are retried a
    bounded number of times; other errors are raised as WeChatApiError (no retry loops).
    """

    def __init__(
        self, base_url: str, app_id: str, app_secret: str, *, timeout: float = 10.0,
        retries: int = 2, backoff: float = 0.5, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.app_id = app_id
        self.app_secret = app_secret
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._clock = clock
        self._token: Optional[str] = None
        self._token_expires = 0.0
        self._token_lock: Optional[asyncio.Lock] = None
        self._session: Optional[aiohttp.ClientSession] = None

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                headers={"User-Agent": "daxing-assistant-wechat"},
            )
        return self._session

    async def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """One API call with bounded retries on network errors and errcode -1."""
        url = f"{self.base_url}{path}"
        for attempt in range(self.retries + 1):
            try:
                async with self._http().request(method, url, **kwargs) as reply:
                    if reply.status >= 500:
                        raise aiohttp.ClientResponseError(
                            reply.request_info, reply.history, status=reply.status
                        )
                    data = json.loads(await reply.text() or "{}")
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                if attempt == self.retries:
                    raise WeChatApiError(-2, f"no answer from {path}: {type(error).__name__}")
                await asyncio.sleep(self.backoff * (2 ** attempt))
                continue
            if not isinstance(data, dict):
                raise WeChatApiError(-2, f"unexpected answer from {path}")
            if data.get("errcode") == SYSTEM_BUSY and attempt < self.retries:
                await asyncio.sleep(self.backoff * (2 ** attempt))
                continue
            return data
        raise AssertionError("unreachable")

    async def access_token(self, rejected: Optional[str] = None) -> str:
        """The cached token, or a new one when it is about to expire or is `rejected`."""
        if self._token_lock is None:
            self._token_lock = asyncio.Lock()
        async with self._token_lock:
            # Another request may have refreshed it while this one waited for the lock.
            if self._token and self._token != rejected and self._clock() < self._token_expires:
                return self._token
            data = await self._request(
                "GET", "/cgi-bin/token",
                params={
                    "grant_type": "client_credential",
                    "appid": self.app_id,
                    "secret": self.app_secret,
                },
            )
            token = data.get("access_token")
            if not token or not isinstance(token, str):
                errcode = _errcode(data) or -2
                if errcode == IP_NOT_ALLOWED:
                    log.error("WeChat refuses this server's IP: add it to the account's IP allowlist")
                raise WeChatApiError(errcode, str(data.get("errmsg") or "no access_token"))
            try:
                expires_in = float(data.get("expires_in") or 7200)
            except (TypeError, ValueError):
                expires_in = 7200.0
            margin = 300.0 if expires_in > 600 else expires_in / 2
            self._token, self._token_expires = str(token), self._clock() + expires_in - margin
            log.info("WeChat access token refreshed (valid %.0f s)", expires_in)
            return self._token

    async def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST a JSON body with the access token; a rejected token is refreshed once."""
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        rejected: Optional[str] = None
        for attempt in range(2):
            token = await self.access_token(rejected)
            data = await self._request(
                "POST", path, params={"access_token": token}, data=payload, headers=headers
            )
            errcode = _errcode(data)
            if errcode in TOKEN_ERRORS and attempt == 0:
                log.warning("WeChat rejected the access token (%s); refreshing it", errcode)
                rejected = token
                continue
            if errcode:
                raise WeChatApiError(errcode, str(data.get("errmsg") or ""))
            return data
        raise AssertionError("unreachable")

    async def send_custom(self, body: dict[str, Any]) -> int:
        """Send one customer-service message once; return WeChat's errcode (0 = sent, -2 no
        answer or a 5xx). Errors are logged, never raised: the channel's RetryingSender
        decides what to retry (a reply that cannot be delivered must not break the channel)."""
        try:
            await self.call("/cgi-bin/message/custom/send", body)
            return 0
        except WeChatApiError as error:
            if error.errcode == OUT_OF_TIME_LIMIT:
                log.warning("WeChat: cannot message %s — silent for over 48 h or unsubscribed "
                            "(45015)", _short(body.get("touser")))
            elif error.errcode == OUT_OF_RESPONSE_COUNT:
                log.warning("WeChat: too many messages to %s without a reply (45047)",
                            _short(body.get("touser")))
            else:
                log.error("WeChat customer-service message to %s failed: %s",
                          _short(body.get("touser")), error)
            return error.errcode

    async def create_menu(self, menu: dict[str, Any]) -> dict[str, Any]:
        return await self.call("/cgi-bin/menu/create", menu)


def _errcode(data: dict[str, Any]) -> int:
    try:
        return int(data.get("errcode") or 0)
    except (TypeError, ValueError):
        return -2


# --------------------------------------------------------------------------- the bridge


class WeChatCollector(CollectingOutputChannel):
    """Collects the bot's messages of one turn; keeps each text whole (the REST collector
    splits on blank lines, but one WeChat bubble may hold paragraphs)."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._persist_message(self._message(recipient_id, text=text))


@dataclass
class Reply:
    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


SUCCESS = "success"
ResponseTexts = Callable[[str], Optional[str]]


@dataclass
class _Pending:
    """One incoming message being (or having been) processed, shared by WeChat's retries."""

    task: "asyncio.Future[Optional[Outcome]]"
    via_api: bool = False  # a request ran out of time: the whole reply goes through the API
    followups_sent: bool = False  # the API part after a passive reply was started
    # When the citizen wrote (wall clock): WeChat's 48-hour API window starts here.
    received_at: float = field(default_factory=time.time)
    # A hand-off's passive reply, decided once for all retries: its text, or None for
    # transfer_customer_service.
    handoff_reply: "Optional[asyncio.Future[Optional[str]]]" = None


# Inbound messages after which WeChat lets the account message the citizen for 48 hours.
_WINDOW_EVENTS = {"subscribe", "scan", "click", "scancode_push", "scancode_waitmsg"}


class WeChatBridge:
    """Everything between WeChat's HTTP requests and Rasa, without Sanic (testable alone)."""

    def __init__(
        self,
        config: WeChatConfig,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        api: Optional[WeChatApi] = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.on_new_message = on_new_message
        self.api = api
        self.crypto = config.crypto()
        self._clock = clock
        # Keyed by Incoming.dedup_key(): one message of one citizen, never the MsgId alone.
        self.pending: TTLCache[tuple[str, ...], _Pending] = TTLCache(DEDUP_TTL_SECONDS, clock=clock)
        self.last_buttons: TTLCache[str, dict[int, str]] = TTLCache(BUTTONS_TTL_SECONDS, clock=clock)
        self.handoff_pending: TTLCache[str, bool] = TTLCache(HANDOFF_TTL_SECONDS, clock=clock)
        self.limiter = RateLimiter(config.rate_limit_per_minute, clock=clock)
        self._background: set[asyncio.Future[Any]] = set()
        self._processing: set[asyncio.Future[Any]] = set()
        self._warned: set[str] = set()
        self._sender: Optional[RetryingSender] = None
        self._sender_api: Optional[WeChatApi] = None

    @property
    def sender(self) -> Optional[RetryingSender]:
        """The retrying sender every API message goes through (None without the API)."""
        if self.api is None:
            return None
        if self._sender is None or self._sender_api is not self.api:
            self._sender = RetryingSender(self.api.send_custom, self.config.delivery_policy())
            self._sender_api = self.api
        return self._sender

    # -- HTTP ----------------------------------------------------------------------------

    def verify_url(self, query: Mapping[str, str]) -> Reply:
        """WeChat's server URL check when the operator saves the configuration."""
        if not self.config.enabled:
            return not_configured()
        try:
            check_request_signature(self.config, query)
        except RequestRejected as rejected:
            log.warning("WeChat URL verification refused: %s", rejected.reason)
            return Reply(rejected.status, rejected.reason)
        return Reply(200, query.get("echostr") or "")

    async def handle_post(
        self, query: Mapping[str, str], body: bytes, texts: ResponseTexts,
        content_length: Optional[int] = None,
    ) -> Reply:
        """Answer one pushed message; never raises."""
        if not self.config.enabled:
            return not_configured()
        started = self._clock()
        try:
            if content_length is not None and content_length > MAX_BODY_BYTES:
                raise RequestRejected(413, "request body too large")
            incoming = decode_post(self.config, self.crypto, query, body)
        except RequestRejected as rejected:
            if rejected.status == 503:
                self._warn_once(rejected.reason)
            else:
                log.info("WeChat request refused (%s): %s", rejected.status, rejected.reason)
            return Reply(rejected.status, rejected.reason)
        try:
            return await self._answer(incoming, texts, started)
        except Exception:
            log.exception("WeChat message %s could not be answered", incoming.log_key())
            return Reply(200, SUCCESS)

    # -- answering -----------------------------------------------------------------------

    async def _answer(self, incoming: Incoming, texts: ResponseTexts, started: float) -> Reply:
        key = incoming.dedup_key()
        entry = self.pending.get(key)
        if entry is None:
            entry = self._start(incoming, texts)
            self.pending[key] = entry
        else:
            log.info("WeChat retry of %s: answering with the same reply", incoming.log_key())
        budget = self.config.passive_reply_seconds - (self._clock() - started)
        if not entry.task.done() and budget > 0:
            await asyncio.wait({entry.task}, timeout=budget)
        if not entry.task.done():
            if not entry.via_api:
                entry.via_api = True
                log.info("WeChat %s: no reply within %.1f s; it will come through the API",
                         incoming.log_key(), self.config.passive_reply_seconds)
                entry.task.add_done_callback(
                    lambda task: self._spawn(self._deliver_late(incoming.openid, task, entry))
                )
            return Reply(200, SUCCESS)
        if entry.via_api or entry.task.cancelled() or entry.task.exception() is not None:
            return Reply(200, SUCCESS)
        outcome = entry.task.result()
        if outcome is None:
            return Reply(200, SUCCESS)
        if outcome.transfer_only:
            return self._render(incoming, None)
        if outcome.handoff:
            return await self._hand_off(incoming, entry, outcome, started)
        passive, followups = plan_passive(
            incoming.openid, outcome.messages, texts(NUMBER_HINT_RESPONSE)
        )
        if followups and not entry.followups_sent:
            entry.followups_sent = True
            self._submit(incoming.openid, followups, "follow-up", entry,
                         delay=API_AFTER_PASSIVE_DELAY_SECONDS)
        if passive is None:
            return Reply(200, SUCCESS)
        return self._render(incoming, passive)

    def _start(self, incoming: Incoming, texts: ResponseTexts) -> _Pending:
        loop = asyncio.get_running_loop()
        openid = incoming.openid
        if self.sender is not None and (incoming.msg_type != "event" or incoming.event in _WINDOW_EVENTS):
            # The 48-hour window reopens; replies waiting to be retried go now.
            self.sender.citizen_wrote(openid)
        if self.handoff_pending.pop(openid):
            # The hand-off could not be answered passively last time: this message goes
            # to the human agents with transfer_customer_service.
            return _Pending(_done(loop, Outcome(transfer_only=True)))
        text = self.user_text(incoming)
        if text is None:
            return _Pending(_done(loop, None))
        if not self.limiter.allow(openid):
            log.warning("WeChat: %s sends too fast; rate-limited", _short(openid))
            notice = texts(RATE_LIMITED_RESPONSE)
            return _Pending(_done(loop, Outcome([BotMessage(notice)]) if notice else None))
        task = loop.create_task(self._process(incoming, text))
        self._processing.add(task)
        task.add_done_callback(self._processing.discard)
        return _Pending(task)

    def user_text(self, incoming: Incoming) -> Optional[str]:
        """What the citizen said, as the message for Rasa; None: nothing to answer."""
        message, kind, openid = incoming.message, incoming.msg_type, incoming.openid
        if kind == "text":
            content = str(getattr(message, "content", "") or "").strip()
            choice = self._button_choice(openid, content, incoming.fields.get("bizmsgmenuid"))
            if choice is not None:
                return choice
            # Typed "/sign_up{...}" is judged by the inbound rules all channels share.
            return content or None
        if kind == "voice":
            recognised = str(incoming.fields.get("Recognition") or "").strip()
            return recognised or VOICE_UNRECOGNISED_PAYLOAD
        if kind == "event":
            event = incoming.event
            if event in {"subscribe", "subscribe_scan"}:
                return GREET_PAYLOAD
            if event == "click":
                key = str(incoming.fields.get("EventKey") or "")
                payload = self.config.click_payloads.get(key)
                if payload is None:
                    log.warning("WeChat menu click with unknown EventKey %r", key[:64])
                return payload
            return None  # unsubscribe, VIEW, LOCATION, template/mass-send reports, ...
        # image, location, link, video, file, ... and types WeChat adds later
        return UNSUPPORTED_PAYLOAD

    def _button_choice(self, openid: str, content: str, menu_id: Any) -> Optional[str]:
        buttons = self.last_buttons.get(openid)
        if not buttons:
            return None
        if isinstance(menu_id, str) and menu_id.strip().isdigit():
            payload = buttons.get(int(menu_id.strip()))
            if payload is not None:
                return payload
        match = _NUMBER_REPLY.fullmatch(unicodedata.normalize("NFKC", content))
        if match:
            return buttons.get(int(match.group(1)))
        return None

    async def _process(self, incoming: Incoming, text: str) -> Optional[Outcome]:
        collector = WeChatCollector()
        # Only what the channel generated (events, ...) is marked as its own payload; typed
        # text never is, so a typed "/sign_up" is judged like any typed "/"-text.
        marker = {inbound.CHANNEL_PAYLOAD: text} if incoming.generated_by_wechat() else {}
        await self.on_new_message(
            UserMessage(
                text,
                collector,
                sender_id=incoming.openid,
                input_channel=CHANNEL_NAME,
                message_id=incoming.message_id(),
                metadata={
                    "wechat": {
                        "msg_type": incoming.msg_type,
                        "event": incoming.event or None,
                        "account": incoming.account,
                        "encrypted": incoming.encrypted,
                    },
                    **marker,
                },
            )
        )
        outcome = outcome_from(collector.messages)
        buttons = {b.number: b.payload for m in outcome.messages for b in m.buttons}
        if buttons:
            self.last_buttons[incoming.openid] = buttons
        else:
            # Numbers refer to the buttons of the latest reply only.
            self.last_buttons.pop(incoming.openid)
        return outcome

    async def _hand_off(
        self, incoming: Incoming, entry: _Pending, outcome: Outcome, started: float
    ) -> Reply:
        """The text (the ticket number) through the API, then transfer_customer_service; if
        the API has not taken the text in time, the text is the passive reply and the
        transfer happens on the next message. Decided once; retries get the same answer."""
        if entry.handoff_reply is None:
            deadline = started + self.config.passive_reply_seconds
            entry.handoff_reply = self._spawn(self._decide_hand_off(incoming, entry, outcome, deadline))
        # No timeout here: the decision keeps to the deadline itself, and a reply that had
        # given up waiting would lose the text the decision put into the passive reply.
        await asyncio.wait({entry.handoff_reply})
        if entry.handoff_reply.cancelled() or entry.handoff_reply.exception() is not None:
            return Reply(200, SUCCESS)
        return self._render(incoming, entry.handoff_reply.result())

    async def _decide_hand_off(
        self, incoming: Incoming, entry: _Pending, outcome: Outcome, deadline: float
    ) -> Optional[str]:
        """The hand-off's passive reply: None (transfer) when the API delivered the text in
        time, else the text, with the transfer left to the citizen's next message."""
        openid = incoming.openid
        sender = self.sender
        if sender is not None:
            delivery = sender.submit(openid, api_messages(openid, outcome.messages),
                                     label="hand-off", ticket=outcome.ticket,
                                     window_start=entry.received_at)
            remaining = deadline - self._clock()
            if not delivery.first_attempt.done() and remaining > 0:
                await asyncio.wait({delivery.first_attempt}, timeout=remaining)
            if delivery.delivered:
                log.info("WeChat: conversation of %s transferred to the human agents", _short(openid))
                return None
            # The passive reply carries it now; no second copy later.
            delivery.withdraw()
            log.warning("WeChat: the hand-off text for %s (ticket %s) did not go through the API "
                        "in time (errcode %s): it is the passive reply, the transfer comes on "
                        "the next message", _short(openid), outcome.ticket, delivery.errcode)
        self.handoff_pending[openid] = True
        passive, rest = plan_passive(openid, outcome.messages, None)
        if rest:
            self._submit(openid, rest, "hand-off", entry, ticket=outcome.ticket,
                         delay=API_AFTER_PASSIVE_DELAY_SECONDS)
        return passive

    async def _deliver_late(
        self, openid: str, task: "asyncio.Future[Optional[Outcome]]", entry: _Pending
    ) -> None:
        if task.cancelled() or task.exception() is not None:
            log.error("WeChat message of %s failed: %r", _short(openid),
                      None if task.cancelled() else task.exception())
            return
        outcome = task.result()
        if outcome is None or not outcome.messages and not outcome.handoff:
            return
        if self.api is None:
            self._warn_once("replies later than the passive window are dropped: "
                            "set WECHAT_APP_ID and WECHAT_APP_SECRET for the customer-service API")
            return
        self._submit(openid, api_messages(openid, outcome.messages),
                     "hand-off" if outcome.handoff else "late reply", entry, ticket=outcome.ticket)
        if outcome.handoff:
            # transfer_customer_service exists only as a passive reply: do it next time.
            self.handoff_pending[openid] = True

    def _submit(
        self, openid: str, bodies: list[dict[str, Any]], label: str, entry: Optional[_Pending],
        ticket: Optional[str] = None, delay: float = 0.0,
    ) -> Optional[Delivery]:
        """Queue API messages on the retrying sender (None: no API, the parts are dropped)."""
        sender = self.sender
        if sender is None:
            if bodies:
                self._warn_once("a reply part was dropped: set WECHAT_APP_ID and "
                                "WECHAT_APP_SECRET for the customer-service API")
            return None
        return sender.submit(openid, bodies, label=label, ticket=ticket, delay=delay,
                             window_start=entry.received_at if entry is not None else None)

    async def _send_all(self, bodies: list[dict[str, Any]], delay: float = 0.0) -> bool:
        """Queue `bodies` (one citizen's) on the retrying sender and wait for the first
        attempt; True if it delivered them all. Failures are retried in the background."""
        if not bodies:
            return True
        delivery = self._submit(str(bodies[0].get("touser") or ""), bodies, "reply", None, delay=delay)
        if delivery is None:
            return False
        await asyncio.wait({delivery.first_attempt})
        return delivery.delivered

    def _render(self, incoming: Incoming, text: Optional[str]) -> Reply:
        """A passive reply: text, or transfer_customer_service when text is None."""
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
        if incoming.encrypted and self.crypto is not None:
            xml = self.crypto.encrypt_message(xml, incoming.nonce, str(now))
        return Reply(200, xml, "application/xml; charset=utf-8")

    def _spawn(self, coroutine: Awaitable[Any]) -> "asyncio.Future[Any]":
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)

        def finished(done: "asyncio.Future[Any]") -> None:
            self._background.discard(done)
            if not done.cancelled() and done.exception() is not None:
                log.error("WeChat background delivery failed", exc_info=done.exception())

        task.add_done_callback(finished)
        return task

    def _warn_once(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            log.error("WeChat channel: %s", message)

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait for messages in processing and their deliveries, retries included (tests,
        shutdown), at most `timeout` seconds."""
        deadline = self._clock() + timeout
        while (self._processing or self._background) and self._clock() < deadline:
            await asyncio.wait(self._processing | self._background, timeout=deadline - self._clock())
        if self._sender is not None and self._clock() < deadline:
            await self._sender.drain(deadline - self._clock())

    async def close(self) -> None:
        """At shutdown: replies still waiting for a retry are logged and kept as undelivered."""
        if self._sender is not None:
            await self._sender.close()

    def status(self) -> dict[str, Any]:
        """Late-reply counts for operators: queued for (re)sending, and given up."""
        sender = self._sender
        return sender.status() if sender is not None else {"queued": 0, "undelivered": 0}


def _done(loop: asyncio.AbstractEventLoop, value: Optional[Outcome]) -> "asyncio.Future[Optional[Outcome]]":
    future: "asyncio.Future[Optional[Outcome]]" = loop.create_future()
    future.set_result(value)
    return future


NOT_CONFIGURED = (
    "The WeChat channel is not configured: set WECHAT_TOKEN (and WECHAT_APP_ID, "
    "WECHAT_APP_SECRET, WECHAT_AES_KEY for safe mode and late replies); see docs/wechat.md."
)


def not_configured() -> Reply:
    return Reply(503, NOT_CONFIGURED)


def domain_texts(agent: Any) -> ResponseTexts:
    """Texts of the loaded model's domain responses (a `channel: wechat` variant first)."""

    def text(name: str) -> Optional[str]:
        domain = getattr(agent, "domain", None)
        variations = (domain.responses.get(name) if domain is not None else None) or []
        own = [v["text"] for v in variations if v.get("text") and v.get("channel") == CHANNEL_NAME]
        plain = [v["text"] for v in variations if v.get("text") and not v.get("channel")]
        choices = own or plain
        if not choices:
            log.error("WeChat channel: the domain has no response %s (retrain?)", name)
            return None
        return random.choice(choices)

    return text


# --------------------------------------------------------------------------- the Rasa channel


class WeChatInput(InputChannel):
    """Rasa input channel for a WeChat official account (module docstring: the details)."""

    _logged_not_configured = False

    def __init__(self, config: WeChatConfig, problem: Optional[str] = None) -> None:
        self.config = config
        self.problem = problem

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[Text, Any]]) -> "WeChatInput":
        credentials = credentials or {}
        menu_file = Path(credentials.get("menu_file") or DEFAULT_MENU_FILE)
        if not menu_file.is_absolute():
            menu_file = PROJECT_ROOT / menu_file
        payloads = load_click_payloads(menu_file)
        payloads.update({str(k): str(v) for k, v in (credentials.get("click_payloads") or {}).items()})
        inbound.accept_channel_payloads("wechat", payloads.values())  # menu clicks are ours
        try:
            return cls(WeChatConfig.from_env(click_payloads=payloads))
        except ConfigurationError as error:
            # Never stop the whole server for a WeChat setting: the endpoint says 503.
            return cls(WeChatConfig(click_payloads=payloads), problem=str(error))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        wechat = Blueprint("wechat_webhook", __name__)
        config = self.config
        if not config.enabled:
            if not WeChatInput._logged_not_configured:
                WeChatInput._logged_not_configured = True
                log.warning("%s%s", NOT_CONFIGURED, f" ({self.problem})" if self.problem else "")
        elif not config.can_call_api:
            log.warning("WeChat channel without WECHAT_APP_ID/WECHAT_APP_SECRET: passive "
                        "replies only; replies later than %.1f s are dropped",
                        config.passive_reply_seconds)
        api = (
            WeChatApi(config.api_base_url, config.app_id, config.app_secret)
            if config.enabled and config.can_call_api else None
        )
        bridge = WeChatBridge(config, polite(on_new_message), api)

        @wechat.listener("after_server_stop")
        async def close_api(*_: Any) -> None:
            await bridge.close()
            if api is not None:
                await api.close()

        @wechat.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if config.enabled else "not configured",
                                  "late_replies": bridge.status()})

        @wechat.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            reply = bridge.verify_url(_query(request))
            return response.text(reply.body, status=reply.status)

        @wechat.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                length = request.headers.get("content-length")
                reply = await bridge.handle_post(
                    _query(request),
                    request.body or b"",
                    domain_texts(getattr(request.app.ctx, "agent", None)),
                    int(length) if length and length.isdigit() else None,
                )
            except Exception:  # handle_post never raises; this is the last guard
                log.exception("WeChat request failed")
                reply = Reply(200, SUCCESS)
            return response.text(reply.body, status=reply.status, content_type=reply.content_type)

        return wechat


def _query(request: Request) -> dict[str, str]:
    return {name: str(values[0]) for name, values in request.args.items() if values}
