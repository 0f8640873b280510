"""Session packs for protected development day (PDD) sessions: Markdown and DOCX.

A pack holds each chosen example's verbatim text, its theme and standards, the source link
and the OGL attribution, discussion questions drawn from the example's own structure (its
groups of practice points and its outcome), and space for facilitator notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Sequence

from assistant.errors import BadInputError
from assistant.types import Example

OGL_LINE = ("Contains public sector information licensed under the Open Government Licence v3.0. "
            "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/")
SOURCE_LINE = ("Source: HM Inspectorate of Probation effective practice. Names in examples are pseudonyms. "
               "This pack is not official guidance and does not imply endorsement by HM Inspectorate of "
               "Probation or HM Prison and Probation Service.")
MAX_PACK_EXAMPLES = 12

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


def _title(items: Sequence[PackItem]) -> str:
    return f"PDD session pack: {len(items)} example{'s' if len(items) != 1 else ''} of effective practice"


def to_markdown(items: Sequence[PackItem], today: date | None = None) -> str:
    today = today or date.today()
    lines = [f"# {_title(items)}", "", f"Prepared {today:%d %B %Y} with the Probation Practice Assistant.", "",
             f"_{SOURCE_LINE}_", ""]
    for number, item in enumerate(items, start=1):
        example = item.example
        lines += [f"## {number}. {example.title}", ""]
        if example.person:
            lines.append(f"**Person:** {example.person_summary()}  ")
        lines += [f"**Theme:** {example.section}  ", f"**Standards:** {', '.join(example.standards) or 'not tagged'}  ",
                  f"**Document:** {example.document}  ", f"**Source:** {example.url}", "", "### The example (verbatim)", ""]
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
    lines += ["---", "", OGL_LINE, ""]
    return "\n".join(lines)


def to_docx(items: Sequence[PackItem], target: Path, today: date | None = None) -> Path:
    """Write the pack as a Word document (python-docx)."""
    from docx import Document
    from docx.shared import Pt

    today = today or date.today()
    document = Document()
    document.core_properties.title = _title(items)
    document.add_heading(_title(items), level=0)
    document.add_paragraph(f"Prepared {today:%d %B %Y} with the Probation Practice Assistant.")
    document.add_paragraph(SOURCE_LINE).runs[0].italic = True
    for number, item in enumerate(items, start=1):
        example = item.example
        document.add_heading(f"{number}. {example.title}", level=1)
        facts = []
        if example.person:
            facts.append(("Person", example.person_summary()))
        facts += [("Theme", example.section), ("Standards", ", ".join(example.standards) or "not tagged"),
                  ("Document", example.document), ("Source", example.url)]
        for label, value in facts:
            paragraph = document.add_paragraph()
            paragraph.add_run(f"{label}: ").bold = True
            paragraph.add_run(value)
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
        for question in item.questions:
            document.add_paragraph(question, style="List Number")
        document.add_heading("Facilitator notes", level=2)
        for _ in range(4):
            document.add_paragraph("_" * 70)
    footer = document.add_paragraph(OGL_LINE)
    footer.runs[0].font.size = Pt(9)
    target.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(target))
    return target
