"""Retention: personal data is kept only as long as the office needs it (`RETENTION_DAYS`).

`purge` deletes, older than the period: whole conversations (Rasa's `events`, by their
latest event), sessions that took place and their applications, closed tickets with their
deliveries, feedback and unanswered-question records. Plain SQLAlchemy, one transaction.
"""
from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa

from activities.models import ActivitySessionRow, ApplicationRow
from core.clock import beijing_epoch, beijing_now
from core.db import UnitOfWork
from core.rasa_events import EVENTS as _EVENTS
from core.rasa_events import has_events
from handoff.models import OPEN, FeedbackRow, OutboxRow, TicketRow
from kb.models import UnansweredQuestionRow

log = logging.getLogger(__name__)


def purge(database_url: str, older_than: dt.timedelta, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete what is older than `older_than`; returns the number of rows per kind."""
    now = now or beijing_now()
    cutoff = now - older_than
    counts: dict[str, int] = {}
    with UnitOfWork(database_url).session() as session:
        if has_events(session):
            # Rasa stores epoch seconds; `now` is Beijing time (core.clock).
            epoch = beijing_epoch(cutoff)
            stale = (
                sa.select(_EVENTS.c.sender_id)
                .group_by(_EVENTS.c.sender_id)
                .having(sa.func.max(_EVENTS.c.timestamp) < epoch)
            )
            senders = list(session.execute(stale).scalars())
            counts["conversations"] = len(senders)
            for chunk in range(0, len(senders), 500):
                session.execute(sa.delete(_EVENTS).where(_EVENTS.c.sender_id.in_(senders[chunk:chunk + 500])))
        past = sa.select(ActivitySessionRow.id).where(ActivitySessionRow.starts_at < cutoff)
        counts["applications"] = session.execute(
            sa.delete(ApplicationRow).where(ApplicationRow.session_id.in_(past)).execution_options(synchronize_session=False)
        ).rowcount
        counts["sessions"] = session.execute(
            sa.delete(ActivitySessionRow).where(ActivitySessionRow.starts_at < cutoff)
        ).rowcount
        old_tickets = sa.select(TicketRow.id).where(TicketRow.created_at < cutoff, TicketRow.status != OPEN)
        session.execute(
            sa.delete(OutboxRow).where(OutboxRow.ticket_id.in_(old_tickets)).execution_options(synchronize_session=False)
        )
        counts["tickets"] = session.execute(
            sa.delete(TicketRow).where(TicketRow.created_at < cutoff, TicketRow.status != OPEN)
        ).rowcount
        counts["feedback"] = session.execute(sa.delete(FeedbackRow).where(FeedbackRow.created_at < cutoff)).rowcount
        counts["unanswered"] = session.execute(
            sa.delete(UnansweredQuestionRow).where(
                UnansweredQuestionRow.asked_at < beijing_now() - older_than
            )
        ).rowcount
    log.info("retention purge older than %s: %s", cutoff, counts)
    return counts
