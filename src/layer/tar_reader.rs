//! A lean, forward-only reader of layer tars: headers are parsed in place
//! from one large buffer and file content is handed out as slices of it.
//!
//! Layer walking is peel's hot loop (one header per file, ~100k per image),
//! and tar-rs spends most of its time there on per-read plumbing: every
//! 512-byte header and every content chunk goes through a chain of small
//! reads and a copy. This reader reads the stream in 256 KiB blocks and
//! parses from them. It follows tar-rs's reading of every field so that
//! both give the same entries: GNU long names and link names, PAX `path`,
//! `linkpath` and `size` records, ustar prefixes, octal and base-256
//! numbers, header checksums, GNU sparse files (stored bytes and holes).
//!
//! It reads as Go's `archive/tar` (what Docker and containerd unpack with)
//! and GNU tar do where tar-rs differs: hardlinks, symlinks, devices,
//! directories and FIFOs have no content whatever their size field says, so
//! the bytes after such a header are the next header.
//!
//! Every error names the entry (escaped, on one line) and the byte offset of
//! its header in the layer tar.

use std::io::{self, Read};

use super::path;

/// Size of a tar block.
const BLOCK: usize = 512;
/// How much is read from the stream at once.
const BUFFER: usize = 256 * 1024;
/// Long names and PAX headers larger than this are refused: no real path is
/// that long, and a lying size field must not make peel allocate gigabytes.
const MAX_EXTENSION: u64 = 1 << 20;

/// The entry types peel tells apart (the header's typeflag byte).
pub mod typeflag {
    pub const REGULAR: u8 = b'0';
    pub const REGULAR_OLD: u8 = 0;
    pub const HARDLINK: u8 = b'1';
    pub const SYMLINK: u8 = b'2';
    pub const CHAR: u8 = b'3';
    pub const BLOCK: u8 = b'4';
    pub const DIRECTORY: u8 = b'5';
    pub const FIFO: u8 = b'6';
    pub const CONTIGUOUS: u8 = b'7';
    pub const PAX_LOCAL: u8 = b'x';
    pub const GNU_LONG_NAME: u8 = b'L';
    pub const GNU_LONG_LINK: u8 = b'K';
    pub const GNU_SPARSE: u8 = b'S';
}

/// One entry's header, with its extensions applied.
#[derive(Debug)]
pub struct Header {
    pub typeflag: u8,
    /// The path as written (long name, PAX `path`, or prefix + name).
    pub path: Vec<u8>,
    /// The link target, if the entry has one.
    pub link: Option<Vec<u8>>,
    /// Content bytes as the reader will hand them out (a sparse file's
    /// real size; 0 for header-only types, whatever the field says).
    pub size: u64,
    /// The size field as written (or the PAX `size` record).
    pub declared_size: u64,
    pub mode: Result<u32, BadNumber>,
    pub uid: Result<u64, BadNumber>,
    pub gid: Result<u64, BadNumber>,
    pub mtime: Result<u64, BadNumber>,
}

/// Why a header's numeric field (or the PAX record that replaces it) is no
/// number; the caller names the field and the entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadNumber {
    #[error("the number does not fit in 64 bits")]
    TooLarge,
    /// The field's text, escaped to one line.
    #[error("'{0}' is not an octal number")]
    NotOctal(String),
    #[error("the field is empty")]
    Empty,
    #[error("negative base-256 number")]
    Negative,
    /// The PAX record's key.
    #[error("PAX {0} record is not a number")]
    Pax(String),
}

/// Why a block is not a tar header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum BadChecksum {
    #[error("bad checksum field: {0}")]
    Field(BadNumber),
    #[error("header checksum mismatch (not a tar header, or a damaged one)")]
    Mismatch,
}

/// Where a sparse file's stored bytes go: (offset in the file, length).
type SparseMap = Vec<(u64, u64)>;

/// What follows the header of the current entry.
enum Content {
    /// `stored` bytes in the stream, then padding to the next block.
    Plain { stored: u64 },
    /// GNU sparse: the stored chunks land at their offsets of a file of
    /// `real` bytes; the rest is zeros.
    Sparse {
        stored: u64,
        map: SparseMap,
        real: u64,
    },
}

/// One piece of an entry's content, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Bytes stored in the tar.
    Data(&'a [u8]),
    /// A hole of a sparse file: that many zero bytes, not stored.
    Hole(u64),
}

pub struct TarReader<R> {
    inner: R,
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    /// Offset in the stream of `buf[0]`.
    base: u64,
    /// The stream has no more bytes.
    exhausted: bool,
    /// The current entry's content, not yet consumed.
    pending: Option<Content>,
    /// The current (or last) entry's path, for error messages (one buffer
    /// reused for every entry).
    name: Vec<u8>,
    /// Offset of the current (or last) entry's first header block.
    entry_at: u64,
    /// Some entry has been read.
    any_entry: bool,
}

/// Names longer than this are cut in error messages.
const NAME_IN_MESSAGES: usize = 200;

/// A name as an error message shows it: escaped, on one line, cut short.
pub fn quoted_name(name: &[u8]) -> String {
    let cut = name.len() > NAME_IN_MESSAGES;
    let shown = path::escape_line(&name[..name.len().min(NAME_IN_MESSAGES)]);
    if cut {
        format!("'{shown}…' ({} bytes)", name.len())
    } else {
        format!("'{shown}'")
    }
}

/// `size` rounded up to whole blocks; `None` if that does not fit in 64 bits.
fn padded(size: u64) -> Option<u64> {
    size.checked_add(BLOCK as u64 - 1)
        .map(|s| s / BLOCK as u64 * BLOCK as u64)
}

/// Entry types whose header is the whole entry: Go's `archive/tar` (and so
/// Docker and containerd) and GNU tar read no content after them, whatever
/// their size field says.
fn header_only(flag: u8) -> bool {
    matches!(
        flag,
        typeflag::HARDLINK
            | typeflag::SYMLINK
            | typeflag::CHAR
            | typeflag::BLOCK
            | typeflag::DIRECTORY
            | typeflag::FIFO
    )
}

impl<R: Read> TarReader<R> {
    pub fn new(inner: R) -> Self {
        TarReader {
            inner,
            buf: vec![0; BUFFER].into_boxed_slice(),
            start: 0,
            end: 0,
            base: 0,
            exhausted: false,
            pending: None,
            name: Vec::new(),
            entry_at: 0,
            any_entry: false,
        }
    }

    /// Offset in the stream of the next byte to be read.
    pub fn position(&self) -> u64 {
        self.base + self.start as u64
    }

    /// Offset of the current entry's first header block.
    pub fn entry_offset(&self) -> u64 {
        self.entry_at
    }

    /// The current entry, as error messages name it.
    fn this_entry(&self) -> String {
        format!(
            "entry {} (header at byte {})",
            quoted_name(&self.name),
            self.entry_at
        )
    }

    /// The header being read at `at`, before its name is known.
    fn next_entry(&self, at: u64) -> String {
        if self.any_entry {
            format!(
                "the header after entry {} (at byte {at})",
                quoted_name(&self.name)
            )
        } else {
            format!("the first header (at byte {at})")
        }
    }

    /// An error about the current entry.
    fn entry_error(&self, kind: io::ErrorKind, what: impl std::fmt::Display) -> io::Error {
        io::Error::new(kind, format!("{}: {what}", self.this_entry()))
    }

    /// An error about the header being read at `at`.
    fn header_error(
        &self,
        at: u64,
        kind: io::ErrorKind,
        what: impl std::fmt::Display,
    ) -> io::Error {
        io::Error::new(kind, format!("{}: {what}", self.next_entry(at)))
    }

    /// Make at least `want` bytes (at most the buffer's size) available;
    /// fewer only at the end of the stream.
    fn fill(&mut self, want: usize) -> io::Result<usize> {
        if self.end - self.start >= want {
            return Ok(self.end - self.start);
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.base += self.start as u64;
            self.start = 0;
        }
        // An interrupted read is not retried: it is how a cancelled load
        // stops (progress.rs).
        while self.end < want && !self.exhausted {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => self.exhausted = true,
                Ok(n) => self.end += n,
                Err(e) => return Err(e),
            }
        }
        Ok(self.end - self.start)
    }

    /// Hand `len` bytes of the stream, in order and in pieces, to `sink`.
    /// Returns how many there were (fewer only at the end of the stream).
    fn stream(&mut self, mut len: u64, sink: &mut impl FnMut(&[u8])) -> io::Result<u64> {
        let mut seen = 0;
        while len > 0 {
            if self.start == self.end && self.fill(1)? == 0 {
                break;
            }
            let take = (self.end - self.start).min(usize::try_from(len).unwrap_or(usize::MAX));
            sink(&self.buf[self.start..self.start + take]);
            self.start += take;
            len -= take as u64;
            seen += take as u64;
        }
        Ok(seen)
    }

    /// Drop `len` bytes of the stream.
    fn skip(&mut self, len: u64) -> io::Result<u64> {
        self.stream(len, &mut |_| {})
    }

    /// Read one block; `None` when the stream ends exactly before it.
    fn block(&mut self) -> io::Result<Option<[u8; BLOCK]>> {
        let have = self.fill(BLOCK)?;
        if have == 0 {
            return Ok(None);
        }
        if have < BLOCK {
            let at = self.position();
            return Err(self.header_error(
                at,
                io::ErrorKind::UnexpectedEof,
                "the tar stream ends in the middle of a header",
            ));
        }
        let mut block = [0u8; BLOCK];
        block.copy_from_slice(&self.buf[self.start..self.start + BLOCK]);
        self.start += BLOCK;
        Ok(Some(block))
    }

    /// Skip what is left of the current entry's content and its padding.
    fn finish_entry(&mut self) -> io::Result<()> {
        let stored = match self.pending.take() {
            None => return Ok(()),
            Some(Content::Plain { stored }) | Some(Content::Sparse { stored, .. }) => stored,
        };
        // The size was checked to pad without overflow when read.
        let padded = padded(stored).unwrap_or(u64::MAX);
        if self.skip(padded)? != padded {
            return Err(self.entry_error(
                io::ErrorKind::UnexpectedEof,
                "the tar stream ends inside its content",
            ));
        }
        Ok(())
    }

    /// The whole content of an extension header (long name, PAX records).
    fn extension(&mut self, at: u64, size: u64, what: &str) -> io::Result<Vec<u8>> {
        if size > MAX_EXTENSION {
            return Err(self.header_error(
                at,
                io::ErrorKind::InvalidData,
                format!(
                    "{what} header of {size} bytes is larger than peel reads ({MAX_EXTENSION})"
                ),
            ));
        }
        let mut bytes = Vec::with_capacity(size as usize);
        let seen = self.stream(size, &mut |chunk| bytes.extend_from_slice(chunk))?;
        let padding = padded(size).unwrap_or(u64::MAX) - size;
        if seen != size || self.skip(padding)? != padding {
            return Err(self.header_error(
                at,
                io::ErrorKind::UnexpectedEof,
                format!("the tar stream ends inside a {what} header"),
            ));
        }
        Ok(bytes)
    }

    /// The next entry's header, or `None` at the end-of-archive block. A
    /// stream that ends without that block is an error: it was cut short.
    pub fn next_header(&mut self) -> io::Result<Option<Header>> {
        self.finish_entry()?;
        let first_at = self.position();
        let mut long_name: Option<Vec<u8>> = None;
        let mut long_link: Option<Vec<u8>> = None;
        let mut pax: Option<Vec<u8>> = None;
        loop {
            let at = self.position();
            let bad = |reader: &Self, what: &str| {
                reader.header_error(at, io::ErrorKind::InvalidData, what)
            };
            let Some(block) = self.block()? else {
                if long_name.is_some() || long_link.is_some() || pax.is_some() {
                    return Err(bad(
                        self,
                        "extension headers describe an entry that never comes",
                    ));
                }
                return Err(self.header_error(
                    at,
                    io::ErrorKind::UnexpectedEof,
                    "the tar stream ends without its end-of-archive marker",
                ));
            };
            if block.iter().all(|&b| b == 0) {
                return Ok(None);
            }
            verify_checksum(&block).map_err(|e| bad(self, &e.to_string()))?;
            let typeflag = block[156];
            let recognized = is_ustar(&block) || is_gnu(&block);
            let stored_size =
                number(&block[124..136]).map_err(|e| bad(self, &format!("bad size field: {e}")))?;
            let pax_size = pax.as_deref().and_then(|p| pax_value(p, b"size"));
            let size = match pax_size {
                Some(value) => parse_decimal(value)
                    .ok_or_else(|| bad(self, "PAX size record is not a number"))?,
                None => stored_size,
            };
            if padded(size).is_none() {
                return Err(bad(
                    self,
                    &format!("size {size} is too large for a tar entry"),
                ));
            }
            if recognized && typeflag == typeflag::GNU_LONG_NAME {
                if long_name.is_some() {
                    return Err(bad(self, "two long name headers for the same entry"));
                }
                long_name = Some(self.extension(at, size, "long name")?);
                continue;
            }
            if recognized && typeflag == typeflag::GNU_LONG_LINK {
                if long_link.is_some() {
                    return Err(bad(self, "two long link name headers for the same entry"));
                }
                long_link = Some(self.extension(at, size, "long link name")?);
                continue;
            }
            if recognized && typeflag == typeflag::PAX_LOCAL {
                if pax.is_some() {
                    return Err(bad(self, "two PAX headers for the same entry"));
                }
                pax = Some(self.extension(at, size, "PAX")?);
                continue;
            }
            let path = match (
                &long_name,
                pax.as_deref().and_then(|p| pax_value(p, b"path")),
            ) {
                (Some(name), _) => strip_one_nul(name).to_vec(),
                (None, Some(path)) => path.to_vec(),
                (None, None) => header_path(&block),
            };
            self.name.clear();
            self.name.extend_from_slice(&path);
            self.entry_at = first_at;
            self.any_entry = true;
            let link = match (
                &long_link,
                pax.as_deref().and_then(|p| pax_value(p, b"linkpath")),
            ) {
                (Some(link), _) => Some(strip_one_nul(link).to_vec()),
                (None, Some(link)) => Some(link.to_vec()),
                (None, None) if block[157] != 0 => Some(truncate(&block[157..257]).to_vec()),
                (None, None) => None,
            };
            let pax_number = |key: &[u8], from_header: Result<u64, BadNumber>| match pax
                .as_deref()
                .and_then(|p| pax_value(p, key))
            {
                // PAX times may carry a fraction: whole seconds are kept.
                Some(value) => parse_decimal(value.split(|&b| b == b'.').next().unwrap_or(value))
                    .ok_or_else(|| BadNumber::Pax(String::from_utf8_lossy(key).into_owned())),
                None => from_header,
            };
            let stored = if header_only(typeflag) { 0 } else { size };
            let mut header = Header {
                typeflag,
                path,
                link,
                size: stored,
                declared_size: size,
                mode: octal(&block[100..108]).map(|m| m as u32),
                uid: pax_number(b"uid", number(&block[108..116])),
                gid: pax_number(b"gid", number(&block[116..124])),
                mtime: pax_number(b"mtime", number(&block[136..148])),
            };
            let content = if typeflag == typeflag::GNU_SPARSE && is_gnu(&block) {
                let (map, real) = self.sparse_map(&block)?;
                header.size = real;
                Content::Sparse { stored, map, real }
            } else {
                Content::Plain { stored }
            };
            self.pending = Some(content);
            return Ok(Some(header));
        }
    }

    /// The sparse map of a GNU sparse header and the file's real size,
    /// reading the extension blocks that follow the header.
    fn sparse_map(&mut self, block: &[u8; BLOCK]) -> io::Result<(SparseMap, u64)> {
        let mut map = SparseMap::new();
        let mut bad_entry: Option<BadNumber> = None;
        let mut push = |entry: &[u8]| {
            if entry[0] == 0 || bad_entry.is_some() {
                return;
            }
            match (number(&entry[..12]), number(&entry[12..24])) {
                (Ok(offset), Ok(len)) => map.push((offset, len)),
                (Err(e), _) | (_, Err(e)) => bad_entry = Some(e),
            }
        };
        for entry in block[386..482].chunks(24) {
            push(entry);
        }
        let real = number(&block[483..495]);
        let mut extended = block[482] != 0;
        while extended {
            let Some(ext) = self.block()? else {
                return Err(self.entry_error(
                    io::ErrorKind::UnexpectedEof,
                    "the tar stream ends inside its GNU sparse map",
                ));
            };
            for entry in ext[..504].chunks(24) {
                push(entry);
            }
            extended = ext[504] != 0;
        }
        let bad = |e: &str| {
            self.entry_error(
                io::ErrorKind::InvalidData,
                format!("GNU sparse header: {e}"),
            )
        };
        if let Some(e) = bad_entry {
            return Err(bad(&e.to_string()));
        }
        let real = real.map_err(|e| bad(&format!("bad real size: {e}")))?;
        let mut end = 0u64;
        for &(offset, len) in &map {
            if offset < end || offset.checked_add(len).is_none_or(|e| e > real) {
                return Err(bad("map out of order or past the file's size"));
            }
            end = offset + len;
        }
        Ok((map, real))
    }

    /// Hand the current entry's content to `sink`, in file order: stored
    /// bytes as [`Piece::Data`], a sparse file's holes as [`Piece::Hole`]
    /// (never expanded here: a hole costs nothing whatever its size).
    /// Returns the content's length (holes included): fewer bytes than the
    /// header says only when the stream was cut short.
    pub fn content(&mut self, sink: &mut impl FnMut(Piece<'_>)) -> io::Result<u64> {
        match self.pending.take() {
            None => Ok(0),
            Some(Content::Plain { stored }) => {
                let seen = self.stream(stored, &mut |chunk| sink(Piece::Data(chunk)))?;
                if seen == stored {
                    let padding = padded(stored).unwrap_or(u64::MAX) - stored;
                    if self.skip(padding)? != padding {
                        return Err(self.entry_error(
                            io::ErrorKind::UnexpectedEof,
                            "the tar stream ends inside its padding",
                        ));
                    }
                }
                Ok(seen)
            }
            Some(Content::Sparse { stored, map, real }) => {
                let (mut at, mut read) = (0u64, 0u64);
                for (offset, len) in map {
                    if offset > at {
                        sink(Piece::Hole(offset - at));
                    }
                    if read.saturating_add(len) > stored {
                        return Err(self.entry_error(
                            io::ErrorKind::InvalidData,
                            "GNU sparse map holds more than the entry stores",
                        ));
                    }
                    let seen = self.stream(len, &mut |chunk| sink(Piece::Data(chunk)))?;
                    read += seen;
                    at = offset + seen;
                    if seen != len {
                        return Ok(at);
                    }
                }
                if real > at {
                    sink(Piece::Hole(real - at));
                }
                self.pending = Some(Content::Plain {
                    stored: stored - read,
                });
                self.finish_entry()?;
                Ok(real)
            }
        }
    }

    /// Read the stream to its end (what follows the end-of-archive block:
    /// padding, a compressed stream's trailer, whose check this triggers).
    pub fn drain(&mut self) -> io::Result<()> {
        self.start = self.end;
        // Not `io::copy`, which retries an interrupted read: a cancelled
        // load (progress.rs) must stop here too.
        super::digest::drain(&mut self.inner).map(|_| ())
    }
}

fn verify_checksum(block: &[u8; BLOCK]) -> Result<(), BadChecksum> {
    // The sum of the header's bytes with the checksum field read as spaces
    // (summed whole, then corrected: a plain sum vectorises).
    let all: u32 = block.iter().map(|&b| u32::from(b)).sum();
    let field: u32 = block[148..156].iter().map(|&b| u32::from(b)).sum();
    let sum = all - field + 8 * u32::from(b' ');
    let stored = octal(&block[148..156]).map_err(BadChecksum::Field)?;
    if u64::from(sum) != stored {
        return Err(BadChecksum::Mismatch);
    }
    Ok(())
}

fn is_ustar(block: &[u8; BLOCK]) -> bool {
    &block[257..263] == b"ustar\0" && &block[263..265] == b"00"
}

fn is_gnu(block: &[u8; BLOCK]) -> bool {
    &block[257..263] == b"ustar " && &block[263..265] == b" \0"
}

/// A NUL-terminated field.
fn truncate(field: &[u8]) -> &[u8] {
    match field.iter().position(|&b| b == 0) {
        Some(end) => &field[..end],
        None => field,
    }
}

fn strip_one_nul(bytes: &[u8]) -> &[u8] {
    bytes.strip_suffix(&[0]).unwrap_or(bytes)
}

/// The path a header itself gives: a ustar header's prefix and name, any
/// other header's name.
fn header_path(block: &[u8; BLOCK]) -> Vec<u8> {
    let name = truncate(&block[..100]);
    if is_ustar(block) {
        let prefix = truncate(&block[345..500]);
        if !prefix.is_empty() {
            let mut path = Vec::with_capacity(prefix.len() + 1 + name.len());
            path.extend_from_slice(prefix);
            path.push(b'/');
            path.extend_from_slice(name);
            return path;
        }
    }
    name.to_vec()
}

/// An octal field: digits between optional spaces, ended by a NUL or the
/// field's end. Five per header: one pass, no allocation but on error.
fn octal(field: &[u8]) -> Result<u64, BadNumber> {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    let field = &field[..end];
    let mut i = 0;
    while i < field.len() && field[i].is_ascii_whitespace() {
        i += 1;
    }
    let mut value: u64 = 0;
    let start = i;
    while i < field.len() && (b'0'..=b'7').contains(&field[i]) {
        if value >> 61 != 0 {
            return Err(BadNumber::TooLarge);
        }
        value = value << 3 | u64::from(field[i] - b'0');
        i += 1;
    }
    let digits = i - start;
    if field[i..].iter().any(|b| !b.is_ascii_whitespace()) {
        return Err(BadNumber::NotOctal(
            path::escape_line(field.trim_ascii()).into_owned(),
        ));
    }
    if digits == 0 {
        return Err(BadNumber::Empty);
    }
    Ok(value)
}

/// A numeric field: octal, or base-256 (the first byte's high bit set) as
/// GNU tar and Go write numbers too large for octal.
fn number(field: &[u8]) -> Result<u64, BadNumber> {
    if field[0] & 0x80 == 0 {
        return octal(field);
    }
    if field[0] & 0x40 != 0 {
        return Err(BadNumber::Negative);
    }
    let mut value: u64 = u64::from(field[0] & 0x3f);
    for &b in &field[1..] {
        value = value
            .checked_mul(256)
            .and_then(|v| v.checked_add(u64::from(b)))
            .ok_or(BadNumber::TooLarge)?;
    }
    Ok(value)
}

fn parse_decimal(value: &[u8]) -> Option<u64> {
    std::str::from_utf8(value).ok()?.parse().ok()
}

/// The value of the last `key` record of a PAX extended header
/// (`"<len> <key>=<value>\n"` records).
fn pax_value<'a>(mut records: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let mut found = None;
    while !records.is_empty() {
        let space = records.iter().position(|&b| b == b' ')?;
        let len: usize = std::str::from_utf8(&records[..space]).ok()?.parse().ok()?;
        if len <= space + 1 || len > records.len() {
            return found;
        }
        let record = &records[space + 1..len];
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(eq) = record.iter().position(|&b| b == b'=')
            && &record[..eq] == key
        {
            found = Some(&record[eq + 1..]);
        }
        records = &records[len..];
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(bytes: &[u8]) -> io::Result<Vec<(Header, Vec<u8>)>> {
        let mut reader = TarReader::new(bytes);
        let mut out = Vec::new();
        while let Some(header) = reader.next_header()? {
            let mut content = Vec::new();
            let n = reader.content(&mut |piece| match piece {
                Piece::Data(c) => content.extend_from_slice(c),
                Piece::Hole(n) => content.resize(content.len() + n as usize, 0),
            })?;
            assert_eq!(n, content.len() as u64);
            out.push((header, content));
        }
        Ok(out)
    }

    /// One PAX record, its length field counting itself.
    fn pax_record(key: &str, value: &str) -> Vec<u8> {
        let body = format!(" {key}={value}\n");
        let mut len = body.len() + 1;
        while (len.to_string() + &body).len() != len {
            len += 1;
        }
        format!("{len}{body}").into_bytes()
    }

    fn builder_tar(build: impl FnOnce(&mut tar::Builder<Vec<u8>>)) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        build(&mut builder);
        builder.into_inner().expect("tar")
    }

    #[test]
    fn reads_what_tar_rs_writes() {
        let long = "d/".repeat(80) + "file.txt";
        let bytes = builder_tar(|b| {
            let mut h = tar::Header::new_gnu();
            h.set_size(5);
            h.set_mode(0o640);
            h.set_uid(3_000_000);
            h.set_mtime(1_700_000_000);
            h.set_cksum();
            b.append_data(&mut h, &long, &b"hello"[..]).expect("append");
            let mut l = tar::Header::new_ustar();
            l.set_entry_type(tar::EntryType::Symlink);
            l.set_size(0);
            b.append_link(&mut l, "link", "target/x").expect("link");
        });
        let got = entries(&bytes).expect("read");
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0.path, long.as_bytes());
        assert_eq!(got[0].1, b"hello");
        assert_eq!(got[0].0.mode, Ok(0o640));
        assert_eq!(got[0].0.uid, Ok(3_000_000));
        assert_eq!(got[0].0.mtime, Ok(1_700_000_000));
        assert_eq!(got[1].0.typeflag, typeflag::SYMLINK);
        assert_eq!(got[1].0.link.as_deref(), Some(&b"target/x"[..]));
    }

    #[test]
    fn pax_records_win_over_the_header() {
        let records = [
            pax_record("path", "very/long/pax/name.txt"),
            pax_record("uid", "123456"),
        ]
        .concat();
        let bytes = builder_tar(|b| {
            let mut x = tar::Header::new_ustar();
            x.set_entry_type(tar::EntryType::XHeader);
            x.set_size(records.len() as u64);
            x.set_cksum();
            b.append(&x, &records[..]).expect("pax");
            let mut h = tar::Header::new_ustar();
            h.set_path("short").expect("path");
            h.set_size(1);
            h.set_cksum();
            b.append(&h, &b"x"[..]).expect("file");
        });
        let got = entries(&bytes).expect("read");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0.path, b"very/long/pax/name.txt");
        assert_eq!(got[0].0.uid, Ok(123_456));
    }

    #[test]
    fn cut_streams_and_bad_checksums_are_errors() {
        let bytes = builder_tar(|b| {
            let mut h = tar::Header::new_ustar();
            h.set_size(1000);
            h.set_cksum();
            b.append_data(&mut h, "f", &[7u8; 1000][..]).expect("file");
        });
        // Without the end-of-archive blocks.
        let err = entries(&bytes[..1536]).unwrap_err();
        assert!(err.to_string().contains("end-of-archive"), "{err}");
        // In the middle of the content.
        let mut reader = TarReader::new(&bytes[..800]);
        reader.next_header().expect("header");
        assert_eq!(reader.content(&mut |_| {}).expect("short"), 288);
        // A flipped byte in the header.
        let mut bad = bytes.clone();
        bad[0] ^= 1;
        let err = entries(&bad).unwrap_err();
        assert!(err.to_string().contains("checksum"), "{err}");
    }

    #[test]
    fn numbers() {
        assert_eq!(octal(b"0000644\0"), Ok(0o644));
        assert_eq!(octal(b"  755 \0"), Ok(0o755));
        assert!(octal(b"\0\0\0").is_err());
        assert!(octal(b"12x4").is_err());
        let mut big = [0u8; 12];
        big[0] = 0x80;
        big[4..].copy_from_slice(&(9u64 << 33).to_be_bytes());
        assert_eq!(number(&big), Ok(9u64 << 33));
        assert!(number(&[0xff; 12]).is_err());
    }

    #[test]
    fn pax_parsing() {
        let records = [pax_record("path", "a/b/c.txt"), pax_record("size", "42")].concat();
        assert_eq!(pax_value(&records, b"path"), Some(&b"a/b/c.txt"[..]));
        assert_eq!(pax_value(&records, b"size"), Some(&b"42"[..]));
        assert_eq!(pax_value(&records, b"uid"), None);
        assert_eq!(pax_value(b"garbage", b"path"), None);
    }

    /// A stream that, once its bytes are read, fails every read as
    /// interrupted: what a cancelled load looks like to the reader.
    struct CancelledAfter(io::Cursor<Vec<u8>>);

    impl Read for CancelledAfter {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.0.read(buf)? {
                0 => Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled")),
                n => Ok(n),
            }
        }
    }

    #[test]
    fn a_cancel_while_draining_stops_the_drain() {
        let bytes = builder_tar(|b| {
            let mut header = tar::Header::new_gnu();
            header.set_size(0);
            b.append_data(&mut header, "a", &[][..]).unwrap();
        });
        let mut reader = TarReader::new(CancelledAfter(io::Cursor::new(bytes)));
        while reader.next_header().unwrap().is_some() {}
        // io::copy retries an interrupted read forever; the drain must not.
        let err = reader.drain().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::Interrupted);
    }
}
