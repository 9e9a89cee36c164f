//! Fixing the image: what each finding is worth (savings), the Dockerfile
//! lines behind layers and findings, the new advice kinds, and the CI
//! formats that show them (GitHub workflow commands, GitLab Code Quality,
//! SARIF, JUnit).

mod ci_formats;
mod savings;
