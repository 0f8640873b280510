"""Tags: an example's sentence, requirements, needs and standards, read from its text with the vocabulary.

The same vocabulary (`assistant/vocab.toml`) tags examples at parse time and reads facets from
a question at query time, so "he's on the gear and on a tag" lines up with examples tagged
"substance misuse" and "electronic monitoring". Three rules keep the tags honest:

- a mention that is negated ("no enforcement or compliance issues") does not count;
- an example's sentence is what was imposed, not what was considered, recommended or given
  earlier, and a requirement that was only assessed for is not tagged;
- needs are the person's own: a routine check ("DA enquiries"), a team named in passing
  ("management of sexual offenders") or another person's circumstances set nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from assistant.types import Group
from assistant.vocab import vocabulary

_VOCAB = vocabulary()
SENTENCE_TERMS: tuple[str, ...] = tuple(_VOCAB.sentences)
NEED_TERMS: tuple[str, ...] = tuple(_VOCAB.needs)
STANDARD_NAMES: tuple[str, ...] = tuple(_VOCAB.standards)
SENTENCES = _VOCAB.roles("sentence")
REQUIREMENTS = _VOCAB.roles("requirement")
ARRANGEMENTS = _VOCAB.roles("arrangement")

_CLAUSE = re.compile(r"[.;!?]\s+|\n+|,\s+|\s+(?=(?:but|whereas|although|though|however)\b)"
                     r"|\b(?:says|said|told me|tells me|reports|reported|thinks|worries|claims|told us)\s+(?:that\s+)?"
                     r"|\s+and\s+(?=(?:he|she|they|my client|the client)\b)", re.I)
_SENTENCE_SPLIT = re.compile(r"(?<=[.;!?])\s+|\n+")


# --- negation -------------------------------------------------------------------------------


def negated_spans(text: str) -> list[tuple[int, int]]:
    """Character spans that a negation cue covers: from the cue to the next break (at most 60 characters)."""
    spans = []
    for cue in _VOCAB.negation_cue.finditer(text):
        end = min(len(text), cue.end() + 60)
        brk = _VOCAB.negation_break.search(text, cue.end(), end)
        spans.append((cue.end(), brk.start() if brk else end))
    return spans


def _is_negated(start: int, spans: list[tuple[int, int]]) -> bool:
    return any(low <= start < high for low, high in spans)


def mentions(pattern: re.Pattern[str], text: str, spans: list[tuple[int, int]] | None = None) -> list[re.Match[str]]:
    """Matches of `pattern` in `text` that no negation covers."""
    spans = negated_spans(text) if spans is None else spans
    return [m for m in pattern.finditer(text) if not _is_negated(m.start(), spans)]


def tag_sentence(text: str) -> tuple[str, ...]:
    """Sentence, requirement and arrangement labels mentioned (and not negated) in `text`, in vocabulary order."""
    spans = negated_spans(text)
    return tuple(name for name, label in _VOCAB.sentences.items() if mentions(label.pattern, text, spans))


def tag_needs(text: str) -> tuple[str, ...]:
    """Need labels mentioned (not negated, not a routine check or a team's name) in `text`."""
    spans = negated_spans(text)
    return tuple(name for name, label in _VOCAB.needs.items() if _need_mentions(label.pattern, text, spans, label))


def _need_mentions(pattern: re.Pattern[str], text: str, spans: list[tuple[int, int]], label=None) -> list[re.Match[str]]:
    """Mentions of a need that are the person's need: not followed by "enquiries", "team"…, not "management of …"."""
    found = []
    for match in mentions(pattern, text, spans):
        after = text[match.end():match.end() + 40]
        rest_of_word = re.sub(r"^\w*", "", after)  # "drug|s-related offence" -> "-related offence"
        before = text[max(0, match.start() - 40):match.start()]
        kept = label is not None and label.also_after is not None and label.also_after.search(before)
        if _VOCAB.need_not_before.search(rest_of_word) or _VOCAB.need_not_before.search(re.sub(r"^[\w-]*", "", after)) \
                or (_VOCAB.need_not_after.search(before) and not kept):
            continue
        if label is not None and label.not_before is not None and (
                label.not_before.search(rest_of_word) or label.not_before.search(re.sub(r"^[\w-]*", "", after))):
            continue
        word = re.match(r"[\w-]*", text[match.start():]).group(0)
        if label is not None and label.not_after is not None and label.not_after.search(before) and not word.endswith("ing"):
            continue
        found.append(match)
    return found


# --- example tags -------------------------------------------------------------------------


@dataclass(frozen=True)
class ExampleTags:
    """What an example is tagged with: the sentence imposed, the person's needs, the standards shown."""

    sentence: tuple[str, ...]
    needs: tuple[str, ...]
    standards: tuple[str, ...]


def clauses(text: str) -> list[str]:
    """Clauses: sentences split at semicolons and commas, so a cue binds to its own clause."""
    return [c.strip() for c in _CLAUSE.split(text) if c and c.strip()]


def imposed_sentences(text: str) -> set[str]:
    """Sentence-type labels imposed in `text` (not considered, recommended, revoked or given earlier)."""
    found: set[str] = set()
    for clause in clauses(text):
        if _VOCAB.not_imposed.search(clause):
            continue
        spans = negated_spans(clause)
        for name in SENTENCES:
            for match in mentions(_VOCAB.sentences[name].pattern, clause, spans):
                if not _VOCAB.not_imposed_before.search(clause[:match.start()]):
                    found.add(name)
                    break
    return found


def attached_requirements(text: str) -> set[str]:
    """Requirement labels in `text` that were attached, not merely assessed for or considered."""
    found: set[str] = set()
    for clause in clauses(text):
        spans = negated_spans(clause)
        for name in REQUIREMENTS:
            for match in mentions(_VOCAB.sentences[name].pattern, clause, spans):
                before = clause[:match.start()]
                after = clause[match.end():match.end() + 30]
                if _VOCAB.assessment_for.search(before[-40:]) or re.match(r"^\W*(?:\(\w+\)\s*)?(?:assessment|suitability|eligibility)", after, re.I):
                    continue
                if (_VOCAB.not_imposed.search(clause) or _VOCAB.not_imposed_before.search(before)) \
                        and name not in imposed_context_requirements(clause):
                    continue
                found.add(name)
                break
    return found


def imposed_context_requirements(clause: str) -> set[str]:
    """Requirements named in a clause that also imposes something ("resentenced to an SSO, with TSP")."""
    if re.search(r"\b(?:imposing|imposed|resentenced|received|sentenced to|made subject)\b", clause, re.I):
        return {name for name in REQUIREMENTS if _VOCAB.sentences[name].pattern.search(clause)}
    return set()


def tag_example(kind: str, title: str, intro: str, groups: Sequence[Group], outcome: str | None) -> ExampleTags:
    """The tags of one parsed example; every publication family's recogniser calls this.

    `kind` is "case" or "organisational"; `intro` is the opening text before the groups of
    practice points; `outcome` is the outcome text, if any. Organisational examples carry no
    sentence or needs: they are about a service, not a person.
    """
    points = " ".join(p for g in groups for p in g.points)
    text = "\n".join([intro, *(g.text() for g in groups), f"Outcome: {outcome}" if outcome else ""]).strip()
    standards = tag_standards([title, *(g.heading for g in groups)], text, organisational=kind == "organisational")
    if kind != "case":
        return ExampleTags((), (), standards)
    opening = f"{intro}\n{outcome or ''}"
    stated = imposed_sentences(opening) | attached_requirements(_without_protective_orders(text))
    stated |= {name for name in ARRANGEMENTS if mentions(_VOCAB.sentences[name].pattern, text)}
    if _TIME_SERVED.search(opening):
        stated.add("custody")  # sentenced, and released because of time already served
    if not stated & COMMUNITY_SENTENCES and _RELEASE_FROM_PRISON.search(text):
        stated.add("custody")  # released from prison: a custodial sentence, then supervision on licence
    if stated & {"licence", "post-sentence supervision", "home detention curfew"}:
        stated.add("custody")  # a licence follows a custodial sentence
    if stated & {"custody", "home detention curfew"} and _RELEASED.search(text) and "post-sentence supervision" not in stated:
        stated.add("licence")  # supervised after release from a custodial sentence
    if "home detention curfew" in stated:
        stated -= {"curfew", "electronic monitoring"}  # HDC says both already
    sentence = tuple(label for label in SENTENCE_TERMS if label in stated)
    needs = set(person_needs(f"{title}.\n{intro}\n{points}\n{outcome or ''}"))
    needs |= implied_needs(stated)
    return ExampleTags(sentence, tuple(label for label in NEED_TERMS if label in needs), standards)


COMMUNITY_SENTENCES = frozenset({"community order", "suspended sentence order", "referral order", "YRO", "hospital order"})
_RELEASE_FROM_PRISON = re.compile(r"\b(?:released from (?:prison|custody)|due for release|release from (?:prison|custody)|"
                                  r"at the (?:prison )?gate|prison released|(?:first|every|five|\w+) releases)\b", re.I)
_TIME_SERVED = re.compile(r"\btime (?:served|spent) on remand\b|\bbecause of time served\b|\bon time served\b", re.I)
_RELEASED = re.compile(r"\breleased?\b|\breleases\b|\bpost-release\b|\blicen[cs]e\b|\bat the (?:prison )?gate\b", re.I)


def implied_needs(sentence_labels: Iterable[str]) -> set[str]:
    """Needs a court can only meet with an order it made (a DRR means drug misuse, a hospital order mental health)."""
    return {need for label in sentence_labels for need in _VOCAB.sentences[label].implies}


def _without_protective_orders(text: str) -> str:
    """`text` with any restraining order that protects the person (one against their ex or partner) left out."""
    return _VOCAB.protective.sub(" ", text)


def person_needs(text: str) -> tuple[str, ...]:
    """The person's needs in a text, clause by clause.

    A sentence whose subject is somebody else ("the victim's concerns were…", "her partner is
    pregnant") and a clause listing strengths ("protective factors") set nothing.
    """
    found: set[str] = set()
    for sentence in _SENTENCE_SPLIT.split(text):
        if not sentence.strip():
            continue
        someone_else = _about_someone_else(sentence)
        for clause in clauses(sentence):
            if _VOCAB.need_not_in_clause.search(clause):
                continue
            needs = set(tag_needs(clause))
            if someone_else and not _about_someone_else(clause) and not _CLIENT_START.match(clause):
                found.update(needs & {"victims"})  # work with the victim is victim work, whoever does it
                continue  # the rest of a sentence about somebody else
            if _about_someone_else(clause) and re.match(r"^\W*(?:and\s+)?(?:my client['’]s|his|her|their|the)\s+(?:kids|children|child|son|daughter|baby)\b",
                                                         clause, re.I):
                found.update(needs & {"child safeguarding"})  # "her kids are on a child protection plan"
                continue
            if _about_someone_else(clause):
                found.update(needs & {"victims"})
                # "her partner is violent towards her": the person is a victim of domestic abuse, no more
                needs &= {"domestic abuse"} if re.search(r"\b(?:partner|ex|husband|wife|boyfriend|girlfriend)\b", clause, re.I) else set()
                if re.search(r"\b(?:violent|abusive|controlling|hits?|beats?|assault)", clause, re.I) and \
                        re.search(r"\b(?:partner|ex|husband|wife|boyfriend|girlfriend)\b", clause, re.I):
                    needs.add("domestic abuse")
            found.update(needs)
    return tuple(label for label in NEED_TERMS if label in found)


_OTHER_SUBJECT = re.compile(
    r"^(?:and\s+|but\s+)?(?:"
    r"(?:the\s+)?(?:victim liaison officer|VLO)\b"  # works for the victim
    r"|(?:the|his|her|their|a|my client['’]s|the client['’]s)\s+(?:\w+\s+)?"
    r"(?:victim(?!\s+(?:liaison|contact|support|services?|scheme|unit|team|officer))|partner|ex-partner|ex|wife|girlfriend|"
    r"boyfriend|husband|mother|father|son|daughter|child|children|kids|family|sister|brother|mum|dad|neighbour|friend)"
    r"(?:['’]s)?\b(?!\s+(?:is|was|'s|has been) (?:on|in|doing|serving|subject|sentenced|released|due)))", re.I)


_CLIENT_START = re.compile(r"^\W*(?:and\s+|but\s+)?(?:he|she|they|my client|the client|client)\b", re.I)


def _about_someone_else(clause: str) -> bool:
    """A clause whose subject is another person ("the victim's concerns were…", "her partner is pregnant")."""
    return bool(_OTHER_SUBJECT.match(clause.strip()))


def tag_standards(headings: list[str], text: str, organisational: bool) -> tuple[str, ...]:
    """The standards an example illustrates, judged from its group headings (or its text)."""
    domain = "1." if organisational else "2."
    candidates = {k: v for k, v in _VOCAB.standards.items() if k.startswith(domain)}
    joined = " ".join(headings)
    found = [label for label, rx in candidates.items()
             if rx.search(joined) or len(rx.findall(text)) >= STANDARD_MENTIONS]
    if not found:
        found = [label for label, rx in candidates.items() if rx.search(text)]
    return tuple(found)


STANDARD_MENTIONS = 4  # a standard the text names this often is illustrated even without a sub-heading


def current_sentence(text: str) -> set[str]:
    """Sentence labels for the person's current order: not past or only considered ones, not an order protecting them."""
    found: set[str] = set()
    for sentence in _SENTENCE_SPLIT.split(_without_protective_orders(text)):
        if not sentence.strip() or _about_someone_else(sentence):
            continue
        for clause in clauses(sentence):
            if _VOCAB.not_current.search(clause):
                continue
            found.update(tag_sentence(clause))
    return found


def labels_in(texts: Iterable[str]) -> set[str]:
    """Every sentence and need label mentioned in any of `texts`."""
    found: set[str] = set()
    for text in texts:
        found.update(tag_sentence(text))
        found.update(tag_needs(text))
    return found
