"""`RedisState`: the WeChat channel's per-citizen state in Redis, shared by every Rasa
process behind the load balancer (state.py says what the state is and why).

- **A message is processed once** across processes: the first process to see it claims it
  (`SET … NX`, kept as long as the in-process deduplication entries); a retry of WeChat's
  that reaches another process waits, within its passive window, for the reply the owner
  publishes, and answers with the same text, or with `success` when the reply goes through
  the customer-service API.
- **Last buttons and pending hand-offs** are keys with the same TTLs as in memory.
- **The rate limit** is the same token bucket, kept in a Redis hash and changed atomically by
  one Lua script.

If Redis cannot be reached, each call falls back to this process's memory (`InMemoryState`)
and says so in the log once a minute: the citizen is still answered (a retry reaching
another process may then be processed twice, as without Redis). Keys start with
`daxing:wechat:`; the URL is `STATE_STORE_URL`, by default `LOCK_STORE_URL`
(redis[s]://[user:password@]host[:port][/db]).
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Optional, TypeVar

from redis import asyncio as redis_asyncio
from redis.exceptions import RedisError

from bot.channels.wechat.state import (
    BUTTONS_TTL_SECONDS, DEDUP_TTL_SECONDS, HANDOFF_TTL_SECONDS, MAX_UNDELIVERED, DedupKey,
    InMemoryState, Pending,
)
from bot.lock_store import redis_options

log = logging.getLogger(__name__)

PREFIX = "daxing:wechat:"
POLL_SECONDS = 0.1  # how often a retry on another process looks for the owner's reply
WARN_EVERY_SECONDS = 60.0

# The token bucket of state.RateLimiter, atomically: KEYS[1] the bucket; ARGV capacity,
# refill per second, now (seconds). Returns 1 (allowed, a token taken) or 0.
_TAKE_TOKEN = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'last')
local tokens = tonumber(bucket[1]) or capacity
local last = tonumber(bucket[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - last) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'last', tostring(now))
redis.call('EXPIRE', KEYS[1], 120)
return allowed
"""

T = TypeVar("T")


def _key_of(key: DedupKey) -> str:
    return hashlib.sha256(json.dumps(list(key), ensure_ascii=False).encode()).hexdigest()[:32]


class RedisState:
    """`WeChatState` in Redis at `url` (see the module docstring); `owner` names this process
    in its claims (for operators reading Redis)."""

    def __init__(self, url: str, rate_limit_per_minute: int, owner: str = "",
                 max_undelivered: int = MAX_UNDELIVERED,
                 clock: Callable[[], float] = time.time) -> None:
        options = redis_options(url)
        self.redis = redis_asyncio.Redis(
            host=options["host"], port=options["port"], db=options["db"],
            username=options["username"], password=options["password"], ssl=options["use_ssl"],
            socket_timeout=options["socket_timeout"], socket_connect_timeout=options["socket_timeout"],
        )
        self.local = InMemoryState(rate_limit_per_minute, max_undelivered=max_undelivered)
        self.undelivered = self.local.undelivered
        self.capacity = float(rate_limit_per_minute)
        self.owner = owner or "rasa"
        self._clock = clock
        self._warned_at = float("-inf")

    async def _shared(self, what: str, call: Callable[[], Awaitable[T]],
                      fallback: Callable[[], Awaitable[T]]) -> T:
        try:
            return await call()
        except (RedisError, OSError, asyncio.TimeoutError) as error:
            now = time.monotonic()
            if now - self._warned_at >= WARN_EVERY_SECONDS:
                self._warned_at = now
                log.warning("WeChat state: Redis unreachable (%s: %s); this process's memory is used",
                            what, type(error).__name__)
            return await fallback()

    # -- one message, once ------------------------------------------------------------------

    def entry(self, key: DedupKey) -> Optional[Pending]:
        return self.local.entry(key)

    def add_entry(self, key: DedupKey, entry: Pending) -> None:
        self.local.add_entry(key, entry)

    async def claim(self, key: DedupKey) -> bool:
        name = f"{PREFIX}msg:{_key_of(key)}"

        async def claim() -> bool:
            return bool(await self.redis.set(name, self.owner, nx=True, ex=int(DEDUP_TTL_SECONDS)))
        return await self._shared("claim", claim, lambda: self.local.claim(key))

    async def publish_reply(self, key: DedupKey, passive: Optional[dict[str, Any]]) -> None:
        name = f"{PREFIX}reply:{_key_of(key)}"

        async def publish() -> None:
            await self.redis.set(name, json.dumps(passive or {}, ensure_ascii=False), ex=int(DEDUP_TTL_SECONDS))
        await self._shared("publish", publish, lambda: self.local.publish_reply(key, passive))

    async def reply_of(self, key: DedupKey, timeout: float) -> Optional[dict[str, Any]]:
        name = f"{PREFIX}reply:{_key_of(key)}"

        async def wait() -> Optional[dict[str, Any]]:
            deadline = time.monotonic() + timeout
            while True:
                value = await self.redis.get(name)
                if value is not None:
                    return dict(json.loads(value))
                if time.monotonic() + POLL_SECONDS > deadline:
                    return None
                await asyncio.sleep(POLL_SECONDS)
        return await self._shared("reply", wait, lambda: self.local.reply_of(key, timeout))

    # -- per citizen ------------------------------------------------------------------------

    async def buttons(self, openid: str) -> Optional[dict[int, str]]:
        async def read() -> Optional[dict[int, str]]:
            value = await self.redis.get(f"{PREFIX}buttons:{openid}")
            return {int(n): payload for n, payload in json.loads(value).items()} if value else None
        return await self._shared("buttons", read, lambda: self.local.buttons(openid))

    async def set_buttons(self, openid: str, buttons: dict[int, str]) -> None:
        name = f"{PREFIX}buttons:{openid}"

        async def write() -> None:
            if buttons:
                await self.redis.set(name, json.dumps(buttons, ensure_ascii=False), ex=int(BUTTONS_TTL_SECONDS))
            else:
                await self.redis.delete(name)
        await self._shared("buttons", write, lambda: self.local.set_buttons(openid, buttons))

    async def mark_handoff(self, openid: str) -> None:
        async def mark() -> None:
            await self.redis.set(f"{PREFIX}handoff:{openid}", "1", ex=int(HANDOFF_TTL_SECONDS))
        await self._shared("hand-off", mark, lambda: self.local.mark_handoff(openid))

    async def take_handoff(self, openid: str) -> bool:
        async def take() -> bool:
            return bool(await self.redis.delete(f"{PREFIX}handoff:{openid}"))  # 1: it was there
        return await self._shared("hand-off", take, lambda: self.local.take_handoff(openid))

    async def allow(self, openid: str) -> bool:
        if self.capacity <= 0:
            return True

        async def take_token() -> bool:
            allowed = await self.redis.eval(  # type: ignore[misc]
                _TAKE_TOKEN, 1, f"{PREFIX}rate:{openid}", self.capacity, self.capacity / 60.0, self._clock())
            return bool(allowed)
        return await self._shared("rate limit", take_token, lambda: self.local.allow(openid))

    async def close(self) -> None:
        await self.redis.close()
