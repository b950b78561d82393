"""Numbers as plans and citizens write them.

In: a short string such as "12", "１２", "十二", "九十九", "二〇二六", "两", "〇".
Out: `to_int(text)` gives the int, or None when the text is not one number.

The regex pieces every module builds its number patterns from (character classes, the inside
of `[...]`): `ARABIC` (digits, ASCII or full width), `CN_SMALL` (一…十: the numbers up to 99
as written, e.g. 十二, 九十九 — list positions, months, days, headings), `CN_SPOKEN`
(`CN_SMALL` and 两, as people say 第两个), `CN_YEAR_DIGITS` (a year digit by digit: 二〇二六);
and `NUMBER`, one whole number in a regex.
"""
from __future__ import annotations

import re
from typing import Optional

import cn2an

ARABIC = "0-9０-９"
CN_SMALL = "一二三四五六七八九十"
CN_SPOKEN = CN_SMALL + "两"
CN_YEAR_DIGITS = "〇零一二三四五六七八九"
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
