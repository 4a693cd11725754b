//! Python's character classes, which are not Rust's.
//!
//! - `str.split()` splits on 29 code points ([`PY_WHITESPACE`]). Rust's
//!   `char::is_whitespace` lacks U+001C..U+001F (Python counts the ASCII
//!   "information separators" as whitespace), and `split_ascii_whitespace` also lacks U+000B.
//! - `str.splitlines()` breaks on 10 code points ([`PY_LINE_BREAKS`]), `\r\n` counting as
//!   one break. Rust's `str::lines` knows only `\n` and `\r\n`.
//!
//! The byte-level helpers work on generalised UTF-8 (see the crate docs) and never
//! panic, whatever the bytes: they read nothing past the slice.

/// Every code point for which Python's `str.isspace()` is true, i.e. what `str.split()`
/// splits on (CPython's `_PyUnicode_IsWhitespace`).
pub const PY_WHITESPACE: [char; 29] = [
    '\u{09}', '\u{0A}', '\u{0B}', '\u{0C}', '\u{0D}', '\u{1C}', '\u{1D}', '\u{1E}', '\u{1F}',
    '\u{20}', '\u{85}', '\u{A0}', '\u{1680}', '\u{2000}', '\u{2001}', '\u{2002}', '\u{2003}',
    '\u{2004}', '\u{2005}', '\u{2006}', '\u{2007}', '\u{2008}', '\u{2009}', '\u{200A}', '\u{2028}',
    '\u{2029}', '\u{202F}', '\u{205F}', '\u{3000}',
];

/// Every code point `str.splitlines()` breaks a line at (CPython's `_PyUnicode_IsLinebreak`);
/// `\r\n` is one break made of two of them.
pub const PY_LINE_BREAKS: [char; 10] = [
    '\n', '\r', '\u{0B}', '\u{0C}', '\u{1C}', '\u{1D}', '\u{1E}', '\u{85}', '\u{2028}', '\u{2029}',
];

/// Is `c` whitespace to Python's `str.split()`?
pub fn is_py_whitespace(c: char) -> bool {
    matches!(c,
        '\u{09}'..='\u{0D}' | '\u{1C}'..='\u{20}' | '\u{85}' | '\u{A0}' | '\u{1680}'
        | '\u{2000}'..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}')
}

/// Is `c` a line break to Python's `str.splitlines()`?
pub fn is_py_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{1C}'
            ..='\u{1E}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// Python whitespace among the ASCII bytes, as a lookup table.
pub(crate) const ASCII_WHITESPACE: [bool; 128] = {
    let mut t = [false; 128];
    let mut b = 0;
    while b < 128 {
        t[b] = matches!(b, 0x09..=0x0D | 0x1C..=0x20);
        b += 1;
    }
    t
};

/// Is `b` a UTF-8 continuation byte (10xxxxxx)?
#[inline]
pub(crate) fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

/// The length of the Python whitespace character at the start of `bytes`, if there is
/// one: 1 for ASCII whitespace; 2 or 3 for the multibyte ones, which all start with lead
/// byte C2, E1, E2 or E3: U+0085, U+00A0 (C2 ..), U+1680 (E1 9A 80), U+2000..U+200A,
/// U+2028, U+2029, U+202F (E2 80 ..), U+205F (E2 81 9F) and U+3000 (E3 80 80).
///
/// Whitespace is decided byte by byte in this crate: a byte is whitespace if it starts
/// one of these patterns (which is then consumed whole), and every other byte is a
/// non-whitespace byte. On valid UTF-8 that is exactly Python's rule, since each byte of
/// a non-whitespace character is then "not whitespace"; on any other bytes it is still
/// one well-defined rule, which every kernel, scalar or SIMD, and every chunking follow.
#[inline]
pub(crate) fn whitespace_len(bytes: &[u8]) -> Option<usize> {
    match bytes {
        [b, ..] if *b < 0x80 => ASCII_WHITESPACE[*b as usize].then_some(1),
        [0xC2, 0x85 | 0xA0, ..] => Some(2),
        [0xE1, 0x9A, 0x80, ..]
        | [0xE2, 0x80, 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF, ..]
        | [0xE2, 0x81, 0x9F, ..]
        | [0xE3, 0x80, 0x80, ..] => Some(3),
        _ => None,
    }
}

/// Does `bytes` end with a Python whitespace character (by the byte rule of
/// [`whitespace_len`])? False for an empty slice.
#[inline]
pub(crate) fn ends_with_whitespace(bytes: &[u8]) -> bool {
    match bytes {
        [.., b] if *b < 0x80 => ASCII_WHITESPACE[*b as usize],
        [.., 0xC2, 0x85 | 0xA0] => true,
        [.., 0xE1, 0x9A, 0x80]
        | [.., 0xE2, 0x80, 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF]
        | [.., 0xE2, 0x81, 0x9F]
        | [.., 0xE3, 0x80, 0x80] => true,
        _ => false,
    }
}

/// Is the character starting at `bytes[0]` a token boundary for `search`: a plain
/// space (what `line.split(" ")` splits on) or a Python line break?
#[inline]
pub(crate) fn starts_with_token_boundary(bytes: &[u8]) -> bool {
    matches!(
        bytes,
        [b' ' | b'\n' | b'\r' | 0x0B | 0x0C | 0x1C..=0x1E, ..]
            | [0xC2, 0x85, ..]
            | [0xE2, 0x80, 0xA8 | 0xA9, ..]
    )
}

/// Does `bytes` end with a token boundary character (see [`starts_with_token_boundary`])?
#[inline]
pub(crate) fn ends_with_token_boundary(bytes: &[u8]) -> bool {
    matches!(
        bytes,
        [.., b' ' | b'\n' | b'\r' | 0x0B | 0x0C | 0x1C..=0x1E]
            | [.., 0xC2, 0x85]
            | [.., 0xE2, 0x80, 0xA8 | 0xA9]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code point; under Miri (no unsafe code here, and a million code points take
    /// an hour there) Latin-1, and each whitespace character and line break with its
    /// neighbours.
    fn code_points() -> impl Iterator<Item = char> + Clone {
        let mut all: Vec<u32> = if cfg!(miri) {
            let near = |c: &char| [u32::from(*c) - 1, u32::from(*c), u32::from(*c) + 1];
            let special = PY_WHITESPACE.iter().chain(&PY_LINE_BREAKS).flat_map(near);
            (0..=0xFF).chain(special).collect()
        } else {
            (0..=0x10FFFF).collect()
        };
        all.sort_unstable();
        all.dedup();
        all.into_iter().filter_map(char::from_u32)
    }

    #[test]
    fn tables_agree_with_predicates() {
        for c in PY_WHITESPACE {
            assert!(is_py_whitespace(c), "{c:?}");
        }
        for c in PY_LINE_BREAKS {
            assert!(is_py_line_break(c), "{c:?}");
        }
        let all = code_points();
        assert_eq!(all.clone().filter(|&c| is_py_whitespace(c)).count(), 29);
        assert_eq!(all.filter(|&c| is_py_line_break(c)).count(), 10);
    }

    #[test]
    fn byte_classifiers_agree_with_char_predicates() {
        for c in code_points() {
            let mut buf = [0u8; 4];
            let s = c.encode_utf8(&mut buf).as_bytes();
            let ws = whitespace_len(s);
            assert_eq!(ws.is_some(), is_py_whitespace(c), "{c:?}");
            assert!(ws.is_none() || ws == Some(s.len()), "{c:?}");
            assert_eq!(ends_with_whitespace(s), is_py_whitespace(c), "{c:?}");
            let boundary = c == ' ' || is_py_line_break(c);
            assert_eq!(starts_with_token_boundary(s), boundary, "{c:?}");
            assert_eq!(ends_with_token_boundary(s), boundary, "{c:?}");
        }
    }

    #[test]
    fn rust_whitespace_differs_from_python() {
        // The reason this module exists.
        assert!(!'\u{1C}'.is_whitespace() && is_py_whitespace('\u{1C}'));
        assert!(!"\u{0B}".contains(|c: char| c.is_ascii_whitespace()));
    }
}
