"""Everyday probation words (`practitioner.toml`) and everyday words for topics (`uncovered.toml`), loaded once.

`understood(text)` finds the words practitioners use every day (PoP, SPO, DNA'd, on the gear, a
Traveller heritage…): they are always understood, so they never make a question "not covered".
`topics()` gives the probation topics the coverage check looks for in everyday words, each with
the phrases whose presence in a corpus means that corpus covers it after all.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).parent
PRACTITIONER_FILE = HERE / "practitioner.toml"
UNCOVERED_FILE = HERE / "uncovered.toml"
_PLURAL = r"(?:s|es|'s|’s|s'|s’)?"


@dataclass(frozen=True)
class Everyday:
    """The practitioner vocabulary, compiled: one pattern with exact capitals, one ignoring case."""

    exact: re.Pattern[str] | None
    folded: re.Pattern[str] | None
    meanings: dict[str, str]  # form (lower case) -> meaning, for abbreviations and slang
    categories: dict[str, str]  # form (lower case) -> category

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, form) of every everyday word or phrase in `text`, longest first where they overlap."""
        found = []
        for pattern in (self.exact, self.folded):
            if pattern is not None:
                found += [(m.start(), m.end(), m.group(0)) for m in pattern.finditer(text)]
        found.sort(key=lambda s: (s[0], -(s[1] - s[0])))
        kept: list[tuple[int, int, str]] = []
        for span in found:
            if not kept or span[0] >= kept[-1][1]:
                kept.append(span)
        return kept

    def covers(self, phrase: str) -> bool:
        """Whether `phrase` is made only of everyday words (and the spaces and punctuation between them)."""
        spans = self.spans(phrase)
        rest = list(phrase)
        for start, end, _ in spans:
            rest[start:end] = " " * (end - start)
        return bool(spans) and not re.search(r"\w", "".join(rest))

    def meaning(self, form: str) -> str | None:
        """What an everyday abbreviation or slang word means ("PoP" -> "person on probation"), or None."""
        key = re.sub(r"(?:'s|’s|s'|s’|es|s)$", "", form.lower())
        return self.meanings.get(form.lower()) or self.meanings.get(key)

    def spelled_out(self, text: str) -> str:
        """`text` with each everyday abbreviation or slang word replaced by its meaning."""
        parts, last = [], 0
        for start, end, form in self.spans(text):
            meaning = self.meaning(form)
            if meaning:
                parts += [text[last:start], meaning]
                last = end
        return "".join(parts) + text[last:]


def _form_pattern(forms: list[str]) -> re.Pattern[str] | None:
    if not forms:
        return None
    alternatives = sorted(set(forms), key=len, reverse=True)
    body = "|".join(r"\s+".join(re.escape(part) for part in form.split()) for form in alternatives)
    return re.compile(rf"(?<![\w'’-])(?:{body}){_PLURAL}(?![\w-])")


@lru_cache(maxsize=1)
def practitioner() -> Everyday:
    """The practitioner vocabulary (practitioner.toml: a table per category of word = meaning), compiled once."""
    data = tomllib.loads(PRACTITIONER_FILE.read_text(encoding="utf-8"))
    exact, folded, meanings, categories = [], [], {}, {}
    for category, words in data.items():
        for form, meaning in words.items():
            (exact if any(c.isupper() for c in form[1:]) else folded).append(form)
            if meaning:
                meanings.setdefault(form.lower(), meaning)
            categories.setdefault(form.lower(), category)
    folded_pattern = _form_pattern(folded)
    return Everyday(_form_pattern(exact), re.compile(folded_pattern.pattern, re.I) if folded_pattern else None,
                    meanings, categories)


def understood(text: str) -> bool:
    """Whether `text` is made only of words practitioners use every day."""
    return practitioner().covers(text)


@dataclass(frozen=True)
class Topic:
    """A probation topic in everyday words, and the phrases that show a corpus covers it."""

    name: str
    pattern: re.Pattern[str]
    corpus: tuple[str, ...]
    offence: bool = False  # an offence the person committed: it describes the case unless it is asked about


@lru_cache(maxsize=1)
def topics() -> tuple[Topic, ...]:
    """The topics of uncovered.toml, compiled once."""
    data = tomllib.loads(UNCOVERED_FILE.read_text(encoding="utf-8"))
    return tuple(Topic(t["name"], re.compile("|".join(f"(?:{p})" for p in t["patterns"]), re.I), tuple(t["corpus"]),
                       t.get("kind") == "offence") for t in data["topic"])
