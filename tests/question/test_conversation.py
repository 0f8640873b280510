"""Where a question stands in its conversation: a new person is never a follow-up, a real follow-up is one.

The suggested questions are the app's own (they are short and generic); every other question is mine,
about invented people.
"""

from __future__ import annotations

import pytest

from assistant.question.conversation import read_context
from assistant.web.chat import STARTERS


def history(*questions: str) -> list[dict[str, object]]:
    turns: list[dict[str, object]] = []
    for question in questions:
        turns += [{"role": "user", "content": question}, {"role": "assistant", "content": "An answer.", "cited": []}]
    return turns


def follows_on(question: str, *before: str) -> bool:
    context = read_context(question, history(*before), {})
    return context.carried is not None and not context.new_case


ANOTHER_PERSON = [
    "my client's 44, on licence after a robbery, living in a hostel and drinking again - what should I focus on?",
    "he's 19, on a YRO that's just turned into a community order, and he's been excluded from college",
    "She's 31, on a suspended sentence with a curfew and a RAR, and she's just lost her flat",
    "Man in his sixties on a community order for harassment, with early dementia signs and no family nearby",
    "psychosis, on licence in approved premises, not taking his meds and missing curfew",
    "My client is 23, on an SSO with unpaid work and an ATR for drink driving - how do I fit it round his job?",
    "Care leaver, 20, on a community order with a RAR, sofa surfing and using cannabis every day",
    "they're 35, on licence with an exclusion zone, and their ex has a restraining order against them",
]


@pytest.mark.parametrize("starter", STARTERS)
@pytest.mark.parametrize("question", ANOTHER_PERSON)
def test_a_different_person_after_a_suggested_question_is_never_a_follow_up(starter, question):
    assert not follows_on(question, starter)


@pytest.mark.parametrize("question, before", [
    ("what did they do about her housing?", "She's pregnant and has unpaid work hours to do"),
    ("and the drinking?", "Ex-forces lad with PTSD who drinks heavily"),
    ("how did the PP get him to open up?", "My client has ADHD and keeps missing appointments"),
    ("Same lad - he's just got a new girlfriend and there's DA in his past. How often should I see him?",
     "He's on a tag after prison and using drugs again - what helped in similar cases?"),
    ("He's also started drinking again and missed two appointments - what now?",
     "My client has ADHD and keeps missing appointments"),
    ("what if she's under 25?", "She's pregnant and has unpaid work hours to do"),
    ("and if he won't engage?", "Man on licence with psychosis released straight from court"),
    # more about the same person: new needs, or one new fact, add to the case
    ("She's drinking and self-harming - what did the PP do?", "Woman on licence, homeless, in a hostel"),
    ("when he's released on licence, what should the plan look like?", "19 year old lad in custody with ADHD"),
    ("He's 45 - does that change anything?", "Veteran on a suspended sentence with an ATR"),
])
def test_a_real_follow_up_still_follows_on(question, before):
    assert follows_on(question, before)


def test_a_new_case_after_a_case_then_its_own_follow_up():
    first = "He's on a tag after prison and using drugs again - what helped in similar cases?"
    second = "My client's 41, on an SSO with BBR after DA against his partner, and he's got a new girlfriend"
    assert not follows_on(second, first)
    third = "How was the new girlfriend told, and who else did the PP bring in?"
    context = read_context(third, history(first, second), {})
    assert context.carried is not None and context.carried.question == second and context.case_question == second
    # each ask is searched with the case it follows on from
    assert context.asks == (f"{second} How was the new girlfriend told?", f"{second} Who else did the PP bring in?")


def test_a_single_ask_has_no_separate_asks():
    assert read_context("and the drinking?", history("Ex-forces lad with PTSD who drinks heavily"), {}).asks == ()
    alone = read_context("Woman on a CO, pregnant - what hours did she do, and can she pause the order?", None, {})
    assert alone.asks == ("Woman on a CO, pregnant - what hours did she do?", "Woman on a CO, pregnant - can she pause the order?")
