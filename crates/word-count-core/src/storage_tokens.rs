//! Whole-token matches of a short needle in a `str`'s storage (Latin-1, UCS-2 or UCS-4
//! units), counted from SIMD masks (AVX-512BW or AVX2 on x86_64, chosen at run time;
//! NEON on AArch64), as [`crate::token_masks`] counts them in UTF-8.
//!
//! Every unit is a whole character here, so each test is one unit wide: at every
//! position `p` of a vector, the needle's units compared at `p + i` (first and last
//! first, and a vector with no candidate stops there), a token boundary at `p - 1` and
//! one at `p + m` (a space or a Python line break: U+000A..000D, U+001C..001E, U+0085,
//! U+2028, U+2029), all ANDed. In AVX2 a lane of 1, 2 or 4 bytes sets as many bits of
//! the byte mask, so `popcnt` of the mask over the unit's size is the count; AVX-512BW
//! compares give a bit a lane. The free-threaded build reads a non-ASCII `str` in this
//! storage, without a UTF-8 copy; there the substring search stepped from match to
//! match, a few nanoseconds each.

use crate::str_storage::CodeUnit;
use crate::token_masks::MAX_NEEDLE;

/// Counts the tokens of `units` equal to `needle` that start in a range `lo..hi` within
/// `start..end`, with SIMD masks; returns `(count, lo, hi)`. The caller counts the
/// positions of `start..lo` and `hi..end` another way. `lo == hi` when there is no
/// kernel for this CPU or needle (empty, or longer than [`MAX_NEEDLE`] units).
pub fn count<T: CodeUnit>(
    units: &[T],
    needle: &[T],
    start: usize,
    end: usize,
) -> (usize, usize, usize) {
    let end = end.min(units.len());
    if needle.is_empty() || needle.len() > MAX_NEEDLE || start >= end {
        return (0, start, start);
    }
    #[cfg(target_arch = "x86_64")]
    {
        // POPCNT is asked for with each: AVX2 does not imply it.
        if std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("popcnt")
        {
            // SAFETY: the CPU has just been checked to support AVX-512BW and POPCNT.
            return unsafe { avx512::count(units, needle, start, end) };
        }
        if std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("popcnt")
        {
            // SAFETY: the CPU has just been checked to support AVX2 and POPCNT.
            return unsafe { avx2::count(units, needle, start, end) };
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        if std::arch::is_aarch64_feature_detected!("neon") {
            // SAFETY: the CPU has just been checked to support NEON.
            return unsafe { neon::count(units, needle, start, end) };
        }
    }
    (0, start, start)
}

/// From this needle length on (in units of `T`), a vector's candidates (first and
/// last unit, a token boundary on either side) are each compared whole, rather than
/// every position with one load a unit of the needle. Measured with a match at every
/// other token (16 M units, G units/s, before and after, Zen 4): Latin-1 at 12 units
/// 5.9 -> 7.4 and at 16 4.4 -> 9.1, but at 10 6.8 -> 5.9; UCS-2 at 16 2.35 -> 2.93,
/// but at 12 3.04 -> 2.89; UCS-4 at 10 1.82 -> 2.12 and at 16 1.27 -> 2.21, the
/// same at 8. The wider the unit, the more vectors a step of 64 positions takes, so
/// the more a needle unit costs in masks. The AVX-512BW kernel uses the same lengths,
/// and so does NEON's, whose vectors are narrower still: not measured on an ARM CPU.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn verify_from<T>() -> usize {
    match std::mem::size_of::<T>() {
        1 => 12,
        2 => 16,
        _ => 10,
    }
}

/// The positions a kernel counts in steps of `width` positions, for a needle of `m`
/// units in `len` units: from `lo`, whole steps of positions `p` that have a unit before
/// them (`lo >= 1`), whose loads of `width` units from `p + m` stay inside the units
/// (`p + width + m <= len`), and that start before `end`. Returns `lo` and the number of
/// steps.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn vectors(len: usize, m: usize, start: usize, end: usize, width: usize) -> (usize, usize) {
    let lo = start.max(1).min(end);
    let limit = end.min(len.saturating_sub(m));
    (lo, limit.saturating_sub(lo) / width)
}

/// Whether `a` and `b`, of one length of 8 bytes or more, are equal: compared 8 bytes
/// at a time, the last 8 overlapping the ones before, with no branch before the end.
/// A slice comparison here (a call to `bcmp`) made 8-unit needles slower than the
/// masks were: Latin-1 from 7.4 to 5.9 G units/s.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[inline(always)]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    debug_assert!(a.len() == b.len() && a.len() >= 8);
    let len = a.len();
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("8"));
    let mut same = word(a, len - 8) == word(b, len - 8);
    let mut at = 0;
    while at + 8 < len {
        same &= word(a, at) == word(b, at);
        at += 8;
    }
    same
}

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2 {
    use std::arch::x86_64::*;
    use std::mem::size_of;

    use super::{same_bytes, vectors, verify_from};
    use crate::simd_x86_64::prefetch_ahead;
    use crate::str_storage::CodeUnit;
    use crate::token_masks::by_length;

    /// Every lane set to `x`, in lanes of `T`'s width.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn splat<T>(x: u32) -> __m256i {
        // Truncation is meant: `x` is a unit of `T` or a boundary that fits it.
        match size_of::<T>() {
            1 => _mm256_set1_epi8(x as u8 as i8),
            2 => _mm256_set1_epi16(x as u16 as i16),
            _ => _mm256_set1_epi32(x as i32),
        }
    }

    /// Lanes of `a` equal to those of `b`, as all-ones lanes.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn eq<T>(a: __m256i, b: __m256i) -> __m256i {
        match size_of::<T>() {
            1 => _mm256_cmpeq_epi8(a, b),
            2 => _mm256_cmpeq_epi16(a, b),
            _ => _mm256_cmpeq_epi32(a, b),
        }
    }

    /// Lanes `u` with `lo <= u < lo + n` (unsigned), as all-ones lanes.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn in_range<T>(v: __m256i, lo: u32, n: u32) -> __m256i {
        let (t, top) = match size_of::<T>() {
            1 => {
                let t = _mm256_sub_epi8(v, splat::<T>(lo));
                (t, _mm256_min_epu8(t, splat::<T>(n - 1)))
            }
            2 => {
                let t = _mm256_sub_epi16(v, splat::<T>(lo));
                (t, _mm256_min_epu16(t, splat::<T>(n - 1)))
            }
            _ => {
                let t = _mm256_sub_epi32(v, splat::<T>(lo));
                (t, _mm256_min_epu32(t, splat::<T>(n - 1)))
            }
        };
        eq::<T>(top, t)
    }

    /// The token boundaries: a space, U+000A..000D, U+001C..001E, U+0085, and (in units
    /// wide enough to hold them) U+2028 and U+2029.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn boundary<T>(v: __m256i) -> __m256i {
        let ascii = _mm256_or_si256(
            eq::<T>(v, splat::<T>(0x20)),
            _mm256_or_si256(in_range::<T>(v, 0x0A, 4), in_range::<T>(v, 0x1C, 3)),
        );
        let b = _mm256_or_si256(ascii, eq::<T>(v, splat::<T>(0x85)));
        if size_of::<T>() > 1 {
            _mm256_or_si256(b, in_range::<T>(v, 0x2028, 2))
        } else {
            b
        }
    }

    /// The bits of a 32-bit byte mask that are the lowest byte of each lane of `T`.
    fn lowest_byte_of_each_lane<T>() -> u32 {
        match size_of::<T>() {
            1 => u32::MAX,
            2 => 0x5555_5555,
            _ => 0x1111_1111,
        }
    }

    #[target_feature(enable = "avx2,popcnt")]
    pub(crate) fn count<T: CodeUnit>(
        units: &[T],
        needle: &[T],
        start: usize,
        end: usize,
    ) -> (usize, usize, usize) {
        by_length!(count_m::<T>, units, needle, start, end)
    }

    /// [`count`] for needles of `M` units, its comparisons unrolled.
    #[target_feature(enable = "avx2,popcnt")]
    fn count_m<T: CodeUnit, const M: usize>(
        units: &[T],
        needle: &[T],
        start: usize,
        end: usize,
    ) -> (usize, usize, usize) {
        let w = 32 / size_of::<T>();
        let (lo, n_vectors) = vectors(units.len(), M, start, end, w);
        // SAFETY: called only with `p - 1 <= at <= p + M` for a position `p` of the
        // vectors `vectors` gives (p >= 1 and p + w + M <= len), so the 32 bytes from `at`
        // lie inside `units`.
        let load = |at: usize| unsafe { _mm256_loadu_si256(units.as_ptr().add(at).cast()) };
        let first = splat::<T>(needle[0].code_point());
        let last = splat::<T>(needle[M - 1].code_point());
        let candidates =
            |p: usize| _mm256_and_si256(eq::<T>(load(p), first), eq::<T>(load(p + M - 1), last));
        let needle_bytes = T::as_bytes(&needle[..M]);
        let tokens = |p: usize, candidates: __m256i| {
            let mut hit = candidates;
            // An index loop (unrolled, as M is a constant). From `verify_from` units on,
            // the candidates left are compared whole below instead.
            #[allow(clippy::needless_range_loop)]
            for i in 1..if M < verify_from::<T>() {
                M.saturating_sub(1)
            } else {
                1
            } {
                let unit = splat::<T>(needle[i].code_point());
                hit = _mm256_and_si256(hit, eq::<T>(load(p + i), unit));
            }
            hit = _mm256_and_si256(hit, boundary::<T>(load(p - 1)));
            hit = _mm256_and_si256(hit, boundary::<T>(load(p + M)));
            let mask = _mm256_movemask_epi8(hit) as u32;
            if M < verify_from::<T>() {
                return mask.count_ones() as usize / size_of::<T>();
            }
            // One bit a lane, the lowest of its bytes'.
            let mut lanes = mask & lowest_byte_of_each_lane::<T>();
            let mut count = 0;
            while lanes != 0 {
                let at = p + lanes.trailing_zeros() as usize / size_of::<T>();
                lanes &= lanes - 1;
                // In bounds: `at < p + w` and `p + w + M <= units.len()` (`vectors`).
                count += usize::from(same_bytes(T::as_bytes(&units[at..at + M]), needle_bytes));
            }
            count
        };
        // 64 positions a step (2, 4 or 8 vectors), with one test for candidates in any:
        // for a needle such as "the", a vector alone has none about half the time in
        // Latin-1, and a branch taken half the time at random costs more than the work
        // it skips.
        const GROUP: usize = 64;
        let per_group = GROUP / w;
        let mut count = 0;
        let mut k = 0;
        while k + per_group <= n_vectors {
            let p = lo + k * w;
            k += per_group;
            // A group is 64 units: a cache line of bytes for each byte of a unit.
            for line in 0..size_of::<T>() {
                prefetch_ahead(units, p + line * 64 / size_of::<T>());
            }
            let mut hits = [_mm256_setzero_si256(); GROUP / 8];
            let mut any = _mm256_setzero_si256();
            for (j, hit) in hits.iter_mut().take(per_group).enumerate() {
                *hit = candidates(p + j * w);
                any = _mm256_or_si256(any, *hit);
            }
            if _mm256_testz_si256(any, any) == 0 {
                for (j, &hit) in hits.iter().take(per_group).enumerate() {
                    count += tokens(p + j * w, hit);
                }
            }
        }
        for k in k..n_vectors {
            let p = lo + k * w;
            let hit = candidates(p);
            if _mm256_testz_si256(hit, hit) == 0 {
                count += tokens(p, hit);
            }
        }
        (count, lo, lo + n_vectors * w)
    }
}

/// The AVX-512BW kernel: the AVX2 one with 64-byte vectors and comparisons that give a
/// bit a lane, so a step of 64 positions is one mask of 64 bits in every width.
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512 {
    use std::arch::x86_64::*;
    use std::mem::size_of;

    use super::{same_bytes, vectors, verify_from};
    use crate::simd_x86_64::prefetch_ahead;
    use crate::str_storage::CodeUnit;
    use crate::token_masks::by_length;

    /// Every lane set to `x`, in lanes of `T`'s width.
    #[inline]
    #[target_feature(enable = "avx512bw")]
    fn splat<T>(x: u32) -> __m512i {
        // Truncation is meant: `x` is a unit of `T` or a boundary that fits it.
        match size_of::<T>() {
            1 => _mm512_set1_epi8(x as u8 as i8),
            2 => _mm512_set1_epi16(x as u16 as i16),
            _ => _mm512_set1_epi32(x as i32),
        }
    }

    /// Lanes of `v` equal to `x`, a bit each.
    #[inline]
    #[target_feature(enable = "avx512bw")]
    fn eq<T>(v: __m512i, x: u32) -> u64 {
        match size_of::<T>() {
            1 => _mm512_cmpeq_epi8_mask(v, splat::<T>(x)),
            2 => u64::from(_mm512_cmpeq_epi16_mask(v, splat::<T>(x))),
            _ => u64::from(_mm512_cmpeq_epi32_mask(v, splat::<T>(x))),
        }
    }

    /// Lanes `u` with `lo <= u < lo + n` (unsigned), a bit each.
    #[inline]
    #[target_feature(enable = "avx512bw")]
    fn in_range<T>(v: __m512i, lo: u32, n: u32) -> u64 {
        match size_of::<T>() {
            1 => _mm512_cmplt_epu8_mask(_mm512_sub_epi8(v, splat::<T>(lo)), splat::<T>(n)),
            2 => u64::from(_mm512_cmplt_epu16_mask(
                _mm512_sub_epi16(v, splat::<T>(lo)),
                splat::<T>(n),
            )),
            _ => u64::from(_mm512_cmplt_epu32_mask(
                _mm512_sub_epi32(v, splat::<T>(lo)),
                splat::<T>(n),
            )),
        }
    }

    /// The token boundaries, as in the AVX2 kernel.
    #[inline]
    #[target_feature(enable = "avx512bw")]
    fn boundary<T>(v: __m512i) -> u64 {
        let b = eq::<T>(v, 0x20) | in_range::<T>(v, 0x0A, 4) | in_range::<T>(v, 0x1C, 3);
        let b = b | eq::<T>(v, 0x85);
        if size_of::<T>() > 1 {
            b | in_range::<T>(v, 0x2028, 2)
        } else {
            b
        }
    }

    #[target_feature(enable = "avx512bw,popcnt")]
    pub(crate) fn count<T: CodeUnit>(
        units: &[T],
        needle: &[T],
        start: usize,
        end: usize,
    ) -> (usize, usize, usize) {
        by_length!(count_m::<T>, units, needle, start, end)
    }

    /// [`count`] for needles of `M` units, its comparisons unrolled.
    #[target_feature(enable = "avx512bw,popcnt")]
    fn count_m<T: CodeUnit, const M: usize>(
        units: &[T],
        needle: &[T],
        start: usize,
        end: usize,
    ) -> (usize, usize, usize) {
        // Lanes a vector, and vectors a step of 64 positions.
        let w = 64 / size_of::<T>();
        let per_step = size_of::<T>();
        // Steps of 64 positions, so the w units after its last vector's needle are inside
        // `units` (p + 64 + M <= len).
        let (lo, n_steps) = vectors(units.len(), M, start, end, 64);
        // SAFETY: called only with `q - 1 <= at <= q + M` for a vector at `q` of a step `p`
        // that `vectors` gives (q >= p >= 1 and q + w <= p + 64), so the 64 bytes from `at`
        // lie inside `units`.
        let load = |at: usize| unsafe { _mm512_loadu_si512(units.as_ptr().add(at).cast()) };
        let (first, last) = (needle[0].code_point(), needle[M - 1].code_point());
        let needle_bytes = T::as_bytes(&needle[..M]);
        let mut count = 0;
        for step in 0..n_steps {
            let p = lo + step * 64;
            // A step is a cache line of bytes for each byte of a unit.
            for j in 0..per_step {
                prefetch_ahead(units, p + j * w);
            }
            let mut hit = 0u64;
            for j in 0..per_step {
                let q = p + j * w;
                let m = eq::<T>(load(q), first) & eq::<T>(load(q + M - 1), last);
                hit |= m << (j * w);
            }
            if hit == 0 {
                continue;
            }
            let mut tokens = 0u64;
            for j in 0..per_step {
                let q = p + j * w;
                let mut m = hit >> (j * w);
                // An index loop (unrolled, as M is a constant). From `verify_from` units
                // on, the candidates left are compared whole below instead.
                #[allow(clippy::needless_range_loop)]
                for i in 1..if M < verify_from::<T>() {
                    M.saturating_sub(1)
                } else {
                    1
                } {
                    m &= eq::<T>(load(q + i), needle[i].code_point());
                }
                m &= boundary::<T>(load(q - 1)) & boundary::<T>(load(q + M));
                // The comparisons give w bits, so `m` has lost the other vectors' bits.
                tokens |= m << (j * w);
            }
            if M < verify_from::<T>() {
                count += tokens.count_ones() as usize;
                continue;
            }
            while tokens != 0 {
                let at = p + tokens.trailing_zeros() as usize;
                tokens &= tokens - 1;
                // In bounds: `at < p + 64` and `p + 64 + M <= units.len()` (`vectors`).
                count += usize::from(same_bytes(T::as_bytes(&units[at..at + M]), needle_bytes));
            }
        }
        (count, lo, lo + n_steps * 64)
    }
}

/// The AArch64 kernel: the AVX2 one with 16-byte vectors. NEON has no byte mask like
/// AVX2's `movemask`: a short needle's matches stay in vector lanes, their bytes (0xFF)
/// subtracted from a byte accumulator that is summed across lanes before any can
/// overflow, the sum being the count times the unit's size; a long needle's candidates
/// are narrowed to 4 bits a byte (`shrn`) to be found one by one.
#[cfg(target_arch = "aarch64")]
pub(crate) mod neon {
    use std::arch::aarch64::*;
    use std::mem::size_of;

    use super::{same_bytes, vectors, verify_from};
    use crate::simd_aarch64::nibbles;
    use crate::str_storage::CodeUnit;
    use crate::token_masks::by_length;

    /// Every lane set to `x`, in lanes of `T`'s width.
    #[inline]
    #[target_feature(enable = "neon")]
    fn splat<T>(x: u32) -> uint8x16_t {
        // Truncation is meant: `x` is a unit of `T` or a boundary that fits it.
        match size_of::<T>() {
            1 => vdupq_n_u8(x as u8),
            2 => vreinterpretq_u8_u16(vdupq_n_u16(x as u16)),
            _ => vreinterpretq_u8_u32(vdupq_n_u32(x)),
        }
    }

    /// Lanes of `a` equal to those of `b`, as all-ones lanes.
    #[inline]
    #[target_feature(enable = "neon")]
    fn eq<T>(a: uint8x16_t, b: uint8x16_t) -> uint8x16_t {
        match size_of::<T>() {
            1 => vceqq_u8(a, b),
            2 => vreinterpretq_u8_u16(vceqq_u16(vreinterpretq_u16_u8(a), vreinterpretq_u16_u8(b))),
            _ => vreinterpretq_u8_u32(vceqq_u32(vreinterpretq_u32_u8(a), vreinterpretq_u32_u8(b))),
        }
    }

    /// Lanes `u` with `lo <= u < lo + n` (unsigned), as all-ones lanes.
    #[inline]
    #[target_feature(enable = "neon")]
    fn in_range<T>(v: uint8x16_t, lo: u32, n: u32) -> uint8x16_t {
        match size_of::<T>() {
            1 => vcltq_u8(vsubq_u8(v, splat::<T>(lo)), splat::<T>(n)),
            2 => {
                let t = vsubq_u16(
                    vreinterpretq_u16_u8(v),
                    vreinterpretq_u16_u8(splat::<T>(lo)),
                );
                vreinterpretq_u8_u16(vcltq_u16(t, vreinterpretq_u16_u8(splat::<T>(n))))
            }
            _ => {
                let t = vsubq_u32(
                    vreinterpretq_u32_u8(v),
                    vreinterpretq_u32_u8(splat::<T>(lo)),
                );
                vreinterpretq_u8_u32(vcltq_u32(t, vreinterpretq_u32_u8(splat::<T>(n))))
            }
        }
    }

    /// The token boundaries, as in the AVX2 kernel.
    #[inline]
    #[target_feature(enable = "neon")]
    fn boundary<T>(v: uint8x16_t) -> uint8x16_t {
        let ascii = vorrq_u8(
            eq::<T>(v, splat::<T>(0x20)),
            vorrq_u8(in_range::<T>(v, 0x0A, 4), in_range::<T>(v, 0x1C, 3)),
        );
        let b = vorrq_u8(ascii, eq::<T>(v, splat::<T>(0x85)));
        if size_of::<T>() > 1 {
            vorrq_u8(b, in_range::<T>(v, 0x2028, 2))
        } else {
            b
        }
    }

    /// The bits of [`nibbles`] that are the top of the lowest byte's nibble of each
    /// lane of `T`: one bit a lane.
    fn one_bit_a_lane<T>() -> u64 {
        match size_of::<T>() {
            1 => 0x8888_8888_8888_8888,
            2 => 0x0808_0808_0808_0808,
            _ => 0x0008_0008_0008_0008,
        }
    }

    #[target_feature(enable = "neon")]
    pub(crate) fn count<T: CodeUnit>(
        units: &[T],
        needle: &[T],
        start: usize,
        end: usize,
    ) -> (usize, usize, usize) {
        by_length!(count_m::<T>, units, needle, start, end)
    }

    /// [`count`] for needles of `M` units, its comparisons unrolled.
    #[target_feature(enable = "neon")]
    fn count_m<T: CodeUnit, const M: usize>(
        units: &[T],
        needle: &[T],
        start: usize,
        end: usize,
    ) -> (usize, usize, usize) {
        let w = 16 / size_of::<T>();
        let (lo, n_vectors) = vectors(units.len(), M, start, end, w);
        // SAFETY: called only with `p - 1 <= at <= p + M` for a position `p` of the
        // vectors `vectors` gives (p >= 1 and p + w + M <= len), so the 16 bytes from `at`
        // lie inside `units`.
        let load = |at: usize| unsafe { vld1q_u8(units.as_ptr().add(at).cast::<u8>()) };
        let first = splat::<T>(needle[0].code_point());
        let last = splat::<T>(needle[M - 1].code_point());
        let candidates =
            |p: usize| vandq_u8(eq::<T>(load(p), first), eq::<T>(load(p + M - 1), last));
        let needle_bytes = T::as_bytes(&needle[..M]);
        let short = M < verify_from::<T>();
        // The lanes of the tokens at the w positions from `p` (all-ones), given its
        // candidates; for a long needle, candidates still to be compared whole.
        let tokens = |p: usize, candidates: uint8x16_t| {
            let mut hit = candidates;
            // An index loop (unrolled, as M is a constant).
            #[allow(clippy::needless_range_loop)]
            for i in 1..if short { M.saturating_sub(1) } else { 1 } {
                let unit = splat::<T>(needle[i].code_point());
                hit = vandq_u8(hit, eq::<T>(load(p + i), unit));
            }
            hit = vandq_u8(hit, boundary::<T>(load(p - 1)));
            vandq_u8(hit, boundary::<T>(load(p + M)))
        };
        let verified = |p: usize, candidates: uint8x16_t| {
            let mut lanes = nibbles(candidates) & one_bit_a_lane::<T>();
            let mut count = 0;
            while lanes != 0 {
                let at = p + lanes.trailing_zeros() as usize / (4 * size_of::<T>());
                lanes &= lanes - 1;
                // In bounds: `at < p + w` and `p + w + M <= units.len()` (`vectors`).
                count += usize::from(same_bytes(T::as_bytes(&units[at..at + M]), needle_bytes));
            }
            count
        };
        // 64 positions a step (4, 8 or 16 vectors), with one test for candidates in any,
        // as in the AVX2 kernel. A step adds at most `per_group` to a byte of `acc`.
        const GROUP: usize = 64;
        let per_group = GROUP / w;
        let steps_per_flush = 255 / per_group;
        let mut acc = vdupq_n_u8(0);
        let mut pending = 0;
        let mut count = 0;
        let mut k = 0;
        while k + per_group <= n_vectors {
            let p = lo + k * w;
            k += per_group;
            let mut hits = [vdupq_n_u8(0); GROUP / 4];
            let mut any = vdupq_n_u8(0);
            for (j, hit) in hits.iter_mut().take(per_group).enumerate() {
                *hit = candidates(p + j * w);
                any = vorrq_u8(any, *hit);
            }
            if nibbles(any) == 0 {
                continue;
            }
            for (j, &hit) in hits.iter().take(per_group).enumerate() {
                let t = tokens(p + j * w, hit);
                if short {
                    acc = vsubq_u8(acc, t);
                } else {
                    count += verified(p + j * w, t);
                }
            }
            pending += 1;
            if pending == steps_per_flush {
                count += usize::from(vaddlvq_u8(acc)) / size_of::<T>();
                acc = vdupq_n_u8(0);
                pending = 0;
            }
        }
        // Fewer than `per_group` vectors: with fewer than `steps_per_flush` steps
        // pending, no byte of `acc` reaches 256.
        for k in k..n_vectors {
            let p = lo + k * w;
            let t = tokens(p, candidates(p));
            if short {
                acc = vsubq_u8(acc, t);
            } else {
                count += verified(p, t);
            }
        }
        count += usize::from(vaddlvq_u8(acc)) / size_of::<T>();
        (count, lo, lo + n_vectors * w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Is `c` a token boundary: a space or a Python line break.
    fn is_boundary(c: u32) -> bool {
        matches!(c, 0x20 | 0x0A..=0x0D | 0x1C..=0x1E | 0x85 | 0x2028 | 0x2029)
    }

    /// The model: every position of `start..end` where the needle is a whole token.
    fn model<T: CodeUnit>(units: &[T], needle: &[T], start: usize, end: usize) -> usize {
        let m = needle.len();
        (start..end)
            .filter(|&p| {
                p + m <= units.len()
                    && units[p..p + m] == *needle
                    && (p == 0 || is_boundary(units[p - 1].code_point()))
                    && (p + m == units.len() || is_boundary(units[p + m].code_point()))
            })
            .count()
    }

    /// Code points around every boundary, and near misses of their low bytes.
    const ALPHABET: [u32; 24] = [
        0x61, 0x62, 0x20, 0x0A, 0x0D, 0x0B, 0x0C, 0x1C, 0x1E, 0x1F, 0x09, 0x85, 0x84, 0x86, 0xE9,
        0x2028, 0x2029, 0x2027, 0x202A, 0x0120, 0x2085, 0x0A0A, 0x12028, 0x10020,
    ];

    fn units<T: CodeUnit>(codes: &[u32]) -> Vec<T> {
        codes.iter().filter_map(|&c| T::try_from(c).ok()).collect()
    }

    type Kernel<T> = fn(&[T], &[T], usize, usize) -> (usize, usize, usize);

    /// The dispatcher and every kernel this CPU has, each with the positions it leaves
    /// at the end at most (a step, less one), past the needle.
    fn kernels<T: CodeUnit>() -> Vec<(&'static str, Kernel<T>, usize)> {
        #[cfg_attr(
            not(any(target_arch = "x86_64", target_arch = "aarch64")),
            allow(unused_mut)
        )]
        let mut kernels: Vec<(&'static str, Kernel<T>, usize)> = vec![("count", count, 63)];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("popcnt")
            {
                // SAFETY: the CPU has just been checked to support AVX2 and POPCNT.
                let avx2: Kernel<T> = |u, n, s, e| unsafe { avx2::count(u, n, s, e) };
                kernels.push(("avx2", avx2, 32 / std::mem::size_of::<T>() - 1));
            }
            if std::arch::is_x86_feature_detected!("avx512bw")
                && std::arch::is_x86_feature_detected!("popcnt")
            {
                // SAFETY: the CPU has just been checked to support AVX-512BW and POPCNT.
                let avx512: Kernel<T> = |u, n, s, e| unsafe { avx512::count(u, n, s, e) };
                kernels.push(("avx512", avx512, 63));
            }
        }
        #[cfg(target_arch = "aarch64")]
        if std::arch::is_aarch64_feature_detected!("neon") {
            // SAFETY: the CPU has just been checked to support NEON.
            let neon: Kernel<T> = |u, n, s, e| unsafe { neon::count(u, n, s, e) };
            kernels.push(("neon", neon, 16 / std::mem::size_of::<T>() - 1));
        }
        kernels
    }

    /// Checks every kernel on `text` (as units of `T`, those that fit), and returns what
    /// each counted, the range it covered, what it may leave, and the units' length.
    fn check<T: CodeUnit>(
        text: &[u32],
        needle: &[u32],
        start: usize,
        end: usize,
    ) -> Vec<(&'static str, usize, usize, usize, usize, usize)> {
        let (text, needle) = (units::<T>(text), units::<T>(needle));
        let end = end.min(text.len());
        let start = start.min(end);
        let mut seen = vec![];
        for (name, kernel, left) in kernels::<T>() {
            let (n, lo, hi) = kernel(&text, &needle, start, end);
            assert!(start <= lo && lo <= hi && hi <= end, "{name}");
            assert_eq!(
                n,
                model(&text, &needle, lo, hi),
                "{name}: {lo}..{hi} of {}",
                text.len()
            );
            seen.push((name, n, lo, hi, left, text.len()));
        }
        seen
    }

    proptest! {
        #![proptest_config(crate::proptest_config(4))]

        // Under Miri, shorter texts (still several groups of vectors): a unit costs a
        // thousand times more there.
        #[test]
        fn kernels_match_the_model(
            text in prop::collection::vec(
                prop::sample::select(&ALPHABET[..]),
                if cfg!(miri) { 0..150 } else { 0..400 },
            ),
            needle in prop::collection::vec(prop::sample::select(&[0x61u32, 0x62, 0xE9, 0x2027, 0x12028][..]), 1..18),
            start in 0usize..60,
            end in 0usize..400,
        ) {
            check::<u8>(&text, &needle, start, end);
            check::<u16>(&text, &needle, start, end);
            check::<u32>(&text, &needle, start, end);
        }
    }

    #[test]
    fn dense_matches_are_all_counted() {
        // "a b a b ...": a match at every other token, of needles of 1 and 16 units.
        // Under Miri, a few hundred units of text each, not 640 repeats: still several
        // groups of 64 positions and a tail of single vectors, in every width.
        for (unit, needle, miri_repeats) in [
            ("a ", "a", 80),
            ("abcdefghijklmnop\n", "abcdefghijklmnop", 22),
            // Compared whole in every width: with near misses wrong at the second unit
            // and the next to last.
            (
                "abcdéfghijklmnop aXcdéfghijklmnop\u{2028}abcdéfghijklmnXp abcdéfghijklmnop\u{85}",
                "abcdéfghijklmnop",
                9,
            ),
        ] {
            let repeats = if cfg!(miri) { miri_repeats } else { 640 };
            let text: Vec<u32> = unit.repeat(repeats).chars().map(u32::from).collect();
            let needle: Vec<u32> = needle.chars().map(u32::from).collect();
            let mut seen = check::<u8>(&text, &needle, 0, text.len());
            seen.extend(check::<u16>(&text, &needle, 0, text.len()));
            seen.extend(check::<u32>(&text, &needle, 0, text.len()));
            // All but the ends are each kernel's.
            #[cfg(target_arch = "x86_64")]
            let has_kernel = std::arch::is_x86_feature_detected!("avx2");
            #[cfg(target_arch = "aarch64")]
            let has_kernel = std::arch::is_aarch64_feature_detected!("neon");
            #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
            if has_kernel {
                for (name, n, lo, hi, left, len) in seen {
                    assert!(
                        lo <= 1 && hi + left + needle.len() >= len,
                        "{name}: {lo}..{hi}"
                    );
                    // A match takes a separator too: those left at the ends, at most.
                    let missed = (left + 2 * needle.len() + 2) / (needle.len() + 1);
                    assert!(n + missed >= repeats, "{name}: {n} of {repeats}");
                }
            }
            #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
            drop(seen);
        }
    }
}
