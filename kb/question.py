"""The shapes a question travels in: the conversation's `Context`, the `Question` asked and
the `Reading` the understanding step makes of it (kb.understanding).

Plain frozen dataclasses, no behaviour beyond converting the context to and from the
`kb_context` slot; they import nothing of ours but kb.knowledge's `Record`.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kb.knowledge import Record

__all__ = ["Context", "Question", "Reading"]


@dataclass(frozen=True)
class Context:
    """What the conversation discussed last: kept in the `kb_context` slot between turns.

    recent: refs answered, most recent first; listed: refs of the list shown last, in order;
    facet: what the last answer told about them ("unit", "deadline", …).
    """

    recent: tuple[str, ...] = ()
    listed: tuple[str, ...] = ()
    facet: str | None = None

    def to_slot(self) -> dict[str, Any]:
        return {"recent": list(self.recent), "listed": list(self.listed), "facet": self.facet}

    @classmethod
    def from_slot(cls, value: Any, fallback_ref: str | None = None) -> "Context":
        """The slot's dict; a bare `kb_ref` (older conversations, activities) as one record."""
        if isinstance(value, Mapping):
            return cls(tuple(value.get("recent") or ()), tuple(value.get("listed") or ()),
                       value.get("facet"))
        return cls(recent=(fallback_ref,) if fallback_ref else ())


@dataclass(frozen=True)
class Question:
    """A citizen's message as the engine sees it; `text` is normalised by the engine."""

    text: str
    intent: str | None = None
    entities: Mapping[str, Sequence[str]] = field(default_factory=dict)
    context_ref: str | None = None
    context: Context | None = None

    @property
    def conversation(self) -> Context:
        return self.context or Context.from_slot(None, self.context_ref)


@dataclass(frozen=True)
class Reading:
    """What a question means. `evidence` says how the records were found:
    number | quoted | ordinal | theme | filter | unit | context | mention | sentence | said |
    retrieval | kind | none (`quoted`: named by words copied from it, "…那一条", as a number
    names it; `sentence`: a sentence of a plain paragraph shares several of its words;
    `said`: one of the retrieved record's own sentences does)."""

    text: str
    facet: str | None
    mode: str | None
    records: tuple[Record, ...]
    kinds: tuple[str, ...]
    asked_years: tuple[int, ...]
    evidence: str
    excluded_units: tuple[str, ...] = ()
    listing: str | None = None  # towns | deadline:<YYYY-MM> | unit:<id> | theme | same_theme
    subject: Record | None = None  # the record a rule question was asked about
    also: str | None = None  # a second facet asked in the same breath ("谁负责 啥时候完成")
    units: tuple[str, ...] = ()  # unit ids the question names (not the excluded ones)
    yes_no: bool = False  # "是不是/是否/…吗": a yes-or-no question
    facets: tuple[str, ...] = ()  # every facet the text names, in answering.yml's order
    absent: str | None = None  # "有没有讲公积金的讲座": the topic asked for, which no record holds
    names_activity: bool = False  # the text names the open days, lectures or 活动
    other_document: str | None = None  # "政府工作报告里说了啥": a document that is not a stored plan
    other_place: str | None = None  # "朝阳区的开放日有哪些": a place other than Daxing, asked about
    carried: bool = False  # the facet is the conversation's, not this message's ("那第二个呢")

    @classmethod
    def about(cls, records: Sequence[Record], facet: str | None) -> "Reading":
        """A reading with no question behind it: `facet` of `records` (a rules button)."""
        return cls(text="", facet=facet, mode=None, records=tuple(records), kinds=(),
                   asked_years=(), evidence="kind")
