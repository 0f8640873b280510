"""Glossary: acronyms the corpus defines, the curated file, several meanings, expansion."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import CorpusError
from assistant.glossary import Glossary, extract_definitions, read_curated
from assistant.ingest import load_corpus

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def glossary():
    docs = load_corpus(ROOT / "corpus")
    return Glossary.build(ROOT / "corpus", docs)


def test_definitions_are_extracted_from_the_corpus():
    found = {(e.term, e.meaning): e.source for e in extract_definitions(load_corpus(ROOT / "corpus"))}
    assert found[("PSR", "pre-sentence report")] == "defined in ne-2025"
    assert ("ADHD", "attention-deficit hyperactivity disorder") in found
    assert ("NACRO", "National Association for the Care and Resettlement of Offenders") in found
    assert ("IIRMS", "intensive intervention and risk management services") in found  # plural "IIRMSs"
    assert ("PQIP", "Professional Qualification in Probation") in found


def test_every_entry_records_its_source(glossary):
    assert all(e.source for e in glossary.entries)
    assert {e.source for e in glossary.lookup("hostel")} == {"curated (glossary.csv)"}


def test_an_acronym_keeps_all_its_meanings(glossary):
    meanings = {e.meaning for e in glossary.lookup("AP") if e.term == "AP"}
    assert {"approved premises", "accredited programme"} <= meanings


@pytest.mark.parametrize("question, term, expected", [
    ("he's on a tag", "tag", "home detention curfew"),
    ("she keeps getting sectioned", "sectioned", "Mental Health Act detentions"),
    ("ex-forces lad", "ex-forces", "veteran"),
    ("he lives in a hostel", "hostel", "approved premises"),
    ("he drinks every day", "drinks", "alcohol"),
])
def test_everyday_words_expand_to_the_corpus_words(glossary, question, term, expected):
    expansions = dict(glossary.expand(question))
    assert expected in expansions[term]


def test_acronyms_only_count_in_capitals(glossary):
    assert glossary.expand("the ap is near") == []
    assert "approved premises" in dict(glossary.expand("he is at the AP"))["AP"]


def test_malformed_curated_row_names_the_line(tmp_path):
    path = tmp_path / "glossary.csv"
    path.write_text("term,kind,meaning,expands_to\nHDC,acronym,home detention curfew,\nXYZ,weird,,\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="line 3"):
        read_curated(path)
