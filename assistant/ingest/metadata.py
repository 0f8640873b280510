"""Publication metadata: the `<name>.meta.json` beside a document, and what the document itself says.

The meta file wins. Otherwise each field is read from the document, and the place it was read
from is kept with it (`Found.source`), so `assistant add` can say what it read and where, and
ask only for what it could not read:

- **title**: the document's title heading (or its first title-like line), unless a title
  stored in the file (Word core properties, PDF info or XMP, HTML Open Graph, Dublin Core or
  `<title>`) is the fuller form of it; a stored title that is a file name or a template's
  placeholder is ignored, and a site's name after " - " or " | " is cut off.
- **year**: a dated line on the cover, labelled ("Published: 3 March 2024", "Published 3 March
  2024", "Date of publication 12/03/2024") or not ("March 2025", "14 June 2023", a bare "2025");
  then a publication date stored in the file (HTML meta); then a year in the title; then the
  file's creation date. Dates are read in every common written form (`year_in_date`).
- **region**: a probation region or area (`regions.toml`) named in the title, else the one
  named on the cover and in the introduction, when they name one region clearly.
- **kind**: the title's words ("spotlight", "inspection of", …), else the family that
  recognised the layout.

Only http(s) source links are kept.
"""

from __future__ import annotations

import json
import re
import tomllib
import urllib.parse
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from assistant.errors import CorpusError
from assistant.ingest.blocks import FURNITURE, HEADING, ITEM, PARA, Block
from assistant.ingest.vocabulary import label_key, section_label_set, vocabulary

REGIONS_FILE = Path(__file__).with_name("regions.toml")
_YEAR = re.compile(r"(?<!\d)(19[89]\d|20\d\d)(?!\d)")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|" \
         r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
_SEASON = r"(?:spring|summer|autumn|winter|early|mid|late)"
# every written form of a date that carries a year, most specific first
_DATE_FORMS = [
    re.compile(r"(?<!\d)(?P<year>(?:19|20)\d\d)-[01]?\d(?:-[0-3]?\d)?(?:[T ][\d:.+\-Z]*)?(?!\d)"),  # 2024-03-03
    re.compile(r"^D?:?(?P<year>(?:19|20)\d\d)(?:[01]\d(?:[0-3]\d)?)?(?:\d{2,6})?(?:[Z+\-'\d]*)$"),  # PDF D:20240303
    re.compile(rf"(?<!\w){_DAY}\s+(?:of\s+)?{_MONTH},?\s+(?P<year>(?:19|20)\d\d)(?!\d)", re.I),  # 3 March 2024
    re.compile(rf"(?<!\w){_MONTH}\s+{_DAY},?\s+(?P<year>(?:19|20)\d\d)(?!\d)", re.I),  # March 3, 2024
    re.compile(rf"(?<!\w){_MONTH},?\s+(?P<year>(?:19|20)\d\d)(?!\d)", re.I),  # March 2024
    re.compile(r"(?<!\d)[0-3]?\d[/.\-][01]?\d[/.\-](?P<year>(?:19|20)\d\d)(?!\d)"),  # 03/03/2024, 3.3.2024
    re.compile(r"(?<!\d)(?P<year>(?:19|20)\d\d)/[01]?\d/[0-3]?\d(?!\d)"),  # 2024/03/03
    re.compile(rf"(?<!\w){_SEASON}\s+(?P<year>(?:19|20)\d\d)(?!\d)", re.I),  # Spring 2024
]
_BARE_YEAR = re.compile(r"^\(?(?P<year>(?:19|20)\d\d)\)?\.?$")


@dataclass(frozen=True)
class Found:
    """One metadata field's value and where it was read ("meta file", "PDF info", "cover line …")."""

    value: Any
    source: str


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
    check_meta(data, sidecar)
    return data


# the meta file's schema: each known field's type (None allowed: "this publication has none")
META_TEXT = ("id", "title", "publisher", "region", "kind", "url", "licence", "source", "added")
MAX_META_TEXT = 2_000


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", bool: "true/false", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__)


def check_meta(data: dict, sidecar: Path) -> None:
    """The meta file's values against its schema: text fields are text (or null), the year a year, the id a short
    name, any other field plain text or a number; a CorpusError names the first field that is not."""
    def refuse(field: str, what: str) -> CorpusError:
        return CorpusError(f"{sidecar.name}: \"{field}\" {what}; fix it or delete it")

    for field, value in data.items():
        if not isinstance(field, str) or not field.strip():
            raise refuse(str(field), "is not a field name")
        if value is None:
            continue
        if field == "year":
            if isinstance(value, bool) or not (isinstance(value, int) and 1900 <= value <= 2100
                                               or isinstance(value, str) and as_year(value)):
                got = f'"{value[:40]}"' if isinstance(value, str) else _type_name(value)
                raise refuse(field, f"must be a year such as 2025, got {got}")
        elif field in META_TEXT or not isinstance(value, (int, float)):  # other fields: text, a number, true/false
            if not isinstance(value, str):
                raise refuse(field, f"must be text, got {_type_name(value)}")
            if len(value) > MAX_META_TEXT:
                raise refuse(field, f"is {len(value):,} characters long; keep it under {MAX_META_TEXT:,}")
    doc_id = data.get("id")
    if isinstance(doc_id, str) and not re.fullmatch(r"[\w][\w.:-]{0,79}", doc_id):
        raise refuse("id", "must be a short name of letters, digits, '-', '.' or ':' (at most 80), e.g. \"ne-2025\"")


def safe_url(url: Any) -> str | None:
    """The URL when it is an absolute http(s) link, else None."""
    if not isinstance(url, str) or not url.strip():
        return None
    parsed = urllib.parse.urlparse(url.strip())
    if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc:
        return None
    return url.strip()


# --- the whole reading ------------------------------------------------------------------------


def read_fields(meta: dict, blocks: list[Block], properties: dict[str, list[tuple[str, str]]],
                family_kind: str, stem: str) -> dict[str, Found]:
    """Title, year, region and kind, each with where it was read; the meta file wins field by field.

    `properties` are what the file itself stores, field -> [(value, where)], best first, as the
    readers give them ("title", "published", "created", "description").
    """
    title = Found(str(meta["title"]), "meta file") if meta.get("title") else \
        choose_title(title_from(blocks), properties.get("title", [])) or Found(stem, "file name")
    if "year" in meta:  # an explicit null says the publication has none
        year = Found(as_year(meta["year"]) if meta["year"] else None, "meta file")
    else:
        year = year_found(blocks, title.value, properties)
    if "region" in meta:  # null: a national publication
        region = Found(str(meta["region"]) if meta["region"] else None, "meta file")
    else:
        region = region_found(blocks, title.value, properties)
    if meta.get("kind"):
        kind = Found(str(meta["kind"]), "meta file")
    else:
        from_title = kind_from(title.value)
        if from_title:
            kind = Found(from_title, "the title's words")
        elif family_kind != "document":
            kind = Found(family_kind, "the layout")
        else:
            kind = Found(None, "")  # no family recognised it: a plain "document"
    return {"title": title, "year": year, "region": region, "kind": kind}


# --- title ------------------------------------------------------------------------------------


def title_from(blocks: list[Block]) -> str | None:
    """The document's title: its top heading when that is level 1, else the first title-like
    line before the first heading (plain text has no heading markup for its title). A line that
    only names the publisher ("HM Inspectorate of Probation") is not a title."""
    headings = [b for b in blocks if b.kind == HEADING and not _is_publisher(b.text)]
    if headings and min(b.level for b in headings) == 1:
        return next(b.text for b in headings if b.level == 1)
    labels = {label_key(label) for label in vocabulary()["documents"]["date_labels"]}
    for block in blocks:
        if block.kind == HEADING and not _is_publisher(block.text):
            break
        text = block.text
        if block.kind == PARA and 3 <= len(text.split()) <= 25 and not text.endswith((".", ":", "?", "!")) \
                and label_key(text.split(":", 1)[0]) not in labels and not _is_publisher(text) \
                and year_in_date(text) is None:
            return text
    return headings[0].text if headings else None


def _is_publisher(text: str) -> bool:
    return len(text) <= 80 and label_key(text) in section_label_set("documents", "publishers")


def clean_property_title(text: str) -> str | None:
    """A title stored in a file, without a site name after " - " or " | ", or None when it is a
    file name, a template's placeholder or too short to be a publication's title."""
    text = re.sub(r"\s+", " ", str(text or "")).strip()
    if not text:
        return None
    parts = [p.strip() for p in re.split(r"\s+[|–—-]\s+", text) if p.strip()]
    kept = [p for p in parts if not _is_publisher(p)]
    if kept and len(kept) < len(parts):
        text = " - ".join(kept)
    lowered = text.lower()
    junk = vocabulary()["documents"]["placeholder_titles"]
    if any(re.match(rf"{re.escape(j.lower())}(?:$|[\s:\-–])", lowered) for j in junk) or re.search(r"\.(?:docx?|pdf|indd|rtf|odt|pptx?|txt)\b",
                                                                      lowered):
        return None
    if len(text.split()) < 2 or len(text) > 300 or (" " not in text and re.search(r"[_\-]", text)):
        return None
    return text


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[^\W\d_]+|\d+", text.lower()) if len(w) > 2 or w.isdigit()]


def choose_title(heading: str | None, stored: list[tuple[str, str]]) -> Found | None:
    """The fuller of the title heading and the best title stored in the file.

    A stored title wins when it says more than the heading and holds most of the heading's
    words (the heading was a fragment of it), or when the document has no title heading.
    """
    candidates = [(cleaned, source) for value, source in stored if (cleaned := clean_property_title(value))]
    if heading is None:
        return Found(*candidates[0]) if candidates else None
    best = Found(heading, "the title heading")
    heading_words = set(_words(heading))
    for value, source in candidates:
        words = _words(value)
        shared = len(heading_words & set(words))
        if len(words) > len(_words(best.value)) and heading_words and shared >= 0.6 * len(heading_words):
            best = Found(value, source)
    return best


# --- year -------------------------------------------------------------------------------------


def year_in_date(text: str) -> int | None:
    """The year of a date written in any common form ("3 March 2024", "March 3, 2024", "2024-03-03",
    "03/03/2024", "Spring 2024", "D:20240303…"), or of a bare year; None when there is no date."""
    text = text.strip()
    for form in _DATE_FORMS:
        found = form.search(text)
        if found and _plausible_year(int(found.group("year"))):
            return int(found.group("year"))
    found = _BARE_YEAR.match(text)
    if found and _plausible_year(int(found.group("year"))):
        return int(found.group("year"))
    return None


def _plausible_year(year: int) -> bool:
    return 1990 <= year <= date.today().year + 1


def cover(blocks: list[Block], limit: int = 40) -> list[Block]:
    """The content blocks of a document's cover: those before its first heading below the title
    (at most `limit`)."""
    content = [b for b in blocks if b.kind != FURNITURE]
    headings = [b for b in content if b.kind == HEADING]
    top = min((b.level for b in headings), default=1)
    out: list[Block] = []
    for block in content:
        if block.kind == HEADING and (block.level > top or sum(1 for h in headings if h.level == top) > 1) and out:
            break
        out.append(block)
        if len(out) >= limit:
            break
    return out


def year_found(blocks: list[Block], title: str, properties: dict[str, list[tuple[str, str]]]) -> Found:
    """The publication year and where it was read (see the module's docstring for the order)."""
    opening = [b for b in blocks if b.kind != FURNITURE][:60]
    labelled = _labelled_year(opening)
    if labelled:
        return labelled
    for block in cover(blocks):
        text = block.text
        if block.kind in (PARA, HEADING, ITEM) and len(text.split()) <= 10 and text != title:
            year = _dated_line(text)
            if year:
                return Found(year, f"the cover line {_quote(text)}")
    for value, source in properties.get("published", []):
        year = year_in_date(value)
        if year:
            return Found(year, source)
    found = _YEAR.search(title)
    if found and _plausible_year(int(found.group(1))):
        return Found(int(found.group(1)), "the title")
    for value, source in properties.get("created", []):
        year = year_in_date(value)
        if year:
            return Found(year, source)
    return Found(None, "")


def _labelled_year(opening: list[Block]) -> Found | None:
    """A year after a date label ("Published: 3 March 2024", "Published 3 March 2024", "Year:" then
    "2025" on the next line)."""
    labels = sorted(vocabulary()["documents"]["date_labels"], key=len, reverse=True)
    pattern = re.compile(r"^(?P<label>" + "|".join(re.escape(label).replace(r"\ ", r"\s+") for label in labels)
                         + r")(?:\s+on)?\s*(?:[:\-–—]\s*|\s+|$)(?P<rest>.*)$", re.I)
    for index, block in enumerate(opening):
        if len(block.text) > 120:
            continue
        match = pattern.match(block.text)
        if not match:
            continue
        rest = match.group("rest").strip()
        if rest:
            year = year_in_date(rest)
            if year:
                return Found(year, f"the line {_quote(block.text)}")
            continue
        for following in opening[index + 1:index + 4]:  # the value on a line of its own
            text = following.text
            if len(text.split()) > 8:
                break
            year = year_in_date(text)
            if year:
                return Found(year, f"the lines {_quote(block.text)} {_quote(text)}")
    return None


def _dated_line(text: str) -> int | None:
    """The year of a short cover line that is a date, or ends or starts with one ("March 2025",
    "HM Inspectorate of Probation, 14 June 2023", "2025")."""
    if _BARE_YEAR.match(text.strip()):
        return year_in_date(text)
    for form in _DATE_FORMS:
        found = form.search(text)
        if found and _plausible_year(int(found.group("year"))):
            return int(found.group("year"))
    return None


def _quote(text: str) -> str:
    return "'" + (text if len(text) <= 60 else text[:57] + "…") + "'"


def as_year(value: Any) -> int | None:
    if isinstance(value, int) and 1900 <= value <= 2100:
        return value
    found = _YEAR.search(str(value or ""))
    return int(found.group(1)) if found else None


def year_from(blocks: list[Block], title: str) -> int | None:
    """The publication year the document states (see `year_found`), or None."""
    return year_found(blocks, title, {}).value


# --- region -----------------------------------------------------------------------------------


@cache
def _regions() -> tuple[list[tuple[str, re.Pattern[str], float]], re.Pattern[str]]:
    """(region, the pattern of one of its names, weight) longest name first, and the phrases to skip."""
    with REGIONS_FILE.open("rb") as handle:
        data = tomllib.load(handle)
    names: list[tuple[str, str, float]] = []
    for region in data["region"]:
        names += [(region["name"], name, 1.0) for name in region["names"]]
        names += [(region["name"], area, 0.5) for area in region["areas"]]
    names.sort(key=lambda n: len(n[1]), reverse=True)
    compiled = [(region, re.compile(r"(?<![\w-])" + re.escape(name).replace(r"\ ", r"\s+") + r"(?![\w-])"), weight)
                for region, name, weight in names]
    skip = re.compile("|".join(re.escape(p).replace(r"\ ", r"\s+") for p in data["not_regions"]))
    return compiled, skip


def regions_named(text: str) -> dict[str, float]:
    """The regions a text names, each with a weight (a region by name 1, one of its areas 0.5);
    the longest name wins where names overlap."""
    patterns, skip = _regions()
    taken = [False] * len(text)
    for match in skip.finditer(text):
        taken[match.start():match.end()] = [True] * (match.end() - match.start())
    found: dict[str, float] = {}
    for region, pattern, weight in patterns:
        for match in pattern.finditer(text if not text.isupper() else text.title()):
            if any(taken[match.start():match.end()]):
                continue
            taken[match.start():match.end()] = [True] * (match.end() - match.start())
            found[region] = found.get(region, 0.0) + weight
    return found


def region_from(title: str) -> str | None:
    """The region a title names (its first, by position), or None."""
    named = regions_named(title)
    if not named:
        return None
    patterns, _ = _regions()
    first = min(named, key=lambda region: min(
        (m.start() for r, p, _ in patterns if r == region for m in [p.search(title)] if m), default=len(title)))
    return first


def region_found(blocks: list[Block], title: str, properties: dict[str, list[tuple[str, str]]]) -> Found:
    """The region from the title, else the one region the cover and introduction clearly name."""
    in_title = region_from(title)
    if in_title:
        return Found(in_title, "the title")
    places = [("the cover", " ".join(b.text for b in cover(blocks) if b.text != title)),
              ("the introduction", _introduction(blocks)),
              *((source, value) for value, source in properties.get("description", []))]
    for where, text in places:
        named = regions_named(text)
        if not named:
            continue
        ranked = sorted(named.items(), key=lambda kv: kv[1], reverse=True)
        best, weight = ranked[0]
        if len(ranked) == 1 or weight >= 2 * ranked[1][1]:
            return Found(best, where)
        return Found(None, "")  # several regions named alike: a national publication
    return Found(None, "")


def _introduction(blocks: list[Block], limit: int = 1500) -> str:
    """The first section's text after the cover (at most `limit` characters)."""
    content = [b for b in blocks if b.kind != FURNITURE]
    start = len(cover(blocks))
    text: list[str] = []
    seen_heading = False
    for block in content[start:]:
        if block.kind == HEADING:
            if seen_heading and text:
                break
            seen_heading = True
            continue
        if block.kind in (PARA, ITEM):
            text.append(block.text)
        if sum(len(t) for t in text) >= limit:
            break
    return " ".join(text)[:limit]


# --- kind -------------------------------------------------------------------------------------


def kind_from(title: str) -> str | None:
    lowered = title.lower()
    for kind, cues in vocabulary()["documents"]["kinds"]:
        if any(re.search(rf"\b{re.escape(cue)}\b", lowered) for cue in cues):
            return kind
    return None
