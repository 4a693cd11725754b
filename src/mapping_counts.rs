//! The words and counts of a mapping given to `WordCounter.update`, checked and copied out
//! before any is added, so that an update is all or nothing.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::critical_section::with_critical_section;
use pyo3::types::{PyDict, PyInt, PyString, PyTuple};
use word_count_core::owned_word::OwnedWord;
use word_count_core::word_table::MAX_COUNT;

use crate::frequencies::counter_type;
use crate::text::PyText;
use crate::threads::saturating_index;

/// The items of `mapping` (anything with `items()`) as owned words and counts, in its
/// order. TypeError for a key that is not a str or a count that is not an integer (an int,
/// or an object with `__index__`), ValueError for a negative count, OverflowError for one
/// past 2**62.
pub fn mapping_counts(mapping: &Bound<'_, PyAny>) -> PyResult<Vec<(OwnedWord, u64)>> {
    let exact = mapping.is_exact_instance_of::<PyDict>()
        || mapping.get_type().is(counter_type(mapping.py())?);
    if exact {
        // SAFETY: checked just above: an instance of dict or of its subclass Counter.
        let dict = unsafe { mapping.cast_unchecked::<PyDict>() };
        if let Some(items) = plain_dict_counts(dict) {
            return Ok(items);
        }
    }
    let mut items = Vec::new();
    for item in mapping.call_method0("items")?.try_iter()? {
        let (key, value) = pair(&item?)?;
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

/// An item of `items()` as `key, value = item` unpacks it: a tuple, or any iterable of
/// two (a list, say), as `Counter.update` takes them.
fn pair<'py>(item: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    if let Ok(tuple) = item.cast::<PyTuple>() {
        if tuple.len() == 2 {
            return Ok((tuple.get_item(0)?, tuple.get_item(1)?));
        }
    }
    let values = item
        .try_iter()
        .map_err(|e| {
            // Python's words for an item that is no iterable at all; an iterable's own
            // error (Ctrl-C in its `__iter__`, say) as it was raised.
            let ty = item.get_type();
            let iterable =
                ty.hasattr("__iter__").unwrap_or(true) || ty.hasattr("__getitem__").unwrap_or(true);
            if !e.is_instance_of::<PyTypeError>(item.py()) || iterable {
                return e;
            }
            let name = ty.name().map_or_else(|_| "?".into(), |n| n.to_string());
            PyTypeError::new_err(format!("cannot unpack non-iterable {name} object"))
        })?
        .take(3)
        .collect::<PyResult<Vec<_>>>()?;
    match <[_; 2]>::try_from(values) {
        Ok([key, value]) => Ok((key, value)),
        Err(values) if values.len() > 2 => Err(PyValueError::new_err(
            "too many values to unpack (expected 2)",
        )),
        Err(values) => Err(PyValueError::new_err(format!(
            "not enough values to unpack (expected 2, got {})",
            values.len()
        ))),
    }
}

/// The items of a `dict` (or a `collections.Counter`, which keeps its items as a dict
/// does) whose keys are all `str`s in UTF-8 and whose counts are all `int`s in range, read
/// straight from the dict, as `dict.update` reads a dict (an `items` of the instance's
/// own is not called); None for any other, which [`mapping_counts`] then reads through
/// `items()`, where each error gets its message.
///
/// Why: `items()` makes a tuple an item, and unpacking it costs more (figures in
/// docs/benchmarks.md, "Updating a counter from a dict or a `Counter`").
fn plain_dict_counts(dict: &Bound<'_, PyDict>) -> Option<Vec<(OwnedWord, u64)>> {
    let (mut items, held) = read_under_lock(dict)?;
    // See `utf8_takes_no_lock`: read now, outside the dict's section, from references of
    // their own that keep the `str`s alive whatever the dict does meanwhile.
    for (index, key) in held {
        items[index].0 = OwnedWord::from(key.to_str().ok()?.as_bytes());
    }
    Some(items)
}

/// Keys whose UTF-8 is read after the dict's section, each with its item's index.
type Held<'py> = Vec<(usize, Bound<'py, PyString>)>;

/// Every item of `dict` in order, in one critical section on the dict (free-threaded
/// builds; the GIL otherwise): each count, and each key's UTF-8 where reading it takes no
/// lock ([`utf8_takes_no_lock`]). Any other key is held, with its item's index, and its
/// word left empty for the caller to fill in. None as soon as a key is not a `str` or a
/// count not an `int` from 0 to [`MAX_COUNT`].
fn read_under_lock<'py>(dict: &Bound<'py, PyDict>) -> Option<(Vec<(OwnedWord, u64)>, Held<'py>)> {
    let py = dict.py();
    with_critical_section(dict.as_any(), || {
        let mut items = Vec::with_capacity(dict.len());
        let mut held = Vec::new();
        let mut pos: ffi::Py_ssize_t = 0;
        let mut key: *mut ffi::PyObject = std::ptr::null_mut();
        let mut value: *mut ffi::PyObject = std::ptr::null_mut();
        // SAFETY: `dict` is a live dict, and `pos`, `key` and `value` are the locals
        // `PyDict_Next` asks for; it is called attached, inside the dict's critical
        // section, as the free-threaded build requires.
        while unsafe { ffi::PyDict_Next(dict.as_ptr(), &mut pos, &mut key, &mut value) } != 0 {
            // SAFETY: `PyDict_Next` returned 1, so both are non-null references the dict
            // holds, and holds until the section ends: nothing below takes a lock, which
            // could suspend the section, or runs Python code, until a failure, after
            // which neither is used again.
            let (key, value) =
                unsafe { (Borrowed::from_ptr(py, key), Borrowed::from_ptr(py, value)) };
            let key = key.cast::<PyString>().ok()?;
            // Only an int itself: a subclass's `__index__` could run Python code.
            let count = value.cast_exact::<PyInt>().ok()?.extract::<u64>().ok()?;
            if count > MAX_COUNT {
                return None;
            }
            // A str subclass is read as `items()` would have it: by its UTF-8, with no
            // method of its own called. A str with lone surrogates has none (its error
            // is dropped) and goes the slow way, which encodes it with "surrogatepass".
            let word = if utf8_takes_no_lock(&key) {
                OwnedWord::from(key.to_str().ok()?.as_bytes())
            } else {
                held.push((items.len(), key.to_owned()));
                OwnedWord::default()
            };
            items.push((word, count));
        }
        Some((items, held))
    })
}

// Whether reading a key's UTF-8 in the dict's critical section is safe: it must take no
// lock. On the free-threaded build the first read of a non-ASCII `str`'s UTF-8 takes a
// critical section on the `str` (`unicode_ensure_utf8` in CPython 3.13's
// Objects/unicodeobject.c); if another thread holds it, the dict's section is released
// while this thread waits, and a third thread could change the dict, free a value still
// to be read, or resize the table under `PyDict_Next`. A compact ASCII `str` (any `str`
// but a subclass's) is its own UTF-8, and a `str` whose UTF-8 is made already keeps it
// until it is freed: both are read with no lock there. With the GIL there are no such
// sections, and reading the UTF-8 never releases the GIL.

/// Whether reading `key`'s UTF-8 takes no lock: always, under the GIL.
#[cfg(not(Py_GIL_DISABLED))]
#[inline]
fn utf8_takes_no_lock(_key: &Borrowed<'_, '_, PyString>) -> bool {
    true
}

/// Whether reading `key`'s UTF-8 takes no lock: on 3.13t, if it is compact ASCII or its
/// UTF-8 is made already.
#[cfg(all(Py_GIL_DISABLED, str_storage))]
#[inline]
fn utf8_takes_no_lock(key: &Borrowed<'_, '_, PyString>) -> bool {
    let op = key.as_ptr();
    // SAFETY: `key` is a live `str`; its flags are fixed when it is made, and `utf8_made`
    // is reached only when it is not compact ASCII (`||`), as that function requires.
    unsafe { ffi::PyUnicode_IS_COMPACT_ASCII(op) != 0 || utf8_made(op) }
}

/// Whether the `str` at `op` (not compact ASCII) holds its UTF-8 already: the test
/// `unicode_ensure_utf8` makes before it takes the `str`'s lock, read the same way
/// (`_PyUnicode_UTF8`: an acquire load of the `utf8` field, which CPython 3.13t stores
/// with a release once the bytes are written). Nothing clears the field while the `str`
/// lives: only a resize does, and CPython resizes a `str` in place only when it is an
/// exact `str` whose one reference is the resizer's (`unicode_modifiable`), never while a
/// dict holds a reference to it as a key.
///
/// # Safety
/// `op` must point to a live `str` that is not compact ASCII.
#[cfg(all(Py_GIL_DISABLED, str_storage))]
#[inline]
unsafe fn utf8_made(op: *mut ffi::PyObject) -> bool {
    use std::sync::atomic::{AtomicPtr, Ordering};
    // SAFETY: every `str` that is not compact ASCII (a compact one, or a subclass's
    // `PyUnicodeObject`, which begins with one) starts with a `PyCompactUnicodeObject`,
    // whose `utf8` pointer CPython itself reads and writes atomically on this build;
    // `AtomicPtr` has the layout of the pointer.
    unsafe {
        let field = std::ptr::addr_of!((*op.cast::<ffi::PyCompactUnicodeObject>()).utf8);
        !(*field.cast::<AtomicPtr<std::ffi::c_char>>())
            .load(Ordering::Acquire)
            .is_null()
    }
}

/// Whether reading `key`'s UTF-8 takes no lock: never known where PyO3 does not expose a
/// `str`'s fields (3.14t), so every key is held.
#[cfg(all(Py_GIL_DISABLED, not(str_storage)))]
#[inline]
fn utf8_takes_no_lock(_key: &Borrowed<'_, '_, PyString>) -> bool {
    false
}

/// A count from a mapping given to `update`: an int from 0 to [`MAX_COUNT`].
fn count_of(value: &Bound<'_, PyAny>) -> PyResult<u64> {
    let n = match saturating_index(value) {
        Ok(n) => n,
        // No integer: said in our words. Any other error (Ctrl-C while a count's
        // `__index__` runs, say) is the caller's to see as it was raised.
        Err(e) if e.is_instance_of::<PyTypeError>(value.py()) => {
            let name = value
                .get_type()
                .name()
                .map_or_else(|_| "?".to_string(), |n| n.to_string());
            return Err(PyTypeError::new_err(format!(
                "WordCounter counts must be int, not {name}"
            )));
        }
        Err(e) => return Err(e),
    };
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
