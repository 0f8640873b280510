"""Answers: from a ranking to an `Answer` as data (lead, points, sources), every quote verbatim and cited.

``compose`` is the extractive composer; ``scoring`` (with its fitted ``weights.json``) and
``facts`` score candidate points, ``choice`` picks them, ``lead`` writes the line on top from the
examples' fields, ``compare`` lays examples side by side, ``coverage`` decides what the
documents do not cover, ``messages`` holds what answers say in their own words, ``llm`` the
optional LLM backends, checked by ``support`` and ``citations`` against the sources.
"""

from assistant.answer.compare import Part
from assistant.answer.compose import LOOSE_MATCH, ExtractiveComposer, relevance

__all__ = ["LOOSE_MATCH", "ExtractiveComposer", "Part", "relevance"]
