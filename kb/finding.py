"""Finding records by what a question names without a number: a term some records write,
themes by their words, a topic no record holds, the plans and their sections, and what
else a citizen asks to join. Used by kb.understanding; decides no facet.

In: normalised question text. Out: records (kb.knowledge.Record) or words; nothing raises.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from jieba import posseg

from core.numerals import ARABIC, CN_SMALL
from kb.cues import QUOTED, Cues
from kb.gazetteer import TOPIC, UNIT
from kb.knowledge import NUMBERED_KINDS, KnowledgeBase, Record
from kb.matching import ACTIVITIES_NAMED, MAX_RECORDS, WordMatcher
from kb.question import Question

KIND_WORDS = {
    # "区政务服务局自己也开放吗 开放的是啥地方": a unit's own open day.
    "site": re.compile(r"开放点|开放日|开放活动|(?:也|还|都)(?:对外)?开放(?:吗|不|么|嘛)|开放的是(?:啥|什么|哪)"),
    "lecture": re.compile(rf"宣讲|讲座|公开讲|第[{CN_SMALL}几{ARABIC}]{{1,3}}讲|(?:最后|头|末)一讲"),
    "item": re.compile(r"工作要点|要点|任务|第.{1,3}项|信息公开|公开信息|信息发布|发布信息"),
}


def kind_just_before(text: str, phrase: str | None) -> bool:
    """Whether a kind word (开放日, 宣讲, 要点) stands right before `phrase` in `text`:
    "政务开放日到底是啥意思" asks about the open days themselves, "要点里说的两区是指哪两个区"
    about a term of one record."""
    head = text[:text.find(phrase)] if phrase and phrase in text else ""
    return any(pattern.search(head[-6:]) for pattern in KIND_WORDS.values())


def names_theme(theme: str, text: str) -> bool:
    """'营商环境专题' names the theme 优化营商环境, '便民惠民那个专题' 便民惠民服务, '政策礼包'
    政策专属礼包: the name, four characters of it in a row, or its first and last two."""
    if theme in text or (len(theme) >= 6 and (theme[:2] + theme[-2:]) in text):
        return True
    return len(theme) >= 5 and any(theme[i:i + 4] in text for i in range(len(theme) - 3))


def clause_of(text: str, topics: set[str]) -> str:
    """The clause (between commas or stops) of `text` that writes the last of `topics`;
    the whole text when none is written as such."""
    clauses = [c for c in re.split(r"[，,。；;！!？?\s]+", text) if c]
    return next((c for c in reversed(clauses) if any(t in c for t in topics)), text)


_PLAN_NAMED = re.compile(r"政务公开(?:工作)?要点|政民互动(?:工作)?(?:总体)?方案")
_DOCUMENT_NAMED = re.compile(r"方案|要点|文件|通知")
_THEMES_NAMED = re.compile(r"专题|主题|类别")
_PEOPLE_NAMED = re.compile(r"人员|部分人|人群|代表|群众|市民|参加|参与")
_PARTS_NAMED = re.compile(r"部分|大块|几块|标题|框架|目录|章节|方面|(工作要求|总体要求)[^，。？]{0,3}(有|包括|分|一共)(哪|几)")
SELF_DESCRIPTION = re.compile(r"(?:我|俺|咱)们?(?:是|家)[^，。？！,?!]*?(?=能|可以|想|要|怎么|咋|[，。？！,?!]|$)")
# What a citizen asks to join: "驾校怎么报名", "想参加驾校培训".
JOIN_OBJECT = re.compile(r"([^，。？！,?!\s]{2,8}?)(?:怎么|咋|如何|要|能)?(?:报名|参加|参与)|"
                         r"(?:参加|报名|参与)([^，。？！,?!\s]{2,8})")
# "有没有讲公积金的讲座", "有交通委的开放日吗": a kind of record about a topic, asked for.
ABSENT_TOPIC = re.compile(r"(?:讲|关于|有关|针对)?([\u4e00-\u9fff]{2,8}?)(?:方面|相关)?的(?:政策)?"
                          r"(?:宣讲|讲座|开放日|开放点|公开讲|开放活动)")
ASKING_WORDS = re.compile(r"有没有|有无|没有|请问|讲|关于|有关|针对|专门|是不是|有")
# "哪几个开放点写到了驿站": the word after "写到" is the term asked, quoted or not.
MENTIONED = re.compile(r"(?:提到|写到|说到|讲到|涉及|提及|含有|包含)(?:了|过)?([^，。？！,?!\s“”\"]{2,12})")
# "市场监管部门": a field, then 部门 (or 系统, 口) for its bureau.
_FIELD_DEPARTMENT = re.compile(r"([\u4e00-\u9fff]{2,4}?)(?:部门|系统|口(?=[的在和与里]))")
_NUMBER_NOISE = r"[〔〕\[\]（）()【】\s年第]"
_NUMBER_GAP = r"\s*[〔〕\[\]（）()【】年第]*\s*"
# "工作要点里持续开展政策公开讲、政务开放日那一条": the words before "那一条" copied from
# one record (plan names and 里/中 before them left out).
_DESCRIBED_ONE = re.compile(r"(?:(?:工作)?要点|方案|文件)?(?:里|中|上|里面|里头)?(?:的)?"
                            r"([^，。？！,?!\s]{6,40}?)(?:的)?(?:那|这)一?(?:条|项)(?!目)")
_UNQUOTED = re.compile(r"[“”\"‘’、，。；：（）()\s]")
MIN_QUOTED = 6  # characters copied from one record's text, more than from any other
YES_NO_EXISTS = re.compile(r"有没有|有无|有.{0,14}[吗么嘛不]|没有.{0,10}[吗么]")


class Finder:
    """Lookups over one knowledge base; built once per snapshot with kb.understanding."""

    def __init__(self, kb: KnowledgeBase, cues: Cues, config: Mapping[str, Any], words: WordMatcher) -> None:
        self.kb = kb
        self.cues = cues
        self.config = config
        self.words = words
        self.kind_topics: dict[str, str] = config["kind_topics"]
        # Each plan's 文号 as citizens can type it (no 〔〕, a 年 or spaces between), with its title.
        self._plan_numbers = [
            (re.compile(_NUMBER_GAP.join(re.escape(c) for c in re.sub(_NUMBER_NOISE, "", r.document.number))),
             r.document.title)
            for r in kb.records if r.kind == "document"
        ]

    def record_quoted(self, text: str) -> tuple[Record, str] | None:
        """The numbered record a question names by copying its words before "那条/这项"
        ("工作要点里持续开展政策公开讲、政务开放日那一条" → item 21, which writes 持续开展
        “政策公开讲”“政务开放日”): the one sharing the longest run of characters with the
        description, MIN_QUOTED or more, longer than any other record's; None otherwise.
        Quotation marks, enumeration commas and spaces are ignored on both sides. Out: the
        record and the description as the question writes it."""
        match = _DESCRIBED_ONE.search(text)
        if not match:
            return None
        described = _UNQUOTED.sub("", match.group(1))
        runs: list[tuple[int, Record]] = []
        for record in self.kb.entries(self.kb.numbered()):
            written = _UNQUOTED.sub("", record.text)
            runs.append((difflib.SequenceMatcher(None, described, written, autojunk=False)
                         .find_longest_match(0, len(described), 0, len(written)).size, record))
        runs.sort(key=lambda run: run[0], reverse=True)
        if not runs or runs[0][0] < MIN_QUOTED or (len(runs) > 1 and runs[1][0] >= runs[0][0]):
            return None
        return runs[0][1], match.group(1)

    def foreign_words(self, text: str) -> set[str]:
        """Nouns of what a question asks to join ("驾校怎么报名", "孩子上小学怎么报名"): any
        thing named there other than our activities, leaving out who the citizen is ("我是
        企业员工") and who may take part."""
        people = set(self.config["people_words"]) | self.cues.generic_words
        rules = self.kb.latest("rules")
        # 人大代表, 政协委员, 媒体记者, 公告: the participation rules' own words
        invited = str(rules.row) + rules.source_text if rules else ""
        text = SELF_DESCRIPTION.sub("", text)
        objects = "｜".join(m.group(1) or m.group(2) for m in JOIN_OBJECT.finditer(text))
        found = {w.word for w in posseg.lcut(objects)
                 if w.flag.startswith("n") and len(w.word) >= 2 and w.word not in people
                 and w.word not in invited}
        if not ACTIVITIES_NAMED.search(text):
            # "小规模纳税人增值税咋申包", "想考个电工证": a name of three characters or more
            # that no plan uses is something else the citizen deals with.
            found |= {w for w in self.words.foreign_nouns(text) if len(w) >= 3}
        return found

    def records_saying_a_term(self, text: str, named_kinds: Sequence[str]) -> tuple[str, list[Record]] | None:
        """(terms, records) for a list asked by a term some records of one kind write: a
        quoted term, a figure ("100%"), or a word of three characters or more, written by
        at least two records (one, for a quoted term) of the kind named (or of one kind) and not by all of them."""
        quoted = QUOTED.findall(text)
        if not quoted and (said := MENTIONED.search(text)):
            quoted = [w for w in self.words.content_words(said.group(1)) if len(w) >= 2][:1]
        figures = re.findall(r"[0-9]+(?:\.[0-9]+)?%", text)
        # "哪几条提到了“政务开放日”": the kind asked is the one named outside the quotes.
        # "政务公开要点一共多少条": the plan's own name (政务公开…要点) filters nothing.
        unquoted = _PLAN_NAMED.sub("", QUOTED.sub("", text))
        kind_words = "".join([*(p.pattern for p in KIND_WORDS.values()), *self.kind_topics])
        words = [w for w in self.words.content_words(unquoted) if len(w) >= 3 and w not in kind_words]
        kinds = [k for k, pattern in KIND_WORDS.items() if pattern.search(unquoted)] \
            if quoted else list(named_kinds)
        found: dict[str, list[str]] = {}
        for kind in kinds or NUMBERED_KINDS:
            pool = self.kb.of_kind(kind)
            for term in dict.fromkeys([*quoted, *figures, *words]):
                # A term the citizen quotes may be written by one record only: that one is
                # the answer ("哪几个开放点写到了“驿站”"); an unquoted word needs two.
                least = 1 if term in quoted else 2
                if least <= len([r for r in pool if term in r.text]) < len(pool):
                    found.setdefault(kind, []).append(term)
        if len(found) != 1:
            return None
        kind, terms = next(iter(found.items()))
        records = [r for r in self.kb.of_kind(kind) if any(t in r.text for t in terms)]
        return "”“".join(terms), records

    @staticmethod
    def asks_for_parts(text: str, facet: str | None, facets: Sequence[str], names_something: bool) -> bool:
        """Whether a plan's outline is asked: "分几个部分", "要点那个文件分了几大块 每块讲的啥"
        (the parts, then what each holds) — not "开放日分了几个专题" or "医保宣讲包括哪几块内容",
        the parts of a kind or of a record (`names_something`: a kind, unit or topic named)."""
        if "structure" not in facets or _PEOPLE_NAMED.search(text) or not _PARTS_NAMED.search(text):
            # "方案里活动形式分为哪几种", "参加人员包括哪几部分": forms or people, no outline.
            return False
        if _DOCUMENT_NAMED.search(text):
            return facet == "structure" or not names_something
        return facet == "structure" and not (names_something or _THEMES_NAMED.search(text))

    def outlined_plans(self, text: str, kinds: Sequence[str], named_plan: bool,
                       recent: Sequence[Record]) -> list[Record]:
        """The plans meant (`plans_meant`) whose outline is known, the one that has the part
        the question names first ("“优化政策公开服务流程”这一部分有哪几个小标题")."""
        documents = [d for d in self.plans_meant(text, kinds, named_plan, recent)
                     if self.kb.outline(d.document)]
        return sorted(documents, key=lambda d: not any(
            heading.split("、", 1)[-1][:6] in text for heading, _ in self.kb.outline(d.document)))

    def units_by_field(self, text: str) -> set[str]:
        """Units named by their field and 部门 ("市场监管部门", "司法部门", "民政部门"): the
        bureau or commission of that field the gazetteer knows (市场监管局, 司法局)."""
        found: set[str] = set()
        for match in _FIELD_DEPARTMENT.finditer(text):
            for suffix in ("局", "委"):
                name = match.group(1) + suffix
                found |= {m.id for m in self.kb.gazetteer.mentions(name)
                          if m.label == UNIT and m.start_char == 0 and m.end_char == len(name)}
        return found

    def themes_by_word(self, text: str) -> list[str]:
        """Themes one of whose own words (民生, 便民, 营商, 礼包) the text holds, when no other
        theme has that word and it is not a word every plan uses (服务, 政策)."""
        words = {name: {name[i:i + 2] for i in range(len(name) - 1)} - self.cues.generic_words
                 for name in self.kb.themes() if name}
        found = []
        for name, own in words.items():
            others = set().union(*(w for n, w in words.items() if n != name))
            if any(w in text and w not in others for w in own - others):
                found.append(name)
        return found

    def absent_topic(self, text: str) -> str | None:
        """'公积金' in "有没有讲公积金的讲座" when no record of the plans says a word of it."""
        match = ABSENT_TOPIC.search(text)
        if not match or not YES_NO_EXISTS.search(text):
            return None
        topic = ASKING_WORDS.split(match.group(1))[-1]
        if len(topic) < 2 or topic in self.cues.generic_words:
            return None
        if self.kb.gazetteer.mentions(topic) or self.cues.colloquial(topic):
            return None
        known = any(topic in r.text or any(topic in u for u in r.units) for r in self.kb.records)
        return None if known else topic

    def sections(self, text: str, documents: Sequence[Record]) -> list[Record]:
        """The text records of `documents` whose section the question asks for (answering.yml
        `sections`: 目的 → 工作目标)."""
        wanted = [section for word, section in self.config["sections"].items() if word in text]
        of_documents = {d.document.number for d in documents}
        return [r for r in self.kb.records if r.kind == "text"
                and r.document.number in of_documents
                and any(w in getattr(r.row, "section", "") for w in wanted)]

    def plans_meant(self, text: str, kinds: Sequence[str], named_plan: bool,
                    recent: Sequence[Record]) -> list[Record]:
        """The document records a question about a plan itself means: the plan it names,
        else ("这个文件") the plan of the record discussed last, else by the kinds asked."""
        documents = self.documents(text, kinds) if named_plan else []
        if not documents and recent:
            documents = [r for r in self.kb.records
                         if r.kind == "document" and r.document is recent[0].document]
        return documents or self.documents(text, kinds)

    def with_plan_named(self, text: str) -> str:
        """`text` with a plan's 文号 written as citizens can type it ("京兴政务公开发２０２３１号",
        "京兴政务公开办发2023年2号": no 〔〕) replaced by the plan's title, so that the rest of
        the reading sees the plan named; `text` itself when it writes no number of ours."""
        for pattern, title in self._plan_numbers:
            if match := pattern.search(text):
                return text[:match.start()] + f"《{title}》" + text[match.end():]
        return text

    def documents(self, text: str, kinds: Sequence[str]) -> list[Record]:
        named = {kind for kind, words in self.config["document_keywords"].items()
                 if any(word in text for word in words)}
        if not named:
            by_record_kind = {"site": "interaction_plan", "lecture": "interaction_plan",
                              "item": "work_points"}
            named = {by_record_kind[k] for k in kinds if k in by_record_kind}
        documents = [r for r in self.kb.records if r.kind == "document"]
        return [r for r in documents if not named or r.document.kind in named]

    def overview(self, kinds: Sequence[str], topics: set[str]) -> list[Record]:
        if not topics:
            return self.kb.of_kind(kinds[0]) if len(kinds) == 1 else []
        matching = [r for kind in kinds for r in self.kb.of_kind(kind) if topics & set(r.topic_ids)]
        matching.sort(key=lambda r: len(topics & set(r.topic_ids)), reverse=True)
        return matching[:MAX_RECORDS]

    def kind_level(self, question: Question, kinds: Sequence[str], facet: str | None,
                   mode: str | None) -> list[Record]:
        """No record named: the rules, a document, or a whole kind, when that is what is asked
        (`facet` and `mode` as read from the question)."""
        if facet in self.cues.rule_facets or (
            question.intent == "ask_participation" and facet not in ("document", "year_of_data")
        ) or (facet == "when" and (not kinds or set(kinds) & {"site", "lecture"})):
            rules = self.kb.latest("rules")
            # "驾校怎么报名", "孩子上小学怎么报名" ask to join something else, "区医院挂号怎么
            # 在网上挂" asks about something else online: not our rules.
            elsewhere = self.foreign_words(question.text) or (
                question.intent == "out_of_scope" and self.words.foreign_nouns(question.text))
            if ACTIVITIES_NAMED.search(question.text) or not elsewhere:
                return [rules] if rules else []
            return []
        if facet in ("document", "year_of_data"):
            return self.documents(question.text, kinds)
        named = [k for k in kinds if KIND_WORDS[k].search(question.text)]
        if len(named) > 1 and mode in ("list", "count"):  # "开放日和公开讲分别有几个"
            return [r for k in named for r in self.kb.of_kind(k)]
        kind_word = KIND_WORDS[kinds[0]].search(question.text) if len(kinds) == 1 else None
        names_kind = kind_word or set(self.config["kind_topics"]) & set(
            self.kb.gazetteer.ids(question.text, TOPIC))
        if len(kinds) == 1 and names_kind and (mode in ("list", "count") or facet == "content"):
            return self.kb.of_kind(kinds[0])
        if len(kinds) == 1 and names_kind and facet is None \
                and not self.words.content_words(KIND_WORDS[kinds[0]].sub("", question.text)):
            # "政务开放日" alone: what there is. "开放日那天管午饭吗" asks what no list says.
            return self.kb.of_kind(kinds[0])
        return []

    def section_saying(self, text: str, topics: set[str]) -> list[Record]:
        """The first part (工作目标, 基本原则…) the question names that writes one of
        `topics` (as any of its names); [] when none does."""
        documents = [r for r in self.kb.records if r.kind == "document"]
        forms = {f for t in topics if (term := self.kb.gazetteer.term(TOPIC, t)) for f in term.surface_forms}
        return [r for r in self.sections(text, documents) if any(f in r.text for f in forms)][:1]
