//! Images pushed with skopeo, read back from the registry: the figures
//! equal those of the same image read from its local layout, to the byte.

use std::path::Path;

use super::{Registries, figures, peel, registries, repo, report, skopeo_copy};
use crate::fixture::{self, Compress, Image, Layer};

/// Three layers with waste, each stored with `how`.
fn wasteful(how: Compress, arch: &str) -> Image {
    Image::new()
        .architecture(arch)
        .layer_as(
            Layer::new()
                .dir("etc")
                .file("etc/os-release", arch.as_bytes())
                .sized("base.bin", 40_000, b'b'),
            how,
        )
        .layer_as(
            Layer::new().dir("app").sized("app/big.bin", 30_000, b'a'),
            how,
        )
        .layer_as(
            Layer::new()
                .whiteout("app/big.bin")
                .sized("app/small.txt", 1000, b's')
                .created_by("/bin/sh -c rm /app/big.bin"),
            how,
        )
}

/// Push the layout `dir` (tag `latest`) to `registry/name:tag` over plain HTTP.
fn push_layout(dir: &Path, dest: &str, extra: &[&str]) {
    let src = format!("oci:{}:latest", dir.display());
    let dest = format!("docker://{dest}");
    let mut args: Vec<&str> = extra.to_vec();
    args.extend([src.as_str(), dest.as_str()]);
    skopeo_copy(&args);
}

fn same_figures(r: &Registries, how: Compress, name: &str) {
    let home = fixture::tmp();
    let layout = home.path().join("layout");
    wasteful(how, "amd64").oci_dir(&layout);
    let dest = format!("{}/{}:v1", r.plain, repo(name));
    // As stored: skopeo would compress uncompressed layers on the way.
    push_layout(&layout, &dest, &["--preserve-digests"]);
    let local = report(home.path(), &[], &format!("oci:{}", layout.display()));
    let remote = report(
        home.path(),
        &["--plain-http"],
        &format!("registry://{dest}"),
    );
    assert_eq!(remote["image"]["source"], "registry");
    let by_flag = report(
        home.path(),
        &["--plain-http", "--source", "registry"],
        &dest,
    );
    assert_eq!(figures(by_flag), figures(remote.clone()));
    assert_eq!(figures(remote), figures(local));
}

#[test]
fn gzip_layers_read_from_the_registry_equal_the_layout() {
    let Some(r) = registries() else { return };
    same_figures(&r, Compress::Gzip, "gzip");
}

#[test]
fn zstd_layers_read_from_the_registry_equal_the_layout() {
    let Some(r) = registries() else { return };
    same_figures(&r, Compress::Zstd, "zstd");
}

#[test]
fn uncompressed_layers_read_from_the_registry_equal_the_layout() {
    let Some(r) = registries() else { return };
    same_figures(&r, Compress::None, "plain");
}

/// An OCI layout whose index holds two images, linux/amd64 and linux/arm64.
fn two_platform_layout(dir: &Path) {
    let mut index_entries = Vec::new();
    for arch in ["amd64", "arm64"] {
        let members = wasteful(Compress::Gzip, arch).oci_members();
        let index: serde_json::Value =
            serde_json::from_slice(&members.iter().find(|(n, _)| n == "index.json").unwrap().1)
                .unwrap();
        let mut entry = index["manifests"][0].clone();
        entry.as_object_mut().unwrap().remove("annotations");
        index_entries.push(entry);
        let blobs: Vec<_> = members
            .into_iter()
            .filter(|(n, _)| n != "index.json")
            .collect();
        fixture::write_members(dir, &blobs);
    }
    let index_bytes = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": index_entries,
    }))
    .unwrap();
    let digest = fixture::sha256(&index_bytes);
    fixture::put(
        dir,
        &format!("blobs/sha256/{}", fixture::hex(&digest)),
        &index_bytes,
    );
    let top = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": digest,
            "size": index_bytes.len(),
            "annotations": {"org.opencontainers.image.ref.name": "latest"},
        }],
    });
    fixture::put(dir, "index.json", &serde_json::to_vec(&top).unwrap());
}

#[test]
fn a_two_platform_index_picks_the_platform_asked_for() {
    let Some(r) = registries() else { return };
    let home = fixture::tmp();
    let layout = home.path().join("layout");
    two_platform_layout(&layout);
    let dest = format!("{}/{}:multi", r.plain, repo("index"));
    push_layout(&layout, &dest, &["--all"]);
    let local = format!("oci:{}", layout.display());
    let remote = format!("registry://{dest}");
    for platform in ["linux/amd64", "linux/arm64"] {
        let flags = ["--plain-http", "--platform", platform];
        let from_registry = report(home.path(), &flags, &remote);
        assert_eq!(from_registry["image"]["platform"], platform);
        assert_eq!(
            figures(from_registry),
            figures(report(home.path(), &flags[1..], &local))
        );
    }
    let out = peel(home.path())
        .args(["--ci", "--plain-http", "--platform", "linux/s390x", &remote])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("linux/amd64") && stderr.contains("linux/arm64"),
        "the choices are listed: {stderr}"
    );
}

#[test]
fn a_docker_schema2_manifest_list_reads_as_its_layout() {
    let Some(r) = registries() else { return };
    let home = fixture::tmp();
    let layout = home.path().join("layout");
    two_platform_layout(&layout);
    let dest = format!("{}/{}:list", r.plain, repo("list"));
    push_layout(&layout, &dest, &["--all", "--format", "v2s2"]);
    let raw = std::process::Command::new("skopeo")
        .args([
            "inspect",
            "--raw",
            "--tls-verify=false",
            &format!("docker://{dest}"),
        ])
        .output()
        .unwrap();
    let raw: serde_json::Value = serde_json::from_slice(&raw.stdout).unwrap();
    assert_eq!(
        raw["mediaType"],
        "application/vnd.docker.distribution.manifest.list.v2+json"
    );
    let flags = ["--plain-http", "--platform", "linux/arm64"];
    let remote = report(home.path(), &flags, &format!("registry://{dest}"));
    let local = report(
        home.path(),
        &flags[1..],
        &format!("oci:{}", layout.display()),
    );
    assert_eq!(figures(remote), figures(local));
}

#[test]
fn a_docker_archive_pushed_as_schema2_reads_as_the_archive() {
    let Some(r) = registries() else { return };
    let home = fixture::tmp();
    let archive = home.path().join("image.tar");
    std::fs::write(&archive, wasteful(Compress::None, "amd64").docker_archive()).unwrap();
    let dest = format!("{}/{}:v2s2", r.plain, repo("v2s2"));
    skopeo_copy(&[
        &format!("docker-archive:{}", archive.display()),
        &format!("docker://{dest}"),
    ]);
    let remote = figures(report(
        home.path(),
        &["--plain-http"],
        &format!("registry://{dest}"),
    ));
    let local = figures(report(home.path(), &[], archive.to_str().unwrap()));
    // skopeo compresses the layers on the way (the blobs and their sizes
    // change): every figure of the walked content is the same.
    assert_eq!(remote["layers"].as_array().unwrap().len(), 3);
    assert_eq!(super::walked(&remote), super::walked(&local));
}

#[test]
fn an_artifact_is_named_as_such() {
    let Some(r) = registries() else { return };
    let home = fixture::tmp();
    let layout = home.path().join("layout");
    let config = b"{}".to_vec();
    let content = br#"{"sbom":true}"#.to_vec();
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/vnd.example.sbom",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": fixture::sha256(&config), "size": config.len()},
        "layers": [{"mediaType": "application/vnd.example.sbom+json", "digest": fixture::sha256(&content), "size": content.len()}],
    }))
    .unwrap();
    let mut members = vec![
        (
            "oci-layout".to_string(),
            br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
        ),
        (
            "index.json".to_string(),
            serde_json::to_vec(&serde_json::json!({
                "schemaVersion": 2,
                "manifests": [{
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": fixture::sha256(&manifest),
                    "size": manifest.len(),
                    "annotations": {"org.opencontainers.image.ref.name": "latest"},
                }],
            }))
            .unwrap(),
        ),
    ];
    for blob in [config, content, manifest] {
        members.push((
            format!("blobs/sha256/{}", fixture::hex(&fixture::sha256(&blob))),
            blob,
        ));
    }
    fixture::write_members(&layout, &members);
    let dest = format!("{}/{}:sbom", r.plain, repo("artifact"));
    push_layout(&layout, &dest, &[]);
    let reference = format!("registry://{dest}");
    let err = super::one_line_error(peel(home.path()).args(["--ci", "--plain-http", &reference]));
    assert!(err.contains(&reference), "{err}");
    assert!(
        err.contains(
            "an OCI artifact (artifactType application/vnd.example.sbom), not a container image"
        ),
        "{err}"
    );
}
