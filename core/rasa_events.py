"""Rasa's `events` table (its SQL tracker store), as our code reads and changes it.

Rasa creates and owns the table; we never migrate it (core.migrations leaves it alone). Two
jobs touch it in the same database as our tables: forgetting a person
(activities.redaction) and purging old conversations (ops.retention). Both use this one
declaration of the columns they need: `id`, `sender_id`, `type_name` (e.g. "user"),
`timestamp` (epoch seconds, see core.clock) and `data` (the event as Rasa's JSON text).

`EVENTS`: a lightweight `sqlalchemy.table` (no metadata, so Alembic never sees it).
`has_events(session)`: whether the table exists yet (Rasa creates it on its first start).
`conversations_per_day(session, first, last)`: the console's dashboard figure.
`messages_of(session, sender_id, since)`: a conversation's messages (`daxing tickets show`).
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.clock import BEIJING

NAME = "events"
EVENTS = sa.table(NAME, sa.column("id"), sa.column("sender_id"), sa.column("type_name"), sa.column("timestamp"),
                  sa.column("intent_name"), sa.column("action_name"), sa.column("data"))


def mark_changed(session: Session, sender_id: str) -> None:
    """After events of `sender_id` were changed in place (a person forgotten): the
    conversation's last event moves to a new, higher id, its content and place in the order
    unchanged, so a tracker store that holds the conversation (bot/tracker_store.py checks
    the greatest id) reads it again instead of showing what was removed."""
    columns = [EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.intent_name, EVENTS.c.action_name, EVENTS.c.data]
    last = session.execute(
        sa.select(EVENTS.c.id, *columns).where(EVENTS.c.sender_id == sender_id).order_by(EVENTS.c.id.desc()).limit(1)
    ).first()
    if last is None:
        return
    values: dict[str, Any] = {c.name: getattr(last, c.name) for c in columns}  # the id: the database's next
    # The copy first, then the original: SQLite gives a deleted greatest id to the next row.
    session.execute(sa.insert(EVENTS).values(sender_id=sender_id, **values))
    session.execute(sa.delete(EVENTS).where(EVENTS.c.id == last.id))


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


def messages_of(session: Session, sender_id: str, since: float) -> list[tuple[str, str, dict[str, Any], float]]:
    """The user and bot messages of one conversation from epoch `since` on, oldest first:
    (type_name "user" or "bot", text, metadata, timestamp). [] when the table does not exist."""
    if not has_events(session):
        return []
    rows = session.execute(
        sa.select(EVENTS.c.type_name, EVENTS.c.data, EVENTS.c.timestamp)
        .where(EVENTS.c.sender_id == sender_id, EVENTS.c.type_name.in_(("user", "bot")), EVENTS.c.timestamp >= since)
        .order_by(EVENTS.c.id)
    ).all()
    found = []
    for kind, data, timestamp in rows:
        event = json.loads(data) if data else {}
        if event.get("text"):
            found.append((kind, event["text"], event.get("metadata") or {}, timestamp))
    return found
