"""The WeChat channel's API client and configuration: access tokens cached and refreshed
(errcodes 40001 and 42001, before expiry), errcodes 45015 and 45047 logged and not retried,
an unreachable API or a wrong AppSecret reported; the channel configured from the
environment and mounted at its webhook path.

Against the WeChat API stand-in (tests/wechat_standin.py).
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, Callable

import pytest

from bot.channels import wechat as channel
from bot.channels.wechat import WeChatApi, WeChatBridge, WeChatConfig, WeChatInput
from tests.integration.wechat_channel_support import ScriptedRasa, config, echo
from tests.wechat_fixtures import api_standin, standin, wechat_environment  # noqa: F401  (fixtures)
from tests.wechat_standin import TEST_APP_ID, TEST_APP_SECRET, WeChatApiStandIn


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
