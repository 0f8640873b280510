"""The corpus lock: one writer at a time in a corpus folder — `assistant add`, `assistant remove`, and
`assistant index` while it reads the corpus.

An exclusive `flock` on ``corpus/.lock`` (a hidden file: not part of the corpus or its hash). The file
holds the holder's command, pid and start time, for the line a second writer prints while it waits
("Waiting for `assistant add` (pid 1234, started …) to finish…") or when it gives up. The kernel frees
the lock when its process ends, so a writer that was killed never leaves the corpus locked.

A writer that was killed may leave its staging folder (``documents/.adding-*``) behind. Whoever takes
the lock next removes it: while the lock is held no other writer is alive to own one.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import socket
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from assistant.errors import IndexBusyError, storage_error
from assistant.files import read_lock_note, wait_for_lock

LOCK_FILE = ".lock"
STAGING_PREFIX = ".adding-"


class CorpusBusyError(IndexBusyError):
    """Another writer holds the corpus lock (exit status 75: try again later)."""


class CorpusLock:
    """`with CorpusLock(corpus_dir, "add").held(timeout, on_wait) as lock: ...`; `lock.cleaned` lists the staging
    folders of killed writers it removed.

    `timeout` is how long to wait for another writer (0: not at all; None: as long as it takes). A corpus
    folder this process may not write is read without the lock by `index` (`writes=False`): nobody can
    change it through us.
    """

    def __init__(self, corpus_dir: Path, command: str, writes: bool = True):
        self.corpus_dir = Path(corpus_dir)
        self.path = self.corpus_dir / LOCK_FILE
        self.command = command
        self.writes = writes
        self.cleaned: list[str] = []
        self._fd: int | None = None

    def holder(self) -> str:
        """Who holds the lock, as words for a message."""
        info = read_lock_note(self.path)
        if not info.get("pid"):
            return "another `assistant` command"
        return f"`assistant {info.get('command', '?')}` (pid {info.get('pid')}, started {info.get('started', '?')})"

    def acquire(self, timeout: float | None = None, on_wait: Callable[[str], None] | None = None,
                poll: float = 0.2) -> "CorpusLock":
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            if not self.writes and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                return self  # a corpus we may not write: read it as it is
            raise storage_error(exc, "lock the corpus at") from None
        try:
            wait_for_lock(fd, timeout, lambda hint: CorpusBusyError(
                f"{self.holder()} is changing the corpus in {self.corpus_dir}; {hint}"),
                lambda: f"Waiting for {self.holder()} to finish with the corpus…", on_wait, poll)
        except OSError as exc:
            raise storage_error(exc, "lock the corpus at") from None
        note = json.dumps({"command": self.command, "pid": os.getpid(), "host": socket.gethostname(),
                           "started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")})
        os.ftruncate(fd, 0)
        os.pwrite(fd, note.encode(), 0)
        self._fd = fd
        self.cleaned = remove_staging_folders(self.corpus_dir)
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def held(self, timeout: float | None = None, on_wait: Callable[[str], None] | None = None) -> "CorpusLock":
        return self.acquire(timeout, on_wait)

    def __enter__(self) -> "CorpusLock":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def remove_staging_folders(corpus_dir: Path) -> list[str]:
    """Remove the staging folders (`documents/.adding-*`) that killed writers left; returns what was removed.

    Call only while holding the corpus lock: then no living writer owns one.
    """
    documents = Path(corpus_dir) / "documents"
    removed = []
    try:
        leftovers = sorted(p for p in documents.iterdir() if p.name.startswith(STAGING_PREFIX) and p.is_dir())
    except OSError:
        return removed
    for folder in leftovers:
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed.append(f"removed {folder.name}/, left in {documents} by an `assistant add` that was stopped")
    return removed
