"""Working days follow China's holiday schedule: holidays off, make-up weekend days on."""
from __future__ import annotations

import datetime as dt
import logging

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from activities import workdays
from activities.workdays import (
    add_working_days,
    is_working_day,
    subtract_working_days,
    working_days_between,
)

D = dt.date.fromisoformat


@pytest.fixture
def fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fallback warns once per year per process: forget earlier warnings."""
    monkeypatch.setattr(workdays, "_warned_years", set())


# --- calendar facts, checked against chinesecalendar's own data ---------------------


def test_national_day_2024_is_off_and_its_make_up_weekend_days_are_on() -> None:
    for day in range(1, 8):
        assert not is_working_day(dt.date(2024, 10, day))
    assert D("2024-09-29").weekday() == 6 and is_working_day(D("2024-09-29"))  # Sunday
    assert D("2024-10-12").weekday() == 5 and is_working_day(D("2024-10-12"))  # Saturday
    assert not is_working_day(D("2024-09-28"))  # ordinary Saturday
    assert not is_working_day(D("2024-10-13"))  # ordinary Sunday
    assert is_working_day(D("2024-10-08"))


def test_spring_festival_2025() -> None:
    for offset in range(8):  # 2025-01-28 (除夕) .. 2025-02-04
        assert not is_working_day(D("2025-01-28") + dt.timedelta(days=offset))
    assert is_working_day(D("2025-01-26"))  # Sunday make-up workday
    assert is_working_day(D("2025-02-08"))  # Saturday make-up workday
    assert is_working_day(D("2025-02-05"))


def test_agrees_with_every_entry_of_the_library_schedule() -> None:
    assert chinese_calendar.workdays and chinese_calendar.holidays
    assert all(is_working_day(day) for day in chinese_calendar.workdays)
    assert not any(is_working_day(day) for day in chinese_calendar.holidays)


def test_arithmetic_skips_the_national_day_week() -> None:
    assert add_working_days(D("2024-09-30"), 1) == D("2024-10-08")
    assert subtract_working_days(D("2024-10-08"), 1) == D("2024-09-30")
    assert subtract_working_days(D("2024-10-08"), 2) == D("2024-09-29")  # make-up Sunday
    assert working_days_between(D("2024-09-30"), D("2024-10-08")) == 1
    # 09-29, 09-30, 10-08..10-11, 10-12
    assert working_days_between(D("2024-09-27"), D("2024-10-13")) == 7


def test_announce_five_working_days_before_an_event_after_spring_festival() -> None:
    # Back from Wed 2025-02-05: 01-27, 01-26 (make-up Sunday), 01-24, 01-23, 01-22.
    assert subtract_working_days(D("2025-02-05"), 5) == D("2025-01-22")


def test_zero_days_snaps_to_a_working_day() -> None:
    assert add_working_days(D("2024-10-08"), 0) == D("2024-10-08")
    assert add_working_days(D("2024-10-05"), 0) == D("2024-10-08")
    assert subtract_working_days(D("2024-10-05"), 0) == D("2024-09-30")


def test_between_is_start_exclusive_end_inclusive() -> None:
    assert working_days_between(D("2024-10-08"), D("2024-10-08")) == 0
    assert working_days_between(D("2024-10-07"), D("2024-10-08")) == 1
    assert working_days_between(D("2024-10-08"), D("2024-10-09")) == 1
    assert working_days_between(D("2024-10-09"), D("2024-10-08")) == -1


def test_datetimes_are_treated_as_their_date() -> None:
    moment = dt.datetime(2024, 9, 30, 18, 30)
    assert add_working_days(moment, 1) == D("2024-10-08")
    assert type(add_working_days(moment, 1)) is dt.date


def test_negative_counts_are_rejected() -> None:
    with pytest.raises(ValueError):
        add_working_days(D("2024-10-08"), -1)
    with pytest.raises(ValueError):
        subtract_working_days(D("2024-10-08"), -1)


# --- years the library does not know -------------------------------------------------


def test_unknown_year_falls_back_to_monday_to_friday_and_warns_once(
    fresh_warnings: None, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D("2099-10-01"))

    with caplog.at_level(logging.WARNING, logger="activities.workdays"):
        assert is_working_day(D("2099-10-01"))  # a Thursday: no holiday data, so worked
        assert not is_working_day(D("2099-01-03"))  # Saturday
        assert add_working_days(D("2099-01-02"), 1) == D("2099-01-05")  # Fri -> Mon
        assert working_days_between(D("2099-01-01"), D("2099-01-08")) == 5

    warnings = [r for r in caplog.records if r.name == "activities.workdays"]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "2099" in warnings[0].getMessage()


def test_each_unknown_year_warns_separately(
    fresh_warnings: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="activities.workdays"):
        is_working_day(D("2098-06-01"))
        is_working_day(D("2099-06-01"))
        is_working_day(D("2098-06-02"))
    messages = [r.getMessage() for r in caplog.records if r.name == "activities.workdays"]
    assert len(messages) == 2
    assert "2098" in messages[0] and "2099" in messages[1]


# --- properties -------------------------------------------------------------------------

# Mostly years the library knows, a little past both ends to cross into the fallback.
days = st.dates(min_value=dt.date(2003, 1, 1), max_value=dt.date(2028, 12, 31))
working_days = days.map(lambda d: add_working_days(d, 0))
counts = st.integers(min_value=0, max_value=300)
positive_counts = st.integers(min_value=1, max_value=300)
# The first example of a run fills the per-year cache; wall-clock deadlines only flake.
properties = settings(deadline=None)


@properties
@given(days, counts)
def test_results_are_always_working_days(day: dt.date, n: int) -> None:
    assert is_working_day(add_working_days(day, n))
    assert is_working_day(subtract_working_days(day, n))


@properties
@given(days, positive_counts)
def test_add_moves_forward_exactly_n_working_days(day: dt.date, n: int) -> None:
    later = add_working_days(day, n)
    assert later > day
    assert working_days_between(day, later) == n
    assert add_working_days(day, n + 1) > later


@properties
@given(working_days, counts)
def test_subtract_moves_back_exactly_n_working_days_from_a_working_day(
    day: dt.date, n: int
) -> None:
    earlier = subtract_working_days(day, n)
    assert earlier <= day
    assert working_days_between(earlier, day) == n


@properties
@given(working_days, counts)
def test_add_and_subtract_undo_each_other_on_working_days(day: dt.date, n: int) -> None:
    assert subtract_working_days(add_working_days(day, n), n) == day
    assert add_working_days(subtract_working_days(day, n), n) == day


@properties
@given(days, days, days)
def test_between_adds_up_over_consecutive_intervals(a: dt.date, b: dt.date, c: dt.date) -> None:
    assert working_days_between(a, b) + working_days_between(b, c) == working_days_between(a, c)
    assert working_days_between(a, b) == -working_days_between(b, a)
