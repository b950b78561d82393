"""The WeChat channel in-process, what goes back: how replies are shaped (UTF-8 splitting,
numbered buttons and msgmenu, what fits the passive reply), each message answered once
and in time (WeChat's retries, slow replies through the customer-service API, several
messages), the hand-off to WeChat's customer service, the rate limit and errors in the
assistant.

The bridge with a scripted Rasa (tests/integration/wechat_channel_support.py), against the
API stand-in, with short passive budgets; tests/e2e/test_wechat_e2e.py runs the same paths
against the real assistant.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from bot.channels.wechat import (
    RateLimiter,
    TTLCache,
    api_messages,
    outcome_from,
    plan_passive,
    split_utf8,
)
from tests.integration.wechat_channel_support import (
    Harness,
    ScriptedRasa,
    config,
    domain_text,
    echo,
    run,
)
from tests.wechat_fixtures import api_standin, standin  # noqa: F401  (fixtures)
from tests.wechat_standin import WeChatApiStandIn, message_xml, next_msg_id


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
