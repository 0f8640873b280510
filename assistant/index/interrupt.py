"""Ctrl-C during a build: it stops within a moment, at any size, and the previous build serves on.

Python raises KeyboardInterrupt in the main thread between two bytecodes, which stops a build
at once while it runs Python code. Three places need more, and `stopping_on_ctrl_c()` (around
a build, in the main thread) gives it them:

- The embedding runs in worker threads (and onnxruntime's own), which never see a
  KeyboardInterrupt: a Ctrl-C also sets `requested()`, which they check before every text.
- A call into Chroma returns to Python only when it is done, and an exception raised inside
  its Python code could leave it half-way: each call is a small batch made in `deferred()`,
  which holds a Ctrl-C until the call has returned and then stops the build.
- The switch to the new build (rename, manifest) happens whole: it runs in `held()`, which
  holds a Ctrl-C without stopping, since once the switch is done the build has finished.

An interrupted build removes its unfinished folder (`build._NewBuild.abandon`), and what it
could not remove the next `assistant index` does.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator

_requested = threading.Event()
_holding = 0  # how many deferred() or held() sections the main thread is in


def requested() -> bool:
    """True once Ctrl-C was pressed during the build (worker threads check it before each piece of work)."""
    return _requested.is_set()


def checkpoint() -> None:
    """Stop here (KeyboardInterrupt) if Ctrl-C was pressed and is not being held."""
    if _requested.is_set() and not _holding:
        raise KeyboardInterrupt


@contextmanager
def held() -> Iterator[None]:
    """A step that must happen whole: a Ctrl-C during it only sets `requested()`."""
    global _holding
    main = threading.current_thread() is threading.main_thread()
    _holding += main
    try:
        yield
    finally:
        _holding -= main


@contextmanager
def deferred() -> Iterator[None]:
    """A call that must not stop half-way (into Chroma, SQLite): a Ctrl-C during it stops the build after it."""
    with held():
        yield
    checkpoint()


@contextmanager
def stopping_on_ctrl_c() -> Iterator[None]:
    """While a build runs: Ctrl-C (SIGINT) sets `requested()` and raises KeyboardInterrupt at once, or as soon
    as a `deferred()` call returns. Outside the main thread, or where a program handles SIGINT itself, it
    changes nothing."""
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return

    def on_ctrl_c(signum, frame) -> None:
        _requested.set()
        if not _holding:
            raise KeyboardInterrupt

    _requested.clear()
    previous = signal.signal(signal.SIGINT, on_ctrl_c)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        _requested.clear()
