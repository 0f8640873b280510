"""Temporary folders that do not pile up: for session packs, evaluation reports, other downloads.

    from assistant.scratch import scratch
    folder = scratch().new("session-pack")   # a fresh folder; removed after max_age or when the process ends
    with scratch().folder("eval") as tmp:    # removed when the block ends
        ...

All folders live under one root (``<system temp>/ppa-scratch`` unless given), named
``<prefix>-<pid>-<random>``. Each process holds a lock on ``.owner-<pid>`` while it runs, so a
later sweep can tell its folders from those of a process that has ended (killed or crashed)
and removes the latter, and any folder older than `max_age`. A sweep runs whenever a folder is
made, and at exit a process removes its own.
"""

from __future__ import annotations

import atexit
import fcntl
import os
import shutil
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

DEFAULT_MAX_AGE = 3600.0  # seconds a folder may outlive its use (a download link stays valid this long)


class ScratchSpace:
    """Temporary folders under `root`, swept of leftovers every time a new one is made."""

    def __init__(self, root: Path | None = None, max_age: float = DEFAULT_MAX_AGE):
        self.root = Path(root) if root else Path(tempfile.gettempdir()) / "ppa-scratch"
        self.max_age = max_age
        self._owner_fd: int | None = None
        self._lock = threading.Lock()

    def _claim(self) -> None:
        if self._owner_fd is not None:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / f".owner-{os.getpid()}", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        self._owner_fd = fd
        atexit.register(self.remove_own)

    def new(self, prefix: str) -> Path:
        """A new empty folder, e.g. for the files of one download."""
        with self._lock:
            self._claim()
            self.sweep()
            folder = self.root / f"{_safe(prefix)}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            folder.mkdir()
            return folder

    @contextmanager
    def folder(self, prefix: str) -> Iterator[Path]:
        """A new folder, removed when the `with` block ends."""
        path = self.new(prefix)
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)

    def sweep(self) -> list[Path]:
        """Remove folders of processes that have ended, and folders older than `max_age`."""
        removed: list[Path] = []
        if not self.root.is_dir():
            return removed
        now = time.time()
        alive: dict[int, bool] = {}
        for path in self.root.iterdir():
            if path.name.startswith(".owner-"):
                pid = _pid(path.name.removeprefix(".owner-"))
                if pid is not None and pid != os.getpid() and not _owner_alive(path):
                    path.unlink(missing_ok=True)
                continue
            if not path.is_dir():
                continue
            parts = path.name.rsplit("-", 2)
            pid = _pid(parts[1]) if len(parts) == 3 else None
            if pid is None:
                continue
            if pid not in alive:
                alive[pid] = pid == os.getpid() or _owner_alive(self.root / f".owner-{pid}")
            try:
                old = now - path.stat().st_mtime > self.max_age
            except FileNotFoundError:
                continue
            if old or not alive[pid]:
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
        return removed

    def remove_own(self) -> None:
        """Remove this process's folders (registered to run at exit)."""
        if not self.root.is_dir():
            return
        for path in self.root.glob(f"*-{os.getpid()}-*"):
            shutil.rmtree(path, ignore_errors=True)


def _safe(prefix: str) -> str:
    cleaned = "".join(c if c.isalnum() else "_" for c in prefix)[:40]
    return cleaned or "tmp"


def _pid(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _owner_alive(lock_file: Path) -> bool:
    try:
        fd = os.open(lock_file, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True  # its process still holds the lock
    finally:
        os.close(fd)
    return False


_DEFAULT: ScratchSpace | None = None


def scratch() -> ScratchSpace:
    """The process's shared scratch space (under the system temp folder)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = ScratchSpace()
    return _DEFAULT
