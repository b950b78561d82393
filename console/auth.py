"""Logging in and out, the session cookie, CSRF tokens and role checks.

- The session cookie (COOKIE) holds a random token; `staff.sessions` keeps its hash. It is
  HttpOnly, SameSite=Strict, and Secure when CONSOLE_SECURE_COOKIES is on.
- Every state-changing request (POST) carries the session's CSRF token, as the form field
  `csrf_token` or the header X-CSRF-Token; the login form, before any session, uses a
  double-submit cookie (LOGIN_COOKIE). Without it: 403, nothing changed.
- `requires(permission)` guards a handler: not logged in → the login page (GET) or 401;
  logged in without the permission (`staff.roles`) → 403. Every refusal is audited.
"""
from __future__ import annotations

import asyncio
import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web

from bot.services import Services
from console.texts import text
from staff.accounts import LoginRefused
from staff.roles import ROLE_NAMES, may
from staff.sessions import LoginSession, csrf_matches

COOKIE = "dx_console"
LOGIN_COOKIE = "dx_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SERVICES = web.AppKey("services", Services)
SESSION = "login_session"  # request key: the LoginSession of a logged-in request

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def services_of(request: web.Request) -> Services:
    return request.app[SERVICES]


def session_of(request: web.Request) -> LoginSession:
    return request[SESSION]


def client_address(request: web.Request) -> str:
    """The client's address: nginx's X-Real-IP in production, else the socket's peer."""
    return request.headers.get("X-Real-IP") or request.remote or "-"


def audit(request: web.Request, action: str, target: str | None = None, **detail: Any) -> None:
    """Record a staff action of this request (the logged-in account, its address)."""
    session = request.get(SESSION)
    actor = session.account.name if session else "-"
    services_of(request).audit.record(actor, action, target, detail or None, client_address(request))


def _cookie_options(request: web.Request) -> dict[str, Any]:
    secure = services_of(request).settings.console_secure_cookies
    return {"httponly": True, "samesite": "Strict", "secure": secure, "path": "/"}


@web.middleware
async def login_sessions(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Find the request's session and check the CSRF token of every POST (403 without)."""
    found = services_of(request).login_sessions.find(request.cookies.get(COOKIE))
    if found is not None:
        request[SESSION] = found
    if request.method == "POST" and request.path != "/login":
        sent = request.headers.get(CSRF_HEADER)
        if sent is None and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            sent = (await request.post()).get(CSRF_FIELD)
        if found is None:
            raise web.HTTPUnauthorized(text=text("log_in_first"))
        if not csrf_matches(found, sent if isinstance(sent, str) else None):
            audit(request, "csrf.refused", request.path)
            raise web.HTTPForbidden(text=text("csrf_refused"))
    response = await handler(request)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def requires(permission: str) -> Callable[[Handler], Handler]:
    """Only logged-in staff whose role has `permission` (staff.roles.PERMISSIONS) get in."""

    def decorate(handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            session = request.get(SESSION)
            if session is None:
                if request.method == "GET" and "text/event-stream" not in request.headers.get("Accept", ""):
                    raise web.HTTPFound("/login")
                raise web.HTTPUnauthorized(text=text("log_in_first"))
            if not may(session.account.role, permission):
                audit(request, "access.refused", request.path, permission=permission)
                raise web.HTTPForbidden(text=text("role_refused"))
            return await handler(request)

        guarded.__doc__ = handler.__doc__
        return guarded

    return decorate


def may_see_tickets(session: LoginSession) -> bool:
    return may(session.account.role, "tickets")


def back_with_message(request: web.Request, path: str, message: str) -> web.HTTPSeeOther:
    """A redirect (303) to `path`, whose page shows `message` (`shown_message`). The message
    travels in the query with an HMAC keyed by the session's CSRF token, so a link crafted by
    somebody else cannot put its own words into the console's notice box."""
    return web.HTTPSeeOther(f"{path}?message={quote(message)}&sig={_message_sig(request, message)}")


def shown_message(request: web.Request) -> str:
    """The message `back_with_message` sent this page, or "" (none, or not signed for this session)."""
    message, sig = request.query.get("message", ""), request.query.get("sig", "")
    return message if message and hmac.compare_digest(sig, _message_sig(request, message)) else ""


def _message_sig(request: web.Request, message: str) -> str:
    key = session_of(request).csrf_token.encode()
    return hmac.new(key, message.encode(), "sha256").hexdigest()


def page_context(request: web.Request, **values: Any) -> dict[str, Any]:
    """What every page's template gets: the account, its role's name and permissions, the
    CSRF token for its forms."""
    session = request.get(SESSION)
    role = session.account.role if session else None
    return {
        "account": session.account if session else None,
        "role_name": ROLE_NAMES.get(role or "", ""),
        "can": (lambda permission: role is not None and may(role, permission)),
        "csrf_token": session.csrf_token if session else "",
        "hotline": services_of(request).settings.hotline_number,
        **values,
    }


async def login_page(request: web.Request) -> web.Response:
    """GET /login: the form, with a fresh double-submit CSRF token."""
    if request.get(SESSION) is not None:
        raise web.HTTPFound("/")
    return _login_form(request, error=None, name="")


def _login_form(request: web.Request, error: str | None, name: str, status: int = 200) -> web.Response:
    token = secrets.token_urlsafe(24)
    response = aiohttp_jinja2.render_template(
        "login.html", request, page_context(request, error=error, name=name, login_token=token), status=status
    )
    response.set_cookie(LOGIN_COOKIE, token, **_cookie_options(request))
    return response


async def log_in(request: web.Request) -> web.Response:
    """POST /login: name, password and the login form's token. A refusal never says whether
    the name exists; a locked account says until when."""
    form = await request.post()
    sent, expected = str(form.get(CSRF_FIELD) or ""), request.cookies.get(LOGIN_COOKIE) or ""
    if not expected or not hmac.compare_digest(sent, expected):
        audit(request, "csrf.refused", "/login")
        raise web.HTTPForbidden(text=text("csrf_refused"))
    name, password = str(form.get("name") or "").strip()[:64], str(form.get("password") or "")
    services = services_of(request)
    try:  # argon2 takes tens of milliseconds of CPU: off the event loop (live streams go on)
        account = await asyncio.to_thread(services.staff.log_in, name, password)
    except LoginRefused as refused:
        services.audit.record("-", "login.refused", f"staff:{name}",
                              {"locked": refused.locked_until is not None}, client_address(request))
        error = (text("locked", until=f"{refused.locked_until:%H:%M}") if refused.locked_until
                 else text("wrong_login"))
        return _login_form(request, error=error, name=name, status=401)
    session = services.login_sessions.open(account)
    services.audit.record(account.name, "login", f"staff:{account.name}", None, client_address(request))
    response = web.HTTPFound("/")
    response.set_cookie(COOKIE, session.token, max_age=int((session.expires_at - services.login_sessions.clock())
                                                            .total_seconds()), **_cookie_options(request))
    response.del_cookie(LOGIN_COOKIE, path="/")
    raise response


async def log_out(request: web.Request) -> web.Response:
    """POST /logout (with the CSRF token): the session ends here and in the database."""
    audit(request, "logout")
    services_of(request).login_sessions.close(request.cookies.get(COOKIE))
    response = web.HTTPFound("/login")
    response.del_cookie(COOKIE, path="/")
    raise response
