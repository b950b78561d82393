"""Decide how to answer a `Reading`: which records state the facet asked, or a refusal.

In: a Reading (kb.understanding) and the knowledge base's years. Out: a `Decision`.
The rule (issue 13, "answer what was asked"): a record is an answer only when it states
the facet the question asks — units, deadline, period, content, theme, the participation
rules, the document's header. Amounts, procedures, materials, eligibility, addresses,
phone numbers, links, exact dates and results are never in the plans (answering.yml
`not_in_plans`): those questions get a refusal naming the nearest record the plans do
hold. A question about a year the knowledge base has no plan for (今年 while the newest
plan is 2023's) is never answered with an older year's record as if it were that year.
A bare follow-up ("那第二个呢") carrying a detail the plans never give answers the record it
names, with a note that the detail is not there either (CARRIED_DETAIL).
What a plan's term means, or which members it has, is answered only when the record spells
it out (a list before 等, an explanation after it, its long form, a description in the next
clause); else refused naming that record ("七有五性是啥意思", "样板单位都有哪些").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from kb.cues import ASKS, QUOTED, Cues
from kb.knowledge import KnowledgeBase, Record, gives_period
from kb.question import Reading

# How the reply is shaped.
ONE, SEVERAL, LIST, COUNT, COMPARE, DATA_YEAR, REFUSE = (
    "one", "several", "list", "count", "compare", "data_year", "refuse")
# Why a question is refused (stored with unanswered questions for the office's review).
DETAIL_NOT_IN_PLANS, NO_MATCH, OTHER_YEAR, COMPLAINT, ABSENT_TOPIC, OTHER_DOCUMENT, OTHER_PLACE = (
    "detail_not_in_plans", "no_match", "other_year", "complaint", "absent_topic", "other_document",
    "other_place")
# Not a refusal: the record a bare follow-up names is answered, with a note that the detail
# asked before ("去哪儿讲" / "那第二个呢") is not in the plans for it either.
CARRIED_DETAIL = "carried_detail"
# Evidence that the question itself names its records: strong enough that a complaint word
# inside it does not make it one ("接诉即办的投诉信息谁公开" names work item 11).
NAMED_EVIDENCE = frozenset({"number", "quoted", "ordinal", "theme", "unit", "mention", "filter",
                            "sentence", "said"})


_ONLINE_OR_ON_SITE = re.compile(r"网上|线上|直播|线下|现场")
# When things happen in a year asked ("今年开放日啥时候开始"): only that year's plan can say.
_TIMES = frozenset({"when", "exact_date", "deadline"})


# "孩子才5岁 能带着进去不": going in or along, with no activity named, is still joining one
_GOING_IN = re.compile(r"进去|进场|进门|旁听|参观|跟着去|带着?[^，。？]{0,4}去")
_YEAR_OF = re.compile(r"(?:哪|哪一|几几)年的([\u4e00-\u9fff]{2,})")  # what the year asked is of
_WHICH_ONES = re.compile(r"哪(几)?家|哪些(企业|单位|公司|厂)")  # "具体会去哪几家企业": not in any entry
_FILLER_AT_END = re.compile(r"(?:具体|到底|究竟|都|是|说的|的|所)+$")
_ASIDE_AT_END = re.compile(r"[呢啊呀吗嘛啦？?。！!，,\s]+$")
# What stands right after a term that a record spells out: "（…）", "：…", "，即…", "包括…".
_SPELLED_AFTER = re.compile(r"^(?:[（(:：]|，?即|，?包括|，?主要包括|，?是指)")


def _term_at(record: Record, text: str, cues: Cues) -> tuple[str, int] | None:
    """The term a meaning question asks about as `record` writes it, with where it stands;
    None when the record does not write it. The term is the quoted one, else the words just
    before the asking phrase ("七有五性是啥意思"), or after it ("啥叫接诉即办")."""
    asked = cues.phrase("meaning", text) or ""
    before = _FILLER_AT_END.sub("", text[:text.find(asked)] if asked else text)
    if asked and not before:
        before = _ASIDE_AT_END.sub("", text[text.find(asked) + len(asked):])
    # Longest first; two characters only as the plan's own quoted term (“两区”), else "同步"
    # of "三个同步" would be found anywhere.
    terms = QUOTED.findall(text) or [before[-n:] for n in range(min(len(before), 12), 1, -1)]
    for term in terms:
        at = record.text.find(f"“{term}”" if len(term) == 2 else term)
        if at >= 0:
            return term, at + (1 if len(term) == 2 else 0)
    return None


def _spells_out(record: Record, text: str, cues: Cues) -> bool:
    """Whether `record` says what the term a meaning question asks about covers: a list
    ending in 等 right before the term ("……社会救助等基层重点领域"), an explanation right
    after it, or its long form (`_written_in_full`). A term the record does not write is the
    citizen's own name for what it says (True)."""
    if (found := _term_at(record, text, cues)) is None:
        return True  # the citizen's own word for it ("三个同步"): what the record says is the answer
    term, at = found
    after = record.text[at + len(term):]
    # "政府网站作为第一公开平台": the term defined by what stands before it
    return record.text[:at].endswith(("等", "作为")) or bool(_SPELLED_AFTER.match(after)) \
        or _written_in_full(term, record.text) or _restated(term, after)


def _restated(term: str, after: str) -> bool:
    """Whether the clause right after the one naming `term` says it again in other words,
    describing it: item 20's “一把手解读”活动，各单位主要负责人需带头解读政策. Not
    “七有”“五性”抓好民生保障, nor 以门前三包责任制落实作为…载体 (a mention, not a description)."""
    clauses = re.split(r"[，。；]", after.split("。")[0])
    # the term itself again, or quoted words ("促进“员额”教师" after “员额制”改革), describe nothing
    following = re.sub(r"“[^”]*”", "", clauses[1].replace(term, "")) if len(clauses) > 1 else ""
    return any(term[i:i + 2] in following for i in range(len(term) - 1))


def _asks_more(reading: Reading, cues: Cues) -> bool:
    """Whether a meaning question also asks, in another clause, something the plans do
    answer ("谁起草谁负责是啥意思 政策评价要搞几次"); "四区三基地具体是哪四区" asks one thing."""
    clauses = [c for c in re.split(r"[\s，,。？?！!；;]+", reading.text) if c]
    meaning = [c for c in clauses if cues.phrase("meaning", c)]
    # a comparison with what no record says ("跟在编的有啥区别") asks nothing more of them
    return any(cues.mode(c) not in (None, "compare") or cues.facet(c) not in (None, "meaning", *cues.not_in_plans)
               for c in clauses if c not in meaning)


def _also_asked_elsewhere(reading: Reading, cues: Cues) -> bool:
    """Whether the second facet of a reading is one the plans never give, asked in a clause
    that asks ("社保补缴咋办"), not told in the citizen's story ("我爸岁数大了")."""
    if reading.also is None or reading.also not in cues.not_in_plans:
        return False
    phrase = cues.phrase(reading.also, reading.text) or ""
    clauses = [c for c in re.split(r"[\s，,。；;！!]+", reading.text) if c]
    return any(phrase in c and ASKS.search(c) for c in clauses) if phrase else False


def _written_in_full(term: str, text: str) -> bool:
    """Whether `text` also writes the long form of an abbreviated term: its characters in
    order within one clause, spread out ("五经普" in lecture 1's “第五次全国经济普查”).
    Terms of three characters or more only; two would match by chance."""
    if len(term) < 3:
        return False
    spread = "[^，。；、“”]{0,6}".join(map(re.escape, term))
    return any(len(m.group()) > len(term) for m in re.finditer(spread, text))


@dataclass(frozen=True)
class Decision:
    shape: str
    records: tuple[Record, ...] = ()
    facet: str | None = None
    reason: str | None = None
    asked_years: tuple[int, ...] = ()


def _writes_the_term(record: Record, text: str, cues: Cues, facet: str) -> bool:
    """Whether the words that named a detail the plans never give are part of a term the
    record itself writes: "基层重点领域信息公开包括涉农补贴吗" asks whether item 13 covers
    涉农补贴, not how much a subsidy is."""
    phrase = (cues.phrase(facet, text) or "").rstrip("吗么嘛呢不？?")
    at = text.find(phrase) if phrase else -1
    if at < 0:
        return False
    spans = [text[max(0, at - n):at] + phrase for n in (2, 3, 4)] + [phrase + text[at + len(phrase):at + len(phrase) + 2]]
    return any(len(span) >= 4 and span in record.text for span in spans)


def decide(reading: Reading, kb: KnowledgeBase, cues: Cues) -> Decision:
    """The one decision for a reading; see the module docstring for the rules."""
    records, facet = reading.records, reading.facet
    joining = reading.names_activity or bool(_GOING_IN.search(reading.text))
    if facet == "condition" and not records and joining and (rules := kb.latest("rules")):
        records = (rules,)  # "俺72了…我能去开放日不": whom the rules invite is the nearest thing
    if reading.carried and records:
        asked = decide(replace(reading, carried=False), kb, cues)
        if asked.shape == REFUSE and asked.reason == DETAIL_NOT_IN_PLANS:
            held = decide(replace(reading, facet=None, carried=False), kb, cues)
            if held.shape != REFUSE:
                return replace(held, reason=CARRIED_DETAIL)
        return asked
    if reading.other_document:
        # "政府工作报告里说今年要办哪些实事": another document's contents are not ours to
        # give; the plans' record that mentions it is named (kb.other_documents).
        return Decision(REFUSE, records, facet, OTHER_DOCUMENT, reading.asked_years)
    if facet is not None and facet in cues.not_in_plans and records and reading.evidence in NAMED_EVIDENCE \
            and not any(f in cues.not_in_plans for f in reading.facets if f != facet) \
            and _writes_the_term(records[0], reading.text, cues, facet):
        return decide(replace(reading, facet="content"), kb, cues)

    def refuse(reason: str) -> Decision:
        # Only a record the question itself points at is named as the nearest thing the
        # plans say; a whole kind, a record found only by a shared word, or the rules
        # picked by the intent alone is not.
        # The participation rules are what the plans do say about joining an activity
        # ("开放日要交钱吗", "外地人能报名吗").
        # "两区是哪两区": the record that writes the term is named, however it was found.
        named = reading.evidence not in ("kind", "none", "retrieval") or (
            facet == "meaning" and records[:1] and _term_at(records[0], reading.text, cues) is not None) or (
            records[:1] and records[0].kind == "rules" and facet in cues.joining_facets
            and joining)
        # A plain paragraph is no "nearest thing" to name: only a record is.
        nearest = records[:1] if named and records[:1] and records[0].kind != "text" else ()
        return Decision(REFUSE, nearest, facet, reason, reading.asked_years)

    if reading.other_place:
        # "上海的政务开放日怎么报名": another place's arrangements are not in Daxing's plans;
        # a record the question names (without the place) is the nearest thing they say.
        return refuse(OTHER_PLACE)

    # "公示栏好几个月都不换": 几个月 is the complaint's own words, no second question (when)
    also_asked = reading.also is not None and (cues.phrase(reading.also, reading.text) or "") \
        not in (cues.phrase("complaint", reading.text) or "")
    if facet == "complaint" and (reading.evidence not in NAMED_EVIDENCE or not also_asked
                                 or reading.also in cues.not_in_plans or not ASKS.search(reading.text)
                                 or (reading.also in ("content", "unit") and cues.has("complaint_asks", reading.text))):
        # A personal problem ("被拖欠工资了怎么办") goes to 12345 even when it names a topic
        # the plans hold; "接诉即办的投诉信息谁公开" asks the plans something (its unit); a
        # statement asks nothing ("城管把我店门口的招牌拆了，事先没有任何通知！").
        return refuse(COMPLAINT)
    if reading.asked_years and not set(reading.asked_years) <= set(kb.years):
        asks = reading.facet or reading.mode or reading.evidence in NAMED_EVIDENCE
        if kb.years and min(reading.asked_years) > max(kb.years) and asks \
                and not cues.writes_year(reading.text) and reading.facet not in _TIMES \
                and (reading.facet == "document" or not _TIMES & set(reading.facets)) \
                and not cues.has("year_existence", reading.text):
            # "今年的工作要点是谁印发的" while the newest plan is 2023's: said plainly that no
            # plan of that year is held, then what the newest plan says, labelled with its
            # own year (kb.rendering) — never as this year's. A year written out ("2024年的
            # 方案文号", "2021年的方案哪天发的") asks for that year's plan: only refused.
            held = decide(replace(reading, asked_years=()), kb, cues)
            if held.shape != REFUSE:
                return replace(held, reason=OTHER_YEAR, asked_years=reading.asked_years)
        return refuse(OTHER_YEAR)
    if facet == "year_of_data" and records and reading.evidence in NAMED_EVIDENCE and (
            after := _YEAR_OF.search(reading.text)) and after.group(1)[:2] in records[0].text:
        facet = "content"  # "医保宣讲讲的是哪年的报销政策": its entry writes 2023年医保报销政策
    if facet == "year_of_data":
        documents = tuple(r for r in kb.records if r.kind == "document")
        return Decision(DATA_YEAR, documents, facet)
    if facet == "eligibility" and records and all(r.kind == "item" for r in records) \
            and "要求" in reading.text:
        facet = "content"  # "文件里对咨询电话有什么要求": what the work item requires
    if facet == "exact_date" and "deadline" in reading.facets and records \
            and all(r.kind == "item" for r in records):
        facet = "deadline"  # "限期到哪天": the month the item gives is all the plan says
    if facet in _TIMES and records and records[0].kind == "item" \
            and (event := cues.when_event(reading.text)) and event not in records[0].text:
        return refuse(DETAIL_NOT_IN_PLANS)  # "公园啥时候开园": the item schedules publishing, not that
    if facet is not None and facet in cues.not_in_plans and records \
            and reading.evidence in (*NAMED_EVIDENCE, "context") \
            and reading.also not in cues.not_in_plans and any(
            word in records[0].text
            for word in [cues.phrase(facet, reading.text), *cues.stated_by.get(facet, [])] if word):
        facet = "content"  # "开放点5是不是能免费帮办代办", "…收费吗" (also of the one just discussed): it says 免费
    if facet == "place" and records[:1] and records[0].kind == "site" and any(
            noun in records[0].text for noun in cues.found("place_nouns", reading.text)):
        facet = "address"  # "计量试验室在哪": where the place the entry names is, not which it is
    if facet == "place" and records[:1] and records[0].kind == "lecture" and cues.found("lecture_places", records[0].text) \
            and reading.also not in cues.not_in_plans and not _WHICH_ONES.search(reading.text):
        facet = "content"  # "五经普的宣讲去哪儿讲": its entry says 到企业实地宣传
    if facet == "meaning" and records and (_spells_out(records[0], reading.text, cues)
                                           or _asks_more(reading, cues)
                                           or reading.evidence in ("theme", "kind", "unit", "filter")):
        # "政策专属礼包都有哪些": the plan's own theme (kind, unit…) lists its records
        # "会讲啥 里面说的三公是啥意思": what else is asked is answered, the term with it
        facet = "content"  # "基层重点领域具体包括哪些": the list before 等 is what it means
    if facet in cues.not_in_plans:
        return refuse(DETAIL_NOT_IN_PLANS)
    if reading.absent:
        # "有没有讲公积金的讲座": none of them; the whole list is what the plans do hold.
        return Decision(REFUSE, records, facet, ABSENT_TOPIC, reading.asked_years)
    if not records:
        return refuse(NO_MATCH)
    if len(records) > 1 and reading.mode != "count" \
            and {r.ref for r in records} <= {r.ref for r in kb.siblings(records[0])}:
        records = records[:1]  # "兴丰街道的开放日看什么": one joint entry (开放点1、2、3、4)
    if facet == "place" and any(r.kind != "site" for r in records):
        return refuse(DETAIL_NOT_IN_PLANS)
    numbered = [r for r in records if r.kind in ("site", "lecture", "item")]
    if facet in cues.rule_facets and numbered and all(r.kind == "item" for r in numbered) \
            and not reading.names_activity:
        # The participation rules are the activities': a work item is nothing to sign up for
        # ("幼儿园入园报名啥时候开始"), and its form or platform is what it says ("政策解读都有
        # 啥形式", "公示栏上要公开些啥").
        if facet in ("how_to_join", "who_can_join") or _also_asked_elsewhere(reading, cues):
            return refuse(DETAIL_NOT_IN_PLANS)  # "社保补缴咋办 网上能弄不": how to pay it, not the item
        facet = "content"
    if facet == "form" and len(numbered) == 1 and numbered[0].kind in ("site", "lecture") \
            and not _ONLINE_OR_ON_SITE.search(reading.text):
        # "司法局的开放日采用什么形式": what that site's entry says (走进局机关); "那是在网上还是
        # 现场" is the rules' choice of online, on site or both (the entry named with them).
        facet = "content"
    if facet == "unit" and reading.also == "theme" and numbered and all(r.kind == "site" for r in numbered):
        facet = "theme"  # "属于哪个专题，由谁负责": the theme line names the 主责单位 too
    rules = kb.latest("rules")
    timed = facet == "when" and len(numbered) == 1 and numbered[0].kind == "site" and bool(
        getattr(numbered[0].row, "time", None) or not gives_period(rules))
    if facet in cues.rule_facets or (facet == "when" and numbered and not timed and all(
            r.kind in ("site", "lecture") for r in numbered)):
        # A site whose plan gives its own 时间 (2026's "时间：2026年6月下旬"), or gives no
        # period for all activities, is answered by the site itself (kb.rendering).
        if rules is not None:
            # The rules answer; the site or lecture asked about is named and cited with them.
            subjects = tuple(numbered[:1]) if len(numbered) == 1 else ()
            return Decision(ONE, (rules, *subjects), facet)
    if facet == "when" and records and all(r.kind == "item" for r in records):
        facet = "deadline"
    if facet == "theme" and records and all(r.kind in ("lecture", "item") for r in records):
        facet = "content"  # "人社普法宣讲的主题是什么": a lecture's theme is what it covers
    if facet in ("unit", "deadline", "when") and ("content" in reading.facets or (
            reading.evidence == "unit" and "unit" in reading.facets and not reading.yes_no)):
        # "第三条是啥 截止啥时候", "商务局负责哪项工作 啥时候完成": the whole record says both.
        facet = "content"
    if reading.mode == "compare" and len(records) >= 2:
        return Decision(COMPARE, records[:2], facet)
    # "同一个专题还有哪些" is answered as the list of the others, even when there is one.
    others = reading.listing == "same_theme"
    if len(records) == 1 and reading.mode in ("list", "count", None) and not others:
        return Decision(ONE, records, facet)
    if reading.mode == "count" or (reading.listing and (len(records) > 1 or others)):
        return Decision(COUNT, records, facet)
    if len(records) > 1:
        same_kind = len({r.kind for r in records}) == 1
        if reading.mode == "list" and same_kind or reading.evidence == "kind":
            return Decision(LIST, records, facet)
        return Decision(SEVERAL, records, facet)
    return Decision(ONE, records, facet)
