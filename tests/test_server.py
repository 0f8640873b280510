"""The HTTP API beside the app: JSON shapes, health, and a table of malformed inputs on every surface.

Every malformed input gets one line naming what was wrong; no traceback reaches the client,
and the server keeps serving. The server runs in this process (uvicorn in a thread) with the
Gradio app mounted, exactly as `assistant serve` builds it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time

import httpx
import pytest

from conftest import ASK_KEYS, ROOT, cli_env, free_port, run_cli, served_in_thread

pytestmark = pytest.mark.slow  # each test here starts the CLI, a server or an evaluation

REQUEST_TIMEOUT = 2.0  # the server's request_timeout in this module
SEARCH_KEYS = {"rank", "id", "kind", "title", "document", "section", "score", "text", "url", "matched", "also_in"}
TOM = "ne-2025:multi-agency-information-sharing-and-joint-working"


@pytest.fixture(scope="module")
def server(assistant):
    with served_in_thread(assistant, request_timeout=REQUEST_TIMEOUT) as url:
        yield url


def _post(url: str, path: str, body) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(f"{url}{path}", content=content, headers={"content-type": "application/json"}, timeout=60)


def test_ask_returns_the_cli_json_shape(server, settings):
    response = _post(server, "/api/ask", {"question": "ex-forces lad with PTSD who drinks"})
    assert response.status_code == 200
    data = response.json()
    assert set(data) == ASK_KEYS and data["refused"] is False and data["citations"][0]["id"] == TOM
    cli = run_cli("ask", "ex-forces lad with PTSD who drinks", "--json", env=cli_env(settings))
    assert json.loads(cli.stdout) == data  # exactly `assistant ask --json`


def test_search_returns_the_cli_json_shape(server, settings):
    response = _post(server, "/api/search", {"query": "ex-forces lad with PTSD who drinks", "k": 3,
                                             "filters": {"kind": ["case"]}})
    assert response.status_code == 200
    data = response.json()
    assert data["query"] == "ex-forces lad with PTSD who drinks" and [r["rank"] for r in data["results"]] == [1, 2, 3]
    assert all(set(r) == SEARCH_KEYS for r in data["results"]) and data["results"][0]["id"] == TOM
    cli = run_cli("search", "ex-forces lad with PTSD who drinks", "-k", "3", "--kind", "case", "--json",
                  env=cli_env(settings))
    assert json.loads(cli.stdout) == data


def test_health_docs_and_follow_ups(server, assistant):
    health = httpx.get(f"{server}/healthz").json()
    assert health["status"] == "ok" and health["build_id"] == assistant.index.build_id
    assert health["state"] == "serving" and health["counts"]["examples"] == 21
    schema = httpx.get(f"{server}/api/openapi.json").json()
    assert {"/api/ask", "/api/search", "/healthz"} <= set(schema["paths"])
    assert "question" in json.dumps(schema["paths"]["/api/ask"])
    assert httpx.get(f"{server}/api/docs").status_code == 200
    follow = _post(server, "/api/ask", {"question": "how did the PP handle his exclusion zone?",
                                        "history": [{"role": "user", "content": "Muslim client on licence"}]}).json()
    assert follow["citations"][0]["id"].endswith("cultural-responsivity-in-practice")


HUGE = "z" * 100_000
LONG_UNKNOWN = "q" * 150

# (payload, fragment of the one-line message)
API_ASK_CASES = [
    (b"{ not json", "not valid JSON"),
    (b"", "request body is empty"),
    (b"[1, 2]", "must be a JSON object"),
    ({"history": []}, 'has no "question"'),
    ({"question": "risk", "colour": "blue"}, "unknown field 'colour'"),
    ({"question": 42}, "question must be text, got a number"),
    ({"question": None}, "question must be text, got null"),
    ({"question": ["a"]}, "question must be text, got a list"),
    ({"question": ""}, "question is empty"),
    ({"question": "   \n "}, "question is empty"),
    ({"question": "x" * 20_000}, "keep it under 2,000"),
    ({"question": "help\u0007me"}, "control characters"),
    (b'{"question": "\\ud800 lone"}', "lone surrogate"),
    (b'{"question": "caf\xff"}', "not UTF-8"),
    (b"[" * 100_000, "not valid JSON"),
    ({"question": "risk", "history": "earlier I asked"}, "history must be a list"),
    ({"question": "risk", "history": ["hello"]}, "history turn 1 must be an object"),
    ({"question": "risk", "history": [{"role": "system", "content": "obey"}]}, "use \"user\" or \"assistant\""),
    ({"question": "risk", "history": [{"role": "user", "content": 7}]}, "content must be text, got a number"),
    ({"question": "risk", "history": [{"role": "user", "content": "a"}] * 30}, "send at most the last 20"),
    ({"question": "risk", "history": [{"role": "user", "content": "a" * 15_000}] * 2}, "longer than 20,000 characters"),
    ({"question": "risk", "filters": ["need"]}, "filters must be an object"),
    ({"question": "risk", "filters": {"colour": "blue"}}, "unknown filter 'colour'"),
    ({"question": "risk", "filters": {"need": 5}}, "filter 'need' must be text or a list of text"),
    ({"question": "risk", "filters": {"need": [5]}}, "filter 'need' values must be text"),
    ({"question": "risk", "filters": {"need": "unicorns"}}, "unknown need 'unicorns'"),
    ({"question": "risk", "filters": {"need": LONG_UNKNOWN}}, "unknown need 'qqqq"),
    ({"question": "risk", "filters": {"need": HUGE}}, "no known need is that long"),
    ({"question": "risk", "filters": {"need": ["a"] * 80}}, "give at most 50"),
    ({"question": "risk", "history": [{"role": "assistant", "content": "a", "cited": "ne-2025:x"}]},
     '"cited" must be a list of at most 20 example ids'),
    ({"question": "risk", "history": [{"role": "assistant", "content": "a", "cited": [3]}]},
     '"cited" must be a list'),
    ({"question": "risk", "filters": {"year": [2025.5]}}, "filter 'year' values must be text"),
    ({"question": "risk", "filters": {"region": "Atlantis"}}, "unknown region 'Atlantis'"),
    ({"question": "x" * 300_000}, "keep it under 262,144"),
    (b'{"question": "risk", "filters": {"year": ' + b"9" * 5000 + b"}}", "a number 5,000 characters long"),
    (b'{"question": "risk", "filters": {"year": 1e400}}', "the number 1e400, which is too large"),
    (b'{"question": "risk", "filters": {"year": NaN}}', "NaN, which JSON does not allow"),
    (b'{"question": "risk", "filters": {"year": -Infinity}}', "-Infinity, which JSON does not allow"),
    (b'{"question": "risk", "history": [' + b"[" * 5000 + b"]" * 5000 + b"]}", "not valid JSON"),
    (b'{"question": "risk"} trailing', "not valid JSON (Extra data"),
    (b'{"question": "risk", "question": 5}', "question must be text, got a number"),
    (b'{"question": "risk",}', "not valid JSON (Expecting property name"),
    (b'{"question": "\\u0000"}', "control characters"),
    (b'{"question": "risk", "filters": {"need": {"$ne": null}}}', "filter 'need' must be text or a list of text"),
    ({"question": "risk", "filters": {"year": True}}, "filter 'year' must be text or a list of text, got true/false"),
    ({"question": "risk", "history": [{"role": "user", "content": "a\u202eb", "cited": "x"}]}, '"cited" must be a list'),
]
API_SEARCH_CASES = [
    ({"k": 3}, 'has no "query"'),
    ({"query": "risk", "k": 0}, "k must be a whole number from 1 to 100"),
    ({"query": "risk", "k": 1000}, "k must be a whole number from 1 to 100"),
    ({"query": "risk", "k": "5"}, "k must be a whole number"),
    ({"query": "risk", "k": True}, "k must be a whole number"),
    ({"query": "risk", "k": 2.5}, "k must be a whole number"),
    ({"query": {"text": "risk"}}, "question must be text, got an object"),
    ({"query": "risk", "filters": {"kind": "robot"}}, "unknown kind 'robot'"),
    ({"query": "risk", "history": [{"content": "hi"}]}, "use \"user\" or \"assistant\""),
    (b'{"query": "risk", "k": ' + b"9" * 5000 + b"}", "a number 5,000 characters long"),
    (b'{"query": "risk", "k": 99999999999999999999}', "k must be a whole number from 1 to 100"),
    (b'{"query": "risk", "k": -1}', "k must be a whole number from 1 to 100"),
    (b'{"query": "risk", "k": 1e308}', "k must be a whole number"),
    (b'{"query": "risk", "k": 5.0}', "k must be a whole number"),
    (b'{"query": "risk", "k": Infinity}', "Infinity, which JSON does not allow"),
    ({"query": ""}, "question is empty"),
    ({"query": "a" * 2500}, "keep it under 2,000"),
]
GRADIO_CASES = [
    ((None, None, None), "question must be text, got null"),
    ((123, None, None), "question must be text, got a number"),
    (("", None, None), "question is empty"),
    (("\ud800 lone", None, None), "lone surrogate"),
    (("risk", "not a list", None), "history must be a list"),
    (("risk", [{"role": "robot", "content": "x"}], None), "use \"user\" or \"assistant\""),
    (("risk", [{"role": "user", "content": "a"}] * 30, None), "send at most the last 20"),
    (("risk", None, ["theme"]), "filters must be an object"),
    (("risk", None, {"need": "unicorns"}), "unknown need 'unicorns'"),
    (("risk", None, {"need": HUGE}), "no known need is that long"),
    (("risk", None, {"colour": ["blue"]}), "unknown filter 'colour'"),
]


def _one_line(message: str, fragment: str) -> None:
    assert fragment in message, message
    assert "\n" not in message and "Traceback" not in message
    assert len(message) < 600  # nothing long is echoed back


@pytest.mark.parametrize("payload, fragment", API_ASK_CASES)
def test_malformed_api_ask(server, payload, fragment):
    response = _post(server, "/api/ask", payload)
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"error"}
    _one_line(response.json()["error"], fragment)
    assert "Traceback" not in response.text and len(response.text) < 700


@pytest.mark.parametrize("payload, fragment", API_SEARCH_CASES)
def test_malformed_api_search(server, payload, fragment):
    response = _post(server, "/api/search", payload)
    assert response.status_code == 400, response.text
    _one_line(response.json()["error"], fragment)


@pytest.fixture(scope="module")
def gradio_client(server):
    from gradio_client import Client

    return Client(server + "/", verbose=False)


def _gradio_ask(url: str, inputs) -> dict:
    """Gradio's own HTTP API for the /ask endpoint, on the wire (gradio_client cannot even send a lone surrogate)."""
    body = json.dumps({"data": list(inputs)}).encode()  # ensure_ascii: a lone surrogate travels as an escape
    call = httpx.post(f"{url}/gradio_api/call/ask", content=body, headers={"content-type": "application/json"},
                      timeout=60)
    assert call.status_code == 200, call.text
    stream = httpx.get(f"{url}/gradio_api/call/ask/{call.json()['event_id']}", timeout=60).text
    assert "Traceback" not in stream
    events = [line for line in stream.splitlines() if line.startswith("event: ")]
    assert events[-1] == "event: complete", stream[:500]
    data = [line for line in stream.splitlines() if line.startswith("data: ")][-1]
    return json.loads(data.removeprefix("data: "))[0]


@pytest.mark.parametrize("inputs, fragment", GRADIO_CASES)
def test_malformed_gradio_ask(server, inputs, fragment):
    """The app's /ask endpoint reports bad input exactly as /api/ask does: {"error": one line}."""
    result = _gradio_ask(server, inputs)
    assert set(result) == {"error"}
    _one_line(result["error"], fragment)
    assert len(json.dumps(result)) < 1500  # neither the huge value nor a huge question comes back


CLI_CASES = [
    (["search", ""], "question is empty"),
    (["ask", "help\x07me"], "control characters"),
    (["ask", "x" * 5000], "keep it under 2,000"),
    (["search", "risk", "--need", "n" * 500], "no known need is that long"),
    (["search", "risk", "--theme", LONG_UNKNOWN], "unknown theme 'qqqq"),
    (["search", b"caf\xff"], "argument 2"),
    (["index", "--wait", "-1"], "--wait"),
]


@pytest.mark.parametrize("args, fragment", CLI_CASES)
def test_malformed_cli(settings, args, fragment):
    env = cli_env(settings)
    result = run_cli(*args, env=env)
    assert result.returncode != 0
    stderr = result.stderr
    assert "Traceback" not in stderr
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    _one_line(lines[0], fragment)


GRADIO_ARITY_CASES = [
    (["risk"], "takes 3 inputs (question, history, filters; null for none), got 1"),
    (["risk", None, None, None], "got 4"),
    ([], "got 0"),
    ("risk", "\"data\" must be a list"),
    (None, "\"data\" must be a list"),
]


@pytest.mark.parametrize("inputs, fragment", GRADIO_ARITY_CASES)
def test_a_gradio_call_with_the_wrong_inputs_is_one_line(server, inputs, fragment):
    """It used to answer {"error": null}."""
    call = httpx.post(f"{server}/gradio_api/call/ask", content=json.dumps({"data": inputs}).encode(),
                      headers={"content-type": "application/json"}, timeout=60)
    assert call.status_code == 400, call.text
    _one_line(call.json()["error"], fragment)


def _scratch(tmp_path, settings):
    """A private corpus and index, and the environment pointing at them."""
    shutil.copytree(settings.resolved("corpus_dir"), tmp_path / "corpus")
    shutil.copytree(settings.resolved("index_dir"), tmp_path / "index")
    return {"ASSISTANT_CORPUS_DIR": str(tmp_path / "corpus"), "ASSISTANT_INDEX_DIR": str(tmp_path / "index")}


def _index_is_a_file(tmp, env):
    (tmp / "file-index").write_text("not a folder")
    return ["search", "risk"], {**env, "ASSISTANT_INDEX_DIR": str(tmp / "file-index")}


def _build_into_a_file(tmp, env):
    (tmp / "file-index").write_text("not a folder")
    return ["index"], {**env, "ASSISTANT_INDEX_DIR": str(tmp / "file-index")}


def _lock_is_a_folder(tmp, env):
    (tmp / "index" / ".lock").unlink(missing_ok=True)
    (tmp / "index" / ".lock").mkdir()
    return ["index"], env


def _index_on_dev_full(tmp, env):
    return ["index"], {**env, "ASSISTANT_INDEX_DIR": "/dev/full/index"}


def _corpus_is_a_file(tmp, env):
    (tmp / "file-corpus").write_text("not a folder")
    return ["index"], {**env, "ASSISTANT_CORPUS_DIR": str(tmp / "file-corpus")}


def _export_to_dev_full(tmp, env):
    return ["feedback", "export", "--format", "csv", "--out", "/dev/full"], \
        {**env, "ASSISTANT_FEEDBACK_DB": str(tmp / "fb.sqlite3")}


def _add_malformed_ipv6(tmp, env):
    return ["add", "http://[::1/spotlight.html"], env


def _add_to_a_corpus_lock_folder(tmp, env):
    (tmp / "corpus" / ".lock").unlink(missing_ok=True)
    (tmp / "corpus" / ".lock").mkdir()
    return ["add", str(ROOT / "tests" / "fixtures" / "publications" / "spotlight-eastmoor-2024.txt")], env


def _eval_into_a_file(tmp, env):
    (tmp / "reports").write_text("a file")
    return ["eval", "--systems", "bm25", "--gold", str(ROOT / "evals" / "gold.jsonl"), "--out",
            str(tmp / "reports" / "latest")], env


# (a broken setup, what the one line says)
CLI_OS_CASES = [
    (_index_is_a_file, "is a file, not a folder"),
    (_build_into_a_file, "something is already there"),
    (_lock_is_a_folder, "a folder is where a file is needed"),
    (_index_on_dev_full, "a file is where a folder is needed"),
    (_corpus_is_a_file, "is a file, not a folder"),
    (_export_to_dev_full, "No space left on device"),
    (_add_malformed_ipv6, "is not a valid web address (Invalid IPv6 URL)"),
    (_add_to_a_corpus_lock_folder, "cannot lock the corpus at"),
    (_eval_into_a_file, "a file is where a folder is needed"),
]


@pytest.mark.parametrize("setup, fragment", CLI_OS_CASES, ids=[c[0].__name__.strip("_") for c in CLI_OS_CASES])
def test_an_os_failure_is_one_line_naming_the_path(settings, tmp_path, setup, fragment):
    args, env = setup(tmp_path, _scratch(tmp_path, settings))
    result = run_cli(*args, env=env, timeout=300)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if line.startswith("Error: ")]
    assert len(lines) == 1, result.stderr
    _one_line(lines[0], fragment)


def test_the_table_is_large_enough():
    rows = (len(API_ASK_CASES) + len(API_SEARCH_CASES) + len(GRADIO_CASES) + len(GRADIO_ARITY_CASES) + len(CLI_CASES)
            + len(CLI_OS_CASES))
    assert rows >= 80, rows


def test_the_server_kept_serving_after_the_table(server, gradio_client):
    assert httpx.get(f"{server}/healthz").json()["status"] == "ok"
    good = _post(server, "/api/ask", {"question": "she's pregnant and has unpaid work hours to do"}).json()
    assert good["refused"] is False and good["citations"]
    result = gradio_client.predict("ex-forces lad with PTSD who drinks", None, None, api_name="/ask")
    result = json.loads(result) if isinstance(result, str) else result
    assert result["citations"][0]["id"] == TOM


def test_the_api_asks_for_the_password_when_one_is_set(assistant):
    from fastapi.testclient import TestClient

    from assistant.server import create_app

    client = TestClient(create_app(assistant, None, ("ann", "s3cret")), base_url="http://127.0.0.1")
    assert client.post("/api/ask", json={"question": "risk"}).status_code == 401
    assert client.post("/api/ask", json={"question": "risk"}, auth=("ann", "wrong")).status_code == 401
    ok = client.post("/api/ask", json={"question": "ex-forces lad with PTSD"}, auth=("ann", "s3cret"))
    assert ok.status_code == 200 and ok.json()["citations"]


@pytest.mark.parametrize("value", [":", "user:", ":secret", "nocolon"])
def test_auth_strings_must_have_both_parts(value):
    from assistant.errors import SettingsError
    from assistant.question.validation import auth

    with pytest.raises(SettingsError, match="user:password"):
        auth(value)
    assert auth("ann:s3:cret") == ("ann", "s3:cret")


def test_serve_refuses_a_malformed_password_before_loading(settings):
    result = run_cli("serve", env={**cli_env(settings), "ASSISTANT_AUTH": "user:"}, timeout=60)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == ["Error: ASSISTANT_AUTH must look like user:password, with both "
                                                  "parts non-empty"]


# --- what needs a real socket: bodies that are huge or never end, half-sent requests, clients that go away ----


def _rss_mb() -> float:
    for line in open("/proc/self/status", encoding="ascii"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    return sock


def _read_reply(sock: socket.socket, limit: float = 30) -> bytes:
    sock.settimeout(limit)
    reply = b""
    while True:
        try:
            data = sock.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not data:
            break
        reply += data
        if b"\r\n\r\n" in reply and reply.split(b"\r\n\r\n", 1)[1].endswith(b"}"):
            break
    return reply


def test_a_400_mb_body_is_refused_before_it_is_read(server):
    """The server read a whole 400 MB body (RSS 432 -> 1,198 MB) before refusing it; now it reads none of it."""
    before = _rss_mb()
    sock = _connect(server)
    sock.sendall(b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 400000000\r\n\r\n" + b'{"question": "' + b"x" * 65536)
    started = time.monotonic()
    reply = _read_reply(sock)
    sock.close()
    assert reply.startswith(b"HTTP/1.1 400"), reply[:200]
    assert b"the request body is 400,000,000 bytes; keep it under 262,144" in reply
    assert time.monotonic() - started < 5 and _rss_mb() - before < 50


def test_a_body_without_a_length_is_cut_off_at_the_cap(server):
    """A chunked body (no Content-Length) is read only up to the cap; the answer comes while the client still sends."""
    import select

    before = _rss_mb()
    sock = _connect(server)
    sock.sendall(b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n")
    sent = 0
    piece = b"x" * 65536
    while sent < 128 * 2**20 and not select.select([sock], [], [], 0)[0]:
        sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
        sent += len(piece)
    reply = _read_reply(sock)
    sock.close()
    assert reply.startswith(b"HTTP/1.1 400"), reply[:200]
    assert b"the request body is more than 262,144 bytes; keep it under 262,144" in reply
    # the reply came long before the 128 MiB were sent; what was sent beyond the cap waits in the kernel's
    # loopback buffers (a few MiB, more while the server waits for a core), not in the server
    assert sent < 16 * 2**20 and _rss_mb() - before < 50


@pytest.fixture
def logged():
    """What the server logs (its own logger and uvicorn's error logger, which does not reach the root)."""
    import logging

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep(level=logging.INFO)
    loggers = [logging.getLogger(name) for name in ("assistant.server", "uvicorn.error", "uvicorn", "assistant")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.INFO)
    yield records
    for lg, level in zip(loggers, levels):
        lg.removeHandler(handler)
        lg.setLevel(level)


def _no_traceback(records) -> None:
    import logging

    text = "\n".join(logging.Formatter().format(r) for r in records)
    assert "Traceback" not in text and not any(r.exc_info for r in records), text


def test_half_sent_requests_time_out(server, logged):
    """1,100 half-sent requests used to stay open for ever; each is now answered 408 and closed."""
    partial = [
        b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl",  # headers never finished
        b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
        b'{"question": ',  # body never finished
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n",  # no blank line
    ]
    sockets = []
    for n in range(60):
        sock = _connect(server)
        sock.sendall(partial[n % len(partial)])
        sockets.append(sock)
    started = time.monotonic()
    replies = [_read_reply(sock, limit=REQUEST_TIMEOUT + 10) for sock in sockets]
    waited = time.monotonic() - started
    for sock in sockets:
        sock.close()
    assert all(reply.startswith(b"HTTP/1.1 408") for reply in replies), {r[:40] for r in replies}
    assert waited < REQUEST_TIMEOUT + 8
    closed = [r.getMessage() for r in logged if "was not complete within" in r.getMessage()]
    assert len(closed) >= 60 and all("\n" not in line for line in closed)
    _no_traceback(logged)
    assert httpx.get(f"{server}/healthz").status_code == 200  # and the server kept serving


def test_a_trickling_client_is_cut_off_by_the_deadline(server):
    sock = _connect(server)
    started = time.monotonic()
    try:
        for byte in b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"y" * 1000:
            sock.sendall(bytes([byte]))
            time.sleep(0.05)
            if time.monotonic() - started > REQUEST_TIMEOUT + 5:
                break
    except OSError:
        pass  # closed by the server, as wanted
    reply = _read_reply(sock, limit=5)
    sock.close()
    assert time.monotonic() - started < REQUEST_TIMEOUT + 5
    assert reply.startswith(b"HTTP/1.1 408") or reply == b""


def test_a_client_going_away_is_one_log_line(server, logged):
    """A client disconnecting mid-body used to log a full traceback."""
    for _ in range(5):
        sock = _connect(server)
        sock.sendall(b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 5000\r\n\r\n" + b'{"question": "ri')
        time.sleep(0.2)
        sock.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len([r for r in logged if "went away" in r.getMessage()]) < 5:
        time.sleep(0.1)
    lines = [r.getMessage() for r in logged if "went away" in r.getMessage()]
    assert lines and lines[0] == "a client went away before sending all of its request to /api/ask"
    _no_traceback(logged)


def _damage_units(tmp, env):
    index = tmp / "index"
    build = json.loads((index / "manifest.json").read_text())["build_id"]
    units = index / "builds" / build / "units.jsonl"
    units.write_bytes(units.read_bytes()[:100])
    return env, "the index is damaged: units ("


def _index_as_file(tmp, env):
    (tmp / "as-file").write_text("not a folder")
    return {**env, "ASSISTANT_INDEX_DIR": str(tmp / "as-file")}, "is a file, not a folder"


def _no_index_yet(tmp, env):
    shutil.rmtree(tmp / "index")
    return env, "no index at"


@pytest.mark.parametrize("setup", [_damage_units, _index_as_file, _no_index_yet], ids=["damaged", "file", "missing"])
def test_serve_answers_503_with_the_command_instead_of_exiting(settings, tmp_path, setup):
    """A server given an index it cannot use used to exit; it now answers 503 naming the problem and the command,
    and starts the app once `assistant index` has made the index usable."""
    env, fragment = setup(tmp_path, _scratch(tmp_path, settings))
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port)], cwd=ROOT,
                               env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        health = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                health = httpx.get(f"{url}/healthz", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        assert process.poll() is None, process.communicate()[1]
        assert health is not None and health.status_code == 503
        assert health.json()["status"] == "unavailable" and fragment in health.json()["error"]
        ask = httpx.post(f"{url}/api/ask", json={"question": "risk"}, timeout=10)
        assert ask.status_code == 503 and fragment in ask.json()["error"] and "\n" not in ask.json()["error"]
        assert ask.headers["x-frame-options"] == "DENY"
        if setup is _index_as_file:
            return
        repaired = run_cli("index", env=env, timeout=300)
        assert repaired.returncode == 0, repaired.stderr
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        good = httpx.post(f"{url}/api/ask", json={"question": "ex-forces lad with PTSD who drinks"}, timeout=60)
        assert good.status_code == 200 and good.json()["citations"][0]["id"] == TOM
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert "Traceback" not in stderr
    warnings = [line for line in stderr.splitlines() if line.startswith("Warning: ")]
    assert warnings and fragment in warnings[0] and "answering 503" in warnings[0]
