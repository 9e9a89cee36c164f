//! The session folder: where the viewer keeps layers it had to fetch again
//! (an engine image's) or was told to keep (`--keep-layers` on standard
//! input). One folder per session, `peel-layers-<pid>-<name>` under
//! `$XDG_RUNTIME_DIR` (the temporary directory without it), created on the
//! first use only, removed when the session ends; a folder whose process is
//! gone (a crash, a kill) is removed when the next session starts.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::ContentError;

/// The folder names' prefix; the process id follows.
const PREFIX: &str = "peel-layers-";

/// How many bytes of layers a session keeps, unless `PEEL_KEEP_LAYERS_BYTES`
/// says otherwise.
pub const DEFAULT_BOUND: u64 = 4 << 30;

/// The bound on what the session keeps, in bytes.
pub fn bound() -> u64 {
    std::env::var("PEEL_KEEP_LAYERS_BYTES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_BOUND)
}

/// Where session folders are made.
fn base() -> PathBuf {
    std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute() && dir.is_dir())
        .unwrap_or_else(std::env::temp_dir)
}

/// A session's folder, `peel-layers-<pid>-<name>`: created on the first
/// [`SessionDir::create`], removed (with what is in it) when dropped.
#[derive(Debug)]
pub struct SessionDir {
    path: PathBuf,
    created: Mutex<bool>,
}

impl SessionDir {
    /// The folder `name` of this process (not created yet); folders of dead
    /// processes are removed now.
    pub fn new(name: &str) -> SessionDir {
        let base = base();
        sweep_stale(&base);
        SessionDir {
            path: base.join(format!("{PREFIX}{}-{name}", std::process::id())),
            created: Mutex::new(false),
        }
    }

    /// The folder of standard input's layers (`--keep-layers`), which the
    /// source makes: removed when this is dropped, whoever made it.
    pub fn stdin() -> SessionDir {
        let dir = SessionDir::new("stdin");
        if let Ok(mut created) = dir.created.lock() {
            *created = true;
        }
        dir
    }

    /// A session of its own: a name no other in this process has.
    pub fn unique() -> SessionDir {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        SessionDir::new(&NEXT.fetch_add(1, Ordering::Relaxed).to_string())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The folder, created (private to the user) when missing.
    pub fn create(&self) -> Result<&Path, ContentError> {
        let mut created = self.created.lock().map_err(|_| "the session folder lock")?;
        if !*created {
            let mut builder = fs::DirBuilder::new();
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            match builder.create(&self.path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(format!("{}: {e}", self.path.display()).into()),
            }
            *created = true;
        }
        Ok(&self.path)
    }
}

impl Drop for SessionDir {
    fn drop(&mut self) {
        if self.created.lock().is_ok_and(|c| *c) {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// Where `--keep-layers` keeps standard input (not created; the folders of
/// dead processes are removed now).
pub fn stdin_folder() -> PathBuf {
    SessionDir::new("stdin").path.clone()
}

/// Remove the folders of processes that are gone. Only names that are
/// `peel-layers-<pid>-…` and real directories (not links) are touched.
pub fn sweep_stale(base: &Path) {
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(PREFIX))
            .and_then(|n| n.split('-').next())
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_folders_of_dead_processes_go_and_others_stay() {
        let dir = tempfile::tempdir().unwrap();
        // Pids past the kernel's maximum (4194304) cannot be alive.
        let dead = dir.path().join(format!("{PREFIX}4294967295-0"));
        let alive = dir.path().join(format!("{PREFIX}{}-0", std::process::id()));
        let other = dir.path().join("peel-layers-notapid");
        for d in [&dead, &alive, &other] {
            fs::create_dir(d).unwrap();
        }
        sweep_stale(dir.path());
        assert!(!dead.exists());
        assert!(alive.exists() && other.exists());
    }
    #[test]
    fn a_session_folder_is_made_on_first_use_and_removed_with_it() {
        let session = SessionDir::unique();
        assert!(!session.path().exists());
        let path = session.create().unwrap().to_path_buf();
        assert!(path.is_dir());
        fs::write(path.join("x"), b"x").unwrap();
        drop(session);
        assert!(!path.exists());
    }
}
