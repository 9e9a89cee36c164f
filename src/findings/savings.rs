//! What fixing a finding is worth: the bytes the image loses when the
//! finding is fixed (`savedBytes`), an estimate of the pull size it loses
//! (`savedCompressedBytes`, from each layer's compression ratio), and the
//! image as it would be with every finding fixed, each byte counted once
//! where findings overlap (a secret in a cache folder is two findings and
//! one file).

use std::collections::HashSet;

use serde::Serialize;

use super::Finding;
use crate::image::Image;
use crate::layer::LayerIdx;

/// One entry a fix removes: the layer that stores it, its path's hash and
/// its bytes. Two findings claiming the same (layer, path) save it once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    pub layer: LayerIdx,
    pub path: u64,
    pub bytes: u64,
}

impl Claim {
    pub fn new(layer: LayerIdx, path: &[u8], bytes: u64) -> Claim {
        Claim {
            layer,
            path: xxhash_rust::xxh3::xxh3_64(path),
            bytes,
        }
    }
}

/// The image with every finding fixed (`image.savings` in the JSON report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Savings {
    /// Bytes every fix together removes, each entry once.
    pub bytes: u64,
    /// The pull size they remove, estimated from each layer's compression
    /// ratio; `None` when a layer involved has no known compressed size.
    pub compressed_bytes: Option<u64>,
    /// The image's total bytes once every finding is fixed.
    pub visible_bytes_if_fixed: u64,
}

/// The pull bytes `bytes` of `layer` would take, at the layer's own
/// compression ratio; `None` where the layer's compressed size is unknown
/// (an uncompressed blob says nothing of what a registry would send).
fn compressed_share(image: &Image, layer: LayerIdx, bytes: u64) -> Option<u64> {
    let layer = image.layers.get(layer.index())?;
    let compressed = layer.compressed_size?;
    let size = layer.changes.size;
    if size == 0 {
        return Some(0);
    }
    // Never more than the bytes themselves: a tiny layer's tar and gzip
    // headers outweigh its content.
    let share = (bytes.min(size) as u128 * compressed as u128) / size as u128;
    Some((share as u64).min(bytes))
}

/// `claims` without repeats (the first claim of each entry wins).
fn distinct<'a>(claims: impl Iterator<Item = &'a Claim>) -> Vec<Claim> {
    let mut seen: HashSet<(LayerIdx, u64)> = HashSet::new();
    claims
        .filter(|c| seen.insert((c.layer, c.path)))
        .copied()
        .collect()
}

/// Bytes and estimated pull bytes of distinct claims.
fn worth(image: &Image, claims: &[Claim]) -> (u64, Option<u64>) {
    let bytes = claims.iter().map(|c| c.bytes).sum();
    let compressed = claims
        .iter()
        .map(|c| compressed_share(image, c.layer, c.bytes))
        .sum::<Option<u64>>();
    (bytes, compressed)
}

/// Set each finding's `saved_bytes` and `saved_compressed_bytes` from its
/// claims.
pub fn price(image: &Image, findings: &mut [Finding]) {
    for finding in findings {
        let claims = distinct(finding.fix.claims.iter());
        let (bytes, compressed) = worth(image, &claims);
        finding.fix.saved_bytes = bytes;
        finding.fix.saved_compressed_bytes = compressed;
    }
}

/// The image with every finding fixed.
pub fn total(image: &Image, total_bytes: u64, findings: &[Finding]) -> Savings {
    let claims = distinct(findings.iter().flat_map(|f| f.fix.claims.iter()));
    let (bytes, compressed_bytes) = worth(image, &claims);
    let bytes = bytes.min(total_bytes);
    Savings {
        bytes,
        compressed_bytes,
        visible_bytes_if_fixed: total_bytes - bytes,
    }
}

/// The headline for people: `3.94 MB → 2.10 MB, −47 %`.
pub fn headline(total_bytes: u64, savings: &Savings) -> String {
    let size = |b| humansize::format_size(b, humansize::DECIMAL);
    let percent = if total_bytes == 0 {
        0
    } else {
        ((savings.bytes as f64 / total_bytes as f64) * 100.0).round() as u64
    };
    format!(
        "{} → {}, −{percent} %",
        size(total_bytes),
        size(savings.visible_bytes_if_fixed)
    )
}

/// The estimated pull bytes, labelled as an estimate.
pub fn compressed_label(compressed: Option<u64>) -> Option<String> {
    compressed.map(|b| {
        format!(
            "≈{} compressed, estimated",
            humansize::format_size(b, humansize::DECIMAL)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_entry_counts_once() {
        let a = Claim::new(1.into(), b"app/.env", 100);
        let b = Claim::new(2.into(), b"app/.env", 50);
        let claims = distinct([a, b, a].iter());
        assert_eq!(claims, vec![a, b]);
    }

    #[test]
    fn the_headline_rounds_the_percentage() {
        let s = Savings {
            bytes: 1_840_000,
            compressed_bytes: None,
            visible_bytes_if_fixed: 2_100_000,
        };
        assert_eq!(headline(3_940_000, &s), "3.94 MB → 2.10 MB, −47 %");
        let none = Savings {
            bytes: 0,
            compressed_bytes: Some(0),
            visible_bytes_if_fixed: 0,
        };
        assert_eq!(headline(0, &none), "0 B → 0 B, −0 %");
    }
}
