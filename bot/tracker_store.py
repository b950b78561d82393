"""A SQL tracker store configured by one database URL instead of Rasa's separate fields.

Rasa's built-in `SQL` store wants dialect, host, port and db as separate endpoint keys;
we keep a single `DATABASE_URL` (SQLite by default, PostgreSQL in production) in
`bot.settings`, so the conversation store follows the same setting as the rest.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy.engine import make_url

from activities.privacy import install_log_masking
from bot.settings import load_settings

# The Rasa server imports this module at start-up: from then on its logs (which at debug
# level quote every user message) show phone numbers masked.
install_log_masking()


class UrlSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` whose connection comes from `DATABASE_URL` (or an explicit `url`)."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[str] = None,
        event_broker: Optional[EventBroker] = None,
        **kwargs: Any,
    ) -> None:
        settings = load_settings()
        url = make_url(host or settings.database_url)
        if url.drivername.startswith("sqlite") and url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        super().__init__(
            domain=domain,
            dialect=url.drivername,
            host=url.host,
            port=url.port,
            db=url.database or "",
            username=url.username,
            password=url.password,
            event_broker=event_broker,
            query=dict(url.query) or None,
            **kwargs,
        )
