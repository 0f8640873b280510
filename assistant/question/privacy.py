"""Personal data in questions: detect and redact real case details before they go anywhere.

Practitioners are asked not to type real case details. When a question holds them anyway
(a full name with a date of birth, a CRN, PNC or prison number, an address, a phone
number), they are replaced by placeholders before the question is searched, logged or
sent to an LLM, and the user is warned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MONTHS = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_DATE = rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:19|20)?\d{{2}}|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}\s+(?:19|20)\d{{2}})"

# (kind, pattern) in the order they are applied
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("date of birth", re.compile(rf"\b(?:DOB|D\.O\.B\.?|date of birth|born(?: on)?)\s*[:\-]?\s*{_DATE}", re.I)),
    ("date of birth", re.compile(rf"\b{_DATE}\b(?=.{{0,3}}\(?(?:DOB|born)\b)", re.I)),
    ("date of birth", re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:19[2-9]\d|200\d|201[0-4])\b")),
    ("PNC number", re.compile(r"\b(?:19|20)?\d{2}/\d{5,7}[A-Z]\b")),
    ("prison number", re.compile(r"\b[A-Z]\d{4}[A-Z]{2}\b")),
    ("CRN", re.compile(r"\b[A-Z]\d{6}\b")),
    ("phone number", re.compile(r"(?<!\d)(?:\+44\s?7\d{3}|07\d{3})\s?\d{3}\s?\d{3}(?!\d)|(?<!\d)0[1-9]\d{1,3}\s\d{3,4}\s?\d{3,4}(?!\d)")),
    ("address", re.compile(
        r"\b\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][a-z]+\s){1,3}(?:Road|Rd|Street|St|Avenue|Ave|Lane|Drive|Close|Crescent|Way|"
        r"Terrace|Court|Place|Gardens|Grove|Row|Walk|View|Square)\b")),
    ("postcode", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")),
]
_NAME_BEFORE = re.compile(r"\b([A-Z][a-z]+(?:[ -][A-Z][a-z']+)+)[\s,]*(?:\(|,|\s)*$")
_PLACEHOLDER = {"date of birth": "[DATE OF BIRTH]", "PNC number": "[PNC]", "prison number": "[PRISON NUMBER]",
                "CRN": "[CRN]", "phone number": "[PHONE]", "address": "[ADDRESS]", "postcode": "[POSTCODE]"}

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


def redact(text: str) -> Redaction:
    """Replace case identifiers (and a full name written beside one) with placeholders."""
    found: list[str] = []
    for kind, pattern in _PATTERNS:
        def substitute(match: re.Match[str], kind: str = kind) -> str:
            found.append(kind)
            return _PLACEHOLDER[kind]

        text = pattern.sub(substitute, text)
    if found:
        # a full name written just before an identifier: "John Smith, DOB …", "Jane Doe (CRN …)"
        pieces = []
        last = 0
        for placeholder in re.finditer(r"\[(?:DATE OF BIRTH|CRN|PNC|PRISON NUMBER)\]", text):
            window_start = max(last, placeholder.start() - 40)
            window = text[window_start:placeholder.start()]
            name = _NAME_BEFORE.search(window)
            if name:
                pieces.append(text[last:window_start + name.start(1)] + "[NAME]" + text[window_start + name.end(1):placeholder.end()])
                found.append("name")
            else:
                pieces.append(text[last:placeholder.end()])
            last = placeholder.end()
        pieces.append(text[last:])
        text = "".join(pieces)
    return Redaction(text, tuple(dict.fromkeys(found)))
