"""What the running assistant stored, read from its database, for the e2e tests: a
conversation's tickets and applications, and emptying the sessions between tests."""
from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from activities.models import ActivitySessionRow, ApplicationRow
from core.db import engine_for
from handoff.models import TicketRow

if TYPE_CHECKING:
    from tests.conftest import RunningAssistant


def rows_of(assistant: "RunningAssistant", table: sa.Table, sender: str) -> list[sa.Row]:
    """The rows of `table` (with a sender_id column) written for one conversation."""
    with engine_for(assistant.settings.database_url).connect() as connection:
        return connection.execute(sa.select(table).where(table.c.sender_id == sender)).all()


def tickets_of(assistant: "RunningAssistant", sender: str) -> list[sa.Row]:
    return rows_of(assistant, TicketRow.__table__, sender)


def applications_of(assistant: "RunningAssistant", sender: str) -> list[sa.Row]:
    return rows_of(assistant, ApplicationRow.__table__, sender)


def clear_sessions(assistant: "RunningAssistant") -> None:
    """Every session and application gone (each test loads the sessions it needs)."""
    with engine_for(assistant.settings.database_url).begin() as connection:
        connection.execute(sa.delete(ApplicationRow.__table__))
        connection.execute(sa.delete(ActivitySessionRow.__table__))
