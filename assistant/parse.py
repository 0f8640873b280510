"""Load documents from the corpus and parse them into their real structure.

Every format (.txt, .md, .html, .pdf) is first read into a flat list of `Block`s (heading,
paragraph, bullet). One structural parser then finds sections, case examples (whatever
their marker: "Example of effectiveness: …", "Case study: …", or an older guide's
"Case summary / Inspector's comments / Take-away learning" block), the sub-headed groups
of practice points inside each example, and its outcome. Text that is not recognised as
an example is kept as section units, with a warning — never silently dropped.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import urllib.parse
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterable, Iterator

from assistant import facets
from assistant.errors import CorpusError
from assistant.types import Document, Example, Group, Person, Section

PARSER_VERSION = "1.0"
SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf")
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Block:
    kind: str  # "heading" | "para" | "bullet"
    text: str
    level: int = 0  # heading level: 1 is the document title


# --- loaders: file -> blocks --------------------------------------------------------------

_BACK_TO_TOP = re.compile(r"^(?P<title>.+?)\s*\(Back to top\)\s*$", re.I)
_BULLET = re.compile(r"^(?:[•●▪◦·*\-–]|\d{1,2}[.)])\s+(?P<text>.+)$")


def blocks_from_text(text: str) -> list[Block]:
    """Plain text as extracted from a web page: one paragraph or bullet per line."""
    blocks = []
    for raw in text.splitlines():
        line = _clean(raw)
        if not line:
            continue
        heading = _BACK_TO_TOP.match(line)
        if heading:
            blocks.append(Block("heading", heading.group("title"), 2))
            continue
        bullet = _BULLET.match(line)
        if bullet:
            blocks.append(Block("bullet", bullet.group("text")))
        else:
            blocks.append(Block("para", line))
    return blocks


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def blocks_from_markdown(text: str) -> list[Block]:
    """Markdown: ATX headings, list items, and paragraphs (wrapped lines are joined)."""
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block("para", _clean(" ".join(paragraph))))
            paragraph.clear()

    for raw in text.splitlines():
        line = raw.strip()
        heading = _MD_HEADING.match(line)
        bullet = _BULLET.match(line)
        if not line:
            flush()
        elif heading:
            flush()
            title = _BACK_TO_TOP.sub(r"\g<title>", _strip_md(heading.group(2)))
            blocks.append(Block("heading", title, len(heading.group(1))))
        elif bullet:
            flush()
            blocks.append(Block("bullet", _clean(_strip_md(bullet.group("text")))))
        elif blocks and blocks[-1].kind == "bullet" and not paragraph and raw[:1] in " \t":
            blocks[-1] = Block("bullet", _clean(blocks[-1].text + " " + _strip_md(line)))
        else:
            paragraph.append(_strip_md(line))
    flush()
    return [b for b in blocks if b.text]


def _strip_md(text: str) -> str:
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # links keep their words
    return re.sub(r"(\*\*|__|\*|_|`)(.+?)\1", r"\2", text)


class _HTMLBlocks(HTMLParser):
    _SKIP = {"script", "style", "nav", "header", "footer", "noscript", "svg", "form", "button"}
    _BLOCK = {"p": "para", "li": "bullet", "h1": "heading", "h2": "heading", "h3": "heading",
              "h4": "heading", "h5": "heading", "h6": "heading", "td": "para", "dd": "para",
              "dt": "para", "blockquote": "para", "figcaption": "para"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._skip_depth = 0
        self._current: tuple[str, int] | None = None
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip_depth += 1
        elif tag in self._BLOCK and not self._skip_depth:
            self._flush()
            level = int(tag[1]) if tag[0] == "h" and tag[1:].isdigit() else 0
            self._current = (self._BLOCK[tag], level)
        elif tag == "br":
            self._buffer.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in self._BLOCK and not self._skip_depth:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self._buffer.append(data)

    def _flush(self) -> None:
        text = _clean(" ".join(self._buffer))
        self._buffer = []
        kind, level = self._current or ("para", 0)
        self._current = None
        if not text:
            return
        if kind == "heading":
            text = _BACK_TO_TOP.sub(r"\g<title>", text).strip()
        self.blocks.append(Block(kind, text, level))

    def close(self) -> None:
        super().close()
        self._flush()


def blocks_from_html(text: str) -> list[Block]:
    """HTML as saved from the Inspectorate's site: headings, paragraphs and list items."""
    body = re.search(r"<main\b.*?</main>", text, re.S | re.I) or re.search(r"<article\b.*?</article>", text, re.S | re.I)
    parser = _HTMLBlocks()
    parser.feed(body.group(0) if body else text)
    parser.close()
    return parser.blocks


_PDF_BULLET = re.compile(r"^[•●▪◦·\uf0b7\uf0a7*\-–]\s*")
_PDF_STARTS_BLOCK = re.compile(r"^(?:Example of effectiveness\s*:|Case (?:example|study|summary)\b|Outcome\s*:|"
                               r"Inspector'?s comments?|Take-?away learning)", re.I)


def lines_from_pdf(raw: bytes) -> list[list[str]]:
    """The text lines of each page of a PDF (pypdf), or a CorpusError saying what to do."""
    import io
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # malformed-but-readable files are common
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            raise CorpusError("the PDF is password-protected; save an unprotected copy or the web page instead")
        return [[_clean(line) for line in (page.extract_text() or "").splitlines()] for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise CorpusError(f"the PDF cannot be read ({exc}); save the web page as .html or .txt instead") from None


def blocks_from_pdf(pages: list[list[str]]) -> list[Block]:
    """PDF text: page furniture dropped, wrapped lines joined into paragraphs and bullets.

    A PDF has no heading levels, so short lines stay paragraphs: inside an example they
    become its sub-headings; elsewhere they stay in the section's text.
    """
    counts: dict[str, int] = {}
    for page in pages:
        for line in set(page):
            counts[line] = counts.get(line, 0) + 1
    furniture = {line for line, n in counts.items() if len(pages) > 2 and n > len(pages) / 2}
    blocks: list[Block] = []
    current: list[str] = []
    kind = "para"

    def flush() -> None:
        nonlocal current
        if current:
            blocks.append(Block(kind, _clean(" ".join(current))))
        current = []

    for page in pages:
        for line in page:
            if not line or line in furniture or re.fullmatch(r"(?:Page )?\d{1,3}(?: of \d{1,3})?", line):
                continue
            heading = _BACK_TO_TOP.match(line)
            if heading:
                flush()
                blocks.append(Block("heading", heading.group("title"), 2))
                continue
            previous = current[-1] if current else ""
            ends_sentence = previous.endswith((".", ":", "?", "!", ";"))
            short_previous = bool(previous) and len(previous) <= 80 and not ends_sentence and len(current) == 1
            if _PDF_BULLET.match(line) and len(line) > 2:
                flush()
                kind = "bullet"
                current = [_PDF_BULLET.sub("", line)]
            elif _PDF_STARTS_BLOCK.match(line) or not current or (ends_sentence and line[:1].isupper()) or \
                    (short_previous and line[:1].isupper() and kind == "para"):
                flush()
                kind = "para"
                current = [line]
            else:
                current.append(line)
    flush()
    return blocks


def _clean(text: str) -> str:
    text = html.unescape(text).replace("\u00a0", " ").replace("\u200b", "")
    return re.sub(r"\s+", " ", text).strip()


# --- the structural parser ------------------------------------------------------------------

_EXAMPLE_MARKERS = (
    re.compile(r"^Example of effectiveness\s*:\s*(?P<title>.+)$", re.I),
    re.compile(r"^(?:Case (?:example|study)|Practice example)\s*:\s*(?P<title>.+)$", re.I),
)
_CASE_SUMMARY = re.compile(r"^Case summary\b\s*[:\-–]?\s*(?P<title>.*)$", re.I)
_OUTCOME = re.compile(r"^Outcome\s*:\s*(?P<text>.+)$", re.I)
_PERSON = re.compile(
    r"^(?:(?P<name>[A-Z][a-z]+),\s+)?[Aa]n?\s+(?P<age>\d{1,2})-year-old\s+"
    r"(?:[\w' -]*?\s)??(?P<gender>man|woman|male|female|boy|girl)\b"
)
_GENDERS = {"man": "male", "male": "male", "boy": "male", "woman": "female", "female": "female", "girl": "female"}
_FOOTNOTE = re.compile(r"\[\d+\]")


def _example_title(block: Block) -> str | None:
    if block.kind not in ("para", "heading"):
        return None
    for marker in _EXAMPLE_MARKERS:
        match = marker.match(block.text)
        if match:
            return match.group("title").strip()
    return None


def _looks_like_subheading(block: Block) -> bool:
    """A short line without a full stop, such as "Responsive practice:" or "Ongoing review"."""
    if block.kind == "heading":
        return True
    if block.kind != "para":
        return False
    text = block.text
    return len(text) <= 80 and not text.endswith((".", "?", "!", ";", ",")) and not _OUTCOME.match(text) \
        and len(text.split()) <= 12


def slugify(text: str, limit: int = 60) -> str:
    """A readable, stable id fragment: lower-case words joined by hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug or "untitled"


def _link(url: str, anchor_text: str) -> str:
    """A link to the source that scrolls to the passage where browsers support text fragments."""
    if not url:
        return ""
    fragment = urllib.parse.quote(anchor_text[:80], safe="")
    return f"{url}#:~:text={fragment}"


class _DocumentParser:
    def __init__(self, doc_id: str, doc_title: str, url: str, blocks: list[Block], expects_examples: bool = True):
        self.doc_id = doc_id
        self.expects_examples = expects_examples
        self.doc_title = doc_title
        self.url = url
        self.blocks = blocks
        self.examples: list[Example] = []
        self.sections: list[Section] = []
        self.warnings: list[str] = []
        self._used_ids: set[str] = set()
        self._order = 0

    def parse(self) -> None:
        levels = sorted({b.level for b in self.blocks if b.kind == "heading"})
        # the document title heading (a lone top-level heading) is not a section
        title_level = levels[0] if levels and sum(
            1 for b in self.blocks if b.kind == "heading" and b.level == levels[0]) == 1 and len(levels) > 1 else None

        path: list[tuple[int, str]] = []  # open headings (level, title)
        pending: list[Block] = []
        i = 0
        preamble = True
        while i < len(self.blocks):
            block = self.blocks[i]
            title = _example_title(block)
            summary = _CASE_SUMMARY.match(block.text) if block.kind in ("heading", "para") and len(block.text) < 120 else None
            if title is not None or (summary and self._is_case_summary_block(i)):
                self._flush_section(path, pending, preamble)
                pending = []
                preamble = False
                i = self._read_example(i, path, title if title is not None else None)
                continue
            if block.kind == "heading" and block.level != title_level:
                self._flush_section(path, pending, preamble)
                pending = []
                preamble = False
                while path and path[-1][0] >= block.level:
                    path.pop()
                path.append((block.level, block.text))
            elif block.kind == "heading":
                self._flush_section(path, pending, preamble)
                pending = []
            else:
                pending.append(block)
            i += 1
        self._flush_section(path, pending, preamble)
        if not self.examples and self.expects_examples:
            self.warnings.append(
                f"{self.doc_id}: no case examples recognised (looked for 'Example of effectiveness:', "
                f"'Case study:' and 'Case summary' blocks); ingested {len(self.sections)} sections "
                "by headings and paragraphs"
            )

    def _is_case_summary_block(self, i: int) -> bool:
        """A "Case summary" heading that starts an older guide's case block."""
        block = self.blocks[i]
        if block.kind == "heading":
            return True
        return _looks_like_subheading(block)

    def _flush_section(self, path: list[tuple[int, str]], blocks: list[Block], preamble: bool) -> None:
        if not blocks:
            return
        text = "\n".join(("• " + b.text) if b.kind == "bullet" else b.text for b in blocks)
        if preamble and not path:
            # licence boilerplate and page furniture before the first heading
            return
        titles = [t for _, t in path] or [self.doc_title]
        title = titles[-1]
        base = f"{self.doc_id}:section:{slugify(title)}"
        section = Section(
            id=self._unique(base),
            title=title,
            document=self.doc_title,
            document_id=self.doc_id,
            path=tuple(titles[:-1]),
            text=_FOOTNOTE.sub("", text).strip(),
            url=_link(self.url, title),
            order=self._next_order(),
        )
        self.sections.append(section)

    def _read_example(self, start: int, path: list[tuple[int, str]], title: str | None) -> int:
        """Read one example from `start`; return the index of the first block after it."""
        first = self.blocks[start]
        old_style = title is None  # a "Case summary" block
        if old_style:
            match = _CASE_SUMMARY.match(first.text)
            title = match.group("title").strip() if match else ""
        start_level = first.level if first.kind == "heading" else 99
        body: list[Block] = []
        i = start + 1
        while i < len(self.blocks):
            block = self.blocks[i]
            if _example_title(block) is not None:
                break
            if old_style and _CASE_SUMMARY.match(block.text) and _looks_like_subheading(block):
                break
            if block.kind == "heading" and (block.level <= 2 or block.level <= start_level) and not (
                old_style and block.level > start_level
            ):
                if not (old_style and _is_old_style_group(block.text)):
                    break
            body.append(block)
            i += 1
        self._build_example(title, path, body, old_style)
        return i

    def _build_example(self, title: str, path: list[tuple[int, str]], body: list[Block], old_style: bool) -> None:
        intro: list[str] = []
        groups: list[tuple[str, list[str]]] = []
        outcome = None
        for block in body:
            text = _FOOTNOTE.sub("", block.text).strip()
            match = _OUTCOME.match(text) if block.kind == "para" else None
            if match:
                outcome = match.group("text").strip()
            elif _looks_like_subheading(block) and block.kind != "bullet":
                groups.append((text.rstrip(":").strip(), []))
            elif block.kind == "bullet" or groups:
                if not groups:
                    groups.append(("", []))
                groups[-1][1].append(text)
            else:
                intro.append(text)
        if old_style and not title:
            title = (intro[0][:70] if intro else "Case summary")
        section = path[-1][1] if path else self.doc_title

        person = None
        person_match = _PERSON.match(intro[0]) if intro else None
        if person_match:
            person = Person(
                name=person_match.group("name"),
                age=int(person_match.group("age")),
                gender=_GENDERS[person_match.group("gender")],
            )
        kind = "case" if person or old_style else "organisational"

        group_objs = tuple(Group(h, tuple(points)) for h, points in groups if points or h)
        lines = list(intro)
        for group in group_objs:
            lines.append(group.text())
        if outcome:
            lines.append(f"Outcome: {outcome}")
        text = "\n\n".join(lines)

        intro_text = " ".join(intro)
        tags = facets.tag_example(kind, title, intro_text, group_objs, outcome)

        example = Example(
            id=self._unique(f"{self.doc_id}:{slugify(title)}"),
            kind=kind,
            title=title,
            document=self.doc_title,
            document_id=self.doc_id,
            section=section,
            person=person,
            sentence=tags.sentence,
            needs=tags.needs,
            standards=tags.standards,
            intro=intro_text,
            groups=group_objs,
            outcome=outcome,
            text=text,
            url=_link(self.url, title),
            order=self._next_order(),
        )
        self.examples.append(example)

    def _unique(self, base: str) -> str:
        candidate, n = base, 2
        while candidate in self._used_ids:
            candidate, n = f"{base}-{n}", n + 1
        self._used_ids.add(candidate)
        return candidate

    def _next_order(self) -> int:
        self._order += 1
        return self._order


def _is_old_style_group(text: str) -> bool:
    return bool(re.match(r"^(Inspector'?s comments?|Take-?away learning|What (?:we found|worked))\b", text, re.I))


# --- documents ------------------------------------------------------------------------------


def read_metadata(path: Path) -> dict:
    """The sidecar `<name>.meta.json` beside a document, or {} when there is none."""
    sidecar = path.with_name(path.stem + ".meta.json")
    if not sidecar.exists():
        return {}
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{sidecar} is not valid JSON ({exc}); fix it or delete it") from None
    if not isinstance(data, dict):
        raise CorpusError(f"{sidecar} must hold a JSON object of metadata; fix it or delete it")
    return data


def parse_document(path: Path) -> Document:
    """Parse one document file into examples and sections."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise CorpusError(f"{path.name}: unsupported file type '{suffix}'; use .txt, .md, .html or .pdf")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"cannot read {path} ({exc.strerror}); check its permissions or remove it") from None
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise CorpusError(f"{path.name} is larger than {MAX_DOCUMENT_BYTES // 2**20} MiB; split it or remove it")
    if not raw.strip():
        raise CorpusError(f"{path.name} is empty; add its text or remove it from the corpus")
    if suffix == ".pdf":
        try:
            pages = lines_from_pdf(raw)
        except CorpusError as exc:
            raise CorpusError(f"{path.name}: {exc}") from None
        text = "\n".join(line for page in pages for line in page)
        if not text.strip():
            raise CorpusError(f"{path.name} has no text layer (a scanned PDF?); add the web page or a text version")
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CorpusError(f"{path.name} is not UTF-8 text; re-save it as UTF-8 or remove it") from None
        if not text.strip():
            raise CorpusError(f"{path.name} is empty; add its text or remove it from the corpus")

    meta = read_metadata(path)
    if suffix == ".pdf":
        blocks = blocks_from_pdf(pages)
    elif suffix in (".html", ".htm"):
        blocks = blocks_from_html(text)
    elif suffix in (".md", ".markdown"):
        blocks = blocks_from_markdown(text)
    else:
        blocks = blocks_from_text(text)
    if not blocks:
        raise CorpusError(f"{path.name} has no readable text; check the file or remove it")

    doc_id = str(meta.get("id") or slugify(path.stem, 40))
    title = str(meta.get("title") or _first_heading(blocks) or path.stem)
    # reference documents (the standards summary, a glossary page) are not expected to hold examples
    expects_examples = meta.get("kind") not in ("standards", "reference")
    parser = _DocumentParser(doc_id, title, str(meta.get("url") or ""), blocks, expects_examples)
    parser.parse()
    if not parser.examples and not parser.sections:
        raise CorpusError(f"{path.name}: nothing could be read as sections or examples; check the file")
    return Document(
        id=doc_id, title=title, path=path.name, meta=meta,
        examples=parser.examples, sections=parser.sections, warnings=parser.warnings,
    )


def _first_heading(blocks: list[Block]) -> str | None:
    return next((b.text for b in blocks if b.kind == "heading"), None)


def document_paths(corpus_dir: Path) -> list[Path]:
    """The document files in the corpus (``corpus/documents/``), sorted by name."""
    docs_dir = corpus_dir / "documents"
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder {corpus_dir} does not exist; create it or set ASSISTANT_CORPUS_DIR")
    if not docs_dir.is_dir():
        raise CorpusError(f"{docs_dir} does not exist; put the spotlight documents there")
    paths = sorted(p for p in docs_dir.iterdir()
                   if p.is_file() and not p.name.startswith(".") and not p.name.endswith(".meta.json"))
    if not paths:
        raise CorpusError(f"no documents in {docs_dir}; add .txt, .md or .html files")
    return paths


@dataclass
class CorpusRead:
    """The documents that could be parsed, and a one-line reason for each that could not."""

    documents: list[Document]
    skipped: list[tuple[str, str]]  # (file name, why it was skipped)


def read_corpus(corpus_dir: Path) -> CorpusRead:
    """Parse every document; a bad document is skipped with its reason, never stopping the rest.

    Raises CorpusError only when the corpus folder is missing or no document can be read.
    """
    documents: list[Document] = []
    skipped: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for path in document_paths(corpus_dir):
        try:
            doc = parse_document(path)
        except CorpusError as exc:
            skipped.append((path.name, str(exc)))
            continue
        if doc.id in seen:
            skipped.append((path.name, f"{path.name} has the same id '{doc.id}' as {seen[doc.id]}; give one a "
                                       "different \"id\" in its .meta.json"))
            continue
        seen[doc.id] = doc.path
        documents.append(doc)
    if not documents:
        reasons = "; ".join(why for _, why in skipped)
        raise CorpusError(f"no document in {corpus_dir / 'documents'} could be read ({reasons})")
    return CorpusRead(documents, skipped)


def load_corpus(corpus_dir: Path) -> list[Document]:
    """Parse every document in the corpus, strictly: the first bad document raises CorpusError."""
    read = read_corpus(corpus_dir)
    if read.skipped:
        raise CorpusError(read.skipped[0][1])
    return read.documents


def corpus_files(corpus_dir: Path) -> Iterator[Path]:
    """Every file whose content the index depends on."""
    yield from sorted(p for p in corpus_dir.rglob("*") if p.is_file() and not p.name.startswith("."))


def corpus_hash(corpus_dir: Path) -> str:
    """SHA-256 over the corpus files' names and contents, plus the parser version."""
    digest = hashlib.sha256(f"parser {PARSER_VERSION}\n".encode())
    for path in corpus_files(corpus_dir):
        digest.update(str(path.relative_to(corpus_dir)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def all_units(documents: Iterable[Document]) -> list[Example | Section]:
    """Examples and sections of every document, in document order."""
    units: list[Example | Section] = []
    for doc in documents:
        units.extend(sorted([*doc.examples, *doc.sections], key=lambda u: u.order))
    return units
