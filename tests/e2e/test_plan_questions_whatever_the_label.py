"""Plan questions the NLU may label as something else (a schedule request, a complaint, out
of scope, a sign-up) still get the plans' answer or their honest refusal (issue 13)."""
from __future__ import annotations

import itertools

import pytest

from tests.conftest import RunningAssistant

pytestmark = pytest.mark.e2e

INTERACTION = "京兴政务公开办发〔2023〕2号"
_senders = itertools.count()


def ask(assistant: RunningAssistant, text: str) -> str:
    return assistant.texts(f"label-{next(_senders)}", text)


def test_a_lectures_theme_is_answered_from_the_plan(running_assistant: RunningAssistant) -> None:
    reply = ask(running_assistant, "人社普法宣讲的主题是什么？")
    assert "源头治理" in reply and f"{INTERACTION}）“政策公开讲”第3讲" in reply


def test_a_story_of_trouble_around_a_plan_question_gets_the_answer_not_a_handoff(
        running_assistant: RunningAssistant) -> None:
    reply = ask(running_assistant, "我是开小饭馆的，办个手续老是跑好几趟办不下来，听邻居说有个开放日是讲"
                                   "免费帮办代办、一对一那种服务的，想问问是哪家搞的？")
    assert "观音寺街道" in reply and "开放点5" in reply
    assert "手机号" not in reply  # no call-back question the citizen did not ask for


def test_which_day_and_where_say_the_plans_give_neither(running_assistant: RunningAssistant) -> None:
    reply = ask(running_assistant, "医保讲座在哪开啊具体哪天")
    assert "没有写到" in reply and "12345" in reply
    assert "公告" in reply  # and where the date will be announced


def test_this_years_sign_up_says_the_plans_are_an_older_years(
        running_assistant: RunningAssistant) -> None:
    reply = ask(running_assistant, "今年的开放日报名开始了没")
    assert "只有2023年的计划" in reply and "12345" in reply


def test_a_whole_question_in_pinyin(running_assistant: RunningAssistant) -> None:
    reply = ask(running_assistant, "kaifangri neng qu duoshao ren")
    assert "30人" in reply and f"{INTERACTION}）“政民互动形式”" in reply


def test_thanks_around_a_question_answers_it(running_assistant: RunningAssistant) -> None:
    reply = ask(running_assistant, "好的谢谢 那开放日单位的主要负责同志会来吗")
    assert "主要负责同志" in reply and "来源：" in reply


def test_which_document_says_so_follows_the_record_discussed(running_assistant: RunningAssistant) -> None:
    sender = f"label-{next(_senders)}"
    running_assistant.texts(sender, "开放点12是啥")
    reply = running_assistant.texts(sender, "这是哪个文件里写的")
    assert "京兴政务公开办发〔2023〕2号" in reply and "机器人" not in reply


@pytest.mark.parametrize(("turns", "says"), [
    (("开放日怎么参加", "都请哪些人"), "记者"),  # 请…人 is no request for a person
    (("开放日怎么参加", "人怎么选的"), "公开遴选"),  # nor a request for the help menu
    (("工作要点是谁发的", "是哪个会通过的"), "26次"),  # nor a check of one's application
])
def test_a_follow_up_the_nlu_takes_for_a_request_gets_the_plans_answer(
        running_assistant: RunningAssistant, turns: tuple[str, ...], says: str) -> None:
    sender = f"label-{next(_senders)}"
    for text in turns:
        reply = running_assistant.texts(sender, text)
    assert says in reply and "手机号" not in reply and "来源：" in reply


@pytest.mark.parametrize(("text", "says"), [
    ("我前年参加过财政局的一个活动 感觉挺有收获 想问问明年财政局还办不办类似的开放日", "只有2023年的计划"),
    ("我家孩子坐轮椅 我想带他去参加教委那个开放日 现场有没有无障碍通道 轮椅能推进去吗", "没有写到"),
    ("幼儿园入园报名啥时候开始啊", "12345"),
])
def test_a_question_labelled_a_sign_up_or_a_schedule_request_is_answered_not_enrolled(
        running_assistant: RunningAssistant, text: str, says: str) -> None:
    reply = ask(running_assistant, text)
    assert says in reply and "12345" in reply
    assert "姓名" not in reply and "时间待公告" not in reply  # no form, no sessions listed


def test_a_question_about_ones_own_bill_is_no_application_check(running_assistant: RunningAssistant) -> None:
    reply = ask(running_assistant, "我上回住院到底报了百分之多少 能帮我查查不")
    assert "12345" in reply and "报名时填写的手机号" not in reply


def test_a_yes_no_word_around_a_question_after_an_answer(running_assistant: RunningAssistant) -> None:
    sender = f"label-{next(_senders)}"
    running_assistant.texts(sender, "开放点13是什么")
    reply = running_assistant.texts(sender, "要不要门票")
    assert "没有写到" in reply and "12345" in reply
