"""The lead and the compare lines say only what each example's own fields and text hold (issue 16, items 1 and 4).

Every seed example and every example of the fixture publications is checked against its own
text: the lead names the person, age, sentence and needs it was tagged with; "like yours" lists
only what the question states and the example's text shows; "different" is said only of an age
or gender the example's text gives, and nothing is ever said to be missing ("no HDC").
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.answer.compose import compare_facets
from assistant.answer.lead import describe, fact_lead, lead_line
from assistant.ingest import parse_document
from assistant.question.facets import QueryFacets
from assistant.retrieve import Ranking
from assistant.retrieve.retriever import Query
from assistant.types import Citation, Example
from assistant.vocab.tags import NEED_TERMS, SENTENCE_TERMS, implied_needs, labels_in

PUBLICATIONS = Path(__file__).resolve().parents[1] / "fixtures" / "publications"
_LINE = re.compile(r"^- \[(\d+)\] (.+?) — (.*)\.$")


@pytest.fixture(scope="module")
def every_example(assistant) -> list[Example]:
    examples = list(assistant.examples())
    for path in sorted(PUBLICATIONS.iterdir()):
        if path.suffix in (".txt", ".md", ".html", ".pdf", ".docx"):
            examples += parse_document(path).examples
    cases = [e for e in examples if e.kind == "case"]
    assert len(cases) >= 40  # the seed's and the fixtures'
    return cases


def _pronouns(text: str) -> str | None:
    """The gender the example's own text uses most for a person (he/him/his against she/her)."""
    male = len(re.findall(r"\b(?:he|him|his|himself)\b", text, re.I))
    female = len(re.findall(r"\b(?:she|her|hers|herself)\b", text, re.I))
    if male == female:
        return None
    return "male" if male > female else "female"


def _shown_in_text(example: Example) -> set[str]:
    """Every sentence and need label the example's own text shows (and the needs its sentence implies)."""
    found = labels_in([example.title, example.intro, *(p for g in example.groups for p in g.points), example.outcome or ""])
    sentences = found & set(SENTENCE_TERMS) | set(example.sentence)
    return found | sentences | implied_needs(sentences)


def _ranking(facets: QueryFacets) -> Ranking:
    return Ranking(Query("q", (), facets), [], {}, 0.5, 0.5)


def _asking_everything(gender: str | None, age: int | None) -> QueryFacets:
    """A question stating every sentence and need label of the vocabulary, and a gender and age."""
    return QueryFacets(age=age, gender=gender, sentence=frozenset(SENTENCE_TERMS), needs=frozenset(NEED_TERMS))


def test_compare_lines_never_contradict_the_examples_own_text(every_example):
    checked = 0
    for example in every_example:
        person = example.person
        text = f"{example.intro}\n" + "\n".join(p for g in example.groups for p in g.points)
        shown = _shown_in_text(example)
        ages = {int(a) for a in re.findall(r"\b(\d{2})\b", f"{example.title} {example.intro} {example.text}")}
        for gender in ("male", "female"):
            for age in (None, 16, 70):
                facets = _asking_everything(gender, age)
                lines = compare_facets(_ranking(facets), (Citation(1, example, ()),))
                for line in lines:
                    checked += 1
                    assert not re.search(r"\bno\b|not in this case|\bwithout\b", line), line
                    found = _LINE.match(line)
                    assert found, line
                    for part in found.group(3).split(". "):
                        claim, _, items = part.partition(": ")
                        assert claim in ("like yours", "different"), line
                        for item in (items.split(", ") if claim == "like yours" else items.split("; ")):
                            if item in ("a man", "a woman"):
                                said = "male" if item == "a man" else "female"
                                assert person is not None and person.gender == said, (example.title, line)
                                assert _pronouns(text) in (said, None), (example.title, line)
                            elif item.startswith("aged "):
                                assert person is not None and person.age in ages, (example.title, line)
                                assert int(item.split()[1]) == person.age, (example.title, line)
                            else:
                                assert claim == "like yours" and item in shown, (example.title, item, line)
    assert checked >= len(every_example)  # every example said something to a question that states everything


def test_the_lead_says_only_what_the_fields_hold(every_example):
    for example in every_example:
        line = describe(example)
        person = example.person
        if person and person.name:
            assert line.startswith(person.name)
        if person and person.age is not None:
            assert f", {person.age}" in line
        named = re.findall(r"; (.*)$", line)
        for need in (named[0].split(", ") if named else []):
            assert need in example.needs, (example.title, need)
        for label in example.sentence:
            if label in line:
                assert label in example.sentence
        for word in ("not", "no ", "without"):
            assert f" {word}" not in line.replace(example.title, ""), line


def test_the_lead_names_the_closest_example_and_why_it_fits(assistant):
    emily = next(e for e in assistant.examples() if e.person and e.person.name == "Emily")
    facets = QueryFacets(gender="female", needs=frozenset({"pregnancy"}))
    lead = lead_line((Citation(1, emily, ()),), facets)
    assert lead.startswith("Closest: Emily, ")
    assert "like your case: a woman, pregnancy" in lead
    paul = next(e for e in assistant.examples() if e.person and e.person.name == "Paul")
    both = lead_line((Citation(1, emily, ()), Citation(2, paul, ())), facets)
    assert " Also: Paul" in both and both.count("like your case") == 1  # Paul is not pregnant: nothing is claimed


def test_a_fact_lead_names_where_the_fact_comes_from(assistant):
    section = assistant.sections()[0]
    assert fact_lead((Citation(1, section, ()),)).startswith("From: ")
    organisational = next(e for e in assistant.examples() if e.kind == "organisational")
    lead = fact_lead((Citation(1, organisational, ()),))
    assert lead.startswith(f"From: {organisational.title} (") and organisational.section in lead
