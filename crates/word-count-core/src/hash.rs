//! The keyed hash of the words of a [`crate::word_table::WordTable`]: [`Seed`].
//!
//! The hash is a folded 64x64->128-bit multiply (as in wyhash and foldhash) keyed by
//! random seeds from the OS, drawn afresh for every table family ([`Seed::random`]): a
//! text cannot be crafted to make its words collide without knowing the seeds, so the
//! table cannot be driven to quadratic time (tests/test_frequencies.py's adversarial
//! texts).

use std::hash::{BuildHasher, RandomState};

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
