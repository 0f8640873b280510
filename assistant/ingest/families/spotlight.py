"""Regional effective practice spotlights: themes headed "… (Back to top)", examples opened by
"Example of effectiveness: Title" (the title sometimes on the next line)."""

from __future__ import annotations

from assistant.ingest.families.base import Family


class Spotlight(Family):
    name = "spotlight"
    document_kind = "spotlight"

    def score(self, signals) -> float:
        return 2.0 * signals.effectiveness_markers


FAMILY = Spotlight()
