"""Questions of fact ("how many", "how often", "when", "who", "what is X"): what a passage holding the
fact asked for looks like, and how strongly a passage holds it."""

from __future__ import annotations

import re
from typing import Sequence


from assistant.question.intent import Intent
from assistant.retrieve.retriever import counted_thing
from assistant.types import Example
from assistant.index.passages import Passage


_NUMBER = re.compile(r"\b\d[\d,.]*\b")
_DATE = re.compile(r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December|"
                   r"(?:19|20)\d{2}|quarterly|weekly|monthly|annually|every \d+ weeks)\b", re.I)
_FREQUENCY = re.compile(r"\b(?:daily|weekly|fortnightly|monthly|quarterly|annually|yearly|twice|once a|every (?:\w+ )?"
                        r"(?:days?|weeks?|months?|\d+)|\w+ times? a (?:day|week|month|year))\b", re.I)
_WHO = re.compile(r"\b(?:[A-Z][a-z]+ [A-Z][a-z]+|Dr [A-Z][a-z]+|team|manager|officer|lead|board|director|practitioners?|"
                  r"PPs?|SPOs?|inspectors?|staff)\b")


def answering_candidates(candidates: Sequence[Passage], intent: Intent) -> list[Passage]:
    """The passages that may answer: a case's opening says who the person is, not what worked, so it
    answers only a question of fact ("how old", "when", "who")."""
    if intent.fact in (None, "frequency"):
        return [p for p in candidates if not p.is_intro] or list(candidates)
    return list(candidates)


def fact_pattern(question: str, query_text: str, intent: Intent, glossary) -> re.Pattern[str] | None:
    """What a passage holding the asked fact contains: the thing counted ("how many cases" → cases), or for
    "what is X?" the glossary's meaning of X spelled out, or X followed by "is", "means", "involves"…"""
    counted = counted_thing(question) or counted_thing(query_text)
    if intent.definition:
        spelled = definition_pattern(intent.definition, glossary) if glossary is not None else None
        return spelled or counted or _defines(intent.definition)
    return counted


def _defines(term: str) -> re.Pattern[str]:
    name = r"\s+".join(re.escape(w) for w in term.split())
    return re.compile(rf"\b{name}\b\s*(?:\([^)]*\)\s*)?(?:is|are|means|involves|refers to|stands for|describes)\b"
                      rf"|\bdefin\w*\s+(?:of\s+)?{name}\b|\b{name}\b[^.]{{0,40}}\bdefin", re.I)


def definition_pattern(term: str, glossary) -> re.Pattern[str] | None:
    """For "what does ASPIRE stand for?", a pattern for a passage that spells out what the glossary says it means."""
    entries = [e for found, _ in glossary.expand(term) for e in glossary.lookup(found) if e.term.lower() == found.lower()]
    words = [w for e in entries for w in re.findall(r"[A-Za-z]{4,}", re.sub(r"\(.*?\)", "", e.meaning))][:6]
    if len(words) < 2:
        return None
    return re.compile("".join(rf"(?=.*\b{re.escape(w)})" for w in words), re.I | re.S)


def kind_bonus(passage: Passage, intent: Intent, counted: re.Pattern[str] | None) -> float:
    """For "how many", "when", "who" and "what does X mean" questions, whether the passage holds that fact (-1..3)."""
    text = passage.text
    if intent.summary and not isinstance(passage.unit, Example):
        return 1.0 if passage.order == 0 else 0.0  # a section says what it is about first
    # a passage that spells out the term asked about, or states the number of the thing counted, is
    # very likely the answer: it counts three times a passage that merely holds a number or a date
    if intent.definition and counted is not None and not intent.fact:
        return 3.0 if counted.search(text) else 0.0
    if intent.fact == "count":
        found = counted.search(text) if counted is not None else None
        if found:
            # "We reviewed 292 cases" answers "how many cases" more directly than "…204 reports and 102 cases"
            first = _NUMBER.search(text)
            return 3.0 if first is not None and first.start() == found.start() else 2.0
        return 0.3 if _NUMBER.search(text) else -0.5
    if intent.fact == "frequency":
        return 1.0 if _FREQUENCY.search(text) else -0.3
    if intent.fact == "when":
        return 1.0 if _DATE.search(text) else -0.3
    if intent.fact == "who":
        return 0.6 if _WHO.search(text) else 0.0
    return 0.0
