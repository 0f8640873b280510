"""What `assistant ask`, `assistant glossary` and `assistant index --if-needed` print for a person.

A terminal gets rendered Markdown (rich); a pipe, or --plain, gets plain text; --json stays the
stable shape for tools.
"""

from __future__ import annotations

import pytest

import os
import pty
import re
import select
import subprocess
import sys
import time

from conftest import ROOT, cli_env, run_cli

pytestmark = pytest.mark.slow  # each test here starts the CLI, a server or an evaluation

ANSI = re.compile(r"\x1b\[[0-9;]*m")
QUESTION = "ex-forces lad with PTSD who drinks"


def run_in_terminal(args: list[str], env: dict, columns: int = 100, timeout: float = 120) -> str:
    """Run the real command with a pseudo-terminal as stdout, as a person at a terminal would."""
    leader, follower = pty.openpty()
    full_env = {**os.environ, **env, "TERM": "xterm-256color", "COLUMNS": str(columns)}
    full_env.pop("NO_COLOR", None)
    process = subprocess.Popen([sys.executable, "-m", "assistant", *args], stdout=follower, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, env=full_env, cwd=ROOT)
    os.close(follower)
    chunks = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the command closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    process.wait(timeout=10)
    os.close(leader)
    assert process.returncode == 0, process.stderr.read().decode()
    return b"".join(chunks).decode("utf-8", errors="replace")


def test_ask_in_a_terminal_renders_the_markdown(settings):
    """`assistant ask` printed raw Markdown (`**`, `[..](..)`) to a terminal."""
    shown = run_in_terminal(["ask", QUESTION], cli_env(settings))
    text = ANSI.sub("", shown)
    assert ANSI.search(shown), "no terminal styling"
    assert "**" not in text and "](" not in text
    assert "[1]" in text  # the citation markers stay
    assert "Sources" in text and "Read it in the source" in text
    assert "https://hmiprobation.justiceinspectorates.gov.uk/" in text  # the link is still there to follow


def test_ask_piped_or_plain_gives_plain_text(settings):
    piped = run_cli("ask", QUESTION, env=cli_env(settings))
    assert piped.returncode == 0, piped.stderr
    for output in (piped.stdout, run_in_terminal(["ask", QUESTION, "--plain"], cli_env(settings))):
        assert not ANSI.search(output)
        assert "**" not in output and "](" not in output
        assert "[1]" in output and "Read it in the source: https://hmiprobation" in output
        assert "Open Government Licence" in output  # the CLI keeps the notice and licence


def test_ask_json_is_unchanged(settings):
    result = run_cli("ask", QUESTION, "--json", env=cli_env(settings))
    data = __import__("json").loads(result.stdout)
    assert "**Sources**" in data["answer"]  # the JSON keeps the Markdown


def test_glossary_table_fits_the_width_and_keeps_every_column(settings):
    """The glossary table cut off its source column; rows for AP matched any substring."""
    result = run_cli("glossary", env={**cli_env(settings), "COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines and max(len(line) for line in lines) <= 80
    header = next(line for line in lines if "term" in line and "meaning" in line)
    assert "kind" in header and "source" in header
    assert "glossary.csv" in result.stdout and "ne-2025" in result.stdout
    narrow = run_cli("glossary", "AP", env={**cli_env(settings), "COLUMNS": "80"})
    rows = [line for line in narrow.stdout.splitlines() if re.match(r"^\W*AP\b", line)]
    assert len(rows) == 2 and "knife" not in narrow.stdout and "have a say" not in narrow.stdout


def test_index_if_needed_says_the_index_is_up_to_date(settings):
    """`index --if-needed` printed nothing when the index was up to date."""
    result = run_cli("index", "--if-needed", env=cli_env(settings))
    assert result.returncode == 0, result.stderr
    assert re.search(r"^Index is up to date \(built \d{4}-\d{2}-\d{2}", result.stdout, re.M), result.stdout


def test_ask_says_when_the_filters_exclude_everything_or_the_question_is_not_in_english(settings):
    result = run_cli("ask", "keeping her engaged on unpaid work", "--theme", "Court work", "--need", "pregnancy",
                     env=cli_env(settings))
    assert result.returncode == 0, result.stderr
    assert "Note: No example matches all of these filters together (theme: Court work; need: pregnancy)" in result.stderr
    welsh = run_cli("ask", "Mae fy nghleient yn colli apwyntiadau o hyd, beth ddylwn i ei wneud?", env=cli_env(settings))
    assert "Note: This question looks like Welsh" in welsh.stderr
