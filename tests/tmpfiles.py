"""Temporary files for the tests of files: each test thread writes its own."""

from __future__ import annotations

import os
import tempfile


def write(data: bytes, directory: str | None = None) -> str:
    """A new file holding ``data``; a unique name, so parallel test threads never share."""
    fd, path = tempfile.mkstemp(suffix=".txt", dir=directory)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return path
