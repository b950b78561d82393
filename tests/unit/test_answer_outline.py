"""Kinds of misreading found by the eighth diagnosis set (tests/dev/debug8_questions.yml):
a plan's outline held by its headings, not by its records, and the plans' own words for
everyday ones found inside a name (issue 13). The `engine` fixture is
tests/unit/conftest.py's."""
from __future__ import annotations

import pytest

from kb.answers import Question
from kb.parser import parse_plan
from tests.unit.answering import INTERACTION, WORK_POINTS, ask

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text", ["政民互动方案包括哪几个部分？", "政民互动总体方案大体分几个部分"])
def test_the_interaction_plans_outline_has_every_part_even_one_only_the_rules_hold(engine, text) -> None:
    answer = engine.answer(Question(text, "ask_participation"))
    assert "正文分为4个部分" in answer.text
    assert "三、政民互动形式" in answer.text and "四、工作要求" in answer.text
    assert f"{INTERACTION}#rules" not in answer.sources


@pytest.mark.parametrize("text", ["政民互动方案的工作要求部分包括哪几条？", "方案第四部分有哪些内容"])
def test_headings_run_into_their_paragraphs_are_the_parts_sub_headings(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert "（一）加强组织领导" in answer.text and "（四）严格督查考核" in answer.text


def test_a_part_without_sub_headings_is_told_by_its_opening_sentence(engine) -> None:
    answer = engine.answer(Question("政民互动方案第三部分讲的啥"))
    assert "三、政民互动形式" in answer.text and "视频直播" in answer.text


def test_a_follow_up_on_the_outline_keeps_the_plan_discussed(engine) -> None:
    answer = ask(engine, "政民互动方案是谁印发的", "分几个部分？")
    assert "政民互动工作总体方案》正文分为4个部分" in answer.text


def test_the_parser_keeps_run_in_headings_in_the_outline_and_their_text_in_the_section() -> None:
    plan = parse_plan("一、工作要求\n（一）加强组织领导。各单位要提高认识。\n（二）做好宣传报道。各单位要充分利用新媒体平台。\n")
    assert [s.path for s in plan.sections] == [
        ("一、工作要求",), ("一、工作要求", "（一）加强组织领导"), ("一、工作要求", "（二）做好宣传报道")]
    assert all(p.section == ("一、工作要求",) for p in plan.passages)


def test_an_everyday_word_inside_a_name_brings_no_plan_word(engine) -> None:
    words = engine.understanding.words
    assert "互动性" not in words.plans_words_for("政民互动以啥为导向")  # 互动 of 政民互动
    assert "互动性" in words.plans_words_for("活动有没有互动")


def test_a_short_question_naming_another_kind_is_no_follow_up_on_the_record_before(engine) -> None:
    answer = ask(engine, "一把手解读是啥", "开放日领导会去吗")
    assert "主要负责同志参与座谈交流活动" in answer.text
    assert "一把手解读" not in answer.text


def test_plural_references_still_follow_up_across_kinds(engine) -> None:
    answer = ask(engine, "政府采购那个开放日是谁搞的", "那讲政府采购的宣讲也是它吗", "这俩分别属于开放日还是公开讲")
    assert "国资委" in answer.text and "财政局" in answer.text


@pytest.mark.parametrize("text", ["参加人员包括哪几部分", "线下活动的人员由哪几部分组成", "哪几部分人可以参加线下活动"])
def test_the_parts_of_the_people_who_take_part_are_the_rules_not_the_plans_outline(engine, text) -> None:
    answer = engine.answer(Question(text, "ask_participation"))
    assert "区人大代表" in answer.text and "正文分为" not in answer.text


@pytest.mark.parametrize("text", ["活动形式分为哪几种", "政务开放日一共分了几个专题", "医保宣讲都包括哪几块内容",
                                  "方案里活动形式分为哪几种", "方案里说参加的人分成哪几部分"])
def test_the_parts_of_a_kind_or_a_record_are_not_the_plans_outline(engine, text) -> None:
    assert "正文分为" not in engine.answer(Question(text)).text


@pytest.mark.parametrize("text,said", [("方案里有好几个“并重”，都是哪几个？", "听群众说"),
                                       ("政民互动方案强调了哪几个“并重”？", "小事看效果"),
                                       ("政民互动以啥为导向", "民意连接")])
def test_a_word_only_one_sentence_of_the_plans_writes_is_answered_by_that_sentence(engine, text, said) -> None:
    answer = engine.answer(Question(text, "ask_participation"))
    assert answer.covered and said in answer.text
    assert f"{INTERACTION}#rules" not in answer.sources


def test_a_rare_word_does_not_answer_a_question_about_something_no_plan_names(engine) -> None:
    assert not engine.answer(Question("新生儿落户需要准备啥？")).covered


def test_the_last_part_and_every_part_but_one_are_named_from_the_outline(engine) -> None:
    first = engine.answer(Question("要点头一部分讲的啥", "ask_work_plan"))
    assert "“一、总体要求”部分包括" in first.text
    last = engine.answer(Question("要点最后那一大部分讲的是什么", "ask_work_plan"))
    assert "四、强化政务公开服务能力" in last.text and "共有29项" not in last.text
    rest = engine.answer(Question("工作要点除了总体要求以外，正文还分了哪几大部分？", "ask_work_plan"))
    assert "正文还有3个部分" in rest.text and "深化重点领域信息公开" in rest.text
    assert "（一）指导思想" not in rest.text


def test_a_plans_publication_note_is_its_公开属性(engine) -> None:
    answer = engine.answer(Question("2023年政务公开工作要点这份文件的公开属性是什么？"))
    assert "主动公开" in answer.text


def test_a_lecture_asked_beyond_its_topic_list_is_answered_with_its_whole_content(engine) -> None:
    answer = engine.answer(Question("医保惠民政策宣讲主要围绕哪一类保险待遇？", "ask_medical_insurance"))
    assert "城乡居民基本医疗保险待遇" in answer.text
    listed = engine.answer(Question("医保宣讲讲什么", "ask_medical_insurance"))
    assert "的内容包括：2023年惠民保" in listed.text


def test_the_nth_part_asked_after_the_outline_is_no_nth_lecture(engine) -> None:
    answer = ask(engine, "政民互动方案分几个部分", "第三部分讲的啥")
    assert "三、政民互动形式" in answer.text and "第3讲" not in answer.text


# --- the participation rules' own sentences; the cover letter is no answer -----------------

@pytest.mark.parametrize("text", ["活动的流程会不会提前告诉我们", "开放日的流程安排会提前公布吗"])
def test_a_question_the_rules_sentence_answers_quotes_it_not_the_cover_letter(engine, text) -> None:
    answer = engine.answer(Question(text, "ask_participation"))
    assert answer.covered and "流程安排" in answer.text
    assert f"{INTERACTION}#rules" in answer.sources and "附件" not in answer.text


@pytest.mark.parametrize("text", ["说是请群众代表 是啥样的群众代表啊", "邀请哪种代表参加"])
def test_what_kind_of_representatives_is_who_can_join(engine, text) -> None:
    question = Question(text, "inform")  # the NLU took it for a detail typed outside a form
    assert engine.answers_clearly(question)
    answer = engine.answer(question)
    assert answer.asked == "who_can_join" and "家长代表" in answer.text


# --- a retrieved record that alone writes the question's words is said, not guessed --------

@pytest.mark.parametrize("text", [
    "你好 上回我给一个部门打电话问补贴政策 要么没人接 要么说不归他们管让我找别人 跟踢皮球似的 有没有规定电话必须接 接听率要达到多少",
    "单位的咨询电话老是打不通 有要求吗",
])
def test_a_story_whose_words_only_one_item_writes_is_answered_by_it(engine, text) -> None:
    question = Question(text, "complaint")  # the NLU heard a complaint; the plans answer it
    assert engine.answers_clearly(question)
    assert f"{WORK_POINTS}#item:15" in engine.answer(question).sources



# --- a description narrows a list, and the plan's own words outweigh a story's -------------

@pytest.mark.parametrize("text, unit", [
    ("哪个镇的开放日是展示村里的政务服务站 让村民在家门口就把事办了的", "北臧村镇"),
    ("哪个街道的开放日有一对一帮办代办", "观音寺街道"),
])
def test_which_town_asked_with_a_description_is_the_site_it_describes(engine, text, unit) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and unit in answer.text and len(answer.sources) == 1


def test_which_towns_without_a_description_lists_them_all(engine) -> None:
    answer = engine.answer(Question("哪些镇街有开放日"))
    assert "北臧村镇" in answer.text and "观音寺街道" in answer.text


def test_the_plans_own_words_outweigh_an_everyday_word_of_the_story(engine) -> None:
    # 工地 is an everyday word for 回迁房 (site 11); 一对一 and 代办 are written by site 5 only.
    answer = engine.answer(Question("俺在工地干活 办个事得跑好几趟 听说有个街道搞一对一帮着代办 是哪个"))
    assert answer.covered and answer.sources == (f"{INTERACTION}#site:5",)


@pytest.mark.parametrize("text, site", [("区政务服务局自己也开放吗 开放的是啥地方", "site:1"),
                                         ("教委也开放吗", "site:17")])
def test_whether_a_unit_opens_too_is_asked_about_its_open_day(engine, text, site) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and f"{INTERACTION}#{site}" in answer.sources


def test_a_kind_named_in_the_story_does_not_hide_the_topic_asked(engine) -> None:
    # 讲座 belongs to the story; the clause that asks names 非法集资 (item 3) and no kind.
    answer = engine.answer(Question("我妈七十多了老被人拉去听讲座还让投钱，区里防非法集资的宣传是谁在管啊"))
    assert answer.covered and f"{WORK_POINTS}#item:3" in answer.sources and "区金融办" in answer.text


@pytest.mark.parametrize("text, facet, said", [
    ("我们企业想派人参加开放日，企业代表在邀请范围里吗", "who_can_join", "企业代表"),
    ("最后参加活动的群众代表是根据什么定的", "how_to_join", "报名情况"),
])
def test_who_is_invited_and_how_they_are_chosen_are_the_rules(engine, text, facet, said) -> None:
    answer = engine.answer(Question(text))
    assert answer.asked == facet and said in answer.text and f"{INTERACTION}#rules" in answer.sources


# --- what the plans do not say: how long, opening days, how full, who in person, house rules ---

@pytest.mark.parametrize("text, facet", [
    ("政务开放日每场活动时长多长？", "duration"),
    ("采育镇大厅周六上班吗？", "hours"),
    ("政务开放日报名的人多不多 名额满了吗", "availability"),
    ("统计局入统宣讲是哪位领导来讲？", "person"),
    ("开放日现场能拍照发朋友圈吗", "house_rules"),
    ("去参观可以录像吗", "house_rules"),
])
def test_a_detail_the_plans_do_not_give_is_refused_honestly(engine, text, facet) -> None:
    answer = engine.answer(Question(text, "ask_participation"))
    assert not answer.covered and answer.asked == facet and "热线" in answer.text


@pytest.mark.parametrize("text", ["开放日一场多少人", "医保宣讲谁来讲", "宣讲的课件会公开吗"])
def test_what_the_plans_do_give_is_still_answered(engine, text) -> None:
    assert engine.answer(Question(text)).covered


@pytest.mark.parametrize("text, said", [
    ("你好，请教个事儿：工作目标里对政策兑现提出了怎样的要求？谢谢您。", "直达快享"),
    ("基本原则里讲了政府信息公开条例吗", "履行法定公开义务"),
])
def test_what_a_named_part_of_a_plan_says_about_a_topic_is_its_sentence(engine, text, said) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and said in answer.text and all("#text:" in s for s in answer.sources)


# --- facets are read without the units' names; two facets of one record are both answered ---

def test_a_units_name_ending_in_ban_is_no_question_of_who_runs_it(engine) -> None:
    # 国动办的开放日: "办的" belongs to the name, the question asks what the site is about.
    answer = engine.answer(Question("国动办的开放日跟长峰医院那场火灾有啥关系？"))
    assert answer.covered and "长峰医院" in answer.text


def test_who_gives_a_lecture_and_whether_it_covers_a_topic_are_both_answered(engine) -> None:
    answer = engine.answer(Question("医保宣讲谁来讲 讲不讲惠民保"))
    assert "医保局" in answer.text and "惠民保" in answer.text


@pytest.mark.parametrize("text, facet", [
    ("我妈一个人住，每月退休金就一千八，身体也不好，常年吃药。她这种情况能申请低保吗？", "eligibility"),
    ("企业营业额到多少才需要入统？", "standard"),
    ("我店门口门前三包具体要管几米", "standard"),
    ("jingce pingtai zenme zhuce zhanghao", "procedure"),
])
def test_a_personal_case_a_threshold_or_a_procedure_is_refused_with_the_nearest_record(engine, text, facet) -> None:
    answer = engine.answer(Question(text))
    assert not answer.covered and answer.asked == facet and answer.sources  # the nearest, cited


def test_which_street_asked_at_the_end_of_a_grievance_is_answered(engine) -> None:
    question = Question("俺在工地干活 办个事得跑好几趟 听说有个街道搞一对一帮着代办 是哪个", "complaint")
    assert engine.answers_clearly(question)  # the plans answer it: not a complaint to hand off
    answer = engine.answer(question)
    assert answer.asked == "unit" and "观音寺街道" in answer.text


@pytest.mark.parametrize("text, facet", [
    ("政务开放日的线上直播会在哪个平台播出，抖音还是视频号？", "link"),
    ("2023年大兴区计划新增多少个中小学学位？", "progress"),
])
def test_which_app_and_how_many_are_details_the_plans_do_not_give(engine, text, facet) -> None:
    answer = engine.answer(Question(text))
    assert not answer.covered and answer.asked == facet


def test_who_publishes_the_new_school_places_is_still_answered(engine) -> None:
    answer = engine.answer(Question("新增中小学学位的信息谁公开"))
    assert answer.covered and f"{WORK_POINTS}#item:9" in answer.sources


@pytest.mark.parametrize(
    ("turns", "theme"),
    [
        (("倒数第二个专题有哪些开放点",), "创建文明城区"),
        (("最后一个专题是啥",), "政策专属礼包"),
        (("第三个专题有哪些开放点",), "保障改善民生"),
        (("开放日有哪些专题", "倒数第二个呢"), "创建文明城区"),
        (("开放日有哪些专题", "最后那个专题谁负责"), "政策专属礼包"),
        (("daoshu di er ge zhuanti you naxie kaifangdian",), "创建文明城区"),
    ],
)
def test_a_position_among_the_themes_counts_over_the_themes_from_either_end(engine, turns, theme) -> None:
    answer = ask(engine, *turns)
    assert f"“{theme}”专题共有" in answer.text


def test_a_position_after_one_sites_theme_counts_over_the_sites(engine) -> None:
    answer = ask(engine, "养老驿站属于哪个专题", "最后一个呢")
    assert answer.text.startswith("开放点17")
