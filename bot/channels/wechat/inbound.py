"""What arrives at the WeChat webhook: authenticity checks and decoding into `Incoming`.

WeChat's servers push every citizen message as XML. Every request carries `signature`
(SHA-1 of token, timestamp, nonce); in compatible and safe mode also `msg_signature` over
the ciphertext. Both are checked in constant time, the timestamp must lie within
±`WECHAT_TIMESTAMP_WINDOW_SECONDS`, bodies over 64 KB are refused (413), XML is parsed with
defusedxml (no DTDs, no entities: a "billion laughs" body is a 400), and safe-mode messages
are decrypted with wechatpy's `WeChatCrypto` (AES-256-CBC). Whatever arrives, `decode_post`
returns an `Incoming` or raises `RequestRejected` with the status to answer (400 malformed,
403 unauthenticated, 413 too large, 503 encrypted but not configured to decrypt).

`Incoming` also says how WeChat's retries of one message are recognised (`dedup_key`:
account + sender + MsgId; for events account + sender + CreateTime + event + EventKey +
MenuId, so two menu clicks in one second are two messages) and whether its text is made by
the channel rather than typed (`generated_by_wechat`: events, unrecognised voice,
unsupported types), which the inbound rules all channels share rely on.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from defusedxml import ElementTree as SafeET
from wechatpy.crypto import WeChatCrypto
from wechatpy.parser import parse_message

from bot.channels.wechat.config import WeChatConfig
from bot.channels.wechat.delivery import short as _short

MAX_BODY_BYTES = 64 * 1024
# Payloads sent to Rasa for what is not a typed text.
GREET_PAYLOAD = "/greet"
UNSUPPORTED_PAYLOAD = "/wechat_unsupported"
VOICE_UNRECOGNISED_PAYLOAD = "/wechat_voice_unrecognised"

_OPENID = re.compile(r"[A-Za-z0-9_\-]{1,128}")


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
