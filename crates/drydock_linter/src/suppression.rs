//! Suppression comments ("pragmas") in Dockerfiles.
//!
//! drydock's own forms:
//! - `# drydock ignore=CODE[,CODE...] [-- reason]` in the comment block directly above an
//!   instruction: covers every finding of that instruction (all its lines).
//! - `# drydock global ignore=CODE[,...] [-- reason]` anywhere: covers the file.
//!
//! hadolint's forms, with hadolint's scoping (hadolint.md §1.5):
//! - `# hadolint ignore=CODE[,...]` on the line directly above an instruction.
//! - `# hadolint global ignore=...` anywhere: the file.
//! - `# hadolint stage ignore=...`: lines after the next one, up to the next `FROM` line
//!   (a stage pragma above a `FROM` does not cover the `FROM` line itself).
//! - one code that is not a code makes a hadolint pragma void as a whole.
//!
//! Codes may be primary codes, aliases or rule names. Unknown codes are reported (DY002) and
//! codes that suppressed nothing are reported (DY001) with a fix that removes them.

use std::sync::OnceLock;

use drydock_dockerfile::{Dockerfile, ItemKind};
use drydock_text::{LineIndex, TextRange, TextSize};

use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::registry::{self, RuleId};

/// Which tool's grammar a pragma follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// `# drydock ...`
    Drydock,
    /// `# hadolint ...`
    Hadolint,
}

/// What a pragma covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The instruction below it.
    Next,
    /// The whole file.
    Global,
    /// hadolint's stage form.
    Stage,
}

/// One code written in a pragma.
#[derive(Clone, Debug)]
pub struct PragmaCode {
    /// As written.
    pub text: String,
    /// Where it is written.
    pub range: TextRange,
    /// The rule it names; `None` for an unknown code (or a ShellCheck code).
    pub rule: Option<RuleId>,
}

/// A parsed suppression comment.
#[derive(Clone, Debug)]
pub struct Pragma {
    /// drydock's or hadolint's grammar.
    pub flavor: Flavor,
    /// What it covers.
    pub scope: Scope,
    /// The comment line's range (from `#`).
    pub comment: TextRange,
    /// The full line, terminator included (for removing the whole comment).
    pub line: TextRange,
    /// The codes.
    pub codes: Vec<PragmaCode>,
    /// The text after `--` (drydock) or `#` (hadolint).
    pub reason: Option<String>,
    /// Whether the pragma takes effect (a hadolint pragma with an unknown code does not).
    pub valid: bool,
    /// Byte range of findings covered (for `Next`: the instruction; for `Global`: the file).
    covered: Option<TextRange>,
    /// For `Stage`: zero-based line key (comment line + 1).
    stage_key: usize,
}

/// Parses `text` (the part after `#`) as a pragma; `None` when it is an ordinary comment.
/// The pieces of a pragma comment, before its codes are looked up.
struct ParsedPragma {
    flavor: Flavor,
    scope: Scope,
    codes: Vec<(String, TextRange)>,
    reason: Option<String>,
    well_formed: bool,
}

fn parse_pragma_text(text: &str, base: usize) -> Option<ParsedPragma> {
    let trimmed_start = text.len() - text.trim_start_matches([' ', '\t']).len();
    let rest = &text[trimmed_start..];
    let (flavor, rest, offset) = if let Some(r) = rest.strip_prefix("drydock") {
        (Flavor::Drydock, r, trimmed_start + "drydock".len())
    } else if let Some(r) = rest.strip_prefix("hadolint") {
        (Flavor::Hadolint, r, trimmed_start + "hadolint".len())
    } else {
        return None;
    };
    // At least one space after the tool name.
    let ws = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    if ws == 0 {
        return None;
    }
    let mut rest = &rest[ws..];
    let mut offset = offset + ws;
    let mut scope = Scope::Next;
    for (word, s) in [("global", Scope::Global), ("stage", Scope::Stage)] {
        if flavor == Flavor::Drydock && s == Scope::Stage {
            continue;
        }
        if let Some(r) = rest.strip_prefix(word) {
            let ws = r.len() - r.trim_start_matches([' ', '\t']).len();
            if ws > 0 {
                scope = s;
                offset += word.len() + ws;
                rest = &r[ws..];
            }
        }
    }
    let r = rest.strip_prefix("ignore")?;
    offset += "ignore".len();
    let ws = r.len() - r.trim_start_matches([' ', '\t']).len();
    let r = r[ws..].strip_prefix('=')?;
    offset += ws + 1;
    let ws = r.len() - r.trim_start_matches([' ', '\t']).len();
    let list = &r[ws..];
    offset += ws;
    // Where the code list ends: drydock `--`, hadolint `#`.
    let (list_part, reason) = match flavor {
        Flavor::Drydock => match list.find("--") {
            Some(i) => (&list[..i], Some(list[i + 2..].trim().to_owned())),
            None => (list, None),
        },
        Flavor::Hadolint => match list.find('#') {
            Some(i) => (&list[..i], Some(list[i + 1..].trim().to_owned())),
            None => (list, None),
        },
    };
    let mut codes = Vec::new();
    let mut well_formed = true;
    let mut pos = 0;
    let parts: Vec<&str> = list_part.split(',').collect();
    let count = parts.len();
    for (i, part) in parts.into_iter().enumerate() {
        let lead = part.len() - part.trim_start().len();
        let code = part.trim();
        let start = base + offset + pos + lead;
        if code.is_empty() {
            if !(i + 1 == count && i > 0) {
                well_formed = false;
            }
        } else if code.contains(char::is_whitespace) {
            // `ignore=DL3008 DL3009`: hadolint reads only up to the space; treat as malformed.
            well_formed = false;
            codes.push((
                code.to_owned(),
                drydock_text::range(start, start + code.len()),
            ));
        } else {
            codes.push((
                code.to_owned(),
                drydock_text::range(start, start + code.len()),
            ));
        }
        pos += part.len() + 1;
    }
    if codes.is_empty() {
        well_formed = false;
    }
    Some(ParsedPragma {
        flavor,
        scope,
        codes,
        reason: reason.filter(|r| !r.is_empty()),
        well_formed,
    })
}

/// A suppression comment read on its own, with the grammar the linter uses (for editors:
/// documenting the codes of a comment, adding a code to an existing comment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommentPragma {
    /// drydock's or hadolint's grammar.
    pub flavor: Flavor,
    /// What it covers (`Stage` only for hadolint).
    pub scope: Scope,
    /// The codes as written, with their ranges (offset by `base`).
    pub codes: Vec<(String, TextRange)>,
    /// Whether the code list is well formed (no empty or space-separated codes).
    pub well_formed: bool,
}

/// Reads `body`, the text after a comment's `#`, as a suppression comment; `None` for an
/// ordinary comment. Code ranges are offsets into `body` plus `base` (pass the offset of the
/// byte after `#` to get file offsets).
#[must_use]
pub fn parse_comment(body: &str, base: usize) -> Option<CommentPragma> {
    parse_pragma_text(body, base).map(|p| CommentPragma {
        flavor: p.flavor,
        scope: p.scope,
        codes: p.codes,
        well_formed: p.well_formed,
    })
}

/// Finds every pragma of a Dockerfile and what it covers.
#[must_use]
pub fn pragmas(file: &Dockerfile, index: &LineIndex) -> Vec<Pragma> {
    collect_pragmas(file, |at| index.line_of(at))
}

/// [`pragmas`], with `line_of` giving the line of an offset (asked only for a pragma).
fn collect_pragmas(file: &Dockerfile, line_of: impl Fn(TextSize) -> usize) -> Vec<Pragma> {
    let items = file.items();
    let text = file.text();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let ItemKind::Comment(comment) = &item.kind else {
            continue;
        };
        let after_hash = usize::from(comment.range.start()) + 1;
        let body = &text[after_hash..usize::from(comment.range.end())];
        let Some(ParsedPragma {
            flavor,
            scope,
            codes,
            reason,
            well_formed,
        }) = parse_pragma_text(body, after_hash)
        else {
            continue;
        };
        let codes: Vec<PragmaCode> = codes
            .into_iter()
            .map(|(text, range)| {
                let rule = registry::find(&text);
                PragmaCode { text, range, rule }
            })
            .collect();
        let all_known = codes
            .iter()
            .all(|c| c.rule.is_some() || registry::is_shellcheck_code(&c.text));
        let valid = match flavor {
            // hadolint: any code outside its alphabet, or unknown, voids the whole pragma.
            Flavor::Hadolint => well_formed && all_known,
            Flavor::Drydock => true,
        };
        let covered = match scope {
            Scope::Global => Some(drydock_text::range(0, text.len())),
            Scope::Stage => None,
            Scope::Next => match flavor {
                Flavor::Hadolint => items.get(i + 1).and_then(|next| match &next.kind {
                    ItemKind::Instruction(instruction) => Some(instruction.range),
                    _ => None,
                }),
                Flavor::Drydock => items[i + 1..]
                    .iter()
                    .find(|next| !matches!(next.kind, ItemKind::Comment(_)))
                    .and_then(|next| match &next.kind {
                        ItemKind::Instruction(instruction) => {
                            Some(TextRange::new(next.range.start(), instruction.range.end()))
                        }
                        _ => None,
                    }),
            },
        };
        let line = line_of(comment.range.start());
        out.push(Pragma {
            flavor,
            scope,
            comment: comment.range,
            line: item.range,
            codes,
            reason,
            valid,
            covered,
            stage_key: line + 1,
        });
    }
    out
}

/// Applies pragmas to findings: removes suppressed ones, and returns the DY001/DY002 findings.
///
/// `enabled` says whether a rule ran (unused-suppression findings are only given for rules that
/// ran, so disabling a rule never makes its suppressions "unused"); `shellcheck_active` says the
/// same of a ShellCheck code (`SC2086`): ShellCheck ran on the file and the code is not ignored.
pub(crate) fn apply(
    file: &Dockerfile,
    index: &OnceLock<LineIndex>,
    diagnostics: &mut Vec<Diagnostic>,
    enabled: &dyn Fn(RuleId) -> bool,
    shellcheck_active: &dyn Fn(&str) -> bool,
) -> Vec<Diagnostic> {
    // The line index is made only when a pragma needs it (nearly every file has none).
    let line_index = || index.get_or_init(|| LineIndex::new(file.text()));
    let pragmas = collect_pragmas(file, |at| line_index().line_of(at));
    if pragmas.is_empty() {
        return Vec::new();
    }
    let index = line_index();
    // hadolint stage keys: FROM lines register an empty set unless a stage pragma is there.
    let mut stage_keys: Vec<(usize, Option<usize>)> = pragmas
        .iter()
        .enumerate()
        .filter(|(_, p)| p.scope == Scope::Stage && p.valid)
        .map(|(i, p)| (p.stage_key, Some(i)))
        .collect();
    for instruction in file.instructions() {
        if instruction.kind == drydock_dockerfile::InstructionKind::From {
            let line = index.line_of(instruction.range.start());
            if !stage_keys.iter().any(|(k, _)| *k == line) {
                stage_keys.push((line, None));
            }
        }
    }
    stage_keys.sort_by_key(|(k, p)| (*k, p.is_none()));

    let mut used = vec![vec![false; 0]; pragmas.len()];
    for (i, p) in pragmas.iter().enumerate() {
        used[i] = vec![false; p.codes.len()];
    }
    diagnostics.retain(|d| {
        let rule = registry::by_code(d.code);
        let shellcheck = rule.is_none() && registry::is_shellcheck_code(d.code);
        if rule.is_none() && !shellcheck {
            return true;
        }
        let start = d.range.start();
        let line = index.line_of(start);
        let mut suppressed = false;
        for (pi, p) in pragmas.iter().enumerate() {
            if !p.valid {
                continue;
            }
            let covers = match p.scope {
                Scope::Global | Scope::Next => p
                    .covered
                    .is_some_and(|c| c.contains(start) || c.start() == start),
                Scope::Stage => stage_keys
                    .iter()
                    .filter(|(k, _)| *k < line)
                    .max_by_key(|(k, _)| *k)
                    .is_some_and(|(_, owner)| *owner == Some(pi)),
            };
            if !covers {
                continue;
            }
            for (ci, code) in p.codes.iter().enumerate() {
                let names = match rule {
                    Some(rule) => code.rule == Some(rule),
                    None => code.rule.is_none() && code.text.eq_ignore_ascii_case(d.code),
                };
                if names {
                    used[pi][ci] = true;
                    suppressed = true;
                }
            }
        }
        !suppressed
    });

    report(&pragmas, &used, enabled, shellcheck_active)
}

/// DY001 for codes that suppressed nothing (of rules that ran), DY002 for unknown codes.
fn report(
    pragmas: &[Pragma],
    used: &[Vec<bool>],
    enabled: &dyn Fn(RuleId) -> bool,
    shellcheck_active: &dyn Fn(&str) -> bool,
) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    let unused_rule = registry::by_code("DY001");
    let invalid_rule = registry::by_code("DY002");
    for (pi, p) in pragmas.iter().enumerate() {
        for (ci, code) in p.codes.iter().enumerate() {
            // A ShellCheck code: hadolint's grammar wants it in capitals, drydock's does not.
            let shellcheck = match p.flavor {
                Flavor::Hadolint => Some(code.text.clone()),
                Flavor::Drydock => Some(code.text.to_ascii_uppercase()),
            }
            .filter(|c| registry::is_shellcheck_code(c));
            match code.rule {
                None if shellcheck.is_some() => {
                    let upper = shellcheck.unwrap_or_default();
                    if p.valid
                        && !used[pi][ci]
                        && shellcheck_active(&upper)
                        && unused_rule.is_some_and(enabled)
                    {
                        let message = format!(
                            "this suppression of {upper} is unused: ShellCheck reports no {upper} here"
                        );
                        let mut d = Diagnostic::new(
                            "DY001",
                            crate::diagnostic::Severity::Info,
                            code.range,
                            message,
                        );
                        d.unnecessary();
                        d.fix(remove_code_fix(p, ci));
                        findings.push(d);
                    }
                }
                None => {
                    if invalid_rule.is_some_and(enabled) {
                        let message = match p.flavor {
                            Flavor::Hadolint => format!(
                                "`{}` is not a rule code, so this `hadolint ignore` comment has no effect at all",
                                code.text
                            ),
                            Flavor::Drydock => {
                                format!("`{}` is not a rule code; it suppresses nothing", code.text)
                            }
                        };
                        let mut d = Diagnostic::new(
                            "DY002",
                            crate::diagnostic::Severity::Warning,
                            code.range,
                            message,
                        );
                        let upper = code.text.to_ascii_uppercase();
                        if registry::is_shellcheck_code(&upper) {
                            d.help(format!(
                                "hadolint reads ShellCheck codes in capitals: `{upper}`"
                            ));
                        } else if let Some(s) = suggest(&code.text) {
                            d.help(format!("did you mean `{s}`?"));
                        }
                        findings.push(d);
                    }
                }
                Some(rule)
                    if p.valid
                        && !used[pi][ci]
                        && enabled(rule)
                        && unused_rule.is_some_and(enabled) =>
                {
                    let message = format!(
                        "this suppression of {} is unused: no {} finding here",
                        rule.meta().code,
                        rule.meta().code
                    );
                    let mut d = Diagnostic::new(
                        "DY001",
                        crate::diagnostic::Severity::Info,
                        code.range,
                        message,
                    );
                    d.unnecessary();
                    d.fix(remove_code_fix(p, ci));
                    findings.push(d);
                }
                Some(_) => {}
            }
        }
    }
    findings
}

fn suggest(code: &str) -> Option<&'static str> {
    let upper = code.to_ascii_uppercase();
    let codes: Vec<&str> = registry::rules().iter().map(|r| r.meta().code).collect();
    drydock_dockerfile::suggest::closest(&upper, &codes)
}

/// A fix removing one code from a pragma (the whole line when it is the only code).
fn remove_code_fix(pragma: &Pragma, index: usize) -> Fix {
    if pragma.codes.len() == 1 {
        return Fix::safe(
            "Remove the unused suppression comment",
            vec![Edit::delete(pragma.line)],
        );
    }
    let code = &pragma.codes[index];
    // Remove the code and one adjacent comma (with its surrounding spaces).
    let range = if index + 1 < pragma.codes.len() {
        TextRange::new(code.range.start(), pragma.codes[index + 1].range.start())
    } else {
        let prev_end = pragma.codes[index - 1].range.end();
        TextRange::new(prev_end, code.range.end())
    };
    Fix::safe(
        format!("Remove `{}` from the suppression", code.text),
        vec![Edit::delete(range)],
    )
}

/// The range covered by a compose pragma aimed at `line`: the mapping entry or list item that
/// starts on that line (the outermost one, when several do).
fn yaml_entry_on_line(
    doc: &drydock_compose::yaml::Document,
    index: &LineIndex,
    line: usize,
) -> Option<TextRange> {
    use drydock_compose::yaml::{Node, NodeKind};
    let mut best: Option<TextRange> = None;
    let mut consider = |range: TextRange| {
        if index.line_of(range.start()) == line
            && best.is_none_or(|b| {
                range.start() < b.start() || (range.start() == b.start() && range.end() > b.end())
            })
        {
            best = Some(range);
        }
    };
    let mut stack: Vec<&Node> = doc.root.iter().collect();
    while let Some(node) = stack.pop() {
        match &node.kind {
            NodeKind::Mapping(entries) => {
                for (k, v) in entries {
                    consider(TextRange::new(
                        k.range.start(),
                        v.range.end().max(k.range.end()),
                    ));
                    stack.push(v);
                }
            }
            NodeKind::Sequence(items) => {
                for item in items {
                    consider(item.range);
                    stack.push(item);
                }
            }
            _ => {}
        }
    }
    best
}

/// Applies `# drydock ignore=CODE` comments of compose files: on the line above a key (or list
/// item) it covers that key with everything under it; at the end of a line, the key or item on
/// that line; `# drydock global ignore=CODE` covers the file.
pub(crate) fn apply_compose(
    project: &drydock_compose::project::Project,
    diagnostics: &mut Vec<crate::compose::FileDiagnostic>,
    enabled: &dyn Fn(RuleId) -> bool,
) -> Vec<crate::compose::FileDiagnostic> {
    use drydock_compose::project::SourceKind;
    let mut out = Vec::new();
    for (i, file) in project.files.iter().enumerate() {
        let SourceKind::Compose(doc) = &file.kind else {
            continue;
        };
        let file_id = u32::try_from(i).unwrap_or(u32::MAX);
        let text = file.source.text();
        // Only `# drydock ...` comments count here: a file without the word (nearly every
        // file) has none, and its comments are not gone through.
        if memchr::memmem::find(text.as_bytes(), b"drydock").is_none() {
            continue;
        }
        let index = LineIndex::new(text);
        let mut pragmas = Vec::new();
        for comment in drydock_compose::yaml::comments(text, doc) {
            let after_hash = usize::from(comment.range.start()) + 1;
            let body = &text[after_hash..usize::from(comment.range.end())];
            let Some(ParsedPragma {
                flavor: Flavor::Drydock,
                scope,
                codes,
                reason,
                well_formed: _,
            }) = parse_pragma_text(body, after_hash)
            else {
                continue;
            };
            let line = index.line_of(comment.range.start());
            let covered = match scope {
                Scope::Global => Some(drydock_text::range(0, text.len())),
                Scope::Stage => None,
                Scope::Next if comment.own_line => {
                    // The next line that is not blank or another comment.
                    let mut target = line + 1;
                    while let Some(r) = index.line_range(target) {
                        let t = text[r].trim_start();
                        if t.is_empty() || t.starts_with('#') {
                            target += 1;
                            continue;
                        }
                        break;
                    }
                    yaml_entry_on_line(doc, &index, target)
                }
                Scope::Next => yaml_entry_on_line(doc, &index, line),
            };
            let removal = if comment.own_line {
                index.line_range_full(line).unwrap_or(comment.range)
            } else {
                let before = text[..usize::from(comment.range.start())]
                    .trim_end_matches([' ', '\t'])
                    .len();
                TextRange::new(drydock_text::size(before), comment.range.end())
            };
            let codes = codes
                .into_iter()
                .map(|(text, range)| {
                    let rule = registry::find(&text);
                    PragmaCode { text, range, rule }
                })
                .collect();
            pragmas.push(Pragma {
                flavor: Flavor::Drydock,
                scope,
                comment: comment.range,
                line: removal,
                codes,
                reason,
                valid: true,
                covered,
                stage_key: 0,
            });
        }
        if pragmas.is_empty() {
            continue;
        }
        let mut used: Vec<Vec<bool>> = pragmas.iter().map(|p| vec![false; p.codes.len()]).collect();
        diagnostics.retain(|d| {
            if d.file != file_id {
                return true;
            }
            let Some(rule) = registry::by_code(d.diagnostic.code) else {
                return true;
            };
            let start = d.diagnostic.range.start();
            let mut suppressed = false;
            for (pi, p) in pragmas.iter().enumerate() {
                if !p
                    .covered
                    .is_some_and(|c| c.contains(start) || c.start() == start)
                {
                    continue;
                }
                for (ci, code) in p.codes.iter().enumerate() {
                    if code.rule == Some(rule) {
                        used[pi][ci] = true;
                        suppressed = true;
                    }
                }
            }
            !suppressed
        });
        out.extend(
            report(&pragmas, &used, enabled, &|_| false)
                .into_iter()
                .map(|diagnostic| crate::compose::FileDiagnostic {
                    file: file_id,
                    diagnostic,
                }),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    type Parts = (Flavor, Scope, Vec<String>, Option<String>, bool);

    fn parse(text: &str) -> Option<Parts> {
        parse_pragma_text(text, 0).map(|p| {
            (
                p.flavor,
                p.scope,
                p.codes.into_iter().map(|(t, _)| t).collect(),
                p.reason,
                p.well_formed,
            )
        })
    }

    #[test]
    fn grammar() {
        let (f, s, c, r, w) = parse(" drydock ignore=DL3008, DS101 -- pinned elsewhere").unwrap();
        assert_eq!(
            (f, s, c, r.as_deref(), w),
            (
                Flavor::Drydock,
                Scope::Next,
                vec!["DL3008".into(), "DS101".into()],
                Some("pinned elsewhere"),
                true
            )
        );
        let (f, s, c, ..) = parse("hadolint global ignore = DL3003,SC1035 # reason").unwrap();
        assert_eq!(
            (f, s, c),
            (
                Flavor::Hadolint,
                Scope::Global,
                vec!["DL3003".into(), "SC1035".into()]
            )
        );
        assert_eq!(
            parse(" hadolint stage ignore=DL3006").unwrap().1,
            Scope::Stage
        );
        assert!(parse(" hadolint shell=powershell").is_none());
        assert!(parse(" just a comment").is_none());
        assert!(parse(" drydockignore=DL3008").is_none());
        assert!(!parse(" drydock ignore=").unwrap().4);
    }
}
