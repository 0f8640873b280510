"""Retrieval: hybrid search (dense + keyword) over an open index, with filters, expansion and facets.

``retriever`` ranks units for a question; ``sameness`` folds the same example published twice
into one hit with both sources.
"""

from assistant.retrieve.retriever import Query, Ranking, Retriever, counted_thing, passes_filters
from assistant.retrieve.sameness import merge_near_duplicates

__all__ = ["Query", "Ranking", "Retriever", "counted_thing", "merge_near_duplicates", "passes_filters"]
