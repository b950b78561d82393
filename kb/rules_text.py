"""The participation rules (政民互动形式 / 工作要求 of the newest interaction plan) as
answers: the templates of answering.yml filled with the plan's figures, or the plan's own
sentences when it does not give a figure a template names."""
from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from typing import Any

from kb.knowledge import KnowledgeBase, Record, sentences


class RulesText:
    """kb: the knowledge base; config: answering.yml; t: its text formatter (key, **values)."""

    def __init__(self, kb: KnowledgeBase, config: Mapping[str, Any], t: Callable[..., str]) -> None:
        self.kb, self.config, self.t = kb, config, t
        self.texts: dict[str, str] = config["texts"]
        self.sep = self.texts["list_separator"]

    def text(self, facet: str | None) -> str:
        """The participation rules' answer to `facet` (size, who_can_join, how_to_join, online,
        notice, materials, when; other: a summary), with the figures of the newest plan."""
        record = self.kb.latest("rules")
        if record is None:
            return ""
        rules = record.row
        values = dict(
            offline_size=rules["offline_size"], groups=self.sep.join(rules["offline_groups"]),
            methods=self.sep.join(rules["selection_methods"]),
            offline_notice=rules["offline_notice_working_days"],
            online_notice=rules["online_notice_working_days"],
            online_contents=self.sep.join(rules["online_notice_contents"]),
            materials_days=rules["materials_published_within_working_days"],
            period=self.period(rules, record.document.year),
        )
        key = {
            "size": "rules_size", "who_can_join": "rules_who", "how_to_join": "rules_how",
            "online": "rules_online", "notice": "rules_notice", "materials": "rules_materials",
            "when": "rules_when",
        }.get(facet or "", "rules_summary")
        needed = {name for _, name, _, _ in string.Formatter().parse(self.texts[key]) if name}
        if any(values[name] in (None, "") for name in needed & set(values)):
            # A plan that does not give a figure this answer names ("约None人" must never be
            # shown): the plan's own words instead.
            return self.said(record, facet)
        text = self.t(key, **values)
        if facet == "when":
            text += self.t("period_note", years=record.document.year)
        return text

    def said(self, record: Record, facet: str | None) -> str:
        """The rules' own sentences that write a word of the facet asked (answering.yml
        `rules_said`), else their first sentence; quoted as the plan writes them."""
        pieces = sentences(record.source_text or "")
        words = self.config["rules_said"].get(facet or "", [])
        said = [p for p in pieces if any(w in p for w in words)] if words else pieces[:1]
        return "".join(said) or self.t("rules_not_given")

    @staticmethod
    def period(rules: Mapping[str, Any], year: int | None) -> str:
        """'2023年8月至11月' from the plan's months; the plan's own words when it has none."""
        months = rules.get("activity_months")
        if months and year:
            return f"{year}年{months[0]}月至{months[1]}月"
        return rules["activity_period"]
