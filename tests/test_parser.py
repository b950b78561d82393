"""The parser on the real published plans, and on the noise next year's files will bring."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.loaders import UnsupportedPlanFormat, load_text
from kb.parser import parse_file, parse_plan, parse_responsibility
from kb.records import ParsedPlan

SOURCES = Path(__file__).resolve().parent.parent / "kb" / "sources"


@pytest.fixture(scope="module")
def work_points() -> ParsedPlan:
    return parse_file(SOURCES / "daxing-2023-open-government-work-points.txt")


@pytest.fixture(scope="module")
def interaction() -> ParsedPlan:
    return parse_file(SOURCES / "daxing-2023-public-interaction-plan.txt")


def test_documents_are_identified(work_points: ParsedPlan, interaction: ParsedPlan) -> None:
    assert work_points.document.number == "京兴政务公开发〔2023〕1号"
    assert work_points.document.title == "北京市大兴区2023年政务公开工作要点"
    assert work_points.document.issuer == "北京市大兴区政务公开工作领导小组"
    assert work_points.document.date == dt.date(2023, 4, 10)
    assert work_points.document.kind == "work_points"
    assert interaction.document.number == "京兴政务公开办发〔2023〕2号"
    assert interaction.document.title == "大兴区2023年政民互动工作总体方案"
    assert interaction.document.issuer == "北京市大兴区政务公开工作领导小组办公室"
    assert interaction.document.date == dt.date(2023, 7, 28)
    assert (interaction.document.year, interaction.document.kind) == (2023, "interaction_plan")


def test_all_29_work_items_with_units_and_deadlines(work_points: ParsedPlan) -> None:
    items = {item.number: item for item in work_points.items}
    assert sorted(items) == list(range(1, 30))
    assert items[4].units == ("区人力资源社会保障局",)
    assert items[4].deadline == "2023-12"
    assert items[9].units == ("区教委",) and items[9].deadline == "2023-10"
    assert items[1].units == ("临空区管委会", "区经信局", "生物医药基地管委会", "大兴经济开发区")
    assert items[14].lead_units == ("区政务服务局",)
    assert items[23].lead_units == ("区政务服务局", "区司法局")
    assert items[15].deadline == "2023-12"  # tail broken over a page
    assert all(item.deadline for item in items.values())
    for item in items.values():
        assert "\n" not in item.text and "完成时限" not in item.text
        assert not item.text.startswith(str(item.number))
    assert "登记失业人员" in items[4].text  # a page number stood between 登记 and 失业


def test_work_items_keep_their_section(work_points: ParsedPlan) -> None:
    item4 = next(i for i in work_points.items if i.number == 4)
    assert item4.section[0] == "二、深化重点领域信息公开"
    assert item4.section[1].startswith("（二）以满足人民群众美好生活需求")


def test_all_17_open_day_sites(interaction: ParsedPlan) -> None:
    sites = {site.number: site for site in interaction.sites}
    assert sorted(sites) == list(range(1, 18))
    shared = {(s.description, s.units, s.category, s.theme) for n, s in sites.items() if n <= 4}
    assert len(shared) == 1
    assert sites[1].units == ("采育镇", "榆垡镇", "兴丰街道", "政务服务局")
    assert sites[1].category == "政务服务体验" and sites[1].theme == "优化营商环境"
    assert (sites[9].units, sites[9].category, sites[9].theme) == (("人保局",), "仲裁调解", "保障改善民生")
    assert sites[8].category == "城管服务" and sites[8].units == ("城管委",)
    assert sites[13].units == ("长子营镇",) and "幸福晚年驿站" in sites[13].description
    assert sites[17].theme == "政策专属礼包"
    assert all("主责单位" not in s.description for s in sites.values())


def test_all_5_policy_lectures(interaction: ParsedPlan) -> None:
    lectures = {lecture.number: lecture for lecture in interaction.lectures}
    assert sorted(lectures) == [1, 2, 3, 4, 5]
    assert lectures[4].title == "医保惠民政策宣讲"
    assert lectures[4].units == ("医保局",)
    assert lectures[4].topics == ("惠民保", "医保报销政策", "城乡医保参保政策", "异地就医政策")
    assert lectures[5].units == ("城管委",)
    assert lectures[1].units == ("统计局",) and "五经普" in lectures[1].title


def test_participation_rules(interaction: ParsedPlan) -> None:
    rules = interaction.rules
    assert rules is not None
    assert rules.online_notice_working_days == 3
    assert rules.online_notice_contents == ("活动时间", "活动时长", "活动大体流程安排", "网民参与方式", "主办单位")
    assert rules.offline_size == 30
    assert rules.offline_groups == ("区人大代表", "区政协委员", "群众代表（家长代表或企业代表）", "媒体记者")
    assert rules.selection_methods == ("公开遴选", "定向邀请")
    assert rules.offline_notice_working_days == 5
    assert rules.activity_months == (8, 11)
    assert rules.materials_published_within_working_days == 5


def test_every_record_has_a_passage_and_the_rest_is_text(
    work_points: ParsedPlan, interaction: ParsedPlan
) -> None:
    refs = {p.ref for p in work_points.passages + interaction.passages}
    assert {f"item:{n}" for n in range(1, 30)} <= refs
    assert {f"site:{n}" for n in range(1, 18)} <= refs
    assert {f"lecture:{n}" for n in range(1, 6)} <= refs
    assert "rules" in refs
    goals = [p for p in work_points.passages if p.kind == "text" and "工作目标" in p.section[-1]]
    assert goals and "政务公开助推政策落实落地" in goals[0].text
    for passage in work_points.passages + interaction.passages:
        assert "\n" not in passage.text and "2023 年" not in passage.text


def test_responsibility_tails() -> None:
    assert parse_responsibility("区政务服务局牵头，区政府相关部门按职责落实") == (
        ["区政务服务局", "区政府相关部门"], ["区政务服务局"])
    assert parse_responsibility("区住建委、区城管委及相关属地负责落实") == (
        ["区住建委", "区城管委", "相关属地"], [])


def test_crlf_and_extra_page_numbers_do_not_change_the_result() -> None:
    original = (SOURCES / "daxing-2023-open-government-work-points.txt").read_text(encoding="utf-8")
    noisy = original.replace("\n\n", "\r\n\r\n7\r\n\r\n", 40)
    plan = parse_plan(noisy)
    assert len(plan.items) == 29


def test_unrecognised_text_still_gives_a_document() -> None:
    plan = parse_plan("", source_file="empty.txt")
    assert plan.document.number == "empty" and plan.items == ()
    plan = parse_plan("这是一段没有结构的文字。\n第二行。", source_file="x.txt")
    assert plan.passages and plan.passages[0].kind == "text"


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="一二三、（）()1234567890.．。：，开放点主责单位牵头完成时限年月日 \r\n京〔〕号“”专题内容包括", max_size=400)
    | st.text(max_size=400)
)
def test_arbitrary_text_never_crashes_the_parser(text: str) -> None:
    plan = parse_plan(text, source_file="fuzz.txt")
    assert plan.document.number


def test_docx_plans_are_read(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    for line in [
        "北京市大兴区政务公开工作领导小组",
        "京兴政务公开发〔2024〕1号",
        "关于印发《北京市大兴区 2024 年政务公开工作要点》的通知",
        "二、深化重点领域信息公开",
        "1.做好就业信息公开工作。（区人力资源社会保障局负责落实，完成时限：2024 年 6 月）",
    ]:
        document.add_paragraph(line)
    path = tmp_path / "plan.docx"
    document.save(str(path))
    plan = parse_file(path)
    assert plan.document.number == "京兴政务公开发〔2024〕1号"
    assert plan.items[0].units == ("区人力资源社会保障局",)
    assert plan.items[0].deadline == "2024-06"


def test_pdf_plans_are_read(tmp_path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "plan.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setFont("STSong-Light", 12)
    pdf.drawString(50, 800, "京兴政务公开发〔2024〕1号")
    pdf.drawString(50, 780, "1.做好医保信息公开工作。（区医保局负责落实，完成时限：2024 年 9 月）")
    pdf.save()
    text = load_text(path)
    assert "区医保局负责落实" in text.replace(" ", "")
    assert parse_file(path).items[0].deadline == "2024-09"


def test_other_formats_are_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    path.write_bytes(b"")
    with pytest.raises(UnsupportedPlanFormat):
        load_text(path)
