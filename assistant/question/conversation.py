"""Conversations: whether a question follows on from the last one, and what it carries forward.

A follow-up ("how did the PP handle his exclusion zone?", or a long one that never restates
the topic) carries the conversation's topic and the examples the previous answer cited,
whatever its length. A new case resets: a question that describes another person ("I've got
another one: he's 40 and…"), or states facets that contradict the case so far (a man after a
woman, 45 after 19), starts afresh. A question that neither leans on the conversation nor is
short stands alone (a switch to a general topic).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from assistant.question.asks import asks, case_description
from assistant.question.facets import QueryFacets, read_facets
from assistant.question.intent import Intent, read_intent
from assistant.question.phrases import compiled, normalised, requests_vocabulary
from assistant.types import Carried

FOLLOW_UP_BOOST = 0.12  # added to the fused score of each example the previous answer cited
MAX_TURNS = 12  # user turns looked back over

_FOLLOW_UP_START = re.compile(r"^\s*(?:and|but|so|then|also|what if|what about|how about|and if|or|ok|okay|what else|"
                              r"anything else|any other|why|how come|is that|was that|did (?:they|the|he|she))\b", re.I)
_BACK_REFERENCE = re.compile(
    r"\b(?:he|she|they|him|her|his|hers|them|their|theirs|himself|herself|it|its|this|that|these|those|the same|there|"
    r"then|also|else|instead|as well|either|the pp|the practitioner|the probation officer|the officer|the case|the example|"
    r"this case|that case|this one|that one|the person|the client|the man|the woman|the lad|the report|the plan|"
    r"the court|the victim|the partner)\b", re.I)
_NEW_CASE = re.compile(
    r"\b(?:another|a new|a different|a second|different|new|other|next)\s+(?:client|case|one|person|lad|man|woman|guy|bloke|"
    r"girl|lady|young|offender|individual|referral|PSR|report|person on probation)\b"
    r"|\b(?:i(?:'ve| have)|we(?:'ve| have))\s+(?:got\s+)?(?:a|an)\s+(?:\d{2}|young|new|older|client|lad|man|woman|guy|bloke|girl|lady)\b"
    r"|\b(?:separate|unrelated) (?:case|question|matter)\b|\bmoving on\b|\bchanging the subject\b",
    re.I)
_SAME_PERSON = re.compile(r"^\W*(?:(?:the\s+)?same|this|that)\s+(?:lad|guy|client|man|woman|person|one|bloke|girl|lady|case|fella|"
                          r"individual|offender|young (?:man|woman|person))\b", re.I)
_BACK_TO = re.compile(r"\bback to (?:my|the|our|that|this)\s+(?:\w+\s+)?(?:client|case|lad|guy|man|woman|person|one|bloke|girl|"
                      r"lady|fella)\b|\bback to (?:him|her)\b|\breturning to (?:my|the) (?:client|case)\b", re.I)
_TOPIC_SWITCH = re.compile(r"^\W*(?:separate question|different (?:topic|question|subject)|new topic|switching (?:topics?|subjects?)|"
                           r"(?:quick|a quick|just a quick) (?:aside|question)|unrelated(?: question)?|on another note|"
                           r"changing the subject|moving on|another question|general question|off topic|by the way)\b", re.I)
_CUE_PREFIX = re.compile(r"^[^-–—:;,?!.]{0,60}?\b(?:same|back to|separate question|different|new topic|switching|aside|unrelated|"
                         r"another note|changing the subject|moving on|another question|general question|by the way)\b"
                         r"[^-–—:;,?!.]{0,40}[-–—:;,]\s*", re.I)
_PERSON_NOUN = re.compile(r"\b(?:\d{2}[- ]?(?:year[- ]old|yo)|aged \d{2}|man|woman|lad|girl|boy|bloke|guy|lady|male|female)\b", re.I)
_SHORT = 8  # words: a question this short leans on the conversation


@dataclass(frozen=True)
class Context:
    """How a question stands in its conversation."""

    standalone: str  # what to search
    carried: Carried | None = None  # what it carried forward (None when it stands alone)
    boost: Mapping[str, float] = field(default_factory=dict)  # unit id -> bonus for retrieval
    new_case: bool = False  # it described another person, so nothing carried over
    case_question: str = ""  # the question that opened the current case (itself, when it stands alone)
    about: str = ""  # the text the person's facets are read from, when it differs from `standalone`
    asks: tuple[str, ...] = ()  # what to search for each ask of a multi-part question (empty for a single ask)

    @property
    def facet_text(self) -> str:
        return self.about or self.standalone


def user_turns(history: Sequence[Mapping[str, object]] | None) -> list[tuple[str, tuple[str, ...], str]]:
    """(user question, ids the answer after it cited, that answer's text), oldest first."""
    turns = list(history or [])[-2 * MAX_TURNS:]
    found: list[tuple[str, tuple[str, ...], str]] = []
    for i, turn in enumerate(turns):
        if turn.get("role") != "user" or not str(turn.get("content") or "").strip():
            continue
        reply = turns[i + 1] if i + 1 < len(turns) and turns[i + 1].get("role") == "assistant" else {}
        cited = tuple(str(x) for x in (reply.get("cited") or []) if isinstance(x, str))
        found.append((str(turn["content"]).strip(), cited, str(reply.get("content") or "")))
    return found


def cited_in(reply: str, cited: tuple[str, ...], titles: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The examples an earlier answer cited: the ids it names, or the titles that appear in its text."""
    if cited:
        return tuple((i, titles.get(i, i)) for i in cited if i in titles)
    found = [(unit_id, title) for unit_id, title in titles.items() if len(title) >= 12 and title in reply]
    found.sort(key=lambda item: reply.index(item[1]))
    return tuple(found[:3])


def read_context(question: str, history: Sequence[Mapping[str, object]] | None, titles: Mapping[str, str],
                 max_chars: int = 2000, intent: Intent | None = None) -> Context:
    """How `question` follows from `history`: the standalone query, what it carries, or a reset.

    `intent` is the question's, when the caller has read it already.
    """
    turns = user_turns(history)
    if not turns:
        return Context(question, case_question=question, asks=_asks_of(question, [], max_chars))
    asked = strip_cue(question)
    if _TOPIC_SWITCH.search(question):
        return Context(asked, new_case=True, case_question=asked, asks=_asks_of(asked, [], max_chars))
    previous_question, cited, reply = turns[-1]
    earlier = _context_of(turns[:-1], previous_question, titles, max_chars)
    if _BACK_TO.search(question):
        case = _last_case(turns, titles, max_chars)
        if case is not None:
            case_question, examples = case
            standalone = f"{case_question} {asked}"[-max_chars:]
            return Context(standalone, Carried(case_question, examples), {i: FOLLOW_UP_BOOST for i, _ in examples},
                           case_question=case_question, asks=_asks_of(asked, [case_question], max_chars))
    if _SAME_PERSON.search(question):
        # the same person, another matter: carry who they are (their facets), not the last topic
        case_question = earlier.case_question or previous_question
        return Context(asked, Carried(case_question), {}, case_question=case_question,
                       about=f"{earlier.facet_text} {asked}"[-max_chars:], asks=_asks_of(asked, [], max_chars))
    if _starts_new_case(question, earlier.standalone):
        return Context(asked, new_case=True, case_question=asked, asks=_asks_of(asked, [], max_chars))
    words = question.split()
    short = len(words) <= _SHORT and not (intent or read_intent(question)).definition
    leans = short or _FOLLOW_UP_START.search(question) or _BACK_REFERENCE.search(question)
    if not leans:
        return Context(question, case_question=question, asks=_asks_of(question, [], max_chars))
    examples = cited_in(reply, cited, titles)
    case_question = earlier.case_question or previous_question
    parts = [case_question] if case_question == previous_question else [case_question, previous_question]
    standalone = " ".join([*parts, question])[-max_chars:]
    return Context(standalone, Carried(case_question, examples), {i: FOLLOW_UP_BOOST for i, _ in examples},
                   case_question=case_question, asks=_asks_of(question, parts, max_chars))


def _asks_of(question: str, before: list[str], max_chars: int) -> tuple[str, ...]:
    """What to search for each ask of a multi-part question, each after what it follows on from; () for one ask."""
    parts = asks(question)
    if len(parts) < 2:
        return ()
    return tuple(" ".join([*before, part])[-max_chars:] for part in parts)


def strip_cue(question: str) -> str:
    """The question without a leading conversational cue ("Separate question - ", "Same lad - ")."""
    stripped = _CUE_PREFIX.sub("", question, count=1).strip()
    return stripped if len(stripped.split()) >= 2 else question


def _last_case(turns: list[tuple[str, tuple[str, ...], str]], titles: Mapping[str, str],
               max_chars: int) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    """The most recent turn about a case (a person described, or an example cited), skipping general asides."""
    for index in range(len(turns) - 1, -1, -1):
        text, cited, reply = turns[index]
        examples = tuple((i, t) for i, t in cited_in(reply, cited, titles) if ":section:" not in i)
        context = _context_of(turns[:index], text, titles, max_chars)
        if examples or not read_facets(context.standalone).is_empty():
            return context.case_question or text, examples
    return None


def _context_of(turns: list[tuple[str, tuple[str, ...], str]], question: str, titles: Mapping[str, str],
                max_chars: int) -> Context:
    """The context an earlier question had (rebuilt from the turns before it)."""
    history: list[dict[str, object]] = []
    for text, cited, reply in turns:
        history.append({"role": "user", "content": text})
        history.append({"role": "assistant", "content": reply, "cited": list(cited)})
    return read_context(question, history, titles, max_chars)


def _starts_new_case(question: str, so_far: str) -> bool:
    """A different person: said so, described afresh, or facets that contradict the case so far."""
    if _NEW_CASE.search(question):
        return True
    before = read_facets(so_far)
    now = read_facets(question)
    if before.contradicts(now) or _describes_another(question, before):
        return True
    # a full description of a person (age, or a person word with their sentence or needs) is a new case
    described = (now.age is not None or now.age_range is not None) and bool(_PERSON_NOUN.search(question))
    return described and not before.is_empty() and (now.age, now.age_range) != (before.age, before.age_range)


def _describes_another(question: str, before: QueryFacets) -> bool:
    """The question opens by describing a person the case so far does not hold ("My client's 39, on an SSO
    with BBR…" after "He's on a tag after prison…"): its description (what comes before its first ask)
    states several facets the case lacks, one of them who the person is (an age, a sentence), and nothing in
    it says it goes on with the same person. New needs alone ("she's drinking and self-harming") add to the
    case."""
    described = case_description(question)
    if not described.strip() or compiled("conversation", "continues").search(normalised(described)):
        return False
    facets = read_facets(described)
    new = _facet_labels(facets) - _facet_labels(before)
    identity = new & ({"age"} | set(facets.sentence))
    return bool(identity) and len(new) >= int(requests_vocabulary()["conversation"]["new_facets"])


def _facet_labels(facets: QueryFacets) -> set[str]:
    """Sentence, needs and age (gender is left out: a pronoun first says it of the same person)."""
    return set(facets.sentence) | set(facets.needs) | ({"age"} if facets.age is not None or facets.age_range else set())


def condense(question: str, history: Sequence[Mapping[str, str]] | None) -> str:
    """A standalone query for a follow-up (the deterministic method, without example titles)."""
    return read_context(question, history, {}).standalone
