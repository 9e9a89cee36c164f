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
