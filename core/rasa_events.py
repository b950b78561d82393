"""Rasa's `events` table (its SQL tracker store), as our code reads and changes it.

Rasa creates and owns the table; we never migrate it (core.migrations leaves it alone). Two
jobs touch it in the same database as our tables: forgetting a person
(activities.redaction) and purging old conversations (ops.retention). Both use this one
declaration of the columns they need: `id`, `sender_id`, `timestamp` (epoch seconds, see
core.clock) and `data` (the event as Rasa's JSON text).

`EVENTS`: a lightweight `sqlalchemy.table` (no metadata, so Alembic never sees it).
`has_events(session)`: whether the table exists yet (Rasa creates it on its first start).
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

NAME = "events"
EVENTS = sa.table(NAME, sa.column("id"), sa.column("sender_id"), sa.column("timestamp"), sa.column("data"))


def has_events(session: Session) -> bool:
    """True when Rasa's `events` table exists in the session's database."""
    return sa.inspect(session.connection()).has_table(NAME)
