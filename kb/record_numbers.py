"""The record numbers a question names: "开放点15和16" → [("site", 15), ("site", 16)],
"第3、4项", "第一讲和最后一讲", and a bare "第二个" / "9号" read by the kind asked or the
record just discussed. Used by `Understanding` (kb/understanding.py) and `AnswerEngine`."""
from __future__ import annotations

import re
from collections.abc import Sequence

from kb.cues import NUMERAL, Cues
from kb.knowledge import NUMBERED_KINDS, KnowledgeBase, to_number
from kb.question import Question

# A number after 倒数 counts from the end of a list ("倒数第二条"): never the record of that number.
NUMBER_PATTERNS = {
    "site": [rf"开放点\s*(?:第\s*)?{NUMERAL}(?![0-9个场项])", rf"(?<!倒数)第\s*{NUMERAL}\s*(?:号|个)?\s*开放点",
             rf"(?<!第){NUMERAL}\s*号\s*开放点"],
    # "要点12" or "要点第十二", but not "要点一共".
    # "26条具体要干啥": digits and 条 or 项 without 第, not "3条措施"
    "item": [rf"(?<!倒数)第\s*{NUMERAL}\s*[项条]", r"(?:工作要点|要点)\s*(?:第\s*)?([0-9]+)",
             r"(?<![0-9第])([0-9]{1,2})\s*[项条](?![件例路街线款措])",
             rf"(?:工作要点|要点)\s*第\s*{NUMERAL}"],
    "lecture": [
        rf"(?<!倒数)第\s*{NUMERAL}\s*(?:个|场|讲)\s*(?:政策)?(?:宣讲|讲座|公开讲)",
        rf"(?:公开讲|宣讲|讲座)\s*第\s*{NUMERAL}\s*(?:个|场|讲)?",
        rf"(?<!倒数)第\s*{NUMERAL}\s*讲",
    ],
}
# A second number joined to the first: "开放点15和16", "第3、4项".
_MORE_NUMBERS = re.compile(rf"^\s*(?:和|与|跟|还有|、|,|，|及)\s*(?:第\s*)?{NUMERAL}")
# "第#" (an entity's value) followed by a word, not by a classifier or a record's kind.
_NOT_A_NUMBER = re.compile(r"第#(?![\s\d个场项条讲号点部分批次期名])(?!开放点|宣讲|公开讲)[\u4e00-\u9fff]")
_JOINED = re.compile(r"和|与|跟|还有|以及")
# A number without its kind: "第9个", "9号", "开放日9"; never "一个"/"这两个" (a count).
ORDINAL_ONLY = re.compile(rf"第\s*{NUMERAL}\s*(?:个|场|项|条)?\s*(?:呢|是|吗|的|$)")
# "第一个", "第3条", "第二呢" — not "第一公开平台" (a word beginning with 第一).
GENERIC_NUMBER = re.compile(rf"第\s*{NUMERAL}\s*(?:个|场|讲|项|条|(?=[呢吗是的啊呀和跟与及、，,。？?！!\s]|$))|(?<![0-9])([0-9]+)\s*号(?![楼线门院])|"
                            r"(?:开放日|宣讲|讲座|要点|任务)\s*([0-9]+)|"
                            # "6那个具体讲啥": a number pointing at one of the kind just discussed
                            r"^(?:那|就)?(?<![0-9])([0-9]{1,2})\s*(?=那个|这个|那条|这条|那项|那场)")
ENTITY_KINDS = {"site_number": "site", "item_number": "item", "lecture_number": "lecture"}


class RecordNumbers:
    """Finds the record numbers of a question in one knowledge base."""

    def __init__(self, kb: KnowledgeBase, cues: Cues) -> None:
        self.kb = kb
        self.cues = cues

    def of(self, question: Question, kinds: Sequence[str] = ()) -> list[tuple[str, int]]:
        """Explicit record numbers ('开放点15和16' → [('site',15), ('site',16)]), in order."""
        found: list[tuple[str, int]] = []
        for entity, kind in ENTITY_KINDS.items():
            for value in question.entities.get(entity, []):
                if str(value).isdigit() and len(str(value)) >= 3:
                    continue  # "我打过好几次12345": a phone number, not a record's
                if re.search(rf"(?<!第){re.escape(str(value))}\s*个", question.text):
                    continue  # "一个开放点一个宣讲": a count, not 开放点1
                if _NOT_A_NUMBER.search(question.text.replace(str(value), "#")):
                    continue  # "政策发布的第一公开平台": a word, not 第1项
                if re.search(rf"{re.escape(str(value))}(?:几|多|年|岁|层|楼|月|块|元|斤|米|百|千|万)",
                             question.text) and not re.search(rf"第\s*{re.escape(str(value))}", question.text):
                    continue  # "九几年的老楼", "六层": a quantity the citizen tells, not 开放点9
                if (number := to_number(str(value))) is not None:
                    found.append((kind, number))
        text = question.text
        for kind, patterns in NUMBER_PATTERNS.items():
            for pattern in patterns:
                for match in re.finditer(pattern, text):
                    if (number := to_number(next(g for g in match.groups() if g))) is not None:
                        found.append((kind, number))
                        rest = text[match.end():]
                        while more := _MORE_NUMBERS.match(rest):
                            if (extra := to_number(more.group(1))) is not None:
                                found.append((kind, extra))
                            rest = rest[more.end():]
        if found and (joined := _JOINED.search(text)):
            # "第一讲和最后一讲": a position from the end joined to a number.
            kind = found[0][0]
            ordered = self.kb.of_kind(kind)
            position = self.cues.ordinal(text[joined.end():], len(ordered))
            if position is not None and (at := ordered[position].number) is not None:
                found.append((kind, at))
        if not found and not (question.conversation.listed and ORDINAL_ONLY.search(text)) \
                and not self.cues.counts_from_end(text):
            # "第二个呢" right after a list is a position in it (Cues.ordinal), not 开放点2.
            context_kind = self._context_kind(question)
            asked_kind = kinds[0] if len(kinds) == 1 else context_kind
            generic = GENERIC_NUMBER.search(text)
            number = to_number(next(g for g in generic.groups() if g)) if generic \
                else self.cues.bare_number(text)
            if asked_kind is not None and asked_kind in NUMBER_PATTERNS and number is not None \
                    and (generic or context_kind):
                found.append((asked_kind, number))
        return list(dict.fromkeys(found))

    def _context_kind(self, question: Question) -> str | None:
        recent = question.conversation.recent
        record = self.kb.by_ref.get(recent[0]) if recent else None
        return record.kind if record and record.kind in NUMBERED_KINDS else None
