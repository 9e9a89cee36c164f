//! Entry points for the cargo-fuzz targets (`fuzz/`) and for the tests that
//! replay their crash reproducers (`tests/it/fuzz_regressions.rs`): every
//! parser of untrusted bytes, callable on one byte slice.
//!
//! Each entry bounds what the harness itself does with the input (how much
//! decoded output it reads, how many blobs it serves), so that a slow or
//! huge run is peel's doing, not the harness's. None of them may panic on
//! any input; errors are the expected outcome for most inputs.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Cursor, Read, Write};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::image::{
    Image, PlatformSpec, Selection, archive, config::ImageConfig, docker_archive, oci,
};
use crate::image::{config as image_config, sniff};
use crate::layer::digest::{Algorithm, Want};
use crate::layer::walk::walk_blob_with;
use crate::layer::{WalkError, WalkedLayer, walk_blob_pipelined, walk_tar};
use crate::progress::Progress;
use crate::source::engine::{self, Endpoint, Env};
use crate::source::{OpenOptions, SourceKind, docker};

/// Most decoded bytes [`sniff_decode`] reads from one input.
pub const MAX_DECODED: u64 = 16 << 20;

/// Where [`archive_file`] writes its input (one file per process, reused).
fn scratch_path(tag: &str) -> PathBuf {
    let dir = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, Ordering::Relaxed);
    dir.join(format!("peel-fuzz-{}-{tag}-{seq}", std::process::id()))
}

/// The outer archive reader on a stream (`archive::read`), with no tag and
/// with a tag, so manifest selection by tag is reached too.
pub fn archive_stream(data: &[u8]) {
    let progress = Progress::new();
    let _ = archive::read(
        Cursor::new(data),
        "fuzz.tar",
        "fuzz.tar",
        &Selection::default(),
        &progress,
    );
}

/// The outer archive reader on a file (`archive::read_file_as`: header scan
/// with seeks, then the layers walked by positional reads in parallel).
pub fn archive_file(data: &[u8]) {
    let path = scratch_path("archive");
    let written = std::fs::write(&path, data);
    if written.is_ok()
        && let Ok(file) = std::fs::File::open(&path)
    {
        let selection = Selection {
            tag: Some("latest".into()),
            platform: None,
            no_verify: skip_verification(data),
        };
        let _ = archive::read_file_as(
            file,
            &path,
            "fuzz.tar",
            "fuzz.tar",
            &selection,
            &Progress::new(),
            archive::Prefer::Manifest,
        );
    }
    let _ = std::fs::remove_file(&path);
}

/// The layer reader: sniff + decompress + walk (`walk_blob_with`, hashing
/// nothing and both digests), the plain tar walk (`walk_tar`) on the same
/// bytes, and the three-thread walk of a streamed blob
/// (`walk_blob_pipelined`), which must give what one thread gives: the
/// layer, the digests, the error to the message.
pub fn layer(data: &[u8]) {
    for want in [Want::NONE, Want::all(Some(Algorithm::Sha256))] {
        let one = walk_blob_with(data, want);
        let three = walk_blob_pipelined(data, want);
        assert!(
            walks_agree(&one, &three),
            "the pipelined walk differs ({want:?}):\n three: {three:?}\n   one: {one:?}"
        );
    }
    let _ = walk_tar(data);
}

/// Whether two walks of one blob agree: the same layer and digests, or the
/// same error to the message. One exception: a decoder that fails late (a
/// zstd frame's checksum) returns the error instead of the bytes of the
/// read that failed, so when a corrupt blob also holds a bad entry, which of
/// the two faults surfaces first depends on how much each walk asked for at
/// once. Then both walks fail, and one of them on the compressed stream.
fn walks_agree(
    one: &Result<WalkedLayer, WalkError>,
    three: &Result<WalkedLayer, WalkError>,
) -> bool {
    let stream_failed = |walked: &Result<WalkedLayer, WalkError>| matches!(walked, Err(WalkError::Read { stream, .. }) if *stream != "tar");
    format!("{one:?}") == format!("{three:?}")
        || (one.is_err() && three.is_err() && (stream_failed(one) || stream_failed(three)))
}

/// Split at the first `n - 1` NUL bytes: the documents of one input.
fn sections(data: &[u8], n: usize) -> Vec<&[u8]> {
    data.splitn(n, |&b| b == 0).collect()
}

/// The OCI layout parsers: `data` is `index.json`, NUL, then the blobs the
/// resolver fetches, in the order it asks (NUL-separated; a fetch past the
/// last one fails, as a missing blob does). The same first document is also
/// read as a docker-save `manifest.json` (`docker_archive::select`).
pub fn oci_layout(data: &[u8]) {
    let docs = sections(data, 16);
    let index = docs[0];
    let blobs = &docs[1..];
    for selection in fuzz_selections() {
        let tag = selection.tag.clone();
        let mut next = 0;
        let mut fetch = |_d: &oci_spec::image::Descriptor| -> crate::Result<Vec<u8>> {
            let blob = blobs.get(next).ok_or_else(|| {
                crate::Error::missing("fuzz", "the blob is not in the layout".to_string())
            })?;
            next += 1;
            Ok(blob.to_vec())
        };
        if let Ok(resolved) = oci::resolve(index, "fuzz", &selection, &mut fetch) {
            image_config_checks(&resolved.config);
            let _ = crate::image::assemble_resolved("fuzz", "oci", "fuzz", resolved, Vec::new());
        }
        let _ = docker_archive::select(index, "fuzz.tar", tag.as_deref());
    }
    for blob in blobs {
        image_config_checks(blob);
    }
}

/// What the rest of peel reads from an image config.
fn image_config_checks(bytes: &[u8]) {
    if let Ok(config) = ImageConfig::parse(bytes) {
        let _ = config.diff_ids();
        let _ = config.platform();
        for history in config
            .layer_history(config.diff_ids().len().min(64))
            .into_iter()
            .flatten()
        {
            if let Some(created_by) = &history.created_by {
                let _ = image_config::display_command(created_by);
                let _ = image_config::single_line(created_by);
            }
        }
    }
}

/// Compression sniffing and decoding: `decompress`, then read to the end
/// (at most [`MAX_DECODED`] bytes), and the tar check on the first block.
pub fn sniff_decode(data: &[u8]) {
    let _ = sniff::Compression::detect(data);
    let _ = sniff::is_tar(data);
    let Ok((_compression, decoded)) = sniff::decompress(data) else {
        return;
    };
    let Ok((head, mut rest)) = sniff::peek(decoded, sniff::BLOCK) else {
        return;
    };
    let _ = sniff::is_tar(&head);
    let mut buf = vec![0u8; 64 << 10];
    let mut total = 0u64;
    while total < MAX_DECODED {
        match rest.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n as u64,
        }
    }
}

/// The `.dive-ci` parser (`ci::config::parse`) on the input as text.
pub fn ci_config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(rules) = crate::ci::config::parse(&text, ".dive-ci") {
        let _ = crate::ci::Rules::resolve(&rules.rules, &crate::ci::RuleText::default());
    }
}

/// An environment whose files are in memory: engine discovery reads
/// `config.json` and a context's `meta.json` from it.
struct MemEnv {
    vars: HashMap<&'static str, String>,
    files: HashMap<PathBuf, Vec<u8>>,
}

impl Env for MemEnv {
    fn var(&self, name: &str) -> Option<String> {
        self.vars.get(name).cloned()
    }
    fn home(&self) -> Option<PathBuf> {
        Some(PathBuf::from("/fuzz-home"))
    }
    fn exists(&self, path: &Path) -> bool {
        self.files.contains_key(path)
    }
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    }
}

/// The engine: the first byte chooses what is fed.
/// - even: discovery (`engine::discover`) — `DOCKER_HOST` value, NUL,
///   `config.json`, NUL, the current context's `meta.json`;
/// - odd: a fake engine on a unix socket answers peel's requests —
///   `/version` response, NUL, inspect response, NUL, export (and pull)
///   response; each response is an optional 3-digit status and a newline,
///   then the body. Bit 1 of the first byte asks for `--platform
///   linux/arm64`, bit 2 for `--pull`.
pub fn engine(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        engine_discovery(rest);
    } else {
        engine_responses(rest, mode & 2 != 0, mode & 4 != 0);
    }
}

fn engine_discovery(data: &[u8]) {
    let docs = sections(data, 3);
    let text = |i: usize| docs.get(i).map(|d| String::from_utf8_lossy(d).into_owned());
    let mut vars = HashMap::new();
    let mut files = HashMap::new();
    if let Some(host) = text(0).filter(|h| !h.is_empty()) {
        vars.insert("DOCKER_HOST", host.clone());
        vars.insert("CONTAINER_HOST", host);
    }
    let docker_dir = PathBuf::from("/fuzz-home/.docker");
    if let Some(config) = docs.get(1) {
        files.insert(docker_dir.join("config.json"), config.to_vec());
    }
    if let Some(meta) = docs.get(2) {
        // Whatever context config.json names: the store's path is the
        // name's sha256, so serve meta.json for the names a seed would use
        // and let discovery also try DOCKER_CONTEXT.
        vars.insert("DOCKER_CONTEXT", "fuzz".into());
        for name in ["fuzz", "default", "remote"] {
            let dir = docker_dir
                .join("contexts/meta")
                .join(sha256_hex(name.as_bytes()));
            files.insert(dir.join("meta.json"), meta.to_vec());
        }
    }
    let env = MemEnv { vars, files };
    let _ = engine::discover(SourceKind::Docker, &env);
    let env = MemEnv {
        vars: HashMap::new(),
        files: env.files,
    };
    let _ = engine::discover(SourceKind::Docker, &env);
    let _ = engine::discover(SourceKind::Podman, &env);
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One canned HTTP response: status and body.
struct Canned {
    status: u16,
    body: Vec<u8>,
}

fn canned(section: Option<&&[u8]>) -> Canned {
    let section = section.copied().unwrap_or_default();
    let status = section
        .get(..4)
        .filter(|s| s[..3].iter().all(u8::is_ascii_digit) && s[3] == b'\n')
        .and_then(|s| std::str::from_utf8(&s[..3]).ok()?.parse::<u16>().ok())
        .filter(|s| (100..600).contains(s) && *s != 101 && *s != 204 && *s != 304);
    match status {
        Some(status) => Canned {
            status,
            body: section[4..].to_vec(),
        },
        None => Canned {
            status: 200,
            body: section.to_vec(),
        },
    }
}

/// Most requests one fake engine answers (peel makes three or four).
const MAX_REQUESTS: usize = 8;

fn engine_responses(data: &[u8], platform: bool, pull: bool) {
    let _ = engine_open(data, platform, pull);
}

/// [`engine`]'s second mode, with peel's answer: `None` when the harness
/// could not set up its socket.
pub fn engine_open(data: &[u8], platform: bool, pull: bool) -> Option<crate::Result<Image>> {
    let docs = sections(data, 3);
    let version = canned(docs.first());
    let inspect = canned(docs.get(1));
    let export = canned(docs.get(2));
    let socket = scratch_path("engine.sock");
    let _ = std::fs::remove_file(&socket);
    let Ok(listener) = UnixListener::bind(&socket) else {
        return None;
    };
    let server = std::thread::spawn(move || serve(listener, &version, &inspect, &export));
    let endpoint = Endpoint {
        host: format!("unix://{}", socket.display()),
        tls: None,
        origin: "the fuzz harness".into(),
        kind: SourceKind::Docker,
    };
    let options = OpenOptions {
        platform: platform.then(|| PlatformSpec {
            os: "linux".into(),
            arch: "arm64".into(),
            variant: None,
        }),
        progress: Progress::new(),
        pull,
        quiet: true,
        no_verify: skip_verification(data),
        registry: Default::default(),
        ..OpenOptions::default()
    };
    let opened = docker::open_at(&endpoint, "fuzz:latest", "fuzz:latest", &options);
    // Wake the server if it still waits for a request peel did not make.
    let _ = std::os::unix::net::UnixStream::connect(&socket);
    let _ = server.join();
    let _ = std::fs::remove_file(&socket);
    Some(opened)
}

/// Answer up to [`MAX_REQUESTS`] requests, one per connection, by path;
/// an empty request line (the harness's wake-up) ends it.
fn serve(listener: UnixListener, version: &Canned, inspect: &Canned, export: &Canned) {
    for _ in 0..MAX_REQUESTS {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
        let mut reader = BufReader::new(&stream);
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        // The rest of the head (peel's requests have no body worth reading).
        let mut line = String::new();
        for _ in 0..64 {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) if line == "\r\n" || line == "\n" => break,
                Ok(_) => {}
            }
        }
        let path = request_line.split(' ').nth(1).unwrap_or("");
        let answer = if path.contains("/version") {
            version
        } else if path.contains("/get") || path.contains("/images/create") {
            export
        } else if path.contains("/json") {
            inspect
        } else {
            &Canned {
                status: 404,
                body: b"{\"message\":\"not here\"}".to_vec(),
            }
        };
        let mut out = &stream;
        let head = format!(
            "HTTP/1.1 {} Fuzz\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n",
            answer.status,
            answer.body.len()
        );
        let _ = out.write_all(head.as_bytes());
        let _ = out.write_all(&answer.body);
        let _ = out.flush();
    }
}

/// The registry's parsers; the first byte picks one (modulo 5), the rest
/// is its input:
/// - 0: an image reference (`RegistryRef::parse`), which must print back
///   as one that parses to the same;
/// - 1: a `WWW-Authenticate` value (`challenge::parse`);
/// - 2: the registry name, a newline, then a docker `config.json` or a
///   containers `auth.json` (`AuthFile::parse` and what it stores for that
///   registry and for Docker Hub; no helper is run);
/// - 3: an error body (`{"errors":[…]}`);
/// - 4: a manifest as a registry serves it: a head line (`Content-Type`,
///   optionally a space and the `Docker-Content-Digest`), then the
///   manifest, then NUL-separated the manifests and config its
///   descriptors name, served in the order asked; resolved as peel does
///   (`manifest::top_of`, `oci::resolve`, each fetch checked by
///   `check_described` unless the input's length is odd).
pub fn registry(data: &[u8]) {
    use crate::source::registry::{challenge, credentials, manifest, transport};
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    match mode % 5 {
        0 => registry_reference(&text),
        1 => {
            let _ = challenge::parse(&text);
        }
        2 => {
            let (registry, file) = match rest.iter().position(|&b| b == b'\n') {
                Some(at) => (String::from_utf8_lossy(&rest[..at]), &rest[at + 1..]),
                None => ("docker.io".into(), rest),
            };
            if let Ok(auth) = credentials::AuthFile::parse(file, "auth.json") {
                for name in [registry.as_ref(), "docker.io", "localhost:5000"] {
                    let _ = auth.stored(name, "auth.json");
                }
            }
        }
        3 => {
            let _ = transport::error_codes_of(rest);
        }
        _ => registry_manifest(rest, skip_verification(data)),
    }
    let _ = manifest::sha256_digest(rest);
}

fn registry_reference(text: &str) {
    use crate::source::registry::RegistryRef;
    let Ok(reference) = RegistryRef::parse(text) else {
        return;
    };
    let _ = reference.api_host();
    let _ = reference.manifest_ref();
    let printed = reference.to_string();
    match RegistryRef::parse(&printed) {
        Ok(again) => assert_eq!(again, reference, "{printed:?} reads back otherwise"),
        Err(e) => panic!("{printed:?}, printed from {text:?}, does not parse: {e}"),
    }
}

fn registry_manifest(data: &[u8], unchecked: bool) {
    for selection in fuzz_selections() {
        if let Ok(resolved) = registry_resolve(data, &selection, unchecked) {
            image_config_checks(&resolved.config);
        }
    }
}

/// [`registry`]'s mode 4 (`data` after the mode byte): the manifest read
/// and resolved as peel does, each fetch checked unless `unchecked`.
pub fn registry_resolve(
    data: &[u8],
    selection: &Selection,
    unchecked: bool,
) -> crate::Result<oci::Resolved> {
    use crate::source::registry::manifest;
    let (head, rest) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (String::from_utf8_lossy(&data[..at]), &data[at + 1..]),
        None => (Default::default(), data),
    };
    let (media_type, said) = match head.split_once(' ') {
        Some((media_type, said)) => (media_type, Some(said)),
        None => (head.as_ref(), None),
    };
    let docs = sections(rest, 16);
    let top = manifest::top_of("fuzz", media_type, said, None, docs[0].to_vec())?;
    let mut next = 1;
    let mut fetch = |d: &oci_spec::image::Descriptor| -> crate::Result<Vec<u8>> {
        if d.digest().to_string() == top.digest {
            return Ok(top.bytes.clone());
        }
        let blob = docs.get(next).ok_or_else(|| {
            crate::Error::missing("fuzz", "the registry has no such blob".to_string())
        })?;
        next += 1;
        if unchecked {
            Ok(blob.to_vec())
        } else {
            manifest::check_described("fuzz", d, blob.to_vec())
        }
    };
    oci::resolve(&top.index_json, "fuzz", selection, &mut fetch)
}

/// The selections the index resolvers are fuzzed with: none (this
/// machine's platform, leniently) and a tag with `linux/arm64/v8`.
fn fuzz_selections() -> [Selection; 2] {
    [
        Selection::default(),
        Selection {
            tag: Some("latest".into()),
            platform: Some(PlatformSpec {
                os: "linux".into(),
                arch: "arm64".into(),
                variant: Some("v8".into()),
            }),
            ..Selection::default()
        },
    ]
}

/// The Dockerfile reader and its history mapping: the Dockerfile's text,
/// NUL, a byte (modulo 8: how many layers are the base image's), then the
/// history's `created_by` lines (newline-separated; a line starting with
/// `!` is an empty layer). `dockerfile::parse`, `history::read` on each
/// line, and `dockerfile::map` of the two.
pub fn dockerfile(data: &[u8]) {
    let _ = dockerfile_mapping(data);
}

/// [`dockerfile`], with the mapping when the Dockerfile parses.
pub fn dockerfile_mapping(data: &[u8]) -> Option<crate::dockerfile::Mapping> {
    use crate::dockerfile::{self as df, history};
    let docs = sections(data, 2);
    let text = String::from_utf8_lossy(docs[0]);
    let (base_layers, lines) = match docs.get(1).and_then(|d| d.split_first()) {
        Some((&count, lines)) => (usize::from(count % 8), lines),
        None => (0, &[][..]),
    };
    let entries: Vec<image_config::History> = String::from_utf8_lossy(lines)
        .lines()
        .take(df::map::MAX_ENTRIES + 16)
        .map(|line| {
            let (empty_layer, created_by) = match line.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, line),
            };
            let _ = history::read(created_by);
            image_config::History {
                created: None,
                created_by: Some(created_by.to_string()),
                comment: None,
                empty_layer,
            }
        })
        .collect();
    let Ok(file) = df::parse(&text, "Dockerfile") else {
        return None;
    };
    let layer_count = entries.iter().filter(|h| !h.empty_layer).count();
    let mapping = df::map(&file, &entries, layer_count, base_layers);
    assert_eq!(mapping.layers.len(), layer_count);
    assert_eq!(mapping.entries.len(), entries.len());
    for step in &file.steps {
        assert!(!step.line.instruction.contains('\n'), "{:?}", step.line);
        let _ = history::matches(step, &history::read(&step.line.instruction));
    }
    Some(mapping)
}

/// Every entry by its target name (the fuzz targets' and the reproducer
/// folders' names).
pub fn by_name(target: &str) -> Option<fn(&[u8])> {
    Some(match target {
        "archive" => |d: &[u8]| {
            archive_stream(d);
            archive_file(d);
        },
        "layer" => layer,
        "oci" => oci_layout,
        "sniff" => sniff_decode,
        "ci_config" => ci_config,
        "engine" => engine,
        "registry" => registry,
        "dockerfile" => dockerfile,
        _ => return None,
    })
}

/// The targets, in the order `fuzz/run.sh` runs them.
pub const TARGETS: [&str; 8] = [
    "archive",
    "layer",
    "oci",
    "sniff",
    "ci_config",
    "engine",
    "registry",
    "dockerfile",
];

/// Half the inputs are read with digest verification (the default) and half
/// without it: verification stops a mutated image at its assembly, and the
/// code after that must be reached too.
fn skip_verification(data: &[u8]) -> bool {
    data.len() % 2 == 1
}
