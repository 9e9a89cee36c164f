//! What a finding carries besides its facts: what fixing it is worth and
//! the Dockerfile line it points at.

use serde::Serialize;

use super::savings;

/// What fixing a finding is worth ([`savings`]) and the Dockerfile line it
/// points at, when a Dockerfile was given.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Fix {
    /// How much smaller the image gets when the finding is fixed.
    pub saved_bytes: u64,
    /// The pull size it saves, estimated from the layers' compression
    /// ratios; `None` where a layer's compressed size is unknown.
    pub saved_compressed_bytes: Option<u64>,
    /// The Dockerfile line of the finding's layer (`--dockerfile`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<crate::dockerfile::Line>,
    /// The entries a fix removes, for the savings (not reported).
    #[serde(skip)]
    pub claims: Vec<savings::Claim>,
    /// The history entry the finding is about, when it is not a layer's
    /// (a RUN that made no layer), for its Dockerfile line.
    #[serde(skip)]
    pub history: Option<usize>,
}

impl Fix {
    /// A finding about the Dockerfile step of history entry `history`: no
    /// savings of its own.
    pub fn at_history(history: usize) -> Fix {
        Fix {
            history: Some(history),
            ..Fix::default()
        }
    }
}
