"""Answer a citizen's question from the knowledge base, citing the plan, never guessing.

A question flows one way through small steps, each its own module:
  normalise (kb.normalise: traditional → simplified, widths, pinyin and sound-alike typos)
  → understand (kb.understanding: the records meant and the facet asked, with the context)
  → decide (kb.deciding: which record states that facet, or an honest refusal)
  → render (kb.rendering: the fact, its source, related questions, the next context).
`AnswerEngine` wires them over one knowledge-base snapshot; `CachedEngine` rebuilds it
when the stored plans change.
"""
from __future__ import annotations

import datetime as dt
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from core.clock import beijing_today
from kb.cues import ASKS, Cues
from kb.finding import YES_NO_EXISTS
from kb.deciding import NAMED_EVIDENCE, NO_MATCH, ONE, REFUSE, Decision, decide
from kb.knowledge import KnowledgeBase, Record, to_number
from kb.normalise import normalise
from kb.rendering import Answer, Renderer
from kb.question import Context, Question, Reading
from kb.understanding import Understanding

ANSWERING_FILE = Path(__file__).parent / "data" / "answering.yml"
# How a question ties itself to records, clearly enough to overrule the NLU's label.
CLEAR_EVIDENCE = NAMED_EVIDENCE | {"context", "document"}  # a plan itself asked about

__all__ = ["Answer", "AnswerEngine", "CachedEngine", "Context", "KnowledgeBase", "Question",
           "Reading", "Record", "to_number"]


class AnswerEngine:
    """Turns a `Question` into an `Answer` using one knowledge-base snapshot.

    hotline: the number named in refusals (settings' HOTLINE_NUMBER). today: a callable
    giving Beijing's date, so "今年" is measured against the real calendar (tests pass one).
    readings_kept: how many questions' readings `read` keeps (0: none; bench/engine_turn.py).
    """

    def __init__(self, knowledge: KnowledgeBase, config_file: Path = ANSWERING_FILE,
                 hotline: str = "12345", today: Callable[[], dt.date] = beijing_today,
                 readings_kept: int = 64) -> None:
        self.kb = knowledge
        self.config_file, self.hotline = config_file, hotline
        self._engines: dict[int, AnswerEngine] = {}  # by id of a subset's KnowledgeBase (for_plans)
        self.config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
        self.cues = Cues(self.config)
        self.understanding = Understanding(knowledge, self.cues, self.config)
        self.renderer = Renderer(knowledge, self.cues, self.understanding, self.config, hotline)
        self.today = today
        self._readings: OrderedDict[tuple[Any, ...], Reading] = OrderedDict()
        self._readings_kept = readings_kept
        self._readings_lock = threading.Lock()

    def read(self, question: Question) -> Reading:
        """The understanding step alone (normalised text), for actions and tests.

        The readings of the last `readings_kept` questions are kept (thread-safe): an
        action asks `answers_clearly` and then `answer` of one message, which reads it
        once, not twice (issue 19). A question is the same when its text, intent,
        entities, conversation and today's date are."""
        today = self.today()
        try:
            key = (question.text.strip(), question.intent, question.context_ref, question.context, today,
                   tuple(sorted((name, tuple(values)) for name, values in question.entities.items())))
            hash(key)
        except TypeError:  # entities Rasa sent in another shape: read, keep nothing
            key = None
        with self._readings_lock:
            if key is not None and (kept := self._readings.get(key)) is not None:
                self._readings.move_to_end(key)
                return kept
        reading = self.understanding.read(replace(question, text=normalise(question.text.strip())), today)
        if key is not None:
            with self._readings_lock:
                self._readings[key] = reading
                while len(self._readings) > self._readings_kept:
                    self._readings.popitem(last=False)
        return reading

    def rules_answer(self, facet: str) -> Answer:
        """The participation rules' answer to one facet (how_to_join, notice, …), cited."""
        rules = self.kb.latest("rules")
        reading = Reading.about((rules,) if rules else (), facet)
        if rules is None:
            return self.renderer.render(Decision(REFUSE, reason=NO_MATCH), reading, Context())
        return self.renderer.render(Decision(ONE, (rules,), facet), reading, Context())

    def recognises(self, question: Question) -> bool:
        """Whether the question points at something the plans hold (a record, a unit, a
        topic, a theme) or asks about their year or a complaint, or asks a detail of joining an
        activity the plans never give: then it deserves an answer or an honest refusal from the
        plans even when the NLU could not classify it."""
        reading = self.read(question)
        return bool(reading.asked_years) or reading.facet in ("complaint", "year_of_data") or \
            bool(reading.absent) or (reading.facet in self.cues.rule_facets and bool(reading.records)) or \
            reading.evidence in NAMED_EVIDENCE or \
            (reading.evidence in ("context", "document") and reading.facet is not None) or \
            (reading.evidence == "retrieval" and bool(reading.records)) or \
            (reading.evidence == "kind" and reading.mode in ("list", "count") and bool(reading.records)) or \
            (reading.evidence == "kind" and reading.facet is not None and bool(reading.records)) or \
            (reading.facet in self.cues.joining_facets and reading.names_activity) or \
            (reading.facet in self.cues.not_in_plans and bool(ASKS.search(reading.text)))  # "小公司能享受哪些补贴"

    def asks_something(self, question: Question) -> bool:
        """Whether a message holds a question beside its courtesies ("好的谢谢 那单位领导
        会来吗"): at least four characters left once answering.yml's `courtesies` are taken
        out, and a facet, a mode or a question word among them."""
        rest = normalise(question.text)
        for word in self.config["courtesies"]:
            rest = rest.replace(word, "")
        if len(re.findall(r"[\u4e00-\u9fff]", rest)) < 4:
            return False
        return bool(self.cues.facet(rest) or self.cues.mode(rest) or ASKS.search(rest))

    def answers_clearly(self, question: Question, leave: Collection[str | None] = ()) -> bool:
        """Whether the plans themselves answer this question: it asks a facet (not one in
        `leave`, not a complaint) of records it names, or of the participation rules, and
        the decision is an answer, not a refusal. Used to overrule an NLU label that sent a
        plan question elsewhere ("人社普法宣讲的主题是什么" labelled a schedule question)."""
        reading = self.read(question)
        if reading.facet == "complaint" or reading.facet in leave:
            return False
        if reading.facet is None and reading.mode not in ("list", "count") \
                and not ((reading.yes_no or YES_NO_EXISTS.search(reading.text)) and reading.evidence in NAMED_EVIDENCE) \
                and not (reading.evidence == "said" and ASKS.search(reading.text)):
            # "开放日和宣讲里跟教育有关的都有啥" asks for a list: that is a facet too; "听说有个能
            # 去工地瞅瞅的活动 有这回事不" whether a record it describes exists; "今年对接电话有啥
            # 硬要求没" a question one record alone writes the words of.
            return False
        decision = decide(reading, self.kb, self.cues)
        about_rules = bool(decision.records) and decision.records[0].kind == "rules"
        return decision.shape != REFUSE and (reading.evidence in CLEAR_EVIDENCE or about_rules)

    def answer(self, question: Question) -> Answer:
        """The reply to one question; never raises for any text. A question that names a
        year whose plans are loaded is answered from them; one that names none, from the
        newest plan of each kind — or from the year of the record just discussed."""
        reading = self.read(question)
        engine = self.for_plans(question, reading)
        if engine is not self:
            question = replace(question, context=engine.carried(question.conversation, self.kb))
            reading = engine.read(question)
        decision = decide(reading, engine.kb, engine.cues)
        return engine.renderer.render(decision, reading, question.conversation)

    def carried(self, context: Context, whole: KnowledgeBase) -> Context:
        """The conversation as this engine's plans see it: a record of another year's plan
        becomes the same part of this year's (its rules, its document: "2026年多少人参加 /
        那2023年呢"); a numbered record has no counterpart (numbers differ year to year)."""
        recent = []
        for ref in context.recent:
            record = whole.by_ref.get(ref)
            if ref in self.kb.by_ref or record is None:
                recent.append(ref)
            elif record.kind in ("rules", "document"):
                recent += [r.ref for r in self.kb.records if r.kind == record.kind
                           and r.document.kind == record.document.kind][:1]
        return replace(context, recent=tuple(recent))

    def for_plans(self, question: Question, reading: Reading) -> "AnswerEngine":
        """The engine over the plans a question is about: one year's (named, or of the
        record discussed last), else the newest of each kind; `self` when only one year is held."""
        if len(self.kb.years) <= 1 or reading.facet == "year_of_data":
            return self  # "你们这信息是哪年的": every plan held
        years = [y for y in reading.asked_years if y in self.kb.years]
        current = self.kb.current()
        if not reading.asked_years and question.conversation.recent:
            ref = question.conversation.recent[0]
            if ref not in current.by_ref and (year := self.kb.year_of(ref)):
                years = [year]  # "它是谁负责的" after a 2023 record: still 2023's plans
        knowledge = self.kb.of_year(years[0]) if len(years) == 1 else current
        if knowledge is self.kb:
            return self
        if id(knowledge) not in self._engines:
            self._engines[id(knowledge)] = AnswerEngine(knowledge, self.config_file, self.hotline, self.today)
        return self._engines[id(knowledge)]

    # --- used by the activities catalogue and the actions -----------------------------

    def aspect_of(self, text: str) -> str | None:
        """The facet a text asks about ('unit', 'when', …), see answering.yml `facets`."""
        return self.cues.facet(normalise(text))

    def numbers(self, question: Question) -> dict[str, int]:
        """Explicit record numbers by kind ('开放点9' → {'site': 9}); the first of each kind."""
        question = replace(question, text=normalise(question.text))
        kinds = self.understanding.kinds_of(question, set())
        found: dict[str, int] = {}
        for kind, number in self.understanding.numbers(question, kinds):
            found.setdefault(kind, number)
        return found

    def mentions(self, question: Question) -> tuple[set[str], set[str]]:
        """(unit ids, topic ids) named or described in the question."""
        return self.understanding.mentions(replace(question, text=normalise(question.text)))


@dataclass
class CachedEngine:
    """The action server's engine, rebuilt only when the stored plans change."""

    database_url: str
    hotline: str = "12345"
    _version: str | None = None
    _engine: AnswerEngine | None = None

    @cached_property
    def _unit_of_work(self):
        from core.db import UnitOfWork

        return UnitOfWork(self.database_url)

    def get(self) -> AnswerEngine:
        from kb.store import KnowledgeRepository

        with self._unit_of_work.session() as session:
            repository = KnowledgeRepository(session)
            version = repository.version()
            if self._engine is None or version != self._version:
                self._engine = AnswerEngine(KnowledgeBase(repository.documents()),
                                            hotline=self.hotline)
                self._version = version
        return self._engine
