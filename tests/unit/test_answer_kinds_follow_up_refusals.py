"""Questions the plans do not answer, asked right after a covered answer, so that they look
like follow-ups on the record just discussed (diagnosis set tests/dev/debug28): an opinion
or a choice, one's own case or a favour, a result, a term's parts, what one must do oneself,
now. Each kind with the example that showed it and a second phrasing (issue 13).
The `engine` fixture is tests/unit/conftest.py's."""
from __future__ import annotations

import pytest

from kb.deciding import OTHER_YEAR
from tests.unit.answering import HOTLINE, ask

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("turns", [
    ["户外广告那个宣讲谁讲的", "你说我现在换招牌合适还是再等等"],
    ["仲裁那个开放日", "你说我这事是打仲裁好还是私了好"],
    ["暑期托管信息谁公开", "你说俺给娃报不报那个托管好"],
    ["乡村振兴那条", "你说俺种玉米好还是种菜好"],
    ["政策解读那两条", "那他们干得咋样 你给打几分"],
    ["医保那个宣讲", "线上看好还是去现场好"],
])
def test_a_choice_or_a_mark_asked_of_the_assistant_is_an_opinion_it_does_not_give(engine, turns) -> None:
    answer = ask(engine, *turns)
    assert not answer.covered and "没有对它们作评价" in answer.text and HOTLINE in answer.text


@pytest.mark.parametrize("turns", [
    ["教委那个开放日讲啥", "我家闺女明年该上幼儿园了 能分到公立的不"],
    ["老楼加装电梯的信息谁发布", "俺们那楼六层没电梯 能给装上不"],
    ["部门预算那个开放日", "我们单位报的那个项目预算能批下来不"],
    ["基层政务公开那条", "俺们社区有啥养老补贴俺能领"],
    ["政府采购宣讲讲啥", "我们是个小公司 想给政府供货 能不能进那个集采目录"],
    ["回迁房工地那个开放日", "那我们工地能请他们来给讲一回不"],
    ["开放日要求谁参加座谈", "局长来了能单独给我十分钟采访不"],
    ["户外广告宣讲", "他们城管委的人讲完能当场给我批个牌子不"],
])
def test_ones_own_case_or_a_favour_after_a_record_is_not_answered_with_the_record(engine, turns) -> None:
    answer = ask(engine, *turns)
    assert not answer.covered and HOTLINE in answer.text


@pytest.mark.parametrize("turns", [
    ["防范非法集资那条", "那些骗钱公司的名单能给俺看看不"],
    ["标准化试点那条", "样板单位选的是哪几个"],
    ["标准化试点那条", "试点单位干得好能评上奖不"],
    # a result asked with 不 or 么 at the end
    ["统计局那个宣讲", "我们厂今年能评上入统先进不"],
    ["统计局那个宣讲", "我们单位能评为统计先进单位不"],
    ["标准化试点那条", "俺们公司能列为试点单位不"],
    ["质量强区那条", "俺们厂能评上质量标杆么"],
    ["政策意见征集那条谁牵头", "上回征求意见的那个草案叫啥名"],
    ["城管那个开放日", "门前三包到底是哪三包 我得干啥"],
    ["城管那个开放日", "门前三包究竟是哪三包"],
])
def test_a_result_a_past_instance_or_a_terms_parts_are_not_in_the_plans(engine, turns) -> None:
    answer = ask(engine, *turns)
    assert not answer.covered and HOTLINE in answer.text


@pytest.mark.parametrize("turns", [
    ["城管那个开放日", "小区门口的早点摊也归他们管不"],
    ["司法局那个开放日", "遗产继承也归这个管吗"],
    ["仲裁那个开放日", "邻居吵架也归他们管不"],
    ["统计局那个宣讲", "个体户也归他们管不"],
])
def test_a_thing_asked_to_be_in_the_units_remit_that_the_record_does_not_write_is_not_in_the_plans(engine, turns) -> None:
    """The thing stands before "(也)归…管", not after a verb like 讲不讲 (answering.yml covers_asked)."""
    answer = ask(engine, *turns)
    assert not answer.covered and HOTLINE in answer.text


@pytest.mark.parametrize("turns, written", [(["城管那个开放日", "门前三包也归他们管吗"], "门前三包"),
                                            (["医保宣讲", "异地就医也归这个管吗"], "异地就医")])
def test_a_thing_the_record_writes_asked_the_same_way_is_answered_with_the_record(engine, turns, written) -> None:
    answer = ask(engine, *turns)
    assert answer.covered and written in answer.text and "来源：" in answer.text


@pytest.mark.parametrize("turns", [["中介服务那条", "上回那个中介公司收了钱活干得稀烂 找谁说去"],
                                   ["城管那个开放日", "物业修个水管修得乱七八糟 这找谁"]])
def test_a_job_done_badly_is_a_complaint(engine, turns) -> None:
    answer = ask(engine, *turns)
    assert not answer.covered and answer.reason == "complaint"


@pytest.mark.parametrize("turns", [["司法局那个开放日", "现在还能报名去不"], ["医保宣讲", "目前还有场次吗"]])
def test_now_is_this_year_which_no_plan_covers(engine, turns) -> None:
    assert ask(engine, *turns).reason == OTHER_YEAR


@pytest.mark.parametrize("turns", [["媒体能采访主责单位不"], ["我们预算单位在部门预算那个开放日上干啥"],
                                   ["户外广告宣讲", "我现在换招牌 那个宣讲讲些啥"]])
def test_what_the_plans_say_is_still_answered_beside_these_cues(engine, turns) -> None:
    """A journalist asking to report is told the work requirement on media; 预算 holds no
    算 asked; 现在 in one's own story is no year asked."""
    answer = ask(engine, *turns)
    assert answer.covered and "来源：" in answer.text
