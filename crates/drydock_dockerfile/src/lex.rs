//! BuildKit's builder-side word processing: quotes, escapes and `$VAR` / `${VAR...}` expansion.
//!
//! This is the processing BuildKit applies to the words of `FROM`, `COPY`, `ENV`, `WORKDIR`,
//! `USER` and the other builder-expanded instructions (not to `RUN`, whose text goes to the shell).
//! It is written from BuildKit's documented behaviour (`frontend/dockerfile/shell`): the same
//! modifiers (`:-`, `-`, `:+`, `+`, `:?`, `?`, `#`, `##`, `%`, `%%`, `/`, `//`), the same errors,
//! and the same word splitting. drydock adds one thing: a variable can be *unknown* (an `ARG`
//! without a default, a build argument), in which case its reference is kept as written and the
//! result says it is not certain.

/// What a variable holds, for expansion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarValue<'a> {
    /// Set to this value.
    Set(&'a str),
    /// Declared, but its value is not known statically (e.g. `ARG X` without a default).
    Unknown,
}

/// Variables visible to an expansion.
pub trait Env {
    /// Looks a variable up; `None` means unset.
    fn lookup(&self, name: &str) -> Option<VarValue<'_>>;
}

impl Env for () {
    fn lookup(&self, _: &str) -> Option<VarValue<'_>> {
        None
    }
}

impl<F> Env for F
where
    F: Fn(&str) -> Option<VarValue<'static>>,
{
    fn lookup(&self, name: &str) -> Option<VarValue<'_>> {
        self(name)
    }
}

/// Options of a [`Lexer`], named after BuildKit's.
#[derive(Clone, Copy, Debug)]
pub struct Lexer {
    /// The escape character (`\` or `` ` ``).
    pub escape: char,
    /// Keep quote characters in the result.
    pub raw_quotes: bool,
    /// Keep escape characters in the result.
    pub raw_escapes: bool,
    /// Keep references to unset variables as written instead of expanding them to "".
    pub skip_unset_env: bool,
    /// Do not treat quotes specially.
    pub skip_process_quotes: bool,
}

impl Lexer {
    /// A lexer with BuildKit's defaults for builder-expanded words.
    #[must_use]
    pub fn new(escape: char) -> Self {
        Self {
            escape,
            raw_quotes: false,
            raw_escapes: false,
            skip_unset_env: false,
            skip_process_quotes: false,
        }
    }

    /// Processes `word` as one word (`ProcessWordWithMatches`).
    ///
    /// # Errors
    /// The errors BuildKit reports: unterminated quotes, `${` without `}`, bad substitutions,
    /// unsupported modifiers, `${X:?msg}` on an unset or empty `X`.
    pub fn process_word(&self, word: &str, env: &dyn Env) -> Result<Expansion, LexError> {
        if self.is_plain(word) {
            return Ok(Expansion {
                result: word.to_owned(),
                words: plain_words(word).into_iter().map(|w| w.text).collect(),
                ..Expansion::default()
            });
        }
        let mut state = State::new(self, word, env);
        let (result, words) = state.process_stop_on(None, self.raw_escapes)?;
        Ok(Expansion {
            result,
            words: words.into_iter().map(|w| w.text).collect(),
            matched: state.matched,
            unmatched: state.unmatched,
            unknown: state.unknown,
        })
    }

    /// Processes `word` and splits the result into words (`ProcessWords`), with the character
    /// offsets each word came from.
    ///
    /// # Errors
    /// As [`Lexer::process_word`].
    pub fn process_words(&self, word: &str, env: &dyn Env) -> Result<Vec<LexWord>, LexError> {
        if self.is_plain(word) {
            return Ok(plain_words(word));
        }
        let mut state = State::new(self, word, env);
        let (_, words) = state.process_stop_on(None, self.raw_escapes)?;
        Ok(words)
    }
}

impl Lexer {
    /// Whether `word` has nothing the lexer acts on (no `$`, `<`, escape character or quote
    /// it processes): it then expands to itself, split at whitespace. Most words are like
    /// this; they skip the character-by-character walk.
    fn is_plain(&self, word: &str) -> bool {
        let quotes = !self.skip_process_quotes;
        // The escape character is ASCII in practice (`\` or a backtick): search the bytes (those
        // of other characters are never ASCII).
        if self.escape.is_ascii() {
            let bytes = word.as_bytes();
            return memchr::memchr3(b'$', b'<', self.escape as u8, bytes).is_none()
                && (!quotes || memchr::memchr2(b'\'', b'"', bytes).is_none());
        }
        !word.chars().any(|c| {
            matches!(c, '$' | '<') || c == self.escape || (quotes && matches!(c, '\'' | '"'))
        })
    }

    /// Whether the walk acts on byte `b`: `$`, `<`, a quote it processes, or the escape
    /// character (compared as a code point).
    fn acts_on(&self, b: u8) -> bool {
        matches!(b, b'$' | b'<')
            || u32::from(b) == u32::from(self.escape)
            || (!self.skip_process_quotes && matches!(b, b'\'' | b'"'))
    }
}

/// `char::is_whitespace` on an ASCII byte: `\t` to `\r` and the space.
pub(crate) fn is_ascii_blank(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ')
}

/// The words of a plain word (see [`Lexer::is_plain`]): its runs of non-whitespace, as the
/// walk in `State::process_stop_on_inner` splits them.
fn plain_words(word: &str) -> Vec<LexWord> {
    // Nearly every word is one run of ASCII without whitespace (`char::is_whitespace` on
    // ASCII: `\t` to `\r` and the space).
    if word.bytes().all(|b| b.is_ascii_graphic()) {
        return if word.is_empty() {
            Vec::new()
        } else {
            vec![LexWord {
                text: word.to_owned(),
                start: 0,
                end: word.len(),
            }]
        };
    }
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in word.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                words.push(LexWord {
                    text: word[s..i].to_owned(),
                    start: s,
                    end: i,
                });
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        words.push(LexWord {
            text: word[s..].to_owned(),
            start: s,
            end: word.len(),
        });
    }
    words
}

/// One `$NAME` or `${NAME...}` reference in a builder-expanded word (see [`var_refs`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarRef {
    /// Byte range of the name in the word (`1`, `@` for positional and special parameters).
    pub name: std::ops::Range<usize>,
    /// Byte offset of the `$`.
    pub start: usize,
    /// Byte offset just after the name, or after the closing `}` of a `${...}` (the end of the
    /// word when it is never closed).
    pub end: usize,
}

impl VarRef {
    /// The name, in `word` (the word it was found in).
    #[must_use]
    pub fn name<'w>(&self, word: &'w str) -> &'w str {
        &word[self.name.clone()]
    }

    /// Whether the name is a variable's (starts with a letter or `_`), not a positional or
    /// special parameter such as `$1` or `$@`.
    #[must_use]
    pub fn is_variable(&self, word: &str) -> bool {
        self.name(word)
            .starts_with(|c: char| c.is_alphabetic() || c == '_')
    }
}

/// The variable references of a builder-expanded word, in order, where BuildKit's lexer finds
/// them: not inside single quotes (when `quotes`), not after the `escape` character.
/// References nested in a `${A:-$B}` modifier are listed after the outer one. Names are read
/// as the lexer reads them: a run of digits, one special parameter character, or letters,
/// digits and `_`.
#[must_use]
pub fn var_refs(word: &str, escape: char, quotes: bool) -> Vec<VarRef> {
    let mut refs = Vec::new();
    let mut single = false;
    let mut double = false;
    let mut i = 0;
    while let Some(c) = word[i..].chars().next() {
        if single {
            single = c != '\'';
            i += c.len_utf8();
            continue;
        }
        if c == escape {
            i += c.len_utf8();
            if let Some(next) = word[i..].chars().next() {
                i += next.len_utf8();
            }
            continue;
        }
        if quotes && c == '\'' && !double {
            single = true;
            i += 1;
            continue;
        }
        if quotes && c == '"' {
            double = !double;
            i += 1;
            continue;
        }
        if c != '$' {
            i += c.len_utf8();
            continue;
        }
        let start = i;
        if word[i + 1..].starts_with('{') {
            let name_start = i + 2;
            let len = name_len(&word[name_start..]);
            if len == 0 {
                i += 2;
                continue;
            }
            // The closing brace, counting nested `${`.
            let mut depth = 0usize;
            let mut end = word.len();
            let mut j = name_start + len;
            while j < word.len() {
                let rest = &word[j..];
                if rest.starts_with("${") {
                    depth += 1;
                    j += 2;
                    continue;
                }
                if rest.starts_with('}') {
                    if depth == 0 {
                        end = j + 1;
                        break;
                    }
                    depth -= 1;
                }
                j += rest.chars().next().map_or(1, char::len_utf8);
            }
            refs.push(VarRef {
                name: name_start..name_start + len,
                start,
                end,
            });
            i = name_start + len;
        } else {
            let len = name_len(&word[i + 1..]);
            if len == 0 {
                i += 1;
                continue;
            }
            refs.push(VarRef {
                name: i + 1..i + 1 + len,
                start,
                end: i + 1 + len,
            });
            i += 1 + len;
        }
    }
    refs
}

/// The length of the name BuildKit's lexer reads at the start of `rest` (after `$` or `${`):
/// a run of digits, one special parameter character, or letters, digits and `_`.
fn name_len(rest: &str) -> usize {
    match rest.chars().next() {
        None => 0,
        Some(c) if c.is_ascii_digit() => rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len()),
        Some('@' | '*' | '#' | '?' | '-' | '$' | '!') => 1,
        Some(_) => rest
            .find(|c: char| !c.is_alphanumeric() && c != '_')
            .unwrap_or(rest.len()),
    }
}

/// The outcome of expanding a word.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expansion {
    /// The expanded text. References to unknown variables are kept as written.
    pub result: String,
    /// The result split into words.
    pub words: Vec<String>,
    /// Variables that were found (set or unknown), in order of use.
    pub matched: Vec<String>,
    /// Variables that were referenced but unset, in order of use.
    pub unmatched: Vec<String>,
    /// Whether an unknown variable influenced the result.
    pub unknown: bool,
}

/// One word from [`Lexer::process_words`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexWord {
    /// The processed text.
    pub text: String,
    /// Byte offset in the input where the word starts.
    pub start: usize,
    /// Byte offset in the input just after the word's last character.
    pub end: usize,
}

/// A word-processing error, with BuildKit's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexError {
    /// The message.
    pub message: String,
}

impl std::fmt::Display for LexError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn err<T>(message: impl Into<String>) -> Result<T, LexError> {
    Err(LexError {
        message: message.into(),
    })
}

struct Words {
    words: Vec<LexWord>,
    buf: String,
    in_word: bool,
    start: usize,
    end: usize,
}

impl Words {
    fn new() -> Self {
        Self {
            words: Vec::new(),
            buf: String::new(),
            in_word: false,
            start: 0,
            end: 0,
        }
    }

    fn flush(&mut self) {
        self.words.push(LexWord {
            text: std::mem::take(&mut self.buf),
            start: self.start,
            end: self.end,
        });
        self.in_word = false;
    }

    fn add_char(&mut self, ch: char, at: usize, end: usize) {
        if ch.is_whitespace() {
            if self.in_word && !self.buf.is_empty() {
                self.flush();
            }
        } else {
            self.add_raw_char(ch, at, end);
        }
    }

    fn add_raw_char(&mut self, ch: char, at: usize, end: usize) {
        if !self.in_word || self.buf.is_empty() {
            self.start = at;
        }
        self.buf.push(ch);
        self.in_word = true;
        self.end = end;
    }

    /// [`Words::add_char`] for each character of `run` (ASCII, starting at `at`).
    fn add_ascii_run(&mut self, run: &str, at: usize) {
        self.add_ascii(run, |i| at + i, |i| at + i);
    }

    /// [`Words::add_char`] for each character of `text` (an expanded value), each at `at..end`.
    fn add_string(&mut self, text: &str, at: usize, end: usize) {
        if text.is_ascii() && bulk_runs() {
            self.add_ascii(text, |_| at, |_| end);
            return;
        }
        for ch in text.chars() {
            self.add_char(ch, at, end);
        }
    }

    /// [`Words::add_char`] for each character of the ASCII `text`, where the character at byte
    /// `i` starts at `start(i)` and ends at `end(i + 1)`.
    fn add_ascii(
        &mut self,
        text: &str,
        start: impl Fn(usize) -> usize,
        end: impl Fn(usize) -> usize,
    ) {
        let blank = |b: &u8| is_ascii_blank(*b);
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if blank(&bytes[i]) {
                if self.in_word && !self.buf.is_empty() {
                    self.flush();
                }
                i += 1;
                continue;
            }
            let stop = bytes[i..]
                .iter()
                .position(blank)
                .map_or(bytes.len(), |n| i + n);
            if !self.in_word || self.buf.is_empty() {
                self.start = start(i);
            }
            self.buf.push_str(&text[i..stop]);
            self.in_word = true;
            self.end = end(stop);
            i = stop;
        }
    }

    fn add_raw_string(&mut self, text: &str, at: usize, end: usize) {
        if !self.in_word || self.buf.is_empty() {
            self.start = at;
        }
        self.buf.push_str(text);
        self.in_word = true;
        self.end = end;
    }

    fn finish(mut self) -> Vec<LexWord> {
        if !self.buf.is_empty() {
            self.flush();
        }
        self.words
    }
}

#[cfg(test)]
thread_local! {
    /// Tests turn the runs of plain characters off (here and in `args.rs`'s word splitting)
    /// to compare with the same walks character by character.
    pub(crate) static BULK_RUNS: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// Whether word walks take runs of plain characters at once ([`State::process_stop_on`],
/// `args::split_words`); always in builds other than tests.
pub(crate) fn bulk_runs() -> bool {
    #[cfg(test)]
    return BULK_RUNS.get();
    #[cfg(not(test))]
    true
}

struct State<'a> {
    lexer: &'a Lexer,
    text: &'a str,
    pos: usize,
    env: &'a dyn Env,
    raw_escapes: bool,
    matched: Vec<String>,
    unmatched: Vec<String>,
    unknown: bool,
}

impl<'a> State<'a> {
    fn new(lexer: &'a Lexer, text: &'a str, env: &'a dyn Env) -> Self {
        Self {
            lexer,
            text,
            pos: 0,
            env,
            raw_escapes: lexer.raw_escapes,
            matched: Vec::new(),
            unmatched: Vec::new(),
            unknown: false,
        }
    }

    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn next(&mut self) -> Option<char> {
        let ch = self.peek()?;
        self.pos += ch.len_utf8();
        Some(ch)
    }

    fn process_stop_on(
        &mut self,
        stop: Option<char>,
        raw_escapes: bool,
    ) -> Result<(String, Vec<LexWord>), LexError> {
        let saved = self.raw_escapes;
        self.raw_escapes = raw_escapes;
        let out = self.process_stop_on_inner(stop);
        self.raw_escapes = saved;
        out
    }

    fn process_stop_on_inner(
        &mut self,
        stop: Option<char>,
    ) -> Result<(String, Vec<LexWord>), LexError> {
        // The whole rest of the text is read when nothing stops it: room for it at once (the
        // same length unless a variable is expanded), instead of growing as runs are added.
        let mut result = String::with_capacity(if stop.is_none() {
            self.text.len() - self.pos
        } else {
            0
        });
        let mut words = Words::new();
        while let Some(ch) = self.peek() {
            let at = self.pos;
            if Some(ch) == stop {
                self.next();
                return Ok((result, words.finish()));
            }
            match ch {
                '$' => {
                    let value = self.process_dollar()?;
                    result.push_str(&value);
                    words.add_string(&value, at, self.pos);
                }
                '<' => {
                    let value = self.process_possible_heredoc();
                    result.push_str(&value);
                    words.add_raw_string(&value, at, self.pos);
                }
                '\'' if !self.lexer.skip_process_quotes => {
                    let value = self.process_single_quote()?;
                    result.push_str(&value);
                    words.add_raw_string(&value, at, self.pos);
                }
                '"' if !self.lexer.skip_process_quotes => {
                    let value = self.process_double_quote()?;
                    result.push_str(&value);
                    words.add_raw_string(&value, at, self.pos);
                }
                _ if ch.is_ascii() && ch != self.lexer.escape && bulk_runs() => {
                    // A run of ASCII characters the arms above and the escape leave alone, up
                    // to the next one they take or `stop`: at once instead of character by
                    // character (the same result and words).
                    let rest = &self.text.as_bytes()[self.pos..];
                    let stop = stop.and_then(|c| u8::try_from(c).ok());
                    let len = rest
                        .iter()
                        .position(|&b| !b.is_ascii() || self.lexer.acts_on(b) || Some(b) == stop)
                        .unwrap_or(rest.len());
                    let run = &self.text[at..at + len];
                    self.pos += len;
                    result.push_str(run);
                    words.add_ascii_run(run, at);
                }
                _ => {
                    let mut ch = self.next().unwrap_or_default();
                    if ch == self.lexer.escape {
                        if self.raw_escapes {
                            words.add_raw_char(ch, at, self.pos);
                            result.push(ch);
                        }
                        match self.next() {
                            Some(escaped) => ch = escaped,
                            None => break,
                        }
                        words.add_raw_char(ch, at, self.pos);
                    } else {
                        words.add_char(ch, at, self.pos);
                    }
                    result.push(ch);
                }
            }
        }
        if let Some(stop) = stop {
            return err(format!(
                "unexpected end of statement while looking for matching {stop}"
            ));
        }
        Ok((result, words.finish()))
    }

    fn process_single_quote(&mut self) -> Result<String, LexError> {
        let mut result = String::new();
        let open = self.next().unwrap_or('\'');
        if self.lexer.raw_quotes {
            result.push(open);
        }
        loop {
            match self.next() {
                None => {
                    return err(
                        "unexpected end of statement while looking for matching single-quote",
                    );
                }
                Some('\'') => {
                    if self.lexer.raw_quotes {
                        result.push('\'');
                    }
                    return Ok(result);
                }
                Some(ch) => result.push(ch),
            }
        }
    }

    fn process_double_quote(&mut self) -> Result<String, LexError> {
        let mut result = String::new();
        let open = self.next().unwrap_or('"');
        if self.lexer.raw_quotes {
            result.push(open);
        }
        loop {
            match self.peek() {
                None => {
                    return err(
                        "unexpected end of statement while looking for matching double-quote",
                    );
                }
                Some('"') => {
                    self.next();
                    if self.lexer.raw_quotes {
                        result.push('"');
                    }
                    return Ok(result);
                }
                Some('$') => {
                    let value = self.process_dollar()?;
                    result.push_str(&value);
                }
                Some(_) => {
                    let mut ch = self.next().unwrap_or_default();
                    if ch == self.lexer.escape {
                        if self.raw_escapes {
                            result.push(ch);
                        }
                        match self.peek() {
                            None => continue,
                            Some(next)
                                if next == '"' || next == '$' || next == self.lexer.escape =>
                            {
                                ch = self.next().unwrap_or_default();
                            }
                            Some(_) => {}
                        }
                    }
                    result.push(ch);
                }
            }
        }
    }

    fn process_possible_heredoc(&mut self) -> String {
        self.next();
        if self.peek() != Some('<') {
            return "<".to_owned();
        }
        self.next();
        let mut out = String::from("<<");
        while let Some(ch) = self.peek().filter(|&c| matches!(c, ' ' | '\t' | '\r')) {
            out.push(ch);
            self.next();
        }
        out
    }

    fn process_name(&mut self) -> String {
        // A name of ASCII letters, digits and `_` (nearly all are) followed by an ASCII byte:
        // taken at once.
        let rest = &self.text.as_bytes()[self.pos..];
        if bulk_runs()
            && rest
                .first()
                .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_')
        {
            let len = rest
                .iter()
                .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'_')
                .count();
            if rest.get(len).is_none_or(u8::is_ascii) {
                let name = self.text[self.pos..self.pos + len].to_owned();
                self.pos += len;
                return name;
            }
        }
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            if name.is_empty() && ch.is_ascii_digit() {
                while let Some(digit) = self.peek().filter(char::is_ascii_digit) {
                    name.push(digit);
                    self.next();
                }
                return name;
            }
            if name.is_empty() && matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0') {
                self.next();
                return ch.to_string();
            }
            if !ch.is_alphanumeric() && ch != '_' {
                break;
            }
            name.push(ch);
            self.next();
        }
        name
    }

    fn lookup(&mut self, name: &str) -> Option<VarValue<'a>> {
        let env: &'a dyn Env = self.env;
        let found = env.lookup(name);
        let list = if found.is_some() {
            &mut self.matched
        } else {
            &mut self.unmatched
        };
        if !list.iter().any(|n| n == name) {
            list.push(name.to_owned());
        }
        found
    }

    fn process_dollar(&mut self) -> Result<String, LexError> {
        let start = self.pos;
        self.next();
        if self.peek() != Some('{') {
            let name = self.process_name();
            if name.is_empty() {
                return Ok("$".to_owned());
            }
            return Ok(match self.lookup(&name) {
                Some(VarValue::Set(value)) => value.to_owned(),
                Some(VarValue::Unknown) => {
                    self.unknown = true;
                    self.text[start..self.pos].to_owned()
                }
                None if self.lexer.skip_unset_env => format!("${name}"),
                None => String::new(),
            });
        }
        self.next();
        match self.peek() {
            None => return err("syntax error: missing '}'"),
            Some('{' | '}' | ':') => return err("syntax error: bad substitution"),
            Some(_) => {}
        }
        let name = self.process_name();
        let Some(mut ch) = self.next() else {
            return err("syntax error: missing '}'");
        };
        let mut modifier = ch.to_string();
        match ch {
            '}' => Ok(match self.lookup(&name) {
                Some(VarValue::Set(value)) => value.to_owned(),
                Some(VarValue::Unknown) => {
                    self.unknown = true;
                    self.text[start..self.pos].to_owned()
                }
                None if self.lexer.skip_unset_env => format!("${{{name}}}"),
                None => String::new(),
            }),
            ':' | '+' | '-' | '?' | '#' | '%' => {
                let null_is_unset = ch == ':';
                if null_is_unset {
                    let Some(next) = self.next() else {
                        return err("syntax error: missing '}'");
                    };
                    ch = next;
                    modifier.push(ch);
                    if !matches!(ch, '+' | '-' | '?' | '#' | '%') {
                        return err(format!("unsupported modifier ({modifier}) in substitution"));
                    }
                }
                let raw = ch == '#' || ch == '%';
                if null_is_unset && raw {
                    return err(format!("unsupported modifier ({modifier}) in substitution"));
                }
                let word = match self.process_stop_on(Some('}'), raw) {
                    Ok((word, _)) => word,
                    Err(e) => {
                        return if self.peek().is_none() {
                            err("syntax error: missing '}'")
                        } else {
                            Err(e)
                        };
                    }
                };
                let value = self.lookup(&name);
                let value = match value {
                    Some(VarValue::Unknown) => {
                        self.unknown = true;
                        return Ok(self.text[start..self.pos].to_owned());
                    }
                    Some(VarValue::Set(value)) => Some(value),
                    None if self.lexer.skip_unset_env => {
                        return Ok(format!("${{{name}{modifier}{word}}}"));
                    }
                    None => None,
                };
                let empty = value.is_none_or(|v| null_is_unset && v.is_empty());
                match ch {
                    '-' => Ok(if empty {
                        word
                    } else {
                        value.unwrap_or_default().to_owned()
                    }),
                    '+' => Ok(if empty { String::new() } else { word }),
                    '?' => {
                        if value.is_none() {
                            let msg = if word.is_empty() {
                                "is not allowed to be unset".to_owned()
                            } else {
                                word
                            };
                            return err(format!("{name}: {msg}"));
                        }
                        if empty {
                            let msg = if word.is_empty() {
                                "is not allowed to be empty".to_owned()
                            } else {
                                word
                            };
                            return err(format!("{name}: {msg}"));
                        }
                        Ok(value.unwrap_or_default().to_owned())
                    }
                    _ => {
                        let value = value.unwrap_or_default();
                        let (greedy, pattern) = match word.strip_prefix(ch) {
                            Some(rest) => (true, rest),
                            None => (false, word.as_str()),
                        };
                        let pattern = parse_pattern(pattern)?;
                        Ok(if ch == '%' {
                            trim_suffix(&pattern, value, greedy)
                        } else {
                            trim_prefix(&pattern, value, greedy)
                        })
                    }
                }
            }
            '/' => {
                let all = self.peek() == Some('/');
                if all {
                    self.next();
                }
                let pattern = match self.process_stop_on(Some('/'), true) {
                    Ok((p, _)) => p,
                    Err(e) => {
                        return if self.peek().is_none() {
                            err("syntax error: missing '/' in ${}")
                        } else {
                            Err(e)
                        };
                    }
                };
                let replacement = match self.process_stop_on(Some('}'), true) {
                    Ok((r, _)) => r,
                    Err(e) => {
                        return if self.peek().is_none() {
                            err("syntax error: missing '}'")
                        } else {
                            Err(e)
                        };
                    }
                };
                let value = match self.lookup(&name) {
                    Some(VarValue::Unknown) => {
                        self.unknown = true;
                        return Ok(self.text[start..self.pos].to_owned());
                    }
                    Some(VarValue::Set(value)) => value,
                    None if self.lexer.skip_unset_env => {
                        return Ok(format!("${{{name}/{pattern}/{replacement}}}"));
                    }
                    None => "",
                };
                let compiled = parse_pattern(&pattern)?;
                Ok(replace(&compiled, value, &replacement, all))
            }
            _ => err(format!("unsupported modifier ({modifier}) in substitution")),
        }
    }
}

/// A shell wildcard pattern: `*`, `?` and literal characters (`\*`, `\?`, `\\` are literal).
#[derive(Debug, PartialEq, Eq)]
enum Pat {
    Star,
    Any,
    Lit(char),
}

fn parse_pattern(pattern: &str) -> Result<Vec<Pat>, LexError> {
    let mut out = Vec::new();
    let mut chars = pattern.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '*' => out.push(Pat::Star),
            '?' => out.push(Pat::Any),
            '\\' => match chars.peek() {
                // `}` and `/` are escaped inside `${}` but the escape is not part of the pattern.
                Some('}' | '/') => {}
                Some(&next @ ('*' | '?' | '\\')) => {
                    chars.next();
                    out.push(Pat::Lit(next));
                }
                Some(&other) => {
                    return err(format!(
                        "invalid pattern ({pattern}) in substitution: invalid escape '\\{other}'"
                    ));
                }
                None => {
                    return err(format!(
                        "invalid pattern ({pattern}) in substitution: trailing escape"
                    ));
                }
            },
            other => out.push(Pat::Lit(other)),
        }
    }
    Ok(out)
}

fn glob_match(pat: &[Pat], text: &[char]) -> bool {
    match pat.split_first() {
        None => text.is_empty(),
        Some((Pat::Star, rest)) => (0..=text.len()).any(|i| glob_match(rest, &text[i..])),
        Some((Pat::Any, rest)) => !text.is_empty() && glob_match(rest, &text[1..]),
        Some((Pat::Lit(c), rest)) => text.first() == Some(c) && glob_match(rest, &text[1..]),
    }
}

fn trim_prefix(pat: &[Pat], value: &str, greedy: bool) -> String {
    let chars: Vec<char> = value.chars().collect();
    let candidates: Box<dyn Iterator<Item = usize>> = if greedy {
        Box::new((0..=chars.len()).rev())
    } else {
        Box::new(0..=chars.len())
    };
    for len in candidates {
        if glob_match(pat, &chars[..len]) {
            return chars[len..].iter().collect();
        }
    }
    value.to_owned()
}

fn trim_suffix(pat: &[Pat], value: &str, greedy: bool) -> String {
    let chars: Vec<char> = value.chars().collect();
    let candidates: Box<dyn Iterator<Item = usize>> = if greedy {
        Box::new(0..=chars.len())
    } else {
        Box::new((0..=chars.len()).rev())
    };
    for start in candidates {
        if glob_match(pat, &chars[start..]) {
            return chars[..start].iter().collect();
        }
    }
    value.to_owned()
}

fn replace(pat: &[Pat], value: &str, replacement: &str, all: bool) -> String {
    let chars: Vec<char> = value.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut replaced = false;
    while i <= chars.len() {
        if !replaced || all {
            // Leftmost start, longest match (greedy `*`), non-empty unless the pattern is empty.
            if let Some(len) = (0..=chars.len() - i)
                .rev()
                .find(|&len| glob_match(pat, &chars[i..i + len]))
            {
                out.push_str(replacement);
                replaced = true;
                if len == 0 {
                    if let Some(&c) = chars.get(i) {
                        out.push(c);
                    }
                    i += 1;
                } else {
                    i += len;
                }
                continue;
            }
        }
        if let Some(&c) = chars.get(i) {
            out.push(c);
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<VarValue<'static>> {
        match name {
            "A" => Some(VarValue::Set("alpha")),
            "EMPTY" => Some(VarValue::Set("")),
            "PATHV" => Some(VarValue::Set("/usr/local/bin/tool.tar.gz")),
            "U" => Some(VarValue::Unknown),
            "SP" => Some(VarValue::Set(" x  y\tz ")),
            _ => None,
        }
    }

    /// The walk alone, without the plain-word shortcut.
    fn walked(lexer: &Lexer, word: &str) -> (String, Vec<LexWord>) {
        let mut state = State::new(lexer, word, &env);
        state
            .process_stop_on(None, lexer.raw_escapes)
            .expect("a plain word expands")
    }

    proptest::proptest! {
        /// The shortcut for plain words gives what the walk gives, words and offsets
        /// included, whatever the lexer's options.
        #[test]
        fn plain_words_match_the_walk(
            word in "[a-zA-Z0-9 \t\n\r\u{b}\u{c}\u{a0}\u{3000}\u{85}é/._=:,~!-]{0,24}",
            backtick: bool,
            raw_quotes: bool,
            raw_escapes: bool,
            skip_quotes: bool,
        ) {
            let lexer = Lexer {
                raw_quotes,
                raw_escapes,
                skip_process_quotes: skip_quotes,
                ..Lexer::new(if backtick { '`' } else { '\\' })
            };
            proptest::prop_assert!(lexer.is_plain(&word));
            let (result, words) = walked(&lexer, &word);
            let fast = lexer.process_word(&word, &env).expect("expands");
            proptest::prop_assert_eq!(&fast.result, &result);
            let texts: Vec<String> = words.iter().map(|w| w.text.clone()).collect();
            proptest::prop_assert_eq!(&fast.words, &texts);
            proptest::prop_assert!(fast.matched.is_empty() && fast.unmatched.is_empty() && !fast.unknown);
            proptest::prop_assert_eq!(lexer.process_words(&word, &env).expect("expands"), words);
        }
    }

    proptest::proptest! {
        /// Runs of plain characters taken at once give what the walk character by character
        /// gives: the result, the words and their offsets, the variables found, and errors.
        #[test]
        fn runs_match_the_walk_by_character(
            pieces in proptest::collection::vec(proptest::sample::select(LEX_PIECES), 0..14),
            backtick: bool,
            raw_quotes: bool,
            raw_escapes: bool,
            skip_quotes: bool,
            skip_unset: bool,
        ) {
            let word = pieces.concat();
            let lexer = Lexer {
                raw_quotes,
                raw_escapes,
                skip_process_quotes: skip_quotes,
                skip_unset_env: skip_unset,
                ..Lexer::new(if backtick { '`' } else { '\\' })
            };
            let read = |bulk: bool| {
                BULK_RUNS.set(bulk);
                let mut state = State::new(&lexer, &word, &env);
                let out = state.process_stop_on(None, lexer.raw_escapes);
                let words = lexer.process_words(&word, &env);
                BULK_RUNS.set(true);
                (out, words, state.matched, state.unmatched, state.unknown)
            };
            proptest::prop_assert_eq!(read(true), read(false));
        }
    }

    const LEX_PIECES: &[&str] = &[
        "a",
        "bc",
        " ",
        "\t",
        "\n",
        "\u{a0}",
        "é",
        "$A",
        "${A}",
        "$NOPE",
        "${U}",
        "${A:-x y}",
        "${NOPE:-x y}",
        "${A#al}",
        "${A%a}",
        "${A:+}",
        "}",
        "{",
        "'",
        "'q r'",
        "\"",
        "\"d $A\"",
        "\\",
        "\\$",
        "`",
        "`$A",
        "<",
        "<<EOF",
        "=",
        ":",
        "-",
        "$",
        "${",
        "$1",
        "$SP",
        "${SP}",
        "${SP:-a}",
        "\"$SP\"",
        "$é",
        "${é_1}",
        "$A_b9",
        "$12",
        "$@",
        "$_x",
        "${A_}",
        "${0}",
    ];

    proptest::proptest! {
        /// Whether a word is plain, read byte by byte, is what reading it character by
        /// character says.
        #[test]
        fn plain_is_read_by_character(
            word in "[a-z $<'\"`\\\\é€]{0,12}",
            backtick: bool,
            skip_quotes: bool,
        ) {
            let lexer = Lexer {
                skip_process_quotes: skip_quotes,
                ..Lexer::new(if backtick { '`' } else { '\\' })
            };
            let special = |c: char| {
                matches!(c, '$' | '<')
                    || c == lexer.escape
                    || (!skip_quotes && matches!(c, '\'' | '"'))
            };
            proptest::prop_assert_eq!(lexer.is_plain(&word), !word.chars().any(special));
        }
    }

    #[test]
    fn references_in_words() {
        let word = "a$B/${C:-$D}'$E'\\$F$1$@ ${é_1}x ${G:-{x}} ${H";
        let refs = var_refs(word, '\\', true);
        let names: Vec<&str> = refs.iter().map(|r| r.name(word)).collect();
        assert_eq!(names, ["B", "C", "D", "1", "@", "é_1", "G", "H"]);
        assert_eq!((refs[1].start, refs[1].end), (4, 12));
        let variables: Vec<&str> = refs
            .iter()
            .filter(|r| r.is_variable(word))
            .map(|r| r.name(word))
            .collect();
        assert_eq!(variables, ["B", "C", "D", "é_1", "G", "H"]);
        // A bare `{` in a modifier does not nest: the first `}` closes.
        let g = &refs[6];
        assert_eq!(&word[g.start..g.end], "${G:-{x}");
        // Never closed: to the end of the word.
        assert_eq!(refs[7].end, word.len());
        // Without quote processing, single quotes hide nothing.
        assert_eq!(var_refs("'$E'", '\\', false).len(), 1);
        // The backtick escape.
        let refs = var_refs("`$A $B", '`', true);
        assert_eq!(refs.len(), 1);
        assert_eq!(refs[0].name, 5..6);
    }

    #[test]
    fn plain_needs_no_special_character() {
        let lexer = Lexer::new('\\');
        for word in ["$A", "a<b", "a\\b", "'a'", "\"a\""] {
            assert!(!lexer.is_plain(word), "{word}");
        }
        let raw = Lexer {
            skip_process_quotes: true,
            ..Lexer::new('`')
        };
        assert!(raw.is_plain("'a' \"b\" c\\d"));
        assert!(!raw.is_plain("a`b"));
    }

    fn expand(word: &str) -> Result<String, String> {
        Lexer::new('\\')
            .process_word(word, &env)
            .map(|e| e.result)
            .map_err(|e| e.message)
    }

    #[test]
    fn modifiers() {
        assert_eq!(expand("$A-${A}").unwrap(), "alpha-alpha");
        assert_eq!(expand("${MISSING:-x}").unwrap(), "x");
        assert_eq!(expand("${EMPTY:-x}").unwrap(), "x");
        assert_eq!(expand("${EMPTY-x}").unwrap(), "");
        assert_eq!(expand("${A:+set}").unwrap(), "set");
        assert_eq!(expand("${EMPTY:+set}").unwrap(), "");
        assert_eq!(expand("${EMPTY+set}").unwrap(), "set");
        assert_eq!(expand("${MISSING:-${A:-z}}").unwrap(), "alpha");
        assert_eq!(expand("${PATHV#*/}").unwrap(), "usr/local/bin/tool.tar.gz");
        assert_eq!(expand("${PATHV##*/}").unwrap(), "tool.tar.gz");
        assert_eq!(expand("${PATHV%.*}").unwrap(), "/usr/local/bin/tool.tar");
        assert_eq!(expand("${PATHV%%.*}").unwrap(), "/usr/local/bin/tool");
        assert_eq!(expand("${A/l/L}").unwrap(), "aLpha");
        assert_eq!(expand("${A//a/_}").unwrap(), "_lph_");
        assert_eq!(expand(r"'$A' \$A").unwrap(), "$A $A");
        assert_eq!(expand(r#""$A b""#).unwrap(), "alpha b");
    }

    #[test]
    fn errors() {
        assert_eq!(expand("${MISSING:?oops}").unwrap_err(), "MISSING: oops");
        assert_eq!(
            expand("${EMPTY:?}").unwrap_err(),
            "EMPTY: is not allowed to be empty"
        );
        assert_eq!(expand("${}").unwrap_err(), "syntax error: bad substitution");
        assert_eq!(expand("${A").unwrap_err(), "syntax error: missing '}'");
        assert_eq!(
            expand("${A:#x}").unwrap_err(),
            "unsupported modifier (:#) in substitution"
        );
        assert!(expand("'open").is_err());
    }

    #[test]
    fn unknown_values_stay_as_written() {
        let out = Lexer::new('\\')
            .process_word("img:${U:-x}-$U", &env)
            .unwrap();
        assert_eq!(out.result, "img:${U:-x}-$U");
        assert!(out.unknown);
        assert_eq!(out.matched, ["U"]);
    }

    #[test]
    fn words_with_offsets() {
        let lexer = Lexer {
            raw_quotes: true,
            raw_escapes: true,
            skip_unset_env: true,
            ..Lexer::new('\\')
        };
        let words = lexer
            .process_words(r#"cat <<EOF > "a b" <<- 'X'"#, &())
            .unwrap();
        let spaced = lexer.process_words("<< EOF x", &()).unwrap();
        assert_eq!(spaced[0].text, "<< EOF");
        let texts: Vec<_> = words
            .iter()
            .map(|w| (w.text.as_str(), w.start, w.end))
            .collect();
        assert_eq!(
            texts,
            [
                ("cat", 0, 3),
                ("<<EOF", 4, 9),
                (">", 10, 11),
                ("\"a b\"", 12, 17),
                ("<<-", 18, 21),
                ("'X'", 22, 25)
            ]
        );
    }
}
