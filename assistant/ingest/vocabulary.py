"""The ingestion vocabularies, read once from `vocabulary.toml` beside this module.

Labels, person patterns, outcome labels, navigation lines and the terms that tell a case
from an organisational example live in that data file, not in code. This module turns them
into compiled patterns and small lookup helpers.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.toml")


@cache
def vocabulary() -> dict[str, Any]:
    """The parsed vocabulary file (read once per process)."""
    with VOCABULARY_FILE.open("rb") as handle:
        return tomllib.load(handle)


def label_key(text: str) -> str:
    """A label reduced to its letters, so that "Inspector’s comments:", "Inspectors comments" and
    "INSPECTOR'S COMMENTS" compare equal, as do "Take-away learning" and "Takeaway learning"."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


@cache
def label_set(name: str) -> frozenset[str]:
    """The keys of one list of labels in the [labels] table."""
    return frozenset(label_key(label) for label in vocabulary()["labels"][name])


def is_label(text: str, name: str) -> bool:
    """Whether `text` (a whole heading or short paragraph) is one of the labels in list `name`."""
    return len(text) <= 80 and label_key(text) in label_set(name)


def words_pattern(words: list[str], case_sensitive: bool = False) -> str:
    """An alternation of whole words or phrases (longest first), for use inside a larger pattern."""
    ordered = sorted(set(words), key=len, reverse=True)
    body = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)
    return body if case_sensitive else f"(?i:{body})"


@cache
def compiled(section: str, key: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    """A pattern built from a list of phrases: matches any of them as a whole word or phrase."""
    phrases = vocabulary()[section][key]
    return re.compile(r"(?<![\w-])(?:" + "|".join(
        re.escape(p).replace(r"\ ", r"\s+") for p in sorted(phrases, key=len, reverse=True)) + r")(?![\w-])", flags)


def count_terms(section: str, key: str, text: str) -> int:
    """How many times the phrases of one vocabulary list occur in `text`."""
    phrases = vocabulary()[section][key]
    plain = [p for p in phrases if not (p.isupper() and len(p) <= 6)]
    acronyms = [p for p in phrases if p.isupper() and len(p) <= 6]
    count = 0
    if plain:
        count += len(re.findall(r"(?<![\w-])(?:" + "|".join(re.escape(p) for p in plain) + r")(?![\w-])", text, re.I))
    if acronyms:
        count += len(re.findall(r"\b(?:" + "|".join(re.escape(p) for p in acronyms) + r")\b", text))
    return count


@cache
def _letter_classes() -> dict[str, str]:
    """Character classes of every upper- and lower-case letter (Python's `re` has no \\p{…})."""
    upper, lower = [], []
    for code in range(0x41, 0x2D00):  # Latin, Greek, Cyrillic, Armenian, … and Vietnamese (Latin Extended Additional)
        char = chr(code)
        if not char.isalpha():
            continue
        if char.isupper():
            upper.append(char)
        elif char.islower():
            lower.append(char)
    return {"Lu": "[" + _ranges(upper) + "]", "Ll": "[" + _ranges(lower) + "]"}


def _ranges(chars: list[str]) -> str:
    """A compact character-class body for sorted characters ("A-Z" runs instead of every letter)."""
    out: list[str] = []
    start = previous = None
    for char in chars:
        code = ord(char)
        if previous is not None and code == previous + 1:
            previous = code
            continue
        if start is not None:
            out.append(_span(start, previous))
        start = previous = code
    if start is not None:
        out.append(_span(start, previous))
    return "".join(out)


def _span(start: int, end: int) -> str:
    first, last = re.escape(chr(start)), re.escape(chr(end))
    return first if start == end else f"{first}-{last}" if end > start + 1 else first + last


def expand_letters(pattern: str) -> str:
    """A pattern with \\p{Lu} and \\p{Ll} replaced by explicit classes of upper- and lower-case letters."""
    classes = _letter_classes()
    return pattern.replace(r"\p{Lu}", classes["Lu"]).replace(r"\p{Ll}", classes["Ll"])


@cache
def section_label_set(section: str, name: str) -> frozenset[str]:
    """The keys of one list of labels in any table of the vocabulary."""
    return frozenset(label_key(label) for label in vocabulary()[section][name])


def label_in(text: str, *names: str, section: str = "labels") -> bool:
    """Whether `text` (without a trailing colon) is one of the labels in any of the lists `names`."""
    if len(text) > 80:
        return False
    key = label_key(text.strip().rstrip(":").strip())
    return bool(key) and any(key in section_label_set(section, name) for name in names)
