"""Staff accounts: add, disable, enable, reset a password, and log in with lock-out.

Changes read the account, then write it: on SQLite (shared by the Rasa server, the action
server, the worker and the console) they take the write lock at BEGIN (`writes_after_reads`).

Passwords are hashed with argon2id (argon2-cffi's `PasswordHasher`, its default parameters,
rehashed when those change). A login that fails MAX_FAILED_LOGINS times in a row locks the
account for LOCK_MINUTES; while locked even the right password is refused. Unknown names cost
the same hash as known ones, so a login's time does not tell which names exist.
"""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.clock import beijing_now
from core.db import UnitOfWork
from staff.models import StaffRow
from staff.roles import ROLES, TEXTS_FILE

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
MIN_PASSWORD_LENGTH = 10
NAME = re.compile(r"[A-Za-z0-9._-]{2,64}")
_hasher = PasswordHasher()
# Verified against when the name is unknown (same cost as a real check).
_DUMMY_HASH = _hasher.hash("not a password of anybody")


@lru_cache(maxsize=1)
def _errors() -> dict[str, str]:
    return yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))["errors"]


def _error(key: str, **values: object) -> str:
    """A refusal in the admins' words (staff/texts.yml)."""
    return _errors()[key].format(**values)


class AccountError(ValueError):
    """A request the accounts refuse; the message says why (shown to an admin)."""


class LoginRefused(Exception):
    """Wrong name or password, a disabled or a locked account. `locked_until` is set when the
    account is locked (Beijing time), so the page can say until when."""

    def __init__(self, locked_until: dt.datetime | None = None) -> None:
        super().__init__("login refused")
        self.locked_until = locked_until


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    display_name: str
    role: str
    disabled: bool
    locked_until: dt.datetime | None

    @property
    def shown_to_citizens(self) -> str:
        """The display name as citizens see it: the first character, the rest masked (王**)."""
        first = self.display_name[:1]
        return first + "*" * max(len(self.display_name) - 1, 1)


def check_password(password: str) -> None:
    """AccountError when `password` is too weak to be set (length only: a passphrase is fine)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_error("weak_password", length=MIN_PASSWORD_LENGTH))


class StaffAccounts:
    """The accounts in the database at `database_url`; `clock` gives naive Beijing time."""

    def __init__(self, database_url: str, clock: Callable[[], dt.datetime] = beijing_now) -> None:
        self.uow = UnitOfWork(database_url)
        self.clock = clock

    def add(self, name: str, role: str, password: str, display_name: str | None = None) -> Account:
        """A new account. AccountError: a name not of NAME's shape or taken, an unknown role,
        a weak password."""
        if not NAME.fullmatch(name):
            raise AccountError(_error("bad_name"))
        if role not in ROLES:
            raise AccountError(_error("bad_role", roles=", ".join(ROLES)))
        check_password(password)
        now, password_hash = self.clock(), _hasher.hash(password)  # hashed before the write lock
        with self.uow.session(writes_after_reads=True) as session:
            if session.execute(sa.select(StaffRow.id).where(StaffRow.name == name)).first():
                raise AccountError(_error("name_taken", name=name))
            row = StaffRow(
                name=name, display_name=(display_name or name).strip()[:64] or name, role=role,
                password_hash=password_hash, disabled=False, failed_logins=0,
                created_at=now, password_changed_at=now,
            )
            session.add(row)
            session.flush()
            return account_of(row)

    def get(self, name: str) -> Account | None:
        with self.uow.session() as session:
            row = _row(session, name)
            return account_of(row) if row else None

    def all(self) -> list[Account]:
        with self.uow.session() as session:
            return [account_of(r) for r in session.execute(sa.select(StaffRow).order_by(StaffRow.name)).scalars()]

    def set_disabled(self, name: str, disabled: bool) -> Account:
        """Disable (its sessions stop working at once) or enable an account. AccountError: no
        such account."""
        with self.uow.session(writes_after_reads=True) as session:
            row = _existing(session, name)
            row.disabled = disabled
            if not disabled:
                row.failed_logins, row.locked_until = 0, None
            return account_of(row)

    def reset_password(self, name: str, password: str) -> Account:
        """Set a new password and lift a lock-out. AccountError: no such account, weak password."""
        check_password(password)
        password_hash = _hasher.hash(password)  # hashed before the write lock
        with self.uow.session(writes_after_reads=True) as session:
            row = _existing(session, name)
            row.password_hash = password_hash
            row.password_changed_at = self.clock()
            row.failed_logins, row.locked_until = 0, None
            return account_of(row)

    def log_in(self, name: str, password: str) -> Account:
        """The account whose name and password these are. LoginRefused otherwise (the reason
        is not told, except a lock-out's end); each failure counts towards the lock-out.

        The hash is checked between two transactions, never while holding the write lock
        (SQLite's is the whole database's, the tracker store's too); the second transaction
        counts the password as wrong if the account changed in between."""
        now = self.clock()
        with self.uow.session() as session:
            row = _row(session, name)
            seen = (row.password_hash, row.locked_until, bool(row.disabled)) if row else None
        if seen is None:
            _verify(_DUMMY_HASH, password)
            raise LoginRefused()
        password_hash, locked_until, disabled = seen
        if locked_until and locked_until > now:
            raise LoginRefused(locked_until)
        right = not disabled and _verify(password_hash, password)
        rehashed = _hasher.hash(password) if right and _hasher.check_needs_rehash(password_hash) else None
        with self.uow.session(writes_after_reads=True) as session:
            row = _row(session, name)
            if row is None:
                raise LoginRefused()
            if row.locked_until and row.locked_until > now:
                raise LoginRefused(row.locked_until)
            if row.disabled or row.password_hash != password_hash or not right:
                row.failed_logins = (row.failed_logins or 0) + 1
                if row.failed_logins >= MAX_FAILED_LOGINS:
                    row.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
                    row.failed_logins = 0
                    session.commit()
                    raise LoginRefused(row.locked_until)
                session.commit()
                raise LoginRefused()
            row.failed_logins, row.locked_until = 0, None
            if rehashed:
                row.password_hash = rehashed
            return account_of(row)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _row(session: sa.orm.Session, name: str) -> StaffRow | None:
    return session.execute(sa.select(StaffRow).where(StaffRow.name == name)).scalar_one_or_none()


def _existing(session: sa.orm.Session, name: str) -> StaffRow:
    row = _row(session, name)
    if row is None:
        raise AccountError(_error("no_account", name=name))
    return row


def account_of(row: StaffRow) -> Account:
    return Account(row.id, row.name, row.display_name, row.role, bool(row.disabled), row.locked_until)
