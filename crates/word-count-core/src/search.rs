//! Whole-token search with the semantics of PyO3's word-count example, made exact:
//! count the tokens equal to `needle`, where the tokens are `line.split(" ")` for each
//! line of `text.splitlines()`.
//!
//! A token is therefore delimited by a plain space, a Python line break
//! ([`crate::pychars::PY_LINE_BREAKS`]) or either end of the text -- *not* by tabs or
//! other whitespace. A needle that itself contains a space or a line break can never
//! equal a token, so its count is 0.
//!
//! Written once for every kind of text ([`Encoding`]): the needle is turned into the
//! text's units, found with memchr's SIMD substring search on the bytes, and each match
//! kept if a boundary (or an end of the text) lies on either side.

use memchr::memmem;

use crate::chunks;
use crate::encoding::{Encoding, Utf8};
use crate::pychars::{is_continuation, starts_with_token_boundary};
use crate::CoreError;

/// A needle ready to be searched for in any kind of text: generalised UTF-8, not empty.
pub struct Needle<'n> {
    bytes: &'n [u8],
    /// False when the needle holds a space or a line break: no token can equal it.
    possible: bool,
}

impl<'n> Needle<'n> {
    /// Prepare `needle` (generalised UTF-8). An empty needle is refused.
    pub fn new(needle: &'n [u8]) -> Result<Self, CoreError> {
        if needle.is_empty() {
            return Err(CoreError::EmptyNeedle);
        }
        let possible = (0..needle.len()).all(|i| !starts_with_token_boundary(&needle[i..]));
        Ok(Needle {
            bytes: needle,
            possible,
        })
    }

    /// The needle's bytes.
    pub fn bytes(&self) -> &[u8] {
        self.bytes
    }

    /// How many bytes past a region a UTF-8 search may read: the needle and the
    /// character after it. A [`crate::stream::Stream`] keeps this much after each block.
    pub fn lookahead(&self) -> usize {
        self.bytes.len() + 3
    }

    /// The tokens of the UTF-8 `text` equal to the needle, on the calling thread.
    pub fn count(&self, text: &[u8]) -> usize {
        count_tokens_in::<Utf8>(text, self, 0, text.len(), 1)
    }
}

/// The tokens of `text` equal to `needle` that *start* in `text[start..end]` (character
/// boundaries), looking at all of `text` for the boundaries on either side, counted in
/// `n_chunks` parallel chunks. Summed over consecutive ranges, this is the whole count,
/// which lets a caller count a huge text slice by slice.
pub fn count_tokens_in<E: Encoding>(
    text: &[E::Unit],
    needle: &Needle<'_>,
    start: usize,
    end: usize,
    n_chunks: usize,
) -> usize {
    if !needle.possible {
        return 0;
    }
    // A needle with a code point these units cannot hold cannot occur in the text.
    let Some(units) = E::needle_bytes(needle.bytes) else {
        return 0;
    };
    let finder = memmem::Finder::new(&units);
    let skips = Skips::new(&units, E::UNIT_BYTES, !is_continuation(needle.bytes[0]));
    let count = |a: usize, b: usize| count_starting_in::<E>(text, &finder, &skips, a, b);
    if n_chunks <= 1 {
        return count(start, end);
    }
    let cuts = chunks::boundaries::<E>(&text[start..end], n_chunks);
    chunks::sum_parallel(&cuts, |a, b| count(start + a, start + b))
}

/// The tokens equal to the needle of `finder` (the bytes of its units) that start in
/// `text[start..end]`: a SIMD kernel counts what it can from byte masks (a short needle
/// in UTF-8: [`crate::token_masks`]), the substring search the rest.
fn count_starting_in<E: Encoding>(
    text: &[E::Unit],
    finder: &memmem::Finder<'_>,
    skips: &Skips,
    start: usize,
    end: usize,
) -> usize {
    let (masked, lo, hi) = E::count_tokens_masked(text, finder.needle(), start, end);
    masked
        + count_found::<E>(text, finder, skips, start, lo)
        + count_found::<E>(text, finder, skips, hi, end)
}

/// The tokens equal to the needle of `finder` that start in `text[start..end]`, each
/// match found by the substring search and its two sides tested.
fn count_found<E: Encoding>(
    text: &[E::Unit],
    finder: &memmem::Finder<'_>,
    skips: &Skips,
    start: usize,
    end: usize,
) -> usize {
    let m = finder.needle().len() / E::UNIT_BYTES;
    match_starts::<E>(text, finder, skips, start, end)
        .filter(|&at| {
            let after = at + m;
            (at == 0 || E::ends_with_boundary(&text[..at]))
                && (after == text.len() || E::starts_with_boundary(&text[after..]))
        })
        .count()
}

/// How far the search for the needle's bytes goes on past a match, without passing the
/// start of a token equal to the needle.
///
/// Why not from the next byte: on a text such as "aaaa..." every position matches a
/// needle of "a"s, and each search from the next byte checks the needle's length again,
/// so a needle of 10,000 bytes took 11.7 s on 4 MiB (time n*m). A search that goes on
/// past each match reads every byte a bounded number of times.
///
/// - After a match aligned to a unit (every match, in UTF-8), the search goes on past
///   its end. A token that started inside it would follow a space or a line break
///   inside it, that is, in the needle, which then equals no token at all
///   ([`Needle::new`]; in UTF-8 a match starts a character, as the needle does, so the
///   character before such a token lies wholly inside the match). A needle that starts
///   with a continuation byte (never one from Python: the binding's are UTF-8) can
///   match in bytes that are not UTF-8 after the first byte of a line break, so the
///   search goes on from the next unit after its matches, as it did for all.
/// - After a misaligned match (units wider than a byte), the next aligned match that
///   overlaps it starts `d` bytes on, where `d` is a period of the needle's bytes (both
///   matches hold the bytes they share): the search goes on from the smallest period
///   that lands on a unit, or past the match if none does.
struct Skips {
    /// Where the search goes on after an aligned match: the needle's length in bytes,
    /// or a unit if it starts with a continuation byte.
    aligned: usize,
    /// For each remainder `r` of a unit's bytes, the smallest period `d` of the needle's
    /// bytes with `d % unit == r`, or `len` if it has none.
    misaligned: [usize; 4],
    unit: usize,
}

impl Skips {
    /// The skips for the needle's bytes in a text of `unit`-byte units; `starts_a_char`:
    /// the needle as given (generalised UTF-8) does not start with a continuation byte.
    fn new(needle: &[u8], unit: usize, starts_a_char: bool) -> Self {
        let len = needle.len();
        let mut misaligned = [len; 4];
        if unit > 1 {
            // The periods of the needle are len - b for each border b (a proper prefix
            // that is also a suffix); the borders are the chain of the KMP failure
            // function from the end.
            let mut border = vec![0usize; len];
            for i in 1..len {
                let mut b = border[i - 1];
                while b > 0 && needle[i] != needle[b] {
                    b = border[b - 1];
                }
                border[i] = b + usize::from(needle[i] == needle[b]);
            }
            let mut b = border.last().copied().unwrap_or(0);
            while b > 0 {
                let period = len - b;
                let r = period % unit;
                misaligned[r] = misaligned[r].min(period);
                b = border[b - 1];
            }
        }
        Skips {
            aligned: if starts_a_char { len } else { unit },
            misaligned,
            unit,
        }
    }

    /// Where the search goes on after a match at byte `at` of a window that starts on a
    /// unit.
    fn after(&self, at: usize) -> usize {
        match at % self.unit {
            0 => at + self.aligned,
            r => at + self.misaligned[self.unit - r],
        }
    }
}

/// Where a token equal to the needle of `finder` may start in `text` in `start..end`:
/// the matches of memchr's SIMD substring search on the bytes that are aligned to a
/// unit (a misaligned one straddles two units) and do not overlap an earlier match
/// (see [`Skips`] for why no token can).
fn match_starts<'t, E: Encoding>(
    text: &'t [E::Unit],
    finder: &'t memmem::Finder<'_>,
    skips: &'t Skips,
    start: usize,
    end: usize,
) -> impl Iterator<Item = usize> + 't {
    let size = E::UNIT_BYTES;
    let m = finder.needle().len() / size;
    // A match starting before `end` ends before `end + m`.
    let window_end = end.saturating_add(m.saturating_sub(1)).min(text.len());
    let window = E::as_bytes(&text[start..window_end]);
    let mut from = 0;
    std::iter::from_fn(move || loop {
        let at = from + finder.find(window.get(from..)?)?;
        from = skips.after(at);
        if at % size == 0 {
            return Some(start + at / size);
        }
    })
}

/// The number of tokens of the UTF-8 `text` equal to `needle` (see the module docs).
pub fn count_token(text: &[u8], needle: &[u8]) -> Result<usize, CoreError> {
    Ok(Needle::new(needle)?.count(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::Storage;
    use crate::pychars::{is_py_line_break, PY_LINE_BREAKS, PY_WHITESPACE};
    use crate::str_storage::CodeUnit;
    use crate::words::{count_words, count_words_in};
    use proptest::prelude::*;

    /// Python's reference, transcribed: splitlines() then split(" ").
    fn model(text: &str, needle: &str) -> usize {
        let mut lines = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            match rest.find(is_py_line_break) {
                Some(i) => {
                    lines.push(&rest[..i]);
                    let skip = if rest[i..].starts_with("\r\n") {
                        2
                    } else {
                        rest[i..].chars().next().unwrap().len_utf8()
                    };
                    rest = &rest[i + skip..];
                }
                None => {
                    lines.push(rest);
                    rest = "";
                }
            }
        }
        lines
            .iter()
            .flat_map(|l| l.split(' '))
            .filter(|t| *t == needle)
            .count()
    }

    /// Where `needle` occurs in `text` starting in `start..end`, each match after the
    /// end of the one before, one unit at a time: the model the substring search is
    /// tested against.
    fn scalar_match_starts<T: Eq>(
        text: &[T],
        needle: &[T],
        start: usize,
        end: usize,
    ) -> Vec<usize> {
        let last = end.min((text.len() + 1).saturating_sub(needle.len()));
        let mut found = Vec::new();
        let mut i = start;
        while i < last {
            if text[i..i + needle.len()] == *needle {
                found.push(i);
                i += needle.len();
            } else {
                i += 1;
            }
        }
        found
    }

    fn alphabet() -> Vec<String> {
        let mut units: Vec<String> = PY_WHITESPACE
            .iter()
            .chain(PY_LINE_BREAKS.iter())
            .map(|c| c.to_string())
            .collect();
        units.extend(["a", "b", "ab", "é", "😀", "\r\n", "\t"].map(String::from));
        units
    }

    fn text_and_needle() -> impl Strategy<Value = (String, String)> {
        let unit = prop::sample::select(alphabet());
        (
            prop::collection::vec(unit.clone(), 0..60),
            prop::collection::vec(unit, 1..4),
        )
            .prop_map(|(t, n)| (t.concat(), n.concat()))
    }

    fn units<T: CodeUnit>(s: &str) -> Option<Vec<T>> {
        s.chars().map(|c| T::try_from(u32::from(c)).ok()).collect()
    }

    fn storage_text() -> impl Strategy<Value = String> {
        let unit = prop::sample::select(vec![
            "a", "ab", " ", "\n", "\r\n", "\t", "é", "\u{85}", "\u{A0}", "\u{1C}", "€", "\u{3000}",
            "\u{2028}", "😀", "\u{200B}",
        ]);
        prop::collection::vec(unit, 0..80).prop_map(|v| v.concat())
    }

    /// Check every storage width that can hold `text` against the UTF-8 kernels, for
    /// word counts and token search alike (kept here, above both operations).
    fn check_storage(text: &str, needle: &str, n: usize) -> Result<(), TestCaseError> {
        let words = count_words(text.as_bytes());
        let tokens = count_token(text.as_bytes(), needle.as_bytes()).unwrap();
        fn one<T: CodeUnit>(
            text: &str,
            needle: &str,
            n: usize,
            words: usize,
            tokens: usize,
        ) -> Result<(), TestCaseError> {
            if let Some(u) = units::<T>(text) {
                prop_assert_eq!(count_words_in::<Storage<T>>(&u, 0, u.len(), n), words);
                let needle = Needle::new(needle.as_bytes()).unwrap();
                let found = count_tokens_in::<Storage<T>>(&u, &needle, 0, u.len(), n);
                prop_assert_eq!(found, tokens);
            }
            Ok(())
        }
        one::<u8>(text, needle, n, words, tokens)?;
        one::<u16>(text, needle, n, words, tokens)?;
        one::<u32>(text, needle, n, words, tokens)
    }

    #[test]
    fn examples() {
        let count = |t: &str, n: &str| count_token(t.as_bytes(), n.as_bytes()).unwrap();
        assert_eq!(count("the cat the\nthe", "the"), 3);
        assert_eq!(count("there other the", "the"), 1);
        assert_eq!(count("the\tthe", "the"), 0); // a tab does not split tokens
        assert_eq!(count("the\u{2028}the\u{85}the\r\nthe\u{1E}the", "the"), 5);
        assert_eq!(count("a b", "a b"), 0);
        assert_eq!(count("aaa", "aa"), 0);
        assert_eq!(count_token(b"x", b""), Err(CoreError::EmptyNeedle));
        // Bytes that are not UTF-8, and a needle that starts inside a character: the
        // token after the line break U+0085 (C2 85) overlaps a match one byte before it.
        let (text, needle) = (b"\xC2\x85\x85\x85 ", b"\x85\x85");
        assert_eq!(count_token(text, needle), Ok(1));
        let mut padded = vec![b'x'; 162];
        padded.extend_from_slice(text);
        padded.push(b'x');
        let needle = Needle::new(needle).unwrap();
        // The Stacked Borrows run of Miri that takes this test runs no pool (ci/sessions/miri.py).
        let most = if cfg!(miri) { 1 } else { 4 };
        for n in 1..=most {
            assert_eq!(
                count_tokens_in::<Utf8>(&padded, &needle, 0, padded.len(), n),
                1
            );
        }
    }

    proptest! {
        #![proptest_config(crate::proptest_config(4))]

        #[test]
        fn count_matches_model((text, needle) in text_and_needle()) {
            prop_assert_eq!(count_token(text.as_bytes(), needle.as_bytes()).unwrap(), model(&text, &needle));
        }

        #[test]
        fn parallel_matches_sequential((text, needle) in text_and_needle(), n in 1usize..70) {
            let needle = Needle::new(needle.as_bytes()).unwrap();
            prop_assert_eq!(count_tokens_in::<Utf8>(text.as_bytes(), &needle, 0, text.len(), n), needle.count(text.as_bytes()));
        }

        #[test]
        fn ranges_sum_to_the_whole((text, needle) in text_and_needle(), cut in 0usize..300, n in 1usize..5) {
            let bytes = text.as_bytes();
            let mut cut = cut.min(bytes.len());
            while !text.is_char_boundary(cut) {
                cut += 1;
            }
            let needle = Needle::new(needle.as_bytes()).unwrap();
            let parts = count_tokens_in::<Utf8>(bytes, &needle, 0, cut, n) + count_tokens_in::<Utf8>(bytes, &needle, cut, bytes.len(), n);
            prop_assert_eq!(parts, needle.count(bytes));
        }

        #[test]
        fn substring_search_matches_the_scalar_model(
            text in prop::collection::vec(prop::sample::select(vec![0x61u32, 0x62, 0x100, 0x6100, 0x10061]), 0..100),
            needle in prop::collection::vec(prop::sample::select(vec![0x61u32, 0x62, 0x100, 0x6100]), 1..9),
            start in 0usize..100, len in 0usize..100,
        ) {
            let start = start.min(text.len());
            let end = (start + len).min(text.len());
            check_match_starts(&text, &needle, start, end)?;
        }


        #[test]
        fn garbage_bytes_never_panic(text in prop::collection::vec(any::<u8>(), 0..200),
                                     needle in prop::collection::vec(any::<u8>(), 1..4), n in 1usize..9) {
            let needle = Needle::new(&needle).unwrap();
            prop_assert_eq!(count_tokens_in::<Utf8>(&text, &needle, 0, text.len(), n), needle.count(&text));
        }

        #[test]
        fn units_agree_with_utf8(text in storage_text(), needle in "(a|ab|é|€|😀|a b){1,2}", n in 1usize..6) {
            check_storage(&text, &needle, n)?;
        }
    }

    /// The substring search in each storage width where `text` and `needle` fit in it,
    /// against the scalar model.
    fn check_match_starts(
        text: &[u32],
        needle: &[u32],
        start: usize,
        end: usize,
    ) -> Result<(), TestCaseError> {
        fn check<T: CodeUnit>(
            text: &[u32],
            needle: &[u32],
            start: usize,
            end: usize,
        ) -> Result<(), TestCaseError> {
            let (Ok(t), Ok(n)) = (
                text.iter()
                    .map(|&c| T::try_from(c))
                    .collect::<Result<Vec<T>, _>>(),
                needle
                    .iter()
                    .map(|&c| T::try_from(c))
                    .collect::<Result<Vec<T>, _>>(),
            ) else {
                return Ok(());
            };
            let finder = memmem::Finder::new(T::as_bytes(&n));
            let skips = Skips::new(T::as_bytes(&n), std::mem::size_of::<T>(), true);
            let fast: Vec<usize> =
                match_starts::<Storage<T>>(&t, &finder, &skips, start, end).collect();
            let model = scalar_match_starts(&t, &n, start, end);
            prop_assert_eq!(fast, model);
            Ok(())
        }
        check::<u8>(text, needle, start, end)?;
        check::<u16>(text, needle, start, end)?;
        check::<u32>(text, needle, start, end)
    }

    #[test]
    fn skips_go_past_each_match_or_to_the_next_aligned_overlap() {
        // UTF-8: past every match.
        assert_eq!(Skips::new(b"aaaa", 1, true).after(3), 7);
        // A needle that starts inside a character: from the next byte.
        assert_eq!(Skips::new(b"\x85\x85", 1, false).after(3), 4);
        // "abab" has the periods 2 and 4 (itself): in 2-byte units a match at an odd byte
        // has no aligned overlap, so the search goes past it.
        let s = Skips::new(b"abab", 2, true);
        assert_eq!((s.after(4), s.after(5)), (8, 9));
        // Periods 2, 4 and 6: in 4-byte units, a match at byte 2 mod 4 may overlap an
        // aligned one 2 bytes on; one at 1 mod 4 none.
        let s = Skips::new(b"abababab", 4, true);
        assert_eq!((s.after(0), s.after(6), s.after(5)), (8, 8, 13));
        // Periods 3 and 5, both odd.
        let s = Skips::new(b"aXaaXa", 2, true);
        assert_eq!((s.after(1), s.after(2), s.after(3)), (4, 8, 6));
    }

    #[test]
    fn long_needles_in_runs_of_one_unit() {
        // Every position matches: each match found must be past the one before, in
        // every width. Under Miri, shorter, and on the calling thread: the Stacked
        // Borrows run that takes this module's tests runs no pool (ci/sessions/miri.py).
        let (scale, threads) = if cfg!(miri) { (10, 1) } else { (1, 3) };
        let runs = [
            ("a", 5000 / scale, 700 / scale),
            ("\u{4141}", 3000 / scale, 90 / scale),
        ];
        for (unit, n, m) in runs {
            let (text, needle) = (unit.repeat(n), unit.repeat(m));
            let spaced = format!("{needle} {needle}\n{text} {needle}");
            for t in [&text, &spaced] {
                check_storage(t, &needle, threads).unwrap();
                assert_eq!(
                    count_token(t.as_bytes(), needle.as_bytes()).unwrap(),
                    model(t, &needle)
                );
            }
        }
        // Misaligned in UCS-2: U+4241 holds the bytes of U+4142 shifted by one.
        let text = format!("X{}", "\u{4241}".repeat(3000 / scale));
        check_storage(&text, &"\u{4142}".repeat(50 / scale), threads).unwrap();
    }

    #[test]
    fn storage_examples() {
        check_storage("a\u{85}b\u{A0}c\u{3000}d the\u{2028}the", "the", 3).unwrap();
        check_storage("aaa aa", "aa", 1).unwrap();
        // Cases proptest once shrank to, kept as examples when the module they were
        // found in became this one and `str_storage`.
        check_storage("abaaa  aaaaaabaaaaaaab\u{3000}€aaaaaaa", "a", 2).unwrap();
        let text = [0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x10061, 0x100];
        check_match_starts(&text, &[0x100], 0, 8).unwrap();
    }
}
