//! Exit statuses and CI mode: `--ci`, `CI=true` and `CI=false`, the text
//! report.

use predicates::prelude::*;

use super::{clean, one_line_error, parse_json, peel, wasteful};
use crate::fixture::{put, tmp};

#[test]
fn ci_passing_image_exits_0_with_a_pass_report() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &clean().docker_archive());
    peel(dir.path())
        .args(["--ci", &img])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("PASS  lowestEfficiency"))
        .stdout(predicate::str::contains("SKIP  highestWastedBytes"))
        .stdout(predicate::str::contains("PASS  highestUserWastedPercent"))
        .stdout(predicate::str::contains("Result: PASS"))
        .stdout(predicate::str::contains("FAIL").not());
}

#[test]
fn ci_failing_image_exits_1_with_a_fail_report() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
    peel(dir.path())
        .args(["--ci", &img])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("FAIL  lowestEfficiency"))
        .stdout(predicate::str::contains("threshold 0.9000  value 0.7000"))
        .stdout(predicate::str::contains("SKIP  highestWastedBytes"))
        .stdout(predicate::str::contains("FAIL  highestUserWastedPercent"))
        .stdout(predicate::str::contains("threshold 0.1000  value 0.6000"))
        .stdout(predicate::str::contains(
            "Result: FAIL (2 of 3 rules failed)",
        ));
}

#[test]
fn ci_unreadable_image_exits_2() {
    let dir = tmp();
    let out = peel(dir.path())
        .args(["--ci", "missing.tar"])
        .assert()
        .code(2)
        .stdout("");
    one_line_error(&out.get_output().stderr, &["missing.tar"]);
}

#[test]
fn ci_env_true_turns_on_ci_mode() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
    peel(dir.path())
        .env("CI", "true")
        .arg(&img)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("FAIL  lowestEfficiency"))
        .stdout(predicate::str::contains("Result: FAIL"));
}

#[test]
fn ci_env_true_on_a_clean_image_exits_0() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &clean().docker_archive());
    peel(dir.path())
        .env("CI", "true")
        .arg(&img)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Result: PASS"));
}

#[test]
fn ci_env_false_is_not_ci_mode() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
    let out = peel(dir.path())
        .env("CI", "false")
        .args(["--json", "-", &img])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("Result:").not());
    let r = parse_json(&out.get_output().stdout);
    assert!(r.get("ci").is_none(), "CI=false judged the rules: {r}");
}

#[test]
fn plain_run_without_a_terminal_prints_the_report_and_exits_0() {
    // No --ci, no CI, no --json, and no terminal (the test's stdio are
    // pipes): README says a plain run prints the text report; no rules are
    // judged, so a wasteful image still exits 0.
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
    peel(dir.path())
        .arg(&img)
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "Image: img.tar (docker-archive, linux/amd64, 3 layers)",
        ))
        .stdout(predicate::str::contains("Efficiency:          70.00 %"))
        .stdout(predicate::str::contains("CI rules").not())
        .stdout(predicate::str::contains("Result:").not());
}

#[test]
fn ci_text_report_shows_the_figures() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
    peel(dir.path())
        .args(["--ci", &img])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "Image: img.tar (docker-archive, linux/amd64, 3 layers)",
        ))
        .stdout(predicate::str::contains("Tags:  peel-fixture:latest"))
        .stdout(predicate::str::contains("Total size:          5 kB"))
        .stdout(predicate::str::contains("Visible:             3.50 kB"))
        .stdout(predicate::str::contains("Wasted:              1.50 kB"))
        .stdout(predicate::str::contains("Efficiency:          70.00 %"))
        .stdout(predicate::str::contains("Largest wasted entries (1 of 1)"))
        .stdout(predicate::str::contains("deleted"))
        .stdout(predicate::str::contains(
            "CI rules (judging the exact figures)",
        ));
}

#[test]
fn wasted_limit_caps_the_listed_entries() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
    let out = peel(dir.path())
        .args(["--ci", "--wasted-limit", "0", &img])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("Largest wasted entries (0 of 1)"));
    // The table has its header and no row (the findings below may still name
    // the path).
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let table = stdout
        .split("Largest wasted entries (0 of 1)\n")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .expect("the waste table");
    assert_eq!(table.lines().count(), 1, "{table}");
    assert!(!table.contains("deleted"), "{table}");
}
