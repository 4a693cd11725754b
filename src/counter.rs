//! `WordCounter`: one word-frequency table shared by many Python threads.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant};

use pyo3::exceptions::{PyOverflowError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString, PyType};
use word_count_core::text::Text;
// MAX_COUNT: the most a `WordCounter` counts, of one word or in all, as the core's tables
// hold. No text reaches it; `update` with larger counts raises OverflowError rather than
// keep a wrong count.
use word_count_core::hash::Seed;
use word_count_core::owned_word::OwnedWord;
use word_count_core::releasing::Releasing;
use word_count_core::word_table::{WordTable, MAX_COUNT};

use crate::detach::detach;
use crate::errors::Error;
use crate::frequencies::to_counter;
use crate::mapping_counts::mapping_counts;
use crate::sliced::{fold_sliced, no_panic, FREQUENCY_SLICE_BYTES, SMALL_BYTES};
use crate::text::{to_py_str, Contents, PyText};
use crate::threads::{saturating_index, thread_count};

/// The most distinct words `add` merges without detaching (see `WordCounter::merge`):
/// about a 4 KiB line's, some tens of microseconds of merging at most.
const BRIEF_MERGE_WORDS: usize = 512;

/// How long a short `add` tries for a busy lock before it waits for it asleep (see
/// [`WordCounter::try_lock_soon`]), and the longest pause between its tries, in
/// spin-loop hints (about 10 ns each on the Intel Xeon of the measurements, family 6,
/// model 167, with 3.13t). On that machine two threads adding the 66,136 lines of a
/// 4 MiB text to one counter took 1.2-1.6 times as long as one thread did for all of
/// them; waiting asleep at once, 2.1-2.4 times; with a pause of 1 to 32 hints between
/// tries, 2.5-3.9 times.
const SPIN_FOR: Duration = Duration::from_micros(100);
const MAX_PAUSE: u32 = 1024;

/// The most distinct words a table may hold for words added attached to make it grow
/// (see [`WordCounter::lock_attached_for`]): growing one of 65,536 rebuilds an index of
/// 131,072 slots, well under a millisecond.
const ATTACHED_GROWTH_WORDS: usize = 1 << 16;

/// `f(counts)`, which adds to the table. Should it panic (a bug) part-way, the words it
/// added stay, and the total is made their counts' sum again, so that the counter stays
/// consistent, if not as it was; the panic becomes [`Error::Internal`].
fn changing<T>(
    counts: &mut Counts,
    f: impl FnOnce(&mut Counts) -> Result<T, Error>,
) -> Result<T, Error> {
    let result = no_panic(|| f(counts)).and_then(|r| r);
    if matches!(result, Err(Error::Internal(_))) {
        counts.total = counts.words.total();
    }
    result
}

struct Counts {
    /// Words (generalised UTF-8) in first-seen order, as `collections.Counter` keeps
    /// them, so `most_common` breaks ties the same way Counter does.
    words: WordTable<OwnedWord>,
    total: u64,
}

/// A thread-safe word counter: `add` text from any number of threads at once, read the
/// counts back like a `collections.Counter`.
///
/// Frozen, with a lock inside: it is never borrowed mutably, so concurrent calls never
/// raise "Already borrowed", and no update is lost. `add` counts a text of 32 KiB or
/// more with `word_frequencies`' kernel before taking the lock, so the lock is held only
/// to merge; a shorter `str` or `bytes` it counts straight into the table under the
/// lock. A thread that must wait for the lock longer than 100 µs waits detached from
/// the interpreter, so it never stalls the GIL's other threads or the garbage
/// collector's stop-the-world pause for longer; a thread that gets it sooner holds it
/// attached, for a short piece of work.
#[pyclass(frozen, module = "word_count")]
pub struct WordCounter {
    /// The seed of the table's hash, shared by the tables `add` merges in.
    seed: Seed,
    counts: Mutex<Counts>,
}

impl WordCounter {
    fn lock(&self) -> MutexGuard<'_, Counts> {
        // A panic while adding leaves the table consistent if partly added at worst (see
        // `changing`): recover it rather than poison the counter for good.
        self.counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The lock if no other thread holds it, without waiting.
    fn try_lock(&self) -> Option<MutexGuard<'_, Counts>> {
        match self.counts.try_lock() {
            Ok(counts) => Some(counts),
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    /// The lock if it comes free within [`SPIN_FOR`], tried again and again with a pause
    /// between tries that doubles up to [`MAX_PAUSE`].
    ///
    /// Threads adding lines to one counter each hold it for a fraction of a microsecond
    /// at a time. Waiting for it asleep (a futex) made two such threads on 3.13t take
    /// 2.1 to 2.4 times as long as one for the same lines: every hand-over woke a
    /// thread, a system call longer than the work it waited for. Long pauses do best,
    /// since while one thread pauses the other adds many lines with the table in its own
    /// cache.
    fn try_lock_soon(&self) -> Option<MutexGuard<'_, Counts>> {
        if let Some(counts) = self.try_lock() {
            return Some(counts);
        }
        let deadline = Instant::now() + SPIN_FOR;
        let mut pause = 1;
        loop {
            for _ in 0..pause {
                std::hint::spin_loop();
            }
            if let Some(counts) = self.try_lock() {
                return Some(counts);
            }
            if Instant::now() >= deadline {
                return None;
            }
            pause = (pause * 2).min(MAX_PAUSE);
        }
    }

    /// The lock, to be held attached while at most `new_words` words are added: if it is
    /// free or comes free soon ([`Self::try_lock_soon`]), and the words cannot make a
    /// table of more than [`ATTACHED_GROWTH_WORDS`] grow. Growing rebuilds the index from
    /// every word, some 0.1 s for 10 million, too long to hold up the GIL's other threads
    /// or a stop of the world; None then, and the caller waits and works detached.
    fn lock_attached_for(&self, new_words: usize) -> Option<MutexGuard<'_, Counts>> {
        let counts = self.try_lock_soon()?;
        let quick =
            counts.words.len() < ATTACHED_GROWTH_WORDS || counts.words.has_room_for(new_words);
        quick.then_some(counts)
    }

    /// `f` under the lock, detached while it runs: for work that may be long (copying
    /// out every word), so that other Python threads and the garbage collector never
    /// wait for it.
    fn with_counts<R: Send>(&self, py: Python<'_>, f: impl FnOnce(&mut Counts) -> R + Send) -> R {
        detach(py, || f(&mut self.lock()))
    }

    /// `f` under the lock, for work of a few table lookups: attached if the lock is free,
    /// else detached to wait for it (see [`Self::add_briefly`]).
    fn with_counts_briefly<R: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut Counts) -> R + Send,
    ) -> R {
        match self.try_lock() {
            Some(mut counts) => f(&mut counts),
            None => self.with_counts(py, f),
        }
    }

    /// Add counted words under the lock; returns how many words they were. A few words
    /// (a short line's in a bytearray, say) are merged attached if the lock comes free
    /// soon, as [`Self::add_briefly`] counts a short `str` or `bytes`, for the same
    /// reasons.
    fn merge(&self, py: Python<'_>, local: WordTable<&[u8]>) -> Result<u64, Error> {
        let added = local.total();
        let merge_into = |counts: &mut Counts, local: WordTable<&[u8]>| {
            changing(counts, |counts| {
                crate::testing::maybe_panic_holding_lock();
                let total = total_after(counts.total, added)?;
                counts.words.merge(local, OwnedWord::from);
                counts.total = total;
                Ok(added)
            })
        };
        if local.len() <= BRIEF_MERGE_WORDS {
            if let Some(mut counts) = self.lock_attached_for(local.len()) {
                return merge_into(&mut counts, local);
            }
        }
        detach(py, || merge_into(&mut self.lock(), local))
    }

    /// A short `str` or `bytes` counted straight into the table under the lock; None,
    /// having done nothing, for any other text.
    ///
    /// A line's `add` is about a microsecond. Counted apart and then merged, most of that
    /// went to making and dropping a table of its own and looking each word up twice; and
    /// detaching to take the lock made two threads adding lines to one counter slower
    /// than one: on a GIL build every `add` handed the GIL to the other thread twice. So
    /// the lock is taken attached if it is free or comes free within [`SPIN_FOR`], and
    /// the words are counted straight into the table; otherwise the thread waits for the
    /// lock, and counts, detached. That is safe because a thread holding the lock
    /// attached runs no Python before it lets go: no thread ever holds the lock while it
    /// waits for the GIL or for a stop of the world. And it stays short: a thread spins
    /// for the lock for 100 µs and a pause at most, and counts attached only what will
    /// not make a large table grow (see [`Self::lock_attached_for`]).
    ///
    /// Also for `bytes`, but not for other buffers: another thread may write a bytearray
    /// between the words' count and their counting, and the total must be the sum of
    /// the counts.
    fn add_briefly(&self, py: Python<'_>, text: &PyText<'_>) -> Result<Option<u64>, Error> {
        let bytes = text.as_bytes();
        let immutable = match text {
            PyText::Buffer { object, .. } => object.bind(py).is_exact_instance_of::<PyBytes>(),
            _ => true,
        };
        if bytes.len() >= SMALL_BYTES || !immutable {
            return Ok(None);
        }
        text.check_utf8_now(py)?;
        let words = Text::Utf8(bytes);
        let count = |counts: &mut Counts| {
            changing(counts, |counts| {
                crate::testing::maybe_panic_holding_lock();
                let added = words.count_words(0, bytes.len(), Some(1)) as u64;
                // Checked before anything is counted: all or nothing, as for a long text.
                let total = total_after(counts.total, added)?;
                words.add_word_frequencies(&mut counts.words, 0, bytes.len(), Some(1));
                counts.total = total;
                Ok(added)
            })
        };
        // A word takes a byte, and a space between two: so many new words at most.
        let added = match self.lock_attached_for(bytes.len().div_ceil(2)) {
            Some(mut counts) => count(&mut counts),
            None => detach(py, || count(&mut self.lock())),
        };
        added.map(Some)
    }

    /// Add owned words and counts under the lock, in order.
    fn merge_owned(&self, py: Python<'_>, items: Vec<(OwnedWord, u64)>) -> Result<(), Error> {
        // Each count is at most MAX_COUNT (`count_of`, or another counter's), so the sum
        // of fewer than 4 billion of them cannot overflow a u128.
        let added: u128 = items.iter().map(|(_, n)| u128::from(*n)).sum();
        detach(py, || {
            changing(&mut self.lock(), |counts| {
                // Every count is at most the total: checking it keeps them all in range,
                // all or nothing.
                let total = u128::from(counts.total) + added;
                if total > u128::from(MAX_COUNT) {
                    return Err(overflow().into());
                }
                counts.words.add_counts(items.into_iter());
                counts.total = total as u64;
                Ok(())
            })
        })
    }

    /// Add the counts of `other`, another counter, under both locks: its words are
    /// copied straight into this table, with no list of them made first (on 10 million
    /// distinct words, a list of 336 MB).
    fn merge_counter(&self, py: Python<'_>, other: &WordCounter) -> Result<(), Error> {
        debug_assert!(!std::ptr::eq(self, other), "a counter merged with itself");
        detach(py, || {
            // Taken in the order of their addresses, whichever counter is updated, so
            // that `a.update(b)` and `b.update(a)` at once cannot each hold the lock the
            // other waits for.
            let (mut ours, theirs) = if (self as *const Self) < (other as *const Self) {
                let ours = self.lock();
                (ours, other.lock())
            } else {
                let theirs = other.lock();
                (self.lock(), theirs)
            };
            changing(&mut ours, |ours| {
                let total = total_after(ours.total, theirs.total)?;
                let words = theirs.words.iter().map(|(word, n)| (word.clone(), n));
                ours.words.add_counts(words);
                ours.total = total;
                Ok(())
            })
        })
    }

    /// The words and counts in first-seen order, copied out under the lock (not the
    /// table's index, which the callers do not need).
    fn snapshot(&self, py: Python<'_>) -> Vec<(OwnedWord, u64)> {
        self.with_counts(py, |c| {
            c.words.iter().map(|(w, n)| (w.clone(), n)).collect()
        })
    }
}

/// The `limit` most common words of `words` and their counts, most common first and,
/// among equal counts, first seen first, as `collections.Counter.most_common` orders them.
fn most_common(words: &WordTable<OwnedWord>, limit: usize) -> Vec<(OwnedWord, u64)> {
    // (count, Reverse(position)): the larger, the earlier in the answer. The position
    // makes every key distinct, so any method of picking finds the same words, and the
    // words themselves are read only for those picked.
    type Ranked = (u64, Reverse<usize>);
    let ranked = (words.iter().enumerate()).map(|(at, (_, n))| (n, Reverse(at)));
    let mut top: Vec<Ranked> = if limit < words.len() / 8 {
        // A few of many: kept in a heap of `limit` while every word is looked at once,
        // as Counter's own does (`heapq.nlargest`). Sorting them all took 0.3 s for
        // most_common(10) on 10 million distinct words, most of it to list them.
        let mut heap: BinaryHeap<Reverse<Ranked>> = BinaryHeap::with_capacity(limit + 1);
        for word in ranked {
            if heap.len() < limit {
                heap.push(Reverse(word));
            } else if let Some(mut least) = heap.peek_mut() {
                if word > least.0 {
                    *least = Reverse(word);
                }
            }
        }
        heap.into_iter().map(|Reverse(word)| word).collect()
    } else {
        ranked.collect()
    };
    top.sort_unstable_by(|a, b| b.cmp(a));
    top.truncate(limit);
    let word = |at: usize| {
        words
            .words_from(at)
            .next()
            .expect("a position of the table")
    };
    top.into_iter()
        .map(|(n, Reverse(at))| (word(at).clone(), n))
        .collect()
}

/// A counter's total once `added` more words are counted, if within [`MAX_COUNT`]: every
/// count is at most the total, so checking it keeps them all in range.
fn total_after(total: u64, added: u64) -> PyResult<u64> {
    total
        .checked_add(added)
        .filter(|&t| t <= MAX_COUNT)
        .ok_or_else(overflow)
}

pub fn overflow() -> PyErr {
    PyOverflowError::new_err("WordCounter counts are limited to 2**62, in all")
}

#[pymethods]
impl WordCounter {
    #[new]
    fn new() -> Self {
        let seed = Seed::random();
        WordCounter {
            seed,
            counts: Mutex::new(Counts {
                words: WordTable::new(seed),
                total: 0,
            }),
        }
    }

    /// Count the words of `text`, split as `text.split()` splits them, and return how
    /// many there were: `word_frequencies`' kernel, on `n_threads` Rust threads (None:
    /// every core), with its argument rules and errors.
    ///
    /// All or nothing: a text of 32 KiB or more is counted apart and merged at the end,
    /// so an `add` interrupted by Ctrl-C (checked between slices of 4 MiB) or failing
    /// leaves the counter as it was; a shorter one is checked (its UTF-8, the total's
    /// bound) before its words are counted into the counter, under its lock.
    #[pyo3(signature = (text, n_threads=None))]
    fn add(
        &self,
        py: Python<'_>,
        text: PyText<'_>,
        n_threads: Option<&Bound<'_, PyAny>>,
    ) -> Result<u64, Error> {
        let threads = thread_count(n_threads)?;
        if let Some(added) = self.add_briefly(py, &text)? {
            return Ok(added);
        }
        let seed = self.seed;
        // Always UTF-8 (not a str's storage): the counter's words are UTF-8.
        let contents = Contents::Text(text);
        let local = fold_sliced(
            py,
            &contents,
            false,
            FREQUENCY_SLICE_BYTES,
            WordTable::new(seed),
            |table, text, start, end| text.add_word_frequencies(table, start, end, threads),
        )?;
        self.merge(py, local)
    }

    /// Add the counts of `other`, a `WordCounter` or a mapping of `str` to `int`, as
    /// `collections.Counter.update` does: words not seen yet go last, in `other`'s order.
    ///
    /// All or nothing: raises TypeError for a key that is not a str or a count that is
    /// not an integer (an int, or an object with `__index__`), ValueError for a negative
    /// count, and OverflowError if a count, or all of them together, would pass 2**62,
    /// before anything is added. An error raised by `other` itself (its `items()`, a
    /// count's `__index__`, Ctrl-C meanwhile) propagates as it was raised.
    #[pyo3(signature = (other, /))]
    fn update(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> Result<(), Error> {
        let items: Vec<(OwnedWord, u64)> = if let Ok(counter) = other.cast::<WordCounter>() {
            let counter = counter.get();
            if !std::ptr::eq(self, counter) {
                return self.merge_counter(py, counter);
            }
            // Copied out first: `c.update(c)` must not wait for its own lock.
            counter.snapshot(py)
        } else if other.hasattr("items")? {
            mapping_counts(other)?
        } else {
            return Err(PyTypeError::new_err(format!(
                "update() takes a WordCounter or a mapping of str to int, not {}",
                other.get_type().name()?
            ))
            .into());
        };
        self.merge_owned(py, items)
    }

    /// The counts as a `collections.Counter`, its words in first-seen order.
    fn to_counter<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, Error> {
        to_counter(
            py,
            Text::Utf8(b""),
            Releasing::new(self.snapshot(py)),
            Vec::new(),
        )
    }

    /// For pickle and `copy`: a new `WordCounter`, given this one's counts (a
    /// `collections.Counter`, words in first-seen order) by `__setstate__`. Without it,
    /// a counter could not be sent to another process or copied.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> Result<(Bound<'py, PyType>, (), Bound<'py, PyAny>), Error> {
        let py = slf.py();
        Ok((py.get_type::<WordCounter>(), (), slf.get().to_counter(py)?))
    }

    /// Add the counts pickle saved (see `__reduce__`): `update(state)`.
    #[pyo3(signature = (state, /))]
    fn __setstate__(&self, py: Python<'_>, state: &Bound<'_, PyAny>) -> Result<(), Error> {
        self.update(py, state)
    }

    /// The number of words added so far, repeats included.
    #[getter]
    fn total(&self, py: Python<'_>) -> u64 {
        self.with_counts_briefly(py, |c| c.total)
    }

    /// The count of `word`, 0 if it was never added.
    fn __getitem__(&self, py: Python<'_>, word: &Bound<'_, PyString>) -> PyResult<u64> {
        let word = PyText::from_str(word.as_any().as_borrowed())?;
        Ok(self.with_counts_briefly(py, |c| c.words.get(word.as_bytes()).unwrap_or(0)))
    }

    fn __contains__(&self, py: Python<'_>, word: &Bound<'_, PyAny>) -> PyResult<bool> {
        if !word.is_instance_of::<PyString>() {
            // As in a Counter: no other key is ever here, but an unhashable one is a
            // TypeError.
            word.hash()?;
            return Ok(false);
        }
        let word = PyText::from_str(word.as_borrowed())?;
        Ok(self.with_counts_briefly(py, |c| c.words.get(word.as_bytes()).is_some()))
    }

    /// The words, in first-seen order, as iterating `to_counter()` gives them. The
    /// iterator reads a copy of the words made by this call, so words added meanwhile by
    /// other threads are not seen and none is seen twice; each `str` is made as it is
    /// asked for.
    fn __iter__(&self, py: Python<'_>) -> WordCounterIterator {
        let words = self.with_counts(py, |c| c.words.iter().map(|(w, _)| w.clone()).collect());
        WordCounterIterator {
            words,
            next: AtomicUsize::new(0),
        }
    }

    /// The number of distinct words.
    fn __len__(&self, py: Python<'_>) -> usize {
        self.with_counts_briefly(py, |c| c.words.len())
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
        let top: Vec<(OwnedWord, u64)> = self.with_counts(py, |c| most_common(&c.words, limit));
        top.iter()
            .map(|(w, n)| Ok((to_py_str(py, w.as_bytes())?, *n)))
            .collect()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let (distinct, total) = self.with_counts_briefly(py, |c| (c.words.len(), c.total));
        format!("<WordCounter: {distinct} distinct words, {total} in all>")
    }
}

/// What `iter(counter)` returns: the words of a `WordCounter` as they were when it was
/// made. Frozen, its place an atomic, so threads sharing it each get words of their own.
#[pyclass(frozen, module = "word_count")]
pub struct WordCounterIterator {
    words: Vec<OwnedWord>,
    next: AtomicUsize,
}

#[pymethods]
impl WordCounterIterator {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyString>>> {
        // Never past the end, however often it is called once done.
        let taken = self
            .next
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |i| {
                (i < self.words.len()).then_some(i + 1)
            });
        match taken {
            Ok(i) => Ok(Some(to_py_str(py, self.words[i].as_bytes())?)),
            Err(_) => Ok(None),
        }
    }

    /// How many words are left, for `list()` and friends to size their storage.
    fn __length_hint__(&self) -> usize {
        self.words
            .len()
            .saturating_sub(self.next.load(Ordering::Relaxed))
    }
}
