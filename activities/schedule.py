"""Operators' schedule files (YAML or CSV) → sessions, checked against the plans' rules.

A file is imported whole or not at all: every row is checked first (the activity exists in
the knowledge base, the mode is one the plan allows, the announcement comes early enough),
and all errors are reported with their row, so an operator fixes the file in one pass.
Rows are keyed by `code`; importing a file again updates its sessions instead of adding more.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import yaml

from activities.catalogue import Activity, Catalogue
from activities.formatting import texts
from activities.models import MODES, ONLINE_ONLY, ActivitySessionRow
from activities.service import ActivityRepository, SessionFacts
from activities.workdays import add_working_days, subtract_working_days
from core.clock import beijing_now
from core.db import UnitOfWork
from core.numerals import ARABIC, CN_SMALL, to_int

DEMO_FILE = Path(__file__).parent / "data" / "demo_schedule.yml"
DEMO_PREFIX = "DEMO-"
DEFAULT_CAPACITY = 30
COLUMNS = ("code", "activity", "starts_at", "ends_at", "venue", "mode", "capacity",
           "announced_on", "live_details")
_ACTIVITY = re.compile(
    r"^\s*(?:(?P<site>开放点|政务开放日|site)|(?P<lecture>政策公开讲|公开讲|宣讲|lecture))"
    rf"\s*[:：第]?\s*(?P<number>[{ARABIC}]+|[{CN_SMALL}]+)\s*[讲个号]?\s*$",
    re.IGNORECASE,
)


class ScheduleError(ValueError):
    """The file cannot be imported; `errors` lists every problem with its row."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def read_rows(name: str, data: bytes) -> list[dict[str, Any]]:
    """Rows of the file `name` whose content is `data`: a .yml/.yaml (a `sessions:` list) or a
    .csv (a header row of COLUMNS). ScheduleError: unreadable, not a list, or no rows."""
    text = _decoded(name, data)
    if Path(name).suffix.lower() == ".csv":
        rows: Any = [dict(row) for row in csv.DictReader(io.StringIO(text, newline=""))]
    else:
        try:
            loaded = yaml.safe_load(text) or {}
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            raise ScheduleError([_error("yaml", file=name, line=mark.line + 1 if mark else "?")]) from None
        rows = loaded.get("sessions") if isinstance(loaded, dict) else None
        if not isinstance(rows, list):
            raise ScheduleError([_error("not_a_list", file=name)])
    if not rows:
        raise ScheduleError([_error("empty", file=name)])
    return rows


def _decoded(name: str, data: bytes) -> str:
    """The file's text: UTF-8 (with or without BOM), else GB18030 (what Excel on Chinese
    Windows saves a CSV as; GBK is its subset). ScheduleError when it is neither."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ScheduleError([_error("encoding", file=name)])


def _error(key: str, **values: Any) -> str:
    """One problem, in the organisers' words (activities/data/texts.yml `schedule_errors`)."""
    return texts()["schedule_errors"][key].format(**values)


def parse_rows(
    rows: list[dict[str, Any]], catalogue: Catalogue, today: dt.date, demo: bool = False
) -> list[SessionFacts]:
    specs, errors = [], []
    for index, row in enumerate(rows, start=1):
        try:
            specs.append(_parse_row(row, catalogue, today, demo))
        except ValueError as error:
            errors.append(_error("row", index=index, problem=error))
    codes = [s.code for s in specs]
    errors += [_error("duplicate_code", code=c) for c in sorted({c for c in codes if codes.count(c) > 1})]
    if errors:
        raise ScheduleError(errors)
    return specs


def _parse_row(row: Any, catalogue: Catalogue, today: dt.date, demo: bool) -> SessionFacts:
    if not isinstance(row, dict):
        raise ValueError(_error("not_a_mapping"))
    unknown = set(row) - set(COLUMNS)
    if unknown:
        raise ValueError(_error("unknown_columns", unknown="、".join(sorted(map(str, unknown))),
                                allowed="、".join(COLUMNS)))
    value = {k: ("" if v is None else str(v).strip()) for k, v in row.items()}
    starts_at = _datetime(value.get("starts_at", ""), "starts_at")
    # The activity of the plan of the session's year, when loaded: a 2026 session is checked
    # against the 2026 plan's rules (issue 14).
    activity = _activity(value.get("activity", ""), catalogue, starts_at.year)
    ends_at = _datetime(value["ends_at"], "ends_at") if value.get("ends_at") else None
    if ends_at and ends_at <= starts_at:
        raise ValueError(_error("ends_before_start"))
    mode = value.get("mode") or "线下"
    if mode not in MODES:
        raise ValueError(_error("unknown_mode", mode=mode, modes="、".join(MODES)))
    online_only = mode == ONLINE_ONLY
    venue, live = value.get("venue", ""), value.get("live_details") or None
    if not online_only and not venue:
        raise ValueError(_error("needs_venue", mode=mode))
    if mode != "线下" and not live:
        raise ValueError(_error("needs_live", mode=mode))
    rules = catalogue.notice_rules(activity.document_number)
    capacity = _capacity(value.get("capacity", ""), rules.capacity)
    announced_on = _date(value["announced_on"], "announced_on") if value.get("announced_on") else today
    notice_days = rules.for_mode(online_only)
    latest = subtract_working_days(starts_at.date(), notice_days)
    if announced_on > latest:
        raise ValueError(_error("announced_too_late", announced=announced_on, date=f"{starts_at:%Y-%m-%d}",
                                mode=mode, days=notice_days, latest=latest, source=rules.source))
    code = value.get("code") or f"{activity.kind}{activity.number}-{starts_at:%Y%m%d-%H%M}"
    if demo and not code.startswith(DEMO_PREFIX):
        code = DEMO_PREFIX + code
    if not demo and code.startswith(DEMO_PREFIX):
        raise ValueError(_error("demo_code", prefix=DEMO_PREFIX))
    return SessionFacts(code, activity, starts_at, ends_at, venue or "线上", mode, capacity,
                        live, announced_on, demo)


def _activity(text: str, catalogue: Catalogue, year: int | None = None) -> Activity:
    match = _ACTIVITY.match(text)
    number = to_int(match.group("number")) if match else None
    if not match or number is None:
        raise ValueError(_error("activity_form", text=text))
    kind = "site" if match.group("site") else "lecture"
    activity = catalogue.activity(kind, number, year)
    if activity is None:
        raise ValueError(_error("activity_unknown", text=text))
    return activity


def _datetime(text: str, column: str) -> dt.datetime:
    for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M"):
        try:
            return dt.datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise ValueError(_error("datetime", column=column, text=text))


def _date(text: str, column: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise ValueError(_error("date", column=column, text=text)) from None


def _capacity(text: str, planned: int | None = None) -> int:
    """Seats of a session: the schedule's column, else the plan's 约N人, else 30."""
    if not text:
        return planned or DEFAULT_CAPACITY
    if not text.isdigit() or int(text) < 1:
        raise ValueError(_error("capacity", text=text))
    return int(text)


def store(database_url: str, specs: list[SessionFacts]) -> tuple[int, int]:
    """Insert or update sessions by code in one transaction; returns (added, updated)."""
    added = updated = 0
    now = beijing_now()
    with UnitOfWork(database_url).session(writes_after_reads=True) as session:
        repository = ActivityRepository(session)
        for spec in specs:
            row = repository.session_by_code(spec.code)
            if row is None:
                row = ActivitySessionRow(code=spec.code, selection_round=0)
                session.add(row)
                added += 1
            else:
                updated += 1
            row.document_number = spec.activity.document_number
            row.kind, row.record_number = spec.activity.kind, spec.activity.number
            row.starts_at, row.ends_at = spec.starts_at, spec.ends_at
            row.venue, row.mode, row.capacity = spec.venue, spec.mode, spec.capacity
            row.announced_on, row.live_details = spec.announced_on, spec.live_details
            row.demo, row.imported_at = spec.demo, now
    return added, updated


def import_file(
    database_url: str, path: Path, catalogue: Catalogue, today: dt.date | None = None
) -> tuple[int, int]:
    """Import a schedule file; `today` is the default announcement date of rows without one."""
    return import_content(database_url, path.name, path.read_bytes(), catalogue, today)


def import_content(
    database_url: str, name: str, data: bytes, catalogue: Catalogue, today: dt.date | None = None
) -> tuple[int, int]:
    """Import a schedule file's content (an upload): all rows or none (ScheduleError lists
    every problem by row). (added, updated)."""
    return store(database_url, parse_rows(read_rows(name, data), catalogue, today or beijing_now().date()))


def demo_rows(today: dt.date) -> list[dict[str, Any]]:
    """The demo file's rows with dates made concrete: it gives working-day offsets from today,
    so the demo works whenever it is loaded; its sessions are labelled 演示 everywhere."""
    template = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))["sessions"]
    rows = []
    for entry in template:
        row = {k: v for k, v in entry.items() if k not in ("starts_in_working_days", "time", "hours")}
        start = dt.datetime.combine(
            add_working_days(today, int(entry["starts_in_working_days"])),
            dt.time.fromisoformat(str(entry["time"])),
        )
        row["starts_at"] = f"{start:%Y-%m-%d %H:%M}"
        row["ends_at"] = f"{start + dt.timedelta(hours=float(entry.get('hours', 2))):%Y-%m-%d %H:%M}"
        row["announced_on"] = today.isoformat()
        rows.append(row)
    return rows


def import_demo(database_url: str, catalogue: Catalogue) -> tuple[int, int]:
    today = beijing_now().date()
    return store(database_url, parse_rows(demo_rows(today), catalogue, today, demo=True))


def remove_demo(database_url: str) -> int:
    """Delete the demo sessions and any applications made to them."""
    with UnitOfWork(database_url).session() as session:
        rows = [r for r in ActivityRepository(session).all_sessions() if r.demo]
        for row in rows:
            session.delete(row)
        return len(rows)
