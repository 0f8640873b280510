"""The one normalised stream every reader produces: headings, paragraphs, list items, tables, furniture.

Readers (one per file format) turn a file into `Block`s; recognisers (one per publication
family) turn blocks into examples and sections. Page furniture and navigation are kept in
the stream, marked as such with the reason they are furniture, so that nothing is silently
lost in a reader and the accounting (`accounting.py`) can say where every character went.

Two kinds of grouping travel with the blocks:

- a table keeps its rows of cells; a cell keeps its own paragraphs and list items, one per
  line, list items starting with "• " (so a recogniser can read a cell's bullets as points);
- blocks inside one callout box (an HTML aside, figure or details, a Word text box or
  one-cell table, a shaded or framed box in a PDF) share a `box` number, so a recogniser can
  tell where the box starts and ends, whatever element drew it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

HEADING, PARA, ITEM, TABLE, FURNITURE = "heading", "para", "item", "table", "furniture"
CELL_ITEM = "• "  # how a list item inside a table cell starts its line
CAPTION = "caption"  # the role of a content block that captions its box (figcaption, summary, caption)


@dataclass(frozen=True)
class Block:
    """One block of a document.

    `kind` is "heading", "para", "item" (a list item), "table" or "furniture" (page
    headers and footers, navigation, contents lists, licence boilerplate). `level` is a
    heading's level (1 is the document title) or a list item's nesting depth. A table keeps
    its `rows` of cells; its `text` is the rows joined with " | ". `role` says what a
    furniture block was ("navigation", "page header", "contents", "licence", "note",
    "cookie banner", …); on a content block it may be "caption". `box` is the number of the
    callout box the block sits in (0: none).
    """

    kind: str
    text: str
    level: int = 0
    rows: tuple[tuple[str, ...], ...] = ()
    role: str = ""
    box: int = 0

    @property
    def is_content(self) -> bool:
        return self.kind != FURNITURE


def table_block(rows: list[list[str]], box: int = 0) -> Block | None:
    """A table block from rows of cell texts (empty rows dropped), or None when it is empty.

    A cell's text may hold several lines (its paragraphs and "• " list items); they are kept.
    """
    kept = tuple(tuple(clean_cell(c) for c in row) for row in rows if any(clean_cell(c) for c in row))
    if not kept:
        return None
    return Block(TABLE, table_text(kept), rows=kept, box=box)


def table_text(rows: tuple[tuple[str, ...], ...]) -> str:
    """A table as text: one line per row, cells joined with " | " (a cell's own lines joined by spaces)."""
    return "\n".join(" | ".join(cell.replace("\n", " ") for cell in row) for row in rows)


def clean(text: str) -> str:
    """Text with entities decoded, odd spaces normalised and whitespace runs collapsed."""
    text = html.unescape(text).replace("\u00a0", " ").replace("\u200b", "").replace("\u00ad", "")
    return re.sub(r"\s+", " ", text).strip()


def clean_cell(text: str) -> str:
    """A table cell's text: each of its lines cleaned, empty lines dropped, lines kept apart."""
    return "\n".join(line for line in (clean(part) for part in str(text).split("\n")) if line)


def cell_lines(cell: str) -> list[tuple[str, str]]:
    """A cell's lines as (kind, text): list items ("• …") as ITEM, everything else as PARA."""
    out = []
    for line in cell.split("\n"):
        if line.startswith(CELL_ITEM):
            out.append((ITEM, line[len(CELL_ITEM):].strip()))
        elif line.strip():
            out.append((PARA, line.strip()))
    return out


def furniture(text: str, role: str) -> Block:
    return Block(FURNITURE, clean(text), role=role)
