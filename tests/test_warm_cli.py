"""tests/warm_cli.py: a command run from the warm process gives what a new `python -m assistant` gives."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from assistant.ingest.lock import CorpusLock
from conftest import ROOT
from warm_cli import WarmCli

pytestmark = pytest.mark.slow  # each test starts a warm process and commands


@pytest.fixture(scope="module")
def warm():
    with pytest.MonkeyPatch.context() as patch:  # tested even where the suite runs with it off
        patch.delenv("PPA_TEST_WARM_CLI", raising=False)
        runner = WarmCli()
    yield runner
    runner.close()


@pytest.fixture
def forked(warm):
    """How many commands the warm process runs during a test."""
    before = warm.forked
    return lambda: warm.forked - before


def _plain(args: list, env: dict, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, input=stdin, timeout=120)


def _env(tmp_path, **more: str) -> dict:
    return {**os.environ, "ASSISTANT_CORPUS_DIR": str(tmp_path / "corpus"), "ASSISTANT_INDEX_DIR": str(tmp_path / "index"),
            **more}


@pytest.mark.parametrize("args, stdin", [
    (["search", "--help"], None),  # the usage line names `python -m assistant`, as Python's own start gives it
    (["search", ""], None),  # refused: exit status and standard error
    (["search", b"caf\xff"], None),  # an argument that is not UTF-8 reaches the command as Python decodes it
    (["ask", "what helps?", "--history", "-"], '[{"role": "officer", "content": "hi"}]'),  # standard input
    (["nonsense"], None),
])
def test_a_command_gives_what_a_new_process_gives(warm, forked, tmp_path, args, stdin):
    env = _env(tmp_path)
    result = warm.run(args, env=env, cwd=ROOT, timeout=120, stdin=stdin)
    assert forked() == 1 and warm.unavailable is None
    plain = _plain(args, env, stdin)
    assert (result.returncode, result.stdout, result.stderr) == (plain.returncode, plain.stdout, plain.stderr)
    assert result.args == plain.args


def test_each_command_has_its_own_environment_and_nothing_carries_over(warm, forked, tmp_path):
    four = warm.run(["config"], env=_env(tmp_path, ASSISTANT_TOP_K="4"), cwd=ROOT, timeout=120, stdin=None)
    default = warm.run(["config"], env=_env(tmp_path), cwd=ROOT, timeout=120, stdin=None)
    assert forked() == 2
    top_k = [[line for line in result.stdout.splitlines() if line.startswith("top_k")] for result in (four, default)]
    assert "4" in top_k[0][0].split() and "environment ASSISTANT_TOP_K" in top_k[0][0], four.stdout
    assert "4" not in top_k[1][0].split() and "ASSISTANT_TOP_K" not in top_k[1][0], default.stdout


def test_a_command_past_its_timeout_is_killed_and_the_next_one_runs(warm, forked, tmp_path):
    (tmp_path / "corpus" / "documents").mkdir(parents=True)
    holder = CorpusLock(tmp_path / "corpus", "add").held()  # `remove` waits for it
    try:
        started = time.monotonic()
        with pytest.raises(subprocess.TimeoutExpired) as expired:
            warm.run(["remove", "anything", "--wait", "60"], env=_env(tmp_path), cwd=ROOT, timeout=3, stdin=None)
        assert time.monotonic() - started < 30
        assert "waiting" in (expired.value.stderr or "").lower(), expired.value.stderr
    finally:
        holder.release()
    after = warm.run(["config"], env=_env(tmp_path), cwd=ROOT, timeout=120, stdin=None)
    assert after.returncode == 0 and "top_k" in after.stdout and forked() == 2


def test_a_command_started_while_another_runs_gets_a_process_of_its_own(warm, forked, tmp_path):
    (tmp_path / "corpus" / "documents").mkdir(parents=True)
    holder = CorpusLock(tmp_path / "corpus", "add").held()
    waiting = threading.Thread(target=lambda: warm.run(["remove", "anything", "--wait", "60"], env=_env(tmp_path),
                                                       cwd=ROOT, timeout=120, stdin=None))
    try:
        waiting.start()
        deadline = time.monotonic() + 30
        while forked() == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        result = warm.run(["config"], env=_env(tmp_path), cwd=ROOT, timeout=120, stdin=None)  # not queued behind it
        assert result.returncode == 0 and "top_k" in result.stdout and forked() == 1
    finally:
        holder.release()
        waiting.join(120)


def test_a_variable_python_reads_at_start_gets_a_new_interpreter(warm, forked, tmp_path):
    result = warm.run(["config"], env=_env(tmp_path, PYTHONIOENCODING="ascii"), cwd=ROOT, timeout=120, stdin=None)
    assert result.returncode == 0 and forked() == 0


def test_switched_off_every_command_runs_in_a_new_process(tmp_path, monkeypatch):
    monkeypatch.setenv("PPA_TEST_WARM_CLI", "off")
    runner = WarmCli()
    result = runner.run(["config"], env=_env(tmp_path), cwd=ROOT, timeout=120, stdin=None)
    assert result.returncode == 0 and runner.forked == 0 and runner.unavailable == "switched off"
