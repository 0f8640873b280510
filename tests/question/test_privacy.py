"""Redaction: every kind of case detail, in upper and lower case, and names introduced the way practitioners do.

The table (tests/question/personal_data.py) is the contract: none of its personal fragments survives
redaction, and everyday questions come through untouched. tests/slow/test_personal_data.py drives the
same table through every entry point and store.
"""

from __future__ import annotations

import json

import pytest

from conftest import ROOT
from personal_data import NOTHING_PERSONAL, PERSONAL_DATA

from assistant.question.privacy import redact


def test_the_table_is_large_enough():
    assert len(PERSONAL_DATA) >= 80
    assert sum(len(secrets) for _, secrets in PERSONAL_DATA) >= 100


@pytest.mark.parametrize("text, secrets", PERSONAL_DATA, ids=[t[:40] for t, _ in PERSONAL_DATA])
def test_no_personal_fragment_survives_redaction(text, secrets):
    redaction = redact(text)
    left = [s for s in secrets if s.lower() in redaction.text.lower()]
    assert left == [], f"{text!r} became {redaction.text!r}"
    assert redaction.found and redaction.warning


@pytest.mark.parametrize("text", NOTHING_PERSONAL)
def test_everyday_questions_are_left_alone(text):
    assert redact(text).text == text and redact(text).found == ()


@pytest.mark.parametrize("text, kind, placeholder", [
    ("crn x654321", "CRN", "[CRN]"),
    ("dob: 1986-07-14", "date of birth", "[DATE OF BIRTH]"),
    ("jay.bloggs82@gmail.com", "e-mail address", "[EMAIL]"),
    ("ni no ab123456d", "NI number", "[NI NUMBER]"),
    ("ls6 2ab", "postcode", "[POSTCODE]"),
    ("27 quarrington avenue", "address", "[ADDRESS]"),
    ("+48 601 234 567", "phone number", "[PHONE]"),
    ("my client jayden", "name", "[NAME]"),
])
def test_each_kind_is_named_and_replaced_by_its_placeholder(text, kind, placeholder):
    redaction = redact(text)
    assert kind in redaction.found and placeholder in redaction.text


@pytest.mark.parametrize("text, expected", [
    ("my client jayden keeps missing appointments", "my client [NAME] keeps missing appointments"),
    ("my client, kacper, doesn't speak much English", "my client, [NAME], doesn't speak much English"),
    ("he's called kyle and won't engage", "he's called [NAME] and won't engage"),
    ("my client tyrone okafor has ADHD", "my client [NAME] has ADHD"),
    ("mrs jones has a new partner", "mrs [NAME] has a new partner"),
    ("My manager wants the contact numbers up", "My manager wants the contact numbers up"),
    ("my client relapsed and overdosed", "my client relapsed and overdosed"),
    ("my client dyslexic and homeless", "my client dyslexic and homeless"),
])
def test_names_after_a_cue_keep_the_rest_of_the_question(text, expected):
    assert redact(text).text == expected


def test_no_false_alarm_on_any_question_in_the_evaluation_sets():
    asked = 0
    for path in sorted((ROOT / "evals").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                case = json.loads(line)
            except ValueError:
                continue
            turns = [t.get("content") for t in case.get("history") or [] if isinstance(t, dict)]
            for text in [case.get("question"), *turns]:
                if isinstance(text, str):
                    asked += 1
                    assert redact(text).found == (), f"{path.name}: {text}"
    assert asked > 400
