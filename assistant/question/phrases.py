"""The request vocabulary (`requests.toml`) and the small phrase syntax its lists are written in.

A phrase is words separated by spaces, matched as whole words in a question read by `normalised()`
(lower case, straight apostrophes, one space between words):

- `word*` the word with any ending: "backdat*" is backdate, backdated, backdating ("write*" is writing too);
- `a/b/c` any one of these words: "log/record/enter"; `_` is a space inside one of them ("turned_up");
- `...` up to eight words in between: "leave ... out of" is "leave his arrest out of";
- `{slot}` any phrase of the list `slot` in `[slots]`: "{subject}" is he, she, they, my client…;
- `#` a number, in figures or in words ("only done # of").

Words in a phrase may be separated in the question by a space, a hyphen or a slash, so "face to
face" is also "face-to-face".
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

REQUESTS_FILE = Path(__file__).with_name("requests.toml")
# each separator and each word of a gap is taken whole (atomic groups): a run of hyphens ("-----") could
# otherwise be split between separators and words in exponentially many ways, and a question holding
# one after "keep" or "make up a" took seconds, then minutes, to read
_GAP = r"(?:(?>[\s\-/]+)(?>[\w'’-]+)){0,8}?"
_BETWEEN = r"[\s\-/]+"
_NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
                 "fifteen", "twenty", "thirty", "forty", "fifty")


@lru_cache(maxsize=1)
def requests_vocabulary() -> dict[str, Any]:
    """`requests.toml`, read once."""
    return tomllib.loads(REQUESTS_FILE.read_text(encoding="utf-8"))


def normalised(text: str) -> str:
    """A question as the phrases are matched against it: lower case, straight quotes, single spaces."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"[–—]", "-", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def _word(word: str, slots: dict[str, list[str]], depth: int) -> str:
    if word == "#":
        return r"(?:\d+|" + "|".join(_NUMBER_WORDS) + ")"
    slot = re.fullmatch(r"\{(\w+)\}(\S*)", word)  # "{i}" or "{i}'d"
    if slot:
        name, suffix = slot.groups()
        if name not in slots:
            raise KeyError(f"requests.toml: the phrase slot {{{name}}} is not in [slots]")
        return "(?:" + "|".join(_phrase(p, slots, depth + 1) for p in slots[name]) + ")" + re.escape(suffix)
    options = []
    for option in word.split("/"):
        if not option.endswith("*"):
            options.append(_BETWEEN.join(re.escape(part) for part in option.split("_")))
            continue
        stem = _BETWEEN.join(re.escape(part) for part in option[:-1].split("_"))
        # "write*" is also "writing": a final e may drop before -ing
        ending = r"(?:e|ing)[\w'-]*+" if stem.endswith("e") and len(stem) > 2 else r"[\w'-]*+"  # the rest of the word, whole
        options.append((stem[:-1] if stem.endswith("e") and len(stem) > 2 else stem) + ending)
    return "(?:" + "|".join(options) + ")"


def _phrase(phrase: str, slots: dict[str, list[str]], depth: int = 0) -> str:
    if depth > 3:
        raise ValueError(f"requests.toml: slots nest too deeply in {phrase!r}")
    parts: list[str] = []
    for word in phrase.lower().split():
        if word == "...":
            parts.append(_GAP)
            continue
        if parts:
            parts.append(_BETWEEN)
        parts.append(_word(word, slots, depth))
    return "".join(parts)


def alternation(phrases: list[str] | tuple[str, ...], slots: dict[str, list[str]] | None = None) -> str:
    """A regular expression (no boundaries) matching any of `phrases`, longest first."""
    slots = requests_vocabulary().get("slots", {}) if slots is None else slots
    ordered = sorted(phrases, key=lambda p: -len(p))
    return "(?:" + "|".join(_phrase(p, slots) for p in ordered) + ")"


def whole(body: str) -> re.Pattern[str]:
    """`body` compiled to match whole words only."""
    return re.compile(r"(?<![\w'])" + body + r"(?![\w'])")


@lru_cache(maxsize=None)
def listed(section: str, key: str) -> str:
    """The alternation for the list `key` in `[section]` of `requests.toml`."""
    return alternation(requests_vocabulary()[section][key])


@lru_cache(maxsize=None)
def compiled(section: str, key: str) -> re.Pattern[str]:
    """The list `key` in `[section]` of `requests.toml`, compiled to match whole words."""
    return whole(listed(section, key))
