"""Session packs for protected development day (PDD) sessions: Markdown and Word (DOCX).

A pack opens with the session's title, aims, timings and facilitator notes. Then each chosen
example, on its own page: its publication, theme, standards and a clickable source link, its
verbatim text, discussion questions drawn from the example's own structure (its groups of
practice points and its outcome, numbered from 1 for each example), and space for notes.
Every pack carries the OGL attribution. The Word file is A4, with its title, author and
creation date set, so a trainer can hand it out unedited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Sequence

from assistant.errors import BadInputError
from assistant.links import source_link
from assistant.notices import PACK_ATTRIBUTION, PACK_NOTICE
from assistant.types import Example

AUTHOR = "Probation Practice Assistant"
MAX_PACK_EXAMPLES = 12
MAX_FIELD_CHARS = {"title": 120, "aims": 2000, "timings": 2000, "notes": 4000}
DEFAULT_STEM = "session-pack"

# (pattern on a group heading, question); the first match wins
_QUESTIONS = (
    (r"sources|information|gathering", "Which sources of information did the practitioner draw on, and why did they matter?"),
    (r"assess", "What did the assessment look at beyond the offence, and how did it shape what happened next?"),
    (r"plan", "How was the plan built with the person, and why were things done in that order?"),
    (r"safeguard|risk|protect|disclos", "How were risks to others identified and managed, and who else was involved?"),
    (r"agenc|partner|multi|coordinat|communicat|liaison", "Which agencies were involved, and what made the joint working effective?"),
    (r"engag|relationship|responsiv|responsivity|flexib|boundar", "How did the practitioner build engagement while keeping clear boundaries?"),
    (r"intervention|programme|toolkit|delivery", "How was the intervention adapted to the person, and what would you adapt for your own cases?"),
    (r"review", "What did reviewing show, and how did the plan change as a result?"),
    (r"cultur|religio|faith", "How did the practitioner respond to the person's culture and faith, and what did that make possible?"),
)


@dataclass(frozen=True)
class PackItem:
    example: Example
    questions: tuple[str, ...]


@dataclass(frozen=True)
class SessionDetails:
    """What the trainer writes about the session; every field may be left empty."""

    title: str = ""
    aims: str = ""
    timings: str = ""
    notes: str = ""  # facilitator notes for the whole session

    def __post_init__(self) -> None:
        for name, limit in MAX_FIELD_CHARS.items():
            value = getattr(self, name)
            if not isinstance(value, str):
                raise BadInputError(f"the session {name} must be text")
            if len(value) > limit:
                raise BadInputError(f"the session {name} is {len(value):,} characters; keep it under {limit:,}")
            if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", value):
                raise BadInputError(f"the session {name} holds control characters; type it again as plain text")

    def heading(self, items: Sequence[PackItem]) -> str:
        """The pack's title: the session title, or a description of what it holds."""
        if self.title.strip():
            return " ".join(self.title.split())
        return f"PDD session pack: {len(items)} example{'s' if len(items) != 1 else ''} of effective practice"


def discussion_questions(example: Example) -> tuple[str, ...]:
    """Questions drawn from the example's own groups of practice points and outcome."""
    questions: list[str] = []
    for group in example.groups:
        heading = group.heading or ""
        for pattern, question in _QUESTIONS:
            if re.search(pattern, heading, re.I):
                if question not in questions:
                    questions.append(question)
                break
        else:
            if heading:
                questions.append(f"What stands out to you in \"{heading}\", and how would you apply it in your own practice?")
    if example.outcome:
        questions.append("What in this practice do you think made the biggest difference to the outcome?")
    questions.append("What would you do differently, or the same, with a case like this on your caseload?")
    return tuple(dict.fromkeys(questions))


def build_pack(examples: Sequence[Example]) -> list[PackItem]:
    if not examples:
        raise BadInputError("pick at least one example for the session pack")
    if len(examples) > MAX_PACK_EXAMPLES:
        raise BadInputError(f"a session pack holds at most {MAX_PACK_EXAMPLES} examples; you picked {len(examples)}")
    return [PackItem(e, discussion_questions(e)) for e in examples]


def file_stem(title: str) -> str:
    """A safe file name (no extension) from the session title: lower-case letters, digits and hyphens."""
    stem = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    if len(stem) > 60:
        stem = stem[:60].rsplit("-", 1)[0]
    return stem or DEFAULT_STEM


def _facts(example: Example) -> list[tuple[str, str]]:
    facts = [("Person", example.person_summary())] if example.person else []
    return facts + [("Publication", example.document), ("Theme", example.section),
                    ("Standards", ", ".join(example.standards) or "not tagged")]


def _session_parts(details: SessionDetails) -> list[tuple[str, str]]:
    return [(label, text.strip()) for label, text in
            (("Aims", details.aims), ("Timings", details.timings), ("Facilitator notes", details.notes)) if text.strip()]


def to_markdown(items: Sequence[PackItem], today: date | None = None, details: SessionDetails | None = None) -> str:
    today = today or date.today()
    details = details or SessionDetails()
    lines = [f"# {details.heading(items)}", "", f"Prepared {today:%d %B %Y} with the Probation Practice Assistant.", ""]
    for label, text in _session_parts(details):
        lines += [f"## {label}", "", text, ""]
    lines += [f"_{PACK_NOTICE}_", ""]
    for number, item in enumerate(items, start=1):
        example = item.example
        lines += ["---", "", f"## {number}. {example.title}", ""]
        lines += [f"**{label}:** {value}  " for label, value in _facts(example)]
        link = source_link(example)
        lines += [f"**Source:** [{example.document}]({link})" if link else "**Source:** not available", "",
                  "### The example (verbatim)", ""]
        lines += [example.intro, ""] if example.intro else []
        for group in example.groups:
            if group.heading:
                lines += [f"**{group.heading}**", ""]
            lines += [f"- {point}" for point in group.points] + [""]
        if example.outcome:
            lines += [f"**Outcome:** {example.outcome}", ""]
        lines += ["### Discussion questions", ""]
        lines += [f"{i}. {q}" for i, q in enumerate(item.questions, start=1)]
        lines += ["", "### Facilitator notes", "", "_" * 60, "", "_" * 60, "", "_" * 60, ""]
    lines += ["---", "", PACK_ATTRIBUTION, ""]
    return "\n".join(lines)


# --- Word ---------------------------------------------------------------------------------


def _a4(document) -> None:
    from docx.shared import Mm

    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(18)
        section.top_margin = section.bottom_margin = Mm(15)


def _metadata(document, title: str, created: datetime) -> None:
    properties = document.core_properties
    properties.title = title
    properties.author = AUTHOR
    properties.last_modified_by = AUTHOR
    properties.subject = "Protected development day session pack"
    properties.keywords = "probation; effective practice; HM Inspectorate of Probation"
    properties.comments = PACK_ATTRIBUTION
    properties.created = properties.modified = properties.last_printed = created
    properties.revision = 1


def _compact_styles(document) -> None:
    """Print sizes that fit one inspected example, its questions and note lines on an A4 page."""
    from docx.shared import Pt

    sizes = {"Normal": 10, "List Bullet": 10, "List Number": 10, "Title": 22, "Heading 1": 14, "Heading 2": 11.5}
    for name, size in sizes.items():
        style = document.styles[name]
        style.font.size = Pt(size)
        style.paragraph_format.space_after = Pt(3 if name == "Normal" else 2)
        style.paragraph_format.line_spacing = 1.05
        if name.startswith("Heading"):
            style.paragraph_format.space_before = Pt(8)


def _hyperlink(paragraph, url: str, text: str) -> None:
    """A real, clickable hyperlink run (python-docx has no high-level call for one)."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rel_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel_id)
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    colour = OxmlElement("w:color")
    colour.set(qn("w:val"), "1F4E9A")
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    properties.append(colour)
    properties.append(underline)
    run.append(properties)
    content = OxmlElement("w:t")
    content.text = text
    run.append(content)
    link.append(run)
    paragraph._p.append(link)


def _restarted_numbering(document) -> int:
    """A new numbering instance of the "List Number" list, starting again at 1; returns its numId."""
    style = document.styles["List Number"]
    style_num_id = style.element.pPr.numPr.numId.val
    numbering = document.part.numbering_part.element
    abstract_id = numbering.num_having_numId(style_num_id).abstractNumId.val
    num = numbering.add_num(abstract_id)
    num.add_lvlOverride(ilvl=0).add_startOverride(1)
    return num.numId


def _numbered(document, text: str, num_id: int):
    paragraph = document.add_paragraph(text, style="List Number")
    numbering = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    numbering.get_or_add_ilvl().val = 0
    numbering.get_or_add_numId().val = num_id
    return paragraph


def to_docx(items: Sequence[PackItem], target: Path, today: date | None = None,
            details: SessionDetails | None = None) -> Path:
    """Write the pack as an A4 Word document (python-docx), one example per page."""
    from docx import Document
    from docx.shared import Pt

    now = datetime.now(timezone.utc).replace(microsecond=0)
    today = today or now.date()
    details = details or SessionDetails()
    title = details.heading(items)
    document = Document()
    _a4(document)
    _metadata(document, title, now)
    _compact_styles(document)
    document.add_heading(title, level=0)
    document.add_paragraph(f"Prepared {today:%d %B %Y} with the Probation Practice Assistant.")
    for label, text in _session_parts(details):
        document.add_heading(label, level=1)
        for line in text.splitlines():
            document.add_paragraph(line)
    document.add_paragraph(PACK_NOTICE).runs[0].italic = True
    document.add_paragraph(PACK_ATTRIBUTION).runs[0].font.size = Pt(9)
    for number, item in enumerate(items, start=1):
        example = item.example
        heading = document.add_heading(f"{number}. {example.title}", level=1)
        heading.paragraph_format.page_break_before = True  # each example on its own page
        for label, value in _facts(example):
            paragraph = document.add_paragraph()
            paragraph.add_run(f"{label}: ").bold = True
            paragraph.add_run(value)
        paragraph = document.add_paragraph()
        paragraph.add_run("Source: ").bold = True
        link = source_link(example)
        if link:
            _hyperlink(paragraph, link, example.document)
        else:
            paragraph.add_run("not available")
        document.add_heading("The example (verbatim)", level=2)
        if example.intro:
            document.add_paragraph(example.intro)
        for group in example.groups:
            if group.heading:
                document.add_paragraph().add_run(group.heading).bold = True
            for point in group.points:
                document.add_paragraph(point, style="List Bullet")
        if example.outcome:
            paragraph = document.add_paragraph()
            paragraph.add_run("Outcome: ").bold = True
            paragraph.add_run(example.outcome)
        document.add_heading("Discussion questions", level=2)
        num_id = _restarted_numbering(document)
        for question in item.questions:
            _numbered(document, question, num_id)
        document.add_heading("Facilitator notes", level=2)
        for _ in range(3):
            document.add_paragraph("_" * 70)
        footer = document.add_paragraph(PACK_ATTRIBUTION)
        footer.runs[0].font.size = Pt(8)
    target.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(target))
    return target


def write_pack(examples: Sequence[Example], folder: Path, details: SessionDetails | None = None,
               today: date | None = None) -> tuple[Path, Path]:
    """The pack as Markdown and Word in `folder`, named from the session title; returns both paths."""
    details = details or SessionDetails()
    items = build_pack(examples)
    stem = file_stem(details.title)
    folder.mkdir(parents=True, exist_ok=True)
    markdown = folder / f"{stem}.md"
    markdown.write_text(to_markdown(items, today, details), encoding="utf-8")
    return markdown, to_docx(items, folder / f"{stem}.docx", today, details)
