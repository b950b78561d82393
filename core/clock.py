"""The one clock: Beijing's time and date, and the one convention for stored times.

The assistant serves Beijing (Asia/Shanghai: UTC+8 all year, no daylight saving) whatever
the server's own zone, so nothing here reads the server's local time. Every module that
writes or compares a stored time takes it from here.

Stored times. SQLAlchemy `DateTime` columns hold naive values (no zone). The one
convention: every stored time is naive **Beijing** time, written with `beijing_now()` —
`kb_documents.built_at`, `.withdrawn_at`, `kb_unanswered_questions.asked_at` (migration 0006
moved their earlier naive-UTC values by +8 h); `act_sessions.starts_at`, `.ends_at`,
`.imported_at` (and `.announced_on`, a Beijing date); `act_applications.consent_at`,
`.applied_at`, `.status_changed_at`, `.invited_at`; `ho_tickets.created_at`, `.consent_at`,
`.closed_at`, `.resumed_at`; `ho_outbox.next_attempt_at`, `.delivered_at`;
`ho_feedback.created_at`; `ho_tickets.claimed_at`, `ho_staff_messages.created_at`,
`.delivered_at`; `st_staff.created_at`, `.password_changed_at`, `.locked_until`;
`st_sessions.created_at`, `.expires_at`; `st_audit.at`; `kb_unanswered_questions.reviewed_at`. The plans, the operators' schedule files and the citizens all speak
Beijing time. Rasa's own `events.timestamp` (core.rasa_events) is epoch seconds: compare a
stored time with it, or send one to another system, through `beijing_epoch()`.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing_now(microseconds: bool = False) -> dt.datetime:
    """Now in Beijing as a naive datetime, what every stored time is: to the second, or with
    its microseconds (`kb_documents.built_at`, whose changes tell readers to reload)."""
    now = dt.datetime.now(BEIJING).replace(tzinfo=None)
    return now if microseconds else now.replace(microsecond=0)


def beijing_today() -> dt.date:
    """Today's date in Beijing, whatever the server's zone."""
    return dt.datetime.now(BEIJING).date()


def beijing_epoch(moment: dt.datetime) -> float:
    """A naive Beijing time (as every table stores it) → epoch seconds, as Rasa's
    `events.timestamp` stores time and as the hotline webhook's timestamp header sends it."""
    return moment.replace(tzinfo=BEIJING).timestamp()
