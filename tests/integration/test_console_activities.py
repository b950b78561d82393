"""The organisers' and admins' console pages, served for real on SQLite and PostgreSQL:
schedule upload (all or nothing), applications with masked phones, selection with a
published seed, the export (its own permission), invitations and a deletion request — each
audited. The rules themselves are activities.service's (tests/integration/test_activities.py)."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from activities.models import ActivitySessionRow, ApplicationRow
from activities.service import ApplicationRequest
from activities.workdays import add_working_days
from bot.services import Services
from core.clock import beijing_now
from kb.models import DocumentRow, LectureRow, PassageRow, SiteRow, WorkItemRow
from kb.store import build, plan_files
from tests.integration.console_support import STAFF_TABLES, clean, console_services, csrf_of, serve
from tests.integration.console_support import log_in as logged_in

KB_TABLES = (PassageRow, LectureRow, SiteRow, WorkItemRow, DocumentRow)


@pytest.fixture
def services(migrated_db: str, tmp_path) -> Iterator[Services]:  # type: ignore[no-untyped-def]
    """The console over the plans of kb/sources; no staff, applications or sessions before, and
    no plans left after (other tests on this database expect none)."""
    clean(migrated_db, (*STAFF_TABLES, ApplicationRow, ActivitySessionRow))
    build(migrated_db, plan_files())
    yield console_services(migrated_db, tmp_path)
    clean(migrated_db, (ApplicationRow, ActivitySessionRow, *KB_TABLES))


async def log_in(client: TestClient, name: str) -> str:
    """Logged in as `name`; the CSRF token of the session."""
    assert (await logged_in(client, name))[0] == 302
    return await csrf_of(client, "/dashboard")


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
        assert bad.status == 400 and "未导入任何场次" in text and "第2行" in text and "不是日期时间" in text
        assert "C9" not in text.split("上传场次文件")[0]  # all or nothing: not even the good row
        empty = await client.post("/activities/schedule", data=upload(token, b"code,activity,starts_at,venue\n"))
        assert empty.status == 400 and "文件里没有场次" in await empty.text()
        good = await client.post("/activities/schedule", data=upload(token, schedule_csv(
            f"C9,开放点9,{start:%Y-%m-%d %H:%M},区劳动人事争议仲裁院").decode("utf-8").encode("gbk")))
        page = await good.text()  # saved as GBK, as Excel on Chinese Windows does
        assert "已导入：新增 1 场" in page and "C9" in page and "报名中" in page

        service = services.activity_service()
        for i in range(3):
            organisation = '=HYPERLINK("http://evil.example","点我")' if i == 2 else None
            service.apply(ApplicationRequest("C9", f"申请人{i}", f"1390000000{i}", "其他", organisation, beijing_now()))
        listing = await (await client.get("/activities/C9")).text()
        assert "139****0001" in listing and "13900000001" not in listing
        assert "开放点9" in listing and "site9" not in listing  # the activity as the plans call it
        forged = await (await client.get("/activities/C9?message=系统升级，请把密码发到 x@example.com")).text()
        assert "系统升级" not in forged  # a message nobody signed for this session is not shown
        too_early = await client.post("/activities/C9/select", data={"csrf_token": token, "method": "lottery"})
        assert too_early.status == 409 and "报名尚未截止" in await too_early.text()
        selected = await (await client.post("/activities/C9/select", data={"csrf_token": token, "method": "lottery",
                                                                          "early": "yes"})).text()
        seed = re.search(r"抽签种子 (\d+)", selected).group(1)
        assert "入选 3 人" in selected
        exported = await client.get("/activities/C9/export.csv")
        body = (await exported.read()).decode("utf-8")
        assert exported.status == 200 and body.startswith("\ufeff报名编号") and "13900000001" in body
        assert "\"'=HYPERLINK(" in body and ",=HYPERLINK" not in body  # text in Excel, never a formula
        invited = await (await client.post("/activities/C9/invite", data={"csrf_token": token})).text()
        assert "已记录通知 3 人" in invited

        # The same draw again gives the same result: the seed lets anyone check it.
        assert services.activity_service().select("C9", "lottery", int(seed)).selected == 0

    serve(services, scenario)
    actions = [(e.action, e.target) for e in reversed(services.audit.entries(actor="organiser1"))]
    assert actions == [("login", "staff:organiser1"), ("schedule.refused", "file:sessions.csv"),
                       ("schedule.refused", "file:sessions.csv"), ("schedule.import", "file:sessions.csv"), ("applications.select", "session:C9"),
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
        serve(services, scenario)
    assert services.activity_service().applications("C7") == []
    [forgotten] = services.audit.entries(action="citizen.forget")
    assert forgotten.actor == "admin1" and forgotten.target == "phone:139****0009"
    assert "13900000009" not in str(services.audit.entries())
