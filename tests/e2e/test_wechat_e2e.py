"""The WeChat channel end to end: a stand-in for WeChat's servers signs and encrypts
messages with wechatpy's own crypto and pushes them to the REAL running assistant (Rasa
server with the channel + action server); late replies arrive at the API stand-in."""
from __future__ import annotations

import os
import signal
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
import yaml

from bot.settings import PROJECT_ROOT
from tests.wechat_standin import (
    WeChatApiStandIn,
    WeChatServerStandIn,
    message_xml,
    next_msg_id,
)

if TYPE_CHECKING:
    from tests.conftest import RunningAssistant

WECHAT_DOMAIN = yaml.safe_load((PROJECT_ROOT / "bot" / "domain" / "wechat.yml").read_text(encoding="utf-8"))
BASICS_DOMAIN = yaml.safe_load((PROJECT_ROOT / "bot" / "domain" / "basics.yml").read_text(encoding="utf-8"))
QUESTION = "医保宣讲是哪个单位负责的"


def responses(domain: dict, name: str) -> set[str]:
    return {v["text"] for v in domain["responses"][name]}


def openid() -> str:
    return f"o-test-{uuid.uuid4().hex[:12]}"


def user_events(assistant: "RunningAssistant", sender: str) -> list[dict]:
    return [e for e in assistant.tracker(sender)["events"] if e["event"] == "user"]


def test_url_verification(wechat: WeChatServerStandIn) -> None:
    assert wechat.verify_url("echo-42") == (200, "echo-42")
    status, _ = wechat.verify_url("echo-42", signature="0" * 40)
    assert status == 403


@pytest.mark.parametrize("mode", ["plain", "compatible", "safe"])
def test_a_question_is_answered_in_each_mode(wechat: WeChatServerStandIn, mode: str) -> None:
    result = wechat.text(openid(), QUESTION, mode=mode)
    assert result.status == 200 and result.seconds < 5
    assert result.msg_type == "text"
    assert "医保局" in result.text
    assert (b"<Encrypt>" in result.body) == (mode != "plain")


def test_the_openid_carries_the_conversation(wechat: WeChatServerStandIn, running_assistant: "RunningAssistant") -> None:
    sender = openid()
    assert "医保局" in wechat.text(sender, QUESTION).text
    assert wechat.text(sender, "它讲啥内容").text
    events = user_events(running_assistant, sender)
    assert [e["text"] for e in events] == [QUESTION, "它讲啥内容"]
    assert all(e["input_channel"] == "wechat" for e in events)


def test_retries_are_processed_once(wechat: WeChatServerStandIn, running_assistant: "RunningAssistant") -> None:
    sender, msg_id = openid(), next_msg_id()
    xml = message_xml(sender, "text", {"Content": QUESTION}, msg_id=msg_id)

    def push(mode: str) -> str:
        query, body = wechat.request_for(xml, mode)  # a retry has a new timestamp and nonce
        result = wechat.post(query, body)
        assert result.status == 200 and result.seconds < 5
        return result.text

    with ThreadPoolExecutor(3) as pool:
        concurrent = list(pool.map(push, ["safe", "safe", "compatible"]))
    later = [push("safe"), push("plain")]
    assert len(set(concurrent + later)) == 1 and "医保局" in concurrent[0]
    events = [e for e in user_events(running_assistant, sender) if e.get("message_id") == str(msg_id)]
    assert len(events) == 1


def test_message_types(wechat: WeChatServerStandIn) -> None:
    sender = openid()
    greeting = wechat.send(sender, "event", Event="subscribe")
    assert greeting.text in responses(BASICS_DOMAIN, "utter_greet")
    voice = wechat.send(sender, "voice", MediaId="m1", Format="amr", Recognition=QUESTION + "。")
    assert "医保局" in voice.text
    unheard = wechat.send(sender, "voice", MediaId="m2", Format="amr")
    assert unheard.text in responses(WECHAT_DOMAIN, "utter_wechat_voice_unrecognised")
    for msg_type, fields in [("image", {"PicUrl": "http://example.invalid/a.jpg", "MediaId": "m3"}),
                             ("location", {"Location_X": "39.73", "Location_Y": "116.34", "Scale": "15", "Label": "大兴区"})]:
        reply = wechat.send(sender, msg_type, **fields)
        assert reply.text in responses(WECHAT_DOMAIN, "utter_wechat_unsupported")
    click = wechat.send(sender, "event", Event="CLICK", EventKey="POLICY_MEDICAL")
    assert click.status == 200 and "医保" in click.text
    view = wechat.send(sender, "event", Event="VIEW", EventKey="https://example.invalid")
    assert view.body == b"success"


def test_buttons_become_numbers(wechat: WeChatServerStandIn, running_assistant: "RunningAssistant") -> None:
    sender = openid()
    identity = wechat.text(sender, "你是谁")
    assert "回复数字即可" in identity.text and "1. 医保政策" in identity.text
    chosen = wechat.text(sender, "１")
    assert chosen.status == 200 and chosen.text
    assert user_events(running_assistant, sender)[-1]["text"] == "/ask_medical_insurance"


def test_malformed_requests_get_4xx_never_5xx(wechat: WeChatServerStandIn) -> None:
    query = wechat.signed_query()
    assert wechat.post(query, b"\x00\xffnot xml").status == 400
    assert wechat.post(query, b"<xml><ToUserName>gh</ToUserName>").status == 400
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            b"<xml><Content>&b;</Content></xml>")
    assert wechat.post(query, bomb).status == 400
    assert wechat.post(query, b"<xml>" + b" " * (65 * 1024) + b"</xml>").status == 413
    assert wechat.post({**query, "signature": "0" * 40}, b"<xml/>").status == 403
    stale = wechat.signed_query(timestamp=int(time.time()) - 3600)
    assert wechat.post(stale, message_xml(openid(), "text", {"Content": "你好"}).encode()).status == 403


@contextmanager
def paused(pid: int, seconds: float) -> Iterator[None]:
    """The action server frozen (SIGSTOP) for `seconds` from now, as if an action took that
    long (a slow database, a GC pause) — no test-only code in the assistant."""
    until = time.monotonic() + seconds
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        time.sleep(max(0.0, until - time.monotonic()))
        os.kill(pid, signal.SIGCONT)


def test_a_slow_action_answers_success_in_time_and_delivers_later(
    wechat: WeChatServerStandIn, wechat_api: WeChatApiStandIn, running_assistant: "RunningAssistant"
) -> None:
    """A 7-second action: WeChat gets `success` within its 5 s, the reply comes through the
    customer-service API (with a token refreshed after WeChat rejects the first one)."""
    sender = openid()
    tokens_before = len(wechat_api.tokens_issued)
    wechat_api.fail_next(40001)  # the first send is refused: the channel refreshes its token
    actions = running_assistant.assistant.processes["actions"]
    started = time.monotonic()
    with paused(actions.pid, 7.0):
        result = wechat.text(sender, QUESTION)
        assert result.status == 200 and result.body == b"success"
        assert result.seconds < 5.0
        assert wechat_api.messages_to(sender) == []  # nothing yet: the action is still running
    sent = wechat_api.wait_for(lambda s: any(m.get("touser") == sender for m in s), timeout=30)
    delivered = [m for m in sent if m.get("touser") == sender]
    assert delivered, "the late reply never reached the customer-service API"
    assert time.monotonic() - started >= 7.0
    texts = [m["text"]["content"] if m["msgtype"] == "text" else m["msgmenu"]["head_content"] for m in delivered]
    assert "医保局" in "\n".join(texts)
    assert len(wechat_api.tokens_issued) - tokens_before >= 1
    assert any(a.get("touser") == sender and a["errcode"] == 40001 for a in wechat_api.attempts)
    assert len(user_events(running_assistant, sender)) == 1
