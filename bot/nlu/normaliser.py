"""First step of the NLU pipeline: every message's text becomes `kb.normalise.normalise(text)`.

Training examples and live messages go through the same function, so the model learns and
predicts on the same text: simplified characters, half-width letters, digits and
punctuation, no invisible characters, pinyin turned into our vocabulary, sound-alike typos
of our vocabulary corrected. Entity annotations of training examples are moved with the
text (`Normaliser.align`), so `[ｙｉｂａｏ](topic)` still marks the same characters.

Only the message's TEXT changes: Rasa stores the citizen's original words in the tracker
(`UserUttered.text`), while `parse_data["text"]` — what NLU, the actions and the answer engine
read — is the normalised text. Button payloads ("/intent{...}") are left untouched.

Registered as a MESSAGE_TOKENIZER: the default recipe runs tokenizers' `process` /
`process_training_data` in pipeline order in both the training and the prediction graph;
placed first, it runs before JiebaTokenizer. (It is not a `Tokenizer` subclass, so Rasa's
"only one tokenizer" check is not concerned.)
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from kb.normalise import Aligned, Normaliser, default_normaliser

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class TextNormaliser(GraphComponent):
    """Rewrites each message's text with kb.normalise (see the module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[str]:
        """The normaliser's own inputs (its code, vocabulary, pinyin and plan words): Rasa's
        training cache must not reuse text normalised by an older vocabulary or plan."""
        return default_normaliser().fingerprint

    def __init__(self, normaliser: Optional[Normaliser] = None) -> None:
        # Built when the model loads, not at the first citizen's message.
        self.normaliser = normaliser or default_normaliser()

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "TextNormaliser":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._normalise(example)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._normalise(message)
        return messages

    def _normalise(self, message: Message) -> None:
        text = message.get(TEXT)
        if not isinstance(text, str) or not text or text.startswith("/"):
            return
        try:
            aligned = self.normaliser.align(text)
        except Exception:  # never lose a citizen's message to the normaliser
            logger.exception("normalising %r failed; the message is read as typed", text[:50])
            return
        if aligned.text == text:
            return
        entities = message.get(ENTITIES)
        message.set(TEXT, aligned.text)
        if entities:
            message.set(ENTITIES, _moved(entities, text, aligned))


def _moved(
    entities: List[Dict[Text, Any]], original: str, aligned: Aligned
) -> List[Dict[Text, Any]]:
    """Entity annotations placed on the normalised text; a value that was the annotated
    text itself becomes the normalised annotated text (an explicit synonym value stays)."""
    moved = []
    for entity in entities:
        if ENTITY_ATTRIBUTE_START not in entity or ENTITY_ATTRIBUTE_END not in entity:
            moved.append(entity)
            continue
        start, end = entity[ENTITY_ATTRIBUTE_START], entity[ENTITY_ATTRIBUTE_END]
        span = aligned.span(start, end)
        if span is None:
            continue
        updated = {**entity, ENTITY_ATTRIBUTE_START: span[0], ENTITY_ATTRIBUTE_END: span[1]}
        if entity.get(ENTITY_ATTRIBUTE_VALUE) == original[start:end]:
            updated[ENTITY_ATTRIBUTE_VALUE] = aligned.text[span[0]:span[1]]
        moved.append(updated)
    return moved
