"""Numbers as plans write them.

In: a short string such as "12", "１２", "十二", "九十九", "二〇二六", "两", "〇".
Out: `to_int(text)` gives the int, or None when the text is not one number.
"""
from __future__ import annotations

import re
from typing import Optional

import cn2an

# One number in a regex: Arabic digits (ASCII or full width) or Chinese numerals.
NUMBER = r"(?:[0-9０-９]+|[〇零一二两三四五六七八九十百千]+)"


def to_int(text: str) -> Optional[int]:
    """'35' → 35, '１２' → 12, '十二' → 12, '二〇二六' → 2026, '两' → 2; anything else → None.
    Read by cn2an (the pinned library for Chinese numerals), as everywhere in the project."""
    text = (text or "").strip()
    if not text or not re.fullmatch(NUMBER, text):
        return None
    try:
        return int(cn2an.cn2an(text, "smart"))
    except (ValueError, KeyError, TypeError):
        return None
