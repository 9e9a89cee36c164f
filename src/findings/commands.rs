//! What the user's layers' commands say: which layers copy, which run a
//! dependency install or a package manager. Shared by the findings read
//! from the history ([`super::cache_order`], [`super::hygiene`]).

use crate::analysis::ExactView;
use crate::image::config::{display_command, single_line};
use crate::layer::LayerIdx;

/// A history entry of the user's: its command on one line (`RUN …`,
/// `COPY …`), its index in the history and the layer it made (a RUN that
/// changed nothing makes none).
pub struct Step {
    pub history: usize,
    pub layer: Option<LayerIdx>,
    pub command: String,
}

/// The user's history entries (above the base's last layer), bottom first.
pub fn user_steps(analysis: &ExactView<'_>) -> Vec<Step> {
    let base = analysis.exact.base_layers;
    let history = analysis.image.config.history.as_deref().unwrap_or_default();
    let mut layers = 0usize;
    let mut steps = Vec::new();
    for (index, entry) in history.iter().enumerate() {
        let layer = (!entry.empty_layer).then_some(layers);
        if layer.is_some() {
            layers += 1;
        }
        // An empty entry belongs to the user once every base layer is below
        // it (the base's own closing CMD too, which no finding reads).
        if layer.map_or(layers < base, |l| l < base) {
            continue;
        }
        let created_by = entry.created_by.as_deref().unwrap_or_default();
        steps.push(Step {
            history: index,
            layer: layer.and_then(LayerIdx::new),
            command: single_line(&display_command(created_by)),
        });
    }
    steps
}

impl Step {
    /// How the advice names it: `layer N`, or the history entry of a RUN
    /// that made no layer.
    pub fn name(&self) -> String {
        match self.layer {
            Some(l) => format!("layer {l}"),
            None => format!("history entry {} (no layer)", self.history),
        }
    }

    /// The finding's layers: this one's, if it made one.
    pub fn layers(&self) -> Vec<LayerIdx> {
        self.layer.into_iter().collect()
    }

    pub fn is_copy(&self) -> bool {
        self.command.starts_with("COPY ") || self.command.starts_with("ADD ")
    }

    pub fn is_run(&self) -> bool {
        self.command.starts_with("RUN ")
    }

    /// The shell commands of a RUN, split at `&&`, `;`, `||` and `|`, each
    /// as its words.
    pub fn shell_commands(&self) -> Vec<Vec<&str>> {
        let Some(text) = self.command.strip_prefix("RUN ") else {
            return Vec::new();
        };
        text.split(['&', ';', '|'])
            .map(|part| part.split_whitespace().collect::<Vec<_>>())
            .filter(|w| !w.is_empty())
            .collect()
    }
}

/// The words after leading `VAR=value` assignments, `sudo`, `env`, and a
/// path before the program name (`/usr/bin/apt-get` → `apt-get`).
pub fn program(words: &[&str]) -> Vec<String> {
    let mut rest = words
        .iter()
        .skip_while(|w| {
            w.contains('=') && !w.starts_with('-') || matches!(**w, "sudo" | "env" | "exec")
        })
        .map(|w| w.to_string())
        .collect::<Vec<_>>();
    if let Some(first) = rest.first_mut()
        && let Some((_, name)) = first.rsplit_once('/')
    {
        *first = name.to_string();
    }
    rest
}
