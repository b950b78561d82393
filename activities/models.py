"""Tables for activity sessions and applications, prefixed `act_` beside the `kb_` tables.

Times are naive Beijing local time (Asia/Shanghai; written with `core.clock.beijing_now`, the
convention of every table family is in core.clock): the plans, the operators' schedule files
and the citizens all speak it, and there is no daylight saving to get wrong.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import relationship

from core.db import Base

MODES = ("线上直播", "线下", "线上线下结合")
ONLINE_ONLY = "线上直播"

PENDING = "待遴选"
SELECTED = "已入选"
NOT_SELECTED = "未入选"
CANCELLED = "已取消"
STATUSES = (PENDING, SELECTED, NOT_SELECTED, CANCELLED)

IDENTITIES = ("人大代表", "政协委员", "群众代表（家长或企业代表）", "媒体记者", "其他")


class ActivitySessionRow(Base):
    """One dated occurrence of a plan's activity (an open-day site or a policy lecture)."""

    __tablename__ = "act_sessions"
    __table_args__ = (sa.Index("ix_act_sessions_activity", "kind", "record_number"),)

    id = sa.Column(sa.Integer, primary_key=True)
    code = sa.Column(sa.String(40), nullable=False, unique=True)
    document_number = sa.Column(sa.String(100), nullable=False)
    kind = sa.Column(sa.String(20), nullable=False)  # site | lecture
    record_number = sa.Column(sa.Integer, nullable=False)
    starts_at = sa.Column(sa.DateTime, nullable=False, index=True)
    ends_at = sa.Column(sa.DateTime)
    venue = sa.Column(sa.String(300), nullable=False)
    mode = sa.Column(sa.String(20), nullable=False)
    capacity = sa.Column(sa.Integer, nullable=False, default=30)
    live_details = sa.Column(sa.Text)
    announced_on = sa.Column(sa.Date, nullable=False)
    demo = sa.Column(sa.Boolean, nullable=False, default=False)
    # Bumped by every selection: the first write of a selection's transaction, so two
    # selections of one session queue behind each other on SQLite and PostgreSQL alike.
    selection_round = sa.Column(sa.Integer, nullable=False, default=0)
    imported_at = sa.Column(sa.DateTime, nullable=False)

    applications = relationship(
        "ApplicationRow", cascade="all, delete-orphan", back_populates="session"
    )


class ApplicationRow(Base):
    """A citizen's application to one session; one per phone number and session."""

    __tablename__ = "act_applications"
    __table_args__ = (sa.UniqueConstraint("session_id", "phone", name="uq_act_application_phone"),)

    id = sa.Column(sa.Integer, primary_key=True)
    reference = sa.Column(sa.String(20), nullable=False, unique=True)
    session_id = sa.Column(
        sa.Integer, sa.ForeignKey("act_sessions.id", ondelete="CASCADE"), nullable=False
    )
    name = sa.Column(sa.String(100), nullable=False)
    phone = sa.Column(sa.String(20), nullable=False, index=True)
    identity = sa.Column(sa.String(40), nullable=False)
    organisation = sa.Column(sa.String(200))
    consent_at = sa.Column(sa.DateTime, nullable=False)
    status = sa.Column(sa.String(10), nullable=False, default=PENDING, index=True)
    applied_at = sa.Column(sa.DateTime, nullable=False)
    status_changed_at = sa.Column(sa.DateTime)
    invited_at = sa.Column(sa.DateTime)
    channel = sa.Column(sa.String(40))
    sender_id = sa.Column(sa.String(255))

    session = relationship("ActivitySessionRow", back_populates="applications")
