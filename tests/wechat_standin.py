"""Stand-ins for WeChat's side of the official account channel, for tests.

- `WeChatApiStandIn`: a local aiohttp server speaking the token API (/cgi-bin/token), the
  customer-service message API (/cgi-bin/message/custom/send) and the menu API
  (/cgi-bin/menu/create), in a background thread. It checks credentials and tokens as
  WeChat does, records what it was sent, and can be told to fail (40001 once: the client
  must refresh its token; 45015 for a citizen silent for over 48 hours; -1 system busy;
  an HTTP 5xx; every call until told otherwise: `fail_always`).
- `WeChatServerStandIn`: what WeChat's servers do towards the assistant — build the XML of
  a citizen's message, sign it, encrypt it in compatible or safe mode with wechatpy's own
  `WeChatCrypto`, POST it to the webhook and decrypt the passive reply.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from aiohttp import web
from wechatpy.crypto import WeChatCrypto

import defusedxml.ElementTree as SafeET

TEST_TOKEN = "test-token"
TEST_APP_ID = "wx-test-app"
TEST_APP_SECRET = "test-secret"
# A valid EncodingAESKey: 43 characters of base64 for 32 bytes (fixed, so runs repeat).
TEST_AES_KEY = base64.b64encode(hashlib.sha256(b"daxing-wechat-test").digest()).decode().rstrip("=")
TEST_ACCOUNT = "gh_daxing_test"


class WeChatApiStandIn:
    """WeChat's server APIs on 127.0.0.1, in a background thread: `start()` → base URL."""

    def __init__(
        self, app_id: str = TEST_APP_ID, app_secret: str = TEST_APP_SECRET,
        token_ttl: int = 7200,
    ) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.token_ttl = token_ttl
        self.sent: list[dict[str, Any]] = []  # customer-service bodies accepted
        self.attempts: list[dict[str, Any]] = []  # every customer-service call, with errcode
        self.tokens_issued: list[str] = []
        self.menus: list[dict[str, Any]] = []
        self.silent_users: set[str] = set()  # openids silent > 48 h: 45015
        self._failures: dict[str, list[int]] = {}
        self._always: dict[str, int] = {}
        self._http_failures: dict[str, list[int]] = {}
        self._valid_tokens: set[str] = set()
        self._counter = itertools.count(1)
        self._changed = threading.Condition()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._runner: Optional[web.AppRunner] = None
        self._thread: Optional[threading.Thread] = None
        self.base_url = ""

    # -- control -------------------------------------------------------------------------

    def start(self) -> str:
        started = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve())
            except BaseException as error:  # noqa: BLE001 - reported to start()
                errors.append(error)
                started.set()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup() if self._runner else asyncio.sleep(0))
            loop.close()

        self._thread = threading.Thread(target=run, name="wechat-api-standin", daemon=True)
        self._thread.start()
        started.wait(10)
        if errors:
            raise errors[0]
        return self.base_url

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop = self._thread = None

    def fail_next(self, errcode: int, times: int = 1, api: str = "custom") -> None:
        """The next `times` calls of `api` ("custom", "token", "menu") answer `errcode`."""
        with self._changed:
            self._failures.setdefault(api, []).extend([errcode] * times)

    def fail_next_http(self, status: int, times: int = 1, api: str = "custom") -> None:
        """The next `times` calls of `api` answer HTTP `status` (e.g. 502) with no JSON."""
        with self._changed:
            self._http_failures.setdefault(api, []).extend([status] * times)

    def fail_always(self, errcode: Optional[int], api: str = "custom") -> None:
        """Every call of `api` answers `errcode` from now on (None: stop; reset() too)."""
        with self._changed:
            if errcode is None:
                self._always.pop(api, None)
            else:
                self._always[api] = errcode

    def expire_tokens(self) -> None:
        """Invalidate every issued token (WeChat does when another server fetched a new one)."""
        with self._changed:
            self._valid_tokens.clear()

    def reset(self) -> None:
        with self._changed:
            self.sent.clear()
            self.attempts.clear()
            self.menus.clear()
            self.silent_users.clear()
            self._failures.clear()
            self._always.clear()
            self._http_failures.clear()

    def messages_to(self, openid: str) -> list[dict[str, Any]]:
        with self._changed:
            return [m for m in self.sent if m.get("touser") == openid]

    def wait_for(
        self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float = 30.0
    ) -> list[dict[str, Any]]:
        """Block until `predicate(sent)` holds (or the timeout passes); return `sent`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(list(self.sent)):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(remaining)
            return list(self.sent)

    # -- the server ----------------------------------------------------------------------

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_post("/cgi-bin/message/custom/send", self._custom_send)
        app.router.add_post("/cgi-bin/menu/create", self._menu_create)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"

    def _injected(self, api: str) -> Optional[int]:
        with self._changed:
            queue = self._failures.get(api)
            return queue.pop(0) if queue else self._always.get(api)

    def _injected_http(self, api: str) -> Optional[int]:
        with self._changed:
            queue = self._http_failures.get(api)
            return queue.pop(0) if queue else None

    async def _token(self, request: web.Request) -> web.Response:
        query = request.query
        failure = self._injected("token")
        if failure is not None:
            return web.json_response({"errcode": failure, "errmsg": "injected"})
        if query.get("grant_type") != "client_credential" or query.get("appid") != self.app_id:
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        if query.get("secret") != self.app_secret:
            return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
        token = f"standin-token-{next(self._counter)}-{secrets.token_hex(4)}"
        with self._changed:
            self.tokens_issued.append(token)
            self._valid_tokens.add(token)
        return web.json_response({"access_token": token, "expires_in": self.token_ttl})

    async def _authorised(self, request: web.Request) -> Optional[web.Response]:
        with self._changed:
            valid = request.query.get("access_token") in self._valid_tokens
        if not valid:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        return None

    async def _custom_send(self, request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.text())
        except ValueError:
            return web.json_response({"errcode": 47001, "errmsg": "data format error"})
        status = self._injected_http("custom")
        if status is not None:
            with self._changed:
                self.attempts.append({**body, "errcode": None, "http_status": status})
                self._changed.notify_all()
            return web.Response(status=status, text="<html>bad gateway</html>")
        errcode = self._injected("custom")
        if errcode is None:
            refusal = await self._authorised(request)
            if refusal is not None:
                errcode = 40001
            elif body.get("touser") in self.silent_users:
                errcode = 45015
            elif body.get("msgtype") not in {"text", "msgmenu"} or not body.get("touser"):
                errcode = 40008
            else:
                errcode = 0
        with self._changed:
            self.attempts.append({**body, "errcode": errcode})
            if errcode == 0:
                self.sent.append(body)
            self._changed.notify_all()
        return web.json_response({"errcode": errcode, "errmsg": "ok" if errcode == 0 else "error"})

    async def _menu_create(self, request: web.Request) -> web.Response:
        errcode = self._injected("menu")
        if errcode is None:
            refusal = await self._authorised(request)
            if refusal is not None:
                return refusal
            body = json.loads(await request.text())
            with self._changed:
                self.menus.append(body)
            errcode = 0
        return web.json_response({"errcode": errcode, "errmsg": "ok" if errcode == 0 else "error"})


# ------------------------------------------------------------------------------ WeChat → us


_msg_ids = itertools.count(int(time.time() * 1000) % 10**12 * 1000)


def next_msg_id() -> int:
    return next(_msg_ids)


def message_xml(openid: str, msg_type: str, fields: dict[str, Any], create_time: Optional[int] = None,
                msg_id: Optional[int] = None, account: str = TEST_ACCOUNT) -> str:
    """A message as WeChat pushes it (plaintext), e.g. message_xml(o, "text", {"Content": "你好"})."""
    parts = [
        f"<ToUserName><![CDATA[{account}]]></ToUserName>",
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>",
        f"<CreateTime>{create_time or int(time.time())}</CreateTime>",
        f"<MsgType><![CDATA[{msg_type}]]></MsgType>",
    ]
    for name, value in fields.items():
        if isinstance(value, int):
            parts.append(f"<{name}>{value}</{name}>")
        else:
            parts.append(f"<{name}><![CDATA[{value}]]></{name}>")
    if msg_type != "event":
        parts.append(f"<MsgId>{msg_id if msg_id is not None else next_msg_id()}</MsgId>")
    return "<xml>" + "".join(parts) + "</xml>"


@dataclass
class PushResult:
    status: int
    body: bytes
    seconds: float
    reply: dict[str, Any] = field(default_factory=dict)  # the decrypted passive reply

    @property
    def text(self) -> str:
        return str(self.reply.get("Content") or "")

    @property
    def msg_type(self) -> str:
        return str(self.reply.get("MsgType") or "")


def _signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


class WeChatServerStandIn:
    """Pushes signed (and encrypted) messages to a WeChat webhook, like WeChat's servers."""

    def __init__(self, webhook_url: str, token: str = TEST_TOKEN, aes_key: str = TEST_AES_KEY,
                 app_id: str = TEST_APP_ID) -> None:
        self.webhook_url = webhook_url
        self.token = token
        self.crypto = WeChatCrypto(token, aes_key, app_id)

    def signed_query(self, timestamp: Optional[int] = None, nonce: Optional[str] = None,
                     **extra: str) -> dict[str, str]:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        nonce = nonce or secrets.token_hex(5)
        return {"signature": _signature(self.token, ts, nonce), "timestamp": ts, "nonce": nonce,
                **extra}

    def request_for(self, xml: str, mode: str = "safe", timestamp: Optional[int] = None,
                    openid: str = "") -> tuple[dict[str, str], bytes]:
        """Query and body for `mode`: "plain", "compatible" or "safe"."""
        query = self.signed_query(timestamp)
        if mode == "plain":
            return query, xml.encode()
        encrypted = SafeET.fromstring(
            self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"])
        ).findtext("Encrypt") or ""
        query.update(encrypt_type="aes",
                     msg_signature=_signature(self.token, query["timestamp"], query["nonce"], encrypted))
        if mode == "safe":
            body = (f"<xml><ToUserName><![CDATA[{TEST_ACCOUNT}]]></ToUserName>"
                    f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>")
        elif mode == "compatible":  # plaintext fields and the ciphertext side by side
            body = xml.replace("</xml>", f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>")
        else:
            raise ValueError(mode)
        return query, body.encode()

    def post(self, query: dict[str, str], body: bytes, timeout: float = 30.0) -> PushResult:
        url = f"{self.webhook_url}?{urllib.parse.urlencode(query)}"
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "text/xml"})
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, data = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, data = error.code, error.read()
        result = PushResult(status, data, time.monotonic() - started)
        if status == 200 and data.strip().startswith(b"<xml"):
            result.reply = self.decode_reply(data, query)
        return result

    def decode_reply(self, data: bytes, query: dict[str, str]) -> dict[str, Any]:
        root = SafeET.fromstring(data)
        if root.find("Encrypt") is not None:
            # WeChat checks the reply's signature before it decrypts.
            assert query.get("encrypt_type") == "aes", "an encrypted reply to a plaintext message"
            fields = {child.tag: child.text or "" for child in root}
            xml = self.crypto.decrypt_message(
                fields, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"]
            )
            root = SafeET.fromstring(xml.encode())
        else:
            assert query.get("encrypt_type") != "aes", "a plaintext reply in safe mode"
        return {child.tag: child.text or "" for child in root}

    def send(self, openid: str, msg_type: str = "text", mode: str = "safe",
             msg_id: Optional[int] = None, create_time: Optional[int] = None,
             timeout: float = 30.0, **fields: Any) -> PushResult:
        xml = message_xml(openid, msg_type, fields, create_time=create_time, msg_id=msg_id)
        query, body = self.request_for(xml, mode)
        return self.post(query, body, timeout=timeout)

    def text(self, openid: str, content: str, mode: str = "safe", **kw: Any) -> PushResult:
        return self.send(openid, "text", mode, Content=content, **kw)

    def verify_url(self, echostr: str = "echo-123", **query_overrides: str) -> tuple[int, str]:
        query = {**self.signed_query(), "echostr": echostr, **query_overrides}
        url = f"{self.webhook_url}?{urllib.parse.urlencode(query)}"
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


