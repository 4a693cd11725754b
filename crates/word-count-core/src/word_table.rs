//! A table of words and their counts that keeps the order words were first added, as
//! `collections.Counter` (a dict) does, so `most_common` breaks ties the same way.
//!
//! Built for the frequencies kernel: the entries live in one vector in first-seen
//! order, each with its hash, and an open-addressing index (linear probing, at most
//! half full) maps a hash to an entry. The index holds 32 bits of the hash beside the
//! entry's position, so a probe compares a word only when those bits match. Tables are
//! merged entry by entry in order without hashing again, which is how the chunks of a
//! text, counted on different threads, become one table in the text's order.
//!
//! The words are hashed with a keyed hash ([`crate::hash`]); tables merged together must
//! share its [`Seed`]. A table's memory outlives it as a `SpareTable`, which
//! [`crate::spare_tables`] keeps for the next call.

use crate::hash::{loads_below, ucs4_loads_below, Key, Seed};
use crate::owned_word::OwnedWord;
use crate::releasing::Releasing;

/// A word of a table: borrowed from a text (`&[u8]`) or owned ([`OwnedWord`]).
pub trait Word {
    fn bytes(&self) -> &[u8];
}

impl Word for &[u8] {
    #[inline(always)]
    fn bytes(&self) -> &[u8] {
        self
    }
}

impl Word for OwnedWord {
    #[inline(always)]
    fn bytes(&self) -> &[u8] {
        self.as_bytes()
    }
}

/// What a probe reads of an entry besides its slot: the word's [`Key`] words. Kept
/// apart from the rest (16 bytes an entry), so that the probed part of the table stays
/// small enough for the core's caches while the text streams through them.
#[derive(Debug, Clone, Copy)]
struct Hot {
    x: u64,
    y: u64,
}

/// The rest of an entry: the word and its hash.
#[derive(Debug, Clone)]
struct Cold<W> {
    word: W,
    hash: u64,
}

/// A slot of the index: 0 for empty, else `(check << 32) | 2 * (index + 1)`.
///
/// Twice the index + 1: so the lookup finds the entry's `Hot` (16 bytes) at
/// `8 * low - 16` bytes and its count at `4 * low - 8`, scales an x86 address takes,
/// with no shift or subtraction on the way from a slot to the entry.
///
/// `check` is 24 bits of the hash and the word's length capped at 255 (a longer word is
/// compared byte by byte anyway), so one compare rejects nearly every other word before
/// its entry is read.
#[inline(always)]
fn check(hash: u64, len: usize) -> u64 {
    (hash >> 40) << 8 | len.min(255) as u64
}

#[inline(always)]
fn slot_of(check: u64, index: usize) -> u64 {
    (check << 32) | (2 * (index as u64 + 1))
}

/// The index of the entry of a non-empty slot.
#[inline(always)]
fn index_of(slot: u64) -> usize {
    (slot as u32 / 2 - 1) as usize
}

/// How many entries ahead of its probe [`WordTable::merge_out`] prefetches an entry's
/// slot.
const MERGE_AHEAD: usize = 8;

/// How many words [`WordTable::add_counts`] hashes, and whose slots it asks for, before
/// it probes the first of them.
const ADD_AHEAD: usize = 16;

/// Ask for the cache line at `at` ahead of its use. A hint only: it reads nothing the
/// program sees and never faults, whatever the address.
#[inline(always)]
pub(crate) fn prefetch(at: *const u64) {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    // SAFETY: a prefetch has no effect the program can observe and does not fault on any
    // address (Intel SDM, PREFETCHh), so any pointer value is sound here.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(at.cast());
    }
    #[cfg(all(target_arch = "aarch64", not(miri)))]
    // SAFETY: PRFM is a hint that does not fault on any address and changes no register
    // or memory the program sees (Arm ARM, "Prefetch memory"), so any pointer is sound.
    unsafe {
        std::arch::asm!(
            "prfm pldl1keep, [{0}]",
            in(reg) at,
            options(nostack, preserves_flags, readonly)
        );
    }
    // Elsewhere (and under Miri, which has no prefetch) nothing is asked for.
    let _ = at;
}

/// Words (as bytes) and their counts, in the order they were first added.
///
/// The counts live in their own vector, not beside the keys a probe reads: a count is
/// written for every word, and a probe of the next word reading the same cache line
/// waited on that write (perf, 1 GB/s text of one repeated word: 30% slower).
#[derive(Debug, Clone)]
pub struct WordTable<W> {
    hot: Vec<Hot>,
    counts: Vec<u64>,
    cold: Vec<Cold<W>>,
    slots: Vec<u64>,
    seed: Seed,
    /// The bytes of a unit of the words' text: 1 (UTF-8, Latin-1), 2 or 4 (a `str`'s
    /// UCS-2 or UCS-4 storage), which words of more than 16 bytes are keyed by
    /// ([`Seed::key_of_units`]). Set by an [`Adder`] while the table is empty.
    unit: usize,
}

/// A table's memory with no word in it: what [`crate::spare_tables`] keeps between
/// calls. Its slots still hold the old entries' positions, so it is no table until
/// [`WordTable::from_spare`] zeroes them (on the thread that will use it).
pub(crate) struct SpareTable(WordTable<&'static [u8]>);

impl SpareTable {
    /// The bytes its vectors have allocated.
    pub(crate) fn capacity_bytes(&self) -> usize {
        self.0.capacity_bytes()
    }
}

/// Slots of a new table: small, since a chunk of a few words is common.
const MIN_SLOTS: usize = 64;

/// No count reaches this (a text of that many words would take 1000 petabytes); counts
/// given from outside (`add_count`) are capped here, so sums never overflow.
pub const MAX_COUNT: u64 = 1 << 62;

/// Counting the words of a text `'t` into a table: one that borrows them from the text
/// (`&'t [u8]`), or one that keeps its own copy of each new word ([`OwnedWord`]), as a
/// file's frequencies do, its blocks' text being reused.
impl<'t, W: Word + From<&'t [u8]>> WordTable<W> {
    /// Count the word `text[a..b]` once more.
    #[inline(always)]
    pub fn add_at(&mut self, text: &'t [u8], a: usize, b: usize) {
        let key = if self.unit != 4 || b.wrapping_sub(a) <= 16 {
            self.seed.key_at(text, a, b)
        } else {
            self.seed.key_of_units(&text[a..b], self.unit)
        };
        let word = &text[a..b];
        match self.find(&key, word) {
            // SAFETY: `find` returns the index of an entry, and `counts` has one count
            // per entry. A plain add: a text's counts are bounded by its length.
            Ok(index) => unsafe { *self.counts.get_unchecked_mut(index) += 1 },
            // The word is made the table's kind only when it is new.
            Err(slot) => self.insert(slot, key, W::from(word), 1),
        }
    }

    #[inline(never)] // rare: a new word, or a long one; keeps `Adder::add` small
    fn add_at_cold(&mut self, text: &'t [u8], a: usize, b: usize) {
        if self.unit != 4 && (17..=32).contains(&b.wrapping_sub(a)) {
            return self.add_mid(&text[a..b]);
        }
        self.add_at(text, a, b)
    }

    /// Count `word`, of 17 to 32 bytes, once more, as `add` would, but with its key
    /// made without a loop ([`Seed::mid_key`]) and compared without a `memcmp` call:
    /// the entry's `Hot` holds the word's last 16 bytes, so only its first 16 are read
    /// from the entry's word. Words of this length are common where letters take two
    /// bytes (Cyrillic, Greek); see docs/benchmarks.md for what this saves.
    #[inline(always)]
    fn add_mid(&mut self, word: &'t [u8]) {
        let key = self.seed.mid_key(word);
        let mask = self.slots.len() - 1;
        let check = check(key.hash, word.len());
        let mut slot = key.hash as usize & mask;
        loop {
            // SAFETY: `slots.len()` is a power of two (64, or more by `grow_to`), so
            // `slot & mask` is in bounds; a non-empty slot holds the index + 1 of an
            // entry (`insert`, `grow`), and `hot`, `cold` and `counts` have one element
            // per entry.
            unsafe {
                let s = *self.slots.get_unchecked(slot);
                if s == 0 {
                    return self.insert(slot, key, W::from(word), 1);
                }
                if s >> 32 == check {
                    let index = index_of(s);
                    let hot = self.hot.get_unchecked(index);
                    // The check holds the length (under 255): the entry's word has as
                    // many bytes as this one, so equal last 16 and first 16 bytes make
                    // it the same word.
                    if hot.x == key.x
                        && hot.y == key.y
                        && self.cold.get_unchecked(index).word.bytes()[..16] == word[..16]
                    {
                        *self.counts.get_unchecked_mut(index) += 1;
                        return;
                    }
                }
            }
            slot = (slot + 1) & mask;
        }
    }

    /// An [`Adder`] of the words of `text`, UTF-8 or Latin-1, to this table.
    pub fn adder<'a>(&'a mut self, text: &'t [u8]) -> Adder<'a, 't, W> {
        self.adder_of_units::<1>(text)
    }

    /// An [`Adder`] of the words of `text`, the bytes of units of `UNIT` bytes (1, 2 or
    /// 4), to this table. Panics if the table holds words of another width: their keys
    /// would differ.
    pub fn adder_of_units<'a, const UNIT: usize>(
        &'a mut self,
        text: &'t [u8],
    ) -> Adder<'a, 't, W, UNIT> {
        assert!(matches!(UNIT, 1 | 2 | 4), "units of 1, 2 or 4 bytes");
        self.set_unit(UNIT);
        let raw = self.raw();
        Adder {
            table: self,
            text,
            limit: loads_below(text),
            ucs4_limit: ucs4_loads_below(text),
            raw,
        }
    }
}

impl WordTable<&[u8]> {
    /// This table's memory, its words dropped (see [`SpareTable`]).
    pub(crate) fn into_spare(mut self) -> SpareTable {
        self.hot.clear();
        self.counts.clear();
        self.cold.clear();
        // SAFETY: only the lifetime of the words changes, which changes no layout, and
        // the table holds no word (`cold`, the only field with words, is empty).
        let table: WordTable<&'static [u8]> = unsafe { std::mem::transmute(self) };
        SpareTable(table)
    }

    /// A new empty table under `seed`, on the memory of `spare`, with at most
    /// `max_slots` slots (a power of two) to begin with: those are zeroed now, and the
    /// table grows into the rest of the spare's memory as it needs ([`Self::grow`]).
    pub(crate) fn from_spare(spare: SpareTable, seed: Seed, max_slots: usize) -> Self {
        debug_assert!(max_slots.is_power_of_two());
        let mut table = spare.0;
        // Zeroed here, by the thread that will use it (`reused` runs there), not by the
        // one that gave it back (the caller, merging, while the others wait): a table
        // given back full still names its entries. (`merge_out` zeroes the tables it
        // empties, as they stay in the caller's hands.)
        let slots = table.slots.len().min(max_slots.max(MIN_SLOTS));
        table.slots.clear();
        table.slots.resize(slots, 0);
        table.seed = seed;
        table.unit = 1;
        table
    }
}

/// Counts words of one text into a table, for the word loop of the frequencies kernel.
///
/// It holds the table's pointers and seed as plain values ([`Raw`]), refreshed only
/// when a word is new. Read through the table instead, they were loaded again for every
/// word, since the compiler cannot tell that a count's store leaves them unchanged:
/// a third of the instructions of a word (callgrind, perf annotate).
pub struct Adder<'a, 't, W, const UNIT: usize = 1> {
    table: &'a mut WordTable<W>,
    text: &'t [u8],
    /// `loads_below(text)`.
    limit: usize,
    /// `ucs4_loads_below(text)`.
    ucs4_limit: usize,
    raw: Raw,
}

/// The parts of a table a lookup reads, valid until the table next grows.
#[derive(Clone, Copy)]
struct Raw {
    slots: *const u64,
    mask: usize,
    hot: *const Hot,
    counts: *mut u64,
    seed: Seed,
}

impl<'t, W: Word + From<&'t [u8]>, const UNIT: usize> Adder<'_, 't, W, UNIT> {
    /// Count the word `text[a..b]` once more.
    #[inline(always)]
    pub fn add(&mut self, a: usize, b: usize) {
        let key = self.key_of(a, b);
        self.add_with_key(a, b, key)
    }

    /// The key of the word `text[a..b]` if [`Self::add_with_key`] can probe with it: a
    /// word of at most 16 bytes (or a narrowed UCS-4 one) with 16 bytes (64 in UCS-4)
    /// of text after its start. None sends the word down the general path.
    #[inline(always)]
    pub(crate) fn key_of(&self, a: usize, b: usize) -> Option<Key> {
        let seed = self.raw.seed;
        if UNIT != 4 || b.wrapping_sub(a) <= 16 {
            seed.short_key_below(self.text, self.limit, a, b)
        } else {
            seed.narrowed_key_below(self.text, self.ucs4_limit, a, b)
        }
    }

    /// Where the probe of a word keyed `key` begins: the slot to prefetch.
    #[inline(always)]
    pub(crate) fn first_slot(&self, key: &Key) -> *const u64 {
        // `wrapping_add`: only an address to prefetch, never read through here.
        self.raw
            .slots
            .wrapping_add(key.hash as usize & self.raw.mask)
    }

    /// [`Self::add`], given `key = self.key_of(a, b)`.
    #[inline(always)]
    pub(crate) fn add_with_key(&mut self, a: usize, b: usize, key: Option<Key>) {
        let raw = self.raw;
        if let Some(key) = key {
            // `check(hash, len)`, without capping a length known to be at most 60 (16, or
            // 15 units of 4 bytes). Never 0, the empty slot's: a word has at least one byte.
            let check = (key.hash >> 40) << 8 | (b - a) as u64;
            debug_assert_eq!(check, self::check(key.hash, b - a));
            let mut slot = key.hash as usize & raw.mask;
            loop {
                // SAFETY: `raw` is the table's as of its last change (`WordTable::raw`
                // after each call that may add a word): `slots` has `mask + 1` slots, and
                // a slot's low 32 bits `low` are 0 or `2 * (index + 1)` for an entry of
                // `hot` and of `counts` (`slot_of`), so `8 * low - 16` is that entry's
                // offset in `hot` (16 bytes an entry) and `4 * low - 8` in `counts`.
                unsafe {
                    let s = *raw.slots.add(slot);
                    if s >> 32 == check {
                        let low = s as u32 as usize;
                        let hot = &*raw.hot.cast::<u8>().add(8 * low - 16).cast::<Hot>();
                        // Equal keys of one length: equal words (see `Key`, and
                        // `crate::ucs4_keys` for a narrowed key).
                        if hot.x == key.x && hot.y == key.y {
                            // A plain add: a text's counts are bounded by its length.
                            *raw.counts.cast::<u8>().add(4 * low - 8).cast::<u64>() += 1;
                            return;
                        }
                    } else if s == 0 {
                        break;
                    }
                }
                slot = (slot + 1) & raw.mask;
            }
        }
        // A new word, or a long one: the general path, which hashes it again. Passing
        // the key on instead kept it on the stack for every word (three stores a word).
        self.table.add_at_cold(self.text, a, b);
        self.raw = self.table.raw();
    }
}

impl<W: Word> WordTable<W> {
    /// The slots of its index: a power of two, at least twice its words.
    pub fn slot_count(&self) -> usize {
        self.slots.len()
    }

    pub fn new(seed: Seed) -> Self {
        WordTable {
            hot: Vec::new(),
            counts: Vec::new(),
            cold: Vec::new(),
            slots: vec![0; MIN_SLOTS],
            seed,
            unit: 1,
        }
    }

    /// Key this table's words as units of `unit` bytes: only while it is empty.
    fn set_unit(&mut self, unit: usize) {
        if self.unit != unit {
            assert!(
                self.is_empty(),
                "a table of words of {}-byte units given words of {unit}-byte units",
                self.unit
            );
            self.unit = unit;
        }
    }

    /// The key of `word` in this table.
    #[inline(always)]
    fn key(&self, word: &[u8]) -> Key {
        self.seed.key_of_units(word, self.unit)
    }

    fn raw(&mut self) -> Raw {
        Raw {
            slots: self.slots.as_ptr(),
            mask: self.slots.len() - 1,
            hot: self.hot.as_ptr(),
            counts: self.counts.as_mut_ptr(),
            seed: self.seed,
        }
    }

    /// The slots of its index, and where they are.
    #[cfg(test)]
    pub(crate) fn slots(&self) -> (usize, *const u64) {
        (self.slots.len(), self.slots.as_ptr())
    }

    /// The bytes this table's vectors have allocated.
    pub(crate) fn capacity_bytes(&self) -> usize {
        use std::mem::size_of;
        self.slots.capacity() * size_of::<u64>()
            + self.hot.capacity() * size_of::<Hot>()
            + self.counts.capacity() * size_of::<u64>()
            + self.cold.capacity() * size_of::<Cold<W>>()
    }

    pub fn seed(&self) -> Seed {
        self.seed
    }

    /// The number of distinct words.
    pub fn len(&self) -> usize {
        self.hot.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hot.is_empty()
    }

    /// The words and their counts, in first-seen order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&W, u64)> + '_ {
        self.cold
            .iter()
            .zip(&self.counts)
            .map(|(c, &n)| (&c.word, n))
    }

    /// The words from the `from`-th on (first-seen order), without their counts.
    pub fn words_from(&self, from: usize) -> impl ExactSizeIterator<Item = &W> + '_ {
        self.cold[from.min(self.cold.len())..]
            .iter()
            .map(|c| &c.word)
    }

    /// The words and their counts, in first-seen order, taken out of the table. The
    /// index is freed at once, and the entries' memory as they are taken ([`Releasing`]).
    pub fn into_counts(self) -> impl ExactSizeIterator<Item = (W, u64)> {
        Releasing::new(self.cold)
            .zip(Releasing::new(self.counts))
            .map(|(c, n)| (c.word, n))
    }

    /// The sum of the counts.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The count of `word`, if it is in the table.
    pub fn get(&self, word: &[u8]) -> Option<u64> {
        match self.find(&self.key(word), word) {
            Ok(index) => Some(self.counts[index]),
            Err(_) => None,
        }
    }

    /// Count `word` once more.
    #[inline(always)]
    pub fn add(&mut self, word: W) {
        let key = self.key(word.bytes());
        self.add_keyed(key, word, 1);
    }

    /// Add `count` to `word` (hashed here), placing it last if it is new. Counts are
    /// capped at 2**62.
    pub fn add_count(&mut self, word: W, count: u64) {
        let key = self.key(word.bytes());
        self.add_count_keyed(key, word, count)
    }

    /// [`Self::add_count`], given `key = self.key(word.bytes())`.
    #[inline(always)]
    fn add_count_keyed(&mut self, key: Key, word: W, count: u64) {
        let count = count.min(MAX_COUNT);
        match self.find(&key, word.bytes()) {
            Ok(index) => self.counts[index] = (self.counts[index] + count).min(MAX_COUNT),
            Err(slot) => self.insert(slot, key, word, count),
        }
    }

    /// [`Self::add_count`] for each word in turn, in order, faster on a large table: the
    /// words are hashed [`ADD_AHEAD`] at a time and their slots asked for before the
    /// first is probed, so that the probes' misses to memory overlap. The index is first
    /// made large enough for as many words as the larger of the table and `items` hold:
    /// no fewer words than that can result when `items` are distinct words (a mapping's
    /// keys, another table's words).
    ///
    /// Why: `WordCounter.update` from a counter of 10 million distinct words probed one
    /// word at a time, and each probe waited on memory for most of the call's time
    /// (perf: 63% of its samples on the slot's load).
    pub fn add_counts(&mut self, items: impl ExactSizeIterator<Item = (W, u64)>) {
        self.reserve(self.len().max(items.len()));
        let mut batch: Vec<(Key, W, u64)> = Vec::with_capacity(ADD_AHEAD);
        let (seed, unit) = (self.seed, self.unit);
        let mut items = items.peekable();
        while items.peek().is_some() {
            batch.extend(
                items
                    .by_ref()
                    .take(ADD_AHEAD)
                    .map(|(word, count)| (seed.key_of_units(word.bytes(), unit), word, count)),
            );
            let mask = self.slots.len() - 1;
            for (key, _, _) in &batch {
                prefetch(self.slots.as_ptr().wrapping_add(key.hash as usize & mask));
            }
            for (key, word, count) in batch.drain(..) {
                self.add_count_keyed(key, word, count);
            }
        }
    }

    /// Whether `words` more distinct words fit with none of the table's storage growing:
    /// neither the index, which is rebuilt from every word when it grows, nor the
    /// words' vectors, which are moved.
    pub fn has_room_for(&self, words: usize) -> bool {
        let len = self.len().saturating_add(words);
        // `insert` grows the index when more than half of it is taken.
        len <= self.slots.len() / 2
            && self.hot.capacity() >= len
            && self.counts.capacity() >= len
            && self.cold.capacity() >= len
    }

    /// Room for `words` words in all without the index growing on the way.
    fn reserve(&mut self, words: usize) {
        let more = words.saturating_sub(self.len());
        self.hot.reserve(more);
        self.counts.reserve(more);
        self.cold.reserve(more);
        // `insert` grows the index when more than half of it is taken.
        let slots = words.saturating_mul(2).next_power_of_two();
        if slots > self.slots.len() {
            self.grow_to(slots);
        }
    }

    /// Add `count` to `word`, whose key under this table's seed is `key`, placing it
    /// last if it is new.
    #[inline(always)]
    fn add_keyed(&mut self, key: Key, word: W, count: u64) {
        match self.find(&key, word.bytes()) {
            // SAFETY: `find` returns the index of an entry, and `counts` has one count
            // per entry. A plain add: the counts added here are a text's, bounded by its
            // length, far from overflowing.
            Ok(index) => unsafe { *self.counts.get_unchecked_mut(index) += count },
            Err(slot) => self.insert(slot, key, word, count),
        }
    }

    /// The index of the entry for `word`, or the empty slot where it would go.
    #[inline(always)]
    fn find(&self, key: &Key, word: &[u8]) -> Result<usize, usize> {
        let mask = self.slots.len() - 1;
        let check = check(key.hash, word.len());
        let mut slot = key.hash as usize & mask;
        loop {
            // SAFETY: `slots.len()` is a power of two (64, or more by `grow_to`), so
            // `slot & mask` is in bounds.
            let s = unsafe { *self.slots.get_unchecked(slot) };
            if s == 0 {
                return Err(slot);
            }
            if s >> 32 == check {
                let index = index_of(s);
                // SAFETY: a non-empty slot holds the index + 1 of an entry (`insert`,
                // `grow`), and `hot` has one element per entry.
                let hot = unsafe { self.hot.get_unchecked(index) };
                if hot.x == key.x
                    && hot.y == key.y
                    && (word.len() <= 16 || self.cold[index].word.bytes() == word)
                {
                    return Ok(index);
                }
            }
            slot = (slot + 1) & mask;
        }
    }

    #[inline(never)] // rare next to finding a word already there; keeps `add` small
    fn insert(&mut self, slot: usize, key: Key, word: W, count: u64) {
        let index = self.hot.len();
        // The index field holds 2 * (index + 1) in 32 bits: 2 billion distinct words,
        // which would take over 100 GB of memory first.
        assert!(
            index < (u32::MAX / 2) as usize,
            "more than 2 billion distinct words"
        );
        self.slots[slot] = slot_of(check(key.hash, word.bytes().len()), index);
        self.hot.push(Hot { x: key.x, y: key.y });
        self.counts.push(count);
        self.cold.push(Cold {
            word,
            hash: key.hash,
        });
        if 2 * self.hot.len() > self.slots.len() {
            self.grow();
        }
    }

    /// Twice the slots, every entry put back from `cold`: in the memory the slots have
    /// if it is enough (a spare table's, [`Self::from_spare`]), else in new memory.
    fn grow(&mut self) {
        self.grow_to(self.slots.len() * 2)
    }

    /// [`Self::grow`] to `size` slots, a power of two larger than the index's.
    fn grow_to(&mut self, size: usize) {
        debug_assert!(size.is_power_of_two() && size > self.slots.len());
        if self.slots.capacity() >= size {
            self.slots.clear();
            self.slots.resize(size, 0);
        } else {
            self.slots = vec![0; size];
        }
        let slots = &mut self.slots;
        let mask = size - 1;
        for (index, cold) in self.cold.iter().enumerate() {
            let mut slot = cold.hash as usize & mask;
            while slots[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            slots[slot] = slot_of(check(cold.hash, cold.word.bytes().len()), index);
        }
    }

    /// Add `other`'s counts, in its order: its words not yet here go last, in the order
    /// `other` first saw them. `other` must share this table's seed; `into` turns its
    /// words into this table's kind (a borrowed word into an owned one, say).
    pub fn merge<V: Word + Default>(&mut self, mut other: WordTable<V>, into: impl Fn(V) -> W) {
        self.merge_out(&mut other, into)
    }

    /// [`Self::merge`], leaving `other` empty (with its memory, to give back).
    pub fn merge_out<V: Word + Default>(
        &mut self,
        other: &mut WordTable<V>,
        into: impl Fn(V) -> W,
    ) {
        assert_eq!(self.seed, other.seed, "tables merged must share a seed");
        if !other.is_empty() {
            // Its keys, taken as they are, are those of its width.
            self.set_unit(other.unit);
            if self.is_empty() {
                return self.take_entries(other, into);
            }
        }
        for index in 0..other.cold.len() {
            // The slot of the entry MERGE_AHEAD on, asked for now: on a table of millions
            // of words each probe is a miss to memory, and this lets several overlap.
            if let Some(ahead) = other.cold.get(index + MERGE_AHEAD) {
                let mask = self.slots.len() - 1;
                prefetch(self.slots.as_ptr().wrapping_add(ahead.hash as usize & mask));
            }
            let cold = &mut other.cold[index];
            let hot = other.hot[index];
            let count = other.counts[index];
            let key = Key {
                hash: cold.hash,
                x: hot.x,
                y: hot.y,
            };
            match self.find(&key, cold.word.bytes()) {
                Ok(index) => self.counts[index] = (self.counts[index] + count).min(MAX_COUNT),
                Err(slot) => {
                    let word = std::mem::take(&mut cold.word);
                    self.insert(slot, key, into(word), count)
                }
            }
        }
        other.cold.clear();
        other.hot.clear();
        other.counts.clear();
        // Every non-empty slot must name an entry (`find` and the `Adder` read it
        // unchecked), and `other` has none left. One memset, next to a probe of this
        // table for each entry merged.
        other.slots.fill(0);
    }

    /// [`Self::merge_out`] into this table while it is empty: `other`'s index and
    /// entries become this table's as they are (the same seed places every word in the
    /// same slot), only its words turned by `into`, and `other` gets this table's empty
    /// index in exchange.
    ///
    /// Why: merged word by word, each of `other`'s words was a probe of this table and
    /// the table grew as they came. On 10 million distinct words that took nearly as
    /// long as counting them (docs/benchmarks.md, "Words kept by a `WordCounter`").
    fn take_entries<V: Word>(&mut self, other: &mut WordTable<V>, into: impl Fn(V) -> W) {
        debug_assert!(self.is_empty() && self.unit == other.unit);
        // An empty table's slots are all 0 (each non-empty slot names an entry), so
        // `other` is left a valid empty table.
        std::mem::swap(&mut self.slots, &mut other.slots);
        std::mem::swap(&mut self.hot, &mut other.hot);
        std::mem::swap(&mut self.counts, &mut other.counts);
        // `other` may be a spare table's memory (`from_spare`), sized for the largest
        // text of any call before: keep no more than a table grown to this size holds.
        let slots = self.slots.len();
        self.slots.shrink_to(slots);
        let entries = 2 * self.hot.len();
        self.hot.shrink_to(entries);
        self.counts.shrink_to(entries);
        self.cold.reserve_exact(other.cold.len());
        self.cold.extend(other.cold.drain(..).map(|cold| Cold {
            word: into(cold.word),
            hash: cold.hash,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keeps_first_seen_order_and_counts() {
        let mut t: WordTable<&[u8]> = WordTable::new(Seed::random());
        for w in ["b", "a", "b", "c", "a", "b"] {
            t.add(w.as_bytes());
        }
        let got: Vec<(&[u8], u64)> = t.iter().map(|(w, n)| (*w, n)).collect();
        assert_eq!(got, [(&b"b"[..], 3), (b"a", 2), (b"c", 1)]);
        assert_eq!((t.get(b"a"), t.get(b"z"), t.total()), (Some(2), None, 6));
    }

    /// `has_room_for(n)` promises that `n` new words move no storage: every word added
    /// while it says so leaves the index and the vectors where they were.
    #[test]
    fn room_for_new_words_means_no_storage_moves() {
        let mut t: WordTable<OwnedWord> = WordTable::new(Seed::random());
        // Under Miri, a tenth: there the 3,000 words took two minutes a run.
        let n = if cfg!(miri) { 300 } else { 3_000 };
        let words: Vec<String> = (0..n).map(|i| format!("w{i}")).collect();
        let (mut with_room, mut without) = (0, 0);
        for (i, w) in words.iter().enumerate() {
            let room = (1..=3).filter(|&n| t.has_room_for(n)).max().unwrap_or(0);
            if room == 0 {
                without += 1;
            } else {
                with_room += 1;
                let before = (
                    t.slots.as_ptr(),
                    t.slots.len(),
                    t.hot.as_ptr(),
                    t.cold.as_ptr(),
                );
                let counts = t.counts.as_ptr();
                for extra in &words[i..(i + room).min(words.len())] {
                    t.add_count(OwnedWord::from(format!("{extra}x").as_bytes()), 1);
                }
                let after = (
                    t.slots.as_ptr(),
                    t.slots.len(),
                    t.hot.as_ptr(),
                    t.cold.as_ptr(),
                );
                assert_eq!((before, counts), (after, t.counts.as_ptr()), "moved at {i}");
            }
            t.add_count(OwnedWord::from(w.as_bytes()), 1);
        }
        // Both answers came up: the check is neither always yes nor always no.
        assert!(
            with_room > n * 2 / 3 && without > 0,
            "{with_room} {without}"
        );
        assert!(!t.has_room_for(usize::MAX));
    }

    #[test]
    fn grows_and_merges_in_order() {
        let seed = Seed::random();
        // Under Miri, 200: a word costs a thousand times more there. Table `a` still grows
        // twice before the merge (to 256 slots) and once during it (to 512).
        let n = if cfg!(miri) { 200 } else { 10_000 };
        let words: Vec<String> = (0..n).map(|i| format!("w{i}")).collect();
        let mut a: WordTable<OwnedWord> = WordTable::new(seed);
        let mut b: WordTable<&[u8]> = WordTable::new(seed);
        for w in &words[..n * 6 / 10] {
            a.add_count(OwnedWord::from(w.as_bytes()), 1);
        }
        for w in words[n * 4 / 10..].iter().rev() {
            b.add(w.as_bytes());
        }
        a.merge(b, OwnedWord::from);
        assert_eq!(a.len(), n);
        let order: Vec<&[u8]> = a.iter().map(|(w, _)| w.as_bytes()).collect();
        let mut expected: Vec<&[u8]> = words[..n * 6 / 10].iter().map(|w| w.as_bytes()).collect();
        expected.extend(words[n * 6 / 10..].iter().rev().map(|w| w.as_bytes()));
        assert_eq!(order, expected);
        assert_eq!(a.get(format!("w{}", n / 2).as_bytes()), Some(2));
        assert_eq!(a.get(format!("w{}", n - 1).as_bytes()), Some(1));
    }

    /// `merge_out` leaves `other` empty, and an empty table takes words like a new one.
    /// Its index once kept naming the entries the merge took out, so a lookup read past
    /// the end of `hot` (`get_unchecked`: undefined behaviour, reached from safe code)
    /// and the `Adder` counted into entries that were gone.
    #[test]
    fn a_table_merged_out_is_empty_and_takes_words_again() {
        let seed = Seed::random();
        let mut into: WordTable<&[u8]> = WordTable::new(seed);
        let mut other: WordTable<&[u8]> = WordTable::new(seed);
        for w in ["a", "b", "a"] {
            other.add(w.as_bytes());
        }
        into.merge_out(&mut other, |w| w);
        assert_eq!((other.len(), other.total()), (0, 0));
        assert_eq!((other.get(b"a"), other.get(b"b")), (None, None));
        other.add(b"b");
        // "a", on the Adder's path (16 bytes of text after the word's start).
        let text = b"a               ";
        other.adder(text).add(0, 1);
        let got: Vec<(&[u8], u64)> = other.iter().map(|(w, n)| (*w, n)).collect();
        assert_eq!(got, [(&b"b"[..], 1), (b"a", 1)]);
        let got: Vec<(&[u8], u64)> = into.iter().map(|(w, n)| (*w, n)).collect();
        assert_eq!(got, [(&b"a"[..], 2), (b"b", 1)]);
    }

    /// A merge into an empty table takes the other table's index and entries as they
    /// are: it must leave the table a merge word by word makes, which finds its words,
    /// counts on and takes later merges.
    #[test]
    fn a_merge_into_an_empty_table_counts_as_one_made_word_by_word() {
        let seed = Seed::random();
        // Under Miri, a tenth: a word costs a thousand times more there.
        let n = if cfg!(miri) { 300 } else { 3_000 };
        // Scrambled, and one word in ten longer than 16 bytes (compared byte by byte).
        let words: Vec<String> = (0..n)
            .map(|i| match i * 7919 % n {
                j if j % 10 == 0 => format!("a-word-longer-than-sixteen-bytes-{j}"),
                j => format!("w{j}"),
            })
            .collect();
        let mut local: WordTable<&[u8]> = WordTable::new(seed);
        for (i, w) in words.iter().enumerate() {
            for _ in 0..=i % 3 {
                local.add(w.as_bytes());
            }
        }
        let mut model: WordTable<OwnedWord> = WordTable::new(seed);
        for (w, n) in local.iter() {
            model.add_count(OwnedWord::from(*w), n);
        }
        let mut owned: WordTable<OwnedWord> = WordTable::new(seed);
        owned.merge(local, OwnedWord::from);
        let mut later: WordTable<&[u8]> = WordTable::new(seed);
        for w in words[n / 2..]
            .iter()
            .map(|w| w.as_bytes())
            .chain([&b"new"[..]])
        {
            later.add(w);
        }
        for table in [&mut owned, &mut model] {
            assert_eq!(table.get(words[1].as_bytes()), Some(2));
            table.add_count(OwnedWord::from(words[0].as_bytes()), 5);
            table.add_count(OwnedWord::from(&b"another new"[..]), 1);
            table.merge(later.clone(), OwnedWord::from);
        }
        let got: Vec<(&[u8], u64)> = owned.iter().map(|(w, n)| (w.as_bytes(), n)).collect();
        let expected: Vec<(&[u8], u64)> = model.iter().map(|(w, n)| (w.as_bytes(), n)).collect();
        assert_eq!(got, expected);
        assert_eq!(owned.len(), n + 2);
        for (w, count) in expected {
            assert_eq!(owned.get(w), Some(count));
        }
    }

    /// The items given: a word from a few (so that they repeat, and meet the table's),
    /// of 1 to 40 bytes (each of `key`'s paths), and a count up to and past MAX_COUNT.
    fn counted_words() -> impl Strategy<Value = Vec<(Vec<u8>, u64)>> {
        // Under Miri, 10 words before the padding, so that the shorter lists still repeat
        // words (and counts past MAX_COUNT meet); 300 gave about one repeat a case there.
        let word = (0..if cfg!(miri) { 10 } else { 300u32 }, 1..=40usize).prop_map(|(i, len)| {
            let mut w = format!("{i}-").into_bytes();
            w.resize(len.max(w.len()), b'x');
            w
        });
        let count = prop_oneof![
            0..5u64,
            Just(MAX_COUNT - 1),
            Just(MAX_COUNT),
            Just(u64::MAX)
        ];
        // Under Miri, 50 a list: 400 took 92 s of its run for this test's 4 cases, and 100
        // 25 s. `add_counts` still works in several batches of ADD_AHEAD, and two lists
        // of over 32 words grow the index past its first 64 slots.
        prop::collection::vec((word, count), 0..if cfg!(miri) { 50 } else { 400 })
    }

    proptest! {
        #![proptest_config(crate::proptest_config(4))]

        /// `add_counts` leaves the table `add_count` one item at a time leaves: the same
        /// words in the same order with the same counts, on a table empty or not, given
        /// items distinct or not (its index sized for the larger, then grown).
        #[test]
        fn adding_counts_at_once_is_adding_them_one_by_one(
            before in counted_words(),
            items in counted_words(),
        ) {
            let seed = Seed::random();
            let owned = |items: &[(Vec<u8>, u64)]| -> Vec<(OwnedWord, u64)> {
                items.iter().map(|(w, n)| (OwnedWord::from(&w[..]), *n)).collect()
            };
            let mut one_by_one: WordTable<OwnedWord> = WordTable::new(seed);
            let mut at_once: WordTable<OwnedWord> = WordTable::new(seed);
            for (w, n) in owned(&before) {
                one_by_one.add_count(w.clone(), n);
                at_once.add_count(w, n);
            }
            for (w, n) in owned(&items) {
                one_by_one.add_count(w, n);
            }
            at_once.add_counts(owned(&items).into_iter());
            let list = |t: &WordTable<OwnedWord>| -> Vec<(Vec<u8>, u64)> {
                t.iter().map(|(w, n)| (w.as_bytes().to_vec(), n)).collect()
            };
            prop_assert_eq!(list(&at_once), list(&one_by_one));
            for (w, n) in list(&one_by_one) {
                prop_assert_eq!(at_once.get(&w), Some(n));
            }
            prop_assert!(2 * at_once.len() <= at_once.slot_count());
        }
    }

    /// `reserve(n)` makes room for `n` words: the index (its memory and its size) does
    /// not change while they are added, on a table empty or not, and every word is found
    /// after. `add_counts` reserves for its items so.
    #[test]
    fn a_reserved_index_takes_its_words_without_growing() {
        // Under Miri 128: reserved at 256 slots, which 128 words fill exactly to the
        // point past which the index grows.
        let n = if cfg!(miri) { 128 } else { 100_000 };
        for before in [0, 3, n / 3] {
            let mut table: WordTable<OwnedWord> = WordTable::new(Seed::random());
            let word = |i: usize| OwnedWord::from(format!("w{i}").as_bytes());
            table.add_counts((0..before).map(|i| (word(i), 1)));
            table.reserve(n);
            let reserved = table.slots();
            table.add_counts((0..n).map(|i| (word(i), i as u64)));
            assert_eq!(table.slots(), reserved);
            assert_eq!(reserved.0, (2 * n).next_power_of_two());
            assert_eq!(table.len(), n);
            for i in (0..n).step_by(97) {
                assert_eq!(
                    table.get(format!("w{i}").as_bytes()),
                    Some(i as u64 + u64::from(i < before))
                );
            }
        }
    }

    /// A span from safe code may be anything. One starting within 16 of `usize::MAX`
    /// wrapped the check `a + 16 <= text.len()` round (where overflow is not checked, as
    /// in release builds) and the key's two loads read outside the text: undefined
    /// behaviour. It must end in the slice's own panic, having read nothing.
    #[test]
    #[should_panic(expected = "out of range for slice")]
    fn a_span_outside_the_text_panics_before_any_read() {
        let text = [b'a'; 64];
        let mut table: WordTable<&[u8]> = WordTable::new(Seed::random());
        table.adder(&text).add(usize::MAX - 4, usize::MAX);
    }

    /// Words of up to 16 bytes that differ only by trailing NULs share a hash (the
    /// length is in the slot's check instead, see `Seed::short`): they must still be
    /// counted apart, on the kernel's path (`Adder`) and the general one alike.
    #[test]
    fn words_differing_by_trailing_nuls_are_apart() {
        let words: Vec<Vec<u8>> = (1..=17)
            .flat_map(|len| {
                let mut a = vec![0u8; len];
                a[0] = b'a';
                [vec![0u8; len], a]
            })
            .collect();
        let mut text = Vec::new();
        let mut spans = Vec::new();
        for round in 0..3 {
            for w in &words[..words.len() - round] {
                spans.push((text.len(), text.len() + w.len()));
                text.extend_from_slice(w);
                text.push(b' ');
            }
        }
        text.extend_from_slice(&[b' '; 16]);
        let mut adder_table = WordTable::new(Seed::random());
        let mut adder = adder_table.adder(&text);
        for &(a, b) in &spans {
            adder.add(a, b);
        }
        let mut general: WordTable<&[u8]> = WordTable::new(Seed::random());
        for &(a, b) in &spans {
            general.add(&text[a..b]);
        }
        let expected: Vec<(&[u8], u64)> = words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                (
                    &w[..],
                    3 - (i + 2 >= words.len()) as u64 - (i + 1 >= words.len()) as u64,
                )
            })
            .collect();
        for table in [&adder_table, &general] {
            let got: Vec<(&[u8], u64)> = table.iter().map(|(w, n)| (*w, n)).collect();
            assert_eq!(got, expected);
        }
    }
}
