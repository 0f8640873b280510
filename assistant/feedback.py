"""Feedback on answers, kept in a local SQLite database, for evaluators.

Each record holds the question, the answer, its citations, the settings in effect, the rating
(+1 or -1), reasons and a comment. Personal data in the question, the answer and the comment is
redacted before anything is stored, and again on export (for rows an older version stored). Export
as JSON lines or CSV; turn answers marked wrong into candidate gold cases to confirm.

A database that cannot be opened, read or written (damaged, read-only, on a full disk)
raises FeedbackStoreError with what to do. CSV cells that a spreadsheet would run as a
formula (=, +, -, @, tab, carriage return first) are written with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from assistant.errors import BadInputError, FeedbackStoreError
from assistant.question.privacy import redact

REASONS = ("wrong example cited", "missed a better example", "not relevant", "unclear")
MAX_COMMENT_CHARS = 2000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
    reasons TEXT NOT NULL,
    comment TEXT NOT NULL,
    settings TEXT NOT NULL
)"""
FIELDS = ("id", "created", "question", "answer", "citations", "rating", "reasons", "comment", "settings")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A CSV cell a spreadsheet shows as text: a leading apostrophe before formula characters."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _problem(path: Path, exc: Exception) -> FeedbackStoreError:
    text = str(exc).lower()
    if isinstance(exc, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text):
        return FeedbackStoreError(f"the feedback database {path} is damaged ({exc}); move it aside and a new one will "
                                  "be made, or set ASSISTANT_FEEDBACK_DB to another file")
    if "readonly" in text or "read-only" in text or isinstance(exc, PermissionError) or "permission" in text:
        return FeedbackStoreError(f"the feedback database {path} cannot be written (read-only); check its permissions "
                                  "or set ASSISTANT_FEEDBACK_DB to a writable file")
    if "locked" in text or "busy" in text:
        return FeedbackStoreError(f"the feedback database {path} is busy (locked by another program); try again")
    return FeedbackStoreError(f"the feedback database {path} cannot be used ({exc}); check the file and the disk, or "
                              "set ASSISTANT_FEEDBACK_DB to another file")


def _checked_rating(rating: int, reasons: list[str] | None, comment: str) -> list[str]:
    """The reasons as a list, once the rating, reasons and comment are known to be valid."""
    if rating not in (-1, 1):
        raise BadInputError(f"rating must be 1 (helpful) or -1 (not helpful), got {rating!r}")
    reasons = list(reasons or [])
    unknown = [r for r in reasons if r not in REASONS]
    if unknown:
        raise BadInputError(f"unknown reason(s) {', '.join(unknown)}; choose from: {', '.join(REASONS)}")
    if len(comment) > MAX_COMMENT_CHARS:
        raise BadInputError(f"the comment is {len(comment):,} characters; keep it under {MAX_COMMENT_CHARS:,}")
    return reasons


class FeedbackStore:
    """A SQLite file of ratings. Cheap to create; the file is made on first write."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=10)
        except (sqlite3.Error, OSError) as exc:
            raise _problem(self.path, exc) from None
        try:
            connection.execute(_SCHEMA)
        except sqlite3.Error as exc:
            connection.close()
            raise _problem(self.path, exc) from None
        return connection

    def record(self, answer_json: dict[str, Any], rating: int, reasons: list[str] | None = None,
               comment: str = "", settings: dict[str, Any] | None = None) -> int:
        """Store one rating; returns its id. The question and comment are redacted first."""
        reasons = _checked_rating(rating, reasons, comment)
        row = (
            datetime.now(timezone.utc).isoformat(timespec="seconds"),
            redact(str(answer_json.get("question", ""))).text,
            redact(str(answer_json.get("answer", ""))).text,  # an LLM's answer may repeat what it was told
            json.dumps(answer_json.get("citations", []), ensure_ascii=False),
            rating,
            json.dumps(reasons),
            redact(comment).text,
            json.dumps(settings or {}, default=str),
        )
        try:
            with closing(self._connect()) as connection, connection:
                cursor = connection.execute(
                    "INSERT INTO feedback (created, question, answer, citations, rating, reasons, comment, settings) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
                return int(cursor.lastrowid)
        except sqlite3.Error as exc:
            raise _problem(self.path, exc) from None

    def change(self, record_id: int, rating: int, reasons: list[str] | None = None, comment: str = "") -> None:
        """Change an earlier rating of the same answer (one rating per answer, changeable)."""
        reasons = _checked_rating(rating, reasons, comment)
        with closing(self._connect()) as connection, connection:
            cursor = connection.execute("UPDATE feedback SET rating = ?, reasons = ?, comment = ? WHERE id = ?",
                                        (rating, json.dumps(reasons), redact(comment).text, int(record_id)))
            if cursor.rowcount != 1:
                raise BadInputError(f"there is no rating {record_id} to change")

    def rows(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        try:
            with closing(self._connect()) as connection:
                cursor = connection.execute(f"SELECT {', '.join(FIELDS)} FROM feedback ORDER BY id")
                records = [dict(zip(FIELDS, values)) for values in cursor.fetchall()]
        except sqlite3.Error as exc:
            raise _problem(self.path, exc) from None
        for record in records:
            for key in ("question", "answer", "comment"):  # rows stored before redaction covered everything
                record[key] = redact(str(record[key])).text
            for key in ("citations", "reasons", "settings"):
                try:
                    record[key] = json.loads(record[key])
                except (TypeError, ValueError):
                    raise FeedbackStoreError(f"the feedback database {self.path} has a damaged record (id "
                                             f"{record.get('id')}, {key}); fix or delete that row") from None
        return records

    def export(self, fmt: str) -> str:
        """Every record as JSON lines or CSV (lists and objects as JSON text in CSV cells)."""
        records = self.rows()
        if fmt == "jsonl":
            return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        if fmt == "csv":
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=FIELDS)
            writer.writeheader()
            for record in records:
                writer.writerow({k: spreadsheet_safe(json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v)
                                 for k, v in record.items()})
            return buffer.getvalue()
        raise BadInputError(f"unknown format '{fmt}'; use jsonl or csv")

    def to_gold(self) -> list[dict[str, Any]]:
        """Answers marked not helpful, as candidate gold cases with empty gold ids to fill in.

        `load_gold` rejects a case with no gold ids, so a candidate cannot slip into the gold
        set until an evaluator has confirmed it and named the right example.
        """
        candidates = []
        for record in self.rows():
            if record["rating"] != -1:
                continue
            candidates.append({
                "id": f"fb{record['id']:04d}",
                "question": record["question"],
                "kind": "example",
                "gold": [],
                "alternates": [],
                "persona": "practitioner",
                "review": {"cited": [c.get("id") for c in record["citations"]], "reasons": record["reasons"],
                           "comment": record["comment"], "created": record["created"]},
            })
        return candidates
