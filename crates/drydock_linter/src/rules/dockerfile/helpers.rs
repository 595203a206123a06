//! Helpers shared by Dockerfile rules: RUN scripts, package installs, ENV/ARG pairs.

use std::ops::Range;

use drydock_dockerfile::model::Model;
use drydock_dockerfile::shell::{Command, ShellScript, ShellWord};
use drydock_dockerfile::{Args, Instruction, InstructionKind, Word};
use drydock_text::TextRange;

use crate::rule::{DockerfileContext, Outside};

/// The shell view of instruction `index` when it is a `RUN` or `ONBUILD RUN`.
///
/// With `posix_only`, a RUN whose shell in effect is not a POSIX shell (PowerShell, `cmd`, a
/// Windows base image without `SHELL`) has none; drydock's own DS rules use this. The exec
/// form always has one: it does not go through the `SHELL`.
pub(crate) fn run_script(model: &Model, index: usize, posix_only: bool) -> Option<&ShellScript> {
    let script = model.shell(index)?;
    if posix_only && !script.exec_form && !model.shell_spec(index).is_posix() {
        return None;
    }
    Some(script)
}

/// The names of the stages, in order: what rules that look earlier stages up by name read
/// outside a stage ([`Rule::outside`](crate::rule::Rule::outside)).
pub(crate) fn stage_names(model: &Model) -> Option<Vec<u8>> {
    let mut outside = Outside::default();
    for stage in model.stages() {
        outside.maybe(stage.name.as_ref().map(|n| n.lower.as_str()));
    }
    outside.done()
}

/// The instructions of `kind` that follow another one of the same stage (the count restarts at
/// each `FROM`; instructions before the first `FROM` are a stage of their own; `ONBUILD` ones
/// do not count), among those a stage-local rule is to check: the keyword of each with the
/// keyword of the stage's first.
pub(crate) fn repeated_in_stage(
    ctx: &DockerfileContext<'_>,
    kind: InstructionKind,
) -> Vec<(TextRange, TextRange)> {
    let mut first = None;
    let mut repeated = Vec::new();
    for (_, instruction) in ctx.instructions() {
        if instruction.kind == InstructionKind::From {
            first = None;
        } else if instruction.kind == kind {
            match first {
                None => first = Some(instruction.keyword.range),
                Some(earlier) => repeated.push((instruction.keyword.range, earlier)),
            }
        }
    }
    repeated
}

/// [`run_script`] of the instructions a rule is to check ([`DockerfileContext::checks`]),
/// with their indices.
pub(crate) fn run_scripts<'a>(
    ctx: &DockerfileContext<'a>,
    posix_only: bool,
) -> impl Iterator<Item = (usize, &'a ShellScript)> + use<'a> {
    let model = ctx.model;
    ctx.indices()
        .filter_map(move |i| run_script(model, i, posix_only).map(|script| (i, script)))
}

/// Package managers that install OS packages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Manager {
    Apt,
    Apk,
    Yum,
    Zypper,
}

/// A package-install command and the words naming packages.
pub(crate) struct Install<'a> {
    pub(crate) packages: Vec<&'a ShellWord>,
}

/// Options whose next word is their value (so not a package), per manager.
fn takes_value(manager: Manager, flag: &str) -> bool {
    match manager {
        Manager::Apt => matches!(
            flag,
            "-t" | "--target-release" | "-o" | "--option" | "-c" | "--config-file"
        ),
        Manager::Apk => matches!(
            flag,
            "-t" | "--virtual" | "--repository" | "-X" | "--root" | "-p" | "--arch" | "--keys-dir"
        ),
        Manager::Yum => matches!(
            flag,
            "--enablerepo"
                | "--disablerepo"
                | "--repo"
                | "--repoid"
                | "--setopt"
                | "--installroot"
                | "--releasever"
                | "-c"
                | "--config"
                | "--exclude"
                | "-x"
                | "--forcearch"
        ),
        Manager::Zypper => matches!(flag, "-r" | "--repo" | "--from" | "-t" | "--type"),
    }
}

/// Recognises `apt-get install`, `apt install`, `aptitude install`, `apk add`,
/// `yum|dnf|microdnf|tdnf install|groupinstall|localinstall`, `zypper install|in`.
pub(crate) fn install(command: &Command) -> Option<Install<'_>> {
    let words = command.unwrapped_words();
    let name = drydock_dockerfile::shell::basename(&words.first()?.value);
    let (manager, subcommands): (Manager, &[&str]) = match name {
        "apt-get" | "apt" | "aptitude" => (Manager::Apt, &["install"]),
        "apk" => (Manager::Apk, &["add"]),
        "yum" | "dnf" | "microdnf" | "tdnf" => {
            (Manager::Yum, &["install", "groupinstall", "localinstall"])
        }
        "zypper" => (Manager::Zypper, &["install", "in"]),
        _ => return None,
    };
    let args = &words[1..];
    let sub = args
        .iter()
        .position(|w| subcommands.contains(&w.value.as_str()))?;
    let mut packages = Vec::new();
    let mut skip_next = false;
    for (i, w) in args.iter().enumerate() {
        if skip_next {
            skip_next = false;
            continue;
        }
        let v = w.value.as_str();
        if v.starts_with('-') {
            skip_next = !v.contains('=') && takes_value(manager, v);
            continue;
        }
        if i == sub {
            continue;
        }
        if i > sub {
            packages.push(w);
        }
    }
    Some(Install { packages })
}

/// The package name without a version or release suffix (`openssh-server=1:9.2` ->
/// `openssh-server`, `openssh~9` -> `openssh`, `dropbear-2022.83-r0` stays as is).
pub(crate) fn package_name(word: &str) -> &str {
    let end = word.find(['=', '~', '>', '<']).unwrap_or(word.len());
    &word[..end]
}

/// Whether `package` names `wanted`, allowing a version suffix in the usual spellings
/// (`name=1.2`, `name~1`, `name>=1`, and rpm's `name-1.2`).
pub(crate) fn is_package(package: &str, wanted: &str) -> bool {
    let name = package_name(package);
    if name == wanted {
        return true;
    }
    // rpm style `name-1.2-3.el9`: the part after `name-` starts with a digit.
    name.strip_prefix(wanted)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
}

/// One `ENV` pair or `ARG` declaration, wherever it is (top level or inside `ONBUILD`).
pub(crate) struct Assignment<'a> {
    /// Instruction index.
    pub(crate) instruction: usize,
    /// `ENV` or `ARG`.
    pub(crate) kind: InstructionKind,
    /// The key word.
    pub(crate) key: &'a Word,
    /// The value word (`None` for `ARG name` without default).
    pub(crate) value: Option<&'a Word>,
    /// The whole pair.
    pub(crate) range: TextRange,
}

/// Every `ENV` pair and `ARG` declaration of the instructions a rule is to check
/// ([`DockerfileContext::checks`]), in order.
pub(crate) fn assignments<'a>(ctx: &DockerfileContext<'a>) -> Vec<Assignment<'a>> {
    let mut out = Vec::new();
    for (index, instruction) in ctx.instructions() {
        let inner = match instruction.kind {
            InstructionKind::Onbuild => match instruction.onbuild_inner() {
                Some(inner) => inner,
                None => continue,
            },
            _ => instruction,
        };
        collect_assignments(index, inner, &mut out);
    }
    out
}

fn collect_assignments<'a>(
    index: usize,
    instruction: &'a Instruction,
    out: &mut Vec<Assignment<'a>>,
) {
    match &instruction.args {
        Args::KeyValues(kv) if instruction.kind == InstructionKind::Env => {
            for pair in &kv.pairs {
                out.push(Assignment {
                    instruction: index,
                    kind: InstructionKind::Env,
                    key: &pair.key,
                    value: Some(&pair.value),
                    range: pair.range,
                });
            }
        }
        Args::Arg(decls) => {
            for decl in decls {
                out.push(Assignment {
                    instruction: index,
                    kind: InstructionKind::Arg,
                    key: &decl.name,
                    value: decl.default.as_ref(),
                    range: decl.range,
                });
            }
        }
        _ => {}
    }
}

/// A Dockerfile word with quotes removed (`"a b"` -> `a b`), no variable expansion.
pub(crate) fn unquote(text: &str) -> &str {
    let bytes = text.as_bytes();
    if bytes.len() >= 2
        && (bytes[0] == b'"' || bytes[0] == b'\'')
        && bytes[bytes.len() - 1] == bytes[0]
    {
        return &text[1..text.len() - 1];
    }
    text
}

/// Whether `haystack` contains `needle` (lowercase ASCII) ignoring ASCII case: what
/// `haystack.to_ascii_lowercase().contains(needle)` says, without allocating. Rules that search
/// every shell word for a setting call it first, so most words cost one pass over their bytes.
pub(crate) fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    let Some((&first, rest)) = n.split_first() else {
        return true;
    };
    // No byte lowercases to an uppercase letter.
    if h.len() < n.len() || first.is_ascii_uppercase() {
        return false;
    }
    // The places where the first byte matches, found with memchr, then the rest compared.
    memchr::memchr2_iter(first, first.to_ascii_uppercase(), &h[..=h.len() - n.len()]).any(|i| {
        h[i + 1..i + n.len()]
            .iter()
            .zip(rest)
            .all(|(a, b)| a.to_ascii_lowercase() == *b)
    })
}

/// Finds `key <sep> value` in `text`: the key case-insensitively (at a word boundary when it
/// starts with a letter), then blanks, one of `seps` (or, with `sep_optional`, just blanks),
/// blanks, an optional quote, and a value among `values` (lowercase). Returns where the setting
/// is written in `text`.
///
/// The DS rules that find settings written into configuration files or passed as options
/// (`gpgcheck=0`, `sslverify=false`, `Acquire::AllowInsecureRepositories=1`) share it.
pub(crate) fn find_setting(
    text: &str,
    key: &str,
    seps: &[char],
    sep_optional: bool,
    values: &[&str],
) -> Option<Range<usize>> {
    // The separator is looked for first (with memchr: a `&[char]` pattern decodes every
    // character): most words have none, and then cannot hold a setting.
    let ascii = |c: &char| u8::try_from(*c).ok();
    let has_sep = match seps {
        [a] => ascii(a).map(|a| memchr::memchr(a, text.as_bytes()).is_some()),
        [a, b] => ascii(a)
            .zip(ascii(b))
            .map(|(a, b)| memchr::memchr2(a, b, text.as_bytes()).is_some()),
        _ => None,
    };
    if !sep_optional && !has_sep.unwrap_or_else(|| text.contains(seps))
        || !contains_ignore_ascii_case(text, key)
    {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let mut from = 0;
    while let Some(pos) = lower[from..].find(key) {
        let start = from + pos;
        from = start + key.len();
        let before = &lower[..start];
        let boundary = !key.starts_with(|c: char| c.is_ascii_alphanumeric())
            || before.chars().next_back().is_none_or(|c| !is_word(c))
            || before.ends_with("\\n")
            || before.ends_with("\\t");
        let after_key = &lower[from..];
        if !boundary || after_key.starts_with(is_word) {
            continue;
        }
        let rest = after_key.trim_start_matches([' ', '\t']);
        let rest = match rest.strip_prefix(seps) {
            Some(rest) => rest,
            None if sep_optional && rest.len() < after_key.len() => rest,
            None => continue,
        };
        let value = rest.trim_start_matches([' ', '\t']);
        let quote = value.chars().next().filter(|c| matches!(c, '"' | '\''));
        let value = &value[quote.map_or(0, char::len_utf8)..];
        let end = value
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(value.len());
        if !value[..end].is_empty() && values.contains(&&value[..end]) {
            // The closing quote belongs to the setting too.
            let end = match quote {
                Some(q) if value[end..].starts_with(q) => end + 1,
                _ => end,
            };
            let match_end = lower.len() - value.len() + end;
            return Some(start..match_end);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::contains_ignore_ascii_case;

    #[test]
    fn contains_ignore_ascii_case_is_lowercase_contains() {
        let haystacks = [
            "",
            "a",
            "APT::Get::AllowUnauthenticated=true",
            "--allow-UNAUTHENTICATED",
            "xx-Allow-Unauthenticated",
            "ünïcödé-allow",
            "aaaab",
            "---",
        ];
        let needles = [
            "",
            "a",
            "allowunauthenticated",
            "allow-unauthenticated",
            "b",
            "-",
            "Allow",
            "ab",
            "ünï",
        ];
        for h in haystacks {
            for n in needles {
                assert_eq!(
                    contains_ignore_ascii_case(h, n),
                    h.to_ascii_lowercase().contains(n),
                    "{h:?} / {n:?}"
                );
            }
        }
    }
}
