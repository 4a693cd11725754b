//! Word frequencies against a plain model of `collections.Counter(text.split())`: the
//! same words, the same counts and the same (first-seen) order, on arbitrary input.
//!
//! The text is the longest prefix of the input that is generalised UTF-8 (UTF-8 plus
//! lone surrogates as "surrogatepass" writes them: only such text reaches the core, as
//! the binding checks bytes first). It is counted as UTF-8 and as the `str` storage its
//! code points fit (Latin-1, UCS-2 or UCS-4, the narrowest, as CPython stores a `str`),
//! as the binding calls the core: in consecutive slices, cut where the input says, each
//! added into one table; each slice in as many chunks as the input says (each chunk its
//! own table, merged in order), straight into the table or into a table of its own
//! merged after it, or through the `Text` facade; and again, every slice straight into
//! one table of owned words, as a file's blocks are counted.
//!
//! Input: `[chunks, ways, cuts, gap * (cuts % 8), text...]`: `chunks % 8 + 1` chunks
//! (`chunks >= 128`: the facade, which does not split a text this small); bit `i % 8`
//! of `ways` sends slice `i` through a table of its own; the `gap`s are the slices'
//! lengths in code points (the last slice takes the rest).
//!
//! Run: `nox -s fuzz -- 600 frequencies`, or `cargo fuzz run frequencies` in this folder.
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use word_count_core::encoding::{Encoding, Latin1, Ucs2, Ucs4, Utf8};
use word_count_core::frequencies::add_frequencies_in_then;
use word_count_core::hash::Seed;
use word_count_core::owned_word::OwnedWord;
use word_count_core::text::Text;
use word_count_core::word_table::WordTable;

/// The 29 code points `str.split()` splits on (CPython's `Py_UNICODE_ISSPACE`), written
/// out here rather than taken from the core's `pychars`.
const PY_WHITESPACE: [u32; 29] = [
    0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2001,
    0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F,
    0x205F, 0x3000,
];

/// The longest prefix of `bytes` that is generalised UTF-8, and its code points.
fn generalised_prefix(bytes: &[u8]) -> (&[u8], Vec<u32>) {
    let mut code_points = Vec::new();
    let mut i = 0;
    while let Some(&lead) = bytes.get(i) {
        let len = match lead {
            0x00..=0x7F => 1,
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => break,
        };
        let Some(seq) = bytes.get(i..i + len) else {
            break;
        };
        let c = match std::str::from_utf8(seq) {
            Ok(s) => u32::from(s.chars().next().expect("one character")),
            // A lone surrogate, U+D800..U+DFFF: ED A0..BF 80..BF.
            Err(_) if seq[0] == 0xED && (0xA0..=0xBF).contains(&seq[1]) && seq[2] >> 6 == 2 => {
                0xD000 | u32::from(seq[1] & 0x3F) << 6 | u32::from(seq[2] & 0x3F)
            }
            Err(_) => break,
        };
        code_points.push(c);
        i += len;
    }
    (&bytes[..i], code_points)
}

/// The generalised UTF-8 of `code_points` (surrogates too, which `char` cannot hold).
fn utf8_of(code_points: &[u32]) -> Vec<u8> {
    let mut out = Vec::new();
    for &c in code_points {
        let tail = |shift: u32| 0x80 | (c >> shift & 0x3F) as u8;
        match c {
            0..=0x7F => out.push(c as u8),
            0x80..=0x7FF => out.extend([0xC0 | (c >> 6) as u8, tail(0)]),
            0x800..=0xFFFF => out.extend([0xE0 | (c >> 12) as u8, tail(6), tail(0)]),
            _ => out.extend([0xF0 | (c >> 18) as u8, tail(12), tail(6), tail(0)]),
        }
    }
    out
}

/// The model: `Counter(text.split())` over code points, each word with its count, in
/// the order of first occurrence.
fn model(code_points: &[u32]) -> Vec<(&[u32], u64)> {
    let mut order: Vec<(&[u32], u64)> = Vec::new();
    let mut index: HashMap<&[u32], usize> = HashMap::new();
    for word in code_points.split(|c| PY_WHITESPACE.contains(c)) {
        if word.is_empty() {
            continue;
        }
        let i = *index.entry(word).or_insert_with(|| {
            order.push((word, 0));
            order.len() - 1
        });
        order[i].1 += 1;
    }
    order
}

/// How to count: chunks per slice, the facade or not, and each slice's way.
struct Plan {
    chunks: usize,
    facade: bool,
    ways: u8,
    /// The slices' ends, in code points, the last the text's length.
    cuts: Vec<usize>,
}

/// Count `units` as `plan` says and compare with `expected`: the model's words as the
/// bytes of units of this kind. `at(k)` is the position in units of code point `k`.
fn check<'t, E: Encoding>(
    units: &'t [E::Unit],
    text: Text<'t>,
    at: impl Fn(usize) -> usize,
    plan: &Plan,
    expected: &[(Vec<u8>, u64)],
) {
    let seed = Seed::random();
    let mut table: WordTable<&'t [u8]> = WordTable::reused(seed, std::mem::size_of_val(units));
    let mut start = 0;
    for (i, &cut) in plan.cuts.iter().enumerate() {
        let (a, b) = (at(start), at(cut));
        start = cut;
        let own = plan.ways >> (i % 8) & 1 == 1;
        let mut other = WordTable::reused(seed, (b - a) * std::mem::size_of::<E::Unit>());
        let into = if own { &mut other } else { &mut table };
        let before: Vec<&[u8]> = into.words_from(0).copied().collect();
        let mut seen: Option<Vec<&[u8]>> = None;
        let meanwhile = |t: &WordTable<&'t [u8]>, busy: &dyn Fn() -> bool| {
            assert!(seen.is_none(), "meanwhile runs once");
            if !plan.facade && plan.chunks == 1 {
                assert!(!busy(), "busy with one chunk");
            }
            seen = Some(t.words_from(0).copied().collect());
        };
        if plan.facade {
            text.add_word_frequencies_then(into, a, b, Some(plan.chunks), meanwhile);
        } else {
            add_frequencies_in_then::<E, &[u8]>(into, units, a, b, plan.chunks, meanwhile);
        }
        // What `meanwhile` saw is what the table ends with, less the words merged after
        // it, and what it started with, plus the first chunk's words.
        let seen = seen.expect("meanwhile runs");
        let after: Vec<&[u8]> = into.words_from(0).copied().collect();
        assert!(seen.starts_with(&before) && after.starts_with(&seen));
        if own {
            table.merge_out(&mut other, |w| w);
            assert!(other.is_empty());
        }
        other.give_back();
    }
    let got: Vec<(Vec<u8>, u64)> = table.iter().map(|(w, n)| (w.to_vec(), n)).collect();
    assert_eq!(got, expected);
    for (word, count) in expected {
        assert_eq!(table.get(word), Some(*count));
    }
    let total = expected.iter().map(|(_, n)| n).sum::<u64>();
    assert_eq!(table.total(), total);
    table.give_back();

    // As a file is counted: each slice straight into one table of owned words, which
    // keeps no reference into the text.
    let mut owned: WordTable<OwnedWord> = WordTable::new(Seed::random());
    let mut start = 0;
    for &cut in &plan.cuts {
        let (a, b) = (at(start), at(cut));
        start = cut;
        if plan.facade {
            text.add_word_frequencies(&mut owned, a, b, Some(plan.chunks));
        } else {
            add_frequencies_in_then::<E, _>(&mut owned, units, a, b, plan.chunks, |_, _| {});
        }
    }
    let got: Vec<(Vec<u8>, u64)> = owned
        .iter()
        .map(|(w, n)| (w.as_bytes().to_vec(), n))
        .collect();
    assert_eq!(got, expected);
    for (word, count) in expected {
        assert_eq!(owned.get(word), Some(*count));
    }
    assert_eq!(owned.total(), total);
}

/// The code points as units of `T`, if they all fit.
fn units_of<T: TryFrom<u32>>(code_points: &[u32]) -> Option<Vec<T>> {
    code_points.iter().map(|&c| T::try_from(c).ok()).collect()
}

fuzz_target!(|data: &[u8]| {
    let [chunks, ways, cuts, rest @ ..] = data else {
        return;
    };
    let (gaps, bytes) = rest.split_at(usize::from(cuts % 8).min(rest.len()));
    let (utf8, code_points) = generalised_prefix(bytes);
    assert_eq!(
        utf8_of(&code_points),
        utf8,
        "the model decodes its text back"
    );
    let n = code_points.len();
    let mut ends: Vec<usize> = gaps
        .iter()
        .scan(0, |end, &gap| {
            *end = (*end + usize::from(gap)).min(n);
            Some(*end)
        })
        .collect();
    ends.push(n);
    let plan = Plan {
        chunks: usize::from(chunks % 8) + 1,
        facade: *chunks >= 128,
        ways: *ways,
        cuts: ends,
    };
    let words = model(&code_points);

    // UTF-8: a word is its bytes; code point k starts where the ones before it end.
    let mut starts = vec![0];
    starts.extend(code_points.iter().scan(0, |at, &c| {
        *at += utf8_of(&[c]).len();
        Some(*at)
    }));
    let expected: Vec<(Vec<u8>, u64)> = words.iter().map(|&(w, n)| (utf8_of(w), n)).collect();
    check::<Utf8>(utf8, Text::Utf8(utf8), |k| starts[k], &plan, &expected);

    // A str's storage, of the narrowest units its code points fit, as CPython stores a
    // str: a word is its units' bytes in memory order.
    if let Some(units) = units_of::<u8>(&code_points) {
        let expected: Vec<(Vec<u8>, u64)> = (words.iter())
            .map(|&(w, n)| (w.iter().map(|&c| c as u8).collect(), n))
            .collect();
        check::<Latin1>(&units, Text::Latin1(&units), |k| k, &plan, &expected);
    } else if let Some(units) = units_of::<u16>(&code_points) {
        let expected: Vec<(Vec<u8>, u64)> = (words.iter())
            .map(|&(w, n)| {
                (
                    w.iter().flat_map(|&c| (c as u16).to_ne_bytes()).collect(),
                    n,
                )
            })
            .collect();
        check::<Ucs2>(&units, Text::Ucs2(&units), |k| k, &plan, &expected);
    } else {
        let expected: Vec<(Vec<u8>, u64)> = (words.iter())
            .map(|&(w, n)| (w.iter().flat_map(|&c| c.to_ne_bytes()).collect(), n))
            .collect();
        check::<Ucs4>(
            &code_points,
            Text::Ucs4(&code_points),
            |k| k,
            &plan,
            &expected,
        );
    }
});
