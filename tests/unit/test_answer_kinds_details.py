"""Kinds found by the twelfth diagnosis set (issue 13): details the plans never give asked
in citizens' words, and what is still answered. Each kind with its example and a second
phrasing. The `engine` fixture is tests/unit/conftest.py's."""
from __future__ import annotations

import pytest

from kb.answers import Question
from kb.deciding import DETAIL_NOT_IN_PLANS

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text", [
    "庑殿生态休闲公园搁哪儿 啥时候开园",  # an event the item's deadline is not about
    "老旧小区改造啥时候开工",
    "政府采购供应商入库需要啥资质",  # a licence
    "部门预算开放点请的专家都是哪些人",  # which experts
    "医保宣讲请的老师都是谁",
    "我儿子去年大学毕业一直没工作 能领啥补贴",  # which subsidy one may draw
    "我公司就五个人 算不算要入统的企业",  # whether one's own case counts
    "我老家河北的 医保能在大兴报销不",
    # from the thirteenth set (dialogues): one's own age or health, payment, case; who was chosen
    "俺今年72了 腿脚不太好 我能去开放日不",
    "我公司的补贴啥时候到账",
    "我的仲裁案子下周开庭 能帮我看看能赢不",
    "哪些单位被选成样板单位了",
])
def test_details_the_plans_never_give_are_refused(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert not answer.covered and answer.reason == DETAIL_NOT_IN_PLANS and "市民服务热线" in answer.text


@pytest.mark.parametrize(("text", "said"), [
    ("第6项啥时候完成", "2023年12月"),
    ("老旧小区改造信息啥时候公开", "完成时限"),
    ("我是做供应商的 政府采购宣讲讲不讲线上融资 入围集采目录讲不讲", "线上融资"),  # not "入围了没"
    ("食品药品抽检信息谁公开 包不包括化妆品", "化妆品"),  # who, and whether it covers that
    ("大兴有几讲政策公开讲", "共有5场宣讲"),
    # a "when" about the item's own work, however it is said, is its deadline
    ("两区建设信息公开这活儿啥时候整完", "完成时限"),
    ("双减成效的信息公开几月份前得完成", "完成时限"),
    ("重要農產品穩產保供的信息公開什麼時候要完成", "完成时限"),
])
def test_what_the_plans_say_is_still_answered(engine, text, said) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and said in answer.text


def test_another_kind_on_the_same_topic_follows_up_the_record_just_discussed(engine) -> None:
    # "开放点16谁负责" (政府采购's open day), then "宣讲呢": the lecture on 政府采购, who runs it.
    first = engine.answer(Question("开放点16谁负责"))
    answer = engine.answer(Question("宣讲呢", context=first.context))
    assert answer.covered and "政府采购宣讲" in answer.text and "财政局" in answer.text
    assert answer.sources == ("京兴政务公开办发〔2023〕2号#lecture:2",)


def test_a_comparison_names_what_each_site_is(engine) -> None:
    answer = engine.answer(Question("开放点7跟开放点9有啥不一样 一个司法一个仲裁?"))
    assert answer.covered and "开放点7“司法服务”" in answer.text and "开放点9“仲裁调解”" in answer.text


@pytest.mark.parametrize(("text", "unit", "work"), [
    ("双减的信息谁公开", "区教委", "双减"),
    ("接诉即办的情况谁公开", "区城指中心", "接诉即办"),
])
def test_who_does_a_work_item_says_which_work_it_is(engine, text, unit, work) -> None:
    # debug13: "工作要点第9项由区教委负责落实" alone does not show it is the 双减 item
    answer = engine.answer(Question(text))
    assert answer.covered and unit in answer.text and "该项写明：" in answer.text and work in answer.text


def test_who_does_item_n_is_only_who(engine) -> None:
    answer = engine.answer(Question("第9项谁负责"))
    assert answer.covered and "区教委" in answer.text and "该项写明" not in answer.text


@pytest.mark.parametrize("text", [
    "我打12345反映的事三个月了还没解决",
    "俺低保被停了 咋回事",
    "大兴政府网站老是打不开 太烂了",
])
def test_a_matter_still_unsolved_or_a_site_that_fails_is_a_complaint(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert not answer.covered and answer.reason == "complaint" and "市民服务热线" in answer.text


@pytest.mark.parametrize("text", ["政策效果评价多久评一次", "第25项多久评一次"])
def test_how_often_is_what_the_item_says(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and "至少开展一次" in answer.text and "完成时限是" not in answer.text


@pytest.mark.parametrize(("first", "then", "number"), [
    ("第17项讲啥", "下一条呢", 18),  # debug14: 条 as well as 个
    ("第20项讲啥", "前一条呢", 19),
    ("第29项讲啥", "那倒数第二条呢", 28),  # never item 2
])
def test_steps_and_positions_from_the_end_over_work_items(engine, first, then, number) -> None:
    answer = engine.answer(Question(then, context=engine.answer(Question(first)).context))
    assert answer.covered and answer.sources == (f"京兴政务公开发〔2023〕1号#item:{number}",)


@pytest.mark.parametrize("then", ["谁牵头 几月完", "谁负责 啥时候"])
def test_who_and_by_when_in_one_breath_gets_both_once(engine, then) -> None:
    answer = engine.answer(Question(then, context=engine.answer(Question("第20项讲啥")).context))
    assert "区政务服务局牵头" in answer.text and "完成时限是2023年10月" in answer.text
    assert answer.text.count("该项写明") == 1


def test_a_condition_of_joining_an_activity_is_recognised_for_an_honest_refusal(engine) -> None:
    # The NLU fell back on it ("抱歉，我没有理解"): the plans' honest refusal is the answer.
    question = Question("俺今年72了 腿脚不太好 开放日我能去不")
    assert engine.recognises(question)
    answer = engine.answer(question)
    assert not answer.covered and "市民服务热线" in answer.text


@pytest.mark.parametrize(("first", "then", "said"), [
    ("俺家住旧宫 想问问老旧小区改造那个事啥时候开工", "哦哦明白了 那这事的信息谁公开", "区住建委"),
    ("双减的信息谁公开", "嗯嗯知道了 那件事几月份要完成", "2023年10月"),
    ("第5项讲啥", "哦这样啊 那条的负责单位都有谁", "区住建委"),
])
def test_this_matter_points_back_at_the_record_just_discussed(engine, first, then, said) -> None:
    # Review transcript: "这事" after a refusal that named item 5 found nothing.
    answer = engine.answer(Question(then, context=engine.answer(Question(first)).context))
    assert answer.covered and said in answer.text
