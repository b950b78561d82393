"""The knowledge base's repository, and the build step that fills it from plan files.

Building is idempotent: a plan whose content hash is already stored is skipped, a changed
plan replaces its old records in one transaction, so a half-built plan is never visible.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from kb.db import UnitOfWork, migrate
from kb.gazetteer import TOPIC, UNIT, Gazetteer, default_gazetteer
from kb.loaders import load_text
from kb.models import (
    DocumentRow,
    LectureRow,
    PassageRow,
    SiteRow,
    UnansweredQuestionRow,
    WorkItemRow,
)
from kb.parser import parse_plan
from kb.records import ParsedPlan

SOURCES_DIR = Path(__file__).parent / "sources"
PLAN_SUFFIXES = (".txt", ".docx", ".pdf")


class KnowledgeRepository:
    """Reads and writes knowledge-base rows inside one session (see `kb.db.UnitOfWork`)."""

    def __init__(self, session: Session, gazetteer: Gazetteer | None = None) -> None:
        self.session = session
        self.gazetteer = gazetteer or default_gazetteer()

    def content_hash_of(self, number: str) -> str | None:
        return self.session.execute(
            sa.select(DocumentRow.content_sha256).where(DocumentRow.number == number)
        ).scalar_one_or_none()

    def replace_plan(self, plan: ParsedPlan, content_sha256: str) -> DocumentRow:
        """Store `plan`, replacing an earlier version of the same document number."""
        old = self.session.execute(
            sa.select(DocumentRow).where(DocumentRow.number == plan.document.number)
        ).scalar_one_or_none()
        if old is not None:
            self.session.delete(old)
            self.session.flush()
        document = self._document_row(plan, content_sha256)
        self.session.add(document)
        return document

    def _tags(self, *texts: str) -> tuple[list[str], list[str]]:
        joined = "\n".join(texts)
        return self.gazetteer.ids(joined, UNIT), self.gazetteer.ids(joined, TOPIC)

    def _document_row(self, plan: ParsedPlan, content_sha256: str) -> DocumentRow:
        doc = plan.document
        row = DocumentRow(
            number=doc.number,
            title=doc.title,
            issuer=doc.issuer,
            issued_on=doc.date,
            year=doc.year,
            kind=doc.kind,
            source_file=doc.source_file,
            content_sha256=content_sha256,
            built_at=dt.datetime.utcnow(),
            participation_rules=_jsonable(plan.rules) if plan.rules else None,
        )
        for item in plan.items:
            unit_ids, topic_ids = self._tags("、".join(item.units), item.text)
            row.items.append(
                WorkItemRow(
                    number=item.number, text=item.text, section=" / ".join(item.section),
                    units=list(item.units), lead_units=list(item.lead_units),
                    deadline=item.deadline, unit_ids=unit_ids, topic_ids=topic_ids,
                )
            )
        for site in plan.sites:
            unit_ids, topic_ids = self._tags(
                "、".join(site.units), site.theme, site.category, site.description
            )
            row.sites.append(
                SiteRow(
                    number=site.number, theme=site.theme, category=site.category,
                    description=site.description, units=list(site.units),
                    unit_ids=unit_ids, topic_ids=topic_ids,
                )
            )
        for lecture in plan.lectures:
            unit_ids, topic_ids = self._tags(
                "、".join(lecture.units), lecture.title, lecture.content
            )
            row.lectures.append(
                LectureRow(
                    number=lecture.number, title=lecture.title, content=lecture.content,
                    topics=list(lecture.topics), units=list(lecture.units),
                    unit_ids=unit_ids, topic_ids=topic_ids,
                )
            )
        for passage in plan.passages:
            unit_ids, topic_ids = self._tags(passage.text)
            row.passages.append(
                PassageRow(
                    kind=passage.kind, ref=passage.ref, section=" / ".join(passage.section),
                    text=passage.text, unit_ids=unit_ids, topic_ids=topic_ids,
                )
            )
        return row

    def documents(self) -> list[DocumentRow]:
        """Every document with all its records loaded, newest year first."""
        return list(
            self.session.execute(
                sa.select(DocumentRow)
                .options(
                    selectinload(DocumentRow.items),
                    selectinload(DocumentRow.sites),
                    selectinload(DocumentRow.lectures),
                    selectinload(DocumentRow.passages),
                )
                .order_by(DocumentRow.year.desc(), DocumentRow.issued_on.desc())
            ).scalars()
        )

    def version(self) -> str:
        """Changes whenever a plan is added or rebuilt, so readers know to reload."""
        count, latest = self.session.execute(
            sa.select(sa.func.count(DocumentRow.id), sa.func.max(DocumentRow.built_at))
        ).one()
        return f"{count}:{latest}"

    def record_unanswered(
        self, question: str, reason: str, intent: str | None, sender_id: str | None
    ) -> None:
        self.session.add(
            UnansweredQuestionRow(
                question=question[:2000], reason=reason, intent=intent, sender_id=sender_id
            )
        )

    def unanswered(self, limit: int = 50) -> list[UnansweredQuestionRow]:
        return list(
            self.session.execute(
                sa.select(UnansweredQuestionRow)
                .order_by(UnansweredQuestionRow.asked_at.desc())
                .limit(limit)
            ).scalars()
        )


def _jsonable(rules: object) -> dict:
    return json_safe(dataclasses.asdict(rules))  # type: ignore[call-overload]


def json_safe(value: object) -> object:
    """Tuples become lists so the JSON column round-trips to what the parser made."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


@dataclass(frozen=True)
class BuildResult:
    """What building one file did, for the operator's progress output."""

    path: Path
    number: str
    status: str  # "added", "updated", "unchanged"
    items: int
    sites: int
    lectures: int
    passages: int


def plan_files(folder: Path = SOURCES_DIR) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in PLAN_SUFFIXES)


def build(
    database_url: str,
    paths: Iterable[Path],
    on_progress: Callable[[BuildResult], None] = lambda result: None,
) -> list[BuildResult]:
    """Parse and store each plan file; unchanged files cost one hash and one query."""
    migrate(database_url)
    unit_of_work = UnitOfWork(database_url)
    results = []
    for path in paths:
        text = load_text(path)
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        plan = parse_plan(text, source_file=path.name)
        with unit_of_work.session() as session:
            repository = KnowledgeRepository(session)
            stored = repository.content_hash_of(plan.document.number)
            if stored == sha:
                status = "unchanged"
            else:
                repository.replace_plan(plan, sha)
                status = "added" if stored is None else "updated"
        result = BuildResult(
            path, plan.document.number, status, len(plan.items), len(plan.sites),
            len(plan.lectures), len(plan.passages),
        )
        on_progress(result)
        results.append(result)
    return results


def add_plan_file(database_url: str, path: Path, sources_dir: Path = SOURCES_DIR) -> BuildResult:
    """Copy a new plan into the sources (so later builds keep it) and make it answerable."""
    target = sources_dir / path.name
    if path.resolve() != target.resolve():
        shutil.copyfile(path, target)
    return build(database_url, [target])[0]
