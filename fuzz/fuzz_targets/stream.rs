//! `Stream`, as the file functions read a file, against the whole input at once, on
//! arbitrary bytes read in short reads of arbitrary sizes (some interrupted):
//! - the regions concatenate to the input; the context before each region is the end
//!   of what came before it, and the lookahead after it the start of what follows, at
//!   least `lookahead` bytes of it unless the input ends there; each region is UTF-8;
//! - an empty region (the stream handing control back after an interrupted read, or
//!   after a block of a word longer than its buffer) has the same context, and the
//!   stream makes progress: a bounded number of them for the input's length;
//! - `Stream::whole_words`: each region but the last ends just after whitespace, so
//!   its words are whole; the frequencies over the regions, merged block by block into
//!   one table as `word_frequencies_file` merges them, equal a model of
//!   `Counter(text.split())`, order included;
//! - the word counts (and, with a needle, the token counts) over the regions equal the
//!   model's (the core's sequential count) over the whole input;
//! - bytes that are not UTF-8: the error is `utf8::validate`'s on the whole input (same
//!   position, bytes and reason), and `validate` agrees with std.
//!
//! Input: `[block, mode, reads, size * (reads % 16), needle..., input...]`: a buffer of
//! about `8 * block` bytes; `mode` bit 0: whole words, bits 1-3 the needle's length
//! (not with whole words), bits 4-6 the chunks per region less one; each `size` the
//! length of one read (0: a read interrupted), cycled.
//!
//! Run: `nox -s fuzz -- 600 stream`, or `cargo fuzz run stream` in this folder.
#![no_main]

use std::collections::HashMap;
use std::io::{self, Read};

use libfuzzer_sys::fuzz_target;
use word_count_core::encoding::Utf8;
use word_count_core::hash::Seed;
use word_count_core::owned_word::OwnedWord;
use word_count_core::search::{count_tokens_in, Needle};
use word_count_core::stream::{Stream, StreamError};
use word_count_core::text::Text;
use word_count_core::utf8;
use word_count_core::word_table::WordTable;
use word_count_core::words::count_words_in;

/// The 29 code points `str.split()` splits on (CPython's `Py_UNICODE_ISSPACE`), written
/// out here rather than taken from the core's `pychars`.
const PY_WHITESPACE: [u32; 29] = [
    0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2001,
    0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F,
    0x205F, 0x3000,
];

fn is_space(c: char) -> bool {
    PY_WHITESPACE.contains(&u32::from(c))
}

/// The stream's error for bytes that are not UTF-8 is `expected`, `utf8::validate`'s on
/// the whole input, and comes before any region past it (`at`: the bytes given so far).
fn check_error(error: StreamError, expected: &utf8::Utf8Error, input: &[u8], at: usize) {
    let StreamError::Utf8 {
        offset,
        window,
        start,
        end,
        reason,
    } = error
    else {
        panic!("{error}")
    };
    assert_eq!((offset, reason), (expected.start as u64, expected.reason));
    assert_eq!(&window[start..end], &input[expected.start..expected.end]);
    assert!(input[expected.start - start..].starts_with(&window));
    assert!(at <= expected.start, "a region past the error");
}

/// The model: `Counter(text.split())`, each word with its count, in the order of first
/// occurrence.
fn model(text: &str) -> Vec<(Vec<u8>, u64)> {
    // Each word's count and the position of its first occurrence, then sorted by that.
    let mut seen: HashMap<&str, (usize, u64)> = HashMap::new();
    let words = text.split(is_space).filter(|w| !w.is_empty());
    for (position, word) in words.enumerate() {
        seen.entry(word).or_insert((position, 0)).1 += 1;
    }
    let mut order: Vec<_> = seen.into_iter().collect();
    order.sort_unstable_by_key(|&(_, (first, _))| first);
    order
        .into_iter()
        .map(|(word, (_, count))| (word.as_bytes().to_vec(), count))
        .collect()
}

/// A reader that hands out `data` in reads of `sizes` bytes (cycled; all of what is
/// asked if none), as pipes do; a size of 0 is a read interrupted by a signal (EINTR),
/// which the stream hands back as an empty region, then reads on.
struct Chopped<'a> {
    data: &'a [u8],
    sizes: &'a [u8],
    next: usize,
}

impl Read for Chopped<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let size = match self.sizes.get(self.next % self.sizes.len().max(1)) {
            Some(0) => {
                self.next += 1;
                return Err(io::ErrorKind::Interrupted.into());
            }
            Some(&size) => usize::from(size),
            None => out.len(),
        };
        self.next += 1;
        let n = size.min(out.len()).min(self.data.len());
        out[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
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
    let whole_words = mode & 1 == 1;
    let needle_len = if whole_words {
        0
    } else {
        usize::from(mode >> 1 & 7)
    };
    let chunks = usize::from(mode >> 4 & 7) + 1;
    let (needle, input) = rest.split_at(needle_len.min(rest.len()));
    let needle = Needle::new(needle).ok();
    let lookahead = needle.as_ref().map_or(0, Needle::lookahead);

    let expected_error = utf8::validate(input).err();
    match (std::str::from_utf8(input), expected_error) {
        (Ok(_), None) => {}
        (Err(e), Some(ours)) => {
            assert_eq!(ours.start, e.valid_up_to());
            let len = e.error_len().unwrap_or(input.len() - e.valid_up_to());
            assert_eq!(ours.end, e.valid_up_to() + len);
        }
        (std, ours) => panic!("std {std:?}, ours {ours:?}"),
    }

    let reader = Chopped {
        data: input,
        sizes,
        next: 0,
    };
    let block = usize::from(*block) * 8;
    let mut stream = if whole_words {
        Stream::whole_words(reader, block)
    } else {
        Stream::new(reader, block, lookahead)
    };
    let seed = Seed::random();
    // Owned words, as the block's buffer is reused for the next block.
    let mut table: WordTable<OwnedWord> = WordTable::new(seed);
    let (mut at, mut words, mut tokens, mut blocks, mut empty) = (0, 0, 0, 0, 0);
    loop {
        let b = match stream.next_block() {
            Ok(Some(b)) => b,
            Ok(None) => break,
            Err(error) => {
                let e = expected_error.expect("an error in valid UTF-8");
                check_error(error, &e, input, at);
                return;
            }
        };
        if b.start == b.end {
            // Each is an interrupted read (at most 15 between two reads of a byte or
            // more: `sizes` is not all 0), or follows a read of a byte or more.
            empty += 1;
            assert!(empty <= 17 * (input.len() + 2), "no progress");
            assert!(input[..at].ends_with(&b.bytes[..b.start]), "context");
            assert!(input[at..].starts_with(&b.bytes[b.end..]), "the input's next bytes");
            continue;
        }
        blocks += 1;
        assert!(blocks <= input.len() + 1, "no progress");
        let region = &b.bytes[b.start..b.end];
        assert!(
            input[at..].starts_with(region),
            "not the input's next bytes"
        );
        assert!(input[..at].ends_with(&b.bytes[..b.start]), "context");
        at += region.len();
        let after = &b.bytes[b.end..];
        assert!(input[at..].starts_with(after), "lookahead");
        assert!(
            after.len() >= lookahead || at == input.len(),
            "short lookahead"
        );
        let text = std::str::from_utf8(region).expect("a region is UTF-8");
        if whole_words && at < input.len() {
            assert!(text.ends_with(is_space), "a region ends inside a word");
        }
        words += count_words_in::<Utf8>(b.bytes, b.start, b.end, chunks);
        if let Some(needle) = &needle {
            tokens += count_tokens_in::<Utf8>(b.bytes, needle, b.start, b.end, chunks);
        }
        if whole_words {
            let mut own = WordTable::reused(seed, b.end - b.start);
            Text::Utf8(b.bytes).add_word_frequencies(&mut own, b.start, b.end, Some(chunks));
            table.merge_out(&mut own, OwnedWord::from);
            own.give_back();
        }
    }
    assert!(expected_error.is_none(), "no error reported");
    assert_eq!(at, input.len(), "the regions end before the input");
    assert_eq!(stream.bytes_read(), input.len() as u64);
    let text = std::str::from_utf8(input).expect("validated");
    let expected = model(text);
    let total: u64 = expected.iter().map(|(_, n)| n).sum();
    assert_eq!(words as u64, total);
    if let Some(needle) = &needle {
        assert_eq!(tokens, needle.count(input));
    }
    if whole_words {
        let got: Vec<(Vec<u8>, u64)> = table
            .into_counts()
            .map(|(w, n)| (w.as_bytes().to_vec(), n))
            .collect();
        assert_eq!(got, expected);
    }
});
