use drydock_dockerfile::model::Model;
use drydock_dockerfile::shell::ShellScript;
use drydock_dockerfile::{Args, Instruction, InstructionKind};
use drydock_text::TextRange;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::{Cmd, CommandCache, commands_of, has_cache_mount};

declare_rule! {
    /// ## What it does
    /// Reports a `RUN` (or `ONBUILD RUN`) that runs `yarn install` without cleaning yarn's
    /// cache afterwards.
    ///
    /// The `RUN` has a command named exactly `yarn` with an `install` argument (a bare `yarn`
    /// is not recognised). It is reported when no `yarn` command of the `RUN` has a `cache`
    /// or `clean` argument (any one of the two is enough, as in hadolint), unless a
    /// `--mount=type=cache` or `type=tmpfs` has a target containing `.cache/yarn`; or when the
    /// first such cleaning command comes before the first `yarn install` (then even with a
    /// cache mount).
    ///
    /// Like hadolint, it only reports `RUN`s of the stages that end up in an image: the last
    /// stage (and any stage whose `FROM` line is identical to the last one), and stages whose
    /// name is used as an image name by some `FROM` (`FROM deps`, wherever it is). `ONBUILD`
    /// instructions are checked among themselves and always reported. The finding points at
    /// the `yarn install` command.
    ///
    /// ## Why is this bad?
    /// yarn keeps a copy of every package it downloads in its cache. In an image nothing ever
    /// reuses that cache, so it only makes the layer bigger, often by hundreds of megabytes.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:20
    /// COPY package.json yarn.lock ./
    /// RUN yarn install --frozen-lockfile
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM node:20
    /// COPY package.json yarn.lock ./
    /// RUN yarn install --frozen-lockfile && yarn cache clean
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the `yarn install` command instead of the RUN's first line. Stage
    /// names are compared case-insensitively, as BuildKit does (hadolint compares them as
    /// written). Scripts in heredocs are checked as the shell runs them, including those
    /// hadolint cannot parse or reads differently.
    pub(crate) YarnCacheNotCleaned {
        code: "DL3060",
        name: "yarn-cache-not-cleaned",
        aliases: [],
        category: BestPractice,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// A `FROM` as hadolint compares them: platform, image as written, and name.
#[derive(Clone, Debug, PartialEq, Eq)]
struct FromLine {
    platform: Option<String>,
    image: String,
    alias: Option<String>,
}

impl FromLine {
    /// hadolint's stand-in for the stage of instructions seen before any `FROM`.
    fn scratch() -> Self {
        Self {
            platform: None,
            image: "scratch".to_owned(),
            alias: None,
        }
    }

    fn of(instruction: &Instruction) -> Self {
        let words = match &instruction.args {
            Args::Words(words) => words.as_slice(),
            _ => &[],
        };
        let alias = match words.get(1..3) {
            Some([as_word, alias]) if as_word.text.eq_ignore_ascii_case("as") => {
                Some(alias.text.to_ascii_lowercase())
            }
            _ => None,
        };
        Self {
            platform: instruction
                .flag("platform")
                .map(|f| f.value.clone().unwrap_or_default()),
            image: words.first().map(|w| w.text.clone()).unwrap_or_default(),
            alias,
        }
    }
}

/// A finding waiting for the end of the file.
struct Pending {
    range: TextRange,
    clean_first: bool,
    stage: FromLine,
}

/// One sequence of instructions (the file's, or its `ONBUILD` ones).
#[derive(Default)]
struct Sequence {
    /// The current `FROM` (`None` until a `FROM` or a finding).
    current: Option<FromLine>,
    /// Image names (lowercased) used by the sequence's `FROM`s.
    base_names: Vec<String>,
    pending: Vec<Pending>,
}

impl Sequence {
    fn from(&mut self, instruction: &Instruction) {
        let line = FromLine::of(instruction);
        self.base_names
            .push(image_name(&line.image).to_ascii_lowercase());
        self.current = Some(line);
    }

    fn pending(&mut self, range: TextRange, clean_first: bool) {
        let stage = self.current.get_or_insert_with(FromLine::scratch).clone();
        self.pending.push(Pending {
            range,
            clean_first,
            stage,
        });
    }

    /// The findings hadolint keeps at the end of the file.
    fn reported(self) -> impl Iterator<Item = Pending> {
        let current = self.current;
        let base_names = self.base_names;
        self.pending.into_iter().filter(move |p| {
            Some(&p.stage) == current.as_ref()
                || p.stage
                    .alias
                    .as_ref()
                    .is_some_and(|a| base_names.contains(a))
        })
    }
}

impl Rule for YarnCacheNotCleaned {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        let cache = ctx.commands;
        let mut stages = Sequence::default();
        let mut onbuild = Sequence::default();
        for (index, outer) in model.instructions() {
            let (instruction, sequence) = match outer.onbuild_inner() {
                Some(inner) => (inner, &mut onbuild),
                None => (outer, &mut stages),
            };
            match instruction.kind {
                InstructionKind::From => sequence.from(instruction),
                InstructionKind::Run => {
                    if let Some(script) = model.shell(index)
                        && let Some((range, clean_first)) =
                            check_run(model, instruction, script, cache, index)
                    {
                        sequence.pending(range, clean_first);
                    }
                }
                _ => {}
            }
        }
        let mut findings: Vec<Pending> = stages.reported().chain(onbuild.reported()).collect();
        findings.sort_by_key(|p| p.range.start());
        for finding in findings {
            let diagnostic = if finding.clean_first {
                ctx.report(finding.range, "`yarn install` runs after `yarn cache clean`, so its downloads stay in the image")
            } else {
                ctx.report(
                    finding.range,
                    "`yarn install` without `yarn cache clean` keeps yarn's cache in the image",
                )
            };
            diagnostic.help("clean the cache in the same `RUN`, after installing: `yarn install && yarn cache clean`");
        }
    }
}

fn is_install(cmd: &Cmd<'_>) -> bool {
    cmd.has_any_arg(&["yarn"], &["install"])
}

fn is_clean(cmd: &Cmd<'_>) -> bool {
    cmd.has_any_arg(&["yarn"], &["cache", "clean"])
}

/// Whether a `RUN` fails the check: the `yarn install` range to report, and whether it is
/// because the clean comes first.
fn check_run<'a>(
    model: &Model,
    run: &Instruction,
    script: &'a ShellScript,
    cache: Option<&'a CommandCache<'a>>,
    index: usize,
) -> Option<(TextRange, bool)> {
    // Most steps run no `yarn install`: that is found without keeping the commands.
    if !commands_of(cache, index, script).any(|cmd| is_install(&cmd)) {
        return None;
    }
    let cmds: Vec<Cmd<'_>> = commands_of(cache, index, script).collect();
    let install_at = cmds.iter().position(is_install)?;
    let clean_at = cmds.iter().position(is_clean);
    let clean_first = match clean_at {
        None if has_cache_mount(model, run, ".cache/yarn") => return None,
        None => false,
        Some(clean_at) if clean_at < install_at => true,
        Some(_) => return None,
    };
    let install = &cmds[install_at];
    let name = install.name_word()?;
    let text = model.text();
    let range = match install.args.iter().find(|w| w.value == "install") {
        Some(word)
            if word.range.start() >= name.range.end()
                && !text[TextRange::new(name.range.start(), word.range.end())].contains('\n') =>
        {
            name.range.cover(word.range)
        }
        _ => name.range,
    };
    Some((range, clean_first))
}

/// The image name of a `FROM` word as hadolint's parser splits it: without a registry (a
/// first part holding a `.` and ending at a `/`), tag or digest.
fn image_name(image: &str) -> &str {
    let rest = match image.find('.') {
        Some(dot) if dot > 0 => match image[dot + 1..].find('/') {
            Some(slash) if slash > 0 => &image[dot + 1 + slash + 1..],
            _ => image,
        },
        _ => image,
    };
    let bytes = rest.as_bytes();
    let mut i = 0;
    let mut depth = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth > 0 => depth -= 1,
            b':' | b'@' if depth == 0 => return &rest[..i],
            _ => {}
        }
        i += 1;
    }
    rest
}
