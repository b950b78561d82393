"""Plan text to paragraphs, and the outline markers paragraphs open with.

In: the plan as one string, as extracted: lines broken mid-word, blank lines between lines,
page numbers alone on a line ("- 7 -", "7"), spaces inside "2023 年", tables flattened to
TAB- or space-separated columns.
Out: `paragraph_list(text)` → `Para`s: each a rejoined, cleaned paragraph; a table row is a
`Para` of its own with `row` set. `paragraphs(text)` gives just their texts.
`marker(text)` says which outline marker a paragraph opens with (一、 （一） 1. （1） 开放点N
第N讲 政策公开讲之N 专题N：), `is_heading(text)` whether it is a section title.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from core.numerals import CN_SMALL, NUMBER, to_int
from kb.plan_fields import LABEL, LABEL_LINE, ends_with_field_group
from kb.plan_tables import TableRow, read_tables

CN = CN_SMALL + "百"
LEVEL1 = re.compile(rf"^([{CN}]+)、")
LEVEL2 = re.compile(rf"^[（(]([{CN}]+)[）)]")
NUMBERED = re.compile(r"^(\d{1,3})(?:[.、](?!\d)|．)")
SUB_NUMBERED = re.compile(r"^[（(](\d+)[）)]")
SITE = re.compile(rf"^开放点\s*{NUMBER}(?:\s*[、，,]\s*{NUMBER})*\s*(?:[：:（(、.．\s]|$)")
LECTURE = re.compile(rf"^第\s*({NUMBER})\s*讲[\s:：、.．]*")
# "政策公开讲之一：…", "公开讲之3：…": the series name, 之 and the number.
LECTURE_OF = re.compile(rf"^(?:政策)?公开讲\s*之\s*({NUMBER})[\s:：、.．]*")
TOPIC = re.compile(rf"^专题\s*({NUMBER})\s*[：:、.．]?\s*(?=\S)(?=[^。]{{1,30}}$)")
PAGE_NUMBER = re.compile(r"^[\s\-—－]*\d{1,3}[\s\-—－]*$")
OTHER_LABEL = re.compile(r"^[\u4e00-\u9fff]{2,6}[：:]")
SENTENCE_END = "。！？；"
# A line opening with "（区…负责落实" or "（主责单位：" continues the paragraph before it.
TAIL_START = re.compile(rf"^[（(](?![{CN_SMALL}\d]+[）)])")


@dataclass(frozen=True)
class Marker:
    """An outline marker: kind ("l1", "l2", "numbered", "sub", "site", "lecture", "topic"),
    its level (1 outermost … 4), its number if it has one, and the text after it."""

    kind: str
    level: int
    number: Optional[int]
    rest: str


@dataclass
class Para:
    text: str
    row: Optional[TableRow] = None


def clean(text: str) -> str:
    """Drop the spaces extraction put between CJK characters and digits; keep Latin words apart."""
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(?<![A-Za-z]) | (?![A-Za-z])", "", text)


def is_heading(line: str) -> bool:
    """A section title: marked, short, no full sentence and no field label in it."""
    return bool(LEVEL1.match(line) or LEVEL2.match(line)) and len(line) <= 40 and "。" not in line \
        and not LABEL.search(line)


def marker(text: str) -> Optional[Marker]:
    """The outline marker `text` opens with, if any."""
    for kind, level, pattern in (("l1", 1, LEVEL1), ("l2", 2, LEVEL2), ("sub", 4, SUB_NUMBERED),
                                 ("numbered", 3, NUMBERED), ("lecture", 3, LECTURE),
                                 ("lecture", 3, LECTURE_OF),
                                 ("topic", 2, TOPIC)):
        match = pattern.match(text)
        if match:
            return Marker(kind, level, to_int(match.group(1)), text[match.end():].strip())
    if SITE.match(text):
        number = re.match(rf"开放点\s*({NUMBER})", text)
        return Marker("site", 3, to_int(number.group(1)) if number else None, text)
    return None


def render_row(row: TableRow) -> str:
    """A table row as one searchable line: "序号：1；工作任务：…；责任单位：…"."""
    return "；".join(f"{name}：{clean(value)}" for name, value in zip(row.columns, row.values) if value)


def _open_bracket(text: str) -> bool:
    return max(text.rfind("（"), text.rfind("(")) > max(text.rfind("）"), text.rfind(")"))


def _next_field(previous: str, line: str) -> bool:
    """'活动形式：线上直播' after a finished field line is a field line of its own."""
    other = OTHER_LABEL.match(line)
    return bool(LABEL_LINE.match(previous)) and previous[-1] not in "、，,；;及和" and \
        other is not None and not LABEL.search(other.group(0))


def paragraph_list(text: str) -> list[Para]:
    """Rejoin broken lines into paragraphs, dropping page numbers and blank lines."""
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    result: list[Para] = []
    for entry in read_tables(raw):
        if isinstance(entry, TableRow):
            result.append(Para(render_row(entry), entry))
            continue
        line = clean(re.sub(r"^(\s*\d{1,3})\.\s+(?=\S)", r"\1．", entry))
        if not line or PAGE_NUMBER.match(line):
            continue
        previous = result[-1].text if result and result[-1].row is None else ""
        opens = bool(marker(line)) or (bool(LABEL_LINE.match(line)) and not _open_bracket(previous)
                                       and not TAIL_START.match(line)) or _next_field(previous, line)
        continues = bool(TAIL_START.match(line)) and not is_heading(previous)
        inside = _open_bracket(previous) and previous[-1] != "。"  # "（责任单位：…；" goes on
        if not previous or opens or is_heading(previous) or ends_with_field_group(previous) or (
            previous[-1] in SENTENCE_END and not continues and not inside
        ):
            result.append(Para(line))
        else:
            result[-1].text = previous + line
    return result


def paragraphs(text: str) -> list[str]:
    """The plan's paragraphs as text (a table row rendered as one line)."""
    return [p.text for p in paragraph_list(text)]
