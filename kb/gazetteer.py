"""One gazetteer of units, towns/streets and policy terms, shared by the KB builder and the actions.

A blank Chinese spaCy pipeline (jieba segmenter, our words added to jieba) with an
EntityRuler turns text into (label, canonical id) mentions. The same YAML also generates
the jieba user dictionary and the NLU synonyms/lookup tables, so a new alias is added once.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Iterator

import yaml

GAZETTEER_FILE = Path(__file__).parent / "data" / "gazetteer.yml"

UNIT = "UNIT"
TOPIC = "TOPIC"
_LABEL_BY_SECTION = {"units": UNIT, "topics": TOPIC}
_ENTITY_BY_LABEL = {UNIT: "unit", TOPIC: "topic"}
# High enough that jieba keeps every known name whole instead of splitting it.
_JIEBA_FREQUENCY = 200000
_UNIT_SUFFIX = re.compile(r"(局|委员会|管委会|办公室|委|办|中心)$")


@dataclass(frozen=True)
class Term:
    """A canonical name and every way of writing it."""

    id: str
    label: str
    aliases: tuple[str, ...]
    broader: tuple[str, ...] = ()

    @property
    def surface_forms(self) -> tuple[str, ...]:
        return (self.id, *self.aliases)


@dataclass(frozen=True)
class Mention:
    """A gazetteer hit in a text: what was written, where, and what it stands for."""

    text: str
    start_char: int
    end_char: int
    label: str
    id: str


def unit_core(name: str) -> str | None:
    """'园林绿化' for 区园林绿化局: how citizens name a unit without 区 and 局/委员会/办公室
    ("园林绿化和农业农村各负责啥"); None when the core is under 4 characters, where it
    would be an everyday word (统计, 财政, 商务)."""
    core = _UNIT_SUFFIX.sub("", name.removeprefix("区"))
    return core if len(core) >= 4 and core != name else None


class Gazetteer:
    """The loaded term list, and a spaCy pipeline that finds its terms in text."""

    def __init__(self, terms: list[Term], words: list[str]) -> None:
        self.terms = terms
        self.words = words
        self._by_id = {(term.label, term.id): term for term in terms}

    @classmethod
    def from_file(cls, path: Path = GAZETTEER_FILE) -> "Gazetteer":
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        entries = [(entry, label) for section, label in _LABEL_BY_SECTION.items()
                   for entry in raw.get(section, [])]
        forms = {entry["id"]: {entry["id"], *(entry.get("aliases") or ())} for entry, _ in entries}
        terms = []
        for entry, label in entries:
            aliases = tuple(entry.get("aliases") or ())
            core = unit_core(entry["id"]) if label == UNIT else None
            # Not when another term holds it (政务服务 of the topic 政务服务体验).
            if core and not any(core in form for other, written in forms.items()
                                for form in written if other != entry["id"]):
                aliases += (core,) if core not in aliases else ()
            terms.append(Term(id=entry["id"], label=label, aliases=aliases,
                              broader=tuple(entry.get("broader") or ())))
        return cls(terms, list(raw.get("words", [])))

    def term(self, label: str, term_id: str) -> Term | None:
        return self._by_id.get((label, term_id))

    def with_broader(self, topic_ids: tuple[str, ...]) -> tuple[str, ...]:
        """The topics and the broader topics they belong to ('养老驿站' → also '养老服务')."""
        broader = [b for t in topic_ids if (term := self.term(TOPIC, t)) for b in term.broader]
        return tuple(dict.fromkeys([*topic_ids, *broader]))

    def dictionary_words(self) -> Iterator[str]:
        """Every word jieba must keep whole, each once."""
        seen: set[str] = set()
        for word in [*(f for t in self.terms for f in t.surface_forms), *self.words]:
            if word not in seen:
                seen.add(word)
                yield word

    @cached_property
    def nlp(self):  # spacy.Language; imported lazily (slow import)
        import jieba
        import spacy
        from spacy.pipeline import EntityRuler

        for word in self.dictionary_words():
            jieba.add_word(word, freq=_JIEBA_FREQUENCY)
        nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
        ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "ORTH"})
        assert isinstance(ruler, EntityRuler)  # add_pipe is typed as returning any pipe
        ruler.add_patterns(
            [
                {"label": term.label, "pattern": form, "id": term.id}
                for term in self.terms
                for form in term.surface_forms
            ]
        )
        return nlp

    def mentions(self, text: str) -> list[Mention]:
        """Known units and topics in `text`, longest match first where they overlap."""
        if not text.strip():
            return []
        doc = self.nlp(text)
        return [
            Mention(ent.text, ent.start_char, ent.end_char, ent.label_, ent.ent_id_)
            for ent in doc.ents
        ]

    def ids(self, text: str, label: str) -> list[str]:
        """Canonical ids of one label mentioned in `text`, in order, without repeats."""
        return list(dict.fromkeys(m.id for m in self.mentions(text) if m.label == label))

    def jieba_userdict(self) -> str:
        return "".join(f"{word} {_JIEBA_FREQUENCY}\n" for word in self.dictionary_words())

    def nlu_training_data(self) -> str:
        """Rasa NLU YAML: synonyms mapping aliases to canonical ids, and lookup tables."""
        lines = [
            "# Generated from kb/data/gazetteer.yml by `make gazetteer`; do not edit by hand.",
            'version: "3.1"',
            "nlu:",
        ]
        for term in self.terms:
            if term.aliases:
                lines.append(f"  - synonym: {term.id}")
                lines.append("    examples: |")
                lines.extend(f"      - {alias}" for alias in term.aliases)
        for label, entity in _ENTITY_BY_LABEL.items():
            lines.append(f"  - lookup: {entity}")
            lines.append("    examples: |")
            lines.extend(
                f"      - {form}"
                for term in self.terms
                if term.label == label
                for form in term.surface_forms
            )
        return "\n".join(lines) + "\n"


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The process-wide gazetteer: building the spaCy pipeline costs a second, do it once."""
    return Gazetteer.from_file()
