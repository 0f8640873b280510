"""The personal-data table through every entry point and store: 0 of its strings stored or echoed.

Each row of tests/question/personal_data.py is asked through /api/ask, /api/search and the app's
/ask endpoint of a real server, through the CLI's `ask` and `search` (plain and --json), and
rated 👎 in the chat with the string as the comment too. Nothing personal may come back in a
response, reach a log line (the server's, uvicorn's or the assistant's own), or reach the
feedback database's files or its exports.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import sys

import httpx
import pytest
from click.testing import CliRunner

from conftest import ASK_KEYS, ROOT, cli_env, run_cli, served_in_thread

sys.path.insert(0, str(ROOT / "tests" / "question"))
from personal_data import PERSONAL_DATA  # noqa: E402  (tests/question/, beside its own test)

pytestmark = pytest.mark.slow  # a server, and the CLI in a process

IDS = [text[:40] for text, _ in PERSONAL_DATA]


def _leaks(text: str, secrets: list[str]) -> list[str]:
    """The secrets found in `text` as whole words, in any case ('liam' in 'Parliament' is not one)."""
    return [s for s in secrets if re.search(rf"(?<!\w){re.escape(s)}(?!\w)", text, re.IGNORECASE)]


class _Keep(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture(scope="module")
def logged():
    """Every log line written while the module runs: the root logger and uvicorn's, which does not reach it."""
    keep = _Keep()
    names = ["", "assistant", "uvicorn", "uvicorn.error", "uvicorn.access", "gradio", "fastapi"]
    loggers = [logging.getLogger(name) for name in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(keep)
        lg.setLevel(logging.INFO)
    yield keep.lines
    for lg, level in zip(loggers, levels):
        lg.removeHandler(keep)
        lg.setLevel(level)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from assistant.feedback import FeedbackStore

    return FeedbackStore(tmp_path_factory.mktemp("feedback") / "feedback.sqlite3")


@pytest.fixture(scope="module")
def server(assistant, store, logged):
    with served_in_thread(assistant, feedback_store=store, log_level="info") as url:
        yield url


def _gradio_ask(url: str, question: str) -> str:
    call = httpx.post(f"{url}/gradio_api/call/ask", json={"data": [question, None, None]}, timeout=60)
    assert call.status_code == 200, call.text
    stream = httpx.get(f"{url}/gradio_api/call/ask/{call.json()['event_id']}", timeout=60).text
    assert "event: complete" in stream and "Traceback" not in stream, stream[:500]
    return stream


@pytest.mark.parametrize("text, secrets", PERSONAL_DATA, ids=IDS)
def test_nothing_personal_comes_back_from_the_server(server, text, secrets):
    assert _leaks(text, secrets) == secrets  # the check sees each fragment where it is
    ask = httpx.post(f"{server}/api/ask", json={"question": text}, timeout=60)
    assert ask.status_code == 200, ask.text
    assert set(ask.json()) >= ASK_KEYS and ask.json()["warnings"], "the person was not warned"
    search = httpx.post(f"{server}/api/search", json={"query": text}, timeout=60)
    assert search.status_code == 200, search.text
    gradio = _gradio_ask(server, text)
    for where, body in (("/api/ask", ask.text), ("/api/search", search.text), ("the app's /ask", gradio)):
        # JSON escapes non-ASCII letters (Zoë, Łukasz): compare the decoded text as well as the raw body
        decoded = body.encode().decode("unicode_escape", "replace") if "\\u" in body else body
        assert _leaks(body, secrets) == [] and _leaks(decoded, secrets) == [], f"{where} echoed {secrets}: {body[:300]}"


@pytest.mark.parametrize("text, secrets", PERSONAL_DATA, ids=IDS)
def test_nothing_personal_reaches_the_feedback_database(assistant, store, text, secrets):
    """A 👎 with the question and the comment holding case details (they were stored word for word)."""
    from assistant.web.chat import chat_turn, record_feedback

    turn = chat_turn(assistant, text, [], [], None)
    shown = json.dumps(turn.messages, ensure_ascii=False) + turn.bubble + json.dumps(turn.last, ensure_ascii=False)
    assert _leaks(shown, secrets) == [], f"the chat showed {secrets}"
    message, last = record_feedback(store, turn.last, -1, ["not relevant"], f"they said: {text}", assistant.settings)
    assert last and last.get("rating_id"), message
    message, _ = record_feedback(store, last, -1, ["not relevant"], f"changed: {text}", assistant.settings)
    assert "now" in message


@pytest.mark.parametrize("text, secrets", PERSONAL_DATA, ids=IDS)
def test_nothing_personal_comes_back_from_the_cli(monkeypatch, assistant, settings, text, secrets):
    """The CLI's own output, in this process (the model is loaded once; one real process is run below)."""
    from assistant.api import Assistant
    from assistant.cli import main

    monkeypatch.setattr(Assistant, "load", classmethod(lambda cls, *a, **k: assistant))
    runner = CliRunner()
    env = cli_env(settings)
    for args in (["ask", text, "--json"], ["ask", text, "--plain"], ["search", text, "--json"], ["search", text]):
        result = runner.invoke(main, args, env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert _leaks(result.output, secrets) == [], f"`assistant {args[0]}` echoed {secrets}"


def test_nothing_personal_from_the_real_command(settings):
    rows = PERSONAL_DATA[::20]
    for text, secrets in rows:
        for args in (["ask", text, "--json"], ["search", text, "--json"]):
            result = run_cli(*args, env=cli_env(settings))
            assert result.returncode == 0, result.stderr
            assert _leaks(result.stdout + result.stderr, secrets) == [], f"`assistant {args[0]}` echoed {secrets}"


def test_nothing_personal_is_stored_logged_or_exported(server, store, logged, settings, tmp_path):
    """After every test above: the database's bytes, its exports and every log line hold none of the table."""
    everything = [s for _, secrets in PERSONAL_DATA for s in secrets]
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] >= len(PERSONAL_DATA)
    files = sorted(store.path.parent.glob(store.path.name + "*"))  # the database, and its -wal or -journal
    stored = "\n".join(path.read_bytes().decode("utf-8", "replace") for path in files)
    assert _leaks(stored, everything) == []
    for fmt in ("jsonl", "csv"):
        exported = store.export(fmt)
        assert exported.count("[") > len(PERSONAL_DATA) and _leaks(exported, everything) == []
    out = tmp_path / "export.jsonl"
    result = run_cli("feedback", "export", "--format", "jsonl", "--out", str(out),
                     env={**cli_env(settings), "ASSISTANT_FEEDBACK_DB": str(store.path)})
    assert result.returncode == 0, result.stderr
    assert _leaks(out.read_text(encoding="utf-8") + result.stdout + result.stderr, everything) == []
    assert any("ask:" in line for line in logged), "the assistant's own log lines were not seen"
    leaked = [line for line in logged if _leaks(line, everything)]
    assert leaked == [], leaked[:5]
