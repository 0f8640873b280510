"""Gold sets: ID-based questions (`evals/*.jsonl`, one JSON object a line), read and checked line by line."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

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


MAX_REPORTED = 20  # bad lines named in one message


def load_gold(path: Path, known_ids: Iterable[str] | Mapping[str, Any] | None = None) -> list[GoldCase]:
    """Read and check a gold file, every line of it, before anything runs.

    Blank lines and lines starting with "#" (comments, as in `assistant eval --init-gold`'s template)
    are skipped. With `known_ids`, gold and alternate ids must exist; when it maps ids to units, every
    key passage and practice point must be copied from them. A BadInputError names each bad line.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"cannot read gold file {path} ({exc})") from None
    units = known_ids if isinstance(known_ids, Mapping) else None
    known = set(known_ids) if known_ids is not None else None
    cases: list[GoldCase] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: not valid JSON ({exc.msg})")
            continue
        try:
            case = _check_case(row, f"line {number}", known, seen)
            if units is not None:
                _check_passages(case, units, f"line {number}")
            cases.append(case)
        except BadInputError as exc:
            problems.append(str(exc))
    if len(problems) == 1:
        raise BadInputError(f"{path.name}, {problems[0]}")
    if problems:
        shown = problems[:MAX_REPORTED] + ([f"… and {len(problems) - MAX_REPORTED} more"]
                                           if len(problems) > MAX_REPORTED else [])
        raise BadInputError(f"{path.name} has {len(problems)} bad lines:\n  " + "\n  ".join(shown))
    if not cases:
        raise BadInputError(f"{path} holds no gold cases")
    return cases


_QUOTE_MARKS = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})


def _plain(text: str) -> str:
    return " ".join(text.translate(_QUOTE_MARKS).split())


def _check_passages(case: GoldCase, units: Mapping[str, Any], where: str) -> None:
    """Every key passage and practice point is copied from the case's gold or alternate units (quote marks and
    spacing aside; a list item may be read with its lead-in, "Key features included: …")."""
    text = " ".join(_plain(f"{units[i].title} {units[i].text}") for i in (*case.gold, *case.alternates) if i in units)
    for name, passages in (("key_passages", case.key_passages), ("points", case.points)):
        for passage in passages:
            plain = _plain(passage)
            if plain not in text and not all(piece in text for piece in re.split(r":\s+", plain) if piece):
                raise BadInputError(f"{where}: '{name}' holds text that is not in its gold examples "
                                    f"(\"{passage[:60]}…\"); copy it word for word")


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
