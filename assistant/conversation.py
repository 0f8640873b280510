"""Conversations: how a follow-up question is made standalone from the turns before it."""

from __future__ import annotations

import re
from typing import Mapping, Sequence

_FOLLOW_UP_START = re.compile(r"^(?:and|but|so|then|also|what if|what about|how about|and if|or|ok|okay)\b", re.I)
_BACK_REFERENCE = re.compile(r"\b(?:he|she|they|him|her|his|hers|them|their|it|this|that|these|those|the same)\b", re.I)


def condense(question: str, history: Sequence[Mapping[str, str]] | None) -> str:
    """A standalone query for a follow-up, by the deterministic method.

    A short question that opens like a follow-up ("and if he won't engage?") or leans on
    the conversation ("what did they do about his concentration?") carries the previous
    user question forward, so its topic and facets are searched too. Any other question
    stands alone.
    """
    previous = [turn.get("content", "") for turn in (history or []) if turn.get("role") == "user"]
    previous = [p for p in previous if p and p.strip()]
    if not previous:
        return question
    words = question.split()
    if len(words) <= 8 or (len(words) <= 14 and (_FOLLOW_UP_START.search(question) or _BACK_REFERENCE.search(question))):
        return f"{previous[-1].strip()} {question}"
    return question
