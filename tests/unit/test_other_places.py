"""What another district, city or province does is refused — the plans are Daxing's —
naming what Daxing's plans say on the same thing when the question names it; a place that
is only where the citizen lives or works is their story (issue 13, a kind found by the
twelfth diagnosis set). The `engine` fixture is tests/unit/conftest.py's."""
from __future__ import annotations

import pytest

from kb.answers import Question
from kb.deciding import OTHER_PLACE

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("text", "place", "nearest"), [
    ("朝阳区2023年政务开放日有哪些开放点", "朝阳区", None),
    ("丰台区政策公开讲怎么报名", "丰台区", None),
    ("上海的政务开放日怎么报名", "上海", None),
    ("通州有没有医保宣讲", "通州", "第4讲"),
    ("河北廊坊那边的惠民保跟大兴的一样吗", "廊坊", "第4讲"),
    ("北京市级的2023年政务公开工作要点主要讲啥", "北京市级", None),
    ("那丰台区司法局有没有类似的开放日", "丰台区", "开放点7"),  # another district's unit
])
def test_another_places_arrangements_are_refused(engine, text, place, nearest) -> None:
    answer = engine.answer(Question(text))
    assert not answer.covered and answer.reason == OTHER_PLACE
    assert f"没有写到{place}的安排" in answer.text and "市民服务热线" in answer.text
    if nearest:
        assert "大兴区计划中相关的内容是" in answer.text and nearest in answer.text
    else:
        assert not answer.sources


@pytest.mark.parametrize("text", [
    "我在朝阳上班 大兴的开放日有哪些开放点",
    "我住通州 医保宣讲是哪个单位负责的",
    "我老家是河北的 跟儿子来大兴住了 听说有个讲医保的宣讲 是哪个单位讲的",
    "亦庄镇有开放点吗",  # a town of Daxing
    "大兴区的政务开放日有哪些开放点",
])
def test_where_the_citizen_lives_or_works_is_their_story(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert answer.reason != OTHER_PLACE
