//! `word_frequencies` and `word_frequencies_file`: `collections.Counter(text.split())`
//! in Rust, on as many threads as asked, in the Counter's own order.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use pyo3::{ffi, intern};
use word_count_core::text::Text;
use word_count_core::word_table::{Seed, WordTable};

use crate::errors::Error;
use crate::files::{scan_file, Blocks};
use crate::sliced::{fold_sliced, FREQUENCY_SLICE_BYTES};
use crate::text::Contents;
use crate::threads::thread_count;

/// Entries turned into Python objects between checks for Ctrl-C: some 10-30 ms of work
/// (a str and a dict insertion take 150-500 ns each here, most on a Counter too large
/// for the caches), well under the 0.2 s tests/test_interrupt.py allows.
const ENTRIES_PER_CHECK: usize = 1 << 16;

/// Count how often each word of `text` occurs, exactly as
/// `collections.Counter(text.split())` does, order included (first occurrence, so
/// `most_common` breaks ties the same way), splitting the work over `n_threads` Rust
/// threads.
///
/// Returns a `collections.Counter` whose keys are `str`, also for bytes input. The text
/// is cut into at most `n_threads` chunks (none smaller than 32 KiB), each counted into
/// its own table without holding the interpreter, and the tables are merged in order.
/// `n_threads=None` uses every core. The result is the same for every `n_threads`.
///
/// `text` may be a bytes-like object of UTF-8, read in place without a copy. Raises
/// TypeError if `text` is not a str or bytes-like, or `n_threads` not an int or None;
/// ValueError if `n_threads` is below 1; UnicodeDecodeError (as `bytes.decode()` would)
/// for bytes that are not UTF-8.
#[pyfunction]
#[pyo3(signature = (text, n_threads=None))]
pub fn word_frequencies<'py>(
    py: Python<'py>,
    text: Contents<'_>,
    n_threads: Option<&Bound<'py, PyAny>>,
) -> Result<Bound<'py, PyAny>, Error> {
    let threads = thread_count(n_threads)?;
    let seed = Seed::random();
    let table = fold_sliced(
        py,
        &text,
        false,
        FREQUENCY_SLICE_BYTES,
        WordTable::reused(seed),
        |table, text, start, end| text.add_word_frequencies(table, start, end, threads),
    )?;
    if table.is_reusable() {
        let counter = to_counter(py, text.text(), table.iter());
        table.give_back();
        counter
    } else {
        to_counter(py, text.text(), table.into_counts())
    }
}

/// Count how often each word of the file at `path` occurs, as
/// `collections.Counter(pathlib.Path(path).read_text("utf-8").split())` would, order
/// included, splitting the work over `n_threads` Rust threads.
///
/// The file is read as `word_count_file` reads it, but in blocks of 4 MiB cut after
/// whitespace, so memory holds one block (or the longest word, if longer) and the
/// distinct words, whatever the file's size; `progress` and the errors are
/// `word_count_file`'s.
#[pyfunction]
#[pyo3(signature = (path, n_threads=None, *, progress=None))]
pub fn word_frequencies_file<'py>(
    py: Python<'py>,
    path: &Bound<'py, PyAny>,
    n_threads: Option<&Bound<'py, PyAny>>,
    progress: Option<&Bound<'py, PyAny>>,
) -> Result<Bound<'py, PyAny>, Error> {
    let threads = thread_count(n_threads)?;
    let seed = Seed::random();
    // Owned words: the block's buffer is reused for the next block.
    let mut table: WordTable<Box<[u8]>> = WordTable::new(seed);
    scan_file(py, path, Blocks::WholeWords, progress, |b| {
        let mut block = WordTable::reused(seed);
        Text::Utf8(b.bytes).add_word_frequencies(&mut block, b.start, b.end, threads);
        table.merge_out(&mut block, Box::from);
        block.give_back();
    })?;
    to_counter(py, Text::Utf8(b""), table.into_counts())
}

/// A `collections.Counter` of a table's words and counts (`entries`, in the table's
/// order). The words are the bytes of units of `kind`'s kind of text.
///
/// Pass a large table's `into_counts()`: it frees the table's index before the first
/// `str` is made, so the index and the Counter are never both in memory (on 10 million
/// distinct words, a third of the peak; `bench-kernels`' memory rows).
pub fn to_counter<'py, B: AsRef<[u8]>>(
    py: Python<'py>,
    kind: Text<'_>,
    entries: impl Iterator<Item = (B, u64)>,
) -> Result<Bound<'py, PyAny>, Error> {
    let counter = py
        .import(intern!(py, "collections"))?
        .getattr(intern!(py, "Counter"))?
        .call0()?;
    {
        // Counter is a dict: its items are set as a dict's, as Counter(iterable) does.
        let dict = counter.cast::<PyDict>().map_err(PyErr::from)?;
        for (i, (word, count)) in entries.enumerate() {
            dict.set_item(word_str(py, kind, word.as_ref())?, count)?;
            if i % ENTRIES_PER_CHECK == ENTRIES_PER_CHECK - 1 {
                py.check_signals()?;
            }
        }
    }
    Ok(counter)
}

/// The `str` of a word given as the bytes of units of `kind`'s kind of text: generalised
/// UTF-8 (lone surrogates as "surrogatepass" encodes them), or a `str`'s storage.
pub fn word_str<'py>(
    py: Python<'py>,
    kind: Text<'_>,
    bytes: &[u8],
) -> PyResult<Bound<'py, PyString>> {
    let len = bytes.len();
    let ptr = bytes.as_ptr();
    // SAFETY: each call reads `len` bytes at `ptr` (a live slice) as units of the named
    // kind; `bytes` holds whole units of that kind, aligned as in the text they came
    // from. Each returns a new reference, or NULL with an exception set, which
    // `from_owned_ptr_or_err` turns into an error.
    unsafe {
        let obj = match kind {
            Text::Utf8(_) => ffi::PyUnicode_DecodeUTF8(
                ptr.cast(),
                len as ffi::Py_ssize_t,
                c"surrogatepass".as_ptr(),
            ),
            #[cfg(str_storage)]
            Text::Latin1(_) => {
                ffi::PyUnicode_FromKindAndData(ffi::PyUnicode_1BYTE_KIND as _, ptr.cast(), len as _)
            }
            #[cfg(str_storage)]
            Text::Ucs2(_) => ffi::PyUnicode_FromKindAndData(
                ffi::PyUnicode_2BYTE_KIND as _,
                ptr.cast(),
                (len / 2) as _,
            ),
            #[cfg(str_storage)]
            Text::Ucs4(_) => ffi::PyUnicode_FromKindAndData(
                ffi::PyUnicode_4BYTE_KIND as _,
                ptr.cast(),
                (len / 4) as _,
            ),
            #[cfg(not(str_storage))]
            _ => unreachable!("a str's storage is read only where str_storage is set"),
        };
        Ok(Bound::from_owned_ptr_or_err(py, obj)?.cast_into_unchecked())
    }
}
