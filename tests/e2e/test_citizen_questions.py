"""Issue 13's table, row by row, against the real servers over REST (fresh conversation each).

The hand-off and sign-up rows are in test_handoff_and_signup_wording.py.
"""
from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from core.db import engine_for
from tests.conftest import RunningAssistant

pytestmark = pytest.mark.e2e

INTERACTION = "京兴政务公开办发〔2023〕2号"
WORK_POINTS = "京兴政务公开发〔2023〕1号"
_senders = itertools.count()


def talk(assistant: RunningAssistant, *turns: str) -> list[str]:
    """Reply texts of each turn of one new conversation."""
    sender = f"citizen-{next(_senders)}"
    return [assistant.texts(sender, turn) for turn in turns]


def test_kindergarten_materials_are_not_in_the_plans(running_assistant: RunningAssistant) -> None:
    (reply,) = talk(running_assistant, "孩子上幼儿园要交啥材料")
    assert "12345" in reply and ("没有" in reply or "不在我能回答的范围" in reply)
    assert "遴选" not in reply and "约30人" not in reply  # not the open days' participation rules


def test_a_broken_lamp_goes_to_the_complaint_path(running_assistant: RunningAssistant) -> None:
    sender = f"citizen-{next(_senders)}"
    reply = running_assistant.texts(sender, "我们楼道灯坏了一个月没人修")
    assert "12345" in reply and "接诉即办" in reply
    assert "人工" in reply
    assert "就业" not in reply and "第4项" not in reply
    with engine_for(running_assistant.settings.database_url).connect() as connection:
        applied = connection.execute(sa.text(
            "SELECT count(*) FROM act_applications WHERE sender_id = :s"), {"s": sender}).scalar()
    assert applied == 0


def test_traditional_characters_get_the_same_answer(running_assistant: RunningAssistant) -> None:
    (traditional,) = talk(running_assistant, "區醫保局的宣講講什麼")
    (simplified,) = talk(running_assistant, "区医保局的宣讲讲什么")
    assert "异地就医" in traditional and f"{INTERACTION}）“政策公开讲”第4讲" in traditional
    assert traditional == simplified


def test_pinyin_typed_without_conversion(running_assistant: RunningAssistant) -> None:
    (reply,) = talk(running_assistant, "shiyebaoxian 谁公开")
    assert "区人力资源社会保障局" in reply and f"{WORK_POINTS}）第4项" in reply


def test_site_fifteen_then_sixteen_then_both(running_assistant: RunningAssistant) -> None:
    fifteen, sixteen, both = talk(running_assistant, "开放点15是啥", "16呢", "这俩谁办的")
    assert "部门预算" in fifteen and "开放点15" in fifteen
    assert "政府采购" in sixteen and "开放点16" in sixteen and "报名" not in sixteen
    assert "财政局" in both and "国资委" in both


def test_who_else_besides_the_housing_commission(running_assistant: RunningAssistant) -> None:
    who, when, others = talk(running_assistant, "老旧小区改造的信息谁发布", "什么时候完成",
                             "除了住建委还有谁")
    assert "区住建委" in who and "2023年12月" in when
    assert "区城管委" in others and "相关属地" in others and "第5项" in others


def test_second_to_last_lecture(running_assistant: RunningAssistant) -> None:
    listing, second_last = talk(running_assistant, "政策公开讲有哪几场", "倒数第二个是谁讲")
    assert "第5讲" in listing
    assert "医保局" in second_last and "第4讲" in second_last


def test_two_lectures_compared(running_assistant: RunningAssistant) -> None:
    (reply,) = talk(running_assistant, "统计局和财政局的宣讲有什么不一样")
    assert "五经普" in reply and "政府采购方式" in reply
    assert "第1讲" in reply and "第2讲" in reply


def test_open_day_months_are_the_plans_period_then_the_schedule(
    running_assistant: RunningAssistant,
) -> None:
    (reply,) = talk(running_assistant, "开放日一般在几月份")
    assert "2023年8月至11月" in reply
    assert reply.index("2023年8月至11月") < reply.index("公告")
    assert "待公告" in reply or "还没有" in reply  # no sessions are announced now


def test_this_years_lectures_and_the_data_year(running_assistant: RunningAssistant) -> None:
    year, data = talk(running_assistant, "2026年还有政策公开讲吗", "你们这信息都是哪年的")
    assert "2026" in year and "2023" in year and "12345" in year and "区政府网站" in year
    assert "2023" in data and INTERACTION in data and WORK_POINTS in data


def test_a_greeting_around_a_question_answers_it(running_assistant: RunningAssistant) -> None:
    (reply,) = talk(running_assistant, "您好，请问医保宣讲是哪个单位负责的？")
    assert "医保局" in reply and "来源：" in reply


def test_checking_an_application_is_not_a_new_sign_up(running_assistant: RunningAssistant) -> None:
    (reply,) = talk(running_assistant, "我要查报名")
    assert "编号" in reply or "手机号" in reply
    assert "没有正在接受报名" not in reply and "报名哪个" not in reply
