"""The production profile end to end: PostgreSQL, Redis, 2 Rasa servers, 2 action servers,
the hand-off worker and nginx (ops/profile/), all real processes, and what happens
when parts of it fail.

One profile for the whole module (starting it costs about a minute on two cores); the
fault tests run after the healthy ones and leave the profile healthy again. The last test
stops it and checks that nothing is left behind. The hotline-webhook-down fault is covered
by tests/integration/test_handoff.py.
"""
from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.lock_store import AtomicRedisLockStore, UrlLockStore, redis_options
from ops.profile import ProductionProfile
from tests.system.profile_support import running_profile
from ops.redis import RedisServer
from ops.supervisor import authenticated

# A reply, or a clean HTTP error, must come within this; longer counts as a hang.
FAULT_REPLY_TIMEOUT = 30
POLICY_QUESTION = "医保宣讲是哪个单位负责的"


@dataclass
class Reply:
    status: int
    messages: list[dict]
    upstream: str
    seconds: float
    error: str = ""
    texts: str = field(init=False)

    def __post_init__(self) -> None:
        self.texts = "\n".join(m.get("text") or "" for m in self.messages)


def say(base_url: str, sender: str, text: str, timeout: float = 60) -> Reply:
    """POST one message to the REST channel; HTTP errors are returned, not raised."""
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(
        f"{base_url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
    )
    began = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            messages = json.loads(response.read() or b"[]")
            return Reply(response.status, messages, response.headers.get("X-Daxing-Upstream", ""),
                         time.monotonic() - began)
    except urllib.error.HTTPError as error:
        return Reply(error.code, [], error.headers.get("X-Daxing-Upstream", ""),
                     time.monotonic() - began, error.read().decode(errors="replace"))


def tracker(profile: ProductionProfile, sender: str) -> dict:
    url = authenticated(f"{profile.api_url}/conversations/{sender}/tracker", profile.api_token)
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


def user_texts(profile: ProductionProfile, sender: str) -> list[str]:
    return [e["text"] for e in tracker(profile, sender)["events"] if e["event"] == "user"]


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProductionProfile]:
    with running_profile(tmp_path_factory, "profile-logs", action_servers=2) as running:
        yield running


# --------------------------------------------------------------------------- healthy


def test_policy_question_is_answered_through_nginx_and_stored_in_postgres(
    profile: ProductionProfile,
) -> None:
    reply = say(profile.url, "prod-policy", POLICY_QUESTION)

    assert reply.status == 200
    assert "医保局" in reply.texts
    assert reply.upstream in {u.removeprefix("http://") for u in profile.rasa_urls}
    engine = sa.create_engine(profile.database_url, future=True)
    try:
        with engine.connect() as connection:
            stored = connection.execute(
                sa.text("select data from events where sender_id = :s and type_name = 'user'"),
                {"s": "prod-policy"},
            ).scalars().all()
    finally:
        engine.dispose()
    assert [json.loads(row)["text"] for row in stored] == [POLICY_QUESTION]


def test_a_corrected_sign_up_is_stored_in_postgres_as_last_confirmed(
    profile: ProductionProfile, catalogue,  # type: ignore[no-untyped-def]
) -> None:
    """Issue 17 on PostgreSQL: a phone corrected at the summary; the stored application
    equals the corrected summary the citizen confirmed."""
    from activities.schedule import parse_rows, store
    from activities.workdays import add_working_days
    from core.clock import beijing_now

    today = beijing_now().date()
    store(profile.database_url, parse_rows(
        [{"code": "PROD9", "activity": "开放点9", "starts_at": f"{add_working_days(today, 10):%Y-%m-%d} 09:30",
          "venue": "区劳动人事争议仲裁院", "announced_on": today.isoformat()}], catalogue, today))
    me = "prod-signup-correction"
    for typed in ("报名开放点9", "周敏", "13800007777", "其他", "无"):
        assert say(profile.url, me, typed).status == 200
    assert "138****7777" in say(profile.url, me, "同意").texts
    again = say(profile.url, me, "手机号填错了 应该是13800007778").texts
    assert "138****7778" in again and "请核对报名信息" in again
    assert "报名成功" in say(profile.url, me, "确认提交").texts
    engine = sa.create_engine(profile.database_url, future=True)
    try:
        with engine.connect() as connection:
            stored = connection.execute(sa.text(
                "select name, phone, identity, organisation from act_applications where sender_id = :s"),
                {"s": me}).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in stored] == [("周敏", "13800007778", "其他", None)]


def test_the_conversation_lock_is_held_in_redis(profile: ProductionProfile) -> None:
    import redis

    client = redis.Redis(port=profile.redis.port, db=1)  # type: ignore[union-attr]
    before = client.info("commandstats").get("cmdstat_watch", {}).get("calls", 0)
    assert say(profile.url, "prod-redis", "你好").status == 200
    after = client.info("commandstats").get("cmdstat_watch", {}).get("calls", 0)
    assert after > before  # AtomicRedisLockStore's transactions
    assert client.keys("daxing:lock:*") == []  # released after the reply


def test_concurrent_messages_of_one_conversation_are_answered_one_after_another(
    profile: ProductionProfile,
) -> None:
    sender = "prod-burst"
    questions = [
        POLICY_QUESTION,
        "政务开放日有哪些开放点",
        "政策公开讲有几讲",
        "就业政策宣讲是哪个单位负责的",
        "你好",
        "谢谢",
    ]
    began = time.monotonic()
    with ThreadPoolExecutor(len(questions)) as pool:
        replies = list(pool.map(lambda q: say(profile.url, sender, q), questions))
    elapsed = time.monotonic() - began
    print(f"\n{len(questions)} concurrent messages of one conversation answered in {elapsed:.1f}s")

    assert all(r.status == 200 and r.messages for r in replies), [(r.status, r.error) for r in replies]
    assert len({r.upstream for r in replies}) == 2, "nginx should have used both Rasa servers"
    # In the tracker, every user message is followed by exactly its own replies.
    own_replies = {q: [m.get("text") for m in r.messages] for q, r in zip(questions, replies)}
    segments: list[tuple[str, list]] = []
    for event in tracker(profile, sender)["events"]:
        if event["event"] == "user":
            segments.append((event["text"], []))
        elif event["event"] == "bot" and segments:
            segments[-1][1].append(event.get("text"))
    assert sorted(text for text, _ in segments) == sorted(questions)
    for text, bot_texts in segments:
        assert bot_texts == own_replies[text], f"replies interleaved after {text!r}"


def test_a_long_conversation_keeps_getting_answers_from_the_action_servers(
    profile: ProductionProfile,
) -> None:
    """Every action call carries the whole tracker: past 64 KB from about the 10th turn."""
    for turn in range(14):
        reply = say(profile.url, "prod-long", POLICY_QUESTION)
        assert "医保局" in reply.texts, f"turn {turn + 1}: {reply.texts!r}"


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_api_needs_the_token_and_the_public_server_has_none_of_it(profile: ProductionProfile) -> None:
    sender = "prod-policy"
    assert _status(f"{profile.url}/conversations/{sender}/tracker") == 404  # not routed publicly
    assert _status(f"{profile.url}/status?token={profile.api_token}") == 404
    assert _status(f"{profile.api_url}/conversations/{sender}/tracker") == 401
    assert _status(f"{profile.api_url}/status?token=wrong-token-0123456789") == 401
    assert _status(authenticated(f"{profile.api_url}/status", profile.api_token)) == 200
    for url in profile.rasa_urls:  # each server directly, too
        assert _status(f"{url}/status") == 401
    # The token is never written to a log (nginx's access log included).
    assert profile.log_dir is not None
    logs = "".join(p.read_text(errors="replace") for p in Path(profile.log_dir).glob("*.log"))
    assert "token=***" in logs and profile.api_token not in logs


# --------------------------------------------------------------------------- faults


def test_many_citizens_at_once_lose_nothing(profile: ProductionProfile) -> None:
    """bench/load.py's simulated citizens (questions, sign-ups, complaints) for 15 s through
    nginx: every turn answered, every completed sign-up stored. Figures: `make bench`."""
    import importlib.util


    from activities.catalogue import Catalogue
    from activities.models import ApplicationRow
    from activities.schedule import import_demo
    from kb.answers import CachedEngine
    from core.db import engine_for

    spec = importlib.util.spec_from_file_location("load_bench", Path(__file__).parent.parent.parent / "bench" / "load.py")
    load_bench = importlib.util.module_from_spec(spec)
    sys.modules["load_bench"] = load_bench  # dataclasses look their module up there
    spec.loader.exec_module(load_bench)
    import_demo(profile.database_url, Catalogue(CachedEngine(profile.database_url).get()))
    figures = asyncio.run(load_bench.load(profile.url, seconds=15, citizens=8))
    assert figures.errors == 0 and len(figures.latencies) > 0
    with engine_for(profile.database_url).connect() as connection:
        stored = connection.execute(sa.select(sa.func.count()).select_from(ApplicationRow.__table__)).scalar()
    assert stored >= figures.completed_sign_ups


def test_a_killed_action_server_costs_no_answer(profile: ProductionProfile) -> None:
    sender = "prod-actions"
    sent = [POLICY_QUESTION]
    assert "医保局" in say(profile.url, sender, POLICY_QUESTION).texts

    profile.kill_action_server(0)
    for _ in range(4):  # nginx sends the calls to action server 0 on to action server 1
        sent.append(POLICY_QUESTION)
        reply = say(profile.url, sender, POLICY_QUESTION, timeout=FAULT_REPLY_TIMEOUT)
        assert reply.status == 200 and "医保局" in reply.texts, reply

    profile.restart_action_server(0)
    for _ in range(2):
        sent.append("就业政策宣讲是哪个单位负责的")
        assert say(profile.url, sender, sent[-1]).texts
    assert user_texts(profile, sender) == sent
    assert profile.crashed_components() == []


def test_a_message_sent_while_postgresql_restarts_is_answered_and_kept(
    profile: ProductionProfile,
) -> None:
    """A restart shorter than TRACKER_STORE_RETRY_SECONDS (5 s) delays a message, no more."""
    sender = "prod-pg-restart"
    before, during, after = "政策公开讲有几讲", POLICY_QUESTION, "就业政策宣讲是哪个单位负责的"
    assert say(profile.url, sender, before).texts

    with ThreadPoolExecutor(1) as pool:
        profile.stop_postgres()
        pending = pool.submit(say, profile.url, sender, during, FAULT_REPLY_TIMEOUT)
        time.sleep(1.5)
        profile.start_postgres()
        reply = pending.result()
    print(f"\nmessage sent while PostgreSQL restarted: HTTP {reply.status} in {reply.seconds:.1f}s: "
          f"{reply.texts[:60]!r}")

    assert reply.status == 200 and "医保局" in reply.texts
    assert say(profile.url, sender, after).texts
    assert user_texts(profile, sender) == [before, during, after]
    assert profile.crashed_components() == []


def test_a_postgresql_outage_gets_a_timely_reply_and_history_survives_it(
    profile: ProductionProfile,
) -> None:
    sender = "prod-pg-outage"
    assert "医保局" in say(profile.url, sender, POLICY_QUESTION).texts

    profile.stop_postgres()
    try:
        during = say(profile.url, sender, "政策公开讲有几讲", timeout=FAULT_REPLY_TIMEOUT)
    finally:
        profile.start_postgres()
    first = say(profile.url, sender, "就业政策宣讲是哪个单位负责的", timeout=FAULT_REPLY_TIMEOUT)
    print(
        f"\nPostgreSQL down: HTTP {during.status} in {during.seconds:.1f}s: {during.texts[:60]!r}; "
        f"first after restart: HTTP {first.status} in {first.seconds:.1f}s: {first.texts[:40]!r}"
    )

    assert during.status == 200 or during.status >= 500  # a reply or a clean error, no hang
    assert first.status == 200 and first.texts
    history = user_texts(profile, sender)
    assert history[0] == POLICY_QUESTION  # from before the outage
    assert history[-1] == "就业政策宣讲是哪个单位负责的"
    assert profile.crashed_components() == []


def test_the_assistant_survives_redis_going_away(profile: ProductionProfile) -> None:
    sender = "prod-redis-down"
    assert "医保局" in say(profile.url, sender, POLICY_QUESTION).texts

    profile.stop_redis()
    try:
        during = say(profile.url, sender, "政策公开讲有几讲", timeout=FAULT_REPLY_TIMEOUT)
    finally:
        profile.start_redis()
    after = say(profile.url, sender, POLICY_QUESTION, timeout=FAULT_REPLY_TIMEOUT)
    print(
        f"\nRedis down: HTTP {during.status} in {during.seconds:.1f}s: {during.texts[:60]!r}; "
        f"after restart HTTP {after.status} in {after.seconds:.1f}s"
    )

    assert during.status == 200 or during.status >= 500
    assert after.status == 200 and "医保局" in after.texts
    assert user_texts(profile, sender)[-1] == POLICY_QUESTION
    assert profile.crashed_components() == []


def test_a_killed_rasa_server_is_skipped_by_nginx(profile: ProductionProfile) -> None:
    sender = "prod-rasa-down"
    profile.kill_rasa_server(1)
    try:
        replies = [say(profile.url, sender, POLICY_QUESTION, timeout=FAULT_REPLY_TIMEOUT) for _ in range(3)]
        assert all(r.status == 200 and "医保局" in r.texts for r in replies), replies
        assert {r.upstream.split(", ")[-1] for r in replies} == {profile.rasa_urls[0].removeprefix("http://")}
    finally:
        began = time.monotonic()
        profile.restart_rasa_server(1)
        print(f"\nRasa server restarted in {time.monotonic() - began:.1f}s")
    assert user_texts(profile, sender) == [POLICY_QUESTION] * 3


# --------------------------------------------------------------------------- lock store


def _hammer_lock(url: str, rounds: int, results: "multiprocessing.Queue[tuple[int, int]]") -> None:
    store = AtomicRedisLockStore(**redis_options(url))
    overlaps = errors = 0

    async def run() -> None:
        nonlocal overlaps, errors
        for _ in range(rounds):
            try:
                async with store.lock("contended", wait_time_in_seconds=0.005):
                    if store.red.incr("inside") != 1:
                        overlaps += 1
                    await asyncio.sleep(0.001)
                    store.red.decr("inside")
            except Exception:
                errors += 1

    asyncio.run(run())
    results.put((overlaps, errors))


def test_the_redis_lock_store_serialises_a_conversation_across_processes(tmp_path: Path) -> None:
    """Rasa's own RedisLockStore loses tickets here and stalls until they expire (60 s)."""
    context = multiprocessing.get_context("spawn")
    redis_server = RedisServer(tmp_path).start()
    workers: list = []
    try:
        results: multiprocessing.Queue = context.Queue()
        workers = [
            context.Process(
                target=_hammer_lock, args=(redis_server.url(), 20, results)
            )
            for _ in range(4)
        ]
        began = time.monotonic()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        outcomes = [results.get(timeout=5) for _ in workers]
        assert outcomes == [(0, 0)] * 4
        assert time.monotonic() - began < 30
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.kill()
        redis_server.stop()


def test_lock_store_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.core.lock_store import InMemoryLockStore
    from rasa.shared.exceptions import RasaException

    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    monkeypatch.delenv("SANIC_WORKERS", raising=False)
    assert isinstance(UrlLockStore(endpoint_config=None), InMemoryLockStore)

    monkeypatch.setenv("LOCK_STORE_URL", "redis://:s%40cret@redis.internal:6380/2")
    store = UrlLockStore(endpoint_config=None)
    assert isinstance(store, AtomicRedisLockStore)
    kwargs = store.red.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"], kwargs["password"]) == (
        "redis.internal", 6380, 2, "s@cret"
    )
    assert store.key_prefix == "daxing:lock:"

    monkeypatch.delenv("LOCK_STORE_URL")
    monkeypatch.setenv("SANIC_WORKERS", "4")
    with pytest.raises(RasaException, match="LOCK_STORE_URL"):
        UrlLockStore(endpoint_config=None)


# --------------------------------------------------------------------------- shutdown


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_stopping_the_profile_leaves_nothing_behind(profile: ProductionProfile) -> None:
    pids = [c.process.pid for c in [*profile.rasa, *profile.actions, profile.handoff] if c.process]
    pids += [p.process.pid for p in (profile.nginx, profile.redis) if p and p.process]
    ports = profile.listening_ports()
    workdir, pg_dir = profile.workdir, profile.postgres.workdir  # type: ignore[union-attr]
    assert all(_listening(port) for port in ports)

    began = time.monotonic()
    profile.stop()
    print(f"\nproduction profile stopped in {time.monotonic() - began:.1f}s")

    assert [port for port in ports if _listening(port)] == []
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert not workdir.exists() and not pg_dir.exists()  # type: ignore[union-attr]
