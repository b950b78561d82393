"""One convention for stored times (core/clock.py): every table stores naive Beijing time.
Migration 0006 moves the knowledge base's earlier naive-UTC bookkeeping times by +8 h, on
SQLite and on PostgreSQL, and back on downgrade; new rows are written in Beijing time."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from core.clock import beijing_now
from core.db import MIGRATIONS, engine_for, migrate
from kb.store import build, plan_files

UTC_BUILT = dt.datetime(2026, 11, 30, 23, 30, 0)
UTC_ASKED = dt.datetime(2026, 11, 30, 2, 15, 0)


def _alembic(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine_for(url)
    return config


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """An empty database of its own (the session's PostgreSQL database is already migrated)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'times.db'}"
        return
    server = sa.create_engine(request.getfixturevalue("postgres_url"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text("DROP DATABASE IF EXISTS stored_times"))
        connection.execute(sa.text("CREATE DATABASE stored_times"))
    yield sa.engine.make_url(request.getfixturevalue("postgres_url")).set(database="stored_times") \
        .render_as_string(hide_password=False)
    engine_for(str(sa.engine.make_url(request.getfixturevalue("postgres_url")).set(database="stored_times")
                   .render_as_string(hide_password=False))).dispose()


def test_migration_0006_moves_utc_bookkeeping_times_to_beijing_time_and_back(database_url: str) -> None:
    config = _alembic(database_url)
    command.upgrade(config, "0005")
    engine = engine_for(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO kb_documents (number, title, issuer, kind, source_file, content_sha256, built_at, withdrawn_at)"
            " VALUES ('京兴测试〔2023〕9号', 't', 'i', 'work_points', 'f', 'x', :built, NULL)"), {"built": UTC_BUILT})
        connection.execute(sa.text(
            "INSERT INTO kb_unanswered_questions (question, reason, asked_at) VALUES ('q', 'r', :asked)"),
            {"asked": UTC_ASKED})
    command.upgrade(config, "0006")
    assert _times(engine) == (dt.datetime(2026, 12, 1, 7, 30, 0), None, dt.datetime(2026, 11, 30, 10, 15, 0))
    command.downgrade(config, "0005")
    assert _times(engine) == (UTC_BUILT, None, UTC_ASKED)


def _times(engine: sa.engine.Engine) -> tuple:
    """(built_at, withdrawn_at, asked_at) read as DateTime on either backend."""
    documents = sa.table("kb_documents", sa.column("built_at", sa.DateTime), sa.column("withdrawn_at", sa.DateTime))
    questions = sa.table("kb_unanswered_questions", sa.column("asked_at", sa.DateTime))
    with engine.connect() as connection:
        built, withdrawn = connection.execute(sa.select(documents)).one()
        return built, withdrawn, connection.execute(sa.select(questions)).scalar_one()


def test_a_new_build_is_stamped_in_beijing_time(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    before = beijing_now()
    build(url, plan_files())
    migrate(url)
    documents = sa.table("kb_documents", sa.column("built_at", sa.DateTime))
    with engine_for(url).connect() as connection:
        built = connection.execute(sa.select(sa.func.max(documents.c.built_at))).scalar_one()
    assert before <= built <= beijing_now() + dt.timedelta(seconds=1)


def test_the_hotline_webhooks_timestamp_is_the_epoch_of_beijing_now(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The ticket's times are naive Beijing time; the X-Daxing-Timestamp header is epoch
    seconds, so it is converted through the zone, not read in the server's own zone."""
    import asyncio
    import time

    from handoff.service import TIMESTAMP_HEADER, HandoffService, TicketRequest

    url = f"sqlite:///{tmp_path / 'ho.db'}"
    migrate(url)
    service = HandoffService(url, webhook_configured=True)
    service.open_ticket(TicketRequest(channel="rest", sender_id="s1", reason="requested", transcript=[]))
    sent: list[dict[str, str]] = []

    async def post(body: bytes, headers: dict[str, str]) -> int:
        sent.append(headers)
        return 200

    assert asyncio.run(service.deliver_due(post, "secret")) == (1, 0)
    assert abs(int(sent[0][TIMESTAMP_HEADER]) - time.time()) < 60
