//! Which bottom layers came from the base image. The history says it: a base
//! image's own last instruction is its `CMD` or `ENTRYPOINT` (they make no
//! layer), so the last such entry that still has layers after it closes the
//! base. Empty-layer entries count for position, not for layers.

use crate::image::config::{History, display_command};

/// How the number of base layers was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseLayersFrom {
    /// `--base-layers N`.
    Flag,
    /// `--base IMAGE`: the layers the image shares with it, by diff id.
    BaseImage,
    /// The base image's closing `CMD`/`ENTRYPOINT` in the history.
    History,
    /// Nothing told: the first layer, as dive does.
    Fallback,
}

impl BaseLayersFrom {
    pub fn name(self) -> &'static str {
        match self {
            BaseLayersFrom::Flag => "flag",
            BaseLayersFrom::BaseImage => "base-image",
            BaseLayersFrom::History => "history",
            BaseLayersFrom::Fallback => "fallback",
        }
    }
}

/// The number of base layers told by `history` (every entry, empty-layer ones
/// included), or `None` when it does not tell.
pub fn from_history(history: &[History], layer_count: usize) -> Option<usize> {
    let mut layers_so_far = 0;
    // A marker counts once a layer follows it: the image's own final CMD
    // closes no base.
    let mut pending = None;
    let mut base = None;
    for entry in history {
        if entry.empty_layer {
            let command = display_command(entry.created_by.as_deref().unwrap_or_default());
            let word = command.split_whitespace().next();
            if matches!(word, Some("CMD" | "ENTRYPOINT")) && layers_so_far > 0 {
                pending = Some(layers_so_far);
            }
        } else {
            layers_so_far += 1;
            if let Some(n) = pending.take() {
                base = Some(n);
            }
        }
    }
    // A history that disagrees with the layers is not trusted past them.
    base.filter(|&n| n < layer_count)
}

/// The number of bottom layers `image` shares with `base`, by diff id.
pub fn shared_prefix(image: &[String], base: &[String]) -> usize {
    image.iter().zip(base).take_while(|(a, b)| a == b).count()
}

/// Decide the base layers: what the user chose, else the history, else 1.
pub fn decide(
    chosen: Option<(usize, BaseLayersFrom)>,
    history: &[History],
    layer_count: usize,
) -> (usize, BaseLayersFrom) {
    if let Some(chosen) = chosen {
        return chosen;
    }
    match from_history(history, layer_count) {
        Some(n) => (n, BaseLayersFrom::History),
        None => (1, BaseLayersFrom::Fallback),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(created_by: &str, empty: bool) -> History {
        History {
            created_by: Some(created_by.into()),
            empty_layer: empty,
            ..History::default()
        }
    }

    #[test]
    fn base_closes_at_its_cmd() {
        let history = [
            entry("/bin/sh -c #(nop) ADD file:abc in / ", false),
            entry("/bin/sh -c #(nop)  CMD [\"sh\"]", true),
            entry("/bin/sh -c #(nop) WORKDIR /app", false),
            entry("/bin/sh -c make", false),
            entry("/bin/sh -c #(nop)  CMD [\"app\"]", true),
        ];
        assert_eq!(from_history(&history, 3), Some(1));
        assert_eq!(decide(None, &history, 3), (1, BaseLayersFrom::History));
        assert_eq!(
            decide(Some((2, BaseLayersFrom::Flag)), &history, 3),
            (2, BaseLayersFrom::Flag)
        );
    }

    #[test]
    fn a_multi_layer_base_behind_a_base() {
        let history = [
            entry("ADD rootfs.tar / # buildkit", false),
            entry("CMD [\"bash\"]", true),
            entry("RUN /bin/sh -c apt-get install python3 # buildkit", false),
            entry("ENV LANG=C.UTF-8", true),
            entry("RUN /bin/sh -c pip install x # buildkit", false),
            entry("ENTRYPOINT [\"python3\"]", true),
            entry("COPY . /app # buildkit", false),
        ];
        assert_eq!(from_history(&history, 4), Some(3));
    }

    #[test]
    fn shared_diff_ids() {
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(shared_prefix(&ids(&["a", "b", "c"]), &ids(&["a", "b"])), 2);
        assert_eq!(shared_prefix(&ids(&["a", "x", "c"]), &ids(&["a", "b"])), 1);
        assert_eq!(shared_prefix(&ids(&["z"]), &ids(&["a"])), 0);
    }

    #[test]
    fn no_marker_or_only_a_final_one_falls_back() {
        let imported = [History {
            comment: Some("Imported from -".into()),
            ..History::default()
        }];
        assert_eq!(decide(None, &imported, 1), (1, BaseLayersFrom::Fallback));
        let final_only = [entry("/bin/sh -c make", false), entry("CMD [\"x\"]", true)];
        assert_eq!(from_history(&final_only, 1), None);
        let short = [
            entry("a", false),
            entry("CMD [\"x\"]", true),
            entry("b", false),
        ];
        assert_eq!(from_history(&short, 2), Some(1));
        assert_eq!(from_history(&short, 1), None);
    }
}
