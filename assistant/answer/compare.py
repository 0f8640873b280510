"""A comparison of examples, side by side: their fields, what the practitioner did, what came of it.

"Compare the two examples about ADHD" or "how did the approach with the pregnant woman differ
from the veteran's" names two things (or one topic two examples share). Each is matched to the
case example its own search puts first (a different one for each), and the table is built from
their structured fields only: the person, the sentence and requirements, the needs, the theme
and where it was published, then each example's best practice points for the question and the
first sentence of its outcome, quoted. Nothing in a cell is said that the example does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from assistant.index.passages import Passage, passages_of
from assistant.retrieve import Ranking
from assistant.types import Example, Hit, publication

PRACTICE_POINTS = 3  # per example, in its column
DID = "What the practitioner did"
CAME_OF_IT = "What came of it"


@dataclass(frozen=True)
class Part:
    """One thing a question names (an item to compare, or one ask of a question with several parts)
    and the ranking its own search gave."""

    text: str
    ranking: Ranking


def compared_examples(parts: Sequence[Part], limit: int = 3) -> list[tuple[Hit, Part]]:
    """The case examples to compare, each with the search that found it: the best for each item named
    (a different one each), or, for one topic ("the two examples about ADHD"), its two best."""
    cases = [[h for h in p.ranking.hits if isinstance(h.unit, Example)] for p in parts]
    if len(parts) == 1:
        return [(h, parts[0]) for h in cases[0][:2]]
    chosen: list[tuple[Hit, Part]] = []
    for part, hits in zip(parts, cases):
        taken = {hit.unit.id for hit, _ in chosen}
        hit = next((h for h in hits if h.unit.id not in taken), None)
        if hit is not None:
            chosen.append((hit, part))
    return chosen[:limit]


def _person(example: Example) -> str:
    person = example.person
    if person is None:
        return "an organisational example" if example.kind == "organisational" else "—"
    words = [person.name or "not named"]
    if person.age is not None:
        words.append(str(person.age))
    if person.gender:
        words.append("man" if person.gender == "male" else "woman")
    return ", ".join(words)


def outcome_passage(example: Example) -> Passage | None:
    """The first sentence of what came of the case, as a quotable passage."""
    return next((p for p in passages_of(example) if p.is_outcome), None)


def table(examples: Sequence[Example], practice: Sequence[Sequence[str]]) -> tuple[tuple[str, ...], ...]:
    """The header row, then one row per field; `practice[i]` are the point texts shown for example i
    (a cell's lines are separated by newlines, and each line is quoted from the example)."""
    header = ("", *(f"[{n}] {e.title}" for n, e in enumerate(examples, start=1)))
    rows = [header,
            ("Person", *(_person(e) for e in examples)),
            ("Sentence", *(", ".join(e.sentence) or "—" for e in examples)),
            ("Needs", *(", ".join(e.needs) or "—" for e in examples)),
            ("Theme", *(e.section or "—" for e in examples)),
            ("Published in", *(publication(e) for e in examples)),
            (DID, *("\n".join(points) or "—" for points in practice))]
    outcomes = [outcome_passage(e) for e in examples]
    if any(outcomes):
        rows.append((CAME_OF_IT, *((o.text if o else "—") for o in outcomes)))
    return tuple(row for row in rows if any(cell != "—" for cell in row[1:]))
