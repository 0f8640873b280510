"""The conversation `assistant ask` carries: history files and the kept (redacted, bounded) last conversation."""

from __future__ import annotations

import io
import json
import stat

import pytest

from assistant.cli_conversation import MAX_AGE_S, MAX_TURNS, KeptConversation, read_history_file
from assistant.errors import BadInputError

TURNS = [{"role": "user", "content": "Ex-forces lad with PTSD who drinks heavily"},
         {"role": "assistant", "content": "Closest: a veteran on an ATR.", "cited": ["ne-2025:some-example"]}]


def test_a_history_file_is_read_and_checked(tmp_path):
    path = tmp_path / "history.json"
    path.write_text(json.dumps(TURNS), encoding="utf-8")
    assert read_history_file(str(path)) == TURNS
    assert read_history_file("-", stdin=io.StringIO(json.dumps(TURNS))) == TURNS
    path.write_text("[]", encoding="utf-8")
    assert read_history_file(str(path)) == []


@pytest.mark.parametrize("content, message", [
    (None, "cannot read history file"),
    ("[{\"role\": \"user\", ", "is not valid JSON (line 1"),
    ('{"role": "user", "content": "hi"}', "history must be a list"),
    ('[{"role": "officer", "content": "hi"}]', 'history turn 1 has role officer; use "user" or "assistant"'),
    ('[{"role": "user", "content": 5}]', "history turn 1 content must be text"),
    ('[{"role": "assistant", "content": "x", "cited": "one id"}]', '"cited" must be a list'),
])
def test_a_bad_history_file_gets_one_line_saying_what_is_wrong(tmp_path, content, message):
    path = tmp_path / "history.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(BadInputError, match="history") as caught:
        read_history_file(str(path))
    assert message in str(caught.value) and "\n" not in str(caught.value)


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


def test_the_kept_conversation_holds_only_redacted_turns_and_is_private(tmp_path):
    kept = KeptConversation(tmp_path / "conversation.json")
    kept.keep([{"role": "user", "content": "John Smith, DOB 12/03/1990, CRN X123456, keeps missing appointments"},
               {"role": "assistant", "content": "An answer.", "cited": ["a"]}],
              "what about her housing? ring her on 07700 900123", "Another answer.", ["b"])
    text = (tmp_path / "conversation.json").read_text(encoding="utf-8")
    for secret in ("Smith", "12/03/1990", "X123456", "07700"):
        assert secret not in text
    turns = kept.turns()
    assert [t["role"] for t in turns] == ["user", "assistant", "user", "assistant"]
    assert turns[-1] == {"role": "assistant", "content": "Another answer.", "cited": ["b"]}
    assert stat.S_IMODE((tmp_path / "conversation.json").stat().st_mode) == 0o600


def test_the_kept_conversation_is_bounded_in_turns_size_and_age(tmp_path):
    clock = Clock()
    kept = KeptConversation(tmp_path / "conversation.json", clock=clock)
    history: list[dict] = []
    for n in range(8):
        kept.keep(history, f"question {n}", "answer " + "x" * 5000, [])
        history = kept.turns()
    assert len(history) <= MAX_TURNS and history[-2]["content"] == "question 7"
    assert sum(len(t["content"]) for t in history) <= 20_000
    clock.now += MAX_AGE_S - 1
    assert kept.turns()
    clock.now += 2
    assert kept.turns() == []  # an hour after its last use it is gone, as a web session is


def test_forgetting_and_a_damaged_file(tmp_path):
    kept = KeptConversation(tmp_path / "conversation.json")
    assert kept.forget() is False
    kept.keep([], "a question", "an answer", [])
    assert kept.forget() is True and kept.turns() == []
    (tmp_path / "conversation.json").write_text("{not json", encoding="utf-8")
    assert kept.turns() == [] and "could not be read" in kept.problem
