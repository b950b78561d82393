"""Passage retrieval suited to Chinese: TF-IDF over jieba words and character n-grams.

Words (with our gazetteer kept whole) reward exact terms such as 异地就医; character
bigrams survive typos and jieba's mis-splits (医宝, 开方日). scikit-learn does the
weighting and cosine similarity; we only combine the two and add the NLU's topic prior.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import jieba
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import linear_kernel

from kb.gazetteer import Gazetteer, default_gazetteer

# Words that say "this is a question" rather than what it is about.
QUESTION_WORDS = frozenset(
    "的 了 吗 呢 啊 吧 呀 么 嘛 请问 一下 问下 麻烦 想 想问 我 你 您 是 有 在 哪 哪个 哪些 什么 啥 怎么 咋 "
    "如何 谁 多少 几 这个 那个 它 和 与 及 或 还 都 就 也 能 可以 会 要 需要 大兴 大兴区 ？ ? ， , 。 ！ !".split()
)

WORD_WEIGHT = 0.5
KIND_PRIOR = 0.08  # added when a passage's kind is what the recognised intent asks about
TOPIC_PRIOR = 0.05  # added per topic the question and the passage share


@dataclass(frozen=True)
class Document:
    """What the index needs of a passage: its key, kind, text and topic tags."""

    key: str
    kind: str
    text: str
    topic_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScoredPassage:
    document: Document
    score: float


class PassageIndex:
    """An in-memory index over all passages; rebuilt whenever the knowledge base changes."""

    def __init__(self, passages: Sequence[Document], gazetteer: Gazetteer | None = None) -> None:
        self.passages = list(passages)
        gazetteer = gazetteer or default_gazetteer()
        gazetteer.nlp  # loads our words into jieba before the first tokenisation
        self._words = TfidfVectorizer(analyzer=self._word_tokens, sublinear_tf=True)
        self._chars = TfidfVectorizer(
            analyzer="char", ngram_range=(1, 2), sublinear_tf=True, preprocessor=self._clean
        )
        texts = [p.text for p in self.passages] or [""]
        self._word_matrix = self._words.fit_transform(texts)
        self._char_matrix = self._chars.fit_transform(texts)

    @staticmethod
    def _clean(text: str) -> str:
        return "".join(ch for ch in text.lower() if not ch.isspace())

    @staticmethod
    def _word_tokens(text: str) -> list[str]:
        return [
            token
            for token in jieba.lcut(text.lower())
            if token.strip() and token not in QUESTION_WORDS
        ]

    def search(
        self,
        query: str,
        preferred_kinds: Sequence[str] = (),
        topic_ids: Sequence[str] = (),
        top_k: int = 5,
    ) -> list[ScoredPassage]:
        """Passages best matching `query`, best first, with scores in about [0, 1]."""
        if not self.passages or not query.strip():
            return []
        words = linear_kernel(self._words.transform([query]), self._word_matrix)[0]
        chars = linear_kernel(self._chars.transform([query]), self._char_matrix)[0]
        scored = []
        for index, passage in enumerate(self.passages):
            score = WORD_WEIGHT * words[index] + (1 - WORD_WEIGHT) * chars[index]
            if passage.kind in preferred_kinds:
                score += KIND_PRIOR
            score += TOPIC_PRIOR * len(set(topic_ids) & set(passage.topic_ids))
            scored.append(ScoredPassage(passage, float(score)))
        scored.sort(key=lambda hit: hit.score, reverse=True)
        return scored[:top_k]
