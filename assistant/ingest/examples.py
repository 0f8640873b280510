"""Building one `Example` from the blocks a recogniser found for it.

Every family's recogniser hands over the same parts: a title, a section, the example's body
blocks and how it was opened. This module reads the body into an introduction, groups of
practice points under their sub-headings, and an outcome (inline "Outcome:", "Outcome" on
its own line, "Outcomes:" before bullets, "Impact:", or a closing "This case
demonstrated…" bullet, whether or not it sits under a sub-heading); reads a label/value
table in the body as the example's fields (`tables.py`); finds the person; tells a case
from an organisational example; and tags it with `facets.tag_example`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from assistant.vocab import tags as facets
from assistant.ingest.blocks import HEADING, ITEM, PARA, TABLE, Block
from assistant.ingest import tables
from assistant.ingest.people import _lookups, find_person
from assistant.ingest.vocabulary import count_terms, is_label, label_in, vocabulary
from assistant.types import Example, Group, Person

FOOTNOTE = re.compile(r"\[\d+\]")


@dataclass
class ExampleParts:
    """What a recogniser found: where the example sits, how it opened, and its body."""

    title: str
    section: str
    body: list[Block]
    opened_as_case: bool  # a case block ("Case summary") or a case marker ("Case study")
    opened_as_organisational: bool = False  # an organisational marker ("Organisational example")


@cache
def _outcome_inline() -> re.Pattern[str]:
    labels = "|".join(re.escape(label) for label in sorted(vocabulary()["labels"]["outcome"], key=len, reverse=True))
    return re.compile(rf"^(?:{labels})\s*[:\-–—]\s*(?P<text>.+)$", re.I)


def is_outcome_label(text: str) -> bool:
    return is_label(text.rstrip(":").strip(), "outcome")


def looks_like_subheading(block: Block) -> bool:
    """A short line without a full stop, such as "Responsive practice:" or "Ongoing review"."""
    if block.kind == HEADING:
        return True
    if block.kind != PARA:
        return False
    text = block.text
    return len(text) <= 80 and not text.endswith((".", "?", "!", ";", ",")) and not _outcome_inline().match(text) \
        and len(text.split()) <= 12


def _expanded(body: list[Block]) -> list[Block]:
    """The body with each example table replaced by its fields (a data table stays a table)."""
    out: list[Block] = []
    for block in body:
        fields = tables.expand(block) if block.kind == TABLE else None
        out.extend(fields if fields is not None else [block])
    return out


def read_body(body: list[Block]) -> tuple[list[str], list[tuple[str, list[str]]], str | None]:
    """(introduction paragraphs, groups of (heading, points), outcome) of an example's body."""
    intro: list[str] = []
    groups: list[tuple[str, list[str]]] = []
    outcome_parts: list[str] = []
    in_outcome = in_intro = False
    for block in _expanded(body):
        if not block.is_content:
            continue
        text = FOOTNOTE.sub("", block.text).strip()
        if not text:
            continue
        if block.role.startswith("field:"):  # a table's field: its label already said what it is
            if block.role == tables.INTRO:
                intro.append(text)
            elif block.role == tables.OUTCOME:
                outcome_parts.append(text)
            elif block.role == tables.GROUP:
                groups.append((text, []))
            else:
                if not groups:
                    groups.append(("", []))
                groups[-1][1].append(text)
            in_outcome = False
            continue
        inline = _outcome_inline().match(text) if block.kind in (PARA, ITEM, HEADING) else None
        if inline and block.kind != ITEM:
            outcome_parts.append(inline.group("text").strip())
            in_outcome = True
        elif block.kind in (PARA, HEADING) and is_outcome_label(text):
            in_outcome = True
        elif block.kind in (PARA, HEADING) and (is_label(text, "case_summary") or label_in(text, "introduction")):
            in_outcome = False  # "Case summary", "The person", "Background": what follows is the introduction
            in_intro = True
        elif looks_like_subheading(block) and block.kind != ITEM:
            in_outcome = in_intro = False
            groups.append((text.rstrip(":").strip(), []))
        elif in_outcome:
            outcome_parts.append(text)
        elif in_intro and block.kind == PARA:
            intro.append(text)
        elif block.kind in (ITEM, TABLE) or groups:
            if not groups:
                groups.append(("", []))
            groups[-1][1].append(text)
        else:
            intro.append(text)
    outcome = " ".join(outcome_parts) if outcome_parts else None
    if outcome is None and groups and groups[-1][1] and is_closing_outcome(groups[-1][1][-1]):
        # "This case demonstrated …" closing the last group is the outcome, under a sub-heading or not
        outcome = groups[-1][1].pop()
        if not groups[-1][1] and not groups[-1][0]:
            groups.pop()
    elif outcome is None and intro and not groups and len(intro) > 1 and is_closing_outcome(intro[-1]):
        outcome = intro.pop()
    return intro, groups, outcome


def is_closing_outcome(text: str) -> bool:
    """Whether a closing point reports the outcome ("This case demonstrated …", "Overall, this case …")."""
    lowered = text.lower()
    return any(lowered.startswith(c.lower()) for c in vocabulary()["labels"]["closing_outcome"])


def is_individual_case(text: str) -> bool:
    """Whether an example with no recognised person reads as one person's case, not a service's work."""
    look = _lookups()
    pronouns = len(look["male_pronouns"].findall(text)) + len(look["female_pronouns"].findall(text))
    individual = count_terms("cases", "individual", text) * 2 + pronouns * 0.5
    organisational = count_terms("cases", "organisational", text)
    return individual > organisational


def build_example(parts: ExampleParts, *, example_id: str, document: str, document_id: str, url: str,
                  order: int, document_year: int | None, document_region: str | None,
                  document_kind: str | None) -> Example:
    intro, groups, outcome = read_body(parts.body)
    person = find_person(intro) or find_person([p for _, points in groups for p in points][:3])
    if person and person.name is None and person.age is None:
        person = None
    intro_text = " ".join(intro)
    whole = " ".join([intro_text, *(p for _, points in groups for p in points), outcome or ""])
    if parts.opened_as_organisational and not parts.opened_as_case:
        kind = "organisational"
    elif person or parts.opened_as_case or is_individual_case(whole):
        kind = "case"
    else:
        kind = "organisational"
    group_objs = tuple(Group(h, tuple(points)) for h, points in groups if points or h)
    lines = list(intro)
    lines.extend(group.text() for group in group_objs)
    if outcome:
        lines.append(f"Outcome: {outcome}")
    tags = facets.tag_example(kind, parts.title, intro_text, group_objs, outcome)
    return Example(
        id=example_id, kind=kind, title=parts.title, document=document, document_id=document_id,
        section=parts.section, person=person, sentence=tags.sentence, needs=tags.needs,
        standards=tags.standards, intro=intro_text, groups=group_objs, outcome=outcome,
        text="\n\n".join(lines), url=url, order=order, document_year=document_year,
        document_region=document_region, document_kind=document_kind,
    )


__all__ = ["ExampleParts", "build_example", "read_body", "looks_like_subheading", "is_outcome_label", "Person"]
