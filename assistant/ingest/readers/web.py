"""HTML pages saved from the Inspectorate's site (or any site).

The page is parsed into a small element tree, then read in order into blocks: headings keep
their levels, list items their nesting depth, tables their rows of cells (a cell's own
paragraphs and bullets are kept as lines of the cell).

Furniture is recognised by what it is, not by the element's name alone. An element that
usually holds furniture — anything outside <main>/<article>, a <nav>, a site <header> or
<footer>, an <aside>, a <form>, or an element whose class says "menu", "cookie", "share",
"sidebar", … (`vocabulary.toml` [furniture]) — is only a candidate: it is furniture when it
holds mostly links, a cookie notice or licence lines (the drop's reason says which), and
content when it holds prose (a practice box in an <aside> or a "sidebar" div is content).
A <button> or form control's label is furniture ("control"); scripts and styles are not text.

Callout boxes — an <aside>, <figure>, <details>, a one-cell table, a candidate element that
holds prose, or a <div>/<section> whose class names a box — give their blocks one `box`
number; a <figcaption> or <summary> is the box's caption (its title), and a table's <caption> is
the table's first row (its title row).

The page's own metadata is kept as properties: Open Graph and Dublin Core titles and dates,
<meta> dates and descriptions, and the <title> (the site's name is cut off later).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from assistant.ingest.blocks import CAPTION, CELL_ITEM, FURNITURE, HEADING, ITEM, PARA, Block, clean, table_block
from assistant.ingest.furniture import furniture_role, strip_back_to_top
from assistant.ingest.readers import Reading, decode_text
from assistant.ingest.vocabulary import vocabulary

_NOT_TEXT = {"script", "style", "noscript", "svg", "template", "iframe", "object", "head", "math", "canvas"}
_CONTROLS = {"button", "select", "option", "textarea", "label"}
_CANDIDATES = {"nav", "header", "footer", "aside", "form"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_PARAS = {"p", "dt", "dd", "blockquote", "figcaption", "caption", "summary", "pre", "address", "legend"}
_BREAKS = {"div", "section", "article", "main", "body", "details", "figure", "dl", "hr", "fieldset", "center",
           "dialog"}
_VOID = {"br", "img", "hr", "meta", "link", "input", "wbr", "col", "area", "base", "source", "track", "embed",
         "param"}
_BOX_TAGS = {"aside", "figure", "details", "dialog"}
_CAPTIONS = {"figcaption", "summary", "caption", "legend"}
# opening one of these closes an open <p> (HTML's implied end tags)
_CLOSES_P = _HEADINGS | _PARAS | _BREAKS | {"ul", "ol", "table", "nav", "header", "footer", "aside", "form", "li"}


MAX_DEPTH = 200  # deeper elements (unclosed <font> or <b> tags, say) are read as siblings, not children


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    parent: "Node | None" = None
    children: list["Node | str"] = field(default_factory=list)
    depth: int = 0

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else ("" if c.tag in _NOT_TEXT else c.text() + " ")
                       for c in self.children)

    def link_text(self) -> str:
        if self.tag == "a":
            return self.text()
        return "".join(c.link_text() for c in self.children if isinstance(c, Node) and c.tag not in _NOT_TEXT)

    def find(self, tags: set[str]) -> bool:
        return any(isinstance(c, Node) and (c.tag in tags or c.find(tags)) for c in self.children)

    def classes(self) -> str:
        return " ".join([self.attrs.get("class") or "", self.attrs.get("id") or ""]).lower()


class _TreeBuilder(HTMLParser):
    """A forgiving element tree: unclosed tags are closed by their parent's end tag, and the usual
    implied end tags (<p>, <li>, <tr>, <td>, <option>, <dt>/<dd>) are applied."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.current = self.root
        self.title = ""
        self.metas: list[dict[str, str]] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            self.metas.append(attributes)
        if tag == "title":
            self._in_title = True
        if tag in _CLOSES_P:
            self._close_implied("p", stop={"div", "section", "article", "main", "td", "th", "li", "aside", "figure"})
        if tag == "li":
            self._close_implied("li", stop={"ul", "ol"})
        if tag in ("td", "th"):
            self._close_implied("td", stop={"tr", "table"})
            self._close_implied("th", stop={"tr", "table"})
        if tag == "tr":
            self._close_implied("tr", stop={"table", "tbody", "thead", "tfoot"})
        if tag in ("dt", "dd"):
            self._close_implied("dt", stop={"dl"})
            self._close_implied("dd", stop={"dl"})
        if tag == "option":
            self._close_implied("option", stop={"select"})
        node = Node(tag, attributes, self.current, depth=self.current.depth + 1)
        self.current.children.append(node)
        if tag not in _VOID and node.depth < MAX_DEPTH:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.current.tag == tag:
            self.current = self.current.parent or self.root

    def _close_implied(self, tag: str, stop: set[str]) -> None:
        node = self.current
        while node is not None and node is not self.root:
            if node.tag == tag:
                self.current = node.parent or self.root
                return
            if node.tag in stop:
                return
            node = node.parent

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in _VOID:
            return
        node = self.current
        while node is not None and node is not self.root:
            if node.tag == tag:
                self.current = node.parent or self.root
                return
            node = node.parent

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        self.current.children.append(data)


# --- judging candidate furniture ----------------------------------------------------------


def _furniture_class(node: Node) -> bool:
    words = vocabulary()["furniture"]["web_furniture_classes"]
    classes = node.classes()
    return bool(classes) and any(re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", classes) for w in words)


def _box_class(node: Node) -> bool:
    words = vocabulary()["furniture"]["web_box_classes"]
    classes = node.classes()
    return bool(classes) and any(re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", classes) for w in words)


def _is_candidate(node: Node, inside_main: bool) -> bool:
    """Whether an element usually holds page furniture (judged afterwards by what it holds)."""
    role = node.attrs.get("role", "")
    if node.attrs.get("aria-hidden") == "true" or role in ("navigation", "banner", "contentinfo", "search"):
        return True
    if node.tag in ("header", "footer") and inside_main:
        return False  # an article's own header (its title and date) or footer
    return node.tag in _CANDIDATES or (node.tag in ("div", "section", "ul", "ol", "p", "span") and _furniture_class(node))


def holds_prose(node: Node) -> bool:
    """Whether an element holds prose, not furniture: few of its words are links, and it has a
    sentence of some length (or a heading over text)."""
    text = clean(node.text())
    if not text:
        return False
    words = len(text.split())
    link_share = len(clean(node.link_text()).replace(" ", "")) / max(1, len(text.replace(" ", "")))
    if link_share >= 0.5:
        return False
    sentences = re.findall(r"[^.!?]{40,}[.!?](?:\s|$)", text)
    return bool(sentences) and words >= 15


def judged_role(node: Node) -> str | None:
    """The furniture role of a candidate element, or None when it holds content."""
    text = clean(node.text())
    role = furniture_role(text) if text else "navigation"
    if role in ("cookie banner", "licence"):
        return role
    if _has_own_title(node) or holds_prose(node):
        return None
    return role or "navigation"


def _has_own_title(node: Node) -> bool:
    """Whether an element holds a page's title: an <h1> that is not a link home or the publisher's name."""
    from assistant.ingest.metadata import _is_publisher

    for child in _descendants(node):
        if child.tag == "h1":
            text = clean(child.text())
            links = clean(child.link_text())
            if text and len(links) < 0.5 * len(text) and not _is_publisher(text):
                return True
    return False


# --- reading the tree into blocks -----------------------------------------------------------


class _Reader:
    def __init__(self, has_main: bool) -> None:
        self.has_main = has_main
        self.blocks: list[Block] = []
        self._boxes = 0
        self._link_items: set[int] = set()

    def new_box(self) -> int:
        self._boxes += 1
        return self._boxes

    def read(self, root: Node) -> list[Block]:
        self._walk(root, furniture=None, box=0, main=not self.has_main, depth=0)
        return self.blocks

    def _walk(self, node: Node, furniture: str | None, box: int, main: bool, depth: int) -> None:
        for child in node.children:
            if isinstance(child, str):
                continue  # loose text is gathered by its block-level parent (see _inline_text)
            self._element(child, furniture, box, main, depth)

    def _element(self, node: Node, furniture: str | None, box: int, main: bool, depth: int) -> None:
        tag = node.tag
        if tag in _NOT_TEXT:
            return
        if tag in _CONTROLS:
            text = clean(node.text())
            if text:
                self.blocks.append(Block(FURNITURE, text, role="control"))
            return
        inside_main = main or tag == "main" or tag == "article" or node.attrs.get("role") == "main"
        outside = self.has_main and not inside_main and tag not in ("html", "body") and not _holds_main(node)
        if furniture is None and (_is_candidate(node, inside_main) or outside):
            role = judged_role(node)
            if role is not None:
                furniture = role
            elif not box and tag not in ("html", "body", "main", "article"):
                box = self.new_box()  # a candidate that holds prose is content, set apart as a box
            if role is None and not inside_main:
                inside_main = True  # judged content: read like the main text
        if furniture is None and not box and (tag in _BOX_TAGS or (tag in ("div", "section") and _box_class(node))):
            if holds_prose(node) or node.find({"table"}):
                box = self.new_box()
        if tag == "table":
            self._table(node, furniture, box)
            return
        if tag in ("ul", "ol"):
            self._list(node, furniture, box, inside_main, depth + 1)
            return
        if tag in _HEADINGS or tag in _PARAS or tag == "li":
            self._block_element(node, furniture, box, inside_main, depth)
            return
        self._mixed(node, furniture, box, inside_main, depth)

    def _mixed(self, node: Node, furniture: str | None, box: int, main: bool, depth: int) -> None:
        """An element that may hold both loose text and block-level children (a <div>)."""
        run: list[Node | str] = []
        for child in node.children:
            if isinstance(child, str) or (child.tag not in _NOT_TEXT and _is_inline(child)):
                run.append(child)
                continue
            self._emit_run(run, furniture, box, PARA, 0)
            run = []
            self._element(child, furniture, box, main, depth)
        self._emit_run(run, furniture, box, PARA, 0)

    def _emit_run(self, run: list[Node | str], furniture: str | None, box: int, kind: str, level: int,
                  role: str = "") -> int | None:
        text = clean(" ".join(c if isinstance(c, str) else c.text() for c in run))
        if not text:
            return None
        if furniture is not None:
            self.blocks.append(Block(FURNITURE, text, role=furniture))
            return None
        if kind == HEADING:
            text = strip_back_to_top(text)
            if not text:
                return None
        self.blocks.append(Block(kind, text, level, role=role, box=box))
        return len(self.blocks) - 1

    def _block_element(self, node: Node, furniture: str | None, box: int, main: bool, depth: int) -> None:
        tag = node.tag
        kind, level = (HEADING, int(tag[1])) if tag in _HEADINGS else (ITEM, depth or 1) if tag == "li" else (PARA, 0)
        role = CAPTION if tag in _CAPTIONS else ""
        run: list[Node | str] = []
        first = True
        for child in node.children:
            if isinstance(child, str) or child.tag in _NOT_TEXT or _is_inline(child):
                run.append(child)
                continue
            if child.tag in _CONTROLS:
                self._element(child, furniture, box, main, depth)
                continue
            index = self._emit_run(run, furniture, box, kind if first else PARA, level, role)
            first = first and index is None
            run = []
            self._element(child, furniture, box, main, depth)
        index = self._emit_run(run, furniture, box, kind if first else PARA, level, role)
        if index is not None and tag == "li":
            text = clean(" ".join(c if isinstance(c, str) else c.text() for c in run))
            links = clean(" ".join(c.link_text() for c in run if isinstance(c, Node)))
            if text and len(links.replace(" ", "")) >= 0.9 * len(text.replace(" ", "")):
                self._link_items.add(index)

    def _list(self, node: Node, furniture: str | None, box: int, main: bool, depth: int) -> None:
        for child in node.children:
            if isinstance(child, str):
                if clean(child):
                    self._emit_run([child], furniture, box, ITEM, depth)
                continue
            if child.tag == "li":
                self._block_element(child, furniture, box, main, depth)
            else:
                self._element(child, furniture, box, main, depth)

    def _table(self, node: Node, furniture: str | None, box: int) -> None:
        rows: list[list[str]] = []
        caption = None
        for row in _rows(node):
            rows.append([_cell_text(cell) for cell in row])
        for child in _descendants(node):
            if child.tag == "caption":
                caption = clean(child.text())
                break
        if furniture is not None:
            text = clean(node.text())
            if text:
                self.blocks.append(Block(FURNITURE, text, role=furniture))
            return
        cells = [c for row in rows for c in row if c]
        if rows and all(len([c for c in row if c]) <= 1 for row in rows) and sum(len(c.split()) for c in cells) >= 20:
            # a one-column layout table: a box of paragraphs, not data
            box = box or self.new_box()
            if caption:
                self.blocks.append(Block(PARA, caption, role=CAPTION, box=box))
            for cell in cells:
                for line in cell.split("\n"):
                    if line.startswith(CELL_ITEM):
                        self.blocks.append(Block(ITEM, line[len(CELL_ITEM):], 1, box=box))
                    else:
                        self.blocks.append(Block(PARA, line, box=box))
            return
        if caption:
            rows.insert(0, [caption])  # a table's caption is its title row
        block = table_block(rows, box=box)
        if block:
            self.blocks.append(block)


def _holds_main(node: Node) -> bool:
    return any(isinstance(c, Node) and (c.tag in ("main", "article") or c.attrs.get("role") == "main" or _holds_main(c))
               for c in node.children)


def _is_inline(node: Node) -> bool:
    return node.tag not in _HEADINGS | _PARAS | _BREAKS | {"ul", "ol", "li", "table", "tr", "td", "th", "nav",
                                                           "header", "footer", "aside", "form", "main", "body",
                                                           "html", "tbody", "thead", "tfoot"} | _CONTROLS


def _descendants(node: Node):
    for child in node.children:
        if isinstance(child, Node):
            yield child
            if child.tag != "table":
                yield from _descendants(child)


def _rows(table: Node) -> list[list[Node]]:
    """The table's rows of cells (not those of a table nested in a cell)."""
    rows: list[list[Node]] = []

    def visit(node: Node) -> None:
        for child in node.children:
            if not isinstance(child, Node):
                continue
            if child.tag == "tr":
                rows.append([c for c in child.children if isinstance(c, Node) and c.tag in ("td", "th")])
            elif child.tag in ("thead", "tbody", "tfoot"):
                visit(child)

    visit(table)
    return rows


def _cell_text(cell: Node) -> str:
    """A cell's text with its own paragraphs and list items on separate lines (items start "• ")."""
    lines: list[str] = []
    run: list[str] = []

    def flush() -> None:
        text = clean(" ".join(run))
        if text:
            lines.append(text)
        run.clear()

    def visit(node: Node) -> None:
        for child in node.children:
            if isinstance(child, str):
                run.append(child)
            elif child.tag in _NOT_TEXT or child.tag in _CONTROLS:
                continue
            elif child.tag == "li":
                flush()
                run.append(CELL_ITEM.strip())
                visit(child)
                flush()
            elif child.tag == "br" or not _is_inline(child):
                flush()
                visit(child)
                flush()
            else:
                run.append(child.text())
    visit(cell)
    flush()
    return "\n".join(line if not line.startswith("•") else CELL_ITEM + line.lstrip("• ").strip() for line in lines)


def read(raw: bytes) -> Reading:
    text = decode_text(raw)
    has_main = bool(re.search(r"<(?:main|article)\b|role=[\"']main[\"']", text, re.I))
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    reader = _Reader(has_main)
    blocks = reader.read(builder.root)
    reading = Reading(_mark_link_lists(blocks, reader._link_items))
    metas = {(m.get("property") or m.get("name") or "").lower(): m.get("content", "") for m in builder.metas}
    for key, source in (("og:title", "Open Graph"), ("dc.title", "Dublin Core"), ("dcterms.title", "Dublin Core"),
                        ("citation_title", "citation meta")):
        reading.stored("title", metas.get(key), f"the page's {source} title")
    reading.stored("title", clean(builder.title), "the page's <title>")
    for key, source in (("dc.date.issued", "Dublin Core"), ("dcterms.issued", "Dublin Core"),
                        ("dc.date", "Dublin Core"), ("dcterms.date", "Dublin Core"),
                        ("article:published_time", "Open Graph"), ("govuk:first-published-at", "GOV.UK meta"),
                        ("citation_publication_date", "citation meta"), ("dcterms.created", "Dublin Core"),
                        ("date", "meta")):
        reading.stored("published", metas.get(key), f"the page's {source} date ({key})")
    for key, source in (("og:description", "Open Graph"), ("description", "meta"), ("dc.description", "Dublin Core"),
                        ("dc.coverage", "Dublin Core"), ("dcterms.spatial", "Dublin Core")):
        reading.stored("description", metas.get(key), f"the page's {source} {key}")
    return reading


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
