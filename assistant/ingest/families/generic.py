"""Any other document: indexed by its headings and paragraphs as sections, with a warning that no
examples were recognised (the walk still opens an example wherever a marker appears)."""

from __future__ import annotations

from assistant.ingest.families.base import Family


class Generic(Family):
    name = "generic"
    document_kind = "document"


FAMILY = Generic()
