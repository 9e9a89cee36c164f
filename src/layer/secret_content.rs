//! Secrets recognised by what a file starts with or holds: private keys and
//! well-known token formats. Only a small file's first bytes are looked at
//! (secrets are small files; a large one is data), as the walker streams
//! them; the matched text is never kept.
//!
//! Key and certificate files (`.pem`, `.crt`, `.key`, PKCS#12, Java key
//! stores) are told by their content, never by their name alone: a CA
//! bundle (certifi's `cacert.pem`, a copied `ca.crt`, > 64 KiB) or a
//! certificate is public. The limit: only a file's first [`HEAD`] bytes are
//! seen, so a private key that follows more than 1 KiB of certificates in a
//! combined `.pem` is not found (a `.key` file is a key unless it is PEM
//! armour of public material; a combined file is best named so).

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

/// A file whose name says it holds keys or certificates: what it holds is
/// told by its content, never by the name alone (a `.pem` is as often a
/// public certificate bundle as a private key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyContainer {
    /// `.pem`, `.crt`, `.cer`: PEM text, a secret when it holds a private
    /// key's armour.
    Pem,
    /// `.key`: a private key unless its content is PEM armour of public
    /// material only (a certificate, a public key).
    Key,
    /// `.p12`, `.pfx`: a PKCS#12 store, which holds a private key in nearly
    /// every use; one named as a trust store is taken for certificates.
    Pkcs12,
    /// `.jks`, `.jceks`, `.keystore`: a Java key store, a secret when one
    /// of its entries is a private or secret key (a trust store holds only
    /// certificates).
    Java,
}

fn key_container(name: &[u8]) -> Option<KeyContainer> {
    let dot = name.iter().rposition(|&b| b == b'.')?;
    let ext = &name[dot + 1..];
    let mut lower = [0u8; 8];
    let lower = lower.get_mut(..ext.len())?;
    lower.copy_from_slice(ext);
    lower.make_ascii_lowercase();
    Some(match &*lower {
        b"pem" | b"crt" | b"cer" => KeyContainer::Pem,
        b"key" => KeyContainer::Key,
        b"p12" | b"pfx" => KeyContainer::Pkcs12,
        b"jks" | b"jceks" | b"keystore" => KeyContainer::Java,
        _ => return None,
    })
}

/// How much of a file [`sniff`] needs: the first line for a private key,
/// [`HEAD`] bytes where tokens may be or where a key may follow
/// certificates.
pub fn head_len(name: &[u8]) -> usize {
    if may_hold_tokens(name) || key_container(name).is_some() {
        HEAD
    } else {
        KEY_HEAD
    }
}

/// Does a line of `head` open a private key's armour (`-----BEGIN … PRIVATE
/// KEY-----`, PKCS#1, PKCS#8 and its encrypted form, OpenSSH, PGP)?
fn holds_private_key_armour(head: &[u8]) -> bool {
    head.split(|&b| b == b'\n').any(starts_like_a_private_key)
}

/// Does `head` start as a DER PKCS#12 store: a SEQUENCE whose first member
/// is the INTEGER 3 (the PFX version)?
fn looks_like_pkcs12(head: &[u8]) -> bool {
    let rest = match head {
        [0x30, 0x80, rest @ ..] => rest,
        [0x30, n @ 0x81..=0x84, rest @ ..] => rest.get(usize::from(n - 0x80)..).unwrap_or(&[]),
        _ => return false,
    };
    rest.starts_with(&[0x02, 0x01, 0x03])
}

/// Is a PKCS#12 file named as a trust store (Java's `cacerts`, a
/// `truststore.p12`)?
fn trust_store_name(name: &[u8]) -> bool {
    name.windows(5).any(|w| w.eq_ignore_ascii_case(b"trust"))
        || name.windows(7).any(|w| w.eq_ignore_ascii_case(b"cacerts"))
}

/// Does a Java key store (JKS or JCEKS) hold a private or secret key among
/// the entries `head` shows? Trusted-certificate entries are skipped by
/// their lengths; what the head does not show is not guessed at.
fn java_store_holds_key(head: &[u8]) -> bool {
    struct Cursor<'a>(&'a [u8]);
    impl Cursor<'_> {
        fn take(&mut self, n: usize) -> Option<&[u8]> {
            if self.0.len() < n {
                return None;
            }
            let (taken, rest) = self.0.split_at(n);
            self.0 = rest;
            Some(taken)
        }
        fn u16(&mut self) -> Option<usize> {
            self.take(2)
                .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
        }
        fn u32(&mut self) -> Option<u32> {
            self.take(4)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        }
        fn skip_string(&mut self) -> Option<()> {
            let n = self.u16()?;
            self.take(n).map(|_| ())
        }
    }
    let mut cur = Cursor(head);
    let walk = |cur: &mut Cursor| -> Option<bool> {
        let magic = cur.u32()?;
        if magic != 0xFEED_FEED && magic != 0xCECE_CECE {
            return Some(false);
        }
        let version = cur.u32()?;
        let count = cur.u32()?;
        for _ in 0..count {
            match cur.u32()? {
                // A private key (JKS, JCEKS) or a secret key (JCEKS).
                1 | 3 => return Some(true),
                2 => {
                    cur.skip_string()?; // alias
                    cur.take(8)?; // date
                    if version == 2 {
                        cur.skip_string()?; // certificate type
                    }
                    let len = cur.u32()?;
                    cur.take(usize::try_from(len).ok()?)?;
                }
                _ => return Some(false),
            }
        }
        Some(false)
    };
    walk(&mut cur).unwrap_or(false)
}

/// Does a key container's content (its first [`HEAD`] bytes) hold a
/// private key?
fn container_holds_key(container: KeyContainer, name: &[u8], head: &[u8]) -> bool {
    match container {
        KeyContainer::Pem => holds_private_key_armour(head),
        KeyContainer::Key => {
            holds_private_key_armour(head) || !head.trim_ascii_start().starts_with(b"-----BEGIN ")
        }
        KeyContainer::Pkcs12 => looks_like_pkcs12(head) && !trust_store_name(name),
        KeyContainer::Java => {
            java_store_holds_key(head) || (looks_like_pkcs12(head) && !trust_store_name(name))
        }
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
    if head.is_empty() {
        return None;
    }
    if starts_like_a_private_key(head) {
        return Some(SecretContent::PrivateKey);
    }
    if let Some(container) = key_container(name)
        && container_holds_key(container, name, head)
    {
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

/// What stands in for a secret's value in every output.
pub const REDACTED: &str = "[REDACTED]";

/// The tokens and keys `text` holds (a command, an environment value),
/// each as (byte range of the value to hide, what it is). A key or token
/// assignment (`aws_secret_access_key = …`) keeps its name: only the value
/// is in the range; a private key's armour hides the rest of the text.
pub fn find_in_text(text: &str) -> Vec<(std::ops::Range<usize>, SecretContent)> {
    let bytes = text.as_bytes();
    let mut found: Vec<(std::ops::Range<usize>, SecretContent)> = Vec::new();
    for captures in patterns().captures_iter(bytes) {
        let (m, kind) = if let Some(m) = captures.name("key") {
            (m, SecretContent::PrivateKey)
        } else if let Some(m) = captures.name("cloud") {
            (m, SecretContent::CloudKey)
        } else if let Some(m) = captures.name("token") {
            (m, SecretContent::Token)
        } else {
            continue;
        };
        let mut range = m.range();
        if kind == SecretContent::PrivateKey {
            range.end = bytes.len();
        } else if let Some(sep) = bytes[range.clone()]
            .iter()
            .position(|&b| b == b'=' || b == b':')
        {
            // `NAME = value`: the value alone.
            let value = bytes[range.start + sep + 1..range.end]
                .iter()
                .position(|b| !b.is_ascii_whitespace())
                .unwrap_or(0);
            range.start += sep + 1 + value;
        }
        // Every pattern starts and ends on ASCII, so the range cuts no
        // character in two.
        found.push((range, kind));
    }
    found
}

/// `text` with every secret [`find_in_text`] finds replaced by
/// [`REDACTED`], and what was found (the first of each kind first).
pub fn redact(text: &str) -> (String, Vec<SecretContent>) {
    let found = find_in_text(text);
    if found.is_empty() {
        return (text.to_string(), Vec::new());
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (range, _) in &found {
        if range.start < at {
            continue;
        }
        out.push_str(&text[at..range.start]);
        out.push_str(REDACTED);
        at = range.end;
    }
    out.push_str(&text[at..]);
    (out, found.into_iter().map(|(_, kind)| kind).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `content` under `name` is sniffed as a private key.
    fn assert_key(name: &[u8], content: &[u8]) {
        let shown = String::from_utf8_lossy(name);
        assert_eq!(
            sniff(name, content),
            Some(SecretContent::PrivateKey),
            "{shown}"
        );
    }

    #[test]
    fn keys_and_tokens() {
        let pem = b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n";
        assert_key(b"id", pem);
        let github = format!("token: ghp_{}\n", "a1B2".repeat(9));
        let cases: [(SecretContent, &[&[u8]]); 3] = [
            (
                SecretContent::PrivateKey,
                &[
                    b"-----BEGIN RSA PRIVATE KEY-----\n",
                    b"-----BEGIN PRIVATE KEY-----\n",
                    b"-----BEGIN PGP PRIVATE KEY BLOCK-----\n",
                    b"PuTTY-User-Key-File-3: ssh-ed25519\n",
                ],
            ),
            (
                SecretContent::CloudKey,
                &[
                    b"[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
                    b"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
                ],
            ),
            (
                SecretContent::Token,
                &[
                    github.as_bytes(),
                    b"//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789\n",
                ],
            ),
        ];
        for (want, contents) in cases {
            for content in contents {
                let shown = String::from_utf8_lossy(content);
                assert_eq!(sniff(b"app.conf", content), Some(want), "{shown}");
            }
        }
    }

    #[test]
    fn keys_anywhere_tokens_in_configuration() {
        let key = b"\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n";
        assert_key(b"blob.bin", key);
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
    fn secrets_in_commands_are_redacted() {
        let token = format!("ghp_{}", "a1B2".repeat(9));
        let command = format!("RUN git clone https://{token}@github.com/o/r && make");
        let (shown, kinds) = redact(&command);
        assert_eq!(
            shown,
            "RUN git clone https://[REDACTED]@github.com/o/r && make"
        );
        assert_eq!(kinds, vec![SecretContent::Token]);
        let (shown, kinds) =
            redact("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        assert_eq!(shown, "AWS_SECRET_ACCESS_KEY=[REDACTED]");
        assert_eq!(kinds, vec![SecretContent::CloudKey]);
        let (shown, _) = redact("AKIAIOSFODNN7EXAMPLE and AKIAIOSFODNN7EXAMPL2");
        assert_eq!(shown, "[REDACTED] and [REDACTED]");
        let (shown, kinds) = redact("echo '-----BEGIN RSA PRIVATE KEY-----\nMIIE' > k");
        assert_eq!(shown, "echo '[REDACTED]");
        assert_eq!(kinds, vec![SecretContent::PrivateKey]);
        assert_eq!(redact("RUN apt-get install curl").1, vec![]);
    }

    #[test]
    fn key_files_by_content_not_by_name() {
        let cert =
            b"-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIE\n-----END CERTIFICATE-----\n";
        for name in [
            &b"cert.pem"[..],
            b"ca.crt",
            b"cacert.pem",
            b"server.cer",
            b"tls.key",
        ] {
            assert_eq!(sniff(name, cert), None, "{}", String::from_utf8_lossy(name));
        }
        // A key after a certificate, within the head.
        let combined = [&cert[..], b"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n"].concat();
        assert_key(b"combined.pem", &combined);
        assert_key(b"server.CRT", &combined);
        let pkcs8 = b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIF\n";
        assert_key(b"x.pem", pkcs8);
        // A .key that is not PEM (DER, or unknown bytes) is a key; public
        // armour in a .key is not; an empty file is nothing.
        assert_key(b"tls.key", &[0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00]);
        assert_eq!(
            sniff(b"repo.key", b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n"),
            None
        );
        assert_eq!(sniff(b"tls.key", b""), None);
        // A short certificate head in a .pem that is not even PEM: nothing.
        assert_eq!(sniff(b"data.pem", b"hello"), None);
    }

    #[test]
    fn pkcs12_and_java_stores() {
        let pfx = [0x30, 0x82, 0x0a, 0x51, 0x02, 0x01, 0x03, 0x30, 0x82];
        assert_key(b"client.p12", &pfx);
        assert_key(b"client.pfx", &pfx);
        assert_eq!(sniff(b"truststore.p12", &pfx), None);
        assert_eq!(sniff(b"client.p12", b"not der"), None);
        // JKS: magic, version 2, two entries.
        let mut trust = vec![0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0, 0, 0, 2];
        let cert_entry = |out: &mut Vec<u8>, alias: &[u8]| {
            out.extend_from_slice(&[0, 0, 0, 2]);
            out.extend_from_slice(&(alias.len() as u16).to_be_bytes());
            out.extend_from_slice(alias);
            out.extend_from_slice(&[0; 8]);
            out.extend_from_slice(&[0, 5]);
            out.extend_from_slice(b"X.509");
            out.extend_from_slice(&[0, 0, 0, 3, 1, 2, 3]);
        };
        cert_entry(&mut trust, b"ca1");
        let mut keystore = trust.clone();
        cert_entry(&mut trust, b"ca2");
        assert_eq!(sniff(b"trust.jks", &trust), None);
        assert_eq!(sniff(b"app.jks", &trust), None);
        keystore.extend_from_slice(&[0, 0, 0, 1, 0, 3]);
        keystore.extend_from_slice(b"app");
        assert_key(b"app.jks", &keystore);
        assert_key(b"app.keystore", &keystore);
        // A store cut short by the head: not guessed at.
        assert_eq!(sniff(b"app.jks", &keystore[..20]), None);
        // The head is long enough for a key after a certificate.
        assert_eq!(head_len(b"bundle.pem"), HEAD);
        assert_eq!(head_len(b"app.jks"), HEAD);
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
