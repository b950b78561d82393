"""Shared pieces of the activity tests: a movable clock and small builders of rows and requests."""
from __future__ import annotations

import datetime as dt

from activities.schedule import parse_rows, store
from activities.service import ActivityService, ApplicationRequest

# Tuesday 1 December 2026, 10:00 Beijing time.
NOW = dt.datetime(2026, 12, 1, 10, 0)


class Clock:
    """The service's notion of now, moved by the test."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def load(service: ActivityService, *rows: dict) -> None:
    specs = parse_rows(list(rows), service.catalogue, service.clock().date())
    store(service.database_url, specs)


def session_row(**overrides: object) -> dict:
    row = {
        "code": "S1",
        "activity": "开放点9",
        "starts_at": "2026-12-15 09:30",
        "venue": "区劳动人事争议仲裁院",
        "mode": "线下",
        "capacity": 30,
        "announced_on": "2026-11-30",
    }
    row.update(overrides)
    return row


def request(code: str = "S1", phone: str = "13812345678", name: str = "王小明") -> ApplicationRequest:
    return ApplicationRequest(
        session_code=code, name=name, phone=phone, identity="其他", organisation=None,
        consent_at=NOW - dt.timedelta(minutes=1), channel="rest", sender_id="citizen",
    )


