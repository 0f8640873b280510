"""Hybrid retrieval: dense (Chroma) + keyword (bm25s), fused and aggregated to units.

1. The question is expanded from the glossary ("tag" → "home detention curfew", …).
2. Facets it states (age, gender, sentence, need) are read.
3. Candidates are gathered, a bounded number whatever the corpus size: the chunks closest in
   meaning from Chroma's nearest-neighbour index (with filters, also the closest chunks that
   pass them, asked of Chroma as a `where` clause), the units best by BM25, and any units the
   caller boosts.
4. Each candidate's dense score is the best cosine similarity of its chunks, computed exactly
   from the build's vectors; its keyword score is the best BM25 score of its chunks. Scores
   are normalised per query and fused; stated facets add or subtract a little.
5. Explicit filters (theme, document, sentence, need, standard, kind, and the publication's region,
   year and kind) keep or drop units.

Every hit says why it matched: the expansions used, the facets it shares, and the words it
shares with the question. Per search, only BM25's scoring and a few vectorised numpy passes
touch every chunk; everything in Python loops over the candidates, and every per-unit lookup
is a dict or array index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from assistant.vocab import tags as facet_vocab
from assistant.question import validation
from assistant.config import Settings
from assistant.errors import AssistantError, BadInputError, ChromaUnavailableError, IndexCorruptError
from assistant.question.facets import QueryFacets, read_facets
from assistant.index import SCALAR_PUBLICATION_FILTERS, OpenIndex, filter_fields, keyword_tokens
from assistant.types import Example, Hit, Unit
from assistant.question.validation import FILTER_KEYS

# The words of asking ("what", "how", "does"): stemmed as the keyword index stems them, and never
# searched for, so "what" does not find a page titled "what we inspect".
QUESTION_WORDS = frozenset({"what", "how", "who", "whom", "whose", "when", "where", "whi", "which", "do", "doe", "did",
                            "can", "could", "should", "would", "will", "shall", "may", "might", "must", "is", "are",
                            "was", "were", "am", "be", "been", "have", "has", "had", "i", "me", "my", "we", "you",
                            "he", "she", "him", "her", "hi", "our", "your", "about", "get", "got", "ani", "some"})
DENSE_CANDIDATES = 200  # chunks asked of Chroma per search (and again with filters)
DENSE_FLOOR = 0.1  # cosine similarity of MiniLM between unrelated passages: the dense score's zero
KEYWORD_CANDIDATES = 100  # units taken from the top of BM25
FILTERED_ENOUGH = 20  # units passing the filters among the unfiltered candidates that make a `where` query needless
MAX_KNOWN_VALUES_CHARS = 300  # of known values listed in the message for an unknown filter value


def clean_query(query: object, max_chars: int) -> str:
    """The question as it will be searched, or a BadInputError saying what to fix."""
    return validation.question(query, max_chars)


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


_TITLE_NUMBER = re.compile(r"(?:standard|section|chapter|part)?\s*(\d+(?:\.\d+)+)\b", re.I)
_ASKED_NUMBER = re.compile(r"(?<![\d.])(\d+(?:\.\d+)+)(?![\d.]*\d)")
NUMBERED_BONUS = 0.3  # for a unit whose title carries the number the question names ("standard 2.1")
_STANDARD_NUMBER = re.compile(r"\b([12]\.[1-4])(?:\.[1-3])?\b")


def _standard_numbers(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """"standard 2.1" → its name, since the keyword tokenizer drops one-character tokens."""
    names = {label.split(" ", 1)[0]: label.split(" ", 1)[1] for label in facet_vocab.STANDARD_NAMES}
    found = []
    for number in dict.fromkeys(_STANDARD_NUMBER.findall(text)):
        if number in names:
            found.append((number, (f"standard {names[number]}",)))
    return tuple(found)


_ABOUT_STANDARDS = re.compile(r"\bstandards?\b|\binspect(?:ors?|ion|ed)\b|\bHMIP\b|\bInspectorate\b", re.I)


def asked_standards(text: str) -> list[str]:
    """The standard numbers a question about the inspection standards names by number or by name
    ("what does the planning standard say?" -> 2.2); none when it is not about the standards."""
    numbers = [n for n, _ in _standard_numbers(text)]
    if not _ABOUT_STANDARDS.search(text):
        return numbers
    for label in facet_vocab.STANDARD_NAMES:
        number, name = label.split(" ", 1)
        if re.search(rf"\b{re.escape(name)}\b", text, re.I) and number not in numbers:
            numbers.append(number)
    return numbers


@dataclass(frozen=True)
class Ranking:
    """A search's hits plus the raw evidence behind them."""

    query: Query
    hits: list[Hit]
    chunk_similarity: dict[str, float]  # chunk id -> cosine similarity to the (expanded) question, for the candidates' chunks
    best_similarity: float  # the closest passage in the whole corpus
    known_word_share: float  # share of the question's words that occur in the corpus at all


@dataclass
class _Found:
    """A search's candidate units and the raw evidence gathered for them."""

    candidates: np.ndarray  # unit positions
    units: list[Unit]
    vector: np.ndarray | None  # the question's vector
    best_similarity: float  # the closest chunk in the whole corpus
    keyword_scores: np.ndarray  # every unit's best BM25 score
    numbered: set[int]  # units whose title carries a number the question names


@dataclass
class _Scores:
    fused: np.ndarray
    dense: np.ndarray
    chunk_similarity: dict[str, float]
    matches: dict[str, list[str]]  # unit id -> the facets it shares


class Retriever:
    """Hybrid search over an `OpenIndex`. Construction indexes the units once (O(corpus)); searches do not."""

    def __init__(self, index: OpenIndex, settings: Settings):
        self.index = index
        self.settings = settings
        self._unit_ids = list(index.units)
        self._unit_pos = {u: i for i, u in enumerate(self._unit_ids)}
        self._chunk_ids = np.array(index.chunk_ids, dtype=object)
        self._rows = {c: i for i, c in enumerate(index.chunk_ids)}
        self._chunk_unit_pos = np.fromiter((self._unit_pos[index.chunk_unit[c]] for c in index.chunk_ids),
                                           dtype=np.int64, count=len(index.chunk_ids))
        # the chunk rows of each unit, contiguous: rows_by_unit[unit_start[u]:unit_start[u + 1]]
        self._rows_by_unit = np.argsort(self._chunk_unit_pos, kind="stable")
        counts = np.bincount(self._chunk_unit_pos, minlength=len(self._unit_ids))
        self._unit_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self._has_chunks = counts > 0
        self._filter_values = _filter_values(index.units.values())
        self._canonical = {key: {v.lower(): v for v in values} for key, values in self._filter_values.items()}
        self._filter_units: dict[str, dict[str, np.ndarray]] = {key: {} for key in FILTER_KEYS}
        self._document_ids: dict[str, set[str]] = {}
        self._numbered: dict[str, list[int]] = {}  # units whose title starts with a section or standard number
        positions: dict[str, dict[str, list[int]]] = {key: {} for key in FILTER_KEYS}
        for pos, unit_id in enumerate(self._unit_ids):
            unit = index.units[unit_id]
            for key, values in filter_fields(unit).items():
                for value in values:
                    positions[key].setdefault(value, []).append(pos)
            for name in (unit.document_id, unit.document):
                self._document_ids.setdefault(name, set()).add(unit.document_id)
            match = _TITLE_NUMBER.match(unit.title)  # "Standard 2.1 …", "3.2 …": a number a question may name
            if match:
                self._numbered.setdefault(match.group(1), []).append(pos)
        for key, by_value in positions.items():
            self._filter_units[key] = {v: np.array(p, dtype=np.int64) for v, p in by_value.items()}
        self._unit_words: dict[str, set[str]] = {}

    def warm_up(self) -> None:
        self.index.warm_up()

    # -- public --------------------------------------------------------------------------

    def prepare(self, question: str) -> Query:
        text = clean_query(question, self.settings.max_query_chars)
        expansions = tuple(self.index.glossary.expand(text)) + _standard_numbers(text)
        return Query(text, expansions, read_facets(text))

    def search(self, question: str, k: int = 5, filters: Mapping[str, object] | None = None,
               dense: bool = True, keyword: bool = True, expand: bool = True, use_facets: bool = True) -> list[Hit]:
        """The `k` best units for `question`; the flags switch parts off for ablations."""
        return self.rank(question, k, filters, dense, keyword, expand, use_facets).hits

    def rank(self, question: str, k: int = 5, filters: Mapping[str, object] | None = None,
             dense: bool = True, keyword: bool = True, expand: bool = True, use_facets: bool = True,
             ignore_facets: frozenset[str] = frozenset(), boost: Mapping[str, float] | None = None) -> "Ranking":
        """Like `search`, with the raw scores the answer composer needs (relevance, passages).

        `ignore_facets` names facets read from the question that the user switched off.
        `boost` maps unit ids to a bonus added to their fused score; those units are always
        among the candidates (ids not in the index are ignored).
        """
        k = validation.top_k(k, limit=max(validation.MAX_K, len(self._unit_ids)))
        wanted = self.check_filters(filters)
        bonus = {self._unit_pos[u]: b for u, b in validation.boost(boost).items() if u in self._unit_pos}
        query = self.prepare(question)
        if not expand:
            query = Query(query.text, (), read_facets(query.text))
        if ignore_facets:
            query = Query(query.text, query.expansions, query.facets.without(frozenset(ignore_facets)))
        found = self._candidates(query, wanted, bonus, dense, keyword)
        scores = self._fuse(query, found, bonus, dense, keyword, use_facets)
        question_tokens = keyword_tokens([query.text])[0]
        keyword_index = self.index.keyword_index
        return Ranking(
            query=query,
            hits=self._hits(query, found, scores, wanted, k, dense, set(question_tokens)),
            chunk_similarity=scores.chunk_similarity,
            best_similarity=found.best_similarity if dense else 0.0,
            known_word_share=(sum(keyword_index.knows(t) for t in question_tokens) / len(question_tokens)
                              if question_tokens else 0.0),
        )

    def _candidates(self, query: Query, wanted: dict[str, set[str]], bonus: dict[int, float], dense: bool,
                    keyword: bool) -> "_Found":
        """The units worth scoring, a bounded number: the nearest chunks' units (and, with narrow filters,
        the nearest that pass them), the best by BM25, units whose title carries a number asked about,
        and boosted units."""
        search_text = query.expanded_text
        allowed = self._allowed(wanted) if wanted else None
        found: list[np.ndarray] = []  # candidate unit positions, from each source
        vector = None
        best_similarity = 0.0
        if dense:
            vector = self.index.embedder.embed([search_text])[0]
            rows, similarities = self._nearest(vector, None)
            if len(similarities):
                best_similarity = float(similarities[0])
            found.append(self._chunk_unit_pos[rows])
            passing = np.unique(self._chunk_unit_pos[rows][allowed[self._chunk_unit_pos[rows]]]) if wanted else None
            if wanted and len(passing) < min(FILTERED_ENOUGH, int(allowed.sum())):
                # few candidates pass the filters: ask Chroma for the nearest chunks that do (a `where`
                # query costs more, so broad filters are served from the unfiltered candidates)
                filtered_rows, _ = self._nearest(vector, self._where(wanted))
                found.append(self._chunk_unit_pos[filtered_rows])
        keyword_scores = np.zeros(len(self._unit_ids), np.float32)
        if keyword:
            keyword_scores = self._keyword(search_text)
            found.append(_top(keyword_scores, KEYWORD_CANDIDATES))
            if allowed is not None:
                found.append(_top(np.where(allowed, keyword_scores, 0.0), KEYWORD_CANDIDATES))
        asked = set(_ASKED_NUMBER.findall(query.text)) | set(asked_standards(query.text))
        numbered = {pos for number in asked for pos in self._numbered.get(number, ())}
        found += [np.fromiter(numbered, dtype=np.int64), np.fromiter(bonus, dtype=np.int64)]
        candidates = np.unique(np.concatenate(found))
        candidates = candidates[self._has_chunks[candidates]]
        units = [self.index.units[self._unit_ids[pos]] for pos in candidates.tolist()]
        return _Found(candidates, units, vector, best_similarity, keyword_scores, numbered)

    def _fuse(self, query: Query, found: "_Found", bonus: dict[int, float], dense: bool, keyword: bool,
              use_facets: bool) -> "_Scores":
        """Each candidate's fused score: normalised dense and keyword scores, plus the bonuses for a
        number of the thing counted, a numbered title, shared facets and a caller's boost."""
        candidates, units = found.candidates, found.units
        chunk_similarity: dict[str, float] = {}
        dense_scores = np.zeros(len(candidates), np.float32)
        fused = np.zeros(len(candidates), np.float32)
        if dense and len(candidates):
            starts, ends = self._unit_start[candidates], self._unit_start[candidates + 1]
            rows = np.concatenate([self._rows_by_unit[s:e] for s, e in zip(starts.tolist(), ends.tolist())])
            similarities = np.asarray(self.index.vectors[rows] @ found.vector, dtype=np.float32)
            chunk_similarity = dict(zip(self._chunk_ids[rows].tolist(), similarities.tolist()))
            offsets = np.concatenate([[0], np.cumsum(ends - starts)[:-1]])
            dense_scores = np.maximum.reduceat(similarities, offsets)
            top = max(found.best_similarity, float(dense_scores.max()))
            fused += self.settings.dense_weight * _normalise(dense_scores, top, DENSE_FLOOR)
        if keyword:
            fused += self.settings.keyword_weight * _normalise(found.keyword_scores)[candidates]
        counted = counted_thing(query.text) if use_facets else None
        matches: dict[str, list[str]] = {}
        facets = use_facets and self.settings.facet_weight and not query.facets.is_empty()
        for i, (pos, unit) in enumerate(zip(candidates.tolist(), units)):
            # "how many court reports…": favour units that state a number of them ("204 court reports")
            if counted and counted.search(unit.text):
                fused[i] += 0.3
            if pos in found.numbered:
                fused[i] += NUMBERED_BONUS
            if facets:
                points, why = facet_score(unit, query.facets)
                fused[i] += self.settings.facet_weight * points
                matches[unit.id] = why
            if pos in bonus:
                fused[i] += bonus[pos]
        return _Scores(fused, dense_scores, chunk_similarity, matches)

    def _hits(self, query: Query, found: "_Found", scores: "_Scores", wanted: dict[str, set[str]], k: int,
              dense: bool, query_words: set[str]) -> list[Hit]:
        """The best `k` candidates that pass the filters, best first (ties in corpus order), each saying why."""
        order = np.lexsort((found.candidates, -scores.fused))
        chosen = []
        for i in order.tolist():
            if wanted and not passes_filters(found.units[i], wanted):
                continue
            chosen.append(i)
            if len(chosen) == k:
                break
        self._remember_words([found.units[i] for i in chosen])
        hits: list[Hit] = []
        for i in chosen:
            unit = found.units[i]
            why = [f"expanded: {term} → {', '.join(words)}" for term, words in query.expansions if words]
            why += [f"facet: {w}" for w in scores.matches.get(unit.id, [])]
            if int(found.candidates[i]) in found.numbered:
                why.append("number: the title carries the number asked about")
            shared = sorted(query_words & self._unit_words[unit.id])
            if shared:
                why.append("words: " + ", ".join(shared[:8]))
            if dense:
                why.append(f"meaning similarity {float(scores.dense[i]):.2f}")
            hits.append(Hit(len(hits) + 1, unit, float(scores.fused[i]), tuple(why)))
        return hits

    def _remember_words(self, units: list[Unit]) -> None:
        """The keyword tokens of units shown as hits, tokenised once per unit and kept."""
        todo = [u for u in units if u.id not in self._unit_words]
        if todo:
            for unit, tokens in zip(todo, keyword_tokens([u.title + " " + u.text for u in todo])):
                self._unit_words[unit.id] = set(tokens)

    def check_filters(self, filters: Mapping[str, object] | None) -> dict[str, set[str]]:
        """Filters as {key: allowed values}; unknown keys or values raise BadInputError."""
        cleaned = validation.filters(filters)
        if not cleaned:
            return {}
        wanted: dict[str, set[str]] = {}
        for key, values in cleaned.items():
            canonical = self._canonical[key]
            chosen = set()
            for value in values:
                match = canonical.get(value.strip().lower())
                if match is None:
                    raise BadInputError(f"unknown {key} '{validation.shown(value)}'; known values: "
                                        f"{_listed(sorted(self._filter_values[key]))}")
                chosen.add(match)
            if chosen:
                wanted[key] = chosen
        return wanted

    def filter_values(self) -> dict[str, list[str]]:
        """Every value each filter can take, for menus and error messages."""
        return {k: sorted(v) for k, v in self._filter_values.items()}

    # -- scoring -------------------------------------------------------------------------

    def _allowed(self, wanted: dict[str, set[str]]) -> np.ndarray:
        """Units passing the filters, as a boolean mask (the same rule as `passes_filters`)."""
        mask = np.ones(len(self._unit_ids), bool)
        for key, allowed in wanted.items():
            passing = np.zeros(len(self._unit_ids), bool)
            for value in allowed:
                passing[self._filter_units[key].get(value, np.zeros(0, np.int64))] = True
            mask &= passing
        return mask

    def _where(self, wanted: dict[str, set[str]]) -> dict:
        """The filters as a Chroma `where` clause over the chunk metadata written by the index."""
        clauses = []
        for key, allowed in sorted(wanted.items()):
            if key == "document":
                ids = sorted({d for value in allowed for d in self._document_ids.get(value, ())})
                clauses.append({"document_id": {"$in": ids}})
            elif key in ("theme", "kind", *SCALAR_PUBLICATION_FILTERS):
                clauses.append({key: {"$in": sorted(allowed)}})
            else:  # list fields: sentence, need, standard
                anyof = [{key: {"$contains": value}} for value in sorted(allowed)]
                clauses.append(anyof[0] if len(anyof) == 1 else {"$or": anyof})
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def _nearest(self, vector: np.ndarray, where: dict | None) -> tuple[np.ndarray, np.ndarray]:
        """Rows and cosine similarities of the chunks nearest `vector` (a bounded number), best first."""
        n = min(DENSE_CANDIDATES, len(self._chunk_ids))
        if n == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        try:
            result = self.index.collection.query(query_embeddings=[vector], n_results=n, where=where,
                                                 include=["distances"])
        except AssistantError:
            raise
        except Exception as exc:  # chromadb's transport and storage errors
            if self.index.manifest["chroma"].get("mode") == "server":
                raise ChromaUnavailableError(f"the Chroma server did not answer ({type(exc).__name__}); check that it "
                                             "is running, then try again") from None
            raise IndexCorruptError(f"the Chroma store could not be searched ({type(exc).__name__}); "
                                    "run `assistant index` to repair it") from None
        rows, similarities = [], []
        for chunk_id, distance in zip(result["ids"][0], result["distances"][0]):
            row = self._rows.get(chunk_id)
            if row is not None:
                rows.append(row)
                similarities.append(1.0 - float(distance))
        return np.array(rows, dtype=np.int64), np.array(similarities, dtype=np.float32)


    def _keyword(self, text: str) -> np.ndarray:
        """Every unit's best BM25 score (vectorised: bm25s scores the chunks, numpy takes each unit's maximum)."""
        tokens = keyword_tokens([text])[0]
        keyword_index = self.index.keyword_index
        tokens = [t for t in tokens if keyword_index.knows(t) and t not in QUESTION_WORDS]
        scores = np.zeros(len(self._unit_ids), np.float32)
        if not tokens or not len(self._chunk_ids):
            return scores
        chunk_scores = keyword_index.scores(tokens)
        present = self._has_chunks
        scores[present] = np.maximum.reduceat(chunk_scores[self._rows_by_unit], self._unit_start[:-1][present])
        return scores


def _listed(values: list[str]) -> str:
    """Values for a message, cut to about MAX_KNOWN_VALUES_CHARS, saying how many there are in all."""
    shown, used = [], 0
    for value in values:
        if shown and used + len(value) > MAX_KNOWN_VALUES_CHARS:
            return f"{', '.join(shown)} … ({len(values)} in all)"
        shown.append(value)
        used += len(value) + 2
    return ", ".join(shown)


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    """Positions of the `n` highest positive scores."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) <= n:
        return positive
    return positive[np.argpartition(-scores[positive], n - 1)[:n]]


def _normalise(scores: np.ndarray, top: float | None = None, floor: float = 0.0) -> np.ndarray:
    """Scale to 0..1 between `floor` and this query's best score (`top`, or the best of `scores`).

    Only the best and a fixed floor set the scale, so a unit's normalised score does not depend
    on how many weak units the corpus holds. With the median of the units as the floor, adding
    publications moved the floor and changed the balance of meaning and words: gold hit@1 on the
    seed plus six fixture publications was 0.856, against 0.907 this way (evals/growth_eval.py).
    """
    top = float(scores.max()) if top is None and len(scores) else (top or 0.0)
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
        for key, found in filter_fields(unit).items():
            if key not in ("sentence", "need", "standard", "kind"):
                values[key].update(found)
    return values


def passes_filters(unit: Unit, wanted: dict[str, set[str]]) -> bool:
    """Whether a unit offers one of the allowed values of every filter (the rule `Retriever._allowed` vectorises)."""
    offered = filter_fields(unit)
    return all(allowed & set(offered[key]) for key, allowed in wanted.items())
