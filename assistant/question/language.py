"""Which language a question is in, so a question in another language gets a plain note.

The documents are in English, so a question in Welsh or Polish finds little and would get
the generic refusal with no word of why. `language_note()` says so in one line. It uses
py3langid (the langid.py model, shipped inside the package, offline and deterministic),
and only speaks up when the model is confident and the question has a few words: short
English questions full of acronyms ("ADHD", "DA perp?") must never get the note.
"""

from __future__ import annotations

import re
import shutil
from functools import lru_cache
from pathlib import Path

from assistant.files import atomic_file, model_cache

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
    """py3langid's model, from the unpacked copy in the model cache where there is one.

    The package ships it LZMA-packed, and unpacking it took 0.4 of the 0.6 s of CPU that loading it
    cost every process that reads a question (`assistant ask`, `eval`, `serve`). The copy is the
    same arrays, so the same model; without a cache (or with a damaged copy) it is unpacked as before.
    """
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    arrays = _unpacked(MODEL_DIR / MODEL_FILE)
    if arrays is None:
        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ptc, pc, classes, nextmove, row, output = arrays
    return LanguageIdentifier(ptc, pc, classes, nextmove, output, norm_probs=True, tk_row=row)


def _unpacked(packed: Path) -> tuple | None:
    """The model's arrays as py3langid's loader makes them, from an unpacked copy of `packed` in the model
    cache (made now if missing); None when there is no cache or it cannot be used."""
    import lzma
    import zipfile

    import numpy as np
    from py3langid import __version__
    from py3langid.modelio import _to_array

    cache = model_cache()
    if cache is None:
        return None
    copy = cache / f"langid-{__version__}-{packed.stat().st_size}.npz"
    try:
        if not copy.exists():
            cache.mkdir(parents=True, exist_ok=True)
            with lzma.open(packed) as source, atomic_file(copy) as target:
                shutil.copyfileobj(source, target, length=1 << 20)
        with np.load(copy, allow_pickle=False) as data:
            return (np.asarray(data["ptc"]), np.asarray(data["pc"]), data["classes"].tolist(),
                    _to_array(data["nextmove"]), _to_array(data["nextmove_row"]), data["out_feat"].tolist())
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, lzma.LZMAError):
        try:  # a damaged copy is made again by the next process
            copy.unlink(missing_ok=True)
        except OSError:
            pass
        return None


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
