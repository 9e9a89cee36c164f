//! Thresholds from flags: each rule's flag, dive's camelCase spellings,
//! units, `off`, bounds, invalid values.

use predicates::prelude::*;
use serde_json::{Value, json};

use super::{ci_json, half, one_line_error, peel, rule, rules, wasteful};
use crate::fixture::{put, tmp};

#[test]
fn fraction_flags_move_the_verdict() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
    // Each rule with the other fraction rule off: its flag, its name, the
    // image's value, and thresholds with the exit code and status they give.
    let efficiency = ("--lowest-efficiency", "lowestEfficiency", 0.7);
    let user_wasted = (
        "--highest-user-wasted-percent",
        "highestUserWastedPercent",
        0.6,
    );
    for ((flag, name, value), other, verdicts) in [
        (
            efficiency,
            user_wasted.0,
            [("0.6", 0, "PASS"), ("0.8", 1, "FAIL")],
        ),
        (
            user_wasted,
            efficiency.0,
            [("0.7", 0, "PASS"), ("0.5", 1, "FAIL")],
        ),
    ] {
        for (threshold, code, status) in verdicts {
            let (got, r) = ci_json(dir.path(), &[flag, threshold, other, "off", &img]);
            assert_eq!(got, code, "{flag} {threshold}");
            let threshold_value: f64 = threshold.parse().unwrap();
            assert_eq!(
                rule(&r, name),
                (json!(threshold_value), json!(value), status.into()),
                "{flag} {threshold}"
            );
        }
    }
}

#[test]
fn highest_wasted_bytes_takes_si_and_iec_units() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
    // 1500 bytes are wasted.
    for (threshold, bytes, code, status) in [
        ("1KB", 1000, 1, "FAIL"),
        ("1kb", 1000, 1, "FAIL"),
        ("2KiB", 2048, 0, "PASS"),
        ("1.5kB", 1500, 0, "PASS"),
        ("1500", 1500, 0, "PASS"),
        ("1499", 1499, 1, "FAIL"),
        ("1MB", 1_000_000, 0, "PASS"),
    ] {
        let (got, r) = ci_json(
            dir.path(),
            &[
                "--lowest-efficiency",
                "off",
                "--highest-user-wasted-percent",
                "off",
                "--highest-wasted-bytes",
                threshold,
                &img,
            ],
        );
        assert_eq!(got, code, "{threshold}");
        assert_eq!(
            rule(&r, "highestWastedBytes"),
            (json!(bytes), json!(1500), status.to_string()),
            "{threshold}"
        );
    }
}

#[test]
fn highest_wasted_bytes_fail_line_in_the_text_report() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
    peel(dir.path())
        .args([
            "--ci",
            "--lowest-efficiency",
            "off",
            "--highest-user-wasted-percent",
            "off",
            "--highest-wasted-bytes",
            "1KB",
            &img,
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("SKIP  lowestEfficiency"))
        .stdout(predicate::str::contains("FAIL  highestWastedBytes"))
        .stdout(predicate::str::contains("(1000 B)  value"))
        .stdout(predicate::str::contains("(1500 B)"))
        .stdout(predicate::str::contains("SKIP  highestUserWastedPercent"))
        .stdout(predicate::str::contains(
            "Result: FAIL (1 of 3 rules failed)",
        ));
}

#[test]
fn dive_camel_case_aliases_are_accepted() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
    let (code, r) = ci_json(
        dir.path(),
        &[
            "--lowestEfficiency=0.5",
            "--highestWastedBytes=1KB",
            "--highestUserWastedPercent=0.75",
            &img,
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(
        rules(&r),
        vec![
            ("lowestEfficiency".into(), json!(0.5), "PASS".into()),
            ("highestWastedBytes".into(), json!(1000), "FAIL".into()),
            (
                "highestUserWastedPercent".into(),
                json!(0.75),
                "PASS".into()
            ),
        ]
    );
    // Space-separated values work for the aliases too.
    let (code, r) = ci_json(
        dir.path(),
        &[
            "--lowestEfficiency",
            "0.5",
            "--highestUserWastedPercent",
            "0.75",
            &img,
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(rule(&r, "lowestEfficiency").0, json!(0.5));
}

#[test]
fn disabled_off_false_and_empty_turn_rules_off() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
    for word in ["disabled", "off", "false", "OFF", ""] {
        let (code, r) = ci_json(
            dir.path(),
            &[
                "--lowest-efficiency",
                word,
                "--highest-wasted-bytes",
                word,
                "--highest-user-wasted-percent",
                word,
                &img,
            ],
        );
        assert_eq!(code, 0, "{word:?}");
        assert_eq!(
            rules(&r),
            vec![
                ("lowestEfficiency".into(), Value::Null, "SKIP".into()),
                ("highestWastedBytes".into(), Value::Null, "SKIP".into()),
                (
                    "highestUserWastedPercent".into(),
                    Value::Null,
                    "SKIP".into()
                ),
            ],
            "{word:?}"
        );
        assert_eq!(r["ci"]["passed"], json!(true));
    }
    peel(dir.path())
        .args([
            "--ci",
            "--lowest-efficiency",
            "disabled",
            "--highest-user-wasted-percent",
            "off",
            &img,
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("SKIP  lowestEfficiency"))
        .stdout(predicate::str::contains("threshold disabled"))
        .stdout(predicate::str::contains("Result: PASS"));
}

#[test]
fn a_value_equal_to_its_threshold_passes() {
    let dir = tmp();
    let img = put(dir.path(), "half.tar", &half().docker_archive());
    let (code, r) = ci_json(
        dir.path(),
        &[
            "--lowest-efficiency",
            "0.5",
            "--highest-wasted-bytes",
            "1000",
            "--highest-user-wasted-percent",
            "1",
            &img,
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(r["image"]["efficiency"], json!(0.5));
    assert_eq!(r["image"]["wastedBytes"], json!(1000));
    assert_eq!(r["image"]["userWastedPercent"], json!(1.0));
    assert_eq!(
        rules(&r),
        vec![
            ("lowestEfficiency".into(), json!(0.5), "PASS".into()),
            ("highestWastedBytes".into(), json!(1000), "PASS".into()),
            ("highestUserWastedPercent".into(), json!(1.0), "PASS".into()),
        ]
    );
    let (code, r) = ci_json(
        dir.path(),
        &[
            "--lowest-efficiency",
            "0.51",
            "--highest-wasted-bytes",
            "999",
            "--highest-user-wasted-percent",
            "0.99",
            &img,
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(r["ci"]["passed"], json!(false));
    assert!(rules(&r).iter().all(|(_, _, s)| s == "FAIL"), "{r}");
}

#[test]
fn invalid_threshold_values_exit_2_naming_the_rule() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
    for (flag, value, rule) in [
        ("--lowest-efficiency", "1.5", "lowestEfficiency"),
        ("--lowest-efficiency", "abc", "lowestEfficiency"),
        ("--lowest-efficiency", "-0.1", "lowestEfficiency"),
        (
            "--highest-user-wasted-percent",
            "1.5",
            "highestUserWastedPercent",
        ),
        (
            "--highest-user-wasted-percent",
            "abc",
            "highestUserWastedPercent",
        ),
        ("--highest-wasted-bytes", "abc", "highestWastedBytes"),
        ("--highest-wasted-bytes", "20XB", "highestWastedBytes"),
        ("--highestWastedBytes", "-5", "highestWastedBytes"),
    ] {
        let out = peel(dir.path())
            .args(["--ci", &format!("{flag}={value}"), &img])
            .assert()
            .code(2)
            .stdout("");
        one_line_error(&out.get_output().stderr, &[rule, value]);
    }
}

#[test]
fn a_negative_threshold_as_a_separate_word_is_the_value_and_out_of_range() {
    // `--lowest-efficiency -0.5` (no `=`): the value, not an unknown flag.
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &wasteful().docker_archive());
    for (flag, value, rule, phrase) in [
        (
            "--lowest-efficiency",
            "-0.5",
            "lowestEfficiency",
            "outside the range 0 to 1",
        ),
        (
            "--highest-user-wasted-percent",
            "-0.5",
            "highestUserWastedPercent",
            "outside the range 0 to 1",
        ),
        (
            "--highest-wasted-bytes",
            "-5",
            "highestWastedBytes",
            "is not a byte size",
        ),
    ] {
        let out = peel(dir.path())
            .args(["--ci", flag, value, &img])
            .assert()
            .code(2)
            .stdout("");
        one_line_error(&out.get_output().stderr, &[rule, value, phrase]);
    }
}
