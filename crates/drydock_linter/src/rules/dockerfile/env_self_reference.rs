use foldhash::{HashSet, HashSetExt};
use std::borrow::Cow;

use drydock_dockerfile::{Args, InstructionKind};
use drydock_text::TextRange;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports an `ENV` pair whose value refers to a variable that another pair of the same
    /// `ENV` instruction defines, as `${NAME}` or as `$NAME` not followed by a letter, digit or
    /// `_`. Only variables that no earlier `ENV` or `ARG` in the file defined (in any stage)
    /// count: then the reference cannot mean an earlier value.
    ///
    /// Quirks kept from hadolint: a pair referring to itself (`PATH=/x:$PATH`) is fine, but
    /// the same name set twice in one `ENV` (`A=1 A=$A-2`) is reported; forms such as
    /// `${NAME:-default}` are not recognised; an escaped `\$NAME` and a reference inside
    /// single quotes count; only the first name of an `ARG` with several names counts as
    /// defined; `ONBUILD ENV` and `ONBUILD ARG` are ignored. The legacy form `ENV NAME value`
    /// has a single pair and is never reported.
    ///
    /// ## Why is this bad?
    /// All pairs of one `ENV` are expanded with the values from before the instruction, so
    /// `ENV DIR=/opt/app BIN=$DIR/bin` sets `BIN` to `/bin`, not `/opt/app/bin`.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// ENV APP_HOME=/opt/app APP_BIN=${APP_HOME}/bin
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// ENV APP_HOME=/opt/app
    /// ENV APP_BIN=${APP_HOME}/bin
    /// ```
    pub(crate) EnvSelfReference {
        code: "DL3044",
        name: "env-self-reference",
        aliases: [],
        category: Correctness,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// A word with quotes removed as hadolint's parser does: quote characters go, an escape before
/// the enclosing quote (or before a blank outside quotes) gives that character, any other escape
/// is kept.
fn unquote(text: &str, escape: char) -> Cow<'_, str> {
    // Most words have nothing to remove.
    if !text.contains(['"', '\'', escape]) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut quote: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == escape {
            let next = chars.peek().copied();
            let escaped = match quote {
                Some(q) => next == Some(q),
                None => matches!(next, Some(' ' | '\t')),
            };
            if escaped {
                out.extend(next);
                chars.next();
            } else {
                out.push(c);
            }
            continue;
        }
        match quote {
            Some(q) if c == q => quote = None,
            None if c == '"' || c == '\'' => quote = Some(c),
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn is_var_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Byte offset of the first reference to `name` in `text`: `${name}`, or `$name` not followed by
/// a variable-name character.
fn reference(text: &str, name: &str) -> Option<(usize, usize)> {
    // Nearly every value has no `$` (and the searchers below cost more to set up).
    if !text.contains('$') {
        return None;
    }
    let braced = format!("${{{name}}}");
    let mut found = text.find(&braced).map(|i| (i, i + braced.len()));
    let bare = format!("${name}");
    let mut from = 0;
    while let Some(i) = text[from..].find(&bare) {
        let start = from + i;
        let end = start + bare.len();
        if !text[end..].starts_with(is_var_char) {
            if found.is_none_or(|(s, _)| start < s) {
                found = Some((start, end));
            }
            break;
        }
        from = start + 1;
    }
    found
}

impl Rule for EnvSelfReference {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        let text = ctx.text();
        let escape = model.file().escape();
        let mut defined: HashSet<Cow<'_, str>> = HashSet::new();
        for (_, instruction) in model.instructions() {
            match &instruction.args {
                Args::Arg(decls) => {
                    if let Some(first) = decls.first() {
                        defined.insert(Cow::Borrowed(&first.name.text));
                    }
                }
                // (A lone pair has no other pair to refer to.)
                Args::KeyValues(kv)
                    if instruction.kind == InstructionKind::Env && kv.pairs.len() == 1 =>
                {
                    defined.insert(unquote(&kv.pairs[0].key.text, escape));
                }
                Args::KeyValues(kv) if instruction.kind == InstructionKind::Env => {
                    let pairs: Vec<(Cow<'_, str>, Cow<'_, str>)> = kv
                        .pairs
                        .iter()
                        .map(|p| (unquote(&p.key.text, escape), unquote(&p.value.text, escape)))
                        .collect();
                    let mut reported: HashSet<(&str, usize)> = HashSet::new();
                    for (i, (key, _)) in pairs.iter().enumerate() {
                        if defined.contains(key) {
                            continue;
                        }
                        for (j, (_, value)) in pairs.iter().enumerate() {
                            if i == j || reference(value, key).is_none() {
                                continue;
                            }
                            if !reported.insert((key, j)) {
                                continue;
                            }
                            let word = &kv.pairs[j].value;
                            let (start, end) = (
                                usize::from(word.range.start()),
                                usize::from(word.range.end()),
                            );
                            let range = text
                                .get(start..end)
                                .and_then(|raw| reference(raw, key))
                                .map_or(word.range, |(s, e)| {
                                    drydock_text::range(start + s, start + e)
                                });
                            let definition: TextRange = kv.pairs[i].key.range;
                            ctx.report(
                                range,
                                format!("`{key}` is defined in the same `ENV` instruction, so this reference does not see that value"),
                            )
                            .label(definition, "defined here")
                            .help("move the definition to its own `ENV` instruction before this one");
                        }
                    }
                    defined.extend(pairs.into_iter().map(|(k, _)| k));
                }
                _ => {}
            }
        }
    }
}
