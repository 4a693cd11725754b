//! Long calls done slice by slice: Ctrl-C is answered between slices, and a panic in the
//! Rust code becomes a Python exception instead of tearing the process down.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::prelude::*;
use word_count_core::text::Text;

use crate::detach::detach;
use crate::errors::Error;
use crate::text::Contents;

/// Ctrl-C must raise KeyboardInterrupt within 0.2 s (tests/test_interrupt.py checks it),
/// so one slice must take well under that on the slowest count, a search for a needle
/// that is every other token ("ab" in "ab ab ab ..."); a slice boundary costs about a
/// microsecond, so slices can be short. The kernels benchmark measures those speeds.
pub const SLICE_BYTES: usize = 16 << 20;

/// Slices for word frequencies are shorter: on a text of distinct words each word is a
/// miss to memory in a table of millions (some 140 ns a word here), so 16 MiB took
/// 0.25 s; 4 MiB take about 60 ms, and a slice costs no more than a few table merges.
pub const FREQUENCY_SLICE_BYTES: usize = 4 << 20;

/// A text under this is counted without detaching: microseconds of work even on the
/// scalar path, while detaching and re-attaching costs about as much as the whole call
/// on a tiny text. It is one minimum chunk, so such a text is never split between threads.
pub const SMALL_BYTES: usize = word_count_core::MIN_CHUNK_BYTES;

/// Run `f`, turning a panic into [`Error::Internal`]. No user input should panic the
/// core; this is the net for a bug, so that it reaches Python as an exception that
/// `except Exception` catches, not as PyO3's PanicException (a BaseException).
#[inline(always)] // a call's fast path: see the kernels benchmark's call rows
pub fn no_panic<T>(f: impl FnOnce() -> T) -> Result<T, Error> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Error::Internal(msg)
    })
}

/// The sum of `count(text, start, end)` over consecutive slices of `contents`' text (see
/// [`fold_sliced`]).
#[inline(always)] // a call's fast path: see the kernels benchmark's call rows
pub fn sum_sliced(
    py: Python<'_>,
    contents: &Contents<'_>,
    attached: bool,
    count: impl Fn(&Text<'_>, usize, usize) -> usize + Sync,
) -> Result<usize, Error> {
    fold_sliced(
        py,
        contents,
        attached,
        SLICE_BYTES,
        0,
        |total, text, start, end| *total += count(text, start, end),
    )
}

/// `step(&mut acc, text, start, end)` over consecutive slices of `contents`' text of at
/// most `slice_bytes` ([`SLICE_BYTES`] for counts), in order: the one loop every long call on a text goes through,
/// for every operation and every kind of text. Each slice is checked to be UTF-8 (if
/// the text came as bytes) and done detached from the interpreter, unless `attached`;
/// between slices, pending signals are handled, so Ctrl-C raises KeyboardInterrupt (on
/// the main thread; other threads have no signals to handle).
#[inline(always)]
pub fn fold_sliced<'c, A: Send>(
    py: Python<'_>,
    contents: &'c Contents<'_>,
    attached: bool,
    slice_bytes: usize,
    mut acc: A,
    step: impl Fn(&mut A, &Text<'c>, usize, usize) + Sync,
) -> Result<A, Error> {
    let text = contents.text();
    let slice = |acc: &mut A, start: usize, end: usize| {
        no_panic(|| {
            contents.check_utf8(start, end)?;
            step(acc, &text, start, end);
            Ok(())
        })
    };
    if text.len_bytes() < SMALL_BYTES {
        // Microseconds of work: detaching and re-attaching would cost more than it.
        slice(&mut acc, 0, text.len())?.map_err(|e| contents.decode_error(py, e))?;
        return Ok(acc);
    }
    let cuts = text.slices(slice_bytes);
    for w in cuts.windows(2) {
        let done = if attached {
            slice(&mut acc, w[0], w[1])
        } else {
            detach(py, || slice(&mut acc, w[0], w[1]))
        };
        done?.map_err(|e| contents.decode_error(py, e))?;
        if cuts.len() > 2 {
            py.check_signals()?;
        }
    }
    Ok(acc)
}
