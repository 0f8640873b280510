"""Word documents (.docx, python-docx): heading styles give levels, list paragraphs are items,
tables keep their rows, in the order they appear in the document body."""

from __future__ import annotations

import io
import re
import zipfile

from assistant.errors import CorpusError
from assistant.ingest.blocks import HEADING, ITEM, PARA, Block, clean, table_block
from assistant.ingest.furniture import has_back_to_top, strip_back_to_top
from assistant.ingest.readers import Reading

_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.I)


def read(raw: bytes) -> Reading:
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(raw))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise CorpusError(f"the Word file cannot be read ({exc}); re-save it as .docx or save it as .txt") from None
    except Exception as exc:  # python-docx raises its own errors for damaged packages
        raise CorpusError(f"the Word file cannot be read ({type(exc).__name__}); re-save it as .docx") from None

    body = document.element.body
    has_title = any(_style(Paragraph(p, document)) == "title" for p in body.iterchildren(docx.oxml.ns.qn("w:p")))
    blocks: list[Block] = []
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            block = _paragraph_block(Paragraph(child, document), has_title)
            if block:
                blocks.append(block)
        elif tag == "tbl":
            table = Table(child, document)
            rows = []
            for row in table.rows:
                cells: list[str] = []
                for cell in row.cells:
                    text = clean(cell.text)
                    if not cells or text != cells[-1]:  # merged cells repeat their text
                        cells.append(text)
                rows.append(cells)
            block = table_block(rows)
            if block:
                blocks.append(block)
    properties = {}
    core = document.core_properties
    if core.title:
        properties["title"] = clean(core.title)
    if core.created:
        properties["date"] = core.created.date().isoformat()
    return Reading(blocks, properties)


def _style(paragraph) -> str:
    try:
        return (paragraph.style.name or "").strip().lower() if paragraph.style is not None else ""
    except (KeyError, AttributeError):
        return ""


def _paragraph_block(paragraph, has_title: bool) -> Block | None:
    text = clean(paragraph.text)
    if not text:
        return None
    style = _style(paragraph)
    if style == "title":
        return Block(HEADING, strip_back_to_top(text), 1)
    heading = _HEADING_STYLE.match(style)
    if heading:
        return Block(HEADING, strip_back_to_top(text), int(heading.group(1)) + (1 if has_title else 0))
    if has_back_to_top(text):
        return Block(HEADING, strip_back_to_top(text), 2)
    numbering = paragraph._p.pPr.numPr if paragraph._p.pPr is not None else None
    if "list" in style or numbering is not None:
        level = 1
        if numbering is not None and numbering.ilvl is not None and numbering.ilvl.val is not None:
            level = int(numbering.ilvl.val) + 1
        return Block(ITEM, text, level)
    return Block(PARA, text)
