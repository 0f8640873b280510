"""The hand-checked tag table (docs/tags.md): every seed and fixture example gets exactly the tags the table
gives it, and the table agrees with evals/seed_tags.json and the fixtures' expected files."""

from __future__ import annotations

import json
import re

import pytest

from assistant.ingest import load_corpus, parse_document
from conftest import ROOT

TABLE = ROOT / "docs" / "tags.md"
FIXTURES = ROOT / "tests" / "fixtures" / "publications"


def _values(cell: str) -> set[str]:
    return set() if cell.strip() == "—" else {v.strip() for v in cell.split(",")}


def read_table() -> dict[str, dict]:
    """The table's rows by example id: person, sentence, needs and (seed rows) standards."""
    rows = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        found = re.match(r"^\| `([^`]+)` \|(.*)\|$", line)
        if not found:
            continue
        cells = [c.strip() for c in found.group(2).split(" | ")]
        seed = len(cells) == 5
        rows[found.group(1)] = {"person": cells[0], "sentence": _values(cells[1]), "needs": _values(cells[2]),
                                "standards": _values(cells[3]) if seed else None, "why": cells[-1]}
    return rows


ROWS = read_table()


@pytest.fixture(scope="module")
def examples():
    """Every seed and fixture example, as the parser and tagger read it now."""
    found = {e.id: e for doc in load_corpus(ROOT / "corpus") for e in doc.examples}
    for path in sorted(FIXTURES.iterdir()):
        if path.suffix not in (".json", ".py"):
            found.update({e.id: e for e in parse_document(path).examples})
    return found


def test_the_table_covers_every_seed_and_fixture_example_once(examples):
    assert set(ROWS) == set(examples)
    assert len(ROWS) == sum(1 for line in TABLE.read_text(encoding="utf-8").splitlines() if line.startswith("| `"))
    assert all(row["why"] and row["why"] != "—" for row in ROWS.values())  # every row says why


@pytest.mark.parametrize("example_id", sorted(ROWS))
def test_every_example_gets_the_tags_in_the_table(examples, example_id):
    row, example = ROWS[example_id], examples[example_id]
    assert set(example.sentence) == row["sentence"], row["why"]
    assert set(example.needs) == row["needs"], row["why"]
    if row["standards"] is not None:
        assert set(example.standards) == row["standards"], row["why"]


def test_the_table_agrees_with_the_labelled_files():
    seed = json.loads((ROOT / "evals" / "seed_tags.json").read_text(encoding="utf-8"))
    for example_id, labels in seed.items():
        row = ROWS[example_id]
        assert row["sentence"] == set(labels["sentence"]) | set(labels["requirements"]) | set(labels["arrangements"])
        assert row["needs"] == set(labels["needs"]) and row["standards"] == set(labels["standards"])
    for path in FIXTURES.glob("*.expected.json"):
        expected = json.loads(path.read_text(encoding="utf-8"))
        rows = [r for i, r in ROWS.items() if i.startswith(path.name.removesuffix(".expected.json") + ":")]
        assert len(rows) == len(expected["examples"]), path.name
        for row, want in zip(rows, expected["examples"]):
            assert (row["sentence"], row["needs"]) == (set(want["sentence"]), set(want["needs"])), want["title"]


def test_a_possible_learning_disability_is_neurodiversity_and_other_suspicions_are_not():
    """The "ADHD and neurodiversity" filter dropped the only possible-learning-disability case."""
    from assistant.vocab.tags import person_needs

    assert ROWS["ne-2025:effective-practice-to-achieve-programme-delivery"]["needs"] == {"ADHD and neurodiversity"}
    assert person_needs("The PP remained mindful of a potential undiagnosed learning disability.") == \
        ("ADHD and neurodiversity",)
    assert person_needs("She may have possible autism.") == ("ADHD and neurodiversity",)
    assert person_needs("There were suspected mental health issues.") == ()  # still not established
    assert person_needs("The PP assessed potential victim impact.") == ()
