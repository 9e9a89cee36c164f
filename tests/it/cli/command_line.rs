//! References peel does not read (engine references with no engine), and the
//! command line itself: no image, `--help`, `--version`, bad flags.

use predicates::prelude::*;

use super::{clean, one_line_error, peel};
use crate::fixture::{put, tmp};

#[test]
fn engine_references_exit_2_when_there_is_no_engine() {
    // Engine sockets that do not exist, so that an engine on the machine
    // running the tests is never asked.
    let dir = tmp();
    let nowhere = format!("unix://{}/none.sock", dir.path().display());
    for (args, engine) in [
        (vec!["myapp:latest"], "Docker"),
        (vec!["myapp"], "Docker"),
        (vec!["docker://x"], "Docker"),
        (vec!["docker-daemon:x:1"], "Docker"),
        (vec!["podman://x"], "Podman"),
        (vec!["--source", "docker", "x"], "Docker"),
    ] {
        let out = peel(dir.path())
            .env("DOCKER_HOST", &nowhere)
            .env("CONTAINER_HOST", &nowhere)
            .args(["--ci"])
            .args(&args)
            .assert()
            .code(2)
            .stdout("");
        one_line_error(&out.get_output().stderr, &[&format!("{engine} engine")]);
    }
}

#[test]
fn no_image_exits_2() {
    let dir = tmp();
    let out = peel(dir.path()).assert().code(2).stdout("");
    one_line_error(&out.get_output().stderr, &["no image given"]);
    let out = peel(dir.path()).arg("--ci").assert().code(2).stdout("");
    one_line_error(&out.get_output().stderr, &["no image given"]);
}

#[test]
fn empty_transport_reference_exits_2() {
    let dir = tmp();
    let out = peel(dir.path()).arg("oci:").assert().code(2).stdout("");
    one_line_error(&out.get_output().stderr, &["names no image"]);
}

#[test]
fn help_and_version_exit_0() {
    let dir = tmp();
    peel(dir.path())
        .arg("--help")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Usage: peel"))
        .stdout(predicate::str::contains("--lowest-efficiency"))
        .stdout(predicate::str::contains("Exit status"));
    peel(dir.path())
        .arg("--version")
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("peel "));
}

#[test]
fn bad_platform_exits_2() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &clean().docker_archive());
    for bad in ["bad", "linux//x", "linux/"] {
        peel(dir.path())
            .args(["--platform", bad, &img])
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(format!(
                "invalid platform '{bad}'"
            )));
    }
}

#[test]
fn unknown_flag_exits_2() {
    let dir = tmp();
    peel(dir.path())
        .args(["--no-such-flag", "img.tar"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("--no-such-flag"));
}
