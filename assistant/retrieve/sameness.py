"""The same example published twice: near-identical units from different publications, shown once.

A regional spotlight and a later guide may print the same case, or the same practice under another
person's name, with sentences reworded, moved or added. Search would then show it many times and
an answer would cite it many times (on a 100x corpus the top 10 held one example 8 times). Two
units are the same when they are the same kind, come from different documents, and either share
a title and a person, or nearly all the words of the shorter one are in the other (containment
of their word sets at least SAME_TEXT; with the same title, SAME_TITLE_TEXT). A unit of fewer than
MIN_CONTAINED distinct words (a standard's two-line summary, quoted in a spotlight's own section on
the standards) is the same only when the two match as a whole (Jaccard at least SAME_SHORT_TEXT). The better-ranked
one is kept; the others are named beside it (`Hit.also`), so every source stays one click away.

Measured on a 10x corpus (evals/scale_benchmark.py --make-corpus 10: renamed, reordered, with
sentences dropped and added): copies of one example share at least 0.82 of the shorter one's
words, different examples at most 0.49.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Sequence

from assistant.types import Example, Hit, Unit

SAME_TEXT = 0.75  # share of the shorter unit's words in the other
SAME_TITLE_TEXT = 0.6  # …when both carry the same title
MIN_CONTAINED = 40  # distinct words the shorter unit needs for containment to count; shorter ones must match as a whole…
SAME_SHORT_TEXT = 0.85  # …with this Jaccard similarity of their word sets
_WORD = re.compile(r"[a-z0-9]+")


def _words(unit: Unit) -> frozenset[str]:
    return frozenset(_WORD.findall(unit.text.lower()))


def same_example(a: Unit, b: Unit, words: dict[str, frozenset[str]] | None = None) -> bool:
    """Whether `a` and `b` are one example (or section) printed in two publications."""
    if a.document_id == b.document_id or isinstance(a, Example) != isinstance(b, Example):
        return False
    if isinstance(a, Example) and isinstance(b, Example) and a.title.lower() == b.title.lower() and a.person == b.person:
        return True
    words = words if words is not None else {}
    wa = words.setdefault(a.id, _words(a))
    wb = words.setdefault(b.id, _words(b))
    if not wa or not wb:
        return False
    if min(len(wa), len(wb)) < MIN_CONTAINED:  # a short section quoted inside a longer one is not a copy of it
        return len(wa & wb) / len(wa | wb) >= SAME_SHORT_TEXT
    shared = len(wa & wb) / min(len(wa), len(wb))
    return shared >= (SAME_TITLE_TEXT if a.title.strip().lower() == b.title.strip().lower() else SAME_TEXT)


def merge_near_duplicates(hits: Sequence[Hit]) -> list[Hit]:
    """`hits` with each near-duplicate folded into the better-ranked hit's `also`, ranks renumbered."""
    kept: list[Hit] = []
    words: dict[str, frozenset[str]] = {}
    for hit in hits:
        twin = next((i for i, k in enumerate(kept) if same_example(k.unit, hit.unit, words)), None)
        if twin is None:
            kept.append(hit)
        else:
            kept[twin] = replace(kept[twin], also=(*kept[twin].also, hit.unit, *hit.also))
    return [replace(h, rank=n) for n, h in enumerate(kept, start=1)]
