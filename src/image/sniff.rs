//! Compression and format sniffing from the first bytes of a stream.
//!
//! Names and mediaTypes lie (skopeo 1.9.3 labels plain layers as gzip), so
//! peel decides from the bytes alone.

use std::io::{self, Chain, Cursor, Read};

use flate2::read::MultiGzDecoder;

/// How a blob is compressed, as its first bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub fn detect(head: &[u8]) -> Self {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// A tar block is 512 bytes; a tar stream starts with a header block.
pub const BLOCK: usize = 512;

/// Does this first block look like the start of a tar stream? A ustar/GNU
/// magic, a valid old-style (v7) header checksum, or the all-zero end marker
/// of an empty archive.
pub fn is_tar(head: &[u8]) -> bool {
    if head.len() < BLOCK {
        return false;
    }
    let block = &head[..BLOCK];
    if &block[257..262] == b"ustar" {
        return true;
    }
    if block.iter().all(|&b| b == 0) {
        return true;
    }
    header_checksum_ok(block)
}

fn header_checksum_ok(block: &[u8]) -> bool {
    let field = &block[148..156];
    let text: String = field
        .iter()
        .take_while(|&&b| b != 0 && b != b' ')
        .map(|&b| b as char)
        .collect::<String>()
        .trim()
        .to_string();
    let Ok(stored) = u32::from_str_radix(&text, 8) else {
        return false;
    };
    let sum: u32 = block
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                b as u32
            }
        })
        .sum();
    sum == stored
}

/// A reader whose first bytes have been looked at and are replayed.
pub type Peeked<R> = Chain<Cursor<Vec<u8>>, R>;

/// Read up to `n` bytes from `reader` (fewer only at end of stream) and give
/// them back together with a reader that replays them.
pub fn peek<R: Read>(mut reader: R, n: usize) -> io::Result<(Vec<u8>, Peeked<R>)> {
    let mut head = Vec::with_capacity(n);
    (&mut reader).take(n as u64).read_to_end(&mut head)?;
    let replay = Cursor::new(head.clone());
    Ok((head, replay.chain(reader)))
}

/// Wrap `reader` in the decoder its first bytes call for.
pub fn decompress<'a, R: Read + 'a>(reader: R) -> io::Result<(Compression, Box<dyn Read + 'a>)> {
    let (head, reader) = peek(reader, 4)?;
    let compression = Compression::detect(&head);
    let decoded: Box<dyn Read + 'a> = match compression {
        Compression::None => Box::new(reader),
        Compression::Gzip => Box::new(MultiGzDecoder::new(reader)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(reader)?),
    };
    Ok((compression, decoded))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_magic() {
        assert_eq!(Compression::detect(&[0x1f, 0x8b, 8, 0]), Compression::Gzip);
        assert_eq!(
            Compression::detect(&[0x28, 0xb5, 0x2f, 0xfd]),
            Compression::Zstd
        );
        assert_eq!(Compression::detect(b"ustar"), Compression::None);
        assert_eq!(Compression::detect(b""), Compression::None);
    }

    #[test]
    fn tar_detection() {
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_old();
        header.set_path("x").unwrap();
        header.set_size(0);
        header.set_cksum();
        builder.append(&header, &[][..]).unwrap();
        let bytes = builder.into_inner().unwrap();
        assert!(is_tar(&bytes), "v7 header with a valid checksum");
        assert!(is_tar(&[0u8; 1024]));
        assert!(!is_tar(b"{\"json\": true}"));
        let mut garbage = vec![7u8; 512];
        garbage[0] = b'a';
        assert!(!is_tar(&garbage));
    }

    #[test]
    fn peek_replays() {
        let (head, mut rest) = peek(&b"hello world"[..], 5).unwrap();
        assert_eq!(head, b"hello");
        let mut all = String::new();
        rest.read_to_string(&mut all).unwrap();
        assert_eq!(all, "hello world");
    }
}
