"""The retrieval systems compared: ours, the LangChain tutorial pipeline (naive), BM25 alone and dense alone."""

from __future__ import annotations

import re
from typing import Callable

from assistant.evaluation.gold import GoldCase


SYSTEMS = ("ours", "naive", "bm25", "dense")


Ranker = Callable[[GoldCase], list[str]]


def our_ranker(assistant) -> Ranker:
    def rank(case: GoldCase) -> list[str]:
        hits = assistant.search(case.question, k=10, filters=case.filters or None, history=list(case.history) or None)
        return [h.id for h in hits]
    return rank


def ablation_ranker(assistant, dense: bool, keyword: bool) -> Ranker:
    def rank(case: GoldCase) -> list[str]:
        hits = assistant.retriever.search(case.question, k=10, filters=case.filters or None,
                                          dense=dense, keyword=keyword, expand=False, use_facets=False)
        return [h.id for h in hits]
    return rank


class NaiveBaseline:
    """The LangChain tutorial pipeline, built in memory from the same corpus files."""

    def __init__(self, assistant, chunk_size: int = 1000, overlap: int = 200):
        self.assistant = assistant
        self.chunk_size = chunk_size
        self.overlap = overlap
        self._store = None
        self._chunk_units: dict[str, list[str]] = {}

    def warm_up(self) -> None:
        if self._store is not None:
            return
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_core.documents import Document as LCDocument
        from langchain_huggingface import HuggingFaceEmbeddings
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from assistant.index import embed
        from assistant.ingest import document_paths

        embed._offline()
        corpus_dir = self.assistant.settings.resolved("corpus_dir")
        docs = [LCDocument(page_content=p.read_text(encoding="utf-8"), metadata={"source": p.name})
                for p in document_paths(corpus_dir)]
        splitter = RecursiveCharacterTextSplitter(chunk_size=self.chunk_size, chunk_overlap=self.overlap)
        chunks = splitter.split_documents(docs)
        embeddings = HuggingFaceEmbeddings(model_name=str(embed.model_path()), model_kwargs={"device": "cpu"})
        client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        ids = [f"naive-{i}" for i in range(len(chunks))]
        self._store = Chroma(collection_name="naive-baseline", embedding_function=embeddings, client=client)
        self._store.add_documents(chunks, ids=ids)
        units = list(self.assistant.index.units.values())
        for chunk in chunks:
            self._chunk_units[chunk.page_content] = _overlapping_units(chunk.page_content, units)

    def rank(self, case: GoldCase) -> list[str]:
        self.warm_up()
        ranked: list[str] = []
        for doc in self._store.similarity_search(case.question, k=20):
            for unit_id in self._chunk_units.get(doc.page_content, [])[:1]:
                if unit_id not in ranked:
                    ranked.append(unit_id)
        return ranked[:10]


def _normalise_line(text: str) -> str:
    text = re.sub(r"\[\d+\]", "", text)
    return re.sub(r"\s+", " ", text.lstrip("•*-– ").strip())


def _overlapping_units(chunk_text: str, units) -> list[str]:
    """Unit ids ordered by how many of the chunk's characters they contain."""
    weight: dict[str, int] = {}
    normalised = {u.id: _normalise_line(u.text.replace("\n", " ")) for u in units}
    for raw in chunk_text.splitlines():
        line = _normalise_line(raw)
        if len(line) < 15:
            continue
        marker = line.split(":", 1)[1].strip() if line.lower().startswith("example of effectiveness:") else None
        for unit in units:
            if (marker and unit.title == marker) or line in normalised[unit.id]:
                weight[unit.id] = weight.get(unit.id, 0) + len(line)
    return sorted(weight, key=lambda u: -weight[u])
