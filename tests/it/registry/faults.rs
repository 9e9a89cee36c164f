//! What goes wrong with a registry, each a one-line error naming the
//! reference, exit 2, within seconds; and a cut blob resumed with Range.

use std::path::Path;
use std::sync::atomic::Ordering;

use super::proxy::{self, Fault};
use super::{figures, one_line_error, peel, registries, repo, report, skopeo_copy};
use crate::fixture::{self, Compress, Image, Layer};

/// Bytes that do not compress: a layer blob stays large under gzip.
fn noise(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn image(how: Compress) -> Image {
    Image::new()
        .layer_as(Layer::new().file("a.bin", &noise(60_000, 1)), how)
        .layer_as(Layer::new().file("b.bin", &noise(50_000, 2)), how)
}

/// Push `image` to the plain registry as `name:v1` (and `name:v2`); the
/// layout it came from.
fn pushed(home: &Path, plain: &str, name: &str, how: Compress) -> (String, String) {
    let layout = home.join("layout");
    image(how).oci_dir(&layout);
    let repository = repo(name);
    for tag in ["v1", "v2"] {
        skopeo_copy(&[
            "--preserve-digests",
            &format!("oci:{}:latest", layout.display()),
            &format!("docker://{plain}/{repository}:{tag}"),
        ]);
    }
    (repository, format!("oci:{}", layout.display()))
}

#[test]
fn an_unknown_repository_is_named() {
    let Some(r) = registries() else { return };
    let home = fixture::tmp();
    let reference = format!("registry://{}/{}:v1", r.plain, repo("absent"));
    let err = one_line_error(peel(home.path()).args(["--ci", "--plain-http", &reference]));
    assert!(err.contains(&reference), "{err}");
    assert!(err.contains("no repository"), "{err}");
}

#[test]
fn an_unknown_tag_lists_the_tags_there_are() {
    let Some(r) = registries() else { return };
    let home = fixture::tmp();
    let (repository, _) = pushed(home.path(), &r.plain, "tags", Compress::Gzip);
    let reference = format!("registry://{}/{repository}:v3", r.plain);
    let err = one_line_error(peel(home.path()).args(["--ci", "--plain-http", &reference]));
    assert!(err.contains(&reference), "{err}");
    assert!(
        err.contains("no tag 'v3'") && err.contains("v1, v2"),
        "{err}"
    );
}

#[test]
fn a_registry_that_is_down_is_named() {
    if registries().is_none() {
        return;
    }
    let home = fixture::tmp();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let reference = format!("registry://127.0.0.1:{port}/app:v1");
    let err = one_line_error(peel(home.path()).args(["--ci", "--plain-http", &reference]));
    assert!(
        err.contains(&reference) && err.contains("connection failed"),
        "{err}"
    );
}

#[test]
fn a_registry_that_never_answers_times_out() {
    let Some(r) = registries() else { return };
    let home = fixture::tmp();
    let silent = proxy::start(&r.plain, Fault::Silent);
    let reference = format!("registry://{}/app:v1", silent.addr);
    let err = one_line_error(peel(home.path()).env("PEEL_REGISTRY_TIMEOUT", "0.3").args([
        "--ci",
        "--plain-http",
        &reference,
    ]));
    assert!(
        err.contains(&reference) && err.contains("no answer in time"),
        "{err}"
    );
}

#[test]
fn a_blob_cut_midway_is_resumed_with_a_range_request() {
    let Some(r) = registries() else { return };
    let home = fixture::tmp();
    let (repository, layout) = pushed(home.path(), &r.plain, "cut", Compress::Gzip);
    let cutting = proxy::start(&r.plain, Fault::CutBlob);
    let remote = report(
        home.path(),
        &["--plain-http"],
        &format!("registry://{}/{repository}:v1", cutting.addr),
    );
    assert!(
        cutting.ranges.load(Ordering::Relaxed) >= 2,
        "both layers resumed"
    );
    assert_eq!(figures(remote), figures(report(home.path(), &[], &layout)));
}

#[test]
fn flipped_bytes_are_a_digest_mismatch_naming_the_layer_and_both_digests() {
    let Some(r) = registries() else { return };
    for (how, name) in [
        (Compress::None, "flip-plain"),
        (Compress::Gzip, "flip-gzip"),
    ] {
        let home = fixture::tmp();
        let (repository, _) = pushed(home.path(), &r.plain, name, how);
        let flipping = proxy::start(&r.plain, Fault::FlipBlob);
        let reference = format!("registry://{}/{repository}:v1", flipping.addr);
        let err = one_line_error(peel(home.path()).args(["--ci", "--plain-http", &reference]));
        assert!(err.contains(&reference), "{err}");
        // Both layers are fetched at once and both are flipped: whichever
        // fails first is named.
        assert!(
            err.contains("layer 0 (sha256:") || err.contains("layer 1 (sha256:"),
            "{err}"
        );
        assert!(
            err.contains("does not match its digest: expected sha256:")
                && err.contains(", actual sha256:"),
            "{err}"
        );
    }
}

#[test]
fn a_manifest_that_lies_about_a_size_is_refused() {
    let Some(r) = registries() else { return };
    let home = fixture::tmp();
    let (repository, _) = pushed(home.path(), &r.plain, "lie", Compress::Gzip);
    let lying = proxy::start(&r.plain, Fault::LieAboutSize { keep_digest: false });
    let reference = format!("registry://{}/{repository}:v1", lying.addr);
    let err = one_line_error(peel(home.path()).args(["--ci", "--plain-http", &reference]));
    assert!(
        err.contains(&reference) && err.contains("its descriptor says"),
        "{err}"
    );
    // Changed on the way: the registry's own digest header gives it away.
    let changed = proxy::start(&r.plain, Fault::LieAboutSize { keep_digest: true });
    let reference = format!("registry://{}/{repository}:v1", changed.addr);
    let err = one_line_error(peel(home.path()).args(["--ci", "--plain-http", &reference]));
    assert!(
        err.contains(&reference) && err.contains("does not match the Docker-Content-Digest"),
        "{err}"
    );
}

#[test]
fn a_redirect_loop_is_named() {
    let Some(r) = registries() else { return };
    let home = fixture::tmp();
    let looping = proxy::start(&r.plain, Fault::RedirectLoop);
    let reference = format!("registry://{}/app:v1", looping.addr);
    let err = one_line_error(peel(home.path()).args(["--ci", "--plain-http", &reference]));
    assert!(
        err.contains(&reference) && err.contains("redirect"),
        "{err}"
    );
}

#[test]
fn https_to_an_http_registry_suggests_plain_http() {
    let Some(r) = registries() else { return };
    let home = fixture::tmp();
    let reference = format!("registry://{}/app:v1", r.plain);
    let err = one_line_error(peel(home.path()).args(["--ci", &reference]));
    assert!(
        err.contains(&reference) && err.contains("--plain-http"),
        "{err}"
    );
}

#[test]
fn busy_answers_are_tried_again() {
    let Some(r) = registries() else { return };
    let home = fixture::tmp();
    let (repository, layout) = pushed(home.path(), &r.plain, "busy", Compress::Gzip);
    let busy = proxy::start(&r.plain, Fault::BusyTwice);
    let remote = report(
        home.path(),
        &["--plain-http"],
        &format!("registry://{}/{repository}:v1", busy.addr),
    );
    assert_eq!(figures(remote), figures(report(home.path(), &[], &layout)));
}
