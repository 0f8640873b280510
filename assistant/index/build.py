"""Building: a new build from the corpus, reusing every parsed document, vector and stored chunk it can."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np

from assistant.config import Settings
from assistant.errors import (AssistantError, ChromaUnavailableError, IndexCorruptError, IndexMissingError,
                              IndexStaleError, StorageError, storage_error)
from assistant.index import embed, interrupt
from assistant.index.locking import (IndexLock, PrivateFolder, create_lease_file)
from assistant.ingest import (PARSER_VERSION, all_units, corpus_hash, document_paths, document_record)
from assistant.ingest.accounting import describe as describe_accounting
from assistant.ingest.glossary import Glossary
from assistant.types import Example, Progress, unit_from_json, unit_to_json
from assistant.index.caches import cache_damage, repair_caches
from assistant.index.check import Damage, note_stamp, read_stamp, write_stamp, verify_chroma, verify_files
from assistant.index.chroma import add_chunks, batches, chroma_location, close_client, local_store, vacuum_if_worthwhile, chroma_client
from assistant.index.chunks import chunk_metadata, make_chunks
from assistant.index.cleanup import live_build_ids, clean_index_folder
from assistant.files import copy_folder, write_json_atomic
from assistant.index.files import read_jsonl, short_error, write_jsonl
from assistant.index.estimate import SAMPLE_TEXTS, Estimate, StageClock, Work, characters, estimate, recorded_rate
from assistant.index.keyword import build_keyword_index
from assistant.index.model import ensure_query_model
from assistant.index.passages import passage_texts, passages_to_embed, store_passage_vectors
from assistant.index.manifest import BUILDS, CACHE, INDEX_FORMAT, MANIFEST, ManifestError, build_folders, index_uid, parse_manifest, readers_dir, sealed, index_settings, read_manifest, staleness
from assistant.ingest.cache import ParseCache, read_corpus_cached
from assistant.ingest.lock import CorpusLock
from assistant.ingest.worker import ParseLimits, parser


FRESH_STORE_AFTER = 0.25  # rebuild the copied Chroma store when this share of it has been replaced


def _quiet(stage: str, done: int, total: int) -> None:
    return None


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
        """Per document: its counts and warnings, and where its text went (kept, dropped by reason); or why
        it was skipped."""
        lines = []
        for doc in self.documents:
            note = f"; {len(doc['warnings'])} warning(s)" if doc["warnings"] else ""
            lines.append(f"  {doc['file']}: {doc['examples']} examples, {doc['sections']} sections{note}")
            lines += [f"    text: {line}" for line in describe_accounting(doc.get("accounting") or {})]
        lines.extend(f"  {name}: skipped ({why})" for name, why in self.skipped)
        return lines


def build_index(settings: Settings, progress: Progress | None = None, rebuild: bool = False,
                lock_timeout: float | None = None, on_wait: Callable[[str], None] | None = None,
                on_estimate: Callable[[Estimate], None] | None = None) -> BuildReport:
    """Build, bring up to date, or repair the index described by `settings`.

    Takes the index lock (waiting up to `lock_timeout` seconds for another build; None waits as
    long as it takes), removes what an interrupted build left, and checks the live build. When
    the corpus, the settings or any piece of the index changed, it makes a new build, reusing
    every parsed document, vector and stored chunk it can; otherwise it reports that the index
    is up to date. A document that cannot be read is skipped with its reason; a failed build
    leaves the previous index serving. Ctrl-C stops it within a moment, at any stage, with the
    previous index serving (`assistant.index.interrupt`). A new build calls `on_estimate` once it
    knows what it has to embed, with how long the rest will take (`assistant.index.estimate`).
    """
    report = progress or _quiet
    index_dir = settings.resolved("index_dir")
    corpus_dir = settings.resolved("corpus_dir")
    document_paths(corpus_dir)  # a missing corpus is a clear error before anything is touched
    index_dir.mkdir(parents=True, exist_ok=True)
    lock = IndexLock(index_dir)
    with interrupt.stopping_on_ctrl_c():
        lock.acquire(timeout=lock_timeout, on_wait=on_wait)
        try:
            # no `add` or `remove` changes the corpus while it is read and hashed (a corpus we may not write is read as is)
            with CorpusLock(corpus_dir, "index", writes=False).held(lock_timeout, on_wait) as corpus_lock:
                built = _build_locked(settings, index_dir, corpus_dir, report, rebuild, lock.interrupted, on_estimate)
            built.cleaned[:0] = corpus_lock.cleaned
            return built
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
    for build_dir in reversed(build_folders(index_dir)):
        try:
            copy = parse_manifest(build_dir / MANIFEST)
        except (IndexCorruptError, IndexStaleError):
            continue
        if copy["build_id"] == build_dir.name:
            return copy, damage + verify_files(index_dir, copy, thorough=True), True
    return None, damage, False


def _build_locked(settings: Settings, index_dir: Path, corpus_dir: Path, report: Progress, rebuild: bool,
                  interrupted: str | None, on_estimate: Callable[[Estimate], None] | None = None) -> BuildReport:
    started = time.perf_counter()
    cleaned = clean_index_folder(index_dir, settings, keep=live_build_ids(index_dir))
    if interrupted:
        cleaned.insert(0, interrupted)
    previous, damage, restored = _previous_manifest(index_dir)
    if previous is not None and not rebuild and staleness(previous, settings) is None:
        if not restored:
            damage += verify_files(index_dir, previous, thorough=False)
        _refuse_unreadable(damage)
        build_dir = index_dir / BUILDS / previous["build_id"]
        store_checked = read_stamp(build_dir).get("note:store_checked") == previous["checksum"]
        if not any(d.piece != "manifest" for d in damage) and (not store_checked or previous["chroma"].get("mode") == "server"):
            # a manifest not seen before (or a store elsewhere): open the collection and search it once
            vectors = np.load(build_dir / "vectors.npy", mmap_mode="r")
            chunk_ids = [row["id"] for row in read_jsonl(build_dir / "chunks.jsonl")]
            found = verify_chroma(index_dir, previous, settings, vectors, chunk_ids,
                                  all_ids=previous["chroma"].get("mode") != "server")
            damage += found
            if not found:
                note_stamp(build_dir, store_checked=previous["checksum"])
        if all(d.piece == "manifest" for d in damage):
            repaired = []
            if restored:  # everything else is intact: putting the manifest back is the whole repair
                write_json_atomic(index_dir / MANIFEST, previous)
                repaired = [f"{d}; restored from builds/{previous['build_id']}" for d in damage]
            caches = cache_damage(index_dir, previous)
            _refuse_unreadable(caches)

            def embed_passages() -> None:
                units = [unit_from_json(row) for row in read_jsonl(build_dir / "units.jsonl")]
                embedding = previous["embedding"]
                store_passage_vectors(index_dir, units, model_sha256=embedding["onnx_sha256"],
                                      onnx_file=index_dir / embedding["onnx"], progress=report)

            repaired += repair_caches(index_dir, previous, caches, embed_passages)
            counts = previous["counts"]
            return BuildReport(True, previous["build_id"], cleaned=cleaned, repaired=repaired,
                               created=previous.get("created", ""), documents=_manifest_documents(previous),
                               units=counts["examples"] + counts["sections"], examples=counts["examples"],
                               sections=counts["sections"], chunks=counts["chunks"])
    return _new_build(settings, index_dir, corpus_dir, report, rebuild, previous, damage, cleaned, started, on_estimate)


def _refuse_unreadable(damage: list[Damage]) -> None:
    """A piece this process may not read is a permission problem: say so rather than rebuild over it."""
    unreadable = [d for d in damage if d.kind == "unreadable"]
    if unreadable:
        raise StorageError(f"cannot read {unreadable[0]}; check the permissions of the index folder and its files "
                           "(nothing is damaged, and `assistant index` cannot change permissions)")


def _manifest_documents(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"file": d.get("file"), "id": d.get("id"), "examples": d.get("examples", 0),
             "sections": d.get("sections", 0), "warnings": d.get("warnings", [])} for d in manifest.get("documents", [])]


def _device_full(path: Path, margin: int = 4 * 2**20) -> bool:
    """Whether the device holding `path` has (almost) no room left for this process."""
    try:
        return shutil.disk_usage(path).free < margin
    except OSError:
        return False


def _new_build(settings: Settings, index_dir: Path, corpus_dir: Path, report: Progress, rebuild: bool,
               previous: dict[str, Any] | None, damage: list[Damage], cleaned: list[str],
               started: float, on_estimate: Callable[[Estimate], None] | None = None) -> BuildReport:
    """Make a new build and switch to it: read, plan, embed, store, write, switch, in that order."""
    clock = StageClock(report)
    report = clock
    build = _NewBuild(settings, index_dir, corpus_dir, report, previous, {d.piece for d in damage})
    build.read()
    build.model = ensure_query_model(index_dir, settings, corpus_dir, report)
    build.same_model = (previous is not None and not rebuild
                        and previous["embedding"].get("onnx_sha256") == build.model["sha256"]
                        and previous["embedding"].get("model") == embed.MODEL_NAME)
    try:
        build.tmp.mkdir(parents=True)
        build.plan(on_estimate)
        planned = time.perf_counter()
        vectors = build.embed()
        build.store(vectors)
        del vectors
        report("keyword index", 0, 1)
        build_keyword_index(build.chunks, build.tmp / "bm25")
        report("keyword index", 1, 1)
        store_passage_vectors(index_dir, build.units, model_sha256=build.model["sha256"],
                              onnx_file=index_dir / "onnx" / build.model["file"], progress=report,
                              texts=build.passage_texts)
        build.timings = clock.timings(planned, build.embed_chars - build.sampled_chars, len(build.chunks), build.rate)
        manifest = build.write()
        interrupt.checkpoint()  # the last point at which a Ctrl-C stops the build
        with interrupt.held():  # the switch happens whole; once it has, the build is done
            report("switch", 0, 1)
            os.rename(build.tmp, build.target)
            write_json_atomic(index_dir / MANIFEST, manifest)
            report("switch", 1, 1)
            if build.client is not None:
                close_client(build.client)
            # the checksums were just computed: stamp them, so the next no-change check hashes nothing
            stamped = {f"build:{rel}": (build.target / rel, info["sha256"]) for rel, info in manifest["files"].items()}
            stamped["model"] = (index_dir / "onnx" / build.model["file"], build.model["sha256"])
            write_stamp(build.target, stamped, store_checked=manifest["checksum"])
    except OSError as exc:
        # an error with no errno (a library's own OSError) on a device with no room left is that full device
        full = exc.errno is None and _device_full(index_dir)  # before abandon() frees space
        build.abandon()
        if full:
            raise OSError(errno.ENOSPC, f"No space left on device: {short_error(exc)}", str(build.tmp)) from None
        if exc.filename is None and exc.filename2 is None:  # a write that names no file: name the build
            raise OSError(exc.errno, exc.strerror, str(build.tmp)) from None
        raise
    except Exception as exc:
        full = not isinstance(exc, AssistantError) and _device_full(index_dir)  # before abandon() frees space
        build.abandon()
        if full:  # Chroma says "Error in compaction" (or the like) when the device is full
            raise storage_error(OSError(errno.ENOSPC, f"No space left on device: {short_error(exc)}", str(index_dir)),
                                "write a new build into") from None
        raise
    except BaseException:
        build.abandon()
        raise
    cleaned += _clean_up(index_dir, settings, build.build_id, report)
    counts = manifest["counts"]
    return BuildReport(
        False, build.build_id, units=len(build.units), examples=counts["examples"], sections=counts["sections"],
        chunks=len(build.chunks), embedded=build.embedded, reused=len(build.chunks) - build.embedded,
        seconds=time.perf_counter() - started, embed_seconds=build.embed_seconds, warnings=build.warnings,
        documents=build.per_document, skipped=build.corpus.skipped, parsed=build.corpus.parsed,
        repaired=[str(d) for d in damage], cleaned=cleaned, created=manifest["created"],
    )


def _clean_up(index_dir: Path, settings: Settings, build_id: str, report: Progress) -> list[str]:
    """Remove the builds and leftovers no process uses. After the switch a Ctrl-C stops only this: the new
    build serves, and the next `assistant index` finishes the clean-up."""
    if interrupt.requested():
        return ["clean-up skipped (interrupted); the next `assistant index` does it"]
    report("clean up", 0, 1)
    try:
        cleaned = clean_index_folder(index_dir, settings, keep={build_id})
    except KeyboardInterrupt:
        return ["clean-up interrupted; the next `assistant index` finishes it"]
    report("clean up", 1, 1)
    return cleaned


class _NewBuild:
    """One build in the making, in `builds/.tmp-<id>/` until it is complete and renamed into place."""

    def __init__(self, settings: Settings, index_dir: Path, corpus_dir: Path, report: Progress,
                 previous: dict[str, Any] | None, damaged: set[str]):
        self.settings, self.index_dir, self.corpus_dir, self.report = settings, index_dir, corpus_dir, report
        self.previous, self.damaged = previous, damaged
        self.server = settings.chroma_mode == "server"
        self.client = None
        self.model: dict[str, Any] = {}
        self.same_model = False
        self.embedded = 0
        self.embed_seconds = 0.0
        self.reusable: dict[str, np.ndarray] = {}
        self.passage_texts: list[str] = []
        self.embed_chars = self.sampled_chars = self.sampled = 0  # characters to embed (estimate.characters)
        self.rate: float | None = None  # characters embedded per second, as the plan expects it
        self.timings: dict[str, Any] = {}
        self.copied, self.deleted_share = False, 0.0
        builds = index_dir / BUILDS
        self.previous_dir = builds / previous["build_id"] if previous else None
        self.previous_rows = (_chunk_rows(self.previous_dir, previous, damaged)
                              if previous and self.previous_dir.is_dir() else None)

    def read(self) -> None:
        """The corpus (parsed documents from the cache where unchanged), its glossary, units and chunks."""
        parse, close = parser(ParseLimits.of(self.settings))  # each document under a time and memory limit
        try:
            self.corpus = read_corpus_cached(self.corpus_dir, ParseCache(self.index_dir / CACHE), self.report, parse)
        finally:
            close()
        documents = self.corpus.documents
        self.warnings = [f"{name} was not indexed: {why.removeprefix(name).lstrip(' :')}"
                         for name, why in self.corpus.skipped]
        self.warnings += [w for doc in documents for w in doc.warnings]
        self.per_document = [{"file": d.path, "id": d.id, "examples": len(d.examples), "sections": len(d.sections),
                              "warnings": list(d.warnings), "accounting": dict(d.accounting)} for d in documents]
        self.glossary = Glossary.build(self.corpus_dir, documents)
        self.warnings += self.glossary.warnings
        self.units = all_units(documents)
        self.chunks = make_chunks(self.units)
        self.content_hash = corpus_hash(self.corpus_dir)
        self.build_id = (datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S") + "-" + self.content_hash[:8] + "-"
                         + uuid.uuid4().hex[:4])
        self.tmp = self.index_dir / BUILDS / f".tmp-{self.build_id}"
        self.target = self.index_dir / BUILDS / self.build_id
        self.collection_name = (f"ppa-{index_uid(self.index_dir)}-{self.build_id}" if self.server
                                else f"ppa-{self.build_id}")

    def plan(self, on_estimate: Callable[[Estimate], None] | None) -> None:
        """The vectors to reuse, the text left to embed, and (for `on_estimate`) how long the rest will take:
        at the previous build's rate, else at a rate measured now on a few of the chunks to embed."""
        store_damage = {"Chroma store", "Chroma vector folder", "Chroma collection"}
        if self.same_model and "vectors" not in self.damaged:
            self.reusable = _previous_vectors(self.previous_dir, self.previous_rows)
        elif self.same_model and self.previous_rows and not (store_damage & self.damaged):
            # vectors.npy is damaged, the store is not
            self.reusable = _vectors_from_store(self.index_dir, self.previous, self.settings, self.previous_rows)
        missing = [c for c in self.chunks if c.text_key not in self.reusable]
        self.passage_texts = passage_texts(self.units)
        passages = passages_to_embed(self.index_dir, self.passage_texts, self.model["sha256"])
        self.embed_chars = characters(c.text for c in missing) + characters(passages)
        same_precision = (self.previous or {}).get("embedding", {}).get("precision") == self.model["precision"]
        self.rate, rate_from = (recorded_rate(self.previous) if same_precision else None), "the last build's rate"
        if on_estimate is None:
            return
        if self.rate is None and self.embed_chars:
            self.rate, rate_from = self._measure_rate(missing[:SAMPLE_TEXTS], passages[:SAMPLE_TEXTS]), "measured just now"
        on_estimate(estimate(Work(len(missing), len(passages), len(self.chunks) - len(missing), self.embed_chars,
                                  self._to_store(), len(self.chunks)), self.rate or 1.0, rate_from, self.previous))

    def _to_store(self) -> int:
        """How many chunks the store will add or delete: the changed ones, or all when it is made afresh."""
        if not (self.same_model and self.previous_rows):
            return len(self.chunks)
        before, now = {row["id"] for row in self.previous_rows}, {c.id for c in self.chunks}
        return len(before ^ now)

    def _measure_rate(self, chunks: list, passages: list[str]) -> float | None:
        """Characters per second, from embedding a few of the chunks to embed (their vectors are kept, not
        embedded again), or else of the passages."""
        texts = [c.text for c in chunks] or passages
        if not texts:
            return None
        embedder = embed.OnnxEmbedder(self.index_dir / "onnx" / self.model["file"], threads=1)
        embedder.warm_up()
        began = time.perf_counter()
        vectors = embedder.embed_many(texts, workers=2, report_every=max(1, len(texts) // 2))
        took = time.perf_counter() - began
        work = characters(texts)
        if chunks:
            for chunk, vector in zip(chunks, vectors):
                self.reusable[chunk.text_key] = vector
            self.sampled, self.sampled_chars = len({c.text_key for c in chunks}), work
        return work / took if took > 0 else None

    def embed(self) -> np.ndarray:
        """vectors.npy: each chunk's vector, reused by text from the previous build (or the plan's sample), the rest
        embedded."""
        reusable = self.reusable
        vectors = np.lib.format.open_memmap(self.tmp / "vectors.npy", mode="w+", dtype=np.float32,
                                            shape=(len(self.chunks), embed.DIMENSIONS))
        _allocate(self.tmp / "vectors.npy")
        began = time.perf_counter()
        chunks = self.chunks
        self.embedded = self.sampled + embed.reuse_or_embed(vectors, [c.text_key for c in chunks], reusable,
                                                            lambda row: chunks[row].text,
                                                            self.index_dir / "onnx" / self.model["file"], self.report,
                                                            "embed")
        if self.embedded:
            self.embed_seconds = time.perf_counter() - began
        vectors.flush()
        return vectors

    def store(self, vectors: np.ndarray) -> None:
        """Chroma: a copy of the previous store with only the changed chunks replaced, or a fresh one
        (with a server, a new collection)."""
        unit_by_id = {u.id: u for u in self.units}
        metadatas = [chunk_metadata(unit_by_id[c.unit_id], c.granularity) for c in self.chunks]
        ids = [c.id for c in self.chunks]
        if self.server:
            self.client = chroma_client(self.settings)
            collection = self.client.create_collection(self.collection_name, embedding_function=None,
                                                       metadata={"hnsw:space": "cosine"})
            self.report("store", 0, len(ids))
            add_chunks(collection, ids, vectors, metadatas, self.report, "store")
            return
        previous = self.previous
        reuse = (previous is not None and self.previous_dir is not None and self.same_model
                 and self.previous_rows is not None and previous["chroma"].get("mode") == "local"
                 and not ({"Chroma store", "Chroma vector folder", "Chroma collection", "build folder"} & self.damaged)
                 and previous.get("store", {}).get("replaced_share", 0.0) < FRESH_STORE_AFTER)
        client, self.copied, self.deleted_share = local_store(
            self.tmp / "chroma", self.previous_dir if reuse else None, previous, self.previous_rows,
            self.collection_name, ids, vectors, metadatas, self.report)
        close_client(client)
        if self.copied:
            vacuum_if_worthwhile(self.tmp / "chroma" / "chroma.sqlite3")

    def write(self) -> dict[str, Any]:
        """The build's units, chunks and glossary, and its sealed manifest listing every file's checksum."""
        self.report("write", 0, 1)
        write_jsonl(self.tmp / "units.jsonl", (unit_to_json(u) for u in self.units))
        write_jsonl(self.tmp / "chunks.jsonl", ({"id": c.id, "unit_id": c.unit_id, "granularity": c.granularity,
                                                 "text_key": c.text_key} for c in self.chunks))
        (self.tmp / "glossary.json").write_text(json.dumps(self.glossary.to_json(), ensure_ascii=False, indent=1),
                                                "utf-8")
        files = {}
        for path in sorted(p for p in self.tmp.rglob("*") if p.is_file()):
            files[str(path.relative_to(self.tmp))] = {"sha256": embed.file_sha256(path), "bytes": path.stat().st_size}
        examples = sum(isinstance(u, Example) for u in self.units)
        model = self.model
        manifest = sealed({
            "format": INDEX_FORMAT,
            "build_id": self.build_id,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "corpus_hash": self.content_hash,
            "parser_version": PARSER_VERSION,
            "embedding": {"model": embed.MODEL_NAME, "package": model["package"], "dimensions": embed.DIMENSIONS,
                          "precision": model["precision"], "onnx": f"onnx/{model['file']}",
                          "onnx_sha256": model["sha256"], "onnx_bytes": model["bytes"],
                          "onnx_min_cosine": model["min_cosine"], "fp32_min_cosine": model["fp32_min_cosine"]},
            "settings": index_settings(self.settings),
            "chroma": chroma_location(self.settings) | {"collection": self.collection_name},
            "store": {"copied": self.copied, "replaced_share": self.deleted_share},
            "timings": self.timings,  # for the next build's estimate (assistant.index.estimate)
            "counts": {"documents": len(self.corpus.documents), "examples": examples,
                       "sections": len(self.units) - examples, "chunks": len(self.chunks)},
            "documents": [document_record(d) | {"cache": self.corpus.keys.get(d.path)} for d in self.corpus.documents],
            "skipped": [{"file": name, "reason": why} for name, why in self.corpus.skipped],
            "files": files,
        })
        write_json_atomic(self.tmp / MANIFEST, manifest)
        create_lease_file(self.tmp)
        self.report("write", 1, 1)
        return manifest

    def abandon(self) -> None:
        """A failed or interrupted build: its collection and its folder go; the previous build serves on."""
        if self.client is not None and self.server:
            try:
                self.client.delete_collection(self.collection_name)
            except Exception:  # the collection may never have been made
                pass
        if self.client is not None:
            close_client(self.client)
        shutil.rmtree(self.tmp, ignore_errors=True)


def _allocate(path: Path) -> None:
    """Reserve the blocks of a memory-mapped file now: on a full device, writing into a sparse mapping kills the
    process with SIGBUS (no message, a half-made build left behind); reserving says ENOSPC, naming the file."""
    try:
        with open(path, "r+b") as handle:
            os.posix_fallocate(handle.fileno(), 0, os.fstat(handle.fileno()).st_size)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        # a file system that cannot reserve blocks (EOPNOTSUPP, EINVAL): the mapping is used as it is


def _chunk_rows(build_dir: Path, manifest: dict[str, Any], damaged: set[str]) -> list[dict] | None:
    """A build's chunks.jsonl rows; when that file is damaged, made again from its units and
    accepted only if the result has the checksum the manifest recorded. None when neither works."""
    if "chunks" not in damaged:
        try:
            return read_jsonl(build_dir / "chunks.jsonl")
        except IndexCorruptError:
            return None
    if "units" in damaged:
        return None
    try:
        units = [unit_from_json(row) for row in read_jsonl(build_dir / "units.jsonl")]
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
            private = PrivateFolder(readers_dir(index_dir), "repair-")
            copy_folder(build_dir / "chroma", private.path / "chroma")
            client = chroma_client(settings, private.path / "chroma")
        collection = client.get_collection(previous["chroma"]["collection"], embedding_function=None)
        ids = list(key_of)
        for start, end in batches(len(ids)):
            got = collection.get(ids=ids[start:end], include=["embeddings"])
            for chunk_id, vector in zip(got["ids"], got["embeddings"]):
                found[key_of[chunk_id]] = np.asarray(vector, dtype=np.float32)
    except ChromaUnavailableError:
        raise
    except Exception:  # the store cannot give its vectors back: they are embedded again
        return {}
    finally:
        if client is not None:
            close_client(client)
        if private is not None:
            private.close()
    return found


