"""Does a source support a claim? An offline check used to validate LLM answers and to
score citation recall and precision in evaluation.

Two signals, both offline and deterministic:
- lexical: the share of the claim's content words (stemmed, stop words removed) that occur
  in the source — a cheap entailment proxy;
- embedding: the highest cosine similarity between the claim and any sentence of the source
  (all-MiniLM-L6-v2 through the ONNX query model).

A claim is supported when either signal clears its threshold. The thresholds are checked
against a hand-labelled set (evals/support_labels.jsonl); `assistant eval` reports the
agreement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from assistant.index import keyword_tokens

LEXICAL_THRESHOLD = 0.7
EMBEDDING_THRESHOLD = 0.72
_NUMBER = re.compile(r"\b\d[\d,.]*\b")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")


@dataclass(frozen=True)
class Support:
    lexical: float
    embedding: float

    @property
    def supported(self) -> bool:
        return self.lexical >= LEXICAL_THRESHOLD or self.embedding >= EMBEDDING_THRESHOLD


class SupportChecker:
    """Scores claims against source texts with a shared embedder (anything with `.embed(texts)`)."""

    def __init__(self, embedder):
        self.embedder = embedder
        # sources repeat across claims: tokenise each source and embed each sentence once
        self._vectors: dict[str, np.ndarray] = {}
        self._words: dict[str, frozenset[str]] = {}

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of source sentences, cached by text (the corpus bounds the cache)."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            self._vectors.update(zip(missing, self.embedder.embed(missing)))
        return np.vstack([self._vectors[t] for t in texts])

    def words(self, source: str) -> frozenset[str]:
        """A source's stemmed content words, cached by text."""
        if source not in self._words:
            self._words[source] = frozenset(keyword_tokens([source])[0])
        return self._words[source]

    def check(self, claim: str, sources: Sequence[str]) -> Support:
        claim_words = set(keyword_tokens([claim])[0])
        source_words = frozenset().union(*(self.words(text) for text in sources))
        lexical = len(claim_words & source_words) / len(claim_words) if claim_words else 0.0
        sentences = [s for text in sources for s in _SENTENCE_END.split(text) if len(s.strip()) > 3]
        embedding = 0.0
        if sentences:
            embedding = float(np.max(self.vectors(sentences) @ self.embedder.embed([claim])[0]))
        return Support(round(lexical, 4), round(embedding, 4))


def unsupported_numbers(claim: str, sources: Sequence[str]) -> list[str]:
    """Numbers in the claim that appear in none of the sources."""
    joined = " ".join(sources).replace(",", "")
    numbers = [n.rstrip(".,") for n in _NUMBER.findall(claim)]
    return [n for n in numbers if n and n.replace(",", "") not in joined]


_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z]{2,})\b")
_COMMON = {"The", "This", "That", "These", "They", "When", "Where", "While", "With", "Work", "Working", "Keep",
           "Keeping", "Use", "Using", "Make", "Sources", "Source", "Probation", "Outcome", "Engaging", "Assessment",
           "Planning", "Review", "Inspectorate", "However", "Also", "Then", "For", "And", "But"}


def unsupported_names(claim: str, sources: Sequence[str]) -> list[str]:
    """Capitalised words inside the claim (names, places, schemes) that no source contains."""
    joined = " ".join(sources)
    return [w for w in dict.fromkeys(_NAME.findall(claim)) if w not in _COMMON and w not in joined]
