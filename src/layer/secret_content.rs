//! Secrets recognised by what a file starts with or holds: private keys and
//! well-known token formats. Only a small file's first bytes are looked at
//! (secrets are small files; a large one is data), as the walker streams
//! them; the matched text is never kept.

use std::sync::OnceLock;

use regex::bytes::Regex;

/// Files larger than this are not looked into.
pub const MAX_FILE: u64 = 64 * 1024;
/// How much of a file is looked into for tokens.
pub const HEAD: usize = 1024;
/// How much of any file is looked into for a private key's first line.
const KEY_HEAD: usize = 128;

/// What a file's content looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SecretContent {
    /// A PEM, OpenSSH, PuTTY or PGP private key.
    PrivateKey,
    /// An AWS access key id or secret access key.
    CloudKey,
    /// A GitHub, GitLab, Slack, npm or PyPI token.
    Token,
}

impl SecretContent {
    pub fn name(self) -> &'static str {
        match self {
            SecretContent::PrivateKey => "private key",
            SecretContent::CloudKey => "cloud access key",
            SecretContent::Token => "access token",
        }
    }
}

fn patterns() -> &'static Regex {
    static PATTERNS: OnceLock<Regex> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        // Each alternative is specific enough that a match is a secret, not
        // a mention: a key block's armour, or a token with its full length.
        // Every alternative starts with a literal, so that the regex engine
        // can look for all of them at once (no case-insensitive part).
        Regex::new(concat!(
            r"(?-u)(?P<key>-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|PuTTY-User-Key-File-\d+: )",
            r"|(?P<cloud>(?:AKIA|ASIA)[0-9A-Z]{16}\b|(?:aws_secret_access_key|AWS_SECRET_ACCESS_KEY)\s*[=:]\s*[A-Za-z0-9/+]{40}\b)",
            r"|(?P<token>gh[pousr]_[A-Za-z0-9]{36}\b|github_pat_[A-Za-z0-9_]{60,}|glpat-[A-Za-z0-9_-]{20}\b",
            r"|xox[abprs]-[A-Za-z0-9-]{10,}|npm_[A-Za-z0-9]{36}\b|pypi-AgE[A-Za-z0-9_-]{50,})",
        ))
        .expect("the secret patterns are valid")
    })
}

/// Does a file's name say it may hold configuration, where tokens and keys
/// are written? Looking for tokens in every file would cost a sixth of a
/// run on an image of small files; private keys are recognised in any file
/// by their first line, which costs nothing.
pub fn may_hold_tokens(name: &[u8]) -> bool {
    if name.starts_with(b".env") {
        return true;
    }
    match name.iter().rposition(|&b| b == b'.') {
        Some(dot) => {
            // The extension, lowercased, in a small buffer: this runs for
            // every small file of the image.
            let ext = &name[dot + 1..];
            let mut lower = [0u8; 10];
            let Some(lower) = lower.get_mut(..ext.len()) else {
                return false;
            };
            lower.copy_from_slice(ext);
            lower.make_ascii_lowercase();
            matches!(
                &*lower,
                b"json"
                    | b"yaml"
                    | b"yml"
                    | b"toml"
                    | b"ini"
                    | b"cfg"
                    | b"conf"
                    | b"config"
                    | b"properties"
                    | b"xml"
                    | b"sh"
                    | b"bash"
                    | b"py"
                    | b"js"
                    | b"mjs"
                    | b"cjs"
                    | b"ts"
                    | b"rb"
                    | b"php"
                    | b"go"
                    | b"tf"
                    | b"tfvars"
                    | b"npmrc"
                    | b"pypirc"
                    | b"netrc"
            )
        }
        // A name without an extension: `credentials`, `api-token`, ...
        None => [&b"cred"[..], b"secret", b"token", b"auth", b"key", b"conf"]
            .iter()
            .any(|w| {
                name.windows(w.len())
                    .any(|part| part.eq_ignore_ascii_case(w))
            }),
    }
}

/// How much of a file [`sniff`] needs: the first line for a private key,
/// [`HEAD`] bytes where tokens may be.
pub fn head_len(name: &[u8]) -> usize {
    if may_hold_tokens(name) {
        HEAD
    } else {
        KEY_HEAD
    }
}

/// Does a file start (after blank space) like a private key?
fn starts_like_a_private_key(head: &[u8]) -> bool {
    let head = head.trim_ascii_start();
    if head.starts_with(b"PuTTY-User-Key-File-") {
        return true;
    }
    let Some(armour) = head.strip_prefix(b"-----BEGIN ") else {
        return false;
    };
    let line = armour.split(|&b| b == b'\n').next().unwrap_or_default();
    line.trim_ascii_end().ends_with(b"PRIVATE KEY-----")
        || line.trim_ascii_end().ends_with(b"PRIVATE KEY BLOCK-----")
}

/// What the first bytes of a file say it holds, if it is a secret: a
/// private key in any file, tokens and keys in files whose name
/// [`may_hold_tokens`].
pub fn sniff(name: &[u8], head: &[u8]) -> Option<SecretContent> {
    if starts_like_a_private_key(head) {
        return Some(SecretContent::PrivateKey);
    }
    if !may_hold_tokens(name) || !patterns().is_match(head) {
        return None;
    }
    let captures = patterns().captures(head)?;
    Some(if captures.name("key").is_some() {
        SecretContent::PrivateKey
    } else if captures.name("cloud").is_some() {
        SecretContent::CloudKey
    } else {
        SecretContent::Token
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_tokens() {
        let pem = b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n";
        assert_eq!(sniff(b"id", pem), Some(SecretContent::PrivateKey));
        assert_eq!(
            sniff(b"app.conf", b"-----BEGIN RSA PRIVATE KEY-----\n"),
            Some(SecretContent::PrivateKey)
        );
        assert_eq!(
            sniff(b"app.conf", b"-----BEGIN PRIVATE KEY-----\n"),
            Some(SecretContent::PrivateKey)
        );
        assert_eq!(
            sniff(b"app.conf", b"-----BEGIN PGP PRIVATE KEY BLOCK-----\n"),
            Some(SecretContent::PrivateKey)
        );
        assert_eq!(
            sniff(b"app.conf", b"PuTTY-User-Key-File-3: ssh-ed25519\n"),
            Some(SecretContent::PrivateKey)
        );
        assert_eq!(
            sniff(
                b"app.conf",
                b"[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
            ),
            Some(SecretContent::CloudKey)
        );
        assert_eq!(
            sniff(
                b"app.conf",
                b"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
            ),
            Some(SecretContent::CloudKey)
        );
        let github = format!("token: ghp_{}\n", "a1B2".repeat(9));
        assert_eq!(
            sniff(b"app.conf", github.as_bytes()),
            Some(SecretContent::Token)
        );
        assert_eq!(
            sniff(
                b"app.conf",
                b"//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789\n"
            ),
            Some(SecretContent::Token)
        );
    }

    #[test]
    fn keys_anywhere_tokens_in_configuration() {
        let key = b"\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n";
        assert_eq!(sniff(b"blob.bin", key), Some(SecretContent::PrivateKey));
        let token = b"AKIAIOSFODNN7EXAMPLE";
        assert_eq!(sniff(b"notes.txt", token), None);
        assert_eq!(
            sniff(b"settings.yaml", token),
            Some(SecretContent::CloudKey)
        );
        assert_eq!(
            sniff(b".env.production", token),
            Some(SecretContent::CloudKey)
        );
        assert_eq!(sniff(b"credentials", token), Some(SecretContent::CloudKey));
        assert!(!may_hold_tokens(b"f026.txt"));
        assert!(may_hold_tokens(b"api-token"));
        // A key mentioned in a document is not a key file.
        assert_eq!(
            sniff(b"README.md", b"Use -----BEGIN RSA PRIVATE KEY----- blocks"),
            None
        );
    }

    #[test]
    fn mentions_and_public_material_are_not_secrets() {
        assert_eq!(sniff(b"app.conf", b"-----BEGIN PUBLIC KEY-----\n"), None);
        assert_eq!(sniff(b"app.conf", b"-----BEGIN CERTIFICATE-----\n"), None);
        assert_eq!(
            sniff(b"app.conf", b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 user@host\n"),
            None
        );
        assert_eq!(
            sniff(
                b"app.conf",
                b"# set aws_secret_access_key in your environment\n"
            ),
            None
        );
        assert_eq!(sniff(b"app.conf", b"prefix ghp_short\n"), None);
        assert_eq!(
            sniff(b"app.conf", b"AKIA is the prefix of access key ids\n"),
            None
        );
        assert_eq!(sniff(b"app.conf", b""), None);
    }
}
