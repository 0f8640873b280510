"""Fixture publications in every family, format and layout parse to their expected structure (issues 9, 17).

Each fixture under tests/fixtures/publications/ has an `<name>.expected.json` listing every
example with all its fields and its complete text, the document's metadata, every piece of
content the generator wrote, and its page furniture. The structural fields (title, kind,
person, outcome, section, complete text) must be right for at least 98% of fields, with no
spurious or merged examples; the tagger's fields (sentence, needs) are checked separately;
the metadata must be read from the document itself (no meta file); at least 99% of each
fixture's content characters must be indexed and none of its furniture.

`.venv/bin/python -m pytest -q -s tests/test_ingest_fixtures.py -k "accuracy or indexes"` prints
the figures per fixture.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant.ingest import parse_document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "publications"
NAMES = sorted(p.name.removesuffix(".expected.json") for p in FIXTURES.glob("*.expected.json"))
STRUCTURAL = ("title", "kind", "person", "outcome", "section", "text")


def _squash(text: str | None) -> str | None:
    return None if text is None else " ".join(text.replace("’", "'").split())


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\d])", text.strip()) if s]


def complete_text(example, expected: dict) -> bool:
    """Whether every sentence of every expected line (introduction, sub-headings, points, outcome) is in
    the example's text."""
    text = _squash(example.text)
    lines = expected.get("text") or [expected["text_first"], expected["text_last"]]
    return all(_squash(sentence) in text for line in lines for sentence in _sentences(line))


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
        "text": _squash(expected["text_first"]) in text and _squash(expected["text_last"]) in text
        and complete_text(example, expected),
        "sentence": set(example.sentence) == set(expected["sentence"]),
        "needs": set(example.needs) == set(expected["needs"]),
    }


@pytest.fixture(scope="module", params=NAMES)
def fixture(request):
    return request.param, *_document(request.param)


def _file(name: str) -> Path:
    return next(p for p in FIXTURES.glob(f"{name}.*") if not p.name.endswith(".json"))


def test_there_is_a_fixture_for_every_family_format_and_layout():
    suffixes = {_file(n).suffix for n in NAMES}
    assert suffixes == {".txt", ".html", ".md", ".pdf", ".docx"}
    expected = {n: json.loads((FIXTURES / f"{n}.expected.json").read_text()) for n in NAMES}
    kinds = {e["document_kind"] for e in expected.values()}
    assert kinds == {"spotlight", "guide", "youth guide", "report"}
    for name in NAMES:
        assert len(expected[name]["examples"]) >= 8
    # issue 17's layout classes: a Word spotlight of table case studies, a web page of boxes, a PDF report of
    # one delivery unit; and names written with accents
    layouts = {(_file(n).suffix, expected[n]["document_kind"]) for n in NAMES}
    assert {(".docx", "spotlight"), (".html", "report"), (".pdf", "report")} <= layouts
    accented = [n for n in NAMES if any(e["person"] and e["person"]["name"] and not e["person"]["name"].isascii()
                                        for e in expected[n]["examples"])]
    assert len(accented) >= 3


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
    """Title, year, region and kind with no meta file, each with where it was read (issue 17 item 4)."""
    name, doc, expected = fixture
    assert not (FIXTURES / f"{name}.meta.json").exists()
    want = expected["metadata"]
    assert doc.meta["kind"] == expected["document_kind"] == want["kind"]
    assert doc.title == expected["document"] == want["title"]
    year = int(name.rsplit("-", 1)[1])
    assert doc.meta["year"] == year == want["year"]
    assert doc.meta.get("region") == want["region"]
    assert all(e.document_year == year and e.document_kind == expected["document_kind"]
               and e.document_region == want["region"] for e in doc.examples)
    read = doc.accounting["metadata"]
    assert {field: read[field]["value"] for field in want} == want
    assert all(read[field]["source"] for field in want if want[field] is not None)


def _norm(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').replace("•", " ")
    return " ".join(text.lower().split())


def indexed_text(doc) -> str:
    """Everything of a document that the index holds: its title, each example's title, section and text,
    each section's title, path and text."""
    parts = [doc.title]
    for example in doc.examples:
        parts += [example.title, example.section, example.text]
    for section in doc.sections:
        parts += [section.title, *section.path, section.text]
    return _norm("\n".join(parts))


def coverage(doc, expected: dict) -> tuple[float, list[str]]:
    """The share of the fixture's content characters found in what is indexed, and the pieces missing."""
    text = indexed_text(doc)
    content = [c for c in expected["content"] if c.strip()]
    missing = [c for c in content if _norm(c) not in text]
    total = sum(len(c) for c in content)
    return 1 - sum(len(c) for c in missing) / total, missing


def test_every_fixture_indexes_99_percent_of_its_text(fixture):
    """Nothing lost silently (issue 17 item 1): at least 99% of the content the generator wrote is indexed,
    for every format, measured against the generator's record, not the parser's own accounting."""
    name, doc, expected = fixture
    share, missing = coverage(doc, expected)
    print(f"{name}: {share:.2%} of content characters indexed; kept {doc.accounting['kept']:,} of "
          f"{doc.accounting['characters']:,} characters; dropped {doc.accounting['dropped']}")
    assert share >= 0.99, missing


def test_furniture_is_dropped_with_a_reason_and_never_indexed(fixture):
    """Page furniture (navigation, cookie banners, running headers, licence lines) is not indexed, and the
    accounting names every drop: nothing is unplaced, and kept + dropped is every character."""
    name, doc, expected = fixture
    text = indexed_text(doc)
    leaked = [f for f in expected["furniture"] if len(f.split()) >= 3 and _norm(f) in text]
    assert leaked == []
    accounting = doc.accounting
    assert "unplaced" not in accounting["dropped"] and all(accounting["dropped"])
    assert accounting["kept"] + sum(accounting["dropped"].values()) == accounting["characters"]
    assert (accounting["examples"], accounting["sections"]) == (len(doc.examples), len(doc.sections))


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


def test_report_per_fixture():
    """The figures issue 17 asks for, per fixture: examples found / expected, every field right (the six
    structural ones and the tagger's two), metadata right with no meta file, content indexed. Prints a table
    (`pytest -s`) and holds the acceptance bars: every example found, >= 0.95 of the fields and metadata right,
    >= 99% of the content indexed."""
    fields = (*STRUCTURAL, "sentence", "needs")
    rows = []
    for name in NAMES:
        doc, expected = _document(name)
        by_title = {e.title: e for e in doc.examples}
        found = [w for w in expected["examples"] if w["title"] in by_title]
        right = sum(sum(field_results(by_title[w["title"]], w)[f] for f in fields) for w in found)
        meta = expected["metadata"]
        read = {"title": doc.title, "year": doc.meta.get("year"), "region": doc.meta.get("region"),
                "kind": doc.meta.get("kind")}
        meta_right = sum(read[f] == meta[f] for f in meta)
        share, _ = coverage(doc, expected)
        rows.append((name, len(found), len(expected["examples"]), len(doc.examples), right,
                     len(fields) * len(expected["examples"]), meta_right, len(meta), share))
    print("\nfixture | examples found/expected (parsed) | fields right | metadata right | content indexed")
    for name, found, want, parsed, right, total, meta_right, meta_total, share in rows:
        print(f"{name} | {found}/{want} ({parsed}) | {right}/{total} | {meta_right}/{meta_total} | {share:.2%}")
    for name, found, want, parsed, right, total, meta_right, meta_total, share in rows:
        assert found == want == parsed, name
        assert right / total >= 0.95 and meta_right / meta_total >= 0.95 and share >= 0.99, name
