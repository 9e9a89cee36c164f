//! A stream handed from one thread to another in buffers, through a bounded
//! channel: the producing thread reads ahead while the consuming one works
//! on what came before. A pipe owns [`BUFFERS`] buffers of [`CHUNK`] bytes,
//! made with it (on the thread that makes it, so that the other threads'
//! allocator arenas stay small) and passed back and forth, never more.
//!
//! Bytes and errors arrive in the order the producer met them (an error is
//! the same `io::Error`, its kind kept: `Interrupted` still stops a
//! cancelled load, `OutOfMemory` still names a zstd window). When the
//! consumer hangs up, the producer stops at its next buffer.

use std::io::{self, Read};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};

/// Bytes a buffer carries: large enough that handing one over (a channel
/// send, often a thread wake-up) is rare next to the work on its bytes
/// (64 KiB spent 0.2–0.4 CPU s less than 32 KiB on a 600 MB image).
pub const CHUNK: usize = 64 * 1024;
/// Buffers a pipe owns: one being filled, one being read, one waiting.
pub const BUFFERS: usize = 3;

type Message = io::Result<Vec<u8>>;

/// The producing end.
pub struct Pump {
    to: SyncSender<Message>,
    spare: Receiver<Vec<u8>>,
}

/// The consuming end: a [`Read`] of what the pump sent.
pub struct Drain {
    from: Receiver<Message>,
    spare: Sender<Vec<u8>>,
    current: Vec<u8>,
    at: usize,
}

/// A new pipe.
pub fn pipe() -> (Pump, Drain) {
    let (to, from) = mpsc::sync_channel(BUFFERS);
    let (spare_to, spare) = mpsc::channel();
    for _ in 0..BUFFERS {
        let _ = spare_to.send(vec![0; CHUNK]);
    }
    (
        Pump { to, spare },
        Drain {
            from,
            spare: spare_to,
            current: Vec::new(),
            at: 0,
        },
    )
}

impl Pump {
    /// Read `reader` to its end into the pipe. `true` when the end was
    /// reached; `false` when a read failed (the error was sent on) or the
    /// consumer hung up. An interrupted read is not retried: it is how a
    /// cancelled load stops.
    pub fn run<R: Read>(&self, mut reader: R) -> bool {
        loop {
            // Every buffer is in use until the consumer gives one back.
            let Ok(mut buf) = self.spare.recv() else {
                return false;
            };
            buf.resize(CHUNK, 0);
            let mut filled = 0;
            let mut failed = None;
            while filled < CHUNK {
                match reader.read(&mut buf[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            let ended = filled < CHUNK;
            if filled > 0 {
                buf.truncate(filled);
                if self.to.send(Ok(buf)).is_err() {
                    return false;
                }
            }
            if let Some(e) = failed {
                let _ = self.to.send(Err(e));
                return false;
            }
            if ended {
                return true;
            }
        }
    }
}

impl Read for Drain {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.at == self.current.len() {
            let next = match self.from.recv() {
                Ok(message) => message?,
                // The pump is done (or gone): the end of the stream.
                Err(_) => return Ok(0),
            };
            let used = std::mem::replace(&mut self.current, next);
            if used.capacity() > 0 {
                let _ = self.spare.send(used);
            }
            self.at = 0;
        }
        let n = buf.len().min(self.current.len() - self.at);
        buf[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that gives `bytes` in reads of `step`, then fails (or ends).
    struct Steps {
        bytes: Vec<u8>,
        step: usize,
        at: usize,
        fail: Option<io::ErrorKind>,
    }

    impl Read for Steps {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.at == self.bytes.len() {
                return match self.fail {
                    Some(kind) => Err(io::Error::new(kind, "cut here")),
                    None => Ok(0),
                };
            }
            let n = buf.len().min(self.step).min(self.bytes.len() - self.at);
            buf[..n].copy_from_slice(&self.bytes[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    fn steps(len: usize, step: usize, fail: Option<io::ErrorKind>) -> Steps {
        Steps {
            bytes: (0..len).map(|i| (i * 7 % 251) as u8).collect(),
            step,
            at: 0,
            fail,
        }
    }

    #[test]
    fn carries_every_byte_in_order() {
        for (len, step) in [(0, 1), (1, 1), (CHUNK, 1000), (5 * CHUNK + 17, 4093)] {
            let source = steps(len, step, None);
            let want = source.bytes.clone();
            let (pump, mut drain) = pipe();
            let mut got = Vec::new();
            std::thread::scope(|s| {
                let ended = s.spawn(move || pump.run(source));
                // Small reads on this side too.
                let mut buf = [0u8; 333];
                loop {
                    match drain.read(&mut buf).unwrap() {
                        0 => break,
                        n => got.extend_from_slice(&buf[..n]),
                    }
                }
                assert!(ended.join().unwrap());
            });
            assert_eq!(got, want, "{len} bytes in reads of {step}");
        }
    }

    #[test]
    fn an_error_arrives_after_the_bytes_before_it() {
        let source = steps(CHUNK + 10, 4096, Some(io::ErrorKind::Interrupted));
        let (pump, mut drain) = pipe();
        std::thread::scope(|s| {
            let ended = s.spawn(move || pump.run(source));
            // Not `read_to_end`: it reads again after `Interrupted`.
            let mut got = Vec::new();
            let mut buf = [0u8; 1000];
            let err = loop {
                match drain.read(&mut buf) {
                    Ok(0) => panic!("the stream ended without its error"),
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                    Err(e) => break e,
                }
            };
            assert_eq!(err.kind(), io::ErrorKind::Interrupted);
            assert_eq!(err.to_string(), "cut here");
            assert_eq!(got.len(), CHUNK + 10);
            assert!(!ended.join().unwrap());
        });
    }

    #[test]
    fn the_pump_stops_when_the_consumer_hangs_up() {
        // Far more than the pipe holds: the pump must not wait forever.
        let source = steps(100 * CHUNK, CHUNK, None);
        let (pump, mut drain) = pipe();
        std::thread::scope(|s| {
            let ended = s.spawn(move || pump.run(source));
            drain.read_exact(&mut [0u8; 10]).unwrap();
            drop(drain);
            assert!(!ended.join().unwrap());
        });
    }
}
