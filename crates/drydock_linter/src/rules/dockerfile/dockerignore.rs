//! `.dockerignore` as BuildKit reads it (for `CopyIgnoredFile`, BK018).
//!
//! The semantics are those of `moby/patternmatcher` and its `ignorefile` reader, not
//! `.gitignore`'s:
//!
//! - The file is read line by line; a UTF-8 BOM is dropped; a line whose *first byte* is `#` is a
//!   comment; other lines are trimmed, and empty ones skipped. A leading `!` (then trimmed again)
//!   makes an exception. The pattern is cleaned like Go's `filepath.Clean` (`./a//b/` is `a/b`)
//!   and one leading `/` is removed: patterns are relative to the build context's root.
//! - A pattern matches a path relative to the context root, as a whole: `*` is any run of
//!   characters except `/`, `?` one character except `/`, `[...]` a character class, `\` escapes
//!   the next character, and `**` any number of path components (`**/x` also matches `x`, a
//!   trailing `/**` everything below). A bare name (`node_modules`) matches only at the root,
//!   unlike `.gitignore`.
//! - A path is excluded when the last pattern matching it, or matching one of its parent
//!   folders, is not an exception (`MatchesOrParentMatches`).

use std::path::{Path, PathBuf};

/// A parsed `.dockerignore`.
#[derive(Debug)]
pub(crate) struct DockerIgnore {
    /// The file it was read from.
    pub(crate) path: PathBuf,
    patterns: Vec<Pattern>,
}

#[derive(Debug)]
struct Pattern {
    /// The cleaned pattern, without `!`.
    text: String,
    exclusion: bool,
    /// 1-based line in the file.
    line: usize,
    matcher: Matcher,
}

#[derive(Debug)]
enum Matcher {
    Exact,
    Prefix(String),
    Suffix(String),
    Regex(regex::Regex),
}

/// Go's `path.Clean` for slash-separated paths.
pub(crate) fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_owned();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

impl Pattern {
    /// `patternmatcher`'s compilation of a cleaned pattern; `None` for a pattern Go rejects.
    fn compile(text: &str) -> Option<Matcher> {
        #[derive(PartialEq)]
        enum Kind {
            Exact,
            Prefix,
            Suffix,
            Regex,
        }
        let mut regex = String::from("^");
        let mut kind = Kind::Exact;
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        let mut first = true;
        while i < chars.len() {
            let ch = chars[i];
            i += 1;
            if ch == '*' {
                if chars.get(i) == Some(&'*') {
                    i += 1;
                    if chars.get(i) == Some(&'/') {
                        i += 1;
                    }
                    if i >= chars.len() {
                        if kind == Kind::Exact {
                            kind = Kind::Prefix;
                        } else {
                            regex.push_str(".*");
                            kind = Kind::Regex;
                        }
                    } else {
                        regex.push_str("(.*/)?");
                        kind = Kind::Regex;
                    }
                    if first {
                        kind = Kind::Suffix;
                    }
                } else {
                    regex.push_str("[^/]*");
                    kind = Kind::Regex;
                }
            } else if ch == '?' {
                regex.push_str("[^/]");
                kind = Kind::Regex;
            } else if ".+()|{}$".contains(ch) {
                regex.push('\\');
                regex.push(ch);
            } else if ch == '\\' {
                match chars.get(i) {
                    Some(&next) => {
                        i += 1;
                        regex.push('\\');
                        regex.push(next);
                        kind = Kind::Regex;
                    }
                    None => regex.push_str("\\\\"),
                }
            } else if ch == '[' || ch == ']' {
                regex.push(ch);
                kind = Kind::Regex;
            } else {
                regex.push(ch);
            }
            first = false;
        }
        Some(match kind {
            Kind::Exact => Matcher::Exact,
            Kind::Prefix => Matcher::Prefix(text[..text.len() - 2].to_owned()),
            Kind::Suffix => Matcher::Suffix(text[2..].to_owned()),
            Kind::Regex => {
                regex.push('$');
                Matcher::Regex(regex::Regex::new(&regex).ok()?)
            }
        })
    }

    fn matches(&self, path: &str) -> bool {
        match &self.matcher {
            Matcher::Exact => path == self.text,
            Matcher::Prefix(prefix) => path.starts_with(prefix.as_str()),
            Matcher::Suffix(suffix) => {
                path.ends_with(suffix.as_str())
                    || suffix.strip_prefix('/').is_some_and(|s| path == s)
            }
            Matcher::Regex(re) => re.is_match(path),
        }
    }
}

impl DockerIgnore {
    /// Parses `.dockerignore` text; `None` when a pattern is invalid (BuildKit then fails the
    /// build before any check runs).
    pub(crate) fn parse(path: PathBuf, text: &str) -> Option<Self> {
        let mut patterns = Vec::new();
        for (n, line) in text.split('\n').enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            let line = if n == 0 {
                line.strip_prefix('\u{feff}').unwrap_or(line)
            } else {
                line
            };
            if line.starts_with('#') {
                continue;
            }
            let mut pattern = line.trim();
            if pattern.is_empty() {
                continue;
            }
            let exclusion = pattern.starts_with('!');
            if exclusion {
                pattern = pattern[1..].trim();
            }
            let mut cleaned = if pattern.is_empty() {
                String::new()
            } else {
                clean(pattern)
            };
            if cleaned.len() > 1 && cleaned.starts_with('/') {
                cleaned.remove(0);
            }
            // `patternmatcher.New` cleans again; an exception with nothing after `!` is an error.
            if exclusion && cleaned.is_empty() {
                return None;
            }
            let cleaned = clean(&cleaned);
            let matcher = Pattern::compile(&cleaned)?;
            patterns.push(Pattern {
                text: cleaned,
                exclusion,
                line: n + 1,
                matcher,
            });
        }
        Some(Self { path, patterns })
    }

    /// Reads the ignore file BuildKit uses for a Dockerfile: `<Dockerfile>.dockerignore` next to
    /// the Dockerfile, else `.dockerignore` at the root of the build context. `None` when there
    /// is none, it cannot be read, or it is invalid.
    pub(crate) fn for_dockerfile(dockerfile: &Path, context: &Path) -> Option<Self> {
        let mut specific = dockerfile.as_os_str().to_owned();
        specific.push(".dockerignore");
        let specific = PathBuf::from(specific);
        for candidate in [specific, context.join(".dockerignore")] {
            // Never a FIFO or a device: reading one would block or never end.
            if let Ok(bytes) = drydock_compose::project::read_regular_file(&candidate) {
                let text = String::from_utf8_lossy(&bytes);
                return Self::parse(candidate, &text);
            }
        }
        None
    }

    /// Whether any pattern is an exception (`!pattern`).
    pub(crate) fn has_exceptions(&self) -> bool {
        self.patterns.iter().any(|p| p.exclusion)
    }

    /// Whether a pattern excludes every entry of the context root (`*`, `**` or `**/*`).
    pub(crate) fn excludes_root(&self) -> bool {
        self.patterns
            .iter()
            .any(|p| !p.exclusion && matches!(p.text.as_str(), "*" | "**" | "**/*"))
    }

    /// `MatchesOrParentMatches`: the pattern (text, 1-based line) that excludes `path` (a cleaned,
    /// slash-separated path relative to the context), if any.
    pub(crate) fn excluding_pattern(&self, path: &str) -> Option<(&str, usize)> {
        let parent = match path.rfind('/') {
            Some(0) => "/",
            Some(i) => &path[..i],
            None => ".",
        };
        let parent_dirs: Vec<&str> = parent.split('/').collect();
        let mut matched: Option<&Pattern> = None;
        for pattern in &self.patterns {
            if pattern.exclusion != matched.is_some() {
                continue;
            }
            let mut hit = pattern.matches(path);
            if !hit && parent != "." {
                for i in 0..parent_dirs.len() {
                    if pattern.matches(&parent_dirs[..=i].join("/")) {
                        hit = true;
                        break;
                    }
                }
            }
            if hit {
                matched = if pattern.exclusion {
                    None
                } else {
                    Some(pattern)
                };
            }
        }
        matched.map(|p| (p.text.as_str(), p.line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignore(text: &str) -> DockerIgnore {
        DockerIgnore::parse(PathBuf::from(".dockerignore"), text).expect("valid")
    }

    #[test]
    fn cleaning() {
        assert_eq!(clean("./a//b/"), "a/b");
        assert_eq!(clean("/a/../b"), "/b");
        assert_eq!(clean("../a"), "../a");
        assert_eq!(clean(""), ".");
        assert_eq!(clean("/"), "/");
    }

    #[test]
    fn matching() {
        let i = ignore("# comment\nnode_modules\n*.log\n/build/\ndocs/**\n**/secret.txt\n");
        assert!(i.excluding_pattern("node_modules").is_some());
        assert!(i.excluding_pattern("node_modules/x/y.js").is_some());
        assert!(i.excluding_pattern("app/node_modules").is_none());
        assert!(i.excluding_pattern("debug.log").is_some());
        assert!(i.excluding_pattern("app/debug.log").is_none());
        assert_eq!(i.excluding_pattern("build/out"), Some(("build", 4)));
        assert!(i.excluding_pattern("docs/a/b.md").is_some());
        assert!(i.excluding_pattern("secret.txt").is_some());
        assert!(i.excluding_pattern("a/b/secret.txt").is_some());
        assert!(i.excluding_pattern("# comment").is_none());
        assert!(!i.has_exceptions());
        assert!(!i.excludes_root());
    }

    #[test]
    fn exceptions_and_root() {
        let i = ignore("**\n!Dockerfile\n");
        assert!(i.has_exceptions());
        assert!(i.excludes_root());
        assert!(i.excluding_pattern("Dockerfile").is_none());
        assert!(i.excluding_pattern("src/main.rs").is_some());
        assert!(ignore(".*").excluding_pattern(".").is_some());
        assert!(!ignore(".*").excludes_root());
        assert!(ignore("*").excluding_pattern(".").is_some());
    }

    #[test]
    fn comment_needs_first_byte() {
        let i = ignore(" #notacomment\n");
        assert!(i.excluding_pattern("#notacomment").is_some());
        assert!(DockerIgnore::parse(PathBuf::new(), "[z-a\n").is_none());
        assert!(DockerIgnore::parse(PathBuf::new(), "!\n").is_none());
    }
}
