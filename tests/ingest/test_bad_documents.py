"""One bad document never stops the build: each gets a one-line reason and the rest is indexed."""

from __future__ import annotations

import io

import pytest

from assistant.errors import CorpusError
from assistant.ingest import parse_document, read_corpus
from conftest import copy_corpus, private_copy


def _pdf_with_text(text: str = "Plain words on a page.") -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def _image_only_pdf() -> bytes:
    """A page with drawing but no text layer, as a scanner produces."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_fill_color(40, 40, 40)
    for row in range(20):
        pdf.rect(20, 20 + row * 12, 170, 6, style="F")
    return bytes(pdf.output())


def _empty_pdf() -> bytes:
    from pypdf import PdfWriter

    out = io.BytesIO()
    PdfWriter().write(out)
    return out.getvalue()


def _protected_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(_pdf_with_text("A secret case example."))).pages:
        writer.add_page(page)
    writer.encrypt(user_password="letmein", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


NO_EXAMPLES_HTML = (
    "<html><head><title>Contact us</title></head><body><nav><a href='/'>Home</a></nav><main>"
    "<h1>Working with local partners</h1><h2>Who we work with</h2>"
    "<p>Probation teams in the region meet housing officers, health staff and the police every month.</p>"
    "<h2>How to refer</h2><ul><li>Use the shared referral form.</li><li>Copy in your senior probation officer.</li></ul>"
    "</main></body></html>"
)

# (file name, content, what the one-line reason must say)
BAD_DOCUMENTS = [
    ("corrupt.pdf", lambda: b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage without an end", "cannot be read"),
    ("empty.pdf", _empty_pdf, "has no pages"),
    ("scanned.pdf", _image_only_pdf, "has no text layer"),
    ("protected.pdf", _protected_pdf, "password-protected"),
    ("slides.pptx", lambda: b"PK\x03\x04 not really slides", "unsupported file type '.pptx'"),
]


@pytest.mark.parametrize("name, make, reason", BAD_DOCUMENTS, ids=[b[0] for b in BAD_DOCUMENTS])
def test_an_unreadable_document_gets_a_one_line_reason_naming_it(tmp_path, name, make, reason):
    path = tmp_path / name
    path.write_bytes(make())
    with pytest.raises(CorpusError) as caught:
        parse_document(path)
    message = str(caught.value)
    assert reason in message
    assert message.startswith(name) and "\n" not in message
    assert any(hint in message for hint in ("save", "remove", "add")), "the message says what to do"


@pytest.mark.parametrize("name, make, reason", BAD_DOCUMENTS, ids=[b[0] for b in BAD_DOCUMENTS])
def test_the_rest_of_the_corpus_is_read_beside_an_unreadable_document(tmp_path, name, make, reason):
    corpus = copy_corpus(tmp_path / "corpus")
    (corpus / "documents" / name).write_bytes(make())
    read = read_corpus(corpus)
    assert [n for n, _ in read.skipped] == [name]
    assert reason in read.skipped[0][1]
    assert sorted(d.id for d in read.documents) == ["ne-2025", "standards"]
    assert sum(len(d.examples) for d in read.documents) == 21


def test_an_html_page_with_no_examples_is_indexed_as_sections_with_a_warning(tmp_path):
    path = tmp_path / "partners.html"
    path.write_text(NO_EXAMPLES_HTML, encoding="utf-8")
    doc = parse_document(path)
    assert doc.examples == []
    assert [s.title for s in doc.sections] == ["Who we work with", "How to refer"]
    assert "• Use the shared referral form." in doc.sections[1].text
    assert "Home" not in " ".join(s.text for s in doc.sections)
    [warning] = doc.warnings
    assert "no case examples recognised" in warning and "\n" not in warning


def test_a_pdf_that_opens_without_a_password_is_read(tmp_path):
    """Only an owner password (printing or copying restricted): the text is still readable."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(_pdf_with_text("Lee, a 30-year-old man, was released on licence."))).pages:
        writer.add_page(page)
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    path = tmp_path / "restricted.pdf"
    path.write_bytes(out.getvalue())
    doc = parse_document(path)
    assert "Lee, a 30-year-old man" in " ".join(s.text for s in doc.sections)


@pytest.mark.slow
def test_a_real_index_is_built_beside_every_bad_document(settings, tmp_path):
    """All the bad cases in one corpus: each is skipped with its reason, the page without examples is
    indexed as sections, and the seed's examples are all searchable."""
    from assistant.api import Assistant
    from assistant.index import build_index, read_manifest

    copy = private_copy(settings, tmp_path)
    documents = tmp_path / "corpus" / "documents"
    for name, make, _ in BAD_DOCUMENTS:
        (documents / name).write_bytes(make())
    (documents / "partners.html").write_text(NO_EXAMPLES_HTML, encoding="utf-8")

    report = build_index(copy)
    assert sorted(name for name, _ in report.skipped) == sorted(b[0] for b in BAD_DOCUMENTS)
    for name, _, reason in BAD_DOCUMENTS:
        line = next(line for line in report.document_table() if line.strip().startswith(name))
        assert "skipped" in line and reason in line
    assert any("partners: no case examples recognised" in w for w in report.warnings)
    manifest = read_manifest(copy.resolved("index_dir"))
    assert manifest["counts"]["documents"] == 3 and manifest["counts"]["examples"] == 21
    assert {s["file"] for s in manifest["skipped"]} == {b[0] for b in BAD_DOCUMENTS}
    hits = Assistant(copy).search("shared referral form for local partners", k=3)
    assert hits[0].unit.document_id == "partners"
