//! Fixture builders: layer tars and whole images in every outer format, from
//! bytes, so that each rule can be tested on exactly the entries it is about.

use std::io::Write;
use std::path::Path;

use sha2::{Digest, Sha256};

/// One tar entry to write.
#[derive(Clone)]
struct Item {
    name: Vec<u8>,
    kind: tar::EntryType,
    content: Vec<u8>,
    link: Option<Vec<u8>>,
    mode: u32,
    uid: u64,
    gid: u64,
    mtime: u64,
}

/// A layer tar, entry by entry, in the order given.
#[derive(Clone, Default)]
pub struct Layer {
    items: Vec<Item>,
    created_by: Option<String>,
}

impl Layer {
    pub fn new() -> Self {
        Self::default()
    }

    fn push(
        mut self,
        name: &[u8],
        kind: tar::EntryType,
        content: &[u8],
        link: Option<&[u8]>,
        mode: u32,
    ) -> Self {
        self.items.push(Item {
            name: name.to_vec(),
            kind,
            content: content.to_vec(),
            link: link.map(<[u8]>::to_vec),
            mode,
            uid: 0,
            gid: 0,
            mtime: 1_700_000_000,
        });
        self
    }

    /// A regular file, mode 0644.
    pub fn file(self, path: &str, content: &[u8]) -> Self {
        self.push(
            path.as_bytes(),
            tar::EntryType::Regular,
            content,
            None,
            0o644,
        )
    }

    /// A regular file of `size` bytes of `fill`.
    pub fn sized(self, path: &str, size: usize, fill: u8) -> Self {
        self.file(path, &vec![fill; size])
    }

    /// A regular file with explicit attributes.
    pub fn file_with(
        mut self,
        path: &str,
        content: &[u8],
        mode: u32,
        uid: u64,
        gid: u64,
        mtime: u64,
    ) -> Self {
        self = self.push(
            path.as_bytes(),
            tar::EntryType::Regular,
            content,
            None,
            mode,
        );
        let last = self.items.last_mut().expect("just pushed");
        last.uid = uid;
        last.gid = gid;
        last.mtime = mtime;
        self
    }

    pub fn dir(self, path: &str) -> Self {
        self.push(path.as_bytes(), tar::EntryType::Directory, b"", None, 0o755)
    }

    pub fn symlink(self, path: &str, target: &str) -> Self {
        self.push(
            path.as_bytes(),
            tar::EntryType::Symlink,
            b"",
            Some(target.as_bytes()),
            0o777,
        )
    }

    pub fn hardlink(self, path: &str, target: &str) -> Self {
        self.push(
            path.as_bytes(),
            tar::EntryType::Link,
            b"",
            Some(target.as_bytes()),
            0o644,
        )
    }

    pub fn fifo(self, path: &str) -> Self {
        self.push(path.as_bytes(), tar::EntryType::Fifo, b"", None, 0o644)
    }

    pub fn char_device(self, path: &str) -> Self {
        self.push(path.as_bytes(), tar::EntryType::Char, b"", None, 0o666)
    }

    /// A whiteout of `victim` (`parent/.wh.name`), mode 0600 as overlayfs writes it.
    pub fn whiteout(self, victim: &str) -> Self {
        let (parent, name) = match victim.rsplit_once('/') {
            Some((p, n)) => (format!("{p}/"), n),
            None => (String::new(), victim),
        };
        let marker = format!("{parent}.wh.{name}");
        self.push(marker.as_bytes(), tar::EntryType::Regular, b"", None, 0o600)
    }

    /// An opaque marker for `dir` (`dir/.wh..wh..opq`).
    pub fn opaque(self, dir: &str) -> Self {
        let marker = format!("{dir}/.wh..wh..opq");
        self.push(marker.as_bytes(), tar::EntryType::Regular, b"", None, 0o755)
    }

    /// A regular file under a raw (possibly non-UTF-8, possibly hostile) name.
    pub fn raw_file(self, name: &[u8], content: &[u8]) -> Self {
        self.push(name, tar::EntryType::Regular, content, None, 0o644)
    }

    /// The history `created_by` of this layer.
    pub fn created_by(mut self, command: &str) -> Self {
        self.created_by = Some(command.to_string());
        self
    }

    /// The uncompressed layer tar. Long and non-UTF-8 names go through GNU
    /// long-name entries, as GNU tar and Go write them.
    pub fn tar(&self) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for item in &self.items {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(item.kind);
            header.set_mode(item.mode);
            header.set_uid(item.uid);
            header.set_gid(item.gid);
            header.set_mtime(item.mtime);
            header.set_size(item.content.len() as u64);
            if item.name.starts_with(b"/") || item.name.windows(2).any(|w| w == b"..") {
                // tar-rs refuses such names; write them raw, as a hostile or
                // careless tool would.
                assert!(item.name.len() <= 100, "raw names must fit the header");
                let gnu = header.as_gnu_mut().expect("gnu header");
                gnu.name = [0; 100];
                gnu.name[..item.name.len()].copy_from_slice(&item.name);
                header.set_cksum();
                builder
                    .append(&header, &item.content[..])
                    .expect("raw entry");
            } else if let Some(link) = &item.link {
                builder
                    .append_link(&mut header, os_path(&item.name), os_path(link))
                    .expect("link entry");
            } else {
                builder
                    .append_data(&mut header, os_path(&item.name), &item.content[..])
                    .expect("entry");
            }
        }
        builder.into_inner().expect("tar")
    }
}

#[cfg(unix)]
fn os_path(bytes: &[u8]) -> &Path {
    use std::os::unix::ffi::OsStrExt;
    Path::new(std::ffi::OsStr::from_bytes(bytes))
}

/// How a layer blob is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compress {
    None,
    Gzip,
    Zstd,
}

pub fn compress(bytes: &[u8], how: Compress) -> Vec<u8> {
    match how {
        Compress::None => bytes.to_vec(),
        Compress::Gzip => {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(bytes).expect("gzip");
            enc.finish().expect("gzip")
        }
        Compress::Zstd => zstd::encode_all(bytes, 3).expect("zstd"),
    }
}

pub fn sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// The hex part of a `sha256:` digest (a blob's file name).
pub fn hex(digest: &str) -> &str {
    digest.strip_prefix("sha256:").expect("sha256 digest")
}

/// A whole image: layers bottom to top, each with its compression.
#[derive(Clone, Default)]
pub struct Image {
    layers: Vec<(Layer, Compress)>,
    tag: Option<String>,
    architecture: Option<String>,
    /// Extra keys of the config's `config` object (`User`, `Healthcheck`, ...).
    run_config: serde_json::Map<String, serde_json::Value>,
}

/// A file of an image archive or layout: path and content.
pub type Member = (String, Vec<u8>);

impl Image {
    pub fn new() -> Self {
        Image {
            tag: Some("peel-fixture:latest".into()),
            ..Image::default()
        }
    }

    pub fn layer(self, layer: Layer) -> Self {
        self.layer_as(layer, Compress::None)
    }

    pub fn layer_as(mut self, layer: Layer, how: Compress) -> Self {
        self.layers.push((layer, how));
        self
    }

    /// Every layer stored with `how`.
    pub fn compressed(mut self, how: Compress) -> Self {
        for layer in &mut self.layers {
            layer.1 = how;
        }
        self
    }

    /// Set a key of the config's run configuration (`User`, `Healthcheck`...).
    pub fn run_config(mut self, key: &str, value: serde_json::Value) -> Self {
        self.run_config.insert(key.into(), value);
        self
    }

    pub fn architecture(mut self, arch: &str) -> Self {
        self.architecture = Some(arch.into());
        self
    }

    /// The uncompressed tars and the stored blobs of the layers.
    fn blobs(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.layers
            .iter()
            .map(|(layer, how)| {
                let tar = layer.tar();
                let blob = compress(&tar, *how);
                (tar, blob)
            })
            .collect()
    }

    /// The image config, with diff ids, history (an empty-layer entry
    /// between every two layers) and the given diff ids override.
    pub fn config_json_with(&self, diff_ids: Option<Vec<String>>) -> Vec<u8> {
        let diff_ids =
            diff_ids.unwrap_or_else(|| self.blobs().iter().map(|(tar, _)| sha256(tar)).collect());
        let mut history = Vec::new();
        for (idx, (layer, _)) in self.layers.iter().enumerate() {
            let created_by = layer
                .created_by
                .clone()
                .unwrap_or_else(|| format!("/bin/sh -c echo layer {idx}"));
            history.push(serde_json::json!({ "created_by": created_by }));
            history.push(serde_json::json!({ "created_by": "/bin/sh -c #(nop)  ENV X=1", "empty_layer": true }));
        }
        let mut run = serde_json::Map::new();
        run.insert("Cmd".into(), serde_json::json!(["/bin/sh"]));
        run.extend(self.run_config.clone());
        serde_json::to_vec(&serde_json::json!({
            "architecture": self.architecture.clone().unwrap_or_else(|| "amd64".into()),
            "os": "linux",
            "config": run,
            "rootfs": { "type": "layers", "diff_ids": diff_ids },
            "history": history,
        }))
        .expect("config json")
    }

    pub fn config_json(&self) -> Vec<u8> {
        self.config_json_with(None)
    }

    /// Members of a legacy `docker save` archive (`<id>/layer.tar`), manifest last.
    pub fn docker_members(&self) -> Vec<Member> {
        let config = self.config_json();
        let config_name = format!("{}.json", hex(&sha256(&config)));
        let mut members = Vec::new();
        let mut layer_paths = Vec::new();
        for (idx, (_, blob)) in self.blobs().into_iter().enumerate() {
            let id = hex(&sha256(format!("layer-{idx}").as_bytes())).to_string();
            let path = format!("{id}/layer.tar");
            members.push((format!("{id}/VERSION"), b"1.0".to_vec()));
            members.push((format!("{id}/json"), b"{}".to_vec()));
            members.push((path.clone(), blob));
            layer_paths.push(path);
        }
        members.push((config_name.clone(), config));
        let manifest = serde_json::json!([{
            "Config": config_name,
            "RepoTags": self.tag.iter().collect::<Vec<_>>(),
            "Layers": layer_paths,
        }]);
        members.push((
            "manifest.json".into(),
            serde_json::to_vec(&manifest).expect("json"),
        ));
        members.push(("repositories".into(), b"{}".to_vec()));
        members
    }

    /// Members of an OCI image layout (index.json → manifest → config).
    pub fn oci_members(&self) -> Vec<Member> {
        let blobs = self.blobs();
        let config = self.config_json();
        let mut members = vec![(
            "oci-layout".to_string(),
            br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
        )];
        let layer_descriptors: Vec<serde_json::Value> = blobs
            .iter()
            .zip(&self.layers)
            .map(|((_, blob), (_, how))| {
                let media = match how {
                    Compress::None => "application/vnd.oci.image.layer.v1.tar",
                    Compress::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
                    Compress::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
                };
                serde_json::json!({ "mediaType": media, "digest": sha256(blob), "size": blob.len() })
            })
            .collect();
        for (_, blob) in &blobs {
            members.push((format!("blobs/sha256/{}", hex(&sha256(blob))), blob.clone()));
        }
        members.push((
            format!("blobs/sha256/{}", hex(&sha256(&config))),
            config.clone(),
        ));
        let manifest = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha256(&config), "size": config.len() },
            "layers": layer_descriptors,
        }))
        .expect("json");
        members.push((
            format!("blobs/sha256/{}", hex(&sha256(&manifest))),
            manifest.clone(),
        ));
        let mut annotations = serde_json::Map::new();
        if let Some(tag) = &self.tag {
            let short = tag.rsplit_once(':').map_or(tag.as_str(), |(_, t)| t);
            annotations.insert("org.opencontainers.image.ref.name".into(), short.into());
        }
        let index = serde_json::json!({
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": sha256(&manifest),
                "size": manifest.len(),
                "platform": { "os": "linux", "architecture": self.architecture.clone().unwrap_or_else(|| "amd64".into()) },
                "annotations": annotations,
            }],
        });
        members.push((
            "index.json".into(),
            serde_json::to_vec(&index).expect("json"),
        ));
        members
    }

    /// Members of a Docker 25+ `docker save`: an OCI layout plus a
    /// manifest.json pointing into `blobs/sha256/`.
    pub fn docker25_members(&self) -> Vec<Member> {
        let mut members = self.oci_members();
        let config = self.config_json();
        let layers: Vec<String> = self
            .blobs()
            .iter()
            .map(|(_, blob)| format!("blobs/sha256/{}", hex(&sha256(blob))))
            .collect();
        let manifest = serde_json::json!([{
            "Config": format!("blobs/sha256/{}", hex(&sha256(&config))),
            "RepoTags": self.tag.iter().collect::<Vec<_>>(),
            "Layers": layers,
        }]);
        members.push((
            "manifest.json".into(),
            serde_json::to_vec(&manifest).expect("json"),
        ));
        members
    }

    pub fn docker_archive(&self) -> Vec<u8> {
        tar_of(&self.docker_members())
    }

    pub fn docker25_archive(&self) -> Vec<u8> {
        tar_of(&self.docker25_members())
    }

    pub fn oci_archive(&self) -> Vec<u8> {
        tar_of(&self.oci_members())
    }

    /// Write the OCI layout into `dir`.
    pub fn oci_dir(&self, dir: &Path) {
        write_members(dir, &self.oci_members());
    }
}

/// Set the content of the member `name`.
pub fn replace(members: &mut [Member], name: &str, content: Vec<u8>) {
    let member = members
        .iter_mut()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no member {name}"));
    member.1 = content;
}

/// The config member of a legacy docker archive (`<hex>.json`).
pub fn config_member(members: &[Member]) -> String {
    members
        .iter()
        .find(|(name, _)| name.ends_with(".json") && name != "manifest.json" && !name.contains('/'))
        .map(|(name, _)| name.clone())
        .expect("config member")
}

/// A tar of the given members (regular files, in order).
pub fn tar_of(members: &[Member]) -> Vec<u8> {
    tar_with_links(members, &[])
}

/// A tar of symlink members (name, target) first, then regular files (skopeo
/// writes `<id>/layer.tar` as a symlink to `../<digest>.tar`).
pub fn tar_with_links(members: &[Member], links: &[(&str, &str)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, target) in links {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Symlink);
        header.set_size(0);
        header.set_mode(0);
        builder
            .append_link(&mut header, name, target)
            .expect("link");
    }
    for (name, content) in members {
        let mut header = tar::Header::new_gnu();
        header.set_mode(0o644);
        header.set_size(content.len() as u64);
        builder
            .append_data(&mut header, name, &content[..])
            .expect("member");
    }
    builder.into_inner().expect("tar")
}

/// Write members as files under `dir`.
pub fn write_members(dir: &Path, members: &[Member]) {
    for (name, content) in members {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, content).expect("write");
    }
}

/// Write `bytes` as `dir/name` and return the name (relative to `dir`).
pub fn put(dir: &Path, name: &str, bytes: &[u8]) -> String {
    std::fs::write(dir.join(name), bytes).expect("write fixture");
    name.to_string()
}

/// A temporary directory for one test.
pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// A fixture made by the real tools (tests/fixtures/real).
pub fn real(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/real")
        .join(name)
}

/// Read an archive from bytes and analyse it (base layers: the fallback).
pub fn analyze(archive: &[u8]) -> peel::pipeline::Outcome {
    try_analyze(archive).unwrap_or_else(|e| panic!("fixture should read: {e}"))
}

pub fn try_analyze(archive: &[u8]) -> peel::Result<peel::pipeline::Outcome> {
    let image = peel::image::archive::read(
        archive,
        "fixture",
        "fixture",
        &peel::image::Selection::default(),
        &peel::progress::Progress::new(),
    )?;
    Ok(peel::pipeline::Outcome::of(image, None))
}

/// Analyse an image through every outer format and check they all agree;
/// returns the docker-archive analysis.
pub fn analyze_everywhere(image: &Image) -> peel::pipeline::Outcome {
    let docker = analyze(&image.docker_archive());
    for (name, bytes) in [
        ("docker25", image.docker25_archive()),
        ("oci-archive", image.oci_archive()),
    ] {
        let other = analyze(&bytes);
        assert_eq!(
            other.exact, docker.exact,
            "{name}: exact figures differ from docker-archive"
        );
        assert_eq!(
            other.dive, docker.dive,
            "{name}: dive figures differ from docker-archive"
        );
    }
    let dir = tempfile::tempdir().expect("tempdir");
    image.oci_dir(dir.path());
    let from_dir = peel::image::oci_dir::read(
        dir.path(),
        "fixture",
        &peel::image::Selection::default(),
        &peel::progress::Progress::new(),
    )
    .expect("oci dir reads");
    let from_dir = peel::analysis::analyze(from_dir, None);
    assert_eq!(
        from_dir.exact, docker.exact,
        "oci dir: exact figures differ"
    );
    docker
}

/// A `docker save` archive of layer tars given as raw bytes (crafted
/// headers the tar builder would not write), bottom to top, uncompressed.
pub fn docker_archive_of_tars(tars: &[Vec<u8>]) -> Vec<u8> {
    let diff_ids: Vec<String> = tars.iter().map(|t| sha256(t)).collect();
    let history: Vec<serde_json::Value> = (0..tars.len())
        .map(|i| serde_json::json!({ "created_by": format!("/bin/sh -c echo layer {i}") }))
        .collect();
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": { "Cmd": ["/bin/sh"] },
        "rootfs": { "type": "layers", "diff_ids": diff_ids },
        "history": history,
    }))
    .expect("config json");
    let config_name = format!("{}.json", hex(&sha256(&config)));
    let mut members = Vec::new();
    let mut layer_paths = Vec::new();
    for (idx, tar) in tars.iter().enumerate() {
        let path = format!(
            "{}/layer.tar",
            hex(&sha256(format!("raw-{idx}").as_bytes()))
        );
        members.push((path.clone(), tar.clone()));
        layer_paths.push(path);
    }
    members.push((config_name.clone(), config));
    let manifest = serde_json::json!([{
        "Config": config_name,
        "RepoTags": ["peel-raw:latest"],
        "Layers": layer_paths,
    }]);
    members.push((
        "manifest.json".into(),
        serde_json::to_vec(&manifest).expect("json"),
    ));
    tar_of(&members)
}

/// A folder for files a test process keeps for its whole run (behind a
/// `static`, which is never dropped, so a temporary folder would be left
/// behind by every run): `target/tmp/NAME`, emptied when first asked for.
pub fn run_dir(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}
