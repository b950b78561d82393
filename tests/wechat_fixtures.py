"""Fixtures for the WeChat channel tests; tests/conftest.py imports them.

`wechat_api` must start before `running_assistant`: the Rasa server reads the WECHAT_*
variables when it starts (conftest makes `running_assistant` depend on it).
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.wechat_standin import (
    TEST_AES_KEY,
    TEST_APP_ID,
    TEST_APP_SECRET,
    TEST_TOKEN,
    WeChatApiStandIn,
    WeChatServerStandIn,
)

if TYPE_CHECKING:
    from tests.conftest import RunningAssistant


def wechat_environment(api_base_url: str) -> dict[str, str]:
    """What a deployment sets, pointing the API client at the stand-in."""
    return {
        "WECHAT_TOKEN": TEST_TOKEN,
        "WECHAT_APP_ID": TEST_APP_ID,
        "WECHAT_APP_SECRET": TEST_APP_SECRET,
        "WECHAT_AES_KEY": TEST_AES_KEY,
        "WECHAT_API_BASE_URL": api_base_url,
    }


@pytest.fixture(scope="session")
def wechat_api(session_monkeypatch: pytest.MonkeyPatch) -> Iterator[WeChatApiStandIn]:
    """WeChat's token and customer-service APIs on a local port, for the whole session."""
    standin = WeChatApiStandIn()
    base_url = standin.start()
    for name, value in wechat_environment(base_url).items():
        session_monkeypatch.setenv(name, value)
    # Late replies the stand-in refuses are retried after 0.2 s, 0.4 s, ... (production: 5 s).
    session_monkeypatch.setenv("WECHAT_DELIVERY_BACKOFF_SECONDS", "0.2")
    try:
        yield standin
    finally:
        standin.stop()


@pytest.fixture
def wechat(running_assistant: "RunningAssistant", wechat_api: WeChatApiStandIn) -> WeChatServerStandIn:
    """WeChat's servers pushing to the running assistant's channel (fails clearly if the
    channel is not in bot/credentials.yml or started without the WECHAT_* variables)."""
    url = f"{running_assistant.base_url}/webhooks/wechat/"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            status = json.loads(response.read()).get("status")
    except urllib.error.HTTPError as error:
        pytest.fail(f"{url} answered {error.code}: is bot.channels.wechat.WeChatInput in "
                    "bot/credentials.yml?")
    if status != "ok":
        pytest.fail("the WeChat channel started without WECHAT_TOKEN: `running_assistant` "
                    "must depend on the `wechat_api` fixture (tests/wechat_fixtures.py)")
    # The action server builds its knowledge-base snapshot on the first question (seconds);
    # the passive-reply tests measure a warm assistant, as WeChat meets it in service.
    running_assistant.say("wechat-warm-up", "医保宣讲是哪个单位负责的")
    return WeChatServerStandIn(f"{running_assistant.base_url}/webhooks/wechat/webhook")


@pytest.fixture(scope="module")
def api_standin() -> Iterator[WeChatApiStandIn]:
    """A WeChat API stand-in of its own for one test module (in-process channel tests)."""
    standin = WeChatApiStandIn()
    standin.start()
    yield standin
    standin.stop()


@pytest.fixture
def standin(api_standin: WeChatApiStandIn) -> WeChatApiStandIn:
    """The module's stand-in, with what earlier tests sent and injected failures cleared."""
    api_standin.reset()
    return api_standin
