"""Print the answer-trust measures of two evaluation runs side by side, as Markdown.

    .venv/bin/python evals/tools/trust_table.py OLD/results.json NEW/results.json

Both files are `assistant eval` results (the `--compare` input); docs/evaluation.md quotes the output.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ANSWERS = [
    ("point precision (share of points that are labelled key passages)", "point_precision"),
    ("key passage present (at least one in the answer)", "key_passage_present"),
    ("key passage first", "key_passage_first"),
    ("key-passage recall (share of the labelled passages shown)", "key_passage_recall"),
    ("gold example cited", "gold_citation_rate"),
    ("gold example cited first", "gold_first_rate"),
    ("points per answer", "mean_points"),
    ("in-scope questions refused", "in_scope_refused"),
    ("citations valid (every [n] resolves, every quote verbatim)", "citation_validity"),
]
TRUST = [
    ("adjacent out-of-scope refused — dev", "adjacent.dev.refused"),
    ("adjacent out-of-scope refused — held out", "adjacent.heldout.refused"),
    ("manipulation handled (refused, or practice + reminder + correction) — dev", "manipulation.dev.handled"),
    ("manipulation handled — held out", "manipulation.heldout.handled"),
    ("unusual in-scope questions refused (count)", "in_scope_hard.all.refused"),
    ("unusual in-scope: gold example cited", "in_scope_hard.all.gold_cited"),
    ("unusual in-scope: point precision", "in_scope_hard.all.point_precision"),
    ("unusual in-scope: key passage present", "in_scope_hard.all.key_passage_present"),
    ("conversation cases correct — dev", "conversations.dev.cases_correct"),
    ("conversation cases correct — held out", "conversations.heldout.cases_correct"),
    ("conversation turns: gold example first", "conversations.all.gold_first"),
    ("conversation turns: facets right (carried or reset)", "conversations.all.facets_ok"),
    ("facet table: phrasings read exactly right", "facets.exact"),
    ("requests for examples: recall of the fitting cases", "examples_requests.all.recall"),
    ("requests for examples: precision", "examples_requests.all.precision"),
]


def _value(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def table(old: dict, new: dict) -> str:
    lines = ["| measure | old composer | new composer |", "|---|---|---|"]
    for label, key in ANSWERS:
        lines.append(f"| {label} | {_value(old['answers'].get(key))} | {_value(new['answers'].get(key))} |")
    for label, key in TRUST:
        lines.append(f"| {label} | {_value(old.get('trust', {}).get(key))} | {_value(new.get('trust', {}).get(key))} |")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    old, new = (json.loads(Path(p).read_text(encoding="utf-8")) for p in sys.argv[1:3])
    print(table(old, new))
