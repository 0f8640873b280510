"""Clean-up: what interrupted builds and finished readers leave behind."""

from __future__ import annotations

import json
import shutil
from pathlib import Path


from assistant.config import Settings
from assistant.errors import (ChromaUnavailableError, IndexCorruptError, IndexMissingError,
                              IndexStaleError)
from assistant.index.locking import (IndexLock, retire_build,
                                     sweep_private_folders)
from assistant.index.chroma import close_client, chroma_client
from assistant.index.manifest import BUILDS, CACHE, MANIFEST, build_folders, index_uid, readers_dir, read_manifest
from assistant.ingest.cache import ParseCache


def live_build_ids(index_dir: Path) -> set[str]:
    """The build the manifest (or, when it is damaged, the newest build copy) names."""
    try:
        return {read_manifest(index_dir)["build_id"]}
    except (IndexMissingError, IndexStaleError):
        return set()
    except IndexCorruptError:
        folders = build_folders(index_dir)
        return {folders[-1].name} if folders else set()


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
    swept = sweep_private_folders(readers_dir(index_dir))
    if swept:
        removed.append(f"{len(swept)} store copy(ies) of ended readers")
    legacy = index_dir / "chroma"
    if legacy.is_dir() and (builds / next(iter(keep), "-")).is_dir():
        shutil.rmtree(legacy, ignore_errors=True)
        removed.append("the format-1 Chroma store")
    surviving = [p for p in build_folders(index_dir)]
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
    prefix = f"ppa-{index_uid(index_dir)}-"
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
        close_client(client)
    return removed


def retire_unused_builds(settings: Settings) -> list[str]:
    """Remove old builds that no process uses any more, if no build is running (for servers)."""
    index_dir = settings.resolved("index_dir")
    lock = IndexLock(index_dir)
    if not lock.try_acquire():
        return []
    try:
        return clean_index_folder(index_dir, settings, keep=live_build_ids(index_dir))
    finally:
        lock.release()
