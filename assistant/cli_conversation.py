"""The conversation `assistant ask` carries: a history file (`--history FILE`, `-` for stdin), or the last
conversation, kept in the user's data folder (`--continue`; `--forget` deletes it).

The kept conversation is a JSON file (the `conversation_file` setting, beside the feedback database)
holding only redacted turns: the question as the assistant searched it, the answer's text without its
sources, and the ids it cited. Like a session in the web app it is bounded: the last `MAX_TURNS` turns,
and it is dropped an hour (`MAX_AGE_S`) after its last use. Each `assistant ask` replaces it with the
conversation it answered in plus its own turn, so `--continue` goes on from the last answer.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable, TextIO

import click

from assistant.errors import BadInputError
from assistant.files import write_text_atomic

MAX_TURNS = 10  # as the web app keeps: five questions and their answers
MAX_AGE_S = 3600  # as the web app keeps a session: an hour after its last use
MAX_FILE_BYTES = 1_000_000  # a history file larger than this is not a conversation
FORMAT = 1


def conversation_options(command: Callable) -> Callable:
    """The options of `assistant ask` that carry a conversation."""
    for option in reversed([
        click.option("--history", "history_file", metavar="FILE", default=None,
                     help='Earlier turns, a JSON list of {"role": "user"|"assistant", "content", "cited"?}; - reads stdin.'),
        click.option("--continue", "continue_", is_flag=True,
                     help="Continue the last conversation (kept, redacted, for an hour in the data folder)."),
        click.option("--forget", is_flag=True, help="Delete the kept conversation (and say where it was kept)."),
    ]):
        command = option(command)
    return command


def read_history_file(source: str, stdin: TextIO | None = None) -> list[dict[str, Any]]:
    """The turns in a history file (`-`: stdin), checked like every other conversation; a BadInputError
    with one line saying what is wrong otherwise."""
    from assistant.api import validation

    name = "stdin" if source == "-" else source
    try:
        if source == "-":
            text = (stdin or sys.stdin).read(MAX_FILE_BYTES + 1)
        else:
            path = Path(source).expanduser()
            if path.is_file() and path.stat().st_size > MAX_FILE_BYTES:
                raise BadInputError(f"history file {name} is over {MAX_FILE_BYTES // 1_000_000} MB; keep only the last "
                                    "few turns")
            text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise BadInputError(f"cannot read history file {name} ({reason})") from None
    if len(text) > MAX_FILE_BYTES:
        raise BadInputError(f"history from {name} is over {MAX_FILE_BYTES // 1_000_000} MB; keep only the last few turns")
    try:
        turns = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInputError(f"history file {name} is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    try:
        return validation.history(turns) or []
    except BadInputError as exc:
        raise BadInputError(f"history file {name}: {exc}") from None


class KeptConversation:
    """The last conversation of `assistant ask`, in one JSON file."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time):
        self.path = path
        self.clock = clock
        self.problem: str | None = None  # why the kept file was set aside, when it was

    def turns(self) -> list[dict[str, Any]]:
        """The kept turns, oldest first: none when there are none, they are over an hour old, or the file is
        unreadable (`problem` then says so)."""
        from assistant.api import validation

        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            self.problem = f"the kept conversation {self.path} could not be read ({exc.__class__.__name__})"
            return []
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            self.problem = f"the kept conversation {self.path} is not one this version wrote"
            return []
        updated = data.get("updated")
        if not isinstance(updated, (int, float)) or self.clock() - updated > MAX_AGE_S:
            return []
        try:
            return validation.history(data.get("turns")) or []
        except BadInputError as exc:
            self.problem = f"the kept conversation {self.path} is damaged ({exc})"
            return []

    def keep(self, history: list[dict[str, Any]], question: str, answer_text: str, cited: list[str]) -> None:
        """Keep `history` and this turn (redacted again, whatever the caller passed), bounded in turns and size."""
        from assistant.api import redacted, validation

        turns = [_redacted_turn(turn) for turn in history]
        turns += [{"role": "user", "content": redacted(question)},
                  {"role": "assistant", "content": redacted(answer_text), "cited": list(cited)[:validation.MAX_CITED]}]
        turns = turns[-MAX_TURNS:]
        while len(turns) > 2 and sum(len(t["content"]) for t in turns) > validation.MAX_HISTORY_CHARS:
            turns = turns[2:]  # the oldest question and answer go first
        share = validation.MAX_HISTORY_CHARS // len(turns)
        turns = [t | {"content": t["content"][:share]} for t in turns]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(self.path, json.dumps({"format": FORMAT, "updated": self.clock(), "turns": turns},
                                                ensure_ascii=False, indent=1))
        try:
            os.chmod(self.path, 0o600)  # the person's own questions: not for other users of the machine
        except OSError:
            pass

    def forget(self) -> bool:
        """Delete the kept conversation; True when there was one."""
        try:
            self.path.unlink()
            return True
        except FileNotFoundError:
            return False


def _redacted_turn(turn: dict[str, Any]) -> dict[str, Any]:
    from assistant.api import redacted

    kept: dict[str, Any] = {"role": turn["role"], "content": redacted(str(turn["content"]))}
    if turn.get("cited"):
        kept["cited"] = [str(i) for i in turn["cited"]]
    return kept


def conversation_for(settings, history_file: str | None, continue_: bool) -> list[dict[str, Any]]:
    """The turns `assistant ask` answers in; a note on stderr when there is none to continue."""
    if history_file and continue_:
        raise BadInputError("use --history FILE or --continue, not both")
    if history_file:
        return read_history_file(history_file)
    if not continue_:
        return []
    kept = KeptConversation(settings.resolved("conversation_file"))
    turns = kept.turns()
    if kept.problem:
        click.echo(f"Note: {kept.problem}; answering on its own", err=True)
    elif not turns:
        click.echo("Note: no recent conversation to continue (one is kept for an hour after each `assistant ask`); "
                   "answering on its own", err=True)
    return turns


def keep_turn(settings, history: list[dict[str, Any]], answer) -> None:
    """Keep the conversation `answer` was given in, and its turn, for `--continue` (the answer without sources)."""
    from assistant.render import markdown

    KeptConversation(settings.resolved("conversation_file")).keep(
        history, answer.question, markdown(answer, notice=False, sources=False), [c.unit.id for c in answer.citations])


def forget_kept(settings) -> str:
    """Delete the kept conversation; a line saying so, and where it was kept."""
    kept = KeptConversation(settings.resolved("conversation_file"))
    return f"Forgot the conversation kept in {kept.path}" if kept.forget() else f"No conversation kept in {kept.path}"
