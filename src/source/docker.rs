//! Images from a Docker-compatible engine (Docker, Podman's compatible API):
//! the engine's `docker save` stream (`GET /images/{name}/get`) read as it
//! arrives, in one pass, with no copy on disk and at most a few chunks in
//! memory.
//!
//! bollard is async; peel's readers are blocking. A helper thread runs a
//! current-thread tokio runtime that connects, negotiates the API version,
//! inspects (and with `--pull`, pulls) the image, then forwards the export's
//! body chunks through a bounded channel to [`EngineReader`], a plain
//! [`Read`] handed to [`image::archive::read`].

use std::fmt::Write as _;
use std::io::{self, IsTerminal, Read, Write as _};
use std::sync::{Arc, Mutex, mpsc as std_mpsc};
use std::time::Duration;

use bollard::errors::Error as BollardError;
use bollard::models::{ImageInspect, SystemVersion};
use bollard::query_parameters::CreateImageOptions;
use bollard::{API_DEFAULT_VERSION, BollardRequest, ClientVersion, Docker};
use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::engine::{self, Endpoint};
use super::{OpenOptions, SourceKind};
use crate::error::{Error, Result};
use crate::image::{self, Image, PlatformSpec, Selection};
use crate::safe_text::sanitize;

/// How long reaching the engine (connect + `/version`) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long an inspect may take.
const INSPECT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the engine may take to start the export (Docker before 25
/// copies the layers to a temporary folder before it sends the first byte).
const EXPORT_START_TIMEOUT_SECS: u64 = 600;
/// How long the export may pause once it has started.
const STALL_TIMEOUT: Duration = Duration::from_secs(120);
/// The most an answer of the engine that peel reads whole may hold: the
/// `/version` probe and an inspect (a few KiB each, an image with a long
/// history a few hundred). A longer answer is refused, not buffered.
pub const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;
/// Chunks in flight between the engine thread and the reader.
const CHANNEL_DEPTH: usize = 64;
/// The oldest Docker API peel speaks (Docker 1.12).
const MIN_API: (usize, usize) = (1, 24);
/// The first API version whose image export takes a `platform`.
const PLATFORM_EXPORT_API: (usize, usize) = (1, 48);

/// What the user asked of the engine.
#[derive(Debug, Clone)]
struct Request {
    name: String,
    pull: bool,
    platform: Option<PlatformSpec>,
    /// No pull progress on stderr (the UI owns the terminal).
    quiet: bool,
}

/// What the engine said about the image before the export.
#[derive(Debug, Clone)]
struct Found {
    size: Option<u64>,
    layers: Option<u64>,
    /// `RootFS.Layers`: the image's diff ids.
    diff_ids: Vec<String>,
}

/// A message from the engine thread to the reader.
enum Chunk {
    Data(Bytes),
    /// The stream failed; the message says how far it got.
    Failed(String),
}

/// Read `name` from the engine `kind` names (Docker or Podman).
pub fn open(kind: SourceKind, name: &str, display: &str, options: &OpenOptions) -> Result<Image> {
    check_name(name)?;
    let endpoint = engine::discover(kind, &engine::ProcessEnv)?;
    open_at(&endpoint, name, display, options)
}

/// The diff ids of `name` in the engine `kind` names, by an inspect alone
/// (nothing is exported or pulled): empty when the engine does not say.
pub fn diff_ids(kind: SourceKind, name: &str) -> Result<Vec<String>> {
    check_name(name)?;
    let endpoint = engine::discover(kind, &engine::ProcessEnv)?;
    let request = Request {
        name: name.to_string(),
        pull: false,
        platform: None,
        quiet: true,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Engine(format!("cannot start the engine client: {e}")))?;
    let (_, found) = runtime.block_on(prepare(&endpoint, &request))?;
    Ok(found.diff_ids)
}

/// Read `name` from the engine at `endpoint`.
pub fn open_at(
    endpoint: &Endpoint,
    name: &str,
    display: &str,
    options: &OpenOptions,
) -> Result<Image> {
    let request = Request {
        name: name.to_string(),
        pull: options.pull,
        platform: options.platform.clone(),
        quiet: options.quiet,
    };
    let (setup_tx, setup_rx) = std_mpsc::channel::<Result<Found>>();
    let (chunk_tx, chunk_rx) = mpsc::channel::<Chunk>(CHANNEL_DEPTH);
    let thread_endpoint = endpoint.clone();
    std::thread::Builder::new()
        .name("peel-engine".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = setup_tx.send(Err(Error::Engine(format!(
                        "cannot start the engine client: {e}"
                    ))));
                    return;
                }
            };
            runtime.block_on(session(thread_endpoint, request, setup_tx, chunk_tx));
        })
        .map_err(|e| Error::Engine(format!("cannot start the engine client thread: {e}")))?;

    let found = setup_rx.recv().map_err(|_| {
        Error::Engine(format!(
            "the {} engine client stopped before it answered",
            endpoint.engine_name()
        ))
    })??;
    if let Some(size) = found.size {
        options.progress.set_bytes_total(size);
    }
    if let Some(layers) = found.layers {
        options.progress.set_layers_total(layers);
    }
    let failure = Arc::new(Mutex::new(None));
    let reader = EngineReader {
        rx: chunk_rx,
        current: Bytes::new(),
        failure: failure.clone(),
    };
    let what = format!("{name} (from the {} engine)", endpoint.engine_name());
    let selection = Selection {
        tag: None,
        platform: options.platform.clone(),
        no_verify: options.no_verify,
    };
    let result = image::archive::read(reader, &what, display, &selection, &options.progress);
    // A failed stream explains a truncated archive better than the tar
    // reader can.
    let failed = failure.lock().ok().and_then(|mut f| f.take());
    match (result, failed) {
        (Err(Error::Cancelled), _) => Err(Error::Cancelled),
        (Err(_), Some(message)) => Err(Error::Engine(format!("{what}: {message}"))),
        (Err(e), None) => Err(e),
        (Ok(mut image), _) => {
            image.format = match endpoint.kind {
                SourceKind::Podman => "podman-engine",
                _ => "docker-engine",
            };
            Ok(image)
        }
    }
}

/// The blocking end of the export stream.
struct EngineReader {
    rx: mpsc::Receiver<Chunk>,
    current: Bytes,
    failure: Arc<Mutex<Option<String>>>,
}

impl Read for EngineReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(Chunk::Data(bytes)) => self.current = bytes,
                Some(Chunk::Failed(message)) => {
                    if let Ok(mut slot) = self.failure.lock() {
                        *slot = Some(message.clone());
                    }
                    return Err(io::Error::other(message));
                }
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        let _ = self.current.split_to(n);
        Ok(n)
    }
}

/// The engine thread: set up, report, then stream.
async fn session(
    endpoint: Endpoint,
    request: Request,
    setup_tx: std_mpsc::Sender<Result<Found>>,
    chunk_tx: mpsc::Sender<Chunk>,
) {
    let (client, found) = match prepare(&endpoint, &request).await {
        Ok(ok) => ok,
        Err(e) => {
            let _ = setup_tx.send(Err(e));
            return;
        }
    };
    if setup_tx.send(Ok(found.clone())).is_err() {
        return;
    }
    stream_export(&client, &endpoint, &request.name, &found, chunk_tx).await;
}

/// Connect, negotiate, inspect (and pull): the client to export with.
async fn prepare(endpoint: &Endpoint, request: &Request) -> Result<(Docker, Found)> {
    // `/version` without a version prefix answers on every engine, old or
    // new, with the API range it speaks.
    // The client checks the endpoint (a socket that does not exist, TLS files).
    connect(endpoint, API_DEFAULT_VERSION, CONNECT_TIMEOUT.as_secs())?;
    let answer = read_answer(
        endpoint,
        API_DEFAULT_VERSION,
        "/version".into(),
        CONNECT_TIMEOUT,
    )
    .await;
    let version = match answer.map(|bytes| decode::<SystemVersion>(&bytes)) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) | Err(Answer::Engine(e)) => return Err(unreachable(endpoint, &e)),
        Err(Answer::TooLong) => return Err(too_long(endpoint, "the version probe (/version)")),
        Err(Answer::TimedOut) => {
            return Err(Error::Engine(format!(
                "the {} engine at {} ({}) did not answer within {} s",
                endpoint.engine_name(),
                endpoint.host,
                endpoint.origin,
                CONNECT_TIMEOUT.as_secs()
            )));
        }
    };
    let api = negotiate(
        endpoint,
        version.api_version.as_deref(),
        version.min_api_version.as_deref(),
        version.version.as_deref(),
    )?;
    // Every request names the negotiated version (bollard 0.21 sends its
    // paths without one, which an engine reads as its newest API); the
    // export takes `--platform` where the API has the parameter.
    let platform_query = request
        .platform
        .as_ref()
        .filter(|_| api >= PLATFORM_EXPORT_API)
        .map(|p| format!("platform={}", percent_encode(&platform_json(p))));
    let client = connect(
        endpoint,
        &ClientVersion {
            major_version: api.0,
            minor_version: api.1,
        },
        EXPORT_START_TIMEOUT_SECS,
    )?
    .with_request_modifier(move |req| {
        let req = versioned(req, api);
        match &platform_query {
            Some(query) => add_query(req, "/get", query),
            None => req,
        }
    });
    let inspect = match inspect(endpoint, api, &request.name).await? {
        Some(found) => found,
        None if request.pull => {
            pull(&client, endpoint, request).await?;
            inspect(endpoint, api, &request.name)
                .await?
                .ok_or_else(|| {
                    Error::Engine(format!(
                        "the {} engine pulled {} but then did not find it",
                        endpoint.engine_name(),
                        request.name
                    ))
                })?
        }
        None => {
            return Err(Error::Engine(format!(
                "no image {} in the {} engine at {}; pull it first (`{} pull {}`), \
                 or let peel pull it through the engine with --pull",
                request.name,
                endpoint.engine_name(),
                endpoint.host,
                match endpoint.kind {
                    SourceKind::Podman => "podman",
                    _ => "docker",
                },
                request.name
            )));
        }
    };
    if let (Some(want), Some(info)) = (&request.platform, &inspect) {
        check_platform(endpoint, &request.name, want, info, api)?;
    }
    let found = match &inspect {
        Some(info) => Found {
            size: info
                .size
                .and_then(|s| u64::try_from(s).ok())
                .filter(|s| *s > 0),
            layers: info
                .root_fs
                .as_ref()
                .and_then(|r| r.layers.as_ref())
                .map(|layers| {
                    // docker save stores a repeated layer once.
                    let mut unique = layers.clone();
                    unique.sort();
                    unique.dedup();
                    unique.len() as u64
                })
                .filter(|n| *n > 0),
            diff_ids: info
                .root_fs
                .as_ref()
                .and_then(|r| r.layers.clone())
                .unwrap_or_default(),
        },
        None => Found {
            size: None,
            layers: None,
            diff_ids: Vec::new(),
        },
    };
    Ok((client, found))
}

/// The API version to speak: the engine's, capped at bollard's.
fn negotiate(
    endpoint: &Endpoint,
    api: Option<&str>,
    min_api: Option<&str>,
    server: Option<&str>,
) -> Result<(usize, usize)> {
    let ours = (
        API_DEFAULT_VERSION.major_version,
        API_DEFAULT_VERSION.minor_version,
    );
    let server = server.unwrap_or("unknown");
    let Some(theirs) = api.and_then(parse_api) else {
        return Err(Error::Engine(format!(
            "the {} engine at {} (version {server}) did not say which API version it speaks \
             ({}); it is not a Docker-compatible engine peel can use",
            endpoint.engine_name(),
            endpoint.host,
            api.unwrap_or("no ApiVersion")
        )));
    };
    if theirs < MIN_API {
        return Err(Error::Engine(format!(
            "the {} engine at {} is too old: it speaks Docker API {}.{} (engine {server}), \
             peel needs API {}.{} or newer (Docker 1.12+); upgrade the engine, or \
             `docker save` the image and run peel on the archive",
            endpoint.engine_name(),
            endpoint.host,
            theirs.0,
            theirs.1,
            MIN_API.0,
            MIN_API.1
        )));
    }
    if let Some(min) = min_api.and_then(parse_api)
        && min > ours
    {
        return Err(Error::Engine(format!(
            "the {} engine at {} (engine {server}) needs Docker API {}.{} or newer; \
             peel speaks up to {}.{}: upgrade peel, or `docker save` the image and run peel \
             on the archive",
            endpoint.engine_name(),
            endpoint.host,
            min.0,
            min.1,
            ours.0,
            ours.1
        )));
    }
    Ok(theirs.min(ours))
}

fn parse_api(text: &str) -> Option<(usize, usize)> {
    let (major, minor) = text.trim().split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// Why an answer could not be read whole.
enum Answer {
    /// The engine refused, or the connection broke.
    Engine(BollardError),
    /// Longer than [`MAX_ANSWER_BYTES`].
    TooLong,
    /// No whole answer within the time given.
    TimedOut,
}

/// The body of a GET of `path` (with its API prefix) whose whole answer
/// peel reads, within `limit`. Over a plain socket (`unix://`, `http://`)
/// peel speaks the HTTP itself, so that no answer, error answers included,
/// is kept past [`MAX_ANSWER_BYTES`]; over TLS through bollard's raw body
/// stream, which caps a success answer the same way (bollard reads an error
/// answer whole, within `limit`).
async fn read_answer(
    endpoint: &Endpoint,
    version: &ClientVersion,
    path: String,
    limit: Duration,
) -> std::result::Result<Vec<u8>, Answer> {
    if let Some(answer) = plain::get(endpoint, &path, limit) {
        return answer;
    }
    let client = connect(endpoint, version, limit.as_secs().max(1))
        .map_err(|e| {
            Answer::Engine(BollardError::IOError {
                err: io::Error::other(e.to_string()),
            })
        })?
        .with_request_modifier(move |req| with_path(req, &path));
    let read = async {
        let mut body = Vec::new();
        // The export call is only the carrier: the modifier names the path.
        let mut stream = client.export_image("answer");
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(Answer::Engine)?;
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(Answer::TooLong);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    };
    tokio::time::timeout(limit, read)
        .await
        .unwrap_or(Err(Answer::TimedOut))
}

/// HTTP/1.1 by hand for the answers peel reads whole, on plain sockets.
mod plain {
    use std::io::{self, BufRead, BufReader, Read, Write};
    use std::net::TcpStream;
    use std::os::unix::net::UnixStream;
    use std::time::{Duration, Instant};

    use bollard::errors::Error as BollardError;

    use super::{Answer, Endpoint, MAX_ANSWER_BYTES};

    /// The most the status line and the headers may hold.
    const MAX_HEAD_BYTES: usize = 64 * 1024;

    enum Socket {
        Unix(UnixStream),
        Tcp(TcpStream),
    }

    /// A socket whose reads and writes stop at a deadline.
    struct Timed {
        socket: Socket,
        deadline: Instant,
    }

    impl Timed {
        fn left(&self) -> io::Result<Duration> {
            let left = self.deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::Error::from(io::ErrorKind::TimedOut));
            }
            Ok(left)
        }
    }

    impl Read for Timed {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let left = Some(self.left()?);
            match &mut self.socket {
                Socket::Unix(s) => {
                    s.set_read_timeout(left)?;
                    s.read(buf)
                }
                Socket::Tcp(s) => {
                    s.set_read_timeout(left)?;
                    s.read(buf)
                }
            }
        }
    }

    impl Write for Timed {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let left = Some(self.left()?);
            match &mut self.socket {
                Socket::Unix(s) => {
                    s.set_write_timeout(left)?;
                    s.write(buf)
                }
                Socket::Tcp(s) => {
                    s.set_write_timeout(left)?;
                    s.write(buf)
                }
            }
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    enum Failure {
        Io(io::Error),
        TooLong,
    }

    impl From<io::Error> for Failure {
        fn from(e: io::Error) -> Self {
            Failure::Io(e)
        }
    }

    /// GET `path` on a plain endpoint: `None` over TLS (bollard's then).
    pub(super) fn get(
        endpoint: &Endpoint,
        path: &str,
        limit: Duration,
    ) -> Option<Result<Vec<u8>, Answer>> {
        if endpoint.tls.is_some() {
            return None;
        }
        let deadline = Instant::now() + limit;
        let socket = if let Some(path) = endpoint.socket() {
            UnixStream::connect(path).map(Socket::Unix)
        } else {
            let addr = endpoint.host.strip_prefix("http://")?;
            let addrs = std::net::ToSocketAddrs::to_socket_addrs(addr);
            addrs.and_then(|mut all| {
                let addr = all
                    .next()
                    .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address"))?;
                TcpStream::connect_timeout(&addr, limit).map(Socket::Tcp)
            })
        };
        let answer = socket
            .map_err(Failure::Io)
            .and_then(|socket| exchange(Timed { socket, deadline }, path));
        Some(match answer {
            Ok((status, body)) if (200..300).contains(&status) => Ok(body),
            Ok((status, body)) => Err(Answer::Engine(BollardError::DockerResponseServerError {
                status_code: status,
                message: message(&body),
            })),
            Err(Failure::TooLong) => Err(Answer::TooLong),
            Err(Failure::Io(e))
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                ) =>
            {
                Err(Answer::TimedOut)
            }
            Err(Failure::Io(err)) => Err(Answer::Engine(BollardError::IOError { err })),
        })
    }

    /// An error answer's `message` (Docker's `{"message": …}`), else its text.
    fn message(body: &[u8]) -> String {
        serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get("message")?.as_str().map(str::to_string))
            .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned())
    }

    fn exchange(mut socket: Timed, path: &str) -> Result<(u16, Vec<u8>), Failure> {
        write!(
            socket,
            "GET {path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: peel\r\n\
             Accept: application/json\r\nConnection: close\r\n\r\n"
        )?;
        let mut reader = BufReader::new(socket);
        let mut head = 0usize;
        let status_line = line(&mut reader, &mut head)?;
        let status = status_line
            .strip_prefix("HTTP/1.")
            .and_then(|rest| rest.get(2..5))
            .and_then(|code| code.parse::<u16>().ok())
            .ok_or_else(|| bad("invalid HTTP version parsed"))?;
        let (mut length, mut chunked) = (None, false);
        loop {
            let header = line(&mut reader, &mut head)?;
            if header.is_empty() {
                break;
            }
            let Some((name, value)) = header.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = Some(
                    value
                        .parse::<u64>()
                        .map_err(|_| bad("bad Content-Length"))?,
                );
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.to_ascii_lowercase().contains("chunked");
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                let mut size_line = 0;
                let size = line(&mut reader, &mut size_line)?;
                let size = size.split(';').next().unwrap_or_default().trim();
                let size = u64::from_str_radix(size, 16).map_err(|_| bad("bad chunk size"))?;
                if size == 0 {
                    break;
                }
                take(&mut reader, size, &mut body)?;
                let mut crlf = [0u8; 2];
                reader.read_exact(&mut crlf)?;
            }
        } else if let Some(length) = length {
            take(&mut reader, length, &mut body)?;
        } else {
            take(&mut reader, u64::MAX, &mut body)?;
        }
        Ok((status, body))
    }

    /// Append up to `n` bytes (all there are when `n` is `u64::MAX`) to
    /// `body`, never past the cap.
    fn take(reader: &mut impl Read, n: u64, body: &mut Vec<u8>) -> Result<(), Failure> {
        let room = (MAX_ANSWER_BYTES - body.len()) as u64;
        if n != u64::MAX && n > room {
            return Err(Failure::TooLong);
        }
        let want = n.min(room + 1);
        let read = reader.take(want).read_to_end(body)? as u64;
        if body.len() > MAX_ANSWER_BYTES {
            return Err(Failure::TooLong);
        }
        if n != u64::MAX && read < n {
            return Err(Failure::Io(io::Error::from(io::ErrorKind::UnexpectedEof)));
        }
        Ok(())
    }

    /// One CRLF-terminated line, counted against the head's budget.
    fn line(reader: &mut impl BufRead, used: &mut usize) -> Result<String, Failure> {
        let mut bytes = Vec::new();
        let budget = MAX_HEAD_BYTES.saturating_sub(*used) as u64 + 1;
        reader.take(budget).read_until(b'\n', &mut bytes)?;
        *used += bytes.len();
        if *used > MAX_HEAD_BYTES {
            return Err(Failure::TooLong);
        }
        if !bytes.ends_with(b"\n") {
            return Err(Failure::Io(io::Error::from(io::ErrorKind::UnexpectedEof)));
        }
        let text = String::from_utf8_lossy(&bytes);
        Ok(text.trim_end_matches(['\r', '\n']).to_string())
    }

    fn bad(what: &str) -> Failure {
        Failure::Io(io::Error::new(io::ErrorKind::InvalidData, what.to_string()))
    }
}

fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> std::result::Result<T, BollardError> {
    serde_json::from_slice(bytes).map_err(BollardError::from)
}

fn too_long(endpoint: &Endpoint, what: &str) -> Error {
    Error::Engine(format!(
        "the {} engine at {} ({}) sent more than {} MiB answering {what}, the most peel reads; \
         is it a Docker-compatible engine?",
        endpoint.engine_name(),
        endpoint.host,
        endpoint.origin,
        MAX_ANSWER_BYTES / (1024 * 1024)
    ))
}

/// The request with its path (and query) replaced by `path`.
fn with_path(mut req: BollardRequest, path: &str) -> BollardRequest {
    let uri = req.uri().to_string();
    let Some(authority) = uri.find("://").map(|i| i + 3) else {
        return req;
    };
    let end = uri[authority..]
        .find('/')
        .map_or(uri.len(), |i| authority + i);
    if let Ok(new) = format!("{}{path}", &uri[..end]).parse() {
        *req.uri_mut() = new;
    }
    req
}

/// Inspect: `Ok(None)` when the engine has no such image.
async fn inspect(
    endpoint: &Endpoint,
    api: (usize, usize),
    name: &str,
) -> Result<Option<Option<ImageInspect>>> {
    let path = format!("/v{}.{}/images/{name}/json", api.0, api.1);
    let version = ClientVersion {
        major_version: api.0,
        minor_version: api.1,
    };
    let answer = match read_answer(endpoint, &version, path, INSPECT_TIMEOUT).await {
        Err(Answer::TooLong) => {
            return Err(too_long(endpoint, &format!("an inspect of {name}")));
        }
        Err(Answer::TimedOut) => Err(()),
        Err(Answer::Engine(e)) => Ok(Err(e)),
        Ok(bytes) => Ok(decode::<ImageInspect>(&bytes)),
    };
    match answer {
        Err(_) => Err(Error::Engine(format!(
            "the {} engine at {} did not answer an inspect of {name} within {} s",
            endpoint.engine_name(),
            endpoint.host,
            INSPECT_TIMEOUT.as_secs()
        ))),
        Ok(Ok(info)) => Ok(Some(Some(info))),
        Ok(Err(BollardError::DockerResponseServerError {
            status_code: 404, ..
        })) => Ok(None),
        // An engine whose inspect answer bollard cannot decode still has the
        // image; go on without its size.
        Ok(Err(BollardError::JsonDataError { .. } | BollardError::JsonSerdeError { .. })) => {
            Ok(Some(None))
        }
        Ok(Err(e)) => Err(failed(endpoint, &format!("inspecting {name}"), &e)),
    }
}

/// The engine stores one platform per image before the containerd image
/// store (API 1.48): a platform it does not have is an error, not a silent
/// substitute.
fn check_platform(
    endpoint: &Endpoint,
    name: &str,
    want: &PlatformSpec,
    info: &ImageInspect,
    api: (usize, usize),
) -> Result<()> {
    if api >= PLATFORM_EXPORT_API {
        return Ok(());
    }
    let (Some(os), Some(arch)) = (info.os.as_deref(), info.architecture.as_deref()) else {
        return Ok(());
    };
    if want.matches(os, arch, info.variant.as_deref()) {
        return Ok(());
    }
    let have = match info.variant.as_deref() {
        Some(v) if !v.is_empty() => format!("{os}/{arch}/{v}"),
        _ => format!("{os}/{arch}"),
    };
    Err(Error::Engine(format!(
        "the {} engine at {} holds {name} for {have}, not {want}; pull the platform you want \
         (`docker pull --platform {want} {name}`, or peel --pull --platform {want})",
        endpoint.engine_name(),
        endpoint.host
    )))
}

/// `--pull`: pull through the engine, progress on stderr.
async fn pull(client: &Docker, endpoint: &Endpoint, request: &Request) -> Result<()> {
    let name = &request.name;
    if name.starts_with("sha256:") || is_short_id(name) {
        return Err(Error::Engine(format!(
            "no image {name} in the {} engine at {}, and an image id cannot be pulled",
            endpoint.engine_name(),
            endpoint.host
        )));
    }
    let (repo, tag) = split_reference(name);
    let options = CreateImageOptions {
        from_image: Some(repo.to_string()),
        tag: Some(tag.to_string()),
        platform: request
            .platform
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        ..Default::default()
    };
    let terminal = !request.quiet && io::stderr().is_terminal();
    // The name and the engine's words on stderr: escaped, one line each.
    let shown = sanitize(name);
    if !request.quiet {
        eprintln!(
            "peel: pulling {shown} through the {} engine at {}",
            endpoint.engine_name(),
            endpoint.host
        );
    }
    let mut stream = client.create_image(Some(options), None, None);
    let mut layers_done = std::collections::BTreeSet::new();
    let mut layers_seen = std::collections::BTreeSet::new();
    while let Some(event) = stream.next().await {
        let info = match event {
            Ok(info) => info,
            Err(e) => {
                if terminal {
                    eprintln!();
                }
                return Err(failed(endpoint, &format!("pulling {name}"), &e));
            }
        };
        let status = info.status.unwrap_or_default();
        if let Some(id) = info
            .id
            .filter(|id| !id.is_empty() && status != "Pulling from")
        {
            if matches!(status.as_str(), "Pull complete" | "Already exists") {
                layers_done.insert(id.clone());
            }
            layers_seen.insert(id);
        }
        if terminal {
            let mut line = format!(
                "\r\x1b[2Kpeel: pulling {shown}: layer {} of {} done",
                layers_done.len(),
                layers_seen.len()
            );
            if let Some(detail) = info.progress_detail
                && let (Some(cur), Some(total)) = (detail.current, detail.total)
                && total > 0
            {
                let _ = write!(
                    line,
                    ", {} {}%",
                    sanitize(&status),
                    (cur.max(0) as u128 * 100 / total as u128).min(100)
                );
            }
            let mut err = io::stderr().lock();
            let _ = err.write_all(line.as_bytes());
            let _ = err.flush();
        } else if !request.quiet && (status.starts_with("Status:") || status.starts_with("Digest:"))
        {
            eprintln!("peel: {}", sanitize(&status));
        }
    }
    if terminal {
        eprintln!();
    }
    Ok(())
}

/// Forward the export's chunks to the reader.
async fn stream_export(
    client: &Docker,
    endpoint: &Endpoint,
    name: &str,
    found: &Found,
    chunk_tx: mpsc::Sender<Chunk>,
) {
    let mut stream = client.export_image(name);
    let mut received: u64 = 0;
    let of = |received: u64| match found.size {
        Some(total) => format!("{received} bytes (of an image of {total} bytes)"),
        None => format!("{received} bytes"),
    };
    loop {
        let next = if received == 0 {
            // bollard's own timeout bounds the wait for the first answer.
            stream.next().await
        } else {
            match tokio::time::timeout(STALL_TIMEOUT, stream.next()).await {
                Ok(next) => next,
                Err(_) => {
                    let _ = chunk_tx
                        .send(Chunk::Failed(format!(
                            "the {} engine stopped sending for {} s after {}",
                            endpoint.engine_name(),
                            STALL_TIMEOUT.as_secs(),
                            of(received)
                        )))
                        .await;
                    return;
                }
            }
        };
        let message = match next {
            None => return,
            Some(Ok(bytes)) => {
                // An engine that fails after it started writes a JSON error
                // into the stream instead of tar.
                if let Some(error) = stream_error(&bytes) {
                    format!(
                        "the {} engine reported an error after {}: {error}",
                        endpoint.engine_name(),
                        of(received)
                    )
                } else {
                    received += bytes.len() as u64;
                    if chunk_tx.send(Chunk::Data(bytes)).await.is_err() {
                        return; // the reader has what it needs
                    }
                    continue;
                }
            }
            Some(Err(BollardError::DockerResponseServerError {
                status_code: 404,
                message,
            })) if received == 0 => format!(
                "the {} engine no longer has the image: {message}",
                endpoint.engine_name()
            ),
            Some(Err(e @ BollardError::DockerResponseServerError { .. })) if received == 0 => {
                failed(endpoint, "exporting the image", &e).to_string()
            }
            Some(Err(e)) if received == 0 => format!(
                "the {} engine at {} ended the export before sending any of it (0 bytes; did \
                 the engine stop?): {}",
                endpoint.engine_name(),
                endpoint.host,
                chain(&e)
            ),
            Some(Err(e)) => format!(
                "the {} engine stream ended after {}: {}",
                endpoint.engine_name(),
                of(received),
                chain(&e)
            ),
        };
        let _ = chunk_tx.send(Chunk::Failed(message)).await;
        return;
    }
}

/// `{"errorDetail":{"message":...}}` written into an export stream.
fn stream_error(bytes: &[u8]) -> Option<String> {
    if !bytes.starts_with(b"{\"error") {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(bytes.trim_ascii_end()).ok()?;
    value
        .get("errorDetail")
        .and_then(|d| d.get("message"))
        .or_else(|| value.get("error"))
        .and_then(|m| m.as_str())
        .map(str::to_string)
}

/// A bollard client for the endpoint.
fn connect(endpoint: &Endpoint, version: &ClientVersion, timeout: u64) -> Result<Docker> {
    let result = if let Some(socket) = endpoint.socket() {
        Docker::connect_with_unix(socket, timeout, version)
    } else if let Some(tls) = &endpoint.tls {
        for file in [&tls.ca, &tls.cert, &tls.key] {
            if !file.exists() {
                return Err(Error::Engine(format!(
                    "TLS to the {} engine at {} ({}): {} does not exist; put ca.pem, cert.pem \
                     and key.pem in {} (or point DOCKER_CERT_PATH at them)",
                    endpoint.engine_name(),
                    endpoint.host,
                    endpoint.origin,
                    file.display(),
                    tls.dir.display()
                )));
            }
        }
        Docker::connect_with_ssl(
            &endpoint.host,
            &tls.key,
            &tls.cert,
            &tls.ca,
            timeout,
            version,
        )
    } else {
        Docker::connect_with_http(&endpoint.host, timeout, version)
    };
    result.map_err(|e| unreachable(endpoint, &e))
}

/// Why the engine could not be reached, and what to do about it.
fn unreachable(endpoint: &Endpoint, error: &BollardError) -> Error {
    let engine = endpoint.engine_name();
    let host = &endpoint.host;
    let origin = &endpoint.origin;
    let fix_host = match endpoint.kind {
        SourceKind::Podman => "CONTAINER_HOST",
        _ => "DOCKER_HOST",
    };
    let start = match endpoint.kind {
        SourceKind::Podman => {
            "start it (`systemctl --user start podman.socket`, or `podman system service --time=0 &`)"
        }
        _ => "start it (`sudo systemctl start docker`)",
    };
    if let BollardError::RequestTimeoutError = error {
        return Error::Engine(format!(
            "the {engine} engine at {host} ({origin}) did not answer within {} s",
            CONNECT_TIMEOUT.as_secs()
        ));
    }
    if let BollardError::SocketNotFoundError(path) = error {
        return Error::Engine(format!(
            "cannot reach the {engine} engine: the socket {path} ({origin}) does not exist; \
             is the engine running? {start}, or set {fix_host} to its socket"
        ));
    }
    if let Some(socket) = endpoint.socket() {
        match io_kind(error) {
            Some(io::ErrorKind::PermissionDenied) => {
                return Error::Engine(format!(
                    "permission denied on the {engine} socket {socket} ({origin}): add your \
                     user to the group that owns it (`sudo usermod -aG docker $USER`, then \
                     log in again), or set {fix_host} to a socket you may use"
                ));
            }
            Some(io::ErrorKind::ConnectionRefused) => {
                return Error::Engine(format!(
                    "cannot reach the {engine} engine: nothing answers on the socket {socket} \
                     ({origin}; connection refused), so the engine is not running; {start}, \
                     or set {fix_host} to the socket of one that is"
                ));
            }
            Some(io::ErrorKind::NotFound) => {
                return Error::Engine(format!(
                    "cannot reach the {engine} engine: the socket {socket} ({origin}) does not \
                     exist; is the engine running? {start}, or set {fix_host} to its socket"
                ));
            }
            _ => {}
        }
    }
    let text = chain(error);
    if is_tls_error(error, &text) {
        let certs = endpoint
            .tls
            .as_ref()
            .map(|t| format!(" with the certificates in {}", t.dir.display()))
            .unwrap_or_default();
        return Error::Engine(format!(
            "TLS error talking to the {engine} engine at {host} ({origin}){certs}: {text}; \
             check DOCKER_CERT_PATH and DOCKER_TLS_VERIFY"
        ));
    }
    if endpoint.tls.is_none() && text.contains("invalid HTTP version") {
        return Error::Engine(format!(
            "the {engine} engine at {host} ({origin}) did not answer plain HTTP; if it \
             expects TLS, set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH"
        ));
    }
    match io_kind(error) {
        Some(io::ErrorKind::ConnectionRefused) => Error::Engine(format!(
            "cannot reach the {engine} engine at {host} ({origin}): connection refused; is the \
             engine running and listening there? or set {fix_host}"
        )),
        _ => failed(endpoint, "connecting", error),
    }
}

/// A request the engine refused or that broke.
fn failed(endpoint: &Endpoint, doing: &str, error: &BollardError) -> Error {
    let engine = endpoint.engine_name();
    let host = &endpoint.host;
    match error {
        BollardError::DockerResponseServerError {
            status_code,
            message,
        } => Error::Engine(format!(
            "{doing}: the {engine} engine at {host} answered {status_code}: {}",
            match message.trim() {
                "" => "(no message; is it a Docker-compatible engine?)",
                m => m,
            }
        )),
        BollardError::DockerStreamError { error } => Error::Engine(format!(
            "{doing}: the {engine} engine at {host} reported: {}",
            error.trim()
        )),
        BollardError::RequestTimeoutError => Error::Engine(format!(
            "{doing}: the {engine} engine at {host} did not answer in time"
        )),
        other => {
            let text = chain(other);
            if is_tls_error(other, &text) {
                return Error::Engine(format!(
                    "{doing}: TLS error talking to the {engine} engine at {host}: {text}; \
                     check DOCKER_CERT_PATH and DOCKER_TLS_VERIFY"
                ));
            }
            Error::Engine(format!(
                "{doing}: the {engine} engine at {host} ({}): {text}",
                endpoint.origin
            ))
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
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
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

/// Put `/v{api}` in front of a path that has no version.
fn versioned(mut req: BollardRequest, api: (usize, usize)) -> BollardRequest {
    let uri = req.uri().to_string();
    let Some(authority) = uri.find("://").map(|i| i + 3) else {
        return req;
    };
    let path = uri[authority..]
        .find('/')
        .map_or(uri.len(), |i| authority + i);
    if uri[path..].starts_with("/v1.") {
        return req;
    }
    if let Ok(new) = format!("{}/v{}.{}{}", &uri[..path], api.0, api.1, &uri[path..]).parse() {
        *req.uri_mut() = new;
    }
    req
}

/// Add `query` to requests whose path ends with `suffix`.
fn add_query(mut req: BollardRequest, suffix: &str, query: &str) -> BollardRequest {
    let uri = req.uri().to_string();
    let path_end = uri.find('?').unwrap_or(uri.len());
    if uri[..path_end].ends_with(suffix) {
        let sep = if path_end < uri.len() { '&' } else { '?' };
        if let Ok(new) = format!("{uri}{sep}{query}").parse() {
            *req.uri_mut() = new;
        }
    }
    req
}

/// The OCI platform object the API's `platform` parameters take.
fn platform_json(platform: &PlatformSpec) -> String {
    let mut value = serde_json::json!({
        "os": platform.os,
        "architecture": platform.arch,
    });
    if let Some(variant) = &platform.variant {
        value["variant"] = serde_json::Value::String(variant.clone());
    }
    value.to_string()
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// `repo[:tag]` or `repo@digest` → (repo, tag-or-digest); no tag is `latest`
/// (an empty tag would pull every tag).
fn split_reference(name: &str) -> (&str, &str) {
    if let Some((repo, digest)) = name.split_once('@') {
        return (repo, digest);
    }
    let last = name.rfind('/').map_or(0, |i| i + 1);
    match name[last..].rfind(':') {
        Some(i) => (&name[..last + i], &name[last + i + 1..]),
        None => (name, "latest"),
    }
}

fn is_short_id(name: &str) -> bool {
    (12..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Image references go into a URL path: refuse what cannot be one.
fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/' | b':' | b'@')
        })
        && !name.starts_with(['/', '-', ':', '@']);
    if ok {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "'{name}' is not an image reference (NAME[:TAG], NAME@DIGEST or an image id), \
             and no such file exists"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(host: &str) -> Endpoint {
        Endpoint {
            host: host.into(),
            tls: None,
            origin: "DOCKER_HOST".into(),
            kind: SourceKind::Docker,
        }
    }

    #[test]
    fn references_split_for_pull() {
        assert_eq!(split_reference("busybox"), ("busybox", "latest"));
        assert_eq!(split_reference("busybox:1.36"), ("busybox", "1.36"));
        assert_eq!(
            split_reference("localhost:5000/app"),
            ("localhost:5000/app", "latest")
        );
        assert_eq!(
            split_reference("localhost:5000/app:v2"),
            ("localhost:5000/app", "v2")
        );
        assert_eq!(split_reference("app@sha256:abcd"), ("app", "sha256:abcd"));
        assert!(is_short_id("842bc5ef21b6"));
        assert!(!is_short_id("busybox"));
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("peel-demo:latest").is_ok());
        assert!(check_name("localhost:5000/a/b@sha256:00ff").is_ok());
        assert!(check_name("a b").is_err());
        assert!(check_name("x?y").is_err());
        assert!(check_name("").is_err());
    }

    #[test]
    fn api_negotiation() {
        let e = endpoint("unix:///d.sock");
        assert_eq!(
            negotiate(&e, Some("1.41"), Some("1.12"), None).unwrap(),
            (1, 41)
        );
        let ours = (
            API_DEFAULT_VERSION.major_version,
            API_DEFAULT_VERSION.minor_version,
        );
        // A newer engine: speak ours.
        assert_eq!(
            negotiate(&e, Some("1.99"), Some("1.44"), None).unwrap(),
            ours
        );
        let err = negotiate(&e, Some("1.12"), None, Some("1.0.0"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("too old") && err.contains("1.12"), "{err}");
        let err = negotiate(&e, Some("2.10"), Some("2.0"), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("needs Docker API 2.0"), "{err}");
        assert!(negotiate(&e, None, None, None).is_err());
    }

    #[test]
    fn stream_errors_are_recognised() {
        assert_eq!(
            stream_error(br#"{"errorDetail":{"message":"boom"},"error":"boom"}"#).as_deref(),
            Some("boom")
        );
        assert_eq!(stream_error(b"manifest.json\0\0\0"), None);
    }

    #[test]
    fn platform_query() {
        let p: PlatformSpec = "linux/arm64/v8".parse().unwrap();
        assert_eq!(
            platform_json(&p),
            r#"{"architecture":"arm64","os":"linux","variant":"v8"}"#
        );
        assert_eq!(percent_encode(r#"{"a":"b"}"#), "%7B%22a%22%3A%22b%22%7D");
    }

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
}
