//! The figures of OLD and NEW side by side, each with its delta, absolute
//! and relative.

use super::side::Figures;

/// What a figure counts (how it is printed, and whether it is whole).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Bytes,
    Ratio,
    Count,
}

/// One figure of both images.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureDelta {
    /// The JSON key (`visibleBytes`).
    pub key: &'static str,
    /// For people (`visible`).
    pub label: &'static str,
    pub unit: Unit,
    /// `None` where the image does not say (a compressed size not known).
    pub old: Option<f64>,
    pub new: Option<f64>,
}

impl FigureDelta {
    pub fn delta(&self) -> Option<f64> {
        Some(self.new? - self.old?)
    }

    /// The delta as a fraction of OLD (none when OLD is 0).
    pub fn relative(&self) -> Option<f64> {
        let old = self.old?;
        (old != 0.0).then(|| self.delta().map(|d| d / old))?
    }
}

/// (JSON key, label, unit) of each figure, in the order [`values`] reads
/// them.
const ROWS: [(&str, &str, Unit); 8] = [
    ("totalBytes", "total", Unit::Bytes),
    ("visibleBytes", "visible", Unit::Bytes),
    ("wastedBytes", "wasted", Unit::Bytes),
    ("efficiency", "efficiency", Unit::Ratio),
    ("userWastedBytes", "user wasted", Unit::Bytes),
    ("fileCount", "files", Unit::Count),
    ("layerCount", "layers", Unit::Count),
    ("compressedBytes", "compressed", Unit::Bytes),
];

/// One image's figures in the order of [`ROWS`] (`None`: not known).
fn values(f: &Figures) -> [Option<f64>; 8] {
    let whole = |n: u64| Some(n as f64);
    [
        whole(f.total_bytes),
        whole(f.visible_bytes),
        whole(f.wasted_bytes),
        Some(f.efficiency),
        whole(f.user_wasted_bytes),
        whole(f.file_count),
        whole(f.layer_count),
        f.compressed_bytes.and_then(whole),
    ]
}

pub fn compare(old: &Figures, new: &Figures) -> Vec<FigureDelta> {
    let pairs = values(old).into_iter().zip(values(new));
    ROWS.into_iter()
        .zip(pairs)
        .map(|((key, label, unit), (old, new))| FigureDelta {
            key,
            label,
            unit,
            old,
            new,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_and_percentages() {
        let old = Figures {
            visible_bytes: 200,
            efficiency: 0.5,
            compressed_bytes: Some(10),
            ..Figures::default()
        };
        let new = Figures {
            visible_bytes: 300,
            efficiency: 0.75,
            file_count: 3,
            ..Figures::default()
        };
        let rows = compare(&old, &new);
        let visible = rows.iter().find(|r| r.key == "visibleBytes").unwrap();
        assert_eq!(
            (visible.delta(), visible.relative()),
            (Some(100.0), Some(0.5))
        );
        let files = rows.iter().find(|r| r.key == "fileCount").unwrap();
        assert_eq!((files.delta(), files.relative()), (Some(3.0), None));
        let compressed = rows.iter().find(|r| r.key == "compressedBytes").unwrap();
        assert_eq!(compressed.delta(), None);
    }
}
