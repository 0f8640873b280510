"""The test session's shared index build (tests/session_build.py) and the order the workers take files in."""

from __future__ import annotations

import os
import pickle
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import _order_files
from session_build import DONE, FAILED, wait_for

NO_SUCH_PROCESS = int(Path("/proc/sys/kernel/pid_max").read_text()) + 1


def test_the_workers_get_the_report_once_the_build_is_done(tmp_path):
    (tmp_path / DONE).write_bytes(pickle.dumps({"chunks": 158}))
    assert wait_for(tmp_path, os.getpid()) == {"chunks": 158}


def test_a_failed_build_fails_the_workers_with_its_reason(tmp_path):
    (tmp_path / FAILED).write_text("Traceback …\nOSError: no room left on the device", encoding="utf-8")
    with pytest.raises(RuntimeError, match="build failed:\nTraceback …\nOSError: no room left"):
        wait_for(tmp_path, os.getpid())


def test_a_build_process_that_died_without_a_word_is_not_waited_for(tmp_path):
    (tmp_path / "build.log").write_text("Killed", encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(RuntimeError, match=rf"process {NO_SUCH_PROCESS}\) ended without a result:\nKilled"):
        wait_for(tmp_path, NO_SUCH_PROCESS)
    assert time.monotonic() - started < 5


def test_a_build_that_never_ends_is_waited_for_no_longer_than_the_timeout(tmp_path):
    with pytest.raises(RuntimeError, match="did not finish in 0 s"):
        wait_for(tmp_path, os.getpid(), timeout=0.3)


def _item(path: str, name: str, needs_index: bool, slow: bool = False):
    return SimpleNamespace(nodeid=f"{path}::{name}", fixturenames=["built"] if needs_index else [],
                           get_closest_marker=lambda mark: object() if slow and mark == "slow" else None)


def test_files_without_the_index_come_first_then_the_heaviest_whole_files():
    items = [_item("tests/a.py", "one", True), _item("tests/a.py", "two", False),
             _item("tests/b.py", "one", False), _item("tests/b.py", "two", False),
             _item("tests/c.py", "one", True, slow=True),
             _item("tests/d.py", "one", False, slow=True),
             _item("tests/a.py", "three", False)]
    _order_files(items)
    assert [item.nodeid for item in items] == [
        "tests/d.py::one",  # no index, slow
        "tests/b.py::one", "tests/b.py::two",  # no index
        "tests/c.py::one",  # the index, slow
        "tests/a.py::one", "tests/a.py::two", "tests/a.py::three",  # the index; a file stays whole and in order
    ]
