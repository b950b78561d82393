"""Building the knowledge base: idempotent, replaceable, and open to next year's plans."""
from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa

from core.db import UnitOfWork, engine_for
from kb.models import DocumentRow, SiteRow, WorkItemRow
from kb.store import KnowledgeRepository, add_plan_file, build, plan_files


def test_build_stores_both_plans_with_their_records(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    results = build(url, plan_files())
    assert sorted(r.status for r in results) == ["added", "added"]
    with UnitOfWork(url).session() as session:
        documents = KnowledgeRepository(session).documents()
        assert {d.number for d in documents} == {"京兴政务公开发〔2023〕1号", "京兴政务公开办发〔2023〕2号"}
        item4 = session.execute(sa.select(WorkItemRow).where(WorkItemRow.number == 4)).scalar_one()
        assert item4.unit_ids == ["区人力资源社会保障局"]
        site9 = session.execute(sa.select(SiteRow).where(SiteRow.number == 9)).scalar_one()
        assert "区人力资源社会保障局" in site9.unit_ids
        assert "劳动争议仲裁" in site9.topic_ids


def test_building_twice_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    build(url, plan_files())
    with UnitOfWork(url).session() as session:
        version = KnowledgeRepository(session).version()
    second = build(url, plan_files())
    assert [r.status for r in second] == ["unchanged", "unchanged"]
    with UnitOfWork(url).session() as session:
        assert KnowledgeRepository(session).version() == version
        assert session.execute(sa.select(sa.func.count(WorkItemRow.id))).scalar_one() == 29


def test_a_changed_plan_replaces_its_old_records(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    shutil.copytree(plan_files()[0].parent, sources)
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    build(url, plan_files(sources))
    plan = next(p for p in plan_files(sources) if "work-points" in p.name)
    plan.write_text(plan.read_text(encoding="utf-8").replace("区教委负责落实", "区教育委员会负责落实"),
                    encoding="utf-8")
    results = {r.path.name: r.status for r in build(url, plan_files(sources))}
    assert results[plan.name] == "updated"
    with UnitOfWork(url).session() as session:
        assert session.execute(sa.select(sa.func.count(DocumentRow.id))).scalar_one() == 2
        item9 = session.execute(sa.select(WorkItemRow).where(WorkItemRow.number == 9)).scalar_one()
        assert item9.units == ["区教育委员会"]


def test_kb_add_makes_a_new_years_plan_answerable(tmp_path: Path) -> None:
    from kb.answers import AnswerEngine, KnowledgeBase, Question

    url = f"sqlite:///{tmp_path / 'kb.db'}"
    sources = tmp_path / "sources"
    sources.mkdir()
    build(url, plan_files())
    next_year = tmp_path / "daxing-2024-public-interaction-plan.txt"
    original = next(p for p in plan_files() if "interaction" in p.name)
    next_year.write_text(
        original.read_text(encoding="utf-8").replace("2023", "2024").replace("人保局", "区人社局"),
        encoding="utf-8",
    )
    result = add_plan_file(url, next_year, plans_dir=sources)
    assert result.status == "added"
    assert (sources / next_year.name).exists()
    with UnitOfWork(url).session() as session:
        engine = AnswerEngine(KnowledgeBase(KnowledgeRepository(session).documents()))
    answer = engine.answer(Question("开放点9是哪个单位负责的", "ask_open_day"))
    assert "区人社局" in answer.text and "〔2024〕" in answer.text


def test_our_tables_never_clash_with_rasa_tables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    build(url, [])
    tables = sa.inspect(engine_for(url)).get_table_names()
    assert tables and all(t.startswith(("kb_", "act_", "ho_", "st_")) for t in tables)
    assert "events" not in tables  # Rasa's tracker-store table is Rasa's alone
