"""Checks at the boundary: every value a person, a client or the command line gives, before it is used.

Each function returns the value cleaned (or raises BadInputError with one line that names what
was wrong and what to do). The CLI, the Gradio endpoint, the HTTP API and `Assistant` all call
these, so the same input gets the same message everywhere. Messages never echo a long value
back: `shown()` cuts it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from assistant.errors import BadInputError, SettingsError

FILTER_KEYS = ("theme", "document", "sentence", "need", "standard", "kind", "region", "year", "publication_kind")
ROLES = ("user", "assistant")
MAX_HISTORY_TURNS = 20  # a conversation longer than this sends only its last turns
MAX_HISTORY_CHARS = 20_000  # all turns together
MAX_CITED = 20  # example ids an assistant turn may carry in "cited"
MAX_ID_CHARS = 200
MAX_FILTER_VALUES = 50  # values per filter
MAX_FILTER_VALUE_CHARS = 200  # no known theme, document or tag is longer
MAX_K = 100
MAX_BOOST = 50  # units a caller may boost in one search
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def shown(value: Any, limit: int = 60) -> str:
    """A value as it may appear in a message: text, cut to `limit` characters, never a surrogate."""
    text = value if isinstance(value, str) else repr(value)
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", tuple: "a list", int: "a number", float: "a number", bool: "true/false",
            type(None): "null"}.get(type(value), type(value).__name__)


def has_surrogates(text: str) -> bool:
    """True when `text` holds a lone surrogate (invalid UTF-8 smuggled in, or a broken JSON escape)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def question(value: Any, max_chars: int, what: str = "the question") -> str:
    """The question as it will be searched, or a BadInputError saying what to fix."""
    if not isinstance(value, str):
        raise BadInputError(f"{what} must be text, got {_type_name(value)}")
    if has_surrogates(value):
        raise BadInputError(f"{what} contains characters that are not valid text (a lone surrogate); retype it")
    if _CONTROL.search(value):
        raise BadInputError(f"{what} contains control characters; retype it as plain text")
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        raise BadInputError(f"{what} is empty; type a question, e.g. \"client with ADHD keeps missing appointments\"")
    if len(text) > max_chars:
        raise BadInputError(
            f"{what} is {len(text):,} characters long; keep it under {max_chars:,} (describe the case in a few sentences)"
        )
    return text


def history(value: Any) -> list[dict[str, Any]] | None:
    """Conversation turns as [{"role": "user"|"assistant", "content": str, "cited"?: [id]}], or None for none."""
    if value is None:
        return None
    if not isinstance(value, Sequence) or isinstance(value, (str, bytes)):
        raise BadInputError(f"history must be a list of {{\"role\", \"content\"}} turns, got {_type_name(value)}")
    if len(value) > MAX_HISTORY_TURNS:
        raise BadInputError(f"history has {len(value):,} turns; send at most the last {MAX_HISTORY_TURNS}")
    turns: list[dict[str, str]] = []
    total = 0
    for n, turn in enumerate(value, 1):
        if not isinstance(turn, Mapping):
            raise BadInputError(f"history turn {n} must be an object with \"role\" and \"content\", got {_type_name(turn)}")
        role, content = turn.get("role"), turn.get("content")
        if role not in ROLES:
            raise BadInputError(f"history turn {n} has role {shown(role, 30)!s}; use \"user\" or \"assistant\"")
        if not isinstance(content, str):
            raise BadInputError(f"history turn {n} content must be text, got {_type_name(content)}")
        if has_surrogates(content):
            raise BadInputError(f"history turn {n} contains characters that are not valid text (a lone surrogate)")
        if _CONTROL.search(content):
            raise BadInputError(f"history turn {n} contains control characters")
        total += len(content)
        if total > MAX_HISTORY_CHARS:
            raise BadInputError(f"history is longer than {MAX_HISTORY_CHARS:,} characters; send only the last few turns")
        checked: dict[str, Any] = {"role": role, "content": content}
        cited = turn.get("cited")
        if cited is not None:  # an assistant turn's cited example ids: a short follow-up carries them
            if (not isinstance(cited, Sequence) or isinstance(cited, (str, bytes)) or len(cited) > MAX_CITED
                    or not all(isinstance(c, str) and 0 < len(c) <= MAX_ID_CHARS and not has_surrogates(c)
                               for c in cited)):
                raise BadInputError(f"history turn {n} \"cited\" must be a list of at most {MAX_CITED} example ids")
            checked["cited"] = list(cited)
        turns.append(checked)
    return turns or None


def _year_text(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def filters(value: Any) -> dict[str, list[str]] | None:
    """Filters as {name: [values]}; names and value types checked (the values themselves by the retriever)."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise BadInputError(f"filters must be an object like {{\"need\": [\"mental health\"]}}, got {_type_name(value)}")
    cleaned: dict[str, list[str]] = {}
    for key, raw in value.items():
        if not isinstance(key, str) or key not in FILTER_KEYS:
            raise BadInputError(f"unknown filter '{shown(key, 30)}'; use one of: {', '.join(FILTER_KEYS)}")
        if key == "year":  # {"year": 2025} or [2025, "2024"] as well as text
            raw = [_year_text(v) for v in raw] if isinstance(raw, (list, tuple)) else _year_text(raw)
        values = [raw] if isinstance(raw, str) else raw
        if values is None:
            continue
        if not isinstance(values, Sequence) or isinstance(values, (bytes, Mapping)):
            raise BadInputError(f"filter '{key}' must be text or a list of text, got {_type_name(raw)}")
        if len(values) > MAX_FILTER_VALUES:
            raise BadInputError(f"filter '{key}' has {len(values):,} values; give at most {MAX_FILTER_VALUES}")
        for item in values:
            if not isinstance(item, str):
                raise BadInputError(f"filter '{key}' values must be text, got {_type_name(item)}")
            if has_surrogates(item) or _CONTROL.search(item):
                raise BadInputError(f"filter '{key}' has a value with characters that are not valid text")
            if len(item) > MAX_FILTER_VALUE_CHARS:
                raise BadInputError(f"filter '{key}' has a value of {len(item):,} characters; no known {key} is that "
                                    f"long (see the filter menus or `assistant search --help`)")
        if values:
            cleaned[key] = list(values)
    return cleaned or None


def top_k(value: Any, limit: int = MAX_K) -> int:
    """How many results: a whole number from 1 to `limit`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInputError(f"k must be a whole number of at least 1, got {shown(value, 20)}")
    if value < 1 or value > limit:
        raise BadInputError(f"k must be a whole number from 1 to {limit}, got {value}")
    return value


def boost(value: Any) -> dict[str, float]:
    """{unit id: bonus} for `Retriever.rank(boost=...)`."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise BadInputError(f"boost must map unit ids to numbers, got {_type_name(value)}")
    if len(value) > MAX_BOOST:
        raise BadInputError(f"boost names {len(value)} units; at most {MAX_BOOST}")
    cleaned = {}
    for unit_id, bonus in value.items():
        if not isinstance(unit_id, str) or isinstance(bonus, bool) or not isinstance(bonus, (int, float)):
            raise BadInputError(f"boost must map unit ids to numbers, got {shown(unit_id, 30)}: {shown(bonus, 20)}")
        if bonus != bonus or abs(bonus) > 10:  # NaN, or a bonus that would swamp every score
            raise BadInputError(f"a boost must be a number between -10 and 10, got {shown(bonus, 20)}")
        cleaned[unit_id] = float(bonus)
    return cleaned


def arguments(args: Sequence[str]) -> None:
    """Command-line arguments: each must be valid UTF-8 (Python keeps invalid bytes as surrogates)."""
    for n, arg in enumerate(args, 1):
        if has_surrogates(arg):
            raise BadInputError(f"argument {n} ({shown(arg, 40)!s}) is not valid UTF-8 text; retype it or fix the "
                                "terminal's encoding")


def auth(value: str | None) -> tuple[str, str] | None:
    """ASSISTANT_AUTH as (user, password); both must be non-empty."""
    if value is None or value == "":
        return None
    user, sep, password = value.partition(":")
    if not sep or not user.strip() or not password:
        raise SettingsError("ASSISTANT_AUTH must look like user:password, with both parts non-empty")
    if has_surrogates(value) or _CONTROL.search(value):
        raise SettingsError("ASSISTANT_AUTH contains characters that are not valid text")
    return user, password
