//! Packaging: shell completions and the man page from the CLI definition,
//! `--version` with the commit (and build.rs without git), the Dockerfile
//! built by the real engine and peel's verdict on that image, the GitHub
//! Action's and the GitLab template's commands run against the demo image.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_yaml_ng::Value as Yaml;

use crate::cli::peel;
use crate::fixture::tmp;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn demo() -> PathBuf {
    root().join("assets/demo/demo.tar")
}

fn stdout_of(args: &[&str]) -> String {
    let dir = tmp();
    let out = peel(dir.path()).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "peel {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn installed(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn completions_for_every_shell_name_the_real_flags() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout_of(&["completions", shell]);
        for flag in ["ci", "html", "fail-on", "ci-config"] {
            assert!(script.contains(flag), "{shell}: no {flag}");
        }
        assert!(script.contains("peel"), "{shell}");
    }
    let bash = stdout_of(&["completions", "bash"]);
    assert!(bash.contains("--ci") && bash.contains("--markdown") && bash.contains("complete -F"));
    // Each script is valid in its shell, where the shell is here.
    let dir = tmp();
    for (shell, check) in [
        ("bash", vec!["-n"]),
        ("zsh", vec!["-n"]),
        ("fish", vec!["--no-execute"]),
    ] {
        if !installed(shell) {
            continue;
        }
        let file = dir.path().join(shell);
        std::fs::write(&file, stdout_of(&["completions", shell])).unwrap();
        let out = Command::new(shell)
            .args(&check)
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // No shell: one line that names what is missing, exit 2.
    let out = peel(dir.path()).arg("completions").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("<SHELL>") && err.lines().count() == 1, "{err}");
    // A shell peel does not know: one line, exit 2.
    let out = peel(dir.path())
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
}

#[test]
fn the_man_page_is_roff_that_man_reads() {
    let page = stdout_of(&["man"]);
    let header = page
        .lines()
        .find(|l| l.starts_with(".TH"))
        .expect("a .TH header");
    assert!(header.starts_with(".TH peel 1"), "{header}");
    assert!(
        page.contains(".SH NAME") && page.contains(".SH SYNOPSIS") && page.contains(".SH OPTIONS")
    );
    for flag in ["ci", "html", "lowest\\-efficiency", "completions"] {
        assert!(page.contains(flag), "{flag} not in the man page");
    }
    if !Path::new("/usr/bin/man").exists() {
        return;
    }
    let dir = tmp();
    let file = dir.path().join("peel.1");
    std::fs::write(&file, &page).unwrap();
    let out = Command::new("man")
        .arg("-l")
        .arg(&file)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("--ci") && text.contains("--html"), "{text}");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("warning"),
        "man warns"
    );
}

#[test]
fn an_image_named_like_a_subcommand_is_read_after_a_double_dash() {
    let dir = tmp();
    std::fs::copy(demo(), dir.path().join("man")).unwrap();
    for args in [
        vec!["--json", "-", "--", "man"],
        vec!["--json", "-", "./man"],
    ] {
        let out = peel(dir.path()).args(&args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["image"]["layerCount"], 13, "{args:?}");
    }
    // And a subcommand takes no image flags.
    let out = peel(dir.path()).args(["man", "--ci"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let line = stdout_of(&["--version"]);
    let version = env!("CARGO_PKG_VERSION");
    assert!(line.starts_with(&format!("peel {version}")), "{line}");
    if installed("git") && root().join(".git").exists() {
        let head = git(root(), &["rev-parse", "--short=12", "HEAD"]);
        assert_eq!(line.trim(), format!("peel {version} (commit {head})"));
    }
}

/// build.rs, compiled on its own and run as cargo runs it.
fn build_script() -> (tempfile::TempDir, PathBuf) {
    let dir = tmp();
    let binary = dir.path().join("build-script");
    let out = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .args(["--edition", "2024", "-O", "-o"])
        .arg(&binary)
        .arg(root().join("build.rs"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (dir, binary)
}

fn version_line(
    script: &Path,
    manifest: &Path,
    path: Option<&str>,
    commit: Option<&str>,
) -> String {
    let mut cmd = Command::new(script);
    cmd.current_dir(manifest)
        .env("CARGO_PKG_VERSION", "9.8.7")
        .env("CARGO_MANIFEST_DIR", manifest)
        .env_remove("PEEL_BUILD_COMMIT")
        .env_remove("GIT_DIR");
    if let Some(path) = path {
        cmd.env("PATH", path);
    }
    if let Some(commit) = commit {
        cmd.env("PEEL_BUILD_COMMIT", commit);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("cargo:rustc-env=PEEL_VERSION="))
        .unwrap_or_else(|| panic!("no PEEL_VERSION in {text}"))
        .to_string()
}

#[test]
fn build_script_falls_back_without_git_or_a_repository() {
    let (dir, script) = build_script();
    // A tarball or crates.io package: no repository.
    let unpacked = dir.path().join("unpacked");
    std::fs::create_dir(&unpacked).unwrap();
    assert_eq!(version_line(&script, &unpacked, None, None), "9.8.7");
    // No git at all.
    assert_eq!(
        version_line(&script, &unpacked, Some("/nonexistent"), None),
        "9.8.7"
    );
    // A commit given to the build (the Dockerfile's build argument); a value
    // that is not a commit name is left out.
    assert_eq!(
        version_line(&script, &unpacked, None, Some("abc123")),
        "9.8.7 (commit abc123)"
    );
    assert_eq!(
        version_line(&script, &unpacked, None, Some("a b\u{1b}")),
        "9.8.7"
    );
    if !installed("git") {
        return;
    }
    // Its own repository: the commit; unpacked inside another one: none.
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    std::fs::write(repo.join("f"), "x").unwrap();
    git(&repo, &["add", "f"]);
    git(&repo, &["commit", "-q", "-m", "one"]);
    let head = git(&repo, &["rev-parse", "--short=12", "HEAD"]);
    assert_eq!(
        version_line(&script, &repo, None, None),
        format!("9.8.7 (commit {head})")
    );
    let vendored = repo.join("vendor/peel");
    std::fs::create_dir_all(&vendored).unwrap();
    assert_eq!(version_line(&script, &vendored, None, None), "9.8.7");
}

/// The binary under test and the shared libraries it loads, at their paths
/// under `dist/` (the Dockerfile's `prebuilt` stage copies `dist/` to `/`).
fn stage_binary(context: &Path) {
    let dist = context.join("dist");
    let binary = Path::new(env!("CARGO_BIN_EXE_peel"));
    let bin_dir = dist.join("usr/local/bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    std::fs::copy(binary, bin_dir.join("peel")).unwrap();
    let out = Command::new("ldd").arg(binary).output().unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    for line in listing.lines() {
        // `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)` or
        // `/lib64/ld-linux-x86-64.so.2 (0x...)`; the vDSO has no file.
        let path = line
            .split("=>")
            .last()
            .unwrap_or("")
            .split_whitespace()
            .next();
        let Some(path) = path.filter(|p| p.starts_with('/')) else {
            continue;
        };
        let to = dist.join(path.trim_start_matches('/'));
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(path, &to).unwrap();
    }
}

#[test]
fn the_dockerfile_builds_a_small_image_that_passes_its_own_ci() {
    let Some(engine) = crate::docker::engine() else {
        return;
    };
    let context = tmp();
    std::fs::copy(root().join("Dockerfile"), context.path().join("Dockerfile")).unwrap();
    stage_binary(context.path());
    let tag = "peel-test/html-packaging:prebuilt";
    let context_arg = context.path().to_str().unwrap();
    crate::docker::docker(&[
        "build",
        "-q",
        "--target",
        "prebuilt",
        "-t",
        tag,
        context_arg,
    ])
    .expect("docker build --target prebuilt");
    // The image runs peel, as an unprivileged user, on a mounted archive.
    let mount = format!("{}:/work/demo.tar:ro", demo().display());
    let version = crate::docker::docker(&["run", "--rm", tag, "--version"]).unwrap();
    assert!(version.starts_with("peel "), "{version}");
    let out = crate::docker::docker(&["run", "--rm", "-v", &mount, tag, "--json", "-", "demo.tar"])
        .expect("peel in the image reads a mounted archive");
    let inside: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(inside["image"]["layerCount"], 13);
    // peel --ci on its own image: passes, and no warning (or worse) finding.
    let vars = crate::docker::host_vars(engine);
    let out = crate::docker::peel(&vars)
        .args(["--ci", "--json", "-", &format!("docker://{tag}")])
        .current_dir(context.path())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    let serious: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] != "info")
        .collect();
    assert!(serious.is_empty(), "{serious:#?}");
    assert_eq!(report["image"]["wastedBytes"], 0);
    let _ = crate::docker::docker(&["rmi", "-f", tag]);
}

fn yaml(path: &str) -> Yaml {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `${{ inputs.NAME }}` and `inputs.NAME` references in `text`.
fn input_references(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (at, _) in text.match_indices("inputs.") {
        let name: String = text[at + "inputs.".len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        names.insert(name);
    }
    names
}

/// bash with `args` in `dir`, the binary under test first on PATH, not in
/// CI mode (as a CI job's script runs peel).
fn bash_with_peel(args: &[&str], dir: &Path) -> Command {
    let bin = Path::new(env!("CARGO_BIN_EXE_peel")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.args(args)
        .current_dir(dir)
        .env_remove("CI")
        .env("PATH", path);
    cmd
}

/// The action's peel step, run by bash as the runner would (its `env:`
/// with the inputs filled in), peel on PATH; the exit status and the summary.
fn run_action_step(inputs: &[(&str, &str)], dir: &Path) -> (Option<i32>, String) {
    let action = yaml("action.yml");
    let steps = action["runs"]["steps"].as_sequence().unwrap();
    let step = steps
        .iter()
        .find(|s| s["id"] == "peel")
        .expect("a step with id peel");
    let script = step["run"].as_str().unwrap();
    let summary = dir.join("summary.md");
    std::fs::write(&summary, "").unwrap();
    let declared = action["inputs"].as_mapping().unwrap();
    let mut cmd = bash_with_peel(
        &["--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        dir,
    );
    cmd.env("GITHUB_STEP_SUMMARY", &summary);
    for (key, value) in step["env"].as_mapping().unwrap() {
        let template = value.as_str().unwrap();
        let name = input_references(template).into_iter().next().unwrap();
        let given = inputs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string());
        let default = declared[name.as_str()]["default"]
            .as_str()
            .map(str::to_string);
        cmd.env(key.as_str().unwrap(), given.or(default).unwrap_or_default());
    }
    let out = cmd.output().unwrap();
    (out.status.code(), std::fs::read_to_string(summary).unwrap())
}

#[test]
fn the_action_declares_and_uses_every_input_and_its_step_runs_peel() {
    let action = yaml("action.yml");
    for key in ["name", "description"] {
        assert!(action[key].as_str().is_some_and(|s| !s.is_empty()), "{key}");
    }
    assert_eq!(action["runs"]["using"], "composite");
    let inputs = action["inputs"].as_mapping().unwrap();
    let declared: BTreeSet<String> = inputs
        .keys()
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    for name in ["image", "rules", "fail-on", "summary"] {
        assert!(declared.contains(name), "no input {name}");
    }
    for (name, input) in inputs {
        assert!(
            input["description"].as_str().is_some(),
            "{name:?} has no description"
        );
    }
    assert_eq!(inputs[&Yaml::from("image")]["required"], Yaml::Bool(true));
    let steps = serde_yaml_ng::to_string(&action["runs"]).unwrap();
    assert_eq!(
        input_references(&steps),
        declared,
        "every input used, no other"
    );
    for step in action["runs"]["steps"].as_sequence().unwrap() {
        assert_eq!(
            step["shell"], "bash",
            "a composite run step names its shell"
        );
        // Inputs go through env:, never into the script itself.
        assert!(!step["run"].as_str().unwrap().contains("${{"), "{step:?}");
    }

    // The demo image fails its rules (and has secrets): exit 1, summary written.
    let dir = tmp();
    let demo = demo();
    let (status, summary) = run_action_step(
        &[("image", demo.to_str().unwrap()), ("install", "path")],
        dir.path(),
    );
    assert_eq!(status, Some(1), "{summary}");
    assert!(
        summary.starts_with('#') && summary.contains("Efficiency"),
        "{summary}"
    );
    // A rules file that accepts it, and an HTML report beside: exit 0.
    std::fs::write(
        dir.path().join("rules.yml"),
        "rules:\n  lowestEfficiency: disabled\n  highestWastedBytes: disabled\n  highestUserWastedPercent: disabled\n",
    )
    .unwrap();
    let on_demo = |more: &[(&str, &str)]| {
        let inputs = [
            &[("image", demo.to_str().unwrap()), ("install", "path")],
            more,
        ]
        .concat();
        run_action_step(&inputs, dir.path())
    };
    let (status, summary) = on_demo(&[("rules", "rules.yml"), ("html", "report.html")]);
    assert_eq!(status, Some(0), "{summary}");
    assert!(
        summary.contains("PASS") || summary.contains("pass"),
        "{summary}"
    );
    assert!(dir.path().join("report.html").exists());
    // --fail-on secret fails it again.
    let (status, _) = on_demo(&[("rules", "rules.yml"), ("fail-on", "secret")]);
    assert_eq!(status, Some(1));
}

#[test]
fn the_gitlab_template_runs_peel_and_keeps_the_reports() {
    let template = yaml("docs/gitlab-ci.yml");
    let job = &template[".peel"];
    let script = job["script"].as_sequence().unwrap();
    let artifacts: Vec<&str> = job["artifacts"]["paths"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(job["artifacts"]["when"], "always");
    let dir = tmp();
    std::fs::copy(demo(), dir.path().join("image.tar")).unwrap();
    let lines: Vec<&str> = script.iter().map(|l| l.as_str().unwrap()).collect();
    let mut cmd = bash_with_peel(&["-ec", &lines.join("\n")], dir.path());
    for (key, value) in job["variables"].as_mapping().unwrap() {
        cmd.env(key.as_str().unwrap(), value.as_str().unwrap());
    }
    let out = cmd.output().unwrap();
    // The demo image fails its rules: the job fails, with every report kept.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for artifact in artifacts {
        let bytes = std::fs::metadata(dir.path().join(artifact)).unwrap().len();
        assert!(bytes > 100, "{artifact}: {bytes} bytes");
    }
    // With PEEL_FAIL_ON set, the flag is passed (an unknown kind: exit 2).
    let out = cmd.env("PEEL_FAIL_ON", "no-such-kind").output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
