"""Evaluation reports an evaluator can explain: what each measure means, its threshold and
whether it passes, how the gold set was made, and no raw Markdown copy of the tables."""

from __future__ import annotations

import json

import html
import shutil

import pytest

from assistant.evaluation.metrics import RETRIEVAL_METRICS
from assistant.evaluation.run import run_evaluation
from assistant.evaluation.report import ANSWER_METRICS, MEASURES, html_report, markdown_summary, measure_rows, write_reports
from conftest import ROOT

pytestmark = pytest.mark.slow  # each test here starts the CLI, a server or an evaluation


@pytest.fixture(scope="module")
def results(assistant, tmp_path_factory):
    """A real evaluation of ours and bm25 on the first questions of the gold set, named as the gold set."""
    folder = tmp_path_factory.mktemp("gold")
    lines = (ROOT / "evals" / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    (folder / "gold.jsonl").write_text("\n".join(lines[:10] + lines[-2:]) + "\n", encoding="utf-8")
    return run_evaluation(assistant, folder / "gold.jsonl", ["ours", "bm25"])


@pytest.fixture
def project(monkeypatch):
    monkeypatch.setenv("ASSISTANT_HOME", str(ROOT))  # the checkout's evals/ folder


def test_every_measure_has_a_plain_definition():
    assert set(RETRIEVAL_METRICS) | set(ANSWER_METRICS) <= set(MEASURES)
    assert all(len(MEASURES[m].split()) >= 8 for m in MEASURES)


def test_the_html_report_has_no_raw_markdown_copy_of_its_tables(results, project):
    """The report ended with a raw Markdown copy of its own tables."""
    page = html_report(results)
    assert "<pre" not in page and "| system |" not in page and "|---" not in page
    assert page.count("<h2>Retrieval</h2>") == 1


def test_the_report_defines_each_measure_and_shows_thresholds_and_passes(results, project):
    """The Evaluate tab and report did not explain hit@1, MRR, nDCG or the citation measures, nor show thresholds."""
    rows = {row["measure"]: row for row in measure_rows(results, "gold.jsonl")}
    gate = json.loads((ROOT / "evals" / "thresholds.json").read_text(encoding="utf-8"))
    floor = gate["gold.jsonl"]["retrieval"]["ours"]["hit@1"]
    assert rows["hit@1 (ours)"]["threshold"] == floor  # from evals/thresholds.json
    assert rows["hit@1 (ours)"]["passes"] is (results["systems"]["ours"]["hit@1"] >= floor)
    assert rows["hit@1 (bm25)"]["threshold"] is None and rows["hit@1 (bm25)"]["passes"] is None
    assert rows["citation_validity"]["threshold"] == 1.0 and rows["citation_validity"]["passes"] is True
    page = html_report(results)
    for measure in ("hit@1", "mrr@10", "ndcg@10", "citation_validity", "citation_recall", "citation_precision"):
        assert html.escape(MEASURES[measure]) in page
    assert f"≥ {floor}" in page and ("passes" in page or "below" in page)
    summary = markdown_summary(results)
    assert "| measure | value | threshold | result |" in summary and "| hit@1 (ours) |" in summary
    assert MEASURES["mrr@10"] in summary


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
