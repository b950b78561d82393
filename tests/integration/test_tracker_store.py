"""Conversations outlive the process: a new store instance on the same URL sees old events."""
from __future__ import annotations

import asyncio
from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
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
