//! Reading a file, or any reader, block by block in bounded memory, as validated UTF-8.
//!
//! Why read rather than memory-map: a mapped file that another process truncates kills
//! the reader with SIGBUS, and no result or error could be returned; a file larger than
//! the address space (or than `RLIMIT_AS`) cannot be mapped whole. A `read` into one
//! reused buffer has neither problem, costs one copy from the page cache, and keeps the
//! memory used to one block whatever the file's size.
//!
//! Each block handed to the caller is a region of the buffer that starts and ends on
//! character boundaries. Before the region lie a few bytes of context (the end of the
//! previous block), so a kernel can see the character before the region; after it lie
//! `lookahead` more bytes (unless the reader has ended), so a token starting in the
//! region can be checked up to and including the character that follows it. The bytes
//! after the region are carried over and become the start of the next block: every
//! position of the stream is in exactly one region. A region may also be empty, with
//! less lookahead: the stream handing control back to the caller (see
//! [`Stream::next_block`]).

use std::io::{self, Read};

use crate::pychars::{ends_with_whitespace, is_continuation};
use crate::utf8;

/// The default size of a block: large enough that per-block costs (a read call, waking
/// the pool, a Ctrl-C check) vanish, small enough that memory stays a few dozen MB.
pub const BLOCK_BYTES: usize = 16 << 20;

/// Bytes of context kept before each region: the longest character a kernel looks back
/// at (a three-byte whitespace or line break).
const CONTEXT: usize = 3;

/// Why a stream could not be read to its end.
#[derive(Debug)]
pub enum StreamError {
    Io(io::Error),
    /// The bytes are not UTF-8. `window` holds the stream's bytes around the error, with
    /// the undecodable ones at `window[start..end]`; `offset` is the stream position of
    /// `window[start]`.
    Utf8 {
        offset: u64,
        window: Vec<u8>,
        start: usize,
        end: usize,
        reason: &'static str,
    },
}

impl std::fmt::Display for StreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StreamError::Io(e) => e.fmt(f),
            StreamError::Utf8 { offset, reason, .. } => {
                write!(f, "not UTF-8 at byte {offset}: {reason}")
            }
        }
    }
}

impl std::error::Error for StreamError {}

/// One region of the stream, ready to count: `bytes[start..end]`, with context before
/// `start` and lookahead after `end` (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct Block<'a> {
    pub bytes: &'a [u8],
    pub start: usize,
    pub end: usize,
    /// The stream position of `bytes[start]`.
    pub at: u64,
}

/// A reader, read as a sequence of [`Block`]s.
pub struct Stream<R> {
    reader: R,
    buf: Vec<u8>,
    /// Bytes of `buf` holding data.
    filled: usize,
    /// Where the next region starts in `buf`.
    start: usize,
    /// Where the last region handed out ended, if it has not been carried over yet.
    consumed: Option<usize>,
    /// The stream position of `buf[0]`.
    offset: u64,
    lookahead: usize,
    /// Regions end after whitespace, so that every word of a region is whole in it.
    whole_words: bool,
    /// Bytes after `start` already found to be UTF-8 with no whitespace: a word longer
    /// than a block, read a block at a time, is checked and searched once, not again
    /// from its start at each step.
    clean: usize,
    /// The most bytes one call reads: the first size of the buffer.
    step: usize,
    eof: bool,
    bytes_read: u64,
}

impl<R: Read> Stream<R> {
    /// A stream that reads `reader` into a buffer of about `block` bytes, keeping
    /// `lookahead` bytes after each region (0 for word counting; a needle's length plus
    /// a character for token search).
    pub fn new(reader: R, block: usize, lookahead: usize) -> Self {
        // Room for the carried bytes (context, lookahead, a split character) and at
        // least as much again for new data, so every block makes progress.
        let size = block.max(2 * (lookahead + 4 * CONTEXT) + 64);
        Stream {
            reader,
            buf: vec![0; size],
            filled: 0,
            start: 0,
            consumed: None,
            offset: 0,
            lookahead,
            whole_words: false,
            clean: 0,
            step: size,
            eof: false,
            bytes_read: 0,
        }
    }

    /// A stream whose regions end just after a whitespace character (or at the end of
    /// the stream), so that every word that starts in a region also ends in it: for
    /// the frequencies, which need each word whole. A word longer than the buffer makes
    /// the buffer grow to hold it: memory is a block, or the longest word if longer.
    /// While it grows, the stream hands back an empty region after each block read (see
    /// [`Self::next_block`]), and memory it cannot have is an `OutOfMemory` error.
    pub fn whole_words(reader: R, block: usize) -> Self {
        Stream {
            whole_words: true,
            ..Stream::new(reader, block, 0)
        }
    }

    /// How many bytes have been read from the reader so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// The size of the buffer: the memory this stream holds.
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// The next region of the stream, or None at its end.
    ///
    /// A region may be empty (`start == end`): the stream hands control back before it
    /// has a region to give, when a read was interrupted by a signal, or after a block of
    /// a word longer than the buffer, so that the caller can answer Ctrl-C and report
    /// progress. Nothing is lost: the next call goes on where this one stopped.
    pub fn next_block(&mut self) -> Result<Option<Block<'_>>, StreamError> {
        self.carry_over();
        let end = 'found: {
            match self.fill() {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(Some(self.empty())),
                Err(e) => return Err(StreamError::Io(e)),
            }
            let from = self.start + self.clean;
            let valid_end = match utf8::validate(&self.buf[from..self.filled]) {
                Ok(()) => self.filled,
                Err(e) if e.is_truncated() && !self.eof => from + e.start,
                Err(e) => {
                    return Err(self.utf8_error(utf8::Utf8Error {
                        start: e.start + self.clean,
                        end: e.end + self.clean,
                        reason: e.reason,
                    }))
                }
            };
            if self.eof {
                break 'found valid_end;
            }
            let mut end = valid_end.saturating_sub(self.lookahead).max(self.start);
            while end > self.start && end < valid_end && is_continuation(self.buf[end]) {
                end -= 1;
            }
            if !self.whole_words {
                break 'found end;
            }
            // The bytes before `from` hold no whitespace, and end on a character boundary.
            match after_last_space(&self.buf[from.min(end)..end]) {
                Some(at) => break 'found from + at,
                None => {
                    // One word, so far, from `start` to `end`: read more of it, into a
                    // larger buffer once this one is full.
                    self.clean = end - self.start;
                    if self.filled == self.buf.len() {
                        // The capacity doubles (amortised: realloc moves a large block
                        // by remapping it, not copying), but only one step's bytes are
                        // zeroed per call: zeroing all the new half at once took time in
                        // proportion to the word (0.24 s at 512 MiB, 0.77 s at 2 GiB),
                        // all of it deaf to Ctrl-C.
                        self.buf
                            .try_reserve(self.step)
                            .map_err(|_| StreamError::Io(io::ErrorKind::OutOfMemory.into()))?;
                        self.buf.resize(self.buf.len() + self.step, 0);
                    }
                    return Ok(Some(self.empty()));
                }
            }
        };
        if end == self.start && self.eof {
            return Ok(None);
        }
        self.consumed = Some(end);
        Ok(Some(Block {
            bytes: &self.buf[..self.filled],
            start: self.start,
            end,
            at: self.offset + self.start as u64,
        }))
    }

    /// An empty region at `start`, handed out to give control back (see
    /// [`Self::next_block`]).
    fn empty(&mut self) -> Block<'_> {
        self.consumed = Some(self.start);
        Block {
            bytes: &self.buf[..self.filled],
            start: self.start,
            end: self.start,
            at: self.offset + self.start as u64,
        }
    }

    /// Move what follows the last region (and a little context before it) to the front.
    fn carry_over(&mut self) {
        let Some(end) = self.consumed.take() else {
            return;
        };
        let taken = end != self.start;
        if taken {
            // A region was taken: what follows it has not been looked at.
            self.clean = 0;
        }
        let keep_from = end.saturating_sub(CONTEXT);
        // Inside a long word already at the front there is nothing to move, and moving
        // the whole buffer onto itself would cost a pass over it at every step.
        if keep_from > 0 {
            self.buf.copy_within(keep_from..self.filled, 0);
        }
        self.filled -= keep_from;
        self.start = end - keep_from;
        self.offset += keep_from as u64;
        if taken && self.buf.len() > self.step && self.filled <= self.step {
            // A word longer than a block has ended: its memory goes back, rather than
            // stay held to the end of the stream beside the count that holds the word.
            // (Not while the word goes on: the buffer would only grow back, and again.)
            self.buf.truncate(self.step);
            self.buf.shrink_to_fit();
        }
    }

    /// Read until the buffer is full, the reader ends, or a block (`step`) has been read.
    /// A read interrupted by a signal is returned as the `Interrupted` error it is, for
    /// the caller to answer the signal (Python's Ctrl-C) and call again: a read retried
    /// here would keep a program waiting on a pipe deaf to Ctrl-C.
    fn fill(&mut self) -> io::Result<()> {
        let stop = self.buf.len().min(self.filled + self.step);
        while self.filled < stop && !self.eof {
            match self.reader.read(&mut self.buf[self.filled..stop]) {
                Ok(0) => self.eof = true,
                Ok(n) => {
                    self.filled += n;
                    self.bytes_read += n as u64;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn utf8_error(&self, e: utf8::Utf8Error) -> StreamError {
        StreamError::utf8(&self.buf[..self.filled], self.offset, self.start, e)
    }
}

impl StreamError {
    /// The error `e`, found by validating `buf[from..]`, where `buf[0]` is at stream
    /// position `offset`: with up to 16 bytes of `buf` either side as its window.
    pub(crate) fn utf8(buf: &[u8], offset: u64, from: usize, e: utf8::Utf8Error) -> Self {
        let (start, end) = (from + e.start, from + e.end);
        let window_from = start.saturating_sub(16);
        let window_to = (end + 16).min(buf.len());
        StreamError::Utf8 {
            offset: offset + start as u64,
            window: buf[window_from..window_to].to_vec(),
            start: start - window_from,
            end: end - window_from,
            reason: e.reason,
        }
    }
}

/// The position just after the last whitespace character of `bytes`, if it has one.
fn after_last_space(bytes: &[u8]) -> Option<usize> {
    (1..=bytes.len())
        .rev()
        .find(|&at| ends_with_whitespace(&bytes[..at]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::Utf8;
    use crate::frequencies::frequencies_in;
    use crate::hash::Seed;
    use crate::owned_word::OwnedWord;
    use crate::search::{count_tokens_in, Needle};
    use crate::word_table::WordTable;
    use crate::words::{count_words, count_words_in};
    use proptest::prelude::*;

    /// A reader that hands out at most a few bytes per call, as pipes and signals do.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            self.step = self.step % 7 + 1;
            // Some calls are interrupted (EINTR): handed back as empty regions, not as
            // errors, and the stream reads on.
            if self.step.is_multiple_of(3) {
                return Err(io::ErrorKind::Interrupted.into());
            }
            let n = self.step.min(out.len()).min(self.data.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn stream_words(data: &[u8], block: usize, step: usize) -> Result<usize, StreamError> {
        let mut s = Stream::new(Trickle { data, step }, block, 0);
        let mut n = 0;
        while let Some(b) = s.next_block()? {
            n += count_words_in::<Utf8>(b.bytes, b.start, b.end, 2);
        }
        Ok(n)
    }

    fn stream_tokens(data: &[u8], needle: &[u8], block: usize) -> usize {
        let needle = Needle::new(needle).unwrap();
        let mut s = Stream::new(Trickle { data, step: 5 }, block, needle.lookahead());
        let mut n = 0;
        while let Some(b) = s.next_block().unwrap() {
            n += count_tokens_in::<Utf8>(b.bytes, &needle, b.start, b.end, 2);
        }
        n
    }

    fn text() -> impl Strategy<Value = String> {
        crate::file_text(200)
    }

    proptest! {
        #![proptest_config(crate::proptest_config(4))]

        #[test]
        fn streamed_words_match_whole(text in text(), block in 1usize..100, step in 1usize..9) {
            let bytes = text.as_bytes();
            prop_assert_eq!(stream_words(bytes, block, step).unwrap(), count_words(bytes));
        }

        #[test]
        fn streamed_frequencies_match_whole(text in text(), block in 1usize..100, step in 1usize..9) {
            let bytes = text.as_bytes();
            let whole = frequencies_in::<Utf8>(bytes, 0, bytes.len(), 1, Seed::random());
            let whole: Vec<(Vec<u8>, u64)> = whole.iter().map(|(w, n)| (w.to_vec(), n)).collect();
            prop_assert_eq!(stream_frequencies(bytes, block, step), whole);
        }

        #[test]
        fn streamed_tokens_match_whole(text in text(), needle in "(a|ab|é|😀){1,3}", block in 1usize..100) {
            let whole = Needle::new(needle.as_bytes()).unwrap().count(text.as_bytes());
            prop_assert_eq!(stream_tokens(text.as_bytes(), needle.as_bytes(), block), whole);
        }

        #[test]
        fn the_first_bad_byte_is_reported(prefix in text(), bad in prop::collection::vec(any::<u8>(), 1..4), block in 1usize..100) {
            let mut data = prefix.into_bytes();
            data.extend(&bad);
            let Err(expected) = utf8::validate(&data) else { return Ok(()) };
            match stream_words(&data, block, 3) {
                Err(StreamError::Utf8 { offset, window, start, end, reason }) => {
                    prop_assert_eq!(offset, expected.start as u64);
                    prop_assert_eq!(end - start, expected.end - expected.start);
                    prop_assert_eq!(&window[start..end], &data[expected.start..expected.end]);
                    prop_assert_eq!(reason, expected.reason);
                }
                other => prop_assert!(false, "{:?}", other),
            }
        }
    }

    fn stream_frequencies(data: &[u8], block: usize, step: usize) -> Vec<(Vec<u8>, u64)> {
        let mut s = Stream::whole_words(Trickle { data, step }, block);
        let seed = Seed::random();
        let mut whole: WordTable<OwnedWord> = WordTable::new(seed);
        while let Some(b) = s.next_block().unwrap() {
            whole.merge(
                frequencies_in::<Utf8>(b.bytes, b.start, b.end, 2, seed),
                OwnedWord::from,
            );
        }
        whole
            .into_counts()
            .map(|(w, n)| (w.as_bytes().to_vec(), n))
            .collect()
    }

    #[test]
    fn memory_is_one_block() {
        // Under Miri, 5 kB (still two blocks): a byte costs a thousand times more there.
        let words = if cfg!(miri) { 1_000 } else { 100_000 };
        let data = "word ".repeat(words);
        let mut s = Stream::new(data.as_bytes(), 4096, 10);
        let mut n = 0;
        while let Some(b) = s.next_block().unwrap() {
            n += count_words_in::<Utf8>(b.bytes, b.start, b.end, 1);
        }
        assert_eq!(n, words);
        assert_eq!(s.capacity(), 4096);
        assert_eq!(s.bytes_read(), data.len() as u64);
    }

    #[test]
    fn a_word_longer_than_the_buffer_grows_it() {
        // Under Miri, a word of 600 bytes: the 256-byte buffer still grows twice for it
        // (to 512, then 768), and every trickled read of it is a call on the pool.
        let len = if cfg!(miri) { 600 } else { 10_000 };
        let data = format!("a {} b a", "x".repeat(len));
        let got = stream_frequencies(data.as_bytes(), 256, 7);
        let long = "x".repeat(len).into_bytes();
        assert_eq!(got, [(b"a".to_vec(), 2), (long, 1), (b"b".to_vec(), 1)]);
    }

    #[test]
    fn a_long_word_gives_its_memory_back_when_it_ends() {
        let block = 256;
        let data = format!("a {} {}", "x".repeat(10 * block), "y ".repeat(4 * block));
        let mut s = Stream::whole_words(data.as_bytes(), block);
        let (mut most, mut words) = (0, 0);
        while let Some(b) = s.next_block().unwrap() {
            crate::word_spans::utf8_words(b.bytes, b.start, b.end, |_, _| words += 1);
            most = most.max(s.capacity());
        }
        assert_eq!(words, 2 + 4 * block);
        assert!(most > 10 * block, "the word was held whole");
        assert_eq!(s.capacity(), block, "and then one block again");
    }

    #[test]
    fn a_long_word_is_read_a_block_at_a_time_handing_back_control() {
        // An endless word stands for /dev/zero: the stream hands back an empty region
        // after each block, so the caller can stop it, and it never reads more than a
        // block a call, nor checks a byte twice, nor grows (zeroes) more than a block of
        // buffer a call, nor moves the word within the buffer.
        let block = 256;
        let mut s = Stream::whole_words(io::repeat(b'x'), block);
        let (mut read, mut size) = (0, s.capacity());
        for _ in 0..40 {
            let b = s.next_block().unwrap().expect("an endless stream");
            let start = b.start;
            assert_eq!(
                (start, b.end),
                (start, start),
                "no region: the word goes on"
            );
            assert!(start <= CONTEXT, "the word stays at the front");
            assert!(s.bytes_read() - read <= block as u64);
            assert!(s.capacity() - size <= block);
            (read, size) = (s.bytes_read(), s.capacity());
        }
        assert_eq!(read, 40 * block as u64);
        assert_eq!(s.clean, 40 * block);
        // Then the word ends, and it is counted whole.
        let data = format!("{} y", "x".repeat(10 * block));
        let mut s = Stream::whole_words(data.as_bytes(), block);
        let (mut empty, mut words) = (0, Vec::new());
        while let Some(b) = s.next_block().unwrap() {
            if b.start == b.end {
                empty += 1;
            }
            crate::word_spans::utf8_words(b.bytes, b.start, b.end, |x, y| words.push(y - x));
        }
        assert_eq!((empty, words), (10, vec![10 * block, 1]));
    }
}
