"""The keyword index (bm25s): tokens, the build, and what retrieval and answers need of it.

`KeywordIndex` is the only code that reads bm25s's arrays: the rest asks it whether a token is
known, for a query's scores, a token's document frequency, or the chunks holding a token.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np

from assistant.errors import IndexCorruptError
from assistant.index.chunks import Chunk


def keyword_tokens(texts: list[str]) -> list[list[str]]:
    """Lower-cased, stop-worded, Snowball-stemmed tokens (the same for documents and queries)."""
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False)


_STEMMER = threading.local()


def _stemmer():
    import Stemmer

    if not hasattr(_STEMMER, "value"):  # a Stemmer is not thread-safe; one per thread, made once
        _STEMMER.value = Stemmer.Stemmer("english")
    return _STEMMER.value


def build_keyword_index(chunks: list[Chunk], target: Path) -> None:
    import bm25s

    retriever = bm25s.BM25()
    tokens: list[list[str]] = []
    for start in range(0, len(chunks), 2000):
        tokens.extend(keyword_tokens([c.text for c in chunks[start:start + 2000]]))
    retriever.index(tokens, show_progress=False)
    del tokens
    retriever.save(str(target), show_progress=False)


class KeywordIndex:
    """A build's keyword index, loaded: BM25 scores and postings by token."""

    def __init__(self, bm25):
        self._bm25 = bm25
        self._vocab: dict[str, int] = bm25.vocab_dict
        self._indptr = bm25.scores["indptr"]
        self._indices = bm25.scores["indices"]
        self._documents = max(1, int(bm25.scores["num_docs"]))

    @classmethod
    def load(cls, folder: Path) -> "KeywordIndex":
        import bm25s

        try:
            return cls(bm25s.BM25.load(str(folder), show_progress=False))
        except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
            raise IndexCorruptError(f"the keyword index is damaged ({exc}); run `assistant index` to repair it") from None

    def knows(self, token: str) -> bool:
        """Whether any chunk holds `token` (a stemmed token, as `keyword_tokens` makes them)."""
        return token in self._vocab

    def count(self, token: str) -> int:
        """How many chunks hold `token`."""
        position = self._vocab.get(token)
        return 0 if position is None else int(self._indptr[position + 1]) - int(self._indptr[position])

    def document_frequency(self, token: str) -> float:
        """The share of chunks holding `token` (one chunk's share for an unknown token)."""
        return (self.count(token) if token in self._vocab else 1) / self._documents

    def chunks_with(self, token: str) -> np.ndarray:
        """The rows of the chunks holding `token`."""
        position = self._vocab.get(token)
        if position is None:
            return np.zeros(0, np.int64)
        return self._indices[self._indptr[position]:self._indptr[position + 1]]

    def scores(self, tokens: list[str]) -> np.ndarray:
        """Every chunk's BM25 score for the query `tokens` (known tokens only)."""
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)
