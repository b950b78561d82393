"""Labelled fields of a plan record: who does it, with whom, when, where, what.

In: the text of one record paragraph (cleaned, one line), e.g.
  "做好…信息。（责任单位：区教委、各镇街；完成时限：2025年8月底前）"
  "（区住建委、区城管委及相关属地负责落实，完成时限：2023年12月）"
  "牵头单位：区发展改革委配合单位：区政府各部门完成时间：2026年12月底"
Out: `extract_fields(text)` → (the text without its field parts, `Fields`).
Also here: splitting a unit list (`split_units`, `responsibility`) and reading a deadline or
activity time as a month (`month_of`: "2026年10月底" → "2026-10", "第三季度" → "<year>-09").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from core.numerals import NUMBER, to_int

# Label variants, with and without 单位 ("承办单位：" / "承办："); longer ones are tried first.
UNIT_LABELS = ("主责单位", "主办单位", "牵头单位", "责任单位", "负责单位", "主讲单位", "承办单位",
               "宣讲单位", "主讲", "承办", "主办", "宣讲")
PARTNER_LABELS = ("配合单位", "协办单位", "参与单位", "协办", "配合")
TIME_LABELS = ("完成时限", "完成时间", "活动时间", "开放时间", "举办时间", "时限", "时间")
PLACE_LABELS = ("活动地点", "开放地点", "举办地点", "活动地址", "地点", "地址")
CONTENT_LABELS = ("活动内容", "主要内容")
_ALL_LABELS = sorted(
    UNIT_LABELS + PARTNER_LABELS + TIME_LABELS + PLACE_LABELS + CONTENT_LABELS, key=len, reverse=True
)
LABEL = re.compile(r"(" + "|".join(_ALL_LABELS) + r")\s*[:：]")
# A line that is a field line: "主办单位：…", "（责任单位：…".
LABEL_LINE = re.compile(r"^[（(]?\s*(?:" + "|".join(_ALL_LABELS) + r")\s*[:：]")
# The unlabelled 2023 form: "（区X局负责落实，完成时限：…）", "（区X局牵头，…按职责落实，…）".
RESPONSIBLE = re.compile(r"(?:落实|负责|牵头|配合)\s*$")
UNIT_SUFFIXES = ("分别负责落实", "按职责落实", "负责落实", "落实", "负责")
ALL_TOWNS = "各镇、街道"
UNDECIDED = ("待定", "另行通知", "另定")


@dataclass
class Fields:
    """What the labels of one record said; empty strings and tuples when they said nothing."""

    units: list[str] = field(default_factory=list)
    leads: list[str] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    time: str = ""
    place: str = ""
    content: str = ""

    def merge(self, other: "Fields") -> None:
        self.units = list(dict.fromkeys(self.units + other.units))
        self.leads = list(dict.fromkeys(self.leads + other.leads))
        self.partners = list(dict.fromkeys(self.partners + other.partners))
        self.time = self.time or other.time
        self.place = self.place or other.place
        self.content = "".join(p for p in (self.content, other.content) if p)

    @property
    def found(self) -> bool:
        return bool(self.units or self.partners or self.time or self.place)


def split_units(text: str) -> list[str]:
    """'区住建委、区城管委及相关属地负责落实' → ['区住建委', '区城管委', '相关属地']."""
    text = text.replace(ALL_TOWNS, "\0")
    parts = re.split(r"[、，,；;\s]|及|和(?=区|各)", text)
    units = []
    for part in parts:
        part = part.replace("\0", ALL_TOWNS).strip()
        for suffix in UNIT_SUFFIXES:
            part = part.removesuffix(suffix)
        part = re.sub(r"等(相关)?(部门|单位)?$", "", part).rstrip("和及")
        if part:
            units.append(part)
    return units


def responsibility(tail: str) -> tuple[list[str], list[str], list[str]]:
    """'A牵头，B、C配合' → units [A], leads [A], partners [B, C]; a clause that neither leads
    nor assists ('B按职责落实') adds its units after the leads."""
    units: list[str] = []
    leads: list[str] = []
    partners: list[str] = []
    for clause in re.split(r"[，,；;]", tail):
        clause = clause.strip()
        if clause.endswith("牵头"):
            leads.extend(split_units(clause.removesuffix("牵头")))
        elif clause.endswith("配合") or clause.endswith("协助"):
            partners.extend(split_units(clause[:-2]))
        else:
            units.extend(split_units(clause))
    return list(dict.fromkeys(leads + units)), leads, list(dict.fromkeys(partners))


def _value(text: str) -> str:
    return text.strip().strip("；;，,。 ").strip()


def _labelled(text: str) -> Fields:
    """Fields of a run of 'label：value' pairs; text before the first label, if it names who
    is responsible ('区X局负责落实'), counts as the units."""
    fields = Fields()
    matches = list(LABEL.finditer(text))
    prefix = _value(text[: matches[0].start()] if matches else text)
    if prefix and RESPONSIBLE.search(prefix):
        fields.units, fields.leads, fields.partners = responsibility(prefix)
    for match, following in zip(matches, matches[1:] + [None]):
        label = match.group(1)
        value = _value(text[match.end(): following.start() if following else len(text)])
        if not value:
            continue
        if label in UNIT_LABELS:
            units, leads, partners = responsibility(value)
            fields.merge(Fields(units, units if label == "牵头单位" else leads, partners))
        elif label in PARTNER_LABELS:
            fields.merge(Fields(partners=split_units(value)))
        elif label in TIME_LABELS:
            fields.time = fields.time or value
        elif label in PLACE_LABELS:
            fields.place = fields.place or value
        else:
            fields.content = fields.content or value
    return fields


def _bracket_groups(text: str) -> list[tuple[int, int]]:
    """(start, end) of each outermost （…） or (…) group."""
    groups, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "（(":
            if depth == 0:
                start = i
            depth += 1
        elif ch in "）)" and depth:
            depth -= 1
            if depth == 0:
                groups.append((start, i + 1))
    return groups


def _is_field_group(inner: str) -> bool:
    if LABEL.search(inner):
        return True
    head = re.split(r"[，,；;]\s*(?=完成时限|时限)", inner)[0]
    return bool(RESPONSIBLE.search(head)) and head != inner


def ends_with_field_group(text: str) -> bool:
    """'…信息。（责任单位：…；完成时限：…）' ends with its field tail: nothing of its record follows."""
    stripped = text.rstrip("。.；; ")
    groups = _bracket_groups(stripped)
    return bool(groups) and groups[-1][1] == len(stripped) and \
        _is_field_group(stripped[groups[-1][0] + 1: -1])


TITLE_RUN = 30  # characters of a record title before its run of fields


def _title_run(text: str) -> Optional[re.Match]:
    """The first label of "名称承办：…时间：…地址：…": a short title without punctuation, then at
    least two labelled fields (one of them a unit), each value without a sentence end."""
    matches = list(LABEL.finditer(text))
    if len(matches) < 2 or matches[0].start() > TITLE_RUN or \
            re.search(r"[。；;，,：:]", text[: matches[0].start()]):
        return None
    if not any(m.group(1) in UNIT_LABELS + PARTNER_LABELS for m in matches):
        return None
    values = [text[m.end(): n.start()] for m, n in zip(matches, matches[1:])]
    return None if any("。" in v for v in values) else matches[0]


def extract_fields(text: str) -> tuple[str, Fields]:
    """The paragraph without its field parts, and the fields (see the module docstring)."""
    fields = Fields()
    if LABEL.match(text):  # a field line: "主办单位：…时间：…"
        return "", _labelled(text)
    rest = text
    for start, end in reversed(_bracket_groups(text)):
        inner = text[start + 1: end - 1]
        if _is_field_group(inner):
            found = _labelled(inner)
            found.merge(fields)
            fields = found
            rest = rest[:start] + rest[end:]
    # labels after a sentence inside the paragraph: "…公开。牵头单位：…"
    inline = next((m for m in LABEL.finditer(rest) if m.start() == 0 or rest[m.start() - 1] in "。；;"),
                  None)
    if inline is None:
        inline = _title_run(rest)
    if inline:
        fields.merge(_labelled(rest[inline.start():]))
        rest = rest[: inline.start()]
    return rest.strip(), fields


def undecided(value: str) -> bool:
    return any(word in value for word in UNDECIDED)


def month_of(text: str, plan_year: Optional[int]) -> Optional[str]:
    """A deadline or activity time as 'YYYY-MM': the month it falls in (a quarter or half year
    gives its last month, 年底/年内/全年 December); None for 长期坚持, 持续推进, 待定."""
    text = re.sub(r"\s", "", text or "")
    if not text or re.search(r"长期|持续|常态|待定|另行", text):
        return None
    year_match = re.search(r"(\d{4})\s*年", text)
    year = int(year_match.group(1)) if year_match else plan_year
    after_year = text[year_match.end():] if year_match else text
    month = None
    if (found := re.search(rf"({NUMBER})\s*月", after_year)):
        month = to_int(found.group(1))
    elif (found := re.search(rf"[第前]({NUMBER})(?:个)?季度", after_year)):
        quarter = to_int(found.group(1))
        month = quarter * 3 if quarter else None
    elif "上半年" in after_year:
        month = 6
    elif re.search(r"下半年|年底|年末|年内|全年|年度内", text):
        month = 12
    if year is None or month is None or not 1 <= month <= 12:
        return None
    return f"{year}-{month:02d}"
