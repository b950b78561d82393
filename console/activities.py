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
import secrets
import tempfile
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import yaml
from aiohttp import web

from activities.schedule import ScheduleError, import_file
from activities.service import UnknownSession
from console.auth import audit, back_with_message, page_context, requires, services_of
from core.privacy import mask_phone, normalise_phone

MAX_SCHEDULE_BYTES = 1024 * 1024
SCHEDULE_SUFFIXES = (".csv", ".yml", ".yaml")
METHODS = {"first_come": "按报名先后", "lottery": "公开抽签"}
STATES = {"open": "报名中", "not_yet": "未公告", "closed": "报名已截止", "online_only": "线上直播，无需报名"}


def _sessions(request: web.Request) -> list[dict[str, Any]]:
    service = services_of(request).activity_service()
    listed = []
    for row, counts in service.sessions():
        window = service.window(row)
        listed.append({
            "code": row.code, "activity": f"{row.kind}{row.record_number}", "starts_at": f"{row.starts_at:%Y-%m-%d %H:%M}",
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
                        message=request.query.get("message", ""), errors=[])


@requires("activities")
async def upload_schedule(request: web.Request) -> web.StreamResponse:
    """POST /activities/schedule (multipart `file`: .csv/.yml): import all rows or none."""
    form = await request.post()
    upload = form.get("file")
    errors: list[str] = []
    if not isinstance(upload, web.FileField) or not upload.filename:
        errors = ["请选择要上传的场次文件（CSV 或 YAML）"]
    else:
        suffix = Path(upload.filename).suffix.lower()
        content = upload.file.read(MAX_SCHEDULE_BYTES + 1)
        if suffix not in SCHEDULE_SUFFIXES:
            errors = ["只接受 .csv、.yml 或 .yaml 文件"]
        elif len(content) > MAX_SCHEDULE_BYTES:
            errors = ["文件超过 1 MB"]
        else:
            service = services_of(request).activity_service()
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / f"schedule{suffix}"
                path.write_bytes(content)
                try:
                    added, updated = await asyncio.to_thread(import_file, service.database_url, path, service.catalogue)
                except ScheduleError as error:
                    errors = error.errors
                except (yaml.YAMLError, UnicodeDecodeError, ValueError) as error:
                    errors = [f"文件无法读取：{error}"]
            if not errors:
                audit(request, "schedule.import", f"file:{upload.filename}", added=added, updated=updated)
                raise back_with_message("/activities", f"已导入：新增 {added} 场，更新 {updated} 场")
    audit(request, "schedule.refused", f"file:{getattr(upload, 'filename', '')}", errors=len(errors))
    return aiohttp_jinja2.render_template("activities.html", request, page_context(
        request, sessions=await asyncio.to_thread(_sessions, request), message="", errors=errors), status=400)


def _session_or_404(request: web.Request) -> dict[str, Any]:
    code = request.match_info["code"]
    found = next((s for s in _sessions(request) if s["code"] == code), None)
    if found is None:
        raise web.HTTPNotFound(text="没有这个场次")
    return found


@requires("activities")
@aiohttp_jinja2.template("applications.html")
async def applications_page(request: web.Request) -> dict[str, Any]:
    """GET /activities/{code}: the session's applications, phones masked."""
    session = await asyncio.to_thread(_session_or_404, request)
    rows = await asyncio.to_thread(services_of(request).activity_service().applications, session["code"])
    applications = [{"reference": r.reference, "name": r.name, "phone": mask_phone(r.phone), "identity": r.identity,
                     "organisation": r.organisation or "", "status": r.status, "channel": r.channel or "",
                     "applied_at": f"{r.applied_at:%Y-%m-%d %H:%M}",
                     "invited": f"{r.invited_at:%Y-%m-%d %H:%M}" if r.invited_at else ""} for r in rows]
    return page_context(request, session=session, applications=applications, methods=METHODS,
                        message=request.query.get("message", ""))


@requires("activities")
async def select(request: web.Request) -> web.StreamResponse:
    """POST /activities/{code}/select (method; seed for a lottery, drawn here when empty)."""
    code = request.match_info["code"]
    form = await request.post()
    method = str(form.get("method") or "first_come")
    seed_text = str(form.get("seed") or "").strip()
    if method not in METHODS or (seed_text and not seed_text.isdigit()):
        raise web.HTTPBadRequest(text="遴选方式或抽签种子不对（种子为非负整数）")
    seed = (int(seed_text) if seed_text else secrets.randbelow(1_000_000)) if method == "lottery" else None
    try:
        result = await asyncio.to_thread(services_of(request).activity_service().select, code, method, seed)
    except UnknownSession as error:
        raise web.HTTPNotFound(text="没有这个场次") from error
    audit(request, "applications.select", f"session:{code}", method=method, seed=seed,
          selected=result.selected, not_selected=result.not_selected)
    drawn = f"，抽签种子 {seed}（请随遴选结果公布，可复核）" if seed is not None else ""
    raise back_with_message(f"/activities/{code}", f"遴选完成：入选 {result.selected} 人，未入选 {result.not_selected} 人"
                f"（此前已入选 {result.already_selected} 人，名额 {result.capacity}）{drawn}")


@requires("activities")
async def invite(request: web.Request) -> web.StreamResponse:
    """POST /activities/{code}/invite: record that the selected applicants were notified."""
    code = request.match_info["code"]
    try:
        count = await asyncio.to_thread(services_of(request).activity_service().mark_invited, code)
    except UnknownSession as error:
        raise web.HTTPNotFound(text="没有这个场次") from error
    audit(request, "applications.invite", f"session:{code}", invited=count)
    raise back_with_message(f"/activities/{code}", f"已记录通知 {count} 人")


@requires("export")
async def export(request: web.Request) -> web.StreamResponse:
    """GET /activities/{code}/export.csv: the session's applications for Excel (UTF-8 with BOM,
    full phone numbers: the export permission, audited)."""
    code = request.match_info["code"]
    stream = io.StringIO()
    try:
        count = await asyncio.to_thread(services_of(request).activity_service().export_csv, stream, code)
    except UnknownSession as error:
        raise web.HTTPNotFound(text="没有这个场次") from error
    audit(request, "applications.export", f"session:{code}", rows=count)
    return web.Response(body=stream.getvalue().encode("utf-8"), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="applications-{code}.csv"'})


@requires("forget")
@aiohttp_jinja2.template("forget.html")
async def forget_page(request: web.Request) -> dict[str, Any]:
    """GET /forget: the form for a citizen's deletion request (admins)."""
    return page_context(request, message=request.query.get("message", ""), error="")


@requires("forget")
async def forget(request: web.Request) -> web.StreamResponse:
    """POST /forget (phone, confirm): delete the person's applications, mask their number
    and name in stored conversations."""
    form = await request.post()
    phone = normalise_phone(str(form.get("phone") or ""))
    if phone is None or form.get("confirm") != "yes":
        return aiohttp_jinja2.render_template("forget.html", request, page_context(
            request, message="", error="请输入中国大陆 11 位手机号，并勾选确认"), status=400)
    deleted = await asyncio.to_thread(services_of(request).activity_service().forget, phone)
    audit(request, "citizen.forget", f"phone:{mask_phone(phone)}", applications=deleted)
    raise back_with_message("/forget", f"已删除 {mask_phone(phone)} 的 {deleted} 条报名，并在对话记录中隐去其号码和姓名")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/activities", sessions_page)
    app.router.add_post("/activities/schedule", upload_schedule)
    app.router.add_get("/activities/{code}", applications_page)
    app.router.add_post("/activities/{code}/select", select)
    app.router.add_post("/activities/{code}/invite", invite)
    app.router.add_get("/activities/{code}/export.csv", export)
    app.router.add_get("/forget", forget_page)
    app.router.add_post("/forget", forget)
