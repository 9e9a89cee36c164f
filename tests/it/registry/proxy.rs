//! A small HTTP proxy in front of a registry that breaks one thing: it
//! reads one request per connection, forwards it (`Connection: close`),
//! and changes the answer as its [`Fault`] says.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Send half of every large blob the first time, then close.
    CutBlob,
    /// Flip one byte in the middle of every large blob.
    FlipBlob,
    /// Say every layer of a manifest is 7 bytes larger than it is; with
    /// `keep_digest`, the registry's Docker-Content-Digest header stays (the
    /// manifest was changed on the way), else it goes (the registry lies).
    LieAboutSize { keep_digest: bool },
    /// Accept connections and never answer.
    Silent,
    /// Answer every manifest request with a redirect to itself.
    RedirectLoop,
    /// Answer the first request for each path 503 (the second 429 with
    /// `Retry-After: 0`), then forward.
    BusyTwice,
    /// Hold the first request for each large blob this long before
    /// forwarding it (a token may expire meanwhile).
    DelayFirstBlob(Duration),
}

pub struct Proxy {
    pub addr: String,
    /// Range requests seen.
    pub ranges: Arc<AtomicUsize>,
}

/// The paths asked so far.
type Delayed = Arc<std::sync::Mutex<Vec<String>>>;

/// A blob larger than this is "large" (configs and manifests are smaller).
const LARGE: usize = 4000;

pub fn start(upstream: &str, fault: Fault) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let addr = listener.local_addr().unwrap().to_string();
    let ranges = Arc::new(AtomicUsize::new(0));
    let (upstream, me, seen) = (upstream.to_string(), addr.clone(), ranges.clone());
    let delayed = Delayed::default();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let (upstream, me, seen, delayed) =
                (upstream.clone(), me.clone(), seen.clone(), delayed.clone());
            std::thread::spawn(move || {
                let _ = serve(conn, &upstream, &me, fault, &seen, &delayed);
            });
        }
    });
    Proxy { addr, ranges }
}

fn serve(
    mut conn: TcpStream,
    upstream: &str,
    me: &str,
    fault: Fault,
    ranges: &AtomicUsize,
    delayed: &Delayed,
) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(30)))?;
    let head = read_head(&mut conn)?;
    let text = String::from_utf8_lossy(&head).to_string();
    let path = text.split(' ').nth(1).unwrap_or("/").to_string();
    let has_range = text.to_ascii_lowercase().contains("\r\nrange:");
    if has_range {
        ranges.fetch_add(1, Ordering::Relaxed);
    }
    match fault {
        Fault::Silent => {
            std::thread::sleep(Duration::from_secs(60));
            return Ok(());
        }
        Fault::RedirectLoop if path.contains("/manifests/") => {
            let answer = format!(
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://{me}{path}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            return conn.write_all(answer.as_bytes());
        }
        Fault::DelayFirstBlob(pause)
            if path.contains("/blobs/sha256:") && times_seen(delayed, &path) == 0 =>
        {
            std::thread::sleep(pause);
        }
        Fault::BusyTwice => {
            let answer = match times_seen(delayed, &path) {
                0 => {
                    "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                }
                1 => {
                    "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                }
                _ => "",
            };
            if !answer.is_empty() {
                return conn.write_all(answer.as_bytes());
            }
        }
        _ => {}
    }
    let (mut status_and_headers, mut body) = forward(&text, upstream)?;
    let blob = path.contains("/blobs/sha256:") && body.len() > LARGE;
    match fault {
        Fault::CutBlob if blob && !has_range => {
            conn.write_all(&status_and_headers)?;
            conn.write_all(&body[..body.len() / 2])?;
            conn.flush()?;
            return conn.shutdown(Shutdown::Both);
        }
        Fault::FlipBlob if blob => {
            let mid = body.len() / 2;
            body[mid] ^= 0x55;
        }
        Fault::LieAboutSize { keep_digest } if path.contains("/manifests/") => {
            if !keep_digest {
                status_and_headers = without_header(&status_and_headers, "docker-content-digest:");
            }
            if let Ok(mut manifest) = serde_json::from_slice::<serde_json::Value>(&body)
                && let Some(layers) = manifest["layers"].as_array_mut()
            {
                for layer in layers {
                    let size = layer["size"].as_u64().unwrap_or(0);
                    layer["size"] = (size + 7).into();
                }
                body = serde_json::to_vec(&manifest).unwrap();
            }
        }
        _ => {}
    }
    conn.write_all(&with_length(&status_and_headers, body.len()))?;
    conn.write_all(&body)?;
    conn.flush()
}

/// How many times `path` was asked before (counting this time in).
fn times_seen(seen: &Delayed, path: &str) -> usize {
    let mut seen = seen.lock().unwrap();
    let before = seen.iter().filter(|p| *p == path).count();
    seen.push(path.to_string());
    before
}

/// The request head, up to the blank line.
fn read_head(conn: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 65536 {
        if conn.read(&mut byte)? == 0 {
            break;
        }
        head.push(byte[0]);
    }
    Ok(head)
}

/// Send the request upstream with `Connection: close`; the answer's head
/// (with its blank line) and body.
fn forward(request: &str, upstream: &str) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
    let mut out = TcpStream::connect(upstream)?;
    let mut lines: Vec<&str> = request
        .trim_end()
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect();
    lines.push("Connection: close");
    let host = format!("Host: {upstream}");
    for line in &mut lines {
        if line.to_ascii_lowercase().starts_with("host:") {
            *line = &host;
        }
    }
    out.write_all(format!("{}\r\n\r\n", lines.join("\r\n")).as_bytes())?;
    let mut answer = Vec::new();
    out.read_to_end(&mut answer)?;
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(answer.len(), |p| p + 4);
    let body = answer.split_off(split);
    Ok((answer, body))
}

/// The head with its Content-Length set to `len`.
fn with_length(head: &[u8], len: usize) -> Vec<u8> {
    let mut head = without_header(head, "content-length:");
    head.truncate(head.len() - 2);
    head.extend(format!("Content-Length: {len}\r\n\r\n").as_bytes());
    head
}

/// The head without the header `name` (lowercase, with its colon).
fn without_header(head: &[u8], name: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(head);
    let lines: Vec<&str> = text
        .trim_end()
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with(name))
        .collect();
    format!("{}\r\n\r\n", lines.join("\r\n")).into_bytes()
}
