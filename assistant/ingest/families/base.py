"""What every family shares: choosing an example's title and section from the heading path."""

from __future__ import annotations

from assistant.ingest.recognise import Heading, Start


class Family:
    """A publication family. Subclasses score how well a document fits and may title examples differently."""

    name = "generic"
    document_kind = "document"

    def score(self, signals) -> float:
        return 0.0

    def title_and_section(self, start: Start, path: list[Heading], fallback_title: str) -> tuple[str, str]:
        """A marker's example is titled by its marker and sits under the nearest theme heading;
        a case block is titled by its chapter heading and sits under the part above it."""
        themes = [h.text for h in path if h.role == "theme"]
        if start.style == "marker" and start.title:
            return start.title, themes[-1] if themes else (path[-1].text if path else fallback_title)
        if start.title:  # "Case summary: curfew breaches"
            return start.title, themes[-1] if themes else fallback_title
        if themes:
            return themes[-1], themes[-2] if len(themes) > 1 else themes[-1]
        return fallback_title, fallback_title
