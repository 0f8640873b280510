"""The one normalised stream every reader produces: headings, paragraphs, list items, tables, furniture.

Readers (one per file format) turn a file into `Block`s; recognisers (one per publication
family) turn blocks into examples and sections. Page furniture and navigation are kept in
the stream, marked as such, so that nothing is silently lost in a reader and recognisers can
see page boundaries, but they never become part of a unit.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

HEADING, PARA, ITEM, TABLE, FURNITURE = "heading", "para", "item", "table", "furniture"


@dataclass(frozen=True)
class Block:
    """One block of a document.

    `kind` is "heading", "para", "item" (a list item), "table" or "furniture" (page
    headers and footers, navigation, contents lists, licence boilerplate). `level` is a
    heading's level (1 is the document title) or a list item's nesting depth. A table keeps
    its `rows` of cells; its `text` is the rows joined with " | ". `role` says what a
    furniture block was ("navigation", "page header", "contents", "licence", "note").
    """

    kind: str
    text: str
    level: int = 0
    rows: tuple[tuple[str, ...], ...] = ()
    role: str = ""

    @property
    def is_content(self) -> bool:
        return self.kind != FURNITURE


def table_block(rows: list[list[str]]) -> Block | None:
    """A table block from rows of cell texts (empty rows dropped), or None when it is empty."""
    kept = tuple(tuple(clean(c) for c in row) for row in rows if any(clean(c) for c in row))
    if not kept:
        return None
    return Block(TABLE, "\n".join(" | ".join(row) for row in kept), rows=kept)


def clean(text: str) -> str:
    """Text with entities decoded, odd spaces normalised and whitespace runs collapsed."""
    text = html.unescape(text).replace("\u00a0", " ").replace("\u200b", "").replace("\u00ad", "")
    return re.sub(r"\s+", " ", text).strip()


def furniture(text: str, role: str) -> Block:
    return Block(FURNITURE, clean(text), role=role)
