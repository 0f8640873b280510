"""PDF (pypdf): text with its position and font, rebuilt into headings, paragraphs, lists and tables.

- Running headers and footers (a line near the top or bottom edge that repeats on most
  pages once its numbers are ignored, such as "Thematic inspection 2025 | Page 4") and bare
  page numbers are page furniture; so are contents pages' lines ("3. The day of release ....
  12").
- Headings are lines set larger than the body text, ranked by size; a short bold line at
  body size is a minor heading. A heading that wraps onto a second line is joined.
- Lines are joined into paragraphs until a wider gap, a change of font, a bullet or a new
  heading; a paragraph that runs over a page break is joined across it.
- A line whose words sit in separate columns is a table row; its numeric cells are kept.
- A filled or framed rectangle drawn round text (a callout box, not a table's grid of cells)
  makes its lines one box; a box cut by a page break carries on as the same box.
- The file's own title, subject and keywords and its creation date are kept as properties,
  from the document information dictionary and the XMP metadata.

An encrypted PDF that opens with an empty password is read; one that needs a password, a
damaged one and one with no text layer (a scan) get a one-line reason.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from dataclasses import dataclass, field

from assistant.errors import CorpusError
from assistant.ingest.blocks import FURNITURE, HEADING, ITEM, PARA, Block, clean, furniture, table_block
from assistant.ingest.furniture import has_back_to_top, strip_back_to_top
from assistant.ingest.readers import Reading

_BULLET = re.compile(r"^(?:[•●▪◦‣∙·\uf0b7\uf0a7\uf0d8\uf076*\-–—]|o(?=\s))\s*(?=\S)")
_NUMBERED_ITEM = re.compile(r"^(?:\d{1,2}|[a-z])[.)]\s+(?=\S)")
_NUMBERED_HEADING = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+[A-Z]")
_LEADERS = re.compile(r"(?:\.\s*){4,}\s*\d{1,3}\s*$|…+\s*\d{1,3}\s*$")
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?[-–]?\s*\d{1,3}\s*[-–]?(?:\s*(?:of|/)\s*\d{1,3})?$", re.I)
# a running line that carries its page number ("Youth justice review | Page 3 of 10"), even on a one-page file
_PAGE_MARK = re.compile(r"(?:^|[\s|·•–—-])page\s+\d{1,3}(?:\s*(?:of|/)\s*\d{1,3})?\s*$|^page\s+\d{1,3}\b", re.I)
_SENTENCE_END = (".", "?", "!", ":", ";", "”", "’", '"')
_BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.I)


@dataclass
class _Line:
    text: str
    x: float
    y: float
    size: float
    bold: bool
    right: float
    cells: list[str] = field(default_factory=list)
    page: int = 0
    box: int = 0


def read(raw: bytes) -> Reading:
    reader = _open(raw)
    if not reader.pages:
        raise CorpusError("has no pages; check the file or remove it")
    pages = []
    for number, page in enumerate(reader.pages):
        try:
            pages.append(_page_lines(page, number))
        except Exception as exc:  # pypdf raises many kinds of error on damaged content streams
            raise CorpusError(f"the PDF cannot be read ({type(exc).__name__}: {exc}); "
                              "save the web page as .html or .txt instead") from None
    if not any(line.text.strip() for page in pages for line in page):
        raise CorpusError("has no text layer (a scanned PDF?); add the web page or a text version instead")
    _assign_boxes(reader, pages)
    reading = Reading(_blocks(pages))
    _properties(reader, reading)
    return reading


def _properties(reader, reading: Reading) -> None:
    """The title, subject, keywords and creation date the file stores (info dictionary, then XMP)."""
    from pypdf.errors import PdfReadError

    try:
        info = reader.metadata or {}
        reading.stored("title", clean(str(info.get("/Title") or "")), "the PDF's document information (title)")
        reading.stored("description", clean(" ".join(str(info.get(k) or "") for k in ("/Subject", "/Keywords"))),
                       "the PDF's document information (subject, keywords)")
        reading.stored("created", str(info.get("/CreationDate") or ""), "the PDF's document information (created)")
    except (PdfReadError, KeyError, ValueError, TypeError, AttributeError):
        pass  # a damaged information dictionary only loses these properties
    try:
        xmp = reader.xmp_metadata
    except (PdfReadError, KeyError, ValueError, TypeError, AttributeError, SyntaxError):
        xmp = None
    if xmp is None:
        return
    try:
        titles = xmp.dc_title or {}
        title = titles.get("x-default") or next(iter(titles.values()), "")
        reading.stored("title", clean(title or ""), "the PDF's XMP metadata (dc:title)")
        descriptions = xmp.dc_description or {}
        reading.stored("description", clean(next(iter(descriptions.values()), "") or ""),
                       "the PDF's XMP metadata (dc:description)")
        dates = xmp.dc_date or []
        if dates:
            reading.stored("published", str(dates[0]), "the PDF's XMP metadata (dc:date)")
        if xmp.xmp_create_date:
            reading.stored("created", str(xmp.xmp_create_date), "the PDF's XMP metadata (xmp:CreateDate)")
    except (KeyError, ValueError, TypeError, AttributeError, IndexError):
        pass  # malformed XMP only loses these properties


# --- callout boxes ------------------------------------------------------------------------


def _page_rectangles(page) -> list[tuple[float, float, float, float]]:
    """Painted rectangles (x0, y0, x1, y1) in page space that could frame a callout box."""
    try:
        contents = page.get_contents()
        if contents is None:
            return []
        operations = contents.operations
    except (KeyError, ValueError, TypeError, AttributeError, IndexError, OSError):
        return []
    width = float(page.mediabox.width)
    height = float(page.mediabox.height)
    ctm = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    stack: list[list[float]] = []
    pending: list[tuple[float, float, float, float]] = []
    painted: list[tuple[float, float, float, float]] = []
    path: list[tuple[float, float]] = []
    for operands, operator in operations:
        if operator == b"q":
            stack.append(list(ctm))
        elif operator == b"Q":
            ctm = stack.pop() if stack else [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
        elif operator == b"cm" and len(operands) == 6:
            a, b, c, d, e, f = (float(v) for v in operands)
            ctm = [a * ctm[0] + b * ctm[2], a * ctm[1] + b * ctm[3], c * ctm[0] + d * ctm[2],
                   c * ctm[1] + d * ctm[3], e * ctm[0] + f * ctm[2] + ctm[4], e * ctm[1] + f * ctm[3] + ctm[5]]
        elif operator == b"re" and len(operands) == 4:
            x, y, w, h = (float(v) for v in operands)
            pending.append(_transformed([(cx, cy) for cx in (x, x + w) for cy in (y, y + h)], ctm))
        elif operator == b"m" and len(operands) == 2:
            path = [(float(operands[0]), float(operands[1]))]
        elif operator == b"l" and len(operands) == 2 and path:
            path.append((float(operands[0]), float(operands[1])))
        elif operator == b"h" and path:
            if 4 <= len(path) <= 5 and _axis_aligned(path):  # a rectangle drawn as a closed path
                pending.append(_transformed(path, ctm))
            path = []
        elif operator in (b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*", b"S", b"s"):
            if 4 <= len(path) <= 5 and _axis_aligned(path):  # painting closes an open path
                pending.append(_transformed(path, ctm))
            painted.extend(pending)
            pending, path = [], []
        elif operator == b"n":
            pending, path = [], []  # a clipping path, not drawn
    boxes = []
    for rect in painted:
        x0, y0, x1, y1 = rect
        w, h = x1 - x0, y1 - y0
        if w < 0.4 * width or h < 24 or (w > 0.95 * width and h > 0.9 * height):
            continue  # too small to hold a box of text, or the page's own background
        if any(other is not rect and _touching(rect, other) for other in painted):
            continue  # a cell of a table's grid
        boxes.append(rect)
    return boxes


def _transformed(points: list[tuple[float, float]], ctm: list[float]) -> tuple[float, float, float, float]:
    xs = [x * ctm[0] + y * ctm[2] + ctm[4] for x, y in points]
    ys = [x * ctm[1] + y * ctm[3] + ctm[5] for x, y in points]
    return min(xs), min(ys), max(xs), max(ys)


def _axis_aligned(points: list[tuple[float, float]]) -> bool:
    """Whether a closed path's corners make an upright rectangle (each side horizontal or vertical)."""
    loop = points + [points[0]]
    return all(abs(a[0] - b[0]) < 0.5 or abs(a[1] - b[1]) < 0.5 for a, b in zip(loop, loop[1:]))


def _touching(a, b, tolerance: float = 1.0) -> bool:
    """Whether two rectangles share an edge (cells of one grid), not merely overlap or nest."""
    ax0, ay0, ax1, ay1 = a
    bx0, by0, bx1, by1 = b
    overlap_x = min(ax1, bx1) - max(ax0, bx0) > tolerance
    overlap_y = min(ay1, by1) - max(ay0, by0) > tolerance
    shares_x = any(abs(u - v) <= tolerance for u in (ax0, ax1) for v in (bx0, bx1))
    shares_y = any(abs(u - v) <= tolerance for u in (ay0, ay1) for v in (by0, by1))
    if a == b:
        return False
    return (shares_y and overlap_x and not overlap_y) or (shares_x and overlap_y and not overlap_x)


def _assign_boxes(reader, pages: list[list[_Line]]) -> None:
    """Give the lines inside each drawn box one box number (per page; see `_join_boxes`)."""
    number = 0
    for page_number, page in enumerate(pages):
        rects = _page_rectangles(reader.pages[page_number]) if page else []
        ids: dict[int, int] = {}
        for line in page:
            for index, (x0, y0, x1, y1) in enumerate(rects):
                if x0 - 2 <= line.x <= x1 and y0 - 2 <= line.y <= y1 + 2:
                    if index not in ids:
                        number += 1
                        ids[index] = number
                    line.box = ids[index]
                    break


def _join_boxes(pages: list[list[_Line]], running) -> None:
    """A box that ends its page and one that starts the next page (after the running header) are
    one box cut by the page break: the second takes the first's number."""
    previous_last: _Line | None = None
    for page in pages:
        content = [line for line in page if not running(line)]
        if previous_last is not None and previous_last.box and content and content[0].box:
            old, new = content[0].box, previous_last.box
            for line in page:
                if line.box == old:
                    line.box = new
        previous_last = content[-1] if content else None


def _open(raw: bytes):
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # malformed-but-readable files are common
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except (DependencyError, NotImplementedError):
                opened = 0
            if not opened:
                raise CorpusError("the PDF is password-protected; save an unprotected copy or the web page instead")
        _ = len(reader.pages)
        return reader
    except CorpusError:
        raise
    except (FileNotDecryptedError, DependencyError):
        raise CorpusError("the PDF is password-protected; save an unprotected copy or the web page instead") from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise CorpusError(f"the PDF cannot be read ({exc}); save the web page as .html or .txt instead") from None


def _page_lines(page, number: int) -> list[_Line]:
    """The text lines of one page, top to bottom, each with its position, size and boldness."""
    fragments: list[tuple[float, float, float, bool, str]] = []

    def visit(text, cm, tm, font, size):
        if not text or not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = (abs(tm[3] * cm[3]) or abs(tm[0] * cm[0]) or 1.0)
        name = str(font.get("/BaseFont", "")) if font else ""
        for offset, part in enumerate(text.split("\n")):
            if part.strip():
                fragments.append((x, y - offset * size * scale * 1.2, size * scale, bool(_BOLD.search(name)), part))

    text = page.extract_text(visitor_text=visit) or ""
    if not fragments:
        # no positions (an unusual content stream): fall back to the plain lines, top to bottom
        return [_Line(clean(t), 0.0, -i * 12.0, 10.0, False, 0.0, page=number)
                for i, t in enumerate(text.splitlines()) if clean(t)]
    fragments.sort(key=lambda f: (-round(f[1], 0), f[0]))
    lines: list[_Line] = []
    group: list[tuple[float, float, float, bool, str]] = []
    for fragment in fragments:
        if group and abs(fragment[1] - group[0][1]) > max(1.5, 0.4 * group[0][2]):
            lines.append(_make_line(group, number))
            group = []
        group.append(fragment)
    if group:
        lines.append(_make_line(group, number))
    return [line for line in lines if line.text]


def _make_line(group, page: int) -> _Line:
    group = sorted(group, key=lambda f: f[0])
    cells: list[list[str]] = [[]]
    end = None
    for x, _, size, _, text in group:
        if end is not None and x - end > max(2.5 * size, 18):
            cells.append([])
        cells[-1].append(text.strip())
        end = x + _width(text, size)
    sizes = Counter()
    bold_chars = 0
    for _, _, size, bold, text in group:
        sizes[round(size, 1)] += len(text)
        bold_chars += len(text) if bold else 0
    total = sum(sizes.values()) or 1
    joined = [clean(" ".join(c)) for c in cells]
    return _Line(text=clean(" ".join(joined)), x=group[0][0], y=group[0][1], size=sizes.most_common(1)[0][0],
                 bold=bold_chars >= 0.9 * total, right=end or group[0][0],
                 cells=joined if len(joined) > 1 else [], page=page)


def _width(text: str, size: float) -> float:
    return len(text) * size * 0.5  # an average glyph is about half an em wide


def _blocks(pages: list[list[_Line]]) -> list[Block]:
    furniture_keys = _running_lines(pages)
    _join_boxes(pages, lambda line: _is_furniture(line, pages, furniture_keys))
    body_lines = [line for page in pages for line in page if not _is_furniture(line, pages, furniture_keys)]
    sizes = Counter()
    for line in body_lines:
        sizes[line.size] += len(line.text)
    body = sizes.most_common(1)[0][0] if sizes else 10.0
    heading_sizes = sorted({s for s in sizes if s >= body * 1.15}, reverse=True)
    right_edge = max((line.right for line in body_lines if line.size == body), default=0.0)
    spaced = _paragraphs_are_spaced(body_lines)

    blocks: list[Block] = []
    previous: _Line | None = None
    contents_page = -1
    for page in pages:
        for line in page:
            if _is_furniture(line, pages, furniture_keys):
                role = "page number" if _PAGE_NUMBER.match(line.text) else "page header"
                blocks.append(furniture(line.text, role))
                continue
            if _LEADERS.search(line.text) or (contents_page == line.page and re.search(r"\s\d{1,3}$", line.text)):
                blocks.append(furniture(line.text, "contents"))
                previous = None
                continue
            if re.fullmatch(r"(?i)(table of )?contents", line.text):
                contents_page = line.page
                blocks.append(furniture(line.text, "contents"))
                previous = None
                continue
            level = _heading_level(line, body, heading_sizes)
            if level and has_back_to_top(line.text):
                line.text = strip_back_to_top(line.text)
            elif has_back_to_top(line.text):
                level, line.text = 2, strip_back_to_top(line.text)
            if line.cells and not level:
                _add_table_row(blocks, line)
            elif level:
                if previous and blocks and blocks[-1].kind == HEADING and _same_style(previous, line) and \
                        previous.box == line.box and _wrapped(previous, line, right_edge):
                    blocks[-1] = Block(HEADING, clean(blocks[-1].text + " " + line.text), blocks[-1].level,
                                       box=line.box)
                else:
                    blocks.append(Block(HEADING, line.text, level, box=line.box))
            elif bullet := _BULLET.match(line.text):
                blocks.append(Block(ITEM, line.text[bullet.end():], 1, box=line.box))
            elif _NUMBERED_ITEM.match(line.text) and not _continues(blocks, previous, line, spaced):
                blocks.append(Block(ITEM, line.text[_NUMBERED_ITEM.match(line.text).end():], 1, box=line.box))
            elif _continues(blocks, previous, line, spaced):
                last = blocks[-1]
                blocks[-1] = Block(last.kind, clean(last.text + " " + line.text), last.level, box=last.box)
            else:
                blocks.append(Block(PARA, line.text, box=line.box))
            previous = line
    return _rejoin_page_breaks(blocks)


def _heading_level(line: _Line, body: float, heading_sizes: list[float]) -> int:
    """A heading's level by its size rank (the largest is 1); a short bold body-size line ranks next."""
    words = len(line.text.split())
    if line.size in heading_sizes and words <= 30:
        return heading_sizes.index(line.size) + 1
    if line.bold and abs(line.size - body) < 0.6 and words <= 30 and not line.text.endswith((".", ";", ",")):
        if _BULLET.match(line.text):
            return 0
        numbered = _NUMBERED_HEADING.match(line.text)
        if numbered:
            return min(len(heading_sizes) + 1, 2 + line.text.split()[0].rstrip(".").count("."))
        return len(heading_sizes) + 1
    return 0


def _same_style(a: _Line, b: _Line) -> bool:
    return abs(a.size - b.size) < 0.6 and a.bold == b.bold


def _wrapped(previous: _Line, line: _Line, right_edge: float) -> bool:
    """Whether `line` carries on a heading that wrapped (the previous line ran to the margin)."""
    gap = previous.y - line.y
    if previous.page != line.page or gap > previous.size * 1.6:
        return False
    if previous.text.endswith((".", ":", "?", "!")):
        return False
    return line.text[:1].islower() or previous.right >= 0.72 * max(right_edge, previous.right)


def _paragraphs_are_spaced(lines: list[_Line]) -> bool:
    """Whether paragraphs are set apart by wider gaps (else only the words can tell where they break)."""
    pitches = Counter()
    for a, b in zip(lines, lines[1:]):
        if a.page == b.page and _same_style(a, b) and a.y > b.y:
            pitches[round(a.y - b.y)] += 1
    if not pitches:
        return False
    modal = pitches.most_common(1)[0][0]
    return sum(n for pitch, n in pitches.items() if pitch > modal * 1.3) >= 2


def _opens_block(text: str) -> bool:
    """A line that always starts a block: an example marker, a case label or an outcome."""
    from assistant.ingest.markers import _case_summary_pattern, heading_role, is_finding_label, match_marker

    if match_marker(text) or _case_summary_pattern().match(text) or is_finding_label(text):
        return True
    head = text.split(":", 1)[0]
    return heading_role(text) == "label" or (":" in text and heading_role(head) == "label")


def _continues(blocks: list[Block], previous: _Line | None, line: _Line, spaced: bool) -> bool:
    """Whether `line` carries on the paragraph or list item before it."""
    if not blocks or previous is None or blocks[-1].kind not in (PARA, ITEM):
        return False
    if previous.page != line.page:
        return False
    if not _same_style(previous, line) or previous.cells or previous.box != line.box:
        return False
    if _opens_block(line.text):
        return False
    gap = previous.y - line.y
    if gap > previous.size * 1.75:
        return False
    if not spaced:
        # no paragraph spacing: a sentence ending before a capital, or a short title-like line, ends a block
        ends = previous.text.endswith((".", ":", "?", "!", ";"))
        if line.text[:1].isupper() and (ends or (len(previous.text) <= 80 and blocks[-1].text == previous.text)):
            return False
    elif gap > previous.size * 1.45:
        return False
    if blocks[-1].kind == ITEM and line.x < previous.x - 2 and previous.text.endswith(_SENTENCE_END):
        return False
    if previous.text.endswith(_SENTENCE_END) and line.x > previous.x + 8:
        return False  # a first-line indent starts a new paragraph
    return True


def _add_table_row(blocks: list[Block], line: _Line) -> None:
    if blocks and blocks[-1].kind == "table" and blocks[-1].box == line.box:
        rows = [list(r) for r in blocks[-1].rows] + [line.cells]
    else:
        rows = [line.cells]
    block = table_block(rows, box=line.box)
    if blocks and blocks[-1].kind == "table" and blocks[-1].box == line.box:
        blocks[-1] = block
    else:
        blocks.append(block)


def _rejoin_page_breaks(blocks: list[Block]) -> list[Block]:
    """A paragraph cut by a page break (its next part starts in lower case) is one paragraph."""
    out: list[Block] = []
    pending_furniture: list[Block] = []
    for block in blocks:
        if block.kind == FURNITURE:
            pending_furniture.append(block)
            continue
        last = out[-1] if out else None
        if pending_furniture and last and last.kind in (PARA, ITEM) and block.kind == PARA and \
                block.text[:1].islower() and not last.text.endswith((".", "?", "!")) and last.box == block.box:
            out[-1] = Block(last.kind, clean(last.text + " " + block.text), last.level, box=last.box)
            out.extend(pending_furniture)
        else:
            out.extend(pending_furniture)
            out.append(block)
        pending_furniture = []
    out.extend(pending_furniture)
    return out


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


def _running_lines(pages: list[list[_Line]]) -> set[str]:
    """Digit-blind texts of lines at a page's top or bottom edge that repeat on most pages (a line set
    larger than the body text is a heading, such as "Chapter 3", and a long line is text, never a running line)."""
    if len(pages) < 2:
        return set()
    sizes: Counter[float] = Counter()
    for page in pages:
        for line in page:
            sizes[line.size] += len(line.text)
    body = sizes.most_common(1)[0][0] if sizes else 10.0
    counts: Counter[str] = Counter()
    for page in pages:
        edge = [line for line in page[:2] + page[-2:] if line.size < body * 1.15 and len(line.text.split()) <= 20]
        counts.update({_key(line.text) for line in edge})
    return {key for key, n in counts.items() if n >= max(2, len(pages) / 2)}


def _is_furniture(line: _Line, pages: list[list[_Line]], keys: set[str]) -> bool:
    page = pages[line.page]
    at_edge = line in page[:2] or line in page[-2:]
    if not at_edge:
        return False
    return _key(line.text) in keys or bool(_PAGE_NUMBER.match(line.text)) or \
        (len(line.text.split()) <= 20 and bool(_PAGE_MARK.search(line.text)))
