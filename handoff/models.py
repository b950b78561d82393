"""Tables for hand-off tickets and the outbox that delivers them (prefix `ho_`).

The outbox row is written in the same transaction as its ticket, so a ticket the citizen
was told about always reaches the hotline system eventually, however long it is down.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import relationship

from core.db import Base

OPEN, CLOSED, TIMED_OUT = "open", "closed", "timed_out"
REASONS = ("requested", "not_understood", "complaint", "negative_feedback")


class TicketRow(Base):
    __tablename__ = "ho_tickets"

    id = sa.Column(sa.Integer, primary_key=True)
    number = sa.Column(sa.String(20), unique=True)
    channel = sa.Column(sa.String(40), nullable=False)
    sender_id = sa.Column(sa.String(255), nullable=False, index=True)
    reason = sa.Column(sa.String(30), nullable=False)
    contact_phone = sa.Column(sa.String(20))
    consent_at = sa.Column(sa.DateTime)
    transcript = sa.Column(sa.JSON, nullable=False)
    status = sa.Column(sa.String(12), nullable=False, default=OPEN, index=True)
    created_at = sa.Column(sa.DateTime, nullable=False)
    closed_at = sa.Column(sa.DateTime)
    # When the bot took the conversation back (Rasa's ConversationResumed was sent).
    resumed_at = sa.Column(sa.DateTime)
    note = sa.Column(sa.Text)
    # The member of staff (login name) who took the conversation over in the console.
    claimed_by = sa.Column(sa.String(64))
    claimed_at = sa.Column(sa.DateTime)

    deliveries = relationship("OutboxRow", cascade="all, delete-orphan", back_populates="ticket")


class OutboxRow(Base):
    __tablename__ = "ho_outbox"

    id = sa.Column(sa.Integer, primary_key=True)
    ticket_id = sa.Column(sa.Integer, sa.ForeignKey("ho_tickets.id", ondelete="CASCADE"), nullable=False)
    payload = sa.Column(sa.Text, nullable=False)  # the exact JSON body that gets signed
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
    next_attempt_at = sa.Column(sa.DateTime, nullable=False, index=True)
    delivered_at = sa.Column(sa.DateTime, index=True)
    last_error = sa.Column(sa.Text)

    ticket = relationship("TicketRow", back_populates="deliveries")


class FeedbackRow(Base):
    """满意 / 不满意 on one answer, from the web widget."""

    __tablename__ = "ho_feedback"

    id = sa.Column(sa.Integer, primary_key=True)
    sender_id = sa.Column(sa.String(128), nullable=False, index=True)
    # The widget's id for the rated answer, the answer's text and the question it answered.
    message_id = sa.Column(sa.String(128))
    answer = sa.Column(sa.Text)
    question = sa.Column(sa.Text)
    satisfied = sa.Column(sa.Boolean, nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False, index=True)


class StaffMessageRow(Base):
    """A staff reply written in the console, kept until it reached the citizen's conversation
    (the relay action writes it into the tracker and sends it on the citizen's channel)."""

    __tablename__ = "ho_staff_messages"

    id = sa.Column(sa.Integer, primary_key=True)
    ticket_id = sa.Column(sa.Integer, sa.ForeignKey("ho_tickets.id", ondelete="CASCADE"), nullable=False, index=True)
    sender_id = sa.Column(sa.String(255), nullable=False, index=True)
    staff_name = sa.Column(sa.String(64), nullable=False)  # the login name (audit, metadata)
    shown_as = sa.Column(sa.String(64), nullable=False)    # what the citizen sees: 王**
    text = sa.Column(sa.Text, nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False)
    delivered_at = sa.Column(sa.DateTime, index=True)
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
