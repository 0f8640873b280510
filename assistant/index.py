"""Build and open the index: Chroma (dense), bm25s (keyword), and a manifest that describes both.

Layout of ``index/``::

    manifest.json          the one switch: which build is live, and how it was made
    onnx/model.onnx        the query-time embedding model, exported and checked at build time
    builds/<id>/           units.jsonl, chunks.jsonl, glossary.json, bm25/ for that build
    chroma/                the embedded Chroma store (local mode); collection ``ppa-<id>``

A build writes a new build folder and a new Chroma collection, then replaces manifest.json
atomically; only then is the previous build removed. A build that fails or is interrupted
leaves the previous index serving. Chunk ids are derived from content, so vectors of
unchanged chunks are copied from the previous collection instead of being embedded again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from assistant import embed
from assistant.config import Settings
from assistant.errors import (ChromaUnavailableError, IndexCorruptError, IndexMissingError,
                              IndexStaleError)
from assistant.glossary import Glossary
from assistant.ingest import PARSER_VERSION, all_units, corpus_hash, document_record, read_corpus
from assistant.types import Example, Section, Unit, unit_from_json, unit_to_json

INDEX_FORMAT = 1
MANIFEST = "manifest.json"
SECTION_PART_CHARS = 900  # sections are also indexed by paragraph, joined up to this size…
SECTION_PART_MIN_CHARS = 120  # …when a paragraph or bullet is shorter than this

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class Chunk:
    """One indexed passage. Several chunks (granularities) point at the same unit."""

    id: str
    unit_id: str
    granularity: str  # "example" | "summary" | "group" | "section" | "part"
    text: str  # what is embedded and keyword-indexed: context header + passage


def context_header(unit: Unit) -> str:
    """document › theme › title › person summary: the context every chunk carries."""
    parts = [unit.document, unit.section, unit.title]
    if isinstance(unit, Example) and unit.person:
        parts.append(unit.person_summary())
    return " › ".join(dict.fromkeys(p for p in parts if p))


def _chunk_id(granularity: str, unit_id: str, text: str) -> str:
    return hashlib.sha256(f"{granularity}\0{unit_id}\0{text}".encode()).hexdigest()[:24]


def make_chunks(units: list[Unit]) -> list[Chunk]:
    """Every unit at more than one granularity, each with its context header."""
    chunks: list[Chunk] = []

    def add(unit: Unit, granularity: str, body: str) -> None:
        text = f"{context_header(unit)}\n{body}"
        chunks.append(Chunk(_chunk_id(granularity, unit.id, text), unit.id, granularity, text))

    for unit in units:
        if isinstance(unit, Example):
            add(unit, "example", unit.text)
            tags = []
            if unit.sentence:
                tags.append("Sentence: " + ", ".join(unit.sentence))
            if unit.needs:
                tags.append("Needs: " + ", ".join(unit.needs))
            add(unit, "summary", "\n".join([unit.intro, *tags, unit.outcome or ""]).strip())
            for group in unit.groups:
                add(unit, "group", group.text())
        else:
            add(unit, "section", unit.text)
            parts = _split_parts(unit.text)
            if len(parts) > 1:
                for part in parts:
                    add(unit, "part", part)
    return chunks


def unit_chunks(unit: Unit) -> list[Chunk]:
    """The chunks one unit is indexed as (the same ids as in the index)."""
    return make_chunks([unit])


def _split_parts(text: str) -> list[str]:
    """Paragraphs and bullets of a section, short neighbours joined up to SECTION_PART_CHARS."""
    parts, current = [], ""
    for paragraph in text.split("\n"):
        if current and (len(current) >= SECTION_PART_MIN_CHARS or len(current) + len(paragraph) > SECTION_PART_CHARS):
            parts.append(current)
            current = ""
        current = f"{current}\n{paragraph}".strip()
    if current:
        parts.append(current)
    return parts


# --- keyword index ------------------------------------------------------------------------


def keyword_tokens(texts: list[str]) -> list[list[str]]:
    """Lower-cased, stop-worded, Snowball-stemmed tokens (the same for documents and queries)."""
    import bm25s
    import Stemmer

    return bm25s.tokenize(texts, stopwords="en", stemmer=Stemmer.Stemmer("english"),
                          return_ids=False, show_progress=False)


def build_keyword_index(chunks: list[Chunk], target: Path) -> None:
    import bm25s

    retriever = bm25s.BM25()
    retriever.index(keyword_tokens([c.text for c in chunks]), show_progress=False)
    retriever.save(str(target), show_progress=False)


# --- Chroma -------------------------------------------------------------------------------


def chroma_client(settings: Settings, index_dir: Path):
    """An embedded PersistentClient under index/chroma, or an HttpClient for a Chroma server."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_mode == "server":
        try:
            client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port,
                                         settings=chroma_settings)
            client.heartbeat()
        except Exception as exc:  # chromadb raises several transport errors; all mean "not reachable"
            raise ChromaUnavailableError(
                f"cannot reach the Chroma server at {settings.chroma_host}:{settings.chroma_port} ({exc}); "
                "start it (`chroma run --path DIR --port PORT`) or unset ASSISTANT_CHROMA_HOST/PORT"
            ) from None
        return client
    return chromadb.PersistentClient(path=str(index_dir / "chroma"), settings=chroma_settings)


def _chroma_location(settings: Settings) -> dict[str, Any]:
    if settings.chroma_mode == "server":
        return {"mode": "server", "host": settings.chroma_host, "port": settings.chroma_port}
    return {"mode": "local"}


# --- manifest -----------------------------------------------------------------------------


def index_settings(settings: Settings) -> dict[str, Any]:
    """The settings an index depends on: a change to any of these needs a rebuild."""
    return {"section_part_chars": SECTION_PART_CHARS, "section_part_min_chars": SECTION_PART_MIN_CHARS, "granularities": ["example", "summary", "group", "section", "part"],
            "max_tokens": embed.MAX_TOKENS, "keyword": "bm25s lucene k1=1.5 b=0.75, english stopwords, Snowball stemmer"}


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The manifest of the live build; a clear error when it is missing or damaged."""
    path = index_dir / MANIFEST
    if not path.exists():
        raise IndexMissingError(f"no index at {index_dir}; run `assistant index` (or `make run`, which builds it)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexCorruptError(f"the index manifest {path} is damaged ({exc}); run `assistant index --rebuild`") from None
    required = ("format", "build_id", "corpus_hash", "parser_version", "embedding", "chroma", "counts")
    if not isinstance(manifest, dict) or any(key not in manifest for key in required):
        raise IndexCorruptError(f"the index manifest {path} is incomplete; run `assistant index --rebuild`")
    if manifest["format"] != INDEX_FORMAT:
        raise IndexStaleError(
            f"the index uses format {manifest['format']}, this version reads format {INDEX_FORMAT}; run `assistant index`"
        )
    return manifest


def _write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def staleness(manifest: dict[str, Any], settings: Settings) -> str | None:
    """Why the live index no longer matches the corpus, parser, model or settings, or None."""
    corpus_dir = settings.resolved("corpus_dir")
    if manifest["parser_version"] != PARSER_VERSION:
        return f"the index was built with parser {manifest['parser_version']}, this is parser {PARSER_VERSION}"
    if manifest["embedding"].get("model") != embed.MODEL_NAME:
        return f"the index was built with {manifest['embedding'].get('model')}, this uses {embed.MODEL_NAME}"
    if manifest.get("settings") != index_settings(settings):
        return "the index was built with other chunking settings"
    if manifest["chroma"] != _chroma_location(settings) | {"collection": manifest["chroma"].get("collection")}:
        where = "a Chroma server" if manifest["chroma"].get("mode") == "server" else "the local Chroma store"
        return f"the index was built in {where}, but settings now point elsewhere"
    if corpus_dir.is_dir() and corpus_hash(corpus_dir) != manifest["corpus_hash"]:
        return f"the corpus in {corpus_dir} has changed since the index was built"
    return None


# --- building -----------------------------------------------------------------------------


@dataclass
class BuildReport:
    up_to_date: bool
    build_id: str
    units: int = 0
    examples: int = 0
    sections: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)  # per document: file, id, examples, sections, warnings
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why it was not indexed)

    def summary(self) -> str:
        if self.up_to_date:
            return f"Index is up to date (build {self.build_id}); nothing to do."
        return (f"Indexed {self.examples} examples and {self.sections} sections as {self.chunks} chunks "
                f"({self.embedded} embedded, {self.reused} reused) in {self.seconds:.1f} s (build {self.build_id}).")

    def document_table(self) -> list[str]:
        """One line per document: its counts and warnings, or why it was skipped."""
        lines = []
        for doc in self.documents:
            note = f"; {len(doc['warnings'])} warning(s)" if doc["warnings"] else ""
            lines.append(f"  {doc['file']}: {doc['examples']} examples, {doc['sections']} sections{note}")
        lines.extend(f"  {name}: skipped ({why})" for name, why in self.skipped)
        return lines


def build_index(settings: Settings, progress: Progress | None = None, rebuild: bool = False) -> BuildReport:
    """Build (or bring up to date) the index described by `settings`.

    Parses the whole corpus first. A document that cannot be read is skipped with its reason
    (in the report's warnings) and the rest is indexed; a failed build leaves the previous
    index serving.
    """
    started = time.perf_counter()
    report = progress or (lambda stage, done, total: None)
    corpus_dir = settings.resolved("corpus_dir")
    index_dir = settings.resolved("index_dir")

    report("parse", 0, 1)
    corpus = read_corpus(corpus_dir)
    documents = corpus.documents
    warnings = [f"{name} was not indexed: {why.removeprefix(name).lstrip(' :')}" for name, why in corpus.skipped]
    warnings += [w for doc in documents for w in doc.warnings]
    per_document = [{"file": d.path, "id": d.id, "examples": len(d.examples), "sections": len(d.sections),
                     "warnings": list(d.warnings)} for d in documents]
    glossary = Glossary.build(corpus_dir, documents)
    warnings += glossary.warnings
    units = all_units(documents)
    chunks = make_chunks(units)
    report("parse", 1, 1)
    content_hash = corpus_hash(corpus_dir)

    previous = None
    if (index_dir / MANIFEST).exists():
        try:
            previous = read_manifest(index_dir)
        except (IndexCorruptError, IndexStaleError):
            previous = None  # a damaged manifest is replaced by this build
    if previous and not rebuild and staleness(previous, settings) is None and _build_files_present(index_dir, previous):
        return BuildReport(True, previous["build_id"], warnings=warnings, documents=per_document, skipped=corpus.skipped)

    index_dir.mkdir(parents=True, exist_ok=True)
    build_id = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S") + "-" + content_hash[:8]
    build_dir = index_dir / "builds" / build_id
    collection_name = f"ppa-{build_id}"
    client = chroma_client(settings, index_dir)
    reference = embed.SentenceTransformerEmbedder(settings.batch_size)
    try:
        build_dir.mkdir(parents=True)
        vectors = _reuse_vectors(client, previous, chunks, settings, rebuild)
        missing = [c for c in chunks if c.id not in vectors]
        done = 0
        report("embed", 0, len(missing))

        def advance(n: int) -> None:
            nonlocal done
            done += n
            report("embed", done, len(missing))

        if missing:
            fresh = reference.embed([c.text for c in missing], progress=advance)
            vectors.update({c.id: row.tolist() for c, row in zip(missing, fresh)})

        onnx_info = _ensure_onnx(index_dir, reference, chunks, rebuild, report)

        report("store", 0, 1)
        collection = client.create_collection(collection_name, embedding_function=None,
                                              metadata={"hnsw:space": "cosine"})
        for start in range(0, len(chunks), 500):
            batch = chunks[start:start + 500]
            collection.add(
                ids=[c.id for c in batch],
                embeddings=[vectors[c.id] for c in batch],
                documents=[c.text for c in batch],
                metadatas=[{"unit_id": c.unit_id, "granularity": c.granularity} for c in batch],
            )
        build_keyword_index(chunks, build_dir / "bm25")
        _write_jsonl(build_dir / "units.jsonl", (unit_to_json(u) for u in units))
        _write_jsonl(build_dir / "chunks.jsonl", ({"id": c.id, "unit_id": c.unit_id, "granularity": c.granularity}
                                                  for c in chunks))
        (build_dir / "glossary.json").write_text(json.dumps(glossary.to_json(), ensure_ascii=False, indent=1), "utf-8")
        report("store", 1, 1)

        examples = [u for u in units if isinstance(u, Example)]
        manifest = {
            "format": INDEX_FORMAT,
            "build_id": build_id,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "corpus_hash": content_hash,
            "parser_version": PARSER_VERSION,
            "embedding": {"model": embed.MODEL_NAME, "package": embed.model_version(),
                          "dimensions": embed.DIMENSIONS, **onnx_info},
            "settings": index_settings(settings),
            "chroma": _chroma_location(settings) | {"collection": collection_name},
            "counts": {"documents": len(documents), "examples": len(examples),
                       "sections": len(units) - len(examples), "chunks": len(chunks)},
            "documents": [document_record(d) for d in documents],
            "skipped": [{"file": name, "reason": why} for name, why in corpus.skipped],
        }
        _write_json_atomic(index_dir / MANIFEST, manifest)
    except BaseException:
        _drop_build(client, collection_name, build_dir)
        raise

    if previous:
        _drop_build(client, previous["chroma"].get("collection"), index_dir / "builds" / previous["build_id"])
    return BuildReport(
        False, build_id, units=len(units), examples=len(examples), sections=len(units) - len(examples),
        chunks=len(chunks), embedded=len(missing), reused=len(chunks) - len(missing),
        seconds=time.perf_counter() - started, warnings=warnings, documents=per_document, skipped=corpus.skipped,
    )


def _build_files_present(index_dir: Path, manifest: dict[str, Any]) -> bool:
    build_dir = index_dir / "builds" / manifest["build_id"]
    return (build_dir / "units.jsonl").exists() and (index_dir / manifest["embedding"].get("onnx", "onnx/model.onnx")).exists()


def _reuse_vectors(client, previous: dict | None, chunks: list[Chunk], settings: Settings, rebuild: bool) -> dict[str, list[float]]:
    """Vectors of unchanged chunks, copied from the live collection."""
    if not previous or rebuild or previous["embedding"].get("model") != embed.MODEL_NAME:
        return {}
    if previous["chroma"].get("mode") != settings.chroma_mode:
        return {}
    try:
        old = client.get_collection(previous["chroma"]["collection"], embedding_function=None)
        got = old.get(ids=[c.id for c in chunks], include=["embeddings"])
    except Exception:  # a missing or damaged old collection only means nothing can be reused
        return {}
    return {cid: list(map(float, vec)) for cid, vec in zip(got["ids"], got["embeddings"])}


def _ensure_onnx(index_dir: Path, reference: embed.SentenceTransformerEmbedder, chunks: list[Chunk],
                 rebuild: bool, report: Progress) -> dict[str, Any]:
    """Export the query model once; check it reproduces the reference vectors."""
    target = index_dir / "onnx" / "model.onnx"
    stamp = index_dir / "onnx" / "model.json"
    if target.exists() and stamp.exists() and not rebuild:
        info = json.loads(stamp.read_text("utf-8"))
        if info.get("package") == embed.model_version() and info.get("sha256") == embed.file_sha256(target):
            return {"onnx": "onnx/model.onnx", "onnx_min_cosine": info["min_cosine"]}
    report("export query model", 0, 1)
    reference.export_onnx(target)
    sample = [c.text for c in chunks[:: max(1, len(chunks) // 16)]] + ["he is on a tag", "x"]
    min_cosine = embed.check_onnx_matches(reference, embed.OnnxEmbedder(target), sample)
    if min_cosine < 1 - embed.ONNX_TOLERANCE:
        target.unlink(missing_ok=True)
        raise IndexCorruptError(f"the exported query model does not match the embedding model (cosine {min_cosine:.6f}); "
                                "report this as a bug")
    _write_json_atomic(stamp, {"package": embed.model_version(), "sha256": embed.file_sha256(target),
                               "min_cosine": min_cosine})
    report("export query model", 1, 1)
    return {"onnx": "onnx/model.onnx", "onnx_min_cosine": min_cosine}


def _drop_build(client, collection: str | None, build_dir: Path) -> None:
    if collection:
        try:
            client.delete_collection(collection)
        except Exception:  # already gone: nothing to clean up
            pass
    shutil.rmtree(build_dir, ignore_errors=True)


def _write_jsonl(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict]:
    try:
        with path.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
    except (OSError, json.JSONDecodeError) as exc:
        raise IndexCorruptError(f"index file {path} is damaged ({exc}); run `assistant index --rebuild`") from None


# --- opening ------------------------------------------------------------------------------


class OpenIndex:
    """A built index, opened for querying. Cheap to construct; `warm_up()` loads the models."""

    def __init__(self, settings: Settings, check_stale: bool = True):
        self.settings = settings
        self.dir = settings.resolved("index_dir")
        self.manifest = read_manifest(self.dir)
        if check_stale:
            reason = staleness(self.manifest, settings)
            if reason:
                raise IndexStaleError(f"{reason}; run `assistant index` (`make run` rebuilds it itself)")
        build_dir = self.dir / "builds" / self.manifest["build_id"]
        if not build_dir.is_dir():
            raise IndexCorruptError(f"index build {build_dir} is missing; run `assistant index --rebuild`")
        self.build_dir = build_dir
        self.units: dict[str, Unit] = {}
        for row in _read_jsonl(build_dir / "units.jsonl"):
            unit = unit_from_json(row)
            self.units[unit.id] = unit
        chunk_rows = _read_jsonl(build_dir / "chunks.jsonl")
        self.chunk_ids = [r["id"] for r in chunk_rows]
        self.chunk_unit = {r["id"]: r["unit_id"] for r in chunk_rows}
        self.chunk_granularity = {r["id"]: r["granularity"] for r in chunk_rows}
        try:
            self.glossary = Glossary.from_json(json.loads((build_dir / "glossary.json").read_text("utf-8")))
        except (OSError, json.JSONDecodeError, KeyError) as exc:
            raise IndexCorruptError(f"the index glossary is damaged ({exc}); run `assistant index --rebuild`") from None
        self.embedder = embed.OnnxEmbedder(self.dir / self.manifest["embedding"].get("onnx", "onnx/model.onnx"))
        self._collection = None
        self._bm25 = None

    def warm_up(self) -> None:
        self.embedder.warm_up()
        _ = self.collection, self.keyword_index

    @property
    def collection(self):
        if self._collection is None:
            client = chroma_client(self.settings, self.dir)
            name = self.manifest["chroma"]["collection"]
            try:
                self._collection = client.get_collection(name, embedding_function=None)
            except Exception:
                raise IndexCorruptError(f"Chroma collection {name} is missing; run `assistant index --rebuild`") from None
        return self._collection

    @property
    def keyword_index(self):
        if self._bm25 is None:
            import bm25s

            try:
                self._bm25 = bm25s.BM25.load(str(self.build_dir / "bm25"), show_progress=False)
            except (OSError, ValueError, json.JSONDecodeError) as exc:
                raise IndexCorruptError(f"the keyword index is damaged ({exc}); run `assistant index --rebuild`") from None
        return self._bm25

    def examples(self) -> list[Example]:
        return [u for u in self.units.values() if isinstance(u, Example)]

    def sections(self) -> list[Section]:
        return [u for u in self.units.values() if isinstance(u, Section)]
