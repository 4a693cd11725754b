//! `WordCounter`: one word-frequency table shared by many Python threads.

use std::sync::{Mutex, MutexGuard};

use indexmap::IndexMap;
use pyo3::prelude::*;
use pyo3::types::PyString;
use word_count_core::words::split_words;

use crate::detach::detach;
use crate::errors::Error;
use crate::sliced::no_panic;
use crate::text::{to_py_str, PyText};
use crate::threads::saturating_index;

/// Words counted per batch between checks for Ctrl-C: some 20-50 ms of work.
const WORDS_PER_BATCH: usize = 1 << 20;

#[derive(Default)]
struct Counts {
    /// Words (generalised UTF-8) in first-seen order, as `collections.Counter` keeps
    /// them, so `most_common` breaks ties the same way Counter does.
    words: IndexMap<Box<[u8]>, u64>,
    total: u64,
}

/// A thread-safe word counter: `add` text from any number of threads at once, read the
/// counts back like a `collections.Counter`.
///
/// Frozen, with a lock inside: it is never borrowed mutably, so concurrent calls never
/// raise "Already borrowed", and no update is lost. `add` splits and counts its text
/// before taking the lock, so the lock is held only to merge. Every lock is taken while
/// detached from the interpreter, so a thread waiting for it never stalls the garbage
/// collector's stop-the-world pause.
#[pyclass(frozen, module = "word_count")]
pub struct WordCounter {
    counts: Mutex<Counts>,
}

impl WordCounter {
    fn lock(&self) -> MutexGuard<'_, Counts> {
        // A panic while merging leaves the table consistent if partly merged at worst (it
        // only ever adds): recover it rather than poison the counter for good.
        self.counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn with_counts<R: Send>(&self, py: Python<'_>, f: impl FnOnce(&mut Counts) -> R + Send) -> R {
        detach(py, || f(&mut self.lock()))
    }

    /// Add a batch of counted words under the lock; returns how many words it held.
    fn merge(&self, local: IndexMap<&[u8], u64>) -> u64 {
        let added: u64 = local.values().sum();
        let mut counts = self.lock();
        crate::testing::maybe_panic_holding_lock();
        for (word, n) in local {
            match counts.words.get_mut(word) {
                Some(count) => *count += n,
                None => {
                    counts.words.insert(word.into(), n);
                }
            }
        }
        counts.total += added;
        added
    }
}

#[pymethods]
impl WordCounter {
    #[new]
    fn new() -> Self {
        WordCounter {
            counts: Mutex::default(),
        }
    }

    /// Count the words of `text`, split as `text.split()` splits them, and return how
    /// many there were.
    ///
    /// All or nothing: the words are counted apart and merged at the end, so an `add`
    /// interrupted by Ctrl-C (checked between batches of a million words) or failing
    /// leaves the counter as it was.
    fn add(&self, py: Python<'_>, text: PyText<'_>) -> Result<u64, Error> {
        let len = text.as_bytes().len();
        detach(py, || text.check_utf8(0, len)).map_err(|e| text.decode_error(py, e))?;
        let mut words = split_words(text.as_bytes());
        let mut local: IndexMap<&[u8], u64> = IndexMap::new();
        loop {
            let done = detach(py, || {
                no_panic(|| {
                    for _ in 0..WORDS_PER_BATCH {
                        let Some(word) = words.next() else {
                            return true;
                        };
                        *local.entry(word).or_insert(0) += 1;
                    }
                    false
                })
            })?;
            if done {
                break;
            }
            py.check_signals()?;
        }
        detach(py, || no_panic(|| self.merge(local)))
    }

    /// The number of words added so far, repeats included.
    #[getter]
    fn total(&self, py: Python<'_>) -> u64 {
        self.with_counts(py, |c| c.total)
    }

    /// The count of `word`, 0 if it was never added.
    fn __getitem__(&self, py: Python<'_>, word: &Bound<'_, PyString>) -> PyResult<u64> {
        let word = PyText::from_str(word.as_any().as_borrowed())?;
        Ok(self.with_counts(py, |c| c.words.get(word.as_bytes()).copied().unwrap_or(0)))
    }

    fn __contains__(&self, py: Python<'_>, word: &Bound<'_, PyAny>) -> PyResult<bool> {
        if !word.is_instance_of::<PyString>() {
            return Ok(false);
        }
        let word = PyText::from_str(word.as_borrowed())?;
        Ok(self.with_counts(py, |c| c.words.contains_key(word.as_bytes())))
    }

    /// The number of distinct words.
    fn __len__(&self, py: Python<'_>) -> usize {
        self.with_counts(py, |c| c.words.len())
    }

    /// The `n` most common words and their counts, most common first, like
    /// `collections.Counter.most_common`: ties keep the order words were first added,
    /// `n=None` lists every word, and `n <= 0` lists none.
    #[pyo3(signature = (n=None))]
    fn most_common<'py>(
        &self,
        py: Python<'py>,
        n: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Vec<(Bound<'py, PyString>, u64)>> {
        let limit = match n {
            None => usize::MAX,
            Some(n) => usize::try_from(saturating_index(n)?.max(0)).unwrap_or(usize::MAX),
        };
        let top: Vec<(Box<[u8]>, u64)> = self.with_counts(py, |c| {
            let mut all: Vec<(&Box<[u8]>, &u64)> = c.words.iter().collect();
            // A stable sort keeps first-seen order among equal counts, as Counter does.
            all.sort_by(|a, b| b.1.cmp(a.1));
            all.into_iter()
                .take(limit)
                .map(|(w, n)| (w.clone(), *n))
                .collect()
        });
        top.iter()
            .map(|(w, n)| Ok((to_py_str(py, w)?, *n)))
            .collect()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let (distinct, total) = self.with_counts(py, |c| (c.words.len(), c.total));
        format!("<WordCounter: {distinct} distinct words, {total} in all>")
    }
}
