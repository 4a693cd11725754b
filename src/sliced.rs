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

/// The sum of `count(text, start, end)` over consecutive slices of `contents`' text of
/// at most [`SLICE_BYTES`]: the one loop every long call on a text goes through, for
/// every operation and every kind of text. Each slice is checked to be UTF-8 (if the text
/// came as bytes) and counted detached from the interpreter, unless `attached`; between
/// slices, pending signals are handled, so Ctrl-C raises KeyboardInterrupt (on the main
/// thread; other threads have no signals to handle).
pub fn sum_sliced(
    py: Python<'_>,
    contents: &Contents<'_>,
    attached: bool,
    count: impl Fn(&Text<'_>, usize, usize) -> usize + Sync,
) -> Result<usize, Error> {
    let text = contents.text();
    let slice = |start: usize, end: usize| {
        no_panic(|| {
            contents.check_utf8(start, end)?;
            Ok(count(&text, start, end))
        })
    };
    if text.len_bytes() < SMALL_BYTES {
        // Microseconds of work: detaching and re-attaching would cost more than it.
        return slice(0, text.len())?.map_err(|e| contents.decode_error(py, e));
    }
    let cuts = text.slices(SLICE_BYTES);
    let mut total = 0;
    for w in cuts.windows(2) {
        let counted = if attached {
            slice(w[0], w[1])
        } else {
            detach(py, || slice(w[0], w[1]))
        };
        total += counted?.map_err(|e| contents.decode_error(py, e))?;
        if cuts.len() > 2 {
            py.check_signals()?;
        }
    }
    Ok(total)
}
