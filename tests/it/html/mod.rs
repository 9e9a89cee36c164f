//! `--html`: the page's data against the JSON report, hostile names kept as
//! text, and the page in a real headless Chromium ([`cdp`]): no console
//! errors, the treemap's total is `visibleBytes`, a click zooms, a
//! screenshot (into `$PEEL_SCREENSHOTS_DIR` when set: screenshots/html.sh).

pub(crate) mod cdp;
mod diff;

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::cli::peel;
use crate::fixture::{Image, Layer, put, tmp};

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/demo.tar")
}

/// `peel --ci --html DIR/report.html --json DIR/report.json IMAGE`: the
/// page and the JSON report.
fn reports(dir: &Path, image: &Path) -> (PathBuf, Value) {
    let html = dir.join("report.html");
    let json = dir.join("report.json");
    let out = peel(dir)
        .arg("--ci")
        .arg("--html")
        .arg(&html)
        .arg("--json")
        .arg(&json)
        .arg(image)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    (html, report)
}

/// The JSON inside the page's data block.
fn page_data(page: &str) -> Value {
    let open = "<script type=\"application/json\" id=\"peel-data\">";
    let start = page.find(open).expect("a data block") + open.len();
    let end = start + page[start..].find("</script>").unwrap();
    serde_json::from_str(&page[start..end]).expect("the data block is JSON")
}

/// Files whose names and commands try to end the script, open a comment,
/// add markup or break a line; all of them deleted later, so that they are
/// in the wasted table too.
fn hostile() -> Image {
    let names = hostile_names();
    let mut top = Layer::new()
        .created_by("/bin/sh -c rm -rf </script><!-- \u{2028}<img src=x onerror=alert(1)>");
    let mut first =
        Layer::new().created_by("/bin/sh -c echo '</SCRIPT ><script>alert(2)</script>'");
    for (n, name) in names.iter().enumerate() {
        first = first.sized(name, 1000 + n, b'h');
        top = top.whiteout(name);
    }
    Image::new()
        .layer(Layer::new().sized("keep.bin", 4000, b'k'))
        .layer(first)
        .layer(top.sized("<b>kept</b>&amp;", 3000, b'x'))
}

fn hostile_names() -> Vec<&'static str> {
    vec![
        "x</script><script>alert(1)<",
        "<!--comment",
        "line\u{2028}sep\u{2029}",
        "<img src=x onerror=alert(3)>",
        "tab\tand\u{1b}[2Jesc",
    ]
}

#[test]
fn the_data_block_holds_the_json_reports_figures() {
    let dir = tmp();
    let (html, report) = reports(dir.path(), &demo());
    let page = std::fs::read_to_string(html).unwrap();
    let data = page_data(&page);
    assert_eq!(data["image"], report["image"]);
    assert_eq!(data["layers"], report["layers"]);
    assert_eq!(data["findings"], report["findings"]);
    assert_eq!(data["ci"], report["ci"]);
    assert_eq!(
        data["wastedCount"],
        report["wasted"].as_array().unwrap().len()
    );
    // The treemap: the root holds every visible byte, and so do its leaves.
    let tree = &data["tree"];
    let bytes = tree["bytes"].as_array().unwrap();
    let kind = tree["kind"].as_array().unwrap();
    assert_eq!(bytes[0], report["image"]["visibleBytes"]);
    let leaves: u64 = bytes
        .iter()
        .zip(kind)
        .filter(|(_, k)| **k != 1)
        .map(|(b, _)| b.as_u64().unwrap())
        .sum();
    assert_eq!(leaves, report["image"]["visibleBytes"].as_u64().unwrap());
    assert_eq!(tree["wasted"][0], report["image"]["wastedBytes"]);
    // Layer by layer, the wasted bytes add up to the image's.
    let layer_wasted: u64 = data["layerWasted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_u64().unwrap())
        .sum();
    assert_eq!(
        layer_wasted,
        report["image"]["wastedBytes"].as_u64().unwrap()
    );
    // Self-contained: nothing to fetch.
    for outside in ["http://", "https://", "src=", "@import", "url("] {
        assert!(!page.contains(outside), "{outside} in the page");
    }
}

#[test]
fn hostile_names_and_commands_stay_inside_the_data_block() {
    let dir = tmp();
    let image = put(dir.path(), "hostile.tar", &hostile().docker_archive());
    let (html, report) = reports(dir.path(), Path::new(&image));
    let page = std::fs::read_to_string(html).unwrap();
    no_markup_from_names(&page);
    // The same strings, once parsed.
    let data = page_data(&page);
    assert_eq!(data["layers"], report["layers"]);
    let wasted: Vec<&str> = data["wasted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row[0].as_str().unwrap())
        .collect();
    for name in hostile_names() {
        assert!(
            wasted.contains(&format!("/{name}").as_str()),
            "{name:?} in {wasted:?}"
        );
    }
}

#[test]
fn html_to_standard_output_and_beside_the_other_reports() {
    let dir = tmp();
    let out = peel(dir.path())
        .args(["--html", "-"])
        .arg(demo())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.ends_with("</html>\n"));
    let out = peel(dir.path())
        .args(["--html", "-", "--json", "-"])
        .arg(demo())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("can write to standard output"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let out = peel(dir.path())
        .args(["--html", "/nonexistent-dir/r.html"])
        .arg(demo())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("/nonexistent-dir/r.html"), "{err}");
}

/// Only the page's own two script blocks, and nothing of the hostile
/// names and commands as markup or raw characters.
fn no_markup_from_names(page: &str) {
    let lower = page.to_ascii_lowercase();
    assert_eq!(
        lower.matches("</script").count(),
        2,
        "only the two blocks end"
    );
    assert_eq!(lower.matches("<script").count(), 2);
    assert!(!page.contains("<!--") && !page.contains("<img") && !page.contains("<b>"));
    assert!(!page.contains('\u{2028}') && !page.contains('\u{2029}') && !page.contains('\u{1b}'));
}

/// Wait for the page's script to have drawn everything.
fn ready(browser: &mut cdp::Browser) -> f64 {
    for _ in 0..600 {
        if browser.eval("document.body.dataset.ready === 'true'") == Value::Bool(true) {
            return browser.eval("window.peelReport.readyAt").as_f64().unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the page never became ready: {:?}", browser.problems());
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.canonicalize().unwrap().display())
}

#[test]
fn the_page_in_chromium_draws_the_visible_bytes_and_zooms_on_a_click() {
    let Some(chromium) = cdp::chromium() else {
        return;
    };
    let dir = tmp();
    std::os::unix::fs::symlink(demo(), dir.path().join("demo.tar")).unwrap();
    let (html, report) = reports(dir.path(), Path::new("demo.tar"));
    let visible = report["image"]["visibleBytes"].as_u64().unwrap();
    let mut browser = cdp::Browser::start(chromium, 1280, 1400);
    browser.open(&file_url(&html));
    ready(&mut browser);
    assert_eq!(browser.problems(), Vec::<String>::new());
    // The drawn treemap stands for every visible byte.
    let total = browser.eval("+document.getElementById('treemap').dataset.total");
    assert_eq!(total.as_u64(), Some(visible));
    assert_eq!(
        browser.eval("window.peelReport.leafTotal()").as_u64(),
        Some(visible)
    );
    assert!(
        browser
            .eval("+document.getElementById('treemap').dataset.drawn")
            .as_u64()
            > Some(3)
    );
    // A real click on a top-level directory's frame zooms into it.
    let target = browser.eval(
        "(() => { const box = document.getElementById('treemap');
          box.scrollIntoView();
          const dirs = [...box.querySelectorAll(':scope > .dir')];
          const d = dirs[0]; const r = d.getBoundingClientRect();
          return { x: r.left + 6, y: r.top + 6, i: +d.dataset.i }; })()",
    );
    let i = target["i"].as_u64().unwrap();
    let want_path = browser.eval(&format!(
        "(() => {{ const d = JSON.parse(document.getElementById('peel-data').textContent).tree;
           let n = {i}, names = []; while (n !== 0) {{ names.push(d.name[n]); n = d.parent[n]; }}
           return ['/' + names.reverse().join('/'), d.bytes[{i}]]; }})()"
    ));
    browser.click(target["x"].as_f64().unwrap(), target["y"].as_f64().unwrap());
    let zoomed = browser.eval("document.getElementById('treemap').dataset.zoom");
    assert_eq!(zoomed, want_path[0], "the click zoomed into the directory");
    let total = browser.eval("+document.getElementById('treemap').dataset.total");
    assert_eq!(total, want_path[1]);
    // The crumb back to / zooms out again.
    let crumb = browser.eval(
        "(() => { const c = document.querySelector('.crumb');
          c.scrollIntoView({ block: 'center' });
          const r = c.getBoundingClientRect();
          return [r.left + r.width / 2, r.top + r.height / 2]; })()",
    );
    browser.click(crumb[0].as_f64().unwrap(), crumb[1].as_f64().unwrap());
    assert_eq!(browser.eval("window.peelReport.zoom()"), "/");
    // The wasted table sorts on a click of a heading.
    let sorted = browser.eval(
        "(() => { const th = document.querySelector('#wasted-table th[data-col=\"0\"]');
          th.click();
          return [...document.querySelectorAll('#wasted-table tbody tr td:first-child')]
            .map(td => td.textContent); })()",
    );
    let paths: Vec<&str> = sorted
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(!paths.is_empty());
    assert!(paths.windows(2).all(|w| w[0] <= w[1]), "{paths:?}");
    // The colour toggle redraws, still without errors.
    browser.eval("document.querySelector('.toggle').click()");
    assert_eq!(browser.problems(), Vec::<String>::new());
    browser.eval("document.querySelector('.toggle').click(); window.scrollTo(0, 0)");
    screenshot(&mut browser, "html-report.png");
}

/// A screenshot of the page, a real PNG, saved as `name` into
/// `$PEEL_SCREENSHOTS_DIR` when set (screenshots/html.sh).
fn screenshot(browser: &mut cdp::Browser, name: &str) {
    let shot = browser.screenshot();
    assert!(shot.starts_with(b"\x89PNG\r\n\x1a\n") && shot.len() > 10_000);
    if let Ok(out) = std::env::var("PEEL_SCREENSHOTS_DIR") {
        std::fs::write(Path::new(&out).join(name), &shot).unwrap();
    }
}

#[test]
fn hostile_names_in_chromium_are_text_not_markup() {
    let Some(chromium) = cdp::chromium() else {
        return;
    };
    let dir = tmp();
    let image = put(dir.path(), "hostile.tar", &hostile().docker_archive());
    let (html, _) = reports(dir.path(), Path::new(&image));
    text_not_markup(chromium, &html, "#wasted-table td:first-child", "alert(2)");
}

/// `html` in Chromium: no error, only the page's two scripts, no element
/// from a name, each hostile name the text of one of `cells` (a selector),
/// and `command` in a layer's command.
fn text_not_markup(chromium: &str, html: &Path, cells: &str, command: &str) {
    let mut browser = cdp::Browser::start(chromium, 1200, 900);
    browser.open(&file_url(html));
    ready(&mut browser);
    assert_eq!(browser.problems(), Vec::<String>::new());
    assert_eq!(browser.eval("document.scripts.length"), 2);
    assert_eq!(
        browser.eval("document.querySelectorAll('img, b').length"),
        0
    );
    let cells = browser.eval(&format!(
        "[...document.querySelectorAll('{cells}')].map(td => td.textContent)"
    ));
    for name in hostile_names() {
        assert!(
            cells
                .as_array()
                .unwrap()
                .contains(&Value::from(format!("/{name}"))),
            "{name:?} shown as text: {cells}"
        );
    }
    let commands =
        browser.eval("[...document.querySelectorAll('.layer .cmd')].map(c => c.textContent)");
    assert!(commands.to_string().contains(command), "{commands}");
}

/// The 100k-file image of the benchmarks (benches/images/many-files.sh),
/// when it is there: the page's size and how long Chromium takes to make it
/// interactive (printed; bounded loosely, the machine is shared).
#[test]
fn a_hundred_thousand_files_make_a_small_page_that_opens_fast() {
    let image = Path::new("/tmp/peel-bench/many-files.tar");
    if !image.exists() {
        eprintln!("skipped: {} is not built", image.display());
        return;
    }
    let Some(chromium) = cdp::chromium() else {
        return;
    };
    let dir = tmp();
    let (html, report) = reports(dir.path(), image);
    let bytes = std::fs::metadata(&html).unwrap().len();
    let mut browser = cdp::Browser::start(chromium, 1280, 1000);
    let started = std::time::Instant::now();
    browser.open(&file_url(&html));
    let ready_at = ready(&mut browser);
    let wall = started.elapsed();
    eprintln!(
        "many-files: {} files, page {bytes} bytes, interactive {ready_at:.0} ms after navigation ({} ms to load event + ready)",
        report["image"]["fileCount"],
        wall.as_millis()
    );
    assert_eq!(browser.problems(), Vec::<String>::new());
    assert_eq!(
        browser
            .eval("+document.getElementById('treemap').dataset.total")
            .as_u64(),
        report["image"]["visibleBytes"].as_u64()
    );
    assert!(bytes < 5_000_000, "{bytes} bytes");
    assert!(ready_at < 5_000.0, "{ready_at} ms");
}

#[test]
fn small_entries_are_merged_and_a_hardlinked_file_counts_once() {
    // 3000 files of 10 bytes beside one of 10 MB: each small one is under a
    // 20000th of the visible bytes, so they are merged per directory.
    let mut small = Layer::new().dir("many");
    for n in 0..3000 {
        small = small.sized(&format!("many/f{n:04}"), 10, b's');
    }
    let image = Image::new()
        .layer(Layer::new().sized("big.bin", 10_000_000, b'b'))
        .layer(small.hardlink("big-link", "big.bin"));
    let dir = tmp();
    let archive = put(dir.path(), "many.tar", &image.docker_archive());
    let (html, report) = reports(dir.path(), Path::new(&archive));
    let data = page_data(&std::fs::read_to_string(html).unwrap());
    let tree = &data["tree"];
    let kinds = tree["kind"].as_array().unwrap();
    assert!(kinds.len() < 10, "{} nodes", kinds.len());
    let merged: Vec<usize> = (0..kinds.len()).filter(|&i| kinds[i] == 2).collect();
    assert!(!merged.is_empty());
    let entries: u64 = merged
        .iter()
        .map(|&i| tree["entries"][i].as_u64().unwrap())
        .sum();
    assert!(entries >= 3000, "{entries}");
    let visible = report["image"]["visibleBytes"].as_u64().unwrap();
    assert_eq!(visible, 10_000_000 + 30_000);
    assert_eq!(tree["bytes"][0].as_u64(), Some(visible));
    // The big file once, at the first of its paths in name order ('-' is
    // before '.'), coloured by the layer that holds its bytes; the other
    // path has 0 bytes, merged.
    let names = tree["name"].as_array().unwrap();
    let at = |name: &str| names.iter().position(|n| n == name);
    assert_eq!(at("big.bin"), None);
    let big = at("big-link").expect("big-link is drawn");
    assert_eq!(tree["bytes"][big].as_u64(), Some(10_000_000));
    assert_eq!(tree["layer"][big].as_u64(), Some(0));
}

#[test]
fn a_deep_tree_and_an_empty_image_draw_without_errors() {
    let Some(chromium) = cdp::chromium() else {
        return;
    };
    // 400 nested directories with a file at the bottom (the page walks no
    // deeper than it draws), and an image whose files are all empty.
    let deep = format!("{}file.bin", "d/".repeat(400));
    let images = [
        Image::new().layer(
            Layer::new()
                .sized(&deep, 5000, b'd')
                .sized("top.bin", 100, b't'),
        ),
        Image::new().layer(Layer::new().file("empty", b"").dir("nothing")),
    ];
    let mut browser = cdp::Browser::start(chromium, 1000, 800);
    for (n, image) in images.iter().enumerate() {
        let dir = tmp();
        let archive = put(dir.path(), "image.tar", &image.docker_archive());
        let (html, report) = reports(dir.path(), Path::new(&archive));
        assert_eq!(report["image"]["visibleBytes"], [5100, 0][n]);
        browser.open(&file_url(&html));
        ready(&mut browser);
        assert_eq!(browser.problems(), Vec::<String>::new(), "image {n}");
        assert_eq!(
            browser
                .eval("+document.getElementById('treemap').dataset.total")
                .as_u64(),
            report["image"]["visibleBytes"].as_u64(),
            "image {n}"
        );
        // Zoom to the deepest node drawn and back: still no errors.
        browser.eval(
            "(() => { const all = document.querySelectorAll('#treemap .dir');
              if (all.length) window.peelReport.zoomTo(+all[all.length - 1].dataset.i); })()",
        );
        browser.eval("window.peelReport.zoomTo(0)");
        assert_eq!(browser.problems(), Vec::<String>::new(), "image {n}");
    }
}
