"""Chroma: clients (embedded or a server), adding chunks in batches, a build's own local store."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from assistant.config import Settings
from assistant.errors import (ChromaUnavailableError)
from assistant.index.interrupt import deferred, requested
from assistant.files import copy_folder
from assistant.types import Progress


CHROMA_BATCH = 5000  # ids per Chroma call: far below the store's limit of 32,764 SQL variables
# ids per call that writes (add, delete): each call runs to its end before a Ctrl-C can stop the build, and
# one of this size takes under half a second on two busy cores, while smaller ones cost more in all
# (1,347 chunks: 0.9-1.2 s in one call, 1.2 s in calls of 512, 1.6-2.5 s in calls of 256)
WRITE_BATCH = 512
VACUUM_FREE_SHARE = 0.2  # compact a Chroma sqlite file when this share of its pages is free


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


def chroma_client_local(path: Path):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))


def close_client(client) -> None:
    close = getattr(client, "close", None)
    if close:
        try:
            close()
        except Exception:  # closing a client that failed half-way: nothing more to release
            pass


def chroma_location(settings: Settings) -> dict[str, Any]:
    if settings.chroma_mode == "server":
        return {"mode": "server", "host": settings.chroma_host, "port": settings.chroma_port}
    return {"mode": "local"}


def batches(n: int, most: int | None = None) -> Iterable[tuple[int, int]]:
    size = min(CHROMA_BATCH, most or CHROMA_BATCH)  # read at call time: tests lower it
    for start in range(0, n, size):
        yield start, min(n, start + size)


def add_chunks(collection, ids: list[str], vectors: np.ndarray, metadatas: list[dict], progress: Progress,
                stage: str, done: int = 0, total: int | None = None) -> int:
    total = total if total is not None else len(ids)
    for start, end in batches(len(ids), WRITE_BATCH):
        with deferred():
            collection.add(ids=ids[start:end], embeddings=np.asarray(vectors[start:end]),
                           metadatas=metadatas[start:end])
        done += end - start
        progress(stage, done, total)
    return done


def vacuum_if_worthwhile(sqlite_file: Path) -> bool:
    """VACUUM a Chroma sqlite file when enough of it is free pages (after deletions)."""
    import sqlite3

    if not sqlite_file.exists():
        return False
    with deferred(), sqlite3.connect(sqlite_file) as connection:
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        free = connection.execute("PRAGMA freelist_count").fetchone()[0]
        if pages and free / pages >= VACUUM_FREE_SHARE:
            # a large store takes seconds to compact, in one call: a Ctrl-C stops it (SQLite undoes it)
            connection.set_progress_handler(lambda: int(requested()), 10_000)
            try:
                connection.execute("VACUUM")
            except sqlite3.OperationalError:
                if requested():
                    raise KeyboardInterrupt from None
                raise
            return True
    return False


def local_store(path: Path, previous_dir: Path | None, previous: dict[str, Any] | None,
                 previous_rows: list[dict] | None, name: str, ids: list[str], vectors: np.ndarray,
                 metadatas: list[dict], report: Progress):
    """This build's Chroma store: the previous one copied, then only changed chunks replaced; or a new one.

    Returns (client, copied, share of the store replaced since it was last made fresh).
    """
    if previous_dir is not None and (previous_dir / "chroma").is_dir():
        copy_folder(previous_dir / "chroma", path)
        with deferred():
            client = chroma_client_local(path)
        try:
            with deferred():
                collection = client.get_collection(previous["chroma"]["collection"], embedding_function=None)
                collection.modify(name=name)
            old_ids = [row["id"] for row in previous_rows or []]
            wanted = set(ids)
            gone = [i for i in old_ids if i not in wanted]
            have = set(old_ids)
            new_rows = [r for r, i in enumerate(ids) if i not in have]
            total = len(gone) + len(new_rows)
            report("store", 0, total)
            for start, end in batches(len(gone), WRITE_BATCH):
                with deferred():
                    collection.delete(ids=gone[start:end])
                report("store", end, total)
            if new_rows:
                add_chunks(collection, [ids[r] for r in new_rows], vectors[new_rows],
                            [metadatas[r] for r in new_rows], report, "store", done=len(gone), total=total)
            share = previous.get("store", {}).get("replaced_share", 0.0) + len(gone) / max(1, len(ids))
            with deferred():
                complete = collection.count() == len(ids)
            if complete:
                return client, True, share
        except Exception:  # the copy cannot be used: make the store fresh instead
            pass
        except BaseException:  # Ctrl-C: the build is abandoned, its store with it
            close_client(client)
            raise
        close_client(client)
        shutil.rmtree(path, ignore_errors=True)
    with deferred():
        client = chroma_client_local(path)
        collection = client.create_collection(name, embedding_function=None, metadata={"hnsw:space": "cosine"})
    try:
        report("store", 0, len(ids))
        add_chunks(collection, ids, vectors, metadatas, report, "store")
    except BaseException:
        close_client(client)
        raise
    return client, False, 0.0
