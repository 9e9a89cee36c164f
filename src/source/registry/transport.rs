//! HTTP to one repository of one registry: TLS (system roots, the
//! `certs.d` CA folders, or no verification), authentication (anonymous,
//! basic, the bearer-token flow, tokens fetched again when they expire) and
//! retries with backoff on 429, 5xx and failed connections.
//!
//! One [`Client`] is shared by every worker thread: `ureq`'s agent pools
//! connections, and the token sits behind a mutex.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::http::Response;
use ureq::tls::{Certificate, RootCerts, TlsConfig};
use ureq::{Agent, Body};

use super::Options;
use super::challenge::{self, Challenge};
use super::credentials::Credentials;
use super::reference::RegistryRef;
use crate::error::{Error, Result};
use crate::safe_text::sanitize;

/// `PEEL_REGISTRY_TIMEOUT`: seconds to connect, to wait for an answer, or
/// between two reads of a body (default 30).
pub const TIMEOUT_ENV: &str = "PEEL_REGISTRY_TIMEOUT";
/// How many times a request is tried again after a failure that may pass.
const RETRIES: u32 = 4;
/// The first pause between two tries; it doubles after each.
const BACKOFF: Duration = Duration::from_millis(250);
/// The longest `Retry-After` peel waits for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);
/// Largest error or token answer read.
const SMALL_BODY: u64 = 1 << 20;

/// The current `Authorization` header.
#[derive(Default)]
struct Auth {
    header: Option<String>,
    /// When a token stops being valid (with a margin), when it says.
    expires: Option<Instant>,
}

pub struct Client {
    agent: Agent,
    /// `https://HOST[:PORT]` (or `http://` with `--plain-http`).
    base: String,
    repository: String,
    /// The reference as the user wrote it, for errors.
    pub what: String,
    credentials: Option<(Credentials, String)>,
    auth: Mutex<Auth>,
    last_challenge: Mutex<Option<Challenge>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Client({})", self.what)
    }
}

/// Why a request failed, before it is named.
pub enum Failure {
    /// An answer with this status (after retries and authentication).
    Status(Box<Response<Body>>),
    /// No usable answer: the connection failed, timed out or was cut, or
    /// the registry's authentication could not be met.
    Transport(String),
}

impl From<String> for Failure {
    fn from(reason: String) -> Self {
        Failure::Transport(reason)
    }
}

impl Client {
    pub fn new(
        reference: &RegistryRef,
        options: &Options,
        what: &str,
        credentials: Option<(Credentials, String)>,
    ) -> Result<Self> {
        let timeout = timeout_from_env()?;
        // Plain HTTP needs no roots (loading the system's costs time and memory).
        let tls = tls_config(
            reference.api_host(),
            options.tls_verify && !options.plain_http,
            &certs_dirs(),
        )?;
        let config = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(10)
            .user_agent(concat!("peel/", env!("CARGO_PKG_VERSION")))
            .timeout_connect(Some(timeout))
            .timeout_recv_response(Some(timeout))
            .timeout_per_read(Some(timeout))
            .tls_config(tls)
            // ureq's 128 KiB each, zeroed, per connection (`--jobs` of
            // them): a request's headers and a response's fit in less.
            .input_buffer_size(64 * 1024)
            .output_buffer_size(32 * 1024)
            .build();
        let scheme = if options.plain_http { "http" } else { "https" };
        Ok(Client {
            agent: config.new_agent(),
            base: format!("{scheme}://{}", reference.api_host()),
            repository: reference.repository.clone(),
            what: what.to_string(),
            credentials,
            auth: Mutex::new(Auth::default()),
            last_challenge: Mutex::new(None),
        })
    }

    /// `GET /v2/<repository>/<path>`, answered 2xx (or the failure).
    pub fn get(
        &self,
        path: &str,
        accept: Option<&str>,
        from: Option<u64>,
    ) -> std::result::Result<Response<Body>, Failure> {
        let url = format!("{}/v2/{}/{path}", self.base, self.repository);
        let mut authenticated = false;
        let mut tries = 0;
        loop {
            self.refresh_if_expired();
            let mut request = self.agent.get(&url);
            if let Some(accept) = accept {
                request = request.header("Accept", accept);
            }
            if let Some(from) = from.filter(|f| *f > 0) {
                request = request.header("Range", format!("bytes={from}-"));
            }
            if let Some(header) = self.auth_header() {
                request = request.header("Authorization", header);
            }
            let failure = match request.call() {
                Ok(response) if response.status().is_success() => return Ok(response),
                Ok(response) if response.status() == 401 && !authenticated => {
                    authenticated = true;
                    self.authenticate(&response)?;
                    continue;
                }
                Ok(response) if retryable(response.status().as_u16()) => {
                    if tries >= RETRIES {
                        return Err(Failure::Status(Box::new(response)));
                    }
                    let wait = retry_after(&response).unwrap_or(BACKOFF * 2u32.pow(tries));
                    std::thread::sleep(wait);
                    tries += 1;
                    continue;
                }
                Ok(response) => return Err(Failure::Status(Box::new(response))),
                Err(e) => transport_error(&e),
            };
            if tries >= RETRIES || !failure.1 {
                let tried = if tries > 0 {
                    format!(" ({} tries)", tries + 1)
                } else {
                    String::new()
                };
                return Err(Failure::Transport(format!("{}{tried}", failure.0)));
            }
            std::thread::sleep(BACKOFF * 2u32.pow(tries));
            tries += 1;
        }
    }

    fn auth_header(&self) -> Option<String> {
        self.auth
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .header
            .clone()
    }

    /// A token past its lifetime is fetched again before the next request.
    fn refresh_if_expired(&self) {
        let expired = {
            let auth = self.auth.lock().unwrap_or_else(|p| p.into_inner());
            auth.expires.is_some_and(|t| Instant::now() >= t)
        };
        if !expired {
            return;
        }
        let challenge = self
            .last_challenge
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(challenge) = challenge {
            // A failure here shows as the 401 that follows.
            let _ = self.answer(&challenge);
        }
    }

    /// Answer a 401's challenge: a token, or the basic credentials.
    fn authenticate(&self, response: &Response<Body>) -> std::result::Result<(), Failure> {
        let header = response
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let Some(challenge) = challenge::parse(header) else {
            return Err(Failure::Transport(format!(
                "401 Unauthorized with an authentication scheme peel does not speak ('{}')",
                sanitize(header.split(' ').next().unwrap_or(""))
            )));
        };
        *self
            .last_challenge
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(challenge.clone());
        self.answer(&challenge)
    }

    fn answer(&self, challenge: &Challenge) -> std::result::Result<(), Failure> {
        let (header, expires) = match challenge {
            Challenge::Basic => match self
                .credentials
                .as_ref()
                .and_then(|(c, _)| c.basic_header())
            {
                Some(header) => (header, None),
                None => return Err(self.unauthorized().into()),
            },
            Challenge::Bearer {
                realm,
                service,
                scope,
            } => {
                let scope = scope
                    .clone()
                    .unwrap_or_else(|| format!("repository:{}:pull", self.repository));
                let (token, lifetime) = self.token(realm, service.as_deref(), &scope)?;
                (
                    format!("Bearer {token}"),
                    // Fetched again a little before it ends (a tenth of
                    // its life, at most 10 s).
                    lifetime.map(|l| Instant::now() + l - (l / 10).min(Duration::from_secs(10))),
                )
            }
        };
        let mut auth = self.auth.lock().unwrap_or_else(|p| p.into_inner());
        auth.header = Some(header);
        auth.expires = expires;
        Ok(())
    }

    /// What a 401 means here: no credentials, or credentials refused.
    pub fn unauthorized(&self) -> String {
        match &self.credentials {
            None => "401 Unauthorized: the registry wants credentials and none were found \
                     (docker login, podman login, or $REGISTRY_AUTH_FILE)"
                .to_string(),
            Some((_, origin)) => format!(
                "401 Unauthorized: the registry refused the credentials from {}",
                sanitize(origin)
            ),
        }
    }

    /// The bearer-token flow: GET the realm (basic credentials when there
    /// are some), or POST an identity token as an OAuth2 refresh token.
    fn token(
        &self,
        realm: &str,
        service: Option<&str>,
        scope: &str,
    ) -> std::result::Result<(String, Option<Duration>), Failure> {
        let mut form: Vec<(&str, &str)> = vec![("scope", scope)];
        if let Some(service) = service {
            form.push(("service", service));
        }
        let answer = match self.credentials.as_ref().map(|(c, _)| c) {
            Some(Credentials::IdentityToken(refresh)) => {
                form.extend([
                    ("grant_type", "refresh_token"),
                    ("client_id", "peel"),
                    ("refresh_token", refresh.as_str()),
                ]);
                self.agent.post(realm).send_form(form)
            }
            credentials => {
                let query: Vec<String> = form
                    .iter()
                    .map(|(k, v)| format!("{k}={}", url_encode(v)))
                    .collect();
                let sep = if realm.contains('?') { '&' } else { '?' };
                let mut request = self.agent.get(format!("{realm}{sep}{}", query.join("&")));
                if let Some(header) = credentials.and_then(Credentials::basic_header) {
                    request = request.header("Authorization", header);
                }
                request.call()
            }
        };
        let realm_text = sanitize(realm);
        let mut response =
            answer.map_err(|e| format!("token server {realm_text}: {}", transport_error(&e).0))?;
        let status = response.status().as_u16();
        if status == 401 || status == 403 {
            return Err(self.unauthorized().into());
        }
        if !response.status().is_success() {
            return Err(format!("token server {realm_text} answered {status}").into());
        }
        #[derive(serde::Deserialize)]
        struct TokenAnswer {
            token: Option<String>,
            access_token: Option<String>,
            expires_in: Option<u64>,
        }
        let body = response
            .body_mut()
            .with_config()
            .limit(SMALL_BODY)
            .read_to_vec()
            .map_err(|e| format!("token server {realm_text}: {e}"))?;
        let answer: TokenAnswer = serde_json::from_slice(&body)
            .map_err(|_| format!("token server {realm_text}: its answer is not a token"))?;
        let token = answer
            .token
            .or(answer.access_token)
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or_else(|| format!("token server {realm_text}: its answer holds no token"))?;
        Ok((token, answer.expires_in.map(Duration::from_secs)))
    }
}

/// Read a failed answer's error codes (`{"errors":[{"code","message"}]}`).
pub fn error_codes(response: &mut Response<Body>) -> Vec<(String, String)> {
    let body = response
        .body_mut()
        .with_config()
        .limit(SMALL_BODY)
        .read_to_vec()
        .unwrap_or_default();
    error_codes_of(&body)
}

/// The error codes and messages of an error body; none when it is not one.
pub(crate) fn error_codes_of(body: &[u8]) -> Vec<(String, String)> {
    #[derive(serde::Deserialize)]
    struct Errors {
        #[serde(default)]
        errors: Vec<Entry>,
    }
    #[derive(serde::Deserialize)]
    struct Entry {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    serde_json::from_slice::<Errors>(body)
        .map(|e| e.errors.into_iter().map(|e| (e.code, e.message)).collect())
        .unwrap_or_default()
}

fn retryable(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

fn retry_after(response: &Response<Body>) -> Option<Duration> {
    let secs: u64 = response
        .headers()
        .get("retry-after")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER))
}

/// A transport error as text, and whether trying again may help.
pub fn transport_error(e: &ureq::Error) -> (String, bool) {
    match e {
        ureq::Error::Timeout(_) => ("no answer in time".to_string(), true),
        ureq::Error::TooManyRedirects => {
            ("too many redirects (a redirect loop?)".to_string(), false)
        }
        ureq::Error::HostNotFound => ("the host name does not resolve".to_string(), true),
        ureq::Error::ConnectionFailed => ("cannot connect".to_string(), true),
        ureq::Error::Io(io) if io.to_string().contains("InvalidContentType") => (
            "the registry does not answer in TLS (an HTTP registry? then --plain-http)".to_string(),
            false,
        ),
        ureq::Error::Io(io) if io.to_string().contains("certificate") => {
            (tls_hint(&io.to_string()), false)
        }
        ureq::Error::Io(io) => (
            format!("connection failed: {}", sanitize(&io.to_string())),
            true,
        ),
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_) => {
            (tls_hint(&e.to_string()), false)
        }
        other => (sanitize(&other.to_string()), true),
    }
}

fn tls_hint(error: &str) -> String {
    format!(
        "TLS: {} (a private CA goes in /etc/docker/certs.d/HOST:PORT/ca.crt; \
         --tls-verify=false skips the check; --plain-http for an HTTP registry)",
        sanitize(error)
    )
}

fn timeout_from_env() -> Result<Duration> {
    match std::env::var(TIMEOUT_ENV) {
        Err(_) => Ok(Duration::from_secs(30)),
        Ok(text) => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s > 0.0 && *s < 86_400.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| {
                Error::Config(format!(
                    "{TIMEOUT_ENV}='{}' is not a number of seconds",
                    sanitize(&text)
                ))
            }),
    }
}

/// Where per-registry CA folders are: `PEEL_CERTS_D` when set, else
/// docker's and podman's.
fn certs_dirs() -> Vec<PathBuf> {
    match std::env::var_os("PEEL_CERTS_D") {
        Some(dir) => vec![PathBuf::from(dir)],
        None => vec![
            PathBuf::from("/etc/docker/certs.d"),
            PathBuf::from("/etc/containers/certs.d"),
        ],
    }
}

/// The system roots plus every `*.crt` in `DIR/HOST[:PORT]/`.
fn tls_config(host: &str, verify: bool, dirs: &[PathBuf]) -> Result<TlsConfig> {
    if !verify {
        return Ok(TlsConfig::builder().disable_verification(true).build());
    }
    let mut roots: Vec<Certificate<'static>> = rustls_native_certs::load_native_certs()
        .certs
        .iter()
        .map(|der| Certificate::from_der(der.as_ref()).to_owned())
        .collect();
    for dir in dirs {
        roots.extend(folder_cas(&dir.join(host))?);
    }
    Ok(TlsConfig::builder()
        .root_certs(RootCerts::new_with_certs(&roots))
        .build())
}

fn folder_cas(dir: &Path) -> Result<Vec<Certificate<'static>>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut certs = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "crt") {
            continue;
        }
        let mut pem = Vec::new();
        std::fs::File::open(&path)
            .and_then(|f| f.take(1 << 20).read_to_end(&mut pem))
            .map_err(|e| Error::io(path.display(), e))?;
        for item in ureq::tls::parse_pem(&pem) {
            if let Ok(ureq::tls::PemItem::Certificate(cert)) = item {
                certs.push(cert);
            }
        }
    }
    Ok(certs)
}

fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn encodes_query_values() {
        assert_eq!(
            super::url_encode("repository:a/b:pull"),
            "repository%3Aa%2Fb%3Apull"
        );
    }
}
