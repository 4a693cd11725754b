//! `ParallelRead`, as the file functions read a regular file on several threads, against
//! the whole input at once, on arbitrary bytes read in short reads of arbitrary sizes
//! (some interrupted):
//! - the blocks tile the input: each block's bytes are the input's at its position, the
//!   context before it the input's bytes before, and the lookahead after it the input's
//!   bytes after, at least `lookahead` of them unless the input ends there or bytes that
//!   are not UTF-8 follow; each block is UTF-8;
//! - the word counts (and, with a needle, the token counts) over the blocks equal the
//!   core's sequential count over the whole input;
//! - bytes that are not UTF-8: the error is `utf8::validate`'s on the whole input (same
//!   position, bytes and reason).
//!
//! Input: `[block, mode, reads, size * (reads % 16), needle..., input...]`: blocks of
//! `16 + block` bytes; `mode` bits 0-1 the threads less one, bits 2-4 the needle's
//! length, bits 5-7 the blocks per batch less one; each `size` the length of one read
//! (0: a read interrupted), cycled.
//!
//! Run: `nox -s fuzz -- 600 parallel_read`, or `cargo fuzz run parallel_read` here.
#![no_main]

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use libfuzzer_sys::fuzz_target;
use word_count_core::encoding::Utf8;
use word_count_core::parallel_read::{ParallelRead, ReadAt};
use word_count_core::search::{count_tokens_in, Needle};
use word_count_core::stream::StreamError;
use word_count_core::utf8;
use word_count_core::words::{count_words, count_words_in};

/// `data`, read at any offset in reads of `sizes` bytes (cycled over all calls, from
/// every thread; all of what is asked if none); a size of 0 is a read interrupted by a
/// signal (EINTR), which the reader must retry.
struct Chopped<'a> {
    data: &'a [u8],
    sizes: &'a [u8],
    next: AtomicUsize,
}

impl ReadAt for Chopped<'_> {
    fn read_at(&self, out: &mut [u8], offset: u64) -> io::Result<usize> {
        let call = self.next.fetch_add(1, Ordering::Relaxed);
        let size = match self.sizes.get(call % self.sizes.len().max(1)) {
            Some(0) => return Err(io::ErrorKind::Interrupted.into()),
            Some(&size) => usize::from(size),
            None => out.len(),
        };
        let n = size.min(out.len());
        self.data.read_at(&mut out[..n], offset)
    }
}

fuzz_target!(|data: &[u8]| {
    let [block, mode, reads, rest @ ..] = data else {
        return;
    };
    let (sizes, rest) = rest.split_at(usize::from(reads % 16).min(rest.len()));
    // Only interruptions would never end.
    let sizes = if sizes.iter().all(|&s| s == 0) {
        &[]
    } else {
        sizes
    };
    let threads = usize::from(mode & 3) + 1;
    let needle_len = usize::from(mode >> 2 & 7);
    let batch = usize::from(mode >> 5) + 1;
    let (needle, input) = rest.split_at(needle_len.min(rest.len()));
    let needle = Needle::new(needle).ok();
    let lookahead = needle.as_ref().map_or(0, Needle::lookahead);
    let expected_error = utf8::validate(input).err();

    let file = Chopped {
        data: input,
        sizes,
        next: AtomicUsize::new(0),
    };
    let mut reader =
        ParallelRead::new(&file, 16 + usize::from(*block), lookahead, threads).with_batch(batch);
    let seen = Mutex::new(Vec::new());
    let (mut words, mut tokens, mut batches) = (0, 0, 0);
    loop {
        let batch = reader.next_batch(|b| {
            let at = usize::try_from(b.at).unwrap();
            let len = b.end - b.start;
            assert_eq!(
                &b.bytes[b.start..b.end],
                &input[at..at + len],
                "not the input's bytes"
            );
            assert!(input[..at].ends_with(&b.bytes[..b.start]), "context");
            let after = &b.bytes[b.end..];
            assert!(input[at + len..].starts_with(after), "lookahead");
            // Shorter where bytes that are not UTF-8 follow: the error ends the read.
            assert!(
                after.len() >= lookahead
                    || at + len + after.len() == input.len()
                    || expected_error.is_some(),
                "short lookahead"
            );
            std::str::from_utf8(&b.bytes[b.start..b.end]).expect("a block is UTF-8");
            let tokens = needle.as_ref().map_or(0, |needle| {
                count_tokens_in::<Utf8>(b.bytes, needle, b.start, b.end, 1)
            });
            let words = count_words_in::<Utf8>(b.bytes, b.start, b.end, 1);
            seen.lock().unwrap().push((at, len, words, tokens));
            0
        });
        batches += 1;
        assert!(batches <= input.len() + 2, "no progress");
        match batch {
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(StreamError::Utf8 {
                offset,
                window,
                start,
                end,
                reason,
            }) => {
                let e = expected_error.expect("an error in valid UTF-8");
                assert_eq!((offset, reason), (e.start as u64, e.reason));
                assert_eq!(&window[start..end], &input[e.start..e.end]);
                assert!(input[e.start - start..].starts_with(&window));
                return;
            }
            Err(StreamError::Io(e)) => panic!("{e}"),
        }
    }
    assert!(expected_error.is_none(), "no error reported");
    assert_eq!(reader.position(), input.len() as u64);
    // Blocks read past the file's end in its last batch are not counted: keep those
    // below the position where the reader says the file ended.
    let mut seen = seen.into_inner().unwrap();
    seen.sort_unstable();
    let mut next = 0;
    for &(at, len, w, t) in &seen {
        if at >= input.len() && len == 0 {
            continue;
        }
        assert_eq!(at, next, "the blocks do not tile the input");
        next += len;
        words += w;
        tokens += t;
    }
    assert_eq!(next, input.len(), "the blocks end before the input");
    assert_eq!(words, count_words(input));
    if let Some(needle) = &needle {
        assert_eq!(tokens, needle.count(input));
    }
});
