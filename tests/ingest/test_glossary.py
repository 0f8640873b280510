"""Glossary: acronyms the corpus defines, the curated file, several meanings, expansion."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import CorpusError
from assistant.ingest.glossary import Glossary, extract_definitions, read_curated
from assistant.ingest import load_corpus

ROOT = Path(__file__).resolve().parents[2]


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


# --- look-up: whole terms first, then prefixes, never arbitrary substrings -------------------


def test_lookup_of_an_acronym_gives_only_that_acronym(glossary):
    """`assistant glossary AP` listed 15 rows ("knife", "have a say": any substring matched)."""
    found = [(e.term, e.meaning) for e in glossary.lookup("AP")]
    assert found == [("AP", "approved premises"), ("AP", "accredited programme")]


def test_lookup_gives_whole_terms_before_prefixes(glossary):
    found = [e.term for e in glossary.lookup("sex offender")]
    assert found[0] == "sex offender" and "sex offender register" in found[1:]
    assert [e.term for e in glossary.lookup("hostel")][:2] == ["hostel", "bail hostel"]  # a whole word of a term
    assert "hostel" in [e.term for e in glossary.lookup("host")]  # a prefix
    assert glossary.lookup("ostel") == []  # never the middle of a word
    assert all(e.term.lower() != "knife" for e in glossary.lookup("if"))


def test_lookup_finds_a_term_from_its_meaning_by_whole_words(glossary):
    terms = {e.term for e in glossary.lookup("approved premises")}
    assert {"AP", "hostel"} <= terms
    assert glossary.lookup("premis") == []  # meanings match whole words only


def test_a_meaning_given_by_several_sources_is_one_entry_with_every_source(glossary):
    [approved] = [e for e in glossary.lookup("AP") if e.meaning == "approved premises"]
    assert approved.source == "curated (glossary.csv); defined in ne-2025"
    assert {"approved premises", "hostel"} <= set(approved.expands_to)


def test_duplicates_in_the_curated_file_are_reported_at_build_time(tmp_path):
    (tmp_path / "glossary.csv").write_text(
        "term,kind,meaning,expands_to\n"
        "AP,acronym,approved premises,approved premises\n"
        "AP,acronym,accredited programme,accredited programme\n"
        "ap,acronym,Approved  premises,approved premises; hostel\n"
        "drink,everyday,alcohol use,alcohol\n"
        "drinking,everyday,alcohol use,alcohol\n", encoding="utf-8")
    built = Glossary.build(tmp_path, [])
    assert len(built.warnings) == 2
    assert "AP" in built.warnings[0] and "approved premises" in built.warnings[0] and "lines 2 and 4" in built.warnings[0]
    assert "drinking" in built.warnings[1] and "drink" in built.warnings[1]
    assert len(built.lookup("AP")) == 2  # shown once


def test_the_curated_glossary_has_no_duplicates(glossary):
    assert glossary.warnings == []


@pytest.mark.slow
def test_the_index_build_reports_glossary_duplicates(settings, tmp_path):
    import shutil

    from assistant.config import load_settings
    from assistant.index import build_index

    shutil.copytree(settings.resolved("corpus_dir"), tmp_path / "corpus")
    shutil.copytree(settings.resolved("index_dir"), tmp_path / "index")
    with (tmp_path / "corpus" / "glossary.csv").open("a", encoding="utf-8") as handle:
        handle.write("UPW,acronym,unpaid work (community payback),unpaid work\n")
    report = build_index(load_settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index"))
    assert any("UPW 'unpaid work (community payback)' is given twice" in w for w in report.warnings)
