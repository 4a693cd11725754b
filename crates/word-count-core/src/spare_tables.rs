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

/// The slots a table reused for a text of `bytes` bytes begins with, at most: as many as
/// take twice the text's bytes (a power of two, at least 512). Zeroing them costs about a
/// tenth of counting the text (memory is zeroed at some 20 GB/s, words are counted at 1-2
/// GB/s), whatever the table given back held.
///
/// Why: a table given back by a call on 200,000 distinct words has half a million slots,
/// and zeroing them all made each later `word_frequencies` of a sentence take 158-168
/// microseconds instead of 2.4-4.2 (3.13t, Intel Xeon family 6 model 207).
fn slots_for(bytes: usize) -> usize {
    let slots = bytes.saturating_mul(2) / std::mem::size_of::<u64>();
    1 << slots.max(512).ilog2()
}

impl WordTable<&[u8]> {
    /// A new empty table for the words of a text of `bytes` bytes, on the memory of one
    /// given back ([`Self::give_back`]) if any is kept, so a call's tables need not grow
    /// from nothing again; it begins with no more slots than [`slots_for`] `bytes`.
    ///
    /// Why: growing from nothing, each table maps fresh memory and frees the old, and on
    /// two threads that churn was the kernel's largest overhead (every unmap or trim
    /// stops the other core to flush its TLB, and every fresh page faults). Measured on
    /// a 4 MiB text, word-count-core alone, 101 interleaved calls: 2 threads 1.55x one
    /// thread, and 1.73x with `MALLOC_MMAP_THRESHOLD_` and `MALLOC_TRIM_THRESHOLD_` set
    /// so that glibc keeps its memory.
    pub fn reused(seed: Seed, bytes: usize) -> Self {
        let spare = try_lock().and_then(|mut spare| spare.pop());
        match spare {
            Some(spare) => WordTable::from_spare(spare, seed, slots_for(bytes)),
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
            let mut t = WordTable::reused(Seed::random(), text.len());
            t.adder(&text).add(0, 1);
            t
        };
        assert_eq!(first.len(), 1);
        first.give_back();
        // Whichever table this gets (the one given back, or another test's), it holds
        // no word and counts under the seed it was given.
        let seed = Seed::random();
        let mut t = WordTable::reused(seed, text.len());
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

    #[test]
    fn a_large_spare_reused_for_a_sentence_zeroes_few_slots_and_grows_in_place() {
        // Under Miri, 300: a word costs a thousand times more there. The large table
        // still grows to 1,024 slots, past the sentence's 512, and the sentence's into it.
        let n = if cfg!(miri) { 300 } else { 10_000 };
        let text: Vec<u8> = (0..n).flat_map(|i| format!("w{i} ").into_bytes()).collect();
        let words: Vec<&[u8]> = text
            .split(|&c| c == b' ')
            .filter(|w| !w.is_empty())
            .collect();
        let mut big = WordTable::new(Seed::random());
        for w in &words {
            big.add(*w);
        }
        let (big_slots, at) = big.slots();
        assert!(big_slots > slots_for(50));
        // A sentence's table begins small, on the large one's memory...
        let seed = Seed::random();
        let mut t = WordTable::from_spare(big.into_spare(), seed, slots_for(50));
        assert_eq!(t.slots(), (slots_for(50), at));
        assert_eq!((t.len(), t.total(), t.seed()), (0, 0, seed));
        // ...and grows into it, with no new memory, counting as a new table does.
        for w in words.iter().chain(&words[..10]) {
            t.add(*w);
        }
        assert_eq!(t.slots(), (big_slots, at));
        let got: Vec<(&[u8], u64)> = t.iter().map(|(w, n)| (*w, n)).collect();
        let expected: Vec<(&[u8], u64)> = (words.iter().enumerate())
            .map(|(i, w)| (*w, 1 + u64::from(i < 10)))
            .collect();
        assert_eq!(got, expected);
        // A text as large as the first takes all the slots it had at once.
        let t = WordTable::from_spare(t.into_spare(), seed, slots_for(text.len()));
        assert_eq!(t.slots().0, big_slots.min(slots_for(text.len())));
    }
}
