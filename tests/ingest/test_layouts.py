"""Issue 17: every layout, nothing lost silently — tables and boxes, labels and names, the document's own
metadata, the accounting of every character.

Each test writes its own small document in words that appear in no fixture, so that it checks the
mechanism, not one publication: boxes in any element, label/value and header-row tables, markers with any
numbering and separator, names in any letters, run-in finding labels, dates in any written form, regions
from the cover and introduction, the fuller title, drops with their reasons, and what `add` says.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.ingest import parse_document
from assistant.ingest.blocks import FURNITURE, ITEM, TABLE
from assistant.ingest.metadata import choose_title, clean_property_title, regions_named, year_in_date
from assistant.ingest.people import find_person
from assistant.ingest.readers import read_blocks
from assistant.ingest.markers import match_marker

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "publications"
ROOT = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _html(body: str, head: str = "<title>t</title>") -> str:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>"


CASE = ("<p>Tariq, a 33-year-old man, was on licence after a sentence for burglary. He slept at a friend's flat "
        "and worked nights at a depot.</p><ul><li>The officer phoned him after each night shift.</li>"
        "<li>Reporting moved to the late afternoon.</li></ul><p>Outcome: Tariq kept his job and every "
        "appointment.</p>")


# --- item 3: labels and names -----------------------------------------------------------------


@pytest.mark.parametrize("line, title", [
    ("Case study 3: Bail support that held", "Bail support that held"),
    ("Case study 3. Bail support that held", "Bail support that held"),
    ("Case study three – Bail support that held", "Bail support that held"),
    ("CASE STUDY 12 | Bail support that held", "Bail support that held"),
    ("Practice example No. 4 — Bail support that held", "Bail support that held"),
    ("Good practice example #2 / Bail support that held", "Bail support that held"),
    ("Organisational example: A rota shared with the hostel", "A rota shared with the hostel"),
    ("Case illustration C: Bail support that held", "Bail support that held"),
    ("Example 7 Bail support that held", "Bail support that held"),
    ("Example: Bail support that held", "Bail support that held"),
    ("Practice example 4", ""),
])
def test_example_markers_take_any_noun_numbering_and_separator(line, title):
    found = match_marker(line)
    assert found is not None and found.title == title


@pytest.mark.parametrize("line", [
    "Case study of a young man who kept his job",  # a sentence, no separator
    "Example: the team met every week and agreed who would phone the hostel before each review took place.",
    "Examples of this were rare in the cases we read.",
    "For example: the officer rang him.",
])
def test_ordinary_sentences_are_not_markers(line):
    assert match_marker(line) is None


def test_marker_kinds_open_cases_and_organisational_examples(tmp_path):
    text = ("# Practice in the east\n\n## Partnerships\n\n### Organisational example: A rota shared with the hostel\n\n"
            "The unit and the hostel agreed a weekly rota so that someone from probation was on site every "
            "Tuesday. Staff from both services attended.\n\n### Case vignette 2 – A quiet word at the hostel\n\n"
            "The man had been warned twice about noise at the hostel and was close to eviction. His officer "
            "met him there.\n")
    doc = parse_document(_write(tmp_path, "east.md", text))
    assert [(e.title, e.kind, e.section) for e in doc.examples] == [
        ("A rota shared with the hostel", "organisational", "Partnerships"),
        ("A quiet word at the hostel", "case", "Partnerships")]


@pytest.mark.parametrize("sentence, name", [
    ("Zoë, a 24-year-old woman, was released on licence.", "Zoë"),
    ("Łukasz (31) had a community order for theft.", "Łukasz"),
    ("Siân-Elin, aged 40, lived with her sister.", "Siân-Elin"),
    ("Nguyễn, 19, was released from a young offender institution.", "Nguyễn"),
    ("Ólafur is a 52-year-old man on licence.", "Ólafur"),
    ("D’Arcy, a 28-year-old man, had a curfew.", "D’Arcy"),
    ("O'Connell, aged 60, had a community order.", "O'Connell"),
    ("Émile-Jean, 35, was on a suspended sentence order.", "Émile-Jean"),
])
def test_names_in_any_letters_with_hyphens_and_apostrophes(sentence, name):
    person = find_person([sentence])
    assert person is not None and person.name == name


def test_run_in_finding_labels_are_sub_headings_not_themes(tmp_path):
    text = ("# Inspection of the Riverbend unit\n\n## Implementation and delivery\n\nMost people had the help "
            "they needed.\n\n### Strengths:\n\n- Officers kept in touch after missed appointments.\n\n"
            "### Areas for improvement\n\n- Interpreters were booked late.\n\n### Case study 1: A phone call "
            "before the warning\n\nKai, a 27-year-old man, missed two appointments in a month. His officer "
            "phoned him before sending a warning letter.\n\nOutcome: Kai attended the next eight "
            "appointments.\n\n### What needs to improve:\n\n- Reviews were late in a third of cases.\n\n"
            "## Reviewing\n\nReviews were timely.\n")
    doc = parse_document(_write(tmp_path, "riverbend.md", text))
    [example] = doc.examples
    assert example.section == "Implementation and delivery"
    assert example.outcome == "Kai attended the next eight appointments."
    assert "Reviews were late" not in example.text  # the finding label ends the example running into it
    titles = [s.title for s in doc.sections]
    assert "Strengths" not in titles and "Areas for improvement" not in titles
    delivery = [s for s in doc.sections if s.title == "Implementation and delivery"]
    assert any("Strengths:" in s.text and "Officers kept in touch" in s.text for s in delivery)
    assert any("What needs to improve:" in s.text and "Reviews were late" in s.text for s in delivery)


# --- item 5: closing outcomes in every family -------------------------------------------------

CLOSING = "This case demonstrated that a steady officer and a fixed day can hold a chaotic order together."


@pytest.mark.parametrize("name, text", [
    ("spotlight.txt", "Spotlight: the Lakeside region\n\nCourt work (Back to top)\n\nExample of effectiveness: "
                      "A steady day\n\nPiotr, a 36-year-old man, had a community order.\n\nWhat helped:\n\n"
                      f"  • The same officer every week.\n  • {CLOSING}\n"),
    ("guide.md", "# Guide to engagement\n\n## Keeping people engaged\n\n### A steady day\n\n#### Case summary\n\n"
                 "Piotr, a 36-year-old man, had a community order.\n\n#### Take-away learning\n\n"
                 f"- The same officer every week.\n- {CLOSING}\n"),
    ("report.md", "# A report on engagement\n\n## 2. Delivery\n\nText about delivery.\n\n"
                  "**Practice example 1: A steady day**\n\nPiotr, a 36-year-old man, had a community order.\n\n"
                  f"- The same officer every week.\n- {CLOSING}\n"),
])
def test_a_closing_this_case_demonstrated_bullet_is_the_outcome_in_every_family(tmp_path, name, text):
    [example] = parse_document(_write(tmp_path, name, text)).examples
    assert example.outcome == CLOSING
    assert all(CLOSING not in point for group in example.groups for point in group.points)


# --- item 1: furniture by what it is ----------------------------------------------------------


def test_web_furniture_is_judged_by_what_it_holds(tmp_path):
    page = _html(
        "<div class='cookie-notice'><p>We use cookies to understand how the site is used. Choose which cookies "
        "you accept.</p><button>Accept all cookies</button></div>"
        "<nav><ul><li><a href='/'>Home</a></li><li><a href='/news'>News</a></li></ul></nav>"
        "<main><h1>Working with families</h1><h2>Context</h2><p>Families can help people on probation keep "
        "going when things get hard, and officers should ask about them early.</p>"
        "<aside class='related'><h2>See also</h2><ul><li><a href='/a'>Standards</a></li>"
        "<li><a href='/b'>Annual report</a></li></ul></aside>"
        "<div class='menu-panel'><p>This panel is written prose about families that a naive reader would throw "
        "away because of its class, although it says something worth indexing.</p></div></main>"
        "<footer><p>All content is available under the Open Government Licence v3.0.</p></footer>")
    blocks = read_blocks(_write(tmp_path, "families.html", page), page.encode()).blocks
    roles = {b.text: b.role for b in blocks if b.kind == FURNITURE}
    assert roles["We use cookies to understand how the site is used. Choose which cookies you accept."] == \
        "cookie banner"
    assert roles["Accept all cookies"] == "control"
    assert roles["Home"] == roles["See also"] == roles["Standards"] == "navigation"
    assert roles["All content is available under the Open Government Licence v3.0."] == "licence"
    content = [b.text for b in blocks if b.kind != FURNITURE]
    assert any(t.startswith("This panel is written prose about families") for t in content)


@pytest.mark.parametrize("element", [
    "<aside class='practice'><h3>Nights at the depot</h3>{case}</aside>",
    "<figure>{case}<figcaption>Nights at the depot</figcaption></figure>",
    "<details><summary>Nights at the depot</summary>{case}</details>",
    "<div class='sidebar'><h4>Nights at the depot</h4>{case}</div>",
    "<div class='callout-box'><p>Nights at the depot</p>{case}</div>",
    "<table><tr><td><p>Nights at the depot</p>{case}</td></tr></table>",
    "<aside>{case}</aside>",  # no title of its own: the heading just before it titles it
])
def test_a_callout_box_of_any_element_is_an_example_when_it_holds_one(tmp_path, element):
    box = element.format(case=CASE)
    heading = "<h3>Nights at the depot</h3>" if "<aside>{case}" in element else ""
    page = _html(f"<main><h1>Shift workers on licence</h1><h2>Keeping in touch</h2><p>Shift work makes "
                 f"reporting hard for many people.</p>{heading}{box}<p>After the box the text goes on about "
                 f"shift patterns in general and is not part of any example.</p></main>")
    doc = parse_document(_write(tmp_path, "shifts.html", page))
    [example] = doc.examples
    assert (example.title, example.section) == ("Nights at the depot", "Keeping in touch")
    assert example.person.name == "Tariq" and example.outcome == "Tariq kept his job and every appointment."
    assert example.groups[0].points == ("The officer phoned him after each night shift.",
                                        "Reporting moved to the late afternoon.")
    assert "After the box" not in example.text  # the example ends where its box ends
    assert any("After the box the text goes on" in s.text for s in doc.sections)


def test_a_box_that_holds_no_example_stays_in_its_section(tmp_path):
    page = _html("<main><h1>Shift workers on licence</h1><h2>Keeping in touch</h2><p>Shift work makes reporting "
                 "hard for many people on licence, and officers need to plan for it.</p>"
                 "<aside><h3>Key facts</h3><ul><li>Four in ten people we met worked shifts.</li>"
                 "<li>Most reporting slots were in office hours.</li></ul></aside></main>")
    doc = parse_document(_write(tmp_path, "facts.html", page))
    assert doc.examples == []
    [section] = doc.sections
    assert section.title == "Keeping in touch"
    assert "Key facts" in section.text and "Four in ten people we met worked shifts." in section.text


# --- item 2: tables as structure --------------------------------------------------------------


def _docx(build) -> bytes:
    import docx

    document = docx.Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _cell(cell, lines):
    for n, (bullet, text) in enumerate(lines):
        paragraph = cell.paragraphs[0] if n == 0 else cell.add_paragraph()
        paragraph.text = text
        if bullet:
            paragraph.style = "List Bullet"


def test_word_label_value_tables_are_examples_and_data_tables_stay_tables(tmp_path):
    def build(document):
        document.add_heading("Supervising shift workers", 0)
        document.add_heading("Keeping in touch", 1)
        document.add_paragraph("Shift work makes reporting hard, and these cases show how officers planned for it.")
        table = document.add_table(rows=4, cols=2)
        table.cell(0, 0).merge(table.cell(0, 1)).text = "Case study 4 – Nights at the depot"
        table.cell(1, 0).text = "Who was involved"
        _cell(table.cell(1, 1), [(False, "Tariq, a 33-year-old man, was on licence after a sentence for burglary. "
                                         "He worked nights at a depot.")])
        table.cell(2, 0).text = "How the officer helped"
        _cell(table.cell(2, 1), [(True, "Phoned him after each night shift."), (True, "Moved reporting to 4pm.")])
        table.cell(3, 0).text = "Impact"
        _cell(table.cell(3, 1), [(True, "He kept his job."), (True, "He missed no appointments.")])
        document.add_heading("Counting the cases", 1)
        data = document.add_table(rows=3, cols=3)
        for r, row in enumerate([("Team", "Cases", "Shift workers"), ("North", "40", "17"), ("South", "35", "9")]):
            for c, value in enumerate(row):
                data.cell(r, c).text = value

    doc = parse_document(_write(tmp_path, "shifts.docx", _docx(build)))
    [example] = doc.examples
    assert (example.title, example.section, example.kind) == ("Nights at the depot", "Keeping in touch", "case")
    assert example.person.name == "Tariq"
    assert example.intro.startswith("Tariq, a 33-year-old man") and "Who was involved" not in example.text
    assert [(g.heading, g.points) for g in example.groups] == [
        ("How the officer helped", ("Phoned him after each night shift.", "Moved reporting to 4pm."))]
    assert example.outcome == "He kept his job. He missed no appointments."
    [counts] = [s for s in doc.sections if s.title == "Counting the cases"]
    assert "Team | Cases | Shift workers" in counts.text and "North | 40 | 17" in counts.text


def test_a_header_row_table_holds_one_example_per_row(tmp_path):
    def build(document):
        document.add_heading("Two short cases", 0)
        document.add_heading("Reporting by phone", 1)
        table = document.add_table(rows=3, cols=4)
        rows = [("Title", "Background", "What helped", "Result"),
                ("A phone line for a carer", "Maja, 45, cared for her father and could not leave him for long.",
                 "Her officer agreed phone reporting every other week.", "Maja completed her order."),
                ("Reporting near the hospital", "Ivo, 51, had dialysis three times a week at a hospital far away.",
                 "His reporting moved to an office near the hospital.", "Ivo missed no appointments.")]
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                table.cell(r, c).text = value

    doc = parse_document(_write(tmp_path, "phone.docx", _docx(build)))
    assert [(e.title, e.person.name, e.outcome) for e in doc.examples] == [
        ("A phone line for a carer", "Maja", "Maja completed her order."),
        ("Reporting near the hospital", "Ivo", "Ivo missed no appointments.")]
    assert all(e.section == "Reporting by phone" for e in doc.examples)


def test_word_text_boxes_and_content_controls_are_read(tmp_path):
    spotlight = FIXTURES / "spotlight-complex-needs-2025.docx"
    blocks = read_blocks(spotlight, spotlight.read_bytes()).blocks
    boxed = [b for b in blocks if b.box]
    assert any(b.text == "Respecting the name a person uses" for b in boxed)  # the drawn text box
    assert any(b.kind == ITEM and b.text.startswith("The practitioner called the service") for b in boxed)
    [table] = [b for b in blocks if b.kind == TABLE and b.rows[0][0].startswith("Case study 1")]
    assert table.rows[0] == ("Case study 1: Hearing the whole story from a young father",)  # merged: once
    assert table.rows[2][1].splitlines() == [
        "• Arranged an interpreter so that his mother could join the first meeting, as he asked.",
        "• Wrote the plan around the hours he spent helping at home with the baby."]


def test_pdf_boxes_are_found_and_a_box_cut_by_a_page_break_stays_one():
    path = FIXTURES / "inspection-harbourside-pdu-2025.pdf"
    blocks = read_blocks(path, path.read_bytes()).blocks
    long_box = next(b.box for b in blocks if b.text == "Staying in touch through a long illness")
    inside = [b for b in blocks if b.box == long_box]
    assert inside[-1].text.startswith("Outcome: Anaïs completed her order")
    assert any(b.kind == FURNITURE for b in blocks[blocks.index(inside[0]):blocks.index(inside[-1])])  # a page break
    assert not any(b.box for b in blocks if b.text.startswith(("Strengths", "Areas for improvement")))
    doc = parse_document(path)
    illness = next(e for e in doc.examples if e.title == "Staying in touch through a long illness")
    assert len(illness.groups[0].points) == 4 and "Areas for improvement" not in illness.text
    assert all(e.section != "Strengths" for e in doc.examples)
    [ratings] = [s for s in doc.sections if "Leadership | Good" in s.text]
    assert ratings.title == "Organisational delivery"


# --- item 4: metadata from the document itself ------------------------------------------------


@pytest.mark.parametrize("text, year", [
    ("3 March 2024", 2024), ("3rd of March 2024", 2024), ("March 3, 2024", 2024), ("March 2024", 2024),
    ("Sept. 2023", 2023), ("2024-03-03", 2024), ("2024-03-03T09:00:00Z", 2024), ("03/03/2024", 2024),
    ("3.3.2024", 2024), ("2024/03/03", 2024), ("Spring 2022", 2022), ("D:20210704120000+01'00'", 2021),
    ("2025", 2025), ("(2025)", 2025), ("page 12", None), ("Published in the autumn", None),
])
def test_dates_in_every_common_written_form(text, year):
    assert year_in_date(text) == year


@pytest.mark.parametrize("cover, year", [
    ("Published 14 February 2023", 2023),
    ("Published: 14 February 2023", 2023),
    ("Date of publication 14/02/2023", 2023),
    ("Publication date – February 2023", 2023),
    ("February 2023", 2023),
    ("2023", 2023),
    ("HM Inspectorate of Probation, 14 February 2023", 2023),
])
def test_the_year_is_read_from_the_cover_labelled_or_not(tmp_path, cover, year):
    text = (f"# Keeping in touch with shift workers\n\n{cover}\n\n## Introduction\n\nThis guide looks at people who "
            "work shifts while on probation, and how officers keep in touch with them.\n")
    doc = parse_document(_write(tmp_path, "shifts.md", text))
    assert doc.meta["year"] == year
    assert cover.split()[0] in doc.accounting["metadata"]["year"]["source"] or "cover" in \
        doc.accounting["metadata"]["year"]["source"]


@pytest.mark.parametrize("text, regions", [
    ("Probation services in the West Midlands region", {"West Midlands"}),
    ("delivery units in Cumbria and Lancashire", {"North West"}),
    ("across England and Wales", set()),
    ("in North East Lincolnshire", {"Yorkshire and the Humber"}),
    ("in Cardiff and Swansea", {"Wales"}),
    ("Reading his file carefully, the officer noticed a gap.", set()),
])
def test_regions_and_their_areas(text, regions):
    assert set(regions_named(text)) == regions


def test_the_region_is_read_from_the_cover_or_introduction_only_when_clear(tmp_path):
    one = ("# Keeping in touch with shift workers\n\n2024\n\n## Introduction\n\nWe read cases in Devon and Cornwall, "
           "in the South West region, over three months.\n\n## Findings\n\nIn London the picture was different.\n")
    doc = parse_document(_write(tmp_path, "one.md", one))
    assert (doc.meta["region"], doc.accounting["metadata"]["region"]["source"]) == ("South West", "the introduction")
    several = one.replace("Devon and Cornwall, in the South West region", "London, Wales and the North East")
    assert parse_document(_write(tmp_path, "several.md", several)).meta.get("region") is None


def test_the_fuller_title_wins_and_placeholders_are_ignored():
    stored = [("Keeping in touch with shift workers: a guide for probation officers", "the PDF's information")]
    assert choose_title("Keeping in touch with shift workers", stored).value == stored[0][0]
    assert choose_title("Keeping in touch with shift workers: a guide", [("Report template v3", "x")]).value == \
        "Keeping in touch with shift workers: a guide"
    assert choose_title("A guide", [("Something else entirely, and longer", "x")]).value == "A guide"
    assert clean_property_title("Microsoft Word - shifts_final.docx") is None
    assert clean_property_title("Keeping in touch - HM Inspectorate of Probation") == "Keeping in touch"
    assert clean_property_title("shift_workers_v2") is None


def test_html_open_graph_dublin_core_and_title_are_read(tmp_path):
    head = ("<title>Shift workers on licence | HM Inspectorate of Probation</title>"
            "<meta property='og:title' content='Shift workers on licence: keeping in touch in the East Midlands'>"
            "<meta name='DC.date.issued' content='2022-06-30'>")
    page = _html("<main><h1>Shift workers on licence</h1><h2>Why it matters</h2><p>Reporting in office hours "
                 "does not suit people who work nights, and many of them are on licence.</p></main>", head)
    doc = parse_document(_write(tmp_path, "shifts.html", page))
    read = doc.accounting["metadata"]
    assert doc.title == "Shift workers on licence: keeping in touch in the East Midlands"
    assert "Open Graph" in read["title"]["source"]
    assert (doc.meta["year"], doc.meta["region"]) == (2022, "East Midlands")
    assert "Dublin Core" in read["year"]["source"]


def test_pdf_information_and_xmp_are_read(tmp_path):
    from fpdf import FPDF
    from pypdf import PdfReader, PdfWriter

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 20)
    pdf.cell(0, 12, "Shift workers", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, "Reporting in office hours does not suit people who work nights, and many of them are "
                         "on licence or on community orders.")
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(bytes(pdf.output()))))
    writer.add_metadata({"/Title": "Shift workers: keeping in touch at night", "/CreationDate": "D:20190101000000"})
    writer.xmp_metadata = (
        '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:date><rdf:Seq><rdf:li>2021-05-06</rdf:li></rdf:Seq>'
        '</dc:date></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>').encode()
    out = io.BytesIO()
    writer.write(out)
    doc = parse_document(_write(tmp_path, "nights.pdf", out.getvalue()))
    read = doc.accounting["metadata"]
    assert doc.title == "Shift workers: keeping in touch at night" and "PDF" in read["title"]["source"]
    assert doc.meta["year"] == 2021 and "XMP" in read["year"]["source"]  # the published date beats creation


def test_word_core_properties_title_is_read(tmp_path):
    def build(document):
        document.core_properties.title = "Shift workers: keeping in touch at night"
        document.add_heading("Shift workers", 0)
        document.add_paragraph("Published 1 May 2020")
        document.add_heading("Why it matters", 1)
        document.add_paragraph("Reporting in office hours does not suit people who work nights.")

    doc = parse_document(_write(tmp_path, "nights.docx", _docx(build)))
    assert doc.title == "Shift workers: keeping in touch at night" and doc.meta["year"] == 2020
    assert "core properties" in doc.accounting["metadata"]["title"]["source"]


# --- item 1: the accounting, and what add and documents say --------------------------------------


def test_a_page_that_is_mostly_menus_gets_a_warning_naming_the_largest_drop(tmp_path):
    menu = "".join(f"<li><a href='/p{n}'>Page number {n} of the site menu</a></li>" for n in range(60))
    page = _html(f"<header><nav><ul>{menu}</ul></nav></header><main><h1>A short note</h1><h2>Note</h2>"
                 "<p>Officers should plan reporting around shifts where they can.</p></main>")
    doc = parse_document(_write(tmp_path, "menus.html", page))
    [warning] = [w for w in doc.warnings if "not indexed" in w]
    assert "most of it as navigation" in warning
    assert doc.accounting["dropped"]["navigation"] > doc.accounting["kept"]


def test_a_dropped_paragraph_of_prose_is_named(tmp_path):
    text = ("Skip to content\n\nA guide to shift workers\n\nThis paragraph sits on a cover page before any heading "
            "and is long enough that losing it would matter to a reader of the guide, so it is kept.\n\n"
            "## Why it matters\n\nReporting in office hours does not suit people who work nights.\n")
    doc = parse_document(_write(tmp_path, "cover.md", text))
    assert any("This paragraph sits on a cover page" in s.text for s in doc.sections)
    assert doc.accounting["dropped"] == {"navigation": len("Skip to content")}


def test_add_says_what_it_read_and_where_and_asks_only_for_what_it_could_not(tmp_path):
    import shutil

    from assistant.ingest.corpus import add_document, add_summary, document_details, list_documents
    from conftest import copy_corpus

    corpus = copy_corpus(tmp_path / "corpus")
    added = add_document(corpus, str(FIXTURES / "spotlight-eastmoor-2024.txt"))
    summary = "\n".join(add_summary(added, corpus))
    assert "title: Effective Practice Spotlight: The Probation Service – Eastmoor region (from the title heading)" \
        in summary
    assert "year: 2024 (from the lines 'Year:' '2024')" in summary
    assert "Text: " in summary and "dropped: title page" in summary
    assert "Could not read its region from the document" in summary and "--region REGION" in summary
    assert "--year" not in summary and "--title" not in summary

    pdu = tmp_path / "harbourside.pdf"
    shutil.copyfile(FIXTURES / "inspection-harbourside-pdu-2025.pdf", pdu)
    added = add_document(corpus, str(pdu), kind="thematic")
    summary = "\n".join(add_summary(added, corpus))
    assert "region: South West (from the introduction)" in summary and "kind: thematic (from the --kind option)" \
        in summary
    assert "Could not read" not in summary
    record = next(r for r in list_documents(corpus) if r["id"] == added.id)
    details = document_details(record)
    assert details[0].startswith("text: ") and "page header" in details[0]


def test_documents_verbose_prints_each_drop_and_each_source(tmp_path):
    from click.testing import CliRunner

    from assistant.cli import main
    from conftest import copy_corpus

    corpus = copy_corpus(tmp_path / "corpus")
    (corpus / "documents" / "women.html").write_bytes((FIXTURES / "thematic-women-probation-2024.html").read_bytes())
    result = CliRunner().invoke(main, ["--corpus", str(corpus), "--index", str(tmp_path / "index"),
                                       "documents", "--verbose"])
    assert result.exit_code == 0, result.output
    assert "cookie banner 133" in result.output and "navigation" in result.output and "control" in result.output
    assert "year: 2024 (from the cover line '19 November 2024')" in result.output
    assert "region: not read" in result.output


@pytest.mark.slow
def test_importing_ingest_stays_cheap():
    code = ("import sys, assistant.ingest; from assistant.ingest import parse_document; "
            f"parse_document(__import__('pathlib').Path({str(FIXTURES / 'spotlight-eastmoor-2024.txt')!r})); "
            "print([m for m in ('pypdf', 'docx', 'torch', 'chromadb', 'fpdf') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_a_heading_over_one_persons_case_told_to_its_outcome_is_an_example(tmp_path):
    text = ("# Working with people who gamble\n\n## Assessment\n\nPractitioners who asked about money found gambling "
            "more often.\n\n### Asking about money first\n\nBartosz, a 39-year-old man, was on a community order "
            "for fraud. He had lost his flat because of debts.\n\n**What the practitioner did**\n\n- Asked about his "
            "debts at the first meeting.\n\nOutcome: Bartosz moved into a rented room.\n\n### A plan with a family\n\n"
            "Mrs H, 61, stole from her employer. Her daughter managed her money with her consent.\n\n- They agreed a "
            "debt plan together.\n- This case showed that family can be part of the plan.\n\n### What we saw\n\n"
            "Most people, such as one man aged 40, had never been asked about money.\n\n## Findings\n\n"
            "- Only a third of assessments asked about gambling.\n")
    doc = parse_document(_write(tmp_path, "gambling.md", text))
    assert [(e.title, e.section, e.person.name) for e in doc.examples] == [
        ("Asking about money first", "Assessment", "Bartosz"), ("A plan with a family", "Assessment", "Mrs H")]
    assert doc.examples[1].outcome == "This case showed that family can be part of the plan."
    assert {s.title for s in doc.sections} == {"Assessment", "What we saw", "Findings"}  # no outcome: no example


def test_labels_in_a_definition_list_or_a_marker_cell_give_the_fields(tmp_path):
    page = _html("<main><h1>Release planning</h1><h2>Health on release</h2><p>Health needs were often missed on "
                 "the day of release.</p><dl><dt>Case example</dt><dd>Medication on day one</dd><dt>Person</dt>"
                 "<dd>Gwenllian, aged 46, was released with three days of medication for epilepsy.</dd>"
                 "<dt>What was done</dt><dd>Her officer booked a GP appointment for her first morning out.</dd>"
                 "<dt>Result</dt><dd>Gwenllian saw her GP on her first day out.</dd></dl></main>")
    [example] = parse_document(_write(tmp_path, "release.html", page)).examples
    assert (example.title, example.section, example.person.name) == ("Medication on day one", "Health on release",
                                                                      "Gwenllian")
    assert example.intro.startswith("Gwenllian, aged 46") and example.outcome == "Gwenllian saw her GP on her first day out."

    def build(document):
        document.add_heading("Release planning", 0)
        document.add_heading("Health on release", 1)
        table = document.add_table(rows=3, cols=2)
        for r, (label, value) in enumerate([("Example 3", "Medication on day one"),
                                            ("Summary", "Gwenllian, aged 46, was released with three days of "
                                                        "medication for epilepsy, and her officer booked a GP."),
                                            ("Impact", "Gwenllian saw her GP on her first day out.")]):
            table.cell(r, 0).text, table.cell(r, 1).text = label, value

    [example] = parse_document(_write(tmp_path, "release.docx", _docx(build))).examples
    assert (example.title, example.outcome) == ("Medication on day one", "Gwenllian saw her GP on her first day out.")


def test_a_site_header_with_a_linked_h1_is_still_furniture(tmp_path):
    page = _html("<header><h1><a href='/'>HM Inspectorate of Probation</a></h1><nav><a href='/a'>About</a></nav>"
                 "</header><main><h1>Release planning</h1><h2>Health</h2><p>Health needs were often missed on the day "
                 "of release from prison.</p></main>")
    doc = parse_document(_write(tmp_path, "site.html", page))
    assert doc.title == "Release planning"
    assert [s.title for s in doc.sections] == ["Health"]


def test_pdf_one_page_footer_and_a_box_drawn_as_a_path(tmp_path):
    from fpdf import FPDF

    class Doc(FPDF):
        def footer(self):
            self.set_y(-12)
            self.set_font("Helvetica", size=8)
            self.cell(0, 6, f"A short review | Page {self.page_no()} of 1", align="C")

    pdf = Doc()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 10, "A short review", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 8, "Findings", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 5, "Most plans were written with the person, and most were reviewed on time.",
                   new_x="LMARGIN", new_y="NEXT")
    top = pdf.get_y() + 3
    left, right = pdf.l_margin, pdf.w - pdf.r_margin
    pdf.polygon([(left, top), (right, top), (right, top + 32), (left, top + 32)], style="D")
    pdf.set_xy(left + 3, top + 3)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 5, "A plan written at the kitchen table", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    for line in ("Ruth, a 44-year-old woman, was on licence and could not travel to the office.",
                 "Outcome: Ruth kept to her plan for the whole licence."):
        pdf.set_x(left + 3)
        pdf.multi_cell(right - left - 6, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(top + 36)
    pdf.multi_cell(0, 5, "After the box the findings carry on about reviews in general.", new_x="LMARGIN",
                   new_y="NEXT")
    doc = parse_document(_write(tmp_path, "review.pdf", bytes(pdf.output())))
    [example] = doc.examples
    assert (example.title, example.section, example.person.name) == (
        "A plan written at the kitchen table", "Findings", "Ruth")
    assert "After the box" not in example.text
    assert "page header" in doc.accounting["dropped"]
    assert not any("Page 1 of 1" in s.text for s in doc.sections)
