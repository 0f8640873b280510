"""The extractive answer: the corpus's own practice points, each cited, as structured data.

Every candidate point of the best examples is scored against the question (`scoring`), the
points that pass the bar are chosen (`choice`), and they are laid out under each example's
own sub-headings. Before that, the question itself is read (`assistant.question`): manipulation
is refused or corrected, a request for examples gets a list of cases, and a question whose
central concept the documents do not cover gets a plain "the documents here don't cover X"
(`coverage`) instead of quotes about something else.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from assistant.answer.choice import Choice, choose_points
from assistant.answer.coverage import CorpusPhrases, Coverage, CoverageChecker
from assistant.answer.facts import answering_candidates, fact_pattern
from assistant.answer.messages import CORRECTIONS, DECISION_REMINDER, MANIPULATION_REFUSAL, NOT_COVERED, REFUSAL
from assistant.answer.scoring import CANDIDATE_UNITS, FEATURES, PassageScorer, Scored, Weights, fitted, passage_features, ranked
from assistant.index.passages import WHAT_HAPPENED, Passage, passages_of
from assistant.question import Question
from assistant.question.intent import Intent, request_topic
from assistant.retrieve import Ranking
from assistant.types import Answer, Carried, Citation, Example, Hit, Point

# Relevance of the corpus as a whole: the closest passage's cosine similarity plus a little for
# questions whose words the corpus uses at all. Calibrated on the gold questions
# (docs/evaluation.md): the highest off-topic score was 0.199 and the lowest in-scope score 0.314.
CLOSE_MATCH = 0.26
LOOSE_MATCH = 0.20
KNOWN_WORDS_WEIGHT = 0.15
MAX_EXAMPLES_LISTED = 6
EXAMPLE_LIST_BAR = 0.0  # the probability a listed example's best point needs (calibrated on evals/examples_requests.jsonl, dev)
EXAMPLE_HIT_RATIO = 0.6  # …and its retrieval score, as a share of the best example's (same file, dev: best F1)
ONE_EXAMPLE_RATIO = 0.85  # …when one example is asked for: only a near tie joins it


def relevance(ranking: Ranking) -> float:
    """How close the corpus comes to the question (see CLOSE_MATCH)."""
    return ranking.best_similarity + KNOWN_WORDS_WEIGHT * ranking.known_word_share


class ExtractiveComposer:
    """The offline, deterministic composer: the corpus's own points, each cited.

    Same shape as the other stages: a cheap constructor, `for_index` to bind an open index,
    `compose` to do the work. It returns an `Answer` as data; the faces render it.
    """

    def __init__(self, glossary=None, scorer: PassageScorer | None = None, coverage: CoverageChecker | None = None,
                 weights: Weights | None = None):
        self.glossary = glossary
        self.scorer = scorer
        self.coverage = coverage
        self.weights = weights or fitted()

    @classmethod
    def for_index(cls, index) -> "ExtractiveComposer":
        """A composer over an open index: its glossary, its query model, its keyword statistics and the
        passage vectors its build embedded."""
        scorer = PassageScorer(index.embedder.embed, index.document_frequency, stored=index.passage_vectors())
        coverage = CoverageChecker(CorpusPhrases.for_index(index), index.glossary, scorer.vectors)
        return cls(index.glossary, scorer, coverage)

    def compose(self, question: Question, ranking: Ranking, warnings: list[str], *, standalone: str | None = None,
                carried: Carried | None = None, examples_ranking: Ranking | None = None) -> Answer:
        """An answer to `question` (as the user asked it) from `ranking` (of the standalone query)."""
        intent = question.intent
        asked = question.text
        hits = ranking.hits
        if question.language_note:
            warnings.append(question.language_note)
        if intent.manipulation == "instructions" or intent.off_topic_task:
            return refusal(asked, ranking, warnings, nearest=(), message=MANIPULATION_REFUSAL if intent.manipulation
                           else REFUSAL, carried=carried)
        if not hits or relevance(ranking) < LOOSE_MATCH:
            return refusal(asked, ranking, warnings, nearest=(), carried=carried)

        query_text = standalone or asked
        candidates = self._candidates(hits)
        scored = self._score(asked, query_text, ranking, candidates, intent)
        coverage = self._coverage(asked, candidates, max((s.relevance for s in scored), default=0.0))
        if coverage is not None and coverage.central:
            return not_covered(asked, ranking, warnings, coverage, carried=carried)
        if relevance(ranking) < CLOSE_MATCH:
            return refusal(asked, ranking, warnings, nearest=hits[:3], carried=carried)
        if intent.manipulation:
            warnings.append(CORRECTIONS[intent.manipulation])
        shared = _Shared(asked, intent, warnings, carried, tuple(coverage.not_covered if coverage else ()))

        if intent.examples and examples_ranking is not None:
            answer = self._examples_answer(shared, query_text, examples_ranking)
            if answer is not None:
                return answer
        return self._points_answer(shared, ranking, choose_points(scored, hits, intent))

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
        return ranked(candidates, features, self.weights, ranking.hits) if candidates else []

    def _examples_answer(self, shared: "_Shared", query_text: str, ranking: Ranking) -> Answer | None:
        """A request for examples: the matching case examples, each with a summary and its most relevant point."""
        cases = [h for h in ranking.hits if isinstance(h.unit, Example) and h.unit.kind == "case"]
        if not cases:
            return None
        candidates = [p for h in cases[:MAX_EXAMPLES_LISTED + 2] for p in passages_of(h.unit)]
        # each example's point is the one closest to the practice asked for, not to "for a team session"
        scored = self._score(request_topic(shared.question), request_topic(query_text), ranking, candidates,
                             shared.intent)
        best: dict[str, Scored] = {}
        for item in scored:
            best.setdefault(item.passage.unit.id, item)
        top = best.get(cases[0].unit.id)
        ratio = ONE_EXAMPLE_RATIO if shared.intent.one_example else EXAMPLE_HIT_RATIO
        listed = [h for h in cases if h.unit.id in best and
                  (h is cases[0] or (best[h.unit.id].score >= EXAMPLE_LIST_BAR and h.score >= ratio * cases[0].score))]
        listed = listed[:MAX_EXAMPLES_LISTED]
        if top is None or not listed:
            return None
        citations = tuple(Citation(n, h.unit, best[h.unit.id].passage.quotes, h.also) for n, h in enumerate(listed, start=1))
        points = tuple(Point(best[c.unit.id].passage.text, (c.n,), best[c.unit.id].passage.heading) for c in citations)
        return shared.answer(ranking, "examples", citations, points, self.glossary,
                             lead=f"These inspected cases fit your question ({len(listed)}):")

    def _points_answer(self, shared: "_Shared", ranking: Ranking, choice: Choice) -> Answer:
        """The chosen points under each example's own sub-headings (in the order of their best point,
        the outcome last), the examples in the order their best point comes."""
        order: list[str] = []
        for item in choice.points:
            if item.passage.unit.id not in order:
                order.append(item.passage.unit.id)
        units = {item.passage.unit.id: item.passage.unit for item in choice.points}
        also = {h.unit.id: h.also for h in ranking.hits}
        citations, points = [], []
        for n, unit_id in enumerate(order, start=1):
            mine = [item for item in choice.points if item.passage.unit.id == unit_id]
            quotes = tuple(dict.fromkeys(q for item in mine for q in item.passage.quotes))
            citations.append(Citation(n, units[unit_id], quotes, also.get(unit_id, ())))
            groups: OrderedDict[str, list[Scored]] = OrderedDict()
            for item in mine:
                groups.setdefault(item.passage.heading, []).append(item)
            for heading in sorted(groups, key=lambda h: h == WHAT_HAPPENED):
                points += [Point(item.passage.text, (n,), heading) for item in groups[heading]]
        return shared.answer(ranking, "points", tuple(citations), tuple(points), self.glossary,
                             see_also=tuple(choice.see_also))


@dataclass
class _Shared:
    """What every answer to one question carries, whatever its shape."""

    question: str
    intent: Intent
    warnings: list[str]
    carried: Carried | None
    not_covered: tuple[str, ...]

    def answer(self, ranking: Ranking, shape: str, citations: tuple[Citation, ...], points: tuple[Point, ...],
               glossary, lead: str = "", see_also: tuple[Hit, ...] = ()) -> Answer:
        notes = ([CORRECTIONS[self.intent.manipulation]] if self.intent.manipulation in CORRECTIONS else [])
        notes += glossary_lines(self.question, glossary, self.intent)
        reminder = ""
        if self.intent.decision or self.intent.manipulation:
            reminder = DECISION_REMINDER
            if DECISION_REMINDER not in self.warnings:
                self.warnings.append(DECISION_REMINDER)
        return Answer(self.question, False, "extractive", shape=shape, lead=lead, notes=tuple(notes), points=points,
                      citations=citations, see_also=see_also, comparison=tuple(compare_facets(ranking, citations)),
                      reminder=reminder, warnings=tuple(self.warnings), hits=tuple(ranking.hits),
                      search_query=ranking.query.text, not_covered=self.not_covered, carried=self.carried)


def glossary_lines(question: str, glossary, intent: Intent) -> list[str]:
    """For "what is a PSR?"-style questions, what the glossary says the term asked about means, and where from."""
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
    # notes, not points: definitions are not practice points and carry no [n]
    return [f"Glossary: {term} means {found[0]} (source: {'; '.join(dict.fromkeys(found[1:]))})."
            for (term, _), found in meanings.items()]


def refusal(question: str, ranking: Ranking, warnings: list[str], nearest: Sequence[Hit], message: str = REFUSAL,
            carried: Carried | None = None) -> Answer:
    """The fixed refusal; loosely related examples are offered but clearly not cited."""
    return Answer(question, True, "extractive", shape="refused", lead=message, nearest=tuple(nearest),
                  nearest_label="The nearest examples, **not a close match**:", warnings=tuple(warnings),
                  hits=tuple(nearest), search_query=ranking.query.text, carried=carried)


def not_covered(question: str, ranking: Ranking, warnings: list[str], coverage: Coverage,
                carried: Carried | None = None) -> Answer:
    """"The documents here don't cover X": no points, the nearest examples labelled as not a match."""
    names = [c.text for c in coverage.central]
    concepts = " or ".join(f"“{n}”" for n in names[:3])
    nearest = tuple(ranking.hits[:3])
    return Answer(question, True, "extractive", shape="not_covered",
                  lead=NOT_COVERED.format(concepts=concepts, it="that" if len(names) == 1 else "those"),
                  nearest=nearest, nearest_label=f"The nearest examples are **not a match** for {concepts}; they are "
                                                 "listed only in case they help:",
                  warnings=tuple(warnings), hits=nearest, search_query=ranking.query.text,
                  not_covered=tuple(coverage.not_covered), carried=carried)


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
