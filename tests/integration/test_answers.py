"""The answer engine on the real plans: right fact, right source, honest refusals."""
from __future__ import annotations

import pytest

from kb.answers import Answer, AnswerEngine, Question

INTERACTION = "京兴政务公开办发〔2023〕2号"
WORK_POINTS = "京兴政务公开发〔2023〕1号"


def ask(engine: AnswerEngine, text: str, intent: str | None = None, **kwargs) -> Answer:
    return engine.answer(Question(text=text, intent=intent, **kwargs))


@pytest.mark.parametrize(
    ("text", "intent", "facts", "source"),
    [
        ("医保那个宣讲是哪个单位负责的", "ask_medical_insurance", ["医保局"], f"{INTERACTION}#lecture:4"),
        ("惠民保有没有人讲", "ask_medical_insurance", ["医保局", "惠民保"], f"{INTERACTION}#lecture:4"),
        ("开放点9是干什么的", "ask_open_day", ["人保局", "仲裁"], f"{INTERACTION}#site:9"),
        ("第九个开放点谁负责", "ask_open_day", ["人保局"], f"{INTERACTION}#site:9"),
        ("养老驿站那个开放点是哪个镇的", "ask_open_day", ["长子营镇"], f"{INTERACTION}#site:13"),
        ("工作要点第4项是什么", "ask_work_plan", ["区人力资源社会保障局", "2023年12月"],
         f"{WORK_POINTS}#item:4"),
        ("第九项什么时候完成", "ask_work_plan", ["2023年10月"], f"{WORK_POINTS}#item:9"),
        ("户外广告宣讲谁负责", "ask_policy_lecture", ["城管委"], f"{INTERACTION}#lecture:5"),
        ("线下活动大概多少人参加", "ask_participation", ["30"], f"{INTERACTION}#rules"),
        ("直播提前几天发公告", "ask_participation", ["3个工作日"], f"{INTERACTION}#rules"),
    ],
)
def test_covered_questions_get_the_fact_and_its_source(
    engine: AnswerEngine, text: str, intent: str, facts: list[str], source: str
) -> None:
    answer = ask(engine, text, intent)
    assert answer.covered, answer.text
    for fact in facts:
        assert fact in answer.text
    assert source in answer.sources
    assert "来源：" in answer.text


def test_the_answer_states_the_fact_before_the_source(engine: AnswerEngine) -> None:
    answer = ask(engine, "医保宣讲是哪个单位负责的", "ask_medical_insurance")
    assert answer.text.index("医保局") < answer.text.index("来源：")


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("异地就医报销比例是多少", "ask_medical_insurance"),
        ("异地就医怎么备案", "ask_medical_insurance"),
        ("惠民保一年交多少钱", "ask_medical_insurance"),
        ("开放点9的具体地址", "ask_open_day"),
        ("医保宣讲具体哪天", "ask_policy_lecture"),
        ("2025年的开放日有哪些", "ask_open_day"),
    ],
)
def test_questions_the_plans_do_not_answer_are_refused_honestly(
    engine: AnswerEngine, text: str, intent: str
) -> None:
    answer = ask(engine, text, intent)
    assert not answer.covered
    assert "12345" in answer.text
    assert "没有" in answer.text


def test_refusal_points_to_what_the_plans_do_say(engine: AnswerEngine) -> None:
    answer = ask(engine, "异地就医报销比例是多少", "ask_medical_insurance")
    assert "医保惠民政策宣讲" in answer.text
    assert f"{INTERACTION}#lecture:4" in answer.sources


def test_follow_up_resolves_to_the_object_just_discussed(engine: AnswerEngine) -> None:
    first = ask(engine, "医保宣讲是哪个单位负责的", "ask_medical_insurance")
    follow_up = ask(engine, "它讲啥内容", "ask_followup", context_ref=first.ref)
    assert follow_up.covered
    assert "异地就医" in follow_up.text and "惠民保" in follow_up.text
    when = ask(engine, "这个什么时候", "ask_followup", context_ref=first.ref)
    assert "8" in when.text and "11" in when.text


def test_listing_sites_names_all_seventeen(engine: AnswerEngine) -> None:
    answer = ask(engine, "政务开放日有哪些开放点", "ask_open_day")
    assert "17" in answer.text
    assert "开放点17" in answer.text


def test_topic_button_without_text_gives_an_overview(engine: AnswerEngine) -> None:
    answer = ask(engine, "", "ask_policy_lecture")
    assert answer.covered
    assert "第5讲" in answer.text


def test_answers_offer_at_most_three_related_questions(engine: AnswerEngine) -> None:
    answer = ask(engine, "开放点9是什么", "ask_open_day")
    assert 1 <= len(answer.related) <= 3
    assert all(q != "开放点9是什么" for q in answer.related)


def test_nonsense_is_not_answered_from_a_random_passage(engine: AnswerEngine) -> None:
    answer = ask(engine, "asdfgh 乱码 qwerty", None)
    assert not answer.covered
