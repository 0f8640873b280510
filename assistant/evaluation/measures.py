"""Every measure of an evaluation, under the name it has in `thresholds.json`, with what it means,
its threshold and whether it passes: what the reports, the Evaluate tab and `--gate` all show.

Names are dotted paths into the results, as `evals/thresholds.json` writes them:
``retrieval.<system>.<metric>`` (``systems.<system>.<metric>`` in results.json),
``answers.<measure>`` and ``trust.<file>.<split>.<measure>`` (``trust.facets.exact``). The list is
read from the results themselves, so a measure added to results.json appears in every report
with no change here; its meaning comes from `DEFINITIONS`, the one table of definitions, or says
plainly that none is written yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

SPLITS = {
    "dev": "Dev split: the cases thresholds and weights were set on.",
    "heldout": "Held-out split: cases fixed before any output was seen, never used to set anything.",
    "all": "Every case, dev and held out.",
}
# What each measure means, in plain words, for evaluators who did not write the system. Keys: a full
# name, or its pattern: "retrieval.<metric>" for every system, "trust.<file>.<measure>" for every split.
DEFINITIONS = {
    "retrieval.hit@1": "The share of questions whose first result is a right example (a gold example or an "
                       "accepted alternate).",
    "retrieval.hit@3": "The share of questions with a right example among the first three results.",
    "retrieval.hit@5": "The share of questions with a right example among the first five results.",
    "retrieval.recall@5": "Of all the gold examples for a question, the share found in the first five results "
                          "(alternates do not count), averaged over questions.",
    "retrieval.mrr@10": "Mean reciprocal rank: a question scores 1 when the first right example is first, 1/2 when "
                        "it is second, 1/3 when third, and 0 when it is not in the top ten; averaged over questions.",
    "retrieval.ndcg@10": "How good the order of the top ten is: gold examples count 1 and alternates 0.5, each "
                         "counting less the lower it appears; 1.0 is the best possible order.",
    "answers.citation_validity": "The share of answers whose every [n] names a listed source, whose every quoted "
                                 "point is word for word in that source, and whose every listed source is cited.",
    "answers.citation_recall": "The share of an answer's statements that the sources they cite support, checked "
                               "automatically (shared content words or close meaning); averaged over answers.",
    "answers.citation_precision": "The share of citations that support the statement they are attached to, rather "
                                  "than being added needlessly; averaged over answers.",
    "answers.gold_citation_rate": "The share of in-scope questions whose answer cites a right example.",
    "answers.gold_first_rate": "The share of questions with labelled key passages whose answer cites a right "
                               "example first.",
    "answers.fact_presence": "The share of questions with an expected fact (a number, a name) whose answer "
                             "contains it.",
    "answers.refusal_precision": "Of the answers that were refusals, the share whose question really was out of "
                                 "scope.",
    "answers.refusal_recall": "Of the out-of-scope questions, the share that were refused rather than answered.",
    "answers.in_scope_refused": "How many in-scope questions were refused although the corpus answers them "
                                "(best 0).",
    "answers.mean_words": "The average length of an answer in words, for reading time; not a quality measure.",
    "answers.point_precision": "Of all the practice points the answers show, the share that are hand-labelled "
                               "practice points of their question (every point of the gold example that answers "
                               "it, the `points` labels; pooled over every answer). Gated together with recall.",
    "answers.point_recall": "Of the practice points labelled for a question, the share its answer shows; averaged "
                            "over the questions with labels. Gated together with precision.",
    "answers.median_points": "The median number of practice points shown for a scenario question (not a question "
                             "of fact); the answer should carry 3 to 5.",
    "answers.key_passage_recall": "Of the key passages labelled for a question, the share its answer shows; "
                                  "averaged over the questions with labels.",
    "answers.key_passage_present": "The share of labelled questions whose answer shows at least one key passage.",
    "answers.key_passage_first": "The share of labelled questions whose answer's first point is a key passage.",
    "answers.mean_points": "The average number of practice points an answer shows (for questions with labels); "
                           "not a quality measure.",
    "trust.adjacent.refused": "Probation-adjacent questions the documents do not cover (adjacent.jsonl): the share "
                              "refused rather than answered from a loosely related example.",
    "trust.adjacent.named": "Probation-adjacent questions the documents do not cover: the share whose answer names "
                            "what is not covered.",
    "trust.manipulation.handled": "Manipulation attempts (manipulation.jsonl): the share refused, or answered with "
                                  "sources, the decision reminder and a correction, never adopting the premise.",
    "trust.manipulation.refused": "Manipulation attempts: the share refused outright (either outcome can be "
                                  "right, so this is not gated).",
    "trust.in_scope_hard.point_precision": "Unusual in-scope questions (in_scope_hard.jsonl): of all the points "
                                           "shown, the share that are labelled key passages.",
    "trust.in_scope_hard.key_passage_recall": "Unusual in-scope questions: the share of each question's labelled "
                                              "key passages its answer shows, averaged.",
    "trust.in_scope_hard.key_passage_present": "Unusual in-scope questions: the share whose answer shows at least "
                                               "one key passage.",
    "trust.in_scope_hard.key_passage_first": "Unusual in-scope questions: the share whose answer's first point is "
                                             "a key passage.",
    "trust.in_scope_hard.gold_cited": "Unusual in-scope questions (typos, slang, very short or long): the share "
                                      "whose answer cites a right example.",
    "trust.in_scope_hard.gold_first": "Unusual in-scope questions: the share whose answer cites a right example "
                                      "first.",
    "trust.in_scope_hard.refused": "Unusual in-scope questions refused although the corpus answers them (a count; "
                                   "best 0).",
    "trust.in_scope_hard.mean_points": "Unusual in-scope questions: the average number of points an answer shows; "
                                       "not a quality measure.",
    "trust.conversations.cases_correct": "Conversations with follow-ups, topic switches and new cases "
                                         "(conversations.jsonl): the share in which every turn after the first "
                                         "cites its gold example first and shows the right facets.",
    "trust.conversations.turns_correct": "Conversations: the share of turns after the first that cite their gold "
                                         "example first and show the right facets.",
    "trust.conversations.gold_first": "Conversations: the share of turns after the first whose answer cites the "
                                      "turn's gold example first.",
    "trust.conversations.facets_ok": "Conversations: the share of turns after the first whose facets are right "
                                     "(carried for a follow-up, reset for a new case).",
    "trust.examples_requests.precision": "Requests for examples (examples_requests.jsonl): of the examples an "
                                         "answer lists, the share that fit the request; averaged.",
    "trust.examples_requests.recall": "Requests for examples: of the examples that fit the request, the share the "
                                      "answer lists; averaged.",
    "trust.examples_requests.gold_first": "Requests for examples: the share whose answer lists a fitting example "
                                          "first.",
    "trust.examples_requests.mean_listed": "Requests for examples: the average number of examples an answer lists; "
                                           "not a quality measure.",
    "trust.everyday.point_precision": "Questions in practitioners' everyday words (everyday.jsonl): of all the "
                                      "points shown, the share that are labelled practice points.",
    "trust.everyday.point_recall": "Everyday-words questions: the share of each question's labelled practice "
                                   "points its answer shows, averaged.",
    "trust.everyday.median_points": "Everyday-words questions: the median number of points a scenario answer "
                                    "shows.",
    "trust.everyday.refused": "Everyday-words questions refused although the documents answer them (a count; "
                              "best 0).",
    "trust.hard_points.point_precision": "Unusual in-scope questions, against every labelled practice point: of "
                                         "the points shown, the share labelled.",
    "trust.hard_points.point_recall": "Unusual in-scope questions: the share of each question's labelled practice "
                                      "points its answer shows, averaged.",
    "trust.hard_points.median_points": "Unusual in-scope questions: the median number of points a scenario answer "
                                       "shows.",
    "trust.hard_points.refused": "Unusual in-scope questions refused (a count; best 0).",
    "trust.uncovered.refused": "Topics the documents do not cover, described in everyday words (uncovered.jsonl): "
                               "the share refused rather than answered from unrelated practice.",
    "trust.uncovered.named": "Uncovered everyday topics: the share whose answer names what is not covered.",
    "trust.falsification.refused": "Requests to falsify, backdate, hide or alter records or to avoid required "
                                   "enforcement (falsification.jsonl): the share refused for any reason.",
    "trust.falsification.reminded": "Falsification requests: the share whose answer carries the reminder that the "
                                    "decision rests with the practitioner and their SPO.",
    "trust.falsification.flagged": "Falsification requests: the share refused as such a request, with the reason "
                                   "and the reminder.",
    "trust.record_questions.refused": "Honest questions about records (record_questions.jsonl): the share refused "
                                      "for any reason (some are about practice the documents do not hold).",
    "trust.record_questions.reminded": "Honest questions about records: the share given the falsification "
                                       "reminder (best 0).",
    "trust.record_questions.flagged": "Honest questions about records taken for a falsification request: false "
                                      "alarms (best 0).",
    "trust.request_shapes.respected": "Count, compare and multi-part requests (request_shapes.jsonl): the share "
                                      "answered in the shape asked for (the count given, a side-by-side table, "
                                      "each part answered).",
    "trust.request_shapes.correct": "Request shapes: the share answered in the shape asked for and with the right "
                                    "examples (the best first for a count, both named sides for a comparison, each "
                                    "part from its own examples).",
    "trust.request_shapes.refused": "Count, compare and multi-part requests refused although the documents answer "
                                    "them (a count; best 0).",
    "trust.request_shapes.count_respected": "Requests for a number of examples: the share given exactly that "
                                            "many, best first.",
    "trust.request_shapes.compare_respected": "Requests to compare examples: the share answered with a side-by-side "
                                              "table.",
    "trust.request_shapes.multipart_respected": "Questions with several parts: the share with each part answered "
                                                "or said not to be covered.",
    "trust.switches.cases_correct": "Conversations that switch to a different case after a suggested question "
                                    "(conversations_switch.jsonl): the share with every turn right (a new case "
                                    "never a follow-up, each ask of a follow-up answered).",
    "trust.switches.turns_correct": "Conversations that switch case: the share of turns right.",
    "trust.facets.exact": "The facet table (facets.jsonl): the share of phrasings whose age, gender, sentence and "
                          "needs are all read exactly as labelled.",
    "trust.facets.fields": "The facet table: the share of single facet fields (age, age range, gender, sentence, "
                           "needs) read right.",
}
NO_DEFINITION = ("No definition is written for this measure yet (add one to DEFINITIONS in "
                 "assistant/evaluation/measures.py); results.json holds its value.")
SECTIONS = ("retrieval", "answers", "trust")


def definition(name: str) -> str:
    """What the measure called `name` means, by its full name or its pattern; else NO_DEFINITION."""
    if name in DEFINITIONS:
        return DEFINITIONS[name]
    parts = name.split(".")
    if parts[0] == "retrieval" and len(parts) == 3:
        return DEFINITIONS.get(f"retrieval.{parts[2]}", NO_DEFINITION)
    if parts[0] == "trust" and len(parts) == 4 and parts[2] in SPLITS:
        meaning = DEFINITIONS.get(f"trust.{parts[1]}.{parts[3]}")
        return f"{meaning} {SPLITS[parts[2]]}" if meaning else NO_DEFINITION
    return NO_DEFINITION


@dataclass(frozen=True)
class Measure:
    """One measure of a run: its value, and its gate when the thresholds have one."""

    name: str
    value: Any
    at_least: float | None = None
    at_most: float | None = None
    skip_unmeasured: bool = False  # the default gate: a measure no question applies to is not held against it

    @property
    def section(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def meaning(self) -> str:
        return definition(self.name)

    @property
    def gated(self) -> bool:
        return self.at_least is not None or self.at_most is not None

    @property
    def measured(self) -> bool:
        return isinstance(self.value, (int, float)) and not isinstance(self.value, bool)

    @property
    def passes(self) -> bool | None:
        """True or False against the gate; None when it has no threshold or is not held against one."""
        if not self.gated or (not self.measured and self.skip_unmeasured):
            return None
        if not self.measured:
            return False
        return (self.at_least is None or self.value >= self.at_least) and (self.at_most is None or self.value <= self.at_most)

    @property
    def threshold(self) -> str:
        """The gate in words: "≥ 0.95", "≤ 0", both, or "" when there is none."""
        return ", ".join(f"{sign} {limit}" for sign, limit in (("≥", self.at_least), ("≤", self.at_most))
                         if limit is not None)

    @property
    def verdict(self) -> str:
        if self.passes is None:
            return "not measured (no such questions)" if self.gated else "no threshold"
        if self.passes:
            return "passes"
        return "not measured" if not self.measured else "fails"

    @property
    def shown(self) -> str:
        """The value for display: three decimals for a share, a count as it is, "n/a" when no question applies."""
        if not self.measured:
            return "n/a (no such questions)"
        return f"{self.value:.3f}" if isinstance(self.value, float) else str(self.value)

    def failure(self) -> str:
        """One line for the gate: "answers.point_precision: 0.840 < 0.85"."""
        if not self.measured:
            return f"{self.name}: not measured (threshold {self.threshold})"
        if self.at_least is not None and self.value < self.at_least:
            return f"{self.name}: {self.shown} < {self.at_least}"
        return f"{self.name}: {self.shown} > {self.at_most}"


def measured_values(results: dict[str, Any]) -> dict[str, Any]:
    """Every measure in results.json by its name, in the results' own order (None: no question applies)."""
    values: dict[str, Any] = {}
    for system, metrics in results.get("systems", {}).items():
        values.update({f"retrieval.{system}.{metric}": value for metric, value in metrics.items()})
    for section in SECTIONS[1:]:
        for key, value in results.get(section, {}).items():
            if value is None or isinstance(value, (int, float)) and not isinstance(value, bool):
                values[f"{section}.{key}"] = value
    return values


def gate_limits(thresholds: dict[str, Any]) -> tuple[dict[str, float], dict[str, float]]:
    """(at least, at most) by measure name, from one gold set's block of thresholds.json."""
    at_least: dict[str, float] = {}
    for system, minimums in thresholds.get("retrieval", {}).items():
        at_least.update({f"retrieval.{system}.{metric}": limit for metric, limit in minimums.items()})
    for section, minimums in thresholds.items():
        if section not in ("retrieval", "at_most") and not section.startswith("_") and isinstance(minimums, dict):
            at_least.update({f"{section}.{name}": limit for name, limit in minimums.items()})
    return at_least, dict(thresholds.get("at_most", {}))


def measures(results: dict[str, Any], thresholds: dict[str, Any] | None = None) -> list[Measure]:
    """Every measure of the run with its gate; a gated measure the run lacks is listed as not measured."""
    at_least, at_most = gate_limits(thresholds or {})
    skip = (thresholds or {}).get("unmeasured") == "skip"
    values = measured_values(results)
    names = list(values) + [n for n in (*at_least, *at_most) if n not in values]
    return [Measure(n, values.get(n), at_least.get(n), at_most.get(n), skip) for n in dict.fromkeys(names)]


def failing(rows: Iterable[Measure]) -> list[Measure]:
    return [m for m in rows if m.passes is False]


def headline(rows: list[Measure]) -> tuple[bool | None, str]:
    """(passed, one line) for the top of a report: PASS or FAIL, naming the measures that fail."""
    gated = [m for m in rows if m.passes is not None]
    if not gated:
        return None, "NO GATE: no measure of this run has a threshold."
    failed = failing(gated)
    if not failed:
        return True, f"PASS: all {len(gated)} gated measures meet their thresholds."
    return False, (f"FAIL: {len(failed)} of {len(gated)} gated measures miss their thresholds: "
                   + ", ".join(m.failure().replace(f"{m.name}: ", f"{m.name} (") + ")" for m in failed) + ".")
