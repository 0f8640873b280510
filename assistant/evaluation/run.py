"""The whole evaluation, system by system on the same questions, and the change from an earlier run."""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from assistant.evaluation.quality import trust_report, trust_summary
from assistant.errors import BadInputError
from assistant.evaluation.answers import evaluate_answers, support_agreement
from assistant.evaluation.baselines import NaiveBaseline, Ranker, SYSTEMS, ablation_ranker, our_ranker
from assistant.evaluation.gate import Gate
from assistant.evaluation.gold import GoldCase, load_gold
from assistant.evaluation.judge import llm_judge
from assistant.evaluation.metrics import RETRIEVAL_METRICS, latency_summary, retrieval_scores


def run_evaluation(assistant, gold: Path, systems: Sequence[str] = SYSTEMS, llm: str | None = None,
                   judge_runs: int = 3, support_labels: Path | None = None,
                   progress: Callable[[str, int, int], None] | None = None, trust: bool = True,
                   gate: Gate | None = None) -> dict[str, Any]:
    """The whole evaluation: retrieval per system, answers, support agreement, optional judge.

    With `trust`, also the answer-trust measures of the labelled files beside the gold file
    (adjacent questions, manipulation, conversations, facets, requests for examples; see
    `assistant.evaluation.quality`). `gate`, the thresholds chosen for the run (`choose_gate`), is
    recorded with the results so that every report judges them alike.
    """
    import platform
    from datetime import datetime, timezone

    started = time.perf_counter()
    cases = load_gold(gold, assistant.index.units)
    retrieval = evaluate_retrieval(assistant, cases, systems, progress)
    answers = evaluate_answers(assistant, cases, llm=llm, progress=progress)
    results: dict[str, Any] = {
        "n_questions": retrieval["n_questions"],
        "systems": retrieval["systems"],
        "answers": answers["summary"],
        "latency_ms": {"retrieval": retrieval["latency_ms"], "answer": answers["latency_ms"]},
    }
    if support_labels and support_labels.exists():
        results["answers"]["support_check"] = support_agreement(assistant, support_labels)
    trust_details = trust_report(assistant, gold.parent, progress) if trust else {}
    if trust_details:
        results["trust"] = trust_summary(trust_details)
    if llm:
        backend = assistant.llm_backend(llm)
        results["answers"]["judge"] = llm_judge(backend, cases, answers["answers"], judge_runs)
    results["details"] = {
        "gold": gold.name, "n_cases": len(cases), "per_question": retrieval["per_question"],
        "answers": answers["per_question"], "latency_samples_ms": answers["samples_ms"],
        "themes": {c.id: _theme_of(assistant, c) for c in cases if c.in_scope},
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "mode": "llm " + llm if llm else "extractive",
        "trust": trust_details,
        "seconds": round(time.perf_counter() - started, 1),
    }
    results["details"]["titles"] = titles_named(results["details"], assistant.index.units)
    if gate is not None:
        results["details"]["gate"] = gate.to_json()
    return results


def titles_named(details: Any, units: dict[str, Any]) -> dict[str, str]:
    """The title of every unit id the run's details mention, for the reports' tables of misses."""
    found: dict[str, str] = {}

    def walk(value: Any) -> None:
        if isinstance(value, str):
            if value in units:
                found[value] = units[value].title
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(details)
    return dict(sorted(found.items()))


def _theme_of(assistant, case: GoldCase) -> str:
    unit = assistant.index.units.get(case.gold[0]) if case.gold else None
    return unit.section if unit else "unknown"


def compare_results(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """Metric by metric, the change from an earlier run (current − previous)."""
    changes: dict[str, Any] = {"systems": {}, "answers": {}}
    for system, metrics in current.get("systems", {}).items():
        before = previous.get("systems", {}).get(system, {})
        changes["systems"][system] = {m: round(v - before[m], 4) for m, v in metrics.items() if m in before}
    for section in ("answers", "trust"):
        changes.setdefault(section, {})
        for metric, value in current.get(section, {}).items():
            old = previous.get(section, {}).get(metric)
            if isinstance(value, (int, float)) and isinstance(old, (int, float)):
                changes[section][metric] = round(value - old, 4)
    return changes


def evaluate_retrieval(assistant, cases: Sequence[GoldCase], systems: Sequence[str] = SYSTEMS,
                       progress: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    """Every system on the same in-scope questions: mean metrics, per-question rows, latency."""
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown:
        raise BadInputError(f"unknown system(s) {', '.join(unknown)}; choose from {', '.join(SYSTEMS)}")
    questions = [c for c in cases if c.in_scope]
    rankers: dict[str, Ranker] = {}
    for name in systems:
        if name == "ours":
            rankers[name] = our_ranker(assistant)
        elif name == "bm25":
            rankers[name] = ablation_ranker(assistant, dense=False, keyword=True)
        elif name == "dense":
            rankers[name] = ablation_ranker(assistant, dense=True, keyword=False)
        else:
            if progress:
                progress(name, 0, len(questions))  # building the naive pipeline's store takes a moment
            baseline = NaiveBaseline(assistant)
            baseline.warm_up()
            rankers[name] = baseline.rank
    assistant.warm_up()
    results: dict[str, Any] = {"n_questions": len(questions), "systems": {}, "per_question": {}, "latency_ms": {}}
    for name, ranker in rankers.items():
        rows, latencies = [], []
        for i, case in enumerate(questions):
            started = time.perf_counter()
            ranked = ranker(case)
            latencies.append((time.perf_counter() - started) * 1000)
            rows.append({"id": case.id, "question": case.question, "kind": case.kind,
                         "gold": list(case.gold), "ranked": ranked[:5], **retrieval_scores(ranked, case)})
            if progress:
                progress(name, i + 1, len(questions))
        results["systems"][name] = {m: round(statistics.fmean(r[m] for r in rows), 4) for m in RETRIEVAL_METRICS}
        results["per_question"][name] = rows
        results["latency_ms"][name] = latency_summary(latencies)
    return results
