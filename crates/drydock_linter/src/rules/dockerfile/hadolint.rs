//! hadolint's view of shell commands, for the DL rules (hadolint.md §1.1).
//!
//! hadolint's rules look at "commands": every simple command of a RUN (including those inside
//! `$(...)`), with its exact name as written (no basename, no unwrapping of `sudo`), its argument
//! words with quotes removed, and *flags* computed from the arguments:
//! `--name[=value]` gives `name`; `-abc` gives `a`, `b`, `c`; `-` and `--` give nothing. Flag
//! values are not removed from the arguments unless a rule asks (`drop_flag_arg`). This module
//! reproduces those semantics over drydock's shell view, keeping each word's exact range so
//! findings can point at the word.

use drydock_dockerfile::model::Model;
use drydock_dockerfile::shell::{Command, ShellScript, ShellWord};
use drydock_dockerfile::{Instruction, InstructionKind};

/// A command as hadolint's rules see it.
#[derive(Clone, Debug)]
pub(crate) struct Cmd<'a> {
    /// The command.
    pub(crate) command: &'a Command,
    /// Its arguments (after the name), possibly with flag values dropped.
    pub(crate) args: Vec<&'a ShellWord>,
}

/// One flag and the index (in [`Cmd::args`]) of the argument it was written in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CmdFlag {
    pub(crate) name: String,
    pub(crate) arg: usize,
}

impl<'a> Cmd<'a> {
    /// The hadolint view of `command`.
    pub(crate) fn new(command: &'a Command) -> Self {
        Self { command, args: command.args().iter().collect() }
    }

    /// The command name exactly as written (quotes removed); `""` when the command has only
    /// assignments.
    pub(crate) fn name(&self) -> &'a str {
        self.command.words.first().map_or("", |w| w.value.as_str())
    }

    /// The word naming the command.
    pub(crate) fn name_word(&self) -> Option<&'a ShellWord> {
        self.command.words.first()
    }

    /// Argument values.
    pub(crate) fn arg_values(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.args.iter().map(|w| w.value.as_str())
    }

    /// hadolint's `getAllFlags`.
    pub(crate) fn flags(&self) -> Vec<CmdFlag> {
        let mut out = Vec::new();
        for (i, w) in self.args.iter().enumerate() {
            let v = w.value.as_str();
            if v == "--" || v == "-" {
                continue;
            }
            if let Some(long) = v.strip_prefix("--") {
                out.push(CmdFlag { name: long.split('=').next().unwrap_or(long).to_owned(), arg: i });
            } else if let Some(short) = v.strip_prefix('-') {
                out.extend(short.chars().map(|c| CmdFlag { name: c.to_string(), arg: i }));
            }
        }
        out
    }

    /// How many times flag `name` appears (`-qq` counts `q` twice).
    pub(crate) fn count_flag(&self, name: &str) -> usize {
        self.flags().iter().filter(|f| f.name == name).count()
    }

    /// Whether flag `name` appears.
    pub(crate) fn has_flag(&self, name: &str) -> bool {
        self.count_flag(name) > 0
    }

    /// Whether any of `names` appears as a flag.
    pub(crate) fn has_any_flag(&self, names: &[&str]) -> bool {
        self.flags().iter().any(|f| names.contains(&f.name.as_str()))
    }

    /// Whether some argument equals `value` exactly.
    pub(crate) fn has_arg(&self, value: &str) -> bool {
        self.arg_values().any(|a| a == value)
    }

    /// hadolint's `cmdHasArgs`: the command has one of `names` and *any* of `args` appears as an
    /// argument, anywhere.
    pub(crate) fn has_any_arg(&self, names: &[&str], args: &[&str]) -> bool {
        names.contains(&self.name()) && self.arg_values().any(|a| args.contains(&a))
    }

    /// hadolint's `cmdHasPrefixArg`.
    pub(crate) fn has_prefix_arg(&self, name: &str, prefix: &str) -> bool {
        self.name() == name && self.arg_values().any(|a| a.starts_with(prefix))
    }

    /// hadolint's `getArgsNoFlags`: the arguments that are not flag words (`-` and `--` stay).
    pub(crate) fn args_no_flags(&self) -> Vec<&'a ShellWord> {
        let flag_args: Vec<usize> = self.flags().iter().map(|f| f.arg).collect();
        self.args.iter().enumerate().filter(|(i, _)| !flag_args.contains(i)).map(|(_, w)| *w).collect()
    }

    /// hadolint's `dropFlagArg`: removes the argument following each of `flags` (when the flag
    /// was not written with an inline `=value`).
    pub(crate) fn drop_flag_arg(&self, flags: &[&str]) -> Cmd<'a> {
        let all = self.flags();
        let mut drop: Vec<usize> = Vec::new();
        for f in all.iter().filter(|f| flags.contains(&f.name.as_str())) {
            if self.args[f.arg].value.contains('=') {
                continue;
            }
            // The value is the next argument after the flag's own word.
            if f.arg + 1 < self.args.len() {
                drop.push(f.arg + 1);
            }
        }
        Cmd {
            command: self.command,
            args: self.args.iter().enumerate().filter(|(i, _)| !drop.contains(i)).map(|(_, w)| *w).collect(),
        }
    }

    /// hadolint's `getFlagArg`: the words following each occurrence of flag `name`.
    pub(crate) fn flag_args(&self, name: &str) -> Vec<&'a ShellWord> {
        self.flags().iter().filter(|f| f.name == name).filter_map(|f| self.args.get(f.arg + 1).copied()).collect()
    }

    /// hadolint's `isPipInstall`: `pip*` (not `pipenv*`) with an `install` argument, or
    /// `python* -m pip install`.
    pub(crate) fn is_pip_install(&self) -> bool {
        let name = self.name();
        let values: Vec<&str> = self.arg_values().collect();
        let std = name.starts_with("pip") && !name.starts_with("pipenv") && values.contains(&"install");
        let python = name.starts_with("python") && values.windows(3).any(|w| w == ["-m", "pip", "install"]);
        std || python
    }
}

/// Every command of a script, in order.
pub(crate) fn commands(script: &ShellScript) -> impl Iterator<Item = Cmd<'_>> {
    script.commands.iter().filter(|c| !c.words.is_empty()).map(Cmd::new)
}

/// hadolint's `usingProgram`: some command is named exactly `name`.
pub(crate) fn using_program(script: &ShellScript, name: &str) -> bool {
    commands(script).any(|c| c.name() == name)
}

/// A `RUN`, as the DL rules see it.
pub(crate) struct Run<'a> {
    /// Instruction index.
    pub(crate) index: usize,
    /// The RUN instruction itself (the inner one for `ONBUILD RUN`).
    pub(crate) instruction: &'a Instruction,
    /// Whether it is wrapped in `ONBUILD`.
    pub(crate) onbuild: bool,
    /// Its commands.
    pub(crate) script: &'a ShellScript,
}

/// Every `RUN` and `ONBUILD RUN` with its shell view (every shell, as hadolint parses every RUN).
pub(crate) fn runs(model: &Model) -> impl Iterator<Item = Run<'_>> {
    (0..model.instruction_count()).filter_map(move |index| {
        let outer = model.instruction(index);
        let (instruction, onbuild) = match outer.kind {
            InstructionKind::Run => (outer, false),
            InstructionKind::Onbuild => (outer.onbuild_inner().filter(|i| i.kind == InstructionKind::Run)?, true),
            _ => return None,
        };
        Some(Run { index, instruction, onbuild, script: model.shell(index)? })
    })
}

/// Targets of `--mount=type=cache` and `--mount=type=tmpfs` on a RUN (hadolint's cache-mount
/// exemptions test whether a target *contains* a path).
pub(crate) fn cache_mount_targets(model: &Model, run: &Instruction) -> Vec<String> {
    let text = model.text();
    let mut out = Vec::new();
    for flag in run.flags_named("mount") {
        let fields = flag.fields(text);
        let ty = fields.iter().find(|f| f.key == "type").map_or("bind", |f| f.value.as_str());
        if ty != "cache" && ty != "tmpfs" {
            continue;
        }
        if let Some(target) = fields.iter().find(|f| matches!(f.key.as_str(), "target" | "dst" | "destination")) {
            out.push(target.value.clone());
        }
    }
    out
}

/// Whether some cache/tmpfs mount target of `run` contains `path`.
pub(crate) fn has_cache_mount(model: &Model, run: &Instruction, path: &str) -> bool {
    cache_mount_targets(model, run).iter().any(|t| t.contains(path))
}

/// Instructions of `kind` wrapped in `ONBUILD`, with the outer instruction's index.
pub(crate) fn onbuild_of(model: &Model, kind: InstructionKind) -> impl Iterator<Item = (usize, &Instruction)> {
    model
        .instructions_of(InstructionKind::Onbuild)
        .filter_map(move |(i, outer)| outer.onbuild_inner().filter(|inner| inner.kind == kind).map(|inner| (i, inner)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use drydock_dockerfile::parse_str;

    fn first_cmd<R>(run: &str, f: impl FnOnce(Cmd<'_>) -> R) -> R {
        let model = Model::new(parse_str(&format!("FROM x\nRUN {run}\n")));
        let script = model.shell(1).expect("RUN");
        let cmd = commands(script).next().expect("a command");
        f(cmd)
    }

    #[test]
    fn flags_follow_hadolint() {
        first_cmd("apt-get -yqq --no-install-recommends install -t bookworm foo -- -", |c| {
            let names: Vec<String> = c.flags().into_iter().map(|f| f.name).collect();
            assert_eq!(names, ["y", "q", "q", "no-install-recommends", "t"]);
            assert_eq!(c.count_flag("q"), 2);
            let no_flags: Vec<&str> = c.args_no_flags().iter().map(|w| w.value.as_str()).collect();
            assert_eq!(no_flags, ["install", "bookworm", "foo", "--", "-"]);
            let dropped: Vec<&str> = c.drop_flag_arg(&["t"]).args_no_flags().iter().map(|w| w.value.as_str()).collect();
            assert_eq!(dropped, ["install", "foo", "--", "-"]);
            assert!(c.has_any_arg(&["apt-get"], &["install", "nothing"]));
        });
        first_cmd("useradd -u 123456 --uid=7 bob", |c| {
            let values: Vec<&str> = c.flag_args("u").iter().map(|w| w.value.as_str()).collect();
            assert_eq!(values, ["123456"]);
        });
        first_cmd("python3 -m pip install flask", |c| assert!(c.is_pip_install()));
        first_cmd("pipenv install flask", |c| assert!(!c.is_pip_install()));
        first_cmd("/usr/bin/sudo true", |c| assert_eq!(c.name(), "/usr/bin/sudo"));
    }
}
