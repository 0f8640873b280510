"""Shared fixtures. Tests never touch the real world: every user folder is a temp dir.

HOME points at a temp folder for the whole session (so a library reaching for ~/.cache
would be seen), no ASSISTANT_* variable leaks in from the shell, and one real index of the
real corpus, built with the real embedding model, is shared by the session.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SESSION_HOME = Path(tempfile.mkdtemp(prefix="ppa-home-"))
os.environ["HOME"] = str(SESSION_HOME)
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["ANONYMIZED_TELEMETRY"] = "False"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
for name in list(os.environ):
    if name.startswith("ASSISTANT_"):
        del os.environ[name]
os.environ["ASSISTANT_HOME"] = str(SESSION_HOME)  # no assistant.toml from the checkout
os.environ["ASSISTANT_CONFIG"] = str(SESSION_HOME / "none.toml")
(SESSION_HOME / "none.toml").write_text("")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("ASSISTANT_") and name not in ("ASSISTANT_HOME", "ASSISTANT_CONFIG"):
            monkeypatch.delenv(name)


def copy_corpus(target: Path) -> Path:
    shutil.copytree(ROOT / "corpus", target)
    return target


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """(settings, build report) for a real index of the real corpus in a temp dir."""
    from assistant.config import load_settings
    from assistant.index import build_index

    base = tmp_path_factory.mktemp("built")
    corpus = copy_corpus(base / "corpus")
    settings = load_settings(corpus_dir=corpus, index_dir=base / "index")
    report = build_index(settings)
    return settings, report


@pytest.fixture(scope="session")
def settings(built):
    return built[0]


@pytest.fixture(scope="session")
def assistant(settings):
    from assistant.api import Assistant

    return Assistant(settings).warm_up()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_cli(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the real `assistant` command in a new process."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout, cwd=ROOT)


def cli_env(settings) -> dict:
    return {"ASSISTANT_CORPUS_DIR": str(settings.corpus_dir), "ASSISTANT_INDEX_DIR": str(settings.index_dir)}


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium driven by Playwright (never `playwright install`).

    One per module: Playwright's sync API keeps an event loop running in the main thread while
    it is open, which would stop the async tests of later modules (langchain-tests') from running.
    """
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "chromium is missing: `make test` installs it (apt-get install chromium)"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()
