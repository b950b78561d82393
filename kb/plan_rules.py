"""How citizens take part: the participation rules of an interaction plan.

In: the text of the plan's rules section (三、政民互动形式 / 三、参与方式 / 四、公众参与 …, its
paragraphs joined) and the whole plan's text (for the activity period and the deadline for
publishing materials, which stand under 工作要求).
Out: `read_rules(rules_text, plan_text)` → `ParticipationRules`. Numbers may be Arabic or
Chinese ("提前五个工作日", "约四十人"); "活动结束后N个工作日内" is the materials deadline,
never the notice period. A notice clause about online activity only (线上/网络直播/直播) sets the
online notice, any other (现场/线下/举办前…) the offline one; "超过名额的随机抽取" is a tie-break,
not a selection method.
"""
from __future__ import annotations

import re
from typing import Optional

from core.numerals import NUMBER, to_int
from kb.records import ParticipationRules

N = rf"\s*({NUMBER})\s*"
NOTICE = (re.compile(rf"提前(?:至少)?{N}个工作日"),
          re.compile(rf"(?<![后内]){'前'}(?:至少)?{N}个工作日(?!内)"))
# Which kind of activity a notice clause is about: online words alone make it the online notice
# ("网络直播应提前两个工作日"); a clause naming on-site activity, or none, is the offline one.
ONLINE_WORDS = re.compile(r"线上|网络直播|直播|网上|云上")
OFFLINE_WORDS = re.compile(r"现场|线下|实地")
CAPACITY = (
    re.compile(rf"(?:约|控制在|不超过|不多于|每场){N}人"),
    re.compile(rf"{N}人(?:左右|以内|以下)"),
)
MATERIALS = re.compile(rf"(?:开展|结束|举办)后{N}个工作日内")
# "在2023年8--11月期间", "在2027年5月至10月期间", "于2027年5月到2027年10月"
PERIOD = re.compile(r"[在于](\d{4})年(\d{1,2})月?[-—－–~至到]+(?:\d{4}年)?(\d{1,2})月")
SELECTION_WORDS = ("公开遴选", "定向邀请", "公开招募", "自愿报名", "公开征集", "随机抽取", "网上报名",
                   "定向推荐")
# A tie-break inside open recruitment, not a method of its own:
# "报名人数超过名额的随机抽取", "报名人数超出名额的，采取抽签方式确定"
TIE_BREAK = re.compile(r"[^，,。；;]*(?:超过|超出|多于|大于)[^。；;]*?(?:随机抽取|抽签|摇号)[^，,。；;]*")


def _number(patterns, text: str) -> Optional[int]:
    for pattern in patterns:
        match = pattern.search(text)
        if match and to_int(match.group(1)) is not None:
            return to_int(match.group(1))
    return None


def _list_after(pattern: str, text: str) -> tuple[str, ...]:
    match = re.search(pattern, text)
    if not match:
        return ()
    items = (re.sub(r"等$", "", i).strip() for i in re.split(r"[、，,]", match.group(1)))
    return tuple(i for i in items if i)


def _selection(text: str) -> tuple[str, ...]:
    """The selection methods in the order the first sentence naming them gives them."""
    for sentence in TIE_BREAK.sub("", text).split("。"):
        found = sorted((sentence.find(w), w) for w in SELECTION_WORDS if w in sentence)
        if found:
            return tuple(w for _, w in found)
    return ()


def _notices(text: str) -> tuple[Optional[int], Optional[int]]:
    """(online, offline) working days of notice, each from the first clause that sets it."""
    online = offline = None
    for clause in re.split(r"[。；;]", text):
        days = _number(NOTICE, clause)
        if days is None:
            continue
        if ONLINE_WORDS.search(clause) and not OFFLINE_WORDS.search(clause):
            online = days if online is None else online
        elif offline is None:
            offline = days
    return online, offline


def _forms(text: str) -> str:
    """The sentence saying in which forms activities are held (线上直播, 线下…), else the first."""
    sentences = [s for s in text.split("。") if s]
    chosen = next((s for s in sentences if "线上" in s or "直播" in s), sentences[0] if sentences else "")
    return chosen + "。"


def read_rules(rules_text: str, plan_text: str) -> ParticipationRules:
    online, offline = _notices(rules_text)
    period = PERIOD.search(plan_text)
    return ParticipationRules(
        forms=_forms(rules_text),
        online_notice_working_days=online,
        online_notice_contents=_list_after(r"公告内容至少包括(.+?)[；;。]", rules_text),
        offline_size=_number(CAPACITY, rules_text),
        offline_groups=_list_after(r"人员范围为[:：]?(.+?)[。；;]", rules_text),
        selection_methods=_selection(rules_text),
        offline_notice_working_days=offline,
        activity_period=(
            f"{period.group(1)}年{period.group(2)}—{period.group(3)}月" if period else ""
        ),
        activity_months=(int(period.group(2)), int(period.group(3))) if period else None,
        materials_published_within_working_days=_number((MATERIALS,), plan_text),
    )
