"""The staff console's security and roles, served for real (aiohttp's test server) on SQLite
and PostgreSQL: login, lock-out, CSRF, role separation, the audit log, a reply stored and
the ticket closed. The Rasa server is not running here: the console says a reply waits
(the hand-off worker relays it); the whole loop with Rasa is tests/e2e/test_console_loop.py."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from aiohttp import ClientSession
from aiohttp.test_utils import TestClient

from bot.services import Services
from core.db import engine_for
from handoff.models import StaffMessageRow, TicketRow
from handoff.service import HandoffService, TicketRequest
from staff.accounts import MAX_FAILED_LOGINS
from staff.models import AuditRow, StaffRow
from tests.integration.console_support import (
    CSRF, PASSWORD, STAFF_TABLES, clean, console_services, csrf_of, log_in, serve,
)

@pytest.fixture
def services(migrated_db: str, tmp_path) -> Iterator[Services]:  # type: ignore[no-untyped-def]
    clean(migrated_db, (*STAFF_TABLES, StaffMessageRow, TicketRow))
    yield console_services(migrated_db, tmp_path)



def open_ticket(services: Services, phone: str | None = "13800001234") -> str:
    return HandoffService(services.settings.database_url, False).open_ticket(TicketRequest(
        channel="socketio", sender_id="citizen-1", reason="requested",
        transcript=[{"role": "user", "text": "转人工", "at": None}], contact_phone=phone,
    )).number


def test_login_sets_a_strict_http_only_cookie_and_a_wrong_password_does_not(services: Services) -> None:
    async def scenario(client: TestClient) -> None:
        status, text = await log_in(client, "agent1", "wrong password")
        assert status == 401 and "登录名或密码错误" in text
        assert "dx_console" not in {c.key for c in client.session.cookie_jar}
        status, _ = await log_in(client, "agent1")
        assert status == 302
        raw = [h for h in (await client.get("/login", allow_redirects=False)).headers.getall("Set-Cookie", [])]
        assert raw == []  # logged in: /login redirects, no new login token
        inbox = await client.get("/tickets")
        assert inbox.status == 200 and "待处理的人工服务工单" in await inbox.text()
        assert inbox.headers["X-Frame-Options"] == "DENY"
        assert "default-src 'self'" in inbox.headers["Content-Security-Policy"]

    serve(services, scenario)
    with engine_for(services.settings.database_url).begin() as connection:
        stored = connection.execute(sa.select(StaffRow.password_hash).where(StaffRow.name == "agent1")).scalar_one()
        actions = [a for a, in connection.execute(sa.select(AuditRow.action).order_by(AuditRow.id))]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert actions == ["login.refused", "login"]


def test_the_session_cookie_is_http_only_and_same_site(services: Services) -> None:
    async def scenario(client: TestClient) -> None:
        page = await client.get("/login")
        token = CSRF.search(await page.text()).group(1)
        response = await client.post("/login", data={"name": "agent1", "password": PASSWORD, "csrf_token": token},
                                     allow_redirects=False)
        cookie = next(h for h in response.headers.getall("Set-Cookie") if h.startswith("dx_console="))
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie

    serve(services, scenario)


def test_repeated_failed_logins_lock_the_account_even_for_the_right_password(services: Services) -> None:
    async def scenario(client: TestClient) -> None:
        for _ in range(MAX_FAILED_LOGINS):
            status, text = await log_in(client, "agent1", "guess guess")
        assert status == 401 and "已锁定" in text
        status, text = await log_in(client, "agent1")
        assert status == 401 and "已锁定" in text
        assert (await client.get("/tickets", allow_redirects=False)).status == 302

    serve(services, scenario)
    services.staff.reset_password("agent1", "another password 2")  # an admin lifts it
    assert services.staff.log_in("agent1", "another password 2").name == "agent1"


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(services: Services) -> None:
    number = open_ticket(services)

    async def scenario(client: TestClient) -> None:
        await log_in(client, "agent1")
        refused = await client.post(f"/tickets/{number}/close", data={"note": "x"})
        assert refused.status == 403
        wrong = await client.post(f"/tickets/{number}/close", data={"note": "x", "csrf_token": "forged"})
        assert wrong.status == 403
        login_forged = await client.post("/login", data={"name": "agent1", "password": PASSWORD, "csrf_token": "x"})
        assert login_forged.status == 403

    serve(services, scenario)
    assert services.handoff.ticket(number).status == "open"
    assert [e.action for e in services.audit.entries(action="csrf.refused")] == ["csrf.refused"] * 3


def test_roles_an_organiser_sees_no_tickets_and_only_admins_read_the_audit_log(services: Services) -> None:
    number = open_ticket(services)

    async def scenario(client: TestClient) -> None:
        await log_in(client, "organiser1")
        assert (await client.get("/tickets")).status == 403
        assert (await client.get(f"/tickets/{number}")).status == 403
        token = await csrf_of(client, "/dashboard")
        assert (await client.post(f"/tickets/{number}/reveal", data={"csrf_token": token})).status == 403
        assert (await client.get("/audit")).status == 403
        assert (await client.get("/dashboard")).status == 200

    serve(services, scenario)
    refused = services.audit.entries(action="access.refused")
    assert {e.target for e in refused} == {"/tickets", f"/tickets/{number}", f"/tickets/{number}/reveal", "/audit"}
    assert all(e.actor == "organiser1" for e in refused)

    async def admin(client: TestClient) -> None:
        await log_in(client, "admin1")
        page = await client.get("/audit")
        assert page.status == 200 and "access.refused" in await page.text()

    serve(services, admin)


def test_an_agent_claims_replies_reveals_the_number_and_closes_each_audited(services: Services) -> None:
    number = open_ticket(services)

    async def scenario(client: TestClient) -> None:
        await log_in(client, "agent1")
        page = await client.get(f"/tickets/{number}")
        text = await page.text()
        assert "138****1234" in text and "13800001234" not in text and "转人工" in text
        token = CSRF.search(text).group(1)
        json = {"Accept": "application/json"}
        assert (await client.post(f"/tickets/{number}/claim", data={"csrf_token": token}, headers=json)).status == 200
        replied = await client.post(f"/tickets/{number}/reply", data={"csrf_token": token, "text": "您好，我来帮您"},
                                    headers=json)
        assert replied.status == 200 and (await replied.json())["delivered"] is False  # Rasa is not running
        empty = await client.post(f"/tickets/{number}/reply", data={"csrf_token": token, "text": "  "}, headers=json)
        assert empty.status == 409
        revealed = await client.post(f"/tickets/{number}/reveal", data={"csrf_token": token})
        assert (await revealed.json()) == {"phone": "13800001234"}
        closed = await client.post(f"/tickets/{number}/close", data={"csrf_token": token, "note": "已电话回复"},
                                   headers=json)
        assert closed.status == 200
        late = await client.post(f"/tickets/{number}/reply", data={"csrf_token": token, "text": "还在吗"}, headers=json)
        assert late.status == 409

    serve(services, scenario)
    [message] = services.takeover.messages(number)
    assert (message.text, message.staff_name, message.shown_as, message.delivered_at) == ("您好，我来帮您", "agent1", "王**", None)
    assert services.takeover.undelivered("citizen-1")[0].id == message.id  # waits for the worker
    ticket = services.handoff.ticket(number)
    assert (ticket.status, ticket.claimed_by, ticket.note) == ("closed", "agent1", "已电话回复")
    actions = [(e.actor, e.action, e.target) for e in reversed(services.audit.entries())]
    assert actions[1:] == [("agent1", a, f"ticket:{number}") for a in
                           ("ticket.claim", "ticket.reply", "ticket.reveal_phone", "ticket.close")]


def test_another_agent_can_neither_reply_in_nor_take_nor_close_a_claimed_conversation_an_admin_can(services: Services) -> None:
    services.staff.add("agent2", "agent", PASSWORD)
    number = open_ticket(services)
    services.takeover.claim(number, "agent1")

    async def scenario(client: TestClient) -> None:
        await log_in(client, "agent2")
        token = await csrf_of(client, f"/tickets/{number}")
        answer = await client.post(f"/tickets/{number}/reply", data={"csrf_token": token, "text": "你好"})
        assert answer.status == 409 and "agent1" in await answer.text()
        taken = await client.post(f"/tickets/{number}/claim", data={"csrf_token": token})
        assert taken.status == 409
        closed = await client.post(f"/tickets/{number}/close", data={"csrf_token": token, "note": "x"})
        assert closed.status == 409 and "只有接手人可以结束" in await closed.text()

    async def admin(client: TestClient) -> None:
        await log_in(client, "admin1")
        token = await csrf_of(client, f"/tickets/{number}")
        plain = {"allow_redirects": False}  # a plain form's answer: back to the ticket (303)
        assert (await client.post(f"/tickets/{number}/claim", data={"csrf_token": token}, **plain)).status == 303
        assert (await client.post(f"/tickets/{number}/close", data={"csrf_token": token}, **plain)).status == 303
        again = await client.post(f"/tickets/{number}/close", data={"csrf_token": token}, allow_redirects=False)
        assert again.status == 409  # closed once, audited once

    serve(services, scenario)
    assert services.takeover.messages(number) == [] and services.handoff.ticket(number).claimed_by == "agent1"
    serve(services, admin)
    [taken] = services.audit.entries(action="ticket.claim")
    assert taken.actor == "admin1" and taken.detail == {"previously": "agent1"}
    assert len(services.audit.entries(action="ticket.close")) == 1


def test_a_disabled_account_is_logged_out_at_once(services: Services) -> None:
    async def scenario(client: TestClient) -> None:
        await log_in(client, "agent1")
        assert (await client.get("/tickets")).status == 200
        services.staff.set_disabled("agent1", True)
        assert (await client.get("/tickets", allow_redirects=False)).status == 302

    serve(services, scenario)


def test_logout_ends_the_session_in_the_database(services: Services) -> None:
    async def scenario(client: TestClient) -> None:
        await log_in(client, "agent1")
        cookie = next(c.value for c in client.session.cookie_jar if c.key == "dx_console")
        token = await csrf_of(client, "/tickets")
        assert (await client.post("/logout", data={"csrf_token": token}, allow_redirects=False)).status == 302
        async with ClientSession(cookies={"dx_console": cookie}) as stolen:
            reused = await stolen.get(client.make_url("/tickets"), allow_redirects=False)
            assert reused.status == 302  # the old cookie no longer opens anything

    serve(services, scenario)


def test_an_admin_manages_accounts_in_the_console_and_nobody_else_may(services: Services) -> None:
    async def agent(client: TestClient) -> None:
        await log_in(client, "agent1")
        token = await csrf_of(client, "/tickets")
        assert (await client.get("/staff")).status == 403
        refused = await client.post("/staff", data={"csrf_token": token, "name": "x1", "role": "admin",
                                                    "password": "a long passphrase"})
        assert refused.status == 403

    async def admin(client: TestClient) -> None:
        await log_in(client, "admin1")
        token = await csrf_of(client, "/staff")
        weak = await client.post("/staff", data={"csrf_token": token, "name": "li", "role": "agent", "password": "short"})
        assert weak.status == 400 and "密码至少" in await weak.text()
        made = await client.post("/staff", data={"csrf_token": token, "name": "li", "role": "agent",
                                                 "display_name": "李四", "password": "a long passphrase"})
        assert "已开通账号 li（坐席）" in await made.text()
        assert "已停用 agent1" in await (await client.post("/staff/agent1/disable", data={"csrf_token": token})).text()
        own = await client.post("/staff/admin1/disable", data={"csrf_token": token})
        assert own.status == 400 and "不能停用自己的账号" in await own.text()
        reset = await client.post("/staff/li/reset", data={"csrf_token": token, "password": "another passphrase"})
        assert "已为 li 设置新密码" in await reset.text()

    serve(services, agent)
    serve(services, admin)
    assert services.staff.get("agent1").disabled and services.staff.log_in("li", "another passphrase").role == "agent"
    assert [(e.actor, e.action, e.target) for e in reversed(services.audit.entries(actor="admin1"))][1:] == [
        ("admin1", "staff.add", "staff:li"), ("admin1", "staff.disable", "staff:agent1"),
        ("admin1", "staff.reset_password", "staff:li")]


def test_the_dashboard_counts_conversations_per_day_from_rasas_events(services: Services) -> None:
    """Rasa's events table as its SQL tracker store writes it (only the columns read here)."""
    import datetime as dt

    from core.clock import BEIJING, beijing_today

    url = services.settings.database_url
    events = sa.Table("events", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                      sa.Column("sender_id", sa.String(255)), sa.Column("type_name", sa.String(255)),
                      sa.Column("timestamp", sa.Float), sa.Column("data", sa.Text))
    existed = sa.inspect(engine_for(url)).has_table("events")
    events.create(engine_for(url), checkfirst=True)
    today = beijing_today()
    noon = dt.datetime.combine(today, dt.time(12), BEIJING).timestamp()
    with engine_for(url).begin() as connection:
        connection.execute(sa.delete(events))
        connection.execute(events.insert(), [
            {"sender_id": "a", "type_name": "user", "timestamp": noon, "data": "{}"},
            {"sender_id": "a", "type_name": "user", "timestamp": noon + 60, "data": "{}"},
            {"sender_id": "b", "type_name": "user", "timestamp": noon - 86400, "data": "{}"},
            {"sender_id": "c", "type_name": "bot", "timestamp": noon, "data": "{}"},
        ])

    async def organiser(client: TestClient) -> None:
        await log_in(client, "organiser1")
        page = await (await client.get("/dashboard")).text()
        assert "每日对话数" in page
        assert re.search(rf"<th scope=\"row\">{today:%m-%d}</th><td>1</td>", page)
        assert re.search(rf"<th scope=\"row\">{today - dt.timedelta(days=1):%m-%d}</th><td>1</td>", page)

    try:
        serve(services, organiser)
    finally:
        with engine_for(url).begin() as connection:
            connection.execute(sa.delete(events))
        if not existed:  # Rasa's own table has more columns: leave none of ours behind
            events.drop(engine_for(url))
