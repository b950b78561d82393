"""Working-day arithmetic on China's statutory holiday calendar.

Notice periods for activities ("announce at least 5 working days ahead", "registration
closes 2 working days before") count 工作日, which follow the State Council's yearly
holiday schedule rather than plain Monday–Friday: statutory holidays are days off, and
make-up workdays (调休上班) on weekends are working days. The schedule comes from the
`chinesecalendar` package. It only knows the years already announced; for other years
we fall back to Monday–Friday and log a warning once per year, so that a stale package
shows up in the logs instead of silently failing every date in a new year.

Conventions: ``working_days_between(start, end)`` counts working days d with
``start < d <= end``; ``add_working_days`` and ``subtract_working_days`` are its
inverses on working days: for a working day ``d`` and ``n >= 0``,
``working_days_between(d, add_working_days(d, n)) == n`` and
``working_days_between(subtract_working_days(d, n), d) == n``.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import threading

import chinese_calendar

log = logging.getLogger(__name__)

_ONE_DAY = dt.timedelta(days=1)
_warned_years: set[int] = set()
_warned_lock = threading.Lock()


def _as_date(day: dt.date) -> dt.date:
    # A datetime is a date too, but would carry its time through the arithmetic.
    return day.date() if isinstance(day, dt.datetime) else day


def _warn_fallback(year: int) -> None:
    with _warned_lock:
        if year in _warned_years:
            return
        _warned_years.add(year)
    log.warning(
        "chinesecalendar %s has no holiday schedule for %d: counting Monday-Friday as "
        "working days for that year (upgrade chinesecalendar once the schedule is out)",
        getattr(chinese_calendar, "__version__", "?"),
        year,
    )


@functools.lru_cache(maxsize=None)
def _working_days_of(year: int) -> frozenset[dt.date] | None:
    """All working days of ``year`` per chinesecalendar, or None if it lacks the year.

    Cached per year: the package's own lookup rescans its whole table on every call,
    which makes counting across a few years noticeably slow.
    """
    first = dt.date(year, 1, 1)
    try:
        chinese_calendar.is_workday(first)
    except NotImplementedError:  # year outside the package's data
        return None
    days = (first + dt.timedelta(days=i) for i in range((dt.date(year + 1, 1, 1) - first).days))
    return frozenset(day for day in days if chinese_calendar.is_workday(day))


def is_working_day(day: dt.date) -> bool:
    """Whether people work on ``day``: make-up workdays yes, statutory holidays no."""
    day = _as_date(day)
    known = _working_days_of(day.year)
    if known is None:
        _warn_fallback(day.year)
        return day.weekday() < 5
    return day in known


def _check_count(n: int) -> None:
    if n < 0:
        raise ValueError(f"number of working days must be >= 0, got {n}")


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The date ``n`` working days after ``day`` (the n-th working day following it).

    ``n == 0`` gives ``day`` itself if it is a working day, else the next working day,
    so the result is always a working day.
    """
    _check_count(n)
    current = _as_date(day)
    if n == 0:
        while not is_working_day(current):
            current += _ONE_DAY
        return current
    counted = 0
    while counted < n:
        current += _ONE_DAY
        if is_working_day(current):
            counted += 1
    return current


def subtract_working_days(day: dt.date, n: int) -> dt.date:
    """The date ``n`` working days before ``day`` (the n-th working day preceding it).

    Deadlines read off it directly: "announce at least 5 working days before ``start``"
    means announced on or before ``subtract_working_days(start, 5)``. ``n == 0`` gives
    ``day`` itself if it is a working day, else the previous working day.
    """
    _check_count(n)
    current = _as_date(day)
    if n == 0:
        while not is_working_day(current):
            current -= _ONE_DAY
        return current
    counted = 0
    while counted < n:
        current -= _ONE_DAY
        if is_working_day(current):
            counted += 1
    return current


def working_days_between(start: dt.date, end: dt.date) -> int:
    """The number of working days d with ``start < d <= end`` (start excluded, end included).

    Half-open so that consecutive intervals add up and a day is never counted twice;
    it is 0 when ``start == end`` and negative (``-working_days_between(end, start)``)
    when ``end`` is before ``start``.
    """
    start, end = _as_date(start), _as_date(end)
    if end < start:
        return -working_days_between(end, start)
    count = 0
    current = start + _ONE_DAY
    while current <= end:
        if is_working_day(current):
            count += 1
        current += _ONE_DAY
    return count
