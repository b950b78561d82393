"""Kinds of misreading about what the plans do not answer: other years (and years that
are not), topics no record holds, details the plans never give, results of the work they
do not report, something else to join or sign up for, complaints; what is refused, with
the hotline, and what must not be refused or named in a refusal.

Each kind with the example that showed it and a second phrasing of the same kind (issue 13),
found with the diagnosis sets tests/dev/debug_questions.yml, debug3 and debug4 (marked
below). The `engine` fixture is tests/unit/conftest.py's."""
from __future__ import annotations

import pytest

from kb.answers import Question
from kb.deciding import ABSENT_TOPIC, DETAIL_NOT_IN_PLANS, OTHER_YEAR
from tests.unit.answering import HOTLINE, ask

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text", [
    "我们公司去年刚注册，听说规模上来了要入统，有没有人专门来企业讲讲这个？归哪个部门？",
    "我儿子今年大学毕业还没找着工作，听说政府会公开毕业生就业信息，这事哪个部门管？",
])
def test_a_year_in_the_citizens_own_story_is_not_the_year_asked_about(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and answer.reason is None


@pytest.mark.parametrize("text", ["今年的开放日报名开始了没", "去年错过了仲裁开放日，今年还能再去看看吗？",
                                  "2026年还有政策公开讲吗"])
def test_a_year_next_to_what_is_asked_is_still_the_year_asked_about(engine, text) -> None:
    assert engine.answer(Question(text)).reason == OTHER_YEAR


@pytest.mark.parametrize(("text", "topic"), [("有没有讲公积金的讲座", "公积金"), ("有没有交通委的开放日", "交通委")])
def test_a_kind_asked_for_a_topic_no_record_holds_is_a_refusal_with_the_list(engine, text, topic) -> None:
    answer = engine.answer(Question(text))
    assert answer.reason == ABSENT_TOPIC and topic in answer.text and "96156" in answer.text


@pytest.mark.parametrize("text", ["计量试验室在哪条街上", "医保讲座的老师叫啥名", "南街回迁房啥时候能交房",
                                  "门头招牌多大尺寸才算合规 要不要审批", "采育镇政务服务大厅几点上班",
                                  "参加完开放日给发证书吗", "政策文件解读的奖励有多少"])
def test_details_the_plans_never_give_are_refused(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert not answer.covered and answer.reason == DETAIL_NOT_IN_PLANS


@pytest.mark.parametrize("text", ["驾校怎么报名", "想参加驾校培训怎么报名"])
def test_the_participation_rules_do_not_answer_for_something_else(engine, text) -> None:
    assert not engine.answer(Question(text)).covered
    assert engine.answer(Question("开放日怎么报名")).covered


@pytest.mark.parametrize("text", ["您好 我想问一下 孩子上小学怎么报名", "驾校怎么报名"])
def test_joining_something_else_is_not_answered_with_our_rules(engine, text) -> None:
    assert not engine.answer(Question(text)).covered


def test_where_a_site_is_says_the_plans_give_no_address_and_what_they_do_say(engine) -> None:
    answer = engine.answer(Question("开放点5在哪里"))
    assert "没有写到" in answer.text and "观音寺街道" in answer.text and "96156" in answer.text


@pytest.mark.parametrize("text", ["您好！请问开放日那天管午饭吗？", "宣讲现场有茶水吗"])
def test_a_detail_about_a_kind_is_not_answered_with_the_whole_list(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert not answer.covered and "96156" in answer.text and "开放点17" not in answer.text


# --- found with tests/dev/debug3_questions.yml ------------------------------------------


@pytest.mark.parametrize("text", ["前年的开放日旧宫去的是哪个工地", "24年那个开放日城管委搞了啥",
                                  "大前年的宣讲有哪些"])
def test_years_counted_back_or_written_short_are_other_years(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert answer.reason == OTHER_YEAR and "2023年" in answer.text


@pytest.mark.parametrize("text", ["23年开放日城管委搞了啥", "我在大兴干了24年了 开放日城管委搞了啥"])
def test_the_plans_year_written_short_and_a_span_of_years_are_not_other_years(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and "开放点8" in answer.text


@pytest.mark.parametrize("text", ["医保宣讲是在哪个会议室讲的", "统计局的宣讲在哪个报告厅"])
def test_a_meeting_room_is_a_place_not_the_meeting_that_passed_a_plan(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert answer.reason == DETAIL_NOT_IN_PLANS and "印发" not in answer.text


@pytest.mark.parametrize("text", [
    "去参观开放日要不要交钱啊", "我一个外地人没有北京户口能报名开放日吗", "开放日能带小孩一起去吗",
    "宣讲活动收不收费",
])
def test_a_joining_detail_the_rules_never_give_is_refused_naming_the_rules(engine, text) -> None:
    answer = engine.answer(Question(text, "ask_participation"))
    assert answer.reason == DETAIL_NOT_IN_PLANS and "公开遴选" in answer.text


@pytest.mark.parametrize("text", [
    "23年大兴到底给多少栋老楼加装了电梯", "23年那个教委员额制的开放日后来到底招了多少员额教师 有具体数字吗",
    "统计局入统宣讲都去了哪几家企业", "23年开放日一共来了多少人参加",
])
def test_what_came_of_the_plans_is_not_what_they_say(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert answer.reason == DETAIL_NOT_IN_PLANS and "96156" in answer.text


@pytest.mark.parametrize(("text", "says"), [
    ("你好 观音寺街道开放日是不是能免费帮办代办 麻烦告诉我一下 谢谢啦", "免费帮办代办"),
    ("开放点5的帮办代办收费吗", "免费帮办代办"),
])
def test_a_detail_the_record_itself_states_is_answered(engine, text, says) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and says in answer.text


# --- found with tests/dev/debug4_questions.yml ------------------------------------------


@pytest.mark.parametrize("text", [
    "第五次全国经济普查最后的普查结果是什么？", "长峰医院火灾事故的调查结果是什么", "政府电话首次接听率最后到底达没达到100%",
    "庑殿生态休闲公园什么时候建成开放？", "瀛海镇那个活动当时去了多少人啊 人多不多", "仲裁一般要多久才出结果",
])
def test_results_of_the_work_are_not_what_the_plans_say(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert answer.reason == DETAIL_NOT_IN_PLANS and "96156" in answer.text


@pytest.mark.parametrize(("text", "intent"), [
    ("俺想考个电工证 上哪报名", "ask_participation"), ("小规模纳税人增值税咋申包", "ask_participation"),
    ("幼儿园入园报名啥时候开始啊", "ask_activity_schedule"),
])
def test_something_else_to_sign_up_for_is_not_our_rules_or_a_work_item(engine, text, intent) -> None:
    answer = engine.answer(Question(text, intent))
    assert not answer.covered and "公开遴选" not in answer.text and "第9项" not in answer.text


@pytest.mark.parametrize("text", [
    "去养老驿站那个开放日管不管一顿午饭啊", "开放点9那边能停车吗", "你好 那个看秤准不准的实验室在哪个位置 坐几路公交能到",
    "户外广告那个试点片区具体是哪几条街", "开放点12活动当天的具体流程是怎么安排的？",
    "闺女你好 我得糖尿病好些年了 要是住院的话医保能给报百分之多少啊", "我上回住院到底报了百分之多少",
    "我在大兴干了三年了 中间换工作社保断了几个月 现在想补缴 该咋弄",
    "我之前报过一次政务开放日没被选上 想问问选人的具体标准到底是啥",
])
def test_details_the_plans_never_give_about_a_record_they_hold(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert answer.reason == DETAIL_NOT_IN_PLANS and "96156" in answer.text


@pytest.mark.parametrize("text", ["城管把我店门口的招牌拆了，事先没有任何通知！", "凭啥把我家门口的棚子给拆了"])
def test_something_torn_down_without_notice_is_a_complaint(engine, text) -> None:
    from kb.deciding import COMPLAINT
    assert engine.answer(Question(text)).reason == COMPLAINT


def test_a_refusal_does_not_name_a_record_that_only_shares_a_word(engine) -> None:
    answer = engine.answer(Question("社区想申请活动经费需要走什么流程？"))
    assert not answer.covered and "第23项" not in answer.text


@pytest.mark.parametrize("text", ["新生儿落户需要准备啥？", "办居住证要准备啥材料"])
def test_a_sentence_of_the_plans_does_not_answer_about_something_no_plan_names(engine, text) -> None:
    assert not engine.answer(Question(text, "out_of_scope")).covered


@pytest.mark.parametrize("turns", [["你觉得政策评价那条有用吗"], ["那惠民保值不值当买 你给俺拿个主意"],
                                   ["劳动法那个宣讲", "你说俺去听了到底有没有用"],
                                   ["俺亲戚拉俺投个养老项目 说一年给百分之二十 靠谱不"],
                                   ["讲人社的和讲医保的那两场", "哪个对打工的更有用"]])
def test_an_opinion_or_advice_asked_is_refused_without_a_verdict(engine, turns) -> None:
    """The plans say what is to be done, never whether it is good (debug26/27)."""
    answer = ask(engine, *turns)
    assert not answer.covered and answer.reason == DETAIL_NOT_IN_PLANS
    assert "没有对它们作评价" in answer.text and HOTLINE in answer.text


@pytest.mark.parametrize("text", ["京策平台要干嘛的 对企业有啥用", "采购宣讲对我们供应商有啥用 都讲哪些东西"])
def test_what_a_record_is_for_is_not_an_opinion(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and "来源：" in answer.text


@pytest.mark.parametrize("turns", [
    ["南街回迁房那个开放日", "工地半夜还打桩吵得睡不着 这找谁管"], ["城管那个开放日", "楼下饭馆油烟熏得受不了 该向谁反映"],
    ["家门口那块空地说好要建小公园 到现在都没动工 怎么回事"], ["说好的补贴到现在也没发 咋回事"],
    ["疫情那几年的助企补贴俺到现在还没领着 咋回事"], ["俺在北臧村住 办个老年卡还得跑到区里 忒远了"],
    ["俺被包工头骗了 想打官司没钱请律师 咋弄"]])
def test_ones_own_trouble_and_whom_to_turn_to_with_it_go_to_12345(engine, turns) -> None:
    """A complaint asking whom to turn to is no question about a unit's duty (debug26/27)."""
    answer = ask(engine, *turns)
    assert not answer.covered and answer.reason == "complaint" and HOTLINE in answer.text


@pytest.mark.parametrize("turns", [
    ["俺厂子一年流水三百来万 够不够入统"], ["俺在村卫生室拿药 门诊能报不 一年封顶多少"], ["厂子倒闭了 俺交了两年社保 能领失业金不"],
    ["种粮补贴一亩给多少"], ["養老補貼發到哪張卡上"], ["想给政府供货 咋样才能进那个采购名单"], ["示范县最后创成了没"],
    ["统计局那个宣讲", "要准备啥报表"], ["计量那个开放日", "试验室里都有啥设备"], ["政府采购宣讲", "中标以后多久能回款"],
    ["区医保中心的电话到底多少"], ["旧宫南街的回迁房啥时候能分到手啊"], ["就业那条", "失业金一个月多少钱 能领几个月"],
    ["计量那个开放日", "能去那实习不"], ["计量那个开放日", "要不要交押金"], ["听讲座要不要交费"],
    ["俺在生物医药基地那边干活 工地还招人不"], ["俺从河南来的 在大兴想找个活干 哪里有招工的"],
    ["社保那条谁负责", "社保补缴咋办 网上能弄不"], ["孩子幼儿园老师的员额制啥意思 跟在编的有啥区别"],
    ["2023年区长具体解读了哪几个文件"]])
def test_a_detail_or_case_the_plans_never_give_is_refused_however_it_is_put(engine, turns) -> None:
    """Eligibility, amounts, procedures, results, equipment, vacancies, another clause's
    procedure, a comparison with what no record says (debug26/27)."""
    answer = ask(engine, *turns)
    assert not answer.covered and HOTLINE in answer.text


def test_a_facet_told_in_the_citizens_story_is_not_asked(engine) -> None:
    answer = ask(engine, "我爸岁数大了 长篇大论的政策看不进去 政策解读会搞些啥形式")
    assert answer.covered and "一图读懂" in answer.text
