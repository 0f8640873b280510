"""Ctrl-C during a build, in one process: the signal stops the embedding workers before their next text,
a Chroma call finishes before the build stops, and the switch is never stopped half-way.
(tests/slow/test_ctrl_c_build.py sends it to a real `assistant index`.)"""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest

from assistant.index import interrupt, read_manifest
from assistant.index.embed import OnnxEmbedder


def _ctrl_c_in(seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def test_ctrl_c_stops_the_embedding_workers_before_their_next_text(settings):
    index_dir = settings.resolved("index_dir")
    embedder = OnnxEmbedder(index_dir / read_manifest(index_dir)["embedding"]["onnx"], threads=1)
    embedder.warm_up()
    texts = [f"practice example number {n}: the person kept every appointment after week {n}" for n in range(2000)]
    out: list[np.ndarray] = []
    finished = []

    def embed():
        out.append(embedder.embed_many(texts, workers=2, report_every=1000))  # two workers, a thousand texts each

    with interrupt.stopping_on_ctrl_c():
        timer = _ctrl_c_in(0.5)
        started = time.monotonic()
        try:
            with pytest.raises(KeyboardInterrupt):
                embed()
            finished.append(time.monotonic())
        finally:
            timer.cancel()
    assert finished[0] - started < 2.0  # not the tens of seconds that 2,000 texts take
    assert not out


def test_a_chroma_call_finishes_before_the_build_stops():
    done = []
    with interrupt.stopping_on_ctrl_c():
        with pytest.raises(KeyboardInterrupt):
            with interrupt.deferred():
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.05)  # the handler has run: it only noted the Ctrl-C
                assert interrupt.requested()
                done.append("the call returned")
        assert done == ["the call returned"]
    assert not interrupt.requested()  # the next build starts afresh


def test_a_held_step_is_never_stopped():
    with interrupt.stopping_on_ctrl_c():
        with interrupt.held():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
        assert interrupt.requested()  # the build can see it, and skips what can wait (its clean-up)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_outside_the_main_thread_nothing_changes():
    seen = []

    def build():
        with interrupt.stopping_on_ctrl_c():
            seen.append(signal.getsignal(signal.SIGINT))

    thread = threading.Thread(target=build)
    thread.start()
    thread.join()
    assert seen == [signal.default_int_handler]


def test_ctrl_c_stops_compacting_a_store_and_sqlite_undoes_it(tmp_path):
    """Compacting a large store is one SQLite call of seconds: a Ctrl-C stops it, and the file is as it was."""
    import sqlite3

    from assistant.index.chroma import vacuum_if_worthwhile

    store = tmp_path / "chroma.sqlite3"
    with sqlite3.connect(store) as connection:
        connection.execute("CREATE TABLE t (x BLOB)")
        connection.executemany("INSERT INTO t VALUES (?)", ((os.urandom(2048),) for _ in range(40_000)))
        connection.execute("DELETE FROM t WHERE rowid % 2 = 0")  # half the pages free: worth compacting
    before = store.read_bytes()
    with interrupt.stopping_on_ctrl_c():
        timer = _ctrl_c_in(0.01)
        try:
            with pytest.raises(KeyboardInterrupt):
                vacuum_if_worthwhile(store)
        finally:
            timer.cancel()
    assert store.read_bytes() == before
    assert vacuum_if_worthwhile(store)  # and without a Ctrl-C it compacts
    assert store.stat().st_size < len(before) * 0.7
