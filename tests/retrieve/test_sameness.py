"""The same example published twice is shown once, with both sources."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import pytest

from assistant.retrieve.sameness import _words, merge_near_duplicates, same_example
from assistant.types import Hit
from conftest import copy_corpus

KAI = "ne-2025:professional-curiosity-and-cultural-responsivity-in-practice"


def test_a_reprinted_example_is_folded_into_the_better_ranked_one(assistant):
    kai = assistant.example(KAI)
    reprint = replace(kai, id="guide:kai", document="A later guide", document_id="guide", document_year=2026)
    other = assistant.examples()[5]
    hits = [Hit(1, kai, 1.0, ()), Hit(2, other, 0.8, ()), Hit(3, reprint, 0.7, ())]
    merged = merge_near_duplicates(hits)
    assert [h.id for h in merged] == [KAI, other.id]
    assert [h.rank for h in merged] == [1, 2]
    assert merged[0].also == (reprint,)
    assert merged[0].to_json()["also_in"] == [{"id": "guide:kai", "document": "A later guide", "year": 2026,
                                               "url": kai.url}]


def test_only_near_identical_units_from_different_publications_are_the_same(assistant):
    kai = assistant.example(KAI)
    assert not same_example(kai, replace(kai, id="ne-2025:copy"))  # the same publication: kept apart
    edited = replace(kai, id="g:kai", document_id="g", title="Another title",
                     text=kai.text + "\n\nA later review kept the same approach.")
    assert same_example(kai, edited)  # most of its words are the same case
    assert not same_example(kai, replace(assistant.examples()[6], document_id="g"))


@pytest.mark.slow
def test_search_and_answers_show_a_reprinted_example_once_with_both_sources(tmp_path):
    from assistant.api import Assistant
    from assistant.config import load_settings
    from assistant.index import build_index

    corpus = copy_corpus(tmp_path / "corpus")
    documents = corpus / "documents"
    seed = documents / "effective-practice-spotlight-north-east-2025.txt"
    shutil.copy(seed, documents / "reprint.txt")
    (documents / "reprint.meta.json").write_text(json.dumps({"id": "reprint", "title": "A reprint of the spotlight",
                                                             "year": 2026}))
    settings = load_settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    build_index(settings)
    assistant = Assistant(settings)
    hits = assistant.search("Muslim man on licence, exclusion zone covers his mosque", k=5)
    ids = [h.id for h in hits]
    assert len(ids) == 5 and len({i.split(":", 1)[1] for i in ids}) == 5  # no example twice
    spotlight = "Effective Practice Spotlight: The Probation Service – North East region"
    assert len(hits[0].also) == 1
    assert {hits[0].unit.document, hits[0].also[0].document} == {spotlight, "A reprint of the spotlight"}
    answer = assistant.ask("Muslim man on licence, exclusion zone covers his mosque")
    first = answer.to_json()["citations"][0]
    assert {first["document"], first["also_in"][0]["document"]} == {spotlight, "A reprint of the spotlight"}
    assert "Also published in: " in answer.answer and "A reprint of the spotlight (2026)" in answer.answer


def _scale_benchmark():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "evals" / "scale_benchmark.py"
    spec = importlib.util.spec_from_file_location("scale_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_renamed_and_reworded_copies_are_one_example_and_different_examples_never(assistant, tmp_path):
    """The 100x corpus's copies (other names and ages, sentences moved, dropped and added) fold into one."""
    from assistant.ingest import parse_document

    bench = _scale_benchmark()
    seed = [e for e in assistant.examples() if e.kind == "case"]
    text = (assistant.settings.corpus_dir / "documents" / "effective-practice-spotlight-north-east-2025.txt").read_text(
        encoding="utf-8")
    persons = {e.person.name: e.person.gender for e in seed if e.person and e.person.name}
    for n in (3, 7):
        path = tmp_path / f"variant-{n}.txt"
        path.write_text(bench.spotlight_variant(text, persons, n), encoding="utf-8")
        copies = [e for e in parse_document(path).examples if e.kind == "case"]
        assert len(copies) == len(seed)
        renamed = sum(1 for a, b in zip(seed, copies) if a.person and b.person and a.person.name != b.person.name)
        assert renamed >= len(seed) // 2  # the copies really are under other names
        for original in seed:
            same = [c.title for c in copies if same_example(original, c)]
            assert same == [original.title], original.title
        hits = [Hit(i + 1, u, 1.0 - i / 100, ()) for i, u in enumerate(c for pair in zip(seed, copies) for c in pair)]
        merged = merge_near_duplicates(hits)
        assert [h.unit.id for h in merged] == [e.id for e in seed]
        assert all(len(h.also) == 1 for h in merged)


def test_a_short_section_quoted_inside_a_longer_one_is_not_a_copy_of_it(assistant):
    units = assistant.index.units
    short = units["standards:section:standard-1-1-leadership"]  # a two-line summary of the standard…
    longer = units["ne-2025:section:our-standards"]  # …that the spotlight's section on the standards quotes
    shared = len(_words(short) & _words(longer)) / len(_words(short))
    assert shared >= 0.75  # most of its words are in the other: containment alone would call them one
    assert not same_example(short, longer)
