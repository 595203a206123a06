use std::borrow::Cow;

use drydock_dockerfile::model::Model;
use drydock_dockerfile::shell::{Command, ShellWord, basename};
use drydock_text::TextRange;

use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::helpers::{
    Assignment, assignments, find_setting, run_scripts, unquote,
};

declare_rule! {
    /// ## What it does
    /// Reports settings that turn off TLS certificate verification for the tools a build uses
    /// to download things.
    ///
    /// The finding points at the flag word, the configuration word or the `ENV`/`ARG` pair.
    ///
    /// In `RUN` (including `ONBUILD RUN`, heredoc scripts and `["sh", "-c", "..."]`):
    /// - `curl` with `-k` or `--insecure`, also inside a group of short flags (`-fsSLk`);
    ///   letters after a flag that takes a value (`-o`, `-H`, `-K`, ...) are that value, not
    ///   flags;
    /// - `wget --no-check-certificate`;
    /// - `pip`/`pip3`/`python -m pip` with `--trusted-host host` or `--trusted-host=host`, and
    ///   `pip config set <section>.trusted-host ...`;
    /// - `git -c http.sslVerify=<false>` (also the per-URL `http.<url>.sslVerify`; the key is
    ///   case-insensitive) and `git config [options] [set] http.sslVerify <false>`, where
    ///   `<false>` is anything git reads as false: `false`, `no`, `off`, `0` or empty;
    /// - `npm`/`pnpm`/`yarn` with `--strict-ssl=false`, `--strict-ssl false`,
    ///   `--no-strict-ssl`, `config set strict-ssl false` or `config set strict-ssl=false`
    ///   (`npm set ...` and yarn 2+'s `enableStrictSsl` too);
    /// - any word holding `sslverify=0` or `sslverify=false` (also `no`/`off`, any case, blanks
    ///   around `=` allowed) as a yum/dnf option or repository setting
    ///   (`--setopt=sslverify=0`, `echo sslverify=false >> /etc/yum.conf`), and any word holding
    ///   the npmrc setting `strict-ssl=false` (or `=0`);
    /// - the environment variables below, assigned with `export NAME=value`, as a command
    ///   prefix (`NAME=value cmd`) or with `env NAME=value cmd`.
    ///
    /// In `ENV` and `ARG` with a value (also under `ONBUILD`, and in the legacy `ENV NAME value`
    /// form):
    /// - `NODE_TLS_REJECT_UNAUTHORIZED=0` and `PYTHONHTTPSVERIFY=0`;
    /// - `GIT_SSL_NO_VERIFY` with any value, even empty: git turns verification off whenever
    ///   the variable is set;
    /// - `NPM_CONFIG_STRICT_SSL=false` or `=0` (the name in any case, as npm reads it);
    /// - `PIP_TRUSTED_HOST` with a non-empty value.
    ///
    /// An `ARG` without a default is not reported: the variable is only set when the build
    /// passes it. Values are expanded as BuildKit does; a value that depends on an unknown
    /// build argument is only reported for `GIT_SSL_NO_VERIFY` and `PIP_TRUSTED_HOST`.
    ///
    /// ## Why is this bad?
    /// Without certificate verification, anyone on the network path (a compromised proxy, a
    /// hostile Wi-Fi, a poisoned DNS answer) can serve their own packages, scripts or
    /// repositories to the build, which then runs them, usually as root, and bakes them into
    /// the image. Environment variables set with `ENV` also stay in the image and switch
    /// verification off for every process of the running container.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// ENV NODE_TLS_REJECT_UNAUTHORIZED=0
    /// RUN curl -fsSLk https://example.com/tool.tar.gz -o /tmp/tool.tar.gz
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// COPY corp-ca.crt /usr/local/share/ca-certificates/corp-ca.crt
    /// RUN update-ca-certificates \
    ///     && curl -fsSL https://example.com/tool.tar.gz -o /tmp/tool.tar.gz
    /// ```
    ///
    /// ## Fix safety
    /// For a standalone `-k`, `--insecure` or `--no-check-certificate` word, the fix deletes the
    /// word (with one neighbouring blank, or the whole line when the word is alone on a
    /// continued line); for `k` inside a group of curl short flags it deletes the letter
    /// (`-fsSLk` becomes `-fsSL`). Other findings have no fix. The fix is unsafe: with
    /// verification back on, the download fails if the server's certificate is not trusted by
    /// the image, which is often why the flag was added; install the right CA certificate first.
    ///
    /// ## Notes
    /// RUNs whose shell is not a POSIX shell (PowerShell, `cmd`) are not checked. Settings
    /// written inside a heredoc that a command reads (`cat > /etc/yum.conf <<EOF`) are not
    /// seen, and neither are curl's `--proxy-insecure` nor configuration files copied into the
    /// image.
    pub(crate) TlsVerificationDisabled {
        code: "DS104",
        name: "tls-verification-disabled",
        aliases: [],
        category: Security,
        severity: Error,
        default_enabled: true,
        fix: Sometimes,
        target: Dockerfile,
    }
}

/// curl short options that take a value: in a group, the rest of the word (or the next word)
/// is their value.
const CURL_SHORT_WITH_VALUE: &str = "AbcCdDeEFHKmoPQrtTuUwxXyYz";

/// Values git reads as false.
const GIT_FALSE: [&str; 5] = ["false", "no", "off", "0", ""];

/// One finding before it is reported.
struct Finding {
    range: TextRange,
    message: String,
    help: Cow<'static, str>,
    fix: Option<Fix>,
}

impl Finding {
    fn new(range: TextRange, message: String, help: impl Into<Cow<'static, str>>) -> Self {
        Self {
            range,
            message,
            help: help.into(),
            fix: None,
        }
    }

    fn with_fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix;
        self
    }
}

/// What is known of a variable's value.
enum Value {
    /// Not set (`ARG NAME` without a default).
    Absent,
    /// Set, but to something not known statically.
    Unknown,
    /// Set to this.
    Known(String),
}

/// The value an `ENV` pair or `ARG` default gives its variable, expanded as BuildKit does.
fn assignment_value(model: &Model, assignment: &Assignment<'_>) -> Value {
    match assignment.value {
        None => Value::Absent,
        Some(word) => match model.expand(assignment.instruction, &word.text) {
            Ok(e) if !e.unknown => Value::Known(e.result),
            _ => Value::Unknown,
        },
    }
}

/// Whether `name` is `base` followed by a version (`pip3`, `pip3.12`, `python3.11`).
fn is_versioned(name: &str, base: &str) -> bool {
    name.strip_prefix(base)
        .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit() || c == '.'))
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

/// The words of a `pip` command after `pip` (`pip`, `pip3.12`, `python3 -m pip`).
fn pip_args(words: &[ShellWord]) -> Option<&[ShellWord]> {
    let name = basename(&words.first()?.value);
    if is_versioned(name, "pip") {
        return Some(&words[1..]);
    }
    if !is_versioned(name, "python") {
        return None;
    }
    let mut i = 1;
    while let Some(word) = words.get(i) {
        let v = word.value.as_str();
        if v == "-m" {
            let module = words.get(i + 1)?;
            return is_versioned(&module.value, "pip")
                .then(|| words.get(i + 2..).unwrap_or_default());
        }
        if let Some(module) = v.strip_prefix("-m") {
            return is_versioned(module, "pip").then(|| words.get(i + 1..).unwrap_or_default());
        }
        if !v.starts_with('-') {
            return None;
        }
        // Options with a separate value.
        i += if matches!(v, "-W" | "-X") { 2 } else { 1 };
    }
    None
}

/// Checks one shell command.
fn check_command(command: &Command, text: &str, escape: char, out: &mut Vec<Finding>) {
    let words = command.unwrapped_words();
    if let Some(first) = words.first() {
        let args = &words[1..];
        match basename(&first.value) {
            "curl" => check_curl(args, text, escape, out),
            "wget" => {
                for word in args.iter().filter(|w| w.value == "--no-check-certificate") {
                    let fix = remove_word(text, word.range, "--no-check-certificate", escape)
                        .map(|e| Fix::unsafe_("Remove `--no-check-certificate`", vec![e]));
                    out.push(
                        Finding::new(
                            word.range,
                            "`wget --no-check-certificate` skips TLS certificate verification"
                                .to_owned(),
                            "remove it; for a server with a private CA, pass the CA with `--ca-certificate=<file>` or install it in the image's trust store",
                        )
                        .with_fix(fix),
                    );
                }
            }
            "git" => check_git(args, out),
            "npm" | "pnpm" | "yarn" => check_npm(basename(&first.value), args, out),
            _ => {}
        }
        if let Some(args) = pip_args(words) {
            check_pip(args, out);
        }
    }
    // Settings written into configuration files (or passed as options) in any command. Both
    // have `=`, which most words do not: one look per word instead of one per setting.
    for word in command.words.iter().filter(|w| w.value.contains('=')) {
        let setting = |key, values| {
            find_setting(&word.value, key, &['='], false, values).map(|at| &word.value[at])
        };
        if let Some(setting) = setting("sslverify", &["0", "false", "no", "off"]) {
            out.push(Finding::new(
                word.range,
                format!("`{setting}` turns off TLS certificate verification for yum/dnf repositories"),
                "remove it; for a repository with a private CA, install the CA in the trust store or point `sslcacert` at it",
            ));
        } else if let Some(setting) = setting("strict-ssl", &["false", "0"]) {
            out.push(Finding::new(
                word.range,
                format!("`{setting}` turns off TLS certificate verification for npm"),
                "remove it; for a registry with a private CA, set `cafile` or `NODE_EXTRA_CA_CERTS` to the CA bundle",
            ));
        }
    }
    // Environment variables set in the script.
    for word in run_assignments(command) {
        let Some((name, value)) = word.value.split_once('=') else {
            continue;
        };
        let value = if word.literal {
            Value::Known(value.to_owned())
        } else {
            Value::Unknown
        };
        if let Some((message, help)) = check_variable(name, &value) {
            out.push(Finding::new(word.range, message, help));
        }
    }
}

/// `NAME=value` words of a command: prefixes, `export NAME=value`, `env NAME=value cmd`.
fn run_assignments(command: &Command) -> Vec<&ShellWord> {
    let mut out: Vec<&ShellWord> = command.assignments.iter().collect();
    match command.name() {
        Some("export") => out.extend(command.args().iter().filter(|w| w.value.contains('='))),
        Some("env") => out.extend(
            command
                .args()
                .iter()
                .skip_while(|w| w.value.starts_with('-'))
                .take_while(|w| w.value.contains('=')),
        ),
        _ => {}
    }
    out
}

fn check_curl(args: &[ShellWord], text: &str, escape: char, out: &mut Vec<Finding>) {
    let help = "remove it; for a server with a private CA, pass the CA with `--cacert <file>` or install it in the image's trust store";
    let mut skip_next = false;
    for word in args {
        if std::mem::take(&mut skip_next) {
            continue;
        }
        let v = word.value.as_str();
        if v == "--insecure" {
            let fix = remove_word(text, word.range, v, escape)
                .map(|e| Fix::unsafe_("Remove `--insecure`", vec![e]));
            out.push(
                Finding::new(
                    word.range,
                    "`curl --insecure` skips TLS certificate verification".to_owned(),
                    help,
                )
                .with_fix(fix),
            );
            continue;
        }
        let Some(group) = v.strip_prefix('-').filter(|g| !g.starts_with('-')) else {
            continue;
        };
        for (i, c) in group.char_indices() {
            if c == 'k' {
                let message = if group == "k" {
                    "`curl -k` skips TLS certificate verification".to_owned()
                } else {
                    format!(
                        "`k` in curl's `{v}` is `--insecure`: it skips TLS certificate verification"
                    )
                };
                let fix = if group == "k" {
                    remove_word(text, word.range, v, escape)
                        .map(|e| Fix::unsafe_("Remove `-k`", vec![e]))
                } else if text.get(word.range.start().into()..word.range.end().into()) == Some(v) {
                    let at = usize::from(word.range.start()) + 1 + i;
                    Some(Fix::unsafe_(
                        format!("Remove `k` from `{v}`"),
                        vec![Edit::delete(drydock_text::range(at, at + 1))],
                    ))
                } else {
                    None
                };
                out.push(Finding::new(word.range, message, help).with_fix(fix));
                break;
            }
            if CURL_SHORT_WITH_VALUE.contains(c) {
                skip_next = i + c.len_utf8() == group.len();
                break;
            }
        }
    }
}

fn check_pip(args: &[ShellWord], out: &mut Vec<Finding>) {
    let help = "use an HTTPS index whose certificate the image trusts; for a private CA, pass it with `--cert <bundle>` or `PIP_CERT`";
    for (i, word) in args.iter().enumerate() {
        let v = word.value.as_str();
        let host = if v == "--trusted-host" {
            args.get(i + 1).map(|w| w.value.as_str())
        } else if let Some(host) = v.strip_prefix("--trusted-host=") {
            Some(host)
        } else {
            continue;
        };
        let message = match host {
            Some(host) if !host.is_empty() => format!(
                "`--trusted-host` lets pip use `{host}` over plain HTTP or with a certificate it does not verify"
            ),
            _ => "`--trusted-host` lets pip use a host over plain HTTP or with a certificate it does not verify".to_owned(),
        };
        out.push(Finding::new(word.range, message, help));
    }
    // `pip config set global.trusted-host host`
    let positional: Vec<&ShellWord> = args.iter().filter(|w| !w.value.starts_with('-')).collect();
    if let [config, set, key, ..] = positional.as_slice()
        && config.value == "config"
        && set.value == "set"
        && key
            .value
            .to_ascii_lowercase()
            .split('=')
            .next()
            .is_some_and(|k| k.ends_with(".trusted-host"))
    {
        let range = positional
            .get(3)
            .map_or(key.range, |value| key.range.cover(value.range));
        out.push(Finding::new(
            range,
            "`trusted-host` in pip's configuration lets pip use those hosts over plain HTTP or with a certificate it does not verify".to_owned(),
            help,
        ));
    }
}

/// Whether a git configuration key is `http.sslVerify` or `http.<url>.sslVerify`.
fn is_ssl_verify_key(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    lower.starts_with("http.") && lower.ends_with(".sslverify")
}

fn check_git(args: &[ShellWord], out: &mut Vec<Finding>) {
    let help = "remove it; for a server with a private CA, point `http.sslCAInfo` (or `GIT_SSL_CAINFO`) at the CA bundle";
    let mut i = 0;
    // Global options up to the subcommand.
    while let Some(word) = args.get(i) {
        let v = word.value.as_str();
        if v == "-c" {
            if let Some(setting) = args.get(i + 1)
                && let Some((key, value)) = setting.value.split_once('=')
                && is_ssl_verify_key(key)
                && GIT_FALSE.contains(&value.to_ascii_lowercase().as_str())
            {
                out.push(Finding::new(
                    setting.range,
                    format!(
                        "`{}` turns off TLS certificate verification for git",
                        setting.value
                    ),
                    help,
                ));
            }
            i += 2;
        } else if matches!(v, "-C" | "--git-dir" | "--work-tree" | "--namespace") {
            i += 2;
        } else if v.starts_with('-') {
            i += 1;
        } else {
            break;
        }
    }
    let Some(sub) = args.get(i) else { return };
    if sub.value != "config" {
        return;
    }
    let rest = &args[i + 1..];
    let mut positional = Vec::new();
    let mut j = 0;
    while let Some(word) = rest.get(j) {
        let v = word.value.as_str();
        if matches!(
            v,
            "-f" | "--file" | "--blob" | "--type" | "--default" | "--comment" | "--value"
        ) {
            j += 2;
            continue;
        }
        if !v.starts_with('-') {
            positional.push(word);
        }
        j += 1;
    }
    if positional.first().is_some_and(|w| w.value == "set") {
        positional.remove(0);
    }
    if let [key, value, ..] = positional.as_slice()
        && is_ssl_verify_key(&key.value)
        && GIT_FALSE.contains(&value.value.to_ascii_lowercase().as_str())
    {
        out.push(Finding::new(
            key.range.cover(value.range),
            format!(
                "`git config {} {}` turns off TLS certificate verification for git",
                key.value, value.value
            ),
            help,
        ));
    }
}

fn check_npm(tool: &str, args: &[ShellWord], out: &mut Vec<Finding>) {
    let help = "keep `strict-ssl` on; for a registry with a private CA, set `cafile` or `NODE_EXTRA_CA_CERTS` to the CA bundle";
    let is_false = |v: &str| matches!(v.to_ascii_lowercase().as_str(), "false" | "0");
    for (i, word) in args.iter().enumerate() {
        let v = word.value.as_str();
        let range = if v == "--no-strict-ssl" {
            word.range
        } else if let Some(value) = v.strip_prefix("--strict-ssl=") {
            if !is_false(value) {
                continue;
            }
            word.range
        } else if v == "--strict-ssl" {
            match args.get(i + 1) {
                Some(next) if is_false(&next.value) => word.range.cover(next.range),
                _ => continue,
            }
        } else {
            continue;
        };
        out.push(Finding::new(
            range,
            format!("`{v}` turns off TLS certificate verification for {tool}"),
            help,
        ));
    }
    let positional: Vec<&ShellWord> = args.iter().filter(|w| !w.value.starts_with('-')).collect();
    let pairs = match positional.as_slice() {
        [config, set, rest @ ..] if config.value == "config" && set.value == "set" => rest,
        [set, rest @ ..] if set.value == "set" && tool != "yarn" => rest,
        _ => return,
    };
    let Some(key) = pairs.first() else { return };
    let (name, value, range) = match key.value.split_once('=') {
        Some((name, value)) => (name, value, key.range),
        None => match pairs.get(1) {
            Some(value) => (
                key.value.as_str(),
                value.value.as_str(),
                key.range.cover(value.range),
            ),
            None => return,
        },
    };
    let name = name.to_ascii_lowercase();
    if matches!(name.as_str(), "strict-ssl" | "enablestrictssl") && is_false(value) {
        out.push(Finding::new(
            range,
            format!("`{tool} config set {name} {value}` turns off TLS certificate verification"),
            help,
        ));
    }
}

/// Checks one environment variable assignment; returns the message and help when it turns
/// verification off.
fn check_variable(name: &str, value: &Value) -> Option<(String, &'static str)> {
    let known = match value {
        Value::Known(v) => Some(v.as_str()),
        _ => None,
    };
    match name {
        "NODE_TLS_REJECT_UNAUTHORIZED" if known == Some("0") => Some((
            "`NODE_TLS_REJECT_UNAUTHORIZED=0` turns off TLS certificate verification in every Node.js process".to_owned(),
            "remove it; to trust a private CA, set `NODE_EXTRA_CA_CERTS` to its bundle",
        )),
        "PYTHONHTTPSVERIFY" if known == Some("0") => Some((
            "`PYTHONHTTPSVERIFY=0` turns off certificate verification in Python's standard HTTPS client".to_owned(),
            "remove it; to trust a private CA, install it in the image's trust store or set `SSL_CERT_FILE`",
        )),
        "GIT_SSL_NO_VERIFY" if !matches!(value, Value::Absent) => Some((
            "`GIT_SSL_NO_VERIFY` is set, which turns off TLS certificate verification for git whatever its value".to_owned(),
            "remove it; for a server with a private CA, set `GIT_SSL_CAINFO` to the CA bundle",
        )),
        "PIP_TRUSTED_HOST" if !matches!(value, Value::Absent) && known != Some("") => Some((
            "`PIP_TRUSTED_HOST` lets pip use the hosts it lists over plain HTTP or with a certificate it does not verify".to_owned(),
            "use an HTTPS index whose certificate the image trusts; for a private CA, set `PIP_CERT` to the CA bundle",
        )),
        _ if name.eq_ignore_ascii_case("NPM_CONFIG_STRICT_SSL")
            && known.is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "false" | "0")) =>
        {
            Some((
                format!("`{name}={}` turns off TLS certificate verification for npm", known.unwrap_or_default()),
                "remove it; for a registry with a private CA, set `NPM_CONFIG_CAFILE` or `NODE_EXTRA_CA_CERTS` to the CA bundle",
            ))
        }
        _ => None,
    }
}

impl Rule for TlsVerificationDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Stage
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
        for assignment in assignments(ctx) {
            let name = unquote(&assignment.key.text);
            // Only these names matter: the others' values are not expanded.
            if !matches!(
                name,
                "NODE_TLS_REJECT_UNAUTHORIZED"
                    | "PYTHONHTTPSVERIFY"
                    | "GIT_SSL_NO_VERIFY"
                    | "PIP_TRUSTED_HOST"
            ) && !name.eq_ignore_ascii_case("NPM_CONFIG_STRICT_SSL")
            {
                continue;
            }
            let value = assignment_value(model, &assignment);
            if let Some((message, help)) = check_variable(name, &value) {
                findings.push(Finding::new(assignment.range, message, help));
            }
        }
        // One finding per place (a word can match two checks), in file order.
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
