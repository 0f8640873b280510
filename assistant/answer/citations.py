"""Reading [n] markers in text an LLM wrote: the claims, each with the sources it cites."""

from __future__ import annotations

import re


from assistant.index.passages import split_sentences


_BULLET_PREFIX = re.compile(r"^(?:[-*•]|\d{1,2}[.)])\s+")
_HEADING_LINE = re.compile(r"^(?:#{1,6}\s.*|\*\*[^*]+\*\*:?|_[^_]+_)$")


def content_lines(markdown: str) -> list[str]:
    """The lines of an answer that make claims: bullets and paragraphs, not headings or notices."""
    lines = []
    for raw in markdown.splitlines():
        line = raw.strip()
        if not line or _HEADING_LINE.match(line):
            continue
        lines.append(_BULLET_PREFIX.sub("", line).strip())
    return [line for line in lines if line]


CITATION_MARKER = re.compile(r"\[(\d+)\]")


def cited_statements(markdown: str, by_sentence: bool = False) -> list[tuple[str, tuple[int, ...]]]:
    """The claims in an answer's Markdown, markers removed, each with the [n] numbers it cites.

    One claim per bullet or paragraph, or per sentence with `by_sentence`.
    """
    pieces = content_lines(markdown)
    if by_sentence:
        pieces = [sentence for line in pieces for sentence in split_sentences(line)]
    statements = []
    for piece in pieces:
        claim = CITATION_MARKER.sub("", piece).strip()
        if claim:
            statements.append((claim, tuple(dict.fromkeys(int(n) for n in CITATION_MARKER.findall(piece)))))
    return statements
