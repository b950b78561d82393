"""Database plumbing for everything the assistant stores besides Rasa's conversations.

One SQLAlchemy declarative `Base` (one metadata: every package's tables, prefixed `kb_`,
`act_`, `ho_` so they never clash with Rasa's `events`), an engine per URL (`engine_for`), a
unit of work around a session (`UnitOfWork`), and the Alembic migrations of all those tables
(`core/migrations/`, version table `VERSION_TABLE`) run in code by `migrate`, so `make run`
and the tests bring any database (SQLite or PostgreSQL) to the current schema.

Imports nothing of ours; the packages' models import `Base` from here.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, declarative_base, sessionmaker

Base = declarative_base()

MIGRATIONS = Path(__file__).parent / "migrations"
# Named when the migrations lived in kb/; kept: existing databases record their version there.
VERSION_TABLE = "kb_alembic_version"
# Execution option: "IMMEDIATE" makes a SQLite transaction take the write lock at BEGIN.
SQLITE_BEGIN = "sqlite_begin"
# How a SQLite file's connections are kept (every engine on one: ours and the tracker store's):
# pooled, SQLAlchemy 2.0's default for SQLite files; 1.4 opens a new one, with its PRAGMA, per
# session. The pool hands each connection to one thread at a time.
SQLITE_POOL: dict[str, Any] = {"poolclass": sa.pool.QueuePool, "pool_size": 10, "max_overflow": 40}
SQLITE_ANY_THREAD: dict[str, Any] = {"check_same_thread": False}


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One pooled engine per database URL and process."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # Rasa's server and the action server share the file: wait for locks, don't fail,
        # and use WAL (persistent in the file) so readers never block the tracker's writes.
        engine = sa.create_engine(url, connect_args={"timeout": 30, **SQLITE_ANY_THREAD}, **SQLITE_POOL, future=True)
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    # Enough connections for a burst of concurrent sign-ups in one action server.
    return sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=40, future=True)


def _sqlite_connect(connection, _record) -> None:
    connection.execute("PRAGMA journal_mode=WAL")
    # Let SQLAlchemy emit BEGIN itself (pysqlite's own BEGIN comes too late, after reads),
    # so a read-then-write transaction can ask for the write lock up front.
    connection.isolation_level = None


def _sqlite_begin(connection: sa.engine.Connection) -> None:
    mode = connection.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def migrate(url: str) -> None:
    """Bring the database at `url` to the newest schema (idempotent)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine_for(url)
    command.upgrade(config, "head")


class UnitOfWork:
    """A session whose changes are committed together or not at all."""

    def __init__(self, url: str) -> None:
        self._factory = sessionmaker(bind=engine_for(url), future=True, expire_on_commit=False)

    @contextmanager
    def session(self, writes_after_reads: bool = False) -> Iterator[Session]:
        """`writes_after_reads`: the transaction reads, then writes on what it read.

        On SQLite it then takes the write lock at BEGIN, so concurrent ones queue (up to the
        busy timeout) instead of failing with "database is locked" when upgrading a read lock.
        PostgreSQL needs nothing here: the callers lock rows or rely on unique constraints.
        """
        session = self._factory()
        if writes_after_reads:
            session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
