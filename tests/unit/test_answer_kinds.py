"""Kinds of misreading found with the diagnosis set (tests/dev/debug_questions.yml), each
with the example that showed it and a second phrasing of the same kind (issue 13).
The `engine` fixture is tests/unit/conftest.py's."""
from __future__ import annotations

import pytest

from kb.answers import Question
from kb.deciding import ABSENT_TOPIC, DETAIL_NOT_IN_PLANS, OTHER_YEAR
from tests.unit.answering import INTERACTION, WORK_POINTS, ask

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


def test_the_clause_that_asks_decides_the_facet(engine) -> None:
    assert engine.read(Question("您好 请问部门预算开放日在几号呀 我想去 谢谢")).facet == "exact_date"
    assert engine.read(Question("我儿子今年毕业，听说要公开就业信息，这事啥时候之前要做完？")).facet == "deadline"


@pytest.mark.parametrize("text", ["计量和部门预算这两个开放点 哪个是财政局的", "部门预算和计量这俩开放点哪个归财政局"])
def test_a_count_word_is_not_a_record_number(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert f"{INTERACTION}#site:15" in answer.sources and f"{INTERACTION}#site:2" not in answer.sources


def test_which_number_is_answered_from_a_description_or_the_context(engine) -> None:
    assert "开放点13" in engine.answer(Question("“幸福晚年驿站”那个活动是第几个开放点？")).text
    assert "开放点11" in ask(engine, "去南街回迁房工地看的那个开放日", "是第几个开放点").text
    assert "第18项" in engine.answer(Question("用开放日和公开讲做政策解读 是工作要点第几项")).text


def test_a_units_activities_span_every_kind_and_a_named_unit_is_not_asked_back(engine) -> None:
    answer = engine.answer(Question("城管委负责了哪些活动"))
    assert {f"{INTERACTION}#site:8", f"{INTERACTION}#lecture:5"} <= set(answer.sources)
    item = engine.answer(Question("想问下商务局负责的是哪项工作 啥时候完成"))
    assert "国际消费中心" in item.text and "2023年12月" in item.text


def test_one_entry_of_the_plan_for_several_sites_is_answered_and_cited_once(engine) -> None:
    answer = engine.answer(Question("兴丰街道承办的开放日主要参观什么内容？"))
    assert "政务服务大厅" in answer.text and answer.text.count("来源：") == 1
    assert "开放点1、2、3、4" in answer.text


def test_the_last_of_a_kind_needs_no_list_shown_before(engine) -> None:
    answer = engine.answer(Question("最后一讲讲啥"))
    assert f"{INTERACTION}#lecture:5" in answer.sources


@pytest.mark.parametrize(("text", "topic"), [("有没有讲公积金的讲座", "公积金"), ("有没有交通委的开放日", "交通委")])
def test_a_kind_asked_for_a_topic_no_record_holds_is_a_refusal_with_the_list(engine, text, topic) -> None:
    answer = engine.answer(Question(text))
    assert answer.reason == ABSENT_TOPIC and topic in answer.text and "96156" in answer.text


def test_a_word_that_begins_a_units_name_names_its_records(engine) -> None:
    answer = engine.answer(Question("你好 请问有没有讲统计的宣讲活动"))
    assert answer.covered and f"{INTERACTION}#lecture:1" in answer.sources


@pytest.mark.parametrize("text", ["计量试验室在哪条街上", "医保讲座的老师叫啥名", "南街回迁房啥时候能交房",
                                  "门头招牌多大尺寸才算合规 要不要审批", "采育镇政务服务大厅几点上班",
                                  "参加完开放日给发证书吗", "政策文件解读的奖励有多少"])
def test_details_the_plans_never_give_are_refused(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert not answer.covered and answer.reason == DETAIL_NOT_IN_PLANS


def test_which_street_runs_a_site_is_a_unit_question_not_an_address(engine) -> None:
    answer = engine.answer(Question("听说有个叫办不成事窗口的开放活动 是哪个街道弄的"))
    assert answer.covered and "观音寺街道" in answer.text


@pytest.mark.parametrize("text", ["驾校怎么报名", "想参加驾校培训怎么报名"])
def test_the_participation_rules_do_not_answer_for_something_else(engine, text) -> None:
    assert not engine.answer(Question(text)).covered
    assert engine.answer(Question("开放日怎么报名")).covered


def test_several_kinds_counted_at_once(engine) -> None:
    answer = engine.answer(Question("政务开放日和政策公开讲分别有几个？"))
    assert "17个开放点" in answer.text and "5场宣讲" in answer.text


def test_a_lectures_theme_is_what_it_covers(engine) -> None:
    assert "源头治理" in engine.answer(Question("人社普法宣讲的主题是什么？")).text


def test_a_short_filtered_list_says_what_each_one_is(engine) -> None:
    answer = engine.answer(Question("保障改善民生专题包括啥"))
    assert "回迁房" in answer.text and "仲裁" in answer.text


def test_a_topic_from_the_citizens_story_does_not_replace_the_kind_asked(engine) -> None:
    answer = engine.answer(Question("我是外地来打工的不太懂你们这个开放日都有哪些地方能去看"))
    assert "17个开放点" in answer.text


def test_two_kinds_on_one_topic_are_both_answered(engine) -> None:
    answer = engine.answer(Question("政府采购宣讲跟政府采购开放日是一个单位办的吗"))
    assert "财政局" in answer.text and "国资委" in answer.text


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


def test_a_street_named_with_its_open_day_is_that_streets_site(engine) -> None:
    answer = engine.answer(Question("观音寺街道的开放日有啥内容啊"))
    assert "办不成事" in answer.text and f"{INTERACTION}#site:5" in answer.sources
    assert "长子营镇" not in answer.text


def test_content_and_may_i_go_are_both_answered(engine) -> None:
    answer = engine.answer(Question("采育镇搞的那个开放日是看啥的 俺能去不"))
    assert "政务服务大厅" in answer.text and "群众代表" in answer.text


@pytest.mark.parametrize(("text", "says"), [
    ("二零二三年大兴区政务公开工作要点是哪天发下来的", "2023年4月10日"),
    ("大兴那个政务公开工作要点是谁定的啊", "政务公开工作领导小组"),
    ("政民互动总体方案是哪天印发的", "2023年7月28日"),
    ("工作要点是哪次会议审议通过的？", "第26次常务会议"),
])
def test_questions_about_a_plan_itself_are_answered_from_its_header(engine, text, says) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and says in answer.text and "来源：" in answer.text


def test_it_is_the_document_of_what_was_just_discussed(engine) -> None:
    answer = ask(engine, "开放点12是啥", "它是哪天发的")
    assert "2023年7月28日" in answer.text and "2023年4月10日" not in answer.text


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
    ("政策礼包那个专题里面都有啥活动", "计量"), ("便民惠民那个专题就两个点吗 都是谁办的", "司法局"),
    ("采育榆垡那几个政务大厅的点是什么专题", "优化营商环境"), ("政务开放日一共分了几个专题 各叫什么名", "政策专属礼包"),
])
def test_themes_named_in_part_or_asked_for(engine, text, says) -> None:
    assert says in engine.answer(Question(text)).text


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


def test_a_unit_in_the_interaction_plan_lists_its_activities(engine) -> None:
    answer = engine.answer(Question("财政局在政民互动里负责哪些活动"))
    assert {f"{INTERACTION}#site:15", f"{INTERACTION}#lecture:2"} <= set(answer.sources)


def test_what_a_work_item_requires_is_its_content_not_an_eligibility(engine) -> None:
    answer = engine.answer(Question("文件里对政府的咨询电话有什么要求吗"))
    assert answer.covered and "100%" in answer.text
    assert not engine.answer(Question("失业金领取有什么条件")).covered


def test_when_the_activities_run_is_the_rules_period_even_after_a_long_story(engine) -> None:
    answer = engine.answer(Question("我儿子初二 学校组织过去博物馆参观 他还想去政府部门看看 听说大兴有政务开放日 "
                                    "想带他报名 这些活动大概什么时间段办"))
    assert "2023年8月至11月" in answer.text


@pytest.mark.parametrize("text", ["您好 我想问一下 孩子上小学怎么报名", "驾校怎么报名"])
def test_joining_something_else_is_not_answered_with_our_rules(engine, text) -> None:
    assert not engine.answer(Question(text)).covered


def test_where_a_site_is_says_the_plans_give_no_address_and_what_they_do_say(engine) -> None:
    answer = engine.answer(Question("开放点5在哪里"))
    assert "没有写到" in answer.text and "观音寺街道" in answer.text and "96156" in answer.text


def test_a_position_after_a_list_is_in_that_list(engine) -> None:
    assert f"{INTERACTION}#lecture:2" in ask(engine, "财政局负责哪些", "第一个是啥", "第二个呢").sources
    assert f"{INTERACTION}#site:2" in ask(engine, "开放点15是啥", "第二个呢").sources  # no list: 开放点2


def test_the_nth_theme(engine) -> None:
    answer = ask(engine, "开放日有哪几个专题", "第三个专题有哪些开放点")
    assert "保障改善民生" in answer.text and f"{INTERACTION}#site:2" not in answer.sources


def test_is_it_the_same_unit_compares_with_the_record_just_discussed(engine) -> None:
    answer = ask(engine, "人社局的宣讲", "跟仲裁那个开放日是一个单位吗")
    assert {f"{INTERACTION}#lecture:3", f"{INTERACTION}#site:9"} <= set(answer.sources)


def test_and_what_about_x_asks_the_same_question_again(engine) -> None:
    answer = ask(engine, "食品安全信息谁公开", "那药品呢")
    assert "区市场监管局" in answer.text and "负责" in answer.text and "抽检" not in answer.text


def test_a_comparison_of_one_facet_shows_that_facet(engine) -> None:
    answer = ask(engine, "第12项讲的啥", "那13项呢", "它俩截止时间一样吗")
    assert answer.text.count("完成时限是2023年10月") == 2


@pytest.mark.parametrize("text", ["第五讲的PPT能发我吗", "医保宣讲有回放吗"])
def test_slides_or_recordings_get_what_the_plan_says_about_published_materials(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert "5个工作日内" in answer.text and "栏目公开" in answer.text


@pytest.mark.parametrize(("text", "says"), [
    ("开放日分几类", "政策专属礼包"), ("养老那个属于什么类别", "创建文明城区"),
    ("关于民生的开放活动有哪些", "回迁房"), ("便民的开放点有几个", "门前三包"),
])
def test_themes_asked_in_other_words(engine, text, says) -> None:
    assert says in engine.answer(Question(text)).text


@pytest.mark.parametrize("text", ["人大代表可以报名吗", "政协委员能参加吗"])
def test_the_groups_the_plan_invites_are_not_something_else_to_join(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and f"{INTERACTION}#rules" in answer.sources


def test_the_document_of_a_record_just_discussed_when_only_the_word_file_is_used(engine) -> None:
    answer = ask(engine, "财政局负责哪些", "第二个呢", "它是哪天发的文件里写的")
    assert "2023年7月28日" in answer.text and "2023年4月10日" not in answer.text


@pytest.mark.parametrize("text", ["您好！请问开放日那天管午饭吗？", "宣讲现场有茶水吗"])
def test_a_detail_about_a_kind_is_not_answered_with_the_whole_list(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert not answer.covered and "96156" in answer.text and "开放点17" not in answer.text


@pytest.mark.parametrize("text", ["政务开放日", "说说宣讲", "我想了解一下开放日"])
def test_a_kind_named_alone_or_to_be_described_gets_the_list(engine, text) -> None:
    assert engine.answer(Question(text)).covered


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


@pytest.mark.parametrize("text", ["开放点一共几个", "开放点一共有多少"])
def test_yigong_is_no_record_number(engine, text) -> None:
    assert "17个开放点" in engine.answer(Question(text)).text


@pytest.mark.parametrize(("turns", "date"), [
    (("政务公开要点是哪天发的", "那政民互动方案呢 哪天"), "2023年7月28日"),
    (("工作要点是四月份出的吧 具体几号",), "2023年4月10日"),
    (("政民互动方案是七月底发的吧 哪一天",), "2023年7月28日"),
])
def test_the_day_a_plan_was_issued_asked_without_the_word_issue(engine, turns, date) -> None:
    assert date in ask(engine, *turns).text


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


@pytest.mark.parametrize(("turns", "says"), [
    (("开放点12是什么", "同一个专题里还有别的点吗"), "开放点13（养老驿站，长子营镇）"),
    (("开放点8是什么", "这个专题还有啥"), "开放点7（司法服务，司法局"),
])
def test_the_other_site_of_a_theme_is_listed_by_name_and_unit(engine, turns, says) -> None:
    assert says in ask(engine, *turns).text


@pytest.mark.parametrize(("text", "says"), [
    ("门前三包那个开放日是哪个单位弄的 算啥专题", ("城管委", "便民惠民服务", "开放点7（司法服务，司法局）")),
    ("开放点11属于哪个专题", ("旧宫镇", "保障改善民生", "开放点9（仲裁调解，人保局）")),
])
def test_a_sites_theme_names_its_unit_and_the_theme_sites_by_name(engine, text, says) -> None:
    text = engine.answer(Question(text)).text
    assert all(s in text for s in says)


@pytest.mark.parametrize(("text", "says"), [
    ("医保和人社的宣讲各讲啥", ("异地就医", "人社普法进企业")),
    ("园林绿化和农业农村在要点里各负责啥", ("国家森林城市", "乡村振兴")),
    ("第一讲和最后一讲分别讲什么", ("入统", "户外广告")),
    ("开放日里跟钱有关的 预算啊采购啊 都是谁负责", ("财政局", "国资委")),
])
def test_several_things_named_together_are_each_answered(engine, text, says) -> None:
    answer = engine.answer(Question(text)).text
    assert all(s in answer for s in says) and "共有" not in answer


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


@pytest.mark.parametrize(("turns", "says", "not_says"), [
    (("开放点14是啥", "它在要点里还要公开啥"), "第8项", "开放点14（"),
    (("开放点17谁负责", "那它在要点里负责啥"), "双减", "开放点17（"),
    (("开放点9是什么", "这个单位还有别的活动吗"), "人社普法", "开放点9（"),
])
def test_the_unit_just_discussed_in_another_kind_or_its_other_records(engine, turns, says, not_says) -> None:
    text = ask(engine, *turns).text
    assert says in text and not_says not in text


@pytest.mark.parametrize(("text", "says"), [
    ("街道有哪些参加开放日", "观音寺街道"), ("镇都有哪几个搞开放日", "长子营镇"),
    ("政务开放日那个方案是领导小组发的还是领导小组办公室发的", "领导小组办公室于2023年7月28日"),
])
def test_more_ways_of_asking_for_what_the_plans_list(engine, text, says) -> None:
    assert says in engine.answer(Question(text)).text


def test_a_work_item_saying_it_as_well_as_the_requirements_is_not_overruled(engine) -> None:
    answer = engine.answer(Question("政务公开做得好不好算不算绩效考核", "ask_work_plan"))
    assert "第29项" in answer.text


@pytest.mark.parametrize(("text", "says"), [
    ("你好 观音寺街道开放日是不是能免费帮办代办 麻烦告诉我一下 谢谢啦", "免费帮办代办"),
    ("开放点5的帮办代办收费吗", "免费帮办代办"),
])
def test_a_detail_the_record_itself_states_is_answered(engine, text, says) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and says in answer.text


@pytest.mark.parametrize(("text", "says"), [
    ("您好 想问下四区三基地那些重大项目的进展信息是谁来发布 谢谢", "临空区管委会"),  # 项目的 is no 目的
    ("老旧小区改造的信息谁来公开", "住建委"),
])
def test_who_publishes_asked_with_lai(engine, text, says) -> None:
    assert says in engine.answer(Question(text)).text


@pytest.mark.parametrize(("text", "says"), [
    ("这个要点是发给谁的 是给我们老百姓看的吗", "各相关单位"), ("政民互动方案是下发给哪些单位的", "区政务公开各单位"),
    ("那个要点文件能公开看吗 还是内部的", "此件主动公开"), ("政民互动方案是内部文件吗", "此件主动公开"),
    ("要点开头说2023年是个啥样的年份来着", "开局之年"), ("方案开头说要建个啥样的政府", "服务型政府"),
])
def test_what_a_plans_notice_says_besides_its_number_and_date(engine, text, says) -> None:
    assert says in engine.answer(Question(text)).text


@pytest.mark.parametrize(("turns", "says"), [
    (("那个保姆式一对一帮人跑手续的开放点是第几个啊",), "开放点5"), (("营海镇开放点是第几号",), "开放点12"),
    (("工作要点是谁发的", "那另一个文件呢 政民互动那个", "它是哪天发的"), "2023年7月28日"),
    (("财政局在政民互动里负责哪些活动", "那个宣讲具体讲什么"), "采购程序"),
    (("大爷大妈们问有没有跟养老有关的开放日 我帮他们问一下 是哪个",), "长子营镇"),
])
def test_which_number_another_plan_the_kind_in_a_list_and_a_broader_topic(engine, turns, says) -> None:
    assert says in ask(engine, *turns).text


def test_an_entity_the_nlu_guessed_from_a_story_names_nothing(engine) -> None:
    question = Question("我妈腿不好上下楼太费劲了 老楼加装电梯的信息归哪个部门管",
                        entities={"unit": ["区人力资源社会保障局"]})
    assert "住建委" in engine.answer(question).text


def test_a_short_list_cites_each_record_a_long_one_its_plan(engine) -> None:
    short = engine.answer(Question("财政局在政民互动里负责哪些活动")).text
    assert f"（{INTERACTION}）“政务开放日”开放点15" in short and f"（{INTERACTION}）“政策公开讲”第2讲" in short
    long = engine.answer(Question("政务开放日有哪些")).text
    assert long.count("来源：") == 1


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


@pytest.mark.parametrize("text", ["新生儿落户需要准备啥？", "办居住证要准备啥材料"])
def test_a_sentence_of_the_plans_does_not_answer_about_something_no_plan_names(engine, text) -> None:
    assert not engine.answer(Question(text, "out_of_scope")).covered


@pytest.mark.parametrize(("turns", "says"), [
    (("开放点11是什么", "看的是哪个项目"), "南街回迁房"),  # a short question right after an answer
    (("医保宣讲讲啥", "除了外地看病咋报 还讲了些啥"), "惠民保"),
    (("开放点16谁负责", "那个宣讲呢"), "财政局"),  # the lecture on the same topic, the same facet
    (("第3讲谁负责", "那这个局还搞没搞开放日 搞的啥"), "仲裁"),
])
def test_follow_ups_over_kinds_and_topics(engine, turns, says) -> None:
    assert says in ask(engine, *turns).text


@pytest.mark.parametrize("turns", [
    ("开放点17是啥", "那孩子上幼儿园报名咋弄"), ("第5项谁负责", "那俺们那栋楼到底啥时候能装上"),
    ("俺的社保断了好几个月 咋补",), ("第5讲讲啥", "试点片区具体是哪一片"),
])
def test_a_personal_matter_after_an_answer_is_not_answered_with_that_record(engine, turns) -> None:
    answer = ask(engine, *turns)
    assert not answer.covered and "96156" in answer.text


def test_a_short_question_a_sentence_of_the_plans_answers_is_no_follow_up(engine) -> None:
    answer = ask(engine, "开放点13是什么", "开放日领导会去吗")
    assert "主要负责同志" in answer.text


def test_a_unit_with_no_record_of_the_kind_asked_gets_no_other_record(engine) -> None:
    answer = ask(engine, "第2讲是谁讲的", "它在要点里还负责啥")
    assert not answer.covered and "第16项" not in answer.text and "96156" in answer.text


def test_a_refusal_after_a_sentence_of_the_requirements_names_no_paragraph(engine) -> None:
    answer = ask(engine, "开放日领导会去吗", "要不要门票")
    assert not answer.covered and "加强组织领导" not in answer.text and "96156" in answer.text
