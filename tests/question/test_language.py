"""The language note, and py3langid's model loaded from its unpacked copy in the model cache."""

from __future__ import annotations

import lzma

import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from assistant.question import language

TEXTS = ["My client has ADHD and keeps missing appointments",
         "Mae fy nghleient yn colli apwyntiadau o hyd ac rwy'n poeni amdano",
         "Mój klient ciągle opuszcza spotkania i nie wiem co robić",
         "DA perp on licence, CRN X123456, MAPPA level 2",
         "Ex-forces lad with PTSD who drinks heavily"]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE", str(tmp_path / "models"))
    return tmp_path / "models"


def test_the_unpacked_copy_is_the_same_model(cache):
    own = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    made = language._identifier.__wrapped__()  # makes the copy
    read = language._identifier.__wrapped__()  # reads it
    assert len(list(cache.glob("langid-*.npz"))) == 1
    for text in TEXTS:
        assert made.classify(text) == read.classify(text) == own.classify(text), text


def test_the_copy_is_read_not_unpacked_again(cache, monkeypatch):
    assert language._unpacked(_packed()) is not None

    def no_unpacking(*args, **kwargs):
        raise AssertionError("unpacked again")

    monkeypatch.setattr(lzma, "open", no_unpacking)
    assert language._unpacked(_packed()) is not None


def test_without_a_cache_the_model_is_unpacked_as_before(monkeypatch):
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE", "off")
    assert language._unpacked(_packed()) is None
    assert language._identifier.__wrapped__().classify(TEXTS[1])[0] == "cy"


def test_a_damaged_copy_is_not_used_and_is_made_again(cache):
    assert language._unpacked(_packed()) is not None
    copy = next(cache.glob("langid-*.npz"))
    copy.write_bytes(copy.read_bytes()[:100_000])  # cut short, as by a full disk
    assert language._unpacked(_packed()) is None and not copy.exists()
    assert language._identifier.__wrapped__().classify(TEXTS[2])[0] == "pl"  # the packed model, as before
    assert language._unpacked(_packed()) is not None and copy.exists()


def test_a_cache_that_cannot_be_written_falls_back(tmp_path, monkeypatch):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE", str(blocked / "models"))
    assert language._unpacked(_packed()) is None
    assert not list(tmp_path.glob("**/*.tmp"))


def test_the_note_names_the_language_and_leaves_english_alone(cache):
    assert language.language_note(TEXTS[0]) is None
    assert language.language_note(TEXTS[3]) is None  # acronyms and numbers
    assert "Welsh" in language.language_note(TEXTS[1])
    assert "Polish" in language.language_note(TEXTS[2])


def _packed():
    from py3langid.langid import MODEL_DIR

    return MODEL_DIR / MODEL_FILE
