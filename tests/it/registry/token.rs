//! The bearer-token flow (Docker Hub's, GHCR's, most clouds'): a registry
//! started here with `auth: token`, and a token server in the test that
//! signs each token (RS256, `openssl dgst`) with a certificate the registry
//! trusts. Tokens live 2 s and the first request for each blob is held 2.5 s
//! by a proxy: the pull only succeeds if peel fetches new tokens midway.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command as Process, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;

use super::proxy::{self, Fault};
use super::{figures, registries, repo, report, skopeo_copy};
use crate::fixture::{self, Compress, Image, Layer};

const SERVICE: &str = "peel-test-service";
const ISSUER: &str = "peel-test-issuer";
/// How long a token lives.
const LIFETIME: u64 = 2;

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A JWT granting pull and push on `repository`, signed with `key`.
fn token(dir: &Path, repository: &str) -> String {
    let der = Process::new("openssl")
        .args(["x509", "-outform", "der", "-in"])
        .arg(dir.join("token-cert.pem"))
        .output()
        .unwrap()
        .stdout;
    let header = serde_json::json!({
        "alg": "RS256",
        "typ": "JWT",
        "x5c": [base64::engine::general_purpose::STANDARD.encode(der)],
    });
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = serde_json::json!({
        "iss": ISSUER, "sub": "peel", "aud": SERVICE,
        "exp": now + LIFETIME, "nbf": now - 5, "iat": now,
        "jti": format!("{now}-{}", std::process::id()),
        "access": [{"type": "repository", "name": repository, "actions": ["pull", "push"]}],
    });
    let signed = format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    );
    let mut openssl = Process::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(dir.join("token-key.pem"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    openssl
        .stdin
        .take()
        .unwrap()
        .write_all(signed.as_bytes())
        .unwrap();
    let signature = openssl.wait_with_output().unwrap().stdout;
    format!("{signed}.{}", b64url(&signature))
}

/// What the token server saw.
#[derive(Default)]
struct Seen {
    tokens: AtomicUsize,
    /// OAuth2 refresh-token grants (an `identitytoken` exchanged).
    refresh_grants: AtomicUsize,
}

/// The token server: answers `GET /token?scope=repository:NAME:…` and the
/// same as a POSTed form; its address, and what it saw.
fn token_server(dir: &Path) -> (String, Arc<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let seen = Arc::new(Seen::default());
    let (dir, given) = (dir.to_path_buf(), seen.clone());
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            let mut line = String::new();
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let _ = reader.read_line(&mut line);
            let mut length = 0usize;
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) <= 2 {
                    break;
                }
                if let Some(v) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut form = vec![0u8; length.min(1 << 16)];
            let _ = std::io::Read::read_exact(&mut reader, &mut form);
            let form = String::from_utf8_lossy(&form).to_string();
            if form.contains("grant_type=refresh_token")
                && form.contains("refresh_token=peel-refresh")
            {
                given.refresh_grants.fetch_add(1, Ordering::Relaxed);
            }
            let line = format!("{line} {form}");
            let scope = line
                .split(['?', '&', ' '])
                .find_map(|p| p.strip_prefix("scope="))
                .unwrap_or("")
                .replace("%3A", ":")
                .replace("%2F", "/");
            let repository = scope.split(':').nth(1).unwrap_or("").to_string();
            given.tokens.fetch_add(1, Ordering::Relaxed);
            let body =
                serde_json::json!({"token": token(&dir, &repository), "expires_in": LIFETIME})
                    .to_string();
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (addr, seen)
}

struct Registry(Child);

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A registry with token auth on a free loopback port.
fn start_registry(dir: &Path, realm: &str) -> (Registry, String) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let config = format!(
        "version: 0.1\nlog: {{level: error}}\nstorage: {{filesystem: {{rootdirectory: {}}}}}\nhttp: {{addr: {addr}}}\n\
         auth:\n  token: {{realm: 'http://{realm}/token', service: {SERVICE}, issuer: {ISSUER}, rootcertbundle: {}}}\n",
        dir.join("data").display(),
        dir.join("token-cert.pem").display()
    );
    std::fs::write(dir.join("config.yml"), config).unwrap();
    let child = Process::new("docker-registry")
        .arg("serve")
        .arg(dir.join("config.yml"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("docker-registry runs");
    let registry = Registry(child);
    for _ in 0..100 {
        if std::net::TcpStream::connect(&addr).is_ok() {
            return (registry, addr);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the token-auth registry did not start");
}

#[test]
fn bearer_tokens_are_fetched_and_fetched_again_when_they_expire() {
    let Some(_) = registries() else { return };
    let home = fixture::tmp();
    let dir = home.path();
    let made = Process::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=peel token",
        ])
        .arg("-keyout")
        .arg(dir.join("token-key.pem"))
        .arg("-out")
        .arg(dir.join("token-cert.pem"))
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let (realm, seen) = token_server(dir);
    let (_registry, addr) = start_registry(dir, &realm);

    let layout = dir.join("layout");
    Image::new()
        .layer_as(Layer::new().sized("base.bin", 9000, b'b'), Compress::None)
        .layer_as(Layer::new().sized("app.bin", 8000, b'a'), Compress::None)
        .oci_dir(&layout);
    let repository = repo("token");
    skopeo_copy(&[
        "--preserve-digests",
        &format!("oci:{}:latest", layout.display()),
        &format!("docker://{addr}/{repository}:v1"),
    ]);
    let before = seen.tokens.load(Ordering::Relaxed);
    let slow = proxy::start(&addr, Fault::DelayFirstBlob(Duration::from_millis(2500)));
    let remote = report(
        dir,
        &["--plain-http", "--jobs", "1"],
        &format!("registry://{}/{repository}:v1", slow.addr),
    );
    let local = report(dir, &[], &format!("oci:{}", layout.display()));
    assert_eq!(figures(remote), figures(local));
    assert!(
        seen.tokens.load(Ordering::Relaxed) - before >= 3,
        "a token at the start, and again after each held blob"
    );

    // An identitytoken (what `docker login` stores for OAuth2 registries)
    // is exchanged as a refresh token, and never printed.
    let config = dir.join("docker");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.json"),
        format!(r#"{{"auths":{{"{addr}":{{"identitytoken":"peel-refresh-secret"}}}}}}"#),
    )
    .unwrap();
    let (out, _) = super::run_report(
        super::peel(dir)
            .env("DOCKER_CONFIG", &config)
            .arg("--plain-http")
            .arg(format!("registry://{addr}/{repository}:v1")),
    );
    assert!(seen.refresh_grants.load(Ordering::Relaxed) >= 1);
    for stream in [&out.stdout, &out.stderr] {
        assert!(!String::from_utf8_lossy(stream).contains("peel-refresh-secret"));
    }
}
