//! Which bottom layers came from the base image.
//!
//! The history says it: a base image's own last instruction is its `CMD` or
//! `ENTRYPOINT` (they make no layer), so the last such entry that still has
//! layers after it closes the base. Empty-layer entries count for position,
//! not for layers.
//!
//! An image may also declare its base (`org.opencontainers.image.base.name`
//! and `.base.digest`, as manifest annotations or config labels). The digest
//! is the base's *manifest* digest: it names the base but does not say how
//! many layers it has. peel counts them exactly when the base's manifest is
//! at hand (in the same OCI layout or archive, or in the engine the image
//! came from): the base's diff ids must then be the image's bottom layers.
//! Otherwise the declaration is reported and the history decides the count.
//!
//! Labels are inherited: an image built FROM one that set the base labels
//! carries them too, naming its base's own base. A label the history shows
//! being set below the base's closing marker is therefore ignored, and a
//! label nobody is seen setting may not lower the count the history gives.

use crate::image::config::{History, display_command};
use crate::image::oci::{BASE_DIGEST, BASE_NAME};
use crate::image::{DeclaredBase, DeclaredIn, Image};

/// How the number of base layers was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseLayersFrom {
    /// `--base-layers N`.
    Flag,
    /// `--base IMAGE`: the layers the image shares with it, by diff id.
    BaseImage,
    /// The base the image declares (annotation or label), found in the same
    /// layout or archive, or in the engine: the layers shared with it.
    DeclaredBase,
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
            BaseLayersFrom::DeclaredBase => "declared-base",
            BaseLayersFrom::History => "history",
            BaseLayersFrom::Fallback => "fallback",
        }
    }
}

/// The history entry that closes the base image, and the number of layers
/// below it, when `history` (every entry, empty-layer ones included) tells.
fn closing_marker(history: &[History], layer_count: usize) -> Option<(usize, usize)> {
    let mut layers_so_far = 0;
    // A marker counts once a layer follows it: the image's own final CMD
    // closes no base.
    let mut pending = None;
    let mut base = None;
    for (idx, entry) in history.iter().enumerate() {
        if entry.empty_layer {
            let command = display_command(entry.created_by.as_deref().unwrap_or_default());
            let word = command.split_whitespace().next();
            if matches!(word, Some("CMD" | "ENTRYPOINT")) && layers_so_far > 0 {
                pending = Some((idx, layers_so_far));
            }
        } else {
            layers_so_far += 1;
            if let Some(marker) = pending.take() {
                base = Some(marker);
            }
        }
    }
    // A history that disagrees with the layers is not trusted past them.
    base.filter(|&(_, n)| n < layer_count)
}

/// The number of base layers told by `history` (every entry, empty-layer ones
/// included), or `None` when it does not tell.
pub fn from_history(history: &[History], layer_count: usize) -> Option<usize> {
    closing_marker(history, layer_count).map(|(_, n)| n)
}

/// The number of bottom layers `image` shares with `base`, by diff id.
pub fn shared_prefix(image: &[String], base: &[String]) -> usize {
    image.iter().zip(base).take_while(|(a, b)| a == b).count()
}

/// Who set the base labels, as far as the history shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LabelSetBy {
    /// A `LABEL` instruction of the image's own build (above the base).
    Own,
    /// Only a `LABEL` instruction of the base image's build.
    Inherited,
    /// No `LABEL` instruction in the history names them (`--label`, a tool).
    Unknown,
}

fn label_set_by(history: &[History], layer_count: usize) -> LabelSetBy {
    let sets_base_label = |entry: &History| {
        let command = display_command(entry.created_by.as_deref().unwrap_or_default());
        command.starts_with("LABEL ")
            && (command.contains(BASE_NAME) || command.contains(BASE_DIGEST))
    };
    let Some(last) = history.iter().rposition(sets_base_label) else {
        return LabelSetBy::Unknown;
    };
    match closing_marker(history, layer_count) {
        Some((marker, _)) if last < marker => LabelSetBy::Inherited,
        _ => LabelSetBy::Own,
    }
}

/// The base image declares, unless it is a label the base image itself set
/// (it names the base's own base).
pub fn declared(image: &Image) -> Option<&DeclaredBase> {
    let declared = image.declared_base.as_ref()?;
    let history = image.config.history.as_deref().unwrap_or_default();
    match declared.from {
        DeclaredIn::Label if label_set_by(history, image.layers.len()) == LabelSetBy::Inherited => {
            None
        }
        _ => Some(declared),
    }
}

/// The layers of the largest image the declaration was found to name (in
/// the image's own layout or archive, or `elsewhere`: the engine) whose diff
/// ids are all bottom layers of `diff_ids`.
fn declared_count(
    declared: &DeclaredBase,
    elsewhere: &[Vec<String>],
    diff_ids: &[String],
) -> Option<usize> {
    declared
        .found
        .iter()
        .chain(elsewhere)
        .filter(|base| !base.is_empty() && shared_prefix(diff_ids, base) == base.len())
        .map(Vec::len)
        .max()
}

/// The warning for `--base-layers N` beyond the image's layers (they are
/// all counted as base layers then), or `None` when `N` fits.
pub fn beyond_layers(chosen: usize, layer_count: usize) -> Option<String> {
    (chosen > layer_count).then(|| {
        format!(
            "--base-layers {chosen} is more than the image's {layer_count} layers: \
             all {layer_count} are counted as base layers"
        )
    })
}

/// Decide the base layers: what the user chose, else the declared base when
/// it was found (in the image's layout or archive, or among the diff ids
/// `found_elsewhere`), else the history, else 1.
pub fn decide(
    chosen: Option<(usize, BaseLayersFrom)>,
    image: &Image,
    found_elsewhere: &[Vec<String>],
) -> (usize, BaseLayersFrom) {
    if let Some(chosen) = chosen {
        return chosen;
    }
    let history = image.config.history.as_deref().unwrap_or_default();
    let layer_count = image.layers.len();
    let by_history = from_history(history, layer_count);
    if let Some(declared) = declared(image)
        && let Some(n) = declared_count(declared, found_elsewhere, image.config.diff_ids())
    {
        let trusted = declared.from == DeclaredIn::Annotation
            || label_set_by(history, layer_count) == LabelSetBy::Own
            || by_history.is_none_or(|h| n >= h);
        if trusted {
            return (n, BaseLayersFrom::DeclaredBase);
        }
    }
    match by_history {
        Some(n) => (n, BaseLayersFrom::History),
        None => (1, BaseLayersFrom::Fallback),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::image::config::{ImageConfig, RootFs};
    use crate::image::{BlobLocation, Compression, Layer};

    fn entry(created_by: &str, empty: bool) -> History {
        History {
            created_by: Some(created_by.into()),
            empty_layer: empty,
            ..History::default()
        }
    }

    #[test]
    fn base_layers_beyond_the_layer_count_warns() {
        assert_eq!(beyond_layers(3, 3), None);
        assert_eq!(beyond_layers(0, 3), None);
        let warning = beyond_layers(9, 3).expect("a warning");
        assert!(warning.contains("--base-layers 9"), "{warning}");
        assert!(warning.contains("3 layers"), "{warning}");
    }

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// An image of `diff_ids` layers with this history and declared base.
    fn image(history: &[History], diff_ids: &[&str], declared: Option<DeclaredBase>) -> Image {
        Image {
            reference: "test".into(),
            format: "test",
            tags: Vec::new(),
            platform: None,
            config: ImageConfig {
                history: Some(history.to_vec()),
                rootfs: Some(RootFs {
                    diff_ids: ids(diff_ids),
                }),
                ..ImageConfig::default()
            },
            layers: diff_ids
                .iter()
                .map(|id| Layer {
                    diff_id: id.parse().ok(),
                    blob: id.to_string(),
                    location: BlobLocation::Stream,
                    compression: Compression::None,
                    compressed_size: None,
                    history: None,
                    changes: Arc::default(),
                })
                .collect(),
            declared_base: declared,
            warnings: Vec::new(),
        }
    }

    fn declaring(from: DeclaredIn, found: &[&[&str]]) -> Option<DeclaredBase> {
        Some(DeclaredBase {
            name: Some("base:1".into()),
            digest: Some(format!("sha256:{}", "a".repeat(64))),
            from,
            found: found.iter().map(|f| ids(f)).collect(),
        })
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
        let img = image(&history, &["a", "b", "c"], None);
        assert_eq!(decide(None, &img, &[]), (1, BaseLayersFrom::History));
        assert_eq!(
            decide(Some((2, BaseLayersFrom::Flag)), &img, &[]),
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
        assert_eq!(
            decide(None, &image(&imported, &["a"], None), &[]),
            (1, BaseLayersFrom::Fallback)
        );
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

    /// Three layers: two of a base closed by its CMD, one of the user's.
    fn three_layers() -> Vec<History> {
        vec![
            entry("/bin/sh -c #(nop) ADD file:abc in / ", false),
            entry("/bin/sh -c echo base", false),
            entry("/bin/sh -c #(nop)  CMD [\"sh\"]", true),
            entry("/bin/sh -c make", false),
        ]
    }

    #[test]
    fn a_declared_base_found_decides_exactly() {
        let history = three_layers();
        let layers = ["a", "b", "c"];
        // Found, and the image's bottom: it decides, even against the history.
        let found = image(
            &history,
            &layers,
            declaring(DeclaredIn::Annotation, &[&["a"]]),
        );
        assert_eq!(decide(None, &found, &[]), (1, BaseLayersFrom::DeclaredBase));
        // An index names one image per platform: the one below this image.
        let index = image(
            &history,
            &layers,
            declaring(DeclaredIn::Annotation, &[&["x", "y"], &["a", "b"]]),
        );
        assert_eq!(decide(None, &index, &[]), (2, BaseLayersFrom::DeclaredBase));
        // Found but not below this image, or not found: the history decides.
        for found in [&[&["a", "x"][..]][..], &[]] {
            let other = image(&history, &layers, declaring(DeclaredIn::Annotation, found));
            assert_eq!(decide(None, &other, &[]), (2, BaseLayersFrom::History));
            assert!(
                declared_count(
                    other.declared_base.as_ref().unwrap(),
                    &[],
                    other.config.diff_ids()
                )
                .is_none()
            );
        }
        // What the user chose wins.
        assert_eq!(
            decide(Some((3, BaseLayersFrom::BaseImage)), &found, &[]),
            (3, BaseLayersFrom::BaseImage)
        );
    }

    #[test]
    fn labels_inherited_from_the_base_are_ignored() {
        let layers = ["a", "b", "c"];
        // The base's own build set the label: it names the base's base.
        let mut history = three_layers();
        history.insert(
            1,
            entry(
                "/bin/sh -c #(nop)  LABEL org.opencontainers.image.base.name=grandparent",
                true,
            ),
        );
        let inherited = image(&history, &layers, declaring(DeclaredIn::Label, &[&["a"]]));
        assert!(declared(&inherited).is_none());
        assert_eq!(decide(None, &inherited, &[]), (2, BaseLayersFrom::History));
        // The same from an annotation (never inherited) decides.
        let annotated = image(
            &history,
            &layers,
            declaring(DeclaredIn::Annotation, &[&["a"]]),
        );
        assert!(declared(&annotated).is_some());
        assert_eq!(
            decide(None, &annotated, &[]),
            (1, BaseLayersFrom::DeclaredBase)
        );

        // The image's own LABEL (BuildKit's spelling): trusted.
        let mut own = three_layers();
        own.push(entry(
            "LABEL org.opencontainers.image.base.name=parent",
            true,
        ));
        let labelled = image(&own, &layers, declaring(DeclaredIn::Label, &[&["a"]]));
        assert_eq!(
            decide(None, &labelled, &[]),
            (1, BaseLayersFrom::DeclaredBase)
        );

        // Nobody seen setting it: it may raise the history's count, not lower it.
        let unknown = image(
            &three_layers(),
            &layers,
            declaring(DeclaredIn::Label, &[&["a"]]),
        );
        assert!(declared(&unknown).is_some());
        assert_eq!(decide(None, &unknown, &[]), (2, BaseLayersFrom::History));
        let higher = image(
            &three_layers(),
            &layers,
            declaring(DeclaredIn::Label, &[&["a", "b", "c"]]),
        );
        assert_eq!(
            decide(None, &higher, &[]),
            (3, BaseLayersFrom::DeclaredBase)
        );
    }
}
