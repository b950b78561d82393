"""The one way replies reach a WeChat citizen outside the passive reply: a retrying sender
for the customer-service message API (`/cgi-bin/message/custom/send`).

`RetryingSender.submit(openid, bodies, ...)` queues one *delivery* (the API bodies of one
reply, in order) and returns it at once; a lane per openid sends that citizen's deliveries
one after another, so messages never overtake each other. A body that fails for a reason
that can pass — no answer or a 5xx (`send` reports -2), "system busy" (-1), 45015 (the
48-hour window closed), 45047 (too many messages without the citizen writing), quota
errors, and any errcode not known to be final — is retried from that body on, with
exponential backoff and jitter (`DeliveryPolicy`), at most `max_attempts` times and only
while WeChat's customer-service window is open (48 hours from the citizen's last message,
less a margin). When the citizen writes again (`citizen_wrote`) the window reopens and a
waiting delivery is tried at once — 45015 and 45047 are lifted by exactly that — and so is
one this process had given up on (unless WeChat refused it for good).

A delivery that cannot be made (attempts or window exhausted, an errcode that is final such
as 40003 "invalid openid" or 43004 "unsubscribed", the queue full, the process stopping) is
logged at ERROR level — the openid shortened, the ticket number if the reply announced one,
never the text — and kept in `undelivered` (bounded, newest last) with its bodies, so an
operator can see it and it can be resent. The lanes (tasks, the queue) live in this
process; the undelivered records are kept in the store the sender is given (state.py's
`UndeliveredLog`; by default a bounded deque in this process): a durable table is the next
step for deployments with several processes or restarts.

Inputs: `send(body) -> errcode` (0 = sent; it must not raise, `WeChatApi.send_custom`
does not). Errors: none raised to callers; `Delivery.done` resolves to True (sent) or False.
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Optional

if TYPE_CHECKING:
    from bot.channels.wechat.state import UndeliveredLog

log = logging.getLogger(__name__)

# WeChat may message a citizen through the API for 48 hours after the citizen's last message.
CUSTOMER_SERVICE_WINDOW_SECONDS = 48 * 3600.0
# errcodes after which the same body can never be sent: retrying would only repeat them.
FINAL_ERRCODES = {
    40003,  # invalid openid
    40008,  # invalid message type
    43004,  # the citizen does not follow the account (unsubscribed)
    43019,  # the citizen is in the account's blacklist
    45002,  # content too long
    47001,  # malformed body
}

QUEUED, SENDING, WAITING, SENT, FAILED, WITHDRAWN = (
    "queued", "sending", "waiting", "sent", "failed", "withdrawn"
)


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard to try: attempts, backoff (base doubling up to a cap, ±20 % jitter), the
    customer-service window and its safety margin, and the bounds of the in-process stores."""

    max_attempts: int = 12
    backoff_seconds: float = 5.0
    max_backoff_seconds: float = 1800.0
    window_seconds: float = CUSTOMER_SERVICE_WINDOW_SECONDS
    window_margin_seconds: float = 300.0
    max_queued: int = 2000
    max_undelivered: int = 1000

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failed attempt (1, 2, ...)."""
        base = min(self.max_backoff_seconds, self.backoff_seconds * 2 ** max(attempts - 1, 0))
        return base * random.uniform(0.8, 1.2)


@dataclass
class Delivery:
    """One reply (its API bodies, in order) on its way to one citizen."""

    openid: str
    bodies: list[dict[str, Any]]
    label: str  # what it is, for the logs: "late reply", "follow-up", "hand-off"
    ticket: Optional[str]  # the hand-off ticket the reply announces, if any
    window_start: float  # wall-clock time of the citizen's latest message
    delay: float = 0.0
    created_at: float = field(default_factory=time.time)
    attempts: int = 0
    sent: int = 0  # bodies delivered so far
    errcode: Optional[int] = None  # of the latest failed attempt
    state: str = QUEUED
    reason: str = ""  # why it failed, for operators
    wake: Optional[asyncio.Event] = None  # the lane's, so a withdrawal ends a backoff wait
    done: "asyncio.Future[bool]" = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    first_attempt: "asyncio.Future[bool]" = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    @property
    def delivered(self) -> bool:
        return self.state == SENT

    @property
    def remaining(self) -> list[dict[str, Any]]:
        return self.bodies[self.sent:]

    def withdraw(self) -> None:
        """No further attempts (the passive reply carried it); an attempt already under way
        finishes. A delivery that was sent stays sent."""
        if self.state in (SENT, FAILED, WITHDRAWN):
            return
        waiting, self.state = self.state == WAITING, WITHDRAWN
        _resolve(self.first_attempt, False)
        _resolve(self.done, False)
        if waiting and self.wake is not None:
            self.wake.set()


@dataclass(frozen=True)
class Undelivered:
    """A reply that could not be delivered, kept for operators (bodies included)."""

    openid: str
    label: str
    ticket: Optional[str]
    bodies: list[dict[str, Any]]
    attempts: int
    errcode: Optional[int]
    reason: str
    created_at: float
    failed_at: float


class _Lane:
    def __init__(self) -> None:
        self.queue: deque[Delivery] = deque()
        self.wake = asyncio.Event()
        self.task: Optional[asyncio.Task[None]] = None


class RetryingSender:
    """Sends deliveries through `send` with bounded retries (module docstring: the rules)."""

    def __init__(
        self,
        send: Callable[[dict[str, Any]], Awaitable[int]],
        policy: DeliveryPolicy = DeliveryPolicy(),
        wall_clock: Callable[[], float] = time.time,
        undelivered: "Optional[UndeliveredLog]" = None,
    ) -> None:
        self._send = send
        self.policy = policy
        self._now = wall_clock
        self._lanes: dict[str, _Lane] = {}
        # Replies given up, for operators: the given store, or a bounded deque of our own.
        self.undelivered: "UndeliveredLog" = (
            undelivered if undelivered is not None
            else deque(maxlen=max(policy.max_undelivered, 1))
        )

    # -- API -----------------------------------------------------------------------------

    def submit(
        self, openid: str, bodies: list[dict[str, Any]], *, label: str,
        ticket: Optional[str] = None, window_start: Optional[float] = None, delay: float = 0.0,
    ) -> Delivery:
        """Queue `bodies` for `openid`; the delivery is returned at once (await `done` or
        `first_attempt` to know more). Must be called inside the running event loop."""
        delivery = Delivery(
            openid, list(bodies), label, ticket,
            self._now() if window_start is None else window_start, delay=delay,
        )
        if not delivery.bodies:
            delivery.state = SENT
            _resolve(delivery.first_attempt, True)
            _resolve(delivery.done, True)
            return delivery
        if self.queued() >= self.policy.max_queued:
            self._give_up(delivery, "the delivery queue is full")
            return delivery
        lane = self._lanes.get(openid)
        if lane is None:
            lane = self._lanes[openid] = _Lane()
        delivery.wake = lane.wake
        lane.queue.append(delivery)
        if lane.task is None or lane.task.done():
            lane.task = asyncio.ensure_future(self._run(openid, lane))
        return delivery

    def citizen_wrote(self, openid: str, at: Optional[float] = None) -> None:
        """The citizen wrote: the 48-hour window reopens, a waiting delivery is retried now
        (45015 and 45047 are lifted by a message from the citizen), and replies given up
        for a reason that can pass are queued again. Call inside the running event loop."""
        at = self._now() if at is None else at
        again = [u for u in self.undelivered if u.openid == openid and u.errcode not in FINAL_ERRCODES]
        for undelivered in again:
            self.undelivered.remove(undelivered)
            log.info("WeChat %s to %s queued again: the citizen wrote", undelivered.label, short(openid))
            self.submit(openid, undelivered.bodies, label=undelivered.label,
                        ticket=undelivered.ticket, window_start=at)
        lane = self._lanes.get(openid)
        if lane is None:
            return
        for delivery in lane.queue:
            delivery.window_start = max(delivery.window_start, at)
        lane.wake.set()

    def pending(self, openid: Optional[str] = None) -> list[Delivery]:
        """Deliveries not yet sent (all citizens, or one)."""
        lanes = [self._lanes.get(openid)] if openid is not None else list(self._lanes.values())
        return [d for lane in lanes if lane is not None for d in lane.queue
                if d.state not in (SENT, FAILED, WITHDRAWN)]

    def queued(self) -> int:
        return sum(len(lane.queue) for lane in self._lanes.values())

    def status(self) -> dict[str, int]:
        """Counts for operators (the channel's health endpoint shows them)."""
        return {"queued": len(self.pending()), "undelivered": len(self.undelivered)}

    async def drain(self, timeout: float) -> None:
        """Wait until every queued delivery is sent or given up (at most `timeout` s)."""
        tasks = {lane.task for lane in self._lanes.values() if lane.task is not None}
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)

    async def close(self) -> None:
        """Stop: what is still queued is logged and kept as undelivered."""
        for openid, lane in list(self._lanes.items()):
            if lane.task is not None and not lane.task.done():
                lane.task.cancel()
                try:
                    await lane.task
                except asyncio.CancelledError:
                    pass
            self._abandon(lane, "the server stopped before it could be sent")
            self._lanes.pop(openid, None)

    # -- the lane ------------------------------------------------------------------------

    async def _run(self, openid: str, lane: _Lane) -> None:
        try:
            while lane.queue:
                delivery = lane.queue[0]
                await self._deliver(delivery, lane)
                if lane.queue and lane.queue[0] is delivery:
                    lane.queue.popleft()
        except asyncio.CancelledError:
            self._abandon(lane, "the server stopped before it could be sent")
            raise
        except Exception:  # a bug here must not lose the queue silently
            log.exception("WeChat delivery lane of %s failed", short(openid))
            self._abandon(lane, "internal error in the delivery queue")
        finally:
            if self._lanes.get(openid) is lane and not lane.queue:
                del self._lanes[openid]

    async def _deliver(self, delivery: Delivery, lane: _Lane) -> None:
        if delivery.delay > 0:
            await asyncio.sleep(delivery.delay)
        while delivery.state not in (WITHDRAWN, SENT, FAILED):
            if self._now() >= self._window_end(delivery):
                self._give_up(delivery, "WeChat's 48-hour customer-service window closed")
                return
            lane.wake.clear()  # a message from the citizen from now on cuts the next wait short
            delivery.attempts += 1
            delivery.state = SENDING
            errcode = 0
            while delivery.sent < len(delivery.bodies) and delivery.state == SENDING:
                try:
                    errcode = await self._send(delivery.bodies[delivery.sent])
                except Exception as error:  # `send` should not raise; treat it as no answer
                    log.warning("WeChat send to %s raised %s", short(delivery.openid),
                                type(error).__name__)
                    errcode = -2
                if errcode:
                    break
                delivery.sent += 1
            if delivery.state == WITHDRAWN:
                return
            if delivery.sent == len(delivery.bodies):
                delivery.state = SENT
                if delivery.attempts > 1:
                    log.info("WeChat %s to %s delivered at attempt %d", delivery.label,
                             short(delivery.openid), delivery.attempts)
                _resolve(delivery.first_attempt, True)
                _resolve(delivery.done, True)
                return
            delivery.errcode = errcode
            _resolve(delivery.first_attempt, False)
            if errcode in FINAL_ERRCODES:
                self._give_up(delivery, f"WeChat refused it (errcode {errcode})")
                return
            if delivery.attempts >= self.policy.max_attempts:
                self._give_up(delivery, f"{delivery.attempts} attempts failed")
                return
            wait = min(self.policy.backoff(delivery.attempts),
                       max(self._window_end(delivery) - self._now(), 0.0))
            delivery.state = WAITING
            log.warning("WeChat %s to %s failed (errcode %s, attempt %d of %d); retrying in %.1f s",
                        delivery.label, short(delivery.openid), errcode, delivery.attempts,
                        self.policy.max_attempts, wait)
            try:
                await asyncio.wait_for(lane.wake.wait(), timeout=wait)
            except asyncio.TimeoutError:
                pass
            if delivery.state == WAITING:
                delivery.state = QUEUED

    def _window_end(self, delivery: Delivery) -> float:
        return delivery.window_start + self.policy.window_seconds - self.policy.window_margin_seconds

    # -- giving up -----------------------------------------------------------------------

    def _abandon(self, lane: _Lane, reason: str) -> None:
        while lane.queue:
            delivery = lane.queue.popleft()
            if delivery.state not in (SENT, FAILED, WITHDRAWN):
                self._give_up(delivery, reason)

    def _give_up(self, delivery: Delivery, reason: str) -> None:
        delivery.state = FAILED
        delivery.reason = reason
        _resolve(delivery.first_attempt, False)
        _resolve(delivery.done, False)
        self.undelivered.append(Undelivered(
            delivery.openid, delivery.label, delivery.ticket, delivery.remaining,
            delivery.attempts, delivery.errcode, reason, delivery.created_at, self._now(),
        ))
        log.error(
            "WeChat %s to %s NOT delivered: %s (last errcode %s); %d message(s)%s kept for "
            "operators (%d undelivered in this process)",
            delivery.label, short(delivery.openid), reason, delivery.errcode,
            len(delivery.remaining),
            f" announcing ticket {delivery.ticket}" if delivery.ticket else "",
            len(self.undelivered),
        )


def _resolve(future: "asyncio.Future[bool]", value: bool) -> None:
    if not future.done():
        future.set_result(value)


def short(openid: Any) -> str:
    """openids in logs: enough to correlate, not the whole identifier."""
    text = str(openid or "")
    return text[:6] + "…" if len(text) > 8 else text
