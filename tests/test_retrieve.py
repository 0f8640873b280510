"""Hybrid retrieval on the real corpus with the real model: everyday words, facets, filters."""

from __future__ import annotations

import pytest

from assistant.errors import BadInputError
from assistant.conversation import condense

TOM = "ne-2025:multi-agency-information-sharing-and-joint-working"
DANIEL = "ne-2025:risk-management-despite-non-engagement"
SAM = "ne-2025:collaborative-assessment-and-planning-promoting-engagement"
GARY_22 = "ne-2025:public-protection-through-effective-psr"
KAI = "ne-2025:professional-curiosity-and-cultural-responsivity-in-practice"
EMILY = "ne-2025:effective-safe-and-tailored-delivery-of-upw-for-a-pregnant"


@pytest.mark.parametrize("question, expected", [
    ("ex-forces lad who drinks and has flashbacks", TOM),
    ("he keeps getting sectioned and won't engage with me at all", DANIEL),
    ("bloke wants to go to the mosque for Friday prayers but his exclusion zone is in the way", KAI),
    ("she's expecting and has been given community payback", EMILY),
])
def test_practitioners_words_find_the_right_example_first(assistant, question, expected):
    assert assistant.search(question, k=3)[0].id == expected


def test_stated_facets_separate_similar_examples(assistant):
    # Sam and Gary are both 22 with SSOs and AAMR; the programme and ADHD point to Sam,
    # a court report and threats to custody staff point to Gary.
    assert assistant.search("22 year old on an SSO with AAMR, ADHD and a programme", k=2)[0].id == SAM
    assert assistant.search("22 year old, PSR, threatened custody staff", k=2)[0].id == GARY_22


def test_each_unit_appears_once_and_scores_descend(assistant):
    hits = assistant.search("domestic abuse risk to children", k=10)
    ids = [h.id for h in hits]
    assert len(ids) == len(set(ids)) == 10
    assert [h.rank for h in hits] == list(range(1, 11))
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))


def test_results_say_why_they_matched(assistant):
    hit = assistant.search("ex-forces lad with PTSD who drinks", k=1)[0]
    why = " | ".join(hit.matched)
    assert "expanded: ex-forces → veteran" in why
    assert "facet: veterans" in why and "facet: male" in why
    assert "meaning similarity" in why


def test_filters_keep_only_matching_units(assistant):
    hits = assistant.search("risk", k=10, filters={"theme": "Public protection"})
    assert {h.unit.section for h in hits} == {"Public protection"} and len(hits) == 2
    hits = assistant.search("engagement", k=10, filters={"need": ["pregnancy"]})
    assert [h.id for h in hits] == [EMILY]
    hits = assistant.search("programme", k=10, filters={"sentence": "thinking skills programme", "kind": "case"})
    assert {h.id for h in hits} == {KAI, "ne-2025:effective-practice-to-achieve-programme-delivery"}
    hits = assistant.search("leadership", k=10, filters={"standard": "1.1 Leadership"})
    assert hits and all("1.1 Leadership" in h.unit.standards for h in hits)
    hits = assistant.search("definition of effective practice", k=3, filters={"document": "standards"})
    assert all(h.unit.document_id == "standards" for h in hits)


@pytest.mark.parametrize("filters, message", [
    ({"need": "unicorns"}, "unknown need 'unicorns'; known values: .*mental health"),
    ({"colour": "blue"}, "unknown filter 'colour'"),
])
def test_unknown_filters_are_refused(assistant, filters, message):
    with pytest.raises(BadInputError, match=message):
        assistant.search("risk", filters=filters)


@pytest.mark.parametrize("query, message", [
    ("", "empty"),
    ("   \n\t ", "empty"),
    ("x" * 20_000, "20,000 characters long; keep it under 2,000"),
    ("ADHD\x00appointments", "control characters"),
    ("risk\x1b[31m", "control characters"),
])
def test_bad_questions_are_refused_with_a_reason(assistant, query, message):
    with pytest.raises(BadInputError, match=message):
        assistant.search(query)


def test_bad_k(assistant):
    with pytest.raises(BadInputError, match="k must be"):
        assistant.search("risk", k=0)


def test_follow_up_carries_the_previous_question():
    history = [{"role": "user", "content": "Muslim client on licence"}, {"role": "assistant", "content": "..."}]
    assert condense("how did the PP handle his exclusion zone?", history) == \
        "Muslim client on licence how did the PP handle his exclusion zone?"
    long_new_topic = "Completely different: a pregnant woman sentenced to unpaid work for fraud with no previous convictions"
    assert condense(long_new_topic, history) == long_new_topic
    assert condense("and if he won't engage?", []) == "and if he won't engage?"


def test_follow_up_retrieves_with_its_history(assistant):
    history = [{"role": "user", "content": "Any examples of good practice with a Muslim client on licence?"}]
    assert assistant.search("how did the PP handle his exclusion zone?", k=1, history=history)[0].id == KAI
