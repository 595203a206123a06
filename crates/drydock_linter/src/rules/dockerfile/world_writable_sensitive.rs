use drydock_dockerfile::shell::{ShellWord, basename};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::helpers::run_scripts;

declare_rule! {
    /// ## What it does
    /// Reports `chmod` in `RUN` that makes a system path writable by every user.
    ///
    /// The mode counts when it is octal with the write bit for others, a last digit of 2, 3, 6
    /// or 7 (`777`, `666`, `0777`, `1777`), or symbolic and leaving others with `w` (`o+w`,
    /// `a+w`, `ugo+w`, `o=rwx`, also inside comma lists; `a+w,o-w` does not count). A bare `+w`
    /// is not reported: the umask keeps it from reaching others.
    ///
    /// The paths that count are absolute: `/` itself, and `/etc`, `/usr`, `/bin`, `/sbin`,
    /// `/lib`, `/lib64`, `/boot` and `/root` together with everything under them. The comparison
    /// is by path component (`/etcetera` and `/usrlocal` do not count); quotes, repeated and
    /// trailing slashes are ignored. `-R` and other options are skipped. The finding points at
    /// the mode, with a label on each system path.
    ///
    /// ## Why is this bad?
    /// A file or directory under these paths that any user can write lets any process in the
    /// container, however unprivileged, replace binaries, libraries or configuration that root
    /// later runs or trusts (`/etc/passwd`, `/usr/bin/*`, `/etc/ld.so.preload`): a direct way
    /// from a compromised non-root process to root. Even with the sticky bit (`1777`), anyone can
    /// create files there.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN chmod -R 777 /usr/local/lib/app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// RUN chown -R 10001 /usr/local/lib/app && chmod -R 755 /usr/local/lib/app
    /// USER 10001
    /// ```
    ///
    /// ## Notes
    /// Paths outside these system directories (`/tmp`, `/app`, `/var/...`, relative paths) and
    /// paths that are not literal up to the system directory (`"$DIR"`) are not reported. RUNs
    /// whose shell is not a POSIX shell are not checked; `ONBUILD RUN`, heredoc scripts and the
    /// exec form are.
    pub(crate) WorldWritableSensitive {
        code: "DS112",
        name: "world-writable-sensitive",
        aliases: [],
        category: Security,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// The mode word and the file words of a `chmod` invocation (arguments after the name).
fn chmod_operands(args: &[ShellWord]) -> Option<(&ShellWord, Vec<&ShellWord>)> {
    let mut mode = None;
    let mut files = Vec::new();
    let mut options_done = false;
    for word in args {
        let v = word.value.as_str();
        if !options_done {
            if v == "--" {
                options_done = true;
                continue;
            }
            if v.starts_with("--reference") {
                return None;
            }
            if v.starts_with('-') && v.len() > 1 {
                continue;
            }
        }
        if mode.is_none() {
            mode = Some(word);
        } else {
            files.push(word);
        }
    }
    Some((mode?, files))
}

/// Whether the mode gives others write permission.
fn world_writable(mode: &str) -> bool {
    if !mode.is_empty() && mode.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        let last = mode.as_bytes()[mode.len() - 1] - b'0';
        return last & 2 != 0;
    }
    // Follow the clauses that touch others' bits: `+w`/`=..w..` set write, `-w`/`=` without
    // `w` clear it.
    let mut writable = false;
    for clause in mode.split(',') {
        let who_len = clause
            .bytes()
            .take_while(|b| matches!(b, b'u' | b'g' | b'o' | b'a'))
            .count();
        let who = &clause[..who_len];
        if !(who.contains('o') || who.contains('a')) {
            continue;
        }
        let mut rest = &clause[who_len..];
        while let Some(op) = rest.chars().next() {
            let after = &rest[op.len_utf8()..];
            let perms_len = after.find(['+', '-', '=']).unwrap_or(after.len());
            let has_w = after[..perms_len].contains('w');
            match op {
                '+' if has_w => writable = true,
                '-' if has_w => writable = false,
                '=' => writable = has_w,
                _ => {}
            }
            rest = &after[perms_len..];
        }
    }
    writable
}

/// Whether `path` is `/` or under one of the system directories.
fn is_system_path(path: &str) -> bool {
    if !path.starts_with('/') {
        return false;
    }
    let mut components = path.split('/').filter(|c| !c.is_empty() && *c != ".");
    match components.next() {
        None => true,
        Some(first) => matches!(
            first,
            "etc" | "usr" | "bin" | "sbin" | "lib" | "lib64" | "boot" | "root"
        ),
    }
}

impl Rule for WorldWritableSensitive {
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
                let Some((mode, files)) = chmod_operands(&words[1..]) else {
                    continue;
                };
                if !mode.literal || !world_writable(&mode.value) {
                    continue;
                }
                let system: Vec<&ShellWord> = files
                    .into_iter()
                    .filter(|w| is_system_path(&w.value))
                    .collect();
                let Some(first) = system.first() else {
                    continue;
                };
                let more = match system.len() {
                    1 => String::new(),
                    2 => " and 1 other system path".to_owned(),
                    n => format!(" and {} other system paths", n - 1),
                };
                let d = ctx.report(
                    mode.range,
                    format!(
                        "`chmod {}` makes `{}`{more} writable by every user",
                        mode.value, first.value
                    ),
                );
                for path in &system {
                    d.label(path.range, "system path");
                }
                d.help(
                    "give write access only to the user that needs it (`chown` to that user and \
                     a mode such as `755`/`644`), and keep system paths writable by root only",
                );
            }
        }
    }
}
