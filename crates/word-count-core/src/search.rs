//! Whole-token search with the semantics of PyO3's word-count example, made exact:
//! count the tokens equal to `needle`, where the tokens are `line.split(" ")` for each
//! line of `text.splitlines()`.
//!
//! A token is therefore delimited by a plain space, a Python line break
//! ([`crate::pychars::PY_LINE_BREAKS`]) or either end of the text -- *not* by tabs or
//! other whitespace. A needle that itself contains a space or a line break can never
//! equal a token, so its count is 0.

use memchr::memmem;

use crate::chunks;
use crate::pychars::{ends_with_token_boundary, starts_with_token_boundary};
use crate::CoreError;

/// A needle ready to be searched for, many times if need be.
pub struct Needle<'n> {
    finder: memmem::Finder<'n>,
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
            finder: memmem::Finder::new(needle),
            possible,
        })
    }

    fn len(&self) -> usize {
        self.finder.needle().len()
    }

    /// The needle's bytes.
    pub fn bytes(&self) -> &[u8] {
        self.finder.needle()
    }

    /// How many bytes past a region [`Needle::count_in`] may read: the needle and the
    /// character after it. A [`crate::stream::Stream`] keeps this much after each block.
    pub fn lookahead(&self) -> usize {
        self.len() + 3
    }

    /// The number of tokens equal to the needle that *start* in `text[start..end]`,
    /// looking at all of `text` for the token boundaries on either side.
    fn count_starting_in(&self, text: &[u8], start: usize, end: usize) -> usize {
        if !self.possible {
            return 0;
        }
        // A match starting before `end` ends before `end + len`.
        let window_end = end.saturating_add(self.len() - 1).min(text.len());
        let window = &text[start..window_end];
        self.finder
            .find_iter(window)
            .filter(|&at| {
                let at = start + at;
                let after = at + self.len();
                (at == 0 || ends_with_token_boundary(&text[..at]))
                    && (after == text.len() || starts_with_token_boundary(&text[after..]))
            })
            .count()
    }

    /// The number of tokens of `text` equal to the needle, on the calling thread.
    pub fn count(&self, text: &[u8]) -> usize {
        self.count_starting_in(text, 0, text.len())
    }

    /// [`Needle::count`] over `n_chunks` byte chunks counted in parallel on this
    /// process's pool. The result is the same for every `n_chunks`.
    pub fn count_parallel(&self, text: &[u8], n_chunks: usize) -> usize {
        self.count_in(text, 0, text.len(), n_chunks)
    }

    /// The matching tokens that *start* in `text[start..end]` (both on character
    /// boundaries), counted in `n_chunks` parallel chunks. Summed over consecutive
    /// ranges this is [`Needle::count`], which lets a caller count a huge text slice by
    /// slice.
    pub fn count_in(&self, text: &[u8], start: usize, end: usize, n_chunks: usize) -> usize {
        if n_chunks <= 1 {
            return self.count_starting_in(text, start, end);
        }
        let cuts = chunks::boundaries(&text[start..end], n_chunks);
        chunks::sum_parallel(&cuts, |a, b| {
            self.count_starting_in(text, start + a, start + b)
        })
    }
}

/// The number of tokens of `text` equal to `needle` (see the module docs).
pub fn count_token(text: &[u8], needle: &[u8]) -> Result<usize, CoreError> {
    Ok(Needle::new(needle)?.count(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pychars::{is_py_line_break, PY_LINE_BREAKS, PY_WHITESPACE};
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
    }

    proptest! {
        #[test]
        fn count_matches_model((text, needle) in text_and_needle()) {
            prop_assert_eq!(count_token(text.as_bytes(), needle.as_bytes()).unwrap(), model(&text, &needle));
        }

        #[test]
        fn parallel_matches_sequential((text, needle) in text_and_needle(), n in 1usize..70) {
            let needle = Needle::new(needle.as_bytes()).unwrap();
            prop_assert_eq!(needle.count_parallel(text.as_bytes(), n), needle.count(text.as_bytes()));
        }

        #[test]
        fn ranges_sum_to_the_whole((text, needle) in text_and_needle(), cut in 0usize..300, n in 1usize..5) {
            let bytes = text.as_bytes();
            let mut cut = cut.min(bytes.len());
            while !text.is_char_boundary(cut) {
                cut += 1;
            }
            let needle = Needle::new(needle.as_bytes()).unwrap();
            let parts = needle.count_in(bytes, 0, cut, n) + needle.count_in(bytes, cut, bytes.len(), n);
            prop_assert_eq!(parts, needle.count(bytes));
        }

        #[test]
        fn garbage_bytes_never_panic(text in prop::collection::vec(any::<u8>(), 0..200),
                                     needle in prop::collection::vec(any::<u8>(), 1..4), n in 1usize..9) {
            let needle = Needle::new(&needle).unwrap();
            prop_assert_eq!(needle.count_parallel(&text, n), needle.count(&text));
        }
    }
}
