//! The word-start counting kernel: a portable scalar loop, and SIMD versions (AVX-512BW
//! or AVX2 on x86_64, NEON on AArch64) chosen at run time (wheels run on any x86_64, so the CPU is
//! asked, not assumed).
//!
//! A word start is a non-whitespace character preceded by whitespace (or by the start,
//! when the caller says the text before was whitespace). In a block of bytes whose only
//! non-ASCII bytes belong to non-whitespace characters, that is a pure byte test: a byte
//! starts a word if it is not ASCII whitespace and the byte before it is. Every byte of
//! a non-whitespace character is "not whitespace", so its continuation bytes never count.
//! Only the multibyte whitespace characters break this, and each begins with lead byte
//! C2, E1, E2 or E3; a block holding one of those is counted by the scalar loop. Both
//! follow the byte rule of [`crate::pychars::whitespace_len`], so they agree on any bytes.

use crate::pychars::whitespace_len;

/// The number of word starts in `bytes` (see the module docs); `after_space` says
/// whether the character before `bytes` was whitespace.
pub fn count_word_starts(bytes: &[u8], after_space: bool) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        // The macro also checks that the OS saves the 512-bit registers (XCR0).
        // POPCNT is asked for with each: `target_feature(enable = "avx2")` does not imply
        // it, and without it `count_ones` compiled to a dozen-instruction bit count.
        if std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("popcnt")
        {
            // SAFETY: the CPU has just been checked to support AVX-512BW (and with it
            // AVX-512F, which the macro's check of avx512bw implies) and POPCNT.
            return unsafe { avx512::count_word_starts(bytes, after_space) };
        }
        if std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("popcnt")
        {
            // SAFETY: the CPU has just been checked to support AVX2 and POPCNT.
            return unsafe { avx2::count_word_starts(bytes, after_space) };
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        // NEON is part of every AArch64 Linux target, but asking costs one load of a
        // cached flag and keeps the rule "the CPU is asked, not assumed".
        if std::arch::is_aarch64_feature_detected!("neon") {
            // SAFETY: the CPU has just been checked to support NEON.
            return unsafe { neon::count_word_starts(bytes, after_space) };
        }
    }
    scalar(bytes, 0, bytes.len(), after_space).0
}

/// Count the word starts among the bytes from `start` to `end`, by the byte rule of
/// [`whitespace_len`]. A whitespace character that begins before `end` is read whole,
/// even past `end`. Returns the count, the position just after the last byte read (at or
/// past `end`), and whether that byte ended whitespace.
#[inline]
pub(crate) fn scalar(
    bytes: &[u8],
    start: usize,
    end: usize,
    after_space: bool,
) -> (usize, usize, bool) {
    let mut count = 0;
    let mut in_space = after_space;
    let mut i = start;
    while i < end {
        match whitespace_len(&bytes[i..]) {
            Some(len) => {
                in_space = true;
                i += len;
            }
            None => {
                count += usize::from(in_space);
                in_space = false;
                i += 1;
            }
        }
    }
    (count, i, in_space)
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::scalar;
    use crate::simd_x86_64::{in_range8, prefetch_ahead};

    #[target_feature(enable = "avx2,popcnt")]
    pub(super) fn count_word_starts(bytes: &[u8], after_space: bool) -> usize {
        const BLOCK: usize = 32;
        let mut count = 0;
        let mut in_space = after_space;
        let mut i = 0;
        while i + BLOCK <= bytes.len() {
            // SAFETY: i + 32 <= len, so the unaligned 32-byte load stays inside `bytes`.
            let v = unsafe { _mm256_loadu_si256(bytes.as_ptr().add(i).cast()) };
            prefetch_ahead(bytes, i);
            // Python's ASCII whitespace: 09..0D and 1C..20.
            let space = _mm256_or_si256(in_range8(v, 0x09, 5), in_range8(v, 0x1C, 5));
            // Lead bytes of multibyte whitespace: C2, E1, E2, E3.
            let lead = _mm256_or_si256(
                _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0xC2u8 as i8)),
                in_range8(v, 0xE1, 3),
            );
            if _mm256_movemask_epi8(lead) != 0 {
                // Rare outside some scripts: count this block character by character,
                // reading its last character whole, so the next block starts on a
                // character boundary.
                let (n, next, was_space) = scalar(bytes, i, i + BLOCK, in_space);
                count += n;
                i = next;
                in_space = was_space;
                continue;
            }
            let space = _mm256_movemask_epi8(space) as u32;
            let before = (space << 1) | u32::from(in_space);
            count += (!space & before).count_ones() as usize;
            in_space = space >> 31 != 0;
            i += BLOCK;
        }
        count + scalar(bytes, i, bytes.len(), in_space).0
    }
}

/// The AVX-512BW kernel: the AVX2 one on 64-byte blocks, with comparisons that give a
/// 64-bit mask directly (one bit per byte) instead of a vector to `movemask`.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    use super::scalar;
    use crate::simd_x86_64::{in_range8_mask, prefetch_ahead};

    #[target_feature(enable = "avx512bw,popcnt")]
    pub(super) fn count_word_starts(bytes: &[u8], after_space: bool) -> usize {
        const BLOCK: usize = 64;
        let mut count = 0;
        let mut in_space = after_space;
        let mut i = 0;
        while i + BLOCK <= bytes.len() {
            // SAFETY: i + 64 <= len, so the unaligned 64-byte load stays inside `bytes`.
            let v = unsafe { _mm512_loadu_si512(bytes.as_ptr().add(i).cast()) };
            prefetch_ahead(bytes, i);
            // Lead bytes of multibyte whitespace: C2, E1, E2, E3.
            let lead = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0xC2u8 as i8))
                | in_range8_mask(v, 0xE1, 3);
            if lead != 0 {
                // As in the AVX2 kernel: this block character by character.
                let (n, next, was_space) = scalar(bytes, i, i + BLOCK, in_space);
                count += n;
                i = next;
                in_space = was_space;
                continue;
            }
            // Python's ASCII whitespace: 09..0D and 1C..20.
            let space: u64 = in_range8_mask(v, 0x09, 5) | in_range8_mask(v, 0x1C, 5);
            let before = (space << 1) | u64::from(in_space);
            count += (!space & before).count_ones() as usize;
            in_space = space >> 63 != 0;
            i += BLOCK;
        }
        count + scalar(bytes, i, bytes.len(), in_space).0
    }
}

/// The AArch64 kernel. NEON has no byte mask like AVX2's `movemask`, so the word starts
/// stay in vector lanes: each 16-byte vector's "is space" lanes are shifted by one byte,
/// taking the last lane of the vector before (`vext`), and a word start is a lane that
/// is not space with a space lane before it. The lanes (0xFF for a start) are subtracted
/// from a byte accumulator, which is summed across lanes before any lane can overflow.
#[cfg(target_arch = "aarch64")]
mod neon {
    use std::arch::aarch64::*;

    use super::scalar;
    use crate::simd_aarch64::{ascii_space, space_lead};

    #[target_feature(enable = "neon")]
    pub(super) fn count_word_starts(bytes: &[u8], after_space: bool) -> usize {
        const BLOCK: usize = 64;
        // Each block adds at most 4 to a lane of `acc` (one per vector): 63 blocks
        // stay within a byte (252).
        const BLOCKS_PER_FLUSH: u32 = 63;
        let mut count = 0;
        let mut acc = vdupq_n_u8(0);
        let mut pending = 0;
        // Only the last lane of `prev` is read: whether the byte before the block was
        // whitespace.
        let mut prev = vdupq_n_u8(if after_space { 0xFF } else { 0 });
        let mut i = 0;
        while i + BLOCK <= bytes.len() {
            let p = bytes.as_ptr();
            // SAFETY: i + 64 <= len, so the four 16-byte loads stay inside `bytes`.
            let v = unsafe {
                [
                    vld1q_u8(p.add(i)),
                    vld1q_u8(p.add(i + 16)),
                    vld1q_u8(p.add(i + 32)),
                    vld1q_u8(p.add(i + 48)),
                ]
            };
            let leads = vorrq_u8(
                vorrq_u8(space_lead(v[0]), space_lead(v[1])),
                vorrq_u8(space_lead(v[2]), space_lead(v[3])),
            );
            if vmaxvq_u8(leads) != 0 {
                // Rare outside some scripts: count this block character by character,
                // reading its last character whole, so the next block starts on a
                // character boundary.
                let in_space = vgetq_lane_u8::<15>(prev) != 0;
                let (n, next, was_space) = scalar(bytes, i, i + BLOCK, in_space);
                count += n;
                i = next;
                prev = vdupq_n_u8(if was_space { 0xFF } else { 0 });
                continue;
            }
            for &vector in &v {
                let space = ascii_space(vector);
                let before = vextq_u8::<15>(prev, space);
                // 0xFF where a word starts: not space, after space.
                acc = vsubq_u8(acc, vbicq_u8(before, space));
                prev = space;
            }
            i += BLOCK;
            pending += 1;
            if pending == BLOCKS_PER_FLUSH {
                count += usize::from(vaddlvq_u8(acc));
                acc = vdupq_n_u8(0);
                pending = 0;
            }
        }
        count += usize::from(vaddlvq_u8(acc));
        count + scalar(bytes, i, bytes.len(), vgetq_lane_u8::<15>(prev) != 0).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pychars::PY_WHITESPACE;
    use proptest::prelude::*;

    fn scalar_only(bytes: &[u8], after_space: bool) -> usize {
        scalar(bytes, 0, bytes.len(), after_space).0
    }

    type Kernel = fn(&[u8], bool) -> usize;

    /// The dispatching entry point and every SIMD kernel this CPU can run, each called
    /// directly: the dispatcher takes only the best one, and the others ship too.
    fn kernels() -> Vec<(&'static str, Kernel)> {
        let mut all: Vec<(&'static str, Kernel)> = vec![("dispatch", count_word_starts)];
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("popcnt")
        {
            // SAFETY: the CPU has just been checked to support AVX-512BW and POPCNT.
            all.push(("avx512bw", |b, a| unsafe {
                avx512::count_word_starts(b, a)
            }));
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("popcnt")
        {
            // SAFETY: the CPU has just been checked to support AVX2 and POPCNT.
            all.push(("avx2", |b, a| unsafe { avx2::count_word_starts(b, a) }));
        }
        #[cfg(target_arch = "aarch64")]
        if std::arch::is_aarch64_feature_detected!("neon") {
            // SAFETY: the CPU has just been checked to support NEON.
            all.push(("neon", |b, a| unsafe { neon::count_word_starts(b, a) }));
        }
        all
    }

    fn assert_kernels_agree(bytes: &[u8], after_space: bool) {
        let want = scalar_only(bytes, after_space);
        for (name, kernel) in kernels() {
            assert_eq!(
                kernel(bytes, after_space),
                want,
                "{name} on {:?}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    #[test]
    fn names_the_kernels_it_checks() {
        // Shown with --nocapture: which kernels this CPU ran (an emulator's run of the
        // tests, e.g. for AVX-512BW, proves it reached the kernel by this line).
        let names: Vec<_> = kernels().iter().map(|(name, _)| *name).collect();
        println!("word_starts kernels checked: {}", names.join(", "));
        assert_eq!(names[0], "dispatch");
    }

    #[test]
    fn long_texts_of_one_letter_words() {
        // The densest word starts there are, over enough blocks to overflow any
        // per-lane counter that is not flushed in time (NEON's byte lanes), with the
        // lengths around the flush points.
        // Under Miri, where a byte costs a thousand times more, the lengths around the x86
        // blocks only: Miri cannot run the NEON kernel, whose flushes the others test.
        let lens: &[usize] = if cfg!(miri) {
            &[0, 1, 31, 32, 33, 63, 64, 65, 129]
        } else {
            &[
                0, 1, 63, 64, 65, 4031, 4032, 4033, 4095, 4096, 8064, 20_000, 100_003,
            ]
        };
        for &len in lens {
            let text: Vec<u8> = b"a ".iter().copied().cycle().take(len).collect();
            for after in [true, false] {
                assert_kernels_agree(&text, after);
                assert_kernels_agree(&text[1.min(len)..], after);
            }
        }
        let mut text = b"x\ty z\n".repeat(if cfg!(miri) { 50 } else { 20_000 });
        text.extend("\u{3000}é".as_bytes());
        assert_kernels_agree(&text, true);
    }

    #[test]
    fn blocks_straddled_by_every_kind_of_character() {
        // Put each multibyte whitespace and a few other characters at every offset
        // around the block edges (32 bytes for AVX2, 64 for AVX-512BW and NEON).
        let mut specials: Vec<String> = PY_WHITESPACE.iter().map(|c| c.to_string()).collect();
        specials.extend(["é", "€", "😀", "\u{200B}", "\u{FEFF}", "x"].map(String::from));
        // Under Miri, where this takes an hour: the multibyte spaces of each lead byte (C2,
        // E1, E2, E3), and a two- and a four-byte other, just before each block edge.
        let miri_specials = ["\u{85}", "\u{1680}", "\u{2028}", "\u{3000}", "é", "😀"];
        let pads: Vec<usize> = if cfg!(miri) {
            specials.retain(|s| miri_specials.contains(&s.as_str()));
            [29, 30, 31, 32, 61, 62, 63, 64].into()
        } else {
            (0..140).collect()
        };
        for s in &specials {
            for &pad in &pads {
                let text = format!(
                    "{}{s}y{}{s}",
                    "a ".repeat(pad / 2) + &"b".repeat(pad % 2),
                    " z".repeat(20)
                );
                for after in [true, false] {
                    assert_kernels_agree(text.as_bytes(), after);
                }
            }
        }
    }

    proptest! {
        #![proptest_config(crate::proptest_config(8))]

        #[test]
        fn simd_matches_scalar_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300), after in any::<bool>()) {
            assert_kernels_agree(&bytes, after);
        }

        #[test]
        fn simd_matches_scalar_on_mostly_ascii_text(
            parts in prop::collection::vec(prop::sample::select(vec![
                "word", " ", "  ", "\t", "\n", "\u{1C}", "é", "\u{A0}", "\u{3000}", "\u{2028}", "😀", "\u{85}"
            ]), 0..120),
            after in any::<bool>(),
        ) {
            let text = parts.concat();
            assert_kernels_agree(text.as_bytes(), after);
        }
    }
}
