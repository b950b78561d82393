"""Questions about another place than Daxing district ("朝阳区的开放日有哪些开放点", "上海的
政务开放日怎么报名", "通州有没有医保宣讲"): the stored plans are Daxing's, so what another
district, city or province does is refused — naming what Daxing's plans say on the same
thing when they say something — never answered from Daxing's plans as if they were that
place's (issue 13, a kind found by the twelfth diagnosis set).

A place is the question's subject when a word about that place's own affairs follows it
(的, 那边, 有没有, 搞, a year, a plan's or an activity's word); a place that only says where
the citizen lives or works ("我在朝阳上班 大兴的开放日能去吗") is the citizen's story.
The place names and those words are data (answering.yml `other_places`).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


class OtherPlaces:
    """config: answering.yml's `other_places` ({"names": regex, "subject_after": regex,
    "story_before": regex})."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.names = re.compile(config["names"])
        self.subject_after = re.compile(config["subject_after"])
        self.story_before = re.compile(config["story_before"])

    def asked(self, text: str) -> str | None:
        """The other place `text` asks about, as the citizen wrote it; None when it asks
        about Daxing (or names another place only as the citizen's story)."""
        for match in self.names.finditer(text):
            if self.subject_after.match(text, match.end()) \
                    and not self.story_before.search(text, 0, match.start()):
                return match.group(0)
        return None

    def without(self, text: str) -> str:
        """`text` with every other place's name taken out: what it asks, said of Daxing."""
        return self.names.sub("", text)
