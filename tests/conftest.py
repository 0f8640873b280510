"""Shared fixtures. Tests never touch the real world: every user folder is a temp dir.

HOME points at a temp folder for the whole session (so a library reaching for ~/.cache
would be seen), no ASSISTANT_* variable leaks in from the shell, and one real index of the
real corpus, built with the real embedding model, is shared by the session.
"""

from __future__ import annotations

import functools
import inspect
from contextlib import contextmanager
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from session_build import build, copy_corpus, wait_for  # noqa: F401  (tests import copy_corpus from here)
from warm_cli import WarmCli

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
# Exporting the query model takes ~20 s: a checked export is kept between sessions in the checkout's
# git-ignored .cache/ (assistant.index.model); tests of the export itself switch it off.
os.environ["ASSISTANT_MODEL_CACHE"] = str(ROOT / ".cache" / "models")
KEPT_ENV = ("ASSISTANT_HOME", "ASSISTANT_CONFIG", "ASSISTANT_MODEL_CACHE")
# A shell starts a background job (`make test &`, nohup) with SIGINT ignored, and the build rightly leaves an
# ignored Ctrl-C alone; the Ctrl-C tests (here and in the commands they start) need Python's own handler.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("ASSISTANT_") and name not in KEPT_ENV:
            monkeypatch.delenv(name)


def private_copy(settings, folder: Path, **overrides):
    """Settings over a copy of `settings`' corpus and index in `folder`: a private index, safe to change."""
    from assistant.config import load_settings

    shutil.copytree(settings.resolved("corpus_dir"), folder / "corpus")
    shutil.copytree(settings.resolved("index_dir"), folder / "index")
    return load_settings(corpus_dir=folder / "corpus", index_dir=folder / "index", **overrides)


SESSION_BUILD = "PPA_TEST_SESSION_BUILD"  # "FOLDER PID" of the session build the xdist controller started
BUILDER = pytest.StashKey[tuple]()


def pytest_configure(config):
    """Under pytest-xdist, the controller starts the session's index build in a process of its own at once
    (tests/session_build.py): the workers take the files that need no index meanwhile, and then copy it."""
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        return
    folder = Path(tempfile.mkdtemp(prefix="ppa-session-build-"))
    log = open(folder / "build.log", "wb")
    process = subprocess.Popen([sys.executable, str(ROOT / "tests" / "session_build.py"), str(folder)],
                               stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT)
    os.environ[SESSION_BUILD] = f"{folder} {process.pid}"  # the workers, started after this, inherit it
    config.stash[BUILDER] = (process, folder, log)


def pytest_unconfigure(config):
    WARM_CLI.close()
    started = config.stash.get(BUILDER, None)
    if started:
        process, folder, log = started
        if process.poll() is None:
            process.kill()
        process.wait()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """(settings, build report) for a real index of the real corpus in a temp dir: built here in one process;
    a copy of the session's one build (`pytest_configure`) in each worker of several."""
    from assistant.config import load_settings

    base = tmp_path_factory.mktemp("built")
    started = os.environ.get(SESSION_BUILD)
    if not started:
        report = build(base)
        return load_settings(corpus_dir=base / "corpus", index_dir=base / "index"), report
    folder, pid = started.rsplit(" ", 1)
    try:
        report = wait_for(Path(folder), int(pid))
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    shared = load_settings(corpus_dir=Path(folder) / "corpus", index_dir=Path(folder) / "index")
    return private_copy(shared, base), report


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


WARM_CLI = WarmCli()


def run_cli(*args: str | bytes, env: dict | None = None, timeout: float = 120, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run the real `assistant` command in a new process (`stdin`: text for its standard input).

    The process is a fork of a warm one that has imported the package (tests/warm_cli.py)."""
    full_env = {**os.environ, **(env or {})}
    return WARM_CLI.run(list(args), env=full_env, cwd=ROOT, timeout=timeout, stdin=stdin)


def cli_env(settings) -> dict:
    return {"ASSISTANT_CORPUS_DIR": str(settings.corpus_dir), "ASSISTANT_INDEX_DIR": str(settings.index_dir)}


# the stable JSON of `assistant ask --json`, /api/ask and the app's /ask (fields are only ever added)
ASK_KEYS = {"question", "answer", "refused", "mode", "citations", "warnings", "not_covered", "following_on_from",
            "shape", "lead", "notes", "points", "outcomes", "table", "asks"}

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


# --- test tiers: `make check` runs the fast tier (-m "not slow and not browser"), `make test` all ---------

# What makes a test slow: it builds an index of its own, starts a process or a server, drives a browser,
# or runs a whole evaluation. The shared index of the session fixtures (`built`, `settings`,
# `assistant`) is built once and does not count.
HEAVY = re.compile(r"\b(?:run_cli|build_index|subprocess\.(?:run|Popen|call|check_output)|Popen|sync_playwright|"
                   r"uvicorn\.run|create_app|gradio_client|run_evaluation|evaluate_handler|growth_eval)\b")
FOLDER_MARKS = {"slow": "slow", "browser": "browser"}  # tests/slow/ and tests/browser/ are marked by where they are
UNMARKED_HEAVY = pytest.StashKey[list]()


@functools.lru_cache(maxsize=None)  # a parametrized test, or a fixture, is read once, not once per test
def heavy_reason(function, depth: int = 3) -> str | None:
    """What in `function`'s source, or in the helpers of its module that it calls, makes it slow; or None."""
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return None
    found = HEAVY.search(source)
    if found:
        return found.group(0)
    module = inspect.getmodule(function)
    if depth and module is not None:
        for name in dict.fromkeys(re.findall(r"\b(_?[a-z]\w*)\(", source)):
            helper = getattr(module, name, None)
            if inspect.isfunction(helper) and helper is not function and helper.__module__ == module.__name__:
                reason = heavy_reason(helper, depth - 1)
                if reason:
                    return f"{name} → {reason}"
    return None


def _heavy_fixtures(item) -> list[str]:
    """The non-session fixtures a test uses whose own source makes them slow."""
    reasons = []
    for name, definitions in item._fixtureinfo.name2fixturedefs.items():
        for definition in definitions:
            if definition.scope != "session" and definition.func.__module__ != "_pytest.fixtures":
                reason = heavy_reason(definition.func)
                if reason:
                    reasons.append(f"fixture {name} ({reason})")
    return reasons


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    unmarked = []
    for item in items:
        for folder, mark in FOLDER_MARKS.items():
            if f"{os.sep}tests{os.sep}{folder}{os.sep}" in str(item.path):
                item.add_marker(getattr(pytest.mark, mark))
        if item.get_closest_marker("slow") or item.get_closest_marker("browser"):
            continue
        reasons = [r for r in [heavy_reason(getattr(item, "function", None))] if r] + _heavy_fixtures(item)
        if reasons:
            unmarked.append(f"{item.nodeid}: {', '.join(reasons)}")
    config.stash[UNMARKED_HEAVY] = unmarked
    _order_files(items)


def _order_files(items) -> None:
    """Whole files, in the order the workers of `make test` take them (`--dist loadfile
    --no-loadscope-reorder`): first the files that need no index, which run while the session's index is
    built; then the others, heaviest first, so that the last file a worker takes is a short one. A file's
    weight is a guess from its marks (a slow or browser test counts as 100 others); its tests keep their order."""
    files: dict[str, list] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::")[0], []).append(item)

    def order(members: list) -> tuple[bool, float]:
        heavy = sum(1 for item in members if item.get_closest_marker("slow") or item.get_closest_marker("browser"))
        return any("built" in item.fixturenames for item in members), -(100 * heavy + len(members))

    items[:] = [item for members in sorted(files.values(), key=order) for item in members]


def gated_names(gold: str = "gold.jsonl") -> dict[str, str]:
    """Every measure thresholds.json gates for `gold`, by its name, with its threshold as the report writes it."""
    gate = json.loads((Path(__file__).resolve().parents[1] / "evals" / "thresholds.json").read_text(encoding="utf-8"))[gold]
    names = {f"retrieval.{system}.{metric}": f"≥ {limit}" for system, limits in gate["retrieval"].items()
             for metric, limit in limits.items()}
    for section in ("answers", "trust"):
        names.update({f"{section}.{name}": f"≥ {limit}" for name, limit in gate.get(section, {}).items()})
    for name, limit in gate.get("at_most", {}).items():  # a measure held between two limits shows both
        names[name] = f"{names[name]}, ≤ {limit}" if name in names else f"≤ {limit}"
    return names


@contextmanager
def served_in_thread(assistant, feedback_store=None, request_timeout: float = 10.0, log_level: str = "warning"):
    """The app and the JSON API served by uvicorn in a thread on a free loopback port, as `assistant serve`
    serves them (guarded, with Gradio's queue); yields its URL and stops it afterwards."""
    import threading

    import uvicorn

    from assistant.guard import guarded_protocol
    from assistant.server import create_app, gradio_concurrency, wait_until_healthy
    from assistant.web.app import build_app, launch_options

    blocks = build_app(assistant, feedback_store=feedback_store) if feedback_store is not None else build_app(assistant)
    blocks.queue(default_concurrency_limit=gradio_concurrency())
    app = create_app(assistant, blocks, None, gradio_options=launch_options())
    port = free_port()
    instance = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level=log_level,
                                             timeout_graceful_shutdown=2, http=guarded_protocol(request_timeout)))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    if not wait_until_healthy(url, 60):
        pytest.fail("the server did not start")
    try:
        yield url
    finally:
        instance.should_exit = True
        thread.join(timeout=15)
