"""The knowledge base as the answer engine sees it: records of the stored plans, in memory.

A `Record` is one thing a citizen can ask about (a work item, an open-day site, a policy
lecture, the participation rules, a document, or a plain passage). `KnowledgeBase` holds
them for every stored plan, newest plan first, with a passage index over whole records and
over each sentence of a record's text, so that a fact inside a long work item is found.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


from core.numerals import CN_SMALL, to_int
from kb.gazetteer import Gazetteer, default_gazetteer
from kb.models import DocumentRow
from kb.retrieval import Document, PassageIndex

NUMBERED_KINDS = ("item", "site", "lecture")
# A sentence shorter than this is a heading or a fragment, not a fact worth indexing alone.
MIN_SENTENCE_CHARS = 12
_SENTENCE_END = re.compile(r"(?<=[。；！？])")


def to_number(text: str) -> int | None:
    """'9', '９', '九', '十二' → int; anything else → None (core.numerals)."""
    return to_int(text)


def gives_period(rules: "Record | None") -> bool:
    """Whether a plan's participation rules state when its activities are held (2023:
    "在2023年8—11月期间"); a later plan may give each site's 时间 instead, or nothing."""
    return rules is not None and bool(rules.row.get("activity_months") or rules.row.get("activity_period"))


def sentences(text: str) -> list[str]:
    """A record's text cut at 。；！？, without empty pieces."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


@dataclass(frozen=True)
class Record:
    """One thing a citizen can ask about, whatever table it came from."""

    kind: str  # item | site | lecture | rules | document | text
    document: DocumentRow
    number: int | None
    row: Any
    unit_ids: tuple[str, ...] = ()
    topic_ids: tuple[str, ...] = ()
    # The plan's own words for the participation rules (its 政民互动形式 section); the rules'
    # `row` holds only the figures read out of them.
    source_text: str = ""

    def __hash__(self) -> int:
        # By reference: the rules' `row` holds a mapping, so the generated hash (of every
        # field) raised for it wherever records were put in a set or dict.fromkeys.
        return hash(self.ref)

    @property
    def ref(self) -> str:
        """'<文号>#<kind>[:<number>]', stable across rebuilds of the same plan."""
        suffix = f":{self.number}" if self.number is not None else ""
        return f"{self.document.number}#{self.kind}{suffix}"

    @property
    def units(self) -> tuple[str, ...]:
        """The units as the plan writes them ('医保局'), empty for rules and documents."""
        return tuple(getattr(self.row, "units", ()) or ())

    @property
    def searchable(self) -> str:
        """What a question is matched against: a paragraph without its plan's issuer
        ("领导" is not asked of "政务公开工作领导小组办公室"), any other record's text."""
        body = self.document.issuer.removeprefix("北京市").removeprefix("大兴区").removesuffix("办公室")
        if self.kind != "text" or not body:
            return self.text
        return re.sub(rf"(?:北京市)?(?:大兴)?区?{re.escape(body)}(?:办公室)?", "｜", self.text)

    @property
    def text(self) -> str:
        """Everything the record says in words, for matching a question against it."""
        row = self.row
        parts = {
            "item": lambda: [row.text],
            "site": lambda: [row.theme, row.category, row.description],
            "lecture": lambda: [row.title, row.content, *row.topics],
            "text": lambda: [row.text],
            "rules": lambda: [self.source_text],
        }.get(self.kind, lambda: [])()
        return "".join(parts)


class KnowledgeBase:
    """An in-memory snapshot of the stored plans (newest first), with a passage index."""

    def __init__(self, documents: Sequence[DocumentRow], gazetteer: Gazetteer | None = None,
                 held_years: Sequence[int] = ()):
        """`held_years`: the years of every plan held, when this is a subset of them
        (`current`, `of_year`); by default the years of `documents`."""
        self.documents = list(documents)
        self._held = list(held_years)
        self._subsets: dict[object, KnowledgeBase] = {}
        self.gazetteer = gazetteer or default_gazetteer()
        self.records: list[Record] = []
        passages: list[Document] = []
        for doc in self.documents:
            self.records.append(Record("document", doc, None, doc))
            if doc.participation_rules:
                said = "".join(p.text for p in doc.passages if p.ref == "rules")
                self.records.append(Record("rules", doc, None, doc.participation_rules, source_text=said))
            for kind, rows in (("item", doc.items), ("site", doc.sites), ("lecture", doc.lectures)):
                for row in rows:
                    self.records.append(Record(kind, doc, row.number, row, tuple(row.unit_ids),
                                               self.gazetteer.with_broader(tuple(row.topic_ids))))
            for passage in doc.passages:
                key = f"{doc.number}#{passage.ref or f'text:{passage.id}'}"
                text = passage.text
                if not passage.ref:
                    record = Record("text", doc, passage.id, passage, tuple(passage.unit_ids),
                                    self.gazetteer.with_broader(tuple(passage.topic_ids)))
                    self.records.append(record)
                    text = record.searchable
                passages.append(Document(key, passage.kind, text, tuple(passage.topic_ids)))
        self.by_ref = {record.ref: record for record in self.records}
        # Each sentence of a numbered record or a plain paragraph is indexed too, keyed
        # "<ref>~<n>": a fact in the middle of a long work item or of the work requirements
        # scores as high as its own sentence does.
        self._sentences: dict[str, list[str]] = {}
        for record in self.records:
            if record.kind in (*NUMBERED_KINDS, "text", "rules"):
                pieces = self._sentences[record.ref] = sentences(record.searchable)
                if len(pieces) > 1:
                    passages.extend(
                        Document(f"{record.ref}~{n}", record.kind, piece, record.topic_ids)
                        for n, piece in enumerate(pieces)
                        if len(piece) >= MIN_SENTENCE_CHARS
                    )
        self.index = PassageIndex(passages, self.gazetteer)
        self._all_text = "｜".join([*(r.text for r in self.records),
                                    *(str(r.row) for r in self.records if r.kind == "rules")])

    def current(self) -> "KnowledgeBase":
        """The newest plan of each kind (work points, interaction plan, …): what a question
        that names no year is answered from. `self` while no plan is superseded."""
        newest: dict[str, DocumentRow] = {}
        for doc in self.documents:  # newest first
            newest.setdefault(doc.kind, doc)
        if len(newest) == len(self.documents):
            return self
        return self._subset("current", [d for d in self.documents if newest[d.kind] is d])

    def of_year(self, year: int) -> "KnowledgeBase":
        """The plans of one year only ("2023年的开放日有哪些" once 2026's plan is loaded)."""
        return self._subset(year, [d for d in self.documents if d.year == year])

    def _subset(self, key: object, documents: list[DocumentRow]) -> "KnowledgeBase":
        if len(documents) == len(self.documents):
            return self
        if key not in self._subsets:
            self._subsets[key] = KnowledgeBase(documents, self.gazetteer, self.held_years)
        return self._subsets[key]

    @property
    def held_years(self) -> list[int]:
        """The years of every plan held, also in a subset (`current`, `of_year`): what a
        reply about another year names."""
        return self._held or self.years

    def year_of(self, ref: str) -> int | None:
        """The plan year of a record's ref ("京兴政务公开办发〔2023〕2号#site:3" → 2023)."""
        record = self.by_ref.get(ref)
        return record.document.year if record is not None else None

    @property
    def years(self) -> list[int]:
        """The plan years held, ascending (e.g. [2023])."""
        return sorted({doc.year for doc in self.documents if doc.year})

    def uses_word(self, word: str) -> bool:
        """Whether any stored plan writes `word` (its records, rules and paragraphs)."""
        return word in self._all_text

    def sentences_of(self, record: Record) -> list[str]:
        """The sentences of a numbered record or a paragraph as matched (`Record.searchable`),
        split once when the snapshot is built."""
        return self._sentences[record.ref] if record.ref in self._sentences else sentences(record.searchable)

    def latest(self, kind: str, number: int | None = None, year: int | None = None) -> Record | None:
        """The newest plan's record of this kind (and number): next year's plan wins; with
        `year`, of that year's plans only (None if none of them has it)."""
        for doc in (d for d in self.documents if year is None or d.year == year):  # newest first
            for record in self.records:
                if record.document is doc and record.kind == kind and (
                    number is None or record.number == number
                ):
                    return record
        return None

    def outline(self, document: DocumentRow) -> list[tuple[str, list[str]]]:
        """The plan's parts as its headings give them, in order: [("二、深化重点领域信息公开",
        ["（一）以…为导向做好信息公开", …]), …], from the outline the parser stored
        (kb.store: every build stores it, the parser's version being part of the stored
        hash); [] unless the parts are numbered 一、二、三… without a gap."""
        parts: dict[int, tuple[str, list[str]]] = {}  # by the part's number
        for heading, subs in document.outline or []:
            numbered = re.match(rf"([{CN_SMALL}]+)、", heading)
            if numbered and (number := to_number(numbered.group(1))) is not None:
                parts[number] = (heading, list(subs))
        whole = sorted(parts) == list(range(1, len(parts) + 1))
        return [parts[n] for n in sorted(parts)] if whole else []

    def of_kind(self, kind: str) -> list[Record]:
        """All records of one kind from the newest plan that has that kind, in plan order."""
        newest = self.latest(kind)
        if newest is None:
            return []
        return [r for r in self.records if r.kind == kind and r.document is newest.document]

    def numbered(self) -> list[Record]:
        """Every item, site and lecture of the newest plans, in plan order."""
        return [r for kind in NUMBERED_KINDS for r in self.of_kind(kind)]

    def same_theme(self, site: Record) -> list[Record]:
        """The sites of `site`'s 专题 (theme), itself included, in plan order."""
        return [r for r in self.of_kind("site") if r.row.theme == site.row.theme]

    def themes(self) -> dict[str, list[Record]]:
        """专题 name → its sites, in plan order."""
        grouped: dict[str, list[Record]] = {}
        for site in self.of_kind("site"):
            grouped.setdefault(site.row.theme, []).append(site)
        return grouped

    def entries(self, records: Sequence[Record]) -> list[Record]:
        """The first record of each joint entry among `records` (开放点1、2、3、4 once), in
        their order."""
        return list({self.joint_numbers(r): r for r in reversed(records)}.values())[::-1]

    def joint_numbers(self, record: Record) -> str:
        """'1、2、3、4' when the plan gives several numbers one entry ("开放点1、2、3、4",
        same description and units); else the record's own number."""
        return "、".join(str(r.number) for r in self.siblings(record))

    def siblings(self, record: Record) -> list[Record]:
        """The records of one joint entry (itself included), in plan order."""
        if record.kind != "site":
            return [record]
        key = (record.document.number, record.row.description, record.units)
        return [r for r in self.of_kind("site")
                if (r.document.number, r.row.description, r.units) == key] or [record]

    def record_of_key(self, key: str) -> Record | None:
        """The record a passage-index key stands for ('<ref>' or '<ref>~<sentence>')."""
        return self.by_ref.get(key.split("~", 1)[0])
