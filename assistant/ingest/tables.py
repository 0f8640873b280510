"""Tables read as structure: label/value tables as example fields, data tables left as tables.

Publications lay case studies out as tables in two ways:

- a **label column beside a text column** ("The person" | "Zoë, 24, …"; "What the
  practitioner did" | bullets; "Outcome" | …), often titled in a merged first row;
- a **header row** over one or more rows of values ("Person | What was done | Outcome").

`read_table` turns such a table into one `TableExample` per case: its title (from a merged
first row or a title label; otherwise the caller takes the heading just before the table)
and its fields as blocks — the introduction as paragraphs, each practice label as a
sub-heading with its cell's paragraphs and list items, the outcome after an "Outcome" label
— which the example builder reads like any other example's body. A table of numbers,
ratings or short entries (a data table) is not an example: it stays a table in its section,
with its cells intact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.ingest.blocks import HEADING, ITEM, TABLE, Block, cell_lines
from assistant.ingest.vocabulary import label_in

LABEL_MAX_WORDS = 8
EXAMPLE_MIN_WORDS = 30  # a table with fewer words of values is a data table


@dataclass(frozen=True)
class TableExample:
    """One case read from a table: its own title (or None) and its fields as body blocks."""

    title: str | None
    body: tuple[Block, ...]
    marker: str | None = None  # the example marker its title row carried ("Case study 3: …"), if any


def _is_label(cell: str) -> bool:
    text = cell.strip()
    if not text or "\n" in text or len(text) > 60 or len(text.split()) > LABEL_MAX_WORDS:
        return False
    if re.fullmatch(r"[\d.,%£$€\-–—/()\s]+", text):
        return False  # a number is a value, never a label
    return not text.rstrip(":").endswith((".", ";", ","))


def _words(cells: list[str]) -> int:
    return sum(len(c.split()) for c in cells)


def _title_row(rows: list[tuple[str, ...]]) -> tuple[str | None, list[tuple[str, ...]]]:
    """A merged first row (one non-empty cell, title-like) is the table's title."""
    if len(rows) < 2:
        return None, rows
    first = [c for c in rows[0] if c.strip()]
    if len(first) == 1 and len(set(rows[0]) - {""}) == 1:
        text = first[0].replace("\n", " ").strip()
        if len(text.split()) <= 30 and not text.endswith((".", "?", "!", ";")) and not _field_label(text):
            return text, rows[1:]
    return None, rows


def _field_label(text: str) -> str | None:
    """What a label cell names: "title", "introduction", "outcome", or None for any other label."""
    if label_in(text, "title"):
        return "title"
    if label_in(text, "outcome"):
        return "outcome"
    if label_in(text, "introduction", "case_summary"):
        return "introduction"
    return None


# roles that tell the example builder what a field block is, so a short line is never mistaken
INTRO, POINT, GROUP, OUTCOME = "field:intro", "field:point", "field:group", "field:outcome"


def _fields_to_blocks(fields: list[tuple[str, str]]) -> tuple[str | None, tuple[Block, ...]]:
    """(title, body blocks) from (label, value) pairs, each block's role saying which field it is."""
    title = None
    intro: list[Block] = []
    groups: list[Block] = []
    outcome: list[Block] = []
    for label, value in fields:
        lines = cell_lines(value)
        if not lines:
            continue
        role = _field_label(label)
        if role is None and title is None and _is_marker(label):
            role = "title"  # "Case study 3" | "Its title"
        if role == "title" and title is None:
            title = " ".join(text for _, text in lines)
        elif role == "introduction":
            intro.extend(Block(kind, text, 1 if kind == ITEM else 0, role=INTRO) for kind, text in lines)
        elif role == "outcome":
            outcome.extend(Block(kind, text, 1 if kind == ITEM else 0, role=OUTCOME) for kind, text in lines)
        else:
            groups.append(Block(HEADING, label.strip().rstrip(":").strip(), 9, role=GROUP))
            groups.extend(Block(kind, text, 1 if kind == ITEM else 0, role=POINT) for kind, text in lines)
    return title, tuple(b for b in [*intro, *groups, *outcome] if b.text)


def _is_marker(label: str) -> bool:
    from assistant.ingest.markers import match_marker

    found = match_marker(label, heading=True)
    return found is not None and not found.title


def _has_example_fields(fields: list[tuple[str, str]]) -> bool:
    """Whether label/value pairs read as a case study: enough words, and a field an example has."""
    from assistant.ingest.people import find_person

    values = [v for _, v in fields]
    if _words(values) < EXAMPLE_MIN_WORDS:
        return False
    roles = {_field_label(label) for label, _ in fields}
    if "outcome" in roles or "introduction" in roles:
        return True
    paragraphs = [text for value in values for _, text in cell_lines(value)]
    return find_person(paragraphs) is not None


def read_table(block: Block) -> list[TableExample] | None:
    """The examples a table lays out, or None when it is a data table (or not a table)."""
    from assistant.ingest.markers import marker_title

    if block.kind != TABLE:
        return None
    rows = [tuple(c for c in row) for row in block.rows]
    title, rows = _title_row(rows)
    marker = None
    if title:
        found = marker_title(title)
        if found is not None:
            marker, own = found
            title = own or None
    if not rows:
        return None
    widths = {len(row) for row in rows}
    # a label column beside a text column (a third column may continue the text)
    if widths <= {2, 3} and all(_is_label(row[0]) for row in rows) and len(rows) >= 2:
        fields = [(row[0], "\n".join(c for c in row[1:] if c)) for row in rows]
        if _has_example_fields(fields):
            own_title, body = _fields_to_blocks(fields)
            return [TableExample(title or own_title, body, marker)]
    # a header row of labels over rows of values: one example per row
    header, values = rows[0], rows[1:]
    if values and len(header) >= 2 and all(_is_label(c) for c in header if c) and \
            all(len(row) == len(header) for row in values):
        examples = []
        for row in values:
            fields = list(zip(header, row))
            if not _has_example_fields(fields):
                return None
            own_title, body = _fields_to_blocks(fields)
            examples.append(TableExample(own_title if len(values) > 1 else (title or own_title), body, marker))
        return examples
    return None


def expand(block: Block) -> list[Block] | None:
    """An example table's body blocks (its fields), for an example whose body holds the table."""
    examples = read_table(block)
    if not examples or len(examples) != 1:
        return None
    return list(examples[0].body)
