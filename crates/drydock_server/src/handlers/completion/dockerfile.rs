//! Completion in Dockerfiles: parser directives at the top, instruction keywords (in the file's
//! keyword case; after `ONBUILD` only its triggers), the flags of the instruction at the cursor
//! and their values (`--mount` fields per mount type, `--network`, `--security`, `--platform`,
//! `--from` stages), stage names as a `FROM` image, `AS`, `HEALTHCHECK CMD|NONE`, exec-form
//! skeletons, variables in scope after `$`/`${`, and rule codes in suppression comments.
//!
//! The context comes from the parsed file: the item under the cursor, and for an instruction its
//! logical line (continuations joined) up to the cursor, so a flag on a continuation line is
//! still a flag of its instruction.

use drydock_dockerfile::model::{Model, PLATFORM_ARGS};
use drydock_dockerfile::{FlagType, Instruction, InstructionKind, ItemKind, allowed_flags};
use drydock_linter::rule::Target;

use super::{Item, Request, kind, variable_at_end, variable_insert};

/// Instructions in the order they are offered (most used first).
const KEYWORDS: [InstructionKind; 18] = [
    InstructionKind::From,
    InstructionKind::Run,
    InstructionKind::Copy,
    InstructionKind::Workdir,
    InstructionKind::Env,
    InstructionKind::Arg,
    InstructionKind::Cmd,
    InstructionKind::Entrypoint,
    InstructionKind::Expose,
    InstructionKind::User,
    InstructionKind::Label,
    InstructionKind::Add,
    InstructionKind::Healthcheck,
    InstructionKind::Volume,
    InstructionKind::Shell,
    InstructionKind::Stopsignal,
    InstructionKind::Onbuild,
    InstructionKind::Maintainer,
];

fn keyword_doc(kind: InstructionKind) -> &'static str {
    match kind {
        InstructionKind::Add => {
            "Copies files, URLs or Git repositories into the image; local archives are extracted."
        }
        InstructionKind::Arg => {
            "Declares a build argument, optionally with a default (`--build-arg NAME=value`)."
        }
        InstructionKind::Cmd => {
            "Default command of the container, or default arguments to `ENTRYPOINT`."
        }
        InstructionKind::Copy => {
            "Copies files from the build context, a stage or an image into the image."
        }
        InstructionKind::Entrypoint => {
            "Executable the container runs; `CMD` supplies its default arguments."
        }
        InstructionKind::Env => {
            "Sets environment variables for later instructions and the running container."
        }
        InstructionKind::Expose => "Documents the ports the container listens on (`80`, `53/udp`).",
        InstructionKind::From => {
            "Starts a build stage from a base image (or `scratch`), optionally named with `AS`."
        }
        InstructionKind::Healthcheck => {
            "Command the engine runs to check that the container is healthy, or `NONE`."
        }
        InstructionKind::Label => "Adds `key=value` metadata to the image.",
        InstructionKind::Maintainer => {
            "Deprecated: use `LABEL org.opencontainers.image.authors=...` instead."
        }
        InstructionKind::Onbuild => {
            "Instruction to run when another build uses this image as its base."
        }
        InstructionKind::Run => {
            "Runs a command in a new layer, in shell form or exec form (a JSON array)."
        }
        InstructionKind::Shell => {
            "Shell for the shell form of `RUN`, `CMD` and `ENTRYPOINT` (exec form only)."
        }
        InstructionKind::Stopsignal => "Signal sent to stop the container, e.g. `SIGTERM`.",
        InstructionKind::User => {
            "User (and group) for the following instructions and the container's process."
        }
        InstructionKind::Volume => "Declares mount points for anonymous or external volumes.",
        InstructionKind::Workdir => {
            "Working directory for the following instructions and the container's process."
        }
        InstructionKind::Unknown => "",
    }
}

fn flag_doc(kind: InstructionKind, name: &str) -> (&'static str, &'static str) {
    match (kind, name) {
        (_, "platform") => (
            "--platform=<os/arch[/variant]>",
            "Platform of the base image, e.g. `linux/amd64`, or `$BUILDPLATFORM` to run this stage natively while cross-building.",
        ),
        (_, "mount") => (
            "--mount=type=<bind|cache|tmpfs|secret|ssh>,...",
            "Mounts a filesystem while the command runs: a cache, files from the context or a stage, a tmpfs, a secret or the SSH agent. Repeatable.",
        ),
        (_, "network") => (
            "--network=<default|none|host>",
            "Network for the command: `default`, `none` (no network) or `host` (needs the `network.host` entitlement).",
        ),
        (_, "security") => (
            "--security=<insecure|sandbox>",
            "`insecure` runs the command with elevated privileges (needs the `security.insecure` entitlement); `sandbox` is the default.",
        ),
        (_, "device") => (
            "--device=<name>[,required]",
            "Exposes a CDI device to the command. Repeatable.",
        ),
        (_, "chown") => (
            "--chown=<user>[:<group>]",
            "Owner of the copied files, by name or ID; the default is root (0:0).",
        ),
        (_, "chmod") => (
            "--chmod=<perms>",
            "Permission bits of the copied files, e.g. `755` or `u=rwX,go=rX`.",
        ),
        (_, "from") => (
            "--from=<stage|context|image>",
            "Copies from a build stage, a named build context or an image instead of the build context.",
        ),
        (_, "link") => (
            "--link[=<bool>]",
            "Copies into an independent layer that stays reusable when earlier layers change.",
        ),
        (_, "exclude") => (
            "--exclude=<pattern>",
            "Leaves out the sources matching this pattern. Repeatable.",
        ),
        (_, "parents") => (
            "--parents[=<bool>]",
            "Keeps the parent directories of the sources at the destination.",
        ),
        (_, "keep-git-dir") => (
            "--keep-git-dir[=<bool>]",
            "Keeps the `.git` directory when adding a Git repository.",
        ),
        (_, "checksum") => (
            "--checksum=<sha256:...>",
            "Checksum the remote source must match; the build fails otherwise.",
        ),
        (_, "unpack") => (
            "--unpack[=<bool>]",
            "Whether an archive is extracted at the destination (`true`) or copied as a file (`false`).",
        ),
        (_, "interval") => (
            "--interval=<duration>",
            "Time between checks (default `30s`).",
        ),
        (_, "timeout") => (
            "--timeout=<duration>",
            "Time one check may take before it counts as failed (default `30s`).",
        ),
        (_, "start-period") => (
            "--start-period=<duration>",
            "Start-up time during which failed checks do not count (default `0s`).",
        ),
        (_, "start-interval") => (
            "--start-interval=<duration>",
            "Time between checks during the start period (default `5s`).",
        ),
        (_, "retries") => (
            "--retries=<n>",
            "Consecutive failures before the container is unhealthy (default 3).",
        ),
        _ => ("", ""),
    }
}

/// Mount types with their description and the options each accepts (BuildKit's
/// `commands_runmount.go` and the Dockerfile reference).
const MOUNT_TYPES: [(&str, &str, &[&str]); 5] = [
    (
        "cache",
        "A persistent cache directory shared between builds (package manager and compiler caches).",
        &[
            "target", "id", "sharing", "readonly", "from", "source", "mode", "uid", "gid",
        ],
    ),
    (
        "bind",
        "Files from the build context, a stage or an image, read-only by default (the default type).",
        &["target", "source", "from", "readwrite"],
    ),
    (
        "secret",
        "A secret passed with `docker build --secret`, as a file (and/or an environment variable); never stored in the image.",
        &["id", "target", "env", "required", "mode", "uid", "gid"],
    ),
    (
        "ssh",
        "The SSH agent socket or keys passed with `docker build --ssh`.",
        &["id", "target", "required", "mode", "uid", "gid"],
    ),
    (
        "tmpfs",
        "An empty in-memory filesystem.",
        &["target", "size"],
    ),
];

/// Mount options that need no value (`ro`, `required`).
const MOUNT_BARE: [&str; 3] = ["readonly", "readwrite", "required"];

fn mount_option_doc(mount_type: &str, key: &str) -> &'static str {
    match (mount_type, key) {
        (_, "type") => "Mount type: `bind` (default), `cache`, `tmpfs`, `secret` or `ssh`.",
        ("secret", "target") => {
            "Path of the secret file (default `/run/secrets/<id>`); alias `dst`."
        }
        ("ssh", "target") => "Path of the agent socket (default `/run/buildkit/ssh_agent.<n>`).",
        (_, "target") => {
            "Mount path in the build container (required); aliases `dst`, `destination`."
        }
        ("cache", "id") => {
            "Cache ID; mounts with the same ID share one cache (default: the target)."
        }
        ("secret", "id") => {
            "ID of the secret (`docker build --secret id=...`); default: the target's file name."
        }
        ("ssh", "id") => {
            "ID of the agent socket or key (`docker build --ssh <id>`); default `default`."
        }
        (_, "source") => "Path in `from` to mount (default: its root); alias `src`.",
        ("cache", "from") => "Stage, context or image whose files seed the cache (default: empty).",
        (_, "from") => "Stage, named context or image to mount from (default: the build context).",
        (_, "sharing") => {
            "How concurrent builds use the cache: `shared` (default), `private` or `locked`."
        }
        (_, "readonly") => "Mounts read-only; alias `ro`.",
        (_, "readwrite") => "Allows writes, which are discarded after the command; alias `rw`.",
        (_, "mode") => "File mode of the mount in octal, e.g. `0755` (secret default `0400`).",
        (_, "uid") => "User ID owning the mount (default 0).",
        (_, "gid") => "Group ID owning the mount (default 0).",
        (_, "env") => "Environment variable that receives the secret's value (Dockerfile 1.10+).",
        (_, "required") => "Fails the build when the secret or key is not provided.",
        (_, "size") => "Size limit of the tmpfs, e.g. `64m`.",
        _ => "",
    }
}

const PLATFORMS: [(&str, &str); 11] = [
    (
        "$BUILDPLATFORM",
        "The platform of the machine running the build (cross-compile natively).",
    ),
    ("$TARGETPLATFORM", "The platform being built for."),
    ("linux/amd64", "64-bit x86."),
    ("linux/arm64", "64-bit ARM (AWS Graviton, Apple silicon)."),
    (
        "linux/arm/v7",
        "32-bit ARMv7 (Raspberry Pi 2/3 with a 32-bit OS).",
    ),
    ("linux/arm/v6", "32-bit ARMv6 (Raspberry Pi Zero/1)."),
    ("linux/386", "32-bit x86."),
    ("linux/ppc64le", "64-bit POWER, little-endian."),
    ("linux/s390x", "IBM Z."),
    ("linux/riscv64", "64-bit RISC-V."),
    ("windows/amd64", "Windows on 64-bit x86."),
];

/// Whether the file writes its instruction keywords in lowercase (most of them, as BuildKit's
/// `InconsistentInstructionCasing` decides), leaving out the item at `skip`.
fn lowercase_file(model: &Model, skip: usize) -> bool {
    let (mut lower, mut upper) = (0, 0);
    for (i, item) in model.file().items().iter().enumerate() {
        if i == skip {
            continue;
        }
        if let ItemKind::Instruction(ins) = &item.kind
            && ins.kind != InstructionKind::Unknown
        {
            let kw = &ins.keyword.text;
            if kw.chars().all(|c| !c.is_ascii_uppercase()) {
                lower += 1;
            } else if kw.chars().all(|c| !c.is_ascii_lowercase()) {
                upper += 1;
            }
        }
    }
    lower > upper
}

fn cased(word: &str, lower: bool) -> String {
    if lower {
        word.to_ascii_lowercase()
    } else {
        word.to_owned()
    }
}

struct Cx<'a> {
    req: &'a Request<'a>,
    model: Model,
}

/// The completions at the request's cursor.
pub(super) fn complete(req: &Request<'_>) -> Vec<Item> {
    let text = req.text();
    let model = Model::new(drydock_dockerfile::parse_str(text));
    let cx = Cx { req, model };
    cx.run()
}

impl Cx<'_> {
    fn run(&self) -> Vec<Item> {
        let req = self.req;
        let text = req.text();
        let off = req.offset;
        let items = self.model.file().items();
        let at_end = off >= text.len();
        let found = items.iter().position(|it| {
            let (s, e) = (usize::from(it.range.start()), usize::from(it.range.end()));
            s <= off && off < e
        });
        let found = found.or_else(|| {
            // At the end of the file: the last item, when the cursor is still on its line (no
            // final newline) or its instruction continues (`\` on its last line).
            let last = items.len().checked_sub(1)?;
            let ends_in_newline = text.ends_with(['\n', '\r']);
            let continued =
                matches!(&items[last].kind, ItemKind::Instruction(ins) if self.continues(ins));
            (at_end && (!ends_in_newline || continued)).then_some(last)
        });
        let item_idx = found.unwrap_or(items.len());
        let before = req.before();
        let before = before.strip_prefix('\u{feff}').unwrap_or(before);

        let directive_area = items[..item_idx]
            .iter()
            .all(|i| matches!(i.kind, ItemKind::Bom | ItemKind::Directive(_)));
        if directive_area && before.trim_start().starts_with('#') {
            return self.directives(before);
        }
        match found.map(|i| &items[i].kind) {
            None | Some(ItemKind::Blank) => {
                let word = before.trim_start();
                if word.chars().all(|c| c.is_ascii_alphabetic()) {
                    let start = off - word.len();
                    let has_from = self.has_from_before(item_idx);
                    let lower = lowercase_file(&self.model, item_idx);
                    self.keywords(false, has_from, lower, start)
                } else {
                    Vec::new()
                }
            }
            Some(ItemKind::Comment(_) | ItemKind::Directive(_)) => {
                super::pragma(req, before, Target::Dockerfile)
            }
            Some(ItemKind::Instruction(ins)) => self.instruction(ins, item_idx),
            Some(ItemKind::Bom) => Vec::new(),
        }
    }

    /// Whether the instruction's last line ends with the escape character (it goes on past the
    /// end of the file, or past empty lines).
    fn continues(&self, ins: &Instruction) -> bool {
        let text = self.req.text();
        let end = usize::from(ins.header_end).min(text.len());
        let start = text[..end].rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let line = text[start..end].trim_end_matches([' ', '\t']);
        let escape = self.model.file().escape();
        match line.strip_suffix(escape) {
            Some(before) => before.is_empty() || !before.ends_with(escape),
            None => false,
        }
    }

    fn has_from_before(&self, item_idx: usize) -> bool {
        self.model.file().items()[..item_idx.min(self.model.file().items().len())]
            .iter()
            .any(|i| matches!(&i.kind, ItemKind::Instruction(ins) if ins.kind == InstructionKind::From))
    }

    /// The index among instructions of the instruction item `item_idx`.
    fn instruction_index(&self, item_idx: usize) -> usize {
        self.model.file().items()[..item_idx]
            .iter()
            .filter(|i| matches!(i.kind, ItemKind::Instruction(_)))
            .count()
    }

    // --- directives and comments ---------------------------------------------------------------

    fn directives(&self, before: &str) -> Vec<Item> {
        let req = self.req;
        let off = req.offset;
        let body = before.trim_start().trim_start_matches('#').trim_start();
        if body.chars().all(|c| c.is_ascii_alphabetic()) {
            let range = req.range(off - body.len(), req.word_end(|c| c.is_ascii_alphabetic()));
            let eq_follows = req.text()[usize::from(range.end())..]
                .trim_start()
                .starts_with('=');
            let directives = [
                (
                    "syntax",
                    "Frontend that parses this Dockerfile, e.g. `docker/dockerfile:1` (the latest 1.x).",
                ),
                (
                    "escape",
                    "Escape character for line continuations: `\\` (default) or `` ` `` (handy on Windows).",
                ),
                (
                    "check",
                    "Configures build checks: `skip=Check1,Check2` or `skip=all`, and `error=true` to fail the build on warnings.",
                ),
            ];
            return directives
                .iter()
                .filter(|(name, _)| {
                    // Not the ones already set (except the one being edited on this line).
                    self.model.file().directive(name).is_none_or(|d| {
                        usize::from(d.range.start()) >= req.line_start()
                            && usize::from(d.range.start()) <= req.line_end()
                    })
                })
                .map(|(name, doc)| {
                    let insert = if eq_follows {
                        (*name).to_owned()
                    } else {
                        format!("{name}=")
                    };
                    Item::new(*name, kind::KEYWORD, range)
                        .insert(insert)
                        .detail("parser directive")
                        .doc(*doc)
                })
                .collect();
        }
        let Some((name, value)) = body.split_once('=') else {
            return Vec::new();
        };
        let name = name.trim().to_ascii_lowercase();
        let value = value.trim_start();
        let value_start = off - value.len();
        match name.as_str() {
            "syntax" => {
                let range = req.range(value_start, req.word_end(|c| !c.is_whitespace()));
                [
                    (
                        "docker/dockerfile:1",
                        "The latest stable Dockerfile syntax 1.x.",
                    ),
                    (
                        "docker/dockerfile:1-labs",
                        "The latest 1.x with experimental (labs) features.",
                    ),
                ]
                .iter()
                .map(|(v, doc)| Item::new(*v, kind::VALUE, range).doc(*doc))
                .collect()
            }
            "escape" => {
                let range = req.range(value_start, req.word_end(|c| !c.is_whitespace()));
                vec![
                    Item::new("\\", kind::VALUE, range).doc("Backslash (the default)."),
                    Item::new("`", kind::VALUE, range)
                        .doc("Backtick, so Windows paths can use `\\`."),
                ]
            }
            "check" => self.check_directive(value, value_start),
            _ => Vec::new(),
        }
    }

    /// `# check=skip=A,B;error=true`.
    fn check_directive(&self, value: &str, value_start: usize) -> Vec<Item> {
        let req = self.req;
        let segment_start = value.rfind(';').map_or(0, |i| i + 1);
        let segment = &value[segment_start..];
        let seg_off = value_start + segment_start;
        let trimmed = segment.trim_start();
        let seg_off = seg_off + (segment.len() - trimmed.len());
        match trimmed.split_once('=') {
            None => {
                let range = req.range(seg_off, req.word_end(|c| c.is_ascii_alphabetic()));
                vec![
                    Item::new("skip", kind::PROPERTY, range)
                        .insert("skip=")
                        .doc("Checks to turn off, comma-separated, or `all`."),
                    Item::new("error", kind::PROPERTY, range)
                        .insert("error=")
                        .doc("`true` makes check warnings fail the build."),
                    Item::new("experimental", kind::PROPERTY, range)
                        .insert("experimental=")
                        .doc("Experimental checks to turn on, comma-separated, or `all`."),
                ]
            }
            Some((key, val)) => {
                let val_off = seg_off + key.len() + 1;
                match key.trim() {
                    "skip" | "experimental" => {
                        let name_start = val.rfind(',').map_or(0, |i| i + 1);
                        let present: Vec<&str> = val.split(',').map(str::trim).collect();
                        let range = req.range(
                            val_off + name_start,
                            req.word_end(|c| c.is_ascii_alphanumeric()),
                        );
                        let mut out =
                            vec![Item::new("all", kind::CONSTANT, range).doc("Every check.")];
                        for (name, code) in buildkit_checks() {
                            if !present.contains(&name) {
                                out.push(
                                    Item::new(name, kind::CONSTANT, range).detail(code).doc(
                                        format!("BuildKit's `{name}` check (drydock `{code}`)."),
                                    ),
                                );
                            }
                        }
                        out
                    }
                    "error" => {
                        let range = req.range(val_off, req.word_end(|c| c.is_ascii_alphabetic()));
                        vec![
                            Item::new("true", kind::VALUE, range),
                            Item::new("false", kind::VALUE, range),
                        ]
                    }
                    _ => Vec::new(),
                }
            }
        }
    }

    // --- instructions ----------------------------------------------------------------------------

    fn keywords(&self, onbuild: bool, has_from: bool, lower: bool, start: usize) -> Vec<Item> {
        let req = self.req;
        let range = req.range(start, req.word_end(|c| c.is_ascii_alphabetic()));
        let rest_empty = req.text()[usize::from(range.end())..req.line_end()].is_empty();
        let mut out = Vec::new();
        for kind in KEYWORDS {
            let allowed = if onbuild {
                !matches!(
                    kind,
                    InstructionKind::Onbuild | InstructionKind::From | InstructionKind::Maintainer
                )
            } else {
                has_from || matches!(kind, InstructionKind::From | InstructionKind::Arg)
            };
            if !allowed {
                continue;
            }
            let word = cased(kind.keyword(), lower);
            let insert = if rest_empty {
                format!("{word} ")
            } else {
                word.clone()
            };
            let mut item = Item::new(&word, kind::KEYWORD, range)
                .insert(insert)
                .detail("instruction")
                .doc(keyword_doc(kind));
            if kind == InstructionKind::Maintainer {
                item = item.deprecated();
            }
            out.push(item);
            if req.snippets && rest_empty {
                let skeleton = match kind {
                    InstructionKind::Cmd | InstructionKind::Entrypoint => {
                        Some(r#"["${1:executable}", "${2:param}"]$0"#)
                    }
                    InstructionKind::Shell => Some(r#"["${1:/bin/sh}", "${2:-c}"]$0"#),
                    _ => None,
                };
                if let Some(skeleton) = skeleton {
                    let label = match kind {
                        InstructionKind::Shell => format!("{word} [\"executable\", \"-c\"]"),
                        _ => format!("{word} [\"executable\", \"param\"]"),
                    };
                    out.push(
                        Item::new(label, kind::SNIPPET, range)
                            .snippet(format!("{word} {skeleton}"))
                            .filter(&word)
                            .detail("exec form")
                            .doc(keyword_doc(kind)),
                    );
                }
            }
        }
        out
    }

    fn instruction(&self, ins: &Instruction, item_idx: usize) -> Vec<Item> {
        let req = self.req;
        let off = req.offset;
        let index = self.instruction_index(item_idx);
        // Heredoc bodies: only variables (the shell sees ARG and ENV values).
        for heredoc in &ins.heredocs {
            let end = heredoc
                .terminator
                .map_or(heredoc.body.end(), drydock_dockerfile::TextRange::end);
            if off >= usize::from(heredoc.body.start()) && off <= usize::from(end) {
                return self.variables(index).unwrap_or_default();
            }
        }
        if ins
            .continuation_comments
            .iter()
            .any(|r| usize::from(r.start()) <= off && off <= usize::from(r.end()))
        {
            return Vec::new();
        }
        if let Some(vars) = self.variables(index) {
            return vars;
        }
        let line = &ins.line;
        let logical = line.text();
        let (mut k, gap) = match line.logical_offset(drydock_text::size(off)) {
            Some(k) => (k, false),
            None if off < usize::from(ins.range.start()) => return Vec::new(),
            None => {
                // Between pieces (an empty continuation line, after the escape): everything of
                // the logical line before the cursor, and a word boundary.
                let (mut lo, mut hi) = (0, logical.len());
                while lo < hi {
                    let mid = (lo + hi).div_ceil(2);
                    if usize::from(line.file_end(mid)) <= off {
                        lo = mid;
                    } else {
                        hi = mid - 1;
                    }
                }
                (lo, true)
            }
        };
        k = k.min(logical.len());
        while k > 0 && !logical.is_char_boundary(k) {
            k -= 1;
        }
        let prefix = &logical[..k];
        let words = split_words(prefix);
        let ends_ws = gap || prefix.is_empty() || prefix.ends_with(char::is_whitespace);
        let (done, current_start) = if ends_ws {
            (&words[..], k)
        } else {
            (&words[..words.len() - 1], words[words.len() - 1].0)
        };
        let current = &prefix[current_start..];
        let cur_file = if ends_ws {
            off
        } else {
            usize::from(line.file_start(current_start)).clamp(req.line_start(), off)
        };
        let word = |i: usize| &prefix[done[i].0..done[i].1];
        if done.is_empty() {
            if !current.chars().all(|c| c.is_ascii_alphabetic()) {
                return Vec::new();
            }
            let lower = lowercase_file(&self.model, item_idx);
            return self.keywords(false, self.has_from_before(item_idx), lower, cur_file);
        }
        let mut kw = 0;
        if word(0).eq_ignore_ascii_case("onbuild") {
            if done.len() == 1 {
                if !current.chars().all(|c| c.is_ascii_alphabetic()) {
                    return Vec::new();
                }
                let lower = word(0).chars().all(|c| !c.is_ascii_uppercase());
                return self.keywords(true, true, lower, cur_file);
            }
            kw = 1;
        }
        let kind = InstructionKind::from_keyword(word(kw));
        // Words inside the instruction (`AS`, `CMD`) follow its keyword's case.
        let lower = word(kw).chars().all(|c| !c.is_ascii_uppercase());
        let rest: Vec<&str> = (kw + 1..done.len()).map(word).collect();
        let flags: Vec<&str> = rest
            .iter()
            .copied()
            .take_while(|w| w.starts_with("--"))
            .collect();
        let positional = &rest[flags.len()..];
        if positional.is_empty() {
            if current.starts_with('-') {
                return match current.split_once('=') {
                    Some((name, value)) => {
                        let value_start = (cur_file + name.len() + 1).min(off);
                        self.flag_value(
                            kind,
                            index,
                            name.trim_start_matches('-'),
                            value,
                            value_start,
                        )
                    }
                    None => self.flag_names(kind, &flags, cur_file),
                };
            }
            let mut out = if current.is_empty() {
                self.flag_names(kind, &flags, cur_file)
            } else {
                Vec::new()
            };
            out.extend(self.first_argument(kind, index, current, cur_file, lower));
            return out;
        }
        match kind {
            InstructionKind::From if positional.len() == 1 && is_word(current) => {
                let range = req.range(cur_file, req.word_end(|c| c.is_ascii_alphabetic()));
                vec![
                    Item::new(cased("AS", lower), kind::KEYWORD, range)
                        .insert(format!("{} ", cased("AS", lower)))
                        .doc("Names the stage, for `FROM <name>`, `COPY --from=<name>` and `--target`."),
                ]
            }
            InstructionKind::Healthcheck
                if positional.len() == 1 && positional[0].eq_ignore_ascii_case("cmd") =>
            {
                self.exec_skeleton(current, cur_file, false)
            }
            _ => Vec::new(),
        }
    }

    /// `$NAME` / `${NAME` before the cursor: the variables in scope at instruction `index`.
    fn variables(&self, index: usize) -> Option<Vec<Item>> {
        let req = self.req;
        let before = req.before();
        let (name_start, braced) = variable_at_end(before, Some(self.model.file().escape()))?;
        let start = req.line_start() + name_start;
        let end = req.word_end(|c| c.is_ascii_alphanumeric() || c == '_');
        let range = req.range(start, end);
        let next = req.text()[end..].chars().next();
        let mut out = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        if index < self.model.instruction_count() {
            let scope = self.model.scope(index);
            for var in scope.vars().iter().rev() {
                if seen.contains(&var.name.as_str()) {
                    continue;
                }
                seen.push(&var.name);
                let predefined = !var.env && PLATFORM_ARGS.contains(&var.name.as_str());
                let detail = match (&var.value, var.env, predefined) {
                    (_, _, true) => "predefined ARG".to_owned(),
                    (Some(v), true, _) => format!("ENV = {}", shorten(v)),
                    (None, true, _) => "ENV".to_owned(),
                    (Some(v), false, _) => format!("ARG = {}", shorten(v)),
                    (None, false, _) => "ARG".to_owned(),
                };
                out.push(
                    Item::new(&var.name, kind::VARIABLE, range)
                        .insert(variable_insert(&var.name, braced, next))
                        .detail(detail),
                );
            }
            // Platform ARGs are global: a stage sees them only after `ARG NAME`.
            if self.model.stage_of(index).is_some()
                && self.model.instruction(index).kind != InstructionKind::From
            {
                for name in PLATFORM_ARGS {
                    if seen.contains(&name) {
                        continue;
                    }
                    out.push(
                        Item::new(name, kind::VARIABLE, range)
                            .insert(variable_insert(name, braced, next))
                            .detail("predefined ARG")
                            .doc(format!(
                                "Set by BuildKit in the global scope; declare `ARG {name}` in this stage to use it here."
                            )),
                    );
                }
            }
        }
        Some(out)
    }

    fn flag_names(&self, kind: InstructionKind, present: &[&str], start: usize) -> Vec<Item> {
        let req = self.req;
        let end = req.word_end(|c| c.is_ascii_alphanumeric() || c == '-');
        let range = req.range(start, end);
        let eq_follows = req.text()[usize::from(range.end())..].starts_with('=');
        let present: Vec<&str> = present
            .iter()
            .map(|f| {
                let name = f.trim_start_matches('-');
                name.split_once('=').map_or(name, |(n, _)| n)
            })
            .collect();
        allowed_flags(kind)
            .iter()
            .filter(|(name, ty)| *ty == FlagType::List || !present.contains(name))
            .map(|&(name, ty)| {
                let (detail, doc) = flag_doc(kind, name);
                let insert = if ty == FlagType::Bool || eq_follows {
                    format!("--{name}")
                } else {
                    format!("--{name}=")
                };
                Item::new(format!("--{name}"), kind::PROPERTY, range)
                    .insert(insert)
                    .detail(detail)
                    .doc(doc)
            })
            .collect()
    }

    fn flag_value(
        &self,
        kind: InstructionKind,
        index: usize,
        name: &str,
        value: &str,
        value_start: usize,
    ) -> Vec<Item> {
        let req = self.req;
        let Some(&(_, ty)) = allowed_flags(kind).iter().find(|(n, _)| *n == name) else {
            return Vec::new();
        };
        let range = req.range(value_start, req.word_end(|c| !c.is_whitespace()));
        let values = |list: &[(&str, &str)]| -> Vec<Item> {
            list.iter()
                .map(|(v, doc)| Item::new(*v, kind::ENUM_MEMBER, range).doc(*doc))
                .collect()
        };
        match name {
            "mount" => self.mount_fields(index, value, value_start),
            "platform" => values(&PLATFORMS),
            "network" => values(&[
                ("default", "The default network sandbox."),
                ("none", "No network access."),
                (
                    "host",
                    "The host's network (needs the `network.host` entitlement).",
                ),
            ]),
            "security" => values(&[
                (
                    "insecure",
                    "Elevated privileges, like `docker run --privileged` (needs the `security.insecure` entitlement).",
                ),
                ("sandbox", "The default sandbox."),
            ]),
            "from" => self.stages(index, range),
            _ if ty == FlagType::Bool => values(&[("true", ""), ("false", "")]),
            _ => Vec::new(),
        }
    }

    /// `--mount=type=cache,target=/x,...`: option names for the mount type, or an option's values.
    fn mount_fields(&self, index: usize, value: &str, value_start: usize) -> Vec<Item> {
        let req = self.req;
        let field_start = value.rfind(',').map_or(0, |i| i + 1);
        let fields: Vec<(String, &str)> = value[..field_start]
            .split(',')
            .filter(|f| !f.is_empty())
            .map(|f| {
                let (k, v) = f.split_once('=').unwrap_or((f, ""));
                (k.trim().to_ascii_lowercase(), v.trim())
            })
            .collect();
        let mount_type = fields
            .iter()
            .rev()
            .find(|(k, _)| k == "type")
            .map_or("bind", |(_, v)| *v)
            .to_ascii_lowercase();
        let current = &value[field_start..];
        let current_off = value_start + field_start;
        if let Some((key, _)) = current.split_once('=') {
            let start = current_off + key.len() + 1;
            let range = req.range(start, req.word_end(|c| !c.is_whitespace() && c != ','));
            let bools = || {
                vec![
                    Item::new("true", kind::VALUE, range),
                    Item::new("false", kind::VALUE, range),
                ]
            };
            return match key.trim().to_ascii_lowercase().as_str() {
                "type" => MOUNT_TYPES
                    .iter()
                    .map(|(t, doc, _)| Item::new(*t, kind::ENUM_MEMBER, range).doc(*doc))
                    .collect(),
                "sharing" => [
                    (
                        "shared",
                        "Concurrent builds use the cache at the same time (default).",
                    ),
                    ("private", "A concurrent build gets a new, empty cache."),
                    (
                        "locked",
                        "A concurrent build waits until the cache is free.",
                    ),
                ]
                .iter()
                .map(|(v, doc)| Item::new(*v, kind::ENUM_MEMBER, range).doc(*doc))
                .collect(),
                "from" => self.stages(index, range),
                "readonly" | "ro" | "readwrite" | "rw" | "required" => bools(),
                _ => Vec::new(),
            };
        }
        let range = req.range(current_off, req.word_end(|c| c.is_ascii_alphabetic()));
        let eq_follows = req.text()[usize::from(range.end())..].starts_with('=');
        let present: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
        let canonical = |k: &str| {
            match k {
                "dst" | "destination" => "target",
                "src" => "source",
                "ro" => "readonly",
                "rw" => "readwrite",
                other => other,
            }
            .to_owned()
        };
        let present: Vec<String> = present.iter().map(|k| canonical(k)).collect();
        let mut out = Vec::new();
        if !present.iter().any(|k| k == "type") {
            out.push(
                Item::new("type", kind::PROPERTY, range)
                    .insert(if eq_follows { "type" } else { "type=" })
                    .doc(mount_option_doc("", "type")),
            );
        }
        let options = MOUNT_TYPES
            .iter()
            .find(|(t, _, _)| *t == mount_type)
            .map_or(&[][..], |(_, _, o)| *o);
        for option in options {
            if present.iter().any(|k| k == option) {
                continue;
            }
            let bare = MOUNT_BARE.contains(option);
            let insert = if bare || eq_follows {
                (*option).to_owned()
            } else {
                format!("{option}=")
            };
            out.push(
                Item::new(*option, kind::PROPERTY, range)
                    .insert(insert)
                    .detail(format!("type={mount_type}"))
                    .doc(mount_option_doc(&mount_type, option)),
            );
        }
        out
    }

    /// Stages before the one of instruction `index` (by name; unnamed ones by number), latest
    /// first.
    fn stages(&self, index: usize, range: drydock_text::TextRange) -> Vec<Item> {
        let mut out = Vec::new();
        let current = self.model.stage_of(index);
        for stage in self.model.stages().iter().rev() {
            if stage.from >= index || Some(stage.index) == current {
                continue;
            }
            let image = stage.image.as_ref().map_or("", |w| w.text.as_str());
            let label = stage
                .name
                .as_ref()
                .map_or_else(|| stage.index.to_string(), |n| n.text.clone());
            out.push(
                Item::new(label, kind::REFERENCE, range)
                    .detail(format!("stage {}", stage.index))
                    .doc(format!("FROM {image}")),
            );
        }
        out
    }

    /// The first argument after the flags.
    fn first_argument(
        &self,
        kind: InstructionKind,
        index: usize,
        current: &str,
        start: usize,
        lower: bool,
    ) -> Vec<Item> {
        let req = self.req;
        match kind {
            InstructionKind::From => {
                let range = req.range(start, req.word_end(|c| !c.is_whitespace()));
                let mut out = self.stages(index, range);
                out.push(
                    Item::new("scratch", kind::KEYWORD, range)
                        .doc("An empty base image, for static binaries."),
                );
                out
            }
            InstructionKind::Healthcheck if is_word(current) => {
                let range = req.range(start, req.word_end(|c| c.is_ascii_alphabetic()));
                let rest_empty = req.text()[usize::from(range.end())..req.line_end()].is_empty();
                let mut out = vec![
                    Item::new(cased("CMD", lower), kind::KEYWORD, range)
                        .insert(if rest_empty {
                            format!("{} ", cased("CMD", lower))
                        } else {
                            cased("CMD", lower)
                        })
                        .doc("The command that checks the container; exit code 0 means healthy."),
                    Item::new(cased("NONE", lower), kind::KEYWORD, range)
                        .doc("Turns off any healthcheck inherited from the base image."),
                ];
                if req.snippets && rest_empty {
                    let word = cased("CMD", lower);
                    out.insert(
                        1,
                        Item::new(
                            format!("{word} [\"executable\", \"param\"]"),
                            kind::SNIPPET,
                            range,
                        )
                        .snippet(format!(r#"{word} ["${{1:executable}}", "${{2:param}}"]$0"#))
                        .filter(&word)
                        .detail("exec form"),
                    );
                }
                out
            }
            InstructionKind::Cmd | InstructionKind::Entrypoint | InstructionKind::Shell => {
                self.exec_skeleton(current, start, kind == InstructionKind::Shell)
            }
            _ => Vec::new(),
        }
    }

    /// `["executable", "param"]` as a snippet, where the arguments start.
    fn exec_skeleton(&self, current: &str, start: usize, shell: bool) -> Vec<Item> {
        let req = self.req;
        if !req.snippets || !(current.is_empty() || current == "[") {
            return Vec::new();
        }
        let range = req.range(start, req.offset);
        if !req.text()[usize::from(range.end())..req.line_end()]
            .trim()
            .is_empty()
        {
            return Vec::new();
        }
        let (label, snippet, doc) = if shell {
            (
                "[\"executable\", \"-c\"]",
                r#"["${1:/bin/sh}", "${2:-c}"]$0"#,
                "The shell and its arguments as a JSON array; the command text is appended.",
            )
        } else {
            (
                "[\"executable\", \"param\"]",
                r#"["${1:executable}", "${2:param}"]$0"#,
                "A JSON array: the command runs without a shell and receives signals directly.",
            )
        };
        vec![
            Item::new(label, kind::SNIPPET, range)
                .snippet(snippet)
                .filter("[")
                .detail("exec form")
                .doc(doc),
        ]
    }
}

/// BuildKit check names (the CamelCase aliases of drydock's rules) with their drydock code.
fn buildkit_checks() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = drydock_linter::registry::rules()
        .iter()
        .map(|r| r.meta())
        .flat_map(|m| {
            m.aliases
                .iter()
                .filter(|a| {
                    a.starts_with(|c: char| c.is_ascii_uppercase())
                        && a.chars().any(|c| c.is_ascii_lowercase())
                })
                .map(move |a| (*a, m.code))
        })
        .collect();
    out.sort_unstable();
    out.dedup_by_key(|(a, _)| *a);
    out
}

/// Whitespace-separated words: `(start, end)` byte offsets.
fn split_words(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(st)) => {
                out.push((st, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(st) = start {
        out.push((st, s.len()));
    }
    out
}

fn is_word(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_alphabetic())
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
