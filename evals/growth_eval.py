"""Retrieval as the corpus grows: the seed corpus against the seed with the fixture publications (issues 9, 17).

Usage (from the repository root, after `make install`):

    .venv/bin/python evals/growth_eval.py           # Markdown tables on stdout, progress on stderr
    .venv/bin/python evals/growth_eval.py --json    # the full results as JSON

What it does, with the real build and retrieval (nothing mocked):

1. copies `corpus/` to a temporary folder and builds an index of it (a: the project corpus
   as it is);
2. copies `corpus/` again, adds every fixture publication of `tests/fixtures/publications/`
   (txt, two HTML pages, Markdown, three PDFs, two DOCX — among them the layouts of issue 17:
   table case studies, boxes in many elements, a delivery unit's report), with no meta file,
   to that copy's `documents/` folder, and builds a second index (b: the bigger corpus);
3. runs the retrieval evaluation of our system (`assistant.evaluation.run.evaluate_retrieval`,
   system "ours") for `evals/gold.jsonl` and `evals/holdout.jsonl` on both indexes, and for
   `evals/fixtures_gold.jsonl` (questions about the fixture examples, and seed examples that
   must not be crowded out) and `evals/fixtures_layouts.jsonl` (two questions about each
   publication in a layout of issue 17) on (b);
4. prints hit@1, hit@3, hit@5 and MRR@10 side by side, the fixture questions by split
   (dev / heldout) and by publication, every question whose gold is not in the top 3, and
   the original questions that lost their top-3 hit or their first place on the bigger
   corpus; with the machine and the date.

The temporary folders are removed at the end. Building both indexes takes a minute or more
on a small machine; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "evals"
FIXTURES = ROOT / "tests" / "fixtures" / "publications"
METRICS = ("hit@1", "hit@3", "hit@5", "mrr@10")
ORIGINAL_SETS = ("gold.jsonl", "holdout.jsonl")
FIXTURE_SET = "fixtures_gold.jsonl"
LAYOUT_SET = "fixtures_layouts.jsonl"  # questions about the publications in issue 17's layouts
FIXTURE_SETS = (FIXTURE_SET, LAYOUT_SET)


def fixture_publications(folder: Path = FIXTURES) -> list[Path]:
    """The fixture publication files (every supported format), not their expected-structure files."""
    from assistant.ingest import SUPPORTED_SUFFIXES

    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                  and not p.name.endswith(".expected.json"))


def make_corpus(target: Path, extra: list[Path] = ()) -> Path:
    """A copy of the project corpus at `target`, with `extra` publications added to its documents."""
    shutil.copytree(ROOT / "corpus", target)
    for path in extra:
        shutil.copy2(path, target / "documents" / path.name)
    return target


def build(corpus: Path, index_dir: Path, label: str, log=None):
    """Build an index of `corpus` at `index_dir` with the real pipeline; returns (settings, report)."""
    from assistant.config import load_settings
    from assistant.index import build_index

    log = log or (lambda message: None)
    settings = load_settings(corpus_dir=corpus, index_dir=index_dir)
    last = {"stage": None, "at": 0.0}

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if stage != last["stage"] or done == total or now - last["at"] > 5:
            log(f"  [{label}] {stage} {done}/{total}")
            last.update(stage=stage, at=now)

    log(f"building index ({label}) of {len(list((corpus / 'documents').iterdir()))} files ...")
    report = build_index(settings, progress=progress)
    log(f"  [{label}] {report.examples} examples, {report.sections} sections, {round(report.seconds, 1)} s"
        + (f", {len(report.warnings)} warning(s)" if report.warnings else ""))
    return settings, report


def evaluate(settings, gold: Path, label: str, log=None) -> dict[str, Any]:
    """Our retrieval on one gold file against one index: means, per-question rows, means by split."""
    from assistant.api import Assistant
    from assistant.evaluation.run import evaluate_retrieval
    from assistant.evaluation.gold import load_gold

    log = log or (lambda message: None)
    assistant = Assistant(settings)
    cases = load_gold(gold, assistant.index.units)
    log(f"  [{label}] {gold.name}: {sum(c.in_scope for c in cases)} questions")

    def progress(system: str, done: int, total: int) -> None:
        if done == total or done % 20 == 0:
            log(f"  [{label}] {gold.name} {done}/{total}")

    results = evaluate_retrieval(assistant, cases, ["ours"], progress)
    rows = results["per_question"]["ours"]
    split_of = {c.id: c.split for c in cases}
    for row in rows:
        row["split"] = split_of[row["id"]]
        row["document"] = row["gold"][0].split(":", 1)[0]
    return {"n": results["n_questions"], "scores": results["systems"]["ours"], "rows": rows,
            "latency_ms": results["latency_ms"]["ours"]}


def mean_scores(rows: list[dict[str, Any]]) -> dict[str, float]:
    return {m: round(sum(r[m] for r in rows) / len(rows), 4) for m in METRICS} if rows else {}


def run(log=None) -> dict[str, Any]:
    """Build both indexes, run every gold file, and return the results (temp folders removed)."""
    log = log or (lambda message: None)
    started = time.perf_counter()
    publications = fixture_publications()
    results: dict[str, Any] = {
        "date": datetime.now(timezone.utc).date().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "fixtures": [p.name for p in publications],
        "indexes": {}, "sets": {},
    }
    with tempfile.TemporaryDirectory(prefix="growth-eval-", ignore_cleanup_errors=True) as tmp:
        base = Path(tmp)
        plans = [("seed", "the project corpus", []),
                 ("bigger", f"the corpus + {len(publications)} fixture publications", publications)]
        for key, label, extra in plans:
            corpus = make_corpus(base / key / "corpus", extra)
            settings, report = build(corpus, base / key / "index", key, log)
            results["indexes"][key] = {"label": label, "examples": report.examples, "sections": report.sections,
                                       "units": report.units, "build_seconds": report.seconds,
                                       "warnings": list(report.warnings),
                                       "documents": [{"id": d["id"], "file": Path(str(d["file"])).name,
                                                      "examples": d["examples"], "sections": d["sections"]}
                                                     for d in report.documents]}
            sets = list(ORIGINAL_SETS) + (list(FIXTURE_SETS) if key == "bigger" else [])
            for name in sets:
                results["sets"].setdefault(name, {})[key] = evaluate(settings, HERE / name, key, log)
    fixture_rows = [r for name in FIXTURE_SETS for r in results["sets"][name]["bigger"]["rows"]]
    by_document = {d["id"]: d["file"] for d in results["indexes"]["bigger"]["documents"]}
    groups: dict[str, Any] = {}
    for split in ("dev", "heldout"):
        chosen = [r for r in fixture_rows if r["split"] == split]
        groups[split] = {"n": len(chosen), "scores": mean_scores(chosen)}
    seed_ids = {d["id"] for d in results["indexes"]["seed"]["documents"]}
    for label, chosen in (("fixture publications", [r for r in fixture_rows if r["document"] not in seed_ids]),
                          ("seed examples", [r for r in fixture_rows if r["document"] in seed_ids])):
        groups[label] = {"n": len(chosen), "scores": mean_scores(chosen)}
    per_document = {}
    for document in sorted({r["document"] for r in fixture_rows}):
        chosen = [r for r in fixture_rows if r["document"] == document]
        per_document[document] = {"file": by_document.get(document, ""), "n": len(chosen),
                                  "scores": mean_scores(chosen)}
    results["fixture_groups"] = groups
    results["fixture_by_document"] = per_document
    results["seconds"] = round(time.perf_counter() - started, 1)
    return results


def misses(rows: list[dict[str, Any]], k: int = 3) -> list[dict[str, Any]]:
    """The questions with no gold or alternate id in the top k."""
    return [r for r in rows if r[f"hit@{k}"] < 1]


def regressions(before: list[dict[str, Any]], after: list[dict[str, Any]], k: int = 3) -> list[dict[str, Any]]:
    """Questions that had a top-k hit on the smaller index and lost it on the bigger one."""
    was_hit = {r["id"] for r in before if r[f"hit@{k}"] >= 1}
    return [r for r in after if r["id"] in was_hit and r[f"hit@{k}"] < 1]


def markdown(results: dict[str, Any]) -> str:
    """The results as Markdown: the side-by-side table, the fixture breakdown, the misses."""
    seed, bigger = results["indexes"]["seed"], results["indexes"]["bigger"]
    lines = [
        f"Measured {results['date']} on {results['machine']} (`.venv/bin/python evals/growth_eval.py`, "
        f"{results['seconds']} s in all). Index (a), the project corpus: {seed['examples']} examples, "
        f"{seed['sections']} sections. Index (b), the same corpus with the {len(results['fixtures'])} fixture "
        f"publications added: "
        f"{bigger['examples']} examples, {bigger['sections']} sections. Our retrieval (`ours`), top 10.",
        "",
        "| Questions | n | Index | hit@1 | hit@3 | hit@5 | MRR@10 |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]

    def cell(value: float, before: float | None) -> str:
        text = f"{value:.3f}"
        if before is not None:
            change = value - before
            text += " (=)" if abs(change) < 5e-4 else f" ({change:+.3f})"
        return text

    for name in ORIGINAL_SETS:
        runs = results["sets"][name]
        for key in ("seed", "bigger"):
            scores = runs[key]["scores"]
            before = runs["seed"]["scores"] if key == "bigger" else {}
            label = "(a) corpus" if key == "seed" else "(b) corpus + fixtures"
            lines.append(f"| `{name}` | {runs[key]['n']} | {label} | "
                         + " | ".join(cell(scores[m], before.get(m)) for m in METRICS) + " |")
    for name in FIXTURE_SETS:
        fixture = results["sets"][name]["bigger"]
        lines.append(f"| `{name}`, all | {fixture['n']} | (b) corpus + fixtures | "
                     + " | ".join(f"{fixture['scores'][m]:.3f}" for m in METRICS) + " |")
    for label, group in results["fixture_groups"].items():
        lines.append(f"| … {label} | {group['n']} | (b) corpus + fixtures | "
                     + " | ".join(f"{group['scores'][m]:.3f}" for m in METRICS) + " |")
    lines += ["", "Fixture questions (both sets) by the publication their gold example comes from (index b):", "",
              "| Publication | File | n | hit@1 | hit@3 | MRR@10 |", "|---|---|---:|---:|---:|---:|"]
    for document, group in results["fixture_by_document"].items():
        lines.append(f"| {document} | {group['file']} | {group['n']} | {group['scores']['hit@1']:.3f} | "
                     f"{group['scores']['hit@3']:.3f} | {group['scores']['mrr@10']:.3f} |")

    def tag(r: dict[str, Any], name: str) -> str:
        return f"`{r['id']}` ({r['split']})" if name in FIXTURE_SETS else f"`{r['id']}`"

    def listing(rows: list[dict[str, Any]], name: str) -> list[str]:
        return [f"- {tag(r, name)}: “{r['question']}” — gold `{r['gold'][0]}`; "
                f"top 3: {', '.join(f'`{i}`' for i in r['ranked'][:3]) or 'nothing'}" for r in rows]

    def not_first(rows: list[dict[str, Any]], name: str) -> list[str]:
        out = []
        for r in rows:
            relevant = set(r["gold"])
            rank = next((i for i, unit in enumerate(r["ranked"], start=1) if unit in relevant), None)
            out.append(f"- {tag(r, name)}: gold `{r['gold'][0]}` "
                       f"{'at ' + str(rank) if rank else 'below 5'}, after `{r['ranked'][0]}`")
        return out

    lines += ["", "Gold not in the top 3 on the bigger corpus (index b):", ""]
    for name in (*ORIGINAL_SETS, *FIXTURE_SETS):
        rows = misses(results["sets"][name]["bigger"]["rows"])
        lines += [f"`{name}`: " + ("none." if not rows else ""), *(["", *listing(rows, name)] if rows else []), ""]
    lost = [r["id"] for name in ORIGINAL_SETS
            for r in regressions(results["sets"][name]["seed"]["rows"], results["sets"][name]["bigger"]["rows"])]
    lines += ["Original questions that had a top-3 hit on the project corpus and lost it on the bigger one: "
              + (", ".join(f"`{i}`" for i in lost) + "." if lost else "none."), ""]
    for name in ORIGINAL_SETS:
        rows = regressions(results["sets"][name]["seed"]["rows"], results["sets"][name]["bigger"]["rows"], 1)
        lines += [f"`{name}` questions whose gold example was first on the project corpus and is not on the "
                  f"bigger one: " + (f"{len(rows)}." if rows else "none."), *(["", *not_first(rows, name)] if rows else []), ""]
    for name in FIXTURE_SETS:
        rows = misses(results["sets"][name]["bigger"]["rows"], 1)
        lines += [f"`{name}` questions whose gold example is not first: " + (f"{len(rows)}." if rows else "none."),
                  *(["", *not_first(rows, name)] if rows else []), ""]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the full results as JSON")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    from assistant.errors import AssistantError

    try:
        results = run(log)
    except AssistantError as exc:
        log(f"Error: {exc}")
        return 1
    if args.json:
        json.dump(results, sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        print(markdown(results), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
