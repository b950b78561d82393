"""Organisers' pages: sessions with their sign-up windows and counts, a schedule upload
(CSV/YAML, all or nothing, errors by row), applications per session (phones masked),
selection (first come, or a lottery with a seed shown for publication), the export for
Excel and invitations; admins' deletion requests (`forget`). Every change is audited.

The rules are `activities.service` / `activities.schedule`'s, the same the CLI uses
(`daxing schedule|applications`): this module only reads forms and shows results.
"""
from __future__ import annotations

import asyncio
import io
import logging
import secrets
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from activities import formatting
from activities.schedule import ScheduleError, import_content
from activities.service import UnknownSession
from console.tickets import CHANNEL_NAMES
from console.texts import names, text
from console.auth import audit, back_with_message, page_context, requires, services_of, shown_message
from core.privacy import mask_phone, normalise_phone

log = logging.getLogger(__name__)
MAX_SCHEDULE_BYTES = 1024 * 1024
SCHEDULE_SUFFIXES = (".csv", ".yml", ".yaml")
METHODS = names("selection_methods")
STATES = names("windows")


def _sessions(request: web.Request) -> list[dict[str, Any]]:
    service = services_of(request).activity_service()
    listed = []
    for row, counts in service.sessions():
        window = service.window(row)
        activity = service.catalogue.activity(row.kind, row.record_number, row.starts_at.year)
        listed.append({
            "code": row.code, "starts_at": f"{row.starts_at:%Y-%m-%d %H:%M}",
            "activity": formatting.activity_name(activity) if activity else f"{row.kind}{row.record_number}",
            "venue": row.venue or "", "mode": row.mode, "capacity": row.capacity, "demo": row.demo,
            "announced_on": f"{row.announced_on}", "closes_on": f"{window.closes_on}",
            "state": STATES.get(window.state, window.state),
            "counts": counts, "total": sum(counts.values()),
        })
    return listed


@requires("activities")
@aiohttp_jinja2.template("activities.html")
async def sessions_page(request: web.Request) -> dict[str, Any]:
    """GET /activities[?message=…]: every session, and the schedule upload form."""
    return page_context(request, sessions=await asyncio.to_thread(_sessions, request),
                        message=shown_message(request), errors=[])


@requires("activities")
async def upload_schedule(request: web.Request) -> web.StreamResponse:
    """POST /activities/schedule (multipart `file`: .csv/.yml): import all rows or none."""
    form = await request.post()
    upload = form.get("file")
    errors: list[str] = []
    if not isinstance(upload, web.FileField) or not upload.filename:
        errors = [text("choose_schedule")]
    else:
        suffix = Path(upload.filename).suffix.lower()
        content = upload.file.read(MAX_SCHEDULE_BYTES + 1)
        if suffix not in SCHEDULE_SUFFIXES:
            errors = [text("schedule_suffix")]
        elif len(content) > MAX_SCHEDULE_BYTES:
            errors = [text("schedule_too_big")]
        else:
            service = services_of(request).activity_service()
            try:
                added, updated = await asyncio.to_thread(
                    import_content, service.database_url, upload.filename, content, service.catalogue)
            except ScheduleError as error:
                errors = error.errors
            except ValueError as error:  # read_rows and parse_rows say what is wrong as ScheduleError
                log.exception("schedule upload %s could not be read", upload.filename)
                errors = [str(error)]
            if not errors:
                audit(request, "schedule.import", f"file:{upload.filename}", added=added, updated=updated)
                raise back_with_message(request, "/activities", text("imported", added=added, updated=updated))
    audit(request, "schedule.refused", f"file:{getattr(upload, 'filename', '')}", errors=len(errors))
    return aiohttp_jinja2.render_template("activities.html", request, page_context(
        request, sessions=await asyncio.to_thread(_sessions, request), message="", errors=errors), status=400)


def _session_or_404(request: web.Request) -> dict[str, Any]:
    code = request.match_info["code"]
    found = next((s for s in _sessions(request) if s["code"] == code), None)
    if found is None:
        raise web.HTTPNotFound(text=text("no_session"))
    return found


@requires("activities")
@aiohttp_jinja2.template("applications.html")
async def applications_page(request: web.Request) -> dict[str, Any]:
    """GET /activities/{code}: the session's applications, phones masked."""
    session = await asyncio.to_thread(_session_or_404, request)
    rows = await asyncio.to_thread(services_of(request).activity_service().applications, session["code"])
    applications = [{"reference": r.reference, "name": r.name, "phone": mask_phone(r.phone), "identity": r.identity,
                     "organisation": r.organisation or "", "status": r.status,
                     "channel": CHANNEL_NAMES.get(r.channel or "", r.channel or ""),
                     "applied_at": f"{r.applied_at:%Y-%m-%d %H:%M}",
                     "invited": f"{r.invited_at:%Y-%m-%d %H:%M}" if r.invited_at else ""} for r in rows]
    return page_context(request, session=session, applications=applications, methods=METHODS,
                        message=shown_message(request))


@requires("activities")
async def select(request: web.Request) -> web.StreamResponse:
    """POST /activities/{code}/select (method; seed for a lottery, drawn here when empty). While
    sign-up is still open: 409, unless `early=yes` (recorded in the audit log)."""
    code = request.match_info["code"]
    form = await request.post()
    method = str(form.get("method") or "first_come")
    seed_text = str(form.get("seed") or "").strip()
    if method not in METHODS or (seed_text and not seed_text.isdigit()):
        raise web.HTTPBadRequest(text=text("bad_selection"))
    session = await asyncio.to_thread(_session_or_404, request)
    early = session["state"] == STATES["open"]
    if early and form.get("early") != "yes":
        # Selecting while citizens may still apply shuts out the later ones (first come above
        # all): only on purpose, and audited as such.
        raise web.HTTPConflict(text=text("too_early", closes_on=session["closes_on"]))
    seed = (int(seed_text) if seed_text else secrets.randbelow(1_000_000)) if method == "lottery" else None
    try:
        result = await asyncio.to_thread(services_of(request).activity_service().select, code, method, seed)
    except UnknownSession as error:
        raise web.HTTPNotFound(text=text("no_session")) from error
    audit(request, "applications.select", f"session:{code}", method=method, seed=seed, early=early,
          selected=result.selected, not_selected=result.not_selected)
    drawn = text("seed_drawn", seed=seed) if seed is not None else ""
    raise back_with_message(request, f"/activities/{code}", text(
        "selected", selected=result.selected, not_selected=result.not_selected, already=result.already_selected,
        capacity=result.capacity, drawn=drawn))


@requires("activities")
async def invite(request: web.Request) -> web.StreamResponse:
    """POST /activities/{code}/invite: record that the selected applicants were notified."""
    code = request.match_info["code"]
    try:
        count = await asyncio.to_thread(services_of(request).activity_service().mark_invited, code)
    except UnknownSession as error:
        raise web.HTTPNotFound(text=text("no_session")) from error
    audit(request, "applications.invite", f"session:{code}", invited=count)
    raise back_with_message(request, f"/activities/{code}", text("invited", count=count))


@requires("export")
async def export(request: web.Request) -> web.StreamResponse:
    """GET /activities/{code}/export.csv: the session's applications for Excel (UTF-8 with BOM,
    full phone numbers: the export permission, audited)."""
    code = request.match_info["code"]
    stream = io.StringIO()
    try:
        count = await asyncio.to_thread(services_of(request).activity_service().export_csv, stream, code)
    except UnknownSession as error:
        raise web.HTTPNotFound(text=text("no_session")) from error
    audit(request, "applications.export", f"session:{code}", rows=count)
    return web.Response(body=stream.getvalue().encode("utf-8"), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="applications-{code}.csv"'})


@requires("forget")
@aiohttp_jinja2.template("forget.html")
async def forget_page(request: web.Request) -> dict[str, Any]:
    """GET /forget: the form for a citizen's deletion request (admins)."""
    return page_context(request, message=shown_message(request), error="")


@requires("forget")
async def forget(request: web.Request) -> web.StreamResponse:
    """POST /forget (phone, confirm): delete the person's applications, mask their number
    and name in stored conversations."""
    form = await request.post()
    phone = normalise_phone(str(form.get("phone") or ""))
    if phone is None or form.get("confirm") != "yes":
        return aiohttp_jinja2.render_template("forget.html", request, page_context(
            request, message="", error=text("forget_needs")), status=400)
    deleted = await asyncio.to_thread(services_of(request).activity_service().forget, phone)
    audit(request, "citizen.forget", f"phone:{mask_phone(phone)}", applications=deleted)
    raise back_with_message(request, "/forget", text("forgotten", phone=mask_phone(phone), count=deleted))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/activities", sessions_page)
    app.router.add_post("/activities/schedule", upload_schedule)
    app.router.add_get("/activities/{code}", applications_page)
    app.router.add_post("/activities/{code}/select", select)
    app.router.add_post("/activities/{code}/invite", invite)
    app.router.add_get("/activities/{code}/export.csv", export)
    app.router.add_get("/forget", forget_page)
    app.router.add_post("/forget", forget)
