//! `OwnedWord`: a word kept after its text is gone, its bytes held in place when short.
//!
//! A `WordCounter` and a file's frequencies keep every distinct word they meet. As a
//! `Box<[u8]>` each word was an allocation of its own: 16 bytes of pointer and length
//! plus a heap block of at least 32 bytes (glibc's smallest chunk), and a `malloc` to
//! make it or copy it and a `free` to drop it. On a text of 10 million distinct words
//! (`bench-kernels`' hc_text), a `WordCounter` of it held 1,056 MB that way and holds 817
//! MB with words in place (docs/benchmarks.md, "Words kept by a `WordCounter`").

use std::fmt;

/// The longest word held in place. 22 bytes, a byte of length and the enum's tag make
/// an `OwnedWord` 24 bytes: 8 more than a `Box<[u8]>`, 24 fewer than a box and its heap
/// block. Nearly every word of a natural language fits (22 Latin, 11 Cyrillic or 7 CJK
/// letters); a longer one is boxed as before.
pub const INLINE_BYTES: usize = 22;

/// A word's bytes, owned: in place up to [`INLINE_BYTES`], on the heap beyond.
#[derive(Clone)]
pub enum OwnedWord {
    Inline { len: u8, bytes: [u8; INLINE_BYTES] },
    Heap(Box<[u8]>),
}

impl OwnedWord {
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            OwnedWord::Inline { len, bytes } => &bytes[..usize::from(*len)],
            OwnedWord::Heap(bytes) => bytes,
        }
    }
}

impl From<&[u8]> for OwnedWord {
    #[inline]
    fn from(word: &[u8]) -> Self {
        if word.len() <= INLINE_BYTES {
            let mut bytes = [0; INLINE_BYTES];
            bytes[..word.len()].copy_from_slice(word);
            OwnedWord::Inline {
                len: word.len() as u8,
                bytes,
            }
        } else {
            OwnedWord::Heap(Box::from(word))
        }
    }
}

impl Default for OwnedWord {
    /// The empty word (what a table's merge leaves behind as it moves a word out).
    fn default() -> Self {
        OwnedWord::Inline {
            len: 0,
            bytes: [0; INLINE_BYTES],
        }
    }
}

impl AsRef<[u8]> for OwnedWord {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl fmt::Debug for OwnedWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "OwnedWord({:?})",
            String::from_utf8_lossy(self.as_bytes())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_no_more_room_than_a_boxed_slice_and_its_length() {
        assert_eq!(std::mem::size_of::<OwnedWord>(), 24);
    }

    #[test]
    fn keeps_every_length_and_byte() {
        let text: Vec<u8> = (0..=255u8).chain(0..=255).collect();
        for len in 0..=2 * INLINE_BYTES + 1 {
            for start in [0, 1, 200] {
                let word = &text[start..start + len];
                let owned = OwnedWord::from(word);
                assert_eq!(owned.as_bytes(), word);
                assert_eq!(owned.clone().as_bytes(), word);
                assert_eq!(
                    matches!(owned, OwnedWord::Inline { .. }),
                    len <= INLINE_BYTES
                );
            }
        }
        assert_eq!(OwnedWord::default().as_bytes(), b"");
    }
}
