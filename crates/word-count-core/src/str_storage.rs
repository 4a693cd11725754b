//! The word-start kernels on a Python `str`'s own storage: code units of 1, 2 or 4 bytes
//! (CPython's PEP 393 kinds: Latin-1, UCS-2, UCS-4), one unit per code point, so every
//! unit is a whole character and no block ever needs a scalar escape. The operations on
//! such text are the generic ones ([`crate::encoding::Storage`]); this module plugs in what
//! is particular to a width: the SIMD kernel, and the scalar model it is tested against.

use crate::pychars::is_py_whitespace;

mod sealed {
    pub trait Sealed {}
    impl Sealed for u8 {}
    impl Sealed for u16 {}
    impl Sealed for u32 {}
}

/// A code unit of a `str`'s storage: u8, u16 or u32 (sealed: `as_bytes` relies on it).
pub trait CodeUnit: sealed::Sealed + Copy + Eq + Send + Sync + TryFrom<u32> + 'static {
    fn code_point(self) -> u32;

    /// The word starts in `units` (see [`scalar_word_starts`]); SIMD where there is a
    /// kernel for this width and the CPU has it.
    fn word_starts(units: &[Self], after_space: bool) -> usize {
        scalar_word_starts(units, after_space)
    }

    /// Bit `i` set where unit `i` of `block` is whitespace, from AVX2 compares: the masks
    /// [`crate::word_spans`] finds the words of a `str`'s storage with.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[cfg(target_arch = "x86_64")]
    unsafe fn space_mask_avx2(block: &[Self; 64]) -> u64;

    /// The same mask from NEON compares.
    ///
    /// # Safety
    /// The CPU must support NEON.
    #[cfg(target_arch = "aarch64")]
    unsafe fn space_mask_neon(block: &[Self; 64]) -> u64;

    /// The bytes of `units` in memory order.
    fn as_bytes(units: &[Self]) -> &[u8] {
        // SAFETY: `Self` is u8, u16 or u32 (the trait is sealed): no padding, so every
        // byte of the slice is initialised, and u8 has no alignment or validity
        // requirement. The byte slice borrows `units`, so it lives no longer than they do.
        unsafe {
            std::slice::from_raw_parts(units.as_ptr().cast::<u8>(), std::mem::size_of_val(units))
        }
    }
}

/// The SIMD kernel the CPU has for these units (asked at run time: wheels run on any
/// x86_64 or AArch64), else the scalar loop.
macro_rules! simd_or_scalar {
    ($units:expr, $after_space:expr, $(avx512: $avx512:path,)? avx2: $avx2:path, neon: $neon:path) => {{
        #[cfg(target_arch = "x86_64")]
        {
            // With POPCNT for the kernels' `count_ones` (see word_starts). The macro also
            // checks that the OS saves the 512-bit registers (XCR0).
            $(
                if std::arch::is_x86_feature_detected!("avx512bw")
                    && std::arch::is_x86_feature_detected!("popcnt")
                {
                    // SAFETY: the CPU has just been checked to support AVX-512BW and POPCNT.
                    return unsafe { $avx512($units, $after_space) };
                }
            )?
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("popcnt")
            {
                // SAFETY: the CPU has just been checked to support AVX2 and POPCNT.
                return unsafe { $avx2($units, $after_space) };
            }
        }
        #[cfg(target_arch = "aarch64")]
        {
            if std::arch::is_aarch64_feature_detected!("neon") {
                // SAFETY: the CPU has just been checked to support NEON.
                return unsafe { $neon($units, $after_space) };
            }
        }
        scalar_word_starts($units, $after_space)
    }};
}

impl CodeUnit for u8 {
    #[inline]
    fn code_point(self) -> u32 {
        u32::from(self)
    }

    fn word_starts(units: &[u8], after_space: bool) -> usize {
        simd_or_scalar!(
            units,
            after_space,
            avx512: avx512::latin1_word_starts,
            avx2: avx2::latin1_word_starts,
            neon: neon::latin1_word_starts
        )
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn space_mask_avx2(block: &[u8; 64]) -> u64 {
        // SAFETY: the caller checked the CPU for AVX2.
        unsafe { avx2::latin1_space_mask(block) }
    }

    #[cfg(target_arch = "aarch64")]
    #[inline(always)]
    unsafe fn space_mask_neon(block: &[u8; 64]) -> u64 {
        // SAFETY: the caller checked the CPU for NEON.
        unsafe { neon::latin1_space_mask(block) }
    }
}

impl CodeUnit for u16 {
    #[inline]
    fn code_point(self) -> u32 {
        u32::from(self)
    }

    fn word_starts(units: &[u16], after_space: bool) -> usize {
        simd_or_scalar!(
            units,
            after_space,
            avx512: avx512::ucs2_word_starts,
            avx2: avx2::ucs2_word_starts,
            neon: neon::ucs2_word_starts
        )
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn space_mask_avx2(block: &[u16; 64]) -> u64 {
        // SAFETY: the caller checked the CPU for AVX2.
        unsafe { avx2::ucs2_space_mask(block) }
    }

    #[cfg(target_arch = "aarch64")]
    #[inline(always)]
    unsafe fn space_mask_neon(block: &[u16; 64]) -> u64 {
        // SAFETY: the caller checked the CPU for NEON.
        unsafe { neon::ucs2_space_mask(block) }
    }
}

/// A kernel here too: a `str` is stored in UCS-4 as soon as it holds one character above
/// U+FFFF (an emoji, say), so a long text may be, and the scalar loop read such a text
/// at 0.54 G characters a second on 3.13t (Intel Xeon, family 6, model 167), a ninth of
/// the UCS-2 kernel's speed there.
impl CodeUnit for u32 {
    #[inline]
    fn code_point(self) -> u32 {
        self
    }

    /// No AVX-512BW kernel: one that narrowed 64-byte vectors and tested 16-bit lanes into
    /// mask registers read 3.3-4.3 G units a second on an Intel Xeon (family 6, model
    /// 207), where the AVX2 kernel, which tests bytes, reads 4.5-6.2 (in and out of the
    /// cache).
    fn word_starts(units: &[u32], after_space: bool) -> usize {
        simd_or_scalar!(
            units,
            after_space,
            avx2: avx2::ucs4_word_starts,
            neon: neon::ucs4_word_starts
        )
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn space_mask_avx2(block: &[u32; 64]) -> u64 {
        // SAFETY: the caller checked the CPU for AVX2.
        unsafe { avx2::ucs4_space_mask(block) }
    }

    #[cfg(target_arch = "aarch64")]
    #[inline(always)]
    unsafe fn space_mask_neon(block: &[u32; 64]) -> u64 {
        // SAFETY: the caller checked the CPU for NEON.
        unsafe { neon::ucs4_space_mask(block) }
    }
}

/// Is code point `c` one of Python's 29 whitespace characters? A table for Latin-1, the
/// common case, and [`is_py_whitespace`] above it.
#[inline]
pub(crate) fn is_space(c: u32) -> bool {
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

/// The word starts in `units`, one unit at a time: the portable kernel, and the model
/// the SIMD kernels are tested against. `after_space` says whether the unit before
/// `units` was whitespace (true at the start of the text).
pub fn scalar_word_starts<T: CodeUnit>(units: &[T], after_space: bool) -> usize {
    let mut count = 0;
    let mut in_space = after_space;
    for &u in units {
        let space = is_space(u.code_point());
        count += usize::from(in_space & !space);
        in_space = space;
    }
    count
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    //! Word starts in Latin-1, UCS-2 and UCS-4 storage, 32 bytes at a time (UCS-4: 64
    //! bytes, narrowed to 32). Unlike UTF-8, every unit is a whole character, so no block
    //! ever needs the scalar loop: whitespace is a set of unit values, compared lane by
    //! lane.

    use std::arch::x86_64::*;

    use super::{scalar_word_starts, CodeUnit};
    use crate::simd_x86_64::{eq16, in_range8, prefetch_ahead};

    /// Latin-1: 09..0D, 1C..20, 85 and A0.
    #[target_feature(enable = "avx2,popcnt")]
    pub(super) fn latin1_word_starts(units: &[u8], after_space: bool) -> usize {
        let mut count = 0;
        let mut in_space = after_space;
        let mut chunks = units.chunks_exact(32);
        for chunk in &mut chunks {
            // SAFETY: `chunk` is 32 bytes, the size of the unaligned load.
            let v = unsafe { _mm256_loadu_si256(chunk.as_ptr().cast()) };
            prefetch_ahead(chunk, 0);
            let space = _mm256_movemask_epi8(latin1_space(v)) as u32;
            let before = (space << 1) | u32::from(in_space);
            count += (!space & before).count_ones() as usize;
            in_space = space >> 31 != 0;
        }
        count + scalar_word_starts(chunks.remainder(), in_space)
    }

    /// UCS-2: the Latin-1 set and 1680, 2000..200A, 2028, 2029, 202F, 205F, 3000.
    #[target_feature(enable = "avx2,popcnt")]
    pub(super) fn ucs2_word_starts(units: &[u16], after_space: bool) -> usize {
        lane_word_starts(units, after_space, |chunk| load16(chunk))
    }

    /// UCS-4: the UCS-2 kernel on units narrowed to 16 bits (see [`narrow16`]).
    #[target_feature(enable = "avx2,popcnt")]
    pub(super) fn ucs4_word_starts(units: &[u32], after_space: bool) -> usize {
        lane_word_starts(units, after_space, |chunk| narrow16(chunk))
    }

    /// The word starts in `units`, taken 32 at a time as two vectors of the 16-bit lanes
    /// `lanes` makes of 16 units, and classified as UCS-2.
    #[inline]
    #[target_feature(enable = "avx2,popcnt")]
    fn lane_word_starts<T: CodeUnit>(
        units: &[T],
        after_space: bool,
        lanes: impl Fn(&[T; 16]) -> __m256i,
    ) -> usize {
        let mut count = 0;
        let mut in_space = after_space;
        let (chunks, rest) = units.as_chunks::<32>();
        for chunk in chunks {
            // One prefetch a 32 bytes: two for UCS-2, four for UCS-4.
            for at in (0..32).step_by(32 / std::mem::size_of::<T>()) {
                prefetch_ahead(chunk, at);
            }
            let (sixteens, _) = chunk.as_chunks::<16>();
            let (a, b) = (lanes(&sixteens[0]), lanes(&sixteens[1]));
            let space = _mm256_movemask_epi8(space_bytes(a, b)) as u32;
            let before = (space << 1) | u32::from(in_space);
            count += (!space & before).count_ones() as usize;
            in_space = space >> 31 != 0;
        }
        count + scalar_word_starts(rest, in_space)
    }

    /// 16 units of UCS-2 as one vector.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn load16(units: &[u16; 16]) -> __m256i {
        // SAFETY: 16 units of 2 bytes, the size of the unaligned load.
        unsafe { _mm256_loadu_si256(units.as_ptr().cast()) }
    }

    /// 16 units of UCS-4 narrowed to 16 bits, in order. `packus` saturates: a unit above
    /// FFFF becomes FFFF, and one of 2**31 or more (a negative lane to it; never a code
    /// point, but any u32 may be given) 0. Neither is whitespace, as no character above
    /// U+3000 is; truncating instead would make U+12000 a U+2000. It packs within each
    /// 128-bit half (a0-3 b0-3 a4-7 b4-7): the permute puts the lanes back in order.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn narrow16(units: &[u32; 16]) -> __m256i {
        // SAFETY: 16 units of 4 bytes: two unaligned 32-byte loads.
        let (a, b) = unsafe {
            let p = units.as_ptr();
            (
                _mm256_loadu_si256(p.cast()),
                _mm256_loadu_si256(p.add(8).cast()),
            )
        };
        _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packus_epi32(a, b))
    }

    /// The bytes of `v` that are Latin-1 whitespace (0xFF).
    #[inline]
    #[target_feature(enable = "avx2")]
    fn latin1_space(v: __m256i) -> __m256i {
        _mm256_or_si256(
            _mm256_or_si256(in_range8(v, 0x09, 5), in_range8(v, 0x1C, 5)),
            _mm256_or_si256(
                _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x85u8 as i8)),
                _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0xA0u8 as i8)),
            ),
        )
    }

    /// Bit `i` set where `block[i]` is Latin-1 whitespace.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(super) fn latin1_space_mask(block: &[u8; 64]) -> u64 {
        let [a, b] = halves(block).map(|half| {
            // SAFETY: 32 bytes, the size of the unaligned load.
            latin1_space(unsafe { _mm256_loadu_si256(half.as_ptr().cast()) })
        });
        mask64(a, b)
    }

    /// Bit `i` set where `block[i]` is whitespace (the UCS-2 set).
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(super) fn ucs2_space_mask(block: &[u16; 64]) -> u64 {
        let [a, b, c, d] = quarters(block).map(|q| load16(q));
        mask64(space_bytes(a, b), space_bytes(c, d))
    }

    /// Bit `i` set where `block[i]` is whitespace (the UCS-2 set; no unit above U+FFFF).
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(super) fn ucs4_space_mask(block: &[u32; 64]) -> u64 {
        let [a, b, c, d] = quarters(block).map(|q| narrow16(q));
        mask64(space_bytes(a, b), space_bytes(c, d))
    }

    fn halves<T>(block: &[T; 64]) -> [&[T; 32]; 2] {
        let (h, _) = block.as_chunks::<32>();
        [&h[0], &h[1]]
    }

    fn quarters<T>(block: &[T; 64]) -> [&[T; 16]; 4] {
        let (q, _) = block.as_chunks::<16>();
        [&q[0], &q[1], &q[2], &q[3]]
    }

    /// The whitespace of 32 units, 16-bit lanes `a` then `b`, as 32 bytes in order: 0xFF
    /// where a unit is whitespace (the UCS-2 set: the Latin-1 set and 1680, 2000..200A,
    /// 2028, 2029, 202F, 205F, 3000).
    ///
    /// Most of the set is tested on bytes, 32 lanes a compare rather than 16:
    /// - the units as Latin-1: `packus` keeps 00..FF and saturates every unit above to FF,
    ///   or to 00 from 8000 on (negative to it), and neither FF nor 00 is whitespace;
    /// - U+2000 to U+20FF as their low byte: `xor 2000` makes them 00..FF and every other
    ///   unit more, which `min` caps at FF, none of the bytes tested (without it, `packus`
    ///   would take a unit of 8000 or more for negative and make it 00, U+2000's byte).
    ///
    /// Only U+1680 and U+3000 are compared as 16-bit lanes. Both packs interleave the
    /// 128-bit halves of `a` and `b` alike (a0-7 b0-7 a8-15 b8-15), so the bytes are
    /// classified in that order and put back in order once. Against ten tests of 16-bit
    /// lanes, on an Intel Xeon (family 6, model 207): 77 instructions a block of 64
    /// units instead of 118 (callgrind), and the AVX2 word-start kernel 1.4 times as
    /// fast on UCS-2 and UCS-4 text (UCS-2: 5.1-5.3 -> 6.9-7.4 G units a second).
    #[inline]
    #[target_feature(enable = "avx2")]
    fn space_bytes(a: __m256i, b: __m256i) -> __m256i {
        let latin1 = latin1_space(_mm256_packus_epi16(a, b));
        let low_of_20xx = |v| {
            _mm256_min_epu16(
                _mm256_xor_si256(v, _mm256_set1_epi16(0x2000)),
                _mm256_set1_epi16(0xFF),
            )
        };
        let low = _mm256_packus_epi16(low_of_20xx(a), low_of_20xx(b));
        let general = _mm256_or_si256(
            _mm256_or_si256(in_range8(low, 0x00, 11), in_range8(low, 0x28, 2)),
            _mm256_or_si256(
                _mm256_cmpeq_epi8(low, _mm256_set1_epi8(0x2F)),
                _mm256_cmpeq_epi8(low, _mm256_set1_epi8(0x5F)),
            ),
        );
        let others = |v| _mm256_or_si256(eq16(v, 0x1680), eq16(v, 0x3000));
        let others = _mm256_packs_epi16(others(a), others(b));
        _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_or_si256(
            _mm256_or_si256(latin1, general),
            others,
        ))
    }

    /// The sign bits of 64 bytes, `lo` then `hi`, as one mask.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn mask64(lo: __m256i, hi: __m256i) -> u64 {
        let lo = u64::from(_mm256_movemask_epi8(lo) as u32);
        let hi = u64::from(_mm256_movemask_epi8(hi) as u32);
        lo | hi << 32
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    //! The AVX2 kernels with 64-byte vectors and AVX-512BW compares, which give a mask
    //! bit a lane: no `movemask`. 64 units a step, in Latin-1 and in UCS-2. UCS-4 has
    //! none (see its `word_starts`).

    use std::arch::x86_64::*;

    use super::scalar_word_starts;
    use crate::simd_x86_64::{eq16_mask, in_range8_mask, prefetch_ahead};

    /// Latin-1: 09..0D, 1C..20, 85 and A0.
    #[target_feature(enable = "avx512bw,popcnt")]
    pub(super) fn latin1_word_starts(units: &[u8], after_space: bool) -> usize {
        let mut count = 0;
        let mut in_space = after_space;
        let (chunks, rest) = units.as_chunks::<64>();
        for chunk in chunks {
            // SAFETY: `chunk` is 64 bytes, the size of the unaligned load.
            let v = unsafe { _mm512_loadu_si512(chunk.as_ptr().cast()) };
            prefetch_ahead(chunk, 0);
            let space = latin1_space(v);
            let before = (space << 1) | u64::from(in_space);
            count += (!space & before).count_ones() as usize;
            in_space = space >> 63 != 0;
        }
        count + scalar_word_starts(rest, in_space)
    }

    /// The bytes of `v` that are Latin-1 whitespace, a bit each.
    #[inline]
    #[target_feature(enable = "avx512bw")]
    fn latin1_space(v: __m512i) -> u64 {
        in_range8_mask(v, 0x09, 5)
            | in_range8_mask(v, 0x1C, 5)
            | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x85u8 as i8))
            | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0xA0u8 as i8))
    }

    /// UCS-2: the Latin-1 set and 1680, 2000..200A, 2028, 2029, 202F, 205F, 3000.
    #[target_feature(enable = "avx512bw,popcnt")]
    pub(super) fn ucs2_word_starts(units: &[u16], after_space: bool) -> usize {
        let mut count = 0;
        let mut in_space = after_space;
        let (chunks, rest) = units.as_chunks::<64>();
        for chunk in chunks {
            prefetch_ahead(chunk, 0);
            prefetch_ahead(chunk, 32);
            let space = ucs2_space_mask(chunk);
            let before = (space << 1) | u64::from(in_space);
            count += (!space & before).count_ones() as usize;
            in_space = space >> 63 != 0;
        }
        count + scalar_word_starts(rest, in_space)
    }

    /// Bit `i` set where `block[i]` is whitespace: the UCS-2 set, tested on bytes as the
    /// AVX2 kernel's `space_bytes` does (its comment says how), and only U+1680 and U+3000
    /// as 16-bit lanes.
    ///
    /// A compare into a mask register runs on one port on Intel, as a shuffle does: this
    /// makes 12 compares and 4 shuffles a block of 64 units, where ten compares of 16-bit
    /// lanes a vector made 20. On an Intel Xeon (family 6, model 207) the kernel went from
    /// 7.1-8.7 to 10.4-10.7 G units a second on 200 KB of text, 7.9-8.2 to 9.3-9.9 on
    /// 16 MB.
    #[inline]
    #[target_feature(enable = "avx512bw")]
    pub(super) fn ucs2_space_mask(block: &[u16; 64]) -> u64 {
        // SAFETY: 64 units of 2 bytes: two unaligned 64-byte loads.
        let (a, b) = unsafe {
            let p = block.as_ptr();
            (
                _mm512_loadu_si512(p.cast()),
                _mm512_loadu_si512(p.add(32).cast()),
            )
        };
        // `packus` interleaves `x` and `y` by 8 units in each 128-bit lane: the 64-bit
        // permute puts all of `x` first, in order, then all of `y`.
        let order = _mm512_set_epi64(7, 5, 3, 1, 6, 4, 2, 0);
        let bytes = |x, y| _mm512_permutexvar_epi64(order, _mm512_packus_epi16(x, y));
        let latin1 = bytes(a, b);
        let low_of_20xx = |v| {
            _mm512_min_epu16(
                _mm512_xor_si512(v, _mm512_set1_epi16(0x2000)),
                _mm512_set1_epi16(0xFF),
            )
        };
        let low = bytes(low_of_20xx(a), low_of_20xx(b));
        let l = latin1_space(latin1);
        let g = _mm512_cmplt_epu8_mask(low, _mm512_set1_epi8(11))
            | in_range8_mask(low, 0x28, 2)
            | _mm512_cmpeq_epi8_mask(low, _mm512_set1_epi8(0x2F))
            | _mm512_cmpeq_epi8_mask(low, _mm512_set1_epi8(0x5F));
        let others = |v| u64::from(eq16_mask(v, 0x1680) | eq16_mask(v, 0x3000));
        l | g | others(a) | others(b) << 32
    }
}

#[cfg(target_arch = "aarch64")]
mod neon {
    //! The same kernels for AArch64, 16 units at a time in every width, each classified
    //! as a byte (UCS-2 and UCS-4 as the AVX2 kernels do, see [`space_bytes`]), with
    //! word starts kept in vector lanes as in [`crate::word_starts::neon`]: the "is space"
    //! lanes shifted by one unit (`vext`), a start where a lane is not space and the one
    //! before it is, subtracted from a lane accumulator (0xFF is -1) that is summed
    //! before it can overflow.

    use std::arch::aarch64::*;

    use super::{scalar_word_starts, CodeUnit};
    use crate::simd_aarch64::{eq16, in_range8, mask64};

    /// Latin-1: 09..0D, 1C..20, 85 and A0.
    #[target_feature(enable = "neon")]
    pub(super) fn latin1_word_starts(units: &[u8], after_space: bool) -> usize {
        byte_word_starts(units, after_space, |chunk| {
            // SAFETY: `chunk` is 16 bytes, the size of the load.
            latin1_space(unsafe { vld1q_u8(chunk.as_ptr()) })
        })
    }

    /// UCS-2: the Latin-1 set and 1680, 2000..200A, 2028, 2029, 202F, 205F, 3000.
    #[target_feature(enable = "neon")]
    pub(super) fn ucs2_word_starts(units: &[u16], after_space: bool) -> usize {
        byte_word_starts(units, after_space, |chunk| {
            // SAFETY: 16 units of 2 bytes: two loads of 8 units.
            let (a, b) = unsafe { (vld1q_u16(chunk.as_ptr()), vld1q_u16(chunk.as_ptr().add(8))) };
            space_bytes(a, b)
        })
    }

    /// UCS-4: the UCS-2 kernel on units narrowed to 16 bits with unsigned saturation
    /// (`uqxtn`), so that every unit above U+FFFF becomes FFFF, not whitespace.
    #[target_feature(enable = "neon")]
    pub(super) fn ucs4_word_starts(units: &[u32], after_space: bool) -> usize {
        byte_word_starts(units, after_space, |chunk| {
            // SAFETY: 16 units of 4 bytes, read as `narrow16` reads them.
            let (a, b) = unsafe { (narrow16(chunk.as_ptr()), narrow16(chunk.as_ptr().add(8))) };
            space_bytes(a, b)
        })
    }

    /// The word starts in `units`, taken 16 at a time, each unit's whitespace a byte of
    /// the vector `space` makes of them; 64 a step, as the UTF-8 kernel takes them, so
    /// the loop's own work is spread over four vectors.
    #[inline]
    #[target_feature(enable = "neon")]
    fn byte_word_starts<T: CodeUnit>(
        units: &[T],
        after_space: bool,
        space: impl Fn(&[T; 16]) -> uint8x16_t,
    ) -> usize {
        // A lane gains at most 1 per vector, 4 a step: flush within 63 steps, and the
        // tail's 3 vectors at most keep it within 255.
        const STEPS_PER_FLUSH: u32 = 63;
        let mut count = 0;
        let mut pending = 0;
        // The starts so far, a lane's count in each, and the last vector's whitespace, of
        // which only the last lane is read: whether the unit before the next was a space.
        let mut acc = vdupq_n_u8(0);
        let mut prev = vdupq_n_u8(if after_space { 0xFF } else { 0 });
        let add = |acc: &mut uint8x16_t, prev: &mut uint8x16_t, chunk: &[T; 16]| {
            let space = space(chunk);
            *acc = vsubq_u8(*acc, vbicq_u8(vextq_u8::<15>(*prev, space), space));
            *prev = space;
        };
        let (steps, rest) = units.as_chunks::<64>();
        for step in steps {
            for chunk in step.as_chunks::<16>().0 {
                add(&mut acc, &mut prev, chunk);
            }
            pending += 1;
            if pending == STEPS_PER_FLUSH {
                count += usize::from(vaddlvq_u8(acc));
                acc = vdupq_n_u8(0);
                pending = 0;
            }
        }
        let (chunks, rest) = rest.as_chunks::<16>();
        for chunk in chunks {
            add(&mut acc, &mut prev, chunk);
        }
        count += usize::from(vaddlvq_u8(acc));
        count + scalar_word_starts(rest, vgetq_lane_u8::<15>(prev) != 0)
    }

    /// The bytes of `v` that are Latin-1 whitespace (0xFF).
    #[inline]
    #[target_feature(enable = "neon")]
    fn latin1_space(v: uint8x16_t) -> uint8x16_t {
        vorrq_u8(
            vorrq_u8(in_range8(v, 0x09, 5), in_range8(v, 0x1C, 5)),
            vorrq_u8(vceqq_u8(v, vdupq_n_u8(0x85)), vceqq_u8(v, vdupq_n_u8(0xA0))),
        )
    }

    /// The whitespace of 16 units, 16-bit lanes `a` then `b`, as 16 bytes in order: 0xFF
    /// where a unit is whitespace (the UCS-2 set). Most of the set is tested on bytes, as
    /// the AVX2 kernel's `space_bytes` does (its comment says how), with `uqxtn`, an
    /// unsigned saturating narrow, for `packus`: it makes every unit above FF the byte FF,
    /// which is not whitespace, so the low bytes of U+2000..20FF need no `min` first.
    /// Only U+1680 and U+3000 are compared as 16-bit lanes.
    #[inline]
    #[target_feature(enable = "neon")]
    fn space_bytes(a: uint16x8_t, b: uint16x8_t) -> uint8x16_t {
        let narrow = |x: uint16x8_t, y: uint16x8_t| vqmovn_high_u16(vqmovn_u16(x), y);
        let latin1 = latin1_space(narrow(a, b));
        let low_of_20xx = |v| veorq_u16(v, vdupq_n_u16(0x2000));
        let low = narrow(low_of_20xx(a), low_of_20xx(b));
        let general = vorrq_u8(
            vorrq_u8(in_range8(low, 0x00, 11), in_range8(low, 0x28, 2)),
            vorrq_u8(
                vceqq_u8(low, vdupq_n_u8(0x2F)),
                vceqq_u8(low, vdupq_n_u8(0x5F)),
            ),
        );
        let others = |v| vorrq_u16(eq16(v, 0x1680), eq16(v, 0x3000));
        let others = vmovn_high_u16(vmovn_u16(others(a)), others(b));
        vorrq_u8(vorrq_u8(latin1, general), others)
    }

    /// 8 UCS-4 units from `at`, saturated to 16 bits (every unit above U+FFFF to FFFF).
    ///
    /// # Safety
    /// The 8 units from `at` must be readable.
    #[inline]
    #[target_feature(enable = "neon")]
    unsafe fn narrow16(at: *const u32) -> uint16x8_t {
        // SAFETY: the caller's: the 8 units from `at` are readable.
        let (a, b) = unsafe { (vld1q_u32(at), vld1q_u32(at.add(4))) };
        vqmovn_high_u32(vqmovn_u32(a), b)
    }

    /// Bit `i` set where unit `i` of `block` is whitespace: the masks
    /// [`crate::word_spans`] finds the words of a Latin-1 `str` with.
    #[inline]
    #[target_feature(enable = "neon")]
    pub(super) fn latin1_space_mask(block: &[u8; 64]) -> u64 {
        mask64(std::array::from_fn(|j| {
            // SAFETY: the 16 bytes from 16 * j (j < 4) are inside the 64-byte block.
            latin1_space(unsafe { vld1q_u8(block.as_ptr().add(16 * j)) })
        }))
    }

    /// [`latin1_space_mask`] for UCS-2.
    #[inline]
    #[target_feature(enable = "neon")]
    pub(super) fn ucs2_space_mask(block: &[u16; 64]) -> u64 {
        // SAFETY: the 8 units from 8 * k (k < 8) are inside the 64-unit block.
        let load = |k: usize| unsafe { vld1q_u16(block.as_ptr().add(8 * k)) };
        mask64(std::array::from_fn(|j| {
            space_bytes(load(2 * j), load(2 * j + 1))
        }))
    }

    /// [`latin1_space_mask`] for UCS-4: units saturated to 16 bits as in
    /// [`ucs4_word_starts`], then classified as UCS-2.
    #[inline]
    #[target_feature(enable = "neon")]
    pub(super) fn ucs4_space_mask(block: &[u32; 64]) -> u64 {
        // SAFETY: the 8 units from 8 * k (k < 8) are inside the 64-unit block.
        let load = |k: usize| unsafe { narrow16(block.as_ptr().add(8 * k)) };
        mask64(std::array::from_fn(|j| {
            space_bytes(load(2 * j), load(2 * j + 1))
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    type Kernel<T> = fn(&[T], bool) -> usize;

    /// Every word-start kernel of a width this CPU can run, the dispatcher first: the
    /// dispatcher takes only the widest, so each is also called by name.
    trait Kernels: CodeUnit {
        fn kernels() -> Vec<(&'static str, Kernel<Self>)>;
    }

    macro_rules! kernels {
        ($t:ty, $name:ident) => {
            kernels!($t, $name, avx512::$name);
        };
        ($t:ty, $name:ident, $($avx512:path)?) => {
            impl Kernels for $t {
                fn kernels() -> Vec<(&'static str, Kernel<$t>)> {
                    let mut all: Vec<(&'static str, Kernel<$t>)> =
                        vec![("dispatch", CodeUnit::word_starts)];
                    $(
                        #[cfg(target_arch = "x86_64")]
                        if std::arch::is_x86_feature_detected!("avx512bw")
                            && std::arch::is_x86_feature_detected!("popcnt")
                        {
                            // SAFETY: the CPU has just been checked for AVX-512BW and POPCNT.
                            all.push(("avx512bw", |u, a| unsafe { $avx512(u, a) }));
                        }
                    )?
                    #[cfg(target_arch = "x86_64")]
                    if std::arch::is_x86_feature_detected!("avx2")
                        && std::arch::is_x86_feature_detected!("popcnt")
                    {
                        // SAFETY: the CPU has just been checked for AVX2 and POPCNT.
                        all.push(("avx2", |u, a| unsafe { avx2::$name(u, a) }));
                    }
                    #[cfg(target_arch = "aarch64")]
                    if std::arch::is_aarch64_feature_detected!("neon") {
                        // SAFETY: the CPU has just been checked for NEON.
                        all.push(("neon", |u, a| unsafe { neon::$name(u, a) }));
                    }
                    all
                }
            }
        };
    }
    kernels!(u8, latin1_word_starts);
    kernels!(u16, ucs2_word_starts);
    // No AVX-512BW kernel for UCS-4 (see its `word_starts`): the empty third argument.
    kernels!(u32, ucs4_word_starts,);

    /// Every kernel of `T` gives the scalar loop's count for `units`.
    fn all_agree<T: Kernels>(units: &[T], after: bool) -> Result<(), TestCaseError> {
        let expected = scalar_word_starts(units, after);
        for (name, kernel) in T::kernels() {
            prop_assert_eq!(kernel(units, after), expected, "kernel {}", name);
        }
        Ok(())
    }

    fn agree<T: Kernels>(units: &[T], after: bool) {
        all_agree(units, after).unwrap();
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

    fn special_u32() -> impl Strategy<Value = u32> {
        prop_oneof![
            any::<u32>(),
            special_u16().prop_map(u32::from),
            // Above U+FFFF with whitespace in their low 16 bits, code points or not: a
            // kernel that truncated to 16 bits would count them as spaces.
            prop::sample::select(vec![
                0x1_0009u32,
                0x1_0020,
                0x1_0085,
                0x1_3000,
                0x1_2000,
                0x1_F600,
                0x10_FFFF,
                0x11_0000,
                0x11_2028,
                0x7FFF_0020,
                0x8000_0020,
                0x8000_0000,
                0xFFFF_0009,
                0xFFFF_FFFF,
            ]),
        ]
    }

    #[test]
    fn long_texts_of_one_letter_words() {
        // The densest word starts there are, long enough to overflow a lane counter that
        // is not flushed in time (NEON's byte lanes, flushed every 63 steps of 64 units),
        // and around the flushes. Under Miri, which cannot run the NEON kernels, short
        // ones around the x86 blocks.
        let lens: &[usize] = if cfg!(miri) {
            &[31, 32, 33, 65]
        } else {
            &[4031, 4032, 4033, 4095, 4096, 4097, 9000, 100_001]
        };
        for &len in lens {
            let units: Vec<u8> = b"a ".iter().copied().cycle().take(len).collect();
            for after in [true, false] {
                agree(&units, after);
            }
            let units: Vec<u16> = [0x3000u16, 0x61]
                .iter()
                .copied()
                .cycle()
                .take(len)
                .collect();
            for after in [true, false] {
                agree(&units, after);
            }
            // One-emoji words.
            let units: Vec<u32> = [0x3000u32, 0x1F600]
                .iter()
                .copied()
                .cycle()
                .take(len)
                .collect();
            for after in [true, false] {
                agree(&units, after);
            }
        }
    }

    proptest! {
        #![proptest_config(crate::proptest_config(8))]

        #[test]
        fn simd_matches_scalar_latin1(units in prop::collection::vec(any::<u8>(), 0..200), after in any::<bool>()) {
            all_agree(&units, after)?;
        }

        #[test]
        fn simd_matches_scalar_ucs2(units in prop::collection::vec(special_u16(), 0..200), after in any::<bool>()) {
            all_agree(&units, after)?;
        }

        #[test]
        // Under Miri up to 100 units: still two of the AVX2 kernel's 32-unit chunks or
        // more in about a third of the cases (the block edges are in the tests below).
        fn simd_matches_scalar_ucs4(units in prop::collection::vec(special_u32(), 0..if cfg!(miri) { 100 } else { 200 }), after in any::<bool>()) {
            all_agree(&units, after)?;
        }
    }

    /// Every 16-bit value in blocks of 64, at four lanes each (the block turned by 0, 13,
    /// 32 and 51), through the AVX2 masks and AVX-512BW's UCS-2 one, or NEON's; for
    /// UCS-4, also with each high half that must not make it whitespace. Under Miri, only
    /// the blocks that hold whitespace or sit at a saturation edge.
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    #[test]
    fn simd_space_masks_match_is_space_for_every_unit() {
        #[cfg(target_arch = "x86_64")]
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        #[cfg(target_arch = "aarch64")]
        if !std::arch::is_aarch64_feature_detected!("neon") {
            return;
        }
        let starts: Vec<u32> = if cfg!(miri) {
            vec![0x00, 0x80, 0x1680, 0x2000, 0x2040, 0x3000, 0x7FC0, 0xFFC0]
        } else {
            (0..0x1_0000).step_by(64).collect()
        };
        fn check<T: CodeUnit + std::fmt::Debug>(block: [T; 64]) {
            let expected = block.iter().enumerate().fold(0u64, |m, (i, u)| {
                m | u64::from(is_space(u.code_point())) << i
            });
            // SAFETY: the CPU has just been checked for AVX2.
            #[cfg(target_arch = "x86_64")]
            let mask = unsafe { T::space_mask_avx2(&block) };
            // SAFETY: the CPU has just been checked for NEON.
            #[cfg(target_arch = "aarch64")]
            let mask = unsafe { T::space_mask_neon(&block) };
            assert_eq!(mask, expected, "{block:x?}");
        }
        for &start in &starts {
            for turn in [0, 13, 32, 51] {
                let unit = |i: usize| start + ((i + turn) % 64) as u32;
                let block: [u16; 64] = std::array::from_fn(|i| unit(i) as u16);
                check(block);
                #[cfg(target_arch = "x86_64")]
                if std::arch::is_x86_feature_detected!("avx512bw") {
                    // SAFETY: the CPU has just been checked for AVX-512BW (and AVX2 above).
                    let (fast, avx2) = unsafe {
                        (
                            avx512::ucs2_space_mask(&block),
                            u16::space_mask_avx2(&block),
                        )
                    };
                    assert_eq!(fast, avx2, "{block:x?}");
                }
                for high in [0, 0x1, 0x10, 0x7FFF, 0x8000, 0xFFFF] {
                    check::<u32>(std::array::from_fn(|i| high << 16 | unit(i)));
                }
            }
        }
    }

    #[test]
    fn ucs4_units_above_ffff_are_never_whitespace() {
        // Each one's low 16 bits are whitespace; a word of 18 of them, past a SIMD block.
        let units: Vec<u32> = [0x1_0020u32, 0x1_3000, 0x8000_0009, 0xFFFF_2028]
            .iter()
            .copied()
            .cycle()
            .take(18)
            .collect();
        for after in [true, false] {
            for (name, kernel) in u32::kernels() {
                assert_eq!(kernel(&units, after), usize::from(after), "{name}");
            }
        }
    }

    #[test]
    fn a_shrunk_case_of_the_ucs2_kernel() {
        // Found by proptest when this module was `units`: an ideographic space (U+3000)
        // between a NUL and a control character, then NULs to fill the vector.
        let mut units: Vec<u16> = vec![0, 14, 0x3000, 33];
        units.resize(16, 0);
        for after in [false, true] {
            agree(&units, after);
        }
    }

    #[test]
    fn every_code_point_between_two_words() {
        // Under Miri, where all 65,539 would take hours: a few of each storage width,
        // spaces and not (the kernels' memory accesses depend on the length alone).
        let code_points: Vec<u32> = if cfg!(miri) {
            vec![
                0x09, 0x20, 0x61, 0x85, 0xA0, 0xFF, 0x1680, 0x2028, 0x3000, 0xD800,
            ]
        } else {
            (0..=0xFFFF).collect()
        };
        for c in code_points.into_iter().chain([0x10000, 0x1F600, 0x10FFFF]) {
            let expected = if char::from_u32(c).is_some_and(is_py_whitespace) {
                2
            } else {
                1
            };
            // Inside and at the edges of the SIMD blocks (16 or 32 UCS-2 or UCS-4 units,
            // 32 or 64 Latin-1 units).
            for at in [15, 16, 20, 31, 32, 63, 64] {
                let mut text = vec![0x61u32; 70];
                text[at] = c;
                let u16s: Result<Vec<u16>, _> = text.iter().map(|&c| u16::try_from(c)).collect();
                if let Ok(u) = u16s {
                    for (name, kernel) in u16::kernels() {
                        assert_eq!(kernel(&u, true), expected, "{name}: U+{c:04X}");
                    }
                }
                let u8s: Result<Vec<u8>, _> = text.iter().map(|&c| u8::try_from(c)).collect();
                if let Ok(u) = u8s {
                    for (name, kernel) in u8::kernels() {
                        assert_eq!(kernel(&u, true), expected, "{name}: U+{c:04X}");
                    }
                }
                for (name, kernel) in u32::kernels() {
                    assert_eq!(kernel(&text, true), expected, "{name}: U+{c:04X}");
                }
            }
        }
    }
}
