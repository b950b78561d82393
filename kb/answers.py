"""Answer a citizen's question from the knowledge base, citing the plan, never guessing.

The engine finds what the question is about (a numbered item, site or lecture, the
participation rules, the document itself, or a plain passage), then what it asks of it
(its unit, deadline, content, how to take part…), and says the key fact first with the
source. Questions about details the plans do not contain get an honest refusal that
points to what the plans do say and to the 12345 hotline.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import cn2an
import yaml

from kb.gazetteer import TOPIC, UNIT, Gazetteer, default_gazetteer
from kb.models import DocumentRow
from kb.retrieval import Document, PassageIndex

ANSWERING_FILE = Path(__file__).parent / "data" / "answering.yml"

# A record must score at least this to be the answer. `bench/kb_accuracy.py --sweep` on
# tests/dev showed answer accuracy flat for 0.6–0.7 and dropping above; refusals did not move.
MIN_RECORD_SCORE = 0.7
# Records within this much of the best one are shown together.
TIE_MARGIN = 0.35
# A plain passage must be at least this similar to be quoted.
MIN_PASSAGE_SCORE = 0.32
MAX_LISTED = 6

_NUMERAL = r"([0-9０-９]+|[一二三四五六七八九十两]+)"
NUMBER_PATTERNS = {
    # 开方点/开访点: typed by pinyin input, as citizens do.
    "site": [rf"开[放方访芳]点\s*(?:第\s*)?{_NUMERAL}", rf"第?\s*{_NUMERAL}\s*(?:号|个)\s*开[放方访芳]点"],
    # "要点12" or "要点第十二", but not "要点一共".
    "item": [rf"第\s*{_NUMERAL}\s*[项条]", r"(?:工作要点|要点)\s*(?:第\s*)?([0-9０-９]+)",
             rf"(?:工作要点|要点)\s*第\s*{_NUMERAL}"],
    "lecture": [
        rf"第\s*{_NUMERAL}\s*(?:个|场|讲)\s*(?:政策)?(?:宣讲|讲座|公开讲)",
        rf"(?:公开讲|宣讲|讲座)\s*第\s*{_NUMERAL}\s*(?:个|场|讲)?",
    ],
}
GENERIC_NUMBER = re.compile(rf"第\s*{_NUMERAL}\s*(?:个|场|讲|项|条)?")
YEAR = re.compile(r"(20\d\d)\s*年?")
ENTITY_KINDS = {"site_number": "site", "item_number": "item", "lecture_number": "lecture"}
RULE_ASPECTS = ("size", "who_can_join", "how_to_join", "online", "notice", "materials")


def to_number(text: str) -> int | None:
    """'9', '９', '九', '十二' → int; anything else → None."""
    try:
        return int(cn2an.cn2an(text.strip(), "smart"))
    except (ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class Question:
    text: str
    intent: str | None = None
    entities: Mapping[str, Sequence[str]] = field(default_factory=dict)
    context_ref: str | None = None


@dataclass(frozen=True)
class Answer:
    text: str
    covered: bool
    ref: str | None = None
    related: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    reason: str | None = None


@dataclass(frozen=True)
class Record:
    """One thing a citizen can ask about, whatever table it came from."""

    kind: str  # item | site | lecture | rules | document | text
    document: DocumentRow
    number: int | None
    row: Any
    unit_ids: tuple[str, ...] = ()
    topic_ids: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        suffix = f":{self.number}" if self.number is not None else ""
        return f"{self.document.number}#{self.kind}{suffix}"


class KnowledgeBase:
    """An in-memory snapshot of the stored plans, with a passage index over them."""

    def __init__(self, documents: Sequence[DocumentRow], gazetteer: Gazetteer | None = None):
        self.documents = list(documents)
        self.gazetteer = gazetteer or default_gazetteer()
        self.records: list[Record] = []
        passages: list[Document] = []
        for doc in self.documents:
            self.records.append(Record("document", doc, None, doc))
            if doc.participation_rules:
                self.records.append(Record("rules", doc, None, doc.participation_rules))
            for kind, rows in (("item", doc.items), ("site", doc.sites), ("lecture", doc.lectures)):
                for row in rows:
                    self.records.append(
                        Record(kind, doc, row.number, row, tuple(row.unit_ids), tuple(row.topic_ids))
                    )
            for passage in doc.passages:
                key = f"{doc.number}#{passage.ref or f'text:{passage.id}'}"
                if not passage.ref:
                    self.records.append(
                        Record("text", doc, passage.id, passage, tuple(passage.unit_ids),
                               tuple(passage.topic_ids))
                    )
                passages.append(Document(key, passage.kind, passage.text, tuple(passage.topic_ids)))
        self.by_ref = {record.ref: record for record in self.records}
        self.index = PassageIndex(passages, self.gazetteer)

    @property
    def years(self) -> list[int]:
        return sorted({doc.year for doc in self.documents if doc.year})

    def latest(self, kind: str, number: int | None = None) -> Record | None:
        """The newest plan's record of this kind (and number): next year's plan wins."""
        for doc in self.documents:  # newest first
            for record in self.records:
                if record.document is doc and record.kind == kind and (
                    number is None or record.number == number
                ):
                    return record
        return None

    def of_kind(self, kind: str) -> list[Record]:
        newest = self.latest(kind)
        if newest is None:
            return []
        return [r for r in self.records if r.kind == kind and r.document is newest.document]


class AnswerEngine:
    """Turns a `Question` into an `Answer` using the knowledge base and answering.yml."""

    def __init__(self, knowledge: KnowledgeBase, config_file: Path = ANSWERING_FILE) -> None:
        self.kb = knowledge
        self.config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
        self.texts: dict[str, str] = self.config["texts"]

    # --- understanding the question -------------------------------------------------

    @cached_property
    def _aspect_patterns(self) -> list[tuple[str, re.Pattern[str]]]:
        return [
            (aspect, re.compile("|".join(phrases)))
            for aspect, phrases in self.config["aspects"].items()
        ]

    def aspect_of(self, text: str, skip: str | None = None) -> str | None:
        """What the question asks about; the first aspect in answering.yml that matches wins."""
        return next(
            (a for a, pattern in self._aspect_patterns if a != skip and pattern.search(text)), None
        )

    def _refers_back(self, text: str) -> bool:
        return any(word in text for word in self.config["back_references"])

    def numbers(self, question: Question) -> dict[str, int]:
        """Explicit record numbers, by kind, from NLU entities and from the text itself."""
        found: dict[str, int] = {}
        for entity, kind in ENTITY_KINDS.items():
            for value in question.entities.get(entity, []):
                number = to_number(str(value))
                if number is not None:
                    found.setdefault(kind, number)
        for kind, patterns in NUMBER_PATTERNS.items():
            for pattern in patterns:
                match = re.search(pattern, question.text)
                if match and kind not in found:
                    number = to_number(next(g for g in match.groups() if g))
                    if number is not None:
                        found[kind] = number
        if not found:
            match = GENERIC_NUMBER.search(question.text)
            kinds = self.config["intent_kinds"].get(question.intent or "", [])
            context_kind = self._context_kind(question)
            kind = kinds[0] if len(kinds) == 1 else context_kind
            if match and kind in NUMBER_PATTERNS:
                number = to_number(match.group(1))
                if number is not None:
                    found[kind] = number
        return found

    def _context_kind(self, question: Question) -> str | None:
        record = self.kb.by_ref.get(question.context_ref or "")
        return record.kind if record else None

    def mentions(self, question: Question) -> tuple[set[str], set[str]]:
        text = " ".join([question.text, *(str(v) for vs in question.entities.values() for v in vs)])
        return set(self.kb.gazetteer.ids(text, UNIT)), set(self.kb.gazetteer.ids(text, TOPIC))

    # --- finding what it is about ---------------------------------------------------

    def _candidates(self, question: Question, aspect: str | None) -> list[Record]:
        numbers = self.numbers(question)
        if numbers:
            records = [self.kb.latest(kind, number) for kind, number in numbers.items()]
            return [r for r in records if r is not None]

        units, topics = self.mentions(question)
        kind_topics: dict[str, str] = self.config["kind_topics"]
        kinds = list(self.config["intent_kinds"].get(question.intent or "", []))
        kinds = [kind_topics[t] for t in topics if t in kind_topics] or kinds
        specific_topics = topics - set(kind_topics)

        context = self.kb.by_ref.get(question.context_ref or "")
        if context and (
            question.intent == "ask_followup"
            or (self._refers_back(question.text) and not units and not specific_topics)
        ):
            return [context]
        if aspect in RULE_ASPECTS or (question.intent == "ask_participation" and not specific_topics):
            rules = self.kb.latest("rules")
            return [rules] if rules else []
        if aspect == "document":
            return self._documents(question.text, kinds)
        if aspect == "list" and len(kinds) == 1 and not units and not specific_topics:
            return self.kb.of_kind(kinds[0])

        soft_topics = set(self.config["intent_topics"].get(question.intent or "", [])) - set(kind_topics)
        if not question.text:  # a topic button (/ask_open_day): what the plans hold for it
            return self._overview(kinds, soft_topics)
        return self._best_records(question.text, kinds, units, specific_topics, soft_topics)

    def _documents(self, text: str, kinds: Sequence[str]) -> list[Record]:
        named = {kind for kind, words in self.config["document_keywords"].items()
                 if any(word in text for word in words)}
        if not named:
            by_record_kind = {"site": "interaction_plan", "lecture": "interaction_plan",
                              "item": "work_points"}
            named = {by_record_kind[k] for k in kinds if k in by_record_kind}
        documents = [r for r in self.kb.records if r.kind == "document"]
        return [r for r in documents if not named or r.document.kind in named][:2]

    def _overview(self, kinds: Sequence[str], topics: set[str]) -> list[Record]:
        if not topics:
            return self.kb.of_kind(kinds[0]) if len(kinds) == 1 else []
        matching = [r for kind in kinds for r in self.kb.of_kind(kind) if topics & set(r.topic_ids)]
        matching.sort(key=lambda r: len(topics & set(r.topic_ids)), reverse=True)
        return matching[:MAX_LISTED]

    def _best_records(
        self, text: str, kinds: Sequence[str], units: set[str], topics: set[str], soft: set[str]
    ) -> list[Record]:
        hits = self.kb.index.search(text, preferred_kinds=kinds, topic_ids=sorted(topics | soft),
                                    top_k=len(self.kb.index.passages))
        similarity = {hit.document.key: hit.score for hit in hits}
        scored = []
        for record in self.kb.records:
            if record.kind not in ("item", "site", "lecture"):
                continue
            score = 2.0 * similarity.get(record.ref, 0.0)
            score += 1.2 * len(units & set(record.unit_ids))
            score += 1.0 * len(topics & set(record.topic_ids))
            score += 0.4 * min(2, len(soft & set(record.topic_ids)))
            if kinds and record.kind in kinds:
                score += 0.2
            scored.append((score, record))
        scored.sort(key=lambda pair: pair[0], reverse=True)
        if not scored or scored[0][0] < MIN_RECORD_SCORE:
            return self._best_passage(text)
        best = scored[0][0]
        newest_year = max(r.document.year or 0 for _, r in scored[:MAX_LISTED])
        return [r for s, r in scored[:MAX_LISTED]
                if s >= best - TIE_MARGIN and (r.document.year or 0) == newest_year]

    def _best_passage(self, text: str) -> list[Record]:
        hits = self.kb.index.search(text, top_k=1)
        if hits and hits[0].score >= MIN_PASSAGE_SCORE:
            record = self.kb.by_ref.get(hits[0].document.key)
            if record is not None:
                return [record]
        return []

    # --- saying it -----------------------------------------------------------------

    def answer(self, question: Question) -> Answer:
        text = question.text.strip()
        question = Question(text, question.intent, question.entities, question.context_ref)
        years = self.kb.years
        asked_years = {int(y) for y in YEAR.findall(text)}
        if asked_years and not asked_years & set(years):
            return self._refusal("not_covered_year", [], "unknown_year")
        aspect = self.aspect_of(text)
        if aspect == "document" and any(self.mentions(question)):
            # "老旧小区改造信息谁发布" asks who publishes that information, not who issued the plan.
            aspect = self.aspect_of(text, skip="document")
        records = self._candidates(question, aspect)
        if aspect == "not_covered" or aspect == "place" and records and records[0].kind != "rules":
            return self._refusal("not_covered", records, "detail_not_in_plans")
        if not records:
            return self._refusal("not_found", [], "no_match")
        if len(records) == 1:
            return self._cited(self._describe(records[0], aspect), records, records[0])
        if aspect == "list" and len({r.kind for r in records}) == 1:
            return self._cited(self._list(records), records, None, where="list")
        lines = "\n".join(self._describe(r, "short") for r in records)
        return self._cited(self.texts["several"].format(lines=lines), records, None)

    def _fmt(self, key: str, **values: Any) -> str:
        return self.texts[key].format(**values)

    def _units(self, row: Any) -> str:
        """Units as the plan writes them, with the full name where the plan abbreviates."""
        named = []
        for unit in row.units:
            ids = self.kb.gazetteer.ids(unit, UNIT)
            full = ids[0] if len(ids) == 1 and ids[0] != unit else None
            named.append(self._fmt("unit_full", unit=unit, full=full) if full else unit)
        return self.texts["list_separator"].join(named)

    def _describe(self, record: Record, aspect: str | None) -> str:
        row, t = record.row, self._fmt
        if record.kind == "item":
            deadline = _month(row.deadline) or self.texts["no_deadline"]
            if aspect == "unit":
                if row.lead_units:
                    return t("item_unit_lead", number=row.number, units=self._units(row),
                             lead_units=self.texts["list_separator"].join(row.lead_units))
                return t("item_unit", number=row.number, units=self._units(row))
            if aspect in ("deadline", "when"):
                return t("item_deadline", number=row.number, deadline=deadline)
            key = "item_short" if aspect == "short" else "item"
            return t(key, number=row.number, text=row.text, units=self._units(row), deadline=deadline)
        if record.kind == "site":
            if aspect == "unit":
                return t("site_unit", number=row.number, category=row.category, units=self._units(row))
            if aspect == "when":
                return self._rules_text("when", record)
            key = "site_short" if aspect == "short" else "site"
            return t(key, number=row.number, category=row.category, theme=row.theme,
                     units=self._units(row), description=row.description)
        if record.kind == "lecture":
            if aspect == "unit":
                return t("lecture_unit", title=row.title, units=self._units(row))
            if aspect == "when":
                return self._rules_text("when", record)
            if aspect == "content" and row.topics:
                return t("lecture_topics", title=row.title, units=self._units(row),
                         topics=self.texts["list_separator"].join(row.topics))
            key = "lecture_short" if aspect == "short" else "lecture"
            return t(key, number=row.number, title=row.title, units=self._units(row),
                     content=row.content)
        if record.kind == "rules":
            return self._rules_text(aspect, record)
        if record.kind == "document":
            return t("document", title=row.title, number=row.number, issuer=row.issuer,
                     date=f"{row.issued_on.year}年{row.issued_on.month}月{row.issued_on.day}日"
                     if row.issued_on else "")
        return row.text

    def _rules_text(self, aspect: str | None, record: Record) -> str:
        rules_record = record if record.kind == "rules" else self.kb.latest("rules")
        if rules_record is None:
            return ""
        rules = rules_record.row
        sep = self.texts["list_separator"]
        values = dict(
            offline_size=rules["offline_size"], groups=sep.join(rules["offline_groups"]),
            methods=sep.join(rules["selection_methods"]),
            offline_notice=rules["offline_notice_working_days"],
            online_notice=rules["online_notice_working_days"],
            online_contents=sep.join(rules["online_notice_contents"]),
            materials_days=rules["materials_published_within_working_days"],
            period=rules["activity_period"],
        )
        key = {
            "size": "rules_size", "who_can_join": "rules_who", "how_to_join": "rules_how",
            "online": "rules_online", "notice": "rules_notice", "materials": "rules_materials",
            "when": "rules_when",
        }.get(aspect or "", "rules_summary")
        return self._fmt(key, **values)

    def _list(self, records: list[Record]) -> str:
        kind, doc = records[0].kind, records[0].document
        # 29 work items would drown the chat window; sites and lectures are short enough.
        shown = records[:MAX_LISTED] if kind == "item" else records
        lines = "\n".join(self._describe(r, "short") for r in shown)
        key = {"site": "list_sites", "lecture": "list_lectures", "item": "list_items"}[kind]
        return self._fmt(key, year=doc.year, count=len(records), shown=len(shown),
                         title=doc.title, lines=lines)

    def _source(self, record: Record, where: str | None = None) -> str:
        doc = record.document
        kind = where or record.kind
        where_text = self.texts[f"where_{kind}"].format(
            number=record.number, section=getattr(record.row, "section", "")
        )
        return self._fmt("source", title=doc.title, number=doc.number, where=where_text)

    def _cited(
        self, fact: str, records: list[Record], focus: Record | None, where: str | None = None
    ) -> Answer:
        sources = list(dict.fromkeys(self._source(r, where) for r in records))
        text = "\n".join([fact, *sources])
        return Answer(
            text=text,
            covered=True,
            ref=focus.ref if focus else None,
            related=self._related(focus or records[0]),
            sources=tuple(dict.fromkeys(r.ref for r in records)),
        )

    def _related(self, record: Record) -> tuple[str, ...]:
        templates = self.config["related"].get(record.kind, self.config["related"]["document"])
        number = record.number or 1
        count = len(self.kb.of_kind(record.kind)) or 1
        title = getattr(record.row, "title", "")
        return tuple(
            q.format(number=number, next=number % count + 1, title=title) for q in templates
        )[:3]

    def _refusal(self, key: str, records: list[Record], reason: str) -> Answer:
        years = "、".join(str(y) for y in self.kb.years)
        parts = [self._fmt(key, years=years)]
        if records:
            pointer = records[0]
            # A lecture's listed contents say best what the plans do cover (e.g. 异地就医政策).
            detail = "content" if pointer.kind == "lecture" else "short"
            parts.append(self._fmt("pointer", summary=self._describe(pointer, detail)))
            parts.append(self._source(pointer))
        parts.append(self.texts["hotline"])
        return Answer(
            text="\n".join(parts),
            covered=False,
            ref=records[0].ref if records else None,
            related=tuple(self.config["related"]["not_covered"]),
            sources=tuple(r.ref for r in records[:1]),
            reason=reason,
        )


def _month(deadline: str | None) -> str | None:
    if not deadline:
        return None
    year, month = deadline.split("-")
    return f"{int(year)}年{int(month)}月"


@dataclass
class CachedEngine:
    """The action server's engine, rebuilt only when the stored plans change."""

    database_url: str
    _version: str | None = None
    _engine: AnswerEngine | None = None

    @cached_property
    def _unit_of_work(self):  # type: ignore[no-untyped-def]
        from kb.db import UnitOfWork

        return UnitOfWork(self.database_url)

    def get(self) -> AnswerEngine:
        from kb.store import KnowledgeRepository

        with self._unit_of_work.session() as session:
            repository = KnowledgeRepository(session)
            version = repository.version()
            if self._engine is None or version != self._version:
                self._engine = AnswerEngine(KnowledgeBase(repository.documents()))
                self._version = version
        return self._engine
