//! Images read from a real engine: the Docker engine `DOCKER_HOST` names
//! (CI starts a private one, `.ci/start-docker.sh`), and Podman's
//! Docker-compatible API when podman is installed.
//!
//! The images are built here, once per test process, under `peel-it/`: a
//! busybox base made by `docker import` (no registry), then a many-layer
//! image with `docker build` (legacy builder). A test that needs an engine
//! and finds none fails when `PEEL_REQUIRE_DOCKER=1` (CI), and is skipped
//! with the reason printed otherwise.
//!
//! Faults (a stream cut midway, an engine that never answers, an engine too
//! old or newer than peel) come from small proxies and fake engines on
//! loopback, in front of the real socket.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Command as Std, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

pub(crate) const BASE: &str = "peel-it/busybox:base";
const LAYERS: &str = "peel-it/layers:1";

/// The engine the tests run against, and what setup made in it.
pub(crate) struct Engine {
    /// `DOCKER_HOST` as the tests pass it to peel.
    host: String,
    /// The engine's socket.
    socket: PathBuf,
    /// `docker image inspect` of [`LAYERS`].
    id: String,
    /// `docker save` of [`LAYERS`].
    saved: PathBuf,
    /// Where the setup keeps its files (lives as long as the process).
    dir: PathBuf,
}

fn required(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// The engine, set up once; `None` (with the reason printed) when there is
/// none and none is required.
pub(crate) fn engine() -> Option<&'static Engine> {
    static ENGINE: OnceLock<Result<Engine, String>> = OnceLock::new();
    match ENGINE.get_or_init(setup) {
        Ok(engine) => Some(engine),
        Err(reason) if required("PEEL_REQUIRE_DOCKER") => {
            panic!("PEEL_REQUIRE_DOCKER=1 but the Docker engine is not usable: {reason}")
        }
        Err(reason) => {
            eprintln!(
                "skipped: no usable Docker engine ({reason}); set DOCKER_HOST, or run .ci/start-docker.sh"
            );
            None
        }
    }
}

fn docker_host() -> String {
    std::env::var("DOCKER_HOST")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unix:///var/run/docker.sock".into())
}

/// `docker ARGS` against the test engine; stdout, or why it failed.
pub(crate) fn docker(args: &[&str]) -> Result<String, String> {
    let out = Std::new("docker")
        .args(args)
        .env("DOCKER_HOST", docker_host())
        .env("DOCKER_BUILDKIT", "0")
        .env_remove("DOCKER_CONTEXT")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `docker`: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(format!(
            "`docker {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn setup() -> Result<Engine, String> {
    let host = docker_host();
    let Some(socket) = host.strip_prefix("unix://").map(PathBuf::from) else {
        return Err(format!(
            "DOCKER_HOST={host}: these tests need a unix socket"
        ));
    };
    docker(&["version", "--format", "{{.Server.APIVersion}}"])?;
    let dir = crate::fixture::run_dir("docker");
    if docker(&["image", "inspect", BASE]).is_err() {
        import_busybox(&dir)?;
    }
    let ctx = dir.join("layers");
    std::fs::create_dir_all(&ctx).map_err(|e| e.to_string())?;
    std::fs::write(ctx.join("hello.txt"), "hello from the build context\n")
        .map_err(|e| e.to_string())?;
    std::fs::write(ctx.join("Dockerfile"), LAYERS_DOCKERFILE).map_err(|e| e.to_string())?;
    docker(&["build", "-q", "-t", LAYERS, ctx.to_str().unwrap_or(".")])?;
    let id = docker(&["image", "inspect", "--format", "{{.Id}}", LAYERS])?;
    let saved = dir.join("layers.tar");
    docker(&["save", "-o", saved.to_str().unwrap_or("x"), LAYERS])?;
    Ok(Engine {
        host,
        socket,
        id,
        saved,
        dir,
    })
}

/// Whiteouts, opaque directories, copy-ups, a file made a symlink: the
/// patterns the layer rules are about, as overlay2 really encodes them.
const LAYERS_DOCKERFILE: &str = r#"FROM peel-it/busybox:base
RUN mkdir -p /data/keep /data/gone /data/opaque && echo keep > /data/keep/a && dd if=/dev/zero of=/data/gone/big bs=1024 count=100 2>/dev/null && echo old1 > /data/opaque/one && echo old2 > /data/opaque/two
RUN rm -rf /data/gone
RUN rm -rf /data/opaque && mkdir /data/opaque && echo new > /data/opaque/three
RUN dd if=/dev/zero of=/data/keep/zeros bs=1024 count=50 2>/dev/null
RUN echo changed >> /data/keep/a && chmod 600 /data/keep/zeros
COPY hello.txt /data/hello.txt
RUN rm /data/hello.txt && ln -s /data/keep/a /data/hello.txt
WORKDIR /app
RUN touch /bin/busybox && rm /data/keep/zeros
"#;

/// A busybox base from the host's static busybox, as the guide says.
fn import_busybox(dir: &Path) -> Result<(), String> {
    let busybox = ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.exists())
        .ok_or("no /bin/busybox to make a base image from (apt-get install busybox-static)")?;
    let root = dir.join("bb");
    for sub in ["bin", "tmp", "etc", "root"] {
        std::fs::create_dir_all(root.join(sub)).map_err(|e| e.to_string())?;
    }
    std::fs::copy(busybox, root.join("bin/busybox")).map_err(|e| e.to_string())?;
    let list = Std::new(root.join("bin/busybox"))
        .arg("--list")
        .output()
        .map_err(|e| e.to_string())?;
    for applet in String::from_utf8_lossy(&list.stdout).lines() {
        if applet != "busybox" && !applet.is_empty() {
            let _ = std::os::unix::fs::symlink("busybox", root.join("bin").join(applet));
        }
    }
    std::fs::write(root.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n")
        .map_err(|e| e.to_string())?;
    std::fs::write(root.join("etc/group"), "root:x:0:\n").map_err(|e| e.to_string())?;
    import_root(&root, &dir.join("bb.tar"), r#"CMD ["/bin/sh"]"#, BASE)
}

/// Tar the folder `root` (numeric owners) into `tar` and `docker import` it
/// as `tag` with the Dockerfile instruction `change` (its CMD).
pub(crate) fn import_root(root: &Path, tar: &Path, change: &str, tag: &str) -> Result<(), String> {
    let status = Std::new("tar")
        .args(["--numeric-owner", "-C"])
        .arg(root)
        .arg("-cf")
        .arg(tar)
        .arg(".")
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("tar of {} failed", root.display()));
    }
    docker(&["import", "-c", change, tar.to_str().unwrap_or("x"), tag]).map(|_| ())
}

/// peel with a clean environment: no CI, no engine variables but those given.
pub(crate) fn peel(vars: &[(&str, &str)]) -> Command {
    let mut cmd = Command::cargo_bin("peel").expect("the peel binary is built");
    for var in [
        "CI",
        "GITHUB_ACTIONS",
        "GITHUB_STEP_SUMMARY",
        "DOCKER_HOST",
        "DOCKER_CONTEXT",
        "DOCKER_TLS_VERIFY",
        "DOCKER_CERT_PATH",
        "CONTAINER_HOST",
        "PEEL_LOWEST_EFFICIENCY",
        "PEEL_HIGHEST_WASTED_BYTES",
        "PEEL_HIGHEST_USER_WASTED_PERCENT",
    ] {
        cmd.env_remove(var);
    }
    // No user's ~/.docker: an empty config folder unless a test gives one.
    cmd.env("DOCKER_CONFIG", "/nonexistent/peel-it-docker-config");
    // A guard against a hang, not a timing: a loaded engine (the tests run
    // in parallel, and Docker before 25 copies every layer before it sends
    // the first byte) can take minutes to export the realistic images.
    cmd.timeout(Duration::from_secs(600));
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd
}

/// `peel --json - ARGS`: the report, or the failure.
pub(crate) fn report(vars: &[(&str, &str)], args: &[&str]) -> Value {
    let out = peel(vars)
        .arg("--json")
        .arg("-")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "peel {args:?} failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("a JSON report")
}

/// A report without what names where it came from (reference, source,
/// tags, blob names): the figures alone.
fn figures(mut report: Value) -> Value {
    let image = report["image"].as_object_mut().unwrap();
    for key in ["reference", "source", "tags"] {
        image.remove(key);
    }
    for layer in report["layers"].as_array_mut().unwrap() {
        layer.as_object_mut().unwrap().remove("blob");
    }
    report
}

/// Exit 2 and one line on stderr holding every phrase.
fn fails_with(vars: &[(&str, &str)], args: &[&str], phrases: &[&str]) -> String {
    let out = peel(vars).args(["--ci"]).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line expected: {stderr}");
    for phrase in phrases {
        assert!(stderr.contains(phrase), "{phrase:?} not in: {stderr}");
    }
    assert!(out.stdout.is_empty(), "no report on a failure");
    stderr
}

pub(crate) fn host_vars(engine: &Engine) -> [(&'static str, &str); 1] {
    [("DOCKER_HOST", engine.host.as_str())]
}

/// The member names of every layer in a docker-save archive.
fn layer_entry_names(archive: &Path) -> Vec<String> {
    let mut names = Vec::new();
    let mut outer = tar::Archive::new(std::fs::File::open(archive).unwrap());
    for member in outer.entries().unwrap() {
        let member = member.unwrap();
        let path = member.path().unwrap().to_string_lossy().to_string();
        if member.header().entry_type().is_file() && path.ends_with(".tar") {
            let mut inner = tar::Archive::new(member);
            for entry in inner.entries().unwrap() {
                names.push(entry.unwrap().path().unwrap().to_string_lossy().to_string());
            }
        }
    }
    names
}

#[test]
fn engine_figures_equal_docker_save_figures_to_the_byte() {
    let Some(engine) = engine() else { return };
    // The image really has what the test is about.
    let names = layer_entry_names(&engine.saved);
    assert!(
        names.iter().any(|n| n.ends_with(".wh..wh..opq")),
        "no opaque dir: {names:?}"
    );
    assert!(
        names
            .iter()
            .any(|n| n.contains("/.wh.") && !n.ends_with(".wh..wh..opq")),
        "no whiteout"
    );
    let from_engine = report(&host_vars(engine), &[LAYERS]);
    let from_save = report(&[], &[engine.saved.to_str().unwrap()]);
    assert!(from_engine["layers"].as_array().unwrap().len() >= 9);
    assert!(from_engine["image"]["wastedBytes"].as_u64().unwrap() > 100 * 1024);
    assert_eq!(from_engine["image"]["source"], "docker-engine");
    assert_eq!(from_engine["image"]["tags"][0], LAYERS);
    assert_eq!(figures(from_engine), figures(from_save));
}

#[test]
fn lookup_by_tag_id_short_id_and_transport() {
    let Some(engine) = engine() else { return };
    let vars = host_vars(engine);
    let expected = figures(report(&vars, &[LAYERS]));
    let hex = engine.id.strip_prefix("sha256:").unwrap();
    for reference in [
        engine.id.clone(),                 // the image id, a sha256 digest
        hex.to_string(),                   // the bare hex id
        hex[..12].to_string(),             // the short id
        format!("docker://{LAYERS}"),      // dive's spelling
        format!("docker-daemon:{LAYERS}"), // skopeo's spelling
    ] {
        assert_eq!(
            figures(report(&vars, &[&reference])),
            expected,
            "{reference}"
        );
    }
    let by_source = report(&vars, &["--source", "docker", LAYERS]);
    assert_eq!(figures(by_source), expected);
}

#[test]
fn missing_image_names_it_and_suggests_pull() {
    let Some(engine) = engine() else { return };
    fails_with(
        &host_vars(engine),
        &["peel-it/no-such-image:1"],
        &["peel-it/no-such-image:1", "--pull", &engine.host],
    );
}

#[test]
fn pull_goes_through_the_engine_and_reports_its_failure() {
    let Some(engine) = engine() else { return };
    // Nothing listens on port 1: the engine's pull fails, fast and clearly,
    // after a line that says what peel asked the engine to do.
    let out = peel(&host_vars(engine))
        .args(["--ci", "--pull", "127.0.0.1:1/peel-it/nothing:1"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0]
            .starts_with("peel: pulling 127.0.0.1:1/peel-it/nothing:1 through the Docker engine"),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with("peel: error: pulling 127.0.0.1:1/peel-it/nothing:1"),
        "{stderr}"
    );
    assert!(lines[1].contains("connection refused"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn platform_the_engine_does_not_hold_is_refused() {
    let Some(engine) = engine() else { return };
    let vars = host_vars(engine);
    fails_with(
        &vars,
        &["--platform", "linux/s390x", LAYERS],
        &["linux/amd64", "not linux/s390x", "--pull"],
    );
    let host = format!(
        "linux/{}",
        if cfg!(target_arch = "aarch64") {
            "arm64"
        } else {
            "amd64"
        }
    );
    report(&vars, &["--platform", &host, LAYERS]);
}

#[test]
fn nonexistent_socket_is_one_clear_line() {
    fails_with(
        &[("DOCKER_HOST", "unix:///nonexistent/peel-it/docker.sock")],
        &["peel-it/x:1"],
        &[
            "/nonexistent/peel-it/docker.sock",
            "does not exist",
            "DOCKER_HOST",
        ],
    );
}

#[test]
fn stopped_engine_leaves_a_socket_nobody_answers() {
    // What a stopped (or killed) dockerd leaves behind: the socket file with
    // no listener.
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("docker.sock");
    drop(UnixListener::bind(&socket).unwrap());
    let host = format!("unix://{}", socket.display());
    fails_with(
        &[("DOCKER_HOST", &host)],
        &["peel-it/x:1"],
        &[socket.to_str().unwrap(), "not running", "DOCKER_HOST"],
    );
}

/// A hostile engine on a Unix socket: `/version` answers as Docker 27
/// does, and the route `hostile` names (`/version` or an inspect) answers
/// with `head` (status line and headers), then, with `endless`, a chunked
/// body that never ends, as fast as the socket takes it.
fn hostile_engine(dir: &Path, hostile: &'static str, head: &'static str, endless: bool) -> String {
    let socket = dir.join("hostile.sock");
    let listener = UnixListener::bind(&socket).unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request = String::new();
                let _ = reader.read_line(&mut request);
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                }
                let mut stream = stream;
                let path = request.split(' ').nth(1).unwrap_or_default().to_string();
                if !path.contains(hostile) {
                    let body = r#"{"Version":"27.0.0","ApiVersion":"1.46","MinAPIVersion":"1.24"}"#;
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    return;
                }
                let _ = stream.write_all(head.as_bytes());
                if endless {
                    let chunk = format!("10000\r\n{}\r\n", "[".repeat(0x10000));
                    while stream.write_all(chunk.as_bytes()).is_ok() {}
                }
            });
        }
    });
    format!("unix://{}", socket.display())
}

#[test]
fn endless_answers_are_cut_at_the_cap() {
    const CHUNKED_200: &str =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    const CHUNKED_500: &str = "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    const HUGE_LENGTH: &str = "HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n";
    let dir = tempfile::tempdir().unwrap();
    for (n, (route, head, endless, phrase)) in [
        (
            "/version",
            CHUNKED_200,
            true,
            "answering the version probe (/version)",
        ),
        (
            "/json",
            CHUNKED_200,
            true,
            "answering an inspect of peel-it/x:1",
        ),
        (
            "/version",
            CHUNKED_500,
            true,
            "answering the version probe (/version)",
        ),
        (
            "/json",
            CHUNKED_500,
            true,
            "answering an inspect of peel-it/x:1",
        ),
        (
            "/json",
            HUGE_LENGTH,
            false,
            "answering an inspect of peel-it/x:1",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let sub = dir.path().join(n.to_string());
        std::fs::create_dir_all(&sub).unwrap();
        let host = hostile_engine(&sub, route, head, endless);
        let started = Instant::now();
        fails_with(
            &[("DOCKER_HOST", &host)],
            &["peel-it/x:1"],
            &["sent more than 16 MiB", phrase],
        );
        // Well within the 5 s and 30 s limits: the cap, not a timeout, stops it.
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{route}: {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn engine_that_never_answers_is_given_up_within_seconds() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accept and say nothing.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let started = Instant::now();
    fails_with(
        &[("DOCKER_HOST", &format!("tcp://127.0.0.1:{port}"))],
        &["peel-it/x:1"],
        &["did not answer within 5 s"],
    );
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn docker_host_over_tcp_on_loopback() {
    let Some(engine) = engine() else { return };
    let proxy = Proxy::start(engine, Behaviour::Forward);
    let vars = [("DOCKER_HOST", proxy.tcp_host())];
    assert_eq!(
        figures(report(&vars, &[LAYERS])),
        figures(report(&host_vars(engine), &[LAYERS]))
    );
    assert!(
        proxy.paths().iter().any(|p| p.ends_with("/get")),
        "{:?}",
        proxy.paths()
    );
}

#[test]
fn engine_cut_mid_stream_reports_how_far_it_got() {
    let Some(engine) = engine() else { return };
    let proxy = Proxy::start(engine, Behaviour::CutExportAfter(1_000_000));
    let stderr = fails_with(
        &[("DOCKER_HOST", proxy.tcp_host())],
        &[LAYERS],
        &["engine stream ended after", "bytes", LAYERS],
    );
    // It got about as far as the proxy let it (the HTTP framing is not counted).
    let after: u64 = stderr
        .split("ended after ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no byte count in: {stderr}"));
    assert!((900_000..=1_000_000).contains(&after), "{stderr}");
}

#[test]
fn docker_context_from_config_json_and_docker_context() {
    let Some(engine) = engine() else { return };
    let proxy = Proxy::start(engine, Behaviour::Forward);
    let config = tempfile::tempdir().unwrap();
    let context = |name: &str, host: &str| {
        use sha2::{Digest, Sha256};
        let id: String = Sha256::digest(name.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let dir = config.path().join("contexts/meta").join(id);
        std::fs::create_dir_all(&dir).unwrap();
        let meta = serde_json::json!({
            "Name": name,
            "Metadata": {"Description": "peel test"},
            "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": false}}
        });
        std::fs::write(dir.join("meta.json"), meta.to_string()).unwrap();
    };
    context("peel-it-unix", &engine.host);
    context("peel-it-tcp", proxy.tcp_host());
    std::fs::write(
        config.path().join("config.json"),
        r#"{"auths":{},"currentContext":"peel-it-unix"}"#,
    )
    .unwrap();
    let cfg = config.path().to_str().unwrap();
    let expected = figures(report(&host_vars(engine), &[LAYERS]));
    // currentContext in config.json.
    assert_eq!(
        figures(report(&[("DOCKER_CONFIG", cfg)], &[LAYERS])),
        expected
    );
    // DOCKER_CONTEXT wins over config.json: the request goes through the proxy.
    let before = proxy.paths().len();
    assert_eq!(
        figures(report(
            &[("DOCKER_CONFIG", cfg), ("DOCKER_CONTEXT", "peel-it-tcp")],
            &[LAYERS]
        )),
        expected
    );
    assert!(proxy.paths().len() > before);
    // A context that is not in the store.
    fails_with(
        &[
            ("DOCKER_CONFIG", cfg),
            ("DOCKER_CONTEXT", "peel-it-missing"),
        ],
        &[LAYERS],
        &["peel-it-missing", "docker context ls"],
    );
}

#[test]
fn engine_too_old_for_the_api_is_refused() {
    let Some(engine) = engine() else { return };
    let proxy = Proxy::start(
        engine,
        Behaviour::FakeVersion(
            r#"{"Version":"1.11.2","ApiVersion":"1.23","MinAPIVersion":"1.12"}"#,
        ),
    );
    fails_with(
        &[("DOCKER_HOST", proxy.tcp_host())],
        &[LAYERS],
        &["too old", "1.23", "docker save"],
    );
}

#[test]
fn newer_engine_is_spoken_to_in_peels_newest_api() {
    let Some(engine) = engine() else { return };
    // An engine that says it speaks 1.99 (and no longer anything below
    // 1.44): peel must speak its own newest version, not the engine's.
    let proxy = Proxy::start(
        engine,
        Behaviour::FakeVersion(
            r#"{"Version":"99.0.0","ApiVersion":"1.99","MinAPIVersion":"1.44"}"#,
        ),
    );
    let vars = [("DOCKER_HOST", proxy.tcp_host())];
    assert_eq!(
        figures(report(&vars, &[LAYERS])),
        figures(report(&host_vars(engine), &[LAYERS]))
    );
    let paths = proxy.paths();
    let get = paths
        .iter()
        .find(|p| p.ends_with("/get"))
        .expect("an export");
    let version: (u32, u32) = get
        .strip_prefix("/v")
        .and_then(|p| p.split('/').next())
        .and_then(|v| v.split_once('.'))
        .map(|(a, b)| (a.parse().unwrap(), b.parse().unwrap()))
        .unwrap_or_else(|| panic!("unversioned export: {get}"));
    assert!(version >= (1, 44), "{get}");
}

#[test]
fn podman_source_speaks_the_same_api() {
    let Some(engine) = engine() else { return };
    // `--source podman` / `podman://` through CONTAINER_HOST, here at the
    // Docker engine (the code path is the same compatible API).
    let vars = [("CONTAINER_HOST", engine.host.as_str())];
    let expected = figures(report(&host_vars(engine), &[LAYERS]));
    let got = report(&vars, &[&format!("podman://{LAYERS}")]);
    assert_eq!(got["image"]["source"], "podman-engine");
    assert_eq!(figures(got), expected);
    assert_eq!(
        figures(report(&vars, &["--source", "podman", LAYERS])),
        expected
    );
    fails_with(
        &[("XDG_RUNTIME_DIR", "/nonexistent/peel-it-run")],
        &["podman://x:1"],
        &["Podman", "CONTAINER_HOST"],
    );
}

#[test]
fn real_podman_gives_the_figures_of_docker_save() {
    let Some(engine) = engine() else { return };
    let Some(socket) = podman(engine) else { return };
    let vars = [("CONTAINER_HOST", socket.as_str())];
    let from_podman = report(&vars, &[&format!("podman://{LAYERS}")]);
    let from_save = report(&[], &[engine.saved.to_str().unwrap()]);
    assert_eq!(figures(from_podman), figures(from_save));
}

/// A Podman API service over a private store holding [`LAYERS`] (loaded
/// from the `docker save`); `None` with the reason printed when podman is
/// not installed and not required (`PEEL_REQUIRE_PODMAN=1`).
fn podman(engine: &'static Engine) -> Option<String> {
    static PODMAN: OnceLock<Result<String, String>> = OnceLock::new();
    let result = PODMAN.get_or_init(|| {
        let dir = engine.dir.join("podman");
        let flags = |cmd: &mut Std| {
            cmd.arg("--root")
                .arg(dir.join("root"))
                .arg("--runroot")
                .arg(dir.join("run"))
                .args(["--storage-driver", "vfs"]);
        };
        let mut load = Std::new("podman");
        flags(&mut load);
        let out = load
            .arg("load")
            .arg("-i")
            .arg(&engine.saved)
            .output()
            .map_err(|e| format!("cannot run podman: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "podman load failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let socket = dir.join("podman.sock");
        let mut service = Std::new("podman");
        flags(&mut service);
        // It exits by itself after 60 s without a request.
        service
            .arg("system")
            .arg("service")
            .arg("--time=60")
            .arg(format!("unix://{}", socket.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start podman system service: {e}"))?;
        let deadline = Instant::now() + Duration::from_secs(20);
        while UnixStream::connect(&socket).is_err() {
            if Instant::now() > deadline {
                return Err("podman system service did not listen within 20 s".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(format!("unix://{}", socket.display()))
    });
    match result {
        Ok(socket) => Some(socket.clone()),
        Err(reason) if required("PEEL_REQUIRE_PODMAN") => {
            panic!("PEEL_REQUIRE_PODMAN=1 but Podman is not usable: {reason}")
        }
        Err(reason) => {
            eprintln!("skipped: no usable Podman ({reason})");
            None
        }
    }
}

/// What the loopback proxy in front of the engine does.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Forward every request.
    Forward,
    /// Forward, but cut the connection after this many bytes of an export's
    /// response.
    CutExportAfter(u64),
    /// Answer the unversioned `/version` with this document, and forward
    /// versioned requests to the engine in the version it speaks.
    FakeVersion(&'static str),
}

/// A TCP proxy on loopback to the engine's unix socket.
struct Proxy {
    host: String,
    paths: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    fn start(engine: &'static Engine, behaviour: Behaviour) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let host = format!("tcp://{}", listener.local_addr().unwrap());
        let paths = Arc::new(Mutex::new(Vec::new()));
        let seen = paths.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let seen = seen.clone();
                std::thread::spawn(move || {
                    let _ = serve(client, &engine.socket, behaviour, &seen);
                });
            }
        });
        Proxy { host, paths }
    }

    fn tcp_host(&self) -> &str {
        &self.host
    }

    fn paths(&self) -> Vec<String> {
        self.paths.lock().unwrap().clone()
    }
}

/// One connection (bollard opens one per request).
fn serve(
    client: TcpStream,
    socket: &Path,
    behaviour: Behaviour,
    seen: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let end = line == "\r\n";
        head.push(line);
        if end {
            break;
        }
    }
    let mut parts = head[0].split(' ');
    let (method, path) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or("").to_string(),
    );
    seen.lock().unwrap().push(path.clone());
    let mut client_out = client.try_clone()?;
    if let Behaviour::FakeVersion(doc) = behaviour {
        if path == "/version" {
            write!(
                client_out,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{doc}",
                doc.len()
            )?;
            return Ok(());
        }
        // The real engine speaks 1.41: hand it the request in that version.
        if let Some(rest) = path.strip_prefix("/v").and_then(|p| p.split_once('/')) {
            head[0] = format!("{method} /v1.41/{} HTTP/1.1\r\n", rest.1.trim());
        }
    }
    let mut upstream = UnixStream::connect(socket)?;
    for line in &head {
        upstream.write_all(line.as_bytes())?;
    }
    // Whatever the client sent past the head (a request body).
    let buffered = reader.buffer().to_vec();
    upstream.write_all(&buffered)?;
    let mut up_in = upstream.try_clone()?;
    let mut client_in = reader.into_inner();
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut client_in, &mut up_in);
    });
    let limit = match behaviour {
        Behaviour::CutExportAfter(n) if path.ends_with("/get") => Some(n),
        _ => None,
    };
    let mut buf = vec![0u8; 64 * 1024];
    let mut header_done = false;
    let mut body_sent: u64 = 0;
    let mut tail: Vec<u8> = Vec::new();
    loop {
        let n = upstream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let mut chunk = &buf[..n];
        if let Some(limit) = limit {
            // Count body bytes: everything after the response head.
            if !header_done {
                tail.extend_from_slice(chunk);
                if let Some(at) = tail.windows(4).position(|w| w == b"\r\n\r\n") {
                    header_done = true;
                    body_sent = (tail.len() - at - 4) as u64;
                }
            } else {
                body_sent += n as u64;
            }
            if header_done && body_sent >= limit {
                let over = (body_sent - limit) as usize;
                chunk = &chunk[..n - over.min(n)];
                client_out.write_all(chunk)?;
                client_out.flush()?;
                let _ = client_out.shutdown(Shutdown::Both);
                let _ = upstream.shutdown(Shutdown::Both);
                return Ok(());
            }
        }
        client_out.write_all(chunk)?;
    }
    let _ = client_out.shutdown(Shutdown::Write);
    Ok(())
}
