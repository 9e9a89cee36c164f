//! What one layer says, entry by entry: metadata only, never content.

use super::SecretContent;

/// The kind of a tar entry, after whiteouts have been told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    Hardlink,
    CharDevice,
    BlockDevice,
    Fifo,
}

impl EntryKind {
    pub fn is_dir(self) -> bool {
        self == EntryKind::Dir
    }

    /// One-letter type as in `ls -l`.
    pub fn letter(self) -> char {
        match self {
            EntryKind::File | EntryKind::Hardlink => '-',
            EntryKind::Dir => 'd',
            EntryKind::Symlink => 'l',
            EntryKind::CharDevice => 'c',
            EntryKind::BlockDevice => 'b',
            EntryKind::Fifo => 'p',
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            EntryKind::File => "file",
            EntryKind::Dir => "dir",
            EntryKind::Symlink => "symlink",
            EntryKind::Hardlink => "hardlink",
            EntryKind::CharDevice => "char-device",
            EntryKind::BlockDevice => "block-device",
            EntryKind::Fifo => "fifo",
        }
    }
}

/// Metadata of an entry that adds or replaces a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    pub kind: EntryKind,
    /// Content bytes of a regular file; 0 for every other kind.
    pub size: u64,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub mtime: u64,
    /// Symlink target as written (raw bytes), or hardlink target as a
    /// canonical path.
    pub link: Option<Box<[u8]>>,
    /// xxh3-64 of a regular file's content; 0 for other kinds.
    pub hash: u64,
    /// What a small regular file's first bytes say it holds, if a secret.
    pub secret: Option<SecretContent>,
}

impl Meta {
    /// Metadata of a directory that no entry describes (a missing parent).
    pub fn implicit_dir() -> Self {
        Meta {
            kind: EntryKind::Dir,
            size: 0,
            mode: 0o755,
            uid: 0,
            gid: 0,
            mtime: 0,
            link: None,
            hash: 0,
            secret: None,
        }
    }

    /// Same content (kind, size, hash, link target), whatever the metadata.
    pub fn same_content(&self, other: &Meta) -> bool {
        self.kind == other.kind
            && self.size == other.size
            && self.hash == other.hash
            && self.link == other.link
    }

    /// Same mode, owner and times.
    pub fn same_attributes(&self, other: &Meta) -> bool {
        self.mode == other.mode
            && self.uid == other.uid
            && self.gid == other.gid
            && self.mtime == other.mtime
    }
}

/// What an entry does to its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Adds or replaces the path.
    Add(Meta),
    /// `.wh.NAME`: removes the path (and its subtree) from lower layers.
    Whiteout,
    /// `DIR/.wh..wh..opq`: hides what lower layers put under the directory.
    Opaque,
}

/// One tar entry of a layer, in tar order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Canonical path the entry acts on: the victim of a whiteout, the
    /// directory of an opaque marker.
    pub path: Box<[u8]>,
    pub op: Op,
}

/// Everything peel keeps of one layer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerChanges {
    /// Every entry in tar order (opaque markers and whiteouts included).
    pub records: Vec<Record>,
    /// Sum of the regular files' content bytes.
    pub size: u64,
    /// Every entry of the tar (the root directory and entries that change
    /// nothing included; PAX and GNU extension headers excluded).
    pub tar_entries: u64,
    /// Oddities of the tar itself (a whiteout with content, ...), one line
    /// each, without the layer's number: the tree adds it and keeps them
    /// with its own warnings.
    pub warnings: Vec<String>,
}

impl LayerChanges {
    pub fn entry_count(&self) -> u64 {
        self.tar_entries
    }
}
