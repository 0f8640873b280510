"""The web app: handlers as plain functions, safe defaults, and a real served page."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

import pytest

from assistant.errors import SettingsError
from assistant.ui import ATTRIBUTION, build_app, check_host, search_handler
from conftest import ROOT, cli_env, free_port, run_cli


def test_search_handler_shows_ranked_examples(assistant):
    markdown = search_handler(assistant, "ex-forces lad with PTSD", [], [], 3)
    assert markdown.startswith("### 1. Multi-agency information sharing and joint working")
    assert "Tom, 39, male" in markdown and "Why: expanded: ex-forces → veteran" in markdown
    assert markdown.count("### ") == 3


def test_search_handler_filters_and_bad_input(assistant):
    markdown = search_handler(assistant, "engagement", ["Unpaid work"], [], 5)
    assert markdown.count("### ") == 1 and "Emily" in markdown
    assert search_handler(assistant, "   ", [], [], 5) == (
        "**the question is empty; type a question, e.g. \"client with ADHD keeps missing appointments\"**")


def test_build_app_does_not_launch(assistant):
    import gradio as gr

    app = build_app(assistant)
    assert isinstance(app, gr.Blocks)
    assert getattr(app, "server", None) is None or not app.is_running


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


def test_served_page_finds_examples(settings):
    """What `make run` starts: a page on 127.0.0.1 that finds examples."""
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
        markdown = client.predict("ex-forces lad with PTSD", [], [], 3, api_name="/search")
        assert "Multi-agency information sharing and joint working" in markdown
        assert "Tom, 39" in markdown
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_attribution_wording():
    assert ATTRIBUTION.startswith("Contains public sector information licensed under the")
    assert "open-government-licence/version/3" in ATTRIBUTION
