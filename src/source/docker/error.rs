//! Every way talking to an engine fails, with its message in one place, and
//! the rules that turn a bollard error into one of them.

use std::io;
use std::path::PathBuf;

use bollard::errors::Error as BollardError;

use super::CONNECT_TIMEOUT;
use super::answer::MAX_ANSWER_BYTES;
use super::api::MIN_API;
use crate::error::Error;
use crate::image::PlatformSpec;
use crate::source::SourceKind;
use crate::source::engine::Endpoint;

/// A failure of the engine source (boxed: a [`Failure`] holds the engine
/// it happened at).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct EngineError(Box<Failure>);

impl From<Failure> for EngineError {
    fn from(failure: Failure) -> Self {
        EngineError(Box::new(failure))
    }
}

/// The ways the engine source fails. `at` is the engine it happened at; the
/// messages name it, and say what to do.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("cannot start the engine client: {0}")]
    ClientStart(io::Error),
    #[error("cannot start the engine client thread: {0}")]
    ClientThread(io::Error),
    #[error("the {} engine client stopped before it answered", .at.engine_name())]
    ClientStopped { at: Endpoint },
    /// The export stream broke while the archive reader read it.
    #[error("{what}: {failure}")]
    Stream { what: String, failure: EngineError },
    #[error(
        "the {} engine at {} ({}) did not answer within {} s",
        .at.engine_name(), .at.host, .at.origin, CONNECT_TIMEOUT.as_secs()
    )]
    NoAnswer { at: Endpoint },
    #[error(
        "the {} engine at {} (version {server}) did not say which API version it speaks \
         ({api}); it is not a Docker-compatible engine peel can use",
        .at.engine_name(), .at.host
    )]
    NoApiVersion {
        at: Endpoint,
        server: String,
        api: String,
    },
    #[error(
        "the {} engine at {} is too old: it speaks Docker API {}.{} (engine {server}), \
         peel needs API {}.{} or newer (Docker 1.12+); upgrade the engine, or \
         `docker save` the image and run peel on the archive",
        .at.engine_name(), .at.host, .theirs.0, .theirs.1, MIN_API.0, MIN_API.1
    )]
    ApiTooOld {
        at: Endpoint,
        server: String,
        theirs: (usize, usize),
    },
    #[error(
        "the {} engine at {} (engine {server}) needs Docker API {}.{} or newer; \
         peel speaks up to {}.{}: upgrade peel, or `docker save` the image and run peel \
         on the archive",
        .at.engine_name(), .at.host, .min.0, .min.1, .ours.0, .ours.1
    )]
    ApiTooNew {
        at: Endpoint,
        server: String,
        min: (usize, usize),
        ours: (usize, usize),
    },
    #[error(
        "the {} engine at {} ({}) sent more than {} MiB answering {what}, the most peel reads; \
         is it a Docker-compatible engine?",
        .at.engine_name(), .at.host, .at.origin, MAX_ANSWER_BYTES / (1024 * 1024)
    )]
    TooLong { at: Endpoint, what: String },
    #[error(
        "the {} engine at {} did not answer an inspect of {name} within {secs} s",
        .at.engine_name(), .at.host
    )]
    InspectTimedOut {
        at: Endpoint,
        name: String,
        secs: u64,
    },
    #[error(
        "no image {name} in the {} engine at {}; pull it first (`{} pull {name}`), \
         or let peel pull it through the engine with --pull",
        .at.engine_name(), .at.host, cli(.at)
    )]
    NoSuchImage { at: Endpoint, name: String },
    #[error(
        "no image {name} in the {} engine at {}, and an image id cannot be pulled",
        .at.engine_name(), .at.host
    )]
    IdNotPullable { at: Endpoint, name: String },
    #[error(
        "the {} engine pulled {name} but then did not find it",
        .at.engine_name()
    )]
    PulledButMissing { at: Endpoint, name: String },
    #[error(
        "the {} engine at {} holds {name} for {have}, not {want}; pull the platform you want \
         (`docker pull --platform {want} {name}`, or peel --pull --platform {want})",
        .at.engine_name(), .at.host
    )]
    WrongPlatform {
        at: Endpoint,
        name: String,
        have: String,
        want: PlatformSpec,
    },
    #[error(
        "the {} engine stopped sending for {secs} s after {received}",
        .at.engine_name()
    )]
    Stalled {
        at: Endpoint,
        secs: u64,
        received: Received,
    },
    #[error(
        "the {} engine reported an error after {received}: {message}",
        .at.engine_name()
    )]
    ReportedInStream {
        at: Endpoint,
        received: Received,
        message: String,
    },
    #[error("the {} engine no longer has the image: {message}", .at.engine_name())]
    ImageGone { at: Endpoint, message: String },
    #[error(
        "the {} engine at {} ended the export before sending any of it (0 bytes; did \
         the engine stop?): {text}",
        .at.engine_name(), .at.host
    )]
    EndedBeforeAny { at: Endpoint, text: String },
    #[error(
        "the {} engine stream ended after {received}: {text}",
        .at.engine_name()
    )]
    EndedAfter {
        at: Endpoint,
        received: Received,
        text: String,
    },
    #[error(
        "TLS to the {} engine at {} ({}): {} does not exist; put ca.pem, cert.pem \
         and key.pem in {} (or point DOCKER_CERT_PATH at them)",
        .at.engine_name(), .at.host, .at.origin, .file.display(), .dir.display()
    )]
    TlsFileMissing {
        at: Endpoint,
        file: PathBuf,
        dir: PathBuf,
    },
    #[error(
        "cannot reach the {} engine: the socket {path} ({}) does not exist; \
         is the engine running? {}, or set {} to its socket",
        .at.engine_name(), .at.origin, start(.at), fix_host(.at)
    )]
    SocketMissing { at: Endpoint, path: String },
    #[error(
        "permission denied on the {} socket {socket} ({}): add your \
         user to the group that owns it (`sudo usermod -aG docker $USER`, then \
         log in again), or set {} to a socket you may use",
        .at.engine_name(), .at.origin, fix_host(.at)
    )]
    SocketDenied { at: Endpoint, socket: String },
    #[error(
        "cannot reach the {} engine: nothing answers on the socket {socket} \
         ({}; connection refused), so the engine is not running; {}, \
         or set {} to the socket of one that is",
        .at.engine_name(), .at.origin, start(.at), fix_host(.at)
    )]
    SocketRefused { at: Endpoint, socket: String },
    #[error(
        "TLS error talking to the {} engine at {} ({}){certs}: {text}; \
         check DOCKER_CERT_PATH and DOCKER_TLS_VERIFY",
        .at.engine_name(), .at.host, .at.origin, certs = certs(.at)
    )]
    Tls { at: Endpoint, text: String },
    #[error(
        "the {} engine at {} ({}) did not answer plain HTTP; if it \
         expects TLS, set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH",
        .at.engine_name(), .at.host, .at.origin
    )]
    NotPlainHttp { at: Endpoint },
    #[error(
        "cannot reach the {} engine at {} ({}): connection refused; is the \
         engine running and listening there? or set {}",
        .at.engine_name(), .at.host, .at.origin, fix_host(.at)
    )]
    TcpRefused { at: Endpoint },
    /// The engine answered a request with an error status.
    #[error(
        "{doing}: the {} engine at {} answered {status}: {}",
        .at.engine_name(), .at.host, or_no_message(.message)
    )]
    Refused {
        at: Endpoint,
        doing: String,
        status: u16,
        message: String,
    },
    #[error(
        "{doing}: the {} engine at {} reported: {}",
        .at.engine_name(), .at.host, .message.trim()
    )]
    Reported {
        at: Endpoint,
        doing: String,
        message: String,
    },
    #[error(
        "{doing}: the {} engine at {} did not answer in time",
        .at.engine_name(), .at.host
    )]
    RequestTimedOut { at: Endpoint, doing: String },
    #[error(
        "{doing}: TLS error talking to the {} engine at {}: {text}; \
         check DOCKER_CERT_PATH and DOCKER_TLS_VERIFY",
        .at.engine_name(), .at.host
    )]
    RequestTls {
        at: Endpoint,
        doing: String,
        text: String,
    },
    #[error(
        "{doing}: the {} engine at {} ({}): {text}",
        .at.engine_name(), .at.host, .at.origin
    )]
    Request {
        at: Endpoint,
        doing: String,
        text: String,
    },
}

impl From<EngineError> for Error {
    fn from(error: EngineError) -> Self {
        Error::Engine(error.to_string())
    }
}

/// How far an export got, for messages.
#[derive(Debug, Clone, Copy)]
pub struct Received {
    pub bytes: u64,
    /// The image's size, when the engine said it.
    pub total: Option<u64>,
}

impl std::fmt::Display for Received {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.total {
            Some(total) => write!(f, "{} bytes (of an image of {total} bytes)", self.bytes),
            None => write!(f, "{} bytes", self.bytes),
        }
    }
}

/// An error answer's message, or a word that there was none.
fn or_no_message(message: &str) -> &str {
    match message.trim() {
        "" => "(no message; is it a Docker-compatible engine?)",
        m => m,
    }
}

/// The engine's command line tool.
fn cli(at: &Endpoint) -> &'static str {
    match at.kind {
        SourceKind::Podman => "podman",
        _ => "docker",
    }
}

/// The variable that points peel at another engine.
fn fix_host(at: &Endpoint) -> &'static str {
    match at.kind {
        SourceKind::Podman => "CONTAINER_HOST",
        _ => "DOCKER_HOST",
    }
}

/// How to start the engine.
fn start(at: &Endpoint) -> &'static str {
    match at.kind {
        SourceKind::Podman => {
            "start it (`systemctl --user start podman.socket`, or `podman system service --time=0 &`)"
        }
        _ => "start it (`sudo systemctl start docker`)",
    }
}

fn certs(at: &Endpoint) -> String {
    at.tls
        .as_ref()
        .map(|t| format!(" with the certificates in {}", t.dir.display()))
        .unwrap_or_default()
}

/// Why the engine could not be reached, and what to do about it.
pub fn unreachable(endpoint: &Endpoint, error: &BollardError) -> EngineError {
    let at = endpoint.clone();
    if let BollardError::RequestTimeoutError = error {
        return Failure::NoAnswer { at }.into();
    }
    if let BollardError::SocketNotFoundError(path) = error {
        return Failure::SocketMissing {
            at,
            path: path.clone(),
        }
        .into();
    }
    if let Some(socket) = endpoint.socket().map(str::to_string) {
        match io_kind(error) {
            Some(io::ErrorKind::PermissionDenied) => {
                return Failure::SocketDenied { at, socket }.into();
            }
            Some(io::ErrorKind::ConnectionRefused) => {
                return Failure::SocketRefused { at, socket }.into();
            }
            Some(io::ErrorKind::NotFound) => {
                return Failure::SocketMissing { at, path: socket }.into();
            }
            _ => {}
        }
    }
    let text = chain(error);
    if is_tls_error(error, &text) {
        return Failure::Tls { at, text }.into();
    }
    if endpoint.tls.is_none() && text.contains("invalid HTTP version") {
        return Failure::NotPlainHttp { at }.into();
    }
    match io_kind(error) {
        Some(io::ErrorKind::ConnectionRefused) => Failure::TcpRefused { at }.into(),
        _ => failed(endpoint, "connecting", error),
    }
}

/// A request the engine refused or that broke.
pub fn failed(endpoint: &Endpoint, doing: &str, error: &BollardError) -> EngineError {
    let at = endpoint.clone();
    let doing = doing.to_string();
    match error {
        BollardError::DockerResponseServerError {
            status_code,
            message,
        } => Failure::Refused {
            at,
            doing,
            status: *status_code,
            message: message.clone(),
        }
        .into(),
        BollardError::DockerStreamError { error } => Failure::Reported {
            at,
            doing,
            message: error.clone(),
        }
        .into(),
        BollardError::RequestTimeoutError => Failure::RequestTimedOut { at, doing }.into(),
        other => {
            let text = chain(other);
            if is_tls_error(other, &text) {
                return Failure::RequestTls { at, doing, text }.into();
            }
            Failure::Request { at, doing, text }.into()
        }
    }
}

fn is_tls_error(error: &BollardError, text: &str) -> bool {
    matches!(
        error,
        BollardError::CertPathError { .. }
            | BollardError::CertMultipleKeys { .. }
            | BollardError::CertParseError { .. }
            | BollardError::NoNativeCertsError { .. }
            | BollardError::LoadNativeCertsErrors { .. }
    ) || {
        let lower = text.to_ascii_lowercase();
        [
            "certificate",
            "tls",
            "handshake",
            "corrupt message",
            "unknownissuer",
        ]
        .iter()
        .any(|w| lower.contains(w))
    }
}

/// Every message down an error's source chain, without repeats.
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = Some(error);
    while let Some(e) = cur {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = e.source();
    }
    parts.join(": ")
}

/// The OS error at the bottom of a chain, if there is one.
fn io_kind(error: &BollardError) -> Option<io::ErrorKind> {
    // `IOError` is transparent: its source is the io::Error's source.
    if let BollardError::IOError { err } = error {
        return Some(err.kind());
    }
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            return Some(io.kind());
        }
        cur = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::docker::tests::endpoint;

    #[test]
    fn unreachable_messages_name_the_socket_and_the_fix() {
        let e = endpoint("unix:///nope.sock");
        let err =
            unreachable(&e, &BollardError::SocketNotFoundError("/nope.sock".into())).to_string();
        assert!(
            err.contains("/nope.sock") && err.contains("DOCKER_HOST") && err.contains("not exist"),
            "{err}"
        );
        let denied = BollardError::IOError {
            err: io::Error::from(io::ErrorKind::PermissionDenied),
        };
        let err = unreachable(&e, &denied).to_string();
        assert!(
            err.contains("permission denied")
                && err.contains("docker")
                && err.contains("/nope.sock"),
            "{err}"
        );
        let refused = BollardError::IOError {
            err: io::Error::from(io::ErrorKind::ConnectionRefused),
        };
        let err = unreachable(&e, &refused).to_string();
        assert!(err.contains("not running"), "{err}");
    }

    #[test]
    fn messages_are_assembled_whole() {
        let at = endpoint("unix:///d.sock");
        let podman = Endpoint {
            kind: SourceKind::Podman,
            ..endpoint("unix:///p.sock")
        };
        let cases: [(Failure, &str); 5] = [
            (
                Failure::Refused {
                    at: at.clone(),
                    doing: "inspecting x".into(),
                    status: 500,
                    message: " ".into(),
                },
                "inspecting x: the Docker engine at unix:///d.sock answered 500: (no message; \
                 is it a Docker-compatible engine?)",
            ),
            (
                Failure::NoSuchImage {
                    at: podman.clone(),
                    name: "x:1".into(),
                },
                "no image x:1 in the Podman engine at unix:///p.sock; pull it first (`podman \
                 pull x:1`), or let peel pull it through the engine with --pull",
            ),
            (
                Failure::SocketMissing {
                    at: podman,
                    path: "/p.sock".into(),
                },
                "cannot reach the Podman engine: the socket /p.sock (DOCKER_HOST) does not \
                 exist; is the engine running? start it (`systemctl --user start \
                 podman.socket`, or `podman system service --time=0 &`), or set \
                 CONTAINER_HOST to its socket",
            ),
            (
                Failure::Stalled {
                    at: at.clone(),
                    secs: 120,
                    received: Received {
                        bytes: 5,
                        total: Some(9),
                    },
                },
                "the Docker engine stopped sending for 120 s after 5 bytes (of an image of 9 \
                 bytes)",
            ),
            (
                Failure::TooLong {
                    at,
                    what: "an inspect of x".into(),
                },
                "the Docker engine at unix:///d.sock (DOCKER_HOST) sent more than 16 MiB \
                 answering an inspect of x, the most peel reads; is it a Docker-compatible \
                 engine?",
            ),
        ];
        for (failure, want) in cases {
            assert_eq!(EngineError::from(failure).to_string(), want);
        }
    }
}
