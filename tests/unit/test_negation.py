"""A question about those a plan's rule does NOT cover gets the plan's sentence for the rest
of the group, not the rule it negates (issue 13, a kind found by the eleventh diagnosis set:
"没入选区级层面的单位" was answered with the rule for the selected units). The `engine`
fixture is tests/unit/conftest.py's."""
from __future__ import annotations

import pytest

from kb.answers import Question
from kb.negation import negated_words, sentence_for_the_rest

pytestmark = pytest.mark.unit

PIECES = ["入选区级层面政民互动的单位要按照工作计划，在2023年8--11月期间举办相关活动",
          "其他单位要落实政民互动“常态化”开展要求，根据自身实际自行开展开放活动"]


@pytest.mark.parametrize("question, words", [
    ("没入选区级层面的单位要不要做", ["入选区级层面"]),
    ("不是主责单位的怎么办", ["主责"]),
    ("入选的单位啥时候办", []),
])
def test_the_negated_words_are_read(question, words) -> None:
    assert negated_words(question) == words


def test_the_sentence_for_the_rest_replaces_the_negated_rule() -> None:
    assert sentence_for_the_rest("没入选区级层面的单位要不要做", PIECES[0], PIECES) == PIECES[1]
    assert sentence_for_the_rest("入选区级层面的单位要做什么", PIECES[0], PIECES) is None
    # a negation the chosen sentence does not write changes nothing
    assert sentence_for_the_rest("没报名的能去吗", PIECES[0], PIECES) is None


@pytest.mark.parametrize("text", [
    "没入选区级层面的单位要不要做",
    "不是区级层面的单位也要搞开放活动吗",
    "未入选区级层面政民互动的单位咋办",
])
def test_the_engine_answers_for_the_rest_of_the_group(engine, text) -> None:
    answer = engine.answer(Question(text))
    assert "常态化" in answer.text and "8--11月" not in answer.text
    assert "工作要求" in answer.text  # cited


def test_the_group_itself_still_gets_its_own_rule(engine) -> None:
    answer = engine.answer(Question("入选区级层面的单位要按什么时间办活动"))
    assert "8月" in answer.text and "常态化" not in answer.text
