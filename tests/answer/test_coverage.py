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


# --- issue 16: "not covered" decided by meaning --------------------------------------------------

@pytest.mark.parametrize("question", [
    "My PoP keeps DNA'ing and his SPO wants an update - what's worked for others?",
    "Lad on a CO, 3 wks in, back on the gear - any tips from other POs?",
    "Polish fella in his forties, Catholic, new to the area and on licence - how do I build rapport?",
    "Young woman from a Traveller family on UPW keeps missing sessions - ideas?",
    # enforcement and checks in practitioners' words: "short of recall", an HDC address check
    "Out on HDC after burglaries, his sister helped with the address checks. If he lapses on licence, "
    "what's a sensible response short of recall?",
])
def test_everyday_probation_words_and_descriptions_of_the_person_are_understood(assistant, question):
    answer = assistant.ask(question)
    assert not answer.refused and answer.not_covered == ()


@pytest.mark.parametrize("question, topic", [
    ("He keeps gambling his wages away on his phone - where do I start?", "gambling"),
    ("My client's dad died last month and he can't stop thinking about it - how do I support him with his grief?",
     "bereavement and grief"),
    ("She's been selling sex to pay for her habit. What should I do?", "sex work"),
    ("He's being made to work for nothing on a building site by the men he owes. Is that slavery and what do I do?",
     "modern slavery and trafficking"),
])
def test_a_topic_in_everyday_words_that_the_documents_lack_is_not_covered(assistant, question, topic):
    answer = assistant.ask(question)
    assert answer.refused and answer.shape == "not_covered"
    assert answer.not_covered == (topic,)  # the core concept only, never a stray word


def test_an_offence_that_only_describes_the_case_leaves_the_question_answered(checker):
    described = checker.check("Woman on licence for fraud keeps missing appointments - how do I keep her engaged?")
    assert not [t for t in described.central if t.kind == "topic"]
    asked = checker.check("What work is there on his fire-setting?")
    assert [t.text for t in asked.central] == ["fire-setting and arson"]


def test_a_topic_the_corpus_covers_is_answered_from_it(checker):
    """The list is a help, not a verdict: a corpus holding a topic's own phrases covers it."""
    topic = next(t for t in __import__("assistant.vocab.everyday", fromlist=["topics"]).topics() if t.name == "gambling")
    assert not checker._topic_in_corpus(topic)
    checker._topics_known["gambling"] = True  # as if a publication about gambling had been added
    try:
        assert checker.check("He keeps gambling his wages away - what do I do?").central == ()
    finally:
        checker._topics_known.pop("gambling")


def test_a_clause_that_asks_about_what_came_before_makes_it_the_core(checker):
    terms = checker.terms("The victim took out a DVPO against him. Does that replace his licence conditions?")
    assert any(t.text == "DVPO" and t.in_request for t in terms)


@pytest.mark.parametrize("question, concept", [
    # an everyday probation word is understood, but what it names must still be in the documents
    ("What's the process when a case transfers from the youth offending team to adult probation at 18?",
     "youth offending team"),
    ("How long does post-sentence supervision last after the licence ends?", "post-sentence supervision"),
])
def test_a_probation_word_the_documents_do_not_deal_with_is_not_covered(assistant, question, concept):
    answer = assistant.ask(question)
    assert answer.refused and concept in answer.not_covered


def test_an_everyday_phrase_is_missing_only_when_nothing_answers_the_question_well(assistant):
    # "programme team" is nowhere in the documents, but the practice for a restarted programme is
    answer = assistant.ask("Got resentenced to an SSO halfway through TSP. Will the programme team make him start "
                           "from module one?")
    assert not answer.refused and answer.not_covered == ()


def test_an_acronym_beside_a_clause_that_matches_nothing_is_what_the_question_is_about(assistant):
    answer = assistant.ask("The EM contractor keeps reporting strap alerts on my client's kit but he says it's "
                           "faulty. How do I get the equipment checked?")
    assert answer.refused and "EM" in answer.not_covered


def test_a_part_that_leans_on_an_uncovered_part_is_not_answered_out_of_context(assistant):
    answer = assistant.ask("Is a polygraph condition usual on a sex offender's licence, and what do I do if he "
                           "fails the test?")
    assert answer.refused  # both parts rest on the polygraph, which the documents do not cover
    assert any("polygraph" in concept for concept in answer.not_covered)


def test_a_phrase_written_in_three_words_is_one_term(checker):
    terms = [t.text for t in checker.terms("The victim won't have a face to face meeting - what else works?")]
    assert "face-to-face meeting" in terms and "face meeting" not in terms


def test_an_activity_is_covered_where_the_documents_speak_of_what_it_is_about(checker):
    assert checker.covers("thinking skills group course")  # the documents speak of thinking skills
    assert not checker.covers("polygraph group course")
    assert not checker.covers("MAPPA level 3 meeting")  # a number is never dropped, nor a name's capitals


def test_an_acronym_in_the_case_description_leaves_a_self_contained_ask_answered(assistant):
    # "how do I build trust?" points at nothing before it: the order named in the description is context
    answer = assistant.ask("She's 19, on a YRO that's just turned into adult supervision, and she won't open up "
                           "in sessions - how do I build trust?")
    assert not answer.refused and answer.not_covered == ()
