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
    reader = _Reader()
    for raw in text.splitlines():
        reader.feed(raw.rstrip())
    reader.flush_all()
    return [b for b in reader.blocks if b.text]


class _Reader:
    """Markdown line by line: the open paragraph, list item and table, flushed into blocks as they end."""

    def __init__(self):
        self.blocks: list[Block] = []
        self.paragraph: list[str] = []
        self.table: list[list[str]] = []
        self.item: dict | None = None  # the open list item: {"level", "lines", "indent", "blank"}
        self.in_fence = False

    def flush_paragraph(self) -> None:
        if self.paragraph:
            self.blocks.append(Block(PARA, inline(" ".join(self.paragraph))))
            self.paragraph.clear()

    def flush_item(self) -> None:
        if self.item:
            self.blocks.append(Block(ITEM, inline(" ".join(self.item["lines"])), self.item["level"]))
            self.item = None

    def flush_table(self) -> None:
        if self.table:
            block = table_block([[inline(cell) for cell in row] for row in self.table])
            if block:
                self.blocks.append(block)
            self.table.clear()

    def flush_all(self) -> None:
        self.flush_paragraph()
        self.flush_item()
        self.flush_table()

    def feed(self, line: str) -> None:
        if _FENCE.match(line):
            self.flush_all()
            self.in_fence = not self.in_fence
            return
        if self.in_fence:
            if line.strip():
                self.blocks.append(Block(PARA, clean(line)))
            return
        stripped = line.strip()
        if not stripped:
            self.flush_paragraph()
            self.flush_table()
            if self.item:
                self.item["blank"] = True
            return
        if self._heading(line) or self._table_row(stripped):
            return
        self.flush_table()
        if self._list_item(line, stripped):
            return
        if stripped.startswith(">"):
            stripped = stripped.lstrip("> ").strip()
        self.paragraph.append(stripped)

    def _heading(self, line: str) -> bool:
        """A setext or ATX heading, or a rule: True when the line was one."""
        setext = _SETEXT.match(line)
        if setext and self.paragraph and not self.item:
            title = inline(" ".join(self.paragraph))
            self.paragraph.clear()
            self.blocks.append(Block(HEADING, strip_back_to_top(title), 1 if setext.group(1)[0] == "=" else 2))
            return True
        if _RULE.match(line):
            self.flush_all()
            return True
        atx = _ATX.match(line)
        if atx:
            self.flush_all()
            title = strip_back_to_top(inline(atx.group(2)))
            if title:
                self.blocks.append(Block(HEADING, title, len(atx.group(1))))
            return True
        return False

    def _table_row(self, stripped: str) -> bool:
        if not stripped.startswith("|"):
            return False
        self.flush_paragraph()
        self.flush_item()
        if not _TABLE_SEPARATOR.match(stripped):
            self.table.append([cell.strip() for cell in stripped.strip("|").split("|")])
        return True

    def _list_item(self, line: str, stripped: str) -> bool:
        """A new list item, or a line continuing the open one: True when the line was taken."""
        bullet = _ITEM.match(line)
        if bullet:
            self.flush_paragraph()
            self.flush_item()
            indent = len(bullet.group("indent").replace("\t", "    "))
            self.item = {"level": 1 + indent // 2 if indent < 8 else 1 + indent // 4, "lines": [bullet.group("text")],
                         "indent": indent, "blank": False}
            return True
        if self.item is not None:
            indent = len(line) - len(line.lstrip())
            if indent > self.item["indent"] or not self.item["blank"]:
                self.item["lines"].append(stripped)
                self.item["blank"] = False
                return True
            self.flush_item()
        return False


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
