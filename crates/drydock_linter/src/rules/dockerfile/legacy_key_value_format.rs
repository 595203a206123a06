use drydock_dockerfile::lex::Lexer;
use drydock_dockerfile::{Args, InstructionKind, TextRange};

use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `ENV` and `LABEL` written in the legacy `KEY value` form (a space instead of
    /// `=`). `ONBUILD ENV` is not checked. This is BuildKit's `LegacyKeyValueFormat` build
    /// check.
    ///
    /// ## Why is this bad?
    /// In the legacy form the value is the whole rest of the line, so `ENV A B=C D=E` sets `A`
    /// to `B=C D=E` rather than three variables, and only one variable can be set per
    /// instruction. The form is deprecated and may stop working.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine:3.20
    /// ENV APP_HOME /srv/app
    /// LABEL description An example image
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM alpine:3.20
    /// ENV APP_HOME=/srv/app
    /// LABEL description="An example image"
    /// ```
    ///
    /// ## Fix safety
    /// The fix writes `KEY=value`, putting the value in double quotes when it has spaces (and
    /// escaping `"`, `$` and the escape character that were quoted or escaped before, so
    /// variables expand exactly as they did). It is safe, and offered only when the new value
    /// is checked to expand to the same text. A value continued over several lines keeps its
    /// lines: the blanks after the key become `=` (or `="`, with a closing `"` after the value),
    /// offered when the value needs nothing but the quotes and no comment line sits between
    /// the key and the value.
    ///
    /// ## Differences from BuildKit
    /// BuildKit reports the check on the instruction's lines; drydock points at the key.
    pub(crate) LegacyKeyValueFormat {
        code: "BK013",
        name: "legacy-key-value-format",
        aliases: ["LegacyKeyValueFormat"],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: Sometimes,
        target: Dockerfile,
    }
}

/// Whether `text` is one word for BuildKit's `parseWords` (no whitespace outside quotes).
fn is_one_word(text: &str, escape: char) -> bool {
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match quote {
            None if c.is_whitespace() => return false,
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == escape => {
                chars.next();
            }
            Some(q) if c == q => quote = None,
            Some(q) if c == escape && q != '\'' => {
                chars.next();
            }
            _ => {}
        }
    }
    true
}

/// The legacy value rewritten as the body of a double-quoted string with the same meaning.
fn double_quoted(value: &str, escape: char) -> String {
    let special = |c: char| c == '"' || c == '$' || c == escape;
    let mut out = String::from("\"");
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == escape {
            // Outside quotes the escape makes the next character literal.
            if let Some(next) = chars.next() {
                if special(next) {
                    out.push(escape);
                }
                out.push(next);
            }
        } else if c == '\'' {
            for inner in chars.by_ref() {
                if inner == '\'' {
                    break;
                }
                if special(inner) {
                    out.push(escape);
                }
                out.push(inner);
            }
        } else if c == '"' {
            while let Some(inner) = chars.next() {
                if inner == '"' {
                    break;
                }
                out.push(inner);
                if inner == escape
                    && let Some(next) = chars.next()
                {
                    out.push(next);
                }
            }
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// `key=value` with the same meaning as the legacy `key value`, when one can be written.
fn key_equals_value(key: &str, value: &str, escape: char) -> Option<String> {
    // Variables are kept as written, so both sides compare as the builder would expand them.
    let lexer = Lexer {
        skip_unset_env: true,
        ..Lexer::new(escape)
    };
    let wanted = lexer.process_word(value, &()).ok()?.result;
    // The key itself must read as one word on its own (an unclosed quote in it would swallow
    // the `=` and the value).
    let key_word = lexer.process_word(key, &()).ok()?.result;
    if !is_one_word(key, escape) {
        return None;
    }
    let pair = format!("{key_word}={wanted}");
    let candidates = [value.to_owned(), double_quoted(value, escape)];
    candidates.into_iter().find_map(|candidate| {
        let written = format!("{key}={candidate}");
        let same = is_one_word(&candidate, escape)
            && is_one_word(&written, escape)
            && lexer
                .process_word(&written, &())
                .is_ok_and(|e| e.result == pair);
        same.then_some(written)
    })
}

impl Rule for LegacyKeyValueFormat {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let text = ctx.text();
        let escape = ctx.model.file().escape();
        for (_, instruction) in ctx.instructions() {
            if !matches!(
                instruction.kind,
                InstructionKind::Env | InstructionKind::Label
            ) {
                continue;
            }
            let Args::KeyValues(kv) = &instruction.args else {
                continue;
            };
            if !kv.legacy {
                continue;
            }
            let keyword = instruction.kind.keyword();
            for pair in &kv.pairs {
                if pair.value.text.is_empty() {
                    continue;
                }
                let diagnostic = ctx
                    .report(
                        pair.key.range,
                        format!("`{keyword}` in the legacy `key value` form"),
                    )
                    .help(format!(
                        "write `{keyword} {}=...`: in the legacy form the value is the whole rest of the line",
                        pair.key.text
                    ));
                let Some(replacement) = key_equals_value(&pair.key.text, &pair.value.text, escape)
                else {
                    continue;
                };
                let title = format!("Write `{}=...`", pair.key.text);
                let range = pair.key.range.cover(pair.value.range);
                let written = &text[range];
                if text[pair.key.range] != pair.key.text {
                    continue;
                }
                if text[pair.value.range] == pair.value.text && !written.contains(['\n', '\r']) {
                    // On one line: rewrite the pair.
                    diagnostic.fix(Fix::safe(title, vec![Edit::replace(range, replacement)]));
                    continue;
                }
                // Across continuation lines: replace the blanks between key and value with `=`
                // (or `="`), and close the quote after the value, keeping the lines as they are,
                // when the value needs nothing but the quotes around it.
                let gap = TextRange::new(pair.key.range.end(), pair.value.range.start());
                if text[gap].contains('#') {
                    continue;
                }
                let bare = format!("{}={}", pair.key.text, pair.value.text);
                let quoted = format!("{}=\"{}\"", pair.key.text, pair.value.text);
                let edits = if replacement == bare {
                    vec![Edit::replace(gap, "=")]
                } else if replacement == quoted {
                    vec![
                        Edit::replace(gap, "=\""),
                        Edit::insert(pair.value.range.end(), "\""),
                    ]
                } else {
                    continue;
                };
                diagnostic.fix(Fix::safe(title, edits));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites() {
        assert_eq!(key_equals_value("A", "b", '\\').as_deref(), Some("A=b"));
        assert_eq!(
            key_equals_value("A", "hello world", '\\').as_deref(),
            Some("A=\"hello world\"")
        );
        assert_eq!(
            key_equals_value("A", "\"hello world\"", '\\').as_deref(),
            Some("A=\"hello world\"")
        );
        assert_eq!(
            key_equals_value("A", "$B/c d", '\\').as_deref(),
            Some("A=\"$B/c d\"")
        );
        assert_eq!(
            key_equals_value("A", "'$B c' d", '\\').as_deref(),
            Some("A=\"\\$B c d\"")
        );
        assert_eq!(
            key_equals_value("A", "a\\ b", '\\').as_deref(),
            Some("A=a\\ b")
        );
    }

    #[test]
    fn no_rewrite_when_the_key_does_not_read_on_its_own() {
        // An unclosed quote in the key would swallow the `=` and the value (found by fuzzing).
        assert_eq!(key_equals_value("\"org.iv", "// a b", '\\'), None);
        assert_eq!(key_equals_value("'a", "b", '\\'), None);
    }
}
