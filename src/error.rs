//! One error type for the whole crate: every failure carries the thing it is
//! about (a file, a blob, a layer) and a one-line reason, because the CLI prints
//! exactly one line and exits 2.

use std::fmt;
use std::io;

/// Result alias used across peel.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading `what` failed at the operating-system level.
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: io::Error,
    },
    /// `what` was read but is not what it should be (bad tar, bad JSON, a lying manifest, ...).
    #[error("{what}: {reason}")]
    Invalid { what: String, reason: String },
    /// A blob or member that the image's manifest names is not there.
    #[error("{what}: {reason}")]
    Missing { what: String, reason: String },
    /// The container engine (Docker, Podman) could not be reached or refused
    /// the request; the message says which engine and how to fix it.
    #[error("{0}")]
    Engine(String),
    /// The CI configuration (flags, `.dive-ci`, environment) is not valid.
    #[error("{0}")]
    Config(String),
    /// The user cancelled the load.
    #[error("cancelled")]
    Cancelled,
    /// The UI's loader thread panicked (a bug in peel, not in the input):
    /// what the panic said.
    #[error("internal error while reading the image: {0}")]
    Panicked(String),
}

impl Error {
    pub fn io(what: impl fmt::Display, source: io::Error) -> Self {
        Error::Io {
            what: what.to_string(),
            source,
        }
    }

    pub fn invalid(what: impl fmt::Display, reason: impl fmt::Display) -> Self {
        Error::Invalid {
            what: what.to_string(),
            reason: reason.to_string(),
        }
    }

    pub fn missing(what: impl fmt::Display, reason: impl fmt::Display) -> Self {
        Error::Missing {
            what: what.to_string(),
            reason: reason.to_string(),
        }
    }

    /// Prefix the subject of the error with an outer context (for example the
    /// archive file that holds the layer that failed).
    pub fn within(self, outer: impl fmt::Display) -> Self {
        match self {
            Error::Io { what, source } => Error::Io {
                what: format!("{outer}: {what}"),
                source,
            },
            Error::Invalid { what, reason } => Error::Invalid {
                what: format!("{outer}: {what}"),
                reason,
            },
            Error::Missing { what, reason } => Error::Missing {
                what: format!("{outer}: {what}"),
                reason,
            },
            other => other,
        }
    }
}
