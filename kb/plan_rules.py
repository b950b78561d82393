"""How citizens take part: the participation rules of an interaction plan.

In: the text of the plan's rules section (三、政民互动形式 / 三、参与方式 / 四、公众参与 …, its
paragraphs joined) and the whole plan's text (for the activity period and the deadline for
publishing materials, which stand under 工作要求).
Out: `read_rules(rules_text, plan_text)` → `ParticipationRules`. Numbers may be Arabic or
Chinese ("提前五个工作日", "约四十人"); "活动结束后N个工作日内" is the materials deadline,
never the notice period.
"""
from __future__ import annotations

import re
from typing import Optional

from kb.numerals import NUMBER, to_int
from kb.records import ParticipationRules

N = rf"\s*({NUMBER})\s*"
ONLINE = re.compile(rf"线上直播[^。]*?至少{N}个工作日")
NOTICE = (re.compile(rf"提前{N}个工作日"), re.compile(rf"(?<![后内]){'前'}(?:至少)?{N}个工作日(?!内)"))
CAPACITY = (
    re.compile(rf"(?:约|控制在|不超过|不多于|每场){N}人"),
    re.compile(rf"{N}人(?:左右|以内|以下)"),
)
MATERIALS = re.compile(rf"(?:开展|结束|举办)后{N}个工作日内")
PERIOD = re.compile(r"在(\d{4})年(\d{1,2})[-—－–~至]+(\d{1,2})月")
SELECTION_WORDS = ("公开遴选", "定向邀请", "公开招募", "自愿报名", "公开征集", "随机抽取", "网上报名",
                   "定向推荐")


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
    for sentence in re.split(r"[。；;]", text):
        found = sorted((sentence.find(w), w) for w in SELECTION_WORDS if w in sentence)
        if found:
            return tuple(w for _, w in found)
    return ()


def _forms(text: str) -> str:
    """The sentence saying in which forms activities are held (线上直播, 线下…), else the first."""
    sentences = [s for s in text.split("。") if s]
    chosen = next((s for s in sentences if "线上" in s or "直播" in s), sentences[0] if sentences else "")
    return chosen + "。"


def read_rules(rules_text: str, plan_text: str) -> ParticipationRules:
    online = ONLINE.search(rules_text)
    offline_text = rules_text.replace(online.group(0), "") if online else rules_text
    period = PERIOD.search(plan_text)
    return ParticipationRules(
        forms=_forms(rules_text),
        online_notice_working_days=to_int(online.group(1)) if online else None,
        online_notice_contents=_list_after(r"公告内容至少包括(.+?)[；;。]", rules_text),
        offline_size=_number(CAPACITY, rules_text),
        offline_groups=_list_after(r"人员范围为[:：]?(.+?)[。；;]", rules_text),
        selection_methods=_selection(rules_text),
        offline_notice_working_days=_number(NOTICE, offline_text),
        activity_period=(
            f"{period.group(1)}年{period.group(2)}—{period.group(3)}月" if period else ""
        ),
        activity_months=(int(period.group(2)), int(period.group(3))) if period else None,
        materials_published_within_working_days=_number((MATERIALS,), plan_text),
    )
