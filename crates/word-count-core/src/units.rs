//! The kernels on a Python `str`'s own storage: code units of 1, 2 or 4 bytes
//! (CPython's PEP 393 kinds: Latin-1, UCS-2, UCS-4), one unit per code point.
//!
//! Why: for a non-ASCII `str`, asking CPython for UTF-8 makes it build (and keep) a UTF-8
//! copy, at about 0.3 GB/s here, slower than any count and doubling the memory. Where
//! the binding may read a `str`'s storage (not under the stable ABI), it counts the code
//! units in place with these functions. Semantics are those of [`crate::words`] and
//! [`crate::search`], on code points instead of UTF-8: a lone surrogate is a code unit
//! like any other, so every `str` works.

use crate::chunks;
use crate::pychars::{is_py_line_break, is_py_whitespace};

/// A code unit of a `str`'s storage.
pub trait Unit: Copy + Eq + Send + Sync + 'static {
    fn code_point(self) -> u32;

    /// The word starts in `units` (see [`count_word_starts`]); SIMD where there is a
    /// kernel for this width and the CPU has AVX2, else [`scalar_word_starts`].
    fn word_starts(units: &[Self], after_space: bool) -> usize {
        scalar_word_starts(units, after_space)
    }

    /// Where `needle` (not empty) occurs in `text` starting in `start..end`, found with
    /// memchr's SIMD substring search ([`scalar_match_starts`] is the model).
    fn match_starts<'t>(
        text: &'t [Self],
        needle: &'t [Self],
        start: usize,
        end: usize,
    ) -> impl Iterator<Item = usize> + 't;
}

impl Unit for u8 {
    #[inline]
    fn code_point(self) -> u32 {
        u32::from(self)
    }

    fn word_starts(units: &[u8], after_space: bool) -> usize {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has just been checked to support AVX2.
                return unsafe { avx2::latin1_word_starts(units, after_space) };
            }
        }
        #[cfg(target_arch = "aarch64")]
        {
            if std::arch::is_aarch64_feature_detected!("neon") {
                // SAFETY: the CPU has just been checked to support NEON.
                return unsafe { neon::latin1_word_starts(units, after_space) };
            }
        }
        scalar_word_starts(units, after_space)
    }

    /// Latin-1 storage is bytes: memchr's SIMD substring search applies as is.
    fn match_starts<'t>(
        text: &'t [u8],
        needle: &'t [u8],
        start: usize,
        end: usize,
    ) -> impl Iterator<Item = usize> + 't {
        let window_end = end.saturating_add(needle.len() - 1).min(text.len());
        memchr::memmem::find_iter(&text[start..window_end], needle).map(move |at| start + at)
    }
}

impl Unit for u16 {
    #[inline]
    fn code_point(self) -> u32 {
        u32::from(self)
    }

    fn word_starts(units: &[u16], after_space: bool) -> usize {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has just been checked to support AVX2.
                return unsafe { avx2::ucs2_word_starts(units, after_space) };
            }
        }
        #[cfg(target_arch = "aarch64")]
        {
            if std::arch::is_aarch64_feature_detected!("neon") {
                // SAFETY: the CPU has just been checked to support NEON.
                return unsafe { neon::ucs2_word_starts(units, after_space) };
            }
        }
        scalar_word_starts(units, after_space)
    }

    fn match_starts<'t>(
        text: &'t [u16],
        needle: &'t [u16],
        start: usize,
        end: usize,
    ) -> impl Iterator<Item = usize> + 't {
        wide_match_starts(text, needle, start, end)
    }
}

impl Unit for u32 {
    #[inline]
    fn code_point(self) -> u32 {
        self
    }

    fn match_starts<'t>(
        text: &'t [u32],
        needle: &'t [u32],
        start: usize,
        end: usize,
    ) -> impl Iterator<Item = usize> + 't {
        wide_match_starts(text, needle, start, end)
    }
}

/// The bytes of `units` (u16 or u32) in memory order.
fn as_bytes<T: Unit>(units: &[T]) -> &[u8] {
    // SAFETY: `T` is u16 or u32 (the only wide `Unit`s): no padding, so every byte of
    // the slice is initialised, and u8 has no alignment or validity requirement. The
    // byte slice borrows `units`, so it lives no longer than they do.
    unsafe { std::slice::from_raw_parts(units.as_ptr().cast::<u8>(), std::mem::size_of_val(units)) }
}

/// [`Unit::match_starts`] for wide units with memchr's SIMD substring search on the
/// bytes: a match of the needle's bytes is a match of its units when it is aligned to a
/// unit. A misaligned one straddles two units; the search then goes on from the next
/// byte, not past the match, which could hide an aligned match overlapping it.
fn wide_match_starts<'t, T: Unit>(
    text: &'t [T],
    needle: &'t [T],
    start: usize,
    end: usize,
) -> impl Iterator<Item = usize> + 't {
    let size = std::mem::size_of::<T>();
    let window_end = end.saturating_add(needle.len() - 1).min(text.len());
    let window = as_bytes(&text[start..window_end]);
    let finder = memchr::memmem::Finder::new(as_bytes(needle));
    let mut from = 0;
    std::iter::from_fn(move || loop {
        let at = from + finder.find(window.get(from..)?)?;
        if at % size == 0 {
            from = at + size;
            return Some(start + at / size);
        }
        from = at + 1;
    })
}

/// Is code point `c` one of Python's 29 whitespace characters? A table for Latin-1, the
/// common case, and [`is_py_whitespace`] above it.
#[inline]
fn is_space(c: u32) -> bool {
    if c < 256 {
        LATIN1_WHITESPACE[c as usize]
    } else {
        char::from_u32(c).is_some_and(is_py_whitespace)
    }
}

const LATIN1_WHITESPACE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = matches!(b, 0x09..=0x0D | 0x1C..=0x20 | 0x85 | 0xA0);
        b += 1;
    }
    t
};

/// Is code point `c` a token boundary for `search`: a space or a Python line break?
#[inline]
fn is_boundary(c: u32) -> bool {
    c == 0x20 || char::from_u32(c).is_some_and(is_py_line_break)
}

/// `len(text.split())` for the units of a `str`; `after_space` says whether the unit
/// before `units` was whitespace (true at the start of the text).
pub fn count_word_starts<T: Unit>(units: &[T], after_space: bool) -> usize {
    T::word_starts(units, after_space)
}

/// [`count_word_starts`], one unit at a time: the portable kernel, and the model the
/// SIMD kernels are tested against.
pub fn scalar_word_starts<T: Unit>(units: &[T], after_space: bool) -> usize {
    let mut count = 0;
    let mut in_space = after_space;
    for &u in units {
        let space = is_space(u.code_point());
        count += usize::from(in_space & !space);
        in_space = space;
    }
    count
}

/// The words that start in `units[start..end]`, counted in `n_chunks` parallel chunks.
pub fn count_words_in<T: Unit>(units: &[T], start: usize, end: usize, n_chunks: usize) -> usize {
    let after_space = |at: usize| at == 0 || is_space(units[at - 1].code_point());
    if n_chunks <= 1 {
        return count_word_starts(&units[start..end], after_space(start));
    }
    let cuts = even_cuts(end - start, n_chunks);
    chunks::sum_parallel(&cuts, |a, b| {
        count_word_starts(&units[start + a..start + b], after_space(start + a))
    })
}

/// `n + 1` cut positions splitting `len` units into `n` chunks: any position is a
/// character boundary here.
fn even_cuts(len: usize, n: usize) -> Vec<usize> {
    (0..=n)
        .map(|k| (len as u128 * k as u128 / n as u128) as usize)
        .collect()
}

/// A needle for a text of units `T`, from its code points: None if it holds a code point
/// `T` cannot, or a space or line break (then no token can equal it).
pub fn needle_units<T: Unit + TryFrom<u32>>(
    code_points: impl IntoIterator<Item = u32>,
) -> Option<Vec<T>> {
    code_points
        .into_iter()
        .map(|c| {
            if is_boundary(c) {
                None
            } else {
                T::try_from(c).ok()
            }
        })
        .collect()
}

/// The code points of generalised UTF-8 (see the crate docs: UTF-8 plus surrogates),
/// as a needle arrives. Bytes that are not generalised UTF-8 cannot arrive here (they
/// are rejected first); should they, each odd byte becomes U+FFFD.
pub fn code_points(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        let &lead = bytes.get(i)?;
        let (len, init) = match lead {
            0x00..=0x7F => (1, u32::from(lead)),
            0xC0..=0xDF => (2, u32::from(lead & 0x1F)),
            0xE0..=0xEF => (3, u32::from(lead & 0x0F)),
            0xF0..=0xF7 => (4, u32::from(lead & 0x07)),
            _ => (0, 0xFFFD),
        };
        let tail = bytes.get(i + 1..i + len.max(1));
        match tail {
            Some(tail) if len > 0 && tail.iter().all(|&b| b & 0xC0 == 0x80) => {
                i += len;
                Some(
                    tail.iter()
                        .fold(init, |c, &b| (c << 6) | u32::from(b & 0x3F)),
                )
            }
            _ => {
                i += 1;
                Some(0xFFFD)
            }
        }
    })
}

/// The tokens equal to `needle` (non-empty, from [`needle_units`]) that start in
/// `text[start..end]`, looking at all of `text` for the boundaries on either side.
fn count_tokens_starting_in<T: Unit>(text: &[T], needle: &[T], start: usize, end: usize) -> usize {
    let m = needle.len();
    if m == 0 {
        return 0; // refused before it gets here (an empty needle is a ValueError)
    }
    let is_token = |i: usize| {
        (i == 0 || is_boundary(text[i - 1].code_point()))
            && (i + m == text.len() || is_boundary(text[i + m].code_point()))
    };
    T::match_starts(text, needle, start, end)
        .filter(|&i| is_token(i))
        .count()
}

/// Where `needle` occurs in `text` starting in `start..end`, one unit at a time: the
/// model the substring searches of [`Unit::match_starts`] are tested against.
#[cfg_attr(not(test), allow(dead_code))] // every width has a faster search; tests use it
fn scalar_match_starts<'t, T: Unit>(
    text: &'t [T],
    needle: &'t [T],
    start: usize,
    end: usize,
) -> impl Iterator<Item = usize> + 't {
    let last = end.min((text.len() + 1).saturating_sub(needle.len()));
    (start..last).filter(move |&i| text[i..i + needle.len()] == *needle)
}

/// The tokens of `text` equal to `needle` that start in `text[start..end]`, counted in
/// `n_chunks` parallel chunks. Summed over consecutive ranges, this is the whole count.
pub fn count_tokens_in<T: Unit>(
    text: &[T],
    needle: &[T],
    start: usize,
    end: usize,
    n_chunks: usize,
) -> usize {
    if n_chunks <= 1 {
        return count_tokens_starting_in(text, needle, start, end);
    }
    let cuts = even_cuts(end - start, n_chunks);
    chunks::sum_parallel(&cuts, |a, b| {
        count_tokens_starting_in(text, needle, start + a, start + b)
    })
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    //! Word starts in Latin-1 and UCS-2 storage, 32 bytes at a time. Unlike UTF-8, every
    //! unit is a whole character, so no block ever needs the scalar loop: whitespace is
    //! a set of unit values, compared lane by lane.

    use std::arch::x86_64::*;

    use super::scalar_word_starts;
    use crate::word_starts::avx2::in_range as in_range8;

    /// Lanes with `lo <= v < lo + n` (unsigned 16-bit), as 0xFFFF.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn in_range16(v: __m256i, lo: u16, n: u16) -> __m256i {
        let t = _mm256_sub_epi16(v, _mm256_set1_epi16(lo as i16));
        _mm256_cmpeq_epi16(_mm256_min_epu16(t, _mm256_set1_epi16((n - 1) as i16)), t)
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    fn eq16(v: __m256i, x: u16) -> __m256i {
        _mm256_cmpeq_epi16(v, _mm256_set1_epi16(x as i16))
    }

    /// Latin-1: 09..0D, 1C..20, 85 and A0.
    #[target_feature(enable = "avx2")]
    pub(super) fn latin1_word_starts(units: &[u8], after_space: bool) -> usize {
        let mut count = 0;
        let mut in_space = after_space;
        let mut chunks = units.chunks_exact(32);
        for chunk in &mut chunks {
            // SAFETY: `chunk` is 32 bytes, the size of the unaligned load.
            let v = unsafe { _mm256_loadu_si256(chunk.as_ptr().cast()) };
            let space = _mm256_or_si256(
                _mm256_or_si256(in_range8(v, 0x09, 5), in_range8(v, 0x1C, 5)),
                _mm256_or_si256(
                    _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x85u8 as i8)),
                    _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0xA0u8 as i8)),
                ),
            );
            let space = _mm256_movemask_epi8(space) as u32;
            let before = (space << 1) | u32::from(in_space);
            count += (!space & before).count_ones() as usize;
            in_space = space >> 31 != 0;
        }
        count + scalar_word_starts(chunks.remainder(), in_space)
    }

    /// UCS-2: the Latin-1 set and 1680, 2000..200A, 2028, 2029, 202F, 205F, 3000.
    #[target_feature(enable = "avx2")]
    pub(super) fn ucs2_word_starts(units: &[u16], after_space: bool) -> usize {
        let mut count = 0;
        let mut in_space = after_space;
        let mut chunks = units.chunks_exact(16);
        for chunk in &mut chunks {
            // SAFETY: `chunk` is 16 units of 2 bytes, the size of the unaligned load.
            let v = unsafe { _mm256_loadu_si256(chunk.as_ptr().cast()) };
            let ascii = _mm256_or_si256(in_range16(v, 0x09, 5), in_range16(v, 0x1C, 5));
            let latin1 = _mm256_or_si256(eq16(v, 0x85), eq16(v, 0xA0));
            let general = _mm256_or_si256(
                _mm256_or_si256(in_range16(v, 0x2000, 11), in_range16(v, 0x2028, 2)),
                _mm256_or_si256(
                    _mm256_or_si256(eq16(v, 0x202F), eq16(v, 0x205F)),
                    _mm256_or_si256(eq16(v, 0x1680), eq16(v, 0x3000)),
                ),
            );
            let space = _mm256_or_si256(_mm256_or_si256(ascii, latin1), general);
            // Two mask bits per 16-bit lane, always equal: keep the low one of each.
            let space = _mm256_movemask_epi8(space) as u32 & 0x5555_5555;
            let before = (space << 2) | u32::from(in_space);
            count += (!space & before & 0x5555_5555).count_ones() as usize;
            in_space = space >> 30 != 0;
        }
        count + scalar_word_starts(chunks.remainder(), in_space)
    }
}

#[cfg(target_arch = "aarch64")]
mod neon {
    //! The same kernels for AArch64, 16 bytes at a time, with word starts kept in vector
    //! lanes as in [`crate::word_starts::neon`]: the "is space" lanes shifted by one unit
    //! (`vext`), a start where a lane is not space and the one before it is, subtracted
    //! from a lane accumulator (0xFF.. is -1) that is summed before it can overflow.

    use std::arch::aarch64::*;

    use super::scalar_word_starts;
    use crate::word_starts::neon::in_range as in_range8;

    /// Lanes with `lo <= v < lo + n` (unsigned 16-bit), as 0xFFFF.
    #[inline]
    #[target_feature(enable = "neon")]
    fn in_range16(v: uint16x8_t, lo: u16, n: u16) -> uint16x8_t {
        vcltq_u16(vsubq_u16(v, vdupq_n_u16(lo)), vdupq_n_u16(n))
    }

    #[inline]
    #[target_feature(enable = "neon")]
    fn eq16(v: uint16x8_t, x: u16) -> uint16x8_t {
        vceqq_u16(v, vdupq_n_u16(x))
    }

    /// Latin-1: 09..0D, 1C..20, 85 and A0.
    #[target_feature(enable = "neon")]
    pub(super) fn latin1_word_starts(units: &[u8], after_space: bool) -> usize {
        // A lane gains at most 1 per vector: flush within 255 vectors.
        const VECTORS_PER_FLUSH: u32 = 255;
        let mut count = 0;
        let mut acc = vdupq_n_u8(0);
        let mut pending = 0;
        // Only its last lane is read: whether the unit before the vector was a space.
        let mut prev = vdupq_n_u8(if after_space { 0xFF } else { 0 });
        let mut chunks = units.chunks_exact(16);
        for chunk in &mut chunks {
            // SAFETY: `chunk` is 16 bytes, the size of the load.
            let v = unsafe { vld1q_u8(chunk.as_ptr()) };
            let space = vorrq_u8(
                vorrq_u8(in_range8(v, 0x09, 5), in_range8(v, 0x1C, 5)),
                vorrq_u8(vceqq_u8(v, vdupq_n_u8(0x85)), vceqq_u8(v, vdupq_n_u8(0xA0))),
            );
            acc = vsubq_u8(acc, vbicq_u8(vextq_u8::<15>(prev, space), space));
            prev = space;
            pending += 1;
            if pending == VECTORS_PER_FLUSH {
                count += usize::from(vaddlvq_u8(acc));
                acc = vdupq_n_u8(0);
                pending = 0;
            }
        }
        count += usize::from(vaddlvq_u8(acc));
        count + scalar_word_starts(chunks.remainder(), vgetq_lane_u8::<15>(prev) != 0)
    }

    /// UCS-2: the Latin-1 set and 1680, 2000..200A, 2028, 2029, 202F, 205F, 3000.
    #[target_feature(enable = "neon")]
    pub(super) fn ucs2_word_starts(units: &[u16], after_space: bool) -> usize {
        // A lane gains at most 1 per vector: flush within 65535 vectors.
        const VECTORS_PER_FLUSH: u32 = 65_535;
        let mut count = 0;
        let mut acc = vdupq_n_u16(0);
        let mut pending = 0;
        let mut prev = vdupq_n_u16(if after_space { 0xFFFF } else { 0 });
        let mut chunks = units.chunks_exact(8);
        for chunk in &mut chunks {
            // SAFETY: `chunk` is 8 units of 2 bytes, the size of the load.
            let v = unsafe { vld1q_u16(chunk.as_ptr()) };
            let ascii = vorrq_u16(in_range16(v, 0x09, 5), in_range16(v, 0x1C, 5));
            let latin1 = vorrq_u16(eq16(v, 0x85), eq16(v, 0xA0));
            let general = vorrq_u16(
                vorrq_u16(in_range16(v, 0x2000, 11), in_range16(v, 0x2028, 2)),
                vorrq_u16(
                    vorrq_u16(eq16(v, 0x202F), eq16(v, 0x205F)),
                    vorrq_u16(eq16(v, 0x1680), eq16(v, 0x3000)),
                ),
            );
            let space = vorrq_u16(vorrq_u16(ascii, latin1), general);
            acc = vsubq_u16(acc, vbicq_u16(vextq_u16::<7>(prev, space), space));
            prev = space;
            pending += 1;
            if pending == VECTORS_PER_FLUSH {
                count += vaddlvq_u16(acc) as usize;
                acc = vdupq_n_u16(0);
                pending = 0;
            }
        }
        count += vaddlvq_u16(acc) as usize;
        count + scalar_word_starts(chunks.remainder(), vgetq_lane_u16::<7>(prev) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::count_token;
    use crate::words::count_words;
    use proptest::prelude::*;

    fn units<T: Unit + TryFrom<u32>>(s: &str) -> Option<Vec<T>> {
        s.chars().map(|c| T::try_from(u32::from(c)).ok()).collect()
    }

    fn text() -> impl Strategy<Value = String> {
        let unit = prop::sample::select(vec![
            "a", "ab", " ", "\n", "\r\n", "\t", "é", "\u{85}", "\u{A0}", "\u{1C}", "€", "\u{3000}",
            "\u{2028}", "😀", "\u{200B}",
        ]);
        prop::collection::vec(unit, 0..80).prop_map(|v| v.concat())
    }

    /// Check every storage width that can hold `text` against the UTF-8 kernels.
    fn check(text: &str, needle: &str, n: usize) -> Result<(), TestCaseError> {
        let words = count_words(text.as_bytes());
        let tokens = count_token(text.as_bytes(), needle.as_bytes()).unwrap();
        fn one<T: Unit + TryFrom<u32>>(
            text: &str,
            needle: &str,
            n: usize,
            words: usize,
            tokens: usize,
        ) -> Result<(), TestCaseError> {
            if let Some(u) = units::<T>(text) {
                prop_assert_eq!(count_words_in(&u, 0, u.len(), n), words);
                let found = needle_units::<T>(code_points(needle.as_bytes()))
                    .map_or(0, |nd| count_tokens_in(&u, &nd, 0, u.len(), n));
                prop_assert_eq!(found, tokens);
            }
            Ok(())
        }
        one::<u8>(text, needle, n, words, tokens)?;
        one::<u16>(text, needle, n, words, tokens)?;
        one::<u32>(text, needle, n, words, tokens)
    }

    fn special_u16() -> impl Strategy<Value = u16> {
        prop_oneof![
            any::<u16>(),
            prop::sample::select(vec![
                0x09u16, 0x0D, 0x0E, 0x1B, 0x1C, 0x20, 0x21, 0x85, 0xA0, 0x1680, 0x1FFF, 0x2000,
                0x200A, 0x200B, 0x2027, 0x2028, 0x2029, 0x202A, 0x202F, 0x205F, 0x3000, 0x3001,
                0xD800, 0x61,
            ]),
        ]
    }

    #[test]
    fn long_texts_of_one_letter_words() {
        // The densest word starts there are, long enough to overflow a lane counter that
        // is not flushed in time (NEON's 8- and 16-bit lanes), and around the flushes.
        for len in [4079, 4080, 4081, 9000] {
            let units: Vec<u8> = b"a ".iter().copied().cycle().take(len).collect();
            for after in [true, false] {
                assert_eq!(
                    count_word_starts(&units, after),
                    scalar_word_starts(&units, after)
                );
            }
        }
        for len in [524_279, 524_280, 524_281, 1_200_001] {
            let units: Vec<u16> = [0x3000u16, 0x61]
                .iter()
                .copied()
                .cycle()
                .take(len)
                .collect();
            for after in [true, false] {
                assert_eq!(
                    count_word_starts(&units, after),
                    scalar_word_starts(&units, after)
                );
            }
        }
    }

    proptest! {
        #[test]
        fn simd_matches_scalar_latin1(units in prop::collection::vec(any::<u8>(), 0..200), after in any::<bool>()) {
            prop_assert_eq!(count_word_starts(&units, after), scalar_word_starts(&units, after));
        }

        #[test]
        fn simd_matches_scalar_ucs2(units in prop::collection::vec(special_u16(), 0..200), after in any::<bool>()) {
            prop_assert_eq!(count_word_starts(&units, after), scalar_word_starts(&units, after));
        }

        #[test]
        fn substring_search_matches_the_scalar_model(
            text in prop::collection::vec(prop::sample::select(vec![0x61u32, 0x62, 0x100, 0x6100, 0x10061]), 0..100),
            needle in prop::collection::vec(prop::sample::select(vec![0x61u32, 0x62, 0x100, 0x6100]), 1..4),
            start in 0usize..100, len in 0usize..100,
        ) {
            let start = start.min(text.len());
            let end = (start + len).min(text.len());
            fn check<T: Unit + TryFrom<u32>>(text: &[u32], needle: &[u32], start: usize, end: usize) -> Result<(), TestCaseError> {
                let (Ok(t), Ok(n)) = (
                    text.iter().map(|&c| T::try_from(c)).collect::<Result<Vec<T>, _>>(),
                    needle.iter().map(|&c| T::try_from(c)).collect::<Result<Vec<T>, _>>(),
                ) else { return Ok(()) };
                let fast: Vec<usize> = T::match_starts(&t, &n, start, end).collect();
                let model: Vec<usize> = scalar_match_starts(&t, &n, start, end).collect();
                prop_assert_eq!(fast, model);
                Ok(())
            }
            check::<u8>(&text, &needle, start, end)?;
            check::<u16>(&text, &needle, start, end)?;
            check::<u32>(&text, &needle, start, end)?;
        }

        #[test]
        fn units_agree_with_utf8(text in text(), needle in "(a|ab|é|€|😀|a b){1,2}", n in 1usize..6) {
            check(&text, &needle, n)?;
        }
    }

    #[test]
    fn code_points_of_generalised_utf8() {
        let cps: Vec<u32> = code_points("aé€😀".as_bytes()).collect();
        assert_eq!(cps, [0x61, 0xE9, 0x20AC, 0x1F600]);
        assert_eq!(code_points(b"\xED\xA0\x80").collect::<Vec<_>>(), [0xD800]);
        assert_eq!(code_points(b"\xFFa").collect::<Vec<_>>(), [0xFFFD, 0x61]);
    }

    #[test]
    fn every_code_point_between_two_words() {
        for c in (0..=0xFFFFu32).chain([0x10000, 0x1F600, 0x10FFFF]) {
            let expected = if char::from_u32(c).is_some_and(is_py_whitespace) {
                2
            } else {
                1
            };
            // Inside and at the edges of the SIMD blocks (16 UCS-2 or 32 Latin-1 units).
            for at in [15, 16, 20, 31, 32] {
                let mut text = vec![0x61u32; 70];
                text[at] = c;
                let u16s: Result<Vec<u16>, _> = text.iter().map(|&c| u16::try_from(c)).collect();
                if let Ok(u) = u16s {
                    assert_eq!(count_word_starts(&u, true), expected, "U+{c:04X}");
                }
                let u8s: Result<Vec<u8>, _> = text.iter().map(|&c| u8::try_from(c)).collect();
                if let Ok(u) = u8s {
                    assert_eq!(count_word_starts(&u, true), expected, "U+{c:04X}");
                }
                assert_eq!(count_word_starts(&text, true), expected, "U+{c:04X}");
            }
        }
    }

    #[test]
    fn examples() {
        check("a\u{85}b\u{A0}c\u{3000}d the\u{2028}the", "the", 3).unwrap();
        check("aaa aa", "aa", 1).unwrap();
    }
}
