"""Chunks: every unit at several granularities, each with its context header and the fields filters use."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any


from assistant.types import Example, Unit


SECTION_PART_CHARS = 900  # sections are also indexed by paragraph, joined up to this size…
SECTION_PART_MIN_CHARS = 120  # …when a paragraph or bullet is shorter than this


@dataclass(frozen=True)
class Chunk:
    """One indexed passage. Several chunks (granularities) point at the same unit."""

    id: str
    unit_id: str
    granularity: str  # "example" | "summary" | "group" | "section" | "part"
    text: str  # what is embedded and keyword-indexed: context header + passage

    @property
    def text_key(self) -> str:
        """Identifies the text alone: equal texts have equal vectors."""
        return hashlib.sha256(self.text.encode()).hexdigest()[:24]


def context_header(unit: Unit) -> str:
    """document › theme › title › person summary: the context every chunk carries."""
    parts = [unit.document, unit.section, unit.title]
    if isinstance(unit, Example) and unit.person:
        parts.append(unit.person_summary())
    return " › ".join(dict.fromkeys(p for p in parts if p))


SCALAR_PUBLICATION_FILTERS = ("region", "year", "publication_kind")  # one value per unit, stored for `where`


def filter_fields(unit: Unit) -> dict[str, tuple[str, ...]]:
    """The values a unit offers each search filter (validation.FILTER_KEYS): the unit's own tags and
    its publication's region, year and kind."""
    example = unit if isinstance(unit, Example) else None
    year = getattr(unit, "document_year", None)
    region = getattr(unit, "document_region", None)
    publication_kind = getattr(unit, "document_kind", None)
    return {
        "theme": (unit.section,),
        "document": (unit.document_id, unit.document),
        "kind": (example.kind if example else "section",),
        "sentence": tuple(example.sentence) if example else (),
        "need": tuple(example.needs) if example else (),
        "standard": tuple(example.standards) if example else (),
        "region": (region,) if region else (),
        "year": (str(year),) if year else (),
        "publication_kind": (publication_kind,) if publication_kind else (),
    }


def chunk_metadata(unit: Unit, granularity: str) -> dict[str, Any]:
    """What Chroma stores beside a chunk's vector: its unit and the fields filters use (`where`)."""
    values = filter_fields(unit)
    metadata: dict[str, Any] = {"unit_id": unit.id, "granularity": granularity, "theme": unit.section,
                                "document_id": unit.document_id, "kind": values["kind"][0]}
    for key in ("sentence", "need", "standard"):
        if values[key]:  # Chroma refuses empty lists
            metadata[key] = list(values[key])
    for key in SCALAR_PUBLICATION_FILTERS:
        if values[key]:  # Chroma refuses None
            metadata[key] = values[key][0]
    return metadata


def _chunk_id(granularity: str, unit: Unit, text: str) -> str:
    # the metadata is part of the identity: a chunk found in a copied store always carries today's tags
    meta = json.dumps(chunk_metadata(unit, granularity), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{granularity}\0{unit.id}\0{text}\0{meta}".encode()).hexdigest()[:24]


def make_chunks(units: list[Unit]) -> list[Chunk]:
    """Every unit at more than one granularity, each with its context header."""
    chunks: list[Chunk] = []

    def add(unit: Unit, granularity: str, body: str) -> None:
        text = f"{context_header(unit)}\n{body}"
        chunks.append(Chunk(_chunk_id(granularity, unit, text), unit.id, granularity, text))

    for unit in units:
        if isinstance(unit, Example):
            add(unit, "example", unit.text)
            tags = []
            if unit.sentence:
                tags.append("Sentence: " + ", ".join(unit.sentence))
            if unit.needs:
                tags.append("Needs: " + ", ".join(unit.needs))
            add(unit, "summary", "\n".join([unit.intro, *tags, unit.outcome or ""]).strip())
            for group in unit.groups:
                add(unit, "group", group.text())
        else:
            add(unit, "section", unit.text)
            parts = _split_parts(unit.text)
            if len(parts) > 1:
                for part in parts:
                    add(unit, "part", part)
    return chunks


def unit_chunks(unit: Unit) -> list[Chunk]:
    """The chunks one unit is indexed as (the same ids as in the index)."""
    return make_chunks([unit])


def _split_parts(text: str) -> list[str]:
    """Paragraphs and bullets of a section, short neighbours joined up to SECTION_PART_CHARS."""
    parts, current = [], ""
    for paragraph in text.split("\n"):
        if current and (len(current) >= SECTION_PART_MIN_CHARS or len(current) + len(paragraph) > SECTION_PART_CHARS):
            parts.append(current)
            current = ""
        current = f"{current}\n{paragraph}".strip()
    if current:
        parts.append(current)
    return parts
