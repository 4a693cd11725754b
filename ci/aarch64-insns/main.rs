//! What `ci/nox -s insns-aarch64` runs under qemu-aarch64 with the instruction-counting
//! plugin: one call of the core on a generated text, so that the instructions of the
//! call are those of a run minus those of the run with `none` (the text alone).
//!
//! Usage: `aarch64-insns CASE MIB`, CASE one of `none`, `word_count`, `frequencies`,
//! `search:NEEDLE` (on English-like text), `ab` (the text alone) and `ab:NEEDLE` (on
//! "a b a b ..."), and on the same text as a `str`'s storage of 1, 2 or 4 bytes a
//! character: `latin1`, `ucs2` and `ucs4` (the text and its units alone), then
//! `WIDTH:words` and `WIDTH:frequencies` for each of them.
//! Built against the core of any commit (its public API since 81534fa), so it names
//! only functions that have kept their signatures.

use word_count_core::encoding::{Storage, Utf8};
use word_count_core::frequencies::frequencies_in;
use word_count_core::hash::Seed;
use word_count_core::search::count_token;
use word_count_core::str_storage::CodeUnit;
use word_count_core::words::count_words;

/// Words drawn far more often the earlier they come (a cubic law), separated by spaces
/// and a newline every 13th: short frequent words, as in English prose.
const WORDS: &str = "the of and to a in is that for it as was with be by on not he this are \
    or his from at which but have an had they water river mountain people between government \
    northern language history Zanzibar";

fn english(bytes: usize) -> Vec<u8> {
    let words: Vec<&str> = WORDS.split_whitespace().collect();
    assert_eq!(words.len(), 40);
    let mut out = Vec::with_capacity(bytes + 16);
    // xorshift64, fixed seed: the same text on every run. Index 39 is never drawn, so
    // "Zanzibar" is a needle with no match.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut n = 0u64;
    while out.len() < bytes {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let r = (x % 1000) as f64 / 1000.0;
        out.extend_from_slice(words[(r * r * r * 39.0) as usize].as_bytes());
        out.push(if n % 13 == 12 { b'\n' } else { b' ' });
        n += 1;
    }
    out
}

/// `kernel` (`words`, `frequencies`, or "" for none) on `text` as units of `T`: the
/// text is ASCII, so a unit a byte.
fn storage<T: CodeUnit>(text: &[u8], kernel: &str) -> usize {
    let units: Vec<T> = text
        .iter()
        .map(|&b| T::try_from(u32::from(b)).ok().expect("ASCII fits every width"))
        .collect();
    match kernel {
        "" => units.len(),
        "words" => T::word_starts(&units, true),
        "frequencies" => {
            frequencies_in::<Storage<T>>(&units, 0, units.len(), 1, Seed::random()).len()
        }
        other => panic!("unknown kernel {other}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (case, mib) = (&args[1], args[2].parse::<usize>().expect("MIB"));
    let bytes = mib << 20;
    let text = if case.starts_with("ab") {
        b"a b ".repeat(bytes / 4)
    } else {
        english(bytes)
    };
    let result = match case.split_once(':') {
        None if case == "none" || case == "ab" => text.len(),
        None if case == "word_count" => count_words(&text),
        None if case == "frequencies" => {
            frequencies_in::<Utf8>(&text, 0, text.len(), 1, Seed::random()).len()
        }
        None if case == "latin1" => storage::<u8>(&text, ""),
        None if case == "ucs2" => storage::<u16>(&text, ""),
        None if case == "ucs4" => storage::<u32>(&text, ""),
        Some(("latin1", kernel)) => storage::<u8>(&text, kernel),
        Some(("ucs2", kernel)) => storage::<u16>(&text, kernel),
        Some(("ucs4", kernel)) => storage::<u32>(&text, kernel),
        Some((_, needle)) => count_token(&text, needle.as_bytes()).expect("a valid needle"),
        None => panic!("unknown case {case}"),
    };
    println!("{result}");
}
