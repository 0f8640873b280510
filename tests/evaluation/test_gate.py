"""Evaluation: metrics on hand-computed toy cases, the gold schema check, the gate."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from assistant.errors import BadInputError
from assistant.evaluation.gold import GoldCase, load_gold
from assistant.evaluation.baselines import _overlapping_units
from assistant.evaluation.gate import gate_failures, load_thresholds
from assistant.evaluation.run import run_evaluation
from assistant.evaluation.metrics import hit_at_k, ndcg_at_k, percentile, recall_at_k, reciprocal_rank, retrieval_scores

EVALS = Path(__file__).resolve().parents[2] / "evals"


def test_hit_recall_and_reciprocal_rank():
    ranked = ["a", "b", "c", "d", "e", "f"]
    assert hit_at_k(ranked, {"c"}, 1) == 0.0
    assert hit_at_k(ranked, {"c"}, 3) == 1.0
    assert recall_at_k(ranked, {"a", "e", "z"}, 5) == pytest.approx(2 / 3)
    assert recall_at_k(ranked, set(), 5) == 0.0
    assert reciprocal_rank(ranked, {"d", "f"}) == 0.25
    assert reciprocal_rank(ranked, {"z"}) == 0.0
    assert reciprocal_rank(["x"] * 10 + ["a"], {"a"}, k=10) == 0.0


def test_ndcg_by_hand():
    # gold "b" at rank 2 (gain 1), alternate "d" at rank 4 (gain 0.5)
    dcg = 1 / math.log2(3) + 0.5 / math.log2(5)
    idcg = 1 / math.log2(2) + 0.5 / math.log2(3)
    assert ndcg_at_k(["a", "b", "c", "d"], {"b": 1.0, "d": 0.5}) == pytest.approx(dcg / idcg)
    assert ndcg_at_k(["b", "d"], {"b": 1.0, "d": 0.5}) == pytest.approx(1.0)
    assert ndcg_at_k(["a"], {}) == 0.0


def test_retrieval_scores_use_alternates_for_hits_but_not_recall():
    case = GoldCase("t1", "q", "example", gold=("g",), alternates=("alt",))
    scores = retrieval_scores(["alt", "x", "g"], case)
    assert scores["hit@1"] == 1.0 and scores["mrr@10"] == 1.0
    assert scores["recall@5"] == 1.0
    assert retrieval_scores(["alt"], case)["recall@5"] == 0.0


def test_percentile_interpolates():
    assert percentile([10, 20, 30, 40], 50) == 25
    assert percentile([1, 2, 3, 4, 5], 95) == pytest.approx(4.8)
    assert percentile([], 50) == 0.0


@pytest.mark.parametrize("line, message", [
    ("{not json", "line 2: not valid JSON"),
    ('["a list"]', "line 2: each line must be a JSON object"),
    ('{"id": "x", "question": "q", "kind": "nonsense", "gold": ["a"]}', "line 2: kind must be one of"),
    ('{"id": "x", "question": "", "kind": "example", "gold": ["a"]}', "line 2: 'question' must be a non-empty string"),
    ('{"id": "x", "question": "q", "kind": "example", "gold": []}', "line 2: 'example' case needs at least one gold id"),
    ('{"id": "x", "question": "q", "kind": "example", "gold": ["nope"]}', "line 2: unknown id(s) nope"),
    ('{"id": "x", "question": "q", "kind": "followup", "gold": ["a"]}', "line 2: a followup case needs its history"),
    ('{"id": "x", "question": "q", "kind": "example", "gold": ["a"], "colour": 1}', "line 2: unknown field(s) colour"),
    ('{"id": "x", "question": "q", "kind": "out_of_scope", "gold": ["a"]}', "line 2: an out_of_scope case must have no gold"),
])
def test_schema_check_names_the_line(tmp_path, line, message):
    path = tmp_path / "gold.jsonl"
    path.write_text('{"id": "ok", "question": "fine", "kind": "example", "gold": ["a"]}\n' + line + "\n")
    with pytest.raises(BadInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_gold(path, known_ids={"a"})


def test_the_shipped_gold_set_is_valid_and_covers_every_example_twice(assistant):
    cases = load_gold(EVALS / "gold.jsonl", assistant.index.units)
    assert len(cases) >= 80
    kinds = [c.kind for c in cases]
    assert kinds.count("out_of_scope") >= 8 and kinds.count("followup") >= 6 and kinds.count("filter") >= 3
    assert kinds.count("fact") + kinds.count("section") >= 10
    for example in assistant.examples():
        assert sum(example.id in c.gold for c in cases) >= 2, example.id
    load_gold(EVALS / "holdout.jsonl", assistant.index.units)


def test_gate_fails_when_a_threshold_is_above_the_measured_value():
    measured = {"systems": {"ours": {"hit@1": 0.91, "mrr@10": 0.95}}, "answers": {"in_scope_refused": 1}}
    assert gate_failures(measured, {"retrieval": {"ours": {"hit@1": 0.9, "mrr@10": 0.95}}}) == []
    assert gate_failures(measured, {"retrieval": {"ours": {"hit@1": 0.92}}}) == ["retrieval.ours.hit@1: 0.910 < 0.92"]
    assert gate_failures(measured, {"retrieval": {"ours": {"ndcg@10": 0.5}}}) == \
        ["retrieval.ours.ndcg@10: not measured (threshold ≥ 0.5)"]
    assert gate_failures(measured, {"at_most": {"answers.in_scope_refused": 0}}) == ["answers.in_scope_refused: 1 > 0"]


def assert_the_gate_and_floors_hold(results: dict, gold_file: str) -> None:
    """`evals/thresholds.json`'s gate for `gold_file`, and the floors of the issues, whatever that file says."""
    assert gate_failures(results, load_thresholds(EVALS / "thresholds.json")[gold_file]) == []
    # issue #2's floor for retrieval, whatever the thresholds file says
    ours = results["systems"]["ours"]
    assert ours["hit@1"] >= 0.85 and ours["hit@3"] >= 0.95 and ours["mrr@10"] >= 0.90
    if gold_file == "gold.jsonl":
        # issue #8's floors that the system meets, whatever the thresholds file says (issue #16 replaced its
        # one-key-passage point precision with precision and recall over every labelled practice point)
        answers, trust = results["answers"], results["trust"]
        assert answers["gold_citation_rate"] >= 0.95 and answers["gold_first_rate"] >= 0.85
        assert answers["key_passage_present"] >= 0.93 and answers["key_passage_first"] >= 0.80
        assert answers["in_scope_refused"] == 0 and 3 <= answers["median_points"] <= 5
        assert min(answers["point_precision"], answers["point_recall"]) >= 0.65  # together, never one alone
        assert trust["in_scope_hard.all.refused"] == 0
        assert trust["conversations.all.cases_correct"] >= 0.90 and trust["facets.exact"] >= 0.95
        out_of_scope = (trust["adjacent.all.refused"] * 53 + trust["manipulation.all.handled"] * 19) / 72
        assert out_of_scope >= 0.90


@pytest.mark.slow
def test_quality_gate_on_the_held_out_set(assistant):
    """The deterministic evaluation `make test` runs on the held-out questions; the gold set's, with the
    answer-trust files, is `tests/evaluation/test_eval_cli.py::test_quality_gate_on_the_gold_set`, judged
    from the real `assistant eval` run that module makes (one evaluation of the gold set, not two)."""
    results = run_evaluation(assistant, EVALS / "holdout.jsonl", ["ours"], trust=False)
    assert_the_gate_and_floors_hold(results, "holdout.jsonl")


def test_naive_chunks_are_judged_by_the_unit_they_overlap(assistant):
    units = list(assistant.index.units.values())
    chunk = ("Example of effectiveness: Use of maturity screening tool at pre-sentence report (PSR) stage\n\n"
             "June, a 24-year-old woman, was convicted of possession with intent to supply cannabis.")
    assert _overlapping_units(chunk, units)[0] == "ne-2025:use-of-maturity-screening-tool-at-pre-sentence-report-psr"


