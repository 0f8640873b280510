"""Caps per reader, checked before a document is parsed in full: a bomb is skipped in one line naming the cap.

Every bomb is generated here (none is committed): a Word file whose body expands to 100 MB, one compressed
1,000 to 1, one with 250,000 paragraphs, a PDF with 2,100 pages or a trailer claiming ten million objects, a
web page of 400,000 tags, a text file of 400,000 lines. Each is refused quickly and with little memory (the
cap is checked on the raw bytes), and the rest of the corpus is read beside it.
"""

from __future__ import annotations

import io
import shutil
import time
import tracemalloc
import zipfile

import pytest

from assistant.errors import CorpusError
from assistant.ingest import parse_document, read_corpus
from conftest import ROOT

WORD = ROOT / "tests" / "fixtures" / "publications" / "spotlight-complex-needs-2025.docx"
PARAGRAPH = b'<w:p><w:r><w:t>Practice point repeated to fill the body of the document.</w:t></w:r></w:p>'


def _word_with_body(body: bytes, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """The fixture Word file with its body replaced by `body` (wrapped in a document element)."""
    source = zipfile.ZipFile(WORD)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                head, _, _ = data.partition(b"<w:body>")
                data = head + b"<w:body>" + body + b"</w:body></w:document>"
            target.writestr(item.filename, data, compress_type=compression, compresslevel=9
                            if compression == zipfile.ZIP_DEFLATED else None)
    return out.getvalue()


def _pdf_pages(n: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(n):
        writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pdf_claiming_objects(n: int) -> bytes:
    """A tiny PDF whose trailer claims `n` objects."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (n, xref)
    return bytes(out)


BOMBS = {
    "expands.docx": (lambda: _word_with_body(PARAGRAPH * 1_300_000), "expanded size of a Word file",
                     "expands to 112 MiB, over the limit of 64 MiB"),
    "ratio.docx": (lambda: _word_with_body(b" " * 40_000_000 + PARAGRAPH), "compression ratio of a Word file",
                   "to 1, over the limit of 100 to 1"),
    "paragraphs.docx": (lambda: _word_with_body(b"<w:p/>" * 250_000, zipfile.ZIP_STORED),
                        "paragraphs and table cells in a Word file", "over 200,000 paragraphs and cells"),
    "pages.pdf": (lambda: _pdf_pages(2_100), "pages in a PDF", "has 2,100 pages, over the limit of 2,000"),
    "objects.pdf": (lambda: _pdf_claiming_objects(10_000_000), "objects in a PDF",
                    "has 10,000,000 objects, over the limit of 500,000"),
    "tags.html": (lambda: b"<html><body>" + b"<b>x" * 400_000 + b"</body></html>", "HTML tags",
                  "has 400,00"),
    "lines.txt": (lambda: b"Case study\n" + b"x\n" * 400_000, "lines of text", "has 400,002 lines"),
}


@pytest.mark.parametrize("name", list(BOMBS))
def test_a_document_over_a_cap_is_refused_before_parsing_in_one_line(tmp_path, name):
    make, cap, detail = BOMBS[name]
    path = tmp_path / name
    path.write_bytes(make())
    assert path.stat().st_size < 20 * 2**20  # under the file-size limit: only the cap stops it
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(CorpusError) as refused:
            parse_document(path)
        took = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(refused.value)
    assert message.startswith(name) and f"({cap})" in message and detail in message, message
    assert message.endswith("split it or remove it") and "\n" not in message
    assert took < 5, f"{name} took {took:.1f} s to refuse"
    assert peak < 80 * 2**20, f"{name} needed {peak / 2**20:.0f} MB to refuse"


def test_the_word_bomb_is_small_on_disk():
    assert len(BOMBS["expands.docx"][0]()) < 1_000_000  # 100 MB of text in well under 1 MB


def test_the_rest_of_the_corpus_is_read_beside_a_bomb(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    (corpus / "documents" / "expands.docx").write_bytes(BOMBS["expands.docx"][0]())
    read = read_corpus(corpus)
    assert [d.id for d in read.documents] == ["ne-2025", "standards"]
    [(name, why)] = read.skipped
    assert name == "expands.docx" and "(expanded size of a Word file)" in why


def test_real_publications_are_well_under_every_cap():
    for path in sorted((ROOT / "tests" / "fixtures" / "publications").iterdir()):
        if path.suffix in (".docx", ".pdf", ".html", ".txt", ".md"):
            assert parse_document(path).examples or parse_document(path).sections
