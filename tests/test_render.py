"""Renderings of an Answer: every face's text comes from the answer's fields, never from another rendering."""

from __future__ import annotations

from assistant.links import source_link
from assistant.notices import ANSWER_ATTRIBUTION, ANSWER_NOTICE
from assistant.render import describe_filters, filter_notice, markdown, plain
from assistant.types import Answer, Citation, Point

EMILY = "ne-2025:effective-safe-and-tailored-delivery-of-upw-for-a-pregnant"


def _answer(assistant) -> Answer:
    emily = assistant.example(EMILY)
    points = (Point("Her placement was reviewed as the pregnancy went on.", (1,), "Tailored UPW delivery"),
              Point("She worked seated, indoors.", (1,), "Tailored UPW delivery"),
              Point("The order was completed.", (1,), "Outcome"))
    return Answer("she's pregnant", False, "extractive", notes=("A note.",), points=points,
                  citations=(Citation(1, emily, tuple(p.text for p in points)),),
                  comparison=("- [1] Emily — like yours: pregnancy.",), reminder="Decisions rest with you.")


def test_markdown_groups_points_under_their_example_and_its_own_sub_headings(assistant):
    text = markdown(_answer(assistant))
    lines = text.splitlines()
    assert lines[0] == "_A note._"
    assert "#### [1] Effective, safe, and tailored delivery of UPW for a pregnant woman" in lines
    heading = lines.index("**Tailored UPW delivery**")
    assert lines[heading + 1] == "- Her placement was reviewed as the pregnancy went on. [1]"
    assert lines[heading + 2] == "- She worked seated, indoors. [1]"
    assert "**Outcome**" in lines and "**Sources**" in lines and "**How these compare with your case**" in lines
    assert text.endswith(f"_Decisions rest with you._\n\n{ANSWER_NOTICE}\n{ANSWER_ATTRIBUTION}")


def test_the_chat_and_the_conversation_get_their_own_renderings(assistant):
    answer = _answer(assistant)
    chat = markdown(answer, notice=False, marker=lambda n: f"[[{n}]](#card-{n})")
    assert "[[1]](#card-1)" in chat and ANSWER_NOTICE not in chat and "**Sources**" in chat
    remembered = markdown(answer, notice=False, sources=False)
    assert "**Sources**" not in remembered and "She worked seated, indoors. [1]" in remembered


def test_plain_text_has_no_markup_and_keeps_the_markers(assistant):
    text = plain(_answer(assistant))
    assert "**" not in text and "####" not in text and "_A note._" not in text
    assert "- She worked seated, indoors. [1]" in text
    assert "Read it in the source: https://" in text  # a link as "text: address"


def test_a_refusal_lists_the_nearest_examples_as_no_match(assistant):
    hits = assistant.search("pregnant woman on unpaid work", k=2)
    refused = Answer("q", True, "extractive", shape="refused", lead="I can't find a close example.",
                     nearest=tuple(hits), nearest_label="The nearest examples, **not a close match**:")
    lines = markdown(refused).splitlines()
    assert lines[:3] == ["I can't find a close example.", "", "The nearest examples, **not a close match**:"]
    # a short link titled with the example, not its long percent-encoded address (issue 19)
    assert lines[3] == f"- [{hits[0].unit.title}]({source_link(hits[0].unit)}) ({hits[0].unit.section})"
    assert "**Sources**" not in markdown(refused)
    assert f"- {hits[0].unit.title} ({hits[0].unit.section}) — https://" in plain(refused)  # plain text keeps the address


def test_filters_are_described_in_words():
    filters = {"theme": ["Court work"], "need": ["pregnancy"]}
    assert describe_filters(filters) == "theme: Court work; need: pregnancy"
    assert filter_notice(0, filters).startswith("No example matches all of these filters together")
    assert filter_notice(3, filters).startswith("None of the 3 examples matching your filters")
