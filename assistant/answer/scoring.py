"""Scoring passages against a question: the features, and the fitted models that rank them and say how
likely each is to answer (weights in `weights.json`, fitted by evals/tools/fit_points.py)."""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from assistant.vocab import tags as facet_vocab
from assistant.index.embed import DIMENSIONS
from assistant.question.intent import Intent
from assistant.types import Example, Hit, Unit
from assistant.answer.facts import kind_bonus
from assistant.index.passages import Passage, text_key, passages_of


_TOKEN = re.compile(r"\b\w\w+\b")


class PassageScorer:
    """Scores passages against a question: meaning, rare shared words, facets, kind of question."""

    def __init__(self, embed: Callable[[list[str]], np.ndarray], document_frequency: Callable[[str], float],
                 cache_size: int = 50_000, stored: dict[bytes, np.ndarray] | None = None):
        self.embed = embed
        self.stored = stored or {}  # vectors the build embedded (passages.npz), by text key
        self.document_frequency = document_frequency  # stem -> share of chunks holding it (0..1)
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._tokens: OrderedDict[str, frozenset[str]] = OrderedDict()
        self._labels: dict[str, frozenset[str]] = {}
        self._weights: dict[str, float] = {}
        self.cache_size = cache_size
        self._lock = threading.Lock()  # the server answers several questions at once
        from bm25s.stopwords import STOPWORDS_EN
        from Stemmer import Stemmer

        self._stem = Stemmer("english").stemWord
        self._stopwords = frozenset(STOPWORDS_EN)  # as the keyword index drops them

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors for `texts`, cached by text (least recently used go first)."""
        with self._lock:
            found = {t: self._vectors.get(t) for t in dict.fromkeys(texts)}
        if self.stored:
            for text, vector in found.items():
                if vector is None:
                    found[text] = self.stored.get(text_key(text))
        missing = [t for t, v in found.items() if v is None]
        if missing:  # embedded outside the lock; another thread may embed the same text meanwhile
            found.update(zip(missing, self.embed(missing)))
        with self._lock:
            for text, vector in found.items():
                self._vectors[text] = vector
                self._vectors.move_to_end(text)
            while len(self._vectors) > self.cache_size:
                self._vectors.popitem(last=False)
        return np.vstack([found[t] for t in texts]) if texts else np.zeros((0, DIMENSIONS), np.float32)

    def tokens(self, text: str, skip_negated: bool = True) -> frozenset[str]:
        """Stemmed content words of `text`; words a negation covers do not count."""
        key = text if skip_negated else "\0" + text
        words = self._tokens.get(key)
        if words is not None:
            return words
        spans = facet_vocab.negated_spans(text) if skip_negated else []
        words = frozenset(self._stem(m.group(0).lower()) for m in _TOKEN.finditer(text)
                          if m.group(0).lower() not in self._stopwords
                          and not any(low <= m.start() < high for low, high in spans))
        with self._lock:
            self._tokens[key] = words
            while len(self._tokens) > self.cache_size:
                self._tokens.popitem(last=False)
        return words

    def labels(self, text: str) -> frozenset[str]:
        """The sentence and need labels a passage mentions, cached by text."""
        found = self._labels.get(text)
        if found is None:
            found = self._labels[text] = frozenset(facet_vocab.labels_in([text]))
        return found

    def weight(self, stem: str) -> float:
        """How much a shared word says: rare words in the corpus say more (a smoothed idf, 0..1)."""
        value = self._weights.get(stem)
        if value is None:
            share = self.document_frequency(stem)
            value = self._weights[stem] = float(np.clip(np.log(1.0 / max(share, 1e-4)) / np.log(1e4), 0.05, 1.0))
        return value


@dataclass
class Scored:
    passage: Passage
    score: float  # the probability that the point answers the question (0..1)
    dense: float
    lexical: float
    kind: float = 0.0  # how far it holds the kind of fact asked for (a number of the thing counted, a date…)
    rank_score: float = 0.0  # the ranking model's score: the order of a question's points
    relevance: float = 0.0  # the probability that it answers, on its own (`Weights.relevance`)
    labels: frozenset[str] = frozenset()  # the sentence and need labels it mentions


CANDIDATE_UNITS = 5  # the best units whose passages are scored (those of one kind: examples or sections)

# The point scorer's features; their weights are in weights.json (`Weights`).
FEATURES = ("bias", "dense", "clause", "heading", "expanded", "lexical", "lexical_precision", "facets", "fact_kind",
            "outcome", "section", "length", "top_unit", "unit_rank", "ask_lexical", "dense_gap", "unit_gap", "retells",
            "group", "group_gap", "title", "position", "unit_share")
CALIBRATION_FEATURES = ("bias", "score", "gap", "share", "place", "first", "same_example")
WEIGHTS_FILE = Path(__file__).with_name("weights.json")


@dataclass(frozen=True)
class Weights:
    """The fitted point scorer: `rank` orders a question's points, `calibration` turns rank into the
    probability that a point answers, `relevance` is that probability for a point on its own."""

    rank: dict[str, float]
    relevance: dict[str, float]
    calibration: dict[str, float]
    point: dict[str, dict[str, float]] | None = None  # {"weights", "mean", "scale"} over POINT_FEATURES
    policy: dict[str, float] | None = None  # the choice's bars (answer.choice.Policy)

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> "Weights":
        data = json.loads(path.read_text(encoding="utf-8"))
        weights = cls(data["rank"], data["relevance"], data["calibration"], data.get("point"), data.get("policy"))
        for name, table, names in (("rank", weights.rank, FEATURES), ("relevance", weights.relevance, FEATURES),
                                   ("calibration", weights.calibration, CALIBRATION_FEATURES)):
            missing = [n for n in names if n not in table]
            if missing:
                raise ValueError(f"{path.name}: '{name}' has no weight for {', '.join(missing)}; refit with "
                                 "evals/tools/fit_points.py")
        return weights

    def to_json(self) -> dict[str, dict]:
        data: dict[str, dict] = {"rank": self.rank, "relevance": self.relevance, "calibration": self.calibration}
        if self.point:
            data["point"] = self.point
        if self.policy:
            data["policy"] = self.policy
        return data


@lru_cache(maxsize=1)
def fitted() -> Weights:
    """The weights shipped in weights.json, read once."""
    return Weights.load()


_PARTS = re.compile(r"[.;?!]|\s[-–—]\s|,\s*(?=(?:how|what|should|can|and how|but how|so how|which|when|is|are|do|does)\b)", re.I)


def question_parts(question: str) -> list[str]:
    """The question and its clauses of three words or more ("<the case> - how do I …?")."""
    parts = [p.strip() for p in _PARTS.split(question) if len(p.strip().split()) >= 3]
    return list(dict.fromkeys([question, *parts]))


def passage_features(scorer: PassageScorer, question: str, standalone: str, expansions: Sequence[str],
                     passages: Sequence[Passage], stated: frozenset[str], intent: Intent,
                     counted: re.Pattern[str] | None, hits: Sequence[Hit]) -> np.ndarray:
    """One row of FEATURES per passage; `hits` is the retrieval ranking the passages' units come from."""
    unit_rank = {h.unit.id: i for i, h in enumerate(hits)}
    best_hit = max(hits[0].score, 1e-6) if hits else 1.0
    unit_share = {h.unit.id: max(h.score, 0.0) / best_hit for h in hits}
    parts = question_parts(question)
    texts = [*parts, standalone, " ".join([standalone, *expansions])]
    unique = list(dict.fromkeys(texts))  # the standalone query is often the question itself
    embedded = dict(zip(unique, scorer.embed(unique)))
    vectors = np.vstack([embedded[t] for t in texts])
    part_vectors, standalone_vector, expanded_vector = vectors[:len(parts)], vectors[-2], vectors[-1]
    query_vector = _normalise(0.7 * part_vectors[0] + 0.3 * standalone_vector) if standalone != question else part_vectors[0]
    passage_vectors = scorer.vectors([p.text for p in passages])
    heading_vectors = scorer.vectors([p.heading or p.unit.title for p in passages])
    dense = passage_vectors @ query_vector
    clause = (passage_vectors @ part_vectors.T).max(axis=1)
    heading = (heading_vectors @ part_vectors.T).max(axis=1)
    expanded = passage_vectors @ expanded_vector
    within = _within_examples(scorer, passages, passage_vectors, query_vector, clause)
    asked = scorer.tokens(question)
    extra = frozenset().union(*(scorer.tokens(e) for e in expansions)) - asked if expansions else frozenset()
    weights = {t: scorer.weight(t) for t in asked} | {t: 0.5 * scorer.weight(t) for t in extra}
    ask = asked_clause(parts[1:] or parts)
    ask_weights = {t: scorer.weight(t) for t in scorer.tokens(ask)} if ask else {}
    best_dense = dense.max()
    rows = []
    for i, passage in enumerate(passages):
        words = scorer.tokens(passage.text)
        own = sum(scorer.weight(t) for t in words) or 1.0
        precision = sum(scorer.weight(t) for t in words if t in weights) / own
        shared = len(stated & scorer.labels(passage.text)) if stated else 0
        rank = unit_rank.get(passage.unit.id, CANDIDATE_UNITS)
        rows.append([1.0, dense[i], clause[i], heading[i], expanded[i], _share(weights, words), precision,
                     min(shared, 2) / 2, kind_bonus(passage, intent, counted), float(passage.is_outcome),
                     float(not isinstance(passage.unit, Example)), min(len(passage.text), 400) / 400,
                     float(rank == 0), min(rank, 4) / 4, _share(ask_weights, words), dense[i] - best_dense,
                     *within[i], unit_share.get(passage.unit.id, 0.0)])
    return np.array(rows, dtype=np.float64)


def _share(weights: dict[str, float], words: frozenset[str]) -> float:
    """The weighted share of the asked words (`weights`) that a passage's words hold."""
    return sum(w for t, w in weights.items() if t in words) / (sum(weights.values()) or 1.0)


def _within_examples(scorer: PassageScorer, passages: Sequence[Passage], passage_vectors: np.ndarray,
                     query_vector: np.ndarray, clause: np.ndarray) -> np.ndarray:
    """Each passage against the rest of its example: [unit_gap, retells, group, group_gap, title, position].

    - unit_gap: how far it falls behind the best point of its own example;
    - retells: how close it comes to the case's opening description (a sentence that retells the
      person's situation is not practice);
    - group, group_gap: how close its sub-heading group as a whole comes to the question, and how far
      the group falls behind the best group;
    - title: how close it comes to the example's title, which names its main practice;
    - position: where it sits in its example (0 first … 1 last).
    """
    units = list(dict.fromkeys(p.unit for p in passages))
    openings = {u.id: _openings(u) for u in units}
    opening_texts = list(dict.fromkeys(t for texts in openings.values() for t in texts))
    opening_vectors = dict(zip(opening_texts, scorer.vectors(opening_texts))) if opening_texts else {}
    title_vectors = scorer.vectors([p.unit.title for p in passages])
    unit_best: dict[str, float] = {}
    members: dict[tuple[str, str], list[int]] = {}
    count: dict[str, int] = {}
    for i, passage in enumerate(passages):
        unit_best[passage.unit.id] = max(unit_best.get(passage.unit.id, -1.0), float(clause[i]))
        members.setdefault((passage.unit.id, passage.heading), []).append(i)
        count[passage.unit.id] = count.get(passage.unit.id, 0) + 1
    group = np.zeros(len(passages))
    for indices in members.values():
        group[indices] = float(_normalise(passage_vectors[indices].mean(axis=0)) @ query_vector)
    best_group = group.max()
    rows = np.zeros((len(passages), 6))
    seen: dict[str, int] = {}
    for i, passage in enumerate(passages):
        unit_id = passage.unit.id
        retells = max((float(opening_vectors[t] @ passage_vectors[i]) for t in openings[unit_id]), default=0.0)
        place = seen.get(unit_id, 0)
        seen[unit_id] = place + 1
        rows[i] = [clause[i] - unit_best[unit_id], retells, group[i], group[i] - best_group,
                   float(passage_vectors[i] @ title_vectors[i]), place / max(count[unit_id] - 1, 1)]
    return rows


@lru_cache(maxsize=4096)
def _openings(unit: Unit) -> tuple[str, ...]:
    """The sentences of a case's opening description (none for a section or an organisational example)."""
    return tuple(p.text for p in passages_of(unit) if p.is_intro)


_ASKING = re.compile(r"\b(?:how|what|which|why|when|who|where|should|can|could|would|is there|are there|any (?:tips|ideas|advice))\b"
                     r"|\?", re.I)


def asked_clause(parts: Sequence[str]) -> str:
    """The clause that asks ("how do I build rapport?" of "<the case> - how do I build rapport?"), or "" for a
    case description with no question in it."""
    asking = [p for p in parts if _ASKING.search(p)]
    return asking[-1] if asking else ""


def _weighted(features: np.ndarray, weights: dict[str, float]) -> np.ndarray:
    return features @ np.array([weights[name] for name in FEATURES])


def ranked(passages: Sequence[Passage], features: np.ndarray, weights: Weights, hits: Sequence[Hit],
           intent: Intent | None = None) -> list[Scored]:
    """The passages best first, each with its probability of answering: from the point model when
    weights.json has one (fitted on every labelled practice point), else the calibrated rank."""
    rank_score = _weighted(features, weights.rank)
    relevance = 1.0 / (1.0 + np.exp(-_weighted(features, weights.relevance)))
    order = np.argsort(-rank_score, kind="stable")
    if weights.point and intent is not None:
        probability = point_probability(point_features(passages, features, rank_score, intent), weights.point)
    else:
        probability = 1.0 / (1.0 + np.exp(-(calibration_features(rank_score, order, passages)
                                             @ np.array([weights.calibration[name] for name in CALIBRATION_FEATURES]))))
    unit_rank = {h.unit.id: i for i, h in enumerate(hits)}
    results = [Scored(passages[i], float(probability[i]), float(features[i, 1]), float(features[i, 5]),
                      float(features[i, 8]), float(rank_score[i]), float(relevance[i])) for i in range(len(passages))]
    key = (lambda s: (-s.score, unit_rank.get(s.passage.unit.id, 0), s.passage.order)) if weights.point and intent \
        else (lambda s: (-s.rank_score, unit_rank.get(s.passage.unit.id, 0), s.passage.order))
    results.sort(key=key)
    return results


# The point model's features: the scorer's, and where each passage sits among its example's (its rank
# and its group's), whether it is an opening or an outcome, and whether the question asks a fact.
POINT_FEATURES = (*FEATURES, "intro", "fact", "intro_fact", "outcome_fact", "rank_in_unit", "group_rank", "best_group",
                  "unit_size", "rank_score", "rank_gap")


def point_features(passages: Sequence[Passage], features: np.ndarray, rank_score: np.ndarray, intent: Intent) -> np.ndarray:
    """One row of POINT_FEATURES per passage."""
    n = len(passages)
    intro = np.array([p.is_intro for p in passages], float)
    outcome = features[:, FEATURES.index("outcome")]
    fact = float(bool(intent.fact or intent.definition))
    rank_in_unit, group_rank, best_group, unit_size = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    by_unit: dict[str, list[int]] = {}
    for j, passage in enumerate(passages):
        by_unit.setdefault(passage.unit.id, []).append(j)
    group = features[:, FEATURES.index("group")]
    for members in by_unit.values():
        for place, j in enumerate(sorted(members, key=lambda j: -rank_score[j])):
            rank_in_unit[j] = min(place, 8) / 8
        best_of: dict[str, float] = {}
        for j in members:
            best_of.setdefault(passages[j].heading, float(group[j]))
        order = sorted(best_of, key=lambda h: -best_of[h])
        for j in members:
            place = order.index(passages[j].heading)
            group_rank[j], best_group[j], unit_size[j] = min(place, 3) / 3, float(place == 0), min(len(members), 20) / 20
    gap = rank_score - rank_score.max() if n else rank_score
    return np.column_stack([features, intro, np.full(n, fact), intro * fact, outcome * fact, rank_in_unit, group_rank,
                            best_group, unit_size, rank_score, gap])


def point_probability(rows: np.ndarray, model: dict[str, dict[str, float]]) -> np.ndarray:
    """The point model's probability that each passage is a practice point that answers the question."""
    w = np.array([model["weights"][name] for name in POINT_FEATURES])
    mean = np.array([model["mean"][name] for name in POINT_FEATURES])
    scale = np.array([model["scale"][name] for name in POINT_FEATURES])
    return 1.0 / (1.0 + np.exp(-(((rows - mean) / scale) @ w)))


def calibration_features(rank_score: np.ndarray, order: np.ndarray, passages: Sequence[Passage]) -> np.ndarray:
    """One row of CALIBRATION_FEATURES per passage: its rank score, the gap to the best, its softmax share
    of the question, its place (0 for the best … 1 for the 7th and later), whether it is the best, and
    whether it comes from the same example as the best."""
    place = np.empty(len(rank_score))
    place[order] = np.arange(len(rank_score))
    top = rank_score[order[0]]
    share = np.exp(rank_score - top)
    share /= share.sum()
    best_unit = passages[order[0]].unit.id
    same = np.array([p.unit.id == best_unit for p in passages], dtype=np.float64)
    return np.column_stack([np.ones(len(rank_score)), rank_score, rank_score - top, share, np.minimum(place, 6) / 6,
                            (place == 0).astype(np.float64), same])


def _normalise(vector: np.ndarray) -> np.ndarray:
    return vector / (np.linalg.norm(vector) or 1.0)
