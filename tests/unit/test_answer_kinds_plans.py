"""Kinds of misreading about the plans themselves: their headers and notices (issuer, date,
meeting, addressees), aims and principles, the participation rules, the work requirements
asked in everyday words, and what a work item says.

Each kind with the example that showed it and a second phrasing of the same kind (issue 13),
found with the diagnosis sets tests/dev/debug_questions.yml, debug3 and debug4 (marked
below). The `engine` fixture is tests/unit/conftest.py's."""
from __future__ import annotations

import pytest

from kb.answers import Question
from tests.unit.answering import INTERACTION, ask

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("text", "says"), [
    ("参加的人是怎么选出来的", "公开遴选"), ("我是企业员工能报名吗", "群众代表"),
    ("俺腿脚不好去不了现场在网上能看不", "直播"),
])
def test_participation_questions_in_citizens_words_get_the_rules(engine, text, says) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and says in answer.text and f"{INTERACTION}#rules" in answer.sources


def test_a_requirement_inside_a_plain_paragraph_is_quoted_by_its_sentence(engine) -> None:
    answer = engine.answer(Question("政民互动搞得好不好有没有考核"))
    assert answer.covered and "绩效考核" in answer.text and "来源：" in answer.text
    assert len(answer.text.splitlines()[0]) < 80  # the sentence, not the whole paragraph


@pytest.mark.parametrize(("text", "says"), [
    ("二零二三年大兴区政务公开工作要点是哪天发下来的", "2023年4月10日"),
    ("大兴那个政务公开工作要点是谁定的啊", "政务公开工作领导小组"),
    ("政民互动总体方案是哪天印发的", "2023年7月28日"),
    ("工作要点是哪次会议审议通过的？", "第26次常务会议"),
])
def test_questions_about_a_plan_itself_are_answered_from_its_header(engine, text, says) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and says in answer.text and "来源：" in answer.text


@pytest.mark.parametrize(("text", "says"), [
    ("这个要点说到底想实现个啥目标 简单说说", "政务公开助推政策落实落地"),
    ("要点里面讲的基本原则有哪几条", "服务为民"),
    ("搞这个政民互动方案 到底图个啥 想达到什么效果", "民意连接"),
])
def test_a_plans_aims_and_principles_are_quoted_from_their_section(engine, text, says) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and says in answer.text


def test_a_records_purpose_is_its_content_not_the_plans_aims(engine) -> None:
    answer = engine.answer(Question("医保宣讲的目的是啥"))
    assert f"{INTERACTION}#lecture:4" in answer.sources


@pytest.mark.parametrize(("text", "says"), [
    ("这些活动办得好不好 有没有人考核", "绩效考核"), ("活动宣传报道要突出啥", "广泛性"),
    ("活动办完了 相关材料去哪儿能查到", "区政府网站"), ("活动定了时间还能改吗", "报备"),
    ("政务开放日是在网上搞还是去现场", "线上线下结合"), ("这些开放活动大概是哪几个月办", "11月"),
])
def test_the_work_requirements_answer_questions_about_how_activities_are_run(engine, text, says) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and says in answer.text


@pytest.mark.parametrize(("text", "asks"), [
    ("好的谢谢 那单位领导会来吗", True), ("谢谢 我提了意见会有回复吗", True),
    ("谢谢你们的帮助", False), ("你好", False), ("好的 明白了 谢谢", False),
])
def test_a_courtesy_may_carry_a_question(engine, text, asks) -> None:
    assert engine.asks_something(Question(text)) is asks


def test_what_a_work_item_requires_is_its_content_not_an_eligibility(engine) -> None:
    answer = engine.answer(Question("文件里对政府的咨询电话有什么要求吗"))
    assert answer.covered and "100%" in answer.text
    assert not engine.answer(Question("失业金领取有什么条件")).covered


def test_when_the_activities_run_is_the_rules_period_even_after_a_long_story(engine) -> None:
    answer = engine.answer(Question("我儿子初二 学校组织过去博物馆参观 他还想去政府部门看看 听说大兴有政务开放日 "
                                    "想带他报名 这些活动大概什么时间段办"))
    assert "2023年8月至11月" in answer.text


@pytest.mark.parametrize("text", ["第五讲的PPT能发我吗", "医保宣讲有回放吗"])
def test_slides_or_recordings_get_what_the_plan_says_about_published_materials(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert "5个工作日内" in answer.text and "栏目公开" in answer.text


@pytest.mark.parametrize("text", ["人大代表可以报名吗", "政协委员能参加吗"])
def test_the_groups_the_plan_invites_are_not_something_else_to_join(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and f"{INTERACTION}#rules" in answer.sources


# --- found with tests/dev/debug3_questions.yml ------------------------------------------


@pytest.mark.parametrize(("turns", "date"), [
    (("政务公开要点是哪天发的", "那政民互动方案呢 哪天"), "2023年7月28日"),
    (("工作要点是四月份出的吧 具体几号",), "2023年4月10日"),
    (("政民互动方案是七月底发的吧 哪一天",), "2023年7月28日"),
])
def test_the_day_a_plan_was_issued_asked_without_the_word_issue(engine, turns, date) -> None:
    assert date in ask(engine, *turns).text


@pytest.mark.parametrize(("text", "says"), [
    ("开放日领导会去吗", "主要负责同志"), ("办活动的单位一把手会到场吗", "主要负责同志"),
    ("我在活动上提的意见 他们会给个回话吗", "采纳情况"), ("活动上提的建议有答复吗", "采纳情况"),
    ("主办的单位要改活动时间 得跟哪个部门报", "报备"), ("活动要是延期了向谁报", "报备"),
    ("对活动内容有啥要求 要突出什么", "互动性"),
    ("记者能去开放日现场采访吗", "媒体采访"), ("电视台能来拍吗 开放活动", "媒体"), ("记者能去采访吗", "媒体采访"),
    ("好的谢谢 那单位领导会来吗", "主要负责同志"), ("谢谢 我提了意见会有回复吗", "采纳情况"),
])
def test_a_work_requirement_asked_in_everyday_words_is_quoted(engine, text, says) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and says in answer.text and "工作要求" in answer.text


def test_the_issuer_of_a_plan_is_not_a_word_its_cover_letter_shares(engine) -> None:
    # "领导" is not asked of "政务公开工作领导小组办公室".
    assert "此件主动公开" not in engine.answer(Question("开放日单位领导会到场跟大家聊吗")).text


def test_a_work_item_saying_it_as_well_as_the_requirements_is_not_overruled(engine) -> None:
    answer = engine.answer(Question("政务公开做得好不好算不算绩效考核", "ask_work_plan"))
    assert "第29项" in answer.text


@pytest.mark.parametrize(("text", "says"), [
    ("这个要点是发给谁的 是给我们老百姓看的吗", "各相关单位"), ("政民互动方案是下发给哪些单位的", "区政务公开各单位"),
    ("那个要点文件能公开看吗 还是内部的", "此件主动公开"), ("政民互动方案是内部文件吗", "此件主动公开"),
    ("要点开头说2023年是个啥样的年份来着", "开局之年"), ("方案开头说要建个啥样的政府", "服务型政府"),
])
def test_what_a_plans_notice_says_besides_its_number_and_date(engine, text, says) -> None:
    assert says in engine.answer(Question(text)).text


# --- found with tests/dev/debug4_questions.yml ------------------------------------------


@pytest.mark.parametrize(("text", "says"), [
    ("政民互动活动的内容和环节要突出哪些特点？", "互动性"), ("正民互动的宣传报道有什么要求", "宣传报道"),
    ("工作要求里把政民互动定位成一个什么样的平台？", "连民心"), ("这些活动办得咋样 算不算考核", "绩效考核"),
])
def test_a_list_word_does_not_hide_the_sentence_that_says_it(engine, text, says) -> None:
    assert says in engine.answer(Question(text, "ask_participation")).text


@pytest.mark.parametrize(("text", "says"), [
    ("您好！请问线下的政民互动活动原则上邀请多少人参加？谢谢您", "30人"),  # 原则上 is no 原则 section
    ("参加人员规模有谁来定", "主责单位"), ("参与的群众代表最后是怎么确定的？", "报名情况"),
])
def test_participation_asked_with_words_the_rules_use(engine, text, says) -> None:
    assert says in engine.answer(Question(text, "ask_participation")).text


@pytest.mark.parametrize(("text", "says"), [
    ("政策解读都有啥形式", "一图读懂"), ("村里那个贴通知的公示栏 政府要求在上面公开些啥", "信息公示栏"),
    ("政策要进园区进楼宇 咋弄", "短视频"),
])
def test_a_work_item_is_answered_by_what_it_says_not_by_the_activities_rules(engine, text, says) -> None:
    answer = engine.answer(Question(text, "ask_work_plan"))
    assert says in answer.text and "政民互动形式" not in answer.text
