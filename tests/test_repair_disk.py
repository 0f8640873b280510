"""Disk hygiene: leftovers of killed readers, temporary folders of downloads, compacted sqlite."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time


from assistant.config import load_settings
from assistant.index import _vacuum_if_worthwhile, build_index
from assistant.scratch import ScratchSpace
from conftest import ROOT


def test_scratch_folders_are_removed_with_their_block_and_at_exit(tmp_path):
    space = ScratchSpace(tmp_path / "scratch")
    with space.folder("eval") as folder:
        (folder / "report.html").write_text("x")
        assert folder.is_dir() and folder.name.startswith("eval-")
    assert not folder.exists()
    kept = space.new("session-pack")
    assert kept.is_dir()
    space.remove_own()
    assert not kept.exists()


def test_folders_of_an_ended_process_and_old_folders_are_swept(tmp_path):
    root = tmp_path / "scratch"
    code = ("import os, sys; from assistant.scratch import ScratchSpace\n"
            f"f = ScratchSpace({str(root)!r}).new('session-pack'); (f / 'pack.md').write_text('x')\n"
            "print(f); sys.stdout.flush(); os._exit(0)  # no clean-up, as after a kill\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    orphan = root / os.path.basename(done.stdout.strip())
    assert orphan.is_dir()
    space = ScratchSpace(root, max_age=3600)
    mine_old = space.new("eval")
    os.utime(mine_old, (time.time() - 7200, time.time() - 7200))
    fresh = space.new("eval")  # making a folder sweeps the others
    assert not orphan.exists() and not mine_old.exists() and fresh.is_dir()
    assert not list(root.glob(".owner-*[!0-9]"))


def test_a_killed_reader_leaves_a_store_copy_that_the_next_build_removes(settings, tmp_path):
    shutil.copytree(settings.resolved("corpus_dir"), tmp_path / "corpus")
    shutil.copytree(settings.resolved("index_dir"), tmp_path / "index")
    copy = load_settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(copy.corpus_dir), "ASSISTANT_INDEX_DIR": str(copy.index_dir)}
    code = ("import os, signal; from assistant.api import Assistant\n"
            "a = Assistant.load().warm_up(); a.search('risk')\n"
            "os.kill(os.getpid(), signal.SIGKILL)\n")
    killed = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL
    readers = copy.resolved("index_dir") / "readers"
    assert any(readers.iterdir())  # its private copy of the Chroma store was left behind
    report = build_index(copy)
    assert report.up_to_date and any("ended readers" in note for note in report.cleaned)
    assert not any(readers.iterdir())


def test_sqlite_is_compacted_only_when_worthwhile(tmp_path):
    db = tmp_path / "store.sqlite3"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE t (x TEXT)")
        connection.executemany("INSERT INTO t VALUES (?)", [("y" * 1000,) for _ in range(2000)])
    assert not _vacuum_if_worthwhile(db)  # nothing free: left alone
    with sqlite3.connect(db) as connection:
        connection.execute("DELETE FROM t WHERE rowid > 1000")  # a document's rows go together
    before = db.stat().st_size
    assert _vacuum_if_worthwhile(db)
    assert db.stat().st_size < before * 0.7
