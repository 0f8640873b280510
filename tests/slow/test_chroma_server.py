"""Retrieval against a real Chroma server, started and stopped by the test."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.api import Assistant
from assistant.config import load_settings
from assistant.errors import ChromaUnavailableError
from assistant.index import build_index, read_manifest
from conftest import free_port

CHROMA = Path(sys.executable).with_name("chroma")


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    data = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    log = (data / "server.log").open("w")
    process = subprocess.Popen([str(CHROMA), "run", "--path", str(data / "db"), "--host", "127.0.0.1",
                                "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"chroma run exited: {(data / 'server.log').read_text()}")
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("chroma server did not start within 60 s")
    yield port
    process.terminate()
    process.wait(timeout=20)
    log.close()


@pytest.fixture(scope="module")
def server_settings(chroma_server, settings, tmp_path_factory):
    base = tmp_path_factory.mktemp("server-index")
    shutil.copytree(settings.resolved("corpus_dir"), base / "corpus")
    # the query model is a property of the embedding model, not the store: reuse it
    shutil.copytree(settings.resolved("index_dir") / "onnx", base / "index" / "onnx")
    return load_settings(environ={"ASSISTANT_CHROMA_HOST": "127.0.0.1", "ASSISTANT_CHROMA_PORT": str(chroma_server)},
                         corpus_dir=base / "corpus", index_dir=base / "index")


def test_build_and_search_on_a_chroma_server(server_settings, assistant):
    report = build_index(server_settings)
    assert report.examples == 21 and report.embedded == report.chunks
    manifest = read_manifest(server_settings.resolved("index_dir"))
    assert manifest["chroma"]["mode"] == "server" and manifest["chroma"]["port"] == server_settings.chroma_port
    assert not (server_settings.resolved("index_dir") / "chroma").exists()

    remote = Assistant(server_settings).warm_up()
    for question in ("ex-forces lad with PTSD", "pregnant woman on unpaid work", "he keeps getting sectioned"):
        remote_ids = [h.id for h in remote.search(question, k=5)]
        local_ids = [h.id for h in assistant.search(question, k=5)]
        assert remote_ids == local_ids

    again = build_index(server_settings)
    assert again.up_to_date


def test_local_settings_refuse_a_server_index(server_settings):
    local = load_settings(corpus_dir=server_settings.corpus_dir, index_dir=server_settings.index_dir)
    from assistant.errors import IndexStaleError

    with pytest.raises(IndexStaleError, match="Chroma server"):
        Assistant(local)


def test_unreachable_server_gives_a_hint(settings, tmp_path):
    port = free_port()
    unreachable = load_settings(environ={"ASSISTANT_CHROMA_HOST": "127.0.0.1", "ASSISTANT_CHROMA_PORT": str(port)},
                                corpus_dir=settings.corpus_dir, index_dir=tmp_path / "index")
    with pytest.raises(ChromaUnavailableError, match="cannot reach the Chroma server.*chroma run"):
        build_index(unreachable)


def test_server_builds_replace_their_collection_and_leave_other_indexes_alone(server_settings):
    from assistant.index.manifest import index_uid as _index_uid
    from assistant.index import chroma_client

    index_dir = server_settings.resolved("index_dir")
    if not (index_dir / "manifest.json").exists():
        build_index(server_settings)
    client = chroma_client(server_settings)
    uid = _index_uid(index_dir)
    leftover = client.create_collection(f"ppa-{uid}-20000101000000-deadbeef-0000", embedding_function=None)
    leftover.add(ids=["x"], embeddings=[[0.1] * 384])  # as a killed build would leave it
    other = client.create_collection("ppa-otherteam-20000101000000-cafe-0000", embedding_function=None)
    doc = server_settings.resolved("corpus_dir") / "documents" / "hmip-inspection-standards.md"
    doc.write_text(doc.read_text(encoding="utf-8") + "\nA line for the server test.\n", encoding="utf-8")
    report = build_index(server_settings)
    assert not report.up_to_date and 1 <= report.embedded <= 2  # vectors reused from the previous build
    names = sorted(c.name for c in client.list_collections())
    ours = [n for n in names if n.startswith(f"ppa-{uid}-")]
    assert ours == [read_manifest(index_dir)["chroma"]["collection"]]  # the old build's and the leftover are gone
    assert other.name in names  # another index's collection on the same server is never touched
    client.delete_collection(other.name)
    from assistant.index import check_index

    assert check_index(server_settings).ok
