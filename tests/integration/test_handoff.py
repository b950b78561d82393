"""Tickets and their delivery to a stand-in hotline system that checks signatures and fails
on purpose; nothing is lost while it is down. On SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
import datetime as dt

import aiohttp
import pytest
import sqlalchemy as sa

from bot.settings import load_settings
from handoff.models import CLOSED, TIMED_OUT, FeedbackRow, OutboxRow, TicketRow
from handoff.service import HandoffService, TicketRequest, backoff_seconds, transcript_line
from ops.handoff_worker import Worker
from core.db import engine_for
from tests.activity_support import NOW, Clock
from tests.hotline_standin import HotlineStandIn

SECRET = "test-hotline-secret"  # what tests/hotline_standin.py checks signatures with


def request(sender: str = "citizen-1", reason: str = "requested") -> TicketRequest:
    return TicketRequest(
        channel="socketio",
        sender_id=sender,
        reason=reason,
        transcript=[
            transcript_line("user", "我要投诉 我的电话13812345678", 1764300000.0),
            transcript_line("bot", "已为您转人工", 1764300001.0),
        ],
        contact_phone="13812345678",
        consent_at=NOW,
    )


@pytest.fixture
def handoff_db(migrated_db: str) -> str:
    """`migrated_db` without tickets, deliveries or feedback from earlier tests."""
    with engine_for(migrated_db).begin() as connection:
        for row in (OutboxRow, TicketRow, FeedbackRow):
            connection.execute(sa.delete(row.__table__))
    return migrated_db


@pytest.fixture
def own_hotline():
    """A stand-in of this test's own, so its attempt counts are this test's alone."""
    standin = HotlineStandIn(secret=SECRET).start()
    yield standin
    standin.stop()


def worker_for(url: str, hotline: HotlineStandIn, monkeypatch: pytest.MonkeyPatch, clock: Clock):
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("HOTLINE_WEBHOOK_URL", hotline.url)
    monkeypatch.setenv("HOTLINE_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("HOTLINE_TIMEOUT_SECONDS", "2")

    async def make(http: aiohttp.ClientSession) -> Worker:
        worker = Worker(load_settings(), http)
        worker.service.clock = clock
        return worker

    return make


def run_rounds(make, rounds: int, clock: Clock, step: dt.timedelta) -> None:
    async def go() -> None:
        async with aiohttp.ClientSession() as http:
            worker = await make(http)
            for _ in range(rounds):
                await worker.run_once()
                clock.now += step

    asyncio.run(go())


def test_ticket_has_number_transcript_and_masked_phone(handoff_db: str, clock: Clock) -> None:
    service = HandoffService(handoff_db, webhook_configured=False, clock=clock)
    ticket = service.open_ticket(request())
    assert ticket.number.startswith("20261201") and len(ticket.number) == 13
    assert ticket.masked_phone == "138****5678"
    assert ticket.transcript[0]["text"] == "我要投诉 我的电话138****5678"
    assert ticket.delivered is None  # no hotline webhook: it waits for operators
    assert service.pending_deliveries() == 0
    assert service.open_ticket_of("citizen-1") == ticket


def test_delivery_is_signed_and_retried_with_backoff_until_the_hotline_accepts(
    handoff_db: str, own_hotline: HotlineStandIn, monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    hotline = own_hotline
    hotline.fail_first = 3
    service = HandoffService(handoff_db, webhook_configured=True, clock=clock)
    number = service.open_ticket(request("citizen-2")).number
    # Rounds one minute apart: back-off (5, 10, 20 s) lets every round retry.
    run_rounds(worker_for(handoff_db, hotline, monkeypatch, clock), 6, clock, dt.timedelta(minutes=1))
    assert hotline.attempts == 4 and hotline.rejected_signatures == 0
    [payload] = [p for p in hotline.received if p["ticket"] == number]
    assert payload["reason"] == "requested" and payload["contact_phone"] == "13812345678"
    assert [t["role"] for t in payload["transcript"]] == ["user", "bot"]
    assert service.ticket(number).delivered is True
    assert service.pending_deliveries() == 0


def test_nothing_is_lost_while_the_hotline_is_down(
    handoff_db: str, monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    down = HotlineStandIn(secret=SECRET)  # not started: connection refused
    service = HandoffService(handoff_db, webhook_configured=True, clock=clock)
    numbers = [service.open_ticket(request(f"down-{i}")).number for i in range(3)]
    run_rounds(worker_for(handoff_db, down, monkeypatch, clock), 3, clock, dt.timedelta(minutes=1))
    assert all(service.ticket(n).delivered is False for n in numbers)
    up = HotlineStandIn(secret=SECRET, port=down.port).start()
    try:
        run_rounds(worker_for(handoff_db, up, monkeypatch, clock), 2, clock, dt.timedelta(minutes=11))
    finally:
        up.stop()
    assert sorted(p["ticket"] for p in up.received if p["ticket"] in numbers) == sorted(numbers)
    assert all(service.ticket(n).delivered for n in numbers)


def test_a_wrong_secret_is_refused_by_the_hotline(
    handoff_db: str, own_hotline: HotlineStandIn, monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    service = HandoffService(handoff_db, webhook_configured=True, clock=clock)
    number = service.open_ticket(request("citizen-3")).number
    hotline = own_hotline
    make = worker_for(handoff_db, hotline, monkeypatch, clock)
    monkeypatch.setenv("HOTLINE_WEBHOOK_SECRET", "not-the-shared-secret")
    run_rounds(make, 1, clock, dt.timedelta(minutes=1))
    assert hotline.rejected_signatures == 1 and service.ticket(number).delivered is False


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff_seconds(n) for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert backoff_seconds(30) == 600


def test_close_and_time_out_hand_conversations_back(handoff_db: str, clock: Clock) -> None:
    service = HandoffService(handoff_db, webhook_configured=False, clock=clock)
    closed = service.open_ticket(request("c-closed")).number
    clock.now += dt.timedelta(minutes=20)
    fresh = service.open_ticket(request("c-fresh")).number
    assert service.close(closed, note="已电话回复").status == CLOSED
    clock.now += dt.timedelta(minutes=15)
    assert service.time_out(dt.timedelta(minutes=30)) == []
    clock.now += dt.timedelta(minutes=20)
    assert service.time_out(dt.timedelta(minutes=30)) == [fresh]
    assert service.ticket(fresh).status == TIMED_OUT
    back = dict(service.to_hand_back())
    assert back[closed] == "c-closed" and back[fresh] == "c-fresh"
    service.handed_back(closed)
    assert closed not in dict(service.to_hand_back())


def test_negative_feedback_streak_and_report_figures(handoff_db: str, clock: Clock) -> None:
    service = HandoffService(handoff_db, webhook_configured=False, clock=clock)
    assert service.record_feedback("fb-1", False, answer="回答A") == 1
    assert service.record_feedback("fb-1", False, answer="回答B") == 2
    assert service.record_feedback("fb-1", True, answer="回答C") == 0
    assert service.record_feedback("fb-1", False, answer="回答D") == 1
    assert [f.answer for f in service.feedback_of("fb-1")] == ["回答A", "回答B", "回答C", "回答D"]
    assert service.satisfaction() == (1, 3)


def test_a_delivery_is_recorded_though_another_process_writes_meanwhile(
    tmp_path, own_hotline: HotlineStandIn, monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    """SQLite: the delivery is recorded though another process writes between its read and its
    write (found in a fresh-clone run's worker log as "database is locked": the delivery went
    unrecorded and was posted to the hotline again next round). Another connection tries to
    write just before the worker's UPDATE; the worker holds the write lock from BEGIN, so that
    write waits (and gives up here), and the worker's goes through."""
    import sqlite3

    from core.db import migrate

    path = tmp_path / "handoff.db"
    url = f"sqlite:///{path}"
    migrate(url)
    service = HandoffService(url, webhook_configured=True, clock=clock)
    number = service.open_ticket(request("citizen-race")).number
    other = sqlite3.connect(path, timeout=0.1, isolation_level=None)
    tried: list[str] = []

    def another_process_writes(connection, cursor, statement, *args) -> None:
        if statement.startswith("UPDATE ho_outbox"):
            try:
                other.execute("UPDATE ho_outbox SET last_error = last_error")
                tried.append("written")
            except sqlite3.OperationalError:
                tried.append("waited")

    sa.event.listen(engine_for(url), "before_cursor_execute", another_process_writes)
    try:
        run_rounds(worker_for(url, own_hotline, monkeypatch, clock), 1, clock, dt.timedelta(minutes=1))
    finally:
        sa.event.remove(engine_for(url), "before_cursor_execute", another_process_writes)
        other.close()
    assert tried == ["waited"]
    assert service.ticket(number).delivered is True and own_hotline.attempts == 1
