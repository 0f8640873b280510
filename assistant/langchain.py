"""A LangChain retriever over the assistant's own hybrid retrieval, for use in any chain or agent.

    from assistant.langchain import PracticeRetriever

    retriever = PracticeRetriever(k=3, filters={"theme": ["Court work"]})
    docs = retriever.invoke("young woman up for sentence, first offence")
    docs[0].metadata["title"], docs[0].metadata["url"]

It is a `langchain_core.retrievers.BaseRetriever` over `Assistant.search`: the same glossary
expansion, facets, fused dense and keyword scores and filters as `assistant search`, one
result per example or section. Each `Document` holds the unit's text, and its metadata holds
id, kind, title, document, section, url (a whole-word link to the source), person, sentence,
needs, standards, rank and score. The corpus text is Crown copyright under the Open
Government Licence v3.0; keep the attribution (`ATTRIBUTION`) wherever you show it.

LangChain's API changes often, so it is imported here and nowhere else in the package.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from assistant.links import source_link
from assistant.notices import ATTRIBUTION
from assistant.types import Example, Hit



def hit_document(hit: Hit) -> Document:
    """A search hit as a LangChain `Document` (metadata of plain JSON types, so any vector store takes it)."""
    unit = hit.unit
    example = unit if isinstance(unit, Example) else None
    metadata = {
        "id": unit.id,
        "kind": example.kind if example else "section",
        "title": unit.title,
        "document": unit.document,
        "section": unit.section,
        "url": source_link(unit),
        "person": example.person.summary() if example and example.person else None,
        "sentence": list(example.sentence) if example else [],
        "needs": list(example.needs) if example else [],
        "standards": list(example.standards) if example else [],
        "rank": hit.rank,
        "score": round(hit.score, 4),
        "attribution": ATTRIBUTION,
    }
    return Document(page_content=unit.text, metadata=metadata, id=unit.id)


class PracticeRetriever(BaseRetriever):
    """Inspected effective practice for a question: the assistant's hybrid retrieval as a retriever.

    `k` and `filters` (theme, need, sentence, standard, document, kind; each a list of values)
    are set on the retriever or given per call: `retriever.invoke(question, k=3)`. Without an
    `assistant`, the index named by the settings in effect (assistant.toml, ASSISTANT_*) opens
    on first use. Bad input raises the assistant's own errors (`BadInputError` and the rest).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    assistant: Any = Field(default=None, description="An assistant.Assistant; opened from the settings when None.")
    k: int = Field(default=5, ge=1, le=100, description="How many results.")
    filters: dict[str, list[str]] | None = Field(default=None, description="e.g. {'theme': ['Court work']}.")

    def _assistant(self):
        if self.assistant is None:
            from assistant.api import Assistant

            self.assistant = Assistant.load()
        return self.assistant

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                **kwargs: Any) -> list[Document]:
        k = kwargs.pop("k", self.k)
        filters = kwargs.pop("filters", self.filters)
        if kwargs:
            from assistant.errors import BadInputError

            raise BadInputError(f"unknown option(s) {', '.join(sorted(kwargs))}; PracticeRetriever takes k and filters")
        hits = self._assistant().search(query, k=k, filters=filters)
        return [hit_document(hit) for hit in hits]
