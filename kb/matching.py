"""Finding plan records by the words a question shares with them.

`WordMatcher` holds the word-level steps of understanding: the distinctive words of a
text, the plans' own words for everyday ones (answering.yml `plan_words`), and retrieval of
numbered records, plain paragraphs and the sentence that says what was asked. It decides
nothing about facets or conversation context; kb.understanding does.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import jieba
from jieba import posseg

from kb.cues import QUOTED, Cues
from kb.knowledge import NUMBERED_KINDS, KnowledgeBase, Record
from kb.retrieval import QUESTION_WORDS

ACTIVITIES_NAMED = re.compile(r"开放日|开放点|开放活动|宣讲|讲座|公开讲|政民互动|活动")
# Two things named together: "医保和人社", "预算啊采购啊", "园林、农业".
_SEVERAL_NAMED = re.compile(r"[和与及、]|还有|以及|啊.{1,6}啊|分别|各")
MAX_RECORDS = 6
# What paragraph_saying looks through: plain paragraphs as answers, numbered records only
# as rivals. (The participation rules' own words are quoted once the rules are chosen,
# kb.rendering; as a rival paragraph they outweigh the work requirements by their lists.)
_SAYING = ("text", *NUMBERED_KINDS)
MIN_SHARED_CHARACTERS = 6
MIN_ALONE_CHARACTERS = 4  # two words of two characters, when few records write them
RARE_IN_RECORDS = 3
# Passage similarity a record needs, beside a shared distinctive word, when the question
# names no unit or topic of it (bench/kb_accuracy.py --sweep shows how it was set).
MIN_SIMILARITY = 0.2
TIE_MARGIN = 0.35


def _stem_of(word: str, unit: str) -> bool:
    """'统计' begins '统计局' (and is shorter: the whole name is a mention of its own)."""
    name = unit.removeprefix("区")
    return len(word) < len(name) and name.startswith(word)


class WordMatcher:
    """Word-level matching of questions against one knowledge base."""

    def __init__(self, kb: KnowledgeBase, cues: Cues, config: Mapping[str, Any]) -> None:
        self.kb = kb
        self.cues = cues
        self.config = config
        # A plan named as a document: "政民互动方案", "政民互动总体方案", "工作要点" — not
        # "政民互动的宣传报道", where the words say what is asked about.
        names = sorted({w for ws in config["document_keywords"].values() for w in ws if len(w) >= 3},
                       key=len, reverse=True)
        self._plan_names = re.compile(
            "|".join(rf"{re.escape(n)}(?:总体|工作)*(?:方案|计划|文件)" if not n.endswith("要点") else re.escape(n)
                     for n in names) or "(?!)")
        self._everyday = frozenset(w for said in config["plan_words"].values() for w in said)
        # each everyday word with all the plans' words for it (负责人: 负责同志 and 主要负责人)
        self._everyday_longest_first = sorted(
            ((w, {word for word, said in config["plan_words"].items() if w in said}) for w in self._everyday),
            key=lambda pair: (-len(pair[0]), pair[0]))
        self._ignored = frozenset(config["people_words"]) | cues.generic_words | frozenset(config["courtesies"])

    def content_words(self, text: str) -> set[str]:
        """Distinctive words of a text: jieba words of 2+ characters, not generic ones."""
        return {
            w for w in jieba.lcut(text)
            if len(w) >= 2 and w not in QUESTION_WORDS and w not in self.cues.generic_words
        }

    def plans_words_for(self, text: str) -> list[str]:
        """The plans' own words for the everyday ones the text uses (answering.yml
        `plan_words`: 领导 → 负责同志), those the text does not already hold. An everyday word
        inside a name the gazetteer knows is no everyday word: 互动 of 政民互动 is no 互动性."""
        rest, found = self.without_names(text), set()
        # Longest everyday words first, each used up: 宣传栏 is 信息公示栏, not 宣传 (宣传报道).
        for said, words in self._everyday_longest_first:
            if said in rest:
                found |= words
                rest = rest.replace(said, "｜")
        return [word for word in self.config["plan_words"] if word in found and word not in text]

    def asked_words(self, text: str) -> list[str]:
        """The question's content words and the plans' own words for its everyday ones
        ("会拿例子讲不": 例子 and 典型案例)."""
        return [*self.content_words(text), *self.plans_words_for(text)]

    def widened(self, text: str) -> str:
        """The text and the plans' own words for its everyday ones, for looking up sentences."""
        return "｜".join([text, *self.plans_words_for(text)])

    def without_names(self, text: str, mentions: Sequence[Any] | None = None) -> str:
        """The text with every gazetteer name blanked out ("｜")."""
        mentions = self.kb.gazetteer.mentions(text) if mentions is None else mentions
        rest = text
        for m in sorted(mentions, key=lambda m: m.start_char, reverse=True):
            rest = rest[:m.start_char] + "｜" + rest[m.end_char:]
        return rest

    def retrieve(
        self, text: str, kinds: Sequence[str], units: set[str], specific: set[str], topics: set[str]
    ) -> list[Record]:
        """Records the question is about by their words; each needs evidence of its own."""
        hits = self.kb.index.search(text, preferred_kinds=kinds, topic_ids=sorted(specific),
                                    top_k=len(self.kb.index.passages))
        similarity: dict[str, float] = {}
        for hit in hits:
            record = self.kb.record_of_key(hit.document.key)
            if record is not None:
                similarity[record.ref] = max(similarity.get(record.ref, 0.0), hit.score)
        words = self.content_words(text)
        stems = self.content_words(self.without_names(text))
        scored = []
        paragraphs = [r for r in self.kb.records if r.kind == "text"]
        for record in [*self.kb.numbered(), *paragraphs]:
            named = len(units & set(record.unit_ids)) + len(specific & set(record.topic_ids))
            # "讲统计的宣讲": a word that begins a unit's name (统计 → 统计局) names its records.
            named += any(_stem_of(w, u) for u in record.units for w in stems)
            if record.kind == "text":  # a paragraph shares words sentence by sentence
                shared = max(({w for w in words if w in p}
                              for p in self.kb.sentences_of(record)),
                             key=len, default=set())
            else:
                shared = {w for w in words if w in record.text}
            sim = similarity.get(record.ref, 0.0)
            if not named and not (shared and sim >= MIN_SIMILARITY):
                continue
            score = 2.0 * sim + 1.2 * len(units & set(record.unit_ids))
            score += 1.0 * len(specific & set(record.topic_ids)) + 0.3 * len(shared)
            score += 0.2 if record.kind in kinds else 0.0
            scored.append((score, record))
        if not scored:
            return self.passage(text, words)
        scored.sort(key=lambda pair: pair[0], reverse=True)
        if scored[0][1].kind == "text":  # a plain paragraph answers alone
            return [scored[0][1]]
        scored = [(score, r) for score, r in scored if r.kind != "text"]
        best = scored[0][0]
        tied = [r for s, r in scored[:MAX_RECORDS] if s >= best - TIE_MARGIN]
        if _SEVERAL_NAMED.search(text):
            # "预算啊采购啊都是谁负责", "医保和人社的宣讲各讲啥": the best record of each name.
            # A record of the kind the question names first ("开放日里…预算啊采购啊").
            in_kind = sorted(scored, key=lambda pair: (pair[1].kind not in kinds, -pair[0]))
            of_name: dict[str, Record] = {}
            for _, record in in_kind:
                for name in (units & set(record.unit_ids)) | (specific & set(record.topic_ids)):
                    of_name.setdefault(name, record)
            each = list(dict.fromkeys(r for _, r in in_kind if r in of_name.values()))
            if len(each) >= 2:
                tied = [r for r in tied if not kinds or r.kind in kinds]
                return list(dict.fromkeys([*each, *tied]))[:MAX_RECORDS]
        return tied

    def paragraph_saying(self, text: str) -> Record | None:
        """The plain paragraph with a sentence that shares at least two of the question's
        words (widened by `plan_words`), six characters or more together, more than any
        sentence of a numbered record does; None if none."""
        if self._about_something_else(text):
            return None  # "新生儿落户需要准备啥": about something no plan names
        words, added = self.sentence_words(self._without_plan_names(text))
        best: tuple[int, Record | None] = (0, None)
        numbered_best = 0  # a work item or site saying as much is left to the usual retrieval
        for record in self._saying_candidates():
            for sentence in self.kb.sentences_of(record):
                weight = self._weight(sentence, words, added)
                if record.kind in NUMBERED_KINDS:
                    numbered_best = max(numbered_best, weight)
                elif weight >= MIN_SHARED_CHARACTERS and weight > best[0]:
                    best = (weight, record)
        if best[1] is None or best[0] <= numbered_best or self._rules_say_more(text, best[1]):
            return None
        return best[1]

    def paragraph_by_rare_word(self, text: str) -> Record | None:
        """The plain paragraph whose one sentence is the only sentence of all the plans that
        writes a word of the question (a quoted term or a word of two characters or more,
        not a generic or a plan's name): "方案里有好几个“并重”，都是哪几个" → the sentence of
        the aims with its four 并重. None when such words point at different sentences, or
        at a numbered record or the rules (their own answers say it)."""
        record = self._rare_word_holder(text)
        return record if record is not None and record.kind == "text" else None

    def writes_alone(self, record: Record, text: str) -> bool:
        """Whether `record` is the `alone_writer` of the question. A retrieved record that
        is said, not guessed."""
        return self.alone_writer(text) is record

    def alone_writer(self, text: str, kinds: Sequence[str] = ()) -> Record | None:
        """The only record of all the plans that writes some words of the question, two or
        more, and more of them than any other record writes alone: "电话必须接 接听率要达到
        多少" → item 15, the only one that writes 电话 and 接听; "有个街道搞一对一帮着代办" →
        site 5 (一对一, 代办). One such word of two characters may be shared by chance ("政策评价
        结果怎么样"); one of three or more, alone in the question, is a term ("公示栏上要公开些啥"
        → item 13), unless the question names anything no plan writes ("井盖丢了"). With
        `kinds`, only records of those kinds count, and one term is enough ("社区公示栏上贴的那些
        是要点里哪条要求的": of the items, only item 13 writes 公示栏)."""
        words = {w for w in self.content_words(self._without_plan_names(text))
                 if w not in self._ignored and not self.kb.gazetteer.mentions(w)}
        alone: Counter[str] = Counter()
        longest = 0
        terms = set()  # records alone writing a word of three characters or more
        for word in words:
            holders = {r.ref for r in self._all_sentences_holders()
                       if word in r.searchable and (not kinds or r.kind in kinds)}
            if len(holders) == 1:
                alone[next(iter(holders))] += 1
                longest = max(longest, len(word))
                terms |= holders if len(word) >= 3 else set()
        ranked = alone.most_common(2)
        one_term = len(ranked) == 1 and longest >= 3 and not self.foreign_nouns(text)
        if kinds and len(terms) == 1 and alone[(term := next(iter(terms)))] == ranked[0][1] \
                and not self.foreign_nouns(text):
            # Among the kind named, a term beats a two-character word of the citizen's story
            # ("小区公示栏是要点里哪一项管的": 公示栏, item 13; 小区 is item 5's alone).
            return self.kb.by_ref[term]
        if not ranked or (ranked[0][1] < 2 and not one_term) \
                or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
            return None
        return self.kb.by_ref[ranked[0][0]]

    def _rare_word_holder(self, text: str) -> Record | None:
        """The record of the one sentence that alone writes the question's rare words; None
        when there is none, or they point at different sentences."""
        if self._about_something_else(text):
            return None  # "新生儿落户需要准备啥": about something no plan names
        words = {w for w in self.content_words(self._without_plan_names(text))
                 if w not in self._ignored and not self.kb.gazetteer.mentions(w)}
        words |= set(QUOTED.findall(text))
        found: set[tuple[str, str]] = set()
        for word in words:
            holders = {(record.ref, sentence) for record in self._all_sentences_holders()
                       for sentence in self.kb.sentences_of(record) if word in sentence}
            if len(holders) == 1:
                found |= holders
        return self.kb.by_ref[next(iter(found))[0]] if len(found) == 1 else None

    def _all_sentences_holders(self) -> Iterator[Record]:
        return (r for r in self.kb.records if r.kind in ("text", "rules", *NUMBERED_KINDS))

    def _rules_say_more(self, text: str, paragraph: Record) -> bool:
        """Whether a sentence of the participation rules holds more of the question's own
        words than the paragraph does ("线下宣传活动的参加人员范围": 人员范围为…, not 做好宣传
        报道). Only the citizen's own words count: by the plans' words for everyday ones the
        rules' long lists would outweigh every paragraph."""
        words = self.content_words(text)
        rules = [r for r in self.kb.records if r.kind == "rules"]
        said = max((self._weight(s, words, set()) for r in rules for s in self.kb.sentences_of(r)), default=0)
        return said >= MIN_SHARED_CHARACTERS and said > max(
            self._weight(s, words, set()) for s in self.kb.sentences_of(paragraph))

    def record_saying(self, text: str) -> Record | None:
        """The numbered record that says more of the question than any other record or any
        sentence of a paragraph ("抽检信息的产品类别包括哪些" → item 8): two of its words or
        more, six characters or more together (four, when few records write them);
        None if none or a tie."""
        if self._about_something_else(text):
            return None
        # Only the question's own words: a plans' word for an everyday one ("视频" → 音频视频)
        # is too loose to pick one record out of all of them.
        words = self.content_words(self._without_plan_names(text))
        added: set[str] = set()
        weights: dict[str, int] = {}
        for record in self._saying_candidates():
            # A numbered record is short enough to count as a whole ("建立政策效果评价机制。
            # 按照…的原则"); a paragraph counts by its best sentence.
            pieces = [record.searchable] if record.kind in NUMBERED_KINDS else self.kb.sentences_of(record)
            weights[record.ref] = max((self._weight(s, words, added) for s in pieces), default=0)
        ranked = sorted(weights.items(), key=lambda pair: pair[1], reverse=True)
        if not ranked or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
            return None
        best = self.kb.by_ref[ranked[0][0]]
        if ranked[0][1] < MIN_SHARED_CHARACTERS and not (
                ranked[0][1] >= MIN_ALONE_CHARACTERS and self._rarely_said(best, words)):
            return None
        return best if best.kind in NUMBERED_KINDS else None

    def _rarely_said(self, record: Record, words: set[str]) -> bool:
        """Whether two of the question's words that `record` writes are each written by
        few records (at most RARE_IN_RECORDS): "要做哪些政策推广产品" → 推广, 产品 of item
        21, not 文件, 要求 that most work items write."""
        candidates = [r.searchable for r in self._saying_candidates()]
        rare = [w for w in words if w in record.searchable
                and sum(w in searchable for searchable in candidates) <= RARE_IN_RECORDS]
        return len(rare) >= 2

    def asking_part(self, text: str) -> str:
        """The last sentence of a message when the sentences before it only tell who the
        citizen is ("我在村委会负责宣传工作，准备给村民开个会。设置政策服务综合窗口这项任务由谁
        牵头？"): the one matched against the plans' sentences, so that the story's words
        (宣传) do not pick a sentence. The whole text when the last sentence names fewer than
        two words of its own."""
        parts = [p for p in re.split(r"(?<=[。！？!?])", text) if p.strip()]
        if len(parts) < 2 or any(re.search(r"[？?]", p) for p in parts[:-1]):
            return text
        return parts[-1] if len(self.content_words(parts[-1])) >= 2 else text

    def says(self, records: Iterable[Record], text: str) -> bool:
        """Whether one sentence of any of `records` says what the question says: at least two
        of its words (widened by `plan_words`), six characters or more together — more than
        one shared word ("细则……跟政策一块儿出" and item 23's 配套细则……同步制定、同时发布).
        The question's words are found once, however many records are looked through."""
        words, added = self.sentence_words(text)
        return any(self._weight(sentence, words, added) >= MIN_SHARED_CHARACTERS
                   for record in records for sentence in self.kb.sentences_of(record))

    def _without_plan_names(self, text: str) -> str:
        """The text without the words that name a plan as a document (answering.yml
        `document_keywords`: 政民互动方案, 工作要点): "政民互动方案说要坚持以民意什么…为导向" is
        matched by 民意 and 导向, not by 政民互动, which half the plan's sentences write."""
        return self._plan_names.sub("｜", text)

    def _about_something_else(self, text: str) -> bool:
        """Two nouns no plan writes, or one of three characters or more: 新生儿落户, 驾校."""
        foreign = self.foreign_nouns(text)
        return len(foreign) >= 2 or any(len(w) >= 3 for w in foreign)

    def _saying_candidates(self) -> Iterator[Record]:
        """The records whose sentences may say a question (`_SAYING`), without a plan's cover
        letter: it is asked about as the plan itself."""
        return (r for r in self.kb.records if r.kind in _SAYING and not _cover_letter(r))

    def sentence_words(self, text: str) -> tuple[set[str], set[str]]:
        """(content words of the widened text, the plans' own words added for everyday ones)."""
        added = set(self.plans_words_for(text))
        return self.content_words("｜".join([text, *added])), added

    @staticmethod
    def _weight(sentence: str, words: set[str], added: set[str]) -> int:
        """Characters of `words` a sentence holds (a plans' own word twice: "领导" → 负责同志
        counts double); 0 unless two words or one plans' own word are shared."""
        shared = {w for w in words if w in sentence}
        weight = sum(len(w) * (2 if w in added else 1) for w in shared)
        return weight if len(shared) >= 2 or shared & added else 0

    def foreign_nouns(self, text: str) -> set[str]:
        """Nouns of two characters or more that no plan writes and that are not an everyday
        word for one of the plans' own (answering.yml `plan_words`), nor a generic or a
        people word: 新生儿, 落户, 驾校."""
        return {w.word for w in posseg.lcut(text)
                if w.flag.startswith("n") and len(w.word) >= 2 and w.word not in self._ignored
                and not any(w.word in e for e in self._everyday) and not self.kb.uses_word(w.word)}

    def passage(self, text: str, words: set[str]) -> list[Record]:
        """A plain paragraph of a plan, when it shares a distinctive word and is close enough."""
        for hit in self.kb.index.search(text, top_k=3):
            record = self.kb.record_of_key(hit.document.key)
            if record is not None and record.kind == "text" and hit.score >= MIN_SIMILARITY * 1.6 \
                    and any(w in record.searchable for w in words):
                return [record]
        if ACTIVITIES_NAMED.search(text):
            # "我在活动上提的意见会有回话吗": a question about the activities, answered by the
            # sentence of the work requirements that holds its distinctive word (意见, 考核),
            # or of the participation rules ("流程会提前告诉我们吗": 公告内容…流程安排).
            # The plans' own words for everyday ones count first ("跟哪个部门报" → 报备).
            distinctive = {w for w in words if w not in self.cues.generic_words}
            # A longer everyday phrase is the surer sign (跟哪个部门报 → 报备 over 主办 → 主办单位).
            rest = self.without_names(text)
            strength = {word: max(len(s) for s in said if s in rest)
                        for word, said in self.config["plan_words"].items()
                        if any(s in rest for s in said)}
            # The rules only by such a word: their long lists share some word with anything
            # ("最近有什么活动可以参加" asks for sessions, not the rules' 参加人员).
            scored = (((sum(n for w, n in strength.items() if w in p), sum(w in p for w in distinctive)), r)
                      for r in self.kb.records if r.kind in ("text", "rules")
                      for p in self.kb.sentences_of(r))
            best = max(((key, r) for key, r in scored if r.kind == "text" or key[0]),
                       key=lambda pair: pair[0], default=((0, 0), None))
            if best[0][1] and best[1] is not None:
                return [best[1]]
        return []


def _cover_letter(record: Record) -> bool:
    """Whether `record` is a plan's cover letter (the 通知 part before its first heading):
    asked about as the plan itself (文号, date, issuer), never quoted as a fact's answer."""
    return record.kind == "text" and "通知" in getattr(record.row, "section", "")
