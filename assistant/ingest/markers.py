"""Markers and headings: what opens an example ("Case study 3: …"), what a heading is (a theme, back
matter, a finding's run-in label), and the names and links made from them.

The marker nouns, numbering words and separators are vocabulary (`vocabulary.toml`); a marker
is a noun, numbered "3", "3." or "three" or not, then any separator and its title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from assistant.ingest.examples import FOOTNOTE
from assistant.ingest.vocabulary import is_label, label_in, label_key, section_label_set, vocabulary

_NUMBERING = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|[A-Z]\.)\s+(?=[A-Z(‘'\"“])")


_SEPARATORS = r"[:\-–—.|/›•]"


@dataclass(frozen=True)
class Marker:
    """An example marker read from a line: the noun, its number, the title after it."""

    noun: str
    number: str | None
    title: str
    case: bool
    organisational: bool


def heading_name(text: str) -> str:
    """A heading as a theme: without its "3." or "3.1" numbering."""
    stripped = _NUMBERING.sub("", text).strip()
    return stripped or text


def slugify(text: str, limit: int = 60) -> str:
    """A readable, stable id fragment: lower-case words joined by hyphens (accents dropped: "zoë" -> "zoe")."""
    import unicodedata

    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
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
    markers = vocabulary()["markers"]
    nouns = sorted(markers["example"], key=len, reverse=True)
    body = "|".join(re.escape(m).replace(r"\ ", r"\s+") for m in nouns)
    words = "|".join(sorted(markers["number_words"], key=len, reverse=True))
    number = (rf"(?:\d{{1,3}}(?!\d)|\(\d{{1,3}}\)|(?:{words})\b|(?-i:[A-Z])(?=\s*(?:{_SEPARATORS}|$)))")
    return re.compile(rf"^(?P<marker>{body})(?:\s*(?:no\.?|number|#)?\s*(?P<number>{number}))?\s*"
                      rf"(?P<sep>{_SEPARATORS})?\s*(?P<title>.*)$", re.I)


def match_marker(text: str, heading: bool = False) -> Marker | None:
    """The example marker a line opens with ("Case study 3: Title", "Practice example three – Title",
    "Example of effectiveness:"), or None.

    Without a number or a separator the marker must stand alone (the title is on the next line);
    a weak noun ("Example") also needs a number, a short title or a heading of its own.
    """
    if len(text) > 220:
        return None
    found = _marker_pattern().match(text.strip())
    if not found:
        return None
    number, sep, title = found.group("number"), found.group("sep"), (found.group("title") or "").strip()
    if title and not number and not sep:
        return None  # "Case study of a young man …" is a sentence, not a marker
    noun = found.group("marker")
    key = label_key(noun)
    if key in section_label_set("markers", "weak") and not number:
        short = title and len(title.split()) <= 15 and not title.endswith((".", "?", "!", ";", ","))
        if not (short or (heading and not title)):
            return None
    return Marker(noun=noun, number=number, title=title, case=key in section_label_set("markers", "case"),
                  organisational=key in section_label_set("markers", "organisational"))


def marker_title(text: str) -> tuple[str, str] | None:
    """(marker noun, title) when a line is an example marker, for a table's or box's title row."""
    found = match_marker(text, heading=True)
    return (found.noun, _clean_title(found.title) if found.title else "") if found else None


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


def is_finding_label(text: str) -> bool:
    """A finding's run-in label that ends an example running into it ("Areas for improvement:")."""
    head = text.split(":", 1)[0] if ":" in text and len(text.split(":", 1)[0]) <= 60 else text
    return label_in(head, "finding")


def _clean_title(text: str) -> str:
    text = FOOTNOTE.sub("", text).strip().rstrip(":").strip()
    return text.strip("‘’'\"“” ").strip() or text
