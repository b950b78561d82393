"""A stand-in for the 12345 hotline system's ticket webhook (which cannot run here).

It speaks the real protocol: JSON body, `X-Daxing-Signature: sha256=<hex HMAC-SHA256 of
the body>`, `X-Daxing-Timestamp`; answers 401 on a bad signature, and can be told to fail
(503) a number of times before accepting, as a hotline system that is down would.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field

from aiohttp import web

from ops.supervisor import free_port


@dataclass
class HotlineStandIn:
    secret: str
    fail_first: int = 0
    received: list[dict] = field(default_factory=list)
    rejected_signatures: int = 0
    attempts: int = 0
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/tickets"

    async def _tickets(self, request: web.Request) -> web.Response:
        self.attempts += 1
        body = await request.read()
        expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers.get("X-Daxing-Signature", "")):
            self.rejected_signatures += 1
            return web.json_response({"error": "bad signature"}, status=401)
        if not request.headers.get("X-Daxing-Timestamp", "").isdigit():
            return web.json_response({"error": "no timestamp"}, status=400)
        if self.fail_first > 0:
            self.fail_first -= 1
            return web.json_response({"error": "maintenance"}, status=503)
        self.received.append(json.loads(body))
        return web.json_response({"accepted": True})

    def start(self) -> "HotlineStandIn":
        ready = threading.Event()

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            app = web.Application()
            app.router.add_post("/tickets", self._tickets)
            self._runner = web.AppRunner(app)
            self._loop.run_until_complete(self._runner.setup())
            self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
