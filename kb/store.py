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
from typing import cast

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from core.clock import beijing_now
from core.db import UnitOfWork, migrate
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
from kb.parser import PARSER_VERSION, parse_plan
from kb.records import ParsedPlan, ParticipationRules

SOURCES_DIR = Path(__file__).parent / "sources"
PLAN_SUFFIXES = (".txt", ".docx", ".pdf")


class KnowledgeRepository:
    """Reads and writes knowledge-base rows inside one session (see `core.db.UnitOfWork`)."""

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
            built_at=beijing_now(microseconds=True),
            participation_rules=_jsonable(plan.rules) if plan.rules else None,
            outline=outline_of(plan),
        )
        for item in plan.items:
            unit_ids, topic_ids = self._tags("、".join(item.units), item.text)
            row.items.append(
                WorkItemRow(
                    number=item.number, text=item.text, section=" / ".join(item.section),
                    units=list(item.units), lead_units=list(item.lead_units),
                    deadline=item.deadline, deadline_text=item.deadline_text or None,
                    partners=list(item.partners), unit_ids=unit_ids, topic_ids=topic_ids,
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
                    time=site.time or None, place=site.place or None,
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
                .where(DocumentRow.withdrawn_at.is_(None))
                .order_by(DocumentRow.year.desc(), DocumentRow.issued_on.desc())
            ).scalars()
        )

    def listed(self) -> list[DocumentRow]:
        """Every stored document, withdrawn ones too, by year (oldest first), for `kb list`."""
        return list(self.session.execute(
            sa.select(DocumentRow).order_by(DocumentRow.year, DocumentRow.issued_on)).scalars())

    def is_withdrawn(self, number: str) -> bool:
        return self.session.execute(
            sa.select(DocumentRow.withdrawn_at).where(DocumentRow.number == number)
        ).scalar_one_or_none() is not None

    def withdraw(self, number: str) -> DocumentRow | None:
        """Stop answering from a document (`kb remove`); None if no such number is stored."""
        row = self.session.execute(
            sa.select(DocumentRow).where(DocumentRow.number == number)).scalar_one_or_none()
        if row is not None:
            row.withdrawn_at = beijing_now(microseconds=True)
        return row

    def version(self) -> str:
        """Changes whenever a plan is added or rebuilt, so readers know to reload."""
        count, latest, withdrawn = self.session.execute(
            sa.select(sa.func.count(DocumentRow.id), sa.func.max(DocumentRow.built_at),
                      sa.func.max(DocumentRow.withdrawn_at))
        ).one()
        return f"{count}:{latest}:{withdrawn}"

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

    def unanswered_by_question(self, state: str, limit: int = 200) -> list[UnansweredGroup]:
        """The questions in review `state` ("pending", "reviewed", "ignored"), one entry per
        question text with how often it was asked, the reasons and the latest time, most
        frequent first (then most recent); at most `limit`."""
        q = UnansweredQuestionRow
        rows = self.session.execute(
            sa.select(q.question, q.reason, sa.func.count(q.id), sa.func.max(q.asked_at), sa.func.max(q.id))
            .where(q.review_state == state).group_by(q.question, q.reason)
        ).all()
        groups: dict[str, UnansweredGroup] = {}
        for question, reason, count, latest, last_id in rows:
            seen = groups.get(question)
            groups[question] = UnansweredGroup(
                question, count, (reason,), latest, last_id) if seen is None else UnansweredGroup(
                question, seen.count + count, tuple(sorted({*seen.reasons, reason})),
                max(seen.last_asked_at, latest), max(seen.last_id, last_id))
        return sorted(groups.values(), key=lambda g: (-g.count, -g.last_asked_at.timestamp()))[:limit]

    def review_unanswered(self, question_id: int, state: str, reviewer: str) -> tuple[str, int] | None:
        """Set every row with the same question text as row `question_id` to `state`, recording
        `reviewer` and the time: (the question, rows changed); None if no such row. A question
        asked again later is a new pending row. ValueError for a state not in REVIEW_STATES."""
        if state not in REVIEW_STATES:
            raise ValueError(f"unknown review state {state!r}")
        q = UnansweredQuestionRow
        question = self.session.execute(sa.select(q.question).where(q.id == question_id)).scalar_one_or_none()
        if question is None:
            return None
        changed = self.session.execute(
            sa.update(q).where(q.question == question)
            .values(review_state=state, reviewed_by=reviewer, reviewed_at=beijing_now(microseconds=True))
        ).rowcount
        return question, changed


REVIEW_STATES = ("pending", "reviewed", "ignored")


@dataclass(frozen=True)
class UnansweredGroup:
    """One question text of the review queue: times asked, the reasons it was refused, when
    last asked, and the id of its newest row (what a review form names)."""

    question: str
    count: int
    reasons: tuple[str, ...]
    last_asked_at: dt.datetime
    last_id: int


def outline_of(plan: ParsedPlan) -> list[list]:
    """The plan's parts with their sub-headings, as the parser found its headings:
    [[heading, [sub-heading, …]], …]."""
    parts: dict[str, list[str]] = {}
    for section in plan.sections:
        subs = parts.setdefault(section.path[0], [])
        if len(section.path) > 1 and section.path[1] not in subs:
            subs.append(section.path[1])
    return [[heading, subs] for heading, subs in parts.items()]


def _jsonable(rules: ParticipationRules) -> dict:
    return cast(dict, json_safe(dataclasses.asdict(rules)))  # a dataclass's dict stays a dict


def json_safe(value: object) -> object:
    """Tuples become lists so the JSON column round-trips to what the parser made."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


@dataclass(frozen=True)
class PlanPreview:
    """What the parser extracted from one plan file, for the operator to check before (or
    after) it is published: counts per kind, the participation rules' numbers, the months
    the plan names (task deadlines, site times) and the parser's warnings."""

    number: str
    title: str
    year: int | None
    kind: str
    issuer: str
    issued_on: dt.date | None
    items: int
    sites: int
    lectures: int
    passages: int
    rules: dict[str, object] | None
    months: tuple[str, ...]
    warnings: tuple[str, ...]

    @classmethod
    def of(cls, plan: ParsedPlan) -> "PlanPreview":
        doc, rules = plan.document, plan.rules
        months = sorted({f"{i.deadline[:4]}年{int(i.deadline[5:])}月" for i in plan.items if i.deadline}
                        | {s.time for s in plan.sites if s.time})
        return cls(
            doc.number, doc.title, doc.year, doc.kind, doc.issuer, doc.date, len(plan.items),
            len(plan.sites), len(plan.lectures), len(plan.passages),
            {"约人数": rules.offline_size, "线下提前工作日": rules.offline_notice_working_days,
             "线上提前工作日": rules.online_notice_working_days,
             "选取方式": "、".join(rules.selection_methods), "活动期间": rules.activity_period}
            if rules else None,
            tuple(months), plan.warnings,
        )


@dataclass(frozen=True)
class BuildResult:
    """What building one file did, for the operator's progress output."""

    path: Path
    number: str
    status: str  # "added", "updated", "restored" (withdrawn, added again), "unchanged",
    # "withdrawn" (skipped), "preview" (dry run)
    preview: PlanPreview


def plan_files(folder: Path = SOURCES_DIR) -> list[Path]:
    """The plan files of one folder (.txt, .docx, .pdf), by name; [] if it does not exist."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in PLAN_SUFFIXES)


def deployment_plan_files(plans_dir: Path) -> list[Path]:
    """The bundled 2023 plans (kb/sources) and the plans this deployment added with
    `daxing kb add` (kept in its data directory, `plans_dir`)."""
    return [*plan_files(SOURCES_DIR), *plan_files(plans_dir)]


def _content_hash(text: str) -> str:
    # The parser's version is hashed too: a plan parsed by an older parser is parsed again.
    return hashlib.sha256(f"{PARSER_VERSION}\n{text}".encode("utf-8")).hexdigest()


def build(
    database_url: str,
    paths: Iterable[Path],
    on_progress: Callable[[BuildResult], None] = lambda result: None,
    restore: bool = False,
) -> list[BuildResult]:
    """Parse and store each plan file; unchanged files cost one hash and one query. A plan
    withdrawn with `kb remove` is skipped unless `restore` (an operator adding it again)."""
    migrate(database_url)
    unit_of_work = UnitOfWork(database_url)
    results = []
    for path in paths:
        text = load_text(path)
        sha = _content_hash(text)
        plan = parse_plan(text, source_file=path.name)
        with unit_of_work.session() as session:
            repository = KnowledgeRepository(session)
            stored = repository.content_hash_of(plan.document.number)
            withdrawn = repository.is_withdrawn(plan.document.number)
            if withdrawn and not restore:
                status = "withdrawn"
            elif stored == sha and not withdrawn:
                status = "unchanged"
            else:
                repository.replace_plan(plan, sha)
                status = "added" if stored is None else "restored" if withdrawn else "updated"
        result = BuildResult(path, plan.document.number, status, PlanPreview.of(plan))
        on_progress(result)
        results.append(result)
    return results


def preview_plan_file(path: Path) -> BuildResult:
    """What adding `path` would store, without storing or copying anything (`--dry-run`)."""
    plan = parse_plan(load_text(path), source_file=path.name)
    return BuildResult(path, plan.document.number, "preview", PlanPreview.of(plan))


def add_plan_file(database_url: str, path: Path, plans_dir: Path) -> BuildResult:
    """Keep a copy of a new plan in the deployment's data directory (`plans_dir`, never the
    code tree) so later builds keep it, and make it answerable at once."""
    plans_dir.mkdir(parents=True, exist_ok=True)
    target = plans_dir / path.name
    if path.resolve() != target.resolve():
        shutil.copyfile(path, target)
    return build(database_url, [target], restore=True)[0]


def remove_plan(database_url: str, number: str, plans_dir: Path) -> str | None:
    """Withdraw the plan with this 文号: no longer answered from, its copy in `plans_dir`
    deleted; a bundled plan stays withdrawn across rebuilds. Its title, None if no such plan."""
    migrate(database_url)
    with UnitOfWork(database_url).session() as session:
        row = KnowledgeRepository(session).withdraw(number)
        source, title = (row.source_file, row.title) if row is not None else (None, None)
    if source and (plans_dir / source).is_file():
        (plans_dir / source).unlink()
    return title
