"""The quality gate: which thresholds apply to a gold set, chosen before a run, and what misses them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from assistant.errors import BadInputError
from assistant.evaluation.measures import failing, gate_limits, measures

DEFAULT_GATE = "default"  # the key, in thresholds.json, of the gate for gold sets that have none of their own
GATE_SECTIONS = ("retrieval", "answers", "trust", "at_most")


def load_thresholds(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInputError(f"cannot read thresholds {path} ({exc})") from None
    if not isinstance(data, dict):
        raise BadInputError(f"{path} must hold a JSON object of thresholds")
    return data


@dataclass(frozen=True)
class Gate:
    """The thresholds one run is held to, and where they came from."""

    thresholds: dict[str, Any]
    source: str  # the thresholds file
    applies: str  # the gold set's name, DEFAULT_GATE, or "" for a file that is one gate

    def describe(self) -> str:
        if self.applies == DEFAULT_GATE:
            return f"the default gate in {self.source} (this gold set has no thresholds of its own)"
        if not self.applies:
            return f"the thresholds in {self.source}"
        return f"the thresholds for {self.applies} in {self.source}"

    def systems(self) -> set[str]:
        return set(self.thresholds.get("retrieval", {}))

    def checks_trust(self) -> bool:
        """Whether it gates a trust measure (measured from the labelled files beside the gold set)."""
        return any(name.startswith("trust.") for part in gate_limits(self.thresholds) for name in part)

    def to_json(self) -> dict[str, Any]:
        return {"thresholds": self.thresholds, "source": self.source, "applies": self.applies,
                "description": self.describe()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Gate":
        return cls(data.get("thresholds", {}), data.get("source", ""), data.get("applies", ""))


def _is_one_gate(data: dict[str, Any]) -> bool:
    return any(key in data for key in GATE_SECTIONS)


def choose_gate(path: Path, gold_name: str, shown_as: str | None = None) -> Gate:
    """The gate for `gold_name` from the thresholds file at `path`: its own thresholds, the file itself when
    it is one gate, or the file's default gate. Raises BadInputError, before any run, when there is none."""
    data = load_thresholds(path)
    source = shown_as or _shown(path)
    name = Path(gold_name).name
    if isinstance(data.get(name), dict):
        return _checked(Gate(data[name], source, name))
    if _is_one_gate(data):
        return _checked(Gate(data, source, ""))
    if isinstance(data.get(DEFAULT_GATE), dict):
        return _checked(Gate(data[DEFAULT_GATE], source, DEFAULT_GATE))
    raise BadInputError(f"{source} has no thresholds for {name} and no \"{DEFAULT_GATE}\" gate; add them, or pass "
                        "--thresholds FILE")


def _shown(path: Path) -> str:
    """A thresholds file as the reports name it: relative to the project when it is inside it."""
    from assistant.config import project_root

    try:
        return str(path.resolve().relative_to(project_root()))
    except ValueError:
        return str(path)


def _checked(gate: Gate) -> Gate:
    """A gate whose every limit is a number (so that a typo fails now, not after the run)."""
    at_least, at_most = gate_limits(gate.thresholds)
    bad = [name for name, limit in {**at_least, **at_most}.items()
           if not isinstance(limit, (int, float)) or isinstance(limit, bool)]
    if bad:
        raise BadInputError(f"{gate.describe()}: the threshold of {', '.join(bad)} must be a number")
    return gate


def check_systems(gate: Gate, systems: Iterable[str]) -> None:
    """Refuse, before a run, a gate on a system that will not be evaluated."""
    missing = sorted(gate.systems() - set(systems))
    if missing:
        raise BadInputError(f"{gate.describe()} checks the system(s) {', '.join(missing)}; add them to the systems "
                            "evaluated")


def gate_failures(results: dict[str, Any], thresholds: dict[str, Any]) -> list[str]:
    """Every measure that misses its threshold, as "name: measured < threshold" lines (the reports show the same)."""
    return [m.failure() for m in failing(measures(results, thresholds))]
