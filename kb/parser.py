"""Turn a plan's extracted text into structured records.

In: the text of a published plan (.txt extract, or what `kb.loaders` reads from .docx/.pdf).
Out: `parse_plan(text, source_file)` → `ParsedPlan`: the document, its outline (`sections`),
the work items, open-day sites and policy lectures, the participation rules, one searchable
`Passage` per record ("item:N", "site:N", "lecture:N", "rules") and per run of other text
("text"), and `warnings` for the operator.

The parser reads the genre, not one layout: paragraphs are rebuilt (`kb.plan_text`), tables
flattened to text are read (`kb.plan_tables`), and a record is a block — a marker (numbered
paragraph, 开放点N, 第N讲, table row) with the field lines after it up to the next marker or
heading (`kb.plan_records`, `kb.plan_fields`). The header (`kb.plan_header`) and the rules
(`kb.plan_rules`) are found wherever they stand. Whatever it cannot structure stays text.
"""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Optional

from kb.loaders import load_text
from kb.plan_fields import LABEL_LINE, ends_with_field_group, responsibility
from kb.plan_header import read_document
from kb.plan_records import Block, Built, Context, build
from kb.plan_rules import read_rules
from kb.plan_text import (
    PAGE_NUMBER, TAIL_START, Marker, Para, clean, is_heading, marker, paragraph_list, paragraphs,
)
from kb.records import ParsedPlan, Passage, Section

__all__ = ["PARSER_VERSION", "parse_plan", "parse_file", "parse_responsibility", "paragraphs"]

# Raised whenever what the parser extracts changes, so stored plans are parsed again.
PARSER_VERSION = 4
RUN_IN_HEADING = 16  # characters of "（一）加强组织领导" before its paragraph's first 。
RULES_HEADING = re.compile(r"^(政民互动形式|参与方式|公众参与|参与办法|参与要求|互动形式|活动形式和参与)")
THEME = re.compile(r"[“\"](.+?)[”\"]\s*专题")
RECORD_MARKERS = ("l2", "numbered", "sub", "site", "lecture")
KIND_NAMES = {"item": "任务", "site": "开放点", "lecture": "政策公开讲"}


def parse_responsibility(tail: str) -> tuple[list[str], list[str]]:
    """'区政务服务局牵头，区政府相关部门按职责落实' → (units, lead units); units list leads first."""
    units, leads, _ = responsibility(tail)
    return units, leads


def _field_line(text: str) -> bool:
    return bool(LABEL_LINE.match(text)) and not TAIL_START.match(text)


class _Walker:
    """Walks the paragraphs once, keeping the outline path, the current 专题 and the open block."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.sections: list[Section] = []
        self.records: dict[str, list] = {"item": [], "site": [], "lecture": []}
        self.passages: list[Passage] = []
        self.warnings: list[str] = []
        self.path: list[str] = []
        self.theme = ""
        self.text: list[str] = []
        self.block: Optional[Block] = None
        self.run_in: Optional[Section] = None
        self.rules: list[str] = []
        self.rules_section: tuple[str, ...] = ()  # the first rules heading, for the passage
        self.rules_under: tuple[str, ...] = ()  # the rules heading the walk is under, if any

    # -- text and records ---------------------------------------------------------------
    def flush_text(self) -> None:
        if self.text:
            self.passages.append(Passage(tuple(self.path) or ("通知",), "".join(self.text), "text"))
            self.text.clear()

    def finish_block(self) -> None:
        block, run_in, self.block, self.run_in = self.block, self.run_in, None, None
        if block is None:
            return
        built = build(block, self.context)
        if built is None:
            if run_in:
                self.sections.append(run_in)
            self.text.extend(block.paras)
            return
        self.flush_text()
        self.add(built, block.path)

    def add(self, built: Built, path: tuple[str, ...]) -> None:
        for record in built.records:
            self.records[built.kind].append(record)
            self.passages.append(Passage(path, built.passage, built.kind,
                                         f"{built.kind}:{record.number}"))
            if built.missing_units:
                self.warnings.append(f"{KIND_NAMES[built.kind]}{record.number}未找到责任单位")

    # -- the walk -------------------------------------------------------------------------
    def heading(self, text: str, level: int) -> None:
        self.finish_block()
        self.flush_text()
        self.path = [text] if level == 1 else [self.path[0], text]
        theme = THEME.search(text)  # "（一）“优化营商环境”专题"
        self.theme = theme.group(1) if theme else ""
        self.sections.append(Section(tuple(self.path), text))
        mark = marker(text)  # every heading opens with one
        if mark is not None and RULES_HEADING.match(mark.rest):
            self.rules_under = tuple(self.path)
            self.rules_section = self.rules_section or self.rules_under

    def in_rules(self) -> bool:
        """Under the rules heading (三、政民互动形式, 三、参与方式 …) or a sub-heading of it."""
        under = self.rules_under
        return bool(under) and tuple(self.path[: len(under)]) == under

    def step(self, para: Para, following: str) -> None:
        text = para.text
        if para.row is not None:
            self.finish_block()
            block = Block(None, [text], tuple(self.path), self.theme, row=para.row)
            built = build(block, self.context)
            if built is None:
                self.text.append(text)
            else:
                self.flush_text()
                self.add(built, block.path)
            return
        mark = marker(text)
        kind = mark.kind if mark else ""
        if kind == "l1" and is_heading(text):
            return self.heading(text, 1)
        if kind == "l2" and is_heading(text) and self.path and not _field_line(following):
            return self.heading(text, 2)
        run_in = None
        if kind == "l2" and len(self.path) == 1 and not is_heading(text):
            candidate = text.split("。", 1)[0]
            if len(candidate) <= RUN_IN_HEADING:
                # "（一）加强组织领导。各主责单位要…": a heading run into its paragraph is part of
                # the outline; the paragraph stays with its section's text.
                run_in = Section((self.path[0], candidate), candidate)
        if self.in_rules():
            if run_in:
                self.sections.append(run_in)
            self.rules.append(text)
            return
        if mark is not None and kind == "topic":  # "专题一：优化营商环境": an outline heading that sets the theme
            if self.path:
                self.heading(text, 2)
            else:
                self.finish_block()
            self.theme = mark.rest
            return
        if kind in ("numbered", "sub", "") and len(text) < 40 and (theme := THEME.search(text)) \
                and (kind or theme.start() == 0):  # "1.“优化营商环境”专题", "“便民服务”专题"
            self.finish_block()
            self.theme = theme.group(1)
            return
        if mark is not None and kind in RECORD_MARKERS:
            if self.absorbs(mark):
                return self.extend(text)
            self.finish_block()
            self.block = Block(mark, [text], tuple(self.path), self.theme)
            self.run_in = run_in
            self.block.closed = ends_with_field_group(text)
            return
        if self.block is not None and not self.block.closed:
            return self.extend(text)
        self.finish_block()
        self.text.append(text)

    def absorbs(self, mark: Marker) -> bool:
        """A sub-item "（1）…" inside an open task "4.…。" belongs to that task."""
        block = self.block
        if block is None or block.closed or block.marker is None:
            return False
        head = block.paras[0]
        return mark.level > block.marker.level and ("。" in head or len(head) > 40) and \
            not mark.rest.startswith("开放点") and mark.kind != "site"

    def extend(self, text: str) -> None:
        block = self.block
        assert block is not None, "extend() follows absorbs() or an open block"
        block.paras.append(text)
        block.closed = ends_with_field_group(text)


def _warnings(plan: ParsedPlan, found_number: bool) -> list[str]:
    warnings = []
    if not found_number:
        warnings.append("未找到文号")
    if plan.document.kind == "interaction_plan":
        if not plan.sites:
            warnings.append("政民互动方案中未找到政务开放日开放点")
        if not plan.lectures:
            warnings.append("政民互动方案中未找到政策公开讲")
    if plan.document.kind == "work_points" and not plan.items:
        warnings.append("工作要点中未找到任务")
    if plan.rules is not None:
        if plan.rules.offline_size is None:
            warnings.append("参与方式中未找到每场参与人数")
        if plan.rules.offline_notice_working_days is None:
            warnings.append("参与方式中未找到提前发布公告的工作日数")
    return warnings


def parse_plan(text: str, source_file: str = "") -> ParsedPlan:
    """Parse one plan; never raises on odd input, it just finds fewer records."""
    paras = paragraph_list(text)
    lines = [clean(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    document, found_number = read_document(
        [line for line in lines if line and not PAGE_NUMBER.match(line)], source_file
    )
    walker = _Walker(Context(document.kind, document.year))
    for index, para in enumerate(paras):
        following = paras[index + 1] if index + 1 < len(paras) else None
        walker.step(para, following.text if following and following.row is None else "")
    walker.finish_block()
    walker.flush_text()
    rules = None
    if walker.rules:
        rules_text = "".join(walker.rules)
        rules = read_rules(rules_text, "".join(p.text for p in paras))
        walker.passages.append(Passage(walker.rules_section, rules_text, "rules", "rules"))
    plan = ParsedPlan(
        document, tuple(walker.sections), tuple(walker.records["item"]),
        tuple(walker.records["site"]), tuple(walker.records["lecture"]), rules,
        tuple(walker.passages),
    )
    return dataclasses.replace(plan, warnings=tuple(walker.warnings + _warnings(plan, found_number)))


def parse_file(path: Path) -> ParsedPlan:
    return parse_plan(load_text(path), source_file=path.name)
