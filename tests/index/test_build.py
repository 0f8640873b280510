"""The index: a manifest that describes it, content-derived ids, incremental and atomic builds."""

from __future__ import annotations

import json
import re
import shutil
import threading

import numpy as np
import pytest

from assistant.index import embed
from assistant.api import Assistant
from assistant.config import load_settings
from assistant.errors import CorpusError, IndexBusyError, IndexCorruptError, IndexMissingError, IndexStaleError
from assistant.index import INDEX_FORMAT, OpenIndex, build_index, chunk_metadata, make_chunks, read_manifest
from assistant.index.locking import IndexLock
from assistant.ingest import all_units, load_corpus
from conftest import SESSION_HOME, private_copy


@pytest.fixture
def copy(settings, tmp_path):
    """A private copy of the session's corpus and index, safe to change."""
    return private_copy(settings, tmp_path)


def _builds(settings):
    return sorted(p.name for p in (settings.resolved("index_dir") / "builds").iterdir())


def _store_collections(settings, build_id):
    """The collections in one build's own Chroma store (opened on a throwaway copy: Chroma writes when it opens)."""
    from assistant.index import chroma_client_local

    store = settings.resolved("index_dir") / "builds" / build_id / "chroma"
    scratch = settings.resolved("index_dir").parent / f"look-{build_id}"
    shutil.copytree(store, scratch)
    client = chroma_client_local(scratch)
    try:
        return sorted(c.name for c in client.list_collections())
    finally:
        client.close()
        shutil.rmtree(scratch)


def test_first_build_report_and_manifest(built):
    settings, report = built
    assert not report.up_to_date
    assert (report.examples, report.sections) == (21, 21)  # the standards summary's opening paragraph is kept
    assert report.embedded == report.chunks > report.units
    assert report.parsed == 2
    manifest = read_manifest(settings.resolved("index_dir"))
    assert manifest["counts"] == {"documents": 2, "examples": 21, "sections": 21, "chunks": report.chunks}
    assert manifest["embedding"]["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert manifest["embedding"]["fp32_min_cosine"] >= 1 - embed.ONNX_TOLERANCE
    assert manifest["embedding"]["precision"] == "int8"
    assert manifest["embedding"]["onnx_min_cosine"] >= embed.INT8_MIN_COSINE
    assert len(manifest["corpus_hash"]) == 64 and manifest["parser_version"]
    assert manifest["chroma"]["mode"] == "local"
    # every file of the build is listed with its checksum, and the model's checksum is recorded
    build = settings.resolved("index_dir") / "builds" / manifest["build_id"]
    assert {"units.jsonl", "chunks.jsonl", "glossary.json", "vectors.npy", "chroma/chroma.sqlite3"} <= set(manifest["files"])
    assert any(name.startswith("bm25/") for name in manifest["files"])
    for name, info in manifest["files"].items():
        assert embed.file_sha256(build / name) == info["sha256"]
    assert embed.file_sha256(settings.resolved("index_dir") / manifest["embedding"]["onnx"]) == \
        manifest["embedding"]["onnx_sha256"]
    vectors = np.load(build / "vectors.npy")
    assert vectors.shape == (report.chunks, embed.DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


@pytest.mark.slow
def test_unchanged_corpus_embeds_and_parses_nothing(copy):
    before = (copy.resolved("index_dir") / "manifest.json").read_text()
    report = build_index(copy)
    assert report.up_to_date and report.embedded == 0 and report.parsed == 0
    assert report.summary().startswith("Index is up to date (built 20")
    assert (copy.resolved("index_dir") / "manifest.json").read_text() == before


@pytest.mark.slow
def test_changed_corpus_reembeds_only_what_changed(copy):
    old = read_manifest(copy.resolved("index_dir"))
    doc = copy.resolved("corpus_dir") / "documents" / "hmip-inspection-standards.md"
    doc.write_text(doc.read_text(encoding="utf-8").replace(
        "and on contingency planning.",
        "and on contingency planning. Zebra crossings near the office were risk assessed."), encoding="utf-8")
    report = build_index(copy)
    assert not report.up_to_date
    assert 1 <= report.embedded <= 2  # the one section changed
    assert report.reused == report.chunks - report.embedded
    assert report.parsed == 1  # the spotlight came from the parse cache
    new = read_manifest(copy.resolved("index_dir"))
    assert new["build_id"] != old["build_id"]
    assert new["store"]["copied"]  # the previous Chroma store was copied, not refilled
    assert _builds(copy) == [new["build_id"]]  # the old build was retired: nobody used it
    assert _store_collections(copy, new["build_id"]) == [new["chroma"]["collection"]]
    hits = Assistant(copy).search("zebra crossings near the office", k=1)
    assert hits[0].id == "standards:section:keeping-other-people-safe"


@pytest.mark.slow
def test_a_build_in_use_is_kept_until_its_reader_lets_go(copy):
    reader = OpenIndex(copy)
    reader.warm_up()
    doc = copy.resolved("corpus_dir") / "documents" / "hmip-inspection-standards.md"
    doc.write_text(doc.read_text(encoding="utf-8") + "\nA new closing line.\n", encoding="utf-8")
    report = build_index(copy)
    assert set(_builds(copy)) == {reader.build_id, report.build_id}
    # the reader still searches its own build while the new one is live
    assert reader.collection.count() == len(reader.chunk_ids)
    reader.close()
    again = build_index(copy)  # nothing changed: up to date, and the free old build is cleaned up
    assert again.up_to_date and _builds(copy) == [report.build_id]
    assert any("old build" in line for line in again.cleaned)
    assert not any((copy.resolved("index_dir") / "readers").iterdir())


@pytest.mark.slow
def test_a_bad_document_is_skipped_with_its_reason_and_the_rest_is_indexed(copy):
    (copy.resolved("corpus_dir") / "documents" / "empty.txt").write_text("  \n")
    report = build_index(copy)
    assert report.skipped == [("empty.txt", "empty.txt is empty; add its text or remove it from the corpus")]
    assert report.warnings[0] == "empty.txt was not indexed: is empty; add its text or remove it from the corpus"
    assert [d["file"] for d in report.documents] == ["effective-practice-spotlight-north-east-2025.txt",
                                                     "hmip-inspection-standards.md"]
    assert "  empty.txt: skipped (empty.txt is empty; add its text or remove it from the corpus)" in report.document_table()
    index = OpenIndex(copy)
    assert len(index.examples()) == 21


@pytest.mark.slow
def test_a_corpus_with_no_readable_document_stops_the_build_and_the_old_index_keeps_serving(copy):
    manifest = (copy.resolved("index_dir") / "manifest.json").read_bytes()
    documents = copy.resolved("corpus_dir") / "documents"
    for path in documents.iterdir():
        path.unlink()
    (documents / "empty.txt").write_text("  \n")
    with pytest.raises(CorpusError, match="no document .* could be read .*empty.txt is empty"):
        build_index(copy)
    assert (copy.resolved("index_dir") / "manifest.json").read_bytes() == manifest
    assert len(OpenIndex(copy, check_stale=False).examples()) == 21


@pytest.mark.slow
def test_an_interrupted_build_leaves_the_previous_index(copy, monkeypatch):
    index_dir = copy.resolved("index_dir")
    manifest = (index_dir / "manifest.json").read_bytes()
    builds_before = _builds(copy)
    doc = copy.resolved("corpus_dir") / "documents" / "hmip-inspection-standards.md"
    doc.write_text(doc.read_text(encoding="utf-8") + "\n## New part\n\nSomething new.\n", encoding="utf-8")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("assistant.index.build.build_keyword_index", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build_index(copy)
    assert (index_dir / "manifest.json").read_bytes() == manifest
    assert _builds(copy) == builds_before  # the unfinished build folder is gone
    assert not (index_dir / ".lock").read_text()  # the lock was released cleanly
    hits = Assistant(copy, OpenIndex(copy, check_stale=False)).search("pregnant woman doing unpaid work", k=1)
    assert hits[0].id.endswith("delivery-of-upw-for-a-pregnant")


@pytest.mark.slow
def test_a_second_build_waits_or_says_who_holds_the_lock(copy):
    lock = IndexLock(copy.resolved("index_dir"))
    lock.acquire()
    try:
        with pytest.raises(IndexBusyError, match=r"another `assistant index` \(pid \d+, started .*\) is building"):
            build_index(copy, lock_timeout=0)
        waited: list[str] = []
        releaser = threading.Timer(0.5, lock.release)
        releaser.start()
        report = build_index(copy, lock_timeout=30, on_wait=waited.append)
        assert report.up_to_date
        assert waited and waited[0].startswith("Waiting for another `assistant index` (pid")
    finally:
        lock.release()


def test_a_changed_corpus_keeps_the_last_good_build_answering_with_a_warning(copy):
    """A pending change never stops search or serve: the last good build answers, and says what to run."""
    assert OpenIndex(copy).pending is None
    doc = copy.resolved("corpus_dir") / "documents" / "hmip-inspection-standards.md"
    doc.write_text(doc.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    (copy.resolved("corpus_dir") / "documents" / "hung.docx").write_bytes(b"PK\x03\x04 not a real Word file")
    assistant = Assistant(copy)
    assert assistant.search("pregnant woman doing unpaid work", k=1)[0].id.endswith("delivery-of-upw-for-a-pregnant")
    note = assistant.pending_change()
    assert re.fullmatch(r"the corpus in .* has changed since the index was built; answering from the last good "
                        r"build \(\S+\) until `assistant index` is run", note), note
    assert assistant.status()["pending"] == note


def test_an_index_made_for_another_chroma_store_is_still_refused(copy):
    with pytest.raises(IndexStaleError, match="settings now point elsewhere.*run `assistant index`"):
        OpenIndex(load_settings(corpus_dir=copy.corpus_dir, index_dir=copy.index_dir, chroma_host="127.0.0.1",
                                chroma_port=9))


def test_missing_and_corrupt_indexes(copy, tmp_path):
    with pytest.raises(IndexMissingError, match="run `assistant index`"):
        OpenIndex(load_settings(corpus_dir=copy.corpus_dir, index_dir=tmp_path / "nothing"))
    (copy.resolved("index_dir") / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorruptError, match="manifest .* is damaged.*run `assistant index`"):
        OpenIndex(copy)
    (copy.resolved("index_dir") / "manifest.json").write_text(json.dumps({"format": INDEX_FORMAT}))
    with pytest.raises(IndexCorruptError, match="incomplete"):
        OpenIndex(copy)


def test_chunk_ids_are_derived_from_content(settings):
    units = all_units(load_corpus(settings.resolved("corpus_dir")))
    first = make_chunks(units)
    assert [c.id for c in first] == [c.id for c in make_chunks(units)]
    assert len({c.id for c in first}) == len(first)
    granularities = {c.granularity for c in first}
    assert {"example", "summary", "group", "section"} <= granularities
    example_chunk = next(c for c in first if c.granularity == "group" and "June" in c.text)
    assert example_chunk.text.startswith("Effective Practice Spotlight: The Probation Service – North East region › Court work ›")
    # the filter fields travel with every chunk, so Chroma can filter (`where`) before it ranks
    june = next(u for u in units if getattr(u, "person", None) and u.person.name == "June")
    meta = chunk_metadata(june, "group")
    assert meta["theme"] == "Court work" and meta["kind"] == "case" and meta["document_id"] == "ne-2025"
    assert set(meta["need"]) == set(june.needs) and set(meta["sentence"]) == set(june.sentence)
    assert meta["region"] == "North East" and meta["year"] == "2025" and meta["publication_kind"] == "spotlight"


@pytest.mark.slow
def test_chroma_calls_are_batched(monkeypatch, copy):
    """No call to Chroma carries more than CHROMA_BATCH ids, however large the corpus."""
    import assistant.index.build as build_module
    import assistant.index.chroma as chroma_module

    monkeypatch.setattr(chroma_module, "CHROMA_BATCH", 40)  # the seed has ~160 chunks: several batches each way
    sizes: list[int] = []
    original = chroma_module.add_chunks

    def counting(collection, ids, *args, **kwargs):
        class Counting:
            def add(self, ids, **kw):
                sizes.append(len(ids))
                return collection.add(ids=ids, **kw)
        return original(Counting(), ids, *args, **kwargs)

    monkeypatch.setattr(build_module, "add_chunks", counting)
    monkeypatch.setattr(chroma_module, "add_chunks", counting)
    report = build_index(copy, rebuild=True)
    assert sizes and max(sizes) <= 40 and sum(sizes) == report.chunks
    assert report.embedded == report.chunks  # --rebuild embeds everything again


def test_chroma_never_fetched_its_default_embedding_model(assistant):
    assistant.search("he is on a tag", k=1)
    assert not (SESSION_HOME / ".cache" / "chroma").exists()


def test_the_parse_cache_is_keyed_by_content(copy):
    from assistant.ingest.cache import ParseCache

    cache = ParseCache(copy.resolved("index_dir") / "cache")
    doc = copy.resolved("corpus_dir") / "documents" / "hmip-inspection-standards.md"
    key = cache.key(doc)
    cached = cache.get(key)
    assert cached is not None and cached.id == "standards" and len(cached.sections) == 13
    meta = doc.with_name("hmip-inspection-standards.meta.json")
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "year": 2026}))
    assert cache.key(doc) != key  # the metadata is part of the key
    (cache.folder / f"{key}.json").write_text("{ damaged")
    assert cache.get(key) is None  # a damaged entry is parsed again, never trusted


@pytest.mark.slow
def test_cli_if_needed_says_up_to_date_and_a_busy_index_is_one_line(copy):
    import os
    import re

    from conftest import cli_env, run_cli

    env = cli_env(copy)
    result = run_cli("index", "--if-needed", env=env)
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"Index is up to date \(built 20\d\d-\d\d-\d\dT[\d:]+\+00:00, build \d{14}-\w{8}-\w{4}\)\.\n",
                        result.stdout)
    lock = IndexLock(copy.resolved("index_dir"))
    lock.acquire()
    try:
        busy = run_cli("index", "--no-wait", env=env)
        assert busy.returncode == 75
        [line] = busy.stderr.strip().splitlines()
        assert line.startswith(f"Error: another `assistant index` (pid {os.getpid()}, started ")
        assert "is building this index; wait for it to finish" in line
    finally:
        lock.release()


@pytest.mark.slow
def test_the_build_embeds_every_passage_so_an_answer_embeds_none(copy, monkeypatch):
    """The composer's passage vectors come from the build (index/passages.npz): a question embeds only itself
    and its own phrases. A damaged file is ignored (answers embed as they go, the same answer) and a missing
    one is made again by the next `index`."""
    from assistant.api import Assistant
    from assistant.index import PASSAGE_VECTORS
    from assistant.index.passages import load_passage_vectors, passage_texts

    index_dir = copy.resolved("index_dir")
    manifest = read_manifest(index_dir)
    stored = load_passage_vectors(index_dir, manifest["embedding"]["onnx_sha256"])
    units = list(OpenIndex(copy).units.values())
    assert len(stored) == len(passage_texts(units)) > 100
    assert load_passage_vectors(index_dir, "another model") == {}

    question = "she is pregnant and has unpaid work hours to do"
    assistant = Assistant(copy)
    embedded: list[str] = []
    original = assistant.index.embedder.embed
    monkeypatch.setattr(assistant.index.embedder, "embed", lambda texts: embedded.extend(texts) or original(texts))
    answer = assistant.ask(question)
    assert answer.citations and embedded and not set(embedded) & set(passage_texts(units))
    assert not set(embedded) & {u.title for u in units}  # titles too are stored by the build
    assistant.close()

    (index_dir / PASSAGE_VECTORS).write_bytes(b"not a zip file")
    damaged = Assistant(copy)
    assert damaged.composer.scorer.stored == {}
    assert damaged.ask(question).answer == answer.answer  # the same answer, its passages embedded as needed
    damaged.close()

    (index_dir / PASSAGE_VECTORS).unlink()
    report = build_index(copy)
    assert report.up_to_date and any("passages.npz" in r for r in report.repaired)
    assert len(load_passage_vectors(index_dir, manifest["embedding"]["onnx_sha256"])) == len(stored)
