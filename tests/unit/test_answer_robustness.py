"""Any conversation of questions gets an answer: the engine never raises, whatever record
kind (rules, plans, items, sites, lectures, themes, lists) the turns before left behind.
Found by the sixteenth diagnosis set: a back reference naming a kind right after an answer
from the participation rules failed the turn (the rules record could not be hashed). The `engine` fixture is tests/unit/conftest.py's."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.answers import Question

pytestmark = pytest.mark.unit

# Openers that leave each kind of record (or a list) as the context, and follow-ups of
# every shape: back references, kinds, positions, numbers, facets, comparisons.
TURNS = [
    "线下活动多少人参加", "开放日有直播吗", "政民互动方案文号多少", "工作要点第9项谁负责",
    "开放点15是啥", "医保宣讲讲啥", "政务开放日一共分几个专题", "政策公开讲有哪几场",
    "区政务服务局负责哪些工作", "同一个专题还有哪些", "这个跟政策公开讲是一回事吗",
    "那个宣讲呢", "这俩谁办的", "倒数第二个呢", "那里头第二个呢", "第三条呢", "16呢",
    "除了住建委还有谁", "啥时候完成", "去了能看着啥", "能带孩子去不", "这两个有啥不一样",
    "2026年还有吗", "谢谢 那开放日呢", "不是 我问的是开放点6", "它属于哪个专题", "",
]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(TURNS), min_size=2, max_size=4))
def test_every_conversation_gets_an_answer(engine, turns: list[str]) -> None:
    context = None
    for text in turns:
        answer = engine.answer(Question(text, context=context))
        assert answer.text.strip()
        context = answer.context


def test_every_record_can_be_put_in_a_set(engine) -> None:
    # the rules record holds a mapping; records hash by their reference
    assert len(set(engine.kb.records)) == len({r.ref for r in engine.kb.records}) == len(engine.kb.records)
