use drydock_dockerfile::shell::{ShellWord, basename};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::helpers::run_scripts;

declare_rule! {
    /// ## What it does
    /// Reports `chmod` in `RUN` with a mode that adds the setuid or setgid bit.
    ///
    /// The mode counts when it is symbolic with a clause that adds or sets `s` for the user or
    /// group (`+s`, `u+s`, `g+s`, `ug+s`, `a+s`, `u=rwxs`, also inside comma lists such as
    /// `u=rwx,u+s`), or octal with four or more digits whose fourth digit from the right has the
    /// setuid (4) or setgid (2) bit (`4755`, `2755`, `6755`, `7755`, `04755`). The finding points
    /// at the mode.
    ///
    /// Options (`-R`, `-v`, `--`) are skipped; `chmod --reference=...` and modes that are not
    /// literal (`chmod "$MODE"`) are not reported, nor are `o+s` (no effect), `1777` (sticky bit
    /// only) or removing bits (`u-s`).
    ///
    /// ## Why is this bad?
    /// A setuid or setgid program runs with its owner's or group's privileges whoever starts it.
    /// Each one in an image is a way for a compromised non-root process to become root (or gain a
    /// group), so images should add as few as possible, and each one should be deliberate. Many
    /// hardening guides (CIS Docker Benchmark 4.8) ask to remove setuid and setgid bits from
    /// images altogether.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// COPY tool /usr/local/bin/tool
    /// RUN chmod 4755 /usr/local/bin/tool
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// COPY tool /usr/local/bin/tool
    /// RUN chmod 0755 /usr/local/bin/tool
    /// ```
    ///
    /// ## Notes
    /// This is informational: some images need a setuid helper, and `chmod g+s` on a shared
    /// directory (group inheritance) is common. RUNs whose shell is not a POSIX shell are not
    /// checked; `ONBUILD RUN`, heredoc scripts and the exec form are.
    pub(crate) SetuidAdded {
        code: "DS111",
        name: "setuid-added",
        aliases: [],
        category: Security,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// The mode word of a `chmod` invocation (arguments after the name), if it has one.
fn chmod_mode(args: &[ShellWord]) -> Option<&ShellWord> {
    let mut rest = args.iter();
    while let Some(word) = rest.next() {
        let v = word.value.as_str();
        if v == "--" {
            return rest.next();
        }
        if v.starts_with("--reference") {
            return None;
        }
        if v.starts_with('-') && v.len() > 1 {
            continue;
        }
        return Some(word);
    }
    None
}

/// One `who op perms` action of a symbolic mode.
struct Action<'a> {
    who: &'a str,
    op: char,
    perms: &'a str,
}

/// Parses a symbolic mode (`u+s,go-w`) into its actions; `None` when it is not one.
fn symbolic(mode: &str) -> Option<Vec<Action<'_>>> {
    let mut actions = Vec::new();
    for clause in mode.split(',') {
        let who_len = clause
            .bytes()
            .take_while(|b| matches!(b, b'u' | b'g' | b'o' | b'a'))
            .count();
        let who = &clause[..who_len];
        let mut rest = &clause[who_len..];
        if rest.is_empty() {
            return None;
        }
        while let Some(op) = rest.chars().next() {
            if !matches!(op, '+' | '-' | '=') {
                return None;
            }
            let after = &rest[1..];
            let perms_len = after
                .bytes()
                .take_while(|b| b"rwxXstugo".contains(b))
                .count();
            actions.push(Action {
                who,
                op,
                perms: &after[..perms_len],
            });
            rest = &after[perms_len..];
        }
    }
    Some(actions)
}

/// Which of setuid and setgid the mode adds.
fn added_bits(mode: &str) -> (bool, bool) {
    if !mode.is_empty() && mode.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        if mode.len() < 4 {
            return (false, false);
        }
        let digit = mode.as_bytes()[mode.len() - 4] - b'0';
        return (digit & 4 != 0, digit & 2 != 0);
    }
    let (mut setuid, mut setgid) = (false, false);
    for action in symbolic(mode).unwrap_or_default() {
        if !matches!(action.op, '+' | '=') || !action.perms.contains('s') {
            continue;
        }
        let all = action.who.is_empty() || action.who.contains('a');
        setuid |= all || action.who.contains('u');
        setgid |= all || action.who.contains('g');
    }
    (setuid, setgid)
}

impl Rule for SetuidAdded {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for (_, script) in run_scripts(ctx, true) {
            for command in &script.commands {
                let words = command.unwrapped_words();
                if words.first().map(|w| basename(&w.value)) != Some("chmod") {
                    continue;
                }
                let Some(mode) = chmod_mode(&words[1..]).filter(|w| w.literal) else {
                    continue;
                };
                let bits = match added_bits(&mode.value) {
                    (true, true) => "the setuid and setgid bits",
                    (true, false) => "the setuid bit",
                    (false, true) => "the setgid bit",
                    (false, false) => continue,
                };
                ctx.report(mode.range, format!("`chmod {}` sets {bits}", mode.value))
                    .help(
                        "a setuid/setgid program runs with its owner's privileges for every \
                         user; use a plain mode such as `0755` unless the bit is really needed",
                    );
            }
        }
    }
}
