"""Choosing the points an answer shows: the practice that fits, 3–5 points for a scenario question.

A scenario question ("my client has ADHD and keeps missing appointments") gets the practice points
of the closest example whose probability of answering passes the bar, made up to three from those
that pass a lower floor, at most five; a need the question states that no chosen point speaks to
gets the best point that does; another close example adds its own best points only when they
pass the bar themselves. The person's background (an example's opening) and what came of it (its
outcome) are not points unless the question asks about them: the outcome is shown once per
example, as its own line. A question of fact gets the one or two points that hold the fact.

The bars are fitted with the point model (weights.json: "policy"; evals/tools/fit_points.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from assistant.answer.scoring import CANDIDATE_UNITS, Scored
from assistant.question.intent import Intent
from assistant.types import Hit

MAX_FACT_POINTS = 2
FACT_FLOOR = 0.05  # a point holding the fact asked for is shown below the bar, but not below this


@dataclass(frozen=True)
class Policy:
    """How many points, from which examples."""

    bar: float = 0.45  # the probability a point needs to be shown (the best point is always shown)
    floor: float = 0.2  # …or, to make up the minimum, this much
    min_points: int = 3  # a scenario question gets at least this many, when that many pass the floor
    max_points: int = 5
    secondary_bar: float = 0.6  # a point from another example needs this…
    secondary_ratio: float = 0.8  # …and that example's retrieval score this share of the closest one's
    max_secondary: int = 2  # points per other example

    @classmethod
    def from_json(cls, data: dict | None) -> "Policy":
        return cls(**{k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__})


@dataclass
class Choice:
    """What an answer will show: the chosen points in order, the examples listed under "See also"."""

    points: list[Scored] = field(default_factory=list)
    see_also: list[Hit] = field(default_factory=list)


def allowed_point(item: Scored, intent: Intent, background: bool = False) -> bool:
    """An example's opening (who the person is) and its outcome are points only when asked about."""
    passage = item.passage
    if passage.is_intro:
        return background or bool(intent.fact)
    if passage.is_outcome:
        return background or bool(intent.fact)
    return True


def choose_points(scored: list[Scored], hits: Sequence[Hit], intent: Intent, policy: Policy | None = None,
                  stated: frozenset[str] = frozenset(), background: bool = False) -> Choice:
    """The points to show, best first (see the module's docstring). `stated` are the sentence and need
    labels the question states; `background` is True when it asks who the person was or what came of it."""
    if not scored:
        return Choice()
    policy = policy or Policy()
    if intent.fact or intent.definition:
        chosen = _fact_points(scored, policy)
    else:
        chosen = _practice_points(scored, hits, intent, policy, stated, background)
    cited = {c.passage.unit.id for c in chosen}
    see_also = [h for h in hits[:CANDIDATE_UNITS] if h.unit.id not in cited and h.kind == hits[0].kind][:3]
    return Choice(chosen, see_also)


def _fact_points(scored: list[Scored], policy: Policy) -> list[Scored]:
    """The point holding the fact, and one more only if it passes the bar or holds the fact too."""
    chosen = [scored[0]]
    for item in scored[1:]:
        if len(chosen) >= MAX_FACT_POINTS:
            break
        strong_fact = item.kind >= 3.0 and item.score >= FACT_FLOOR
        if item.score >= policy.bar or strong_fact:
            chosen.append(item)
    return chosen


def _practice_points(scored: list[Scored], hits: Sequence[Hit], intent: Intent, policy: Policy,
                     stated: frozenset[str], background: bool) -> list[Scored]:
    usable = [s for s in scored if allowed_point(s, intent, background)] or scored[:1]
    primary = usable[0].passage.unit.id
    mine = [s for s in usable if s.passage.unit.id == primary]
    chosen = [s for s in mine if s.score >= policy.bar][:policy.max_points] or mine[:1]
    for item in mine:
        if len(chosen) >= policy.min_points:
            break
        if item not in chosen and item.score >= policy.floor:
            chosen.append(item)
    chosen = _cover_stated_needs(chosen, usable, policy, stated)
    best_hit = next((h.score for h in hits if h.unit.id == primary), hits[0].score if hits else 0.0)
    per_unit: dict[str, int] = {}
    for item in usable:
        if len(chosen) >= policy.max_points:
            break
        unit_id = item.passage.unit.id
        if unit_id == primary or item in chosen or item.score < policy.secondary_bar:
            continue
        hit = next((h for h in hits if h.unit.id == unit_id), None)
        if hit is None or hit.score < policy.secondary_ratio * best_hit or per_unit.get(unit_id, 0) >= policy.max_secondary:
            continue
        chosen.append(item)
        per_unit[unit_id] = per_unit.get(unit_id, 0) + 1
    return chosen


def _cover_stated_needs(chosen: list[Scored], usable: list[Scored], policy: Policy,
                        stated: frozenset[str]) -> list[Scored]:
    """For each need or sentence the question states that no chosen point speaks to, the best point that does."""
    said = frozenset().union(*(s.labels for s in chosen)) if chosen else frozenset()
    for label in sorted(stated - said):
        if len(chosen) >= policy.max_points:
            break
        item = next((s for s in usable if label in s.labels and s not in chosen and s.score >= policy.floor), None)
        if item is not None:
            chosen.append(item)
            said |= item.labels
    return chosen
