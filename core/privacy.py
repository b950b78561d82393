"""Phone numbers: the one place they are read, normalised for storage, and masked everywhere
people or logs can see them.

A mainland mobile number is 1[3-9] and nine more digits. Citizens write it in many ways:
full-width or mixed digits (１３９１２３４００８２), spaces, dashes or dots between groups
(138 1234 5678, 138-1234-5678, 138.1234.5678), with +86 / 86 / 0086 in front, with
parentheses ((+86) 138…). Every reader of a number (the forms, the hand-off, the operator
CLI) goes through `phone_of` / `normalise_phone` / `find_phone`, which return the canonical
11 ASCII digits; `mask_phones_in` masks every such written form in a text (the log masking,
ticket transcripts, the redaction of conversations).

In the shared kernel because every layer reads or masks numbers: activities (applications),
handoff (tickets), actions, bot (logs, channels) and ops (the operator CLI).
"""
from __future__ import annotations

import re
import unicodedata

# Digits as typed: ASCII or full-width (a Chinese IME in full-width mode).
_DIGIT = "[0-9\uff10-\uff19]"
# What people put between digit groups: spaces (also no-break and ideographic ones; never a
# line break), dashes and hyphens of every width, dots, parentheses.
_SEPARATOR = r"[ \t\u00a0\u3000\-\u2010-\u2015\u2212\uff0d.\uff0e\u00b7\u30fb()\uff08\uff09]"
_GAP = f"{_SEPARATOR}{{0,3}}"
# +86, 86, 0086 (any width), optionally in parentheses, before the number.
_PREFIX = (
    f"[(\uff08]?(?:[+\uff0b]|[0\uff10]{{2}})?[8\uff18]{_GAP}[6\uff16][)\uff09]?{_GAP}"
)
_MOBILE = f"[1\uff11]{_GAP}[3-9\uff13-\uff19](?:{_GAP}{_DIGIT}){{9}}"
# A mobile number inside a longer text, not glued to other digits.
_PHONE_IN_TEXT = re.compile(f"(?<![0-9\uff10-\uff19])(?:{_PREFIX})?({_MOBILE})(?![0-9\uff10-\uff19])")
_PHONE_EXACT = re.compile(r"(?:\+86|0086|86)?(1[3-9]\d{9})")
_NOT_DIGIT = re.compile(r"[^0-9]")


def _ascii(text: str) -> str:
    """Full-width forms made ASCII (Unicode NFKC: "１３８－" → "138-")."""
    return unicodedata.normalize("NFKC", text)


def _digits(written: str) -> str:
    return _NOT_DIGIT.sub("", _ascii(written))


def normalise_phone(text: str) -> str | None:
    """The whole text as one mobile number: "138 1234-5678" / "+86 １３８１２３４５６７８" /
    "(0086)138.1234.5678" → "13812345678"; None if it is not exactly a mainland mobile."""
    compact = re.sub(f"{_SEPARATOR}+", "", _ascii(text or ""))
    match = _PHONE_EXACT.fullmatch(compact)
    return match.group(1) if match else None


def find_phone(text: str) -> str | None:
    """The first mainland mobile number inside a longer message ("我的手机是138 1234 5678"),
    canonical (11 ASCII digits), or None."""
    match = _PHONE_IN_TEXT.search(text or "")
    return _digits(match.group(1)) if match else None


def phone_of(text: str) -> str | None:
    """The number a citizen gave, whether they typed only the number or a sentence;
    canonical (11 ASCII digits), or None when there is none."""
    return normalise_phone(text) or find_phone(text)


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678 (the form citizens know from bank and delivery apps)."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


def mask_phones_in(text: str) -> str:
    """`text` with every mobile number, in any written form, replaced by its masked form
    (138****5678); the rest of the text unchanged."""
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(_digits(m.group(1))), text)


def without_phones(text: str, replacement: str = " ") -> str:
    """`text` with every mobile number, in any written form, replaced by `replacement`."""
    return _PHONE_IN_TEXT.sub(replacement, text)


def mask_phone_in(text: str, phone: str) -> str:
    """Mask one particular number wherever it occurs in `text`, in any of its written forms."""
    return _PHONE_IN_TEXT.sub(
        lambda m: mask_phone(phone) if _digits(m.group(1)) == phone else m.group(0), text
    )
