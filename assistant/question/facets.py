"""Facets: what a question says about the person on probation — age, gender, sentence, needs.

The same vocabulary that tags examples (`assistant.vocab.tags`) reads them, so "he's on the gear
and on a tag" lines up with examples tagged "substance misuse" and "electronic monitoring".
Facets describe the person on probation only: a victim's age or a partner's gender sets nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.vocab import vocabulary
from assistant.vocab.tags import current_sentence, implied_needs, person_needs

_VOCAB = vocabulary()

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
    # "hurting her" names her the victim; "hurting her partner" names the partner (she is the one on probation)
    re.compile(r"\b(?:batter|beat|hit|assault|attack|stabb?|punch|kick|strangl|threaten|abus|harass|stalk|rap|hurt|controll?)\w*\s+"
               r"(?P<pronoun>her|him)\b(?!\s+(?:partner|ex|ex-partner|wife|husband|boyfriend|girlfriend|mum|mother|dad|father|son|"
               r"daughter|child|children|kids?|baby|sister|brother|nan|gran|family|new|former|own|neighbour|friend)\b)", re.I),
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
