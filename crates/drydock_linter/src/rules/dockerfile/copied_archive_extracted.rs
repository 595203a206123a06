use drydock_dockerfile::{Args, InstructionKind};
use drydock_text::TextRange;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::{Cmd, runs};

declare_rule! {
    /// ## What it does
    /// Reports a `COPY` of a local archive that a later `RUN` of the same stage extracts.
    ///
    /// Only the last stage is checked (the rule's memory is cleared at each `FROM`). A `COPY`
    /// without `--from` is tracked: when its destination's file name is an archive, that name;
    /// otherwise the file names of its sources that are archives. Archives are recognised by
    /// their ending: `.tar`, `.Z`, `.bz2`, `.gz`, `.lz`, `.lzma`, `.tZ`, `.tb2`, `.tbz`,
    /// `.tbz2`, `.tgz`, `.tlz`, `.tpz`, `.txz`, `.xz` (not `.zip`). A later `RUN` extracts it
    /// when a command is `tar` with `--extract`, `--get` or any `-`-prefixed argument
    /// containing an `x` (`-xzf`; note that `--exclude` also matches, as in hadolint), or one
    /// of `unzip`, `gunzip`, `bunzip2`, `unlzma`, `unxz`, `zgz`, `uncompress`, `zcat`, `gzcat`,
    /// and the tracked file name is the file name of one of its non-option arguments. Each
    /// extracted archive is reported at its word in the `COPY`. `ADD`, `ONBUILD` and
    /// `COPY --from` are not checked.
    ///
    /// ## Why is this bad?
    /// Copying an archive and extracting it in a later step keeps the archive in the `COPY`
    /// layer forever, even if the `RUN` deletes it. `ADD` extracts a local tar archive while
    /// copying it, in one layer and without needing `tar` in the image.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// COPY app.tar.gz /tmp/
    /// RUN tar -xzf /tmp/app.tar.gz -C /opt && rm /tmp/app.tar.gz
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// ADD app.tar.gz /opt/
    /// ```
    ///
    /// ## Differences from hadolint
    /// Each extracted archive is reported at its word in the `COPY` (hadolint reports the
    /// `COPY`'s first line once). Scripts in heredocs are checked as the shell runs them,
    /// including those hadolint cannot parse or reads differently.
    pub(crate) CopiedArchiveExtracted {
        code: "DL3010",
        name: "copied-archive-extracted",
        aliases: [],
        category: BestPractice,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// File endings hadolint treats as archives.
const ARCHIVE_EXTENSIONS: [&str; 15] = [
    ".tar", ".Z", ".bz2", ".gz", ".lz", ".lzma", ".tZ", ".tb2", ".tbz", ".tbz2", ".tgz", ".tlz",
    ".tpz", ".txz", ".xz",
];

/// Commands that extract (or decompress) whatever they are given.
const UNPACKERS: [&str; 9] = [
    "unzip",
    "gunzip",
    "bunzip2",
    "unlzma",
    "unxz",
    "zgz",
    "uncompress",
    "zcat",
    "gzcat",
];

/// An archive name a `COPY` put into the stage.
struct Tracked {
    name: String,
    range: TextRange,
    extracted: bool,
}

impl Rule for CopiedArchiveExtracted {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Stage
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        // What is tracked is forgotten at each `FROM`: only the last stage can report.
        let last = model.stages().last().map_or(0, |s| s.from);
        if last >= model.instruction_count() || !ctx.checks(last) {
            return;
        }
        let mut tracked: Vec<Tracked> = Vec::new();
        let mut runs = runs(ctx)
            .filter(|r| !r.onbuild && r.index >= last)
            .peekable();
        for (index, instruction) in model.instructions().skip(last) {
            match instruction.kind {
                InstructionKind::From => tracked.clear(),
                InstructionKind::Copy if instruction.flag("from").is_none() => {
                    let Args::Paths(paths) = &instruction.args else {
                        continue;
                    };
                    let Some((dest, sources)) = paths.items.split_last() else {
                        continue;
                    };
                    if is_archive(&dest.text) {
                        tracked.push(Tracked {
                            name: basename(&dest.text).to_owned(),
                            range: dest.range,
                            extracted: false,
                        });
                    } else {
                        for source in sources {
                            let name = basename(&source.text);
                            if is_archive(name) {
                                tracked.push(Tracked {
                                    name: name.to_owned(),
                                    range: source.range,
                                    extracted: false,
                                });
                            }
                        }
                    }
                }
                _ => {}
            }
            let Some(run) = runs.next_if(|r| r.index == index) else {
                continue;
            };
            for cmd in run.commands() {
                if !is_extract(&cmd) {
                    continue;
                }
                let names: Vec<&str> = cmd
                    .args_no_flags()
                    .iter()
                    .map(|w| basename(&w.value))
                    .collect();
                for archive in &mut tracked {
                    if names.contains(&archive.name.as_str()) {
                        archive.extracted = true;
                    }
                }
            }
        }
        for archive in tracked.into_iter().filter(|a| a.extracted) {
            ctx.report(
                archive.range,
                format!("archive `{}` is copied and then extracted by a later `RUN`", archive.name),
            )
            .help("let `ADD` extract it while copying (`ADD archive.tar.gz /dest/`), so the archive does not stay in a layer");
        }
    }
}

/// hadolint's quote stripping: every leading and trailing quote character.
fn drop_quotes(text: &str) -> &str {
    text.trim_matches(['"', '\''])
}

/// The last path component (after `/` or `\`), quotes stripped.
fn basename(path: &str) -> &str {
    let path = drop_quotes(path);
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

fn is_archive(path: &str) -> bool {
    let path = drop_quotes(path);
    ARCHIVE_EXTENSIONS.iter().any(|ext| path.ends_with(ext))
}

/// `tar` extracting, or one of the unpacking commands.
fn is_extract(cmd: &Cmd<'_>) -> bool {
    let name = cmd.name();
    if name == "tar" {
        return cmd
            .arg_values()
            .any(|a| a == "--extract" || a == "--get" || (a.starts_with('-') && a.contains('x')));
    }
    UNPACKERS.contains(&name)
}
