"""Tables flattened to text: find them among a plan's lines and read their rows.

In: the plan's raw lines (before any cleaning: TABs and runs of spaces still separate columns).
Out: `read_tables(lines)` gives the same sequence with every table replaced by its rows: a
`TableRow` per record row (cells keyed by role: "number", "name", "units", "partners", "time",
"place", "theme"), a plain line for a row merged across the table (a section heading inside the
table), and nothing for the header row and its repeats after a page break.

A table starts at a header row whose cells are known column names (序号, 开放点名称, 承办单位,
完成时限 …); a row starts with its 序号; a line that does not (an indented cell text, or a cell
wrapped after "、") continues the row above; anything else ends the table.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Optional, Union

from core.numerals import to_int

COLUMNS = {
    "number": ("序号", "编号"),
    "name": ("开放点名称", "开放点", "名称", "工作任务", "任务", "重点任务", "内容", "工作内容",
             "活动内容", "活动名称", "宣讲主题", "讲题", "题目", "主题"),
    "units": ("承办单位", "责任单位", "主责单位", "牵头单位", "主办单位", "主讲单位", "负责单位", "单位"),
    "partners": ("配合单位", "协办单位", "参与单位"),
    "time": ("时间", "完成时限", "时限", "完成时间", "活动时间", "举办时间"),
    "theme": ("专题", "所属专题"),
    "place": ("地点", "活动地点"),
}
ROLE_OF = {name: role for role, names in COLUMNS.items() for name in names}
PAGE_NUMBER = re.compile(r"^[\s\-—－]*\d{1,3}[\s\-—－]*$")
JOINERS = "、，,；;及和"


@dataclass
class TableRow:
    """One record row: `cells` maps a role to the cell's text as written (may hold spaces)."""

    number: Optional[int]
    cells: dict[str, str]
    columns: tuple[str, ...]  # the header's column names, for rendering the row
    values: list[str] = field(default_factory=list)  # the cells in column order
    starts: list[int] = field(default_factory=list)  # display column where each cell starts


Entry = Union[str, TableRow]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cells(line: str) -> tuple[list[str], list[int]]:
    """Cells of a row and the display column each starts at."""
    if "\t" in line:
        parts = line.strip("\r\n").split("\t")
        return [p.strip() for p in parts], []
    cells, starts = [], []
    for match in re.finditer(r"\S+(?: \S+)*", line.rstrip()):
        cells.append(match.group(0).strip())
        starts.append(_width(line[: match.start()]))
    return cells, starts


def _header(line: str) -> Optional[list[str]]:
    cells, _ = _cells(line)
    names = [c.replace(" ", "") for c in cells]
    known = [n for n in names if n in ROLE_OF]
    roles = {ROLE_OF[n] for n in known}
    if len(names) >= 3 and len(known) >= len(names) - 1 and len(roles) >= 3 and (
        "number" in roles or {"name", "units"} <= roles
    ):
        return names
    return None


def _row_number(cells: list[str]) -> Optional[int]:
    return to_int(cells[0]) if cells and len(cells) >= 2 else None


class _Table:
    def __init__(self, columns: list[str], starts: list[int]) -> None:
        self.columns = columns
        self.starts = starts
        self.rows: list[TableRow] = []

    def starts_row(self, cells: list[str], indented: bool) -> bool:
        """A row opens with its 序号; in a table without one, any unindented line of cells."""
        if self.columns[0] in COLUMNS["number"]:
            return _row_number(cells) is not None
        return not indented and len([c for c in cells if c]) >= 2 and len(set(cells)) > 1

    def row(self, cells: list[str], starts: list[int]) -> TableRow:
        values = cells + [""] * (len(self.columns) - len(cells))
        row = TableRow(None, {}, tuple(self.columns), values[: len(self.columns)],
                       starts or self.starts)
        numbered = self.columns[0] in COLUMNS["number"]
        row.number = to_int(values[0]) if numbered else len(self.rows) + 1
        self.rows.append(row)
        return row

    def continue_row(self, row: TableRow, cells: list[str], starts: list[int]) -> None:
        """Add a wrapped line's text to the cell it continues."""
        if len(cells) == len(row.values):
            for i, cell in enumerate(cells):
                row.values[i] = f"{row.values[i]} {cell}".strip() if cell else row.values[i]
            return
        no_starts: list[Optional[int]] = [None] * len(cells)
        for cell, start in zip(cells, starts or no_starts):
            target = next((i for i, v in enumerate(row.values) if v and v[-1] in JOINERS), None)
            if target is None and start is not None and row.starts:
                target = max((i for i, s in enumerate(row.starts) if s <= start + 1), default=0)
            if target is None:
                target = next((i for i, c in enumerate(self.columns) if ROLE_OF.get(c) == "name"), 1)
            target = min(target, len(row.values) - 1)
            row.values[target] = f"{row.values[target]} {cell}".strip()


def _finish(row: TableRow) -> TableRow:
    for name, value in zip(row.columns, row.values):
        role = ROLE_OF.get(name)
        if role and value and role not in row.cells:
            row.cells[role] = value
    return row


def _next_content(lines: list[str], start: int) -> Optional[str]:
    for line in lines[start:]:
        if line.strip() and not PAGE_NUMBER.match(line):
            return line
    return None


def read_tables(lines: list[str]) -> list[Entry]:
    """The lines with each table's rows turned into `TableRow`s (see the module docstring)."""
    out: list[Entry] = []
    table: Optional[_Table] = None
    current: Optional[TableRow] = None
    for index, line in enumerate(lines):
        header = _header(line)
        if header is not None:
            if table is None or header != table.columns:
                table = _Table(header, _cells(line)[1])
            current = None  # a repeated header after a page break starts no row
            continue
        if table is None:
            out.append(line)
            continue
        if not line.strip() or PAGE_NUMBER.match(line):
            out.append(line)
            continue
        cells, starts = _cells(line)
        distinct = {c for c in cells if c}
        indented = line[:1].isspace() and not line.startswith("\t")
        if table.starts_row(cells, indented):
            current = table.row(cells, starts)
            out.append(current)
            continue
        wrapped = current is not None and any(v and v[-1] in JOINERS for v in current.values) \
            and "。" not in line  # "区住建委、" above: "旧宫镇" goes on; a note does not
        if current is not None and (indented or wrapped) and len(distinct) >= 1:
            table.continue_row(current, cells, starts)
            continue
        following = _next_content(lines, index + 1)
        if len(distinct) == 1 and following is not None and \
                table.starts_row(_cells(following)[0], following[:1] == " "):
            out.append(distinct.pop())  # a row merged across the table: a section heading
            current = None
            continue
        table, current = None, None
        out.append(line)
    return [_finish(e) if isinstance(e, TableRow) else e for e in out]
