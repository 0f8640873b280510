"""Personal data in questions: detect and redact real case details before they go anywhere.

Practitioners are asked not to type real case details. When a question holds them anyway, in
upper or lower case — a date of birth (written out, numeric or ISO), a CRN, PNC, prison or
National Insurance number, an e-mail address, a phone number (UK or international), an
address or postcode, or a name (beside one of those, or introduced the way practitioners
introduce the person: "my client John", "my case, jade", "he's called kyle", "my PoP dave",
"Mr Smith") — they are replaced by placeholders before the question is searched, logged,
stored or sent to an LLM, and the user is warned.

Names are the hard part: after "my client" most words are verbs ("my client keeps…"), so a
lower-case word there is a name only when it is a known first name (`names.toml`); a
capitalised word is a name unless it is a known non-name ("my client Muslim…"). After "called",
"named", "his name is" or a title ("Mr"), a lower-case word is a name unless it is common English.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

_MONTHS = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_BIRTH_YEAR = r"(?:19[2-9]\d|200\d|201[0-4])"  # a year a person on probation was born in
_DATE = (rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:19|20)?\d{{2}}"
         rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\.?,?\s+(?:19|20)\d{{2}}"
         rf"|{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}"
         rf"|(?:19|20)\d{{2}}[/.-]\d{{1,2}}[/.-]\d{{1,2}})")
# lower-case words that may sit between a house number and a street's suffix without being its name
_NOT_STREET = r"(?:the|a|an|of|to|down|up|from|along|across|near|by|miles?|mins?|minutes?|hours?|yards?|metres?|km)"
_STREET_WORD = rf"(?:(?!{_NOT_STREET}\b)[a-z][a-z'-]*\s)"

# (kind, pattern) in the order they are applied
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("e-mail address", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("date of birth", re.compile(rf"\b(?:DOB|D\.O\.B\.?|date of birth|birth ?date|born(?: on)?)\s*[:\-]?\s*{_DATE}",
                                 re.I)),
    ("date of birth", re.compile(rf"\b{_DATE}\b(?=.{{0,3}}\(?(?:DOB|D\.O\.B|born)\b)", re.I)),
    ("date of birth", re.compile(rf"\b\d{{1,2}}[/.-]\d{{1,2}}[/.-]{_BIRTH_YEAR}\b")),
    ("date of birth", re.compile(rf"\b{_BIRTH_YEAR}[/.-](?:0?[1-9]|1[0-2])[/.-](?:0?[1-9]|[12]\d|3[01])\b")),
    ("PNC number", re.compile(r"\b(?:19|20)?\d{2}/\d{5,7}[A-Z]\b", re.I)),
    ("NI number", re.compile(r"\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.I)),
    ("prison number", re.compile(r"\b[A-Z]\d{4}[A-Z]{2}\b", re.I)),
    ("CRN", re.compile(r"\b[A-Z]\d{6}\b", re.I)),
    ("phone number", re.compile(  # international: +353 87 123 4567, 0048 601 234 567, +1 (202) 555-0143
        r"(?<![\w+])(?:\+|00)\s?[1-9]\d{0,2}[\s.-]?(?:\(0\)[\s.-]?)?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}(?!\d)")),
    ("phone number", re.compile(r"(?<!\d)07\d{3}[\s-]?\d{3}[\s-]?\d{3}(?!\d)|(?<![\d/])\(?0[1-9]\d{1,3}\)?[\s-]?"
                                r"\d{3,4}[\s-]?\d{3,4}(?![\d/])")),
    ("address", re.compile(
        r"\b\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][a-z]+\s){1,3}(?:Road|Rd|Street|St|Avenue|Ave|Lane|Drive|Close|Crescent|Way|"
        r"Terrace|Court|Place|Gardens|Grove|Row|Walk|View|Square|Mews|Parade)\b")),
    ("address", re.compile(rf"(?i:\b\d{{1,4}}[a-z]?,?\s+{_STREET_WORD}{{1,3}}(?:road|rd|street|avenue|ave|lane|drive|"
                           rf"crescent|terrace|gardens|grove|mews|parade)\b)")),
    ("address", re.compile(r"\bflat\s+\d{1,4}[a-z]?\b(?!\s*(?:miles?|mins?|minutes?|hours?|days?|weeks?|months?|"
                           r"years?|times?|km)\b)", re.I)),
    ("postcode", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")),
    ("postcode", re.compile(r"\b[a-z]{1,2}\d[a-z\d]?\s\d(?!(?:st|nd|rd|th)\b)[abd-hjlnp-uw-z]{2}\b", re.I)),
]
_PLACEHOLDER = {"e-mail address": "[EMAIL]", "date of birth": "[DATE OF BIRTH]", "PNC number": "[PNC]",
                "NI number": "[NI NUMBER]", "prison number": "[PRISON NUMBER]", "CRN": "[CRN]",
                "phone number": "[PHONE]", "address": "[ADDRESS]", "postcode": "[POSTCODE]"}
_IDENTIFIERS = re.compile(r"\[(?:DATE OF BIRTH|CRN|PNC|PRISON NUMBER|NI NUMBER|EMAIL)\]")
# what may stand between a name and its identifier: "John Smith, DOB …", "Jane Doe (CRN …", "jo bell ni: …"
_LABELS = r"(?i:[\s,:(]|\b(?:crn|dob|d\.o\.b\.?|pnc|ni|nino|no\.?|number|prison|born|e-?mail|date\s+of\s+birth)\b)*$"
_NAME_BEFORE = re.compile(rf"\b([A-Z][a-z]+(?:[ -][A-Z][a-z']+)+){_LABELS}")
_WORDS_BEFORE = re.compile(rf"\b([a-z]+(?:\s+[a-z]+)?){_LABELS}", re.I)

# "my client", "my case" and the ways practitioners abbreviate them: a weak cue (most words after it are verbs)
_WEAK_CUE = re.compile(
    r"\bmy\s+(?:client|clnt|clt|cl\.|case|pop|p\.o\.p\.?|su|s\.u\.|service\s+user|offender|young\s+person|yp|"
    r"lad|guy|fella|bloke|lass|girl|boy|woman|man)(?!\w)(?:'s|’s)?\s*[,:(–-]?\s*", re.I)
# "he's called", "she is named", "his name is", "known as", "Mr": a strong cue (the next word is a name)
_PEOPLE = (r"(?:he|she|they|client|pop|lad|guy|man|woman|girl|boy|fella|bloke|lass|person|someone|somebody|kid|son|"
           r"daughter|partner|boyfriend|girlfriend|husband|wife|brother|sister|mum|dad|victim)")
# "he's called", "a lad named", "his name is", "goes by", "Mr": a strong cue (the next word is a name)
_STRONG_CUE = re.compile(
    rf"\b(?:{_PEOPLE}(?:'s|’s|s|\s+is|\s+was|\s+are|'re|’re)?\s+(?:called|named|known\s+as|goes\s+by)|"
    r"(?:his|her|their|client'?s?|pop'?s?|the\s+person'?s?)\s+name\s+(?:is|was)|name(?:'s|’s)|name\s*:|(?:aka\b|a\.k\.a\.?)|"
    r"goes\s+by|(?:mrs|mr|ms|mx)\b\.?)(?!\w)\s*[,:(]?\s*", re.I)
_MISS = re.compile(r"\bMiss\s+(?=[A-Z])")  # "Miss Patel" (a title), never "miss appointments"
_TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*")
_COMMON_ZIPF = 3.9  # a lower-case word more common than this in English is a word, not a name, after "called"
_RARE_ZIPF = 3.0  # after "my client", a lower-case word rarer than this that is no verb or adjective is a name
_WORD_ENDINGS = re.compile(r"(?:ed|ing|ly|ic|al|ous|ive|ful|less|able|ible|ent|ant|ary|ory|ish|ist|ism|ness|ment|"
                           r"tion|sion|s)$")

PERSONAL_DATA_WARNING = (
    "This question seems to hold real case details ({kinds}). Please don't enter real case details: "
    "they were removed before searching and are not logged or sent anywhere."
)


@dataclass(frozen=True)
class Redaction:
    text: str  # the question with personal data replaced by placeholders
    found: tuple[str, ...]  # kinds found, e.g. ("date of birth", "name")

    @property
    def warning(self) -> str | None:
        return PERSONAL_DATA_WARNING.format(kinds=", ".join(self.found)) if self.found else None


@functools.lru_cache(maxsize=1)
def _names() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(first names, surnames, capitalised words that are not names), from names.toml."""
    data = tomllib.loads(Path(__file__).with_name("names.toml").read_text(encoding="utf-8"))
    return tuple(frozenset(data[key].split()) for key in ("first", "surnames", "not_names"))  # type: ignore[return-value]


def _zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")


def _unknown_word(word: str, rarer_than: float) -> bool:
    """A lower-case word rare in English (`rarer_than` on the Zipf scale) that does not read as a verb or adjective."""
    return _zipf(word) < rarer_than and not (rarer_than < _COMMON_ZIPF and _WORD_ENDINGS.search(word))


def _is_capitalised(token: str) -> bool:
    return token[0].isupper() and not (len(token) > 1 and token.isupper())


def _name_tokens(text: str, start: int, strong: bool) -> tuple[int, int] | None:
    """The span of the name starting at `start` (one to three words), or None when the words there are no name."""
    first, surnames, not_names = _names()
    end = None
    position = start
    for n in range(3):
        match = _TOKEN.match(text, position)
        if not match:
            break
        token = match.group(0)
        bare = re.sub(r"['’]s$", "", token).lower()
        if len(bare) < 2 or bare in not_names:
            break
        if _is_capitalised(token) or bare in first or bare in surnames:
            named = True
        elif n == 0:  # "he's called jayden" (any uncommon word), "my client siobhan" (a rare one)
            named = _unknown_word(bare, _COMMON_ZIPF if strong else _RARE_ZIPF)
        else:  # a surname after a first name: "tyrone okafor"
            named = not _WORD_ENDINGS.search(bare) and _zipf(bare) < _COMMON_ZIPF
        if not named:
            break
        end = match.start() + len(bare) if token.lower() != bare else match.end()
        space = re.match(r"[ \t]+(?=\S)", text[match.end():])
        if space is None or token.lower() != bare:  # a possessive ends the name
            break
        position = match.end() + space.end()
    return (start, end) if end else None


def _introduced_names(text: str) -> tuple[str, bool]:
    """`text` with the names introduced by a cue ("my client john", "he's called Kyle") replaced by [NAME]."""
    spans = []
    for cue, strong in ((_STRONG_CUE, True), (_WEAK_CUE, False), (_MISS, False)):
        for match in cue.finditer(text):
            span = _name_tokens(text, match.end(), strong)
            if span and not any(s[0] < span[1] and span[0] < s[1] for s in spans):
                spans.append(span)
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + "[NAME]" + text[end:]
    return text, bool(spans)


def _names_before_identifiers(text: str) -> tuple[str, bool]:
    """A name written just before an identifier: "John Smith, DOB …", "Jane Doe (CRN …)", "jade price dob …"."""
    first, surnames, _ = _names()
    pieces, last, found = [], 0, False
    for placeholder in _IDENTIFIERS.finditer(text):
        window_start = max(last, placeholder.start() - 40)
        window = text[window_start:placeholder.start()]
        name = _NAME_BEFORE.search(window)
        if name is None:
            lower = _WORDS_BEFORE.search(window)
            words = lower.group(1).lower().split() if lower else []
            name = lower if words and all(w in first or w in surnames for w in words) else None
        if name:
            pieces.append(text[last:window_start + name.start(1)] + "[NAME]" + text[window_start + name.end(1):placeholder.end()])
            found = True
        else:
            pieces.append(text[last:placeholder.end()])
        last = placeholder.end()
    pieces.append(text[last:])
    return "".join(pieces), found


def redact(text: str) -> Redaction:
    """Replace case identifiers, and names introduced as the person's or written beside one, with placeholders."""
    found: list[str] = []
    for kind, pattern in _PATTERNS:
        def substitute(match: re.Match[str], kind: str = kind) -> str:
            found.append(kind)
            return _PLACEHOLDER[kind]

        text = pattern.sub(substitute, text)
    text, named = _introduced_names(text)
    if found:
        text, beside = _names_before_identifiers(text)
        named = named or beside
    if named:
        found.append("name")
    return Redaction(text, tuple(dict.fromkeys(found)))
