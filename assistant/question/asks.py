"""Multi-part questions: a question with two or three asks, split into asks that each stand alone.

"My client has ADHD and keeps missing appointments - how do I keep him engaged, and what can I do
about his housing?" holds two asks after one case description; each ask keeps the description:

    ["My client has ADHD and keeps missing appointments - how do I keep him engaged?",
     "My client has ADHD and keeps missing appointments - what can I do about his housing?"]

An ask opens with a question word followed by a question ("how was she…", "which agencies…", "who
else…"), an auxiliary before its subject ("can he…", "is there…") or an instruction ("tell me…").
A question word that opens a clause inside the question ("how he engaged", "what the court
expects", "how to cope") opens no ask, and words joined inside a description ("drink and drugs",
"housing and employment support") are never split. The words are data: `[asks]` in requests.toml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.question.phrases import requests_vocabulary

_WORD = re.compile(r"[\w'’]+(?:-[\w'’]+)*")
_SENTENCE_BREAK = re.compile(r"[.?!;:]|\s[-–—]\s|^\s*[-–—]\s")


@dataclass(frozen=True)
class _Words:
    """The vocabulary of `[asks]`, as sets of lower-case words."""

    wh: frozenset[str]
    aux: frozenset[str]
    aux_sentence: frozenset[str]
    instructions: tuple[tuple[str, ...], ...]
    prepositions: frozenset[str]
    embedded: frozenset[str]
    clause_subjects: frozenset[str]
    how_words: frozenset[str]
    subjects: frozenset[str]
    joiners: frozenset[str]
    min_words: int


@lru_cache(maxsize=1)
def _words() -> _Words:
    data = requests_vocabulary()["asks"]
    lower = {key: frozenset(w.lower() for w in data[key]) for key in
             ("wh", "aux", "prepositions", "embedded", "clause_subjects", "how_words", "subjects", "joiners")}
    return _Words(aux_sentence=frozenset(w for w in data["aux_sentence"] if " " not in w),
                  instructions=tuple(tuple(i.lower().split()) for i in data["instructions"]),
                  min_words=int(data["min_words"]), **lower)


def _opens_ask(words: list[str], i: int, sentence_start: bool, comma: bool = False) -> bool:
    """Whether the words from `i` open an ask (see the module docstring)."""
    vocab = _words()
    word = words[i]
    following = words[i + 1] if i + 1 < len(words) else ""
    if word in vocab.prepositions and following in vocab.wh:  # "at what point…", "to what extent…"
        return _opens_ask(words, i + 1, sentence_start, comma)
    if any(tuple(words[i:i + len(instruction)]) == instruction for instruction in vocab.instructions):
        return True
    if word in vocab.wh:
        return _wh_question(word, following, words[i + 2] if i + 2 < len(words) else "", comma or sentence_start)
    auxiliaries = vocab.aux | vocab.aux_sentence if sentence_start else vocab.aux
    return word in auxiliaries and (following in vocab.subjects or (sentence_start and following[:1].isupper()))


def _wh_question(word: str, following: str, after: str, comma: bool) -> bool:
    """A question word that asks ("how was she…", "what happened…"), not one that opens a clause ("how he…").

    "who" after a comma asks unless a description follows it ("…, and who paid?" against "…, who is 40").
    """
    vocab = _words()
    if not following or following == "to" or following in vocab.embedded:
        return False
    if word == "how":  # "how long did…", "how many people were…" ask; "how long the support lasted" is a clause
        return following in vocab.aux or (following in vocab.how_words and after not in vocab.clause_subjects)
    if word in ("who", "which", "whom"):  # "…, who is 40" and "…, which helped him" describe; "who else did…" asks
        if following in vocab.aux:
            return after in vocab.subjects
        if word == "which":  # "which agencies did…", "which team led…"
            return after in vocab.aux or after in vocab.subjects or (after.endswith("ed") and not following.endswith("ed"))
        described = following in ("has", "have", "had", "is", "was", "'s")
        return following == "else" or following.endswith("ed") or (comma and not described)
    return True


def _tokens(text: str) -> list[re.Match[str]]:
    return list(_WORD.finditer(text))


def _starts(text: str, tokens: list[re.Match[str]]) -> list[tuple[int, int]]:
    """(token index where an ask opens, character offset where the part before it ends), in order.

    The first ask opens a sentence or follows a comma, dash or colon (what comes before it is the case
    description); later ones may also follow a joiner ("…, and what…", "…and can he…").
    """
    vocab = _words()
    lower = [t.group(0).lower().replace("’", "'") for t in tokens]
    starts: list[tuple[int, int]] = []
    for i, token in enumerate(tokens):
        if lower[i] in vocab.joiners:
            continue
        joined = i > 0 and lower[i - 1] in vocab.joiners
        first = i - 1 if joined else i  # the first token of the boundary
        gap = text[tokens[first - 1].end():tokens[first].start()] if first > 0 else "."
        if joined:
            gap += text[tokens[i - 1].end():token.start()]
        sentence_start = bool(_SENTENCE_BREAK.search(gap))
        boundary = sentence_start or "," in gap or (joined and bool(starts))
        if boundary and _opens_ask(lower, i, sentence_start, "," in gap) and not _told(text, token, lower[i]):
            starts.append((i, tokens[first].start()))
    return starts


def _told(text: str, token: re.Match[str], word: str) -> bool:
    """A sentence that opens like a question but is told, not asked ("Did a home visit and the flat was…")."""
    if word not in _words().aux | _words().aux_sentence:
        return False
    end = re.search(r"[.?!]", text[token.end():])
    return end is not None and end.group(0) != "?"


def case_description(question: str) -> str:
    """What `question` says before its first ask (the case it describes); all of it when no ask opens in it
    ("Woman on a CO, pregnant, no previous"), nothing when it opens with one ("what if she's under 25?")."""
    text = question.strip()
    tokens = _tokens(text)
    starts = _starts(text, tokens)
    return text[:tokens[starts[0][0]].start()] if starts else text


def asks(question: str) -> list[str]:
    """The asks in `question`, each standalone with the question's case description; `[question]` for one."""
    text = question.strip()
    tokens = _tokens(text)
    starts = _starts(text, tokens)
    if len(starts) < 2:
        return [question]
    first_token, _ = starts[0]
    description = text[:tokens[first_token].start()]
    parts: list[str] = []
    for n, (index, _) in enumerate(starts):
        end = starts[n + 1][1] if n + 1 < len(starts) else len(text)
        part = text[tokens[index].start():end].strip().rstrip(",;:-–— ").strip()
        if parts and len(_WORD.findall(part)) < _words().min_words:
            parts[-1] = text[text.index(parts[-1]):end].strip().rstrip(",;:-–— ").strip()
            continue
        parts.append(part)
    if len(parts) < 2:
        return [question]
    closing = text[-1] if text[-1] in "?.!" else "?"
    return [_standalone(description, part, closing) for part in parts]


def _standalone(description: str, part: str, closing: str) -> str:
    """One ask with the description before it, capitalised after a full stop, closed like the question."""
    if not description.strip() or re.search(r"[.?!]\s*$", description):
        part = part[:1].upper() + part[1:]
    if part[-1] not in "?.!":
        part += closing
    return f"{description}{part}"


_BACK = re.compile(r"\b(?:it|its|them)\b|\b(?:this|that|these|those)\s*(?:[?.!,]|$)", re.IGNORECASE)
_DEFINITE = re.compile(r"\b(?:the|this|that|these|those)\s+([\w'’-]{4,})", re.IGNORECASE)


def _stem(word: str) -> str:
    return word.lower().rstrip("'’s")[:5]


def points_back(ask: str) -> bool:
    """Whether an ask points at something said before it: a pronoun ("is it…", "…mention it?") or a
    definite noun ("how do I get the equipment checked?")."""
    return bool(_BACK.search(ask) or _DEFINITE.search(ask))


def refers_back(ask: str, concept: str) -> bool:
    """Whether a later ask leans on a concept an earlier ask named: it points back with a pronoun
    ("…and should the report mention it?") or with a definite noun that is one of the concept's
    words ("…a polygraph condition…, and what if he fails the test?": the test, testing). Used to
    say that an ask resting on an uncovered concept is not covered either, rather than answer it out
    of context."""
    if _BACK.search(ask):
        return True
    stems = {_stem(w) for w in _WORD.findall(concept) if len(w) >= 4}
    return any(a.startswith(b) or b.startswith(a) for a in (_stem(m) for m in _DEFINITE.findall(ask)) for b in stems)
