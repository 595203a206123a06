//! hadolint's view of shell commands, for the DL rules (hadolint.md §1.1).
//!
//! hadolint's rules look at "commands": every simple command of a RUN (including those inside
//! `$(...)`), named as ShellCheck's `getCommandName` names it, with its argument words with quotes
//! removed, and *flags* computed from the arguments:
//! `--name[=value]` gives `name`; `-abc` gives `a`, `b`, `c`; `-` and `--` give nothing. Flag
//! values are not removed from the arguments unless a rule asks (`drop_flag_arg`). This module
//! reproduces those semantics over drydock's shell view, keeping each word's exact range so
//! findings can point at the word.
//!
//! The name is the first word exactly as written (no basename, no unwrapping of `sudo` or
//! `env`), except that `exec`, `command`, `builtin`, `busybox` and `run` give way to the command
//! they run (see [`Cmd::new`]). A command whose name is not a literal word (`"$CMD" arg`,
//! `/usr/bin/python*`) is not a command for hadolint at all. Only the commands a strict parser
//! reads count ([`StrictRead`]): none of a script ShellCheck rejects, and those before the place
//! where it stops reading.

use std::borrow::Cow;
use std::cell::OnceCell;

use crate::rule::DockerfileContext;
use drydock_dockerfile::model::Model;
use drydock_dockerfile::shell::{Command, ShellScript, ShellWord, StrictRead};
use drydock_dockerfile::{Instruction, InstructionKind, TextRange, TextSize};
use either::Either;

/// A command as hadolint's rules see it.
#[derive(Clone, Debug)]
pub(crate) struct Cmd<'a> {
    /// The command.
    pub(crate) command: &'a Command,
    /// The word naming it: the first word, or the command a wrapper such as `exec` runs.
    name: &'a ShellWord,
    /// Its arguments (the words after the first, the unwrapped name included, as hadolint keeps
    /// them), possibly with flag values dropped.
    pub(crate) args: CmdArgs<'a>,
}

/// The arguments of a [`Cmd`]: a run of the command's words (no allocation: a `Cmd` is made
/// for every command by many rules), or a picked list once flag values are dropped.
#[derive(Clone, Debug)]
pub(crate) enum CmdArgs<'a> {
    /// Consecutive words.
    Run(&'a [ShellWord]),
    /// Some words, in order.
    Picked(Vec<&'a ShellWord>),
}

impl<'a> CmdArgs<'a> {
    /// How many.
    pub(crate) fn len(&self) -> usize {
        match self {
            Self::Run(words) => words.len(),
            Self::Picked(words) => words.len(),
        }
    }

    /// The `i`th.
    pub(crate) fn get(&self, i: usize) -> Option<&'a ShellWord> {
        match self {
            Self::Run(words) => words.get(i),
            Self::Picked(words) => words.get(i).copied(),
        }
    }

    /// In order.
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = &'a ShellWord> + '_ {
        let (run, picked) = match self {
            Self::Run(words) => (Some(words.iter()), None),
            Self::Picked(words) => (None, Some(words.iter().copied())),
        };
        run.into_iter()
            .flatten()
            .chain(picked.into_iter().flatten())
    }
}

/// One flag and the index (in [`Cmd::args`]) of the argument it was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CmdFlag<'a> {
    /// The name: the text after `--` up to `=`, or one character after `-`.
    pub(crate) name: &'a str,
    pub(crate) arg: usize,
}

impl<'a> Cmd<'a> {
    /// The hadolint view of `command`, or `None` when hadolint does not see it as a command.
    ///
    /// This is ShellCheck's `getCommandName` (0.11, hadolint 2.15.1's): the first word must be
    /// literal (no expansion, substitution or glob); `busybox`, `builtin`, `command` and `run`
    /// give way to the next word unless it is a flag, and `exec` to the first word after its
    /// options (`-c`, `-l`, `-a NAME`, `--`; any other option keeps `exec`). A command named by
    /// a word that is not literal (`command "$x"`) is not a command. The arguments stay all the
    /// words after the first, the command's own name included, as in hadolint: in
    /// `command apt-get install -y curl=8.5.0-2`, `apt-get` is one of the packages to install
    /// (and it is not pinned).
    pub(crate) fn new(command: &'a Command) -> Option<Self> {
        let first = command.words.first()?;
        if !is_literal(first) {
            return None;
        }
        let args = command.args();
        let wrapped = match first.value.as_str() {
            "busybox" | "builtin" | "command" | "run" => args.first().filter(|w| !is_flag(w)),
            "exec" => exec_target(args),
            _ => None,
        };
        let name = match wrapped {
            Some(word) if is_literal(word) => word,
            Some(_) => return None,
            None => first,
        };
        Some(Self {
            command,
            name,
            args: CmdArgs::Run(args),
        })
    }

    /// The command name (quotes removed), as hadolint sees it.
    pub(crate) fn name(&self) -> &'a str {
        self.name.value.as_str()
    }

    /// The word naming the command.
    pub(crate) fn name_word(&self) -> Option<&'a ShellWord> {
        Some(self.name)
    }

    /// Argument values.
    pub(crate) fn arg_values(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.args.iter().map(|w| w.value.as_str())
    }

    /// hadolint's `getAllFlags`, in order, without allocating (the rules ask for flags of every
    /// command many times).
    pub(crate) fn flags(&self) -> impl Iterator<Item = CmdFlag<'a>> + '_ {
        self.args.iter().enumerate().flat_map(|(i, w)| {
            let v = w.value.as_str();
            let (long, short) = if v == "--" || v == "-" {
                (None, "")
            } else if let Some(long) = v.strip_prefix("--") {
                (Some(long.split('=').next().unwrap_or(long)), "")
            } else {
                (None, v.strip_prefix('-').unwrap_or_default())
            };
            let long = long.map(|name| CmdFlag { name, arg: i });
            let short = short.char_indices().map(move |(at, c)| CmdFlag {
                name: &short[at..at + c.len_utf8()],
                arg: i,
            });
            long.into_iter().chain(short)
        })
    }

    /// How many times flag `name` appears (`-qq` counts `q` twice).
    pub(crate) fn count_flag(&self, name: &str) -> usize {
        self.flags().filter(|f| f.name == name).count()
    }

    /// Whether flag `name` appears.
    pub(crate) fn has_flag(&self, name: &str) -> bool {
        self.flags().any(|f| f.name == name)
    }

    /// Whether any of `names` appears as a flag.
    pub(crate) fn has_any_flag(&self, names: &[&str]) -> bool {
        self.flags().any(|f| names.contains(&f.name))
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

    /// hadolint's `getArgsNoFlags`: the arguments that are not flag words (`-` and `--` stay).
    pub(crate) fn args_no_flags(&self) -> Vec<&'a ShellWord> {
        let flag_args: Vec<usize> = self.flags().map(|f| f.arg).collect();
        self.args
            .iter()
            .enumerate()
            .filter(|(i, _)| !flag_args.contains(i))
            .map(|(_, w)| w)
            .collect()
    }

    /// hadolint's `dropFlagArg`: removes the argument following each of `flags` (when the flag
    /// was not written with an inline `=value`).
    pub(crate) fn drop_flag_arg(&self, flags: &[&str]) -> Cmd<'a> {
        let mut drop: Vec<usize> = Vec::new();
        for f in self.flags().filter(|f| flags.contains(&f.name)) {
            if self.args.get(f.arg).is_some_and(|w| w.value.contains('=')) {
                continue;
            }
            // The value is the next argument after the flag's own word.
            if f.arg + 1 < self.args.len() {
                drop.push(f.arg + 1);
            }
        }
        Cmd {
            command: self.command,
            name: self.name,
            args: CmdArgs::Picked(
                self.args
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !drop.contains(i))
                    .map(|(_, w)| w)
                    .collect(),
            ),
        }
    }

    /// hadolint's `getFlagArg`: the words following each occurrence of flag `name`.
    pub(crate) fn flag_args(&self, name: &str) -> Vec<&'a ShellWord> {
        self.flags()
            .filter(|f| f.name == name)
            .filter_map(|f| self.args.get(f.arg + 1))
            .collect()
    }

    /// hadolint's `isPipInstall`: `pip*` (not `pipenv*`) with an `install` argument, or
    /// `python* -m pip install`.
    pub(crate) fn is_pip_install(&self) -> bool {
        let name = self.name();
        if !name.starts_with("pip") && !name.starts_with("python") {
            return false;
        }
        let values: Vec<&str> = self.arg_values().collect();
        let std =
            name.starts_with("pip") && !name.starts_with("pipenv") && values.contains(&"install");
        let python =
            name.starts_with("python") && values.windows(3).any(|w| w == ["-m", "pip", "install"]);
        std || python
    }
}

/// Every command of a script hadolint sees, in order: those a strict parser reads (none when it
/// rejects the script; before the place where it stops, with the words before it), named by
/// [`Cmd::new`].
pub(crate) fn commands(script: &ShellScript) -> impl Iterator<Item = Cmd<'_>> {
    let limit = read_limit(script);
    script.commands.iter().filter_map(move |command| {
        let Some(limit) = limit else {
            return Cmd::new(command);
        };
        let mut cmd = Cmd::new(command)?;
        if cmd.name.range.start() >= limit {
            return None;
        }
        // The words are in order: those before the limit are a prefix.
        let kept = cmd
            .args
            .iter()
            .take_while(|w| w.range.end() <= limit)
            .count();
        cmd.args = match cmd.args {
            CmdArgs::Run(words) => CmdArgs::Run(&words[..kept]),
            CmdArgs::Picked(mut words) => {
                words.truncate(kept);
                CmdArgs::Picked(words)
            }
        };
        Some(cmd)
    })
}

/// [`commands`] of the shell view `script` of instruction `index`: from the lint's cache when
/// it keeps one (`cache`: [`DockerfileContext`]'s), so the rules that look at every `RUN` do
/// not name each command again.
pub(crate) fn commands_of<'a>(
    cache: Option<&'a CommandCache<'a>>,
    index: usize,
    script: &'a ShellScript,
) -> impl Iterator<Item = Cmd<'a>> + use<'a> {
    match cache {
        Some(cache) => Either::Left(cache.get(index, script).iter().cloned()),
        None => Either::Right(commands(script)),
    }
}

/// The pipe operators of a script hadolint sees (those a strict parser reads).
pub(crate) fn pipes(script: &ShellScript) -> impl Iterator<Item = TextRange> + '_ {
    let limit = read_limit(script);
    script
        .pipes
        .iter()
        .copied()
        .filter(move |p| limit.is_none_or(|limit| p.end() <= limit))
}

/// Where hadolint stops reading the script: `None` when it reads all of it.
fn read_limit(script: &ShellScript) -> Option<TextSize> {
    match script.strict {
        StrictRead::Complete => None,
        StrictRead::StopsAt(at) => Some(at),
        StrictRead::Rejected => Some(TextSize::new(0)),
    }
}

/// ShellCheck's `getLiteralString` succeeds on the word: no expansion or substitution, and no
/// unquoted glob (`*`, `?`, `[...]`).
fn is_literal(word: &ShellWord) -> bool {
    if !word.literal {
        return false;
    }
    let raw = word.raw.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'\\' => i += 1,
            b'\'' => {
                i += raw[i + 1..]
                    .iter()
                    .position(|&c| c == b'\'')
                    .map_or(raw.len(), |p| p + 1);
            }
            b'"' => {
                i += 1;
                while i < raw.len() && raw[i] != b'"' {
                    i += if raw[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'*' | b'?' => return false,
            b'[' if raw[i + 1..].contains(&b']') => return false,
            _ => {}
        }
        i += 1;
    }
    true
}

/// ShellCheck's `isFlag`: the word's first part is an unquoted or double-quoted literal starting
/// with `-` (`'-x'` is not a flag).
fn is_flag(word: &ShellWord) -> bool {
    let raw = word.raw.as_str();
    raw.starts_with('-') || raw.starts_with("\"-") || raw.starts_with("\\-")
}

/// The command `exec` runs: the first argument after `exec`'s options, read as ShellCheck's
/// `getBsdOpts "cla:"` does (`None` for an unknown option or no command).
fn exec_target(args: &[ShellWord]) -> Option<&ShellWord> {
    let mut i = 0;
    while let Some(word) = args.get(i) {
        let value = word.value.as_str();
        if value == "--" {
            return args.get(i + 1);
        }
        if value.starts_with("--") {
            return None;
        }
        let Some(options) = value.strip_prefix('-') else {
            return Some(word);
        };
        i += 1;
        for (k, option) in options.char_indices() {
            match option {
                'c' | 'l' => {}
                // `-a NAME`, or `-aNAME`.
                'a' if k + 1 == options.len() => {
                    args.get(i)?;
                    i += 1;
                }
                'a' => break,
                _ => return None,
            }
        }
    }
    None
}

/// The hadolint commands of each `RUN`, built once per lint and shared by the rules (rather
/// than named again by each of them).
pub(crate) struct CommandCache<'a> {
    /// Every `RUN` and `ONBUILD RUN` with its shell view, listed at the first use.
    runs: OnceCell<Vec<RunSite<'a>>>,
    /// Per instruction, the commands of its shell view.
    commands: Vec<OnceCell<Box<[Cmd<'a>]>>>,
}

impl<'a> CommandCache<'a> {
    /// An empty cache for a file of `count` instructions.
    pub(crate) fn new(count: usize) -> Self {
        Self {
            runs: OnceCell::new(),
            commands: (0..count).map(|_| OnceCell::new()).collect(),
        }
    }

    /// The commands of instruction `index`'s shell view `script`.
    fn get(&self, index: usize, script: &'a ShellScript) -> &[Cmd<'a>] {
        self.commands[index].get_or_init(|| commands(script).collect())
    }

    /// The `RUN`s of `model`.
    fn runs(&self, model: &'a Model) -> &[RunSite<'a>] {
        self.runs.get_or_init(|| run_sites(model).collect())
    }
}

/// Where a `RUN` is: what [`Run`] has besides the commands.
#[derive(Clone, Copy)]
struct RunSite<'a> {
    index: usize,
    instruction: &'a Instruction,
    onbuild: bool,
    script: &'a ShellScript,
}

/// Every `RUN` and `ONBUILD RUN` of `model` with its shell view.
fn run_sites(model: &Model) -> impl Iterator<Item = RunSite<'_>> {
    (0..model.instruction_count()).filter_map(move |index| {
        let outer = model.instruction(index);
        let (instruction, onbuild) = match outer.kind {
            InstructionKind::Run => (outer, false),
            InstructionKind::Onbuild => (
                outer
                    .onbuild_inner()
                    .filter(|i| i.kind == InstructionKind::Run)?,
                true,
            ),
            _ => return None,
        };
        Some(RunSite {
            index,
            instruction,
            onbuild,
            script: model.shell(index)?,
        })
    })
}

/// A `RUN`, as the DL rules see it.
pub(crate) struct Run<'a> {
    /// Instruction index.
    pub(crate) index: usize,
    /// The RUN instruction itself (the inner one for `ONBUILD RUN`).
    pub(crate) instruction: &'a Instruction,
    /// Whether it is wrapped in `ONBUILD`.
    pub(crate) onbuild: bool,
    /// Its shell view.
    pub(crate) script: &'a ShellScript,
    /// Its commands, when the lint keeps them ([`CommandCache`]).
    cached: Option<&'a [Cmd<'a>]>,
}

impl<'a> Run<'a> {
    /// Its commands hadolint sees ([`commands`]).
    pub(crate) fn commands(&self) -> impl Iterator<Item = Cmd<'a>> + use<'a> {
        match self.cached {
            Some(cached) => Either::Left(cached.iter().cloned()),
            None => Either::Right(commands(self.script)),
        }
    }

    /// [`Run::commands`] as a list: the lint's own when it keeps them (nothing copied).
    pub(crate) fn command_list(&self) -> Cow<'a, [Cmd<'a>]> {
        match self.cached {
            Some(cached) => Cow::Borrowed(cached),
            None => Cow::Owned(commands(self.script).collect()),
        }
    }
}

/// Every `RUN` and `ONBUILD RUN` to check ([`DockerfileContext::checks`]) with its shell view
/// (every shell, as hadolint parses every RUN).
pub(crate) fn runs<'a>(ctx: &DockerfileContext<'a>) -> impl Iterator<Item = Run<'a>> + use<'a> {
    let (model, checked, cache) = (ctx.model, ctx.checked(), ctx.commands);
    // Listed once per lint when the lint keeps a cache (else here).
    let sites = match cache {
        Some(cache) => Either::Left(cache.runs(model).iter().copied()),
        None => Either::Right(run_sites(model)),
    };
    sites
        .filter(move |site| checked(site.index))
        .map(move |site| Run {
            index: site.index,
            instruction: site.instruction,
            onbuild: site.onbuild,
            script: site.script,
            cached: cache.map(|cache| cache.get(site.index, site.script)),
        })
}

/// Targets of `--mount=type=cache` and `--mount=type=tmpfs` on a RUN (hadolint's cache-mount
/// exemptions test whether a target *contains* a path).
pub(crate) fn cache_mount_targets(model: &Model, run: &Instruction) -> Vec<String> {
    let text = model.text();
    let mut out = Vec::new();
    for flag in run.flags_named("mount") {
        let fields = flag.fields(text);
        let ty = fields
            .iter()
            .find(|f| f.key == "type")
            .map_or("bind", |f| f.value.as_str());
        if ty != "cache" && ty != "tmpfs" {
            continue;
        }
        if let Some(target) = fields
            .iter()
            .find(|f| matches!(f.key.as_str(), "target" | "dst" | "destination"))
        {
            out.push(target.value.clone());
        }
    }
    out
}

/// Whether some cache/tmpfs mount target of `run` contains `path`.
pub(crate) fn has_cache_mount(model: &Model, run: &Instruction, path: &str) -> bool {
    cache_mount_targets(model, run)
        .iter()
        .any(|t| t.contains(path))
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
        first_cmd(
            "apt-get -yqq --no-install-recommends install -t bookworm foo -- -",
            |c| {
                let names: Vec<&str> = c.flags().map(|f| f.name).collect();
                assert_eq!(names, ["y", "q", "q", "no-install-recommends", "t"]);
                assert!(c.has_flag("no-install-recommends") && !c.has_flag("x"));
                assert_eq!(c.count_flag("q"), 2);
                let no_flags: Vec<&str> =
                    c.args_no_flags().iter().map(|w| w.value.as_str()).collect();
                assert_eq!(no_flags, ["install", "bookworm", "foo", "--", "-"]);
                let dropped: Vec<&str> = c
                    .drop_flag_arg(&["t"])
                    .args_no_flags()
                    .iter()
                    .map(|w| w.value.as_str())
                    .collect();
                assert_eq!(dropped, ["install", "foo", "--", "-"]);
                assert!(c.has_any_arg(&["apt-get"], &["install", "nothing"]));
            },
        );
        first_cmd("useradd -u 123456 --uid=7 bob", |c| {
            let values: Vec<&str> = c.flag_args("u").iter().map(|w| w.value.as_str()).collect();
            assert_eq!(values, ["123456"]);
        });
        first_cmd("python3 -m pip install flask", |c| {
            assert!(c.is_pip_install());
        });
        first_cmd("pipenv install flask", |c| assert!(!c.is_pip_install()));
        first_cmd("/usr/bin/sudo true", |c| {
            assert_eq!(c.name(), "/usr/bin/sudo");
        });
    }

    /// Names and argument values of the commands hadolint sees in `RUN {run}`.
    fn seen(run: &str) -> Vec<(String, Vec<String>)> {
        let model = Model::new(parse_str(&format!("FROM x\nRUN {run}\n")));
        let script = model.shell(1).expect("RUN");
        commands(script)
            .map(|c| {
                (
                    c.name().to_owned(),
                    c.arg_values().map(str::to_owned).collect(),
                )
            })
            .collect()
    }

    fn names(run: &str) -> Vec<String> {
        seen(run).into_iter().map(|(name, _)| name).collect()
    }

    #[test]
    fn wrappers_give_way_to_the_command_they_run() {
        assert_eq!(
            seen("exec cd /x"),
            [("cd".to_owned(), vec!["cd".to_owned(), "/x".to_owned()])]
        );
        assert_eq!(
            names("command cd /x && builtin cd /y && run cd /z"),
            ["cd", "cd", "cd"]
        );
        assert_eq!(names("busybox wget -q http://x"), ["wget"]);
        // `exec` options: -c, -l, -a NAME and `--`; any other option keeps `exec`.
        assert_eq!(
            names("exec -a name -cl cd /x; exec -- cd; exec -z cd; exec"),
            ["cd", "cd", "exec", "exec"]
        );
        // A flag keeps the wrapper; a single-quoted word is not a flag.
        assert_eq!(
            names("command -v cd; command \"-p\" cd; command '-p' cd"),
            ["command", "command", "-p"]
        );
        // One level only.
        assert_eq!(names("command command cd"), ["command"]);
    }

    #[test]
    fn commands_without_a_literal_name_are_not_commands() {
        assert_eq!(
            names("\"$X\" a && command $Y && exec \"$@\" && /usr/bin/pytho* -V && ls"),
            ["ls"]
        );
        assert_eq!(names("'ls' a && ~/bin/x"), ["ls", "~/bin/x"]);
    }

    #[test]
    fn only_commands_a_strict_parser_reads() {
        // ShellCheck stops at `.DownloadFile` and keeps what comes before.
        assert_eq!(
            names("Write-Host 'a' ; (New-Object Net.WebClient).DownloadFile('u', $f) ; cd /x"),
            ["Write-Host", "New-Object"]
        );
        // A `(` where an argument is expected: the command keeps the words before it.
        assert_eq!(
            seen("Write-Host -NoNewLine ('a {0}' -f $b) ; cd /x"),
            [("Write-Host".to_owned(), vec!["-NoNewLine".to_owned()])]
        );
        // Rejected scripts have no command.
        assert!(names("cd /x ; [Net.ServicePointManager]::SecurityProtocol = 1").is_empty());
        assert!(names("cd /x ; echo 'unclosed").is_empty());
    }
}
