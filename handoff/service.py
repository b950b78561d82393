"""Tickets for people to take over, their delivery to the hotline system, and feedback.

Plain Python (no Rasa). `HandoffService.open_ticket` stores the ticket and, when a hotline
webhook is configured, its outbox row in one transaction; `deliver_due` sends what is due,
signed with HMAC-SHA256, and reschedules failures with exponential back-off.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa

from core.clock import beijing_epoch, beijing_now
from core.db import UnitOfWork
from core.privacy import mask_phone, mask_phones_in, phone_of
from handoff.models import CLOSED, OPEN, TIMED_OUT, FeedbackRow, OutboxRow, TicketRow
from kb.models import UnansweredQuestionRow

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Daxing-Signature"
TIMESTAMP_HEADER = "X-Daxing-Timestamp"
FIRST_RETRY_SECONDS = 5
MAX_RETRY_SECONDS = 600

# This many 不满意 in a row hand the conversation to a person.
NEGATIVE_FEEDBACK_HANDOFF = 2

# A delivery attempt: (body, headers) → HTTP status; raises on network errors and timeouts.
Post = Callable[[bytes, dict[str, str]], Awaitable[int]]


@dataclass(frozen=True)
class TicketRequest:
    channel: str
    sender_id: str
    reason: str
    transcript: list[dict[str, Any]]
    # As the citizen gave it; stored canonical (core.privacy.phone_of: 11 digits).
    contact_phone: str | None = None
    consent_at: dt.datetime | None = None


@dataclass(frozen=True)
class TicketView:
    number: str
    channel: str
    sender_id: str
    reason: str
    masked_phone: str | None
    status: str
    created_at: dt.datetime
    transcript: list[dict[str, Any]]
    delivered: bool | None  # None: no hotline webhook configured
    claimed_by: str | None = None  # the member of staff who took it over in the console
    note: str | None = None


def sign(body: bytes, secret: str) -> str:
    """The signature header's value: "sha256=" + hex HMAC of the exact body bytes."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff_seconds(attempts: int) -> int:
    """5 s, 10 s, 20 s … capped at 10 minutes: a down hotline system is not hammered."""
    return min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)


class HandoffSettings(Protocol):
    """What `HandoffService.from_settings` reads (the assistant's `bot.settings.Settings` has it;
    handoff sits below bot and does not import it)."""

    @property
    def database_url(self) -> str: ...

    @property
    def hotline_webhook_url(self) -> str: ...


class HandoffService:
    def __init__(
        self, database_url: str, webhook_configured: bool, clock: Callable[[], dt.datetime] = beijing_now
    ) -> None:
        self.uow = UnitOfWork(database_url)
        self.webhook_configured = webhook_configured
        self.clock = clock

    @classmethod
    def from_settings(cls, settings: HandoffSettings) -> "HandoffService":
        """The service as the running assistant configures it (bot.settings)."""
        return cls(settings.database_url, webhook_configured=bool(settings.hotline_webhook_url))

    # --- tickets ---------------------------------------------------------------------

    def open_ticket(self, request: TicketRequest) -> TicketView:
        """Store a ticket (and its outbox entry) and return it. The contact phone is stored
        canonical (11 digits), or not at all when it is no mainland mobile number."""
        now = self.clock()
        phone = phone_of(request.contact_phone) if request.contact_phone else None
        with self.uow.session() as session:
            ticket = TicketRow(
                channel=request.channel,
                sender_id=request.sender_id,
                reason=request.reason,
                contact_phone=phone,
                consent_at=request.consent_at if phone else None,
                transcript=request.transcript,
                status=OPEN,
                created_at=now,
            )
            session.add(ticket)
            session.flush()
            ticket.number = f"{now:%Y%m%d}{ticket.id:05d}"
            if self.webhook_configured:
                session.add(OutboxRow(ticket=ticket, payload=_payload(ticket), next_attempt_at=now))
            log.info("ticket %s opened for %s (%s)", ticket.number, ticket.sender_id, ticket.reason)
            return _view(ticket)

    def tickets(self, status: str | None = None, limit: int = 100) -> list[TicketView]:
        with self.uow.session() as session:
            query = sa.select(TicketRow).order_by(TicketRow.id.desc()).limit(limit)
            if status:
                query = query.where(TicketRow.status == status)
            return [_view(row) for row in session.execute(query).scalars()]

    def ticket(self, number: str) -> TicketView | None:
        with self.uow.session() as session:
            row = _ticket(session, number)
            return _view(row) if row else None

    def contact_phone(self, number: str) -> str | None:
        """The call-back number in full (11 digits), or None. Only for staff whose role may
        see it; the caller audits it."""
        with self.uow.session() as session:
            row = _ticket(session, number)
            return row.contact_phone if row else None

    def has_ticket(self, sender_id: str) -> bool:
        """Whether this conversation was ever handed to a person (an indexed lookup)."""
        with self.uow.session() as session:
            return session.execute(
                sa.select(TicketRow.id).where(TicketRow.sender_id == sender_id).limit(1)
            ).first() is not None

    def open_ticket_of(self, sender_id: str) -> TicketView | None:
        with self.uow.session() as session:
            row = session.execute(
                sa.select(TicketRow)
                .where(TicketRow.sender_id == sender_id, TicketRow.status == OPEN)
                .order_by(TicketRow.id.desc())
            ).scalars().first()
            return _view(row) if row else None

    def close(self, number: str, note: str | None = None, status: str = CLOSED) -> TicketView | None:
        with self.uow.session(writes_after_reads=True) as session:
            row = _ticket(session, number)
            if row is None:
                return None
            if row.status == OPEN:
                row.status, row.closed_at, row.note = status, self.clock(), note
            return _view(row)

    def time_out(self, older_than: dt.timedelta) -> list[str]:
        """Close open tickets nobody took over in time; their conversations go back to the bot."""
        with self.uow.session(writes_after_reads=True) as session:
            rows = list(session.execute(
                sa.select(TicketRow).where(
                    TicketRow.status == OPEN, TicketRow.created_at <= self.clock() - older_than
                )
            ).scalars())
            for row in rows:
                row.status, row.closed_at = TIMED_OUT, self.clock()
            return [row.number for row in rows]

    def to_hand_back(self) -> list[tuple[str, str]]:
        """(ticket, sender) of closed tickets whose conversation the bot has not resumed yet."""
        with self.uow.session() as session:
            return [
                (number, sender)
                for number, sender in session.execute(
                    sa.select(TicketRow.number, TicketRow.sender_id).where(
                        TicketRow.status != OPEN, TicketRow.resumed_at.is_(None)
                    )
                ).all()
            ]

    def handed_back(self, number: str) -> None:
        with self.uow.session() as session:
            row = _ticket(session, number)
            if row is not None:
                row.resumed_at = self.clock()

    # --- delivery --------------------------------------------------------------------

    async def deliver_due(self, post: Post, secret: str, limit: int = 20) -> tuple[int, int]:
        """Send every delivery that is due; returns (delivered, failed)."""
        now = self.clock()
        with self.uow.session() as session:
            due = session.execute(
                sa.select(OutboxRow.id, OutboxRow.payload, OutboxRow.attempts)
                .where(OutboxRow.delivered_at.is_(None), OutboxRow.next_attempt_at <= now)
                .order_by(OutboxRow.next_attempt_at)
                .limit(limit)
            ).all()
        delivered = failed = 0
        for outbox_id, payload, attempts in due:
            body = payload.encode()
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                SIGNATURE_HEADER: sign(body, secret),
                TIMESTAMP_HEADER: str(int(beijing_epoch(now))),
            }
            try:
                status = await post(body, headers)
                error = None if 200 <= status < 300 else f"HTTP {status}"
            except Exception as exc:  # network errors, timeouts: all retried the same way
                error = f"{type(exc).__name__}: {exc}"
            self._record_attempt(outbox_id, attempts + 1, error)
            delivered, failed = (delivered + 1, failed) if error is None else (delivered, failed + 1)
        return delivered, failed

    def _record_attempt(self, outbox_id: int, attempts: int, error: str | None) -> None:
        now = self.clock()
        # Read, then written: on SQLite the write lock is taken at BEGIN, so a concurrent write
        # is waited for instead of "database is locked" (the delivery then went unrecorded and
        # was posted to the hotline again next round).
        with self.uow.session(writes_after_reads=True) as session:
            row = session.get(OutboxRow, outbox_id)
            row.attempts = attempts
            if error is None:
                row.delivered_at, row.last_error = now, None
            else:
                row.last_error = error
                row.next_attempt_at = now + dt.timedelta(seconds=backoff_seconds(attempts))
                log.warning("hotline delivery %s failed (attempt %d): %s", outbox_id, attempts, error)

    def pending_deliveries(self) -> int:
        with self.uow.session() as session:
            return session.execute(
                sa.select(sa.func.count()).select_from(OutboxRow).where(OutboxRow.delivered_at.is_(None))
            ).scalar_one()

    # --- feedback and the report -----------------------------------------------------

    def record_feedback(
        self,
        sender_id: str,
        satisfied: bool,
        message_id: str | None = None,
        answer: str | None = None,
        question: str | None = None,
    ) -> int:
        """Store one rating; returns how many 不满意 this conversation gave in a row, latest last."""
        with self.uow.session() as session:
            session.add(
                FeedbackRow(
                    sender_id=sender_id, message_id=message_id, answer=answer, question=question,
                    satisfied=satisfied, created_at=self.clock(),
                )
            )
            session.flush()
            recent = session.execute(
                sa.select(FeedbackRow.satisfied)
                .where(FeedbackRow.sender_id == sender_id)
                .order_by(FeedbackRow.id.desc())
                .limit(10)
            ).scalars()
            streak = 0
            for was_satisfied in recent:
                if was_satisfied:
                    break
                streak += 1
            return streak

    def feedback_of(self, sender_id: str) -> list[FeedbackRow]:
        with self.uow.session() as session:
            return list(
                session.execute(
                    sa.select(FeedbackRow).where(FeedbackRow.sender_id == sender_id).order_by(FeedbackRow.id)
                ).scalars()
            )

    def ticket_counts(self, column: str) -> dict[str, int]:
        """How many tickets per value of `column` ("reason" or "status"), counted in SQL."""
        group = getattr(TicketRow, column)
        with self.uow.session() as session:
            return dict(session.execute(sa.select(group, sa.func.count()).group_by(group)).all())

    def satisfaction(self) -> tuple[int, int]:
        with self.uow.session() as session:
            counts = dict(
                session.execute(
                    sa.select(FeedbackRow.satisfied, sa.func.count()).group_by(FeedbackRow.satisfied)
                ).all()
            )
        return counts.get(True, 0), counts.get(False, 0)

    def top_unanswered(self, limit: int = 10) -> list[tuple[str, int]]:
        with self.uow.session() as session:
            return [
                (question, count)
                for question, count in session.execute(
                    sa.select(UnansweredQuestionRow.question, sa.func.count().label("n"))
                    .group_by(UnansweredQuestionRow.question)
                    .order_by(sa.desc("n"), UnansweredQuestionRow.question)
                    .limit(limit)
                ).all()
            ]


def _ticket(session: sa.orm.Session, number: str) -> TicketRow | None:
    return session.execute(sa.select(TicketRow).where(TicketRow.number == number)).scalar_one_or_none()


def _payload(ticket: TicketRow) -> str:
    """What the hotline system receives: the ticket and the conversation so far."""
    return json.dumps(
        {
            "ticket": ticket.number,
            "channel": ticket.channel,
            "sender": ticket.sender_id,
            "reason": ticket.reason,
            "contact_phone": ticket.contact_phone,
            "consent_at": ticket.consent_at.isoformat() if ticket.consent_at else None,
            "created_at": ticket.created_at.isoformat(),
            "transcript": ticket.transcript,
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def _view(row: TicketRow) -> TicketView:
    deliveries = row.deliveries
    return TicketView(
        number=row.number,
        channel=row.channel,
        sender_id=row.sender_id,
        reason=row.reason,
        masked_phone=mask_phone(row.contact_phone) if row.contact_phone else None,
        status=row.status,
        created_at=row.created_at,
        transcript=row.transcript,
        delivered=all(d.delivered_at for d in deliveries) if deliveries else None,
        claimed_by=row.claimed_by,
        note=row.note,
    )


def transcript_line(role: str, text: str, at: float | None) -> dict[str, Any]:
    """One turn of a transcript; phone numbers masked (a contact number travels separately)."""
    when = dt.datetime.fromtimestamp(at, tz=dt.timezone.utc).isoformat() if at else None
    return {"role": role, "text": mask_phones_in(text), "at": when}

