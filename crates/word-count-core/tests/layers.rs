//! The core's modules form one-way layers: `src/lib.rs` lists them lowest layer first,
//! and each may refer only to modules listed before it, so no two modules depend on each
//! other, directly or around a loop.
//!
//! A text scan, not the compiler's view, kept simple on purpose. It reads the order from
//! the `mod` lines of `src/lib.rs`, then each module's source (`src/NAME.rs`, or the
//! files under `src/NAME/`) with its comments, strings and character literals blanked
//! out, and looks for the paths that name another module: `crate::NAME` (`$crate::NAME`
//! too, and each name of a `crate::{..}` group), and `super::NAME` where that `super`
//! climbs out of the file's top-level module to the crate root. Test modules are checked
//! like the rest. Comments are not: a doc link up to a caller says who uses a module, it
//! imports nothing. Not seen: a path that reaches a module only through a glob or a
//! re-export of another module (`crate::a::*`, `crate::a::b` re-exported by `a`).

use std::fs;
use std::path::{Path, PathBuf};

#[test]
#[cfg_attr(
    miri,
    ignore = "reads src/ from disk, which Miri's isolation refuses; safe code over std only, \
              and its scan runs under Miri in the next test"
)]
fn each_module_refers_only_to_modules_listed_before_it_in_lib_rs() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let order = listed_modules(&read(&src.join("lib.rs")));
    assert!(order.len() > 1, "no `mod` lines found in src/lib.rs");

    let mut problems = Vec::new();
    for entry in fs::read_dir(&src).expect("src/ is readable") {
        let path = entry.expect("src/ is readable").path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let is_source = path.is_dir() || path.extension().is_some_and(|e| e == "rs");
        if is_source && name != "lib" && !order.contains(&name) {
            problems.push(format!(
                "{}: not listed in src/lib.rs, so its layer is unknown",
                shown(&path)
            ));
        }
    }
    for (layer, module) in order.iter().enumerate() {
        let files = module_files(&src, module);
        if files.is_empty() {
            problems.push(format!(
                "src/lib.rs lists `{module}`, which has no source file"
            ));
        }
        for (path, depth) in files {
            for (line, other) in references(&read(&path), depth) {
                let Some(other_layer) = order.iter().position(|m| *m == other) else {
                    continue; // an item of lib.rs itself (`crate::CoreError`), not a module
                };
                if other_layer > layer {
                    problems.push(format!(
                        "{}:{line}: `{module}` refers to `{other}`, which src/lib.rs lists \
                         after it (a higher layer)",
                        shown(&path)
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "the core's layers (src/lib.rs, lowest first) are broken:\n{}",
        problems.join("\n")
    );
}

/// The scan itself: each kind of reference is found, and nothing in a comment, a string or
/// a nested module's `super` is taken for one.
#[test]
fn the_scan_finds_every_kind_of_reference_and_nothing_else() {
    let source = r##"
use crate::a;
use crate::{b, c::{x, y}, self};
pub(crate) fn f<'t>(s: &'t str) -> char { crate::d::g(); '{' }
macro_rules! m { () => { $crate::e::h() }; }
use super::f2;
// crate::not_1
/* crate::not_2 /* nested */ super::not_3 */
const S: &str = "crate::not_4 \" crate::not_5";
const R: &str = r#"crate::not_6 " crate::not_7"#;
const Q: char = '"'; const P: u8 = b'\'';
mod tests {
    use super::not_8;
    use super::super::{g2, h2};
    const T: &str = "}"; // a brace in a string does not end the module
    mod deeper { use super::super::super::i2; }
}
impl Drop for X { fn drop(&mut self) { use super::j2; } }
"##;
    let found: Vec<(usize, String)> = references(source, 0);
    let names: Vec<&str> = found.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(
        names,
        ["a", "b", "c", "d", "e", "f2", "g2", "h2", "i2", "j2"]
    );
    assert_eq!((found[0].0, found[3].0, found[9].0), (2, 4, 18));
    // One directory down (a file of `src/NAME/`), one more `super` reaches the root.
    let names: Vec<String> = references("use super::a; use super::super::b;", 1)
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    assert_eq!(names, ["b"]);
    assert_eq!(
        listed_modules("#[cfg(x)]\npub mod a; // one\nmod b;\npub(crate) mod c;\n// mod d;\n"),
        ["a", "b", "c"]
    );
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `path` from the crate's folder, as a message names it.
fn shown(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The modules `lib` declares with `mod NAME;` lines, in order.
fn listed_modules(lib: &str) -> Vec<String> {
    let code = blank_non_code(lib);
    let mut names = Vec::new();
    for line in code.lines() {
        let mut line = line.trim();
        while let Some(rest) = line.strip_prefix("#[") {
            line = rest
                .split_once(']')
                .map_or("", |(_, after)| after)
                .trim_start();
        }
        for visibility in ["pub(crate) ", "pub(super) ", "pub "] {
            line = line.strip_prefix(visibility).unwrap_or(line);
        }
        if let Some(name) = line.strip_prefix("mod ").and_then(|r| r.strip_suffix(';')) {
            names.push(name.trim().to_owned());
        }
    }
    names
}

/// The source files of module `name`, each with its depth below the module's top level
/// (0 for `src/NAME.rs` and `src/NAME/mod.rs`, 1 for `src/NAME/x.rs`, ...).
fn module_files(src: &Path, name: &str) -> Vec<(PathBuf, usize)> {
    let mut files = Vec::new();
    let file = src.join(format!("{name}.rs"));
    if file.is_file() {
        files.push((file, 0));
    }
    let dir = src.join(name);
    if dir.is_dir() {
        walk(&dir, 1, &mut files);
    }
    files
}

fn walk(dir: &Path, depth: usize, files: &mut Vec<(PathBuf, usize)>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a readable folder").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, depth + 1, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let is_mod_rs = path.file_name().is_some_and(|f| f == "mod.rs");
            files.push((path, if is_mod_rs { depth - 1 } else { depth }));
        }
    }
}

/// The names `source` reaches at the crate root through `crate::` or `super::` paths,
/// each with its line (1-based), in order. `depth` is the file's depth below its
/// module's top level (see [`module_files`]).
fn references(source: &str, depth: usize) -> Vec<(usize, String)> {
    let code: Vec<char> = blank_non_code(source).chars().collect();
    let mod_depth = module_depths(&code);
    let mut found = Vec::new();
    let mut i = 0;
    while i < code.len() {
        // Not inside a longer name, nor the second `super` of a chain.
        let at_word = i == 0 || !(is_ident(code[i - 1]) || code[i - 1] == ':');
        let root_path_end = if at_word && starts_with(&code, i, "crate::") {
            Some(i + "crate::".len())
        } else if at_word && starts_with(&code, i, "super::") {
            let mut end = i;
            let mut climbs = 0;
            while starts_with(&code, end, "super::") {
                end += "super::".len();
                climbs += 1;
                end = skip_space(&code, end);
            }
            // The root is one step above the file's top-level module.
            (climbs == depth + mod_depth[i] + 1).then_some(end)
        } else {
            None
        };
        let Some(end) = root_path_end else {
            i += 1;
            continue;
        };
        let line = code[..i].iter().filter(|&&c| c == '\n').count() + 1;
        let end = skip_space(&code, end);
        if code.get(end) == Some(&'{') {
            for name in group_heads(&code, end) {
                found.push((line, name));
            }
        } else if let Some(name) = ident_at(&code, end) {
            found.push((line, name));
        }
        i = end;
    }
    found.retain(|(_, name)| name != "self" && name != "super");
    found
}

/// The first name of each item of the `{..}` group that opens at `open`.
fn group_heads(code: &[char], open: usize) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut item_start = true;
    for (i, &c) in code.iter().enumerate().skip(open) {
        match c {
            '{' => {
                depth += 1;
                item_start = depth == 1;
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            ',' if depth == 1 => item_start = true,
            c if item_start && is_ident(c) => {
                heads.extend(ident_at(code, i));
                item_start = false;
            }
            _ => {}
        }
    }
    heads
}

/// For each position, how many `mod NAME { .. }` blocks of the file enclose it.
fn module_depths(code: &[char]) -> Vec<usize> {
    let mut depths = Vec::with_capacity(code.len());
    let mut open: Vec<bool> = Vec::new(); // for each open brace: does it open a module?
    for (i, &c) in code.iter().enumerate() {
        match c {
            '{' => open.push(opens_module(&code[..i])),
            '}' => {
                open.pop();
            }
            _ => {}
        }
        depths.push(open.iter().filter(|&&m| m).count());
    }
    depths
}

/// Does `before` end with `mod NAME` (so that a `{` after it opens a module)?
fn opens_module(before: &[char]) -> bool {
    let mut end = before.len();
    while end > 0 && before[end - 1].is_whitespace() {
        end -= 1;
    }
    let name_end = end;
    while end > 0 && is_ident(before[end - 1]) {
        end -= 1;
    }
    if end == name_end {
        return false;
    }
    while end > 0 && before[end - 1].is_whitespace() {
        end -= 1;
    }
    end >= 3 && before[end - 3..end] == ['m', 'o', 'd'] && (end == 3 || !is_ident(before[end - 4]))
}

/// `source` with every comment, string and character literal replaced by spaces (line
/// breaks kept, so line numbers still hold).
fn blank_non_code(source: &str) -> String {
    let s: Vec<char> = source.chars().collect();
    let mut out = s.clone();
    let blank = |out: &mut Vec<char>, from: usize, to: usize| {
        for c in &mut out[from..to.min(s.len())] {
            if *c != '\n' {
                *c = ' ';
            }
        }
    };
    let mut i = 0;
    while i < s.len() {
        let word_start = i == 0 || !is_ident(s[i - 1]);
        if starts_with(&s, i, "//") {
            let end = (i..s.len()).find(|&j| s[j] == '\n').unwrap_or(s.len());
            blank(&mut out, i, end);
            i = end;
        } else if starts_with(&s, i, "/*") {
            let (mut j, mut depth) = (i + 2, 1);
            while j < s.len() && depth > 0 {
                if starts_with(&s, j, "/*") {
                    depth += 1;
                    j += 2;
                } else if starts_with(&s, j, "*/") {
                    depth -= 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            blank(&mut out, i, j);
            i = j;
        } else if let Some(end) = raw_string_end(&s, i).filter(|_| word_start) {
            blank(&mut out, i, end);
            i = end;
        } else if s[i] == '"' {
            let mut j = i + 1;
            while j < s.len() && s[j] != '"' {
                j += if s[j] == '\\' { 2 } else { 1 };
            }
            blank(&mut out, i, j + 1);
            i = j + 1;
        } else if s[i] == '\'' {
            // A character literal ('x', '\n', '\u{..}'), or else a lifetime or a label.
            let end = if s.get(i + 1) == Some(&'\\') {
                (i + 3..s.len()).find(|&j| s[j] == '\'').map(|j| j + 1)
            } else if s.get(i + 2) == Some(&'\'') {
                Some(i + 3)
            } else {
                None
            };
            match end {
                Some(end) => {
                    blank(&mut out, i, end);
                    i = end;
                }
                None => i += 1,
            }
        } else {
            i += 1;
        }
    }
    out.into_iter().collect()
}

/// If a raw string (`r"..."`, `r#"..."#`, `br"..."`) starts at `i`: where it ends.
fn raw_string_end(s: &[char], i: usize) -> Option<usize> {
    let mut j = i;
    if s.get(j) == Some(&'b') {
        j += 1;
    }
    if s.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let hashes = s[j..].iter().take_while(|&&c| c == '#').count();
    j += hashes;
    if s.get(j) != Some(&'"') {
        return None;
    }
    let closing: Vec<char> = std::iter::once('"')
        .chain(std::iter::repeat_n('#', hashes))
        .collect();
    (j + 1..s.len())
        .find(|&k| s[k..].starts_with(&closing))
        .map(|k| k + closing.len())
}

fn starts_with(code: &[char], at: usize, text: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    code.get(at..).is_some_and(|rest| rest.starts_with(&text))
}

fn skip_space(code: &[char], mut at: usize) -> usize {
    while at < code.len() && code[at].is_whitespace() {
        at += 1;
    }
    at
}

fn ident_at(code: &[char], at: usize) -> Option<String> {
    let name: String = code[at.min(code.len())..]
        .iter()
        .take_while(|&&c| is_ident(c))
        .collect();
    (!name.is_empty()).then_some(name)
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}
