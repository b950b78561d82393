"""Knowledge and quality pages (organisers and admins): plans and unanswered questions.

- GET /knowledge: the stored plans by year (as `daxing kb list`), withdrawn ones marked, and
  the upload form.
- POST /knowledge/preview (multipart: `plan`, a .txt/.docx/.pdf of at most MAX_UPLOAD_BYTES):
  the upload is kept under `var_dir/uploads/<token>/<its file name>` and parsed
  (`kb.store.preview_plan_file`); the page shows what was found, the warnings, and a 发布
  form posting the token. A wrong suffix, an empty or unreadable file → a Chinese error
  page, 400 (too large: 413). Uploads not published are deleted after UPLOAD_TTL.
- POST /knowledge/publish (`token`): `kb.store.add_plan_file` (copied into `plans_dir`, stored
  at once: the running assistant answers from it without retraining), audited `kb.publish`
  with the 文号, then back to /knowledge with a message. A token that is not one we issue
  (UPLOAD_TOKEN: 32 hex digits, so never a path) → 400; an expired one → 400.
- GET /knowledge/unanswered[?state=pending|reviewed|ignored]: the questions the plans could
  not answer, one line per question text with its count, most frequent first; phone
  numbers masked.
- POST /knowledge/unanswered/review (`id` of one row of the question, `state`
  reviewed|ignored|pending, `view`): every row with that question text gets the state,
  audited `kb.unanswered_review`. The form names a row id, not the text, so a full phone
  number in a question never reaches the page.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import secrets
import shutil
import time
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode

import aiohttp_jinja2
from aiohttp import web

from bot.services import Services
from console.texts import names, text
from console.auth import audit, page_context, requires, services_of, session_of
from core.privacy import mask_phones_in
from kb.loaders import UnsupportedPlanFormat
from kb.store import (
    PLAN_SUFFIXES,
    REVIEW_STATES,
    BuildResult,
    KnowledgeRepository,
    add_plan_file,
    preview_plan_file,
)

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
UPLOAD_TOKEN = re.compile(r"[0-9a-f]{32}")
UPLOAD_TTL = dt.timedelta(days=1)
FIELD = "plan"
KIND_NAMES = names("plan_kinds")
STATUS_NAMES = names("publish_results")
STATE_NAMES = names("review_states")
REASON_NAMES = names("unanswered_reasons")
SUFFIX_REFUSED = text("plan_suffix")


class UploadRefused(Exception):
    """An upload we do not take: the Chinese message for the page, the HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def uploads_dir(services: Services) -> Path:
    return services.settings.var_dir / "uploads"


def safe_file_name(raw: str | None) -> str:
    """The upload's own file name, made safe to keep: percent-escapes decoded (browsers escape
    quotes and line breaks, aiohttp's client every non-ASCII byte), its last path part (either
    slash), no control characters, no leading dots or spaces, at most 120 characters (the
    suffix kept). UploadRefused if nothing usable is left or the suffix is not a plan's."""
    name = re.split(r"[\\/]", unquote(raw or ""))[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().lstrip(". ")
    path = Path(name)
    if not path.stem:
        raise UploadRefused(text("choose_plan"))
    if path.suffix.lower() not in PLAN_SUFFIXES:
        raise UploadRefused(SUFFIX_REFUSED)
    return path.stem[:120 - len(path.suffix)] + path.suffix.lower()


def _forget_old_uploads(folder: Path) -> None:
    """Delete uploads previewed more than UPLOAD_TTL ago and never published."""
    if not folder.is_dir():
        return
    cutoff = time.time() - UPLOAD_TTL.total_seconds()
    for upload in folder.iterdir():
        if UPLOAD_TOKEN.fullmatch(upload.name) and upload.stat().st_mtime < cutoff:
            shutil.rmtree(upload, ignore_errors=True)


def keep_upload(services: Services, name: str, source: Any) -> tuple[str, Path]:
    """Copy the readable `source` into a new uploads/<token>/`name`: (token, path).
    UploadRefused (413) beyond MAX_UPLOAD_BYTES, (400) for an empty file; nothing is left then."""
    folder = uploads_dir(services)
    _forget_old_uploads(folder)
    token = secrets.token_hex(16)
    target = folder / token / name
    target.parent.mkdir(parents=True)
    size = 0
    with target.open("wb") as out:
        while chunk := source.read(64 * 1024):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                break
            out.write(chunk)
    if size == 0 or size > MAX_UPLOAD_BYTES:
        shutil.rmtree(target.parent, ignore_errors=True)
        raise UploadRefused(text("plan_empty")) if size == 0 else UploadRefused(
            text("plan_too_big", mb=MAX_UPLOAD_BYTES // (1024 * 1024)), 413)
    return token, target


def upload_of(services: Services, token: str) -> Path:
    """The file kept for `token`. UploadRefused (400) for a token we would never issue (it is
    a path then) or one whose upload is gone (published, expired)."""
    if not UPLOAD_TOKEN.fullmatch(token):
        raise UploadRefused(text("bad_upload_token"))
    folder = uploads_dir(services) / token
    files = [p for p in folder.iterdir() if p.is_file()] if folder.is_dir() else []
    if len(files) != 1:
        raise UploadRefused(text("upload_gone"))
    return files[0]


def _parse(path: Path) -> BuildResult:
    """`preview_plan_file`, any failure of reading an untrusted file made UploadRefused."""
    try:
        return preview_plan_file(path)
    except UnsupportedPlanFormat as error:
        raise UploadRefused(SUFFIX_REFUSED) from error
    except Exception as error:  # a damaged .docx/.pdf fails in many libraries' own ways
        log.warning("uploaded plan %s could not be read: %r", path.name, error)
        raise UploadRefused(text("plan_unreadable")) from error


def _error_page(request: web.Request, refused: UploadRefused) -> web.Response:
    return aiohttp_jinja2.render_template(
        "knowledge_preview.html", request, page_context(request, error=refused.message), status=refused.status)


def _plans(services: Services) -> list[dict[str, Any]]:
    with services.database.session() as session:
        return [{
            "year": row.year, "number": row.number, "kind": KIND_NAMES.get(row.kind, row.kind),
            "title": row.title, "work_items": len(row.items), "sites": len(row.sites),
            "lectures": len(row.lectures), "file": row.source_file,
            "withdrawn": f"{row.withdrawn_at:%Y-%m-%d}" if row.withdrawn_at else None,
        } for row in KnowledgeRepository(session).listed()]


@requires("knowledge")
@aiohttp_jinja2.template("knowledge.html")
async def knowledge_page(request: web.Request) -> dict[str, Any]:
    """GET /knowledge[?published=文号&status=…]: the plans by year (oldest first, as
    `kb list`), the upload form, and after a publish the message about it."""
    plans = await asyncio.to_thread(_plans, services_of(request))
    published = next((p for p in plans if p["number"] == request.query.get("published")), None)
    status = STATUS_NAMES.get(request.query.get("status", ""), "")
    years: dict[Any, list[dict[str, Any]]] = {}
    for plan in plans:
        years.setdefault(plan["year"], []).append(plan)
    return page_context(request, years=list(years.items()), published=published, status=status,
                        max_mb=MAX_UPLOAD_BYTES // (1024 * 1024))


def _standing(services: Services, number: str, name: str) -> list[str]:
    """What publishing would replace: a stored plan of this 文号, a kept file of this name."""
    notes = []
    with services.database.session() as session:
        repository = KnowledgeRepository(session)
        if repository.is_withdrawn(number):
            notes.append(text("plan_withdrawn_before"))
        elif repository.content_hash_of(number) is not None:
            notes.append(text("plan_replaces"))
    if (services.settings.plans_dir / name).is_file():
        notes.append(text("plan_file_replaces"))
    return notes


@requires("knowledge")
async def preview(request: web.Request) -> web.Response:
    """POST /knowledge/preview (multipart `plan`): keep the upload, show what was parsed."""
    services = services_of(request)
    field = (await request.post()).get(FIELD)
    try:
        if not isinstance(field, web.FileField):
            raise UploadRefused(text("choose_plan"))
        name = safe_file_name(field.filename)
        token, path = await asyncio.to_thread(keep_upload, services, name, field.file)
        try:
            result = await asyncio.to_thread(_parse, path)
        except UploadRefused:
            shutil.rmtree(path.parent, ignore_errors=True)
            raise
    except UploadRefused as refused:
        return _error_page(request, refused)
    p = result.preview
    notes = await asyncio.to_thread(_standing, services, p.number, name)
    return aiohttp_jinja2.render_template("knowledge_preview.html", request, page_context(
        request, error=None, token=token, file_name=name, plan=p, kind=KIND_NAMES.get(p.kind, p.kind),
        rules=[(k, text("rule_not_found") if v in (None, "") else v) for k, v in (p.rules or {}).items()],
        rules_found=sum(v not in (None, "") for v in (p.rules or {}).values()), notes=notes))


@requires("knowledge")
async def publish(request: web.Request) -> web.StreamResponse:
    """POST /knowledge/publish (`token`): store the previewed plan and keep it; audited."""
    services = services_of(request)
    token = str((await request.post()).get("token") or "")
    try:
        path = upload_of(services, token)
        settings = services.settings
        try:
            result = await asyncio.to_thread(add_plan_file, settings.database_url, path, settings.plans_dir)
        except Exception as error:
            log.warning("publishing %s failed: %r", path.name, error)
            raise UploadRefused(text("publish_failed")) from error
    except UploadRefused as refused:
        return _error_page(request, refused)
    shutil.rmtree(path.parent, ignore_errors=True)
    audit(request, "kb.publish", result.number, file=path.name, status=result.status)
    raise web.HTTPSeeOther("/knowledge?" + urlencode({"published": result.number, "status": result.status}))


def _groups(services: Services, state: str) -> list[dict[str, Any]]:
    with services.database.session() as session:
        return [{
            "id": g.last_id, "question": mask_phones_in(g.question), "count": g.count,
            "reasons": "、".join(REASON_NAMES.get(r, r) for r in g.reasons),
            "last_asked": f"{g.last_asked_at:%Y-%m-%d %H:%M}",
        } for g in KnowledgeRepository(session).unanswered_by_question(state)]


@requires("knowledge")
@aiohttp_jinja2.template("unanswered.html")
async def unanswered(request: web.Request) -> dict[str, Any]:
    """GET /knowledge/unanswered[?state=…]: the questions in that review state (default 待处理)."""
    state = request.query.get("state", "pending")
    state = state if state in STATE_NAMES else "pending"
    groups = await asyncio.to_thread(_groups, services_of(request), state)
    return page_context(request, state=state, state_names=STATE_NAMES, groups=groups)


def _review(services: Services, question_id: int, state: str, reviewer: str) -> tuple[str, int] | None:
    with services.database.session(writes_after_reads=True) as session:  # reads the text, then updates
        return KnowledgeRepository(session).review_unanswered(question_id, state, reviewer)


@requires("knowledge")
async def review(request: web.Request) -> web.StreamResponse:
    """POST /knowledge/unanswered/review (`id`, `state`, `view`): mark every row of that
    question; 400 for a bad id or state, 404 for an unknown id; audited."""
    form = await request.post()
    state, view, raw_id = (str(form.get(k) or "") for k in ("state", "view", "id"))
    if state not in REVIEW_STATES or not raw_id.isdigit():
        raise web.HTTPBadRequest(text=text("bad_review"))
    done = await asyncio.to_thread(_review, services_of(request), int(raw_id), state,
                                   session_of(request).account.name)
    if done is None:
        raise web.HTTPNotFound(text=text("no_question"))
    question, rows = done
    audit(request, "kb.unanswered_review", f"unanswered:{raw_id}", state=state, rows=rows,
          question=mask_phones_in(question)[:200])
    raise web.HTTPSeeOther("/knowledge/unanswered?" + urlencode({"state": view if view in STATE_NAMES else "pending"}))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/knowledge", knowledge_page)
    app.router.add_post("/knowledge/preview", preview)
    app.router.add_post("/knowledge/publish", publish)
    app.router.add_get("/knowledge/unanswered", unanswered)
    app.router.add_post("/knowledge/unanswered/review", review)
