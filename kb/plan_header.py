"""The document a plan is: title, 文号, issuer, date, year, kind.

In: the plan's cleaned, non-empty lines (in order) and the source file name.
Out: `read_document(lines, source_file)` → (`Document`, whether a 文号 was found).
The header may stand at the top, after the title, in a website metadata block (发文机构：…
发文字号：… 成文日期：…) or in the signature block at the end; the 抄送/印发 colophon, 发布日期
and 索引号 are not the document's.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Optional

from core.numerals import CN_SMALL, CN_YEAR_DIGITS, to_int
from kb.records import Document

PROVINCES = "京津沪渝冀晋辽吉黑苏浙皖闽赣鲁豫鄂湘粤琼川贵黔云滇陕甘陇青蒙桂藏宁新港澳国"
DOC_NUMBER = re.compile(
    rf"[{PROVINCES}][\u4e00-\u9fff]{{0,11}}?\s*[〔\[［（(]\s*(\d{{4}})\s*[〕\]］）)]\s*(\d+)\s*号"
)
DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
CN_DATE = re.compile(rf"([{CN_YEAR_DIGITS}]{{4}})年([{CN_SMALL}]{{1,3}})月([{CN_SMALL}]{{1,3}})日")
NOT_THE_DATE = re.compile(r"(发布|印发|索引|生效|实施)(日期|时间)[:：]?$")
ISSUED_TITLE = re.compile(r"印发《(.+?)》")
TITLE_WORDS = ("工作要点", "工作方案", "实施方案", "政民互动", "工作计划", "活动方案")
ORGANISATION = re.compile(r"(小组|办公室|局|委员会|委|政府|中心|管委会|办|院|处)$")
COLOPHON = re.compile(r"^(抄送|印发|主送|附件|（此件|\(此件)")
ISSUER_LABEL = re.compile(r"(?:发文机构|发布机构|发文单位)[:：]\s*(\S+?)(?:\s{2,}|发文字号|$)")
DATE_LABEL = re.compile(r"成文日期[:：]\s*")


def _date(text: str) -> Optional[dt.date]:
    for pattern in (DATE, CN_DATE):
        match = pattern.search(text)
        if match:
            year, month, day = (to_int(g) for g in match.groups())
            if year is None or month is None or day is None:
                return None
            try:
                return dt.date(year, month, day)
            except ValueError:
                return None
    return None


def _dates(lines: list[str]) -> list[tuple[int, dt.date]]:
    """(line index, date) of every full date that is not a publication/printing date."""
    found = []
    for index, line in enumerate(lines):
        for match in list(DATE.finditer(line)) + list(CN_DATE.finditer(line)):
            after = line[match.end(): match.end() + 3]
            if after.startswith("印发") or NOT_THE_DATE.search(line[: match.start()]):
                continue
            date = _date(match.group(0))
            if date:
                found.append((index, date))
    return found


def _title(lines: list[str]) -> Optional[str]:
    head = "".join(lines[:40])
    issued = ISSUED_TITLE.search(head)
    if issued:
        return issued.group(1)
    for sentence in re.split(r"[。；]", head):
        named = re.search(r"《([^《》]+)》", sentence)
        if named and "印发" in sentence and any(w in named.group(1) for w in TITLE_WORDS):
            return named.group(1)
    for line in lines[:60]:
        if len(line) <= 50 and any(w in line for w in TITLE_WORDS) and not re.search(
            r"[《》。，：:]|^根据|^关于|^附件", line
        ):
            return line
    return None


def _organisation(line: str) -> bool:
    return not COLOPHON.match(line) and bool(ORGANISATION.search(line)) and len(line) <= 40


def _issuer(lines: list[str], number_line: Optional[int], number_start: int,
            date_line: Optional[int]) -> str:
    """发文机构：…; else the office on the 文号's line or the line(s) just before it; else the
    office signing above the date."""
    for line in lines:
        labelled = ISSUER_LABEL.search(line)
        if labelled:
            return labelled.group(1)
    if number_line is not None:
        before = lines[number_line][:number_start].strip()
        if before and ORGANISATION.search(before):
            return before
        for line in reversed(lines[max(0, number_line - 2): number_line]):
            if _organisation(line):
                return line
    if date_line is not None and date_line > 0 and _organisation(lines[date_line - 1]):
        return lines[date_line - 1]
    return ""


def read_document(lines: list[str], source_file: str) -> tuple[Document, bool]:
    number, number_line, number_start = None, None, 0
    for index, line in enumerate(lines):
        match = DOC_NUMBER.search(line)
        if match:
            number, number_line, number_start = re.sub(r"\s", "", match.group(0)), index, match.start()
            break
    title = _title(lines) or (lines[0] if lines else Path(source_file).stem)
    date, date_line = None, None
    for line in lines:
        labelled = DATE_LABEL.search(line)
        if labelled:
            date = _date(line[labelled.end():])
            break
    if date is None:
        dates = _dates(lines)
        near = [(i, d) for i, d in dates if number_line is not None and 0 <= i - number_line <= 2]
        found = near or dates
        date_line, date = found[0] if found else (None, None)
    year_match = re.search(r"(\d{4})年", title)
    year = int(year_match.group(1)) if year_match else (date.year if date else None)
    kind = "work_points" if "工作要点" in title else "interaction_plan" if "政民互动" in title else "other"
    issuer = _issuer(lines, number_line, number_start, date_line)
    document = Document(title, number or Path(source_file).stem, issuer, date, year, kind, source_file)
    return document, number is not None
