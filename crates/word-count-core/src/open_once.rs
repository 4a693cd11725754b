//! Opening a file for reading with one `open` call, not retried when a signal interrupts
//! it.
//!
//! Why: Rust's `File::open` retries an `open` that a signal interrupted (EINTR) until it
//! returns. Opening a FIFO waits until some program opens it for writing, and a caller
//! that must answer Ctrl-C meanwhile (Python's `open()` does) needs the interruption
//! back, to handle the signal and call again.

use std::fs::File;
use std::io;
use std::path::Path;

/// `path` opened for reading, as `File::open` opens it, except that an `open` call
/// interrupted by a signal is returned as the `Interrupted` error, for the caller to
/// call again. Elsewhere than Unix, `File::open` itself.
#[cfg(unix)]
pub fn open_once(path: &Path) -> io::Result<File> {
    use std::ffi::CString;
    use std::os::fd::FromRawFd;
    use std::os::unix::ffi::OsStrExt;

    let name = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "embedded null byte"))?;
    let flags = libc::O_RDONLY | libc::O_CLOEXEC;
    // As `File::open` (open64 on glibc): files of 2 GiB and more on 32-bit Linux too.
    #[cfg(target_os = "linux")]
    let flags = flags | libc::O_LARGEFILE;
    // SAFETY: `name` is a NUL-terminated string, alive across the call, which `open`
    // only reads; without O_CREAT it takes no third argument. It returns a new
    // descriptor, or -1 with errno set.
    let fd = unsafe { libc::open(name.as_ptr(), flags) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just returned by `open`: a valid descriptor that nothing else
    // owns, which the `File` closes when dropped.
    Ok(unsafe { File::from_raw_fd(fd) })
}

/// See the Unix version.
#[cfg(not(unix))]
pub fn open_once(path: &Path) -> io::Result<File> {
    File::open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    #[cfg_attr(miri, ignore = "opens real files, which Miri's isolation forbids")]
    fn opens_like_file_open() {
        let path = std::env::temp_dir().join(format!("open_once-{}", std::process::id()));
        std::fs::write(&path, b"one two").unwrap();
        let mut text = String::new();
        open_once(&path).unwrap().read_to_string(&mut text).unwrap();
        assert_eq!(text, "one two");
        std::fs::remove_file(&path).unwrap();
        let missing = open_once(&path).unwrap_err();
        assert_eq!(missing.kind(), File::open(&path).unwrap_err().kind());
        assert_eq!(
            missing.raw_os_error(),
            File::open(&path).unwrap_err().raw_os_error()
        );
    }
}
