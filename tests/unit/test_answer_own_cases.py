"""A citizen's own record or case (a payment short or late, an exam or a tender result, a
personal record to look up) is refused with the hotline, never answered with a plan record
that shares its topic; and counts of events ("第五次全国经济普查") are no positions in a
list (issue 13, kinds found by the tenth diagnosis set). The `engine` fixture is
tests/unit/conftest.py's."""
from __future__ import annotations

import pytest

from kb.answers import Question
from tests.unit.answering import ask

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text", [
    "你好 麻烦帮我查下我去年交的医保记录",
    "我闺女考上员额制教师了吗 帮忙查一下",
    "我公司上个月的政府采购投标结果出来没",
    "我妈的养老金这个月少了二百 咋回事",
    "您好 我是榆垡的 我家老人的高龄津贴咋还没发 谢谢您",
    # the case in one clause, a 'when' in another: still the citizen's own case
    "帮我看看我社保交了几个月了 查一下记录",
    "我儿子公务员考试考上没有 帮查一下",
])
def test_a_citizens_own_record_or_case_is_refused_with_the_hotline(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert answer.reason in ("detail_not_in_plans", "complaint")
    assert "市民服务热线" in answer.text


@pytest.mark.parametrize("text, unit", [
    ("接诉即办的投诉信息谁公开", "城指中心"),
    ("养老保险信息谁公开", "人力资源社会保障局"),
])
def test_who_publishes_a_topic_is_still_answered(engine, text, unit) -> None:
    answer = engine.answer(Question(text))
    assert unit in answer.text and "抱歉" not in answer.text


def test_a_count_of_events_is_no_position_in_the_list(engine) -> None:
    answer = engine.answer(Question("第五次全国经济普查的宣讲是谁负责"))
    assert "统计局" in answer.text and "第1讲" in answer.text
    assert "第5讲" in engine.answer(Question("第五讲谁负责")).text


def test_a_year_pointing_at_the_plan_meant_corrects_this_year_said_before_it(engine) -> None:
    answer = engine.answer(Question("大兴经济开发区在今年的政务公开要点里头管的是哪块信息发布啊 就是23年那个"))
    assert "四区三基地" in answer.text and "抱歉" not in answer.text
    # a year the plans hold, then 今年 asked about: still said plainly that no plan of this year is held
    assert engine.answer(Question("2023年的开放日今年还办吗")).reason == "other_year"


def test_that_one_item_described_by_its_words_is_the_item_not_the_plan(engine) -> None:
    answer = engine.answer(Question("政策文件公开属性认定那一条完成时限是几月"))
    assert "第23项" in answer.text and "2023年12月" in answer.text
    assert "此件主动公开" in engine.answer(Question("工作要点是公开的吗")).text


@pytest.mark.parametrize("text", ["我是跑政务口的记者 开放日线下活动会邀请媒体吗", "媒体记者能参加线下的政民互动活动吗",
                                  "人大代表能去开放日吗"])
def test_whether_one_kind_of_person_may_join_is_told_by_who_is_invited(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert "媒体记者" in answer.text and "区人大代表" in answer.text


def test_a_principle_or_aim_asked_after_a_record_is_that_records_own(engine) -> None:
    assert "谁起草，谁负责" in ask(engine, "新出的政策还要做评价吗", "按啥原则").text
    assert "开放点1、2、3、4" in ask(engine, "开放点3是啥", "目的是啥").text
    assert "工作目标" in ask(engine, "工作要点谁发的", "目标是啥").text


def test_streets_or_towns_alone_narrow_the_list_of_sites_towns_and_streets_run(engine) -> None:
    streets = ask(engine, "镇街负责的开放点有哪些", "其中哪幾個是街道").text
    assert "观音寺街道" in streets and "北臧村镇" not in streets and "由街道负责的" in streets
    both = engine.answer(Question("镇和街道的开放点有几个")).text
    assert "观音寺街道" in both and "北臧村镇" in both


def test_when_a_house_is_handed_over_is_progress_the_plans_do_not_report(engine) -> None:
    answer = ask(engine, "南街回迁房的开放点是哪个", "那房子啥时候交啊")
    assert answer.reason == "detail_not_in_plans" and "开放点11" in answer.text


@pytest.mark.parametrize("text, asks", [("打政府部门电话没人接 有规定没有", True), ("结果出来了没", True),
                                        ("我没有", False), ("好的", False)])
def test_a_question_closed_by_meiyou_asks_something(text, asks) -> None:
    from kb.cues import ASKS
    assert bool(ASKS.search(text)) is asks


@pytest.mark.parametrize("text", ["线上直播还用邀请人大代表吗", "xianshang zhibo yao bu yao yaoqing renda daibiao"])
def test_whether_an_online_session_invites_anyone_is_the_online_rule(engine, text) -> None:
    assert "可不邀请" in engine.answer(Question(text)).text


@pytest.mark.parametrize("text", ["政民互动方案是根据啥文件定的", "政民互动方案是根剧啥文件定的", "搞开放日那个总方案 是依据哪个文件定出来的"])
def test_what_a_plan_was_made_on_is_told_by_its_preamble(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert "政务公开工作要点" in answer.text and "京兴政务公开办发〔2023〕2号" in answer.text


@pytest.mark.parametrize("text, clear", [
    ("俺是回迁户 一直惦记着房子盖得咋样了 听说有个能去工地瞅瞅的活动 有这回事不", True),
    ("给区里单位打电话老是没人接 今年对接电话有啥硬要求没", True),
    ("我们楼道灯坏了一个月没人修", False),
    ("城管把我店门口的招牌拆了 有没有人管", False),
])
def test_the_plans_overrule_a_label_for_an_existence_question_or_one_a_record_alone_words(engine, text, clear) -> None:
    """answers_clearly: what lets a plan question the NLU sent elsewhere be answered."""
    assert engine.answers_clearly(Question(text)) is clear


def test_this_plan_said_with_xiang_is_still_the_plan_not_one_item(engine) -> None:
    answer = engine.answer(Question("在吗 问个事儿 这项工作要点的文号是多少"))
    assert "京兴政务公开发〔2023〕1号" in answer.text and "抱歉" not in answer.text


@pytest.mark.parametrize("text, part", [("你好，这个方案主要是干嘛的？谢谢", "一、工作目标"), ("工作要点是干啥用的", "（三）工作目标")])
def test_what_a_plan_is_for_is_its_goals_part(engine, text, part) -> None:
    assert part in engine.answer(Question(text)).text


@pytest.mark.parametrize("text, number", [
    ("京兴政务公开发２０２３１号是哪天印发的", "京兴政务公开发〔2023〕1号"),
    ("京兴政务公开办发2023年2号文 主送单位写的是谁", "京兴政务公开办发〔2023〕2号"),
])
def test_a_plans_number_typed_without_brackets_names_that_plan(engine, text, number) -> None:
    answer = engine.answer(Question(text))
    assert number in answer.text and "抱歉" not in answer.text


def test_the_number_of_a_part_is_no_work_item(engine) -> None:
    answer = engine.answer(Question("第二部分深化重点领域信息公开下面分了哪３个方面"))
    assert "工作要点第2项" not in answer.text


def test_how_many_requirements_and_what_they_are_is_the_parts_sub_headings(engine) -> None:
    answer = engine.answer(Question("政民互动方案的工作要求有几条 分别是啥"))
    assert "（一）加强组织领导" in answer.text and "（四）严格督查考核" in answer.text


@pytest.mark.parametrize("text, expected", [
    ("我是家长 能以家长代表身份参加政务开放日么", "家长代表或企业代表"),
    ("中介服务项目要公开什么信息 谁负责", "过程性、结果性信息"),
    ("同志您好 政民互动方案是在什么基础上搞出来的 辛苦了", "政务公开工作要点》安排"),
])
def test_who_may_join_what_an_item_publishes_and_what_a_plan_was_built_on(engine, text, expected) -> None:
    answer = engine.answer(Question(text))
    assert expected in answer.text and "抱歉" not in answer.text


def test_money_lost_to_a_fraud_is_a_case_for_the_hotline(engine) -> None:
    answer = engine.answer(Question("非法集资被骗了钱能追回来吗 我被骗了五万"))
    assert answer.reason == "complaint" and "市民服务热线" in answer.text


def test_a_detail_word_inside_a_term_the_record_writes_asks_whether_it_covers_it(engine) -> None:
    answer = engine.answer(Question("基层重点领域信息公开包括涉农补贴吗"))
    assert "涉农补贴" in answer.text and "第13项" in answer.text and "抱歉" not in answer.text
    assert engine.answer(Question("医保能报多少")).reason == "detail_not_in_plans"


@pytest.mark.parametrize("text, said", [("今年高校毕业生就业信息公开有没有安排 哪个部门负责", "高校毕业生"),
                                        ("新增中小学学位的信息会不会公开 谁负责", "新增中小学学位")])
def test_whether_something_is_published_and_by_whom_are_both_told(engine, text, said) -> None:
    answer = engine.answer(Question(text))
    assert said in answer.text and "负责单位" in answer.text


@pytest.mark.parametrize("text, said", [
    ("在吗 问个事儿 那个通知里叫各单位怎么落实要点 原话大概啥意思", "请结合实际落实本年度政务公开工作"),
    ("请问 通知最后让各单位怎么对待这个方案 谢谢", "请认真贯彻执行"),
])
def test_the_plans_cover_notice_is_the_notice_asked_about(engine, text, said) -> None:
    assert said in engine.answer(Question(text)).text


def test_an_activitys_notice_is_still_the_announcement_rule(engine) -> None:
    assert "公告内容至少包括活动时间" in engine.answer(Question("开放日的通知里会写时间吗")).text
