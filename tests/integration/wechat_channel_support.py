"""What the in-process WeChat channel tests share: the bridge with a scripted Rasa.

`ScriptedRasa` stands in for Rasa's `on_new_message` and answers from a script (`echo`
repeats the text); `config(**overrides)` is a `WeChatConfig` for the stand-ins with short
passive budgets; `Harness` is a bridge and WeChat's side of the conversation (`server`
signs and encrypts what it pushes), `run(rasa, cfg, standin, scenario)` runs an async
scenario on a fresh event loop and returns what it returns; `domain_text(name)` is a
response text of bot/domain/wechat.yml. Used by tests/integration/test_wechat_channel_*.py
and tests/integration/test_wechat_delivery.py.
"""
from __future__ import annotations

import asyncio
from typing import Any, Callable, Optional

import yaml
from rasa.core.channels.channel import UserMessage

from bot.channels.wechat import WeChatApi, WeChatBridge, WeChatConfig
from bot.settings import PROJECT_ROOT
from tests.wechat_standin import (
    TEST_AES_KEY,
    TEST_APP_ID,
    TEST_APP_SECRET,
    TEST_TOKEN,
    WeChatApiStandIn,
    WeChatServerStandIn,
    message_xml,
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
