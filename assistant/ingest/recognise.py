"""The structure walk every publication family shares: headings, sections, where examples start and end.

A family (see `assistant/ingest/families/`) decides how an example's title and section are
chosen and what the publication is called; this walk does the rest, the same way for every
format, since every reader produced the same blocks:

- headings open sections (their levels make the path of themes); the lone top heading is
  the document's title; a heading's "3." numbering is not part of its name. A run-in label
  below a theme ("Strengths:", "Areas for improvement", any short colon-ended heading) is a
  sub-heading of its finding, kept in the finding's text, never a theme;
- an example opens at a marker (a noun from the vocabulary — "Case study", "Practice
  example", "Example of effectiveness", … — numbered "3", "3.", "three" or not, then any
  separator and its title, or the title on the next line), at a case block's "Case summary",
  at a callout box that holds an example (whatever element drew the box), or at a table that
  lays out a case study (a label/value table, titled in a merged first row or by the heading
  just before it);
- a marker's example ends at the next example, at a heading as high as its section's, at
  navigation ("Next chapter: …"), at back matter (annex, glossary, references), at a finding
  label ("Areas for improvement"), or at the end of the box it opened in; a case block ends
  at the next heading that is not one of its part labels ("Inspector's comments", …);
- text that is not in an example becomes section units (a box that holds no example, and a
  data table, stay in their section); page furniture never does.

Every block's fate is recorded (`Recognised.fates`): in an example, in a section, a heading
or title, or dropped with the reason — so the document's accounting can show that nothing
was lost silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.ingest import tables
from assistant.ingest.blocks import CAPTION, FURNITURE, HEADING, ITEM, PARA, TABLE, Block
from assistant.ingest.examples import (FOOTNOTE, ExampleParts, build_example, is_closing_outcome, is_outcome_label,
                                       looks_like_subheading)
from assistant.ingest.vocabulary import is_label, label_in
from assistant.types import Example, Section
from assistant.ingest.markers import (_case_summary_pattern, _clean_title, heading_name, heading_role, is_finding_label, link,
                                      match_marker, slugify)

_ENDS_EXAMPLE = ("navigation", "contents")
# what happened to a block that was kept
IN_EXAMPLE, IN_SECTION, AS_HEADING, AS_TITLE = "example", "section", "heading", "title"
KEPT = (IN_EXAMPLE, IN_SECTION, AS_HEADING, AS_TITLE)
TITLE_PAGE = "title page"  # cover lines (title, date, publisher) read as metadata, not indexed as text


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    role: str  # "theme" | "structural" | "label" | "back matter" | "example title" (a heading that titled an example)


@dataclass(frozen=True)
class Start:
    """How an example opens: its own title (if it has one) and how many blocks the opening took."""

    style: str  # "marker" | "case"
    title: str | None
    consumed: int
    case: bool
    level: int | None  # the opening block's heading level, or None for a paragraph
    organisational: bool = False


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
    fates: list[str] = field(default_factory=list)  # one per block: where it went, or why it was dropped


# --- markers ----------------------------------------------------------------------------------


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
        self.result = Recognised(fates=[""] * len(blocks))
        self._used_ids: set[str] = set()
        self._order = 0
        headings = [b for b in blocks if b.kind == HEADING and not b.box]
        levels = sorted({b.level for b in headings})
        self.title_level = None
        if levels and len(levels) > 1 and sum(1 for b in headings if b.level == levels[0]) == 1:
            self.title_level = levels[0]
        self.title_heading = next((b.text for b in headings if b.level == self.title_level), None)
        self.has_headings = any(b.level != self.title_level for b in headings)
        self._boxes: dict[int, tuple[int, int]] = {}  # box number -> (first index, end index)
        for index, block in enumerate(blocks):
            if block.box:
                first, _ = self._boxes.get(block.box, (index, index))
                self._boxes[block.box] = (first, index + 1)
        self._box_examples: dict[int, bool] = {}
        self._openings: dict[int, Start | None] = {}
        self._table_examples: dict[int, list[tables.TableExample] | None] = {}

    # --- fates ---------------------------------------------------------------------------

    def _mark(self, start: int, end: int, fate: str) -> None:
        for j in range(start, end):
            if self.blocks[j].kind == FURNITURE:
                self.result.fates[j] = self.blocks[j].role or "furniture"
            elif not self.result.fates[j]:
                self.result.fates[j] = fate

    # --- boxes and tables ----------------------------------------------------------------

    def box_range(self, i: int) -> tuple[int, int] | None:
        """(first, end) of the box block i sits in, or None."""
        box = self.blocks[i].box
        return self._boxes.get(box) if box else None

    def box_holds_example(self, box: int) -> bool:
        """Whether a callout box holds an example: a marker or case label in it, or enough text with a
        person, an outcome or a case-study table."""
        if box in self._box_examples:
            return self._box_examples[box]
        first, end = self._boxes[box]
        indices = [j for j in range(first, end) if self.blocks[j].is_content]
        content = [self.blocks[j] for j in indices]
        holds = False
        if any(self._opening(j) is not None for j in indices):
            holds = True
        elif sum(len(b.text.split()) for b in content) >= 30:
            from assistant.ingest.people import find_person

            paragraphs = [b.text for b in content if b.kind in (PARA, ITEM)]
            holds = bool(find_person(paragraphs)) or any(
                is_outcome_label(b.text) or self._inline_outcome(b) or (b.kind == ITEM and is_closing_outcome(b.text))
                for b in content) or any(self.blocks[j].kind == TABLE and self.table_examples(j) for j in indices)
        self._box_examples[box] = holds
        return holds

    @staticmethod
    def _inline_outcome(block: Block) -> bool:
        from assistant.ingest.examples import _outcome_inline

        return block.kind in (PARA, HEADING) and bool(_outcome_inline().match(block.text))

    def table_examples(self, i: int) -> list[tables.TableExample] | None:
        if i not in self._table_examples:
            self._table_examples[i] = tables.read_table(self.blocks[i]) if self.blocks[i].kind == TABLE else None
        return self._table_examples[i]

    # --- openings ------------------------------------------------------------------------

    def _opening(self, i: int) -> Start | None:
        """A marker or case-summary opening at block i (boxes and tables aside)."""
        if i not in self._openings:
            self._openings[i] = self._read_opening(i)
        return self._openings[i]

    def _read_opening(self, i: int) -> Start | None:
        block = self.blocks[i]
        if block.kind not in (PARA, HEADING):
            return None
        text = block.text
        level = block.level if block.kind == HEADING else None
        marker = match_marker(text, heading=block.kind == HEADING or block.role == CAPTION)
        if marker:
            title = marker.title
            if title and not (block.kind == PARA and title.endswith(".") and len(title.split()) > 25):
                return Start("marker", _clean_title(title), 1, marker.case, level, marker.organisational)
            following = self._next_content(i)
            if following is not None and _title_like(self.blocks[following]) and \
                    self._start_without_lookahead(following) is None and \
                    self.blocks[following].box == block.box:
                return Start("marker", _clean_title(self.blocks[following].text), following - i + 1, marker.case,
                             level, marker.organisational)
            return Start("case" if marker.case else "marker", None, 1, marker.case, level, marker.organisational)
        summary = _case_summary_pattern().match(text) if len(text) <= 160 else None
        if summary and (block.kind == HEADING or looks_like_subheading(block)):
            title = (summary.group("title") or "").strip()
            return Start("case", _clean_title(title) or None, 1, True, level)
        return None

    def start_at(self, i: int) -> Start | None:
        """An example opening at block i: a marker or case summary, a box holding an example, or an
        example table."""
        block = self.blocks[i]
        span = self.box_range(i)
        if span and span[0] == i and self.box_holds_example(block.box):
            return Start("box", None, 0, False, None)
        if block.kind == TABLE and self.table_examples(i):
            return Start("table", None, 0, False, None)
        return self._opening(i)

    def _start_without_lookahead(self, i: int) -> bool | None:
        text = self.blocks[i].text
        if match_marker(text, heading=self.blocks[i].kind == HEADING) or _case_summary_pattern().match(text):
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

    def end_of(self, start: Start, first: int, path: list[Heading], limit: int | None = None) -> int:
        """The index of the first block after the example whose body starts at `first` (never past `limit`)."""
        themes = [h for h in path if h.role == "theme"]
        section_level = path[-1].level if path else (start.level if start.level is not None else 1)
        title_level = themes[-1].level if themes else section_level
        stop = len(self.blocks) if limit is None else limit
        own_box = self.blocks[first - 1].box if first > 0 else 0
        has_body = False
        i = first
        while i < stop:
            block = self.blocks[i]
            if block.kind == FURNITURE:
                if block.role in _ENDS_EXAMPLE:
                    return i
                i += 1
                continue
            if block.box and block.box != own_box:
                span = self._boxes[block.box]
                if span[0] == i and has_body and self.box_holds_example(block.box):
                    return i
                if span[0] == i and not has_body:  # the marker's whole body is the box after it
                    own_box = block.box
            elif self._opening(i) is not None:
                return i
            if block.kind == TABLE and has_body and self.table_examples(i) and \
                    any(e.title or e.marker for e in self.table_examples(i)):
                return i
            if block.kind in (PARA, HEADING) and is_finding_label(block.text) and not (own_box and block.box == own_box):
                return i
            if block.kind == HEADING and not (own_box and block.box == own_box):
                if block.level != self.title_level:
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
                else:
                    return i
            has_body = True
            i += 1
        return i

    # --- the walk ------------------------------------------------------------------------

    def run(self) -> Recognised:
        path: list[Heading] = []
        pending: list[int] = []
        back_matter_level: int | None = None
        seen_heading = False
        last_heading: int | None = None  # the index of the last heading pushed onto the path
        i = 0
        while i < len(self.blocks):
            block = self.blocks[i]
            if block.kind == FURNITURE:
                self._mark(i, i + 1, "")
                i += 1
                continue
            start = self.start_at(i) if back_matter_level is None else None
            if start is not None:
                self._flush_section(path, pending, seen_heading)
                pending = []
                after_heading = last_heading is not None and all(
                    self.blocks[j].kind == FURNITURE for j in range(last_heading + 1, i))
                i = self._examples_at(i, start, path, after_heading)
                continue
            if block.kind == HEADING and (self._is_run_in(block, path) or self._in_plain_box(i)
                                          or self._titles_data_table(i, path)):
                pending.append(i)  # a sub-heading of its finding, a box's or a table's heading: kept in the text
                i += 1
                continue
            if block.kind == HEADING:
                self._flush_section(path, pending, seen_heading)
                pending = []
                if block.level == self.title_level:
                    self._mark(i, i + 1, AS_TITLE)
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
                self._mark(i, i + 1, AS_HEADING)
                last_heading = i
                end = self._heading_case(i) if back_matter_level is None and role == "theme" else None
                if end is not None:  # a heading over one person's case, told to its outcome: an example
                    title, section = self._untitled(path, True, i)
                    self._add_example(title, section, i + 1, i + 1, end, Start("case", title, 0, False, block.level))
                    i = end
                    continue
            else:
                pending.append(i)
            i += 1
        self._flush_section(path, pending, seen_heading)
        self._mark(0, len(self.blocks), "unplaced")  # nothing should be left; if it is, it is named
        if not self.result.examples and self.context.expects_examples:
            self.result.warnings.append(
                f"{self.context.doc_id}: no case examples recognised (looked for example markers such as "
                f"'Case study:' or 'Practice example 3:', 'Case summary' blocks, boxes and tables holding a case); "
                f"ingested {len(self.result.sections)} sections by headings and paragraphs"
            )
        return self.result

    def _is_run_in(self, block: Block, path: list[Heading]) -> bool:
        """A heading below a theme that is a run-in label: colon-ended and short, or a finding's label."""
        if not any(h.level < block.level and h.role in ("theme", "structural") for h in path):
            return False
        text = block.text.strip()
        if text.endswith(":") and len(text.split()) <= 8:
            return True
        return label_in(text, "finding", "finding_minor")

    def _heading_case(self, i: int) -> int | None:
        """The end of the case a heading titles, or None: a heading whose text, up to the next heading as high
        as it, opens no example of its own, introduces a person in its first paragraphs and reaches an outcome
        ("Outcome: …", or a closing "This case demonstrated …"). The person must be met before any sub-heading, so
        a theme whose sub-headings title cases is not itself one. A section heading is known by what follows it."""
        from assistant.ingest.people import find_person

        level = self.blocks[i].level
        paragraphs: list[str] = []  # the first paragraphs, before any sub-heading: they must meet the person
        for block in self.blocks[i + 1:]:
            if block.kind == HEADING and not (is_label(block.text, "case_summary") or label_in(block.text, "introduction")):
                break
            if block.kind == PARA:
                paragraphs.append(block.text)
                if len(paragraphs) == 2:
                    break
        if not paragraphs or find_person(paragraphs) is None:
            return None
        end = i + 1
        while end < len(self.blocks):
            block = self.blocks[end]
            if block.kind == HEADING and block.level <= level and not block.box:
                break
            if block.kind == FURNITURE and block.role in _ENDS_EXAMPLE:
                break
            if block.is_content and self.start_at(end) is not None:
                return None  # the heading is a theme over examples of their own
            end += 1
        content = [b for b in self.blocks[i + 1:end] if b.is_content]
        if not any(self._inline_outcome(b) or (b.kind in (PARA, HEADING) and is_outcome_label(b.text))
                   or (b.kind in (PARA, ITEM) and is_closing_outcome(b.text)) for b in content):
            return None
        return end

    def _titles_data_table(self, i: int, path: list[Heading]) -> bool:
        """A heading below a theme with nothing but a data table under it is the table's title, not a theme."""
        block = self.blocks[i]
        if not any(h.level < block.level and h.role in ("theme", "structural") for h in path):
            return False
        following = self._next_content(i)
        return following is not None and self.blocks[following].kind == TABLE and not self.table_examples(following)

    def _in_plain_box(self, i: int) -> bool:
        """Whether block i sits in a box that holds no example (its headings stay in the box's text)."""
        box = self.blocks[i].box
        return bool(box) and not self.box_holds_example(box)

    def _examples_at(self, i: int, start: Start, path: list[Heading], after_heading: bool) -> int:
        """Add the example(s) opening at block i; the index after them."""
        if start.style == "box":
            first, end = self._boxes[self.blocks[i].box]
            self._examples_in_box(first, end, path, after_heading)
            return end
        if start.style == "table":
            self._examples_from_table(i, path, after_heading)
            return i + 1
        span = self.box_range(i)
        end = self.end_of(start, i + start.consumed, path, limit=span[1] if span else None)
        title, section = self.family.title_and_section(start, path, self._fallback_title(i))
        self._add_example(title, section, i, i + start.consumed, end, start)
        return max(end, i + 1)

    def _examples_in_box(self, first: int, end: int, path: list[Heading], after_heading: bool) -> None:
        """A box that holds an example: its markers open examples inside it; otherwise the whole box is one,
        titled by its caption, its first title-like line, or the heading just before it."""
        openings = [j for j in range(first, end) if self.blocks[j].is_content and self._opening(j) is not None]
        if openings:
            if openings[0] > first:
                self._flush_section(path, list(range(first, openings[0])), True)
            j = openings[0]
            while j < end:
                start = self._opening(j)
                if start is None:
                    j += 1
                    continue
                stop = self.end_of(start, j + start.consumed, path, limit=end)
                title, section = self.family.title_and_section(start, path, self._fallback_title(j))
                self._add_example(title, section, j, j + start.consumed, stop, start)
                j = max(stop, j + 1)
            return
        content = [j for j in range(first, end) if self.blocks[j].is_content]
        title_index = next((j for j in content if self.blocks[j].role == CAPTION), None)
        if title_index is None and len(content) > 1:
            head = self.blocks[content[0]]
            if (head.kind == HEADING or (head.kind == PARA and _title_like(head) and len(head.text.split()) <= 20
                                         and not is_outcome_label(head.text))):
                title_index = content[0]
        if title_index is not None:
            own = _clean_title(self.blocks[title_index].text)
            start = Start("marker", own, 0, False, None)
            title, section = self.family.title_and_section(start, path, own)
            self._mark(title_index, title_index + 1, IN_EXAMPLE)
        else:
            title, section = self._untitled(path, after_heading, first)
            start = Start("marker", title, 0, False, None)
        body = [j for j in range(first, end) if j != title_index]
        self._add_example(title, section, first, first, end, start, body=body)

    def _untitled(self, path: list[Heading], after_heading: bool, i: int) -> tuple[str, str]:
        """Title and section of an example that names no title: the heading just before it (and the theme
        above that), else a title-like line before it."""
        themes = [h.text for h in path if h.role in ("theme", "structural")]
        if after_heading and themes:
            if path[-1].role in ("theme", "structural"):
                # the heading titles this example: it is no theme for the examples after it
                path[-1] = Heading(path[-1].level, path[-1].text, "example title")
            return themes[-1], themes[-2] if len(themes) > 1 else themes[-1]
        fallback = self._fallback_title(i)
        return fallback, themes[-1] if themes else fallback

    def _examples_from_table(self, i: int, path: list[Heading], after_heading: bool) -> None:
        found = self.table_examples(i) or []
        for n, table_example in enumerate(found, start=1):
            marker = match_marker(table_example.marker or "", heading=True) if table_example.marker else None
            if table_example.title:
                title = _clean_title(table_example.title)
                themes = [h.text for h in path if h.role in ("theme", "structural")]
                section = themes[-1] if themes else (path[-1].text if path else self._fallback_title(i))
            else:
                title, section = self._untitled(path, after_heading, i)
                if len(found) > 1:
                    title = f"{title} ({n})"
            start = Start("marker", title, 0, bool(marker and marker.case), None,
                          bool(marker and marker.organisational))
            self._add_example(title, section, i, i, i + 1, start, body_blocks=list(table_example.body))

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

    def _flush_section(self, path: list[Heading], indices: list[int], seen_heading: bool) -> None:
        content = [j for j in indices if self.blocks[j].kind != FURNITURE]
        blocks = [self.blocks[j] for j in content]
        if not content:
            return
        if not seen_heading:
            if self.has_headings and not any(_is_prose(b) for b in blocks):
                for j in content:  # a title page: the title, dates and licence lines before the first heading
                    self._mark(j, j + 1, TITLE_PAGE)
                return
            if not self.has_headings:
                self._sections_without_headings(content)
                return
        titles = [h.text for h in path] or [self.title_heading or self.context.doc_title]
        self._add_section(titles[-1], tuple(titles[:-1]), content)

    def _sections_without_headings(self, indices: list[int]) -> None:
        """A document with no headings: its short title-like lines start sections."""
        current_title = self.title_heading or self.context.doc_title
        current: list[int] = []
        for n, j in enumerate(indices):
            block = self.blocks[j]
            nxt = self.blocks[indices[n + 1]] if n + 1 < len(indices) else None
            if block.kind == PARA and _title_like(block) and len(block.text.split()) <= 12 and nxt is not None \
                    and nxt.kind in (PARA, ITEM) and len(nxt.text) > len(block.text):
                if current:
                    self._add_section(current_title, (), current)
                current_title, current = _clean_title(block.text), []
                self._mark(j, j + 1, AS_HEADING)
            else:
                current.append(j)
        if current:
            self._add_section(current_title, (), current)

    def _add_section(self, title: str, path: tuple[str, ...], indices: list[int]) -> None:
        blocks = [self.blocks[j] for j in indices]
        text = "\n".join(("• " + b.text) if b.kind == ITEM else b.text for b in blocks)
        context = self.context
        self.result.sections.append(Section(
            id=self._unique(f"{context.doc_id}:section:{slugify(title)}"), title=title, document=context.doc_title,
            document_id=context.doc_id, path=path, text=FOOTNOTE.sub("", text).strip(), url=link(context.url, title),
            order=self._next_order(), document_year=context.year, document_region=context.region,
            document_kind=context.kind,
        ))
        for j in indices:
            self._mark(j, j + 1, IN_SECTION)

    def _add_example(self, title: str, section: str, opening: int, first: int, end: int, start: Start,
                     body: list[int] | None = None, body_blocks: list[Block] | None = None) -> None:
        context = self.context
        indices = body if body is not None else list(range(first, end))
        parts = ExampleParts(title=title, section=section,
                             body=body_blocks if body_blocks is not None else [self.blocks[j] for j in indices],
                             opened_as_case=start.case, opened_as_organisational=start.organisational)
        self.result.examples.append(build_example(
            parts, example_id=self._unique(f"{context.doc_id}:{slugify(title)}"), document=context.doc_title,
            document_id=context.doc_id, url=link(context.url, title), order=self._next_order(),
            document_year=context.year, document_region=context.region, document_kind=context.kind,
        ))
        self._mark(opening, end, IN_EXAMPLE)

    def _unique(self, base: str) -> str:
        candidate, n = base, 2
        while candidate in self._used_ids:
            candidate, n = f"{base}-{n}", n + 1
        self._used_ids.add(candidate)
        return candidate

    def _next_order(self) -> int:
        self._order += 1
        return self._order


def _is_prose(block: Block) -> bool:
    """A paragraph that says something (a sentence of some length), not a cover's title, date or label line."""
    words = len(block.text.split())
    return block.kind == PARA and (words >= 20 or (words >= 8 and block.text.rstrip().endswith((".", "!", "?"))))
