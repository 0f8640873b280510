"""Links to the source documents, as every interface shows them.

A link scrolls to its example where browsers support text fragments (`#:~:text=`). A text
fragment only matches whole words, so it is built from the example's whole heading, never
a heading cut mid-word ("…and insig" matches nothing). Only http(s) addresses become links:
a `javascript:` or `data:` URL from a damaged or hostile meta file is never shown as one.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Iterable

FRAGMENT = "#:~:text="
MAX_FRAGMENT_WORDS = 12  # a longer heading is matched by its first and last words (textStart,textEnd)
_EDGE_WORDS = (6, 4)


def is_web_url(url: str | None) -> bool:
    """True for an http(s) address with a host; False for javascript:, data:, file: and the rest."""
    if not url or any(c in url for c in "\r\n\t\x00"):
        return False
    try:
        parts = urllib.parse.urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _encode(text: str) -> str:
    # ",", "&" and "-" have meanings inside a text fragment, so they are always escaped
    return urllib.parse.quote(text, safe="").replace("-", "%2D")


def text_fragment(heading: str) -> str:
    """A text directive matching `heading` as whole words: the heading itself, or for a long
    one its first and last words (the browser matches the range between them)."""
    words = heading.split()
    if not words:
        return ""
    if len(words) <= MAX_FRAGMENT_WORDS:
        return _encode(" ".join(words))
    first, last = _EDGE_WORDS
    return f"{_encode(' '.join(words[:first]))},{_encode(' '.join(words[-last:]))}"


def source_link(unit) -> str:
    """The unit's source address, scrolled to its heading; "" when it has no http(s) address."""
    url = getattr(unit, "url", "") or ""
    base = url.split("#", 1)[0]
    if not is_web_url(base):
        return ""
    fragment = text_fragment(getattr(unit, "title", "") or "")
    return f"{base}{FRAGMENT}{fragment}" if fragment else base


def with_source_links(markdown: str, units: Iterable) -> str:
    """`markdown` with each unit's stored address replaced by `source_link(unit)`.

    A Markdown link whose address is not http(s) keeps its text and loses the link.
    """
    links = {unit.url: source_link(unit) for unit in units if getattr(unit, "url", "")}
    if links:
        pattern = re.compile("|".join(re.escape(url) for url in sorted(links, key=len, reverse=True)))
        markdown = pattern.sub(lambda m: links[m.group(0)], markdown)  # one pass: a new link is never rewritten
    return re.sub(r"\[([^\]]+)\]\(\s*\)", r"\1", markdown)
