"""Renderings of an `Answer`: Markdown (the JSON's "answer", the chat, a terminal through rich) and
plain text (a pipe). Every face renders from the answer's fields; none parses another's output.

    markdown(answer)                          the whole answer, notice and licence included
    markdown(answer, notice=False, marker=f)  the chat's version: the page shows the notice once,
                                              and f turns each [n] into a link to its card
    markdown(answer, sources=False, notice=False)
                                              what the conversation remembers of an answer
    plain(answer)                             the same as plain text: no emphasis, "text: address"
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from assistant.links import source_link
from assistant.notices import ANSWER_ATTRIBUTION, ANSWER_NOTICE
from assistant.types import Answer, Citation, Example, Unit, publication


@dataclass(frozen=True)
class Style:
    """How emphasis, links and headings are written."""

    bold: Callable[[str], str]
    italic: Callable[[str], str]
    link: Callable[[str, str], str]  # (text, address) -> text; the address is "" when there is none
    heading: Callable[[str], str]
    line_break: str  # ends a line that must stay a line inside a paragraph


MARKDOWN = Style(bold=lambda s: f"**{s}**", italic=lambda s: f"_{s}_",
                 link=lambda text, url: f"[{text}]({url})" if url else text,
                 heading=lambda s: f"#### {s}", line_break="  ")
PLAIN = Style(bold=lambda s: s, italic=lambda s: s,
              link=lambda text, url: (url if text == url else f"{text}: {url}") if url else text,
              heading=lambda s: s, line_break="")


def summary_line(unit: Unit) -> str:
    """"Paul, 31, male · community order, RAR · Engagement and responsivity", or the document for a section."""
    if isinstance(unit, Example):
        parts = [unit.person_summary() if unit.person else ("case example" if unit.kind == "case" else "organisational example")]
        parts.append(unit.section)
        return " · ".join(p for p in parts if p)
    return f"{unit.document} › {unit.section}" if unit.section != unit.title else unit.document


def describe_source(citation: Citation, style: Style = MARKDOWN) -> str:
    """A cited source: title, person and theme, outcome, publication, other publications, link."""
    unit = citation.unit
    brk = style.line_break
    line = f"[{citation.n}] {style.bold(unit.title)}"
    if isinstance(unit, Example):
        details = [unit.person_summary()] if unit.person else ["organisational example" if unit.kind == "organisational"
                                                               else "case example"]
        details.append(unit.section)
        line += " — " + " · ".join(d for d in details if d)
        if unit.outcome:
            line += f"{brk}\n    Outcome: {unit.outcome}"
    line += f"{brk}\n    From: {publication(unit)}"
    if citation.also:
        line += f"{brk}\n    Also published in: " + "; ".join(publication(u) for u in citation.also)
    url = source_link(unit)
    if url:
        line += f"{brk}\n    {style.link('Read it in the source', url)}"
    return line


def _markers(cites: tuple[int, ...], marker: Callable[[int], str]) -> str:
    return " ".join(marker(n) for n in cites)


def _outcome_line(answer: Answer, n: int | None, style: Style, marker: Callable[[int], str]) -> list[str]:
    return [f"{style.italic('What came of it:')} {o.text} {_markers(o.cites, marker)}".rstrip()
            for o in answer.outcomes if o.cites and o.cites[0] == n]


def _points(answer: Answer, style: Style, marker: Callable[[int], str]) -> list[str]:
    """Each cited example's heading and summary, its points under its own sub-headings, and what came of it."""
    lines: list[str] = []
    by_n = {c.n: c for c in answer.citations}
    current, heading = None, None
    for point in answer.points:
        n = point.cites[0] if point.cites else None
        if answer.shape in ("points", "examples") and n != current and n in by_n:
            if lines:
                lines += [*_outcome_line(answer, current, style, marker), ""]
            unit = by_n[n].unit
            lines.append(style.heading(f"{marker(n)} {unit.title}"))
            summary = summary_line(unit)
            if summary:
                lines.append(style.italic(summary))
            current, heading = n, None
        if answer.shape == "points" and point.heading and point.heading != heading:
            if lines and lines[-1].startswith("- "):
                lines.append("")  # a heading after a list must not join the list's last item
            lines.append(style.bold(point.heading.rstrip(":")))
        heading = point.heading
        lines.append(f"- {point.text} {_markers(point.cites, marker)}".rstrip())
    return lines + _outcome_line(answer, current, style, marker)


def _parts(answer: Answer, style: Style, marker: Callable[[int], str]) -> list[str]:
    """A question with several asks: each ask as a heading, then its points (or why it has none)."""
    lines: list[str] = []
    for i, ask in enumerate(answer.asks):
        lines += ["", style.bold(f"{i + 1}. {ask.text}")] if lines else [style.bold(f"{i + 1}. {ask.text}")]
        if not ask.covered:
            lines.append(style.italic(ask.note))
            continue
        mine = replace(answer, points=tuple(p for p in answer.points if p.part == i),
                       outcomes=tuple(o for o in answer.outcomes if i == min(
                           (p.part for p in answer.points if p.cites and o.cites and p.cites[0] == o.cites[0]), default=-1)))
        lines += _points(mine, style, marker)
    return lines


def _cell(text: str, style: Style) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>") if style is MARKDOWN else text.replace("\n", "; ")


def _table(answer: Answer, style: Style, marker: Callable[[int], str]) -> list[str]:
    """A comparison: a Markdown table, or in plain text one block per field."""
    header, *rows = answer.table
    numbers = [c.n for c in answer.citations]
    if style is MARKDOWN:
        head = [_cell(h, style) for h in header]
        head[1:] = [f"{marker(n)} {h.split('] ', 1)[-1]}" for n, h in zip(numbers, head[1:])]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join([style.bold(row[0]), *(_cell(c, style) for c in row[1:])]) + " |" for row in rows]
        return lines
    lines = []
    for row in rows:
        lines.append(f"{row[0]}:")
        lines += [f"  {marker(n)} {_cell(c, style)}" for n, c in zip(numbers, row[1:])]
    return lines


def _nearest(answer: Answer, style: Style) -> list[str]:
    """The nearest examples of a refusal, each a short link titled with the example (in Markdown the
    long percent-encoded address stays behind its title; plain text keeps it after the title)."""
    if not answer.nearest:
        return []
    lines = [answer.nearest_label]
    for hit in answer.nearest:
        url = source_link(hit.unit)
        if style is PLAIN:
            lines.append(f"- {hit.unit.title} ({hit.unit.section})" + (f" — {url}" if url else ""))
        else:
            lines.append(f"- {style.link(hit.unit.title, url)} ({hit.unit.section})")
    return lines


def lines_of(answer: Answer, *, style: Style = MARKDOWN, notice: bool = True, sources: bool = True,
             marker: Callable[[int], str] = lambda n: f"[{n}]") -> list[str]:
    """The answer's lines in `style`."""
    lines: list[str] = [*(style.italic(note) for note in answer.notes), ""] if answer.notes else []
    if answer.lead:
        lines += [answer.lead, ""]
    if answer.shape in ("refused", "not_covered"):
        lines += _nearest(answer, style)
    else:
        lines += (_table(answer, style, marker) if answer.table else _parts(answer, style, marker) if answer.asks
                  else _points(answer, style, marker))
        if sources and answer.citations:
            lines += ["", style.bold("Sources"), *(describe_source(c, style) for c in answer.citations)]
        if answer.see_also:
            lines += ["", f"{style.bold('See also')} (related, not quoted above)"]
            lines += [f"- {h.unit.title} — {summary_line(h.unit)}" for h in answer.see_also]
        if answer.comparison:
            lines += ["", style.bold("How these compare with your case"), *answer.comparison]
    if answer.reminder:
        lines += ["", style.italic(answer.reminder)]
    if notice:
        lines += ["", ANSWER_NOTICE if style is MARKDOWN else ANSWER_NOTICE.strip("_"),
                  ANSWER_ATTRIBUTION if style is MARKDOWN else ANSWER_ATTRIBUTION.strip("_")]
    return lines


def markdown(answer: Answer, *, notice: bool = True, sources: bool = True,
             marker: Callable[[int], str] = lambda n: f"[{n}]") -> str:
    """The answer as Markdown with [n] markers (or `marker(n)`)."""
    return "\n".join(lines_of(answer, notice=notice, sources=sources, marker=marker)).strip()


def plain(answer: Answer, *, notice: bool = True) -> str:
    """The answer as plain text: no emphasis marks, a link as "text: address", [n] markers kept."""
    text = "\n".join(lines_of(answer, style=PLAIN, notice=notice))
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


# --- filters, as a person chose them -------------------------------------------------------------

FILTER_LABELS = {"theme": "theme", "sentence": "sentence or requirement", "need": "need", "standard": "standard",
                 "document": "document", "region": "region", "year": "year", "publication_kind": "kind of publication",
                 "kind": "kind of example"}


def describe_filters(filters: dict[str, list[str]] | None) -> str:
    """"theme: Court work; need: pregnancy" — the filters as a person chose them."""
    return "; ".join(f"{FILTER_LABELS.get(key, key)}: {', '.join(map(str, values))}"
                     for key, values in (filters or {}).items() if values)


def filter_notice(matching: int, filters: dict[str, list[str]] | None) -> str:
    """Why a filtered question found nothing close, given how many units pass the filters: the filters,
    not the question, and how to clear them."""
    chosen = describe_filters(filters)
    if matching == 0:
        return (f"No example matches all of these filters together ({chosen}). Clear the filters, or choose "
                "fewer, to search everything.")
    return (f"None of the {matching} example{'s' if matching != 1 else ''} matching your filters ({chosen}) is close "
            "to this question. Clear the filters to search everything.")
