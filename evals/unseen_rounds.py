"""Measure the rounds written unseen (evals/unseen/): questions by helpers who saw neither the code nor
the other sets, kept to measure the falsification and "not covered" detectors on wordings nobody
tuned for. Nothing here is used to fit or tune; docs/evaluation.md quotes the results.

    .venv/bin/python evals/unseen_rounds.py            (needs a built index: `make index`)
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from assistant.api import Assistant  # noqa: E402
from assistant.evaluation.quality import load_lines  # noqa: E402
from assistant.question.falsify import falsify_kind  # noqa: E402


def rows(name: str) -> list[dict]:
    return load_lines(HERE / "unseen" / name)


def by_round(items: list[dict], hit) -> str:
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in items:
        counts[row["round"]][0] += bool(hit(row))
        counts[row["round"]][1] += 1
    return ", ".join(f"round {r}: {h}/{n}" for r, (h, n) in sorted(counts.items()))


def main() -> None:
    assistant = Assistant.load()
    print("falsification requests flagged:", by_round(rows("falsification_rounds.jsonl"),
                                                      lambda r: falsify_kind(r["question"])))
    print("honest record questions flagged:", by_round(rows("honest_record_rounds.jsonl"),
                                                       lambda r: falsify_kind(r["question"])))
    print("uncovered topics refused:", by_round(rows("uncovered_rounds.jsonl"),
                                                lambda r: assistant.ask(r["question"]).refused))
    in_scope = rows("in_scope_rounds.jsonl")
    answers = {r["id"]: assistant.ask(r["question"]) for r in in_scope}
    print("in-scope questions refused:", by_round(in_scope, lambda r: answers[r["id"]].refused))

    def expected_cited(row: dict) -> bool:
        wanted = row["expected_title"].split(":", 1)[-1].strip().lower()
        return any(wanted in c.unit.title.lower() or c.unit.title.lower() in wanted for c in answers[row["id"]].citations)
    print("in-scope questions citing the expected example or standard:",
          by_round(in_scope, expected_cited))


if __name__ == "__main__":
    main()
