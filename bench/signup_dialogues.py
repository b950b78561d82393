"""Pass rate of the running assistant on the blind sign-up dialogues (issue 17).

Starts the real assistant (Rasa server + action server, throw-away SQLite database with the
plans of kb/sources and the demo schedule, `daxing schedule demo`) on free ports and plays
every dialogue of tests/dev/signup_dialogues.yml over REST — written blind by a helper that
never saw the code or the training data, never used for training. A dialogue passes when
  - after each turn with `expect_asking`, the form asks for that (read from the tracker's
    active loop and requested slot over the Rasa HTTP API: session, name, phone, identity,
    organisation, consent, confirm, reference, or nothing);
  - each `expect_reply_contains` text is in that turn's reply;
  - at the end, the applications stored for the dialogue's phone numbers are exactly
    `expect_stored` (activity, name, phone, identity, organisation, status) or none.
`{reference}` in a turn is the reference the assistant gave earlier in the same dialogue.
Beside it, in the same run, the old conversation tests of the activities
(tests/conversations/activities.yml, `rasa test core` against the same action server).

tests/dev/signup_debug*_dialogues.yml (--set debug, debug2 … debug6) are further blind sets, for diagnosis: their
failures may be read (--show-errors) to find kinds of faults. The first set stays the
measure: do not print its failures.

Usage: python bench/signup_dialogues.py [--set debug [--show-errors]] [--only NAME]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from core.privacy import mask_phone  # noqa: E402
os.environ.setdefault("LOG_LEVEL", "WARNING")

SETS = {"blind": ROOT / "tests" / "dev" / "signup_dialogues.yml",
        "debug": ROOT / "tests" / "dev" / "signup_debug_dialogues.yml",
        "debug2": ROOT / "tests" / "dev" / "signup_debug2_dialogues.yml",
        "debug3": ROOT / "tests" / "dev" / "signup_debug3_dialogues.yml",
        "debug4": ROOT / "tests" / "dev" / "signup_debug4_dialogues.yml",
        "debug5": ROOT / "tests" / "dev" / "signup_debug5_dialogues.yml",
        "debug6": ROOT / "tests" / "dev" / "signup_debug6_dialogues.yml"}
OLD_TESTS = ROOT / "tests" / "conversations" / "activities.yml"
# The reference a successful sign-up reports ("报名编号：DX-7K3Q9M"), not the example in a prompt.
REFERENCE = re.compile(r"报名编号：(DX-[A-Z0-9]{6})")
PHONE = re.compile(r"1[3-9]\d(?:[\s-]?\d){8}")
CONCURRENCY = 4
# The form's requested slot → the word the dialogues use for it.
ASKING = {
    "activity_session": "session", "applicant_name": "name", "applicant_phone": "phone",
    "applicant_identity": "identity", "applicant_organisation": "organisation",
    "data_consent": "consent", "signup_confirmed": "confirm", "application_phone": "phone",
    "application_reference": "reference",
}
NO_ORGANISATION = "无"


def asking_now(tracker: dict) -> str:
    loop = (tracker.get("active_loop") or {}).get("name")
    requested = tracker.get("slots", {}).get("requested_slot")
    if not loop or not requested:
        return "nothing"
    return ASKING.get(requested, requested)


async def play(url: str, token: str, dialogue: dict, index: int) -> tuple[list[str], list[str]]:
    """(problems, the replies) of one dialogue played in its own conversation."""
    sender = f"signup-dev-{index}"
    problems: list[str] = []
    replies: list[str] = []
    reference = ""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        for number, turn in enumerate(dialogue["turns"], start=1):
            text = str(turn["user"]).replace("{reference}", reference)
            async with session.post(f"{url}/webhooks/rest/webhook",
                                    json={"sender": sender, "message": text}) as response:
                response.raise_for_status()
                reply = "\n".join(m.get("text", "") for m in await response.json())
            replies.append(f"{text} → {reply}")
            if found := REFERENCE.search(reply):
                reference = found.group(1)
            if "expect_asking" in turn:
                async with session.get(f"{url}/conversations/{sender}/tracker",
                                       params={"token": token}) as response:
                    asking = asking_now(await response.json())
                if asking != turn["expect_asking"]:
                    problems.append(f"turn {number} ({text}): asks {asking}, expected {turn['expect_asking']}")
            for wanted in turn.get("expect_reply_contains") or []:
                wanted = str(wanted).replace("{reference}", reference)
                # Replies show phone numbers masked (138****5678), as privacy requires.
                shown = mask_phone(wanted) if PHONE.fullmatch(wanted) else wanted
                if shown not in reply:
                    problems.append(f"turn {number} ({text}): reply lacks {wanted}")
    return problems, replies


def stored_for(database_url: str, phones: set[str]) -> list[dict]:
    import sqlalchemy as sa

    from activities.models import ActivitySessionRow, ApplicationRow
    from core.db import UnitOfWork

    with UnitOfWork(database_url).session() as session:
        rows = session.execute(
            sa.select(ApplicationRow, ActivitySessionRow)
            .join(ActivitySessionRow, ApplicationRow.session_id == ActivitySessionRow.id)
            .where(ApplicationRow.phone.in_(phones))
        ).all()
        return [{
            "activity": ("开放点" if s.kind == "site" else "政策公开讲") + str(s.record_number),
            "name": a.name, "phone": a.phone, "identity": a.identity,
            "organisation": a.organisation or NO_ORGANISATION, "status": a.status,
        } for a, s in rows]


def check_stored(expected, stored: list[dict]) -> list[str]:
    if expected in (None, "none"):
        return [f"stored, expected none: {row}" for row in stored]
    if len(stored) != 1:
        return [f"stored {len(stored)} applications, expected one: {stored}"]
    row = stored[0]
    return [f"{key}: stored {row.get(key)!r}, expected {str(value)!r}"
            for key, value in expected.items() if str(row.get(key)) != str(value)]


def old_conversation_tests(settings, model: Path, out: Path) -> tuple[int, int]:
    """(stories passed, stories) of tests/conversations/activities.yml, against the same
    action server."""
    from bot.rasa_project import rasa_command
    from bot.settings import subprocess_environment

    command = rasa_command("test", "core", "--model", str(model), "--stories", str(OLD_TESTS),
                           "--endpoints", str(ROOT / "endpoints.yml"), "--out", str(out))
    subprocess.run(command, cwd=ROOT, env=subprocess_environment(settings), capture_output=True)
    total = len(yaml.safe_load(OLD_TESTS.read_text(encoding="utf-8"))["stories"])
    failed_file = out / "failed_test_stories.yml"
    failed = (yaml.safe_load(failed_file.read_text(encoding="utf-8")) or {}).get("stories") or [] \
        if failed_file.exists() else []
    return total - len(failed), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), default="blind")
    parser.add_argument("--show-errors", action="store_true", help="with --set debug only")
    parser.add_argument("--only", help="one dialogue by name")
    args = parser.parse_args()
    if args.show_errors and not args.set.startswith("debug"):
        parser.error("the blind set's failures are not printed: use --set debug to diagnose")
    dialogues_file = SETS[args.set]
    dialogues = yaml.safe_load(dialogues_file.read_text(encoding="utf-8"))["dialogues"]
    if args.only:
        dialogues = [d for d in dialogues if d["name"] == args.only]

    from bench.throwaway import throwaway_assistant

    with throwaway_assistant(demo_schedule=True) as running:
        semaphore = asyncio.Semaphore(CONCURRENCY)

        async def one(index: int, dialogue: dict):
            async with semaphore:
                return await play(running.url, running.token, dialogue, index)

        async def every():
            return await asyncio.gather(*(one(i, d) for i, d in enumerate(dialogues)))

        results = asyncio.run(every())
        settings = running.settings
        old_passed, old_total = old_conversation_tests(settings, running.model, running.var_dir / "old")
        outcomes = []
        for dialogue, (problems, replies) in zip(dialogues, results):
            phones = {re.sub(r"[\s-]", "", m) for t in dialogue["turns"] for m in PHONE.findall(str(t["user"]))}
            problems = problems + check_stored(dialogue.get("expect_stored"), stored_for(settings.database_url, phones))
            outcomes.append((dialogue, problems, replies))

    kinds: Counter = Counter()
    passes: Counter = Counter()
    for dialogue, problems, replies in outcomes:
        kind = dialogue["name"].split("_")[0]
        kinds[kind] += 1
        passes[kind] += not problems
        if problems and args.show_errors:
            print(f"\n✗ {dialogue['name']}")
            for line in problems:
                print(f"    {line}")
            for line in replies:
                print(f"      · {line[:300]}")
    passed = sum(passes.values())
    print(f"\n{args.set} sign-up dialogues ({dialogues_file.name}): {passed}/{len(outcomes)} passed "
          f"({passed / max(len(outcomes), 1):.1%})")
    for kind in sorted(kinds):
        print(f"    {kind:<16}{passes[kind]:>3}/{kinds[kind]}")
    print(f"baseline, same run — old conversation tests ({OLD_TESTS.name}): "
          f"{old_passed}/{old_total} stories passed")


if __name__ == "__main__":
    main()
