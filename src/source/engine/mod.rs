//! Finding the engine the way the docker CLI does: `DOCKER_HOST` (with
//! `DOCKER_TLS_VERIFY` / `DOCKER_CERT_PATH`), then the current context
//! (`DOCKER_CONTEXT`, `currentContext` in `config.json`, the context store
//! under `contexts/meta/`), then the default socket. Podman: `CONTAINER_HOST`,
//! then the rootless and the rootful sockets.
//!
//! Pure: the environment is passed in, so every rule is unit-tested.

use std::path::{Path, PathBuf};

use super::SourceKind;
use crate::error::{Error, Result};
use context::{current_context, read_context};
pub use error::DiscoveryError;

mod context;
mod error;

/// The docker CLI's default socket.
pub const DEFAULT_DOCKER_SOCKET: &str = "unix:///var/run/docker.sock";
/// Podman's rootful API socket.
pub const PODMAN_SYSTEM_SOCKET: &str = "/run/podman/podman.sock";

/// Where an engine listens, and how peel learned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `unix:///path`, `tcp://host:port`, `http://...` or `https://...`.
    pub host: String,
    pub tls: Option<Tls>,
    /// For messages: `DOCKER_HOST`, `context "x" (path)`, `the default socket`.
    pub origin: String,
    pub kind: SourceKind,
}

/// Client TLS material (the docker CLI's `ca.pem`, `cert.pem`, `key.pem`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tls {
    pub dir: PathBuf,
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Tls {
    fn in_dir(dir: PathBuf) -> Self {
        Tls {
            ca: dir.join("ca.pem"),
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
            dir,
        }
    }
}

impl Endpoint {
    /// The engine's name for messages: "Docker" or "Podman".
    pub fn engine_name(&self) -> &'static str {
        match self.kind {
            SourceKind::Podman => "Podman",
            _ => "Docker",
        }
    }

    /// The socket path of a `unix://` endpoint.
    pub fn socket(&self) -> Option<&str> {
        self.host.strip_prefix("unix://")
    }
}

/// The environment discovery reads: variables, and the home directory.
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
    fn home(&self) -> Option<PathBuf>;
    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        std::fs::read(path)
    }
}

/// The process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
    fn home(&self) -> Option<PathBuf> {
        std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
    }
}

/// Find the engine for `kind` (Docker or Podman).
pub fn discover(kind: SourceKind, env: &dyn Env) -> Result<Endpoint> {
    match kind {
        SourceKind::Podman => discover_podman(env),
        _ => discover_docker(env),
    }
    .map_err(Error::from)
}

/// The docker CLI's configuration directory: `DOCKER_CONFIG` or `~/.docker`.
fn config_dir(env: &dyn Env) -> Option<PathBuf> {
    env.var("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| env.home().map(|h| h.join(".docker")))
}

fn discover_docker(env: &dyn Env) -> Result<Endpoint, DiscoveryError> {
    // As the docker CLI: DOCKER_HOST wins over any context.
    if let Some(host) = env.var("DOCKER_HOST") {
        let tls = if truthy(env.var("DOCKER_TLS_VERIFY")) || truthy(env.var("DOCKER_TLS")) {
            let dir = env
                .var("DOCKER_CERT_PATH")
                .map(PathBuf::from)
                .or_else(|| config_dir(env));
            let Some(dir) = dir else {
                return Err(DiscoveryError::NoCertDir);
            };
            Some(Tls::in_dir(dir))
        } else {
            None
        };
        return Ok(Endpoint {
            host: normalise_host(&host, tls.is_some())?,
            tls,
            origin: "DOCKER_HOST".into(),
            kind: SourceKind::Docker,
        });
    }
    let config = config_dir(env);
    let (context, from) = match env.var("DOCKER_CONTEXT") {
        Some(name) => (Some(name), "DOCKER_CONTEXT"),
        None => (
            config
                .as_deref()
                .and_then(|dir| current_context(env, dir))
                .transpose()?,
            "currentContext in config.json",
        ),
    };
    match context {
        Some(name) if name != "default" => {
            let Some(config) = config else {
                return Err(DiscoveryError::NoConfigDir {
                    name,
                    from: from.into(),
                });
            };
            read_context(env, &config, &name, from)
        }
        _ => Ok(Endpoint {
            host: DEFAULT_DOCKER_SOCKET.into(),
            tls: None,
            origin: "the default socket".into(),
            kind: SourceKind::Docker,
        }),
    }
}

fn discover_podman(env: &dyn Env) -> Result<Endpoint, DiscoveryError> {
    if let Some(host) = env.var("CONTAINER_HOST") {
        return Ok(Endpoint {
            host: normalise_host(&host, false)?,
            tls: None,
            origin: "CONTAINER_HOST".into(),
            kind: SourceKind::Podman,
        });
    }
    let mut tried = Vec::new();
    if let Some(runtime) = env.var("XDG_RUNTIME_DIR") {
        let path = Path::new(&runtime).join("podman").join("podman.sock");
        if env.exists(&path) {
            return Ok(podman_socket(&path, "the rootless Podman socket"));
        }
        tried.push(path);
    }
    let system = PathBuf::from(PODMAN_SYSTEM_SOCKET);
    if env.exists(&system) || tried.is_empty() {
        return Ok(podman_socket(&system, "the rootful Podman socket"));
    }
    tried.push(system);
    let tried: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
    Err(DiscoveryError::NoPodmanSocket { tried })
}

fn podman_socket(path: &Path, origin: &str) -> Endpoint {
    Endpoint {
        host: format!("unix://{}", path.display()),
        tls: None,
        origin: origin.into(),
        kind: SourceKind::Podman,
    }
}

/// Check a host's scheme, and give `tcp://` the scheme its TLS setting implies.
fn normalise_host(host: &str, tls: bool) -> Result<String, DiscoveryError> {
    let host = host.trim();
    if let Some(path) = host.strip_prefix("unix://") {
        if path.is_empty() {
            return Err(DiscoveryError::NoSocket { host: host.into() });
        }
        return Ok(host.to_string());
    }
    if let Some(rest) = host
        .strip_prefix("tcp://")
        .or_else(|| host.strip_prefix("http://"))
        .or_else(|| host.strip_prefix("https://"))
    {
        let rest = rest.trim_end_matches('/');
        if rest.is_empty() {
            return Err(DiscoveryError::NoAddress { host: host.into() });
        }
        let scheme = if tls || host.starts_with("https://") {
            "https"
        } else {
            "http"
        };
        let with_port = if rest
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        {
            rest.to_string()
        } else {
            // The docker CLI's defaults: 2376 with TLS, 2375 without.
            format!("{rest}:{}", if scheme == "https" { 2376 } else { 2375 })
        };
        return Ok(format!("{scheme}://{with_port}"));
    }
    if host.starts_with('/') {
        return Ok(format!("unix://{host}"));
    }
    if host.starts_with("ssh://") {
        return Err(DiscoveryError::Ssh { host: host.into() });
    }
    Err(DiscoveryError::UnknownScheme { host: host.into() })
}

fn truthy(value: Option<String>) -> bool {
    value.is_some_and(|v| !matches!(v.trim(), "" | "0" | "false" | "FALSE" | "False"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[derive(Default)]
    struct FakeEnv {
        vars: HashMap<String, String>,
        files: HashMap<PathBuf, Vec<u8>>,
    }

    impl FakeEnv {
        fn var(mut self, k: &str, v: &str) -> Self {
            self.vars.insert(k.into(), v.into());
            self
        }
        fn file(mut self, p: impl Into<PathBuf>, bytes: &str) -> Self {
            self.files.insert(p.into(), bytes.as_bytes().to_vec());
            self
        }
    }

    impl Env for FakeEnv {
        fn var(&self, name: &str) -> Option<String> {
            self.vars.get(name).cloned()
        }
        fn home(&self) -> Option<PathBuf> {
            Some("/home/u".into())
        }
        fn exists(&self, path: &Path) -> bool {
            self.files.contains_key(path)
        }
        fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
            self.files
                .get(path)
                .cloned()
                .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
        }
    }

    fn docker(env: &FakeEnv) -> Result<Endpoint> {
        discover(SourceKind::Docker, env)
    }

    fn ctx_meta(name: &str) -> PathBuf {
        let id = context::id(name);
        PathBuf::from(format!("/home/u/.docker/contexts/meta/{id}/meta.json"))
    }

    #[test]
    fn default_socket_without_anything() {
        let e = docker(&FakeEnv::default()).unwrap();
        assert_eq!(e.host, "unix:///var/run/docker.sock");
        assert_eq!(e.tls, None);
    }

    #[test]
    fn docker_host_unix_and_tcp() {
        let e = docker(&FakeEnv::default().var("DOCKER_HOST", "unix:///tmp/d.sock")).unwrap();
        assert_eq!(e.host, "unix:///tmp/d.sock");
        assert_eq!(e.socket(), Some("/tmp/d.sock"));
        let e = docker(&FakeEnv::default().var("DOCKER_HOST", "tcp://127.0.0.1:2375")).unwrap();
        assert_eq!(e.host, "http://127.0.0.1:2375");
        let e = docker(&FakeEnv::default().var("DOCKER_HOST", "tcp://example")).unwrap();
        assert_eq!(e.host, "http://example:2375");
    }

    #[test]
    fn docker_host_with_tls() {
        let env = FakeEnv::default()
            .var("DOCKER_HOST", "tcp://10.0.0.1:2376")
            .var("DOCKER_TLS_VERIFY", "1")
            .var("DOCKER_CERT_PATH", "/certs");
        let e = docker(&env).unwrap();
        assert_eq!(e.host, "https://10.0.0.1:2376");
        let tls = e.tls.unwrap();
        assert_eq!(tls.ca, PathBuf::from("/certs/ca.pem"));
        assert_eq!(tls.key, PathBuf::from("/certs/key.pem"));
        // Without DOCKER_CERT_PATH: ~/.docker.
        let env = FakeEnv::default()
            .var("DOCKER_HOST", "tcp://h")
            .var("DOCKER_TLS_VERIFY", "1");
        let e = docker(&env).unwrap();
        assert_eq!(e.host, "https://h:2376");
        assert_eq!(
            e.tls.unwrap().cert,
            PathBuf::from("/home/u/.docker/cert.pem")
        );
    }

    #[test]
    fn docker_host_wins_over_context() {
        let env = FakeEnv::default()
            .var("DOCKER_HOST", "unix:///a.sock")
            .var("DOCKER_CONTEXT", "other");
        assert_eq!(docker(&env).unwrap().host, "unix:///a.sock");
    }

    #[test]
    fn context_from_config_json_and_from_env() {
        let meta = r#"{"Name":"remote","Metadata":{},"Endpoints":{"docker":{"Host":"unix:///ctx.sock","SkipTLSVerify":false}}}"#;
        let env = FakeEnv::default()
            .file(
                "/home/u/.docker/config.json",
                r#"{"currentContext":"remote"}"#,
            )
            .file(ctx_meta("remote"), meta);
        let e = docker(&env).unwrap();
        assert_eq!(e.host, "unix:///ctx.sock");
        assert!(e.origin.contains("\"remote\""), "{}", e.origin);
        // DOCKER_CONTEXT wins over config.json; "default" is the default socket.
        let env = env.var("DOCKER_CONTEXT", "default");
        assert_eq!(docker(&env).unwrap().host, DEFAULT_DOCKER_SOCKET);
        // DOCKER_CONFIG moves the store.
        let env = FakeEnv::default()
            .var("DOCKER_CONFIG", "/cfg")
            .var("DOCKER_CONTEXT", "remote")
            .file(
                format!("/cfg/contexts/meta/{}/meta.json", context::id("remote")),
                meta,
            );
        assert_eq!(docker(&env).unwrap().host, "unix:///ctx.sock");
    }

    #[test]
    fn context_with_tls_files() {
        let id = context::id("secure");
        let env = FakeEnv::default()
            .var("DOCKER_CONTEXT", "secure")
            .file(
                ctx_meta("secure"),
                r#"{"Endpoints":{"docker":{"Host":"tcp://h:2376"}}}"#,
            )
            .file(
                format!("/home/u/.docker/contexts/tls/{id}/docker/ca.pem"),
                "x",
            );
        let e = docker(&env).unwrap();
        assert_eq!(e.host, "https://h:2376");
        assert_eq!(
            e.tls.unwrap().dir,
            PathBuf::from(format!("/home/u/.docker/contexts/tls/{id}/docker"))
        );
    }

    #[test]
    fn missing_or_bad_context_is_a_clear_error() {
        let err = docker(&FakeEnv::default().var("DOCKER_CONTEXT", "nope"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"nope\"") && err.contains("docker context ls"),
            "{err}"
        );
        let err = docker(&FakeEnv::default().file("/home/u/.docker/config.json", "{not json"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("config.json"), "{err}");
        let err = docker(&FakeEnv::default().var("DOCKER_HOST", "ssh://u@h"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("ssh"), "{err}");
    }

    #[test]
    fn podman_sockets() {
        let env = FakeEnv::default().var("CONTAINER_HOST", "unix:///p.sock");
        let e = discover(SourceKind::Podman, &env).unwrap();
        assert_eq!(
            (e.host.as_str(), e.engine_name()),
            ("unix:///p.sock", "Podman")
        );
        let env = FakeEnv::default()
            .var("XDG_RUNTIME_DIR", "/run/user/1000")
            .file("/run/user/1000/podman/podman.sock", "");
        let e = discover(SourceKind::Podman, &env).unwrap();
        assert_eq!(e.host, "unix:///run/user/1000/podman/podman.sock");
        let env = FakeEnv::default().file(PODMAN_SYSTEM_SOCKET, "");
        let e = discover(SourceKind::Podman, &env).unwrap();
        assert_eq!(e.host, "unix:///run/podman/podman.sock");
        // Neither socket there: say what was tried.
        let env = FakeEnv::default().var("XDG_RUNTIME_DIR", "/run/user/1000");
        let err = discover(SourceKind::Podman, &env).unwrap_err().to_string();
        assert!(
            err.contains("/run/user/1000/podman/podman.sock") && err.contains("CONTAINER_HOST"),
            "{err}"
        );
    }
}
