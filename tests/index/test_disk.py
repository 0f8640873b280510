"""Disk hygiene: leftovers of killed readers, temporary folders of downloads, compacted sqlite."""

from __future__ import annotations

import pytest

import os
import shutil
import signal
import sqlite3
import subprocess
import sys


from assistant.config import load_settings
from assistant.index.chroma import vacuum_if_worthwhile as _vacuum_if_worthwhile
from assistant.index import build_index
from conftest import ROOT


@pytest.mark.slow
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
