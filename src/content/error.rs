//! Why a file's content could not be shown or extracted: the one case a
//! caller acts on (the user's cancel), or a failure, as its one line.

/// A content read's failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentError {
    /// The user cancelled the fetch under way ([`super::cancel_fetch`]).
    #[error("{}", super::fetch::CANCELLED)]
    Cancelled,
    /// Anything else: what failed and why, in one line.
    #[error("{0}")]
    Failed(String),
}

impl From<String> for ContentError {
    fn from(message: String) -> Self {
        ContentError::Failed(message)
    }
}

/// A reader's error (a layer blob that cannot be opened again), as its line.
impl From<crate::error::Error> for ContentError {
    fn from(e: crate::error::Error) -> Self {
        ContentError::Failed(e.to_string())
    }
}

impl From<&str> for ContentError {
    fn from(message: &str) -> Self {
        ContentError::Failed(message.to_string())
    }
}
