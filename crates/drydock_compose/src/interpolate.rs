//! Compose variable interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
//! `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}`, `$$`, with nested defaults.
//!
//! Semantics follow compose-go's `template` package: names are `[_a-zA-Z][_a-zA-Z0-9]*`; a `$`
//! not followed by `$`, a name or `{` is kept as is; `${` without a valid substitution is an
//! invalid template. drydock adds *unknown* values: a variable that is defined nowhere drydock
//! looks (the project's `.env`, `--env-file`, and the process environment only when asked)
//! cannot be known, so a plain `${VAR}` of it stays unresolved instead of becoming "" — rules do
//! not guess about it. Defaults still apply (`${TAG:-latest}` is `latest` when `TAG` is absent).

/// What a variable holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// Defined with this value (possibly empty).
    Set(&'a str),
    /// Defined nowhere drydock looks.
    Absent,
}

/// Where interpolation takes variable values from.
pub trait Vars {
    /// Looks a variable up.
    fn get(&self, name: &str) -> Lookup<'_>;

    /// Whether an absent variable means "unset" (Compose would use "") rather than "unknown".
    /// True when the process environment was consulted (`--env-from-process`).
    fn absent_is_unset(&self) -> bool {
        false
    }
}

impl Vars for () {
    fn get(&self, _: &str) -> Lookup<'_> {
        Lookup::Absent
    }
}

/// A variable reference found while interpolating.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarRef {
    /// The variable name.
    pub name: String,
    /// Byte range of the whole reference (`${NAME:-x}`) in the interpolated text.
    pub span: (usize, usize),
    /// The modifier (`:-`, `-`, `:?`, `?`, `:+`, `+`), if any.
    pub modifier: Option<&'static str>,
    /// Whether the variable was defined.
    pub defined: bool,
}

/// An interpolation problem, as Compose reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InterpError {
    /// `${...}` that is not a valid substitution.
    Invalid {
        /// Byte range in the text.
        span: (usize, usize),
    },
    /// `${VAR:?msg}` / `${VAR?msg}` with `VAR` missing (or empty for `:?`).
    Required {
        /// The variable.
        name: String,
        /// The message after `?`, interpolated.
        message: String,
        /// Byte range of the reference.
        span: (usize, usize),
        /// Whether the variable is merely not known (absent, without the process environment):
        /// Compose would fail unless the deploying shell sets it.
        maybe: bool,
    },
}

/// The outcome of interpolating a string.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Interpolated {
    /// The value, with unknown references kept as written.
    pub value: String,
    /// Whether an unknown variable influenced the value.
    pub unknown: bool,
    /// Every variable reference, outermost first.
    pub refs: Vec<VarRef>,
    /// Problems.
    pub errors: Vec<InterpError>,
}

/// Whether `text` contains anything interpolation would change.
#[must_use]
pub fn has_dollar(text: &str) -> bool {
    text.contains('$')
}

/// Interpolates `text`.
#[must_use]
pub fn interpolate(text: &str, vars: &dyn Vars) -> Interpolated {
    let mut out = Interpolated::default();
    if !has_dollar(text) {
        out.value = text.to_owned();
        return out;
    }
    let value = expand(text, 0, vars, &mut out, 0);
    out.value = value;
    out
}

const MAX_NESTING: usize = 32;

fn is_name_start(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphabetic()
}

fn is_name_char(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphanumeric()
}

/// Index of the `}` closing the `${` whose `{` is at `open` (braces nest).
fn closing_brace(text: &str, open: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn expand(
    text: &str,
    base: usize,
    vars: &dyn Vars,
    out: &mut Interpolated,
    depth: usize,
) -> String {
    let bytes = text.as_bytes();
    let mut result = String::with_capacity(text.len());
    let mut i = 0;
    let mut literal_start = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        result.push_str(&text[literal_start..i]);
        let start = i;
        match bytes.get(i + 1) {
            Some(b'$') => {
                result.push('$');
                i += 2;
            }
            Some(&b) if is_name_start(b) => {
                let mut j = i + 1;
                while j < bytes.len() && is_name_char(bytes[j]) {
                    j += 1;
                }
                let name = &text[i + 1..j];
                let (value, defined) = lookup(name, vars, &text[start..j], out);
                out.refs.push(VarRef {
                    name: name.to_owned(),
                    span: (base + start, base + j),
                    modifier: None,
                    defined,
                });
                result.push_str(&value);
                i = j;
            }
            Some(b'{') => {
                let Some(close) = closing_brace(text, i + 1) else {
                    out.errors.push(InterpError::Invalid {
                        span: (base + start, base + text.len()),
                    });
                    result.push_str(&text[start..]);
                    return result;
                };
                let inner = &text[i + 2..close];
                let whole = &text[start..=close];
                match braced(
                    inner,
                    base + i + 2,
                    whole,
                    (base + start, base + close + 1),
                    vars,
                    out,
                    depth,
                ) {
                    Some(value) => result.push_str(&value),
                    None => {
                        out.errors.push(InterpError::Invalid {
                            span: (base + start, base + close + 1),
                        });
                        result.push_str(whole);
                    }
                }
                i = close + 1;
            }
            _ => {
                // A lone `$`: kept as is.
                result.push('$');
                i += 1;
            }
        }
        literal_start = i;
    }
    result.push_str(&text[literal_start..]);
    result
}

fn lookup(name: &str, vars: &dyn Vars, written: &str, out: &mut Interpolated) -> (String, bool) {
    match vars.get(name) {
        Lookup::Set(v) => (v.to_owned(), true),
        Lookup::Absent if vars.absent_is_unset() => (String::new(), false),
        Lookup::Absent => {
            out.unknown = true;
            (written.to_owned(), false)
        }
    }
}

/// `${inner}`; returns `None` for an invalid substitution.
fn braced(
    inner: &str,
    inner_base: usize,
    whole: &str,
    span: (usize, usize),
    vars: &dyn Vars,
    out: &mut Interpolated,
    depth: usize,
) -> Option<String> {
    let bytes = inner.as_bytes();
    if bytes.is_empty() || !is_name_start(bytes[0]) {
        return None;
    }
    let mut j = 1;
    while j < bytes.len() && is_name_char(bytes[j]) {
        j += 1;
    }
    let name = &inner[..j];
    let rest = &inner[j..];
    if rest.is_empty() {
        let (value, defined) = lookup(name, vars, whole, out);
        out.refs.push(VarRef {
            name: name.to_owned(),
            span,
            modifier: None,
            defined,
        });
        return Some(value);
    }
    let modifier: &'static str = [":-", ":?", ":+", "-", "?", "+"]
        .into_iter()
        .find(|m| rest.starts_with(m))?;
    let word = &rest[modifier.len()..];
    let word_base = inner_base + j + modifier.len();
    let found = vars.get(name);
    let defined = matches!(found, Lookup::Set(_));
    out.refs.push(VarRef {
        name: name.to_owned(),
        span,
        modifier: Some(modifier),
        defined,
    });
    if depth >= MAX_NESTING {
        out.unknown = true;
        return Some(whole.to_owned());
    }
    let absent_unknown = matches!(found, Lookup::Absent) && !vars.absent_is_unset();
    let value = match found {
        Lookup::Set(v) => Some(v),
        Lookup::Absent => None,
    };
    let empty_or_unset = value.is_none_or(str::is_empty);
    let unset = value.is_none();
    let nested = |out: &mut Interpolated| expand(word, word_base, vars, out, depth + 1);
    Some(match modifier {
        ":-" | "-" => {
            let use_default = if modifier == ":-" {
                empty_or_unset
            } else {
                unset
            };
            if use_default {
                nested(out)
            } else {
                value.unwrap_or_default().to_owned()
            }
        }
        ":+" | "+" => {
            let use_alt = if modifier == ":+" {
                !empty_or_unset
            } else {
                !unset
            };
            if use_alt { nested(out) } else { String::new() }
        }
        _ => {
            let missing = if modifier == ":?" {
                empty_or_unset
            } else {
                unset
            };
            if missing {
                let message = nested(out);
                out.errors.push(InterpError::Required {
                    name: name.to_owned(),
                    message,
                    span,
                    maybe: absent_unknown,
                });
                out.unknown = true;
                whole.to_owned()
            } else {
                value.unwrap_or_default().to_owned()
            }
        }
    })
}

/// Variables from a list of `(name, value)` pairs (later pairs win), plus optionally the
/// process environment.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    vars: Vec<(String, String)>,
    /// Whether the process environment was merged in (absent then means unset).
    pub complete: bool,
}

impl Environment {
    /// An environment from pairs.
    #[must_use]
    pub fn new(vars: Vec<(String, String)>, complete: bool) -> Self {
        Self { vars, complete }
    }

    /// Adds or replaces a variable.
    pub fn set(&mut self, name: &str, value: &str) {
        match self.vars.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value.to_owned(),
            None => self.vars.push((name.to_owned(), value.to_owned())),
        }
    }

    /// The variables, in order.
    #[must_use]
    pub fn vars(&self) -> &[(String, String)] {
        &self.vars
    }
}

impl Vars for Environment {
    fn get(&self, name: &str) -> Lookup<'_> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map_or(Lookup::Absent, |(_, v)| Lookup::Set(v))
    }

    fn absent_is_unset(&self) -> bool {
        self.complete
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Environment {
        Environment::new(
            vec![
                ("TAG".into(), "1.2".into()),
                ("EMPTY".into(), String::new()),
            ],
            false,
        )
    }

    fn value(text: &str) -> (String, bool) {
        let out = interpolate(text, &env());
        (out.value, out.unknown)
    }

    #[test]
    fn forms() {
        assert_eq!(value("nginx:$TAG"), ("nginx:1.2".into(), false));
        assert_eq!(value("nginx:${TAG}"), ("nginx:1.2".into(), false));
        assert_eq!(
            value("nginx:${NOPE:-latest}"),
            ("nginx:latest".into(), false)
        );
        assert_eq!(value("${EMPTY:-d}"), ("d".into(), false));
        assert_eq!(value("${EMPTY-d}"), (String::new(), false));
        assert_eq!(value("${TAG:+set}"), ("set".into(), false));
        assert_eq!(value("${NOPE+set}"), (String::new(), false));
        assert_eq!(value("${NOPE:-${TAG:-x}}"), ("1.2".into(), false));
        assert_eq!(value("${NOPE:-${ALSO:-deep}}"), ("deep".into(), false));
        assert_eq!(
            value("$$HOME and $ alone and $1"),
            ("$HOME and $ alone and $1".into(), false)
        );
        assert_eq!(value("nginx:$NOPE"), ("nginx:$NOPE".into(), true));
        assert_eq!(value("${NOPE}"), ("${NOPE}".into(), true));
    }

    #[test]
    fn errors_and_refs() {
        let out = interpolate("a ${NOPE:?set it please} b", &env());
        assert_eq!(out.errors.len(), 1);
        assert!(
            matches!(&out.errors[0], InterpError::Required { name, message, span: (2, 24), maybe: true } if name == "NOPE" && message == "set it please")
        );
        let out = interpolate("${EMPTY:?}", &env());
        assert!(matches!(
            &out.errors[0],
            InterpError::Required { maybe: false, .. }
        ));
        let out = interpolate("${EMPTY?}", &env());
        assert!(out.errors.is_empty());
        let out = interpolate("bad ${} and ${1X} and ${A", &env());
        assert_eq!(out.errors.len(), 3);
        let out = interpolate("$TAG ${NOPE:-$TAG}", &env());
        let names: Vec<_> = out
            .refs
            .iter()
            .map(|r| (r.name.as_str(), r.defined))
            .collect();
        assert_eq!(names, [("TAG", true), ("NOPE", false), ("TAG", true)]);
        assert_eq!(out.refs[1].span, (5, 18));
        // With the process environment consulted, absent means empty.
        let complete = Environment::new(vec![], true);
        let out = interpolate("x${NOPE}y", &complete);
        assert_eq!((out.value.as_str(), out.unknown), ("xy", false));
    }
}
