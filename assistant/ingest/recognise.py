"""The structure walk every publication family shares: headings, sections, where examples start and end.

A family (see `assistant/ingest/families/`) decides how an example's title and section are
chosen and what the publication is called; this walk does the rest, the same way for every
format, since every reader produced the same blocks:

- headings open sections (their levels make the path of themes); the lone top heading is
  the document's title; a heading's "3." numbering is not part of its name;
- an example opens at a marker ("Example of effectiveness: Title", "Practice example 4:
  Title", the title possibly on the next line) or at a case block's "Case summary";
- a marker's example ends at the next example, at a heading as high as its section's, at
  navigation ("Next chapter: …") or at back matter (annex, glossary, references); a case
  block ends at the next heading that is not one of its part labels ("Inspector's comments",
  "Take-away learning", …);
- text that is not in an example becomes section units; page furniture never does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from assistant.ingest.blocks import FURNITURE, HEADING, ITEM, PARA, Block
from assistant.ingest.examples import FOOTNOTE, ExampleParts, build_example, looks_like_subheading
from assistant.ingest.vocabulary import is_label, label_key, vocabulary
from assistant.types import Example, Section

_NUMBERING = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|[A-Z]\.)\s+(?=[A-Z(‘'\"“])")
_ENDS_EXAMPLE = ("navigation", "contents")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    role: str  # "theme" | "structural" | "label" | "back matter"


@dataclass(frozen=True)
class Start:
    """How an example opens: its own title (if it has one) and how many blocks the opening took."""

    style: str  # "marker" | "case"
    title: str | None
    consumed: int
    case: bool
    level: int | None  # the opening block's heading level, or None for a paragraph


@dataclass
class DocumentContext:
    doc_id: str
    doc_title: str
    url: str
    year: int | None = None
    region: str | None = None
    kind: str | None = None
    expects_examples: bool = True


@dataclass
class Recognised:
    examples: list[Example] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def heading_name(text: str) -> str:
    """A heading as a theme: without its "3." or "3.1" numbering."""
    stripped = _NUMBERING.sub("", text).strip()
    return stripped or text


def slugify(text: str, limit: int = 60) -> str:
    """A readable, stable id fragment: lower-case words joined by hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug or "untitled"


def link(url: str, anchor_text: str) -> str:
    """A link to the source that scrolls to the passage where browsers support text fragments."""
    if not url:
        return ""
    from assistant.links import FRAGMENT, text_fragment  # whole words, never a heading cut mid-word

    fragment = text_fragment(anchor_text)
    return f"{url}{FRAGMENT}{fragment}" if fragment else url


@cache
def _marker_pattern() -> re.Pattern[str]:
    markers = sorted(vocabulary()["markers"]["example"], key=len, reverse=True)
    body = "|".join(re.escape(m).replace(r"\ ", r"\s+") for m in markers)
    return re.compile(rf"^(?P<marker>{body})(?:\s+(?:no\.?\s*)?(?P<number>\d{{1,3}}|[A-Z])\b)?\s*"
                      rf"(?:[:\-–—.]\s*(?P<title>.*))?$", re.I)


@cache
def _case_summary_pattern() -> re.Pattern[str]:
    labels = sorted(vocabulary()["labels"]["case_summary"], key=len, reverse=True)
    body = "|".join(re.escape(m).replace(r"\ ", r"\s+") for m in labels)
    return re.compile(rf"^(?:{body})\s*(?:[:\-–—]\s*(?P<title>.*))?$", re.I)


def is_back_matter(text: str) -> bool:
    if is_label(text, "back_matter"):
        return True
    prefixes = vocabulary()["labels"]["back_matter_prefixes"]
    return any(re.match(rf"^{re.escape(p)}(?:\s+[A-Z0-9]{{1,3}}\b|\s*[:\-–—])", text, re.I) for p in prefixes)


def heading_role(text: str) -> str:
    if is_back_matter(text):
        return "back matter"
    if is_label(text, "structural"):
        return "structural"
    if is_label(text, "case_parts") or is_label(text.rstrip(":"), "outcome") or is_label(text, "case_summary"):
        return "label"
    return "theme"


def _title_like(block: Block) -> bool:
    text = block.text
    return block.kind in (PARA, HEADING) and len(text) <= 160 and len(text.split()) <= 25 and \
        not text.endswith((".", "?", "!", ";")) and heading_role(text) != "label"


class Walk:
    """One document's walk through its blocks, for one family."""

    def __init__(self, blocks: list[Block], family, context: DocumentContext):
        self.blocks = blocks
        self.family = family
        self.context = context
        self.result = Recognised()
        self._used_ids: set[str] = set()
        self._order = 0
        headings = [b for b in blocks if b.kind == HEADING]
        levels = sorted({b.level for b in headings})
        self.title_level = None
        if levels and len(levels) > 1 and sum(1 for b in headings if b.level == levels[0]) == 1:
            self.title_level = levels[0]
        self.title_heading = next((b.text for b in headings if b.level == self.title_level), None)
        self.has_headings = any(b.level != self.title_level for b in headings)

    # --- openings ------------------------------------------------------------------------

    def start_at(self, i: int) -> Start | None:
        block = self.blocks[i]
        if block.kind not in (PARA, HEADING):
            return None
        text = block.text
        level = block.level if block.kind == HEADING else None
        marker = _marker_pattern().match(text) if len(text) <= 220 else None
        if marker:
            title = (marker.group("title") or "").strip()
            is_case = label_key(marker.group("marker")) in {label_key(m) for m in vocabulary()["markers"]["case"]}
            if title and not (block.kind == PARA and title.endswith(".") and len(title.split()) > 25):
                return Start("marker", _clean_title(title), 1, is_case, level)
            following = self._next_content(i)
            if following is not None and _title_like(self.blocks[following]) and \
                    self._start_without_lookahead(following) is None:
                return Start("marker", _clean_title(self.blocks[following].text), following - i + 1, is_case, level)
            return Start("case" if is_case else "marker", None, 1, is_case, level)
        summary = _case_summary_pattern().match(text) if len(text) <= 160 else None
        if summary and (block.kind == HEADING or looks_like_subheading(block)):
            title = (summary.group("title") or "").strip()
            return Start("case", _clean_title(title) or None, 1, True, level)
        return None

    def _start_without_lookahead(self, i: int) -> bool | None:
        text = self.blocks[i].text
        if _marker_pattern().match(text) or _case_summary_pattern().match(text):
            return True
        return None

    def _next_content(self, i: int) -> int | None:
        for j in range(i + 1, len(self.blocks)):
            if self.blocks[j].kind != FURNITURE:
                return j
            if self.blocks[j].role in _ENDS_EXAMPLE:
                return None
        return None

    # --- endings -------------------------------------------------------------------------

    def end_of(self, start: Start, first: int, path: list[Heading]) -> int:
        """The index of the first block after the example whose body starts at `first`."""
        themes = [h for h in path if h.role == "theme"]
        section_level = path[-1].level if path else (start.level if start.level is not None else 1)
        title_level = themes[-1].level if themes else section_level
        i = first
        while i < len(self.blocks):
            block = self.blocks[i]
            if block.kind == FURNITURE:
                if block.role in _ENDS_EXAMPLE:
                    return i
                i += 1
                continue
            if self.start_at(i) is not None:
                return i
            if block.kind == HEADING and block.level != self.title_level:
                role = heading_role(block.text)
                if role == "back matter":
                    return i
                if start.style == "marker":
                    if block.level <= section_level and role != "label":
                        return i
                else:
                    if block.level <= title_level and path:
                        return i
                    if role != "label" and (start.level is None or block.level <= start.level):
                        return i
            elif block.kind == HEADING:
                return i
            i += 1
        return i

    # --- the walk ------------------------------------------------------------------------

    def run(self) -> Recognised:
        path: list[Heading] = []
        pending: list[Block] = []
        back_matter_level: int | None = None
        seen_heading = False
        i = 0
        while i < len(self.blocks):
            block = self.blocks[i]
            if block.kind == FURNITURE:
                i += 1
                continue
            start = self.start_at(i) if back_matter_level is None else None
            if start is not None:
                self._flush_section(path, pending, seen_heading)
                pending = []
                end = self.end_of(start, i + start.consumed, path)
                title, section = self.family.title_and_section(start, path, self._fallback_title(i))
                self._add_example(title, section, self.blocks[i + start.consumed:end], start.case)
                i = max(end, i + 1)
                continue
            if block.kind == HEADING:
                self._flush_section(path, pending, seen_heading)
                pending = []
                if block.level == self.title_level:
                    i += 1
                    continue
                seen_heading = True
                role = heading_role(block.text)
                if back_matter_level is not None and block.level <= back_matter_level and role != "back matter":
                    back_matter_level = None
                if role == "back matter" and back_matter_level is None:
                    back_matter_level = block.level
                while path and path[-1].level >= block.level:
                    path.pop()
                path.append(Heading(block.level, heading_name(block.text), role))
            else:
                pending.append(block)
            i += 1
        self._flush_section(path, pending, seen_heading)
        if not self.result.examples and self.context.expects_examples:
            self.result.warnings.append(
                f"{self.context.doc_id}: no case examples recognised (looked for 'Example of effectiveness:', "
                f"'Practice example:', 'Case study:' and 'Case summary' blocks); ingested "
                f"{len(self.result.sections)} sections by headings and paragraphs"
            )
        return self.result

    def _fallback_title(self, i: int) -> str:
        """A title for an example whose opening names none and that has no heading above it."""
        for j in range(i - 1, max(-1, i - 12), -1):
            block = self.blocks[j]
            if block.kind == HEADING:
                break
            if block.kind == PARA and _title_like(block):
                return _clean_title(block.text)
        return self.title_heading or self.context.doc_title

    # --- units ---------------------------------------------------------------------------

    def _flush_section(self, path: list[Heading], blocks: list[Block], seen_heading: bool) -> None:
        content = [b for b in blocks if b.kind != FURNITURE]
        if not content:
            return
        if not seen_heading:
            if self.has_headings and not any(len(b.text.split()) >= 20 for b in content if b.kind == PARA):
                return  # a title page: the title, dates and licence lines before the first heading
            if not self.has_headings:
                self._sections_without_headings(content)
                return
        titles = [h.text for h in path] or [self.title_heading or self.context.doc_title]
        self._add_section(titles[-1], tuple(titles[:-1]), content)

    def _sections_without_headings(self, blocks: list[Block]) -> None:
        """A document with no headings: its short title-like lines start sections."""
        current_title = self.title_heading or self.context.doc_title
        current: list[Block] = []
        for index, block in enumerate(blocks):
            nxt = blocks[index + 1] if index + 1 < len(blocks) else None
            if block.kind == PARA and _title_like(block) and len(block.text.split()) <= 12 and nxt is not None \
                    and nxt.kind in (PARA, ITEM) and len(nxt.text) > len(block.text):
                if current:
                    self._add_section(current_title, (), current)
                current_title, current = _clean_title(block.text), []
            else:
                current.append(block)
        if current:
            self._add_section(current_title, (), current)

    def _add_section(self, title: str, path: tuple[str, ...], blocks: list[Block]) -> None:
        text = "\n".join(("• " + b.text) if b.kind == ITEM else b.text for b in blocks)
        context = self.context
        self.result.sections.append(Section(
            id=self._unique(f"{context.doc_id}:section:{slugify(title)}"), title=title, document=context.doc_title,
            document_id=context.doc_id, path=path, text=FOOTNOTE.sub("", text).strip(), url=link(context.url, title),
            order=self._next_order(), document_year=context.year, document_region=context.region,
            document_kind=context.kind,
        ))

    def _add_example(self, title: str, section: str, body: list[Block], opened_as_case: bool) -> None:
        context = self.context
        parts = ExampleParts(title=title, section=section, body=body, opened_as_case=opened_as_case)
        self.result.examples.append(build_example(
            parts, example_id=self._unique(f"{context.doc_id}:{slugify(title)}"), document=context.doc_title,
            document_id=context.doc_id, url=link(context.url, title), order=self._next_order(),
            document_year=context.year, document_region=context.region, document_kind=context.kind,
        ))

    def _unique(self, base: str) -> str:
        candidate, n = base, 2
        while candidate in self._used_ids:
            candidate, n = f"{base}-{n}", n + 1
        self._used_ids.add(candidate)
        return candidate

    def _next_order(self) -> int:
        self._order += 1
        return self._order


def _clean_title(text: str) -> str:
    text = FOOTNOTE.sub("", text).strip().rstrip(":").strip()
    return text.strip("‘’'\"“” ").strip() or text
