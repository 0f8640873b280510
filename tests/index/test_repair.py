"""Damage to every piece of the index: `--check` names it, `index` repairs it, search is as before.

One healthy index (a copy of the session's) is copied again for each case, then one piece is
deleted, cut short or overwritten. For each case:
- `check_index` (what `assistant index --check` prints) names the damaged piece;
- opening the index for search refuses it with one line naming the piece and the command;
- `build_index` (what `assistant index` runs) repairs it without embedding anything again
  (the query model is the one piece that must be exported again when it is lost);
- afterwards the check passes and the same questions give the same results as before.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from assistant.api import Assistant
from assistant.errors import IndexCorruptError
from assistant.index.manifest import sealed as _sealed
from assistant.index import build_index, check_index, read_manifest
from conftest import cli_env, private_copy, run_cli

QUESTIONS = ("ex-forces lad with PTSD who drinks", "she's pregnant and has unpaid work hours to do",
             "how do I share information with other agencies?", "standard 2.1 assessment")


def _results(settings) -> dict[str, list[str]]:
    assistant = Assistant(settings)
    try:
        return {q: [h.id for h in assistant.search(q, k=5)] for q in QUESTIONS}
    finally:
        assistant.index.close()


@pytest.fixture(scope="module")
def healthy(settings, tmp_path_factory):
    """A copy of the session index, its manifest, and the search results it gives."""
    base = tmp_path_factory.mktemp("healthy")
    copy = private_copy(settings, base)
    assert check_index(copy).ok
    return copy, read_manifest(copy.resolved("index_dir")), _results(copy)


@pytest.fixture
def case(healthy, tmp_path):
    settings, manifest, _ = healthy
    copy = private_copy(settings, tmp_path)
    return copy, tmp_path / "index", tmp_path / "index" / "builds" / manifest["build_id"]


def _missing(path):
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()


def _truncated(path):
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.truncate(max(1, size // 3))


def _overwritten(path):
    """Same size, different bytes (a disk error or a stray write); `rng` so the bytes are not all one value."""
    size = path.stat().st_size
    block = bytes((i * 131 + 7) % 256 for i in range(4096))
    path.write_bytes((block * (size // len(block) + 1))[:size])


HOW = {"missing": _missing, "truncated": _truncated, "overwritten": _overwritten}


def _vector_folder(build):
    return next(p for p in (build / "chroma").iterdir() if p.is_dir())


# (what is damaged, how to find it, the piece `--check` names)
FILES = [
    ("units", lambda index, build: build / "units.jsonl", "units"),
    ("chunks", lambda index, build: build / "chunks.jsonl", "chunks"),
    ("glossary", lambda index, build: build / "glossary.json", "glossary"),
    ("vectors", lambda index, build: build / "vectors.npy", "vectors"),
    ("bm25 matrix", lambda index, build: build / "bm25" / "data.csc.index.npy", "keyword index"),
    ("bm25 vocabulary", lambda index, build: build / "bm25" / "vocab.index.json", "keyword index"),
    ("Chroma sqlite", lambda index, build: build / "chroma" / "chroma.sqlite3", "Chroma store"),
    ("Chroma vectors", lambda index, build: _vector_folder(build) / "data_level0.bin", "Chroma vector folder"),
]


def _assert_check_names(settings, piece):
    report = check_index(settings)
    assert not report.ok
    assert piece in {d.piece for d in report.damage}, report.damage
    return report


def _assert_search_refuses(settings, piece_words):
    with pytest.raises(IndexCorruptError) as refused:
        Assistant(settings).search("risk")
    message = str(refused.value)
    assert "\n" not in message and "run `assistant index`" in message
    assert piece_words in message, message


def _assert_repaired(settings, healthy, may_embed=False):
    _, _, before = healthy
    report = build_index(settings)
    assert report.repaired, "the build did not say what it repaired"
    assert may_embed or report.embedded == 0, "a repair should not embed anything again"
    assert check_index(settings).ok
    assert _results(settings) == before
    return report


@pytest.mark.slow
@pytest.mark.parametrize("how", list(HOW))
@pytest.mark.parametrize("name, where, piece", FILES, ids=[f[0] for f in FILES])
def test_damaged_build_files_are_named_and_repaired(case, healthy, name, where, piece, how):
    settings, index, build = case
    target = where(index, build)
    HOW[how](target)
    report = _assert_check_names(settings, piece)
    expected = {"missing": "missing", "truncated": "truncated", "overwritten": "overwritten"}[how]
    assert any(expected in d.detail for d in report.damage if d.piece == piece), report.damage
    _assert_search_refuses(settings, piece)
    _assert_repaired(settings, healthy)


@pytest.mark.slow
def test_a_missing_vector_folder(case, healthy):
    settings, index, build = case
    shutil.rmtree(_vector_folder(build))
    _assert_check_names(settings, "Chroma vector folder")
    _assert_search_refuses(settings, "Chroma vector folder")
    _assert_repaired(settings, healthy)


@pytest.mark.slow
def test_a_second_vector_folder_is_named(case, healthy):
    """A leftover vector folder inside a build's store (what the old layout leaked on every rebuild)."""
    settings, index, build = case
    shutil.copytree(_vector_folder(build), build / "chroma" / "00000000-leftover")
    report = _assert_check_names(settings, "Chroma vector folder")
    assert any("not part of this build" in d.detail for d in report.damage)
    _assert_repaired(settings, healthy)


@pytest.mark.slow
@pytest.mark.parametrize("how", list(HOW))
def test_damaged_manifest_is_restored_from_the_build(case, healthy, how):
    settings, index, build = case
    HOW[how](index / "manifest.json")
    _assert_check_names(settings, "manifest")
    _assert_search_refuses(settings, "manifest")
    report = build_index(settings)
    assert report.up_to_date and report.repaired and "restored from builds/" in report.repaired[0]
    assert check_index(settings).ok and _results(settings) == healthy[2]


@pytest.mark.slow
def test_a_wrong_collection_name_is_named_and_repaired(case, healthy):
    """A manifest rewritten consistently (checksum and all) but naming a collection that is not there."""
    settings, index, build = case
    manifest = json.loads((index / "manifest.json").read_text())
    manifest["chroma"]["collection"] = "ppa-no-such-collection"
    (index / "manifest.json").write_text(json.dumps(_sealed(manifest)))
    report = _assert_check_names(settings, "Chroma collection")
    assert "ppa-no-such-collection is missing" in str(report.damage[0])
    _assert_search_refuses(settings, "ppa-no-such-collection")
    _assert_repaired(settings, healthy)


@pytest.mark.slow
def test_a_wrong_model_checksum_in_the_manifest(case, healthy):
    settings, index, build = case
    manifest = json.loads((index / "manifest.json").read_text())
    manifest["embedding"]["onnx_sha256"] = "0" * 64
    (index / "manifest.json").write_text(json.dumps(_sealed(manifest)))
    _assert_check_names(settings, "query model")
    _assert_search_refuses(settings, "query model")
    # nothing says which model made the stored vectors any more: they are made again, to be sure
    report = _assert_repaired(settings, healthy, may_embed=True)
    assert report.embedded == report.chunks


@pytest.mark.slow
@pytest.mark.parametrize("how", list(HOW))
def test_a_damaged_query_model_is_exported_again(case, healthy, how):
    settings, index, build = case
    model = index / read_manifest(index)["embedding"]["onnx"]
    HOW[how](model)
    _assert_check_names(settings, "query model")
    _assert_search_refuses(settings, "query model")
    report = _assert_repaired(settings, healthy)
    assert not report.up_to_date  # a new build records the model exported again


@pytest.mark.slow
def test_the_cli_check_names_the_piece_and_exit_status(case):
    settings, index, build = case
    env = cli_env(settings)
    ok = run_cli("index", "--check", env=env)
    assert ok.returncode == 0 and ok.stdout.startswith("Index OK: build ")
    _truncated(build / "units.jsonl")
    damaged = run_cli("index", "--check", env=env)
    assert damaged.returncode == 1
    lines = damaged.stderr.strip().splitlines()
    assert lines[0].startswith("Damaged: units (") and "truncated" in lines[0]
    assert lines[-1] == "Run `assistant index` to repair it."
    searched = run_cli("search", "risk", env=env)
    assert searched.returncode != 0 and "Traceback" not in searched.stderr
    [line] = searched.stderr.strip().splitlines()
    assert line.startswith("Error: the index is damaged: units (") and "run `assistant index`" in line
    repaired = run_cli("index", env=env)
    assert repaired.returncode == 0 and "Repaired: units (" in repaired.stderr
    assert run_cli("index", "--check", env=env).returncode == 0


@pytest.mark.slow
def test_no_change_check_hashes_nothing_it_verified_before(case, monkeypatch):
    """`assistant index` with nothing changed trusts files whose size, times and inode match its last check."""
    settings, index, build = case
    build_index(settings)  # the copy has new inodes: this run hashes everything once and stamps it
    hashed = []
    import assistant.index as index_module

    original = index_module.embed.file_sha256
    monkeypatch.setattr(index_module.embed, "file_sha256", lambda path: hashed.append(path) or original(path))
    assert build_index(settings).up_to_date
    assert [p for p in hashed if str(p).startswith(str(build))] == []
    os.utime(build / "glossary.json")  # touched: hashed again (and still intact)
    assert build_index(settings).up_to_date
    assert build / "glossary.json" in hashed
