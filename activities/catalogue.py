"""What a citizen can attend: the plans' open-day sites and policy lectures, and the
announcement rules, read from the knowledge base (never typed in twice).

`ActivityQuery` turns a message into filters (kind, record, unit, topic, month), reusing
the answer engine's linking of numbers and gazetteer mentions to plan records.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from core.numerals import ARABIC, CN_SMALL, CN_SPOKEN, to_int
from kb.answers import AnswerEngine, Question, Record

ACTIVITY_KINDS = ("site", "lecture")
# Words that pick a kind of activity when nothing more specific is named.
KIND_WORDS = {
    "site": re.compile(r"开放日|开放点|参观|开[放方访芳]点"),
    "lecture": re.compile(r"公开讲|宣讲|讲座|政策解读"),
}


def names_an_activity(text: str) -> bool:
    """Whether `text` names a kind of activity in the words of `KIND_WORDS` (开放日, 宣讲…)."""
    return any(pattern.search(text) for pattern in KIND_WORDS.values())


MONTH = re.compile(rf"([{ARABIC}]{{1,2}}|[{CN_SMALL}]{{1,3}})\s*月(?!底前)")
# Pointing back at what was just discussed ("就报这个吧", "那个我也想去").
_HAN = re.compile(r"[\u4e00-\u9fff]+")
_BACK_REFERENCE = re.compile(r"这个|那个|这场|那场|这次|它|这一个|那一个|这讲|那讲")
RELATIVE_MONTHS = {"下个月": 1, "下月": 1, "这个月": 0, "本月": 0, "当月": 0}
ORDINAL = re.compile(rf"第\s*([{ARABIC}]+|[{CN_SPOKEN}]+)\s*(?:个|场|次|条)?")


@dataclass(frozen=True)
class NoticeRules:
    """Working days between announcement and activity, from the plan (5 offline, 3 live)."""

    offline_working_days: int = 5
    online_working_days: int = 3
    source: str = ""
    capacity: int | None = None  # the plan's 约N人 for an offline session; None if not given

    def for_mode(self, online_only: bool) -> int:
        return self.online_working_days if online_only else self.offline_working_days


@dataclass(frozen=True)
class Activity:
    """A site or lecture of a plan, as a citizen sees it."""

    kind: str
    number: int
    title: str
    units: tuple[str, ...]
    summary: str
    document_number: str
    document_title: str

    @property
    def ref(self) -> str:
        return f"{self.document_number}#{self.kind}:{self.number}"

    @classmethod
    def from_record(cls, record: Record) -> "Activity":
        row = record.row
        if record.kind == "site":
            title, summary = f"{row.category}（{row.theme}）", row.description
        else:
            title, summary = row.title, row.content
        return cls(
            kind=record.kind,
            number=int(record.number or 0),
            title=title,
            units=tuple(row.units),
            summary=summary,
            document_number=record.document.number,
            document_title=record.document.title,
        )


@dataclass(frozen=True)
class ActivityQuery:
    """Filters from one message. Empty `activities` with no kind means "anything upcoming"."""

    kinds: tuple[str, ...] = ACTIVITY_KINDS
    activities: tuple[Activity, ...] = ()
    specific: bool = False
    month: tuple[int, int] | None = None
    ordinal: int | None = None


class Catalogue:
    """The activities of the newest plan, and the rules for announcing them."""

    def __init__(self, engine: AnswerEngine) -> None:
        self.engine = engine

    def head_word(self, activity: Activity) -> str | None:
        """The first two characters of the activity's title when no other activity of the
        plans has them anywhere in its title (司法服务 → 司法, 仲裁调解 → 仲裁; not 政务服务体验,
        one of six, nor 服务创城: 服务 is in others' titles); else None. How citizens call an
        activity they cannot name ("司法那个开放日")."""
        head = activity.title[:2]
        if len(head) < 2 or not _HAN.fullmatch(head):
            return None
        others = [a for a in self.activities() if a.ref != activity.ref]
        return None if any(head in a.title for a in others) else head

    def activities(self, kind: str | None = None) -> list[Activity]:
        kinds = (kind,) if kind else ACTIVITY_KINDS
        return [Activity.from_record(r) for k in kinds for r in self.engine.kb.of_kind(k)]

    def activity(self, kind: str, number: int, year: int | None = None) -> Activity | None:
        """开放点/第N讲 `number` of the plan of `year` when one is loaded (a 2026 session
        belongs to the 2026 plan), else of the newest plan."""
        kb = self.engine.kb
        record = (kb.latest(kind, number, year) if year in kb.years else None) or kb.latest(kind, number)
        return Activity.from_record(record) if record else None

    def by_ref(self, ref: str) -> Activity | None:
        record = self.engine.kb.by_ref.get(ref)
        return Activity.from_record(record) if record and record.kind in ACTIVITY_KINDS else None

    def notice_rules(self, document_number: str | None = None) -> NoticeRules:
        """How far ahead sessions are announced, from the participation rules of the plan
        `document_number` (the plan a session's activity belongs to), else the newest plan's.
        A figure the plan does not give keeps NoticeRules' default (2023 plan: 5 and 3)."""
        record = self.engine.kb.by_ref.get(f"{document_number}#rules") if document_number else None
        record = record or self.engine.kb.latest("rules")
        if record is None:
            return NoticeRules()
        rules = record.row
        default = NoticeRules()
        return NoticeRules(
            offline_working_days=rules.get("offline_notice_working_days") or default.offline_working_days,
            online_working_days=rules.get("online_notice_working_days") or default.online_working_days,
            source=f"《{record.document.title}》（{record.document.number}）",
            capacity=rules.get("offline_size"),
        )

    def query(
        self, text: str, entities: dict[str, list[str]], today: dt.date, context_ref: str | None = None
    ) -> ActivityQuery:
        """What a message asks for: named activities, else a kind, plus month and ordinal."""
        question = Question(text, "ask_activity_schedule", entities, context_ref)
        kinds = tuple(k for k, words in KIND_WORDS.items() if words.search(text)) or ACTIVITY_KINDS
        numbers = {k: n for k, n in self.engine.numbers(question).items() if k in ACTIVITY_KINDS}
        named = [self.activity(kind, number) for kind, number in numbers.items()]
        activities = [a for a in named if a is not None]
        if not numbers:
            units, topics = self.engine.mentions(question)
            kind_topics = set(self.engine.config["kind_topics"])
            topics -= kind_topics
            if units or topics:
                activities = [
                    Activity.from_record(r)
                    for k in kinds
                    for r in self.engine.kb.of_kind(k)
                    if (not units or units & set(r.unit_ids)) and (not topics or topics & set(r.topic_ids))
                ]
        if not numbers and not activities and context_ref and _BACK_REFERENCE.search(text):
            # "那挺好，就报这个吧" after the 医保 lecture was discussed: that lecture.
            record = self.engine.kb.by_ref.get(context_ref)
            if record is not None and record.kind in ACTIVITY_KINDS:
                activities = [Activity.from_record(record)]
        months = entities.get("month", []) + [text]
        return ActivityQuery(
            kinds=kinds,
            activities=tuple(activities),
            specific=bool(numbers) or bool(activities) or _names_something(self.engine, question),
            month=next((m for m in (month_of(t, today) for t in months) if m), None),
            ordinal=None if numbers else ordinal_of(text),
        )


def _names_something(engine: AnswerEngine, question: Question) -> bool:
    units, topics = engine.mentions(question)
    return bool(units or topics - set(engine.config["kind_topics"]))


def month_of(text: str, today: dt.date) -> tuple[int, int] | None:
    """(year, month) a text names: "12月", "十二月", "下个月"; a past month means next year's."""
    for word, offset in RELATIVE_MONTHS.items():
        if word in text:
            index = today.year * 12 + today.month - 1 + offset
            return index // 12, index % 12 + 1
    match = MONTH.search(text)
    if not match:
        return None
    month = to_int(match.group(1))
    if month is None or not 1 <= month <= 12:
        return None
    return (today.year if month >= today.month else today.year + 1), month


def ordinal_of(text: str) -> int | None:
    """"第二个" / "那第2场呢" → 2, for picking from the list shown last."""
    match = ORDINAL.search(text)
    return to_int(match.group(1)) if match else None
