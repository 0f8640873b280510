"""Splitting a question into its asks, each keeping the case description (invented people, my own words)."""

from __future__ import annotations

import pytest

from assistant.question import read_question
from assistant.question.asks import asks

D = "My client has ADHD and keeps missing appointments - "

SPLIT = [
    # the description kept before each ask
    (D + "how do I keep him engaged, and what can I do about his housing?",
     [D + "how do I keep him engaged?", D + "what can I do about his housing?"]),
    ("Gemma, 27, on a suspended sentence with a drug rehab requirement: how did they keep her on the script, "
     "and who paid for the detox?",
     ["Gemma, 27, on a suspended sentence with a drug rehab requirement: how did they keep her on the script?",
      "Gemma, 27, on a suspended sentence with a drug rehab requirement: who paid for the detox?"]),
    ("Lad on licence in the hostel - what did the key worker do, how often did they meet, and can he move out early?",
     ["Lad on licence in the hostel - what did the key worker do?", "Lad on licence in the hostel - how often did they meet?",
      "Lad on licence in the hostel - can he move out early?"]),
    ("He's 52, ex-army and sleeping in his van. How do I get him housed? And what about his pension?",
     ["He's 52, ex-army and sleeping in his van. How do I get him housed?",
      "He's 52, ex-army and sleeping in his van. What about his pension?"]),
    ("If she won't come to the office, what can I do, and who should I tell?",
     ["If she won't come to the office, what can I do?", "If she won't come to the office, who should I tell?"]),
    ("Veteran who drinks and has nightmares - which charities helped, and was his GP involved?",
     ["Veteran who drinks and has nightmares - which charities helped?",
      "Veteran who drinks and has nightmares - was his GP involved?"]),
    # no description: each ask stands as asked
    ("How many people were on the forum, and when did it start?",
     ["How many people were on the forum?", "When did it start?"]),
    ("At what point was the SPO told, and what did she decide?",
     ["At what point was the SPO told?", "What did she decide?"]),
    ("How was the victim kept informed, and who wrote the safety plan?",
     ["How was the victim kept informed?", "Who wrote the safety plan?"]),
    ("What training did staff get on trauma, and does it count towards their PQiP?",
     ["What training did staff get on trauma?", "Does it count towards their PQiP?"]),
    ("Tell me about the peer mentor scheme, and how long did people stay on it?",
     ["Tell me about the peer mentor scheme?", "How long did people stay on it?"]),
    ("Which agencies were at the meeting and what did each of them agree to do?",
     ["Which agencies were at the meeting?", "What did each of them agree to do?"]),
    ("How did the PP explain the licence conditions? What happened when he broke one?",
     ["How did the PP explain the licence conditions?", "What happened when he broke one?"]),
    ("Woman on a CO, pregnant, doing unpaid work - what hours did she do, how was the placement chosen, and can "
     "she pause the order after the birth?",
     ["Woman on a CO, pregnant, doing unpaid work - what hours did she do?",
      "Woman on a CO, pregnant, doing unpaid work - how was the placement chosen?",
      "Woman on a CO, pregnant, doing unpaid work - can she pause the order after the birth?"]),
]

ONE_ASK = [
    "My client has ADHD and keeps missing appointments",
    "What can I do about his drink and drugs?",
    "How did they support him with housing and employment?",
    "Any examples of work with care leavers who are parents?",
    "He's on a tag after prison and using again - what helped in similar cases?",
    "How do I support him with what he has been through and what he wants next?",
    "I don't know what he needs and what the court expects",
    "What worked and why?",
    "How did the PP help him cope and how to plan his week?",
    "A man, who is 40 and on licence, keeps drinking - what helps?",
    "Young woman in a refuge, which she found herself, first offence - how do I cover maturity in the PSR?",
    "Did a home visit and the house was freezing, and he has no gas. What do I do?",
    "How do I work with someone who drinks and who won't talk about it?",
    "Same lad - where he lives and who he sees are both a worry. How often should I see him?",
    "Separate question - how many cases did the inspectors review in the North East?",
    "What if she's under 25?",
    "and the drinking?",
    "Can you tell me what worked with the veteran and how long the support lasted?",
]


@pytest.mark.parametrize("question, expected", SPLIT)
def test_a_question_with_several_asks_is_split_keeping_its_description(question, expected):
    assert asks(question) == expected


@pytest.mark.parametrize("question", ONE_ASK)
def test_a_single_ask_is_never_split(question):
    assert asks(question) == [question]


def test_the_question_reading_carries_its_asks():
    read = read_question(D + "how do I keep him engaged, and what can I do about his housing?")
    assert read.asks == (D + "how do I keep him engaged?", D + "what can I do about his housing?")
    assert read_question("What can I do about his drink and drugs?").asks == ("What can I do about his drink and drugs?",)


@pytest.mark.parametrize("ask, concept, expected", [
    ("What do I do if he fails the test?", "polygraph testing", True),  # the test: testing
    ("Should the PSR mention it?", "mother and baby unit", True),  # a pronoun points back
    ("Who else should know about this?", "forced marriage protection order", True),
    ("What can I do about his housing?", "ADHD coach", False),
    ("How do I support him on licence?", "sex offender's licence", False),  # no definite noun, no pronoun
])
def test_a_later_ask_that_leans_on_an_earlier_concept(ask, concept, expected):
    from assistant.question.asks import refers_back

    assert refers_back(ask, concept) is expected
