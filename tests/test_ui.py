"""The web app: handlers as plain functions, safe defaults, /ask over gradio_client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest

from assistant.errors import SettingsError
from assistant.feedback import FeedbackStore
from assistant.server import check_host
from assistant.ui import (ATTRIBUTION, about_markdown, api_ask, build_app, finder_handler, glossary_rows,
                          mode_label, pack_handler, record_feedback, render_answer, render_evidence)
from conftest import ROOT, cli_env, free_port, run_cli

EMILY = "ne-2025:effective-safe-and-tailored-delivery-of-upw-for-a-pregnant"
ASK_KEYS = {"question", "answer", "refused", "mode", "citations", "warnings"}


def test_answer_markers_link_to_evidence_cards(assistant):
    answer = assistant.ask("she's pregnant and has unpaid work hours to do")
    rendered = render_answer(answer)
    assert "[[1]](#card-1)" in rendered
    assert "**Sources**\n[1] **Effective, safe" in rendered  # the sources list keeps plain numbers
    evidence = render_evidence(answer)
    assert evidence.count('<details class="card" id="card-') == len(answer.citations) == 1
    assert "Emily, 28, female" in evidence and "Outcome:" in evidence
    assert f"<mark>{answer.citations[0].quotes[0]}</mark>" in evidence.replace("&#x27;", "'")
    assert "Read it in the source document" in evidence


def test_refusals_show_no_cards_and_warnings_show_on_top(assistant):
    refused = assistant.ask("Give me a lasagne recipe")
    assert "card-" not in render_evidence(refused)
    with_warning = assistant.ask("John Smith DOB 01/02/1990 keeps missing appointments")
    assert render_answer(with_warning).startswith("> ⚠️ This question seems to hold real case details")
    assert render_evidence(None).startswith('<p class="placeholder">')


def test_mode_label(assistant):
    from dataclasses import replace

    from assistant.api import Assistant

    assert "offline answers from the corpus" in mode_label(assistant)
    llm = Assistant(replace(assistant.settings, llm="openai:qwen2.5"), index=assistant.index)
    assert "LLM: openai:qwen2.5" in mode_label(llm)


def test_feedback_handler(assistant, tmp_path):
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    assert record_feedback(store, None, 1, [], "", assistant.settings) == "Ask a question first, then rate its answer."
    answer = assistant.ask("ex-forces lad with PTSD").to_json()
    assert record_feedback(store, answer, -1, ["not relevant"], "too long", assistant.settings).startswith("Thank you")
    assert record_feedback(store, answer, -1, ["nonsense"], "", assistant.settings).startswith("**unknown reason")
    [row] = store.rows()
    assert row["rating"] == -1 and row["question"] == "ex-forces lad with PTSD" and row["settings"]["top_k"] == "5"


def test_finder_and_pack_handlers(assistant, tmp_path):
    everything, counts = finder_handler(assistant, "", None)
    assert len(everything) == 21 and "**21 examples**" in counts and "| Court work | 2 |" in counts
    pregnant, _ = finder_handler(assistant, "", {"need": ["pregnancy"]})
    assert [e.id for e in pregnant] == [EMILY]
    searched, _ = finder_handler(assistant, "victim liaison", {"theme": ["Statutory victim work"]})
    assert [e.section for e in searched] == ["Statutory victim work"]
    paths = pack_handler(assistant, [EMILY, "ne-2025:strengths-based-and-responsive-case-management"], tmp_path)
    assert [p.rsplit("/", 1)[1] for p in paths] == ["session-pack.md", "session-pack.docx"]
    from assistant.errors import BadInputError

    with pytest.raises(BadInputError, match="pick at least one example"):
        pack_handler(assistant, [], tmp_path)


def test_glossary_about_and_api(assistant):
    rows = glossary_rows(assistant, "hostel")
    assert ["hostel", "approved premises", "everyday", "curated (glossary.csv)"] in rows
    about = about_markdown(assistant)
    assert "21 examples and 20 sections" in about and "all-MiniLM-L6-v2" in about and "Open Government Licence" in about
    data = api_ask(assistant, "ex-forces lad with PTSD who drinks")
    assert set(data) == ASK_KEYS and data["citations"][0]["id"].endswith("multi-agency-information-sharing-and-joint-working")
    bad = api_ask(assistant, "   ")
    assert bad["refused"] is True and "empty" in bad["warnings"][0]


def test_build_app_does_not_launch(assistant, tmp_path):
    import gradio as gr

    app = build_app(assistant, FeedbackStore(tmp_path / "fb.sqlite3"))
    assert isinstance(app, gr.Blocks)
    assert not getattr(app, "is_running", False)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_loopback_needs_no_auth(host):
    check_host(host, None, False)


def test_other_hosts_need_auth_or_an_explicit_no_auth():
    with pytest.raises(SettingsError, match="refusing to listen on 0.0.0.0.*ASSISTANT_AUTH.*--no-auth"):
        check_host("0.0.0.0", None, False)
    check_host("0.0.0.0", "ann:secret", False)
    check_host("0.0.0.0", None, True)


def test_serve_refuses_a_public_host_without_auth(settings):
    result = run_cli("serve", "--host", "0.0.0.0", env=cli_env(settings), timeout=60)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].startswith("Error: refusing to listen on 0.0.0.0")


def test_served_page_and_the_ask_api(settings):
    """What `make run` starts: a page on 127.0.0.1 whose /ask endpoint answers over gradio_client."""
    port = free_port()
    env = {**os.environ, **cli_env(settings)}
    process = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port)],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 90
        while True:
            try:
                page = urllib.request.urlopen(url, timeout=2).read().decode()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the app did not start: {process.stdout.read() if process.poll() is not None else ''}")
                time.sleep(0.5)
        assert "Probation Practice Assistant" in page

        from gradio_client import Client

        client = Client(url, verbose=False)
        data = client.predict("ex-forces lad with PTSD who drinks", None, None, api_name="/ask")
        data = json.loads(data) if isinstance(data, str) else data
        assert set(data) == ASK_KEYS
        assert data["mode"] == "extractive" and data["refused"] is False
        assert data["citations"][0]["id"] == "ne-2025:multi-agency-information-sharing-and-joint-working"
        assert data["citations"][0]["quotes"] and "[1]" in data["answer"]
        follow = client.predict("how did the PP handle his exclusion zone?",
                                [{"role": "user", "content": "Muslim client on licence"}], {"theme": ["Professional curiosity"]},
                                api_name="/ask")
        follow = json.loads(follow) if isinstance(follow, str) else follow
        assert follow["citations"][0]["id"].endswith("cultural-responsivity-in-practice")
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_attribution_wording():
    assert ATTRIBUTION.startswith("Contains public sector information licensed under the")
    assert "open-government-licence/version/3" in ATTRIBUTION


def test_evaluate_tab_handler(assistant, tmp_path, monkeypatch):
    from assistant.ui import evaluate_handler, gold_files

    monkeypatch.setenv("ASSISTANT_HOME", str(ROOT))  # the checkout's evals/ folder
    assert {"gold.jsonl", "holdout.jsonl"} <= set(gold_files(assistant))
    assert "support_labels.jsonl" not in gold_files(assistant)
    seen = []
    summary, report = evaluate_handler(assistant, "holdout.jsonl", ["ours", "bm25"], tmp_path,
                                       progress=lambda stage, done, total: seen.append(stage))
    assert "| ours |" in summary and "| bm25 |" in summary
    assert report.endswith("report.html") and "<img" in open(report, encoding="utf-8").read()
    assert {"ours", "bm25", "answers"} <= set(seen)
    with pytest.raises(SettingsError, match="choose a gold file"):
        evaluate_handler(assistant, "", ["ours"], tmp_path)
