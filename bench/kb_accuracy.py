"""Intent accuracy and answer accuracy on the held-out development sets in tests/dev.

Loads the trained Rasa model in-process (no server), builds the knowledge base from
kb/sources into a throw-away SQLite file, and for every question of
tests/dev/kb_questions.yml checks the assistant's answer:
  covered question: the answer is given (not refused), contains every `expect` fact and
  cites the expected source; uncovered question: an honest refusal with the hotline.
Beside it, in the same run, a retrieval-only baseline (quote the best passage, refuse
below the passage threshold) is scored by the same rules.

Usage: python bench/kb_accuracy.py [--show-errors] [--sweep]
  --sweep prints answer accuracy over a grid of the two retrieval thresholds in
  kb/answers.py (MIN_RECORD_SCORE, MIN_PASSAGE_SCORE): how they were calibrated.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LOG_LEVEL", "WARNING")  # Rasa logs every parse at DEBUG otherwise

from bot import rasa_project  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from kb import answers  # noqa: E402
from kb.answers import Answer, AnswerEngine, KnowledgeBase, Question  # noqa: E402
from kb.db import UnitOfWork  # noqa: E402
from kb.store import KnowledgeRepository, build, plan_files  # noqa: E402

KB_QUESTIONS = ROOT / "tests" / "dev" / "kb_questions.yml"
NLU_DEV = ROOT / "tests" / "dev" / "nlu_dev.yml"


def expected_ref(source: dict) -> str:
    suffix = f":{source['number']}" if source.get("number") is not None else ""
    return f"{source['doc']}#{source['kind']}{suffix}"


def is_correct(case: dict, answer: Answer) -> bool:
    if not case.get("covered", True):
        return not answer.covered and "12345" in answer.text
    if not answer.covered or not all(str(f) in answer.text for f in case.get("expect", [])):
        return False
    source = case.get("source")
    if not source:
        return True
    if source["kind"] == "text":
        return any(ref.startswith(source["doc"]) for ref in answer.sources)
    return expected_ref(source) in answer.sources


def retrieval_only(engine: AnswerEngine, text: str) -> Answer:
    """The baseline: quote the single best passage, or refuse below the threshold."""
    hits = engine.kb.index.search(text, top_k=1)
    if not hits or hits[0].score < answers.MIN_PASSAGE_SCORE:
        return Answer(text="没有找到。12345", covered=False)
    return Answer(text=hits[0].document.text, covered=True, sources=(hits[0].document.key,))


async def parse_all(texts: list[str]) -> list[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(rasa_project.train_if_needed(load_settings())))
    return [await agent.parse_message(text) for text in texts]


def entities_of(parse: dict) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for entity in parse.get("entities", []):
        grouped.setdefault(entity["entity"], []).append(str(entity["value"]))
    return grouped


def nlu_dev_examples() -> list[tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(NLU_DEV))
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


def score_answers(
    engine: AnswerEngine, cases: list[dict], parses: list[dict], show_errors: bool = False
) -> tuple[dict[str, Counter], Counter, int]:
    """Score the assistant and the baseline on every dev question."""
    scores = {"assistant": Counter(), "retrieval-only baseline": Counter()}
    totals: Counter = Counter()
    intent_hits = 0
    for case, parse in zip(cases, parses):
        group = "covered" if case.get("covered", True) else "not covered"
        totals[group] += 1
        predicted = parse["intent"]["name"]
        intent_hits += predicted == case.get("intent")
        context = expected_ref(case["context"]) if case.get("context") else None
        ours = engine.answer(Question(case["q"], predicted, entities_of(parse), context))
        scores["assistant"][group] += is_correct(case, ours)
        scores["retrieval-only baseline"][group] += is_correct(case, retrieval_only(engine, case["q"]))
        if show_errors and not is_correct(case, ours):
            print(f"\n✗ [{group}] {case['q']}  (intent {predicted}, expected {case.get('intent')})")
            print("   " + ours.text.replace("\n", "\n   "))
    return scores, totals, intent_hits


def sweep(engine: AnswerEngine, cases: list[dict], parses: list[dict]) -> None:
    print("\nthreshold sweep (assistant): MIN_RECORD_SCORE x MIN_PASSAGE_SCORE")
    print(f"{'record':>8}{'passage':>9}{'covered':>9}{'refusals':>10}")
    for record, passage in itertools.product((0.6, 0.7, 0.8, 0.9, 1.0, 1.1), (0.2, 0.26, 0.32, 0.4)):
        answers.MIN_RECORD_SCORE, answers.MIN_PASSAGE_SCORE = record, passage
        scores, totals, _ = score_answers(engine, cases, parses)
        covered = scores["assistant"]["covered"] / max(1, totals["covered"])
        refused = scores["assistant"]["not covered"] / max(1, totals["not covered"])
        print(f"{record:>8.2f}{passage:>9.2f}{covered:>9.1%}{refused:>10.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-errors", action="store_true")
    parser.add_argument("--sweep", action="store_true")
    args = parser.parse_args()

    cases = yaml.safe_load(KB_QUESTIONS.read_text(encoding="utf-8"))["questions"]
    nlu_examples = nlu_dev_examples()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/kb.db"
        build(url, plan_files())
        with UnitOfWork(url).session() as session:
            engine = AnswerEngine(KnowledgeBase(KnowledgeRepository(session).documents()))

    parses = asyncio.run(parse_all([t for t, _ in nlu_examples] + [c["q"] for c in cases]))
    nlu_parses, kb_parses = parses[: len(nlu_examples)], parses[len(nlu_examples):]

    intent_hits = Counter()
    intent_totals = Counter()
    for (text, intent), parse in zip(nlu_examples, nlu_parses):
        intent_totals[intent] += 1
        intent_hits[intent] += parse["intent"]["name"] == intent
        if args.show_errors and parse["intent"]["name"] != intent:
            print(f"✗ NLU {text!r}: {parse['intent']['name']} (expected {intent})")
    print(f"NLU dev set ({NLU_DEV.name}): {len(nlu_examples)} examples")
    print(f"  intent accuracy: {sum(intent_hits.values()) / len(nlu_examples):.1%}")
    for intent in sorted(intent_totals):
        print(f"    {intent:<32}{intent_hits[intent]:>3}/{intent_totals[intent]:<3}")

    scores, totals, kb_intent_hits = score_answers(engine, cases, kb_parses, args.show_errors)
    print(f"\nKB dev set ({KB_QUESTIONS.name}): {len(cases)} questions "
          f"({totals['covered']} covered, {totals['not covered']} not covered)")
    print(f"  intent accuracy on these questions: {kb_intent_hits / len(cases):.1%}")
    print(f"  {'':<26}{'answer accuracy (covered)':>28}{'honest refusals':>18}{'overall':>10}")
    for name, score in scores.items():
        covered = score["covered"] / max(1, totals["covered"])
        refused = score["not covered"] / max(1, totals["not covered"])
        overall = sum(score.values()) / len(cases)
        print(f"  {name:<26}{covered:>28.1%}{refused:>18.1%}{overall:>10.1%}")
    if args.sweep:
        sweep(engine, cases, kb_parses)


if __name__ == "__main__":
    main()
