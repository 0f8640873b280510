"""HTML pages saved from the Inspectorate's site.

The page's content is its <main> (or <article>) element; everything outside it (site
header, menus, breadcrumbs, footer) and every <nav> or <aside> inside it is kept as
navigation furniture. Headings keep their levels, list items their nesting depth, tables
their rows of cells. A list whose every item is a link (a chapter's contents list) is
navigation too.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from assistant.ingest.blocks import FURNITURE, HEADING, ITEM, PARA, Block, clean, table_block
from assistant.ingest.furniture import strip_back_to_top
from assistant.ingest.readers import Reading, decode_text

_DROP = {"script", "style", "noscript", "svg", "template", "button", "select", "iframe", "object"}
_FURNITURE = {"nav", "header", "footer", "aside", "form"}
_FURNITURE_CLASSES = re.compile(r"breadcrumb|pagination|skip-link|cookie|share|site-header|site-footer|govuk-header|"
                                r"govuk-footer|menu|toolbar", re.I)
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_PARAS = {"p", "dt", "dd", "blockquote", "figcaption", "caption", "summary", "pre", "address"}
_BREAKS = {"div", "section", "article", "main", "body", "details", "figure", "dl", "hr"}
_VOID = {"br", "img", "hr", "meta", "link", "input", "wbr", "col", "area", "base", "source"}


class _Reader(HTMLParser):
    def __init__(self, has_main: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.has_main = has_main
        self.blocks: list[Block] = []
        self.title = ""
        self._stack: list[tuple[str, bool]] = []  # (tag, is furniture boundary)
        self._drop = 0
        self._furniture = 0
        self._main = 0
        self._in_title = False
        self._kind: tuple[str, int] | None = None
        self._text: list[str] = []
        self._link_chars = 0
        self._in_link = 0
        self._lists: list[list[Block]] = []  # items of each open list, to spot contents lists
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None

    # --- state ---------------------------------------------------------------------------

    def _is_furniture(self) -> bool:
        return bool(self._furniture) or (self.has_main and not self._main)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "title":
            self._in_title = True
        if tag in _VOID:
            if tag == "br":
                self._append(" ")
            return
        boundary = tag in _FURNITURE or bool(_FURNITURE_CLASSES.search(attributes.get("class") or "")) or \
            attributes.get("role") in ("navigation", "banner", "contentinfo") or \
            attributes.get("aria-hidden") == "true"
        self._stack.append((tag, boundary))
        if tag in _DROP or tag == "head":
            self._drop += 1
            return
        if boundary:
            self._flush()
            self._furniture += 1
        if tag in ("main", "article") or attributes.get("role") == "main":
            self._main += 1
        if self._drop:
            return
        if tag == "table":
            self._flush()
            self._table = []
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []
        elif self._table is not None:
            return  # block tags inside a table cell stay in the cell
        elif tag in ("ul", "ol"):
            self._flush()
            self._lists.append([])
        elif tag == "li":
            self._flush()
            self._kind = (ITEM, len(self._lists) or 1)
        elif tag in _HEADINGS:
            self._flush()
            self._kind = (HEADING, int(tag[1]))
        elif tag in _PARAS:
            self._flush()
            self._kind = (PARA, 0)
        elif tag in _BREAKS:
            self._flush()
        elif tag == "a":
            self._in_link += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in _VOID:
            return
        # close up to the matching open tag (HTML in the wild leaves tags open)
        if not any(t == tag for t, _ in self._stack):
            return
        while self._stack:
            open_tag, boundary = self._stack.pop()
            self._close(open_tag, boundary)
            if open_tag == tag:
                break

    def _close(self, tag: str, boundary: bool) -> None:
        if tag in _DROP or tag == "head":
            self._drop = max(0, self._drop - 1)
            return
        if self._drop:
            return
        if tag in ("td", "th") and self._table is not None and self._cell is not None:
            if not self._table:
                self._table.append([])
            self._table[-1].append(clean(" ".join(self._cell)))
            self._cell = None
        elif tag == "table" and self._table is not None:
            block = table_block(self._table)
            self._table = None
            if block:
                self.blocks.append(Block(FURNITURE, block.text, role="navigation") if self._is_furniture() else block)
        elif self._table is not None:
            pass
        elif tag in ("ul", "ol"):
            self._flush()
            if self._lists:
                self._lists.pop()
        elif tag == "a":
            self._in_link = max(0, self._in_link - 1)
        elif tag in _HEADINGS or tag in _PARAS or tag == "li" or tag in _BREAKS:
            self._flush()
        if tag in ("main", "article"):
            self._main = max(0, self._main - 1)
        if boundary:
            self._flush()
            self._furniture = max(0, self._furniture - 1)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
            return
        if self._drop:
            return
        if self._cell is not None:
            self._cell.append(data)
            return
        if self._table is not None:
            return
        self._append(data)
        if self._in_link:
            self._link_chars += len(data.strip())

    def _append(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        else:
            self._text.append(data)

    def _flush(self) -> None:
        text = clean(" ".join(self._text))
        all_link = bool(text) and self._link_chars >= len(text.replace(" ", "")) * 0.9
        self._text, self._link_chars = [], 0
        kind, level = self._kind or (PARA, 0)
        self._kind = None
        if not text:
            return
        if self._is_furniture():
            self.blocks.append(Block(FURNITURE, text, role="navigation"))
            return
        if kind == HEADING:
            text = strip_back_to_top(text)
            if not text:
                return
        block = Block(kind, text, level)
        self.blocks.append(block)
        if kind == ITEM and self._lists:
            self._lists[-1].append(block)
            if all_link:
                self._link_items.add(len(self.blocks) - 1)

    _link_items: set[int]

    def feed_page(self, page: str) -> None:
        self._link_items = set()
        self.feed(page)
        self.close()
        self._flush()


def read(raw: bytes) -> Reading:
    text = decode_text(raw)
    has_main = bool(re.search(r"<(?:main|article)\b|role=[\"']main[\"']", text, re.I))
    reader = _Reader(has_main)
    reader.feed_page(text)
    blocks = _mark_link_lists(reader.blocks, reader._link_items)
    properties = {"title": clean(reader.title)} if clean(reader.title) else {}
    date = re.search(r"<meta[^>]+(?:name|property)=[\"'](?:DC\.date|article:published_time|govuk:first-published-at|"
                     r"dcterms\.created|date)[\"'][^>]*content=[\"']([^\"']+)", text, re.I)
    if date:
        properties["date"] = date.group(1)
    return Reading(blocks, properties)


def _mark_link_lists(blocks: list[Block], link_items: set[int]) -> list[Block]:
    """Runs of two or more list items that are wholly links are a contents list: navigation."""
    marked = list(blocks)
    run: list[int] = []
    for i in range(len(blocks) + 1):
        if i < len(blocks) and i in link_items:
            run.append(i)
            continue
        if len(run) >= 2:
            for j in run:
                marked[j] = Block(FURNITURE, blocks[j].text, role="contents")
        run = []
    return marked
