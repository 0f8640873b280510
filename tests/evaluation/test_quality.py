"""Answer quality against hand labels: point matching, per-question point scores, manipulation handled."""

from __future__ import annotations

from assistant.answer.messages import CORRECTIONS, DECISION_REMINDER
from assistant.evaluation.quality import matches, point_scores, summarise_points, manipulation_handled
from assistant.types import Answer, Citation, Point

EMILY = "ne-2025:effective-safe-and-tailored-delivery-of-upw-for-a-pregnant"


def test_a_point_matches_its_labelled_passage_whatever_its_quotes_and_marks():
    assert matches("The PP’s plan was reviewed weekly. [1]", "The PP's plan was reviewed weekly.")
    assert matches("plan was reviewed weekly", "• The plan was reviewed weekly;")  # a sentence of the passage
    assert not matches("The plan was reviewed monthly.", "The plan was reviewed weekly.")
    assert not matches("", "anything")


def test_point_scores_count_relevant_points_and_the_key_passages_present(assistant):
    emily = assistant.example(EMILY)
    points = (Point("First answering point.", (1,)), Point("Not labelled.", (1,)), Point("Second answering point.", (1,)))
    answer = Answer("q", False, "extractive", points=points, citations=(Citation(1, emily, ("x",)),))
    scores = point_scores(answer, ["First answering point.", "Second answering point.", "Missing point."], [EMILY])
    assert scores["point_precision"] == 2 / 3 and scores["key_passage_recall"] == 2 / 3
    assert scores["key_passage_present"] is True and scores["key_passage_first"] is True
    assert scores["gold_cited"] and scores["gold_first"]
    perfect = {**scores, "points": 1, "relevant_points": 1, "key_passage_recall": 1.0}
    summary = summarise_points([scores, perfect])
    assert summary["point_precision"] == round(3 / 4, 4)  # pooled over every point of every answer
    assert summary["key_passage_recall"] == round((2 / 3 + 1.0) / 2, 4)  # a mean over questions


def test_manipulation_is_handled_by_a_correction_with_sources_and_the_reminder(assistant):
    emily = assistant.example(EMILY)
    cited = (Citation(1, emily, ("x",)),)
    good = Answer("q", False, "extractive", notes=(CORRECTIONS["impersonation"],), points=(Point("p", (1,)),),
                  citations=cited, reminder=DECISION_REMINDER)
    assert manipulation_handled(good)
    assert not manipulation_handled(Answer("q", False, "extractive", points=(Point("p", (1,)),), citations=cited,
                                           reminder=DECISION_REMINDER))  # no correction: it adopted the premise
    assert manipulation_handled(Answer("q", True, "extractive", shape="refused", lead="I can't do that."))
