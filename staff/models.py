"""Tables of staff accounts, their login sessions and the audit log (prefix `st_`).

Times are naive Beijing time, like every table's (core/clock.py).
"""
from __future__ import annotations

import sqlalchemy as sa

from core.db import Base


class StaffRow(Base):
    __tablename__ = "st_staff"

    id = sa.Column(sa.Integer, primary_key=True)
    # The login name (letters, digits, . _ -), and the name shown to citizens masked (王**).
    name = sa.Column(sa.String(64), nullable=False, unique=True)
    display_name = sa.Column(sa.String(64), nullable=False)
    role = sa.Column(sa.String(16), nullable=False)
    # argon2id, as argon2-cffi's PasswordHasher writes it ($argon2id$v=19$m=…).
    password_hash = sa.Column(sa.String(255), nullable=False)
    disabled = sa.Column(sa.Boolean, nullable=False, default=False)
    failed_logins = sa.Column(sa.Integer, nullable=False, default=0)
    locked_until = sa.Column(sa.DateTime)
    created_at = sa.Column(sa.DateTime, nullable=False)
    password_changed_at = sa.Column(sa.DateTime, nullable=False)


class StaffSessionRow(Base):
    """A console login. Only the SHA-256 of the cookie's token is stored."""

    __tablename__ = "st_sessions"

    id = sa.Column(sa.Integer, primary_key=True)
    token_hash = sa.Column(sa.String(64), nullable=False, unique=True)
    staff_id = sa.Column(sa.Integer, sa.ForeignKey("st_staff.id", ondelete="CASCADE"), nullable=False, index=True)
    csrf_token = sa.Column(sa.String(64), nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False)
    expires_at = sa.Column(sa.DateTime, nullable=False, index=True)


class AuditRow(Base):
    """One staff action: who, what, when, on which ticket / application / account."""

    __tablename__ = "st_audit"

    id = sa.Column(sa.Integer, primary_key=True)
    at = sa.Column(sa.DateTime, nullable=False, index=True)
    # The login name; "cli" for `daxing staff` run on the server, "-" when nobody logged in.
    actor = sa.Column(sa.String(64), nullable=False, index=True)
    action = sa.Column(sa.String(40), nullable=False)
    target = sa.Column(sa.String(120))
    detail = sa.Column(sa.JSON)
    address = sa.Column(sa.String(64))
