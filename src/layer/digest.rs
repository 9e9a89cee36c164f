//! Verified digests. A layer's bytes are hashed as they stream past the
//! walker (no second pass, no copy): the blob as stored, against its
//! descriptor's digest and size, and the uncompressed tar, against the
//! config's `rootfs.diff_ids` entry. The hashes are computed while walking
//! and compared when the image is assembled, because a `docker save` archive
//! may name the expected digests (manifest, config) after its layers.
//!
//! SHA-256 is verified everywhere; a blob named by a SHA-512 descriptor too.
//! The uncompressed digest is always hashed with SHA-256 (its algorithm may
//! only be known after the layer has passed), so a SHA-512 `diff_id` gets a
//! clear "unsupported" error. `sha2` picks the CPU's SHA extensions (x86
//! SHA-NI, ARMv8 SHA2) at run time through `cpufeatures`.

use std::fmt;
use std::io::{self, Read};
use std::str::FromStr;

use oci_spec::image::{Digest, DigestAlgorithm};
use sha2::Digest as _;

use crate::safe_text::sanitize;

/// A hash algorithm peel computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Sha256,
    Sha512,
}

impl Algorithm {
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }

    /// The algorithm of a parsed digest, when peel computes it.
    pub fn of(digest: &Digest) -> Option<Self> {
        match digest.algorithm() {
            DigestAlgorithm::Sha256 => Some(Algorithm::Sha256),
            DigestAlgorithm::Sha512 => Some(Algorithm::Sha512),
            _ => None,
        }
    }

    /// The algorithm a layout's blob path (`blobs/<algorithm>/<hex>`) names.
    /// Anything that is not a well-formed digest path names none.
    pub fn of_blob_path(name: &str) -> Option<Self> {
        digest_of_blob_path(name).as_ref().and_then(Algorithm::of)
    }
}

/// The digest a layout's blob path (`blobs/<algorithm>/<hex>`) names.
pub fn digest_of_blob_path(name: &str) -> Option<Digest> {
    let rest = name.strip_prefix("blobs/")?;
    let (algorithm, hex) = rest.split_once('/')?;
    if hex.contains('/') {
        return None;
    }
    Digest::from_str(&format!("{algorithm}:{hex}")).ok()
}

enum Hasher {
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
}

impl Hasher {
    fn new(algorithm: Algorithm) -> Self {
        match algorithm {
            Algorithm::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            Algorithm::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
        }
    }

    fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Sha512(h) => h.update(bytes),
        }
    }

    fn finish(self) -> Computed {
        let (algorithm, bytes) = match self {
            Hasher::Sha256(h) => (Algorithm::Sha256, h.finalize().to_vec()),
            Hasher::Sha512(h) => (Algorithm::Sha512, h.finalize().to_vec()),
        };
        let mut hex = String::with_capacity(bytes.len() * 2);
        for b in bytes {
            use fmt::Write;
            let _ = write!(hex, "{b:02x}");
        }
        Computed { algorithm, hex }
    }
}

/// A digest peel computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Computed {
    pub algorithm: Algorithm,
    /// Lowercase hex, as OCI digests are written.
    pub hex: String,
}

impl fmt::Display for Computed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm.name(), self.hex)
    }
}

/// A reader that hashes what passes through it, when given an algorithm,
/// and counts it. Without one it adds nothing but a branch per read.
pub struct HashingReader<R> {
    inner: R,
    hasher: Option<Hasher>,
    len: u64,
}

impl<R: Read> HashingReader<R> {
    pub fn new(inner: R, algorithm: Option<Algorithm>) -> Self {
        HashingReader {
            inner,
            hasher: algorithm.map(Hasher::new),
            len: 0,
        }
    }

    /// Whether this reader hashes.
    pub fn hashes(&self) -> bool {
        self.hasher.is_some()
    }

    /// Read to the end (bytes a decoder left unread still belong to the
    /// blob), then give the digest and the length.
    pub fn finish(mut self) -> io::Result<(Option<Computed>, u64)> {
        if self.hasher.is_some() {
            drain(&mut self)?;
        }
        Ok((self.hasher.map(Hasher::finish), self.len))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(hasher) = &mut self.hasher {
            hasher.update(&buf[..n]);
        }
        self.len += n as u64;
        Ok(n)
    }
}

/// Read `reader` to its end, dropping the bytes. An interrupted read is not
/// retried (`io::copy` would): it is how a cancelled load stops.
pub fn drain<R: Read>(mut reader: R) -> io::Result<u64> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0;
    loop {
        match reader.read(&mut buf)? {
            0 => return Ok(total),
            n => total += n as u64,
        }
    }
}

/// What to hash while walking a blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Want {
    /// The blob as stored, when its expected digest is known by then (an
    /// OCI descriptor, a `blobs/<algorithm>/<hex>` member name).
    pub blob: Option<Algorithm>,
    /// The uncompressed tar (for `rootfs.diff_ids`).
    pub diff: bool,
}

impl Want {
    /// Nothing (`--no-verify`): the walk costs what it did before.
    pub const NONE: Want = Want {
        blob: None,
        diff: false,
    };

    /// Everything, for a blob whose expected digest uses `blob`.
    pub fn all(blob: Option<Algorithm>) -> Self {
        Want { blob, diff: true }
    }

    /// Everything for an archive member: its name may be a digest path.
    pub fn member(name: &str) -> Self {
        Want::all(Algorithm::of_blob_path(name))
    }

    /// Everything, or nothing when `no_verify`.
    pub fn unless(no_verify: bool, want: impl FnOnce() -> Want) -> Self {
        if no_verify { Want::NONE } else { want() }
    }
}

/// The digests computed while a blob was walked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerDigests {
    /// The blob as stored, and its length.
    pub blob: Option<(Computed, u64)>,
    /// The uncompressed tar.
    pub diff: Option<Computed>,
}

/// The digest and size a descriptor promises for a blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedBlob {
    pub digest: Digest,
    /// `None` when only a member name gave the digest.
    pub size: Option<u64>,
}

/// Why a layer failed verification; the caller names the layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Mismatch {
    #[error("the blob is {actual} bytes but its descriptor says {promised}")]
    BlobSize { actual: u64, promised: u64 },
    #[error("the blob does not match its digest: expected {expected}, actual {actual}")]
    Blob { expected: Digest, actual: Computed },
    #[error(
        "the blob's digest uses the unsupported algorithm '{}' (peel verifies sha256 and sha512); --no-verify skips the check",
        sanitize(.0.algorithm().as_ref())
    )]
    BlobAlgorithm(Digest),
    #[error("the config's rootfs.diff_ids has no entry for it")]
    NoDiffId,
    /// The config's entry, and why it does not parse.
    #[error("its diff_id '{}' is not a digest ({})", sanitize(.text), sanitize(.reason))]
    NotADigest { text: String, reason: String },
    #[error(
        "its diff_id uses the unsupported algorithm '{}' (peel verifies sha256); --no-verify skips the check",
        sanitize(.0.algorithm().as_ref())
    )]
    DiffIdAlgorithm(Digest),
    #[error(
        "the uncompressed content does not match its diff_id: expected {expected}, actual {actual}"
    )]
    DiffId { expected: Digest, actual: Computed },
}

/// A config's `rootfs.diff_ids` entry, parsed once when the image is read.
pub fn parse_diff_id(text: &str) -> Result<Digest, Mismatch> {
    Digest::from_str(text).map_err(|e| Mismatch::NotADigest {
        text: text.to_string(),
        reason: e.to_string(),
    })
}

/// Check a layer's computed digests against what its descriptor promises
/// and against its `diff_id` (the config's entry as [`parse_diff_id`] read
/// it; `None`: the config has none).
pub fn check(
    diff_id: Option<&Result<Digest, Mismatch>>,
    expected_blob: Option<&ExpectedBlob>,
    computed: &LayerDigests,
) -> Result<(), Mismatch> {
    if let (Some(expected), Some((actual, len))) = (expected_blob, &computed.blob) {
        if let Some(size) = expected.size
            && size != *len
        {
            return Err(Mismatch::BlobSize {
                actual: *len,
                promised: size,
            });
        }
        if !matches(&expected.digest, actual) {
            return Err(Mismatch::Blob {
                expected: expected.digest.clone(),
                actual: actual.clone(),
            });
        }
    } else if let Some(expected) = expected_blob
        && Algorithm::of(&expected.digest).is_none()
        && computed.diff.is_some()
    {
        return Err(Mismatch::BlobAlgorithm(expected.digest.clone()));
    }
    let Some(actual) = &computed.diff else {
        return Ok(());
    };
    let expected = diff_id
        .ok_or(Mismatch::NoDiffId)?
        .as_ref()
        .map_err(Clone::clone)?;
    if Algorithm::of(expected) != Some(actual.algorithm) {
        return Err(Mismatch::DiffIdAlgorithm(expected.clone()));
    }
    if !matches(expected, actual) {
        return Err(Mismatch::DiffId {
            expected: expected.clone(),
            actual: actual.clone(),
        });
    }
    Ok(())
}

fn matches(expected: &Digest, actual: &Computed) -> bool {
    Algorithm::of(expected) == Some(actual.algorithm) && expected.digest() == actual.hex
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn hashed(bytes: &[u8], algorithm: Algorithm) -> (Computed, u64) {
        let (digest, len) = HashingReader::new(bytes, Some(algorithm)).finish().unwrap();
        (digest.unwrap(), len)
    }

    #[test]
    fn hashes_what_passes_and_what_is_left() {
        let (digest, len) = hashed(b"", Algorithm::Sha256);
        assert_eq!(digest.to_string(), format!("sha256:{EMPTY_SHA256}"));
        assert_eq!(len, 0);
        // Half read through the reader, half left for `finish`.
        let mut reader = HashingReader::new(&b"hello world"[..], Some(Algorithm::Sha256));
        let mut first = [0u8; 5];
        reader.read_exact(&mut first).unwrap();
        let (digest, len) = reader.finish().unwrap();
        assert_eq!(
            digest.unwrap().hex,
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
        assert_eq!(len, 11);
        let (digest, _) = hashed(b"abc", Algorithm::Sha512);
        assert!(digest.hex.starts_with("ddaf35a193617aba"), "{digest}");
        // Without an algorithm it only counts, and reads nothing more.
        let mut reader = HashingReader::new(&b"abc"[..], None);
        assert!(!reader.hashes());
        reader.read_exact(&mut [0u8; 1]).unwrap();
        assert_eq!(reader.finish().unwrap(), (None, 1));
    }

    /// A one-file tar.
    fn tar() -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = crate::layer::test_header(5);
        builder
            .append_data(&mut header, "a", &b"hello"[..])
            .unwrap();
        builder.into_inner().unwrap()
    }

    fn sha(bytes: &[u8], algorithm: Algorithm) -> Computed {
        hashed(bytes, algorithm).0
    }

    #[test]
    fn walking_hashes_the_blob_and_the_tar() {
        use crate::layer::walk::walk_blob_with;
        let tar = tar();
        let gz = {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            std::io::Write::write_all(&mut enc, &tar).unwrap();
            enc.finish().unwrap()
        };
        // The tar's digest always; the blob's as asked: a compressed blob's of
        // its own bytes, none for a member (nothing to compare with), a plain
        // one's in the algorithm its descriptor names.
        let cases = [
            (
                &gz[..],
                Want::all(Some(Algorithm::Sha256)),
                Some((&gz, Algorithm::Sha256)),
            ),
            (&tar[..], Want::member("x/layer.tar"), None),
            (
                &tar[..],
                Want::all(Some(Algorithm::Sha512)),
                Some((&tar, Algorithm::Sha512)),
            ),
        ];
        for (blob, want, blob_digest) in cases {
            let walked = walk_blob_with(blob, want).unwrap();
            let blob = blob_digest.map(|(bytes, a)| (sha(bytes, a), bytes.len() as u64));
            let diff = Some(sha(&tar, Algorithm::Sha256));
            assert_eq!(walked.digests, LayerDigests { blob, diff });
        }
        // Bytes after the tar's end marker belong to both digests.
        let mut padded = tar.clone();
        padded.extend_from_slice(&[0u8; 4096]);
        let walked = walk_blob_with(&padded[..], Want::all(None)).unwrap();
        assert_eq!(walked.digests.diff, Some(sha(&padded, Algorithm::Sha256)));
        // --no-verify: nothing.
        let walked = walk_blob_with(&gz[..], Want::NONE).unwrap();
        assert_eq!(walked.digests, LayerDigests::default());
        assert_eq!(
            Want::unless(true, || Want::all(None)),
            Want::NONE,
            "--no-verify asks for nothing"
        );
    }

    #[test]
    fn blob_paths_name_digests() {
        let name = format!("blobs/sha256/{EMPTY_SHA256}");
        assert_eq!(Algorithm::of_blob_path(&name), Some(Algorithm::Sha256));
        for not in [
            "blobs/sha256/abc",
            "layer.tar",
            "blobs/sha256",
            &format!("blobs/sha256/{EMPTY_SHA256}/x"),
            &format!("x/blobs/sha256/{EMPTY_SHA256}"),
        ] {
            assert_eq!(Algorithm::of_blob_path(not), None, "{not}");
        }
    }

    /// `check` on a diff_id as the config writes it.
    fn check(
        diff_id: Option<&str>,
        expected_blob: Option<&ExpectedBlob>,
        computed: &LayerDigests,
    ) -> Result<(), String> {
        let parsed = diff_id.map(parse_diff_id);
        super::check(parsed.as_ref(), expected_blob, computed).map_err(|e| e.to_string())
    }

    fn digests(diff: &[u8]) -> LayerDigests {
        LayerDigests {
            blob: None,
            diff: Some(hashed(diff, Algorithm::Sha256).0),
        }
    }

    #[test]
    fn diff_ids_are_checked() {
        let good = format!("sha256:{EMPTY_SHA256}");
        assert_eq!(check(Some(&good), None, &digests(b"")), Ok(()));
        let err = check(Some(&good), None, &digests(b"x")).unwrap_err();
        assert!(
            err.starts_with(
                "the uncompressed content does not match its diff_id: expected sha256:e3b0"
            ) && err.contains(", actual sha256:2d711642"),
            "{err}"
        );
        let err = check(Some("sha256:\x1b[31mnope"), None, &digests(b"")).unwrap_err();
        assert!(
            err.starts_with("its diff_id 'sha256:\\x1b[31mnope' is not a digest ("),
            "{err}"
        );
        assert!(!err.contains('\x1b'), "{err}");
        let sha512 = format!("sha512:{}", "a".repeat(128));
        let err = check(Some(&sha512), None, &digests(b"")).unwrap_err();
        assert!(
            err.contains("unsupported algorithm 'sha512' (peel verifies sha256)"),
            "{err}"
        );
        assert!(check(None, None, &digests(b"")).is_err());
        // Nothing computed (--no-verify): nothing checked.
        assert_eq!(check(Some("junk"), None, &LayerDigests::default()), Ok(()));
    }

    #[test]
    fn blobs_are_checked_by_digest_and_size() {
        let diff = format!("sha256:{EMPTY_SHA256}");
        let blob = b"compressed bytes";
        for algorithm in [Algorithm::Sha256, Algorithm::Sha512] {
            let (actual, len) = hashed(blob, algorithm);
            let computed = LayerDigests {
                blob: Some((actual.clone(), len)),
                ..digests(b"")
            };
            let expected = ExpectedBlob {
                digest: Digest::from_str(&actual.to_string()).unwrap(),
                size: Some(blob.len() as u64),
            };
            assert_eq!(check(Some(&diff), Some(&expected), &computed), Ok(()));
            let short = ExpectedBlob {
                size: Some(3),
                ..expected.clone()
            };
            assert_eq!(
                check(Some(&diff), Some(&short), &computed).unwrap_err(),
                "the blob is 16 bytes but its descriptor says 3"
            );
            let other = hashed(b"other", algorithm).0;
            let wrong = ExpectedBlob {
                digest: Digest::from_str(&other.to_string()).unwrap(),
                size: None,
            };
            assert_eq!(
                check(Some(&diff), Some(&wrong), &computed).unwrap_err(),
                format!("the blob does not match its digest: expected {other}, actual {actual}")
            );
        }
        let odd = ExpectedBlob {
            digest: Digest::from_str("blake3:abcd").unwrap(),
            size: None,
        };
        let err = check(Some(&diff), Some(&odd), &digests(b"")).unwrap_err();
        assert!(
            err.contains("unsupported algorithm 'blake3' (peel verifies sha256 and sha512)"),
            "{err}"
        );
    }
}
