"""The retrieval systems compared: ours, the LangChain tutorial pipeline (naive), BM25 alone and dense alone."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Callable

import numpy as np

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


NAIVE_CACHE = "naive-baseline"  # under the index folder: the naive pipeline's chunk vectors, one file per corpus


class NaiveBaseline:
    """The LangChain tutorial pipeline over the same corpus files: RecursiveCharacterTextSplitter,
    all-MiniLM-L6-v2 embeddings and a Chroma similarity search, built in memory.

    The embeddings are the index's own all-MiniLM-L6-v2 (onnxruntime, the model every query of ours
    uses), handed to LangChain as its `Embeddings`: the same model and arithmetic on both sides, so the
    comparison is between the pipelines, not between runtimes. Loading torch for sentence-transformers
    took about 40 s of a 100 s evaluation on two busy cores (docs/benchmarks.md). The chunk vectors are
    kept under the index folder (`naive-baseline/`), one file per corpus hash and model, so a second
    evaluation of the same corpus embeds only its questions.
    """

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
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from assistant.ingest import document_paths

        corpus_dir = self.assistant.settings.resolved("corpus_dir")
        docs = [LCDocument(page_content=p.read_text(encoding="utf-8"), metadata={"source": p.name})
                for p in document_paths(corpus_dir)]
        splitter = RecursiveCharacterTextSplitter(chunk_size=self.chunk_size, chunk_overlap=self.overlap)
        chunks = splitter.split_documents(docs)
        vectors = ChunkVectors(self.cache_file())
        embeddings = index_embeddings(self.assistant.index.embedder, vectors)
        client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        ids = [f"naive-{i}" for i in range(len(chunks))]
        self._store = Chroma(collection_name="naive-baseline", embedding_function=embeddings, client=client)
        self._store.add_documents(chunks, ids=ids)
        vectors.save()
        units = list(self.assistant.index.units.values())
        for chunk in chunks:
            self._chunk_units[chunk.page_content] = _overlapping_units(chunk.page_content, units)

    def cache_file(self) -> Path:
        """Where this corpus's chunk vectors are kept: named by the corpus hash, the model and the chunking."""
        manifest = self.assistant.index.manifest
        key = hashlib.sha256(json.dumps([manifest.get("corpus_hash"), manifest.get("embedding", {}).get("onnx_sha256"),
                                         self.chunk_size, self.overlap]).encode()).hexdigest()[:24]
        return self.assistant.settings.resolved("index_dir") / NAIVE_CACHE / f"{key}.npz"

    def rank(self, case: GoldCase) -> list[str]:
        self.warm_up()
        ranked: list[str] = []
        for doc in self._store.similarity_search(case.question, k=20):
            for unit_id in self._chunk_units.get(doc.page_content, [])[:1]:
                if unit_id not in ranked:
                    ranked.append(unit_id)
        return ranked[:10]


class ChunkVectors:
    """Chunk vectors by the SHA-256 of the chunk's text, read from and saved to one .npz file (no pickles).

    The cache is a convenience: a file that cannot be read or written is ignored, and a vector is only
    ever reused for exactly the same text.
    """

    def __init__(self, path: Path):
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        self.changed = False
        try:
            with np.load(path, allow_pickle=False) as data:
                self.vectors = dict(zip(data["digests"].tolist(), data["vectors"]))
        except (OSError, ValueError, KeyError):
            self.vectors = {}

    @staticmethod
    def digest(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def get_or_embed(self, texts: list[str], embed: Callable[[list[str]], np.ndarray]) -> list[np.ndarray]:
        missing = list(dict.fromkeys(t for t in texts if self.digest(t) not in self.vectors))
        if missing:
            for text, vector in zip(missing, embed(missing)):
                self.vectors[self.digest(text)] = vector
            self.changed = True
        return [self.vectors[self.digest(t)] for t in texts]

    def save(self) -> None:
        if not self.changed:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.stem}.{os.getpid()}.tmp.npz")
            digests = list(self.vectors)
            np.savez(tmp, digests=np.array(digests), vectors=np.stack([self.vectors[d] for d in digests]))
            os.replace(tmp, self.path)
        except OSError:
            return  # a read-only index folder: the next run embeds the chunks again


def index_embeddings(embedder, vectors: ChunkVectors):
    """The index's embedder as LangChain `Embeddings`, chunk vectors through `vectors`."""
    from langchain_core.embeddings import Embeddings

    class IndexEmbeddings(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [v.tolist() for v in vectors.get_or_embed(list(texts), embedder.embed_many)]

        def embed_query(self, text: str) -> list[float]:
            return embedder.embed([text])[0].tolist()

    return IndexEmbeddings()


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
