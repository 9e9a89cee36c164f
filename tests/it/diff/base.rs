//! Did the base change? Byte-built pairs whose histories make the base
//! detection count different bases for the two sides while one image is
//! built on the other (`FROM old`): the layer lists say the base did not
//! change, in every output. (The real `docker build` pairs are in
//! [`super::engine`].)

use std::path::Path;

use serde_json::{Value, json};

use super::{base, base_answer, diff_json, peel, succeeded};
use crate::fixture::{Image, Layer, config_member, put, replace, tmp};

const CMD: &str = "/bin/sh -c #(nop)  CMD [\"/bin/sh\"]";

/// `image` as a docker-save archive whose history has a `CMD` right after
/// each layer of `closed_after` (a base closed there, as `FROM` leaves it).
fn with_cmds(image: &Image, closed_after: &[usize]) -> Vec<u8> {
    let mut config: Value = serde_json::from_slice(&image.config_json()).unwrap();
    let history = config["history"].as_array_mut().unwrap();
    for &layer in closed_after {
        // Each layer's entry is followed by an empty-layer one.
        history[2 * layer + 1]["created_by"] = json!(CMD);
    }
    let mut members = image.docker_members();
    let name = config_member(&members);
    replace(&mut members, &name, serde_json::to_vec(&config).unwrap());
    crate::fixture::tar_of(&members)
}

fn app(v: &str) -> Layer {
    Layer::new()
        .dir("app")
        .file("app/version", v.as_bytes())
        .created_by("/bin/sh -c make app")
}

/// OLD: a one-layer base closed by its CMD, and the app (its own CMD last);
/// NEW: `FROM old` plus one layer, so its history closes a two-layer base.
fn built_on_old(dir: &Path) -> (String, String) {
    let old = Image::new().layer(base()).layer(app("1"));
    let new = Image::new().layer(base()).layer(app("1")).layer(
        Layer::new()
            .file("app/extra", b"more")
            .created_by("/bin/sh -c add"),
    );
    (
        put(dir, "old.tar", &with_cmds(&old, &[0, 1])),
        put(dir, "new.tar", &with_cmds(&new, &[0, 1, 2])),
    )
}

#[test]
fn new_built_from_old_keeps_the_base() {
    let dir = tmp();
    let (old, new) = built_on_old(dir.path());
    let (_, r) = diff_json(dir.path(), &[&old, &new]);
    // The detection differs (1 and 2 base layers), the layer lists decide.
    assert_eq!(base_answer(&r), json!([1, 2, false, "new-built-on-old", 2]));
    // The other way round: NEW is OLD without its top layer.
    let (_, back) = diff_json(dir.path(), &[&new, &old]);
    assert_eq!(
        base_answer(&back),
        json!([2, 1, false, "old-built-on-new", 2])
    );
    // An image against itself: the same layers.
    let (_, same) = diff_json(dir.path(), &[&old, &old]);
    assert_eq!(base_answer(&same), json!([1, 1, false, "same-layers", 2]));
    // OLD as a baseline report answers the same.
    succeeded(peel(dir.path()).args(["--json", "old.json", &old]));
    let (_, from_report) = diff_json(dir.path(), &["old.json", &new]);
    assert_eq!(base_answer(&from_report), base_answer(&r));
}

#[test]
fn a_rebuilt_app_layer_leaves_the_detection_to_decide() {
    let dir = tmp();
    // Both on the same one-layer base, the app rebuilt: the same base.
    let old = put(
        dir.path(),
        "old.tar",
        &with_cmds(&Image::new().layer(base()).layer(app("1")), &[0, 1]),
    );
    let new = put(
        dir.path(),
        "new.tar",
        &with_cmds(&Image::new().layer(base()).layer(app("2")), &[0, 1]),
    );
    let (_, r) = diff_json(dir.path(), &[&old, &new]);
    assert_eq!(base_answer(&r), json!([1, 1, false, "same-base", 1]));
    // The app on a base of two layers whose first is OLD's: changed.
    let bumped = Image::new()
        .layer(base())
        .layer(
            Layer::new()
                .file("etc/base-version", b"2")
                .created_by("/bin/sh -c bump"),
        )
        .layer(app("1"));
    let bumped = put(dir.path(), "bumped.tar", &with_cmds(&bumped, &[1, 2]));
    let (_, r) = diff_json(dir.path(), &[&old, &bumped]);
    assert_eq!(base_answer(&r), json!([1, 2, true, "changed", 1]));
}

/// `peel diff OLD NEW` with the reports to files in `dir`: (text,
/// Markdown, page).
fn every_output(dir: &Path, old: &str, new: &str) -> (String, String, String) {
    let (md, html) = (dir.join("diff.md"), dir.join("diff.html"));
    let out = succeeded(
        peel(dir)
            .args(["diff", "--markdown"])
            .arg(&md)
            .arg("--html")
            .arg(&html)
            .args([old, new]),
    );
    (
        String::from_utf8(out.stdout).unwrap(),
        std::fs::read_to_string(md).unwrap(),
        std::fs::read_to_string(html).unwrap(),
    )
}

#[test]
fn every_output_says_new_is_built_on_old() {
    let dir = tmp();
    let (old, new) = built_on_old(dir.path());
    let page = every_output(dir.path(), &old, &new).2;
    assert!(
        page.contains(r#""baseRelation":"new-built-on-old","commonBottomLayers":2"#),
        "the page's data has no baseRelation"
    );
    for (a, b, text_line, markdown_cell) in [
        (
            &old,
            &new,
            "Base:   unchanged: NEW is built on OLD (OLD's 2 layers are NEW's bottom ones)",
            "| 2 shared, 1 added, 0 removed; base unchanged: NEW is built on OLD |",
        ),
        (
            &new,
            &old,
            "Base:   unchanged: OLD is built on NEW (NEW's 2 layers are OLD's bottom ones)",
            "| 2 shared, 0 added, 1 removed; base unchanged: OLD is built on NEW |",
        ),
        (
            &old,
            &old,
            "Base:   unchanged: the same layers (2 layers)",
            "| 2 shared, 0 added, 0 removed; base unchanged: the same layers |",
        ),
    ] {
        let (text, markdown, _) = every_output(dir.path(), a, b);
        assert!(text.contains(&format!("\n{text_line}\n")), "{text}");
        assert!(markdown.contains(markdown_cell), "{markdown}");
    }
}

/// The page drawn by a real headless Chromium (its DOM after the script
/// ran) says it in the layers' note.
#[test]
fn the_html_page_in_chromium_says_new_is_built_on_old() {
    let Some(chromium) = crate::html::cdp::chromium() else {
        return;
    };
    let dir = tmp();
    let (old, new) = built_on_old(dir.path());
    every_output(dir.path(), &old, &new);
    let url = format!("file://{}", dir.path().join("diff.html").display());
    let out = std::process::Command::new("timeout")
        .args([
            "60",
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .args(["--dump-dom", &url])
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("2 shared, 1 added, 0 removed; pull cost")
            && dom.contains("; NEW is built on OLD</p>"),
        "not in the drawn page: {}",
        dom.chars().take(4000).collect::<String>()
    );
    assert!(!dom.contains("; the base image changed</p>"));
}
