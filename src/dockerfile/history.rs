//! What a history entry's `created_by` says was run, in the spellings the
//! builders write, and whether a Dockerfile [`Step`] made it:
//!
//! - legacy builder and buildah: `/bin/sh -c CMD` for a `RUN` (after
//!   `|N ARG=… ` when build args were in effect), `/bin/sh -c #(nop) KEYWORD
//!   …` for the rest, `COPY file:<hash> in DEST` / `dir:` / `multi:`;
//! - BuildKit: `RUN /bin/sh -c CMD # buildkit` (also with `|N ARG=…`),
//!   `COPY [--opts] SRC… DEST # buildkit`, `WORKDIR /app`, `ENV A=b`, ….

use super::{Step, What};
use crate::image::config::single_line;

/// An entry's `created_by`, read.
#[derive(Debug, PartialEq, Eq)]
pub enum Entry {
    /// A command run by a shell (or exec form): the text after the shell
    /// prefix, if the prefix is there, else the whole command.
    Run { text: String },
    /// `COPY`/`ADD` with its destination.
    Copy { add: bool, dest: String },
    /// Any other instruction: keyword and the rest.
    Meta { keyword: String, rest: String },
}

/// Read a `created_by`.
pub fn read(created_by: &str) -> Entry {
    let raw = created_by.trim();
    let raw = raw.strip_suffix("# buildkit").unwrap_or(raw).trim_end();
    if let Some(rest) = raw.strip_prefix("/bin/sh -c #(nop)") {
        return instruction(rest.trim());
    }
    let run = raw.strip_prefix("RUN ").unwrap_or(raw);
    let first = raw.split_whitespace().next().unwrap_or_default();
    let is_keyword = first.len() > 1 && first.bytes().all(|b| b.is_ascii_uppercase());
    if is_keyword && first != "RUN" {
        return instruction(raw);
    }
    Entry::Run {
        text: single_line(without_build_args(run)),
    }
}

/// `|2 A=1 B=2 /bin/sh -c …` → `/bin/sh -c …`: the build args in effect
/// (values may hold spaces: skip to the command by the count's pairs, each
/// starting `NAME=`).
fn without_build_args(text: &str) -> &str {
    let Some(rest) = text.strip_prefix('|') else {
        return text;
    };
    let Some((count, mut rest)) = rest.split_once(' ') else {
        return text;
    };
    let Ok(count) = count.parse::<usize>() else {
        return text;
    };
    for _ in 0..count {
        // A count larger than the pairs there are (the text is untrusted):
        // nothing more to skip.
        if rest.is_empty() {
            break;
        }
        // The next pair ends where the next `NAME=` or the command starts:
        // take one word (values with spaces are rare and only shift what
        // is compared, never make a match).
        rest = rest
            .split_once(' ')
            .map_or("", |(_, after)| after.trim_start());
    }
    rest
}

fn instruction(text: &str) -> Entry {
    let (keyword, rest) = text.split_once(' ').unwrap_or((text, ""));
    let keyword = keyword.to_ascii_uppercase();
    let rest = rest.trim();
    match keyword.as_str() {
        "COPY" | "ADD" => {
            let dest = match rest.rsplit_once(" in ") {
                // Legacy and buildah: `file:<hash> in DEST`.
                Some((_, dest)) if !rest.ends_with(" in") => dest.trim().to_string(),
                _ => rest
                    .split_whitespace()
                    .last()
                    .unwrap_or_default()
                    .to_string(),
            };
            Entry::Copy {
                add: keyword == "ADD",
                dest,
            }
        }
        _ => Entry::Meta {
            keyword,
            rest: rest.to_string(),
        },
    }
}

/// Whether `step` made `entry`.
pub fn matches(step: &Step, entry: &Entry) -> bool {
    match (&step.what, entry) {
        (
            What::Run {
                command,
                shell,
                exec,
                heredoc,
            },
            Entry::Run { text },
        ) => {
            let ran = if *exec {
                text.as_str()
            } else {
                match text.strip_prefix(shell.as_str()) {
                    Some(rest) => rest.trim_start(),
                    None => return false,
                }
            };
            if *heredoc {
                // The heredoc's body follows its first line.
                ran.starts_with(command.as_str())
            } else {
                ran == command
            }
        }
        (
            What::Copy {
                add,
                dest,
                substituted,
            },
            Entry::Copy {
                add: entry_add,
                dest: entry_dest,
            },
        ) => {
            add == entry_add
                && (entry_dest == dest
                    || entry_dest == substituted
                    // A variable the build got from --build-arg: not known
                    // here; the order decides.
                    || substituted.contains('$'))
        }
        (What::Meta { keyword, argument }, Entry::Meta { keyword: k, rest }) => {
            keyword == k && argument_matches(keyword, argument.as_deref(), rest)
        }
        _ => false,
    }
}

fn argument_matches(keyword: &str, argument: Option<&str>, rest: &str) -> bool {
    let Some(argument) = argument else {
        return true;
    };
    // A variable the build got from --build-arg, or one the builder
    // recorded unexpanded (buildah writes `WORKDIR $DIR`): the order decides.
    if argument.contains('$') || rest.contains('$') {
        return true;
    }
    match keyword {
        // BuildKit records the resolved path of a relative WORKDIR.
        "WORKDIR" => {
            rest == argument
                || rest.trim_end_matches('/') == argument.trim_end_matches('/')
                || rest.ends_with(&format!("/{}", argument.trim_start_matches("./")))
        }
        "USER" => rest == argument,
        "ENV" => {
            rest.split_once('=').map(|(name, _)| name) == Some(argument)
                || rest.split_whitespace().next() == Some(argument)
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_arg_count_past_the_pairs_ends_at_once() {
        // fuzz/regressions/dockerfile/build-arg-count-huge: it looped
        // usize::MAX times. Timed on a thread, so that the failure is a
        // failed test, not a hung one.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(read("|18446744073709551615 A=1 /bin/sh -c make"));
        });
        let entry = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("read() returns");
        assert_eq!(
            entry,
            Entry::Run {
                text: String::new()
            }
        );
    }

    #[test]
    fn the_builders_spellings() {
        assert_eq!(
            read("/bin/sh -c apt-get update &&     apt-get install -y curl"),
            Entry::Run {
                text: "/bin/sh -c apt-get update && apt-get install -y curl".into()
            }
        );
        assert_eq!(
            read("|1 VERSION=2 /bin/sh -c echo $VERSION"),
            Entry::Run {
                text: "/bin/sh -c echo $VERSION".into()
            }
        );
        assert_eq!(
            read("RUN |2 A=1 B=2 /bin/sh -c make # buildkit"),
            Entry::Run {
                text: "/bin/sh -c make".into()
            }
        );
        assert_eq!(
            read("/bin/sh -c #(nop) COPY --chown=1:1dir:0a1b in /app/ "),
            Entry::Copy {
                add: false,
                dest: "/app/".into()
            }
        );
        assert_eq!(
            read("COPY --from=build /out /srv/app/bin/ # buildkit"),
            Entry::Copy {
                add: false,
                dest: "/srv/app/bin/".into()
            }
        );
        assert_eq!(
            read("/bin/sh -c #(nop) WORKDIR /app"),
            Entry::Meta {
                keyword: "WORKDIR".into(),
                rest: "/app".into()
            }
        );
        assert_eq!(
            read("ENV A=b"),
            Entry::Meta {
                keyword: "ENV".into(),
                rest: "A=b".into()
            }
        );
        assert_eq!(
            read("/bin/sh -c #(nop)  CMD [\"node\" \"server.js\"]"),
            Entry::Meta {
                keyword: "CMD".into(),
                rest: "[\"node\" \"server.js\"]".into()
            }
        );
    }
}
