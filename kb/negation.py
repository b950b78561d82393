"""Questions about those a plan's sentence does NOT cover ("没入选区级层面的单位要不要做").

A plan often states a rule for one group, then the rule for the rest in the next sentence
("入选区级层面政民互动的单位要按照工作计划……。其他单位要落实政民互动“常态化”开展要求……",
政民互动工作总体方案 四、工作要求). A question that negates the first group's words asks for the
second sentence; quoting the first would answer the opposite of what was asked.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

# 没(有)/未/不是/不在/非 + the words negated (cut at the particle that ends the group).
_NEGATION = r"(?:没有|没|未|不是|不在|非)"
_NEGATED = re.compile(_NEGATION + r"([\u4e00-\u9fff]{2,12}?)(?=的|单位|人|地方|$|[，。？?！!\s])")
# How a plan's sentence turns to the rest of a group.
_THE_REST = re.compile(r"^(?:其他|其它|其余|除此之外|除此以外|除[^，。；]{1,20}(?:外|以外))")
_SHORTEST = 2  # characters of the negated words that must stand in the plan's sentence


def negated_words(question: str) -> list[str]:
    """The words a question negates, longest reading first: "没入选区级层面的单位" →
    ["入选区级层面"]. Empty when it negates nothing."""
    return [m.group(1) for m in _NEGATED.finditer(question)]


def sentence_for_the_rest(question: str, chosen: str, pieces: Sequence[str]) -> str | None:
    """The sentence of `pieces` (one record's sentences, in order) that states the rule for
    the rest of a group, when `chosen` (the sentence the question's words matched) states it
    for the very group the question negates; None otherwise, and `chosen` stands."""
    for words in negated_words(question):
        prefix = next((words[:n] for n in range(len(words), _SHORTEST - 1, -1) if words[:n] in chosen), None)
        if prefix is None or re.search(_NEGATION + re.escape(prefix), chosen):
            continue
        if chosen not in pieces:
            return None
        for later in pieces[pieces.index(chosen) + 1:]:
            if _THE_REST.match(later):
                return later
    return None
