//! A compressed layer blob walked on three threads, for blobs that stream
//! in (a registry's): one reads and hashes the blob, one decompresses it,
//! and the caller's hashes and walks the tar, each handing the next its
//! bytes through an [`ahead`] pipe.
//!
//! On one thread the largest layer's time is its decompression plus both
//! hashes and the walk; here it is about its decompression alone. Memory
//! grows by the pipes' few buffers. Errors and digests are
//! [`walk_blob_with`]'s, to the message, with one exception: a decoder that
//! fails late (a zstd frame's checksum) gives the error instead of the bytes
//! of the read that failed, and the pipe reads more at once than the walk
//! does, so a corrupt blob that also holds a bad entry may fail here on the
//! stream where one thread fails on the entry (either way, exit 2).

use std::io::{self, Read};

use super::ahead;
use super::digest::{self, HashingReader, Want};
use super::sniff::{self, Compression};
use super::walk::{Hashes, WalkError, WalkedLayer, read_error, walk_blob_with, walk_decoded};

/// [`walk_blob_with`] on three threads. A plain blob has nothing to
/// decompress and is walked on this one.
pub fn walk_blob_pipelined<R: Read + Send>(blob: R, want: Want) -> Result<WalkedLayer, WalkError> {
    let (head, blob) = sniff::peek(blob, 4).map_err(read_error(Compression::None))?;
    let compression = Compression::detect(&head);
    if compression == Compression::None {
        return walk_blob_with(blob, want);
    }
    let hashes = Hashes::plan(want, compression);
    std::thread::scope(|scope| {
        let (blob_pump, mut blob_drain) = ahead::pipe();
        let stored = scope.spawn(move || {
            let mut stored = HashingReader::new(blob, hashes.blob);
            blob_pump.run(&mut stored).then(|| stored.finish())
        });
        let (tar_pump, tar_drain) = ahead::pipe();
        // `Err(true)`: the decoder could not start (the pipe stays empty).
        let inflate = scope.spawn(move || -> Result<(), (bool, io::Error)> {
            let (_, decoded) = sniff::decompress(&mut blob_drain).map_err(|e| (true, e))?;
            if tar_pump.run(decoded) {
                // What follows the compressed stream is still the blob's.
                digest::drain(&mut blob_drain).map_err(|e| (false, e))?;
            }
            Ok(())
        });
        let walked = walk_decoded(tar_drain, hashes.tar, compression);
        let inflated = inflate
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        let stored = stored
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        if let Err((true, e)) = inflated {
            return Err(read_error(Compression::None)(e));
        }
        let (changes, diff) = walked?;
        if let Err((_, e)) = inflated {
            return Err(read_error(compression)(e));
        }
        let stored = stored
            .unwrap_or_else(|| Err(io::Error::other("the blob stopped before its end")))
            .map_err(read_error(compression))?;
        Ok(WalkedLayer {
            changes,
            compression,
            digests: hashes.digests(stored, diff),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::digest::Algorithm;

    /// A tar of a few files, the largest spanning many pipe buffers.
    fn tar() -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        let mut seed = 1u32;
        for (name, len) in [("a", 5), ("big", 3 * ahead::CHUNK + 123), ("c/d", 70_000)] {
            let content: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    (seed >> 24) as u8
                })
                .collect();
            let mut header = crate::layer::test_header(len as u64);
            builder
                .append_data(&mut header, name, &content[..])
                .unwrap();
        }
        builder.into_inner().unwrap()
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut enc, bytes).unwrap();
        enc.finish().unwrap()
    }

    /// A reader that fails with `kind` after `bytes`.
    struct FailsAfter<'a> {
        bytes: &'a [u8],
        kind: io::ErrorKind,
    }

    impl Read for FailsAfter<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.bytes.is_empty() {
                return Err(io::Error::new(self.kind, "the connection was cut"));
            }
            let n = self.bytes.read(buf)?;
            Ok(n)
        }
    }

    fn outcome(walked: Result<WalkedLayer, WalkError>) -> String {
        match walked {
            Ok(walked) => format!("{walked:?}"),
            Err(e) => format!("error: {e} ({e:?})"),
        }
    }

    /// Both walks, for every `want`: the same layer, digests and errors.
    fn same(blob: &[u8]) -> String {
        let mut first = None;
        for want in [
            Want::all(Some(Algorithm::Sha256)),
            Want::all(Some(Algorithm::Sha512)),
            Want::all(None),
            Want::NONE,
        ] {
            let one = outcome(walk_blob_with(blob, want));
            assert_eq!(outcome(walk_blob_pipelined(blob, want)), one, "{want:?}");
            first.get_or_insert(one);
        }
        first.unwrap()
    }

    #[test]
    fn gives_what_one_thread_gives() {
        let tar = tar();
        let gz = gzip(&tar);
        let walked = same(&gz);
        assert!(
            walked.contains("Gzip") && walked.contains("blob: Some"),
            "{walked}"
        );
        let zst = zstd::encode_all(&tar[..], 3).unwrap();
        assert!(same(&zst).contains("Zstd"));
        assert!(same(&tar).contains("compression: None"));
        // Two gzip members; bytes after the stream (hashed, then refused
        // or not as the decoder says).
        let mut two = gzip(&tar[..1024]);
        two.extend(gzip(&tar[1024..]));
        assert!(same(&two).contains("Gzip"));
        let mut trailing = gz.clone();
        trailing.extend_from_slice(&[0u8; 3 * ahead::CHUNK]);
        same(&trailing);
    }

    #[test]
    fn fails_as_one_thread_fails() {
        let tar = tar();
        let gz = gzip(&tar);
        let cut = same(&gz[..gz.len() / 2]);
        assert!(
            cut.starts_with("error: corrupt or truncated gzip stream"),
            "{cut}"
        );
        let mut flipped = gz.clone();
        let at = gz.len() - 6;
        flipped[at] ^= 1;
        assert!(same(&flipped).starts_with("error: corrupt or truncated gzip stream"));
        assert!(same(&gzip(b"not a tar at all")).starts_with("error: not a tar stream"));
        let header_only = same(&gz[..20]);
        assert!(
            header_only.starts_with("error: corrupt or truncated gzip stream"),
            "{header_only}"
        );
        let mut escapes = tar::Builder::new(Vec::new());
        let mut header = crate::layer::test_header(0);
        header.as_gnu_mut().unwrap().name[..6].copy_from_slice(b"../../");
        header.set_cksum();
        escapes.append(&header, &[][..]).unwrap();
        let escapes = gzip(&escapes.into_inner().unwrap());
        assert!(same(&escapes).contains("climbs out of the image root"));
    }

    #[test]
    fn a_failing_reader_fails_the_same() {
        let gz = gzip(&tar());
        // (`Interrupted` only past the first bytes: one thread's sniffing
        // reads again after it.)
        for (kind, ats) in [
            (
                io::ErrorKind::ConnectionReset,
                &[2, 100, gz.len() / 2, gz.len()][..],
            ),
            (io::ErrorKind::Interrupted, &[gz.len() / 2, gz.len()][..]),
        ] {
            for &at in ats {
                let one = walk_blob_with(
                    FailsAfter {
                        bytes: &gz[..at],
                        kind,
                    },
                    Want::all(Some(Algorithm::Sha256)),
                );
                let three = walk_blob_pipelined(
                    FailsAfter {
                        bytes: &gz[..at],
                        kind,
                    },
                    Want::all(Some(Algorithm::Sha256)),
                );
                let (one, three) = (outcome(one), outcome(three));
                assert_eq!(three, one, "{kind:?} after {at} bytes");
                assert!(three.contains("the connection was cut"), "{three}");
            }
        }
    }
}
