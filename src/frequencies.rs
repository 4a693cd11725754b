//! `word_frequencies` and `word_frequencies_file`: `collections.Counter(text.split())`
//! in Rust, on as many threads as asked, in the Counter's own order.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyType};
use pyo3::{ffi, intern};
use word_count_core::hash::Seed;
use word_count_core::owned_word::OwnedWord;
use word_count_core::text::Text;
use word_count_core::word_table::WordTable;
use word_count_core::MIN_CHUNK_BYTES;

use crate::detach::attach_midway;
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
    let parallel = threads != Some(1) && text.text().len_bytes() >= 2 * MIN_CHUNK_BYTES;
    let early = Early {
        on: parallel && may_attach_midway(py)?,
        strs: Vec::new(),
    };
    let (table, early) = fold_sliced(
        py,
        &text,
        false,
        FREQUENCY_SLICE_BYTES,
        (WordTable::reused(seed, text.text().len_bytes()), early),
        |(table, early), text, start, end| {
            text.add_word_frequencies_then(table, start, end, threads, |table, busy| {
                early.make(*text, table, busy)
            })
        },
    )?;
    if table.is_reusable() {
        let counter = to_counter(py, text.text(), table.iter(), early.strs);
        table.give_back();
        counter
    } else {
        to_counter(py, text.text(), table.into_counts(), early.strs)
    }
}

/// The `str`s of a table's first words, made on the calling thread while the other
/// threads still count their chunks, rather than after, when the calling thread alone
/// turns the table into a Counter.
///
/// Why: that Counter is the serial part of a call. On a 4 MiB text of 7,797 distinct
/// words it took 0.5 ms of the 2.8 ms two threads took, capping them at about 1.6x one
/// thread (the kernels benchmark, `nox -s bench-kernels`). Each `str` made here is one
/// the Counter needs anyway (the merge only appends to the first chunk's words), its
/// hash computed, so the dict finds it cached.
struct Early {
    /// Whether to make them at all (see [`may_attach_midway`]).
    on: bool,
    /// The `str`s of the table's first `strs.len()` words, in order.
    strs: Vec<Py<PyString>>,
}

/// At most this many early `str`s (a few ms of work): beyond it, on a text of millions
/// of distinct words, they would sit beside the whole table in memory, which the Counter
/// is built to avoid (see [`to_counter`]).
const MAX_EARLY: usize = 1 << 16;

impl Early {
    /// Make the `str`s of `table`'s next words, as long as `busy()` (another thread is
    /// still counting). Runs detached, inside the call's detached work: it attaches for
    /// the `str`s.
    fn make(&mut self, kind: Text<'_>, table: &WordTable<&[u8]>, busy: &dyn Fn() -> bool) {
        let room = MAX_EARLY.saturating_sub(self.strs.len());
        if !self.on || room == 0 || self.strs.len() >= table.len() || !busy() {
            return;
        }
        attach_midway(|py| {
            for word in table.words_from(self.strs.len()).take(room) {
                if !busy() {
                    break;
                }
                match word_str(py, kind, word) {
                    Ok(s) if s.hash().is_ok() => self.strs.push(s.unbind()),
                    // `to_counter` makes this word's str again, and raises its error.
                    _ => {
                        self.on = false;
                        break;
                    }
                }
            }
        });
    }
}

/// Whether a call may attach in the middle of its detached work ([`Early`]) without
/// waiting for another thread's Python: on a free-threaded build with the GIL off, or on
/// a GIL build with no thread but this one that `threading` knows of. Otherwise taking
/// the GIL back mid-call could wait up to the switch interval (5 ms) for a thread that
/// runs Python, once more per call than the return from the detached work already does.
fn may_attach_midway(py: Python<'_>) -> PyResult<bool> {
    let sys = py.import(intern!(py, "sys"))?;
    if let Ok(gil_enabled) = sys.getattr(intern!(py, "_is_gil_enabled")) {
        if !gil_enabled.call0()?.is_truthy()? {
            return Ok(true);
        }
    }
    let threading = py.import(intern!(py, "threading"))?;
    let threads: usize = threading
        .call_method0(intern!(py, "active_count"))?
        .extract()?;
    Ok(threads == 1)
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
    // Owned words: the block's buffer is reused for the next block. Each block is
    // counted straight into the file's table (its first chunk; the others' tables are
    // merged in), not into a table of its own merged in after: on a file of 10 million
    // distinct words that merge probed the file's table once more for every word.
    let mut table: WordTable<OwnedWord> = WordTable::new(seed);
    scan_file(py, path, Blocks::WholeWords, progress, |b| {
        Text::Utf8(b.bytes).add_word_frequencies(&mut table, b.start, b.end, threads);
    })?;
    to_counter(py, Text::Utf8(b""), table.into_counts(), Vec::new())
}

/// A `collections.Counter` of a table's words and counts (`entries`, in the table's
/// order). The words are the bytes of units of `kind`'s kind of text.
///
/// Pass a large table's `into_counts()`: it frees the table's index before the first
/// `str` is made, so the index and the Counter are never both in memory (on 10 million
/// distinct words, a third of the peak; `bench-kernels`' memory rows).
///
/// `early` holds the `str`s of the first entries' words, if made already ([`Early`]).
pub fn to_counter<'py, B: AsRef<[u8]>>(
    py: Python<'py>,
    kind: Text<'_>,
    entries: impl ExactSizeIterator<Item = (B, u64)>,
    early: Vec<Py<PyString>>,
) -> Result<Bound<'py, PyAny>, Error> {
    let counter = new_counter(py)?;
    {
        // Counter is a dict: its items are set as a dict's, as Counter(iterable) does.
        let dict = counter.cast::<PyDict>().map_err(PyErr::from)?;
        if entries.len() >= GENERAL_KEYS_FROM {
            use_general_keys(dict)?;
        }
        let mut early = early.into_iter();
        for (i, (word, count)) in entries.enumerate() {
            let key = match early.next() {
                Some(key) => key.into_bound(py),
                None => word_str(py, kind, word.as_ref())?,
            };
            dict.set_item(key, count)?;
            if i % ENTRIES_PER_CHECK == ENTRIES_PER_CHECK - 1 {
                py.check_signals()?;
            }
        }
    }
    Ok(counter)
}

/// The fewest words for which [`to_counter`] asks for a dict of general keys. Below it
/// the gain is smaller (1.06x at 2^12 words, 1.19x at 2^14, against 1.43x at 2^16, in
/// Python on 3.13t) while the costs stay: a lookup about 3% slower on a dict of 8,000
/// words, and 8 bytes more an entry.
const GENERAL_KEYS_FROM: usize = 1 << 16;

/// Turn the empty `dict`'s table into CPython's general kind, which keeps each key's hash
/// beside it, by setting and deleting a key that is not a `str`. Every dict starts with
/// a table of `str` keys alone (since CPython 3.11); one that has held another key keeps
/// the general kind as it grows.
///
/// Why: a table of `str` keys keeps no hashes, so each key a new key's probe passes is
/// read for its hash, one more miss to memory a step on a table larger than the caches.
/// On 10 million distinct words that lookup was 57% of `word_frequencies`' time (perf,
/// 3.13t). Filling a dict with those words took 1.30-1.45x as long with `str` keys (3.13t;
/// 1.25-1.37x on 3.13), and a lookup of a word 6-8% longer on it, for 8 bytes less an
/// entry. docs/benchmarks.md ("Counters of many words") has the numbers. The contents
/// and order are the same either way: only the speed and size depend on this CPython
/// detail. The deleted key leaves an unused entry, dropped by the dict's first resize
/// (at its fifth word), after which it grows through the same sizes as a dict of `str`
/// keys, so `Counter.copy()` still takes its fast path.
fn use_general_keys(dict: &Bound<'_, PyDict>) -> PyResult<()> {
    let py = dict.py();
    dict.set_item(py.None(), 0)?;
    dict.del_item(py.None())
}

/// `collections.Counter`, imported by the first call that makes one.
static COUNTER: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// The type `collections.Counter`.
pub fn counter_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    COUNTER.import(py, "collections", "Counter")
}

/// An empty `collections.Counter`, made as `dict.__new__(Counter)` makes it: the object
/// `Counter()` makes, without `Counter.__init__`, Python code that does nothing more for
/// no arguments (`dict.__init__`, then `update(None)`). In Python, on an Intel Xeon
/// (family 6, model 207), `Counter()` takes 630-650 ns on 3.13t and `dict.__new__(Counter)`
/// 140-145 (390 and 86-89 on 3.13): on a sentence, most of what this module's call cost
/// beyond the Counter of `str.split()`.
fn new_counter(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let counter = counter_type(py)?;
    py.get_type::<PyDict>()
        .call_method1(intern!(py, "__new__"), (counter,))
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
