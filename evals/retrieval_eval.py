"""Retrieval evaluation: our hybrid retrieval, the naive LangChain pipeline, and BM25 alone,
on the same gold questions in the same run.

Usage (from the repository root, after `make install` or `make test`):

    .venv/bin/python evals/retrieval_eval.py                       # evals/gold.jsonl, all systems
    .venv/bin/python evals/retrieval_eval.py --gold evals/holdout.jsonl --systems ours,bm25
    .venv/bin/python evals/retrieval_eval.py --json > results.json

Reports hit@1, hit@3, hit@5, recall@5, MRR@10 and nDCG@10 per system, and lists the questions
our system did not answer with a gold example first.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from assistant.api import Assistant
from assistant.evaluation.metrics import RETRIEVAL_METRICS
from assistant.evaluation.baselines import SYSTEMS
from assistant.evaluation.run import evaluate_retrieval
from assistant.evaluation.gold import load_gold

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=HERE / "gold.jsonl")
    parser.add_argument("--systems", default="ours,naive,bm25,dense")
    parser.add_argument("--json", action="store_true", help="print the full results as JSON")
    args = parser.parse_args(argv)

    assistant = Assistant.load()
    cases = load_gold(args.gold, assistant.index.units)
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    started = time.perf_counter()
    results = evaluate_retrieval(assistant, cases, systems)
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["gold"] = str(args.gold.name)
    results["machine"] = f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}"
    results["date"] = datetime.now(timezone.utc).date().isoformat()
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        return 0
    print(f"{results['n_questions']} in-scope questions from {args.gold.name}; {results['seconds']} s "
          f"({results['machine']}, {results['date']})\n")
    print(f"{'system':<8}" + "".join(f"{m:>10}" for m in RETRIEVAL_METRICS) + f"{'p50 ms':>10}")
    for name in systems:
        scores = results["systems"][name]
        print(f"{name:<8}" + "".join(f"{scores[m]:>10.3f}" for m in RETRIEVAL_METRICS)
              + f"{results['latency_ms'][name]['p50']:>10.1f}")
    misses = [r for r in results["per_question"].get("ours", []) if r["hit@1"] < 1]
    if misses:
        print("\nNot first for ours:")
        for row in misses:
            print(f"  {row['id']}: {row['question'][:80]}\n     gold {row['gold']}\n     got  {row['ranked'][:3]}")
    return 0


if __name__ == "__main__":
    assert set(SYSTEMS)  # the systems this script can compare
    sys.exit(main())
