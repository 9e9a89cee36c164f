//! Outer formats and compression, on bytes written by the fixture builders:
//! every layout and compression peel must read gives the same figures.

use peel::image::Selection;
use peel::progress::Progress;

use crate::fixture::{
    Compress, Image, Layer, Member, analyze, analyze_everywhere, compress, sha256, tar_of,
    tar_with_links,
};

fn sample() -> Image {
    Image::new()
        .layer(
            Layer::new()
                .dir("etc")
                .sized("etc/os-release", 300, b'o')
                .sized("bin/tool", 5000, b't'),
        )
        .layer(
            Layer::new()
                .sized("bin/tool", 5000, b'T')
                .sized("cache/x", 700, b'x'),
        )
        .layer(
            Layer::new()
                .whiteout("cache")
                .opaque("etc")
                .sized("etc/new", 20, b'n'),
        )
}

#[test]
fn every_layer_compression_in_every_layout() {
    let plain = analyze_everywhere(&sample());
    for how in [Compress::Gzip, Compress::Zstd] {
        let a = analyze_everywhere(&sample().compressed(how));
        assert_eq!(a.exact, plain.exact, "{how:?}");
        assert_eq!(a.dive, plain.dive, "{how:?}");
        assert!(
            a.image.layers.iter().all(|l| l.compressed_size.is_some()),
            "{how:?}"
        );
    }
}

#[test]
fn mixed_compression_in_one_image() {
    let image = Image::new()
        .layer_as(Layer::new().sized("a", 10, b'a'), Compress::Gzip)
        .layer_as(Layer::new().sized("a", 11, b'a'), Compress::Zstd)
        .layer_as(Layer::new().sized("b", 12, b'b'), Compress::None);
    let a = analyze_everywhere(&image);
    let names: Vec<&str> = a
        .image
        .layers
        .iter()
        .map(|l| l.compression.name())
        .collect();
    assert_eq!(names, vec!["gzip", "zstd", "none"]);
    assert_eq!(a.exact.visible_bytes, 23);
}

#[test]
fn a_whole_archive_compressed() {
    let image = sample();
    let plain = analyze(&image.docker_archive());
    for how in [Compress::Gzip, Compress::Zstd] {
        let a = analyze(&compress(&image.docker_archive(), how));
        assert_eq!(a.exact, plain.exact, "{how:?}");
    }
}

#[test]
fn manifest_first_or_last() {
    let image = sample();
    let mut members = image.docker_members();
    let plain = analyze(&tar_of(&members));
    let manifest_at = members
        .iter()
        .position(|(n, _)| n == "manifest.json")
        .expect("manifest");
    let manifest = members.remove(manifest_at);
    members.insert(0, manifest);
    let a = analyze(&tar_of(&members));
    assert_eq!(a.exact, plain.exact);
}

#[test]
fn skopeo_layout_with_symlinked_layers() {
    let image = sample();
    let plain = analyze(&image.docker_archive());
    // Rename every `<id>/layer.tar` to `<digest>.tar` and link the old name to it.
    let mut members = Vec::new();
    let mut links = Vec::new();
    let mut renames = Vec::new();
    for (name, content) in image.docker_members() {
        if let Some(id) = name.strip_suffix("/layer.tar") {
            let hex = sha256(&content).trim_start_matches("sha256:").to_string();
            renames.push((id.to_string(), hex.clone()));
            members.push((format!("{hex}.tar"), content));
        } else {
            members.push((name, content));
        }
    }
    for (id, hex) in &renames {
        links.push((format!("{id}/layer.tar"), format!("../{hex}.tar")));
    }
    let links: Vec<(&str, &str)> = links
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let a = analyze(&tar_with_links(&members, &links));
    assert_eq!(a.exact, plain.exact);
}

#[test]
fn kaniko_layout_with_digest_names() {
    // Config named `sha256:<hex>`, layers `<hex>.tar.gz`.
    let image = sample().compressed(Compress::Gzip);
    let plain = analyze(&image.docker_archive());
    let config = image.config_json();
    let config_name = sha256(&config);
    let mut members: Vec<Member> = Vec::new();
    let mut layers = Vec::new();
    for (name, content) in image.docker_members() {
        if name.ends_with("/layer.tar") {
            let layer_name = format!("{}.tar.gz", sha256(&content).trim_start_matches("sha256:"));
            layers.push(layer_name.clone());
            members.push((layer_name, content));
        }
    }
    members.push((config_name.clone(), config));
    let manifest = serde_json::json!([{ "Config": config_name, "RepoTags": ["kaniko:latest"], "Layers": layers }]);
    members.push((
        "manifest.json".into(),
        serde_json::to_vec(&manifest).unwrap(),
    ));
    let a = analyze(&tar_of(&members));
    assert_eq!(a.exact, plain.exact);
    assert_eq!(a.image.tags, vec!["kaniko:latest".to_string()]);
}

#[test]
fn multi_member_gzip_and_multi_frame_zstd_layers() {
    // estargz writes one gzip member per file; zstd:chunked one frame per chunk.
    let layer = Layer::new().sized("a", 4000, b'a').sized("b", 3000, b'b');
    let tar = layer.tar();
    let (head, tail) = tar.split_at(1536);
    let mut gz = compress(head, Compress::Gzip);
    gz.extend(compress(tail, Compress::Gzip));
    let mut zst = compress(head, Compress::Zstd);
    zst.extend(compress(tail, Compress::Zstd));
    for (blob, name) in [(gz, "gzip"), (zst, "zstd")] {
        let walked = peel::layer::walk_blob(&blob[..]).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(walked.changes.size, 7000, "{name}");
        assert_eq!(walked.changes.records.len(), 2, "{name}");
    }
}

#[test]
fn a_blob_listed_twice_is_read_once_and_counted_twice() {
    let layer = Layer::new().sized("same", 10, b's');
    let image = Image::new().layer(layer.clone()).layer(layer);
    let a = analyze_everywhere(&image);
    assert_eq!(a.exact.total_bytes, 20);
    assert_eq!(a.exact.visible_bytes, 10);
    assert_eq!(a.exact.wasted[0].reason.name(), "overwritten-identical");
}

/// An OCI archive whose index.json points at a nested index that lists an
/// attestation manifest and two platforms.
fn nested_index_archive() -> Vec<u8> {
    let amd = Image::new().layer(Layer::new().sized("amd", 100, b'a'));
    let arm = Image::new()
        .architecture("arm64")
        .layer(Layer::new().sized("arm", 200, b'r'));
    let mut members: Vec<Member> = Vec::new();
    let mut descriptors = Vec::new();
    for (image, arch) in [(&amd, "amd64"), (&arm, "arm64")] {
        let oci = image.oci_members();
        let index: serde_json::Value =
            serde_json::from_slice(&oci.iter().find(|(n, _)| n == "index.json").unwrap().1)
                .unwrap();
        let mut manifest = index["manifests"][0].clone();
        manifest["platform"] = serde_json::json!({ "os": "linux", "architecture": arch });
        manifest.as_object_mut().unwrap().remove("annotations");
        descriptors.push(manifest);
        members.extend(oci.into_iter().filter(|(n, _)| n.starts_with("blobs/")));
    }
    let attestation = serde_json::json!({
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": descriptors[0]["digest"],
        "size": descriptors[0]["size"],
        "platform": { "os": "unknown", "architecture": "unknown" },
        "annotations": { "vnd.docker.reference.type": "attestation-manifest" }
    });
    descriptors.push(attestation);
    let nested = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": descriptors,
    }))
    .unwrap();
    members.push((
        format!(
            "blobs/sha256/{}",
            sha256(&nested).trim_start_matches("sha256:")
        ),
        nested.clone(),
    ));
    let top = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": sha256(&nested),
            "size": nested.len(),
            "annotations": { "org.opencontainers.image.ref.name": "multi" }
        }]
    });
    members.push(("index.json".into(), serde_json::to_vec(&top).unwrap()));
    members.push((
        "oci-layout".into(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    ));
    tar_of(&members)
}

fn read_with(archive: &[u8], selection: Selection) -> peel::Result<peel::image::Image> {
    peel::image::archive::read(archive, "fixture", "fixture", &selection, &Progress::new())
}

#[test]
fn nested_index_picks_the_platform() {
    let archive = nested_index_archive();
    let arm = read_with(
        &archive,
        Selection {
            tag: Some("multi".into()),
            platform: Some("linux/arm64".parse().unwrap()),
            ..Selection::default()
        },
    )
    .expect("arm64");
    assert_eq!(arm.platform.as_deref(), Some("linux/arm64"));
    assert_eq!(arm.layers[0].changes.size, 200);
    let default = read_with(&archive, Selection::default()).expect("host platform");
    if cfg!(target_arch = "x86_64") {
        assert_eq!(default.layers[0].changes.size, 100);
    }
    let err = read_with(
        &archive,
        Selection {
            tag: None,
            platform: Some("linux/riscv64".parse().unwrap()),
            ..Selection::default()
        },
    )
    .expect_err("no riscv64");
    let text = err.to_string();
    assert!(
        text.contains("linux/amd64") && text.contains("linux/arm64"),
        "{text}"
    );
    assert!(
        !text.contains("unknown/unknown"),
        "attestations are not offered: {text}"
    );
}

#[test]
fn unknown_tag_lists_the_known_ones() {
    let err = read_with(
        &nested_index_archive(),
        Selection {
            tag: Some("nope".into()),
            platform: None,
            ..Selection::default()
        },
    )
    .expect_err("no such tag");
    assert!(err.to_string().contains("multi"), "{err}");
}

#[test]
fn a_layer_whose_first_entry_starts_like_json_is_a_layer() {
    // Next.js routes: `[slug]/`, `{group}`; a tar by structure, whatever its
    // first byte.
    let image = Image::new()
        .layer(Layer::new().dir("[slug]").sized("[slug]/page.js", 40, b'p'))
        .layer(Layer::new().sized("{group}.txt", 10, b'g'));
    let a = analyze_everywhere(&image);
    assert_eq!(a.exact.visible_bytes, 50);
    // Also named `.json`: still a tar.
    let mut members = image.docker_members();
    let mut renames = Vec::new();
    for (name, _) in members.iter_mut() {
        if let Some(id) = name.strip_suffix("/layer.tar") {
            let new = format!("{id}.layer.json");
            renames.push((name.clone(), new.clone()));
            *name = new;
        }
    }
    let manifest = members
        .iter_mut()
        .find(|(n, _)| n == "manifest.json")
        .unwrap();
    let mut text = String::from_utf8(manifest.1.clone()).unwrap();
    for (old, new) in &renames {
        text = text.replace(old, new);
    }
    manifest.1 = text.into_bytes();
    assert_eq!(analyze(&tar_of(&members)).exact, a.exact);
}

/// The docker-save members of `image` with manifest.json rewritten by `f`.
fn with_manifest(image: &Image, f: impl Fn(serde_json::Value) -> serde_json::Value) -> Vec<u8> {
    let mut members = image.docker_members();
    let manifest = members
        .iter_mut()
        .find(|(n, _)| n == "manifest.json")
        .unwrap();
    manifest.1 = serde_json::to_vec(&f(serde_json::from_slice(&manifest.1).unwrap())).unwrap();
    tar_of(&members)
}

#[test]
fn jib_lower_case_manifest_keys_are_read() {
    let image = sample();
    let plain = analyze(&image.docker_archive());
    let jib = with_manifest(&image, |m| {
        let item = &m[0];
        serde_json::json!([{
            "config": item["Config"],
            "repoTags": ["jib/app:1"],
            "layers": item["Layers"],
        }])
    });
    let a = analyze(&jib);
    assert_eq!(a.exact, plain.exact);
    assert_eq!(a.image.tags, vec!["jib/app:1".to_string()]);
}

/// Two images in one docker-save archive, tagged as `docker save` writes
/// tags (the short form).
fn two_tagged() -> Vec<u8> {
    let one = Image::new().layer(Layer::new().sized("one", 100, b'1'));
    let two = Image::new().layer(Layer::new().sized("two", 200, b'2'));
    let mut members: Vec<Member> = Vec::new();
    let mut items = Vec::new();
    for (image, tag) in [(&one, "name:latest"), (&two, "me/other:v2")] {
        let mut m = image.docker_members();
        let manifest = m.pop().filter(|(n, _)| n == "repositories").unwrap();
        drop(manifest);
        let (_, bytes) = m.pop().unwrap();
        let mut item: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        item[0]["RepoTags"] = serde_json::json!([tag]);
        // The fixture's layer ids repeat from image to image: keep them apart.
        let prefix = format!("image{}-", items.len());
        for layer in item[0]["Layers"].as_array_mut().unwrap() {
            *layer = format!("{prefix}{}", layer.as_str().unwrap()).into();
        }
        items.push(item[0].clone());
        members.extend(m.into_iter().map(|(n, c)| {
            if n.contains('/') {
                (format!("{prefix}{n}"), c)
            } else {
                (n, c)
            }
        }));
    }
    members.push((
        "manifest.json".into(),
        serde_json::to_vec(&serde_json::Value::Array(items)).unwrap(),
    ));
    tar_of(&members)
}

#[test]
fn docker_archive_references_are_normalised_and_indexed() {
    let archive = two_tagged();
    let size_of = |tag: &str| {
        read_with(
            &archive,
            Selection {
                tag: Some(tag.into()),
                platform: None,
                ..Selection::default()
            },
        )
        .map(|image| image.layers[0].changes.size)
    };
    for tag in [
        "name",
        "name:latest",
        "docker.io/library/name:latest",
        "index.docker.io/library/name:latest",
        "@0",
    ] {
        assert_eq!(size_of(tag).unwrap(), 100, "{tag}");
    }
    for tag in ["me/other:v2", "docker.io/me/other:v2", "@1"] {
        assert_eq!(size_of(tag).unwrap(), 200, "{tag}");
    }
    let err = size_of("@2").unwrap_err().to_string();
    assert!(
        err.contains("no image @2") && err.contains("@0 to @1"),
        "{err}"
    );
}

/// An OCI layout's members for `image`, with its manifest rewritten by `f`
/// (and index.json pointing at the rewritten one).
fn oci_with_manifest(image: &Image, f: impl Fn(&mut serde_json::Value)) -> Vec<Member> {
    let mut members = image.oci_members();
    let index_at = members.iter().position(|(n, _)| n == "index.json").unwrap();
    let mut index: serde_json::Value = serde_json::from_slice(&members[index_at].1).unwrap();
    let old = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let at = members
        .iter()
        .position(|(n, _)| n.ends_with(&old[7..]))
        .unwrap();
    let mut manifest: serde_json::Value = serde_json::from_slice(&members[at].1).unwrap();
    f(&mut manifest);
    let bytes = serde_json::to_vec(&manifest).unwrap();
    let digest = sha256(&bytes);
    members[at] = (format!("blobs/sha256/{}", &digest[7..]), bytes.clone());
    index["manifests"][0]["digest"] = digest.into();
    index["manifests"][0]["size"] = bytes.len().into();
    members[index_at].1 = serde_json::to_vec(&index).unwrap();
    members
}

fn read_layout(members: &[Member], selection: Selection) -> peel::Result<peel::image::Image> {
    let dir = crate::fixture::tmp();
    crate::fixture::write_members(dir.path(), members);
    peel::image::oci_dir::read(dir.path(), "fixture", &selection, &Progress::new())
}

#[test]
fn oci_artifacts_are_named_as_artifacts() {
    let image = Image::new().layer(Layer::new().sized("a", 10, b'a'));
    type Rewrite = Box<dyn Fn(&mut serde_json::Value)>;
    let cases: [(&str, Rewrite, &str); 3] = [
        (
            "artifactType",
            Box::new(|m| m["artifactType"] = "application/vnd.example.sbom".into()),
            "application/vnd.example.sbom",
        ),
        (
            "config",
            Box::new(|m| {
                m["config"]["mediaType"] = "application/vnd.cncf.helm.config.v1+json".into()
            }),
            "application/vnd.cncf.helm.config.v1+json",
        ),
        (
            "layer",
            Box::new(|m| m["layers"][0]["mediaType"] = "application/wasm".into()),
            "application/wasm",
        ),
    ];
    for (case, rewrite, media) in cases {
        let mut members = oci_with_manifest(&image, rewrite);
        if case == "layer" {
            // Not a tar: a wasm module.
            let layer = members
                .iter_mut()
                .find(|(n, c)| n.starts_with("blobs/") && c.len() == 2048)
                .expect("the layer blob");
            layer.1 = b"\0asm\x01\0\0\0".to_vec();
        }
        for err in [
            read_layout(&members, Selection::default()).expect_err(case),
            read_with(&tar_of(&members), Selection::default()).expect_err(case),
        ] {
            let text = err.to_string();
            assert!(
                text.contains("artifact") && text.contains(media),
                "{case}: {text}"
            );
            assert!(!text.contains("--platform"), "{case}: {text}");
        }
    }
}

/// An index.json listing `entries` (descriptor JSON) over the blobs of the
/// given images' layouts.
fn layout_of(
    images: &[&Image],
    entries: impl Fn(usize, serde_json::Value) -> Vec<serde_json::Value>,
) -> Vec<Member> {
    let mut members: Vec<Member> = Vec::new();
    let mut descriptors = Vec::new();
    for (i, image) in images.iter().enumerate() {
        let oci = image.oci_members();
        let index: serde_json::Value =
            serde_json::from_slice(&oci.iter().find(|(n, _)| n == "index.json").unwrap().1)
                .unwrap();
        descriptors.extend(entries(i, index["manifests"][0].clone()));
        members.extend(oci.into_iter().filter(|(n, _)| n.starts_with("blobs/")));
    }
    members.push((
        "index.json".into(),
        serde_json::to_vec(&serde_json::json!({ "schemaVersion": 2, "manifests": descriptors }))
            .unwrap(),
    ));
    members
}

#[test]
fn an_index_of_only_artifacts_does_not_suggest_platform() {
    let image = Image::new().layer(Layer::new().sized("a", 10, b'a'));
    let members = layout_of(&[&image, &image], |_, mut d| {
        d["artifactType"] = "application/vnd.example.signature".into();
        vec![d]
    });
    let text = read_layout(&members, Selection::default())
        .expect_err("artifacts only")
        .to_string();
    assert!(
        text.contains("only OCI artifacts")
            && text.contains("application/vnd.example.signature (2 entries)"),
        "{text}"
    );
    assert!(!text.contains("--platform"), "{text}");
}

#[test]
fn untagged_platforms_and_tags_of_an_index_are_listed() {
    let amd = Image::new().layer(Layer::new().sized("amd", 100, b'a'));
    let arm = Image::new()
        .architecture("arm64")
        .layer(Layer::new().sized("arm", 200, b'r'));
    // Two tagged images, no platform on their descriptors.
    let tagged = layout_of(&[&amd, &arm], |i, mut d| {
        d.as_object_mut().unwrap().remove("platform");
        d["annotations"] = serde_json::json!({
            "org.opencontainers.image.ref.name": (["amd", "arm"][i]),
        });
        vec![d]
    });
    let text = read_layout(&tagged, Selection::default())
        .expect_err("two images, no tag asked")
        .to_string();
    assert!(
        text.contains("oci:PATH:TAG") && text.contains("amd, arm"),
        "{text}"
    );
    assert!(!text.contains("untagged"), "{text}");
    // By tag; by --platform, from the configs.
    let pick = |tag: Option<&str>, platform: Option<&str>| {
        read_layout(
            &tagged,
            Selection {
                tag: tag.map(Into::into),
                platform: platform.map(|p| p.parse().unwrap()),
                ..Selection::default()
            },
        )
    };
    assert_eq!(pick(Some("arm"), None).unwrap().layers[0].changes.size, 200);
    assert_eq!(
        pick(None, Some("linux/arm64")).unwrap().layers[0]
            .changes
            .size,
        200
    );
    // A --platform nothing has is an error, for a lone image too.
    let text = pick(None, Some("linux/s390x")).unwrap_err().to_string();
    assert!(text.contains("no image for platform linux/s390x"), "{text}");
    let text = pick(Some("amd"), Some("linux/arm64"))
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("no image for platform linux/arm64") && text.contains("linux/amd64"),
        "{text}"
    );
    // One platform fifty times is listed once.
    let repeated = layout_of(&[&amd], |_, d| vec![d; 50]);
    let text = read_layout(
        &repeated,
        Selection {
            tag: None,
            platform: Some("linux/riscv64".parse().unwrap()),
            ..Selection::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(text.contains("linux/amd64 (50 entries)"), "{text}");
    assert_eq!(text.matches("linux/amd64").count(), 1, "{text}");
}

#[test]
fn oci_archive_reads_index_json_when_both_are_there() {
    // manifest.json names one image, index.json another.
    let one = Image::new().layer(Layer::new().sized("one", 100, b'1'));
    let two = Image::new().layer(Layer::new().sized("two", 200, b'2'));
    let mut members = one.docker_members();
    members.retain(|(n, _)| n != "repositories");
    members.extend(two.oci_members());
    let dir = crate::fixture::tmp();
    let path = dir.path().join("both.tar");
    std::fs::write(&path, tar_of(&members)).unwrap();
    let open = |input: &str| {
        let reference = peel::source::parse(input, None).unwrap();
        peel::source::open(&reference, input, &Default::default())
            .unwrap()
            .layers[0]
            .changes
            .size
    };
    let path = path.display().to_string();
    assert_eq!(open(&format!("oci-archive:{path}")), 200);
    assert_eq!(open(&format!("oci:{path}")), 200);
    assert_eq!(open(&format!("docker-archive:{path}")), 100);
    assert_eq!(open(&path), 100);
}

/// Run a real tool; `None` (the test skips) when it is not installed.
fn tool(program: &str, args: &[&str]) -> Option<String> {
    let out = match std::process::Command::new(program).args(args).output() {
        Ok(out) => out,
        Err(_) => {
            eprintln!("skipped: no {program}");
            return None;
        }
    };
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn umoci_tags_without_platforms_are_listed_and_chosen() {
    // umoci writes index entries with a ref.name and no platform.
    let dir = crate::fixture::tmp();
    let layout = dir.path().join("lay");
    let layout = layout.to_str().unwrap();
    if tool("umoci", &["init", "--layout", layout]).is_none() {
        return;
    }
    for tag in ["first", "second"] {
        tool("umoci", &["new", "--image", &format!("{layout}:{tag}")]).unwrap();
    }
    let read = |tag: Option<&str>, platform: Option<&str>| {
        peel::image::oci_dir::read(
            std::path::Path::new(layout),
            "lay",
            &Selection {
                tag: tag.map(Into::into),
                platform: platform.map(|p| p.parse().unwrap()),
                ..Selection::default()
            },
            &Progress::new(),
        )
    };
    let text = read(None, None).unwrap_err().to_string();
    assert!(
        text.contains("the index holds 2 images")
            && text.contains("oci:PATH:TAG")
            && text.contains("first, second"),
        "{text}"
    );
    assert!(read(Some("second"), None).is_ok());
    // umoci writes this machine's platform into the configs: two fit.
    let host = peel::image::PlatformSpec::host().to_string();
    let text = read(None, Some(&host)).unwrap_err().to_string();
    assert!(
        text.contains(&format!("2 images of the index are {host}"))
            && text.contains(&format!("first ({host})")),
        "{text}"
    );
    let other = if host == "linux/arm64" {
        "linux/amd64"
    } else {
        "linux/arm64"
    };
    let text = read(Some("first"), Some(other)).unwrap_err().to_string();
    assert!(
        text.contains(&format!(
            "no image for platform {other} (the image is {host})"
        )),
        "{text}"
    );
}

#[test]
fn docker_save_of_two_images_by_any_spelling_and_by_index() {
    let Some(_) = crate::docker::engine() else {
        return;
    };
    let dir = crate::fixture::tmp();
    let mut names = Vec::new();
    for (i, name) in ["peel-it/readers-one:latest", "peel-it/readers-two:v2"]
        .iter()
        .enumerate()
    {
        let tar = dir.path().join(format!("{i}.tar"));
        std::fs::write(&tar, Layer::new().sized("f", 100 * (i + 1), b'x').tar()).unwrap();
        crate::docker::docker(&["import", tar.to_str().unwrap(), name]).unwrap();
        names.push(*name);
    }
    let saved = dir.path().join("two.tar");
    let saved = saved.to_str().unwrap();
    crate::docker::docker(&["save", "-o", saved, names[0], names[1]]).unwrap();
    let size = |tag: &str| {
        let input = format!("docker-archive:{saved}:{tag}");
        let reference = peel::source::parse(&input, None).unwrap();
        let image = peel::source::open(&reference, &input, &Default::default())
            .unwrap_or_else(|e| panic!("{tag}: {e}"));
        (
            image.layers[0].changes.size,
            image.layers[0].diff_id.as_ref().map(ToString::to_string),
        )
    };
    for tag in [
        "peel-it/readers-one",
        "peel-it/readers-one:latest",
        "docker.io/peel-it/readers-one:latest",
        "index.docker.io/peel-it/readers-one:latest",
    ] {
        assert_eq!(size(tag).0, 100, "{tag}");
    }
    assert_eq!(size("docker.io/peel-it/readers-two:v2").0, 200);
    // `@N` is the Nth image of manifest.json, as skopeo counts.
    for n in 0..2 {
        let Some(config) = tool(
            "skopeo",
            &[
                "inspect",
                "--config",
                &format!("docker-archive:{saved}:@{n}"),
            ],
        ) else {
            return;
        };
        let config: serde_json::Value = serde_json::from_str(&config).unwrap();
        let (_, diff_id) = size(&format!("@{n}"));
        assert_eq!(
            config["rootfs"]["diff_ids"][0].as_str(),
            diff_id.as_deref(),
            "@{n}"
        );
    }
}

/// What the viewer shows of `bin/tool` at layer 1 of the image in `file`,
/// and where that layer's reader found its blob.
fn view_tool(file: &std::path::Path) -> (Vec<u8>, peel::image::BlobLocation) {
    let reference = file.display().to_string();
    let parsed = peel::source::parse(&reference, None).expect("parse");
    let image = peel::source::open(&parsed, &reference, &Default::default()).expect("open");
    let a = peel::analysis::analyze(image, None);
    let node = a.tree.lookup(b"bin/tool").expect("in the tree");
    let origin = peel::content::Origin::of(&parsed);
    let layer = 1.into();
    let content =
        peel::content::read_file(&origin, &a.image.layers, &a.tree, node, layer, 0, 1 << 20)
            .expect("view");
    (content.bytes, a.image.layers[1].location.clone())
}

#[test]
fn the_viewer_reads_the_blob_its_reader_walked() {
    use peel::image::BlobLocation;
    let dir = crate::fixture::tmp();
    let image = sample().compressed(Compress::Gzip);
    let want = vec![b'T'; 5000];
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        path
    };

    let plain = write("plain.tar", &image.docker_archive());
    let (bytes, at) = view_tool(&plain);
    assert_eq!(bytes, want);
    assert!(matches!(at, BlobLocation::ArchiveMember { .. }), "{at:?}");

    for how in [Compress::Gzip, Compress::Zstd] {
        let whole = write("whole.tar.z", &compress(&image.docker_archive(), how));
        let (bytes, at) = view_tool(&whole);
        assert_eq!(bytes, want, "{how:?}");
        assert!(
            matches!(at, BlobLocation::CompressedMember { .. }),
            "{how:?}: {at:?}"
        );
    }

    // skopeo: `<id>/layer.tar` a symlink to `<digest>.tar`; the location is
    // the member the link resolved to, not the link.
    let mut members = Vec::new();
    let mut links = Vec::new();
    for (name, content) in image.docker_members() {
        match name.strip_suffix("/layer.tar") {
            Some(id) => {
                let hex = sha256(&content).trim_start_matches("sha256:").to_string();
                links.push((format!("{id}/layer.tar"), format!("../{hex}.tar")));
                members.push((format!("{hex}.tar"), content));
            }
            None => members.push((name, content)),
        }
    }
    let links: Vec<(&str, &str)> = links
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let (bytes, at) = view_tool(&write("skopeo.tar", &tar_with_links(&members, &links)));
    assert_eq!(bytes, want);
    assert!(matches!(at, BlobLocation::ArchiveMember { .. }), "{at:?}");

    // Two members of one name: the last one is the layer (as the reader
    // keeps it), and the viewer reads that one too.
    let mut members = image.docker_members();
    let (layer_name, _) = members
        .iter()
        .filter(|(n, _)| n.ends_with("/layer.tar"))
        .nth(1)
        .cloned()
        .expect("layer 1");
    members.insert(0, (layer_name, b"not this one".to_vec()));
    let (bytes, _) = view_tool(&write("twice.tar", &tar_of(&members)));
    assert_eq!(bytes, want);

    let layout = dir.path().join("layout");
    image.oci_dir(&layout);
    let (bytes, at) = view_tool(&layout);
    assert_eq!(bytes, want);
    assert!(matches!(at, BlobLocation::LayoutFile { .. }), "{at:?}");
}
