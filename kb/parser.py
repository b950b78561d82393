"""Turn a plan's extracted text into structured records.

The published plans arrive as text extracted from PDF: lines broken mid-word, blank lines
between lines, page numbers alone on a line, spaces inside "2023 年". The parser first
rebuilds paragraphs, then reads the document's own structure (一、 （一） 1. （1） 开放点 N,
the "（…负责落实，完成时限：…）" and "（主责单位：…）" tails), so next year's plans in the
same style parse without code changes. Whatever it cannot structure stays a text passage.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Optional

from kb.loaders import load_text
from kb.records import (
    Document,
    OpenDaySite,
    ParsedPlan,
    ParticipationRules,
    Passage,
    PolicyLecture,
    Section,
    WorkItem,
)

CN_NUMERALS = "一二三四五六七八九十"
LEVEL1 = re.compile(rf"^[{CN_NUMERALS}]+、")
LEVEL2 = re.compile(rf"^[（(][{CN_NUMERALS}]+[）)]")
NUMBERED = re.compile(r"^(\d+)[.．、](?!\d)")
SUB_NUMBERED = re.compile(r"^[（(](\d+)[）)]")
PAGE_NUMBER = re.compile(r"^[\s\-—]*\d{1,3}[\s\-—]*$")
SENTENCE_END = "。！？；"
# A line opening with "（区…负责落实" or "（主责单位：" continues the paragraph before it.
TAIL_START = re.compile(r"^[（(](?![一二三四五六七八九十\d]+[）)])")

DOC_NUMBER = re.compile(r"京[^\s〔\[]{1,12}[〔\[]\s*(\d{4})\s*[〕\]]\s*(\d+)\s*号")
DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
ISSUED_TITLE = re.compile(r"印发《(.+?)》")
WORK_TAIL = re.compile(
    r"[（(]([^（()）]*?(?:落实|负责|牵头)[^（()）]*?)[，,]\s*完成时限[:：]\s*(\d{4})年(\d{1,2})月[）)]\s*$"
)
UNIT_TAIL = re.compile(r"[（(]\s*主责单位[:：]\s*([^（()）]+?)\s*[）)]\s*[。.]?\s*$")
SITE_HEAD = re.compile(r"开放点\s*([\d、，,\s]+?)\s*[（(]([^（()）]+)[）)]\s*[:：]?")
THEME = re.compile(r"[“\"](.+?)[”\"]\s*专题")
CONTENT_LIST = re.compile(r"内容包括[:：]?(.+?)[，。,；;]")
UNIT_SUFFIXES = ("分别负责落实", "按职责落实", "负责落实", "落实", "负责")
ALL_TOWNS = "各镇、街道"


def _clean(text: str) -> str:
    """Drop the spaces extraction put between CJK characters and digits; keep Latin words apart."""
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(?<![A-Za-z]) | (?![A-Za-z])", "", text)


def _is_heading(line: str) -> bool:
    """A section title: marked, short, and no full sentence in it."""
    return bool(LEVEL1.match(line) or LEVEL2.match(line)) and len(line) <= 40 and "。" not in line


def paragraphs(text: str) -> list[str]:
    """Rejoin broken lines into paragraphs, dropping page numbers and blank lines."""
    lines = [_clean(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [line for line in lines if line and not PAGE_NUMBER.match(line)]
    result: list[str] = []
    for line in lines:
        starts_block = bool(
            LEVEL1.match(line) or LEVEL2.match(line) or NUMBERED.match(line)
            or SUB_NUMBERED.match(line)
        )
        previous = result[-1] if result else ""
        continues = bool(TAIL_START.match(line)) and not _is_heading(previous)
        if not result or starts_block or _is_heading(previous) or (
            previous[-1] in SENTENCE_END and not continues
        ):
            result.append(line)
        else:
            result[-1] = previous + line
    return result


def _split_units(text: str) -> list[str]:
    text = text.replace(ALL_TOWNS, "\0")
    parts = re.split(r"[、，,]|及|和(?=区)", text)
    units = []
    for part in parts:
        part = part.replace("\0", ALL_TOWNS).strip()
        for suffix in UNIT_SUFFIXES:
            part = part.removesuffix(suffix)
        part = re.sub(r"等(相关)?(部门|单位)?$", "", part)
        if part:
            units.append(part)
    return units


def parse_responsibility(tail: str) -> tuple[list[str], list[str]]:
    """'区政务服务局牵头，区政府相关部门按职责落实' → (units, lead units); units list leads first."""
    units: list[str] = []
    leads: list[str] = []
    for clause in re.split(r"[，,]", tail):
        clause = clause.strip()
        if clause.endswith("牵头"):
            leads.extend(_split_units(clause.removesuffix("牵头")))
        else:
            units.extend(_split_units(clause))
    return list(dict.fromkeys(leads + units)), leads


def _document(paras: list[str], source_file: str) -> Document:
    head = "".join(paras[:12])
    number_match = DOC_NUMBER.search(head)
    number = re.sub(r"\s", "", number_match.group(0)) if number_match else Path(source_file).stem
    title_match = ISSUED_TITLE.search(head)
    title = title_match.group(1) if title_match else (paras[0] if paras else Path(source_file).stem)
    date_match = DATE.search("".join(paras[:20]))
    date = None
    if date_match:
        try:
            date = dt.date(*(int(g) for g in date_match.groups()))
        except ValueError:
            date = None
    year_match = re.search(r"(\d{4})年", title)
    year = int(year_match.group(1)) if year_match else (date.year if date else None)
    kind = "work_points" if "工作要点" in title else "interaction_plan" if "政民互动" in title else "other"
    issuer = DOC_NUMBER.split(paras[0])[0] if paras else ""
    return Document(title, number, issuer, date, year, kind, source_file)


def _site_records(para: str, theme: str) -> list[OpenDaySite]:
    head = SITE_HEAD.search(para)
    if not head:
        return []
    numbers = [int(n) for n in re.findall(r"\d+", head.group(1))]
    tail = UNIT_TAIL.search(para)
    units = _split_units(tail.group(1)) if tail else []
    description = para[head.end(): tail.start() if tail else len(para)].strip()
    return [
        OpenDaySite(n, theme, head.group(2).strip(), tuple(units), description) for n in numbers
    ]


def _lecture_record(number: int, body: str) -> Optional[PolicyLecture]:
    tail = UNIT_TAIL.search(body)
    if not tail:
        return None
    title, _, content = body[: tail.start()].partition("。")
    topics: list[str] = []
    listed = CONTENT_LIST.search(content)
    if listed:
        topics = [re.sub(r"^\d{4}年", "", t).strip() for t in re.split(r"[、,，]", listed.group(1))]
    return PolicyLecture(
        number, title.strip(), tuple(_split_units(tail.group(1))), content.strip(),
        tuple(t for t in topics if t),
    )


def _first_int(pattern: str, text: str) -> Optional[int]:
    match = re.search(pattern, text)
    return int(match.group(1)) if match else None


def _list_after(pattern: str, text: str) -> tuple[str, ...]:
    match = re.search(pattern, text)
    if not match:
        return ()
    items = re.split(r"[、，,]", match.group(1))
    return tuple(re.sub(r"等$", "", i).strip() for i in items if re.sub(r"等$", "", i).strip())


def _rules(forms_text: str, requirements_text: str) -> Optional[ParticipationRules]:
    if not forms_text:
        return None
    online = re.search(r"线上直播[^。]*?至少(\d+)个工作日", forms_text)
    offline = re.search(r"提前(\d+)个工作日将", forms_text) or re.search(
        r"(?<!至少)提前(\d+)个工作日", forms_text.replace(online.group(0), "") if online else forms_text
    )
    period = re.search(r"在(\d{4})年(\d{1,2})[-—－–~至]+(\d{1,2})月", requirements_text)
    return ParticipationRules(
        forms=forms_text.split("。")[0] + "。",
        online_notice_working_days=int(online.group(1)) if online else None,
        online_notice_contents=_list_after(r"公告内容至少包括(.+?)[；;。]", forms_text),
        offline_size=_first_int(r"约(\d+)人", forms_text),
        offline_groups=_list_after(r"人员范围为[:：]?(.+?)[。；;]", forms_text),
        selection_methods=_list_after(r"人员选取采取(.+?)的方式", forms_text),
        offline_notice_working_days=int(offline.group(1)) if offline else None,
        activity_period=(
            f"{period.group(1)}年{period.group(2)}—{period.group(3)}月" if period else ""
        ),
        activity_months=(int(period.group(2)), int(period.group(3))) if period else None,
        materials_published_within_working_days=_first_int(
            r"开展后(\d+)个工作日内", requirements_text
        ),
    )


def parse_plan(text: str, source_file: str = "") -> ParsedPlan:
    """Parse one plan; never raises on odd input, it just finds fewer records."""
    paras = paragraphs(text)
    document = _document(paras, source_file)
    sections: list[Section] = []
    items: list[WorkItem] = []
    sites: list[OpenDaySite] = []
    lectures: list[PolicyLecture] = []
    passages: list[Passage] = []
    path: list[str] = []
    theme = ""
    forms_text, requirements_text = "", ""
    text_buffer: list[str] = []

    def flush_text() -> None:
        if text_buffer:
            passages.append(Passage(tuple(path) or ("通知",), "".join(text_buffer), "text"))
            text_buffer.clear()

    for para in paras:
        if LEVEL1.match(para) and _is_heading(para):
            flush_text()
            path = [para]
            sections.append(Section(tuple(path), para))
            continue
        if LEVEL2.match(para) and _is_heading(para) and path:
            flush_text()
            path = [path[0], para]
            sections.append(Section(tuple(path), para))
            continue
        in_lectures = any("公开讲" in p for p in path[1:])
        numbered = NUMBERED.match(para) or SUB_NUMBERED.match(para)
        body = para[numbered.end():].strip() if numbered else para
        if "政民互动形式" in "".join(path[:1]):
            forms_text += para  # becomes the rules passage below
            continue
        if "工作要求" in "".join(path[:1]):
            requirements_text += para
        work_tail = WORK_TAIL.search(body) if NUMBERED.match(para) else None
        if work_tail and numbered:
            units, leads = parse_responsibility(work_tail.group(1))
            item = WorkItem(
                int(numbered.group(1)), body[: work_tail.start()].strip(), tuple(path),
                tuple(units), tuple(leads), f"{work_tail.group(2)}-{int(work_tail.group(3)):02d}",
            )
            items.append(item)
            flush_text()
            passages.append(Passage(tuple(path), para, "item", f"item:{item.number}"))
            continue
        found_sites = _site_records(body, theme)
        if found_sites:
            sites.extend(found_sites)
            flush_text()
            passages.extend(
                Passage(tuple(path), f"{theme}专题 {para}", "site", f"site:{s.number}")
                for s in found_sites
            )
            continue
        lecture = _lecture_record(int(numbered.group(1)), body) if numbered and in_lectures else None
        if lecture:
            lectures.append(lecture)
            flush_text()
            passages.append(Passage(tuple(path), para, "lecture", f"lecture:{lecture.number}"))
            continue
        theme_match = THEME.search(para) if numbered and len(para) < 40 else None
        if theme_match:
            theme = theme_match.group(1)
            continue
        text_buffer.append(para)
    flush_text()

    rules = _rules(forms_text, requirements_text)
    if rules:
        passages.append(Passage(("三、政民互动形式",), forms_text, "rules", "rules"))
    return ParsedPlan(
        document, tuple(sections), tuple(items), tuple(sites), tuple(lectures), rules,
        tuple(passages),
    )


def parse_file(path: Path) -> ParsedPlan:
    return parse_plan(load_text(path), source_file=path.name)
