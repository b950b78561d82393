"""Answer accuracy and honest-refusal rate of the running assistant on the development sets.

Starts the real assistant (Rasa server + action server, throw-away SQLite database with the
plans of kb/sources) on free ports and asks, over REST, every question of:
  - tests/dev/citizen_questions.yml — written blind (by a helper that never saw the code or
    the training data) in citizens' voice: single questions and multi-turn dialogues;
  - tests/dev/kb_questions.yml — the older development set written by the team;
  - tests/dev/debug*_questions.yml (--only debug) — further sets written blind by other
    helpers, for diagnosis: its failures may be read (--show-errors) to find kinds of
    faults. The citizen set stays the measure: its failures are never printed.
Each single question is asked in a fresh conversation; a dialogue's turns in one. Scored on
the reply text a citizen sees:
  covered: no apology, every `expect` fact present, and the citation of `source`
           (document number plus 开放点N / 第N讲 / 第N项 / rules part), or any citation;
  not covered: an honest refusal — the hotline number and a refusal phrase.
Beside it, in the same run, a retrieval-only baseline (quote the best passage with its
source, refuse below the passage threshold) is scored by the same rules, and NLU intent
accuracy on tests/dev/nlu_dev.yml is read from the server's /model/parse.

Usage: python bench/kb_accuracy.py [--show-errors] [--only citizen|team|debug [--debug-set debugN]]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LOG_LEVEL", "WARNING")

CITIZEN = ROOT / "tests" / "dev" / "citizen_questions.yml"
TEAM = ROOT / "tests" / "dev" / "kb_questions.yml"
DEBUG = ROOT / "tests" / "dev" / "debug_questions.yml"
BLIND = ("citizen questions (blind)", "citizen dialogues (blind)")
NLU_DEV = ROOT / "tests" / "dev" / "nlu_dev.yml"
REFUSAL_MARKERS = ("抱歉", "没有写到", "没有找到", "不能替您", "接诉即办", "没能理解", "没有理解", "转人工",
                   "转接人工")
PASSAGE_THRESHOLD = 0.32  # the baseline quotes a passage at least this similar
CONCURRENCY = 4

Case = dict
Dialogue = list[Case]


def _squash(text: str) -> str:
    return "".join(text.split())


def citation(source: dict) -> str:
    """The part of a reply's 来源 line that names `source`."""
    doc, kind, number = source["doc"], source.get("kind"), source.get("number")
    where = {"site": f"“政务开放日”开放点{number}", "theme": f"开放点{number}" if number else "",
             "lecture": f"“政策公开讲”第{number}讲", "item": f"第{number}项",
             "rules": "“政民互动形式”"}.get(kind, "")
    return f"（{doc}）{where}"


def is_refusal(text: str, hotline: str) -> bool:
    return hotline in text and any(marker in text for marker in REFUSAL_MARKERS)


def is_correct(case: Case, text: str, hotline: str) -> bool:
    if not case.get("covered", True):
        return is_refusal(text, hotline)
    squashed = _squash(text)
    if "抱歉" in text or not all(_squash(str(f)) in squashed for f in case.get("expect", [])):
        return False
    source = case.get("source")
    if not source or "doc" not in source:  # several records, of no one document: cited at all
        return "来源：" in text
    if source.get("kind") == "site" and source.get("number") is not None:
        # The plan gives 开放点1、2、3、4 as one entry and the reply cites it so.
        joint = re.compile(rf"（{re.escape(source['doc'])}）“政务开放日”开放点(?:\d+、)*"
                           rf"{source['number']}(?![\d])")
        if joint.search(text):
            return True
    if source.get("kind") == "rules" and re.search(
            rf"（{re.escape(source['doc'])}）“[^”]*(工作要求|政民互动形式)", text):
        return True  # the rules are the plan's 政民互动形式 and 工作要求 sections
    # "开放点1" must not be found inside "开放点12".
    cited = re.search(re.escape(citation(source)) + r"(?![\d])", text)
    return bool(cited) or (source.get("kind") == "theme" and "来源：" in text)


def load_sets(only: str | None, debug_set: str | None = None) -> dict[str, list[Dialogue]]:
    """Name → dialogues (a single question is a dialogue of one turn)."""
    sets: dict[str, list[Dialogue]] = {}
    if only in (None, "citizen"):
        data = yaml.safe_load(CITIZEN.read_text(encoding="utf-8"))
        sets["citizen questions (blind)"] = [[q] for q in data["questions"]]
        sets["citizen dialogues (blind)"] = [d["turns"] for d in data["dialogues"]]
    if only in (None, "team"):
        data = yaml.safe_load(TEAM.read_text(encoding="utf-8"))
        sets["team set (older)"] = [[q] for q in data["questions"]]
    if only == "debug":
        for path in sorted(DEBUG.parent.glob(f"{debug_set or 'debug*'}_questions.yml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            name = path.stem.removesuffix("_questions")
            sets[f"{name} questions"] = [[q] for q in data["questions"]]
            sets[f"{name} dialogues"] = [d["turns"] for d in data["dialogues"]]
    return sets


async def ask_assistant(url: str, sets: dict[str, list[Dialogue]], token: str) -> dict[str, list[list[str]]]:
    """Every turn's reply text, dialogue by dialogue, from the running assistant.

    `token`: the Rasa API token, for setting the older set's context through the API."""
    semaphore = asyncio.Semaphore(CONCURRENCY)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:

        async def dialogue(name: str, index: int, turns: Dialogue) -> list[str]:
            sender = f"dev-{abs(hash(name)) % 10000}-{index}"
            replies = []
            async with semaphore:
                context = turns[0].get("context")
                if context:  # the older set gives "what was just discussed" as a record
                    ref = f"{context['doc']}#{context['kind']}" + (
                        f":{context['number']}" if context.get("number") is not None else "")
                    event = {"event": "slot", "name": "kb_context",
                             "value": {"recent": [ref], "listed": [], "facet": None}}
                    async with session.post(f"{url}/conversations/{sender}/tracker/events",
                                            json=event, params={"token": token}) as response:
                        response.raise_for_status()
                for turn in turns:
                    payload = {"sender": sender, "message": turn["q"]}
                    async with session.post(f"{url}/webhooks/rest/webhook", json=payload) as r:
                        r.raise_for_status()
                        replies.append("\n".join(m.get("text", "") for m in await r.json()))
            return replies

        return {
            name: await asyncio.gather(*(dialogue(name, i, d) for i, d in enumerate(dialogues)))
            for name, dialogues in sets.items()
        }


async def nlu_accuracy(url: str, token: str) -> tuple[int, int, Counter, Counter]:
    from rasa.shared.nlu.training_data.loading import load_data

    examples = [(m.get("text"), m.get("intent")) for m in load_data(str(NLU_DEV)).intent_examples]
    hits, totals = Counter(), Counter()
    async with aiohttp.ClientSession() as session:
        for text, intent in examples:
            async with session.post(f"{url}/model/parse", json={"text": text},
                                    params={"token": token}) as response:
                predicted = (await response.json())["intent"]["name"]
            totals[intent] += 1
            hits[intent] += predicted == intent
    return sum(hits.values()), len(examples), hits, totals


def baseline_answerer(database_url: str) -> Callable[[str], str]:
    """The retrieval-only baseline: the best passage with its source, or a refusal."""
    from core.db import UnitOfWork
    from kb.answers import AnswerEngine, KnowledgeBase
    from kb.store import KnowledgeRepository

    with UnitOfWork(database_url).session() as session:
        engine = AnswerEngine(KnowledgeBase(KnowledgeRepository(session).documents()))

    def answer(text: str) -> str:
        hits = engine.kb.index.search(text, top_k=1)
        if not hits or hits[0].score < PASSAGE_THRESHOLD:
            return "抱歉，没有找到。12345"
        record = engine.kb.record_of_key(hits[0].document.key)
        source = engine.renderer._source(record) if record else ""
        return f"{hits[0].document.text}\n{source}"

    return answer


def kinds_of_turn(turn: Case) -> list[str]:
    """What a turn is, for the breakdown: its record kind or refusal category, and styles."""
    if turn.get("covered", True):
        source = turn.get("source") or {}
        kinds = [f"covered:{source.get('kind', 'several')}"]
    else:
        kinds = [f"refusal:{turn.get('category', '?')}"]
    styles = turn.get("style") or []
    styles = [styles] if isinstance(styles, str) else styles
    return kinds + [f"style:{style}" for style in styles]


def score(sets, replies, hotline: str, show_errors: bool) -> dict[str, dict[str, Counter]]:
    results: dict[str, dict[str, Counter]] = {}
    for name, dialogues in sets.items():
        hits, totals = Counter(), Counter()
        for dialogue, texts in zip(dialogues, replies[name]):
            for turn, text in zip(dialogue, texts):
                group = "covered" if turn.get("covered", True) else "not covered"
                totals[group] += 1
                ok = is_correct(turn, text, hotline)
                hits[group] += ok
                for kind in kinds_of_turn(turn):
                    totals[kind] += 1
                    hits[kind] += ok
                if show_errors and not ok and name not in BLIND:
                    print(f"\n✗ [{name} / {group}] {turn['q']}  expect {turn.get('expect')} "
                          f"{turn.get('source') or turn.get('category', '')}")
                    print("   " + text.replace("\n", "\n   "))
        results[name] = {"hits": hits, "totals": totals}
    return results


def print_breakdown(results: dict[str, dict[str, Counter]]) -> None:
    """Accuracy by record kind, refusal category and style (aggregates only)."""
    for name, r in results.items():
        hits, totals = r["hits"], r["totals"]
        keys = sorted(k for k in totals if ":" in k)
        print(f"\n  {name}: " + "  ".join(f"{k} {hits[k]}/{totals[k]}" for k in keys))


def print_table(title: str, results: dict[str, dict[str, Counter]]) -> None:
    print(f"\n{title}")
    print(f"  {'development set':<28}{'turns':>6}{'answer accuracy (covered)':>28}"
          f"{'honest refusals':>18}{'overall':>9}")
    for name, r in results.items():
        hits, totals = r["hits"], r["totals"]
        covered = hits["covered"] / max(1, totals["covered"])
        refused = hits["not covered"] / max(1, totals["not covered"])
        n = totals["covered"] + totals["not covered"]
        overall = (hits["covered"] + hits["not covered"]) / max(1, n)
        covered_text = f"{covered:.1%} of {totals['covered']}"
        refused_text = f"{refused:.1%} of {totals['not covered']}"
        print(f"  {name:<28}{n:>6}{covered_text:>28}{refused_text:>18}"
              f"{overall:>9.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-errors", action="store_true")
    parser.add_argument("--only", choices=("citizen", "team", "debug"))
    parser.add_argument("--debug-set", help="with --only debug: one set, e.g. debug11")
    args = parser.parse_args()
    sets = load_sets(args.only, args.debug_set)

    from bench.throwaway import throwaway_assistant

    with throwaway_assistant() as running:
        settings = running.settings
        replies = asyncio.run(ask_assistant(running.url, sets, running.token))
        nlu_hits, nlu_total, intent_hits, intent_totals = asyncio.run(nlu_accuracy(running.url, running.token))
        baseline = baseline_answerer(settings.database_url)
        baseline_replies = {name: [[baseline(t["q"]) for t in d] for d in dialogues]
                            for name, dialogues in sets.items()}

    hotline = settings.hotline_number
    print(f"NLU dev set ({NLU_DEV.name}): intent accuracy {nlu_hits / nlu_total:.1%} "
          f"of {nlu_total}")
    for intent in sorted(intent_totals):
        print(f"    {intent:<32}{intent_hits[intent]:>3}/{intent_totals[intent]:<3}")
    ours = score(sets, replies, hotline, args.show_errors)
    print_table("assistant (full REST turn)", ours)
    print_breakdown(ours)
    print_table("retrieval-only baseline", score(sets, baseline_replies, hotline, False))


if __name__ == "__main__":
    main()
