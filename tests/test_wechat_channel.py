"""The WeChat channel in-process: the bridge with a scripted Rasa, against the API stand-in.

Fast and deterministic (short passive budgets); tests/test_wechat_e2e.py runs the same
paths against the real assistant.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable, Optional

import pytest
import yaml
from rasa.core.channels.channel import UserMessage

from bot.channels import inbound, polite
from bot.channels import wechat as channel
from bot.channels.wechat import (
    MAX_BODY_BYTES,
    RateLimiter,
    TTLCache,
    WeChatApi,
    WeChatBridge,
    WeChatConfig,
    WeChatInput,
    api_messages,
    outcome_from,
    plan_passive,
    split_utf8,
)
from bot.settings import PROJECT_ROOT
from tests.wechat_fixtures import api_standin, standin, wechat_environment  # noqa: F401  (fixtures)
from tests.wechat_standin import (
    TEST_AES_KEY,
    TEST_APP_ID,
    TEST_APP_SECRET,
    TEST_TOKEN,
    WeChatApiStandIn,
    WeChatServerStandIn,
    message_xml,
    next_msg_id,
)

DOMAIN = yaml.safe_load((PROJECT_ROOT / "bot" / "domain" / "wechat.yml").read_text(encoding="utf-8"))


def domain_text(name: str) -> Optional[str]:
    return DOMAIN["responses"][name][0]["text"]


Script = Callable[[str], list[dict[str, Any]]]


class ScriptedRasa:
    """Stands in for Rasa's `on_new_message`: answers from a script, after a delay."""

    def __init__(self, script: Script, delay: float = 0.0) -> None:
        self.script = script
        self.delay = delay
        self.received: list[UserMessage] = []

    @property
    def texts(self) -> list[str]:
        return [m.text or "" for m in self.received]

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message)
        await asyncio.sleep(self.delay)
        for reply in self.script(message.text or ""):
            await message.output_channel.send_response(message.sender_id, dict(reply))


def echo(text: str) -> list[dict[str, Any]]:
    return [{"text": f"收到：{text}"}]


def config(**overrides: Any) -> WeChatConfig:
    values: dict[str, Any] = dict(
        token=TEST_TOKEN, app_id=TEST_APP_ID, app_secret=TEST_APP_SECRET, aes_key=TEST_AES_KEY,
        passive_reply_seconds=1.0, rate_limit_per_minute=10,
        click_payloads={"POLICY_MEDICAL": "/ask_medical_insurance"},
    )
    values.update(overrides)
    return WeChatConfig(**values)


# A fake webhook URL: these tests call the bridge directly.
server = WeChatServerStandIn("http://unused/webhooks/wechat/webhook")


class Harness:
    """A bridge on a fresh event loop, and WeChat's side of the conversation."""

    def __init__(self, rasa: ScriptedRasa, cfg: WeChatConfig, standin: Optional[WeChatApiStandIn]):
        self.rasa = rasa
        self.api = WeChatApi(standin.base_url, TEST_APP_ID, TEST_APP_SECRET, backoff=0.01) if standin else None
        self.bridge = WeChatBridge(cfg, rasa, self.api)

    async def push(self, xml: str, mode: str = "safe") -> tuple[int, dict[str, Any], str]:
        query, body = server.request_for(xml, mode)
        reply = await self.bridge.handle_post(query, body, domain_text)
        decoded = server.decode_reply(reply.body.encode(), query) if reply.body.startswith("<xml") else {}
        return reply.status, decoded, reply.body

    async def text(self, openid: str, content: str, mode: str = "safe", **kw: Any) -> tuple[int, dict[str, Any], str]:
        return await self.push(message_xml(openid, "text", {"Content": content}, **kw), mode)

    async def close(self) -> None:
        await self.bridge.drain(10)
        if self.api:
            await self.api.close()


def run(rasa: ScriptedRasa, cfg: WeChatConfig, standin: Optional[WeChatApiStandIn],
        scenario: Callable[[Harness], Any]) -> Any:
    async def main() -> Any:
        harness = Harness(rasa, cfg, standin)
        try:
            return await scenario(harness)
        finally:
            await harness.close()

    return asyncio.run(main())


# ------------------------------------------------------------------------------ formats


def test_split_keeps_lines_whole_and_never_cuts_a_character() -> None:
    line = "第一条：医保政策宣讲由区医保局负责。" * 18  # 972 bytes: two lines fit in 2048
    text = "\n".join([line] * 5)
    chunks = split_utf8(text)
    assert len(chunks) == 3
    assert all(len(c.encode()) <= 2048 for c in chunks)
    assert "\n".join(chunks) == text
    assert all(set(c.split("\n")) == {line} for c in chunks)


def test_split_long_line_at_sentence_end_and_emoji_safe() -> None:
    text = ("办理医保需要携带身份证。" * 200) + ("😀" * 700)
    chunks = split_utf8(text)
    assert all(len(c.encode("utf-8")) <= 2048 for c in chunks)
    assert "".join(chunks) == text
    assert chunks[0].endswith("。")


def test_buttons_are_numbered_across_the_turn_and_become_msgmenu_in_the_api() -> None:
    outcome = outcome_from([
        {"text": "请选择：", "buttons": [{"title": "医保政策", "payload": "/ask_medical_insurance"},
                                       {"title": "就业和社保", "payload": "/ask_employment_social_security"}]},
        {"text": "或者：", "buttons": [{"title": "政务开放日", "payload": "/ask_open_day"}]},
    ])
    passive, rest = plan_passive("o1", outcome.messages, "回复数字即可：")
    assert passive == "请选择：\n\n回复数字即可：\n1. 医保政策\n2. 就业和社保\n\n或者：\n\n回复数字即可：\n3. 政务开放日"
    assert rest == []
    bodies = api_messages("o1", outcome.messages)
    assert bodies[0]["msgtype"] == "msgmenu"
    assert bodies[0]["msgmenu"]["list"] == [{"id": "1", "content": "医保政策"}, {"id": "2", "content": "就业和社保"}]
    assert bodies[1]["msgmenu"] == {"head_content": "或者：", "list": [{"id": "3", "content": "政务开放日"}], "tail_content": ""}


def test_passive_reply_takes_what_fits_and_the_rest_follows() -> None:
    big = "甲" * 600  # 1800 bytes
    outcome = outcome_from([{"text": big}, {"text": "乙" * 600}, {"text": "丙"}])
    passive, rest = plan_passive("o1", outcome.messages, None)
    assert passive == big
    assert [b["text"]["content"] for b in rest] == ["乙" * 600, "丙"]
    outcome = outcome_from([{"text": "短"}, {"text": "也短"}])
    assert plan_passive("o1", outcome.messages, None) == ("短\n\n也短", [])


def test_ttl_cache_and_rate_limiter_follow_the_clock() -> None:
    now = [0.0]
    cache: TTLCache[str, int] = TTLCache(10, max_entries=2, clock=lambda: now[0])
    cache["a"], cache["b"], cache["c"] = 1, 2, 3
    assert cache.get("a") is None and cache.get("c") == 3  # bounded: the oldest went
    now[0] = 11
    assert cache.get("c") is None and len(cache) == 0
    limiter = RateLimiter(3, clock=lambda: now[0])
    assert [limiter.allow("o") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("other")
    now[0] += 20  # one token back every 20 s
    assert limiter.allow("o") and not limiter.allow("o")


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


# ------------------------------------------------------------------------------ once, in time


def test_retries_are_processed_once_and_get_the_same_reply(standin: WeChatApiStandIn) -> None:
    rasa = ScriptedRasa(echo, delay=0.3)
    msg_id = next_msg_id()

    async def scenario(h: Harness) -> list[dict[str, Any]]:
        xml = message_xml("o-retry", "text", {"Content": "医保"}, msg_id=msg_id)
        first = await asyncio.gather(*(h.push(xml, "safe") for _ in range(3)))
        later = await h.push(xml, "plain")
        return [r[1] for r in first] + [later[1]]

    replies = run(rasa, config(), standin, scenario)
    assert rasa.texts == ["医保"]
    assert rasa.received[0].message_id == str(msg_id)
    assert {r["Content"] for r in replies} == {"收到：医保"}
    assert standin.sent == []


def test_a_slow_reply_is_success_now_and_arrives_through_the_api(standin: WeChatApiStandIn) -> None:
    rasa = ScriptedRasa(echo, delay=0.8)
    xml = message_xml("o-slow", "text", {"Content": "慢问题"})

    async def scenario(h: Harness) -> tuple[float, list[tuple[int, str]]]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        first = await h.push(xml)
        elapsed = loop.time() - started
        retry = await h.push(xml)  # WeChat retried: still no passive reply, no second run
        await h.bridge.drain(5)
        after = await h.push(xml)  # a late retry must not answer passively a second time
        return elapsed, [(first[0], first[2]), (retry[0], retry[2]), (after[0], after[2])]

    elapsed, answers = run(rasa, config(passive_reply_seconds=0.2), standin, scenario)
    assert elapsed < 0.5
    assert answers == [(200, "success")] * 3
    assert rasa.texts == ["慢问题"]
    assert standin.messages_to("o-slow") == [
        {"touser": "o-slow", "msgtype": "text", "text": {"content": "收到：慢问题"}}
    ]


def test_several_messages_first_passive_rest_through_the_api(standin: WeChatApiStandIn) -> None:
    long_text = "\n".join(["关于医保政策的详细说明。" * 30] * 3)  # > 2048 bytes
    rasa = ScriptedRasa(lambda _: [
        {"text": long_text},
        {"text": "还想了解：", "buttons": [{"title": "就业和社保", "payload": "/ask_employment_social_security"}]},
    ])

    async def scenario(h: Harness) -> dict[str, Any]:
        _, reply, _ = await h.text("o-long", "医保")
        await h.bridge.drain(5)
        return reply

    reply = run(rasa, config(), standin, scenario)
    sent = standin.messages_to("o-long")
    chunks = split_utf8(long_text)
    assert len(chunks) == 3
    assert reply["Content"] == chunks[0]
    assert [m["text"]["content"] for m in sent[:2]] == chunks[1:]
    assert sent[2]["msgtype"] == "msgmenu"
    assert sent[2]["msgmenu"]["list"] == [{"id": "1", "content": "就业和社保"}]


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


# ------------------------------------------------------------------------------ hand-off, limits


HANDOFF = [{"text": "正在为您转接人工客服，请稍候。"}, {"custom": {"handoff": {"ticket": "T-1"}}}]


def test_handoff_sends_the_text_then_transfers(standin: WeChatApiStandIn) -> None:
    rasa = ScriptedRasa(lambda text: HANDOFF if text == "转人工" else echo(text))

    async def scenario(h: Harness) -> dict[str, Any]:
        return (await h.text("o-ho", "转人工"))[1]

    reply = run(rasa, config(), standin, scenario)
    assert reply["MsgType"] == "transfer_customer_service"
    assert reply["ToUserName"] == "o-ho"
    assert standin.messages_to("o-ho") == [
        {"touser": "o-ho", "msgtype": "text", "text": {"content": "正在为您转接人工客服，请稍候。"}}
    ]


def test_a_late_handoff_transfers_the_next_message(standin: WeChatApiStandIn) -> None:
    rasa = ScriptedRasa(lambda text: HANDOFF if text == "转人工" else echo(text), delay=0.5)

    async def scenario(h: Harness) -> list[tuple[int, dict[str, Any], str]]:
        first = await h.text("o-late", "转人工")
        await h.bridge.drain(5)
        second = await h.text("o-late", "我要投诉")
        third = await h.text("o-late", "在吗")
        return [first, second, third]

    first, second, third = run(rasa, config(passive_reply_seconds=0.1), standin, scenario)
    assert first[2] == "success"
    assert standin.messages_to("o-late")[0]["text"]["content"] == "正在为您转接人工客服，请稍候。"
    assert second[1]["MsgType"] == "transfer_customer_service"
    assert rasa.texts == ["转人工", "在吗"]  # the transferred message went to the agents
    assert third[2] == "success"  # slow again (0.5 s > 0.1 s): through the API


def test_rate_limit_answers_politely_without_a_dialogue_turn() -> None:
    rasa = ScriptedRasa(echo)

    async def scenario(h: Harness) -> list[dict[str, Any]]:
        replies = [(await h.text("o-flood", f"问题{i}"))[1] for i in range(4)]
        replies.append((await h.text("o-calm", "你好"))[1])
        return replies

    replies = run(rasa, config(rate_limit_per_minute=3), None, scenario)
    assert [r["Content"] for r in replies[:3]] == ["收到：问题0", "收到：问题1", "收到：问题2"]
    assert replies[3]["Content"] == domain_text("utter_wechat_rate_limited")
    assert replies[4]["Content"] == "收到：你好"
    assert rasa.texts == ["问题0", "问题1", "问题2", "你好"]


def test_an_exception_in_the_assistant_is_answered_with_success(caplog: pytest.LogCaptureFixture) -> None:
    def broken(_: str) -> list[dict[str, Any]]:
        raise RuntimeError("boom")

    async def scenario(h: Harness) -> str:
        return (await h.text("o-err", "你好"))[2]

    with caplog.at_level(logging.ERROR):
        assert run(ScriptedRasa(broken), config(), None, scenario) == "success"


# ------------------------------------------------------------------------------ the API client


def api_run(standin: WeChatApiStandIn, scenario: Callable[[WeChatApi], Any], **kw: Any) -> Any:
    async def main() -> Any:
        api = WeChatApi(standin.base_url, TEST_APP_ID, TEST_APP_SECRET, backoff=0.01, **kw)
        try:
            return await scenario(api)
        finally:
            await api.close()

    return asyncio.run(main())


def text_body(openid: str, text: str) -> dict[str, Any]:
    return {"touser": openid, "msgtype": "text", "text": {"content": text}}


def test_token_is_cached_and_refreshed_on_40001_and_42001(standin: WeChatApiStandIn) -> None:
    before = len(standin.tokens_issued)

    async def scenario(api: WeChatApi) -> list[int]:
        codes = [await api.send_custom(text_body("o-tok", "一")), await api.send_custom(text_body("o-tok", "二"))]
        standin.fail_next(40001)
        codes.append(await api.send_custom(text_body("o-tok", "三")))
        standin.fail_next(42001)
        codes.append(await api.send_custom(text_body("o-tok", "四")))
        standin.expire_tokens()  # another server took a new token
        codes.append(await api.send_custom(text_body("o-tok", "五")))
        return codes

    assert api_run(standin, scenario) == [0, 0, 0, 0, 0]
    assert len(standin.tokens_issued) - before == 4
    assert [m["text"]["content"] for m in standin.messages_to("o-tok")] == ["一", "二", "三", "四", "五"]


def test_token_is_refreshed_before_it_expires(standin: WeChatApiStandIn) -> None:
    now = [1000.0]
    before = len(standin.tokens_issued)

    async def scenario(api: WeChatApi) -> None:
        first = await api.access_token()
        now[0] += 6000
        assert await api.access_token() == first
        now[0] += 1000  # 7000 s: within five minutes of the 7200 s expiry
        assert await api.access_token() != first

    api_run(standin, scenario, clock=lambda: now[0])
    assert len(standin.tokens_issued) - before == 2


def test_45015_and_45047_are_logged_and_not_retried(standin: WeChatApiStandIn, caplog: pytest.LogCaptureFixture) -> None:
    standin.silent_users.add("o-silent")
    bridge = WeChatBridge(config(), ScriptedRasa(echo))

    async def scenario(api: WeChatApi) -> None:
        bridge.api = api
        await bridge._send_all([text_body("o-silent", "一"), text_body("o-silent", "二")])
        standin.fail_next(45047)
        await bridge._send_all([text_body("o-busy", "一"), text_body("o-busy", "二")])

    with caplog.at_level(logging.WARNING, logger="bot.channels.wechat"):
        api_run(standin, scenario)
    assert [(a["touser"], a["errcode"]) for a in standin.attempts] == [("o-silent", 45015), ("o-busy", 45047)]
    assert "45015" in caplog.text and "45047" in caplog.text


def test_an_unreachable_api_gives_up_after_bounded_retries() -> None:
    from ops.supervisor import free_port

    async def scenario() -> int:
        api = WeChatApi(f"http://127.0.0.1:{free_port()}", TEST_APP_ID, TEST_APP_SECRET, backoff=0.01)
        try:
            return await api.send_custom(text_body("o-x", "一"))
        finally:
            await api.close()

    assert asyncio.run(scenario()) == -2


def test_wrong_app_secret_is_reported(standin: WeChatApiStandIn) -> None:
    async def scenario() -> int:
        api = WeChatApi(standin.base_url, TEST_APP_ID, "wrong", backoff=0.01)
        try:
            return await api.send_custom(text_body("o-x", "一"))
        finally:
            await api.close()

    assert asyncio.run(scenario()) == 40125


# ------------------------------------------------------------------------------ configuration


def test_channel_configuration_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(wechat_environment("x")) + ["WECHAT_PASSIVE_REPLY_SECONDS"]:
        monkeypatch.delenv(name, raising=False)
    unconfigured = WeChatInput.from_credentials(None)
    assert not unconfigured.config.enabled and unconfigured.problem is None
    # The menu file maps the EventKeys of bot/wechat_menu.yml.
    assert unconfigured.config.click_payloads["HUMAN"] == "/request_human"

    for name, value in wechat_environment("http://127.0.0.1:9/").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("WECHAT_PASSIVE_REPLY_SECONDS", "30")
    configured = WeChatInput.from_credentials({"click_payloads": {"EXTRA": "/greet"}})
    cfg = configured.config
    assert cfg.enabled and cfg.can_decrypt and cfg.can_call_api
    assert cfg.api_base_url == "http://127.0.0.1:9"
    assert cfg.passive_reply_seconds == 4.5  # WeChat waits 5 s at most
    assert cfg.click_payloads["EXTRA"] == "/greet" and cfg.click_payloads["SIGN_UP"] == "/sign_up"

    monkeypatch.setenv("WECHAT_AES_KEY", "too-short")
    broken = WeChatInput.from_credentials(None)
    assert not broken.config.enabled and "43-character" in (broken.problem or "")


def test_channel_mounts_at_the_webhook_path() -> None:
    assert WeChatInput.name() == "wechat"
    assert WeChatInput(WeChatConfig()).url_prefix() == "wechat"  # Rasa: /webhooks/wechat/...
    assert channel.CHANNEL_NAME == "wechat"
    assert Path(channel.DEFAULT_MENU_FILE).exists()
