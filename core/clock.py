"""The one clock: Beijing's time and date, UTC for bookkeeping, and how stored times read.

The assistant serves Beijing (Asia/Shanghai: UTC+8 all year, no daylight saving) whatever
the server's own zone, so nothing here reads the server's local time. Every module that
writes or compares a stored time takes it from here.

Stored times. SQLAlchemy `DateTime` columns hold naive values (no zone); which zone a naive
value is in depends on the table family, and this is the one place that says so:

- `kb_*` (bookkeeping of the knowledge base) — naive **UTC**, written with `utc_now()`:
  `kb_documents.built_at`, `kb_documents.withdrawn_at`, `kb_unanswered_questions.asked_at`.
- `act_*` (activity sessions and applications) — naive **Beijing** time, written with
  `beijing_now()`: `act_sessions.starts_at`, `.ends_at`, `.imported_at` (and `.announced_on`,
  a Beijing date); `act_applications.consent_at`, `.applied_at`, `.status_changed_at`,
  `.invited_at`. The plans, the operators' schedule files and the citizens all speak
  Beijing time.
- `ho_*` (hand-off tickets, outbox, feedback) — naive **Beijing** time, written with
  `beijing_now()`: `ho_tickets.created_at`, `.consent_at`, `.closed_at`, `.resumed_at`;
  `ho_outbox.next_attempt_at`, `.delivered_at`; `ho_feedback.created_at`.
- Rasa's `events.timestamp` (core.rasa_events) — epoch seconds, Rasa's own; compare a
  naive Beijing time with it through `beijing_epoch()`.

A `kb_*` time is therefore never compared with an `act_*`/`ho_*` one without converting
(ops.retention purges each family against its own clock). Making the families agree would
need a data migration of the stored values; none has been made.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing_now() -> dt.datetime:
    """Now in Beijing as a naive datetime to the second: what `act_*`/`ho_*` columns store."""
    return dt.datetime.now(BEIJING).replace(tzinfo=None, microsecond=0)


def beijing_today() -> dt.date:
    """Today's date in Beijing, whatever the server's zone."""
    return dt.datetime.now(BEIJING).date()


def utc_now() -> dt.datetime:
    """Now in UTC as a naive datetime (microseconds kept): what `kb_*` columns store."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def beijing_epoch(moment: dt.datetime) -> float:
    """A naive Beijing time (as `act_*`/`ho_*` store it) → epoch seconds, as Rasa's
    `events.timestamp` stores time."""
    return moment.replace(tzinfo=BEIJING).timestamp()
