"""The WeChat server APIs the assistant calls: `WeChatApi` (access token, customer-service
messages, the custom menu) over aiohttp, and `WeChatApiError`.

Inputs: the API base URL (WeChat's, or a stand-in in tests), the AppID and AppSecret.
Errors: `WeChatApiError(errcode, errmsg)`; -2 stands for "no answer" (network error,
timeout, 5xx, not JSON). `send_custom` never raises: it returns the errcode, and the
retrying sender (delivery.py) decides what to retry.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, Callable, Optional

import aiohttp

from bot.channels.wechat.delivery import short as _short

log = logging.getLogger(__name__)

# errcodes of the WeChat API (https://developers.weixin.qq.com/doc/offiaccount/Getting_Started/Global_Return_Code.html)
SYSTEM_BUSY = -1
TOKEN_ERRORS = {40001, 40014, 42001}  # invalid credential, invalid token, token expired
OUT_OF_TIME_LIMIT = 45015  # the citizen has not written for 48 h (or unsubscribed)
OUT_OF_RESPONSE_COUNT = 45047  # too many customer-service messages without a reply
IP_NOT_ALLOWED = 40164


class WeChatApiError(Exception):
    """A WeChat API call failed: `errcode` as WeChat gave it (-2: no answer), `errmsg`."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeChat API error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatApi:
    """The few WeChat server APIs the assistant uses, over aiohttp.

    The access token is fetched from /cgi-bin/token, cached, refreshed five minutes before
    it expires and at once when WeChat says it is invalid (40001, 40014, 42001); one
    request at a time refreshes it. Network errors and "system busy" (-1) are retried a
    bounded number of times; other errors are raised as WeChatApiError (no retry loops).
    """

    def __init__(
        self, base_url: str, app_id: str, app_secret: str, *, timeout: float = 10.0,
        retries: int = 2, backoff: float = 0.5, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.app_id = app_id
        self.app_secret = app_secret
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._clock = clock
        self._token: Optional[str] = None
        self._token_expires = 0.0
        self._token_lock: Optional[asyncio.Lock] = None
        self._session: Optional[aiohttp.ClientSession] = None

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                headers={"User-Agent": "daxing-assistant-wechat"},
            )
        return self._session

    async def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """One API call with bounded retries on network errors and errcode -1."""
        url = f"{self.base_url}{path}"
        for attempt in range(self.retries + 1):
            try:
                async with self._http().request(method, url, **kwargs) as reply:
                    if reply.status >= 500:
                        raise aiohttp.ClientResponseError(
                            reply.request_info, reply.history, status=reply.status
                        )
                    data = json.loads(await reply.text() or "{}")
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                if attempt == self.retries:
                    raise WeChatApiError(-2, f"no answer from {path}: {type(error).__name__}")
                await asyncio.sleep(self.backoff * (2 ** attempt))
                continue
            if not isinstance(data, dict):
                raise WeChatApiError(-2, f"unexpected answer from {path}")
            if data.get("errcode") == SYSTEM_BUSY and attempt < self.retries:
                await asyncio.sleep(self.backoff * (2 ** attempt))
                continue
            return data
        raise AssertionError("unreachable")

    async def access_token(self, rejected: Optional[str] = None) -> str:
        """The cached token, or a new one when it is about to expire or is `rejected`."""
        if self._token_lock is None:
            self._token_lock = asyncio.Lock()
        async with self._token_lock:
            # Another request may have refreshed it while this one waited for the lock.
            if self._token and self._token != rejected and self._clock() < self._token_expires:
                return self._token
            data = await self._request(
                "GET", "/cgi-bin/token",
                params={
                    "grant_type": "client_credential",
                    "appid": self.app_id,
                    "secret": self.app_secret,
                },
            )
            token = data.get("access_token")
            if not token or not isinstance(token, str):
                errcode = _errcode(data) or -2
                if errcode == IP_NOT_ALLOWED:
                    log.error("WeChat refuses this server's IP: add it to the account's IP allowlist")
                raise WeChatApiError(errcode, str(data.get("errmsg") or "no access_token"))
            try:
                expires_in = float(data.get("expires_in") or 7200)
            except (TypeError, ValueError):
                expires_in = 7200.0
            margin = 300.0 if expires_in > 600 else expires_in / 2
            self._token, self._token_expires = str(token), self._clock() + expires_in - margin
            log.info("WeChat access token refreshed (valid %.0f s)", expires_in)
            return self._token

    async def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST a JSON body with the access token; a rejected token is refreshed once."""
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        rejected: Optional[str] = None
        for attempt in range(2):
            token = await self.access_token(rejected)
            data = await self._request(
                "POST", path, params={"access_token": token}, data=payload, headers=headers
            )
            errcode = _errcode(data)
            if errcode in TOKEN_ERRORS and attempt == 0:
                log.warning("WeChat rejected the access token (%s); refreshing it", errcode)
                rejected = token
                continue
            if errcode:
                raise WeChatApiError(errcode, str(data.get("errmsg") or ""))
            return data
        raise AssertionError("unreachable")

    async def send_custom(self, body: dict[str, Any]) -> int:
        """Send one customer-service message once; return WeChat's errcode (0 = sent, -2 no
        answer or a 5xx). Errors are logged, never raised: the channel's RetryingSender
        decides what to retry (a reply that cannot be delivered must not break the channel)."""
        try:
            await self.call("/cgi-bin/message/custom/send", body)
            return 0
        except WeChatApiError as error:
            if error.errcode == OUT_OF_TIME_LIMIT:
                log.warning("WeChat: cannot message %s — silent for over 48 h or unsubscribed "
                            "(45015)", _short(body.get("touser")))
            elif error.errcode == OUT_OF_RESPONSE_COUNT:
                log.warning("WeChat: too many messages to %s without a reply (45047)",
                            _short(body.get("touser")))
            else:
                log.error("WeChat customer-service message to %s failed: %s",
                          _short(body.get("touser")), error)
            return error.errcode

    async def create_menu(self, menu: dict[str, Any]) -> dict[str, Any]:
        """Publish the custom menu (WeChat's JSON); WeChatApiError when refused."""
        return await self.call("/cgi-bin/menu/create", menu)


def _errcode(data: dict[str, Any]) -> int:
    try:
        return int(data.get("errcode") or 0)
    except (TypeError, ValueError):
        return -2
