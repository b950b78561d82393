"""Tables of the knowledge base. Prefixed `kb_` so they cannot clash with Rasa's tables.

Lists (units, topics) are JSON columns: they are read whole with their record and never
queried by element in SQL; the gazetteer ids beside them make unit/topic lookups exact.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import relationship

from core.clock import beijing_now
from core.db import Base


class DocumentRow(Base):
    __tablename__ = "kb_documents"

    id = sa.Column(sa.Integer, primary_key=True)
    number = sa.Column(sa.String(100), nullable=False, unique=True)
    title = sa.Column(sa.String(300), nullable=False)
    issuer = sa.Column(sa.String(200), nullable=False)
    issued_on = sa.Column(sa.Date)
    year = sa.Column(sa.Integer, index=True)
    kind = sa.Column(sa.String(40), nullable=False)
    source_file = sa.Column(sa.String(300), nullable=False)
    content_sha256 = sa.Column(sa.String(64), nullable=False)
    built_at = sa.Column(sa.DateTime, nullable=False, default=beijing_now)
    participation_rules = sa.Column(sa.JSON)
    # The plan's headings in order: [["一、工作目标", []], ["二、…", ["（一）…", …]], …].
    outline = sa.Column(sa.JSON)
    # Set by `daxing kb remove`: the plan is no longer answered from, and a rebuild of the
    # bundled sources does not bring it back (`daxing kb add` of the file again does).
    withdrawn_at = sa.Column(sa.DateTime)

    items = relationship("WorkItemRow", cascade="all, delete-orphan", back_populates="document")
    sites = relationship("SiteRow", cascade="all, delete-orphan", back_populates="document")
    lectures = relationship(
        "LectureRow", cascade="all, delete-orphan", back_populates="document"
    )
    passages = relationship(
        "PassageRow", cascade="all, delete-orphan", back_populates="document"
    )


class _PlanRecord:
    """Columns every numbered record of a plan shares."""

    id = sa.Column(sa.Integer, primary_key=True)
    number = sa.Column(sa.Integer, nullable=False)
    units = sa.Column(sa.JSON, nullable=False)
    unit_ids = sa.Column(sa.JSON, nullable=False)
    topic_ids = sa.Column(sa.JSON, nullable=False)


class WorkItemRow(_PlanRecord, Base):
    __tablename__ = "kb_work_items"
    __table_args__ = (sa.UniqueConstraint("document_id", "number"),)

    document_id = sa.Column(
        sa.Integer, sa.ForeignKey("kb_documents.id", ondelete="CASCADE"), nullable=False
    )
    text = sa.Column(sa.Text, nullable=False)
    section = sa.Column(sa.String(300), nullable=False)
    lead_units = sa.Column(sa.JSON, nullable=False)
    deadline = sa.Column(sa.String(7))  # "YYYY-MM"
    deadline_text = sa.Column(sa.String(60))  # as written: "2026年10月底", "长期坚持"
    partners = sa.Column(sa.JSON)  # 配合单位, when the plan names them apart
    document = relationship("DocumentRow", back_populates="items")


class SiteRow(_PlanRecord, Base):
    __tablename__ = "kb_open_day_sites"
    __table_args__ = (sa.UniqueConstraint("document_id", "number"),)

    document_id = sa.Column(
        sa.Integer, sa.ForeignKey("kb_documents.id", ondelete="CASCADE"), nullable=False
    )
    theme = sa.Column(sa.String(100), nullable=False)
    category = sa.Column(sa.String(100), nullable=False)
    description = sa.Column(sa.Text, nullable=False)
    time = sa.Column(sa.String(60))  # as written: "2026年6月下旬"; None if none or 待定
    place = sa.Column(sa.String(200))  # 地点, as written
    document = relationship("DocumentRow", back_populates="sites")


class LectureRow(_PlanRecord, Base):
    __tablename__ = "kb_policy_lectures"
    __table_args__ = (sa.UniqueConstraint("document_id", "number"),)

    document_id = sa.Column(
        sa.Integer, sa.ForeignKey("kb_documents.id", ondelete="CASCADE"), nullable=False
    )
    title = sa.Column(sa.String(200), nullable=False)
    content = sa.Column(sa.Text, nullable=False)
    topics = sa.Column(sa.JSON, nullable=False)
    document = relationship("DocumentRow", back_populates="lectures")


class PassageRow(Base):
    __tablename__ = "kb_passages"

    id = sa.Column(sa.Integer, primary_key=True)
    document_id = sa.Column(
        sa.Integer, sa.ForeignKey("kb_documents.id", ondelete="CASCADE"), nullable=False
    )
    kind = sa.Column(sa.String(20), nullable=False)
    ref = sa.Column(sa.String(40), nullable=False)
    section = sa.Column(sa.String(300), nullable=False)
    text = sa.Column(sa.Text, nullable=False)
    unit_ids = sa.Column(sa.JSON, nullable=False)
    topic_ids = sa.Column(sa.JSON, nullable=False)
    document = relationship("DocumentRow", back_populates="passages")


class UnansweredQuestionRow(Base):
    """Questions the plans could not answer, kept for the office to review."""

    __tablename__ = "kb_unanswered_questions"

    id = sa.Column(sa.Integer, primary_key=True)
    asked_at = sa.Column(sa.DateTime, nullable=False, default=beijing_now, index=True)
    sender_id = sa.Column(sa.String(255))
    question = sa.Column(sa.Text, nullable=False)
    intent = sa.Column(sa.String(100))
    reason = sa.Column(sa.String(40), nullable=False)
    # The office's review (the console's 未答问题 page): "pending" (待处理), "reviewed"
    # (已处理) or "ignored" (已忽略); who set it and when (Beijing time). Migration 0008.
    review_state = sa.Column(sa.String(16), nullable=False, default="pending", server_default="pending",
                             index=True)
    reviewed_by = sa.Column(sa.String(64))
    reviewed_at = sa.Column(sa.DateTime)
