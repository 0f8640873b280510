"""Publication metadata: the `<name>.meta.json` beside a document, and what the document itself says.

The meta file wins; otherwise the title comes from the document's first heading (or the
file's own title property), the year from a "Year:" or "Published:" line near the start or
from the title, the region from the title, and the kind from the title's words or the
family that recognised it. Only http(s) source links are kept.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path
from typing import Any

from assistant.errors import CorpusError
from assistant.ingest.blocks import HEADING, PARA, Block
from assistant.ingest.vocabulary import label_key, vocabulary

_YEAR = re.compile(r"\b(19[89]\d|20\d\d)\b")


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.stem + ".meta.json")


def read_metadata(path: Path) -> dict:
    """The sidecar `<name>.meta.json` beside a document, or {} when there is none."""
    sidecar = sidecar_path(path)
    if not sidecar.exists():
        return {}
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{sidecar} is not valid JSON ({exc}); fix it or delete it") from None
    if not isinstance(data, dict):
        raise CorpusError(f"{sidecar} must hold a JSON object of metadata; fix it or delete it")
    return data


def safe_url(url: Any) -> str | None:
    """The URL when it is an absolute http(s) link, else None."""
    if not isinstance(url, str) or not url.strip():
        return None
    parsed = urllib.parse.urlparse(url.strip())
    if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc:
        return None
    return url.strip()


def title_from(blocks: list[Block]) -> str | None:
    """The document's title: its top heading when that is level 1, else the first title-like
    line before the first heading (plain text has no heading markup for its title)."""
    headings = [b for b in blocks if b.kind == HEADING]
    if headings and min(b.level for b in headings) == 1:
        return next(b.text for b in headings if b.level == 1)
    labels = {label_key(label) for label in vocabulary()["documents"]["date_labels"]}
    for block in blocks:
        if block.kind == HEADING:
            break
        text = block.text
        if block.kind == PARA and 3 <= len(text.split()) <= 25 and not text.endswith((".", ":", "?", "!")) \
                and label_key(text.split(":", 1)[0]) not in labels:
            return text
    return headings[0].text if headings else None


def year_from(blocks: list[Block], title: str) -> int | None:
    """The publication year stated near the start ("Year: 2025", "Published: 3 March 2024") or in the title."""
    labels = {label_key(label) for label in vocabulary()["documents"]["date_labels"]}
    opening = blocks[:60]
    for index, block in enumerate(opening):
        head, _, rest = block.text.partition(":")
        if label_key(head) not in labels or len(head) > 30:
            continue
        candidates = [rest] + [b.text for b in opening[index + 1:index + 4]]
        for candidate in candidates:
            found = _YEAR.search(candidate)
            if found:
                return int(found.group(1))
    found = _YEAR.search(title)
    return int(found.group(1)) if found else None


def region_from(title: str) -> str | None:
    for region in vocabulary()["documents"]["regions"]:
        if re.search(rf"\b{re.escape(region)}\b", title, re.I):
            return region
    return None


def kind_from(title: str) -> str | None:
    lowered = title.lower()
    for kind, cues in vocabulary()["documents"]["kinds"]:
        if any(re.search(rf"\b{re.escape(cue)}\b", lowered) for cue in cues):
            return kind
    return None


def as_year(value: Any) -> int | None:
    if isinstance(value, int) and 1900 <= value <= 2100:
        return value
    found = _YEAR.search(str(value or ""))
    return int(found.group(1)) if found else None
