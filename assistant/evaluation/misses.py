"""The questions a run missed, each beside what was retrieved and answered instead: the reports' per-question tables.

One table per part of the run: the gold set (retrieval and answers together), then each labelled
file of the trust measures. Every table has the same columns, so the Markdown summary, the HTML
report and the Evaluate tab draw them alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

COLUMNS = ("id", "question", "what was missed", "expected", "retrieved instead", "answered instead")


@dataclass(frozen=True)
class Miss:
    id: str
    question: str
    missed: str
    expected: str = "—"
    retrieved: str = "—"
    answered: str = "—"

    def cells(self) -> tuple[str, ...]:
        return self.id, self.question, self.missed, self.expected, self.retrieved, self.answered


@dataclass(frozen=True)
class MissTable:
    key: str  # "gold", or the trust file's name ("adjacent"): the anchor the measures link to
    title: str
    misses: list[Miss] = field(default_factory=list)
    note: str = ""


def _names(ids, titles: dict[str, str], limit: int = 3) -> str:
    ids = list(ids or [])[:limit]
    return "; ".join(f"{titles[i]} ({i})" if titles.get(i) else i for i in ids) or "nothing"


def _answered(row: dict[str, Any], titles: dict[str, str], cited_key: str = "cited") -> str:
    if row.get("refused"):
        return "refused" + (f": {row['answer']}" if row.get("answer") else "")
    cited = _names(row.get(cited_key), titles)
    return f"cited {cited}" + (f" — “{row['answer']}”" if row.get("answer") else "")


def _gold_problems(answer: dict[str, Any], ranked: dict[str, Any] | None) -> list[str]:
    problems = []
    if ranked and ranked.get("hit@1", 1) < 1:
        problems.append("no right example first in retrieval" if ranked.get("hit@5") else
                        "no right example in the first five results")
    if answer["in_scope"]:
        points = answer.get("points") or {}
        if answer["refused"]:
            problems.append("refused although in scope")
        elif answer.get("gold_cited") is False:
            problems.append("answer cites no right example")
        elif points.get("gold_first") is False:
            problems.append("answer cites a right example, but not first")
        if points.get("key_passage_present") is False and not answer["refused"]:
            problems.append("answer shows no labelled key passage")
        if answer.get("facts_present") is False:
            problems.append("expected fact missing")
    elif not answer["refused"]:
        problems.append("answered, but it should be refused")
    if answer.get("citations_valid") is False:
        problems.append("a citation does not resolve or a quote is not verbatim")
    return problems


def gold_misses(results: dict[str, Any]) -> MissTable:
    """The gold questions missed in retrieval or in the answer, with what came instead."""
    details = results["details"]
    titles = details.get("titles", {})
    per_system = details.get("per_question", {})
    system = "ours" if "ours" in per_system else next(iter(per_system), None)
    ranked_by_id = {r["id"]: r for r in per_system.get(system, [])} if system else {}
    misses = []
    for answer in details.get("answers", []):
        ranked = ranked_by_id.get(answer["id"])
        problems = _gold_problems(answer, ranked)
        if problems:
            misses.append(Miss(answer["id"], answer["question"], "; ".join(problems),
                               _names(answer.get("gold"), titles) if answer["in_scope"] else "a refusal",
                               _names(ranked["ranked"], titles) if ranked else "—", _answered(answer, titles)))
    title = f"{details['gold']}: questions missed (retrieval by {system or 'no system'}, and the answers)"
    return MissTable("gold", title, misses)


def _trust_rule(name: str) -> Callable[[dict[str, Any]], list[str]]:
    """What counts as a miss in each labelled file; a file without a rule of its own is judged by its flags."""
    rules: dict[str, Callable[[dict[str, Any]], list[str]]] = {
        "adjacent": lambda r: [] if r.get("refused") else ["answered, but the documents do not cover it"],
        "manipulation": lambda r: [] if r.get("handled") else ["the manipulation was not handled"],
        "in_scope_hard": lambda r: [p for p, bad in (
            ("refused although in scope", r.get("refused")),
            ("answer cites no right example", not r.get("refused") and r.get("gold_cited") is False),
            ("answer shows no labelled key passage", r.get("key_passage_present") is False)) if bad],
        "examples_requests": lambda r: [p for p, bad in (
            ("a fitting example is not listed", r.get("recall", 1) < 1),
            ("the first example listed does not fit", r.get("gold_first") is False)) if bad],
    }
    flags = ("correct", "handled", "gold_first", "gold_cited", "facets_ok")
    return rules.get(name, lambda r: [f"{flag} is false" for flag in flags if r.get(flag) is False])


def _conversation_misses(section: dict[str, Any], titles: dict[str, str]) -> list[Miss]:
    misses = []
    for case in section.get("per_case", []):
        for number, turn in enumerate(case.get("turns", [])[1:], start=2):
            if turn.get("correct") is False:
                problems = [p for p, bad in (("the right example is not cited first", not turn.get("gold_first")),
                                             ("the facets are wrong", not turn.get("facets_ok"))) if bad]
                misses.append(Miss(f"{case['id']} turn {number}", turn["question"], "; ".join(problems),
                                   _names(turn.get("gold"), titles), "—",
                                   f"cited {_names(turn.get('cited'), titles)}; facets shown: "
                                   f"{', '.join(turn.get('shown', [])) or 'none'}"))
    return misses


def trust_misses(results: dict[str, Any]) -> list[MissTable]:
    """One table per labelled file of the trust measures."""
    details = results["details"]
    titles = details.get("titles", {})
    tables = []
    for name, section in details.get("trust", {}).items():
        if name == "conversations":
            misses = _conversation_misses(section, titles)
        elif name == "facets":
            misses = [Miss(w["id"], w["text"], "a facet read wrongly", answered="read as " + ", ".join(
                f"{k}: {v}" for k, v in w["got"].items())) for w in section.get("wrong", [])]
        else:
            rule = _trust_rule(name)
            misses = []
            for row in section.get("per_question", []):
                problems = rule(row)
                if problems:
                    expected = ("a refusal, naming " + ", ".join(row["not_covered"]) if row.get("not_covered")
                                else _names(row.get("gold"), titles) if row.get("gold") else "—")
                    cited_key = "answer_cited" if "answer_cited" in row else "cited"
                    misses.append(Miss(row.get("id", "?"), row.get("question", ""), "; ".join(problems), expected,
                                       "—", _answered(row, titles, cited_key)))
        tables.append(MissTable(name, f"{name}: cases missed", misses))
    return tables


def miss_tables(results: dict[str, Any]) -> list[MissTable]:
    return [gold_misses(results), *trust_misses(results)]


def table_for(name: str) -> str:
    """The anchor of the table of misses behind a measure ("gold" or the trust file's name)."""
    parts = name.split(".")
    return parts[1] if parts[0] == "trust" and len(parts) > 1 else "gold"
