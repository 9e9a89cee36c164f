//! Each finding kind in a few words and in a paragraph: the titles of CI
//! annotations and the rule help of the SARIF report.

use super::Kind;

/// A title of a few words.
pub fn title(kind: Kind) -> &'static str {
    match kind {
        Kind::DeletedLater => "Files deleted in a later layer",
        Kind::PackageCache => "Package-manager cache in a layer",
        Kind::MetadataCopyUp => "Whole files stored again for a mode or owner change",
        Kind::RewrittenIdentical => "Same content written twice",
        Kind::DuplicateContent => "Identical files at several paths",
        Kind::Secret => "Secret in the image",
        Kind::BuildLeftover => "Build leftovers in the final image",
        Kind::RunsAsRoot => "Runs as root",
        Kind::NoHealthcheck => "No HEALTHCHECK",
        Kind::AddInsteadOfCopy => "ADD where COPY would do",
        Kind::CacheBustingOrder => "Source copied before the dependency install",
        Kind::ContextLeak => "Build context files copied into the image",
        Kind::PackageManagerHygiene => "Package manager used in a costly way",
        Kind::ToolchainInFinalImage => "Build toolchain in the final image",
    }
}

/// What the kind means and how it is fixed, in general.
pub fn help(kind: Kind) -> &'static str {
    match kind {
        Kind::DeletedLater => {
            "A layer adds files that a later layer deletes: the bytes stay in the first layer. Delete them in the \
             same RUN that creates them, or build them in a separate stage and COPY only the result."
        }
        Kind::PackageCache => {
            "A package manager's cache or index (apt lists, apk, pip, npm, ...) is stored in a layer. Clean it in \
             the same RUN (`rm -rf /var/lib/apt/lists/*`, `apk add --no-cache`, `pip install --no-cache-dir`) or \
             use a cache mount."
        }
        Kind::MetadataCopyUp => {
            "A layer only changes mode, owner or times of files from a lower layer; the layer stores each file \
             whole again. Set them as you copy (`COPY --chown --chmod`) or in the RUN that creates them."
        }
        Kind::RewrittenIdentical => {
            "A layer writes content that a lower layer already has at the same path. Write it once."
        }
        Kind::DuplicateContent => {
            "The final image holds the same content at several paths. Keep one copy and link to it, or copy it once."
        }
        Kind::Secret => {
            "What looks like a private key, credential or token is in a layer or in the config, readable by anyone \
             who pulls the image. Rotate it and pass build secrets with `RUN --mount=type=secret`."
        }
        Kind::BuildLeftover => {
            "VCS folders, compilers, documentation or tests ship in the final image. Build in a separate stage and \
             copy only what runs."
        }
        Kind::RunsAsRoot => "The image runs as root. Add a user and switch to it with USER.",
        Kind::NoHealthcheck => {
            "The image declares no HEALTHCHECK, so the runtime cannot tell a hung container from a healthy one."
        }
        Kind::AddInsteadOfCopy => {
            "ADD also extracts archives and fetches URLs; for plain files COPY says what it does."
        }
        Kind::CacheBustingOrder => {
            "The build context (or many source files) is copied before the dependency install, so any source \
             change re-runs the install. Copy the manifest files first, install, then copy the source."
        }
        Kind::ContextLeak => {
            "Files that only the build needs (.git, Dockerfile, compose files, caches, logs, build output) were \
             copied into the image from the build context. List them in `.dockerignore`."
        }
        Kind::PackageManagerHygiene => {
            "`apt-get update` in another RUN than its install (stale lists from the cache), `apt-get upgrade` in \
             a build, installs without `--no-install-recommends`, or `pip install` that keeps its cache."
        }
        Kind::ToolchainInFinalImage => {
            "A single-stage image ships compilers, headers or a JDK it only needed to build. Build in one stage \
             and copy the result into a slim final stage."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_title_and_help() {
        for kind in Kind::ALL {
            assert!(title(kind).len() > 5, "{kind:?}");
            assert!(help(kind).len() > 30, "{kind:?}");
        }
    }
}
