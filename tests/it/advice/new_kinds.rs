//! The four kinds read from the history and the layers' files, each on an
//! image built by the real `docker build` that shows it and on one that
//! does not. The base is busybox: `apt-get`, `npm` and a compiler are
//! stand-in scripts and files, which is all the history and the layers
//! show of them.

use serde_json::Value;

use super::{build, json, path_str};

const BAD: &str = "peel-test/advice-bad:1";
const GOOD: &str = "peel-test/advice-good:1";

/// Stand-ins for apt-get and npm, then every pattern once.
const BAD_DOCKERFILE: &str = r#"FROM {base}
RUN printf '#!/bin/sh\nexit 0\n' > /bin/apt-get && printf '#!/bin/sh\nexit 0\n' > /bin/npm && chmod 755 /bin/apt-get /bin/npm
RUN apt-get update
RUN apt-get install -y curl
RUN apt-get -y dist-upgrade
WORKDIR /app
COPY . /app/
RUN npm ci
RUN mkdir -p /usr/lib/gcc/x86_64-linux-gnu/12 /usr/bin && head -c 1500000 /dev/urandom > /usr/lib/gcc/x86_64-linux-gnu/12/cc1 && head -c 200000 /dev/urandom > /usr/bin/gcc
USER 1000
HEALTHCHECK CMD ["/bin/true"]
"#;

/// The same work done as the guides say.
const GOOD_DOCKERFILE: &str = r#"FROM {base}
RUN printf '#!/bin/sh\nexit 0\n' > /bin/apt-get && printf '#!/bin/sh\nexit 0\n' > /bin/npm && chmod 755 /bin/apt-get /bin/npm
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY src/ ./src/
USER 1000
HEALTHCHECK CMD ["/bin/true"]
"#;

fn context() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("package.json", b"{\"name\":\"app\"}\n".to_vec()),
        ("package-lock.json", b"{}\n".to_vec()),
        ("src/server.js", vec![b's'; 3000]),
        (".git/HEAD", b"ref: refs/heads/main\n".to_vec()),
        (".git/objects/pack/pack-1.pack", vec![b'g'; 40_000]),
        ("docker-compose.yml", b"services: {}\n".to_vec()),
        ("tools/__pycache__/gen.cpython-311.pyc", vec![b'p'; 2000]),
        ("logs/build.log", vec![b'l'; 7000]),
    ]
}

fn image(tag: &'static str, dockerfile: &str) -> Option<(super::Built, Value)> {
    let files = context();
    let files: Vec<(&str, &[u8])> = files.iter().map(|(p, b)| (*p, b.as_slice())).collect();
    let built = build(tag, dockerfile, &files, &[])?;
    let report = json(&[tag, "--dockerfile", path_str(&built.dockerfile())]);
    Some((built, report))
}

use crate::docker_findings::findings as of_kind;

#[test]
fn each_new_kind_shows_on_the_image_that_has_it() {
    let Some((_built, bad)) = image(BAD, BAD_DOCKERFILE) else {
        return;
    };

    let order = of_kind(&bad, "cache-busting-order");
    assert_eq!(order.len(), 1, "{order:#?}");
    assert_eq!(order[0]["severity"], "warning");
    assert_eq!(order[0]["dockerfile"]["line"], 7, "{:#}", order[0]);
    assert_eq!(order[0]["paths"], serde_json::json!(["/app/package.json"]));
    let advice = order[0]["advice"].as_str().unwrap();
    assert!(
        advice.contains("before history entry") && advice.contains("runs npm"),
        "{advice}"
    );
    assert!(
        advice.contains("`COPY package.json package-lock.json ./`"),
        "{advice}"
    );

    let leak = of_kind(&bad, "context-leak");
    assert_eq!(leak.len(), 1, "{leak:#?}");
    let advice = leak[0]["advice"].as_str().unwrap();
    for line in [
        "`.git`",
        "`**/*.log`",
        "`**/__pycache__`",
        "`**/*compose*.y*ml`",
        "`Dockerfile*`",
    ] {
        assert!(advice.contains(line), "{line} not in {advice}");
    }
    // The bytes the lines keep out: every leaked file, as copied.
    let leaked = 21
        + 40_000
        + 13
        + 2000
        + 7000
        + BAD_DOCKERFILE
            .replace("{base}", crate::docker_findings::BASE)
            .len() as u64;
    assert_eq!(leak[0]["savedBytes"], leaked, "{:#}", leak[0]);
    assert_eq!(leak[0]["dockerfile"]["line"], 7);

    let hygiene = of_kind(&bad, "package-manager-hygiene");
    let lines: Vec<(u64, &str)> = hygiene
        .iter()
        .map(|f| {
            (
                f["dockerfile"]["line"].as_u64().unwrap(),
                f["severity"].as_str().unwrap(),
            )
        })
        .collect();
    // update alone (3), install with recommends (4), the upgrade (5).
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [(3, "warning"), (4, "info"), (5, "info")],
        "{hygiene:#?}"
    );

    let toolchain = of_kind(&bad, "toolchain-in-final-image");
    assert_eq!(toolchain.len(), 1, "{toolchain:#?}");
    assert_eq!(toolchain[0]["severity"], "warning");
    assert_eq!(toolchain[0]["savedBytes"], 1_700_000);
    assert!(
        toolchain[0]["advice"]
            .as_str()
            .unwrap()
            .contains("GCC (1.50 MB)")
    );
}

#[test]
fn none_of_them_on_the_image_built_as_the_guides_say() {
    let Some((_built, good)) = image(GOOD, GOOD_DOCKERFILE) else {
        return;
    };
    for kind in [
        "cache-busting-order",
        "context-leak",
        "package-manager-hygiene",
        "toolchain-in-final-image",
    ] {
        assert!(
            of_kind(&good, kind).is_empty(),
            "{kind}: {:#?}",
            of_kind(&good, kind)
        );
    }
    // Every layer of the user's has its line.
    let base = good["image"]["baseLayers"].as_u64().unwrap() as usize;
    let layers = good["layers"].as_array().unwrap();
    assert!(
        layers[base..]
            .iter()
            .all(|l| l["dockerfile"]["line"].is_u64()),
        "{layers:#?}"
    );
}

#[test]
fn findings_point_at_their_lines_in_every_ci_format() {
    let Some((built, _)) = image(BAD, BAD_DOCKERFILE) else {
        return;
    };
    let dockerfile = built.dockerfile();
    let dir = crate::fixture::tmp();
    let sarif = dir.path().join("out.sarif");
    let quality = dir.path().join("cq.json");
    let engine = crate::docker::engine().unwrap();
    let out = crate::docker::peel(&crate::docker::host_vars(engine))
        .args([BAD, "--dockerfile", path_str(&dockerfile)])
        .args([
            "--sarif",
            path_str(&sarif),
            "--codequality",
            path_str(&quality),
        ])
        .args(["--annotations", "github"])
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let (schemas, index) = super::ci_formats::sarif_schema();
    if let Err(e) = schemas.validate(&log, index) {
        panic!("SARIF invalid: {e:#}");
    }
    let mut located: Vec<u64> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == "package-manager-hygiene")
        .map(|r| {
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
        })
        .collect();
    located.sort();
    assert_eq!(located, [3, 4, 5], "{log:#}");
    let issues: Value = serde_json::from_str(&std::fs::read_to_string(&quality).unwrap()).unwrap();
    let leak = issues
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["check_name"] == "context-leak")
        .unwrap();
    assert_eq!(leak["location"]["path"], path_str(&dockerfile));
    assert_eq!(leak["location"]["lines"]["begin"], 7);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let file = path_str(&dockerfile)
        .replace(':', "%3A")
        .replace(',', "%2C");
    let wanted = format!("::warning file={file},line=7,title=peel context-leak");
    assert!(stdout.lines().any(|l| l.starts_with(&wanted)), "{stdout}");
}
