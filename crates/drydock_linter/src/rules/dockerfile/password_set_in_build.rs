use drydock_dockerfile::shell::{ShellWord, basename};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::helpers::run_scripts;

declare_rule! {
    /// ## What it does
    /// Reports `RUN` commands that set a user's password.
    ///
    /// These are every `chpasswd` (so also `echo 'user:secret' | chpasswd`), `passwd --stdin`,
    /// and `useradd`/`usermod` with `-p`/`--password` (also `--password=...` and `-p` attached
    /// or at the end of a short-option cluster such as `-mp`). The finding points at `chpasswd`,
    /// or at the `--stdin`/`-p`/`--password` word. Commands run through `sudo`, `env` and similar
    /// wrappers count.
    ///
    /// Locking an account with `-p '*'` or `-p '!'` (a value made only of `*` and `!`) is not
    /// reported: it disables password login rather than enabling it.
    ///
    /// ## Why is this bad?
    /// The password is written in the Dockerfile and in the image history, and every container
    /// started from the image shares the same password hash in `/etc/shadow`. Containers should
    /// not offer password logins at all: run as a non-root `USER`, and use `docker exec` for
    /// debugging.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN useradd -m app && echo 'app:changeme' | chpasswd
    /// USER app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// RUN useradd -m app
    /// USER app
    /// ```
    ///
    /// ## Notes
    /// RUNs whose shell is not a POSIX shell (PowerShell, `cmd`) are not checked; `ONBUILD RUN`,
    /// heredoc scripts and the exec form are.
    pub(crate) PasswordSetInBuild {
        code: "DS110",
        name: "password-set-in-build",
        aliases: [],
        category: Security,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// Whether a password value locks the account (`*`, `!`, `!!`).
fn locks(value: &str) -> bool {
    !value.is_empty() && value.chars().all(|c| matches!(c, '!' | '*'))
}

/// Short options of `useradd`/`usermod` that take a value.
fn short_takes_value(c: char) -> bool {
    matches!(
        c,
        'b' | 'c'
            | 'd'
            | 'e'
            | 'f'
            | 'g'
            | 'G'
            | 'k'
            | 'K'
            | 'l'
            | 'p'
            | 'P'
            | 'R'
            | 's'
            | 'u'
            | 'Z'
    )
}

/// The `-p`/`--password` word of a `useradd`/`usermod` command, unless it locks the account.
fn password_flag(args: &[ShellWord]) -> Option<&ShellWord> {
    let mut i = 0;
    while let Some(word) = args.get(i) {
        let v = word.value.as_str();
        let next = args.get(i + 1).map(|w| w.value.as_str());
        if v == "--" {
            return None;
        }
        if let Some(long) = v.strip_prefix("--") {
            if let Some(value) = long.strip_prefix("password=") {
                return (!locks(value)).then_some(word);
            }
            if long == "password" {
                return (!locks(next.unwrap_or_default())).then_some(word);
            }
            // Other long options taking a separate value.
            if !long.contains('=')
                && matches!(
                    long,
                    "base-dir"
                        | "comment"
                        | "home"
                        | "home-dir"
                        | "expiredate"
                        | "inactive"
                        | "gid"
                        | "groups"
                        | "skel"
                        | "key"
                        | "login"
                        | "root"
                        | "prefix"
                        | "shell"
                        | "uid"
                        | "selinux-user"
                )
            {
                i += 1;
            }
        } else if let Some(short) = v.strip_prefix('-').filter(|s| !s.is_empty()) {
            // A cluster: the first option that takes a value takes the rest of the word, or the
            // next word.
            for (at, c) in short.char_indices() {
                if !short_takes_value(c) {
                    continue;
                }
                let attached = &short[at + c.len_utf8()..];
                let value = if attached.is_empty() {
                    i += 1;
                    next.unwrap_or_default()
                } else {
                    attached
                };
                if c == 'p' {
                    return (!locks(value)).then_some(word);
                }
                break;
            }
        }
        i += 1;
    }
    None
}

impl Rule for PasswordSetInBuild {
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
                let Some(name_word) = words.first() else {
                    continue;
                };
                let name = basename(&name_word.value);
                let args = &words[1..];
                let (range, message) = match name {
                    "chpasswd" => (
                        name_word.range,
                        "`chpasswd` sets a password during the build".to_owned(),
                    ),
                    "passwd" => match args.iter().find(|w| w.value == "--stdin") {
                        Some(flag) => (
                            flag.range,
                            "`passwd --stdin` sets a password during the build".to_owned(),
                        ),
                        None => continue,
                    },
                    "useradd" | "usermod" => match password_flag(args) {
                        Some(flag) => (
                            flag.range,
                            format!(
                                "`{name} {}` sets a password during the build",
                                if flag.value.starts_with("--") {
                                    "--password"
                                } else {
                                    "-p"
                                }
                            ),
                        ),
                        None => continue,
                    },
                    _ => continue,
                };
                ctx.report(range, message).help(
                    "do not give container users passwords: run as a non-root `USER` and use \
                     `docker exec` to get a shell; to lock an account use `usermod -L` or \
                     `-p '*'`",
                );
            }
        }
    }
}
