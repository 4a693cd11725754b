//! The `n_threads` argument: validated like Python validates an int argument.

use pyo3::exceptions::{PyOverflowError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use word_count_core::MAX_THREADS;

use crate::errors::Error;

/// `obj` as an int through `__index__`, saturating instead of raising OverflowError,
/// so that `2**100` means "as many as you allow" and `-2**100` is still "negative".
/// `__index__` is called once, as `operator.index(obj)` calls it: an object whose
/// answers change is judged by one of them. Its own errors (Ctrl-C among them) propagate
/// as they are; a TypeError says `obj` is no integer.
pub fn saturating_index(obj: &Bound<'_, PyAny>) -> PyResult<i64> {
    let py = obj.py();
    // SAFETY: `obj` is a live object and we are attached; PyNumber_Index returns a new
    // reference, or NULL with an exception set, which `from_owned_ptr_or_err` takes.
    let int = unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyNumber_Index(obj.as_ptr()))? };
    match int.extract::<i64>() {
        Ok(n) => Ok(n),
        Err(e) if e.is_instance_of::<PyOverflowError>(py) => {
            Ok(if int.lt(0)? { i64::MIN } else { i64::MAX })
        }
        Err(e) => Err(e),
    }
}

/// The thread count `n_threads` asks for: None (every core of the pool) stays None,
/// resolved by the core (`chunks::chunks_for`) only for a text large enough to split; an int must be at
/// least 1 (ValueError, not OverflowError, for a negative one) and is capped at
/// [`MAX_THREADS`]; anything else is a TypeError.
pub fn thread_count(n_threads: Option<&Bound<'_, PyAny>>) -> Result<Option<usize>, Error> {
    let Some(obj) = n_threads else {
        return Ok(None);
    };
    match saturating_index(obj) {
        Ok(n) if n >= 1 => Ok(Some(
            usize::try_from(n).unwrap_or(usize::MAX).min(MAX_THREADS),
        )),
        Ok(_) => Err(Error::ThreadsNotPositive(obj.repr()?.to_string())),
        Err(e) if e.is_instance_of::<PyTypeError>(obj.py()) => {
            Err(Error::ThreadsType(obj.get_type().name()?.to_string()))
        }
        Err(e) => Err(e.into()),
    }
}
