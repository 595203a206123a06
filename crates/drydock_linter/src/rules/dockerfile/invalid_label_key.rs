use std::borrow::Cow;

use drydock_dockerfile::{Args, InstructionKind, KeyValue};
use drydock_text::TextRange;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `LABEL` keys that do not follow Docker's naming rules for label keys.
    ///
    /// Every key of every `LABEL` instruction (quotes removed) is checked as hadolint checks it.
    /// A key is reported when any of these holds:
    ///
    /// - it does not start with a lowercase ASCII letter (`a-z`);
    /// - it does not end with a lowercase ASCII letter or a digit;
    /// - it contains a character other than `a-z`, `0-9`, `.`, `-`, `_` and `/`;
    /// - it starts with one of the namespaces Docker reserves: `com.docker.`, `io.docker.` or
    ///   `org.dockerproject.`;
    /// - it contains `..` or `--`.
    ///
    /// So any uppercase letter is reported (`Maintainer`, `org.Example.x`), and so is a key
    /// written with a variable (`$KEY`). `ONBUILD LABEL` is not checked.
    ///
    /// ## Why is this bad?
    /// Tools that read image metadata expect lowercase, reverse-DNS label keys such as
    /// `org.opencontainers.image.source`. Mixed-case keys are easy to duplicate by accident
    /// (`Version` and `version` are different labels), and the reserved namespaces belong to
    /// Docker itself.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// LABEL Maintainer="Jane Doe" com.docker.extension.api-version=1
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// LABEL org.opencontainers.image.authors="Jane Doe" com.example.api-version=1
    /// ```
    ///
    /// ## Differences from hadolint
    /// Each invalid key is reported at the key (hadolint reports the instruction once).
    pub(crate) InvalidLabelKey {
        code: "DL3048",
        name: "invalid-label-key",
        aliases: [],
        category: Style,
        severity: Style,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// One `LABEL` pair as hadolint reads it (top-level `LABEL` only; `ONBUILD LABEL` is never
/// looked at by the label rules).
pub(crate) struct LabelPair<'a> {
    /// Instruction index.
    pub(crate) instruction: usize,
    /// The pair in the syntax tree.
    pub(crate) pair: &'a KeyValue,
    /// The key with quotes removed.
    pub(crate) key: Cow<'a, str>,
    /// The value with quotes removed (the `key=value` form) or the raw rest of the line (the
    /// legacy `LABEL key value` form, whose value hadolint does not unquote).
    pub(crate) value: Cow<'a, str>,
}

impl LabelPair<'_> {
    /// Where to point at the value: the value word, or the whole pair when the value is empty.
    pub(crate) fn value_range(&self) -> TextRange {
        if self.pair.value.range.is_empty() {
            self.pair.range
        } else {
            self.pair.value.range
        }
    }
}

/// Every pair of every top-level `LABEL` to check ([`DockerfileContext::checks`]), in file order.
pub(crate) fn label_pairs<'a>(ctx: &DockerfileContext<'a>) -> Vec<LabelPair<'a>> {
    let escape = ctx.model.file().escape();
    let mut out = Vec::new();
    for (index, instruction) in ctx.instructions_of(InstructionKind::Label) {
        let Args::KeyValues(kv) = &instruction.args else {
            continue;
        };
        for pair in &kv.pairs {
            let value = if kv.legacy {
                Cow::Borrowed(pair.value.text.as_str())
            } else {
                unquote_pair_word(&pair.value.text, escape)
            };
            out.push(LabelPair {
                instruction: index,
                pair,
                key: unquote_pair_word(&pair.key.text, escape),
                value,
            });
        }
    }
    out
}

/// A key or value of an `ENV`/`LABEL` pair as hadolint's parser reads it: quoted pieces lose their
/// quotes (an escaped quote inside them is kept as the quote), an escaped blank outside quotes is
/// kept as the blank, every other character (escapes included) is kept as written.
pub(crate) fn unquote_pair_word(text: &str, escape: char) -> Cow<'_, str> {
    // Most words have neither quotes nor the escape: they read as written.
    if !text.contains(['"', '\'', escape]) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' => {
                let quote = c;
                while let Some(inner) = chars.next() {
                    if inner == escape && chars.peek() == Some(&quote) {
                        out.push(quote);
                        chars.next();
                    } else if inner == quote {
                        break;
                    } else {
                        out.push(inner);
                    }
                }
            }
            c if c == escape && matches!(chars.peek(), Some(' ' | '\t')) => {
                if let Some(blank) = chars.next() {
                    out.push(blank);
                }
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The schema labels declared with `ty` (hadolint's type names; an empty type means `text`).
pub(crate) fn schema_labels_of_type<'a>(
    schema: &'a std::collections::BTreeMap<String, String>,
    ty: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    schema
        .iter()
        .filter(move |(_, t)| t.as_str() == ty || (ty == "text" && t.is_empty()))
        .map(|(label, _)| label.as_str())
}

/// The shared check of the typed schema rules (DL3052-DL3058): every `LABEL` pair whose key is
/// a schema label of type `ty` and whose value fails `valid` is reported at its value.
pub(crate) fn check_typed_labels(
    ctx: &mut DockerfileContext<'_>,
    ty: &str,
    valid: fn(&str) -> bool,
    what: &str,
    help: &str,
) {
    let labels: Vec<&str> = schema_labels_of_type(&ctx.options.label_schema, ty).collect();
    if labels.is_empty() {
        return;
    }
    for pair in label_pairs(ctx) {
        if !labels.contains(&&*pair.key) || valid(&pair.value) {
            continue;
        }
        let range = pair.value_range();
        let message = if pair.value.is_empty() {
            format!("label `{}` is empty, which is not {what}", pair.key)
        } else {
            format!("label `{}` is not {what}: `{}`", pair.key, pair.value)
        };
        ctx.report(range, message).help(help.to_owned());
    }
}

/// Why hadolint rejects a label key, if it does.
fn problem(key: &str) -> Option<String> {
    let Some(first) = key.chars().next() else {
        return Some("empty label key".to_owned());
    };
    for namespace in ["com.docker.", "io.docker.", "org.dockerproject."] {
        if key.starts_with(namespace) {
            return Some(format!(
                "label key `{key}` uses the namespace `{namespace}` that Docker reserves"
            ));
        }
    }
    if !first.is_ascii_lowercase() {
        return Some(format!(
            "label key `{key}` does not start with a lowercase letter"
        ));
    }
    if let Some(bad) = key.chars().find(|&c| !is_key_char(c)) {
        return Some(if bad.is_ascii_uppercase() {
            format!("label key `{key}` contains the uppercase letter `{bad}`")
        } else if bad.is_whitespace() {
            format!("label key `{key}` contains a blank")
        } else {
            format!("label key `{key}` contains `{bad}`")
        });
    }
    if key
        .chars()
        .last()
        .is_some_and(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit()))
    {
        return Some(format!(
            "label key `{key}` does not end with a lowercase letter or a digit"
        ));
    }
    for doubled in ["..", "--"] {
        if key.contains(doubled) {
            return Some(format!("label key `{key}` contains `{doubled}`"));
        }
    }
    None
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_' | '/')
}

impl Rule for InvalidLabelKey {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for pair in label_pairs(ctx) {
            let Some(message) = problem(&pair.key) else {
                continue;
            };
            let range = if pair.pair.key.range.is_empty() {
                pair.pair.range
            } else {
                pair.pair.key.range
            };
            ctx.report(range, message).help(
                "use a lowercase reverse-DNS key made of `a-z`, `0-9`, `.`, `-`, `_` and `/`, \
                 such as `org.opencontainers.image.title`",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        for ok in [
            "org.opencontainers.image.title",
            "a",
            "a1",
            "com.example/x_y-z",
            "maintainer",
        ] {
            assert!(problem(ok).is_none(), "{ok}");
        }
        for bad in [
            "Maintainer",
            "1abc",
            "abc.",
            "abc-",
            "a..b",
            "a--b",
            "a b",
            "com.docker.x",
            "io.docker.y",
            "org.dockerproject.z",
            "$KEY",
            "",
            "a_",
        ] {
            assert!(problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn unquoting() {
        assert_eq!(unquote_pair_word("\"a b\"", '\\'), "a b");
        assert_eq!(unquote_pair_word("'a'\"b\"c", '\\'), "abc");
        assert_eq!(unquote_pair_word(r#""a\"b""#, '\\'), "a\"b");
        assert_eq!(unquote_pair_word(r"a\ b", '\\'), "a b");
        assert_eq!(unquote_pair_word(r"a\nb", '\\'), r"a\nb");
        assert_eq!(unquote_pair_word("\"\"", '\\'), "");
        // With the backtick as the escape, a backslash is an ordinary character.
        assert_eq!(unquote_pair_word(r"a\ b", '`'), r"a\ b");
        assert_eq!(unquote_pair_word("a` b", '`'), "a b");
        // Words without quotes or the escape are the words themselves, not copies.
        assert!(matches!(
            unquote_pair_word("org.label-schema.name", '\\'),
            Cow::Borrowed("org.label-schema.name")
        ));
    }
}
