//! Findings: each kind on an image that shows the pattern (the demo is a real
//! `docker build`; the others are built from bytes), and none on an image
//! that does not.

use std::path::{Path, PathBuf};
use std::process::Command as Std;

use peel::findings::{Finding, Kind, Severity};
use serde_json::{Value, json};

use crate::cli::peel;
use crate::fixture::{Image, Layer, analyze, sha256, tmp, write_members};

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
fn secrets_by_content_whatever_their_name() {
    let key = b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----\n";
    let token = b"deploy:\n  registry_token: ghp_0123456789abcdefghijABCDEFGHIJ012345\n";
    let aws = b"AKIAIOSFODNN7EXAMPLE is the key id\n";
    let image = clean()
        .layer(Layer::new().sized("bin/sh", 10, b's'))
        .layer(
            Layer::new()
                // A private key under a name that says nothing.
                .file("etc/app/deploy/github", key)
                // A token in a configuration file.
                .file("etc/app/settings.yaml", token)
                // Public material, and a key id in a text note: not secrets.
                .file("etc/app/ca.crt", b"-----BEGIN CERTIFICATE-----\nMIIB\n")
                .file("etc/app/id.pub", b"-----BEGIN PUBLIC KEY-----\nMIIB\n")
                .file("usr/share/notes.txt", aws)
                // A key written, then deleted by a later layer.
                .file("tmp/build/signing", key),
        )
        .layer(Layer::new().whiteout("tmp/build"));
    let a = analyze(&image.docker_archive());
    let secrets = of_kind(&a.findings, Kind::Secret);
    let mut paths: Vec<&str> = secrets
        .iter()
        .flat_map(|f| f.paths.iter().map(String::as_str))
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        vec![
            "/etc/app/deploy/github",
            "/etc/app/settings.yaml",
            "/tmp/build/signing"
        ],
        "{secrets:#?}"
    );
    assert!(secrets.iter().all(|f| f.severity == Severity::High));
    let deleted = secrets
        .iter()
        .find(|f| f.paths == ["/tmp/build/signing"])
        .expect("the deleted key");
    assert!(
        deleted.advice.contains("stay in layer 1"),
        "{}",
        deleted.advice
    );
    // Nothing of the content reaches the findings.
    let json = serde_json::to_string(&a.findings).expect("json");
    assert!(
        !json.contains("ghp_") && !json.contains("b3BlbnNz"),
        "{json}"
    );
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
        serde_json::from_str(&peel::report::json::render(&a)).expect("json");
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
        .stderr(predicates::str::contains(
            "--fail-on: unknown finding kind 'secrets'",
        ));
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

    // A plain run into a pipe (the text report) accepts them too.
    let demo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo/demo.tar");
    let out = peel(dir.path())
        .args(["--ignore", "/var/cache/**", "--ignore", "**/*.log"])
        .arg(&demo)
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.contains("Accepted (ignored):  900 kB"), "{text}");
    assert!(!text.contains("package-cache"), "{text}");

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
    // Two extra copies of lib.js (one finding for that content); the
    // base's pair, the hardlink and the small files are left out.
    assert_eq!(duplicates[0].bytes, 10_000);
    assert_eq!(
        duplicates[0].paths,
        vec!["/app/public/lib.js", "/app/vendor/lib.js"]
    );
    assert!(duplicates[0].advice.contains("/app/dist/lib.js"));
    assert_eq!(duplicates[0].layers, vec![1]);
    // The copies all come from one layer: its command.
    assert_eq!(duplicates[0].command.as_deref(), Some("RUN echo layer 1"));
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
    // Not both ways of saying it.
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
    // A plain run into a pipe (the text report) takes it too.
    let out = peel(dir.path())
        .args(["--base", "base.tar", "image.tar"])
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("in layers 2..3; base layers: 2, base-image)"),
        "{text}"
    );
    // The image as its own base: no user layers, said so.
    let out = peel(dir.path())
        .args(["--base", "image.tar", "image.tar"])
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("(no user layers; base layers: 4, base-image)"),
        "{text}"
    );
}

/// `peel --json - ARGS` in `dir`: the report.
fn json_report(dir: &Path, args: &[&str]) -> Value {
    let out = peel(dir)
        .args(["--json", "-"])
        .args(args)
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).expect("a JSON report")
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
        .map(|f| {
            (
                f.layers.clone(),
                f.paths.iter().map(String::as_str).collect(),
            )
        })
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
        .map(|f| f.layers.clone())
        .collect();
    assert_eq!(layers, vec![vec![2], vec![5]]);
}

/// The manifest digest of the image an OCI layout's `index.json` lists first,
/// and its members.
fn only_manifest(image: &Image) -> (String, Vec<(String, Vec<u8>)>) {
    let members = image.oci_members();
    let index = members
        .iter()
        .find(|(name, _)| name == "index.json")
        .expect("index.json");
    let index: Value = serde_json::from_slice(&index.1).unwrap();
    let digest = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    (digest, members)
}

/// One OCI layout in `dir` holding `base` (tagged `base`) and `image`
/// (tagged `app`), the image's manifest annotated with `annotations` (what
/// `buildah commit` and `skopeo copy` of both images into one layout give).
fn layout_of_two(dir: &Path, base: &Image, image: &Image, annotations: Value) {
    let (base_digest, base_members) = only_manifest(base);
    let (digest, mut members) = only_manifest(image);
    let path = format!("blobs/sha256/{}", &digest[7..]);
    let manifest = members.iter_mut().find(|(name, _)| *name == path).unwrap();
    let mut json: Value = serde_json::from_slice(&manifest.1).unwrap();
    json["annotations"] = annotations;
    let bytes = serde_json::to_vec(&json).unwrap();
    let annotated = sha256(&bytes);
    members.push((format!("blobs/sha256/{}", &annotated[7..]), bytes.clone()));
    let descriptor = |digest: &str, size: usize, tag: &str| {
        json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": digest,
            "size": size,
            "annotations": { "org.opencontainers.image.ref.name": tag },
        })
    };
    let base_size = base_members
        .iter()
        .find(|(name, _)| *name == format!("blobs/sha256/{}", &base_digest[7..]))
        .map(|(_, bytes)| bytes.len())
        .unwrap();
    let index = json!({
        "schemaVersion": 2,
        "manifests": [
            descriptor(&base_digest, base_size, "base"),
            descriptor(&annotated, bytes.len(), "app"),
        ],
    });
    write_members(dir, &base_members);
    write_members(dir, &members);
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
}

/// A base of two layers and an image of three built on it.
fn base_and_image() -> (Image, Image) {
    let base_layers = [
        Layer::new().sized("bin/sh", 900, b's'),
        Layer::new().sized("usr/lib/libc.so", 700, b'c'),
    ];
    let mut base = clean();
    let mut image = clean();
    for layer in &base_layers {
        base = base.layer(layer.clone());
        image = image.layer(layer.clone());
    }
    (base, image.layer(Layer::new().sized("app/big", 500, b'b')))
}

fn base_digest(dir: &Path) -> String {
    let index: Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn base_declared_by_annotations_in_the_same_layout() {
    let dir = tmp();
    let layout = dir.path().join("layout");
    let (base, image) = base_and_image();
    let digest = only_manifest(&base).0;
    layout_of_two(
        &layout,
        &base,
        &image,
        json!({
            "org.opencontainers.image.base.name": "docker.io/library/base:1",
            "org.opencontainers.image.base.digest": digest,
        }),
    );
    assert_eq!(base_digest(&layout), digest);
    let r = json_report(dir.path(), &["oci:layout:app"]);
    let image_section = &r["image"];
    // The history (no closing CMD) would say 1; the base itself says 2.
    assert_eq!(image_section["baseLayers"], 2, "{image_section:#}");
    assert_eq!(image_section["baseLayersFrom"], "declared-base");
    assert_eq!(image_section["userBytes"], 500);
    assert_eq!(
        image_section["baseImage"],
        json!({ "name": "docker.io/library/base:1", "digest": digest, "from": "annotation" })
    );
    // The same from an oci-archive of the layout.
    let tar = Std::new("tar")
        .arg("-C")
        .arg(&layout)
        .arg("-cf")
        .arg(dir.path().join("layout.tar"))
        .arg(".")
        .status()
        .unwrap();
    assert!(tar.success());
    let from_archive = json_report(dir.path(), &["oci-archive:layout.tar:app"]);
    assert_eq!(from_archive["image"]["baseLayersFrom"], "declared-base");
    assert_eq!(from_archive["image"]["baseLayers"], 2);
    // The text and Markdown reports name it.
    peel(dir.path())
        .args(["--ci", "--lowest-efficiency", "off", "oci:layout:app"])
        .assert()
        .stdout(predicates::str::contains(format!(
            "Base:  docker.io/library/base:1@{digest} (annotation)"
        )))
        .stdout(predicates::str::contains("base layers: 2, declared-base"));
    peel(dir.path())
        .args(["--markdown", "-", "oci:layout:app"])
        .assert()
        .stdout(predicates::str::contains(format!(
            "| base image | docker.io/library/base:1@{digest} (annotation) |"
        )));
    // --base still decides when given, the declaration still reported.
    let by_base = json_report(dir.path(), &["--base", "oci:layout:base", "oci:layout:app"]);
    assert_eq!(by_base["image"]["baseLayersFrom"], "base-image");
    assert_eq!(by_base["image"]["baseImage"]["from"], "annotation");
}

#[test]
fn a_declared_base_not_at_hand_is_reported_not_counted() {
    let dir = tmp();
    let layout = dir.path().join("layout");
    let (base, image) = base_and_image();
    // A digest the layout does not hold (the base stayed in its registry).
    let missing = format!("sha256:{}", "e".repeat(64));
    layout_of_two(
        &layout,
        &base,
        &image,
        json!({ "org.opencontainers.image.base.digest": missing }),
    );
    let r = json_report(dir.path(), &["oci:layout:app"]);
    assert_eq!(r["image"]["baseLayersFrom"], "fallback");
    assert_eq!(r["image"]["baseLayers"], 1);
    assert_eq!(
        r["image"]["baseImage"],
        json!({ "name": null, "digest": missing, "from": "annotation" })
    );
    // A base the layout holds but that is not below the image decides nothing.
    let other = clean().layer(Layer::new().sized("etc/other", 5, b'o'));
    let elsewhere = dir.path().join("elsewhere");
    let other_digest = only_manifest(&other).0;
    layout_of_two(
        &elsewhere,
        &other,
        &image,
        json!({ "org.opencontainers.image.base.digest": other_digest }),
    );
    let r = json_report(dir.path(), &["oci:elsewhere:app"]);
    assert_eq!(r["image"]["baseLayersFrom"], "fallback");
}

#[test]
fn base_declared_by_labels() {
    let dir = tmp();
    let (base, image) = base_and_image();
    let digest = only_manifest(&base).0;
    let image = image.run_config(
        "Labels",
        json!({
            "org.opencontainers.image.base.name": "base:1",
            "org.opencontainers.image.base.digest": digest,
        }),
    );
    let layout = dir.path().join("layout");
    layout_of_two(&layout, &base, &image, json!({}));
    let r = json_report(dir.path(), &["oci:layout:app"]);
    assert_eq!(r["image"]["baseLayersFrom"], "declared-base");
    assert_eq!(r["image"]["baseLayers"], 2);
    assert_eq!(
        r["image"]["baseImage"],
        json!({ "name": "base:1", "digest": digest, "from": "label" })
    );
    // A docker-save archive has no manifest to look the digest up in: the
    // label is reported, the count left to the history.
    std::fs::write(dir.path().join("img.tar"), image.docker_archive()).unwrap();
    let r = json_report(dir.path(), &["img.tar"]);
    assert_eq!(r["image"]["baseLayersFrom"], "fallback");
    assert_eq!(r["image"]["baseImage"]["from"], "label");
}

/// A tool's stdout, or why it could not run.
fn run_tool(program: &str, args: &[&str]) -> Result<String, String> {
    let out = Std::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(format!(
            "{program} {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The manifest digest a layout's `index.json` tags `tag`.
fn tagged(layout: &Path, tag: &str) -> String {
    let index: Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == tag)
        .unwrap_or_else(|| panic!("no {tag} in {index:#}"))["digest"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A two-layer base made by umoci (`base` in `layout`), and an image on it
/// made by buildah (`buildah from` the base, `buildah copy`, `buildah commit`
/// into the same layout, tagged `app`: buildah writes the base annotations),
/// and one by umoci whose config labels declare the base (`labelled`).
fn build_with_real_tools(work: &Path, layout: &Path) -> Result<(), String> {
    let lay = layout.to_str().unwrap();
    let bundle = work.join("bundle");
    let bundle = bundle.to_str().unwrap();
    let write = |name: &str, bytes: usize, fill: u8| {
        let at = work.join("bundle/rootfs").join(name);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::fs::write(at, vec![fill; bytes]).unwrap();
    };
    run_tool("umoci", &["init", "--layout", lay])?;
    run_tool("umoci", &["new", "--image", &format!("{lay}:base")])?;
    run_tool(
        "umoci",
        &[
            "unpack",
            "--rootless",
            "--image",
            &format!("{lay}:base"),
            bundle,
        ],
    )?;
    for (name, bytes, fill) in [("etc/one", 1000, b'1'), ("usr/lib/two", 2000, b'2')] {
        write(name, bytes, fill);
        run_tool(
            "umoci",
            &[
                "repack",
                "--refresh-bundle",
                "--image",
                &format!("{lay}:base"),
                bundle,
            ],
        )?;
    }
    let base = tagged(layout, "base");
    write("app/labelled", 300, b'l');
    run_tool(
        "umoci",
        &[
            "repack",
            "--refresh-bundle",
            "--image",
            &format!("{lay}:labelled"),
            bundle,
        ],
    )?;
    run_tool(
        "umoci",
        &[
            "config",
            "--image",
            &format!("{lay}:labelled"),
            "--config.label",
            &format!("org.opencontainers.image.base.digest={base}"),
        ],
    )?;

    let root = work.join("buildah");
    let storage = [
        "--root",
        &format!("{}/root", root.display()),
        "--runroot",
        &format!("{}/run", root.display()),
        "--storage-driver",
        "vfs",
    ]
    .map(String::from);
    let buildah = |args: &[&str]| {
        let mut all: Vec<&str> = storage.iter().map(String::as_str).collect();
        all.extend_from_slice(args);
        run_tool("buildah", &all)
    };
    let container = buildah(&["from", "--pull-never", &format!("oci:{lay}:base")])?;
    let file = work.join("server.bin");
    std::fs::write(&file, vec![b's'; 4000]).unwrap();
    buildah(&[
        "copy",
        &container,
        file.to_str().unwrap(),
        "/app/server.bin",
    ])?;
    buildah(&[
        "commit",
        "--format",
        "oci",
        &container,
        &format!("oci:{lay}:app"),
    ])?;
    buildah(&["rm", &container])?;
    Ok(())
}

#[test]
fn base_declared_by_buildah_and_umoci_in_a_real_layout() {
    let missing: Vec<&str> = ["buildah", "umoci", "skopeo"]
        .into_iter()
        .filter(|tool| Std::new(tool).arg("--version").output().is_err())
        .collect();
    if !missing.is_empty() {
        assert!(
            std::env::var("PEEL_REQUIRE_BUILDAH").is_err(),
            "PEEL_REQUIRE_BUILDAH is set but {missing:?} are not installed"
        );
        eprintln!("skipped: {missing:?} not installed");
        return;
    }
    // buildah makes an image name of the layout's path: lowercase only.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = tempfile::Builder::new()
        .prefix(&format!("peel-it-buildah-{}-{nanos}", std::process::id()))
        .rand_bytes(0)
        .tempdir()
        .unwrap();
    let layout = dir.path().join("layout");
    build_with_real_tools(dir.path(), &layout).unwrap_or_else(|e| panic!("{e}"));
    let base = tagged(&layout, "base");

    // buildah's annotations name the base's manifest, which the layout holds.
    let r = json_report(dir.path(), &["oci:layout:app"]);
    let image = &r["image"];
    assert_eq!(image["layerCount"], 3, "{image:#}");
    assert_eq!(image["baseLayers"], 2, "{image:#}");
    assert_eq!(image["baseLayersFrom"], "declared-base");
    assert_eq!(image["userBytes"], 4000);
    assert_eq!(image["baseImage"]["digest"], base.as_str());
    assert_eq!(image["baseImage"]["from"], "annotation");
    assert!(image["baseImage"]["name"].is_string(), "{image:#}");

    // umoci's config label does the same.
    let r = json_report(dir.path(), &["oci:layout:labelled"]);
    assert_eq!(r["image"]["baseLayersFrom"], "declared-base");
    assert_eq!(r["image"]["baseLayers"], 2);
    assert_eq!(
        r["image"]["baseImage"],
        json!({ "name": null, "digest": base, "from": "label" })
    );

    // Copied alone into another layout, the image still names its base, but
    // without the base's manifest the count is the history's (here: none).
    let alone = dir.path().join("alone");
    run_tool(
        "skopeo",
        &[
            "copy",
            "-q",
            &format!("oci:{}:app", layout.display()),
            &format!("oci:{}:app", alone.display()),
        ],
    )
    .unwrap();
    let r = json_report(dir.path(), &["oci:alone:app"]);
    assert_eq!(r["image"]["baseLayersFrom"], "fallback");
    assert_eq!(r["image"]["baseImage"]["digest"], base.as_str());
}

fn secret_paths(findings: &[Finding]) -> Vec<&str> {
    let mut paths: Vec<&str> = of_kind(findings, Kind::Secret)
        .iter()
        .flat_map(|f| f.paths.iter().map(String::as_str))
        .collect();
    paths.sort();
    paths
}

const CERT: &[u8] = b"-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n-----END CERTIFICATE-----\n";

#[test]
fn public_certificates_links_and_empty_files_are_no_secrets() {
    let bundle: Vec<u8> = CERT.iter().copied().cycle().take(200_000).collect();
    let combined = [
        CERT,
        b"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n",
    ]
    .concat();
    let image = clean()
        .layer(
            Layer::new()
                .file("usr/lib/ssl/certs/ca-certificates.crt", &bundle)
                .symlink(
                    "usr/lib/ssl/cert.pem",
                    "/usr/lib/ssl/certs/ca-certificates.crt",
                )
                .file("usr/lib/python3/dist-packages/certifi/cacert.pem", &bundle)
                .file(
                    "usr/lib/python3/dist-packages/pip/_vendor/certifi/cacert.pem",
                    &bundle[..150_000],
                )
                .file("etc/ssl/certs/ssl-cert.pem", CERT),
        )
        .layer(
            Layer::new()
                .file("tmp/ca.crt", &bundle[..120_000])
                .file("etc/app/server.crt", CERT)
                .file("etc/app/empty.key", b"")
                .file("etc/app/id_rsa", b"")
                .symlink("etc/app/id_ed25519", "/dev/null")
                .file("etc/app/real.key", b"\x30\x82\x04\xa4\x02\x01\x00")
                .hardlink("etc/app/real-link.key", "etc/app/real.key")
                .file("etc/app/combined.pem", &combined),
        );
    let a = analyze(&image.docker_archive());
    assert_eq!(
        secret_paths(&a.findings),
        vec!["/etc/app/combined.pem", "/etc/app/real.key"],
        "{:#?}",
        a.findings
    );
}

#[test]
fn java_trust_stores_are_no_secrets_key_stores_are() {
    let mut trust = vec![
        0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 2,
    ];
    trust.extend_from_slice(b"ca");
    trust.extend_from_slice(&[0; 8]);
    trust.extend_from_slice(&[0, 5]);
    trust.extend_from_slice(b"X.509");
    trust.extend_from_slice(&[0, 0, 0, 2, 0x30, 0x00]);
    let mut keys = vec![
        0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 3,
    ];
    keys.extend_from_slice(b"app");
    let pfx = [0x30, 0x82, 0x0a, 0x51, 0x02, 0x01, 0x03, 0x30, 0x82];
    let image = clean().layer(
        Layer::new()
            .file("etc/ssl/certs/java/cacerts", &pfx)
            .file("opt/app/truststore.jks", &trust)
            .file("opt/app/certs.jks", &trust)
            .file("opt/app/server.jks", &keys)
            .file("opt/app/client.p12", &pfx),
    );
    let a = analyze(&image.docker_archive());
    assert_eq!(
        secret_paths(&a.findings),
        vec!["/opt/app/client.p12", "/opt/app/server.jks"]
    );
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
            .find(|f| f.layers == [layer])
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

#[test]
fn tokens_in_commands_and_env_are_secrets_and_never_printed() {
    let token = format!("ghp_{}", "Zq7W".repeat(9));
    let aws = "AKIAPEELTESTKEY00000";
    let image = clean()
        .run_config("Env", json!(["PATH=/usr/bin", format!("DEPLOY_KEY={aws}")]))
        .layer(Layer::new().sized("bin/sh", 10, b's'))
        .layer(
            Layer::new()
                .created_by(&format!(
                    "/bin/sh -c git clone https://{token}@github.com/o/r /src"
                ))
                .sized("src/main.c", 100, b'c'),
        );
    let a = analyze(&image.docker_archive());
    let secrets = of_kind(&a.findings, Kind::Secret);
    assert_eq!(secrets.len(), 2, "{secrets:#?}");
    assert!(secrets.iter().all(|f| f.severity == Severity::High));
    let layer = secrets
        .iter()
        .find(|f| f.layers == [1])
        .expect("the layer's");
    assert!(
        layer.advice.contains("The command of layer 1"),
        "{}",
        layer.advice
    );
    assert!(
        layer
            .command
            .as_deref()
            .unwrap()
            .contains("https://[REDACTED]@github.com")
    );
    let env = secrets
        .iter()
        .find(|f| f.layers.is_empty())
        .expect("the Env's");
    assert!(env.advice.contains("`DEPLOY_KEY`"), "{}", env.advice);
    // No output prints either value.
    let dir = tmp();
    let archive = dir.path().join("img.tar");
    std::fs::write(&archive, image.docker_archive()).unwrap();
    let md = dir.path().join("r.md");
    for args in [
        vec!["--ci"],
        vec!["--json", "-"],
        vec!["--ci", "--markdown", md.to_str().unwrap()],
    ] {
        let out = peel(dir.path()).arg(&archive).args(&args).output().unwrap();
        let all = [
            out.stdout,
            out.stderr,
            std::fs::read(&md).unwrap_or_default(),
        ]
        .concat();
        let all = String::from_utf8_lossy(&all);
        assert!(all.contains("[REDACTED]"), "{args:?}: {all}");
        assert!(
            !all.contains(&token) && !all.contains(aws),
            "{args:?}: {all}"
        );
    }
}
