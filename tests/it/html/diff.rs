//! `peel diff OLD NEW --html`: the page's data against `peel diff --json`
//! for a byte-built pair, hostile names kept as text, the one-stdout rule,
//! and the page in a real headless Chromium ([`super::cdp`]): no console
//! errors, the treemap's total is NEW's `visibleBytes`, growth colours, a
//! click zooms, a screenshot (into `$PEEL_SCREENSHOTS_DIR` when set).

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{
    cdp, file_url, hostile_names, no_markup_from_names, page_data, ready, screenshot,
    text_not_markup,
};
use crate::cli::peel;
use crate::fixture::{Image, Layer, put, tmp};

/// OLD and NEW sharing their base layer: NEW grows `app/lib.so`, adds
/// `app/new/` and `assets.bin`, shrinks `app/data`, removes `app/old.log`
/// and leaves a deleted cache behind (waste, a new finding).
fn pair(dir: &Path) -> (String, String) {
    let base = || {
        Layer::new()
            .sized("usr/bin/tool", 40_000, b't')
            .sized("etc/conf", 500, b'c')
    };
    let old = Image::new().layer(base()).layer(
        Layer::new()
            .created_by("/bin/sh -c make app")
            .sized("app/lib.so", 10_000, b'l')
            .sized("app/data", 8_000, b'd')
            .sized("app/old.log", 3_000, b'o'),
    );
    let new = Image::new()
        .layer(base())
        .layer(
            Layer::new()
                .created_by("/bin/sh -c make app && apt-get install x")
                .sized("app/lib.so", 25_000, b'L')
                .sized("app/data", 2_000, b'd')
                .sized("app/new/a.bin", 12_000, b'a')
                .sized("app/new/b.bin", 6_000, b'b')
                .sized("var/cache/apt/archives/x.deb", 9_000, b'x'),
        )
        .layer(
            Layer::new()
                .created_by("/bin/sh -c rm -rf /var/cache/apt")
                .whiteout("var/cache/apt")
                .sized("assets.bin", 7_000, b's'),
        );
    (
        put(dir, "old.tar", &old.docker_archive()),
        put(dir, "new.tar", &new.docker_archive()),
    )
}

/// `peel diff ARGS --json DIR/diff.json --html DIR/diff.html`: the exit
/// code, the page and the JSON report.
fn reports(dir: &Path, args: &[&str]) -> (i32, String, Value) {
    let html = dir.join("diff.html");
    let json = dir.join("diff.json");
    let out = peel(dir)
        .arg("diff")
        .args(args)
        .arg("--json")
        .arg(&json)
        .arg("--html")
        .arg(&html)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    assert!(
        matches!(code, 0 | 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_to_string(&html).unwrap();
    let report = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    (code, page, report)
}

/// The growth code's name (assets/html/page.js's order).
const GROWTH: [&str; 5] = ["unchanged", "added", "grown", "shrunk", "changed"];

/// The node of `tree` at `path` (`/app/new`), if drawn.
fn node(tree: &Value, path: &str) -> Option<usize> {
    let names = tree["name"].as_array().unwrap();
    let parents = tree["parent"].as_array().unwrap();
    let mut at = 0usize;
    for name in path.split('/').filter(|c| !c.is_empty()) {
        at = (1..names.len()).find(|&i| parents[i] == at && names[i] == name)?;
    }
    Some(at)
}

#[test]
fn the_page_holds_the_json_comparison_and_the_growth_of_news_treemap() {
    let dir = tmp();
    let (old, new) = pair(dir.path());
    let (code, page, report) = reports(dir.path(), &["--highest-growth", "0.5", &old, &new]);
    let data = page_data(&page);
    assert_eq!(data["compare"], true);
    // The same report as --json, key for key (the lists are short: not cut).
    assert_eq!(data["diff"], report);
    assert_eq!(data["fileCount"], report["files"].as_array().unwrap().len());
    assert_eq!(
        data["directoryCount"],
        report["directories"].as_array().unwrap().len()
    );
    // The growth rules were judged (NEW is more than 50 % larger: failed).
    assert_eq!(code, 1);
    assert_eq!(data["diff"]["ci"]["passed"], false);
    // NEW's final filesystem, its root every visible byte.
    let tree = &data["tree"];
    assert_eq!(tree["bytes"][0], report["new"]["visibleBytes"]);
    let growth = &data["growth"];
    let change = |path: &str| {
        let i = node(tree, path).unwrap_or_else(|| panic!("{path} drawn"));
        (
            GROWTH[growth["change"][i].as_u64().unwrap() as usize],
            growth["delta"][i].as_i64().unwrap(),
        )
    };
    assert_eq!(change("/app/lib.so"), ("grown", 15_000));
    assert_eq!(change("/app/data"), ("shrunk", -6_000));
    assert_eq!(change("/app/new"), ("added", 18_000));
    assert_eq!(change("/app/new/a.bin"), ("added", 12_000));
    assert_eq!(change("/assets.bin"), ("added", 7_000));
    assert_eq!(change("/usr/bin/tool"), ("unchanged", 0));
    // The removed log counts against /app, which NEW still has.
    assert_eq!(change("/app"), ("grown", 15_000 - 6_000 + 18_000 - 3_000));
    assert_eq!(
        growth["delta"][0].as_i64(),
        report["delta"]["visibleBytes"].as_i64()
    );
    assert_eq!(data["removed"], serde_json::json!([["/app/old.log", 3000]]));
    assert_eq!(data["removedCount"], 1);
    // Self-contained: nothing to fetch.
    for outside in ["http://", "https://", "src=", "@import", "url("] {
        assert!(!page.contains(outside), "{outside} in the page");
    }
}

/// OLD has the hostile names, NEW removes half of them and adds the rest
/// under a hostile directory, with hostile commands.
fn hostile_pair(dir: &Path) -> (String, String) {
    let names = hostile_names();
    let mut old = Layer::new().created_by("/bin/sh -c echo '</SCRIPT ><script>alert(2)</script>'");
    let mut new = Layer::new()
        .created_by("/bin/sh -c rm -rf </script><!-- \u{2028}<img src=x onerror=alert(1)>");
    for (n, name) in names.iter().enumerate() {
        old = old.sized(name, 1000 + n, b'o');
        new = new.sized(&format!("<b>dir</b>/{name}"), 2000 + n, b'n');
    }
    (
        put(dir, "old.tar", &Image::new().layer(old).docker_archive()),
        put(dir, "new.tar", &Image::new().layer(new).docker_archive()),
    )
}

#[test]
fn hostile_names_and_commands_stay_inside_the_data_block() {
    let dir = tmp();
    let (old, new) = hostile_pair(dir.path());
    let (_, page, report) = reports(dir.path(), &[&old, &new]);
    no_markup_from_names(&page);
    let data = page_data(&page);
    assert_eq!(data["diff"], report);
    let removed: Vec<&str> = data["removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[0].as_str().unwrap())
        .collect();
    for name in hostile_names() {
        assert!(removed.contains(&format!("/{name}").as_str()), "{name:?}");
    }
}

#[test]
fn one_report_on_standard_output_and_new_must_be_an_image() {
    let dir = tmp();
    let (old, new) = pair(dir.path());
    let out = peel(dir.path())
        .args(["diff", "--html", "-", &old, &new])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.ends_with("</html>\n"));
    for other in ["--json", "--markdown"] {
        let out = peel(dir.path())
            .args(["diff", "--html", "-", other, "-", &old, &new])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8(out.stderr).unwrap();
        let both = format!("{other} - and --html - cannot both write to standard output");
        assert!(err.contains(&both), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // NEW as a JSON report has no filesystem to draw.
    let json = dir.path().join("new.json");
    let out = peel(dir.path())
        .arg("--json")
        .arg(&json)
        .arg(&new)
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = peel(dir.path())
        .args(["diff", "--html", "page.html", &old])
        .arg(&json)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("NEW must be an image"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!dir.path().join("page.html").exists());
}

fn page_file(dir: &Path, page: &str) -> PathBuf {
    let path = dir.join("shown.html");
    std::fs::write(&path, page).unwrap();
    path
}

#[test]
fn the_comparison_in_chromium_draws_news_bytes_by_growth_and_zooms_on_a_click() {
    let Some(chromium) = cdp::chromium() else {
        return;
    };
    let dir = tmp();
    let (old, new) = pair(dir.path());
    let (_, page, report) = reports(dir.path(), &["--highest-growth", "0.5", &old, &new]);
    let html = page_file(dir.path(), &page);
    let visible = report["new"]["visibleBytes"].as_u64().unwrap();
    let mut browser = cdp::Browser::start(chromium, 1280, 1400);
    browser.open(&file_url(&html));
    ready(&mut browser);
    assert_eq!(browser.problems(), Vec::<String>::new());
    let total = browser.eval("+document.getElementById('treemap').dataset.total");
    assert_eq!(total.as_u64(), Some(visible));
    assert_eq!(
        browser.eval("window.peelReport.leafTotal()").as_u64(),
        Some(visible)
    );
    // Growth colours: each kind drawn has its own colour, from the legend.
    let drawn = browser.eval(
        "(() => { const seen = {};
          document.querySelectorAll('#treemap [data-change]').forEach(d => {
            (seen[d.dataset.change] = seen[d.dataset.change] || new Set()).add(d.style.background); });
          return Object.fromEntries(Object.entries(seen).map(([k, v]) => [k, [...v]])); })()",
    );
    for kind in ["added", "grown", "shrunk", "unchanged"] {
        assert_eq!(
            drawn[kind].as_array().map(Vec::len),
            Some(1),
            "{kind}: {drawn}"
        );
    }
    assert_ne!(drawn["added"], drawn["grown"]);
    assert_ne!(drawn["grown"], drawn["shrunk"]);
    // The figures side by side, the verdict, the changes listed.
    let figures = browser.eval(
        "[...document.querySelectorAll('#figures-table tr[data-key=\"visibleBytes\"] td')].map(t => t.textContent)",
    );
    assert_eq!(figures[0], "visibleBytes");
    assert!(
        browser
            .eval("document.querySelector('.badge').textContent")
            .to_string()
            .contains("FAIL")
    );
    let removed = browser.eval("document.getElementById('removed-table').textContent");
    assert!(removed.to_string().contains("/app/old.log"), "{removed}");
    let files = browser.eval("document.querySelectorAll('#files-table tr').length");
    assert_eq!(
        files.as_u64(),
        Some(1 + report["files"].as_array().unwrap().len() as u64)
    );
    // A real click on /app's frame zooms into it.
    let target = browser.eval(
        "(() => { const box = document.getElementById('treemap');
          box.scrollIntoView();
          const data = JSON.parse(document.getElementById('peel-data').textContent).tree;
          const d = [...box.querySelectorAll(':scope > .dir')].find(d => data.name[+d.dataset.i] === 'app');
          const r = d.getBoundingClientRect();
          return { x: r.left + 6, y: r.top + 6 }; })()",
    );
    browser.click(target["x"].as_f64().unwrap(), target["y"].as_f64().unwrap());
    assert_eq!(browser.eval("window.peelReport.zoom()"), "/app");
    browser.eval("window.peelReport.zoomTo(0)");
    // The colour toggle goes through layer and waste back to growth.
    for _ in 0..3 {
        browser.eval("document.querySelector('.toggle').click()");
    }
    assert_eq!(browser.problems(), Vec::<String>::new());
    assert!(
        browser
            .eval("document.querySelector('.toggle').textContent")
            .to_string()
            .contains("layer")
    );
    browser.eval("window.scrollTo(0, 0)");
    screenshot(&mut browser, "html-diff.png");
}

#[test]
fn hostile_names_in_chromium_are_text_not_markup() {
    let Some(chromium) = cdp::chromium() else {
        return;
    };
    let dir = tmp();
    let (old, new) = hostile_pair(dir.path());
    let (_, page, _) = reports(dir.path(), &[&old, &new]);
    let html = page_file(dir.path(), &page);
    text_not_markup(
        chromium,
        &html,
        "#removed-table td:nth-child(2)",
        "<img src=x",
    );
}

/// The 100k-file benchmark images (benches/images/many-files.sh), when
/// they are there: the page's size and how long Chromium takes to make it
/// interactive (printed; bounded loosely, the machine is shared).
#[test]
fn a_hundred_thousand_file_pair_makes_a_bounded_page_that_opens_fast() {
    let (old, new) = (
        "/tmp/peel-bench/many-files.tar",
        "/tmp/peel-bench/many-files-plus.tar",
    );
    if !Path::new(old).exists() || !Path::new(new).exists() {
        eprintln!("skipped: {old} or {new} is not built");
        return;
    }
    let Some(chromium) = cdp::chromium() else {
        return;
    };
    let dir = tmp();
    let (_, page, report) = reports(dir.path(), &[old, new]);
    let html = page_file(dir.path(), &page);
    let mut browser = cdp::Browser::start(chromium, 1280, 1000);
    browser.open(&file_url(&html));
    let ready_at = ready(&mut browser);
    eprintln!(
        "many-files pair: {} file changes, page {} bytes, interactive {ready_at:.0} ms after navigation",
        report["files"].as_array().unwrap().len(),
        page.len()
    );
    assert_eq!(browser.problems(), Vec::<String>::new());
    assert_eq!(
        browser
            .eval("+document.getElementById('treemap').dataset.total")
            .as_u64(),
        report["new"]["visibleBytes"].as_u64()
    );
    assert!(page.len() < 8_000_000, "{} bytes", page.len());
    assert!(ready_at < 5_000.0, "{ready_at} ms");
}
