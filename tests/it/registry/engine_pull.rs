//! The engine source against the loopback registry: `--pull` has the
//! Docker engine pull an image it does not have (the engine treats
//! 127.0.0.0/8 registries as insecure, so plain HTTP), and `name@sha256:…`
//! finds the pulled image by its repo digest. The figures equal those peel
//! reads from the registry itself. (No waste: the CI rules pass, exit 0.)

use super::{figures, registries, repo, report, skopeo_copy, walked};
use crate::docker::{docker, engine, host_vars};
use crate::fixture::{self, Compress, Image, Layer};

#[test]
fn the_engine_pulls_from_the_registry_and_finds_the_image_by_digest() {
    let Some(r) = registries() else { return };
    let Some(engine) = engine() else { return };
    let home = fixture::tmp();
    let layout = home.path().join("layout");
    Image::new()
        .layer_as(Layer::new().sized("base.bin", 5000, b'b'), Compress::Gzip)
        .layer_as(
            Layer::new().dir("app").sized("app/big.bin", 3000, b'a'),
            Compress::Gzip,
        )
        .layer_as(
            Layer::new().dir("app").sized("app/small.bin", 300, b's'),
            Compress::Gzip,
        )
        .oci_dir(&layout);
    let name = format!("{}/{}", r.plain, repo("pull"));
    skopeo_copy(&[
        &format!("oci:{}:latest", layout.display()),
        &format!("docker://{name}:v1"),
    ]);
    let from_registry = figures(report(
        home.path(),
        &["--plain-http"],
        &format!("registry://{name}:v1"),
    ));

    let vars = host_vars(engine);
    let pulled = crate::docker::report(&vars, &["--ci", "--pull", &format!("{name}:v1")]);
    assert_eq!(walked(&pulled), walked(&from_registry));

    let digest = docker(&[
        "image",
        "inspect",
        "--format",
        "{{index .RepoDigests 0}}",
        &format!("{name}:v1"),
    ])
    .expect("the pulled image has a repo digest");
    let digest = digest.trim();
    assert!(digest.starts_with(&format!("{name}@sha256:")), "{digest}");
    let by_digest = crate::docker::report(&vars, &["--ci", digest]);
    assert_eq!(walked(&by_digest), walked(&from_registry));
    let _ = docker(&["image", "rm", "-f", &format!("{name}:v1")]);
}
