"""Effective practice guides: chapter pages with a contents list, a "what we expect" passage, then
"Case summary" / "Inspector's comments" / "Take-away learning". An example is titled by its
chapter heading and sits in the guide's part above it."""

from __future__ import annotations

from assistant.ingest.families.base import Family


class Guide(Family):
    name = "guide"
    document_kind = "guide"

    def score(self, signals) -> float:
        if signals.youth_terms > signals.adult_terms:
            return 0.0
        return 1.5 * signals.case_labels


FAMILY = Guide()
