"""The session pack a trainer hands out: opened with python-docx, and converted to PDF by
LibreOffice headless to look at the pages as printed."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from assistant.pack import build_pack, to_docx, to_markdown

EXAMPLES = ("ne-2025:effective-safe-and-tailored-delivery-of-upw-for-a-pregnant",
            "ne-2025:strengths-based-and-responsive-case-management",
            "ne-2025:tailored-maturity-intervention-for-a-young-adult-promoting")
A4_MM = (210, 297)
HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def examples(assistant):
    found = [assistant.example(i) for i in EXAMPLES]
    assert all(found), "a pack example id is missing from the corpus"
    return found


@pytest.fixture(scope="module")
def docx_path(examples, tmp_path_factory):
    return to_docx(build_pack(examples), tmp_path_factory.mktemp("pack") / "pack.docx")


def _document(path):
    from docx import Document

    return Document(str(path))


def test_word_pack_is_a4_with_proper_metadata(docx_path):
    """The Word pack was US Letter, its author "python-docx" and its date 2013."""
    document = _document(docx_path)
    for section in document.sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == A4_MM
    properties = document.core_properties
    assert properties.author == "Probation Practice Assistant" and properties.last_modified_by != "python-docx"
    assert properties.title.startswith("PDD session pack: 3 examples")
    created = properties.created.replace(tzinfo=properties.created.tzinfo or timezone.utc)
    assert abs((datetime.now(timezone.utc) - created).total_seconds()) < 3600
    assert properties.modified.year == date.today().year
    text = "\n".join(p.text for p in document.paragraphs)
    assert f"Prepared {date.today():%d %B %Y}" in text


def test_word_pack_source_links_are_real_hyperlinks(docx_path, examples):
    """Links were plain text."""
    from assistant.links import source_link

    document = _document(docx_path)
    targets = [rel.target_ref for rel in document.part.rels.values() if rel.reltype == HYPERLINK]
    assert targets == [source_link(e) for e in examples]
    links = document.element.body.findall(f".//{W}hyperlink")
    assert [link.findtext(f".//{W}t") for link in links] == [e.document for e in examples]


def test_word_pack_puts_each_example_on_its_own_page_and_restarts_numbering(docx_path, examples):
    """No page break between examples; discussion questions shared one numbered list."""
    document = _document(docx_path)
    headings = [p for p in document.paragraphs if re.match(r"\d+\. ", p.text) and p.style.name == "Heading 1"]
    assert [h.text for h in headings] == [f"{n}. {e.title}" for n, e in enumerate(examples, start=1)]
    assert all(h.paragraph_format.page_break_before for h in headings)
    numbered = [p for p in document.paragraphs if p.style.name == "List Number"]
    list_ids = list(dict.fromkeys(p._p.pPr.numPr.numId.val for p in numbered))
    assert len(list_ids) == len(examples)  # one list per example…
    numbering = document.part.numbering_part.element
    for num_id in list_ids:  # …each starting again at 1
        start = numbering.num_having_numId(num_id).find(f".//{W}startOverride")
        assert start is not None and start.get(f"{W}val") == "1"


def test_markdown_pack_names_each_publication_and_numbers_questions_per_example(examples):
    markdown = to_markdown(build_pack(examples))
    for example in examples:
        assert f"**Publication:** {example.document}" in markdown
    assert markdown.count("\n1. ") == len(examples)
    assert "Open Government Licence v3.0" in markdown


@pytest.mark.slow
def test_libreoffice_prints_the_pack_on_a4_one_example_per_page(docx_path, examples, tmp_path):
    """LibreOffice headless converts the DOCX to PDF: A4 pages, the front page, then one page per example."""
    pdf_path = libreoffice_convert(docx_path, "pdf", tmp_path)

    from assistant.links import source_link
    from pypdf import PdfReader

    pdf = PdfReader(str(pdf_path))
    assert len(pdf.pages) == 1 + len(examples)
    for page in pdf.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)  # A4 in points
    assert pdf.metadata.title.startswith("PDD session pack")
    for number, (page, example) in enumerate(zip(pdf.pages[1:], examples), start=1):
        text = page.extract_text()
        assert text.lstrip().startswith(f"{number}. {example.title[:30]}")
        assert re.search(r"^\s*1\.\s", text, re.M), f"questions on page {number + 1} do not start at 1"
    # LibreOffice reads each source link as a hyperlink, not as text (its headless PDF export writes no link
    # annotations at all, so the links are checked in its own document format)
    flat = libreoffice_convert(docx_path, "fodt", tmp_path).read_text(encoding="utf-8")
    hrefs = [html.unescape(h) for h in re.findall(r'<text:a [^>]*xlink:href="([^"]+)"', flat)]
    assert hrefs == [source_link(e) for e in examples]


def libreoffice_convert(path: Path, fmt: str, out: Path) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is missing: `make test` installs it (apt-get install libreoffice-writer)"
    profile = out / "lo-profile"
    result = subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", fmt,
                             "--outdir", str(out), str(path)], capture_output=True, text=True, timeout=180)
    converted = out / f"{Path(path).stem}.{fmt}"
    assert converted.exists(), result.stdout + result.stderr
    return converted


@pytest.mark.parametrize("title, stem", [
    ("PDD: Working with ADHD / neurodiversity", "pdd-working-with-adhd-neurodiversity"),
    ("../../etc/passwd", "etc-passwd"),
    ("   ", "session-pack"),
    ("Ymarfer da — sesiwn 1", "ymarfer-da-sesiwn-1"),
])
def test_file_names_come_from_the_session_title(examples, tmp_path, title, stem):
    """The files were always called session-pack.*."""
    from assistant.pack import SessionDetails, write_pack

    markdown, docx = write_pack(examples[:1], tmp_path, SessionDetails(title=title))
    assert (markdown.name, docx.name) == (f"{stem}.md", f"{stem}.docx")
    assert markdown.parent == docx.parent == tmp_path


def test_the_pack_holds_the_session_title_aims_timings_and_notes(examples, tmp_path):
    """There was no place for a session title, aims or timings."""
    from assistant.pack import SessionDetails, write_pack

    details = SessionDetails(title="Neurodiversity and engagement", aims="Spot memory difficulties early.",
                             timings="10:00 welcome\n10:15 example 1", notes="Bring the ASPIRE handout.")
    markdown, docx = write_pack(examples[:2], tmp_path, details)
    text = markdown.read_text(encoding="utf-8")
    assert text.startswith("# Neurodiversity and engagement\n")
    for heading, body in (("Aims", "Spot memory difficulties early."), ("Timings", "10:15 example 1"),
                          ("Facilitator notes", "Bring the ASPIRE handout.")):
        assert f"## {heading}\n\n" in text and body in text
    document = _document(docx)
    assert document.core_properties.title == "Neurodiversity and engagement"
    headings = [p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[:4] == ["Neurodiversity and engagement", "Aims", "Timings", "Facilitator notes"]
    assert "10:15 example 1" in [p.text for p in document.paragraphs]


def test_session_details_are_checked():
    from assistant.errors import BadInputError
    from assistant.pack import SessionDetails

    with pytest.raises(BadInputError, match="title is 121 characters"):
        SessionDetails(title="x" * 121)
    with pytest.raises(BadInputError, match="control characters"):
        SessionDetails(aims="bad\x07")
