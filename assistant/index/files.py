"""The index's JSON-lines files, and errors shortened to one line for messages."""

from __future__ import annotations

import json
from pathlib import Path


from assistant.errors import (IndexCorruptError)


def write_jsonl(path: Path, rows) -> None:
    try:
        with path.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    except OSError as exc:  # a write names no file: say which (a full device is "cannot write …/units.jsonl")
        raise OSError(exc.errno, exc.strerror, str(path)) from None


def read_jsonl(path: Path) -> list[dict]:
    try:
        with path.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexCorruptError(f"index file {path} is damaged ({exc}); run `assistant index` to repair it") from None


def short_error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]
