"""One record block of a plan to a work item, open-day sites or a policy lecture.

In: a `Block`: the marker paragraph (numbered paragraph, 开放点N, 第N讲, …) with the field and
text paragraphs after it, or a table row; plus where it stands (section path, current 专题,
the plan's kind and year).
Out: `build(block, context)` → a `Built` (kind "item" | "site" | "lecture", the records, the
passage text), or None when the block carries no fields and no record marker, i.e. is text.
Which kind a record is: an explicit 开放点N / 第N讲 marker or table column decides by itself;
else a task of a work-points plan with a time is an item; else a record under an 开放日 heading
is a site, under 公开讲/宣讲 a lecture; else, in an interaction plan, a （一） record with units
under a 专题 heading is a site; else units and a deadline make an item.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from core.numerals import NUMBER, to_int
from kb.plan_fields import (
    Fields, extract_fields, month_of, responsibility, split_units, undecided,
)
from kb.plan_tables import TableRow
from kb.plan_text import Marker, clean
from kb.records import OpenDaySite, PolicyLecture, WorkItem

SITE_HEAD = re.compile(
    rf"开放点\s*((?:{NUMBER}[、，,\s]*)+?)\s*[（(]([^（()）]+)[）)]\s*[:：]?"
)
SITE_NAME = re.compile(rf"^开放点\s*{NUMBER}\s*[:：、.．]?\s*")
FIELD_START = re.compile(r"^[\u4e00-\u9fff]{2,6}[：:]")  # "主办单位：", "活动形式："
CONTENT_LIST = re.compile(r"内容包括[:：]?(.+?)[，。,；;]")
SITE_CONTEXT = re.compile(r"开放日|开放点")
LECTURE_CONTEXT = re.compile(r"公开讲|宣讲")
SITE_COLUMNS = ("开放点名称", "开放点")
TASK_COLUMNS = ("工作任务", "任务", "重点任务", "工作内容")


@dataclass
class Block:
    """A record marker paragraph and the paragraphs after it, or one table row."""

    marker: Optional[Marker]
    paras: list[str]
    path: tuple[str, ...]
    theme: str
    row: Optional[TableRow] = None
    closed: bool = False  # its field tail has been seen: what follows is not its text


@dataclass
class Context:
    kind: str  # the plan's kind: "work_points" | "interaction_plan" | "other"
    year: Optional[int]


@dataclass
class Built:
    kind: str
    records: list = field(default_factory=list)
    passage: str = ""
    missing_units: bool = False


def block_text(paras: list[str]) -> str:
    """The block as one line; a field line is set apart by a space."""
    text = ""
    for para in paras:
        text += (" " if text and FIELD_START.match(para) else "") + para
    return text


def _kind(block: Block, body: str, fields: Fields, context: Context) -> Optional[str]:
    marker_kind = block.marker.kind if block.marker else ""
    if marker_kind == "site" or body.startswith("开放点"):
        return "site"
    if marker_kind == "lecture":
        return "lecture"
    if block.row is not None:
        if any(c in SITE_COLUMNS for c in block.row.columns):
            return "site"
        if any(c in TASK_COLUMNS for c in block.row.columns):
            return "item"
    where = "".join(block.path)
    if context.kind == "work_points" and fields.time:
        return "item"
    if SITE_CONTEXT.search(where) and (fields.found or block.row is not None):
        return "site"
    if LECTURE_CONTEXT.search(where) and (fields.found or block.row is not None):
        return "lecture"
    if context.kind == "interaction_plan" and block.theme and fields.units and marker_kind == "l2":
        return "site"  # "（一）…开放活动 承办：…" under a "专题一：…" heading
    if fields.units and fields.time:
        return "item"
    return None


def _row_fields(row: TableRow) -> tuple[str, Fields]:
    cells = row.cells
    fields = Fields()
    if cells.get("units"):
        fields.units, fields.leads, fields.partners = responsibility(
            clean(re.sub(r"\s+", "、", cells["units"].strip()))
        )
        if "牵头单位" in row.columns:
            fields.leads = list(fields.units)
    if cells.get("partners"):
        fields.partners = list(dict.fromkeys(fields.partners + split_units(clean(cells["partners"]))))
    fields.time = clean(cells.get("time", ""))
    fields.place = clean(cells.get("place", ""))
    return clean(cells.get("name", "")), fields


def _site(block: Block, number: Optional[int], name: str, fields: Fields, theme: str,
          body: str, more: str) -> list[OpenDaySite]:
    """`body` is the block's text without fields, `more` its text after the marker paragraph."""
    time = "" if undecided(fields.time) else fields.time
    place = "" if undecided(fields.place) else fields.place
    head = SITE_HEAD.match(body)
    if head and block.row is None:  # 2023: "开放点1、2、3、4（政务服务体验）：…"
        numbers = [to_int(n) for n in re.findall(NUMBER, head.group(1))]
        description = body[head.end():].strip()
        return [OpenDaySite(n, theme, head.group(2).strip(), tuple(fields.units), description,
                            time, place) for n in numbers if n is not None]
    description = fields.content or more or name
    return [OpenDaySite(number or 0, theme, name, tuple(fields.units), description, time, place)]


def _lecture(number: Optional[int], body: str, fields: Fields) -> PolicyLecture:
    title, _, content = body.partition("。")
    content = content.strip() or fields.content
    topics: list[str] = []
    listed = CONTENT_LIST.search(content)
    if listed:
        # as written, the year too: "2023年医保报销政策" is that year's, not today's
        topics = [t.strip() for t in re.split(r"[、,，]", listed.group(1))]
    return PolicyLecture(number or 0, title.strip(), tuple(fields.units), content.strip(),
                         tuple(t for t in topics if t))


def build(block: Block, context: Context) -> Optional[Built]:
    """The record(s) the block holds, or None if it is text (see the module docstring)."""
    if block.row is not None:
        body, fields = _row_fields(block.row)
        number = block.row.number
        name, more = body, ""
        theme = clean(block.row.cells.get("theme", "")) or block.theme
        passage = block.paras[0]
    else:
        fields, parts = Fields(), []
        first = block.marker.rest if block.marker and block.marker.kind != "site" else block.paras[0]
        for para in [first] + block.paras[1:]:
            rest, found = extract_fields(para)
            fields.merge(found)
            if rest:
                parts.append(rest)
        body = "".join(parts).strip()
        number = block.marker.number if block.marker else None
        name = SITE_NAME.sub("", parts[0]).strip() if parts else ""
        more = "".join(parts[1:]).strip()
        theme = block.theme
        passage = block_text(block.paras)
    kind = _kind(block, body, fields, context)
    if kind is None:
        return None
    built = Built(kind, passage=passage, missing_units=not fields.units)
    if kind == "site":
        built.records = _site(block, number, name, fields, theme, body, more)
        built.passage = f"{theme}专题 {passage}" if theme else passage
    elif kind == "lecture":
        built.records = [_lecture(number, body, fields)]
    else:
        deadline_text = clean(fields.time)
        built.records = [WorkItem(
            number or 0, body, block.path, tuple(fields.units), tuple(fields.leads),
            month_of(deadline_text, context.year), tuple(fields.partners), deadline_text,
        )]
    return built
