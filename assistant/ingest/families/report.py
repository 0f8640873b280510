"""PDF reports and guides: numbered sections ("3. The day of release"), numbered "Practice example
N: Title" boxes, annexes and glossaries that are back matter, not examples."""

from __future__ import annotations

from assistant.ingest.families.base import Family


class Report(Family):
    name = "report"
    document_kind = "report"

    def score(self, signals) -> float:
        return 2.0 * signals.other_markers + 1.0 * signals.numbered_markers


FAMILY = Report()
