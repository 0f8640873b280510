"""Where every character of a document went: examples, sections, or a named drop.

`account(blocks, fates, …)` adds up the characters of each block by its fate (see
`recognise.Walk`): kept in an example or a section (or as a heading or the title), or
dropped with the reason the reader or the walk gave ("navigation", "cookie banner",
"page header", "page number", "contents", "licence", "note", "title page", …).

A warning names the largest drop when a document loses more than a small share of text
that could have been content: `PROSE_DROP_SHARE` of its characters in dropped blocks that
read as prose (a dozen words or more, other than licence lines, cookie notices and
names-changed notes, known by their words, and running headers and contents lines, known by
their repetition and page numbers), or `DROP_WARNING_SHARE` of all its
characters whatever they were (a page that is mostly menus). Short navigation lines,
running headers and contents entries are expected on every page and do not count towards
the first share, so a small web page is not flagged for its menu. Content can never
disappear without `assistant add` or `assistant documents --verbose` saying so. The result is plain data (`Document.accounting`), kept in the parse cache and
the index manifest.
"""

from __future__ import annotations

from typing import Any

from assistant.ingest.blocks import Block
from assistant.ingest.metadata import Found
from assistant.ingest.recognise import KEPT

PROSE_DROP_SHARE = 0.02  # dropped prose above this share of a document's characters gets a warning
DROP_WARNING_SHARE = 0.35  # any drops above this share of a document's characters get a warning
PROSE_WORDS = 12
KNOWN_FURNITURE = ("licence", "cookie banner", "note", "page header", "page number", "contents")


def account(doc_id: str, blocks: list[Block], fates: list[str], *, examples: int, sections: int,
            fields: dict[str, Found]) -> dict[str, Any]:
    """The accounting of one parsed document, as plain data (see the module docstring)."""
    total = kept = 0
    dropped: dict[str, int] = {}
    prose: dict[str, int] = {}
    for block, fate in zip(blocks, fates):
        size = len(block.text)
        total += size
        if fate in KEPT:
            kept += size
            continue
        reason = fate or "unplaced"
        dropped[reason] = dropped.get(reason, 0) + size
        if reason not in KNOWN_FURNITURE and len(block.text.split()) >= PROSE_WORDS:
            prose[reason] = prose.get(reason, 0) + size
    warnings: list[str] = []
    dropped_total = sum(dropped.values())
    prose_total = sum(prose.values())
    if total and (prose_total > PROSE_DROP_SHARE * total or dropped_total > DROP_WARNING_SHARE * total):
        counted = prose if prose_total > PROSE_DROP_SHARE * total else dropped
        reason, size = max(counted.items(), key=lambda kv: kv[1])
        warnings.append(f"{doc_id}: {dropped_total / total:.0%} of its text was not indexed, most of it as "
                        f"{reason} ({size:,} characters); `assistant documents --verbose` lists every drop")
    if dropped.get("unplaced"):
        warnings.append(f"{doc_id}: {dropped['unplaced']:,} characters were not placed in any example or section "
                        "(a parser fault; please report it with the document)")
    return {
        "examples": examples,
        "sections": sections,
        "characters": total,
        "kept": kept,
        "dropped": dict(sorted(dropped.items(), key=lambda kv: kv[1], reverse=True)),
        "warnings": warnings,
        "metadata": {name: {"value": found.value, "source": found.source if found.value is not None else None}
                     for name, found in fields.items()},
    }


def describe(accounting: dict[str, Any]) -> list[str]:
    """Where a document's text went, as one line for a terminal: characters kept, each drop with its reason."""
    if not accounting:
        return []
    total = accounting.get("characters") or 0
    kept = accounting.get("kept") or 0
    share = f" ({kept / total:.1%})" if total else ""
    dropped = accounting.get("dropped") or {}
    drops = ", ".join(f"{reason} {size:,}" for reason, size in dropped.items()) or "nothing"
    return [f"{kept:,} of {total:,} characters kept{share}; dropped: {drops}"]
