use drydock_dockerfile::{Args, InstructionKind};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `CMD`, `ENTRYPOINT` and `HEALTHCHECK CMD` written in shell form instead of as a
    /// JSON array. Anything that is not a valid JSON array of strings is shell form (`CMD
    /// ['app']` with single quotes, `CMD ["app", 1]`); a JSON array split over continuation
    /// lines is fine. A `SHELL` instruction does not change this. `ONBUILD CMD` and
    /// `HEALTHCHECK NONE` are not checked.
    ///
    /// The JSON is read as hadolint reads it: a string with two or more escape characters
    /// before a `"` (`["C:\\\\"]`, `["a\\\"b"]`) is not JSON to it, so the instruction is
    /// reported, while escapes that JSON does not know (`["\q"]`) are accepted.
    ///
    /// BuildKit's `JSONArgsRecommended` build check is the separate rule BK007
    /// (`shell-form-cmd-without-shell`), off by default (it skips `HEALTHCHECK` and stages where a
    /// `SHELL` was set), so the problem is reported once.
    ///
    /// ## Why is this bad?
    /// In shell form the command runs as `/bin/sh -c "..."`: the shell becomes PID 1 and does
    /// not pass `SIGTERM` on, so `docker stop` waits for its timeout and then kills the process
    /// without a clean shutdown. A shell-form `ENTRYPOINT` also ignores `CMD` and the
    /// arguments of `docker run`.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// CMD python app.py
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// CMD ["python", "app.py"]
    /// ```
    pub(crate) ShellFormCmd {
        code: "DL3025",
        name: "shell-form-cmd",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// Whether hadolint's parser reads a JSON string literal (as written, quotes included) as one:
/// an escape character before a `"` must be alone (two or more end the parse).
fn hadolint_reads_string(literal: &str, escape: char) -> bool {
    let body = literal.strip_prefix('"').unwrap_or(literal);
    let mut run = 0;
    for c in body.chars() {
        if c == escape {
            run += 1;
            continue;
        }
        if c == '"' && run >= 2 {
            return false;
        }
        run = 0;
    }
    true
}

/// Whether hadolint's parser reads `text` (shell-form arguments) as a JSON array of strings:
/// `[`, double-quoted strings separated by `,`, `]`, blanks anywhere between. Its strings
/// accept any escape except a run of escape characters before a `"`.
fn hadolint_reads_array(text: &str, escape: char) -> bool {
    let mut chars = text.trim_matches([' ', '\t']).chars().peekable();
    let skip_blanks = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        while chars.next_if(|c| matches!(c, ' ' | '\t')).is_some() {}
    };
    if chars.next() != Some('[') {
        return false;
    }
    skip_blanks(&mut chars);
    if chars.next_if_eq(&']').is_some() {
        return chars.next().is_none();
    }
    loop {
        if chars.next() != Some('"') {
            return false;
        }
        let mut run = 0;
        loop {
            match chars.next() {
                None | Some('\n') => return false,
                Some(c) if c == escape => run += 1,
                Some('"') if run == 1 => run = 0,
                Some('"') if run == 0 => break,
                Some('"') => return false,
                Some(_) => run = 0,
            }
        }
        skip_blanks(&mut chars);
        match chars.next() {
            Some(',') => skip_blanks(&mut chars),
            Some(']') => return chars.next().is_none(),
            _ => return false,
        }
    }
}

impl Rule for ShellFormCmd {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let text = ctx.text();
        let escape = ctx.model.file().escape();
        // As hadolint's parser reads the arguments: a JSON array it accepts, or shell form.
        let shell_form = |args: &Args| match args {
            Args::Shell(shell) => !hadolint_reads_array(&shell.text, escape),
            Args::Exec(exec) => !exec.elements.iter().all(|e| {
                let (start, end) = (usize::from(e.range.start()), usize::from(e.range.end()));
                text.get(start..end)
                    .is_none_or(|raw| hadolint_reads_string(raw, escape))
            }),
            _ => false,
        };
        for (_, instruction) in ctx.instructions() {
            let (range, args) = match (&instruction.kind, &instruction.args) {
                (InstructionKind::Cmd | InstructionKind::Entrypoint, args) if shell_form(args) => {
                    (instruction.keyword.range, args)
                }
                (InstructionKind::Healthcheck, Args::Healthcheck(health))
                    if health.command.as_deref().is_some_and(shell_form) =>
                {
                    let Some(args) = health.command.as_deref() else {
                        continue;
                    };
                    (health.kind.range, args)
                }
                _ => continue,
            };
            let what = match instruction.kind {
                InstructionKind::Healthcheck => "HEALTHCHECK CMD",
                _ => instruction.kind.keyword(),
            };
            if matches!(args, Args::Exec(_)) {
                ctx.report(
                    range,
                    format!("`{what}`'s JSON array has an escaped `{escape}` right before a quote, which hadolint reads as shell form"),
                )
                .help("avoid the escape character right before a quote (for example drop a trailing path separator), or ignore this finding");
                continue;
            }
            ctx.report(range, format!("`{what}` in shell form"))
                .help(format!("write it as a JSON array, e.g. `{what} [\"executable\", \"arg\"]`, so the process gets signals directly"));
        }
    }
}
