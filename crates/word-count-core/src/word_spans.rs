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
//! masks come from AVX2 where the CPU has it (asked at run time), else from a portable
//! loop. A block holding a lead byte checks each one with the byte rule of
//! [`whitespace_len`], which the multibyte whitespace characters spill into the next
//! block through `carry`.
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
    {
        if std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("bmi1")
            && std::arch::is_x86_feature_detected!("bmi2")
            && std::arch::is_x86_feature_detected!("popcnt")
        {
            // SAFETY: the CPU has just been checked to support AVX2, BMI1, BMI2 and POPCNT.
            return unsafe { avx2::utf8_words(bytes, start, end, f) };
        }
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
        // The word under `start` began in the chunk before, which owns it: skip its rest.
        while p < bytes.len() && whitespace_len(&bytes[p..]).is_none() {
            p += 1;
        }
    }
    if p >= end {
        return;
    }
    // From here the byte before `p` counts as whitespace: either it is, or `p` is the
    // start of a whitespace character after the skipped word.
    let mut prev_space = 1u64;
    let mut carry = 0u64;
    let mut word = NONE;
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
        let before = (space << 1) | prev_space;
        prev_space = space >> 63;
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
        if word != NONE && ends != 0 {
            f(word, p + ends.trailing_zeros() as usize);
            ends &= ends - 1;
            word = NONE;
        }
        // With a word still open, the block is all inside it: no start, no end.
        if word == NONE {
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
                word = p + starts.trailing_zeros() as usize;
            }
        }
        p += 64;
        // Past the text, an open word is closed by the padding of one more block.
        if (p >= bytes.len() || p >= end) && word == NONE {
            return;
        }
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

/// Calls `f(a, b)` for each word `units[a..b]` of a `str`'s storage that starts in
/// `start..end`, in order: every unit is a whole character, tested one by one.
#[inline]
pub fn storage_words<T: CodeUnit>(
    units: &[T],
    start: usize,
    end: usize,
    mut f: impl FnMut(usize, usize),
) {
    let space = |i: usize| is_space(units[i].code_point());
    let mut i = start;
    if start > 0 && !space(start - 1) {
        while i < units.len() && !space(i) {
            i += 1;
        }
    }
    loop {
        while i < end && space(i) {
            i += 1;
        }
        if i >= end {
            return;
        }
        let word = i;
        while i < units.len() && !space(i) {
            i += 1;
        }
        f(word, i);
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
        fn storage_matches_split(text in text(), cut in 0usize..200) {
            let units: Vec<u32> = text.chars().map(u32::from).collect();
            let cut = cut.min(units.len());
            let mut words: Vec<String> = Vec::new();
            for (a, b) in [(0, cut), (cut, units.len())] {
                storage_words(&units, a, b, |s, e| {
                    words.push(units[s..e].iter().map(|&c| char::from_u32(c).unwrap()).collect());
                });
            }
            let expected: Vec<&str> = text.split(crate::pychars::is_py_whitespace).filter(|w| !w.is_empty()).collect();
            prop_assert_eq!(words, expected);
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
