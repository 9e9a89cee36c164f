//! Paths a team accepts (`--ignore GLOB`, `ignore:` in the rules file): their
//! wasted bytes are counted as accepted rather than wasted, and they appear in
//! no finding. Globs match absolute paths (`/var/cache/**`, `**/*.log`).

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::error::{Error, Result};
use crate::layer::path;

#[derive(Debug, Clone)]
pub struct Ignore {
    set: GlobSet,
    count: usize,
}

/// No glob: nothing accepted.
impl Default for Ignore {
    fn default() -> Self {
        Ignore {
            set: GlobSet::empty(),
            count: 0,
        }
    }
}

impl Ignore {
    pub fn new(patterns: &[String]) -> Result<Self> {
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            let glob = Glob::new(pattern)
                .map_err(|e| Error::Config(format!("ignore: invalid glob '{pattern}': {e}")))?;
            builder.add(glob);
        }
        let set = builder
            .build()
            .map_err(|e| Error::Config(format!("ignore: {e}")))?;
        Ok(Ignore {
            set,
            count: patterns.len(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Does a canonical path match one of the globs?
    pub fn matches(&self, canonical: &[u8]) -> bool {
        self.count > 0 && self.set.is_match(path::display(canonical))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_absolute_paths() {
        let ignore = Ignore::new(&["/var/cache/**".into(), "**/*.log".into()]).unwrap();
        assert!(ignore.matches(b"var/cache/apk/x.apk"));
        assert!(ignore.matches(b"tmp/build.log"));
        assert!(ignore.matches(b"build.log"));
        assert!(!ignore.matches(b"var/lib/x"));
        assert!(!Ignore::new(&[]).unwrap().matches(b"anything"));
        assert!(Ignore::new(&["a[".into()]).is_err());
    }
}
