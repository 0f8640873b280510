"""What the documents cover: the terms a question names, and whether the corpus uses them or their meaning."""

from __future__ import annotations

import pytest

from assistant.answer.coverage import CorpusPhrases, CoverageChecker


@pytest.fixture(scope="module")
def checker(assistant):
    index = assistant.index
    return CoverageChecker(CorpusPhrases.for_index(index), index.glossary, assistant.composer.scorer.vectors)


def test_the_corpus_phrases_are_read_through_the_keyword_index(checker):
    phrases = checker.phrases
    assert phrases.contains("approved premises") and phrases.contains("maturity screening tool")
    assert not phrases.contains("polygraph testing")
    assert phrases.has_word("rehabilitation") and not phrases.has_word("zebrafish")


def test_a_question_names_its_acronyms_names_and_terms(checker):
    terms = {t.text: t.kind for t in checker.terms("Does ROTL apply to a Sexual Harm Prevention Order on an "
                                                   "attendance centre requirement?")}
    assert terms["ROTL"] == "acronym"
    assert terms["Sexual Harm Prevention Order"] == "name"
    assert terms["attendance centre"] == "term"  # the corpus knows "requirement": the term it lacks is the rest


def test_a_term_is_covered_as_a_phrase_or_by_its_glossary_meaning(checker):
    assert checker.covers("approved premises")
    assert checker.covers("AP")  # the glossary spells it out, and the documents use the meaning
    assert not checker.covers("polygraph")


def test_an_uncovered_central_term_is_named_and_a_covered_one_is_not(checker):
    uncovered = checker.check("Is a polygraph condition mandatory on a sex offender's licence?")
    assert [t.text for t in uncovered.central] and "polygraph" in " ".join(uncovered.not_covered).lower()
    covered = checker.check("How did the PP use the maturity screening tool in the PSR?")
    assert covered.central == ()
