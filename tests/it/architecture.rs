//! The imports between `src/`'s top-level modules go one way (the flow drawn
//! in `src/lib.rs`): this reads every source file, keeps the `crate::…`
//! paths of its non-test code and fails, naming the loop, if the modules
//! import each other in a cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

#[test]
fn top_level_modules_import_each_other_without_a_cycle() {
    let graph = module_graph();
    // The parse found the edges the flow is made of (so an empty graph,
    // which has no cycle either, cannot pass).
    for (from, to) in [
        ("pipeline", "source"),
        ("pipeline", "findings"),
        ("ui", "tree_list"),
        ("run", "report"),
    ] {
        assert!(
            graph.get(from).is_some_and(|t| t.contains(to)),
            "expected {from} to import {to}; the graph read: {graph:?}"
        );
    }
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "modules import each other in a cycle: {}",
            cycle.join(" → ")
        );
    }
}

#[test]
fn a_cycle_is_found_and_named() {
    let mut graph = Graph::new();
    for (from, to) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")] {
        graph.entry(from.into()).or_default().insert(to.into());
    }
    assert_eq!(find_cycle(&graph).unwrap(), ["a", "b", "c", "a"]);
    graph.get_mut("c").unwrap().remove("a");
    assert_eq!(find_cycle(&graph), None);
}

#[test]
fn test_modules_comments_and_grouped_imports_are_read_as_they_should() {
    let code = "use crate::{tree::Tree, layer};\n\
                // crate::ui in a comment\n\
                fn f() { crate::report::text(); }\n\
                #[cfg(test)]\n\
                mod tests {\n    use crate::run;\n    fn g() { let _ = \"{}\"; }\n}\n\
                fn h() { crate::diff::x(); }\n";
    let found: BTreeSet<String> = crate_paths(&non_test_code(code)).collect();
    let want: BTreeSet<String> = ["tree", "layer", "report", "diff"].map(String::from).into();
    assert_eq!(found, want);
}

/// Every top-level module → the top-level modules its non-test code names.
fn module_graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph = Graph::new();
    for file in files {
        let Some(module) = top_module(&src, &file) else {
            continue;
        };
        let is_test_file = file.file_name().is_some_and(|n| n == "tests.rs")
            || file.components().any(|c| c.as_os_str() == "tests");
        if is_test_file {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let edges = graph.entry(module.clone()).or_default();
        edges.extend(crate_paths(&non_test_code(&text)).filter(|m| *m != module));
    }
    graph
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/ui/app/mod.rs` → `ui`; None for the crate roots.
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let first = file.strip_prefix(src).ok()?.components().next()?;
    let first = first.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib" && name != "main").then(|| name.to_string())
}

/// The code of a file without `//` comments and without the items under a
/// `#[cfg(test)]` (found by counting braces).
fn non_test_code(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            let mut depth = 0i64;
            let mut opened = false;
            for line in lines.by_ref() {
                let code = without_comment(line);
                for c in code.chars() {
                    match c {
                        '{' => {
                            depth += 1;
                            opened = true;
                        }
                        '}' => depth -= 1,
                        _ => {}
                    }
                }
                if (opened && depth <= 0) || (!opened && code.trim_end().ends_with(';')) {
                    break;
                }
            }
            continue;
        }
        out.push_str(without_comment(line));
        out.push('\n');
    }
    out
}

fn without_comment(line: &str) -> &str {
    line.find("//").map_or(line, |i| &line[..i])
}

/// The first segment of every `crate::` path, grouped imports included.
fn crate_paths(code: &str) -> impl Iterator<Item = String> + '_ {
    code.match_indices("crate::").flat_map(|(i, m)| {
        let rest = &code[i + m.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let end = group
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => return true,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    false
                })
                .map_or(group.len(), |(j, _)| j);
            top_level_items(&group[..end])
        } else {
            vec![identifier(rest)]
        }
    })
}

/// `tree::Tree, layer::{a, b}, ui` → the first identifier of each item.
fn top_level_items(group: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(identifier(group[start..i].trim_start()));
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(identifier(group[start..].trim_start()));
    items.retain(|s| !s.is_empty() && s != "self");
    items
}

fn identifier(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// A loop of imports, as the modules along it (the first repeated last).
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit<'a>(
        graph: &'a Graph,
        node: &'a str,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| *n == node) {
            let mut cycle: Vec<String> = path[at..].iter().map(|s| s.to_string()).collect();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if !done.insert(node) {
            return None;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(graph, next, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|start| visit(graph, start, &mut Vec::new(), &mut done))
}
