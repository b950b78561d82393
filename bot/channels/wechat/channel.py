"""`WeChatInput`: the Rasa input channel that mounts the bridge at `/webhooks/wechat/`.

Routes: `GET /webhooks/wechat/` (health: configured or not, late-reply counts),
`GET /webhooks/wechat/webhook` (WeChat's URL verification), `POST /webhooks/wechat/webhook`
(citizen messages; answered by `WeChatBridge.handle_post`, never with an error page).
bot/credentials.yml names it `bot.channels.wechat.WeChatInput`; configuration comes from
`WeChatConfig.from_credentials` (the WECHAT_* settings, and the menu file the entry names).
User-facing Chinese text comes from the domain (bot/domain/wechat.yml), read by `bot.responses`
like every channel's: `domain_texts`.
"""
from __future__ import annotations

import logging
import os
import socket
from typing import Any, Awaitable, Callable, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import inbound as inbound_rules
from bot.channels.polite import polite
from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.bridge import ResponseTexts, WeChatBridge
from bot.channels.wechat.config import CHANNEL_NAME, WeChatConfig
from bot.channels.wechat.replies import NOT_CONFIGURED, SUCCESS, Reply, split_utf8, text_api_message
from bot.channels.wechat.shared_state import RedisState
from bot.channels.wechat.state import WeChatState
from bot.services import services
from bot.settings import load_settings

log = logging.getLogger(__name__)


def domain_texts() -> ResponseTexts:
    """The channel's texts: name -> a domain response's text (a `channel: wechat` variant
    first, one chosen at random as Rasa does, `{hotline}` filled), or None, logged, for a
    response the domain lacks. Read from the domain files (those the model is trained on) by
    `bot.responses`, once per process."""
    responses = services().responses

    def text(name: str) -> Optional[str]:
        try:
            return responses.choose(name, CHANNEL_NAME)
        except KeyError:
            log.error("WeChat channel: the domain has no response %s", name)
            return None

    return text


class WeChatCustomerService(OutputChannel):
    """Messages outside a citizen's turn (a staff reply, the hand-back: Rasa's HTTP API
    `execute?output_channel=latest`, actions/takeover.py) go out as customer-service messages,
    each text in bubbles WeChat accepts (`split_utf8`). Not sent: the API's errcode is logged
    by `WeChatApi.send_custom`; the message stays in the tracker (and the console)."""

    def __init__(self, api: WeChatApi) -> None:
        self.api = api

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in split_utf8(text):
            await self.api.send_custom(text_api_message(recipient_id, part))


class WeChatInput(InputChannel):
    """Rasa input channel for a WeChat official account (the package docstring: the details)."""

    _logged_not_configured = False

    def __init__(self, config: WeChatConfig, problem: Optional[str] = None) -> None:
        self.config = config
        self.problem = problem
        self._api: Optional[WeChatApi] = None

    def get_output_channel(self) -> Optional[OutputChannel]:
        """Customer-service messages, when the account may call WeChat's API; else None (Rasa
        then collects the messages: they stay in the tracker only)."""
        return WeChatCustomerService(self._api) if self._api is not None else None

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[Text, Any]]) -> "WeChatInput":
        """The channel for the credentials.yml entry (`menu_file`, `click_payloads`) and the
        WECHAT_* environment. Never stops the whole server for a WeChat setting: with an
        unusable one the endpoint says 503 and `problem` says why.

        Rasa builds the channel once per process, before any message; its WECHAT_* settings
        are this process's settings at that moment (`load_settings().wechat_environment`),
        checked here by `WeChatConfig`, so that an unusable one disables this channel only."""
        config, problem = WeChatConfig.from_credentials(credentials, load_settings().wechat_environment)
        inbound_rules.accept_channel_payloads(CHANNEL_NAME, config.click_payloads.values())  # menu clicks are ours
        return cls(config, problem)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        wechat = Blueprint("wechat_webhook", __name__)
        config = self.config
        if not config.enabled:
            if not WeChatInput._logged_not_configured:
                WeChatInput._logged_not_configured = True
                log.warning("%s%s", NOT_CONFIGURED, f" ({self.problem})" if self.problem else "")
        elif not config.can_call_api:
            log.warning("WeChat channel without WECHAT_APP_ID/WECHAT_APP_SECRET: passive "
                        "replies only; replies later than %.1f s are dropped",
                        config.passive_reply_seconds)
        api = (
            WeChatApi(config.api_base_url, config.app_id, config.app_secret)
            if config.enabled and config.can_call_api else None
        )
        self._api = api
        bridge = WeChatBridge(config, polite(on_new_message), api, state=_state(config))

        @wechat.listener("after_server_stop")
        async def close_api(*_: Any) -> None:
            await bridge.close()
            if isinstance(bridge.state, RedisState):
                await bridge.state.close()
            if api is not None:
                await api.close()

        @wechat.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if config.enabled else "not configured",
                                  "late_replies": bridge.status()})

        @wechat.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            reply = bridge.verify_url(_query(request))
            return response.text(reply.body, status=reply.status)

        @wechat.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                length = request.headers.get("content-length")
                reply = await bridge.handle_post(
                    _query(request),
                    request.body or b"",
                    domain_texts(),
                    int(length) if length and length.isdigit() else None,
                )
            except Exception:  # handle_post never raises; this is the last guard
                log.exception("WeChat request failed")
                reply = Reply(200, SUCCESS)
            return response.text(reply.body, status=reply.status, content_type=reply.content_type)

        return wechat


def _query(request: Request) -> dict[str, str]:
    return {name: str(values[0]) for name, values in request.args.items() if values}


def _state(config: WeChatConfig) -> Optional[WeChatState]:
    """Redis when the settings name one (several Rasa processes share WeChat's retries,
    buttons, hand-offs and rate limit); None: the bridge keeps them in this process."""
    url = load_settings().shared_state_url
    if not url:
        return None
    log.info("WeChat channel state in Redis (shared by the Rasa processes)")
    return RedisState(url, config.rate_limit_per_minute, owner=f"{socket.gethostname()}:{os.getpid()}",
                      max_undelivered=config.delivery_policy().max_undelivered)
