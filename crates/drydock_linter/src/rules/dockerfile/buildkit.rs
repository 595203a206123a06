//! Helpers shared by the BuildKit build checks (the `BK` rules and their `DL` twins): BuildKit's
//! "did you mean" search, variable references in builder-expanded words, the comment block
//! BuildKit attaches to an instruction, image reference and platform validation.
//!
//! Everything here follows BuildKit's behaviour (`frontend/dockerfile/dockerfile2llb`,
//! `frontend/dockerfile/linter`, `util/suggest`, `distribution/reference`,
//! `containerd/platforms`), re-implemented from its documented and tested semantics.

use drydock_dockerfile::model::{Base, Model};
use drydock_dockerfile::{Instruction, ItemKind, TextRange, Word};

/// BuildKit's `suggest.Search`: the option closest to `value` by Levenshtein distance, when
/// that distance is below 3. An option equal to `value` means there is nothing to suggest.
/// Among options at the same distance the first wins (BuildKit iterates a Go map, so its
/// choice between equally close options is random; drydock's is the given order).
/// Without `case_sensitive`, options are compared lowercased and the suggestion takes the case
/// of `value` when `value` is all lower or all upper case.
pub(crate) fn suggest<'a>(
    value: &str,
    options: impl IntoIterator<Item = &'a str>,
    case_sensitive: bool,
) -> Option<String> {
    let val = if case_sensitive {
        value.to_owned()
    } else {
        value.to_lowercase()
    };
    let mut best: Option<String> = None;
    let mut min = 3;
    for option in options {
        let opt = if case_sensitive {
            option.to_owned()
        } else {
            option.to_lowercase()
        };
        if opt == val {
            return None;
        }
        let d = drydock_dockerfile::suggest::distance(&val, &opt);
        if d < min {
            min = d;
            best = Some(if case_sensitive {
                opt
            } else if value == value.to_lowercase() {
                opt.to_lowercase()
            } else if value == value.to_uppercase() {
                opt.to_uppercase()
            } else {
                option.to_owned()
            });
        }
    }
    best
}

/// The file range of bytes `start..end` of a shell-style word of `instruction` (a word whose
/// text is its logical-line text as written, continuations joined). Falls back to the whole
/// word when the word is not found in the logical line (a decoded JSON element).
pub(crate) fn word_subrange(
    instruction: &Instruction,
    word: &Word,
    start: usize,
    end: usize,
) -> TextRange {
    let line = &instruction.line;
    let Some(offset) = line.logical_offset(word.range.start()) else {
        return word.range;
    };
    if line.text().get(offset..offset + word.text.len()) != Some(word.text.as_str()) {
        return word.range;
    }
    line.file_range(offset + start, offset + end)
}

/// One comment of the block BuildKit attaches to an instruction (`PrevComment`).
#[derive(Clone, Debug)]
pub(crate) struct PrevComment<'a> {
    /// The text BuildKit keeps: the line after its first byte, trimmed.
    pub(crate) text: &'a str,
    /// The comment's range (from `#`).
    pub(crate) range: TextRange,
    /// Where `text` starts in the file.
    pub(crate) text_start: usize,
}

/// The comment lines BuildKit attaches to top-level instruction `index`, in file order: those
/// since the previous instruction, after the last bare `#` line (which clears the block; blank
/// lines do not), parser directives excluded. BuildKit keeps each line minus its first byte,
/// trimmed, so a comment indented before its `#` keeps the `#` in its text.
pub(crate) fn prev_comments(model: &Model, index: usize) -> Vec<PrevComment<'_>> {
    let text = model.text();
    let items = model.file().items();
    let mut out = Vec::new();
    for item in items[..model.item_index(index)].iter().rev() {
        match &item.kind {
            ItemKind::Comment(comment) => {
                let line_start = usize::from(item.range.start());
                let content_end = usize::from(comment.range.end());
                let after = (line_start + 1).min(content_end);
                let raw = &text[after..content_end];
                let lead = raw.len() - raw.trim_start().len();
                let body = raw.trim();
                if body.is_empty() {
                    break;
                }
                out.push(PrevComment {
                    text: body,
                    range: comment.range,
                    text_start: after + lead,
                });
            }
            ItemKind::Blank | ItemKind::Bom | ItemKind::Directive(_) => {}
            ItemKind::Instruction(_) => break,
        }
    }
    out.reverse();
    out
}

/// The top-level instruction whose range (including its comment-free lines) contains `offset`.
pub(crate) fn instruction_at(model: &Model, offset: drydock_dockerfile::TextSize) -> Option<usize> {
    let items = model.file().items();
    (0..model.instruction_count()).find(|&i| {
        let item = &items[model.item_index(i)];
        item.range.contains(offset) || model.instruction(i).range.contains_inclusive(offset)
    })
}

/// Whether a stage may build on an earlier stage drydock cannot identify: its chain of
/// `FROM <stage>` ends at an image whose name has a variable drydock cannot resolve and could
/// still be a stage name (no `/`, `:` or `@`), as in `FROM base-$TARGETARCH`.
pub(crate) fn unknown_parent(model: &Model, stage: usize) -> bool {
    let Some(root) = model.root_stage(stage) else {
        return false;
    };
    match &root.base {
        Base::Invalid => true,
        Base::Image {
            reference,
            unknown: true,
        } => !reference.text.contains(['/', ':', '@']),
        _ => false,
    }
}

/// Whether `reference` is an image reference Docker accepts (`ParseNormalizedNamed` of
/// `distribution/reference`): not empty, not a 64-digit hex identifier, a lowercase repository,
/// and the `[domain[:port]/]path[:tag][@digest]` grammar with a name of at most 255 bytes.
pub(crate) fn valid_reference(reference: &str) -> bool {
    if reference.len() == 64
        && reference
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return false;
    }
    // Docker's domain split: the first component is a domain when it has `.` or `:`, is
    // `localhost`, or has an uppercase letter.
    let (domain, remainder) = match reference.find('/') {
        Some(i)
            if reference[..i].contains(['.', ':'])
                || &reference[..i] == "localhost"
                || reference[..i].to_lowercase() != reference[..i] =>
        {
            (&reference[..i], &reference[i + 1..])
        }
        _ => ("docker.io", reference),
    };
    let domain = if domain == "index.docker.io" {
        "docker.io"
    } else {
        domain
    };
    let remainder = if domain == "docker.io" && !remainder.contains('/') {
        format!("library/{remainder}")
    } else {
        remainder.to_owned()
    };
    let remote = remainder.split(':').next().unwrap_or_default();
    if remote.to_lowercase() != remote {
        return false;
    }
    let full = format!("{domain}/{remainder}");
    reference_name_len(&full).is_some_and(|len| len <= 255)
}

/// When `full` is `name[:tag][@digest]` in the grammar of `distribution/reference`
/// (`ReferenceRegexp`), the length of the name. Read by hand rather than with that regex, whose
/// compilation alone cost half a millisecond per process; the tests compare the two.
///
/// Neither the name nor the tag has an `@`, and the digest has no `@`; a `:` after the last `/`
/// can only start the tag (the name's only `:` is a port's, before its first `/`).
fn reference_name_len(full: &str) -> Option<usize> {
    let (left, digest) = match full.split_once('@') {
        Some((left, digest)) => (left, Some(digest)),
        None => (full, None),
    };
    if digest.is_some_and(|d| !is_digest(d)) {
        return None;
    }
    let last_slash = left.rfind('/');
    let (name, tag) = match left.rfind(':') {
        Some(colon) if last_slash.is_none_or(|slash| colon > slash) => {
            (&left[..colon], Some(&left[colon + 1..]))
        }
        _ => (left, None),
    };
    if tag.is_some_and(|t| !is_tag(t)) {
        return None;
    }
    // `[host[:port]/]path(/path)*`: without a host, or with one before the first `/`.
    let with_host = name.split_once('/').is_some_and(|(domain, rest)| {
        let port = domain.rsplit_once(':').is_some_and(|(host, port)| {
            !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) && is_host(host)
        });
        (port || is_host(domain)) && is_path(rest)
    });
    (with_host || is_path(name)).then_some(name.len())
}

/// `component(\.component)*` with `component` = `[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?`, or an
/// IPv6 address in brackets (`\[[a-fA-F0-9:]+\]`).
fn is_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':');
    }
    host.split('.').all(|component| {
        let bytes = component.as_bytes();
        matches!((bytes.first(), bytes.last()), (Some(a), Some(z)) if a.is_ascii_alphanumeric() && z.is_ascii_alphanumeric())
            && bytes.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
    })
}

/// `path(/path)*` with `path` = `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
fn is_path(path: &str) -> bool {
    path.split('/').all(|component| {
        let lower_alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        let bytes = component.as_bytes();
        if !bytes.first().is_some_and(|&b| lower_alnum(b))
            || !bytes.last().is_some_and(|&b| lower_alnum(b))
        {
            return false;
        }
        // Every run of separators is `.`, `_`, `__` or dashes.
        bytes
            .split(|&b| lower_alnum(b))
            .all(|run| matches!(run, b"" | b"." | b"_" | b"__") || run.iter().all(|&b| b == b'-'))
    })
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn is_tag(tag: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    (1..=128).contains(&tag.len())
        && tag.bytes().next().is_some_and(word)
        && tag.bytes().all(|b| word(b) || b == b'.' || b == b'-')
}

/// `[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}`.
fn is_digest(digest: &str) -> bool {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return false;
    };
    hex.len() >= 32
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
        && algorithm.split(['-', '_', '+', '.']).all(|part| {
            part.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
                && part.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

/// A platform as `containerd/platforms.Parse` reads a specifier (`os[(version)][/arch[/variant]]`,
/// or a lone OS or architecture), normalised (`x86_64` is `amd64`, `aarch64` is `arm64`,
/// `macos` is `darwin`). For a lone OS the architecture is the build machine's, which drydock
/// does not know (`arch` is `None`); for a lone architecture the OS is the build machine's
/// (`os` is `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Platform {
    pub(crate) os: Option<String>,
    pub(crate) arch: Option<String>,
}

const KNOWN_OS: [&str; 17] = [
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "windows",
    "zos",
];

const KNOWN_ARCH: [&str; 24] = [
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "ppc64",
    "ppc64le",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

fn normalize_os(os: &str) -> String {
    let os = os.to_lowercase();
    if os == "macos" {
        "darwin".to_owned()
    } else {
        os
    }
}

fn normalize_arch(arch: &str) -> String {
    let arch = arch.to_lowercase();
    match arch.as_str() {
        "i386" => "386".to_owned(),
        "x86_64" | "x86-64" => "amd64".to_owned(),
        "aarch64" => "arm64".to_owned(),
        "armhf" | "armel" => "arm".to_owned(),
        _ => arch,
    }
}

/// `containerd/platforms.Parse`; `None` when BuildKit could not parse the specifier.
pub(crate) fn parse_platform(specifier: &str) -> Option<Platform> {
    if specifier.contains('*') {
        return None;
    }
    let component = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    };
    let parts: Vec<&str> = specifier.splitn(4, '/').collect();
    // The first part is `os` or `os(version)`.
    let first = parts[0];
    let os_part = match first.find('(') {
        Some(open) => {
            let inner = first[open + 1..].strip_suffix(')')?;
            if !inner
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
            {
                return None;
            }
            &first[..open]
        }
        None => first,
    };
    if os_part.is_empty()
        || !os_part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
    {
        return None;
    }
    if !parts[1..].iter().all(|p| component(p)) {
        return None;
    }
    let os = normalize_os(os_part);
    match parts.len() {
        1 if KNOWN_OS.contains(&os.as_str()) => Some(Platform {
            os: Some(os),
            arch: None,
        }),
        1 => {
            let arch = normalize_arch(parts[0]);
            KNOWN_ARCH.contains(&arch.as_str()).then_some(Platform {
                os: None,
                arch: Some(arch),
            })
        }
        2 | 3 => Some(Platform {
            os: Some(os),
            arch: Some(normalize_arch(parts[1])),
        }),
        _ => None,
    }
}

/// An `EXPOSE` entry as BuildKit splits it: `[[ip:]host_port:]port[/proto]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PortSpec {
    /// The host IP (possibly `[::1]`), or empty.
    pub(crate) ip: String,
    /// The host port, or empty.
    pub(crate) host_port: String,
    /// The protocol as written, or empty.
    pub(crate) proto: String,
    /// Byte offset of the protocol in the entry.
    pub(crate) proto_start: usize,
}

/// Splits an expanded `EXPOSE` entry; `None` for an entry BuildKit rejects before its checks
/// run (no port, or a protocol other than `tcp`, `udp`, `sctp` in any case).
pub(crate) fn split_port(entry: &str) -> Option<PortSpec> {
    let parts: Vec<&str> = entry.split(':').collect();
    let n = parts.len();
    let (ip, host_port) = match n {
        1 => (String::new(), String::new()),
        2 => (String::new(), parts[0].to_owned()),
        3 => (parts[0].to_owned(), parts[1].to_owned()),
        _ => (parts[..n - 2].join(":"), parts[n - 2].to_owned()),
    };
    let container = parts[n - 1];
    let container_start = entry.len() - container.len();
    let (port, proto) = container.split_once('/').unwrap_or((container, ""));
    if port.is_empty() {
        return None;
    }
    if !matches!(proto.to_lowercase().as_str(), "" | "tcp" | "udp" | "sctp") {
        return None;
    }
    Some(PortSpec {
        ip,
        host_port,
        proto: proto.to_owned(),
        proto_start: container_start + port.len() + 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn suggestions_follow_buildkit() {
        assert_eq!(
            suggest("BULIDPLATFORM", ["BUILDPLATFORM", "TARGETOS"], true).as_deref(),
            Some("BUILDPLATFORM")
        );
        assert_eq!(
            suggest("MYARCH", ["MY_OS", "MY_ARCH"], true).as_deref(),
            Some("MY_ARCH")
        );
        assert_eq!(
            suggest(
                "DIR_ASSET",
                ["DIR_BINARIES", "DIR_ASSETS", "DIR_CONFIG"],
                true
            )
            .as_deref(),
            Some("DIR_ASSETS")
        );
        assert_eq!(suggest("version", ["tag"], true), None);
        assert_eq!(suggest("PATH", ["PATH", "PAT"], true), None);
        assert_eq!(
            suggest("jsonargsrecommended", ["JSONArgsRecommended"], false),
            None
        );
        assert_eq!(
            suggest("jsonargsrecomended", ["JSONArgsRecommended"], false).as_deref(),
            Some("jsonargsrecommended")
        );
    }

    /// The regex of `distribution/reference` (`ReferenceRegexp`), the oracle of
    /// [`reference_name_len`].
    fn reference_regex() -> &'static regex::Regex {
        static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
        RE.get_or_init(|| {
            let component = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
            let host = format!(r"(?:{component}(?:\.{component})*|\[[a-fA-F0-9:]+\])");
            let path = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
            let name = format!(r"(?:{host}(?::[0-9]+)?/)?{path}(?:/{path})*");
            let tag = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
            let digest = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
            regex::Regex::new(&format!(r"^({name})(?::{tag})?(?:@{digest})?$"))
                .unwrap_or_else(|e| unreachable!("the reference grammar is a valid regex: {e}"))
        })
    }

    fn oracle(full: &str) -> Option<usize> {
        reference_regex()
            .captures(full)
            .and_then(|c| c.get(1))
            .map(|name| name.as_str().len())
    }

    fn reference_pieces() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("a"),
            Just("Z"),
            Just("0"),
            Just("b9"),
            Just("."),
            Just("_"),
            Just("__"),
            Just("-"),
            Just("--"),
            Just("/"),
            Just(":"),
            Just("@"),
            Just("["),
            Just("]"),
            Just("+"),
            Just("::1"),
            Just("5000"),
            Just("sha256"),
            Just("localhost"),
            Just("0123456789abcdef0123456789abcdef"),
            Just("é"),
            Just(" "),
        ];
        proptest::collection::vec(piece, 0..14).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 20_000, ..ProptestConfig::default() })]

        #[test]
        fn reference_reader_matches_the_regex(full in reference_pieces()) {
            prop_assert_eq!(reference_name_len(&full), oracle(&full), "{:?}", full);
        }
    }

    /// `[host[:port]/]path[:tag][@digest]` from valid and invalid parts.
    fn structured_references() -> impl Strategy<Value = String> {
        let host = prop_oneof![
            Just(""),
            Just("localhost/"),
            Just("Reg-1.example.com/"),
            Just("[::1]/"),
            Just("reg.io:5000/"),
            Just("[fe80::1]:443/"),
            Just("-bad.io/"),
            Just("reg.io:/"),
            Just("reg..io/"),
            Just("[]/"),
        ];
        let path = proptest::collection::vec(
            prop_oneof![
                Just("alpine"),
                Just("a.b"),
                Just("a__b"),
                Just("a---b"),
                Just("a_.b"),
                Just("A"),
                Just(""),
                Just("a-"),
                Just("x1"),
            ],
            1..4,
        )
        .prop_map(|v| v.join("/"));
        let tag = prop_oneof![
            Just(""),
            Just(":3.20"),
            Just(":_x-1.0"),
            Just(":-x"),
            Just(":"),
            Just(":a/b"),
            Just(":é"),
        ];
        let digest = prop_oneof![
            Just(""),
            Just("@sha256:0123456789abcdef0123456789abcdef0123"),
            Just("@sha256+b64.v2:0123456789ABCDEF0123456789abcdef"),
            Just("@sha256:0123"),
            Just("@1sha:0123456789abcdef0123456789abcdef"),
            Just("@sha256--x:0123456789abcdef0123456789abcdef"),
        ];
        (host, path, tag, digest).prop_map(|(h, p, t, d)| format!("{h}{p}{t}{d}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 5_000, ..ProptestConfig::default() })]

        #[test]
        fn reference_reader_matches_the_regex_on_structured_references(
            full in structured_references(),
        ) {
            prop_assert_eq!(reference_name_len(&full), oracle(&full), "{:?}", full);
        }
    }

    #[test]
    fn reference_reader_matches_the_regex_on_examples() {
        let long = format!("{}:tag", "a".repeat(300));
        for full in [
            "docker.io/library/alpine:3.20",
            "localhost:5000/a/b:c",
            "[::1]:5000/app@sha256:0123456789abcdef0123456789abcdef",
            "[::1]/app",
            "[::1]:5000",
            "a/b:c/d",
            "a:1/b",
            "Host.Example-1.com/x__y--z.w:Tag_1.0-rc",
            "a___b",
            "a._b",
            "docker.io/library/x@sha256+v1.a-b_c:0123456789abcdef0123456789abcdef",
            "docker.io/library/x@sha256:0123",
            "docker.io/library/x@sha256:0123456789abcdef0123456789abcdef@x",
            "a:b:c",
            "a/",
            "/a",
            long.as_str(),
        ] {
            assert_eq!(reference_name_len(full), oracle(full), "{full}");
        }
    }

    #[test]
    fn references() {
        for ok in [
            "alpine",
            "alpine:3.20",
            "docker.io/library/alpine:3",
            "ghcr.io/owner/app@sha256:0123456789abcdef0123456789abcdef",
            "localhost:5000/app",
            "MyRegistry/app",
            "scratch",
            "busybox:stable",
            "a__b",
            "a--b",
        ] {
            assert!(valid_reference(ok), "{ok}");
        }
        for bad in [
            "",
            "busybox:",
            ":latest",
            "Ubuntu",
            "busybox:latest:x",
            "a..b",
            "-a",
            "a b",
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert!(!valid_reference(bad), "{bad}");
        }
    }

    #[test]
    fn ports() {
        let p = split_port("80/TcP").unwrap();
        assert_eq!(
            (
                p.ip.as_str(),
                p.host_port.as_str(),
                p.proto.as_str(),
                p.proto_start
            ),
            ("", "", "TcP", 3)
        );
        let p = split_port("[::1]:8080:8080").unwrap();
        assert_eq!((p.ip.as_str(), p.host_port.as_str()), ("[::1]", "8080"));
        let p = split_port("127.0.0.1:80:80/udp").unwrap();
        assert_eq!(
            (p.ip.as_str(), p.host_port.as_str(), p.proto_start),
            ("127.0.0.1", "80", 16)
        );
        assert!(split_port("80/http").is_none());
        assert!(split_port("/tcp").is_none());
    }

    #[test]
    fn platforms() {
        let p = parse_platform("linux/amd64").unwrap();
        assert_eq!(
            (p.os.as_deref(), p.arch.as_deref()),
            (Some("linux"), Some("amd64"))
        );
        let p = parse_platform("Linux/x86_64/v2").unwrap();
        assert_eq!(
            (p.os.as_deref(), p.arch.as_deref()),
            (Some("linux"), Some("amd64"))
        );
        assert_eq!(
            parse_platform("windows(10.0.17763)/amd64")
                .unwrap()
                .os
                .as_deref(),
            Some("windows")
        );
        assert_eq!(
            parse_platform("arm64").unwrap().arch.as_deref(),
            Some("arm64")
        );
        assert_eq!(parse_platform("linux").unwrap().arch, None);
        assert!(parse_platform("bogus").is_none());
        assert!(parse_platform("linux/").is_none());
        assert!(parse_platform("linux/*").is_none());
        assert!(parse_platform("a/b/c/d").is_none());
    }
}
