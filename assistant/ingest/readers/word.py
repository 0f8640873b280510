"""Word documents (.docx, python-docx), in the order their parts appear in the document body.

- Heading styles give levels ("Title" is level 1); list paragraphs (a list style or
  numbering) are items.
- Tables keep their rows of cells; a merged cell is one cell (not repeated); a cell keeps its
  own paragraphs and list items as lines ("• " for an item), and a table nested in a cell is
  kept as lines of its rows.
- Callout boxes are read, not lost: a text box (drawn shape) and a one-column table holding
  prose become a box of paragraphs and items.
- Content controls (a cover page's fields, a styled block) are read like the body; a table of
  contents (its "TOC" styles) is contents furniture.
- The document's core properties are kept: title, subject and keywords, and the created date.
"""

from __future__ import annotations

import io
import re
import zipfile

from assistant.errors import CorpusError
from assistant.ingest.blocks import CELL_ITEM, FURNITURE, HEADING, ITEM, PARA, Block, clean, clean_cell, table_block
from assistant.ingest.furniture import has_back_to_top, strip_back_to_top
from assistant.ingest.readers import Reading

_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.I)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def read(raw: bytes) -> Reading:
    try:
        import docx

        document = docx.Document(io.BytesIO(raw))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise CorpusError(f"the Word file cannot be read ({exc}); re-save it as .docx or save it as .txt") from None
    except Exception as exc:  # python-docx raises its own errors for damaged packages
        raise CorpusError(f"the Word file cannot be read ({type(exc).__name__}); re-save it as .docx") from None

    reader = _Reader(document)
    reader.container(document.element.body)
    reading = Reading(reader.blocks)
    core = document.core_properties
    reading.stored("title", clean(core.title or ""), "the Word file's core properties (title)")
    if core.created:
        reading.stored("created", core.created.date().isoformat(), "the Word file's core properties (created)")
    description = " ".join(clean(v or "") for v in (core.subject, core.keywords, core.category, core.comments))
    reading.stored("description", description.strip(), "the Word file's core properties (subject, keywords)")
    return reading


class _Reader:
    def __init__(self, document) -> None:
        from docx.text.paragraph import Paragraph

        self.document = document
        self.blocks: list[Block] = []
        self._boxes = 0
        body = document.element.body
        self.has_title = any(_style(Paragraph(p, document)) == "title" for p in body.iter(f"{_W}p"))

    def new_box(self) -> int:
        self._boxes += 1
        return self._boxes

    def container(self, element, box: int = 0) -> None:
        """The paragraphs, tables and content controls of a body, a cell or a text box, in order."""
        for child in element.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                self.paragraph(child, box)
            elif tag == "tbl":
                self.table(child, box)
            elif tag == "sdt":
                content = child.find(f"{_W}sdtContent")
                if content is not None:
                    self.container(content, box)

    def paragraph(self, element, box: int) -> None:
        from docx.text.paragraph import Paragraph

        block = _paragraph_block(Paragraph(element, self.document), self.has_title, box)
        if block:
            self.blocks.append(block)
        for text_box in _text_boxes(element):
            self.container(text_box, box or self.new_box())

    def table(self, element, box: int) -> None:
        from docx.table import Table

        table = Table(element, self.document)
        rows = _rows(table, self.document)
        cells = [c for row in rows for c in row if c]
        if rows and all(len([c for c in row if c]) <= 1 for row in rows) and sum(len(c.split()) for c in cells) >= 20:
            # a one-column table drawn round prose: a callout box, not data
            box = box or self.new_box()
            for cell in cells:
                for line in cell.split("\n"):
                    if line.startswith(CELL_ITEM):
                        self.blocks.append(Block(ITEM, line[len(CELL_ITEM):], 1, box=box))
                    else:
                        self.blocks.append(Block(PARA, line, box=box))
            return
        block = table_block(rows, box=box)
        if block:
            self.blocks.append(block)


def _text_boxes(paragraph_element) -> list:
    """The text boxes anchored in a paragraph (each once: a drawing's fallback copy is skipped)."""
    found = []
    for content in paragraph_element.iter(f"{_W}txbxContent"):
        ancestor = content.getparent()
        skip = False
        while ancestor is not None and ancestor is not paragraph_element:
            if ancestor.tag == _MC_FALLBACK:
                skip = True
                break
            ancestor = ancestor.getparent()
        if not skip:
            found.append(content)
    return found


def _rows(table, document) -> list[list[str]]:
    """Rows of cell texts: a cell merged across columns appears once in its row, and a cell merged
    down rows is empty in the rows below its first (python-docx repeats both)."""
    earlier: list = []  # the cells of earlier rows (held, so lxml keeps each node's one proxy alive)
    rows = []
    for row in table.rows:
        in_row: list = []
        cells: list[str] = []
        for cell in row.cells:
            tc = cell._tc
            if any(tc is seen for seen in in_row):
                continue
            in_row.append(tc)
            cells.append("" if any(tc is seen for seen in earlier) else _cell_text(tc, document))
        earlier.extend(in_row)
        rows.append(cells)
    return rows


def _cell_text(tc, document) -> str:
    """A cell's paragraphs and list items as lines ("• " for items); a nested table's rows as lines."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    lines: list[str] = []
    for child in tc.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            text = clean(paragraph.text)
            if text:
                lines.append(CELL_ITEM + text if _is_list(paragraph) else text)
        elif tag == "tbl":
            for row in _rows(Table(child, document), document):
                lines.append(" | ".join(c.replace("\n", " ") for c in row if c))
    return clean_cell("\n".join(lines))


def _style(paragraph) -> str:
    try:
        return (paragraph.style.name or "").strip().lower() if paragraph.style is not None else ""
    except (KeyError, AttributeError):
        return ""


def _is_list(paragraph) -> bool:
    numbering = paragraph._p.pPr.numPr if paragraph._p.pPr is not None else None
    return "list" in _style(paragraph) or numbering is not None


def _paragraph_block(paragraph, has_title: bool, box: int = 0) -> Block | None:
    text = clean(paragraph.text)
    if not text:
        return None
    style = _style(paragraph)
    if style.startswith("toc"):  # a table of contents' heading and entries ("TOC Heading", "toc 1")
        return Block(FURNITURE, text, role="contents")
    if style == "title":
        return Block(HEADING, strip_back_to_top(text), 1, box=box)
    heading = _HEADING_STYLE.match(style)
    if heading:
        return Block(HEADING, strip_back_to_top(text), int(heading.group(1)) + (1 if has_title else 0), box=box)
    if has_back_to_top(text):
        return Block(HEADING, strip_back_to_top(text), 2, box=box)
    if _is_list(paragraph):
        numbering = paragraph._p.pPr.numPr if paragraph._p.pPr is not None else None
        level = 1
        if numbering is not None and numbering.ilvl is not None and numbering.ilvl.val is not None:
            level = int(numbering.ilvl.val) + 1
        return Block(ITEM, text, level, box=box)
    return Block(PARA, text, box=box)
