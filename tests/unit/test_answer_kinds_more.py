"""More kinds of misreading, found with the fifth diagnosis set (tests/dev/debug5_questions.yml),
each with the example that showed it and a second phrasing of the same kind (issue 13).
The `engine` fixture is tests/unit/conftest.py's."""
from __future__ import annotations

import pytest

from kb.answers import Context, Question
from kb.deciding import COMPLAINT, DETAIL_NOT_IN_PLANS, OTHER_YEAR
from tests.unit.answering import INTERACTION, TODAY, WORK_POINTS, ask

pytestmark = pytest.mark.unit


# --- what is asked -----------------------------------------------------------------------

@pytest.mark.parametrize("text", ["你好，新出台的政策要通过哪个平台完成兑现？谢谢解答",
                                  "政策兑现要在哪个平台完成"])
def test_the_name_of_a_thing_is_its_records_content_not_a_deadline(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and "京策" in answer.text and f"{WORK_POINTS}#item:22" in answer.sources


def test_a_deadline_is_still_a_deadline(engine) -> None:
    answer = engine.answer(Question("第5项年底能完成吗"))
    assert answer.asked == "deadline" and "2023年12月" in answer.text


@pytest.mark.parametrize("text", [
    "我们企业老碰上这种事 政策出来了 细则过了半年才出 根本没法申报 有没有要求细则跟政策一块儿出",
    "窗口老说细则还没出 文件里有没有规定细则要跟政策一起出",
])
def test_a_story_ending_in_a_plan_question_is_answered_even_when_labelled_a_complaint(engine, text) -> None:
    question = Question(text, "complaint")
    assert engine.answers_clearly(question)
    assert f"{WORK_POINTS}#item:23" in engine.answer(question).sources


@pytest.mark.parametrize("text", ["我家楼道灯坏了一个月没人修 有没有人管",
                                  "我们小区门口天天堵车 有没有规定不让乱停"])
def test_a_complaint_with_a_question_is_still_a_complaint(engine, text) -> None:
    question = Question(text, "complaint")
    assert not engine.answers_clearly(question)
    assert engine.answer(question).reason == COMPLAINT


@pytest.mark.parametrize("text", ["我的养老金这个月咋还没到账 往常十五号就到了",
                                  "申请的失业金一个多月了一直没批下来",
                                  "医保报销材料被退回来了 说还缺东西"])
def test_a_personal_case_that_is_stuck_goes_to_the_hotline(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert not answer.covered and answer.reason == COMPLAINT and "96156" in answer.text


@pytest.mark.parametrize("text", ["今年到底新增了多少个中小学学位 都是哪几所学校",
                                  "老旧小区改造最后改了哪几个小区",
                                  "政务公开考核哪个单位排第一",
                                  "一场开放日活动大概得多长时间 半天够不",
                                  "北臧村镇的村级政务服务站周末开门不",
                                  "报名参加开放日打哪个电话 给个号码呗"])
def test_what_came_of_it_how_long_and_when_open_are_details_the_plans_never_give(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert not answer.covered and answer.reason == DETAIL_NOT_IN_PLANS and "96156" in answer.text


def test_a_free_weekend_in_the_story_is_not_a_question_about_opening_hours(engine) -> None:
    answer = engine.answer(Question("我平时上班 周末才有空 家里老人去海南住 看病报销麻烦 听说有个医保政策宣讲 讲不讲异地就医"))
    assert answer.covered and "异地就医" in answer.text


@pytest.mark.parametrize("text", ["外地户口 在大兴打工的能报名开放日吗",
                                  "我是非京籍的 可以报名参加政策公开讲吗"])
def test_who_the_citizen_is_makes_a_joining_question_a_condition_the_plans_never_set(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert not answer.covered and answer.reason == DETAIL_NOT_IN_PLANS


@pytest.mark.parametrize("text, said", [
    ("开放日人大代表政协委员也来吗", "区政协委员"),
    ("记者能去开放日现场不", "媒体记者"),
    ("群众代表是啥样的人 当家长的能当不", "家长代表"),
    ("俺腿脚不好不想出门 开放日有没有在家就能看的法子", "视频直播"),
    ("直播公告里会写主办单位吗", "主办单位"),
    ("活动公告上都有啥内容", "活动时长"),
])
def test_the_participation_rules_answer_who_comes_how_to_watch_and_what_a_notice_holds(engine, text, said) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and said in answer.text and f"{INTERACTION}#rules" in answer.sources


def test_a_list_of_the_kinds_named_leaves_out_other_kinds(engine) -> None:
    answer = engine.answer(Question("开放日和宣讲里头跟教育有关的都有啥"))
    assert answer.sources and all("#item:" not in ref for ref in answer.sources)
    assert f"{INTERACTION}#site:17" in answer.sources


# --- a later year ------------------------------------------------------------------------

@pytest.mark.parametrize("text, fact", [
    ("您好 请问一下大兴今年那个政务公开工作要点是哪个单位印发的呀", "2023年4月10日"),
    ("今年就业信息重点照顾哪几类人", "农村劳动力"),
])
def test_this_years_plan_asked_gets_the_newest_plans_answer_labelled_with_its_year(engine, text, fact) -> None:
    answer = engine.answer(Question(text))
    assert answer.reason == OTHER_YEAR and fact in answer.text and "来源：" in answer.text
    assert "不是2026年的安排" in answer.text and "96156" in answer.text


@pytest.mark.parametrize("text", ["今年还有开放日吗", "2026年还有政策公开讲吗", "明年的开放日啥时候办"])
def test_whether_or_when_a_later_year_has_activities_is_only_refused(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert not answer.covered and answer.reason == OTHER_YEAR and "2023" not in answer.text.split("\n")[1:2]


@pytest.mark.parametrize("text", ["二零二一年的政民互动方案是哪天发的", "二〇二二年的工作要点谁印发的"])
def test_an_older_year_in_chinese_digits_is_refused_not_answered_with_2023(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert not answer.covered and answer.reason == OTHER_YEAR


def test_a_span_of_years_in_chinese_digits_is_no_year(engine) -> None:
    assert engine.cues.asked_years("我在这干了二三年了 开放日咋报名", TODAY) == ()


# --- positions and neighbours ------------------------------------------------------------

def test_from_the_end_counts_in_the_kind_just_discussed(engine) -> None:
    assert f"{INTERACTION}#site:16" in ask(engine, "开放点最后一个是啥 谁负责", "倒数第二个呢").sources
    assert f"{INTERACTION}#site:15" in ask(engine, "开放点最后一个是啥 谁负责", "倒数第二个呢",
                                             "再往前一个").sources


def test_the_last_one_after_a_numbered_follow_up_is_the_kinds_last(engine) -> None:
    answer = ask(engine, "政策公开讲头一个讲的啥", "第二个呢", "最后一个谁负责")
    assert f"{INTERACTION}#lecture:5" in answer.sources and "城管委" in answer.text


@pytest.mark.parametrize("turns, number", [
    (("北臧村镇开放日看啥", "它前面一个点是谁"), 5),
    (("北臧村镇开放日看啥", "它前面一个点是谁", "后面一个呢"), 6),
    (("开放点8是啥", "下一个呢"), 9),
])
def test_the_neighbour_of_the_record_just_discussed(engine, turns, number) -> None:
    assert f"{INTERACTION}#site:{number}" in ask(engine, *turns).sources


@pytest.mark.parametrize("text, number, unit", [
    ("政策专属礼包专题第一个点是谁负责", 14, "市场监管局"),
    ("便民惠民服务专题第二个点谁负责", 8, "城管委"),
])
def test_a_position_in_a_named_theme(engine, text, number, unit) -> None:
    answer = engine.answer(Question(text))
    assert f"{INTERACTION}#site:{number}" in answer.sources and unit in answer.text


def test_this_unit_means_the_unit_of_the_record_just_discussed(engine) -> None:
    answer = ask(engine, "饭馆抽检的信息谁公开", "这家还有开放日吗 看啥")
    assert f"{INTERACTION}#site:14" in answer.sources and "计量" in answer.text


# --- follow-ups on the record just discussed ---------------------------------------------

@pytest.mark.parametrize("turns, said", [
    (("办不成事窗口是哪个街道弄的", "收费不"), "免费"),
    (("开放点5是干啥的", "要钱吗"), "免费"),
])
def test_a_detail_the_record_just_discussed_states_is_answered(engine, turns, said) -> None:
    answer = ask(engine, *turns)
    assert answer.covered and said in answer.text


@pytest.mark.parametrize("turns, number", [
    (("司法局开放日讲点啥", "属于哪个专题", "这专题另一个是谁"), 8),
    (("瀛海镇开放日看啥", "那个专题其他的点呢"), 13),
])
def test_the_other_sites_of_the_theme_just_named(engine, turns, number) -> None:
    assert f"{INTERACTION}#site:{number}" in ask(engine, *turns).sources


@pytest.mark.parametrize("turns", [("政民互动方案是发给谁的", "公开了没"),
                                   ("工作要点是哪天印发的", "对外公开没")])
def test_whether_the_plan_just_discussed_is_public(engine, turns) -> None:
    assert "主动公开" in ask(engine, *turns).text


@pytest.mark.parametrize("turns, number, said", [
    (("京策平台兑现前置审查那条谁落实", "平台建设辅助支撑那条呢 截止啥时候"), 26, "2023年10月"),
    (("老旧小区改造信息谁发布", "那防范非法集资宣传那条呢 谁负责"), 3, "区金融办"),
])
def test_a_follow_up_that_describes_another_record_in_its_words_means_that_record(engine, turns, number, said) -> None:
    answer = ask(engine, *turns)
    assert f"{WORK_POINTS}#item:{number}" in answer.sources and said in answer.text


@pytest.mark.parametrize("turns, said", [
    (("配套细则要跟政策同时发吗", "这事谁挑头"), "区政务服务局、区司法局牵头"),
    (("配套细则要跟政策同时发吗", "限期到哪天"), "2023年12月"),
    (("京策平台兑现前置审查那条谁落实",), "区政务服务局"),
])
def test_who_leads_and_the_deadline_in_other_words(engine, turns, said) -> None:
    answer = ask(engine, *turns)
    assert answer.covered and said in answer.text


@pytest.mark.parametrize("text, refs", [
    ("政府采购的活动有俩 一个开放点一个宣讲 分别谁负责", {"site:16", "lecture:2"}),
    ("财政局搞了一个开放点一个宣讲 各讲啥", {"site:15", "lecture:2"}),
])
def test_a_count_before_a_kind_is_no_record_number(engine, text, refs) -> None:
    answer = engine.answer(Question(text))
    assert {f"{INTERACTION}#{ref}" for ref in refs} <= set(answer.sources)


@pytest.mark.parametrize("text", ["这两个文件哪个先发的 各是哪天", "两个文件分别是哪天发的"])
def test_when_the_two_plans_were_issued(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert "2023年4月10日" in answer.text and "2023年7月28日" in answer.text


@pytest.mark.parametrize("text, number, said", [
    ("有个宣讲说要规划广告牌布局的 谁主讲", 5, "城管委"),
    ("政府采购宣讲会不会讲线上融资", 2, "线上融资"),
    ("孩子在上幼儿园 教委开放日关注的事跟幼儿园有关系没", None, "学前教育"),
])
def test_what_a_lecture_or_site_covers_asked_in_other_words(engine, text, number, said) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and said in answer.text
    if number:
        assert f"{INTERACTION}#lecture:{number}" in answer.sources


@pytest.mark.parametrize("text, said", [
    ("线上直播还要请人大代表去吗", "可不邀请"),
    ("報名要提前幾天發公告", "5个工作日"),
    ("报名以后多久发公告", "5个工作日"),
])
def test_the_rules_say_it_in_the_plans_words_and_their_own_words_are_no_foreign_object(engine, text, said) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and said in answer.text and f"{INTERACTION}#rules" in answer.sources


# --- found with the plain set (tests/dev/debug6_questions.yml) ---------------------------

@pytest.mark.parametrize("text, number, said", [
    ("早上好！根据工作要点，区里需要公开抽检信息的产品类别包括哪些？", 8, "医疗器械"),
    ("要点提到要制作哪些通俗易懂的政策推广产品？", 21, "微动漫"),
    ("首次接听率的要求具体针对哪几类电话？", 15, "综合咨询电话"),
    ("要点要求基层通过哪些平台公开信息？", 13, "信息公示栏"),
])
def test_a_fact_inside_one_item_asked_as_a_list_is_that_items_sentence(engine, text, number, said) -> None:
    answer = engine.answer(Question(text))
    assert f"{WORK_POINTS}#item:{number}" in answer.sources and said in answer.text


@pytest.mark.parametrize("text, said", [
    ("医保惠民政策宣讲主要围绕哪一类保险待遇？", "惠民保"),
    ("教育改革开放点属于哪个专题，由谁负责？", "政策专属礼包"),
    ("司法局的政务开放日采用什么形式？", "走进局机关"),
    ("政民互动工作总体方案是由哪个机构发布的？", "领导小组办公室"),
])
def test_a_kind_of_thing_a_theme_and_its_unit_a_sites_form_and_the_issuing_body(engine, text, said) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and said in answer.text


@pytest.mark.parametrize("text", ["区政务服务局现任局长叫什么名字？",
                                  "观音寺街道的帮办代办服务需要提前预约吗？怎么预约？",
                                  "在政务公开绩效考核中，政民互动活动占多少分？",
                                  "瀛海镇政务服务中心的开放日是上午还是下午？",
                                  "线上直播的政务开放日一般会持续多长时间？"])
def test_names_of_officials_booking_scores_and_times_of_day_are_not_in_the_plans(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert not answer.covered and answer.reason == DETAIL_NOT_IN_PLANS


@pytest.mark.parametrize("text", ["我报名参加政务开放日却没被选上，感觉选人不公平，应该向谁申诉？",
                                  "我打12345打了三回都没人给解决 这什么破服务"])
def test_grievances_about_selection_or_service_are_complaints(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert answer.reason == COMPLAINT


def test_a_written_year_before_a_plan_word_is_the_year_asked(engine) -> None:
    answer = engine.answer(Question("请问2024年大兴区政民互动工作总体方案的文号是多少？"))
    assert not answer.covered and answer.reason == OTHER_YEAR and "不能把2023年的内容当作2024年" in answer.text
    assert engine.answer(Question("今年还有开放日吗 俺想去")).reason == OTHER_YEAR


def test_a_written_year_of_the_citizens_own_event_is_no_year_asked(engine) -> None:
    answer = engine.answer(Question("我们公司2019年注册的 想问入统宣讲是哪个局"))
    assert answer.covered and answer.reason is None and "统计局" in answer.text


def test_every_shape_renders_for_every_kind_of_record(engine) -> None:
    """"两份文件的发文机关有什么区别" once compared two documents and raised: every shape of
    decision renders for every pair of record kinds and every facet."""
    from kb.deciding import COMPARE, COUNT, LIST, ONE, SEVERAL, Decision

    one_of_each = list({r.kind: r for r in engine.kb.records}.values())
    reading = engine.read(Question("这两个有什么区别"))
    for shape in (ONE, SEVERAL, LIST, COUNT, COMPARE):
        for first in one_of_each:
            for second in one_of_each:
                for facet in (None, "content", "unit", "deadline", "theme", "document", "section"):
                    answer = engine.renderer.render(Decision(shape, (first, second), facet), reading, Context())
                    assert answer.text.strip()


@pytest.mark.parametrize("text, said", [
    ("两份文件的发文机关有什么区别？", "领导小组办公室"),
    ("工作要点和政民互动方案的印发日期有什么不同", "2023年7月28日"),
])
def test_the_two_plans_compared(engine, text, said) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and said in answer.text and "2023年4月10日" in answer.text


@pytest.mark.parametrize("text, number, unit, agrees", [
    ("那政务开放日里的政府采购开放点也是财政局负责的吗？", 16, "国资委", False),
    ("户外广告宣讲是不是城管委办的", 5, "城管委", True),
])
def test_a_unit_checked_is_not_the_unit_meant(engine, text, number, unit, agrees) -> None:
    answer = engine.answer(Question(text))
    assert unit in answer.text and answer.text.startswith("是的" if agrees else "不是")
    assert any(ref.endswith(f":{number}") for ref in answer.sources)


@pytest.mark.parametrize("text", ["政策效果评价遵循什么原则？", "建立政策效果评价机制，按照的是什么原则？"])
def test_a_records_own_principle_is_not_the_plans_basic_principles(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert "谁起草，谁负责" in answer.text and f"{WORK_POINTS}#item:25" in answer.sources


def test_a_citizen_who_follows_something_closely_compares_nothing(engine) -> None:
    answer = engine.answer(Question("我平时比较关注区政府网站上的公告。教育领域信息公开那一项的完成时限是2023年几月？"))
    assert not answer.text.startswith("两者的对比")


@pytest.mark.parametrize("text, numbers", [
    ("工作要点里有哪几条提出了100%的量化要求？", {15, 17}),
    ("工作要点中哪几条直接提到了“政策公开讲”和“政务开放日”？", {18, 21}),
])
def test_a_list_by_a_term_some_items_write(engine, text, numbers) -> None:
    answer = engine.answer(Question(text))
    assert {f"{WORK_POINTS}#item:{n}" for n in numbers} == set(answer.sources) or \
        all(f"第{n}项" in answer.text for n in numbers)
    assert "共有29项" not in answer.text


def test_a_list_of_a_whole_kind_is_still_the_whole_kind(engine) -> None:
    assert "共有17个开放点" in engine.answer(Question("开放日有哪些")).text


@pytest.mark.parametrize("text", ["教委在两份文件里分别承担了什么任务？", "教委在要点和开放日里各管啥事"])
def test_a_units_few_records_across_both_plans_each_in_full_and_each_cited(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert "员额制" in answer.text and "双减" in answer.text
    assert "第9项" in answer.text and "“政务开放日”开放点17" in answer.text


@pytest.mark.parametrize("text, said, unsaid", [
    ("你好，2023年的政务公开工作要点分成哪几大部分？", "四、强化政务公开服务能力", None),
    ("您好，工作要点的第四部分标题是什么，包括哪两个方面？", "加强政务公开队伍建设", "一、总体要求"),
    ("要点第二部分“深化重点领域信息公开”分成了哪几个导向？", "美好生活需求为导向", "三、优化"),
    ("“优化政策公开服务流程”这一部分下面设有哪几个小标题？", "深化政策全流程管理", "二、深化"),
])
def test_the_plans_parts_and_their_headings(engine, text, said, unsaid) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and said in answer.text
    assert unsaid is None or unsaid not in answer.text
    assert "第4项" not in answer.text  # 第四部分 is no work item 4
