"""The report of record's parts, on toy results: every measure by its thresholds.json name, defined, against
its gate; the headline; the gate chosen before a run; every bad gold line named; the template; the misses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.errors import BadInputError
from assistant.evaluation.gate import check_systems, choose_gate, gate_failures
from assistant.evaluation.gold import load_gold
from assistant.evaluation.measures import DEFINITIONS, NO_DEFINITION, definition, headline, measures
from assistant.evaluation.misses import gold_misses, trust_misses
from assistant.evaluation.template import gold_template

EVALS = Path(__file__).resolve().parents[2] / "evals"

RESULTS = {
    "systems": {"ours": {"hit@1": 0.9, "mrr@10": 0.95}, "bm25": {"hit@1": 0.8, "mrr@10": 0.85}},
    "answers": {"citation_validity": 1.0, "in_scope_refused": 1, "fact_presence": None, "brand_new_measure": 0.5,
                "support_check": {"n": 34, "agreement": 0.88}},
    "trust": {"adjacent.heldout.refused": 0.88, "facets.exact": 0.99},
}
GATE = {"retrieval": {"ours": {"hit@1": 0.95}}, "answers": {"citation_validity": 1.0},
        "trust": {"adjacent.heldout.refused": 0.9, "never_measured.all.x": 0.5},
        "at_most": {"answers.in_scope_refused": 0}}


def by_name(rows):
    return {m.name: m for m in rows}


def test_every_measure_in_the_results_is_listed_under_its_thresholds_name():
    rows = by_name(measures(RESULTS, GATE))
    assert list(rows)[:4] == ["retrieval.ours.hit@1", "retrieval.ours.mrr@10", "retrieval.bm25.hit@1",
                              "retrieval.bm25.mrr@10"]
    assert {"answers.citation_validity", "answers.in_scope_refused", "answers.fact_presence",
            "answers.brand_new_measure", "trust.adjacent.heldout.refused", "trust.facets.exact"} <= set(rows)
    assert "answers.support_check" not in rows  # a block of details, not a measure
    assert rows["trust.never_measured.all.x"].value is None  # gated but missing from the run: listed, and failing
    assert rows["trust.never_measured.all.x"].verdict == "not measured"


def test_each_measure_passes_or_fails_as_the_gate_judges_it():
    rows = by_name(measures(RESULTS, GATE))
    assert rows["retrieval.ours.hit@1"].passes is False and rows["retrieval.ours.hit@1"].threshold == "≥ 0.95"
    assert rows["retrieval.bm25.hit@1"].passes is None and rows["retrieval.bm25.hit@1"].verdict == "no threshold"
    assert rows["answers.citation_validity"].passes is True
    assert rows["answers.in_scope_refused"].passes is False and rows["answers.in_scope_refused"].threshold == "≤ 0"
    assert rows["trust.adjacent.heldout.refused"].passes is False
    failing = sorted(m.failure() for m in rows.values() if m.passes is False)
    assert failing == sorted(gate_failures(RESULTS, GATE))  # the reports and --gate agree


def test_the_headline_says_pass_or_fail_and_names_the_failures():
    passed, text = headline(measures(RESULTS, GATE))
    assert passed is False and text.startswith("FAIL: 4 of 5 gated measures miss their thresholds: ")
    for name in ("retrieval.ours.hit@1 (0.900 < 0.95)", "answers.in_scope_refused (1 > 0)",
                 "trust.adjacent.heldout.refused (0.880 < 0.9)", "trust.never_measured.all.x (not measured"):
        assert name in text
    assert headline(measures(RESULTS, {"answers": {"citation_validity": 1.0}})) == \
        (True, "PASS: all 1 gated measures meet their thresholds.")
    assert headline(measures(RESULTS, None))[0] is None


def test_the_default_gate_does_not_hold_a_measure_no_question_applies_to_against_the_run():
    rows = by_name(measures(RESULTS, {"unmeasured": "skip", "answers": {"fact_presence": 0.8}}))
    assert rows["answers.fact_presence"].passes is None
    assert rows["answers.fact_presence"].verdict == "not measured (no such questions)"
    assert by_name(measures(RESULTS, {"answers": {"fact_presence": 0.8}}))["answers.fact_presence"].passes is False


def test_definitions_come_from_one_table_by_name_or_pattern_with_a_plain_fallback():
    assert definition("retrieval.naive.hit@1") == DEFINITIONS["retrieval.hit@1"]
    assert definition("trust.adjacent.heldout.refused").startswith(DEFINITIONS["trust.adjacent.refused"])
    assert "Held-out split" in definition("trust.adjacent.heldout.refused")
    assert definition("answers.brand_new_measure") == NO_DEFINITION
    assert "DEFINITIONS in assistant/evaluation/measures.py" in NO_DEFINITION
    assert all(len(text.split()) >= 8 for text in DEFINITIONS.values())


def test_every_measure_the_project_gates_today_has_a_definition():
    from assistant.evaluation.measures import gate_limits

    for gold_set in ("gold.jsonl", "holdout.jsonl", "default"):
        at_least, at_most = gate_limits(choose_gate(EVALS / "thresholds.json", gold_set).thresholds)
        for name in (*at_least, *at_most):
            assert definition(name) != NO_DEFINITION, name


def test_the_gate_is_chosen_before_a_run(tmp_path):
    thresholds = EVALS / "thresholds.json"
    assert choose_gate(thresholds, "holdout.jsonl").applies == "holdout.jsonl"
    default = choose_gate(thresholds, "mine.jsonl")  # no thresholds of its own: the default gate
    assert default.applies == "default" and "default gate" in default.describe()
    one = tmp_path / "mine-gate.json"
    one.write_text(json.dumps({"answers": {"citation_validity": 1.0}}))  # a file that is one gate
    assert choose_gate(one, "mine.jsonl").thresholds == {"answers": {"citation_validity": 1.0}}
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"theirs.jsonl": {"answers": {"citation_validity": 1.0}}}))
    with pytest.raises(BadInputError, match="has no thresholds for mine.jsonl and no \"default\" gate"):
        choose_gate(other, "mine.jsonl")
    other.write_text(json.dumps({"mine.jsonl": {"answers": {"citation_validity": "high"}}}))
    with pytest.raises(BadInputError, match="threshold of answers.citation_validity must be a number"):
        choose_gate(other, "mine.jsonl")
    with pytest.raises(BadInputError, match="checks the system\\(s\\) ours"):
        check_systems(default, ["bm25"])


def test_every_bad_gold_line_is_named_with_its_number_and_comments_are_skipped(tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text("\n".join([
        "# a comment line",
        '{"id": "a", "question": "q", "kind": "example", "gold": ["x"]}',
        "{not json",
        '{"id": "b", "question": "q", "kind": "example", "gold": []}',
        "",
        '{"id": "c", "question": "q", "kind": "out_of_scope"}',
        '{"id": "d", "question": "q", "kind": "example", "gold": ["nope"]}',
    ]) + "\n")
    with pytest.raises(BadInputError) as raised:
        load_gold(path, known_ids={"x"})
    message = str(raised.value)
    assert message.startswith("mine.jsonl has 3 bad lines:")
    assert "line 3: not valid JSON" in message and "line 4: 'example' case needs at least one gold id" in message
    assert "line 7: unknown id(s) nope" in message and "line 2" not in message and "line 6" not in message


def test_points_must_be_copied_from_their_gold_examples(assistant, tmp_path):
    emily = assistant.example("ne-2025:effective-safe-and-tailored-delivery-of-upw-for-a-pregnant")
    point = emily.groups[0].points[0]
    path = tmp_path / "mine.jsonl"
    line = {"id": "a", "question": "q", "kind": "example", "gold": [emily.id], "points": [point.replace("’", "'")]}
    path.write_text(json.dumps(line) + "\n")
    assert load_gold(path, assistant.index.units)[0].points  # quote marks aside, it is the example's own
    path.write_text(json.dumps({**line, "points": ["She was given a medal."]}) + "\n")
    with pytest.raises(BadInputError, match="line 1: 'points' holds text that is not in its gold examples"):
        load_gold(path, assistant.index.units)


def test_the_template_is_a_valid_gold_set_with_every_kind_of_line(assistant, tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text(gold_template(assistant.examples(), assistant.sections(), "mine.jsonl"))
    text = path.read_text()
    cases = load_gold(path, assistant.index.units)
    assert [c.kind for c in cases].count("out_of_scope") == 2
    assert any(len(c.gold) > 1 and c.alternates for c in cases)  # several right examples
    assert any(c.points for c in cases)  # practice-point labels
    assert "assistant eval --gold mine.jsonl --gate" in text and text.count("\n#") > 20


def test_misses_show_what_was_retrieved_and_answered_instead():
    results = {"details": {
        "gold": "mine.jsonl", "titles": {"g": "The gold example", "x": "Another example"},
        "per_question": {"ours": [{"id": "q1", "hit@1": 0.0, "hit@5": 1.0, "ranked": ["x", "g"]},
                                  {"id": "q2", "hit@1": 1.0, "hit@5": 1.0, "ranked": ["g"]}]},
        "answers": [
            {"id": "q1", "question": "first?", "in_scope": True, "gold": ["g"], "refused": False, "gold_cited": False,
             "citations_valid": True, "cited": ["x"], "answer": "An answer about x", "points": {}},
            {"id": "q2", "question": "second?", "in_scope": True, "gold": ["g"], "refused": False, "gold_cited": True,
             "citations_valid": True, "cited": ["g"], "answer": "fine", "points": {}},
            {"id": "q3", "question": "lasagne?", "in_scope": False, "gold": [], "refused": False, "gold_cited": None,
             "citations_valid": True, "cited": ["x"], "answer": "a recipe", "points": {}}],
        "trust": {"adjacent": {"per_question": [
            {"id": "adj1", "question": "polygraph?", "not_covered": ["polygraph"], "refused": False,
             "answer_cited": ["x"], "answer": "about x"}]}}}}
    table = gold_misses(results)
    assert [m.id for m in table.misses] == ["q1", "q3"]
    first = table.misses[0]
    assert first.missed == "no right example first in retrieval; answer cites no right example"
    assert first.expected == "The gold example (g)" and first.retrieved.startswith("Another example (x); The gold")
    assert first.answered.startswith("cited Another example (x)") and "An answer about x" in first.answered
    assert table.misses[1].missed == "answered, but it should be refused"
    [adjacent] = trust_misses(results)
    assert adjacent.key == "adjacent" and adjacent.misses[0].expected == "a refusal, naming polygraph"
