"""`assistant eval`: the JSON shape, reports, --compare, the gate, and the HTML report in a browser."""

from __future__ import annotations

import json
import statistics

import numpy as np
import pytest

from assistant.evaluation.answers import alce_scores
from assistant.evaluation.judge import llm_judge
from assistant.evaluation.gold import load_gold
from assistant.answer.support import SupportChecker
from assistant.types import Answer, Citation, Point
from conftest import ARTIFACTS, ROOT, cli_env, gated_names, run_cli
from fake_llm import FakeLLM

pytestmark = pytest.mark.slow  # each test here starts the CLI, a server or an evaluation

METRICS = {"hit@1", "hit@3", "hit@5", "recall@5", "mrr@10", "ndcg@10"}


@pytest.fixture(scope="module")
def full_run(settings, tmp_path_factory):
    """One real `assistant eval --json` with every system, as an evaluator runs it."""
    out = tmp_path_factory.mktemp("eval-out")
    result = run_cli("eval", "--json", "--out", str(out), env=cli_env(settings), timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), out


def test_eval_json_shape_and_baselines(full_run):
    data, out = full_run
    assert set(data) == {"n_questions", "systems", "answers", "latency_ms"}
    assert data["n_questions"] == 97
    assert set(data["systems"]) == {"ours", "naive", "bm25", "dense"}
    assert all(set(m) == METRICS for m in data["systems"].values())
    ours = data["systems"]["ours"]
    for baseline in ("naive", "bm25"):
        assert ours["hit@1"] > data["systems"][baseline]["hit@1"]
        assert ours["mrr@10"] > data["systems"][baseline]["mrr@10"]
    answers = data["answers"]
    assert answers["citation_validity"] == 1.0 and answers["refusal_recall"] == 1.0
    assert answers["support_check"]["n"] == 34 and 0 < answers["support_check"]["agreement"] <= 1
    assert {"total", "retrieve", "compose"} <= set(data["latency_ms"]["answer"])
    assert (out / "results.json").exists() and (out / "summary.md").exists() and (out / "report.html").exists()
    summary = (out / "summary.md").read_text()
    assert "| ours |" in summary and "| naive |" in summary


def test_quality_gate_on_the_gold_set(full_run):
    """The deterministic evaluation `make test` runs: fails when a metric of the gold set or of the answer-trust
    files drops below evals/thresholds.json, or below the floors of the issues, in the real command's results."""
    from test_gate import assert_the_gate_and_floors_hold

    _, out = full_run
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["details"]["gate"]["source"].endswith("thresholds.json")
    assert_the_gate_and_floors_hold(results, "gold.jsonl")


@pytest.mark.parametrize("viewport", [{"width": 1000, "height": 900}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_the_html_report_opens_with_its_headline_every_gated_measure_and_its_plots(full_run, browser, viewport):
    """The report hid what the gate checks (13 measures shown, 15 more gated) and had no pass/fail headline."""
    import re

    _, out = full_run
    page = browser.new_page(viewport=viewport)
    page.goto((out / "report.html").as_uri())
    headline = page.locator("#headline")
    box = headline.bounding_box()
    assert box and box["y"] + box["height"] <= viewport["height"]  # on the first screen
    text = headline.inner_text()
    assert re.match(r"(PASS: all \d+ gated measures meet their thresholds\.|FAIL: \d+ of \d+ gated measures miss)", text)
    for name, threshold in gated_names().items():
        row = page.locator(f"#m-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}")
        assert row.count() == 1, name
        cells = row.locator("th, td").all_inner_texts()
        assert cells[0] == name and cells[2] == threshold, cells
        assert cells[3].startswith(("passes", "fails", "not measured")) and len(cells[4].split()) >= 8
        if cells[3].startswith("fails"):
            assert name in text  # the headline names every failing measure
    if text.startswith("FAIL"):
        headline.locator("a").first.click()  # a failing measure's link brings its row into view
        target = page.evaluate("() => { const r = document.querySelector(':target').getBoundingClientRect(); "
                               "return [r.top, innerHeight]; }")
        assert -2 <= target[0] <= target[1]
    images = page.locator("figure img")
    assert images.count() == 3
    for i in range(3):
        assert images.nth(i).evaluate("img => img.complete && img.naturalWidth > 300")
    assert page.locator("figcaption").all_inner_texts() == [
        "Retrieval metrics per system", "Hit@1 per theme", "Latency distribution"]
    assert page.get_by_text("Questions missed, and what came instead").is_visible()
    assert page.locator("#misses-gold + .scroll th").all_inner_texts() == [
        "id", "question", "what was missed", "expected", "retrieved instead", "answered instead"]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"] + 1  # no sideways page
    ARTIFACTS.mkdir(exist_ok=True)
    name = "eval-report" if viewport["width"] > 500 else "eval-report-phone"
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=viewport["width"] > 500)
    page.close()


@pytest.fixture
def small_gold(tmp_path):
    lines = (ROOT / "evals" / "gold.jsonl").read_text().splitlines()
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines[:12] + lines[-2:]) + "\n")
    return path


def test_compare_shows_the_change_against_an_earlier_run(settings, small_gold, tmp_path):
    # a gate of retrieval alone, so that the answer-trust files (measured by test_quality_gate_on_the_gold_set)
    # are not measured twice more here
    retrieval_only = tmp_path / "retrieval-only.json"
    retrieval_only.write_text(json.dumps({"retrieval": {"ours": {"hit@1": 0.0}}}))
    first = run_cli("eval", "--gold", str(small_gold), "--systems", "ours,bm25", "--json", "--out",
                    str(tmp_path / "a"), "--thresholds", str(retrieval_only), env=cli_env(settings))
    assert first.returncode == 0, first.stderr
    earlier = json.loads((tmp_path / "a" / "results.json").read_text())
    earlier["systems"]["ours"]["hit@1"] -= 0.25
    earlier["answers"]["gold_citation_rate"] = 0.5
    (tmp_path / "earlier.json").write_text(json.dumps(earlier))
    second = run_cli("eval", "--gold", str(small_gold), "--systems", "ours,bm25", "--json", "--out",
                     str(tmp_path / "b"), "--compare", str(tmp_path / "earlier.json"), "--thresholds",
                     str(retrieval_only), env=cli_env(settings))
    data = json.loads(second.stdout)
    assert data["changes"]["systems"]["ours"]["hit@1"] == 0.25
    assert data["changes"]["systems"]["bm25"]["hit@1"] == 0.0
    assert data["changes"]["answers"]["gold_citation_rate"] == pytest.approx(data["answers"]["gold_citation_rate"] - 0.5)
    assert "(+0.250)" in (tmp_path / "b" / "summary.md").read_text()
    assert "trust" not in data and "trust" not in earlier


def test_the_gate_fails_when_a_threshold_is_above_the_measured_value(settings, small_gold, tmp_path):
    thresholds = tmp_path / "thresholds.json"
    thresholds.write_text(json.dumps({"gold.jsonl": {"retrieval": {"ours": {"hit@1": 0.5}},
                                                     "answers": {"citation_validity": 1.0}}}))
    passing = run_cli("eval", "--gold", str(small_gold), "--systems", "ours", "--gate", "--thresholds",
                      str(thresholds), "--out", str(tmp_path / "p"), env=cli_env(settings))
    assert passing.returncode == 0, passing.stderr
    thresholds.write_text(json.dumps({"gold.jsonl": {"retrieval": {"ours": {"hit@1": 1.01}}}}))
    failing = run_cli("eval", "--gold", str(small_gold), "--systems", "ours", "--gate", "--thresholds",
                      str(thresholds), "--out", str(tmp_path / "f"), env=cli_env(settings))
    assert failing.returncode == 3
    assert "Gate failed: retrieval.ours.hit@1:" in failing.stderr and "< 1.01" in failing.stderr
    assert "**FAIL: 1 of 1 gated measures" in failing.stdout


def test_bad_gold_file_is_refused(settings, tmp_path):
    bad = tmp_path / "gold.jsonl"
    bad.write_text('{"id": "a", "question": "q", "kind": "example", "gold": ["no-such-id"]}\n')
    result = run_cli("eval", "--gold", str(bad), "--systems", "ours", "--out", str(tmp_path / "o"), env=cli_env(settings))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == \
        "Error: gold.jsonl, line 1: unknown id(s) no-such-id; see `assistant examples`"


class HashEmbedder:
    """Deterministic fake: identical texts get identical vectors, different texts near-orthogonal."""

    def embed(self, texts):
        import hashlib

        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
            vector = np.random.default_rng(seed).standard_normal(384)
            rows.append(vector / np.linalg.norm(vector))
        return np.array(rows, np.float32)


def test_alce_recall_and_precision_on_a_toy_answer(assistant):
    units = {u.id: u for u in assistant.examples()}
    emily = units["ne-2025:effective-safe-and-tailored-delivery-of-upw-for-a-pregnant"]
    kai = units["ne-2025:professional-curiosity-and-cultural-responsivity-in-practice"]
    points = (Point("She was offered independent work sessions, including making hats for a local community group.", (1,)),
              Point("Appointments were scheduled around prayer commitments, avoiding Fridays.", (1, 2)),
              Point("The court gave her a medal for bravery.", (2,)))
    answer = Answer("q", False, "extractive", points=points,
                    citations=(Citation(1, emily, ("a",)), Citation(2, kai, ("b",))))
    recall, precision = alce_scores(answer, SupportChecker(HashEmbedder()))
    # statements: 1 supported by [1]; 2 supported by [1]+[2] together; 3 not supported → recall 2/3
    assert recall == pytest.approx(2 / 3)
    # citations: s1[1] relevant; s2[1] irrelevant (alone no, [2] alone yes), s2[2] relevant;
    # s3[2] relevant (no other citation makes it supported) → precision 3/4
    assert precision == pytest.approx(3 / 4)


def test_llm_judge_reports_mean_and_spread(assistant):
    case = load_gold(ROOT / "evals" / "gold.jsonl")[0]
    answer = assistant.ask(case.question)
    with FakeLLM() as fake:
        fake.reply('{"faithfulness": 5, "helpfulness": 4}')
        fake.reply('Sure! {"faithfulness": 3, "helpfulness": 4}')
        fake.reply("not json at all")
        from assistant.answer.llm import LLMBackend

        backend = LLMBackend("openai", "judge", fake.base_url, 5.0, assistant.index.embedder)
        result = llm_judge(backend, [case], {case.id: answer}, runs=3)
    assert [r["faithfulness"] for r in result["runs"]] == [5.0, 3.0, None]
    assert result["faithfulness"] == {"mean": 4.0, "stdev": round(statistics.pstdev([5.0, 3.0]), 3)}
    assert result["helpfulness"]["mean"] == 4.0 and result["helpfulness"]["stdev"] == 0.0
    assert result["runs"][2]["graded"] == 0


# --- your own gold set, end to end -------------------------------------------------------------


def test_init_gold_writes_a_template_that_an_evaluator_edits_and_gates(settings, tmp_path):
    """`--gold mine.jsonl --gate` ran the whole evaluation, then stopped: "no thresholds for mine.jsonl";
    nothing explained how to write a must-refuse line or one with several right examples."""
    mine = tmp_path / "mine.jsonl"
    made = run_cli("eval", "--init-gold", str(mine), env=cli_env(settings))
    assert made.returncode == 0, made.stderr
    template = mine.read_text(encoding="utf-8")
    for says in ('"out_of_scope"', "Several right examples", '"alternates"', '"points"', "copied word for word"):
        assert says in template
    again = run_cli("eval", "--init-gold", str(mine), env=cli_env(settings))
    assert again.returncode == 2 and "already exists" in again.stderr  # never over an evaluator's work
    # the evaluator edits it: drops the notes, rewords a question and adds a must-refuse question of their own
    lines = [line for line in template.splitlines() if line.startswith("{")]
    first = json.loads(lines[0])
    lines[0] = json.dumps({**first, "question": "Show me how a maturity screening tool was used at the PSR stage"})
    lines.append(json.dumps({"id": "mine-refuse-2", "question": "Which football team should I support?",
                             "kind": "out_of_scope"}))
    mine.write_text("\n".join(lines) + "\n", encoding="utf-8")
    gated = run_cli("eval", "--gold", str(mine), "--systems", "ours", "--gate", "--out", str(tmp_path / "o"),
                    env=cli_env(settings))
    assert gated.returncode == 0, gated.stdout + gated.stderr
    assert "**PASS: all " in gated.stdout and "the default gate in" in gated.stdout
    assert "ours: 3 of 3 questions" in gated.stderr and "answers: 6 of 6 questions" in gated.stderr  # progress
    # a stricter gate of the evaluator's own, as one file
    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps({"retrieval": {"ours": {"hit@1": 1.01}}}))
    failed = run_cli("eval", "--gold", str(mine), "--systems", "ours", "--gate", "--thresholds", str(strict),
                     "--out", str(tmp_path / "s"), env=cli_env(settings))
    assert failed.returncode == 3 and "Gate failed: retrieval.ours.hit@1:" in failed.stderr
    assert f"Gate: the thresholds in {strict}." in failed.stdout


def test_a_report_folder_that_cannot_be_written_is_named_before_anything_runs(settings, tmp_path):
    """A file where the report folder should be stopped the run only after the whole evaluation (30 s)."""
    (tmp_path / "reports").write_text("a file")
    result = run_cli("eval", "--systems", "bm25", "--out", str(tmp_path / "reports" / "latest"), env=cli_env(settings))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "a file is where a folder is needed" in result.stderr and str(tmp_path / "reports") in result.stderr
    assert " of 97 questions" not in result.stderr  # nothing ran: no progress line
    assert (tmp_path / "reports").read_text() == "a file"


def test_a_gold_set_is_checked_before_anything_runs(settings, tmp_path):
    """A gate with no thresholds, or bad lines, stopped the run only after the whole evaluation."""
    mine = tmp_path / "mine.jsonl"
    mine.write_text('{"id": "a", "question": "q", "kind": "example", "gold": ["no-such-id"]}\n'
                    '{"id": "b", "question": "q", "kind": "out_of_scope", "gold": ["x"]}\n'
                    '{"id": "c", "question": "fine", "kind": "out_of_scope"}\n')
    bad = run_cli("eval", "--gold", str(mine), "--out", str(tmp_path / "o"), env=cli_env(settings))
    assert bad.returncode == 2
    assert "mine.jsonl has 2 bad lines:" in bad.stderr and "line 1: unknown id(s) no-such-id" in bad.stderr
    assert "line 2: an out_of_scope case must have no gold ids" in bad.stderr
    assert "of 1 question" not in bad.stderr and not (tmp_path / "o").exists()  # nothing ran
    mine.write_text('{"id": "c", "question": "fine", "kind": "out_of_scope"}\n')
    theirs = tmp_path / "theirs.json"
    theirs.write_text(json.dumps({"theirs.jsonl": {"answers": {"citation_validity": 1.0}}}))
    no_gate = run_cli("eval", "--gold", str(mine), "--gate", "--thresholds", str(theirs), "--out", str(tmp_path / "o"),
                      env=cli_env(settings))
    assert no_gate.returncode == 2 and "has no thresholds for mine.jsonl" in no_gate.stderr
    assert not (tmp_path / "o").exists()
    wrong_system = run_cli("eval", "--gold", str(mine), "--gate", "--systems", "bm25", "--out", str(tmp_path / "o"),
                           env=cli_env(settings))
    assert wrong_system.returncode == 2 and "checks the system(s) ours" in wrong_system.stderr
