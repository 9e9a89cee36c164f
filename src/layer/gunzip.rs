//! The gzip decoder of layer blobs and archives: ISA-L's igzip (through
//! `isal-rs`, linked to the system's libisal) when peel is built with its
//! default `isal` feature, else flate2's `MultiGzDecoder` on zlib-rs.
//!
//! On the large-apt image's layers igzip spent 1.48–1.85 CPU s where
//! zlib-rs spent 1.97–2.11 (and zlib-ng 2.22–2.51): inflate is half of
//! what peel's CPU does on a gzip image. Both decoders take concatenated
//! members and check every member's CRC-32 and length; errors read as
//! flate2's do, so that a corrupt stream's one-line message does not depend
//! on the build.

use std::io::Read;

/// A decoder of a gzip stream of one or more members over `reader`.
pub fn decoder<'a, R: Read + 'a>(reader: R) -> Box<dyn Read + 'a> {
    #[cfg(feature = "isal")]
    {
        Box::new(isal_reader::Gunzip::new(reader))
    }
    #[cfg(not(feature = "isal"))]
    {
        Box::new(flate2::read::MultiGzDecoder::new(reader))
    }
}

#[cfg(feature = "isal")]
mod isal_reader {
    use std::io::{self, Read};

    use isal::error::Error as IsalError;
    use isal::{DecompCode, read::GzipDecoder};

    /// igzip over a reader, its errors made flate2's.
    pub struct Gunzip<R: Read> {
        /// Boxed: the decoder points into its own input buffer once it has
        /// read, so it must never move (and its state is ~100 KiB).
        inner: Box<GzipDecoder<Full<R>>>,
        /// The first error, given again: the decoder is not asked to go on
        /// from a state it refused.
        failed: Option<(io::ErrorKind, String)>,
    }

    impl<R: Read> Gunzip<R> {
        pub fn new(reader: R) -> Self {
            Gunzip {
                inner: Box::new(GzipDecoder::new(Full::new(reader))),
                failed: None,
            }
        }
    }

    impl<R: Read> Read for Gunzip<R> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if let Some((kind, message)) = &self.failed {
                return Err(io::Error::new(*kind, message.clone()));
            }
            self.inner.read(buf).map_err(|e| {
                let e = translate(e, self.inner.get_ref().ended);
                // An interrupted read (a cancelled load) is the reader's, not
                // the stream's: it is passed on, not kept.
                if e.kind() != io::ErrorKind::Interrupted {
                    self.failed = Some((e.kind(), e.to_string()));
                }
                e
            })
        }
    }

    /// flate2's error for a bad gzip header.
    fn bad_header() -> io::Error {
        io::Error::new(io::ErrorKind::InvalidInput, "invalid gzip header")
    }

    /// flate2's error for a member whose CRC-32 or length does not match.
    fn bad_trailer() -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "corrupt gzip stream does not have a matching checksum",
        )
    }

    /// flate2's error for bad deflate data.
    fn bad_deflate() -> io::Error {
        io::Error::new(io::ErrorKind::InvalidInput, "corrupt deflate stream")
    }

    /// igzip's error as flate2 words it; `ended`: the input had ended.
    fn translate(e: io::Error, ended: bool) -> io::Error {
        let Some(isal) = e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<IsalError>())
        else {
            return e;
        };
        match isal {
            IsalError::DecompressionError(code) => match code {
                DecompCode::InvalidWrapper
                | DecompCode::UnsupportedMethod
                | DecompCode::NameOverflow
                | DecompCode::CommentOverflow
                | DecompCode::ExtraOverflow => bad_header(),
                DecompCode::IncorrectChecksum => bad_trailer(),
                _ => bad_deflate(),
            },
            // isal-rs stops a stream that no longer moves: cut short when the
            // input has ended, else data igzip cannot make progress on.
            IsalError::Other(_) if ended => io::ErrorKind::UnexpectedEof.into(),
            IsalError::Io(inner) => io::Error::new(inner.kind(), inner.to_string()),
            _ => bad_deflate(),
        }
    }

    /// A reader that fills the whole buffer it is given unless its input
    /// ends. isal-rs takes two reads that decode nothing for a stream that
    /// is stuck, so it must never be handed a few bytes because a pipe or a
    /// socket had only those at hand: with full 16 KiB reads, only the end
    /// of the input or a stream no real encoder writes decodes nothing.
    struct Full<R> {
        reader: R,
        /// The input has ended (a read gave 0).
        ended: bool,
        /// An error met after some bytes had been given: the next read's.
        pending: Option<io::Error>,
    }

    impl<R: Read> Full<R> {
        fn new(reader: R) -> Self {
            Full {
                reader,
                ended: false,
                pending: None,
            }
        }
    }

    impl<R: Read> Read for Full<R> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if let Some(e) = self.pending.take() {
                return Err(e);
            }
            let mut filled = 0;
            while filled < buf.len() && !self.ended {
                match self.reader.read(&mut buf[filled..]) {
                    Ok(0) => self.ended = true,
                    Ok(n) => filled += n,
                    Err(e) if filled == 0 => return Err(e),
                    Err(e) => {
                        self.pending = Some(e);
                        break;
                    }
                }
            }
            Ok(filled)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{self, Write};

    use super::*;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    /// Bytes that compress, but not to nothing.
    fn text(len: usize) -> Vec<u8> {
        let mut seed = 7u32;
        (0..len)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                b"abcdefgh \n"[(seed >> 24) as usize % 10]
            })
            .collect()
    }

    fn decode(bytes: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        decoder(bytes).read_to_end(&mut out)?;
        Ok(out)
    }

    /// A reader that gives at most `n` bytes a read, as a socket may.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn decodes_one_member_in_any_read_sizes() {
        let plain = text(300_000);
        let gz = gzip(&plain);
        assert_eq!(decode(&gz).unwrap(), plain);
        for step in [1, 3, 500, 70_000] {
            let mut out = Vec::new();
            decoder(Trickle(&gz, step)).read_to_end(&mut out).unwrap();
            assert_eq!(out, plain, "input {step} bytes a read");
        }
        // The caller's reads may be small too.
        let mut d = decoder(&gz[..]);
        let mut out = Vec::new();
        let mut buf = [0u8; 7];
        loop {
            match d.read(&mut buf).unwrap() {
                0 => break,
                n => out.extend_from_slice(&buf[..n]),
            }
        }
        assert_eq!(out, plain);
    }

    #[test]
    fn concatenated_members_are_one_stream() {
        let (a, b) = (text(50_000), b"second member".to_vec());
        let mut gz = gzip(&a);
        gz.extend_from_slice(&gzip(b""));
        gz.extend_from_slice(&gzip(&b));
        assert_eq!(decode(&gz).unwrap(), [a, b].concat());
    }

    #[test]
    fn an_empty_member_decodes_to_nothing() {
        assert_eq!(decode(&gzip(b"")).unwrap(), b"");
    }

    fn error(bytes: &[u8]) -> io::Error {
        decode(bytes).expect_err("a bad stream is an error")
    }

    #[test]
    fn a_bad_trailer_is_flate2s_checksum_error() {
        let gz = gzip(&text(100_000));
        for at in [gz.len() - 8, gz.len() - 1] {
            let mut bad = gz.clone();
            bad[at] ^= 1;
            let e = error(&bad);
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
            assert_eq!(
                e.to_string(),
                "corrupt gzip stream does not have a matching checksum"
            );
        }
    }

    // igzip's wording; flate2 words some cuts otherwise (and retries an
    // interrupted read instead of passing it on), so these two are igzip's.
    #[cfg(feature = "isal")]
    #[test]
    fn a_cut_stream_is_an_unexpected_end() {
        let gz = gzip(&text(100_000));
        for keep in [gz.len() - 8, gz.len() - 3, gz.len() / 2, 12, 3] {
            let e = error(&gz[..keep]);
            assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof, "{keep}: {e}");
            assert_eq!(e.to_string(), "unexpected end of file");
        }
    }

    #[test]
    fn garbage_is_a_header_or_deflate_error_and_stays_one() {
        let gz = gzip(&text(100_000));
        let mut tail = gz.clone();
        tail.extend_from_slice(b"trailing garbage");
        assert_eq!(error(&tail).to_string(), "invalid gzip header");
        let mut method = gz.clone();
        method[2] = 7;
        assert_eq!(error(&method).to_string(), "invalid gzip header");
        let mut flipped = gz.clone();
        for b in &mut flipped[gz.len() / 2..gz.len() / 2 + 16] {
            *b ^= 0xff;
        }
        let e = error(&flipped);
        assert!(
            [
                "corrupt deflate stream",
                "corrupt gzip stream does not have a matching checksum"
            ]
            .contains(&e.to_string().as_str()),
            "{e}"
        );
        // Asked again, the decoder gives the same error.
        let mut d = decoder(&tail[..]);
        let _ = io::copy(&mut d, &mut io::sink());
        assert_eq!(
            d.read(&mut [0u8; 64]).unwrap_err().to_string(),
            "invalid gzip header"
        );
    }

    #[cfg(feature = "isal")]
    #[test]
    fn the_inputs_own_errors_pass_through() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled"))
            }
        }
        let e = decoder(Failing).read(&mut [0u8; 16]).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::Interrupted);
        assert_eq!(e.to_string(), "cancelled");
    }
}
