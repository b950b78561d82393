"""Latency and throughput of the running assistant over REST.

Starts the real assistant on free ports (or uses `--url` of one already running), sends
N messages at concurrency C and prints p50/p95/p99 and messages/second for:
  - baseline: `GET /` on the Rasa server (HTTP + event loop only, measured in the same run),
  - NLU parsing alone: `POST /model/parse`,
  - a full turn: `POST /webhooks/rest/webhook` (NLU, policies, actions, tracker store),
  - one long conversation: the median turn around turn 10 and around turn 200.
With `--baseline-tree DIR` (e.g. a `git worktree` of an earlier commit, with its model) the
same measurements are first taken of that checkout, then of this one, and printed side by
side: before and after in the same run, on the same machine.

Usage: python bench/latency.py [-n 300] [-c 16] [--url http://localhost:5005] [--baseline-tree DIR]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Awaitable, Callable

import aiohttp

# The checkout measured: this one, or the baseline's when run for --baseline-tree.
TREE = Path(os.environ.get("BENCH_TREE") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(TREE))
LONG_TURNS = 205  # "turn 10" is the median of turns 6-15, "turn 200" of turns 196-205

QUESTIONS = [
    "你好",
    "你能做什么",
    "医保宣讲是哪个单位负责的",
    "政务开放日有哪些开放点",
    "我要找人工客服",
    # the citizen changes their mind: the hand-off form is left, the assistant answers on (a
    # conversation handed to a person is silent, and would make the rest of the bench, and
    # the long conversation, measure turns without actions)
    "取消",
    "社保方面有什么政策公开",
    "开放点9是干什么的",
    "怎么报名参加政策公开讲",
    "谢谢",
    "再见",
]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


async def measure(
    name: str, n: int, concurrency: int, call: Callable[[int, int], Awaitable[None]]
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    next_index = 0

    async def worker(worker_id: int) -> None:
        nonlocal next_index, errors
        while next_index < n:
            i = next_index
            next_index += 1
            started = time.perf_counter()
            try:
                await call(i, worker_id)
            except (aiohttp.ClientError, asyncio.TimeoutError):
                errors += 1
                continue
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {
        "name": name,
        "n": len(latencies),
        "errors": errors,
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "p99": percentile(latencies, 99),
        "mean": statistics.fmean(latencies),
        "per_second": len(latencies) / elapsed,
    }


async def run_bench(url: str, n: int, concurrency: int, token: str) -> list[dict[str, float]]:
    """Baseline, NLU parse (an API call: `token` is the Rasa API token) and a full turn."""
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:

        async def baseline(i: int, worker_id: int) -> None:
            async with session.get(f"{url}/") as response:
                response.raise_for_status()
                await response.read()

        async def parse(i: int, worker_id: int) -> None:
            text = QUESTIONS[i % len(QUESTIONS)]
            async with session.post(f"{url}/model/parse", json={"text": text},
                                    params={"token": token}) as response:
                response.raise_for_status()
                await response.json()

        turn = rest_turn(session, url, f"bench-{os.getpid()}")
        await turn(0, concurrency)  # warm-up: first turn loads lazily built components
        rows = [
            await measure("baseline GET /", n, concurrency, baseline),
            await measure("NLU /model/parse", n, concurrency, parse),
            await measure("full turn (REST)", n, concurrency, turn),
        ]
        rows += await long_conversation(turn)
        return rows


def rest_turn(session: aiohttp.ClientSession, url: str, prefix: str) -> Callable[[int, Any], Awaitable[None]]:
    """`turn(i, citizen)`: a full REST turn, question i of QUESTIONS (cycling) from sender
    f"{prefix}-{citizen}". One simulated citizen per worker: a conversation's turns never
    overlap, as in real chat, so Rasa's per-conversation lock does not serialise them.
    Raises aiohttp.ClientError on an HTTP error."""
    async def turn(i: int, citizen: Any) -> None:
        payload = {"sender": f"{prefix}-{citizen}", "message": QUESTIONS[i % len(QUESTIONS)]}
        async with session.post(f"{url}/webhooks/rest/webhook", json=payload) as response:
            response.raise_for_status()
            await response.json()
    return turn


async def long_conversation(turn: Callable[[int, Any], Awaitable[None]]) -> list[dict[str, float]]:
    """One citizen asking LONG_TURNS questions in a row: median latency near turn 10 and 200."""
    latencies = []
    for i in range(LONG_TURNS):
        started = time.perf_counter()
        await turn(i, "long")
        latencies.append((time.perf_counter() - started) * 1000)

    def around(turn: int) -> dict[str, float]:
        window = latencies[turn - 5:turn + 5]
        return {"name": f"long conv. turn {turn}", "n": len(window), "errors": 0,
                "p50": statistics.median(window), "p95": percentile(window, 95),
                "p99": percentile(window, 99), "mean": statistics.fmean(window), "per_second": 0.0}

    return [around(10), around(200)]


def print_table(rows: list[dict[str, float]], n: int, concurrency: int, title: str = "") -> None:
    print(f"\n{title}requests={n} concurrency={concurrency}")
    print(f"{'what':<22}{'ok':>6}{'err':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'msg/s':>9}")
    for r in rows:
        print(
            f"{r['name']:<22}{r['n']:>6.0f}{r['errors']:>5.0f}{r['p50']:>9.1f}"
            f"{r['p95']:>9.1f}{r['p99']:>9.1f}{r['per_second']:>9.1f}"
        )
    by_name = {r["name"]: r for r in rows}
    nlu, full = by_name["NLU /model/parse"], by_name["full turn (REST)"]
    print(f"full turn throughput is {full['per_second'] / nlu['per_second']:.0%} of NLU-only (target >= 50%); "
          f"full-turn p95 is {full['p95'] / nlu['p95']:.1f}x NLU-only p95 (target <= 2x)")
    if "long conv. turn 200" in by_name:
        early, late = by_name["long conv. turn 10"]["p50"], by_name["long conv. turn 200"]["p50"]
        print(f"one long conversation: turn 200 takes {late / early:.2f}x turn 10 (target <= 1.5x)")


def measure_here(args: argparse.Namespace) -> list[dict[str, float]]:
    if args.url:
        return asyncio.run(run_bench(args.url, args.n, args.c, args.token or ""))
    from bench.throwaway import throwaway_assistant

    with throwaway_assistant() as running:  # the plans loaded, as in service
        return asyncio.run(run_bench(running.url, args.n, args.c, running.token))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="requests per measurement")
    parser.add_argument("-c", type=int, default=16, help="concurrent clients")
    parser.add_argument("--url", help="an assistant already running (default: start one)")
    parser.add_argument("--token", help="with --url: its Rasa API token, for /model/parse")
    parser.add_argument("--baseline-tree", type=Path,
                        help="measure this checkout first (e.g. a git worktree of an earlier commit)")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # for --baseline-tree
    args = parser.parse_args()

    if args.json:
        print(json.dumps(measure_here(args)))
        return
    if args.baseline_tree:
        tree = args.baseline_tree.resolve()
        env = {**os.environ, "BENCH_TREE": str(tree)}
        done = subprocess.run([sys.executable, __file__, "-n", str(args.n), "-c", str(args.c), "--json"],
                              cwd=tree, env=env, capture_output=True, text=True, check=True)
        before = json.loads(done.stdout.strip().splitlines()[-1])
        print_table(before, args.n, args.c, f"before ({tree}): ")
    print_table(measure_here(args), args.n, args.c, "after (this checkout): " if args.baseline_tree else "")


if __name__ == "__main__":
    main()
