"""What any channel may hand to Rasa: one set of rules for every channel (bot/channels/polite.py
applies them to REST, the widget's socket.io and WeChat alike).

1. **Invalid Unicode is repaired at the door.** `clean_text` drops lone surrogates (half an
   emoji cut by a client: `\\ud83d`), non-characters (U+FDD0–U+FDEF, U+xFFFE/U+xFFFF) and
   control characters other than newline and tab (`\\r\\n` and `\\r` become `\\n`); text,
   sender id and metadata (`clean_data`) all pass through it, so nothing downstream (the
   tracker store, the action server's JSON) meets a string it cannot encode.
2. **Smileys are answered here, never misunderstood.** A message of only WeChat smileys
   (`/::)`, `[微笑]`; the list is the data file bot/channels/smileys.yml), Unicode emoji
   (👍😊, via the `regex` module's emoji properties), keyboard emoticons, kaomoji
   (`(๑•̀ㅂ•́)و✧`, `╮(╯▽╰)╭`: see `is_kaomoji`) and punctuation gets
   the friendly `utter_emoji_only` from the channel: it never reaches NLU, so it never counts
   towards the hand-off after two misunderstandings. In a message with text the smiley codes
   are removed and the text goes on.
3. **Typed text never drives the dialogue engine.** Rasa reads a message whose text starts
   with "/" as an intent payload (`INTENT_MESSAGE_PREFIX`; `RegexMessageHandler`, the last
   step of the NLU graph, unpacks `/intent@conf{"entities"}` from the text the normaliser
   left — and the normaliser turns "／" into "/" and drops leading invisible characters). So
   a "/"-text is passed on unchanged only when it is exactly
   - a button payload the assistant offered in this conversation, in its replies to the
     citizen's last `RECENT_TURNS` messages (read from the tracker store, see
     `offered_payloads`), or
   - a payload the channel itself generated and marked as such: the message's metadata
     says `{"channel_payload": <the payload>}` (`CHANNEL_PAYLOAD`, read by `marked_payload`)
     and the payload is one that channel may generate (`channel_payloads`: the WeChat
     menu's clicks and the WeChat channel's own events, marked by the WeChat bridge for
     events only, never for typed text; the widget's `/negative_feedback` after two 不满意,
     marked by the widget for its own button only, never for the input box). The same
     payload typed by the citizen carries no marker and is treated as any typed "/"-text.
   A payload offered earlier in the stored conversation stands for its button's title (the
   citizen clicked an old button: the title goes to NLU as if typed). Anything else is the
   citizen's text: a bare command (`/restart`, `/session_start`, `/sign_up{...}`) gets
   `utter_typed_command` from the channel, other text loses its leading slashes and goes to
   NLU as plain text.

`route(text, channel, offered, marked)` applies 2 and 3 to a cleaned, non-empty text and says what to
do: pass `Route.text` to Rasa, or answer with the domain response `Route.reply`.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

import regex
import yaml
from rasa.shared.constants import INTENT_MESSAGE_PREFIX

log = logging.getLogger(__name__)

SMILEYS_FILE = Path(__file__).with_name("smileys.yml")
EMOJI_ONLY, TYPED_COMMAND = "utter_emoji_only", "utter_typed_command"

# A payload counts as offered when it was a button in the assistant's replies to the
# citizen's last RECENT_TURNS messages; older buttons stand for their titles.
RECENT_TURNS = 5

# What the widget (widget/widget.js) sends on its own: after two 不满意 the feedback
# endpoint says so and the widget hands the conversation to people.
WIDGET_PAYLOADS = frozenset({"/negative_feedback"})
SOCKETIO_CHANNEL, WECHAT_CHANNEL = "socketio", "wechat"
# The metadata key with which a channel marks a payload it generated itself (its value is
# that payload); a channel never sets it for what the citizen typed.
CHANNEL_PAYLOAD = "channel_payload"

_SLASHES = INTENT_MESSAGE_PREFIX + "／"
# Characters kb.normalise drops or turns into a space before RegexMessageHandler strips.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})
# Rasa's payload grammar (YAMLStoryReader._regex_message_pattern) for an intent name a
# citizen could mean as a command: ASCII identifier, optional @confidence and {entities}.
_COMMAND = re.compile(r"\s*[A-Za-z_][A-Za-z0-9_.\-]*\s*(?:@[0-9.]*)?\s*(?:\{.*\})?\s*", re.DOTALL)
_EMOJI = regex.compile(
    r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}"
    r"\u200d\ufe0e\ufe0f\u20e3\U000e0020-\U000e007f]+"
)
_HAN = regex.compile(r"\p{Han}")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")


# --------------------------------------------------------------------------- 1. Unicode


def _drop(char: str) -> bool:
    if char in "\n\t":
        return False
    if unicodedata.category(char) in ("Cs", "Cc"):
        return True
    code = ord(char)  # a non-character: U+FDD0..U+FDEF, U+xFFFE, U+xFFFF
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def clean_text(text: str) -> str:
    """`text` without lone surrogates, non-characters and control characters other than
    newline and tab (CR LF and CR become LF). Unassigned code points stay (newer emoji than
    this Python knows). Never raises for a str."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.isascii() and text.isprintable():
        return text
    return "".join(char for char in text if not _drop(char))


def clean_data(value: Any) -> Any:
    """`value` (JSON-like: dicts, lists, strings, numbers) with every string, keys included,
    passed through `clean_text`; other values unchanged."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {clean_data(k): clean_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_data(v) for v in value]
    return value


# --------------------------------------------------------------------------- 2. smileys


@dataclass(frozen=True)
class Smileys:
    """The smileys of bot/channels/smileys.yml, compiled."""

    anywhere: "re.Pattern[str]"  # WeChat codes ("::)" also at the very start) and [names]
    emoticons: frozenset[str]

    @classmethod
    def from_file(cls, path: Path = SMILEYS_FILE) -> "Smileys":
        """Raises OSError / yaml.YAMLError / KeyError when the file is missing or broken."""
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        codes = {str(code): [str(n) for n in names or []] for code, names in data["wechat_codes"].items()}
        names = {n for ns in codes.values() for n in ns} | {str(n) for n in data.get("bracket_names") or []}
        # Longest first, so "/::-O" is not read as "/::-" + "O"; the leading "/" is optional
        # only at the start of the message (a client's lstrip("/") of the first code).
        tails = "|".join(re.escape(c[1:]) for c in sorted(codes, key=len, reverse=True))
        brackets = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        pattern = rf"(?:/|^\s*)(?:{tails})|\[(?:{brackets})\]"
        return cls(re.compile(pattern), frozenset(str(e) for e in data.get("emoticons") or []))

    def strip(self, text: str) -> tuple[str, bool]:
        """`text` without WeChat smiley codes and [names]; whether there were any."""
        stripped, count = self.anywhere.subn("", text)
        return stripped, count > 0

    def only_smileys(self, text: str) -> bool:
        """True when `text` holds smileys, emoji or emoticons and otherwise only spaces and
        punctuation, or is (besides those) a kaomoji (`is_kaomoji`)."""
        rest, found = self.strip(text)
        rest, emoji = _EMOJI.subn("", rest)
        words = rest.split()
        emoticons = [w for w in words if w in self.emoticons]
        rest = " ".join(w for w in words if w not in self.emoticons)
        punctuation_only = all(unicodedata.category(c)[0] in "PZ" or c in "~～" for c in rest)
        if (found or emoji > 0 or bool(emoticons)) and punctuation_only:
            return True
        return is_kaomoji(rest)


def _borrowed_letter(char: str) -> bool:
    # A letter or digit of some script (Thai ๑, Hangul ㅂ, Arabic و, Greek ω, Cyrillic Д,
    # kana づ); modifier letters (ﾟ, ヽ, ˘) are drawing strokes, like symbols.
    category = unicodedata.category(char)
    return category[0] in "LN" and category != "Lm"


def is_kaomoji(text: str) -> bool:
    """True when `text` is an emoticon drawn with characters (kaomoji: `(*^▽^*)`,
    `(๑•̀ㅂ•́)و✧`, `(╯°□°）╯︵ ┻━┻`, `ಠ_ಠ`, `(。_。)`), not words: no Chinese character, no
    ASCII letter or digit (also in full width: a phone number is not a kaomoji), the rest
    symbols, punctuation, combining marks, spaces and letters of other scripts that never
    stand next to each other (a word — 안녕하세요, привет, ありがとう — has adjacent letters).
    Punctuation alone counts only inside a pair of brackets: "？？？" or "……" is not one."""
    if not text.strip() or _HAN.search(text) or _ASCII_WORD.search(unicodedata.normalize("NFKC", text)):
        return False
    previous_letter = False
    categories: set[str] = set()
    for char in text:
        category = unicodedata.category(char)
        if category[0] == "M":  # a combining mark belongs to the character before it
            categories.add(category[0])
            continue
        if category[0] == "C" and char not in "\n\t":
            return False
        letter = _borrowed_letter(char)
        if letter and previous_letter:
            return False
        previous_letter = letter
        if category[0] != "Z" and not char.isspace():
            if letter:
                categories.add("L")
            elif category in ("Ps", "Pe"):
                categories.add(category)
            elif category[0] == "P" or char in "~～":  # "~" alone is no smiley either
                categories.add("P")
            else:
                categories.add(category[0])
    drawn = bool(categories & {"S", "M", "L"}) or {"Ps", "Pe"} <= categories
    return drawn and categories != {"L"}


@lru_cache(maxsize=1)
def smileys() -> Smileys:
    """The smileys of the data file, loaded once."""
    return Smileys.from_file()


# --------------------------------------------------------------------------- 3. payloads


@dataclass(frozen=True)
class Offered:
    """Button payloads the assistant offered: `recent` ones may be sent back as they are;
    `older` ones map to their button's title."""

    recent: frozenset[str] = frozenset()
    older: Mapping[str, str] = field(default_factory=dict)


def offered_payloads(events: Iterable[Any], recent_turns: int = RECENT_TURNS) -> Offered:
    """The buttons (and quick replies) of the bot messages among `events` (Rasa events of one
    conversation, oldest first): those after the citizen's last `recent_turns` messages are
    `recent`; earlier ones are `older`, with their titles."""
    from rasa.shared.core.events import BotUttered, UserUttered

    recent: set[str] = set()
    older: dict[str, str] = {}
    turns = 0
    for event in reversed(list(events)):
        if isinstance(event, UserUttered):
            turns += 1
        elif isinstance(event, BotUttered):
            data = event.data or {}
            for button in [*(data.get("buttons") or []), *(data.get("quick_replies") or [])]:
                if not isinstance(button, Mapping) or not isinstance(button.get("payload"), str):
                    continue
                payload = button["payload"].strip()
                if turns < recent_turns:
                    recent.add(payload)
                elif payload not in older and isinstance(button.get("title"), str):
                    older[payload] = button["title"]
    return Offered(frozenset(recent), {p: t for p, t in older.items() if p not in recent})


@lru_cache(maxsize=1)
def _wechat_payloads() -> frozenset[str]:
    # Imported here: the wechat package imports polite.py, which imports this module.
    from bot.channels import wechat

    own = {wechat.GREET_PAYLOAD, wechat.UNSUPPORTED_PAYLOAD, wechat.VOICE_UNRECOGNISED_PAYLOAD}
    return frozenset(own | set(wechat.load_click_payloads(wechat.DEFAULT_MENU_FILE).values()))


# Payloads a channel declared from its configuration when it was built (not conversation
# state: the same in every Rasa process that loads the same credentials).
_declared: dict[str, frozenset[str]] = {}


def accept_channel_payloads(channel: str, payloads: Iterable[str]) -> None:
    """Declare payloads the channel named `channel` may generate on its own besides the
    built-in ones (e.g. WeChat menu clicks from credentials.yml's `click_payloads`). They
    are accepted only when a message carries them marked (`marked_payload`)."""
    _declared[channel] = _declared.get(channel, frozenset()) | {p.strip() for p in payloads}


def channel_payloads(channel: Optional[str]) -> frozenset[str]:
    """Payloads the channel named `channel` (UserMessage.input_channel) may generate on its
    own: WeChat's menu clicks (bot/wechat_menu.yml) and events, the widget's WIDGET_PAYLOADS,
    and whatever the channel declared with `accept_channel_payloads`. Only a marked message
    (`marked_payload`) gets one of them through."""
    own: frozenset[str] = frozenset()
    if channel == WECHAT_CHANNEL:
        own = _wechat_payloads()
    elif channel == SOCKETIO_CHANNEL:
        own = WIDGET_PAYLOADS
    return own | _declared.get(channel or "", frozenset())


def marked_payload(metadata: Any) -> Optional[str]:
    """The payload a channel marked as generated by itself in a message's `metadata`
    (`{CHANNEL_PAYLOAD: "/negative_feedback"}`), stripped; None when there is no such mark
    (typed text, or metadata that is not a dict)."""
    if isinstance(metadata, Mapping) and isinstance(metadata.get(CHANNEL_PAYLOAD), str):
        return metadata[CHANNEL_PAYLOAD].strip() or None
    return None


def _without_leading_invisibles(text: str) -> str:
    index = 0
    while index < len(text) and (text[index].isspace() or unicodedata.category(text[index]) in _INVISIBLE):
        index += 1
    return text[index:]


def looks_like_payload(text: str) -> bool:
    """Whether Rasa would read `text` as an intent payload (after our normaliser)."""
    return _without_leading_invisibles(text)[:1] in tuple(_SLASHES)


def plain(text: str) -> str:
    """`text` with its leading slashes (and the invisible characters around them) removed,
    so Rasa reads it as text."""
    text = _without_leading_invisibles(text)
    while text[:1] and text[0] in _SLASHES:
        text = _without_leading_invisibles(text[1:])
    return text


def is_command(text: str) -> bool:
    """A "/"-text that is only a command (`/restart`, `/sign_up{"x": 1}`), not a sentence."""
    return looks_like_payload(text) and _COMMAND.fullmatch(plain(text)) is not None


def needs_offered(text: str) -> bool:
    """Whether `route` needs the offered payloads for `text` (the tracker is read only then)."""
    return looks_like_payload(text) and not smileys().only_smileys(text)


@dataclass(frozen=True)
class Route:
    """Pass `text` to Rasa, or (when `reply` is set) answer with that domain response."""

    text: str = ""
    reply: Optional[str] = None


def route(
    text: str, channel: Optional[str], offered: Optional[Offered] = None, marked: Optional[str] = None
) -> Route:
    """Rules 2 and 3 of the module docstring for a cleaned, non-empty `text` from `channel`;
    `offered`: the conversation's offered payloads (None: none known); `marked`: the payload
    the channel marked the message with (`marked_payload` of its metadata; None: typed).
    Never raises."""
    table = smileys()
    if table.only_smileys(text):
        return Route(reply=EMOJI_ONLY)
    if looks_like_payload(text):
        payload = text.strip()
        offered = offered or Offered()
        generated = marked is not None and marked == payload and payload in channel_payloads(channel)
        if generated or payload in offered.recent:
            return Route(text=payload)
        if payload in offered.older:
            return Route(text=plain(offered.older[payload]))
    rest, had_smileys = table.strip(text)
    if looks_like_payload(rest):
        if is_command(rest):
            return Route(reply=TYPED_COMMAND)
        rest = plain(rest)
    if had_smileys:
        rest = rest.strip()
    if not rest.strip():
        return Route(reply=EMOJI_ONLY if had_smileys else TYPED_COMMAND)
    return Route(text=rest)


# --------------------------------------------------------------------------- the tracker


async def offered_in_conversation(sender_id: str) -> Offered:
    """The payloads offered in the stored conversation of `sender_id`, read through the
    running Rasa server's agent: its tracker store (shared by all Rasa processes) under its
    lock store's lock, so a reply still being processed is waited for. No agent (not inside
    the Rasa server) or no conversation: nothing offered. Raises what the stores raise."""
    agent = _agent()
    if agent is None or getattr(agent, "tracker_store", None) is None:
        return Offered()
    lock_store = getattr(agent, "lock_store", None)
    if lock_store is None:
        tracker = await agent.tracker_store.retrieve(sender_id)
    else:
        async with lock_store.lock(sender_id, wait_time_in_seconds=0.05):
            tracker = await agent.tracker_store.retrieve(sender_id)
    return offered_payloads(tracker.events) if tracker is not None else Offered()


def _agent() -> Any:
    from sanic import Sanic
    from sanic.exceptions import SanicException

    try:
        app = Sanic.get_app()  # the Rasa server's one Sanic app in this process
    except SanicException:
        apps = [a for a in Sanic._app_registry.values() if getattr(a.ctx, "agent", None) is not None]
        app = apps[0] if len(apps) == 1 else None
    return getattr(getattr(app, "ctx", None), "agent", None)
