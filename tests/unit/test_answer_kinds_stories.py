"""Kinds found by the fourteenth and fifteenth diagnosis sets (issue 13, dialogues): a long
story around a question whether something exists, follow-ups in everyday words or about
being there, joining with someone, and details the plans never give. Each kind with its
example and a second phrasing. The `engine` fixture is tests/unit/conftest.py's."""
from __future__ import annotations

import pytest

from kb.answers import Question
from kb.deciding import COMPLAINT, DETAIL_NOT_IN_PLANS, OTHER_YEAR
from tests.unit.answering import ask

pytestmark = pytest.mark.unit




@pytest.mark.parametrize(("text", "ref"), [
    # the story's words (合规, 工资, 扣钱, 周末) ask nothing of the record asked about
    ("俺在黄村开了个小饭馆 门头招牌前两天城管来说不合规 让整改 俺也不懂 你们这有没有讲招牌广告政策的", "lecture:5"),
    ("老板拖俺工资三个月了 找谁都不管 听工友说人保局有个啥宣讲 讲劳动的 真的假的", "lecture:3"),
    ("有没有人到厂里给讲劳动法的 俺们老板老扣钱", "lecture:3"),
    ("周末想带孩子长长见识 有没有科学类的开放日 比如测量的", "site:14"),
])
def test_whether_a_record_exists_is_answered_whatever_the_story(engine, text, ref) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and answer.sources[0].endswith(ref)


@pytest.mark.parametrize(("first", "text", "said"), [
    # the plans' own word for an everyday one: 例子/真事儿 → 典型案例, 片儿 → 试点片区
    ("医保宣讲讲啥", "会拿真事儿举例子不", "典型案例"),
    ("医保宣讲讲啥", "会拿例子讲不", "典型案例"),
    ("户外广告宣讲讲啥", "是讲全区的还是就某个片儿", "试点片区"),
    # with whom the experts review (跟谁): what the entry says, not who the experts are
    ("部门预算那个开放日干啥", "专家跟谁一块评", "人大代表"),
    # what one gets to see there, when the entry writes it
    ("仲裁调解开放日", "去了能看模拟庭审不", "模拟庭审"),
    # the activity's notice, just discussed, not the plan's own cover notice
    ("直播前多久发通知", "通知里都写啥", "活动时长"),
])
def test_follow_ups_in_everyday_words_are_answered_from_the_record(engine, first, text, said) -> None:
    answer = ask(engine, first, text)
    assert answer.covered and said in answer.text


@pytest.mark.parametrize(("first", "text"), [
    ("司法局的开放日", "去了能看消防设施演示不 能教怎么用灭火器不"),  # not in the entry
    ("司法局的开放日", "能带孩子去不 孩子才8岁"),  # bringing someone
    ("旧宫镇的开放日", "我爸八十了 能带他进工地看看不"),
    ("计量服务开放日", "当天能现场教孩子做实验不"),
])
def test_what_the_entry_does_not_say_about_being_there_is_refused(engine, first, text) -> None:
    answer = ask(engine, first, text)
    assert not answer.covered and answer.reason == DETAIL_NOT_IN_PLANS and "市民服务热线" in answer.text


@pytest.mark.parametrize("text", [
    "那个看模拟开庭的在哪个楼",  # a building
    "我家在北臧村镇大营村 我们村有服务站没",  # one's own village
    "我家在旧宫 今年暑假哪个学校有托管班",  # which school
    "俺在老家交的社保能转到大兴不",  # a transfer
    "你们给记者报销路费不",  # travel costs
    "那俺上回被罚的两百块能退不",  # a refund
    "实际接听率到100了没 有统计数吗",  # what was achieved
    "孩子不满十八岁能参加开放日不",  # a minor
    "俺在工地干活白天没空 医保那个宣讲晚上有没有",  # evenings
    "西红门算不算试点片区",  # which areas are the pilot
])
def test_details_the_plans_never_give_are_refused(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert not answer.covered and answer.reason == DETAIL_NOT_IN_PLANS and "市民服务热线" in answer.text


def test_an_employer_who_will_not_pay_is_a_complaint(engine) -> None:
    answer = ask(engine, "有没有工伤保险的信息", "我上个月工伤了 老板不给报 你们管不管")
    assert not answer.covered and answer.reason == COMPLAINT


@pytest.mark.parametrize(("text", "said"), [
    # who may join at all, asked by a parent who would bring a child: the rules say who
    ("我是个家长 想带孩子去看看政务开放日 这活动都啥人能参加啊", "家长代表"),
    ("线下活动的人数谁定的", "各主责单位"),  # not who issued the plan
    ("政府出政策之前听不听老百姓意见", "意见征集"),
    ("征务开放日都有哪些专体", "优化营商环境"),  # 专体 → 专题
])
def test_what_the_plans_say_is_answered(engine, text, said) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and said in answer.text


def test_a_follow_up_on_the_plan_just_named_is_recognised_when_the_nlu_is_unsure(engine) -> None:
    # "哪天印发的" after "政民互动方案文号多少": the NLU may fall back; the plans still answer
    first = engine.answer(Question("政民互动方案文号多少"))
    question = Question("哪天印发的", context=first.context)
    assert engine.recognises(question)
    assert "2023年7月28日" in engine.answer(question).text


@pytest.mark.parametrize(("turns", "ref"), [
    # a position among the entries of the site's own theme, not 开放点3
    (["国动办那个是第几个开放点", "同专题的第三个呢"], "site:11"),
    # a position inside the list just shown, not 开放点2
    (["第四个专题有啥", "那里头第二个开放点呢 谁负责"], "site:13"),
    # after the list of one theme's sites: the site itself, not its theme again
    (["开放点15是啥", "同一个专题还有哪些", "倒数第二个呢"], "site:16"),
])
def test_positions_count_over_what_was_just_shown(engine, turns, ref) -> None:
    answer = ask(engine, *turns)
    assert answer.covered and answer.sources == (f"京兴政务公开办发〔2023〕2号#{ref}",)
    assert "这个专题共有" not in answer.text


def test_an_item_reached_by_number_alone_says_which_work_it_is(engine) -> None:
    # "第二条呢" after "第一条谁负责": who, and what item 2 is (the citizen never saw it);
    # "第9项谁负责" asks who alone.
    answer = ask(engine, "第一条谁负责", "第二条呢")
    assert "区商务局" in answer.text and "该项写明：培育特色新兴消费载体" in answer.text
    assert "该项写明" not in engine.answer(Question("第9项谁负责")).text


@pytest.mark.parametrize("text", [
    "我是学财会的大三学生 能去旁听开放日不",  # a group the plans do not name
    "我住魏善庄 不是长子营的 养老驿站开放日能去吗",
])
def test_whether_someone_like_me_may_join_is_refused_naming_the_rules(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert not answer.covered and answer.reason == DETAIL_NOT_IN_PLANS


@pytest.mark.parametrize(("text", "said"), [
    ("我学法律的 想去司法局看看 有这活动吗", "走进局机关"),  # whether it exists: the entry
    ("我想问问就是那个仲裁是怎么个流程啊能不能去看看开庭的", "仲裁案件处置流程"),  # the rules, after the entry's gist
    ("您好 我是大学生 想问下开放日除了公开遴选还有别的方式选人吗", "定向邀请"),  # how people are chosen
])
def test_joining_a_named_site_shows_what_it_is(engine, text, said) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and said in answer.text


def test_a_kind_named_with_a_back_reference_after_the_rules_never_fails(engine) -> None:
    # "这个跟政策公开讲是一回事吗" after an answer from the participation rules: the rules
    # record (which holds a mapping) was put in a set and the turn failed ("系统暂时繁忙").
    answer = ask(engine, "区长具体哪天讲 有直播吗 我想去现场", "这个跟政策公开讲是一回事吗")
    assert answer.text and "来源" in answer.text


@pytest.mark.parametrize(("turns", "said"), [
    # "除了X还有谁" names a unit the record just discussed does not have: X's one record
    (["开放点13谁负责", "除了金融办还有谁一块管"], "相关属地"),
    # where an item's information is published is what the item says, not a place refused
    (["用财政的钱请中介干活的项目 信息要在哪儿公开"], "中介服务网上交易平台"),
    (["民政那条具体要公开哪几类信息"], "资金发放"),  # 民政: 区民政局
])
def test_what_the_work_items_say_in_citizens_words(engine, turns, said) -> None:
    answer = ask(engine, *turns)
    assert answer.covered and said in answer.text


@pytest.mark.parametrize("text", [
    "这几条现在做完了没 网上能查到结果吗",  # what came of them
    "我们榆垡镇大厅现在有这个窗口了没",
])
def test_whether_the_work_is_done_is_refused(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert not answer.covered and answer.reason == DETAIL_NOT_IN_PLANS


def test_a_detail_question_the_nlu_could_not_place_is_recognised(engine) -> None:
    # "我们是做冷链物流的小公司 能享受哪些补贴" was answered with the help menu
    question = Question("我们是做冷链物流的小公司 能享受哪些补贴")
    assert engine.recognises(question)
    assert engine.answer(question).reason == DETAIL_NOT_IN_PLANS


def test_other_units_than_the_only_one_are_none(engine) -> None:
    # "除了商务局还有谁" after item 2: 商务局 is a name the gazetteer knows, no foreign word
    answer = ask(engine, "第二条谁负责", "除了商务局还有谁")
    assert answer.covered and "只有区商务局" in answer.text


@pytest.mark.parametrize(("text", "said"), [
    ("公示栏上要公开些啥", "居(村)民信息公示栏"),  # a term of three characters only item 13 writes
    ("我想带孩子参加开放日 咋报名", "公开遴选"),  # how to join, whoever comes along
    ("法律援助有没有开放日能去看看的", "法律援助"),  # whether such an open day exists: site 7
    ("双减以后那个培训机构回头看 检查结果公开吗", "回头看"),  # what item 9 publishes
])
def test_a_question_the_plans_answer_in_few_words(engine, text, said) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and said in answer.text


@pytest.mark.parametrize(("text", "reason"), [
    ("昨天在超市买的蜂蜜一看就掺糖了 你们市场监管都不管管", COMPLAINT),
    ("上回我在大厅办社保 那个小伙子态度可差了", COMPLAINT),
    ("我们公司申请的补贴在京策上一直显示审核中 咋回事", COMPLAINT),
    ("我有个关于校园周边交通的建议 发给谁", DETAIL_NOT_IN_PLANS),  # not whom the plan is sent to
    ("下周有活动吗", OTHER_YEAR),
    ("去年的活动录像还能找着不", OTHER_YEAR),
    ("区长今年一共参加了几次解读", OTHER_YEAR),
])
def test_what_the_plans_cannot_answer_is_refused_for_its_reason(engine, text, reason) -> None:
    answer = engine.answer(Question(text))
    assert not answer.covered and answer.reason == reason


# --- found with debug26/27 (blind dialogue sets) -------------------------------------------

@pytest.mark.parametrize(("turns", "said", "cited"), [
    (["人保局那个开放日", "这个专题一共有几个点 都是啥", "第二个是干嘛的"], "国动办", "开放点10"),
    (["瀛海镇那个开放点去了看啥", "属于哪个专题啊", "那第13个呢"], "养老驿站", "开放点13"),
    (["城管那个开放日", "这开放日属于哪个专题", "那专题除了这个还有啥"], "司法局", "开放点7")])
def test_positions_after_a_theme_shown_count_over_its_sites_then_over_all(engine, turns, said, cited) -> None:
    answer = ask(engine, *turns)
    assert answer.covered and said in answer.text and cited in answer.text


@pytest.mark.parametrize(("turns", "said"), [
    (["孩子他爸想去参加那个开放日 请的人里头有没有家长"], "家长代表"),
    (["俺儿子跟人打官司请不起律师 听说司法局开放过 那开放日都介绍些啥"], "法律援助"),
    (["有没有能去看劳动仲裁咋办案的开放日"], "仲裁"),
    (["医保局那个宣讲讲的是哪年的报销政策"], "2023年医保报销政策"),
    (["区里不是搞过一个讲医保的活动吗 讲没讲外地看病这块"], "异地就医"),
    (["医保宣讲", "讲不讲在外地住院报销"], "异地就医"),
    (["孩子他爸想去参加那个开放日", "去了能见着领导不"], "主要负责同志"), (["开放日去了能见着局长不"], "主要负责同志"),
    # what it is called, what role someone plays, whether it is published (REST-only, debug20-25)
    (["人社那个普法宣讲主题叫啥来着"], "人社普法进企业"), (["财政局那个预算开放日 人大代表政协委员在里面起什么作用"], "独立意见"),
    (["打12345反映问题 处理得咋样政府公开不"], "第11项")])
def test_what_is_asked_is_read_past_the_citizens_story_and_words(engine, turns, said) -> None:
    """One's own lawsuit told as the story; 咋办案 is no procedure; the year of what a
    lecture covers is its entry's; the gazetteer's words for a topic it covers."""
    answer = ask(engine, *turns)
    assert answer.covered and said in answer.text and "来源：" in answer.text


def test_ones_own_case_asked_in_a_clause_that_asks_is_still_refused(engine) -> None:
    assert not engine.answer(Question("政策公开讲能不能到我们公司来讲 怎么预约")).covered


def test_the_year_of_the_information_itself_is_still_the_data_year(engine) -> None:
    assert "目前知识库中的计划是" in engine.answer(Question("你们这信息都是哪年的")).text


@pytest.mark.parametrize("turns", [["养老驿站开放日", "我腿脚不利索 能派个车接我不"],
                                   ["部门预算那个开放日 都有谁参与", "我表姐是区政协委员 她能不能把我也带进去旁听"]])
def test_being_fetched_or_brought_in_by_someone_is_refused(engine, turns) -> None:
    answer = ask(engine, *turns)
    assert not answer.covered and "没有写到" in answer.text
