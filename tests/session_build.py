"""The session's one real index of the real corpus, built into a folder that every test worker copies.

`make test` runs the suite in several workers (pytest-xdist). Their controller starts this file as a
process at the start of the run (`python tests/session_build.py FOLDER`), so the build runs while the
workers take the test files that need no index (conftest orders those first). The `built` fixture of
each worker waits for the outcome (`wait_for`) and copies the corpus and index; in one process the
fixture builds in place (`build`). The environment is the test session's: conftest sets HOME,
ASSISTANT_HOME and the model cache before either runs.
"""

from __future__ import annotations

import pickle
import shutil
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DONE = "report.pickle"  # the BuildReport, written last and atomically
FAILED = "failed.txt"  # why the build failed: the workers fail their tests with it


def copy_corpus(target: Path) -> Path:
    """A copy of the checkout's corpus at `target` (a folder that does not exist yet)."""
    shutil.copytree(ROOT / "corpus", target)
    return target


def build(folder: Path):
    """Copy the corpus into `folder` and build its index there; the BuildReport, also kept in DONE."""
    from assistant.config import load_settings
    from assistant.index import build_index

    from assistant.files import atomic_file

    report = build_index(load_settings(corpus_dir=copy_corpus(folder / "corpus"), index_dir=folder / "index"))
    with atomic_file(folder / DONE) as out:
        pickle.dump(report, out)
    return report


def wait_for(folder: Path, pid: int, timeout: float = 900.0):
    """The report of the build that process `pid` runs in `folder`, once it is done; RuntimeError with the
    reason if it failed, died or did not finish in `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (folder / DONE).exists():
            return pickle.loads((folder / DONE).read_bytes())
        if (folder / FAILED).exists():
            raise RuntimeError("the session's index build failed:\n" + (folder / FAILED).read_text(encoding="utf-8"))
        if not _running(pid) and not (folder / DONE).exists():
            log = (folder / "build.log").read_text(encoding="utf-8", errors="replace")[-3000:]
            raise RuntimeError(f"the session's index build (process {pid}) ended without a result:\n{log}")
        time.sleep(0.2)
    raise RuntimeError(f"the session's index build in {folder} did not finish in {timeout:.0f} s; see {folder}/build.log")


def _running(pid: int) -> bool:
    """Whether process `pid` still runs (not gone, not a zombie that its parent has yet to reap)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


if __name__ == "__main__":
    target = Path(sys.argv[1])
    try:
        build(target)
    except BaseException:  # the workers wait for one file or the other
        (target / FAILED).write_text(traceback.format_exc(), encoding="utf-8")
        raise
