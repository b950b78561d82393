"""Sessions, applications and selection: what citizens and operators do with activities.

Plain Python over SQLAlchemy (no Rasa), in the repository + unit-of-work shape: the actions
and the operator CLI call `ActivityService`; every public method is one transaction.
"""
from __future__ import annotations

import csv
import datetime as dt
import re
import logging
import random
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from activities.catalogue import Activity, ActivityQuery, Catalogue
from activities.models import (
    CANCELLED,
    NOT_SELECTED,
    ONLINE_ONLY,
    PENDING,
    SELECTED,
    ActivitySessionRow,
    ApplicationRow,
)
from activities.redaction import redact_conversations
from activities.workdays import subtract_working_days
from core.clock import beijing_now
from core.db import UnitOfWork
from core.privacy import mask_phone

log = logging.getLogger(__name__)
# Crockford-like alphabet without 0/O, 1/I/L: references are read out over the phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_PREFIX = "DX-"

OPEN, NOT_YET, CLOSED, ONLINE = "open", "not_yet", "closed", "online_only"


def new_reference() -> str:
    return REFERENCE_PREFIX + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def normalise_reference(text: str) -> str | None:
    """"dx7k3q9m", "DX-7K3Q9M " → "DX-7K3Q9M"; None if it cannot be one of ours."""
    compact = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    if not compact.startswith("DX"):
        return None
    body = compact[2:]
    if len(body) != 6 or any(ch not in REFERENCE_ALPHABET for ch in body):
        return None
    return REFERENCE_PREFIX + body


@dataclass(frozen=True)
class Window:
    """When citizens may apply: from the announcement to `closes_on` (inclusive)."""

    state: str
    opens_on: dt.date
    closes_on: dt.date


@dataclass(frozen=True)
class SessionFacts:
    """A session as an operator schedules it."""

    code: str
    activity: Activity
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    venue: str
    mode: str
    capacity: int
    live_details: str | None
    announced_on: dt.date
    demo: bool


@dataclass(frozen=True)
class SessionView(SessionFacts):
    """A session as a citizen sees it now: with its registration window."""

    window: Window


@dataclass(frozen=True)
class ApplicationView:
    reference: str
    session: SessionView
    name: str
    masked_phone: str
    identity: str
    organisation: str | None
    status: str
    applied_at: dt.datetime
    consent_at: dt.datetime


@dataclass(frozen=True)
class ApplicationRequest:
    session_code: str
    name: str
    phone: str  # normalised (core.privacy.normalise_phone)
    identity: str
    organisation: str | None
    consent_at: dt.datetime
    channel: str | None = None
    sender_id: str | None = None


@dataclass(frozen=True)
class ApplyOutcome:
    application: ApplicationView
    created: bool


@dataclass(frozen=True)
class SelectionResult:
    selected: int
    not_selected: int
    already_selected: int
    capacity: int


class RegistrationRefused(Exception):
    """The session takes no applications now; `session.window.state` says why."""

    def __init__(self, session: SessionView) -> None:
        super().__init__(session.window.state)
        self.session = session


class UnknownSession(LookupError):
    pass


class ActivityRepository:
    """Reads and writes activity rows inside one session (see `core.db.UnitOfWork`)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def session_by_code(self, code: str, lock: bool = False) -> ActivitySessionRow | None:
        query = sa.select(ActivitySessionRow).where(ActivitySessionRow.code == code)
        if lock:
            query = query.with_for_update()
        return self.session.execute(query).scalar_one_or_none()

    def sessions(self, since: dt.datetime, announced_by: dt.date) -> list[ActivitySessionRow]:
        return list(
            self.session.execute(
                sa.select(ActivitySessionRow)
                .where(ActivitySessionRow.starts_at > since)
                .where(ActivitySessionRow.announced_on <= announced_by)
                .order_by(ActivitySessionRow.starts_at, ActivitySessionRow.code)
            ).scalars()
        )

    def all_sessions(self) -> list[ActivitySessionRow]:
        return list(
            self.session.execute(
                sa.select(ActivitySessionRow).order_by(ActivitySessionRow.starts_at)
            ).scalars()
        )

    def application(self, session_id: int, phone: str) -> ApplicationRow | None:
        return self.session.execute(
            sa.select(ApplicationRow)
            .where(ApplicationRow.session_id == session_id)
            .where(ApplicationRow.phone == phone)
        ).scalar_one_or_none()

    def application_by_reference(self, reference: str) -> ApplicationRow | None:
        return self.session.execute(
            sa.select(ApplicationRow).where(ApplicationRow.reference == reference)
        ).scalar_one_or_none()

    def applications(self, session_id: int | None = None) -> list[ApplicationRow]:
        query = (
            sa.select(ApplicationRow)
            .options(selectinload(ApplicationRow.session))
            .order_by(ApplicationRow.applied_at, ApplicationRow.id)
        )
        if session_id is not None:
            query = query.where(ApplicationRow.session_id == session_id)
        return list(self.session.execute(query).scalars())

    def applications_of_phone(self, phone: str) -> list[ApplicationRow]:
        return list(
            self.session.execute(sa.select(ApplicationRow).where(ApplicationRow.phone == phone)).scalars()
        )

    def bump_selection_round(self, row: ActivitySessionRow) -> None:
        """The selection's first write: serialises selections of one session (see the model)."""
        self.session.execute(
            sa.update(ActivitySessionRow)
            .where(ActivitySessionRow.id == row.id)
            .values(selection_round=ActivitySessionRow.selection_round + 1)
        )


# What does not name a venue: the demo label, bracketed notes, the district's prefix.
_VENUE_NOTES = re.compile(r"【[^】]*】|（[^）]*）|\([^)]*\)")
_DISTRICT = re.compile(r"^(?:北京市)?(?:大兴)?区?")


class ActivityService:
    """Everything citizens and operators do with sessions and applications."""

    def __init__(
        self,
        database_url: str,
        catalogue: Catalogue,
        close_working_days: int = 2,
        clock: Callable[[], dt.datetime] = beijing_now,
    ) -> None:
        self.database_url = database_url
        self.uow = UnitOfWork(database_url)
        self.catalogue = catalogue
        self.close_working_days = close_working_days
        self.clock = clock

    # --- citizens: finding sessions --------------------------------------------------

    def window(self, row: ActivitySessionRow) -> Window:
        now = self.clock()
        closes_on = subtract_working_days(row.starts_at.date(), self.close_working_days)
        if row.mode == ONLINE_ONLY:
            state = ONLINE
        elif now >= row.starts_at or now.date() > closes_on:
            state = CLOSED
        elif now.date() < row.announced_on:
            state = NOT_YET
        else:
            state = OPEN
        return Window(state, row.announced_on, closes_on)

    def _view(self, row: ActivitySessionRow) -> SessionView | None:
        activity = self.catalogue.by_ref(f"{row.document_number}#{row.kind}:{row.record_number}")
        if activity is None:  # its plan was replaced and no longer has this record
            log.warning("session %s points to a missing activity", row.code)
            return None
        return SessionView(
            code=row.code,
            activity=activity,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            venue=row.venue,
            mode=row.mode,
            capacity=row.capacity,
            live_details=row.live_details,
            announced_on=row.announced_on,
            demo=row.demo,
            window=self.window(row),
        )

    def upcoming(self, query: ActivityQuery | None = None) -> list[SessionView]:
        """Announced sessions that have not started, matching `query`, soonest first."""
        now = self.clock()
        with self.uow.session() as session:
            rows = ActivityRepository(session).sessions(since=now, announced_by=now.date())
            views = [v for v in map(self._view, rows) if v is not None]
        if query is None:
            return views
        refs = {a.ref for a in query.activities}
        return [
            v
            for v in views
            if (v.activity.ref in refs if query.specific else v.activity.kind in query.kinds)
            and (query.month is None or (v.starts_at.year, v.starts_at.month) == query.month)
        ]

    def open_for_sign_up(self) -> list[SessionView]:
        """Upcoming sessions whose registration window is open now, soonest first."""
        return [v for v in self.upcoming() if v.window.state == OPEN]

    def open_at_venue(self, text: str) -> list[SessionView]:
        """Sessions open for sign-up whose venue the text names ("我想报名参加公共法律服务中心
        的开放活动"): the venue without its demo label, brackets and leading 区/大兴区, at
        least four characters of it, in the text; else those whose activity the text calls by
        the first word of its title ("司法那个" → 司法服务, `Catalogue.head_word`)."""
        text = text or ""
        open_sessions = self.open_for_sign_up()
        at_venue = [v for v in open_sessions
                    if len(core := _DISTRICT.sub("", _VENUE_NOTES.sub("", v.venue or "").strip())) >= 4
                    and core in text]
        if at_venue:
            return at_venue
        return [v for v in open_sessions if (head := self.catalogue.head_word(v.activity)) and head in text]

    def session(self, code: str) -> SessionView | None:
        """A session citizens may see: announced (unannounced ones do not exist for them)."""
        with self.uow.session() as session:
            row = ActivityRepository(session).session_by_code(code)
            view = self._view(row) if row else None
        return view if view and view.window.state != NOT_YET else None

    # --- citizens: applying, checking, cancelling --------------------------------------

    def apply(self, request: ApplicationRequest) -> ApplyOutcome:
        """Save an application (status 待遴选), or return the one this phone already has.

        Two requests with the same phone for the same session may race: the unique
        constraint lets one insert win, the other reads the winner's row.
        """
        try:
            return self._apply(request)
        except IntegrityError:
            with self.uow.session() as session:
                repository = ActivityRepository(session)
                row = repository.session_by_code(request.session_code)
                existing = repository.application(row.id, request.phone) if row else None
                if existing is None:  # a reference collision, astronomically rare: try again
                    return self._apply(request)
                return ApplyOutcome(self._application_view(existing), created=False)

    def _apply(self, request: ApplicationRequest) -> ApplyOutcome:
        now = self.clock()
        with self.uow.session(writes_after_reads=True) as session:
            repository = ActivityRepository(session)
            row = repository.session_by_code(request.session_code)
            view = self._view(row) if row else None
            if row is None or view is None or view.window.state == NOT_YET:
                raise UnknownSession(request.session_code)
            existing = repository.application(row.id, request.phone)
            if existing is not None and existing.status != CANCELLED:
                return ApplyOutcome(self._application_view(existing), created=False)
            if view.window.state != OPEN:
                raise RegistrationRefused(view)
            application = existing or ApplicationRow(
                reference=new_reference(), session=row, phone=request.phone, applied_at=now
            )
            application.name = request.name
            application.identity = request.identity
            application.organisation = request.organisation
            application.consent_at = request.consent_at
            application.status = PENDING
            application.status_changed_at = now
            application.channel = request.channel
            application.sender_id = request.sender_id
            if existing is None:
                session.add(application)
            session.flush()
            log.info(
                "application %s for %s from %s", application.reference, row.code, mask_phone(request.phone)
            )
            return ApplyOutcome(self._application_view(application, view), created=True)

    def _application_view(
        self, row: ApplicationRow, session_view: SessionView | None = None
    ) -> ApplicationView:
        view = session_view or self._view(row.session)
        assert view is not None, f"application {row.reference} of a session without activity"
        return ApplicationView(
            reference=row.reference,
            session=view,
            name=row.name,
            masked_phone=mask_phone(row.phone),
            identity=row.identity,
            organisation=row.organisation,
            status=row.status,
            applied_at=row.applied_at,
            consent_at=row.consent_at,
        )

    def find_application(self, phone: str, reference: str) -> ApplicationView | None:
        """Only phone and reference together identify an application to a citizen."""
        with self.uow.session() as session:
            row = ActivityRepository(session).application_by_reference(reference)
            if row is None or row.phone != phone:
                return None
            return self._application_view(row)

    def cancel(self, phone: str, reference: str) -> ApplicationView | None:
        with self.uow.session(writes_after_reads=True) as session:
            row = ActivityRepository(session).application_by_reference(reference)
            if row is None or row.phone != phone:
                return None
            if row.status != CANCELLED:
                row.status, row.status_changed_at = CANCELLED, self.clock()
                log.info("application %s cancelled by %s", reference, mask_phone(phone))
            return self._application_view(row)

    # --- operators ---------------------------------------------------------------------

    def sessions(self) -> list[tuple[ActivitySessionRow, dict[str, int]]]:
        """Every session (announced or not) with its application counts by status."""
        with self.uow.session() as session:
            rows = ActivityRepository(session).all_sessions()
            return [(row, _count_statuses(row.applications)) for row in rows]

    def applications(self, code: str | None = None) -> list[ApplicationRow]:
        with self.uow.session() as session:
            repository = ActivityRepository(session)
            row = repository.session_by_code(code) if code else None
            if code and row is None:
                raise UnknownSession(code)
            return repository.applications(row.id if row else None)

    def export_csv(self, stream: IO[str], code: str | None = None) -> int:
        """Write applications as CSV that Excel opens correctly (UTF-8 with BOM, CRLF). What a
        citizen typed is never run as a formula: a cell starting with = + - @ (or a tab or a
        carriage return) gets a leading ' (OWASP's advice against CSV injection)."""
        rows = self.applications(code)
        stream.write("\ufeff")
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(EXPORT_COLUMNS)
        for row in rows:
            writer.writerow([_cell(value) for value in (
                row.reference, row.session.code, row.name, row.phone, row.identity,
                row.organisation or "", row.status, _fmt(row.applied_at), _fmt(row.consent_at),
                _fmt(row.invited_at), row.channel or "",
            )])
        return len(rows)

    def select(self, code: str, method: str = "first_come", seed: int | None = None) -> SelectionResult:
        """Fill the session's free seats from 待遴选 applications; the rest become 未入选.

        first_come: in order of application; lottery: the applications in order of application,
        shuffled with `seed`, so the same applications and seed always give the same result
        (the seed can be published and the draw checked).
        Concurrent selections of one session run one after the other and never overfill.
        """
        if method not in ("first_come", "lottery"):
            raise ValueError(f"unknown selection method {method!r}")
        if method == "lottery" and seed is None:
            raise ValueError("a lottery needs a seed, so that it can be reproduced")
        now = self.clock()
        with self.uow.session(writes_after_reads=True) as session:
            repository = ActivityRepository(session)
            row = repository.session_by_code(code, lock=True)
            if row is None:
                raise UnknownSession(code)
            repository.bump_selection_round(row)
            applications = repository.applications(row.id)
            already = sum(1 for a in applications if a.status == SELECTED)
            pending = [a for a in applications if a.status == PENDING]
            if method == "lottery":  # the list is in order of application before the shuffle
                random.Random(seed).shuffle(pending)
            free = max(row.capacity - already, 0)
            for position, application in enumerate(pending):
                application.status = SELECTED if position < free else NOT_SELECTED
                application.status_changed_at = now
            chosen = min(free, len(pending))
            return SelectionResult(chosen, len(pending) - chosen, already, row.capacity)

    def mark_invited(self, code: str) -> int:
        """Record that the selected applicants of a session have been sent their invitation."""
        with self.uow.session(writes_after_reads=True) as session:
            repository = ActivityRepository(session)
            row = repository.session_by_code(code)
            if row is None:
                raise UnknownSession(code)
            invited = [a for a in row.applications if a.status == SELECTED and a.invited_at is None]
            for application in invited:
                application.invited_at = self.clock()
            return len(invited)

    def forget(self, phone: str) -> int:
        """Delete a person's applications and mask their number and name in stored
        conversations (Rasa's `events` table, when it shares this database); returns how
        many applications were deleted."""
        with self.uow.session() as session:
            rows = ActivityRepository(session).applications_of_phone(phone)
            names = {row.sender_id: row.name for row in rows if row.sender_id}
            for row in rows:
                session.delete(row)
            redacted = redact_conversations(session, phone, names)
            log.info(
                "deleted %d applications of %s, redacted %d conversation events",
                len(rows), mask_phone(phone), redacted,
            )
            return len(rows)


EXPORT_COLUMNS = (
    "报名编号", "场次", "姓名", "手机号", "身份", "工作单位", "状态", "报名时间", "同意时间", "通知时间", "渠道",
)


def _cell(value: str) -> str:
    """A CSV cell that spreadsheets show as text, never evaluate (see `export_csv`)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _fmt(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _count_statuses(applications: Iterable[ApplicationRow]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for application in applications:
        counts[application.status] = counts.get(application.status, 0) + 1
    return counts
