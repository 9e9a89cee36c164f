//! `ADD` where `COPY` would do, and a base declared by a label, on images
//! built with `docker build` (legacy builder) FROM the multi-layer base of
//! [`crate::docker_findings`]: `ADD` of a plain file (to a folder, to a
//! relative path under the WORKDIR, with `--chown`) and of a folder are
//! flagged; `ADD` of local tar archives, which it extracts, and `COPY` are
//! not. The image is otherwise clean (a user, a healthcheck, nothing wasted),
//! so that these are its only findings.
//!
//! The image's `LABEL org.opencontainers.image.base.name` names the base,
//! which the engine holds: peel counts the base layers exactly from it. An
//! image built FROM this one inherits the label, which then names its base's
//! base: peel sees in the history that the base set it, and ignores it.

use std::sync::OnceLock;

use serde_json::Value;

use crate::docker::{engine, host_vars, report};
use crate::docker_findings::{BASE, Context, base, build, findings, layer_where, noise, strs};
use crate::fixture::{Compress, Layer, compress};

const ADD: &str = "peel-it/add:1";
const CHILD: &str = "peel-it/add-child:1";

const ADD_DOCKERFILE: &str = r#"FROM peel-it/findings-base:1
LABEL org.opencontainers.image.base.name=peel-it/findings-base:1
WORKDIR /app
ADD plain/server.conf /etc/app/
ADD static/ /app/static/
ADD vendor.tar /opt/
ADD tools.tar.gz /opt/tools/
ADD plain/notes.txt notes.txt
ADD --chown=1000:1000 plain/owned.txt /app/owned.txt
COPY plain/run.sh /app/run.sh
HEALTHCHECK CMD ["/bin/true"]
USER 1000:1000
CMD ["/app/run.sh"]
"#;

/// Built FROM the ADD image: it inherits the label, which names its base's
/// base.
const CHILD_DOCKERFILE: &str = "FROM peel-it/add:1
USER 0
RUN echo child > /app/child.txt
USER 1000:1000
";

fn add_context() -> Context {
    let vendor = Layer::new()
        .dir("vendor")
        .dir("vendor/lib")
        .file("vendor/lib/libvendor.so", &noise(21, 6000))
        .file("vendor/bin/vendor-tool", &noise(22, 3000))
        .tar();
    let tools = Layer::new()
        .file("bin/fmt", &noise(23, 5000))
        .file("share/fmt.conf", &noise(24, 500))
        .tar();
    vec![
        ("plain/server.conf", noise(25, 1500), 0o644),
        ("plain/notes.txt", b"release notes\n".to_vec(), 0o644),
        ("plain/owned.txt", b"owned by the app\n".to_vec(), 0o644),
        ("plain/run.sh", b"#!/bin/sh\nexec sleep 1\n".to_vec(), 0o755),
        ("static/index.html", noise(26, 2500), 0o644),
        ("static/app.js", noise(27, 3500), 0o644),
        ("vendor.tar", vendor, 0o644),
        ("tools.tar.gz", compress(&tools, Compress::Gzip), 0o644),
    ]
}

/// The ADD image's report (base built first), once per process.
fn add_image() -> Option<&'static Value> {
    static REPORT: OnceLock<Result<Value, String>> = OnceLock::new();
    let engine = engine()?;
    base(engine);
    let built = REPORT.get_or_init(|| {
        build(ADD, ADD_DOCKERFILE, &add_context())?;
        Ok(report(&host_vars(engine), &[ADD]))
    });
    Some(
        built
            .as_ref()
            .unwrap_or_else(|e| panic!("building {ADD}: {e}")),
    )
}

/// The layer an `ADD` with this source kind and destination made (the
/// legacy builder records `ADD [--chown=U]file:<hash> in <dest> `).
fn add_to(report: &Value, kind: &str, dest: &str) -> u64 {
    layer_where(report, &format!("ADD {kind}… {dest}"), |c| {
        c.contains("#(nop) ADD ")
            && c.contains(&format!("{kind}:"))
            && c.ends_with(&format!(" in {dest}"))
    })
}

#[test]
fn add_of_plain_files_and_folders_is_flagged_archives_are_not() {
    let Some(image) = add_image() else { return };
    let adds = findings(image, "add-instead-of-copy");
    let flagged: Vec<(u64, Vec<&str>)> = adds
        .iter()
        .map(|f| {
            let layers = f["layers"].as_array().unwrap();
            assert_eq!(layers.len(), 1, "{f:#}");
            (layers[0].as_u64().unwrap(), strs(&f["paths"]))
        })
        .collect();
    let mut expected = vec![
        (
            add_to(image, "file", "/etc/app/"),
            vec!["/etc/app/server.conf"],
        ),
        (
            add_to(image, "dir", "/app/static/"),
            vec!["/app/static/app.js", "/app/static/index.html"],
        ),
        (add_to(image, "file", "notes.txt"), vec!["/app/notes.txt"]),
        (
            add_to(image, "file", "/app/owned.txt"),
            vec!["/app/owned.txt"],
        ),
    ];
    expected.sort();
    let mut flagged = flagged;
    flagged.sort();
    assert_eq!(flagged, expected, "{adds:#?}");
    for f in &adds {
        assert_eq!(f["severity"], "info");
        assert_eq!(f["bytes"], 0);
        let layer = f["layers"][0].as_u64().unwrap() as usize;
        assert_eq!(f["command"], image["layers"][layer]["command"], "{f:#}");
        let advice = f["advice"].as_str().unwrap();
        assert!(
            advice.contains("use COPY") && advice.contains("`RUN curl`"),
            "{advice}"
        );
    }
    // The archives were extracted: a tree each, not flagged.
    let vendor = add_to(image, "file", "/opt/");
    let tools = add_to(image, "file", "/opt/tools/");
    for layer in [vendor, tools] {
        assert!(
            !adds.iter().any(|f| f["layers"][0] == layer),
            "layer {layer} extracts an archive"
        );
    }
    let sizes: Vec<u64> = [vendor, tools]
        .iter()
        .map(|&l| image["layers"][l as usize]["sizeBytes"].as_u64().unwrap())
        .collect();
    assert_eq!(sizes, [9000, 5500]);

    // Nothing else: the image is otherwise clean.
    let kinds: Vec<&str> = image["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["add-instead-of-copy"; 4], "{:#}", image["findings"]);
    assert_eq!(image["image"]["wastedBytes"], 0);
}

#[test]
fn a_base_declared_by_a_label_is_looked_up_in_the_engine() {
    let Some(image) = add_image() else { return };
    let engine = engine().unwrap();
    let vars = host_vars(engine);
    let n = base(engine).len();
    let section = &image["image"];
    assert_eq!(section["baseLayers"], n, "{section:#}");
    assert_eq!(section["baseLayersFrom"], "declared-base");
    assert_eq!(
        section["baseImage"],
        serde_json::json!({ "name": BASE, "digest": null, "from": "label" })
    );

    // From a docker-save archive there is no engine to ask: the history
    // decides (the same count), the label is still reported.
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("add.tar");
    crate::docker::docker(&["save", "-o", saved.to_str().unwrap(), ADD]).unwrap();
    let from_archive = report(&vars, &[saved.to_str().unwrap()]);
    assert_eq!(from_archive["image"]["baseLayers"], n);
    assert_eq!(from_archive["image"]["baseLayersFrom"], "history");
    assert_eq!(from_archive["image"]["baseImage"], section["baseImage"]);

    // An image built FROM this one inherits the label, which names its
    // base's base; the history shows the base set it: ignored.
    build(CHILD, CHILD_DOCKERFILE, &[]).unwrap();
    let child = report(&vars, &[CHILD]);
    let layers = image["layers"].as_array().unwrap().len();
    assert_eq!(child["image"]["baseLayers"], layers, "{:#}", child["image"]);
    assert_eq!(child["image"]["baseLayersFrom"], "history");
    assert!(
        child["image"]["baseImage"].is_null(),
        "{:#}",
        child["image"]
    );
}
