"""The details a citizen gives in free text while signing up or looking up an application
(no Rasa here): several at once ("我叫王芳 手机13800002222 家长代表 想报名第二场") and
corrections of one already given ("不对 名字写错了 是赵莉", "手机号改成13800002223",
"身份选错了 我是记者"), at any prompt and at the summary.

Fields are named as the forms' prompts are (`activities.applicants`: NAME, PHONE, IDENTITY,
ORGANISATION, SESSION, REFERENCE); the values are cleaned with the same functions the
prompts use (`clean_name`, `core.privacy.phone_of`, `identity_of`, `organisation_of`,
`find_reference`), so a value read here is exactly what typing it at its prompt would store.
The words are data: activities/data/details.yml.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from activities.applicants import (
    IDENTITY, NAME, NO_ORGANISATION, ORGANISATION, PHONE, REFERENCE, SESSION, find_reference, identity_of,
    organisation_named, organisation_of, person_name, says_no_organisation,
)
from core.numerals import ARABIC, CN_SPOKEN, to_int
from core.privacy import find_phone, phone_of, without_phones
from kb.normalise import to_simplified

DETAILS_FILE = Path(__file__).parent / "data" / "details.yml"
_POSITION = re.compile(rf"第\s*([{ARABIC}]{{1,2}}|[{CN_SPOKEN}]{{1,3}})\s*(?:个|场)")
_DELIMITERS = re.compile(r"[\s，,。.;；！!？?、]+")
# A clause that says what a value is not ("不是人大代表").
_NEGATED_CLAUSE = re.compile(r"(?:而|并)?(?:不是|并非)[^，,。；;\s]*")
_BARE_POSITION = re.compile(rf"([{ARABIC}]|[{CN_SPOKEN}]{{1,2}})\s*(?:号|个|场)?\s*[吧啊。.!！]*")
_LEADING_POSITION = re.compile(rf"\s*(?:换成|改成|换|选|报|要|就)?\s*([1-9]|[{CN_SPOKEN}])(?=\s|号|个|场|吧|$|[，,。])")
_TRAILING_PARTICLES = re.compile(r"[啊呀吧呢哈嘛哦]+$")


@lru_cache(maxsize=1)
def _words() -> dict:
    return yaml.safe_load(DETAILS_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Details:
    """What one message gives, field by field (None: not given). `position` is a place in
    the list of sessions shown ("第二场" → 2)."""

    name: str | None = None
    phone: str | None = None
    identity: str | None = None
    organisation: str | None = None
    position: int | None = None
    reference: str | None = None

    def given(self) -> dict[str, object]:
        values = {NAME: self.name, PHONE: self.phone, IDENTITY: self.identity,
                  ORGANISATION: self.organisation, SESSION: self.position, REFERENCE: self.reference}
        return {field: value for field, value in values.items() if value is not None}


def _after(cue: re.Pattern[str], text: str) -> str | None:
    """The words right after a cue, up to the next delimiter or cue of another field."""
    if not (match := cue.search(text)):
        return None
    rest = text[match.end():]
    stop = _field_cue_anywhere().search(rest)
    rest = rest[:stop.start()] if stop else rest
    piece = _DELIMITERS.split(rest.strip(), maxsplit=1)[0]
    return piece or None


@lru_cache(maxsize=1)
def _cues() -> dict[str, re.Pattern[str]]:
    return {field: re.compile("|".join(words)) for field, words in _words()["cues"].items()}


@lru_cache(maxsize=1)
def _field_cue_anywhere() -> re.Pattern[str]:
    return re.compile("|".join(w for words in _words()["cues"].values() for w in words)
                      + r"|\d|我想|我要|想报|要报|报名|报第|参加|上班|工作|上学|干活|打工|读书|教书|当[\u4e00-\u9fff]|身份")


# "我是…" names the person only when what follows is a name (details_in).
_I_AM = re.compile(r"(?:^|(?<=[\s，,。！!]))(?:我|本人|俺)是")
_WHO_ONE_IS = re.compile(r"本地|外地|这里|这儿|附近|大兴|北京|[省市区县镇乡村]人|的$|人$")


@lru_cache(maxsize=256)
def details_in(text: str) -> Details:
    """Every detail a free message gives with its cue ("我叫…", "手机…", "单位是…"), the
    identity by its words (identities.yml), the phone number wherever it stands, and a
    position in the list of sessions ("第二场"). A bare value with no cue is no detail here:
    it is the answer to the prompt, read there."""
    original = text or ""
    text = simplified(original)
    phone = find_phone(text)
    without_phone = without_phones(text) if phone else text
    name_piece = _after(_cues()[NAME], without_phone)
    organisation_piece = _after(_cues()[ORGANISATION], without_phone)
    if name_piece:
        name_piece = _TRAILING_PARTICLES.sub("", name_piece)  # "我叫李强啊手机号…"
    name = person_name(name_piece) if name_piece and identity_of(name_piece) is None else None
    if name is None and (after_role := re.search(_words()["name_after_role"], without_phone)):
        name = person_name(after_role.group(1))  # "我是京郊日报的记者诸葛晓东"
    if name is None and name_piece is None and (said := _after(_I_AM, without_phone)):
        # "我是陈燚 想报医保那个宣讲": a name after 我是 — never who one is ("我是家长", "我是本地人").
        name = person_name(said) if identity_of(said) is None and not _WHO_ONE_IS.search(said) else None
    tokens = [t for t in re.split(r"[\s，,。.;；！!？?、：:]+", without_phone) if t]
    identity = identity_of(without_phone) if any(w in without_phone for w in _words()["identity_words"]) else None
    beside_others = phone is not None or identity is not None
    if name is None and name_piece is None and beside_others:
        # "我要报名政务开放日 赵敏 14700000014 人大代表": a name standing alone between spaces,
        # beside a phone number or an identity (alone, it is the answer to the name prompt,
        # read there; "那挺好，就报这个吧" has none).
        name = next((n for token in tokens if (n := person_name(token)) and identity_of(token) is None), None)
    organisation = organisation_of(organisation_piece) \
        if organisation_piece and len(organisation_piece) >= 2 and not organisation_piece.startswith("的") else None
    if organisation is None and (role := re.search(_words()["role_of"], without_phone)):
        organisation = re.sub(r"^(?:我|俺)?(?:是|在)?", "", role.group(1))  # "我叫周涛，北京日报社的记者"
    if organisation is None and organisation_piece is None and (beside_others or name is not None):
        # "王丽 14600000020 北京兴旺达商贸有限公司", "我是记者 北京日报的": an organisation's
        # name standing alone; "没有单位": none.
        organisation = next((o for token in tokens if (o := organisation_named(token.removesuffix("的")))), None) \
            or (NO_ORGANISATION if says_no_organisation(without_phone) else None)
    return Details(
        name=as_typed(name, text, original),
        phone=phone,
        identity=identity,
        organisation=as_typed(organisation, text, original),
        position=_position(text),
        reference=_reference_only(text),
    )


def leading_position(text: str) -> int | None:
    """A place in the list of sessions given first ("2 我叫张秀英 电话…", "换成1", "选3吧")."""
    match = _LEADING_POSITION.match(simplified(text or ""))
    return to_int(match.group(1)) if match else None


def yes_or_no(text: str, yes: str) -> bool | None:
    """True when a reply says `yes` (details.yml `yes_words`: consent, confirm) and not its
    negation, False for the negation ("不同意"), None otherwise or for a question."""
    words = _words()["yes_words"][yes]
    text = simplified(text or "")
    if re.search(words["refuse"], text):
        return False
    return True if re.search(words["accept"], text) else None


def without_phone(text: str) -> tuple[str | None, str]:
    """(the phone number a message gives, the rest of it without the number and the words
    that announce it): "北京青年报 电话147 0000 0021" → ("14700000021", "北京青年报")."""
    text = simplified(text or "")
    phone = find_phone(text)
    if phone is None:
        return None, text
    rest = _cues()[PHONE].sub(" ", without_phones(text))
    return phone, _DELIMITERS.sub(" ", rest).strip()


def without_details(text: str) -> str:
    """The message without the details it gives (phone, name, organisation, identity words,
    their cues): what is left names the activity ("人大的 司马红梅 144… 魏善庄镇半壁店村
    村委会 报名医保讲座" → "报名医保讲座"; the village and 人大 are no activity asked for)."""
    details = details_in(text)
    rest = without_phones(simplified(text or ""))
    for value in (details.name, details.organisation):
        if value:
            rest = rest.replace(simplified(value), " ")
    for words in (_words()["identity_words"], *_words()["cues"].values()):
        rest = re.sub("|".join(words), " ", rest)
    return _DELIMITERS.sub(" ", rest).strip()


@dataclass(frozen=True)
class Correction:
    """A change of one field: its new value (cleaned), or None when the citizen only said it
    was wrong (the form asks for it again)."""

    field: str
    value: object | None


@lru_cache(maxsize=1)
def _correction_patterns() -> tuple[re.Pattern[str], dict[str, re.Pattern[str]], re.Pattern[str]]:
    words = _words()
    marker = re.compile("|".join(words["correction_markers"]))
    fields = {field: re.compile("|".join(names)) for field, names in words["field_names"].items()}
    value_cue = re.compile("|".join(words["value_cues"]))
    return marker, fields, value_cue


def correction_in(text: str, filled: dict[str, object], last_answered: str | None = None) -> Correction | None:
    """The correction a message makes, or None.

    text: the message. filled: the fields already given (field → value). last_answered: the
    field answered just before the current prompt, changed when the message names no field
    ("不对 是赵莉" at the phone prompt: the name). A correction needs a word of correcting
    (写错了, 改成, 不对, 应该是…, details.yml) and either a field's name or a value that
    only one field can take (a phone number, a reference, an identity)."""
    original = (text or "").strip()
    text = simplified(original)
    marker, fields, value_cue = _correction_patterns()
    if not marker.search(text):
        return None
    named = [field for field, pattern in fields.items() if pattern.search(text)]
    tail = text
    if cue := value_cue.search(text):
        tail = text[cue.end():]
    elif named:
        end = max(m.end() for f in named for m in fields[f].finditer(text))
        tail = marker.sub(" ", text[end:])
    tail = _TRAILING_PARTICLES.sub("", _NEGATED_CLAUSE.sub(" ", tail).strip(" ，,。.：:"))  # "…不是人大代表"
    if marker_only(tail):
        tail = ""
    field = named[0] if len(named) == 1 else None
    if field is None and len(named) > 1:
        return None  # "名字和手机号都错了": asked one at a time by the form
    value = _value_of(field, tail) if field else None
    if field is None:
        for guess, clean in ((PHONE, phone_of), (REFERENCE, _reference_only), (IDENTITY, identity_of),
                             (SESSION, _position)):
            if (value := clean(tail)) is not None and (guess in filled or guess == last_answered):
                field = guess
                break
        else:
            if last_answered in (NAME, ORGANISATION) and (value := _value_of(last_answered, tail)) is not None:
                field = last_answered
            elif last_answered is None and NAME in filled and (value := _value_of(NAME, tail)) is not None:
                field = NAME  # "不对不对 还是改回原来的王磊吧" at the summary
    if field is None:
        return None
    if field in (NAME, ORGANISATION) and isinstance(value, str):
        value = as_typed(value, text, original)
    return Correction(field, value)


def _reference_only(text: str) -> str | None:
    return find_reference(text) if re.search(r"[Dd][Xx]", text) else None


def _value_of(field: str, text: str) -> object | None:
    if not text:
        return None
    if field == NAME:
        # "是张丽娟 美丽的丽", "改成李秀英，英雄的英": the name, then how a character is written.
        return person_name(text) or person_name(
            _TRAILING_PARTICLES.sub("", _DELIMITERS.split(text.strip(), maxsplit=1)[0]))
    if field == PHONE:
        return phone_of(text)
    if field == IDENTITY:
        return identity_of(text)
    if field == ORGANISATION:
        value = organisation_of(text)
        return value if value and not marker_only(value) else None
    if field == REFERENCE:
        return _reference_only(text)
    if field == SESSION:
        return _position(text)
    return None


def _position(text: str) -> int | None:
    """"第二场" → 2; a bare number typed as the whole value ("换成1": the tail "1") too."""
    position = _POSITION.search(text) or _BARE_POSITION.fullmatch(text.strip())
    return to_int(position.group(1)) if position else None


def as_typed(value: str | None, simplified_text: str, original: str) -> str | None:
    """A name or organisation read from the simplified text, in the characters the citizen
    typed ("陳志明" stays 陳志明: a name is written as its owner writes it). OpenCC's t2s keeps
    the length of names; when the lengths differ, the simplified value stands."""
    if value is None or len(simplified_text) != len(original) or value not in simplified_text:
        return value
    at = simplified_text.index(value)
    return original[at:at + len(value)]


def simplified(text: str) -> str:
    """Traditional characters as simplified ones ("名字寫錯了" → "名字写错了"): the
    normaliser's own OpenCC step (kb.normalise.to_simplified)."""
    return to_simplified(text)


def field_label(field: str) -> str:
    """How replies name a field ("phone" → "手机号"; details.yml `labels`)."""
    return _words()["labels"].get(field, field)


def marks_correction(text: str) -> bool:
    """Whether a message has a word of correcting ("搞错了", "改成", "不对")."""
    marker, _, _ = _correction_patterns()
    return bool(marker.search(simplified(text or "")))


def marker_only(text: str) -> bool:
    """Whether `text` holds nothing but words of correcting ("写错了", "不对")."""
    marker, _, _ = _correction_patterns()
    return not marker.sub("", text).strip(" ，,。.!！了啊呀吧")
