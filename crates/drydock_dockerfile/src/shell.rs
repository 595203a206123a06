//! The shell view of `RUN`: simple commands with their words, pipelines and operators, each with
//! a range in the Dockerfile.
//!
//! The parser is tree-sitter-bash. It is fed the instruction's own bytes with a few same-length
//! substitutions (Dockerfile comment lines and empty continuation lines blanked, a continuation
//! escape moved next to its newline and spelled `\`, CR before LF blanked), so that every offset in
//! the shell text plus the arguments' start is an offset in the Dockerfile. Heredoc bodies that a
//! shell runs are parsed the same way from their own offset. The exec form `["sh", "-c", "..."]`
//! has its script parsed from inside the JSON string; any other exec form is one command whose
//! words are the array elements.

use std::cell::{Cell, RefCell};

use drydock_text::{TextRange, TextSize};

use crate::syntax::{Args, Dockerfile, Instruction};

mod fast;
mod strict;

/// Which shell reader builds a view.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// drydock's own reader, and tree-sitter-bash for the scripts it leaves (the default).
    Auto,
    /// tree-sitter-bash only: the reference the fast reader is tested against.
    TreeSitter,
}

thread_local! {
    /// Scripts and bytes read by the fast reader and left to tree-sitter, on this thread.
    static STATS: Cell<ReaderStats> = const { Cell::new(ReaderStats { fast: 0, fast_bytes: 0, fallback: 0, fallback_bytes: 0, skipped: 0, skipped_bytes: 0 }) };
}

/// How many scripts (and bytes) each reader read on this thread, for tests and benchmarks.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReaderStats {
    /// Scripts the fast reader read.
    pub fast: u64,
    /// Their bytes.
    pub fast_bytes: u64,
    /// Scripts left to tree-sitter-bash.
    pub fallback: u64,
    /// Their bytes.
    pub fallback_bytes: u64,
    /// Scripts read only as far as a strict parser reads them, under a shell that is not POSIX
    /// ([`parse_run_non_posix`]).
    pub skipped: u64,
    /// The bytes not read.
    pub skipped_bytes: u64,
}

/// Where drydock's own shell reader gives up on `script`: the byte offset and a code of the
/// reason (for finding what is worth teaching it).
#[doc(hidden)]
#[must_use]
pub fn probe_fast_reader(script: &str) -> Option<(usize, u32)> {
    fast::probe(script)
}

/// The reader statistics of this thread since the last call.
#[doc(hidden)]
#[must_use]
pub fn take_reader_stats() -> ReaderStats {
    STATS.with(|s| s.replace(ReaderStats::default()))
}

/// The commands of one `RUN`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShellScript {
    /// Simple commands in source order, including those nested in `$(...)`, subshells, `if`,
    /// loops and functions.
    pub commands: Vec<Command>,
    /// Ranges of `|` and `|&` pipe operators (not `||`).
    pub pipes: Vec<TextRange>,
    /// Pipelines of two or more commands: indices into `commands`, in order.
    pub pipelines: Vec<Vec<usize>>,
    /// Whether the shell parser met a syntax error (commands found around it are still listed).
    pub has_error: bool,
    /// How far a strict shell parser reads the script (see [`StrictRead`]).
    pub strict: StrictRead,
    /// Whether the script was the JSON exec form (no shell involved unless `sh -c`).
    pub exec_form: bool,
}

/// How a strict shell parser, one that gives up on invalid syntax, reads a script.
///
/// drydock's parser recovers from syntax errors and lists the commands it finds on both sides of
/// them. A strict parser such as ShellCheck's (which hadolint reads `RUN` with) reads the
/// top-level command list only while it is valid. When the next token cannot continue it and
/// everything before is complete (a stray `}`, `fi` or `;;`, a `(` where an argument is
/// expected, a word right after a `( ... )` group, a command starting with `&`: typically
/// PowerShell such as `(New-Object Net.WebClient).DownloadFile(...)`), it stops there and keeps
/// the commands before. When a construct it has started is invalid or unclosed (an unclosed
/// quote or block, PowerShell's `[Type]::Member` where a command starts, a function definition
/// without a body, nothing after `&&`), it rejects the whole script. drydock follows
/// ShellCheck's grammar at the level of tokens (not a full parser); on the shared corpus it
/// agrees with ShellCheck 0.11 on all 7,970 shell-form `RUN` scripts (152 rejected, 140
/// stopped, to the byte). A script with an error it does not model reads as complete.
///
/// With heredoc bodies parsed as scripts, the first part that is not read completely decides.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StrictRead {
    /// The whole script is read.
    #[default]
    Complete,
    /// Reading stops at this offset (in the Dockerfile): the commands and words before it are
    /// read, nothing from it on.
    StopsAt(TextSize),
    /// The script is rejected: no command is read.
    Rejected,
}

impl ShellScript {
    /// The same view for the same instruction moved from offset `from` to offset `to` in the
    /// file (an editor's next version of a document: only the instructions an edit touched
    /// are parsed again; the others are moved).
    #[must_use]
    pub fn moved(&self, from: TextSize, to: TextSize) -> Self {
        let shift = |at: TextSize| to + at.checked_sub(from).unwrap_or_default();
        let range = |r: TextRange| TextRange::new(shift(r.start()), shift(r.end()));
        let words = |words: &[ShellWord]| -> Vec<ShellWord> {
            words
                .iter()
                .map(|w| ShellWord {
                    range: range(w.range),
                    ..w.clone()
                })
                .collect()
        };
        Self {
            commands: self
                .commands
                .iter()
                .map(|c| Command {
                    range: range(c.range),
                    assignments: words(&c.assignments),
                    words: words(&c.words),
                    redirects: words(&c.redirects),
                    pipeline: c.pipeline,
                    depth: c.depth,
                    unwrapped: c.unwrapped,
                })
                .collect(),
            pipes: self.pipes.iter().map(|&r| range(r)).collect(),
            pipelines: self.pipelines.clone(),
            has_error: self.has_error,
            strict: match self.strict {
                StrictRead::StopsAt(at) => StrictRead::StopsAt(shift(at)),
                other => other,
            },
            exec_form: self.exec_form,
        }
    }

    /// Commands whose name (basename, for paths) is `name`.
    pub fn commands_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Command> + 'a {
        self.commands.iter().filter(move |c| c.name() == Some(name))
    }

    /// Whether some command has this name.
    #[must_use]
    pub fn has_command(&self, name: &str) -> bool {
        self.commands_named(name).next().is_some()
    }
}

/// One simple command: `[assignments] name args... [redirects]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Command {
    /// The whole command.
    pub range: TextRange,
    /// `NAME=value` prefixes.
    pub assignments: Vec<ShellWord>,
    /// The command name followed by its arguments.
    pub words: Vec<ShellWord>,
    /// Redirection targets (`> file`).
    pub redirects: Vec<ShellWord>,
    /// Index into [`ShellScript::pipelines`] when the command is part of a pipeline.
    pub pipeline: Option<usize>,
    /// Nesting inside command or process substitutions (0 at top level).
    pub depth: u32,
    /// Where [`Command::unwrapped_words`] start in `words`, found once when the script is read
    /// (a dozen rules ask for every command).
    unwrapped: usize,
}

impl Command {
    /// The command name as written, with quotes removed; a path keeps its directories.
    #[must_use]
    pub fn name_word(&self) -> Option<&ShellWord> {
        self.words.first()
    }

    /// The command's basename (`/usr/bin/apt-get` -> `apt-get`).
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.words.first().map(|w| basename(&w.value))
    }

    /// The arguments after the name.
    #[must_use]
    pub fn args(&self) -> &[ShellWord] {
        self.words.get(1..).unwrap_or_default()
    }

    /// Whether some argument's value equals `value`.
    #[must_use]
    pub fn has_arg(&self, value: &str) -> bool {
        self.args().iter().any(|w| w.value == value)
    }

    /// The first argument whose value equals `value`.
    #[must_use]
    pub fn arg(&self, value: &str) -> Option<&ShellWord> {
        self.args().iter().find(|w| w.value == value)
    }

    /// Flags in the usual convention: `--name[=value]` gives `name`; `-abc` gives `a`, `b`, `c`.
    /// Each flag comes with the word it was written in.
    pub fn flags(&self) -> impl Iterator<Item = (String, &ShellWord)> {
        self.args().iter().flat_map(|w| {
            let v = w.value.as_str();
            let names: Vec<String> = if let Some(long) = v.strip_prefix("--") {
                if long.is_empty() {
                    Vec::new()
                } else {
                    vec![long.split('=').next().unwrap_or(long).to_owned()]
                }
            } else if let Some(short) = v.strip_prefix('-') {
                short.chars().map(String::from).collect()
            } else {
                Vec::new()
            };
            names.into_iter().map(move |n| (n, w))
        })
    }

    /// Whether the command has flag `name` (see [`Command::flags`]).
    #[must_use]
    pub fn has_flag(&self, name: &str) -> bool {
        self.flag(name).is_some()
    }

    /// The word holding flag `name`.
    #[must_use]
    pub fn flag(&self, name: &str) -> Option<&ShellWord> {
        self.flags().find(|(n, _)| n == name).map(|(_, w)| w)
    }

    /// Arguments that are not flags (values of flags are *not* removed).
    pub fn positional(&self) -> impl Iterator<Item = &ShellWord> {
        self.args()
            .iter()
            .filter(|w| !(w.value.starts_with('-') && w.value.len() > 1))
    }

    /// The command with `sudo`/`env`/`exec`/`nohup`/`time` (and their options) unwrapped:
    /// the words from the wrapped command on. Returns all words when nothing is wrapped.
    #[must_use]
    pub fn unwrapped_words(&self) -> &[ShellWord] {
        debug_assert_eq!(self.unwrapped, unwrap_index(&self.words));
        self.words.get(self.unwrapped..).unwrap_or_default()
    }
}

/// Where the words of a command wrapped in `sudo`/`env`/... start in `words` (see
/// [`Command::unwrapped_words`]).
fn unwrap_index(all: &[ShellWord]) -> usize {
    let mut words = all;
    loop {
        let Some(first) = words.first() else {
            return all.len() - words.len();
        };
        let name = basename(&first.value);
        if !matches!(
            name,
            "sudo" | "env" | "exec" | "nohup" | "time" | "doas" | "command" | "nice"
        ) {
            return all.len() - words.len();
        }
        let mut rest = &words[1..];
        // Options of the wrapper (and `sudo -u user`, `env VAR=x`).
        while let Some(w) = rest.first() {
            let v = w.value.as_str();
            if v.starts_with('-') {
                let takes_value = name == "sudo"
                    && matches!(
                        v,
                        "-u" | "-g" | "-h" | "-p" | "-U" | "-C" | "-D" | "-r" | "-t"
                    );
                rest = &rest[1..];
                if takes_value && !rest.is_empty() {
                    rest = &rest[1..];
                }
            } else if name == "env" && v.contains('=') {
                rest = &rest[1..];
            } else {
                break;
            }
        }
        words = rest;
    }
}

/// One shell word.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShellWord {
    /// Where it is in the Dockerfile.
    pub range: TextRange,
    /// The word as written (most words are at most 24 bytes, kept without an allocation).
    pub raw: compact_str::CompactString,
    /// The word with quotes and backslash escapes removed; `$x` written as `${x}`, other
    /// expansions and substitutions kept as written.
    pub value: String,
    /// Whether the word has no expansion or substitution (its value is known).
    pub literal: bool,
}

/// The last path component (`/usr/bin/apt-get` -> `apt-get`, `C:\x\cmd.exe` -> `cmd.exe`).
#[must_use]
pub fn basename(path: &str) -> &str {
    // After the last separator (both are ASCII, so the slice is on a character boundary).
    // A plain loop: command names are a few bytes, where memrchr2's setup costs more than
    // the search (1.4 million calls on the corpus).
    match path.bytes().rposition(|b| b == b'/' || b == b'\\') {
        Some(at) => &path[at + 1..],
        None => path,
    }
}

/// Names of POSIX shells, for deciding whether a heredoc body or `-c` argument is a script.
fn is_shell_name(name: &str) -> bool {
    matches!(
        basename(name),
        "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh" | "mksh"
    )
}

/// Text handed to the shell parser and how its offsets map to the file.
struct Source {
    text: String,
    /// File offset of the text's first byte, when offsets map one to one.
    base: TextSize,
    /// When the mapping is not exact (JSON escapes), every range maps to this one.
    fallback: Option<TextRange>,
}

impl Source {
    fn map(&self, start: usize, end: usize) -> TextRange {
        match self.fallback {
            Some(range) => range,
            None => TextRange::new(
                self.base + drydock_text::size(start),
                self.base + drydock_text::size(end),
            ),
        }
    }
}

/// Builds the shell view of a `RUN` instruction.
#[must_use]
pub fn parse_run(file: &Dockerfile, run: &Instruction) -> ShellScript {
    parse_run_with(file, run, Engine::Auto)
}

/// Builds the shell view of a `RUN` instruction whose shell in effect is not a POSIX shell
/// (PowerShell, `cmd`): what a strict shell parser reads of it. Of a shell-form script without
/// heredocs that drydock's own reader cannot read, only that is read: nothing when a strict
/// parser rejects it ([`StrictRead::Rejected`], no commands), the part before where it stops
/// ([`StrictRead::StopsAt`]); both with `has_error`. Nothing more of such a script is used:
/// the rules that follow hadolint read no further than a strict parser, and the others skip
/// shells that are not POSIX. Such scripts are PowerShell, which bash cannot make sense of,
/// and reading all of one (tree-sitter-bash's error recovery) is the costliest parse there is.
/// Any other script is read whole, as by [`parse_run`].
#[must_use]
pub fn parse_run_non_posix(file: &Dockerfile, run: &Instruction) -> ShellScript {
    let strict_only = run.heredocs.is_empty() && !WHOLE_SCRIPTS.with(Cell::get);
    parse_run_in(file, run, Engine::Auto, strict_only)
}

thread_local! {
    /// Whether [`parse_run_non_posix`] reads every script whole, as [`parse_run`] does.
    static WHOLE_SCRIPTS: Cell<bool> = const { Cell::new(false) };
}

/// Makes [`parse_run_non_posix`] read every script whole on this thread (or not): for tests
/// that check that the rules find the same either way.
#[doc(hidden)]
pub fn read_whole_scripts(whole: bool) {
    WHOLE_SCRIPTS.with(|w| w.set(whole));
}

/// [`parse_run`] with a chosen reader.
#[doc(hidden)]
#[must_use]
pub fn parse_run_with(file: &Dockerfile, run: &Instruction, engine: Engine) -> ShellScript {
    parse_run_in(file, run, engine, false)
}

/// [`parse_run_with`]; with `strict_only`, of a shell-form script only what a strict parser
/// reads is read (see [`parse_run_non_posix`]).
fn parse_run_in(
    file: &Dockerfile,
    run: &Instruction,
    engine: Engine,
    strict_only: bool,
) -> ShellScript {
    let mut script = ShellScript::default();
    let text = file.text();
    match &run.args {
        Args::Exec(exec) => {
            script.exec_form = true;
            let values: Vec<&str> = exec.elements.iter().map(|w| w.text.as_str()).collect();
            let script_index = values
                .first()
                .filter(|exe| is_shell_name(exe))
                .and_then(|_| {
                    values
                        .iter()
                        .position(|v| v.starts_with('-') && !v.starts_with("--") && v.contains('c'))
                })
                .map(|i| i + 1)
                .filter(|&i| i < values.len());
            match script_index {
                Some(i) => {
                    // Commands before the script (`sh -c`) are the shell itself.
                    let element = &exec.elements[i];
                    let literal = &text[element.range];
                    let inner = &literal[1..literal.len().saturating_sub(1)];
                    let source = if inner == element.text {
                        Source {
                            text: element.text.clone(),
                            base: element.range.start() + TextSize::new(1),
                            fallback: None,
                        }
                    } else {
                        Source {
                            text: element.text.clone(),
                            base: element.range.start(),
                            fallback: Some(element.range),
                        }
                    };
                    parse_into(&mut script, &source, engine, false);
                }
                None if !exec.elements.is_empty() => {
                    let words = exec
                        .elements
                        .iter()
                        .map(|w| ShellWord {
                            range: w.range,
                            raw: text[w.range].into(),
                            value: w.text.clone(),
                            literal: true,
                        })
                        .collect();
                    script.commands.push(Command {
                        range: exec.range,
                        words,
                        ..Command::default()
                    });
                }
                None => {}
            }
        }
        Args::Shell(_) => {
            let Some(args_range) = run.args_range else {
                return script;
            };
            let start = usize::from(args_range.start());
            let end = usize::from(run.header_end).max(start);
            let mut shell_text = prepare_header(file, run, start, end);
            // Heredoc markers are Dockerfile syntax: blank them out of the command line.
            for heredoc in &run.heredocs {
                blank(&mut shell_text, start, heredoc.marker);
            }
            let header_only_heredocs = shell_text.trim().is_empty() && !run.heredocs.is_empty();
            let source = Source {
                text: shell_text,
                base: args_range.start(),
                fallback: None,
            };
            let header_consumer_is_shell = {
                let mut probe = ShellScript::default();
                parse_into(&mut probe, &source, engine, strict_only);
                let consumer = probe
                    .commands
                    .first()
                    .and_then(|c| c.name())
                    .is_some_and(is_shell_name);
                if !header_only_heredocs {
                    script = probe;
                }
                consumer
            };
            for heredoc in &run.heredocs {
                if !(header_only_heredocs || header_consumer_is_shell) {
                    continue;
                }
                let body = &text[heredoc.body];
                if let Some(first) = body.lines().next()
                    && let Some(interp) = first.strip_prefix("#!")
                {
                    let interp = interp.trim();
                    let exe = interp.split_whitespace().next().unwrap_or("");
                    let exe = if basename(exe) == "env" {
                        interp.split_whitespace().nth(1).unwrap_or("")
                    } else {
                        exe
                    };
                    if !is_shell_name(exe) {
                        continue;
                    }
                }
                let body_text = blank_crlf(body);
                parse_into(
                    &mut script,
                    &Source {
                        text: body_text,
                        base: heredoc.body.start(),
                        fallback: None,
                    },
                    engine,
                    false,
                );
            }
        }
        _ => {}
    }
    for command in &mut script.commands {
        command.unwrapped = unwrap_index(&command.words);
    }
    script
}

/// The instruction's argument bytes with same-length substitutions that make bash read them the
/// way BuildKit does.
fn prepare_header(file: &Dockerfile, run: &Instruction, start: usize, end: usize) -> String {
    let text = file.text();
    let escape = file.escape();
    let mut out: Vec<u8> = text.as_bytes()[start..end].to_vec();
    // Blank Dockerfile comment lines and empty lines inside the continuation, newline included.
    for range in run
        .continuation_comments
        .iter()
        .chain(&run.empty_continuation_lines)
    {
        if usize::from(range.end()) <= start || usize::from(range.start()) >= end {
            continue;
        }
        let s = usize::from(range.start()).max(start) - start;
        let mut e = usize::from(range.end()).min(end) - start;
        while e < out.len() && matches!(out[e], b'\r' | b'\n') {
            e += 1;
        }
        for b in &mut out[s..e] {
            *b = b' ';
        }
    }
    // Normalise continuation escapes: `E[ \t\r]*\n` becomes `   \`+`\n`.
    let mut from = 0;
    while let Some(k) = memchr::memchr(b'\n', &out[from..]) {
        let i = from + k;
        from = i + 1;
        let mut j = i;
        while j > 0 && matches!(out[j - 1], b' ' | b'\t' | b'\r') {
            j -= 1;
        }
        if j > 0 && out[j - 1] == escape as u8 && escape.is_ascii() {
            let before_escaped = j > 1 && out[j - 2] == escape as u8;
            if !before_escaped || j == 1 {
                out[j - 1] = b' ';
                for b in &mut out[j..i] {
                    *b = b' ';
                }
                out[i - 1] = b'\\';
            }
        } else if i > 0 && out[i - 1] == b'\r' {
            out[i - 1] = b' ';
        }
    }
    // A continuation at the end of the file just ends the instruction (BuildKit drops it).
    let mut k = out.len();
    while k > 0 && matches!(out[k - 1], b' ' | b'\t' | b'\r' | b'\n') {
        k -= 1;
    }
    if k > 0
        && escape.is_ascii()
        && out[k - 1] == escape as u8
        && (k == 1 || out[k - 2] != escape as u8)
    {
        out[k - 1] = b' ';
    }
    // Same-length byte edits of ASCII bytes keep the text valid UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn blank(shell_text: &mut String, base: usize, range: TextRange) {
    let s = usize::from(range.start()).saturating_sub(base);
    let e = (usize::from(range.end()).saturating_sub(base)).min(shell_text.len());
    if s < e && shell_text.is_char_boundary(s) && shell_text.is_char_boundary(e) {
        shell_text.replace_range(s..e, &" ".repeat(e - s));
    }
}

fn blank_crlf(body: &str) -> String {
    body.replace("\r\n", " \n")
}

thread_local! {
    static PARSER: RefCell<Option<tree_sitter::Parser>> = const { RefCell::new(None) };
}

/// Adds to this thread's [`ReaderStats`].
fn tally(add: impl FnOnce(&mut ReaderStats)) {
    STATS.with(|s| {
        let mut stats = s.get();
        add(&mut stats);
        s.set(stats);
    });
}

/// Reads `source` (with the fast reader when it can, else tree-sitter-bash) and appends its
/// commands to `script`; with `strict_only`, of a script the fast reader leaves only what a
/// strict parser reads is read (see [`parse_run_non_posix`]).
fn parse_into(script: &mut ShellScript, source: &Source, engine: Engine, strict_only: bool) {
    if engine == Engine::Auto && fast::read(script, source) {
        tally(|stats| {
            stats.fast += 1;
            stats.fast_bytes += source.text.len() as u64;
        });
        set_strict(script, source);
        return;
    }
    if strict_only && script.strict == StrictRead::Complete {
        match strict::outcome(&source.text) {
            strict::Outcome::Rejected => {
                tally(|stats| {
                    stats.skipped += 1;
                    stats.skipped_bytes += source.text.len() as u64;
                });
                script.strict = StrictRead::Rejected;
                script.has_error = true;
                return;
            }
            strict::Outcome::StopsAt(at) if source.text.is_char_boundary(at) => {
                tally(|stats| {
                    stats.skipped += 1;
                    stats.skipped_bytes += (source.text.len() - at) as u64;
                });
                script.strict = StrictRead::StopsAt(source.map(at, at).start());
                script.has_error = true;
                let read = Source {
                    text: source.text[..at].to_owned(),
                    base: source.base,
                    fallback: source.fallback,
                };
                parse_into(script, &read, engine, false);
                return;
            }
            _ => {}
        }
    }
    if engine == Engine::Auto {
        tally(|stats| {
            stats.fallback += 1;
            stats.fallback_bytes += source.text.len() as u64;
        });
    }
    /// Scripts longer than this are not given to tree-sitter at all (the same as one that does
    /// not parse): its error recovery on a megabyte of garbage costs seconds even within the
    /// budget below. Real scripts are far shorter (the corpus's largest Dockerfile is 78 KB).
    const MAX_FALLBACK_BYTES: usize = 256 << 10;
    if source.text.len() > MAX_FALLBACK_BYTES {
        script.has_error = true;
        return;
    }
    if engine == Engine::Auto && source.fallback.is_none() {
        // The same script read before (a repository with many variants of one Dockerfile):
        // tree-sitter-bash's reading of it, which depends on nothing but its text, moved here.
        let read = match fallback_cache::get(&source.text) {
            Some(read) => read.moved(TextSize::new(0), source.base),
            None => {
                let mut read = ShellScript::default();
                read_with_tree_sitter(&mut read, source);
                fallback_cache::put(&source.text, read.moved(source.base, TextSize::new(0)));
                read
            }
        };
        append(script, read);
        return;
    }
    read_with_tree_sitter(script, source);
}

/// A table of the 256 byte values for the shell readers' scanning loops: `listed` for the
/// bytes in `bytes`, the opposite for the others.
const fn byte_table(bytes: &[u8], listed: bool) -> [bool; 256] {
    let mut table = [!listed; 256];
    let mut k = 0;
    while k < bytes.len() {
        table[bytes[k] as usize] = listed;
        k += 1;
    }
    table
}

/// Appends `read` (the view of a later part of the script) to `script`, as reading that part
/// into `script` would have: its pipelines renumbered after those already there, and the
/// strict read's stop kept when an earlier part already has one.
fn append(script: &mut ShellScript, read: ShellScript) {
    let (commands, pipelines) = (script.commands.len(), script.pipelines.len());
    script.has_error |= read.has_error;
    if script.strict == StrictRead::Complete {
        script.strict = read.strict;
    }
    script
        .commands
        .extend(read.commands.into_iter().map(|mut command| {
            command.pipeline = command.pipeline.map(|p| p + pipelines);
            command
        }));
    script.pipes.extend(read.pipes);
    script.pipelines.extend(
        read.pipelines
            .into_iter()
            .map(|members| members.into_iter().map(|m| m + commands).collect()),
    );
}

/// tree-sitter-bash's reading of the scripts drydock's own reader leaves, by text: within a run
/// (or a server's life), a script seen again is not parsed again. Bounded: scripts are kept
/// until their text adds up to [`fallback_cache::MAX_BYTES`].
mod fallback_cache {
    use std::sync::{Arc, LazyLock, Mutex, PoisonError};

    use super::ShellScript;

    /// Most text the cache keeps (the corpus's 2,876 Dockerfiles leave 77 KB of distinct
    /// scripts to tree-sitter-bash); with their readings, a few megabytes at most, also in a
    /// language server that runs for days.
    pub(super) const MAX_BYTES: usize = 1 << 20;

    #[derive(Default)]
    struct Cache {
        scripts: foldhash::HashMap<Box<str>, Arc<ShellScript>>,
        bytes: usize,
    }

    static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(Mutex::default);

    /// The reading of `text` at offset 0, if it was kept.
    pub(super) fn get(text: &str) -> Option<Arc<ShellScript>> {
        let cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
        cache.scripts.get(text).cloned()
    }

    /// Keeps `read`, the reading of `text` at offset 0, while there is room.
    pub(super) fn put(text: &str, read: ShellScript) {
        let mut cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.bytes + text.len() > MAX_BYTES || cache.scripts.contains_key(text) {
            return;
        }
        cache.bytes += text.len();
        cache.scripts.insert(text.into(), Arc::new(read));
    }
}

/// Reads `source` with tree-sitter-bash into `script`.
fn read_with_tree_sitter(script: &mut ShellScript, source: &Source) {
    /// Parser progress checks (one per 100 operations) allowed whatever the size.
    const BUDGET_BASE: usize = 2_000;
    /// Operations allowed per byte of script, on top.
    const BUDGET_PER_BYTE: usize = 2;
    let tree = PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let mut parser = tree_sitter::Parser::new();
            if parser
                .set_language(&tree_sitter_bash::LANGUAGE.into())
                .is_err()
            {
                return None;
            }
            *slot = Some(parser);
        }
        // A budget of parser operations, proportional to the script's size: tree-sitter's error
        // recovery is superlinear on some garbage (a megabyte of `[` takes seconds and hundreds
        // of megabytes). The count is deterministic, so the same file always gives the same
        // result; a script over budget is treated as one that does not parse.
        let text = source.text.as_bytes();
        let budget = BUDGET_BASE + text.len() * BUDGET_PER_BYTE / 100;
        let used = std::cell::Cell::new(0usize);
        let mut progress = |_: &tree_sitter::ParseState| {
            if used.get() >= budget {
                return std::ops::ControlFlow::Break(());
            }
            used.set(used.get() + 1);
            std::ops::ControlFlow::Continue(())
        };
        let options = tree_sitter::ParseOptions::new().progress_callback(&mut progress);
        slot.as_mut().and_then(|p| {
            let tree = p.parse_with_options(
                &mut |offset, _| text.get(offset..).unwrap_or_default(),
                None,
                Some(options),
            );
            // A cancelled parse leaves the parser mid-way: start afresh next time.
            if tree.is_none() {
                p.reset();
            }
            tree
        })
    });
    let Some(tree) = tree else {
        script.has_error = true;
        return;
    };
    let root = tree.root_node();
    if root.has_error() {
        script.has_error = true;
    }
    set_strict(script, source);
    Walker {
        source,
        script,
        pipelines: Vec::new(),
    }
    .walk(root);
}

/// How far a strict parser reads the script, unless an earlier part already stopped it.
fn set_strict(script: &mut ShellScript, source: &Source) {
    if script.strict == StrictRead::Complete {
        script.strict = match strict::outcome(&source.text) {
            strict::Outcome::Complete => StrictRead::Complete,
            strict::Outcome::StopsAt(at) => StrictRead::StopsAt(source.map(at, at).start()),
            strict::Outcome::Rejected => StrictRead::Rejected,
        };
    }
}

struct Walker<'s> {
    source: &'s Source,
    script: &'s mut ShellScript,
    /// Pipelines of this parse (members are indices into `script.commands`).
    pipelines: Vec<Vec<usize>>,
}

impl Walker<'_> {
    fn text(&self, node: tree_sitter::Node<'_>) -> &str {
        self.source.text.get(node.byte_range()).unwrap_or("")
    }

    fn word(&self, node: tree_sitter::Node<'_>) -> ShellWord {
        let mut literal = true;
        let value = word_value(&self.source.text, node, &mut literal, 0);
        ShellWord {
            range: self.source.map(node.start_byte(), node.end_byte()),
            raw: self.text(node).into(),
            value,
            literal,
        }
    }

    /// Iterative pre-order walk with one tree cursor (no recursion, so deep nesting cannot
    /// overflow the stack, and no list of children per node).
    fn walk(&mut self, root: tree_sitter::Node<'_>) {
        // What the children of each node on the way down get: (depth, pipeline index, parent).
        // The parent is carried along: tree-sitter's `Node::parent` searches down from the
        // root, which is quadratic on a long `a && b && ...` list (a left-deep tree).
        let mut levels: Vec<(u32, Option<usize>, tree_sitter::Node<'_>)> = Vec::new();
        let mut cursor = root.walk();
        let (mut depth, mut pipeline, mut parent) = (0u32, None::<usize>, None);
        'walk: loop {
            let node = cursor.node();
            let kind = node.kind();
            let mut child_depth = depth;
            let mut child_pipeline = pipeline;
            match kind {
                "command" | "declaration_command" | "unset_command" => {
                    let index = self.script.commands.len();
                    let command = self.command(node, depth, parent);
                    self.script.commands.push(command);
                    if let Some(p) = pipeline {
                        self.pipelines[p].push(index);
                    }
                    // Nested commands live in substitutions inside the words.
                    child_pipeline = None;
                }
                "pipeline" => {
                    self.pipelines.push(Vec::new());
                    child_pipeline = Some(self.pipelines.len() - 1);
                    let mut cursor = node.walk();
                    for child in node.children(&mut cursor) {
                        if !child.is_named() && matches!(child.kind(), "|" | "|&") {
                            self.script
                                .pipes
                                .push(self.source.map(child.start_byte(), child.end_byte()));
                        }
                    }
                }
                "command_substitution" | "process_substitution" => {
                    child_depth = depth + 1;
                    child_pipeline = None;
                }
                "subshell"
                | "compound_statement"
                | "if_statement"
                | "while_statement"
                | "for_statement"
                | "case_statement"
                | "function_definition" => {
                    // The commands inside a compound command are not members of an enclosing
                    // pipeline (a `&&` list inside one still is).
                    child_pipeline = None;
                }
                _ => {}
            }
            if cursor.goto_first_child() {
                levels.push((child_depth, child_pipeline, node));
            } else {
                // Up to the nearest node with a next sibling; past the root, the walk is done.
                while !cursor.goto_next_sibling() {
                    if !cursor.goto_parent() {
                        break 'walk;
                    }
                    levels.pop();
                }
            }
            // (Below the root here: the cursor cannot move past the root it started at.)
            let Some(&(d, p, n)) = levels.last() else {
                break;
            };
            (depth, pipeline, parent) = (d, p, Some(n));
        }
        // Pipelines are only interesting with two or more members.
        for members in std::mem::take(&mut self.pipelines) {
            if members.len() >= 2 {
                let index = self.script.pipelines.len();
                for &m in &members {
                    self.script.commands[m].pipeline = Some(index);
                }
                self.script.pipelines.push(members);
            }
        }
    }

    fn command(
        &self,
        node: tree_sitter::Node<'_>,
        depth: u32,
        parent: Option<tree_sitter::Node<'_>>,
    ) -> Command {
        let mut command = Command {
            range: self.source.map(node.start_byte(), node.end_byte()),
            depth,
            ..Command::default()
        };
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            match child.kind() {
                "variable_assignment" if node.kind() == "command" => {
                    command.assignments.push(self.word(child));
                }
                "file_redirect" | "herestring_redirect" => {
                    if let Some(dest) = child.child_by_field_name("destination") {
                        command.redirects.push(self.word(dest));
                    }
                }
                "command_name" => {
                    let inner = child.named_child(0).unwrap_or(child);
                    command.words.push(self.word(inner));
                }
                "export" | "declare" | "local" | "readonly" | "typeset" | "unset" | "unsetenv" => {
                    command.words.push(self.word(child));
                }
                _ if child.is_named() && child.kind() != "comment" => {
                    command.words.push(self.word(child));
                }
                _ => {}
            }
        }
        // `cmd > file` parses as a redirected statement around the command: its redirects are
        // the command's.
        if let Some(parent) = parent.filter(|p| p.kind() == "redirected_statement") {
            let mut cursor = parent.walk();
            for child in parent.children_by_field_name("redirect", &mut cursor) {
                if let Some(dest) = child.child_by_field_name("destination") {
                    command.redirects.push(self.word(dest));
                }
            }
        }
        command
    }
}

/// The value of a word node: quotes removed, escapes processed, `$x` as `${x}`.
fn word_value(text: &str, node: tree_sitter::Node<'_>, literal: &mut bool, depth: u32) -> String {
    let raw = text.get(node.byte_range()).unwrap_or("");
    if depth > 64 {
        *literal = false;
        return raw.to_owned();
    }
    match node.kind() {
        "word" | "number" => unescape(raw),
        "raw_string" => raw
            .trim_start_matches('\'')
            .trim_end_matches('\'')
            .to_owned(),
        "ansi_c_string" => raw
            .strip_prefix("$'")
            .and_then(|r| r.strip_suffix('\''))
            .unwrap_or(raw)
            .to_owned(),
        "string_content" => raw
            .replace("\\\"", "\"")
            .replace("\\\\", "\\")
            .replace("\\$", "$")
            .replace("\\`", "`"),
        "simple_expansion" => {
            *literal = false;
            format!("${{{}}}", raw.trim_start_matches('$'))
        }
        "expansion" | "command_substitution" | "arithmetic_expansion" | "process_substitution" => {
            *literal = false;
            raw.to_owned()
        }
        "string" | "concatenation" | "translated_string" => {
            let mut out = String::new();
            let mut cursor = node.walk();
            let mut last = node.start_byte();
            for child in node.children(&mut cursor) {
                if child.is_named() {
                    // Text between named children inside a double-quoted string is literal.
                    if node.kind() == "concatenation" && child.start_byte() > last {
                        out.push_str(text.get(last..child.start_byte()).unwrap_or(""));
                    }
                    out.push_str(&word_value(text, child, literal, depth + 1));
                    last = child.end_byte();
                } else if node.kind() == "concatenation" {
                    out.push_str(&unescape(text.get(child.byte_range()).unwrap_or("")));
                    last = child.end_byte();
                }
            }
            if node.kind() != "concatenation" && out.is_empty() {
                // `""` or a string whose content is not a named node.
                let inner = raw.trim_start_matches(['$', '"']).trim_end_matches('"');
                return inner.to_owned();
            }
            out
        }
        "variable_assignment" => {
            let mut out = String::new();
            if let Some(name) = node.child_by_field_name("name") {
                out.push_str(text.get(name.byte_range()).unwrap_or(""));
            }
            out.push('=');
            if let Some(value) = node.child_by_field_name("value") {
                out.push_str(&word_value(text, value, literal, depth + 1));
            }
            out
        }
        _ => {
            if node.named_child_count() > 0 {
                *literal = false;
            }
            raw.to_owned()
        }
    }
}

/// Removes backslash escapes of an unquoted word (`a\ b` -> `a b`); a backslash-newline is a
/// line continuation and disappears.
fn unescape(raw: &str) -> String {
    if !raw.contains('\\') {
        return raw.to_owned();
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('\n') | None => {}
                Some(next) => out.push(next),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::model::Model;
    use crate::parse_str;

    fn commands(dockerfile: &str) -> Vec<(Vec<String>, String)> {
        let model = Model::new(parse_str(dockerfile));
        let (index, _) = model
            .instructions()
            .find(|(_, i)| i.kind == crate::InstructionKind::Run)
            .unwrap();
        let script = model.shell(index).unwrap();
        script
            .commands
            .iter()
            .map(|c| {
                (
                    c.words.iter().map(|w| w.value.clone()).collect(),
                    model.text()[c.range].to_owned(),
                )
            })
            .collect()
    }

    /// A script left to tree-sitter-bash that was read before (kept by text) is read as
    /// tree-sitter-bash reads it there: at its own offset, after the commands and pipelines
    /// of the header before a heredoc, in the same run and in another `RUN`.
    #[test]
    fn scripts_read_again_read_as_tree_sitter_does() {
        use super::{Engine, parse_run_with, probe_fast_reader};
        // A list that starts with a pipeline of three commands: drydock's reader leaves it.
        let script = "a | b | c | d || true";
        assert!(probe_fast_reader(script).is_some());
        let text = format!(
            "FROM x\nRUN {script}\nRUN  {script}\nRUN bash <<EOF && x | y\n{script}\nEOF\n\
             RUN <<EOF\n{script}\nEOF\nRUN {script}; {script}\n"
        );
        let file = parse_str(&text);
        let runs: Vec<_> = file
            .instructions()
            .filter(|i| i.kind == crate::InstructionKind::Run)
            .collect();
        assert_eq!(runs.len(), 5);
        for _ in 0..2 {
            for run in &runs {
                let auto = parse_run_with(&file, run, Engine::Auto);
                let reference = parse_run_with(&file, run, Engine::TreeSitter);
                assert!(!auto.commands.is_empty());
                assert_eq!(auto, reference, "{:?}", &text[run.range]);
            }
        }
    }

    #[test]
    fn words_map_back_across_continuations() {
        let df = "FROM x\nRUN apt-get update \\\n# a comment\n\n    && apt-get install -y \"curl\" wget \\\n    && rm -rf /var/lib/apt/lists/*\n";
        let model = Model::new(parse_str(df));
        let script = model.shell(1).unwrap();
        let names: Vec<_> = script
            .commands
            .iter()
            .map(|c| c.name().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["apt-get", "apt-get", "rm"]);
        let install = &script.commands[1];
        let curl = &install.words[3];
        assert_eq!(curl.value, "curl");
        assert_eq!(&df[curl.range], "\"curl\"");
        let rm = &script.commands[2];
        assert_eq!(&df[rm.words[2].range], "/var/lib/apt/lists/*");
        assert!(!script.has_error);
    }

    #[test]
    fn pipes_and_substitutions() {
        let df = "FROM x\nRUN curl -fsSL https://x | sh && echo \"$(whoami)\" || true\n";
        let model = Model::new(parse_str(df));
        let script = model.shell(1).unwrap();
        assert_eq!(script.pipes.len(), 1);
        assert_eq!(&df[script.pipes[0]], "|");
        assert_eq!(script.pipelines.len(), 1);
        let members: Vec<_> = script.pipelines[0]
            .iter()
            .map(|&i| script.commands[i].name().unwrap())
            .collect();
        assert_eq!(members, ["curl", "sh"]);
        assert!(
            script
                .commands
                .iter()
                .any(|c| c.name() == Some("whoami") && c.depth == 1)
        );
    }

    #[test]
    fn heredoc_bodies_and_exec_form() {
        let cmds = commands("FROM x\nRUN <<EOF\napt-get install -y vim\necho done\nEOF\n");
        assert_eq!(
            cmds.iter().map(|c| c.0[0].clone()).collect::<Vec<_>>(),
            ["apt-get", "echo"]
        );
        assert_eq!(cmds[0].1, "apt-get install -y vim");
        let cmds = commands("FROM x\nRUN python3 <<EOF\nimport os\nEOF\n");
        assert_eq!(cmds.len(), 1);
        assert_eq!(cmds[0].0, ["python3"]);
        let cmds = commands("FROM x\nRUN [\"sh\", \"-c\", \"sudo apt-get install x\"]\n");
        assert_eq!(cmds[0].0[0], "sudo");
        assert_eq!(cmds[0].1, "sudo apt-get install x");
        let cmds = commands("FROM x\nRUN [\"apt-get\", \"install\", \"x\"]\n");
        assert_eq!(cmds[0].0, ["apt-get", "install", "x"]);
    }

    #[test]
    fn backtick_escape_and_crlf() {
        let df = "# escape=`\r\nFROM x\r\nRUN echo a `\r\n  && echo b\r\n";
        let model = Model::new(parse_str(df));
        let script = model.shell(1).unwrap();
        assert_eq!(script.commands.len(), 2);
        assert_eq!(&df[script.commands[1].words[1].range], "b");
        assert!(!script.has_error);
    }

    /// Under a shell that is not POSIX, a script a strict shell parser rejects is not read (no
    /// tree-sitter parse), and of one it stops in only the part before is read; under
    /// `/bin/sh` both are read whole. Editing the `SHELL` above a `RUN` builds its view again.
    #[test]
    fn scripts_of_shells_that_are_not_posix_are_read_as_far_as_a_strict_parser_reads() {
        use super::{StrictRead, take_reader_stats};
        let rejected = "RUN [Net.ServicePointManager]::SecurityProtocol = 'Tls12'; Invoke-WebRequest -Uri $url -OutFile x.zip\n";
        let stopped = "RUN $ErrorActionPreference = 'Stop'; curl -o x.zip $u; (New-Object Net.WebClient).DownloadFile($u, 'x.zip'); curl $v\n";
        let view = |dockerfile: &str| {
            let model = Model::new(parse_str(dockerfile));
            let index = model.instruction_count() - 1;
            let _ = take_reader_stats();
            let script = model.shell(index).cloned().expect("a RUN");
            (script, take_reader_stats())
        };
        let names = |script: &super::ShellScript| -> Vec<String> {
            script
                .commands
                .iter()
                .filter_map(|c| c.name().map(str::to_owned))
                .collect()
        };

        let pwsh = "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL [\"powershell\", \"-Command\"]\n";
        let (script, stats) = view(&format!("{pwsh}{rejected}"));
        assert_eq!(
            (script.strict, script.commands.len()),
            (StrictRead::Rejected, 0)
        );
        assert!(script.has_error);
        assert_eq!((stats.skipped, stats.fallback), (1, 0));

        let (script, stats) = view(&format!("FROM debian\n{rejected}"));
        assert_eq!(script.strict, StrictRead::Rejected);
        assert!(!script.commands.is_empty());
        assert_eq!((stats.skipped, stats.fallback), (0, 1));

        // The commands before the stop, as the whole script read by tree-sitter-bash has them.
        let (whole, stats) = view(&format!("FROM debian\n{stopped}"));
        assert_eq!((stats.skipped, stats.fallback), (0, 1));
        let StrictRead::StopsAt(at) = whole.strict else {
            panic!("{:?}", whole.strict)
        };
        let before_stop: Vec<String> = whole
            .commands
            .iter()
            .filter(|c| c.range.end() <= at)
            .filter_map(|c| c.name().map(str::to_owned))
            .collect();
        assert_eq!(before_stop[1..], ["curl", "New-Object"]);
        assert!(
            whole.commands.len() > before_stop.len(),
            "{:?}",
            names(&whole)
        );
        let (script, stats) = view(&format!("{pwsh}{stopped}"));
        assert_eq!(stats.skipped, 1);
        let shift = drydock_text::size(pwsh.len() - "FROM debian\n".len());
        assert_eq!(script.strict, StrictRead::StopsAt(at + shift));
        assert_eq!(names(&script), before_stop);
        assert!(script.commands.iter().all(|c| c.range.end() <= at + shift));

        // The RUN is unchanged when only the SHELL above it is edited: its view is not taken
        // over from the previous version.
        let before = Model::new(parse_str(&format!("{pwsh}{rejected}")));
        let _ = before.shell(2);
        let edited = format!(
            "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL [\"/bin/sh\", \"-c\"]\n{rejected}"
        );
        let after = Model::new_after(
            crate::reparse(
                before.file(),
                crate::SourceText::from_string(edited.clone()),
            ),
            &before,
        );
        after.reuse_shells(&before);
        let fresh = Model::new(parse_str(&edited));
        assert_eq!(after.shell(2), fresh.shell(2));
        assert!(!fresh.shell(2).expect("a RUN").commands.is_empty());
    }
}
