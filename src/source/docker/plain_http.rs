//! HTTP/1.1 by hand for the answers peel reads whole, on plain sockets
//! (`unix://`, `http://`): so that no answer, error answers included, is
//! kept past [`MAX_ANSWER_BYTES`].

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use bollard::errors::Error as BollardError;

use super::answer::{Answer, MAX_ANSWER_BYTES};
use crate::source::engine::Endpoint;

/// The most the status line and the headers may hold.
const MAX_HEAD_BYTES: usize = 64 * 1024;

enum Socket {
    Unix(UnixStream),
    Tcp(TcpStream),
}

/// A socket peel reads and writes.
trait Stream: Read + Write {}

impl<T: Read + Write> Stream for T {}

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

    /// The socket, its timeouts set to what is left before the deadline.
    fn socket(&mut self) -> io::Result<&mut dyn Stream> {
        let left = Some(self.left()?);
        Ok(match &mut self.socket {
            Socket::Unix(s) => {
                s.set_read_timeout(left)?;
                s.set_write_timeout(left)?;
                s
            }
            Socket::Tcp(s) => {
                s.set_read_timeout(left)?;
                s.set_write_timeout(left)?;
                s
            }
        })
    }
}

impl Read for Timed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.socket()?.read(buf)
    }
}

impl Write for Timed {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.socket()?.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

enum ReadFailure {
    Io(io::Error),
    TooLong,
}

impl From<io::Error> for ReadFailure {
    fn from(e: io::Error) -> Self {
        ReadFailure::Io(e)
    }
}

/// GET `path` on a plain endpoint: `None` over TLS (bollard's then).
pub fn get(endpoint: &Endpoint, path: &str, limit: Duration) -> Option<Result<Vec<u8>, Answer>> {
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
        .map_err(ReadFailure::Io)
        .and_then(|socket| exchange(Timed { socket, deadline }, path));
    Some(match answer {
        Ok((status, body)) if (200..300).contains(&status) => Ok(body),
        Ok((status, body)) => Err(Answer::Engine(BollardError::DockerResponseServerError {
            status_code: status,
            message: message(&body),
        })),
        Err(ReadFailure::TooLong) => Err(Answer::TooLong),
        Err(ReadFailure::Io(e))
            if matches!(
                e.kind(),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
            ) =>
        {
            Err(Answer::TimedOut)
        }
        Err(ReadFailure::Io(err)) => Err(Answer::Engine(BollardError::IOError { err })),
    })
}

/// An error answer's `message` (Docker's `{"message": …}`), else its text.
fn message(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("message")?.as_str().map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned())
}

fn exchange(mut socket: Timed, path: &str) -> Result<(u16, Vec<u8>), ReadFailure> {
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
fn take(reader: &mut impl Read, n: u64, body: &mut Vec<u8>) -> Result<(), ReadFailure> {
    let room = (MAX_ANSWER_BYTES - body.len()) as u64;
    if n != u64::MAX && n > room {
        return Err(ReadFailure::TooLong);
    }
    let want = n.min(room + 1);
    let read = reader.take(want).read_to_end(body)? as u64;
    if body.len() > MAX_ANSWER_BYTES {
        return Err(ReadFailure::TooLong);
    }
    if n != u64::MAX && read < n {
        return Err(ReadFailure::Io(io::Error::from(
            io::ErrorKind::UnexpectedEof,
        )));
    }
    Ok(())
}

/// One CRLF-terminated line, counted against the head's budget.
fn line(reader: &mut impl BufRead, used: &mut usize) -> Result<String, ReadFailure> {
    let mut bytes = Vec::new();
    let budget = MAX_HEAD_BYTES.saturating_sub(*used) as u64 + 1;
    reader.take(budget).read_until(b'\n', &mut bytes)?;
    *used += bytes.len();
    if *used > MAX_HEAD_BYTES {
        return Err(ReadFailure::TooLong);
    }
    if !bytes.ends_with(b"\n") {
        return Err(ReadFailure::Io(io::Error::from(
            io::ErrorKind::UnexpectedEof,
        )));
    }
    let text = String::from_utf8_lossy(&bytes);
    Ok(text.trim_end_matches(['\r', '\n']).to_string())
}

fn bad(what: &str) -> ReadFailure {
    ReadFailure::Io(io::Error::new(io::ErrorKind::InvalidData, what.to_string()))
}
