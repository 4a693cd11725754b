//! `search` and its sequential variants: count the tokens of a text equal to a needle.
//!
//! The three differ only in how they use threads and the interpreter, which is what the
//! benchmarks contrast; they return the same count as `word_count.search_py` for every
//! `str`. The tokens are `line.split(" ")` for each line of `contents.splitlines()`.

use pyo3::prelude::*;
use word_count_core::search::Needle;
use word_count_core::{chunks, MIN_CHUNK_BYTES};

use crate::errors::Error;
use crate::text::PyText;

/// Count the tokens of `contents` equal to `needle`, in parallel over the text on
/// rayon's pool, without holding the interpreter.
///
/// The tokens are `line.split(" ")` for each line of `contents.splitlines()`, so a
/// token ends at a space or any of Python's line breaks, but not at a tab. Raises
/// ValueError for an empty needle and TypeError if either argument is not a str.
#[pyfunction]
pub fn search(py: Python<'_>, contents: PyText, needle: PyText) -> Result<usize, Error> {
    let needle = Needle::new(needle.as_bytes())?;
    let text = contents.as_bytes();
    let n_chunks = chunks::chunk_count(text.len(), rayon::current_num_threads(), MIN_CHUNK_BYTES);
    Ok(py.detach(|| needle.count_parallel(text, n_chunks)))
}

/// Like `search`, on the calling thread, staying attached to the interpreter.
///
/// On a GIL build this holds the GIL for the whole call, so Python threads calling it
/// run one at a time. That is deliberate: it is the contrast the benchmarks measure.
/// On free-threaded Python, threads calling it run in parallel.
#[pyfunction]
pub fn search_sequential(contents: PyText, needle: PyText) -> Result<usize, Error> {
    Ok(Needle::new(needle.as_bytes())?.count(contents.as_bytes()))
}

/// Like `search`, on the calling thread, detached from the interpreter while it counts,
/// so Python threads calling it run in parallel on either build.
#[pyfunction]
pub fn search_sequential_detached(
    py: Python<'_>,
    contents: PyText,
    needle: PyText,
) -> Result<usize, Error> {
    let needle = Needle::new(needle.as_bytes())?;
    let text = contents.as_bytes();
    Ok(py.detach(|| needle.count(text)))
}
