//! `toolchain-in-final-image`: compilers, `-dev` headers, a JDK's compiler
//! and tools, Go's and Rust's toolchains, node-gyp, in the final image:
//! what a multi-stage build leaves in its build stage. Read from the final
//! image's files (the base image's too: a single-stage build FROM a
//! toolchain image is the common case). A compiler makes it a warning;
//! headers or node-gyp alone, a note. Below [`MIN_BYTES`] it is not worth
//! a finding.

use std::collections::BTreeMap;

use super::{Finding, Group, Kind, Severity, for_each_final_entry, with_sizes};
use crate::analysis::ExactView;
use crate::layer::{LayerIdx, path};

/// Less than this of toolchain is not reported.
pub const MIN_BYTES: u64 = 1_000_000;

const JDK: &str = "a JDK (javac, jmods): a JRE would do";

/// What part of a toolchain `path` is; `true` for a compiler itself.
fn part(path: &[u8]) -> Option<(&'static str, bool)> {
    let starts = |p: &[u8]| path.starts_with(p);
    if starts(b"usr/lib/gcc/") || starts(b"usr/libexec/gcc/") {
        return Some(("GCC", true));
    }
    if starts(b"usr/include/") || starts(b"usr/local/include/") {
        return Some(("-dev headers (/usr/include)", false));
    }
    if starts(b"usr/local/go/")
        || (starts(b"usr/lib/go-") && path.windows(5).any(|w| w == b"/pkg/"))
    {
        return Some(("the Go toolchain", true));
    }
    if starts(b"usr/local/rustup/")
        || starts(b"usr/local/cargo/bin/")
        || starts(b"usr/lib/rustlib/")
    {
        return Some(("the Rust toolchain", true));
    }
    if path.windows(8).any(|w| w == b"node-gyp") {
        return Some(("node-gyp", false));
    }
    if starts(b"usr/lib/jvm/") {
        let (_, name) = path::split_last(path);
        // `ct.sym` ships with Debian's JRE too: only javac says JDK.
        if name == b"javac" || path.windows(7).any(|w| w == b"/jmods/") {
            return Some((JDK, true));
        }
    }
    let (dir, name) = path::split_last(path);
    let compilers: [&[u8]; 7] = [b"gcc", b"g++", b"cc", b"c++", b"clang", b"rustc", b"javac"];
    if matches!(dir, b"usr/bin" | b"usr/local/bin" | b"bin")
        && (compilers.contains(&name)
            || name.starts_with(b"x86_64-linux-gnu-gcc")
            || name.starts_with(b"gcc-"))
    {
        return Some(("compilers", true));
    }
    None
}

pub(super) fn toolchain_in_final_image(
    analysis: &ExactView<'_>,
    ignored: &dyn Fn(&[u8]) -> bool,
    findings: &mut Vec<Finding>,
) {
    let tree = &analysis.tree;
    let mut parts: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut compiler = false;
    let mut layers: Vec<LayerIdx> = Vec::new();
    let mut group = Group::default();
    let mut per_layer: Vec<(LayerIdx, Vec<u8>, u64)> = Vec::new();
    for_each_final_entry(tree, ignored, |p, entry| {
        let Some((what, is_compiler)) = part(p) else {
            return;
        };
        *parts.entry(what).or_default() += entry.bytes;
        compiler |= is_compiler;
        layers.push(entry.layer);
        per_layer.push((entry.layer, p.to_vec(), entry.bytes));
    });
    // jmods without javac: a jlink'ed runtime's leftovers, not a JDK.
    let javac = per_layer
        .iter()
        .any(|(_, p, _)| p.starts_with(b"usr/lib/jvm/") && path::split_last(p).1 == b"javac");
    if !javac && parts.remove(JDK).is_some() {
        per_layer.retain(|(_, p, _)| part(p).is_none_or(|(what, _)| what != JDK));
        compiler = per_layer
            .iter()
            .any(|(_, p, _)| part(p).is_some_and(|(_, c)| c));
        layers = per_layer.iter().map(|(l, ..)| *l).collect();
    }
    let total: u64 = parts.values().sum();
    if total < MIN_BYTES {
        return;
    }
    for (layer, p, bytes) in per_layer {
        group.add_in(layer, p, bytes);
    }
    layers.sort_unstable();
    layers.dedup();
    let list = with_sizes(parts.iter().map(|(what, bytes)| (what.to_string(), bytes)));
    let advice = format!(
        "The final image ships a build toolchain: {}. Build in one stage and COPY only the result into a final \
         stage FROM a runtime image (slim, distroless, a JRE), so none of it ships.",
        list
    );
    let severity = if compiler {
        Severity::Warning
    } else {
        Severity::Info
    };
    // The first layer is the one the claims fall back to: set per path.
    findings.push(group.into_finding(Kind::ToolchainInFinalImage, severity, layers, None, advice));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toolchain_parts() {
        assert_eq!(
            part(b"usr/lib/gcc/x86_64-linux-gnu/12/cc1"),
            Some(("GCC", true))
        );
        assert_eq!(part(b"usr/bin/gcc"), Some(("compilers", true)));
        assert_eq!(part(b"usr/include/node/node.h").map(|p| p.1), Some(false));
        assert_eq!(
            part(b"usr/share/nodejs/node-gyp/lib/build.js").map(|p| p.0),
            Some("node-gyp")
        );
        assert_eq!(
            part(b"usr/lib/jvm/java-17-openjdk-amd64/bin/javac").map(|p| p.1),
            Some(true)
        );
        assert_eq!(part(b"usr/lib/jvm/java-17-openjdk-amd64/bin/java"), None);
        assert_eq!(part(b"usr/bin/python3"), None);
        assert_eq!(part(b"usr/lib/go-1.19/bin/go").map(|p| p.0), None);
    }
}
