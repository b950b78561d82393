"""Next year's plans beside 2023's (issue 14): `daxing kb add` shows what it extracted and
keeps the file in the data directory, `kb list` / `kb remove`; questions naming a year are
answered from that year's plans, questions naming none from the newest; a session of 2026
is checked against the 2026 plan's rules; no answer ever shows a missing value ("约None人").

The 2026 plans are tests/fixtures/plans, written blind (see its README)."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from activities.catalogue import Catalogue
from activities.schedule import ScheduleError, parse_rows
from kb.answers import AnswerEngine, KnowledgeBase, Question
from core.db import UnitOfWork
from kb.store import KnowledgeRepository, build, plan_files
from ops.cli import main
from tests.unit.answering import HOTLINE, TODAY, ask

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "plans"
INTERACTION_2026 = FIXTURES / "2026-interaction-a.txt"
WORK_POINTS_2026 = FIXTURES / "2026-workpoints-a.txt"


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    var = tmp_path / "var"
    monkeypatch.setenv("DAXING_VAR_DIR", str(var))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'kb.db'}")
    return var


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def engine_of(url: str) -> AnswerEngine:
    with UnitOfWork(url).session() as session:
        documents = KnowledgeRepository(session).documents()
    return AnswerEngine(KnowledgeBase(documents), hotline=HOTLINE, today=lambda: TODAY)


@pytest.fixture(scope="module")
def both_years(tmp_path_factory: pytest.TempPathFactory) -> AnswerEngine:
    url = f"sqlite:///{tmp_path_factory.mktemp('years') / 'kb.db'}"
    build(url, [*plan_files(), INTERACTION_2026, WORK_POINTS_2026])
    return engine_of(url)


def test_kb_add_dry_run_previews_the_extraction_and_stores_nothing(cli_env: Path) -> None:
    out = run("kb", "add", "--dry-run", str(INTERACTION_2026))
    assert "京兴政务公开办发〔2026〕3号 preview" in out and "9 sites, 5 lectures" in out
    assert "约人数 40" in out and "线下提前工作日 7" in out and "2026年6月下旬" in out
    assert not (cli_env / "plans").exists()
    assert "〔2026〕" not in run("kb", "list")


def test_kb_add_keeps_the_file_in_the_data_directory_and_kb_remove_withdraws_it(cli_env: Path) -> None:
    run("kb", "build")
    out = run("kb", "add", str(WORK_POINTS_2026))
    assert "京兴政务公开发〔2026〕1号 added" in out and "13 items" in out
    assert (cli_env / "plans" / WORK_POINTS_2026.name).is_file()
    listing = run("kb", "list")
    assert listing.index("2023  京兴政务公开发〔2023〕1号") < listing.index("2026  京兴政务公开发〔2026〕1号")

    run("kb", "remove", "京兴政务公开发〔2026〕1号")
    assert not (cli_env / "plans" / WORK_POINTS_2026.name).exists()
    assert "已撤下" in run("kb", "list")
    run("kb", "build")  # a rebuild does not bring a withdrawn plan back
    answer = engine_of(os.environ["DATABASE_URL"]).answer(Question("就业信息公开谁负责"))
    assert "〔2023〕1号" in answer.text and "〔2026〕" not in answer.text


def test_kb_remove_of_an_unknown_number_is_a_clean_error(cli_env: Path) -> None:
    result = CliRunner().invoke(main, ["kb", "remove", "京兴政务公开发〔2031〕1号"])
    assert result.exit_code != 0 and "no stored plan" in result.output


def test_a_question_without_a_year_is_answered_from_the_newest_plan_naming_its_year(both_years) -> None:
    answer = both_years.answer(Question("线下活动多少人参加"))
    assert "约40人" in answer.text and "〔2026〕3号" in answer.text and "30人" not in answer.text
    listed = both_years.answer(Question("今年有哪些开放日"))
    assert "2026年“政务开放日”共有9个开放点" in listed.text


def test_a_question_naming_a_year_is_answered_from_that_years_plan(both_years) -> None:
    answer = both_years.answer(Question("2023年线下活动多少人参加"))
    assert "约30人" in answer.text and "〔2023〕2号" in answer.text and "40" not in answer.text
    item = both_years.answer(Question("2023年就业信息公开谁负责"))
    assert "第4项" in item.text and "〔2023〕1号" in item.text


def test_a_follow_up_stays_in_the_year_of_the_record_discussed(both_years) -> None:
    answer = ask(both_years, "2023年开放点9是谁负责", "它讲什么")
    assert "〔2023〕2号" in answer.text and "〔2026〕" not in answer.text


def test_a_year_not_loaded_is_said_plainly(both_years) -> None:
    answer = both_years.answer(Question("2025年的开放日有哪些"))
    assert "2025" in answer.text and not answer.covered
    assert "2026年“政务开放日”共有" not in answer.text


def test_the_plans_own_timing_is_what_it_says_and_待定_is_never_a_date(both_years) -> None:
    timed = both_years.answer(Question("开放点三什么时候"))
    assert "2026年6月下旬" in timed.text and "活动公告为准" in timed.text
    undecided = both_years.answer(Question("开放点四什么时候"))
    assert "没有写定" in undecided.text and HOTLINE in undecided.text


def test_a_task_with_a_lead_and_partner_units_names_both(both_years) -> None:
    answer = both_years.answer(Question("就业信息公开谁牵头"))
    assert "区人力资源社会保障局牵头，区财政局配合" in answer.text


def test_which_year_the_information_is_from_lists_every_plan_held(both_years) -> None:
    answer = both_years.answer(Question("你们这信息都是哪年的"))
    assert "〔2026〕3号" in answer.text and "〔2023〕1号" in answer.text


@pytest.mark.parametrize("plan", sorted(p.name for p in FIXTURES.iterdir()
                                         if p.suffix in (".txt", ".docx")))
def test_no_answer_about_any_record_shows_a_missing_value(plan: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    build(url, [FIXTURES / plan])
    engine = engine_of(url)
    questions = ["线下活动多少人参加", "活动提前几天公告", "线上直播怎么参与", "活动材料什么时候公开",
                 "怎么报名", "谁可以参加", "活动一般几月份", "开放日有哪些", "公开讲有哪几讲"]
    for record in engine.kb.numbered():
        label = {"site": f"开放点{record.number}", "lecture": f"第{record.number}讲",
                 "item": f"第{record.number}项"}[record.kind]
        questions += [f"{label}谁负责", f"{label}什么时候", f"{label}在哪里", f"{label}讲什么"]
    for text in questions:
        reply = engine.answer(Question(text)).text
        assert "None" not in reply and "{" not in reply, (text, reply)


def test_a_2026_session_belongs_to_the_2026_plan_and_its_notice_rule(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    build(url, [*plan_files(), INTERACTION_2026])
    catalogue = Catalogue(engine_of(url))
    today = dt.date(2026, 6, 1)
    row = {"activity": "开放点3", "starts_at": "2026-06-24 09:30", "venue": "仲裁院"}
    spec = parse_rows([{**row, "announced_on": "2026-06-10"}], catalogue, today)[0]
    assert spec.activity.document_number == "京兴政务公开办发〔2026〕3号"
    assert spec.capacity == 40  # the 2026 plan's 约40人, not 2023's 30
    with pytest.raises(ScheduleError, match="提前 7 个工作日"):  # 2026: 7 days ahead; 5 would do
        parse_rows([{**row, "announced_on": "2026-06-16"}], catalogue, today)
    older = parse_rows([{**row, "starts_at": "2023-09-20 09:30", "announced_on": "2023-09-01"}],
                       catalogue, today)[0]
    assert older.activity.document_number == "京兴政务公开办发〔2023〕2号" and older.capacity == 30


def test_the_same_question_about_another_year_is_answered_from_that_years_plan(both_years) -> None:
    answer = ask(both_years, "2026年线下活动多少人参加", "那2023年呢")
    assert "约30人" in answer.text and "〔2023〕2号" in answer.text


def test_a_year_not_held_names_every_year_that_is(both_years) -> None:
    answer = both_years.answer(Question("2025年的开放日有哪些"))
    assert "2023、2026年的计划" in answer.text


def test_the_rules_of_a_plan_are_cited_by_its_own_heading(both_years) -> None:
    answer = both_years.answer(Question("线下活动多少人参加"))
    assert "〔2026〕3号）“参与方式”部分" in answer.text
    older = both_years.answer(Question("2023年线下活动多少人参加"))
    assert "〔2023〕2号）“政民互动形式”“工作要求”部分" in older.text


def test_adding_a_withdrawn_plan_again_says_it_is_restored(cli_env: Path) -> None:
    run("kb", "add", str(WORK_POINTS_2026))
    run("kb", "remove", "京兴政务公开发〔2026〕1号")
    assert "京兴政务公开发〔2026〕1号 restored" in run("kb", "add", str(WORK_POINTS_2026))
    assert "[在用] 2026-workpoints-a.txt" in run("kb", "list")
