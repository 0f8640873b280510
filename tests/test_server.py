"""The HTTP API beside the app: JSON shapes, health, and a table of malformed inputs on every surface.

Every malformed input gets one line naming what was wrong; no traceback reaches the client,
and the server keeps serving. The server runs in this process (uvicorn in a thread) with the
Gradio app mounted, exactly as `assistant serve` builds it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import httpx
import pytest

from conftest import ASK_KEYS, ROOT, cli_env, free_port, run_cli

pytestmark = pytest.mark.slow  # each test here starts the CLI, a server or an evaluation

SEARCH_KEYS = {"rank", "id", "kind", "title", "document", "section", "score", "text", "url", "matched", "also_in"}
TOM = "ne-2025:multi-agency-information-sharing-and-joint-working"


@pytest.fixture(scope="module")
def server(assistant):
    import uvicorn

    from assistant.server import create_app, gradio_concurrency, wait_until_healthy
    from assistant.web.app import build_app, launch_options

    blocks = build_app(assistant)
    blocks.queue(default_concurrency_limit=gradio_concurrency())
    app = create_app(assistant, blocks, None, gradio_options=launch_options())
    port = free_port()
    instance = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                             timeout_graceful_shutdown=2))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    if not wait_until_healthy(url, 60):
        pytest.fail("the server did not start")
    yield url
    instance.should_exit = True
    thread.join(timeout=15)


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
    result = subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, env={**os.environ, **env},
                            timeout=120, cwd=ROOT)
    assert result.returncode != 0
    stderr = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    _one_line(lines[0], fragment)


def test_the_table_is_large_enough():
    assert len(API_ASK_CASES) + len(API_SEARCH_CASES) + len(GRADIO_CASES) + len(CLI_CASES) >= 40


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

    client = TestClient(create_app(assistant, None, ("ann", "s3cret")))
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
