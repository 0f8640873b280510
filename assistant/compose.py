"""Compose a grounded answer from retrieval results.

The default composer is extractive: every point in the answer is a practice point (a bullet,
or a sentence with its subject) taken verbatim from a cited example, and marked [n]. Points
are chosen because they answer the question:

- every candidate point of the best examples is scored against the question — its meaning
  (embedding similarity), its words (with glossary expansions, weighted by how rare they are,
  negation-aware), the facets the question states, and the kind of question ("how many",
  "how often", "when", "who" put the point holding that kind of fact first);
- a ranking model orders the points, and a calibrated probability that a point answers must
  pass a bar; an example further down contributes points only if its own points pass,
  otherwise it is listed under "See also";
- points are grouped under the example's own sub-headings from the document, each group led
  by the example it comes from, the point that answers first.

Before any of that, the question itself is read (`assistant.intent`, `assistant.coverage`):
manipulation is refused or corrected, a request for examples gets a list of cases, and a
question whose central concept the documents do not cover gets a plain "the documents here
don't cover X" instead of quotes about something else.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from assistant import facets as facet_vocab
from assistant.coverage import CorpusPhrases, Coverage, CoverageChecker
from assistant.embed import DIMENSIONS, reuse_or_embed
from assistant.index import PASSAGE_VECTORS, unit_chunks
from assistant.intent import Intent, asks_for_a_decision, is_manipulation, read_intent, request_topic  # noqa: F401
from assistant.language import language_note
from assistant.retrieve import Ranking, counted_thing
from assistant.types import Answer, Carried, Citation, Example, Hit, Unit, publication

# Relevance of the corpus as a whole: the closest passage's cosine similarity plus a little for
# questions whose words the corpus uses at all. Calibrated on the gold questions
# (docs/evaluation.md): the highest off-topic score was 0.199 and the lowest in-scope score 0.314.
CLOSE_MATCH = 0.26
LOOSE_MATCH = 0.20
KNOWN_WORDS_WEIGHT = 0.15

# Point selection, calibrated on the hand-labelled key passages of the gold set (docs/evaluation.md).
POINT_BAR = 0.6  # the probability a point needs to be shown (the best point is always shown)
SECONDARY_BAR = 0.6  # …and a point from an example other than the best one's
MAX_POINTS = 6
MAX_SECONDARY_POINTS = 2  # per other example
MAX_FACT_POINTS = 2
FACT_FLOOR = 0.05  # a point holding the fact asked for is shown below POINT_BAR, but not below this
CANDIDATE_UNITS = 5
MAX_EXAMPLES_LISTED = 6
EXAMPLE_LIST_BAR = 0.0  # the probability a listed example's best point needs (calibrated on evals/examples_requests.jsonl, dev)
EXAMPLE_HIT_RATIO = 0.6  # …and its retrieval score, as a share of the best example's (same file, dev: best F1)
ONE_EXAMPLE_RATIO = 0.85  # …when one example is asked for: only a near tie joins it

NOT_GUIDANCE = ("_Not official guidance: this shows practice from inspected cases. Decisions rest with you, "
                "your SPO and policy._")
ATTRIBUTION = ("_Contains public sector information licensed under the Open Government Licence v3.0 "
               "(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/). "
               "Source: HM Inspectorate of Probation. Names in examples are pseudonyms._")
REFUSAL = ("I can't find a close example in the effective practice documents for that. I can only answer "
           "questions about probation practice from HM Inspectorate of Probation's published examples and "
           "standards. Try describing the person, their sentence and what is getting in the way.")
NOT_COVERED = ("The documents here don't cover {concepts}. They hold HM Inspectorate of Probation's published "
               "effective practice examples and a summary of its inspection standards, and none of them deals "
               "with {it}, so I can't give you practice on {it} from them. Check local policy or ask your SPO.")
DECISION_REMINDER = ("This shows practice from inspected cases, not a decision: whether to breach, recall or "
                     "change a risk level rests with you, your SPO and policy.")
MANIPULATION_REFUSAL = ("I can't do that. I only show what HM Inspectorate of Probation's published examples say, "
                        "each point with its source, and I don't follow instructions to change how I answer.")
CORRECTIONS = {
    "impersonation": "I can't answer as an official body, a manager or anyone else: this is what the inspected "
                     "examples show, with their sources.",
    "drop_sources": "I always show where each point comes from, so the sources stay in.",
    "drop_reminder": "The reminder stays in: this is not official guidance.",
    "confirm_claim": "I can't confirm a claim the documents don't make. This is what they do say, with their sources.",
}
WHAT_HAPPENED = "Outcome"
# a full stop after an abbreviation ("Phillips et al. (2022)", "e.g. RAR") ends no sentence
_SENTENCE_END = re.compile(r"(?<!\bal\.)(?<!\b[Ee]\.g\.)(?<!\b[Ii]\.e\.)(?<!\bDr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bMrs\.)"
                           r"(?<!\bvs\.)(?<=[.!?])\s+(?=[A-Z‘'\"(])")
# a sentence opening like this leans on the one before it, so the two stay together
_ANAPHORA = re.compile(r"^(?:It|Its|This|These|Those|They|Their|Them|He|His|She|Her|Such|That|There|Both|Each|Which|"
                       r"As a result|In addition|Additionally|However|Also|Further|Furthermore|Despite this)\b")
_DIAGRAM = re.compile(r"(?:\s[-–>→]\s*(?:arrow\s*[-–>→]\s*)?\S.*){2,}|\barrow\b", re.I)
_LABEL_ONLY = re.compile(r"^[^.!?]{0,80}:\s*$")
_NUMBER = re.compile(r"\b\d[\d,.]*\b")
_DATE = re.compile(r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December|"
                   r"(?:19|20)\d{2}|quarterly|weekly|monthly|annually|every \d+ weeks)\b", re.I)
_FREQUENCY = re.compile(r"\b(?:daily|weekly|fortnightly|monthly|quarterly|annually|yearly|twice|once a|every (?:\w+ )?"
                        r"(?:days?|weeks?|months?|\d+)|\w+ times? a (?:day|week|month|year))\b", re.I)
_WHO = re.compile(r"\b(?:[A-Z][a-z]+ [A-Z][a-z]+|Dr [A-Z][a-z]+|team|manager|officer|lead|board|director|practitioners?|"
                  r"PPs?|SPOs?|inspectors?|staff)\b")
_TOKEN = re.compile(r"\b\w\w+\b")


# --- passages -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Passage:
    """A whole practice point (or a sentence with its subject) of a unit, with where it sits.

    `pieces` are the verbatim parts of the source it is made of: one, or a lead-in and a list
    item ("Key features included:" + "disclosure to the new partner").
    """

    text: str
    unit: Unit
    heading: str  # the example's own sub-heading ("" for none)
    chunk_id: str
    is_outcome: bool = False
    pieces: tuple[str, ...] = ()
    order: int = 0
    is_intro: bool = False  # the opening description of a case (who the person is)

    @property
    def quotes(self) -> tuple[str, ...]:
        return self.pieces or (self.text,)


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def whole_sentences(text: str, limit: int = 320) -> list[str]:
    """`text` as one point, or, when long, its sentences with anaphoric ones kept with their subject."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    for sentence in split_sentences(text):
        if pieces and _ANAPHORA.match(sentence):
            pieces[-1] = f"{pieces[-1]} {sentence}"
        else:
            pieces.append(sentence)
    return pieces


def is_fragment(text: str) -> bool:
    """A label with nothing after it ("Key features included:"), diagram residue, or too short to stand alone."""
    stripped = text.strip()
    return (len(stripped) < 12 or bool(_LABEL_ONLY.match(stripped)) or bool(_DIAGRAM.search(stripped))
            or len(stripped.split()) < 3)


def _continues(item: str) -> bool:
    """A list item that continues a lead-in: it starts in lower case ("disclosure to the new partner")."""
    return item[:1].islower()


def passages_of(unit: Unit) -> list[Passage]:
    """Every quotable point of a unit: its practice points, outcome sentences, intro sentences, or section lines."""
    chunks = unit_chunks(unit)
    passages: list[Passage] = []

    def add(text: str, heading: str, chunk_id: str, is_outcome: bool = False, pieces: tuple[str, ...] = (),
            is_intro: bool = False) -> None:
        passages.append(Passage(text, unit, heading, chunk_id, is_outcome, pieces, len(passages), is_intro))

    if isinstance(unit, Example):
        group_chunks = [c for c in chunks if c.granularity == "group"]
        summary = next(c for c in chunks if c.granularity == "summary")
        # a case's opening says who the person is; an organisational example's says what the practice was
        opening = whole_sentences(unit.intro, limit=0)
        lead_in = ""
        if opening and opening[-1].rstrip().endswith(":") and unit.groups and not unit.groups[0].heading:
            # "This approach:" leads the list that follows it (the sentence it leaned on stays a point)
            *before, lead_in = split_sentences(opening.pop())
            opening += [" ".join(before)] if before else []
        for sentence in opening:
            add(sentence, "", summary.id, is_intro=bool(unit.groups) and unit.kind == "case")
        for n, (group, chunk) in enumerate(zip(unit.groups, group_chunks)):
            _add_points([lead_in, *group.points] if (lead_in and n == 0) else list(group.points), group.heading,
                        chunk.id, add)
        if unit.outcome:
            for sentence in whole_sentences(unit.outcome, limit=220):
                add(sentence, WHAT_HAPPENED, summary.id, is_outcome=True)
    else:
        section_chunk = chunks[0]
        parts = [c for c in chunks if c.granularity == "part"]
        lines = unit.text.split("\n")
        items = [(line[2:] if line.startswith("• ") else line) for line in lines]
        holder = [next((c.id for c in parts if line in c.text), section_chunk.id) for line in lines]
        grouped: list[tuple[list[str], str]] = []
        for item, chunk_id in zip(items, holder):
            grouped.append(([item], chunk_id))
        index = 0
        while index < len(grouped):
            item, chunk_id = grouped[index][0][0], grouped[index][1]
            following = []
            if item.rstrip().endswith(":"):
                j = index + 1
                while j < len(grouped) and _continues(grouped[j][0][0]):
                    following.append(grouped[j][0][0])
                    j += 1
            if following:
                _add_points([item, *following], "", chunk_id, add)
                index += 1 + len(following)
            else:
                _add_points([item], "", chunk_id, add)
                index += 1
    return [p for p in passages if not is_fragment(p.text)]


def _add_points(points: list[str], heading: str, chunk_id: str, add: Callable) -> None:
    """Add a group's points; a lead-in ending in ':' is joined to each lower-case item that continues it."""
    lead = ""
    for point in points:
        if point.rstrip().endswith(":") and len(point) < 400:
            # "…plan struck a balance… Key features included:" — its own sentences stand alone,
            # the label at its end leads the items that follow
            sentences = whole_sentences(point, limit=0)
            *before, lead = split_sentences(sentences.pop()) if sentences else [point]
            for sentence in [*sentences, *([" ".join(before)] if before else [])]:
                add(sentence, heading, chunk_id)
            continue
        if lead and _continues(point):
            add(f"{lead} {point}", heading, chunk_id, pieces=(lead, point))
            continue
        lead = ""
        for sentence in whole_sentences(point):
            add(sentence, heading, chunk_id)


# --- passage vectors, embedded once by the build ---------------------------------------------------


def _text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()[:16]


def passage_texts(units) -> list[str]:
    """Every text the point scorer embeds for these units: each passage, each passage's heading and each title."""
    texts: dict[str, None] = {}
    for unit in units:
        texts[unit.title] = None
        for passage in passages_of(unit):
            texts[passage.text] = None
            texts[passage.heading or passage.unit.title] = None
    return list(texts)


def store_passage_vectors(index_dir: Path, units, model_sha256: str, onnx_file: Path,
                          progress: Callable[[str, int, int], None]) -> int:
    """Embed the passages of `units` that `passages.npz` lacks, keep only these units' passages; returns
    how many were embedded. A cache beside the builds (not part of one): a damaged or stale file is
    simply made again, and a reader that finds none embeds passages as questions need them."""
    texts = passage_texts(units)
    keys = [_text_key(t) for t in texts]
    vectors = np.zeros((len(texts), DIMENSIONS), np.float32)
    embedded = reuse_or_embed(vectors, keys, load_passage_vectors(index_dir, model_sha256), texts.__getitem__,
                              onnx_file, progress, "passages")
    tmp = index_dir / ".passages.tmp"
    with open(tmp, "wb") as out:
        np.savez(out, keys=np.array(keys, dtype="S16"), vectors=vectors, model=np.array(model_sha256))
    os.replace(tmp, index_dir / PASSAGE_VECTORS)
    return embedded


def load_passage_vectors(index_dir: Path, model_sha256: str) -> dict[bytes, np.ndarray]:
    """{text key: vector} from `passages.npz`, or {} when it is missing, damaged or from another model."""
    try:
        with np.load(index_dir / PASSAGE_VECTORS, allow_pickle=False) as data:
            keys, vectors, model = data["keys"], data["vectors"], str(data["model"])
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return {}
    if model != model_sha256 or vectors.ndim != 2 or vectors.shape != (len(keys), DIMENSIONS):
        return {}
    return dict(zip(keys.tolist(), vectors))


# --- scoring ------------------------------------------------------------------------------


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
                    found[text] = self.stored.get(_text_key(text))
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
    relevance: float = 0.0  # the probability that it answers, on its own (RELEVANCE_WEIGHTS)


# The point scorer, fitted on the dev split of the hand-labelled key passages by evals/tools/fit_points.py
# (which prints how it does on the held-out questions); refit after changing a feature.
# - RANK_WEIGHTS order a question's candidate points: a listwise model (the softmax over one question's
#   candidates puts the labelled points first).
# - CALIBRATION turns a point's rank score, its gap to the best one and its place into the probability
#   that it answers, which POINT_BAR is set on.
# - RELEVANCE_WEIGHTS: a pointwise logistic model of the same features, the probability that a point
#   answers whatever the other candidates are; what the coverage check asks of the best point.
FEATURES = ("bias", "dense", "clause", "heading", "expanded", "lexical", "lexical_precision", "facets", "fact_kind",
            "outcome", "section", "length", "top_unit", "unit_rank", "ask_lexical", "dense_gap", "unit_gap", "retells",
            "group", "group_gap", "title", "position", "unit_share")
RANK_WEIGHTS = {"bias": 0.0, "dense": 0.32, "clause": 1.64, "heading": 1.26, "expanded": 1.35, "lexical": 1.46,
                "lexical_precision": 0.1, "facets": 0.26, "fact_kind": 0.88, "outcome": -0.37, "section": 0.0,
                "length": 0.11, "top_unit": 1.41, "unit_rank": -1.76, "ask_lexical": 2.1, "dense_gap": 0.32,
                "unit_gap": -0.14, "retells": -0.37, "group": 1.23, "group_gap": 1.23, "title": -0.4,
                "position": -0.14, "unit_share": 3.52}
RELEVANCE_WEIGHTS = {"bias": -2.37, "dense": 0.46, "clause": 0.64, "heading": 0.89, "expanded": 0.47, "lexical": 0.9,
                     "lexical_precision": 1.14, "facets": 1.03, "fact_kind": 0.47, "outcome": -0.1, "section": -0.4,
                     "length": -0.49, "top_unit": 2.09, "unit_rank": -2.23, "ask_lexical": 0.27, "dense_gap": 2.01,
                     "unit_gap": 1.39, "retells": 0.08, "group": -0.05, "group_gap": 1.24, "title": -0.36,
                     "position": -0.58, "unit_share": -0.14}
CALIBRATION_FEATURES = ("bias", "score", "gap", "share", "place", "first", "same_example")
CALIBRATION = {"bias": -0.78, "score": 0.18, "gap": 0.74, "share": 0.74, "place": -1.24, "first": 0.48,
               "same_example": 0.34}
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
                     min(shared, 2) / 2, _kind_bonus(passage, intent, counted), float(passage.is_outcome),
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


def ranked(passages: Sequence[Passage], features: np.ndarray, rank_weights: dict[str, float],
           calibration: dict[str, float], hits: Sequence[Hit]) -> list[Scored]:
    """The passages in rank order, each with its calibrated probability of answering."""
    rank_score = _weighted(features, rank_weights)
    relevance = 1.0 / (1.0 + np.exp(-_weighted(features, RELEVANCE_WEIGHTS)))
    order = np.argsort(-rank_score, kind="stable")
    probability = 1.0 / (1.0 + np.exp(-(calibration_features(rank_score, order, passages)
                                         @ np.array([calibration[name] for name in CALIBRATION_FEATURES]))))
    unit_rank = {h.unit.id: i for i, h in enumerate(hits)}
    results = [Scored(passages[i], float(probability[i]), float(features[i, 1]), float(features[i, 5]),
                      float(features[i, 8]), float(rank_score[i]), float(relevance[i])) for i in range(len(passages))]
    results.sort(key=lambda s: (-s.rank_score, unit_rank.get(s.passage.unit.id, 0), s.passage.order))
    return results


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


def answering_candidates(candidates: Sequence[Passage], intent: Intent) -> list[Passage]:
    """The passages that may answer: a case's opening says who the person is, not what worked, so it
    answers only a question of fact ("how old", "when", "who")."""
    if intent.fact in (None, "frequency"):
        return [p for p in candidates if not p.is_intro] or list(candidates)
    return list(candidates)


def fact_pattern(question: str, query_text: str, intent: Intent, glossary) -> re.Pattern[str] | None:
    """What a passage holding the asked fact contains: the thing counted ("how many cases" → cases), or for
    "what is X?" the glossary's meaning of X spelled out, or X followed by "is", "means", "involves"…"""
    counted = counted_thing(question) or counted_thing(query_text)
    if intent.definition:
        spelled = definition_pattern(intent.definition, glossary) if glossary is not None else None
        return spelled or counted or _defines(intent.definition)
    return counted


def _defines(term: str) -> re.Pattern[str]:
    name = r"\s+".join(re.escape(w) for w in term.split())
    return re.compile(rf"\b{name}\b\s*(?:\([^)]*\)\s*)?(?:is|are|means|involves|refers to|stands for|describes)\b"
                      rf"|\bdefin\w*\s+(?:of\s+)?{name}\b|\b{name}\b[^.]{{0,40}}\bdefin", re.I)


def definition_pattern(term: str, glossary) -> re.Pattern[str] | None:
    """For "what does ASPIRE stand for?", a pattern for a passage that spells out what the glossary says it means."""
    entries = [e for found, _ in glossary.expand(term) for e in glossary.lookup(found) if e.term.lower() == found.lower()]
    words = [w for e in entries for w in re.findall(r"[A-Za-z]{4,}", re.sub(r"\(.*?\)", "", e.meaning))][:6]
    if len(words) < 2:
        return None
    return re.compile("".join(rf"(?=.*\b{re.escape(w)})" for w in words), re.I | re.S)


def _kind_bonus(passage: Passage, intent: Intent, counted: re.Pattern[str] | None) -> float:
    """For "how many", "when", "who" and "what does X mean" questions, whether the passage holds that fact (-1..3)."""
    text = passage.text
    if intent.summary and not isinstance(passage.unit, Example):
        return 1.0 if passage.order == 0 else 0.0  # a section says what it is about first
    # a passage that spells out the term asked about, or states the number of the thing counted, is
    # very likely the answer: it counts three times a passage that merely holds a number or a date
    if intent.definition and counted is not None and not intent.fact:
        return 3.0 if counted.search(text) else 0.0
    if intent.fact == "count":
        found = counted.search(text) if counted is not None else None
        if found:
            # "We reviewed 292 cases" answers "how many cases" more directly than "…204 reports and 102 cases"
            first = _NUMBER.search(text)
            return 3.0 if first is not None and first.start() == found.start() else 2.0
        return 0.3 if _NUMBER.search(text) else -0.5
    if intent.fact == "frequency":
        return 1.0 if _FREQUENCY.search(text) else -0.3
    if intent.fact == "when":
        return 1.0 if _DATE.search(text) else -0.3
    if intent.fact == "who":
        return 0.6 if _WHO.search(text) else 0.0
    return 0.0


# --- choosing ------------------------------------------------------------------------------


@dataclass
class Choice:
    """What an answer will show: the chosen points in order, the examples listed under "See also"."""

    points: list[Scored] = field(default_factory=list)
    see_also: list[Hit] = field(default_factory=list)


def choose_points(scored: list[Scored], hits: Sequence[Hit], intent: Intent) -> Choice:
    """The points that pass the bar (at most 6), the best first; another example only when its own points pass."""
    if not scored:
        return Choice()
    primary = scored[0].passage.unit.id
    limit = MAX_FACT_POINTS if intent.fact else MAX_POINTS
    chosen: list[Scored] = [scored[0]]
    per_unit: dict[str, int] = {primary: 1}
    outcome_used: set[str] = {primary} if scored[0].passage.is_outcome else set()
    for item in scored[1:]:
        if len(chosen) >= limit:
            break
        unit_id = item.passage.unit.id
        is_primary = unit_id == primary
        # states the number of the thing counted, or spells out the term, and the ranking agrees a little
        strong_fact = item.kind >= 3.0 and item.score >= FACT_FLOOR
        if item.score < (POINT_BAR if is_primary else SECONDARY_BAR) and not strong_fact:
            continue
        if not is_primary and per_unit.get(unit_id, 0) >= MAX_SECONDARY_POINTS:
            continue
        if item.passage.is_outcome and unit_id in outcome_used:
            continue
        chosen.append(item)
        per_unit[unit_id] = per_unit.get(unit_id, 0) + 1
        if item.passage.is_outcome:
            outcome_used.add(unit_id)
    cited = {c.passage.unit.id for c in chosen}
    see_also = [h for h in hits[:CANDIDATE_UNITS] if h.unit.id not in cited and h.kind == hits[0].kind][:3]
    return Choice(chosen, see_also)


# --- the composer ----------------------------------------------------------------------------


def relevance(ranking: Ranking) -> float:
    """How close the corpus comes to the question (see CLOSE_MATCH)."""
    return ranking.best_similarity + KNOWN_WORDS_WEIGHT * ranking.known_word_share


class ExtractiveComposer:
    """The offline, deterministic composer: the corpus's own points, each cited."""

    def __init__(self, glossary=None, scorer: PassageScorer | None = None, coverage: CoverageChecker | None = None):
        self.glossary = glossary
        self.scorer = scorer
        self.coverage = coverage

    @classmethod
    def for_index(cls, index) -> "ExtractiveComposer":
        """A composer over an open index: its glossary, its query model and its keyword statistics."""
        bm25 = index.keyword_index
        indptr = bm25.scores["indptr"]
        num_docs = max(1, int(bm25.scores["num_docs"]))
        vocab = bm25.vocab_dict

        def document_frequency(stem: str) -> float:
            token = vocab.get(stem)
            if token is None:
                return 1.0 / num_docs
            return (int(indptr[token + 1]) - int(indptr[token])) / num_docs

        embed = index.embedder.embed
        stored = load_passage_vectors(index.dir, index.manifest.get("embedding", {}).get("onnx_sha256", ""))
        scorer = PassageScorer(embed, document_frequency, stored=stored)
        coverage = CoverageChecker(CorpusPhrases.for_index(index), index.glossary, scorer.vectors)
        return cls(index.glossary, scorer, coverage)

    def compose(self, question: str, ranking: Ranking, warnings: list[str], *, standalone: str | None = None,
                carried: Carried | None = None, examples_ranking: Ranking | None = None) -> Answer:
        """An answer to `question` (as the user asked it) from `ranking` (of the standalone query)."""
        intent = read_intent(question)
        hits = ranking.hits
        note = language_note(question)
        if note:
            warnings.append(note)
        if intent.manipulation == "instructions" or intent.off_topic_task:
            return refusal(question, ranking, warnings, nearest=(), message=MANIPULATION_REFUSAL if intent.manipulation
                           else REFUSAL, carried=carried)
        if not hits or relevance(ranking) < LOOSE_MATCH:
            return refusal(question, ranking, warnings, nearest=(), carried=carried)

        query_text = standalone or question
        candidates = self._candidates(hits)
        scored = self._score(question, query_text, ranking, candidates, intent)
        coverage = self._coverage(question, candidates, max((s.relevance for s in scored), default=0.0))
        if coverage is not None and coverage.central:
            return not_covered(question, ranking, warnings, coverage, carried=carried)
        if relevance(ranking) < CLOSE_MATCH:
            return refusal(question, ranking, warnings, nearest=hits[:3], carried=carried)
        if intent.manipulation:
            warnings.append(CORRECTIONS[intent.manipulation])

        if intent.examples and examples_ranking is not None:
            answer = self._examples_answer(question, query_text, examples_ranking, intent, warnings, carried, coverage)
            if answer is not None:
                return answer

        choice = choose_points(scored, hits, intent)
        return self._render(question, ranking, choice, intent, warnings, carried, coverage)

    # -- steps ---------------------------------------------------------------------------

    def _candidates(self, hits: Sequence[Hit]) -> list[Passage]:
        kind = hits[0].kind
        units = [h.unit for h in hits[:CANDIDATE_UNITS] if h.kind == kind] or [hits[0].unit]
        return [p for unit in units for p in passages_of(unit)]

    def _coverage(self, question: str, candidates: Sequence[Passage], best: float) -> Coverage | None:
        if self.coverage is None:
            return None
        texts = [p.text for p in candidates]
        vectors = self.scorer.vectors(texts) if (self.scorer and texts) else None
        return self.coverage.check(question, texts, vectors, best)

    def point_features(self, question: str, query_text: str, ranking: Ranking, candidates: Sequence[Passage],
                       intent: Intent) -> tuple[list[Passage], np.ndarray]:
        """The passages that may answer and one row of FEATURES each (evals/tools/fit_points.py fits on these)."""
        if self.scorer is None:
            raise RuntimeError("ExtractiveComposer needs a PassageScorer; build it with ExtractiveComposer.for_index")
        candidates = answering_candidates(candidates, intent)
        if not candidates:
            return [], np.zeros((0, len(FEATURES)))
        expansions = [w for _, words in ranking.query.expansions for w in words]
        stated = frozenset(ranking.query.facets.sentence | ranking.query.facets.needs)
        counted = fact_pattern(question, query_text, intent, self.glossary)
        return candidates, passage_features(self.scorer, question, query_text, expansions, candidates, stated, intent,
                                            counted, ranking.hits)

    def _score(self, question: str, query_text: str, ranking: Ranking, candidates: Sequence[Passage],
               intent: Intent) -> list[Scored]:
        """Every candidate scored against the question, best first; `score` is the probability that it answers."""
        candidates, features = self.point_features(question, query_text, ranking, candidates, intent)
        return ranked(candidates, features, RANK_WEIGHTS, CALIBRATION, ranking.hits) if candidates else []

    def _examples_answer(self, question: str, query_text: str, ranking: Ranking, intent: Intent,
                         warnings: list[str], carried: Carried | None, coverage: Coverage | None) -> Answer | None:
        """A request for examples: the matching case examples, each with a summary and its most relevant point."""
        cases = [h for h in ranking.hits if isinstance(h.unit, Example) and h.unit.kind == "case"]
        if not cases:
            return None
        candidates = [p for h in cases[:MAX_EXAMPLES_LISTED + 2] for p in passages_of(h.unit)]
        # each example's point is the one closest to the practice asked for, not to "for a team session"
        scored = self._score(request_topic(question), request_topic(query_text), ranking, candidates, intent)
        best: dict[str, Scored] = {}
        for item in scored:
            best.setdefault(item.passage.unit.id, item)
        top = best.get(cases[0].unit.id)
        ratio = ONE_EXAMPLE_RATIO if intent.one_example else EXAMPLE_HIT_RATIO
        listed = [h for h in cases if h.unit.id in best and
                  (h is cases[0] or (best[h.unit.id].score >= EXAMPLE_LIST_BAR and h.score >= ratio * cases[0].score))]
        listed = listed[:MAX_EXAMPLES_LISTED]
        if top is None or not listed:
            return None
        citations = tuple(Citation(n, h.unit, best[h.unit.id].passage.quotes, h.also) for n, h in enumerate(listed, start=1))
        lines = _notes(question, self.glossary, intent, warnings)
        lines += [f"These inspected cases fit your question ({len(listed)}):", ""]
        for citation, hit in zip(citations, listed):
            unit = citation.unit
            lines.append(f"#### [{citation.n}] {unit.title}")
            lines.append(f"_{_summary_line(unit)}_")
            lines.append(f"- {best[unit.id].passage.text} [{citation.n}]")
            lines.append("")
        lines += _sources(citations)
        lines += _closing(question, ranking, citations, intent, warnings)
        return Answer(question, "\n".join(lines).strip(), False, "extractive", citations, tuple(warnings),
                      tuple(ranking.hits), ranking.query.text, not_covered=tuple(coverage.not_covered if coverage else ()),
                      carried=carried)

    def _render(self, question: str, ranking: Ranking, choice: Choice, intent: Intent, warnings: list[str],
                carried: Carried | None, coverage: Coverage | None) -> Answer:
        # the examples in the order their best point comes
        order: list[str] = []
        for item in choice.points:
            if item.passage.unit.id not in order:
                order.append(item.passage.unit.id)
        units = {item.passage.unit.id: item.passage.unit for item in choice.points}
        also = {h.unit.id: h.also for h in ranking.hits}
        citations = []
        for n, unit_id in enumerate(order, start=1):
            quotes = tuple(q for item in choice.points if item.passage.unit.id == unit_id for q in item.passage.quotes)
            citations.append(Citation(n, units[unit_id], tuple(dict.fromkeys(quotes)), also.get(unit_id, ())))
        number = {c.unit.id: c.n for c in citations}
        lines = _notes(question, self.glossary, intent, warnings)
        for citation in citations:
            unit = citation.unit
            mine = [item for item in choice.points if item.passage.unit.id == unit.id]
            lines.append(f"#### [{citation.n}] {unit.title}")
            summary = _summary_line(unit)
            if summary:
                lines.append(f"_{summary}_")
            # the example's own sub-headings, in the order of their best point; the outcome last
            groups: OrderedDict[str, list[Scored]] = OrderedDict()
            for item in mine:
                groups.setdefault(item.passage.heading, []).append(item)
            headings = sorted(groups, key=lambda h: h == WHAT_HAPPENED)
            for heading in headings:
                if heading:
                    if lines and lines[-1].startswith("- "):
                        lines.append("")  # a heading after a list must not join the list's last item
                    lines.append(f"**{heading.rstrip(':')}**")
                lines.extend(f"- {item.passage.text} [{number[unit.id]}]" for item in groups[heading])
            lines.append("")
        lines += _sources(tuple(citations))
        if choice.see_also:
            lines += ["", "**See also** (related, not quoted above)"]
            lines += [f"- {h.unit.title} — {_summary_line(h.unit)}" for h in choice.see_also]
        lines += _closing(question, ranking, tuple(citations), intent, warnings)
        return Answer(question, "\n".join(lines).strip(), False, "extractive", tuple(citations), tuple(warnings),
                      tuple(ranking.hits), ranking.query.text,
                      not_covered=tuple(coverage.not_covered if coverage else ()), carried=carried)


def _normalise(vector: np.ndarray) -> np.ndarray:
    return vector / (np.linalg.norm(vector) or 1.0)


def _summary_line(unit: Unit) -> str:
    """"Paul, 31, male · community order, RAR · Engagement and responsivity", or the document for a section."""
    if isinstance(unit, Example):
        parts = [unit.person_summary() if unit.person else ("case example" if unit.kind == "case" else "organisational example")]
        parts.append(unit.section)
        return " · ".join(p for p in parts if p)
    return f"{unit.document} › {unit.section}" if unit.section != unit.title else unit.document


def _notes(question: str, glossary, intent: Intent, warnings: list[str]) -> list[str]:
    """Italic notes above the points: corrections of manipulation, and definitions when asked for."""
    lines = []
    if intent.manipulation in CORRECTIONS:
        lines += [f"_{CORRECTIONS[intent.manipulation]}_", ""]
    definitions = glossary_lines(question, glossary, intent)
    if definitions:
        lines += [*definitions, ""]
    return lines


def _sources(citations: Sequence[Citation]) -> list[str]:
    return ["**Sources**", *(describe_source(c) for c in citations)]


def _closing(question: str, ranking: Ranking, citations: Sequence[Citation], intent: Intent,
             warnings: list[str]) -> list[str]:
    lines = []
    comparison = compare_facets(ranking, tuple(citations))
    if comparison:
        lines += ["", "**How these compare with your case**", *comparison]
    if intent.decision or intent.manipulation:
        if DECISION_REMINDER not in warnings:
            warnings.append(DECISION_REMINDER)
        lines += ["", f"_{DECISION_REMINDER}_"]
    lines += ["", NOT_GUIDANCE, ATTRIBUTION]
    return lines


def glossary_lines(question: str, glossary, intent: Intent | None = None) -> list[str]:
    """For "what is a PSR?"-style questions, what the glossary says the term asked about means, and where from."""
    intent = intent or read_intent(question)
    if glossary is None or not intent.definition:
        return []
    asked = intent.definition
    meanings: dict[tuple[str, str], list[str]] = {}  # (term, meaning) -> sources, one line per meaning
    for term, _ in glossary.expand(asked):
        if term.lower() != asked.lower() and not re.fullmatch(rf"(?:an?\s+|the\s+)?{re.escape(term)}s?", asked, re.I):
            continue
        for entry in glossary.lookup(term):
            if entry.term.lower() == term.lower():
                meanings.setdefault((entry.term, entry.meaning.lower()), [entry.meaning]).append(entry.source)
    # italic notes, not bullets: definitions are not practice points and carry no [n]
    return [f"_Glossary: {term} means {found[0]} (source: {'; '.join(dict.fromkeys(found[1:]))})._"
            for (term, _), found in meanings.items()]


def refusal(question: str, ranking: Ranking, warnings: list[str], nearest: Sequence[Hit], message: str = REFUSAL,
            carried: Carried | None = None) -> Answer:
    """The fixed refusal; loosely related examples are offered but clearly not cited."""
    lines = [message]
    if nearest:
        lines += ["", "The nearest examples, **not a close match**:"]
        lines += [f"- {h.unit.title} ({h.unit.section}) — {h.unit.url}" for h in nearest]
    lines += ["", NOT_GUIDANCE, ATTRIBUTION]
    return Answer(question, "\n".join(lines), True, "extractive", (), tuple(warnings), tuple(nearest),
                  ranking.query.text, carried=carried)


def not_covered(question: str, ranking: Ranking, warnings: list[str], coverage: Coverage,
                carried: Carried | None = None) -> Answer:
    """"The documents here don't cover X": no points, the nearest examples labelled as not a match."""
    names = [c.text for c in coverage.central]
    concepts = " or ".join(f"“{n}”" for n in names[:3])
    lines = [NOT_COVERED.format(concepts=concepts, it="that" if len(names) == 1 else "those")]
    nearest = ranking.hits[:3]
    if nearest:
        lines += ["", f"The nearest examples are **not a match** for {concepts}; they are listed only in case they help:"]
        lines += [f"- {h.unit.title} ({h.unit.section}) — {h.unit.url}" for h in nearest]
    lines += ["", NOT_GUIDANCE, ATTRIBUTION]
    return Answer(question, "\n".join(lines), True, "extractive", (), tuple(warnings), tuple(nearest),
                  ranking.query.text, not_covered=tuple(coverage.not_covered), carried=carried)


# --- Markdown helpers used by the LLM validator and the evaluation -----------------------------

_BULLET_PREFIX = re.compile(r"^(?:[-*•]|\d{1,2}[.)])\s+")
_HEADING_LINE = re.compile(r"^(?:#{1,6}\s.*|\*\*[^*]+\*\*:?|_[^_]+_)$")


def content_lines(markdown: str) -> list[str]:
    """The lines of an answer that make claims: bullets and paragraphs, not headings or notices."""
    lines = []
    for raw in markdown.splitlines():
        line = raw.strip()
        if not line or _HEADING_LINE.match(line):
            continue
        lines.append(_BULLET_PREFIX.sub("", line).strip())
    return [line for line in lines if line]


CITATION_MARKER = re.compile(r"\[(\d+)\]")


def cited_statements(markdown: str, by_sentence: bool = False) -> list[tuple[str, tuple[int, ...]]]:
    """The claims in an answer's Markdown, markers removed, each with the [n] numbers it cites.

    One claim per bullet or paragraph, or per sentence with `by_sentence`.
    """
    pieces = content_lines(markdown)
    if by_sentence:
        pieces = [sentence for line in pieces for sentence in split_sentences(line)]
    statements = []
    for piece in pieces:
        claim = CITATION_MARKER.sub("", piece).strip()
        if claim:
            statements.append((claim, tuple(dict.fromkeys(int(n) for n in CITATION_MARKER.findall(piece)))))
    return statements


def answer_points(answer: Answer) -> list[tuple[str, tuple[int, ...]]]:
    """The cited points of an answer, in order (the bullets before its sources list)."""
    body = answer.answer.split("**Sources**")[0]
    return [(claim, cited) for claim, cited in cited_statements(body) if cited]


def describe_source(citation: Citation) -> str:
    unit = citation.unit
    line = f"[{citation.n}] **{unit.title}**"
    if isinstance(unit, Example):
        details = [unit.person_summary()] if unit.person else ["organisational example" if unit.kind == "organisational"
                                                               else "case example"]
        details.append(unit.section)
        line += " — " + " · ".join(d for d in details if d)
        if unit.outcome:
            line += f"  \n    Outcome: {unit.outcome}"
    line += f"  \n    From: {publication(unit)}"
    if citation.also:
        line += "  \n    Also published in: " + "; ".join(publication(u) for u in citation.also)
    if unit.url:
        line += f"  \n    [Read it in the source]({unit.url})"
    return line


def compare_facets(ranking: Ranking, citations: tuple[Citation, ...]) -> list[str]:
    """For the facets the question states, how each cited example is like the case or differs, in words."""
    wanted = ranking.query.facets
    if wanted.is_empty():
        return []
    lines = []
    for citation in citations:
        unit = citation.unit
        if not isinstance(unit, Example) or unit.kind != "case":
            continue
        person = unit.person
        same, different = [], []
        if person and person.age is not None and (wanted.age is not None or wanted.age_range):
            low, high = wanted.age_range or (wanted.age, wanted.age)
            asked = f"{wanted.age}" if wanted.age is not None else f"{low}–{high}"
            if low - 1 <= person.age <= high + 1:
                same.append(f"aged {person.age}")
            else:
                different.append(f"aged {person.age} (you said {asked})")
        if wanted.gender and person and person.gender:
            (same if person.gender == wanted.gender else different).append(
                "a man" if person.gender == "male" else "a woman")
        stated = sorted(wanted.sentence | wanted.needs)
        shared = [label for label in stated if label in unit.sentence or label in unit.needs]
        missing = [label for label in stated if label not in shared]
        same += shared
        if missing:
            different.append("no " + ", ".join(missing) + " in this case")
        if not same and not different:
            continue
        name = (person.name if person and person.name else "this case")
        parts = []
        if same:
            parts.append("like yours: " + ", ".join(same))
        if different:
            parts.append("different: " + "; ".join(different))
        lines.append(f"- [{citation.n}] {name} — {'. '.join(parts)}.")
    return lines
