"""A build killed with SIGKILL at every stage: the old index keeps serving, and after the next
`assistant index` nothing it left behind remains on disk (no unfinished build, no temporary
file, no second vector folder, no stale lock) and the index checks clean.

The build runs in its own process and kills itself from its progress callback, so the kill
lands exactly at the stage named (the callback is the build's public progress hook).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys

import pytest

from assistant.api import Assistant
from assistant.config import load_settings
from assistant.index import OpenIndex, build_index, check_index, read_manifest
from assistant.index.locking import IndexLock
from conftest import ROOT

KILLER = """
import os, signal, sys, threading
from assistant.config import load_settings
from assistant.index import build_index

stage, when, delay = sys.argv[1], sys.argv[2], float(sys.argv[3])

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def progress(name, done, total):
    if name != stage:
        return
    if when == "start" and done == 0:
        threading.Timer(delay, die).start() if delay else die()
    elif when == "during" and done >= 1:
        die()
    elif when == "end" and done >= total:
        die()

build_index(load_settings(), progress=progress)
print("finished without being killed")
"""


def _new_document(corpus) -> None:
    """A second spotlight under another id, so that every chunk of it is new to the store: the seed's opening
    sections and its last eight examples, "Far North" for "North East" (60 chunks to store, 19 texts to embed;
    the whole seed was 131 and 26, for the same stages)."""
    documents = corpus / "documents"
    source = documents / "effective-practice-spotlight-north-east-2025.txt"
    meta = json.loads(source.with_name(source.stem + ".meta.json").read_text(encoding="utf-8"))
    lines = source.read_text(encoding="utf-8").replace("North East", "Far North").splitlines()
    examples = [i for i, line in enumerate(lines) if line.startswith("Example of effectiveness")]
    kept = lines[:examples[0]] + lines[examples[-8]:]
    (documents / "second-spotlight.txt").write_text("\n".join(kept) + "\n", encoding="utf-8")
    (documents / "second-spotlight.meta.json").write_text(json.dumps({**meta, "id": "far-north", "region": "Far North"}))


@pytest.fixture
def copy(settings, tmp_path):
    shutil.copytree(settings.resolved("corpus_dir"), tmp_path / "corpus")
    shutil.copytree(settings.resolved("index_dir"), tmp_path / "index")
    _new_document(tmp_path / "corpus")
    return load_settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")


def _both_spotlights(settings) -> int:
    """How many examples the seed (21) and the second spotlight hold together."""
    second = (settings.resolved("corpus_dir") / "documents" / "second-spotlight.txt").read_text(encoding="utf-8")
    return 21 + sum(line.startswith("Example of effectiveness") for line in second.splitlines())


def _kill_at(settings, stage: str, when: str, delay: float = 0.0, **extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir), "ASSISTANT_INDEX_DIR": str(settings.index_dir),
           **extra}
    return subprocess.run([sys.executable, "-c", KILLER, stage, when, str(delay)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def assert_nothing_orphaned(settings) -> None:
    index_dir = settings.resolved("index_dir")
    manifest = read_manifest(index_dir)
    assert sorted(p.name for p in (index_dir / "builds").iterdir()) == [manifest["build_id"]]
    leftovers = [str(p.relative_to(index_dir)) for p in index_dir.rglob("*")
                 if p.name.endswith(".tmp") or p.name.startswith(".tmp-") or ".trash" in p.parts
                 or p.name == "reference.npy"]
    assert leftovers == []
    assert not (index_dir / "readers").exists() or not any((index_dir / "readers").iterdir())
    assert sorted(p.name for p in (index_dir / "onnx").iterdir()) == ["model-int8.onnx", "model.json"]
    assert {p.stem for p in (index_dir / "cache").iterdir()} == {d["cache"] for d in manifest["documents"]}
    lock = IndexLock(index_dir)
    assert lock.try_acquire()  # nobody holds it
    lock.release()
    report = check_index(settings)
    assert report.ok, report.damage  # also: no vector folder or file the manifest does not list


KILL_POINTS = [
    ("parse", "start"), ("parse", "during"), ("embed", "start"), ("embed", "during"), ("store", "start"),
    ("store", "end"), ("keyword index", "start"), ("write", "start"), ("switch", "start"), ("switch", "end"),
    ("clean up", "start"),
]


@pytest.mark.parametrize("stage, when", KILL_POINTS, ids=[f"{s}-{w}" for s, w in KILL_POINTS])
def test_killed_at_each_stage(copy, stage, when):
    before = read_manifest(copy.resolved("index_dir"))["build_id"]
    killed = _kill_at(copy, stage, when)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    # whatever the stage, a complete index is live: the old build, or (killed after the switch) the new one
    live = read_manifest(copy.resolved("index_dir"))["build_id"]
    assert live == before or stage in ("switch", "clean up")
    opened = OpenIndex(copy, check_stale=False)
    assert len(opened.examples()) >= 21
    opened.close()
    report = build_index(copy)
    assert report.examples == _both_spotlights(copy)  # both spotlights
    assert report.cleaned, "the next build should say what it cleaned up"
    assert_nothing_orphaned(copy)
    hits = Assistant(copy).search("Far North pregnant woman on unpaid work", k=3)
    assert any(h.id.startswith("far-north:") for h in hits)


@pytest.mark.slow
def test_killed_while_exporting_the_query_model(copy):
    index_dir = copy.resolved("index_dir")
    shutil.rmtree(index_dir / "onnx")  # the build must export it again (no cached export to copy)
    killed = _kill_at(copy, "export query model", "start", delay=4.0, ASSISTANT_MODEL_CACHE="off")
    # the next build cleans up what the killed export left; it may copy the session's checked export from the
    # cache rather than spend 20 s exporting again (an export is what the killed build was doing, not this one)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    report = build_index(copy)
    assert report.examples == _both_spotlights(copy)
    assert_nothing_orphaned(copy)
