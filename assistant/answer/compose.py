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
from dataclasses import dataclass, field, replace
from typing import Sequence

import numpy as np

from assistant.answer.choice import Choice, Policy, allowed_point, choose_points
from assistant.answer.coverage import CorpusPhrases, Coverage, CoverageChecker
from assistant.answer.facts import answering_candidates, fact_pattern
from assistant.answer.compare import PRACTICE_POINTS, Part, compared_examples, outcome_passage, table
from assistant.answer.lead import fact_lead, lead_line, shared as shared_facets
from assistant.answer.messages import (CORRECTIONS, DECISION_REMINDER, FALSIFICATION_REFUSAL, MANIPULATION_REFUSAL,
                                       NO_CLOSE_MATCH_PART, NOT_COVERED, NOT_COVERED_PART, REFUSAL)
from assistant.answer.scoring import CANDIDATE_UNITS, FEATURES, PassageScorer, Scored, Weights, fitted, passage_features, ranked
from assistant.index.passages import WHAT_HAPPENED, Passage, passages_of
from assistant.question import Question
from assistant.question.asks import case_description, refers_back
from assistant.question.intent import Intent, read_intent, request_topic
from assistant.retrieve import Ranking
from assistant.types import Answer, Ask, Carried, Citation, Example, Hit, Point

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
PART_POINTS = 3  # at most, for each ask of a question with several


# a question about the person's background or about what came of the case: openings and outcomes answer it
_BACKGROUND = re.compile(r"\bwhat (?:happened|came of|was the (?:outcome|result))|\boutcomes?\b|\bresults?\b|"
                         r"\bdid (?:it|that|this) work\b|\bhow did (?:it|that|things) (?:go|end|turn out)\b|"
                         r"\bwho (?:is|was) (?:he|she|the person)\b|\b(?:his|her|their) background\b", re.I)


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
        self.policy = Policy.from_json(self.weights.policy)

    @classmethod
    def for_index(cls, index) -> "ExtractiveComposer":
        """A composer over an open index: its glossary, its query model, its keyword statistics and the
        passage vectors its build embedded."""
        scorer = PassageScorer(index.embedder.embed, index.document_frequency, stored=index.passage_vectors())
        coverage = CoverageChecker(CorpusPhrases.for_index(index), index.glossary, scorer.vectors)
        return cls(index.glossary, scorer, coverage)

    def compose(self, question: Question, ranking: Ranking, warnings: list[str], *, standalone: str | None = None,
                carried: Carried | None = None, examples_ranking: Ranking | None = None,
                parts: Sequence[Part] = ()) -> Answer:
        """An answer to `question` (as the user asked it) from `ranking` (of the standalone query).

        `examples_ranking` is the search for a request for examples (case examples only); `parts`
        the searches for each thing a comparison names, or for each ask of a question with several.
        """
        intent = question.intent
        asked = question.text
        hits = ranking.hits
        if question.language_note:
            warnings.append(question.language_note)
        if intent.falsify:
            return refusal(asked, ranking, warnings, nearest=(), message=FALSIFICATION_REFUSAL, carried=carried,
                           reminder=DECISION_REMINDER)
        if intent.manipulation == "instructions" or intent.off_topic_task:
            return refusal(asked, ranking, warnings, nearest=(), message=MANIPULATION_REFUSAL if intent.manipulation
                           else REFUSAL, carried=carried)
        if not hits or relevance(ranking) < LOOSE_MATCH:
            return refusal(asked, ranking, warnings, nearest=(), carried=carried)

        query_text = standalone or asked
        if len(parts) > 1 and not intent.compare:
            answer = self._parts_answer(question, ranking, warnings, carried, parts)
            if answer is not None:
                return answer
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

        if intent.compare and parts:
            answer = self._compare_answer(shared, ranking, parts)
            if answer is not None:
                return answer
        if (intent.examples or intent.count) and examples_ranking is not None:
            answer = self._examples_answer(shared, query_text, examples_ranking)
            if answer is not None:
                return answer
        stated = frozenset(ranking.query.facets.sentence | ranking.query.facets.needs)
        choice = choose_points(scored, hits, intent, self.policy, stated, background=bool(_BACKGROUND.search(asked)))
        return self._points_answer(shared, ranking, choice)

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
        if not candidates:
            return []
        scored = ranked(candidates, features, self.weights, ranking.hits, intent)
        for item in scored:
            item.labels = self.scorer.labels(item.passage.text)
        return scored

    def _examples_answer(self, shared: "_Shared", query_text: str, ranking: Ranking) -> Answer | None:
        """A request for examples: the matching case examples, each with a summary and its most relevant point.

        A count asked for ("three examples") is the count given, best first; without one, the examples
        close enough to the best are listed (at most MAX_EXAMPLES_LISTED)."""
        kind = next((h.unit.kind for h in ranking.hits if isinstance(h.unit, Example)), "case")
        cases = [h for h in ranking.hits if isinstance(h.unit, Example) and h.unit.kind == kind]
        if not cases:
            return None
        count = shared.intent.count
        candidates = [p for h in cases[:max(count or 0, MAX_EXAMPLES_LISTED) + 2] for p in passages_of(h.unit)]
        # each example's point is the one closest to the practice asked for, not to "for a team session"
        scored = self._score(request_topic(shared.question), request_topic(query_text), ranking, candidates,
                             shared.intent)
        best: dict[str, Scored] = {}
        for item in scored:
            if allowed_point(item, shared.intent):
                best.setdefault(item.passage.unit.id, item)
        for item in scored:
            best.setdefault(item.passage.unit.id, item)
        if cases[0].unit.id not in best:
            return None
        if count:
            listed = [h for h in cases if h.unit.id in best][:count]
        else:
            ratio = ONE_EXAMPLE_RATIO if shared.intent.one_example else EXAMPLE_HIT_RATIO
            listed = [h for h in cases if h.unit.id in best and
                      (h is cases[0] or (best[h.unit.id].score >= EXAMPLE_LIST_BAR and h.score >= ratio * cases[0].score))]
            listed = listed[:MAX_EXAMPLES_LISTED]
        citations = tuple(Citation(n, h.unit, best[h.unit.id].passage.quotes, h.also) for n, h in enumerate(listed, start=1))
        points = tuple(Point(best[c.unit.id].passage.text, (c.n,), best[c.unit.id].passage.heading) for c in citations)
        one, many = ("inspected case", "inspected cases") if kind == "case" else ("example", "examples")
        if count and len(listed) < count:
            shared.extra_notes.append(f"Only {len(listed)} {one if len(listed) == 1 else many} "
                                      f"{'fits' if len(listed) == 1 else 'fit'} your question; you asked for {count}.")
        lead = (f"The {len(listed)} {one if len(listed) == 1 else many} that fit your question best, best first:"
                if count else f"These {many} fit your question ({len(listed)}):")
        return shared.answer(ranking, "examples", citations, points, self.glossary, lead=lead)

    def _compare_answer(self, shared: "_Shared", ranking: Ranking, parts: Sequence[Part]) -> Answer | None:
        """"Compare X and Y": a side-by-side table of the examples' fields, practice points and outcomes."""
        pairs = compared_examples(parts)
        if len(pairs) < 2:
            return None
        examples = [hit.unit for hit, _ in pairs]
        topic = request_topic(shared.question)
        practice: list[list[str]] = []
        citations, points, outcomes = [], [], []
        for n, (hit, part) in enumerate(pairs, start=1):
            own = replace(part.ranking, hits=[hit])
            scored = self._score(topic, part.ranking.query.text, own, passages_of(hit.unit), shared.intent)
            chosen = [s for s in scored if allowed_point(s, shared.intent)][:PRACTICE_POINTS] or scored[:1]
            chosen.sort(key=lambda s: s.passage.order)
            practice.append([s.passage.text for s in chosen])
            points += [Point(s.passage.text, (n,), s.passage.heading) for s in chosen]
            outcome = outcome_passage(hit.unit)
            if outcome is not None:
                outcomes.append(Point(outcome.text, (n,), WHAT_HAPPENED))
            quotes = [q for s in chosen for q in s.passage.quotes] + list(outcome.quotes if outcome else ())
            citations.append(Citation(n, hit.unit, tuple(dict.fromkeys(quotes)), hit.also))
        lead = "Side by side: " + " and ".join(f"[{n}] {e.title}" for n, e in enumerate(examples, start=1)) + "."
        return shared.answer(ranking, "compare", tuple(citations), tuple(points), self.glossary, lead=lead,
                             outcomes=tuple(outcomes), table=table(examples, practice), comparison=False)

    def _parts_answer(self, question: Question, ranking: Ranking, warnings: list[str], carried: Carried | None,
                      parts: Sequence[Part]) -> Answer | None:
        """A question with several asks: each answered from its own search, or said not to be covered.
        None when no ask is covered (the whole question is then answered or refused as one)."""
        described = case_description(question.text)
        citations: dict[str, Citation] = {}
        points: list[Point] = []
        outcomes: list[Point] = []
        asks: list[Ask] = []
        shown: set[str] = set()
        uncovered: list[str] = []
        policy = replace(self.policy, max_points=PART_POINTS, min_points=min(self.policy.min_points, PART_POINTS - 1))
        for i, part in enumerate(parts):
            label = part.text[len(described):].strip() if part.text.startswith(described) else part.text
            intent = read_intent(part.text)
            hits = part.ranking.hits
            candidates = self._candidates(hits) if hits else []
            scored = self._score(part.text, part.ranking.query.text, part.ranking, candidates, intent) if hits else []
            coverage = self._coverage(part.text, candidates, max((s.relevance for s in scored), default=0.0))
            inherited = [n for n in uncovered if refers_back(label, n)]  # "…and what if he fails the test?"
            if (not scored or relevance(part.ranking) < CLOSE_MATCH or (coverage is not None and coverage.central)
                    or inherited):
                names = [c.text for c in coverage.central] if coverage is not None and coverage.central else inherited
                uncovered += names
                note = (NOT_COVERED_PART.format(concepts=" or ".join(f"“{n}”" for n in names[:3])) if names
                        else NO_CLOSE_MATCH_PART)
                asks.append(Ask(label, covered=False, note=note))
                continue
            stated = frozenset(part.ranking.query.facets.sentence | part.ranking.query.facets.needs)
            choice = choose_points(scored, hits, intent, policy, stated, background=bool(_BACKGROUND.search(part.text)))
            for item in choice.points:
                unit = item.passage.unit
                if unit.id not in citations:
                    also = next((h.also for h in hits if h.unit.id == unit.id), ())
                    citations[unit.id] = Citation(len(citations) + 1, unit, (), also)
                n = citations[unit.id].n
                points.append(Point(item.passage.text, (n,), item.passage.heading, part=i))
                shown.add(item.passage.text)
                citations[unit.id] = replace(citations[unit.id],
                                             quotes=tuple(dict.fromkeys([*citations[unit.id].quotes, *item.passage.quotes])))
            asks.append(Ask(label))
        if not points:
            return None
        for citation in list(citations.values()):
            outcome = _outcome_of(citation.unit, [])
            if outcome is not None and outcome.text not in shown:
                outcomes.append(Point(outcome.text, (citation.n,), WHAT_HAPPENED))
                citations[citation.unit.id] = replace(citation, quotes=tuple(dict.fromkeys([*citation.quotes, *outcome.quotes])))
        shared = _Shared(question.text, question.intent, warnings, carried, tuple(dict.fromkeys(uncovered)))
        ordered = tuple(sorted(citations.values(), key=lambda c: c.n))
        lead = f"Your question has {len(parts)} parts; each is answered below. " + lead_line(ordered, ranking.query.facets)
        return shared.answer(ranking, "points", ordered, tuple(points), self.glossary, lead=lead.strip(),
                             outcomes=tuple(outcomes), asks=tuple(asks))

    def _points_answer(self, shared: "_Shared", ranking: Ranking, choice: Choice) -> Answer:
        """The chosen points under each example's own sub-headings (in the order of their best point,
        the outcome last), the examples in the order their best point comes."""
        order: list[str] = []
        for item in choice.points:
            if item.passage.unit.id not in order:
                order.append(item.passage.unit.id)
        units = {item.passage.unit.id: item.passage.unit for item in choice.points}
        also = {h.unit.id: h.also for h in ranking.hits}
        citations, points, outcomes = [], [], []
        for n, unit_id in enumerate(order, start=1):
            mine = [item for item in choice.points if item.passage.unit.id == unit_id]
            groups: OrderedDict[str, list[Scored]] = OrderedDict()
            for item in mine:
                groups.setdefault(item.passage.heading, []).append(item)
            for heading in sorted(groups, key=lambda h: h == WHAT_HAPPENED):
                points += [Point(item.passage.text, (n,), heading) for item in groups[heading]]
            outcome = _outcome_of(units[unit_id], [item.passage for item in mine])
            if outcome is not None:
                outcomes.append(Point(outcome.text, (n,), WHAT_HAPPENED))
            quotes = [q for item in mine for q in item.passage.quotes] + list(outcome.quotes if outcome else ())
            citations.append(Citation(n, units[unit_id], tuple(dict.fromkeys(quotes)), also.get(unit_id, ())))
        citations = tuple(citations)
        fact = bool(shared.intent.fact or shared.intent.definition)
        lead = fact_lead(citations) if fact else lead_line(citations, ranking.query.facets)
        return shared.answer(ranking, "points", citations, tuple(points), self.glossary, lead=lead,
                             outcomes=() if fact else tuple(outcomes), see_also=tuple(choice.see_also))


@dataclass
class _Shared:
    """What every answer to one question carries, whatever its shape."""

    question: str
    intent: Intent
    warnings: list[str]
    carried: Carried | None
    not_covered: tuple[str, ...]
    extra_notes: list[str] = field(default_factory=list)

    def answer(self, ranking: Ranking, shape: str, citations: tuple[Citation, ...], points: tuple[Point, ...],
               glossary, lead: str = "", see_also: tuple[Hit, ...] = (), outcomes: tuple[Point, ...] = (),
               asks: tuple[Ask, ...] = (), table: tuple[tuple[str, ...], ...] = (), comparison: bool = True) -> Answer:
        notes = ([CORRECTIONS[self.intent.manipulation]] if self.intent.manipulation in CORRECTIONS else [])
        notes += glossary_lines(self.question, glossary, self.intent) + self.extra_notes
        reminder = ""
        if self.intent.decision or self.intent.manipulation:
            reminder = DECISION_REMINDER
            if DECISION_REMINDER not in self.warnings:
                self.warnings.append(DECISION_REMINDER)
        return Answer(self.question, False, "extractive", shape=shape, lead=lead, notes=tuple(notes), points=points,
                      outcomes=outcomes, citations=citations, asks=asks, table=table, see_also=see_also,
                      comparison=tuple(compare_facets(ranking, citations)) if comparison else (),
                      reminder=reminder, warnings=tuple(self.warnings), hits=tuple(ranking.hits),
                      search_query=ranking.query.text, not_covered=self.not_covered, carried=self.carried)


def _outcome_of(unit, shown: Sequence[Passage]) -> Passage | None:
    """What came of a case: its outcome's first quotable sentence, unless a point already shows it."""
    if not isinstance(unit, Example) or unit.kind != "case" or not unit.outcome:
        return None
    first = next((p for p in passages_of(unit) if p.is_outcome), None)
    if first is None or any(p.text == first.text for p in shown):
        return None
    return first


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
            carried: Carried | None = None, reminder: str = "") -> Answer:
    """The fixed refusal; loosely related examples are offered but clearly not cited."""
    if reminder and reminder not in warnings:
        warnings.append(reminder)
    return Answer(question, True, "extractive", shape="refused", lead=message, reminder=reminder, nearest=tuple(nearest),
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
    """For the facets the question states, how each cited case is like the case asked about, or differs.

    Facets describe the person on probation only. "Like yours" lists what the question states and
    the example is tagged with; "different" is said only of what the example's own fields show
    differently (an age, a gender). Nothing is said of a need or sentence the example is not
    tagged with: its text may hold it in other words, and silence is not a difference.
    """
    wanted = ranking.query.facets
    if wanted.is_empty():
        return []
    lines = []
    for citation in citations:
        unit = citation.unit
        if not isinstance(unit, Example) or unit.kind != "case":
            continue
        person = unit.person
        same = shared_facets(unit, wanted)
        different = []
        if person and person.age is not None and (wanted.age is not None or wanted.age_range):
            low, high = wanted.age_range or (wanted.age, wanted.age)
            if not low - 1 <= person.age <= high + 1:
                asked = f"{wanted.age}" if wanted.age is not None else f"{low}–{high}"
                different.append(f"aged {person.age} (you said {asked})")
        if wanted.gender and person and person.gender and person.gender != wanted.gender:
            different.append("a man" if person.gender == "male" else "a woman")
        if not same and not different:
            continue
        name = (person.name if person and person.name else "this case")
        parts = (["like yours: " + ", ".join(same)] if same else []) + (["different: " + "; ".join(different)] if different else [])
        lines.append(f"- [{citation.n}] {name} — {'. '.join(parts)}.")
    return lines
