//! Untrusted strings (file names, `created_by` commands, tags, labels,
//! config keys, context names, error subjects) in every output: the text
//! report, the Markdown report, the JSON report and stderr. Nothing a
//! terminal acts on gets through, one line stays one line (a name cannot
//! forge a `Result: PASS` line), the Markdown's tables hold and its text
//! shows as text, and the JSON is valid and keeps the strings as they are.

use std::path::Path;

use serde_json::Value;

use crate::cli::peel;
use crate::fixture::{Image, Layer, Member, tar_of, tmp};

/// A name that clears the screen, sets the title, and starts new lines that
/// pretend to be the report's verdict.
const NAME: &str = "evil\u{1b}[2J\u{1b}]0;pwned\u{7}\r\nResult: PASS\n| x | `y` <img src=x> **b** \u{9b}31m\u{202e}.txt";
const COMMAND: &str =
    "/bin/sh -c rm /evil* \u{1b}[31m\rResult: PASS | `<script>` \u{85}x && echo ok\nResult: PASS";
const TAG: &str = "evil\u{1b}[2J:latest";
const LABEL: &str = "base\u{1b}[2J\nResult: PASS";

/// Whether `text` holds a character a terminal acts on, other than the
/// report's own newlines.
fn unsafe_char(text: &str) -> Option<char> {
    text.chars()
        .find(|&c| c != '\n' && (c.is_control() || ('\u{2028}'..='\u{206f}').contains(&c)))
}

fn hostile_image() -> Vec<u8> {
    let image = Image::new()
        .layer(
            Layer::new()
                .sized("base.bin", 2000, b'b')
                .raw_file(NAME.as_bytes(), &[b'x'; 1500]),
        )
        .layer(Layer::new().whiteout(NAME).created_by(COMMAND))
        .run_config(
            "Labels",
            serde_json::json!({ "org.opencontainers.image.base.name": LABEL }),
        )
        .run_config(
            "Env",
            serde_json::json!([format!("AWS\u{1b}[2J\nResult: PASS=1")]),
        );
    // The tag: the fixture's manifest with a hostile RepoTags.
    let members: Vec<Member> = image
        .docker_members()
        .into_iter()
        .map(|(name, bytes)| {
            if name != "manifest.json" {
                return (name, bytes);
            }
            let mut manifest: Value = serde_json::from_slice(&bytes).expect("manifest");
            manifest[0]["RepoTags"] = serde_json::json!([TAG]);
            (name, serde_json::to_vec(&manifest).expect("json"))
        })
        .collect();
    tar_of(&members)
}

fn put(dir: &Path) -> String {
    let path = dir.join("hostile.tar");
    std::fs::write(&path, hostile_image()).expect("write");
    path.to_str().expect("utf-8").to_string()
}

/// The verdict lines of a text report: exactly one, and it is ours.
fn one_verdict(text: &str, expected: &str) {
    let verdicts: Vec<&str> = text.lines().filter(|l| l.starts_with("Result:")).collect();
    assert_eq!(verdicts, [expected], "{text}");
}

#[test]
fn text_report_escapes_names_commands_tags_and_labels() {
    let dir = tmp();
    let img = put(dir.path());
    let out = peel(dir.path())
        .args(["--ci", &img])
        .output()
        .expect("peel runs");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    assert_eq!(unsafe_char(&text), None, "{text:?}");
    one_verdict(&text, "Result: FAIL (1 of 3 rules failed)");
    // Shown, escaped: the name in the wasted list, the command, the tag, the label.
    assert!(
        text.contains("/evil\\x1b[2J\\x1b]0;pwned\\x07\\x0d\\x0aResult: PASS\\x0a"),
        "{text}"
    );
    // (A command's whitespace, `\r` included, is one space on one line.)
    assert!(text.contains("rm /evil* \\x1b[31m Result: PASS"), "{text}");
    assert!(text.contains("Tags:  evil\\x1b[2J:latest"), "{text}");
    assert!(
        text.contains("Base:  base\\x1b[2J\\x0aResult: PASS"),
        "{text}"
    );
    assert!(text.contains("\\x9b31m\\u{202e}.txt"), "{text}");
    assert_eq!(String::from_utf8(out.stderr).expect("UTF-8"), "");
}

#[test]
fn markdown_report_escapes_and_its_tables_hold() {
    let dir = tmp();
    let img = put(dir.path());
    let out = peel(dir.path())
        .args(["--ci", "--markdown", "-", &img])
        .output()
        .expect("peel runs");
    let md = String::from_utf8(out.stdout).expect("UTF-8");
    assert_eq!(unsafe_char(&md), None, "{md:?}");
    assert!(!md.lines().any(|l| l.starts_with("Result")), "{md}");
    // Every row of a table has the columns of its header: no `|` from the
    // image splits a cell.
    let mut columns = 0;
    for line in md.lines() {
        if !line.starts_with('|') {
            columns = 0;
            continue;
        }
        let cells = unescaped_pipes(line);
        if columns == 0 {
            columns = cells;
        }
        assert_eq!(cells, columns, "{line}");
    }
    // HTML and emphasis from the image only inside code spans or escaped.
    for line in md.lines() {
        for (i, _) in line
            .match_indices("<img")
            .chain(line.match_indices("<script"))
        {
            assert!(inside_code(line, i) || line[..i].ends_with('\\'), "{line}");
        }
    }
    // The stderr text report (stdout is the Markdown) is escaped too.
    let text = String::from_utf8(out.stderr).expect("UTF-8");
    assert_eq!(unsafe_char(&text), None, "{text:?}");
    one_verdict(&text, "Result: FAIL (1 of 3 rules failed)");
}

/// The `|` of a line that end cells (not after a backslash).
fn unescaped_pipes(line: &str) -> usize {
    let bytes = line.as_bytes();
    (0..bytes.len())
        .filter(|&i| bytes[i] == b'|' && (i == 0 || bytes[i - 1] != b'\\'))
        .count()
}

/// Whether byte `at` of `line` is inside a code span: a run of backticks
/// opens one, the next run of the same length closes it (CommonMark).
fn inside_code(line: &str, at: usize) -> bool {
    let bytes = line.as_bytes();
    let mut i = 0;
    let mut open: Option<usize> = None;
    while i < at {
        if bytes[i] == b'\\' && open.is_none() {
            i += 2;
            continue;
        }
        if bytes[i] != b'`' {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i] == b'`' {
            i += 1;
        }
        let run = i - start;
        match open {
            None => open = Some(run),
            Some(n) if n == run => open = None,
            Some(_) => {}
        }
    }
    open.is_some()
}

#[test]
fn json_report_is_valid_and_keeps_the_strings() {
    let dir = tmp();
    let img = put(dir.path());
    let out = peel(dir.path())
        .args(["--ci", "--json", "-", &img])
        .output()
        .expect("peel runs");
    let raw = String::from_utf8(out.stdout).expect("UTF-8");
    assert_eq!(unsafe_char(&raw), None, "{raw:?}");
    let json: Value = serde_json::from_str(&raw).expect("valid JSON");
    assert_eq!(json["image"]["tags"][0], TAG);
    assert_eq!(json["wasted"][0]["path"], format!("/{NAME}"));
    assert_eq!(json["layers"][1]["createdBy"], COMMAND);
    assert_eq!(json["image"]["baseImage"]["name"], LABEL);
    let text = String::from_utf8(out.stderr).expect("UTF-8");
    assert_eq!(unsafe_char(&text), None, "{text:?}");
    one_verdict(&text, "Result: FAIL (1 of 3 rules failed)");
}

#[test]
fn errors_and_warnings_on_stderr_stay_one_line() {
    let dir = tmp();
    let img = put(dir.path());
    // An error whose subject is the hostile name.
    let missing = format!(
        "{}/nothing\u{1b}[2J\nResult: PASS.tar",
        dir.path().display()
    );
    let out = peel(dir.path())
        .args(["--ci", &missing])
        .output()
        .expect("peel runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).expect("UTF-8");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("peel: error: "), "{stderr}");
    assert!(
        stderr.contains("nothing\\x1b[2J\\x0aResult: PASS.tar"),
        "{stderr}"
    );
    assert_eq!(unsafe_char(&stderr), None, "{stderr:?}");

    // A command-line error quoting the argument.
    let out = peel(dir.path())
        .args(["--ci", "--no-such\u{1b}[2J\nflag", &img])
        .output()
        .expect("peel runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).expect("UTF-8");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(unsafe_char(&stderr), None, "{stderr:?}");

    // A warning naming a key of the rules file.
    std::fs::write(
        dir.path().join(".dive-ci"),
        "rules:\n  \"bad\\e[2J\\nResult: PASS\": 1\n",
    )
    .expect("write");
    let out = peel(dir.path())
        .args(["--ci", &img])
        .output()
        .expect("peel runs");
    let stderr = String::from_utf8(out.stderr).expect("UTF-8");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("ignoring unknown rule 'bad\\x1b[2J\\x0aResult: PASS'"),
        "{stderr}"
    );

    // A Docker context name from $DOCKER_CONFIG in an engine error.
    let dir = tmp();
    let config = dir.path().join("docker-config");
    std::fs::create_dir_all(&config).expect("mkdir");
    std::fs::write(
        config.join("config.json"),
        serde_json::to_vec(&serde_json::json!({
            "currentContext": "ctx\u{1b}]0;pwned\u{7}\nResult: PASS"
        }))
        .expect("json"),
    )
    .expect("write");
    let out = peel(dir.path())
        .env("DOCKER_CONFIG", &config)
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .args(["--ci", "docker://busybox:latest"])
        .output()
        .expect("peel runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).expect("UTF-8");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("ctx\\x1b]0;pwned\\x07\\x0aResult: PASS"),
        "{stderr}"
    );
    assert_eq!(unsafe_char(&stderr), None, "{stderr:?}");
}
