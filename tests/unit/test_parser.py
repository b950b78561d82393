"""The parser on the real published plans, and on the noise next year's files will bring."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.loaders import UnsupportedPlanFormat, load_text
from core.numerals import to_int
from kb.parser import parse_file, parse_plan, parse_responsibility
from kb.plan_fields import extract_fields, month_of
from kb.plan_rules import read_rules
from kb.plan_tables import TableRow, read_tables
from kb.records import ParsedPlan

SOURCES = Path(__file__).resolve().parent.parent.parent / "kb" / "sources"


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
    assert lectures[4].topics == ("2023年惠民保", "2023年医保报销政策", "城乡医保参保政策", "异地就医政策")
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


# ---------------------------------------------------------------- the readers the parser is made of
@pytest.mark.parametrize("text, value", [
    ("7", 7), ("１２", 12), ("五", 5), ("十", 10), ("十二", 12), ("二十", 20), ("九十九", 99),
    ("〇", 0), ("两", 2), ("二〇二六", 2026), ("", None), ("约", None),
])
def test_numerals(text: str, value) -> None:
    assert to_int(text) == value


@pytest.mark.parametrize("text, month", [
    ("2026年10月底", "2026-10"), ("6月底前", "2025-06"), ("第三季度", "2025-09"),
    ("上半年", "2025-06"), ("年底前", "2025-12"), ("年内", "2025-12"), ("6月下旬", "2025-06"),
    ("5月中旬", "2025-05"), ("2024年第四季度", "2024-12"), ("十一月", "2025-11"),
    ("2027年9月中下旬", "2027-09"), ("2027年10月底前", "2027-10"), ("6月上旬", "2025-06"),
    ("长期坚持", None), ("持续推进", None), ("待定", None), ("", None),
])
def test_deadline_months(text: str, month) -> None:
    assert month_of(text, 2025) == month


@pytest.mark.parametrize("text, rest, units, partners, time", [
    ("做好公开。（责任单位：区教委、各镇街；完成时限：2025年8月底前）", "做好公开。",
     ["区教委", "各镇街"], [], "2025年8月底前"),
    ("做好公开。（区住建委、区城管委及相关属地负责落实，完成时限：2023年12月）", "做好公开。",
     ["区住建委", "区城管委", "相关属地"], [], "2023年12月"),
    ("牵头单位：区医保局配合单位：区卫生健康委、各镇街完成时间：长期坚持", "",
     ["区医保局"], ["区卫生健康委", "各镇街"], "长期坚持"),
    ("深化解读。（责任单位：区政务服务局牵头，区政府各部门、各镇街配合；时限：年底）", "深化解读。",
     ["区政务服务局"], ["区政府各部门", "各镇街"], "年底"),
    ("医保政策解读（主讲：区医保局、区卫生健康委）", "医保政策解读", ["区医保局", "区卫生健康委"], [], ""),
    ("公开居(村)民信息（各镇、街道负责落实，完成时限：2023年10月）", "公开居(村)民信息",
     ["各镇、街道"], [], "2023年10月"),
    # bare labels (承办/协办/地址) run in after a short title, spaces already cleaned away
    ("税费服务开放活动承办：区税务局协办：区财政局时间：2027年6月上旬地址：黄村西大街", "税费服务开放活动",
     ["区税务局"], ["区财政局"], "2027年6月上旬"),
    ("耕地保护政策（宣讲单位：区农业农村局、区规划自然资源分局）", "耕地保护政策",
     ["区农业农村局", "区规划自然资源分局"], [], ""),
    # a sentence that happens to hold labels is not a title with a field run
    ("活动结束后，承办：区某局时间：另行通知", "活动结束后，承办：区某局时间：另行通知", [], [], ""),
])
def test_labelled_fields(text, rest, units, partners, time) -> None:
    found_rest, fields = extract_fields(text)
    assert (found_rest, fields.units, fields.partners, fields.time) == (rest, units, partners, time)


def test_flattened_table_with_wrapped_cell_repeated_header_and_merged_row() -> None:
    lines = [
        "序号  工作任务  责任单位  完成时限",
        "一、重点领域",
        "1\t做好信息公开。\t区财政局\t2026年6月底",
        "2    做好政策解读。    区住建委、    第三季度",
        "                      各镇街",
        "- 3 -",
        "序号  工作任务  责任单位  完成时限",
        "3\t做好培训。\t区司法局\t年底前",
        "注：以上任务按季度调度。",
    ]
    entries = read_tables(lines)
    rows = [e for e in entries if isinstance(e, TableRow)]
    assert [r.number for r in rows] == [1, 2, 3]
    assert rows[1].cells["units"] == "区住建委、 各镇街"
    assert "一、重点领域" in entries and entries[-1] == "注：以上任务按季度调度。"
    plan = parse_plan("大兴区2026年政务公开工作要点\n" + "\n".join(lines))
    assert [i.units for i in plan.items] == [("区财政局",), ("区住建委", "各镇街"), ("区司法局",)]
    assert [i.deadline for i in plan.items] == ["2026-06", "2026-09", "2026-12"]


def test_chinese_numerals_in_markers_and_rules() -> None:
    text = "\n".join([
        "京兴政务公开办发（2027）9号",
        "大兴区2027年政民互动工作方案",
        "一、活动安排",
        "（一）政务开放日",
        "开放点十二：区档案馆",
        "主办单位：区档案馆",
        "活动时间：第二季度",
        "（二）政策公开讲",
        "第三讲 档案查阅政策解读",
        "主讲：区档案馆",
        "二、参与方式",
        "每场不超过五十人，主办单位应提前三个工作日发布公告，活动结束后两个工作日内公开活动情况。参与人员采取自愿报名方式确定。",
    ])
    plan = parse_plan(text)
    assert plan.document.number == "京兴政务公开办发（2027）9号"
    assert [(s.number, s.category, s.time) for s in plan.sites] == [(12, "区档案馆", "第二季度")]
    assert [(lecture.number, lecture.title) for lecture in plan.lectures] == [(3, "档案查阅政策解读")]
    assert (plan.rules.offline_size, plan.rules.offline_notice_working_days) == (50, 3)
    assert plan.rules.materials_published_within_working_days == 2
    assert plan.rules.selection_methods == ("自愿报名",)


@pytest.mark.parametrize("rules, online, offline", [
    ("现场活动应于举办前6个工作日发布活动公告；网络直播应提前两个工作日发布直播预告。", 2, 6),
    ("线上直播应于活动开展前至少3个工作日发布公告。提前5个工作日向公众发出公告。", 3, 5),
    ("线下活动提前七个工作日发布公告，线上活动另行通知。活动结束后5个工作日内公开。", None, 7),
])
def test_online_and_offline_notice_periods(rules: str, online, offline) -> None:
    found = read_rules(rules, rules)
    assert (found.online_notice_working_days, found.offline_notice_working_days) == (online, offline)


@pytest.mark.parametrize("text, methods", [
    ("参与群众以公开招募为主，报名人数超过名额的随机抽取；人大代表和媒体记者采取定向邀请方式。",
     ("公开招募", "定向邀请")),
    ("人员选取采取公开遴选、定向邀请的方式进行。", ("公开遴选", "定向邀请")),
    ("参与人员通过网上报名后随机抽取产生。", ("网上报名", "随机抽取")),
    ("采取公开征集方式，报名人数超出名额的，采取随机抽取方式确定。", ("公开征集",)),
])
def test_selection_methods_leave_out_tie_breaks(text: str, methods) -> None:
    assert read_rules(text, text).selection_methods == methods


@pytest.mark.parametrize("plan_text, period, months", [
    ("各承办单位要在2027年5月至10月期间完成本方案所列活动", "2027年5—10月", (5, 10)),
    ("在2023年8--11月期间举办相关活动", "2023年8—11月", (8, 11)),
    ("于2027年6月到2027年9月集中开展", "2027年6—9月", (6, 9)),
    ("2023年以来开展活动", "", None),
])
def test_activity_period(plan_text: str, period: str, months) -> None:
    found = read_rules("", plan_text)
    assert (found.activity_period, found.activity_months) == (period, months)


def test_topic_headings_numbered_sites_and_lecture_series() -> None:
    text = "\n".join([
        "大兴区2028年政民互动工作方案",
        "一、开放活动",
        "专题一：便民服务",
        "（一）档案馆开放活动 主办：区档案馆 时间：2028年6月 地址：待定",
        "活动内容：参观档案库房。",
        "（二）图书馆开放活动 承办：区文旅局 协办：区教委 时间：第三季度",
        "二、政策公开讲",
        "公开讲之一：档案查阅政策（宣讲单位：区档案馆）",
        "政策公开讲之2：阅读推广政策（宣讲：区文旅局）",
    ])
    plan = parse_plan(text)
    assert [(s.number, s.category, s.units, s.time, s.place, s.theme) for s in plan.sites] == [
        (1, "档案馆开放活动", ("区档案馆",), "2028年6月", "", "便民服务"),
        (2, "图书馆开放活动", ("区文旅局",), "第三季度", "", "便民服务"),
    ]
    assert [(lec.number, lec.title, lec.units) for lec in plan.lectures] == [
        (1, "档案查阅政策", ("区档案馆",)), (2, "阅读推广政策", ("区文旅局",)),
    ]
    assert any(section.title == "专题一：便民服务" for section in plan.sections)


def test_warnings_tell_the_operator_what_is_missing() -> None:
    plan = parse_plan("大兴区2027年政民互动工作方案\n一、政务开放日\n开放点一：区档案馆\n时间：6月\n"
                      "二、参与方式\n活动采取线上直播方式。")
    assert plan.warnings == (
        "开放点1未找到责任单位", "未找到文号", "政民互动方案中未找到政策公开讲",
        "参与方式中未找到每场参与人数", "参与方式中未找到提前发布公告的工作日数",
    )
    assert parse_plan("大兴区2027年政务公开工作要点\n京兴政务公开发〔2027〕1号").warnings == (
        "工作要点中未找到任务",
    )


def test_docx_keeps_body_order_tables_merged_cells_and_soft_breaks(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    head = document.add_paragraph()
    head.add_run("北京市大兴区政务服务和数据管理局").add_break()
    head.add_run("京兴政数发〔2027〕2号")
    document.add_paragraph("表前段落")
    table = document.add_table(rows=3, cols=3)
    for cell, value in zip(table.rows[0].cells, ["序号", "开放点", "时间"]):
        cell.text = value
    merged = table.cell(1, 0).merge(table.cell(1, 2))
    merged.text = "一、专题"
    for cell, value in zip(table.rows[2].cells, ["1", "待定", "待定"]):
        cell.text = value
    table.cell(2, 1).add_paragraph("第二段")
    document.add_paragraph("表后段落")
    path = tmp_path / "plan.docx"
    document.save(str(path))
    assert load_text(path).split("\n") == [
        "北京市大兴区政务服务和数据管理局", "京兴政数发〔2027〕2号", "表前段落",
        "序号\t开放点\t时间", "一、专题", "1\t待定 第二段\t待定", "表后段落",
    ]


def test_table_without_serial_numbers_inline_fields_and_signature_issuer() -> None:
    text = "\n".join([
        "大兴区2027年政务公开工作要点",
        "京兴政务公开发[2027]3号",
        "一、重点任务",
        "工作任务    牵头单位    配合单位    完成时限",
        "做好信息公开。    区财政局    各镇街    2027年6月底前",
        "做好政策解读。    区司法局、区住建委和    区城管委    上半年",
        "                          区民政局",
        "二、其他任务",
        "1.做好培训工作。责任单位：区人社局；完成时限：年内。",
        "2、做好网站管理（负责单位：区政务服务局，时限：第三季度）",
        "北京市大兴区政务公开工作领导小组",
        "2027年1月5日",
    ])
    plan = parse_plan(text)
    assert plan.document.number == "京兴政务公开发[2027]3号"
    assert plan.document.issuer == "北京市大兴区政务公开工作领导小组"
    assert [(i.number, i.text, i.units, i.partners, i.deadline) for i in plan.items] == [
        (1, "做好信息公开。", ("区财政局",), ("各镇街",), "2027-06"),
        (2, "做好政策解读。", ("区司法局", "区住建委", "区民政局"), ("区城管委",), "2027-06"),
        (1, "做好培训工作。", ("区人社局",), (), "2027-12"),
        (2, "做好网站管理", ("区政务服务局",), (), "2027-09"),
    ]
    assert plan.items[0].lead_units == ("区财政局",)
