"""The console's knowledge pages, served for real (aiohttp's test server) on SQLite and
PostgreSQL: an organiser uploads a plan, previews what was parsed and publishes it (stored,
kept in the data directory, listed, audited); refusals (role, CSRF, suffix, damaged file,
forged token); the unanswered-questions queue with phones masked and its review audited."""
from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from bot.services import Services
from console.knowledge import MAX_UPLOAD_BYTES, UploadRefused, keep_upload, uploads_dir
from core.db import engine_for
from kb.models import DocumentRow, LectureRow, PassageRow, SiteRow, UnansweredQuestionRow, WorkItemRow
from kb.store import SOURCES_DIR, KnowledgeRepository
from tests.integration.console_support import CSRF, STAFF_TABLES, clean, console_services, csrf_of, serve
from tests.integration.console_support import log_in as logged_in

TOKEN = re.compile(r'name="token" value="([^"]+)"')
PLAN = SOURCES_DIR / "daxing-2023-public-interaction-plan.txt"
PLAN_NUMBER = "京兴政务公开办发〔2023〕2号"
TABLES = (*STAFF_TABLES, UnansweredQuestionRow, PassageRow, LectureRow, SiteRow,
          WorkItemRow, DocumentRow)


@pytest.fixture
def console_db(migrated_db: str) -> Iterator[str]:
    """`migrated_db` without staff, audit entries, plans or unanswered questions, before and
    after (other tests on this database expect no plans)."""
    clean(migrated_db, TABLES)
    yield migrated_db
    clean(migrated_db, TABLES)


@pytest.fixture
def services(console_db: str, tmp_path: Path) -> Iterator[Services]:
    yield console_services(console_db, tmp_path / "var")


async def log_in(client: TestClient, name: str) -> None:
    assert (await logged_in(client, name))[0] == 302


def upload(path: Path, csrf: str | None, name: str | None = None) -> FormData:
    form = FormData()
    if csrf is not None:
        form.add_field("csrf_token", csrf)
    form.add_field("plan", path.read_bytes(), filename=name or path.name, content_type="application/octet-stream")
    return form


def test_an_organiser_previews_then_publishes_a_plan_which_is_then_listed(services: Services, tmp_path: Path) -> None:
    plan = tmp_path / "互动方案 2023.txt"
    shutil.copyfile(PLAN, plan)

    async def scenario(client: TestClient) -> None:
        await log_in(client, "organiser1")
        page = await client.get("/knowledge")
        text = await page.text()
        assert page.status == 200 and "上传新方案" in text and PLAN_NUMBER not in text
        preview = await client.post("/knowledge/preview", data=upload(plan, CSRF.search(text).group(1)))
        shown = await preview.text()
        assert preview.status == 200 and "方案预览" in shown
        assert PLAN_NUMBER in shown and "《大兴区2023年政民互动工作总体方案》" in shown and "政民互动方案" in shown
        assert "<strong>17</strong>个开放点" in shown and "<strong>5</strong>讲政策公开讲" in shown
        assert "<strong>5</strong>条参与规则" in shown and "公开遴选、定向邀请" in shown
        assert not (services.settings.plans_dir / plan.name).exists()  # nothing stored yet
        with services.database.session() as session:
            assert KnowledgeRepository(session).listed() == []
        token = TOKEN.search(shown).group(1)
        assert (uploads_dir(services) / token / plan.name).is_file()
        published = await client.post("/knowledge/publish", data={"csrf_token": CSRF.search(shown).group(1),
                                                                  "token": token}, allow_redirects=False)
        assert published.status == 303 and published.headers["Location"].startswith("/knowledge?")
        listed = await client.get(published.headers["Location"])
        listed_text = await listed.text()
        assert PLAN_NUMBER in listed_text and "已新增" in listed_text and "在用" in listed_text
        again = await client.post("/knowledge/publish", data={"csrf_token": CSRF.search(shown).group(1),
                                                              "token": token})
        assert again.status == 400 and "已发布或已过期" in await again.text()

    serve(services, scenario)
    with services.database.session() as session:
        [row] = KnowledgeRepository(session).listed()
        assert (row.number, row.year, row.source_file, row.withdrawn_at) == (PLAN_NUMBER, 2023, plan.name, None)
        assert len(row.sites) > 0 and len(row.lectures) > 0
    assert (services.settings.plans_dir / plan.name).read_bytes() == PLAN.read_bytes()
    assert list(uploads_dir(services).iterdir()) == []
    [entry] = services.audit.entries(action="kb.publish")
    assert (entry.actor, entry.target, entry.detail["status"]) == ("organiser1", PLAN_NUMBER, "added")


def test_an_agent_is_refused_and_an_admin_may_enter(services: Services) -> None:
    async def agent(client: TestClient) -> None:
        await log_in(client, "agent1")
        assert (await client.get("/knowledge")).status == 403
        assert (await client.get("/knowledge/unanswered")).status == 403
        token = await csrf_of(client, "/dashboard")
        assert (await client.post("/knowledge/preview", data=upload(PLAN, token))).status == 403
        assert (await client.post("/knowledge/publish", data={"csrf_token": token, "token": "0" * 32})).status == 403
        assert (await client.post("/knowledge/unanswered/review",
                                  data={"csrf_token": token, "id": "1", "state": "ignored"})).status == 403

    serve(services, agent)
    refused = services.audit.entries(action="access.refused")
    assert {e.target for e in refused} == {"/knowledge", "/knowledge/unanswered", "/knowledge/preview",
                                           "/knowledge/publish", "/knowledge/unanswered/review"}

    async def admin(client: TestClient) -> None:
        await log_in(client, "admin1")
        assert (await client.get("/knowledge")).status == 200
        assert (await client.get("/knowledge/unanswered")).status == 200

    serve(services, admin)


def test_a_post_without_the_csrf_token_is_refused_and_stores_nothing(services: Services) -> None:
    async def scenario(client: TestClient) -> None:
        await log_in(client, "organiser1")
        assert (await client.post("/knowledge/preview", data=upload(PLAN, None))).status == 403
        assert (await client.post("/knowledge/preview", data=upload(PLAN, "forged"))).status == 403
        assert (await client.post("/knowledge/publish", data={"token": "0" * 32})).status == 403

    serve(services, scenario)
    assert not uploads_dir(services).exists()
    assert len(services.audit.entries(action="csrf.refused")) == 3


def test_a_bad_suffix_a_damaged_file_and_a_forged_token_get_a_polite_400(services: Services, tmp_path: Path) -> None:
    script = tmp_path / "plan.exe"
    script.write_bytes(b"MZ not a plan")
    damaged = tmp_path / "方案.docx"
    damaged.write_bytes(b"this is not a zip archive")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")

    async def scenario(client: TestClient) -> None:
        await log_in(client, "organiser1")
        token = await csrf_of(client, "/knowledge")
        refused = await client.post("/knowledge/preview", data=upload(script, token))
        assert refused.status == 400 and "仅支持 .txt、.docx、.pdf" in await refused.text()
        broken = await client.post("/knowledge/preview", data=upload(damaged, token))
        assert broken.status == 400 and "无法读取该文件" in await broken.text()
        nothing = await client.post("/knowledge/preview", data=upload(empty, token))
        assert nothing.status == 400 and "文件是空的" in await nothing.text()
        sneaky = await client.post("/knowledge/preview", data=upload(PLAN, token, name="../../../etc/plan.txt"))
        assert sneaky.status == 200  # kept under its last name part only
        kept = TOKEN.search(await sneaky.text()).group(1)
        assert [p.name for p in (uploads_dir(services) / kept).iterdir()] == ["plan.txt"]
        for forged in ("../../etc", "../" + "0" * 29, "0" * 32, "A" * 32, ""):
            answer = await client.post("/knowledge/publish", data={"csrf_token": token, "token": forged})
            text = await answer.text()
            assert answer.status == 400 and ("无效的上传标识" in text or "已发布或已过期" in text), forged

    serve(services, scenario)
    assert [p.parent.name for p in uploads_dir(services).glob("*/*")] and not services.settings.plans_dir.exists()
    with services.database.session() as session:
        assert KnowledgeRepository(session).listed() == []
    assert services.audit.entries(action="kb.publish") == []


def test_an_upload_over_the_size_limit_is_refused_and_not_kept(services: Services) -> None:
    with pytest.raises(UploadRefused) as refused:
        keep_upload(services, "big.pdf", io.BytesIO(b"x" * (MAX_UPLOAD_BYTES + 1)))
    assert refused.value.status == 413 and "10 MB" in refused.value.message
    assert list(uploads_dir(services).iterdir()) == []


def test_reviewing_an_unanswered_question_moves_it_out_of_pending_and_is_audited(services: Services) -> None:
    with services.database.session() as session:
        repository = KnowledgeRepository(session)
        for _ in range(3):
            repository.record_unanswered("停车费多少钱", "detail_not_in_plans", "ask_detail", "c1")
        for _ in range(2):
            repository.record_unanswered("我的手机13800001234能报名吗", "no_match", None, "c2")
        repository.record_unanswered("明年有开放日吗", "other_year", None, "c3")

    async def scenario(client: TestClient) -> None:
        await log_in(client, "organiser1")
        page = await client.get("/knowledge/unanswered")
        text = await page.text()
        assert page.status == 200 and "待处理" in text
        assert "138****1234" in text and "13800001234" not in text
        assert text.index("停车费多少钱") < text.index("138****1234") < text.index("明年有开放日吗")
        row = re.search(r"停车费多少钱</td><td>3</td>.*?name=\"id\" value=\"(\d+)\"", text, re.S)
        assert row is not None and "方案未写的细节" in text
        form = {"csrf_token": CSRF.search(text).group(1), "id": row.group(1), "state": "reviewed", "view": "pending"}
        done = await client.post("/knowledge/unanswered/review", data=form, allow_redirects=False)
        assert done.status == 303 and done.headers["Location"] == "/knowledge/unanswered?state=pending"
        pending = await (await client.get("/knowledge/unanswered")).text()
        assert "停车费多少钱" not in pending and "明年有开放日吗" in pending
        reviewed = await (await client.get("/knowledge/unanswered?state=reviewed")).text()
        assert "停车费多少钱" in reviewed and "明年有开放日吗" not in reviewed
        bad = await client.post("/knowledge/unanswered/review", data={**form, "state": "deleted"})
        assert bad.status == 400
        unknown = await client.post("/knowledge/unanswered/review", data={**form, "id": "999999999"})
        assert unknown.status == 404

    serve(services, scenario)
    with engine_for(services.settings.database_url).begin() as connection:
        states = connection.execute(sa.select(UnansweredQuestionRow.review_state, UnansweredQuestionRow.reviewed_by)
                                    .where(UnansweredQuestionRow.question == "停车费多少钱")).all()
    assert states == [("reviewed", "organiser1")] * 3
    [entry] = services.audit.entries(action="kb.unanswered_review")
    assert (entry.actor, entry.detail["state"], entry.detail["rows"], entry.detail["question"]) == (
        "organiser1", "reviewed", 3, "停车费多少钱")
