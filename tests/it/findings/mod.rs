//! Findings: each kind on an image that shows the pattern (the demo is a real
//! `docker build`; the others are built from bytes), and none on an image
//! that does not.

use std::path::PathBuf;

use peel::findings::{Finding, Kind, Severity};
use serde_json::{Value, json};

use crate::cli::peel;
use crate::fixture::{Image, Layer, analyze, tmp};

mod base_image;
mod reports;
mod secrets;

/// A finding's layers as plain numbers, to compare with literals.
fn layers(finding: &Finding) -> Vec<u32> {
    finding.layers.iter().map(|&l| u32::from(l)).collect()
}

fn of_kind(findings: &[Finding], kind: Kind) -> Vec<&Finding> {
    findings.iter().filter(|f| f.kind == kind).collect()
}

/// A well-behaved image: a user, a healthcheck, nothing wasted.
fn clean() -> Image {
    Image::new()
        .run_config("User", serde_json::json!("app"))
        .run_config(
            "Healthcheck",
            serde_json::json!({ "Test": ["CMD", "true"] }),
        )
}

#[test]
fn a_clean_image_has_no_findings() {
    let image = clean()
        .layer(
            Layer::new()
                .sized("usr/share/doc/base/README", 500, b'd')
                .sized("bin/sh", 100, b's'),
        )
        .layer(
            Layer::new()
                .sized("app/server", 4000, b'a')
                .sized("app/config.yml", 50, b'c'),
        );
    let a = analyze(&image.docker_archive());
    assert!(a.findings.is_empty(), "{:#?}", a.findings);
}

#[test]
fn the_demo_image_shows_the_classic_patterns() {
    let demo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo/demo.tar");
    let file = std::fs::File::open(demo).expect("demo");
    let image = peel::image::archive::read(
        file,
        "demo",
        "demo",
        &peel::image::Selection::default(),
        &peel::progress::Progress::new(),
    )
    .expect("demo reads");
    let findings = peel::pipeline::Outcome::of(image, None).findings;

    let secrets = of_kind(&findings, Kind::Secret);
    let paths: Vec<&str> = secrets
        .iter()
        .flat_map(|f| f.paths.iter().map(String::as_str))
        .collect();
    assert_eq!(paths, vec!["/root/.ssh/id_rsa", "/app/.env"]);
    assert!(secrets.iter().all(|f| f.severity == Severity::High));
    assert_eq!(
        findings[0].kind,
        Kind::Secret,
        "the most severe comes first"
    );

    let cache = of_kind(&findings, Kind::PackageCache);
    assert_eq!(cache.len(), 1);
    assert_eq!(
        (cache[0].bytes, layers(cache[0]), cache[0].path_count),
        (600_000, vec![3, 9], 6)
    );
    assert!(
        cache[0].advice.contains("apk add --no-cache"),
        "{}",
        cache[0].advice
    );
    assert!(
        cache[0]
            .command
            .as_deref()
            .unwrap_or_default()
            .starts_with("RUN mkdir -p /var/cache/apk")
    );

    let copy_up = of_kind(&findings, Kind::MetadataCopyUp);
    assert_eq!(copy_up.len(), 1);
    assert_eq!(
        (copy_up[0].bytes, layers(copy_up[0])),
        (468_894, vec![5, 8])
    );
    assert_eq!(
        copy_up[0].command.as_deref(),
        Some("RUN chmod 0755 /opt/peel/blob.bin")
    );
    assert!(copy_up[0].advice.contains("--chmod"));

    let deleted = of_kind(&findings, Kind::DeletedLater);
    let summary: Vec<(u64, Vec<u32>)> = deleted.iter().map(|f| (f.bytes, layers(f))).collect();
    assert_eq!(
        summary,
        vec![(300_000, vec![4, 10]), (120_000, vec![5, 11])]
    );
    // Both commands are named: the one that adds, and in the advice the one
    // that deletes.
    assert!(
        deleted[0]
            .command
            .as_deref()
            .unwrap()
            .contains("/tmp/build.log"),
        "{:?}",
        deleted[0].command
    );
    assert!(
        deleted[0]
            .advice
            .contains("layer 10 (`RUN rm /tmp/build.log`) deletes them"),
        "{}",
        deleted[0].advice
    );

    assert_eq!(of_kind(&findings, Kind::RunsAsRoot).len(), 1);
    assert_eq!(of_kind(&findings, Kind::NoHealthcheck).len(), 1);
    assert!(of_kind(&findings, Kind::BuildLeftover).is_empty());
}

#[test]
fn caches_left_in_a_user_layer() {
    let image = clean()
        .layer(Layer::new().sized("bin/sh", 10, b's'))
        .layer(
            Layer::new()
                .sized("var/lib/apt/lists/deb_InRelease", 3000, b'l')
                .sized("var/cache/apt/archives/gcc.deb", 7000, b'g')
                .sized("usr/bin/tool", 50, b't'),
        )
        .layer(Layer::new().sized("root/.cache/pip/http/ab", 900, b'p'));
    let a = analyze(&image.docker_archive());
    let caches = of_kind(&a.findings, Kind::PackageCache);
    let summary: Vec<(u64, Vec<u32>, usize)> = caches
        .iter()
        .map(|f| (f.bytes, layers(f), f.path_count))
        .collect();
    assert_eq!(summary, vec![(10_000, vec![1], 2), (900, vec![2], 1)]);
    assert!(caches[0].advice.contains("rm -rf /var/lib/apt/lists/*"));
    assert!(caches[1].advice.contains("--no-cache-dir"));
}

#[test]
fn identical_rewrites() {
    let image = clean()
        .layer(Layer::new().file_with("app/big.bin", &[7; 2000], 0o644, 0, 0, 5))
        .layer(Layer::new().file_with("app/big.bin", &[7; 2000], 0o644, 0, 0, 5));
    let a = analyze(&image.docker_archive());
    let rewrites = of_kind(&a.findings, Kind::RewrittenIdentical);
    assert_eq!(rewrites.len(), 1);
    assert_eq!((rewrites[0].bytes, layers(rewrites[0])), (2000, vec![0, 1]));
    assert_eq!(rewrites[0].severity, Severity::Info);
}

#[test]
fn build_leftovers_only_from_user_layers() {
    let image = clean()
        // The base image's own documentation and compiler are not the Dockerfile's to fix.
        .layer(
            Layer::new()
                .sized("usr/share/doc/libc/README", 800, b'd')
                .sized("usr/bin/gcc", 900, b'g'),
        )
        .layer(
            Layer::new()
                .sized("app/.git/objects/aa/bb", 5000, b'o')
                .sized("usr/share/man/man1/tool.1", 300, b'm')
                .sized("app/main.py", 100, b'p'),
        );
    let a = analyze(&image.docker_archive());
    let leftovers = of_kind(&a.findings, Kind::BuildLeftover);
    assert_eq!(leftovers.len(), 1);
    assert_eq!(
        leftovers[0].paths,
        vec!["/app/.git/objects/aa/bb", "/usr/share/man/man1/tool.1"]
    );
    assert_eq!(leftovers[0].bytes, 5300);
}

#[test]
fn configuration_findings() {
    for (user, root) in [
        ("", true),
        ("root", true),
        ("0:0", true),
        ("app", false),
        ("1000:1000", false),
    ] {
        let image = Image::new()
            .run_config("User", serde_json::json!(user))
            .layer(Layer::new().sized("a", 1, b'a'));
        let a = analyze(&image.docker_archive());
        assert_eq!(
            !of_kind(&a.findings, Kind::RunsAsRoot).is_empty(),
            root,
            "User {user:?}"
        );
        assert_eq!(of_kind(&a.findings, Kind::NoHealthcheck).len(), 1);
    }
}

#[test]
fn the_same_content_at_several_paths() {
    let image = clean()
        .layer(Layer::new().sized("usr/lib/libbase.so", 3000, b'x').sized(
            "usr/lib/libbase.so.1",
            3000,
            b'x',
        ))
        .layer(
            Layer::new()
                .sized("app/vendor/lib.js", 5000, b'v')
                .sized("app/public/lib.js", 5000, b'v')
                .sized("app/dist/lib.js", 5000, b'v')
                .hardlink("app/linked.js", "app/vendor/lib.js")
                .sized("app/small-a", 100, b's')
                .sized("app/small-b", 100, b's'),
        );
    let a = analyze(&image.docker_archive());
    let duplicates = of_kind(&a.findings, Kind::DuplicateContent);
    assert_eq!(duplicates.len(), 1, "{:#?}", a.findings);
    // Two extra copies of lib.js (one finding for that content); the
    // base's pair, the hardlink and the small files are left out.
    assert_eq!(duplicates[0].bytes, 10_000);
    assert_eq!(
        duplicates[0].paths,
        vec!["/app/public/lib.js", "/app/vendor/lib.js"]
    );
    assert!(duplicates[0].advice.contains("/app/dist/lib.js"));
    assert_eq!(layers(duplicates[0]), [1]);
    // The copies all come from one layer: its command.
    assert_eq!(duplicates[0].command.as_deref(), Some("RUN echo layer 1"));
}

const HASH: &str = "473ad245acd505a00b2f08ea23b6fd3ab2a7ce516cb9cd4f3ac5fa4cb6d22262";

#[test]
fn add_where_copy_would_do() {
    let legacy = |source: &str, dest: &str| format!("/bin/sh -c #(nop) ADD {source} in {dest} ");
    let image = clean()
        // The base image's own ADD of its root file system is not the user's.
        .layer(
            Layer::new()
                .sized("bin/sh", 900, b's')
                .sized("etc/passwd", 30, b'p')
                .created_by(&legacy(&format!("file:{HASH}"), "/")),
        )
        // 1: one file of the context: flagged.
        .layer(
            Layer::new()
                .dir("app")
                .sized("app/main.sh", 200, b'm')
                .created_by(&legacy(&format!("file:{HASH}"), "/app/")),
        )
        // 2: a folder, with an owner: flagged.
        .layer(
            Layer::new()
                .sized("srv/static/index.html", 300, b'i')
                .sized("srv/static/app.js", 400, b'j')
                .created_by(&legacy(
                    &format!("--chown=1000:1000dir:{HASH}"),
                    "/srv/static/",
                )),
        )
        // 3: a local archive, extracted: ADD is the right tool.
        .layer(
            Layer::new()
                .dir("opt/tool")
                .dir("opt/tool/bin")
                .sized("opt/tool/bin/tool", 500, b't')
                .sized("opt/tool/README", 50, b'r')
                .created_by(&legacy(&format!("file:{HASH}"), "/opt/")),
        )
        // 4: a URL download (the legacy builder records a bare hash).
        .layer(
            Layer::new()
                .file_with("usr/local/bin/tool", &[7; 60], 0o600, 0, 0, 1)
                .created_by(&legacy(HASH, "/usr/local/bin/tool")),
        )
        // 5: BuildKit names its sources: a plain file, flagged ...
        .layer(
            Layer::new()
                .sized("etc/app/config.yml", 70, b'c')
                .created_by("ADD --chown=app config.yml /etc/app/ # buildkit"),
        )
        // 6: ... a URL and an archive are not.
        .layer(
            Layer::new()
                .sized("opt/dl/tool", 80, b'd')
                .created_by("ADD https://example.com/tool /opt/dl/tool # buildkit"),
        )
        .layer(
            Layer::new()
                .sized("opt/rootfs/x", 90, b'x')
                .created_by("ADD rootfs.tar.xz /opt/rootfs/ # buildkit"),
        )
        // 8: COPY is what the advice asks for.
        .layer(
            Layer::new()
                .sized("app/lib.sh", 100, b'l')
                .created_by(&format!("/bin/sh -c #(nop) COPY file:{HASH} in /app/ ")),
        );
    let a = analyze(&image.docker_archive());
    let adds = of_kind(&a.findings, Kind::AddInsteadOfCopy);
    let summary: Vec<(Vec<u32>, Vec<&str>)> = adds
        .iter()
        .map(|f| (layers(f), f.paths.iter().map(String::as_str).collect()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (vec![1], vec!["/app/main.sh"]),
            (
                vec![2],
                vec!["/srv/static/app.js", "/srv/static/index.html"]
            ),
            (vec![5], vec!["/etc/app/config.yml"]),
        ],
        "{adds:#?}"
    );
    for f in &adds {
        assert_eq!(f.severity, Severity::Info);
        assert_eq!(f.bytes, 0, "ADD wastes no bytes itself");
        assert!(f.advice.contains("use COPY"), "{}", f.advice);
        assert!(f.advice.contains("--checksum"), "{}", f.advice);
    }
    assert_eq!(
        adds[0].command.as_deref(),
        Some(format!("ADD file:{HASH} in /app/").as_str())
    );
    assert_eq!(
        adds[2].command.as_deref(),
        Some("ADD --chown=app config.yml /etc/app/")
    );
    // The rule that fails on it, by name.
    let dir = tmp();
    std::fs::write(dir.path().join("img.tar"), image.docker_archive()).unwrap();
    peel(dir.path())
        .args([
            "--ci",
            "--lowest-efficiency",
            "off",
            "--fail-on",
            "add-instead-of-copy",
            "img.tar",
        ])
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "[info] add-instead-of-copy, layer 1",
        ));

    // Ignored paths leave the finding; a layer of only ignored paths, too.
    let out = peel(dir.path())
        .args([
            "--json",
            "-",
            "--ignore",
            "/srv/static/app.js",
            "--ignore",
            "/app/**",
            "img.tar",
        ])
        .assert()
        .success();
    let json: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let kept: Vec<(&Value, &Value)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "add-instead-of-copy")
        .map(|f| (&f["layers"], &f["paths"]))
        .collect();
    assert_eq!(
        kept,
        [
            (&json!([2]), &json!(["/srv/static/index.html"])),
            (&json!([5]), &json!(["/etc/app/config.yml"])),
        ]
    );

    // With the base counted to layer 1, layer 1 is the base's.
    let image = peel::image::archive::read(
        &image.docker_archive()[..],
        "fixture",
        "fixture",
        &peel::image::Selection::default(),
        &peel::progress::Progress::new(),
    )
    .unwrap();
    let findings = peel::pipeline::Outcome::of(image, Some(2)).findings;
    let layers: Vec<Vec<u32>> = of_kind(&findings, Kind::AddInsteadOfCopy)
        .iter()
        .map(|f| layers(f))
        .collect();
    assert_eq!(layers, vec![vec![2], vec![5]]);
}

#[test]
fn package_caches_without_bytes_are_no_findings() {
    let image = clean()
        .layer(Layer::new().sized("bin/sh", 10, b's'))
        .layer(
            Layer::new()
                .created_by("/bin/sh -c apt-get update && apt-get install -y curl && apt-get clean && rm -rf /var/lib/apt/lists/*")
                .file("var/lib/apt/lists/lock", b"")
                .dir("var/lib/apt/lists/partial")
                .dir("var/cache/apt/archives/partial")
                .file("var/cache/apt/archives/lock", b""),
        );
    let a = analyze(&image.docker_archive());
    assert!(
        of_kind(&a.findings, Kind::PackageCache).is_empty(),
        "{:#?}",
        a.findings
    );
}

#[test]
fn cache_advice_fits_the_command() {
    let image = clean()
        .layer(Layer::new().sized("bin/sh", 10, b's'))
        .layer(
            Layer::new()
                .created_by("/bin/sh -c apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*")
                .sized("var/cache/apt/archives/curl.deb", 5000, b'c'),
        )
        .layer(
            Layer::new()
                .created_by("/bin/sh -c apt-get update && apt-get clean && apt-get install -y gcc")
                .sized("var/cache/apt/archives/gcc.deb", 4000, b'g')
                .sized("var/lib/apt/lists/deb_InRelease", 3000, b'l'),
        )
        .layer(
            Layer::new()
                .created_by("/bin/sh -c #(nop) COPY dir:abc in /root/.npm")
                .sized("root/.npm/_cacache/index-v5/ab/cd", 2000, b'n'),
        )
        .layer(
            Layer::new()
                .created_by("/bin/sh -c pip install --no-cache-dir x && pip install y")
                .sized("root/.cache/pip/http/ab", 1000, b'p'),
        );
    let a = analyze(&image.docker_archive());
    let caches = of_kind(&a.findings, Kind::PackageCache);
    let advice = |layer: u32| {
        caches
            .iter()
            .find(|f| layers(f) == [layer])
            .unwrap_or_else(|| panic!("layer {layer}: {caches:#?}"))
            .advice
            .as_str()
    };
    // The lists are removed: ask for `apt-get clean`, not for the removal.
    assert!(advice(1).contains("`apt-get clean`"), "{}", advice(1));
    assert!(
        !advice(1).contains("rm -rf /var/lib/apt/lists/*"),
        "{}",
        advice(1)
    );
    // The cleanup runs too early: say so, and ask for the missing removal.
    assert!(
        advice(2).contains("before a later apt-get call"),
        "{}",
        advice(2)
    );
    assert!(
        advice(2).contains("`rm -rf /var/lib/apt/lists/*`"),
        "{}",
        advice(2)
    );
    assert!(
        !advice(2).contains("(and `apt-get clean`)"),
        "{}",
        advice(2)
    );
    // A COPY is no RUN to end with a cleanup.
    assert!(advice(3).contains("came in with a COPY"), "{}", advice(3));
    assert!(!advice(3).contains("same RUN"), "{}", advice(3));
    // --no-cache-dir is there: another pip call wrote the cache.
    assert!(advice(4).contains("`--no-cache-dir`"), "{}", advice(4));
    assert!(advice(4).contains("another pip call"), "{}", advice(4));
}

#[test]
fn duplicate_content_one_finding_per_group_largest_saving_first() {
    let image = clean().layer(Layer::new().sized("bin/sh", 10, b's')).layer(
        Layer::new()
            .sized("app/a/small1", 2000, b'x')
            .sized("app/b/small2", 2000, b'x')
            .sized("app/c/small3", 2000, b'x')
            .sized("app/big1", 9000, b'y')
            .sized("app/big2", 9000, b'y')
            .sized("app/unique", 9000, b'z'),
    );
    let a = analyze(&image.docker_archive());
    let dups = of_kind(&a.findings, Kind::DuplicateContent);
    let summary: Vec<(u64, Vec<&str>)> = dups
        .iter()
        .map(|f| (f.bytes, f.paths.iter().map(String::as_str).collect()))
        .collect();
    // The copy to keep is named in the advice.
    assert!(dups[0].advice.contains("/app/big1"), "{}", dups[0].advice);
    assert_eq!(
        summary,
        vec![
            (9000, vec!["/app/big2"]),
            (4000, vec!["/app/b/small2", "/app/c/small3"]),
        ]
    );
}
