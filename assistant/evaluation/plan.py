"""Everything an evaluation needs, checked before it runs: so that a bad gold line, an unknown system, a
missing gate or an unreadable earlier run stops it in a second, never after the whole run."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from assistant.errors import BadInputError
from assistant.evaluation.baselines import SYSTEMS
from assistant.evaluation.gate import Gate, check_systems, choose_gate
from assistant.evaluation.gold import GoldCase, load_gold


@dataclass(frozen=True)
class Plan:
    gold: Path
    cases: list[GoldCase]
    systems: tuple[str, ...]
    gate: Gate | None  # the thresholds the run is held to (and its reports show); None: no gate applies
    earlier: dict[str, Any] | None  # an earlier results.json to compare with

    @property
    def trust(self) -> bool:
        """Whether to run the trust measures: they do not depend on the gold set, so only when its gate checks
        them (the project's gold.jsonl), or when there is no gate to say."""
        return self.gate is None or self.gate.checks_trust()


def plan_evaluation(assistant, gold: Path, systems: Sequence[str], thresholds: Path | None = None,
                    gate_required: bool = False, previous: Path | None = None) -> Plan:
    """Check the gold file (every bad line named), the systems, the gate and the earlier results.

    The gate comes from `thresholds`: the gold set's own thresholds, the file itself when it holds one
    gate, or its "default" gate (`choose_gate`). With `gate_required` (`assistant eval --gate`) a
    missing gate is an error; otherwise the run simply has none.
    """
    if not gold.is_file():
        raise BadInputError(f"gold file {gold} does not exist")
    systems = tuple(s.strip() for s in systems if s.strip())
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown or not systems:
        raise BadInputError(f"unknown system(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(SYSTEMS)}")
    cases = load_gold(gold, assistant.index.units)
    gate = None
    if thresholds is not None and (gate_required or thresholds.is_file()):
        try:
            gate = choose_gate(thresholds, gold.name)
        except BadInputError:
            if gate_required:
                raise
    if gate is not None and gate_required:
        check_systems(gate, systems)
    earlier = None
    if previous is not None:
        try:
            earlier = json.loads(previous.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadInputError(f"cannot read the earlier results {previous} ({exc})") from None
    return Plan(gold, cases, systems, gate, earlier)
