//! Where the words are: the spans `text[a..b]` of `str.split()`'s words, for the
//! operations that need the words themselves ([`crate::frequencies`]), not only their
//! number.
//!
//! Like counting, a chunk owns the words that *start* in it; a word that starts in it
//! and runs past its end is read whole, from the text after the chunk.
//!
//! On UTF-8 the spans come from 64-bit masks, one bit per byte: whitespace, and the
//! lead bytes (C2, E1, E2, E3) of the multibyte whitespace characters. A word starts
//! where a non-space follows a space and ends where a space follows a non-space, so the
//! loop visits each word boundary once (a `trailing_zeros` each), not each byte; the
//! masks come from AVX2 where the CPU has it (asked at run time), from NEON on AArch64,
//! else from a portable loop. A block holding a lead byte checks each one with the byte
//! rule of [`whitespace_len`], which the multibyte whitespace characters spill into the
//! next block through `carry`.
//!
//! A `str`'s storage ([`storage_words`]) takes the same pairing of starts and ends, on
//! masks of 64 units: every unit there is a whole character, so there are no lead bytes.
//!
//! [`split_words`] gives the words themselves, one byte at a time: the plain splitter
//! the span kernels and the word counts are tested against.

use crate::pychars::{ends_with_whitespace, whitespace_len, ASCII_WHITESPACE};
use crate::str_storage::{is_space, CodeUnit};

/// No word is open.
const NONE: usize = usize::MAX;

/// Calls `f(a, b)` for each word `bytes[a..b]` (generalised UTF-8) that starts in
/// `start..end` (character boundaries), in order.
#[inline]
pub fn utf8_words(bytes: &[u8], start: usize, end: usize, f: impl FnMut(usize, usize)) {
    #[cfg(target_arch = "x86_64")]
    if avx2::supported() {
        // SAFETY: the CPU has just been checked to support AVX2, BMI1, BMI2 and POPCNT.
        return unsafe { avx2::utf8_words(bytes, start, end, f) };
    }
    #[cfg(target_arch = "aarch64")]
    if std::arch::is_aarch64_feature_detected!("neon") {
        // SAFETY: the CPU has just been checked to support NEON.
        return unsafe { neon::utf8_words(bytes, start, end, f) };
    }
    utf8_words_with::<Portable>(bytes, start, end, f)
}

/// The two masks of a 64-byte block: bit `i` of the first is set if byte `i` is ASCII
/// whitespace (Python's: 09..0D, 1C..20), of the second if it is C2, E1, E2 or E3.
trait Masks {
    /// # Safety
    /// The CPU must support the instructions of the implementation.
    unsafe fn masks(block: &[u8; 64]) -> (u64, u64);
}

/// Byte classes for the portable masks: bit 0 whitespace, bit 1 a multibyte lead.
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        t[b] = ASCII_WHITESPACE[b] as u8;
        b += 1;
    }
    t[0xC2] = 2;
    t[0xE1] = 2;
    t[0xE2] = 2;
    t[0xE3] = 2;
    t
};

struct Portable;

impl Masks for Portable {
    #[inline(always)]
    unsafe fn masks(block: &[u8; 64]) -> (u64, u64) {
        let (mut space, mut lead) = (0u64, 0u64);
        for (i, &b) in block.iter().enumerate() {
            let class = u64::from(CLASS[b as usize]);
            space |= (class & 1) << i;
            lead |= (class >> 1) << i;
        }
        (space, lead)
    }
}

#[inline(always)] // into each Masks' instance, so the masks inline into the loop
fn utf8_words_with<M: Masks>(
    bytes: &[u8],
    start: usize,
    end: usize,
    mut f: impl FnMut(usize, usize),
) {
    let mut p = start;
    if start > 0 && !ends_with_whitespace(&bytes[..start]) {
        // The word under `start` began in the chunk before, which owns it: skip its rest,
        // but not past `end`. Past it no word can start in this range, and a word longer
        // than the range would be skipped again by every later range: on one word of
        // 64 MiB, read in 4 MiB slices, `word_frequencies` took 1.4 s, time quadratic in
        // the word's length.
        while p < end && whitespace_len(&bytes[p..]).is_none() {
            p += 1;
        }
    }
    if p >= end {
        return;
    }
    // From here the byte before `p` counts as whitespace: either it is, or `p` is the
    // start of a whitespace character after the skipped word.
    let mut pairing = Pairing::new();
    let mut carry = 0u64;
    loop {
        // `frequencies_in` on the Intel Xeon of `PREFETCH_AHEAD`: 1.14 -> 1.18 GB/s in
        // Rust; through Python, `word_frequencies(text, 1)` did not change (9 rounds).
        #[cfg(target_arch = "x86_64")]
        crate::simd_x86_64::prefetch_ahead(bytes, p);
        let (space, lead) = match bytes.get(p..p + 64) {
            // SAFETY: the caller of the instance checked the CPU (see `utf8_words`).
            Some(block) => unsafe { M::masks(block.try_into().expect("64 bytes")) },
            None => {
                // The tail, padded with spaces: the last word ends at the text's end.
                let mut block = [b' '; 64];
                block[..bytes.len() - p].copy_from_slice(&bytes[p..]);
                // SAFETY: as above.
                unsafe { M::masks(&block) }
            }
        };
        let mut space = space | carry;
        carry = 0;
        let mut leads = lead;
        while leads != 0 {
            let i = leads.trailing_zeros() as usize;
            leads &= leads - 1;
            if let Some(len) = whitespace_len(&bytes[p + i..]) {
                // A two- or three-byte space, which may run into the next block.
                let run = ((1u128 << len) - 1) << i;
                space |= run as u64;
                carry = (run >> 64) as u64;
            }
        }
        pairing.block(space, p, end, &mut f);
        p += 64;
        // Past the text, an open word is closed by the padding of one more block.
        if (p >= bytes.len() || p >= end) && pairing.done() {
            return;
        }
    }
}

/// What the word loops carry from one block of 64 units to the next: whether the last
/// unit was whitespace, and where the word still open started.
struct Pairing {
    prev_space: u64,
    word: usize,
}

impl Pairing {
    /// Before the first block, as after whitespace.
    fn new() -> Self {
        Pairing {
            prev_space: 1,
            word: NONE,
        }
    }

    /// Calls `f(a, b)` for each word that ends in the block at `p`, whose whitespace
    /// units are the bits of `space`, if it starts before `end`.
    #[inline(always)]
    fn block(&mut self, space: u64, p: usize, end: usize, f: &mut impl FnMut(usize, usize)) {
        let before = (space << 1) | self.prev_space;
        self.prev_space = space >> 63;
        // Starts (a non-space after a space) and ends (a space after a non-space)
        // alternate: an open word takes the first end, then the k-th start pairs with the
        // k-th end, and a start with none opens a word for the next block. So the pairs
        // are taken two `trailing_zeros` at a time with one test a word (are ends left?),
        // rather than a branch on "inside a word?", which mispredicts at every word.
        let mut starts = !space & before;
        let mut ends = space & !before;
        let limit = end.saturating_sub(p);
        if limit < 64 {
            // Starts at or after `end` belong to the next range.
            starts &= (1u64 << limit) - 1;
        }
        if self.word != NONE && ends != 0 {
            f(self.word, p + ends.trailing_zeros() as usize);
            ends &= ends - 1;
            self.word = NONE;
        }
        // With a word still open, the block is all inside it: no start, no end.
        if self.word == NONE {
            if limit < 64 {
                // Only the ends of the starts kept: the words of the next range end
                // here too.
                ends = lowest_bits(ends, starts.count_ones());
            }
            while ends != 0 {
                let a = p + starts.trailing_zeros() as usize;
                starts &= starts - 1;
                f(a, p + ends.trailing_zeros() as usize);
                ends &= ends - 1;
            }
            if starts != 0 {
                self.word = p + starts.trailing_zeros() as usize;
            }
        }
    }

    /// Whether no word is open.
    fn done(&self) -> bool {
        self.word == NONE
    }
}

/// The lowest `n` set bits of `x` (all of them if it has fewer).
fn lowest_bits(mut x: u64, n: u32) -> u64 {
    let mut kept = 0;
    for _ in 0..n {
        let low = x & x.wrapping_neg();
        kept |= low;
        x ^= low;
    }
    kept
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::{utf8_words_with, Masks};
    use crate::simd_x86_64::in_range8;
    use crate::str_storage::CodeUnit;

    /// Whether the CPU has what this module's loops are compiled for.
    #[inline]
    pub(super) fn supported() -> bool {
        std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("bmi1")
            && std::arch::is_x86_feature_detected!("bmi2")
            && std::arch::is_x86_feature_detected!("popcnt")
    }

    struct Avx2;

    impl Masks for Avx2 {
        #[inline]
        #[target_feature(enable = "avx2")]
        unsafe fn masks(block: &[u8; 64]) -> (u64, u64) {
            let (s0, l0) = half(block, 0);
            let (s1, l1) = half(block, 32);
            // The barrier keeps LLVM from "seeing through" the movemasks: without it,
            // it split each mask back into 32 single bits, spilled them and rebuilt
            // them with `vpinsrb` (perf; Rust 1.95), and the loop ran 3 times slower.
            std::hint::black_box((s0 | s1 << 32, l0 | l1 << 32))
        }
    }

    /// The masks of `block[at..at + 32]`.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn half(block: &[u8; 64], at: usize) -> (u64, u64) {
        assert!(at <= 32);
        // SAFETY: `at <= 32`, so the 32-byte load stays inside the 64-byte block.
        let v = unsafe { _mm256_loadu_si256(block.as_ptr().add(at).cast()) };
        let space = _mm256_or_si256(in_range8(v, 0x09, 5), in_range8(v, 0x1C, 5));
        let lead = _mm256_or_si256(
            _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0xC2u8 as i8)),
            in_range8(v, 0xE1, 3),
        );
        (
            u64::from(_mm256_movemask_epi8(space) as u32),
            u64::from(_mm256_movemask_epi8(lead) as u32),
        )
    }

    struct Avx2Units;

    impl super::UnitMasks for Avx2Units {
        #[inline(always)]
        unsafe fn space<T: CodeUnit>(block: &[T; 64]) -> u64 {
            // SAFETY: the caller checked the CPU for AVX2 (see `super::storage_words`).
            unsafe { T::space_mask_avx2(block) }
        }
    }

    /// [`super::storage_words`] with AVX2 masks, and BMI1, BMI2 and POPCNT as in
    /// [`utf8_words`].
    #[target_feature(enable = "avx2,bmi1,bmi2,popcnt")]
    pub(super) fn storage_words<T: CodeUnit>(
        units: &[T],
        start: usize,
        end: usize,
        f: impl FnMut(usize, usize),
    ) {
        super::storage_words_with::<T, Avx2Units>(units, start, end, f)
    }

    /// [`super::utf8_words`] with AVX2 masks.
    ///
    /// With BMI1, BMI2 and POPCNT too (every CPU with AVX2 that we know of has them, but
    /// they are separate CPUID bits, so they are asked for): `tzcnt`, `blsr`, `shlx` and
    /// `popcnt` for the boundary loop and the word lookup inlined into it, one
    /// instruction each where plain x86-64 needs two to a dozen.
    #[target_feature(enable = "avx2,bmi1,bmi2,popcnt")]
    pub(super) fn utf8_words(bytes: &[u8], start: usize, end: usize, f: impl FnMut(usize, usize)) {
        utf8_words_with::<Avx2>(bytes, start, end, f)
    }
}

#[cfg(target_arch = "aarch64")]
mod neon {
    use std::arch::aarch64::*;

    use super::{utf8_words_with, Masks};
    use crate::simd_aarch64::{ascii_space, mask64, space_lead};
    use crate::str_storage::CodeUnit;

    struct Neon;

    impl Masks for Neon {
        #[inline]
        #[target_feature(enable = "neon")]
        unsafe fn masks(block: &[u8; 64]) -> (u64, u64) {
            // SAFETY: the four 16-byte loads cover the 64-byte block.
            let v: [uint8x16_t; 4] =
                std::array::from_fn(|j| unsafe { vld1q_u8(block.as_ptr().add(16 * j)) });
            let space = v.map(|x| ascii_space(x));
            let lead = v.map(|x| space_lead(x));
            // Lead bytes are rare outside some scripts: their mask is made only when the
            // block holds one.
            let any_lead = vorrq_u8(vorrq_u8(lead[0], lead[1]), vorrq_u8(lead[2], lead[3]));
            let lead = if vmaxvq_u8(any_lead) == 0 {
                0
            } else {
                mask64(lead)
            };
            (mask64(space), lead)
        }
    }

    /// [`super::utf8_words`] with NEON masks.
    #[target_feature(enable = "neon")]
    pub(super) fn utf8_words(bytes: &[u8], start: usize, end: usize, f: impl FnMut(usize, usize)) {
        utf8_words_with::<Neon>(bytes, start, end, f)
    }

    struct NeonUnits;

    impl super::UnitMasks for NeonUnits {
        #[inline(always)]
        unsafe fn space<T: CodeUnit>(block: &[T; 64]) -> u64 {
            // SAFETY: the caller checked the CPU for NEON (see `super::storage_words`).
            unsafe { T::space_mask_neon(block) }
        }
    }

    /// [`super::storage_words`] with NEON masks.
    #[target_feature(enable = "neon")]
    pub(super) fn storage_words<T: CodeUnit>(
        units: &[T],
        start: usize,
        end: usize,
        f: impl FnMut(usize, usize),
    ) {
        super::storage_words_with::<T, NeonUnits>(units, start, end, f)
    }
}

/// Calls `f(a, b)` for each word `units[a..b]` of a `str`'s storage that starts in
/// `start..end`, in order.
///
/// Every unit is a whole character, so a block's whitespace is one compare a unit, with
/// no lead bytes to follow: 64 units a step, from AVX2 compares where the CPU has them
/// (asked at run time), from NEON on AArch64, else from a portable loop, then paired as
/// on UTF-8.
#[inline]
pub fn storage_words<T: CodeUnit>(
    units: &[T],
    start: usize,
    end: usize,
    f: impl FnMut(usize, usize),
) {
    #[cfg(target_arch = "x86_64")]
    if avx2::supported() {
        // SAFETY: the CPU has just been checked to support AVX2, BMI1, BMI2 and POPCNT.
        return unsafe { avx2::storage_words(units, start, end, f) };
    }
    #[cfg(target_arch = "aarch64")]
    if std::arch::is_aarch64_feature_detected!("neon") {
        // SAFETY: the CPU has just been checked to support NEON.
        return unsafe { neon::storage_words(units, start, end, f) };
    }
    storage_words_with::<T, PortableUnits>(units, start, end, f)
}

/// The whitespace mask of 64 units of a `str`'s storage: bit `i` for unit `i`.
trait UnitMasks {
    /// # Safety
    /// The CPU must support the instructions of the implementation.
    unsafe fn space<T: CodeUnit>(block: &[T; 64]) -> u64;
}

struct PortableUnits;

impl UnitMasks for PortableUnits {
    #[inline(always)]
    unsafe fn space<T: CodeUnit>(block: &[T; 64]) -> u64 {
        portable_space(block)
    }
}

/// The whitespace mask of up to 64 units, one at a time.
#[inline(always)]
fn portable_space<T: CodeUnit>(units: &[T]) -> u64 {
    let mut space = 0u64;
    for (i, u) in units.iter().enumerate() {
        space |= u64::from(is_space(u.code_point())) << i;
    }
    space
}

#[inline(always)] // into each UnitMasks' instance, so the masks inline into the loop
fn storage_words_with<T: CodeUnit, M: UnitMasks>(
    units: &[T],
    start: usize,
    end: usize,
    mut f: impl FnMut(usize, usize),
) {
    let space_at = |i: usize| is_space(units[i].code_point());
    let mut p = start;
    if start > 0 && !space_at(start - 1) {
        // The word under `start` began in the chunk before, which owns it: skip its rest,
        // but not past `end` (see `utf8_words_with`).
        while p < end && !space_at(p) {
            p += 1;
        }
    }
    if p >= end {
        return;
    }
    // From here the unit before `p` counts as whitespace: either it is, or `p` is the
    // whitespace after the skipped word.
    let mut pairing = Pairing::new();
    loop {
        #[cfg(target_arch = "x86_64")]
        for line in 0..std::mem::size_of::<T>() {
            // A block is 64 units: one cache line a byte of unit.
            crate::simd_x86_64::prefetch_ahead(units, p + line * 64 / std::mem::size_of::<T>());
        }
        let space = match units.get(p..p + 64) {
            // SAFETY: the caller of the instance checked the CPU (see `storage_words`).
            Some(block) => unsafe { M::space(block.try_into().expect("64 units")) },
            // The tail, as if whitespace followed: the last word ends at the text's end.
            None => {
                let rest = &units[p.min(units.len())..];
                portable_space(rest) | (!0u64 << rest.len())
            }
        };
        pairing.block(space, p, end, &mut f);
        p += 64;
        // Past the text, an open word is closed by the whitespace of one more block.
        if (p >= units.len() || p >= end) && pairing.done() {
            return;
        }
    }
}

/// The words of `bytes`, split as `str.split()` splits them, in order (by the byte rule
/// of [`whitespace_len`]), one byte at a time.
pub fn split_words(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut i = 0;
    std::iter::from_fn(move || {
        let mut start = None;
        while i < bytes.len() {
            match (whitespace_len(&bytes[i..]), start) {
                (Some(len), Some(s)) => {
                    let word = &bytes[s..i];
                    i += len;
                    return Some(word);
                }
                (Some(len), None) => i += len,
                (None, None) => {
                    start = Some(i);
                    i += 1;
                }
                (None, Some(_)) => i += 1,
            }
        }
        start.map(|s| &bytes[s..])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pychars::PY_WHITESPACE;
    use proptest::prelude::*;

    fn spans(bytes: &[u8], start: usize, end: usize) -> Vec<&[u8]> {
        let mut out = Vec::new();
        utf8_words(bytes, start, end, |a, b| out.push(&bytes[a..b]));
        let mut portable = Vec::new();
        utf8_words_with::<Portable>(bytes, start, end, |a, b| portable.push(&bytes[a..b]));
        assert_eq!(out, portable, "the portable masks disagree");
        out
    }

    fn text() -> impl Strategy<Value = String> {
        // Under Miri, the same long words without a regex: proptest parses a regex
        // strategy again for every value it draws, most of a case's time there.
        let long_word = if cfg!(miri) {
            let letters = prop::collection::vec(b'a'..=b'z', 60..=70);
            letters.prop_map(|w| String::from_utf8(w).unwrap()).boxed()
        } else {
            "[a-z]{60,70}".boxed()
        };
        let unit = prop_oneof![
            prop::sample::select(PY_WHITESPACE.to_vec()).prop_map(String::from),
            prop::sample::select(vec!["a", "bc", "é", "€", "😀", "\u{1B}", "\u{200B}"])
                .prop_map(String::from),
            long_word,
            any::<char>().prop_map(String::from),
        ];
        // Under Miri, fewer units: a byte costs a thousand times more there.
        let units = if cfg!(miri) { 0..24 } else { 0..80 };
        prop::collection::vec(unit, units).prop_map(|v| v.concat())
    }

    /// A character boundary at or after `at`.
    fn boundary(text: &str, at: usize) -> usize {
        let mut at = at.min(text.len());
        while !text.is_char_boundary(at) {
            at += 1;
        }
        at
    }

    proptest! {
        #![proptest_config(crate::proptest_config(6))]

        #[test]
        fn whole_text_matches_split(text in text()) {
            let bytes = text.as_bytes();
            prop_assert_eq!(spans(bytes, 0, bytes.len()), split_words(bytes).collect::<Vec<_>>());
        }

        #[test]
        fn ranges_partition_the_words(text in text(), cuts in prop::collection::vec(0usize..2000, 0..4)) {
            let bytes = text.as_bytes();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| boundary(&text, c)).collect();
            cuts.push(0);
            cuts.push(bytes.len());
            cuts.sort_unstable();
            let mut all = Vec::new();
            for w in cuts.windows(2) {
                all.extend(spans(bytes, w[0], w[1]));
            }
            prop_assert_eq!(all, split_words(bytes).collect::<Vec<_>>());
        }

        #[test]
        fn any_bytes_follow_the_byte_rule(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            prop_assert_eq!(spans(&bytes, 0, bytes.len()), split_words(&bytes).collect::<Vec<_>>());
        }

        #[test]
        fn storage_matches_split(text in text(), cuts in prop::collection::vec(0usize..2000, 0..4)) {
            let chars: Vec<u32> = text.chars().map(u32::from).collect();
            let expected: Vec<Vec<u32>> = text
                .split(crate::pychars::is_py_whitespace)
                .filter(|w| !w.is_empty())
                .map(|w| w.chars().map(u32::from).collect())
                .collect();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(chars.len())).collect();
            cuts.push(0);
            cuts.push(chars.len());
            cuts.sort_unstable();
            // Every width the text fits in, as CPython would store it and wider.
            prop_assert_eq!(storage_spans(&chars, &cuts), expected.clone());
            if let Ok(units) = chars.iter().map(|&c| u16::try_from(c)).collect::<Result<Vec<_>, _>>() {
                prop_assert_eq!(storage_spans(&units, &cuts), expected.clone());
            }
            if let Ok(units) = chars.iter().map(|&c| u8::try_from(c)).collect::<Result<Vec<_>, _>>() {
                prop_assert_eq!(storage_spans(&units, &cuts), expected);
            }
        }
    }

    /// The words of `units` over the consecutive ranges between `cuts`, as code points;
    /// the dispatcher's, checked against the portable masks'.
    fn storage_spans<T: CodeUnit>(units: &[T], cuts: &[usize]) -> Vec<Vec<u32>> {
        let mut words = Vec::new();
        let mut portable = Vec::new();
        for w in cuts.windows(2) {
            storage_words(units, w[0], w[1], |a, b| words.push((a, b)));
            storage_words_with::<T, PortableUnits>(units, w[0], w[1], |a, b| portable.push((a, b)));
        }
        assert_eq!(words, portable, "the portable masks disagree");
        words
            .into_iter()
            .map(|(a, b)| units[a..b].iter().map(|u| u.code_point()).collect())
            .collect()
    }

    #[test]
    fn storage_words_at_block_edges() {
        // Words and spaces of every kind ending and starting around the 64-unit blocks,
        // and units above U+FFFF whose low 16 bits are whitespace (never a space).
        // Under Miri, where a unit costs a thousand times more: the block edges alone, with
        // U+3000, which needs 16-bit units and shares its low 16 bits with U+13000 (each
        // space's mask is checked by `simd_space_masks_match_is_space_for_every_unit`).
        let (spaces, letters, ats, lens): (&[u32], &[u32], &[usize], &[usize]) = if cfg!(miri) {
            (&[0x3000], &[0x61, 0x1_3000], &[62, 64], &[1, 65])
        } else {
            (
                &[0x20, 0x85, 0xA0, 0x1680, 0x3000, 0x2028],
                &[0x61, 0xE9, 0x2014, 0x1_0020, 0x1_3000, 0xFFFF_0020],
                &[0, 1, 62, 63, 64, 65, 127, 128, 129],
                &[1, 2, 63, 64, 65, 130],
            )
        };
        for &space in spaces {
            for &letter in letters {
                for &at in ats {
                    for &len in lens {
                        let mut units = vec![letter; at];
                        units.push(space);
                        units.extend(std::iter::repeat_n(letter, len));
                        units.push(space);
                        units.extend(std::iter::repeat_n(letter, 3));
                        let expected: Vec<Vec<u32>> = units
                            .split(|&u| is_space(u))
                            .filter(|w| !w.is_empty())
                            .map(|w| w.to_vec())
                            .collect();
                        // A cut at the end leaves the text whole, as a cut at 0 does:
                        // under Miri, only the latter.
                        let cuts_at = [0, at, at + 1, at + 2, units.len()];
                        for &cut in &cuts_at[..if cfg!(miri) { 4 } else { 5 }] {
                            let cuts = [0, cut, units.len()];
                            assert_eq!(storage_spans(&units, &cuts), expected);
                            if let Ok(u) = units
                                .iter()
                                .map(|&c| u16::try_from(c))
                                .collect::<Result<Vec<_>, _>>()
                            {
                                assert_eq!(storage_spans(&u, &cuts), expected);
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn multibyte_spaces_across_blocks() {
        for space in ["\u{3000}", "\u{85}", "\u{2028}", "\u{1680}"] {
            for at in 58..70 {
                let text = format!("{}{space}b {}", "a".repeat(at), "c".repeat(100));
                let bytes = text.as_bytes();
                assert_eq!(
                    spans(bytes, 0, bytes.len()),
                    split_words(bytes).collect::<Vec<_>>()
                );
            }
        }
    }
}
