use foldhash::HashMap;

use drydock_dockerfile::model::Model;
use drydock_dockerfile::{Args, Instruction, InstructionKind};
use drydock_text::TextRange;

use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::{DockerfileContext, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::{Cmd, commands_of, has_cache_mount};
use crate::rules::dockerfile::helpers::unquote;

declare_rule! {
    /// ## What it does
    /// Reports `pip install` commands in `RUN` (or `ONBUILD RUN`) without `--no-cache-dir`.
    ///
    /// The commands are those of DL3013 (a name starting with `pip` but not `pipenv`, with an
    /// `install` argument, or a name starting with `python` with `-m pip install`), here
    /// including `pip install -r requirements.txt`. A command passes when one of its arguments
    /// is exactly `--no-cache-dir`, or when it is a wrapper: a name containing `pipx` or
    /// `pipenv`, or `python -m pipx`/`python -m pipenv`.
    ///
    /// The whole `RUN` passes when:
    /// - an `ENV PIP_NO_CACHE_DIR=<truthy>` applies to the stage. A stage is known by its name,
    ///   or by its image name (without registry or tag) when it has none, so it inherits the
    ///   setting from `FROM <stage>` and also from an earlier unnamed stage built on the same
    ///   image, as in hadolint. A later falsy `ENV` does not undo it;
    /// - the `RUN` text contains `PIP_NO_CACHE_DIR=` followed by a truthy value (the first such
    ///   place counts), as in `PIP_NO_CACHE_DIR=1 pip install ...` or
    ///   `export PIP_NO_CACHE_DIR=1 && ...`;
    /// - it has a `--mount=type=cache` or `type=tmpfs` whose target contains `.cache/pip`.
    ///
    /// Truthy values are `1`, `true`, `True`, `TRUE`, `on`, `On`, `ON`, `yes`, `Yes`, `YES`
    /// (in the `RUN` text, a value only has to start with one of them). `ONBUILD`
    /// instructions are checked among themselves: only an `ONBUILD ENV` exempts an
    /// `ONBUILD RUN`.
    ///
    /// ## Why is this bad?
    /// pip keeps every downloaded archive and built wheel in `~/.cache/pip`. In an image
    /// nothing ever reuses that cache, so it only makes the layer bigger, often by tens of
    /// megabytes.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12
    /// RUN pip install -r requirements.txt
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM python:3.12
    /// RUN pip install --no-cache-dir -r requirements.txt
    /// ```
    ///
    /// ## Fix safety
    /// The fix adds `--no-cache-dir` right after `install` (in the exec form, as a new element
    /// after `"install"`). It is safe: it only stops pip from writing its download cache, and
    /// the installed packages are the same. There is no fix when `install` is written in an
    /// unusual way (quoted or escaped).
    ///
    /// ## Differences from hadolint
    /// The finding points at the command (`pip install`) instead of the RUN's first line.
    /// Stage names are compared case-insensitively, as BuildKit does (hadolint compares them
    /// as written). Scripts in heredocs are checked as the shell runs them, including those
    /// hadolint cannot parse or reads differently.
    pub(crate) PipCacheKept {
        code: "DL3042",
        name: "pip-cache-kept",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: Sometimes,
        target: Dockerfile,
    }
}

const TRUTHY: [&str; 10] = [
    "1", "true", "True", "TRUE", "on", "On", "ON", "yes", "Yes", "YES",
];

/// A stage's identity for the `ENV` memory: its name, or its image name; `None` for the
/// `ONBUILD` sequence, which has no stages.
type StageKey = Option<String>;

/// hadolint's state for the rule: nothing seen yet, or the current stage and which stages
/// have `PIP_NO_CACHE_DIR` set.
#[derive(Default)]
struct Memory {
    current: Option<StageKey>,
    no_cache: HashMap<StageKey, bool>,
}

impl Memory {
    fn from(&mut self, instruction: &Instruction) {
        let (alias, image) = from_identity(instruction);
        let key = Some(alias.unwrap_or_else(|| image.clone()));
        if self.current.is_some() {
            let parent = self.no_cache.get(&Some(image)).copied().unwrap_or(false);
            self.no_cache.insert(key.clone(), parent);
        }
        self.current = Some(key);
    }

    fn env(&mut self, instruction: &Instruction) {
        if !env_sets_no_cache(instruction) {
            return;
        }
        let current = self.current.get_or_insert(None).clone();
        self.no_cache.insert(current, true);
    }

    fn exempt(&self) -> bool {
        self.current
            .as_ref()
            .is_some_and(|key| self.no_cache.get(key) == Some(&true))
    }
}

impl Rule for PipCacheKept {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        let mut findings: Vec<(usize, &Instruction)> = Vec::new();
        let mut stages = Memory::default();
        let mut onbuild = Memory::default();
        for (index, outer) in model.instructions() {
            let (instruction, memory) = match outer.onbuild_inner() {
                Some(inner) => (inner, &mut onbuild),
                None => (outer, &mut stages),
            };
            match instruction.kind {
                InstructionKind::From => memory.from(instruction),
                InstructionKind::Env => memory.env(instruction),
                InstructionKind::Run if !memory.exempt() => findings.push((index, instruction)),
                _ => {}
            }
        }
        for (index, run) in findings {
            check_run(ctx, model, index, run);
        }
    }
}

fn check_run<'a>(
    ctx: &mut DockerfileContext<'a>,
    model: &'a Model,
    index: usize,
    run: &Instruction,
) {
    let Some(script) = model.shell(index) else {
        return;
    };
    // Most steps install nothing with pip: that is the cheapest to find out.
    let cache = ctx.commands;
    if !commands_of(cache, index, script).any(|cmd| cmd.is_pip_install())
        || run_text_sets_no_cache(model, run)
        || has_cache_mount(model, run, ".cache/pip")
    {
        return;
    }
    let text = model.text();
    for cmd in commands_of(cache, index, script) {
        if !cmd.is_pip_install() || cmd.has_arg("--no-cache-dir") || is_wrapper(&cmd) {
            continue;
        }
        let Some(name) = cmd.name_word() else {
            continue;
        };
        let install = cmd.args.iter().find(|w| w.value == "install");
        let range = match install {
            Some(install)
                if install.range.start() >= name.range.end()
                    && !text[TextRange::new(name.range.start(), install.range.end())]
                        .contains('\n') =>
            {
                name.range.cover(install.range)
            }
            _ => name.range,
        };
        // The command as it reads up to `install` (`pip install`, `python3 -m pip install`).
        let mut shown = cmd.name().to_owned();
        for word in cmd.args.iter().take_while(|w| Some(*w) != install) {
            shown.push(' ');
            shown.push_str(&word.value);
        }
        if install.is_some() {
            shown.push_str(" install");
        }
        let diagnostic = ctx
            .report(
                range,
                format!(
                    "`{shown}` without `--no-cache-dir` keeps pip's download cache in the image"
                ),
            )
            .help("add `--no-cache-dir`, or set `ENV PIP_NO_CACHE_DIR=1` for the stage");
        let edit = install.and_then(|install| {
            let at = install.range.end();
            match &text[install.range] {
                "install" => Some(Edit::insert(at, " --no-cache-dir")),
                // An element of an exec-form `RUN`: add another element.
                "\"install\"" if is_exec_element(run, install.range) => {
                    Some(Edit::insert(at, ", \"--no-cache-dir\""))
                }
                _ => None,
            }
        });
        if let Some(edit) = edit {
            diagnostic.fix(Fix::safe("Add `--no-cache-dir`", vec![edit]));
        }
    }
}

/// Whether `range` is one of the elements of an exec-form `RUN`.
fn is_exec_element(run: &Instruction, range: TextRange) -> bool {
    matches!(&run.args, Args::Exec(exec) if exec.elements.iter().any(|e| e.range == range))
}

/// `pipx`/`pipenv`, or `python -m pipx`/`python -m pipenv`.
fn is_wrapper(cmd: &Cmd<'_>) -> bool {
    let name = cmd.name();
    let values: Vec<&str> = cmd.arg_values().collect();
    ["pipx", "pipenv"].iter().any(|wrapper| {
        name.contains(wrapper)
            || (name.starts_with("python") && values.windows(2).any(|w| w == ["-m", *wrapper]))
    })
}

/// Whether an `ENV` sets `PIP_NO_CACHE_DIR` to a truthy value (its first such pair counts).
fn env_sets_no_cache(instruction: &Instruction) -> bool {
    let Args::KeyValues(kv) = &instruction.args else {
        return false;
    };
    kv.pairs
        .iter()
        .find(|pair| unquote(&pair.key.text) == "PIP_NO_CACHE_DIR")
        .is_some_and(|pair| TRUTHY.contains(&unquote(&pair.value.text)))
}

/// hadolint's text test: the first `PIP_NO_CACHE_DIR=` of the `RUN` is followed by a truthy
/// value.
fn run_text_sets_no_cache(model: &Model, run: &Instruction) -> bool {
    let mut text = match &run.args {
        Args::Shell(shell) => shell.text.clone(),
        Args::Exec(exec) => exec
            .elements
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    };
    for heredoc in &run.heredocs {
        text.push('\n');
        text.push_str(&model.text()[heredoc.body]);
    }
    let Some(at) = text.find("PIP_NO_CACHE_DIR=") else {
        return false;
    };
    let value = &text[at + "PIP_NO_CACHE_DIR=".len()..];
    TRUTHY.iter().any(|t| value.starts_with(t))
}

/// A `FROM`'s name (lowercased, as BuildKit) and image name as hadolint's parser splits it:
/// without a registry (a first part holding a `.` and ending at a `/`), tag or digest.
fn from_identity(instruction: &Instruction) -> (Option<String>, String) {
    let Args::Words(words) = &instruction.args else {
        return (None, String::new());
    };
    let image = words.first().map_or("", |w| w.text.as_str());
    let alias = match words.get(1..3) {
        Some([as_word, alias]) if as_word.text.eq_ignore_ascii_case("as") => {
            Some(alias.text.to_ascii_lowercase())
        }
        _ => None,
    };
    (alias, image_name(image).to_ascii_lowercase())
}

fn image_name(image: &str) -> &str {
    // A registry is `<domain>.<tld>/`: some text, a `.`, some text, then a `/`.
    let rest = match image.find('.') {
        Some(dot) if dot > 0 => match image[dot + 1..].find('/') {
            Some(slash) if slash > 0 => &image[dot + 1 + slash + 1..],
            _ => image,
        },
        _ => image,
    };
    // The name ends at the tag or digest; `${...}` is opaque.
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
