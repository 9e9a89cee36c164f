//! The path filter and which nodes it matches, computed once per pattern.
//!
//! Matching a million paths one by one is too slow for a key press, so:
//! - a plain pattern (no regex syntax, no `/`) can only match inside one
//!   name, so a path matches when its parent's path does or its own name
//!   does: one literal search over the distinct names laid end to end
//!   (each name searched once however many paths hold it), then one pass
//!   down the node ids;
//! - a pattern typed onto the previous one (`file-0` → `file-04`) matches
//!   a subset of what that one matched: only those paths are tried again;
//! - anything else tries every path.

use regex::Regex;

use super::touched;
use crate::tree::NodeId;

/// A path filter: matching nodes and their ancestors stay visible.
#[derive(Debug, Clone)]
pub enum Filter {
    Substring(String),
    Regex(Regex),
}

impl Filter {
    /// `text` as a regex when `regex` is set, else as a substring. An empty
    /// text is no filter.
    pub fn parse(text: &str, regex: bool) -> Result<Option<Filter>, String> {
        if text.is_empty() {
            return Ok(None);
        }
        if regex {
            Regex::new(text)
                .map(|r| Some(Filter::Regex(r)))
                .map_err(|e| format!("bad regex: {}", first_line(&e.to_string())))
        } else {
            Ok(Some(Filter::Substring(text.to_string())))
        }
    }

    pub fn is_match(&self, path: &str) -> bool {
        match self {
            Filter::Substring(s) => path.contains(s.as_str()),
            Filter::Regex(r) => r.is_match(path),
        }
    }

    /// Byte ranges of the matches in `text` (for highlighting a name).
    pub fn ranges(&self, text: &str) -> Vec<(usize, usize)> {
        match self {
            Filter::Substring(s) if !s.is_empty() => text
                .match_indices(s.as_str())
                .map(|(i, m)| (i, i + m.len()))
                .collect(),
            Filter::Substring(_) => Vec::new(),
            Filter::Regex(r) => r
                .find_iter(text)
                .filter(|m| !m.is_empty())
                .map(|m| (m.start(), m.end()))
                .collect(),
        }
    }

    pub fn text(&self) -> &str {
        match self {
            Filter::Substring(s) => s,
            Filter::Regex(r) => r.as_str(),
        }
    }

    fn is_regex(&self) -> bool {
        matches!(self, Filter::Regex(_))
    }

    /// The text to find inside one name, when the filter is that.
    fn literal(&self) -> Option<&str> {
        let text = self.text();
        let plain = match self {
            Filter::Substring(_) => true,
            Filter::Regex(_) => text.chars().all(plain_char),
        };
        (plain && !text.contains('/')).then_some(text)
    }

    /// Does everything this filter matches match `old` too? True when this
    /// one is `old` with plain text appended (for a regex, appended atoms
    /// only narrow an unanchored search; a quantifier, `|` or a class
    /// could widen it, so those are not plain).
    fn narrows(&self, old: &Filter) -> bool {
        if self.is_regex() != old.is_regex() {
            return false;
        }
        match self.text().strip_prefix(old.text()) {
            Some(rest) => !self.is_regex() || rest.chars().all(plain_char),
            None => false,
        }
    }
}

/// A character with no regex meaning outside a class (`-`, `#`, `&` and
/// `~` only mean something in a class or in `(?x)`, which need `[` or `(`).
fn plain_char(c: char) -> bool {
    !matches!(
        c,
        '\\' | '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$'
    )
}

fn first_line(s: &str) -> &str {
    s.lines().last().unwrap_or(s).trim()
}

/// Every distinct display name laid end to end, each followed by `/`
/// (which no name holds), for one literal search over all of them; and
/// each node's name as an index into them. Images repeat names by the
/// thousand (`index.js`, `__init__.py`, `file-042.dat` in every
/// directory), so the search covers far fewer bytes than the paths.
#[derive(Debug, Clone, Default)]
pub(super) struct Names {
    text: String,
    /// Distinct name `k` is `text[start[k]..start[k + 1] - 1]`.
    start: Vec<u32>,
    /// Node `i`'s name is distinct name `of[i]` (the root's is empty).
    of: Vec<u32>,
}

impl Names {
    /// From the display paths (`/a/b`) and the parents.
    pub(super) fn new(paths: &[Box<str>], parents: &[NodeId]) -> Names {
        let mut text = String::with_capacity(paths.len() * 4);
        let mut start = Vec::new();
        let mut of = Vec::with_capacity(paths.len());
        let mut seen: rustc_hash::FxHashMap<&str, u32> = Default::default();
        for (id, path) in paths.iter().enumerate() {
            let name = if id == 0 {
                ""
            } else {
                let parent = &paths[parents[id].index()];
                let skip = if &**parent == "/" {
                    1
                } else {
                    parent.len() + 1
                };
                &path[skip.min(path.len())..]
            };
            let k = *seen.entry(name).or_insert_with(|| {
                start.push(text.len() as u32);
                text.push_str(name);
                text.push('/');
                start.len() as u32 - 1
            });
            of.push(k);
        }
        start.push(text.len() as u32);
        Names { text, start, of }
    }

    /// How many distinct names there are.
    fn distinct(&self) -> usize {
        self.start.len() - 1
    }
}

/// The nodes the current filter matches (by path, whatever the view).
#[derive(Debug, Clone, Default)]
pub(super) struct Matches {
    /// The filter these are of.
    of: Option<Filter>,
    pub(super) hit: Vec<bool>,
    /// The matching nodes, ascending.
    list: Vec<NodeId>,
    /// The previous pattern's `hit` and `list`, kept to be filled again:
    /// a million-node buffer allocated afresh costs a key its page faults.
    spare: (Vec<bool>, Vec<NodeId>),
}

impl Matches {
    /// For `n` nodes, every buffer written once now (at load) rather than
    /// on the first keys typed.
    pub(super) fn new(n: usize) -> Matches {
        let empty_list = || {
            let mut list = touched(n, NodeId::from(0));
            list.clear();
            list
        };
        Matches {
            of: None,
            hit: touched(n, false),
            list: empty_list(),
            spare: (touched(n, false), empty_list()),
        }
    }

    /// Match `filter` instead, returning the nodes whose match changed (in
    /// any order), or None when that is most of them.
    pub(super) fn set(
        &mut self,
        filter: Option<&Filter>,
        paths: &[Box<str>],
        names: &Names,
        parents: &[NodeId],
    ) -> Option<Vec<NodeId>> {
        let n = self.hit.len();
        let (mut hit, mut list) = std::mem::take(&mut self.spare);
        hit.clear();
        hit.resize(n, false);
        list.clear();
        match filter {
            None => {}
            Some(f) if f.literal().is_some() => {
                let lit = f.literal().unwrap_or_default();
                literal_hits(lit, names, parents, &mut hit);
                list.extend(NodeId::all(n).filter(|&i| hit[i.index()]));
            }
            Some(f) if self.of.as_ref().is_some_and(|old| f.narrows(old)) => {
                list.extend(
                    self.list
                        .iter()
                        .copied()
                        .filter(|&i| f.is_match(&paths[i.index()])),
                );
                for &i in &list {
                    hit[i.index()] = true;
                }
            }
            Some(f) => {
                for (i, path) in paths.iter().enumerate().skip(1) {
                    if f.is_match(path) {
                        hit[i] = true;
                        list.push(NodeId::from(i as u32));
                    }
                }
            }
        }
        let changed = changed_between(&self.list, &list, n);
        self.of = filter.cloned();
        self.spare = (
            std::mem::replace(&mut self.hit, hit),
            std::mem::replace(&mut self.list, list),
        );
        changed
    }
}

/// Mark every node whose path holds `lit`: its name does, or its parent's
/// path (a literal without `/` never spans two names).
fn literal_hits(lit: &str, names: &Names, parents: &[NodeId], hit: &mut [bool]) {
    let finder = Regex::new(&regex::escape(lit)).expect("an escaped literal is a regex");
    let mut name_hit = vec![false; names.distinct()];
    let mut k = 0usize;
    for m in finder.find_iter(&names.text) {
        let at = m.start() as u32;
        while names.start[k + 1] <= at {
            k += 1;
        }
        name_hit[k] = true;
    }
    // The root's name is empty: it matches nothing by itself.
    hit[0] = false;
    for id in 1..hit.len() {
        hit[id] = name_hit[names.of[id] as usize] || hit[parents[id].index()];
    }
}

/// The symmetric difference of two ascending lists, None when it is over a
/// quarter of `n` nodes (a whole pass is cheaper then).
fn changed_between(old: &[NodeId], new: &[NodeId], n: usize) -> Option<Vec<NodeId>> {
    let limit = n / 4;
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) if a == b => {
                i += 1;
                j += 1;
                continue;
            }
            (Some(a), Some(b)) if a < b => {
                out.push(*a);
                i += 1;
            }
            (Some(a), None) => {
                out.push(*a);
                i += 1;
            }
            (_, Some(b)) => {
                out.push(*b);
                j += 1;
            }
            (None, None) => break,
        }
        if out.len() > limit {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(text: &str, regex: bool) -> Filter {
        Filter::parse(text, regex).unwrap().unwrap()
    }

    #[test]
    fn plain_patterns_are_searched_in_names() {
        assert_eq!(f("file-04", true).literal(), Some("file-04"));
        assert_eq!(f("a.b", false).literal(), Some("a.b"));
        assert_eq!(f("a.b", true).literal(), None);
        assert_eq!(f("usr/bin", false).literal(), None);
    }

    #[test]
    fn only_plain_text_typed_after_narrows() {
        assert!(f("file-04", true).narrows(&f("file-0", true)));
        assert!(f("fi.*04", true).narrows(&f("fi.*0", true)));
        assert!(!f("fi.*", true).narrows(&f("fi.", true)));
        assert!(!f("a|b", true).narrows(&f("a", true)));
        assert!(!f("ab", true).narrows(&f("ab", false)));
        assert!(f("a.b", false).narrows(&f("a", false)));
        assert!(!f("a", true).narrows(&f("ab", true)));
    }

    /// A literal found through the distinct names marks exactly the
    /// paths that hold it, names repeated across directories included.
    #[test]
    fn literal_hits_are_the_paths_holding_the_text() {
        let paths: Vec<Box<str>> = [
            "/",
            "/a",
            "/a/lib",
            "/a/lib/x.so",
            "/b",
            "/b/lib",
            "/b/lib/x.so",
            "/b/x.so",
            "/libx",
        ]
        .map(Box::from)
        .to_vec();
        let parents = ids(&[0, 0, 1, 2, 0, 4, 5, 4, 0]);
        let names = Names::new(&paths, &parents);
        assert_eq!(
            names.distinct(),
            6,
            "the root's empty name, a, lib, x.so, b, libx"
        );
        for lit in ["lib", "x.so", "b", "a", "so", "zz", "libx"] {
            let mut hit = vec![false; paths.len()];
            literal_hits(lit, &names, &parents, &mut hit);
            let want: Vec<bool> = paths
                .iter()
                .enumerate()
                .map(|(i, p)| i > 0 && p.contains(lit))
                .collect();
            assert_eq!(hit, want, "{lit}");
        }
    }

    fn ids(raw: &[u32]) -> Vec<NodeId> {
        raw.iter().map(|&i| NodeId::from(i)).collect()
    }

    #[test]
    fn the_difference_of_two_lists() {
        assert_eq!(
            changed_between(&ids(&[1, 3, 5, 7]), &ids(&[3, 4, 7, 9]), 100),
            Some(ids(&[1, 4, 5, 9]))
        );
        assert_eq!(changed_between(&ids(&[1, 2, 3]), &[], 8), None);
    }
}
