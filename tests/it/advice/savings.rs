//! Savings: each finding's `savedBytes` and estimated `savedCompressedBytes`,
//! the image with every finding fixed (each byte once where findings
//! overlap), and findings ordered by saving within a severity.

use peel::findings::Kind;
use serde_json::Value;

use crate::fixture::{Compress, Image, Layer, analyze};

fn json(image: &Image) -> Value {
    let outcome = analyze(&image.docker_archive());
    serde_json::from_str(&peel::report::json::render(&outcome)).expect("json")
}

/// A deleted log (3000 B), a cache left in the image (2000 B) and a secret
/// that is also a duplicate of another file (1500 B, claimed twice).
fn wasteful() -> Image {
    Image::new()
        .layer(Layer::new().sized("bin/sh", 5000, b's'))
        .layer(
            Layer::new()
                .sized("tmp/build.log", 3000, b'l')
                .sized("root/.npm/_cacache/index-v5/aa", 2000, b'n')
                .created_by("/bin/sh -c make"),
        )
        .layer(
            Layer::new()
                .sized("app/id_rsa", 1500, b'k')
                .sized("app/copy_of_key", 1500, b'k')
                .created_by("/bin/sh -c #(nop) COPY dir:00 in /app "),
        )
        .layer(
            Layer::new()
                .whiteout("tmp/build.log")
                .created_by("/bin/sh -c rm /tmp/build.log"),
        )
}

#[test]
fn each_finding_says_what_its_fix_saves_and_the_total_counts_each_byte_once() {
    let report = json(&wasteful());
    let findings = report["findings"].as_array().unwrap();
    let saved = |kind: &str| -> u64 {
        findings
            .iter()
            .filter(|f| f["kind"] == kind)
            .map(|f| f["savedBytes"].as_u64().expect("savedBytes"))
            .sum()
    };
    assert_eq!(saved("deleted-later"), 3000);
    assert_eq!(saved("package-cache"), 2000);
    assert_eq!(saved("runs-as-root"), 0);
    assert_eq!(saved("no-healthcheck"), 0);
    // Both copies of the key look alike: one is the duplicate to drop.
    assert_eq!(saved("duplicate-content"), 1500);
    let secrets = saved("secret");
    assert!(secrets >= 1500, "{secrets}");
    // Uncompressed layers: the pull size cannot be told (a fix that saves
    // nothing saves no pull bytes either).
    for f in findings {
        match f["savedBytes"].as_u64() {
            Some(0) => assert_eq!(f["savedCompressedBytes"], 0, "{f}"),
            _ => assert!(f["savedCompressedBytes"].is_null(), "{f}"),
        }
    }
    let savings = &report["image"]["savings"];
    let total = report["image"]["totalBytes"].as_u64().unwrap();
    let all: u64 = findings
        .iter()
        .map(|f| f["savedBytes"].as_u64().unwrap())
        .sum();
    let once = savings["bytes"].as_u64().unwrap();
    assert!(once < all, "overlap counted twice: {once} of {all}");
    // The log, the cache and the key: the duplicate to drop is the key
    // itself (the copy first by path is kept), a secret too: once.
    assert_eq!(once, 3000 + 2000 + 1500);
    assert_eq!(
        savings["visibleBytesIfFixed"].as_u64().unwrap(),
        total - once
    );
    assert!(savings["compressedBytes"].is_null());
}

#[test]
fn compressed_savings_are_estimated_from_the_layer_ratio() {
    let report = json(&wasteful().compressed(Compress::Gzip));
    let layers = report["layers"].as_array().unwrap();
    let deleted = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "deleted-later")
        .unwrap();
    let layer = &layers[1];
    let (size, compressed) = (
        layer["sizeBytes"].as_u64().unwrap(),
        layer["compressedBytes"].as_u64().unwrap(),
    );
    let estimate = deleted["savedCompressedBytes"].as_u64().expect("estimate");
    assert_eq!(estimate, (3000 * compressed / size).min(3000));
    assert!(
        report["image"]["savings"]["compressedBytes"]
            .as_u64()
            .is_some()
    );
}

#[test]
fn findings_are_sorted_by_saving_within_a_severity() {
    let outcome = analyze(&wasteful().docker_archive());
    let severities: Vec<_> = outcome.findings.iter().map(|f| f.severity).collect();
    let mut sorted = severities.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(severities, sorted);
    for pair in outcome.findings.windows(2) {
        if pair[0].severity == pair[1].severity {
            assert!(
                pair[0].fix.saved_bytes >= pair[1].fix.saved_bytes,
                "{:?} before {:?}",
                pair[0].kind,
                pair[1].kind
            );
        }
    }
    assert!(
        outcome
            .findings
            .iter()
            .any(|f| f.kind == Kind::DeletedLater)
    );
}

#[test]
fn text_and_markdown_show_the_image_as_it_would_be_fixed() {
    let outcome = analyze(&wasteful().compressed(Compress::Gzip).docker_archive());
    let text = peel::report::text::render(
        &outcome,
        peel::report::text::TextOptions { wasted_limit: 10 },
    );
    let line = text
        .lines()
        .find(|l| l.starts_with("If all fixed:"))
        .expect("headline");
    assert!(line.contains("13 kB → 6.50 kB, −50 %"), "{line}");
    assert!(line.contains("compressed, estimated)"), "{line}");
    assert!(text.contains("      saves: 3 kB (≈"), "{text}");
    let md = peel::report::markdown::render(&outcome);
    assert!(
        md.contains("| if all fixed | 13 kB → 6.50 kB, −50 %"),
        "{md}"
    );
    assert!(md.contains(", saves 3 kB (≈"), "{md}");
}
