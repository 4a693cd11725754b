//! Reading a regular file on every thread: each thread reads its own blocks with
//! positional reads (`pread`), validates them as UTF-8 and counts them.
//!
//! Why: [`crate::stream`] reads through one buffer on one thread, so the copy from the
//! page cache, the validation and the count run in series and a second core waits. Here
//! all three run on every thread, on blocks small enough to stay in its caches between
//! the copy and the count.
//!
//! Block `k` holds the file's bytes from `cut(k·B)` to `cut((k+1)·B)`, where `cut(p)` is
//! the first character boundary at or after `p`: the first byte of `p..p+4` that is not
//! a continuation byte (or `p+4`, which only invalid UTF-8 reaches). A block's read starts
//! a few bytes of context before its nominal start and runs past its nominal end by a
//! character and the lookahead, so two neighbours compute each cut from the same bytes
//! and every position of the file is counted by exactly one block (see [`Block`] for
//! what a block's kernel may see).
//!
//! Errors are those of one pass over the file. A block validates from its start to the
//! end of its read, and its start is a character boundary whenever the bytes before it
//! are valid; so the lowest block that finds an error in its own range has found the
//! file's first error, with the position, length and reason one pass would give.
//!
//! Blocks are read in batches, one block per thread, and the caller gets control back
//! between batches (for Ctrl-C and progress). A file that grows while it is read is read
//! to its end: batches go on until a read ends inside its own block. One that shrinks is
//! counted up to where the reads found its end.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::chunks;
use crate::pychars::is_continuation;
use crate::stream::{Block, StreamError};
use crate::utf8;

/// Bytes read before a block's nominal start: the longest character a kernel looks back
/// at (a three-byte whitespace or line break).
const CONTEXT: u64 = 3;

/// Bytes read past a block's nominal end, beside the lookahead: room for the next cut
/// (at most four bytes on) and a character after it.
const TAIL: usize = 8;

/// The bytes of blocks read between two returns to the caller (to answer Ctrl-C and
/// report progress): a few milliseconds of work.
pub const BATCH_BYTES: usize = 16 << 20;

/// A source of bytes at given offsets, read from several threads at once: a file.
pub trait ReadAt: Sync {
    /// Read bytes at `offset` into `buf`, as `pread` does: the number read, 0 at the end.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
}

#[cfg(unix)]
impl ReadAt for std::fs::File {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        std::os::unix::fs::FileExt::read_at(self, buf, offset)
    }
}

#[cfg(windows)]
impl ReadAt for std::fs::File {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        std::os::windows::fs::FileExt::seek_read(self, buf, offset)
    }
}

impl ReadAt for [u8] {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let from = usize::try_from(offset).map_or(self.len(), |o| o.min(self.len()));
        let n = buf.len().min(self.len() - from);
        buf[..n].copy_from_slice(&self[from..from + n]);
        Ok(n)
    }
}

/// A file read as batches of [`Block`]s, one block per thread, in parallel.
pub struct ParallelRead<'r, R: ?Sized> {
    reader: &'r R,
    /// The nominal size of a block (B in the module docs).
    block: u64,
    lookahead: usize,
    /// One buffer per thread, each used by one block of a batch at a time.
    buffers: Vec<Mutex<Vec<u8>>>,
    /// Blocks per batch.
    batch: u64,
    /// The index of the next block to read.
    next: u64,
    /// Where the last counted block ended.
    position: u64,
    ended: bool,
}

/// What one block came to.
struct Outcome<T> {
    value: T,
    /// Where its bytes end in the file.
    end: u64,
    /// Whether the file ended in it.
    last: bool,
}

impl<'r, R: ReadAt + ?Sized> ParallelRead<'r, R> {
    /// Read `reader` in blocks of `block` bytes (at least 16), `threads` of them at a
    /// time, keeping `lookahead` bytes after each block (0 for word counting; a needle's
    /// length plus a character for token search) unless the file ends first, or bytes
    /// that are not UTF-8 do (then a later block reports them, and the batch fails).
    /// Memory: `threads` buffers of a block.
    pub fn new(reader: &'r R, block: usize, lookahead: usize, threads: usize) -> Self {
        let block = block.max(16);
        let size = CONTEXT as usize + block + TAIL + lookahead;
        ParallelRead {
            reader,
            block: block as u64,
            lookahead,
            buffers: (0..threads.max(1))
                .map(|_| Mutex::new(vec![0; size]))
                .collect(),
            batch: (BATCH_BYTES / block).max(threads) as u64,
            next: 0,
            position: 0,
            ended: false,
        }
    }

    /// The same reader with `blocks` blocks in each batch (at least 1): for tests, which
    /// need many batches on a small file.
    pub fn with_batch(self, blocks: usize) -> Self {
        ParallelRead {
            batch: blocks.max(1) as u64,
            ..self
        }
    }

    /// Where in the file the blocks counted so far end.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// The memory this reader holds: its buffers.
    pub fn capacity(&self) -> usize {
        self.buffers.len() * (CONTEXT as usize + self.block as usize + TAIL + self.lookahead)
    }

    /// `count` over the next batch of blocks, in parallel, summed; None once the file
    /// has ended. The error, if any, is the file's first (see the module docs).
    ///
    /// A batch is [`BATCH_BYTES`] of blocks (or a block per thread, if more), which the
    /// threads take one at a time: they are woken once a batch (tens of microseconds each
    /// on a virtual machine), and a slow block holds up no one.
    pub fn next_batch(
        &mut self,
        count: impl Fn(Block<'_>) -> usize + Sync,
    ) -> Result<Option<usize>, StreamError> {
        if self.ended {
            return Ok(None);
        }
        let threads = self.buffers.len();
        let blocks = self.batch;
        let first = self.next;
        let taken = AtomicU64::new(0);
        // No block at or after this one is needed: the file ended before it, or an error
        // did.
        let needed = AtomicU64::new(blocks);
        let this = &*self;
        let cuts: Vec<usize> = (0..=threads).collect();
        let done = chunks::map_parallel(&cuts, |i, _| {
            // A poisoned lock only means a count panicked in an earlier batch; the
            // buffer holds nothing that batch left for this one.
            let mut buf = this.buffers[i].lock().unwrap_or_else(|e| e.into_inner());
            let mut outcomes = Vec::new();
            loop {
                let j = taken.fetch_add(1, Ordering::Relaxed);
                if j >= needed.load(Ordering::Relaxed) {
                    return outcomes;
                }
                let outcome = this.block_at(first + j, &mut buf, &count);
                if outcome.as_ref().map_or(true, |o| o.last) {
                    needed.fetch_min(j + 1, Ordering::Relaxed);
                }
                outcomes.push((j, outcome));
            }
        });
        // Every block before the first that ends the file was taken, and so is here.
        let mut outcomes: Vec<_> = done.into_iter().flatten().collect();
        outcomes.sort_unstable_by_key(|&(j, _)| j);
        self.next += blocks;
        let mut total = 0;
        for (_, outcome) in outcomes {
            let Outcome { value, end, last } = outcome?;
            total += value;
            self.position = self.position.max(end);
            if last {
                self.ended = true;
                break;
            }
        }
        Ok(Some(total))
    }

    /// Read block `k` into `buf`, check it and count it.
    fn block_at(
        &self,
        k: u64,
        buf: &mut [u8],
        count: &impl Fn(Block<'_>) -> usize,
    ) -> Result<Outcome<usize>, StreamError> {
        let nominal = k.saturating_mul(self.block);
        let next_nominal = nominal.saturating_add(self.block);
        let from = nominal.saturating_sub(CONTEXT);
        let got = self.fill(buf, from).map_err(StreamError::Io)?;
        let file_end = from + got as u64;
        // Where `p`, at or after `from`, lies in `buf` (or its end, if past it).
        let at = |p: u64| usize::try_from(p - from).map_or(got, |i| i.min(got));
        if file_end <= nominal && k > 0 {
            // The file ended before this block (or shrank since the last batch).
            return Ok(Outcome {
                value: 0,
                end: file_end,
                last: true,
            });
        }
        let bytes = &buf[..got];
        let start = if k == 0 { 0 } else { cut(bytes, at(nominal)) };
        let (end, last) = if file_end <= next_nominal {
            (got, true)
        } else {
            (cut(bytes, at(next_nominal)), false)
        };
        let valid_to = match utf8::validate(&bytes[start..]) {
            Ok(()) => got,
            Err(e) if start + e.start < end => {
                return Err(StreamError::utf8(bytes, from, start, e));
            }
            // Past this block: a character cut by the end of the read, which the next
            // block reads whole, or an error that is the next block's to report (this
            // count is thrown away then, but its kernel must still see valid UTF-8 only).
            Err(e) => start + e.start,
        };
        let value = count(Block {
            bytes: &bytes[..valid_to],
            start,
            end,
            at: from + start as u64,
        });
        Ok(Outcome {
            value,
            end: from + end as u64,
            last,
        })
    }

    /// Fill `buf` from `offset`, as far as the file goes: the number of bytes read.
    fn fill(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let mut got = 0;
        while got < buf.len() {
            match self.reader.read_at(&mut buf[got..], offset + got as u64) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(got)
    }
}

/// The first character boundary of `bytes` at or after `at`: the first byte of
/// `at..at+4` that is not a continuation byte, else `at+4` (both capped at the end).
fn cut(bytes: &[u8], at: usize) -> usize {
    let to = (at + 4).min(bytes.len());
    (at..to).find(|&i| !is_continuation(bytes[i])).unwrap_or(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::Utf8;
    use crate::search::{count_tokens_in, Needle};
    use crate::words::{count_words, count_words_in};
    use proptest::prelude::*;
    use std::sync::atomic::AtomicUsize;

    /// A file that answers a few bytes at a time, and sometimes EINTR, as a reader may.
    struct Trickle<'a> {
        data: &'a [u8],
        calls: AtomicUsize,
    }

    impl<'a> Trickle<'a> {
        fn new(data: &'a [u8]) -> Self {
            Trickle {
                data,
                calls: AtomicUsize::new(0),
            }
        }
    }

    impl ReadAt for Trickle<'_> {
        fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
            let call = self.calls.fetch_add(1, Ordering::Relaxed);
            if call % 5 == 4 {
                return Err(io::ErrorKind::Interrupted.into());
            }
            let short = (call % 7 + 1) * 5;
            let n = buf.len().min(short);
            self.data.read_at(&mut buf[..n], offset)
        }
    }

    /// The sum of `count` over every block of `data`, read on `threads` threads, in
    /// batches of `threads + 1` blocks (so that the file ends at every place in a batch).
    fn read_all(
        data: &[u8],
        block: usize,
        lookahead: usize,
        threads: usize,
        count: impl Fn(Block<'_>) -> usize + Sync,
    ) -> Result<usize, StreamError> {
        let file = Trickle::new(data);
        let mut reader =
            ParallelRead::new(&file, block, lookahead, threads).with_batch(threads + 1);
        let mut total = 0;
        let mut last_position = 0;
        while let Some(n) = reader.next_batch(&count)? {
            total += n;
            assert!(reader.position() >= last_position);
            last_position = reader.position();
        }
        assert_eq!(reader.position(), data.len() as u64);
        Ok(total)
    }

    fn words(data: &[u8], block: usize, threads: usize) -> Result<usize, StreamError> {
        read_all(data, block, 0, threads, |b| {
            count_words_in::<Utf8>(b.bytes, b.start, b.end, 1)
        })
    }

    fn text() -> impl Strategy<Value = String> {
        crate::file_text(300)
    }

    proptest! {
        #![proptest_config(crate::proptest_config(4))]

        #[test]
        fn words_match_one_pass(text in text(), block in 16usize..80, threads in 1usize..4) {
            let bytes = text.as_bytes();
            prop_assert_eq!(words(bytes, block, threads).unwrap(), count_words(bytes));
        }

        #[test]
        fn blocks_tile_the_file(
            text in text(),
            block in 16usize..80,
            lookahead in 0usize..12,
            threads in 1usize..4,
        ) {
            let data = text.as_bytes();
            let seen = Mutex::new(Vec::new());
            let n = read_all(data, block, lookahead, threads, |b| {
                let at = b.at as usize;
                assert_eq!(&b.bytes[b.start..b.end], &data[at..at + b.end - b.start]);
                // The context is what precedes the block, at least a character of it.
                assert!(data[..at].ends_with(&b.bytes[..b.start]));
                assert!(b.start >= CONTEXT as usize || b.start == at);
                // After it: what follows, at least `lookahead` bytes unless the file ends.
                let after = &b.bytes[b.end..];
                assert!(data[at + b.end - b.start..].starts_with(after));
                assert!(after.len() >= lookahead || at + b.end - b.start + after.len() == data.len());
                assert!(std::str::from_utf8(&b.bytes[b.start..b.end]).is_ok());
                seen.lock().unwrap().push((at, b.end - b.start));
                1
            }).unwrap();
            let mut seen = seen.into_inner().unwrap();
            prop_assert_eq!(seen.len(), n);
            seen.sort_unstable();
            let mut next = 0;
            for (at, len) in seen {
                prop_assert_eq!(at, next);
                next += len;
            }
            prop_assert_eq!(next, data.len());
        }

        #[test]
        fn tokens_match_one_pass(
            text in text(),
            needle in "(a|ab|é|😀| ){1,4}",
            block in 16usize..80,
            threads in 1usize..4,
        ) {
            let needle = Needle::new(needle.as_bytes()).unwrap();
            let got = read_all(text.as_bytes(), block, needle.lookahead(), threads, |b| {
                count_tokens_in::<Utf8>(b.bytes, &needle, b.start, b.end, 1)
            });
            prop_assert_eq!(got.unwrap(), needle.count(text.as_bytes()));
        }

        #[test]
        fn the_first_bad_byte_is_reported(
            prefix in text(),
            bad in prop::collection::vec(any::<u8>(), 1..5),
            suffix in text(),
            block in 16usize..80,
            threads in 1usize..4,
        ) {
            let mut data = prefix.into_bytes();
            data.extend(&bad);
            data.extend(suffix.as_bytes());
            let Err(expected) = utf8::validate(&data) else { return Ok(()) };
            match words(&data, block, threads) {
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

    #[test]
    fn four_continuation_bytes_at_a_cut_are_the_error_of_the_block_before() {
        // No character boundary in the four bytes after the cut at 32: the cut falls
        // after them, and the block before reports the first of them.
        let mut data = b"word ".repeat(6);
        data.extend([0x80; 6]);
        data.extend(b" tail");
        for threads in 1..4 {
            match words(&data, 32, threads) {
                Err(StreamError::Utf8 { offset, reason, .. }) => {
                    assert_eq!((offset, reason), (30, "invalid start byte"));
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn memory_is_a_block_per_thread() {
        // Under Miri, 5 kB (still many blocks): a byte costs a thousand times more there.
        let words = if cfg!(miri) { 1_000 } else { 100_000 };
        let data = "word ".repeat(words);
        let reader = ParallelRead::new(data.as_bytes(), 4096, 10, 3);
        assert_eq!(reader.capacity(), 3 * (4096 + 3 + TAIL + 10));
        assert_eq!(self::words(data.as_bytes(), 4096, 3).unwrap(), words);
    }

    #[test]
    fn an_io_error_is_reported_unless_the_file_ended_before_it() {
        /// 300 bytes, which cannot be read past byte 128.
        struct Broken;
        impl ReadAt for Broken {
            fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
                if offset >= 128 {
                    return Err(io::ErrorKind::PermissionDenied.into());
                }
                let data = [b'w'; 300];
                let n = buf.len().min(128 - offset as usize);
                data[..].read_at(&mut buf[..n], offset)
            }
        }
        for threads in 1..4 {
            let mut reader = ParallelRead::new(&Broken, 64, 0, threads);
            match reader.next_batch(|_| 1) {
                Err(StreamError::Io(e)) => assert_eq!(e.kind(), io::ErrorKind::PermissionDenied),
                other => panic!("{other:?}"),
            }
        }
        // The same reader cut short at 100 bytes is a file that ends in its second block.
        let data = [b'w'; 100];
        let mut reader = ParallelRead::new(&data[..], 64, 0, 2);
        assert_eq!(reader.next_batch(|_| 1).unwrap(), Some(2));
        assert_eq!(reader.next_batch(|_| 1).unwrap(), None);
    }
}
