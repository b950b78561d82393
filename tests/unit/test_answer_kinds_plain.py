"""Kinds of misreading found in plainly written questions (the sixth and seventh diagnosis
sets, tests/dev/debug6_questions.yml and debug7), each with the example that showed it
and a second phrasing of the same kind (issue 13). The `engine` fixture is
tests/unit/conftest.py's."""
from __future__ import annotations

import pytest

from kb.answers import Question
from tests.unit.answering import INTERACTION, WORK_POINTS

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text", ["要点里说政府网站要建成什么平台", "政府网站将建成一个什么样的平台"])
def test_what_a_plan_means_to_build_is_its_content_not_a_question_of_progress(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert answer.covered and "便民服务平台" in answer.text
    assert f"{WORK_POINTS}#item:16" in answer.sources


def test_whether_something_was_built_is_still_a_question_the_plans_do_not_answer(engine) -> None:
    answer = engine.answer(Question("老旧小区的电梯建成了吗"))
    assert not answer.covered and "不能替您猜测" in answer.text


@pytest.mark.parametrize("text", ["哪几个开放点写到了“驿站”", "哪些开放点提到了驿站"])
def test_a_term_only_one_record_writes_is_answered_with_that_record(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert list(answer.sources) == [f"{INTERACTION}#site:13"]
    assert "共有17个开放点" not in answer.text
