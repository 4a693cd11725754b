//! `word_count`: `len(text.split())` in Rust, on as many threads as asked.

use pyo3::prelude::*;

use crate::errors::Error;
use crate::sliced::sum_sliced;
use crate::text::Contents;
use crate::threads::thread_count;

/// Count the words of `text` exactly as `len(text.split())` does, with Python's 29
/// whitespace characters, splitting the work over `n_threads` Rust threads.
///
/// `n_threads=None` uses every core (rayon's pool; `RAYON_NUM_THREADS` sets its size).
/// The text is cut into at most `n_threads` chunks, on character boundaries and none
/// smaller than 32 KiB, and counted on rayon's pool without holding the interpreter.
/// The result is the same for every `n_threads`.
///
/// `text` may also be a bytes-like object of UTF-8 (`bytes`, `bytearray`, `memoryview`,
/// `mmap`...), read in place without a copy; it means the text it decodes to.
///
/// Raises TypeError if `text` is not a str or bytes-like, or `n_threads` not an int or
/// None; ValueError if `n_threads` is below 1; UnicodeDecodeError (as `bytes.decode()`
/// would) for bytes that are not UTF-8. Counts above `MAX_THREADS` are capped.
#[pyfunction]
#[pyo3(signature = (text, n_threads=None))]
pub fn word_count(
    py: Python<'_>,
    text: Contents<'_>,
    n_threads: Option<&Bound<'_, PyAny>>,
) -> Result<usize, Error> {
    crate::testing::maybe_read_past_end();
    let threads = thread_count(n_threads)?;
    sum_sliced(py, &text, false, |text, start, end| {
        text.count_words(start, end, threads)
    })
}
