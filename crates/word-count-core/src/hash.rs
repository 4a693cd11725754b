//! The keyed hash of the words of a [`crate::word_table::WordTable`]: [`Seed`].
//!
//! The hash is a folded 64x64->128-bit multiply (as in wyhash and foldhash) keyed by
//! random seeds from the OS, drawn afresh for every table family ([`Seed::random`]): a
//! text cannot be crafted to make its words collide without knowing the seeds, so the
//! table cannot be driven to quadratic time (tests/test_frequencies.py's adversarial
//! texts).

use std::hash::{BuildHasher, RandomState};

use crate::ucs4_keys;

/// The keys of the hash; tables that are merged must share one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seed {
    a: u64,
    b: u64,
    /// Odd: multiplies the length into the hash.
    c: u64,
}

impl Seed {
    /// Fresh seeds: std's `RandomState` is keyed from the OS once per thread and
    /// stepped for each instance, so no two calls get the same seeds.
    pub fn random() -> Seed {
        let state = RandomState::new();
        Seed {
            a: state.hash_one(1_u64),
            b: state.hash_one(2_u64),
            c: state.hash_one(3_u64) | 1,
        }
    }

    /// Seeds under which words collide on purpose, to test what tells them apart
    /// beyond the hash: every word of 17 to 32 bytes whose first 8 are zero hashes by
    /// its length and last 16 bytes alone.
    #[cfg(test)]
    pub(crate) fn weak() -> Seed {
        Seed { a: 0, b: 0, c: 1 }
    }

    /// The hash of `bytes`.
    pub fn hash(&self, bytes: &[u8]) -> u64 {
        self.key(bytes).hash
    }

    /// The key of `bytes`.
    #[inline]
    pub(crate) fn key(&self, bytes: &[u8]) -> Key {
        let len = bytes.len();
        if len <= 16 {
            let mut padded = [0u8; 16];
            padded[..len].copy_from_slice(bytes);
            return self.short(read_u64(&padded, 0), read_u64(&padded, 8), len);
        }
        let mut acc = self.b;
        let mut at = 0;
        while at + 16 < len {
            acc = fold(read_u64(bytes, at) ^ self.a, read_u64(bytes, at + 8) ^ acc);
            at += 16;
        }
        let (x, y) = (read_u64(bytes, len - 16), read_u64(bytes, len - 8));
        Key {
            hash: fold(x ^ self.a, y ^ acc ^ (len as u64).wrapping_mul(self.c)),
            x,
            y,
        }
    }

    /// The key of `bytes`, a word of units of `unit` bytes (1, 2 or 4) in a table of
    /// such words: [`Self::key`], except in UCS-4 for a word of more than 16 bytes, which
    /// is narrowed ([`crate::ucs4_keys`]) or else marked.
    #[inline]
    pub(crate) fn key_of_units(&self, bytes: &[u8], unit: usize) -> Key {
        if unit != 4 || bytes.len() <= 16 {
            return self.key(bytes);
        }
        match ucs4_keys::narrowed(bytes) {
            Some((x, y)) => self.short(x, y, bytes.len()),
            None => {
                let key = self.key(bytes);
                Key {
                    y: key.y | ucs4_keys::LONG_MARK,
                    ..key
                }
            }
        }
    }

    /// [`Self::key_of_units`] of `text[a..b]`, a UCS-4 word of more than 16 bytes, if it
    /// is narrowed and 16 units can be read from `a` (`a < limit =
    /// ucs4_loads_below(text)`); None otherwise.
    #[inline(always)]
    pub(crate) fn narrowed_key_below(
        &self,
        text: &[u8],
        limit: usize,
        a: usize,
        b: usize,
    ) -> Option<Key> {
        let len = b.wrapping_sub(a);
        let n = len / 4;
        // `a < limit`, not `a + 64 <= text.len()`, for the reason in `short_key_below`.
        if (n > ucs4_keys::MAX_UNITS) | !len.is_multiple_of(4) | (a >= limit) {
            return None;
        }
        debug_assert_eq!(limit, ucs4_loads_below(text));
        // SAFETY: `a < limit`, so `a + 64 <= text.len()`.
        let [x, y, high_x, high_y] = unsafe { ucs4_keys::low_and_high(text, a) };
        let (keep_x, keep_y) = keep(n);
        if (high_x & keep_x) | (high_y & keep_y) != 0 {
            return None;
        }
        Some(self.short(x & keep_x, y & keep_y, len))
    }

    /// The key of `text[a..b]`, the same as `key(&text[a..b])`.
    #[inline(always)]
    pub(crate) fn key_at(&self, text: &[u8], a: usize, b: usize) -> Key {
        self.short_key_at(text, a, b)
            .unwrap_or_else(|| self.key(&text[a..b]))
    }

    /// The key of `text[a..b]` if the word has at most 16 bytes and 16 bytes of text
    /// follow its start: then it is read with two loads, masked to its length, instead
    /// of copied byte by byte. No branch on the length, which varies from word to word
    /// and so would be mispredicted (perf: half the time per word), nor a 128-bit shift
    /// (ten instructions).
    #[inline(always)]
    pub(crate) fn short_key_at(&self, text: &[u8], a: usize, b: usize) -> Option<Key> {
        self.short_key_below(text, loads_below(text), a, b)
    }

    /// [`Self::short_key_at`], given `limit = loads_below(text)`, which a loop over the
    /// words of one text computes once.
    #[inline(always)]
    pub(crate) fn short_key_below(
        &self,
        text: &[u8],
        limit: usize,
        a: usize,
        b: usize,
    ) -> Option<Key> {
        let len = b.wrapping_sub(a);
        // Two tests, one branch: both are true for nearly every word. `a < limit` says
        // `a + 16 <= text.len()` without computing `a + 16`, which a span from safe code
        // may overflow: one within 16 of `usize::MAX` wrapped round, so the loads below
        // read outside `text` (word_table's test
        // `a_span_outside_the_text_panics_before_any_read`).
        if (len.wrapping_sub(1) >= 16) | (a >= limit) {
            return None;
        }
        debug_assert_eq!(limit, loads_below(text));
        // SAFETY: `a < limit = loads_below(text)`, so `a + 16 <= text.len()` and both
        // 8-byte reads are inside `text`; unaligned reads.
        let (x, y) = unsafe {
            let at = text.as_ptr().add(a);
            (
                u64::from_le(at.cast::<u64>().read_unaligned()),
                u64::from_le(at.add(8).cast::<u64>().read_unaligned()),
            )
        };
        Some(self.short(x & KEEP_X[len], y & KEEP_Y[len], len))
    }

    /// The key of `word`, of 17 to 32 bytes: `key(word)`, with `key`'s loop, which runs
    /// once for this length, unrolled.
    #[inline(always)]
    pub(crate) fn mid_key(&self, word: &[u8]) -> Key {
        let len = word.len();
        debug_assert!((17..=32).contains(&len));
        let acc = fold(read_u64(word, 0) ^ self.a, read_u64(word, 8) ^ self.b);
        let (x, y) = (read_u64(word, len - 16), read_u64(word, len - 8));
        Key {
            hash: fold(x ^ self.a, y ^ acc ^ (len as u64).wrapping_mul(self.c)),
            x,
            y,
        }
    }

    /// The key of a word of `len <= 16` bytes: its first 8 bytes `x` and the rest `y`,
    /// little-endian, zero-padded.
    ///
    /// The length is left out of the hash: the table's slot holds it (`check` in
    /// [`crate::word_table`]), so words that differ only by trailing NULs ("a", "a\0")
    /// share a hash but never match, and at most 16 words share one that way, too few
    /// to slow a probe. Mixing it in cost a multiply and a register for the seed on the
    /// path of every word.
    #[inline(always)]
    fn short(&self, x: u64, y: u64, _len: usize) -> Key {
        Key {
            hash: fold(x ^ self.a, y ^ self.b),
            x,
            y,
        }
    }
}

/// The positions `a` of `text` with 16 bytes from `a` on: `a < loads_below(text)` exactly
/// when `a + 16 <= text.len()`.
#[inline(always)]
pub(crate) fn loads_below(text: &[u8]) -> usize {
    text.len().saturating_sub(15)
}

/// The positions `a` of `text` with 64 bytes (16 UCS-4 units) from `a` on.
#[inline(always)]
pub(crate) fn ucs4_loads_below(text: &[u8]) -> usize {
    text.len().saturating_sub(63)
}

/// `(KEEP_X[len], KEEP_Y[len])`: the masks that keep the first `len` bytes (1 to 16).
#[inline(always)]
pub(crate) fn keep(len: usize) -> (u64, u64) {
    (KEEP_X[len], KEEP_Y[len])
}

/// `KEEP_X[len]` and `KEEP_Y[len]` keep the first `len` bytes (1 to 16) of 16 read
/// little-endian as two u64. Two tables, not one of pairs: LLVM turned a pair into one
/// vector AND, then moved both halves back to general registers, on the path from a
/// word to its slot (perf annotate).
const KEEP_X: [u64; 17] = keep_masks(0);
const KEEP_Y: [u64; 17] = keep_masks(64);

const fn keep_masks(shift: u32) -> [u64; 17] {
    let mut t = [0u64; 17];
    let mut len = 1;
    while len <= 16 {
        t[len] = ((u128::MAX >> (128 - 8 * len)) >> shift) as u64;
        len += 1;
    }
    t
}

#[inline(always)]
fn fold(x: u64, y: u64) -> u64 {
    let product = u128::from(x) * u128::from(y);
    (product as u64) ^ ((product >> 64) as u64)
}

#[inline(always)]
fn read_u64(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// A word's hash, and the two 64-bit words of its bytes the hash was folded from last.
/// For a word of at most 16 bytes those two are all its bytes (zero-padded), so two
/// such words of one length are equal exactly when `x` and `y` are: the table compares
/// them, not the words' bytes, which saves a `memcmp` call and a read of the text for
/// every word (a third of the time, measured with perf).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Key {
    pub(crate) hash: u64,
    pub(crate) x: u64,
    pub(crate) y: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn keys_agree(units: &[u32]) -> Result<(), TestCaseError> {
        let seed = Seed::random();
        let bytes: Vec<u8> = units.iter().flat_map(|u| u.to_ne_bytes()).collect();
        let len = bytes.len();
        // Then 16 units of room, which the kernel's path needs to read the word.
        let text = [bytes, vec![0x20; 64]].concat();
        let general = seed.key_of_units(&text[..len], 4);
        let fast = seed.narrowed_key_below(&text, ucs4_loads_below(&text), 0, len);
        let fits = units.len() <= ucs4_keys::MAX_UNITS && units.iter().all(|&u| u < 256);
        let bytes_key = seed.key(&text[..len]);
        let key = |k: Key| (k.hash, k.x, k.y);
        // Other widths key every word by its bytes.
        prop_assert_eq!(key(seed.key_of_units(&text[..len], 2)), key(bytes_key));
        if len <= 16 {
            prop_assert_eq!(key(general), key(bytes_key));
        } else if fits {
            prop_assert_eq!(fast.map(key), Some(key(general)));
            prop_assert_eq!(general.y & ucs4_keys::LONG_MARK, 0);
        } else {
            prop_assert!(fast.is_none());
            prop_assert_eq!(general.y & ucs4_keys::LONG_MARK, ucs4_keys::LONG_MARK);
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(crate::proptest_config(64))]

        /// A word of 17 to 32 bytes keys the same on the table's path for it and the
        /// general one.
        #[test]
        fn mid_length_words_key_the_same_on_both_paths(
            word in prop::collection::vec(prop::sample::select(vec![0u8, b'a', 0xD0, 0xFF]), 17..=32),
        ) {
            let seed = Seed::random();
            let (general, mid) = (seed.key(&word), seed.mid_key(&word));
            prop_assert_eq!((mid.hash, mid.x, mid.y), (general.hash, general.x, general.y));
        }

        /// A UCS-4 word keys the same on the `Adder`'s path and the general one: by its
        /// bytes up to 16, then narrowed where it fits, else marked.
        #[test]
        fn ucs4_words_key_the_same_on_both_paths(
            units in prop::collection::vec(
                prop_oneof![
                    8 => prop::sample::select(vec![0x61, 0x62, 0, 0xFF]),
                    1 => prop::sample::select(vec![0x100, 0x161, 0x1_F600, 0x1_0061]),
                ],
                1..=20,
            ),
        ) {
            keys_agree(&units)?;
        }
    }

    #[test]
    fn hash_depends_on_every_byte_and_on_the_length_of_long_words() {
        let s = Seed::random();
        let words: Vec<Vec<u8>> = (0..40)
            .flat_map(|len| (0..len).map(move |i| (len, i)))
            .map(|(len, i)| {
                let mut w = vec![b'a'; len];
                w[i] = b'b';
                w
            })
            .chain((1..40).map(|len| vec![b'a'; len]))
            .chain((17..40).map(|len| vec![0u8; len]))
            .collect();
        let mut hashes: Vec<u64> = words.iter().map(|w| s.hash(w)).collect();
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(hashes.len(), words.len());
        assert_ne!(Seed::random(), Seed::random());
    }
}
