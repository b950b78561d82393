"""The words that say what a question asks: facets, modes, follow-ups, filters, times.

Everything here is read from kb/data/answering.yml, so the office can add a phrasing
without touching code. `Cues` only matches text; deciding what to do with a match is
kb.understanding's job.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from core.numerals import CN_SPOKEN
from kb.knowledge import to_number

# "2024年", and "24年" as citizens shorten it; never "干了24年" or "20年前" (a span of years).
YEAR = re.compile(r"(?<![0-9了])(20\d\d|2\d)\s*年(?![前后多来里内间级代])")
# The same in Chinese digits: "二零二一年", "二〇二六年", "二五年" (2025); never "两三年".
CN_YEAR = re.compile(r"(?<![0-9了一二三四五六七八九十零〇○两])(二[零〇○][零〇○一二三四五六七八九]{2}|"
                     r"二[零〇○一二三四五六七八九])\s*年(?![前后多来里内间级代])")
_CN_DIGITS = str.maketrans("零〇○一二三四五六七八九", "000123456789")
_CLAUSE_BREAK = re.compile(r"[，。？！?!；;,、\s]+")
# "工作要求有几条 分别是啥": a clause that only asks "what are they" goes on with the one before
_FOLLOW_ON = re.compile(r"(分别|都|具体|各自?)(是|叫|有)?(啥|什么|哪些|哪几个|些啥)(呢|呀|啊|吧)?")
# "帮人跑腿办事还不要钱的那个开放点在哪个街道": an indirect description of what is meant
# (不要钱 is no question about money); the question is what follows it.
_DESCRIBED = re.compile(r"的(?:那个|那种|这个|这种|那类|那)(?:活动|开放点|开放日|宣讲|讲座|事儿|事|项目|条|项)"
                        r"|^(?:就是)?(?:那种|那个|有个|有种)[^，。？]{4,}?的(?:活动|开放点|开放日|宣讲|讲座|事儿|事|项目)")
# A clause asking whether something exists ("有没有讲招牌广告政策的", "有这种开放日不",
# "真的假的"): it asks about a record, whatever the story around it says.
_EXISTS = re.compile(r"有没有|有没|有这(种|个|样|回)|有这[^，。？]{0,2}(活动|开放日|宣讲|讲座|事)|有个啥|有啥(?!用|区别|不同)|真的假的|是真的(吗|不)|是不是真的")
# "想带孩子去看看 这活动都啥人能参加": who may join at all, which the plans say, whatever
# the citizen's own circumstances
_ANYONE = re.compile(r"(啥|什么|哪些|哪类|哪种|什么样的?)人(能|可以|才能|会)|谁(都)?(能|可以)(参加|去|报名)"
                     r"|(怎么|如何|咋)(选|确定|定)|选人|(别的|其他)(方式|办法|法子)")
# "法律援助有没有开放日能去看看的": whether an activity exists, not how to join it
_KIND_NAMED = re.compile(r"开放日|开放点|宣讲|讲座|公开讲|活动")
# "我想带孩子参加开放日 咋报名": how, which the rules say, not whether a child may come
_HOW = re.compile(r"咋|怎么|如何|怎样")
_WHOLE_MESSAGE_FACETS = ("year_of_data", "complaint", "own_record")  # a personal case anywhere in it
_JOINING = ("who_can_join", "how_to_join")
_ABOUT_A_RECORD = {"content", "unit", "theme"}
# A term written in quotation marks ("“驿站”", "「两区」"): the term itself.
QUOTED = re.compile(r"[“\"「]([^”\"」]{2,12})[”\"」]")
ASKS = re.compile(r"[吗呢嘛么？?]|几|谁|哪|什么|啥|多少|怎么|咋|如何|是否|是不是|有没有|能不能|可不可以|(?<=[\u4e00-\u9fff])不(?=[，。？！?!；;\s]|$)|真的假的|(?!不)([\u4e00-\u9fff])不\1"
                  r"|(?:有|了|出来|下来|到|上|完|成|过)[^，。？]{0,8}没有?[。！!]*$"  # "有规定没有", "结果出来没", "选上没有"
                  r"|(?:好|合适|划算|对)还是")  # "打仲裁好还是私了好": which of two
# A year a question is about sits next to what it asks about ("今年的开放日", "2026年还有
# 宣讲吗"); "我儿子今年毕业" or "我们公司去年刚注册" is the citizen's own story.
_ABOUT_PLANS = re.compile(r"开放日|开放点|开放活动|宣讲|讲座|公开讲|活动|计划|方案|要点|政务公开|安排|报名|场次|举办|"
                          r"还办|还有|还搞|还能|还会|还可以|再去|信息|数据|内容|了(?:几|多少)(?:次|场|回)")
_KIND_AFTER = re.compile(r"宣讲|讲座|活动|开放日|开放点|公开讲")
_YEAR_REACH = 10  # characters after the year word in which it must meet one of those
# A year written out ("2024年") reaches further and also counts before policy words, unless
# an event of the citizen's own follows it ("2019年注册", "2020年毕业").
_WRITTEN_REACH = 18
_WRITTEN_ABOUT = re.compile(r"政策|政府|大兴|区里|工作|文号|文件|首次接听率|惠民保|医保|社保")
# "……就是23年那个": a year pointing at the plan meant, which corrects 今年 said before it
_POINTING = re.compile(r"^\s*(的)?(那|这)[个份版]")
_OWN_EVENT = re.compile(r"^.{0,4}(毕业|注册|成立|退休|结婚|出生|入职|入学|上学|搬|买的|买了|开店|开业|参保|生了)")
_SHORT = 16  # a message this short is about the year it names, whatever else it says
_TAIL = 3  # a clause this short ("咋弄", "谢谢", "是吗") belongs to the one before it
# A record number in digits or Chinese numerals; 一 of 一共/一起/一下/一些 is no number.
NUMERAL = rf"([0-9]+|[{CN_SPOKEN}]+(?![共起下些直样般定旦律切同块]))"
# "第一个", "第3项" anywhere in a text.
_NTH = re.compile(rf"第\s*{NUMERAL}\s*(?:个|场|项|条|讲)")


def _asks_existence(clause: str, found: str | None) -> bool:
    """Whether an asking clause asks whether something exists, rather than `found` of it: no
    facet of its own, or one of joining when it names an activity ("有没有开放日能去看看的")."""
    return bool(_EXISTS.search(clause)) and (
        found is None or (found in _JOINING and bool(_KIND_NAMED.search(clause))))


def _alternation(phrases: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in phrases))


class Cues:
    """Compiled phrase lists of answering.yml; every method takes normalised text."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self._facets = [(name, _alternation(p)) for name, p in config["facets"].items()]
        self._facet_by_name = dict(self._facets)
        self._aliases: dict[str, str] = config["facet_aliases"]
        self._modes = [(name, _alternation(p)) for name, p in config["modes"].items()]
        self.not_in_plans = frozenset(config["not_in_plans"])
        self.rule_facets = frozenset(config["rule_facets"])
        self.joining_facets = frozenset(config["joining_facets"])
        self.stated_by: dict[str, list[str]] = config["stated_by"]
        self._lists = {
            key: _alternation(config[key])
            for key in ("back_references", "plural_references", "same_theme", "town_filter",
                        "year_end_filter", "year_existence", "complaint_asks", "joining_conditions",
                        "place_nouns", "lecture_places")
        }
        self._exclusion = re.compile(config["exclusion"])
        self._covers_asked = re.compile(config["covers_asked"])
        self._when_event = re.compile(config["when_events"]["asked"])
        self._scheduled = frozenset(config["when_events"]["scheduled"])
        ordinals = config["ordinals"]
        self._last = _alternation(ordinals["last"])
        self._first = _alternation(ordinals["first"])
        self._from_end = re.compile(ordinals["from_end"])
        self._from_start = re.compile(ordinals["from_start"])
        self._steps = ((-1, _alternation(ordinals["previous"])), (1, _alternation(ordinals["next"])))
        self._deadline = re.compile(config["deadline_filter"])
        self._relative_years: dict[str, int] = config["relative_years"]
        self.colloquial_topics: dict[str, list[str]] = config["colloquial_topics"]
        self.generic_words = frozenset(config["generic_words"])

    def facet(self, text: str, skip: Iterable[str] = ()) -> str | None:
        """What the question asks of its subject; the first facet in answering.yml wins.

        A message of several clauses ("我儿子今年毕业，听说……，这事哪个部门管？") asks in
        its last clause that names a facet: the personal context before it says what
        happened, not what is asked. A complaint or a question about the data's year is
        read from the whole message."""
        skipped = set(skip)
        if (described := _DESCRIBED.search(text)) and ASKS.search(text[described.end():]):
            text = text[described.end():]

        def first(part: str, names: Iterable[str] | None = None) -> str | None:
            return next((n for n, p in self._facets if self._aliases.get(n, n) not in skipped
                         and (names is None or n in names) and p.search(part)), None)

        clauses: list[str] = []
        for clause in (c for c in _CLAUSE_BREAK.split(text) if c):
            if clauses and (len(clause) <= _TAIL or _FOLLOW_ON.fullmatch(clause)):
                clauses[-1] += clause  # "现在想补缴 该咋弄": a short tail asks about the clause before
            else:
                clauses.append(clause)
        if len(clauses) <= 1:
            found = first(text)
            if found is not None and _asks_existence(text, found):
                found = None  # "法律援助有没有开放日能去看看的": whether it exists
        elif (whole := first(text, _WHOLE_MESSAGE_FACETS)) and not (
                whole == "own_record" and ASKS.search(clauses[-1])
                and ((last := first(clauses[-1])) in _ABOUT_A_RECORD or _asks_existence(clauses[-1], last))):
            # one's own case, told or asked ("俺家饭馆前天被抽查了 啥时候出结果"); not when the
            # question after it asks what a record says ("俺儿子跟人打官司…那开放日都介绍些啥")
            return whole
        else:
            # A clause that asks ("在几号呀") before one that tells ("我想去").
            asking = [c for c in clauses if ASKS.search(c)]
            found = next((f for c in reversed(asking) if (f := first(c))), None)
            if any(_asks_existence(c, found) for c in asking):
                # "门头招牌…不合规 让整改 有没有讲招牌广告政策的", "有没有人到厂里给讲劳动法的
                # 俺们老板老扣钱": whether such a record exists; the story's words (合规, 扣钱)
                # ask nothing of it.
                return None
            found = found or next((f for c in reversed(clauses) if (f := first(c))), None) or first(text)
        conditions, how = self.has("joining_conditions", text), bool(_HOW.search(text))
        if found == "condition" and how and not conditions:
            found = first(text, _JOINING) or found  # "我想带孩子参加开放日咋报名": how to join
        if found in _JOINING and not _ANYONE.search(text) and (
                conditions or (first(text, ("condition",)) and not how)):
            # "外地户口 在大兴打工的能报名开放日吗": whether someone like them may join — a
            # condition the plans never set, whichever clause asks.
            return "condition"
        return self._aliases.get(found, found) if found else None

    def phrase(self, name: str, text: str) -> str | None:
        """The words of `text` that named facet `name` ('免费' for money), or None."""
        pattern = self._facet_by_name.get(name)
        match = pattern.search(text) if pattern else None
        return match.group() if match else None

    def facets(self, text: str) -> list[str]:
        """Every facet the text asks about, in answering.yml's order."""
        return list(dict.fromkeys(self._aliases.get(n, n) for n, p in self._facets if p.search(text)))

    def mode(self, text: str) -> str | None:
        """'compare', 'count' or 'list' when the question asks about several things."""
        return next((n for n, p in self._modes if p.search(text)), None)

    def has(self, name: str, text: str) -> bool:
        """Whether `text` holds a phrase of the list `name` (back_references, same_theme…)."""
        return bool(self._lists[name].search(text))

    def found(self, name: str, text: str) -> list[str]:
        """Every phrase of the list `name` in `text`, in order ('大厅' for place_nouns)."""
        return [m.group() for m in self._lists[name].finditer(text)]

    def covered_thing(self, text: str) -> str | None:
        """'长期护理险' of '讲不讲长期护理险', '小区门口的早点摊' of '小区门口的早点摊也归他们管不':
        what a record is asked to cover; None if not asked."""
        match = self._covers_asked.search(text)
        if not match:
            return None
        group = 1 if match.group(1) is not None else 2  # after the verb, or before "归…管"
        if _KIND_AFTER.search(text[match.start(group):]):
            return None  # "有没有讲劳动法的那种活动": a kind of record asked for, not a detail
        return match.group(group)

    def when_event(self, text: str) -> str | None:
        """'开园' in '公园啥时候开园': the event a "when" asks about, unless it is the work an
        item's deadline is for (a word holding 完, 公开…) — answering.yml `when_events`."""
        match = self._when_event.search(text)
        word = match.group(1) if match else None
        return word if word and not any(part in word for part in self._scheduled) else None

    def excluded_phrase(self, text: str) -> str | None:
        """'住建委' in '除了住建委还有谁'."""
        match = self._exclusion.search(text)
        return match.group(1) if match else None

    def ordinal(self, text: str, length: int) -> int | None:
        """0-based position in a list of `length` that 倒数第二个/最后一个/第三个 points at."""
        if length <= 0:
            return None
        if self._last.search(text):
            return length - 1
        if self._first.search(text):
            return 0
        match = self._from_end.search(text)
        if match and (n := to_number(match.group(1))) and n <= length:
            return length - n
        match = self._from_start.search(text.strip())
        if match and (n := to_number(match.group(1))) and n <= length:
            return n - 1
        return None

    def position_in(self, text: str, length: int) -> int | None:
        """`ordinal`, or '第一个' anywhere in the text ("政策专属礼包专题第一个点")."""
        position = self.ordinal(text, length)
        match = _NTH.search(text)
        if position is None and match and (n := to_number(match.group(1))) and n <= length:
            return n - 1
        return position

    @staticmethod
    def writes_year(text: str) -> bool:
        """Whether a year is written out ("2024年", "二〇二一年"), not said as 今年/明年."""
        return bool(YEAR.search(text) or CN_YEAR.search(text))

    def counts_from_end(self, text: str) -> bool:
        """'倒数第二个': a position from the end, never the number 2."""
        return bool(self._from_end.search(text))

    def step(self, text: str, within: int | None = None) -> int:
        """-1 for '前面一个', +1 for '后面一个' (from the record just discussed), else 0; with
        `within`, only in a clause of at most that many characters ("前一个是哪个单位来着 我笔记
        没记全": its first clause)."""
        clauses = [c for c in re.split(r"[，,。；;！!？?\s]+", text) if c] if within else [text]
        return next((step for clause in clauses if not within or len(clause) <= within
                     for step, pattern in self._steps if pattern.search(clause)), 0)

    def deadline_month(self, text: str) -> int | None:
        """10 for '10月底前要完成的', 12 for '年底前完成的'; None when no deadline filter."""
        if self._lists["year_end_filter"].search(text):
            return 12
        match = self._deadline.search(text)
        month = to_number(next(g for g in match.groups() if g)) if match else None
        return month if month and 1 <= month <= 12 else None

    def asked_years(self, text: str, today: dt.date) -> tuple[int, ...]:
        """Years a question is about: '2026年', and 今年/明年/下周… counted from `today`."""
        def about_plans(end: int) -> bool:
            return len(text) <= _SHORT or bool(_ABOUT_PLANS.search(text[end:end + _YEAR_REACH]))

        def written_about_plans(end: int) -> bool:
            if _OWN_EVENT.search(text[end:]):
                return False
            after = text[end:end + _WRITTEN_REACH]
            return about_plans(end) or bool(_ABOUT_PLANS.search(after) or _WRITTEN_ABOUT.search(after))

        pointed = {int(m.group(1)) % 100 + 2000 for m in YEAR.finditer(text) if _POINTING.search(text[m.end():])}
        if pointed:
            return tuple(sorted(pointed))
        years = {int(m.group(1)) % 100 + 2000 for m in YEAR.finditer(text)
                 if (written_about_plans if len(m.group(1)) == 4 else about_plans)(m.end())}
        years |= {int(m.group(1).translate(_CN_DIGITS)) % 100 + 2000
                  for m in CN_YEAR.finditer(text) if about_plans(m.end())}
        for word, offset in self._relative_years.items():
            for match in re.finditer(re.escape(word), text):
                if about_plans(match.end()):
                    years.add(today.year + offset)
        return tuple(sorted(years))

    def colloquial(self, text: str) -> set[str]:
        """Gazetteer topic ids a question describes without naming ('政府买东西' → 政府采购)."""
        return {
            topic for topic, phrases in self.colloquial_topics.items()
            if any(phrase in text for phrase in phrases)
        }

    def bare_number(self, text: str) -> int | None:
        """16 in '16呢' / '那十六号呢': a number alone, meant in the kind just discussed."""
        match = re.fullmatch(rf"\s*(?:那|哪|那么|还有)?\s*(?:第)?\s*{NUMERAL}\s*(?:号|个|项|场|讲)?\s*(?:呢|吗|咋样)?[?？。!！]*\s*",
                             text)
        return to_number(match.group(1)) if match else None
