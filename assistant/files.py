"""Writing files so that a reader never sees half of one (write beside, then rename into place), copying
folders, locks, and where prepared models are cached."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator


def model_cache() -> Path | None:
    """Where models prepared once are kept for every index and process on this machine (the exported query
    model, the unpacked language model): `ASSISTANT_MODEL_CACHE`, else `~/.cache/probation-practice-assistant/
    models`; None when switched off ("off")."""
    value = os.environ.get("ASSISTANT_MODEL_CACHE")
    if value is not None:
        return None if value.strip().lower() in ("", "off") else Path(value).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "probation-practice-assistant" / "models"


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A binary file to fill, which replaces `path` in one step when the block ends (a temporary file beside
    it, then a rename). If the block fails, `path` is left as it was and the temporary file is removed."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:6]}.tmp")
    try:
        with open(tmp, "wb") as out:
            yield out
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step."""
    with atomic_file(path) as out:
        out.write(text.encode("utf-8"))


def copy_folder(source: Path, target: Path) -> Path:
    """Copy the folder `source` to `target` (which must not exist), as shutil.copytree does, except that
    the first failure is raised as it is, with its errno and path.

    copytree gathers failures into one shutil.Error with no errno, so a full device ("No space left
    on device" inside its message) read as an unknown error naming no file.
    """
    target.mkdir(parents=True)
    for entry in os.scandir(source):
        if entry.is_dir():
            copy_folder(Path(entry.path), target / entry.name)
        else:
            shutil.copy2(entry.path, target / entry.name)
    shutil.copystat(source, target)
    return target


def write_json_atomic(path: Path, data: Any) -> None:
    """Replace `path` with `data` as indented JSON, in one step."""
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False))


def wait_for_lock(fd: int, timeout: float | None, busy: Callable[[str], Exception], waiting: Callable[[], str],
                  on_wait: Callable[[str], None] | None = None, poll: float = 0.2) -> None:
    """Take an exclusive flock on `fd`, waiting up to `timeout` seconds (None: for ever; 0: not at all).

    While it waits, `on_wait` is told once (`waiting()` says who holds it); past the timeout `fd` is
    closed and `busy(hint)` raised, the hint saying what to do. An error other than "held by another"
    closes `fd` and is raised as it is."""
    started = time.monotonic()
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                os.close(fd)
                raise
        waited = time.monotonic() - started
        if timeout is not None and waited >= timeout:
            os.close(fd)
            raise busy("wait for it to finish, or run again with --wait SECONDS" if timeout == 0 else
                       f"it is still running after {waited:.0f} s; wait for it, or run again later")
        if not told and on_wait:
            on_wait(waiting())
            told = True
        time.sleep(poll)


def read_lock_note(path: Path) -> dict[str, Any]:
    """The JSON note a lock's holder wrote in its lock file (pid, command, started), or {} when there is
    none or it cannot be read."""
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}
