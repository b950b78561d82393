"""The WeChat channel in-process, what WeChat pushes: signed and encrypted requests are
checked (URL verification, the three encryption modes, bad requests refused with the right
status, reply text that would break CDATA), and each kind of message or event a citizen
sends becomes what the dialogue receives (numbers and menu clicks, message types, event
and click de-duplication, which payloads are marked as the channel's, typed payloads).

The bridge with a scripted Rasa (tests/integration/wechat_channel_support.py), against the
API stand-in; tests/e2e/test_wechat_e2e.py runs the same paths against the real assistant.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import pytest

from bot.channels import inbound, polite
from bot.channels.wechat import MAX_BODY_BYTES, WeChatBridge, WeChatConfig
from tests.integration.wechat_channel_support import (
    Harness,
    ScriptedRasa,
    config,
    domain_text,
    echo,
    run,
    server,
)
from tests.wechat_fixtures import api_standin, standin  # noqa: F401  (fixtures)
from tests.wechat_standin import WeChatApiStandIn, message_xml


# ------------------------------------------------------------------------------ requests


def test_url_verification_checks_signature_and_time() -> None:
    bridge = WeChatBridge(config(), ScriptedRasa(echo))
    good = {**server.signed_query(), "echostr": "abc"}
    assert bridge.verify_url(good).body == "abc"
    assert bridge.verify_url({**good, "signature": "0" * 40}).status == 403
    old = {**server.signed_query(timestamp=1_600_000_000), "echostr": "abc"}
    assert bridge.verify_url(old).status == 403
    assert bridge.verify_url({"echostr": "abc"}).status == 403
    assert WeChatBridge(WeChatConfig(), ScriptedRasa(echo)).verify_url(good).status == 503


@pytest.mark.parametrize("mode", ["plain", "compatible", "safe"])
def test_each_mode_gets_a_passive_reply(mode: str, standin: WeChatApiStandIn) -> None:
    rasa = ScriptedRasa(echo)

    async def scenario(h: Harness) -> None:
        status, reply, raw = await h.text("o-mode", "你好", mode=mode)
        assert status == 200
        assert reply["MsgType"] == "text" and reply["Content"] == "收到：你好"
        assert reply["ToUserName"] == "o-mode" and reply["FromUserName"] == "gh_daxing_test"
        assert ("<Encrypt>" in raw) == (mode != "plain")

    run(rasa, config(), standin, scenario)
    assert rasa.received[0].sender_id == "o-mode"
    assert rasa.received[0].input_channel == "wechat"


def test_bad_requests_are_refused_with_the_right_status() -> None:
    rasa = ScriptedRasa(echo)

    async def scenario(h: Harness) -> None:
        xml = message_xml("o-bad", "text", {"Content": "你好"})
        query, body = server.request_for(xml, "safe")
        bridge = h.bridge
        assert (await bridge.handle_post({**query, "signature": "f" * 40}, body, domain_text)).status == 403
        assert (await bridge.handle_post({**query, "msg_signature": "f" * 40}, body, domain_text)).status == 403
        old_query, old_body = server.request_for(xml, "safe", timestamp=1_600_000_000)
        assert (await bridge.handle_post(old_query, old_body, domain_text)).status == 403
        plain_query, _ = server.request_for(xml, "plain")
        assert (await bridge.handle_post(plain_query, b"<xml><oops", domain_text)).status == 400
        assert (await bridge.handle_post(plain_query, b"x" * (MAX_BODY_BYTES + 1), domain_text)).status == 413
        assert (await bridge.handle_post(plain_query, b"<xml/>", domain_text, MAX_BODY_BYTES + 1)).status == 413
        tampered = body.replace(b"<Encrypt><![CDATA[", b"<Encrypt><![CDATA[AAAA")
        assert (await bridge.handle_post(query, tampered, domain_text)).status == 403
        strict = WeChatBridge(config(require_encryption=True), rasa)
        assert (await strict.handle_post(plain_query, xml.encode(), domain_text)).status == 403
        no_key = WeChatBridge(config(aes_key=""), rasa)
        assert (await no_key.handle_post(query, body, domain_text)).status == 503
        not_configured = WeChatBridge(WeChatConfig(), rasa)
        reply = await not_configured.handle_post(query, body, domain_text)
        assert reply.status == 503 and "WECHAT_TOKEN" in reply.body

    run(rasa, config(), None, scenario)
    assert rasa.received == []


def test_reply_text_that_would_break_cdata_survives() -> None:
    rasa = ScriptedRasa(lambda _: [{"text": "a]]>b<c>&d\x01"}])

    async def scenario(h: Harness) -> None:
        for mode in ("plain", "safe"):
            status, reply, _ = await h.text("o-cdata", "hi", mode=mode)
            assert status == 200 and reply["Content"] == "a]]>b<c>&d"

    run(rasa, config(), None, scenario)


# ------------------------------------------------------------------------------ what citizens send


def test_numbers_and_menu_clicks_choose_the_last_buttons(standin: WeChatApiStandIn) -> None:
    def script(text: str) -> list[dict[str, Any]]:
        if text == "你是谁":
            return [{"text": "我是助手。", "buttons": [
                {"title": "医保政策", "payload": "/ask_medical_insurance"},
                {"title": "就业和社保", "payload": "/ask_employment_social_security"}]}]
        return [{"text": f"答：{text}"}]

    rasa = ScriptedRasa(script)

    async def scenario(h: Harness) -> list[dict[str, Any]]:
        replies = [(await h.text("o-num", "你是谁"))[1]]
        replies.append((await h.text("o-num", "２"))[1])  # full-width digit
        replies.append((await h.text("o-num", "2"))[1])  # the last reply had no buttons
        await h.text("o-num", "你是谁")
        msgmenu_click = message_xml("o-num", "text", {"Content": "医保政策", "bizmsgmenuid": "1"})
        replies.append((await h.push(msgmenu_click))[1])
        return replies

    replies = run(rasa, config(), standin, scenario)
    assert replies[0]["Content"] == "我是助手。\n\n回复数字即可：\n1. 医保政策\n2. 就业和社保"
    assert rasa.texts == ["你是谁", "/ask_employment_social_security", "2", "你是谁", "/ask_medical_insurance"]


@pytest.mark.parametrize(
    ("msg_type", "fields", "expected"),
    [
        ("voice", {"MediaId": "m1", "Format": "amr", "Recognition": "医保宣讲是哪个单位负责的"}, "医保宣讲是哪个单位负责的"),
        ("voice", {"MediaId": "m1", "Format": "amr"}, "/wechat_voice_unrecognised"),
        ("image", {"PicUrl": "http://example.invalid/a.jpg", "MediaId": "m2"}, "/wechat_unsupported"),
        ("location", {"Location_X": "39.7", "Location_Y": "116.3", "Scale": "15", "Label": "大兴"}, "/wechat_unsupported"),
        ("link", {"Title": "t", "Description": "d", "Url": "http://example.invalid"}, "/wechat_unsupported"),
        ("video", {"MediaId": "m3", "ThumbMediaId": "m4"}, "/wechat_unsupported"),
        ("event", {"Event": "subscribe"}, "/greet"),
        ("event", {"Event": "subscribe", "EventKey": "qrscene_123", "Ticket": "t"}, "/greet"),
        ("event", {"Event": "CLICK", "EventKey": "POLICY_MEDICAL"}, "/ask_medical_insurance"),
        ("event", {"Event": "CLICK", "EventKey": "NO_SUCH_KEY"}, None),
        ("event", {"Event": "VIEW", "EventKey": "http://example.invalid"}, None),
        ("event", {"Event": "unsubscribe"}, None),
        ("event", {"Event": "LOCATION", "Latitude": "39.7", "Longitude": "116.3", "Precision": "30"}, None),
        # passed on as typed: the shared inbound rules (polite) refuse it as a payload
        ("text", {"Content": "/sign_up{\"applicant_name\": \"x\"}"}, "/sign_up{\"applicant_name\": \"x\"}"),
        ("text", {"Content": "   "}, None),
    ],
)
def test_message_types(msg_type: str, fields: dict[str, Any], expected: Optional[str]) -> None:
    rasa = ScriptedRasa(echo)

    async def scenario(h: Harness) -> tuple[int, dict[str, Any], str]:
        return await h.push(message_xml("o-types", msg_type, fields))

    status, reply, raw = run(rasa, config(), None, scenario)
    assert status == 200
    if expected is None:
        assert raw == "success" and rasa.received == []
    else:
        assert rasa.texts == [expected]
        assert reply["Content"] == f"收到：{expected}"


def test_events_are_deduplicated_by_sender_and_time() -> None:
    rasa = ScriptedRasa(echo)

    async def scenario(h: Harness) -> None:
        xml = message_xml("o-ev", "event", {"Event": "subscribe"}, create_time=1_700_000_000)
        await h.push(xml)
        await h.push(xml)
        await h.push(message_xml("o-ev", "event", {"Event": "subscribe"}, create_time=1_700_000_001))

    run(rasa, config(timestamp_window_seconds=300), None, scenario)
    assert rasa.texts == ["/greet", "/greet"]


def test_two_menu_clicks_in_one_second_each_get_their_own_reply() -> None:
    rasa = ScriptedRasa(echo)
    clicks = {"CANCEL_APPLICATION": "/cancel_application", "ACTIVITIES": "/ask_activity_schedule"}

    async def scenario(h: Harness) -> list[dict[str, Any]]:
        def click(key: str) -> str:
            return message_xml("o-clicks", "event", {"Event": "CLICK", "EventKey": key}, create_time=1_700_000_000)

        replies = [(await h.push(click(key)))[1] for key in clicks]
        replies.append((await h.push(click("ACTIVITIES")))[1])  # WeChat's retry of the second
        return replies

    replies = run(rasa, config(click_payloads=clicks), None, scenario)
    assert [r["Content"] for r in replies] == ["收到：/cancel_application", "收到：/ask_activity_schedule",
                                               "收到：/ask_activity_schedule"]
    assert rasa.texts == ["/cancel_application", "/ask_activity_schedule"]
    assert len({m.message_id for m in rasa.received}) == 2


@pytest.mark.parametrize(
    ("msg_type", "fields", "marked"),
    [
        ("event", {"Event": "CLICK", "EventKey": "POLICY_MEDICAL"}, "/ask_medical_insurance"),
        ("event", {"Event": "subscribe"}, "/greet"),
        ("voice", {"MediaId": "m1", "Format": "amr"}, "/wechat_voice_unrecognised"),
        ("image", {"PicUrl": "http://example.invalid/a.jpg", "MediaId": "m2"}, "/wechat_unsupported"),
        ("voice", {"MediaId": "m1", "Format": "amr", "Recognition": "/sign_up"}, None),
        ("text", {"Content": "/sign_up"}, None),
        ("text", {"Content": "/greet"}, None),
        ("text", {"Content": "/ask_medical_insurance"}, None),
    ],
)
def test_only_what_the_channel_generated_is_marked_as_its_payload(
    msg_type: str, fields: dict[str, Any], marked: Optional[str]
) -> None:
    rasa = ScriptedRasa(echo)

    async def scenario(h: Harness) -> None:
        await h.push(message_xml("o-marks", msg_type, fields))

    run(rasa, config(), None, scenario)
    [message] = rasa.received
    assert inbound.marked_payload(message.metadata) == marked
    assert message.metadata["wechat"]["msg_type"] == msg_type


def test_typed_channel_payloads_get_the_polite_reply_through_polite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bridge with the shared inbound rules (polite), as the channel runs it: a typed
    "/sign_up" never reaches the dialogue; the same payload from the menu does."""
    # polite asks the hand-off tickets whether the conversation is with a person: a fresh database
    monkeypatch.setenv("DAXING_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'daxing.db'}")
    rasa = ScriptedRasa(echo)
    typed_command = polite.reply_text(inbound.TYPED_COMMAND)
    clicks = {"SIGN_UP": "/sign_up"}

    async def scenario(h: Harness) -> list[str]:
        h.bridge.on_new_message = polite.polite(rasa)
        replies = [(await h.text("o-typed", text))[1]["Content"] for text in ["/sign_up", "/greet", "/ask_open_day"]]
        click = message_xml("o-typed", "event", {"Event": "CLICK", "EventKey": "SIGN_UP"})
        replies.append((await h.push(click))[1]["Content"])
        return replies

    replies = run(rasa, config(click_payloads=clicks), None, scenario)
    assert replies == [typed_command] * 3 + ["收到：/sign_up"]
    assert rasa.texts == ["/sign_up"]
