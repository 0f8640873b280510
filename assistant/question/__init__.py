"""Reading the question, once, at the boundary: validation, personal data, language, intent, facets and
where it stands in its conversation. A `Question` is read once and passed on to every later stage.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.question.asks import asks
from assistant.question.intent import Intent, read_intent
from assistant.question.language import language_note
from assistant.question.privacy import redact


@dataclass(frozen=True)
class Question:
    """A question as the later stages see it: case details redacted, its intent and language read."""

    text: str  # as asked, with real case details replaced ([NAME], [CRN]…)
    intent: Intent
    language_note: str | None = None  # a note when it is not in English
    redaction_warning: str | None = None  # what was redacted, when anything was
    asks: tuple[str, ...] = ()  # each ask of a multi-part question, standalone with its case description


def read_question(text: str) -> Question:
    """Redact `text` and read what it asks for (validate it first: `validation.question`)."""
    redaction = redact(text)
    asked = redaction.text
    return Question(asked, read_intent(asked), language_note(asked), redaction.warning, tuple(asks(asked)))


__all__ = ["Question", "read_question"]
