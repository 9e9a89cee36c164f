//! The new kinds on the four realistic images of
//! [`crate::realistic_images`] (reused from the engine where that module
//! built them; skipped with a note where it has not yet): the Node image's
//! Debian npm brings node-gyp and 5 MB of `-dev` headers (a note, and true:
//! a runtime stage would not have them); nothing else shows.

use serde_json::Value;

use crate::docker::{docker, engine, host_vars, report};

fn of(tag: &str) -> Option<Value> {
    let engine = engine()?;
    if docker(&["image", "inspect", tag]).is_err() {
        eprintln!("skipped: {tag} is not built yet (tests/it/realistic_images.rs builds it)");
        return None;
    }
    Some(report(&host_vars(engine), &[tag]))
}

fn new_kinds(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            [
                "cache-busting-order",
                "context-leak",
                "package-manager-hygiene",
                "toolchain-in-final-image",
            ]
            .contains(&f["kind"].as_str().unwrap())
        })
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn realistic_images_get_only_the_new_findings_a_reviewer_would_agree_with() {
    for tag in [
        "peel-test/python-pip:1",
        "peel-test/java-jre:1",
        "peel-test/multi-stage:1",
    ] {
        if let Some(report) = of(tag) {
            assert_eq!(new_kinds(&report), [], "{tag}");
        }
    }
    if let Some(node) = of("peel-test/node-npm:1") {
        assert_eq!(
            new_kinds(&node),
            [("toolchain-in-final-image".to_string(), "info".to_string())]
        );
        let f = node["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["kind"] == "toolchain-in-final-image")
            .unwrap();
        let advice = f["advice"].as_str().unwrap();
        assert!(
            advice.contains("-dev headers") && advice.contains("node-gyp"),
            "{advice}"
        );
    }
}
