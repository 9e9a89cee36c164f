//! [`LayerIdx`]: where a layer stands in its image.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The position of a layer in the image, bottom = 0.
///
/// It lives here, with the layers, rather than in `image`: every module that
/// speaks of a layer's position (`tree`, `analysis`, `findings`, `image`,
/// the reports) already imports `layer`, the bottom of the import graph, so
/// the type adds no import. A position is not a count: "3 base layers" or
/// "12 layers" stay plain numbers; `LayerIdx` only names one layer. Four
/// bytes, as the `u32` it replaces, because every version of every path in
/// the tree carries one. Serialized as that bare number.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct LayerIdx(u32);

/// What a four-byte id `$id(u32)` can do: `new` (checked: `None` past 32
/// bits), `index` (for the vectors it indexes), `all` (the ids `0..count` in
/// order), and the conversions with the flat `u32` columns of the UI's
/// models. [`LayerIdx`] and `tree::NodeId` share it.
macro_rules! u32_index {
    ($id:ident) => {
        impl $id {
            /// The id at `index`, if it fits in 32 bits.
            pub fn new(index: usize) -> Option<$id> {
                u32::try_from(index).ok().map($id)
            }

            /// The place in the vectors this id indexes.
            pub fn index(self) -> usize {
                self.0 as usize
            }

            /// The ids `0..count`, in order.
            pub fn all(count: usize) -> impl DoubleEndedIterator<Item = $id> + ExactSizeIterator {
                (0..count.min(u32::MAX as usize) as u32).map($id)
            }
        }

        impl From<u32> for $id {
            fn from(raw: u32) -> $id {
                $id(raw)
            }
        }

        impl From<$id> for u32 {
            fn from(id: $id) -> u32 {
                id.0
            }
        }
    };
}
pub(crate) use u32_index;

u32_index!(LayerIdx);

impl LayerIdx {
    /// The bottom layer.
    pub const BOTTOM: LayerIdx = LayerIdx(0);

    /// The layer above this one.
    pub fn next(self) -> LayerIdx {
        LayerIdx(self.0.saturating_add(1))
    }

    /// The layer below this one, if any.
    pub fn below(self) -> Option<LayerIdx> {
        self.0.checked_sub(1).map(LayerIdx)
    }
}

/// The bare number, as every output has always shown it.
impl fmt::Display for LayerIdx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_is_four_bytes_and_serializes_as_its_number() {
        assert_eq!(std::mem::size_of::<LayerIdx>(), 4);
        let idx = LayerIdx::new(7).unwrap();
        assert_eq!(serde_json::to_string(&idx).unwrap(), "7");
        assert_eq!(serde_json::from_str::<LayerIdx>("7").unwrap(), idx);
        assert_eq!(idx.to_string(), "7");
        assert_eq!(idx.index(), 7);
    }

    #[test]
    fn positions_are_checked_and_ordered() {
        assert_eq!(LayerIdx::new(u32::MAX as usize + 1), None);
        assert_eq!(LayerIdx::BOTTOM.below(), None);
        assert_eq!(LayerIdx::BOTTOM.next().below(), Some(LayerIdx::BOTTOM));
        let all: Vec<usize> = LayerIdx::all(3).map(LayerIdx::index).collect();
        assert_eq!(all, [0, 1, 2]);
        assert!(LayerIdx::new(1) < LayerIdx::new(2));
    }
}
