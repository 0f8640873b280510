"""How the composer reads questions and cuts examples into points (issue 8: points that answer).

The texts here are written for the tests, with invented people and schemes.
"""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answer import choice, compose, facts, scoring
from assistant.index import passages as passage_cutting
from assistant.question.intent import read_intent, request_topic
from assistant.types import Example, Group, Person


def _example(kind: str, intro: str, groups: tuple[Group, ...], outcome: str | None = None) -> Example:
    person = Person(name="Rhys", age=29, gender="male") if kind == "case" else None
    text = "\n".join([intro, *(g.text() for g in groups), *([f"Outcome: {outcome}"] if outcome else [])])
    return Example(id=f"test:{kind}", kind=kind, title="A test example", document="Test guide", document_id="test",
                   section="Testing", person=person, sentence=(), needs=(), standards=(), intro=intro, groups=groups,
                   outcome=outcome, text=text, url="https://example.org/test")


def test_a_full_stop_after_an_abbreviation_ends_no_sentence():
    text = ("A study by Okafor et al. (2021) found three kinds of curiosity. Staff used prompts, e.g. "
            "Reflective questions. Dr. Ames chaired it. They covered housing, benefits, etc. The PP referred him.")
    assert passage_cutting.split_sentences(text) == [
        "A study by Okafor et al. (2021) found three kinds of curiosity.",
        "Staff used prompts, e.g. Reflective questions.",
        "Dr. Ames chaired it.",
        "They covered housing, benefits, etc.",  # "etc." often ends a sentence
        "The PP referred him.",
    ]


def test_an_organisational_opening_is_practice_and_its_lead_in_joins_the_list():
    example = _example("organisational",
                       "The region asked staff which tasks wasted their time. A panel of officers reviewed every form. "
                       "The review:",
                       (Group("", ("removed duplicate forms from the induction pack",
                                   "moved routine letters to templates")),))
    passages = passage_cutting.passages_of(example)
    assert not any(p.is_intro for p in passages)  # what the practice was, not who a person is
    texts = [p.text for p in passages]
    assert "The review: removed duplicate forms from the induction pack" in texts
    assert "The review: moved routine letters to templates" in texts
    joined = next(p for p in passages if p.text.endswith("templates"))
    assert joined.pieces == ("The review:", "moved routine letters to templates")  # both verbatim in the source


def test_a_lead_in_that_leans_on_the_sentence_before_leads_alone():
    example = _example("organisational",
                       "The region asked staff which tasks wasted their time. Staff listed every form. This approach:",
                       (Group("", ("removed duplicate forms", "moved routine letters to templates")),))
    texts = [p.text for p in passage_cutting.passages_of(example)]
    assert "Staff listed every form." in texts  # a point of its own, not repeated before every item
    assert "This approach: removed duplicate forms" in texts
    assert not any(t.startswith("Staff listed every form. This approach") for t in texts)


def test_a_case_opening_describes_the_person_and_answers_only_questions_of_fact():
    example = _example("case", "Rhys, a 29-year-old man, was on licence. He had lost his flat.",
                       (Group("Accommodation", ("The PP referred him to a housing worker in the first week.",
                                                "Weekly calls kept him in touch while he sofa surfed.")),))
    passages = passage_cutting.passages_of(example)
    opening = passages[0]  # "He had…" leans on the sentence before it, so the two stay one point
    assert opening.is_intro and opening.text == example.intro
    assert not any(p.is_intro for p in passages[1:])
    how = facts.answering_candidates(passages, read_intent("How do I help him find somewhere to live?"))
    assert not any(p.is_intro for p in how)
    often = facts.answering_candidates(passages, read_intent("How often should I ring him?"))
    assert not any(p.is_intro for p in often)
    old = facts.answering_candidates(passages, read_intent("How many years old was he?"))
    assert any(p.is_intro for p in old)


@pytest.mark.parametrize("question, fact", [
    ("How often should I see him?", "frequency"),
    ("how frequently were home visits done", "frequency"),
    ("How many cases did inspectors review?", "count"),
    ("Who chaired the forum?", "who"),
    ("and who led it?", "who"),
    ("Writing a report on a young mum who was pressured into carrying drugs", None),
    ("My client, who is 19, keeps missing appointments", None),
    ("When did the fieldwork take place?", "when"),
    ("Any examples of working with a young man who ran away from care?", None),
    ("How many times has he been recalled to prison?", "count"),
    ("how many times a week should I see him", "frequency"),
])
def test_the_kind_of_fact_asked_for(question, fact):
    assert read_intent(question).fact == fact


def test_a_frequency_question_puts_the_point_with_a_frequency_first():
    example = _example("case", "Rhys was on a community order.",
                       (Group("Contact", ("Contact was fortnightly at first, then weekly after the disclosure.",
                                          "The PP was open about the consequences of missing contact.")),))
    intent = read_intent("How often should I see him?")
    weekly, open_ = [p for p in passage_cutting.passages_of(example) if not p.is_intro]
    assert facts.kind_bonus(weekly, intent, None) > facts.kind_bonus(open_, intent, None)


def test_the_number_that_counts_the_thing_asked_about_answers_a_count_question():
    section = _example("organisational", "", (Group("", (
        "We looked at 40 reports and 12 cases from the courts.",
        "We looked at 85 cases, 30 of them on licence.",
        "The fieldwork took 3 weeks.")),))
    question = "How many cases did inspectors look at?"
    intent = read_intent(question)
    counted = facts.fact_pattern(question, question, intent, None)
    bonus = {p.text[:20]: facts.kind_bonus(p, intent, counted) for p in passage_cutting.passages_of(section)}
    assert bonus["We looked at 85 case"] > bonus["We looked at 40 repo"] > bonus["The fieldwork took 3"]


def test_a_what_is_question_prefers_the_passage_that_says_what_it_is():
    section = _example("organisational", "", (Group("", (
        "Trauma-informed supervision is an approach that asks what happened to a person, not what is wrong with them.",
        "Trauma-informed supervision was discussed at every team meeting.")),))
    question = "What is trauma-informed supervision?"
    intent = read_intent(question)
    pattern = facts.fact_pattern(question, question, intent, None)
    defines, mentions = passage_cutting.passages_of(section)
    assert facts.kind_bonus(defines, intent, pattern) > facts.kind_bonus(mentions, intent, pattern)


@pytest.mark.parametrize("question, topic", [
    ("An example of a strong pre-sentence report to show new PQiPs", "a strong pre-sentence report"),
    ("I need a case study on working with victims for a team training day", "working with victims"),
    ("Show me cases where MAPPA was involved", "MAPPA was involved"),
    ("any examples of leadership initiatives for a managers' away day?", "leadership initiatives"),
    ("For a team session on ADHD - any case examples where the PP adapted their practice?",
     "ADHD - the PP adapted their practice"),
    ("good practice examples for my team meeting", "good practice examples for my team meeting"),  # nothing left
    # words of the topic stay, even the ones that frame a request elsewhere
    ("Any examples of support for learning disabilities?", "support for learning disabilities"),
    ("Examples of cases where the PP helped him find work", "the PP helped him find work"),
    ("Any case examples where the PP had to give evidence in court?", "the PP had to give evidence in court"),
    ("Examples of support for the day of release", "support for the day of release"),
])
def test_a_request_for_examples_without_its_framing(question, topic):
    assert request_topic(question) == topic


@pytest.mark.parametrize("question, one", [
    ("Find me a good example for a PDD session on professional curiosity", True),
    ("An example of a strong PSR", True),
    ("Example of multi-agency work with the police", True),
    ("I need a case study on victim work", True),
    ("Any examples of work with women on probation?", False),
    ("Show me cases where MAPPA was involved", False),
    ("an example or two of cases involving home visits", False),
])
def test_one_example_or_a_list(question, one):
    intent = read_intent(question)
    assert intent.examples and intent.one_example is one


def test_a_request_for_one_example_lists_one_or_a_near_tie(assistant):
    answer = assistant.ask("Find me a good example for a training session on working with a victim of domestic abuse")
    listed = assistant.ask("Any examples of work with victims of domestic abuse for a training session?")
    assert not answer.refused and not listed.refused
    assert 1 <= len(answer.citations) <= len(listed.citations)
    assert len(answer.citations) < compose.MAX_EXAMPLES_LISTED


def test_the_ranking_orders_and_the_calibration_chooses():
    """The calibrated probability falls with the place and the gap to the best, whatever the weights."""
    example = _example("case", "Rhys was on licence.", (Group("Work", (
        "The PP arranged a bricklaying course.", "The PP checked his payslips.", "The PP met his employer.")),))
    passages = [p for p in passage_cutting.passages_of(example) if not p.is_intro]
    features = np.zeros((len(passages), len(scoring.FEATURES)))
    features[:, scoring.FEATURES.index("lexical")] = [0.2, 0.9, 0.5]
    scored = scoring.ranked(passages, features, scoring.fitted(), ())
    assert [s.passage.text for s in scored] == ["The PP checked his payslips.", "The PP met his employer.",
                                                "The PP arranged a bricklaying course."]
    assert scored[0].score > scored[1].score > scored[2].score


def test_a_fact_below_the_bar_is_shown_only_when_the_ranking_agrees_a_little():
    example = _example("organisational", "", (Group("", (
        "We looked at 85 cases in all.", "We looked at 12 cases from the courts.", "We looked at 3 cases twice.")),))
    best, likely, unlikely = [scoring.Scored(p, score, 0.0, 0.0, kind=3.0) for p, score in
                              zip(passage_cutting.passages_of(example), (0.9, choice.FACT_FLOOR + 0.01, choice.FACT_FLOOR / 2))]
    chosen = choice.choose_points([best, likely, unlikely], (), read_intent("How many cases did they look at?"))
    assert [s.passage.text for s in chosen.points] == [best.passage.text, likely.passage.text]
