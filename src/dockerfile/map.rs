//! The final stage's steps matched to the image's history, in order: the
//! longest order-keeping matching, preferring the latest entries (the base
//! image's come first, and may hold the same commands). An entry of the
//! user's that matches no step is reported as unmatched, never given the
//! nearest line.

use serde::Serialize;

use super::history::{self, Entry};
use super::{Dockerfile, Line};
use crate::image::config::History;
use crate::layer::LayerIdx;

/// History entries considered (the latest; images rarely have 200).
pub const MAX_ENTRIES: usize = 2000;

/// The Dockerfile lines of an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Mapping {
    pub path: String,
    /// Each layer's line (bottom first); `None`: the base image's, or
    /// unmatched.
    #[serde(skip)]
    pub layers: Vec<Option<Line>>,
    /// Each history entry's line.
    #[serde(skip)]
    pub entries: Vec<Option<Line>>,
    /// Entries of the user's that no instruction of the final stage made.
    pub unmatched: Vec<Unmatched>,
}

/// A history entry no instruction matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Unmatched {
    /// Its index in the config's history.
    pub history: usize,
    /// The layer it made, if it made one.
    pub layer: Option<LayerIdx>,
    pub created_by: String,
}

/// Match `dockerfile`'s final stage to `history`; `layer_count` layers,
/// `base_layers` of them the base image's.
pub fn map(
    dockerfile: &Dockerfile,
    history: &[History],
    layer_count: usize,
    base_layers: usize,
) -> Mapping {
    let skip = history.len().saturating_sub(MAX_ENTRIES);
    let entries: Vec<Entry> = history[skip..]
        .iter()
        .map(|h| history::read(h.created_by.as_deref().unwrap_or_default()))
        .collect();
    let steps = &dockerfile.steps;
    let pairs = align(&entries, steps.len(), |e, s| {
        history::matches(&steps[s], &entries[e])
    });
    let mut step_of: Vec<Option<usize>> = vec![None; entries.len()];
    for (e, s) in &pairs {
        step_of[*e] = Some(*s);
    }
    let first_match = pairs.iter().map(|(e, _)| *e).min();
    let mut layers = vec![None; layer_count];
    let mut lines = vec![None; history.len()];
    let mut unmatched = Vec::new();
    let mut layer = history[..skip].iter().filter(|h| !h.empty_layer).count();
    for (e, entry) in history[skip..].iter().enumerate() {
        let made = (!entry.empty_layer).then_some(layer);
        if made.is_some() {
            layer += 1;
        }
        match step_of[e] {
            Some(s) => {
                lines[skip + e] = Some(steps[s].line.clone());
                if let Some(slot) = made.and_then(|l| layers.get_mut(l)) {
                    *slot = Some(steps[s].line.clone());
                }
            }
            None => {
                let users =
                    first_match.is_some_and(|f| e > f) || made.is_some_and(|l| l >= base_layers);
                if users {
                    unmatched.push(Unmatched {
                        history: skip + e,
                        layer: made.and_then(LayerIdx::new),
                        created_by: entry.created_by.clone().unwrap_or_default(),
                    });
                }
            }
        }
    }
    Mapping {
        path: dockerfile.path.clone(),
        layers,
        entries: lines,
        unmatched,
    }
}

/// The longest matching of entries to steps that keeps both orders, as
/// (entry, step) pairs; among the longest, the one with the latest
/// entries. Quadratic in time and space, both bounded by the caps.
fn align(
    entries: &[Entry],
    steps: usize,
    matches: impl Fn(usize, usize) -> bool,
) -> Vec<(usize, usize)> {
    let n = entries.len();
    let m = steps;
    // best[i][j]: the longest matching of entries[..i] and steps[..j].
    let width = m + 1;
    let mut best = vec![0u16; (n + 1) * width];
    let mut hit = vec![false; n * m];
    for i in 1..=n {
        for j in 1..=m {
            let is_hit = matches(i - 1, j - 1);
            hit[(i - 1) * m + (j - 1)] = is_hit;
            let diagonal = if is_hit {
                best[(i - 1) * width + (j - 1)] + 1
            } else {
                0
            };
            best[i * width + j] = diagonal
                .max(best[(i - 1) * width + j])
                .max(best[i * width + (j - 1)]);
        }
    }
    // Back from the end, taking a match as soon as it is part of a longest
    // matching: the latest entries win.
    let mut pairs = Vec::new();
    let (mut i, mut j) = (n, m);
    while i > 0 && j > 0 {
        let here = best[i * width + j];
        if hit[(i - 1) * m + (j - 1)] && here == best[(i - 1) * width + (j - 1)] + 1 {
            pairs.push((i - 1, j - 1));
            i -= 1;
            j -= 1;
        } else if best[i * width + (j - 1)] == here {
            j -= 1;
        } else {
            i -= 1;
        }
    }
    pairs.reverse();
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::parse;

    fn entry(created_by: &str, empty: bool) -> History {
        History {
            created: None,
            created_by: Some(created_by.into()),
            comment: None,
            empty_layer: empty,
        }
    }

    #[test]
    fn the_latest_entries_match_and_the_rest_is_unmatched_or_base() {
        let file = parse(
            "FROM debian\nRUN apt-get update\nCOPY . /app\nRUN make\nCMD [\"/app/run\"]\n",
            "Dockerfile",
        )
        .unwrap();
        let history = [
            entry("/bin/sh -c #(nop) ADD file:aa in / ", false),
            // The base ran the same command: the user's is the later one.
            entry("/bin/sh -c apt-get update", false),
            entry("/bin/sh -c #(nop)  CMD [\"bash\"]", true),
            entry("/bin/sh -c apt-get update", false),
            entry("/bin/sh -c #(nop) COPY dir:bb in /app ", false),
            entry("/bin/sh -c echo not in the Dockerfile", false),
            entry("/bin/sh -c make", false),
            entry("/bin/sh -c #(nop)  CMD [\"/app/run\"]", true),
        ];
        let mapping = map(&file, &history, 6, 2);
        let lines: Vec<Option<usize>> = mapping
            .layers
            .iter()
            .map(|l| l.as_ref().map(|l| l.line))
            .collect();
        assert_eq!(lines, [None, None, Some(2), Some(3), None, Some(4)]);
        assert_eq!(mapping.unmatched.len(), 1);
        assert_eq!(mapping.unmatched[0].history, 5);
        assert_eq!(mapping.unmatched[0].layer, Some(4.into()));
    }
}
