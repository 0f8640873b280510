"""The index: a manifest that describes it, content-derived ids, incremental and atomic builds."""

from __future__ import annotations

import shutil

import pytest

from assistant.api import Assistant
from assistant.config import load_settings
from assistant.errors import CorpusError, IndexCorruptError, IndexMissingError, IndexStaleError
from assistant.index import OpenIndex, build_index, chroma_client, make_chunks, read_manifest
from assistant.ingest import all_units, load_corpus
from conftest import SESSION_HOME


@pytest.fixture
def copy(settings, tmp_path):
    """A private copy of the session's corpus and index, safe to change."""
    shutil.copytree(settings.resolved("corpus_dir"), tmp_path / "corpus")
    shutil.copytree(settings.resolved("index_dir"), tmp_path / "index")
    return load_settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")


def _collections(settings):
    return sorted(c.name if hasattr(c, "name") else c for c in chroma_client(settings, settings.resolved("index_dir")).list_collections())


def test_first_build_report_and_manifest(built):
    settings, report = built
    assert not report.up_to_date
    assert (report.examples, report.sections) == (21, 21)  # the standards summary's opening paragraph is kept
    assert report.embedded == report.chunks > report.units
    manifest = read_manifest(settings.resolved("index_dir"))
    assert manifest["counts"] == {"documents": 2, "examples": 21, "sections": 21, "chunks": report.chunks}
    assert manifest["embedding"]["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert manifest["embedding"]["onnx_min_cosine"] >= 0.9999
    assert len(manifest["corpus_hash"]) == 64 and manifest["parser_version"]
    assert manifest["chroma"]["mode"] == "local"


def test_unchanged_corpus_embeds_nothing(copy):
    before = (copy.resolved("index_dir") / "manifest.json").read_text()
    report = build_index(copy)
    assert report.up_to_date and report.embedded == 0
    assert (copy.resolved("index_dir") / "manifest.json").read_text() == before


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
    new = read_manifest(copy.resolved("index_dir"))
    assert new["build_id"] != old["build_id"]
    assert not (copy.resolved("index_dir") / "builds" / old["build_id"]).exists()
    assert _collections(copy) == [new["chroma"]["collection"]]
    hits = Assistant(copy).search("zebra crossings near the office", k=1)
    assert hits[0].id == "standards:section:keeping-other-people-safe"


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


def test_an_interrupted_build_leaves_the_previous_index(copy, monkeypatch):
    index_dir = copy.resolved("index_dir")
    manifest = (index_dir / "manifest.json").read_bytes()
    builds_before = sorted(p.name for p in (index_dir / "builds").iterdir())
    collections_before = _collections(copy)
    doc = copy.resolved("corpus_dir") / "documents" / "hmip-inspection-standards.md"
    doc.write_text(doc.read_text(encoding="utf-8") + "\n## New part\n\nSomething new.\n", encoding="utf-8")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("assistant.index.build_keyword_index", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build_index(copy)
    assert (index_dir / "manifest.json").read_bytes() == manifest
    assert sorted(p.name for p in (index_dir / "builds").iterdir()) == builds_before
    assert _collections(copy) == collections_before
    hits = Assistant(copy, OpenIndex(copy, check_stale=False)).search("pregnant woman doing unpaid work", k=1)
    assert hits[0].id.endswith("delivery-of-upw-for-a-pregnant")


def test_a_stale_index_says_what_to_run(copy):
    doc = copy.resolved("corpus_dir") / "documents" / "hmip-inspection-standards.md"
    doc.write_text(doc.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    with pytest.raises(IndexStaleError, match="corpus .* has changed.*run `assistant index`"):
        OpenIndex(copy)


def test_missing_and_corrupt_indexes(copy, tmp_path):
    with pytest.raises(IndexMissingError, match="run `assistant index`"):
        OpenIndex(load_settings(corpus_dir=copy.corpus_dir, index_dir=tmp_path / "nothing"))
    (copy.resolved("index_dir") / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorruptError, match="damaged.*--rebuild"):
        OpenIndex(copy)
    (copy.resolved("index_dir") / "manifest.json").write_text('{"format": 1}')
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


def test_chroma_never_fetched_its_default_embedding_model(assistant):
    assistant.search("he is on a tag", k=1)
    assert not (SESSION_HOME / ".cache" / "chroma").exists()
