"""Understand a question: which records it means and what it asks of them (its facet).

In: a `Question` (normalised text, NLU intent and entities, the conversation's `Context`).
Out: a `Reading` — records meant, facet, mode (compare/count/list), years asked, filters,
and the evidence that ties the question to those records. Nothing here decides whether the
plans answer it (kb.deciding) or words a reply (kb.rendering).

A record is only meant when the question itself points at it: an explicit number, a
position in the list shown last, a unit or topic it names (or describes in citizens'
words), or passage similarity backed by a shared distinctive word. The NLU intent only
chooses among kinds; it is never evidence on its own.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from collections.abc import Mapping, Sequence
from typing import Any

from kb.cues import NUMERAL, Cues
from kb.finding import KIND_WORDS, Finder, clause_of, kind_just_before, names_theme
from kb.follow_ups import YES_NO, FollowUps
from kb.gazetteer import TOPIC, UNIT
from kb.knowledge import NUMBERED_KINDS, KnowledgeBase, Record
from kb.matching import ACTIVITIES_NAMED, WordMatcher
from kb.other_documents import OtherDocuments
from kb.other_places import OtherPlaces
from kb.question import Question, Reading
from kb.record_numbers import RecordNumbers

# "这个单位还有别的活动吗": the other records of the unit just discussed.
_OTHER_OF_UNIT = re.compile(r"(单位|部门|局|镇|街道|它|他们|这家|那家).{0,6}(还有|还搞|还办|还讲|还负责|别的|其他|其它)")
# "那里头第二个", "其中第三个": a position in the list just shown
_WITHIN = re.compile(r"里头|里面|其中|当中|这些里|那些里")
SECTION_WORDS = ("原则", "目标", "目的", "宗旨", "要求")
ONE_ITEM = re.compile(r"(那|这)一?(条|项)(?!目|工作要点|要点|方案|文件|计划)")
NTH_THEME = re.compile(rf"((?:倒数)?第\s*{NUMERAL}\s*个?|最后[一那]?个)\s*专题")
# "那药品呢", "养老保险呢": the same question as before, about something else.
SAME_QUESTION = re.compile(r"(?:那|那么|还有)?[^，。？?呢]{1,8}呢[？?。]?")
CARRIED_FACETS = frozenset({"unit", "deadline", "when", "content", "theme"})
ACTIVITY_WORDS = re.compile(r"开放日|开放点|开放活动|宣讲|讲座|公开讲|活动|参加|参与|报名")
# The open days' 专题, not a work item's 专题性政策评价 or 专题栏目.
_OPEN_DAY_THEME = re.compile(r"专题(?!性|栏目|座谈|培训|会|研究|评价)")
# Facets a sentence of the plans' own paragraphs may answer before any template does.
SENTENCE_FACETS = frozenset({None, "content", "unit", "eligibility", "who_can_join", "procedure", "offering"})


class Understanding:
    """Reads questions against one knowledge base; built once per snapshot."""

    def __init__(self, kb: KnowledgeBase, cues: Cues, config: Mapping[str, Any]) -> None:
        self.kb = kb
        self.cues = cues
        self.config = config
        self.kind_topics: dict[str, str] = config["kind_topics"]
        self.words = WordMatcher(kb, cues, config)
        self.find = Finder(kb, cues, config, self.words)
        self.numbers = RecordNumbers(kb, cues).of  # (question, kinds) → [(kind, number)]
        self.other_documents = OtherDocuments(kb, config["other_documents"])
        self.other_places = OtherPlaces(config["other_places"])
        self.follow_ups = FollowUps(kb, cues, self.words, self.find)

    # --- pieces of a question ---------------------------------------------------------

    def mentions(self, question: Question) -> tuple[set[str], set[str]]:
        """(unit ids, topic ids) the question names, described topics included."""
        own = self.kb.gazetteer.mentions(question.text)
        extra = self._entities_in_text(question, own)
        text = " ".join([question.text, *extra])
        mentions = self.kb.gazetteer.mentions(text) if extra else own
        units = {m.id for m in mentions if m.label == UNIT} | self.find.units_by_field(question.text)
        topics = {m.id for m in mentions if m.label == TOPIC}
        # Described topics are looked for outside the names found ("统计局" is no 统计 question).
        described = self.cues.colloquial(self.words.without_names(text, mentions))
        if described and (alone := self.words.alone_writer(question.text)) is not None \
                and not described & set(alone.topic_ids):
            # "俺在工地干活…听说有个街道搞一对一帮着代办": the plan's own words (一对一, 代办,
            # site 5) outweigh an everyday word of the story (工地 → 回迁房).
            described = set()
        return units, topics | described

    def _entities_in_text(self, question: Question, own: Sequence[Any]) -> list[str]:
        """The NLU's unit and topic values, except those the text does not name when it names
        others itself: a value DIET guessed from a story ("我妈腿不好…老楼加装电梯" → 人保局)
        names nothing, while one read through a typo the gazetteer missed still counts."""
        if not own:  # `own`: the gazetteer's mentions in the text
            return [str(v) for vs in question.entities.values() for v in vs]
        kept = []
        for entity, values in question.entities.items():
            label = {"unit": UNIT, "topic": TOPIC}.get(entity)
            for value in values:
                term = self.kb.gazetteer.term(label, str(value)) if label else None
                forms = term.surface_forms if term else (str(value),)
                if any(form in question.text for form in forms):
                    kept.append(str(value))
        return kept

    def kinds_of(self, question: Question, topics: set[str]) -> tuple[str, ...]:
        from_words = [k for k, pattern in KIND_WORDS.items() if pattern.search(question.text)]
        if not from_words and re.search(r"活动(?:有|都|一共|共|分别|是哪)", question.text) \
                and self.cues.mode(question.text) in ("list", "count"):
            from_words = ["site", "lecture"]  # "跟政府采购有关的活动有几个": open days and lectures
        from_topics = [self.kind_topics[t] for t in topics if t in self.kind_topics]
        from_intent = self.config["intent_kinds"].get(question.intent or "", [])
        return tuple(dict.fromkeys(from_words or from_topics or from_intent))

    # --- the reading -----------------------------------------------------------------

    def read(self, question: Question, today: dt.date) -> Reading:
        if (plan_named := self.find.with_plan_named(question.text)) != question.text:
            question = replace(question, text=plan_named)  # "京兴政务公开发2023 1号": that plan by name
        text = question.text
        if (place := self.other_places.asked(text)) and not self.other_documents.asked(text):
            # "通州有没有医保宣讲": what Daxing's plans say of it is the nearest thing, read
            # once, from the question without the place (kb.other_places). Another
            # district's document ("海淀区的开放日方案") is another document, below.
            of_daxing = self.read(replace(question, text=self.other_places.without(text)), today)
            return replace(of_daxing, other_place=place)
        cues = self.cues
        context = question.conversation
        units, topics = self.mentions(question)
        excluded: set[str] = set()
        if phrase := cues.excluded_phrase(text):
            excluded = set(self.kb.gazetteer.ids(phrase, UNIT))
            units -= excluded
        # Topics naming a whole kind or a whole plan (政务开放日, 政民互动) point at no record.
        specific = topics - set(self.kind_topics) - set(self.config["plan_topics"])
        named_kinds = [k for k, pattern in KIND_WORDS.items() if pattern.search(text)]
        # Facets are read without the units' names: 国动办的开放日 is no "办的" (who runs it).
        asked_of = self.words.without_names(
            text, [m for m in self.kb.gazetteer.mentions(text) if m.label == UNIT])
        facet = cues.facet(asked_of)
        # Only the open-day sites have themes: "养老那个属于什么类别".
        asked_kinds = (named_kinds or ["site"]) if facet == "theme" else named_kinds
        if asked_kinds and specific:
            # "我是外地来打工的……开放日都有哪些地方": 打工 (就业) is the citizen's story when
            # no open-day site is about it; the question is about the kind it names.
            fitting = {t for t in specific
                       if any(t in r.topic_ids for k in asked_kinds for r in self.kb.of_kind(k))}
            if not fitting and not any(p.search(clause_of(text, specific)) for p in KIND_WORDS.values()):
                # "我妈老被人拉去听讲座…，区里防非法集资的宣传是谁在管": the kind is the
                # story's; the clause that names the topic names no kind.
                named_kinds = asked_kinds = []
            else:
                topics -= specific - fitting
                specific = fitting
        kinds = self.kinds_of(question, topics)
        if facet == "procedure" and "预约" in text and ACTIVITY_WORDS.search(text) \
                and not (units or specific):
            facet = "how_to_join"  # "开放日要预约吗": signing up, as the rules say
        if facet == "meaning" and not (units or specific) and kind_just_before(text, cues.phrase(facet, text)):
            facet = "content"  # "政务开放日是啥意思": what the plans say the open days are
        if facet == "eligibility" and ACTIVITY_WORDS.search(text):
            # "参加开放日有什么条件": for the open days and lectures the plan does say who may
            # take part; eligibility for a benefit is what the plans never give.
            facet = "who_can_join"
        # A plan named by its words (工作要点, 方案), or only as "文件".
        named_plan = any(w in text for words in self.config["document_keywords"].values()
                         for w in words)
        names_document = named_plan or "文件" in text
        if names_document and not (units or specific) and not ACTIVITY_WORDS.search(text) and (
                facet == "exact_date" or (facet in cues.rule_facets and "document" in cues.facets(asked_of))):
            # "那政民互动方案呢 哪天": the day the plan was issued; "这个要点是发给谁的 是给
            # 我们老百姓看的吗": whom the plan is for, not who may join an activity.
            facet = "document"
        if facet == "document" and (((units or specific) and not names_document) or ONE_ITEM.search(text)):
            # "老旧小区改造信息谁发布": who publishes that, not who issued the plan; "政策文件公开
            # 属性认定那一条": one work item.
            facet = cues.facet(asked_of, skip={"document"})
        also = next((f for f in cues.facets(asked_of) if f != facet), None)
        base: dict[str, Any] = dict(text=text, facet=facet, also=also, mode=cues.mode(text), kinds=kinds,
                    facets=tuple(cues.facets(asked_of)), units=tuple(sorted(units)), yes_no=bool(YES_NO.search(text)),
                    names_activity=bool(ACTIVITIES_NAMED.search(text)),
                    asked_years=cues.asked_years(text, today), excluded_units=tuple(sorted(excluded)))

        if base["facet"] is None and named_plan and context.facet == "document" \
                and not (units or specific):
            base["facet"] = facet = "document"  # "那另一个文件呢 政民互动那个"
        elif facet == "document" and context.facet == "notice" and not named_plan and "通知" in text:
            base["facet"] = facet = "notice"  # "通知里都写啥" after "直播前多久发通知"
        if facet == "place" and context.facet in ("materials", "notice") and not (units or specific):
            base["facet"] = facet = context.facet  # "公开在哪" after "材料多久公开": where, as the rules say
        if base["facet"] is None and base["mode"] is None and SAME_QUESTION.fullmatch(text) \
                and (context.facet in CARRIED_FACETS or (base["asked_years"] and context.facet)):
            # "那2023年呢" after "2026年线下活动多少人参加": the same facet, another year.
            base["facet"] = context.facet  # "那药品呢" after "食品安全信息谁公开": who, again

        asked = self.words.asking_part(text)

        def reading(records: Sequence[Record], evidence: str, **extra: Any) -> Reading:
            values = {**base, **extra}
            if values["facet"] == "offering" and records and self.follow_ups.writes(records[0], text):
                values["facet"] = "content"  # "去了能看模拟庭审不": the site's entry says so
            elif values["facet"] in (None, "content") and len(records) == 1 and records[0].kind in NUMBERED_KINDS \
                    and (thing := cues.covered_thing(text)) and not self.follow_ups.writes(records[0], thing):
                values["facet"] = "unwritten"  # "讲不讲长期护理险": the lecture lists no such thing
            return Reading(records=tuple(records), evidence=evidence, **values)

        if not text:  # a topic button (/ask_open_day): what the plans hold for it
            return reading(self.find.overview(kinds, set(self.config["intent_topics"].get(
                question.intent or "", [])) - set(self.kind_topics)), "kind", mode="list")

        if other := self.other_documents.asked(text):  # "政府工作报告里说了啥": not ours to say
            return reading(other[1], "none", other_document=other[0])
        if quoted := self.find.record_quoted(text):
            # "持续开展政策公开讲、政务开放日那一条": that record; asked is what is left
            base["facet"] = cues.facet(asked_of.replace(quoted[1], "｜"))
            return reading([quoted[0]], "quoted")
        if match := NTH_THEME.search(text):
            all_themes = list(self.kb.themes().items())
            # "第三个专题有哪些开放点", "倒数第二个专题", "最后一个专题".
            at = cues.position_in(match.group(1), len(all_themes))
            if at is not None:
                return reading(all_themes[at][1], "theme", mode=base["mode"] or "list",
                               listing="theme")
        recent = [r for ref in context.recent if (r := self.kb.by_ref.get(ref))]
        discussed = recent or [r for ref in context.listed[:1] if (r := self.kb.by_ref.get(ref))]  # "分几大部分" after a list
        if (step := cues.step(text, within=12)) and recent and recent[0].kind in NUMBERED_KINDS \
                and not (units or specific) and (neighbour := self.follow_ups.neighbour(text, recent, step)):
            # "它前面一个点是谁", "后面一个呢": the neighbour of the record just discussed.
            if not facet:
                base["facet"] = context.facet if context.facet not in (None, "list") else None
                base["carried"] = base["facet"] is not None
            return reading([neighbour], "ordinal")
        if recent and len(named_kinds) == 1 and named_kinds[0] != recent[0].kind \
                and not (units or specific) and SAME_QUESTION.fullmatch(text):
            # "宣讲呢" after 政府采购's open day: the one lecture on the same topic.
            own = set(recent[0].topic_ids) - set(self.kind_topics)
            same = [r for r in self.kb.of_kind(named_kinds[0]) if own & set(r.topic_ids)]
            if len(same) == 1:
                base["facet"] = base["facet"] or (context.facet if context.facet in CARRIED_FACETS else None)
                return reading(same, "context")
        parts_asked = self.find.asks_for_parts(text, facet, base["facets"],
                                               bool(named_kinds or units or specific))
        if parts_asked != (facet == "structure"):
            base["facet"] = facet = "structure" if parts_asked else cues.facet(asked_of, skip={"structure"})
        if facet == "structure":
            # "要点分成哪几大部分", "第四部分标题是什么": the plan's own headings.
            if documents := self.find.outlined_plans(text, kinds, named_plan, discussed):
                return reading(documents[:1], "document")
            base["facet"] = facet = cues.facet(asked_of, skip={"structure"})
        named_themes = [name for name in self.kb.themes() if name and names_theme(name, text)]
        if len(named_themes) == 1:
            sites = self.kb.themes()[named_themes[0]]
            if (position := cues.position_in(text, len(sites))) is not None:
                # "政策专属礼包专题第一个点是谁负责": a position in that theme (before any
                # number: 第一 is no 开放点1 here).
                if facet == "theme":
                    base["facet"] = cues.facet(asked_of, skip={"theme"})
                return reading([sites[position]], "ordinal")
        shown = [r for ref in context.listed if (r := self.kb.by_ref.get(ref))]
        if cues.has("same_theme", text) and recent and recent[0].kind == "site":
            shown = self.kb.entries(self.kb.same_theme(recent[0]))
        elif not (shown and _WITHIN.search(text)):
            shown = []  # "那里头第二个开放点呢": a position in the list just shown, no number
        if shown and (position := cues.position_in(text, len(shown))) is not None:
            # "同专题的第三个呢": a position among the entries of that site's theme.
            if facet == "theme":
                base["facet"] = cues.facet(asked_of, skip={"theme"})
            return reading([shown[position]], "ordinal")
        if numbered := self.numbers(question, kinds):
            records = [r for kind, n in numbered if (r := self.kb.latest(kind, n))]
            if not facet and not base["mode"] and cues.bare_number(text) is not None:
                base["facet"] = context.facet  # "16呢": the same question about 16
                base["carried"] = context.facet is not None
            return reading(records, "number")

        listed = [r for ref in context.listed if (r := self.kb.by_ref.get(ref))]
        if not listed and len(named_kinds) == 1:  # "最后一讲讲啥": the kind's own order
            listed = self.kb.of_kind(named_kinds[0])
        elif not listed and not named_kinds and recent and recent[0].kind in NUMBERED_KINDS \
                and not (units or specific):
            listed = self.kb.of_kind(recent[0].kind)  # "倒数第二个呢" after 开放点17: the sites' order
        if context.facet == "theme" and context.listed and not named_kinds and not (units or specific):
            # "倒数第二个呢" after the list of themes: a theme, counted over the themes shown.
            of_site = {site.ref: name for name, sites in self.kb.themes().items() for site in sites}
            shown_themes = list(dict.fromkeys(of_site[r.ref] for r in listed if r.ref in of_site))
            if len(shown_themes) > 1 and (at := cues.ordinal(text, len(shown_themes))) is not None:
                return reading(self.kb.themes()[shown_themes[at]], "theme", mode=base["mode"] or "list",
                               listing="theme")
        position = cues.ordinal(text, len(listed))
        if position is None and context.listed and recent and recent[0].kind in NUMBERED_KINDS \
                and not (named_kinds or units or specific):
            whole = self.kb.of_kind(recent[0].kind)  # "那第13个呢" past a theme's two sites
            if (position := cues.ordinal(text, len(whole))) is not None:
                listed = whole
        if position is not None:
            if not facet:
                # after the list of a theme's sites, one of them; after "属于哪个专题", its theme
                carried = context.facet not in (None, "list") and not (context.facet == "theme" and context.listed)
                base["facet"] = context.facet if carried else None
                base["carried"] = carried
            return reading([listed[position]], "ordinal")

        if len(named_kinds) == 1 and cues.has("back_references", text) and not (units or specific) \
                and not cues.has("same_theme", text):  # "这个专题还有别的开放点没": the others
            # "那个宣讲具体讲什么" after a list of one unit's site and lecture: that lecture.
            shown = [r for ref in context.listed if (r := self.kb.by_ref.get(ref))]
            of_kind = [r for r in dict.fromkeys([*shown, *recent]) if r.kind == named_kinds[0]]
            if not of_kind and recent and recent[0].kind != named_kinds[0] \
                    and {recent[0].kind, named_kinds[0]} <= {"site", "lecture"}:
                # "那个宣讲呢" after the 政府采购 open day: the lecture on the same topic.
                own = set(recent[0].topic_ids) - set(self.kind_topics) - set(self.config["plan_topics"])
                of_kind = [r for r in self.kb.of_kind(named_kinds[0]) if own & set(r.topic_ids)]
            if len({self.kb.joint_numbers(r) for r in of_kind}) == 1:
                if not base["facet"]:  # "那个宣讲呢" asks what was asked before, if anything
                    base["facet"] = "content"
                return reading(of_kind[:1], "context")
        if facet == "section" and not (units or specific) and recent and len(text) <= 12 and (
                recent[0].kind in ("site", "lecture") or any(w in text and w in recent[0].text for w in SECTION_WORDS)):
            # "按啥原则" after item 25: its own (谁起草，谁负责); "目的是啥" after a site: its aim.
            base["facet"] = "content"
            return reading(recent[:1], "context")
        if facet == "section" and not (units or specific) and (said := self.words.record_saying(text)):
            # "政策效果评价遵循什么原则": item 25's own principle, not the plan's 基本原则.
            base["facet"] = "content"
            return reading([said], "said")
        if facet == "section" and specific and not units and (held := self.find.section_saying(text, specific)):
            # "工作目标里对政策兑现提出了怎样的要求": the sentence of that part, not item 22.
            base["facet"] = "content"
            return reading(held, "sentence")
        if facet == "section" and (units or KIND_WORDS["site"].search(text)
                                   or KIND_WORDS["lecture"].search(text)):
            base["facet"] = facet = cues.facet(asked_of, skip={"section"})  # a record's aim: its content
        if facet in ("document", "section") and (names_document or not (units or specific)):
            # About a plan itself ("工作要点是哪天印发的", "它是哪个会通过的", "方案图个啥");
            # "这个文件" means the plan of the record discussed last.
            documents = self.find.plans_meant(text, kinds, named_plan, discussed)
            if facet == "section":
                return reading(self.find.sections(text, documents), "document")
            return reading(documents, "document")
        if cues.has("same_theme", text) and recent and recent[0].kind == "site":
            site = recent[0]
            others = [r for r in self.kb.same_theme(site) if r is not site]
            return reading(others, "theme", mode="list", listing="same_theme", subject=site)

        if (base["mode"] in ("list", "count") or facet == "theme") and not (units or specific) \
                and not _OPEN_DAY_THEME.search(text) and (said := self.words.record_saying(asked)) is not None:
            # "抽检信息的产品类别包括哪些", "要点要求杜绝哪些现象": what one record's sentence
            # says, not the whole list of its kind nor the open days' themes.
            base["facet"] = "content" if facet in (None, "theme") else facet
            return reading([said], "said", mode=None)
        themes = list(named_themes)
        if not themes and (KIND_WORDS["site"].search(text) or _OPEN_DAY_THEME.search(text)):
            themes = self.find.themes_by_word(text)  # "关于民生的开放活动", "便民的开放点"
        if themes:
            sites = [s for name in themes for s in self.kb.themes()[name]]
            if facet in (None, "content", "theme") or base["mode"]:
                return reading(sites, "theme", mode=base["mode"] or "list", listing="theme")
        if facet == "theme" and not (recent and recent[0].kind in NUMBERED_KINDS) and not units and not specific:
            # "养老那个属于什么类别": the site it describes; "开放日分几类": every theme.
            words = self.words.content_words(text)
            if sites := [r for r in self.kb.of_kind("site")
                         if any(w in r.row.category for w in words)]:
                return reading(sites, "mention")
            return reading(self.kb.of_kind("site"), "kind", listing="themes")

        if cues.has("town_filter", text) and ("site" in kinds or not kinds) and not specific \
                and not units:  # "观音寺街道的开放日": that street's, not all towns' and streets'
            suffixes = tuple(self.config["town_unit_suffixes"])
            named = [x for x in suffixes if x in text.replace("镇街", "")]
            if len(named) == 1:  # "其中哪几个是街道": the streets' only; "镇街", "镇和街道": both
                suffixes, base["listing"] = tuple(named), f"towns:{named[0]}"
            sites = [s for s in self.kb.of_kind("site") if any(u.endswith(suffixes) for u in s.units)]
            described = [s for s in sites if self.words.says([s], text)]
            if len(described) == 1:  # "哪个镇的开放日是展示村里的政务服务站…": that one
                return reading(described, "said")
            return reading(sites, "filter", mode=base["mode"] or "list", listing=base.pop("listing", "towns"))
        if (month := cues.deadline_month(text)) and not units and not specific:
            items = [r for r in self.kb.of_kind("item") if r.row.deadline
                     and int(r.row.deadline.split("-")[1]) == month]
            deadline = items[0].row.deadline if items else None
            return reading(items, "filter", mode=base["mode"] or "list", listing=f"deadline:{deadline}")

        if units and not specific:
            # A unit's records of the kinds the question names; "城管委负责哪些活动" all kinds.
            # "教委在两份文件里分别承担了什么任务": every kind, whatever else the text names.
            # "教委在工作要点和政民互动里分别管什么": both plans named by their words.
            plans_named = [d for d, words in self.config["document_keywords"].items()
                           if any(w in text for w in words)]
            both_plans = bool(re.search(r"两(份|个|部)(文件|方案|计划)", text)) or len(plans_named) > 1
            pool = [r for k in (NUMBERED_KINDS if both_plans else named_kinds or NUMBERED_KINDS)
                    for r in self.kb.of_kind(k)]
            if "牵头" in text:  # "政务服务局牵头的工作": the items it leads, not all it joins
                pool = [r for r in self.kb.of_kind("item")
                        if units & set(self.kb.gazetteer.ids("、".join(r.row.lead_units), UNIT))
                        ] or pool
            by_unit = [[r for r in pool if unit in r.unit_ids] for unit in sorted(units)]
            if base["mode"] == "compare" and len(by_unit) >= 2 and all(by_unit):
                return reading([group[0] for group in by_unit], "unit")
            records = [r for group in by_unit for r in group]
            # The one discussed first ("城管把我三轮车收了" after the 城管 open day: that site)
            if not base["mode"]:
                records.sort(key=lambda r: r not in recent)
            if records:
                listing = f"unit:{sorted(units)[0]}" if len(units) == 1 and len(records) > 1 else None
                if base["facet"] == "unit" and not base["yes_no"] and not excluded:
                    base["facet"] = "content"  # "商务局负责的是哪项工作": the unit is given
                return reading(records, "unit", listing=listing)

        if recent and not units and not specific and recent[0].unit_ids \
                and cues.has("back_references", text) and (
                    (named_kinds and recent[0].kind not in named_kinds) or _OTHER_OF_UNIT.search(text)):
            # "它在要点里负责啥" after a site: the same unit's records of the kind named;
            # "这个单位还有别的活动吗": its other records.
            own = set(recent[0].unit_ids)
            pool = [r for k in (named_kinds or NUMBERED_KINDS) for r in self.kb.of_kind(k)]
            records = [r for r in pool if own & set(r.unit_ids) and r not in self.kb.siblings(recent[0])]
            if base["facet"] in (None, "unit"):
                base["facet"] = "content"
            # None at all ("它在要点里还负责啥" of a unit with no work item): said so, not a
            # record that shares a word.
            return reading(records, "unit" if records else "none")
        if not recent and context.listed and not units and not specific \
                and cues.has("plural_references", text) and len(text) <= 14:
            # "它们分别谁讲" right after the list of lectures: every one listed.
            return reading([r for ref in context.listed if (r := self.kb.by_ref.get(ref))], "context")
        if excluded and not units and not specific and not (recent and excluded & set(recent[0].unit_ids)):
            # "除了金融办还有谁一块管" after another record: the one record that unit shares
            holding = [r for r in self.kb.numbered() if excluded <= set(r.unit_ids)]
            if len(holding) == 1:
                return reading(holding, "unit")
        if recent and not units and not specific and self.follow_ups.of(question, base["facet"]):
            if cues.has("plural_references", text):
                # The list last shown, not a kind's whole order taken for ordinals above
                # ("他们要担什么角色" after item 20 alone: item 20).
                shown = [r for ref in context.listed if (r := self.kb.by_ref.get(ref))]
                many = shown if shown and not re.search("俩|两", text) else recent[:2]
                return reading(sorted(many, key=lambda r: (r.kind, r.number or 0)), "context")
            if base["facet"] is None and base["mode"] is None:
                base["facet"] = "content"
            return reading([self.follow_ups.meant(text, recent)], "context")

        if not units and not specific and base["facet"] in SENTENCE_FACETS and base["mode"] != "count" \
                and (paragraph := self.words.paragraph_saying(asked)) is not None:
            # "对活动内容有啥要求 要突出什么", "活动改时间了跟谁报": a sentence of the plans'
            # work requirements says it in its own words.
            base["facet"] = "content"
            return reading([paragraph], "sentence")
        by_term = self.find.records_saying_a_term(text, named_kinds) \
            if base["mode"] in ("list", "count") and not units and not specific else None
        if not by_term and not units and not specific and base["facet"] in (None, "content", "meaning") \
                and (paragraph := self.words.paragraph_by_rare_word(asked)) is not None:
            # "方案里有好几个“并重”，都是哪几个": the one sentence of the plans that writes it.
            base.update(facet="content", mode=None)
            return reading([paragraph], "sentence")
        if base["mode"] in ("list", "count") and not units and not specific:
            if found := by_term:
                # "哪些开放点是围绕政务服务大厅或政务服务中心开展的", "哪几条提出了100%":
                # the records of that kind that write the term, not all of them.
                term, records = found
                return reading(records, "filter", listing=f"word:{term}")
            if whole := self.find.kind_level(question, kinds, base["facet"], base["mode"]):
                return reading(whole, "kind")
        if not units and not specific and (absent := self.find.absent_topic(text)):
            return reading(self.kb.of_kind(named_kinds[0]) if len(named_kinds) == 1 else [],
                           "none", absent=absent, mode="list")
        if (base["facet"] in cues.rule_facets or base["facet"] == "when") and not units \
                and not specific and ACTIVITIES_NAMED.search(text):
            # "这些活动大概什么时间段办": the participation rules, not a paragraph sharing a word.
            if whole := self.find.kind_level(question, kinds, base["facet"], base["mode"]):
                return reading(whole, "kind")
        # "政府采购开放点也是财政局负责的吗": the unit is what is checked, not what is meant.
        checked = facet == "unit" and base["yes_no"] and bool(specific)
        retrieved = self.words.retrieve(self.words.widened(text), kinds, set() if checked else units,
                                        specific, topics)
        if not retrieved and (alone := self.words.alone_writer(text, named_kinds)) is not None \
                and alone.kind in NUMBERED_KINDS:
            retrieved = [alone]  # the only record that writes two of its words (一对一, 代办)
        if named_kinds and any(r.kind in named_kinds for r in retrieved):
            # "开放日和宣讲里头跟教育有关的都有啥": of the kinds named, not a work item too.
            retrieved = [r for r in retrieved if r.kind in named_kinds]
        if base["mode"] == "compare" and len(retrieved) == 1 and recent \
                and recent[0].kind in NUMBERED_KINDS and recent[0] is not retrieved[0]:
            retrieved = [recent[0], *retrieved]  # "跟仲裁那个开放日是一个单位吗": with the last one
        if retrieved and len(named_kinds) > 1 and specific:
            # "政府采购宣讲跟政府采购开放日是一个单位办的吗": one record of each kind named.
            for kind in named_kinds:
                if not any(r.kind == kind for r in retrieved):
                    retrieved += [r for r in self.kb.of_kind(kind) if specific & set(r.topic_ids)][:1]
        if retrieved:
            evidence = "mention" if (units | specific) & {
                i for r in retrieved for i in (*r.unit_ids, *r.topic_ids)} else "retrieval"
            if evidence == "retrieval" and retrieved[0].kind in NUMBERED_KINDS \
                    and (self.words.says(retrieved[:1], text)
                         or self.words.writes_alone(retrieved[0], text)):
                # "有没有要求细则跟政策一块儿出": a sentence of item 23 says it in two words or
                # more, not one word shared by chance.
                evidence = "said"
            return reading(retrieved, evidence)
        return reading(self.find.kind_level(question, kinds, base["facet"], base["mode"]), "kind" if kinds else "none")
