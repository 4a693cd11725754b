//! Functions that exist for the kernels benchmark (`python -m word_count.bench.kernels`)
//! and are not part of the API: the floors and ceilings a kernel is compared with.

use pyo3::prelude::*;

use crate::detach::detach;
use crate::text::PyText;

/// Takes `word_count`'s arguments and does nothing with them: the cost of a call to a
/// PyO3 function, which `word_count` on a tiny text should stay within 2x of.
#[pyfunction]
#[pyo3(signature = (text, n_threads=None))]
pub fn _noop(text: &Bound<'_, PyAny>, n_threads: Option<&Bound<'_, PyAny>>) -> usize {
    let _ = (text, n_threads);
    0
}

/// The wrapping sum of `data`'s bytes as u64 words, on one thread, detached: how fast
/// one core can read the text at all, the ceiling for any kernel reading it.
#[pyfunction]
pub fn _sum_bytes(py: Python<'_>, data: PyText<'_>) -> u64 {
    let bytes = data.as_bytes();
    detach(py, || word_count_core::probe::sum_bytes(bytes))
}
