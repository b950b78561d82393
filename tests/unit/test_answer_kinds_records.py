"""Kinds of misreading about the records the plans list (sites, lectures, work items) asked
by number, unit, theme or description, counts and short lists, several things asked
together; then follow-up questions that refer to what was just discussed.

Each kind with the example that showed it and a second phrasing of the same kind (issue 13),
found with the diagnosis sets tests/dev/debug_questions.yml, debug3 and debug4 (marked
below). The `engine` fixture is tests/unit/conftest.py's."""
from __future__ import annotations

import pytest

from kb.answers import Question
from tests.unit.answering import INTERACTION, ask

pytestmark = pytest.mark.unit


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


def test_a_word_that_begins_a_units_name_names_its_records(engine) -> None:
    answer = engine.answer(Question("你好 请问有没有讲统计的宣讲活动"))
    assert answer.covered and f"{INTERACTION}#lecture:1" in answer.sources


def test_which_street_runs_a_site_is_a_unit_question_not_an_address(engine) -> None:
    answer = engine.answer(Question("听说有个叫办不成事窗口的开放活动 是哪个街道弄的"))
    assert answer.covered and "观音寺街道" in answer.text


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


def test_a_street_named_with_its_open_day_is_that_streets_site(engine) -> None:
    answer = engine.answer(Question("观音寺街道的开放日有啥内容啊"))
    assert "办不成事" in answer.text and f"{INTERACTION}#site:5" in answer.sources
    assert "长子营镇" not in answer.text


def test_content_and_may_i_go_are_both_answered(engine) -> None:
    answer = engine.answer(Question("采育镇搞的那个开放日是看啥的 俺能去不"))
    assert "政务服务大厅" in answer.text and "群众代表" in answer.text


@pytest.mark.parametrize(("text", "says"), [
    ("政策礼包那个专题里面都有啥活动", "计量"), ("便民惠民那个专题就两个点吗 都是谁办的", "司法局"),
    ("采育榆垡那几个政务大厅的点是什么专题", "优化营商环境"), ("政务开放日一共分了几个专题 各叫什么名", "政策专属礼包"),
])
def test_themes_named_in_part_or_asked_for(engine, text, says) -> None:
    assert says in engine.answer(Question(text)).text


def test_a_unit_in_the_interaction_plan_lists_its_activities(engine) -> None:
    answer = engine.answer(Question("财政局在政民互动里负责哪些活动"))
    assert {f"{INTERACTION}#site:15", f"{INTERACTION}#lecture:2"} <= set(answer.sources)


@pytest.mark.parametrize(("text", "says"), [
    ("开放日分几类", "政策专属礼包"), ("养老那个属于什么类别", "创建文明城区"),
    ("关于民生的开放活动有哪些", "回迁房"), ("便民的开放点有几个", "门前三包"),
])
def test_themes_asked_in_other_words(engine, text, says) -> None:
    assert says in engine.answer(Question(text)).text


@pytest.mark.parametrize("text", ["政务开放日", "说说宣讲", "我想了解一下开放日"])
def test_a_kind_named_alone_or_to_be_described_gets_the_list(engine, text) -> None:
    assert engine.answer(Question(text)).covered


# --- found with tests/dev/debug3_questions.yml ------------------------------------------


@pytest.mark.parametrize("text", ["开放点一共几个", "开放点一共有多少"])
def test_yigong_is_no_record_number(engine, text) -> None:
    assert "17个开放点" in engine.answer(Question(text)).text


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
    ("街道有哪些参加开放日", "观音寺街道"), ("镇都有哪几个搞开放日", "长子营镇"),
    ("政务开放日那个方案是领导小组发的还是领导小组办公室发的", "领导小组办公室于2023年7月28日"),
])
def test_more_ways_of_asking_for_what_the_plans_list(engine, text, says) -> None:
    assert says in engine.answer(Question(text)).text


@pytest.mark.parametrize(("text", "says"), [
    ("您好 想问下四区三基地那些重大项目的进展信息是谁来发布 谢谢", "临空区管委会"),  # 项目的 is no 目的
    ("老旧小区改造的信息谁来公开", "住建委"),
])
def test_who_publishes_asked_with_lai(engine, text, says) -> None:
    assert says in engine.answer(Question(text)).text


def test_an_entity_the_nlu_guessed_from_a_story_names_nothing(engine) -> None:
    question = Question("我妈腿不好上下楼太费劲了 老楼加装电梯的信息归哪个部门管",
                        entities={"unit": ["区人力资源社会保障局"]})
    assert "住建委" in engine.answer(question).text


def test_a_short_list_cites_each_record_a_long_one_its_plan(engine) -> None:
    short = engine.answer(Question("财政局在政民互动里负责哪些活动")).text
    assert f"（{INTERACTION}）“政务开放日”开放点15" in short and f"（{INTERACTION}）“政策公开讲”第2讲" in short
    long = engine.answer(Question("政务开放日有哪些")).text
    assert long.count("来源：") == 1


# === follow-up questions: what was just discussed =======================================


def test_it_is_the_document_of_what_was_just_discussed(engine) -> None:
    answer = ask(engine, "开放点12是啥", "它是哪天发的")
    assert "2023年7月28日" in answer.text and "2023年4月10日" not in answer.text


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
    # who, again (then which work it is, in the item's words), not what the item says
    assert answer.text.startswith("工作要点第8项由区市场监管局") and "负责" in answer.text


def test_a_comparison_of_one_facet_shows_that_facet(engine) -> None:
    answer = ask(engine, "第12项讲的啥", "那13项呢", "它俩截止时间一样吗")
    assert answer.text.count("完成时限是2023年10月") == 2


def test_the_document_of_a_record_just_discussed_when_only_the_word_file_is_used(engine) -> None:
    answer = ask(engine, "财政局负责哪些", "第二个呢", "它是哪天发的文件里写的")
    assert "2023年7月28日" in answer.text and "2023年4月10日" not in answer.text


# --- found with tests/dev/debug3_questions.yml ------------------------------------------


@pytest.mark.parametrize(("turns", "says"), [
    (("开放点12是什么", "同一个专题里还有别的点吗"), "开放点13（养老驿站，长子营镇）"),
    (("开放点8是什么", "这个专题还有啥"), "开放点7（司法服务，司法局"),
])
def test_the_other_site_of_a_theme_is_listed_by_name_and_unit(engine, turns, says) -> None:
    assert says in ask(engine, *turns).text


@pytest.mark.parametrize(("turns", "says", "not_says"), [
    (("开放点14是啥", "它在要点里还要公开啥"), "第8项", "开放点14（"),
    (("开放点17谁负责", "那它在要点里负责啥"), "双减", "开放点17（"),
    (("开放点9是什么", "这个单位还有别的活动吗"), "人社普法", "开放点9（"),
])
def test_the_unit_just_discussed_in_another_kind_or_its_other_records(engine, turns, says, not_says) -> None:
    text = ask(engine, *turns).text
    assert says in text and not_says not in text


@pytest.mark.parametrize(("turns", "says"), [
    (("那个保姆式一对一帮人跑手续的开放点是第几个啊",), "开放点5"), (("营海镇开放点是第几号",), "开放点12"),
    (("工作要点是谁发的", "那另一个文件呢 政民互动那个", "它是哪天发的"), "2023年7月28日"),
    (("财政局在政民互动里负责哪些活动", "那个宣讲具体讲什么"), "采购程序"),
    (("大爷大妈们问有没有跟养老有关的开放日 我帮他们问一下 是哪个",), "长子营镇"),
])
def test_which_number_another_plan_the_kind_in_a_list_and_a_broader_topic(engine, turns, says) -> None:
    assert says in ask(engine, *turns).text


# --- found with tests/dev/debug4_questions.yml ------------------------------------------


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
