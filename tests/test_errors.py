"""One line for every operating-system failure: the path, the reason and what to do, never a traceback."""

from __future__ import annotations

import errno
import sqlite3

import pytest

from assistant.errors import StorageError, os_error_line, storage_error, unexpected_line


@pytest.mark.parametrize("code, advice", [
    (errno.EACCES, "check its permissions"),
    (errno.EPERM, "check its permissions"),
    (errno.ENOENT, "a folder in it does not exist"),
    (errno.ENOTDIR, "a file is where a folder is needed"),
    (errno.EISDIR, "a folder is where a file is needed"),
    (errno.ENOSPC, "the device is full; free some space"),
    (errno.EDQUOT, "the disk quota is used up"),
    (errno.EROFS, "the file system is read-only"),
    (errno.ENAMETOOLONG, "the path is too long"),
    (errno.ELOOP, "loops through symbolic links"),
    (errno.EEXIST, "something is already there"),
    (errno.EIO, "input/output error"),
    (errno.EMFILE, "too many files are open"),
])
def test_each_os_error_is_one_line_naming_the_path_and_what_to_do(code, advice):
    line = os_error_line(OSError(code, "reason", "/srv/index/units.jsonl"), "write")
    assert line.startswith("cannot write /srv/index/units.jsonl (reason); ") and advice in line
    assert "\n" not in line
    error = storage_error(OSError(code, "reason", "/srv/index"))
    assert isinstance(error, StorageError) and error.exit_code == 74 and "/srv/index" in str(error)


def test_an_error_without_a_path_or_a_known_code_is_still_one_line():
    assert os_error_line(OSError(errno.ENOSPC, "No space left on device")) == (
        "cannot use a file (No space left on device); the device is full; free some space or choose a folder on "
        "another device")
    assert "check the path, its permissions and the disk" in os_error_line(OSError(errno.ECONNRESET, "reset", "/x"))
    assert os_error_line(OSError("odd")).startswith("cannot use a file (OSError)")


def test_a_full_device_names_the_destination_of_a_copy_not_its_source(tmp_path):
    """shutil.copyfile names the source first: `add` said "cannot use guide.docx (No space left on device)"."""
    copy = OSError(errno.ENOSPC, "No space left on device", "guide.docx", None, "/corpus/documents/.adding-1/guide.docx")
    assert os_error_line(copy).startswith("cannot use /corpus/documents/.adding-1/guide.docx (No space left")
    denied = OSError(errno.EACCES, "Permission denied", "guide.docx", None, "/corpus/documents/guide.docx")
    assert os_error_line(denied).startswith("cannot use guide.docx (Permission denied)")


@pytest.mark.parametrize("error, fragment", [
    (sqlite3.OperationalError("database or disk is full"), "the device is full"),
    (sqlite3.OperationalError("attempt to write a readonly database"), "read-only"),
    (RuntimeError("Error: No space left on device (os error 28)"), "the device is full"),
    (RuntimeError("disk I/O error"), "input/output error"),
    (ValueError("something\nspread over\nlines"), "a bug: please report it"),
    (KeyError(""), "a bug: please report it"),
])
def test_an_error_no_one_named_is_one_line(error, fragment):
    line = unexpected_line(error)
    assert fragment in line and "\n" not in line and len(line) < 500


def test_a_folder_copy_raises_the_first_failure_with_its_code_and_path(tmp_path, monkeypatch):
    """shutil.copytree gathered a full device into one shutil.Error with no errno, which read as an unknown
    error (a rebuild on a full device copying the last Chroma store said "(OSError)", not "the device is full")."""
    import shutil

    from assistant.files import copy_folder

    source = tmp_path / "store"
    (source / "segment").mkdir(parents=True)
    (source / "chroma.sqlite3").write_bytes(b"x" * 10)
    (source / "segment" / "data.bin").write_bytes(b"y" * 10)
    copied = copy_folder(source, tmp_path / "copy")
    assert sorted(p.relative_to(copied).as_posix() for p in copied.rglob("*")) == [
        "chroma.sqlite3", "segment", "segment/data.bin"]
    assert (copied / "segment" / "data.bin").read_bytes() == b"y" * 10

    real_copy = shutil.copy2

    def full_device(src, dst, **kwargs):
        if str(dst).endswith("data.bin"):
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        return real_copy(src, dst, **kwargs)

    monkeypatch.setattr(shutil, "copy2", full_device)
    with pytest.raises(OSError) as raised:
        copy_folder(source, tmp_path / "again")
    assert raised.value.errno == errno.ENOSPC and raised.value.filename.endswith("segment/data.bin")
    assert "the device is full" in os_error_line(raised.value)
