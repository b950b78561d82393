"""The answer engine's steps on the real 2023 plans: understand → decide → render.

Each test is a kind of question from issue 13 (the rows of its table are among them), with
a second phrasing where the fault was a kind, not one sentence. The `engine` fixture is
tests/unit/conftest.py's.
"""
from __future__ import annotations

import pytest

from kb.answers import AnswerEngine, Question
from kb.deciding import COMPLAINT, DETAIL_NOT_IN_PLANS, OTHER_YEAR, decide
from tests.unit.answering import INTERACTION, WORK_POINTS, conversation

pytestmark = pytest.mark.unit


# --- understanding ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "facet"),
    [
        ("医保宣讲是哪个单位负责的", "unit"),
        ("这个啥时候干完", "deadline"),
        ("孩子上幼儿园要交啥材料", "submit_materials"),
        ("活动结束后材料多久公开", "materials"),
        ("惠民保一年交多少钱", "money"),
        ("你们这信息都是哪年的", "year_of_data"),
        ("我们楼道灯坏了一个月没人修", "complaint"),
        ("开放点4属于什么专题", "theme"),
    ],
)
def test_the_facet_is_what_the_question_asks(engine: AnswerEngine, text: str, facet: str) -> None:
    assert engine.read(Question(text)).facet == facet


def test_an_intent_alone_is_no_evidence_for_a_record(engine: AnswerEngine) -> None:
    """The楼道灯 complaint once got work item 4 because the NLU said 'employment'."""
    for text in ("我们楼道灯坏了一个月没人修", "楼下那个路灯晚上一直不亮"):
        reading = engine.read(Question(text, "ask_employment_social_security"))
        assert not [r for r in reading.records if r.kind == "item"], text


def test_described_topics_link_to_their_record(engine: AnswerEngine) -> None:
    for text, ref in (("政府买东西的那个开放日是谁办的", f"{INTERACTION}#site:16"),
                      ("讲招牌广告的那个宣讲谁负责", f"{INTERACTION}#lecture:5")):
        answer = engine.answer(Question(text))
        assert answer.covered and ref in answer.sources, answer.text


def test_names_inside_unit_names_are_not_described_topics(engine: AnswerEngine) -> None:
    units, topics = engine.mentions(Question("统计局和财政局的宣讲"))
    assert units == {"区统计局", "区财政局"}
    assert "入统" not in topics


# --- deciding --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("孩子上幼儿园要交啥材料", DETAIL_NOT_IN_PLANS),
        ("异地就医报销比例是多少", DETAIL_NOT_IN_PLANS),
        ("开放点9的具体地址", DETAIL_NOT_IN_PLANS),
        ("我们楼道灯坏了一个月没人修", COMPLAINT),
        ("邻居装修天天吵没人管", COMPLAINT),
        ("2026年还有政策公开讲吗", OTHER_YEAR),
        ("今年开放日啥时候开始", OTHER_YEAR),
        ("下礼拜有宣讲吗", OTHER_YEAR),
    ],
)
def test_what_the_plans_do_not_say_is_refused_for_its_reason(
    engine: AnswerEngine, text: str, reason: str
) -> None:
    decision = decide(engine.read(Question(text)), engine.kb, engine.cues)
    assert decision.reason == reason
    answer = engine.answer(Question(text))
    assert not answer.covered and "96156" in answer.text  # the hotline comes from settings


def test_a_refusal_names_only_a_record_the_question_points_at(engine: AnswerEngine) -> None:
    pointed = engine.answer(Question("异地就医报销比例是多少"))
    assert f"{INTERACTION}#lecture:4" in pointed.sources and "医保惠民政策宣讲" in pointed.text
    unrelated = engine.answer(Question("孩子上幼儿园要交啥材料", "ask_participation"))
    # not the open days' participation rules; the 区教委 item that writes 幼儿园 at most (the
    # issue's first row: "the plans' 区教委 item if relevant")
    assert not unrelated.covered and set(unrelated.sources) <= {"京兴政务公开发〔2023〕1号#item:9"}
    assert "公开遴选" not in unrelated.text


def test_another_year_is_never_answered_as_this_year(engine: AnswerEngine) -> None:
    answer = engine.answer(Question("2026年还有政策公开讲吗"))
    assert "2023" in answer.text and "2026" in answer.text and "区政府网站" in answer.text
    same_year = engine.answer(Question("2023年有哪些政策宣讲"))
    assert same_year.covered and "医保惠民政策宣讲" in same_year.text


# --- rendering and the conversation ---------------------------------------------------


def test_which_year_the_information_is_from(engine: AnswerEngine) -> None:
    answer = engine.answer(Question("你们这信息都是哪年的"))
    assert answer.covered and "2023" in answer.text and WORK_POINTS in answer.text


def test_when_is_the_plans_own_period_said_as_such(engine: AnswerEngine) -> None:
    for text in ("开放日一般在几月份", "政策公开讲一般啥时候搞"):
        answer = engine.answer(Question(text))
        assert "2023年8月至11月" in answer.text and "2023年计划" in answer.text, text


def test_traditional_characters_get_the_simplified_answer(engine: AnswerEngine) -> None:
    simplified = engine.answer(Question("区医保局的宣讲讲什么"))
    traditional = engine.answer(Question("區醫保局的宣講講什麼"))
    assert traditional.covered and traditional.text == simplified.text


def test_pinyin_typed_without_conversion(engine: AnswerEngine) -> None:
    answer = engine.answer(Question("shiyebaoxian 谁公开"))
    assert answer.covered and f"{WORK_POINTS}#item:4" in answer.sources
    assert "区人力资源社会保障局" in answer.text


def test_number_follow_ups_and_both_of_them(engine: AnswerEngine) -> None:
    first, second, both = conversation(engine, "开放点15是啥", "16呢", "这俩谁办的")
    assert f"{INTERACTION}#site:15" in first.sources
    assert second.sources == (f"{INTERACTION}#site:16",) and "政府采购" in second.text
    assert "财政局" in both.text and "国资委" in both.text


def test_who_else_besides_a_named_unit(engine: AnswerEngine) -> None:
    *_, others = conversation(engine, "老旧小区改造的信息谁发布", "什么时候完成", "除了住建委还有谁")
    assert others.covered and "区城管委" in others.text and "相关属地" in others.text
    assert "除区住房和城乡建设委员会外" in others.text


def test_ordinals_from_the_end_of_the_list_shown(engine: AnswerEngine) -> None:
    listing, second_last, last = conversation(engine, "政策公开讲有哪几场", "倒数第二个是谁讲", "最后一个呢")
    assert "第5讲" in listing.text
    assert second_last.sources == (f"{INTERACTION}#lecture:4",) and "医保局" in second_last.text
    assert last.sources == (f"{INTERACTION}#lecture:5",)


def test_the_same_theme(engine: AnswerEngine) -> None:
    _, others = conversation(engine, "开放点15是干啥的", "同一个专题还有哪些")
    assert "政策专属礼包" in others.text
    for number in (14, 16, 17):
        assert f"开放点{number}" in others.text
    assert "开放点15（" not in others.text


def test_comparison_shows_both_contents_cited(engine: AnswerEngine) -> None:
    answer = engine.answer(Question("统计局和财政局的宣讲有什么不一样"))
    assert f"{INTERACTION}#lecture:1" in answer.sources and f"{INTERACTION}#lecture:2" in answer.sources
    assert "五经普" in answer.text and "政府采购方式" in answer.text
    assert answer.text.count("来源：") == 2


def test_lists_by_a_filter(engine: AnswerEngine) -> None:
    towns = engine.answer(Question("哪些开放点是镇街负责的"))
    assert "长子营镇" in towns.text and "财政局" not in towns.text
    october = engine.answer(Question("10月底前要完成的工作有哪些"))
    assert "第9项" in october.text and "第4项" not in october.text
    by_unit = engine.answer(Question("区教委都参加了哪些"))
    assert "开放点17" in by_unit.text and "第9项" in by_unit.text


def test_a_fact_inside_a_long_item_is_found_and_quoted(engine: AnswerEngine) -> None:
    answer = engine.answer(Question("政府对外电话首次接听率要求多少"))
    assert f"{WORK_POINTS}#item:15" in answer.sources and "100%" in answer.text


def test_related_questions_never_repeat_the_question(engine: AnswerEngine) -> None:
    for text in ("开放点9是哪个单位负责的？", "工作要点第5项什么时候完成？"):
        answer = engine.answer(Question(text))
        assert text not in answer.related
        assert all(engine.aspect_of(q) != engine.aspect_of(text) or "9" not in q and "5" not in q
                   for q in answer.related)


def test_yes_or_no_questions_say_which_first(engine: AnswerEngine) -> None:
    yes = engine.answer(Question("户外广告宣讲是不是城管委办的"))
    assert yes.text.startswith("是的。") and "城管委" in yes.text
    no = engine.answer(Question("户外广告宣讲是不是财政局负责"))
    assert no.text.startswith("不是。") and "城管委" in no.text


def test_a_personal_problem_naming_a_topic_still_goes_to_the_hotline(engine: AnswerEngine) -> None:
    answer = engine.answer(Question("我被公司拖欠工资三个月了怎么办"))
    assert answer.reason == COMPLAINT and "接诉即办" in answer.text and "96156" in answer.text
    asked = engine.answer(Question("接诉即办的投诉信息谁负责公开"))
    assert asked.covered and f"{WORK_POINTS}#item:11" in asked.sources


@pytest.mark.parametrize("text", ["医保报销怎么报", "失业金咋领", "惠民保去哪买"])
def test_how_to_do_it_is_a_procedure_the_plans_do_not_give(engine: AnswerEngine, text: str) -> None:
    answer = engine.answer(Question(text))
    assert not answer.covered and answer.reason == DETAIL_NOT_IN_PLANS


def test_two_facets_in_one_breath(engine: AnswerEngine) -> None:
    answer = engine.answer(Question("食品抽检的信息谁公开 啥时候完成"))
    assert "区市场监管局" in answer.text and "2023年12月" in answer.text
    assert all("什么时候完成" not in q for q in answer.related)


def test_conditions_for_taking_part_are_the_plans_rules_but_benefits_are_not(engine: AnswerEngine) -> None:
    for text in ("参加开放日有什么条件", "报名宣讲有啥要求"):
        answer = engine.answer(Question(text))
        assert answer.covered and "群众代表" in answer.text and f"{INTERACTION}#rules" in answer.sources
    benefit = engine.answer(Question("失业金领取有什么条件"))
    assert not benefit.covered and benefit.reason == DETAIL_NOT_IN_PLANS
