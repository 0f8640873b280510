"""Plain text, as copied or saved from a web page: one paragraph or list item per line.

Headings are the lines a spotlight marks "(Back to top)" and lines underlined with === or
---. Lines that were hard-wrapped (a copy from a PDF or an e-mail) are joined back into
their paragraph: a line that starts in lower case continues the one before it, and in a
file whose lines all stop near one width, every line continues until a blank line.
"""

from __future__ import annotations

import re

from assistant.ingest.blocks import HEADING, ITEM, PARA, Block, clean
from assistant.ingest.furniture import has_back_to_top, strip_back_to_top
from assistant.ingest.readers import Reading, decode_text

BULLET = re.compile(r"^(?:[•●▪◦·‣∙*\-–—]|\d{1,2}[.)]|[a-z][.)])\s+(?P<text>.+)$")
_UNDERLINE = re.compile(r"^(=+|-+)\s*$")


def read(raw: bytes) -> Reading:
    return Reading(blocks_from_text(decode_text(raw)))


def blocks_from_text(text: str) -> list[Block]:
    lines = [raw.rstrip() for raw in text.splitlines()]
    wrapped = _hard_wrapped(lines)
    blocks: list[Block] = []
    previous_blank = True
    for number, raw in enumerate(lines):
        line = clean(raw)
        if not line:
            previous_blank = True
            continue
        underline = _UNDERLINE.match(line)
        if underline and blocks and blocks[-1].kind == PARA and not previous_blank and len(line) >= 3:
            blocks[-1] = Block(HEADING, blocks[-1].text, 1 if underline.group(1)[0] == "=" else 2)
            previous_blank = False
            continue
        if has_back_to_top(line):
            blocks.append(Block(HEADING, strip_back_to_top(line), 2))
        elif bullet := BULLET.match(line):
            indent = len(raw) - len(raw.lstrip())
            blocks.append(Block(ITEM, bullet.group("text"), 1 + indent // 4 if indent >= 4 else 1))
        elif blocks and not previous_blank and _continues(blocks[-1], line, raw, wrapped):
            blocks[-1] = Block(blocks[-1].kind, blocks[-1].text + " " + line, blocks[-1].level)
        else:
            blocks.append(Block(PARA, line))
        previous_blank = False
    return blocks


def _continues(previous: Block, line: str, raw: str, wrapped: bool) -> bool:
    """Whether `line` carries on the paragraph or list item before it (no blank line between)."""
    if previous.kind not in (PARA, ITEM):
        return False
    if line[:1].islower():
        return True
    if previous.kind == ITEM and raw[:1] in " \t":
        return True
    return wrapped and not previous.text.endswith(":") and len(previous.text) >= 40


def _hard_wrapped(lines: list[str]) -> bool:
    """Whether the file's lines were wrapped at a fixed width (most long lines end near one length)."""
    lengths = [len(line.strip()) for line in lines if line.strip()]
    if len(lengths) < 8:
        return False
    longest = sorted(lengths)[int(len(lengths) * 0.95) - 1]
    if longest > 110:
        return False
    near = [n for n in lengths if n >= longest - 20]
    return len(near) >= len(lengths) * 0.4
