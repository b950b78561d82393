"""Word a `Decision` as the reply a citizen reads: the fact first, then its source.

In: a Decision (kb.deciding), the Reading it came from, the previous conversation Context.
Out: an `Answer` — text (every fact answer ends with 来源：《title》（文号）where), covered,
the refs cited, up to three related questions (never the one just answered), and the
`Context` the next turn resolves "它/这俩/倒数第二个/16呢" against. All wording comes from
kb/data/answering.yml; the hotline number is passed in (settings), never written here.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kb import deciding as d
from kb.cues import Cues
from kb.gazetteer import UNIT
from kb.negation import sentence_for_the_rest
from kb.knowledge import NUMBERED_KINDS, KnowledgeBase, Record, gives_period, sentences
from kb.document_parts import DocumentParts
from kb.rules_text import RulesText
from kb.question import Context, Reading
from kb.understanding import Understanding
from kb.wording import bare as _bare, gist as _gist, month as _month

MAX_LISTED_ITEMS = 8
# The parts of an official document's notice: "…的通知各相关单位：", "（此件主动公开）".
MAX_BRIEF = 6  # a filtered list this short shows each record's gist
MAX_IN_FULL = 3  # a unit's records, when this few, are each shown in full
WHOLE = ("number", "quoted")  # evidence naming a record as a whole: no one sentence of it is meant
MAX_CITED = 4  # a list of at most this many entries cites each of them
LONG_ITEM = 90  # characters; a longer item is quoted by the sentence the question matched


@dataclass(frozen=True)
class Answer:
    text: str
    covered: bool
    ref: str | None = None
    related: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    reason: str | None = None
    context: Context = Context()
    asked: str | None = None  # the facet the question asked ("when", "exact_date", …)


class Renderer:
    def __init__(self, kb: KnowledgeBase, cues: Cues, understanding: Understanding,
                 config: Mapping[str, Any], hotline: str) -> None:
        self.kb, self.cues, self.understanding = kb, cues, understanding
        self.config = config
        self.texts: dict[str, str] = config["texts"]
        self.hotline = hotline
        self.sep = self.texts["list_separator"]
        self.parts = DocumentParts(kb, config, self.t)
        self.rules = RulesText(kb, config, self.t)

    def t(self, key: str, **values: Any) -> str:
        return self.texts[key].format(**values)

    # --- the answer --------------------------------------------------------------------

    def render(self, decision: d.Decision, reading: Reading, previous: Context) -> Answer:
        if decision.shape == d.REFUSE:
            return self._refusal(decision, reading, previous)
        records = list(decision.records)
        shape, facet = decision.shape, decision.facet
        where = None
        if shape == d.DATA_YEAR:
            fact = self._data_year(records)
            where = "document"
        elif shape == d.COMPARE and facet in ("unit", "deadline", "theme"):
            # "它俩截止时间一样吗": the one thing asked, side by side.
            fact = self.t("compare", lines="\n".join(self._describe(r, facet, reading) for r in records))
        elif shape == d.COMPARE:
            compared = "\n".join(self._compare_line(r) for r in records)
            fact = self.t("compare", lines=compared)
        elif shape in (d.LIST, d.COUNT):
            fact = self._listing(records, reading)
            where = "list"
        elif shape == d.SEVERAL:
            detail: str | None = facet if facet in ("unit", "deadline", "theme") else "short"
            if (facet in ("content", "place") and len(records) <= MAX_BRIEF) or (
                    facet is None and len(records) <= MAX_IN_FULL
                    and all(r.kind in ("site", "lecture") for r in records)):
                # "医保和人社的宣讲各讲啥", "旧宫镇和瀛海镇的开放日各去哪参观": what each
                # says, in full (where an activity goes is in what its entry says).
                detail = "content"
            fact = "\n".join(dict.fromkeys(self._describe(r, detail, reading) for r in records))
            if detail in ("short", "content"):
                fact = self.t("several", lines=fact)
        else:
            fact = self._describe(records[0], facet, reading)
            if records[0].kind == "rules" and len(records) > 1:
                # The site or lecture asked about first: in full when its content was asked
                # too ("采育镇那个开放日看啥的 俺能去不"), else by name and the gist of what it
                # shows ("想去司法局看看 能去不"); in full when asked online or on site (到企业实地宣传).
                detail = None if "content" in reading.facets or facet == "form" else "brief"
                fact = self._describe(records[1], detail).rstrip("。") + "。" + fact
            if records[0].kind == "item" and {facet, reading.also} in ({"unit", "deadline"}, {"unit", "when"}):
                # "谁牵头 几月完": who, then by when, then which work it is (once)
                fact = self._describe(records[0], "unit") + self._describe(records[0], "deadline") \
                    + self._item_about(records[0], reading)
            elif len(records) == 1 and records[0].kind in NUMBERED_KINDS \
                    and {facet, reading.also} == {"unit", "content"}:
                # "医保宣讲谁来讲 讲不讲惠民保": both, as the whole entry says them.
                fact = self._describe(records[0], None, reading)
            if facet == "unit" and reading.yes_no and reading.units and reading.evidence != "unit":
                # "户外广告宣讲是不是城管委办的": yes or no first, then who it is.
                agrees = set(reading.units) <= set(records[0].unit_ids)
                fact = self.texts["yes" if agrees else "no"] + fact
        sources = list(dict.fromkeys(self._source(r, where if len(records) > 1 else None)
                                     for r in records))
        if shape in (d.LIST, d.COUNT):
            # A long list cites its plan(s); a short one each record, as any fact answer does.
            entries = {self.kb.joint_numbers(r) + r.kind + r.document.number for r in records}
            long = len(entries) > MAX_CITED or reading.listing in ("themes", "theme")
            plans = list(dict.fromkeys(r.document.number for r in records))
            sources = [self._source(next(r for r in records if r.document.number == p), "list")
                       for p in plans] if long else list(dict.fromkeys(self._source(r) for r in records))
        focus = records[0] if len(records) == 1 or shape in (d.COMPARE, d.SEVERAL) else None
        answered = [r for r in records if r.kind in NUMBERED_KINDS] or records
        listed = tuple(r.ref for r in records) if shape in (d.LIST, d.COUNT) else previous.listed
        if shape == d.ONE and facet == "theme" and records[0].kind == "site" and reading.mode in ("count", "list"):
            # "这个专题一共有几个点 都是啥", then "第二个是干嘛的": over the sites it listed
            listed = tuple(r.ref for r in self.kb.same_theme(records[0]))
        recent = tuple(dict.fromkeys([*(r.ref for r in answered[:2]), *previous.recent]))[:4]
        if shape in (d.LIST, d.COUNT):
            recent = previous.recent
        lines = [fact, *sources]
        if decision.reason == d.OTHER_YEAR:
            # A later year asked: which year's plan this is, before and after the answer.
            years = "、".join(str(y) for y in self.kb.held_years)
            asked = "、".join(str(y) for y in decision.asked_years)
            lines = [self.t("other_year_answer", years=years, asked=asked), *lines,
                     self.t("other_year_after", asked=asked, hotline=self.hotline)]
        elif decision.reason == d.CARRIED_DETAIL:
            # "去哪儿讲" refused, then "那第二个呢": that record, and the detail still unsaid.
            lines.append(self.t("carried_detail_after", hotline=self.hotline))
            facet = reading.facet  # "那第三个呢" asks it again
        return Answer(
            text="\n".join(lines),
            covered=True,
            ref=focus.ref if focus else None,
            related=self._related(focus or records[0], reading, facet),
            sources=tuple(dict.fromkeys(r.ref for r in records)),
            context=Context(recent=recent, listed=listed, facet=facet),
            asked=reading.facet,
            reason=decision.reason,
        )

    # --- one record --------------------------------------------------------------------

    def units(self, record: Record, leave_out: Sequence[str] = ()) -> str:
        """Units as the plan writes them, with the full name where the plan abbreviates."""
        named = []
        for unit in record.units:
            ids = self.kb.gazetteer.ids(unit, UNIT)
            if ids and ids[0] in leave_out:
                continue
            full = ids[0] if len(ids) == 1 and ids[0] != unit else None
            named.append(self.t("unit_full", unit=unit, full=full) if full else unit)
        return self.sep.join(named)

    def site_labels(self, sites: Sequence[Record]) -> str:
        """'开放点12（服务创城，瀛海镇）、开放点13（养老驿站，长子营镇）': each entry once, with
        its category and 主责单位 as the plan writes them."""
        return self.sep.join(self.t("site_label", number=self.kb.joint_numbers(s), category=s.row.category,
                                    units=self.sep.join(s.units)) for s in self.kb.entries(sites))

    def _describe(self, record: Record, facet: str | None, reading: Reading | None = None) -> str:
        row, t = record.row, self.t
        if facet == "unit" and reading is not None and reading.excluded_units \
                and record.kind in NUMBERED_KINDS:
            return self._units_except(record, reading.excluded_units)
        if record.kind == "item":
            deadline = getattr(row, "deadline_text", None) or _month(row.deadline) or self.texts["no_deadline"]
            if facet == "unit":
                if getattr(row, "partners", None):  # 牵头单位 and 配合单位 named apart
                    who = t("item_unit_partners", number=row.number, partners=self.sep.join(row.partners),
                            lead_units=self.sep.join(row.lead_units or row.units))
                elif row.lead_units:
                    who = t("item_unit_lead", number=row.number, units=self.units(record),
                            lead_units=self.sep.join(row.lead_units))
                else:
                    who = t("item_unit", number=row.number, units=self.units(record))
                return who + self._item_about(record, reading)
            if facet in ("deadline", "when"):
                return t("item_deadline", number=row.number, deadline=deadline,
                         units=self.units(record)) + self._item_about(record, reading)
            if facet == "short":
                return t("item_short", number=row.number, text=row.text, units=self.units(record),
                         deadline=deadline)
            sentence = self._matching_sentence(record, reading)
            if sentence:
                return t("item_sentence", number=row.number, sentence=sentence,
                         units=self.units(record), deadline=deadline)
            return t("item", number=row.number, text=row.text, units=self.units(record),
                     deadline=deadline)
        if record.kind == "site":
            values = dict(number=self.kb.joint_numbers(record), category=row.category,
                          theme=row.theme, units=self.units(record), description=row.description)
            if facet == "brief":
                return t("site_brief", **values, gist=_gist(row.description))
            if facet == "unit":
                return t("site_unit", **values) + self._entry_about(record, row.description, reading)
            if facet == "theme":
                same = self.kb.same_theme(record)
                return t("site_theme", **values, count=len(same), numbers=self.site_labels(same))
            if facet == "place":
                if getattr(row, "place", None):  # a plan that gives the 地点
                    return t("site_place_given", **values, place=row.place)
                return t("site_place", **values, hotline=self.hotline)
            if facet == "when":
                if getattr(row, "time", None):  # a plan that gives each site's 时间
                    return t("site_time_given", **values, time=row.time)
                if not gives_period(self.kb.latest("rules")):
                    return t("site_time_unknown", **values, hotline=self.hotline)  # "时间：待定"
                return self.rules.text("when")
            return t("site_short" if facet == "short" else "site", **values)
        if record.kind == "lecture":
            values = dict(number=row.number, title=row.title, units=self.units(record),
                          content=row.content)
            if facet == "unit":
                return t("lecture_unit", **values)
            if facet == "when":
                return self.rules.text("when")
            if facet == "brief":
                return t("lecture_brief", **values, gist=_gist(row.content))
            if facet == "content" and row.topics and not self._asks_beyond(reading, row.content, row.topics):
                return t("lecture_topics", **values, topics=self.sep.join(row.topics))
            if facet == "content":
                return t("lecture_content", **values)
            return t("lecture_short" if facet == "short" else "lecture", **values)
        if record.kind == "rules":
            # "线上直播还要请人大代表吗": the plan's own sentence when one says what was asked
            # beyond the figures the templates give.
            # "线上直播要不要请人大代表": a sentence about going online, when that is asked.
            needs = self.cues.phrase("online", reading.text) if facet == "online" and reading else None
            if facet in (None, "content", "online") and reading is not None \
                    and (sentence := self._matching_sentence(record, reading, least=2, needs=needs)):
                return sentence
            return self.rules.text(facet)
        if record.kind == "document" and facet == "structure" and reading is not None:
            return self.parts.structure(record, reading) or self._describe(record, "document")
        if record.kind == "document":
            issued = row.issued_on
            date = f"{issued.year}年{issued.month}月{issued.day}日" if issued else ""
            fact = t("document", title=row.title, number=row.number, issuer=row.issuer, date=date)
            # "哪次会议通过的", "是公开的吗": the plan's own notice says it, sentence by sentence.
            notice = next((r for r in self.kb.records if r.kind == "text"
                           and r.document is record.document and "通知" in r.row.section), None)
            if notice is not None and reading is not None and (parts := self.parts.notice_parts(notice, reading)):
                return fact + parts
            sentence = self._matching_sentence(notice, reading, beyond=fact) if notice else None
            return fact + sentence if sentence else fact
        if record.kind == "text" and facet == "section":
            return t("section", title=record.document.title, section=record.row.section,
                     text=record.row.text)
        if record.kind == "text" and reading is not None:
            # A long paragraph is quoted by the sentence that holds what was asked.
            return self._matching_sentence(record, reading) or row.text
        return row.text

    def _units_except(self, record: Record, excluded: Sequence[str]) -> str:
        subject = self.t(f"subject_{record.kind}", number=record.number)
        names = self.sep.join(excluded)  # canonical unit ids: the full names
        rest = self.units(record, leave_out=excluded)
        if not rest:
            return self.t("units_only_excluded", subject=subject, excluded=names)
        return self.t("units_except", subject=subject, excluded=names, units=rest)

    def _item_about(self, record: Record, reading: Reading | None) -> str:
        """"该项写明：…" — which work an item is, in its own words, after who does it or by
        when ("双减的信息谁公开", "前一条呢"), so the citizen sees the answer is about what
        they meant; '' when they asked of it by its number ("第9项谁负责"), not when the number
        alone goes on with the question before ("第二条呢", "16呢")."""
        if reading is None or not reading.text or (reading.evidence == "number" and reading.facets):
            return ""
        pieces = sentences(record.source_text or record.row.text)
        asked = self.understanding.words.sentence_words(reading.text)[0]
        # A short item too: the sentence writing what was asked ("那工伤保险呢"), else its headline.
        said = self._matching_sentence(record, reading) or next(
            (p for p in pieces if any(w in p for w in asked)), pieces[0])
        return self.t("item_unit_about", sentence=said.rstrip("。；;") + "。")

    def _entry_about(self, record: Record, description: str, reading: Reading | None) -> str:
        """"活动内容：…" after who runs a site the citizen described in their own words ("看养老
        驿站的那个开放日是哪个镇搞的"): the sentence of its entry writing what they asked, else
        its opening clause, so they see it is the one they meant; '' when they named it."""
        if reading is None or not reading.text or reading.evidence not in ("mention", "said", "retrieval"):
            return ""
        asked = self.understanding.words.sentence_words(reading.text)[0]
        said = next((p for p in sentences(description) if any(w in p for w in asked)), _gist(description))
        return self.t("site_unit_about", sentence=said.rstrip("。；;") + "。")

    def _matching_sentence(self, record: Record, reading: Reading | None,
                           beyond: str = "", least: int = 1, needs: str | None = None) -> str | None:
        """The sentence of a long item, paragraph or the rules' own words that holds what the
        question asked about (at least `least` of its words); with `beyond`, only words that
        text does not already say count; with `needs`, only a sentence that writes it."""
        body = record.source_text or record.row.text
        if reading is None or len(body) <= LONG_ITEM or reading.evidence in WHOLE:
            return None
        widened, plans_own = self.understanding.words.sentence_words(reading.text)
        words = {w for w in widened if w not in beyond}
        added = {w for w in plans_own if w not in beyond}
        pieces = [p for p in sentences(body) if not needs or needs in p]
        # Most words asked, a plans' own word for an everyday one counting twice ("准备工作"
        # → 实施方案); then the longer sentence (a heading like "（四）严格督查考核。" names a
        # topic, the sentence after it says what it is).
        scored = [(sum(w in p for w in words) + sum(w in p for w in added), len(p), p) for p in pieces]
        best = max(scored, default=(0, 0, None))
        # An item's first sentence is its headline, already quoted; a paragraph's is not.
        headline = pieces[0] if record.kind == "item" else None
        chosen = best[2]
        if chosen is None or best[0] < least or chosen == headline:
            return None
        # "没入选区级层面的单位要不要做": the sentence for the rest of the group, not the one
        # for the group the question negates.
        return sentence_for_the_rest(reading.text, chosen, pieces) or chosen

    def _asks_beyond(self, reading: Reading | None, content: str, topics: Sequence[str]) -> bool:
        """Whether the question names a word of a lecture's content that its topic list does
        not hold ("医保宣讲主要围绕哪一类保险待遇": 待遇, of 基本医疗保险待遇): then the whole
        content answers, not the list."""
        if reading is None:
            return False
        listed = "".join(topics)
        # "会拿例子讲不": the plans' own word for an everyday one (例子 → 典型案例) counts too
        return any(w in content and w not in listed
                   for w in self.understanding.words.asked_words(reading.text) if len(w) >= 2)

    # --- several records -----------------------------------------------------------------

    def _compare_line(self, record: Record) -> str:
        row = record.row
        if record.kind not in NUMBERED_KINDS:
            # "两份文件的发文机关有什么区别": each plan's header, each paragraph as written.
            return self._describe(record, None)
        label = self.t(f"subject_{record.kind}", number=record.number)
        if record.kind == "lecture":
            label += f"“{row.title}”"
        elif record.kind == "site" and row.category:
            label += f"“{row.category}”"  # what each one is, by name: "开放点7“司法服务”"
        content = {"site": lambda: row.description, "lecture": lambda: row.content,
                   "item": lambda: row.text}.get(record.kind, lambda: "")()
        return self.t("compare_line", label=label, units=self.units(record), content=content)

    def _listing(self, records: list[Record], reading: Reading) -> str:
        kind, doc = records[0].kind, records[0].document
        listing = reading.listing or ""
        kinds = list(dict.fromkeys(r.kind for r in records))
        if len(kinds) > 1 and not listing:  # "开放日和公开讲分别有几个": one list per kind
            parts = [self._listing([r for r in records if r.kind == k], reading) for k in kinds]
            # Some of each kind ("跟政府采购有关的活动有几个"): under one "相关的有" line.
            header = self.t("several", lines="").rstrip()
            return "\n".join([parts[0], *(p.removeprefix(header).lstrip("\n") for p in parts[1:])])
        if listing == "themes":
            themes = self.kb.themes()
            lines = "\n".join(self.t("theme_line", theme=name, numbers=self.site_labels(sites))
                              for name, sites in themes.items())
            return self.t("themes", year=doc.year, count=len(themes), lines=lines)
        shown = records[:MAX_LISTED_ITEMS] if kind == "item" and not listing else records
        # A short list answers "包括啥" too: each line with the gist of what it is — also
        # some records found by their words ("哪些开放点是围绕政务服务大厅…开展的").
        partial = len(records) < len([r for r in self.kb.of_kind(kind) if r.document is doc])
        detail: str | None = "brief" if (listing or partial) and len(records) <= MAX_BRIEF else "short"
        if listing.startswith("unit:") and len(records) <= MAX_IN_FULL:
            detail = None  # "教委在要点和开放日里各管啥事": each of a unit's few records in full
        lines = "\n".join(dict.fromkeys(self._describe(r, detail) for r in shown))
        if listing == "same_theme" and reading.subject is not None:
            return self.t("theme_others", number=reading.subject.number,
                          theme=reading.subject.row.theme, lines=lines)
        if listing == "theme":
            return self.t("theme_list", theme=records[0].row.theme, count=len(records), lines=lines)
        if listing.startswith("unit:") and len({r.kind for r in records}) > 1:
            return self.t("by_unit", unit=listing[5:], count=len(records), lines=lines)
        if listing.startswith("towns"):
            filter_text = self.t("filter_towns_of", kind=listing[6:]) if listing[6:] else self.texts["filter_towns"]
        elif listing.startswith("deadline:"):
            filter_text = self.t("filter_deadline", deadline=_month(listing[9:]) or "")
        elif listing.startswith("unit:"):
            filter_text = self.t("filter_unit", unit=listing[5:])
        elif listing.startswith("word:"):
            filter_text = self.t("filter_word", word=listing[5:])
        else:
            filter_text = ""
        if not filter_text and partial:
            # Some of a kind, found by their words: not "共有N个" as if that were all of them.
            return self.t("several", lines=lines)
        if kind == "site":
            return self.t("count_sites", year=doc.year, filter=filter_text, count=len(records),
                          lines=lines)
        if kind == "lecture":
            return self.t("count_lectures", year=doc.year, count=len(records), lines=lines)
        if kind == "item" and not filter_text:
            return self.t("list_items", title=doc.title, count=len(records), shown=len(shown),
                          lines=lines)
        return self.t("count_items", title=doc.title, filter=filter_text, count=len(records),
                      lines=lines)

    def _data_year(self, documents: list[Record]) -> str:
        lines = "\n".join(
            self.t("data_year_line", title=r.row.title, number=r.row.number,
                   date=f"{r.row.issued_on.year}年{r.row.issued_on.month}月{r.row.issued_on.day}日"
                   if r.row.issued_on else "")
            for r in documents)
        years = "、".join(str(y) for y in self.kb.held_years)
        return self.t("data_year", lines=lines, years=years)

    # --- sources, related questions, refusals -------------------------------------------

    def _source(self, record: Record, where: str | None = None) -> str:
        doc = record.document
        kind = where or record.kind
        if kind == "rules":
            # The plan's own heading of its rules (三、参与方式 → “参与方式”部分); 2023's rules
            # come from its 政民互动形式 and 工作要求 parts (answering.yml `where_rules`).
            heading = next((p.section for p in doc.passages if p.ref == "rules"), "")
            heading = heading.split(" / ")[0].split("、", 1)[-1]
            if heading and "政民互动形式" not in heading:
                return self.t("source", title=doc.title, number=doc.number,
                              where=self.t("where_text", section=heading))
        where_text = self.texts[f"where_{kind}"].format(
            number=self.kb.joint_numbers(record), section=getattr(record.row, "section", ""))
        return self.t("source", title=doc.title, number=doc.number, where=where_text)

    def _related(self, record: Record, reading: Reading, facet: str | None) -> tuple[str, ...]:
        templates = self.config["related"].get(record.kind, self.config["related"]["document"])
        number = record.number or 1
        count = len(self.kb.of_kind(record.kind)) or 1
        title = getattr(record.row, "title", "")
        asked = _bare(reading.text)
        related = []
        for template in templates:
            question = template.format(number=number, next=number % count + 1, title=title)
            told = self.cues.facet(question)
            if _bare(question) == asked or (told is not None and told in (facet, reading.also)
                                            and str(number) in question):
                continue
            related.append(question)
        return tuple(related[:3])

    def _nearest(self, key: str, records: Sequence[Record]) -> list[str]:
        """The line `key` naming the first of `records` in short, and its source; [] if none."""
        if not records:
            return []
        return [self.t(key, summary=self._describe(records[0], "short")), self._source(records[0])]

    def _refusal(self, decision: d.Decision, reading: Reading, previous: Context) -> Answer:
        years = "、".join(str(y) for y in self.kb.held_years)
        related = self.config["related"]["not_covered"]
        if decision.reason == d.COMPLAINT:
            parts = [self.t("complaint", hotline=self.hotline)]
            related = self.config["related"]["complaint"]
        else:
            key = {d.OTHER_YEAR: "not_covered_year", d.NO_MATCH: "not_found"}.get(
                decision.reason or "", "not_covered_opinion" if decision.facet == "opinion" else "not_covered")
            asked = "、".join(str(y) for y in decision.asked_years if y not in self.kb.held_years)
            parts = [self.t(key, years=years, asked=asked)]
        if decision.reason == d.OTHER_DOCUMENT:
            plans = "、".join(dict.fromkeys(f"《{r.document.title}》" for r in self.kb.records if r.kind == "document"))
            parts = [self.t("other_document", years=years, plans=plans, document=reading.other_document),
                     *self._nearest("other_document_mention", decision.records)]
        elif decision.reason == d.OTHER_PLACE:
            parts = [self.t("other_place", years=years, place=reading.other_place),
                     *self._nearest("other_place_nearest", decision.records)]
        elif decision.reason == d.ABSENT_TOPIC:
            parts = [self.t("absent_topic", years=years, topic=reading.absent)]
            if decision.records:
                parts.append(self._listing(list(decision.records), reading))
                parts.append(self._source(decision.records[0], "list"))
        elif decision.records:
            pointer = decision.records[0]
            detail: str | None = "content" if pointer.kind == "lecture" else "short"
            if pointer.kind in ("rules", "document", "text"):
                # one's own case of taking part: whom the rules invite, and how they are chosen
                detail = "who_can_join" if pointer.kind == "rules" and decision.facet == "condition" else None
            parts.append(self.t("pointer", summary=self._describe(pointer, detail)))
            parts.append(self._source(pointer))
        if decision.reason != d.COMPLAINT:
            parts.append(self.t("hotline", hotline=self.hotline))
        pointer_ref = decision.records[0].ref if decision.records else None
        recent = ((pointer_ref,) + previous.recent) if pointer_ref else previous.recent
        if decision.reason == d.COMPLAINT or (pointer_ref and decision.records[0].kind == "rules"):
            # Own trouble told in between does not change the subject ("那这条是谁负责" after it),
            # nor does the rules named for one's own case ("能带孩子去不" then "属于哪个专题")
            recent = previous.recent + ((pointer_ref,) if pointer_ref else ())
        return Answer(
            text="\n".join(parts),
            covered=False,
            ref=pointer_ref,
            related=tuple(related),
            sources=tuple(r.ref for r in decision.records[:1]),
            reason=decision.reason,
            context=Context(recent=tuple(dict.fromkeys(recent))[:4], listed=previous.listed,
                            facet=decision.facet),
            asked=reading.facet,
        )
