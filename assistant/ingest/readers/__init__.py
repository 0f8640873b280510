"""Readers: one per file format, each turning a file's bytes into the one block stream.

`read_blocks(path, raw)` picks the reader by the file's suffix, then marks furniture that
only the words show (navigation lines, licence boilerplate, name notes). Heavy libraries
(pypdf, python-docx) are imported by their reader only when a file of that kind is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import CorpusError
from assistant.ingest.blocks import Block
from assistant.ingest.furniture import mark_furniture
from assistant.ingest.limits import check_limits

# suffix -> (reader module, what it is called in messages)
FORMATS = {
    ".txt": ("text", "plain text"),
    ".md": ("markdown", "Markdown"),
    ".markdown": ("markdown", "Markdown"),
    ".html": ("web", "HTML"),
    ".htm": ("web", "HTML"),
    ".pdf": ("pdf", "PDF"),
    ".docx": ("word", "Word (.docx)"),
}
SUPPORTED_SUFFIXES = tuple(FORMATS)


@dataclass
class Reading:
    """What a reader got from a file: its blocks, and properties the file itself stores.

    `properties` maps a field ("title", "published", "created", "description") to the values
    the file stores for it, each with where it was stored ("Word core properties", "PDF info",
    "XMP", "HTML <title>", "Open Graph", "Dublin Core", …), best first.
    """

    blocks: list[Block]
    properties: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def stored(self, name: str, value: Any, source: str) -> None:
        """Note a property the file stores (empty values are ignored)."""
        text = str(value or "").strip()
        if text:
            self.properties.setdefault(name, []).append((text, source))


def supported_list() -> str:
    return ", ".join(SUPPORTED_SUFFIXES)


def read_blocks(path: Path, raw: bytes) -> Reading:
    """The block stream of one file; a CorpusError (naming the file and what to do) if it cannot be read."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise CorpusError(f"{path.name}: unsupported file type '{suffix or 'none'}'; "
                          f"save it as one of {supported_list()} or remove it")
    check_limits(path, raw)  # a document over a cap is refused before it is parsed
    module_name, _ = FORMATS[suffix]
    if module_name == "text":
        from assistant.ingest.readers import text as reader
    elif module_name == "markdown":
        from assistant.ingest.readers import markdown as reader
    elif module_name == "web":
        from assistant.ingest.readers import web as reader
    elif module_name == "pdf":
        from assistant.ingest.readers import pdf as reader
    else:
        from assistant.ingest.readers import word as reader
    try:
        reading = reader.read(raw)
    except CorpusError as exc:
        reason = str(exc)
        joiner = " " if reason.startswith(("is ", "has ")) else ": "
        raise CorpusError(f"{path.name}{joiner}{reason}") from None
    reading.blocks = mark_furniture(reading.blocks)
    if not any(b.is_content for b in reading.blocks):
        raise CorpusError(f"{path.name} has no readable text; check the file or remove it")
    return reading


def decode_text(raw: bytes) -> str:
    """UTF-8 text (with or without a byte-order mark), or a CorpusError saying how to fix it."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CorpusError("is not UTF-8 text; re-save it as UTF-8 or remove it") from None
    if not text.strip():
        raise CorpusError("is empty; add its text or remove it from the corpus")
    return text
