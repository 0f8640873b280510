"""Finding the person an example is about: name (a pseudonym or initials), age and gender.

The forms come from `vocabulary.toml` ([people] patterns): "Name, a NN-year-old man",
"Name is a NN-year-old male", "Name (NN)", "Name, NN,", "Name, aged NN", "a NN-year-old
<role>", "Mr K". Names may be written in any letters
("Zoë", "Łukasz", "Nguyễn"), with hyphens and apostrophes ("Anne-Marie", "O'Neill"). When the introduction has no gender word, the title (Mr, Ms) or the
pronouns that follow tell it. Paragraphs are searched in order, so a person first named in
the second paragraph is still found; an example with no one in it has no person.
"""

from __future__ import annotations

import re
from functools import cache

from assistant.ingest.vocabulary import expand_letters, vocabulary, words_pattern
from assistant.types import Person


@cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    people = vocabulary()["people"]
    stop = "|".join(re.escape(w) for w in people["not_description"])
    genders = words_pattern(people["male"] + people["female"])
    gender = (rf"(?:(?:\s+(?!(?:{stop})\b)[\w'’-]+){{0,3}}?\s+(?P<gender>{genders})\b)?")
    fill = {"name": f"(?P<name>{expand_letters(people['name'])})", "age": f"(?P<age>{people['age']})", "gender": gender}
    return tuple(re.compile(template.format(**fill)) for template in people["patterns"])


@cache
def _lookups() -> dict:
    people = vocabulary()["people"]
    return {
        "male": {w.lower() for w in people["male"]},
        "female": {w.lower() for w in people["female"]},
        "not_names": set(people["not_names"]),
        "not_before": {w.lower() for w in people["not_before_name"]},
        "male_titles": set(people["male_titles"]),
        "female_titles": set(people["female_titles"]),
        "initials": re.compile(expand_letters(people["initials"])),
        "male_pronouns": re.compile(r"\b(?:" + "|".join(people["male_pronouns"]) + r")\b", re.I),
        "female_pronouns": re.compile(r"\b(?:" + "|".join(people["female_pronouns"]) + r")\b", re.I),
    }


def find_person(paragraphs: list[str]) -> Person | None:
    """The person introduced in the first paragraph that introduces one, or None."""
    for index, paragraph in enumerate(paragraphs):
        found = _person_in(paragraph, " ".join(paragraphs[index:index + 2]))
        if found:
            return found
    return None


def _person_in(paragraph: str, context: str) -> Person | None:
    look = _lookups()
    best = None
    for pattern in _patterns():
        for match in pattern.finditer(paragraph):
            name = match.groupdict().get("name")
            if name and not _plausible_name(name, paragraph, match.start("name")):
                continue
            if best is None or match.start() < best.start():
                best = match
            break
    if best is not None:
        name = best.groupdict().get("name")
        age = int(best.group("age"))
        word = (best.groupdict().get("gender") or "").lower()
        word = re.sub(r"\s+", " ", word)
        gender = "male" if word in look["male"] else "female" if word in look["female"] else None
        if gender is None:
            gender = _gender_from_title(name) or _gender_from_pronouns(context[best.end():])
        return Person(name=name, age=age, gender=gender)
    initials = look["initials"].search(paragraph)
    if initials:
        name = re.sub(r"\s+", " ", initials.group(0).replace(".", ""))
        return Person(name=name, age=None, gender=_gender_from_title(name) or _gender_from_pronouns(context[initials.end():]))
    return None


def _plausible_name(name: str, text: str, start: int) -> bool:
    look = _lookups()
    first = name.split()[0].rstrip(".")
    if first in look["not_names"]:
        return False
    before = text[:start].rstrip().rsplit(None, 1)
    return not (before and before[-1].lower().strip(",") in look["not_before"])


def _gender_from_title(name: str | None) -> str | None:
    if not name:
        return None
    title = name.split()[0].rstrip(".")
    look = _lookups()
    if title in look["male_titles"]:
        return "male"
    if title in look["female_titles"]:
        return "female"
    return None


def _gender_from_pronouns(text: str) -> str | None:
    """The gender the pronouns after the introduction point to, when they clearly point one way."""
    look = _lookups()
    window = text[:600]
    male = len(look["male_pronouns"].findall(window))
    female = len(look["female_pronouns"].findall(window))
    if male > female:
        return "male"
    if female > male:
        return "female"
    return None
