"""Database plumbing for everything the assistant stores besides Rasa's conversations.

One SQLAlchemy metadata (tables prefixed so they never clash with Rasa's `events`), an
engine per URL, a unit of work around a session, and Alembic migrations run in code so
`make run` and the tests bring any database (SQLite or PostgreSQL) to the current schema.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, declarative_base, sessionmaker

Base = declarative_base()

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "kb_alembic_version"


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One pooled engine per database URL and process."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # Rasa's server and the action server share the file: wait for locks, don't fail,
        # and use WAL (persistent in the file) so readers never block the tracker's writes.
        engine = sa.create_engine(url, connect_args={"timeout": 30}, future=True)
        sa.event.listen(engine, "connect", _sqlite_wal)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, future=True)


def _sqlite_wal(connection, _record) -> None:  # type: ignore[no-untyped-def]
    connection.execute("PRAGMA journal_mode=WAL")


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
    def session(self) -> Iterator[Session]:
        session = self._factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
