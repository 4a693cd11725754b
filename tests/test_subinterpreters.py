"""In a subinterpreter (Python 3.14's concurrent.interpreters, the third way to run Python
in parallel beside free-threading and processes), importing word_count fails with an
ImportError that says why and what to do, and leaves the main interpreter's module
working."""

from __future__ import annotations

import sys

import pytest

import word_count

interpreters = pytest.importorskip(
    "concurrent.interpreters", reason="concurrent.interpreters is new in Python 3.14"
)


def test_importing_in_a_subinterpreter_says_why_it_cannot():
    interp = interpreters.create()
    try:
        with pytest.raises(interpreters.ExecutionFailed) as caught:
            interp.exec("import word_count")
        info = caught.value.excinfo
        assert info.type.__name__ == "ImportError"
        assert info.msg.startswith("word_count cannot be imported in a subinterpreter: ")
        assert "https://github.com/PyO3/pyo3/issues/576" in info.msg
        assert "processes" in info.msg
        # The pure-Python reference module fails the same way: it needs the extension.
        with pytest.raises(interpreters.ExecutionFailed, match="in a subinterpreter"):
            interp.exec("import word_count._reference")
    finally:
        interp.close()
    assert word_count.word_count("still counts here") == 3
    assert "word_count" in sys.modules
