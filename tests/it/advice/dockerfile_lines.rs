//! `--dockerfile`: the final stage's lines mapped to the history of an image
//! built by the real `docker build` (legacy builder): RUN (continued lines,
//! a comment inside, `|N ARG=…` when build args are given), COPY by
//! destination and order (also `--from`), metadata instructions, ARG and ENV
//! substitution, a multi-stage file whose first stage maps nowhere. An
//! entry the Dockerfile does not have is unmatched, never given a line.

use serde_json::Value;

use super::{Built, build, json, path_str};
use crate::cli::peel;
use crate::fixture::tmp;

const TAG: &str = "peel-test/advice-lines:1";

/// Line numbers matter: the test names them.
const DOCKERFILE: &str = r#"ARG FIRST={base}
FROM ${FIRST} AS build
RUN mkdir -p /out && echo built > /out/app.txt

FROM {base}
ARG DIR=/srv/app
ARG MODE
ENV APP_HOME=$DIR
LABEL org.example.app=demo
WORKDIR $DIR
COPY conf/ ./conf/
COPY --from=build /out/ ${APP_HOME}/bin/
RUN echo "mode=$MODE" > mode.txt && \
    # a comment inside the RUN
    head -c 5000 /dev/zero > /tmp/scratch.bin
RUN rm /tmp/scratch.bin
EXPOSE 8080
USER 1000
CMD ["/bin/sh"]
"#;

fn built() -> Option<Built> {
    build(
        TAG,
        DOCKERFILE,
        &[("conf/app.yml", b"port: 8080\n")],
        &["MODE=prod"],
    )
}

fn layer_lines(report: &Value) -> Vec<Option<u64>> {
    report["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["dockerfile"]["line"].as_u64())
        .collect()
}

#[test]
fn each_layer_of_the_final_stage_gets_its_line() {
    let Some(built) = built() else { return };
    let dockerfile = built.dockerfile();
    let report = json(&[TAG, "--dockerfile", path_str(&dockerfile)]);
    let lines = layer_lines(&report);
    let base = report["image"]["baseLayers"].as_u64().unwrap() as usize;
    assert!(base >= 2, "{base}");
    // The base's layers have no line; then WORKDIR, COPY, COPY, RUN, RUN.
    assert!(lines[..base].iter().all(Option::is_none), "{lines:?}");
    assert_eq!(
        lines[base..],
        [Some(10), Some(11), Some(12), Some(13), Some(16)],
        "{:#?}",
        report["layers"]
    );
    let run = &report["layers"].as_array().unwrap()[base + 3];
    assert!(
        run["createdBy"]
            .as_str()
            .unwrap()
            .starts_with("|2 DIR=/srv/app MODE=prod /bin/sh -c"),
        "{run:#}"
    );
    assert_eq!(
        run["dockerfile"]["instruction"],
        "RUN echo \"mode=$MODE\" > mode.txt && head -c 5000 /dev/zero > /tmp/scratch.bin"
    );
    assert_eq!(run["dockerfile"]["path"], path_str(&dockerfile));
    assert_eq!(report["dockerfile"]["unmatched"], serde_json::json!([]));
    // The finding points at the RUN that wrote the file.
    let deleted = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "deleted-later")
        .expect("the scratch file is deleted later");
    assert_eq!(deleted["dockerfile"]["line"], 13);

    // The text report shows the lines too.
    let out = peel(built.dir.path())
        .args([
            TAG,
            "--ci",
            "--dockerfile",
            "Dockerfile",
            "--lowest-efficiency",
            "off",
        ])
        .args(["--highest-user-wasted-percent", "off"])
        .env(
            "DOCKER_HOST",
            std::env::var("DOCKER_HOST").unwrap_or_default(),
        )
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("  ← Dockerfile:13"), "{text}");
    assert!(
        text.contains("      dockerfile: Dockerfile:13  RUN echo"),
        "{text}"
    );
}

#[test]
fn a_stale_dockerfile_leaves_entries_unmatched_never_guessed() {
    let Some(built) = built() else { return };
    // The RUN that deletes is gone, the COPY goes elsewhere.
    let stale = DOCKERFILE
        .replace("RUN rm /tmp/scratch.bin\n", "")
        .replace("COPY conf/ ./conf/", "COPY conf/ /etc/conf/")
        .replace("{base}", crate::docker_findings::BASE);
    let dir = tmp();
    let path = dir.path().join("Dockerfile.stale");
    std::fs::write(&path, stale).unwrap();
    let report = json(&[built.tag, "--dockerfile", path_str(&path)]);
    let base = report["image"]["baseLayers"].as_u64().unwrap() as usize;
    let lines = layer_lines(&report);
    assert_eq!(
        lines[base..],
        [Some(10), None, Some(12), Some(13), None],
        "{lines:?}"
    );
    let unmatched: Vec<&str> = report["dockerfile"]["unmatched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["createdBy"].as_str().unwrap())
        .collect();
    assert_eq!(unmatched.len(), 2, "{unmatched:?}");
    assert!(unmatched[0].contains("COPY dir:"), "{unmatched:?}");
    assert!(
        unmatched[1].ends_with("rm /tmp/scratch.bin"),
        "{unmatched:?}"
    );
}

#[test]
fn an_unreadable_or_broken_dockerfile_is_one_line_and_exit_2() {
    let dir = tmp();
    let img = crate::fixture::put(
        dir.path(),
        "img.tar",
        &crate::fixture::Image::new()
            .layer(crate::fixture::Layer::new().sized("a", 10, b'a'))
            .docker_archive(),
    );
    std::fs::write(dir.path().join("Broken"), "FROM x\nFROBNICATE now\n").unwrap();
    std::fs::write(dir.path().join("NoFrom"), "RUN true\n").unwrap();
    std::fs::write(dir.path().join("Binary"), [0xff, 0xfe, 0]).unwrap();
    for (file, phrase) in [
        ("Missing", "No such file"),
        ("Broken", "unknown instruction"),
        ("NoFrom", "expected FROM"),
        ("Binary", "not UTF-8"),
    ] {
        let out = peel(dir.path())
            .args([img.as_str(), "--json", "r.json", "--dockerfile", file])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(file) && stderr.contains(phrase), "{stderr}");
    }
    // `dockerfile:` in the rules file, read in CI mode.
    std::fs::write(
        dir.path().join(".dive-ci"),
        "dockerfile: Broken\nrules: {}\n",
    )
    .unwrap();
    let out = peel(dir.path())
        .args([img.as_str(), "--ci"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Dockerfile Broken"));
}

/// `program args`: its stdout, or why it failed.
fn run(program: &str, args: &[&str]) -> Result<String, String> {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{program} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// buildah's spellings (`bud --layers`): `#(nop) COPY file:<hash> in ./a/`,
/// `|2 DIR=/srv MODE=prod /bin/sh -c …`, `WORKDIR $DIR` recorded
/// unexpanded, from a base in an OCI layout (the busybox base, through
/// `docker save` and skopeo).
#[test]
fn buildah_bud_layers_get_their_lines() {
    let missing: Vec<&str> = ["buildah", "skopeo"]
        .into_iter()
        .filter(|t| run(t, &["--version"]).is_err())
        .collect();
    if !missing.is_empty() {
        assert!(
            std::env::var("PEEL_REQUIRE_BUILDAH").is_err(),
            "PEEL_REQUIRE_BUILDAH is set but {missing:?} are not installed"
        );
        eprintln!("skipped: {missing:?} not installed");
        return;
    }
    if crate::docker::engine().is_none() {
        return;
    }
    // buildah makes an image name of the layout's path: lowercase only.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = tempfile::Builder::new()
        .prefix(&format!(
            "peel-it-advice-bud-{}-{nanos}",
            std::process::id()
        ))
        .rand_bytes(0)
        .tempdir()
        .unwrap();
    let work = dir.path();
    let archive = work.join("base.tar");
    crate::docker::docker(&["save", crate::docker::BASE, "-o", path_str(&archive)]).unwrap();
    let layout = work.join("lay");
    run(
        "skopeo",
        &[
            "copy",
            "-q",
            &format!("docker-archive:{}", archive.display()),
            &format!("oci:{}:base", layout.display()),
        ],
    )
    .unwrap();
    let context = work.join("ctx");
    std::fs::create_dir_all(&context).unwrap();
    std::fs::write(context.join("a.txt"), "a\n").unwrap();
    let dockerfile = format!(
        "FROM oci:{}:base\nARG DIR=/srv\nARG MODE\nWORKDIR $DIR\nCOPY a.txt ./a/\nRUN echo \"$MODE\" > m.txt && \\\n    echo two > t.txt\nENV X=1\nCMD [\"/bin/sh\"]\n",
        layout.display()
    );
    std::fs::write(context.join("Dockerfile"), &dockerfile).unwrap();
    let root = work.join("storage");
    let storage = [
        "--root".to_string(),
        format!("{}/root", root.display()),
        "--runroot".to_string(),
        format!("{}/run", root.display()),
        "--storage-driver".to_string(),
        "vfs".to_string(),
    ];
    let buildah = |args: &[&str]| {
        let mut all: Vec<&str> = storage.iter().map(String::as_str).collect();
        all.extend_from_slice(args);
        run("buildah", &all)
    };
    let out = work.join("out");
    let target = format!("oci:{}:app", out.display());
    buildah(&[
        "bud",
        "-q",
        "--layers",
        "--isolation",
        "chroot",
        "--build-arg",
        "MODE=prod",
        "-t",
        "peel-advice-bud",
        path_str(&context),
    ])
    .unwrap();
    buildah(&["push", "-q", "peel-advice-bud", &target]).unwrap();
    let report = super::json(&[
        &target,
        "--dockerfile",
        path_str(&context.join("Dockerfile")),
    ]);
    assert_eq!(layer_lines(&report), [None, Some(5), Some(6)], "{report:#}");
    let run_layer = &report["layers"][2];
    assert!(
        run_layer["createdBy"]
            .as_str()
            .unwrap()
            .starts_with("|2 DIR=/srv MODE=prod /bin/sh -c"),
        "{run_layer:#}"
    );
    assert_eq!(report["dockerfile"]["unmatched"], serde_json::json!([]));
}
