//! (real pairs: below)
