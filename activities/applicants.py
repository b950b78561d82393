"""Cleaning what citizens type into the sign-up and lookup forms (no Rasa here).

Each function returns the clean value or None when the input cannot be one, so the form
can ask again politely instead of storing junk.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from activities.models import IDENTITIES
from activities.service import normalise_reference

IDENTITIES_FILE = Path(__file__).parent / "data" / "identities.yml"
NO_ORGANISATION = "无"
_NAME_PREFIX = re.compile(r"^(?:我的?名字?(?:是|叫)?|我叫|我是|姓名(?:是|：|:)?|名字(?:是|：|:)?|本人)\s*")
# Han characters, letters and the middle dots of minority and foreign names.
_NAME = re.compile(r"[\u3400-\u9fffA-Za-z·•．. ]{2,20}")
_ORG_PREFIX = re.compile(r"^(?:我的?)?(?:工作)?(?:单位|学校|公司)(?:是|在|：|:)?\s*|^我在\s*")
_NO_ORG = re.compile(r"^(?:无|没有|没|暂无|不填|跳过|不用填?|不方便|无单位|没单位|没有单位|无业|待业|退休了?)[。.!！]?$")
_REFERENCE_IN_TEXT = re.compile(r"[Dd][Xx][\s-]?[0-9A-Za-z]{6}(?![0-9A-Za-z])")


def clean_name(text: str) -> str | None:
    """"我叫 王小明" → "王小明"; None for digits, symbols, or a length no name has."""
    name = _NAME_PREFIX.sub("", (text or "").strip()).strip(" 。.,，!！")
    return name if _NAME.fullmatch(name) else None


@lru_cache(maxsize=1)
def _identity_words() -> dict[str, list[str]]:
    words = yaml.safe_load(IDENTITIES_FILE.read_text(encoding="utf-8"))
    assert set(words) == set(IDENTITIES), "identities.yml must list exactly models.IDENTITIES"
    return words


def identity_of(text: str) -> str | None:
    """The plan's identity a reply names: "我是家长" → 群众代表（家长或企业代表）."""
    text = (text or "").strip()
    if text in IDENTITIES:
        return text
    for identity, words in _identity_words().items():
        if any(word in text for word in words):
            return identity
    return None


def organisation_of(text: str) -> str | None:
    """The organisation as typed, `NO_ORGANISATION` for "无/没有/跳过", None if unusable."""
    value = _ORG_PREFIX.sub("", (text or "").strip()).strip(" 。.")
    if not value or _NO_ORG.match(value):
        return NO_ORGANISATION
    return value if len(value) <= 100 else None


def find_reference(text: str) -> str | None:
    """A reference number inside a message ("编号是dx 7k3q9m" → "DX-7K3Q9M")."""
    match = _REFERENCE_IN_TEXT.search(text or "")
    return normalise_reference(match.group(0)) if match else normalise_reference(text)
