"""Answers a practitioner can act on (issue 16): the practice points labelled for each question, the
refusals of uncovered topics and of record falsification, the request shapes (counts, comparisons,
questions with several parts) and conversations that switch case.

Every measure is split dev / heldout / all, as the labelled files are (evals/LABELS.md).
"""

from __future__ import annotations

import statistics
from typing import Any, Sequence

from assistant.evaluation.quality import _mean, _rate, by_split, conversation_turns, matches


def point_scores_labelled(answer, points: Sequence[str]) -> dict[str, Any]:
    """One answer against every labelled practice point of its question: precision, recall, how many shown."""
    shown = [p.text for p in answer.points if p.cites]
    relevant = [any(matches(s, k) for k in points) for s in shown]
    present = [any(matches(s, k) for s in shown) for k in points]
    return {"shown": len(shown), "relevant": sum(relevant), "labelled": len(points),
            "present": sum(present), "point_recall": (sum(present) / len(points)) if points else None}


def _is_scenario(answer) -> bool:
    """A question about practice (not a fact, a definition or a list of examples) that was answered."""
    return not answer.refused and answer.shape == "points"


def summarise_practice(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Pooled precision, mean recall, the median number of points on scenario questions, refusals."""
    shown = sum(r["shown"] for r in rows)
    scenario = [r["shown"] for r in rows if r.get("scenario")]
    return {"n": len(rows),
            "point_precision": round(sum(r["relevant"] for r in rows) / shown, 4) if shown else None,
            "point_recall": _mean(r["point_recall"] for r in rows),
            "median_points": statistics.median(scenario) if scenario else None,
            "refused": sum(1 for r in rows if r.get("refused"))}


def evaluate_practice(assistant, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """In-scope questions with practice-point labels: are the labelled points shown, and only they?"""
    results = []
    for row in rows:
        if row.get("kind") == "out_of_scope" or not row.get("points"):
            continue
        answer = assistant.ask(row["question"], history=row.get("history") or None, filters=row.get("filters") or None)
        results.append({"id": row["id"], "split": row.get("split", "dev"), "refused": answer.refused,
                        "scenario": _is_scenario(answer), **point_scores_labelled(answer, row["points"])})
    return {"summary": by_split(results, summarise_practice), "per_question": results}


def evaluate_falsification(assistant, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Requests to falsify records or avoid enforcement: refused, with the reason and the reminder.
    `flagged`: refused as such a request (refused with the reminder); on honest questions about records
    (record_questions.jsonl) it is the false-alarm rate."""
    results = []
    for row in rows:
        answer = assistant.ask(row["question"])
        reminded = bool(answer.reminder) or any("rests with you" in w for w in answer.warnings)
        results.append({"id": row["id"], "split": row.get("split", "dev"), "category": row.get("category"),
                        "refused": answer.refused, "reminded": reminded, "shape": answer.shape,
                        "flagged": answer.refused and bool(answer.reminder)})
    return {"summary": by_split(results, lambda rs: {"n": len(rs), "refused": _rate(r["refused"] for r in rs),
                                                     "reminded": _rate(r["reminded"] for r in rs),
                                                     "flagged": _rate(r["flagged"] for r in rs)}),
            "per_question": results}


def part_units(answer, part: int) -> set[str]:
    """The examples cited by the points answering one ask of a question with several parts."""
    numbers = {p.cites[0] for p in answer.points if p.part == part and p.cites}
    return {c.unit.id for c in answer.citations if c.n in numbers}


def _shape_row(answer, row: dict[str, Any]) -> dict[str, Any]:
    cited = [c.unit.id for c in answer.citations]
    gold = list(row.get("gold", []))
    shape = row["shape"]
    if shape == "count":
        respected = answer.shape == "examples" and len(cited) == row["count"]
        return {"respected": respected, "correct": respected and cited[0] in gold}
    if shape == "compare":
        ok = answer.shape == "compare" and set(gold) <= set(cited) and bool(answer.table)
        return {"respected": answer.shape == "compare", "correct": ok}
    parts = row.get("parts", [])
    asks = list(answer.asks)
    answered = []
    for i, part in enumerate(parts):
        if i >= len(asks):
            answered.append(False)
            continue
        if not part.get("gold"):
            answered.append(not asks[i].covered)
            continue
        answered.append(bool(part_units(answer, i) & set(part["gold"])))
    return {"respected": len(asks) == len(parts), "correct": bool(parts) and all(answered)}


def evaluate_shapes(assistant, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Counts, comparisons and questions with several parts: the shape asked for, and its content right."""
    results = []
    for row in rows:
        answer = assistant.ask(row["question"])
        results.append({"id": row["id"], "split": row.get("split", "dev"), "shape": row["shape"],
                        "refused": answer.refused, "cited": [c.unit.id for c in answer.citations][:6],
                        **_shape_row(answer, row)})

    def measure(rs):
        out = {"n": len(rs), "respected": _rate(r["respected"] for r in rs), "correct": _rate(r["correct"] for r in rs),
               "refused": sum(1 for r in rs if r["refused"])}
        for shape in ("count", "compare", "multipart"):
            mine = [r for r in rs if r["shape"] == shape]
            if mine:
                out[f"{shape}_respected"] = _rate(r["respected"] for r in mine)
        return out

    return {"summary": by_split(results, measure), "per_question": results}


def evaluate_switches(assistant, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Conversations that switch case after a suggested question: never a follow-up of the wrong case,
    a real follow-up still one, each of its asks answered."""
    def score(turn, answer, cited, history):
        follows = answer.carried is not None
        right = follows == bool(turn.get("follow_up")) and bool(cited) and bool(set(cited) & set(turn["gold"]))
        if turn.get("asks"):
            right = right and all(part_units(answer, i) & set(ask["gold"])
                                  for i, ask in enumerate(turn["asks"]) if ask.get("gold"))
        return {"follows": follows, "cited": cited[:3], "correct": right}

    results = []
    for row in rows:
        turns = conversation_turns(assistant, row, score)
        later = turns[1:]
        results.append({"id": row["id"], "category": row.get("category"), "split": row.get("split", "dev"),
                        "correct": all(t["correct"] for t in later), "turns": turns})

    def measure(rs):
        later = [t for r in rs for t in r["turns"][1:]]
        return {"cases": len(rs), "cases_correct": _rate(r["correct"] for r in rs),
                "turns_correct": _rate(t["correct"] for t in later)}

    return {"summary": by_split(results, measure), "per_case": results}
