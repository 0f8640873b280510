"""Parsing documents in a worker process, with a wall-clock and a memory limit, so one document cannot stop
everything.

The reader caps (`assistant.ingest.limits`) refuse a known bomb before parsing; this is the backstop
for what no cap foresees (a pathological layout, a library that loops). `ParseWorker` keeps one child
process (``python -m assistant.ingest.worker``) whose address space is capped (`parse_memory_mb`) and
sends it one document at a time; a document that takes longer than `parse_timeout` is abandoned (the
child is killed) and one that needs more memory fails inside the child. Either way the document is
skipped with one line naming the limit, and the next document gets a fresh child. A child is started
only when a document must actually be parsed (not for one read from the parse cache).

The protocol is one JSON line each way: {"path": ...} in, {"document": ...} or {"error": ...} out.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from assistant.errors import CorpusError
from assistant.types import Document


@dataclass(frozen=True)
class ParseLimits:
    """How long one document may take to parse, and how much memory the parsing process may use."""

    timeout: float = 120.0
    memory_mb: int = 2048

    @classmethod
    def of(cls, settings) -> "ParseLimits":
        return cls(float(settings.parse_timeout), int(settings.parse_memory_mb))


class ParseWorker:
    """One child process parsing documents under `limits`: `with ParseWorker(limits) as worker: worker.parse(path)`."""

    def __init__(self, limits: ParseLimits):
        self.limits = limits
        self._child: subprocess.Popen | None = None
        self._buffer = b""

    def __enter__(self) -> "ParseWorker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> subprocess.Popen:
        package_root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        self._buffer = b""
        return subprocess.Popen([sys.executable, "-m", "assistant.ingest.worker", str(self.limits.memory_mb)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                                close_fds=True)

    def parse(self, path: Path) -> Document:
        """`path` parsed in the child; CorpusError (one line naming the limit) when it fails or is abandoned."""
        if self._child is None or self._child.poll() is not None:
            self._child = self._start()
        child = self._child
        try:
            child.stdin.write(json.dumps({"path": str(path)}).encode() + b"\n")
            child.stdin.flush()
        except (BrokenPipeError, OSError):
            self.close()
            raise self._crashed(path) from None
        line = self._read_line(child, time.monotonic() + self.limits.timeout)
        if line is None:
            timed_out = child.poll() is None
            self.close()
            if timed_out:
                raise CorpusError(f"{path.name} took longer than {self.limits.timeout:g} s to read (parse_timeout); "
                                  "it was abandoned and the rest of the corpus read; split it or remove it")
            raise self._crashed(path)
        reply = json.loads(line)
        if "error" in reply:
            raise CorpusError(reply["error"])
        from assistant.ingest.cache import document_from_json

        return document_from_json(reply["document"])

    def _crashed(self, path: Path) -> CorpusError:
        return CorpusError(f"{path.name} could not be read within the memory limit of {self.limits.memory_mb:,} MB "
                           "(parse_memory_mb), or the reader crashed on it; split it or remove it")

    def _read_line(self, child: subprocess.Popen, deadline: float) -> bytes | None:
        """One line from the child, or None when the deadline passes or the child ends first."""
        with selectors.DefaultSelector() as selector:
            selector.register(child.stdout, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(timeout=left):
                    return None
                piece = os.read(child.stdout.fileno(), 1 << 20)
                if not piece:
                    return None
                self._buffer += piece
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def close(self) -> None:
        """End the child (killed if it is still working on a document)."""
        child, self._child = self._child, None
        if child is None:
            return
        if child.poll() is None:
            child.kill()
        child.wait()
        for stream in (child.stdin, child.stdout):
            try:
                stream.close()
            except OSError:
                pass


def parser(limits: ParseLimits | None) -> tuple[Callable[[Path], Document], Callable[[], None]]:
    """(parse, close): parsing in a worker under `limits`, or in this process when `limits` is None."""
    if limits is None:
        from assistant.ingest.documents import parse_document

        return parse_document, lambda: None
    worker = ParseWorker(limits)
    return worker.parse, worker.close


def _serve(memory_mb: int) -> None:
    """The child: cap the address space, then parse each path it is sent and answer with one JSON line."""
    import resource

    limit = memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints goes to stderr, never into the replies
    from assistant.ingest.cache import document_to_json
    from assistant.ingest.documents import parse_document

    for line in sys.stdin.buffer:
        path = Path(json.loads(line)["path"])
        try:
            reply = {"document": document_to_json(parse_document(path))}
        except CorpusError as exc:
            reply = {"error": str(exc)}
        except MemoryError:
            reply = {"error": f"{path.name} needs more memory than the limit of {memory_mb:,} MB (parse_memory_mb) "
                              "to read; split it or remove it"}
        except RecursionError:
            reply = {"error": f"{path.name} is nested too deeply to read; simplify it or remove it"}
        except Exception as exc:  # noqa: BLE001 (a reader's bug must cost one document, not the build)
            reply = {"error": f"{path.name} could not be read ({type(exc).__name__}: {str(exc)[:200]}); "
                              "remove it or report it"}
        try:
            replies.write(json.dumps(reply, ensure_ascii=False, default=str).encode() + b"\n")
        except MemoryError:
            replies.write(json.dumps({"error": f"{path.name} needs more memory than the limit of {memory_mb:,} MB "
                                               "(parse_memory_mb) to read; split it or remove it"}).encode() + b"\n")
        replies.flush()


if __name__ == "__main__":  # pragma: no cover (the child process)
    _serve(int(sys.argv[1]))
