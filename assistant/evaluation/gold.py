"""Gold sets: ID-based questions (`evals/*.jsonl`, one JSON object a line), read and checked line by line."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from assistant.errors import BadInputError


KINDS = ("example", "section", "fact", "filter", "followup", "out_of_scope")


@dataclass(frozen=True)
class GoldCase:
    id: str
    question: str
    kind: str
    gold: tuple[str, ...]
    alternates: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()
    history: tuple[dict, ...] = ()
    filters: dict = field(default_factory=dict)
    persona: str = "practitioner"
    key_passages: tuple[str, ...] = ()  # the passages of the gold units that answer the question (hand-labelled)
    split: str = "dev"
    points: tuple[str, ...] = ()  # every practice point of the gold units that answers it (hand-labelled)
    core: str = ""  # for a question the documents do not cover: what it is about

    @property
    def in_scope(self) -> bool:
        return self.kind != "out_of_scope"

    @property
    def relevant(self) -> frozenset[str]:
        return frozenset(self.gold) | frozenset(self.alternates)


def load_gold(path: Path, known_ids: Iterable[str] | None = None) -> list[GoldCase]:
    """Read and check a gold file; any malformed line raises BadInputError naming the line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"cannot read gold file {path} ({exc})") from None
    known = set(known_ids) if known_ids is not None else None
    cases: list[GoldCase] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path.name}, line {number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadInputError(f"{where}: not valid JSON ({exc.msg})") from None
        cases.append(_check_case(row, where, known, seen))
    if not cases:
        raise BadInputError(f"{path} holds no gold cases")
    return cases


def _check_case(row: Any, where: str, known: set[str] | None, seen: set[str]) -> GoldCase:
    if not isinstance(row, dict):
        raise BadInputError(f"{where}: each line must be a JSON object")
    allowed = {"id", "question", "kind", "gold", "alternates", "facts", "history", "filters", "persona", "key_passages",
               "split", "not_covered", "category", "points", "core"}
    extra = set(row) - allowed
    if extra:
        raise BadInputError(f"{where}: unknown field(s) {', '.join(sorted(extra))}")
    for name in ("id", "question", "kind"):
        if not isinstance(row.get(name), str) or not row[name].strip():
            raise BadInputError(f"{where}: '{name}' must be a non-empty string")
    if row["id"] in seen:
        raise BadInputError(f"{where}: id '{row['id']}' is used twice")
    seen.add(row["id"])
    if row["kind"] not in KINDS:
        raise BadInputError(f"{where}: kind must be one of {', '.join(KINDS)}, got '{row['kind']}'")
    for name in ("gold", "alternates", "facts", "key_passages", "not_covered", "points"):
        value = row.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise BadInputError(f"{where}: '{name}' must be a list of strings")
    if row["kind"] == "out_of_scope":
        if row.get("gold"):
            raise BadInputError(f"{where}: an out_of_scope case must have no gold ids")
    elif not row.get("gold"):
        raise BadInputError(f"{where}: '{row['kind']}' case needs at least one gold id")
    if known is not None:
        unknown = [g for g in [*row.get("gold", []), *row.get("alternates", [])] if g not in known]
        if unknown:
            raise BadInputError(f"{where}: unknown id(s) {', '.join(unknown)}; see `assistant examples`")
    history = row.get("history", [])
    if not isinstance(history, list) or not all(
        isinstance(t, dict) and t.get("role") in ("user", "assistant") and isinstance(t.get("content"), str)
        for t in history
    ):
        raise BadInputError(f"{where}: 'history' must be a list of {{\"role\": \"user\"|\"assistant\", \"content\": str}}")
    if row["kind"] == "followup" and not history:
        raise BadInputError(f"{where}: a followup case needs its history")
    filters = row.get("filters", {})
    if not isinstance(filters, dict):
        raise BadInputError(f"{where}: 'filters' must be an object such as {{\"theme\": \"Court work\"}}")
    return GoldCase(
        id=row["id"], question=row["question"], kind=row["kind"], gold=tuple(row.get("gold", [])),
        alternates=tuple(row.get("alternates", [])), facts=tuple(row.get("facts", [])),
        history=tuple(history), filters=filters, persona=row.get("persona", "practitioner"),
        key_passages=tuple(row.get("key_passages", [])), split=str(row.get("split", "dev")),
        points=tuple(row.get("points", [])), core=str(row.get("core", "")),
    )
