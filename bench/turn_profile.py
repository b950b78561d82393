"""Where a full turn's time goes: py-spy samples the Rasa server and the action server while
bench/latency.py's full-turn load runs (one citizen per client), then prints, per process,
the share of the main thread's busy samples spent in each part of a turn (docs/performance.md).

Starts the real assistant on free ports (bench/throwaway.py). Needs py-spy (a dev
dependency) and permission to read another process's memory (same user; ptrace allowed).

Usage: python bench/turn_profile.py [-c 16] [-n 300] [--seconds 12] [--keep DIR]
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("LOG_LEVEL", "WARNING")

# The parts of a turn, as frames of Rasa's and our code (the first that a sample holds).
PARTS = [
    ("NLU (DIET and the pipeline)", "parse_message @processor.py"),
    ("policies (TED, rules, memoization)", "_predict_next_with_tracker @processor.py"),
    ("action server round trip", "_run_action @processor.py"),
    ("tracker store load", "retrieve @tracker_store.py"),
    ("tracker store save", "save_tracker @processor.py"),
    ("lock store", "lock @lock_store.py"),
    ("channel (REST, inbound rules)", "receive @rest.py"),
    ("answer engine (action server)", "run @executor.py"),
]


def pid_on(port: int) -> int:
    out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if f":{port} " in line:
            return int(re.search(r"pid=(\d+)", line).group(1))  # type: ignore[union-attr]
    raise RuntimeError(f"nothing listens on {port}")


def breakdown(raw: Path) -> tuple[int, list[tuple[str, float]]]:
    """(main-thread busy samples, [(part, share)]) from py-spy's raw (collapsed) output."""
    total, counts = 0, collections.Counter()
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        frames = stack.split(";")
        if "_run_module_as_main" not in frames[0]:
            continue  # worker threads (TensorFlow's, SQL in threads) are not the event loop
        if "serve (sanic/server/runners.py" in frames[-1]:
            continue  # the event loop waiting: idle
        total += int(n)
        names = [f.split(" (")[0] + " @" + f.rsplit("/", 1)[-1] for f in frames]
        for part, marker in PARTS:
            if any(name.startswith(marker) for name in names):
                counts[part] += int(n)
    return total, [(part, counts[part] / total if total else 0.0) for part, _ in PARTS]


async def load(url: str, n: int, concurrency: int) -> None:
    from bench.latency import measure, rest_turn

    async with aiohttp.ClientSession() as session:
        row = await measure("full turn (REST)", n, concurrency, rest_turn(session, url, "profile"))
    print(f"full turn at concurrency {concurrency}: {row['per_second']:.1f} msg/s, p50 {row['p50']:.0f} ms, "
          f"p95 {row['p95']:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", type=int, default=16)
    parser.add_argument("-n", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=12, help="how long py-spy samples")
    parser.add_argument("--keep", type=Path, help="keep py-spy's raw output here")
    args = parser.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    from bench.throwaway import throwaway_assistant

    out = args.keep or Path(tempfile.mkdtemp(prefix="profile-"))
    out.mkdir(parents=True, exist_ok=True)
    with throwaway_assistant() as running:
        pids = {"Rasa server": pid_on(running.settings.bot_port),
                "action server": pid_on(running.settings.actions_port)}
        asyncio.run(load(running.url, 40, 4))  # warm-up
        spies = [subprocess.Popen([spy, "record", "--pid", str(pid), "--duration", str(args.seconds),
                                   "--rate", "50", "--format", "raw", "--nonblocking",
                                   "--output", str(out / f"{name.split()[0].lower()}.txt")],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for name, pid in pids.items()]
        asyncio.run(load(running.url, args.n, args.c))
        for spy_process in spies:
            spy_process.wait()
    for name in pids:
        total, parts = breakdown(out / f"{name.split()[0].lower()}.txt")
        print(f"\n{name}: {total} busy samples of its main thread (event loop)")
        for part, share in parts:
            if share:
                print(f"  {share:6.1%}  {part}")
    print(f"\nraw samples: {out}")


if __name__ == "__main__":
    main()
