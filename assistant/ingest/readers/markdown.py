"""Markdown: ATX (#) and setext (underlined) headings, nested lists, wrapped lines, pipe tables.

Links keep their words, images and HTML comments are dropped, emphasis marks are removed.
A paragraph's wrapped lines are joined; a list item's continuation lines (indented, or
carrying straight on) join the item.
"""

from __future__ import annotations

import re

from assistant.ingest.blocks import HEADING, ITEM, PARA, Block, clean, table_block
from assistant.ingest.furniture import strip_back_to_top
from assistant.ingest.readers import Reading, decode_text

_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_RULE = re.compile(r"^\s{0,3}(?:[-*_]\s*){3,}$")
_ITEM = re.compile(r"^(?P<indent>\s*)(?:[-*+•]|\d{1,3}[.)])\s+(?P<text>.*)$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def read(raw: bytes) -> Reading:
    text = decode_text(raw)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    return Reading(blocks_from_markdown(text))


def blocks_from_markdown(text: str) -> list[Block]:
    blocks: list[Block] = []
    paragraph: list[str] = []
    table: list[list[str]] = []
    item: dict | None = None  # the open list item: {"level", "lines", "indent"}
    in_fence = False

    def flush_paragraph() -> None:
        if paragraph:
            blocks.append(Block(PARA, inline(" ".join(paragraph))))
            paragraph.clear()

    def flush_item() -> None:
        nonlocal item
        if item:
            blocks.append(Block(ITEM, inline(" ".join(item["lines"])), item["level"]))
            item = None

    def flush_table() -> None:
        if table:
            block = table_block([[inline(cell) for cell in row] for row in table])
            if block:
                blocks.append(block)
            table.clear()

    def flush_all() -> None:
        flush_paragraph()
        flush_item()
        flush_table()

    for raw in text.splitlines():
        line = raw.rstrip()
        if _FENCE.match(line):
            flush_all()
            in_fence = not in_fence
            continue
        if in_fence:
            if line.strip():
                blocks.append(Block(PARA, clean(line)))
            continue
        stripped = line.strip()
        if not stripped:
            flush_paragraph()
            flush_table()
            if item:
                item["blank"] = True
            continue
        setext = _SETEXT.match(line)
        if setext and paragraph and not item:
            title = inline(" ".join(paragraph))
            paragraph.clear()
            blocks.append(Block(HEADING, strip_back_to_top(title), 1 if setext.group(1)[0] == "=" else 2))
            continue
        if _RULE.match(line):
            flush_all()
            continue
        atx = _ATX.match(line)
        if atx:
            flush_all()
            title = strip_back_to_top(inline(atx.group(2)))
            if title:
                blocks.append(Block(HEADING, title, len(atx.group(1))))
            continue
        if stripped.startswith("|"):
            flush_paragraph()
            flush_item()
            if not _TABLE_SEPARATOR.match(stripped):
                table.append([cell.strip() for cell in stripped.strip("|").split("|")])
            continue
        flush_table()
        bullet = _ITEM.match(line)
        if bullet:
            flush_paragraph()
            flush_item()
            indent = len(bullet.group("indent").replace("\t", "    "))
            item = {"level": 1 + indent // 2 if indent < 8 else 1 + indent // 4, "lines": [bullet.group("text")],
                    "indent": indent, "blank": False}
            continue
        if item is not None:
            indent = len(line) - len(line.lstrip())
            if indent > item["indent"] or not item["blank"]:
                item["lines"].append(stripped)
                item["blank"] = False
                continue
            flush_item()
        if stripped.startswith(">"):
            stripped = stripped.lstrip("> ").strip()
        paragraph.append(stripped)
    flush_all()
    return [b for b in blocks if b.text]


def inline(text: str) -> str:
    """Markdown inline markup removed: links keep their words, images go, emphasis and escapes go."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\[[^\]]*\]", r"\1", text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    text = re.sub(r"</?[a-zA-Z][^>]*>", "", text)
    for mark in ("**", "__", "*", "_", "`"):
        escaped = re.escape(mark)
        boundary = r"(?<![\w])" if mark in ("_", "__") else ""
        end = r"(?![\w])" if mark in ("_", "__") else ""
        text = re.sub(f"{boundary}{escaped}(?=\\S)(.+?)(?<=\\S){escaped}{end}", r"\1", text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|>])", r"\1", text)
    return clean(text)
