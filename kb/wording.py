"""Small wording helpers of kb.rendering: a plan's month written out, a description's
opening clause, a question without its punctuation. Text in, text out."""
from __future__ import annotations

import re


def month(deadline: str | None) -> str | None:
    """'2023年12月' for the knowledge base's '2023-12'; None for no deadline."""
    if not deadline:
        return None
    year, number = deadline.split("-")
    return f"{int(year)}年{int(number)}月"


def gist(text: str) -> str:
    """The opening clause of a description: what a site or lecture is, in a few words."""
    for match in re.finditer(r"[，。；：,;]", text):
        if match.start() >= 8:
            return text[:match.start()]
    return text


def bare(text: str) -> str:
    """The text without spaces and the punctuation citizens end or split questions with."""
    return "".join(ch for ch in text if ch not in "？?。！!，, ")
