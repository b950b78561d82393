"""Property-based tests: whatever arrives at the WeChat webhook, the parser answers a 4xx
(400 malformed, 403 unauthenticated, 413 too large) or a message — never an exception,
never a 500, and no XML bomb gets expanded."""
from __future__ import annotations

import asyncio
import time

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.channels.wechat import (
    MAX_BODY_BYTES,
    Incoming,
    RequestRejected,
    WeChatBridge,
    WeChatConfig,
    decode_post,
    wechat_signature,
)
from tests.wechat_standin import (
    TEST_AES_KEY,
    TEST_APP_ID,
    TEST_TOKEN,
    WeChatServerStandIn,
    message_xml,
)

CONFIG = WeChatConfig(token=TEST_TOKEN, app_id=TEST_APP_ID, aes_key=TEST_AES_KEY)
CRYPTO = CONFIG.crypto()
SERVER = WeChatServerStandIn("http://unused/")
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text XML 1.0 can carry, without the CDATA terminator.
xml_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
    max_size=200,
).filter(lambda s: "]]>" not in s)


def decode(body: bytes, mode: str = "plain") -> Incoming | RequestRejected:
    query = SERVER.signed_query()
    if mode == "aes":
        query.update(encrypt_type="aes")
    try:
        return decode_post(CONFIG, CRYPTO, query, body)
    except RequestRejected as rejected:
        return rejected


def assert_rejected(result: Incoming | RequestRejected, *statuses: int) -> None:
    assert isinstance(result, RequestRejected), result
    assert result.status in (statuses or (400,)), result.reason


@PROPERTY
@given(st.binary(max_size=2000))
def test_random_bytes_are_a_400(body: bytes) -> None:
    result = decode(body)
    assume(not isinstance(result, Incoming))  # (a random valid message is fine too)
    assert_rejected(result)


@PROPERTY
@given(xml_text, st.data())
def test_truncated_messages_are_a_400(content: str, data: st.DataObject) -> None:
    xml = message_xml("o-prop", "text", {"Content": content}).encode()
    cut = data.draw(st.integers(min_value=0, max_value=len(xml) - 1))
    assert_rejected(decode(xml[:cut]))


REQUIRED = ["ToUserName", "FromUserName", "CreateTime", "MsgType"]


@PROPERTY
@given(st.sets(st.sampled_from(REQUIRED), min_size=1), st.sampled_from(["plain", "safe"]))
def test_missing_fields_are_a_400(missing: set[str], mode: str) -> None:
    fields = {
        "ToUserName": "gh_x", "FromUserName": "o-prop", "CreateTime": str(int(time.time())),
        "MsgType": "text", "Content": "你好", "MsgId": "1234",
    }
    xml = "<xml>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items() if k not in missing) + "</xml>"
    query, body = SERVER.request_for(xml, mode)
    with pytest.raises(RequestRejected) as rejected:
        decode_post(CONFIG, CRYPTO, query, body)
    assert rejected.value.status == 400


@PROPERTY
@given(
    st.sampled_from(["FromUserName", "CreateTime", "MsgId", "MsgType", "Content", "Recognition"]),
    xml_text,
    st.sampled_from(["text", "voice", "event", "image"]),
)
def test_odd_field_values_are_a_message_or_a_400(name: str, value: str, msg_type: str) -> None:
    fields = {"ToUserName": "gh_x", "FromUserName": "o-prop", "CreateTime": str(int(time.time())),
              "MsgType": msg_type, "MsgId": "77", "Content": "x", "Event": "CLICK", "EventKey": "K"}
    fields[name] = value
    xml = "<xml>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items()) + "</xml>"
    result = decode(xml.encode())
    if isinstance(result, RequestRejected):
        assert result.status == 400
    else:
        assert result.openid and result.dedup_key()


@PROPERTY
@given(xml_text)
def test_text_survives_the_round_trip_in_safe_mode(content: str) -> None:
    assume(content.strip())
    query, body = SERVER.request_for(message_xml("o-prop", "text", {"Content": content}), "safe")
    incoming = decode_post(CONFIG, CRYPTO, query, body)
    # (wechatpy's parser strips surrounding whitespace; the channel strips it anyway)
    assert incoming.encrypted and incoming.message.content == content.strip()


@PROPERTY
@given(st.text(max_size=300))
def test_garbage_ciphertext_with_a_valid_signature_is_a_400(encrypted: str) -> None:
    assume(encrypted.strip() and "]]>" not in encrypted)
    query = SERVER.signed_query()
    query.update(encrypt_type="aes",
                 msg_signature=wechat_signature(TEST_TOKEN, query["timestamp"], query["nonce"], encrypted))
    body = f"<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode(
        "utf-8", "surrogatepass")
    try:
        decode_post(CONFIG, CRYPTO, query, body)
    except RequestRejected as rejected:
        assert rejected.status in (400, 403)


@PROPERTY
@given(st.binary(max_size=500))
def test_encrypted_garbage_is_a_400(plaintext: bytes) -> None:
    """Correctly encrypted and signed, but what is inside is not a WeChat message."""
    text = plaintext.decode("utf-8", "ignore")
    assume("<xml>" not in text)
    query, body = SERVER.request_for(text, "safe")
    assert_rejected(_decode_with(query, body))


def _decode_with(query: dict[str, str], body: bytes) -> Incoming | RequestRejected:
    try:
        return decode_post(CONFIG, CRYPTO, query, body)
    except RequestRejected as rejected:
        return rejected


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<xml><ToUserName>gh</ToUserName><FromUserName>o-bomb</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&lol9;</Content><MsgId>1</MsgId></xml>"""

QUADRATIC = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "' + b"A" * 20000 + b'">]><xml><Content>'
             + b"&a;" * 2000 + b"</Content></xml>")
XXE = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&e;</Content><MsgId>1</MsgId></xml>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?><!DOCTYPE xml SYSTEM "http://example.invalid/x.dtd"><xml/>"""
BOMBS = {"billion laughs": BILLION_LAUGHS, "quadratic": QUADRATIC, "xxe": XXE, "external dtd": EXTERNAL_DTD}


@pytest.mark.parametrize("name", sorted(BOMBS))
@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_xml_bombs_are_refused_without_expansion(name: str, mode: str) -> None:
    started = time.perf_counter()
    if mode == "plain":
        result = decode(BOMBS[name])
    else:  # the bomb inside a correctly encrypted message
        query, body = SERVER.request_for(BOMBS[name].decode(), "safe")
        result = _decode_with(query, body)
    assert_rejected(result)
    assert time.perf_counter() - started < 1.0


@PROPERTY
@given(st.one_of(
    st.binary(max_size=1000),
    st.sampled_from(list(BOMBS.values())),
    st.builds(lambda c: message_xml("o-p", "text", {"Content": c}).encode(), xml_text),
), st.sampled_from(["plain", "safe", "unsigned", "old"]))
def test_the_bridge_answers_everything_without_a_500(body: bytes, mode: str) -> None:
    bridge = WeChatBridge(CONFIG, _silent_rasa)
    query = SERVER.signed_query()
    if mode == "safe":
        query, body = SERVER.request_for(body.decode("utf-8", "ignore"), "safe")
    elif mode == "unsigned":
        query["signature"] = "0" * 40
    elif mode == "old":
        query = SERVER.signed_query(timestamp=1_000_000_000)
    reply = asyncio.run(bridge.handle_post(query, body, lambda _: None))
    assert reply.status in (200, 400, 403, 413)
    if mode in ("unsigned", "old"):
        assert reply.status == 403


def test_oversized_body_is_a_413() -> None:
    assert_rejected(decode(b"<xml>" + b" " * MAX_BODY_BYTES + b"</xml>"), 413)


async def _silent_rasa(message: object) -> None:
    return None
