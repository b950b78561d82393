"""Sign-up under load, on SQLite and PostgreSQL: the figures behind the concurrency tests.

For each backend: 200 applications for one 30-seat session sent one after another
(the baseline, same run) and then all at once from 200 threads (20 of them repeats of
another applicant's phone), then 8 concurrent selections. Prints wall time, throughput,
latency percentiles, and the integrity counts (stored, lost, duplicated, selected).

Usage: python bench/signup_concurrency.py [-n 200] [--repeats 20]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from activities.catalogue import Catalogue  # noqa: E402
from activities.models import SELECTED  # noqa: E402
from activities.schedule import parse_rows, store  # noqa: E402
from activities.service import ActivityService  # noqa: E402
from core.db import UnitOfWork, migrate  # noqa: E402
from kb.answers import AnswerEngine, KnowledgeBase  # noqa: E402
from kb.store import KnowledgeRepository, build, plan_files  # noqa: E402
from tests.activity_support import NOW, Clock, request, session_row  # noqa: E402
from tests.postgres import local_postgres  # noqa: E402


def percentiles(samples: list[float]) -> str:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return f"p50 {cuts[49] * 1000:7.1f} ms  p95 {cuts[94] * 1000:7.1f} ms  p99 {cuts[98] * 1000:7.1f} ms"


def timed(call) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def run(label: str, url: str, catalogue: Catalogue, applicants: int, repeats: int) -> None:
    migrate(url)
    service = ActivityService(url, catalogue, clock=Clock(NOW))
    rows = [session_row(code="SEQ"), session_row(code="PAR")]
    store(url, parse_rows(rows, catalogue, NOW.date()))

    phones = [f"137{i:08d}" for i in range(applicants - repeats)]
    phones += phones[:repeats]
    started = time.perf_counter()
    sequential = [timed(lambda p=p: service.apply(request("SEQ", phone=p))) for p in phones]
    sequential_wall = time.perf_counter() - started

    barrier = threading.Barrier(len(phones))

    def apply_together(phone: str) -> float:
        barrier.wait()
        return timed(lambda: service.apply(request("PAR", phone=phone)))

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(phones)) as pool:
        concurrent = list(pool.map(apply_together, phones))
    concurrent_wall = time.perf_counter() - started

    stored = service.applications("PAR")
    distinct = len(set(phones))
    selections = 8
    barrier = threading.Barrier(selections)

    def select_together(seed: int) -> float:
        barrier.wait()
        return timed(lambda: service.select("PAR", "lottery", seed))

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=selections) as pool:
        list(pool.map(select_together, range(selections)))
    selection_wall = time.perf_counter() - started
    selected = sum(1 for a in service.applications("PAR") if a.status == SELECTED)

    print(f"\n== {label}")
    print(f"  sequential (baseline): {len(phones)} in {sequential_wall:5.2f} s = "
          f"{len(phones) / sequential_wall:6.1f}/s  {percentiles(sequential)}")
    print(f"  200 threads at once:   {len(phones)} in {concurrent_wall:5.2f} s = "
          f"{len(phones) / concurrent_wall:6.1f}/s  {percentiles(concurrent)}")
    print(f"  stored {len(stored)} of {distinct} distinct phones; lost {distinct - len({a.phone for a in stored})}; "
          f"duplicates {len(stored) - len({a.phone for a in stored})}; "
          f"unique references {len({a.reference for a in stored})}")
    print(f"  {selections} concurrent selections in {selection_wall:5.2f} s: {selected} selected "
          f"(capacity 30)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        kb_url = f"sqlite:///{folder}/kb.db"
        build(kb_url, plan_files())
        with UnitOfWork(kb_url).session() as session:
            catalogue = Catalogue(AnswerEngine(KnowledgeBase(KnowledgeRepository(session).documents())))
        run("SQLite (WAL, BEGIN IMMEDIATE)", f"sqlite:///{folder}/signup.db", catalogue, args.n, args.repeats)
        with local_postgres() as url:
            run("PostgreSQL (local cluster)", url, catalogue, args.n, args.repeats)


if __name__ == "__main__":
    main()
