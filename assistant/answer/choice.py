"""Choosing the points an answer shows: those whose probability of answering passes the bar, the best first."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence


from assistant.question.intent import Intent
from assistant.types import Hit
from assistant.answer.scoring import CANDIDATE_UNITS, Scored


# Point selection, calibrated on the hand-labelled key passages of the gold set (docs/evaluation.md).
POINT_BAR = 0.6  # the probability a point needs to be shown (the best point is always shown)
SECONDARY_BAR = 0.6  # …and a point from an example other than the best one's
MAX_POINTS = 6
MAX_SECONDARY_POINTS = 2  # per other example
MAX_FACT_POINTS = 2
FACT_FLOOR = 0.05  # a point holding the fact asked for is shown below POINT_BAR, but not below this


@dataclass
class Choice:
    """What an answer will show: the chosen points in order, the examples listed under "See also"."""

    points: list[Scored] = field(default_factory=list)
    see_also: list[Hit] = field(default_factory=list)


def choose_points(scored: list[Scored], hits: Sequence[Hit], intent: Intent) -> Choice:
    """The points that pass the bar (at most 6), the best first; another example only when its own points pass."""
    if not scored:
        return Choice()
    primary = scored[0].passage.unit.id
    limit = MAX_FACT_POINTS if intent.fact else MAX_POINTS
    chosen: list[Scored] = [scored[0]]
    per_unit: dict[str, int] = {primary: 1}
    outcome_used: set[str] = {primary} if scored[0].passage.is_outcome else set()
    for item in scored[1:]:
        if len(chosen) >= limit:
            break
        unit_id = item.passage.unit.id
        is_primary = unit_id == primary
        # states the number of the thing counted, or spells out the term, and the ranking agrees a little
        strong_fact = item.kind >= 3.0 and item.score >= FACT_FLOOR
        if item.score < (POINT_BAR if is_primary else SECONDARY_BAR) and not strong_fact:
            continue
        if not is_primary and per_unit.get(unit_id, 0) >= MAX_SECONDARY_POINTS:
            continue
        if item.passage.is_outcome and unit_id in outcome_used:
            continue
        chosen.append(item)
        per_unit[unit_id] = per_unit.get(unit_id, 0) + 1
        if item.passage.is_outcome:
            outcome_used.add(unit_id)
    cited = {c.passage.unit.id for c in chosen}
    see_also = [h for h in hits[:CANDIDATE_UNITS] if h.unit.id not in cited and h.kind == hits[0].kind][:3]
    return Choice(chosen, see_also)
