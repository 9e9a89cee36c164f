//! Credentials for a registry, found where docker, podman and skopeo look:
//! `$REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json`, then
//! `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`). In each
//! file: `credHelpers[host]`, else `auths[host]` (`auth` or
//! `identitytoken`), else `credsStore`. Helpers are run as
//! `docker-credential-NAME get`. Nothing found is an anonymous pull.
//!
//! The secrets live in [`Credentials`], whose `Debug` prints no secret, and
//! no error built here holds one.

use std::collections::HashMap;
use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;

use crate::error::{Error, Result};
use crate::safe_text::sanitize;

/// What a registry is asked with.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// A user name and a password (or a personal access token).
    Basic { user: String, password: String },
    /// An OAuth2 refresh token (`identitytoken`), exchanged at the token realm.
    IdentityToken(String),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Basic { .. } => f.write_str("Credentials::Basic(<redacted>)"),
            Credentials::IdentityToken(_) => f.write_str("Credentials::IdentityToken(<redacted>)"),
        }
    }
}

impl Credentials {
    /// The `Authorization: Basic …` value, when these are a user and a password.
    pub fn basic_header(&self) -> Option<String> {
        match self {
            Credentials::Basic { user, password } => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            )),
            Credentials::IdentityToken(_) => None,
        }
    }
}

/// The auth files, in the order they are asked, from the environment.
pub fn auth_files() -> Vec<PathBuf> {
    let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let mut files = Vec::new();
    if let Some(file) = env("REGISTRY_AUTH_FILE") {
        files.push(PathBuf::from(file));
    }
    if let Some(dir) = env("XDG_RUNTIME_DIR") {
        files.push(Path::new(&dir).join("containers/auth.json"));
    }
    match (env("DOCKER_CONFIG"), env("HOME")) {
        (Some(dir), _) => files.push(Path::new(&dir).join("config.json")),
        (None, Some(home)) => files.push(Path::new(&home).join(".docker/config.json")),
        (None, None) => {}
    }
    files
}

/// The credentials for `registry` (as the user wrote it, `docker.io` for
/// Docker Hub) from the first of `files` that has some, and where they
/// were found (a file, a helper: never the secret).
pub fn find(registry: &str, files: &[PathBuf]) -> Result<Option<(Credentials, String)>> {
    for file in files {
        let Ok(bytes) = std::fs::read(file) else {
            continue;
        };
        let what = file.display().to_string();
        let config = AuthFile::parse(&bytes, &what)?;
        if let Some(found) = config.lookup(registry, &what)? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AuthFile {
    #[serde(default)]
    auths: HashMap<String, AuthEntry>,
    #[serde(default)]
    cred_helpers: HashMap<String, String>,
    creds_store: Option<String>,
}

#[derive(Default, serde::Deserialize)]
struct AuthEntry {
    auth: Option<String>,
    identitytoken: Option<String>,
}

impl fmt::Debug for AuthEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthEntry(<redacted>)")
    }
}

/// What an auth file holds for a registry, before any helper runs.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Stored<'a> {
    /// Credentials in the file, and where they were found.
    Found(Credentials, String),
    /// The helper (`credHelpers` or `credsStore`) to ask.
    Helper(&'a str),
    Nothing,
}

impl AuthFile {
    /// An auth file's bytes (`what` names it in the error).
    pub(crate) fn parse(bytes: &[u8], what: &str) -> Result<AuthFile> {
        serde_json::from_slice(bytes)
            .map_err(|e| Error::invalid(what, format!("not a registry auth file: {e}")))
    }

    fn lookup(&self, registry: &str, what: &str) -> Result<Option<(Credentials, String)>> {
        match self.stored(registry, what)? {
            Stored::Found(credentials, found) => Ok(Some((credentials, found))),
            Stored::Helper(helper) => run_helper(helper, registry),
            Stored::Nothing => Ok(None),
        }
    }

    /// What the file says for `registry`: `credHelpers[host]`, else
    /// `auths[host]`, else `credsStore`.
    pub(crate) fn stored(&self, registry: &str, what: &str) -> Result<Stored<'_>> {
        let keys = host_keys(registry);
        if let Some(helper) = keys.iter().find_map(|k| {
            self.cred_helpers
                .iter()
                .find(|(key, _)| normalize(key) == *k)
                .map(|(_, helper)| helper)
        }) {
            return Ok(Stored::Helper(helper));
        }
        let found = |c: Credentials| Stored::Found(c, what.to_string());
        for (key, entry) in &self.auths {
            if !keys.contains(&normalize(key)) {
                continue;
            }
            if let Some(token) = entry.identitytoken.as_ref().filter(|t| !t.is_empty()) {
                return Ok(found(Credentials::IdentityToken(token.clone())));
            }
            if let Some(auth) = entry.auth.as_ref().filter(|a| !a.is_empty()) {
                return decode_auth(auth).map(found).ok_or_else(|| {
                    Error::invalid(
                        what,
                        format!(
                            "the 'auth' of '{}' is not base64 of USER:PASSWORD",
                            sanitize(key)
                        ),
                    )
                });
            }
        }
        Ok(match &self.creds_store {
            Some(store) if !store.is_empty() => Stored::Helper(store),
            _ => Stored::Nothing,
        })
    }
}

/// The names a registry goes by in auth files (Docker Hub has several).
fn host_keys(registry: &str) -> Vec<String> {
    if matches!(
        registry,
        "docker.io" | "index.docker.io" | "registry-1.docker.io"
    ) {
        return ["docker.io", "index.docker.io", "registry-1.docker.io"]
            .map(String::from)
            .to_vec();
    }
    vec![registry.to_string()]
}

/// An auth file key as a bare `HOST[:PORT]` (`https://index.docker.io/v1/`
/// → `index.docker.io`).
fn normalize(key: &str) -> String {
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    key.split('/').next().unwrap_or(key).to_string()
}

fn decode_auth(auth: &str) -> Option<Credentials> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(auth.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (user, password) = text.split_once(':')?;
    Some(Credentials::Basic {
        user: user.to_string(),
        password: password.to_string(),
    })
}

/// How long a credential helper may take (it may ask a keyring).
const HELPER_TIMEOUT: Duration = Duration::from_secs(30);

/// `docker-credential-NAME get`, given the server on stdin: `{"Username",
/// "Secret"}`, a `<token>` user meaning an identity token. A helper that
/// knows no credentials for it answers so and exits 1: an anonymous pull.
fn run_helper(name: &str, registry: &str) -> Result<Option<(Credentials, String)>> {
    let program = format!("docker-credential-{name}");
    let what = format!("credential helper {}", sanitize(&program));
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(Error::Config(format!("{what}: not a helper name")));
    }
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| Error::Config(format!("{what}: cannot run it ({e})")))?;
    let server = if host_keys(registry).len() > 1 {
        "https://index.docker.io/v1/".to_string()
    } else {
        registry.to_string()
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(server.as_bytes());
    }
    // Read on a thread, so that a helper that never ends is killed in time.
    let stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(stdout) = stdout {
            let _ = stdout.take(1 << 20).read_to_end(&mut out);
        }
        out
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child
            .try_wait()
            .map_err(|e| Error::Config(format!("{what}: {e}")))?
        {
            break status;
        }
        if started.elapsed() > HELPER_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::Config(format!(
                "{what}: no answer within {} s",
                HELPER_TIMEOUT.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = reader.join().unwrap_or_default();
    if !status.success() {
        // "credentials not found in native keychain": nothing stored for it.
        return Ok(None);
    }
    #[derive(serde::Deserialize)]
    struct Answer {
        #[serde(rename = "Username", default)]
        username: String,
        #[serde(rename = "Secret", default)]
        secret: String,
    }
    let answer: Answer = serde_json::from_slice(&out)
        .map_err(|_| Error::Config(format!("{what}: its answer is not the expected JSON")))?;
    if answer.secret.is_empty() {
        return Ok(None);
    }
    let credentials = if answer.username == "<token>" {
        Credentials::IdentityToken(answer.secret)
    } else {
        Credentials::Basic {
            user: answer.username,
            password: answer.secret,
        }
    };
    Ok(Some((credentials, what)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, json: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, json).unwrap();
        path
    }

    #[test]
    fn finds_auths_in_the_first_file_that_has_them() {
        let dir = tempfile::tempdir().unwrap();
        let auth = base64::engine::general_purpose::STANDARD.encode("u:p:w");
        let podman = write(
            dir.path(),
            "auth.json",
            &format!(r#"{{"auths":{{"reg.example:5000":{{"auth":"{auth}"}}}}}}"#),
        );
        let docker = write(
            dir.path(),
            "config.json",
            r#"{"auths":{"https://index.docker.io/v1/":{"identitytoken":"tok"}}}"#,
        );
        let files = [dir.path().join("missing.json"), podman, docker];
        let creds = |r: &str| find(r, &files).unwrap().map(|(c, _)| c);
        assert_eq!(
            creds("reg.example:5000"),
            Some(Credentials::Basic {
                user: "u".into(),
                password: "p:w".into()
            })
        );
        assert_eq!(
            creds("docker.io"),
            Some(Credentials::IdentityToken("tok".into()))
        );
        assert_eq!(creds("other.example"), None);
    }

    #[test]
    fn a_helper_that_cannot_run_is_named_and_secrets_are_not_printed() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(
            dir.path(),
            "config.json",
            r#"{"credHelpers":{"reg.example":"peel-test-absent"}}"#,
        );
        let err = find("reg.example", &[file]).unwrap_err().to_string();
        assert!(err.contains("docker-credential-peel-test-absent"), "{err}");
        let creds = Credentials::Basic {
            user: "u".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{creds:?}").contains("hunter2"));
    }
}
