"""Feedback: stored in SQLite with personal data redacted, exported, and turned into gold candidates."""

from __future__ import annotations

import csv
import io
import json

import pytest

from assistant.errors import BadInputError
from assistant.evaluate import load_gold
from assistant.feedback import FeedbackStore
from conftest import cli_env, run_cli


def _answer(question="client with ADHD keeps missing appointments"):
    return {"question": question, "answer": "- point [1]", "refused": False, "mode": "extractive",
            "citations": [{"n": 1, "id": "ne-2025:strengths-based-and-responsive-case-management"}], "warnings": []}


def test_record_export_and_to_gold(tmp_path):
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    good = store.record(_answer(), 1, settings={"top_k": 5})
    bad = store.record(_answer("Jane Doe DOB 01/02/1990 won't engage"), -1, ["wrong example cited"], "should be Julie")
    assert (good, bad) == (1, 2)
    rows = [json.loads(line) for line in store.export("jsonl").splitlines()]
    assert [r["rating"] for r in rows] == [1, -1]
    assert rows[1]["question"] == "[NAME] [DATE OF BIRTH] won't engage"
    assert rows[0]["settings"] == {"top_k": 5} and rows[1]["reasons"] == ["wrong example cited"]
    table = list(csv.DictReader(io.StringIO(store.export("csv"))))
    assert table[1]["comment"] == "should be Julie" and json.loads(table[1]["reasons"]) == ["wrong example cited"]
    candidates = store.to_gold()
    assert len(candidates) == 1
    assert candidates[0]["gold"] == [] and candidates[0]["review"]["cited"] == [
        "ne-2025:strengths-based-and-responsive-case-management"]


def test_a_candidate_is_refused_as_gold_until_confirmed(tmp_path):
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    store.record(_answer(), -1, ["not relevant"])
    path = tmp_path / "candidates.jsonl"
    path.write_text(json.dumps(store.to_gold()[0]) + "\n")
    with pytest.raises(BadInputError, match="line 1"):
        load_gold(path)


@pytest.mark.parametrize("rating, reasons, comment, message", [
    (0, [], "", "rating must be 1"),
    (-1, ["too long"], "", "unknown reason"),
    (-1, [], "x" * 3000, "keep it under 2,000"),
])
def test_bad_feedback_is_refused(tmp_path, rating, reasons, comment, message):
    with pytest.raises(BadInputError, match=message):
        FeedbackStore(tmp_path / "fb.sqlite3").record(_answer(), rating, reasons, comment)


def test_feedback_cli(settings, tmp_path):
    db = tmp_path / "fb.sqlite3"
    FeedbackStore(db).record(_answer(), -1, ["missed a better example"])
    env = {**cli_env(settings), "ASSISTANT_FEEDBACK_DB": str(db)}
    exported = run_cli("feedback", "export", "--format", "csv", env=env)
    assert exported.returncode == 0 and exported.stdout.startswith("id,created,question")
    out = tmp_path / "candidates.jsonl"
    result = run_cli("feedback", "to-gold", "--out", str(out), env=env)
    assert result.returncode == 0 and "1 candidate" in result.stdout
    assert json.loads(out.read_text())["review"]["reasons"] == ["missed a better example"]
