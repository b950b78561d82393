"""Console login sessions and their CSRF tokens.

The browser holds a random token (cookie); the database holds its SHA-256 only, the account
and a CSRF token that every state-changing request must carry. A session ends on logout,
after SESSION_HOURS, or at once when its account is disabled.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from core.clock import beijing_now
from core.db import UnitOfWork
from staff.accounts import Account, account_of
from staff.models import StaffRow, StaffSessionRow

SESSION_HOURS = 10  # a working day


@dataclass(frozen=True)
class LoginSession:
    token: str  # only known when the session is opened (the cookie's value)
    csrf_token: str
    account: Account
    expires_at: dt.datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class LoginSessions:
    def __init__(self, database_url: str, clock: Callable[[], dt.datetime] = beijing_now) -> None:
        self.uow = UnitOfWork(database_url)
        self.clock = clock

    def open(self, account: Account) -> LoginSession:
        """A new session for a logged-in account; its token goes into the cookie."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = self.clock()
        expires = now + dt.timedelta(hours=SESSION_HOURS)
        with self.uow.session() as session:
            session.execute(sa.delete(StaffSessionRow).where(StaffSessionRow.expires_at <= now))
            session.add(StaffSessionRow(token_hash=_hash(token), staff_id=account.id, csrf_token=csrf,
                                        created_at=now, expires_at=expires))
        return LoginSession(token, csrf, account, expires)

    def find(self, token: str | None) -> LoginSession | None:
        """The live session of a cookie's token: not expired, its account not disabled; else None."""
        if not token:
            return None
        with self.uow.session() as session:
            found = session.execute(
                sa.select(StaffSessionRow, StaffRow)
                .join(StaffRow, StaffRow.id == StaffSessionRow.staff_id)
                .where(StaffSessionRow.token_hash == _hash(token))
            ).first()
            if found is None:
                return None
            row, staff = found
            if row.expires_at <= self.clock() or staff.disabled:
                return None
            return LoginSession("", row.csrf_token, account_of(staff), row.expires_at)

    def close(self, token: str | None) -> None:
        if token:
            with self.uow.session() as session:
                session.execute(sa.delete(StaffSessionRow).where(StaffSessionRow.token_hash == _hash(token)))


def csrf_matches(session: LoginSession, sent: str | None) -> bool:
    """Whether a request's CSRF token is its session's (compared in constant time)."""
    return bool(sent) and hmac.compare_digest(session.csrf_token, sent or "")
