"""Checking a build: every file against the manifest, the Chroma collection, and the contents."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import Settings
from assistant.errors import (ChromaUnavailableError, CorpusError, IndexCorruptError)
from assistant.index import embed
from assistant.index.locking import (BuildLease, LeaseLost, PrivateFolder)
from assistant.index.chroma import batches, close_client, chroma_client
from assistant.files import copy_folder, write_json_atomic
from assistant.index.files import read_jsonl, short_error
from assistant.index.manifest import BUILDS, MANIFEST, ManifestError, STAMP, model_path, readers_dir, read_manifest, staleness


PROBES = 8  # chunks searched for themselves when the Chroma store is checked
PIECES = {  # a build file's first path part -> the piece of the index it belongs to
    "units.jsonl": "units", "chunks.jsonl": "chunks", "glossary.json": "glossary", "vectors.npy": "vectors",
    "bm25": "keyword index", "chroma": "Chroma store", "manifest.json": "manifest",
}


@dataclass(frozen=True)
class Damage:
    """One damaged piece of the index, and what is wrong with it."""

    piece: str  # "units", "chunks", "glossary", "vectors", "keyword index", "Chroma store", "Chroma collection",
    #             "query model", "manifest", "build folder", "passage vectors", "query model record"
    path: str
    detail: str
    kind: str = "damaged"  # or "unreadable": a permission problem, not damage (`assistant index` cannot fix it)

    def __str__(self) -> str:
        return f"{self.piece} ({self.path}): {self.detail}"


def _unreadable(path: Path) -> bool:
    """True when this process may not read `path` (a permission problem, which is not damage)."""
    try:
        os.close(os.open(path, os.O_RDONLY))
    except PermissionError:
        return True
    except OSError:
        return False
    return False


def _piece_of(relative: str) -> str:
    first = relative.split("/", 1)[0]
    if first == "chroma":
        return "Chroma store" if relative.endswith(".sqlite3") else "Chroma vector folder"
    return PIECES.get(first, first)


def _stat_key(path: Path, sha256: str | None) -> list:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, sha256]


def read_stamp(build_dir: Path) -> dict[str, list[int]]:
    try:
        data = json.loads((build_dir / STAMP).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def write_stamp(build_dir: Path, verified: dict[str, tuple[Path, str | None]], **notes: Any) -> None:
    """Record the files just verified (and notes such as which manifest's store was checked)."""
    previous = read_stamp(build_dir)
    data = {name: _stat_key(path, sha) for name, (path, sha) in verified.items()}
    data.update({k: v for k, v in previous.items() if k.startswith("note:")})
    data.update({f"note:{k}": v for k, v in notes.items()})
    try:
        write_json_atomic(build_dir / STAMP, data)
    except OSError:  # a read-only index: the next check hashes again, that is all
        pass


def note_stamp(build_dir: Path, **notes: Any) -> None:
    data = read_stamp(build_dir)
    data.update({f"note:{k}": v for k, v in notes.items()})
    try:
        write_json_atomic(build_dir / STAMP, data)
    except OSError:
        pass


def verify_files(index_dir: Path, manifest: dict[str, Any], thorough: bool) -> list[Damage]:
    """Every file of the live build and the query model against the manifest's sizes and sha256.

    Not thorough: a file whose size, times and inode match the last verification stamp is not
    hashed again (any write changes its ctime). Thorough: every file is hashed.
    """
    build_dir = index_dir / BUILDS / manifest["build_id"]
    try:
        if not build_dir.is_dir():
            return [Damage("build folder", str(build_dir), "missing")]
        os.listdir(build_dir)
    except PermissionError:
        return [Damage("build folder", str(build_dir), "cannot be read (permission denied)", "unreadable")]
    stamp = {} if thorough else read_stamp(build_dir)
    expected = {f"build:{rel}": (build_dir / rel, info) for rel, info in manifest["files"].items()}
    model = model_path(index_dir, manifest)
    expected["model"] = (model, {"sha256": manifest["embedding"].get("onnx_sha256"),
                                 "bytes": manifest["embedding"].get("onnx_bytes")})
    damage: list[Damage] = []
    verified: dict[str, tuple[Path, str | None]] = {}
    for name, (path, info) in expected.items():
        piece = "query model" if name == "model" else _piece_of(name.split(":", 1)[1])
        shown = str(path.relative_to(index_dir)) if path.is_relative_to(index_dir) else str(path)
        try:
            present = path.is_file()
        except PermissionError:
            present = True  # its folder cannot be searched: the probe below says so
        if not present:
            damage.append(Damage(piece, shown, "missing"))
            continue
        if _unreadable(path):
            damage.append(Damage(piece, shown, "cannot be read (permission denied)", "unreadable"))
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
        write_stamp(build_dir, verified)
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
            private = PrivateFolder(readers_dir(index_dir), "check-")
            store = index_dir / BUILDS / manifest["build_id"] / "chroma"
            copy_folder(store, private.path / "chroma")
            client = chroma_client(settings, private.path / "chroma")
            where = f"builds/{manifest['build_id']}/chroma"
        return _check_collection(client, name, where, manifest["counts"]["chunks"], vectors, chunk_ids, all_ids)
    except ChromaUnavailableError:
        raise
    except Exception as exc:  # chromadb's own error types for a store it cannot open
        return [Damage("Chroma store", f"builds/{manifest['build_id']}/chroma", f"cannot be opened ({short_error(exc)})")]
    finally:
        if client is not None:
            close_client(client)
        if private is not None:
            private.close()


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
    for start, end in batches(len(checked)):
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

    @property
    def unreadable(self) -> list[Damage]:
        """The pieces this process may not read: a permission problem, not damage."""
        return [d for d in self.damage if d.kind == "unreadable"]


def check_index(settings: Settings) -> CheckReport:
    """Verify every piece of the live build against the manifest; changes nothing."""
    index_dir = settings.resolved("index_dir")
    try:
        manifest = read_manifest(index_dir)
    except ManifestError as exc:
        return CheckReport(None, [Damage("manifest", MANIFEST, exc.problem)])
    from assistant.index.caches import cache_damage

    lease = take_lease(index_dir, manifest)
    try:
        damage = verify_files(index_dir, manifest, thorough=True)
        if any(d.kind == "unreadable" for d in damage):  # nothing more can be read: say so, blame nothing else
            return CheckReport(manifest["build_id"], damage, None, manifest.get("counts", {}))
        damage += cache_damage(index_dir, manifest)
        if not any(d.piece in ("Chroma store", "Chroma vector folder", "build folder") for d in damage):
            vectors, chunk_ids = None, None
            build_dir = index_dir / BUILDS / manifest["build_id"]
            if not any(d.piece in ("vectors", "chunks") for d in damage):
                vectors = np.load(build_dir / "vectors.npy", mmap_mode="r")
                chunk_ids = [row["id"] for row in read_jsonl(build_dir / "chunks.jsonl")]
            damage += verify_chroma(index_dir, manifest, settings, vectors, chunk_ids)
        if all(d.piece in ("passage vectors", "query model record") for d in damage):
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
        units = read_jsonl(build_dir / "units.jsonl")
        chunks = read_jsonl(build_dir / "chunks.jsonl")
        vectors = np.load(build_dir / "vectors.npy", mmap_mode="r")
    except (IndexCorruptError, OSError, ValueError) as exc:
        return [Damage("units", str(build_dir), short_error(exc))]
    counts = manifest["counts"]
    if len(units) != counts["examples"] + counts["sections"]:
        return [Damage("units", "units.jsonl", f"{len(units)} units, the manifest counts "
                                               f"{counts['examples'] + counts['sections']}")]
    if len(chunks) != counts["chunks"] or vectors.shape != (counts["chunks"], embed.DIMENSIONS):
        return [Damage("vectors", "vectors.npy", f"{vectors.shape[0]} vectors for {len(chunks)} chunks")]
    return []


def take_lease(index_dir: Path, manifest: dict[str, Any]) -> BuildLease | None:
    try:
        return BuildLease(index_dir / BUILDS / manifest["build_id"])
    except (LeaseLost, PermissionError):  # a build that cannot be leased is checked (and named) all the same
        return None
