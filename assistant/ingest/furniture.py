"""Marking page furniture the same way for every format: navigation, licence boilerplate, name notes.

Readers mark what their format shows structurally (an HTML <nav>, a PDF's running header);
this pass marks what only the words show, so a "Back to homepage" line is navigation whether
it came from a web page, a Word copy or a PDF.
"""

from __future__ import annotations

import re

from assistant.ingest.blocks import FURNITURE, HEADING, ITEM, PARA, Block
from assistant.ingest.vocabulary import label_key, section_label_set, vocabulary

_BACK_TO_TOP = re.compile(r"\s*[\[(]?\s*Back to top\s*[\])]?\s*$", re.I)


def strip_back_to_top(text: str) -> str:
    """A spotlight heading without its "(Back to top)" link text."""
    return _BACK_TO_TOP.sub("", text).strip()


def has_back_to_top(text: str) -> bool:
    return bool(_BACK_TO_TOP.search(text)) and bool(strip_back_to_top(text))


def navigation_role(text: str) -> str | None:
    """"navigation" when a whole line is site or page navigation, else None."""
    vocab = vocabulary()["navigation"]
    key = label_key(text) if len(text) <= 80 else ""
    if key and key in section_label_set("navigation", "exact"):
        return "navigation"
    if len(text.split()) <= 12 and any(text.lower().startswith(start.lower()) for start in vocab["starts"]):
        return "navigation"
    return None


def boilerplate_role(text: str) -> str | None:
    """"licence" for publication boilerplate, "note" for a names-have-been-changed note, else None."""
    vocab = vocabulary()["furniture"]
    lowered = text.lower()
    if any(lowered.startswith(start.lower()) for start in vocab["licence_starts"]):
        return "licence"
    if len(text.split()) <= 30 and any(note in lowered for note in vocab["name_notes"]):
        # only a line that is the note: a paragraph that also says something else is content
        others = [s for s in re.split(r"(?<=[.!?])\s+", text)
                  if s.strip() and not any(note in s.lower() for note in vocab["name_notes"])]
        return None if others else "note"
    return None


def cookie_role(text: str) -> str | None:
    """"cookie banner" for a notice about the site's cookies, else None."""
    vocab = vocabulary()["furniture"]
    lowered = text.lower()
    if len(text.split()) > 150 or not any(re.search(rf"\b{re.escape(w)}\b", lowered) for w in vocab["cookie_words"]):
        return None
    return "cookie banner" if any(w in lowered for w in vocab["cookie_context"]) else None


def furniture_role(text: str) -> str | None:
    """What a line or an element's whole text is when it is furniture by its words: "cookie banner",
    "licence", "note" or "navigation"; None when the words say nothing."""
    return cookie_role(text) or boilerplate_role(text) or navigation_role(text)


def is_contents_heading(text: str) -> bool:
    return len(text) <= 80 and label_key(text) in section_label_set("navigation", "contents_headings")


def mark_furniture(blocks: list[Block]) -> list[Block]:
    """The blocks with navigation lines, licence boilerplate and name notes marked as furniture.

    A "Contents" heading and the list straight after it are a contents list (navigation).
    """
    marked: list[Block] = []
    in_contents = False
    for block in blocks:
        if block.kind == FURNITURE:
            marked.append(block)
            continue
        if block.kind == HEADING and is_contents_heading(block.text):
            marked.append(Block(FURNITURE, block.text, role="contents"))
            in_contents = True
            continue
        if in_contents and block.kind == ITEM:
            marked.append(Block(FURNITURE, block.text, role="contents"))
            continue
        if in_contents and block.kind == PARA and _looks_like_contents_line(block.text):
            marked.append(Block(FURNITURE, block.text, role="contents"))
            continue
        in_contents = False
        role = None
        if block.kind in (PARA, ITEM, HEADING):
            role = navigation_role(block.text) or boilerplate_role(block.text)
        marked.append(Block(FURNITURE, block.text, role=role) if role else block)
    return marked


_CONTENTS_LINE = re.compile(r"^(?:.{2,120}?)(?:\s*\.{3,}\s*|\s+)(?:\d{1,3}|[ivxlc]{1,6})$", re.I)


def _looks_like_contents_line(text: str) -> bool:
    """"3. The day of release ........ 12" or "Glossary 31": a title and a page number."""
    return bool(_CONTENTS_LINE.match(text)) and len(text.split()) <= 16
