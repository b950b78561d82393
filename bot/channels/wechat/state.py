"""What the WeChat channel remembers between requests, behind one small interface.

`WeChatState` is the seam: the bridge keeps all per-citizen state through it —

- the **deduplication entries**: one `Pending` per message of one citizen (keyed by
  `Incoming.dedup_key()`), so WeChat's retries of a message wait for the same processing
  and get the same reply;
- the **last buttons**: number -> payload of the latest reply's buttons, so a bare "1"
  from the citizen chooses one;
- the **pending hand-offs**: citizens whose hand-off could not be answered with
  `transfer_customer_service` passively, so their next message is transferred;
- the **rate-limit buckets**: a token bucket per openid (`allow`);
- the **undelivered late replies** kept for operators (the retrying sender's record; its
  lanes are tasks of this process, not state).

`InMemoryState`, the default, keeps them in bounded TTL caches *in this process*: right for
one Rasa process. With several (the production profile: two servers, or SANIC_WORKERS > 1)
a retry of WeChat's can land on another process, so `RedisState` (shared_state.py) keeps
the per-citizen state in Redis when `STATE_STORE_URL` (default: `LOCK_STORE_URL`) is set:
- a message is *claimed* by the first process that sees it (`claim`); a retry reaching
  another process is not processed again: it waits for the passive reply the owner
  publishes (`publish_reply`, `reply_of`) and answers with it, or with `success` when the
  reply goes through the customer-service API;
- last buttons, pending hand-offs and the rate-limit buckets are Redis keys with a TTL.
A `Pending` holds asyncio futures of this process, so `entry`/`add_entry` stay local.
"""
from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import (
    TYPE_CHECKING, Any, Callable, Generic, Hashable, Iterator, Optional, Protocol, TypeVar,
)

if TYPE_CHECKING:
    from bot.channels.wechat.delivery import Undelivered
    from bot.channels.wechat.replies import Outcome

DEDUP_TTL_SECONDS = 600.0
BUTTONS_TTL_SECONDS = 30 * 60.0
HANDOFF_TTL_SECONDS = 30 * 60.0
CACHE_MAX_ENTRIES = 20_000
MAX_UNDELIVERED = 1000

DedupKey = tuple[str, ...]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TTLCache(Generic[K, V]):
    """A dict whose entries expire after `ttl` seconds and that never holds more than
    `max_entries` (the oldest go first). Single event loop: no locking needed."""

    def __init__(
        self, ttl: float, max_entries: int = CACHE_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._items: "OrderedDict[K, tuple[float, V]]" = OrderedDict()

    def get(self, key: K) -> Optional[V]:
        item = self._items.get(key)
        if item is None:
            return None
        if item[0] <= self._clock():
            del self._items[key]
            return None
        return item[1]

    def __setitem__(self, key: K, value: V) -> None:
        self._items.pop(key, None)
        self._items[key] = (self._clock() + self.ttl, value)
        self._evict()

    def pop(self, key: K) -> Optional[V]:
        value = self.get(key)
        self._items.pop(key, None)
        return value

    def __len__(self) -> int:
        self._evict()
        return len(self._items)

    def _evict(self) -> None:
        now = self._clock()
        while self._items:
            key, (expires, _) = next(iter(self._items.items()))
            if expires <= now or len(self._items) > self.max_entries:
                del self._items[key]
            else:
                break


class RateLimiter:
    """A token bucket per openid: `per_minute` messages a minute, bursts up to the same;
    `per_minute` 0 allows everything."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.refill_per_second = per_minute / 60.0
        self._clock = clock
        # An idle bucket is full again after a minute: older ones need not be kept.
        self._buckets: TTLCache[str, tuple[float, float]] = TTLCache(120.0, clock=clock)

    def allow(self, key: str) -> bool:
        """Whether `key` may send one more message now (takes a token if so)."""
        if self.capacity <= 0:
            return True
        now = self._clock()
        tokens, last = self._buckets.get(key) or (self.capacity, now)
        tokens = min(self.capacity, tokens + (now - last) * self.refill_per_second)
        allowed = tokens >= 1.0
        self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        return allowed


@dataclass
class Pending:
    """One incoming message being (or having been) processed, shared by WeChat's retries
    (the deduplication entry)."""

    task: "asyncio.Future[Optional[Outcome]]"
    via_api: bool = False  # a request ran out of time: the whole reply goes through the API
    followups_sent: bool = False  # the API part after a passive reply was started
    # When the citizen wrote (wall clock): WeChat's 48-hour API window starts here.
    received_at: float = field(default_factory=time.time)
    # A hand-off's passive reply, decided once for all retries: its text, or None for
    # transfer_customer_service.
    handoff_reply: "Optional[asyncio.Future[Optional[str]]]" = None


class UndeliveredLog(Protocol):
    """Replies the retrying sender gave up on, oldest first, bounded (a deque with
    `maxlen` is one)."""

    def append(self, item: "Undelivered") -> None: ...

    def remove(self, item: "Undelivered") -> None: ...

    def __iter__(self) -> Iterator["Undelivered"]: ...

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> "Undelivered": ...


class WeChatState(Protocol):
    """The channel's per-citizen state (module docstring: what and why)."""

    undelivered: UndeliveredLog

    def entry(self, key: DedupKey) -> Optional[Pending]:
        """The entry of a message this process has seen (None: new here, or expired)."""

    def add_entry(self, key: DedupKey, entry: Pending) -> None:
        """Remember a message's entry for its retries reaching this process."""

    async def claim(self, key: DedupKey) -> bool:
        """Whether this process is the first to see the message (and now owns it); False:
        another process is answering it (a retry of WeChat's that landed here)."""

    async def publish_reply(self, key: DedupKey, passive: Optional[dict[str, Any]]) -> None:
        """The owner's passive reply to a message (None: `success`, the reply goes through
        the API), for retries that reach other processes."""

    async def reply_of(self, key: DedupKey, timeout: float) -> Optional[dict[str, Any]]:
        """The passive reply the owner published, waiting up to `timeout` seconds; None
        when there is none (answer `success`)."""

    async def buttons(self, openid: str) -> Optional[dict[int, str]]:
        """Number -> payload of the buttons of the citizen's latest reply, if any."""

    async def set_buttons(self, openid: str, buttons: dict[int, str]) -> None:
        """The buttons of the citizen's latest reply; empty: numbers choose nothing now."""

    async def mark_handoff(self, openid: str) -> None:
        """The citizen's next message is to be transferred to the human agents."""

    async def take_handoff(self, openid: str) -> bool:
        """Whether a transfer was pending for the citizen (and clear it)."""

    async def allow(self, openid: str) -> bool:
        """Whether the citizen may send one more message now (the rate limit)."""


class InMemoryState:
    """`WeChatState` in bounded TTL caches of this process (the default)."""

    def __init__(
        self, rate_limit_per_minute: int, clock: Callable[[], float] = time.monotonic,
        max_undelivered: int = MAX_UNDELIVERED,
    ) -> None:
        # Keyed by Incoming.dedup_key(): one message of one citizen, never the MsgId alone.
        self.pending: TTLCache[DedupKey, Pending] = TTLCache(DEDUP_TTL_SECONDS, clock=clock)
        self.last_buttons: TTLCache[str, dict[int, str]] = TTLCache(BUTTONS_TTL_SECONDS, clock=clock)
        self.handoff_pending: TTLCache[str, bool] = TTLCache(HANDOFF_TTL_SECONDS, clock=clock)
        self.limiter = RateLimiter(rate_limit_per_minute, clock=clock)
        self.undelivered: "deque[Undelivered]" = deque(maxlen=max(max_undelivered, 1))

    def entry(self, key: DedupKey) -> Optional[Pending]:
        return self.pending.get(key)

    def add_entry(self, key: DedupKey, entry: Pending) -> None:
        self.pending[key] = entry

    async def claim(self, key: DedupKey) -> bool:
        return True  # one process: a message without an entry here is new

    async def publish_reply(self, key: DedupKey, passive: Optional[dict[str, Any]]) -> None:
        return None  # retries reach this process, which has the entry

    async def reply_of(self, key: DedupKey, timeout: float) -> Optional[dict[str, Any]]:
        return None

    async def buttons(self, openid: str) -> Optional[dict[int, str]]:
        return self.last_buttons.get(openid)

    async def set_buttons(self, openid: str, buttons: dict[int, str]) -> None:
        if buttons:
            self.last_buttons[openid] = buttons
        else:
            self.last_buttons.pop(openid)

    async def mark_handoff(self, openid: str) -> None:
        self.handoff_pending[openid] = True

    async def take_handoff(self, openid: str) -> bool:
        return bool(self.handoff_pending.pop(openid))

    async def allow(self, openid: str) -> bool:
        return self.limiter.allow(openid)
