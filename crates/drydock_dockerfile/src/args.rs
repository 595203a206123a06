//! Splitting a logical line into keyword, flags and per-instruction arguments, following
//! BuildKit's `splitCommand`, `extractBuilderFlags` and line parsers, with ranges kept.

use drydock_text::TextRange;

use crate::json::{self, JsonArray};
use crate::logical::LogicalLine;
use crate::syntax::{
    ArgDecl, Args, ExecForm, Flag, Healthcheck, Instruction, InstructionKind, KeyValue, KeyValues,
    Paths, ShellForm, SyntaxError, Token, Word,
};

/// BuildKit's `reWhitespace`: `[\t\v\f\r ]`.
fn is_split_ws(c: char) -> bool {
    matches!(c, '\t' | '\x0b' | '\x0c' | '\r' | ' ')
}

/// The pieces of one instruction line (heredocs are attached by the caller).
pub(crate) struct ParsedLine {
    pub(crate) keyword: Token,
    pub(crate) kind: InstructionKind,
    pub(crate) flags: Vec<Flag>,
    pub(crate) args: Args,
    pub(crate) args_range: Option<TextRange>,
}

pub(crate) struct LineParser<'a> {
    pub(crate) line: &'a LogicalLine,
    pub(crate) escape: char,
    pub(crate) errors: &'a mut Vec<SyntaxError>,
    /// The keyword of the instruction being parsed: errors about missing arguments point at it.
    pub(crate) keyword: Option<TextRange>,
}

impl<'a> LineParser<'a> {
    fn text(&self) -> &'a str {
        self.line.text()
    }

    fn word(&self, start: usize, end: usize, text: String) -> Word {
        Word {
            range: self.line.file_range(start, end),
            text,
        }
    }

    fn error(&mut self, range: TextRange, message: impl Into<String>) {
        let range = match self.keyword {
            Some(keyword) if range.is_empty() => keyword,
            _ => range,
        };
        self.errors.push(SyntaxError {
            range,
            message: message.into(),
        });
    }

    /// Parses the instruction that starts at logical offset `from`.
    pub(crate) fn parse(&mut self, from: usize) -> ParsedLine {
        let text = self.text();
        let end = trim_end(text, text.len()).max(from);
        let kw_start = from + (text[from..end].len() - text[from..end].trim_start().len());
        let kw_end = text[kw_start..end]
            .find(is_split_ws)
            .map_or(end, |i| kw_start + i);
        let keyword = Token {
            range: self.line.file_range(kw_start, kw_end),
            text: text[kw_start..kw_end].to_owned(),
        };
        let kind = InstructionKind::from_keyword(&keyword.text);
        if !keyword.text.is_empty() {
            self.keyword = Some(keyword.range);
        }
        let rest_start = kw_end + text[kw_end..end].len()
            - text[kw_end..end].trim_start_matches(is_split_ws).len();
        let (args_start, flags) = self.extract_flags(rest_start, end);
        let args_start =
            args_start + (text[args_start..end].len() - text[args_start..end].trim_start().len());
        let args_range = (args_start < end).then(|| self.line.file_range(args_start, end));
        if kind == InstructionKind::Unknown {
            let message = if keyword.text.is_empty() {
                "line continuation with no instruction".to_owned()
            } else {
                match suggest_keyword(&keyword.text) {
                    Some(s) => format!(
                        "unknown instruction `{}` (did you mean `{s}`?)",
                        keyword.text
                    ),
                    None => format!("unknown instruction `{}`", keyword.text),
                }
            };
            let range = if keyword.text.is_empty() {
                self.line.file_range(from, end)
            } else {
                keyword.range
            };
            self.error(range, message);
        }
        self.check_flags(kind, &flags);
        let args = self.parse_args(kind, args_start, end);
        ParsedLine {
            keyword,
            kind,
            flags,
            args,
            args_range,
        }
    }

    /// `extractBuilderFlags`: leading words that start with `--`, with quotes and escapes
    /// processed. Returns the logical offset where the arguments start.
    fn extract_flags(&mut self, start: usize, end: usize) -> (usize, Vec<Flag>) {
        let text = &self.text()[..end];
        let escape = self.escape;
        let mut flags = Vec::new();
        let mut pos = start;
        loop {
            // Looking for the start of a word.
            while let Some(c) = text[pos..].chars().next().filter(|c| c.is_whitespace()) {
                pos += c.len_utf8();
            }
            if pos >= end {
                return (end, flags);
            }
            if !text[pos..].starts_with("--") {
                return (pos, flags);
            }
            // In a word: collect the processed text and the raw offset of each of its bytes.
            let word_start = pos;
            let mut value = String::new();
            let mut offsets: Vec<usize> = Vec::new();
            let mut quote: Option<char> = None;
            let mut chars = text[pos..]
                .char_indices()
                .map(|(i, c)| (pos + i, c))
                .peekable();
            let mut word_end = end;
            while let Some((at, c)) = chars.next() {
                if let Some(q) = quote {
                    if c == q {
                        quote = None;
                    } else if c == escape {
                        match chars.next() {
                            Some((at2, next)) => {
                                value.push(next);
                                offsets.extend((0..next.len_utf8()).map(|k| at2 + k));
                            }
                            None => quote = None,
                        }
                    } else {
                        value.push(c);
                        offsets.extend((0..c.len_utf8()).map(|k| at + k));
                    }
                    continue;
                }
                if c.is_whitespace() {
                    word_end = at;
                    break;
                }
                if c == '\'' || c == '"' {
                    quote = Some(c);
                    continue;
                }
                if c == escape {
                    if let Some((at2, next)) = chars.next() {
                        value.push(next);
                        offsets.extend((0..next.len_utf8()).map(|k| at2 + k));
                    }
                    continue;
                }
                value.push(c);
                offsets.extend((0..c.len_utf8()).map(|k| at + k));
            }
            pos = word_end;
            if value == "--" {
                return (pos, flags);
            }
            let range = self.line.file_range(word_start, word_end);
            let name_end = value.find('=').unwrap_or(value.len());
            let name = value[2.min(name_end)..name_end].to_owned();
            let raw_at = |i: usize| offsets.get(i).copied().unwrap_or(word_end);
            let name_range = self.line.file_range(
                raw_at(2.min(name_end)),
                if name_end == 0 {
                    word_start
                } else {
                    raw_at(name_end - 1) + 1
                },
            );
            let (flag_value, value_range) = if name_end < value.len() {
                let v = value[name_end + 1..].to_owned();
                let eq_raw = raw_at(name_end);
                (Some(v), Some(self.line.file_range(eq_raw + 1, word_end)))
            } else {
                (None, None)
            };
            flags.push(Flag {
                range,
                name,
                name_range,
                value: flag_value,
                value_range,
            });
        }
    }

    fn check_flags(&mut self, kind: InstructionKind, flags: &[Flag]) {
        use FlagType::{Bool, List, Str};
        if kind == InstructionKind::Unknown {
            return;
        }
        let allowed = allowed_flags(kind);
        let mut seen: Vec<&str> = Vec::new();
        for flag in flags {
            let Some(&(_, ty)) = allowed.iter().find(|(name, _)| *name == flag.name) else {
                let names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
                let hint = crate::suggest::closest(&flag.name, &names)
                    .map(|s| format!(" (did you mean `--{s}`?)"))
                    .unwrap_or_default();
                let message = if allowed.is_empty() {
                    format!("{} takes no flags, found `--{}`", kind.keyword(), flag.name)
                } else {
                    format!(
                        "unknown flag `--{}` for {}{hint}",
                        flag.name,
                        kind.keyword()
                    )
                };
                self.error(flag.range, message);
                continue;
            };
            if ty != List && seen.contains(&flag.name.as_str()) {
                self.error(flag.range, format!("duplicate flag `--{}`", flag.name));
            }
            seen.push(&flag.name);
            match (ty, flag.value.as_deref()) {
                (Bool, Some("")) => self.error(
                    flag.range,
                    format!("missing a value on flag `--{}`", flag.name),
                ),
                (Bool, Some(v))
                    if !v.eq_ignore_ascii_case("true") && !v.eq_ignore_ascii_case("false") =>
                {
                    self.error(
                        flag.range,
                        format!(
                            "expecting a boolean value for flag `--{}`, not `{v}`",
                            flag.name
                        ),
                    );
                }
                (Str | List, None) => {
                    self.error(
                        flag.range,
                        format!(
                            "missing a value on flag `--{}` (write `--{}=<value>`)",
                            flag.name, flag.name
                        ),
                    );
                }
                _ => {}
            }
        }
    }

    fn parse_args(&mut self, kind: InstructionKind, start: usize, end: usize) -> Args {
        let text = &self.text()[start..end];
        match kind {
            InstructionKind::Run
            | InstructionKind::Cmd
            | InstructionKind::Entrypoint
            | InstructionKind::Shell => {
                let args = self.maybe_json(start, end);
                match (&args, kind) {
                    (Args::Empty, InstructionKind::Shell) => {
                        self.error(
                            self.line.file_range(start, end),
                            "SHELL requires at least one argument",
                        );
                    }
                    (Args::Exec(exec), InstructionKind::Shell) if exec.elements.is_empty() => {
                        self.error(exec.range, "SHELL requires at least one argument");
                    }
                    (Args::Shell(shell), InstructionKind::Shell) => {
                        self.error(shell.range, "SHELL requires the arguments to be in JSON form, e.g. [\"/bin/sh\", \"-c\"]");
                    }
                    _ => {}
                }
                args
            }
            InstructionKind::Add | InstructionKind::Copy | InstructionKind::Volume => {
                let args = match json::parse_array(text) {
                    JsonArray::Strings {
                        open,
                        close,
                        elements,
                    } => {
                        let _ = (open, close);
                        Args::Paths(Paths {
                            json: true,
                            items: elements
                                .into_iter()
                                .map(|(s, e, v)| self.word(start + s, start + e, v))
                                .collect(),
                        })
                    }
                    JsonArray::NotAllStrings { element } => {
                        self.error(
                            self.line.file_range(start + element.0, start + element.1),
                            "when using the JSON array syntax, every element must be a string",
                        );
                        Args::Paths(Paths {
                            json: false,
                            items: self.split_ws(start, end),
                        })
                    }
                    JsonArray::NotJson => Args::Paths(Paths {
                        json: false,
                        items: self.split_ws(start, end),
                    }),
                };
                if let Args::Paths(paths) = &args {
                    if kind == InstructionKind::Volume && paths.items.is_empty() {
                        self.error(
                            self.line.file_range(start, end),
                            "VOLUME requires at least one argument",
                        );
                    } else if kind != InstructionKind::Volume && paths.items.len() < 2 {
                        self.error(
                            self.line.file_range(start, end),
                            format!("{} requires at least two arguments: one or more sources and a destination", kind.keyword()),
                        );
                    }
                }
                args
            }
            InstructionKind::From | InstructionKind::Expose => {
                let words = self.split_ws(start, end);
                if kind == InstructionKind::From {
                    self.check_from(&words, start, end);
                } else if words.is_empty() {
                    self.error(
                        self.line.file_range(start, end),
                        "EXPOSE requires at least one argument",
                    );
                }
                Args::Words(words)
            }
            InstructionKind::Env | InstructionKind::Label => self.name_val(kind, start, end),
            InstructionKind::Arg => {
                let decls: Vec<ArgDecl> = self
                    .parse_words(start, end)
                    .into_iter()
                    .map(|(s, e, text)| match text.find('=') {
                        Some(eq) => ArgDecl {
                            range: self.line.file_range(s, e),
                            name: self.word(s, s + eq, text[..eq].to_owned()),
                            default: Some(self.word(s + eq + 1, e, text[eq + 1..].to_owned())),
                        },
                        None => ArgDecl {
                            range: self.line.file_range(s, e),
                            name: self.word(s, e, text.clone()),
                            default: None,
                        },
                    })
                    .collect();
                if decls.is_empty() {
                    self.error(
                        self.line.file_range(start, end),
                        "ARG requires at least one argument",
                    );
                }
                for decl in &decls {
                    if decl.name.text.is_empty() {
                        self.error(decl.range, "ARG names can not be blank");
                    }
                }
                Args::Arg(decls)
            }
            InstructionKind::Maintainer
            | InstructionKind::User
            | InstructionKind::Workdir
            | InstructionKind::Stopsignal => {
                if text.is_empty() {
                    self.error(
                        self.line.file_range(start, end),
                        format!("{} requires exactly one argument", kind.keyword()),
                    );
                    Args::Empty
                } else {
                    Args::Text(self.word(start, end, text.to_owned()))
                }
            }
            InstructionKind::Healthcheck => self.healthcheck(start, end),
            InstructionKind::Onbuild => {
                if text.is_empty() {
                    self.error(
                        self.line.file_range(start, end),
                        "ONBUILD requires at least one argument",
                    );
                    return Args::Empty;
                }
                let inner = self.parse(start);
                let range = TextRange::new(
                    inner.keyword.range.start(),
                    self.line.file_end(end).max(inner.keyword.range.start()),
                );
                Args::Onbuild(Box::new(Instruction {
                    range,
                    keyword: inner.keyword,
                    kind: inner.kind,
                    flags: inner.flags,
                    args: inner.args,
                    args_range: inner.args_range,
                    heredocs: Vec::new(),
                    line: self.line.clone(),
                    continuation_comments: Vec::new(),
                    empty_continuation_lines: Vec::new(),
                    header_end: range.end(),
                }))
            }
            InstructionKind::Unknown => {
                Args::Unknown((!text.is_empty()).then(|| self.word(start, end, text.to_owned())))
            }
        }
    }

    fn maybe_json(&mut self, start: usize, end: usize) -> Args {
        let text = &self.text()[start..end];
        if text.is_empty() {
            return Args::Empty;
        }
        match json::parse_array(text) {
            JsonArray::Strings {
                open,
                close,
                elements,
            } => Args::Exec(ExecForm {
                range: self.line.file_range(start + open, start + close),
                elements: elements
                    .into_iter()
                    .map(|(s, e, v)| self.word(start + s, start + e, v))
                    .collect(),
            }),
            JsonArray::NotAllStrings { element } => {
                self.error(
                    self.line.file_range(start + element.0, start + element.1),
                    "when using the JSON array syntax, every element must be a string",
                );
                Args::Shell(ShellForm {
                    range: self.line.file_range(start, end),
                    text: text.to_owned(),
                })
            }
            JsonArray::NotJson => Args::Shell(ShellForm {
                range: self.line.file_range(start, end),
                text: text.to_owned(),
            }),
        }
    }

    fn healthcheck(&mut self, start: usize, end: usize) -> Args {
        let text = &self.text()[start..end];
        if text.is_empty() {
            self.error(
                self.line.file_range(start, end),
                "HEALTHCHECK requires at least one argument",
            );
            return Args::Empty;
        }
        let sep = text.find(char::is_whitespace).unwrap_or(text.len());
        let next = sep + (text[sep..].len() - text[sep..].trim_start().len());
        let kind = self.word(start, start + sep, text[..sep].to_owned());
        if kind.text.eq_ignore_ascii_case("none") {
            if next < text.len() {
                self.error(
                    self.line.file_range(start + next, end),
                    "HEALTHCHECK NONE takes no arguments",
                );
            }
            return Args::Healthcheck(Healthcheck {
                kind,
                command: None,
            });
        }
        if !kind.text.eq_ignore_ascii_case("cmd") {
            self.error(
                kind.range,
                format!("unknown HEALTHCHECK type `{}` (use CMD or NONE)", kind.text),
            );
        }
        let command = self.maybe_json(start + next, end);
        if matches!(command, Args::Empty) {
            self.error(kind.range, "missing command after HEALTHCHECK CMD");
            return Args::Healthcheck(Healthcheck {
                kind,
                command: None,
            });
        }
        Args::Healthcheck(Healthcheck {
            kind,
            command: Some(Box::new(command)),
        })
    }

    fn check_from(&mut self, words: &[Word], start: usize, end: usize) {
        match words {
            [_] => {}
            [_, as_kw, name] if as_kw.text.eq_ignore_ascii_case("as") => {
                let lower = name.text.to_lowercase();
                let valid = lower.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                    && lower.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')
                    });
                if !valid {
                    self.error(
                        name.range,
                        format!("invalid stage name `{}`: it must start with a letter and contain only letters, digits, `-`, `_` and `.`", name.text),
                    );
                }
            }
            [] => self.error(self.line.file_range(start, end), "FROM requires an image"),
            _ => {
                let range = words[1].range.cover(words[words.len() - 1].range);
                self.error(
                    range,
                    "FROM takes an image and optionally `AS name` (one or three arguments)",
                );
            }
        }
    }

    /// `parseNameVal` for `ENV` and `LABEL`.
    fn name_val(&mut self, kind: InstructionKind, start: usize, end: usize) -> Args {
        let words = self.parse_words(start, end);
        let Some(first) = words.first() else {
            self.error(
                self.line.file_range(start, end),
                format!("{} requires at least one argument", kind.keyword()),
            );
            return Args::KeyValues(KeyValues {
                legacy: false,
                pairs: Vec::new(),
            });
        };
        if !first.2.contains('=') {
            // Legacy `KEY value`: the key is up to the first whitespace, the value is the rest.
            let text = &self.text()[start..end];
            let key_end = text.find(is_split_ws).unwrap_or(text.len());
            let value_start = key_end
                + (text[key_end..].len() - text[key_end..].trim_start_matches(is_split_ws).len());
            let key = self.word(start, start + key_end, text[..key_end].to_owned());
            let value = self.word(start + value_start, end, text[value_start..].to_owned());
            if value_start >= text.len() {
                self.error(
                    key.range,
                    format!(
                        "{} must have two arguments (`{0} key=value`)",
                        kind.keyword()
                    ),
                );
            }
            let range = self.line.file_range(start, end);
            return Args::KeyValues(KeyValues {
                legacy: true,
                pairs: vec![KeyValue { range, key, value }],
            });
        }
        let mut pairs = Vec::new();
        for (s, e, text) in words {
            let Some(eq) = text.find('=') else {
                self.error(
                    self.line.file_range(s, e),
                    format!(
                        "can't find `=` in `{text}`: every {} item must be of the form name=value",
                        kind.keyword()
                    ),
                );
                continue;
            };
            let key = self.word(s, s + eq, text[..eq].to_owned());
            if key.text.is_empty() {
                self.error(
                    self.line.file_range(s, e),
                    format!("{} names can not be blank", kind.keyword()),
                );
            }
            pairs.push(KeyValue {
                range: self.line.file_range(s, e),
                key,
                value: self.word(s + eq + 1, e, text[eq + 1..].to_owned()),
            });
        }
        Args::KeyValues(KeyValues {
            legacy: false,
            pairs,
        })
    }

    /// `parseWords`: whitespace-separated words, quotes kept, an escape keeps its next character.
    fn parse_words(&self, start: usize, end: usize) -> Vec<(usize, usize, String)> {
        split_words(&self.text()[..end], start, self.escape)
    }

    /// `reWhitespace.Split`: words separated by `[\t\v\f\r ]+`, no quote handling.
    fn split_ws(&self, start: usize, end: usize) -> Vec<Word> {
        let text = &self.text()[start..end];
        let mut words = Vec::new();
        let mut pos = 0;
        for piece in text.split(is_split_ws) {
            if !piece.is_empty() {
                words.push(self.word(start + pos, start + pos + piece.len(), piece.to_owned()));
            }
            pos += piece.len() + 1;
        }
        words
    }
}

/// The value a flag takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlagType {
    /// `--link` or `--link=true|false`.
    Bool,
    /// `--name=value`, at most once.
    Str,
    /// `--name=value`, repeatable (`--mount`, `--exclude`).
    List,
}

/// The flags BuildKit accepts on an instruction (names without `--`), in the order BuildKit's
/// reference lists them. Empty for instructions that take no flags and for `Unknown`.
#[must_use]
pub fn allowed_flags(kind: InstructionKind) -> &'static [(&'static str, FlagType)] {
    use FlagType::{Bool, List, Str};
    match kind {
        InstructionKind::From => &[("platform", Str)],
        InstructionKind::Run => &[
            ("mount", List),
            ("network", Str),
            ("security", Str),
            ("device", List),
        ],
        InstructionKind::Copy => &[
            ("chown", Str),
            ("from", Str),
            ("chmod", Str),
            ("link", Bool),
            ("exclude", List),
            ("parents", Bool),
        ],
        InstructionKind::Add => &[
            ("chown", Str),
            ("chmod", Str),
            ("link", Bool),
            ("keep-git-dir", Bool),
            ("checksum", Str),
            ("unpack", Bool),
            ("exclude", List),
        ],
        InstructionKind::Healthcheck => &[
            ("interval", Str),
            ("timeout", Str),
            ("start-period", Str),
            ("start-interval", Str),
            ("retries", Str),
        ],
        _ => &[],
    }
}

fn trim_end(text: &str, end: usize) -> usize {
    text[..end].trim_end().len()
}

fn suggest_keyword(word: &str) -> Option<&'static str> {
    let keywords: Vec<&str> = InstructionKind::ALL.iter().map(|k| k.keyword()).collect();
    crate::suggest::closest(&word.to_ascii_uppercase(), &keywords)
}

/// The words of `text[start..]` for [`LineParser::parse_words`] (`(start, end, text)` of each).
/// Runs of ASCII bytes that are not blanks, quotes or the escape (inside quotes: not the
/// closing quote or the escape) are taken at once; the rest character by character.
fn split_words(text: &str, start: usize, escape: char) -> Vec<(usize, usize, String)> {
    let runs = crate::lex::bulk_runs();
    let b = text.as_bytes();
    let escape_byte = u8::try_from(escape).ok().filter(u8::is_ascii);
    let mut words = Vec::new();
    let mut i = start;
    let mut in_word = false;
    let mut word_start = start;
    let mut word_end = start;
    let mut buf = String::new();
    let mut blank_ok = false;
    let mut quote: Option<char> = None;
    let char_at = |i: usize| text[i..].chars().next();
    // The escape `c` and the character after it, if there is one (then `i` moves past it).
    let escaped = |buf: &mut String, i: &mut usize, c: char| match char_at(*i) {
        Some(next) => {
            buf.push(c);
            buf.push(next);
            *i += next.len_utf8();
            true
        }
        None => false,
    };
    // Where a run of bytes from `at` ends: at the first byte `stops` takes, or `limit`; at
    // least past the character at `at` (which ends at `i`).
    fn run_end(b: &[u8], at: usize, i: usize, limit: usize, stops: impl Fn(u8) -> bool) -> usize {
        b[at..limit]
            .iter()
            .position(|&x| stops(x))
            .map_or(limit, |n| at + n)
            .max(i)
    }
    while let Some(c) = char_at(i) {
        let at = i;
        i += c.len_utf8();
        // How far a run may go (not past this character when runs are off).
        let limit = if runs { b.len() } else { at };
        if !in_word {
            if c.is_whitespace() {
                continue;
            }
            in_word = true;
            word_start = at;
        }
        if let Some(q) = quote {
            if c == escape && q != '\'' {
                if escaped(&mut buf, &mut i, c) {
                    word_end = i;
                } else {
                    // An escape at the end of the line is dropped.
                    quote = None;
                }
                continue;
            }
            if c == q {
                quote = None;
                buf.push(c);
                word_end = i;
                continue;
            }
            // The quoted text up to the closing quote or an escape.
            let stop = run_end(b, at, i, limit, |x| {
                char::from(x) == q || (q != '\'' && Some(x) == escape_byte) || !x.is_ascii()
            });
            buf.push_str(&text[at..stop]);
            i = stop;
            word_end = i;
            continue;
        }
        if c.is_whitespace() {
            if blank_ok || !buf.is_empty() {
                words.push((word_start, word_end, std::mem::take(&mut buf)));
            }
            in_word = false;
            blank_ok = false;
            continue;
        }
        if c == '\'' || c == '"' {
            quote = Some(c);
            blank_ok = true;
        }
        if c == escape {
            escaped(&mut buf, &mut i, c);
            word_end = i;
            continue;
        }
        if quote.is_some() {
            buf.push(c);
            word_end = i;
            continue;
        }
        // The word's text up to a blank, a quote or the escape.
        let stop = run_end(b, at, i, limit, |x| {
            !x.is_ascii()
                || crate::lex::is_ascii_blank(x)
                || matches!(x, b'\'' | b'"')
                || Some(x) == escape_byte
        });
        buf.push_str(&text[at..stop]);
        i = stop;
        word_end = i;
    }
    if in_word && (blank_ok || !buf.is_empty()) {
        words.push((word_start, word_end.max(word_start), buf));
    }
    words
}

#[cfg(test)]
mod tests {
    use super::split_words;
    use crate::lex::BULK_RUNS;
    use crate::parse_str;

    const PIECES: &[&str] = &[
        "a", "bc", "x=y", " ", "  ", "\t", "\u{b}", "\u{c}", "\r", "\n", "'", "\"", "\\", "`", "é",
        "€", "\u{a0}", "\u{3000}", "\u{85}", "$x", "'q r'", "\"d e\"", "\\\"", "`'",
    ];

    proptest::proptest! {
        /// Words split with runs taken at once are the words split character by character (as
        /// `parseWords` was first written): texts, ranges, quotes and escapes, with either
        /// escape character.
        #[test]
        fn words_split_in_runs_match_by_character(
            pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..16),
            skip in 0usize..4,
            backtick: bool,
        ) {
            let text = pieces.concat();
            let start = pieces.iter().take(skip).map(|p| p.len()).sum::<usize>().min(text.len());
            let escape = if backtick { '`' } else { '\\' };
            let split = |runs: bool| {
                BULK_RUNS.set(runs);
                let words = split_words(&text, start, escape);
                BULK_RUNS.set(true);
                words
            };
            proptest::prop_assert_eq!(split(true), split(false));
        }
    }

    /// Flag names and values with characters of several bytes keep their ranges on character
    /// boundaries inside the file (found by fuzzing: a name ending in U+FFFD overran the file).
    #[test]
    fn flag_ranges_with_multibyte_characters() {
        for text in [
            "FROM a\nCOPY --link\u{fffd}\u{fffd}-fsart",
            "FROM a\nCOPY --chown=é:ü /a /b\n",
            "FROM a\nCOPY --fröm=\"bä\" /a /b\n",
            "FROM a\nRUN --mount=type=cache,target=/é\\ x true\n",
        ] {
            let file = parse_str(text);
            for instruction in file.instructions() {
                for flag in &instruction.flags {
                    for range in [Some(flag.range), Some(flag.name_range), flag.value_range]
                        .into_iter()
                        .flatten()
                    {
                        let (s, e) = (usize::from(range.start()), usize::from(range.end()));
                        assert!(
                            s <= e
                                && e <= text.len()
                                && text.is_char_boundary(s)
                                && text.is_char_boundary(e),
                            "{text:?}: {range:?}"
                        );
                    }
                    assert_eq!(&text[flag.name_range], flag.name.as_str(), "{text:?}");
                }
            }
        }
    }
}
