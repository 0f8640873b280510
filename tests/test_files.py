"""assistant/files.py: a file is replaced whole or not at all."""

from __future__ import annotations

import pytest

from assistant.files import atomic_file, write_text_atomic


def test_a_filled_file_replaces_the_old_one_in_one_step(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"old")
    with atomic_file(path) as out:
        out.write(b"new ")
        assert path.read_bytes() == b"old"  # a reader meanwhile sees the old file whole
        out.write(b"bytes")
    assert path.read_bytes() == b"new bytes"
    write_text_atomic(path, "Crown copyright – OGL v3.0\n")
    assert path.read_text(encoding="utf-8") == "Crown copyright – OGL v3.0\n"
    assert [p.name for p in tmp_path.iterdir()] == ["model.bin"]


def test_a_failed_fill_leaves_the_old_file_and_no_temporary_one(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"old")
    with pytest.raises(OSError, match="No space left"):
        with atomic_file(path) as out:
            out.write(b"half")
            raise OSError(28, "No space left on device")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.bin"]
