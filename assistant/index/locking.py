"""Coordination between processes that share one index folder.

- `IndexLock`: one `assistant index` at a time. An exclusive `flock` on ``index/.lock``; the
  file holds the holder's pid and start time, for the message a second build shows.
- `BuildLease`: a shared `flock` on ``builds/<id>/.lease``, held by every process that reads
  that build (a server, a search, a check). A builder removes an old build only if it can take
  the lease exclusively, i.e. when no process uses it any more.
- `PrivateFolder`: a folder of this process's own (for its copy of a build's Chroma store),
  marked by an exclusive `flock` so that a clean-up can tell a live owner from a dead one.

The stale-lock rule is the kernel's: a `flock` dies with its process, so a lock or lease left
behind by a process that was killed is free at once; no pid guessing, no timeouts. The pid in
``index/.lock`` outlives a killed build only as a note ("build 1234 was interrupted").
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import socket
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from assistant.errors import IndexBusyError
from assistant.files import read_lock_note, wait_for_lock

LOCK_FILE = ".lock"
LEASE_FILE = ".lease"


def _open(path: Path, flags: int = os.O_RDWR | os.O_CREAT) -> int:
    return os.open(path, flags | os.O_CLOEXEC, 0o644)


def _try_flock(fd: int, mode: int) -> bool:
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
        return True
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            return False
        raise


class IndexLock:
    """The build lock of one index folder: `with IndexLock(dir).held(timeout, on_wait): ...`.

    `timeout` is how long to wait for another build to finish (0: do not wait; None: wait as
    long as it takes). `on_wait(message)` is called once when waiting starts. After `acquire`,
    `interrupted` holds the note of a previous holder that never released the lock (it was
    killed), or None.
    """

    def __init__(self, index_dir: Path):
        self.path = Path(index_dir) / LOCK_FILE
        self._fd: int | None = None
        self.interrupted: str | None = None

    def holder(self) -> str:
        """Who holds (or last held) the lock, as words for a message."""
        info = read_lock_note(self.path)
        if not info:
            return "another `assistant index`"
        return f"another `assistant index` (pid {info.get('pid')}, started {info.get('started', '?')})"

    def acquire(self, timeout: float | None = None, on_wait: Callable[[str], None] | None = None,
                poll: float = 0.2) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = _open(self.path)
        wait_for_lock(fd, timeout, lambda hint: IndexBusyError(f"{self.holder()} is building this index; {hint}"),
                      lambda: f"Waiting for {self.holder()} to finish…", on_wait, poll)
        previous = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
        if previous:
            try:
                self.interrupted = f"a previous build (pid {json.loads(previous).get('pid')}) was interrupted"
            except ValueError:
                self.interrupted = "a previous build was interrupted"
        note = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                           "started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")})
        os.ftruncate(fd, 0)
        os.pwrite(fd, note.encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)  # a clean release leaves no note; a killed build leaves its pid
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def try_acquire(self) -> bool:
        """Take the lock only if nobody holds it (for opportunistic clean-up)."""
        try:
            self.acquire(timeout=0)
        except IndexBusyError:
            return False
        return True

    def __enter__(self) -> "IndexLock":
        if self._fd is None:
            self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


class LeaseLost(Exception):
    """The build was retired between reading the manifest and taking the lease: read it again."""


class BuildLease:
    """A shared lock on one build folder, held while this process reads that build."""

    def __init__(self, build_dir: Path):
        self.build_dir = Path(build_dir)
        path = self.build_dir / LEASE_FILE
        try:
            fd = _open(path, os.O_RDONLY)
        except FileNotFoundError:
            raise LeaseLost(str(self.build_dir)) from None
        fcntl.flock(fd, fcntl.LOCK_SH)  # a builder holds it exclusively only while it renames the folder away
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if not same:
            os.close(fd)
            raise LeaseLost(str(self.build_dir))
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the last descriptor drops the flock
            self._fd = None


def create_lease_file(build_dir: Path) -> None:
    (Path(build_dir) / LEASE_FILE).touch()


def retire_build(build_dir: Path, trash_dir: Path) -> bool:
    """Remove a build folder if no process holds a lease on it; True when it was removed."""
    build_dir = Path(build_dir)
    lease = build_dir / LEASE_FILE
    try:
        fd = _open(lease, os.O_RDONLY)
    except FileNotFoundError:
        fd = None  # a folder without a lease was never opened by a reader
    try:
        if fd is not None and not _try_flock(fd, fcntl.LOCK_EX):
            return False
        trash_dir.mkdir(parents=True, exist_ok=True)
        target = trash_dir / f"{build_dir.name}.{uuid.uuid4().hex[:8]}"
        try:
            os.rename(build_dir, target)  # atomic: a reader now finds the folder gone and retries
        except FileNotFoundError:
            return True
    finally:
        if fd is not None:
            os.close(fd)
    shutil.rmtree(target, ignore_errors=True)
    try:
        trash_dir.rmdir()  # only when empty: another retirement may be under way
    except OSError:
        pass
    return True


class PrivateFolder:
    """A folder owned by this process, under `parent`, removed by `close()` or by a later sweep."""

    def __init__(self, parent: Path, prefix: str):
        parent = Path(parent)
        parent.mkdir(parents=True, exist_ok=True)
        self.path = parent / f"{prefix}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.path.mkdir()
        self._fd: int | None = _open(self.path / LOCK_FILE)
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def close(self) -> None:
        if self._fd is None:
            return
        shutil.rmtree(self.path, ignore_errors=True)
        os.close(self._fd)
        self._fd = None


def sweep_private_folders(parent: Path) -> list[Path]:
    """Remove the private folders under `parent` whose owner process has ended; returns them."""
    removed = []
    parent = Path(parent)
    if not parent.is_dir():
        return removed
    for folder in parent.iterdir():
        if not folder.is_dir():
            continue
        try:
            fd = _open(folder / LOCK_FILE)
        except OSError:
            continue
        try:
            if not _try_flock(fd, fcntl.LOCK_EX):
                continue  # its owner is alive
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        finally:
            os.close(fd)
    return removed
