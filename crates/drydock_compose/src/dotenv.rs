//! `.env` and `env_file` files, read as compose-go's dotenv parser reads them: `KEY=VALUE`
//! (or `KEY: VALUE`), an optional `export ` prefix, `#` comments (inline only after a space in
//! unquoted values), single quotes literal, double quotes with escapes and interpolation
//! (possibly over several lines), unquoted values interpolated and trimmed, a bare `KEY` taking
//! the value from the surrounding environment when it has one.

use drydock_text::TextRange;

use crate::interpolate::{self, Environment, Lookup, Vars};

/// One `KEY=VALUE` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The key.
    pub key: String,
    /// The key's range in the file.
    pub key_range: TextRange,
    /// The value after quotes, escapes and interpolation; `None` for a bare `KEY` whose value
    /// the surrounding environment does not provide.
    pub value: Option<String>,
    /// The value's range in the file (quotes included); empty at the end of the key for a bare
    /// `KEY`.
    pub value_range: TextRange,
    /// Whether interpolation met an unknown variable.
    pub unknown: bool,
}

/// A parsed env file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvFile {
    /// Entries in file order (a later entry with the same key wins).
    pub entries: Vec<Entry>,
    /// The first syntax error (compose-go stops there), with its range.
    pub error: Option<(TextRange, String)>,
}

impl EnvFile {
    /// The winning value of `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().rev().find(|e| e.key == key)
    }

    /// The defined variables as an [`Environment`] (later entries win).
    #[must_use]
    pub fn to_environment(&self) -> Vec<(String, String)> {
        self.entries
            .iter()
            .filter_map(|e| e.value.clone().map(|v| (e.key.clone(), v)))
            .collect()
    }
}

fn is_space(c: char) -> bool {
    matches!(c, '\t' | '\x0b' | '\x0c' | '\r' | ' ' | '\u{85}' | '\u{a0}')
}

/// Parses env-file text. `outer` provides values that take precedence in interpolation and for
/// bare keys (the process environment, when drydock was asked to read it).
#[must_use]
pub fn parse(text: &str, outer: &Environment) -> EnvFile {
    let mut file = EnvFile::default();
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut pos = start;
    let bytes = text.as_bytes();
    loop {
        // Skip whitespace and comment lines.
        while pos < bytes.len() {
            let c = text[pos..].chars().next().unwrap_or(' ');
            if c.is_whitespace() {
                pos += c.len_utf8();
            } else if c == '#' {
                pos = text[pos..].find('\n').map_or(bytes.len(), |i| pos + i);
            } else {
                break;
            }
        }
        if pos >= bytes.len() {
            break;
        }
        // `export KEY=...`
        if text[pos..].starts_with("export")
            && text[pos + 6..].starts_with(|c: char| c.is_whitespace() && c != '\n')
        {
            pos += 6;
            while text[pos..].starts_with(is_space) {
                pos += text[pos..].chars().next().map_or(1, char::len_utf8);
            }
        }
        // The key runs to `=`, `:` or a newline.
        let key_start = pos;
        let mut sep = None;
        for (i, c) in text[pos..].char_indices() {
            if is_space(c) {
                continue;
            }
            match c {
                '=' | ':' | '\n' => {
                    sep = Some((pos + i, c));
                    break;
                }
                '_' | '.' | '-' | '[' | ']' => {}
                c if c.is_alphanumeric() => {}
                c => {
                    let at = pos + i;
                    file.error = Some((
                        drydock_text::range(at, at + c.len_utf8()),
                        format!("unexpected character `{c}` in a variable name"),
                    ));
                    return file;
                }
            }
        }
        let (sep_at, sep_char) = sep.unwrap_or((bytes.len(), '\n'));
        let key = text[key_start..sep_at].trim_end();
        let key_range = drydock_text::range(key_start, key_start + key.len());
        if key.contains(' ') {
            file.error = Some((
                key_range,
                "a variable name cannot contain a space".to_owned(),
            ));
            return file;
        }
        if sep_char == '\n' {
            // A bare `KEY`: inherited from the surrounding environment.
            let value = match outer.get(key) {
                Lookup::Set(v) => Some(v.to_owned()),
                Lookup::Absent => None,
            };
            if value.is_some() || !key.is_empty() {
                file.entries.push(Entry {
                    key: key.to_owned(),
                    key_range,
                    value,
                    value_range: TextRange::empty(key_range.end()),
                    unknown: false,
                });
            }
            pos = (sep_at + 1).min(bytes.len());
            continue;
        }
        pos = sep_at + 1;
        while pos < bytes.len() && text[pos..].starts_with(is_space) {
            pos += text[pos..].chars().next().map_or(1, char::len_utf8);
        }
        let value_start = pos;
        let so_far = Layered { outer, file: &file };
        match bytes.get(pos) {
            Some(&q) if q == b'"' || q == b'\'' => {
                let mut chars = String::new();
                let mut escaped = false;
                let mut end = None;
                let mut i = pos + 1;
                while i < bytes.len() {
                    let b = bytes[i];
                    if b != q {
                        if !escaped && b == b'\\' {
                            escaped = true;
                            i += 1;
                            continue;
                        }
                        if escaped {
                            escaped = false;
                            chars.push('\\');
                        }
                        let c = text[i..].chars().next().unwrap_or(' ');
                        chars.push(c);
                        i += c.len_utf8();
                        continue;
                    }
                    if escaped {
                        escaped = false;
                        chars.push(q as char);
                        i += 1;
                        continue;
                    }
                    end = Some(i);
                    break;
                }
                let Some(end) = end else {
                    let line_end = text[pos..].find('\n').map_or(bytes.len(), |j| pos + j);
                    file.error = Some((
                        drydock_text::range(pos, line_end),
                        "unterminated quoted value".to_owned(),
                    ));
                    return file;
                };
                let (value, unknown) = if q == b'"' {
                    let out = interpolate::interpolate(&expand_escapes(&chars), &so_far);
                    (out.value, out.unknown)
                } else {
                    (chars, false)
                };
                file.entries.push(Entry {
                    key: key.to_owned(),
                    key_range,
                    value: Some(value),
                    value_range: drydock_text::range(value_start, end + 1),
                    unknown,
                });
                pos = end + 1;
                // The rest of the line after the closing quote is ignored up to the newline.
                pos = text[pos..].find('\n').map_or(bytes.len(), |j| pos + j);
            }
            _ => {
                let line_end = text[pos..].find('\n').map_or(bytes.len(), |j| pos + j);
                let mut raw = &text[pos..line_end];
                if let Some(i) = raw.find(" #") {
                    raw = &raw[..i];
                }
                let raw = raw.trim_end();
                let out = interpolate::interpolate(raw, &so_far);
                file.entries.push(Entry {
                    key: key.to_owned(),
                    key_range,
                    value: Some(out.value),
                    value_range: drydock_text::range(value_start, value_start + raw.len()),
                    unknown: out.unknown,
                });
                pos = line_end;
            }
        }
    }
    file
}

/// The outer environment first, then the entries read so far (compose-go's lookup order).
struct Layered<'a> {
    outer: &'a Environment,
    file: &'a EnvFile,
}

impl Vars for Layered<'_> {
    fn get(&self, name: &str) -> Lookup<'_> {
        match self.outer.get(name) {
            Lookup::Set(v) => Lookup::Set(v),
            Lookup::Absent => match self.file.get(name).and_then(|e| e.value.as_deref()) {
                Some(v) => Lookup::Set(v),
                None => Lookup::Absent,
            },
        }
    }

    fn absent_is_unset(&self) -> bool {
        self.outer.absent_is_unset()
    }
}

/// Double-quoted escapes: `\n`, `\t`, `\"`, `\\`, `\$` (kept as `$$` so interpolation leaves a
/// `$`), and the other C escapes.
fn expand_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('a') => out.push('\u{7}'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('v') => out.push('\u{b}'),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('$') => out.push_str("$$"),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<(String, Option<String>)> {
        let file = parse(
            text,
            &Environment::new(vec![("HOST".into(), "h".into())], false),
        );
        assert!(file.error.is_none(), "{:?}", file.error);
        file.entries.into_iter().map(|e| (e.key, e.value)).collect()
    }

    #[test]
    fn formats() {
        let text = "\u{feff}# comment\nA=1\nexport B = two words # trailing\nC='lit $A # not a comment'\nD=\"x\\ny $A ${HOST}\"\nE:5\nF=\nHOST\nG=\"multi\nline\"\nH=a#b\n";
        let got = values(text);
        let want: Vec<(String, Option<String>)> = vec![
            ("A".into(), Some("1".into())),
            ("B".into(), Some("two words".into())),
            ("C".into(), Some("lit $A # not a comment".into())),
            ("D".into(), Some("x\ny 1 h".into())),
            ("E".into(), Some("5".into())),
            ("F".into(), Some(String::new())),
            ("HOST".into(), Some("h".into())),
            ("G".into(), Some("multi\nline".into())),
            ("H".into(), Some("a#b".into())),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn ranges_and_errors() {
        let text = "KEY=value\nQ=\"quoted\"\n";
        let file = parse(text, &Environment::default());
        assert_eq!(&text[file.entries[0].key_range], "KEY");
        assert_eq!(&text[file.entries[0].value_range], "value");
        assert_eq!(&text[file.entries[1].value_range], "\"quoted\"");
        let bad = parse("GOOD=1\nBAD KEY=2\n", &Environment::default());
        assert!(bad.error.is_some());
        assert_eq!(bad.entries.len(), 1);
        let open = parse("A=\"never closed\n", &Environment::default());
        assert!(open.error.is_some());
    }
}
