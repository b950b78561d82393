"""The dashboard (every role) and the audit log (admins).

Dashboard: conversations per day (the last DAYS days, from Rasa's events table:
`core.rasa_events.conversations_per_day`), 满意/不满意, hand-offs by reason and by channel, the
most frequent unanswered questions (`handoff.report`, `HandoffService.ticket_counts`), as bar
charts (HTML <meter>).
"""
from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from console.auth import page_context, requires, services_of
from console.texts import names, text
from console.tickets import CHANNEL_NAMES, REASON_NAMES
from core.clock import beijing_today
from core.rasa_events import conversations_per_day
from handoff.report import build_report

DAYS = 14


def _bars(counts: dict[str, int], names: dict[str, str]) -> list[dict[str, Any]]:
    top = max(counts.values(), default=0) or 1
    return [{"label": names.get(key, key), "count": n, "top": top}
            for key, n in sorted(counts.items(), key=lambda item: -item[1])]


@requires("dashboard")
@aiohttp_jinja2.template("dashboard.html")
async def dashboard(request: web.Request) -> dict[str, Any]:
    """GET /dashboard."""
    service = services_of(request).handoff
    report = await asyncio.to_thread(build_report, service, 10)
    by_channel = await asyncio.to_thread(service.ticket_counts, "channel")
    rate = report.satisfaction_rate
    today = beijing_today()

    def per_day() -> dict[Any, int]:
        with services_of(request).database.session() as session:
            return conversations_per_day(session, today - dt.timedelta(days=DAYS - 1), today)

    days = await asyncio.to_thread(per_day)
    top_day = max(days.values(), default=0) or 1
    return page_context(
        request,
        per_day=[{"label": f"{day:%m-%d}", "count": n, "top": top_day} for day, n in sorted(days.items())],
        satisfied=report.satisfied, unsatisfied=report.unsatisfied,
        rate=f"{rate:.0%}" if rate is not None else text("no_rating"),
        by_reason=_bars(report.tickets_by_reason, REASON_NAMES),
        by_channel=_bars(by_channel, CHANNEL_NAMES),
        unanswered=_bars(dict(report.unanswered), {}),
    )


# The audit log's action codes as the page names them.
ACTION_NAMES = names("audit_actions")


@requires("staff")
@aiohttp_jinja2.template("audit.html")
async def audit_log(request: web.Request) -> dict[str, Any]:
    """GET /audit[?actor=NAME]: the newest 200 entries, actions by name, details readable."""
    actor = request.query.get("actor") or None
    entries = await asyncio.to_thread(services_of(request).audit.entries, actor)
    shown = [{"at": e.at, "actor": e.actor, "action": ACTION_NAMES.get(e.action, e.action), "code": e.action,
              "target": e.target or "", "address": e.address or "",
              "detail": "；".join(f"{k}={v}" for k, v in (e.detail or {}).items())} for e in entries]
    return page_context(request, entries=shown, actor=actor or "")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/dashboard", dashboard)
    app.router.add_get("/audit", audit_log)
