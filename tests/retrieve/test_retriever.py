"""Hybrid retrieval on the real corpus with the real model: everyday words, facets, filters."""

from __future__ import annotations

import pytest

from assistant.errors import BadInputError
from assistant.question.conversation import condense

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


@pytest.mark.parametrize("question", ["What is standard 2.1 about?", "what does 2.3 cover", "Standard 1.4?"])
def test_a_number_the_question_names_finds_the_section_titled_with_it(assistant, question):
    """Numbers like "2.1" are dropped by the keyword tokenizer and blur in meaning: a title carrying the
    number asked about comes first, and says why."""
    number = next(w.strip("?") for w in question.split() if "." in w.strip("?"))
    hit = assistant.search(question, k=3)[0]
    assert hit.unit.title.startswith(f"Standard {number}")
    assert any(w.startswith("number:") for w in hit.matched)
    assert not any(w.startswith("number:") for h in assistant.search("what does 9.9 cover", k=3) for w in h.matched)


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


def test_publication_filters_region_year_and_kind(assistant):
    """The publication's region, year and kind filter like the rest; a year may be given as a number."""
    units = list(assistant.index.units.values())
    standards = {u.id for u in units if u.document_id == "standards"}
    spotlight = {u.id for u in units if u.document_id == "ne-2025"}
    hits = assistant.search("assessment", k=50, filters={"publication_kind": "Standards"})
    assert {h.id for h in hits} == standards
    hits = assistant.search("assessment", k=50, filters={"region": ["north east"], "year": 2025})
    assert {h.id for h in hits} == spotlight  # the standards summary names no region
    hits = assistant.search("assessment", k=50, filters={"year": [2025, "2025"]})
    assert {h.id for h in hits} == standards | spotlight
    with pytest.raises(BadInputError, match="unknown year '1999'; known values: 2025"):
        assistant.search("assessment", filters={"year": 1999})
    with pytest.raises(BadInputError, match="unknown publication_kind 'poster'; known values: spotlight, standards"):
        assistant.search("assessment", filters={"publication_kind": "poster"})


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


FILTER_CASES = [{"need": {"pregnancy"}}, {"theme": {"Court work"}}, {"kind": {"section"}},
                {"document": {"standards"}}, {"sentence": {"RAR", "unpaid work"}},
                {"kind": {"case"}, "need": {"mental health"}}, {"standard": {"2.1 Assessment"}},
                {"publication_kind": {"standards"}}, {"region": {"North East"}, "year": {"2025"}, "kind": {"case"}}]


@pytest.mark.parametrize("wanted", FILTER_CASES)
def test_chroma_where_clauses_keep_the_same_units_as_the_filters(assistant, wanted):
    from assistant.retrieve import passes_filters

    retriever = assistant.retriever
    got = retriever.index.collection.get(where=retriever._where(wanted), include=["metadatas"])
    by_chroma = {m["unit_id"] for m in got["metadatas"]}
    by_rule = {u.id for u in retriever.index.units.values() if passes_filters(u, wanted)}
    assert by_chroma == by_rule and by_rule
    mask = retriever._allowed(wanted)
    assert {retriever._unit_ids[i] for i in mask.nonzero()[0]} == by_rule


def test_narrow_filters_ask_chroma_with_a_where_clause(assistant, monkeypatch):
    """With few candidates (as in a big corpus), a narrow filter still finds its units through Chroma."""
    import assistant.retrieve.retriever as retrieve

    monkeypatch.setattr(retrieve, "DENSE_CANDIDATES", 8)
    asked: list[tuple[int, object]] = []
    collection = assistant.index.collection
    original = collection.query

    def spy(*args, **kwargs):
        asked.append((kwargs["n_results"], kwargs.get("where")))
        return original(*args, **kwargs)

    monkeypatch.setattr(collection, "query", spy)
    hits = assistant.retriever.search("MAPPA and risk to children", k=3, filters={"need": "pregnancy"}, keyword=False)
    assert [h.id for h in hits] == [EMILY]
    assert max(n for n, _ in asked) <= 8  # never every chunk
    assert any(where for _, where in asked)
    asked.clear()
    monkeypatch.setattr(retrieve, "DENSE_CANDIDATES", 200)
    broad = assistant.retriever.search("risk", k=3, filters={"kind": ["case", "organisational", "section"]})
    assert len(broad) == 3 and not any(where for _, where in asked)  # enough candidates pass: no where query


def test_boosted_units_are_candidates_and_rank_higher(assistant):
    plain = assistant.retriever.rank("ex-forces lad with PTSD who drinks", k=5)
    assert EMILY not in [h.id for h in plain.hits]
    boosted = assistant.retriever.rank("ex-forces lad with PTSD who drinks", k=5, boost={EMILY: 2.0, "no-such-unit": 1.0})
    assert boosted.hits[0].id == EMILY
    from assistant.index import unit_chunks

    assert set(boosted.chunk_similarity) >= {c.id for h in boosted.hits for c in unit_chunks(h.unit)}
    with pytest.raises(BadInputError, match="boost"):
        assistant.retriever.rank("risk", boost={EMILY: "a lot"})


def test_the_ranking_contract(assistant):
    """chunk_similarity covers every chunk of every hit; best_similarity is the closest chunk in the corpus."""
    import numpy as np

    from assistant.index import unit_chunks

    index = assistant.index
    ranking = assistant.retriever.rank("he keeps getting sectioned and won't engage with me at all", k=5)
    vector = index.embedder.embed([ranking.query.expanded_text])[0]
    exact = np.asarray(index.vectors) @ vector
    assert ranking.best_similarity == pytest.approx(float(exact.max()), abs=1e-4)
    row = {c: i for i, c in enumerate(index.chunk_ids)}
    for hit in ranking.hits:
        for chunk in unit_chunks(hit.unit):
            assert ranking.chunk_similarity[chunk.id] == pytest.approx(float(exact[row[chunk.id]]), abs=1e-5)
    assert 0 < ranking.known_word_share <= 1
