"""The lead: one line naming the closest example(s) and why they fit, built only from their fields.

    Closest: Emily, 28, on a suspended sentence order with unpaid work; pregnancy — like your case: pregnancy.

It says nothing the example's fields (person, sentence and requirements, needs, theme) do not
hold: the person's name and age as parsed, the sentence and needs as tagged, and "like your
case" only for what the question states and the example is tagged with.
"""

from __future__ import annotations

from typing import Sequence

from assistant.question.facets import QueryFacets
from assistant.types import Citation, Example, Section, Unit, publication
from assistant.vocab.tags import ARRANGEMENTS

MAX_LISTED = 3  # sentence labels, and needs, named per example


def _joined(words: Sequence[str]) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1] if words else ""


def _article(label: str) -> str:
    if label.isupper() or label[:1].isupper():  # RAR, MAPPA, Thinking Skills Programme
        return label
    return ("an " if label[:1] in "aeiou" else "a ") + label


def describe(example: Example, facets: QueryFacets | None = None) -> str:
    """"Emily, 28, on a suspended sentence order with unpaid work; pregnancy" from the example's fields."""
    if example.kind != "case" or example.person is None:
        return f"{example.title} (an organisational example, {example.section})"
    person = example.person
    parts = [person.name or "A person"]
    if person.age is not None:
        parts.append(str(person.age))
    text = ", ".join(parts)
    sentence = [label for label in example.sentence if label not in ARRANGEMENTS][:MAX_LISTED]
    if sentence:
        first, rest = sentence[0], sentence[1:]
        text += ", on " + ("licence" if first == "licence" else _article(first))
        if rest:
            text += " with " + _joined(rest)
    wanted = set(facets.needs) if facets else set()
    needs = [n for n in example.needs if n in wanted] + [n for n in example.needs if n not in wanted]
    if needs:
        text += "; " + ", ".join(needs[:MAX_LISTED])
    return text


def shared(example: Example, facets: QueryFacets) -> list[str]:
    """What the question states that the example is tagged with (or, for age and gender, whose person is)."""
    same = []
    person = example.person
    if person is not None and person.gender and facets.gender == person.gender:
        same.append("a man" if person.gender == "male" else "a woman")
    if person is not None and person.age is not None and (facets.age is not None or facets.age_range):
        low, high = facets.age_range or (facets.age, facets.age)
        if low - 1 <= person.age <= high + 1:
            same.append(f"aged {person.age}")
    same += [label for label in sorted(facets.sentence | facets.needs) if label in example.sentence or label in example.needs]
    return same


def _unit_line(unit: Unit, facets: QueryFacets | None) -> str:
    if isinstance(unit, Example):
        line = describe(unit, facets)
        like = shared(unit, facets) if facets and not facets.is_empty() and unit.kind == "case" else []
        return line + (f" — like your case: {', '.join(like)}" if like else "")
    section = unit if isinstance(unit, Section) else None
    where = " › ".join(dict.fromkeys([*section.path, section.title])) if section else unit.title
    return f"{where} ({publication(unit)})"


def lead_line(citations: Sequence[Citation], facets: QueryFacets | None = None) -> str:
    """"Closest: …" for the first cited example, "Also: …" for the next; "From: …" for a section."""
    if not citations:
        return ""
    first = citations[0].unit
    opening = "Closest" if isinstance(first, Example) else "From"
    lines = [f"{opening}: {_unit_line(first, facets)}."]
    if len(citations) > 1:
        lines.append("Also: " + "; ".join(_unit_line(c.unit, facets) for c in citations[1:3]) + ".")
    return " ".join(lines)


def fact_lead(citations: Sequence[Citation]) -> str:
    """For a question of fact, where the fact comes from, with the names it needs: "From: Newcastle PDU's
    approach to … (Partnerships; Effective Practice Spotlight … (2025))"."""
    if not citations:
        return ""
    unit = citations[0].unit
    if isinstance(unit, Example):
        return f"From: {unit.title} ({'; '.join(p for p in (unit.section, publication(unit)) if p)})."
    return f"From: {_unit_line(unit, None)}."
