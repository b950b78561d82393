"""Rasa's `events` table (its SQL tracker store), as our code reads and changes it.

Rasa creates and owns the table; we never migrate it (core.migrations leaves it alone). Two
jobs touch it in the same database as our tables: forgetting a person
(activities.redaction) and purging old conversations (ops.retention). Both use this one
declaration of the columns they need: `id`, `sender_id`, `type_name` (e.g. "user"),
`timestamp` (epoch seconds, see core.clock) and `data` (the event as Rasa's JSON text).

`EVENTS`: a lightweight `sqlalchemy.table` (no metadata, so Alembic never sees it).
`has_events(session)`: whether the table exists yet (Rasa creates it on its first start).
`conversations_per_day(session, first, last)`: the console's dashboard figure.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.clock import BEIJING

NAME = "events"
EVENTS = sa.table(NAME, sa.column("id"), sa.column("sender_id"), sa.column("type_name"), sa.column("timestamp"),
                  sa.column("data"))


def has_events(session: Session) -> bool:
    """True when Rasa's `events` table exists in the session's database."""
    return sa.inspect(session.connection()).has_table(NAME)


def conversations_per_day(session: Session, first: dt.date, last: dt.date) -> dict[dt.date, int]:
    """How many conversations had at least one citizen message on each day from `first` to
    `last` (Beijing dates, both included; days without any are 0). {} when Rasa's table does
    not exist yet. Counted from the `user` events' epoch timestamps."""
    if not has_events(session):
        return {}
    since = dt.datetime.combine(first, dt.time(), BEIJING).timestamp()
    until = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), BEIJING).timestamp()
    rows = session.execute(
        sa.select(EVENTS.c.sender_id, EVENTS.c.timestamp)
        .where(EVENTS.c.type_name == "user", EVENTS.c.timestamp >= since, EVENTS.c.timestamp < until)
    ).all()
    senders: dict[dt.date, set[str]] = {first + dt.timedelta(days=n): set() for n in range((last - first).days + 1)}
    for sender, timestamp in rows:
        day = dt.datetime.fromtimestamp(timestamp, BEIJING).date()
        if day in senders:
            senders[day].add(sender)
    return {day: len(found) for day, found in senders.items()}
