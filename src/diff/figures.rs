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

/// (JSON key, label, unit, how to read it) of one figure.
type Row = (
    &'static str,
    &'static str,
    Unit,
    fn(&Figures) -> Option<f64>,
);

pub fn compare(old: &Figures, new: &Figures) -> Vec<FigureDelta> {
    let rows: [Row; 8] = [
        ("totalBytes", "total", Unit::Bytes, |f| {
            Some(f.total_bytes as f64)
        }),
        ("visibleBytes", "visible", Unit::Bytes, |f| {
            Some(f.visible_bytes as f64)
        }),
        ("wastedBytes", "wasted", Unit::Bytes, |f| {
            Some(f.wasted_bytes as f64)
        }),
        ("efficiency", "efficiency", Unit::Ratio, |f| {
            Some(f.efficiency)
        }),
        ("userWastedBytes", "user wasted", Unit::Bytes, |f| {
            Some(f.user_wasted_bytes as f64)
        }),
        ("fileCount", "files", Unit::Count, |f| {
            Some(f.file_count as f64)
        }),
        ("layerCount", "layers", Unit::Count, |f| {
            Some(f.layer_count as f64)
        }),
        ("compressedBytes", "compressed", Unit::Bytes, |f| {
            f.compressed_bytes.map(|b| b as f64)
        }),
    ];
    rows.into_iter()
        .map(|(key, label, unit, read)| FigureDelta {
            key,
            label,
            unit,
            old: read(old),
            new: read(new),
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
