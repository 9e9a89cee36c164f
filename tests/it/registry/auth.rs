//! TLS and credentials: the self-signed registry with its CA in a
//! `certs.d` folder or `--tls-verify=false`; htpasswd basic auth behind TLS
//! with credentials from each place docker, podman and skopeo keep them
//! (`$REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json`,
//! `$DOCKER_CONFIG/config.json`, a credential helper); none, or a wrong
//! password, is a one-line error; no secret is ever printed.

use std::path::Path;

use base64::Engine as _;

use super::{
    Registries, figures, one_line_error, peel, registries, repo, report, run_report, skopeo_copy,
};
use crate::fixture::{self, Compress, Image, Layer};

fn small() -> Image {
    Image::new()
        .layer_as(Layer::new().sized("base.bin", 3000, b'b'), Compress::Gzip)
        .layer_as(Layer::new().sized("app.bin", 100, b'a'), Compress::Gzip)
}

/// Push [`small`] to `registry` as `repository:v1`; its layout's reference.
fn push(home: &Path, registry: &str, repository: &str, creds: Option<&str>) -> String {
    let layout = home.join("layout");
    small().oci_dir(&layout);
    let src = format!("oci:{}:latest", layout.display());
    let dest = format!("docker://{registry}/{repository}:v1");
    let mut args = vec!["--preserve-digests"];
    if let Some(creds) = creds {
        args.extend(["--dest-creds", creds]);
    }
    args.extend([src.as_str(), dest.as_str()]);
    skopeo_copy(&args);
    format!("oci:{}", layout.display())
}

#[test]
fn a_self_signed_registry_is_read_with_its_ca_folder_or_without_verification() {
    let Some(r) = registries() else { return };
    let home = fixture::tmp();
    let repository = repo("tls");
    let local = push(home.path(), &r.tls, &repository, None);
    let reference = format!("registry://{}/{repository}:v1", r.tls);
    let err = one_line_error(peel(home.path()).args(["--ci", &reference]));
    assert!(err.contains(&reference) && err.contains("TLS"), "{err}");
    assert!(
        err.contains("--tls-verify=false"),
        "the way out is named: {err}"
    );

    let certs_d = home.path().join("certs.d");
    std::fs::create_dir_all(certs_d.join(&r.tls)).unwrap();
    std::fs::copy(&r.ca, certs_d.join(&r.tls).join("ca.crt")).unwrap();
    let (_, with_ca) = run_report(
        peel(home.path())
            .env("PEEL_CERTS_D", &certs_d)
            .arg(&reference),
    );
    let expected = figures(report(home.path(), &[], &local));
    assert_eq!(figures(with_ca), expected);
    let unverified = report(home.path(), &["--tls-verify=false"], &reference);
    assert_eq!(figures(unverified), expected);
}

/// Where the test writes credentials, and the variable that points there.
fn auth_json(registry: &str, user: &str, password: &str) -> String {
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!(r#"{{"auths":{{"{registry}":{{"auth":"{auth}"}}}}}}"#)
}

fn assert_no_secret(output: &std::process::Output, r: &Registries, extra: &str) {
    for stream in [&output.stdout, &output.stderr] {
        let text = String::from_utf8_lossy(stream);
        let encoded =
            base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", r.user, r.password));
        for secret in [r.password.as_str(), encoded.as_str(), extra] {
            assert!(!text.contains(secret), "a secret was printed: {text}");
        }
    }
}

#[test]
fn basic_auth_credentials_are_found_where_docker_and_podman_keep_them() {
    let Some(r) = registries() else { return };
    let home = fixture::tmp();
    let repository = repo("auth");
    let creds = format!("{}:{}", r.user, r.password);
    let local = push(home.path(), &r.auth, &repository, Some(&creds));
    let expected = figures(report(home.path(), &[], &local));
    let reference = format!("registry://{}/{repository}:v1", r.auth);
    let json = auth_json(&r.auth, &r.user, &r.password);

    let dir = home.path();
    std::fs::write(dir.join("registry-auth.json"), &json).unwrap();
    std::fs::create_dir_all(dir.join("run/containers")).unwrap();
    std::fs::write(dir.join("run/containers/auth.json"), &json).unwrap();
    std::fs::create_dir_all(dir.join("docker")).unwrap();
    std::fs::write(dir.join("docker/config.json"), &json).unwrap();
    // A credential helper on PATH, as `docker login` with a keyring sets up.
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    let helper = dir.join("bin/docker-credential-peeltest");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\nread server\n[ \"$1\" = get ] && printf '{{\"ServerURL\":\"%s\",\"Username\":\"{}\",\"Secret\":\"{}\"}}' \"$server\"\n",
            r.user, r.password
        ),
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::create_dir_all(dir.join("helper")).unwrap();
    std::fs::write(
        dir.join("helper/config.json"),
        format!(r#"{{"credHelpers":{{"{}":"peeltest"}}}}"#, r.auth),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("store")).unwrap();
    std::fs::write(
        dir.join("store/config.json"),
        r#"{"auths":{},"credsStore":"peeltest"}"#,
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        dir.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let places: [(&str, std::path::PathBuf); 5] = [
        ("REGISTRY_AUTH_FILE", dir.join("registry-auth.json")),
        ("XDG_RUNTIME_DIR", dir.join("run")),
        ("DOCKER_CONFIG", dir.join("docker")),
        ("DOCKER_CONFIG", dir.join("helper")),
        ("DOCKER_CONFIG", dir.join("store")),
    ];
    for (var, value) in places {
        let (out, from_registry) = run_report(
            peel(dir)
                .env(var, &value)
                .env("PATH", &path)
                .args(["--tls-verify=false", &reference]),
        );
        assert_no_secret(&out, &r, &json);
        assert_eq!(figures(from_registry), expected, "{var}");
    }
}

#[test]
fn no_credentials_or_a_wrong_password_is_a_401_that_prints_no_secret() {
    let Some(r) = registries() else { return };
    let home = fixture::tmp();
    let repository = repo("denied");
    let reference = format!("registry://{}/{repository}:v1", r.auth);
    let err = one_line_error(peel(home.path()).args(["--ci", "--tls-verify=false", &reference]));
    assert!(
        err.contains(&reference) && err.contains("401") && err.contains("none were found"),
        "{err}"
    );

    let wrong = "peel-wrong-password-x";
    let file = home.path().join("auth.json");
    std::fs::write(&file, auth_json(&r.auth, &r.user, wrong)).unwrap();
    let mut cmd = peel(home.path());
    cmd.env("REGISTRY_AUTH_FILE", &file)
        .args(["--ci", "--tls-verify=false", &reference]);
    let out = cmd.output().unwrap();
    assert_no_secret(&out, &r, wrong);
    let err = one_line_error(&mut cmd);
    assert!(
        err.contains("401") && err.contains("refused the credentials from"),
        "{err}"
    );
    assert!(
        err.contains("auth.json"),
        "where they came from is named: {err}"
    );
}
