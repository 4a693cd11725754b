//! UTF-8 validation for byte input (bytes, bytearray, memoryview, files), with the
//! error Python's own `bytes.decode("utf-8")` would report: the same start, end and
//! reason, so a caller can raise the same UnicodeDecodeError.
//!
//! Validation is strict UTF-8, as Python's codec is: the surrogates that a `str` may hold
//! (and that [`crate`]'s generalised UTF-8 allows) are invalid in bytes.

/// Where and why bytes are not valid UTF-8, in the terms of Python's UnicodeDecodeError.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Utf8Error {
    /// The first byte that cannot be decoded.
    pub start: usize,
    /// One past the last byte of the undecodable sequence (Python's `end`).
    pub end: usize,
    /// Python's reason: "invalid start byte", "invalid continuation byte" or
    /// "unexpected end of data".
    pub reason: &'static str,
}

impl Utf8Error {
    /// An incomplete character at the end of the bytes: not an error if more follow.
    pub fn is_truncated(&self) -> bool {
        self.reason == UNEXPECTED_END
    }
}

const UNEXPECTED_END: &str = "unexpected end of data";

/// Check that `bytes` are valid UTF-8; on failure, say where as Python would.
///
/// Uses `simdutf8`, which picks AVX2, SSE 4.2 or NEON at run time and falls back to the
/// standard library; the detailed error is worked out only once a failure is known.
pub fn validate(bytes: &[u8]) -> Result<(), Utf8Error> {
    if simdutf8::basic::from_utf8(bytes).is_ok() {
        return Ok(());
    }
    let err = match simdutf8::compat::from_utf8(bytes) {
        Ok(_) => unreachable!("the basic and compat validators disagree"),
        Err(e) => e,
    };
    Err(classify(bytes, err.valid_up_to(), err.error_len()))
}

/// [`validate`] for bytes that another thread may write while they are read: a
/// `bytearray` borrowed from Python. The same answer as [`validate`] on bytes that stay
/// as they are; on bytes that change, an answer about some of the bytes seen, and never
/// a panic.
///
/// Why not [`validate`]: once its first pass finds the bytes invalid, it reads them again
/// to say where, and both its own check and `simdutf8::compat` (which unwraps the
/// standard library's error on the bytes it read last) panic if the second read finds
/// them valid. Here the second read is the standard library's, which returns whatever
/// it finds. It is slower than `simdutf8::compat` on long non-ASCII text, so this is
/// for bytes about to raise an error, not for a stream's blocks cut inside a character.
pub fn validate_shared(bytes: &[u8]) -> Result<(), Utf8Error> {
    if simdutf8::basic::from_utf8(bytes).is_ok() {
        return Ok(());
    }
    match std::str::from_utf8(bytes) {
        // Made valid between the two reads: valid as last read.
        Ok(_) => Ok(()),
        Err(e) => Err(classify(bytes, e.valid_up_to(), e.error_len())),
    }
}

/// Python's error for a sequence at `start` that is invalid (`len` bytes of it) or,
/// with `len` None, cut short by the end of `bytes`.
///
/// Rust and Python both report the "maximal subpart" of an ill-formed sequence
/// (Unicode 15, section 3.9), so the lengths agree; Python then calls it an invalid
/// continuation when the first byte could start a sequence (C2..F4) and an invalid start
/// byte otherwise.
fn classify(bytes: &[u8], start: usize, len: Option<usize>) -> Utf8Error {
    match len {
        None => Utf8Error {
            start,
            end: bytes.len(),
            reason: UNEXPECTED_END,
        },
        Some(len) => Utf8Error {
            start,
            end: start + len,
            reason: if (0xC2..=0xF4).contains(&bytes[start]) {
                "invalid continuation byte"
            } else {
                "invalid start byte"
            },
        },
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn python_examples() {
        // Each expected value is what CPython 3.13's bytes.decode("utf-8") reports.
        let err = |b: &[u8]| validate(b).unwrap_err();
        assert_eq!(validate("aé€😀".as_bytes()), Ok(()));
        assert_eq!(
            err(b"ab\xff"),
            Utf8Error {
                start: 2,
                end: 3,
                reason: "invalid start byte"
            }
        );
        assert_eq!(
            err(b"\x80"),
            Utf8Error {
                start: 0,
                end: 1,
                reason: "invalid start byte"
            }
        );
        assert_eq!(err(b"\xc0\x80").reason, "invalid start byte");
        let cont = err(b"\xe2\x28\xa1");
        assert_eq!(
            (cont.start, cont.end, cont.reason),
            (0, 1, "invalid continuation byte")
        );
        assert_eq!(err(b"\xf0\x90\x28").end, 2);
        // A surrogate, valid in a str (surrogatepass), is invalid in bytes.
        assert_eq!(err(b"\xed\xa0\x80").reason, "invalid continuation byte");
        let short = err(b"a\xe2\x82");
        assert_eq!(
            (short.start, short.end, short.reason),
            (1, 3, UNEXPECTED_END)
        );
        assert!(short.is_truncated());
    }

    proptest! {
        #![proptest_config(crate::proptest_config(16))]

        #[test]
        fn agrees_with_std(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            match (std::str::from_utf8(&bytes), validate(&bytes)) {
                (Ok(_), Ok(())) => {}
                (Err(e), Err(ours)) => {
                    prop_assert_eq!(ours.start, e.valid_up_to());
                    prop_assert_eq!(ours.end, e.error_len().map_or(bytes.len(), |n| e.valid_up_to() + n));
                }
                (theirs, ours) => prop_assert!(false, "std {:?}, ours {:?}", theirs, ours),
            }
        }
    }

    proptest! {
        // Under Miri a case took 3.5 s (55 s of the scalar run, more in the SIMD one):
        // fewer cases there, of lengths that still run past simdutf8's first 64-byte
        // block.
        #![proptest_config(crate::proptest_config(4))]

        #[test]
        fn shared_agrees_with_validate(
            bytes in prop::collection::vec(
                prop_oneof![any::<u8>(), Just(b' '), Just(0xE2), Just(0x80)],
                0..if cfg!(miri) { 140 } else { 200 },
            ),
        ) {
            // Past 64 bytes, simdutf8 validates a block at a time.
            prop_assert_eq!(validate_shared(&bytes), validate(&bytes));
        }
    }

    #[test]
    fn code_points_of_generalised_utf8() {
        let cps: Vec<u32> = code_points("aé€😀".as_bytes()).collect();
        assert_eq!(cps, [0x61, 0xE9, 0x20AC, 0x1F600]);
        assert_eq!(code_points(b"\xED\xA0\x80").collect::<Vec<_>>(), [0xD800]);
        assert_eq!(code_points(b"\xFFa").collect::<Vec<_>>(), [0xFFFD, 0x61]);
    }
}
