"""Facets: the tags of an example, and what a question says about the person on probation.

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
from dataclasses import dataclass, field
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
        if _VOCAB.need_not_before.search(rest_of_word) or _VOCAB.need_not_before.search(re.sub(r"^[\w-]*", "", after)) \
                or _VOCAB.need_not_after.search(before):
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


# --- facets stated in a question -------------------------------------------------------


@dataclass(frozen=True)
class QueryFacets:
    """What a question says about the person on probation and their case."""

    age: int | None = None
    age_range: tuple[int, int] | None = None
    gender: str | None = None
    sentence: frozenset[str] = field(default_factory=frozenset)
    needs: frozenset[str] = field(default_factory=frozenset)

    def is_empty(self) -> bool:
        return not (self.age or self.age_range or self.gender or self.sentence or self.needs)

    def without(self, labels: "set[str] | frozenset[str]") -> "QueryFacets":
        """These facets minus the ones named in `labels` (as `describe()` names them)."""
        if not labels:
            return self
        age_label = self.describe()[0] if (self.age is not None or self.age_range) else None
        return QueryFacets(
            age=None if age_label in labels else self.age,
            age_range=None if age_label in labels else self.age_range,
            gender=None if self.gender in labels else self.gender,
            sentence=frozenset(self.sentence - labels),
            needs=frozenset(self.needs - labels),
        )

    def describe(self) -> list[str]:
        """Human-readable facet labels, for "why it matched" and the app's facet box."""
        out = []
        if self.age is not None:
            out.append(f"age {self.age}")
        elif self.age_range:
            out.append(f"age {self.age_range[0]}–{self.age_range[1]}")
        if self.gender:
            out.append(self.gender)
        out.extend(sorted(self.sentence))
        out.extend(sorted(self.needs))
        return out

    def contradicts(self, other: "QueryFacets") -> list[str]:
        """Facets both state, with different values: a sign that `other` describes another person."""
        clashes = []
        if self.gender and other.gender and self.gender != other.gender:
            clashes.append(f"{other.gender} (was {self.gender})")
        mine = self.age_range or ((self.age, self.age) if self.age is not None else None)
        theirs = other.age_range or ((other.age, other.age) if other.age is not None else None)
        if mine and theirs and (theirs[1] < mine[0] - 1 or theirs[0] > mine[1] + 1):
            clashes.append(f"{other.describe()[0]} (was {self.describe()[0]})")
        exclusive = {"community order", "suspended sentence order", "custody", "referral order", "YRO"}
        if (self.sentence & exclusive) and (other.sentence & exclusive) and not (self.sentence & other.sentence & exclusive):
            clashes.append(", ".join(sorted(other.sentence & exclusive)))
        return clashes

    def merged(self, newer: "QueryFacets") -> "QueryFacets":
        """These facets updated by a follow-up's: what it states wins, the rest carries over."""
        has_age = newer.age is not None or newer.age_range is not None
        return QueryFacets(
            age=newer.age if has_age else self.age,
            age_range=newer.age_range if has_age else self.age_range,
            gender=newer.gender or self.gender,
            sentence=self.sentence | newer.sentence,
            needs=self.needs | newer.needs,
        )


_NUMBER_AGE = re.compile(
    r"\b(?P<a>\d{2})\s*(?:-|\s)?\s*(?:years?[- ]old|yrs?[- ]old|yo\b|y/o\b|year old)"
    r"|\baged?\s+(?P<b>\d{2})\b"
    r"|\b(?:is|'s|’s|was|turned|turns|turning|just|only|nearly|almost|about|around|currently)\s+(?:only\s+|just\s+|nearly\s+|almost\s+|about\s+|around\s+)?(?P<c>\d{2})\b"
    r"|(?:^|,)\s*(?P<d>\d{2})\s*(?:,|$)"
    r"|\((?P<e>\d{2})\)"
    r"|\b(?:man|woman|lad|girl|boy|male|female|client|guy|bloke|lady),?\s+(?P<f>\d{2})\b",
    re.I,
)
_AGE_RANGE = re.compile(
    r"\b(?:between|aged|age|from)?\s*(?P<low>\d{2})\s*(?:-|–|to|and)\s*(?P<high>\d{2})\b(?=\s*(?:years?|yrs?|yo\b|year-olds?|-year-olds?|$|[,.?!;)]|\s+and\b|\s+who\b|\s+on\b|\s+with\b))",
    re.I,
)
_DECADE = re.compile(r"\b(?:(?:in|into)\s+(?:his|her|their|the)\s+)?(?:(early|mid|late)[- ]?)?(teens|twenties|thirties|forties|fifties|sixties|seventies)\b", re.I)


def read_age(question: str) -> tuple[int | None, tuple[int, int] | None]:
    """(age, age range) stated in a question about the person on probation."""
    for match in _AGE_RANGE.finditer(question):
        low, high = int(match.group("low")), int(match.group("high"))
        if 10 <= low < high <= 99 and high - low <= 20 and not _VOCAB.not_age_after.match(question[match.end():]):
            return None, (low, high)
    for match in _NUMBER_AGE.finditer(question):
        value = int(next(g for g in match.groups() if g))
        if not 10 <= value <= 99:
            continue
        if _VOCAB.not_age_after.match(question[match.end():]):
            continue
        if _about_other_person_age(question, match.start()):
            continue
        return value, None
    decade = _DECADE.search(question)
    if decade:
        low, high = _VOCAB.decades.get(decade.group(2).lower(), (13, 19))
        part = (decade.group(1) or "").lower()
        step = (high - low) // 3  # thirds of the band: 20–23, 23–26, 26–29; 13–15, 15–17, 17–19
        if part == "early":
            high = low + step
        elif part == "mid":
            low, high = low + step, low + 2 * step
        elif part == "late":
            low = high - step
        return None, (low, high)
    for pattern, bounds in _VOCAB.age_ranges:
        if pattern.search(question):
            return None, bounds
    return None, None


def _about_other_person_age(text: str, start: int) -> bool:
    """"his son is 12", "a 16-year-old victim": the age of somebody else."""
    before = text[max(0, start - 30):start]
    after = text[start:start + 30]
    return bool(re.search(r"\b(?:son|daughter|child|kid|baby|victim|partner|girlfriend|boyfriend|wife|husband|sister|brother)\b[^,.;]*$",
                          before, re.I) or re.match(r"\d{2}[- ]?years?[- ]old (?:victim|son|daughter|child|girl|boy)\b", after, re.I)
                and not re.search(r"\b(?:client|he|she|my)\b", before, re.I))


_WORD = re.compile(r"[A-Za-z’']+")
_KIN = {"dad", "father", "son", "husband", "brother", "mum", "mother", "daughter", "wife", "sister"}
_PERSON_NOUNS = {"man", "men", "male", "lad", "bloke", "guy", "boy", "gentleman", "woman", "women", "female", "girl", "lady"}
_SUBJECT = {"he", "she"}
_GENDER_OF = {**{w: "male" for w in ("he", "him", "his", "himself", "man", "boy", "lad", "guy", "bloke", "husband", "boyfriend",
                                     "dad", "father", "son", "brother")},
              **{w: "female" for w in ("she", "her", "hers", "herself", "woman", "girl", "lady", "wife", "girlfriend", "mum",
                                       "mother", "daughter", "sister")}}
# somebody else of each gender a pronoun may stand for ("victim", "partner" and "ex" may be either)
_OTHERS_OF = {"male": {"victim", "partner", "ex", "ex-partner", "husband", "boyfriend", "dad", "father", "son", "brother",
                       "grandfather", "neighbour", "complainant"},
              "female": {"victim", "partner", "ex", "ex-partner", "wife", "girlfriend", "missus", "mum", "mother", "daughter",
                         "sister", "nan", "grandmother", "neighbour", "complainant"}}
_VICTIM_PATTERNS = (
    re.compile(r"\b(?:victim|complainant)s?\b(?:,| is| was|'s|’s)?\s+(?:a |an |the )?(?:\d+[- ]year[- ]old )?(?P<noun>woman|girl|lady|man|boy|lad)\b", re.I),
    re.compile(r"\b(?:victim|complainant)\s+(?:says|said|told|tells|reports|reported|feels|felt|thinks|is scared|is frightened)\s+"
               r"(?:me\s+|us\s+)?(?:that\s+)?(?P<pronoun>she|he)\b", re.I),
    re.compile(r"\b(?P<pronoun>she|he)(?:'s|’s| is| was)\s+(?:the |his |her |their )?(?:victim|complainant)\b", re.I),
    re.compile(r"\b(?:batter|beat|hit|assault|attack|stabb?|punch|kick|strangl|threaten|abus|harass|stalk|rap|hurt|controll?)\w*\s+"
               r"(?P<pronoun>her|him)\b", re.I),
    re.compile(r"\b(?P<noun>woman|girl|lady|man|boy|lad)\s+whose\s+(?:ex|partner|husband|wife|boyfriend|girlfriend)\b", re.I),
)
_KIN_CLIENT = re.compile(r"\b(?:his|her|their|my client['’]?s?)\s+(?P<kin>dad|father|son|brother|husband|boyfriend|mum|mother|daughter|"
                         r"sister|wife|girlfriend)\s+(?:is|was|'s|’s|has been|got|gets)\s+(?:on|in|doing|serving|sentenced|"
                         r"released|subject|due|out on)\b", re.I)


def _victim_genders(question: str) -> set[str]:
    """Genders the question gives to a victim ("she's the victim", "battering her", "a woman whose ex…")."""
    found = set()
    for pattern in _VICTIM_PATTERNS:
        for match in pattern.finditer(question):
            word = (match.groupdict().get("noun") or match.groupdict().get("pronoun") or "").lower()
            if word in _GENDER_OF:
                found.add(_GENDER_OF[word])
    return found


def read_gender(question: str) -> str | None:
    """The gender of the person on probation, from the words about them (not about victims or family)."""
    kin = _KIN_CLIENT.search(question)
    if kin:
        return _GENDER_OF[kin.group("kin").lower()]  # "her dad is on licence": the dad is the one on probation
    victims = _victim_genders(question)
    if len(victims) == 2:
        victims = set()
    score = {"male": 0.0, "female": 0.0}
    for clause in re.split(r"[.;!?]|\s[-–—]\s|,\s*(?:but|and|while|whereas)\b|\bbut\b", question):
        words = _WORD.findall(clause)
        lowered = [w.lower().replace("’", "'") for w in words]
        for i, word in enumerate(lowered):
            base = word.split("'")[0]  # "he's" -> "he"
            gender = "male" if base in _VOCAB.male else "female" if base in _VOCAB.female else None
            if gender is None:
                continue
            previous = lowered[max(0, i - 3):i]
            following = lowered[i + 1:i + 3]
            if base in _PERSON_NOUNS:
                if gender in victims and not any(p in ("client", "my") for p in previous):
                    continue
                if any(p in ("victim", "against", "towards", "his", "her", "their", "attacked", "assaulted", "raped") for p in previous) \
                        or (following and following[0] in ("victim", "victims", "whose")) and "client" not in previous:
                    continue
                score[gender] += 2.0
            elif base in _KIN:
                if previous and previous[-1] in ("a", "single", "young", "new", "expectant", "first-time", "is", "she's", "he's"):
                    score[gender] += 1.0
            elif gender in victims and not (previous and previous[-1] in ("client", "my")):
                continue  # a pronoun for the victim
            elif base in _SUBJECT:
                rest = " ".join(lowered[i + 1:i + 5])
                if re.match(r"^(?:'s|is|was)?\s*(?:the|his|her|a)?\s*(?:victim|partner|ex|wife|girlfriend|boyfriend|mum|mother|daughter|sister)\b", rest):
                    continue
                if _refers_to_other(lowered, i, gender, victims):
                    continue
                score[gender] += 1.0
            elif base in ("him", "her") and victims and gender not in victims:
                score[gender] += 0.5  # "the victim says she is frightened of him": he is the one on probation
            elif base in ("him", "her") and not victims and not _refers_to_other(lowered, i, gender, victims):
                score[gender] += 0.5  # "how do I support him"
            elif base == "her" and i + 1 < len(lowered) and lowered[i + 1] not in _STOP_AFTER_OBJECT:
                # "her partner", "her order": a possessive, so she is the one with the partner or the order
                if not _refers_to_other(lowered, i, gender, victims):
                    score[gender] += 0.5
            elif base in ("his", "hers", "himself", "herself"):
                score[gender] += 0.5
    if max(score.values()) < 0.5 or score["male"] == score["female"]:
        return None
    return max(score, key=score.get)


_STOP_AFTER_OBJECT = {"and", "to", "about", "with", "for", "that", "so", "but", "in", "on", "at", "up", "out", "off", "into", "again",
                      "or", "because", "when", "if", "the", "a", "every", "all", "too", "as", "is", "was", "around", "over", "down"}


_VICTIM_SERVICE = {"liaison", "contact", "work", "services", "service", "scheme", "support", "safety", "awareness", "impact",
                   "unit", "team"}


def _refers_to_other(words: list[str], index: int, gender: str, victims: set[str] = frozenset()) -> bool:
    """Whether the nearest preceding person word in the clause is somebody else this pronoun could stand for."""
    for word in reversed(words[:index]):
        if word in ("client", "i", "my", "he", "she", "him", "her", "his"):
            return False
        if word in ("victim", "complainant") and victims and gender not in victims:
            continue  # the victim is known to be of the other gender
        position = words.index(word)
        if word == "victim" and position + 1 < len(words) and words[position + 1] in _VICTIM_SERVICE:
            continue  # "victim liaison" is a service, not a person
        if word in _OTHERS_OF[gender]:
            return True
    return False


def read_facets(question: str) -> QueryFacets:
    """Facets stated in a question about the person on probation: age, gender, sentence, needs."""
    age, age_range = read_age(question)
    sentence = current_sentence(question)
    if "electronic monitoring" in sentence and "AAMR" in sentence and not re.search(r"(?i)electronic(?:ally)? monitor|\bEM\b|curfew", question):
        sentence.discard("electronic monitoring")  # "an alcohol tag" is AAMR, not a curfew tag
    if "home detention curfew" in sentence:
        sentence -= {"curfew", "electronic monitoring"}  # HDC says both already
    needs = set(person_needs(question)) | implied_needs(sentence)
    gender = read_gender(question)
    if gender is None and "pregnancy" in needs:
        gender = "female"
    return QueryFacets(age=age, age_range=age_range, gender=gender, sentence=frozenset(sentence), needs=frozenset(needs))


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
