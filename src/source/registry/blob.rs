//! Layer blobs streamed from a registry into the walker, `--jobs` at a
//! time: nothing is written to disk, every blob is hashed as it streams
//! (the checks are [`crate::layer::digest`]'s, as for every source), and
//! the largest compressed ones are read, decompressed and walked on three
//! threads ([`crate::layer::pipelined`]; [`three_thread_blobs`] says how
//! many). A connection cut midway is resumed with a Range request.

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use oci_spec::image::Descriptor;

use super::manifest::failed;
use super::transport::{Client, Failure};
use crate::error::{Error, Result};
use crate::image::location::{BlobLocation, FetchAgain, RemoteBlob};
use crate::image::{LayerBlob, oci, parallel};
use crate::layer::digest::{Algorithm, HashingReader, Want};
use crate::layer::pipelined::walk_blob_pipelined;
use crate::layer::walk::walk_blob_with;
use crate::progress::{CountingReader, Progress};

/// How many times one blob's download is resumed after a cut.
const MAX_RESUMES: u32 = 5;

/// One blob of the repository, which can be fetched (again).
#[derive(Debug, Clone)]
pub struct BlobFetch {
    client: Arc<Client>,
    digest: String,
    size: u64,
}

impl BlobFetch {
    fn stream(&self, abort: Option<Arc<AtomicBool>>) -> BlobStream {
        BlobStream {
            fetch: self.clone(),
            got: 0,
            body: None,
            resumes: 0,
            abort,
        }
    }

    fn what(&self) -> String {
        format!("blob {}", self.digest)
    }
}

impl FetchAgain for BlobFetch {
    fn fetch(&self) -> Result<Box<dyn Read>> {
        Ok(Box::new(self.stream(None)))
    }
}

/// The bytes of one blob as they arrive, resumed after a cut.
struct BlobStream {
    fetch: BlobFetch,
    got: u64,
    body: Option<ureq::BodyReader<'static>>,
    resumes: u32,
    /// Set when another layer failed: stop early.
    abort: Option<Arc<AtomicBool>>,
}

impl Read for BlobStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self
            .abort
            .as_ref()
            .is_some_and(|a| a.load(Ordering::Relaxed))
        {
            // Not `Interrupted`: `read_exact` and `io::copy` would try again.
            return Err(io::Error::other("stopped: another layer failed"));
        }
        loop {
            let reader = match &mut self.body {
                Some(reader) => reader,
                None => self.body.insert(open(&self.fetch, self.got)?),
            };
            let size = self.fetch.size;
            let cut = match reader.read(buf) {
                Ok(0) if self.got >= size => return Ok(0),
                Ok(0) => format!("the connection ended after {} of {size} bytes", self.got),
                Ok(n) => {
                    self.got += n as u64;
                    if self.got > size {
                        return Err(io::Error::other(format!(
                            "the registry sends more than the {size} bytes the descriptor of {} says",
                            self.fetch.digest
                        )));
                    }
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
                Err(e) => format!(
                    "the connection was cut after {} of {size} bytes ({e})",
                    self.got
                ),
            };
            self.body = None;
            if self.resumes >= MAX_RESUMES {
                return Err(io::Error::other(format!(
                    "{cut}, {MAX_RESUMES} times resumed with a Range request"
                )));
            }
            std::thread::sleep(Duration::from_millis(100) * 2u32.pow(self.resumes));
            self.resumes += 1;
        }
    }
}

/// Open the blob from byte `from`: a Range request when resuming.
fn open(fetch: &BlobFetch, from: u64) -> io::Result<ureq::BodyReader<'static>> {
    let response = fetch
        .client
        .get(&format!("blobs/{}", fetch.digest), None, Some(from))
        .map_err(|f| {
            let status = matches!(&f, Failure::Status(r) if r.status() == 404);
            let error = failed(&fetch.client, f, &fetch.what());
            let text = match error {
                Error::Invalid { reason, .. } if status => {
                    format!("{reason} (the manifest names a blob the registry does not have)")
                }
                Error::Invalid { reason, .. } => reason,
                other => other.to_string(),
            };
            io::Error::other(text)
        })?;
    let partial = response.status() == 206;
    let length = response
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if from == 0
        && let Some(length) = length
        && length != fetch.size
    {
        return Err(io::Error::other(format!(
            "the registry serves {length} bytes for {} but its descriptor says {}",
            fetch.digest, fetch.size
        )));
    }
    let mut body = response.into_body().into_reader();
    if from > 0 && !partial {
        // The registry ignored the Range: skip what was already read.
        let skipped = io::copy(&mut (&mut body).take(from), &mut io::sink())?;
        if skipped != from {
            return Err(io::Error::other("the blob is shorter than before"));
        }
    }
    Ok(body)
}

/// How many of an image's blobs, the largest, are walked on three threads
/// ([`walk_blob_pipelined`]); the others are walked on their fetch's thread.
///
/// The `jobs` fetches already keep that many threads inflating and hashing.
/// Two more threads for a blob pay only where cores are left for them:
/// beyond that they take turns with the fetches on the same cores, for
/// thread switches, a copy between stages and two pipes' buffers a blob. The
/// largest blob always gets them: it is fetched first, and the image is done
/// when its walk is, by then often the only one left.
fn three_thread_blobs(jobs: usize, cores: usize) -> usize {
    (cores.saturating_sub(jobs) / 2).max(1)
}

/// Walk every distinct layer blob, `jobs` at a time, in the layers' order.
pub fn walk_layers(
    client: &Arc<Client>,
    layers: &[Descriptor],
    jobs: usize,
    no_verify: bool,
    progress: &Arc<Progress>,
) -> Result<Vec<LayerBlob>> {
    let mut distinct: Vec<(usize, &Descriptor)> = Vec::new();
    for (idx, d) in layers.iter().enumerate() {
        if !distinct.iter().any(|(_, seen)| seen.digest() == d.digest()) {
            distinct.push((idx, d));
        }
    }
    // The largest first: the walk ends about when the largest blob arrives.
    distinct.sort_by_key(|(idx, d)| (std::cmp::Reverse(d.size()), *idx));
    let jobs = jobs.max(1);
    let three = three_thread_blobs(jobs, parallel::cores());
    let ranked: Vec<(usize, (usize, &Descriptor))> = distinct.iter().copied().enumerate().collect();
    let abort = Arc::new(AtomicBool::new(false));
    let walked = parallel::map_on(jobs, &ranked, |(rank, (idx, d))| {
        let pipelined = *rank < three;
        let result = walk_one(client, *idx, d, no_verify, progress, &abort, pipelined);
        if result.is_err() {
            abort.store(true, Ordering::Relaxed);
        } else {
            progress.layer_done();
        }
        result
    });
    if progress.is_cancelled() {
        return Err(Error::Cancelled);
    }
    // The first failure that is not another's consequence.
    let mut results: Vec<(&Descriptor, Result<LayerBlob>)> = Vec::new();
    let mut first_error = None;
    let mut walked: Vec<_> = distinct.iter().zip(walked).collect();
    walked.sort_by_key(|((idx, _), _)| *idx);
    for ((_, d), result) in walked {
        match result {
            Err(Error::Cancelled) => {}
            Err(e) => {
                if first_error.is_none() {
                    first_error = Some(oci::name_artifact_layer(e, d));
                }
            }
            Ok(blob) => results.push((d, Ok(blob))),
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    let mut blobs = Vec::with_capacity(layers.len());
    for d in layers {
        match results.iter().find(|(seen, _)| seen.digest() == d.digest()) {
            Some((_, Ok(blob))) => blobs.push(blob.clone()),
            _ => return Err(Error::Cancelled),
        }
    }
    Ok(blobs)
}

fn walk_one(
    client: &Arc<Client>,
    idx: usize,
    d: &Descriptor,
    no_verify: bool,
    progress: &Arc<Progress>,
    abort: &Arc<AtomicBool>,
    pipelined: bool,
) -> Result<LayerBlob> {
    let digest = d.digest().to_string();
    let fetch = BlobFetch {
        client: client.clone(),
        digest: digest.clone(),
        size: d.size(),
    };
    let algorithm = Algorithm::of(d.digest());
    let want = Want::unless(no_verify, || Want::all(algorithm));
    let layer_what = format!("{}: layer {idx} ({digest})", client.what);
    let stream = CountingReader::new(fetch.stream(Some(abort.clone())), progress.clone());
    let walked = if pipelined {
        walk_blob_pipelined(stream, want)
    } else {
        walk_blob_with(stream, want)
    };
    let walked = match walked {
        Ok(walked) => walked,
        Err(_) if progress.is_cancelled() || abort.load(Ordering::Relaxed) => {
            return Err(Error::Cancelled);
        }
        Err(e) => {
            // A blob that does not decode may be one whose bytes changed on
            // the way: say so rather than blame the format.
            if let Some(algorithm) = algorithm.filter(|_| !no_verify)
                && let Some(mismatch) = digest_mismatch(&fetch, algorithm)
            {
                return Err(Error::invalid(layer_what, mismatch));
            }
            return Err(Error::invalid(layer_what, e));
        }
    };
    let blob = LayerBlob {
        name: digest,
        changes: Arc::new(walked.changes),
        compression: walked.compression,
        blob_size: d.size(),
        location: BlobLocation::Remote(RemoteBlob(Arc::new(fetch))),
        digests: walked.digests,
        expected: None,
    };
    Ok(blob.described_by(d))
}

/// Fetch the blob again and hash it: the mismatch, when there is one.
fn digest_mismatch(fetch: &BlobFetch, algorithm: Algorithm) -> Option<String> {
    let mut hashing = HashingReader::new(fetch.stream(None), Some(algorithm));
    io::copy(&mut hashing, &mut io::sink()).ok()?;
    let (computed, _) = hashing.finish().ok()?;
    let computed = computed?;
    let expected = fetch.digest.split_once(':')?.1;
    (computed.hex != expected).then(|| {
        format!(
            "the blob does not match its digest: expected {}, actual {computed}",
            fetch.digest
        )
    })
}

#[cfg(test)]
mod tests {
    use super::three_thread_blobs;

    #[test]
    fn three_threads_only_where_cores_are_left() {
        // The largest blob always; more only with two cores to spare each.
        assert_eq!(three_thread_blobs(4, 1), 1);
        assert_eq!(three_thread_blobs(4, 2), 1);
        assert_eq!(three_thread_blobs(1, 2), 1);
        assert_eq!(three_thread_blobs(4, 7), 1);
        assert_eq!(three_thread_blobs(4, 8), 2);
        assert_eq!(three_thread_blobs(4, 16), 6);
    }
}
