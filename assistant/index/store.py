"""An open index: a build leased, checked and loaded for querying."""

from __future__ import annotations

import errno
import json
import shutil
import tempfile
import threading
import weakref
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.errors import (CorpusError, IndexCorruptError, IndexStaleError, StorageError, storage_error)
from assistant.index import embed
from assistant.index.locking import (BuildLease, LeaseLost, PrivateFolder)
from assistant.ingest.glossary import Glossary
from assistant.types import Example, Section, Unit, unit_from_json
from assistant.index.check import verify_files
from assistant.index.chroma import close_client, chroma_client
from assistant.index.files import read_jsonl, short_error
from assistant.index.keyword import KeywordIndex
from assistant.index.passages import load_passage_vectors
from assistant.files import copy_folder
from assistant.index.manifest import BUILDS, elsewhere, model_path, readers_dir, read_manifest, staleness


class _Held:
    """What an open index holds outside Python's memory; released when the index is dropped."""

    def __init__(self, lease: BuildLease):
        self.lease = lease
        self.client = None
        self.private: PrivateFolder | None = None

    def release(self) -> None:
        if self.client is not None:
            close_client(self.client)
            self.client = None
        if self.private is not None:
            self.private.close()
            self.private = None
        self.lease.release()


def _pending(manifest: dict, settings: Settings) -> str | None:
    """What changed since the live build was made (the corpus, the parser, a setting), as a warning; or None.

    Never a reason to refuse: the last good build keeps answering until `assistant index` makes a new one.
    """
    try:
        reason = staleness(manifest, settings)
    except (OSError, CorpusError):  # an unreadable corpus: `assistant index` names what it cannot read
        reason = f"the corpus in {settings.resolved('corpus_dir')} cannot be read in full"
    if reason is None:
        return None
    return f"{reason}; answering from the last good build ({manifest['build_id']}) until `assistant index` is run"


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
        self.pending: str | None = None  # a change the live build does not hold yet (it still answers)
        for _ in range(5):
            self.manifest = read_manifest(self.dir)
            if check_stale:
                reason = elsewhere(self.manifest, settings)
                if reason:
                    raise IndexStaleError(f"{reason}; run `assistant index` (`make run` rebuilds it itself)")
                self.pending = _pending(self.manifest, settings)
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
            if damage[0].kind == "unreadable":  # a permission problem: `assistant index` cannot fix it
                raise StorageError(f"cannot read the index: {damage[0]}; check the permissions of {self.dir} "
                                   "(nothing is damaged)")
            raise IndexCorruptError(f"the index is damaged: {damage[0]}; run `assistant index` to repair it")
        self.units: dict[str, Unit] = {}
        for row in read_jsonl(build_dir / "units.jsonl"):
            unit = unit_from_json(row)
            self.units[unit.id] = unit
        chunk_rows = read_jsonl(build_dir / "chunks.jsonl")
        self.chunk_ids = [r["id"] for r in chunk_rows]
        self.chunk_unit = {r["id"]: r["unit_id"] for r in chunk_rows}
        self.chunk_granularity = {r["id"]: r["granularity"] for r in chunk_rows}
        self.vectors = np.load(build_dir / "vectors.npy", mmap_mode="r")
        try:
            self.glossary = Glossary.from_json(json.loads((build_dir / "glossary.json").read_text("utf-8")))
        except (OSError, json.JSONDecodeError, KeyError) as exc:
            raise IndexCorruptError(f"the index glossary is damaged ({exc}); run `assistant index` to repair it") from None
        self.embedder = embed.OnnxEmbedder(model_path(self.dir, self.manifest))
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
            private = self._held.private = store_copy(self.build_dir / "chroma", readers_dir(self.dir))
            try:
                client = chroma_client(self.settings, private.path / "chroma")
            except Exception as exc:  # a store chromadb cannot open
                raise IndexCorruptError(f"the Chroma store of build {self.build_id} cannot be opened ({short_error(exc)}); "
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
    def keyword_index(self) -> KeywordIndex:
        if self._bm25 is None:
            with self._lock:
                if self._bm25 is None:
                    self._bm25 = KeywordIndex.load(self.build_dir / "bm25")
        return self._bm25

    def document_frequency(self, token: str) -> float:
        """The share of chunks holding a stemmed token (for weighting the words a question shares)."""
        return self.keyword_index.document_frequency(token)

    def passage_vectors(self) -> dict[bytes, np.ndarray]:
        """The passage vectors the build embedded (`passages.npz`), by text key; {} when missing or stale."""
        return load_passage_vectors(self.dir, self.manifest.get("embedding", {}).get("onnx_sha256", ""))

    def examples(self) -> list[Example]:
        return [u for u in self.units.values() if isinstance(u, Example)]

    def sections(self) -> list[Section]:
        return [u for u in self.units.values() if isinstance(u, Section)]


STORE_HEADROOM = 16 * 2**20  # what chromadb and sqlite need beside a store copy to open and search it


def store_copy(store: Path, readers: Path) -> PrivateFolder:
    """A private copy of a build's Chroma store (chromadb writes to what it opens): beside the builds, else in the
    temp folder when the index folder is read-only or its device has no room; a StorageError when neither has."""
    needed = sum(p.stat().st_size for p in store.rglob("*") if p.is_file()) + STORE_HEADROOM
    problem: OSError | None = None
    for parent in (readers, Path(tempfile.gettempdir()) / "ppa-readers"):
        private = None
        try:
            private = PrivateFolder(parent, "r-")
            if shutil.disk_usage(private.path).free < needed:
                raise OSError(errno.ENOSPC, "No space left on device", str(parent))
            copy_folder(store, private.path / "chroma")
            return private
        except OSError as exc:
            problem = problem or exc
            if private is not None:
                private.close()
    raise storage_error(problem, "copy the Chroma store into") from None
