//! `os/arch[/variant]` as given to `--platform`, and this machine's default.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformSpec {
    pub os: String,
    pub arch: String,
    pub variant: Option<String>,
}

impl PlatformSpec {
    /// The platform peel runs on, in OCI (GOOS/GOARCH) words. Images are
    /// Linux images wherever peel runs, so the OS is always `linux`.
    pub fn host() -> Self {
        let (arch, variant) = match std::env::consts::ARCH {
            "x86_64" => ("amd64", None),
            "aarch64" => ("arm64", None),
            "x86" => ("386", None),
            "arm" => ("arm", Some("v7")),
            "powerpc64" => ("ppc64le", None),
            "s390x" => ("s390x", None),
            "riscv64" => ("riscv64", None),
            other => (other, None),
        };
        PlatformSpec {
            os: "linux".into(),
            arch: arch.into(),
            variant: variant.map(Into::into),
        }
    }

    /// Does an index entry's platform fit? A variant is compared only when
    /// this spec names one.
    pub fn matches(&self, os: &str, arch: &str, variant: Option<&str>) -> bool {
        self.os == os
            && self.arch == arch
            && match (&self.variant, variant) {
                (Some(want), Some(have)) => want == have,
                (Some(_), None) => false,
                (None, _) => true,
            }
    }
}

impl FromStr for PlatformSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split('/').collect();
        let bad =
            || format!("invalid platform '{s}': expected os/arch[/variant], e.g. linux/amd64");
        match parts.as_slice() {
            [os, arch] if !os.is_empty() && !arch.is_empty() => Ok(PlatformSpec {
                os: os.to_string(),
                arch: arch.to_string(),
                variant: None,
            }),
            [os, arch, variant] if !os.is_empty() && !arch.is_empty() && !variant.is_empty() => {
                Ok(PlatformSpec {
                    os: os.to_string(),
                    arch: arch.to_string(),
                    variant: Some(variant.to_string()),
                })
            }
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for PlatformSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.arch)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_match() {
        let p: PlatformSpec = "linux/arm64".parse().unwrap();
        assert!(p.matches("linux", "arm64", Some("v8")));
        assert!(!p.matches("linux", "amd64", None));
        let v: PlatformSpec = "linux/arm/v6".parse().unwrap();
        assert!(v.matches("linux", "arm", Some("v6")));
        assert!(!v.matches("linux", "arm", Some("v7")));
        assert!("linux".parse::<PlatformSpec>().is_err());
        assert!("linux//x".parse::<PlatformSpec>().is_err());
        assert_eq!(v.to_string(), "linux/arm/v6");
    }
}
