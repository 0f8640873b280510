"""Which language a question is in, so a question in another language gets a plain note.

The documents are in English, so a question in Welsh or Polish finds little and would get
the generic refusal with no word of why. `language_note()` says so in one line. It uses
py3langid (the langid.py model, shipped inside the package, offline and deterministic),
and only speaks up when the model is confident and the question has a few words: short
English questions full of acronyms ("ADHD", "DA perp?") must never get the note.
"""

from __future__ import annotations

import re
from functools import lru_cache

MIN_WORDS = 3
MIN_CONFIDENCE = 0.8
NAMES = {
    "cy": "Welsh", "ga": "Irish", "gd": "Scottish Gaelic", "pl": "Polish", "ro": "Romanian", "ur": "Urdu",
    "pa": "Punjabi", "bn": "Bengali", "gu": "Gujarati", "hi": "Hindi", "ar": "Arabic", "so": "Somali",
    "lt": "Lithuanian", "lv": "Latvian", "pt": "Portuguese", "es": "Spanish", "fr": "French", "it": "Italian",
    "de": "German", "tr": "Turkish", "zh": "Chinese", "ru": "Russian", "uk": "Ukrainian", "bg": "Bulgarian",
    "sq": "Albanian", "fa": "Persian", "ku": "Kurdish", "ps": "Pashto", "ta": "Tamil", "vi": "Vietnamese",
}
_WORD = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> tuple[str, float] | None:
    """(language code, confidence) for a question of at least MIN_WORDS words, else None."""
    if len(_WORD.findall(text)) < MIN_WORDS:
        return None
    language, confidence = _identifier().classify(text)
    return str(language), float(confidence)


def language_note(text: str) -> str | None:
    """One line when the question is confidently not in English; None otherwise."""
    found = detect(text)
    if found is None or found[0] == "en" or found[1] < MIN_CONFIDENCE:
        return None
    name = NAMES.get(found[0])
    seems = f"This question looks like {name}. " if name else "This question does not look like English. "
    return seems + "The documents are in English only, so ask in English for the best matches."
