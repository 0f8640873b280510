"""Parsing in a worker process: a document that hangs or needs too much memory is abandoned with one line, and
the rest of the corpus is read (and indexed) beside it.

The "hung" document is generated here: an 8 MB text file, well under every reader cap, that takes the
parser minutes (one case told over 40,000 paragraphs). The memory case is a 17 MB text file read under a
60 MB limit.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from assistant.api import add_publication, corpus_documents
from assistant.errors import CorpusError
from assistant.index import build_index
from assistant.ingest.cache import ParseCache, read_corpus_cached
from assistant.ingest.worker import ParseLimits, ParseWorker
from conftest import ROOT, private_copy

pytestmark = pytest.mark.slow  # each test starts worker processes

EASTMOOR = ROOT / "tests" / "fixtures" / "publications" / "spotlight-eastmoor-2024.txt"


def _hung(path: Path) -> Path:
    path.write_text("Case study 1\n\n" + ("Sam was supported to engage with probation appointments every week. " * 3
                                          + "\n\n") * 40_000, encoding="utf-8")
    return path


def _hungry(path: Path) -> Path:
    path.write_text("A guide\n\n" + ("Practice point about engagement and supervision. " * 400 + "\n\n") * 900,
                    encoding="utf-8")
    return path


def test_a_hung_document_is_abandoned_and_the_next_one_read(tmp_path):
    hung = _hung(tmp_path / "hung.txt")
    with ParseWorker(ParseLimits(timeout=2, memory_mb=2048)) as worker:
        started = time.monotonic()
        with pytest.raises(CorpusError) as abandoned:
            worker.parse(hung)
        assert time.monotonic() - started < 5
        assert str(abandoned.value) == ("hung.txt took longer than 2 s to read (parse_timeout); it was abandoned and "
                                        "the rest of the corpus read; split it or remove it")
        assert len(worker.parse(EASTMOOR).examples) == 10  # a fresh worker takes the next document


def test_a_document_over_the_memory_limit_is_skipped_and_the_worker_goes_on(tmp_path):
    hungry = _hungry(tmp_path / "hungry.txt")
    with ParseWorker(ParseLimits(timeout=60, memory_mb=60)) as worker:
        with pytest.raises(CorpusError, match=r"^hungry.txt needs more memory than the limit of 60 MB "
                                              r"\(parse_memory_mb\) to read; split it or remove it$"):
            worker.parse(hungry)
        assert len(worker.parse(EASTMOOR).examples) == 10


def test_the_rest_of_the_corpus_is_read_beside_a_hung_document(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    _hung(corpus / "documents" / "hung.txt")
    with ParseWorker(ParseLimits(timeout=3, memory_mb=2048)) as worker:
        read = read_corpus_cached(corpus, ParseCache(tmp_path / "cache"), lambda *_: None, worker.parse)
    assert [d.id for d in read.documents] == ["ne-2025", "standards"]
    assert [name for name, _ in read.skipped] == ["hung.txt"] and "(parse_timeout)" in read.skipped[0][1]


def test_index_add_and_documents_go_on_past_a_hung_document(settings, tmp_path):
    copy = private_copy(settings, tmp_path, parse_timeout=3)
    _hung(tmp_path / "corpus" / "documents" / "hung.txt")
    started = time.monotonic()
    report = build_index(copy)
    assert time.monotonic() - started < 90
    assert [name for name, _ in report.skipped] == ["hung.txt"] and report.examples == 21
    assert any(w.startswith("hung.txt was not indexed: took longer than 3 s") for w in report.warnings)
    listed = {r["file"]: r for r in corpus_documents(copy)}
    assert "(parse_timeout)" in listed["hung.txt"]["skipped"] and listed["hung.txt"]["indexed"] is False
    with pytest.raises(CorpusError, match=r"took longer than 3 s to read \(parse_timeout\)"):
        add_publication(copy, str(_hung(tmp_path / "another-hung.txt")))
    assert not (tmp_path / "corpus" / "documents" / "another-hung.txt").exists()
    assert not list((tmp_path / "corpus" / "documents").glob(".adding-*"))
