"""What one document may cost to read, checked before it is parsed in full.

A 300 KB Word file can expand to 100 MB of text, a small PDF can claim a million objects, and a web
page can be one deep pile of tags; parsing any of them ran for many minutes at gigabytes. Each
format's caps are checked on the raw bytes first, cheaply (a zip's directory, a PDF's page tree and
object count, a count of tags or lines), and a document over one is skipped with one line naming the
cap, so the rest of the corpus is read. Time and memory are capped as well, by parsing in a worker
process (`assistant.ingest.worker`).

The caps are far above any real publication: the largest Inspectorate guide is a few hundred pages,
a few MB of text.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from assistant.errors import CorpusError

MiB = 2**20
WORD_MAX_EXPANDED = 64 * MiB  # all the parts of a .docx together, uncompressed
WORD_MAX_RATIO = 100  # uncompressed to compressed, for any part over WORD_RATIO_FROM
WORD_RATIO_FROM = 1 * MiB
WORD_MAX_PARTS = 2_000
WORD_MAX_ELEMENTS = 200_000  # paragraphs and table cells in the document body
PDF_MAX_PAGES = 2_000
PDF_MAX_OBJECTS = 500_000
HTML_MAX_TAGS = 300_000
TEXT_MAX_LINES = 300_000

_TAG = re.compile(rb"<[A-Za-z!/?]")


def _over(path: Path, what: str, value: str, limit: str, cap: str) -> CorpusError:
    return CorpusError(f"{path.name} {what} {value}, over the limit of {limit} ({cap}); split it or remove it")


def check_limits(path: Path, raw: bytes) -> None:
    """Refuse a document over one of its format's caps, before it is parsed: one CorpusError line naming the cap."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        _check_word(path, raw)
    elif suffix == ".pdf":
        _check_pdf(path, raw)
    elif suffix in (".html", ".htm"):
        tags = len(_TAG.findall(raw))
        if tags > HTML_MAX_TAGS:
            raise _over(path, "has", f"{tags:,} tags", f"{HTML_MAX_TAGS:,}", "HTML tags")
    elif suffix in (".txt", ".md", ".markdown"):
        lines = raw.count(b"\n") + 1
        if lines > TEXT_MAX_LINES:
            raise _over(path, "has", f"{lines:,} lines", f"{TEXT_MAX_LINES:,}", "lines of text")


def _check_word(path: Path, raw: bytes) -> None:
    """A .docx's zip directory (parts, their sizes and compression ratios), then its body's paragraphs and cells,
    counted while decompressing and stopped at the cap."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # not a zip at all: the Word reader says so in its own words
    if len(parts) > WORD_MAX_PARTS:
        raise _over(path, "has", f"{len(parts):,} parts", f"{WORD_MAX_PARTS:,}", "parts in a Word file")
    expanded = sum(part.file_size for part in parts)
    if expanded > WORD_MAX_EXPANDED:
        raise _over(path, "expands to", f"{expanded / MiB:,.0f} MiB", f"{WORD_MAX_EXPANDED // MiB} MiB",
                    "expanded size of a Word file")
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > WORD_RATIO_FROM and ratio > WORD_MAX_RATIO:
            raise _over(path, f"has a part ({part.filename}) compressed", f"{ratio:,.0f} to 1", f"{WORD_MAX_RATIO} to 1",
                        "compression ratio of a Word file")
    body = next((p for p in parts if p.filename == "word/document.xml"), None)
    if body is not None:
        elements = _count_elements(archive, body)
        if elements > WORD_MAX_ELEMENTS:
            raise _over(path, "has", f"over {WORD_MAX_ELEMENTS:,} paragraphs and cells", f"{WORD_MAX_ELEMENTS:,}",
                        "paragraphs and table cells in a Word file")


def _count_elements(archive: zipfile.ZipFile, body: zipfile.ZipInfo) -> int:
    """Paragraphs and table cells in the body, read in pieces (stops counting just past the cap)."""
    count = 0
    carry = b""
    try:
        with archive.open(body) as handle:
            while count <= WORD_MAX_ELEMENTS:
                piece = handle.read(MiB)
                if not piece:
                    break
                text = carry + piece
                count += len(re.findall(rb"<w:(?:p|tc)[ >/]", text))
                carry = text[-8:]
                count -= len(re.findall(rb"<w:(?:p|tc)[ >/]", carry))  # counted again with the next piece
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError):
        return 0  # a damaged part: the Word reader names it
    return count


def _check_pdf(path: Path, raw: bytes) -> None:
    """A PDF's object count (its cross-reference table) and page count, read before any page is parsed."""
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(raw))
        size = reader.trailer.get("/Size")
        objects = int(size) if size is not None else 0
        if objects > PDF_MAX_OBJECTS:
            raise _over(path, "has", f"{objects:,} objects", f"{PDF_MAX_OBJECTS:,}", "objects in a PDF")
        pages = len(reader.pages)
    except CorpusError:
        raise
    except Exception:  # noqa: BLE001 (pypdf raises many kinds): the PDF reader says what is wrong in its own words
        return
    if pages > PDF_MAX_PAGES:
        raise _over(path, "has", f"{pages:,} pages", f"{PDF_MAX_PAGES:,}", "pages in a PDF")
