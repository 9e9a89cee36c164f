//! Which paths are package caches, secrets and build leftovers. Paths are
//! canonical (`var/lib/apt/lists/...`, no leading slash).

use crate::layer::path;

/// A package manager whose cache or index ended up in a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cache {
    Apt,
    Apk,
    Yum,
    Pip,
    Npm,
    Yarn,
    Go,
    Cargo,
}

impl Cache {
    /// The cache, as the subject of a sentence.
    pub fn what(self) -> &'static str {
        match self {
            Cache::Apt => "apt's cache",
            Cache::Apk => "apk's cache",
            Cache::Yum => "yum/dnf's cache",
            Cache::Pip => "pip's cache",
            Cache::Npm => "npm's cache",
            Cache::Yarn => "yarn's cache",
            Cache::Go => "Go's module and build cache",
            Cache::Cargo => "Cargo's registry",
        }
    }

    /// The tool that writes the cache.
    pub fn tool(self) -> &'static str {
        match self {
            Cache::Apt => "apt-get",
            Cache::Apk => "apk",
            Cache::Yum => "yum/dnf",
            Cache::Pip => "pip",
            Cache::Npm => "npm",
            Cache::Yarn => "yarn",
            Cache::Go => "go",
            Cache::Cargo => "cargo",
        }
    }

    /// What in a command already does what [`Cache::advice`] asks for.
    pub fn cleanup_marks(self) -> &'static [&'static str] {
        match self {
            Cache::Apt => &["rm -rf /var/lib/apt/lists", "apt-get clean"],
            Cache::Apk => &["--no-cache", "rm -rf /var/cache/apk"],
            Cache::Yum => &[
                "yum clean all",
                "dnf clean all",
                "rm -rf /var/cache/yum",
                "rm -rf /var/cache/dnf",
            ],
            Cache::Pip => &[
                "--no-cache-dir",
                "PIP_NO_CACHE_DIR",
                "pip cache purge",
                "rm -rf /root/.cache/pip",
            ],
            Cache::Npm => &["npm cache clean", "rm -rf /root/.npm"],
            Cache::Yarn => &["yarn cache clean"],
            Cache::Go | Cache::Cargo => &[],
        }
    }

    pub fn advice(self) -> &'static str {
        match self {
            Cache::Apt => {
                "apt's package lists and downloaded archives are in the layer: end the same RUN with \
                 `rm -rf /var/lib/apt/lists/*` (and `apt-get clean`), use `--no-install-recommends`, or a cache mount \
                 (`RUN --mount=type=cache,target=/var/cache/apt`)."
            }
            Cache::Apk => "apk's cache is in the layer: install with `apk add --no-cache`.",
            Cache::Yum => {
                "yum/dnf's cache is in the layer: end the same RUN with `yum clean all` (`dnf clean all`) and \
                 `rm -rf /var/cache/yum /var/cache/dnf`."
            }
            Cache::Pip => {
                "pip's cache is in the layer: install with `pip install --no-cache-dir`, or a cache mount \
                 (`RUN --mount=type=cache,target=/root/.cache/pip`)."
            }
            Cache::Npm => {
                "npm's cache is in the layer: end the same RUN with `npm cache clean --force`, or use a cache mount \
                 for `/root/.npm`."
            }
            Cache::Yarn => {
                "yarn's cache is in the layer: end the same RUN with `yarn cache clean`, or use a cache mount for it."
            }
            Cache::Go => {
                "Go's module and build caches are in the layer: build in a separate stage (or with cache mounts for \
                 `/root/go/pkg/mod` and `/root/.cache/go-build`) and copy only the binary."
            }
            Cache::Cargo => {
                "Cargo's registry and build output are in the layer: build in a separate stage (or with cache mounts \
                 for `/usr/local/cargo/registry` and `target/`) and copy only the binary."
            }
        }
    }
}

/// The value of the first group of `patterns` one of whose segments `path`
/// holds as a run of whole components, at a component boundary. This runs
/// for every file of the image, so it allocates nothing and tests a segment
/// only where the component starts with the segment's first byte.
fn find_segment<T: Copy>(path: &[u8], patterns: &[(T, &[&[u8]])]) -> Option<T> {
    let mut start = 0;
    while start < path.len() {
        let rest = &path[start..];
        let first = rest[0];
        for &(value, segments) in patterns {
            for &segment in segments {
                if segment[0] == first
                    && rest.starts_with(segment)
                    && (rest.len() == segment.len() || rest[segment.len()] == b'/')
                {
                    return Some(value);
                }
            }
        }
        match rest.iter().position(|&b| b == b'/') {
            Some(slash) => start += slash + 1,
            None => break,
        }
    }
    None
}

/// The package manager whose cache `path` belongs to.
pub fn cache_of(path: &[u8]) -> Option<Cache> {
    const CACHES: &[(Cache, &[&[u8]])] = &[
        (Cache::Apt, &[b"var/lib/apt/lists", b"var/cache/apt"]),
        (Cache::Apk, &[b"var/cache/apk"]),
        (Cache::Yum, &[b"var/cache/yum", b"var/cache/dnf"]),
        (Cache::Pip, &[b".cache/pip"]),
        (Cache::Npm, &[b".npm/_cacache"]),
        (Cache::Yarn, &[b".cache/yarn"]),
        (Cache::Go, &[b"go/pkg/mod", b".cache/go-build"]),
        (Cache::Cargo, &[b".cargo/registry", b"cargo/registry"]),
    ];
    find_segment(path, CACHES)
}

/// Is `path` one of apt's package lists (rather than its archive cache)?
pub fn is_apt_list(path: &[u8]) -> bool {
    find_segment(path, &[((), &[b"var/lib/apt/lists"])]).is_some()
}

/// A path whose name says it holds a secret: private keys, `.env` files,
/// cloud and registry credentials. Key and certificate files (`.pem`,
/// `.crt`, `.key`, `.p12`, `.jks`, ...) are not among them: their content
/// decides ([`crate::layer::secret_content`]), as most are public
/// certificates and CA bundles.
pub fn is_secret(path: &[u8]) -> bool {
    // Whole last components (private keys by their usual names) and
    // credential files under their usual folders.
    const TAILS: &[&[u8]] = &[
        b"id_rsa",
        b"id_dsa",
        b"id_ecdsa",
        b"id_ed25519",
        b"id_ecdsa_sk",
        b"id_ed25519_sk",
        b".aws/credentials",
        b".docker/config.json",
        b".git-credentials",
        b".npmrc",
        b".pypirc",
        b".netrc",
        b".kube/config",
        b".config/gcloud/credentials.db",
    ];
    let (_, name) = path::split_last(path);
    let env_file = name == b".env"
        || (name.starts_with(b".env.")
            && ![&b".env.example"[..], b".env.sample", b".env.template"].contains(&name));
    env_file
        || TAILS.iter().any(|tail| {
            path.ends_with(tail)
                && (path.len() == tail.len() || path[path.len() - tail.len() - 1] == b'/')
        })
}

/// A path that a runtime image rarely needs: VCS folders, compilers and
/// toolchains, test folders, documentation.
pub fn is_leftover(path: &[u8]) -> bool {
    const SEGMENTS: &[&[u8]] = &[
        b".git",
        b".svn",
        b".hg",
        b"usr/share/doc",
        b"usr/share/man",
        b"usr/share/info",
        b"usr/lib/gcc",
        b"usr/libexec/gcc",
        b"usr/local/go/pkg/tool",
        b"node_modules/.cache",
        b"__tests__",
    ];
    const COMPILERS: &[&[u8]] = &[
        b"gcc", b"g++", b"cc", b"c++", b"clang", b"rustc", b"javac", b"go",
    ];
    if find_segment(path, &[((), SEGMENTS)]).is_some() {
        return true;
    }
    let (dir, name) = path::split_last(path);
    // A compiler in a bin directory.
    matches!(dir, b"usr/bin" | b"usr/local/bin" | b"bin")
        && (COMPILERS.contains(&name)
            || name.starts_with(b"gcc-")
            || name.starts_with(b"x86_64-linux-gnu-gcc"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caches() {
        assert_eq!(
            cache_of(b"var/lib/apt/lists/deb.debian.org_InRelease"),
            Some(Cache::Apt)
        );
        assert_eq!(
            cache_of(b"var/cache/apt/archives/gcc.deb"),
            Some(Cache::Apt)
        );
        assert_eq!(cache_of(b"var/cache/apk/APKINDEX.tar.gz"), Some(Cache::Apk));
        assert_eq!(cache_of(b"root/.cache/pip/http/x"), Some(Cache::Pip));
        assert_eq!(cache_of(b"home/app/.cache/pip/x"), Some(Cache::Pip));
        assert_eq!(cache_of(b"root/go/pkg/mod/github.com/x"), Some(Cache::Go));
        assert_eq!(cache_of(b"var/lib/apt/extended_states"), None);
        assert_eq!(cache_of(b"srv/var/cache/apkx/y"), None);
    }

    #[test]
    fn secrets() {
        assert!(is_secret(b"root/.ssh/id_rsa"));
        assert!(!is_secret(b"root/.ssh/id_rsa.pub"));
        assert!(is_secret(b"app/.env"));
        assert!(is_secret(b"app/.env.production"));
        assert!(!is_secret(b"app/.env.example"));
        assert!(is_secret(b"root/.aws/credentials"));
        assert!(is_secret(b"root/.docker/config.json"));
        assert!(!is_secret(b"app/docker/config.json"));
        // Key and certificate files: their content decides.
        assert!(!is_secret(b"etc/app/tls.key"));
        assert!(!is_secret(b"etc/ssl/certs/ca.pem"));
        assert!(!is_secret(b"usr/lib/ssl/cert.pem"));
        assert!(!is_secret(
            b"usr/lib/python3/dist-packages/certifi/cacert.pem"
        ));
        assert!(!is_secret(b"tmp/ca.crt"));
        assert!(!is_secret(b"etc/ssl/certs/java/cacerts"));
        assert!(!is_secret(b"app/keyboard.txt"));
    }

    #[test]
    fn leftovers() {
        assert!(is_leftover(b"app/.git/objects/ab/cdef"));
        assert!(is_leftover(b"usr/share/doc/gcc/copyright"));
        assert!(is_leftover(b"usr/bin/gcc"));
        assert!(is_leftover(b"usr/bin/gcc-12"));
        assert!(is_leftover(b"usr/lib/gcc/x86_64-linux-gnu/12/cc1"));
        assert!(!is_leftover(b"usr/bin/python3"));
        assert!(!is_leftover(b"app/.github/workflows/ci.yml"));
        assert!(!is_leftover(b"app/gitignore"));
    }
}
