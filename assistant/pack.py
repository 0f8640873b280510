"""Session packs for protected development day (PDD) sessions, from one selection of examples: a
facilitator's pack and a participants' handout, each as Markdown and Word (DOCX).

The facilitator's pack opens with the session's title, aims, timings (as a table) and facilitator
notes; then each chosen example on its own page: its publication, theme, standards and a clickable
source link, its verbatim text, and discussion questions built from the example's own sub-headings
and practice points, each with a prompt for a quiet room and a suggested answer drawn from the
example's own points. The participants' handout holds the same examples and questions, with the
aims, and none of the notes, timings, prompts or answers. Every page carries the session's title
as a running title and its page number; every pack carries the OGL attribution. The Word files are
A4, with their title, author and creation date set, so a trainer can hand them out unedited.
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
MAX_GROUP_QUESTIONS = 3  # questions from an example's groups of practice points (then its outcome, then your caseload)
QUOTE_WORDS = 22  # a practice point quoted in a question is cut to about this many words
ROLES = {"facilitator": "Facilitator's pack", "participant": "Participants' handout"}
FILE_SUFFIX = {"facilitator": "facilitator", "participant": "handout"}
# the wording of a group's question, in turn, so that neighbouring questions do not read alike
_GROUP_QUESTIONS = (
    "Under “{heading}”, the example says: “{point}” Why do you think this mattered for {who}?",
    "“{heading}”: the practitioner's first step here was “{point}” What would it take to do the same in your team?",
    "Look at “{heading}”: “{point}” What risks or needs was this responding to for {who}?",
    "“{heading}”: “{point}” How would you record and review this practice with {who}?",
)
_TIMING = re.compile(r"^\s*(\d{1,2}(?:[:.]\d{2})?(?:\s*(?:am|pm))?(?:\s*[-–]\s*\d{1,2}(?:[:.]\d{2})?(?:\s*(?:am|pm))?)?"
                     r"|\d+\s*(?:min(?:ute)?s?|mins?|hours?|hrs?))\b[\s:–-]*(.*)$", re.I)


@dataclass(frozen=True)
class Question:
    """A discussion question, with a prompt for a quiet room and a suggested answer, from the example's own points."""

    text: str
    prompt: str
    answer: tuple[str, ...]


@dataclass(frozen=True)
class PackItem:
    example: Example
    questions: tuple[Question, ...]


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

    def timing_rows(self) -> list[tuple[str, str]]:
        """The timings as (time, activity) rows: "10:15 first example" → ("10:15", "first example")."""
        rows = []
        for line in self.timings.splitlines():
            if not line.strip():
                continue
            found = _TIMING.match(line)
            rows.append((found.group(1).strip(), found.group(2).strip()) if found else ("", line.strip()))
        return rows


def _short(text: str, words: int = QUOTE_WORDS) -> str:
    """A point as quoted in a question: whole, or cut at a word near `words` with an ellipsis."""
    parts = text.split()
    if len(parts) <= words:
        return text.strip()
    return " ".join(parts[:words]).rstrip(",;:") + "…"


def _who(example: Example) -> str:
    if example.kind != "case":
        return "the people this service works with"
    return example.person.name if example.person and example.person.name else "the person in this example"


def _quotable(points: Sequence[str]) -> str:
    """The first point that reads on its own (not a lead-in ending in a colon)."""
    return next((p for p in points if not p.rstrip().endswith(":")), points[0])


def _closest_points(example: Example, text: str, n: int = 3) -> tuple[str, ...]:
    """The example's points that share the most words (of four letters or more) with `text`, in their own order."""
    wanted = set(re.findall(r"[a-z]{4,}", text.lower()))
    points = [p for g in example.groups for p in g.points]
    ranked = sorted(points, key=lambda p: -len(wanted & set(re.findall(r"[a-z]{4,}", p.lower()))))[:n]
    return tuple(p for p in points if p in ranked)


def discussion_questions(example: Example) -> tuple[Question, ...]:
    """Questions built from the example's own sub-headings and practice points, then its outcome, then the
    reader's own caseload: each quotes the example, so no two examples share a question. Each comes with a
    prompt (another of the group's points, for a quiet room) and a suggested answer (the group's points)."""
    who = _who(example)
    questions: list[Question] = []
    groups = [g for g in example.groups if g.points][:MAX_GROUP_QUESTIONS]
    asked = [(g, _quotable(g.points)) for g in groups]
    if len(groups) == 1 and len(groups[0].points) >= 3:  # one group: a second question on a later point of it
        asked.append((groups[0], _quotable(groups[0].points[len(groups[0].points) // 2:])))
    for i, (group, point) in enumerate(asked):
        heading = group.heading or example.title
        text = _GROUP_QUESTIONS[i % len(_GROUP_QUESTIONS)].format(heading=heading, point=_short(point), who=who)
        others = [p for p in group.points if p != point]
        nudge = others[0] if others else (example.outcome or point)
        questions.append(Question(text, f"If the room is quiet, point to: “{_short(nudge)}”", tuple(group.points)))
    firsts = tuple(g.points[0] for g in groups)
    if example.outcome:
        questions.append(Question(f"The outcome: “{_short(example.outcome)}” Which parts of the practice above made "
                                  "the biggest difference, and why?",
                                  "Ask which sub-heading each person would keep if they could keep only one.",
                                  _closest_points(example, example.outcome)))
    own = (f"If {who} were on your caseload, what would you take from “{example.title}”, and what would you do "
           "differently?" if example.kind == "case" else f"What could your own team take from “{example.title}”, and what would "
                                          "stand in the way?")
    questions.append(Question(own, "Ask for one concrete change each person could make this month.", firsts))
    return tuple(questions)


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


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")


def _markdown_front(details: SessionDetails, role: str) -> list[str]:
    lines = []
    if details.aims.strip():
        lines += ["## Aims", "", details.aims.strip(), ""]
    if role == "facilitator" and details.timing_rows():
        lines += ["## Timings", "", "| Time | Activity |", "|---|---|"]
        lines += [f"| {time or '—'} | {activity.replace('|', '/')} |" for time, activity in details.timing_rows()] + [""]
    if role == "facilitator" and details.notes.strip():
        lines += ["## Facilitator notes", "", details.notes.strip(), ""]
    return lines


def _markdown_questions(item: PackItem, role: str) -> list[str]:
    if role == "participant":
        return [f"{i}. {q.text}" for i, q in enumerate(item.questions, start=1)]
    lines = []
    for i, question in enumerate(item.questions, start=1):
        lines += [f"{i}. {question.text}", "", f"   _Prompt:_ {question.prompt}", "",
                  "   _Suggested answer, from the example:_", ""]
        lines += [f"   - {point}" for point in question.answer] + [""]
    return lines


def to_markdown(items: Sequence[PackItem], today: date | None = None, details: SessionDetails | None = None,
                role: str = "facilitator") -> str:
    """The facilitator's pack (`role="facilitator"`) or the participants' handout (`"participant"`) as Markdown."""
    _check_role(role)
    today = today or date.today()
    details = details or SessionDetails()
    title = details.heading(items)
    lines = [f"# {title}", "", f"**{ROLES[role]}.** Prepared {today:%d %B %Y} with the Probation Practice Assistant.", ""]
    lines += _markdown_front(details, role)
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
        lines += ["### Discussion questions" + (", with prompts and suggested answers" if role == "facilitator" else ""),
                  ""]
        lines += _markdown_questions(item, role)
        if role == "facilitator":
            lines += ["", "### Facilitator notes", "", "_" * 60, "", "_" * 60, "", "_" * 60, ""]
        else:
            lines += [""]
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


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that the reader's word processor fills in."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for kind, text in (("begin", None), ("instr", f" {instruction} "), ("separate", None), ("text", "1"), ("end", None)):
        run = OxmlElement("w:r")
        if kind == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        elif kind == "text":
            element = OxmlElement("w:t")
            element.text = text
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        run.append(element)
        paragraph._p.append(run)


def _running_title(document, title: str, role: str) -> None:
    """The session title and the pack's kind at the top of every page; the attribution and "Page n of N" at the foot."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    for section in document.sections:
        header = section.header.paragraphs[0]
        header.text = f"{title} · {ROLES[role]}"
        header.runs[0].font.size = Pt(8)
        attribution = section.footer.paragraphs[0]
        attribution.text = PACK_ATTRIBUTION  # on every page, so an example page handed out alone still carries it
        attribution.runs[0].font.size = Pt(7)
        footer = section.footer.add_paragraph()
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        footer.add_run("Page ")
        _field(footer, "PAGE")
        footer.add_run(" of ")
        _field(footer, "NUMPAGES")
        for run in footer.runs:
            run.font.size = Pt(8)


def _timings_table(document, rows: list[tuple[str, str]]) -> None:
    table = document.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("Time", "Activity")):
        cell.paragraphs[0].add_run(text).bold = True
    for time, activity in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = time, activity


def _front_page(document, details: SessionDetails, role: str, title: str, today: date) -> None:
    from docx.shared import Pt

    document.add_heading(title, level=0)
    document.add_paragraph(f"{ROLES[role]}. Prepared {today:%d %B %Y} with the Probation Practice Assistant.")
    if details.aims.strip():
        document.add_heading("Aims", level=1)
        for line in details.aims.strip().splitlines():
            document.add_paragraph(line)
    if role == "facilitator" and details.timing_rows():
        document.add_heading("Timings", level=1)
        _timings_table(document, details.timing_rows())
    if role == "facilitator" and details.notes.strip():
        document.add_heading("Facilitator notes", level=1)
        for line in details.notes.strip().splitlines():
            document.add_paragraph(line)
    document.add_paragraph(PACK_NOTICE).runs[0].italic = True
    document.add_paragraph(PACK_ATTRIBUTION).runs[0].font.size = Pt(9)


def _example_text(document, example: Example) -> None:
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


def _questions(document, item: PackItem, role: str) -> None:
    from docx.shared import Pt

    document.add_heading("Discussion questions" + (", with prompts and suggested answers" if role == "facilitator"
                                                   else ""), level=2)
    num_id = _restarted_numbering(document)
    for question in item.questions:
        _numbered(document, question.text, num_id)
        if role != "facilitator":
            continue
        prompt = document.add_paragraph()
        prompt.add_run("Prompt: ").italic = True
        prompt.add_run(question.prompt)
        document.add_paragraph().add_run("Suggested answer, from the example:").italic = True
        for point in question.answer:
            document.add_paragraph(point, style="List Bullet").runs[0].font.size = Pt(9)


def _example_page(document, number: int, item: PackItem, role: str) -> None:
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
    _example_text(document, example)
    _questions(document, item, role)
    if role == "facilitator":
        document.add_heading("Facilitator notes", level=2)
        for _ in range(3):
            document.add_paragraph("_" * 70)


def to_docx(items: Sequence[PackItem], target: Path, today: date | None = None,
            details: SessionDetails | None = None, role: str = "facilitator") -> Path:
    """Write the facilitator's pack or the participants' handout as an A4 Word document (python-docx): a front
    page, then one example per page, with a running title and page numbers."""
    from docx import Document

    _check_role(role)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    today = today or now.date()
    details = details or SessionDetails()
    title = details.heading(items)
    document = Document()
    _a4(document)
    _metadata(document, title, now)
    _compact_styles(document)
    _running_title(document, title, role)
    _front_page(document, details, role, title, today)
    for number, item in enumerate(items, start=1):
        _example_page(document, number, item, role)
    target.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(target))
    return target


@dataclass(frozen=True)
class PackFiles:
    """The files of one session pack: the facilitator's pack and the participants' handout, each as Markdown and Word."""

    facilitator_markdown: Path
    facilitator_docx: Path
    handout_markdown: Path
    handout_docx: Path

    def all(self) -> list[Path]:
        return [self.facilitator_docx, self.handout_docx, self.facilitator_markdown, self.handout_markdown]


def write_pack(examples: Sequence[Example], folder: Path, details: SessionDetails | None = None,
               today: date | None = None) -> PackFiles:
    """From one selection, the facilitator's pack and the participants' handout as Markdown and Word in
    `folder`, named from the session title (<stem>-facilitator.*, <stem>-handout.*)."""
    details = details or SessionDetails()
    items = build_pack(examples)
    stem = file_stem(details.title)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for role, suffix in FILE_SUFFIX.items():
        markdown = folder / f"{stem}-{suffix}.md"
        markdown.write_text(to_markdown(items, today, details, role), encoding="utf-8")
        paths[role] = (markdown, to_docx(items, folder / f"{stem}-{suffix}.docx", today, details, role))
    return PackFiles(paths["facilitator"][0], paths["facilitator"][1], paths["participant"][0], paths["participant"][1])
