//! Secrets: by name and by content, in the final image and in the base,
//! never printed; and the look-alikes that are none (certificates, trust
//! stores, links, empty files).

use peel::findings::{Finding, Kind, Severity};
use serde_json::json;

use crate::cli::peel;
use crate::fixture::{Layer, analyze, tmp};

use super::{clean, layers, of_kind};

#[test]
fn secrets_in_the_final_image_and_in_the_base() {
    let image = clean()
        .layer(Layer::new().sized("etc/tls/server.key", 1700, b'k'))
        .layer(
            Layer::new()
                .sized("app/.env", 40, b'e')
                .sized("app/.env.example", 40, b'x')
                .sized("root/.ssh/id_ed25519.pub", 90, b'p'),
        );
    let a = analyze(&image.docker_archive());
    let secrets = of_kind(&a.findings, Kind::Secret);
    let mut paths: Vec<&str> = secrets
        .iter()
        .flat_map(|f| f.paths.iter().map(String::as_str))
        .collect();
    paths.sort();
    assert_eq!(paths, vec!["/app/.env", "/etc/tls/server.key"]);
    assert!(secrets.iter().all(|f| f.severity == Severity::High));
}

#[test]
fn secrets_by_content_whatever_their_name() {
    let key = b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----\n";
    let token = b"deploy:\n  registry_token: ghp_0123456789abcdefghijABCDEFGHIJ012345\n";
    let aws = b"AKIAIOSFODNN7EXAMPLE is the key id\n";
    let image = clean()
        .layer(Layer::new().sized("bin/sh", 10, b's'))
        .layer(
            Layer::new()
                // A private key under a name that says nothing.
                .file("etc/app/deploy/github", key)
                // A token in a configuration file.
                .file("etc/app/settings.yaml", token)
                // Public material, and a key id in a text note: not secrets.
                .file("etc/app/ca.crt", b"-----BEGIN CERTIFICATE-----\nMIIB\n")
                .file("etc/app/id.pub", b"-----BEGIN PUBLIC KEY-----\nMIIB\n")
                .file("usr/share/notes.txt", aws)
                // A key written, then deleted by a later layer.
                .file("tmp/build/signing", key),
        )
        .layer(Layer::new().whiteout("tmp/build"));
    let a = analyze(&image.docker_archive());
    let secrets = of_kind(&a.findings, Kind::Secret);
    let mut paths: Vec<&str> = secrets
        .iter()
        .flat_map(|f| f.paths.iter().map(String::as_str))
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        vec![
            "/etc/app/deploy/github",
            "/etc/app/settings.yaml",
            "/tmp/build/signing"
        ],
        "{secrets:#?}"
    );
    assert!(secrets.iter().all(|f| f.severity == Severity::High));
    let deleted = secrets
        .iter()
        .find(|f| f.paths == ["/tmp/build/signing"])
        .expect("the deleted key");
    assert!(
        deleted.advice.contains("stay in layer 1"),
        "{}",
        deleted.advice
    );
    // Nothing of the content reaches the findings.
    let json = serde_json::to_string(&a.findings).expect("json");
    assert!(
        !json.contains("ghp_") && !json.contains("b3BlbnNz"),
        "{json}"
    );
}

fn secret_paths(findings: &[Finding]) -> Vec<&str> {
    let mut paths: Vec<&str> = of_kind(findings, Kind::Secret)
        .iter()
        .flat_map(|f| f.paths.iter().map(String::as_str))
        .collect();
    paths.sort();
    paths
}

const CERT: &[u8] = b"-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n-----END CERTIFICATE-----\n";

#[test]
fn public_certificates_links_and_empty_files_are_no_secrets() {
    let bundle: Vec<u8> = CERT.iter().copied().cycle().take(200_000).collect();
    let combined = [
        CERT,
        b"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n",
    ]
    .concat();
    let image = clean()
        .layer(
            Layer::new()
                .file("usr/lib/ssl/certs/ca-certificates.crt", &bundle)
                .symlink(
                    "usr/lib/ssl/cert.pem",
                    "/usr/lib/ssl/certs/ca-certificates.crt",
                )
                .file("usr/lib/python3/dist-packages/certifi/cacert.pem", &bundle)
                .file(
                    "usr/lib/python3/dist-packages/pip/_vendor/certifi/cacert.pem",
                    &bundle[..150_000],
                )
                .file("etc/ssl/certs/ssl-cert.pem", CERT),
        )
        .layer(
            Layer::new()
                .file("tmp/ca.crt", &bundle[..120_000])
                .file("etc/app/server.crt", CERT)
                .file("etc/app/empty.key", b"")
                .file("etc/app/id_rsa", b"")
                .symlink("etc/app/id_ed25519", "/dev/null")
                .file("etc/app/real.key", b"\x30\x82\x04\xa4\x02\x01\x00")
                .hardlink("etc/app/real-link.key", "etc/app/real.key")
                .file("etc/app/combined.pem", &combined),
        );
    let a = analyze(&image.docker_archive());
    assert_eq!(
        secret_paths(&a.findings),
        vec!["/etc/app/combined.pem", "/etc/app/real.key"],
        "{:#?}",
        a.findings
    );
}

#[test]
fn java_trust_stores_are_no_secrets_key_stores_are() {
    let mut trust = vec![
        0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 2,
    ];
    trust.extend_from_slice(b"ca");
    trust.extend_from_slice(&[0; 8]);
    trust.extend_from_slice(&[0, 5]);
    trust.extend_from_slice(b"X.509");
    trust.extend_from_slice(&[0, 0, 0, 2, 0x30, 0x00]);
    let mut keys = vec![
        0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 3,
    ];
    keys.extend_from_slice(b"app");
    let pfx = [0x30, 0x82, 0x0a, 0x51, 0x02, 0x01, 0x03, 0x30, 0x82];
    let image = clean().layer(
        Layer::new()
            .file("etc/ssl/certs/java/cacerts", &pfx)
            .file("opt/app/truststore.jks", &trust)
            .file("opt/app/certs.jks", &trust)
            .file("opt/app/server.jks", &keys)
            .file("opt/app/client.p12", &pfx),
    );
    let a = analyze(&image.docker_archive());
    assert_eq!(
        secret_paths(&a.findings),
        vec!["/opt/app/client.p12", "/opt/app/server.jks"]
    );
}

#[test]
fn tokens_in_commands_and_env_are_secrets_and_never_printed() {
    let token = format!("ghp_{}", "Zq7W".repeat(9));
    let aws = "AKIAPEELTESTKEY00000";
    let image = clean()
        .run_config("Env", json!(["PATH=/usr/bin", format!("DEPLOY_KEY={aws}")]))
        .layer(Layer::new().sized("bin/sh", 10, b's'))
        .layer(
            Layer::new()
                .created_by(&format!(
                    "/bin/sh -c git clone https://{token}@github.com/o/r /src"
                ))
                .sized("src/main.c", 100, b'c'),
        );
    let a = analyze(&image.docker_archive());
    let secrets = of_kind(&a.findings, Kind::Secret);
    assert_eq!(secrets.len(), 2, "{secrets:#?}");
    assert!(secrets.iter().all(|f| f.severity == Severity::High));
    let layer = secrets
        .iter()
        .find(|f| layers(f) == [1])
        .expect("the layer's");
    assert!(
        layer.advice.contains("The command of layer 1"),
        "{}",
        layer.advice
    );
    assert!(
        layer
            .command
            .as_deref()
            .unwrap()
            .contains("https://[REDACTED]@github.com")
    );
    let env = secrets
        .iter()
        .find(|f| f.layers.is_empty())
        .expect("the Env's");
    assert!(env.advice.contains("`DEPLOY_KEY`"), "{}", env.advice);
    // No output prints either value.
    let dir = tmp();
    let archive = dir.path().join("img.tar");
    std::fs::write(&archive, image.docker_archive()).unwrap();
    let md = dir.path().join("r.md");
    for args in [
        vec!["--ci"],
        vec!["--json", "-"],
        vec!["--ci", "--markdown", md.to_str().unwrap()],
    ] {
        let out = peel(dir.path()).arg(&archive).args(&args).output().unwrap();
        let all = [
            out.stdout,
            out.stderr,
            std::fs::read(&md).unwrap_or_default(),
        ]
        .concat();
        let all = String::from_utf8_lossy(&all);
        assert!(all.contains("[REDACTED]"), "{args:?}: {all}");
        assert!(
            !all.contains(&token) && !all.contains(aws),
            "{args:?}: {all}"
        );
    }
}
