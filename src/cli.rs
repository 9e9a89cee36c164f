//! The command line (clap derive). dive's flag spellings are accepted as
//! aliases so that a pipeline can swap the binary.

use std::path::PathBuf;

use clap::{Args, Parser};

use crate::image::PlatformSpec;
use crate::source::SourceKind;

/// The version and the commit peel was built from (build.rs).
pub const VERSION: &str = env!("PEEL_VERSION");

#[derive(Debug, Parser)]
#[command(
    name = "peel",
    version = VERSION,
    args_conflicts_with_subcommands = true,
    disable_help_subcommand = true,
    about = "See where a container image's bytes go, layer by layer: what each layer adds, changes and deletes, the bytes wasted, and an efficiency score.",
    after_help = "Examples:\n  peel --ci image.tar                       report, rules, exit code\n  peel --json report.json oci:./layout      machine-readable report\n  docker save app:1 | peel --ci -           from standard input\n\nExit status: 0 all rules pass, 1 a rule failed, 2 the image could not be read or the configuration is invalid."
)]
pub struct Cli {
    /// The image: a docker-save or OCI archive (file, or '-' for stdin), an OCI
    /// layout directory, or a transport reference (docker-archive:PATH[:TAG],
    /// oci:PATH[:TAG], oci-archive:PATH[:TAG], docker-archive://PATH), or an
    /// image in the Docker or Podman engine (NAME[:TAG], an image id,
    /// docker://REF, docker-daemon:REF, podman://REF).
    pub image: Option<String>,

    /// Headless: print the report, judge the rules, exit 0 (pass) or 1 (fail).
    /// Also on when the environment has CI=true.
    #[arg(long)]
    pub ci: bool,

    #[command(flatten)]
    pub report: ReportFlags,

    /// Fail when the efficiency is below this fraction (0..1, or 'disabled').
    #[arg(
        long,
        alias = "lowestEfficiency",
        allow_negative_numbers = true,
        value_name = "FRACTION",
        env = "PEEL_LOWEST_EFFICIENCY"
    )]
    pub lowest_efficiency: Option<String>,

    /// Fail when more bytes than this are wasted (20MB, 20MiB, ..., or 'disabled').
    #[arg(
        long,
        alias = "highestWastedBytes",
        allow_negative_numbers = true,
        value_name = "BYTES",
        env = "PEEL_HIGHEST_WASTED_BYTES"
    )]
    pub highest_wasted_bytes: Option<String>,

    /// Fail when the user layers waste more than this fraction of their bytes
    /// (0..1, or 'disabled').
    #[arg(
        long,
        alias = "highestUserWastedPercent",
        allow_negative_numbers = true,
        value_name = "FRACTION",
        env = "PEEL_HIGHEST_USER_WASTED_PERCENT"
    )]
    pub highest_user_wasted_percent: Option<String>,

    /// Fail when the image has findings of these kinds (comma-separated, e.g.
    /// secret,package-cache; none by default).
    #[arg(long, value_name = "KINDS", env = "PEEL_FAIL_ON")]
    pub fail_on: Option<String>,

    /// Accept the wasted bytes of paths matching GLOB (absolute, e.g.
    /// '/var/cache/**' or '**/*.log'): not counted as wasted, in no finding.
    /// Repeatable; adds to the rules file's `ignore:` list.
    #[arg(long, value_name = "GLOB")]
    pub ignore: Vec<String>,

    /// Judge the rules on dive's figures instead of peel's exact ones.
    #[arg(long)]
    pub dive_compat: bool,

    /// How many bottom layers belong to the base image (default: the base the
    /// image declares when peel finds it, else read from the history, else 1).
    #[arg(long, value_name = "N", conflicts_with = "base")]
    pub base_layers: Option<usize>,

    /// The base image (any reference peel reads): the layers shared with it,
    /// by diff id, are the base layers.
    #[arg(long, value_name = "IMAGE")]
    pub base: Option<String>,

    #[command(flatten)]
    pub read: ReadFlags,

    #[command(flatten)]
    pub ui: UiFlags,

    /// How many wasted entries the text report lists.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub wasted_limit: usize,

    /// The Dockerfile the image was built from: layers and findings point at
    /// its lines (the final stage's). Also `dockerfile:` in the rules file.
    #[arg(long, value_name = "PATH")]
    pub dockerfile: Option<PathBuf>,

    /// Print the findings as CI annotations: `github` (workflow commands;
    /// the default when GITHUB_ACTIONS=true) or `none`.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub annotations: Option<Annotations>,

    /// Write a GitLab Code Quality report (JSON) to PATH.
    #[arg(long, value_name = "PATH")]
    pub codequality: Option<PathBuf>,

    /// Write a SARIF 2.1.0 report to PATH (code scanning).
    #[arg(long, value_name = "PATH")]
    pub sarif: Option<PathBuf>,

    /// Write a JUnit XML report to PATH: one test case per CI rule.
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,

    /// With --ci: also judge the growth rules against this baseline, an
    /// image (any reference peel reads) or a JSON report of `peel --json`.
    #[arg(long, value_name = "IMAGE|REPORT")]
    pub baseline: Option<String>,

    #[command(flatten)]
    pub growth: GrowthFlags,

    /// `peel diff OLD NEW`, `peel completions SHELL`, `peel man`; none for
    /// `peel IMAGE`.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What peel does besides reading an image (an image named like one of
/// these is given as `./NAME`, `docker-archive:NAME`, or after `--`:
/// `peel -- diff`).
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Compare two images (or an earlier JSON report and an image): figures,
    /// layers and pull cost, files, waste and findings new and gone.
    Diff(Box<DiffArgs>),
    /// Print the completion script for SHELL (bash, zsh, fish, powershell, elvish).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print peel's man page (roff, for `man -l -`).
    Man,
}

/// The completion script for `shell`, generated from the flags above.
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut command = <Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "peel", &mut out);
    out
}

/// The man page (roff), generated from the flags above.
pub fn man_page() -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut out)?;
    Ok(out)
}

/// Where `--annotations` prints the findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Annotations {
    /// GitHub Actions workflow commands.
    Github,
    /// None, even on GitHub Actions.
    None,
}

#[derive(Debug, Clone, Args)]
pub struct DiffArgs {
    /// The image compared against: any reference peel reads, or a JSON
    /// report of `peel --json`.
    pub old: String,

    /// The image compared: any reference peel reads, or a JSON report.
    pub new: String,

    #[command(flatten)]
    pub report: ReportFlags,

    #[command(flatten)]
    pub growth: GrowthFlags,

    /// Accept the wasted bytes of paths matching GLOB (as for one image).
    #[arg(long, value_name = "GLOB")]
    pub ignore: Vec<String>,

    #[command(flatten)]
    pub read: ReadFlags,

    #[command(flatten)]
    pub ui: UiFlags,
}

/// The report files and the rules file: `peel IMAGE` reports on the image,
/// `peel diff` on the comparison.
#[derive(Debug, Clone, Args)]
pub struct ReportFlags {
    /// Write the JSON report to PATH ('-' for standard output).
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,

    /// Write a Markdown report to PATH ('-' for standard output): for a
    /// pull-request comment or a CI step summary (`peel diff`: the details
    /// collapsed).
    #[arg(long, value_name = "PATH")]
    pub markdown: Option<PathBuf>,

    /// Write a self-contained HTML report to PATH ('-' for standard output):
    /// a treemap of the final filesystem (by the layer that wrote each file,
    /// or by waste), the layers, the figures, the verdict, the findings and
    /// the wasted entries (`peel diff`: NEW's treemap coloured by growth,
    /// the figures side by side).
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,

    /// The CI rules file (YAML, dive's .dive-ci format; `peel diff` reads
    /// its growth rules and `ignore:` globs).
    #[arg(long, value_name = "PATH", default_value = ".dive-ci")]
    pub ci_config: PathBuf,
}

/// The interactive UI's flags, shared by `peel IMAGE` and `peel diff`.
#[derive(Debug, Clone, Default, Args)]
pub struct UiFlags {
    /// The UI's config file (keys, panes); default
    /// $XDG_CONFIG_HOME/peel/config.toml or ~/.config/peel/config.toml.
    #[arg(long, value_name = "PATH", env = "PEEL_CONFIG")]
    pub config: Option<PathBuf>,
}

/// The growth rules (off by default), judged against a baseline.
#[derive(Debug, Clone, Default, Args)]
pub struct GrowthFlags {
    /// Fail when the visible size grew by more than this (20MB, or 10% of
    /// the baseline's; 'disabled').
    #[arg(long, value_name = "BYTES|PERCENT")]
    pub highest_growth: Option<String>,

    /// Fail when a host holding the baseline must download more than this
    /// for the new image (compressed where known).
    #[arg(long, value_name = "BYTES")]
    pub highest_pull_cost: Option<String>,

    /// Fail when the wasted bytes grew by more than this.
    #[arg(long, value_name = "BYTES")]
    pub highest_wasted_growth: Option<String>,

    /// Fail when the new image has findings of these kinds the baseline had
    /// not (comma-separated).
    #[arg(long, value_name = "KINDS")]
    pub fail_on_new: Option<String>,
}

impl GrowthFlags {
    pub fn text(&self) -> crate::ci::growth::GrowthText {
        crate::ci::growth::GrowthText {
            highest_growth: self.highest_growth.clone(),
            highest_pull_cost: self.highest_pull_cost.clone(),
            highest_wasted_growth: self.highest_wasted_growth.clone(),
            fail_on_new: self.fail_on_new.clone(),
        }
    }
}

impl Cli {
    /// `--annotations`, else GitHub's when GITHUB_ACTIONS=true.
    pub fn annotations(&self) -> Annotations {
        self.annotations.unwrap_or_else(|| {
            if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v.trim() == "true") {
                Annotations::Github
            } else {
                Annotations::None
            }
        })
    }

    /// A report file or `--annotations github` asked for: the run is
    /// headless (GITHUB_ACTIONS alone adds annotations to a headless run,
    /// and leaves the UI alone).
    pub fn ci_outputs(&self) -> bool {
        self.codequality.is_some()
            || self.sarif.is_some()
            || self.junit.is_some()
            || self.annotations == Some(Annotations::Github)
    }

    /// `--ci`, or `CI=true` in the environment (as with dive).
    pub fn ci_mode(&self) -> bool {
        self.ci
            || std::env::var("CI")
                .is_ok_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "1"))
    }
}

/// How images are read: the flags `peel IMAGE` and `peel diff` share.
#[derive(Debug, Clone, Args)]
pub struct ReadFlags {
    /// The platform to pick from a multi-platform index (default: this machine's).
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<PlatformSpec>,

    /// Do not verify digests (on by default: every layer's uncompressed
    /// bytes against the config's rootfs.diff_ids, every compressed blob
    /// against its descriptor's digest and size). Skips the hashing too.
    #[arg(long)]
    pub no_verify: bool,

    /// Where the image comes from, when the reference does not say.
    #[arg(long, value_enum)]
    pub source: Option<SourceKind>,

    /// Pull an engine image the engine does not have (it may contact a
    /// registry), then read it.
    #[arg(long)]
    pub pull: bool,

    /// Keep the layers of an image read from standard input for the session
    /// (in $XDG_RUNTIME_DIR or the temporary directory, within
    /// PEEL_KEEP_LAYERS_BYTES, removed on exit), so that the file viewer and
    /// extract can read them again.
    #[arg(long)]
    pub keep_layers: bool,

    /// Registry images: verify the registry's TLS certificate (skopeo's
    /// spelling: `--tls-verify=false` for a self-signed registry).
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set,
          num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub tls_verify: bool,

    /// Registry images: talk HTTP, not HTTPS (loopback and insecure registries).
    #[arg(long)]
    pub plain_http: bool,

    /// Registry images: how many layer blobs are fetched at once.
    #[arg(long, value_name = "N", default_value_t = crate::source::registry::DEFAULT_JOBS,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=64))]
    pub jobs: usize,
}

impl ReadFlags {
    /// The options every source is opened with.
    pub fn open_options(&self) -> crate::source::OpenOptions {
        crate::source::OpenOptions {
            platform: self.platform.clone(),
            pull: self.pull,
            no_verify: self.no_verify,
            keep_layers: self.keep_layers.then(crate::content::session::stdin_folder),
            keep_bound: crate::content::session::bound(),
            registry: crate::source::registry::Options {
                tls_verify: self.tls_verify,
                plain_http: self.plain_http,
                jobs: self.jobs,
            },
            ..crate::source::OpenOptions::default()
        }
    }
}
