"""The conversation lock store, selected by the environment like the tracker store.

Rasa serialises the messages of one conversation with a ticket lock: a message waits until
the one before it has been answered. The lock must be shared by every process that handles
messages (several `rasa run` behind nginx, or SANIC_WORKERS > 1), so production keeps it in
Redis; a single development process keeps it in memory.

    lock_store:
      type: bot.lock_store.UrlLockStore

- `LOCK_STORE_URL` set (``redis://[:password@]host:6379/1``, ``rediss://`` for TLS): Redis,
  with keys ``daxing:lock:<conversation id>``;
- unset: Rasa's `InMemoryLockStore` (one process only; starting Rasa with SANIC_WORKERS > 1
  then fails with a clear error instead of silently giving each worker its own locks).

Rasa's own `RedisLockStore` reads, changes and writes a lock in three separate commands, so
two processes issuing tickets for the same conversation at the same moment can both get the
same ticket and answer in parallel, or lose a ticket and stall the conversation until it
expires (60 s). `AtomicRedisLockStore` makes every change of a lock one optimistic Redis
transaction (WATCH/MULTI/EXEC), retried on conflict. A queued message also checks for its
turn every 0.1 s instead of Rasa's 1 s.
"""
from __future__ import annotations

import json
import logging
import os
from collections.abc import AsyncGenerator, Mapping
from contextlib import asynccontextmanager
from typing import Any, Callable, Optional, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

from rasa.core.lock import TicketLock
from rasa.core.lock_store import (
    LOCK_LIFETIME,
    InMemoryLockStore,
    LockError,
    LockStore,
    RedisLockStore,
)
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from bot.settings import Settings

log = logging.getLogger(__name__)

LOCK_STORE_URL_VARIABLE = "LOCK_STORE_URL"
KEY_PREFIX = "daxing"
# A lock operation is one tiny command: if Redis does not answer within this, it is down,
# and the citizen should get an error reply now rather than wait Rasa's default 10 s.
DEFAULT_SOCKET_TIMEOUT_SECONDS = 3.0
_MAX_TRANSACTION_ATTEMPTS = 50
# How often a message waiting behind another one of its conversation checks the lock.
WAIT_SECONDS = 0.1

T = TypeVar("T")


class LockStoreConfigurationError(RasaException):
    """The lock store cannot be built from this configuration."""


def redis_options(url: str) -> dict[str, Any]:
    """`RedisLockStore` keyword arguments from ``redis[s]://[user:password@]host[:port][/db]``.

    Query parameters: ``socket_timeout`` (seconds), ``key_prefix`` (alphanumeric).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise LockStoreConfigurationError(
            f"{LOCK_STORE_URL_VARIABLE} must be a redis:// or rediss:// URL, got {parts.scheme or url!r}"
        )
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    path = parts.path.strip("/")
    try:
        db = int(path) if path else 0
    except ValueError:
        raise LockStoreConfigurationError(
            f"{LOCK_STORE_URL_VARIABLE}: the path must be a Redis database number, got {path!r}"
        ) from None
    return {
        "host": parts.hostname or "localhost",
        "port": parts.port or 6379,
        "db": db,
        "username": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "use_ssl": parts.scheme == "rediss",
        "key_prefix": query.get("key_prefix", KEY_PREFIX),
        "socket_timeout": float(query.get("socket_timeout", DEFAULT_SOCKET_TIMEOUT_SECONDS)),
    }


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's `RedisLockStore` whose lock changes are atomic across processes."""

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = WAIT_SECONDS,
    ) -> AsyncGenerator[TicketLock, None]:
        """Rasa's ticket lock; Rasa calls it without a wait time, so this default counts."""
        async with super().lock(conversation_id, lock_lifetime, wait_time_in_seconds) as lock:
            yield lock

    def _transact(
        self,
        conversation_id: str,
        change: Callable[[Optional[TicketLock]], tuple[Optional[TicketLock], T]],
    ) -> T:
        """Apply `change` to the stored lock in one transaction; a `None` lock deletes it."""
        import redis

        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            for _ in range(_MAX_TRANSACTION_ATTEMPTS):
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    new_lock, result = change(lock)
                    pipe.multi()
                    if new_lock is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, new_lock.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another process changed the lock meanwhile: read it again
        raise LockError(f"Lock for conversation '{conversation_id}' is too contended.")

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: Optional[TicketLock]) -> tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._transact(conversation_id, issue)
        except LockError:
            raise
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: Optional[TicketLock]) -> tuple[Optional[TicketLock], None]:
            if lock is None:
                return None, None
            lock.remove_expired_tickets()
            return lock, None

        self._transact(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._finish(conversation_id, ticket_number, delete_when_idle=False)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Remove our ticket, and the lock if nobody waits: one step, so a ticket another
        process issues in between is never deleted with the lock."""
        self._finish(conversation_id, ticket_number, delete_when_idle=True)

    def _finish(self, conversation_id: str, ticket_number: int, delete_when_idle: bool) -> None:
        def finish(lock: Optional[TicketLock]) -> tuple[Optional[TicketLock], None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            if delete_when_idle and not lock.is_someone_waiting():
                return None, None
            return lock, None

        self._transact(conversation_id, finish)


def lock_store_from_environment(
    environ: Optional[Mapping[str, str]] = None, url: Optional[str] = None
) -> LockStore:
    """Redis when a URL is given or `LOCK_STORE_URL` is set, otherwise in memory.

    `environ`: the environment whose settings (`Settings.from_env`: LOCK_STORE_URL,
    SANIC_WORKERS) decide; this process's when None. Raises LockStoreConfigurationError for
    several Sanic workers without Redis or an unusable URL, SettingsError for a bad value.
    """
    settings = Settings.from_env(os.environ if environ is None else environ)
    url = (url or settings.lock_store_url).strip()
    if url:
        options = redis_options(url)
        log.info(
            "lock store: Redis at %s:%s/%s (key prefix %s)",
            options["host"], options["port"], options["db"], options["key_prefix"],
        )
        return AtomicRedisLockStore(**options)
    if settings.sanic_workers > 1:
        raise LockStoreConfigurationError(
            f"SANIC_WORKERS={settings.sanic_workers} needs a shared lock store: set "
            f"{LOCK_STORE_URL_VARIABLE} (e.g. redis://127.0.0.1:6379/1). With in-memory locks "
            "each worker would answer the messages of one conversation in parallel."
        )
    log.info("lock store: in memory (single process; set %s for several)", LOCK_STORE_URL_VARIABLE)
    return InMemoryLockStore()


class UrlLockStore:
    """The `lock_store: type:` for endpoints.yml: builds the store the environment asks for.

    Rasa instantiates a custom lock store as ``cls(endpoint_config=...)``; constructing this
    class returns an `AtomicRedisLockStore` or an `InMemoryLockStore` (real Rasa lock stores,
    so Rasa's own type checks keep working), not an instance of this class. A ``url:`` in
    the endpoint configuration takes precedence over `LOCK_STORE_URL`. Rasa builds it once
    per process, at startup: it reads this process's settings then.
    """

    def __new__(  # type: ignore[misc]
        cls, endpoint_config: Optional[EndpointConfig] = None, **_: Any
    ) -> LockStore:
        url = endpoint_config.url if endpoint_config is not None else None
        return lock_store_from_environment(url=url)
