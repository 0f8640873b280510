"""The domain vocabulary (`assistant/vocab.toml`), loaded and compiled once.

Sentence and need labels with the words that mean them (the corpus's and the everyday ones),
the contexts that stop a mention counting (a routine check, an order only considered), the
words for the person on probation and for other people, ages in everyday words, negation
cues, and the standards. Facet reading (`assistant.question.facets`) and example tagging use it alike,
so a question that says "on the gear" lines up with examples tagged "substance misuse".
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

VOCAB_FILE = Path(__file__).with_name("vocab.toml")


def compile_terms(patterns: list[str] | tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for a list: all-capital acronyms match case-sensitively, the rest ignore case."""
    parts = []
    for pattern in patterns:
        letters = re.sub(r"\\[bBwWsSdD]|\(\?[:!=<]+|[^A-Za-z]", "", pattern)
        parts.append(pattern if letters and letters.isupper() and len(letters) <= 6 else f"(?i:{pattern})")
    return re.compile("|".join(parts)) if parts else re.compile(r"(?!x)x")


def _words(words: list[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(words) + r")\b", re.I)


@dataclass(frozen=True)
class Label:
    """A sentence or need label and the pattern for every way it is written."""

    name: str
    role: str  # sentence | requirement | arrangement | need
    pattern: re.Pattern[str]
    implies: tuple[str, ...] = ()  # needs a court can only meet with this order ("DRR" -> substance misuse)
    not_after: re.Pattern[str] | None = None  # a mention just after this is not the person's ("had been assaulted")
    not_before: re.Pattern[str] | None = None  # …nor one just before this ("drug supply")
    also_after: re.Pattern[str] | None = None  # counts after these although the need context would leave it out


@dataclass(frozen=True)
class Vocabulary:
    sentences: dict[str, Label]
    needs: dict[str, Label]
    standards: dict[str, re.Pattern[str]]
    need_not_before: re.Pattern[str]
    need_not_after: re.Pattern[str]
    need_not_in_clause: re.Pattern[str]
    not_imposed: re.Pattern[str]
    not_imposed_before: re.Pattern[str]
    assessment_for: re.Pattern[str]
    not_current: re.Pattern[str]
    protective: re.Pattern[str]
    negation_cue: re.Pattern[str]
    negation_break: re.Pattern[str]
    male: frozenset[str]
    female: frozenset[str]
    others: re.Pattern[str]
    age_ranges: tuple[tuple[re.Pattern[str], tuple[int, int]], ...]
    decades: dict[str, tuple[int, int]]
    not_age_after: re.Pattern[str]

    def roles(self, role: str) -> frozenset[str]:
        return frozenset(name for name, label in self.sentences.items() if label.role == role)


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The vocabulary in `vocab.toml`, compiled (once per process)."""
    data = tomllib.loads(VOCAB_FILE.read_text(encoding="utf-8"))

    def labels(section: str, default_role: str) -> dict[str, Label]:
        return {name: Label(name, spec.get("role", default_role),
                            compile_terms([*spec["patterns"], *spec.get("everyday", [])]), tuple(spec.get("implies", ())),
                            re.compile("(?:" + "|".join(spec["not_after"]) + ")$", re.I) if spec.get("not_after") else None,
                            re.compile(r"^\W{0,3}(?:" + "|".join(spec["not_before"]) + ")", re.I) if spec.get("not_before") else None,
                            re.compile("(?:" + "|".join(spec["also_after"]) + ")$", re.I) if spec.get("also_after") else None)
                for name, spec in data[section].items()}

    people = data["people"]
    ages = data["ages"]
    negation = data["negation"]
    return Vocabulary(
        sentences=labels("sentence", "sentence"),
        needs=labels("need", "need"),
        standards={name: compile_terms(spec["patterns"]) for name, spec in data["standard"].items()},
        need_not_before=re.compile(r"^\W{0,3}(?:" + "|".join(data["need_context"]["not_before"]) + ")", re.I),
        need_not_after=re.compile(r"(?:" + "|".join(data["need_context"]["not_after"]) + r")$", re.I),
        need_not_in_clause=re.compile("|".join(data["need_context"]["not_in_clause"]), re.I),
        not_imposed=re.compile("|".join(data["sentence_context"]["not_imposed"]), re.I),
        not_imposed_before=re.compile("|".join(data["sentence_context"]["not_imposed_before"]), re.I),
        assessment_for=re.compile("|".join(data["sentence_context"]["assessment_for"]), re.I),
        not_current=re.compile("|".join(data["sentence_context"]["not_current"]), re.I),
        protective=re.compile("|".join(data["sentence_context"]["protective"]), re.I),
        negation_cue=_words(negation["cues"]),
        negation_break=re.compile(r"[.;:!?,()—–]|\b(?:" + "|".join(negation["breaks"]) + r")\b", re.I),
        male=frozenset(people["male"]),
        female=frozenset(people["female"]),
        others=_words(people["others"]),
        age_ranges=tuple((re.compile(pattern, re.I), (low, high)) for pattern, (low, high) in ages["ranges"]),
        decades={name: (low, high) for name, (low, high) in ages["decades"].items()},
        not_age_after=re.compile(r"^\s*(?:" + "|".join(ages["not_age_after"]) + ")", re.I),
    )
