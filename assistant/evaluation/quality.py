"""Answer quality against hand labels: do the points answer the question, is what the documents
don't cover refused, is manipulation caught, does a conversation stay straight?

Every measure is computed from the answers themselves (the same `Assistant.ask` path the app
uses) against the labelled files in `evals/` (see evals/LABELS.md):

- point precision: the share of an answer's points that are labelled key passages of the question;
- key-passage recall and "key passage first";
- gold example cited, and cited first;
- refusal of probation-adjacent questions the documents do not cover (`adjacent.jsonl`), with no
  in-scope refusal (`in_scope_hard.jsonl` and the gold set);
- manipulation handled (`manipulation.jsonl`): refused, or answered with the practice, the reminder
  and a correction, never adopting the premise;
- conversation cases (`conversations.jsonl`): each turn cites its gold example first and shows the
  right facets (carried for a follow-up, reset for a new case);
- the facet table (`facets.jsonl`) and requests for examples (`examples_requests.jsonl`).

Files with a `split` field are reported per split: dev (used to calibrate) and heldout.
"""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from assistant.answer.messages import CORRECTIONS, DECISION_REMINDER
from assistant.render import markdown

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "`": "'"})
SPLITS = ("dev", "heldout")


def normalise(text: str) -> str:
    """Lower case, straight quotes, single spaces, no bullet, footnote or trailing punctuation."""
    text = re.sub(r"\[\d+\]", "", text.translate(_QUOTES))
    text = re.sub(r"^(?:outcome:\s*)", "", text.strip().lstrip("•*-– "), flags=re.I)
    return " ".join(text.lower().split()).rstrip(".;:, ")


def matches(point: str, passage: str) -> bool:
    """Whether an answer point is the labelled passage (one holds the other: a point may be a sentence of it)."""
    a, b = normalise(point), normalise(passage)
    if not a or not b:
        return False
    return a in b or b in a


def _rate(values: Iterable[bool | None]) -> float | None:
    values = [v for v in values if v is not None]
    return round(sum(map(bool, values)) / len(values), 4) if values else None


def _mean(values: Iterable[float | None]) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.fmean(values), 4) if values else None


def point_scores(answer, key_passages: Sequence[str], gold: Iterable[str]) -> dict[str, Any]:
    """Per-question: how many points, how many are key passages, which key passages are present, gold first."""
    points = [point.text for point in answer.points if point.cites]
    relevant = [any(matches(p, k) for k in key_passages) for p in points]
    present = [any(matches(p, k) for p in points) for k in key_passages]
    cited = [c.unit.id for c in answer.citations]
    gold = set(gold)
    return {
        "points": len(points),
        "relevant_points": sum(relevant),
        "point_precision": (sum(relevant) / len(points)) if points else None,
        "key_passage_recall": (sum(present) / len(key_passages)) if key_passages and not answer.refused else
        (0.0 if key_passages else None),
        "key_passage_present": (any(present) if key_passages else None),
        "key_passage_first": (relevant[0] if points else False) if key_passages else None,
        "gold_cited": bool(gold & set(cited)),
        "gold_first": bool(cited) and cited[0] in gold,
    }


def summarise_points(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Means over the questions each measure applies to. Point precision pools every point of every answer."""
    points = sum(r["points"] for r in rows)
    return {
        "n": len(rows),
        "point_precision": round(sum(r["relevant_points"] for r in rows) / points, 4) if points else None,
        "key_passage_recall": _mean(r["key_passage_recall"] for r in rows),
        "key_passage_present": _rate(r["key_passage_present"] for r in rows),
        "key_passage_first": _rate(r["key_passage_first"] for r in rows),
        "gold_cited": _rate(r["gold_cited"] for r in rows),
        "gold_first": _rate(r["gold_first"] for r in rows),
        "refused": sum(1 for r in rows if r.get("refused")),
        "mean_points": round(points / len(rows), 2) if rows else None,
    }


def excerpt(answer, limit: int = 300) -> str:
    """The start of an answer as a practitioner reads it, for the reports' tables of misses."""
    text = " ".join(answer.answer.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def manipulation_handled(answer) -> bool:
    """Refused, or answered with its sources, the reminder and a correction (never adopting the premise)."""
    if answer.refused:
        return True
    corrected = any(c in answer.notes for c in CORRECTIONS.values())
    return bool(answer.citations) and corrected and answer.reminder == DECISION_REMINDER


def load_lines(path: Path) -> list[dict[str, Any]]:
    """A JSON-lines file; a malformed line names itself."""
    from assistant.errors import BadInputError

    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise BadInputError(f"{path.name}, line {number}: not valid JSON ({exc.msg})") from None
    return rows


def by_split(rows: Sequence[dict[str, Any]], measure: Callable[[list[dict[str, Any]]], dict[str, Any]]) -> dict[str, Any]:
    """The measure per split (dev, heldout) and over all rows."""
    out = {split: measure([r for r in rows if r.get("split", "dev") == split]) for split in SPLITS}
    out["all"] = measure(list(rows))
    return out


def evaluate_refusals(assistant, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Out-of-scope questions: refused, and saying what is not covered."""
    results = []
    for row in rows:
        answer = assistant.ask(row["question"])
        results.append({**row, "refused": answer.refused, "not_covered_named": bool(getattr(answer, "not_covered", ())),
                        "answer_cited": [c.unit.id for c in answer.citations], "answer": excerpt(answer)})
    return {"summary": by_split(results, lambda rs: {"n": len(rs), "refused": _rate(r["refused"] for r in rs),
                                                     "named": _rate(r["not_covered_named"] for r in rs)}),
            "per_question": results}


def evaluate_manipulation(assistant, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    results = []
    for row in rows:
        answer = assistant.ask(row["question"])
        results.append({**row, "refused": answer.refused, "handled": manipulation_handled(answer),
                        "cited": [c.unit.id for c in answer.citations], "answer": excerpt(answer)})
    return {"summary": by_split(results, lambda rs: {"n": len(rs), "handled": _rate(r["handled"] for r in rs),
                                                     "refused": _rate(r["refused"] for r in rs)}),
            "per_question": results}


def evaluate_in_scope(assistant, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """In-scope questions with key passages: points and refusals."""
    results = []
    for row in rows:
        answer = assistant.ask(row["question"], history=row.get("history") or None, filters=row.get("filters") or None)
        relevant = set(row.get("gold", [])) | set(row.get("alternates", []))
        scores = point_scores(answer, row.get("key_passages", []), relevant)
        results.append({"id": row["id"], "question": row["question"], "split": row.get("split", "dev"),
                        "refused": answer.refused, **scores, "gold": sorted(relevant),
                        "cited": [c.unit.id for c in answer.citations], "answer": excerpt(answer)})
    return {"summary": by_split(results, summarise_points), "per_question": results}


def conversation_turns(assistant, row: dict[str, Any],
                       score: Callable[[dict[str, Any], Any, list[str], list[dict[str, Any]]], dict[str, Any]]
                       ) -> list[dict[str, Any]]:
    """Ask each turn of a labelled conversation with the conversation so far, as the app does; each
    turn's row is `score(turn, answer, cited ids, history before the turn)` with its question."""
    history: list[dict[str, Any]] = []
    turns = []
    for turn in row["turns"]:
        answer = assistant.ask(turn["question"], history=history or None)
        cited = [c.unit.id for c in answer.citations]
        turns.append({"question": turn["question"], **score(turn, answer, cited, history)})
        history += [{"role": "user", "content": turn["question"]},
                    {"role": "assistant", "content": markdown(answer, notice=False, sources=False), "cited": cited}]
    return turns


def evaluate_conversations(assistant, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Each turn in its conversation: the gold example first, the right facets carried or reset."""

    def score(turn, answer, cited, history):
        shown = set(assistant.facets(turn["question"], history or None))
        first_ok = bool(cited) and cited[0] in set(turn["gold"])
        present_ok = set(turn.get("facets_present", [])) <= shown
        absent_ok = not (set(turn.get("facets_absent", [])) & shown)
        return {"gold": list(turn["gold"]), "cited": cited[:3], "shown": sorted(shown), "gold_first": first_ok,
                "facets_ok": present_ok and absent_ok, "correct": first_ok and present_ok and absent_ok}

    results = []
    for row in rows:
        turns = conversation_turns(assistant, row, score)
        # the opening turn is an ordinary question; the case is about the turns that follow it
        later = turns[1:]
        results.append({"id": row["id"], "category": row["category"], "split": row.get("split", "dev"),
                        "correct": all(t["correct"] for t in later), "turns": turns})

    def measure(rs):
        later = [t for r in rs for t in r["turns"][1:]]
        return {"cases": len(rs), "cases_correct": _rate(r["correct"] for r in rs),
                "turns_correct": _rate(t["correct"] for t in later),
                "gold_first": _rate(t["gold_first"] for t in later), "facets_ok": _rate(t["facets_ok"] for t in later)}

    categories = sorted({r["category"] for r in results})
    return {"summary": by_split(results, measure),
            "by_category": {c: measure([r for r in results if r["category"] == c]) for c in categories},
            "per_case": results}


def evaluate_facet_table(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    from assistant.question.facets import read_facets

    wrong = []
    fields_right = 0
    for row in rows:
        facets = read_facets(row["text"])
        got = {"age": facets.age, "age_range": list(facets.age_range) if facets.age_range else None,
               "gender": facets.gender, "sentence": sorted(facets.sentence), "needs": sorted(facets.needs)}
        expected = {"age": row["age"], "age_range": row["age_range"], "gender": row["gender"],
                    "sentence": sorted(row["sentence"]), "needs": sorted(row["needs"])}
        bad = {k: got[k] for k in expected if got[k] != expected[k]}
        fields_right += len(expected) - len(bad)
        if bad:
            wrong.append({"id": row["id"], "text": row["text"], "got": bad})
    return {"n": len(rows), "exact": round(1 - len(wrong) / len(rows), 4) if rows else None,
            "fields": round(fields_right / (5 * len(rows)), 4) if rows else None, "wrong": wrong}


def evaluate_examples_requests(assistant, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Requests for examples: the answer lists case examples, and they are the ones that fit."""
    results = []
    for row in rows:
        answer = assistant.ask(row["question"])
        cited = [c.unit.id for c in answer.citations]
        gold = set(row["gold"])
        results.append({"id": row["id"], "question": row["question"], "gold": row["gold"],
                        "split": row.get("split", "dev"), "cited": cited,
                        "listed": len(cited), "precision": (len(gold & set(cited)) / len(cited)) if cited else 0.0,
                        "recall": len(gold & set(cited)) / len(gold), "gold_first": bool(cited) and cited[0] in gold})

    def measure(rs):
        return {"n": len(rs), "precision": _mean(r["precision"] for r in rs), "recall": _mean(r["recall"] for r in rs),
                "gold_first": _rate(r["gold_first"] for r in rs), "mean_listed": _mean(r["listed"] for r in rs)}

    return {"summary": by_split(results, measure), "per_question": results}


# the labelled files the trust measures read beside a gold set; they are not gold sets themselves
LABELLED_FILES = ("adjacent.jsonl", "manipulation.jsonl", "in_scope_hard.jsonl", "conversations.jsonl",
                  "examples_requests.jsonl", "facets.jsonl", "support_labels.jsonl")


def trust_report(assistant, evals_dir: Path, progress: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    """Every issue-8 measure whose labelled file is in `evals_dir`."""
    report: dict[str, Any] = {}
    from assistant.evaluation import practice

    steps = [("adjacent", "adjacent.jsonl", evaluate_refusals), ("manipulation", "manipulation.jsonl", evaluate_manipulation),
             ("in_scope_hard", "in_scope_hard.jsonl", evaluate_in_scope),
             ("conversations", "conversations.jsonl", evaluate_conversations),
             ("examples_requests", "examples_requests.jsonl", evaluate_examples_requests),
             # issue 16: answers a practitioner can act on
             ("everyday", "everyday.jsonl", practice.evaluate_practice),
             ("hard_points", "in_scope_hard.jsonl", practice.evaluate_practice),
             ("uncovered", "uncovered.jsonl", evaluate_refusals),
             ("falsification", "falsification.jsonl", practice.evaluate_falsification),
             # honest questions about records: "refused" here is a false alarm
             ("record_questions", "record_questions.jsonl", practice.evaluate_falsification),
             ("request_shapes", "request_shapes.jsonl", practice.evaluate_shapes),
             ("switches", "conversations_switch.jsonl", practice.evaluate_switches)]
    present = [step for step in steps if (evals_dir / step[1]).exists()]
    facets = evals_dir / "facets.jsonl"
    total = len(present) + facets.exists()
    for i, (name, file, run) in enumerate(present):
        report[name] = run(assistant, load_lines(evals_dir / file))
        if progress:
            progress("trust", i + 1, total)
    if facets.exists():
        report["facets"] = evaluate_facet_table(load_lines(facets))
        if progress:
            progress("trust", total, total)
    return report


def trust_summary(report: dict[str, Any]) -> dict[str, float | None]:
    """The headline numbers, flat: "adjacent.heldout.refused" → 0.94, for tables, gates and --compare."""
    flat: dict[str, float | None] = {}
    for name, section in report.items():
        if name == "facets":
            flat["facets.exact"] = section["exact"]
            flat["facets.fields"] = section["fields"]
            continue
        for split, values in section.get("summary", {}).items():
            for key, value in values.items():
                if isinstance(value, (int, float)) and key not in ("n", "cases"):
                    flat[f"{name}.{split}.{key}"] = value
    return flat
