"""The organisers' and admins' console pages, served for real on SQLite and PostgreSQL:
schedule upload (all or nothing), applications with masked phones, selection with a
published seed, the export (its own permission), invitations and a deletion request — each
audited. The rules themselves are activities.service's (tests/integration/test_activities.py)."""
from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from aiohttp import FormData
from aiohttp.test_utils import TestClient, TestServer

from activities.models import ActivitySessionRow, ApplicationRow
from activities.service import ApplicationRequest
from activities.workdays import add_working_days
from bot.services import Services
from bot.settings import Settings
from console.app import create_app
from core.clock import beijing_now
from core.db import engine_for
from kb.store import build, plan_files
from ops.supervisor import free_port
from staff.models import AuditRow, StaffRow, StaffSessionRow

PASSWORD = "organiser passphrase"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def services(migrated_db: str, tmp_path) -> Iterator[Services]:  # type: ignore[no-untyped-def]
    with engine_for(migrated_db).begin() as connection:
        for row in (StaffSessionRow, AuditRow, StaffRow, ApplicationRow, ActivitySessionRow):
            connection.execute(sa.delete(row.__table__))
    build(migrated_db, plan_files())
    services = Services.from_settings(Settings.from_env({"DATABASE_URL": migrated_db, "DAXING_VAR_DIR": str(tmp_path)}))
    for name, role in (("agent1", "agent"), ("organiser1", "organiser"), ("admin1", "admin")):
        services.staff.add(name, role, PASSWORD)
    yield services


def run(services: Services, scenario) -> None:  # type: ignore[no-untyped-def]
    async def go() -> None:
        async with TestClient(TestServer(create_app(services, f"http://127.0.0.1:{free_port()}", "x" * 32))) as client:
            await scenario(client)

    asyncio.run(go())


async def log_in(client: TestClient, name: str) -> str:
    token = CSRF.search(await (await client.get("/login")).text()).group(1)
    response = await client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token},
                                 allow_redirects=False)
    assert response.status == 302
    return CSRF.search(await (await client.get("/dashboard")).text()).group(1)


def schedule_csv(*rows: str) -> bytes:
    return ("code,activity,starts_at,venue\n" + "\n".join(rows) + "\n").encode("utf-8")


def upload(token: str, content: bytes, name: str = "sessions.csv") -> FormData:
    form = FormData()
    form.add_field("csrf_token", token)
    form.add_field("file", content, filename=name, content_type="text/csv")
    return form


def test_an_organiser_uploads_a_schedule_selects_by_lottery_exports_and_invites(services: Services) -> None:
    start = dt.datetime.combine(add_working_days(beijing_now().date(), 10), dt.time(9, 30))

    async def scenario(client: TestClient) -> None:
        token = await log_in(client, "organiser1")
        bad = await client.post("/activities/schedule", data=upload(token, schedule_csv(
            f"C9,开放点9,{start:%Y-%m-%d %H:%M},区劳动人事争议仲裁院", "C99,开放点99,2026-13-01 09:00,某地")))
        text = await bad.text()
        assert bad.status == 400 and "未导入任何场次" in text and "row 2" in text
        assert "C9" not in text.split("上传场次文件")[0]  # all or nothing: not even the good row
        good = await client.post("/activities/schedule", data=upload(token, schedule_csv(
            f"C9,开放点9,{start:%Y-%m-%d %H:%M},区劳动人事争议仲裁院")))
        page = await good.text()
        assert "已导入：新增 1 场" in page and "C9" in page and "报名中" in page

        service = services.activity_service()
        for i in range(3):
            service.apply(ApplicationRequest("C9", f"申请人{i}", f"1390000000{i}", "其他", None, beijing_now()))
        listing = await (await client.get("/activities/C9")).text()
        assert "139****0001" in listing and "13900000001" not in listing
        selected = await (await client.post("/activities/C9/select", data={"csrf_token": token, "method": "lottery"})).text()
        seed = re.search(r"抽签种子 (\d+)", selected).group(1)
        assert "入选 3 人" in selected
        exported = await client.get("/activities/C9/export.csv")
        body = (await exported.read()).decode("utf-8")
        assert exported.status == 200 and body.startswith("\ufeff报名编号") and "13900000001" in body
        invited = await (await client.post("/activities/C9/invite", data={"csrf_token": token})).text()
        assert "已记录通知 3 人" in invited

        # The same draw again gives the same result: the seed lets anyone check it.
        assert services.activity_service().select("C9", "lottery", int(seed)).selected == 0

    run(services, scenario)
    actions = [(e.action, e.target) for e in reversed(services.audit.entries(actor="organiser1"))]
    assert actions == [("login", "staff:organiser1"), ("schedule.refused", "file:sessions.csv"),
                       ("schedule.import", "file:sessions.csv"), ("applications.select", "session:C9"),
                       ("applications.export", "session:C9"), ("applications.invite", "session:C9")]


def test_an_agent_can_neither_see_applications_nor_export_and_only_an_admin_handles_a_deletion(services: Services) -> None:
    start = dt.datetime.combine(add_working_days(beijing_now().date(), 10), dt.time(9, 30))
    from activities.schedule import parse_rows, store

    store(services.settings.database_url, parse_rows([{"code": "C7", "activity": "开放点7",
          "starts_at": f"{start:%Y-%m-%d %H:%M}", "venue": "区公共法律服务中心"}],
          services.activity_service().catalogue, beijing_now().date()))
    services.activity_service().apply(ApplicationRequest("C7", "王芳", "13900000009", "其他", None, beijing_now()))

    async def agent(client: TestClient) -> None:
        token = await log_in(client, "agent1")
        assert (await client.get("/activities")).status == 403
        assert (await client.get("/activities/C7/export.csv")).status == 403
        assert (await client.post("/forget", data={"csrf_token": token, "phone": "13900000009", "confirm": "yes"})).status == 403

    async def organiser(client: TestClient) -> None:
        token = await log_in(client, "organiser1")
        assert (await client.post("/forget", data={"csrf_token": token, "phone": "13900000009", "confirm": "yes"})).status == 403

    async def admin(client: TestClient) -> None:
        token = await log_in(client, "admin1")
        unconfirmed = await client.post("/forget", data={"csrf_token": token, "phone": "13900000009"})
        assert unconfirmed.status == 400
        done = await (await client.post("/forget", data={"csrf_token": token, "phone": "139 0000 0009", "confirm": "yes"})).text()
        assert "已删除 139****0009 的 1 条报名" in done

    for scenario in (agent, organiser, admin):
        run(services, scenario)
    assert services.activity_service().applications("C7") == []
    [forgotten] = services.audit.entries(action="citizen.forget")
    assert forgotten.actor == "admin1" and forgotten.target == "phone:139****0009"
    assert "13900000009" not in str(services.audit.entries())
