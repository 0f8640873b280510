"""Answer measures: citations that resolve, verbatim quotes, refusals, facts, ALCE-style citation recall and precision."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from assistant.evaluation.quality import excerpt, point_scores, summarise_points
from assistant.evaluation.gold import GoldCase
from assistant.evaluation.practice import point_scores_labelled, summarise_practice
from assistant.evaluation.metrics import latency_summary


_QUOTE_MARKS = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "`": "'"})


def normalise_quote(text: str) -> str:
    """Whitespace and quote marks aside, as the citation check compares."""
    return " ".join(text.translate(_QUOTE_MARKS).split())


def citation_problems(answer) -> list[str]:
    """Every way the answer's citations fail: unresolved [n], quotes not verbatim in the source,
    a source listed that no point cites."""
    problems = []
    numbers = {c.n for c in answer.citations}
    cited = {n for point in answer.points for n in point.cites}
    problems += [f"[{n}] names no listed source" for n in sorted(cited - numbers)]
    for citation in answer.citations:
        source = normalise_quote(citation.unit.title + " " + citation.unit.text)
        if not citation.quotes:
            problems.append(f"[{citation.n}] has no quotes")
        for quote in citation.quotes:
            if normalise_quote(quote) not in source:
                problems.append(f"[{citation.n}] quote not in {citation.unit.id}: {quote[:60]}")
        if citation.n not in cited:
            problems.append(f"[{citation.n}] is listed but never cited")
    return problems


def answer_scores(answer, case: GoldCase) -> dict[str, Any]:
    """Per-question answer measures."""
    cited = [c.unit.id for c in answer.citations]
    text = normalise_quote(answer.answer).lower()
    return {
        "refused": answer.refused,
        "citations_valid": not citation_problems(answer),
        "gold_cited": bool(case.relevant & set(cited)) if case.in_scope else None,
        "facts_present": all(normalise_quote(f).lower() in text for f in case.facts) if case.facts else None,
        "words": len(answer.answer.split()),
        "cited": cited,
        "answer": excerpt(answer),
    }


def summarise_answers(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Aggregate answer measures: rates over the questions each applies to."""
    def rate(values):
        """The share of true values; None (not applicable) when no question applies."""
        values = [v for v in values if v is not None]
        return round(sum(map(bool, values)) / len(values), 4) if values else None

    in_scope = [r for r in rows if r["in_scope"]]
    out_scope = [r for r in rows if not r["in_scope"]]
    refused = [r for r in rows if r["refused"]]
    return {
        "citation_validity": rate(r["citations_valid"] for r in rows),
        "gold_citation_rate": rate(r["gold_cited"] for r in in_scope),
        "in_scope_refused": sum(r["refused"] for r in in_scope),
        "refusal_recall": rate(r["refused"] for r in out_scope),
        "refusal_precision": rate(not r["in_scope"] for r in refused),
        "fact_presence": rate(r["facts_present"] for r in rows),
        "mean_words": round(statistics.fmean(r["words"] for r in rows), 1) if rows else 0.0,
    }


def statements(answer) -> list[tuple[str, tuple[int, ...]]]:
    """The answer's claims with the [n] they cite: its points and its outcomes ("What came of it").

    The lead line is built from the cited examples' structured fields (who, sentence, needs), not
    from their text, and is checked field by field against each example's own text by
    tests/answer/test_lead_and_compare_lines.py; a text-support check would only measure how much of
    a person's age and order the text happens to repeat."""
    return [(point.text, point.cites) for point in (*answer.points, *answer.outcomes)]


def alce_scores(answer, checker) -> tuple[float, float] | None:
    """ALCE-style citation recall and precision, with the offline support check.

    Recall: the share of statements that their cited sources, together, support.
    Precision: the share of citations that are not irrelevant; a citation is irrelevant when
    it does not support its statement alone and the statement's other citations do.
    """
    if answer.refused:
        return None
    units = {c.n: c.unit for c in answer.citations}
    claims = statements(answer)
    if not claims:
        return None
    supported_count, relevant, total = 0, 0, 0
    for claim, cited in claims:
        texts = [units[n].title + ". " + units[n].text for n in cited if n in units]
        if texts and checker.check(claim, texts).supported:
            supported_count += 1
        for n in cited:
            total += 1
            if n not in units:
                continue
            alone = checker.check(claim, [units[n].title + ". " + units[n].text]).supported
            others = [units[m].title + ". " + units[m].text for m in cited if m != n and m in units]
            if alone or not (others and checker.check(claim, others).supported):
                relevant += 1
    return supported_count / len(claims), (relevant / total if total else 0.0)


def support_agreement(assistant, path: Path) -> dict[str, Any]:
    """How often the support check agrees with the hand labels in `path`."""
    from assistant.answer.support import SupportChecker

    checker = SupportChecker(assistant.index.embedder)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    outcome = {"agree": 0, "false_supported": 0, "missed_support": 0}
    for row in rows:
        unit = assistant.index.units[row["source"]]
        predicted = checker.check(row["claim"], [unit.title + ". " + unit.text]).supported
        if predicted == row["supported"]:
            outcome["agree"] += 1
        elif predicted:
            outcome["false_supported"] += 1
        else:
            outcome["missed_support"] += 1
    return {"method": "lexical entailment proxy (content-word overlap) or embedding similarity",
            "n": len(rows), "agreement": round(outcome["agree"] / len(rows), 4) if rows else 0.0, **outcome}


def evaluate_answers(assistant, cases: Sequence[GoldCase], llm: str | None = None,
                     progress: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    """Ask every gold question (in-scope and out-of-scope) and measure the answers."""
    from assistant.answer.support import SupportChecker

    checker = SupportChecker(assistant.index.embedder)
    rows, stages = [], {"total": [], "retrieve": [], "compose": [], "llm": []}
    recalls, precisions = [], []
    answers = {}
    for i, case in enumerate(cases):
        started = time.perf_counter()
        answer = assistant.ask(case.question, history=list(case.history) or None,
                               filters=case.filters or None, llm=llm)
        stages["total"].append((time.perf_counter() - started) * 1000)
        for stage, ms in answer.timings_ms.items():
            stages[stage].append(ms)
        alce = alce_scores(answer, checker)
        if alce:
            recalls.append(alce[0])
            precisions.append(alce[1])
        answers[case.id] = answer
        points = point_scores(answer, case.key_passages, case.relevant) if case.key_passages else {}
        practice = ({**point_scores_labelled(answer, case.points), "scenario": answer.shape == "points"}
                    if case.points and case.in_scope else {})
        rows.append({"id": case.id, "question": case.question, "kind": case.kind, "in_scope": case.in_scope,
                     "gold": list(case.gold), "mode": answer.mode, **answer_scores(answer, case),
                     "citation_recall": alce[0] if alce else None, "citation_precision": alce[1] if alce else None,
                     "points": points, "practice": practice})
        if progress:
            progress("answers", i + 1, len(cases))
    summary = summarise_answers(rows)
    labelled = [r["points"] for r in rows if r["points"]]
    if labelled:
        pooled = summarise_points(labelled)
        summary.update({"key_passage_recall": pooled["key_passage_recall"],
                        "key_passage_present": pooled["key_passage_present"],
                        "key_passage_first": pooled["key_passage_first"], "gold_first_rate": pooled["gold_first"],
                        "mean_points": pooled["mean_points"]})
    practice = [r["practice"] for r in rows if r["practice"]]
    if practice:  # against every labelled practice point (the `points` labels): precision and recall together
        measured = summarise_practice(practice)
        summary.update({"point_precision": measured["point_precision"], "point_recall": measured["point_recall"],
                        "median_points": measured["median_points"]})
    summary["citation_recall"] = round(statistics.fmean(recalls), 4) if recalls else 0.0
    summary["citation_precision"] = round(statistics.fmean(precisions), 4) if precisions else 0.0
    latency = {stage: latency_summary(v) for stage, v in stages.items() if v}
    return {"summary": summary, "per_question": rows, "latency_ms": latency, "samples_ms": stages,
            "answers": answers}
