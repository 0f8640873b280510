"""The session packs a trainer hands out, a facilitator's pack and a participants' handout from one
selection: opened with python-docx, and converted to PDF by LibreOffice headless to look at the pages
as printed."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from assistant.pack import SessionDetails, build_pack, discussion_questions, to_docx, to_markdown, write_pack

EXAMPLES = ("ne-2025:effective-safe-and-tailored-delivery-of-upw-for-a-pregnant",
            "ne-2025:strengths-based-and-responsive-case-management",
            "ne-2025:tailored-maturity-intervention-for-a-young-adult-promoting")
A4_MM = (210, 297)
HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DETAILS = SessionDetails(title="Neurodiversity and engagement", aims="Spot memory difficulties early.",
                         timings="10:00 welcome\n10:15 - 10:45 example 1\n10:45 break", notes="Bring the ASPIRE handout.")


@pytest.fixture(scope="module")
def examples(assistant):
    found = [assistant.example(i) for i in EXAMPLES]
    assert all(found), "a pack example id is missing from the corpus"
    return found


@pytest.fixture(scope="module")
def docx_path(examples, tmp_path_factory):
    return to_docx(build_pack(examples), tmp_path_factory.mktemp("pack") / "pack.docx")


@pytest.fixture(scope="module")
def pack(examples, tmp_path_factory):
    """Both files, as the finder writes them from one selection."""
    return write_pack(examples, tmp_path_factory.mktemp("both"), DETAILS)


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
def test_libreoffice_prints_both_packs_on_a4_with_page_numbers_and_a_running_title(pack, examples, tmp_path):
    """LibreOffice headless converts each DOCX to PDF: A4 pages, a front page, then each example starting a
    page; every page carries the running title, the attribution and "Page n of N". There were no page
    numbers, and the facilitator notes printed on the front page of the only handout."""
    from assistant.links import source_link
    from pypdf import PdfReader

    for docx, kind in ((pack.facilitator_docx, "Facilitator's pack"), (pack.handout_docx, "Participants' handout")):
        pdf = PdfReader(str(libreoffice_convert(docx, "pdf", tmp_path)))
        texts = [page.extract_text() for page in pdf.pages]
        for number, (page, text) in enumerate(zip(pdf.pages, texts), start=1):
            assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)  # A4
            assert text.startswith(f"Neurodiversity and engagement · {kind}\n"), text[:80]  # the running title
            assert text.rstrip().endswith(f"Page {number} of {len(pdf.pages)}")
            assert "Open Government Licence v3.0" in text
        assert pdf.metadata.title == "Neurodiversity and engagement"
        starts = [i for i, text in enumerate(texts) for n, e in enumerate(examples, start=1)
                  if text.split("\n", 1)[1].lstrip().startswith(f"{n}. {e.title[:30]}")]
        assert starts == sorted(starts) and len(starts) == len(examples) and starts[0] == 1  # each on a new page
        for start in starts:
            assert re.search(r"^\s*1\.\s", texts[start].split("\n", 2)[2], re.M), "questions do not start at 1"
        front = texts[0]
        if kind == "Participants' handout":
            assert len(pdf.pages) == 1 + len(examples)  # one page per example
            for hidden in ("Bring the ASPIRE handout", "Facilitator notes", "Timings", "Suggested answer", "Prompt"):
                assert hidden not in "".join(texts), hidden
            assert "Spot memory difficulties early." in front
        else:
            assert "Bring the ASPIRE handout" in front and "10:15 - 10:45" in front
            assert "Suggested answer, from the example" in texts[starts[0]] + texts[starts[0] + 1]
    # LibreOffice reads each source link as a hyperlink, not as text (its headless PDF export writes no link
    # annotations at all, so the links are checked in its own document format)
    flat = libreoffice_convert(pack.handout_docx, "fodt", tmp_path).read_text(encoding="utf-8")
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
    files = write_pack(examples[:1], tmp_path, SessionDetails(title=title))
    assert [p.name for p in files.all()] == [f"{stem}-facilitator.docx", f"{stem}-handout.docx",
                                             f"{stem}-facilitator.md", f"{stem}-handout.md"]
    assert all(p.parent == tmp_path and p.is_file() for p in files.all())


def test_the_facilitators_pack_holds_the_title_aims_timings_as_a_table_and_notes(pack):
    """There was no place for a session title, aims or timings; timings ran together when rendered."""
    text = pack.facilitator_markdown.read_text(encoding="utf-8")
    assert text.startswith("# Neurodiversity and engagement\n\n**Facilitator's pack.**")
    assert "## Aims\n\nSpot memory difficulties early." in text
    assert "## Timings\n\n| Time | Activity |\n|---|---|\n| 10:00 | welcome |\n| 10:15 - 10:45 | example 1 |\n" in text
    assert "## Facilitator notes\n\nBring the ASPIRE handout." in text
    document = _document(pack.facilitator_docx)
    assert document.core_properties.title == "Neurodiversity and engagement"
    headings = [p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[:4] == ["Neurodiversity and engagement", "Aims", "Timings", "Facilitator notes"]
    [table] = document.tables
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["Time", "Activity"], ["10:00", "welcome"], ["10:15 - 10:45", "example 1"], ["10:45", "break"]]


def test_the_participants_handout_holds_the_examples_and_questions_and_no_notes(pack, examples):
    text = pack.handout_markdown.read_text(encoding="utf-8")
    assert text.startswith("# Neurodiversity and engagement\n\n**Participants' handout.**")
    for hidden in ("Bring the ASPIRE handout", "Facilitator notes", "Timings", "10:15", "Prompt", "Suggested answer"):
        assert hidden not in text
    for example in examples:
        assert f"## {examples.index(example) + 1}. {example.title}" in text
        assert all(q.text in text for q in discussion_questions(example))
    document = _document(pack.handout_docx)
    assert not document.tables and "Facilitator notes" not in [p.text for p in document.paragraphs]


def test_discussion_questions_come_from_each_examples_own_sub_headings_and_practice(examples):
    """The discussion questions were generic, the same for every example."""
    questions = {e.id: discussion_questions(e) for e in examples}
    texts = [q.text for qs in questions.values() for q in qs]
    assert len(texts) == len(set(texts))  # no question shared between examples
    for example in examples:
        own = questions[example.id]
        headings = [g.heading for g in example.groups if g.heading]
        assert sum(any(f"“{h}”" in q.text for h in headings) for q in own) >= min(2, len(headings))
        points = [p for g in example.groups for p in g.points]
        for question in own[:-1]:
            quoted = re.search(r"“([^”]+)”\s(?:Why|What|How|Which)", question.text).group(1).rstrip("…")
            assert any(p.startswith(quoted) for p in [*points, example.outcome or ""]), question.text
            assert question.answer and all(a in points for a in question.answer)  # answers from its own points
        assert example.person.name in own[-1].text  # the reader's caseload, with this person in mind


def test_every_example_in_the_corpus_gets_its_own_questions(assistant):
    texts = [q.text for e in assistant.examples() for q in discussion_questions(e)]
    assert len(texts) == len(set(texts))


def test_session_details_are_checked():
    from assistant.errors import BadInputError

    with pytest.raises(BadInputError, match="title is 121 characters"):
        SessionDetails(title="x" * 121)
    with pytest.raises(BadInputError, match="control characters"):
        SessionDetails(aims="bad\x07")
