//! The lane tests the AArch64 kernels build their character classes from: one place for
//! each, shared by the UTF-8 kernel ([`crate::word_starts`]) and those on a `str`'s
//! storage ([`crate::str_storage`]).
//!
//! Each is a safe `#[target_feature]` function: a kernel compiled with the same feature
//! calls it (and inlines it) without `unsafe`; the kernels' dispatchers ask the CPU.

use std::arch::aarch64::*;

/// Bytes `b` with `lo <= b < lo + n` (unsigned), as 0xFF lanes.
#[inline]
#[target_feature(enable = "neon")]
pub(crate) fn in_range8(v: uint8x16_t, lo: u8, n: u8) -> uint8x16_t {
    vcltq_u8(vsubq_u8(v, vdupq_n_u8(lo)), vdupq_n_u8(n))
}

/// 16-bit lanes equal to `x`, as 0xFFFF.
#[inline]
#[target_feature(enable = "neon")]
pub(crate) fn eq16(v: uint16x8_t, x: u16) -> uint16x8_t {
    vceqq_u16(v, vdupq_n_u16(x))
}

/// Python's ASCII whitespace, 09..0D and 1C..20, as 0xFF lanes: the one-byte spaces of
/// UTF-8, for the word starts ([`crate::word_starts`]) and the word spans
/// ([`crate::word_spans`]).
#[inline]
#[target_feature(enable = "neon")]
pub(crate) fn ascii_space(v: uint8x16_t) -> uint8x16_t {
    vorrq_u8(in_range8(v, 0x09, 5), in_range8(v, 0x1C, 5))
}

/// The lead bytes of UTF-8's multibyte whitespace, C2 and E1..E3, as 0xFF lanes.
#[inline]
#[target_feature(enable = "neon")]
pub(crate) fn space_lead(v: uint8x16_t) -> uint8x16_t {
    vorrq_u8(vceqq_u8(v, vdupq_n_u8(0xC2)), in_range8(v, 0xE1, 3))
}

/// Four vectors of 0x00 or 0xFF lanes as one 64-bit mask, bit `16 * j + i` for lane `i`
/// of `v[j]`: the stand-in for x86's `movemask` (NEON has none). Each lane keeps the bit
/// of its place in its 8-lane half, and three rounds of pairwise adds gather the halves'
/// bits into the mask's eight bytes, in order.
#[inline]
#[target_feature(enable = "neon")]
pub(crate) fn mask64(v: [uint8x16_t; 4]) -> u64 {
    // Lane i of `bits` holds 1 << (i % 8): the u64 0x8040201008040201 in both halves,
    // little-endian.
    let bits = vreinterpretq_u8_u64(vdupq_n_u64(0x8040_2010_0804_0201));
    let [a, b, c, d] = v.map(|x| vandq_u8(x, bits));
    let s = vpaddq_u8(vpaddq_u8(a, b), vpaddq_u8(c, d));
    vgetq_lane_u64::<0>(vreinterpretq_u64_u8(vpaddq_u8(s, s)))
}

/// 4 bits for each byte of `v` (0x00 or 0xFF bytes), byte `i` at bits `4i..4i + 4`
/// (`shrn` by 4 of the 16-bit lanes): the usual stand-in for `movemask` on NEON when the
/// positions of a vector's few set lanes are wanted, or only whether it has any.
#[inline]
#[target_feature(enable = "neon")]
pub(crate) fn nibbles(v: uint8x16_t) -> u64 {
    vget_lane_u64::<0>(vreinterpret_u64_u8(vshrn_n_u16::<4>(vreinterpretq_u16_u8(
        v,
    ))))
}
