"""Conversations outlive the process: a new store instance on the same URL sees old events."""
from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import UrlSQLTrackerStore


def test_a_new_store_on_the_same_database_restores_the_conversation(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'conversations.db'}"
    domain = Domain.empty()
    tracker = DialogueStateTracker.from_events(
        "citizen-1",
        [ActionExecuted("action_listen"), UserUttered("医保宣讲是哪个单位负责的")],
    )
    asyncio.run(UrlSQLTrackerStore(domain=domain, host=url).save(tracker))

    restored = asyncio.run(UrlSQLTrackerStore(domain=domain, host=url).retrieve("citizen-1"))

    assert restored is not None
    assert restored.latest_message.text == "医保宣讲是哪个单位负责的"


def test_store_follows_database_url_from_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'from-env.db'}")
    store = UrlSQLTrackerStore(domain=Domain.empty())
    assert store.engine.url.database == str(tmp_path / "from-env.db")


# --- held trackers (issue 19): a turn re-reads only what changed ---------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def conversations_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'conversations.db'}"
    return request.getfixturevalue("postgres_url")


def _turn(tracker: DialogueStateTracker, text: str) -> None:
    tracker.update(UserUttered(text))
    tracker.update(ActionExecuted("utter_answer"))
    tracker.update(ActionExecuted("action_listen"))


def _saved(url: str, kind: str, text: str) -> tuple[str, UrlSQLTrackerStore, DialogueStateTracker]:
    """A new conversation of one turn (`text`), saved by a new store: (sender, store, tracker)."""
    sender = f"{kind}-{uuid.uuid4().hex}"
    store = UrlSQLTrackerStore(domain=Domain.empty(), host=url)
    tracker = DialogueStateTracker.from_events(sender, [ActionExecuted("action_listen")])
    _turn(tracker, text)
    asyncio.run(store.save(tracker))
    return sender, store, tracker


def _stored(url: str, sender: str) -> list[str]:
    store = UrlSQLTrackerStore(domain=Domain.empty(), host=url)
    tracker = asyncio.run(store.retrieve(sender))
    return [e.text for e in tracker.events if isinstance(e, UserUttered)] if tracker else []


def test_a_held_conversation_is_handed_out_again_and_only_new_events_are_written(conversations_url: str) -> None:
    sender, store, tracker = _saved(conversations_url, "held", "开放点9是干啥的")

    again = asyncio.run(store.retrieve(sender))
    assert again is tracker  # nothing changed in the database: not read and replayed again
    _turn(again, "宣讲呢")
    asyncio.run(store.save(again))

    assert _stored(conversations_url, sender) == ["开放点9是干啥的", "宣讲呢"]  # each event once


def test_another_process_writing_the_conversation_is_seen(conversations_url: str) -> None:
    sender, here, tracker = _saved(conversations_url, "moved", "第一句")
    there = UrlSQLTrackerStore(domain=Domain.empty(), host=conversations_url)  # another Rasa process

    elsewhere = asyncio.run(there.retrieve(sender))
    _turn(elsewhere, "第二句")
    asyncio.run(there.save(elsewhere))

    back = asyncio.run(here.retrieve(sender))
    assert back is not tracker and [e.text for e in back.events if isinstance(e, UserUttered)] == ["第一句", "第二句"]
    _turn(back, "第三句")
    asyncio.run(here.save(back))
    assert _stored(conversations_url, sender) == ["第一句", "第二句", "第三句"]


def test_a_turn_that_failed_before_saving_is_not_handed_out(conversations_url: str) -> None:
    sender, store, tracker = _saved(conversations_url, "failed", "保存了的")
    _turn(tracker, "没保存的")  # the turn broke off: these events never reached the database

    again = asyncio.run(store.retrieve(sender))
    assert again is not tracker and [e.text for e in again.events if isinstance(e, UserUttered)] == ["保存了的"]


def test_a_new_session_is_read_as_rasa_reads_it(conversations_url: str) -> None:
    sender, store, tracker = _saved(conversations_url, "session", "上一次的")
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    _turn(tracker, "这一次的")
    asyncio.run(store.save(tracker))

    again = asyncio.run(store.retrieve(sender))
    assert again is not tracker and [e.text for e in again.events if isinstance(e, UserUttered)] == ["这一次的"]


def test_a_conversation_deleted_or_redacted_in_the_database_is_not_handed_out(conversations_url: str) -> None:
    # Retention deletes whole conversations; forgetting a person changes events in place and
    # moves the last one to a new id (core.rasa_events.mark_changed): either way the held
    # tracker, with what was removed, is never shown again.
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from core.rasa_events import EVENTS, mark_changed

    sender, store, tracker = _saved(conversations_url, "gone", "我的手机是13812345678")
    engine = sa.create_engine(conversations_url)
    with Session(engine) as session, session.begin():
        session.execute(sa.update(EVENTS).where(EVENTS.c.sender_id == sender, EVENTS.c.type_name == "user")
                        .values(data=sa.func.replace(EVENTS.c.data, "13812345678", "138****5678")))
        mark_changed(session, sender)
    again = asyncio.run(store.retrieve(sender))
    assert again is not tracker and again.latest_message.text == "我的手机是138****5678"
    assert [type(e).__name__ for e in again.events] == [type(e).__name__ for e in tracker.events]  # order kept

    with Session(engine) as session, session.begin():
        session.execute(sa.delete(EVENTS).where(EVENTS.c.sender_id == sender))
    assert asyncio.run(store.retrieve(sender)) is None
    engine.dispose()


def test_turns_on_a_sqlite_file_reuse_the_stores_connections(tmp_path: Path) -> None:
    """SQLAlchemy 1.4 gives SQLite files a new connection per session; the store pools them
    (issue 19): twenty turns of a conversation, saved and read back, open one connection, and
    every event is stored once, in order."""
    import sqlalchemy as sa

    store = UrlSQLTrackerStore(domain=Domain.empty(), host=f"sqlite:///{tmp_path / 'pooled.db'}")
    connects: list[object] = []
    sa.event.listen(store.engine, "connect", lambda *_: connects.append(1))
    tracker = DialogueStateTracker.from_events("pooled", [ActionExecuted("action_listen")])
    for i in range(20):
        _turn(tracker, f"第{i}个问题")
        asyncio.run(store.save(tracker))
        tracker = asyncio.run(store.retrieve("pooled"))
        assert tracker is not None
    assert len(connects) == 1
    fresh = asyncio.run(UrlSQLTrackerStore(domain=Domain.empty(), host=f"sqlite:///{tmp_path / 'pooled.db'}")
                        .retrieve("pooled"))
    assert fresh is not None
    assert [e.text for e in fresh.events if isinstance(e, UserUttered)] == [f"第{i}个问题" for i in range(20)]
