//! Findings and base detection on images built with `docker build`: a
//! multi-layer base image, an application image FROM it that shows every
//! finding kind (each pattern written the way the tool that leaves it lays
//! it out; there is no network, so package managers are played by busybox),
//! and a clean image FROM the same base that shows none, with the fixes the
//! advice names applied.
//!
//! The images are built once per test process in the engine of
//! [`crate::docker`] (legacy builder, the busybox base it imports), and
//! read back through the engine.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::docker::{BASE as BUSYBOX, Engine, docker, engine, host_vars, peel, report};

pub(crate) const BASE: &str = "peel-it/findings-base:1";
const WASTE: &str = "peel-it/findings-waste:1";
const CLEAN: &str = "peel-it/findings-clean:1";

const KINDS: [&str; 9] = [
    "deleted-later",
    "package-cache",
    "metadata-copy-up",
    "rewritten-identical",
    "duplicate-content",
    "secret",
    "build-leftover",
    "runs-as-root",
    "no-healthcheck",
];

/// A base of several layers, with its own documentation, apt list and
/// library, empty-layer entries between its layers, closed by its CMD.
fn base_dockerfile() -> String {
    format!(
        "FROM {BUSYBOX}\n{}ENV BASE_VERSION=1\n{}LABEL org.example.base=libbase\n{}CMD [\"/bin/sh\"]\n",
        run_writing(BASE_DOCS, ""),
        run_writing(BASE_APT_LIST, ""),
        run_writing(&[("/opt/base/libbase.so", 40_000)], ""),
    )
}

const BASE_DOCS: &[(&str, usize)] = &[
    ("/usr/share/doc/libbase/copyright", 3000),
    ("/usr/share/man/man1/libbase.1", 2000),
];

const BASE_APT_LIST: &[(&str, usize)] = &[(
    "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm-updates_InRelease",
    5000,
)];

/// One package manager's cache, as it lays it out, written by the RUN
/// numbered `run`; `advice` is a phrase its advice must hold.
struct CacheCase {
    run: usize,
    advice: &'static str,
    files: &'static [(&'static str, usize)],
}

const CACHES: &[CacheCase] = &[
    CacheCase {
        run: 0,
        advice: "apk add --no-cache",
        files: &[
            ("/var/cache/apk/APKINDEX.66ab5d3a.tar.gz", 24_000),
            ("/var/cache/apk/curl-8.5.0-r0.2a2a3b1c.apk", 30_000),
            (
                "/var/cache/apk/ca-certificates-20240226-r0.d1b8f9e2.apk",
                20_000,
            ),
        ],
    },
    CacheCase {
        run: 1,
        advice: "rm -rf /var/lib/apt/lists/*",
        files: &[
            ("/var/lib/apt/lists/lock", 0),
            (
                "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease",
                8000,
            ),
            (
                "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4",
                60_000,
            ),
            (
                "/var/cache/apt/archives/curl_7.88.1-10+deb12u5_amd64.deb",
                40_000,
            ),
            ("/var/cache/apt/pkgcache.bin", 30_000),
        ],
    },
    CacheCase {
        run: 2,
        advice: "pip install --no-cache-dir",
        files: &[
            (
                "/root/.cache/pip/http-v2/7/3/1/c/a/731ca9e0b4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3.body",
                25_000,
            ),
            (
                "/root/.cache/pip/wheels/3f/9a/requests-2.31.0-py3-none-any.whl",
                15_000,
            ),
        ],
    },
    CacheCase {
        run: 3,
        advice: "npm cache clean --force",
        files: &[
            (
                "/root/.npm/_cacache/content-v2/sha512/3f/a1/9b0c7d2e4f6a8b1c3d5e7f9a0b2c4d6e8f1a3b5c7d9e0f2",
                22_000,
            ),
            (
                "/root/.npm/_cacache/index-v5/1c/2d/5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d",
                1500,
            ),
        ],
    },
    // Three toolchains in one RUN: three findings naming the same layer.
    CacheCase {
        run: 4,
        advice: "yarn cache clean",
        files: &[(
            "/usr/local/share/.cache/yarn/v6/npm-lodash-4.17.21-679591c564c3bffaae8454cf0b3df370c3d6911c-integrity/node_modules/lodash/lodash.js",
            12_000,
        )],
    },
    CacheCase {
        run: 4,
        advice: "/root/go/pkg/mod",
        files: &[
            (
                "/root/go/pkg/mod/cache/download/github.com/pkg/errors/@v/v0.9.1.zip",
                18_000,
            ),
            (
                "/root/.cache/go-build/3a/3a5f0c1e2d4b6a8c9e7f1d3b5a7c9e1f3d5b7a9c1e3f5d7b9a1c3e5f7d9b1a3c-d",
                9000,
            ),
        ],
    },
    CacheCase {
        run: 4,
        advice: "/usr/local/cargo/registry",
        files: &[(
            "/usr/local/cargo/registry/cache/index.crates.io-6f17d22bba15001f/serde-1.0.200.crate",
            16_000,
        )],
    },
];

/// A toolchain and its documentation, as `apt-get install build-essential`
/// would leave them (with `/usr/bin/gcc -> gcc-12` added by the RUN).
const TOOLCHAIN: &[(&str, usize)] = &[
    ("/usr/bin/gcc-12", 9000),
    ("/usr/lib/gcc/x86_64-linux-gnu/12/cc1", 50_000),
    ("/usr/share/doc/gcc-12/copyright", 2500),
    ("/usr/share/man/man1/gcc-12.1.gz", 3500),
];

/// Sizes of the application's files (the build context writes them).
const SERVER_BYTES: usize = 100_000;
const LOGO_BYTES: usize = 4096;
const BUILD_LOG_BYTES: usize = 200_000;

/// The application image: every finding kind, one pattern per instruction.
fn waste_dockerfile() -> String {
    let cache_runs: String = (0..=CACHES.iter().map(|c| c.run).max().unwrap_or(0))
        .map(|run| {
            let files: Vec<(&str, usize)> = CACHES
                .iter()
                .filter(|c| c.run == run)
                .flat_map(|c| c.files.iter().copied())
                .collect();
            run_writing(&files, "")
        })
        .collect();
    format!(
        "FROM {BASE}
WORKDIR /app
COPY app/ /app/
COPY app/config.ini /app/config.ini
COPY home/ /root/
COPY deploy/ /etc/app/deploy/
RUN mkdir -p /etc/app/tls && head -c 1700 /dev/urandom > /etc/app/tls/server.key && yes certificate | head -c 1200 > /etc/app/tls/server.crt
{cache_runs}{toolchain}RUN mkdir -p /app/static && cp /app/assets/logo.png /app/static/logo.png
RUN yes 'cc -O2 -c server.c' | head -c {BUILD_LOG_BYTES} > /tmp/build.log
RUN rm /tmp/build.log && chmod 0755 /app/bin/server
CMD [\"/app/bin/server\"]
",
        toolchain = run_writing(TOOLCHAIN, " && ln -s gcc-12 /usr/bin/gcc"),
    )
}

/// A build context: `(path, content, mode)` of each file.
pub(crate) type Context = Vec<(&'static str, Vec<u8>, u32)>;

/// The waste image's build context.
fn waste_context() -> Context {
    vec![
        (
            "app/config.ini",
            b"[server]\nport = 8080\nworkers = 4\nlog = info\n".to_vec(),
            0o644,
        ),
        ("app/bin/server", noise(1, SERVER_BYTES), 0o644),
        ("app/assets/logo.png", noise(2, LOGO_BYTES), 0o644),
        (
            "app/.env",
            b"DATABASE_URL=postgres://app:PEEL-FAKE-DB-PASSWORD@db:5432/app\n".to_vec(),
            0o644,
        ),
        ("app/.git/HEAD", b"ref: refs/heads/main\n".to_vec(), 0o644),
        (
            "app/.git/config",
            b"[core]\n\trepositoryformatversion = 0\n\tbare = false\n".to_vec(),
            0o644,
        ),
        (
            "app/.git/objects/pack/pack-1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c.pack",
            noise(3, 20_000),
            0o644,
        ),
        (
            "app/__tests__/server.test.js",
            b"test('serves', () => {});\n".to_vec(),
            0o644,
        ),
        ("app/package.json", b"{\"name\":\"app\"}\n".to_vec(), 0o644),
        (
            "home/.ssh/id_rsa",
            b"-----BEGIN OPENSSH PRIVATE KEY-----\nPEEL-FAKE-PRIVATE-KEY-MATERIAL\n-----END OPENSSH PRIVATE KEY-----\n"
                .to_vec(),
            0o600,
        ),
        (
            "home/.ssh/id_rsa.pub",
            b"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQPEELPUBLIC deploy@example\n".to_vec(),
            0o644,
        ),
        (
            "home/.ssh/known_hosts",
            b"github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPEELHOSTKEY\n".to_vec(),
            0o644,
        ),
        (
            "home/.aws/credentials",
            b"[default]\naws_access_key_id = AKIAPEELFAKEKEYID000\naws_secret_access_key = PEEL-FAKE-AWS-SECRET\n"
                .to_vec(),
            0o600,
        ),
        (
            "home/.docker/config.json",
            b"{\"auths\":{\"registry.example.com\":{\"auth\":\"PEEL-FAKE-REGISTRY-AUTH\"}}}\n".to_vec(),
            0o600,
        ),
        // A private key whose name does not tell: only its content does.
        (
            "deploy/github",
            b"-----BEGIN OPENSSH PRIVATE KEY-----\nPEEL-FAKE-DEPLOY-KEY-MATERIAL\n-----END OPENSSH PRIVATE KEY-----\n"
                .to_vec(),
            0o600,
        ),
    ]
}

/// What the secret files hold: none of it may appear in any report.
const SECRET_VALUES: [&str; 5] = [
    "PEEL-FAKE-DB-PASSWORD",
    "PEEL-FAKE-DEPLOY-KEY",
    "PEEL-FAKE-PRIVATE-KEY",
    "PEEL-FAKE-AWS-SECRET",
    "PEEL-FAKE-REGISTRY-AUTH",
];

/// The same base, the fixes applied: the cache and the build log removed in
/// the RUN that made them, the owner and mode set as the files are copied, a
/// user, a healthcheck; and names that look like findings but are not.
const CLEAN_DOCKERFILE: &str = r#"FROM peel-it/findings-base:1
RUN mkdir -p /var/cache/apk /tmp/build && yes 'APKINDEX main' | head -c 20000 > /var/cache/apk/APKINDEX.66ab5d3a.tar.gz && yes 'cc -c' | head -c 50000 > /tmp/build/build.log && rm -rf /var/cache/apk/* /tmp/build
WORKDIR /app
COPY --chown=1000:1000 app/ /app/
HEALTHCHECK CMD ["/bin/true"]
USER 1000:1000
CMD ["/app/server"]
"#;

fn clean_context() -> Context {
    vec![
        ("app/server", noise(11, 30_000), 0o755),
        ("app/config.yml", b"port: 8080\n".to_vec(), 0o644),
        ("app/environment.txt", b"production\n".to_vec(), 0o644),
        (
            "app/keys/id_rsa.pub",
            b"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQPEELPUBLIC app@example\n".to_vec(),
            0o644,
        ),
        (
            "app/keys/server.crt",
            b"-----BEGIN CERTIFICATE-----\nPEELPUBLICCERT\n-----END CERTIFICATE-----\n".to_vec(),
            0o644,
        ),
        ("app/README.md", b"# app\n".to_vec(), 0o644),
        ("app/.env.example", b"DATABASE_URL=\n".to_vec(), 0o644),
        ("app/docker/config.json", b"{}\n".to_vec(), 0o644),
        (
            "app/.github/workflows/ci.yml",
            b"on: push\n".to_vec(),
            0o644,
        ),
        ("app/.gitignore", b"target/\n".to_vec(), 0o644),
        ("app/.dockerignore", b".git\n.env\n".to_vec(), 0o644),
        ("app/static/index.html", noise(12, 3000), 0o644),
        ("app/node_modules/left-pad/index.js", noise(13, 2000), 0o644),
    ]
}

/// `RUN` writing each file (`(absolute path, bytes)`, content unique to the
/// path), then `tail`.
fn run_writing(files: &[(&str, usize)], tail: &str) -> String {
    let mut dirs: Vec<&str> = files
        .iter()
        .map(|(path, _)| path.rsplit_once('/').map_or("/", |(dir, _)| dir))
        .collect();
    dirs.sort_unstable();
    dirs.dedup();
    let mut run = format!("RUN mkdir -p {}", dirs.join(" "));
    for (path, bytes) in files {
        if *bytes == 0 {
            run.push_str(&format!(" && : > {path}"));
        } else {
            run.push_str(&format!(" && yes '{path}' | head -c {bytes} > {path}"));
        }
    }
    run.push_str(tail);
    run.push('\n');
    run
}

/// `len` bytes that no other seed gives.
pub(crate) fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// `docker build -t tag` of `dockerfile` with `context`, every file and
/// folder of it dated alike (so COPY keeps the same times from one build to
/// the next, and the builder's cache holds).
pub(crate) fn build(
    tag: &str,
    dockerfile: &str,
    context: &[(&str, Vec<u8>, u32)],
) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new()
        .prefix("peel-it-findings")
        .tempdir()
        .map_err(|e| e.to_string())?;
    let root = dir.path();
    let mut paths = std::collections::BTreeSet::new();
    for (path, bytes, mode) in context {
        let at = root.join(path);
        let mut parent = at.parent();
        while let Some(p) = parent.filter(|p| *p != root) {
            paths.insert(p.to_path_buf());
            parent = p.parent();
        }
        std::fs::create_dir_all(at.parent().unwrap()).map_err(|e| e.to_string())?;
        std::fs::write(&at, bytes).map_err(|e| e.to_string())?;
        std::fs::set_permissions(&at, std::fs::Permissions::from_mode(*mode))
            .map_err(|e| e.to_string())?;
        paths.insert(at);
    }
    std::fs::write(root.join("Dockerfile"), dockerfile).map_err(|e| e.to_string())?;
    // Once everything is written (writing into a folder would date it anew).
    let when = SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_164_645);
    for path in &paths {
        std::fs::File::open(path)
            .and_then(|f| f.set_modified(when))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    docker(&["build", "-q", "-t", tag, root.to_str().unwrap_or(".")])?;
    Ok(())
}

/// The base image's diff ids, the base built once per process (in the
/// engine that [`engine`] set up).
pub(crate) fn base(_engine: &Engine) -> &'static [String] {
    static DIFF_IDS: OnceLock<Result<Vec<String>, String>> = OnceLock::new();
    let built = DIFF_IDS.get_or_init(|| {
        build(BASE, &base_dockerfile(), &[])?;
        let json = docker(&[
            "image",
            "inspect",
            "--format",
            "{{json .RootFS.Layers}}",
            BASE,
        ])?;
        serde_json::from_str(&json).map_err(|e| format!("{e}: {json}"))
    });
    built
        .as_deref()
        .unwrap_or_else(|e| panic!("building {BASE}: {e}"))
}

/// The JSON report of `tag`, built once per process (after the base).
fn built_report(
    cell: &'static OnceLock<Result<Value, String>>,
    tag: &str,
    dockerfile: fn() -> String,
    context: fn() -> Context,
) -> Option<&'static Value> {
    let engine = engine()?;
    base(engine);
    let built = cell.get_or_init(|| {
        build(tag, &dockerfile(), &context())?;
        Ok(report(&host_vars(engine), &[tag]))
    });
    Some(
        built
            .as_ref()
            .unwrap_or_else(|e| panic!("building {tag}: {e}")),
    )
}

/// The application image's report, by the history alone.
fn waste() -> Option<&'static Value> {
    static REPORT: OnceLock<Result<Value, String>> = OnceLock::new();
    built_report(&REPORT, WASTE, waste_dockerfile, waste_context)
}

/// The clean image's report.
fn clean() -> Option<&'static Value> {
    static REPORT: OnceLock<Result<Value, String>> = OnceLock::new();
    built_report(
        &REPORT,
        CLEAN,
        || CLEAN_DOCKERFILE.to_string(),
        clean_context,
    )
}

pub(crate) fn strs(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

fn nums(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect()
}

pub(crate) fn findings<'a>(report: &'a Value, kind: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == kind)
        .collect()
}

/// The index of the one layer whose `createdBy` satisfies `is`.
pub(crate) fn layer_where(report: &Value, what: &str, is: impl Fn(&str) -> bool) -> u64 {
    let layers = report["layers"].as_array().unwrap();
    let found: Vec<u64> = layers
        .iter()
        .filter(|l| l["createdBy"].as_str().is_some_and(|c| is(c.trim())))
        .map(|l| l["index"].as_u64().unwrap())
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one layer made by {what} expected: {:#?}",
        layers.iter().map(|l| &l["createdBy"]).collect::<Vec<_>>()
    );
    found[0]
}

/// The layer whose command holds `needle`.
fn layer_of(report: &Value, needle: &str) -> u64 {
    layer_where(report, needle, |c| c.contains(needle))
}

/// The layer a `COPY SRC DEST` with this destination made.
fn copy_to(report: &Value, dest: &str) -> u64 {
    layer_where(report, &format!("COPY … {dest}"), |c| {
        c.contains("#(nop) COPY ") && c.ends_with(&format!(" in {dest}"))
    })
}

/// The one finding of `kind` that lists `path`, with what every finding
/// about files has: its severity, non-empty advice, its paths counted.
fn finding_with<'a>(report: &'a Value, kind: &str, path: &str) -> &'a Value {
    let of_kind = findings(report, kind);
    let with: Vec<&&Value> = of_kind
        .iter()
        .filter(|f| strs(&f["paths"]).contains(&path))
        .collect();
    assert_eq!(
        with.len(),
        1,
        "one {kind} finding listing {path} expected: {of_kind:#?}"
    );
    let f = *with[0];
    assert_eq!(f["severity"], severity(kind), "{f:#}");
    assert!(
        f["advice"].as_str().is_some_and(|a| a.trim().len() > 20),
        "{f:#}"
    );
    assert_eq!(
        f["pathCount"].as_u64(),
        Some(strs(&f["paths"]).len() as u64),
        "{f:#}"
    );
    f
}

/// The finding's command is the one of `layer` (the layer its advice is
/// about).
fn names_layer(report: &Value, finding: &Value, layer: u64) {
    let command = &report["layers"][layer as usize]["command"];
    assert!(
        command.as_str().is_some_and(|c| !c.is_empty()),
        "layer {layer} has no command"
    );
    assert_eq!(&finding["command"], command, "{finding:#}");
}

fn severity(kind: &str) -> &'static str {
    match kind {
        "secret" => "high",
        "deleted-later" | "package-cache" | "metadata-copy-up" | "runs-as-root"
        | "context-leak" => "warning",
        _ => "info",
    }
}

fn sorted(paths: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
    v.sort();
    v
}

/// Every path any finding lists.
fn all_finding_paths(report: &Value) -> Vec<&str> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| strs(&f["paths"]))
        .collect()
}

#[test]
fn base_layers_from_the_history_and_from_the_base_image() {
    let Some(waste) = waste() else { return };
    let Some(clean) = clean() else { return };
    let engine = engine().unwrap();
    let vars = host_vars(engine);
    let base_ids = base(engine);
    let n = base_ids.len();
    // A real multi-layer base: the import and its three RUNs.
    assert_eq!(n, 4, "{base_ids:?}");
    for report in [waste, clean] {
        assert_eq!(report["image"]["baseLayers"], n, "{:#}", report["image"]);
        assert_eq!(report["image"]["baseLayersFrom"], "history");
        let digests: Vec<&str> = report["layers"]
            .as_array()
            .unwrap()
            .iter()
            .take(n)
            .map(|l| l["digest"].as_str().unwrap())
            .collect();
        assert_eq!(digests, base_ids, "the image is FROM the base");
    }

    // The user figures count from the first layer above the base.
    let image = &waste["image"];
    let layers = waste["layers"].as_array().unwrap();
    let user_bytes: u64 = layers[n..]
        .iter()
        .map(|l| l["sizeBytes"].as_u64().unwrap())
        .sum();
    let base_bytes: u64 = layers[..n]
        .iter()
        .map(|l| l["sizeBytes"].as_u64().unwrap())
        .sum();
    assert!(base_bytes > 40_000 && user_bytes > 500_000);
    assert_eq!(image["userBytes"], user_bytes);
    let user_wasted: u64 = waste["wasted"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["hiddenBy"].as_u64().unwrap() >= n as u64)
        .map(|w| w["bytes"].as_u64().unwrap())
        .sum();
    assert!(user_wasted >= (BUILD_LOG_BYTES + SERVER_BYTES) as u64);
    assert_eq!(image["userWastedBytes"], user_wasted);
    let percent = image["userWastedPercent"].as_f64().unwrap();
    assert!((percent - user_wasted as f64 / user_bytes as f64).abs() < 1e-9);

    // --base names the base image: the same count, decided exactly, and
    // otherwise the very same report.
    let mut by_base = report(&vars, &["--base", BASE, WASTE]);
    assert_eq!(by_base["image"]["baseLayers"], n);
    assert_eq!(by_base["image"]["baseLayersFrom"], "base-image");
    by_base["image"]["baseLayersFrom"] = "history".into();
    assert_eq!(&by_base, waste);

    // The CI rule judges the user figures.
    let judged = report(
        &vars,
        &[
            "--ci",
            "--lowest-efficiency",
            "0",
            "--highest-user-wasted-percent",
            "0.99",
            WASTE,
        ],
    );
    let rule = judged["ci"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "highestUserWastedPercent")
        .unwrap_or_else(|| panic!("{:#}", judged["ci"]));
    assert_eq!(rule["value"], image["userWastedPercent"]);
    assert_eq!(rule["status"], "PASS");

    // Counting only the import as base (what a history without the base's
    // CMD would give) makes the base's own files the user's: its
    // documentation and apt list show up as findings, its bytes as user
    // bytes. The history is what keeps them out.
    let one = report(&vars, &["--base-layers", "1", WASTE]);
    assert_eq!(one["image"]["baseLayersFrom"], "flag");
    let one_user = one["image"]["userBytes"].as_u64().unwrap();
    assert_eq!(
        one_user,
        user_bytes + base_bytes - layers[0]["sizeBytes"].as_u64().unwrap()
    );
    let base_paths: Vec<&str> = BASE_DOCS
        .iter()
        .chain(BASE_APT_LIST)
        .map(|(p, _)| *p)
        .collect();
    for path in &base_paths {
        assert!(
            all_finding_paths(&one).contains(path),
            "{path} with one base layer"
        );
        assert!(
            !all_finding_paths(waste).contains(path),
            "{path} is the base image's"
        );
    }
}

#[test]
fn every_kind_on_the_waste_image_most_severe_first() {
    let Some(waste) = waste() else { return };
    let all = waste["findings"].as_array().unwrap();
    let mut kinds: Vec<&str> = all.iter().map(|f| f["kind"].as_str().unwrap()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let mut expected = KINDS.to_vec();
    // Its `COPY` of the context brings `.git` along: a context leak too.
    expected.push("context-leak");
    expected.sort_unstable();
    assert_eq!(kinds, expected);
    let rank = |f: &Value| match f["severity"].as_str().unwrap() {
        "high" => 0,
        "warning" => 1,
        _ => 2,
    };
    for pair in all.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(
            (rank(a), std::cmp::Reverse(a["bytes"].as_u64()))
                <= (rank(b), std::cmp::Reverse(b["bytes"].as_u64())),
            "out of order: {a:#} before {b:#}"
        );
    }
    for f in all {
        let kind = f["kind"].as_str().unwrap();
        assert_eq!(f["severity"], severity(kind), "{f:#}");
        assert!(
            f["advice"].as_str().is_some_and(|a| a.trim().len() > 20),
            "{f:#}"
        );
    }
    // The configuration findings are about the config, not about files.
    for kind in ["runs-as-root", "no-healthcheck"] {
        let of_kind = findings(waste, kind);
        assert_eq!(of_kind.len(), 1, "{of_kind:#?}");
        let f = of_kind[0];
        assert!(strs(&f["paths"]).is_empty() && nums(&f["layers"]).is_empty());
        assert!(f["command"].is_null());
    }
    assert!(
        findings(waste, "runs-as-root")[0]["advice"]
            .as_str()
            .unwrap()
            .contains("USER")
    );
    assert!(
        findings(waste, "no-healthcheck")[0]["advice"]
            .as_str()
            .unwrap()
            .contains("HEALTHCHECK")
    );
}

#[test]
fn package_caches_left_in_the_final_image() {
    let Some(waste) = waste() else { return };
    let of_kind = findings(waste, "package-cache");
    assert_eq!(of_kind.len(), CACHES.len(), "{of_kind:#?}");
    for case in CACHES {
        // A file without bytes (apt's lock) is no part of a cache finding.
        let paths: Vec<&str> = case
            .files
            .iter()
            .filter(|(_, bytes)| *bytes > 0)
            .map(|(p, _)| *p)
            .collect();
        let f = finding_with(waste, "package-cache", paths[0]);
        let layer = layer_of(waste, case.files[0].0);
        assert_eq!(strs(&f["paths"]), sorted(&paths), "{f:#}");
        assert_eq!(nums(&f["layers"]), vec![layer], "{f:#}");
        let bytes: usize = case.files.iter().map(|(_, b)| b).sum();
        assert_eq!(f["bytes"], bytes as u64, "{f:#}");
        names_layer(waste, f, layer);
        assert!(
            f["advice"].as_str().unwrap().contains(case.advice),
            "{:?} not in {f:#}",
            case.advice
        );
    }
    // The base image's own apt list is not the Dockerfile's to fix.
    assert!(!all_finding_paths(waste).contains(&BASE_APT_LIST[0].0));
}

#[test]
fn secrets_left_in_the_final_image_never_printed() {
    let Some(waste) = waste() else { return };
    // (The key found by its content alone is the next test's.)
    let deploy = copy_to(waste, "/etc/app/deploy/");
    let of_kind: Vec<&Value> = findings(waste, "secret")
        .into_iter()
        .filter(|f| nums(&f["layers"]) != [deploy])
        .collect();
    assert_eq!(of_kind.len(), 3, "{of_kind:#?}");

    // `COPY app/ /app/` took the .env of the build context.
    let f = finding_with(waste, "secret", "/app/.env");
    let layer = copy_to(waste, "/app/");
    assert_eq!(strs(&f["paths"]), ["/app/.env"]);
    assert_eq!(nums(&f["layers"]), [layer]);
    names_layer(waste, f, layer);

    // A home folder copied whole: the key and the credentials, not the
    // public key nor known_hosts.
    let f = finding_with(waste, "secret", "/root/.ssh/id_rsa");
    let layer = copy_to(waste, "/root/");
    assert_eq!(
        strs(&f["paths"]),
        [
            "/root/.aws/credentials",
            "/root/.docker/config.json",
            "/root/.ssh/id_rsa"
        ]
    );
    assert_eq!(nums(&f["layers"]), [layer]);
    names_layer(waste, f, layer);

    // A key made by a RUN; the certificate beside it is public.
    let f = finding_with(waste, "secret", "/etc/app/tls/server.key");
    let layer = layer_of(waste, "/etc/app/tls/server.key");
    assert_eq!(strs(&f["paths"]), ["/etc/app/tls/server.key"]);
    assert_eq!(nums(&f["layers"]), [layer]);
    assert_eq!(f["bytes"], 1700);
    names_layer(waste, f, layer);

    for f in &of_kind {
        let advice = f["advice"].as_str().unwrap();
        assert!(advice.contains("RUN --mount=type=secret"), "{advice}");
        assert!(advice.contains(".dockerignore"), "{advice}");
    }
    for path in [
        "/root/.ssh/id_rsa.pub",
        "/root/.ssh/known_hosts",
        "/etc/app/tls/server.crt",
    ] {
        assert!(!all_finding_paths(waste).contains(&path), "{path}");
    }

    // No report prints what the files hold; `--fail-on secret` fails the
    // build on them.
    let engine = engine().unwrap();
    let md = tempfile::tempdir().unwrap();
    let md_path = md.path().join("report.md");
    let out = peel(&host_vars(engine))
        .env_remove("PEEL_FAIL_ON")
        .args(["--ci", "--json", "-", "--markdown"])
        .arg(&md_path)
        .args([
            "--lowest-efficiency",
            "0",
            "--highest-user-wasted-percent",
            "0.99",
            "--fail-on",
            "secret",
            WASTE,
        ])
        .output()
        .unwrap();
    let json = String::from_utf8_lossy(&out.stdout);
    let text = String::from_utf8_lossy(&out.stderr);
    let markdown = std::fs::read_to_string(&md_path).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("/root/.aws/credentials"), "{text}");
    assert!(markdown.contains("/root/.aws/credentials"), "{markdown}");
    let judged: Value = serde_json::from_str(&json).unwrap();
    let rule = judged["ci"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "failOnFindings:secret")
        .unwrap_or_else(|| panic!("{:#}", judged["ci"]));
    assert_eq!(rule["status"], "FAIL");
    for value in SECRET_VALUES {
        for (what, output) in [("json", &*json), ("text", &*text), ("markdown", &markdown)] {
            assert!(
                !output.contains(value),
                "{value} printed in the {what} report"
            );
        }
    }
}

#[test]
fn secrets_by_content_pattern() {
    let Some(waste) = waste() else { return };
    let layer = copy_to(waste, "/etc/app/deploy/");
    let f = finding_with(waste, "secret", "/etc/app/deploy/github");
    assert_eq!(strs(&f["paths"]), ["/etc/app/deploy/github"]);
    assert_eq!(nums(&f["layers"]), [layer]);
    names_layer(waste, f, layer);
}

#[test]
fn build_leftovers_from_the_users_layers() {
    let Some(waste) = waste() else { return };
    let of_kind = findings(waste, "build-leftover");
    assert_eq!(of_kind.len(), 2, "{of_kind:#?}");

    // The build context's VCS folder and tests, copied with the app.
    let f = finding_with(waste, "build-leftover", "/app/.git/HEAD");
    let layer = copy_to(waste, "/app/");
    assert_eq!(
        strs(&f["paths"]),
        sorted(&[
            "/app/.git/HEAD",
            "/app/.git/config",
            "/app/.git/objects/pack/pack-1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c.pack",
            "/app/__tests__/server.test.js",
        ])
    );
    assert_eq!(nums(&f["layers"]), [layer]);
    names_layer(waste, f, layer);

    // A compiler with its documentation and man pages.
    let f = finding_with(waste, "build-leftover", "/usr/bin/gcc");
    let layer = layer_of(waste, "ln -s gcc-12 /usr/bin/gcc");
    let mut paths: Vec<&str> = TOOLCHAIN.iter().map(|(p, _)| *p).collect();
    paths.push("/usr/bin/gcc");
    assert_eq!(strs(&f["paths"]), sorted(&paths));
    assert_eq!(nums(&f["layers"]), [layer]);
    let bytes: usize = TOOLCHAIN.iter().map(|(_, b)| b).sum();
    assert_eq!(f["bytes"], bytes as u64);
    names_layer(waste, f, layer);
    assert!(
        f["advice"].as_str().unwrap().contains("separate stage"),
        "{f:#}"
    );
    assert!(f["advice"].as_str().unwrap().contains(".dockerignore"));

    // The base image's documentation is not the Dockerfile's to fix.
    for (path, _) in BASE_DOCS {
        assert!(!all_finding_paths(waste).contains(path), "{path}");
    }
}

#[test]
fn rewritten_identical_and_duplicate_content() {
    let Some(waste) = waste() else { return };
    let app = copy_to(waste, "/app/");
    let config = copy_to(waste, "/app/config.ini");
    let config_bytes = waste_context()[0].1.len() as u64;

    // COPY of a file the previous COPY already put there.
    assert_eq!(findings(waste, "rewritten-identical").len(), 1);
    let f = finding_with(waste, "rewritten-identical", "/app/config.ini");
    assert_eq!(strs(&f["paths"]), ["/app/config.ini"]);
    assert_eq!(nums(&f["layers"]), [app, config]);
    assert_eq!(f["bytes"], config_bytes);
    names_layer(waste, f, config);
    // The same bytes the figures count as wasted.
    let wasted: Vec<&Value> = waste["wasted"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["path"] == "/app/config.ini")
        .collect();
    assert_eq!(wasted.len(), 1, "{wasted:#?}");
    assert_eq!(wasted[0]["reason"], "overwritten-identical");
    assert_eq!(
        (
            &wasted[0]["layer"],
            &wasted[0]["hiddenBy"],
            &wasted[0]["bytes"]
        ),
        (&app.into(), &config.into(), &config_bytes.into())
    );

    // `cp` of a copied file to a second path.
    assert_eq!(findings(waste, "duplicate-content").len(), 1);
    let f = finding_with(waste, "duplicate-content", "/app/static/logo.png");
    let cp = layer_of(waste, "cp /app/assets/logo.png");
    assert_eq!(strs(&f["paths"]), ["/app/static/logo.png"]);
    assert_eq!(nums(&f["layers"]), [cp]);
    assert_eq!(f["bytes"], LOGO_BYTES);
    // The copy came from one layer: its command.
    names_layer(waste, f, cp);
    // Nothing is wasted by it: both copies are in the final image.
    assert!(
        !waste["wasted"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["path"].as_str().unwrap().ends_with("logo.png"))
    );
}

#[test]
fn deleted_later_and_metadata_copy_up() {
    let Some(waste) = waste() else { return };
    let app = copy_to(waste, "/app/");
    let log = layer_of(waste, "> /tmp/build.log");
    let cleanup = layer_of(waste, "rm /tmp/build.log");

    assert_eq!(findings(waste, "deleted-later").len(), 1);
    let f = finding_with(waste, "deleted-later", "/tmp/build.log");
    assert_eq!(strs(&f["paths"]), ["/tmp/build.log"]);
    assert_eq!(nums(&f["layers"]), [log, cleanup]);
    assert_eq!(f["bytes"], BUILD_LOG_BYTES);
    names_layer(waste, f, log);
    assert!(f["advice"].as_str().unwrap().contains("same RUN"));
    assert!(
        f["advice"]
            .as_str()
            .unwrap()
            .contains(&format!("layer {cleanup} (`RUN")),
        "{f}"
    );

    assert_eq!(findings(waste, "metadata-copy-up").len(), 1);
    let f = finding_with(waste, "metadata-copy-up", "/app/bin/server");
    assert_eq!(strs(&f["paths"]), ["/app/bin/server"]);
    assert_eq!(nums(&f["layers"]), [app, cleanup]);
    assert_eq!(f["bytes"], SERVER_BYTES);
    names_layer(waste, f, cleanup);
    assert!(f["advice"].as_str().unwrap().contains("--chmod"));
}

#[test]
fn clean_image_has_no_findings() {
    let Some(clean) = clean() else { return };
    assert_eq!(
        clean["findings"],
        serde_json::json!([]),
        "{:#}",
        clean["findings"]
    );
    // Nothing wasted: the cache and the log went in the RUN that made them.
    let image = &clean["image"];
    assert_eq!(image["wastedBytes"], 0, "{:#}", clean["wasted"]);
    assert_eq!(image["userWastedBytes"], 0);
    assert_eq!(image["visibleBytes"], image["totalBytes"]);
    assert_eq!(image["efficiency"], 1.0);

    // Failing on every kind passes.
    let engine = engine().unwrap();
    let judged = report(
        &host_vars(engine),
        &["--ci", "--fail-on", &KINDS.join(","), CLEAN],
    );
    assert_eq!(judged["ci"]["passed"], true, "{:#}", judged["ci"]);
    let rules: Vec<&str> = judged["ci"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["name"].as_str().unwrap().starts_with("failOnFindings:"))
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["PASS"; 9]);
}
