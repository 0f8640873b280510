"""Evaluation reports an evaluator can explain: what each measure means, its threshold and
whether it passes, how the gold set was made, and no raw Markdown copy of the tables."""

from __future__ import annotations

import json

import html
import shutil

import pytest

from assistant.evaluation.run import run_evaluation
from assistant.evaluation.measures import measures
from assistant.evaluation.quality import LABELLED_FILES
from assistant.evaluation.report import html_report, markdown_summary, project_gate, write_reports
from conftest import ROOT

pytestmark = pytest.mark.slow  # each test here starts the CLI, a server or an evaluation


@pytest.fixture(scope="module")
def results(assistant, tmp_path_factory):
    """A real evaluation of ours and bm25 on the first questions of the gold set, named as the gold set, with
    the trust measures' labelled files beside it."""
    folder = tmp_path_factory.mktemp("gold")
    lines = (ROOT / "evals" / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    (folder / "gold.jsonl").write_text("\n".join(lines[:10] + lines[-2:]) + "\n", encoding="utf-8")
    for name in LABELLED_FILES:  # the trust measures' labelled files, beside the gold set as in evals/
        shutil.copy(ROOT / "evals" / name, folder / name)
    return run_evaluation(assistant, folder / "gold.jsonl", ["ours", "bm25"])


@pytest.fixture
def project(monkeypatch):
    monkeypatch.setenv("ASSISTANT_HOME", str(ROOT))  # the checkout's evals/ folder


def test_the_html_report_has_no_raw_markdown_copy_of_its_tables(results, project):
    """The report ended with a raw Markdown copy of its own tables."""
    page = html_report(results)
    assert "<pre" not in page and "| system |" not in page and "|---" not in page
    assert page.count("<h2>Retrieval by system</h2>") == 1


def test_the_report_shows_every_measure_of_the_results_with_its_definition_threshold_and_result(results, project):
    """The report and tab showed 13 measures; thresholds.json also gated point precision, key passages, the
    gold-first rate and eleven trust measures, which lived only in results.json."""
    gate = project_gate("gold.jsonl")
    rows = {m.name: m for m in measures(results, gate.thresholds)}
    floor = json.loads((ROOT / "evals" / "thresholds.json").read_text(encoding="utf-8"))["gold.jsonl"]["retrieval"]["ours"]["hit@1"]
    assert rows["retrieval.ours.hit@1"].at_least == floor
    assert rows["retrieval.ours.hit@1"].passes is (results["systems"]["ours"]["hit@1"] >= floor)
    assert rows["retrieval.bm25.hit@1"].passes is None
    page, summary = html_report(results), markdown_summary(results)
    for name in ("answers.point_precision", "answers.key_passage_present", "answers.key_passage_first",
                 "answers.gold_first_rate", "answers.key_passage_recall", "trust.adjacent.heldout.refused",
                 "trust.facets.exact", "retrieval.ours.ndcg@10", "retrieval.bm25.mrr@10"):
        assert name in rows, name
        assert '<tr id="m-' in page and f"<th>{name}</th>" in page, name
        assert f"| {name} | {rows[name].shown} |" in summary, name
        assert html.escape(rows[name].meaning) in page and rows[name].meaning in summary
    for name, m in rows.items():  # every measure of results.json, each with its threshold and result
        assert f"| {name} | {m.shown} | {m.threshold or '—'} | {m.verdict} |" in summary
    assert "## Answers a practitioner can trust: every measure" in summary


def test_the_report_opens_with_a_pass_or_fail_headline(results, project):
    summary = markdown_summary(results)
    headline = summary.splitlines()[2]
    failed = [m for m in measures(results, project_gate("gold.jsonl").thresholds) if m.passes is False]
    assert headline.startswith("**FAIL: " if failed else "**PASS: ")
    for m in failed:
        assert m.name in headline
    page = html_report(results)
    assert page.index('id="headline"') < page.index("<h2>")
    forced = {**results, "systems": {**results["systems"], "ours": {**results["systems"]["ours"], "hit@1": 0.1}}}
    page = html_report(forced)
    assert 'id="headline" class="fail"' in page and 'href="#m-retrieval-ours-hit-1"' in page
    assert "**FAIL: " in markdown_summary(forced) and "retrieval.ours.hit@1 (0.100 < " in markdown_summary(forced)


def test_each_miss_is_shown_beside_what_was_retrieved_and_answered_instead(results, project):
    forced = {**results, "details": {**results["details"], "answers": [
        {**row, "gold_cited": False, "cited": ["ne-2025:back-to-basics-strategy"]} if i == 0 else row
        for i, row in enumerate(results["details"]["answers"])]}}
    summary = markdown_summary(forced)
    assert "| id | question | what was missed | expected | retrieved instead | answered instead |" in summary
    first = forced["details"]["answers"][0]
    [line] = [line for line in summary.splitlines() if line.startswith(f"| {first['id']} |")]
    assert "answer cites no right example" in line and "cited Back-to-Basics strategy (ne-2025:back-to-basics-strategy)" in line
    assert 'id="misses-gold"' in html_report(forced)


@pytest.mark.parametrize("name, says", [("gold.jsonl", "written alongside the system"), ("holdout.jsonl", "held out")])
def test_the_report_says_how_the_gold_set_was_made(results, project, name, says):
    """Near-ceiling gold scores carried no caveat that the gold set was written with the system."""
    named = {**results, "details": {**results["details"], "gold": name}}
    assert says in markdown_summary(named) and says in html_report(named)


def test_an_unknown_gold_set_says_its_making_is_not_recorded(results, project):
    named = {**results, "details": {**results["details"], "gold": "mine.jsonl"}}
    assert "not recorded" in markdown_summary(named)


def test_write_reports_writes_all_three(results, project, tmp_path):
    paths = write_reports(results, tmp_path / "out")
    assert {p.name for p in paths.values()} == {"results.json", "summary.md", "report.html"}
    shutil.rmtree(tmp_path / "out")
