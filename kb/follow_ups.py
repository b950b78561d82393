"""Whether a question goes on about the record just discussed (a follow-up), and which of
the records discussed it means (`meant`, `neighbour`).

In: a `Question` with its conversation's `Context` and the facet read from it. Out: a bool
(`of`) or a record.
A follow-up names no subject of its own ("谁负责", "会拿真事儿举例子不", "去了能看消防演示不");
one that names another record, another kind or something the plans never write is not.
"""
from __future__ import annotations

import re

from kb.cues import ASKS, Cues
from kb.finding import KIND_WORDS, Finder
from kb.gazetteer import TOPIC
from kb.knowledge import NUMBERED_KINDS, KnowledgeBase, Record
from kb.matching import WordMatcher
from kb.question import Question

# "那消费那块呢", "社保这块呢": the same question of another thing, named in one word
_ANOTHER_THING = re.compile(r"(?:那|那么|还有)?[^，。？?呢]{1,4}(?:那块|这块|方面|那个|这个)?呢[？?。]?")
YES_NO = re.compile(r"是不是|是否|对吗|对不对|吗[？?]?$")
# Recalling what was said before: "前一个是哪个单位来着", "刚才前面那个"
_RECALLED = re.compile(r"来着|刚才|刚刚|之前说的|前面说的|前边说的|上回说的")
# "会去工地看不", "是讲全区的还是就某个片儿": whether, or which of two, in a follow-up
_ASKS_WHETHER = re.compile(r"(会|能|要|讲|有|给|让|可以)[^，。？]{1,8}(不|没有?)[？?]?$|[^，。？]{2}还是[^，。？]{2}")


class FollowUps:
    """Follow-up tests over one knowledge base; built once per snapshot with kb.understanding."""

    def __init__(self, kb: KnowledgeBase, cues: Cues, words: WordMatcher, find: Finder) -> None:
        self.kb = kb
        self.cues = cues
        self.words = words
        self.find = find

    def writes(self, record: Record, text: str) -> bool:
        """Whether the record writes a word the question names, or the plans' word for it, or
        is about a topic the question names in the gazetteer's words ("外地看病": 异地就医)."""
        if any(m.label == TOPIC and m.id in record.topic_ids for m in self.kb.gazetteer.mentions(text)):
            return True
        return any(len(w) >= 2 and w in record.text for w in self.words.asked_words(text))

    def _names_another(self, text: str, last: Record | None) -> bool:
        """Whether the question's own words, which the record just discussed does not write,
        are all written by one other record alone: two of them, or one of three characters
        or more ("四区三基地": 四区 and 基地, both item 1's only), or one in a bare "那X呢"
        ("那消费那块呢" after item 4: item 2's)."""
        own = [w for w in self.words.content_words(text)
               if len(w) >= 2 and (last is None or w not in last.text)]
        writers = {w: [r.ref for r in self.kb.numbered() if w in r.text] for w in own}
        found = [refs for refs in writers.values() if refs]
        return bool(found) and all(len(refs) == 1 and refs == found[0] for refs in found) \
            and (len(found) >= 2 or any(len(w) >= 3 for w, refs in writers.items() if refs)
                 or bool(_ANOTHER_THING.fullmatch(text)))

    def neighbour(self, text: str, recent: list[Record], step: int) -> Record | None:
        """The record `step` entries from the one just discussed, in plan order ("后面一个呢");
        a "前一个…来着" recalled is the one discussed before it ("开放点10…/ 那开放点9呢 /
        前一个是哪个单位来着": 10). None past either end."""
        if step < 0 and _RECALLED.search(text) and len(recent) > 1 \
                and recent[1] not in self.kb.siblings(recent[0]):
            return recent[1]
        entries = self.kb.entries(self.kb.of_kind(recent[0].kind))
        at = entries.index(self.kb.siblings(recent[0])[0]) + step
        return entries[at] if 0 <= at < len(entries) else None

    def meant(self, text: str, recent: list[Record]) -> Record:
        """Of the records just discussed (newest first, at least one), the one a follow-up
        means: the only one writing a word of the question that the others do not ("那前置
        审查这条啥时候完成" after items 26 and 22: item 22), else the newest."""
        words = [w for w in self.words.content_words(self.words.without_names(text))
                 if len(w) >= 2 and w not in self.cues.generic_words]
        alone = {w: writers[0] for w in words if len(writers := [r for r in recent if w in r.text]) == 1}
        meant = set(alone.values())
        # Two such words, or one of three characters or more: not one word like 内容 — unless
        # the citizen recalls it ("那刚才中介那条谁负责": 中介, item 12, discussed before 11).
        if len(meant) == 1 and (len(alone) >= 2 or any(len(w) >= 3 for w in alone) or _RECALLED.search(text)):
            return meant.pop()
        return recent[0]

    def of(self, question: Question, facet: str | None) -> bool:
        """A question with no subject of its own, asked right after an answer."""
        text, recent = question.text, question.conversation.recent
        last = self.kb.by_ref.get(recent[0]) if recent else None
        # "去了能看消防演示不" after an open day: there; "会拿真事儿举例子不" after the 医保
        # lecture: its 典型案例, in everyday words — unless another kind is named, below.
        there = last is not None and (facet == "offering" and last.kind in ("site", "lecture") or any(
            w in last.text for w in self.words.plans_words_for(text)))
        # Names the gazetteer knows are no foreign words: 商务局 of "除了商务局还有谁".
        plain = self.words.without_names(text)
        if last is not None and last.kind == "rules" and facet is not None and facet in self.cues.rule_facets \
                and self.writes(last, plain.replace(self.cues.phrase(facet, plain) or "", "，")):
            return True  # "家长能以啥身份参加" after the rules: 家长 of its 家长代表, asked again
        if not there and self.find.foreign_words(plain):
            return False  # "那孩子上幼儿园报名咋弄": something else, not the record just discussed
        asked = self.cues.phrase("meaning", plain) if facet == "meaning" else None
        term = plain[:plain.find(asked)].rstrip("的都是") if asked else ""
        if len(term) >= 2 and last is not None and term not in last.text \
                and any(term in r.text for r in self.kb.numbered()):
            return False  # "样板单位都有哪些" after the rules: item 28's term, not the rules'
        if self.words.says((r for r in self.kb.numbered() if r.ref not in set(recent)), text) \
                or self._names_another(plain, last):
            return False  # "平台建设辅助支撑那条呢", "那四区三基地那条呢": another record, in its words
        if question.intent == "ask_followup" or self.cues.has("back_references", text) \
                or self.cues.has("plural_references", text):
            return True
        if last is not None and any(pattern.search(text)
                                    for kind, pattern in KIND_WORDS.items() if kind != last.kind):
            return False  # "开放日领导会去吗" after a work item: about the open days, not the item
        if there:
            return True
        if facet is None and last is not None and last.kind in NUMBERED_KINDS and not re.search("我|俺", text) \
                and len({w for w in self.words.content_words(plain) if len(w) >= 2 and w in last.text}) >= 2:
            return True  # "说是要创建啥城市来着" after item 6: two of its own words, no other subject
        short = (
            (facet is not None and len(question.text) <= 14)
            or (len(question.text) <= 10 and bool(YES_NO.search(question.text)))  # "要到企业现场讲吗"
            or (len(question.text) <= 12 and bool(_ASKS_WHETHER.search(question.text)))  # "会去工地看不"
            or (len(question.text) <= 8 and bool(ASKS.search(question.text)))  # "看的是哪个项目"
        )
        # A short question a sentence of the plans answers is its own ("开放日领导会去吗"),
        # unless the numbered record just discussed writes its own words ("这宣传谁管" after
        # item 3; the rules write nearly every word).
        return short and (self.words.paragraph_saying(question.text) is None or (
            last is not None and last.kind in NUMBERED_KINDS and any(
            len(w) >= 2 and w not in self.cues.generic_words and w in last.text
            for w in self.words.content_words(plain))))
