"""The console's app factory (aiohttp-demos' shape): `create_app(services, rasa_url, token)`.

Services are the process's, built once by the caller (`console.main`, tests); the Rasa API
client shares one HTTP session for the app's life. Pages are Jinja2 templates
(console/templates, autoescaped); static files under /static/.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.services import Services
from console import accounts, activities, auth, knowledge, overview, tickets
from console.rasa import RasaApi

HERE = Path(__file__).parent
# No framing, no inline scripts, nothing from other origins.
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
}


@web.middleware
async def security_headers(request: web.Request, handler: auth.Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:
        for name, value in SECURITY_HEADERS.items():
            error.headers.setdefault(name, value)
        raise
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


async def home(request: web.Request) -> web.StreamResponse:
    """GET /: the inbox for agents and admins; the login page for everybody else."""
    session = request.get(auth.SESSION)
    if session is None:
        raise web.HTTPFound("/login")
    raise web.HTTPFound("/tickets" if auth.may_see_tickets(session) else "/dashboard")


async def health(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def create_app(services: Services, rasa_url: str, rasa_token: str) -> web.Application:
    """The console for `services`, reaching Rasa's HTTP API at `rasa_url` with `rasa_token`."""
    # A plan upload may be up to 10 MB (console/knowledge.py); everything else is far smaller.
    app = web.Application(middlewares=[security_headers, auth.login_sessions], client_max_size=11 * 1024 * 1024)
    app[auth.SERVICES] = services
    aiohttp_jinja2.setup(
        app, loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(["html"]), undefined=jinja2.StrictUndefined,
    )

    async def rasa_client(app: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession() as http:
            app[tickets.RASA] = RasaApi(rasa_url, rasa_token, http)
            yield

    app.cleanup_ctx.append(rasa_client)
    app.router.add_get("/", home)
    app.router.add_get("/health", health)
    app.router.add_get("/login", auth.login_page)
    app.router.add_post("/login", auth.log_in)
    app.router.add_post("/logout", auth.log_out)
    tickets.add_routes(app)
    overview.add_routes(app)
    activities.add_routes(app)
    knowledge.add_routes(app)
    accounts.add_routes(app)
    app.router.add_static("/static/", HERE / "static")
    return app
