//! Deterministic benchmark texts, shared by the bench targets (not a bench itself).
//!
//! Every text is built from a fixed seed by a small linear congruential generator over
//! word lists, so each run (and each machine) measures the same bytes: no files, no
//! network. Each is valid UTF-8 of exactly the requested length (padded with spaces).

// Each bench target uses only some of these.
#![allow(dead_code)]

/// Cache-resident size: fits in L2 with room to spare.
pub const SMALL: usize = 64 << 10;
/// Large size: far beyond L1 and L2, so mostly bound by L3 or memory bandwidth (a CPU
/// with a 32 MiB or larger L3 may hold much of it there).
pub const LARGE: usize = 16 << 20;

/// A token that [`english`] puts in about one word in 100 000: the rare needle.
pub const RARE_WORD: &str = "zymurgy";

/// Knuth's MMIX LCG; the high bits are the good ones.
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Self {
        Lcg(seed)
    }

    pub fn next_u32(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 32) as u32
    }

    /// Uniform-ish in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        ((u64::from(self.next_u32()) * n as u64) >> 32) as usize
    }

    /// True with probability about `1 / n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// Common English words, "the" repeated so it is the most frequent token (~5%, as in
/// real English text).
const WORDS: &str = "\
    the the the the of and to in a is that for it as was with be by on not he I \
    this are or his from at which but have an had they you were their one all we \
    can her has there been if more when will would who so no time people other \
    these could than first water little through between government information \
    development the. them, however, another number world together (which said) \
    therefore other's nothing always within because question around";

/// Chinese-style words: 1-4 ideographs (lead bytes E4..E9, not a whitespace lead).
const HAN: &str = "\
    的 是 不 了 人 我 在 有 他 这 中国 我们 一个 没有 时候 什么 自己 知道 \
    现在 社会 经济 发展 政府 问题 工作 世界 学生 可以 因为 所以 研究 技术 \
    计算机 共产党 图书馆 中华人民 信息技术";

/// Japanese kana and ideographic punctuation: lead byte E3, the same lead as U+3000
/// IDEOGRAPHIC SPACE, so the AVX2 kernel counts their blocks with its scalar loop.
const KANA: &str = "\
    の は に を が と です ます した して ない こと これ それ カタカナ \
    コンピュータ 。 、 「 」";

/// Words for the mixed text: every UTF-8 length.
const MIXED: &str = "\
    café naïve über Straße façade résumé déjà smörgåsbord Ελλάδα Москва €5 £10 😀 \
    🚀 👍🏽 中国 日本語 한국어";

/// The words of a space-separated list.
fn words(list: &'static str) -> Vec<&'static str> {
    list.split(' ').collect()
}

/// Fill `out` to exactly `len` bytes: drop a partly written last character, pad with
/// spaces.
fn finish(mut out: String, len: usize) -> Vec<u8> {
    let mut cut = len.min(out.len());
    while !out.is_char_boundary(cut) {
        cut -= 1;
    }
    out.truncate(cut);
    let mut bytes = out.into_bytes();
    bytes.resize(len, b' ');
    bytes
}

/// English-like ASCII prose: words separated by single spaces, a line break about every
/// 12 words, a blank line about every 150 words, and [`RARE_WORD`] about once in 100 000
/// words.
pub fn english(len: usize) -> Vec<u8> {
    let english = words(WORDS);
    let mut rng = Lcg::new(0x5EED_0001);
    let mut out = String::with_capacity(len + 32);
    while out.len() < len {
        let word = if rng.one_in(100_000) {
            RARE_WORD
        } else {
            rng.pick(&english)
        };
        out.push_str(word);
        out.push(if rng.one_in(12) { '\n' } else { ' ' });
        if rng.one_in(150) {
            out.push('\n');
        }
    }
    finish(out, len)
}

/// [`english`] with multibyte whitespace sprinkled in: about one separator in 32 is
/// U+3000 IDEOGRAPHIC SPACE or U+00A0 NO-BREAK SPACE, so about one 32-byte block in six
/// holds one and is counted by the scalar loop.
pub fn multibyte_space(len: usize) -> Vec<u8> {
    let english = words(WORDS);
    let mut rng = Lcg::new(0x5EED_0002);
    let mut out = String::with_capacity(len + 32);
    while out.len() < len {
        out.push_str(rng.pick(&english));
        out.push(match rng.below(64) {
            0 => '\u{3000}',
            1 => '\u{A0}',
            2..=6 => '\n',
            _ => ' ',
        });
    }
    finish(out, len)
}

/// CJK-heavy text: mostly Chinese ideograph words, about a quarter Japanese kana or
/// ideographic punctuation, an ASCII word now and then; separated by spaces, with about
/// one separator in eight a U+3000 IDEOGRAPHIC SPACE and a line break about every 20
/// words. About nine 32-byte blocks in ten hold an E3 lead byte, so this mostly measures
/// the scalar loop inside the dispatched kernel.
pub fn cjk(len: usize) -> Vec<u8> {
    let (han, kana, english) = (words(HAN), words(KANA), words(WORDS));
    let mut rng = Lcg::new(0x5EED_0003);
    let mut out = String::with_capacity(len + 32);
    while out.len() < len {
        let word = match rng.below(16) {
            0..=10 => rng.pick(&han),
            11..=14 => rng.pick(&kana),
            _ => rng.pick(&english),
        };
        out.push_str(word);
        out.push(match rng.below(40) {
            0..=4 => '\u{3000}',
            5..=6 => '\n',
            _ => ' ',
        });
    }
    finish(out, len)
}

/// Mixed text for UTF-8 validation: [`english`]-like words with about one word in four
/// drawn from accented Latin, Greek, Cyrillic, CJK, Hangul and emoji (2-, 3- and 4-byte
/// characters), so nearly every 64-byte block has non-ASCII bytes.
pub fn mixed(len: usize) -> Vec<u8> {
    let (mixed, english) = (words(MIXED), words(WORDS));
    let mut rng = Lcg::new(0x5EED_0004);
    let mut out = String::with_capacity(len + 32);
    while out.len() < len {
        let word = if rng.one_in(4) {
            rng.pick(&mixed)
        } else {
            rng.pick(&english)
        };
        out.push_str(word);
        out.push(if rng.one_in(12) { '\n' } else { ' ' });
    }
    finish(out, len)
}

/// The named texts that the word-counting benchmarks run on.
pub fn word_texts(len: usize) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("ascii-english", english(len)),
        ("multibyte-space", multibyte_space(len)),
        ("cjk", cjk(len)),
    ]
}
