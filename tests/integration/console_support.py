"""Shared by the console's integration tests: the console served for real (aiohttp's test
server, Rasa's API on a port nobody listens on), a logged-in client, staff accounts."""
from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import sqlalchemy as sa
from aiohttp.test_utils import TestClient, TestServer

from bot.services import Services
from bot.settings import Settings
from console.app import create_app
from core.db import engine_for
from ops.supervisor import free_port
from staff.models import AuditRow, StaffRow, StaffSessionRow

PASSWORD = "correct horse 1"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
STAFF_TABLES = (StaffSessionRow, AuditRow, StaffRow)
ACCOUNTS = (("agent1", "agent"), ("organiser1", "organiser"), ("admin1", "admin"))


def clean(url: str, tables: tuple[type, ...]) -> None:
    """Delete every row of `tables` (children before parents) at `url`."""
    with engine_for(url).begin() as connection:
        for row in tables:
            connection.execute(sa.delete(row.__table__))


def console_services(url: str, var_dir: Path) -> Services:
    """Services on `url` with one account per role (agent1, organiser1, admin1; PASSWORD);
    agent1 is 王小明 to citizens."""
    services = Services.from_settings(Settings.from_env({"DATABASE_URL": url, "DAXING_VAR_DIR": str(var_dir)}))
    for name, role in ACCOUNTS:
        services.staff.add(name, role, PASSWORD, display_name="王小明" if name == "agent1" else None)
    return services


def serve(services: Services, scenario: Callable[[TestClient], Awaitable[None]]) -> None:
    """Serve the console for `services` and play `scenario(client)`."""
    async def go() -> None:
        async with TestClient(TestServer(create_app(services, f"http://127.0.0.1:{free_port()}", "x" * 32))) as client:
            await scenario(client)

    asyncio.run(go())


async def log_in(client: TestClient, name: str, password: str = PASSWORD) -> tuple[int, str]:
    """Log in through the form (with its CSRF token); (status, page text)."""
    token = CSRF.search(await (await client.get("/login")).text()).group(1)
    response = await client.post("/login", data={"name": name, "password": password, "csrf_token": token},
                                 allow_redirects=False)
    return response.status, await response.text()


async def csrf_of(client: TestClient, path: str) -> str:
    """The CSRF token in the page at `path` (logged in)."""
    return CSRF.search(await (await client.get(path)).text()).group(1)
