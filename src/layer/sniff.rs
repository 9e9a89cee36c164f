//! Compression and format sniffing from the first bytes of a stream.
//!
//! Names and mediaTypes lie (skopeo 1.9.3 labels plain layers as gzip), so
//! peel decides from the bytes alone.

use std::io::{self, Chain, Cursor, Read};

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
    let (head, reader) = peek(reader, ZSTD_HEADER_MAX)?;
    let compression = Compression::detect(&head);
    if compression == Compression::Zstd {
        check_zstd_window(&head)?;
    }
    Ok((compression, decoder(compression, reader)?))
}

/// The decoder for `compression` over `reader`.
fn decoder<'a, R: Read + 'a>(
    compression: Compression,
    reader: R,
) -> io::Result<Box<dyn Read + 'a>> {
    Ok(match compression {
        Compression::None => Box::new(reader),
        Compression::Gzip => super::gunzip::decoder(reader),
        Compression::Zstd => {
            let mut decoder = zstd::stream::read::Decoder::new(reader)?;
            decoder.window_log_max(ZSTD_WINDOW_LOG_MAX)?;
            Box::new(ZstdReader(decoder))
        }
    })
}

/// The largest zstd window peel decodes: 2^27 = 128 MiB, zstd's own default
/// (what `zstd -d` accepts without `--memory`). A decoder holds a window of
/// memory per stream, and several layers are decoded at once.
pub const ZSTD_WINDOW_LOG_MAX: u32 = 27;

/// A zstd frame header is at most 18 bytes (magic, descriptor, window,
/// dictionary id, content size).
const ZSTD_HEADER_MAX: usize = 18;

fn zstd_limit() -> String {
    humansize::format_size(1u64 << ZSTD_WINDOW_LOG_MAX, humansize::BINARY)
}

/// The error for a frame whose window is larger than peel decodes.
fn too_much_memory(window: Option<u64>) -> io::Error {
    let needs = match window {
        Some(w) => format!(
            "needs a {} window",
            humansize::format_size(w, humansize::BINARY)
        ),
        None => "needs a larger window".to_string(),
    };
    io::Error::new(
        io::ErrorKind::OutOfMemory,
        format!(
            "a zstd frame {needs} to decode, more memory than peel allows (at most {})",
            zstd_limit()
        ),
    )
}

/// The window a zstd frame header declares (RFC 8878, 3.1.1.1), when the
/// header is complete.
fn zstd_window(header: &[u8]) -> Option<u64> {
    let descriptor = *header.get(4)?;
    let single_segment = descriptor & 0x20 != 0;
    if !single_segment {
        let window = *header.get(5)?;
        let base = 1u64 << (10 + u32::from(window >> 3));
        return Some(base + base / 8 * u64::from(window & 7));
    }
    // One segment: the window is the whole content.
    let dictionary = [0, 1, 2, 4][usize::from(descriptor & 3)];
    let size_len = [1, 2, 4, 8][usize::from(descriptor >> 6)];
    let start = 5 + dictionary;
    let field = header.get(start..start + size_len)?;
    let mut size = field
        .iter()
        .rev()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    if size_len == 2 {
        size += 256;
    }
    Some(size)
}

/// Refuse, before decoding, a first frame whose window is too large.
fn check_zstd_window(head: &[u8]) -> io::Result<()> {
    match zstd_window(head) {
        Some(window) if window > 1u64 << ZSTD_WINDOW_LOG_MAX => Err(too_much_memory(Some(window))),
        _ => Ok(()),
    }
}

/// The zstd decoder, with its "too much memory" error (a later frame's
/// window) told apart from corruption.
struct ZstdReader<R: Read>(zstd::stream::read::Decoder<'static, std::io::BufReader<R>>);

impl<R: Read> Read for ZstdReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| {
            if e.to_string().contains("too much memory") {
                too_much_memory(None)
            } else {
                e
            }
        })
    }
}

/// Read a whole-compressed archive's stream to its end after the tar's end
/// marker, so that the decoder checks the trailer (gzip's CRC and length,
/// zstd's checksum) and sees what follows it. A plain tar is left alone.
pub fn finish_outer<R: Read>(stream: R, compression: Compression) -> io::Result<()> {
    if compression == Compression::None {
        return Ok(());
    }
    super::digest::drain(stream).map(|_| ())
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

    fn zstd_stream(bytes: &[u8]) -> Vec<u8> {
        let mut enc = zstd::stream::Encoder::new(Vec::new(), 3).unwrap();
        io::Write::write_all(&mut enc, bytes).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn zstd_windows_are_read_from_the_frame_header() {
        // A window descriptor: exponent 21, mantissa 0 → 2^31; mantissa 4 → +half.
        assert_eq!(
            zstd_window(&[0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xa8]),
            Some(1 << 31)
        );
        assert_eq!(
            zstd_window(&[0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xac]),
            Some(3 << 30)
        );
        // One segment: the window is the content size (2-byte field: +256).
        assert_eq!(
            zstd_window(&[0x28, 0xb5, 0x2f, 0xfd, 0x60, 0x00, 0x01]),
            Some(256 + 256)
        );
        assert_eq!(
            zstd_window(&[0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 1, 0, 0, 0]),
            Some(1 << 32)
        );
        assert_eq!(zstd_window(&[0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0]), None);
        // What the encoder writes is within the limit.
        let small = zstd_stream(b"hello");
        assert!(zstd_window(&small).unwrap() <= 1 << ZSTD_WINDOW_LOG_MAX);
    }

    #[test]
    fn a_zstd_window_too_large_is_a_memory_error_in_any_frame() {
        let mut first = zstd_stream(b"hello");
        first[5] = 0xa8;
        let err = decompress(&first[..]).err().expect("refused up front");
        assert_eq!(err.kind(), io::ErrorKind::OutOfMemory);
        assert_eq!(
            err.to_string(),
            "a zstd frame needs a 2 GiB window to decode, more memory than peel allows (at most 128 MiB)"
        );
        // A second frame's window is only seen by the decoder.
        let mut two = zstd_stream(b"hello");
        let mut second = zstd_stream(b"world");
        second[5] = 0xa8;
        two.extend_from_slice(&second);
        let (_, mut decoded) = decompress(&two[..]).unwrap();
        let err = io::copy(&mut decoded, &mut io::sink()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::OutOfMemory, "{err}");
        assert!(err.to_string().contains("at most 128 MiB"), "{err}");
    }

    #[test]
    fn the_outer_stream_is_read_to_its_trailer() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        io::Write::write_all(&mut gz, &[0u8; 4096]).unwrap();
        let mut gz = gz.finish().unwrap();
        let at = gz.len() - 8;
        gz[at] ^= 1;
        let (compression, mut decoded) = decompress(&gz[..]).unwrap();
        // The first bytes decode; only the end tells.
        decoded.read_exact(&mut [0u8; 1024]).unwrap();
        assert!(finish_outer(&mut decoded, compression).is_err());
        assert!(finish_outer(&b"plain tar bytes"[..], Compression::None).is_ok());
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
