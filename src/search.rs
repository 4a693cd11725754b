//! `search` and its sequential variants: count the tokens of a text equal to a needle.
//!
//! The three differ only in how they use threads and the interpreter, which is what the
//! benchmarks contrast; they return the same count as `word_count.search_py` for every
//! `str`. The tokens are `line.split(" ")` for each line of `contents.splitlines()`.

use pyo3::prelude::*;
use word_count_core::search::Needle;

use crate::errors::Error;
use crate::sliced::{no_panic, sum_sliced};
use crate::text::{Contents, PyText};
use crate::threads::thread_count;

/// The needle, checked: UTF-8 if it came as bytes, and not empty.
pub fn needle_of<'n>(py: Python<'_>, needle: &'n PyText<'_>) -> Result<Needle<'n>, Error> {
    // Attached, outside the slices' net: a panic here (a bytearray needle that another
    // thread writes meanwhile once made one) must still reach Python as an Exception.
    no_panic(|| needle.check_utf8_now(py))??;
    Ok(Needle::new(needle.as_bytes())?)
}

/// The sequential functions, with the same arguments and body but their [`Mode`].
macro_rules! search_function {
    ($(#[$doc:meta])* $name:ident, $mode:expr) => {
        $(#[$doc])*
        #[pyfunction]
        pub fn $name(
            py: Python<'_>,
            contents: Contents<'_>,
            needle: PyText<'_>,
        ) -> Result<usize, Error> {
            count_tokens(py, contents, needle, $mode)
        }
    };
}

/// Count the tokens of `contents` equal to `needle`, in parallel over the text on
/// `n_threads` threads of rayon's pool, without holding the interpreter.
///
/// The tokens are `line.split(" ")` for each line of `contents.splitlines()`, so a
/// token ends at a space or any of Python's line breaks, but not at a tab. Either
/// argument may be a str or a bytes-like object of UTF-8 (read in place, not copied),
/// which means the text it decodes to. `n_threads=None` uses every core; the count is
/// the same for every `n_threads`.
///
/// Raises ValueError for an empty needle or an `n_threads` below 1, TypeError for an
/// argument of another type, and UnicodeDecodeError (as `bytes.decode()` would) for
/// bytes that are not UTF-8.
#[pyfunction]
#[pyo3(signature = (contents, needle, n_threads=None))]
pub fn search(
    py: Python<'_>,
    contents: Contents<'_>,
    needle: PyText<'_>,
    n_threads: Option<&Bound<'_, PyAny>>,
) -> Result<usize, Error> {
    let threads = thread_count(n_threads)?;
    count_tokens(py, contents, needle, Mode::Parallel(threads))
}

search_function!(
    /// Like `search`, on the calling thread, staying attached to the interpreter.
    ///
    /// On a GIL build this holds the GIL for the whole call, so Python threads calling it
    /// run one at a time. That is deliberate: it is the contrast the benchmarks measure.
    /// On free-threaded Python, threads calling it run in parallel.
    search_sequential,
    Mode::Attached
);

search_function!(
    /// Like `search`, on the calling thread, detached from the interpreter while it counts,
    /// so Python threads calling it run in parallel on either build. (A text under 32 KiB
    /// is counted attached: microseconds of work, less than detaching costs.)
    search_sequential_detached,
    Mode::Detached
);

/// How a search uses threads and the interpreter: what tells the three functions apart.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// On the pool, detached, on this many threads (None: every core).
    Parallel(Option<usize>),
    /// On the calling thread, attached.
    Attached,
    /// On the calling thread, detached.
    Detached,
}

fn count_tokens(
    py: Python<'_>,
    contents: Contents<'_>,
    needle: PyText<'_>,
    mode: Mode,
) -> Result<usize, Error> {
    let needle = needle_of(py, &needle)?;
    let threads = match mode {
        Mode::Parallel(threads) => threads,
        Mode::Attached | Mode::Detached => Some(1),
    };
    sum_sliced(py, &contents, mode == Mode::Attached, |text, start, end| {
        text.count_tokens(&needle, start, end, threads)
    })
}
