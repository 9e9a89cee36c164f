//! Findings: each kind on an image that shows the pattern (the demo is a real
//! `docker build`; the others are built from bytes), and none on an image
//! that does not.

use std::path::PathBuf;

use peel::findings::{Finding, Kind, Severity};

use crate::cli::peel;
use crate::fixture::{Image, Layer, analyze, tmp};

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
    let findings = peel::analysis::analyze(image, None).findings;

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
        (cache[0].bytes, cache[0].layers.clone(), cache[0].path_count),
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
        (copy_up[0].bytes, copy_up[0].layers.clone()),
        (468_894, vec![5, 8])
    );
    assert_eq!(
        copy_up[0].command.as_deref(),
        Some("RUN chmod 0755 /opt/peel/blob.bin")
    );
    assert!(copy_up[0].advice.contains("--chmod"));

    let deleted = of_kind(&findings, Kind::DeletedLater);
    let summary: Vec<(u64, Vec<u32>)> = deleted
        .iter()
        .map(|f| (f.bytes, f.layers.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![(300_000, vec![4, 10]), (120_000, vec![5, 11])]
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
        .map(|f| (f.bytes, f.layers.clone(), f.path_count))
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
    assert_eq!(
        (rewrites[0].bytes, rewrites[0].layers.clone()),
        (2000, vec![0, 1])
    );
    assert_eq!(rewrites[0].severity, Severity::Info);
}

#[test]
fn secrets_in_the_final_image_and_in_the_base() {
    let image = clean()
        .layer(Layer::new().sized("etc/tls/server.key", 1700, b'k'))
        .layer(
            Layer::new()
                .sized("app/.env", 40, b'e')
                .sized("app/.env.example", 40, b'x')
                .sized("root/.ssh/id_ed25519.pub", 90, b'p'),
        );
    let a = analyze(&image.docker_archive());
    let secrets = of_kind(&a.findings, Kind::Secret);
    let mut paths: Vec<&str> = secrets
        .iter()
        .flat_map(|f| f.paths.iter().map(String::as_str))
        .collect();
    paths.sort();
    assert_eq!(paths, vec!["/app/.env", "/etc/tls/server.key"]);
    assert!(secrets.iter().all(|f| f.severity == Severity::High));
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
fn findings_are_in_the_json_report() {
    let image = Image::new()
        .layer(Layer::new().sized("tmp/build.log", 1234, b'l'))
        .layer(Layer::new().whiteout("tmp/build.log"));
    let a = analyze(&image.docker_archive());
    let json: serde_json::Value =
        serde_json::from_str(&peel::report::json::render(&a, None)).expect("json");
    let findings = json["findings"].as_array().expect("findings");
    let deleted = findings
        .iter()
        .find(|f| f["kind"] == "deleted-later")
        .expect("deleted-later");
    for key in [
        "kind",
        "severity",
        "bytes",
        "layers",
        "paths",
        "pathCount",
        "command",
        "advice",
    ] {
        assert!(deleted.get(key).is_some(), "missing {key}: {deleted}");
    }
    assert_eq!(deleted["bytes"], 1234);
    assert_eq!(deleted["layers"], serde_json::json!([0, 1]));
    assert_eq!(deleted["paths"], serde_json::json!(["/tmp/build.log"]));
    assert_eq!(deleted["command"], "RUN echo layer 0");
}

/// The demo image, with the three figure rules off: only the findings judge.
fn demo_args(extra: &[&str]) -> Vec<String> {
    let demo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo/demo.tar");
    let mut args: Vec<String> = [
        "--ci",
        "--lowest-efficiency",
        "off",
        "--highest-user-wasted-percent",
        "off",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push(demo.display().to_string());
    args
}

#[test]
fn fail_on_chosen_finding_kinds() {
    let dir = tmp();
    // None by default: the demo's secrets do not fail the build.
    peel(dir.path()).args(demo_args(&[])).assert().code(0);
    peel(dir.path())
        .args(demo_args(&["--fail-on", "secret"]))
        .assert()
        .code(1)
        .stdout(predicates::str::contains("FAIL  failOnFindings:secret"));
    // A kind the image does not show passes.
    peel(dir.path())
        .args(demo_args(&["--fail-on", "build-leftover"]))
        .assert()
        .code(0)
        .stdout(predicates::str::contains(
            "PASS  failOnFindings:build-leftover",
        ));
    // The rules file, as a YAML list.
    std::fs::write(
        dir.path().join(".dive-ci"),
        "rules:\n  failOnFindings: [secret, package-cache]\n",
    )
    .unwrap();
    let out = peel(dir.path())
        .args(demo_args(&["--json", "-"]))
        .assert()
        .code(1);
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let rules = json["ci"]["rules"].as_array().unwrap();
    let secret = rules
        .iter()
        .find(|r| r["name"] == "failOnFindings:secret")
        .expect("secret rule");
    assert_eq!(
        (secret["value"].clone(), secret["status"].clone()),
        (serde_json::json!(2), serde_json::json!("FAIL"))
    );
    // An unknown kind is a configuration error.
    peel(dir.path())
        .args(demo_args(&["--fail-on", "secrets"]))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown finding kind 'secrets'"));
}

#[test]
fn markdown_report() {
    let dir = tmp();
    let out = peel(dir.path())
        .args(demo_args(&["--markdown", "-"]))
        .assert()
        .code(0);
    let md = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(md.starts_with("## peel: `"), "{md}");
    assert!(md.contains("**PASS**: every rule passed."), "{md}");
    assert!(md.contains("| efficiency | 62.21 % |"), "{md}");
    assert!(
        md.contains("### Layers")
            && md.contains("| 8 | 468.89 kB | `RUN chmod 0755 /opt/peel/blob.bin` |"),
        "{md}"
    );
    assert!(
        md.contains("### Findings") && md.contains("`package-cache`"),
        "{md}"
    );
    // Pipes inside commands are escaped so that the table holds.
    assert!(md.contains("\\| head -c 300000"), "{md}");
    // To a file, with the text report still on stdout.
    let out = peel(dir.path())
        .args(demo_args(&["--markdown", "report.md"]))
        .assert()
        .code(0);
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("Result: PASS"));
    assert!(
        std::fs::read_to_string(dir.path().join("report.md"))
            .unwrap()
            .contains("### Findings")
    );
    // Two reports cannot share stdout.
    peel(dir.path())
        .args(demo_args(&["--markdown", "-", "--json", "-"]))
        .assert()
        .code(2);
}

#[test]
fn ignored_paths_are_accepted_not_wasted() {
    let dir = tmp();
    let out = peel(dir.path())
        .args(demo_args(&[
            "--json",
            "-",
            "--ignore",
            "/var/cache/**",
            "--ignore",
            "**/*.log",
        ]))
        .assert()
        .code(0);
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let image = &json["image"];
    // The apk cache (600,000) and the build log (300,000) are accepted.
    assert_eq!(image["acceptedBytes"], 900_000);
    assert_eq!(image["wastedBytes"], 1_489_320 - 900_000);
    assert_eq!(image["visibleBytes"], 2_451_358);
    assert_eq!(image["efficiency"], (2_451_358.0 + 900_000.0) / 3_940_678.0);
    let wasted = json["wasted"].as_array().unwrap();
    assert!(wasted.iter().all(|w| {
        let p = w["path"].as_str().unwrap();
        !p.starts_with("/var/cache/") && !p.ends_with(".log")
    }));
    let kinds: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert!(!kinds.contains(&"package-cache"), "{kinds:?}");
    // dive's figures do not know of ignores.
    assert_eq!(json["dive"]["inefficientBytes"], 1_238_214);

    // The same from the rules file's list.
    std::fs::write(
        dir.path().join(".dive-ci"),
        "ignore:\n  - /var/cache/**\n  - '**/*.log'\n",
    )
    .unwrap();
    let out = peel(dir.path())
        .args(demo_args(&["--json", "-"]))
        .assert()
        .code(0);
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["image"]["acceptedBytes"], 900_000);

    // A bad glob is a configuration error.
    peel(dir.path())
        .args(demo_args(&["--ignore", "a["]))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("invalid glob 'a['"));
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
    // Two extra copies of lib.js; the base's pair, the hardlink and the
    // small files are left out.
    assert_eq!(duplicates[0].bytes, 10_000);
    assert_eq!(
        duplicates[0].paths,
        vec!["/app/public/lib.js", "/app/vendor/lib.js"]
    );
    assert_eq!(duplicates[0].layers, vec![1]);
}

#[test]
fn base_image_by_shared_diff_ids() {
    let dir = tmp();
    let base_layers = [
        Layer::new()
            .sized("bin/sh", 900, b's')
            .created_by("/bin/sh -c #(nop) ADD file:abc in / "),
        Layer::new().sized("usr/lib/libc.so", 700, b'c'),
    ];
    let mut base = Image::new();
    let mut image = Image::new();
    for layer in &base_layers {
        base = base.layer(layer.clone());
        image = image.layer(layer.clone());
    }
    image = image.layer(Layer::new().sized("app/big", 500, b'b')).layer(
        Layer::new()
            .whiteout("usr/lib/libc.so")
            .sized("app/x", 10, b'x'),
    );
    std::fs::write(dir.path().join("base.tar"), base.docker_archive()).unwrap();
    std::fs::write(dir.path().join("image.tar"), image.docker_archive()).unwrap();
    let out = peel(dir.path())
        .args(["--json", "-", "--base", "base.tar", "image.tar"])
        .assert()
        .code(0);
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["image"]["baseLayers"], 2);
    assert_eq!(json["image"]["baseLayersFrom"], "base-image");
    assert_eq!(json["image"]["userBytes"], 510);
    // The user's layers deleted a base file: 700 user-wasted bytes.
    assert_eq!(json["image"]["userWastedBytes"], 700);

    // A base the image does not build on, and a base that cannot be read.
    let other = Image::new().layer(Layer::new().sized("etc/other", 5, b'o'));
    std::fs::write(dir.path().join("other.tar"), other.docker_archive()).unwrap();
    peel(dir.path())
        .args(["--json", "-", "--base", "other.tar", "image.tar"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "shares no bottom layer with the base image other.tar",
        ));
    peel(dir.path())
        .args(["--json", "-", "--base", "missing.tar", "image.tar"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--base: missing.tar"));
    // Not both ways of saying it; and not in the UI.
    peel(dir.path())
        .args([
            "--json",
            "-",
            "--base",
            "base.tar",
            "--base-layers",
            "1",
            "image.tar",
        ])
        .assert()
        .code(2);
}
