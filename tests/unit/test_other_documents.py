"""What another document says (the district's 政府工作报告, the city's 工作要点, the
政府信息公开条例) is refused — naming the plans' record that mentions it — never answered
from our plans as if they were that document (issue 13, a kind found by the eleventh
diagnosis set). The `engine` fixture is tests/unit/conftest.py's."""
from __future__ import annotations

import pytest

from kb.answers import Question

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text, mentioned_in", [
    ("大兴区政府工作报告里说今年要办哪些实事", "第11项"),
    ("政府信息公开条例规定多少天内答复", "第29项"),
    ("北京市政务公开工作要点里有啥", None),
    ("《北京市政务公开工作要点》的内容", None),
    ("海淀区的开放日方案都有哪些开放点", None),
    ("十四五规划说了啥", None),
])
def test_another_documents_contents_are_refused(engine, text, mentioned_in) -> None:
    answer = engine.answer(Question(text))
    assert not answer.covered and answer.reason == "other_document"
    assert "不包括《" in answer.text and "市民服务热线" in answer.text
    if mentioned_in:
        assert "计划中提到它的是" in answer.text and mentioned_in in answer.text
    else:
        assert not answer.sources


@pytest.mark.parametrize("text", [
    "北京市大兴区2023年政务公开工作要点里有啥",
    "《政务公开工作要点》里有啥",
    "政民互动方案里有啥",
    "政府工作报告的进度信息谁公开",  # item 11 itself, asked about
    "围绕政府信息公开条例开展什么培训",
])
def test_our_own_plans_and_what_they_say_of_others_are_still_answered(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and answer.reason != "other_document"
