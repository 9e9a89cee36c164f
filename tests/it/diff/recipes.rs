//! The README's CI recipes ("In CI: a pull request's image against
//! main's"), run as the runners would run them: the YAML read from the
//! README, each shell step run by bash in order against the test engine
//! (GitLab: main's image pulled from the loopback registry). Steps that
//! install peel or move artifacts are not run (the binary under test is on
//! `PATH`, the artifact is the file the main branch's job wrote).

use std::path::Path;
use std::process::Command as Std;

use serde_yaml_ng::Value as Yaml;

use crate::docker::{BASE, docker, engine};
use crate::fixture::tmp;

/// The `n`th YAML block of the README's CI recipe section.
fn recipe(n: usize) -> Yaml {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let start = readme
        .find("### In CI: a pull request's image against main's")
        .expect("the recipe section");
    let section = &readme[start..];
    let section = &section[..section[4..].find("\n## ").map_or(section.len(), |i| i + 4)];
    let block = section
        .split("```yaml\n")
        .nth(n + 1)
        .and_then(|b| b.split("\n```").next())
        .unwrap_or_else(|| panic!("no yaml block {n} in the recipe section"));
    serde_yaml_ng::from_str(block).unwrap_or_else(|e| panic!("recipe {n}: {e}"))
}

/// `script` in bash (`-e`, as both runners run a step) in `dir`, with the
/// binary under test first on PATH; the exit code and what it printed.
fn bash(dir: &Path, script: &str, vars: &[(&str, &str)]) -> (i32, String) {
    let bin = Path::new(env!("CARGO_BIN_EXE_peel")).parent().unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let out = Std::new("bash")
        .args(["-e", "-c", script])
        .current_dir(dir)
        .env("PATH", path)
        .env("DOCKER_BUILDKIT", "0")
        .env_remove("CI")
        .env_remove("GITHUB_ACTIONS")
        .envs(vars.iter().copied())
        .output()
        .expect("bash runs");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), said)
}

/// The tags a recipe made, removed from the engine even when a check fails.
struct Tags(Vec<String>);

impl Drop for Tags {
    fn drop(&mut self) {
        for tag in &self.0 {
            let _ = docker(&["rmi", tag]);
        }
    }
}

/// A build context in `dir`: the base and one file of `bytes` bytes.
fn context(dir: &Path, bytes: usize) {
    std::fs::write(
        dir.join("Dockerfile"),
        format!(
            "FROM {BASE}\nRUN mkdir -p /app && head -c {bytes} /dev/zero > /app/data && echo v > /app/version\n"
        ),
    )
    .unwrap();
}

/// The GitHub Actions workflow: the main branch's steps (its `if` names
/// `refs/heads/main`) write the report, a pull request's steps compare
/// with it and write the step summary.
#[test]
fn the_github_actions_recipe_runs() {
    if engine().is_none() {
        return;
    }
    let workflow = recipe(0);
    let steps = workflow["jobs"]["image"]["steps"]
        .as_sequence()
        .expect("steps");
    let tag = format!("diff-recipe-gh-{}", std::process::id());
    let dir = tmp();
    let summary = dir.path().join("summary.md");
    let _tags = Tags(vec![format!("app:{tag}-main"), format!("app:{tag}-pr")]);
    for (event, sha, bytes) in [("main", "main", 1000), ("pull_request", "pr", 3000)] {
        context(dir.path(), bytes);
        let sha = format!("{tag}-{sha}");
        for step in steps {
            let (Some(run), when) = (step["run"].as_str(), step["if"].as_str().unwrap_or(""))
            else {
                continue;
            };
            let ours = when.is_empty() || when.contains(event);
            if !ours || run.contains("cargo install") {
                continue;
            }
            let script = run.replace("${{ github.sha }}", &sha);
            let summary = summary.to_str().unwrap();
            let (code, said) = bash(dir.path(), &script, &[("GITHUB_STEP_SUMMARY", summary)]);
            assert_eq!(code, 0, "{event}: {script}\n{said}");
        }
    }
    let md = std::fs::read_to_string(&summary).expect("the step summary");
    // OLD is named as main's job named it in its report.
    let head = format!("## peel diff: `docker://app:{tag}-main` → `docker://app:{tag}-pr`\n");
    assert!(md.starts_with(&head), "{md}");
    assert!(md.contains("| highestGrowth | 0.0500 |"), "{md}");
    assert!(md.contains("| +2 kB | grown | `/app/data` |"), "{md}");
}

/// The GitLab CI job: main's image pushed to the (loopback) registry first,
/// as the main branch's pipeline would have; the job's script, line by
/// line, pulls it, saves both and compares them.
#[test]
fn the_gitlab_ci_recipe_runs() {
    if engine().is_none() {
        return;
    }
    let Some(registries) = crate::registry::registries() else {
        return;
    };
    let job = recipe(1);
    let script: Vec<&str> = job["image-diff"]["script"]
        .as_sequence()
        .expect("script")
        .iter()
        .map(|line| line.as_str().expect("a line"))
        .collect();
    let dir = tmp();
    let sha = format!("diff-recipe-gl-{}", std::process::id());
    let image = format!("{}/{}", registries.plain, crate::registry::repo("recipe"));
    let _tags = Tags(vec![format!("app:{sha}"), format!("{image}:main")]);
    context(dir.path(), 1000);
    docker(&[
        "build",
        "-q",
        "-t",
        &format!("{image}:main"),
        dir.path().to_str().unwrap(),
    ])
    .unwrap();
    docker(&["push", "-q", &format!("{image}:main")]).unwrap();
    docker(&["rmi", &format!("{image}:main")]).unwrap();
    context(dir.path(), 3000);
    let vars = [
        ("CI_COMMIT_SHA", sha.as_str()),
        ("CI_REGISTRY_IMAGE", image.as_str()),
    ];
    for line in &script {
        let (code, said) = bash(dir.path(), line, &vars);
        assert_eq!(code, 0, "{line}\n{said}");
    }
    let md = std::fs::read_to_string(dir.path().join("peel-diff.md")).expect("peel-diff.md");
    assert!(
        md.starts_with("## peel diff: `main.tar` → `pr.tar`\n"),
        "{md}"
    );
    assert!(md.contains("| +2 kB | grown | `/app/data` |"), "{md}");
}
