"""The WeChat channel's state in Redis (bot/channels/wechat/shared_state.py), with a real
redis-server: two bridges stand for two Rasa processes behind the load balancer. A retry of
WeChat's that reaches the other process is not processed again and gets the same reply;
buttons, pending hand-offs and the rate limit are shared; without Redis the channel still
answers (issue 19)."""
from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.channels.wechat import WeChatBridge
from bot.channels.wechat.shared_state import RedisState
from ops.redis import RedisServer
from tests.integration.wechat_channel_support import ScriptedRasa, config, domain_text, echo, server
from tests.wechat_standin import message_xml


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    redis = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield redis.url(3)
    finally:
        redis.stop()


class Process:
    """One Rasa process's WeChat bridge, its state in the shared Redis."""

    def __init__(self, rasa: ScriptedRasa, url: str, name: str, **overrides: Any) -> None:
        cfg = config(**overrides)
        self.state = RedisState(url, cfg.rate_limit_per_minute, owner=name)
        self.bridge = WeChatBridge(cfg, rasa, None, state=self.state)

    async def push(self, xml: str) -> tuple[int, dict[str, Any], str]:
        query, body = server.request_for(xml, "safe")
        reply = await self.bridge.handle_post(query, body, domain_text)
        decoded = server.decode_reply(reply.body.encode(), query) if reply.body.startswith("<xml") else {}
        return reply.status, decoded, reply.body

    async def close(self) -> None:
        await self.bridge.drain(5)
        await self.state.close()


def _two(rasa: ScriptedRasa, url: str, **overrides: Any) -> tuple[Process, Process]:
    return Process(rasa, url, "rasa-1", **overrides), Process(rasa, url, "rasa-2", **overrides)


def test_a_retry_that_reaches_the_other_process_is_answered_once(redis_url: str) -> None:
    rasa = ScriptedRasa(echo, delay=0.3)

    async def scenario() -> list[tuple[int, dict[str, Any], str]]:
        one, two = _two(rasa, redis_url)
        xml = message_xml("o-shared-retry", "text", {"Content": "医保宣讲谁负责"}, msg_id=880001)
        try:
            first = asyncio.create_task(one.push(xml))
            await asyncio.sleep(0.05)  # WeChat retries while the first is being answered
            return [await two.push(xml), await first, await two.push(xml)]
        finally:
            await one.close()
            await two.close()

    replies = asyncio.run(scenario())
    assert rasa.texts == ["医保宣讲谁负责"]  # processed once, by the process that saw it first
    assert [r[1].get("Content") for r in replies] == ["收到：医保宣讲谁负责"] * 3


def test_a_reply_that_goes_through_the_api_is_success_on_the_other_process(redis_url: str) -> None:
    rasa = ScriptedRasa(echo, delay=1.5)  # longer than the passive window (1 s in these tests)

    async def scenario() -> list[str]:
        one, two = _two(rasa, redis_url)
        xml = message_xml("o-shared-late", "text", {"Content": "开放日有哪些"}, msg_id=880002)
        try:
            first = asyncio.create_task(one.push(xml))
            await asyncio.sleep(0.05)
            return [(await two.push(xml))[2], (await first)[2]]
        finally:
            await one.close()
            await two.close()

    assert asyncio.run(scenario()) == ["success", "success"]
    assert rasa.texts == ["开放日有哪些"]


def test_buttons_hand_offs_and_the_rate_limit_are_shared(redis_url: str) -> None:
    async def scenario() -> None:
        one, two = _two(ScriptedRasa(echo), redis_url, rate_limit_per_minute=3)
        try:
            await one.state.set_buttons("o-shared", {1: "/ask_open_day", 2: "/ask_policy_lecture"})
            assert await two.state.buttons("o-shared") == {1: "/ask_open_day", 2: "/ask_policy_lecture"}
            await two.state.set_buttons("o-shared", {})
            assert await one.state.buttons("o-shared") is None

            await one.state.mark_handoff("o-shared")
            assert await two.state.take_handoff("o-shared") is True
            assert await one.state.take_handoff("o-shared") is False  # taken once

            allowed = [await state.allow("o-shared-rate") for state in (one.state, two.state) * 3]
            assert allowed == [True, True, True, False, False, False]  # 3 a minute, both processes
        finally:
            await one.close()
            await two.close()

    asyncio.run(scenario())


def test_without_redis_the_channel_still_answers(tmp_path: Path) -> None:
    redis = RedisServer(tmp_path).start()
    url = redis.url(3)
    redis.stop()  # configured, but gone
    rasa = ScriptedRasa(echo)

    async def scenario() -> tuple[int, dict[str, Any], str]:
        one = Process(rasa, url, "rasa-1")
        try:
            return await one.push(message_xml("o-no-redis", "text", {"Content": "你好"}, msg_id=880003))
        finally:
            await one.close()

    status, reply, _ = asyncio.run(scenario())
    assert status == 200 and reply["Content"] == "收到：你好" and rasa.texts == ["你好"]
