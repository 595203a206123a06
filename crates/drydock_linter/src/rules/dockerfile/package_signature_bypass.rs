use std::ops::Range;

use drydock_dockerfile::shell::{Command, ShellWord, basename};
use drydock_text::TextRange;

use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::helpers::{find_setting, run_scripts};

declare_rule! {
    /// ## What it does
    /// Reports package manager flags and settings that install packages without checking
    /// their signatures.
    ///
    /// `RUN` steps are checked, including `ONBUILD RUN`, heredoc scripts and
    /// `["sh", "-c", "..."]`. The finding points at the flag or setting word.
    ///
    /// Flags, on the package manager's own command line (also behind `sudo`/`env`):
    /// - `apt-get`/`apt`/`aptitude`: `--allow-unauthenticated`, `--force-yes`,
    ///   `--allow-insecure-repositories` (and aptitude's `--allow-untrusted`);
    /// - `yum`/`dnf`/`microdnf`/`tdnf`: `--nogpgcheck` (and dnf5's `--no-gpgchecks`);
    /// - `rpm`: `--nosignature`, `--nodigest`, `--nofiledigest`, `--noverify`;
    /// - `apk`: `--allow-untrusted`;
    /// - `zypper`: `--no-gpg-checks`, `--no-gpgcheck`.
    ///
    /// Settings, in any word of any command (an option value, or text written to a
    /// configuration file with `echo`/`printf`):
    /// - `APT::Get::AllowUnauthenticated`, `Acquire::AllowInsecureRepositories`,
    ///   `Acquire::AllowDowngradeToInsecureRepositories` or `APT::Get::Force-Yes` set to
    ///   `true`/`yes`/`1`/`on` (`-o APT::Get::AllowUnauthenticated=true`, or
    ///   `APT::Get::AllowUnauthenticated "true";` for `apt.conf`);
    /// - `trusted=yes` in a sources line (`deb [trusted=yes] http://...`) or `Trusted: yes` in
    ///   a deb822 `.sources` file;
    /// - `gpgcheck=0` (also `false`/`no`/`off`, any case) for yum/dnf, such as
    ///   `--setopt=gpgcheck=0` or `echo gpgcheck=0 >> /etc/yum.repos.d/x.repo`. Only the key
    ///   `gpgcheck` itself counts: `repo_gpgcheck` and `localpkg_gpgcheck` do not.
    ///
    /// `--allow-downgrades` (and the other `--allow-*` flags of apt that do not touch
    /// authentication) is not reported, and neither are apt's flags on a command that only
    /// removes packages or cleans the cache (`apt-get purge -y --force-yes x`), which
    /// downloads nothing.
    ///
    /// ## Why is this bad?
    /// Package signatures are what ties a package to its publisher. Without the check, a
    /// mirror, proxy or anyone on the network path can hand the build a modified package,
    /// whose install scripts then run as root during the build and whose files end up in the
    /// image.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN echo "deb [trusted=yes] http://repo.example.com/debian stable main" \
    ///         > /etc/apt/sources.list.d/example.list \
    ///     && apt-get update \
    ///     && apt-get install -y --allow-unauthenticated example-tool
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// COPY example-archive-keyring.gpg /usr/share/keyrings/example.gpg
    /// RUN echo "deb [signed-by=/usr/share/keyrings/example.gpg] https://repo.example.com/debian stable main" \
    ///         > /etc/apt/sources.list.d/example.list \
    ///     && apt-get update \
    ///     && apt-get install -y example-tool
    /// ```
    ///
    /// ## Fix safety
    /// For a flag written as its own word (`--allow-unauthenticated`, `--force-yes`,
    /// `--allow-insecure-repositories`, `--nogpgcheck`, `--no-gpgchecks`, `--allow-untrusted`,
    /// zypper's flags and rpm's), the fix deletes the word with one neighbouring blank (or the
    /// whole line when the word is alone on a continued line). Settings have no fix. The fix is
    /// unsafe: once signatures are checked again, the install fails until the repository's
    /// signing key is in the image, which is usually why the flag was there.
    ///
    /// ## Notes
    /// RUNs whose shell is not a POSIX shell (PowerShell, `cmd`) are not checked. Settings
    /// written through a heredoc that a command reads (`cat > x.repo <<EOF`) and configuration
    /// files copied into the image are not seen.
    pub(crate) PackageSignatureBypass {
        code: "DS105",
        name: "package-signature-bypass",
        aliases: [],
        category: Security,
        severity: Error,
        default_enabled: true,
        fix: Sometimes,
        target: Dockerfile,
    }
}

const APT_HELP: &str = "put the repository's signing key in a keyring and reference it with `signed-by=`, then drop the option";
const YUM_HELP: &str = "import the repository's key (`rpm --import <key>` or `gpgkey=` in the .repo file) and keep `gpgcheck=1`";
const RPM_HELP: &str = "import the vendor's key with `rpm --import <key>` and keep the checks on";
const APK_HELP: &str =
    "put the repository's public key in `/etc/apk/keys` and drop `--allow-untrusted`";
const ZYPPER_HELP: &str =
    "import the repository's key with `rpm --import <key>` and keep GPG checks on";

/// apt subcommands that only remove packages or clean caches.
const APT_REMOVALS: [&str; 6] = [
    "remove",
    "purge",
    "autoremove",
    "autopurge",
    "clean",
    "autoclean",
];

/// A flag of a package manager that skips signature checks: (flag, message, help).
/// The tools [`bypass_flag`] knows flags of: the words of other commands are not looked at.
const TOOLS: [&str; 11] = [
    "apt-get", "apt", "aptitude", "yum", "dnf", "dnf5", "microdnf", "tdnf", "rpm", "apk", "zypper",
];

fn bypass_flag(tool: &str, flag: &str) -> Option<(String, &'static str)> {
    let (message, help) = match (tool, flag) {
        ("apt-get" | "apt" | "aptitude", "--allow-unauthenticated") => (
            format!("`--allow-unauthenticated` lets {tool} install packages it cannot authenticate"),
            APT_HELP,
        ),
        ("apt-get" | "apt" | "aptitude", "--force-yes") => (
            format!("`--force-yes` makes {tool} go ahead with unauthenticated packages without asking"),
            APT_HELP,
        ),
        ("apt-get" | "apt" | "aptitude", "--allow-insecure-repositories") => (
            format!("`--allow-insecure-repositories` lets {tool} use repositories that are unsigned or whose signature it cannot check"),
            APT_HELP,
        ),
        ("aptitude", "--allow-untrusted") => (
            "`--allow-untrusted` lets aptitude install packages it cannot authenticate".to_owned(),
            APT_HELP,
        ),
        ("yum" | "dnf" | "dnf5" | "microdnf" | "tdnf", "--nogpgcheck" | "--no-gpgchecks") => (
            format!("`{flag}` makes {tool} install packages without checking their GPG signatures"),
            YUM_HELP,
        ),
        ("rpm", "--nosignature") => (
            "`--nosignature` makes rpm skip package signature checks".to_owned(),
            RPM_HELP,
        ),
        ("rpm", "--nodigest") => (
            "`--nodigest` makes rpm skip package digest checks".to_owned(),
            RPM_HELP,
        ),
        ("rpm", "--nofiledigest") => (
            "`--nofiledigest` makes rpm skip the digest checks of the files it installs".to_owned(),
            RPM_HELP,
        ),
        ("rpm", "--noverify") => (
            "`--noverify` makes rpm skip package verification".to_owned(),
            RPM_HELP,
        ),
        ("apk", "--allow-untrusted") => (
            "`--allow-untrusted` lets apk install packages that are unsigned or signed with an unknown key".to_owned(),
            APK_HELP,
        ),
        ("zypper", "--no-gpg-checks" | "--no-gpgcheck") => (
            format!("`{flag}` makes zypper go on when a GPG signature check fails"),
            ZYPPER_HELP,
        ),
        _ => return None,
    };
    Some((message, help))
}

/// An edit deleting a flag word written as `expected` (unquoted): the word and one blank next to
/// it, or the whole line when the word is alone on a line continued with `\`. `None` when the
/// word is not written plainly or has no blank next to it.
fn remove_word(text: &str, range: TextRange, expected: &str, escape: char) -> Option<Edit> {
    let (start, end) = (usize::from(range.start()), usize::from(range.end()));
    if text.get(start..end) != Some(expected) {
        return None;
    }
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    if escape == '\\'
        && line_start > 0
        && text[line_start..start].trim_matches([' ', '\t']).is_empty()
    {
        let after = text[end..].trim_start_matches([' ', '\t']);
        if let Some(after) = after.strip_prefix('\\') {
            let after = after.trim_start_matches([' ', '\t', '\r']);
            if after.starts_with('\n') {
                let line_end = text.len() - after.len() + 1;
                return Some(Edit::delete(drydock_text::range(line_start, line_end)));
            }
        }
    }
    let bytes = text.as_bytes();
    if matches!(bytes.get(end), Some(b' ' | b'\t')) {
        Some(Edit::delete(drydock_text::range(start, end + 1)))
    } else if start > 0 && matches!(bytes[start - 1], b' ' | b'\t') {
        Some(Edit::delete(drydock_text::range(start - 1, end)))
    } else {
        None
    }
}

/// A setting in a word that turns signature checks off: (message, help).
fn bypass_setting(word: &ShellWord) -> Option<(String, &'static str)> {
    const TRUE: [&str; 4] = ["true", "yes", "1", "on"];
    // Every setting below has `=` or `:` (the apt keys have `::`): most words have neither,
    // and skip the searches for the apt keys' `::` and the settings.
    memchr::memchr2(b'=', b':', word.value.as_bytes())?;
    // Every apt key below has `::`: most words have none, and skip four searches.
    let apt_keys = if word.value.contains("::") {
        &[
            "::allowunauthenticated",
            "::allowinsecurerepositories",
            "::allowdowngradetoinsecurerepositories",
            "apt::get::force-yes",
        ][..]
    } else {
        &[]
    };
    for &key in apt_keys {
        if let Some(setting) = find_setting(&word.value, key, &['='], true, &TRUE) {
            return Some((
                format!(
                    "`{}` turns off apt's package authentication",
                    with_scope(&word.value, setting)
                ),
                APT_HELP,
            ));
        }
    }
    if let Some(setting) = find_setting(&word.value, "trusted", &['=', ':'], false, &["yes"]) {
        return Some((
            format!(
                "`{}` makes apt use this repository without checking its signature",
                &word.value[setting]
            ),
            APT_HELP,
        ));
    }
    if let Some(setting) = find_setting(
        &word.value,
        "gpgcheck",
        &['='],
        false,
        &["0", "false", "no", "off"],
    ) {
        return Some((
            format!(
                "`{}` turns off GPG signature checks for yum/dnf packages",
                &word.value[setting]
            ),
            YUM_HELP,
        ));
    }
    None
}

/// The `setting` of `text` (found from `::Key`) with the scope before it (`APT::Get::Key`),
/// without the `-o` of an attached `-oAPT::...`.
fn with_scope(text: &str, setting: Range<usize>) -> &str {
    let mut start = text[..setting.start]
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == ':'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    if text[..start].ends_with('-') && text[start..].starts_with('o') {
        start += 1;
    }
    &text[start..setting.end]
}

/// One finding before it is reported.
struct Finding {
    range: TextRange,
    message: String,
    help: &'static str,
    fix: Option<Fix>,
}

fn check_command(command: &Command, text: &str, escape: char, out: &mut Vec<Finding>) {
    let words = command.unwrapped_words();
    if let Some(first) = words.first() {
        let tool = basename(&first.value);
        // Removing packages downloads nothing, so there is no signature to skip.
        let removes = matches!(tool, "apt-get" | "apt" | "aptitude")
            && words[1..]
                .iter()
                .find(|w| !w.value.starts_with('-'))
                .is_some_and(|w| APT_REMOVALS.contains(&w.value.as_str()));
        let flagged = TOOLS.contains(&tool) && !removes;
        for word in words[1..].iter().filter(|_| flagged) {
            let flag = word.value.as_str();
            if let Some((message, help)) = bypass_flag(tool, flag) {
                let fix = remove_word(text, word.range, flag, escape)
                    .map(|e| Fix::unsafe_(format!("Remove `{flag}`"), vec![e]));
                out.push(Finding {
                    range: word.range,
                    message,
                    help,
                    fix,
                });
            }
        }
    }
    for word in &command.words {
        if let Some((message, help)) = bypass_setting(word) {
            out.push(Finding {
                range: word.range,
                message,
                help,
                fix: None,
            });
        }
    }
}

impl Rule for PackageSignatureBypass {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        let text = model.text();
        let escape = model.file().escape();
        let mut findings = Vec::new();
        for (_, script) in run_scripts(ctx, true) {
            for command in &script.commands {
                check_command(command, text, escape, &mut findings);
            }
        }
        // One finding per place (a word can match a flag and a setting).
        let mut seen: Vec<TextRange> = Vec::new();
        for finding in findings {
            if seen.iter().any(|r| r.start() == finding.range.start()) {
                continue;
            }
            seen.push(finding.range);
            let d = ctx.report(finding.range, finding.message);
            d.help(finding.help);
            if let Some(fix) = finding.fix {
                d.fix(fix);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{TOOLS, bypass_flag};

    /// `TOOLS` is exactly the tools `bypass_flag` knows a flag of.
    #[test]
    fn tools_are_the_ones_with_flags() {
        let flags = [
            "--allow-unauthenticated",
            "--force-yes",
            "--allow-insecure-repositories",
            "--allow-untrusted",
            "--nogpgcheck",
            "--no-gpgchecks",
            "--nosignature",
            "--nodigest",
            "--nofiledigest",
            "--noverify",
            "--no-gpg-checks",
            "--no-gpgcheck",
        ];
        let others = [
            "apt-get2",
            "pip",
            "curl",
            "npm",
            "",
            "yum-config-manager",
            "rpmbuild",
        ];
        for tool in TOOLS.iter().chain(&others) {
            let known = flags.iter().any(|flag| bypass_flag(tool, flag).is_some());
            assert_eq!(known, TOOLS.contains(tool), "{tool}");
        }
    }
}
