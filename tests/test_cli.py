"""The `assistant` command in a new process: stable JSON, and one-line messages for bad input."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from conftest import ROOT, cli_env, run_cli

pytestmark = pytest.mark.slow  # each test here starts the CLI, a server or an evaluation

SEARCH_KEYS = {"rank", "id", "kind", "title", "document", "section", "score", "text", "url", "matched", "also_in"}
EXAMPLE_KEYS = {"id", "kind", "title", "document", "section", "person", "sentence", "needs", "standards",
                "outcome", "text", "url"}


def test_search_json(settings):
    result = run_cli("search", "ex-forces lad with PTSD who drinks", "-k", "3", "--json", env=cli_env(settings))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["query"] == "ex-forces lad with PTSD who drinks"
    assert [r["rank"] for r in data["results"]] == [1, 2, 3]
    assert all(set(r) == SEARCH_KEYS for r in data["results"])
    top = data["results"][0]
    assert top["id"] == "ne-2025:multi-agency-information-sharing-and-joint-working"
    assert top["kind"] == "example" and "veteran diagnosed with PTSD" in top["text"]
    assert isinstance(top["score"], float) and top["matched"]


def test_search_with_filters_and_text_output(settings):
    result = run_cli("search", "risk management", "--theme", "Public protection", env=cli_env(settings))
    assert result.returncode == 0, result.stderr
    assert "1. Effective risk management and disclosure" in result.stdout or "1. Risk management despite" in result.stdout
    assert "why:" in result.stdout


def test_search_by_publication_region_year_and_kind(settings):
    result = run_cli("search", "assessment", "-k", "20", "--publication-kind", "standards", "--year", "2025", "--json",
                     env=cli_env(settings))
    assert result.returncode == 0, result.stderr
    results = json.loads(result.stdout)["results"]
    assert results and all(r["id"].startswith("standards:") for r in results)
    result = run_cli("search", "assessment", "--region", "Wales", env=cli_env(settings))
    assert result.returncode != 0 and "unknown region 'Wales'; known values: North East" in result.stderr
    assert "Traceback" not in result.stderr


def test_examples_json(settings):
    result = run_cli("examples", "--json", env=cli_env(settings))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data) == 21
    assert all(set(e) == EXAMPLE_KEYS for e in data)
    june = next(e for e in data if e["person"] and e["person"]["name"] == "June")
    assert june["person"] == {"name": "June", "age": 24, "gender": "female"}
    assert june["section"] == "Court work" and june["kind"] == "case"
    assert june["outcome"].startswith("Custody was considered")
    assert sum(1 for e in data if e["kind"] == "organisational") == 3


def test_glossary_and_config(settings):
    result = run_cli("glossary", "AP", env=cli_env(settings))
    assert result.returncode == 0
    assert "approved premises" in result.stdout and "accredited programme" in result.stdout
    result = run_cli("config", env={**cli_env(settings), "ASSISTANT_TOP_K": "4"})
    assert result.returncode == 0
    assert "top_k" in result.stdout and "environment ASSISTANT_TOP_K" in result.stdout
    assert "(default)" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["search", ""], "question is empty"),
    (["search", "   "], "question is empty"),
    (["search", "x" * 20_000], "keep it under 2,000"),
    (["search", "help\x07me"], "control characters"),
    (["search", "risk", "--need", "unicorns"], "unknown need 'unicorns'"),
])
def test_bad_search_input(settings, args, message):
    manifest = (settings.resolved("index_dir") / "manifest.json").read_bytes()
    result = run_cli(*args, env=cli_env(settings))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0]
    assert "Traceback" not in result.stderr
    assert (settings.resolved("index_dir") / "manifest.json").read_bytes() == manifest


@pytest.fixture
def private(settings, tmp_path):
    shutil.copytree(settings.resolved("corpus_dir"), tmp_path / "corpus")
    shutil.copytree(settings.resolved("index_dir"), tmp_path / "index")
    return {"ASSISTANT_CORPUS_DIR": str(tmp_path / "corpus"), "ASSISTANT_INDEX_DIR": str(tmp_path / "index")}, tmp_path


def _one_line_error(result, message):
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("Error: ") and message in lines[-1], result.stderr
    assert "Traceback" not in result.stderr


def test_missing_corpus_folder(private):
    env, tmp = private
    manifest = (tmp / "index" / "manifest.json").read_bytes()
    result = run_cli("index", env={**env, "ASSISTANT_CORPUS_DIR": str(tmp / "missing")})
    _one_line_error(result, "does not exist")
    assert (tmp / "index" / "manifest.json").read_bytes() == manifest


@pytest.mark.parametrize("name, content, message", [
    ("empty.txt", b"", "empty.txt is empty; add its text or remove it"),
    ("garbled.txt", b"\xff\xfe\x81\x00", "garbled.txt is not UTF-8 text"),
])
def test_empty_or_unreadable_document(private, name, content, message):
    env, tmp = private
    (tmp / "corpus" / "documents" / name).write_bytes(content)
    result = run_cli("index", env=env)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1 and message.replace(name, "") in warnings[0] and name in warnings[0]
    assert f"{name}: skipped" in result.stdout
    # the rest of the corpus is indexed
    assert json.loads((tmp / "index" / "manifest.json").read_text())["counts"]["examples"] == 21


def test_corrupt_manifest(private):
    env, tmp = private
    (tmp / "index" / "manifest.json").write_text("{ this is not json")
    _one_line_error(run_cli("search", "risk", env=env), "manifest")
    assert "run `assistant index` to repair it" in run_cli("search", "risk", env=env).stderr


def test_missing_index_says_what_to_run(private):
    env, tmp = private
    shutil.rmtree(tmp / "index")
    _one_line_error(run_cli("search", "risk", env=env), "run `assistant index`")


def test_index_up_to_date_is_quick_and_says_so(settings):
    result = run_cli("index", env=cli_env(settings))
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout


def test_relative_corpus_and_index_are_taken_from_the_working_directory(private):
    """Run from another folder, `--corpus my-corpus --index my-index` are that folder's, not the product's."""
    import os
    import subprocess
    import sys

    _env, tmp = private
    (tmp / "corpus").rename(tmp / "my-corpus")
    (tmp / "index").rename(tmp / "my-index")
    where = ["--corpus", "my-corpus", "--index", "my-index"]

    def run(*args: str) -> subprocess.CompletedProcess:
        # this checkout's code, whichever checkout the interpreter's environment has installed
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        return subprocess.run([sys.executable, "-m", "assistant", *where, *args], capture_output=True, text=True,
                              cwd=tmp, env=env, timeout=120)

    result = run("index", "--if-needed")
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout  # it found the copied index, so it built nothing
    result = run("documents", "--json")
    assert result.returncode == 0, result.stderr
    assert {d["id"] for d in json.loads(result.stdout)} == {"ne-2025", "standards"}
    assert all(d["indexed"] for d in json.loads(result.stdout))
    result = run("search", "ex-forces lad with PTSD who drinks", "-k", "1", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["results"][0]["id"] == "ne-2025:multi-agency-information-sharing-and-joint-working"
    assert not (ROOT / "my-corpus").exists() and not (ROOT / "my-index").exists()


ESTIMATE = re.compile(r"^Re-indexing: (\d+) chunks? and (\d+) passages? to embed \(([\d,]+) chunks? reused\); about (\d+) s "
                      r"at ([\d,]+) characters/s \((the last build's rate|measured just now)\)\.$", re.M)
TOOK = re.compile(r"^Re-indexing took (\d+) s \(estimated (\d+) s\)\.$", re.M)


def _estimate_and_outcome(result) -> tuple[re.Match | None, int, int]:
    """The estimate line of an `add` or `remove`, and the seconds it took against those estimated."""
    took, estimated = map(int, TOOK.search(result.stdout).groups())
    print(f"\n{result.args[3:5]}: took {took} s, estimated {estimated} s")  # shown with -s
    assert took <= 3 * estimated + 5 and estimated <= 3 * took + 5, result.stdout  # "about": the machine is shared
    return ESTIMATE.search(result.stdout), took, estimated


def test_add_and_remove_say_how_long_they_will_take_and_show_progress(private):
    env, tmp = private
    spotlight = ROOT / "tests" / "fixtures" / "publications" / "spotlight-eastmoor-2024.txt"
    result = run_cli("add", str(spotlight), env=env)
    assert result.returncode == 0, result.stderr
    said, _took, _estimated = _estimate_and_outcome(result)
    chunks, passages, _reused, _seconds, _rate, rate_from = said.groups()
    assert rate_from == "the last build's rate"  # the session's build recorded it in its manifest
    assert f"({chunks} embedded" in result.stdout and int(chunks) > 20 and int(passages) > 20
    assert f"  embed: {chunks} of {chunks} chunks" in result.stderr  # progress, as plain lines in a log
    assert re.search(r"^  passages: \d+ of \d+ passages", result.stderr, re.M)

    result = run_cli("remove", "spotlight-eastmoor-2024", env=env)
    assert result.returncode == 0, result.stderr
    _estimate_and_outcome(result)
    assert re.search(r"^Re-indexing: nothing new to embed \([\d,]+ chunks reused\); about \d+ s\.$", result.stdout, re.M)

    # an index from before builds recorded their rate: it is measured on a few of the chunks to embed
    from assistant.index.manifest import sealed

    manifest_file = tmp / "index" / "manifest.json"
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    manifest.pop("timings")
    manifest_file.write_text(json.dumps(sealed(manifest)), encoding="utf-8")
    result = run_cli("add", str(spotlight), env=env)
    assert result.returncode == 0, result.stderr
    said, _took, _estimated = _estimate_and_outcome(result)
    assert said.group(6) == "measured just now" and f"({said.group(1)} embedded" in result.stdout


def test_cheap_imports():
    code = ("import sys, assistant, assistant.cli, assistant.api, assistant.retrieve\n"
            "from click.testing import CliRunner\n"
            "r = CliRunner().invoke(assistant.cli.main, ['--help'])\n"
            "assert r.exit_code == 0 and 'search' in r.output\n"
            "heavy = [m for m in ('torch', 'chromadb', 'gradio', 'sentence_transformers', 'onnxruntime') if m in sys.modules]\n"
            "print(heavy)")
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


KAI = "ne-2025:professional-curiosity-and-cultural-responsivity-in-practice"
EARLIER = [{"role": "user", "content": "Any examples of good practice with a Muslim client on licence?"},
           {"role": "assistant", "content": "Closest: a Muslim man on licence at an AP.", "cited": [KAI]}]


def conversation_env(settings, tmp_path) -> dict:
    return {**cli_env(settings), "ASSISTANT_CONVERSATION_FILE": str(tmp_path / "conversation.json")}


def test_ask_follows_on_from_a_history_file_or_stdin(settings, tmp_path):
    env = conversation_env(settings, tmp_path)
    path = tmp_path / "history.json"
    path.write_text(json.dumps(EARLIER), encoding="utf-8")
    for args, stdin in ((["--history", str(path)], None), (["--history", "-"], json.dumps(EARLIER))):
        result = run_cli("ask", "how did the PP handle his exclusion zone?", *args, "--json", env=env, stdin=stdin)
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        assert [e["id"] for e in data["following_on_from"]["examples"]] == [KAI]
        assert data["citations"][0]["id"] == KAI


@pytest.mark.parametrize("args, stdin, message", [
    (["--history", "no-such-file.json"], None, "Error: cannot read history file no-such-file.json"),
    (["--history", "-"], '[{"role": "user", "content": ', "Error: history file stdin is not valid JSON (line 1"),
    (["--history", "-"], '[{"role": "officer", "content": "hi"}]', 'history turn 1 has role officer'),
    (["--history", "-", "--continue"], "[]", "Error: use --history FILE or --continue, not both"),
])
def test_a_bad_history_gets_one_line(settings, tmp_path, args, stdin, message):
    result = run_cli("ask", "what helps?", *args, env=conversation_env(settings, tmp_path), stdin=stdin)
    assert result.returncode != 0
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "conversation.json").exists()


def test_continue_goes_on_from_the_last_answer_kept_redacted_until_forgotten(settings, tmp_path):
    env = conversation_env(settings, tmp_path)
    kept = tmp_path / "conversation.json"
    first = run_cli("ask", "John Smith, DOB 12/03/1990, is a practising Muslim client on licence", "--json", env=env)
    assert first.returncode == 0, first.stderr
    text = kept.read_text(encoding="utf-8")
    assert "Smith" not in text and "12/03/1990" not in text and "[NAME]" in text
    assert "Open Government Licence" not in text  # the answer is kept without its sources and notice
    second = run_cli("ask", "--continue", "how did the PP handle his exclusion zone?", "--json", env=env)
    assert second.returncode == 0, second.stderr
    data = json.loads(second.stdout)
    assert data["following_on_from"] and data["citations"][0]["id"] == KAI
    turns = json.loads(kept.read_text(encoding="utf-8"))["turns"]
    assert [t["role"] for t in turns] == ["user", "assistant"] * 2 and turns[-1]["cited"][0] == KAI
    forgot = run_cli("ask", "--forget", env=env)
    assert forgot.returncode == 0 and f"Forgot the conversation kept in {kept}" in forgot.stderr
    assert not kept.exists()
    alone = run_cli("ask", "--continue", "how did the PP handle his exclusion zone?", "--json", env=env)
    assert alone.returncode == 0 and "no recent conversation to continue" in alone.stderr
    assert json.loads(alone.stdout)["following_on_from"] is None
    missing = run_cli("ask", env=env)
    assert missing.returncode != 0 and "Missing argument 'QUESTION'" in missing.stderr
