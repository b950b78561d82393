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

A turn neither stalls the event loop nor grows with the conversation (issue 19,
docs/performance.md):
- every database call runs in a worker thread (`asyncio.to_thread`), never on Rasa's loop;
- the store keeps the tracker of the last `HELD_CONVERSATIONS` conversations it loaded or
  saved, with the greatest event id it has seen for it. `retrieve` asks the database only
  for that id: unchanged (nothing written by another process) and the tracker holding no
  unsaved events, the tracker is handed out again instead of re-reading, re-parsing and
  replaying every event of the session; otherwise it is read as Rasa reads it. `save` then
  writes only the events after those it holds (Rasa counts the stored ones each time). A
  save that starts a new session drops the tracker, so the next read is Rasa's own
  (the events of the newest session only). Our jobs that change stored events in place
  (forgetting a person) move the conversation's last event to a new id
  (`core.rasa_events.mark_changed`), so a held tracker never shows what was removed; one
  deleted (retention) has no greatest id left. The conversation lock (bot/lock_store.py, one
  Redis for several processes) keeps two turns of one conversation apart, as Rasa needs.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, TypeVar

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from bot import action_results
from bot.conversation_tracker import ConversationTracker
from bot.services import services
from core.db import SQLITE_ANY_THREAD, SQLITE_POOL

log = logging.getLogger(__name__)

_FIRST_DELAY, _MAX_DELAY = 0.2, 1.0
HELD_CONVERSATIONS = 500  # trackers kept per process (least recently used dropped)

T = TypeVar("T")


def is_disconnect(error: BaseException) -> bool:
    """The database server is unreachable or dropped the connection (not a bad query)."""
    return isinstance(error, sa.exc.DBAPIError) and (
        error.connection_invalidated
        or isinstance(error, (sa.exc.OperationalError, sa.exc.InterfaceError))
    )


@dataclass
class _Held:
    tracker: DialogueStateTracker  # the object last handed out or saved
    events: int  # len(tracker.events) when it was read or saved: more means unsaved events
    last_id: int | None  # the sender's greatest events.id then


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
        action_results.install()  # the Rasa server builds this store once, at start
        self._held: OrderedDict[str, _Held] = OrderedDict()
        self._held_lock = threading.Lock()
        self.retry_seconds = 0.0
        self._unreachable = False  # the last call gave up: try once until one succeeds
        if not url.drivername.startswith("sqlite"):
            self._reconnecting_engine()
            self.retry_seconds = settings.tracker_store_retry_seconds
        elif url.database:
            self._pooled_sqlite_engine()

    def _reconnecting_engine(self) -> None:
        """Swap the engine Rasa built for one that survives a database restart.

        `SQLTrackerStore.__init__` creates `self.engine` (and the tables) and binds
        `self.sessionmaker` to it; every later session comes from that sessionmaker.
        """
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sessionmaker(bind=self.engine)

    def _pooled_sqlite_engine(self) -> None:
        """Swap the engine Rasa built on a SQLite file for one that keeps its connections.

        SQLAlchemy 1.4 gives SQLite files a NullPool: a new connection for every session, two
        or three per turn (the profile in docs/performance.md). The pool is core.db's
        (`SQLITE_POOL`); transactions stay as Rasa's engine makes them (pysqlite's own BEGIN
        before the first write), not core.db's BEGIN events.
        """
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, connect_args=SQLITE_ANY_THREAD, **SQLITE_POOL)
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

    def init_tracker(self, sender_id: str) -> DialogueStateTracker:
        """A new conversation's tracker: Rasa's, as a `ConversationTracker`."""
        return ConversationTracker(sender_id, self.domain.slots, max_event_history=self.max_event_history)

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        return await self._retrying("retrieve", lambda: asyncio.to_thread(self._read, sender_id, False))

    async def retrieve_full_tracker(self, conversation_id: str) -> Optional[DialogueStateTracker]:
        return await self._retrying("retrieve", lambda: asyncio.to_thread(self._read, conversation_id, True))

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        await self._retrying("save", lambda: asyncio.to_thread(self._write, tracker))

    async def keys(self) -> Iterable[str]:
        return await self._retrying("keys", lambda: super(UrlSQLTrackerStore, self).keys())

    # --- in a worker thread ----------------------------------------------------------------

    def _last_id(self, session: Any, sender_id: str) -> int | None:
        events = self.SQLEvent.__table__
        return session.execute(sa.select(sa.func.max(events.c.id)).where(events.c.sender_id == sender_id)).scalar()

    def _read(self, sender_id: str, all_sessions: bool) -> Optional[DialogueStateTracker]:
        """The tracker of the latest session (of all sessions: `all_sessions`), or None."""
        with self.session_scope() as session:
            last_id = None if all_sessions else self._last_id(session, sender_id)  # only held ones need it
            if not all_sessions and (held := self._holding(sender_id, last_id)) is not None:
                return held
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=all_sessions).all()
        events = [json.loads(row.data) for row in rows]
        if not (self.domain and events):
            self._forget(sender_id)
            return None
        tracker = ConversationTracker.from_dict(sender_id, events, self.domain.slots)
        if not all_sessions:
            self._hold(tracker, last_id)
        return tracker

    def _write(self, tracker: DialogueStateTracker) -> None:
        """Store the events of `tracker` the database does not have yet, in one transaction."""
        sender_id = tracker.sender_id
        with self.session_scope() as session:
            last_id = self._last_id(session, sender_id)
            with self._held_lock:
                held = self._held.get(sender_id)
            if held is not None and held.tracker is tracker and held.last_id == last_id:
                new: list[Event] = list(itertools.islice(tracker.events, held.events, None))
            else:
                new = list(self._additional_events(session, tracker))
            stored_id = last_id
            if new:
                # One executemany of plain rows (no ORM objects to flush one by one); the ids
                # it gave are the sender's greatest now, since the conversation is locked.
                session.execute(self.SQLEvent.__table__.insert(), [self._row(sender_id, event) for event in new])
                stored_id = self._last_id(session, sender_id)
            session.commit()
        if any(isinstance(event, SessionStarted) for event in new):
            self._forget(sender_id)  # a new session: read it as Rasa does, its events only
        else:
            self._hold(tracker, stored_id)

    @staticmethod
    def _row(sender_id: str, event: Event) -> dict[str, Any]:
        """Rasa's `SQLTrackerStore.save` row for one event, as the columns' values."""
        data = event.as_dict()
        return dict(
            sender_id=sender_id,
            type_name=event.type_name,
            timestamp=data.get("timestamp"),
            intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            action_name=data.get("name"),
            data=json.dumps(data),
        )

    def _holding(self, sender_id: str, last_id: int | None) -> Optional[DialogueStateTracker]:
        with self._held_lock:
            held = self._held.get(sender_id)
            if held is None:
                return None
            if held.last_id != last_id or len(held.tracker.events) != held.events:
                del self._held[sender_id]  # written elsewhere, or left with unsaved events
                return None
            self._held.move_to_end(sender_id)
            return held.tracker

    def _hold(self, tracker: DialogueStateTracker, last_id: int | None) -> None:
        with self._held_lock:
            self._held[tracker.sender_id] = _Held(tracker, len(tracker.events), last_id)
            self._held.move_to_end(tracker.sender_id)
            while len(self._held) > HELD_CONVERSATIONS:
                self._held.popitem(last=False)

    def _forget(self, sender_id: str) -> None:
        with self._held_lock:
            self._held.pop(sender_id, None)
