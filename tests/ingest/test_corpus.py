"""Managing the corpus: add a file or a URL, list, remove — the index consistent after each step."""

from __future__ import annotations

import json
import shutil
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.ingest.corpus import add_document, download, list_documents, remove_document
from assistant.errors import BadInputError, CorpusError
from conftest import copy_corpus, free_port, private_copy

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "publications"
SPOTLIGHT = FIXTURES / "spotlight-eastmoor-2024.txt"
GUIDE = FIXTURES / "guide-supervising-licence-2023.html"


class _Handler(SimpleHTTPRequestHandler):
    """Serves the fixture publications, plus paths that misbehave the ways real servers do."""

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        routes = {
            "/loop": lambda: self._redirect("/loop"),
            "/moved": lambda: self._redirect("/guide.html"),
            "/picture.png": lambda: self._send(200, "image/png", b"\x89PNG fake"),
            "/big.txt": lambda: self._send(200, "text/plain", b"x" * (2 * 2**20)),
            "/slow.html": self._slow,
            "/guide.html": lambda: self._send(200, "text/html; charset=utf-8", GUIDE.read_bytes()),
            "/download?id=7": lambda: self._send(200, "application/octet-stream", SPOTLIGHT.read_bytes(),
                                                 {"Content-Disposition": 'attachment; filename="eastmoor.txt"'}),
        }
        route = routes.get(self.path)
        if route:
            route()
        else:
            self._send(404, "text/html", b"<p>not here</p>")

    def _send(self, status: int, content_type: str, body: bytes, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, where: str) -> None:
        self.send_response(302)
        self.send_header("Location", where)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _slow(self) -> None:
        time.sleep(2)
        try:
            self._send(200, "text/html", b"<p>late</p>")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting, as the test wants


@pytest.fixture(scope="module")
def server():
    """A loopback HTTP server in a thread, for the duration of this module."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(FIXTURES)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("path, max_bytes, timeout, message", [
    ("/picture.png", 2**20, (2, 5), "is image/png, not a publication"),
    ("/missing.html", 2**20, (2, 5), "answered HTTP 404"),
    ("/loop", 2**20, (2, 5), "redirected more than 5 times"),
    ("/big.txt", 2**20, (2, 5), "over the 1 MiB limit"),
    ("/slow.html", 2**20, (2, 0.5), "did not answer in time"),
])
def test_a_failed_download_is_one_line_and_leaves_no_file(server, tmp_path, path, max_bytes, timeout, message):
    with pytest.raises(CorpusError) as caught:
        download(server + path, tmp_path, max_bytes=max_bytes, timeout=timeout)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_server_and_a_non_http_url(tmp_path):
    with pytest.raises(CorpusError, match="cannot download .*check the address"):
        download(f"http://127.0.0.1:{free_port()}/guide.html", tmp_path, timeout=(2, 2))
    with pytest.raises(BadInputError, match="not an http"):
        add_document(copy_corpus(tmp_path / "corpus"), "javascript:alert(1)")
    assert list(tmp_path.iterdir()) == [tmp_path / "corpus"]


def test_redirects_and_untyped_downloads_keep_a_sensible_name(server, tmp_path):
    assert download(server + "/moved", tmp_path).name == "guide.html"
    assert download(server + "/download?id=7", tmp_path).name == "eastmoor.txt"


def test_add_reads_metadata_from_the_document_and_flags_override(tmp_path):
    corpus = copy_corpus(tmp_path / "corpus")
    added = add_document(corpus, str(SPOTLIGHT))
    assert (added.id, added.examples) == ("spotlight-eastmoor-2024", 10)
    meta = json.loads((corpus / "documents" / "spotlight-eastmoor-2024.meta.json").read_text())
    assert meta["title"] == "Effective Practice Spotlight: The Probation Service – Eastmoor region"
    assert (meta["year"], meta["kind"], meta["source"]) == (2024, "spotlight", SPOTLIGHT.name)
    with pytest.raises(CorpusError, match="already in the corpus"):
        add_document(corpus, str(SPOTLIGHT))
    other = tmp_path / "copy.txt"
    shutil.copyfile(SPOTLIGHT, other)
    again = add_document(corpus, str(other), title="Eastmoor again", year=2023, region="Eastmoor", kind="guide",
                         doc_id="eastmoor-copy")
    meta = json.loads((corpus / "documents" / "copy.meta.json").read_text())
    assert (again.id, meta["title"], meta["year"], meta["region"], meta["kind"]) == (
        "eastmoor-copy", "Eastmoor again", 2023, "Eastmoor", "guide")
    listed = {r["id"]: r for r in list_documents(corpus)}
    assert listed["eastmoor-copy"]["examples"] == 10 and listed["eastmoor-copy"]["year"] == 2023


def test_add_refuses_an_unreadable_file_and_leaves_nothing(tmp_path):
    corpus = copy_corpus(tmp_path / "corpus")
    before = sorted(p.name for p in (corpus / "documents").iterdir())
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 not a real pdf")
    with pytest.raises(CorpusError, match="broken.pdf: the PDF cannot be read"):
        add_document(corpus, str(bad))
    with pytest.raises(BadInputError, match="is not a file"):
        add_document(corpus, str(tmp_path / "nowhere.txt"))
    assert sorted(p.name for p in (corpus / "documents").iterdir()) == before


def test_remove_refuses_unknown_ids_and_the_last_document(tmp_path):
    corpus = copy_corpus(tmp_path / "corpus")
    with pytest.raises(BadInputError, match="no document 'nope'.*known ids: ne-2025, standards"):
        remove_document(corpus, "nope")
    assert remove_document(corpus, "standards") == {"id": "standards", "file": "hmip-inspection-standards.md"}
    assert not (corpus / "documents" / "hmip-inspection-standards.meta.json").exists()
    with pytest.raises(BadInputError, match="only document"):
        remove_document(corpus, "ne-2025")


def _consistent(settings, runner) -> dict:
    """`assistant documents --json` agrees with the index manifest, document by document."""
    from assistant.index import read_manifest

    result = runner.invoke(main, _where(settings) + ["documents", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    manifest = read_manifest(settings.resolved("index_dir"))
    assert all(r["indexed"] for r in listed)
    assert manifest["counts"]["documents"] == len(listed)
    assert manifest["counts"]["examples"] == sum(r["examples"] for r in listed)
    assert manifest["counts"]["sections"] == sum(r["sections"] for r in listed)
    assert {d["id"]: (d["examples"], d["sections"]) for d in manifest["documents"]} == {
        r["id"]: (r["examples"], r["sections"]) for r in listed}
    return {r["id"]: r for r in listed}


def _where(settings) -> list[str]:
    return ["--corpus", str(settings.resolved("corpus_dir")), "--index", str(settings.resolved("index_dir"))]


@pytest.mark.slow
def test_add_a_file_and_a_url_list_and_remove_end_to_end(settings, server, tmp_path):
    from assistant.api import Assistant
    from assistant.web.app import about_markdown

    copy = private_copy(settings, tmp_path)
    runner = CliRunner()
    _consistent(copy, runner)

    # add a file
    result = runner.invoke(main, _where(copy) + ["add", str(SPOTLIGHT)])
    assert result.exit_code == 0, result.output
    assert "Added spotlight-eastmoor-2024 (spotlight-eastmoor-2024.txt): 10 examples" in result.output
    listed = _consistent(copy, runner)
    assert listed["spotlight-eastmoor-2024"]["examples"] == 10 and listed["spotlight-eastmoor-2024"]["year"] == 2024
    hits = Assistant(copy).search("she works night shifts in a warehouse and has a curfew", k=3)
    assert hits[0].id == "spotlight-eastmoor-2024:keeping-a-curfew-workable"

    # add a URL (a loopback server)
    result = runner.invoke(main, _where(copy) + ["add", f"{server}/guide.html", "--region", "Testshire"])
    assert result.exit_code == 0, result.output
    listed = _consistent(copy, runner)
    guide = listed["guide"]
    assert (guide["examples"], guide["kind"], guide["year"], guide["region"]) == (8, "guide", 2023, "Testshire")
    assert guide["url"] == f"{server}/guide.html"
    hits = Assistant(copy).search("Clare's Law disclosure about her new partner's domestic abuse", k=3)
    assert hits[0].id == "guide:reviewing-after-a-change-in-risk"
    about = about_markdown(Assistant(copy))
    for record in listed.values():
        assert f"**{record['title']}**" in about
        assert f"{record['examples']} examples, {record['sections']} sections" in about

    # list, as people read it
    result = runner.invoke(main, _where(copy) + ["documents"])
    assert result.exit_code == 0
    assert "spotlight-eastmoor-2024.txt · 10 examples" in result.output and "added " in result.output

    # remove
    result = runner.invoke(main, _where(copy) + ["remove", "spotlight-eastmoor-2024"])
    assert result.exit_code == 0, result.output
    assert "Removed spotlight-eastmoor-2024" in result.output
    listed = _consistent(copy, runner)
    assert "spotlight-eastmoor-2024" not in listed
    assert not (copy.resolved("corpus_dir") / "documents" / "spotlight-eastmoor-2024.txt").exists()
    hits = Assistant(copy).search("she works night shifts in a warehouse and has a curfew", k=10)
    assert not any(h.unit.document_id == "spotlight-eastmoor-2024" for h in hits)

    # a bad add is one line and changes nothing
    result = runner.invoke(main, _where(copy) + ["add", f"{server}/picture.png"])
    assert result.exit_code == 1 and result.output.strip().count("\n") == 0
    assert "Error: " in result.output and "not a publication" in result.output
    _consistent(copy, runner)
