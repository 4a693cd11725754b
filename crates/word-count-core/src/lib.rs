//! The pure-Rust core of word-count: no pyo3 here, so it is tested with plain `cargo test`.
//!
//! A text is a [`text::Text`]: bytes in *generalised UTF-8*, or a Python `str`'s own
//! storage (Latin-1, UCS-2 or UCS-4 code units, one per code point). Generalised UTF-8 is
//! valid UTF-8 plus the lone surrogates (U+D800..U+DFFF) that a Python `str` may hold,
//! encoded as Python's `"surrogatepass"` error handler does (three bytes, lead byte 0xED).
//! Counting on bytes or code units rather than `&str` is what lets the Rust functions
//! agree with Python on *every* `str`, not only on valid Unicode scalar sequences. Each
//! operation is written once, generic over the kind of text ([`text::Encoding`]).
//!
//! The semantics are Python's, not Rust's:
//! - [`words`]: `len(text.split())`, with the 29 code points Python's `str.split()`
//!   treats as whitespace ([`pychars`]);
//! - [`frequencies`]: `collections.Counter(text.split())`, in first-occurrence order;
//! - [`search`]: the tokens of `line.split(" ")` for each line of `text.splitlines()`.

pub mod chunks;
pub mod frequencies;
pub mod pool;
pub mod probe;
pub mod pychars;
pub mod search;
pub mod str_storage;
pub mod stream;
pub mod text;
pub mod utf8;
pub mod word_spans;
pub mod word_starts;
pub mod word_table;
pub mod words;

#[cfg(feature = "test-hooks")]
pub mod testing;

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
