"""Build, check, repair and open the index: Chroma (dense), bm25s (keyword), vectors and a manifest.

Layout of ``index/``::

    manifest.json            the one switch: which build is live, how it was made, every file's checksum
    .lock                    held by the one `assistant index` running (see assistant.locking)
    onnx/                    the embedding model as ONNX (exported once, checked, sha256 recorded)
    cache/<key>.json         each document as parsed, keyed by its bytes, its metadata and the parser version
    builds/<id>/             one build: units.jsonl, chunks.jsonl, glossary.json, vectors.npy, bm25/,
                             chroma/ (local mode: this build's own Chroma store), manifest.json (a copy),
                             .lease (readers hold it shared while they use the build)
    readers/                 each reading process's private copy of a build's Chroma store

A build is written into ``builds/.tmp-<id>/``, renamed into place, and made live by replacing
manifest.json atomically. Readers take a lease on the build they open, so a new build never
deletes a build a running server or search still uses; the next clean-up does, once it is free.
Nothing of a build changes after it is made: Chroma writes to its store even when it only
reads, so every reader opens its own copy. That keeps every file of a build checksummable,
and lets `assistant index --check` name any damaged piece and `assistant index` repair it.

Incremental by construction: a document whose bytes did not change is not parsed again (the
parse cache); a chunk whose text did not change is not embedded again (its vector is read
from the previous build's vectors.npy); the previous build's Chroma store is copied and only
the changed chunks are deleted and added. With a Chroma server (``ASSISTANT_CHROMA_HOST/PORT``)
each build is a collection ``ppa-<index id>-<build id>`` on the server, filled from vectors.npy.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
import uuid
import weakref
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from assistant import embed
from assistant.config import Settings
from assistant.errors import (ChromaUnavailableError, CorpusError, IndexCorruptError, IndexMissingError,
                              IndexStaleError)
from assistant.glossary import Glossary
from assistant.ingest import (PARSER_VERSION, all_units, corpus_hash, document_paths, document_record,
                              parse_document, sidecar_path)
from assistant.locking import (BuildLease, IndexLock, LeaseLost, PrivateFolder, create_lease_file, retire_build,
                               sweep_private_folders)
from assistant.types import Document, Example, Section, Unit, unit_from_json, unit_to_json

PASSAGE_VECTORS = "passages.npz"  # in the index folder: the answer composer's passage vectors (a cache)
INDEX_FORMAT = 3  # 3: chunks carry their publication's region, year and kind
CACHE_VERSION = 1  # the parse cache's own layout
MANIFEST = "manifest.json"
BUILDS = "builds"
CACHE = "cache"
READERS = "readers"
STAMP = ".verified"
SECTION_PART_CHARS = 900  # sections are also indexed by paragraph, joined up to this size…
SECTION_PART_MIN_CHARS = 120  # …when a paragraph or bullet is shorter than this
CHROMA_BATCH = 5000  # ids per Chroma call: far below the store's limit of 32,764 SQL variables
PROBES = 8  # chunks searched for themselves when the Chroma store is checked
FRESH_STORE_AFTER = 0.25  # rebuild the copied Chroma store when this share of it has been replaced
VACUUM_FREE_SHARE = 0.2  # compact a Chroma sqlite file when this share of its pages is free

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def _quiet(stage: str, done: int, total: int) -> None:
    return None


# --- chunks -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chunk:
    """One indexed passage. Several chunks (granularities) point at the same unit."""

    id: str
    unit_id: str
    granularity: str  # "example" | "summary" | "group" | "section" | "part"
    text: str  # what is embedded and keyword-indexed: context header + passage

    @property
    def text_key(self) -> str:
        """Identifies the text alone: equal texts have equal vectors."""
        return hashlib.sha256(self.text.encode()).hexdigest()[:24]


def context_header(unit: Unit) -> str:
    """document › theme › title › person summary: the context every chunk carries."""
    parts = [unit.document, unit.section, unit.title]
    if isinstance(unit, Example) and unit.person:
        parts.append(unit.person_summary())
    return " › ".join(dict.fromkeys(p for p in parts if p))


SCALAR_PUBLICATION_FILTERS = ("region", "year", "publication_kind")  # one value per unit, stored for `where`


def filter_fields(unit: Unit) -> dict[str, tuple[str, ...]]:
    """The values a unit offers each search filter (validation.FILTER_KEYS): the unit's own tags and
    its publication's region, year and kind."""
    example = unit if isinstance(unit, Example) else None
    year = getattr(unit, "document_year", None)
    region = getattr(unit, "document_region", None)
    publication_kind = getattr(unit, "document_kind", None)
    return {
        "theme": (unit.section,),
        "document": (unit.document_id, unit.document),
        "kind": (example.kind if example else "section",),
        "sentence": tuple(example.sentence) if example else (),
        "need": tuple(example.needs) if example else (),
        "standard": tuple(example.standards) if example else (),
        "region": (region,) if region else (),
        "year": (str(year),) if year else (),
        "publication_kind": (publication_kind,) if publication_kind else (),
    }


def chunk_metadata(unit: Unit, granularity: str) -> dict[str, Any]:
    """What Chroma stores beside a chunk's vector: its unit and the fields filters use (`where`)."""
    values = filter_fields(unit)
    metadata: dict[str, Any] = {"unit_id": unit.id, "granularity": granularity, "theme": unit.section,
                                "document_id": unit.document_id, "kind": values["kind"][0]}
    for key in ("sentence", "need", "standard"):
        if values[key]:  # Chroma refuses empty lists
            metadata[key] = list(values[key])
    for key in SCALAR_PUBLICATION_FILTERS:
        if values[key]:  # Chroma refuses None
            metadata[key] = values[key][0]
    return metadata


def _chunk_id(granularity: str, unit: Unit, text: str) -> str:
    # the metadata is part of the identity: a chunk found in a copied store always carries today's tags
    meta = json.dumps(chunk_metadata(unit, granularity), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{granularity}\0{unit.id}\0{text}\0{meta}".encode()).hexdigest()[:24]


def make_chunks(units: list[Unit]) -> list[Chunk]:
    """Every unit at more than one granularity, each with its context header."""
    chunks: list[Chunk] = []

    def add(unit: Unit, granularity: str, body: str) -> None:
        text = f"{context_header(unit)}\n{body}"
        chunks.append(Chunk(_chunk_id(granularity, unit, text), unit.id, granularity, text))

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


# --- keyword index ------------------------------------------------------------------------------


def keyword_tokens(texts: list[str]) -> list[list[str]]:
    """Lower-cased, stop-worded, Snowball-stemmed tokens (the same for documents and queries)."""
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False)


_STEMMER = threading.local()


def _stemmer():
    import Stemmer

    if not hasattr(_STEMMER, "value"):  # a Stemmer is not thread-safe; one per thread, made once
        _STEMMER.value = Stemmer.Stemmer("english")
    return _STEMMER.value


def build_keyword_index(chunks: list[Chunk], target: Path) -> None:
    import bm25s

    retriever = bm25s.BM25()
    tokens: list[list[str]] = []
    for start in range(0, len(chunks), 2000):
        tokens.extend(keyword_tokens([c.text for c in chunks[start:start + 2000]]))
    retriever.index(tokens, show_progress=False)
    del tokens
    retriever.save(str(target), show_progress=False)


# --- Chroma ---------------------------------------------------------------------------------------


def chroma_client(settings: Settings, path: Path | None = None):
    """An embedded PersistentClient on the store at `path`, or an HttpClient for a Chroma server."""
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
    if path is None:
        raise ValueError("a local Chroma store needs a path")
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def _close(client) -> None:
    close = getattr(client, "close", None)
    if close:
        try:
            close()
        except Exception:  # closing a client that failed half-way: nothing more to release
            pass


def _chroma_location(settings: Settings) -> dict[str, Any]:
    if settings.chroma_mode == "server":
        return {"mode": "server", "host": settings.chroma_host, "port": settings.chroma_port}
    return {"mode": "local"}


def _batches(n: int) -> Iterable[tuple[int, int]]:
    size = CHROMA_BATCH  # read at call time: tests lower it
    for start in range(0, n, size):
        yield start, min(n, start + size)


def _add_chunks(collection, ids: list[str], vectors: np.ndarray, metadatas: list[dict], progress: Progress,
                stage: str, done: int = 0, total: int | None = None) -> int:
    total = total if total is not None else len(ids)
    for start, end in _batches(len(ids)):
        collection.add(ids=ids[start:end], embeddings=np.asarray(vectors[start:end]), metadatas=metadatas[start:end])
        done += end - start
        progress(stage, done, total)
    return done


def _vacuum_if_worthwhile(sqlite_file: Path) -> bool:
    """VACUUM a Chroma sqlite file when enough of it is free pages (after deletions)."""
    import sqlite3

    if not sqlite_file.exists():
        return False
    with sqlite3.connect(sqlite_file) as connection:
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        free = connection.execute("PRAGMA freelist_count").fetchone()[0]
        if pages and free / pages >= VACUUM_FREE_SHARE:
            connection.execute("VACUUM")
            return True
    return False


# --- manifest -----------------------------------------------------------------------------------


def index_settings(settings: Settings) -> dict[str, Any]:
    """The settings an index depends on: a change to any of these needs a rebuild."""
    return {"section_part_chars": SECTION_PART_CHARS, "section_part_min_chars": SECTION_PART_MIN_CHARS,
            "granularities": ["example", "summary", "group", "section", "part"],
            "max_tokens": embed.MAX_TOKENS, "precision": settings.embed_precision,
            "keyword": "bm25s lucene k1=1.5 b=0.75, english stopwords, Snowball stemmer"}


def _checksum(manifest: dict[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


_REQUIRED = ("format", "build_id", "corpus_hash", "parser_version", "embedding", "chroma", "counts", "files")


class ManifestError(IndexCorruptError):
    """The manifest cannot be trusted; `problem` says why in a few words."""

    def __init__(self, path: Path, problem: str):
        super().__init__(f"the index manifest {path} is {problem}; run `assistant index` to repair it")
        self.problem = problem


def _parse_manifest(path: Path) -> dict[str, Any]:
    """A manifest file as a dict; ManifestError when it cannot be trusted."""
    if not path.exists():
        raise ManifestError(path, "missing")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(path, f"damaged ({type(exc).__name__}: {_short(exc)})") from None
    if not isinstance(manifest, dict) or "format" not in manifest:
        raise ManifestError(path, "incomplete")
    if manifest["format"] != INDEX_FORMAT:
        raise IndexStaleError(
            f"the index uses format {manifest['format']}, this version reads format {INDEX_FORMAT}; run `assistant index`"
        )
    if any(key not in manifest for key in _REQUIRED):
        raise ManifestError(path, "incomplete")
    if manifest.get("checksum") != _checksum(manifest):
        raise ManifestError(path, "changed after it was written (its checksum differs)")
    return manifest


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The manifest of the live build; a clear error when it is missing or damaged."""
    path = Path(index_dir) / MANIFEST
    if not path.exists() and not _build_folders(Path(index_dir)):
        raise IndexMissingError(f"no index at {index_dir}; run `assistant index` (or `make run`, which builds it)")
    return _parse_manifest(path)


def _write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:6]}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _sealed(manifest: dict[str, Any]) -> dict[str, Any]:
    manifest = dict(manifest)
    manifest.pop("checksum", None)
    manifest["checksum"] = _checksum(manifest)
    return manifest


def staleness(manifest: dict[str, Any], settings: Settings) -> str | None:
    """Why the live index no longer matches the corpus, parser, model or settings, or None."""
    corpus_dir = settings.resolved("corpus_dir")
    if manifest["parser_version"] != PARSER_VERSION:
        return f"the index was built with parser {manifest['parser_version']}, this is parser {PARSER_VERSION}"
    if manifest["embedding"].get("model") != embed.MODEL_NAME:
        return f"the index was built with {manifest['embedding'].get('model')}, this uses {embed.MODEL_NAME}"
    if manifest.get("settings") != index_settings(settings):
        return "the index was built with other chunking or embedding settings"
    if manifest["chroma"] != _chroma_location(settings) | {"collection": manifest["chroma"].get("collection")}:
        where = "a Chroma server" if manifest["chroma"].get("mode") == "server" else "the local Chroma store"
        return f"the index was built in {where}, but settings now point elsewhere"
    if corpus_dir.is_dir() and corpus_hash(corpus_dir) != manifest["corpus_hash"]:
        return f"the corpus in {corpus_dir} has changed since the index was built"
    return None


def _build_folders(index_dir: Path) -> list[Path]:
    builds = index_dir / BUILDS
    if not builds.is_dir():
        return []
    return sorted(p for p in builds.iterdir() if p.is_dir() and not p.name.startswith("."))


def _index_uid(index_dir: Path) -> str:
    """A random id of this index folder: it namespaces our collections on a shared Chroma server."""
    path = index_dir / "index-id"
    try:
        uid = path.read_text(encoding="utf-8").strip()
        if uid.isalnum() and len(uid) == 8:
            return uid
    except OSError:
        pass
    uid = uuid.uuid4().hex[:8]
    _write_text_atomic(path, uid)
    return uid


def _write_text_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# --- the parse cache ----------------------------------------------------------------------------


class ParseCache:
    """Parsed documents on disk, keyed by what the parse depends on (bytes, metadata, parser)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    @staticmethod
    def key(path: Path) -> str:
        digest = hashlib.sha256(f"cache {CACHE_VERSION}\0parser {PARSER_VERSION}\0{path.name}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
        sidecar = sidecar_path(path)
        digest.update(hashlib.sha256(sidecar.read_bytes()).digest() if sidecar.exists() else b"-")
        return digest.hexdigest()[:32]

    def get(self, key: str) -> Document | None:
        try:
            data = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            return _document_from_json(data)
        except (OSError, ValueError, KeyError, TypeError):  # missing or damaged: parse again
            return None

    def put(self, key: str, document: Document) -> None:
        try:
            text = json.dumps(_document_to_json(document), ensure_ascii=False)
        except TypeError:  # a field that is not plain data: this document is simply parsed every time
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        _write_text_atomic(self.folder / f"{key}.json", text)

    def keep_only(self, keys: set[str]) -> int:
        removed = 0
        if not self.folder.is_dir():
            return removed
        for path in self.folder.iterdir():
            if path.suffix == ".json" and path.stem in keys:
                continue
            path.unlink(missing_ok=True)
            removed += 1
        return removed


def _document_to_json(document: Document) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for spec in fields(document):
        value = getattr(document, spec.name)
        data[spec.name] = [unit_to_json(u) for u in value] if spec.name in ("examples", "sections") else value
    return data


def _document_from_json(data: dict[str, Any]) -> Document:
    kwargs = {}
    for spec in fields(Document):
        if spec.name in data:
            value = data[spec.name]
            kwargs[spec.name] = [unit_from_json(u) for u in value] if spec.name in ("examples", "sections") else value
    return Document(**kwargs)


@dataclass
class _Corpus:
    documents: list[Document]
    skipped: list[tuple[str, str]]
    keys: dict[str, str]  # document file name -> cache key
    parsed: int
    cached: int


def _read_corpus(corpus_dir: Path, cache: ParseCache, progress: Progress) -> _Corpus:
    """Every document, from the cache when its bytes are unchanged; a bad one is skipped with its reason."""
    paths = document_paths(corpus_dir)
    documents: list[Document] = []
    skipped: list[tuple[str, str]] = []
    keys: dict[str, str] = {}
    seen: dict[str, str] = {}
    parsed = cached = 0
    progress("parse", 0, len(paths))
    for done, path in enumerate(paths, 1):
        try:
            key = cache.key(path)
        except OSError as exc:
            skipped.append((path.name, f"cannot read {path} ({exc.strerror}); check its permissions or remove it"))
            continue
        document = cache.get(key)
        if document is None:
            try:
                document = parse_document(path)
            except CorpusError as exc:
                skipped.append((path.name, str(exc)))
                progress("parse", done, len(paths))
                continue
            cache.put(key, document)
            parsed += 1
        else:
            cached += 1
        if document.id in seen:
            skipped.append((path.name, f"{path.name} has the same id '{document.id}' as {seen[document.id]}; give one a "
                                       "different \"id\" in its .meta.json"))
            continue
        seen[document.id] = document.path
        keys[path.name] = key
        documents.append(document)
        progress("parse", done, len(paths))
    if not documents:
        reasons = "; ".join(why for _, why in skipped)
        raise CorpusError(f"no document in {corpus_dir / 'documents'} could be read ({reasons})")
    return _Corpus(documents, skipped, keys, parsed, cached)


def _sample_texts(corpus_dir: Path, limit: int = 16) -> list[str]:
    """Texts to check an exported model against sentence-transformers: corpus passages and short queries."""
    texts = ["he is on a tag", "x", "client with ADHD keeps missing appointments",
             "How do I handle disclosure to a domestic abuse perpetrator's new partner?"]
    try:
        paths = document_paths(corpus_dir)
    except CorpusError:
        return texts
    for path in paths[:4]:
        try:
            raw = path.read_bytes()[:200_000].decode("utf-8", "ignore")
        except OSError:
            continue
        paragraphs = [p.strip() for p in raw.split("\n") if len(p.strip()) > 80]
        step = max(1, len(paragraphs) // (limit // 4 or 1))
        texts.extend(paragraphs[::step][: limit // 4])
        texts.append(" ".join(paragraphs[:12])[:4000])  # longer than the model's window: truncation too
    return texts


# --- checking -----------------------------------------------------------------------------------


PIECES = {  # a build file's first path part -> the piece of the index it belongs to
    "units.jsonl": "units", "chunks.jsonl": "chunks", "glossary.json": "glossary", "vectors.npy": "vectors",
    "bm25": "keyword index", "chroma": "Chroma store", "manifest.json": "manifest",
}


@dataclass(frozen=True)
class Damage:
    """One damaged piece of the index, and what is wrong with it."""

    piece: str  # "units", "chunks", "glossary", "vectors", "keyword index", "Chroma store", "Chroma collection",
    #             "query model", "manifest", "build folder"
    path: str
    detail: str

    def __str__(self) -> str:
        return f"{self.piece} ({self.path}): {self.detail}"


def _piece_of(relative: str) -> str:
    first = relative.split("/", 1)[0]
    if first == "chroma":
        return "Chroma store" if relative.endswith(".sqlite3") else "Chroma vector folder"
    return PIECES.get(first, first)


def _stat_key(path: Path, sha256: str | None) -> list:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, sha256]


def _read_stamp(build_dir: Path) -> dict[str, list[int]]:
    try:
        data = json.loads((build_dir / STAMP).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_stamp(build_dir: Path, verified: dict[str, tuple[Path, str | None]], **notes: Any) -> None:
    """Record the files just verified (and notes such as which manifest's store was checked)."""
    previous = _read_stamp(build_dir)
    data = {name: _stat_key(path, sha) for name, (path, sha) in verified.items()}
    data.update({k: v for k, v in previous.items() if k.startswith("note:")})
    data.update({f"note:{k}": v for k, v in notes.items()})
    try:
        _write_json_atomic(build_dir / STAMP, data)
    except OSError:  # a read-only index: the next check hashes again, that is all
        pass


def _note_stamp(build_dir: Path, **notes: Any) -> None:
    data = _read_stamp(build_dir)
    data.update({f"note:{k}": v for k, v in notes.items()})
    try:
        _write_json_atomic(build_dir / STAMP, data)
    except OSError:
        pass


def _model_path(index_dir: Path, manifest: dict[str, Any]) -> Path:
    return index_dir / manifest["embedding"].get("onnx", "onnx/model.onnx")


def verify_files(index_dir: Path, manifest: dict[str, Any], thorough: bool) -> list[Damage]:
    """Every file of the live build and the query model against the manifest's sizes and sha256.

    Not thorough: a file whose size, times and inode match the last verification stamp is not
    hashed again (any write changes its ctime). Thorough: every file is hashed.
    """
    build_dir = index_dir / BUILDS / manifest["build_id"]
    if not build_dir.is_dir():
        return [Damage("build folder", str(build_dir), "missing")]
    stamp = {} if thorough else _read_stamp(build_dir)
    expected = {f"build:{rel}": (build_dir / rel, info) for rel, info in manifest["files"].items()}
    model = _model_path(index_dir, manifest)
    expected["model"] = (model, {"sha256": manifest["embedding"].get("onnx_sha256"),
                                 "bytes": manifest["embedding"].get("onnx_bytes")})
    damage: list[Damage] = []
    verified: dict[str, tuple[Path, str | None]] = {}
    for name, (path, info) in expected.items():
        piece = "query model" if name == "model" else _piece_of(name.split(":", 1)[1])
        shown = str(path.relative_to(index_dir)) if path.is_relative_to(index_dir) else str(path)
        if not path.is_file():
            damage.append(Damage(piece, shown, "missing"))
            continue
        size = path.stat().st_size
        if info.get("bytes") is not None and size != info["bytes"]:
            how = "truncated" if size < info["bytes"] else "longer than recorded"
            damage.append(Damage(piece, shown, f"{how} ({size:,} of {info['bytes']:,} bytes)"))
            continue
        if stamp.get(name) == _stat_key(path, info.get("sha256")):  # unchanged since it was found to match
            verified[name] = (path, info.get("sha256"))
            continue
        if embed.file_sha256(path) != info.get("sha256"):
            damage.append(Damage(piece, shown, "overwritten (its sha256 differs from the manifest's)"))
            continue
        verified[name] = (path, info.get("sha256"))
    extra = _unexpected_files(build_dir, manifest)
    damage.extend(Damage(_piece_of(rel), str((build_dir / rel).relative_to(index_dir)), "not part of this build")
                  for rel in extra)
    if not damage and verified:
        _write_stamp(build_dir, verified)
    return damage


def _unexpected_files(build_dir: Path, manifest: dict[str, Any]) -> list[str]:
    """Files in the build's Chroma store that the manifest does not list (e.g. a second vector folder)."""
    store = build_dir / "chroma"
    if not store.is_dir():
        return []
    listed = set(manifest["files"])
    return sorted(str(p.relative_to(build_dir)) for p in store.rglob("*") if p.is_file()
                  and str(p.relative_to(build_dir)) not in listed)


def verify_chroma(index_dir: Path, manifest: dict[str, Any], settings: Settings, vectors: np.ndarray | None,
                  chunk_ids: list[str] | None, all_ids: bool = True) -> list[Damage]:
    """Open the build's collection and check its name, count, ids, and that chunks find themselves.

    With `all_ids` False only the probed chunks' ids are looked up (a quick check of a server).
    """
    name = manifest["chroma"].get("collection", "")
    private = None
    client = None
    try:
        if manifest["chroma"].get("mode") == "server":
            client = chroma_client(settings)
            where = f"collection {name} on {settings.chroma_host}:{settings.chroma_port}"
        else:
            private = PrivateFolder(_readers_dir(index_dir), "check-")
            store = index_dir / BUILDS / manifest["build_id"] / "chroma"
            shutil.copytree(store, private.path / "chroma")
            client = chroma_client(settings, private.path / "chroma")
            where = f"builds/{manifest['build_id']}/chroma"
        return _check_collection(client, name, where, manifest["counts"]["chunks"], vectors, chunk_ids, all_ids)
    except ChromaUnavailableError:
        raise
    except Exception as exc:  # chromadb's own error types for a store it cannot open
        return [Damage("Chroma store", f"builds/{manifest['build_id']}/chroma", f"cannot be opened ({_short(exc)})")]
    finally:
        if client is not None:
            _close(client)
        if private is not None:
            private.close()


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


def _check_collection(client, name: str, where: str, expected: int, vectors: np.ndarray | None,
                      chunk_ids: list[str] | None, all_ids: bool = True) -> list[Damage]:
    try:
        collection = client.get_collection(name, embedding_function=None)
    except Exception:  # NotFoundError, or a store that cannot list its collections
        names = sorted(c.name if hasattr(c, "name") else str(c) for c in client.list_collections())
        found = f"; it holds {', '.join(names[:3])}" if names else ""
        return [Damage("Chroma collection", where, f"collection {name} is missing{found}")]
    count = collection.count()
    if count != expected:
        return [Damage("Chroma collection", where, f"holds {count:,} vectors, the build has {expected:,}")]
    if chunk_ids is None or vectors is None:
        return []
    rows = sorted(set(np.linspace(0, len(chunk_ids) - 1, min(PROBES, len(chunk_ids))).astype(int).tolist()))
    checked = chunk_ids if all_ids else [chunk_ids[r] for r in rows]
    missing = 0
    for start, end in _batches(len(checked)):
        got = collection.get(ids=checked[start:end], include=[])
        missing += (end - start) - len(got["ids"])
    if missing:
        return [Damage("Chroma collection", where, f"{missing:,} of the build's chunk ids are missing")]
    if rows:
        result = collection.query(query_embeddings=np.asarray(vectors[rows]), n_results=1, include=["distances"])
        for row, ids, distances in zip(rows, result["ids"], result["distances"]):
            if not ids or (ids[0] != chunk_ids[row] and distances[0] > 1e-3):
                return [Damage("Chroma vector folder", where,
                               f"a search for chunk {chunk_ids[row]} by its own vector found {ids[0] if ids else 'nothing'}")]
    return []


@dataclass
class CheckReport:
    """What `assistant index --check` found."""

    build_id: str | None
    damage: list[Damage]
    stale: str | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.damage


def check_index(settings: Settings) -> CheckReport:
    """Verify every piece of the live build against the manifest; changes nothing."""
    index_dir = settings.resolved("index_dir")
    try:
        manifest = read_manifest(index_dir)
    except ManifestError as exc:
        return CheckReport(None, [Damage("manifest", MANIFEST, exc.problem)])
    lease = _take_lease(index_dir, manifest)
    try:
        damage = verify_files(index_dir, manifest, thorough=True)
        if not any(d.piece in ("Chroma store", "Chroma vector folder", "build folder") for d in damage):
            vectors, chunk_ids = None, None
            build_dir = index_dir / BUILDS / manifest["build_id"]
            if not any(d.piece in ("vectors", "chunks") for d in damage):
                vectors = np.load(build_dir / "vectors.npy", mmap_mode="r")
                chunk_ids = [row["id"] for row in _read_jsonl(build_dir / "chunks.jsonl")]
            damage += verify_chroma(index_dir, manifest, settings, vectors, chunk_ids)
        if not damage:
            damage += _check_contents(index_dir, manifest)
    finally:
        if lease:
            lease.release()
    stale = None
    try:
        stale = staleness(manifest, settings)
    except (OSError, CorpusError):
        pass
    return CheckReport(manifest["build_id"], damage, stale, manifest.get("counts", {}))


def _check_contents(index_dir: Path, manifest: dict[str, Any]) -> list[Damage]:
    """Files whose checksums match but whose contents disagree (a manifest written over a bad build)."""
    build_dir = index_dir / BUILDS / manifest["build_id"]
    try:
        units = _read_jsonl(build_dir / "units.jsonl")
        chunks = _read_jsonl(build_dir / "chunks.jsonl")
        vectors = np.load(build_dir / "vectors.npy", mmap_mode="r")
    except (IndexCorruptError, OSError, ValueError) as exc:
        return [Damage("units", str(build_dir), _short(exc))]
    counts = manifest["counts"]
    if len(units) != counts["examples"] + counts["sections"]:
        return [Damage("units", "units.jsonl", f"{len(units)} units, the manifest counts "
                                               f"{counts['examples'] + counts['sections']}")]
    if len(chunks) != counts["chunks"] or vectors.shape != (counts["chunks"], embed.DIMENSIONS):
        return [Damage("vectors", "vectors.npy", f"{vectors.shape[0]} vectors for {len(chunks)} chunks")]
    return []


# --- building -----------------------------------------------------------------------------------


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
    embed_seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)  # per document: file, id, examples, sections, warnings
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why it was not indexed)
    parsed: int = 0  # documents parsed this time (the rest came from the parse cache)
    repaired: list[str] = field(default_factory=list)  # the damage this build repaired
    cleaned: list[str] = field(default_factory=list)  # leftovers removed before or after the build
    created: str = ""

    @property
    def rate(self) -> float:
        """Chunks embedded per second of embedding."""
        return self.embedded / self.embed_seconds if self.embed_seconds > 0 else 0.0

    def summary(self) -> str:
        if self.up_to_date:
            return f"Index is up to date (built {self.created or 'earlier'}, build {self.build_id})."
        rate = f" at {self.rate:.0f} chunks/s" if self.embedded and self.embed_seconds > 0.5 else ""
        return (f"Indexed {self.examples} examples and {self.sections} sections as {self.chunks} chunks "
                f"({self.embedded} embedded{rate}, {self.reused} reused; {self.parsed} of {len(self.documents)} "
                f"documents parsed) in {self.seconds:.1f} s (build {self.build_id}).")

    def document_table(self) -> list[str]:
        """One line per document: its counts and warnings, or why it was skipped."""
        lines = []
        for doc in self.documents:
            note = f"; {len(doc['warnings'])} warning(s)" if doc["warnings"] else ""
            lines.append(f"  {doc['file']}: {doc['examples']} examples, {doc['sections']} sections{note}")
        lines.extend(f"  {name}: skipped ({why})" for name, why in self.skipped)
        return lines


def build_index(settings: Settings, progress: Progress | None = None, rebuild: bool = False,
                lock_timeout: float | None = None, on_wait: Callable[[str], None] | None = None) -> BuildReport:
    """Build, bring up to date, or repair the index described by `settings`.

    Takes the index lock (waiting up to `lock_timeout` seconds for another build; None waits as
    long as it takes), removes what an interrupted build left, and checks the live build. When
    the corpus, the settings or any piece of the index changed, it makes a new build, reusing
    every parsed document, vector and stored chunk it can; otherwise it reports that the index
    is up to date. A document that cannot be read is skipped with its reason; a failed build
    leaves the previous index serving.
    """
    report = progress or _quiet
    index_dir = settings.resolved("index_dir")
    corpus_dir = settings.resolved("corpus_dir")
    document_paths(corpus_dir)  # a missing corpus is a clear error before anything is touched
    index_dir.mkdir(parents=True, exist_ok=True)
    lock = IndexLock(index_dir)
    lock.acquire(timeout=lock_timeout, on_wait=on_wait)
    try:
        return _build_locked(settings, index_dir, corpus_dir, report, rebuild, lock.interrupted)
    finally:
        lock.release()


def _previous_manifest(index_dir: Path) -> tuple[dict[str, Any] | None, list[Damage], bool]:
    """The live manifest, or, when it is damaged, the copy in the newest build folder that has one.

    Returns (manifest, damage found so far, whether the manifest came from a build folder).
    A restored manifest's build is verified thoroughly here (its files are all we trust).
    """
    try:
        return read_manifest(index_dir), [], False
    except (IndexMissingError, IndexStaleError):
        return None, [], False  # nothing yet, or another format: build from scratch
    except ManifestError as exc:
        damage = [Damage("manifest", MANIFEST, exc.problem)]
    for build_dir in reversed(_build_folders(index_dir)):
        try:
            copy = _parse_manifest(build_dir / MANIFEST)
        except (IndexCorruptError, IndexStaleError):
            continue
        if copy["build_id"] == build_dir.name:
            return copy, damage + verify_files(index_dir, copy, thorough=True), True
    return None, damage, False


def _build_locked(settings: Settings, index_dir: Path, corpus_dir: Path, report: Progress, rebuild: bool,
                  interrupted: str | None) -> BuildReport:
    started = time.perf_counter()
    cleaned = clean_index_folder(index_dir, settings, keep=_live_build_ids(index_dir))
    if interrupted:
        cleaned.insert(0, interrupted)
    previous, damage, restored = _previous_manifest(index_dir)
    if previous is not None and not rebuild and staleness(previous, settings) is None:
        if not restored:
            damage += verify_files(index_dir, previous, thorough=False)
        build_dir = index_dir / BUILDS / previous["build_id"]
        store_checked = _read_stamp(build_dir).get("note:store_checked") == previous["checksum"]
        if not any(d.piece != "manifest" for d in damage) and (not store_checked or previous["chroma"].get("mode") == "server"):
            # a manifest not seen before (or a store elsewhere): open the collection and search it once
            vectors = np.load(build_dir / "vectors.npy", mmap_mode="r")
            chunk_ids = [row["id"] for row in _read_jsonl(build_dir / "chunks.jsonl")]
            found = verify_chroma(index_dir, previous, settings, vectors, chunk_ids,
                                  all_ids=previous["chroma"].get("mode") != "server")
            damage += found
            if not found:
                _note_stamp(build_dir, store_checked=previous["checksum"])
        if all(d.piece == "manifest" for d in damage):
            repaired = []
            if restored:  # everything else is intact: putting the manifest back is the whole repair
                _write_json_atomic(index_dir / MANIFEST, previous)
                repaired = [f"{d}; restored from builds/{previous['build_id']}" for d in damage]
            if not (index_dir / PASSAGE_VECTORS).is_file():
                units = [unit_from_json(row) for row in _read_jsonl(build_dir / "units.jsonl")]
                embedding = previous["embedding"]
                _store_passages(index_dir, units, index_dir / embedding["onnx"], embedding["onnx_sha256"], report)
                repaired.append("passage vectors (passages.npz) were missing; embedded them again")
            counts = previous["counts"]
            return BuildReport(True, previous["build_id"], cleaned=cleaned, repaired=repaired,
                               created=previous.get("created", ""), documents=_manifest_documents(previous),
                               units=counts["examples"] + counts["sections"], examples=counts["examples"],
                               sections=counts["sections"], chunks=counts["chunks"])
    return _new_build(settings, index_dir, corpus_dir, report, rebuild, previous, damage, cleaned, started)


def _store_passages(index_dir: Path, units: list[Unit], onnx_file: Path, model_sha256: str, report: Progress) -> None:
    """The answer composer's passage vectors (index/passages.npz), embedded by the build rather than
    while a practitioner waits; only passages new since the last build are embedded."""
    from assistant.compose import store_passage_vectors  # the build serves the composer's needs

    store_passage_vectors(index_dir, units, model_sha256, onnx_file, report)


def _manifest_documents(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"file": d.get("file"), "id": d.get("id"), "examples": d.get("examples", 0),
             "sections": d.get("sections", 0), "warnings": d.get("warnings", [])} for d in manifest.get("documents", [])]


def _new_build(settings: Settings, index_dir: Path, corpus_dir: Path, report: Progress, rebuild: bool,
               previous: dict[str, Any] | None, damage: list[Damage], cleaned: list[str],
               started: float) -> BuildReport:
    damaged = {d.piece for d in damage}
    cache = ParseCache(index_dir / CACHE)
    corpus = _read_corpus(corpus_dir, cache, report)
    documents = corpus.documents
    warnings = [f"{name} was not indexed: {why.removeprefix(name).lstrip(' :')}" for name, why in corpus.skipped]
    warnings += [w for doc in documents for w in doc.warnings]
    per_document = [{"file": d.path, "id": d.id, "examples": len(d.examples), "sections": len(d.sections),
                     "warnings": list(d.warnings)} for d in documents]
    glossary = Glossary.build(corpus_dir, documents)
    warnings += glossary.warnings
    units = all_units(documents)
    chunks = make_chunks(units)
    unit_by_id = {u.id: u for u in units}
    content_hash = corpus_hash(corpus_dir)

    model = ensure_query_model(index_dir, settings, corpus_dir, report)
    same_model = (previous is not None and not rebuild
                  and previous["embedding"].get("onnx_sha256") == model["sha256"]
                  and previous["embedding"].get("model") == embed.MODEL_NAME)

    build_id = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S") + "-" + content_hash[:8] + "-" + uuid.uuid4().hex[:4]
    builds = index_dir / BUILDS
    tmp = builds / f".tmp-{build_id}"
    target = builds / build_id
    server = settings.chroma_mode == "server"
    collection_name = f"ppa-{_index_uid(index_dir)}-{build_id}" if server else f"ppa-{build_id}"
    client = None
    embedded = 0
    embed_seconds = 0.0
    try:
        tmp.mkdir(parents=True)
        # vectors: reuse by text from the previous build, embed the rest
        reusable = {}
        prev_dir = builds / previous["build_id"] if previous else None
        prev_rows = _chunk_rows(prev_dir, previous, damaged) if previous and prev_dir.is_dir() else None
        if same_model and "vectors" not in damaged:
            reusable = _previous_vectors(prev_dir, prev_rows)
        elif same_model and prev_rows and not ({"Chroma store", "Chroma vector folder", "Chroma collection"} & damaged):
            reusable = _vectors_from_store(index_dir, previous, settings, prev_rows)  # vectors.npy is damaged, the store is not
        vectors = np.lib.format.open_memmap(tmp / "vectors.npy", mode="w+", dtype=np.float32,
                                            shape=(len(chunks), embed.DIMENSIONS))
        began = time.perf_counter()
        embedded = embed.reuse_or_embed(vectors, [c.text_key for c in chunks], reusable, lambda row: chunks[row].text,
                                        index_dir / "onnx" / model["file"], report, "embed")
        if embedded:
            embed_seconds = time.perf_counter() - began
        vectors.flush()
        reusable = {}

        # Chroma: a copy of the previous store with only the changed chunks replaced, or a fresh one
        metadatas = [chunk_metadata(unit_by_id[c.unit_id], c.granularity) for c in chunks]
        ids = [c.id for c in chunks]
        copied = False
        deleted_share = 0.0
        if server:
            client = chroma_client(settings)
            collection = client.create_collection(collection_name, embedding_function=None,
                                                  metadata={"hnsw:space": "cosine"})
            report("store", 0, len(ids))
            _add_chunks(collection, ids, vectors, metadatas, report, "store")
        else:
            prev_store_ok = (previous is not None and prev_dir is not None and same_model and prev_rows is not None
                             and previous["chroma"].get("mode") == "local"
                             and not ({"Chroma store", "Chroma vector folder", "Chroma collection",
                                       "build folder"} & damaged)
                             and previous.get("store", {}).get("replaced_share", 0.0) < FRESH_STORE_AFTER)
            client, copied, deleted_share = _local_store(tmp / "chroma", prev_dir if prev_store_ok else None,
                                                         previous, prev_rows, collection_name, ids, vectors,
                                                         metadatas, report)
            _close(client)
            client = None
            if copied:
                _vacuum_if_worthwhile(tmp / "chroma" / "chroma.sqlite3")

        report("keyword index", 0, 1)
        build_keyword_index(chunks, tmp / "bm25")
        report("keyword index", 1, 1)

        _store_passages(index_dir, units, index_dir / "onnx" / model["file"], model["sha256"], report)

        report("write", 0, 1)
        _write_jsonl(tmp / "units.jsonl", (unit_to_json(u) for u in units))
        _write_jsonl(tmp / "chunks.jsonl", ({"id": c.id, "unit_id": c.unit_id, "granularity": c.granularity,
                                             "text_key": c.text_key} for c in chunks))
        (tmp / "glossary.json").write_text(json.dumps(glossary.to_json(), ensure_ascii=False, indent=1), "utf-8")
        del vectors
        files = {}
        for path in sorted(p for p in tmp.rglob("*") if p.is_file()):
            relative = str(path.relative_to(tmp))
            files[relative] = {"sha256": embed.file_sha256(path), "bytes": path.stat().st_size}
        examples = [u for u in units if isinstance(u, Example)]
        manifest = _sealed({
            "format": INDEX_FORMAT,
            "build_id": build_id,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "corpus_hash": content_hash,
            "parser_version": PARSER_VERSION,
            "embedding": {"model": embed.MODEL_NAME, "package": model["package"], "dimensions": embed.DIMENSIONS,
                          "precision": model["precision"], "onnx": f"onnx/{model['file']}",
                          "onnx_sha256": model["sha256"], "onnx_bytes": model["bytes"],
                          "onnx_min_cosine": model["min_cosine"], "fp32_min_cosine": model["fp32_min_cosine"]},
            "settings": index_settings(settings),
            "chroma": _chroma_location(settings) | {"collection": collection_name},
            "store": {"copied": copied, "replaced_share": deleted_share},
            "counts": {"documents": len(documents), "examples": len(examples),
                       "sections": len(units) - len(examples), "chunks": len(chunks)},
            "documents": [document_record(d) | {"cache": corpus.keys.get(d.path)} for d in documents],
            "skipped": [{"file": name, "reason": why} for name, why in corpus.skipped],
            "files": files,
        })
        _write_json_atomic(tmp / MANIFEST, manifest)
        create_lease_file(tmp)
        report("write", 1, 1)

        report("switch", 0, 1)
        os.rename(tmp, target)
        _write_json_atomic(index_dir / MANIFEST, manifest)
        report("switch", 1, 1)
        if client is not None:
            _close(client)
    except BaseException:
        if client is not None and server:
            try:
                client.delete_collection(collection_name)
            except Exception:  # the collection may never have been made
                pass
        if client is not None:
            _close(client)
        shutil.rmtree(tmp, ignore_errors=True)
        raise

    # the checksums were just computed: stamp them, so the next no-change check hashes nothing
    stamped = {f"build:{rel}": (target / rel, info["sha256"]) for rel, info in files.items()}
    stamped["model"] = (index_dir / "onnx" / model["file"], model["sha256"])
    _write_stamp(target, stamped, store_checked=manifest["checksum"])
    report("clean up", 0, 1)
    cleaned += clean_index_folder(index_dir, settings, keep={build_id})
    report("clean up", 1, 1)
    return BuildReport(
        False, build_id, units=len(units), examples=len(examples), sections=len(units) - len(examples),
        chunks=len(chunks), embedded=embedded, reused=len(chunks) - embedded,
        seconds=time.perf_counter() - started, embed_seconds=embed_seconds, warnings=warnings,
        documents=per_document, skipped=corpus.skipped, parsed=corpus.parsed,
        repaired=[str(d) for d in damage], cleaned=cleaned, created=manifest["created"],
    )


def _chunk_rows(build_dir: Path, manifest: dict[str, Any], damaged: set[str]) -> list[dict] | None:
    """A build's chunks.jsonl rows; when that file is damaged, made again from its units and
    accepted only if the result has the checksum the manifest recorded. None when neither works."""
    if "chunks" not in damaged:
        try:
            return _read_jsonl(build_dir / "chunks.jsonl")
        except IndexCorruptError:
            return None
    if "units" in damaged:
        return None
    try:
        units = [unit_from_json(row) for row in _read_jsonl(build_dir / "units.jsonl")]
    except (IndexCorruptError, KeyError, TypeError):
        return None
    rows = [{"id": c.id, "unit_id": c.unit_id, "granularity": c.granularity, "text_key": c.text_key}
            for c in make_chunks(units)]
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    recorded = manifest.get("files", {}).get("chunks.jsonl", {}).get("sha256")
    return rows if hashlib.sha256(text.encode("utf-8")).hexdigest() == recorded else None


def _previous_vectors(build_dir: Path | None, rows: list[dict] | None) -> dict[str, np.ndarray]:
    """text key -> vector, from a previous build (verified before it is used)."""
    if build_dir is None or rows is None:
        return {}
    try:
        vectors = np.load(build_dir / "vectors.npy", mmap_mode="r")
    except (OSError, ValueError):
        return {}
    if vectors.shape != (len(rows), embed.DIMENSIONS):
        return {}
    return {row["text_key"]: vectors[i] for i, row in enumerate(rows) if "text_key" in row}


def _vectors_from_store(index_dir: Path, previous: dict[str, Any], settings: Settings,
                        rows: list[dict]) -> dict[str, np.ndarray]:
    """text key -> vector, read back from the previous build's Chroma collection (in batches)."""
    build_dir = index_dir / BUILDS / previous["build_id"]
    private = None
    client = None
    found: dict[str, np.ndarray] = {}
    try:
        key_of = {row["id"]: row["text_key"] for row in rows if "text_key" in row}
        if previous["chroma"].get("mode") == "server":
            client = chroma_client(settings)
        else:
            private = PrivateFolder(_readers_dir(index_dir), "repair-")
            shutil.copytree(build_dir / "chroma", private.path / "chroma")
            client = chroma_client(settings, private.path / "chroma")
        collection = client.get_collection(previous["chroma"]["collection"], embedding_function=None)
        ids = list(key_of)
        for start, end in _batches(len(ids)):
            got = collection.get(ids=ids[start:end], include=["embeddings"])
            for chunk_id, vector in zip(got["ids"], got["embeddings"]):
                found[key_of[chunk_id]] = np.asarray(vector, dtype=np.float32)
    except ChromaUnavailableError:
        raise
    except Exception:  # the store cannot give its vectors back: they are embedded again
        return {}
    finally:
        if client is not None:
            _close(client)
        if private is not None:
            private.close()
    return found


def _local_store(path: Path, previous_dir: Path | None, previous: dict[str, Any] | None,
                 previous_rows: list[dict] | None, name: str, ids: list[str], vectors: np.ndarray,
                 metadatas: list[dict], report: Progress):
    """This build's Chroma store: the previous one copied, then only changed chunks replaced; or a new one.

    Returns (client, copied, share of the store replaced since it was last made fresh).
    """
    if previous_dir is not None and (previous_dir / "chroma").is_dir():
        shutil.copytree(previous_dir / "chroma", path)
        client = chroma_client_local(path)
        try:
            collection = client.get_collection(previous["chroma"]["collection"], embedding_function=None)
            collection.modify(name=name)
            old_ids = [row["id"] for row in previous_rows or []]
            wanted = set(ids)
            gone = [i for i in old_ids if i not in wanted]
            have = set(old_ids)
            new_rows = [r for r, i in enumerate(ids) if i not in have]
            total = len(gone) + len(new_rows)
            report("store", 0, total)
            for start, end in _batches(len(gone)):
                collection.delete(ids=gone[start:end])
                report("store", end, total)
            if new_rows:
                _add_chunks(collection, [ids[r] for r in new_rows], vectors[new_rows],
                            [metadatas[r] for r in new_rows], report, "store", done=len(gone), total=total)
            share = previous.get("store", {}).get("replaced_share", 0.0) + len(gone) / max(1, len(ids))
            if collection.count() == len(ids):
                return client, True, share
        except Exception:  # the copy cannot be used: make the store fresh instead
            pass
        _close(client)
        shutil.rmtree(path, ignore_errors=True)
    client = chroma_client_local(path)
    collection = client.create_collection(name, embedding_function=None, metadata={"hnsw:space": "cosine"})
    report("store", 0, len(ids))
    _add_chunks(collection, ids, vectors, metadatas, report, "store")
    return client, False, 0.0


def chroma_client_local(path: Path):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))


def ensure_query_model(index_dir: Path, settings: Settings, corpus_dir: Path, report: Progress) -> dict[str, Any]:
    """The checked ONNX model for the configured precision, exported (once) when missing or damaged.

    onnx/model.json records each exported model's sha256; a model file that does not match it
    is exported again.
    """
    folder = index_dir / "onnx"
    stamp_path = folder / "model.json"
    precision = settings.embed_precision
    try:
        stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stamp = {}
    info = stamp.get(precision) if isinstance(stamp, dict) else None
    if info and info.get("package") == embed.model_version():
        path = folder / info["file"]
        if path.is_file() and path.stat().st_size == info["bytes"] and embed.file_sha256(path) == info["sha256"]:
            return info
    report("export query model", 0, 1)
    info = embed.export_query_model(folder, precision, _sample_texts(corpus_dir))
    stamp = {k: v for k, v in (stamp if isinstance(stamp, dict) else {}).items() if k in embed.PRECISIONS}
    stamp[precision] = info
    _write_json_atomic(stamp_path, stamp)
    for other in folder.iterdir():  # models of the other precision or older exports are not used
        if other.suffix == ".onnx" and other.name not in {v["file"] for v in stamp.values() if isinstance(v, dict)}:
            other.unlink(missing_ok=True)
    report("export query model", 1, 1)
    return info


# --- clean-up -----------------------------------------------------------------------------------


def _live_build_ids(index_dir: Path) -> set[str]:
    """The build the manifest (or, when it is damaged, the newest build copy) names."""
    try:
        return {read_manifest(index_dir)["build_id"]}
    except (IndexMissingError, IndexStaleError):
        return set()
    except IndexCorruptError:
        folders = _build_folders(index_dir)
        return {folders[-1].name} if folders else set()


def _readers_dir(index_dir: Path) -> Path:
    return index_dir / READERS


def clean_index_folder(index_dir: Path, settings: Settings, keep: set[str]) -> list[str]:
    """Remove what interrupted builds and finished readers left: call it holding the index lock.

    Unfinished builds, builds no process uses except those in `keep`, temporary files, readers'
    store copies whose process ended, parse-cache entries no build needs, the format-1 store,
    and (with a Chroma server) this index's collections that belong to no build on disk.
    """
    removed: list[str] = []
    builds = index_dir / BUILDS
    if builds.is_dir():
        for path in builds.iterdir():
            if path.name.startswith(".tmp-") or path.name == ".trash":
                shutil.rmtree(path, ignore_errors=True)
                removed.append(f"unfinished build {path.name.removeprefix('.tmp-')}" if path.name.startswith(".tmp-")
                               else "a half-deleted build")
            elif path.is_dir() and path.name not in keep and not path.name.startswith("."):
                if retire_build(path, builds / ".trash"):
                    removed.append(f"old build {path.name}")
    for pattern in ("onnx/*.tmp", "cache/*.tmp", ".*.tmp", "cache/.*.tmp", "builds/*/.*.tmp"):
        for path in index_dir.glob(pattern):
            path.unlink(missing_ok=True)
            removed.append(f"temporary file {path.relative_to(index_dir)}")
    swept = sweep_private_folders(_readers_dir(index_dir))
    if swept:
        removed.append(f"{len(swept)} store copy(ies) of ended readers")
    legacy = index_dir / "chroma"
    if legacy.is_dir() and (builds / next(iter(keep), "-")).is_dir():
        shutil.rmtree(legacy, ignore_errors=True)
        removed.append("the format-1 Chroma store")
    surviving = [p for p in _build_folders(index_dir)]
    needed: set[str] = set()
    collections: set[str] = set()
    for folder in surviving:
        try:
            copy = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            needed.update(d.get("cache") for d in copy.get("documents", []) if d.get("cache"))
            collections.add(copy.get("chroma", {}).get("collection", ""))
        except (OSError, ValueError):
            continue
    if surviving and needed:
        count = ParseCache(index_dir / CACHE).keep_only(needed)
        if count:
            removed.append(f"{count} unused parse-cache entr{'y' if count == 1 else 'ies'}")
    if settings.chroma_mode == "server" and surviving:
        removed += _drop_orphan_collections(index_dir, settings, collections)
    return removed


def _drop_orphan_collections(index_dir: Path, settings: Settings, keep: set[str]) -> list[str]:
    prefix = f"ppa-{_index_uid(index_dir)}-"
    try:
        client = chroma_client(settings)
    except ChromaUnavailableError:
        return []
    removed = []
    try:
        offset = 0
        names: list[str] = []
        while True:
            page = client.list_collections(limit=100, offset=offset)
            names += [c.name if hasattr(c, "name") else str(c) for c in page]
            if len(page) < 100:
                break
            offset += 100
        for name in names:
            if name.startswith(prefix) and name not in keep:
                client.delete_collection(name)
                removed.append(f"orphan collection {name}")
    finally:
        _close(client)
    return removed


def retire_unused_builds(settings: Settings) -> list[str]:
    """Remove old builds that no process uses any more, if no build is running (for servers)."""
    index_dir = settings.resolved("index_dir")
    lock = IndexLock(index_dir)
    if not lock.try_acquire():
        return []
    try:
        return clean_index_folder(index_dir, settings, keep=_live_build_ids(index_dir))
    finally:
        lock.release()


def _write_jsonl(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict]:
    try:
        with path.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexCorruptError(f"index file {path} is damaged ({exc}); run `assistant index` to repair it") from None


# --- opening ------------------------------------------------------------------------------------


def _take_lease(index_dir: Path, manifest: dict[str, Any]) -> BuildLease | None:
    try:
        return BuildLease(index_dir / BUILDS / manifest["build_id"])
    except LeaseLost:
        return None


class _Held:
    """What an open index holds outside Python's memory; released when the index is dropped."""

    def __init__(self, lease: BuildLease):
        self.lease = lease
        self.client = None
        self.private: PrivateFolder | None = None

    def release(self) -> None:
        if self.client is not None:
            _close(self.client)
            self.client = None
        if self.private is not None:
            self.private.close()
            self.private = None
        self.lease.release()


class OpenIndex:
    """A built index, opened for querying. `warm_up()` loads the models and the stores.

    Holds a lease on its build until it is closed or garbage-collected, so a rebuild in another
    process never removes the files under it. Opening checks every file of the build against
    the manifest (re-hashing only files changed since the last verification) and refuses a
    damaged index with one line naming the piece and the command that repairs it.
    """

    def __init__(self, settings: Settings, check_stale: bool = True):
        self.settings = settings
        self.dir = settings.resolved("index_dir")
        for _ in range(5):
            self.manifest = read_manifest(self.dir)
            if check_stale:
                reason = staleness(self.manifest, settings)
                if reason:
                    raise IndexStaleError(f"{reason}; run `assistant index` (`make run` rebuilds it itself)")
            build_dir = self.dir / BUILDS / self.manifest["build_id"]
            if not build_dir.is_dir():
                raise IndexCorruptError(f"index build {build_dir} is missing; run `assistant index` to repair it")
            try:
                lease = BuildLease(build_dir)
                break
            except LeaseLost:
                continue  # a new build replaced this one while we read the manifest: read it again
        else:
            raise IndexCorruptError("the index keeps changing under this process; try again")
        self._held = _Held(lease)
        self._finalizer = weakref.finalize(self, self._held.release)
        self.build_dir = build_dir
        self._lock = threading.Lock()
        damage = verify_files(self.dir, self.manifest, thorough=False)
        if damage:
            self.close()
            raise IndexCorruptError(f"the index is damaged: {damage[0]}; run `assistant index` to repair it")
        self.units: dict[str, Unit] = {}
        for row in _read_jsonl(build_dir / "units.jsonl"):
            unit = unit_from_json(row)
            self.units[unit.id] = unit
        chunk_rows = _read_jsonl(build_dir / "chunks.jsonl")
        self.chunk_ids = [r["id"] for r in chunk_rows]
        self.chunk_unit = {r["id"]: r["unit_id"] for r in chunk_rows}
        self.chunk_granularity = {r["id"]: r["granularity"] for r in chunk_rows}
        self.vectors = np.load(build_dir / "vectors.npy", mmap_mode="r")
        try:
            self.glossary = Glossary.from_json(json.loads((build_dir / "glossary.json").read_text("utf-8")))
        except (OSError, json.JSONDecodeError, KeyError) as exc:
            raise IndexCorruptError(f"the index glossary is damaged ({exc}); run `assistant index` to repair it") from None
        self.embedder = embed.OnnxEmbedder(_model_path(self.dir, self.manifest))
        self._collection = None
        self._bm25 = None

    @property
    def build_id(self) -> str:
        return self.manifest["build_id"]

    def warm_up(self) -> None:
        self.embedder.warm_up()
        _ = self.collection, self.keyword_index

    def close(self) -> None:
        """Release the build (its lease, store copy and Chroma client) now rather than at garbage collection."""
        self._collection = None
        self._finalizer()

    @property
    def collection(self):
        if self._collection is None:
            with self._lock:
                if self._collection is None:
                    self._collection = self._open_collection()
        return self._collection

    def _open_collection(self):
        name = self.manifest["chroma"]["collection"]
        if self.manifest["chroma"].get("mode") == "server":
            client = chroma_client(self.settings)
        else:
            try:
                private = PrivateFolder(_readers_dir(self.dir), "r-")
            except OSError:  # a read-only index folder: copy the store into the temp folder instead
                import tempfile

                private = PrivateFolder(Path(tempfile.gettempdir()) / "ppa-readers", "r-")
            self._held.private = private
            shutil.copytree(self.build_dir / "chroma", private.path / "chroma")
            try:
                client = chroma_client(self.settings, private.path / "chroma")
            except Exception as exc:  # a store chromadb cannot open
                raise IndexCorruptError(f"the Chroma store of build {self.build_id} cannot be opened ({_short(exc)}); "
                                        "run `assistant index` to repair it") from None
        self._held.client = client
        try:
            collection = client.get_collection(name, embedding_function=None)
            count = collection.count()
        except Exception:
            raise IndexCorruptError(f"Chroma collection {name} is missing or unreadable; "
                                    "run `assistant index` to repair it") from None
        if count != len(self.chunk_ids):
            raise IndexCorruptError(f"Chroma collection {name} holds {count:,} vectors, the build has "
                                    f"{len(self.chunk_ids):,}; run `assistant index` to repair it")
        return collection

    @property
    def keyword_index(self):
        if self._bm25 is None:
            with self._lock:
                if self._bm25 is None:
                    import bm25s

                    try:
                        self._bm25 = bm25s.BM25.load(str(self.build_dir / "bm25"), show_progress=False)
                    except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
                        raise IndexCorruptError(f"the keyword index is damaged ({exc}); "
                                                "run `assistant index` to repair it") from None
        return self._bm25

    def examples(self) -> list[Example]:
        return [u for u in self.units.values() if isinstance(u, Example)]

    def sections(self) -> list[Section]:
        return [u for u in self.units.values() if isinstance(u, Section)]


def current_build_id(index_dir: Path) -> str | None:
    """The live build's id, read cheaply (for servers watching for a new build); None when unreadable."""
    try:
        return json.loads((Path(index_dir) / MANIFEST).read_text(encoding="utf-8")).get("build_id")
    except (OSError, ValueError, AttributeError):
        return None
