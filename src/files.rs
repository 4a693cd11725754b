//! `word_count_file` and `search_file`: files of any size, read block by block in
//! bounded memory (why reading and not mapping: see the core's `stream` module).

use std::fs::File;
use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use word_count_core::stream::{Block, Stream, StreamError, BLOCK_BYTES};
use word_count_core::text::Text;

use crate::detach::detach;
use crate::errors::Error;
use crate::search::needle_of;
use crate::sliced::{no_panic, FREQUENCY_SLICE_BYTES};
use crate::text::PyText;
use crate::threads::thread_count;

/// Count the words of the file at `path` as `len(text.split())` would for its text,
/// decoded as UTF-8, splitting the work over `n_threads` Rust threads.
///
/// The file is read in blocks of 16 MiB into one buffer, so memory stays about 16 MiB
/// whatever the file's size: files larger than memory work, and so do pipes and
/// character devices. `progress`, if given, is called as `progress(done, total)` after
/// each block, with the bytes read so far and the file's size (None if it has none, as
/// for a pipe); an exception it raises stops the count.
///
/// `path` is a str, bytes or os.PathLike, as for `open()`. Raises the OSError `open()`
/// would (FileNotFoundError, IsADirectoryError, PermissionError, with errno and
/// filename), and UnicodeDecodeError if the file is not UTF-8, whose reason gives the
/// byte offset. A file that shrinks while it is read is counted up to where it ended.
#[pyfunction]
#[pyo3(signature = (path, n_threads=None, *, progress=None))]
pub fn word_count_file(
    py: Python<'_>,
    path: &Bound<'_, PyAny>,
    n_threads: Option<&Bound<'_, PyAny>>,
    progress: Option<&Bound<'_, PyAny>>,
) -> Result<usize, Error> {
    let threads = thread_count(n_threads)?;
    let mut total = 0;
    scan_file(py, path, Blocks::Lookahead(0), progress, |b| {
        total += Text::Utf8(b.bytes).count_words(b.start, b.end, threads)
    })?;
    Ok(total)
}

/// Count the tokens equal to `needle` in the file at `path`, as `search` would for its
/// text decoded as UTF-8, in parallel on rayon's pool.
///
/// Reads the file as `word_count_file` does, in bounded memory, with the same
/// `progress` callback and the same errors; `needle` is a str or UTF-8 bytes.
#[pyfunction]
#[pyo3(signature = (path, needle, *, progress=None))]
pub fn search_file(
    py: Python<'_>,
    path: &Bound<'_, PyAny>,
    needle: PyText<'_>,
    progress: Option<&Bound<'_, PyAny>>,
) -> Result<usize, Error> {
    let needle = needle_of(py, &needle)?;
    let mut total = 0;
    scan_file(
        py,
        path,
        Blocks::Lookahead(needle.lookahead()),
        progress,
        |b| total += Text::Utf8(b.bytes).count_tokens(&needle, b.start, b.end, None),
    )?;
    Ok(total)
}

/// `path` as `open()` takes it: `os.fspath(path)` (kept for error messages) and the
/// path it names.
fn fs_path<'py>(path: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, PathBuf)> {
    let py = path.py();
    let fspath = py.import("os")?.call_method1("fspath", (path,))?;
    if fspath.is_instance_of::<PyString>() {
        let name: PathBuf = fspath.extract()?;
        return Ok((fspath, name));
    }
    #[cfg(unix)]
    if let Ok(bytes) = fspath.cast::<PyBytes>() {
        use std::os::unix::ffi::OsStrExt;
        let name = PathBuf::from(std::ffi::OsStr::from_bytes(bytes.as_bytes()));
        return Ok((fspath, name));
    }
    Err(pyo3::exceptions::PyTypeError::new_err(
        "bytes paths are only supported on POSIX systems",
    ))
}

/// How a file is cut into blocks: with `lookahead` bytes after each (see the core's
/// `stream` module), or each block ending after whitespace, every word in it whole, for
/// frequencies (in blocks of [`FREQUENCY_SLICE_BYTES`], to answer Ctrl-C as often).
pub enum Blocks {
    Lookahead(usize),
    WholeWords,
}

/// `step` on each block of the file at `path`, in order. Each block is read, checked and
/// stepped detached; between blocks, Ctrl-C is answered and `progress` told.
pub fn scan_file(
    py: Python<'_>,
    path: &Bound<'_, PyAny>,
    blocks: Blocks,
    progress: Option<&Bound<'_, PyAny>>,
    mut step: impl FnMut(Block<'_>) + Send,
) -> Result<(), Error> {
    let (fspath, name) = fs_path(path)?;
    let io_error = |e| Error::Io(e, fspath.clone().unbind());
    let file = detach(py, || File::open(&name)).map_err(io_error)?;
    let size = file
        .metadata()
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    // A small file needs no 16 MiB buffer (many small files are the CLI's common case);
    // one that grows while it is read is still read whole, a buffer at a time.
    let max_block = match blocks {
        Blocks::Lookahead(_) => BLOCK_BYTES,
        Blocks::WholeWords => FREQUENCY_SLICE_BYTES,
    };
    let block = size.map_or(max_block, |n| {
        usize::try_from(n).map_or(max_block, |n| n.saturating_add(1).clamp(4096, max_block))
    });
    let mut stream = match blocks {
        Blocks::Lookahead(lookahead) => Stream::new(file, block, lookahead),
        Blocks::WholeWords => Stream::whole_words(file, block),
    };
    loop {
        let read = detach(py, || {
            no_panic(|| stream.next_block().map(|block| block.map(&mut step)))
        })?;
        match read {
            Ok(Some(())) => {}
            Ok(None) => return Ok(()),
            Err(StreamError::Io(e)) => return Err(io_error(e)),
            Err(StreamError::Utf8 {
                offset,
                window,
                start,
                end,
                reason,
            }) => {
                return Err(Error::Decode {
                    object: PyBytes::new(py, &window).into_any().unbind(),
                    start,
                    end,
                    reason: format!("{reason} (at byte {offset} of {})", fspath.repr()?),
                })
            }
        }
        py.check_signals()?;
        if let Some(progress) = progress {
            progress.call1((stream.bytes_read(), size))?;
        }
    }
}
