//! Whole-token matches of a short needle in UTF-8, counted from byte masks (AVX-512BW or
//! AVX2 on x86_64, chosen at run time; NEON on AArch64) instead of stepping from match
//! to match.
//!
//! [`crate::search`] finds each match with a substring search and then tests its two
//! sides; for a frequent needle ("the" in English prose, a match every 50 bytes or so)
//! that costs several nanoseconds a match whatever the search. Here, for every position
//! `p` of a vector of positions at once, three masks are made from unaligned loads at
//! fixed offsets from `p`:
//! - the needle: `text[p + i] == needle[i]` for every `i` (first and last byte first,
//!   and a vector with no candidate stops there, so rare needles stay cheap; from
//!   `VERIFY_FROM` bytes on, only the first and last, the candidates left after the
//!   boundaries being compared whole one by one);
//! - a token boundary *ends* at `p - 1` (bytes `p - 3 .. p`);
//! - a token boundary *starts* at `p + m` (bytes `p + m .. p + m + 3`);
//!
//! and their AND is counted with `popcnt`. The boundary tests are the byte rules of
//! [`crate::pychars::ends_with_token_boundary`] and
//! [`crate::pychars::starts_with_token_boundary`], lane by lane, so every position gets
//! the same answer as the substring search and its filter, on any bytes. Positions too
//! near either end of the text for the loads are left to the caller.

/// The longest needle counted here: `verify` compares a candidate with two 8-byte
/// reads. Past 16 bytes memchr's substring search is kept as it was.
pub const MAX_NEEDLE: usize = 16;

/// From this needle length on, a vector's candidates (first and last byte, and a token
/// boundary on either side) are each compared whole with two 8-byte reads ([`verify`]),
/// rather than every position of the vector with one load a byte of the needle. With a
/// match at every other token, 8 bytes went from 7.6 to 9.1 GB/s and 16 from 4.3 to 10.6
/// (AVX-512BW on Zen 4), while 5 and 6 bytes were slower (10.8 to 6.8, 9.6 to 7.4).
/// The NEON kernel takes the same length, not measured on an ARM CPU.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
const VERIFY_FROM: usize = 8;

/// The words [`verify`] compares a candidate's with: the needle's first 8 bytes and its
/// last 8, little-endian.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn verify_words(needle: &[u8]) -> (u64, u64) {
    let word = |at: usize| u64::from_le_bytes(needle[at..at + 8].try_into().expect("8 bytes"));
    (word(0), word(needle.len() - 8))
}

/// Whether the `M` bytes at `at` are the needle (given as [`verify_words`]): two 8-byte
/// reads, overlapping where `M < 16`.
///
/// # Safety
/// `8 <= M` and `at + M <= text.len()`.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[inline(always)]
unsafe fn verify<const M: usize>(text: &[u8], at: usize, head: u64, tail: u64) -> bool {
    debug_assert!(M >= 8 && at + M <= text.len());
    // SAFETY: the reads span `at .. at + 8` and `at + M - 8 .. at + M`, inside `text`
    // (above); unaligned reads.
    let read = |from: usize| unsafe { text.as_ptr().add(from).cast::<u64>().read_unaligned() };
    u64::from_le(read(at)) == head && u64::from_le(read(at + M - 8)) == tail
}

/// How many bytes the loads read before a position: a boundary ends in 3 bytes at most.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
const BEFORE: usize = 3;

/// How many bytes past a match's end the loads read: a boundary starts in 3 at most.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
const AFTER: usize = 3;

/// Counts the tokens of the UTF-8 `text` equal to `needle` that start in a range
/// `lo..hi` within `start..end`, with SIMD masks; returns `(count, lo, hi)`. The caller
/// counts the positions of `start..lo` and `hi..end` another way. `lo == hi` when there
/// is no kernel for this CPU or needle (empty, or longer than [`MAX_NEEDLE`]).
/// `needle` must hold no token boundary (a caller checks: see `search::Needle`); were it
/// to, the answer would still be that of the byte rules.
pub fn count_utf8(text: &[u8], needle: &[u8], start: usize, end: usize) -> (usize, usize, usize) {
    let end = end.min(text.len());
    if needle.is_empty() || needle.len() > MAX_NEEDLE || start >= end {
        return (0, start, start);
    }
    #[cfg(target_arch = "x86_64")]
    {
        // POPCNT is asked for with each, as for the word-start kernels: AVX2 does not
        // imply it.
        if std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("popcnt")
        {
            // SAFETY: the CPU has just been checked to support AVX-512BW and POPCNT.
            return unsafe { avx512::count(text, needle, start, end) };
        }
        if std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("popcnt")
        {
            // SAFETY: the CPU has just been checked to support AVX2 and POPCNT.
            return unsafe { avx2::count(text, needle, start, end) };
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        if std::arch::is_aarch64_feature_detected!("neon") {
            // SAFETY: the CPU has just been checked to support NEON.
            return unsafe { neon::count(text, needle, start, end) };
        }
    }
    (0, start, start)
}

/// The range of positions a kernel of `width`-byte vectors counts: from `lo`, whole
/// vectors of positions whose loads stay inside `text` and that start before `end`.
/// Returns `lo` and the number of vectors.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn vectors(len: usize, m: usize, start: usize, end: usize, width: usize) -> (usize, usize) {
    let lo = start.max(BEFORE).min(end);
    // Positions lo .. lo + k * width, with every load inside the text:
    // lo + k * width + m + AFTER <= len, and every position before `end`.
    let limit = end.min(len.saturating_sub(m + AFTER));
    (lo, limit.saturating_sub(lo) / width)
}

/// Calls `$f::<M>`, or `$f::<T, M>`, with `M` the needle's length, 1 to [`MAX_NEEDLE`].
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
macro_rules! by_length {
    ($f:ident $(::<$t:ty>)?, $text:expr, $needle:expr, $start:expr, $end:expr) => {
        match $needle.len() {
            1 => $f::<$($t,)? 1>($text, $needle, $start, $end),
            2 => $f::<$($t,)? 2>($text, $needle, $start, $end),
            3 => $f::<$($t,)? 3>($text, $needle, $start, $end),
            4 => $f::<$($t,)? 4>($text, $needle, $start, $end),
            5 => $f::<$($t,)? 5>($text, $needle, $start, $end),
            6 => $f::<$($t,)? 6>($text, $needle, $start, $end),
            7 => $f::<$($t,)? 7>($text, $needle, $start, $end),
            8 => $f::<$($t,)? 8>($text, $needle, $start, $end),
            9 => $f::<$($t,)? 9>($text, $needle, $start, $end),
            10 => $f::<$($t,)? 10>($text, $needle, $start, $end),
            11 => $f::<$($t,)? 11>($text, $needle, $start, $end),
            12 => $f::<$($t,)? 12>($text, $needle, $start, $end),
            13 => $f::<$($t,)? 13>($text, $needle, $start, $end),
            14 => $f::<$($t,)? 14>($text, $needle, $start, $end),
            15 => $f::<$($t,)? 15>($text, $needle, $start, $end),
            16 => $f::<$($t,)? 16>($text, $needle, $start, $end),
            _ => (0, $start, $start),
        }
    };
}
// For the kernels on a `str`'s storage too.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub(crate) use by_length;

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2 {
    use std::arch::x86_64::*;

    use super::{vectors, verify, verify_words, BEFORE, VERIFY_FROM};
    use crate::simd_x86_64::{in_range8, prefetch_ahead};

    /// Bytes equal to `x`, as 0xFF lanes.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn eq(v: __m256i, x: u8) -> __m256i {
        _mm256_cmpeq_epi8(v, _mm256_set1_epi8(x as i8))
    }

    /// The one-byte token boundaries: a space, 0A..0D and 1C..1E.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn ascii_boundary(v: __m256i) -> __m256i {
        _mm256_or_si256(
            eq(v, b' '),
            _mm256_or_si256(in_range8(v, 0x0A, 4), in_range8(v, 0x1C, 3)),
        )
    }

    #[target_feature(enable = "avx2,popcnt")]
    pub(crate) fn count(
        text: &[u8],
        needle: &[u8],
        start: usize,
        end: usize,
    ) -> (usize, usize, usize) {
        by_length!(count_m, text, needle, start, end)
    }

    /// [`count`] for needles of `M` bytes, its comparisons unrolled.
    #[target_feature(enable = "avx2,popcnt")]
    fn count_m<const M: usize>(
        text: &[u8],
        needle: &[u8],
        start: usize,
        end: usize,
    ) -> (usize, usize, usize) {
        const W: usize = 32;
        let (lo, n_vectors) = vectors(text.len(), M, start, end, W);
        let (first, last) = (needle[0], needle[M - 1]);
        // SAFETY (of both closures): `vectors` keeps BEFORE <= p and
        // p + W + M + AFTER <= text.len() for p = lo + k * W, k < n_vectors, the only
        // positions they are called with.
        let candidates = |p: usize| unsafe {
            let load = |at: usize| _mm256_loadu_si256(text.as_ptr().add(at).cast());
            _mm256_and_si256(eq(load(p), first), eq(load(p + M - 1), last))
        };
        let words = if M >= VERIFY_FROM {
            verify_words(needle)
        } else {
            (0, 0)
        };
        let count_at = |p: usize, hit: __m256i| unsafe { tokens::<M>(text, needle, p, hit, words) };
        // Two vectors (64 positions) a step, with one test for both: a needle such as
        // "the" leaves one 32-byte vector in two without a candidate, and a branch taken
        // half the time at random costs more than the work it skips.
        let mut count = 0;
        let mut k = 0;
        while k + 1 < n_vectors {
            let p = lo + k * W;
            prefetch_ahead(text, p);
            let (hit0, hit1) = (candidates(p), candidates(p + W));
            k += 2;
            let any = _mm256_or_si256(hit0, hit1);
            if _mm256_testz_si256(any, any) == 0 {
                count += count_at(p, hit0) + count_at(p + W, hit1);
            }
        }
        if k < n_vectors {
            let p = lo + k * W;
            count += count_at(p, candidates(p));
        }
        (count, lo, lo + n_vectors * W)
    }

    /// The tokens equal to the needle (of `M` bytes) at the 32 positions from `p`,
    /// given `hit`, the lanes whose first and last byte match, and the needle's
    /// `verify_words` where `M >= VERIFY_FROM`.
    ///
    /// # Safety
    /// `BEFORE <= p` and `p + 32 + M + AFTER <= text.len()`: the loads read 32 bytes
    /// from `p - BEFORE` up to `p + M + 2`.
    #[inline]
    #[target_feature(enable = "avx2,popcnt")]
    unsafe fn tokens<const M: usize>(
        text: &[u8],
        needle: &[u8],
        p: usize,
        hit: __m256i,
        (head, tail): (u64, u64),
    ) -> usize {
        // SAFETY: the caller keeps every load inside `text` (above).
        let load = |at: usize| unsafe { _mm256_loadu_si256(text.as_ptr().add(at).cast()) };
        let mut hit = hit;
        // An index loop (unrolled, as M is a constant): an iterator's adapters here
        // were left as calls.
        #[allow(clippy::needless_range_loop)]
        for i in 1..if M < VERIFY_FROM { M - 1 } else { 1 } {
            hit = _mm256_and_si256(hit, eq(load(p + i), needle[i]));
        }
        let (b1, a0) = (load(p - 1), load(p + M));
        let mut before = ascii_boundary(b1);
        let mut after = ascii_boundary(a0);
        // The three-byte boundaries need a byte >= 0x80 right next to the token.
        if _mm256_movemask_epi8(_mm256_or_si256(b1, a0)) != 0 {
            let (b2, b3) = (load(p - 2), load(p - BEFORE));
            let (a1, a2) = (load(p + M + 1), load(p + M + 2));
            // U+0085 is C2 85; U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
            let nel_before = _mm256_and_si256(eq(b1, 0x85), eq(b2, 0xC2));
            let sep_before = _mm256_and_si256(
                in_range8(b1, 0xA8, 2),
                _mm256_and_si256(eq(b2, 0x80), eq(b3, 0xE2)),
            );
            before = _mm256_or_si256(before, _mm256_or_si256(nel_before, sep_before));
            let nel_after = _mm256_and_si256(eq(a0, 0xC2), eq(a1, 0x85));
            let sep_after = _mm256_and_si256(
                _mm256_and_si256(eq(a0, 0xE2), eq(a1, 0x80)),
                in_range8(a2, 0xA8, 2),
            );
            after = _mm256_or_si256(after, _mm256_or_si256(nel_after, sep_after));
        }
        let tokens = _mm256_and_si256(hit, _mm256_and_si256(before, after));
        let mut tokens = _mm256_movemask_epi8(tokens) as u32;
        if M < VERIFY_FROM {
            return tokens.count_ones() as usize;
        }
        // The candidates left, each compared whole.
        let mut count = 0;
        while tokens != 0 {
            let i = tokens.trailing_zeros() as usize;
            tokens &= tokens - 1;
            // SAFETY: `i < 32`, so `p + i + M <= text.len()` (above).
            count += usize::from(unsafe { verify::<M>(text, p + i, head, tail) });
        }
        count
    }
}

/// The AVX-512BW kernel: the AVX2 one on 64 positions at a time, with comparisons that
/// give a 64-bit mask directly.
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512 {
    use std::arch::x86_64::*;

    use super::{vectors, verify, verify_words, BEFORE, VERIFY_FROM};
    use crate::simd_x86_64::{in_range8_mask, prefetch_ahead};

    /// Bytes equal to `x`, as mask bits.
    #[inline]
    #[target_feature(enable = "avx512bw")]
    fn eq(v: __m512i, x: u8) -> __mmask64 {
        _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(x as i8))
    }

    #[target_feature(enable = "avx512bw,popcnt")]
    pub(crate) fn count(
        text: &[u8],
        needle: &[u8],
        start: usize,
        end: usize,
    ) -> (usize, usize, usize) {
        by_length!(count_m, text, needle, start, end)
    }

    /// [`count`] for needles of `M` bytes, its comparisons unrolled.
    #[target_feature(enable = "avx512bw,popcnt")]
    fn count_m<const M: usize>(
        text: &[u8],
        needle: &[u8],
        start: usize,
        end: usize,
    ) -> (usize, usize, usize) {
        const W: usize = 64;
        let (lo, n_vectors) = vectors(text.len(), M, start, end, W);
        let (first, last) = (needle[0], needle[M - 1]);
        let (head, tail) = if M >= VERIFY_FROM {
            verify_words(needle)
        } else {
            (0, 0)
        };
        let mut count = 0;
        for k in 0..n_vectors {
            let p = lo + k * W;
            prefetch_ahead(text, p);
            // SAFETY: as in the AVX2 kernel, with 64-byte loads: `vectors` keeps
            // BEFORE <= p and p + W + M + AFTER <= text.len().
            let load = |at: usize| unsafe { _mm512_loadu_si512(text.as_ptr().add(at).cast()) };
            let mut hit = eq(load(p), first) & eq(load(p + M - 1), last);
            if hit == 0 {
                continue;
            }
            if M < VERIFY_FROM {
                #[allow(clippy::needless_range_loop)]
                for i in 1..M - 1 {
                    hit &= eq(load(p + i), needle[i]);
                }
            }
            let (b1, a0) = (load(p - 1), load(p + M));
            // The one-byte boundaries: a space, 0A..0D and 1C..1E.
            let ascii = |v| eq(v, b' ') | in_range8_mask(v, 0x0A, 4) | in_range8_mask(v, 0x1C, 3);
            let mut before = ascii(b1);
            let mut after = ascii(a0);
            if _mm512_movepi8_mask(_mm512_or_si512(b1, a0)) != 0 {
                let (b2, b3) = (load(p - 2), load(p - BEFORE));
                let (a1, a2) = (load(p + M + 1), load(p + M + 2));
                // U+0085 is C2 85; U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
                before |= eq(b1, 0x85) & eq(b2, 0xC2)
                    | in_range8_mask(b1, 0xA8, 2) & eq(b2, 0x80) & eq(b3, 0xE2);
                after |= eq(a0, 0xC2) & eq(a1, 0x85)
                    | eq(a0, 0xE2) & eq(a1, 0x80) & in_range8_mask(a2, 0xA8, 2);
            }
            let mut tokens = hit & before & after;
            if M >= VERIFY_FROM {
                // The candidates left, each compared whole.
                while tokens != 0 {
                    let i = tokens.trailing_zeros() as usize;
                    tokens &= tokens - 1;
                    // SAFETY: `i < W`, and `vectors` keeps the reads of `p + i` inside
                    // the text (see `verify`).
                    count += usize::from(unsafe { verify::<M>(text, p + i, head, tail) });
                }
            } else {
                count += tokens.count_ones() as usize;
            }
        }
        (count, lo, lo + n_vectors * W)
    }
}

/// The AArch64 kernel: the AVX2 one on 64 positions a step, as four 16-byte vectors.
/// NEON has no byte mask like AVX2's `movemask`: a short needle's matches stay in
/// vector lanes (0xFF), subtracted from a byte accumulator that is summed across lanes
/// before any lane can overflow, as [`crate::word_starts`] counts word starts; a
/// long needle's candidates are narrowed to 4 bits a lane (`shrn`) to be found one by
/// one, the usual stand-in for `movemask` on NEON.
#[cfg(target_arch = "aarch64")]
pub(crate) mod neon {
    use std::arch::aarch64::*;

    use super::{vectors, verify, verify_words, BEFORE, VERIFY_FROM};
    use crate::simd_aarch64::{in_range8, nibbles};

    /// Bytes equal to `x`, as 0xFF lanes.
    #[inline]
    #[target_feature(enable = "neon")]
    fn eq(v: uint8x16_t, x: u8) -> uint8x16_t {
        vceqq_u8(v, vdupq_n_u8(x))
    }

    /// The one-byte token boundaries: a space, 0A..0D and 1C..1E.
    #[inline]
    #[target_feature(enable = "neon")]
    fn ascii_boundary(v: uint8x16_t) -> uint8x16_t {
        vorrq_u8(
            eq(v, b' '),
            vorrq_u8(in_range8(v, 0x0A, 4), in_range8(v, 0x1C, 3)),
        )
    }

    #[target_feature(enable = "neon")]
    pub(crate) fn count(
        text: &[u8],
        needle: &[u8],
        start: usize,
        end: usize,
    ) -> (usize, usize, usize) {
        by_length!(count_m, text, needle, start, end)
    }

    /// [`count`] for needles of `M` bytes, its comparisons unrolled.
    #[target_feature(enable = "neon")]
    fn count_m<const M: usize>(
        text: &[u8],
        needle: &[u8],
        start: usize,
        end: usize,
    ) -> (usize, usize, usize) {
        const W: usize = 64;
        // Each step adds at most 4 to a lane of `acc` (one per vector): 63 steps stay
        // within a byte (252).
        const STEPS_PER_FLUSH: u32 = 63;
        let (lo, n_vectors) = vectors(text.len(), M, start, end, W);
        let (first, last) = (needle[0], needle[M - 1]);
        let words = if M >= VERIFY_FROM {
            verify_words(needle)
        } else {
            (0, 0)
        };
        let mut count = 0;
        let mut acc = vdupq_n_u8(0);
        let mut pending = 0;
        for k in 0..n_vectors {
            let p = lo + k * W;
            // SAFETY: `vectors` keeps BEFORE <= p and p + W + M + AFTER <= text.len()
            // for every step, so the 16-byte loads at p + 16 * j (j < 4) and at
            // p + 16 * j + M - 1 stay inside `text`.
            let load = |at: usize| unsafe { vld1q_u8(text.as_ptr().add(at)) };
            let hit: [uint8x16_t; 4] = std::array::from_fn(|j| {
                let q = p + 16 * j;
                vandq_u8(eq(load(q), first), eq(load(q + M - 1), last))
            });
            let any = vorrq_u8(vorrq_u8(hit[0], hit[1]), vorrq_u8(hit[2], hit[3]));
            if nibbles(any) == 0 {
                continue;
            }
            for (j, &hit) in hit.iter().enumerate() {
                let q = p + 16 * j;
                // SAFETY: `BEFORE <= q` and `q + 16 + M + AFTER <= text.len()` (above).
                let tokens = unsafe { tokens::<M>(text, needle, q, hit) };
                if M < VERIFY_FROM {
                    acc = vsubq_u8(acc, tokens);
                } else {
                    // One bit a lane, the top of its nibble.
                    let mut bits = nibbles(tokens) & 0x8888_8888_8888_8888;
                    while bits != 0 {
                        let i = (bits.trailing_zeros() / 4) as usize;
                        bits &= bits - 1;
                        // SAFETY: `i < 16`, so `q + i + M <= text.len()` (above).
                        count += usize::from(unsafe { verify::<M>(text, q + i, words.0, words.1) });
                    }
                }
            }
            pending += 1;
            if pending == STEPS_PER_FLUSH {
                count += usize::from(vaddlvq_u8(acc));
                acc = vdupq_n_u8(0);
                pending = 0;
            }
        }
        count += usize::from(vaddlvq_u8(acc));
        (count, lo, lo + n_vectors * W)
    }

    /// The lanes of the 16 positions from `p` that start a token equal to the needle
    /// (of `M` bytes), as 0xFF, given `hit`, the lanes whose first and last byte match.
    /// From `VERIFY_FROM` bytes on, the lanes are candidates still to be compared whole.
    ///
    /// # Safety
    /// `BEFORE <= p` and `p + 16 + M + AFTER <= text.len()`: the loads read 16 bytes
    /// from `p - BEFORE` up to `p + M + 2`.
    #[inline]
    #[target_feature(enable = "neon")]
    unsafe fn tokens<const M: usize>(
        text: &[u8],
        needle: &[u8],
        p: usize,
        hit: uint8x16_t,
    ) -> uint8x16_t {
        // SAFETY: the caller keeps every load inside `text` (above).
        let load = |at: usize| unsafe { vld1q_u8(text.as_ptr().add(at)) };
        let mut hit = hit;
        #[allow(clippy::needless_range_loop)]
        for i in 1..if M < VERIFY_FROM { M - 1 } else { 1 } {
            hit = vandq_u8(hit, eq(load(p + i), needle[i]));
        }
        let (b1, a0) = (load(p - 1), load(p + M));
        let mut before = ascii_boundary(b1);
        let mut after = ascii_boundary(a0);
        // The three-byte boundaries need a byte >= 0x80 right next to the token.
        if vmaxvq_u8(vorrq_u8(b1, a0)) >= 0x80 {
            let (b2, b3) = (load(p - 2), load(p - BEFORE));
            let (a1, a2) = (load(p + M + 1), load(p + M + 2));
            // U+0085 is C2 85; U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
            let nel_before = vandq_u8(eq(b1, 0x85), eq(b2, 0xC2));
            let sep_before = vandq_u8(in_range8(b1, 0xA8, 2), vandq_u8(eq(b2, 0x80), eq(b3, 0xE2)));
            before = vorrq_u8(before, vorrq_u8(nel_before, sep_before));
            let nel_after = vandq_u8(eq(a0, 0xC2), eq(a1, 0x85));
            let sep_after = vandq_u8(vandq_u8(eq(a0, 0xE2), eq(a1, 0x80)), in_range8(a2, 0xA8, 2));
            after = vorrq_u8(after, vorrq_u8(nel_after, sep_after));
        }
        vandq_u8(hit, vandq_u8(before, after))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pychars::{ends_with_token_boundary, starts_with_token_boundary};
    use proptest::prelude::*;

    /// The rule every position is held to, one position at a time.
    fn model(text: &[u8], needle: &[u8], start: usize, end: usize) -> usize {
        let m = needle.len();
        (start..end)
            .filter(|&p| {
                p + m <= text.len()
                    && text[p..p + m] == *needle
                    && (p == 0 || ends_with_token_boundary(&text[..p]))
                    && (p + m == text.len() || starts_with_token_boundary(&text[p + m..]))
            })
            .count()
    }

    type Kernel = fn(&[u8], &[u8], usize, usize) -> (usize, usize, usize);

    /// Every kernel this CPU has, and the dispatcher: each counts what it claims right,
    /// within `start..end`.
    fn check(text: &[u8], needle: &[u8], start: usize, end: usize) -> Result<(), TestCaseError> {
        #[cfg_attr(
            not(any(target_arch = "x86_64", target_arch = "aarch64")),
            allow(unused_mut)
        )]
        let mut kernels: Vec<Kernel> = vec![count_utf8];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("popcnt")
            {
                // SAFETY: the CPU has just been checked to support AVX2 and POPCNT.
                kernels.push(|t, n, s, e| unsafe { avx2::count(t, n, s, e) });
            }
            if std::arch::is_x86_feature_detected!("avx512bw")
                && std::arch::is_x86_feature_detected!("popcnt")
            {
                // SAFETY: the CPU has just been checked to support AVX-512BW and POPCNT.
                kernels.push(|t, n, s, e| unsafe { avx512::count(t, n, s, e) });
            }
        }
        #[cfg(target_arch = "aarch64")]
        if std::arch::is_aarch64_feature_detected!("neon") {
            // SAFETY: the CPU has just been checked to support NEON.
            kernels.push(|t, n, s, e| unsafe { neon::count(t, n, s, e) });
        }
        if needle.is_empty() || needle.len() > MAX_NEEDLE {
            prop_assert_eq!(count_utf8(text, needle, start, end), (0, start, start));
            return Ok(());
        }
        for kernel in kernels {
            let (count, lo, hi) = kernel(text, needle, start, end);
            prop_assert!(
                start <= lo && lo <= hi && hi <= end.max(start),
                "{start} {lo} {hi} {end}"
            );
            prop_assert_eq!(count, model(text, needle, lo, hi));
        }
        Ok(())
    }

    /// Pieces that put every boundary and its near misses next to tokens: the one-byte
    /// boundaries and the bytes beside them, U+0085 and what shares its bytes (Å is C3
    /// 85, U+0080 is C2 80), U+2028/9 and their neighbours.
    fn pieces() -> Vec<&'static str> {
        vec![
            "a", "b", "ab", "the", " ", "\n", "\r", "\r\n", "\u{0B}", "\u{0C}", "\t", "\u{1B}",
            "\u{1C}", "\u{1D}", "\u{1E}", "\u{1F}", "\u{85}", "Å", "\u{80}", "\u{2027}",
            "\u{2028}", "\u{2029}", "\u{202A}", "€", "é", "😀",
        ]
    }

    fn text() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            prop::collection::vec(prop::sample::select(pieces()), 0..200)
                .prop_map(|v| v.concat().into_bytes()),
            prop::collection::vec(any::<u8>(), 0..300),
        ]
    }

    fn needle() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            prop::collection::vec(
                prop::sample::select(vec!["a", "b", "ab", "é", "Å", "😀"]),
                1..9
            )
            .prop_map(|v| v.concat().into_bytes()),
            prop::collection::vec(any::<u8>(), 0..20),
        ]
    }

    proptest! {
        #![proptest_config(crate::proptest_config(4))]

        #[test]
        fn kernels_match_the_model(text in text(), needle in needle(), a in 0usize..400, b in 0usize..400) {
            let (start, end) = (a.min(b).min(text.len()), a.max(b).min(text.len()));
            check(&text, &needle, start, end)?;
            check(&text, &needle, 0, text.len())?;
        }
    }

    #[test]
    fn dense_and_edge_matches() {
        // A match at every other token, at every offset from a vector's start, and
        // tokens touching both ends of the text.
        // Every offset from a vector's start; under Miri, where each check takes
        // seconds, the offsets at either end of a vector.
        let pads: Vec<usize> = if cfg!(miri) {
            vec![0, 1, 31, 32, 63, 64]
        } else {
            (0..70).collect()
        };
        for &pad in &pads {
            let text = format!("{}{}", "x".repeat(pad), " a b".repeat(100)).into_bytes();
            check(&text, b"a", 0, text.len()).unwrap();
            check(&text, b"a", pad, text.len() - pad).unwrap();
        }
        // A match in every other lane for longer than a kernel's lane counters can go
        // unflushed (NEON's hold 63 steps of 64 positions).
        if !cfg!(miri) {
            let text = "a ".repeat(5000);
            check(text.as_bytes(), b"a", 0, text.len()).unwrap();
        }
        let text = "the ".repeat(100) + "the";
        check(text.as_bytes(), b"the", 0, text.len()).unwrap();
        let text = "a\u{2028}a\u{85}a\u{2029}a Åa a€".repeat(40);
        check(text.as_bytes(), b"a", 0, text.len()).unwrap();
        check(text.as_bytes(), "aÅ".as_bytes(), 0, text.len()).unwrap();
        // Where the CPU has a kernel, it counts all but the text's ends.
        #[cfg(target_arch = "x86_64")]
        let has_kernel = std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("popcnt");
        #[cfg(target_arch = "aarch64")]
        let has_kernel = std::arch::is_aarch64_feature_detected!("neon");
        #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
        if has_kernel {
            let (_, lo, hi) = count_utf8(text.as_bytes(), b"a", 0, text.len());
            assert!(
                lo == BEFORE && hi + 64 + 1 + AFTER > text.len(),
                "{lo} {hi}"
            );
        }
        // Needles of 1 to 7 bytes beside every kind of boundary and its near misses, at
        // every offset from a vector's start, so that each boundary's bytes fall on both
        // sides of a vector's edge.
        for needle in ["a", "ab", "abcdefg"] {
            let tokens = [
                " ", "\n", "\r\n", "\u{0B}", "\u{1C}", "\u{1E}", "\u{1F}", "\t", "\u{85}", "Å",
                "\u{80}", "\u{2028}", "\u{2029}", "\u{2027}", "\u{202A}", "€", "",
            ]
            .map(|sep| format!("{needle}{sep}"))
            .concat();
            for &pad in &pads {
                let text = format!("{}{}", "x".repeat(pad), tokens.repeat(3)).into_bytes();
                check(&text, needle.as_bytes(), 0, text.len()).unwrap();
                check(&text, needle.as_bytes(), pad, text.len() - pad).unwrap();
            }
            // A range that starts right after a two- or three-byte boundary: the bytes
            // before its first position hold all of it.
            for sep in ["\u{85}", "\u{2028}", "\u{2029}"] {
                let text = format!("xxx{sep}{}", tokens.repeat(3)).into_bytes();
                check(&text, needle.as_bytes(), 3 + sep.len(), text.len()).unwrap();
            }
        }
        let needle = "abcdefghijklmnop";
        let text = format!(" {needle}").repeat(30);
        check(text.as_bytes(), needle.as_bytes(), 0, text.len()).unwrap();
        // Needles compared whole (VERIFY_FROM bytes and more), at every offset from a
        // vector's start, beside near misses with the same first and last bytes: one
        // wrong in the first 8 bytes, one in the last 8, which overlap under 16.
        for needle in ["abcdefgh", "abcdefghijklm", "abcdefghijklmnop"] {
            let m = needle.len();
            let miss = |i: usize| format!("{}X{}", &needle[..i], &needle[i + 1..]);
            let tokens = format!(" {needle} {} {}\n{needle}", miss(1), miss(m - 2));
            for &pad in &pads {
                let text = format!("{}{}", "x".repeat(pad), tokens.repeat(8)).into_bytes();
                check(&text, needle.as_bytes(), 0, text.len()).unwrap();
                check(&text, needle.as_bytes(), pad, text.len() - pad).unwrap();
            }
        }
    }
}
