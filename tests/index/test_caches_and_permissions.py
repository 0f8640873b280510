"""The caches beside a build (passages.npz, onnx/model.json) are checked and repaired; permission problems are
told apart from damage.

A damaged passages.npz used to be ignored silently (answers then embedded passages while a practitioner
waited) and a deleted onnx/model.json made the next build export the model again; `--check` named
neither. A file the process may not read used to give a traceback, or made `--check` blame Chroma.

Permission cases run the real command as a process that file permissions apply to: as root (which
ignores them) the command runs under `setpriv` without the capabilities that override them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from assistant.index import build_index, check_index, read_manifest
from conftest import ROOT, cli_env, private_copy

NO_OVERRIDE = ["setpriv", "--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search"]


@pytest.fixture
def case(settings, tmp_path):
    copy = private_copy(settings, tmp_path)
    return copy, tmp_path / "index"


def _truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])


@pytest.mark.slow
@pytest.mark.parametrize("how", ["missing", "truncated", "overwritten"])
def test_a_damaged_passages_file_is_named_and_embedded_again(case, how):
    settings, index = case
    path = index / "passages.npz"
    {"missing": path.unlink, "truncated": lambda: _truncate(path),
     "overwritten": lambda: path.write_bytes(b"\0" * path.stat().st_size)}[how]()
    report = check_index(settings)
    assert [(d.piece, d.path) for d in report.damage] == [("passage vectors", "passages.npz")], report.damage
    repaired = build_index(settings)
    assert repaired.up_to_date and any(line.startswith("passage vectors (passages.npz)") and
                                       "embedded the passages again" in line for line in repaired.repaired)
    assert check_index(settings).ok


@pytest.mark.slow
@pytest.mark.parametrize("how", ["deleted", "damaged", "foreign"])
def test_a_lost_model_record_is_named_and_written_again_from_the_manifest(case, how):
    settings, index = case
    record = index / "onnx" / "model.json"
    if how == "deleted":
        record.unlink()
    elif how == "damaged":
        record.write_text("{not json")
    else:
        record.write_text(json.dumps({"int8": {"sha256": "0" * 64}}))
    model = index / read_manifest(index)["embedding"]["onnx"]
    before = model.stat().st_mtime_ns
    [damage] = check_index(settings).damage
    assert (damage.piece, damage.path) == ("query model record", "onnx/model.json")
    repaired = build_index(settings)
    assert repaired.up_to_date and "written again from the manifest" in repaired.repaired[0]
    assert model.stat().st_mtime_ns == before  # not exported again
    stamp = json.loads(record.read_text())["int8"]
    assert stamp["sha256"] == read_manifest(index)["embedding"]["onnx_sha256"]
    assert check_index(settings).ok


def _unprivileged(*args: str, env: dict) -> subprocess.CompletedProcess:
    """The real `assistant` command, as a process that file permissions apply to."""
    command = [sys.executable, "-m", "assistant", *args]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: file permissions cannot be tested")
        command = NO_OVERRIDE + command
    return subprocess.run(command, capture_output=True, text=True, env={**os.environ, **env}, cwd=ROOT, timeout=180)


def _build_file(index, name):
    return index / "builds" / read_manifest(index)["build_id"] / name


@pytest.mark.slow
@pytest.mark.parametrize("name, piece", [("chroma/chroma.sqlite3", "Chroma store"), ("vectors.npy", "vectors")])
def test_an_unreadable_build_file_is_a_permission_problem_not_damage(case, name, piece):
    settings, index = case
    target = _build_file(index, name)
    target.chmod(0)
    try:
        env = cli_env(settings)
        checked = _unprivileged("index", "--check", env=env)
        assert checked.returncode == 1 and "Traceback" not in checked.stderr
        lines = checked.stderr.strip().splitlines()
        assert lines[0].startswith(f"Cannot read: {piece} (") and "permission denied" in lines[0], checked.stderr
        assert not any(line.startswith("Damaged:") for line in lines)  # Chroma is not blamed
        assert lines[-1].startswith("Check the permissions")
        for args in (["search", "risk"], ["index"]):
            result = _unprivileged(*args, env=env)
            [line] = result.stderr.strip().splitlines()
            assert result.returncode != 0 and line.startswith("Error: cannot read ") and "permission" in line, line
            assert "nothing is damaged" in line
    finally:
        target.chmod(0o644)
    assert check_index(settings).ok


@pytest.mark.slow
def test_an_unreadable_index_folder_is_one_line(case):
    settings, index = case
    index.chmod(0)
    try:
        for args in (["index", "--check"], ["search", "risk"], ["index"]):
            result = _unprivileged(*args, env=cli_env(settings))
            [line] = result.stderr.strip().splitlines()
            assert result.returncode != 0 and "Traceback" not in result.stderr
            assert line.startswith("Error: cannot ") and str(index) in line and "permission" in line.lower(), line
    finally:
        index.chmod(0o755)


@pytest.mark.slow
def test_an_unreadable_corpus_document_is_skipped_in_one_line(case):
    """The README promises a one-line skip for a document that cannot be read; a permission problem gave a
    traceback, and `search` crashed hashing the corpus."""
    settings, index = case
    document = settings.resolved("corpus_dir") / "documents" / "unreadable-spotlight.txt"
    shutil.copyfile(ROOT / "tests" / "fixtures" / "publications" / "spotlight-eastmoor-2024.txt", document)
    document.chmod(0)
    try:
        env = cli_env(settings)
        built = _unprivileged("index", env=env)
        assert built.returncode == 0 and "Traceback" not in built.stderr, built.stderr
        warnings = [line for line in built.stderr.splitlines() if line.startswith("Warning:")]
        assert len(warnings) == 1 and "unreadable-spotlight.txt" in warnings[0], built.stderr
        assert "check its permissions" in warnings[0] and "\n" not in warnings[0]
        assert read_manifest(index)["counts"]["examples"] == 21  # the rest of the corpus is indexed
        for args in (["search", "risk", "--json"], ["documents"]):
            result = _unprivileged(*args, env=env)
            assert result.returncode == 0 and "Traceback" not in result.stderr, (args, result.stderr)
        listed = _unprivileged("documents", env=env)
        assert "unreadable-spotlight.txt" in listed.stdout + listed.stderr
    finally:
        document.chmod(0o644)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["vectors.npy", "chroma/chroma.sqlite3", None], ids=["vectors", "chroma", "folder"])
def test_a_server_given_an_unreadable_index_answers_503_in_one_line(case, name):
    """The same permission problems through `assistant serve`: 503 with the line that names the path, not an exit
    or a traceback."""
    import time

    import httpx

    from conftest import free_port

    settings, index = case
    target = _build_file(index, name) if name else index
    mode = target.stat().st_mode & 0o777
    target.chmod(0)
    port = free_port()
    command = [sys.executable, "-m", "assistant", "serve", "--port", str(port)]
    process = subprocess.Popen(NO_OVERRIDE + command if os.geteuid() == 0 else command, cwd=ROOT,
                               env={**os.environ, **cli_env(settings)}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        health = None
        deadline = time.monotonic() + 90
        while health is None and time.monotonic() < deadline and process.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            except httpx.HTTPError:
                time.sleep(0.3)
        assert process.poll() is None and health is not None, process.communicate(timeout=10)
        assert health.status_code == 503, health.text
        line = health.json()["error"]
        assert "\n" not in line and "cannot read" in line and "permission" in line.lower(), line
        assert str(index) in line
    finally:
        target.chmod(mode)
        process.terminate()
        _, err = process.communicate(timeout=30)
    assert "Traceback" not in err, err
