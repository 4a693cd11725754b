"""Hypothesis strategies and reference data shared by the tests.

The tricky characters are taken from Python itself, by asking every code point, so the
tests check the Rust code against the running interpreter's behaviour, not against a
list someone typed.
"""

from __future__ import annotations

import sys

from hypothesis import strategies as st

ALL_CHARS = [chr(c) for c in range(sys.maxunicode + 1)]
# What str.split() splits on: 29 code points, several of which Rust does not call whitespace.
PY_WHITESPACE = [c for c in ALL_CHARS if c.isspace()]
# What str.splitlines() breaks at (10 code points; "\r\n" is one break of two).
PY_LINE_BREAKS = [c for c in ALL_CHARS if len(f"a{c}a".splitlines()) == 2]
# Characters people mistake for whitespace, which Python does not split on.
LOOKALIKES = ["\u200b", "\u180e", "\ufeff", "\u2060", "\x1b", "\x00", "\x7f"]
# Lone surrogates: legal in a str, impossible in UTF-8.
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
OTHER = ["a", "b", "ab", "é", "中", "😀", "\r\n", "  ", "the"]

UNITS = PY_WHITESPACE + PY_LINE_BREAKS + LOOKALIKES + SURROGATES + OTHER

# Any code point at all, surrogates included (hypothesis leaves them out by default).
any_char = st.characters(exclude_categories=())
unit = st.one_of(st.sampled_from(UNITS), any_char)
tricky_text = st.lists(unit, max_size=80).map("".join)
# A needle drawn mostly from the same units, so that it often occurs in the text.
needle = st.lists(st.one_of(st.sampled_from(UNITS), any_char), min_size=1, max_size=3).map("".join)
# The bytes-like objects the functions read in place, by name, each made from bytes.
BUFFERS = {
    "bytes": bytes,
    "bytearray": bytearray,
    "memoryview": memoryview,
    "memoryview-slice": lambda b: memoryview(b"<" + b + b">")[1:-1],
}
# Valid Unicode only: a str with lone surrogates has no UTF-8 bytes to pass.
valid_text = tricky_text.map(lambda t: "".join(c for c in t if c not in SURROGATES)).filter(
    lambda t: not any(0xD800 <= ord(c) <= 0xDFFF for c in t)
)
