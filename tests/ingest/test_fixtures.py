"""Fixture publications in every family and format parse to their expected structure (issue 9).

Each fixture under tests/fixtures/publications/ has an `<name>.expected.json` listing every
example. The structural fields (title, kind, person, outcome, section, complete text) must be
right for at least 98% of fields, with no spurious or merged examples; the tagger's fields
(sentence, needs) are checked separately.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.ingest import parse_document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "publications"
NAMES = sorted(p.name.removesuffix(".expected.json") for p in FIXTURES.glob("*.expected.json"))
STRUCTURAL = ("title", "kind", "person", "outcome", "section", "text")


def _squash(text: str | None) -> str | None:
    return None if text is None else " ".join(text.replace("’", "'").split())


def _document(name: str):
    [path] = [p for p in FIXTURES.glob(f"{name}.*") if not p.name.endswith(".expected.json")]
    return parse_document(path), json.loads((FIXTURES / f"{name}.expected.json").read_text(encoding="utf-8"))


def field_results(example, expected: dict) -> dict[str, bool]:
    """Whether each field of one parsed example is what the expected structure says."""
    person = None if example.person is None else {"name": example.person.name, "age": example.person.age,
                                                  "gender": example.person.gender}
    text = _squash(example.text)
    return {
        "title": _squash(example.title) == _squash(expected["title"]),
        "kind": example.kind == expected["kind"],
        "person": person == expected["person"],
        "outcome": _squash(example.outcome) == _squash(expected["outcome"]),
        "section": _squash(example.section) == _squash(expected["section"]),
        "text": _squash(expected["text_first"]) in text and _squash(expected["text_last"]) in text,
        "sentence": set(example.sentence) == set(expected["sentence"]),
        "needs": set(example.needs) == set(expected["needs"]),
    }


@pytest.fixture(scope="module", params=NAMES)
def fixture(request):
    return request.param, *_document(request.param)


def test_there_is_a_fixture_for_every_family_and_format():
    suffixes = {next(p for p in FIXTURES.glob(f"{n}.*") if not p.name.endswith(".json")).suffix for n in NAMES}
    assert suffixes == {".txt", ".html", ".md", ".pdf", ".docx"}
    kinds = {json.loads((FIXTURES / f"{n}.expected.json").read_text())["document_kind"] for n in NAMES}
    assert kinds == {"spotlight", "guide", "youth guide", "report"}
    for name in NAMES:
        assert len(json.loads((FIXTURES / f"{name}.expected.json").read_text())["examples"]) >= 8


def test_no_spurious_or_merged_examples(fixture):
    name, doc, expected = fixture
    assert [e.title for e in doc.examples] == [e["title"] for e in expected["examples"]]
    assert doc.warnings == []


def test_structural_fields_are_right(fixture):
    name, doc, expected = fixture
    assert len(doc.examples) == len(expected["examples"])
    wrong = []
    total = right = 0
    for example, want in zip(doc.examples, expected["examples"]):
        results = field_results(example, want)
        for field in STRUCTURAL:
            total += 1
            right += results[field]
            if not results[field]:
                wrong.append(f"{want['title']}: {field}")
    accuracy = right / total
    print(f"{name}: {right}/{total} structural fields right ({accuracy:.3f})")
    assert accuracy >= 0.98, wrong


def test_all_fixtures_together_reach_the_acceptance_accuracy():
    """The issue's bar over every fixture: >= 0.98 of the structural fields right."""
    total = right = 0
    for name in NAMES:
        doc, expected = _document(name)
        for example, want in zip(doc.examples, expected["examples"]):
            results = field_results(example, want)
            total += len(STRUCTURAL)
            right += sum(results[f] for f in STRUCTURAL)
        total += len(STRUCTURAL) * abs(len(doc.examples) - len(expected["examples"]))
    print(f"all fixtures: {right}/{total} structural fields right ({right / total:.3f})")
    assert right / total >= 0.98


def test_publication_metadata_is_read_from_the_document(fixture):
    name, doc, expected = fixture
    assert doc.meta["kind"] == expected["document_kind"]
    assert doc.title == expected["document"]
    year = int(name.rsplit("-", 1)[1])
    assert doc.meta["year"] == year
    assert all(e.document_year == year and e.document_kind == expected["document_kind"] for e in doc.examples)


def test_fixture_sentence_and_needs():
    """Sentence (what was imposed in the case) and needs (the person's), written by the rules."""
    wrong = []
    total = right = 0
    for name in NAMES:
        doc, expected = _document(name)
        for example, want in zip(doc.examples, expected["examples"]):
            results = field_results(example, want)
            for field in ("sentence", "needs"):
                total += 1
                right += results[field]
                if not results[field]:
                    wrong.append(f"{name} / {want['title']}: {field}")
    assert right / total >= 0.98, wrong
