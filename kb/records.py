"""What the parser makes of a plan: plain frozen records, independent of storage and Rasa."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Optional


@dataclass(frozen=True)
class Document:
    """The published document: its 文号 (number) identifies it across rebuilds."""

    title: str
    number: str
    issuer: str
    date: Optional[dt.date]
    year: Optional[int]
    kind: str  # "work_points" | "interaction_plan" | "other"
    source_file: str


@dataclass(frozen=True)
class Section:
    path: tuple[str, ...]
    title: str


@dataclass(frozen=True)
class WorkItem:
    """A numbered task of a work plan with who does it and by when."""

    number: int
    text: str
    section: tuple[str, ...]
    units: tuple[str, ...]
    lead_units: tuple[str, ...]
    deadline: Optional[str]  # "YYYY-MM": the month the task is due, None if the plan gives none
    partners: tuple[str, ...] = ()  # 配合单位, when the plan names them apart from the units
    deadline_text: str = ""  # as the plan writes it: "2026年10月底", "第三季度", "长期坚持"


@dataclass(frozen=True)
class OpenDaySite:
    """One 政务开放日 site; several sites may share a paragraph and its units."""

    number: int
    theme: str
    category: str
    units: tuple[str, ...]
    description: str
    time: str = ""  # as the plan writes it ("2026年6月下旬", "第三季度"); "" if none or 待定
    place: str = ""  # 地点, as the plan writes it; "" if none


@dataclass(frozen=True)
class PolicyLecture:
    """One 政策公开讲 lecture; `topics` lists what its 内容包括 enumerates, if anything."""

    number: int
    title: str
    units: tuple[str, ...]
    content: str
    topics: tuple[str, ...]


@dataclass(frozen=True)
class ParticipationRules:
    """How citizens take part in open days and lectures (三、政民互动形式 and 四、工作要求)."""

    forms: str
    online_notice_working_days: Optional[int]
    online_notice_contents: tuple[str, ...]
    offline_size: Optional[int]
    offline_groups: tuple[str, ...]
    selection_methods: tuple[str, ...]
    offline_notice_working_days: Optional[int]
    activity_period: str
    activity_months: Optional[tuple[int, int]]
    materials_published_within_working_days: Optional[int]


@dataclass(frozen=True)
class Passage:
    """A searchable piece of text; `ref` ties it to a structured record ("item:4", "rules")."""

    section: tuple[str, ...]
    text: str
    kind: str  # "item" | "site" | "lecture" | "rules" | "text"
    ref: str = ""


@dataclass(frozen=True)
class ParsedPlan:
    document: Document
    sections: tuple[Section, ...] = ()
    items: tuple[WorkItem, ...] = ()
    sites: tuple[OpenDaySite, ...] = ()
    lectures: tuple[PolicyLecture, ...] = ()
    rules: Optional[ParticipationRules] = None
    passages: tuple[Passage, ...] = field(default=())
    # What the operator must see before publishing: a plan of a known kind with no sites,
    # rules without a number, a field the parser could not place (Chinese, one per line).
    warnings: tuple[str, ...] = ()
