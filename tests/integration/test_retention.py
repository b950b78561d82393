"""Retention purges what is older than the period, on SQLite and PostgreSQL, and keeps the rest."""
from __future__ import annotations

import asyncio
import datetime as dt

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from activities.service import ActivityService
from bot.tracker_store import UrlSQLTrackerStore
from handoff.service import HandoffService, TicketRequest
from ops.retention import purge
from tests.activity_support import NOW, load, request, session_row


def test_purge_removes_only_what_is_older_than_the_period(service: ActivityService) -> None:
    url = service.database_url
    load(service, session_row(code="OLD"), session_row(code="NEW", starts_at="2027-06-01 09:30"))
    service.apply(request("OLD", phone="13800000001"))
    service.apply(request("NEW", phone="13800000002"))
    store = UrlSQLTrackerStore(domain=Domain.empty(), host=url)
    year_ago = (NOW - dt.timedelta(days=365)).timestamp() - 8 * 3600
    old = DialogueStateTracker.from_events("old-chat", [UserUttered("我叫张三 13800000001", timestamp=year_ago)])
    recent = dt.datetime(2027, 7, 1, tzinfo=dt.timezone.utc).timestamp()
    new = DialogueStateTracker.from_events("new-chat", [UserUttered("你好", timestamp=recent)])
    asyncio.run(store.save(old))
    asyncio.run(store.save(new))
    handoff = HandoffService(url, False, clock=lambda: NOW - dt.timedelta(days=365))
    closed = handoff.open_ticket(TicketRequest("rest", "old-chat", "requested", []))
    handoff.close(closed.number)
    still_open = handoff.open_ticket(TicketRequest("rest", "old-chat-2", "requested", []))

    # 180 days before 1 August 2027: the December 2026 session is past, June 2027's is not.
    counts = purge(url, dt.timedelta(days=180), now=dt.datetime(2027, 8, 1))

    assert counts["conversations"] >= 1 and counts["applications"] == 1 and counts["sessions"] == 1
    assert asyncio.run(store.retrieve("old-chat")) is None
    assert asyncio.run(store.retrieve("new-chat")) is not None
    assert [a.phone for a in service.applications()] == ["13800000002"]
    assert handoff.ticket(closed.number) is None
    assert handoff.ticket(still_open.number) is not None  # open tickets wait for a person
