"""Publication families: each knows how its examples are titled and placed, and what it is called.

`choose_family(blocks)` picks the family by what the blocks contain (never by file name):
spotlights open examples with "Example of effectiveness"; effective practice guides hold
"Case summary / Inspector's comments / Take-away learning" blocks under chapter headings
(youth justice guides are guides about children and youth justice services); PDF reports
and guides number their "Practice example N:" boxes; anything else is read by the generic
family, by headings and paragraphs, with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.ingest.blocks import FURNITURE, HEADING, PARA, Block
from assistant.ingest.vocabulary import count_terms, is_label, label_key


@dataclass(frozen=True)
class Signals:
    """What a document's blocks contain, counted once for every family to score."""

    effectiveness_markers: int
    other_markers: int
    numbered_markers: int
    case_labels: int
    back_to_top_headings: int
    youth_terms: int
    adult_terms: int
    numbered_headings: int
    headings: int


def signals(blocks: list[Block]) -> Signals:
    from assistant.ingest.markers import _case_summary_pattern, match_marker

    effectiveness = other = numbered = labels = numbered_headings = headings = 0
    words: list[str] = []
    for block in blocks:
        if block.kind == FURNITURE:
            continue
        words.append(block.text)
        if block.kind == HEADING:
            headings += 1
            if re.match(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+[A-Z]", block.text):
                numbered_headings += 1
        if block.kind not in (PARA, HEADING) or len(block.text) > 220:
            continue
        marker = match_marker(block.text, heading=block.kind == HEADING)
        if marker:
            if label_key(marker.noun).startswith("exampleofeffect"):
                effectiveness += 1
            else:
                other += 1
            if marker.number:
                numbered += 1
        elif _case_summary_pattern().match(block.text) or is_label(block.text, "case_parts"):
            labels += 1
    text = "\n".join(words)
    return Signals(effectiveness, other, numbered, labels, 0, count_terms("families", "youth", text),
                   count_terms("families", "adult", text), numbered_headings, headings)


def choose_family(blocks: list[Block]):
    """The family whose recogniser fits these blocks best."""
    from assistant.ingest.families import generic, guide, report, spotlight, youth

    found = signals(blocks)
    candidates = [spotlight.FAMILY, guide.FAMILY, youth.FAMILY, report.FAMILY]
    scored = [(family.score(found), n, family) for n, family in enumerate(candidates)]
    best = max(scored, key=lambda s: (s[0], -s[1]))
    return best[2] if best[0] > 0 else generic.FAMILY
