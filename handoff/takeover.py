"""Staff taking a handed-off conversation over: claim a ticket, reply, close it.

Plain Python (no Rasa). A reply is stored first (`ho_staff_messages`), then relayed into the
citizen's conversation by the relay action (`actions/takeover.py`, run through Rasa's HTTP API
by the console and again by the hand-off worker until it is delivered), so a reply written
while Rasa is down is late, never lost. Who claimed a ticket is kept on the ticket; the audit
log (`staff.audit`) records every step, written by the console.
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
import yaml

from core.clock import beijing_now
from core.db import UnitOfWork
from handoff.models import OPEN, StaffMessageRow, TicketRow

MAX_REPLY_LENGTH = 2000
# A reply not relayed after this many attempts is reported, not retried for ever.
MAX_RELAY_ATTEMPTS = 20


TEXTS_FILE = Path(__file__).with_name("takeover_texts.yml")


@lru_cache(maxsize=1)
def _refusals() -> dict[str, str]:
    return yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))


def _refusal(key: str, **values: object) -> str:
    """Why a step is refused, in the staff's words (handoff/takeover_texts.yml)."""
    return _refusals()[key].format(**values)


class TakeoverError(ValueError):
    """A step the ticket's state does not allow (message for the agent, Chinese)."""


@dataclass(frozen=True)
class StaffMessage:
    id: int
    ticket: str
    sender_id: str
    staff_name: str
    shown_as: str
    text: str
    created_at: dt.datetime
    delivered_at: dt.datetime | None


class Takeover:
    """Claims and replies on the tickets of the database at `database_url` (naive Beijing time)."""

    def __init__(self, database_url: str, clock: Callable[[], dt.datetime] = beijing_now) -> None:
        self.uow = UnitOfWork(database_url)
        self.clock = clock

    def claim(self, number: str, staff_name: str, take_from_another: bool = False) -> str | None:
        """Take ticket `number` over for `staff_name`; returns who had claimed it before (None:
        nobody). TakeoverError: no such ticket, no longer open, or claimed by somebody else —
        unless `take_from_another` (an admin taking it over; the caller audits who it was)."""
        with self.uow.session(writes_after_reads=True) as session:
            row = _open_ticket(session, number)
            before = row.claimed_by
            _held_by(row, staff_name, take_from_another, "claimed_by_another")
            row.claimed_by, row.claimed_at = staff_name, self.clock()
            return before

    def may_close(self, number: str, staff_name: str, anyone_may: bool = False) -> None:
        """TakeoverError unless ticket `number` is open and unclaimed or claimed by `staff_name`
        (`anyone_may`: an admin, who closes any open ticket)."""
        with self.uow.session() as session:
            _held_by(_open_ticket(session, number), staff_name, anyone_may, "only_claimer_closes")

    def reply(self, number: str, staff_name: str, shown_as: str, text: str) -> StaffMessage:
        """Store a reply for the citizen of ticket `number`. TakeoverError: empty or longer than
        MAX_REPLY_LENGTH, no such ticket, not open, or claimed by somebody else."""
        # Control characters (NUL, escapes) never reach a citizen; line breaks and tabs stay.
        text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc").strip()
        if not text:
            raise TakeoverError(_refusal("empty_reply"))
        if len(text) > MAX_REPLY_LENGTH:
            raise TakeoverError(_refusal("reply_too_long", length=MAX_REPLY_LENGTH))
        with self.uow.session(writes_after_reads=True) as session:
            row = _open_ticket(session, number)
            _held_by(row, staff_name, False, "claimed_by_another")
            if row.claimed_by is None:
                row.claimed_by, row.claimed_at = staff_name, self.clock()
            message = StaffMessageRow(ticket_id=row.id, sender_id=row.sender_id, staff_name=staff_name,
                                      shown_as=shown_as, text=text, created_at=self.clock(), attempts=0)
            session.add(message)
            session.flush()
            return _message(message, number)

    def messages(self, number: str) -> list[StaffMessage]:
        """The staff replies of ticket `number`, oldest first."""
        with self.uow.session() as session:
            rows = session.execute(
                sa.select(StaffMessageRow, TicketRow.number).join(TicketRow)
                .where(TicketRow.number == number).order_by(StaffMessageRow.id)
            ).all()
            return [_message(m, n) for m, n in rows]

    def undelivered(self, sender_id: str | None = None, older_than: dt.timedelta | None = None) -> list[StaffMessage]:
        """Replies not yet relayed (of one conversation, or all; written more than `older_than`
        ago), oldest first; those that failed MAX_RELAY_ATTEMPTS times are left out."""
        query = (
            sa.select(StaffMessageRow, TicketRow.number).join(TicketRow)
            .where(StaffMessageRow.delivered_at.is_(None), StaffMessageRow.attempts < MAX_RELAY_ATTEMPTS)
            .order_by(StaffMessageRow.id)
        )
        if sender_id is not None:
            query = query.where(StaffMessageRow.sender_id == sender_id)
        if older_than is not None:
            query = query.where(StaffMessageRow.created_at <= self.clock() - older_than)
        with self.uow.session() as session:
            return [_message(m, n) for m, n in session.execute(query).all()]

    def relayed(self, ids: list[int]) -> None:
        """Mark replies as written into the conversation (the relay action calls it)."""
        if ids:
            with self.uow.session() as session:
                session.execute(sa.update(StaffMessageRow).where(StaffMessageRow.id.in_(ids))
                                .values(delivered_at=self.clock()))

    def relay_failed(self, ids: list[int]) -> None:
        """Count a failed attempt to relay these replies (Rasa unreachable)."""
        if ids:
            with self.uow.session() as session:
                session.execute(sa.update(StaffMessageRow).where(StaffMessageRow.id.in_(ids))
                                .values(attempts=StaffMessageRow.attempts + 1))


def _open_ticket(session: sa.orm.Session, number: str) -> TicketRow:
    row = session.execute(sa.select(TicketRow).where(TicketRow.number == number)).scalar_one_or_none()
    if row is None:
        raise TakeoverError(_refusal("no_ticket", number=number))
    if row.status != OPEN:
        raise TakeoverError(_refusal("ended"))
    return row


def _held_by(row: TicketRow, staff_name: str, overriding: bool, refusal: str) -> None:
    """TakeoverError (`refusal`, naming the holder) when somebody other than `staff_name` holds
    the ticket, unless `overriding` (an admin)."""
    if row.claimed_by not in (None, staff_name) and not overriding:
        raise TakeoverError(_refusal(refusal, by=row.claimed_by))


def _message(row: StaffMessageRow, number: str) -> StaffMessage:
    return StaffMessage(row.id, number, row.sender_id, row.staff_name, row.shown_as, row.text,
                        row.created_at, row.delivered_at)
