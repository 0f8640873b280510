"""The seed spotlight parses into its real structure; other formats are never dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import CorpusError
from assistant.vocab.tags import tag_needs, tag_sentence
from assistant.ingest import load_corpus, parse_document

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "corpus" / "documents" / "effective-practice-spotlight-north-east-2025.txt"

# (title, section, person (name, age, gender) or None, start of the outcome or None), in order
EXPECTED = [
    ("Back-to-Basics strategy", "Organisational arrangements and activity", None, None),
    ("Effective practice strategy", "Organisational arrangements and activity", None, None),
    ("Engaging people on probation", "Organisational arrangements and activity", None, None),
    ("Use of maturity screening tool at pre-sentence report (PSR) stage", "Court work", ("June", 24, "female"),
     "Custody was considered, but the court was informed by the PSR"),
    ("Public protection through effective (PSR)", "Court work", ("Gary", 22, "male"),
     "The PSR was key in shaping the court’s understanding of Gary’s risks"),
    ("Addressing substance misuse and reoffending through integrated support", "The ASPIRE model of case supervision",
     ("John", 48, "male"), "The coordinated, responsive approach ensured that John’s resettlement needs"),
    ("Collaborative assessment and planning promoting engagement", "The ASPIRE model of case supervision",
     ("Sam", 22, "male"), "The PP built a strong working relationship with Sam"),
    ("Professional curiosity in assessment and planning", "Professional curiosity", ("Vicky", 25, "female"),
     "The PP demonstrated strong professional curiosity, taking a holistic approach"),
    ("Professional curiosity and cultural responsivity in practice", "Professional curiosity", ("Kai", 33, "male"),
     "The PP took a responsive, culturally informed, and tailored approach"),
    ("Professional curiosity, proactive engagement, and tailored support", "Professional curiosity",
     ("Gordon", 53, "male"), "Gordon reported abstinence and engaged well with alcohol services"),
    ("Coordinated communication to support transition to the community", "Resettlement", ("Oscar", 27, "male"),
     "Despite an unplanned release and initial non-compliance"),
    ("Pre-release communication and planning to support engagement post-release", "Resettlement",
     ("Karl", 29, "male"), "This committed approach encouraged positive engagement with the AP"),
    ("Effective risk management and disclosure", "Public protection", ("Riley", 39, "male"),
     "The PP’s proactive and transparent approach to safeguarding"),
    ("Risk management despite non-engagement", "Public protection", ("Daniel", 33, "male"),
     "This case highlighted how persistent, coordinated multi-agency working"),
    ("Managing risk through multi-agency support", "Multi-agency working", ("Julie", 23, "female"),
     "A coordinated, multi-agency approach enabled timely information sharing"),
    ("Multi-agency information sharing and joint working", "Multi-agency working", ("Tom", 39, "male"),
     "Key risks were comprehensively assessed with partner agency input"),
    ("Strengths-based and responsive case management", "Engagement and responsivity", ("Paul", 31, "male"),
     "Responsivity and flexibility were demonstrated while maintaining clear boundaries"),
    ("Tailored maturity intervention for a young adult, promoting engagement and insight",
     "Accredited programmes and toolkits", ("Stephen", 19, "male"),
     "Engagement increased over time, with tailored and responsive approaches"),
    ("Effective practice to achieve programme delivery", "Accredited programmes and toolkits", ("Gary", 24, "male"),
     "Gary was restarted on a new group, achieving successful and timely completion"),
    ("Effective victim work in a high-risk DA case", "Statutory victim work", (None, 28, "male"),
     "This case demonstrated strong victim engagement"),
    ("Effective, safe, and tailored delivery of UPW for a pregnant woman", "Unpaid work", ("Emily", 28, "female"),
     "Emily completed her UPW hours promptly"),
]


@pytest.fixture(scope="module")
def seed():
    return parse_document(SEED)


def test_seed_has_21_examples_3_organisational_and_18_cases(seed):
    kinds = [e.kind for e in seed.examples]
    assert len(seed.examples) == 21
    assert kinds.count("organisational") == 3
    assert kinds.count("case") == 18
    named = [e for e in seed.examples if e.person and e.person.name]
    assert len(named) == 17
    assert sorted(e.person.age for e in named if e.person.name == "Gary") == [22, 24]
    assert seed.warnings == []


@pytest.mark.parametrize("index", range(len(EXPECTED)))
def test_every_example_matches_the_seed(seed, index):
    title, section, person, outcome = EXPECTED[index]
    example = seed.examples[index]
    assert example.title == title
    assert example.section == section
    if person is None:
        assert example.person is None and example.kind == "organisational"
    else:
        assert (example.person.name, example.person.age, example.person.gender) == person
        assert example.kind == "case"
    # verbatim apart from runs of whitespace, which the parser collapses
    seed_lines = {" ".join(line.split()) for line in SEED.read_text(encoding="utf-8").splitlines()}
    if outcome is None:
        assert example.outcome is None
    else:
        assert example.outcome.startswith(outcome)
        # the whole outcome, verbatim, is the seed's "Outcome:" line or its closing "This case demonstrated…" bullet
        assert any(line.startswith("Outcome:") and line[len("Outcome:"):].strip() == example.outcome
                   for line in seed_lines) or f"• {example.outcome}" in seed_lines
    assert example.id.startswith("ne-2025:") and example.url.startswith("https://hmiprobation")


def test_example_ids_are_unique_and_stable(seed):
    ids = [e.id for e in seed.examples]
    assert len(set(ids)) == len(ids)
    assert ids == [e.id for e in parse_document(SEED).examples]
    assert "ne-2025:public-protection-through-effective-psr" in ids


def test_the_victim_case_closing_bullet_is_its_outcome_not_a_point(seed):
    """Issue 17 item 5: a closing "This case demonstrated…" bullet under a sub-heading is the outcome."""
    victim = next(e for e in seed.examples if e.title == "Effective victim work in a high-risk DA case")
    assert victim.outcome.startswith("This case demonstrated strong victim engagement")
    assert [g.heading for g in victim.groups] == ["Victim liaison and support", "Multi-agency coordination"]
    assert len(victim.groups[1].points) == 3 and not any("This case demonstrated" in p for p in victim.groups[1].points)
    assert victim.text.rstrip().endswith("Outcome: " + victim.outcome)
    others = [e.outcome for e in seed.examples if e is not victim]
    assert sum(o is None for o in others) == 3  # only the three organisational examples are without one


def test_practice_point_groups_and_text(seed):
    june = seed.examples[3]
    assert [g.heading for g in june.groups] == ["Consideration of maturity and vulnerability"]
    assert len(june.groups[0].points) == 4
    paul = next(e for e in seed.examples if e.person and e.person.name == "Paul")
    assert [g.heading for g in paul.groups] == [
        "Engagement in assessment", "Responsive practice", "Multi-source information gathering",
        "Needs-led planning", "Maintaining boundaries", "Risk management and oversight"]
    assert "Regular text reminders were used to support disclosed memory difficulties and ADHD" in paul.text
    stephen = next(e for e in seed.examples if e.person and e.person.name == "Stephen")
    assert [g.heading for g in stephen.groups] == ["Effective intervention approach", "Ongoing review"]
    strategy = seed.examples[1]
    assert "Training and impact" in [g.heading for g in strategy.groups]


def test_sentence_needs_and_standards_tags(seed):
    by_name = {e.person.name: e for e in seed.examples if e.person and e.person.name and e.person.name != "Gary"}
    assert {"community order", "unpaid work"} <= set(by_name["Emily"].sentence)
    assert "pregnancy" in by_name["Emily"].needs
    assert {"MAPPA", "approved premises", "Thinking Skills Programme", "licence"} <= set(by_name["Kai"].sentence)
    assert "culture and faith" in by_name["Kai"].needs
    assert "veterans" in by_name["Tom"].needs and "ATR" in by_name["Tom"].sentence
    assert "home detention curfew" in by_name["Vicky"].sentence
    assert {"suspended sentence order", "AAMR", "RAR", "accredited programme"} <= set(by_name["Sam"].sentence)
    assert "ADHD and neurodiversity" in by_name["Sam"].needs
    assert "2.4 Reviewing" in by_name["John"].standards
    assert seed.examples[0].standards and all(s.startswith("1.") for s in seed.examples[0].standards)


def test_negated_mentions_do_not_tag():
    assert tag_needs("She had no antecedent history, and there were no DA or safeguarding concerns.") == ()
    assert tag_needs("a history of DA in his relationships") == ("domestic abuse",)
    assert tag_sentence("He received an SSO with RAR days.") == ("suspended sentence order", "RAR")


def test_non_example_sections_become_section_units(seed):
    titles = [s.title for s in seed.sections]
    for expected in ("Effective practice methodology", "North East effective practice summary", "Our standards",
                     "The ASPIRE model of case supervision", "Professional curiosity",
                     "References and acknowledgement"):
        assert expected in titles
    licence_boilerplate = [s for s in seed.sections if "Information Policy Team" in s.text]
    assert licence_boilerplate == []


def test_whole_corpus_includes_the_standards_document():
    docs = load_corpus(ROOT / "corpus")
    standards = next(d for d in docs if d.id == "standards")
    assert not standards.examples
    assert any(s.title == "Standard 2.1 Assessment" for s in standards.sections)


def test_markdown_without_examples_is_kept_with_a_warning(tmp_path):
    doc = tmp_path / "notes.md"
    doc.write_text("# Team notes\n\n## Home visits\n\nPlan each visit with your SPO.\n\n"
                   "## Induction\n\n- Explain the licence conditions\n- Agree contact times\n", encoding="utf-8")
    parsed = parse_document(doc)
    assert parsed.examples == []
    assert [s.title for s in parsed.sections] == ["Home visits", "Induction"]
    assert "• Explain the licence conditions" in parsed.sections[1].text
    assert len(parsed.warnings) == 1 and "no case examples recognised" in parsed.warnings[0]


def test_older_case_summary_blocks_become_examples(tmp_path):
    doc = tmp_path / "em-guide.md"
    doc.write_text(
        "# Electronic monitoring guide\n\n## Curfews\n\nIntroductory text about curfews.\n\n"
        "### Case summary: curfew breaches\n\nDan, a 30-year-old man, was tagged on HDC.\n\n"
        "#### Inspector's comments\n\n- The PP checked the monitoring data weekly.\n\n"
        "#### Take-away learning\n\n- Read the curfew data before each appointment.\n\n"
        "## Another topic\n\nMore text.\n", encoding="utf-8")
    parsed = parse_document(doc)
    assert len(parsed.examples) == 1
    example = parsed.examples[0]
    assert example.title == "curfew breaches" and example.section == "Curfews"
    assert example.person.name == "Dan" and example.person.age == 30
    assert [g.heading for g in example.groups] == ["Inspector's comments", "Take-away learning"]
    assert "home detention curfew" in example.sentence
    assert [s.title for s in parsed.sections] == ["Curfews", "Another topic"]


def test_html_saved_from_the_site(tmp_path):
    doc = tmp_path / "spotlight.html"
    doc.write_text(
        "<html><head><title>x</title><script>var a=1;</script></head><body><nav>Menu</nav><main>"
        "<h1>Effective Practice Spotlight: Somewhere</h1>"
        "<h2>Court work <a href='#top'>(Back to top)</a></h2>"
        "<p><strong>Example of effectiveness: A careful report</strong></p>"
        "<p>Ann, a 31-year-old woman, received a community order with RAR days.</p>"
        "<p>Assessment:</p><ul><li>The PSR used several sources.</li><li>Her voice was captured.</li></ul>"
        "<p>Outcome: The court followed the proposal.</p></main></body></html>", encoding="utf-8")
    parsed = parse_document(doc)
    assert [e.title for e in parsed.examples] == ["A careful report"]
    example = parsed.examples[0]
    assert example.section == "Court work"
    assert example.outcome == "The court followed the proposal."
    assert example.groups[0].points == ("The PSR used several sources.", "Her voice was captured.")
    assert "var a" not in example.text and "Menu" not in example.text


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (b"   \n\n  ", "is empty"),
    (b"\xff\xfe\x00bad bytes\x81", "not UTF-8"),
])
def test_bad_documents_get_a_clear_message(tmp_path, content, message):
    doc = tmp_path / "bad.txt"
    doc.write_bytes(content)
    with pytest.raises(CorpusError, match=message):
        parse_document(doc)


def test_missing_corpus_folder(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "nowhere")


def test_unsupported_type(tmp_path):
    doc = tmp_path / "slides.pptx"
    doc.write_bytes(b"PK")
    with pytest.raises(CorpusError, match="unsupported file type"):
        parse_document(doc)


def _seed_as(kind: str) -> str:
    """The seed re-marked-up as a saved web page or as Markdown, line by line."""
    import html as html_lib
    import re

    out = []
    in_list = False
    for raw in SEED.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        bullet = re.match(r"^(?:•|\d+\.)\s+(.*)$", line)
        if kind == "html" and in_list and not bullet:
            out.append("</ul>")
            in_list = False
        if not line:
            continue
        heading = re.match(r"^(.*?)\s*\(Back to top\)$", line)
        if kind == "html":
            text = html_lib.escape(line)
            if heading:
                out.append(f'<h2 id="s{len(out)}">{html_lib.escape(heading.group(1))} <a href="#top">(Back to top)</a></h2>')
            elif line.startswith("Example of effectiveness:"):
                out.append(f"<h3>{text}</h3>")
            elif bullet:
                if not in_list:
                    out.append("<ul>")
                    in_list = True
                out.append(f"<li>{html_lib.escape(bullet.group(1))}</li>")
            else:
                out.append(f"<p>{text}</p>")
        else:
            if heading:
                out.append(f"\n## {heading.group(1)}\n")
            elif line.startswith("Example of effectiveness:"):
                out.append(f"\n### {line}\n")
            elif bullet:
                out.append(f"- {bullet.group(1)}")
            else:
                out.append(f"\n{line}\n")
    if kind == "html":
        return ("<html><head><script>var x = 1;</script></head><body><nav>Home | Effective practice</nav><main>"
                + "\n".join(out) + "</main><footer>Cookies</footer></body></html>")
    return "# Effective Practice Spotlight: The Probation Service – North East region\n" + "\n".join(out)


@pytest.mark.parametrize("kind, suffix", [("html", ".html"), ("markdown", ".md")])
def test_the_same_examples_from_html_and_markdown(seed, tmp_path, kind, suffix):
    path = tmp_path / f"spotlight{suffix}"
    path.write_text(_seed_as(kind), encoding="utf-8")
    parsed = parse_document(path)
    assert [e.title for e in parsed.examples] == [e.title for e in seed.examples]
    assert [e.section for e in parsed.examples] == [e.section for e in seed.examples]
    assert [e.person for e in parsed.examples] == [e.person for e in seed.examples]
    assert [e.outcome for e in parsed.examples] == [e.outcome for e in seed.examples]
    assert [[g.heading for g in e.groups] for e in parsed.examples] == [[g.heading for g in e.groups] for e in seed.examples]
    assert [s.title for s in parsed.sections] == [s.title for s in seed.sections]
    assert "Cookies" not in " ".join(e.text for e in parsed.examples)


def _make_pdf(pages: list[list[str]]) -> bytes:
    """A minimal PDF (Helvetica, WinAnsi) with one text line per entry: what a guide's PDF holds."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    kids = []
    for lines in pages:
        ops = [b"BT /F1 10 Tf 40 800 Td 14 TL"]
        for line in lines:
            text = line.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
            ops.append(b"(" + text + b") Tj T*")
        ops.append(b"ET")
        stream = b"\n".join(ops)
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content = len(objects)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
                       b"/Contents %d 0 R >>" % content)
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"] /Count %d >>" % len(kids)
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_pdf_guides_are_parsed_into_examples(tmp_path):
    header = "Effective practice guide: electronic monitoring"
    pages = [
        [header, "Curfews (Back to top)", "Electronic monitoring supports many licence conditions and",
         "community requirements across the region.", "Example of effectiveness: Checking curfew data",
         "Dan, a 30-year-old man, was released on home detention curfew after a", "burglary sentence.",
         "Using the monitoring data:", "• The PP read the curfew data before every appointment and",
         "discussed any late returns with Dan.", "• Breaches were raised promptly with the monitoring supplier.", "1"],
        [header, "Outcome: Dan completed his curfew without a recall.", "Take-away learning",
         "• Read the data before you meet.", "2"],
        [header, "References (Back to top)", "HM Inspectorate of Probation (2022).", "3"],
    ]
    path = tmp_path / "em-guide.pdf"
    path.write_bytes(_make_pdf(pages))
    parsed = parse_document(path)
    [example] = parsed.examples
    assert example.title == "Checking curfew data" and example.section == "Curfews"
    assert example.person.name == "Dan" and example.person.age == 30
    assert example.intro == "Dan, a 30-year-old man, was released on home detention curfew after a burglary sentence."
    assert [g.heading for g in example.groups] == ["Using the monitoring data", "Take-away learning"]
    assert example.groups[0].points == (
        "The PP read the curfew data before every appointment and discussed any late returns with Dan.",
        "Breaches were raised promptly with the monitoring supplier.")
    assert example.outcome == "Dan completed his curfew without a recall."
    assert "home detention curfew" in example.sentence
    assert header not in example.text and "\n2\n" not in example.text  # page furniture is dropped
    assert [s.title for s in parsed.sections] == ["Curfews", "References"]


def test_unreadable_pdf(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4 this is not really a pdf")
    with pytest.raises(CorpusError, match="broken.pdf: the PDF cannot be read"):
        parse_document(path)


def test_text_under_the_title_heading_is_kept_as_a_section():
    """An introduction straight under a document's title (no heading of its own) is not dropped."""
    docs = load_corpus(ROOT / "corpus")
    standards = next(d for d in docs if d.id == "standards")
    intro = standards.sections[0]
    assert intro.title == "HM Inspectorate of Probation inspection standards: a practitioner's summary"
    assert intro.text.startswith("This summary is written for the Probation Practice Assistant")
