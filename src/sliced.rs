//! Long calls done slice by slice: Ctrl-C is answered between slices, and a panic in the
//! Rust code becomes a Python exception instead of tearing the process down.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::prelude::*;
use word_count_core::chunks;

use crate::detach::detach;
use crate::errors::Error;
use crate::text::PyText;

/// Ctrl-C must raise KeyboardInterrupt within 0.2 s. The slowest count is a search for
/// a needle that is every other token ("ab" in "ab ab ab ..."), at about 0.38 GB/s on
/// one core here: 16 MiB take 45 ms. A slice boundary costs about a microsecond.
pub const SLICE_BYTES: usize = 16 << 20;

/// A text under this is counted without detaching: at worst (the scalar path) some
/// 30 us, while detaching and re-attaching costs about as much as the whole call on a
/// tiny text. It is one minimum chunk, so such a text is never split between threads.
pub const SMALL_BYTES: usize = word_count_core::MIN_CHUNK_BYTES;

/// Run `f`, turning a panic into [`Error::Internal`]. No user input should panic the
/// core; this is the net for a bug, so that it reaches Python as an exception that
/// `except Exception` catches, not as PyO3's PanicException (a BaseException).
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

/// The sum of `count(start, end)` over consecutive slices of `text` of at most
/// [`SLICE_BYTES`]. Each slice is checked to be UTF-8 (if the text came as bytes) and
/// counted detached from the interpreter, unless `attached`; between slices, pending
/// signals are handled, so Ctrl-C raises KeyboardInterrupt (on the main thread; other
/// threads have no signals to handle).
pub fn sum_sliced(
    py: Python<'_>,
    text: &PyText<'_>,
    attached: bool,
    count: impl Fn(usize, usize) -> usize + Sync,
) -> Result<usize, Error> {
    let len = text.as_bytes().len();
    if len < SMALL_BYTES {
        // Microseconds of work: detaching and re-attaching would cost more than it.
        return no_panic(|| {
            text.check_utf8(0, len)?;
            Ok(count(0, len))
        })?
        .map_err(|e| text.decode_error(py, e));
    }
    let cuts = chunks::slices(text.as_bytes(), SLICE_BYTES);
    sum_over_cuts(
        py,
        &cuts,
        attached,
        |a, b| {
            text.check_utf8(a, b)?;
            Ok(count(a, b))
        },
        |e| text.decode_error(py, e),
    )
}

/// The sum of `count(a, b)` over the slices between consecutive `cuts`: each slice in
/// one go, detached unless `attached`, a panic turned into [`Error::Internal`] and an
/// error of `count` into an [`Error`] by `on_error`; between slices, pending signals are
/// handled. Every long call on a text, bytes or a `str`'s storage, goes through here.
pub fn sum_over_cuts<E: Send>(
    py: Python<'_>,
    cuts: &[usize],
    attached: bool,
    count: impl Fn(usize, usize) -> Result<usize, E> + Sync,
    on_error: impl Fn(E) -> Error,
) -> Result<usize, Error> {
    let mut total = 0;
    for w in cuts.windows(2) {
        let slice = || no_panic(|| count(w[0], w[1]));
        let counted = if attached { slice() } else { detach(py, slice) };
        total += counted?.map_err(&on_error)?;
        if cuts.len() > 2 {
            py.check_signals()?;
        }
    }
    Ok(total)
}
