"""The guard in front of the HTTP server: Host header, security headers, JSON only, login attempts, the docs and
/healthz behind the password, and the app's /ask endpoint taking exactly its inputs.

These use FastAPI's TestClient against `create_app` (the same application `assistant serve` runs);
tests/test_server.py covers what needs a real socket (timeouts, disconnects, bodies that never end).
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from assistant.guard import HostRule, LoginLimiter

pytestmark = pytest.mark.slow  # each builds the server application

AUTH = ("ann", "s3cret")
LOCAL = "http://127.0.0.1"


@pytest.fixture(scope="module")
def app_with_password(assistant):
    from assistant.server import create_app
    from assistant.web.app import build_app, launch_options

    blocks = build_app(assistant)
    blocks.queue()
    return create_app(assistant, blocks, AUTH, gradio_options=launch_options(), login_attempts=5)


@pytest.fixture(scope="module")
def open_app(assistant):
    from assistant.server import create_app
    from assistant.web.app import build_app, launch_options

    blocks = build_app(assistant)
    blocks.queue()
    return create_app(assistant, blocks, None, gradio_options=launch_options(),
                      hosts=HostRule("127.0.0.1", "assistant.example.org"))


@pytest.mark.parametrize("host, allowed", [
    ("127.0.0.1:7860", True), ("localhost:7860", True), ("[::1]:7860", True), ("LOCALHOST", True),
    ("assistant.example.org", True),  # named in allowed_hosts (a reverse proxy)
    ("evil.example:7860", False), ("127.0.0.1.evil.example", False), ("attacker.localhost.evil", False),
    ("192.168.1.20:7860", False), ("", False),
])
def test_the_host_header_is_checked_against_the_bound_address(open_app, host, allowed):
    """DNS rebinding: a page on evil.example whose name now points at 127.0.0.1 is refused."""
    client = TestClient(open_app, base_url=LOCAL)
    response = client.get("/healthz", headers={"host": host})
    if allowed:
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 400
        message = response.json()["error"]
        assert "this server does not answer for" in message and "allowed_hosts" in message and "\n" not in message


def test_host_rules_for_every_kind_of_bind():
    anywhere = HostRule("0.0.0.0")
    assert anywhere.allows("192.168.1.20:7860") and anywhere.allows("[fe80::1]:80") and anywhere.allows("localhost")
    assert not anywhere.allows("evil.example")
    assert HostRule("127.0.0.1", "*").allows("anything.example")
    named = HostRule("assistant.internal")
    assert named.allows("assistant.internal:7860") and not named.allows("127.0.0.1")


@pytest.mark.parametrize("path", ["/", "/healthz", "/api/ask", "/no/such/page", "/gradio_api/info"])
def test_security_headers_on_every_response(open_app, path):
    client = TestClient(open_app, base_url=LOCAL)
    response = client.post(path, json={"question": "risk"}) if path == "/api/ask" else client.get(path)
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "default-src 'self'" in csp
    assert response.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; b=x",
                                          None, "application/jsonp"])
def test_the_json_api_takes_json_only(open_app, content_type):
    """Another site's page can send text/plain or a form without asking; neither reaches the API."""
    client = TestClient(open_app, base_url=LOCAL)
    headers = {"content-type": content_type} if content_type else {}
    for path in ("/api/ask", "/api/search"):
        response = client.post(path, content=b'{"question": "risk", "query": "risk"}', headers=headers)
        assert response.status_code == 415, response.text
        assert response.json()["error"].startswith("send the body as JSON with Content-Type: application/json")
    assert client.post("/api/search", content=b'{"query": "risk"}',
                       headers={"content-type": "application/json; charset=utf-8"}).status_code == 200


def test_login_attempts_are_limited_even_for_the_right_password(assistant):
    """40 wrong passwords in 12 s, then the right one, used to work; now the sixth attempt waits."""
    from assistant.server import create_app
    from assistant.web.app import build_app

    client = TestClient(create_app(assistant, build_app(assistant), AUTH, login_attempts=5), base_url=LOCAL)
    for _ in range(5):
        assert client.post("/api/ask", json={"question": "risk"}, auth=("ann", "guess")).status_code == 401
    locked = client.post("/api/ask", json={"question": "risk"}, auth=AUTH)
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert locked.json()["error"].startswith("too many failed logins from this address; wait ")
    form = client.post("/login", data={"username": "ann", "password": "s3cret"})
    assert form.status_code == 429  # the app's login form is the same door


def test_the_login_form_counts_failures_too(assistant):
    from assistant.server import create_app
    from assistant.web.app import build_app

    client = TestClient(create_app(assistant, build_app(assistant), AUTH, login_attempts=3), base_url=LOCAL)
    for _ in range(3):
        assert client.post("/login", data={"username": "ann", "password": "nope"}).status_code == 400
    assert client.post("/login", data={"username": "ann", "password": "s3cret"}).status_code == 429


def test_the_limiter_forgets_after_its_window():
    limiter = LoginLimiter(attempts=2, window=0.2)
    limiter.failed("a")
    limiter.failed("a")
    assert limiter.wait_left("a") > 0 and limiter.wait_left("b") == 0
    import time

    time.sleep(0.25)
    assert limiter.wait_left("a") == 0


def test_health_reveals_counts_only_with_the_password_and_docs_need_it(app_with_password, assistant):
    client = TestClient(app_with_password, base_url=LOCAL)
    assert client.get("/healthz").json() == {"status": "ok"}
    full = client.get("/healthz", auth=AUTH).json()
    assert full["status"] == "ok" and full["build_id"] == assistant.index.build_id and full["counts"]["examples"] == 21
    for path in ("/api/docs", "/api/openapi.json"):
        assert client.get(path).status_code == 401
        assert client.get(path, auth=AUTH).status_code == 200


def _gradio_call(client, inputs, path="/gradio_api/call/ask"):
    return client.post(path, content=json.dumps({"data": inputs}), headers={"content-type": "application/json"})


@pytest.mark.parametrize("inputs, fragment", [
    (["risk"], "takes 3 inputs (question, history, filters; null for none), got 1"),
    (["risk", None], "got 2"),
    (["risk", None, None, None, None], "got 5"),
    ([], "got 0"),
    ("risk", "\"data\" must be a list"),
    ({"question": "risk"}, "\"data\" must be a list"),
])
def test_the_apps_ask_endpoint_takes_exactly_its_inputs(open_app, inputs, fragment):
    """Gradio answered a wrong count with {"error": null}; now one line names what to send."""
    client = TestClient(open_app, base_url=LOCAL)
    for path in ("/gradio_api/call/ask", "/gradio_api/run/ask"):
        response = _gradio_call(client, inputs, path)
        assert response.status_code == 400, response.text
        assert fragment in response.json()["error"] and "\n" not in response.json()["error"]


def test_a_body_declared_over_the_cap_is_refused_before_reading(open_app):
    client = TestClient(open_app, base_url=LOCAL)
    response = client.post("/gradio_api/upload", content=b"x", headers={"content-length": str(50 * 2**20)})
    assert response.status_code == 413 and "keep it under" in response.json()["error"]
    api = client.post("/api/ask", content=b"x", headers={"content-type": "application/json",
                                                          "content-length": str(400 * 2**20)})
    assert api.status_code == 400 and api.json()["error"] == "the request body is 419,430,400 bytes; keep it under 262,144"
