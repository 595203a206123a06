use std::collections::{BTreeMap, BTreeSet};

use drydock_dockerfile::model::Model;
use drydock_dockerfile::shell::ShellWord;
use drydock_dockerfile::{Args, Instruction, InstructionKind};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::{Cmd, commands, runs};

declare_rule! {
    /// ## What it does
    /// Reports each package of a `dnf install` (or `microdnf install`) that is not pinned to a
    /// version, and each module of a `dnf module install` without a stream, in `RUN` and
    /// `ONBUILD RUN`.
    ///
    /// **Packages.** A command counts when it is named exactly `dnf` or `microdnf`, has an
    /// `install` argument anywhere, and has neither a `module` nor a `group` argument (so
    /// `dnf group install "Development Tools"` passes). Its packages are the arguments that are
    /// not flags (words starting with `-`), other than `install`; values of options are not
    /// dropped, as in hadolint (`--repo fedora` makes `fedora` a package). Split at `-`, a
    /// package is pinned when it has at least two parts and:
    /// - it ends with `.rpm`; or
    /// - it contains `$` and mentions `${NAME}` (or `$NAME`) for a variable `NAME` set by an
    ///   `ENV` of the current stage (inherited through `FROM <stage>`) or by any earlier `ARG`
    ///   of the file, in any stage (hadolint does not scope `ARG`s here); or
    /// - every part after the first is made of letters, digits and `. ~ ^ _ : +`, and one of
    ///   them starts with a digit.
    ///
    /// So `httpd-2.4.62`, `openssl-1:3.2.2` and `gcc-c++-14.2.1` pass, `httpd`, `python3-pip`
    /// and `dnf-plugins-core` are reported. `dnf groupinstall`, `dnf localinstall` and
    /// `tdnf` are not checked.
    ///
    /// **Modules.** For a `dnf`/`microdnf` command with both a `module` and an `install`
    /// argument, every argument that is not a flag, `install` or `module` must name a stream
    /// with `:` (`nodejs:20`).
    ///
    /// `ONBUILD RUN` is checked with only the `ONBUILD ENV` and `ONBUILD ARG` instructions
    /// before it as known variables, as hadolint does.
    ///
    /// ## Why is this bad?
    /// Without a version, the package installed depends on the day the image is built: a
    /// rebuild can silently pick up a new version or a regression, and two builds of the same
    /// Dockerfile stop being comparable.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM fedora:40
    /// RUN dnf install -y httpd && dnf clean all
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM fedora:40
    /// RUN dnf install -y httpd-2.4.62 && dnf clean all
    /// ```
    ///
    /// ## Differences from hadolint
    /// - Stage names are compared case-insensitively, as BuildKit does (it lowercases them), when
    ///   a stage inherits the `ENV`s of `FROM <stage>`.
    /// - Scripts that hadolint only partly sees are checked: the `sh -c` script of an exec-form
    ///   `RUN ["sh", "-c", "..."]` (hadolint joins the elements into one unquoted line, so it
    ///   misses the script's first command) and a heredoc script fed to a shell,
    ///   `RUN bash <<EOF` (hadolint keeps only the text before `<<`).
    pub(crate) UnpinnedDnfPackage {
        code: "DL3041",
        name: "unpinned-dnf-package",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// The variables hadolint knows when it checks a package: `ENV`s per stage, `ARG`s globally.
#[derive(Default)]
struct Vars {
    started: bool,
    stage: usize,
    /// Stage name per stage number (`""` when unnamed), lowercased.
    aliases: BTreeMap<usize, String>,
    /// The first stage number of each alias (a map, not a scan of `aliases`: files can have
    /// thousands of stages).
    first_by_alias: foldhash::HashMap<String, usize>,
    envs: BTreeMap<usize, BTreeSet<String>>,
    args: BTreeSet<String>,
}

impl Vars {
    fn start(&mut self, stage: usize, alias: &str) {
        self.started = true;
        self.stage = stage;
        self.aliases = BTreeMap::from([(stage, alias.to_owned())]);
        self.first_by_alias = [(alias.to_owned(), stage)].into_iter().collect();
        self.envs = BTreeMap::from([(stage, BTreeSet::new())]);
        self.args = BTreeSet::new();
    }

    fn env(&mut self, key: &str) {
        if !self.started {
            self.start(0, "");
        }
        if let Some(set) = self.envs.get_mut(&self.stage) {
            set.insert(key.to_owned());
        }
    }

    fn arg(&mut self, name: &str) {
        if !self.started {
            self.start(0, "");
        }
        self.args.insert(name.to_owned());
    }

    fn from(&mut self, image: &str, alias: &str) {
        if !self.started {
            self.start(1, alias);
            return;
        }
        let image = image_name(image).to_lowercase();
        let parent = self.first_by_alias.get(&image).copied();
        let inherited = parent
            .and_then(|p| self.envs.get(&p))
            .cloned()
            .unwrap_or_default();
        self.stage += 1;
        self.aliases.insert(self.stage, alias.to_owned());
        self.first_by_alias
            .entry(alias.to_owned())
            .or_insert(self.stage);
        self.envs.insert(self.stage, inherited);
    }

    /// Whether `package` mentions a known variable as `${NAME}`.
    fn mentions_known(&self, package: &str) -> bool {
        if !self.started {
            return false;
        }
        let mentions = |name: &String| package.contains(&format!("${{{name}}}"));
        self.envs
            .get(&self.stage)
            .is_some_and(|set| set.iter().any(mentions))
            || self.args.iter().any(mentions)
    }

    /// Applies an `ENV`, `ARG` or `FROM`.
    fn apply(&mut self, instruction: &Instruction) {
        match (&instruction.kind, &instruction.args) {
            (InstructionKind::Env, Args::KeyValues(kv)) => {
                for pair in &kv.pairs {
                    self.env(&pair.key.text);
                }
            }
            (InstructionKind::Arg, Args::Arg(decls)) => {
                for decl in decls {
                    self.arg(&decl.name.text);
                }
            }
            (InstructionKind::From, Args::Words(words)) => {
                let mut words = words.iter().map(|w| w.text.as_str());
                let image = words.next().unwrap_or_default();
                let alias = match (words.next(), words.next()) {
                    (Some(kw), Some(name)) if kw.eq_ignore_ascii_case("as") => name.to_lowercase(),
                    _ => String::new(),
                };
                self.from(image, &alias);
            }
            _ => {}
        }
    }
}

/// The image name as hadolint's parser reads it: without the registry (a first part holding a
/// `.` and ending at a `/`), the tag and the digest.
fn image_name(image: &str) -> &str {
    let mut rest = image;
    if let Some(dot) = image.find('.')
        && dot > 0
        && let Some(slash) = image[dot + 1..].find('/')
        && slash > 0
    {
        rest = &image[dot + 1 + slash + 1..];
    }
    let end = rest.find([':', '@']).unwrap_or(rest.len());
    &rest[..end]
}

/// A word as hadolint's shell view spells it: drydock already writes `$x` as `${x}`; hadolint
/// also writes backquoted commands and arithmetic expansions as `${VAR}`.
fn hadolint_text(word: &ShellWord) -> String {
    let mut text = word.value.clone();
    while let Some(start) = text.find("$((") {
        let end = text[start..]
            .find("))")
            .map_or(text.len(), |e| start + e + 2);
        text.replace_range(start..end, "${VAR}");
    }
    while let Some(start) = text.find('`') {
        let end = text[start + 1..]
            .find('`')
            .map_or(text.len(), |e| start + 1 + e + 1);
        text.replace_range(start..end, "${VAR}");
    }
    text
}

/// The commands checked.
const TOOLS: [&str; 2] = ["dnf", "microdnf"];

fn is_version_like(parts: &[&str]) -> bool {
    let valid =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '~' | '^' | '_' | ':' | '+');
    !parts.is_empty()
        && parts.iter().all(|p| p.chars().all(valid))
        && parts
            .iter()
            .any(|p| p.starts_with(|c: char| c.is_ascii_digit()))
}

fn is_pinned(vars: &Vars, package: &str) -> bool {
    let parts: Vec<&str> = package.split('-').collect();
    if parts.len() <= 1 {
        false
    } else if package.ends_with(".rpm") {
        true
    } else if package.contains('$') {
        vars.mentions_known(package)
    } else {
        is_version_like(&parts[1..])
    }
}

/// hadolint's install filter: the non-flag arguments of an install, without `install` and
/// `module`.
fn install_args<'a>(cmd: &Cmd<'a>) -> Vec<&'a ShellWord> {
    if !cmd.has_any_arg(&TOOLS, &["install"]) {
        return Vec::new();
    }
    cmd.args_no_flags()
        .into_iter()
        .filter(|w| !matches!(w.value.as_str(), "install" | "module"))
        .collect()
}

fn check_run(ctx: &mut DockerfileContext<'_>, vars: &Vars, index: usize) {
    let Some(script) = ctx.model.shell(index) else {
        return;
    };
    for cmd in commands(script) {
        let module = cmd.has_any_arg(&TOOLS, &["module"]);
        if !module && cmd.has_any_arg(&TOOLS, &["group"]) {
            continue;
        }
        for word in install_args(&cmd) {
            let text = hadolint_text(word);
            if module {
                if !text.contains(':') {
                    let name: &str = if word.literal { &word.value } else { &word.raw };
                    ctx.report(
                        word.range,
                        format!(
                            "{} module `{name}` is installed without a stream",
                            cmd.name()
                        ),
                    )
                    .help(format!("name the stream to install: `{name}:<stream>`"));
                }
            } else if !is_pinned(vars, &text) {
                let (message, help) = if word.literal {
                    (
                        format!(
                            "{} package `{}` is installed without a pinned version",
                            cmd.name(),
                            word.value
                        ),
                        format!("pin it as `{}-<version>`", word.value),
                    )
                } else {
                    (
                        format!("{} package `{}` is not pinned to a version this file declares", cmd.name(), word.raw),
                        "take the version from a variable declared by `ARG` or `ENV` (`name-${VERSION}`), or write it out as `name-<version>`".to_owned(),
                    )
                };
                ctx.report(word.range, message).help(help);
            }
        }
    }
}

fn check(ctx: &mut DockerfileContext<'_>, model: &Model) {
    // Nothing to report without the command (and no variables to follow for it).
    let used = runs(ctx).any(|run| run.commands().any(|c| TOOLS.contains(&c.name())));
    if !used {
        return;
    }
    // The top-level instructions, then (an independent pass, as hadolint) the ONBUILD ones.
    let mut vars = Vars::default();
    for (index, instruction) in model.instructions() {
        if instruction.kind == InstructionKind::Run {
            check_run(ctx, &vars, index);
        } else {
            vars.apply(instruction);
        }
    }
    let mut vars = Vars::default();
    for (index, outer) in model.instructions_of(InstructionKind::Onbuild) {
        let Some(inner) = outer.onbuild_inner() else {
            continue;
        };
        if inner.kind == InstructionKind::Run {
            check_run(ctx, &vars, index);
        } else {
            vars.apply(inner);
        }
    }
}

impl Rule for UnpinnedDnfPackage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        check(ctx, model);
    }
}
