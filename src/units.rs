//! `word_count` and `search` on a non-ASCII `str`'s own storage ([`Units`]), where the
//! build may read it: no UTF-8 copy is made (see `Contents` in src/text.rs).

use std::convert::Infallible;
use std::mem::size_of;

use pyo3::prelude::*;
use word_count_core::units::{self, code_points, needle_units, Unit};

use crate::errors::Error;
use crate::sliced::{no_panic, sum_over_cuts, SLICE_BYTES, SMALL_BYTES};
use crate::text::Units;
use crate::threads::chunks_for;

/// `len(text.split())` for a `str` given by its storage, on `threads` (None: the pool).
pub fn word_count(
    py: Python<'_>,
    text: &Units<'_>,
    threads: Option<usize>,
) -> Result<usize, Error> {
    fn words<T: Unit>(py: Python<'_>, u: &[T], threads: Option<usize>) -> Result<usize, Error> {
        sum_sliced(py, u.len(), size_of::<T>(), false, |a, b| {
            units::count_words_in(u, a, b, chunks_for((b - a) * size_of::<T>(), threads))
        })
    }
    match text {
        Units::Latin1(u) => words(py, u, threads),
        Units::Ucs2(u) => words(py, u, threads),
        Units::Ucs4(u) => words(py, u, threads),
    }
}

/// The tokens of a `str` given by its storage equal to `needle` (checked, non-empty,
/// generalised UTF-8), on the pool if `parallel`, else on the calling thread, detached
/// unless `attached`.
pub fn search(
    py: Python<'_>,
    text: &Units<'_>,
    needle: &[u8],
    parallel: bool,
    attached: bool,
) -> Result<usize, Error> {
    fn tokens<T: Unit + TryFrom<u32>>(
        py: Python<'_>,
        u: &[T],
        needle: &[u8],
        parallel: bool,
        attached: bool,
    ) -> Result<usize, Error> {
        // A needle with a code point this storage cannot hold cannot occur in it.
        let Some(needle) = needle_units::<T>(code_points(needle)) else {
            return Ok(0);
        };
        sum_sliced(py, u.len(), size_of::<T>(), attached, |a, b| {
            let n = if parallel {
                chunks_for((b - a) * size_of::<T>(), None)
            } else {
                1
            };
            units::count_tokens_in(u, &needle, a, b, n)
        })
    }
    match text {
        Units::Latin1(u) => tokens(py, u, needle, parallel, attached),
        Units::Ucs2(u) => tokens(py, u, needle, parallel, attached),
        Units::Ucs4(u) => tokens(py, u, needle, parallel, attached),
    }
}

/// `crate::sliced::sum_sliced` for `len` units of `unit_bytes` each: slices of at most
/// 16 MiB, detached unless `attached` (or tiny), with Ctrl-C handled between them.
fn sum_sliced(
    py: Python<'_>,
    len: usize,
    unit_bytes: usize,
    attached: bool,
    count: impl Fn(usize, usize) -> usize + Sync,
) -> Result<usize, Error> {
    if len * unit_bytes < SMALL_BYTES {
        return no_panic(|| count(0, len));
    }
    let step = SLICE_BYTES / unit_bytes;
    let cuts: Vec<usize> = (0..len.div_ceil(step))
        .map(|k| k * step)
        .chain([len])
        .collect();
    sum_over_cuts(
        py,
        &cuts,
        attached,
        |a, b| Ok::<_, Infallible>(count(a, b)),
        |never| match never {},
    )
}
