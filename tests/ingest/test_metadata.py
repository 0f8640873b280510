"""Publication metadata on units: from the meta file or the document; only http(s) links kept."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict

import pytest

from assistant.errors import CorpusError
from assistant.ingest import parse_document, read_corpus
from assistant.types import unit_from_json, unit_to_json
from conftest import ROOT
from test_parse import SEED

SPOTLIGHT_TEXT = (
    "Effective Practice Spotlight: The Probation Service – North West region\n\nYear:\n2024\n\n"
    "Court work (Back to top)\n\nExample of effectiveness: A clear report\n\n"
    "Ben, a 30-year-old man, received a community order. He had no previous convictions.\n\n"
    "Outcome: The court followed the proposal.\n"
)


def test_units_carry_the_publication_year_region_and_kind_from_the_meta_file():
    doc = parse_document(SEED)
    units = [*doc.examples, *doc.sections]
    assert {(u.document_year, u.document_region, u.document_kind) for u in units} == {(2025, "North East", "spotlight")}


def test_metadata_is_read_from_the_document_when_there_is_no_meta_file(tmp_path):
    path = tmp_path / "north-west.txt"
    path.write_text(SPOTLIGHT_TEXT, encoding="utf-8")
    doc = parse_document(path)
    assert doc.title == "Effective Practice Spotlight: The Probation Service – North West region"
    [example] = doc.examples
    assert (example.document_year, example.document_region, example.document_kind) == (2024, "North West", "spotlight")


def test_only_http_links_are_kept_from_the_meta_file(tmp_path):
    path = tmp_path / "north-west.txt"
    path.write_text(SPOTLIGHT_TEXT, encoding="utf-8")
    (tmp_path / "north-west.meta.json").write_text(json.dumps({"id": "nw", "url": "javascript:alert(1)"}))
    doc = parse_document(path)
    assert all(e.url == "" for e in doc.examples)
    assert any("ignored the meta file's url" in w and "only http(s)" in w for w in doc.warnings)
    (tmp_path / "north-west.meta.json").write_text(json.dumps({"id": "nw", "url": "https://example.org/nw"}))
    doc = parse_document(path)
    assert doc.examples[0].url.startswith("https://example.org/nw#:~:text=") and doc.warnings == []


def test_units_files_from_before_the_metadata_fields_still_load():
    example = parse_document(SEED).examples[3]
    row = unit_to_json(example)
    assert row["document_year"] == 2025
    for name in ("document_year", "document_region", "document_kind"):
        del row[name]
    old = unit_from_json(row)
    assert old.document_year is None and old.title == example.title and old.person == example.person
    assert asdict(old) | {"document_year": 2025, "document_region": "North East",
                          "document_kind": "spotlight"} == asdict(example)


@pytest.mark.parametrize("meta, message", [
    ({"title": ["Effective practice", "guide"]}, '"title" must be text, got a list'),
    ({"title": {"en": "A guide"}}, '"title" must be text, got an object'),
    ({"region": 7}, '"region" must be text, got a number'),
    ({"kind": True}, '"kind" must be text, got true/false'),
    ({"year": "soon"}, '"year" must be a year such as 2025, got "soon"'),
    ({"year": [2025]}, '"year" must be a year such as 2025, got a list'),
    ({"year": 12}, '"year" must be a year such as 2025, got a number'),
    ({"id": "has spaces and / slashes"}, '"id" must be a short name'),
    ({"id": ["nw"]}, '"id" must be text, got a list'),
    ({"licence": "x" * 3000}, '"licence" is 3,000 characters long; keep it under 2,000'),
    ({"fieldwork": ["April", "May"]}, '"fieldwork" must be text, got a list'),
])
def test_meta_files_are_checked_against_their_schema(tmp_path, meta, message):
    """A list as a title used to show as the title; every field's type is checked, in one line naming it."""
    path = tmp_path / "north-west.txt"
    path.write_text(SPOTLIGHT_TEXT, encoding="utf-8")
    (tmp_path / "north-west.meta.json").write_text(json.dumps(meta))
    with pytest.raises(CorpusError) as refused:
        parse_document(path)
    assert str(refused.value).startswith(f"north-west.meta.json: {message}") and "\n" not in str(refused.value)
    assert str(refused.value).endswith("; fix it or delete it")


def test_a_document_with_a_bad_meta_file_is_skipped_and_the_rest_read(tmp_path):
    shutil.copytree(ROOT / "corpus", tmp_path / "corpus")
    documents = tmp_path / "corpus" / "documents"
    (documents / "north-west.txt").write_text(SPOTLIGHT_TEXT, encoding="utf-8")
    (documents / "north-west.meta.json").write_text(json.dumps({"title": ["a", "list"], "year": 2024}))
    read = read_corpus(tmp_path / "corpus")
    assert [d.id for d in read.documents] == ["ne-2025", "standards"]
    assert read.skipped == [("north-west.txt", 'north-west.meta.json: "title" must be text, got a list; fix it or '
                                               "delete it")]


def test_meta_values_of_every_allowed_type_are_kept(tmp_path):
    path = tmp_path / "north-west.txt"
    path.write_text(SPOTLIGHT_TEXT, encoding="utf-8")
    (tmp_path / "north-west.meta.json").write_text(json.dumps(
        {"id": "nw-2024", "title": "North West", "year": "2024", "region": None, "pages": 12, "draft": False}))
    assert parse_document(path).title == "North West"
