use drydock_dockerfile::{Args, Instruction, InstructionKind};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports an `ADD` that downloads a URL or a git repository without a `--checksum` flag.
    ///
    /// A source is remote when it starts with `http://` or `https://` (the scheme in any case),
    /// or when it is a git repository: `git@host:...`, `git://...`, or an `http(s)://` URL whose
    /// path ends in `.git` (a `#ref` fragment after it is allowed). `ONBUILD ADD` is checked too.
    ///
    /// Every source is checked (all arguments but the last, which is the destination), in the
    /// shell and the JSON form. Builder variables are expanded first; a source whose value
    /// depends on a build argument without a known value is not reported.
    ///
    /// ## Why is this bad?
    /// Without a checksum, the build trusts whatever the server returns at build time: a
    /// compromised or hijacked server, a moved tag or a replaced release asset silently changes
    /// the image, and two builds of the same Dockerfile can produce different content. A pinned
    /// digest makes the build fail instead.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// ADD https://example.com/tool-1.2.3.tar.gz /tmp/
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// # syntax=docker/dockerfile:1
    /// FROM debian:12
    /// ADD --checksum=sha256:0f3c1d7a5e9b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f2a3b5c7d9e1f3a4b6c8d \
    ///     https://example.com/tool-1.2.3.tar.gz /tmp/
    /// ```
    ///
    /// ## Notes
    /// `ADD --checksum=<algorithm>:<digest>` for HTTP sources needs Dockerfile syntax 1.6 or
    /// later; `--checksum=<commit sha>` for git sources needs 1.16 or later. With an older
    /// frontend, download with `curl` in a `RUN` and verify the digest (`sha256sum -c`) before
    /// using the file. Any `--checksum` flag silences the rule; its value is not checked.
    pub(crate) AddRemoteWithoutChecksum {
        code: "DS103",
        name: "add-remote-without-checksum",
        aliases: [],
        category: Security,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// What kind of remote source a value is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Remote {
    Http,
    Git,
}

fn classify(source: &str) -> Option<Remote> {
    let lower = source.to_ascii_lowercase();
    if lower.starts_with("git@") || lower.starts_with("git://") {
        return Some(Remote::Git);
    }
    if lower.starts_with("http://") || lower.starts_with("https://") {
        // The repository part of a git URL: no fragment (`#ref:subdir`) and no query.
        let path = lower.split(['#', '?']).next().unwrap_or(&lower);
        let path = path.trim_end_matches('/');
        if path.ends_with(".git") {
            return Some(Remote::Git);
        }
        return Some(Remote::Http);
    }
    None
}

impl Rule for AddRemoteWithoutChecksum {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Stage
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        for (index, outer) in ctx.instructions() {
            let instruction: &Instruction = match outer.kind {
                InstructionKind::Add => outer,
                InstructionKind::Onbuild => match outer.onbuild_inner() {
                    Some(inner) if inner.kind == InstructionKind::Add => inner,
                    _ => continue,
                },
                _ => continue,
            };
            if instruction.flag("checksum").is_some() {
                continue;
            }
            let Args::Paths(paths) = &instruction.args else {
                continue;
            };
            let Some((_, sources)) = paths.items.split_last() else {
                continue;
            };
            for word in sources {
                let Ok(expansion) = model.expand(index, &word.text) else {
                    continue;
                };
                if expansion.unknown {
                    continue;
                }
                let source = expansion.result;
                match classify(&source) {
                    Some(Remote::Http) => {
                        ctx.report(
                            word.range,
                            format!("`{source}` is downloaded without a checksum"),
                        )
                        .help("pin the content with `ADD --checksum=sha256:<digest>` (Dockerfile syntax 1.6+), or download it with `curl` in a `RUN` and verify the digest with `sha256sum -c`");
                    }
                    Some(Remote::Git) => {
                        ctx.report(
                            word.range,
                            format!("git repository `{source}` is added without a checksum"),
                        )
                        .help("pin the commit with `ADD --checksum=<commit sha>` (Dockerfile syntax 1.16+), or clone it in a `RUN` and check out a commit hash");
                    }
                    None => {}
                }
            }
        }
    }
}
