"""The audit log: every staff action, who, what, when, on what.

Phone numbers never enter it (core.privacy masks them in `detail`'s strings).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from core.clock import beijing_now
from core.db import UnitOfWork
from core.privacy import mask_phones_in
from staff.models import AuditRow

CLI = "cli"  # the actor of `daxing staff` commands, run on the server by its operator


@dataclass(frozen=True)
class AuditEntry:
    at: dt.datetime
    actor: str
    action: str
    target: str | None
    detail: dict[str, Any] | None
    address: str | None


class AuditLog:
    def __init__(self, database_url: str, clock: Callable[[], dt.datetime] = beijing_now) -> None:
        self.uow = UnitOfWork(database_url)
        self.clock = clock

    def record(self, actor: str, action: str, target: str | None = None,
               detail: dict[str, Any] | None = None, address: str | None = None) -> None:
        """Write one entry. `actor`: a login name or CLI; `action`: e.g. "ticket.reply";
        `target`: e.g. "ticket:2026120100001"; `detail`: JSON-able, strings phone-masked."""
        clean = {k: mask_phones_in(v) if isinstance(v, str) else v for k, v in (detail or {}).items()}
        with self.uow.session() as session:
            session.add(AuditRow(at=self.clock(), actor=actor[:64], action=action[:40],
                                 target=target[:120] if target else None, detail=clean or None,
                                 address=address[:64] if address else None))

    def entries(self, actor: str | None = None, action: str | None = None, limit: int = 200) -> list[AuditEntry]:
        """The newest entries first, filtered by actor and/or action."""
        query = sa.select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if actor:
            query = query.where(AuditRow.actor == actor)
        if action:
            query = query.where(AuditRow.action == action)
        with self.uow.session() as session:
            return [AuditEntry(r.at, r.actor, r.action, r.target, r.detail, r.address)
                    for r in session.execute(query).scalars()]
