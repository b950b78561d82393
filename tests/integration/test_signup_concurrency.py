"""Many citizens at once: applications are neither lost nor duplicated, seats never overfilled.

Real threads against the real database (SQLite file and a PostgreSQL cluster), released
together by a barrier so the requests truly overlap.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from activities.models import NOT_SELECTED, SELECTED
from activities.service import ActivityService
from tests.activity_support import load, request, session_row

T = TypeVar("T")
APPLICANTS = 200
REPEATS = 20  # citizens who press "submit" twice: same phone, same session


def all_at_once(calls: list[Callable[[], T]]) -> list[T]:
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_200_concurrent_applications_lose_nothing_and_duplicate_nothing(
    service: ActivityService,
) -> None:
    load(service, session_row(capacity=30))
    phones = [f"135{i:08d}" for i in range(APPLICANTS - REPEATS)]
    phones += phones[:REPEATS]
    outcomes = all_at_once([lambda p=p: service.apply(request(phone=p)) for p in phones])

    stored = service.applications("S1")
    assert len(stored) == APPLICANTS - REPEATS
    assert {a.phone for a in stored} == set(phones)
    assert len({a.reference for a in stored}) == len(stored)
    reference_of = {a.phone: a.reference for a in stored}
    # Everyone was told a reference, and it is the stored one for their phone.
    assert all(o.application.reference == reference_of[p] for p, o in zip(phones, outcomes))
    assert sum(o.created for o in outcomes) == APPLICANTS - REPEATS


def test_concurrent_selections_never_exceed_capacity(service: ActivityService) -> None:
    load(service, session_row(capacity=30))
    for i in range(APPLICANTS):
        service.apply(request(phone=f"136{i:08d}"))
    selections = all_at_once(
        [lambda: service.select("S1")] * 4 + [lambda s=s: service.select("S1", "lottery", s) for s in range(4)]
    )
    statuses = [a.status for a in service.applications("S1")]
    assert statuses.count(SELECTED) == 30
    assert statuses.count(NOT_SELECTED) == APPLICANTS - 30
    assert sum(r.selected for r in selections) == 30
