//! `WWW-Authenticate` challenges: `Bearer realm="…",service="…",scope="…"`
//! (the token flow of Docker Hub, GHCR and most clouds) or `Basic realm="…"`.

/// What a registry asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// Get a token at `realm`.
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
    /// Send a user name and password with every request.
    Basic,
}

/// Parse a `WWW-Authenticate` value; `None` for a scheme peel does not speak.
pub fn parse(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Some(Challenge::Basic);
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let params = params(rest);
    let get = |key: &str| {
        params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.clone())
    };
    Some(Challenge::Bearer {
        realm: get("realm")?,
        service: get("service"),
        scope: get("scope"),
    })
}

/// `key=value` and `key="quoted, value"` pairs, comma separated.
fn params(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if key.is_empty() {
            return out;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            value = chars.by_ref().take_while(|c| *c != ',').collect();
        }
        out.push((key.trim().to_string(), value.trim().to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// A registry's header is untrusted: any bytes, no panic.
        #[test]
        fn any_header_parses_or_is_refused(header in "\\PC{0,80}") {
            let _ = parse(&header);
            let _ = parse(&format!("Bearer {header}"));
            let _ = crate::source::registry::RegistryRef::parse(&header);
        }
    }

    #[test]
    fn reads_bearer_and_basic_challenges() {
        assert_eq!(
            parse(
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/debian:pull,push""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:library/debian:pull,push".into()),
            })
        );
        assert_eq!(parse(r#"Basic realm="r""#), Some(Challenge::Basic));
        assert_eq!(parse("Bearer service=x"), None);
        assert_eq!(parse("Negotiate"), None);
        assert_eq!(
            parse("bearer realm=http://h/t"),
            Some(Challenge::Bearer {
                realm: "http://h/t".into(),
                service: None,
                scope: None
            })
        );
    }
}
