"""The agents' inbox: open tickets live, a ticket's conversation live, claim, reply, close.

A reply is stored first (`handoff.takeover`), then relayed into the citizen's conversation
by running `action_relay_staff_replies` through Rasa's HTTP API; if Rasa cannot be reached
the reply waits and the hand-off worker relays it. Closing a ticket hands the conversation
back (the worker resumes it and runs `action_handed_back`). Every step is audited.
Live updates are server-sent events (`/tickets/stream`, `/tickets/{number}/stream`): the
server polls the database and the tracker every POLL_SECONDS and sends what changed.
"""
from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from console.auth import audit, page_context, requires, services_of, session_of
from console.rasa import RasaApi
from console.texts import names, text
from core.clock import beijing_now
from handoff.service import TicketView
from handoff.takeover import TakeoverError
from staff.roles import ADMIN

RASA = web.AppKey("rasa", RasaApi)
POLL_SECONDS = 1.0
REASON_NAMES = names("reasons")
CHANNEL_NAMES = names("channels")
STATUS_NAMES = names("ticket_states")


def ticket_summary(ticket: TicketView, names: dict[str, str] | None = None) -> dict[str, Any]:
    """A ticket as the inbox shows it (JSON-able): no transcript, the phone masked, times in
    Beijing time, who took it over by their name (`names`: login → display name)."""
    waited = max(int((beijing_now() - ticket.created_at).total_seconds() // 60), 0)
    state = "unclaimed" if ticket.status == "open" and not ticket.claimed_by else ticket.status
    status = STATUS_NAMES.get(state, state)
    claimed = (names or {}).get(ticket.claimed_by or "", ticket.claimed_by) if ticket.claimed_by else None
    return {
        "number": ticket.number, "reason": REASON_NAMES.get(ticket.reason, ticket.reason),
        "channel": CHANNEL_NAMES.get(ticket.channel, ticket.channel), "status": status,
        "created_at": f"{ticket.created_at:%m-%d %H:%M}", "waiting_minutes": waited,
        "claimed_by": claimed, "phone": ticket.masked_phone,
    }


def _names(request: web.Request) -> dict[str, str]:
    return {a.name: a.display_name for a in services_of(request).staff.all()}


def _ticket_or_404(request: web.Request) -> TicketView:
    ticket = services_of(request).handoff.ticket(request.match_info["number"])
    if ticket is None:
        raise web.HTTPNotFound(text=text("no_ticket"))
    return ticket


def _open_tickets(request: web.Request) -> list[dict[str, Any]]:
    names = _names(request)
    return [ticket_summary(t, names) for t in reversed(services_of(request).handoff.tickets("open", limit=200))]


@requires("tickets")
@aiohttp_jinja2.template("tickets.html")
async def inbox(request: web.Request) -> dict[str, Any]:
    """GET /tickets: the open tickets, oldest first (they waited longest)."""
    return page_context(request, tickets=_open_tickets(request))


async def _stream(request: web.Request, snapshot: Any) -> web.StreamResponse:
    """Send `snapshot()` (JSON) whenever it changes, until the client goes away."""
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store",
                                           "X-Accel-Buffering": "no"})
    await response.prepare(request)
    last = None
    try:
        while True:
            data = json.dumps(await snapshot(), ensure_ascii=False, default=str)
            if data != last:
                await response.write(f"data: {data}\n\n".encode())
                last = data
            else:
                await response.write(b": keep-alive\n\n")
            await asyncio.sleep(POLL_SECONDS)
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    return response


@requires("tickets")
async def inbox_stream(request: web.Request) -> web.StreamResponse:
    """GET /tickets/stream: the open tickets (server-sent events) whenever they change."""
    async def snapshot() -> list[dict[str, Any]]:
        return await asyncio.to_thread(_open_tickets, request)

    return await _stream(request, snapshot)


async def _conversation(request: web.Request, ticket: TicketView) -> dict[str, Any]:
    """The ticket as it is now (summary, open or not) and its conversation from the tracker
    (None when Rasa cannot be asked: then the ticket's transcript)."""
    lines = await request.app[RASA].conversation(ticket.sender_id)

    def current() -> tuple[TicketView, dict[str, str]]:  # the database, off the event loop
        return services_of(request).handoff.ticket(ticket.number) or ticket, _names(request)

    now, names = await asyncio.to_thread(current)
    return {"ticket": ticket_summary(now, names), "open": now.status == "open",
            "lines": [asdict(line) for line in lines] if lines is not None else None,
            "transcript": ticket.transcript if lines is None else None}


@requires("tickets")
@aiohttp_jinja2.template("ticket.html")
async def ticket_page(request: web.Request) -> dict[str, Any]:
    """GET /tickets/{number}: the conversation (live), the reply box, claim and close."""
    ticket = _ticket_or_404(request)
    conversation = await _conversation(request, ticket)
    return page_context(request, ticket=ticket, summary=conversation["ticket"], conversation=conversation)


@requires("tickets")
async def ticket_stream(request: web.Request) -> web.StreamResponse:
    """GET /tickets/{number}/stream: the conversation and the ticket's state when they change."""
    ticket = _ticket_or_404(request)
    return await _stream(request, lambda: _conversation(request, ticket))


def _done(request: web.Request, number: str, **body: Any) -> web.StreamResponse:
    """JSON for the page's script, a redirect back to the ticket for a plain form."""
    if request.headers.get("Accept", "").startswith("application/json"):
        return web.json_response({"ok": True, **body})
    raise web.HTTPSeeOther(f"/tickets/{number}")


def _refused(error: TakeoverError) -> web.HTTPConflict:
    return web.HTTPConflict(text=str(error))


@requires("tickets")
async def claim(request: web.Request) -> web.StreamResponse:
    """POST /tickets/{number}/claim: take the conversation over — not from another agent (409);
    an admin may (audited with who had it)."""
    number = request.match_info["number"]
    account = session_of(request).account
    try:
        before = services_of(request).takeover.claim(number, account.name, take_from_another=account.role == ADMIN)
    except TakeoverError as error:
        raise _refused(error) from error
    audit(request, "ticket.claim", f"ticket:{number}", previously=before)
    return _done(request, number)


@requires("tickets")
async def reply(request: web.Request) -> web.StreamResponse:
    """POST /tickets/{number}/reply (text): store the reply, then relay it to the citizen."""
    number = request.match_info["number"]
    written = str((await request.post()).get("text") or "")
    account = session_of(request).account
    try:
        message = services_of(request).takeover.reply(number, account.name, account.shown_to_citizens, written)
    except TakeoverError as error:
        raise _refused(error) from error
    audit(request, "ticket.reply", f"ticket:{number}", message=message.id, length=len(message.text))
    delivered = await request.app[RASA].run(message.sender_id, "action_relay_staff_replies")
    return _done(request, number, delivered=delivered)


@requires("tickets")
async def close(request: web.Request) -> web.StreamResponse:
    """POST /tickets/{number}/close (note): end the hand-off; the assistant takes over again.
    An agent closes only an open ticket that is theirs or unclaimed; an admin any open one (409
    otherwise)."""
    number = request.match_info["number"]
    note = str((await request.post()).get("note") or "").strip()[:2000] or None
    account = session_of(request).account
    try:  # an agent closes only what is theirs or nobody's
        services_of(request).takeover.may_close(number, account.name, anyone_may=account.role == ADMIN)
    except TakeoverError as error:
        raise _refused(error) from error
    ticket = services_of(request).handoff.close(number, note)
    if ticket is None:
        raise web.HTTPNotFound(text=text("no_ticket"))
    audit(request, "ticket.close", f"ticket:{number}", note=note)
    return _done(request, number)


@requires("reveal_ticket_phone")
async def reveal_phone(request: web.Request) -> web.StreamResponse:
    """POST /tickets/{number}/reveal: the call-back number in full (audited)."""
    number = request.match_info["number"]
    phone = services_of(request).handoff.contact_phone(number)
    if phone is None:
        raise web.HTTPNotFound(text=text("no_callback_number"))
    audit(request, "ticket.reveal_phone", f"ticket:{number}")
    return web.json_response({"phone": phone})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/tickets", inbox)
    app.router.add_get("/tickets/stream", inbox_stream)
    app.router.add_get("/tickets/{number}", ticket_page)
    app.router.add_get("/tickets/{number}/stream", ticket_stream)
    app.router.add_post("/tickets/{number}/claim", claim)
    app.router.add_post("/tickets/{number}/reply", reply)
    app.router.add_post("/tickets/{number}/close", close)
    app.router.add_post("/tickets/{number}/reveal", reveal_phone)
