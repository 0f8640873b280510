"""Disk hygiene: leftovers of killed readers, temporary folders of downloads, compacted sqlite."""

from __future__ import annotations

import pytest

import errno
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path


from assistant.index.chroma import vacuum_if_worthwhile as _vacuum_if_worthwhile
from assistant.index import build_index
from conftest import ROOT, private_copy, run_cli


@pytest.mark.slow
def test_a_killed_reader_leaves_a_store_copy_that_the_next_build_removes(settings, tmp_path):
    copy = private_copy(settings, tmp_path)
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


# --- a full device ----------------------------------------------------------------------------------


@pytest.fixture
def small_device(tmp_path):
    """mount(size) -> a folder on a tmpfs of that many KiB (remounted when called again); skipped where mounting
    is not allowed. A real full device: a write fails with ENOSPC wherever it happens, named or not."""
    point = tmp_path / "device"
    point.mkdir()
    mounted = []

    def mount(kib: int) -> Path:
        options = f"{'remount,' if mounted else ''}size={kib}k"
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)], capture_output=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a small device here: {done.stderr.decode(errors='replace').strip()}")
        mounted.append(kib)
        return point

    yield mount
    if mounted:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def _index_into(index: Path, corpus: Path) -> subprocess.CompletedProcess:
    return run_cli("index", env={"ASSISTANT_CORPUS_DIR": str(corpus), "ASSISTANT_INDEX_DIR": str(index)}, timeout=300)


def _one_full_device_line(result: subprocess.CompletedProcess, device: Path) -> str:
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.startswith("Error: ") and "the device is full; free some space" in line, line
    assert str(device) in line, f"the path is not named: {line}"
    return line


def _du_kib(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) // 1024


def _standards_only(settings, folder: Path) -> Path:
    """A corpus of the standards alone: every kind of file an index writes, at a tenth of the embedding work."""
    corpus = shutil.copytree(settings.resolved("corpus_dir"), folder / "corpus")
    for path in (corpus / "documents").iterdir():
        if not path.name.startswith("hmip-inspection-standards"):
            path.unlink()
    return corpus


@pytest.mark.slow
def test_an_index_on_a_full_device_is_one_line_and_leaves_nothing_half_written(settings, tmp_path, small_device):
    """An index path on a full device gave a traceback (or blamed a bug); wherever the build runs out of space
    (copying the model, writing passages.npz, the build's own files) it is now one line naming the path and
    what to do, nothing half-written is left to keep the device full, and once there is room it builds."""
    corpus = _standards_only(settings, tmp_path)
    reference = small_device(_du_kib(settings.resolved("index_dir")) + 64 * 1024)
    assert _index_into(reference / "index", corpus).returncode == 0
    built = reference / "index"
    model = _du_kib(built / "onnx")
    whole = _du_kib(built) - _du_kib(built / "cache") + 1024
    shutil.rmtree(built)  # (a tmpfs cannot shrink below what it holds)
    # the model does not fit; it fits and then vectors.npy, Chroma, the keyword index, passages.npz or the
    # build's own files do not (a mapped file used to end the process with SIGBUS, and Chroma blamed a bug)
    for kib in [512, *range(model + 128, whole, max(64, (whole - model) // 8))]:
        device = small_device(kib)
        shutil.rmtree(device / "index", ignore_errors=True)
        result = _index_into(device / "index", corpus)
        if result.returncode == 0:  # it fitted after all (tmpfs rounds to pages): nothing to check here
            continue
        _one_full_device_line(result, device)
        left = [p.name for p in device.rglob("*") if p.name.endswith(".tmp") or ".tmp" in p.name]
        assert left == [] and not list((device / "index" / "builds").glob("*")), left
        assert not (device / "index" / "manifest.json").exists()
    small_device(whole + 64 * 1024)
    assert _index_into(device / "index", corpus).returncode == 0


@pytest.mark.slow
def test_a_rebuild_on_a_full_device_keeps_the_last_good_build(settings, tmp_path, small_device):
    corpus = _standards_only(settings, tmp_path)
    device = small_device(_du_kib(settings.resolved("index_dir")) + 32 * 1024)
    first = _index_into(device / "index", corpus)
    assert first.returncode == 0, first.stderr
    manifest = (device / "index" / "manifest.json").read_bytes()
    free = shutil.disk_usage(device).free
    (device / "filler").write_bytes(b"\0" * max(0, free - 256 * 1024))
    doc = corpus / "documents" / "hmip-inspection-standards.md"
    doc.write_text(doc.read_text(encoding="utf-8") + "\n\nA paragraph added so that the index must be rebuilt.\n",
                   encoding="utf-8")
    _one_full_device_line(_index_into(device / "index", corpus), device)
    assert (device / "index" / "manifest.json").read_bytes() == manifest
    env = {"ASSISTANT_CORPUS_DIR": str(corpus), "ASSISTANT_INDEX_DIR": str(device / "index")}
    search = run_cli("search", "risk", "--json", env=env, timeout=300)
    assert search.returncode == 0 and "Traceback" not in search.stderr, search.stderr
    assert '"results"' in search.stdout  # the last good build answers (with a note that the corpus changed)


@pytest.mark.slow
def test_add_to_a_corpus_on_a_full_device_is_one_line_naming_the_corpus(settings, tmp_path, small_device):
    """`add` named the file it copied from ("cannot use guide.docx (No space left on device)"), not the full corpus."""
    source = settings.resolved("corpus_dir")
    device = small_device(_du_kib(source) + 64)
    corpus = shutil.copytree(source, device / "corpus")
    (device / "filler").write_bytes(b"\0" * max(0, shutil.disk_usage(device).free - 8 * 1024))
    before = sorted(p.name for p in (corpus / "documents").iterdir())
    env = {"ASSISTANT_CORPUS_DIR": str(corpus), "ASSISTANT_INDEX_DIR": str(tmp_path / "index")}
    added = run_cli("add", "--no-wait", str(ROOT / "tests" / "fixtures" / "publications" / "guide-community-orders-2024.docx"),
                    env=env, timeout=300)
    line = _one_full_device_line(added, device)
    assert str(corpus) in line and "fixtures" not in line, line
    assert sorted(p.name for p in (corpus / "documents").iterdir()) == before  # no .adding-* folder, nothing half-added


@pytest.mark.slow
def test_an_error_with_no_code_on_a_full_device_is_the_full_device(settings, tmp_path, monkeypatch):
    """A library's own OSError (no errno, no path) raised while the device had no room left was reported as an
    unknown failure of the build folder; it is the full device, and the line says so."""
    from assistant.errors import os_error_line
    from assistant.index import build as build_module

    copy = private_copy(settings, tmp_path)
    doc = copy.resolved("corpus_dir") / "documents" / "hmip-inspection-standards.md"
    doc.write_text(doc.read_text(encoding="utf-8") + "\n\nA paragraph added so that the index must be rebuilt.\n",
                   encoding="utf-8")
    before = (copy.resolved("index_dir") / "manifest.json").read_bytes()

    def keyword_index_fails(*args, **kwargs):
        raise OSError("write failed")

    monkeypatch.setattr(build_module, "build_keyword_index", keyword_index_fails)
    monkeypatch.setattr(build_module, "_device_full", lambda path, margin=0: True)
    with pytest.raises(OSError) as raised:
        build_index(copy)
    line = os_error_line(raised.value)  # the CLI's line
    assert raised.value.errno == errno.ENOSPC and "the device is full; free some space" in line and "write failed" in line
    assert (copy.resolved("index_dir") / "manifest.json").read_bytes() == before
    assert not [p for p in (copy.resolved("index_dir") / "builds").iterdir() if p.name.startswith(".tmp-")]
    monkeypatch.setattr(build_module, "_device_full", lambda path, margin=0: False)  # room again: as it was
    with pytest.raises(OSError) as raised:
        build_index(copy)
    assert raised.value.errno is None and "the device is full" not in os_error_line(raised.value)
