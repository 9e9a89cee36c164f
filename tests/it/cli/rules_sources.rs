//! The thresholds from elsewhere than flags: `.dive-ci`, `--ci-config`, the
//! `PEEL_*` variables, and which one wins.

use predicates::prelude::*;
use serde_json::{Value, json};

use super::{ci_json, clean, one_line_error, parse_json, peel, rule, rules, wasteful};
use crate::fixture::{put, tmp};

/// `.dive-ci` in the current directory (or none: the defaults), and the
/// three rules it gives the wasteful image: threshold and status each.
#[test]
fn dive_ci_in_the_current_dir_sets_the_rules() {
    let camel: &[u8] = b"rules:\n  lowestEfficiency: 0.6\n  highestWastedBytes: 1KB\n  highestUserWastedPercent: disabled\n";
    let kebab: &[u8] = b"rules:\n  lowest-efficiency: 0.65\n  highest-wasted-bytes: 2KiB\n  highest-user-wasted-percent: 0.61\n";
    for (case, file, code, expected) in [
        (
            "camelCase keys",
            Some(camel),
            1,
            [
                (json!(0.6), "PASS"),
                (json!(1000), "FAIL"),
                (Value::Null, "SKIP"),
            ],
        ),
        (
            "kebab-case keys",
            Some(kebab),
            0,
            [
                (json!(0.65), "PASS"),
                (json!(2048), "PASS"),
                (json!(0.61), "PASS"),
            ],
        ),
        (
            "no file: the defaults",
            None,
            1,
            [
                (json!(0.9), "FAIL"),
                (Value::Null, "SKIP"),
                (json!(0.1), "FAIL"),
            ],
        ),
    ] {
        let dir = tmp();
        let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
        if let Some(file) = file {
            put(dir.path(), ".dive-ci", file);
        }
        let (got, r) = ci_json(dir.path(), &[&img]);
        assert_eq!(got, code, "{case}");
        let names = [
            "lowestEfficiency",
            "highestWastedBytes",
            "highestUserWastedPercent",
        ];
        let expected: Vec<(String, Value, String)> = names
            .iter()
            .zip(expected)
            .map(|(name, (threshold, status))| (name.to_string(), threshold, status.to_string()))
            .collect();
        assert_eq!(rules(&r), expected, "{case}");
    }
}

#[test]
fn dive_ci_unknown_keys_warn_but_the_rules_apply() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
    put(
        dir.path(),
        ".dive-ci",
        b"plugins:\n  - p\nrules:\n  lowestEfficiency: 0.6\n  highestUserWastedPercent: off\n  p/rule1: error\n",
    );
    let out = peel(dir.path())
        .args(["--ci", "--json", "-", &img])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "peel: warning: .dive-ci: ignoring unknown key 'plugins'",
        ))
        .stderr(predicate::str::contains(
            "peel: warning: .dive-ci: ignoring unknown rule 'p/rule1'",
        ));
    let r = parse_json(&out.get_output().stdout);
    assert_eq!(
        rule(&r, "lowestEfficiency"),
        (json!(0.6), json!(0.7), "PASS".into())
    );
}

#[test]
fn ci_config_names_the_rules_file() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
    // The default file would fail the image; the named one passes it.
    put(dir.path(), ".dive-ci", b"rules:\n  lowestEfficiency: 0.8\n");
    std::fs::create_dir(dir.path().join("conf")).expect("mkdir");
    put(
        dir.path(),
        "conf/rules.yaml",
        b"rules:\n  lowestEfficiency: 0.6\n  highestUserWastedPercent: 0.6\n",
    );
    let (code, r) = ci_json(dir.path(), &["--ci-config", "conf/rules.yaml", &img]);
    assert_eq!(code, 0);
    assert_eq!(rule(&r, "lowestEfficiency").0, json!(0.6));
    assert_eq!(
        rule(&r, "highestUserWastedPercent"),
        (json!(0.6), json!(0.6), "PASS".into())
    );
}

#[test]
fn ci_config_missing_file_exits_2() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &clean().docker_archive());
    let out = peel(dir.path())
        .args(["--ci", "--ci-config", "nope.yaml", &img])
        .assert()
        .code(2)
        .stdout("");
    one_line_error(&out.get_output().stderr, &["nope.yaml"]);
}

#[test]
fn invalid_yaml_exits_2() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &clean().docker_archive());
    put(dir.path(), ".dive-ci", b"rules: [unclosed\n");
    let out = peel(dir.path())
        .args(["--ci", &img])
        .assert()
        .code(2)
        .stdout("");
    one_line_error(&out.get_output().stderr, &[".dive-ci", "not valid YAML"]);

    put(
        dir.path(),
        "bad.yaml",
        b"rules:\n  lowestEfficiency: [1, 2\n",
    );
    let out = peel(dir.path())
        .args(["--ci", "--ci-config", "bad.yaml", &img])
        .assert()
        .code(2)
        .stdout("");
    one_line_error(&out.get_output().stderr, &["bad.yaml", "not valid YAML"]);
}

#[test]
fn dive_ci_rules_that_are_not_a_mapping_exit_2() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &clean().docker_archive());
    put(dir.path(), ".dive-ci", b"rules: 3\n");
    let out = peel(dir.path())
        .args(["--ci", &img])
        .assert()
        .code(2)
        .stdout("");
    one_line_error(
        &out.get_output().stderr,
        &[".dive-ci", "'rules' must be a mapping"],
    );
}

#[test]
fn dive_ci_invalid_value_exits_2_naming_the_rule() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &clean().docker_archive());
    put(
        dir.path(),
        ".dive-ci",
        b"rules:\n  highestUserWastedPercent: 7\n",
    );
    let out = peel(dir.path())
        .args(["--ci", &img])
        .assert()
        .code(2)
        .stdout("");
    one_line_error(&out.get_output().stderr, &["highestUserWastedPercent", "7"]);
}

#[test]
fn flags_override_the_rules_file() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
    put(
        dir.path(),
        ".dive-ci",
        b"rules:\n  lowestEfficiency: 0.8\n  highestWastedBytes: 1KB\n  highestUserWastedPercent: 0.5\n",
    );
    let (code, r) = ci_json(
        dir.path(),
        &[
            "--lowest-efficiency",
            "0.6",
            "--highest-wasted-bytes",
            "off",
            &img,
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(
        rules(&r),
        vec![
            ("lowestEfficiency".into(), json!(0.6), "PASS".into()),
            ("highestWastedBytes".into(), Value::Null, "SKIP".into()),
            // Not overridden: from the file.
            ("highestUserWastedPercent".into(), json!(0.5), "FAIL".into()),
        ]
    );
}

#[test]
fn peel_env_vars_set_the_thresholds() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
    let out = peel(dir.path())
        .env("PEEL_LOWEST_EFFICIENCY", "0.8")
        .env("PEEL_HIGHEST_WASTED_BYTES", "1KB")
        .env("PEEL_HIGHEST_USER_WASTED_PERCENT", "0.7")
        .args(["--ci", "--json", "-", &img])
        .assert()
        .code(1);
    let r = parse_json(&out.get_output().stdout);
    assert_eq!(
        rules(&r),
        vec![
            ("lowestEfficiency".into(), json!(0.8), "FAIL".into()),
            ("highestWastedBytes".into(), json!(1000), "FAIL".into()),
            ("highestUserWastedPercent".into(), json!(0.7), "PASS".into()),
        ]
    );
}

#[test]
fn a_flag_beats_its_env_var() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
    let out = peel(dir.path())
        .env("PEEL_LOWEST_EFFICIENCY", "0.8")
        .env("PEEL_HIGHEST_USER_WASTED_PERCENT", "0.1")
        .args(["--ci", "--json", "-", "--lowest-efficiency", "0.6"])
        .args(["--highest-user-wasted-percent", "off", &img])
        .assert()
        .code(0);
    let r = parse_json(&out.get_output().stdout);
    assert_eq!(
        rule(&r, "lowestEfficiency"),
        (json!(0.6), json!(0.7), "PASS".into())
    );
    assert_eq!(rule(&r, "highestUserWastedPercent").2, "SKIP");
}

#[test]
fn an_env_var_beats_the_rules_file() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
    put(
        dir.path(),
        ".dive-ci",
        b"rules:\n  lowestEfficiency: 0.8\n  highestUserWastedPercent: off\n",
    );
    let out = peel(dir.path())
        .env("PEEL_LOWEST_EFFICIENCY", "0.6")
        .args(["--ci", "--json", "-", &img])
        .assert()
        .code(0);
    let r = parse_json(&out.get_output().stdout);
    assert_eq!(
        rule(&r, "lowestEfficiency"),
        (json!(0.6), json!(0.7), "PASS".into())
    );
}

#[test]
fn an_invalid_env_var_exits_2_naming_the_rule() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &clean().docker_archive());
    let out = peel(dir.path())
        .env("PEEL_HIGHEST_WASTED_BYTES", "lots")
        .args(["--ci", &img])
        .assert()
        .code(2)
        .stdout("");
    one_line_error(&out.get_output().stderr, &["highestWastedBytes", "lots"]);
}
