"""Packaging metadata: the build backend accepts it without deprecation warnings."""

from __future__ import annotations

import pytest

import subprocess
import sys

from conftest import ROOT

PREPARE = """
import sys
from setuptools import build_meta
print(build_meta.prepare_metadata_for_build_wheel(sys.argv[1]))
"""


@pytest.mark.slow
def test_metadata_builds_without_licence_warnings(tmp_path):
    """`pip install` printed a wall of setuptools licence warnings; the metadata now uses an SPDX licence."""
    result = subprocess.run([sys.executable, "-c", PREPARE, str(tmp_path)], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    warnings = [line for line in output.splitlines() if "Warning" in line or "deprecated" in line]
    assert warnings == [], output
    metadata = (tmp_path / result.stdout.strip().splitlines()[-1] / "METADATA").read_text(encoding="utf-8")
    assert "License-Expression: MIT" in metadata
    assert "License-File: LICENSE" in metadata
