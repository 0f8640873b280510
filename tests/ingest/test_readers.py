"""Each reader produces the same block stream: headings with levels, paragraphs, items, tables, furniture."""

from __future__ import annotations

from pathlib import Path

from assistant.ingest.blocks import FURNITURE, HEADING, ITEM, PARA, TABLE
from assistant.ingest.readers import read_blocks

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "publications"


def _blocks(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_blocks(path, path.read_bytes()).blocks


def test_markdown_setext_and_atx_headings_wrapped_lines_lists_and_tables(tmp_path):
    blocks = _blocks(tmp_path, "g.md", (
        "Guide title\n===========\n\nIntroduction\n------------\n\nThe first paragraph is wrapped\nacross two lines.\n\n"
        "### A chapter\n\n- an item that wraps\n  onto a second line\n    - a nested item\n- [a link](http://x) item\n\n"
        "| Prison | Cases |\n|---|---|\n| Northgate | 24 |\n\n---\n\n[Back to homepage](/)\n"))
    content = [(b.kind, b.text, b.level) for b in blocks]
    assert content == [
        (HEADING, "Guide title", 1), (HEADING, "Introduction", 2),
        (PARA, "The first paragraph is wrapped across two lines.", 0), (HEADING, "A chapter", 3),
        (ITEM, "an item that wraps onto a second line", 1), (ITEM, "a nested item", 3), (ITEM, "a link item", 1),
        (TABLE, "Prison | Cases\nNorthgate | 24", 0), (FURNITURE, "Back to homepage", 0)]


def test_hard_wrapped_plain_text_is_joined_back_into_paragraphs(tmp_path):
    line = "This paragraph was copied from a PDF and wrapped at a fixed width of"
    text = "\n".join([line, "about seventy characters, so each line stops near the same place and", "the next "
                      "carries on.", "", "Outcome: it is one paragraph again, as it was in the original document.",
                      "", "  • A list item stays a list item even in a wrapped file like this one."] * 3)
    blocks = _blocks(tmp_path, "w.txt", text)
    assert blocks[0].text.startswith(line) and blocks[0].text.endswith("the next carries on.")
    assert [b.kind for b in blocks[:3]] == [PARA, PARA, ITEM]


def test_html_keeps_tables_and_marks_navigation_and_contents(tmp_path):
    blocks = _blocks(tmp_path, "p.html", (
        "<html><body><header>Site name</header><main><h1>Title</h1>"
        "<ul><li><a href='#a'>Chapter one</a></li><li><a href='#b'>Chapter two</a></li></ul>"
        "<h2>Numbers</h2><table><tr><th>Region</th><th>Cases</th></tr><tr><td><p>North</p></td><td>292</td></tr>"
        "</table><p><a href='/'>Back to homepage</a></p><p><a href='#b'>Next chapter: Planning</a></p></main>"
        "<footer>Cookies</footer></body></html>"))
    assert [(b.kind, b.role) for b in blocks if b.kind == FURNITURE] == [
        (FURNITURE, "navigation"), (FURNITURE, "contents"), (FURNITURE, "contents"), (FURNITURE, "navigation"),
        (FURNITURE, "navigation"), (FURNITURE, "navigation")]
    [table] = [b for b in blocks if b.kind == TABLE]
    assert table.rows == (("Region", "Cases"), ("North", "292"))


def test_pdf_report_furniture_contents_numbered_headings_and_table_numbers():
    path = FIXTURES / "thematic-resettlement-2025.pdf"
    blocks = read_blocks(path, path.read_bytes()).blocks
    furniture = [b for b in blocks if b.kind == FURNITURE]
    assert any(b.role == "page header" and "Thematic inspection of resettlement 2025" in b.text for b in furniture)
    assert any(b.role == "page number" for b in furniture)
    assert sum(1 for b in furniture if b.role == "contents") >= 5
    content = " ".join(b.text for b in blocks if b.kind != FURNITURE)
    assert "Page " not in content and "....." not in content
    headings = [b.text for b in blocks if b.kind == HEADING]
    assert "3. The day of release" in headings and "Annex A: Glossary" in headings
    [table] = [b for b in blocks if b.kind == TABLE]
    assert ("Northgate", "24", "15", "63%") in table.rows and ("Hillview", "20", "16", "80%") in table.rows


def test_pdf_wrapped_example_titles_are_joined():
    path = FIXTURES / "guide-trauma-practice-examples-2024.pdf"
    blocks = read_blocks(path, path.read_bytes()).blocks
    assert any(b.kind == HEADING and b.text.startswith("Practice example 1: Choosing a quieter room")
               and b.text.endswith("found crowded waiting areas frightening") for b in blocks)


def test_docx_heading_styles_lists_and_tables():
    path = FIXTURES / "guide-community-orders-2024.docx"
    blocks = read_blocks(path, path.read_bytes()).blocks
    assert (blocks[0].kind, blocks[0].level) == (HEADING, 1)
    assert ("Induction", 2) in [(b.text, b.level) for b in blocks if b.kind == HEADING]
    assert any(b.kind == ITEM and b.text == "Fit the induction around the person's work." for b in blocks)
    assert any(b.kind == TABLE and ("Induction", "2") in b.rows for b in blocks)
