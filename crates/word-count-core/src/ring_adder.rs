//! [`RingAdder`]: the frequencies kernel's [`Adder`] for tables larger than the core's
//! caches, which prefetches each word's slot and probes it [`RING`] words later.
//!
//! Why: with millions of distinct words, each word's probe is a miss to memory (and to
//! the TLB), and the plain loop waits for it before the next word's: one miss at a
//! time. Keyed and prefetched a few words ahead, the misses of several words overlap.
//! The words still reach the table one by one in the text's order, so the table, its
//! first-seen order included, is the one the plain [`Adder`] makes.
//!
//! Not for small tables: there the ring's own work per word costs more than the misses
//! it hides (1.4x slower on an English text of 7,797 distinct words, whose table fits the
//! L2 cache), so [`crate::frequencies`] turns to it only once a table has grown past
//! [`RING_FROM_SLOTS`] slots. docs/benchmarks.md has the measurements.

use crate::hash::Key;
use crate::word_table::{prefetch, Adder, Word};

/// How many words behind their keys and prefetches the probes run: enough to keep
/// several misses in flight; more only lengthens the ring's drain.
pub const RING: usize = 16;

/// The index size from which a table's words are added through a [`RingAdder`]: 2^19
/// slots (4 MiB, next to 2-4 MiB of keys and counts), twice a core's L2 cache on the
/// Intel Xeons here. Tables from 2^19 slots on hold more than 131,072 words.
pub const RING_FROM_SLOTS: usize = 1 << 19;

/// An [`Adder`] behind a ring of the last [`RING`] words given: each word is keyed and
/// its slot prefetched when it comes in, and counted when it leaves the ring.
/// [`Self::finish`] counts the words still in it.
pub struct RingAdder<'a, 't, W, const UNIT: usize> {
    adder: Adder<'a, 't, W, UNIT>,
    /// Each word in the ring: its span and its key (`Adder::key_of`).
    ring: [(usize, usize, Option<Key>); RING],
    /// How many words the ring holds (RING once it is full).
    len: usize,
    /// Where the next word goes: once the ring is full, its oldest word.
    next: usize,
}

impl<'a, 't, W: Word + From<&'t [u8]>, const UNIT: usize> RingAdder<'a, 't, W, UNIT> {
    pub fn new(adder: Adder<'a, 't, W, UNIT>) -> Self {
        RingAdder {
            adder,
            ring: [(0, 0, None); RING],
            len: 0,
            next: 0,
        }
    }

    /// Count the word `text[a..b]` once more, [`RING`] words from now.
    #[inline(always)]
    pub fn add(&mut self, a: usize, b: usize) {
        let key = self.adder.key_of(a, b);
        if let Some(key) = &key {
            prefetch(self.adder.first_slot(key));
        }
        if self.len == RING {
            let (a, b, key) = self.ring[self.next];
            self.adder.add_with_key(a, b, key);
        } else {
            self.len += 1;
        }
        self.ring[self.next] = (a, b, key);
        self.next = (self.next + 1) % RING;
    }

    /// Count the words still in the ring, oldest first.
    pub fn finish(mut self) {
        let oldest = (self.next + RING - self.len) % RING;
        for i in 0..self.len {
            let (a, b, key) = self.ring[(oldest + i) % RING];
            self.adder.add_with_key(a, b, key);
        }
    }
}
