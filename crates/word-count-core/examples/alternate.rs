//! Times one of the core's kernels on two texts, alternating the two call by call, and
//! prints each text's median speed and the median of the per-pair ratios. This is the
//! Rust-only A/B that docs/benchmarks.md ("Why three goals still miss") uses. It compares
//! two inputs on a machine whose speed drifts from minute to minute: both texts see the
//! same drift, so their ratio is steadier than either speed.
//!
//! ```text
//! cargo run --release -p word-count-core --example alternate -- KERNEL A B [CALLS] [CHUNKS]
//! ```
//!
//! KERNEL is `frequencies` (`frequencies_in`) or `words` (`count_words_in`), on UTF-8.
//! CALLS is the number of pairs (default 200). CHUNKS is the chunks of each call (default
//! 1, one thread). To compare two builds instead, run this example from each in turn.

use std::process::ExitCode;
use std::time::Instant;

use word_count_core::encoding::Utf8;
use word_count_core::frequencies::frequencies_in;
use word_count_core::hash::Seed;
use word_count_core::words::count_words_in;

/// Warm-up pairs, not timed: the first calls grow the tables and fault the pages in.
const WARM_UP: usize = 5;

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("alternate: {message}");
            eprintln!("usage: alternate frequencies|words A B [CALLS] [CHUNKS]");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let [kernel, a, b, rest @ ..] = args.as_slice() else {
        return Err("a kernel and two files are needed".into());
    };
    let number = |i: usize, default: usize| -> Result<usize, String> {
        rest.get(i).map_or(Ok(default), |s| match s.parse() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!("{s:?} is not a positive number")),
        })
    };
    let (calls, chunks) = (number(0, 200)?, number(1, 1)?);
    let call: fn(&[u8], usize) -> usize = match kernel.as_str() {
        "frequencies" => |t, n| frequencies_in::<Utf8>(t, 0, t.len(), n, Seed::random()).len(),
        "words" => |t, n| count_words_in::<Utf8>(t, 0, t.len(), n),
        other => return Err(format!("no kernel {other:?}")),
    };
    let read = |path: &String| std::fs::read(path).map_err(|e| format!("{path}: {e}"));
    let (x, y) = (read(a)?, read(b)?);
    if std::str::from_utf8(&x).is_err() || std::str::from_utf8(&y).is_err() {
        return Err("the kernels take UTF-8 text".into());
    }
    // GB/s of one call, and its result, which is printed so that no call is optimised away.
    let time = |text: &[u8]| {
        let start = Instant::now();
        let result = call(text, chunks);
        (
            text.len() as f64 / start.elapsed().as_secs_f64() / 1e9,
            result,
        )
    };
    for _ in 0..WARM_UP {
        time(&x);
        time(&y);
    }
    let (mut speeds_a, mut speeds_b, mut ratios) = (vec![], vec![], vec![]);
    let (mut result_a, mut result_b) = (0, 0);
    for i in 0..calls {
        // Each text goes first in every other pair, so neither always follows the other.
        let ((sa, ra), (sb, rb)) = if i % 2 == 0 {
            let first = time(&x);
            (first, time(&y))
        } else {
            let first = time(&y);
            (time(&x), first)
        };
        speeds_a.push(sa);
        speeds_b.push(sb);
        ratios.push(sb / sa);
        (result_a, result_b) = (ra, rb);
    }
    println!("{kernel}, {chunks} chunk(s), {calls} pairs after {WARM_UP} warm-up pairs:");
    println!(
        "  A {a}: {} GB/s (result {result_a})",
        spread(&mut speeds_a)
    );
    println!(
        "  B {b}: {} GB/s (result {result_b})",
        spread(&mut speeds_b)
    );
    println!("  B / A: {}", spread(&mut ratios));
    Ok(())
}

/// "median (q1-q3)" of `values`.
fn spread(values: &mut [f64]) -> String {
    values.sort_by(f64::total_cmp);
    let at = |q: usize| values[(values.len() - 1) * q / 4];
    format!("{:.3} ({:.3}-{:.3})", at(2), at(1), at(3))
}
