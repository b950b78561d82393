"""Latency and throughput of the running assistant over REST.

Starts the real assistant on free ports (or uses `--url` of one already running), sends
N messages at concurrency C and prints p50/p95/p99 and messages/second for:
  - baseline: `GET /` on the Rasa server (HTTP + event loop only, measured in the same run),
  - NLU parsing alone: `POST /model/parse`,
  - a full turn: `POST /webhooks/rest/webhook` (NLU, policies, actions, tracker store).

Usage: python bench/latency.py [-n 200] [-c 8] [--url http://localhost:5005]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Awaitable, Callable

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

QUESTIONS = [
    "你好",
    "你能做什么",
    "医保宣讲是哪个单位负责的",
    "政务开放日有哪些开放点",
    "我要找人工客服",
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

        async def turn(i: int, worker_id: int) -> None:
            # One simulated citizen per worker: a conversation's turns never overlap, as in
            # real chat, so Rasa's per-conversation lock does not serialise the workers.
            sender = f"bench-{worker_id}-{os.getpid()}"
            text = QUESTIONS[i % len(QUESTIONS)]
            payload = {"sender": sender, "message": text}
            async with session.post(f"{url}/webhooks/rest/webhook", json=payload) as response:
                response.raise_for_status()
                await response.json()

        await turn(0, concurrency)  # warm-up: first turn loads lazily built components
        return [
            await measure("baseline GET /", n, concurrency, baseline),
            await measure("NLU /model/parse", n, concurrency, parse),
            await measure("full turn (REST)", n, concurrency, turn),
        ]


def print_table(rows: list[dict[str, float]], n: int, concurrency: int) -> None:
    print(f"\nrequests={n} concurrency={concurrency}")
    print(f"{'what':<20}{'ok':>6}{'err':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'msg/s':>9}")
    for r in rows:
        print(
            f"{r['name']:<20}{r['n']:>6.0f}{r['errors']:>5.0f}{r['p50']:>9.1f}"
            f"{r['p95']:>9.1f}{r['p99']:>9.1f}{r['per_second']:>9.1f}"
        )
    base = rows[0]["p50"]
    for r in rows[1:]:
        print(f"{r['name']}: p50 is {r['p50'] / base:.1f}x the baseline p50")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="requests per measurement")
    parser.add_argument("-c", type=int, default=8, help="concurrent clients")
    parser.add_argument("--url", help="an assistant already running (default: start one)")
    args = parser.parse_args()

    if args.url:
        print_table(asyncio.run(run_bench(args.url, args.n, args.c)), args.n, args.c)
        return

    from bench.throwaway import throwaway_assistant

    with throwaway_assistant(plans=False) as running:
        print_table(asyncio.run(run_bench(running.url, args.n, args.c, running.token)), args.n, args.c)

if __name__ == "__main__":
    main()
