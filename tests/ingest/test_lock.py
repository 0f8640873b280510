"""The corpus lock, shared by add, remove and index: one writer at a time, a second waits or names the holder,
and what a killed add left behind is cleaned by the next writer.

Two adds at once used to both report success with only one file left, and two adds with the same id both
exited 0. flock locks belong to an open file, so two threads of one process contend exactly as two
processes do; the CLI case runs the real command in another process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time

import pytest

from assistant.api import add_publication, remove_publication
from assistant.config import load_settings
from assistant.errors import AssistantError
from assistant.ingest.lock import CorpusBusyError, CorpusLock
from conftest import ROOT, copy_corpus, run_cli

pytestmark = pytest.mark.slow  # adds parse in a worker process, and one test runs the CLI

FIXTURES = ROOT / "tests" / "fixtures" / "publications"
EASTMOOR = FIXTURES / "spotlight-eastmoor-2024.txt"
YOUTH = FIXTURES / "youth-justice-guide-2025.md"


@pytest.fixture
def settings_(tmp_path):
    copy_corpus(tmp_path / "corpus")
    return load_settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")


def _documents(settings) -> list[str]:
    return sorted(p.name for p in (settings.resolved("corpus_dir") / "documents").iterdir())


def _at_once(*calls) -> list[object]:
    """Run the calls in threads, released together; each result or the error it raised."""
    results: list[object] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(n: int) -> None:
        start.wait()
        try:
            results[n] = calls[n]()
        except AssistantError as exc:
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.parametrize("same", ["file", "id"])
def test_two_adds_of_the_same_document_cannot_both_succeed(settings_, tmp_path, same):
    other = tmp_path / "copy-of-eastmoor.txt"
    shutil.copyfile(EASTMOOR, other)
    second = EASTMOOR if same == "file" else other
    results = _at_once(lambda: add_publication(settings_, str(EASTMOOR), doc_id="eastmoor"),
                       lambda: add_publication(settings_, str(second), doc_id="eastmoor"))
    errors = [r for r in results if isinstance(r, AssistantError)]
    assert len(errors) == 1, results
    assert "already in the corpus" in str(errors[0]) and "\n" not in str(errors[0])
    added = [r for r in results if not isinstance(r, AssistantError)]
    assert _documents(settings_).count(added[0].file) == 1
    assert len([n for n in _documents(settings_) if n.endswith(".meta.json")]) == 3  # two before, one added


def test_two_different_adds_at_once_both_land(settings_):
    results = _at_once(lambda: add_publication(settings_, str(EASTMOOR)), lambda: add_publication(settings_, str(YOUTH)))
    assert not any(isinstance(r, AssistantError) for r in results), results
    assert {"spotlight-eastmoor-2024.txt", "youth-justice-guide-2025.md"} <= set(_documents(settings_))


def test_a_second_writer_waits_or_names_the_holder(settings_):
    corpus = settings_.resolved("corpus_dir")
    holder = CorpusLock(corpus, "index").held()
    try:
        with pytest.raises(CorpusBusyError) as busy:
            add_publication(settings_, str(EASTMOOR), lock_timeout=0)
        message = str(busy.value)
        assert message.startswith(f"`assistant index` (pid {os.getpid()}, started ") and "\n" not in message
        assert message.endswith("is changing the corpus in " + str(corpus) + "; wait for it to finish, or run again "
                                "with --wait SECONDS")
        with pytest.raises(CorpusBusyError):
            remove_publication(settings_, "standards", lock_timeout=0)
        heard: list[str] = []
        threading.Timer(0.5, holder.release).start()
        added = add_publication(settings_, str(EASTMOOR), lock_timeout=30, on_note=heard.append)
        assert added.file == "spotlight-eastmoor-2024.txt"
        assert heard[0].startswith("Waiting for `assistant index` (pid")
    finally:
        holder.release()


def test_a_killed_adds_staging_folder_is_cleaned_by_the_next_writer(settings_):
    documents = settings_.resolved("corpus_dir") / "documents"
    left = documents / ".adding-k1ll3d"
    left.mkdir()
    (left / "half-downloaded.pdf").write_bytes(b"%PDF-1.4 half")
    heard: list[str] = []
    remove_publication(settings_, "standards", on_note=heard.append)
    assert not left.exists()
    assert heard == [f"Cleaned up: removed .adding-k1ll3d/, left in {documents} by an `assistant add` that was stopped"]


def test_a_real_add_killed_mid_download_is_cleaned_by_the_next_add(settings_, tmp_path):
    """A real `assistant add` killed with SIGKILL while its download trickles; the next add cleans its folder."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def trickle() -> None:
        conn, _ = listener.accept()
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n")
        try:
            for _ in range(600):
                conn.sendall(b"x")
                time.sleep(0.1)
        except OSError:
            pass

    threading.Thread(target=trickle, daemon=True).start()
    env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(settings_.corpus_dir), "ASSISTANT_INDEX_DIR": str(settings_.index_dir)}
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/slow.txt"
    child = subprocess.Popen([sys.executable, "-m", "assistant", "add", url], env=env, cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    documents = settings_.resolved("corpus_dir") / "documents"
    deadline = time.monotonic() + 60
    while not list(documents.glob(".adding-*")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(documents.glob(".adding-*")), "the add never started staging"
    child.kill()
    child.wait()
    listener.close()
    assert list(documents.glob(".adding-*"))  # left behind by the killed add
    heard: list[str] = []
    add_publication(settings_, str(EASTMOOR), on_note=heard.append)
    assert list(documents.glob(".adding-*")) == []
    assert any(line.startswith("Cleaned up: removed .adding-") for line in heard)


def test_the_cli_no_wait_names_the_holder_in_one_line(settings_):
    holder = CorpusLock(settings_.resolved("corpus_dir"), "remove").held()
    try:
        env = {"ASSISTANT_CORPUS_DIR": str(settings_.corpus_dir), "ASSISTANT_INDEX_DIR": str(settings_.index_dir)}
        result = run_cli("add", str(EASTMOOR), "--no-wait", env=env)
    finally:
        holder.release()
    assert result.returncode == 75, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: `assistant remove` (pid ") and "is changing the corpus" in line
    assert "spotlight-eastmoor-2024.txt" not in _documents(settings_)


def test_index_waits_for_a_writer_or_names_it(settings_):
    from assistant.index import build_index

    holder = CorpusLock(settings_.resolved("corpus_dir"), "add").held()
    try:
        with pytest.raises(CorpusBusyError, match=r"^`assistant add` \(pid \d+, started .*\) is changing the corpus"):
            build_index(settings_, lock_timeout=0)
    finally:
        holder.release()
    assert not (settings_.resolved("index_dir") / "manifest.json").exists()  # nothing was built meanwhile
