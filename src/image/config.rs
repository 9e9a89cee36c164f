//! The image configuration: diff ids, history, the run config.
//!
//! Parsed leniently (every field optional): configs from docker, kaniko,
//! buildah and umoci differ in what they fill in, and a missing field must not
//! stop the analysis of the layers.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::layer::LayerIdx;
use crate::layer::secret_content::{self, SecretContent};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ImageConfig {
    pub architecture: Option<String>,
    pub os: Option<String>,
    pub variant: Option<String>,
    pub created: Option<String>,
    pub config: Option<RunConfig>,
    pub rootfs: Option<RootFs>,
    pub history: Option<Vec<History>>,
    /// Tokens and keys found in the history's commands and the run
    /// config's `Env`, `Cmd` and `Entrypoint`; [`ImageConfig::parse`] has
    /// replaced each with [`secret_content::REDACTED`], so that no output
    /// can print them.
    #[serde(skip)]
    pub secrets: Vec<ConfigSecret>,
}

/// Where a secret sat in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretPlace {
    /// The history entry at this index (its `created_by` or `comment`).
    History(usize),
    /// The `Env` variable of this name.
    Env(String),
    /// `Cmd` or `Entrypoint`.
    Command(&'static str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigSecret {
    pub place: SecretPlace,
    pub kind: SecretContent,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct RunConfig {
    pub cmd: Option<Vec<String>>,
    pub entrypoint: Option<Vec<String>>,
    pub env: Option<Vec<String>>,
    pub user: Option<String>,
    pub working_dir: Option<String>,
    pub labels: Option<BTreeMap<String, String>>,
    /// Present when the image declares a HEALTHCHECK (its content is not needed).
    pub healthcheck: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RootFs {
    pub diff_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct History {
    pub created: Option<String>,
    pub created_by: Option<String>,
    pub comment: Option<String>,
    pub empty_layer: bool,
}

impl ImageConfig {
    /// Parse a config, with every secret its commands and environment hold
    /// redacted (and noted in [`ImageConfig::secrets`]): this is where
    /// commands and values enter peel, so every output shows them redacted.
    pub fn parse(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        let mut config: ImageConfig = serde_json::from_slice(bytes)?;
        config.redact();
        Ok(config)
    }

    fn redact(&mut self) {
        let mut found = Vec::new();
        let mut hide = |text: &mut String, place: &dyn Fn() -> SecretPlace| {
            let (shown, kinds) = secret_content::redact(text);
            if let Some(&kind) = kinds.first() {
                *text = shown;
                found.push(ConfigSecret {
                    place: place(),
                    kind,
                });
            }
        };
        for (i, entry) in self.history.iter_mut().flatten().enumerate() {
            for text in [&mut entry.created_by, &mut entry.comment]
                .into_iter()
                .flatten()
            {
                hide(text, &|| SecretPlace::History(i));
            }
        }
        if let Some(run) = &mut self.config {
            for var in run.env.iter_mut().flatten() {
                let name = var.split('=').next().unwrap_or_default().to_string();
                hide(var, &|| SecretPlace::Env(name.clone()));
            }
            for (what, words) in [("Cmd", &mut run.cmd), ("Entrypoint", &mut run.entrypoint)] {
                for word in words.iter_mut().flatten() {
                    hide(word, &|| SecretPlace::Command(what));
                }
            }
        }
        // One finding per place.
        found.dedup_by(|a, b| a.place == b.place);
        self.secrets = found;
    }

    /// The layer a history entry made (entries marked `empty_layer` make
    /// none).
    pub fn layer_of_history(&self, index: usize) -> Option<LayerIdx> {
        let history = self.history.as_deref()?;
        let entry = history.get(index)?;
        (!entry.empty_layer)
            .then(|| history[..index].iter().filter(|h| !h.empty_layer).count())
            .and_then(LayerIdx::new)
    }

    pub fn diff_ids(&self) -> &[String] {
        self.rootfs.as_ref().map(|r| &r.diff_ids[..]).unwrap_or(&[])
    }

    /// The history entry of each of `layer_count` layers: entries marked
    /// `empty_layer` are skipped. When the counts disagree, the entries are
    /// matched from the first layer on and the rest left unknown.
    pub fn layer_history(&self, layer_count: usize) -> Vec<Option<History>> {
        let mut entries = self
            .history
            .iter()
            .flatten()
            .filter(|h| !h.empty_layer)
            .cloned();
        (0..layer_count).map(|_| entries.next()).collect()
    }

    /// `os/arch[/variant]`, when the config says.
    pub fn platform(&self) -> Option<String> {
        let os = self.os.as_deref()?;
        let arch = self.architecture.as_deref()?;
        Some(match self.variant.as_deref() {
            Some(v) if !v.is_empty() => format!("{os}/{arch}/{v}"),
            _ => format!("{os}/{arch}"),
        })
    }
}

/// The command of a history entry as a person reads it: the shell wrapper,
/// `#(nop)` and BuildKit's trailing marker removed.
pub fn display_command(created_by: &str) -> String {
    let mut text = created_by.trim();
    let mut run = false;
    if let Some(rest) = text.strip_prefix("RUN /bin/sh -c ") {
        text = rest;
        run = true;
    } else if let Some(rest) = text.strip_prefix("/bin/sh -c ") {
        text = rest.trim_start();
        if let Some(rest) = text.strip_prefix("#(nop)") {
            text = rest.trim_start();
        } else {
            run = true;
        }
    }
    let text = text.strip_suffix("# buildkit").unwrap_or(text).trim();
    if run {
        format!("RUN {text}")
    } else {
        text.to_string()
    }
}

/// A command on one line: its lines and runs of blank space joined by one
/// space (Dockerfiles continue long RUNs over several lines).
pub fn single_line(command: &str) -> String {
    command.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` cut to its first `max_chars` characters, with an ellipsis after
/// them when it was longer: the one way a report or a finding shortens text.
pub fn shortened(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_commands() {
        assert_eq!(single_line("RUN a &&  \\\n    b\tc "), "RUN a && \\ b c");
    }

    #[test]
    fn shortened_keeps_whole_characters() {
        for (text, max, cut) in [
            ("abc", 3, "abc"),
            ("abcd", 3, "abc…"),
            ("", 0, ""),
            ("a", 0, "…"),
            ("ééé", 2, "éé…"),
            ("ab…", 3, "ab…"),
        ] {
            assert_eq!(shortened(text, max), cut, "{text:?} to {max}");
        }
    }

    #[test]
    fn commands_for_display() {
        for (created_by, shown) in [
            ("/bin/sh -c #(nop)  CMD [\"/bin/sh\"]", "CMD [\"/bin/sh\"]"),
            (
                "/bin/sh -c #(nop) COPY file:abc in /app ",
                "COPY file:abc in /app",
            ),
            ("/bin/sh -c rm -rf /x", "RUN rm -rf /x"),
            ("RUN /bin/sh -c apk add x # buildkit", "RUN apk add x"),
            ("COPY . /app # buildkit", "COPY . /app"),
            ("", ""),
        ] {
            assert_eq!(display_command(created_by), shown, "{created_by:?}");
        }
    }

    #[test]
    fn history_skips_empty_layers() {
        let config = ImageConfig::parse(
            br#"{"history":[{"created_by":"a"},{"created_by":"env","empty_layer":true},{"created_by":"b"}]}"#,
        )
        .unwrap();
        let h = config.layer_history(3);
        assert_eq!(h[0].as_ref().unwrap().created_by.as_deref(), Some("a"));
        assert_eq!(h[1].as_ref().unwrap().created_by.as_deref(), Some("b"));
        assert!(h[2].is_none());
    }

    #[test]
    fn secrets_are_redacted_where_the_config_is_read() {
        let token = format!("ghp_{}", "x9Y8".repeat(9));
        let json = format!(
            r#"{{"config":{{"Env":["PATH=/bin","GITHUB_TOKEN={token}"],"Cmd":["run","--key={token}"]}},
               "history":[{{"created_by":"/bin/sh -c #(nop) ARG T","empty_layer":true}},
                          {{"created_by":"|1 T={token} /bin/sh -c git clone https://{token}@github.com/o/r"}}]}}"#
        );
        let config = ImageConfig::parse(json.as_bytes()).unwrap();
        let all = format!("{config:?}");
        assert!(!all.contains(&token), "{all}");
        let run = config.config.as_ref().unwrap();
        assert_eq!(run.env.as_ref().unwrap()[1], "GITHUB_TOKEN=[REDACTED]");
        let created_by = config.history.as_ref().unwrap()[1].created_by.as_deref();
        assert_eq!(
            created_by,
            Some("|1 T=[REDACTED] /bin/sh -c git clone https://[REDACTED]@github.com/o/r")
        );
        let places: Vec<&SecretPlace> = config.secrets.iter().map(|s| &s.place).collect();
        assert_eq!(
            places,
            [
                &SecretPlace::History(1),
                &SecretPlace::Env("GITHUB_TOKEN".into()),
                &SecretPlace::Command("Cmd")
            ]
        );
        assert!(
            config
                .secrets
                .iter()
                .all(|s| s.kind == SecretContent::Token)
        );
        assert_eq!(config.layer_of_history(1), Some(LayerIdx::BOTTOM));
        assert_eq!(config.layer_of_history(0), None);
    }

    #[test]
    fn lenient_parse() {
        let config = ImageConfig::parse(b"{}").unwrap();
        assert!(config.diff_ids().is_empty());
        assert!(config.platform().is_none());
    }
}
