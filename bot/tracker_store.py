"""A SQL tracker store configured by one database URL instead of Rasa's separate fields.

Rasa's built-in `SQL` store wants dialect, host, port and db as separate endpoint keys;
we keep a single `DATABASE_URL` (SQLite by default, PostgreSQL in production) in
`bot.settings`, so the conversation store follows the same setting as the rest (the
process's settings, `bot.services.services()`, like everything else Rasa loads).

On a database server (PostgreSQL) the store also survives the server restarting:
- the engine checks each pooled connection before use (`pool_pre_ping`), so the first
  message after a restart gets a fresh connection instead of one the server closed;
- a read or write that fails because the server is unreachable is retried for up to
  `TRACKER_STORE_RETRY_SECONDS` (`Settings.tracker_store_retry_seconds`, default 5; 0
  disables), without blocking the event loop.
  Otherwise Rasa's fail-safe wrapper would answer that message from an empty in-memory
  tracker (context forgotten) and keep it out of the database. A restart shorter than
  this costs a delay, not a message; a longer outage still ends in an error reply, and
  until the database answers again each call tries once (no citizen waits the retry
  window twice). With an event broker (none is configured), a retried save may publish
  its events twice.
Pool sizes follow Rasa's `SQL_POOL_SIZE` and `SQL_MAX_OVERFLOW` (docs/production.md).
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any, Optional, TypeVar

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from bot.services import services

log = logging.getLogger(__name__)

_FIRST_DELAY, _MAX_DELAY = 0.2, 1.0

T = TypeVar("T")


def is_disconnect(error: BaseException) -> bool:
    """The database server is unreachable or dropped the connection (not a bad query)."""
    return isinstance(error, sa.exc.DBAPIError) and (
        error.connection_invalidated
        or isinstance(error, (sa.exc.OperationalError, sa.exc.InterfaceError))
    )


class UrlSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` whose connection comes from `DATABASE_URL` (or an explicit `url`)."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[str] = None,
        event_broker: Optional[EventBroker] = None,
        **kwargs: Any,
    ) -> None:
        settings = services().settings
        url = make_url(host or settings.database_url)
        if url.drivername.startswith("sqlite") and url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        super().__init__(
            domain=domain,
            dialect=url.drivername,
            host=url.host,
            port=url.port,
            db=url.database or "",
            username=url.username,
            password=url.password,
            event_broker=event_broker,
            query=dict(url.query) or None,
            **kwargs,
        )
        self.retry_seconds = 0.0
        self._unreachable = False  # the last call gave up: try once until one succeeds
        if not url.drivername.startswith("sqlite"):
            self._reconnecting_engine()
            self.retry_seconds = settings.tracker_store_retry_seconds

    def _reconnecting_engine(self) -> None:
        """Swap the engine Rasa built for one that survives a database restart.

        `SQLTrackerStore.__init__` creates `self.engine` (and the tables) and binds
        `self.sessionmaker` to it; every later session comes from that sessionmaker.
        """
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sessionmaker(bind=self.engine)

    async def _retrying(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        """Run `call`, again while the database is unreachable, for `retry_seconds` at most.

        Safe for `save`: it counts the stored events and adds the rest in one transaction,
        so a retry after a failed commit stores each event once.
        """
        deadline = time.monotonic() + (0 if self._unreachable else self.retry_seconds)
        delay = _FIRST_DELAY
        while True:
            try:
                result = await call()
                self._unreachable = False
                return result
            except Exception as error:
                if not is_disconnect(error):
                    raise
                if time.monotonic() + delay > deadline:
                    self._unreachable = True
                    raise
                log.warning("tracker store: %s failed, database unreachable; retrying in %.1fs", what, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, _MAX_DELAY)

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        return await self._retrying("retrieve", lambda: super(UrlSQLTrackerStore, self).retrieve(sender_id))

    async def retrieve_full_tracker(self, conversation_id: str) -> Optional[DialogueStateTracker]:
        return await self._retrying(
            "retrieve", lambda: super(UrlSQLTrackerStore, self).retrieve_full_tracker(conversation_id)
        )

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self._retrying("save", lambda: super(UrlSQLTrackerStore, self).save(tracker))

    async def keys(self) -> Iterable[str]:
        return await self._retrying("keys", lambda: super(UrlSQLTrackerStore, self).keys())
