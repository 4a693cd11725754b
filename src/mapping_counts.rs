//! The words and counts of a mapping given to `WordCounter.update`, checked and copied out
//! before any is added, so that an update is all or nothing.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::critical_section::with_critical_section;
use pyo3::types::{PyDict, PyInt, PyString};
use word_count_core::owned_word::OwnedWord;
use word_count_core::word_table::MAX_COUNT;

use crate::frequencies::counter_type;
use crate::text::PyText;
use crate::threads::saturating_index;

/// The items of `mapping` (anything with `items()`) as owned words and counts, in its
/// order. TypeError for a key that is not a str or a count that is not an int, ValueError
/// for a negative count, OverflowError for one past 2**62.
pub fn mapping_counts(mapping: &Bound<'_, PyAny>) -> PyResult<Vec<(OwnedWord, u64)>> {
    let exact = mapping.is_exact_instance_of::<PyDict>()
        || mapping.get_type().is(counter_type(mapping.py())?);
    if exact {
        // SAFETY: checked just above: a dict, of a type that does not change its items.
        let dict = unsafe { mapping.cast_unchecked::<PyDict>() };
        if let Some(items) = plain_dict_counts(dict) {
            return Ok(items);
        }
    }
    let mut items = Vec::new();
    for item in mapping.call_method0("items")?.try_iter()? {
        let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?.extract()?;
        if !key.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(format!(
                "WordCounter keys must be str, not {}",
                key.get_type().name()?
            )));
        }
        let word = PyText::from_str(key.as_borrowed())?;
        items.push((OwnedWord::from(word.as_bytes()), count_of(&value)?));
    }
    Ok(items)
}

/// The items of a `dict` (or a `collections.Counter`, which keeps its items as a dict
/// does) whose keys are all `str`s in UTF-8 and whose counts are all `int`s in range, read
/// straight from the dict; None for any other, which [`mapping_counts`] then reads through
/// `items()`, where each error gets its message.
///
/// Why: `items()` makes a tuple an item, and unpacking it costs more. On 3.13t (Intel
/// Xeon, family 6, model 167), `WordCounter().update(d)` took 60 instead of 80 ns an
/// entry for 20,000 new words, 28 instead of 46 for words already counted, and 113
/// instead of 133 for 2 million new words, where the table's misses to memory take most.
/// It runs no Python code, so the dict's critical section (free-threaded builds) or the
/// GIL holds all through and no other thread changes the dict. Should the section still
/// be suspended, a change of size is seen, and the slow path reads the dict anew.
fn plain_dict_counts(dict: &Bound<'_, PyDict>) -> Option<Vec<(OwnedWord, u64)>> {
    let py = dict.py();
    with_critical_section(dict.as_any(), || {
        let len = dict.len();
        let mut items = Vec::with_capacity(len);
        let mut pos: ffi::Py_ssize_t = 0;
        let mut key: *mut ffi::PyObject = std::ptr::null_mut();
        let mut value: *mut ffi::PyObject = std::ptr::null_mut();
        // SAFETY: `dict` is a live dict, and `pos`, `key` and `value` are the locals
        // `PyDict_Next` asks for; it is called attached, inside the dict's critical
        // section, as the free-threaded build requires.
        while unsafe { ffi::PyDict_Next(dict.as_ptr(), &mut pos, &mut key, &mut value) } != 0 {
            // SAFETY: `PyDict_Next` returned 1, so both are non-null references the dict
            // holds, and it keeps them while this loop runs no Python code.
            let (key, value) =
                unsafe { (Borrowed::from_ptr(py, key), Borrowed::from_ptr(py, value)) };
            // A str subclass is read as `items()` would have it: by its UTF-8, with no
            // method of its own called. A str with lone surrogates has none (its error
            // is dropped) and goes the slow way, which encodes it with "surrogatepass".
            let key = key.cast::<PyString>().ok()?;
            let word = key.to_str().ok()?;
            // Only an int itself: a subclass's `__index__` could run Python code.
            let count = value.cast_exact::<PyInt>().ok()?.extract::<u64>().ok()?;
            if count > MAX_COUNT {
                return None;
            }
            items.push((OwnedWord::from(word.as_bytes()), count));
        }
        (items.len() == len && dict.len() == len).then_some(items)
    })
}

/// A count from a mapping given to `update`: an int from 0 to [`MAX_COUNT`].
fn count_of(value: &Bound<'_, PyAny>) -> PyResult<u64> {
    let n = saturating_index(value).map_err(|_| {
        let name = value
            .get_type()
            .name()
            .map_or_else(|_| "?".to_string(), |n| n.to_string());
        PyTypeError::new_err(format!("WordCounter counts must be int, not {name}"))
    })?;
    let repr = || {
        value
            .repr()
            .map_or_else(|_| n.to_string(), |r| r.to_string())
    };
    match u64::try_from(n) {
        Err(_) => Err(PyValueError::new_err(format!(
            "WordCounter counts must not be negative, got {}",
            repr()
        ))),
        Ok(n) if n > MAX_COUNT => Err(crate::counter::overflow()),
        Ok(n) => Ok(n),
    }
}
