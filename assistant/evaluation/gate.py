"""The quality gate: measures against `evals/thresholds.json`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.errors import BadInputError


def load_thresholds(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise BadInputError(f"cannot read thresholds {path} ({exc})") from None


def gate_failures(results: dict[str, Any], thresholds: dict[str, Any]) -> list[str]:
    """Retrieval and answer metrics below the thresholds for this gold file."""
    failures = check_gate(results["systems"], thresholds.get("retrieval", {}))
    for section in ("answers", "trust"):
        if section in thresholds:
            numeric = {k: v for k, v in results.get(section, {}).items() if isinstance(v, (int, float))}
            failures += check_gate({section: numeric}, {section: thresholds[section]})
    maxima = thresholds.get("at_most", {})
    for metric, limit in maxima.items():
        section, _, name = metric.partition(".")
        value = results.get(section, {}).get(name)
        if value is None:
            failures.append(f"{metric}: not measured (at most {limit})")
        elif value > limit:
            failures.append(f"{metric}: {value} > {limit}")
    return failures


def check_gate(measured: dict[str, dict[str, float]], thresholds: dict[str, dict[str, float]]) -> list[str]:
    """Every metric below its threshold, as "system metric: measured < threshold" lines."""
    failures = []
    for system, minimums in thresholds.items():
        for metric, minimum in minimums.items():
            value = measured.get(system, {}).get(metric)
            if value is None:
                failures.append(f"{system} {metric}: not measured (threshold {minimum})")
            elif value < minimum:
                failures.append(f"{system} {metric}: {value:.3f} < {minimum}")
    return failures
