"""Time the answer engine's work in one turn of the action server, beside a baseline measured
in the same run: the same engine keeping no readings (`AnswerEngine(readings_kept=0)`), so
each call reads the question again.

The three ways an action asks the engine about one message (actions/policy.py, basics.py):
  policy   — the NLU labelled it a plan question: `answer`
  relabel  — labelled something else, answered if the plans clearly do: `answers_clearly`, `answer`
  fallback — nothing matched: `recognises`, then `answer`

Messages: the questions of tests/dev/kb_questions.yml (the team's older set), each made new
per repetition so no reading is reused across messages.

Usage: python bench/engine_turn.py [-n 3]
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PATHS: dict[str, Callable] = {
    "policy": lambda engine, q: engine.answer(q),
    "relabel": lambda engine, q: (engine.answers_clearly(q), engine.answer(q)),
    "fallback": lambda engine, q: (engine.recognises(q), engine.answer(q)),
}


def per_turn_ms(engine, path: Callable, texts: list[str], repetitions: int) -> float:
    from kb.question import Question

    start = time.perf_counter()
    for repetition in range(repetitions):
        for text in texts:
            path(engine, Question(f"{text}{'？' * (repetition + 1)}"))
    return (time.perf_counter() - start) / (len(texts) * repetitions) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=3, help="repetitions of the whole set")
    args = parser.parse_args()
    from bot.services import services
    from kb.answers import AnswerEngine

    current = services().answer_engine()
    engines = {
        "no readings kept (baseline)": AnswerEngine(current.kb, hotline=current.hotline, readings_kept=0),
        "readings kept (64)": AnswerEngine(current.kb, hotline=current.hotline),
    }
    data = yaml.safe_load((ROOT / "tests" / "dev" / "kb_questions.yml").read_text(encoding="utf-8"))
    texts = [q["q"] for q in (data["questions"] if isinstance(data, dict) else data)]
    for engine in engines.values():
        per_turn_ms(engine, PATHS["policy"], texts[:10], 1)  # warm up
    print(f"answer engine, ms per turn over {len(texts)} messages x {args.n}")
    print(f"  {'path':10} " + "".join(f"{name:>30}" for name in engines))
    for name, path in PATHS.items():
        figures = [per_turn_ms(engine, path, texts, args.n) for engine in engines.values()]
        print(f"  {name:10} " + "".join(f"{f:>28.1f}ms" for f in figures))


if __name__ == "__main__":
    main()
