"""A binary stream (the CLI's standard input) counted block by block, in bounded memory,
as the file functions count a file: ``stream_count`` and ``stream_frequencies``.

The file functions read a file in Rust; a stream is read here, from ``sys.stdin``, and
each block is passed to the in-memory functions. So that a block can be counted alone,
each but the last is cut just after ASCII whitespace: no word and no character then
spans two blocks (a byte below 0x80 is never inside a multibyte character). A block
with none is cut after other whitespace (a ``Cutter``: U+3000, say, or for tokens
U+2028). A word or a token longer than a block has no place to cut at all: it is cut
between two characters when only its count matters, and held whole for the
frequencies, whose keys are the words themselves (see ``_blocks``).
"""

from __future__ import annotations

import codecs
import errno
import mmap
import os
import stat
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from typing import BinaryIO, NamedTuple, TypeVar

from word_count._word_count import search, word_count, word_frequencies

# Standard input is read in blocks of this many bytes, as the file functions read files.
BLOCK_BYTES = 16 << 20
# Where a block is cut for words: the ASCII whitespace that str.split() splits at...
WORD_ENDS = b" \t\n\v\f\r\x1c\x1d\x1e\x1f"
# ... and for --word, the space that line.split(" ") splits at and the ASCII line breaks
# of str.splitlines(). (A cut between \r and \n makes one more empty line, whose one
# token, "", is never a needle.)
TOKEN_ENDS = b" \n\v\f\r\x1c\x1d\x1e"
# The other line breaks of str.splitlines(), in UTF-8: U+0085, U+2028 and U+2029.
WIDE_LINE_BREAKS = tuple(c.encode() for c in "\x85\u2028\u2029")
# The other whitespace of str.split(), in UTF-8: U+0085, U+00A0, U+1680, U+2000 to
# U+200A, U+2028, U+2029, U+202F, U+205F and U+3000.
WIDE_SPACES = tuple(
    c.encode()
    for c in "\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)

# Where the stream is read into: an anonymous mapping on Linux, a bytearray elsewhere.
Buffer = mmap.mmap | bytearray
# Linux grows an anonymous private mapping without a copy (mremap). A bytearray grown a
# block at a time was copied whole every few blocks on 3.13t, whose allocator (mimalloc)
# moved it: 0.25 s a copy, deaf to Ctrl-C, once the word held 320 MB; twice the word's
# memory at the peak; and time quadratic in the word.
GROWS_IN_PLACE = sys.platform == "linux"

Progress = Callable[[int, int | None], None]
T = TypeVar("T")
# Where a full buffer with no byte to cut after can be cut instead, given the buffer, how
# much of it is known to hold no place it looks for (what it was given before, when it
# found none and the buffer grew), and the bytes it holds: the cut, and whether it falls
# inside a word (a token); a cut of 0 makes the buffer grow a block instead.
Cutter = Callable[[Buffer, int, int], tuple[int, bool]]


class Block(NamedTuple):
    """One block of a stream, as ``_blocks`` yields it."""

    view: memoryview  # its bytes: valid until the next block is asked for
    offset: int  # where it starts in the stream
    read: int  # the bytes read from the stream so far
    starts_inside: bool  # the block before it was cut inside a word (a token)...
    ends_inside: bool  # ... and this one is, so the next goes on with its last word


def size_left(stream: BinaryIO) -> int | None:
    """The bytes left to read in ``stream`` if it is a regular file, else None."""
    try:
        info = os.fstat(stream.fileno())
        if stat.S_ISREG(info.st_mode):
            return max(0, info.st_size - stream.tell())
    except (OSError, ValueError):  # no descriptor (io.UnsupportedOperation), or closed
        pass
    return None


def stream_count(
    stream: BinaryIO,
    word: str | None = None,
    threads: int | None = None,
    progress: Progress | None = None,
    block: int = BLOCK_BYTES,
) -> int:
    """The words of the binary ``stream`` read to its end (with ``word``, the tokens
    equal to it), as ``word_count_file`` (``search_file``) counts a file: UTF-8, in
    blocks of ``block`` bytes, in bounded memory whatever the words' length, with the
    same errors and progress."""
    if word is None:
        return sum(_scan(stream, WORD_ENDS, _count_words(threads), progress, block, _cut_word))
    needle = word.encode("utf-8", "surrogatepass")  # a surrogate: no match in UTF-8
    cutter = _token_cutter(len(needle))
    count = _count_tokens(word, needle, threads)
    return sum(_scan(stream, TOKEN_ENDS, count, progress, block, cutter))


def stream_frequencies(
    stream: BinaryIO,
    threads: int | None = None,
    progress: Progress | None = None,
    block: int = BLOCK_BYTES,
) -> Counter[str]:
    """The words of the binary ``stream`` with their counts, in first-occurrence order,
    as ``word_frequencies_file`` gives them for a file (see ``stream_count``). Each word
    is held whole: one longer than a block grows the buffer a block at a time."""
    counts: Counter[str] = Counter()
    for block_counts in _scan(
        stream,
        WORD_ENDS,
        lambda b: word_frequencies(b.view, threads),
        progress,
        block,
        _cut_after_wide_space,
    ):
        counts.update(block_counts)
    return counts


def _count_words(threads: int | None) -> Callable[[Block], int]:
    def count(block: Block) -> int:
        n = word_count(block.view, threads)
        # The rest of a word the block before cut: counted there already.
        if block.starts_inside and block.view and not _starts_with_whitespace(block.view):
            n -= 1
        return n

    return count


def _count_tokens(word: str, needle: bytes, threads: int | None) -> Callable[[Block], int]:
    # A needle with a space or a line break in it is no token, and matches nothing.
    a_token = " " not in word and word.splitlines() == [word]

    def count(block: Block) -> int:
        n = search(block.view, word, threads)  # which checks the UTF-8 of every block
        if block.ends_inside:
            # One piece of a token longer than the needle (see _token_cutter): no match.
            return 0
        if a_token and block.starts_inside and _first_token_is(block.view, needle):
            n -= 1  # the end of such a token, which search took for a whole one
        return n

    return count


def _scan(
    stream: BinaryIO,
    ends: bytes,
    step: Callable[[Block], T],
    progress: Progress | None,
    block: int,
    cutter: Cutter | None = None,
) -> Iterator[T]:
    """``step(block)`` for each block of ``stream`` (see ``_blocks``), telling
    ``progress`` after each, as the file functions do. A UnicodeDecodeError is re-raised
    as they raise it: its offset in the stream in its reason, its object the bytes
    around it."""
    total = size_left(stream)
    for b in _blocks(stream, ends, block, cutter):
        try:
            yield step(b)
        except UnicodeDecodeError as e:
            start, end = max(0, e.start - 16), min(len(b.view), e.end + 16)
            reason = f"{e.reason} (at byte {b.offset + e.start} of '<stdin>')"
            raise UnicodeDecodeError(
                e.encoding, bytes(b.view[start:end]), e.start - start, e.end - start, reason
            ) from None
        if progress is not None:
            progress(b.read, total)


def _blocks(
    stream: BinaryIO, ends: bytes, block: int = BLOCK_BYTES, cutter: Cutter | None = None
) -> Iterator[Block]:
    """Each block of ``stream``, in order. Each but the last ends just after a byte of
    ``ends``, if the buffer holds one. One buffer of ``block`` bytes is reused. A full
    buffer with no byte of ``ends`` (one word longer than it) is cut where ``cutter``
    says, if it can; if it cannot, the buffer grows a block at a time, so that Ctrl-C is
    answered between blocks."""
    # One read at a time: a terminal's end of input (Ctrl-D) is one read that returns
    # nothing, and a read after it waits for more. A buffered stream's readinto would
    # swallow it and read on; a raw stream's (unbuffered stdin) reads once anyway.
    read_once: Callable[[memoryview], int | None] = (
        getattr(stream, "readinto1", None) or stream.readinto  # type: ignore[attr-defined]
    )
    buf = _buffer(block)
    filled = 0  # bytes of buf that hold the stream's, from its offset `offset`
    searched = 0  # buf[:searched] has no byte of `ends` (the tail of the last block)
    quiet = 0  # buf[:quiet] has nothing `cutter` looks for (while one word grows it)
    checked = 0  # buf[:checked] is UTF-8 (while one word grows the buffer)
    offset = read = 0
    starts_inside = False
    while True:
        with memoryview(buf) as whole:
            while filled < len(buf):
                n = read_once(whole[filled:])
                if n is None:  # a non-blocking stream with nothing to read
                    raise BlockingIOError(errno.EAGAIN, os.strerror(errno.EAGAIN))
                if n == 0:
                    break
                filled += n
                read += n
        at_end = filled < len(buf)
        cut = filled if at_end else _after_last(buf, ends, searched, filled)
        ends_inside = False
        if cut == 0 and not at_end and cutter is not None:
            cut, ends_inside = cutter(buf, quiet, filled)
        if cut == 0 and not at_end:
            # One word fills the buffer. Bytes in it that are not UTF-8 whatever follows
            # end the stream now, with the error the step raises for them, as the file
            # functions end: held until the word ended, they would fill the memory.
            valid = _utf8_until(buf, checked, filled)
            if valid is None:
                cut = filled
            else:
                checked = valid
        if cut == 0 and not at_end:
            searched = quiet = filled
            # Room for a block more of the word, so that each read is a block. (Doubled,
            # a bytearray copied the whole buffer in one call: 0.6 s at 512 MiB.)
            buf = _resized(buf, len(buf) + block)
            continue
        view = memoryview(buf)[:cut]
        try:
            yield Block(view, offset, read, starts_inside, ends_inside)
        finally:
            view.release()
        if at_end:
            return
        starts_inside = ends_inside
        buf[: filled - cut] = buf[cut:filled]
        filled -= cut
        offset += cut
        searched = filled
        checked = quiet = 0
        if len(buf) > block and filled < block:
            buf = _resized(buf, block)  # a long word has ended: its memory goes back


def _buffer(size: int) -> Buffer:
    """A buffer of ``size`` bytes, which ``_resized`` grows or shrinks."""
    if not GROWS_IN_PLACE:
        return bytearray(size)
    try:
        # Private: Python refuses to grow a shared anonymous mapping.
        return mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE)
    except OSError as e:
        if e.errno != errno.ENOMEM:
            raise
        raise MemoryError from None  # as bytearray(size) would, not "[Errno 12]"


def _resized(buf: Buffer, size: int) -> Buffer:
    """``buf`` made ``size`` bytes long, keeping what it holds up to that length."""
    try:
        if isinstance(buf, mmap.mmap):
            buf.resize(size)
        elif size > len(buf):
            buf.extend(bytes(size - len(buf)))
        else:
            del buf[size:]
    except MemoryError:
        pass
    except OSError as e:  # mremap's ENOMEM, where RLIMIT_AS bounds the mappings
        if e.errno != errno.ENOMEM:
            raise
    else:
        return buf
    # As the file functions say it, not a bare MemoryError.
    raise MemoryError("a word of the stream is longer than the memory available") from None


def _utf8_until(buf: Buffer, start: int, stop: int) -> int | None:
    """Where ``buf[:stop]``, UTF-8 up to ``start``, stops being UTF-8: at ``stop``, or
    before a character cut short at its end, which the bytes that follow may complete.
    None if bytes in it are not UTF-8 whatever follows. Decoded a MiB at a time, so that
    the ``str`` made on the way stays small."""
    with memoryview(buf) as whole:
        while start < stop:
            with whole[start : min(stop, start + (1 << 20))] as piece:
                try:
                    _, n = codecs.utf_8_decode(piece, "strict", False)
                except UnicodeDecodeError:
                    return None
            if n == 0:  # a character cut short, and nothing before it
                break
            start += n
    return start


def _cut_word(buf: Buffer, quiet: int, filled: int) -> tuple[int, bool]:
    """Counting words, a word longer than the buffer is cut before its last character:
    the next block goes on with it, unless the cut fell after whitespace that is not
    ASCII."""
    cut = _last_whole_character(buf, filled)
    return cut, cut > 0 and not _ends_with_whitespace(buf, cut)


def _token_cutter(longest: int) -> Cutter:
    """Counting the tokens equal to a needle of ``longest`` bytes, a buffer is cut after
    its last line break that is not ASCII, which ends a token as an ASCII one does. If
    it has none, all of it up to its last character is in one token; once that part is
    longer than the needle, the token is no match, and can be cut there."""

    def cut(buf: Buffer, quiet: int, filled: int) -> tuple[int, bool]:
        after = _after_last_wide(buf, WIDE_LINE_BREAKS, quiet, filled)
        if after:
            return after, False
        # Up to the last whole character, which may be the start of a line break.
        at = _last_whole_character(buf, filled)
        return (at, True) if at > longest else (0, False)

    return cut


def _cut_after_wide_space(buf: Buffer, quiet: int, filled: int) -> tuple[int, bool]:
    """Holding each word whole (the frequencies), a buffer with no ASCII whitespace is
    cut after its last whitespace character that is not ASCII (U+3000, say), if it has
    one after its first ``quiet`` bytes; a word, then, ends there."""
    return _after_last_wide(buf, WIDE_SPACES, quiet, filled), False


def _after_last_wide(buf: Buffer, chars: tuple[bytes, ...], quiet: int, filled: int) -> int:
    """The index just after the last of ``chars`` (characters beyond ASCII, in UTF-8) in
    ``buf[:filled]``, whose first ``quiet`` bytes hold none, or 0 if there is none."""
    lo = max(0, quiet - 2)  # a character may start just before `quiet`
    window, stop = 4096, filled
    while stop > lo:
        start = max(lo, stop - window)
        after = 0
        for lead in {c[:1] for c in chars}:
            # The bytes they start with first, found by memrchr: where none is
            # (/dev/zero, any ASCII), 16 MiB takes 3 ms here, not 11 for each rfind of
            # a character. Then rfind, not a regular expression of them all, which
            # took twice as long on 16 MiB of U+2026, the byte \xe2 every third.
            if buf.rfind(lead, start, stop) < 0:
                continue
            for c in chars:
                # Up to past `stop`: a character that starts in this window may end in
                # the one after, which had none.
                if c[:1] == lead:
                    at = buf.rfind(c, start, min(filled, stop + len(c) - 1))
                    after = max(after, at + len(c) if at >= 0 else 0)
        if after:
            return after
        # Back in growing windows: the last one is near the end of most texts.
        stop, window = start, window * 2
    return 0


def _first_token_is(view: memoryview, needle: bytes) -> bool:
    """Whether the first token of ``view`` (up to its first space or line break) is
    ``needle``."""
    if bytes(view[: len(needle)]) != needle:
        return False
    after = bytes(view[len(needle) : len(needle) + 3])
    return not after or after[0] in TOKEN_ENDS or after.startswith(WIDE_LINE_BREAKS)


def _last_whole_character(buf: Buffer, filled: int) -> int:
    """Where ``buf[:filled]`` can be cut with no UTF-8 sequence split: before its last
    character (at most 4 bytes, carried to the next block), if the one before that is
    whole. 0 if it is not (bytes that are not UTF-8 there: the buffer grows, so that the
    decoder sees what follows them and reports the error the whole stream has)."""
    cut = _last_start(buf, filled)
    return cut if cut > 0 and _whole_at_end(buf, cut) else 0


def _last_start(buf: Buffer, end: int) -> int:
    """Where the last character of ``buf[:end]`` starts: back over at most three
    continuation bytes."""
    start = end - 1
    while start > 0 and end - start < 4 and buf[start] & 0xC0 == 0x80:
        start -= 1
    return start


def _whole_at_end(buf: Buffer, end: int) -> bool:
    """Whether ``buf[:end]`` ends with as many bytes as its last sequence's first byte
    says it has (a byte that starts none counts as one)."""
    start = _last_start(buf, end)
    lead = buf[start]
    if 0xC2 <= lead <= 0xDF:
        length = 2
    elif 0xE0 <= lead <= 0xEF:
        length = 3
    else:
        length = 4 if 0xF0 <= lead <= 0xF4 else 1
    return start + length <= end


def _ends_with_whitespace(buf: Buffer, cut: int) -> bool:
    """Whether ``buf[:cut]`` ends with a whitespace character, as ``str.split`` splits at.
    (Bytes that are not UTF-8 decode to nothing here; the block's count raises for them.)"""
    last = bytes(buf[max(0, cut - 4) : cut]).decode("utf-8", "ignore")[-1:]
    return last.isspace()


def _starts_with_whitespace(view: memoryview) -> bool:
    """Whether ``view`` starts with a whitespace character (False if it is empty)."""
    return bytes(view[:4]).decode("utf-8", "ignore")[:1].isspace()


def _after_last(buf: Buffer, ends: bytes, start: int, stop: int) -> int:
    """The index just after the last byte of ``ends`` in ``buf[start:stop]``, or 0 if
    there is none. Looks back in growing windows: the last space of a text is near its
    end, and a byte that does not occur would otherwise cost a scan of the buffer."""
    window = 4096
    while stop > start:
        lo = max(start, stop - window)
        at = max(buf.rfind(ends[i : i + 1], lo, stop) for i in range(len(ends)))
        if at >= 0:
            return at + 1
        stop, window = lo, window * 2
    return 0
