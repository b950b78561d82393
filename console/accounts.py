"""Admins' page of staff accounts: list, add, disable, enable, set a new password — the same
rules as `daxing staff` (staff.accounts), each audited. An admin cannot disable their own
account (so the last admin never locks everybody out)."""
from __future__ import annotations

import asyncio

import aiohttp_jinja2
from aiohttp import web

from console.auth import (
    audit, back_with_message, page_context, requires, services_of, session_of, shown_message,
)
from console.texts import text
from staff.accounts import AccountError
from staff.roles import ROLE_NAMES


def _page(request: web.Request, message: str = "", error: str = "", status: int = 200) -> web.Response:
    accounts = services_of(request).staff.all()
    return aiohttp_jinja2.render_template("staff.html", request, page_context(
        request, accounts=accounts, roles=ROLE_NAMES, message=message, error=error), status=status)


@requires("staff")
async def accounts_page(request: web.Request) -> web.Response:
    """GET /staff[?message=…]."""
    return await asyncio.to_thread(_page, request, shown_message(request))


@requires("staff")
async def add(request: web.Request) -> web.StreamResponse:
    """POST /staff (name, role, display_name, password): a new account."""
    form = await request.post()
    name, role = str(form.get("name") or "").strip(), str(form.get("role") or "")
    try:
        account = await asyncio.to_thread(services_of(request).staff.add, name, role, str(form.get("password") or ""),
                                          str(form.get("display_name") or "").strip() or None)
    except AccountError as error:
        return await asyncio.to_thread(_page, request, "", str(error), 400)
    audit(request, "staff.add", f"staff:{account.name}", role=account.role)
    raise back_with_message(request, "/staff", text("account_added", name=account.name, role=ROLE_NAMES[account.role]))


@requires("staff")
async def change(request: web.Request) -> web.StreamResponse:
    """POST /staff/{name}/{disable|enable|reset} (reset: password)."""
    name, what = request.match_info["name"], request.match_info["what"]
    staff = services_of(request).staff
    try:
        if what == "disable":
            if name == session_of(request).account.name:
                raise AccountError(text("not_yourself"))
            await asyncio.to_thread(staff.set_disabled, name, True)
            message = text("account_disabled", name=name)
        elif what == "enable":
            await asyncio.to_thread(staff.set_disabled, name, False)
            message = text("account_enabled", name=name)
        else:
            password = str((await request.post()).get("password") or "")
            await asyncio.to_thread(staff.reset_password, name, password)
            message = text("password_set", name=name)
    except AccountError as error:
        return await asyncio.to_thread(_page, request, "", str(error), 400)
    audit(request, f"staff.{'reset_password' if what == 'reset' else what}", f"staff:{name}")
    raise back_with_message(request, "/staff", message)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/staff", accounts_page)
    app.router.add_post("/staff", add)
    app.router.add_post(r"/staff/{name}/{what:disable|enable|reset}", change)
