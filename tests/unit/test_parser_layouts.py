"""The plan parser reads the genre, not one layout.

- The six invented plans in tests/fixtures/plans (other layouts, written blind) parse to what
  their .expected.yml says: exact counts and every expected field.
- The two real 2023 plans parse to exactly the golden output of the previous parser
  (tests/fixtures/parsed/*.json), except the fields that parser did not fill.
- Re-wrapping lines and inserting page numbers changes nothing that matters.
(The small readers on their own — numerals, deadlines, fields, tables, .docx — are in
tests/unit/test_parser.py.)
"""
from __future__ import annotations

import dataclasses
import json
import random
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.parser import PARSER_VERSION, parse_file, parse_plan
from kb.records import ParsedPlan

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PLANS = ROOT / "tests" / "fixtures" / "plans"
GOLDEN = ROOT / "tests" / "fixtures" / "parsed"
SOURCES = ROOT / "kb" / "sources"
KINDS = {"interaction": "interaction_plan", "workpoints": "work_points"}
FIXTURES = sorted(p.name.removesuffix(".expected.yml") for p in PLANS.glob("*.expected.yml"))
# Fields the previous parser did not fill; everything else must equal its golden output.
NEW_FIELDS = {"items": {"partners", "deadline_text"}, "sites": {"time", "place"}}


def _source(stem: str) -> Path:
    return next(p for p in PLANS.glob(f"{stem}.*") if p.suffix in (".txt", ".docx"))


def _expected_month(deadline: str, year: int) -> str | None:
    """The month a fixture's deadline text means, worked out here independently of the parser."""
    if deadline in ("长期坚持", "持续推进"):
        return None
    if deadline == "全年":
        return f"{year}-12"
    quarter = re.fullmatch(r"(\d{4})年第([一二三四])季度", deadline)
    if quarter:
        return f"{quarter.group(1)}-{'一二三四'.index(quarter.group(2)) * 3 + 3:02d}"
    month = re.match(r"(\d{4})年(\d{1,2})月", deadline)
    assert month, f"no month in the expected deadline {deadline!r}"
    return f"{month.group(1)}-{int(month.group(2)):02d}"


@pytest.fixture(scope="module", params=FIXTURES)
def fixture(request) -> tuple[dict, ParsedPlan]:
    expected = yaml.safe_load((PLANS / f"{request.param}.expected.yml").read_text(encoding="utf-8"))
    return expected, parse_file(_source(request.param))


# ------------------------------------------------------------------ the six invented layouts
def test_document_header(fixture) -> None:
    expected, plan = fixture
    want, document = expected["document"], plan.document
    assert document.title == want["title"]
    assert document.issuer == want["issuer"]
    assert document.number == want["number"]
    assert document.date is not None and document.date.isoformat() == want["date"]
    assert document.year == want["year"]
    assert document.kind == KINDS[want["kind"]]


def test_counts_are_exact(fixture) -> None:
    expected, plan = fixture
    assert len(plan.items) == len(expected.get("tasks", []))
    assert len(plan.sites) == len(expected.get("sites", []))
    assert len(plan.lectures) == len(expected.get("lectures", []))
    assert (plan.rules is not None) == ("rules" in expected)
    assert plan.warnings == ()


def test_tasks(fixture) -> None:
    expected, plan = fixture
    items = {item.number: item for item in plan.items}
    for task in expected.get("tasks", []):
        item = items[task["number"]]
        assert item.text.startswith(task["text_starts"]), item.text
        assert list(item.units) == task["units"]
        assert list(item.partners) == task.get("partners", [])
        assert item.deadline_text == task["deadline"]
        assert item.deadline == _expected_month(task["deadline"], plan.document.year)
        assert "完成时" not in item.text and "牵头单位" not in item.text


def test_sites(fixture) -> None:
    expected, plan = fixture
    sites = {site.number: site for site in plan.sites}
    for want in expected.get("sites", []):
        site = sites[want["number"]]
        assert site.category == want["name"]
        assert list(site.units) == want["units"]
        assert site.time == (want["time"] or "")
        assert site.place == (want["place"] or "")
        assert site.theme == (want["theme"] or "")


def test_lectures(fixture) -> None:
    expected, plan = fixture
    lectures = {lecture.number: lecture for lecture in plan.lectures}
    for want in expected.get("lectures", []):
        assert lectures[want["number"]].title == want["title"]
        assert list(lectures[want["number"]].units) == want["units"]


def test_rules(fixture) -> None:
    expected, plan = fixture
    if "rules" not in expected:
        return
    want = expected["rules"]
    assert plan.rules.offline_size == want["capacity"]
    assert plan.rules.offline_notice_working_days == want["notice_working_days"]
    assert list(plan.rules.selection_methods) == want["selection"]
    # optional: only some fixtures assert the online notice and the activity period
    if "online_notice_working_days" in want:
        assert plan.rules.online_notice_working_days == want["online_notice_working_days"]
    if "activity_period" in want:
        assert plan.rules.activity_period == want["activity_period"]
        assert list(plan.rules.activity_months) == want["activity_months"]


def test_every_record_has_its_passage(fixture) -> None:
    _, plan = fixture
    refs = [p.ref for p in plan.passages]
    for kind, records in (("item", plan.items), ("site", plan.sites), ("lecture", plan.lectures)):
        assert all(f"{kind}:{r.number}" in refs for r in records)
    assert ("rules" in refs) == (plan.rules is not None)
    assert all("\n" not in p.text and "\t" not in p.text for p in plan.passages)


def test_fields_without_a_task_are_not_tasks() -> None:
    plan = parse_file(PLANS / "2026-workpoints-a.txt")
    assert not any("强化组织领导" in item.text for item in plan.items)
    assert any("强化组织领导" in p.text for p in plan.passages if p.kind == "text")
    assert plan.document.date.isoformat() == "2026-02-27"  # not the 印发 colophon's date


# ------------------------------------------------------------------ the real 2023 plans
def _plain(plan: ParsedPlan) -> dict:
    return json.loads(json.dumps(dataclasses.asdict(plan), default=str, ensure_ascii=False))


@pytest.mark.parametrize("golden", sorted(GOLDEN.glob("*.json")), ids=lambda p: p.stem)
def test_2023_plans_parse_exactly_as_before(golden: Path) -> None:
    before = json.loads(golden.read_text(encoding="utf-8"))
    now = _plain(parse_file(SOURCES / f"{golden.stem}.txt"))
    assert now["warnings"] == []
    for key, value in before.items():
        if key == "warnings":
            continue
        if not isinstance(value, list):
            assert now[key] == value, key
            continue
        assert len(now[key]) == len(value), key
        for index, (old, new) in enumerate(zip(value, now[key])):
            if isinstance(old, dict):
                for name in old.keys() - NEW_FIELDS.get(key, set()):
                    assert new[name] == old[name], f"{key}[{index}].{name}"
            else:
                assert new == old, f"{key}[{index}]"


def test_2023_new_fields_are_filled() -> None:
    work_points = parse_file(SOURCES / "daxing-2023-open-government-work-points.txt")
    for item in work_points.items:
        year, month = item.deadline.split("-")
        assert item.deadline_text == f"{year}年{int(month)}月"
        assert item.partners == ()
    interaction = parse_file(SOURCES / "daxing-2023-public-interaction-plan.txt")
    assert all(site.time == "" and site.place == "" for site in interaction.sites)
    assert PARSER_VERSION == 4


# ------------------------------------------------------------------ wrapping and page breaks
LABELS = ("主责单位", "主办单位", "牵头单位", "责任单位", "负责单位", "主讲单位", "承办单位", "配合单位",
          "宣讲单位", "协办单位", "承办", "协办", "地址",
          "完成时限", "完成时间", "活动时间", "活动地点", "活动内容", "主要内容", "主讲", "时限", "时间",
          "地点", "负责落实")
NUMERAL = re.compile(r"[0-9０-９〇零一二两三四五六七八九十百]")
MARKED = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+\s*[.．、]|第.{1,3}讲|"
                    r"开放点|专题)")


def _split_points(line: str) -> list[int]:
    """Where a PDF of another page width could break this line: only body lines (no table
    rows, no short titles), never inside a field label or next to a numeral (so no line
    starts with a number), and a marked line only after its run-in title (its first 。)."""
    text = line.strip()
    if len(text) < 20 or "\t" in text or re.search(r"\S {2,}\S", text) or not re.search(r"[，。；：]", text):
        return []
    first = 1
    if MARKED.match(line):
        if "。" not in line:
            return []
        first = line.index("。") + 1
    inside = set()
    for label in LABELS:
        for match in re.finditer(label + "[:：]?", line):
            inside.update(range(match.start() + 1, match.end() + 1))
    return [p for p in range(max(first, len(line) - len(line.lstrip()) + 1), len(line.rstrip()))
            if p not in inside and not NUMERAL.match(line[:p].rstrip()[-1:] or "0")
            and not NUMERAL.match(line[p:].lstrip()[:1] or "0")]


def _rewrap(text: str, rng: random.Random) -> str:
    out = []
    for line in text.split("\n"):
        points = _split_points(line)
        chosen = sorted(rng.sample(points, min(len(points), rng.randint(0, 2))))
        for start, end in zip([0] + chosen, chosen + [len(line)]):
            out.append(line[start:end])
            if rng.random() < 0.05:
                out.extend(["", rng.choice(["- 7 -", "7", "— 12 —"]), ""])
    return "\n".join(out)


def _essentials(plan: ParsedPlan) -> dict:
    rules = plan.rules
    return {
        "counts": (len(plan.items), len(plan.sites), len(plan.lectures)),
        "items": [(i.number, i.units, i.partners, i.deadline, i.deadline_text) for i in plan.items],
        "sites": [(s.number, s.units, s.time) for s in plan.sites],
        "lectures": [(lecture.number, lecture.units) for lecture in plan.lectures],
        "rules": rules and (rules.offline_size, rules.offline_notice_working_days,
                            rules.online_notice_working_days, rules.selection_methods,
                            rules.activity_period),
        "document": plan.document,
    }


TEXT_PLANS = [p for p in sorted(PLANS.glob("*.txt"))] + sorted(SOURCES.glob("daxing-2023-*.txt"))


@pytest.mark.parametrize("path", TEXT_PLANS, ids=lambda p: p.stem)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_rewrapping_and_page_numbers_change_nothing(path: Path, seed: int) -> None:
    text = path.read_text(encoding="utf-8")
    expected = _essentials(parse_plan(text, source_file=path.name))
    noisy = parse_plan(_rewrap(text, random.Random(seed)), source_file=path.name)
    assert _essentials(noisy) == expected
