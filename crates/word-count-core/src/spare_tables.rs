//! Emptied tables kept for the next call: a process-wide pool of spare
//! [`WordTable`] memory, taken by [`WordTable::reused`] and returned by
//! [`WordTable::give_back`].
//!
//! Not to be confused with [`crate::pool`], the thread pool: this one holds memory.

use std::sync::{Mutex, MutexGuard, TryLockError};

use crate::hash::Seed;
use crate::word_table::{SpareTable, WordTable};

/// Emptied tables, for [`WordTable::reused`].
static SPARE: Mutex<Vec<SpareTable>> = Mutex::new(Vec::new());

/// The spare tables, unless another thread is taking or giving one: then the caller
/// does without, rather than wait. Never waiting also keeps a child forked while another
/// thread held the lock from blocking forever on it. A poisoned lock only means a panic
/// while it was held, between two statements that leave the list valid.
fn try_lock() -> Option<MutexGuard<'static, Vec<SpareTable>>> {
    match SPARE.try_lock() {
        Ok(spare) => Some(spare),
        Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
        Err(TryLockError::WouldBlock) => None,
    }
}

/// The most memory the spare tables hold: room for a few tables of ~100,000 words.
const SPARE_BYTES: usize = 32 << 20;

impl WordTable<&[u8]> {
    /// A new empty table, on the memory of one given back ([`Self::give_back`]) if any
    /// is kept, so a call's tables need not grow from nothing again.
    ///
    /// Why: growing from nothing, each table maps fresh memory and frees the old, and on
    /// two threads that churn was the kernel's largest overhead (every unmap or trim
    /// stops the other core to flush its TLB, and every fresh page faults). Measured on
    /// a 4 MiB text, word-count-core alone, 101 interleaved calls: 2 threads 1.55x one
    /// thread, and 1.73x with `MALLOC_MMAP_THRESHOLD_` and `MALLOC_TRIM_THRESHOLD_` set
    /// so that glibc keeps its memory.
    pub fn reused(seed: Seed) -> Self {
        let spare = try_lock().and_then(|mut spare| spare.pop());
        match spare {
            Some(spare) => WordTable::from_spare(spare, seed),
            None => WordTable::new(seed),
        }
    }

    /// Whether [`Self::give_back`] would keep this table: at most [`SPARE_BYTES`].
    pub fn is_reusable(&self) -> bool {
        self.capacity_bytes() <= SPARE_BYTES
    }

    /// Keep this table's memory for [`Self::reused`], if the tables kept stay under
    /// [`SPARE_BYTES`] in all.
    pub fn give_back(self) {
        let table = self.into_spare();
        let bytes = table.capacity_bytes();
        let Some(mut spare) = try_lock() else {
            return;
        };
        let kept: usize = spare.iter().map(SpareTable::capacity_bytes).sum();
        if kept + bytes <= SPARE_BYTES {
            spare.push(table);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reused_table_starts_empty_under_its_new_seed() {
        // Under Miri, a tenth: a word costs a thousand times more there.
        let n = if cfg!(miri) { 500 } else { 5000 };
        let text = b"a b a c".repeat(n);
        let first = {
            let mut t = WordTable::reused(Seed::random());
            t.adder(&text).add(0, 1);
            t
        };
        assert_eq!(first.len(), 1);
        first.give_back();
        // Whichever table this gets (the one given back, or another test's), it holds
        // no word and counts under the seed it was given.
        let seed = Seed::random();
        let mut t = WordTable::reused(seed);
        assert_eq!((t.len(), t.total(), t.seed()), (0, 0, seed));
        let words: Vec<&[u8]> = text.split(|&c| c == b' ').collect();
        for w in &words {
            t.add(w);
        }
        let got: Vec<(&[u8], u64)> = t.iter().map(|(w, n)| (*w, n)).collect();
        // "a b a ca b a c...": the repeats join "c" and "a" into "ca".
        let n = n as u64;
        assert_eq!(got[..3], [(&b"a"[..], n + 1), (b"b", n), (b"ca", n - 1)]);
        assert_eq!(t.total(), words.len() as u64);
        t.give_back();
    }
}
