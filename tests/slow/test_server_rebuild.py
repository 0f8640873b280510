"""Rebuild while serving, across processes: `assistant index` in one, `assistant serve` in another.

Under continuous /api/ask load, a new build is made; the server notices it, switches between
requests, answers from the new build, and no request fails. The old build's folder goes once
no request uses it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import httpx
import pytest

from assistant.api import Assistant
from assistant.index import build_index, read_manifest
from assistant.server import wait_until_healthy
from conftest import ASK_KEYS, ROOT, free_port, private_copy, run_cli

QUESTIONS = ["ex-forces lad with PTSD who drinks", "she's pregnant and has unpaid work hours to do",
             "how do I handle disclosure to a new partner?", "he keeps getting sectioned and won't engage"]
NEW_TEXT = ("and on contingency planning. Zebra crossings near the office were risk assessed with the "
            "person before each home visit.")


@pytest.fixture
def private(settings, tmp_path):
    return private_copy(settings, tmp_path)


def _change_corpus(settings) -> None:
    doc = settings.resolved("corpus_dir") / "documents" / "hmip-inspection-standards.md"
    doc.write_text(doc.read_text(encoding="utf-8").replace("and on contingency planning.", NEW_TEXT), encoding="utf-8")


def test_an_assistant_picks_up_a_new_build_between_calls(private):
    assistant = Assistant(private).warm_up()
    old = assistant.index
    old_build = old.build_id
    _change_corpus(private)
    report = build_index(private)
    assert (private.resolved("index_dir") / "builds" / old_build).is_dir()  # still in use: kept
    assert assistant.refresh() is True
    assert assistant.index.build_id == report.build_id
    hits = assistant.search("zebra crossings near the office", k=1)
    assert hits[0].id == "standards:section:keeping-other-people-safe"
    assert old.collection.count() == len(old.chunk_ids)  # a call holding the old build can still finish on it
    del old
    import gc

    gc.collect()
    assistant.live._retire_old()
    assert not (private.resolved("index_dir") / "builds" / old_build).exists()


@pytest.mark.slow
def test_rebuild_under_continuous_load_fails_no_request(private):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(private.corpus_dir), "ASSISTANT_INDEX_DIR": str(private.index_dir)}
    server = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    stop = threading.Event()
    outcomes: list[tuple[float, str | None]] = []
    lock = threading.Lock()

    def load() -> None:
        with httpx.Client() as client:
            n = 0
            while not stop.is_set():
                failure = None
                try:
                    response = client.post(f"{url}/api/ask", json={"question": QUESTIONS[n % len(QUESTIONS)]}, timeout=60)
                    if response.status_code != 200 or set(response.json()) != ASK_KEYS:
                        failure = f"{response.status_code}: {response.text[:300]}"
                except (httpx.HTTPError, ValueError) as exc:
                    failure = repr(exc)
                with lock:
                    outcomes.append((time.monotonic(), failure))
                n += 1

    try:
        assert wait_until_healthy(url, 120, alive=lambda: server.poll() is None), "the server did not start"
        old_build = httpx.get(f"{url}/healthz").json()["build_id"]
        threads = [threading.Thread(target=load) for _ in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(3)
        _change_corpus(private)
        indexed = run_cli("index", env=env, timeout=600)
        assert indexed.returncode == 0, indexed.stderr
        new_build = read_manifest(private.resolved("index_dir"))["build_id"]
        switched = time.monotonic()
        while httpx.get(f"{url}/healthz", timeout=10).json()["build_id"] != new_build:
            assert time.monotonic() - switched < 60, "the server did not switch to the new build"
            time.sleep(0.2)
        time.sleep(3)  # keep the load on after the switch
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        failures = [f for _, f in outcomes if f]
        assert not failures, failures[:3]
        assert len(outcomes) >= 20
        answer = httpx.post(f"{url}/api/ask", json={"question": "zebra crossings near the office"}, timeout=60).json()
        assert "standards:section:keeping-other-people-safe" in [c["id"] for c in answer["citations"]]
        # the old build is removed once no request uses it
        builds = private.resolved("index_dir") / "builds"
        waited = time.monotonic()
        while (builds / old_build).exists():
            httpx.get(f"{url}/healthz", timeout=10)  # requests are what give the server a moment to tidy up
            assert time.monotonic() - waited < 30, "the old build was never removed"
            time.sleep(0.5)
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=30)
    readers = private.resolved("index_dir") / "readers"
    assert not readers.exists() or not any(readers.iterdir())  # the server removed its store copies on exit
