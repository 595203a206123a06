//! BuildKit's check configuration: the `# check=` parser directive, its instruction-scoped
//! comment form, and the `buildkit-dockerfile-check` setting (BuildKit's
//! `BUILDKIT_DOCKERFILE_CHECK` build argument).
//!
//! The BuildKit build checks are rules like any other (`BK0xx`, plus the `DL` rules that are
//! the same check, which carry the BuildKit name as an alias). After the rules run, [`apply`]
//! does what BuildKit's linter does with their findings:
//!
//! - **Configuration.** `skip=<Name,...|all>`, `error=<bool>`, `experimental=<Name,...|all>`,
//!   up to three `;`-separated options (Go's `SplitN(";", 3)`), names case-sensitive. It
//!   comes from `buildkit-dockerfile-check` in `.drydock.yaml` when set (which replaces the
//!   file's directive, as the build argument does), else from the `# check=` directive at the
//!   top of the file, whose value is cut at its first space.
//! - **Instruction scope.** In the comment block directly above an instruction, the first
//!   comment of the form `check=...` adds its `skip` and `experimental` lists to the
//!   configuration for the checks BuildKit runs on that instruction (its `error` is ignored;
//!   an invalid one is ignored). Checks BuildKit runs on the whole file
//!   (`NoEmptyContinuation`, `ConsistentInstructionCasing`, `DuplicateStageName`,
//!   `ReservedStageName`, `InvalidDefaultArgInFrom`) see only the file's configuration;
//!   `MultipleInstructionsDisallowed`, reported at the overridden instruction, sees the
//!   comments of the instruction that overrides it.
//! - **Findings.** A finding of a skipped check is removed; an experimental check
//!   (`InvalidDefinitionDescription`) is kept only where `experimental=` names it (`skip`
//!   does not apply to it); with `error=true` every remaining finding of a BuildKit check is
//!   an error (whatever severity the configuration gives the rule). `--disable-ignore-pragma`
//!   does not turn the directive off: it is BuildKit's configuration, not a suppression.
//! - **Problems.** An invalid file directive (an option that is not `key=value`, an unknown
//!   key, a value of `error` that is not a boolean) makes BuildKit fail the build: it is a
//!   syntax error (DL1000) on the offending option. A name that is no BuildKit check (they are
//!   case-sensitive: `skip=jsonargsrecommended` skips nothing) and an invalid scoped comment,
//!   which BuildKit silently ignores, are invalid suppressions (DY002).

use std::sync::OnceLock;

use drydock_dockerfile::model::Model;
use drydock_text::TextRange;

use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::{self, RuleId};
use crate::rules::dockerfile::buildkit::{instruction_at, prev_comments};
use crate::settings::Settings;

/// Which instruction's comment block a check's findings are scoped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    /// Only the file's configuration.
    File,
    /// The instruction the finding is in.
    Instruction,
    /// The next instruction of the same kind in the stage (the one that overrides it).
    Overrider,
}

/// One BuildKit build check.
struct Check {
    name: &'static str,
    experimental: bool,
    scope: Scope,
}

/// Every BuildKit build check, in BuildKit's order.
const CHECKS: &[Check] = &[
    Check {
        name: "StageNameCasing",
        experimental: false,
        scope: Scope::Instruction,
    },
    Check {
        name: "FromAsCasing",
        experimental: false,
        scope: Scope::Instruction,
    },
    Check {
        name: "NoEmptyContinuation",
        experimental: false,
        scope: Scope::File,
    },
    Check {
        name: "ConsistentInstructionCasing",
        experimental: false,
        scope: Scope::File,
    },
    Check {
        name: "DuplicateStageName",
        experimental: false,
        scope: Scope::File,
    },
    Check {
        name: "ReservedStageName",
        experimental: false,
        scope: Scope::File,
    },
    Check {
        name: "JSONArgsRecommended",
        experimental: false,
        scope: Scope::Instruction,
    },
    Check {
        name: "MaintainerDeprecated",
        experimental: false,
        scope: Scope::Instruction,
    },
    Check {
        name: "UndefinedArgInFrom",
        experimental: false,
        scope: Scope::Instruction,
    },
    Check {
        name: "WorkdirRelativePath",
        experimental: false,
        scope: Scope::Instruction,
    },
    Check {
        name: "UndefinedVar",
        experimental: false,
        scope: Scope::Instruction,
    },
    Check {
        name: "MultipleInstructionsDisallowed",
        experimental: false,
        scope: Scope::Overrider,
    },
    Check {
        name: "LegacyKeyValueFormat",
        experimental: false,
        scope: Scope::Instruction,
    },
    Check {
        name: "RedundantTargetPlatform",
        experimental: false,
        scope: Scope::Instruction,
    },
    Check {
        name: "SecretsUsedInArgOrEnv",
        experimental: false,
        scope: Scope::Instruction,
    },
    Check {
        name: "InvalidDefaultArgInFrom",
        experimental: false,
        scope: Scope::File,
    },
    Check {
        name: "FromPlatformFlagConstDisallowed",
        experimental: false,
        scope: Scope::Instruction,
    },
    Check {
        name: "CopyIgnoredFile",
        experimental: false,
        scope: Scope::Instruction,
    },
    Check {
        name: "ExposeProtoCasing",
        experimental: false,
        scope: Scope::Instruction,
    },
    Check {
        name: "ExposeInvalidFormat",
        experimental: false,
        scope: Scope::Instruction,
    },
    Check {
        name: "InvalidDefinitionDescription",
        experimental: true,
        scope: Scope::Instruction,
    },
    // Reported while building (the pulled image's platform); drydock cannot check it, but it is
    // a valid name in `skip=`.
    Check {
        name: "InvalidBaseImagePlatform",
        experimental: false,
        scope: Scope::File,
    },
];

/// A name in a `skip=` or `experimental=` list, with where it is written (byte offsets in the
/// parsed text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckName {
    /// The name, trimmed.
    pub name: String,
    /// Byte range in the parsed text.
    pub range: (usize, usize),
}

/// A parsed check configuration (BuildKit's `linter.Config`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckConfig {
    /// `skip=all`.
    pub skip_all: bool,
    /// `skip=A,B`.
    pub skip: Vec<CheckName>,
    /// `experimental=all`.
    pub experimental_all: bool,
    /// `experimental=A,B`.
    pub experimental: Vec<CheckName>,
    /// `error=true`.
    pub error: bool,
}

impl CheckConfig {
    fn skips(&self, name: &str) -> bool {
        self.skip_all || self.skip.iter().any(|n| n.name == name)
    }

    fn enables_experimental(&self, name: &str) -> bool {
        self.experimental_all || self.experimental.iter().any(|n| n.name == name)
    }

    /// BuildKit's `WithMergedConfig`: the lists and `all` flags of `other` are added; `error`
    /// stays.
    fn merged(&self, other: &CheckConfig) -> CheckConfig {
        let mut out = self.clone();
        out.skip_all |= other.skip_all;
        out.experimental_all |= other.experimental_all;
        out.skip.extend(other.skip.iter().cloned());
        out.experimental.extend(other.experimental.iter().cloned());
        out
    }

    /// The names that are no BuildKit check, with a suggestion when one is close.
    #[must_use]
    pub fn unknown_names(&self) -> Vec<(&CheckName, Option<String>)> {
        self.skip
            .iter()
            .chain(&self.experimental)
            .filter(|n| !n.name.is_empty() && !CHECKS.iter().any(|c| c.name == n.name))
            .map(|n| (n, suggest_check(&n.name)))
            .collect()
    }
}

/// The BuildKit check name meant by `name`: the same name in another case, the BuildKit name
/// of a drydock code (`BK001`), or a close name.
fn suggest_check(name: &str) -> Option<String> {
    if let Some(check) = CHECKS.iter().find(|c| c.name.eq_ignore_ascii_case(name)) {
        return Some(check.name.to_owned());
    }
    if let Some(id) = registry::find(name) {
        return id
            .meta()
            .aliases
            .iter()
            .find(|a| CHECKS.iter().any(|c| c.name == **a))
            .map(|a| (*a).to_owned());
    }
    crate::rules::dockerfile::buildkit::suggest(name, CHECKS.iter().map(|c| c.name), false)
        .and_then(|s| {
            CHECKS
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(&s))
                .map(|c| c.name.to_owned())
        })
}

/// Why a check configuration does not parse, and where (byte offsets in the parsed text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckOptionError {
    /// What is wrong.
    pub message: String,
    /// Byte range in the parsed text.
    pub range: (usize, usize),
}

impl std::fmt::Display for CheckOptionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Go's `strconv.ParseBool`.
fn parse_bool(value: &str) -> Option<bool> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// `(trimmed text, start, end)` of `s[start..end]` with Unicode whitespace trimmed.
fn trimmed(text: &str, start: usize, end: usize) -> (&str, usize, usize) {
    let slice = &text[start..end];
    let lead = slice.len() - slice.trim_start().len();
    let t = slice.trim();
    (t, start + lead, start + lead + t.len())
}

/// BuildKit's `ParseLintOptions`: up to three `;`-separated `key=value` options (the third
/// takes the rest of the text, `;` included).
///
/// # Errors
/// An option without `=`, an unknown key, or an `error` value that is not a Go boolean.
pub fn parse_check_options(text: &str) -> Result<CheckConfig, CheckOptionError> {
    let mut config = CheckConfig::default();
    let (all, start, end) = trimmed(text, 0, text.len());
    if all.is_empty() {
        return Ok(config);
    }
    // SplitN(";", 3).
    let mut parts = Vec::new();
    let mut from = start;
    while parts.len() < 2 {
        match text[from..end].find(';') {
            Some(i) => {
                parts.push((from, from + i));
                from += i + 1;
            }
            None => break,
        }
    }
    parts.push((from, end));
    for (p_start, p_end) in parts {
        let part = &text[p_start..p_end];
        let Some(eq) = part.find('=') else {
            return Err(CheckOptionError {
                message: format!("`{part}` is not a `key=value` option"),
                range: (p_start, p_end),
            });
        };
        let (key, k_start, k_end) = trimmed(text, p_start, p_start + eq);
        let v_from = p_start + eq + 1;
        let (value, v_start, v_end) = trimmed(text, v_from, p_end);
        let names = |value: &str, v_start: usize| -> Vec<CheckName> {
            let mut out = Vec::new();
            let mut at = v_start;
            for piece in value.split(',') {
                let (name, s, e) = trimmed(text, at, at + piece.len());
                out.push(CheckName {
                    name: name.to_owned(),
                    range: (s, e),
                });
                at += piece.len() + 1;
            }
            out
        };
        match key {
            "skip" => {
                if value == "all" {
                    config.skip_all = true;
                } else {
                    config.skip = names(value, v_start);
                }
            }
            "experimental" => {
                if value == "all" {
                    config.experimental_all = true;
                } else {
                    config.experimental = names(value, v_start);
                }
            }
            "error" => {
                config.error = parse_bool(value).ok_or_else(|| CheckOptionError {
                    message: format!(
                        "`error={value}`: `{value}` is not a boolean (`true` or `false`)"
                    ),
                    range: if value.is_empty() {
                        (p_start, p_end)
                    } else {
                        (v_start, v_end)
                    },
                })?;
            }
            _ => {
                return Err(CheckOptionError {
                    message: format!(
                        "unknown option `{key}` (the options are `skip`, `error` and `experimental`)"
                    ),
                    range: if key.is_empty() {
                        (p_start, p_end)
                    } else {
                        (k_start, k_end)
                    },
                });
            }
        }
    }
    Ok(config)
}

/// A `check=...` comment directly above an instruction: the configuration it adds (or why it is
/// ignored), and where its value starts in the file.
struct ScopedComment {
    comment: TextRange,
    value_start: usize,
    parsed: Result<CheckConfig, CheckOptionError>,
}

/// The first `check=` comment of the block above top-level instruction `index` (BuildKit's
/// `WithMergedConfigFromComments`).
fn scoped_comment(model: &Model, index: usize) -> Option<ScopedComment> {
    for comment in prev_comments(model, index) {
        // `name = value`: a parser directive written as a comment.
        let text = comment.text;
        let name_len = text
            .char_indices()
            .take_while(|&(i, c)| {
                if i == 0 {
                    c.is_ascii_alphabetic()
                } else {
                    c.is_ascii_alphanumeric()
                }
            })
            .count();
        if name_len == 0 {
            continue;
        }
        let rest = text[name_len..].trim_start();
        let Some(value) = rest.strip_prefix('=') else {
            continue;
        };
        let value = value.trim_start();
        if value.is_empty() {
            continue;
        }
        let name = text[..name_len].to_ascii_lowercase();
        if name != "check" {
            continue;
        }
        let value_start = comment.text_start + (text.len() - value.len());
        let value = value.split(' ').next().unwrap_or_default();
        return Some(ScopedComment {
            comment: comment.range,
            value_start,
            parsed: parse_check_options(value),
        });
    }
    None
}

fn range_at(base: usize, (start, end): (usize, usize)) -> TextRange {
    drydock_text::range(base + start, base + end)
}

/// The rule a BuildKit check name belongs to.
fn rule_of(name: &str) -> Option<RuleId> {
    registry::ids().find(|id| id.meta().aliases.contains(&name))
}

/// The rules that are BuildKit checks, by primary code (built once; asked about every
/// finding).
fn checks_by_code() -> &'static foldhash::HashMap<&'static str, &'static Check> {
    static CHECKS_BY_CODE: OnceLock<foldhash::HashMap<&'static str, &'static Check>> =
        OnceLock::new();
    CHECKS_BY_CODE.get_or_init(|| {
        CHECKS
            .iter()
            .filter_map(|c| rule_of(c.name).map(|id| (id.meta().code, c)))
            .collect()
    })
}

/// Applies the check configuration to the findings (see the module documentation) and adds the
/// findings about the configuration itself (DL1000, DY002) of enabled rules.
pub(crate) fn apply(
    model: &Model,
    settings: &Settings,
    enabled: &dyn Fn(RuleId) -> bool,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut problems: Vec<Diagnostic> = Vec::new();
    let syntax = registry::by_code("DL1000").filter(|&id| enabled(id));
    let invalid = registry::by_code("DY002").filter(|&id| enabled(id));
    let unknown_names = |config: &CheckConfig, base: usize, problems: &mut Vec<Diagnostic>| {
        let Some(invalid) = invalid else {
            return;
        };
        for (name, suggestion) in config.unknown_names() {
            let mut d = Diagnostic::new(
                invalid.meta().code,
                invalid.meta().severity,
                range_at(base, name.range),
                format!(
                    "`{}` is not the name of a BuildKit build check, so the `check` configuration ignores it",
                    name.name
                ),
            );
            match suggestion {
                Some(s) if s.eq_ignore_ascii_case(&name.name) => {
                    d.help(format!(
                        "did you mean `{s}`? BuildKit check names are case-sensitive"
                    ));
                }
                Some(s) => {
                    d.help(format!("did you mean `{s}`?"));
                }
                None => {}
            }
            problems.push(d);
        }
    };

    // The file's configuration.
    let base = match &settings.buildkit_dockerfile_check {
        Some(value) => parse_check_options(value).unwrap_or_default(),
        None => match model.file().directive("check") {
            None => CheckConfig::default(),
            Some(directive) => {
                let start = usize::from(directive.value_range.start());
                let value = directive.value.split(' ').next().unwrap_or_default();
                match parse_check_options(value) {
                    Ok(config) => {
                        unknown_names(&config, start, &mut problems);
                        config
                    }
                    Err(error) => {
                        if let Some(syntax) = syntax {
                            let mut d = Diagnostic::new(
                                syntax.meta().code,
                                syntax.meta().severity,
                                range_at(start, error.range),
                                format!("invalid `check` directive: {}", error.message),
                            );
                            d.help("BuildKit refuses to build a Dockerfile whose `check` directive does not parse: `# check=skip=<Name,...|all>;error=<true|false>;experimental=<Name,...|all>`");
                            problems.push(d);
                        }
                        CheckConfig::default()
                    }
                }
            }
        },
    };

    // Scoped comments, and what is wrong with them.
    // (By instruction index.)
    let mut scoped: Vec<Option<CheckConfig>> = Vec::with_capacity(model.instruction_count());
    for index in 0..model.instruction_count() {
        let Some(comment) = scoped_comment(model, index) else {
            scoped.push(None);
            continue;
        };
        match comment.parsed {
            Ok(config) => {
                unknown_names(&config, comment.value_start, &mut problems);
                scoped.push(Some(config));
            }
            Err(error) => {
                if let Some(invalid) = invalid {
                    let mut d = Diagnostic::new(
                        invalid.meta().code,
                        invalid.meta().severity,
                        range_at(comment.value_start, error.range),
                        format!(
                            "this `check` comment is ignored by BuildKit: {}",
                            error.message
                        ),
                    );
                    d.label(comment.comment, "applies to the instruction below")
                        .help("`# check=skip=<Name,...|all>;experimental=<Name,...|all>`");
                    problems.push(d);
                }
                scoped.push(None);
            }
        }
    }

    diagnostics.retain_mut(|d| {
        let Some(check) = checks_by_code().get(d.code) else {
            return true;
        };
        let here = instruction_at(model, d.range.start());
        let scope_instruction = match check.scope {
            Scope::File => None,
            Scope::Instruction => here,
            Scope::Overrider => here.and_then(|i| {
                let kind = model.instruction(i).kind;
                let stage = model.stage_of(i);
                (i + 1..model.instruction_count())
                    .find(|&j| model.stage_of(j) == stage && model.instruction(j).kind == kind)
            }),
        };
        let merged;
        let config = match scope_instruction
            .and_then(|i| scoped.get(i))
            .and_then(Option::as_ref)
        {
            Some(extra) => {
                merged = base.merged(extra);
                &merged
            }
            None => &base,
        };
        let keep = if check.experimental {
            config.enables_experimental(check.name)
        } else {
            !config.skips(check.name)
        };
        if keep && base.error {
            d.severity = Severity::Error;
        }
        keep
    });
    diagnostics.extend(problems);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No two checks are the same rule: the map by code keeps every check.
    #[test]
    fn checks_by_code_keeps_every_check() {
        let with_rules = CHECKS.iter().filter(|c| rule_of(c.name).is_some()).count();
        assert!(with_rules > 20);
        assert_eq!(checks_by_code().len(), with_rules);
        for (code, check) in checks_by_code() {
            assert_eq!(rule_of(check.name).map(|id| id.meta().code), Some(*code));
        }
    }

    fn names(list: &[CheckName]) -> Vec<&str> {
        list.iter().map(|n| n.name.as_str()).collect()
    }

    #[test]
    fn parses_like_buildkit() {
        let c = parse_check_options("skip=A, B;error=true").unwrap();
        assert_eq!(names(&c.skip), ["A", "B"]);
        assert!(c.error && !c.skip_all);
        let c = parse_check_options(" skip = all ; experimental=all").unwrap();
        assert!(c.skip_all && c.experimental_all);
        let c = parse_check_options("").unwrap();
        assert_eq!(c, CheckConfig::default());
        // The third option takes the rest, `;` included.
        let c = parse_check_options("skip=A;error=0;experimental=B;C").unwrap();
        assert_eq!(names(&c.experimental), ["B;C"]);
        assert!(!c.error);
        let e = parse_check_options("skip=A;errors=true").unwrap_err();
        assert_eq!(e.range, (7, 13));
        let e = parse_check_options("error=maybe").unwrap_err();
        assert_eq!(e.range, (6, 11));
        let e = parse_check_options("skip").unwrap_err();
        assert_eq!(e.range, (0, 4));
        let c = parse_check_options("skip=A,,B").unwrap();
        assert_eq!(c.skip[2].range, (8, 9));
    }

    #[test]
    fn every_check_name_is_a_rule_alias_except_runtime_ones() {
        for check in CHECKS {
            assert_eq!(
                rule_of(check.name).is_some(),
                check.name != "InvalidBaseImagePlatform",
                "{}",
                check.name
            );
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            suggest_check("jsonargsrecommended").as_deref(),
            Some("JSONArgsRecommended")
        );
        assert_eq!(suggest_check("BK001").as_deref(), Some("StageNameCasing"));
        assert_eq!(
            suggest_check("DL4000").as_deref(),
            Some("MaintainerDeprecated")
        );
        assert_eq!(
            suggest_check("UndefinedVars").as_deref(),
            Some("UndefinedVar")
        );
        assert_eq!(suggest_check("Nothing"), None);
    }
}
