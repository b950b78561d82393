"""One normalisation of citizens' text, shared by the NLU pipeline and the answer engine.

`normalise(text)` runs, in order:

1. clean: zero-width and other invisible format characters (Unicode Cf: U+200B, U+FEFF,
   U+00AD, …), control characters, private-use and unassigned code points are removed;
   line breaks, tabs and every other kind of space (U+3000, NBSP, …) become one ASCII
   space each (nothing is collapsed or stripped);
2. width: the full-width ASCII block U+FF01–U+FF5E becomes ASCII — letters, digits and
   punctuation alike, so ，？！：；（） become ,?!:;() everywhere, in training data and at
   run time (NFKC's choice). Punctuation without an ASCII twin (。、《》「」…) stays;
3. traditional → simplified with OpenCC (`t2s`, repeated until stable: 薴 → 苧 → 苎);
4. pinyin typed without conversion ("shiyebaoxian", "yibao xuanjiang", "kaifangdian 9"):
   a run of ASCII letter words whose letters are exactly the toneless pinyin of one or
   more vocabulary terms becomes those terms ("失业保险", "医保宣讲", "开放点 9"); anything
   else (English, codes like DX-7K3Q9M, e-mail addresses, URLs) is left alone;
5. sound-alike typos of vocabulary terms (医宝 → 医保, 开方点 → 开放点, 医保句 → 医保局):
   a stretch of whole jieba tokens, all Chinese characters, becomes a vocabulary term of
   the same length when every character that differs from the term's sounds like it — its
   usual toneless reading is the term character's reading (射保 → 社保: 射 is 'she'; its
   rare reading 'yi' does not make it 医保) — at least one character is already right, and
   the stretch is not itself a word of jieba's dictionary (事业单位, 一般, 保险 stay)
   nor a word in front of a name that is already right (去司法局 stays).
   Terms of three or more characters also match with the usual fuzzy sounds (zh/z, ch/c,
   sh/s, n/l, an/ang, en/eng, in/ing) when at least half of their characters are right.

Only vocabulary terms are ever written into the text, normalising twice changes nothing
more, and no text makes it fail. It takes about 0.1 ms a message (p99 0.3 ms; 5 ms for
1,000 characters). `Normaliser.align(text)` also says where each output character came
from (the NLU component uses it to move entity annotations of training examples).
"""
from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jieba
import opencc
from pypinyin import Style, lazy_pinyin, pinyin

from kb.gazetteer import _JIEBA_FREQUENCY

__all__ = ["Aligned", "Normaliser", "default_normaliser", "normalise"]

_LINE_BREAKS = frozenset("\n\r\t\v\f\x1c\x1d\x1e\x85\u2028\u2029")
COMMON_WORD = 1000  # jieba frequency of an everyday word (活动 27526; 开方 64)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Letter words typed as pinyin: not glued to other letters, and not part of a code, an
# address or a URL (DX-7K3Q9M, yibao@qq.com, www.yibao.cn); digits after are fine: kaifangdian9.
_LETTER_RUN = re.compile(
    r"(?<![A-Za-z0-9\-_@./])[A-Za-z]+(?: +[A-Za-z]+)*(?![A-Za-z_@]|\.[A-Za-z0-9])"
)
_WORD = re.compile(r"[A-Za-z]+")
# English words spelt exactly like the pinyin of a vocabulary term (博兴): left as typed.
_ENGLISH_WORDS = frozenset({"boxing"})
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"))
_FUZZY_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))


@dataclass(frozen=True)
class Aligned:
    """Normalised text and, for each of its characters, the span of the input it came from."""

    text: str
    origins: tuple[tuple[int, int], ...]

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        """The output span made from input characters start..end, or None if all removed."""
        hits = [k for k, (s, e) in enumerate(self.origins) if s < end and e > start]
        return (hits[0], hits[-1] + 1) if hits else None


@lru_cache(maxsize=None)
def _primary(char: str) -> str:
    """The usual toneless reading of one character ('射' → 'she', never its rare 'yi')."""
    readings = lazy_pinyin(char, style=Style.NORMAL, errors="ignore")
    return readings[0] if readings else ""  # a rare character pypinyin does not know


@lru_cache(maxsize=None)
def _readings(char: str) -> frozenset[str]:
    """Every toneless pinyin reading of one Chinese character ('长' → {'chang', 'zhang'})."""
    readings = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
    return frozenset(readings[0]) if readings else frozenset()


@lru_cache(maxsize=4096)
def _common_readings(char: str) -> tuple[str, ...]:
    """A character's two most usual readings (藏: cang, zang), not its rare ones (射: yi)."""
    readings = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
    return tuple(readings[0][:2]) if readings else ()


def _fuzzy(syllable: str) -> str:
    for full, short in _FUZZY_INITIALS:
        if syllable.startswith(full):
            syllable = short + syllable[len(full):]
            break
    for full, short in _FUZZY_FINALS:
        if syllable.endswith(full):
            return syllable[: -len(full)] + short
    return syllable


def _spellings(term: str) -> list[tuple[str, ...]]:
    """Toneless pinyin of a term: its phrase reading (重点 → zhong dian), then the usual
    reading of each character if that differs. Rare readings are left out on purpose:
    pypinyin knows 找 as 'hua' too, and 滑工作 is not 找工作."""
    phrase = tuple(lazy_pinyin(term, style=Style.NORMAL))
    usual = tuple(_primary(c) for c in term)
    return [phrase] if usual == phrase else [phrase, usual]


class _Trie:
    """Terms by their syllables, walked one typed character (any of its readings) at a time."""

    def __init__(self) -> None:
        self.root: dict = {}

    def add(self, syllables: Iterable[str], term: str) -> None:
        node = self.root
        for syllable in syllables:
            node = node.setdefault(syllable, {})
        node.setdefault(None, [])
        if term not in node[None]:
            node[None].append(term)

    @staticmethod
    def step(nodes: list[dict], readings: frozenset[str]) -> list[dict]:
        return [node[r] for node in nodes for r in readings if r in node]

    @staticmethod
    def terms(nodes: list[dict]) -> list[str]:
        return list(dict.fromkeys(t for node in nodes for t in node.get(None, ())))


@lru_cache(maxsize=None)
def _fuzzy_readings(char: str) -> frozenset[str]:
    return frozenset(_fuzzy(r) for r in _readings(char))


class Normaliser:
    """Normalises text against a vocabulary (the only words it ever writes into text)."""

    def __init__(self, vocabulary: Iterable[str], pinyin_words: Iterable[str] = (),
                 plan_words: Iterable[str] = ()) -> None:
        """vocabulary: the terms typos are corrected to and pinyin is converted to.
        pinyin_words: everyday question words ("谁", "哪些", "多少人") that pinyin typed
        without conversion may also become, after the vocabulary; never typo targets.
        plan_words: the plans' own words (线下, 公告), and the other readings of one-character
        question words (谁: shei), tried only when a run of pinyin cannot be read without
        them ("shi ji hao" stays 是几号, not 实际号)."""
        self.vocabulary = frozenset(w for w in (v.strip() for v in vocabulary) if w)
        pinyin_words, plan_words = list(pinyin_words), list(plan_words)
        # What the output depends on beyond the text: this module and the three word lists.
        digest = hashlib.sha256(Path(__file__).read_bytes())
        for words in (sorted(self.vocabulary), pinyin_words, plan_words):
            digest.update("\n".join(words).encode() + b"\0")
        self.fingerprint: str = digest.hexdigest()[:16]
        self._jieba = jieba.dt
        for word in self.vocabulary:
            self._jieba.add_word(word, freq=_JIEBA_FREQUENCY)
        self._jieba.initialize()
        self._exact = _Trie()
        self._fuzzy = _Trie()
        self._pinyin: dict[str, str] = {}
        self._spelt: dict[str, list[tuple[str, ...]]] = {}
        han_terms = sorted(w for w in self.vocabulary if all(_HAN.match(c) for c in w))
        for term in han_terms:
            spellings = _spellings(term)
            self._spelt[term] = spellings
            for spelling in spellings:
                self._exact.add(spelling, term)
                if len(term) >= 3:
                    self._fuzzy.add(map(_fuzzy, spelling), term)
            typed = "".join(spellings[0])  # pinyin typed as letters: the phrase reading
            for letters in {typed, typed.replace("v", "u")} - _ENGLISH_WORDS:
                self._pinyin.setdefault(letters, term)
        for word in pinyin_words:  # in order: the first word of a spelling wins
            typed = "".join(lazy_pinyin(word, style=Style.NORMAL))
            if len(typed) >= 2 and all(_HAN.match(c) for c in word):
                erhua = {typed[:-2] + "r"} if word.endswith("儿") else set()  # 哪儿: nar
                for letters in {typed, typed.replace("v", "u"), *erhua} - _ENGLISH_WORDS:
                    self._pinyin.setdefault(letters, word)
        self._wide = dict(self._pinyin)
        for word in pinyin_words:  # 谁 read shei
            if len(word) == 1 and _HAN.match(word):
                for letters in _readings(word) - _ENGLISH_WORDS:
                    if len(letters) >= 2:
                        self._wide.setdefault(letters, word)
        for word in plan_words:
            typed = "".join(lazy_pinyin(word, style=Style.NORMAL))
            if all(_HAN.match(c) for c in word) and typed not in _ENGLISH_WORDS:
                self._wide.setdefault(typed, word)
        self._pinyin_lengths = sorted({len(k) for k in self._pinyin}, reverse=True)
        self._wide_lengths = sorted({len(k) for k in self._wide}, reverse=True)
        self._max_term = max((len(t) for t in han_terms), default=0)
        self._lock = threading.Lock()  # jieba's lazy structures are not thread-safe

    # --- public ----------------------------------------------------------------------

    def normalise(self, text: str) -> str:
        return self.align(text).text

    def align(self, text: str) -> Aligned:
        chars, origins = self._clean(text)
        chars, origins = self._simplified(chars, origins)
        chars, origins = self._from_pinyin(chars, origins)
        chars = self._corrected(chars)
        return Aligned("".join(chars), tuple(origins))

    def is_real_word(self, word: str) -> bool:
        """A word of jieba's dictionary that is not one of ours (our words are boosted)."""
        return word not in self.vocabulary and self._jieba.FREQ.get(word, 0) > 0

    # --- steps -----------------------------------------------------------------------

    @staticmethod
    def _clean(text: str) -> tuple[list[str], list[tuple[int, int]]]:
        chars: list[str] = []
        origins: list[tuple[int, int]] = []
        for i, char in enumerate(text):
            if char in _LINE_BREAKS:
                char = " "
            elif "\uff01" <= char <= "\uff5e":
                char = chr(ord(char) - 0xFEE0)
            else:
                category = unicodedata.category(char)
                if category in ("Cc", "Cf", "Cs", "Co", "Cn"):
                    continue
                if category == "Zs":
                    char = " "
            chars.append(char)
            origins.append((i, i + 1))
        return chars, origins

    def _simplified(
        self, chars: list[str], origins: list[tuple[int, int]]
    ) -> tuple[list[str], list[tuple[int, int]]]:
        text = "".join(chars)
        converted = self._t2s(text)
        if len(converted) == len(text):
            return list(converted), origins
        # A phrase changed length (rare): convert piece by piece between spaces and
        # punctuation, and map a piece whose length changed to its whole input span.
        out: list[str] = []
        out_origins: list[tuple[int, int]] = []
        for match in re.finditer(r"\w+|\W+", text):
            piece = self._t2s(match.group())
            spans = origins[match.start():match.end()]
            if len(piece) == len(spans):
                out_origins.extend(spans)
            else:
                out_origins.extend([(spans[0][0], spans[-1][1])] * len(piece))
            out.extend(piece)
        return out, out_origins

    def _t2s(self, text: str) -> str:
        return to_simplified(text)

    def _from_pinyin(
        self, chars: list[str], origins: list[tuple[int, int]]
    ) -> tuple[list[str], list[tuple[int, int]]]:
        text = "".join(chars)
        if not self._pinyin or not re.search(r"[A-Za-z]", text):
            return chars, origins
        out: list[str] = []
        out_origins: list[tuple[int, int]] = []
        done = 0
        for run in _LETTER_RUN.finditer(text):
            words = list(_WORD.finditer(run.group()))
            i, converted = 0, False
            while i < len(words):
                for j in range(len(words), i, -1):
                    letters = "".join(w.group() for w in words[i:j]).lower()
                    terms = self._pinyin_terms(letters, self._pinyin, self._pinyin_lengths) or \
                        self._pinyin_terms(letters, self._wide, self._wide_lengths)
                    # Question words alone count only as a whole run ("na 8 ne") or next
                    # to pinyin already converted, not inside English ("thank you").
                    whole = i == 0 and j == len(words)
                    if terms and (whole or converted or any(t in self.vocabulary for t in terms)):
                        converted = True
                        start = run.start() + words[i].start()
                        end = run.start() + words[j - 1].end()
                        out.extend(chars[done:start])
                        out_origins.extend(origins[done:start])
                        span = (origins[start][0], origins[end - 1][1])
                        for term in terms:
                            out.extend(term)
                            out_origins.extend([span] * len(term))
                        done = end
                        i = j
                        break
                else:
                    i += 1
        out.extend(chars[done:])
        out_origins.extend(origins[done:])
        return out, out_origins

    @staticmethod
    def _pinyin_terms(letters: str, table: dict[str, str], lengths: list[int]) -> list[str] | None:
        """Split letters exactly into vocabulary pinyin (longest first), or None."""
        best: list[list[str] | None] = [None] * (len(letters) + 1)
        best[len(letters)] = []
        for start in range(len(letters) - 1, -1, -1):
            for length in lengths:
                rest = best[start + length] if start + length <= len(letters) else None
                term = table.get(letters[start:start + length])
                if term and rest is not None:
                    best[start] = [term, *rest]
                    break
        return best[0]

    def _corrected(self, chars: list[str]) -> list[str]:
        han = [bool(_HAN.match(c)) for c in chars]
        if not self._max_term or not any(han):
            return chars
        text = "".join(chars)
        with self._lock:
            tokens = list(self._jieba.tokenize(text, HMM=False))
        out = list(chars)
        i = 0
        while i < len(tokens):
            match = self._match_at(tokens, i, text, han) if han[tokens[i][1]] else None
            if match:
                j, term = match
                start = tokens[i][1]
                out[start:start + len(term)] = term
                i = j
            else:
                i += 1
        return out

    def _match_at(self, tokens: list, i: int, text: str, han: list[bool]) -> tuple[int, str] | None:
        """The longest stretch of whole tokens from token i that sounds like a term. Both
        tries are walked a character at a time, so most starts end after a character."""
        start = tokens[i][1]
        exact, fuzzy = [self._exact.root], [self._fuzzy.root]
        best = None
        for j in range(i, len(tokens)):
            _, token_start, end = tokens[j]
            if end - start > self._max_term or not all(han[token_start:end]):
                break
            for char in text[token_start:end]:
                exact = _Trie.step(exact, _readings(char))
                fuzzy = _Trie.step(fuzzy, _fuzzy_readings(char)) if fuzzy else fuzzy
            if not exact and not fuzzy:
                break
            window = text[start:end]
            if len(window) < 2 or window in self.vocabulary or self.is_real_word(window):
                continue
            term = self._sounds_like(window, _Trie.terms(exact), _Trie.terms(fuzzy))
            if term and not self._only_a_word_before(window, term, tokens[i][0]) \
                    and not self._changes_a_real_word(tokens[i:j + 1], start, term):
                best = (j + 1, term)
        return best

    def _changes_a_real_word(self, tokens: list, start: int, term: str) -> bool:
        """这些活动办得 is not 国动办: a common word of two characters or more (jieba's
        frequency at least COMMON_WORD; not one of ours) is no typo of part of a name unless
        it reads exactly the same (事业保险 is 失业保险), while a rare one may be (开方点)."""
        def changed(word: str, meant: str) -> bool:  # 事业 for 失业 reads the same: a typo
            return meant != word and [_primary(c) for c in word] != [_primary(c) for c in meant]

        return any(len(word) >= 2 and word not in self.vocabulary
                   and self._jieba.FREQ.get(word, 0) >= COMMON_WORD
                   and changed(word, term[begin - start:end - start])
                   for word, begin, end in tokens)

    def _only_a_word_before(self, window: str, term: str, first: str) -> bool:
        """去司法局 is not 区司法局: when only the first token differs and the rest is
        already one of our terms, the "typo" is a word of its own in front of a name."""
        rest = len(first)
        return window[rest:] == term[rest:] and window[rest:] in self.vocabulary

    def _sounds_like(self, window: str, exact: list[str], fuzzy: list[str]) -> str | None:
        """The term the window was meant to be, among the terms whose pinyin it matches:
        every typed character that differs from the term's is read (in its usual reading)
        as the term's character is read, and enough characters are already right."""

        def same_place(term: str) -> int:
            return sum(a == b for a, b in zip(window, term))

        def sounds(term: str, fold=lambda s: s) -> bool:
            return all(
                a == b or fold(_primary(a)) in {fold(r) for r in spelt}
                for a, b, *spelt in zip(window, term, *self._spelt[term])
            )

        def any_reading(term: str) -> bool:
            """One character off in a long name (北藏村镇): any of its readings will do."""
            return len(window) >= 3 and same_place(term) == len(term) - 1 and all(
                a == b or set(_common_readings(a)) & set(spelt)
                for a, b, *spelt in zip(window, term, *self._spelt[term]))

        exact = [t for t in exact if same_place(t) >= 1 and (sounds(t) or any_reading(t))]
        if exact:
            return max(exact, key=same_place)
        if len(window) >= 3:
            near = [t for t in fuzzy if 2 * same_place(t) >= len(t) and sounds(t, _fuzzy)]
            if near:
                return max(near, key=same_place)
        return None


_default: Normaliser | None = None
_default_lock = threading.Lock()


def default_normaliser() -> Normaliser:
    """The process-wide normaliser over the gazetteer: every term's names and its words."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                from kb.gazetteer import default_gazetteer

                _default = Normaliser(default_gazetteer().dictionary_words(), _pinyin_words(),
                                      _plan_words())
    return _default


def _pinyin_words() -> list[str]:
    """answering.yml's `pinyin_words`: the question words pinyin may be typed for."""
    import yaml

    config = yaml.safe_load((Path(__file__).parent / "data" / "answering.yml").read_text("utf-8"))
    return list(config.get("pinyin_words", []))


def _plan_words() -> list[str]:
    """The plans' own words (2 to 4 characters, commonest first: 线下, 提前, 公告, 考核), so
    a question typed wholly in pinyin ("xianxia huodong tiqian ji tian fa gonggao") reads
    as the plans write it. Pinyin targets only, never typo targets."""
    from collections import Counter

    from kb.loaders import load_text
    from kb.store import plan_files

    counts: Counter[str] = Counter()
    # jieba's own dictionary only: the shared tokenizer holds whatever words this process
    # added before (the gazetteer's), and the words must be the same in every process —
    # training, the Rasa server, the action server (`Normaliser.fingerprint`).
    tokenizer = jieba.Tokenizer()
    for path in plan_files():
        text = re.sub(r"\s+", "", load_text(path))
        # The search cut gives the words inside longer ones too (会议 of 常务会议).
        counts.update(w for w in tokenizer.lcut_for_search(text)
                      if 2 <= len(w) <= 4 and all(_HAN.match(c) for c in w))
    return [word for word, _ in counts.most_common()]


@lru_cache(maxsize=1)
def _t2s_converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional characters as simplified ones with OpenCC's t2s, repeated until nothing
    changes: a few characters take two steps (薴 → 苧 → 苎). One character stays one
    character, so positions in the text are kept."""
    for _ in range(3):
        converted = _t2s_converter().convert(text)
        if converted == text:
            break
        text = converted
    return text


def normalise(text: str) -> str:
    """Citizens' text as the assistant reads it (see the module docstring)."""
    return default_normaliser().normalise(text)
