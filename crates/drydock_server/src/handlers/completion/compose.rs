//! Completion in compose files: keys from drydock's compose schema (not repeating the keys of
//! the mapping at the cursor), enum and well-known values (restart and pull policies,
//! capabilities, `security_opt`, `depends_on` conditions, namespaces `service:NAME`...), the
//! names of services, networks, secrets and configs where the file refers to them, and
//! variables after `${`.
//!
//! A file being typed is usually not valid YAML (`    priv` under a mapping is a syntax
//! error), so the place of the cursor in the document (its key path) is read from the text by
//! indentation, the way a block-style YAML reader would: the keys and `-` items of the lines
//! above with less indentation. Block scalars, comments, flow sequences on the cursor's line,
//! quoted keys and anchors merged with `<<: *name` are understood. The spanned YAML tree
//! (`drydock_compose::yaml`) supplies the names a file declares (services, networks...), with a
//! text scan as the fallback for what a syntax error hides from it.

use std::path::{Path, PathBuf};

use drydock_compose::interpolate::Environment;
use drydock_compose::project::{self, FileSystem, RealFs};
use drydock_compose::schema::{self, Ty, TypeDef};
use drydock_compose::{dotenv, yaml};
use drydock_dockerfile::model::Model;
use drydock_dockerfile::{Args, InstructionKind};
use drydock_linter::fix::OverlayFs;
use drydock_linter::rule::Target;

use super::{Item, Request, kind, variable_at_end, variable_insert};
use crate::session::Snapshot;

/// One step of a key path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seg {
    Key(String),
    Item,
}

/// An ancestor of the cursor: a key or `-` item, with where it was written.
#[derive(Clone, Debug)]
struct Node {
    seg: Seg,
    /// The anchor defined on a key's value (`key: &name`).
    anchor: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Inline {
    /// Nothing after `key:` (a nested block follows, or null).
    None,
    /// `|` or `>`: a block scalar follows.
    Block,
    /// A value on the same line.
    Value,
}

#[derive(Clone, Debug)]
enum TokKind {
    Dash,
    Key {
        name: String,
        inline: Inline,
        anchor: Option<String>,
        /// The text after `key:` (comment removed).
        value: String,
    },
    /// A scalar (or flow collection) that is not a key.
    Scalar(String),
}

#[derive(Clone, Debug)]
struct Tok {
    col: usize,
    kind: TokKind,
}

/// The structure of one line: indentation, then `-` items, then a key or a scalar.
#[derive(Clone, Debug)]
struct LineInfo {
    indent: usize,
    toks: Vec<Tok>,
}

fn parse_line(s: &str) -> Option<LineInfo> {
    let indent = s.len() - s.trim_start_matches(' ').len();
    let mut rest = &s[indent..];
    if rest.trim().is_empty() || rest.starts_with('#') {
        return None;
    }
    let mut col = indent;
    let mut toks = Vec::new();
    while rest == "-" || rest.starts_with("- ") || rest.starts_with("-\t") {
        toks.push(Tok {
            col,
            kind: TokKind::Dash,
        });
        let after = &rest[1..];
        let skip = 1 + (after.len() - after.trim_start().len());
        col += skip;
        rest = &rest[skip..];
    }
    if rest.is_empty() || rest.starts_with('#') {
        return Some(LineInfo { indent, toks });
    }
    match split_key(rest) {
        Some((name, after)) => {
            let (inline, anchor, value) = classify(after);
            toks.push(Tok {
                col,
                kind: TokKind::Key {
                    name,
                    inline,
                    anchor,
                    value,
                },
            });
        }
        None => toks.push(Tok {
            col,
            kind: TokKind::Scalar(strip_comment(rest).trim_end().to_owned()),
        }),
    }
    Some(LineInfo { indent, toks })
}

fn is_document_marker(line: &str) -> bool {
    line == "---" || line.starts_with("--- ") || line == "..." || line.starts_with("... ")
}

/// `key: rest` → the key (unquoted) and the text after the colon; `None` when the text does
/// not start with a key.
fn split_key(rest: &str) -> Option<(String, &str)> {
    let first = rest.chars().next()?;
    if first == '"' || first == '\'' {
        let body = &rest[1..];
        let mut close = None;
        let mut chars = body.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if first == '"' && c == '\\' {
                chars.next();
                continue;
            }
            if c == first {
                if first == '\'' && chars.peek().is_some_and(|&(_, n)| n == '\'') {
                    chars.next();
                    continue;
                }
                close = Some(i);
                break;
            }
        }
        let close = close?;
        let name = body[..close].to_owned();
        let after = body[close + 1..].trim_start_matches(' ');
        let after = after.strip_prefix(':')?;
        if !(after.is_empty() || after.starts_with([' ', '\t'])) {
            return None;
        }
        return Some((name, after.trim_start()));
    }
    if matches!(
        first,
        '[' | '{' | '&' | '*' | '!' | '|' | '>' | '%' | '@' | '`' | '#' | ',' | '?'
    ) {
        return None;
    }
    let mut prev = ' ';
    for (i, c) in rest.char_indices() {
        if c == '#' && prev.is_whitespace() {
            return None;
        }
        if c == ':' {
            let after = &rest[i + 1..];
            if after.is_empty() || after.starts_with([' ', '\t']) {
                let name = rest[..i].trim_end();
                if name.is_empty() {
                    return None;
                }
                return Some((name.to_owned(), after.trim_start()));
            }
        }
        prev = c;
    }
    None
}

/// What follows `key:`: nothing (a block or null follows), a block scalar, or a value; with the
/// anchor defined there and the value text.
fn classify(after: &str) -> (Inline, Option<String>, String) {
    let mut rest = strip_comment(after).trim();
    let mut anchor = None;
    loop {
        if let Some(a) = rest.strip_prefix('&') {
            let end = a.find(char::is_whitespace).unwrap_or(a.len());
            anchor = Some(a[..end].to_owned());
            rest = a[end..].trim_start();
        } else if rest.starts_with('!') {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            rest = rest[end..].trim_start();
        } else {
            break;
        }
    }
    let inline = if rest.is_empty() {
        Inline::None
    } else if rest.starts_with(['|', '>']) {
        Inline::Block
    } else {
        Inline::Value
    };
    (inline, anchor, rest.to_owned())
}

/// The text before a ` #` comment (outside quotes).
fn strip_comment(s: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if (c == '"' || c == '\'')
                && (prev.is_whitespace() || prev == '[' || prev == ',') =>
            {
                quote = Some(c);
            }
            None if c == '#' && prev.is_whitespace() => return &s[..i],
            None => {}
        }
        prev = c;
    }
    s
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    if s.len() >= 2
        && ((s.starts_with('"') && s.ends_with('"')) || (s.starts_with('\'') && s.ends_with('\'')))
    {
        &s[1..s.len() - 1]
    } else {
        s
    }
}

/// Whether a plain scalar would be read as something other than this string (YAML 1.1
/// booleans, which compose tools still meet) or would not parse.
fn needs_quotes(value: &str) -> bool {
    matches!(
        value,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
    ) || value.contains(": ")
        || value.contains(" #")
        || value.starts_with(['*', '&', '!', '%', '@', '`', '{', '[', '|', '>', '#'])
}

/// A value to offer.
struct Val {
    value: String,
    kind: u32,
    detail: String,
    doc: String,
}

impl Val {
    fn new(value: impl Into<String>, kind: u32, doc: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            kind,
            detail: String::new(),
            doc: doc.into(),
        }
    }

    fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

const RESTART: [(&str, &str); 4] = [
    ("no", "Never restart the container (the default)."),
    (
        "always",
        "Always restart it, also when the daemon restarts.",
    ),
    (
        "on-failure",
        "Restart it when it exits with a non-zero code; `on-failure:N` stops after N attempts.",
    ),
    (
        "unless-stopped",
        "Like `always`, except after the container was stopped by hand.",
    ),
];

const PULL_POLICY: [(&str, &str); 8] = [
    (
        "missing",
        "Pull the image only when it is not available locally (the default).",
    ),
    ("always", "Always pull the image."),
    ("never", "Never pull: the image must be available locally."),
    ("build", "Build the image, even when it is available."),
    (
        "daily",
        "Pull again when the local image is more than a day old.",
    ),
    (
        "weekly",
        "Pull again when the local image is more than a week old.",
    ),
    (
        "every_12h",
        "Pull again when the local image is older than the duration (`every_<duration>`).",
    ),
    (
        "refresh",
        "Pull again when the local image is older than `pull_refresh_after`.",
    ),
];

/// Linux capabilities (capabilities(7)), with what each allows; `true` when Docker grants it
/// by default.
const CAPABILITIES: [(&str, bool, &str); 41] = [
    ("AUDIT_CONTROL", false, "Configure kernel auditing."),
    (
        "AUDIT_READ",
        false,
        "Read the audit log through a multicast netlink socket.",
    ),
    (
        "AUDIT_WRITE",
        true,
        "Write records to the kernel audit log.",
    ),
    (
        "BLOCK_SUSPEND",
        false,
        "Prevent the system from suspending.",
    ),
    ("BPF", false, "Load BPF programs and create BPF maps."),
    (
        "CHECKPOINT_RESTORE",
        false,
        "Checkpoint and restore processes.",
    ),
    ("CHOWN", true, "Change the owner of any file."),
    (
        "DAC_OVERRIDE",
        true,
        "Bypass file read, write and execute permission checks.",
    ),
    (
        "DAC_READ_SEARCH",
        false,
        "Bypass file read and directory search checks (open files by handle: a known escape).",
    ),
    (
        "FOWNER",
        true,
        "Bypass checks that the process owns the file.",
    ),
    (
        "FSETID",
        true,
        "Keep setuid/setgid bits when modifying files.",
    ),
    ("IPC_LOCK", false, "Lock memory (mlock, huge pages)."),
    (
        "IPC_OWNER",
        false,
        "Bypass permission checks on System V IPC objects.",
    ),
    ("KILL", true, "Send signals to any process."),
    ("LEASE", false, "Take leases on any file."),
    (
        "LINUX_IMMUTABLE",
        false,
        "Set the immutable and append-only file attributes.",
    ),
    (
        "MAC_ADMIN",
        false,
        "Configure mandatory access control (AppArmor, SELinux, Smack).",
    ),
    ("MAC_OVERRIDE", false, "Override mandatory access control."),
    ("MKNOD", true, "Create device files."),
    (
        "NET_ADMIN",
        false,
        "Configure interfaces, routing, firewall rules and other network settings.",
    ),
    ("NET_BIND_SERVICE", true, "Bind to ports below 1024."),
    (
        "NET_BROADCAST",
        false,
        "Send broadcasts and listen to multicast.",
    ),
    (
        "NET_RAW",
        true,
        "Use raw and packet sockets (ping; also ARP and DNS spoofing).",
    ),
    (
        "PERFMON",
        false,
        "Use performance monitoring (perf_event_open).",
    ),
    ("SETFCAP", true, "Set file capabilities."),
    ("SETGID", true, "Change group IDs."),
    ("SETPCAP", true, "Change process capabilities."),
    ("SETUID", true, "Change user IDs."),
    (
        "SYS_ADMIN",
        false,
        "Mounts, namespaces and many other administrative operations: close to root on the host.",
    ),
    ("SYS_BOOT", false, "Reboot the system and load new kernels."),
    ("SYS_CHROOT", true, "Use chroot."),
    (
        "SYS_MODULE",
        false,
        "Load and unload kernel modules: root on the host.",
    ),
    (
        "SYS_NICE",
        false,
        "Raise process priorities and set real-time scheduling.",
    ),
    ("SYS_PACCT", false, "Configure process accounting."),
    (
        "SYS_PTRACE",
        false,
        "Trace and inspect any process (debuggers).",
    ),
    (
        "SYS_RAWIO",
        false,
        "Raw I/O on devices and ports: can compromise the host.",
    ),
    ("SYS_RESOURCE", false, "Override resource limits."),
    (
        "SYS_TIME",
        false,
        "Set the system clock (shared with the host).",
    ),
    ("SYS_TTY_CONFIG", false, "Configure terminals."),
    (
        "SYSLOG",
        false,
        "Use privileged syslog operations and read kernel addresses.",
    ),
    ("WAKE_ALARM", false, "Set timers that wake the system up."),
];

const SECURITY_OPT: [(&str, &str); 4] = [
    (
        "no-new-privileges:true",
        "Processes cannot gain privileges through setuid binaries or file capabilities (recommended).",
    ),
    (
        "seccomp=",
        "A seccomp profile (JSON file) to use instead of Docker's default one.",
    ),
    (
        "apparmor=",
        "The AppArmor profile that confines the container.",
    ),
    (
        "label=",
        "SELinux labels: `label=user:USER`, `label=role:ROLE`, `label=type:TYPE`, `label=level:LEVEL`.",
    ),
];

/// Resource limits (`ulimit -a` names Docker accepts).
const ULIMITS: [&str; 15] = [
    "nofile",
    "nproc",
    "core",
    "memlock",
    "stack",
    "cpu",
    "fsize",
    "data",
    "rss",
    "as",
    "locks",
    "sigpending",
    "msgqueue",
    "nice",
    "rtprio",
];

const PLATFORMS: [&str; 8] = [
    "linux/amd64",
    "linux/arm64",
    "linux/arm/v7",
    "linux/arm/v6",
    "linux/386",
    "linux/ppc64le",
    "linux/s390x",
    "linux/riscv64",
];

/// Whether `path` matches `pattern`: `.`-separated keys, `*` for any key, `[]` for an item.
fn path_is(path: &[Seg], pattern: &str) -> bool {
    let parts: Vec<&str> = pattern.split('.').collect();
    parts.len() == path.len()
        && parts.iter().zip(path).all(|(p, s)| match (s, *p) {
            (Seg::Item, "[]") => true,
            (Seg::Key(_), "*") => true,
            (Seg::Key(k), p) => k == p,
            (Seg::Item, _) => false,
        })
}

// --- the schema ------------------------------------------------------------------------------

fn flatten(ty: &Ty, out: &mut Vec<Ty>, depth: usize) {
    if depth > 16 {
        return;
    }
    match ty {
        Ty::Union(ts) => {
            for t in ts {
                flatten(t, out, depth + 1);
            }
        }
        Ty::Named(n) => match schema::schema().types.get(n) {
            Some(TypeDef::Alias(inner)) => flatten(inner, out, depth + 1),
            Some(TypeDef::Object { .. }) => out.push(ty.clone()),
            None => {}
        },
        other => out.push(other.clone()),
    }
}

/// The possible types of the value at `path` (unions and aliases flattened).
fn types_at(path: &[Seg]) -> Vec<Ty> {
    let schema = schema::schema();
    let mut current = vec![Ty::Named("top".into())];
    for seg in path {
        let mut alts = Vec::new();
        for t in &current {
            flatten(t, &mut alts, 0);
        }
        let mut next = Vec::new();
        for alt in alts {
            match (seg, alt) {
                (Seg::Key(k), Ty::Named(n)) => {
                    if let Some(TypeDef::Object { fields, keys, .. }) = schema.types.get(&n) {
                        if let Some(f) = fields.iter().find(|f| f.name == *k) {
                            next.push(f.ty.clone());
                        } else if let Some(kt) = keys {
                            next.push(kt.clone());
                        }
                    }
                }
                (Seg::Key(_), Ty::Map(inner)) | (Seg::Item, Ty::List(inner)) => next.push(*inner),
                _ => {}
            }
        }
        current = next;
    }
    let mut out = Vec::new();
    for t in &current {
        flatten(t, &mut out, 0);
    }
    out
}

/// The fields of the object types among `types`.
fn fields_of(types: &[Ty]) -> Vec<&'static schema::Field> {
    let schema = schema::schema();
    let mut out: Vec<&'static schema::Field> = Vec::new();
    for t in types {
        if let Ty::Named(n) = t
            && let Some(TypeDef::Object { fields, .. }) = schema.types.get(n)
        {
            for f in fields {
                if !out.iter().any(|o| o.name == f.name) {
                    out.push(f);
                }
            }
        }
    }
    out
}

/// How a key's value is usually written: a block mapping, a block list, or a scalar.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Mapping,
    List,
    Scalar,
}

fn shape(ty: &Ty) -> Shape {
    let mut alts = Vec::new();
    flatten(ty, &mut alts, 0);
    let alts: Vec<&Ty> = alts.iter().filter(|t| **t != Ty::Null).collect();
    if alts.is_empty() {
        return Shape::Scalar;
    }
    if alts.iter().all(|t| matches!(t, Ty::List(_))) {
        return Shape::List;
    }
    if alts
        .iter()
        .all(|t| matches!(t, Ty::List(_) | Ty::Map(_) | Ty::Named(_)))
    {
        return Shape::Mapping;
    }
    Shape::Scalar
}

fn render_ty(ty: &Ty) -> String {
    match ty {
        Ty::String => "string".into(),
        Ty::Number => "number".into(),
        Ty::Integer => "integer".into(),
        Ty::Boolean => "boolean".into(),
        Ty::Null => "null".into(),
        Ty::Any => "any".into(),
        Ty::List(t) => format!("list({})", render_ty(t)),
        Ty::Map(t) => format!("map({})", render_ty(t)),
        Ty::Enum(vs) => vs.join(" | "),
        Ty::Named(n) => n.clone(),
        Ty::Union(ts) => ts.iter().map(render_ty).collect::<Vec<_>>().join(" | "),
    }
}

// --- the request -----------------------------------------------------------------------------

struct Cx<'a> {
    snapshot: &'a Snapshot,
    req: &'a Request<'a>,
    /// Each line's content (terminators removed).
    lines: Vec<&'a str>,
    line_no: usize,
    tree: yaml::Document,
}

/// The completions at the request's cursor.
pub(super) fn complete(snapshot: &Snapshot, req: &Request<'_>) -> Vec<Item> {
    let text = req.text();
    let index = &req.doc.index;
    let mut lines: Vec<&str> = (0..index.line_count())
        .map(|n| index.line_range(n).map_or("", |r| &text[r]))
        .collect();
    if let Some(first) = lines.first_mut() {
        *first = first.strip_prefix('\u{feff}').unwrap_or(first);
    }
    let line_no = index.line_of(drydock_text::size(req.offset));
    let cx = Cx {
        snapshot,
        req,
        lines,
        line_no,
        tree: yaml::parse(text),
    };
    cx.run()
}

/// What the cursor's line holds before the cursor.
struct CursorLine<'a> {
    indent: usize,
    /// Columns of the `-` items.
    dashes: Vec<usize>,
    /// The text after the items (a key, `key: value`, or a scalar), up to the cursor.
    rest: &'a str,
}

fn cursor_line(before: &str) -> CursorLine<'_> {
    let indent = before.len() - before.trim_start_matches(' ').len();
    let mut rest = &before[indent..];
    let mut col = indent;
    let mut dashes = Vec::new();
    while rest.starts_with("- ") || rest.starts_with("-\t") {
        dashes.push(col);
        let after = &rest[1..];
        let skip = 1 + (after.len() - after.trim_start().len());
        col += skip;
        rest = &rest[skip..];
    }
    CursorLine {
        indent,
        dashes,
        rest,
    }
}

fn in_comment(before: &str) -> bool {
    strip_comment(before).len() != before.len() || before.trim_start().starts_with('#')
}

impl Cx<'_> {
    fn run(&self) -> Vec<Item> {
        let req = self.req;
        let before = req.before();
        let before = before.strip_prefix('\u{feff}').unwrap_or(before);
        if in_comment(before) {
            let code = strip_comment(before).len();
            return super::pragma(req, &before[code..], Target::Compose);
        }
        if let Some((name_start, braced)) = variable_at_end(before, None) {
            return self.variables(req.line_start() + name_start, braced);
        }
        let line = cursor_line(before);
        if line.rest == "-" {
            // `-` typed, no space yet: nothing to offer until the item starts.
            return Vec::new();
        }
        // The mapping or sequence the cursor's line belongs to.
        let (first_col, dash) = match line.dashes.first() {
            Some(&d) => (d, true),
            None => (line.indent, false),
        };
        let Some(mut nodes) = self.ancestors(self.line_no, first_col, dash) else {
            return Vec::new();
        };
        nodes.extend(line.dashes.iter().map(|_| Node {
            seg: Seg::Item,
            anchor: None,
        }));
        let path = self.resolve_anchors(&nodes);
        let rest = line.rest;
        let key_col = before.len() - rest.len();
        if let Some((key, value)) = split_key(rest) {
            // `key: value` typed: the cursor is in the value (right after the colon is too
            // early: the space comes first).
            if value.is_empty() && rest.ends_with(':') {
                return Vec::new();
            }
            let mut path = path;
            path.push(Seg::Key(key));
            return self.value_items(&path, value, None);
        }
        if rest.contains(char::is_whitespace) || rest.contains(':') {
            return Vec::new();
        }
        let mut out = Vec::new();
        if let Some(&dash) = line.dashes.last() {
            // `- x`: a scalar item, or the first key of a mapping item.
            out.extend(self.value_items(&path, rest, Some(dash)));
        }
        if !rest.starts_with(['"', '\'']) {
            out.extend(self.key_items(&path, rest, key_col, !line.dashes.is_empty()));
        }
        out
    }

    fn line(&self, n: usize) -> &str {
        self.lines.get(n).copied().unwrap_or("")
    }

    /// The keys and items enclosing a node that starts at `col` on line `line_no` (outermost
    /// first). `None` when that place is inside a scalar (a block scalar, a plain scalar going
    /// on over several lines).
    fn ancestors(&self, line_no: usize, col: usize, dash: bool) -> Option<Vec<Node>> {
        let mut out = Vec::new();
        let mut threshold = col;
        let mut child_dash = dash;
        if threshold == 0 && !child_dash {
            return Some(out);
        }
        for n in (0..line_no).rev() {
            let s = self.line(n);
            if is_document_marker(s) {
                break;
            }
            let Some(info) = parse_line(s) else { continue };
            if info.indent > threshold {
                continue;
            }
            let ancestor = info.toks.iter().rposition(|t| {
                t.col < threshold
                    || (t.col == threshold
                        && child_dash
                        && matches!(
                            &t.kind,
                            TokKind::Key {
                                inline: Inline::None,
                                ..
                            }
                        ))
            });
            let Some(a) = ancestor else { continue };
            match &info.toks[a].kind {
                TokKind::Key {
                    inline: Inline::Value | Inline::Block,
                    ..
                }
                | TokKind::Scalar(_) => return None,
                _ => {}
            }
            for t in info.toks[..=a].iter().rev() {
                out.push(match &t.kind {
                    TokKind::Key { name, anchor, .. } => Node {
                        seg: Seg::Key(name.clone()),
                        anchor: anchor.clone(),
                    },
                    _ => Node {
                        seg: Seg::Item,
                        anchor: None,
                    },
                });
            }
            threshold = info.indent;
            child_dash = matches!(info.toks.first().map(|t| &t.kind), Some(TokKind::Dash));
            if threshold == 0 && !child_dash {
                break;
            }
        }
        out.reverse();
        Some(out)
    }

    /// The schema path of `nodes`. A mapping under an extension key (`x-defaults: &d`) that a
    /// service merges (`<<: *d`) takes the path of the mapping that merges it.
    fn resolve_anchors(&self, nodes: &[Node]) -> Vec<Seg> {
        let path: Vec<Seg> = nodes.iter().map(|n| n.seg.clone()).collect();
        let extension = matches!(path.first(), Some(Seg::Key(k)) if k.starts_with("x-"));
        if !extension {
            return path;
        }
        for (i, node) in nodes.iter().enumerate().rev() {
            let Some(anchor) = &node.anchor else { continue };
            let alias = format!("*{anchor}");
            for (n, s) in self.lines.iter().enumerate() {
                let Some(info) = parse_line(s) else { continue };
                let Some(Tok {
                    col,
                    kind: TokKind::Key { name, value, .. },
                }) = info.toks.last()
                else {
                    continue;
                };
                let merges = name == "<<"
                    && value
                        .trim_matches(['[', ']'])
                        .split(',')
                        .any(|v| v.trim() == alias);
                if !merges {
                    continue;
                }
                let dash = info.toks.len() > 1;
                let (start_col, lead) = if dash {
                    (info.toks[0].col, info.toks.len() - 1)
                } else {
                    (*col, 0)
                };
                if let Some(mut target) = self.ancestors(n, start_col, dash) {
                    target.extend((0..lead).map(|_| Node {
                        seg: Seg::Item,
                        anchor: None,
                    }));
                    let mut out: Vec<Seg> = target.into_iter().map(|t| t.seg).collect();
                    if matches!(out.first(), Some(Seg::Key(k)) if k.starts_with("x-")) {
                        continue;
                    }
                    out.extend(path[i + 1..].iter().cloned());
                    return out;
                }
            }
        }
        path
    }

    /// Keys written in the mapping whose keys start at `col` around the cursor's line.
    fn present_keys(&self, col: usize) -> Vec<String> {
        let mut out = Vec::new();
        let visit = |n: usize, out: &mut Vec<String>| -> bool {
            let s = self.line(n);
            if is_document_marker(s) {
                return false;
            }
            let Some(info) = parse_line(s) else {
                return true;
            };
            if info.indent > col {
                return true;
            }
            // The key at `col`: first on its line, or after the `-` that starts the item
            // (then the mapping starts there).
            if let Some(Tok {
                kind: TokKind::Key { name, .. },
                ..
            }) = info.toks.iter().find(|t| t.col == col)
            {
                out.push(name.clone());
            }
            info.indent == col
        };
        for n in (0..self.line_no).rev() {
            if !visit(n, &mut out) {
                break;
            }
        }
        for n in self.line_no + 1..self.lines.len() {
            let s = self.line(n);
            // Going down, a line with less indentation ends the mapping (even a `- key:`).
            if parse_line(s).is_some_and(|i| i.indent < col) {
                break;
            }
            if !visit(n, &mut out) {
                break;
            }
        }
        out
    }

    /// Scalars of the sequence whose `-` items are at `col`, around the cursor's line.
    fn present_items(&self, col: usize) -> Vec<String> {
        let mut out = Vec::new();
        let visit = |n: usize, out: &mut Vec<String>| -> bool {
            let Some(info) = parse_line(self.line(n)) else {
                return true;
            };
            if info.indent > col {
                return true;
            }
            if info.indent < col || !matches!(info.toks[0].kind, TokKind::Dash) {
                return false;
            }
            if let Some(TokKind::Scalar(v)) = info.toks.get(1).map(|t| &t.kind) {
                out.push(unquote(v).to_owned());
            }
            true
        };
        for n in (0..self.line_no).rev() {
            if !visit(n, &mut out) {
                break;
            }
        }
        for n in self.line_no + 1..self.lines.len() {
            if !visit(n, &mut out) {
                break;
            }
        }
        out
    }

    // --- names the project declares -----------------------------------------------------------

    /// Keys of the top-level mapping `section` (`services`, `networks`...), from the YAML tree
    /// and, for what a syntax error hides from it, from the text.
    fn declared(&self, section: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if let Some(entries) = self
            .tree
            .root
            .as_ref()
            .and_then(|r| r.get(section))
            .and_then(yaml::Node::as_mapping)
        {
            out.extend(
                entries
                    .iter()
                    .filter_map(|(k, _)| k.as_str().map(str::to_owned)),
            );
        }
        let mut child_col = None;
        let mut inside = false;
        for (n, s) in self.lines.iter().enumerate() {
            if n == self.line_no {
                continue;
            }
            let Some(info) = parse_line(s) else { continue };
            if info.indent == 0 {
                inside = matches!(&info.toks[0].kind, TokKind::Key { name, inline: Inline::None, .. } if name == section);
                child_col = None;
                continue;
            }
            if !inside {
                continue;
            }
            let col = *child_col.get_or_insert(info.indent);
            if info.indent == col
                && let TokKind::Key { name, .. } = &info.toks[0].kind
                && !out.contains(name)
                && !name.starts_with("x-")
                && name != "<<"
            {
                out.push(name.clone());
            }
        }
        out
    }

    /// Services of this file and of the other files of its project (the base file of an
    /// override, and the reverse), open buffers winning.
    fn services(&self) -> Vec<String> {
        let mut out = self.declared("services");
        let Some(path) = &self.req.doc.path else {
            return out;
        };
        let fs = OverlayFs {
            base: &RealFs,
            files: self.snapshot.open_files(),
        };
        let (files, _) = project::project_files(path, &fs);
        let mut others: Vec<PathBuf> = files;
        // An override file names the base's services, and the base the override's.
        if let Some(dir) = path.parent() {
            for name in [
                "compose.yaml",
                "compose.yml",
                "docker-compose.yaml",
                "docker-compose.yml",
                "compose.override.yaml",
                "compose.override.yml",
                "docker-compose.override.yaml",
                "docker-compose.override.yml",
            ] {
                let p = dir.join(name);
                if !others.contains(&p) && fs.is_file(&p) {
                    others.push(p);
                }
            }
        }
        for other in others.iter().filter(|p| p.as_path() != path.as_path()) {
            let Ok(bytes) = fs.read(other) else { continue };
            let text = String::from_utf8_lossy(&bytes);
            let doc = yaml::parse(&text);
            if let Some(entries) = doc
                .root
                .as_ref()
                .and_then(|r| r.get("services"))
                .and_then(yaml::Node::as_mapping)
            {
                for (k, _) in entries {
                    if let Some(name) = k.as_str()
                        && !out.iter().any(|o| o == name)
                    {
                        out.push(name.to_owned());
                    }
                }
            }
        }
        out
    }

    /// The Dockerfile the service at `path` builds (its `build` context and `dockerfile`, by
    /// default `./Dockerfile`), when it is inside the workspace; an open buffer wins.
    fn build_dockerfile(&self, path: &[Seg]) -> Option<Model> {
        let service = self_service(path)?;
        let doc_path = self.req.doc.path.as_ref()?;
        let dir = doc_path.parent()?;
        let build = self
            .tree
            .root
            .as_ref()
            .and_then(|r| r.get("services"))
            .and_then(|s| s.get(service))
            .and_then(|s| s.get("build"));
        let (context, dockerfile) = match build {
            Some(node) => match node.as_str() {
                Some(context) => (context, "Dockerfile"),
                None => (
                    node.get("context")
                        .and_then(yaml::Node::as_str)
                        .unwrap_or("."),
                    node.get("dockerfile")
                        .and_then(yaml::Node::as_str)
                        .unwrap_or("Dockerfile"),
                ),
            },
            None => (".", "Dockerfile"),
        };
        let remote = |s: &str| s.contains("://") || s.starts_with("git@") || s.contains('$');
        if remote(context) || remote(dockerfile) {
            return None;
        }
        let file = project::normalize(&dir.join(context).join(dockerfile));
        let root = self.snapshot.root_of(doc_path).unwrap_or(dir);
        if !file.starts_with(root) {
            return None;
        }
        let fs = OverlayFs {
            base: &RealFs,
            files: self.snapshot.open_files(),
        };
        let bytes = fs.read(&file).ok()?;
        Some(Model::new(drydock_dockerfile::parse(
            drydock_dockerfile::SourceText::from_bytes(bytes),
        )))
    }

    /// The `ARG`s the service's Dockerfile declares, in order.
    fn build_args(&self, path: &[Seg]) -> Vec<String> {
        let Some(model) = self.build_dockerfile(path) else {
            return Vec::new();
        };
        let mut out: Vec<String> = Vec::new();
        for (_, ins) in model.instructions_of(InstructionKind::Arg) {
            if let Args::Arg(decls) = &ins.args {
                for decl in decls {
                    if !out.contains(&decl.name.text) {
                        out.push(decl.name.text.clone());
                    }
                }
            }
        }
        out
    }

    // --- keys ------------------------------------------------------------------------------------

    fn key_items(&self, path: &[Seg], partial: &str, col: usize, first_in_item: bool) -> Vec<Item> {
        let req = self.req;
        let start = req.offset - partial.len();
        let range = req.range(start, req.word_end(|c| !c.is_whitespace() && c != ':'));
        let colon_follows = req.text()[usize::from(range.end())..].starts_with(':');
        let present = if first_in_item {
            self.present_keys_from(col)
        } else {
            self.present_keys(col)
        };
        let unit = self.indent_unit();
        let mut out = Vec::new();
        // Maps whose keys are names: of services, networks, limits, build arguments.
        let names: Option<(Vec<String>, &str)> = if path_is(path, "services.*.depends_on") {
            let me = self_service(path);
            Some((
                self.services()
                    .into_iter()
                    .filter(|s| Some(s.as_str()) != me)
                    .collect(),
                "service",
            ))
        } else if path_is(path, "services.*.networks") {
            Some((self.declared("networks"), "network"))
        } else if path_is(path, "services.*.ulimits") || path_is(path, "services.*.build.ulimits") {
            Some((ULIMITS.iter().map(|s| (*s).to_owned()).collect(), "ulimit"))
        } else if path_is(path, "services.*.build.args") {
            Some((self.build_args(path), "build argument"))
        } else {
            None
        };
        if let Some((names, what)) = names {
            for name in names.iter().filter(|n| !present.contains(n)) {
                let kind = if what == "ulimit" {
                    kind::PROPERTY
                } else {
                    kind::REFERENCE
                };
                let mut item = Item::new(name, kind, range).detail(what);
                item = match what {
                    _ if colon_follows => item.insert(name),
                    "service" if req.snippets => item.snippet(format!(
                        "{}:\n{unit}condition: ${{1:service_healthy}}$0",
                        snippet_escape(name)
                    )),
                    "service" | "network" => item.insert(format!("{name}:")),
                    _ => item.insert(format!("{name}: ")),
                };
                out.push(item);
            }
            return out;
        }
        let types = types_at(path);
        for field in fields_of(&types) {
            if present.contains(&field.name) {
                continue;
            }
            let mut item = Item::new(&field.name, kind::PROPERTY, range)
                .detail(render_ty(&field.ty))
                .doc(&field.doc);
            item = if colon_follows {
                item.insert(&field.name)
            } else {
                match (shape(&field.ty), req.snippets) {
                    (Shape::Mapping, true) => item.snippet(format!("{}:\n{unit}$0", field.name)),
                    (Shape::List, true) => item.snippet(format!("{}:\n{unit}- $0", field.name)),
                    _ => item.insert(format!("{}: ", field.name)),
                }
            };
            if field.name == "version" && path.is_empty() {
                item = item.deprecated();
            }
            out.push(item);
        }
        // Obsolete keys last.
        out.sort_by_key(|i| i.deprecated);
        out
    }

    /// Keys of a mapping item whose first key is on its `-` line, at `col`.
    fn present_keys_from(&self, col: usize) -> Vec<String> {
        let mut out = Vec::new();
        for n in self.line_no + 1..self.lines.len() {
            let Some(info) = parse_line(self.line(n)) else {
                continue;
            };
            if info.indent < col {
                break;
            }
            if info.indent == col
                && let TokKind::Key { name, .. } = &info.toks[0].kind
            {
                out.push(name.clone());
            }
        }
        out
    }

    /// The indentation step of the file (2 unless it uses another).
    fn indent_unit(&self) -> String {
        let unit = self
            .lines
            .iter()
            .filter_map(|s| parse_line(s))
            .map(|i| i.indent)
            .filter(|&i| i > 0)
            .min()
            .unwrap_or(2)
            .min(8);
        " ".repeat(unit)
    }

    // --- values ----------------------------------------------------------------------------------

    /// Values for the node at `path`, from what is typed after `key: ` or `- `.
    /// `dash` is the column of the `-` when the value is a block sequence item.
    fn value_items(&self, path: &[Seg], value: &str, dash: Option<usize>) -> Vec<Item> {
        let req = self.req;
        let mut value = value;
        let mut path = path.to_vec();
        let mut present: Vec<String> = dash.map(|d| self.present_items(d)).unwrap_or_default();
        // Anchors and tags before the value.
        loop {
            let trimmed = value.trim_start();
            if (trimmed.starts_with('&') || trimmed.starts_with('!')) && trimmed.contains(' ') {
                let end = trimmed.find(' ').unwrap_or(trimmed.len());
                value = trimmed[end..].trim_start();
            } else {
                break;
            }
        }
        if value.starts_with(['*', '|', '>', '{']) {
            return Vec::new();
        }
        if let Some(flow) = value.strip_prefix('[') {
            // A flow sequence on this line: the item being typed.
            if flow.contains([']', '[', '{']) {
                return Vec::new();
            }
            let start = flow.rfind(',').map_or(0, |i| i + 1);
            present = flow[..start]
                .split(',')
                .map(|v| unquote(v).to_owned())
                .collect();
            value = flow[start..].trim_start();
            path.push(Seg::Item);
        }
        let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'');
        let start = req.offset - value.len();
        let range = req.range(
            start,
            req.word_end(|c| !c.is_whitespace() && !matches!(c, ',' | ']' | '}' | '#')),
        );
        self.values(&path)
            .into_iter()
            .filter(|v| !present.contains(&v.value))
            .map(|v| {
                let (insert, filter) = match quote {
                    Some(q) => {
                        let quoted = format!("{q}{}{q}", v.value);
                        (quoted.clone(), Some(quoted))
                    }
                    None if needs_quotes(&v.value) => (format!("\"{}\"", v.value), None),
                    None => (v.value.clone(), None),
                };
                let mut item = Item::new(&v.value, v.kind, range)
                    .insert(insert)
                    .detail(v.detail)
                    .doc(v.doc);
                if let Some(f) = filter {
                    item = item.filter(f);
                }
                item
            })
            .collect()
    }

    fn values(&self, path: &[Seg]) -> Vec<Val> {
        let mut out: Vec<Val> = Vec::new();
        let enums = |list: &[(&str, &str)]| -> Vec<Val> {
            list.iter()
                .map(|(v, d)| Val::new(*v, kind::ENUM_MEMBER, *d))
                .collect()
        };
        let me = self_service(path);
        let others = || -> Vec<String> {
            self.services()
                .into_iter()
                .filter(|s| Some(s.as_str()) != me)
                .collect()
        };
        let services = |out: &mut Vec<Val>| {
            for s in others() {
                out.push(Val::new(s, kind::REFERENCE, "").detail("service"));
            }
        };
        let namespace = |out: &mut Vec<Val>, modes: &[(&str, &str)]| {
            out.extend(enums(modes));
            for s in others() {
                out.push(
                    Val::new(
                        format!("service:{s}"),
                        kind::REFERENCE,
                        format!("Share the namespace of service `{s}`."),
                    )
                    .detail("service"),
                );
            }
            out.push(Val::new(
                "container:",
                kind::ENUM_MEMBER,
                "Share the namespace of a container by name or ID.",
            ));
        };
        let declared = |out: &mut Vec<Val>, section: &str, what: &str| {
            for n in self.declared(section) {
                out.push(Val::new(n, kind::REFERENCE, "").detail(what));
            }
        };
        if path_is(path, "services.*.restart") {
            out.extend(enums(&RESTART));
        } else if path_is(path, "services.*.pull_policy") {
            out.extend(enums(&PULL_POLICY));
        } else if path_is(path, "services.*.cap_add.[]") || path_is(path, "services.*.cap_drop.[]")
        {
            if path_is(path, "services.*.cap_drop.[]") {
                out.push(Val::new(
                    "ALL",
                    kind::CONSTANT,
                    "Every capability: drop all, then add back only what the service needs.",
                ));
            }
            for (cap, default, doc) in CAPABILITIES {
                let detail = if default { "default" } else { "" };
                out.push(Val::new(cap, kind::CONSTANT, doc).detail(detail));
            }
        } else if path_is(path, "services.*.security_opt.[]") {
            out.extend(enums(&SECURITY_OPT));
        } else if path_is(path, "services.*.depends_on.[]")
            || path_is(path, "services.*.links.[]")
            || path_is(path, "services.*.volumes_from.[]")
            || path_is(path, "services.*.extends")
            || path_is(path, "services.*.extends.service")
        {
            services(&mut out);
        } else if path_is(path, "services.*.network_mode") {
            namespace(
                &mut out,
                &[
                    ("bridge", "The default bridge network."),
                    ("host", "The host's network stack: no network isolation."),
                    ("none", "No networking."),
                ],
            );
        } else if path_is(path, "services.*.pid") {
            namespace(
                &mut out,
                &[(
                    "host",
                    "The host's process table: the container sees and can signal host processes.",
                )],
            );
        } else if path_is(path, "services.*.ipc") {
            namespace(
                &mut out,
                &[
                    ("private", "Its own IPC namespace, not shareable."),
                    (
                        "shareable",
                        "Its own IPC namespace, which other containers may join.",
                    ),
                    ("host", "The host's IPC namespace and shared memory."),
                ],
            );
        } else if path_is(path, "services.*.networks.[]") {
            declared(&mut out, "networks", "network");
        } else if path_is(path, "services.*.secrets.[]")
            || path_is(path, "services.*.secrets.[].source")
            || path_is(path, "services.*.build.secrets.[]")
            || path_is(path, "services.*.build.secrets.[].source")
        {
            declared(&mut out, "secrets", "secret");
        } else if path_is(path, "services.*.configs.[]")
            || path_is(path, "services.*.configs.[].source")
        {
            declared(&mut out, "configs", "config");
        } else if path_is(path, "services.*.deploy.restart_policy.condition") {
            out.extend(enums(&[
                ("any", "Restart whatever the exit (the default)."),
                ("on-failure", "Restart after a non-zero exit."),
                ("none", "Never restart."),
            ]));
        } else if path_is(path, "services.*.deploy.mode") {
            out.extend(enums(&[
                ("replicated", "A set number of containers (the default)."),
                ("global", "One container per node."),
                (
                    "replicated-job",
                    "A set number of containers that run to completion.",
                ),
                ("global-job", "One container per node, run to completion."),
            ]));
        } else if path_is(path, "services.*.deploy.endpoint_mode") {
            out.extend(enums(&[
                (
                    "vip",
                    "A virtual IP in front of the containers (the default).",
                ),
                ("dnsrr", "DNS round-robin over the containers' addresses."),
            ]));
        } else if path_is(path, "services.*.deploy.update_config.failure_action") {
            out.extend(enums(&[
                ("pause", "Pause the update (the default)."),
                ("continue", "Carry on with the update."),
                ("rollback", "Roll back to the previous version."),
            ]));
        } else if path_is(path, "services.*.deploy.rollback_config.failure_action") {
            out.extend(enums(&[
                ("pause", "Pause the rollback (the default)."),
                ("continue", "Carry on with the rollback."),
            ]));
        } else if path_is(path, "services.*.ports.[].protocol") {
            out.extend(enums(&[("tcp", "TCP (the default)."), ("udp", "UDP.")]));
        } else if path_is(path, "services.*.ports.[].mode") {
            out.extend(enums(&[
                ("ingress", "Load-balanced across the swarm (the default)."),
                ("host", "Published on each node directly."),
            ]));
        } else if path_is(path, "services.*.logging.driver") {
            for d in [
                "json-file",
                "local",
                "journald",
                "syslog",
                "gelf",
                "fluentd",
                "awslogs",
                "splunk",
                "gcplogs",
                "etwlogs",
                "none",
            ] {
                out.push(Val::new(d, kind::ENUM_MEMBER, ""));
            }
        } else if path_is(path, "networks.*.driver") {
            for d in ["bridge", "overlay", "macvlan", "ipvlan", "host", "none"] {
                out.push(Val::new(d, kind::ENUM_MEMBER, ""));
            }
        } else if path_is(path, "services.*.volumes.[].bind.propagation") {
            for d in [
                "rprivate", "private", "rshared", "shared", "rslave", "slave",
            ] {
                out.push(Val::new(d, kind::ENUM_MEMBER, ""));
            }
        } else if path_is(path, "services.*.build.network") {
            out.extend(enums(&[
                ("default", "The default build network."),
                ("none", "No network during the build."),
                (
                    "host",
                    "The host's network (needs the `network.host` entitlement).",
                ),
            ]));
        } else if path_is(path, "services.*.platform")
            || path_is(path, "services.*.build.platforms.[]")
        {
            for p in PLATFORMS {
                out.push(Val::new(p, kind::ENUM_MEMBER, ""));
            }
        } else if path_is(path, "services.*.healthcheck.test.[]") {
            out.extend(enums(&[
                (
                    "CMD",
                    "Run the rest of the list as the command, without a shell.",
                ),
                ("CMD-SHELL", "Run the next item with the container's shell."),
                ("NONE", "Turn off the healthcheck."),
            ]));
        } else if path_is(path, "services.*.build.target") {
            if let Some(model) = self.build_dockerfile(path) {
                for stage in model.stages() {
                    if let Some(name) = &stage.name {
                        let image = stage.image.as_ref().map_or("", |w| w.text.as_str());
                        out.push(
                            Val::new(&name.text, kind::REFERENCE, format!("FROM {image}"))
                                .detail(format!("stage {}", stage.index)),
                        );
                    }
                }
            }
        } else if path_is(path, "services.*.build.args.[]") {
            for name in self.build_args(path) {
                out.push(
                    Val::new(format!("{name}="), kind::REFERENCE, "").detail("build argument"),
                );
            }
        } else if path_is(path, "services.*.stop_signal") {
            for s in [
                "SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGKILL",
            ] {
                out.push(Val::new(s, kind::ENUM_MEMBER, ""));
            }
        }
        // Enumerations and booleans of the schema.
        for ty in types_at(path) {
            match ty {
                Ty::Enum(values) => {
                    for v in values {
                        if !out.iter().any(|o| o.value == v) {
                            out.push(Val::new(v, kind::ENUM_MEMBER, ""));
                        }
                    }
                }
                Ty::Boolean => {
                    for v in ["true", "false"] {
                        if !out.iter().any(|o| o.value == v) {
                            out.push(Val::new(v, kind::VALUE, ""));
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    // --- interpolation -------------------------------------------------------------------------

    /// `${NAME` or `$NAME` in a value: the project's `.env` variables, then names used elsewhere
    /// in the file.
    fn variables(&self, start: usize, braced: bool) -> Vec<Item> {
        let req = self.req;
        let end = req.word_end(|c| c.is_ascii_alphanumeric() || c == '_');
        let range = req.range(start, end);
        let next = req.text()[end..].chars().next();
        let mut out: Vec<Item> = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        if let Some(dir) = req.doc.path.as_deref().and_then(Path::parent) {
            let env_path = dir.join(".env");
            let open = self.snapshot.open_files();
            let bytes = match open.get(&env_path) {
                Some(b) => Some(b.clone()),
                None => RealFs.read(&env_path).ok(),
            };
            if let Some(bytes) = bytes {
                let text = String::from_utf8_lossy(&bytes);
                let file = dotenv::parse(&text, &Environment::default());
                for entry in file.entries.iter().rev() {
                    if seen.contains(&entry.key) {
                        continue;
                    }
                    seen.push(entry.key.clone());
                    let shown = entry
                        .value
                        .as_deref()
                        .filter(|_| !sensitive(&entry.key))
                        .map(|v| format!(".env = {}", shorten(v)))
                        .unwrap_or_else(|| ".env".to_owned());
                    out.push(
                        Item::new(&entry.key, kind::VARIABLE, range)
                            .insert(variable_insert(&entry.key, braced, next))
                            .detail(shown),
                    );
                }
                out.reverse();
            }
        }
        // Names referenced elsewhere in the file.
        let text = req.text();
        let typed = drydock_text::range(start, end);
        for (i, _) in text.match_indices('$') {
            let rest = &text[i + 1..];
            let rest = rest.strip_prefix('{').unwrap_or(rest);
            let len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let name = &rest[..len];
            let at = text.len() - rest.len();
            if name.is_empty()
                || name.starts_with(|c: char| c.is_ascii_digit())
                || (i > 0 && text.as_bytes()[i - 1] == b'$')
                || (typed.contains_inclusive(drydock_text::size(at)))
                || seen.iter().any(|s| s == name)
            {
                continue;
            }
            seen.push(name.to_owned());
            out.push(
                Item::new(name, kind::VARIABLE, range)
                    .insert(variable_insert(name, braced, next))
                    .detail("used in this file"),
            );
        }
        out
    }
}

/// The service a path is inside (`services.<name>...`).
fn self_service(path: &[Seg]) -> Option<&str> {
    match path {
        [Seg::Key(s), Seg::Key(name), ..] if s == "services" => Some(name),
        _ => None,
    }
}

fn sensitive(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["PASS", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "AUTH"]
        .iter()
        .any(|s| upper.contains(s))
}

fn shorten(value: &str) -> String {
    const MAX: usize = 40;
    if value.chars().count() <= MAX {
        value.to_owned()
    } else {
        let cut: String = value.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

fn snippet_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('$', "\\$")
        .replace('}', "\\}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(s: &str) -> Option<(String, String)> {
        split_key(s).map(|(k, v)| (k, v.to_owned()))
    }

    #[test]
    fn lines() {
        assert_eq!(
            keys("image: nginx:1.2"),
            Some(("image".into(), "nginx:1.2".into()))
        );
        assert_eq!(keys("\"web app\": x"), Some(("web app".into(), "x".into())));
        assert_eq!(keys("build:"), Some(("build".into(), String::new())));
        assert_eq!(keys("nginx:1.2"), None);
        assert_eq!(keys("- x"), None.or(keys("- x")));
        assert_eq!(keys("a #b: c"), None);
        let info = parse_line("  - name: &a !t").expect("a line");
        assert_eq!(info.indent, 2);
        assert!(matches!(info.toks[0].kind, TokKind::Dash));
        assert!(matches!(
            &info.toks[1].kind,
            TokKind::Key { name, inline: Inline::None, anchor: Some(a), .. } if name == "name" && a == "a"
        ));
        assert!(parse_line("   # c").is_none());
        assert!(matches!(
            &parse_line("x: |").expect("a line").toks[0].kind,
            TokKind::Key {
                inline: Inline::Block,
                ..
            }
        ));
        assert!(needs_quotes("no") && !needs_quotes("always"));
    }

    #[test]
    fn schema_paths() {
        let path = |p: &str| -> Vec<Seg> {
            p.split('.')
                .map(|s| {
                    if s == "[]" {
                        Seg::Item
                    } else {
                        Seg::Key(s.to_owned())
                    }
                })
                .collect()
        };
        let names = |p: &str| -> Vec<String> {
            fields_of(&types_at(&path(p)))
                .iter()
                .map(|f| f.name.clone())
                .collect()
        };
        assert!(names("services.web").contains(&"image".to_owned()));
        assert!(names("services.web.build").contains(&"dockerfile".to_owned()));
        assert!(names("services.web.volumes.[]").contains(&"read_only".to_owned()));
        assert!(names("services.web.deploy.resources").contains(&"limits".to_owned()));
        assert!(
            fields_of(&types_at(&[]))
                .iter()
                .any(|f| f.name == "services")
        );
        assert!(
            types_at(&path("services.web.cgroup"))
                .iter()
                .any(|t| matches!(t, Ty::Enum(_)))
        );
    }
}
