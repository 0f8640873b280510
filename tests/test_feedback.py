"""Feedback: stored in SQLite with personal data redacted, exported, and turned into gold candidates."""

from __future__ import annotations

import csv
import io
import json

import pytest

from assistant.errors import BadInputError, FeedbackStoreError
from assistant.evaluation.gold import load_gold
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


@pytest.mark.slow
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


@pytest.mark.slow
def test_a_damaged_database_gives_a_clear_message(tmp_path, settings):
    db = tmp_path / "fb.sqlite3"
    db.write_bytes(b"this is not a database, just some bytes " * 100)
    with pytest.raises(FeedbackStoreError, match="is damaged .*move it aside"):
        FeedbackStore(db).record(_answer(), 1)
    with pytest.raises(FeedbackStoreError, match="is damaged"):
        FeedbackStore(db).export("csv")
    result = run_cli("feedback", "export", env={**cli_env(settings), "ASSISTANT_FEEDBACK_DB": str(db)})
    assert result.returncode != 0 and "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: the feedback database") and "damaged" in line


def _make_unwritable(path):
    """chattr +i where the filesystem allows it (this stops root too), else a read-only mode for other users."""
    import os
    import shutil
    import subprocess

    if shutil.which("chattr") and subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0:
        return lambda: subprocess.run(["chattr", "-i", str(path)], capture_output=True)
    if os.geteuid() != 0:
        path.chmod(0o444)
        return lambda: path.chmod(0o644)
    pytest.skip("cannot make a file unwritable here (root without chattr)")


@pytest.mark.slow
def test_a_read_only_or_immutable_database_gives_a_clear_message(tmp_path):
    db = tmp_path / "fb.sqlite3"
    store = FeedbackStore(db)
    store.record(_answer(), 1)
    undo = _make_unwritable(db)
    try:
        with pytest.raises(FeedbackStoreError, match="cannot be written .*ASSISTANT_FEEDBACK_DB"):
            store.record(_answer(), -1, ["unclear"])
        assert [r["rating"] for r in store.rows()] == [1]  # reading still works, nothing was lost
    finally:
        undo()


def test_the_ui_shows_the_store_message_not_a_bare_error(tmp_path, assistant):
    from assistant.web.chat import record_feedback

    db = tmp_path / "fb.sqlite3"
    db.write_bytes(b"garbage" * 200)
    message, _ = record_feedback(FeedbackStore(db), {"answer": _answer()}, 1, [], "", assistant.settings)
    assert "feedback database" in message and "damaged" in message


def test_csv_export_neutralises_formula_cells(tmp_path):
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    store.record(_answer('=HYPERLINK("http://evil.example","click")'), -1, [], "+1 and @SUM(A1)")
    store.record(_answer("-2+3 is not a question"), 1, [], "\tindented")
    rows = list(csv.DictReader(io.StringIO(store.export("csv"))))
    assert rows[0]["question"].startswith("'=HYPERLINK(")
    assert rows[0]["comment"] == "'+1 and @SUM(A1)"
    assert rows[1]["question"] == "'-2+3 is not a question" and rows[1]["comment"] == "'\tindented"
    assert rows[0]["rating"] == "-1"  # numbers stay numbers
    # JSON lines keep the text exactly as it was given (redacted, not escaped)
    assert json.loads(store.export("jsonl").splitlines()[0])["question"].startswith("=HYPERLINK(")


@pytest.mark.slow
def test_feedback_export_to_an_unwritable_place(tmp_path, settings):
    db = tmp_path / "fb.sqlite3"
    FeedbackStore(db).record(_answer(), 1)
    result = run_cli("feedback", "export", "--out", str(tmp_path / "no" / "such" / "folder" / "x.csv"),
                     env={**cli_env(settings), "ASSISTANT_FEEDBACK_DB": str(db)})
    assert result.returncode != 0 and "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: cannot write") and "--out" in line
