"""Hybrid retrieval: dense (Chroma) + keyword (bm25s), fused and aggregated to units.

1. The question is expanded from the glossary ("tag" → "home detention curfew", …).
2. Facets it states (age, gender, sentence, need) are read.
3. Every chunk is scored by cosine similarity (Chroma) and BM25; each unit takes the best
   score of its chunks at each granularity, so an example appears once however many of
   its chunks match.
4. Scores are normalised per query and fused; stated facets add or subtract a little.
5. Explicit filters (theme, document, sentence, need, standard, kind) keep or drop units.

Every hit says why it matched: the expansions used, the facets it shares, and the words
it shares with the question.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from assistant import facets as facet_vocab
from assistant.config import Settings
from assistant.errors import BadInputError
from assistant.facets import QueryFacets, read_facets
from assistant.index import OpenIndex, keyword_tokens
from assistant.types import Example, Hit, Unit

FILTER_KEYS = ("theme", "document", "sentence", "need", "standard", "kind")
# The words of asking ("what", "how", "does"): stemmed as the keyword index stems them, and never
# searched for, so "what" does not find a page titled "what we inspect".
QUESTION_WORDS = frozenset({"what", "how", "who", "whom", "whose", "when", "where", "whi", "which", "do", "doe", "did",
                            "can", "could", "should", "would", "will", "shall", "may", "might", "must", "is", "are",
                            "was", "were", "am", "be", "been", "have", "has", "had", "i", "me", "my", "we", "you",
                            "he", "she", "him", "her", "hi", "our", "your", "about", "get", "got", "ani", "some"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_query(query: object, max_chars: int) -> str:
    """The question as it will be searched, or a BadInputError saying what to fix."""
    if not isinstance(query, str):
        raise BadInputError("the question must be text")
    if _CONTROL.search(query):
        raise BadInputError("the question contains control characters; retype it as plain text")
    text = unicodedata.normalize("NFC", query).strip()
    if not text:
        raise BadInputError("the question is empty; type a question, e.g. \"client with ADHD keeps missing appointments\"")
    if len(text) > max_chars:
        raise BadInputError(
            f"the question is {len(text):,} characters long; keep it under {max_chars:,} (describe the case in a few sentences)"
        )
    return text


@dataclass(frozen=True)
class Query:
    """A question made ready for retrieval."""

    text: str
    expansions: tuple[tuple[str, tuple[str, ...]], ...]
    facets: QueryFacets

    @property
    def expanded_text(self) -> str:
        extra = [word for _, words in self.expansions for word in words]
        return self.text if not extra else f"{self.text} ({'; '.join(extra)})"


_COUNT_QUESTION = re.compile(r"\bhow many\s+((?:[A-Za-z-]+\s+){0,2}[A-Za-z-]+)", re.I)
_COUNT_STOPWORDS = {"of", "the", "did", "do", "does", "were", "was", "are", "is", "have", "has", "in", "a", "an"}


def counted_thing(question: str) -> re.Pattern[str] | None:
    """For "how many X …", a pattern for a number followed closely by X's words."""
    match = _COUNT_QUESTION.search(question)
    if not match:
        return None
    words = []
    for word in match.group(1).split():
        if word.lower() in _COUNT_STOPWORDS:
            break
        words.append(word.lower().rstrip("s")[:6])
    if not words:
        return None
    stems = "|".join(re.escape(w) for w in words)
    return re.compile(rf"\b\d[\d,]*\s+(?:[\w()-]+\s+){{0,2}}?(?:{stems})", re.I)


_STANDARD_NUMBER = re.compile(r"\b([12]\.[1-4])(?:\.[1-3])?\b")


def _standard_numbers(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """"standard 2.1" → its name, since the keyword tokenizer drops one-character tokens."""
    names = {label.split(" ", 1)[0]: label.split(" ", 1)[1] for label in facet_vocab.STANDARD_NAMES}
    found = []
    for number in dict.fromkeys(_STANDARD_NUMBER.findall(text)):
        if number in names:
            found.append((number, (f"standard {names[number]}",)))
    return tuple(found)


@dataclass(frozen=True)
class Ranking:
    """A search's hits plus the raw evidence behind them."""

    query: Query
    hits: list[Hit]
    chunk_similarity: dict[str, float]  # chunk id -> cosine similarity to the (expanded) question
    best_similarity: float  # the closest passage in the whole corpus
    known_word_share: float  # share of the question's words that occur in the corpus at all


class Retriever:
    """Hybrid search over an `OpenIndex`."""

    def __init__(self, index: OpenIndex, settings: Settings):
        self.index = index
        self.settings = settings
        self._unit_of_chunk = [index.chunk_unit[c] for c in index.chunk_ids]
        self._unit_ids = list(index.units)
        self._unit_pos = {u: i for i, u in enumerate(self._unit_ids)}
        self._chunk_unit_pos = np.array([self._unit_pos[u] for u in self._unit_of_chunk])
        self._filter_values = _filter_values(index.units.values())
        self._unit_words: dict[str, set[str]] | None = None

    def warm_up(self) -> None:
        self.index.warm_up()

    # -- public --------------------------------------------------------------------------

    def prepare(self, question: str) -> Query:
        text = clean_query(question, self.settings.max_query_chars)
        expansions = tuple(self.index.glossary.expand(text)) + _standard_numbers(text)
        extra = " ".join(w for _, words in expansions for w in words)
        return Query(text, expansions, read_facets(text))

    def search(self, question: str, k: int = 5, filters: Mapping[str, object] | None = None,
               dense: bool = True, keyword: bool = True, expand: bool = True, use_facets: bool = True) -> list[Hit]:
        """The `k` best units for `question`; the flags switch parts off for ablations."""
        return self.rank(question, k, filters, dense, keyword, expand, use_facets).hits

    def rank(self, question: str, k: int = 5, filters: Mapping[str, object] | None = None,
             dense: bool = True, keyword: bool = True, expand: bool = True, use_facets: bool = True,
             ignore_facets: frozenset[str] = frozenset(), boost: Mapping[str, float] | None = None) -> "Ranking":
        """Like `search`, with the raw scores the answer composer needs (relevance, passages).

        `ignore_facets` names facets read from the question that the user switched off;
        `boost` adds a bonus to named units (the examples a previous answer cited, for a follow-up).
        """
        if not isinstance(k, int) or k < 1:
            raise BadInputError(f"k must be a whole number of at least 1, got {k!r}")
        wanted = self.check_filters(filters)
        query = self.prepare(question)
        if not expand:
            query = Query(query.text, (), read_facets(query.text))
        if ignore_facets:
            query = Query(query.text, query.expansions, query.facets.without(frozenset(ignore_facets)))
        search_text = query.expanded_text

        n_units = len(self._unit_ids)
        dense_scores = np.zeros(n_units, np.float32)
        keyword_scores = np.zeros(n_units, np.float32)
        chunk_similarity: dict[str, float] = {}
        if dense:
            dense_scores, chunk_similarity = self._dense(search_text)
        if keyword:
            keyword_scores = self._keyword(search_text)
        fused = self._fuse(dense_scores, keyword_scores, dense, keyword)

        counted = counted_thing(query.text) if use_facets else None
        if counted:
            # "how many court reports…": favour units that state a number of them ("204 court reports")
            for pos, unit_id in enumerate(self._unit_ids):
                if counted.search(self.index.units[unit_id].text):
                    fused[pos] += 0.3

        matches: dict[str, list[str]] = {}
        if use_facets and self.settings.facet_weight and not query.facets.is_empty():
            for pos, unit_id in enumerate(self._unit_ids):
                bonus, why = facet_score(self.index.units[unit_id], query.facets)
                fused[pos] += self.settings.facet_weight * bonus
                matches[unit_id] = why

        for unit_id, bonus in (boost or {}).items():
            pos = self._unit_pos.get(unit_id)
            if pos is not None:
                fused[pos] += bonus

        order = np.argsort(-fused, kind="stable")
        hits: list[Hit] = []
        question_tokens = keyword_tokens([query.text])[0]
        query_words = set(question_tokens)
        for pos in order:
            unit = self.index.units[self._unit_ids[pos]]
            if wanted and not passes_filters(unit, wanted):
                continue
            why = [f"expanded: {term} → {', '.join(words)}" for term, words in query.expansions if words]
            why += [f"facet: {w}" for w in matches.get(unit.id, [])]
            shared = sorted(query_words & self._words_of(unit.id))
            if shared:
                why.append("words: " + ", ".join(shared[:8]))
            if dense:
                why.append(f"meaning similarity {float(dense_scores[pos]):.2f}")
            hits.append(Hit(len(hits) + 1, unit, float(fused[pos]), tuple(why)))
            if len(hits) == k:
                break
        known = self.index.keyword_index.vocab_dict
        return Ranking(
            query=query,
            hits=hits,
            chunk_similarity=chunk_similarity,
            best_similarity=float(dense_scores.max()) if dense else 0.0,
            known_word_share=(sum(t in known for t in question_tokens) / len(question_tokens)) if question_tokens else 0.0,
        )

    def _words_of(self, unit_id: str) -> set[str]:
        if self._unit_words is None:
            units = [self.index.units[u] for u in self._unit_ids]
            tokens = keyword_tokens([u.title + " " + u.text for u in units])
            self._unit_words = {u.id: set(t) for u, t in zip(units, tokens)}
        return self._unit_words[unit_id]

    def check_filters(self, filters: Mapping[str, object] | None) -> dict[str, set[str]]:
        """Filters as {key: allowed values}; unknown keys or values raise BadInputError."""
        if not filters:
            return {}
        wanted: dict[str, set[str]] = {}
        for key, value in filters.items():
            if key not in FILTER_KEYS:
                raise BadInputError(f"unknown filter '{key}'; use one of: {', '.join(FILTER_KEYS)}")
            values = [value] if isinstance(value, str) else list(value or [])
            known = self._filter_values[key]
            chosen = set()
            for v in values:
                match = next((k for k in known if k.lower() == str(v).strip().lower()), None)
                if match is None:
                    raise BadInputError(f"unknown {key} '{v}'; known values: {', '.join(sorted(known))}")
                chosen.add(match)
            if chosen:
                wanted[key] = chosen
        return wanted

    def filter_values(self) -> dict[str, list[str]]:
        """Every value each filter can take, for menus and error messages."""
        return {k: sorted(v) for k, v in self._filter_values.items()}

    # -- scoring -------------------------------------------------------------------------

    def _dense(self, text: str) -> tuple[np.ndarray, dict[str, float]]:
        """Per-unit best cosine similarity, and every chunk's similarity."""
        vector = self.index.embedder.embed([text])[0]
        result = self.index.collection.query(query_embeddings=[vector.tolist()],
                                             n_results=len(self.index.chunk_ids),
                                             include=["distances", "metadatas"])
        scores = np.full(len(self._unit_ids), -1.0, np.float32)
        chunks: dict[str, float] = {}
        for chunk_id, meta, distance in zip(result["ids"][0], result["metadatas"][0], result["distances"][0]):
            similarity = 1.0 - float(distance)
            chunks[chunk_id] = similarity
            pos = self._unit_pos.get(meta["unit_id"])
            if pos is not None:
                scores[pos] = max(scores[pos], similarity)
        return scores, chunks

    def _keyword(self, text: str) -> np.ndarray:
        tokens = keyword_tokens([text])[0]
        vocab = self.index.keyword_index.vocab_dict
        tokens = [t for t in tokens if t in vocab and t not in QUESTION_WORDS]
        scores = np.zeros(len(self._unit_ids), np.float32)
        if not tokens:
            return scores
        chunk_scores = self.index.keyword_index.get_scores(tokens)
        np.maximum.at(scores, self._chunk_unit_pos, chunk_scores.astype(np.float32))
        return scores

    def _fuse(self, dense_scores: np.ndarray, keyword_scores: np.ndarray, dense: bool, keyword: bool) -> np.ndarray:
        fused = np.zeros_like(dense_scores)
        if dense:
            fused += self.settings.dense_weight * _normalise(dense_scores)
        if keyword:
            fused += self.settings.keyword_weight * _normalise(keyword_scores)
        return fused


def _normalise(scores: np.ndarray) -> np.ndarray:
    """Scale to 0..1 against this query's best and the median, so weights mean the same per query."""
    top = float(scores.max())
    floor = float(np.median(scores))
    if top <= floor:
        return np.zeros_like(scores)
    return np.clip((scores - floor) / (top - floor), 0.0, None)


def facet_score(unit: Unit, wanted: QueryFacets) -> tuple[float, list[str]]:
    """How far a unit matches the facets a question states: (bonus, reasons)."""
    if not isinstance(unit, Example):
        # the question describes a person: examples beat sections, gently
        return (-0.05 if (wanted.age or wanted.gender) else 0.0), []
    bonus, why = 0.0, []
    person = unit.person
    if person and person.age is not None:
        if wanted.age is not None:
            gap = abs(person.age - wanted.age)
            if gap == 0:
                bonus += 0.25
                why.append(f"age {person.age}")
            elif gap <= 2:
                bonus += 0.08
                why.append(f"age {person.age} (asked {wanted.age})")
            elif gap > 5:
                bonus -= 0.05
        elif wanted.age_range:
            low, high = wanted.age_range
            if low <= person.age <= high:
                bonus += 0.08
                why.append(f"age {person.age}")
    if wanted.gender:
        if person and person.gender == wanted.gender:
            bonus += 0.04
            why.append(person.gender)
        elif person and person.gender:
            bonus -= 0.12
        elif not person:
            bonus -= 0.04
    shared_sentence = wanted.sentence & set(unit.sentence)
    shared_needs = wanted.needs & set(unit.needs)
    bonus += 0.06 * len(shared_sentence) + 0.04 * len(shared_needs)
    why.extend(sorted(shared_sentence) + sorted(shared_needs))
    return bonus, why


def _filter_values(units) -> dict[str, set[str]]:
    values: dict[str, set[str]] = {k: set() for k in FILTER_KEYS}
    values["sentence"] = set(facet_vocab.SENTENCE_TERMS)
    values["need"] = set(facet_vocab.NEED_TERMS)
    values["standard"] = set(facet_vocab.STANDARD_NAMES)
    values["kind"] = {"case", "organisational", "section"}
    for unit in units:
        values["theme"].add(unit.section)
        values["document"].add(unit.document_id)
        values["document"].add(unit.document)
    return values


def passes_filters(unit: Unit, wanted: dict[str, set[str]]) -> bool:
    example = unit if isinstance(unit, Example) else None
    for key, allowed in wanted.items():
        if key == "theme" and unit.section not in allowed:
            return False
        if key == "document" and not ({unit.document_id, unit.document} & allowed):
            return False
        if key == "kind" and (example.kind if example else "section") not in allowed:
            return False
        if key in ("sentence", "need", "standard"):
            if example is None:
                return False
            field_values = {"sentence": example.sentence, "need": example.needs, "standard": example.standards}[key]
            if not allowed & set(field_values):
                return False
    return True
