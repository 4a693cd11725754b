//! The pure-Rust core of word-count: no pyo3 here, so it is tested with plain `cargo test`.
//!
//! A text is a [`text::Text`]: bytes in *generalised UTF-8*, or a Python `str`'s own
//! storage (Latin-1, UCS-2 or UCS-4 code units, one per code point). Generalised UTF-8 is
//! valid UTF-8 plus the lone surrogates (U+D800..U+DFFF) that a Python `str` may hold,
//! encoded as Python's `"surrogatepass"` error handler does (three bytes, lead byte 0xED).
//! Counting on bytes or code units rather than `&str` is what lets the Rust functions
//! agree with Python on *every* `str`, not only on valid Unicode scalar sequences. Each
//! operation is written once, generic over the kind of text ([`encoding::Encoding`]).
//!
//! The semantics are Python's, not Rust's:
//! - [`words`]: `len(text.split())`, with the 29 code points Python's `str.split()`
//!   treats as whitespace ([`pychars`]);
//! - [`frequencies`]: `collections.Counter(text.split())`, in first-occurrence order;
//! - [`search`]: the tokens of `line.split(" ")` for each line of `text.splitlines()`.

// The modules, lowest layer first: each refers only to modules listed above it (checked
// by tests/layers.rs), so the layers never loop. The comment line before each `mod`
// also keeps rustfmt from sorting them by name.

// Python's whitespace and line breaks, and the byte rules every kernel follows.
pub mod pychars;
// UTF-8 validation with Python's error positions; code points of generalised UTF-8.
pub mod utf8;
// A summing loop over bytes: what the kernels benchmark measures them against.
pub mod probe;
// Lane tests shared by the x86_64 kernels (AVX2, AVX-512BW).
#[cfg(target_arch = "x86_64")]
mod simd_x86_64;
// Lane tests shared by the AArch64 kernels (NEON).
#[cfg(target_arch = "aarch64")]
mod simd_aarch64;
// Word starts in UTF-8: the scalar loop, and the AVX2, AVX-512BW and NEON kernels.
pub mod word_starts;
// Whole-token matches of a short needle in UTF-8, counted from SIMD byte masks.
pub mod token_masks;
// `CodeUnit`: word starts in a `str`'s Latin-1, UCS-2 or UCS-4 storage, SIMD too.
pub mod str_storage;
// Whole-token matches of a short needle in a `str`'s storage, counted from SIMD masks.
pub mod storage_tokens;
// Where the words are (their spans), on UTF-8 and on a `str`'s storage.
pub mod word_spans;
// `Encoding`, what differs between kinds of text: `Utf8` and `Storage<T>`.
pub mod encoding;
// Test hooks: a panic or a data race injected into the pool's workers.
#[cfg(feature = "test-hooks")]
pub mod testing;
// The rayon thread pool, one per process (a forked child builds its own).
pub mod pool;
// Cutting a text into chunks and slices; running the chunks in parallel.
pub mod chunks;
// Word counts: `len(text.split())`.
pub mod words;
// Token search: `Needle`, the tokens of `line.split(" ")` over `text.splitlines()`.
pub mod search;
// The keys of long words in a `str`'s UCS-4 storage, narrowed to a byte a unit.
pub(crate) mod ucs4_keys;
// `Seed`: the keyed hash of a table's words.
pub mod hash;
// `OwnedWord`: a word a table keeps after its text is gone, in place when short.
pub mod owned_word;
// `Releasing`: a vector's elements taken in order, the memory of those taken handed back.
pub mod releasing;
// `WordTable`: words and their counts in first-seen order, and its `Adder`.
pub mod word_table;
// `RingAdder`: words added a few behind, each one's slot prefetched, for large tables.
pub mod ring_adder;
// Emptied tables' memory, kept for the next call (`WordTable::reused`, `give_back`).
pub mod spare_tables;
// Word frequencies: `Counter(text.split())`, each chunk's table merged in order.
pub mod frequencies;
// A file or any reader, block by block, as validated UTF-8.
pub mod stream;
// Opening a file with one `open` call, interruptible by a signal (a FIFO's open waits).
pub mod open_once;
// A regular file read on every thread: positional reads of blocks, each validated and
// counted where it was read.
pub mod parallel_read;
// `Text`, the facade: a text of any kind, each operation dispatched once per call.
pub mod text;

/// The most chunks (and so rayon tasks) a call splits its text into; larger thread
/// counts asked for are capped here, so no caller can make us create thousands of tasks.
pub const MAX_THREADS: usize = 256;

/// Below this many bytes a chunk is not worth a rayon task: the count takes
/// microseconds, less than handing the work to another thread.
pub const MIN_CHUNK_BYTES: usize = 32 * 1024;

/// Errors from the core; the binding layer maps each to a Python exception.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoreError {
    /// `search` was given an empty needle. Python's reference would count empty
    /// tokens, which is never what a caller means, so we refuse it.
    EmptyNeedle,
}

impl std::fmt::Display for CoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CoreError::EmptyNeedle => f.write_str("needle must not be empty"),
        }
    }
}

impl std::error::Error for CoreError {}

/// The tests' proptest settings: proptest's own (256 cases, or `PROPTEST_CASES`), but
/// under Miri (`cargo miri test`, `nox -s miri`), where each case runs thousands of
/// times slower: `miri_cases` cases; the XorShift generator, as ChaCha's rounds took
/// most of a case's time there; and no regression files, which proptest looks for
/// through the working directory, which Miri's isolation refuses (ending the run).
#[cfg(test)]
pub(crate) fn proptest_config(miri_cases: u32) -> proptest::test_runner::Config {
    use proptest::test_runner::{Config, RngAlgorithm};
    let config = Config::default();
    if cfg!(miri) {
        Config {
            cases: miri_cases,
            rng_algorithm: RngAlgorithm::XorShift,
            failure_persistence: None,
            ..config
        }
    } else {
        config
    }
}

/// The texts the file readers' tests cut into blocks ([`stream`], [`parallel_read`]):
/// words, ASCII and multibyte spaces and line breaks, the characters of 2, 3 and 4
/// bytes, and near misses of a space (U+00A0 is not one to `str.split()`, U+2027 is one
/// below U+2028), up to `units` of them (fewer under Miri, where a byte costs a thousand
/// times more).
#[cfg(test)]
pub(crate) fn file_text(units: usize) -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let unit = prop::sample::select(vec![
        "a", "ab", " ", "\n", "\r\n", "é", "€", "😀", "\u{3000}", "\u{2028}", "\u{85}", "\u{A0}",
        "\u{2027}",
    ]);
    let units = if cfg!(miri) { 0..60 } else { 0..units };
    prop::collection::vec(unit, units).prop_map(|v| v.concat())
}
