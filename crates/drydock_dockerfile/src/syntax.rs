//! The lossless syntax tree.
//!
//! A [`Dockerfile`] is a flat sequence of [`Item`]s whose ranges partition the file: every byte
//! belongs to exactly one item (a BOM, a parser directive, a comment line, a blank line, or an
//! instruction with all its continuation lines and heredoc bodies). Printing the items back gives
//! the input byte for byte ([`Dockerfile::to_bytes`]).
//!
//! Inside an instruction, every piece a rule may point at has its own file range: the keyword,
//! each flag (and its name and value), each argument word, each key and value of `ENV`/`LABEL`/
//! `ARG`, each element of a JSON exec form, each heredoc marker, body and terminator.

use std::sync::Arc;

use drydock_text::{SourceText, TextRange, TextSize};

use crate::logical::LogicalLine;

/// A parsed Dockerfile: the items, the parser directives' outcome and the syntax errors.
#[derive(Clone, Debug)]
pub struct Dockerfile {
    pub(crate) source: SourceText,
    pub(crate) items: Vec<Item>,
    pub(crate) escape: char,
    pub(crate) errors: Vec<SyntaxError>,
    /// The errors the items' parses reported (not those of bytes that are not UTF-8), each with
    /// its item's index, in the order reported: what [`crate::reparse`] keeps of the items it
    /// reuses.
    pub(crate) item_errors: Vec<(usize, SyntaxError)>,
    /// Whether a carriage return inside a line was reported (only the first one is).
    pub(crate) lone_cr: bool,
}

impl Dockerfile {
    /// The decoded text (same byte length as the file; see [`SourceText`]).
    #[must_use]
    pub fn text(&self) -> &str {
        self.source.text()
    }

    /// The source, with the original bytes recoverable.
    #[must_use]
    pub fn source(&self) -> &SourceText {
        &self.source
    }

    /// All items, in file order; their ranges partition the file.
    #[must_use]
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// The escape character in effect (`\` or `` ` ``).
    #[must_use]
    pub fn escape(&self) -> char {
        self.escape
    }

    /// Syntax errors, in file order.
    #[must_use]
    pub fn errors(&self) -> &[SyntaxError] {
        &self.errors
    }

    /// The text of `range`.
    #[must_use]
    pub fn slice(&self, range: TextRange) -> &str {
        &self.source.text()[range]
    }

    /// Top-level instructions, in file order.
    pub fn instructions(&self) -> impl Iterator<Item = &Instruction> {
        self.items.iter().filter_map(|item| match &item.kind {
            ItemKind::Instruction(instruction) => Some(&**instruction),
            _ => None,
        })
    }

    /// Parser directives, in file order.
    pub fn directives(&self) -> impl Iterator<Item = &Directive> {
        self.items.iter().filter_map(|item| match &item.kind {
            ItemKind::Directive(directive) => Some(directive),
            _ => None,
        })
    }

    /// The first directive with this (lowercase) name.
    #[must_use]
    pub fn directive(&self, name: &str) -> Option<&Directive> {
        self.directives().find(|directive| directive.name == name)
    }

    /// Prints the tree back: the original bytes, exactly.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.source.len());
        for item in &self.items {
            out.extend_from_slice(&self.source.original_bytes(item.range));
        }
        out
    }
}

/// One top-level piece of the file.
#[derive(Clone, Debug)]
pub struct Item {
    /// Whole physical lines, terminators included (the BOM item is just the BOM).
    pub range: TextRange,
    /// What the item is.
    pub kind: ItemKind,
}

/// What an [`Item`] is.
#[derive(Clone, Debug)]
pub enum ItemKind {
    /// The UTF-8 byte order mark at the start of the file.
    Bom,
    /// A parser directive (`# syntax=`, `# escape=`, `# check=`) at the top of the file.
    Directive(Directive),
    /// A comment line outside an instruction.
    Comment(Comment),
    /// A line holding only whitespace.
    Blank,
    /// An instruction with its continuation lines and heredoc bodies.
    Instruction(Arc<Instruction>),
}

/// A parser directive.
#[derive(Clone, Debug)]
pub struct Directive {
    /// From `#` to the end of the value.
    pub range: TextRange,
    /// Lowercased name: `syntax`, `escape` or `check`.
    pub name: String,
    /// The name as written.
    pub name_range: TextRange,
    /// The value, trimmed.
    pub value: String,
    /// The value's range.
    pub value_range: TextRange,
}

/// A comment line.
#[derive(Clone, Debug)]
pub struct Comment {
    /// From `#` to the end of the line's content.
    pub range: TextRange,
    /// The text after `#`, trimmed of surrounding whitespace.
    pub text_range: TextRange,
}

/// A syntax error: something BuildKit would reject, or bytes drydock cannot read as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where it is.
    pub range: TextRange,
    /// What is wrong, in one line.
    pub message: String,
}

/// The instructions BuildKit knows, plus the catch-all for anything else.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InstructionKind {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
    /// Not an instruction BuildKit knows (a syntax error).
    Unknown,
}

impl InstructionKind {
    /// All known kinds (not `Unknown`).
    pub const ALL: [InstructionKind; 18] = [
        Self::Add,
        Self::Arg,
        Self::Cmd,
        Self::Copy,
        Self::Entrypoint,
        Self::Env,
        Self::Expose,
        Self::From,
        Self::Healthcheck,
        Self::Label,
        Self::Maintainer,
        Self::Onbuild,
        Self::Run,
        Self::Shell,
        Self::Stopsignal,
        Self::User,
        Self::Volume,
        Self::Workdir,
    ];

    /// Looks a keyword up, case-insensitively.
    #[must_use]
    pub fn from_keyword(keyword: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|kind| kind.keyword().eq_ignore_ascii_case(keyword))
            .unwrap_or(Self::Unknown)
    }

    /// The canonical (uppercase) keyword.
    #[must_use]
    pub fn keyword(self) -> &'static str {
        match self {
            Self::Add => "ADD",
            Self::Arg => "ARG",
            Self::Cmd => "CMD",
            Self::Copy => "COPY",
            Self::Entrypoint => "ENTRYPOINT",
            Self::Env => "ENV",
            Self::Expose => "EXPOSE",
            Self::From => "FROM",
            Self::Healthcheck => "HEALTHCHECK",
            Self::Label => "LABEL",
            Self::Maintainer => "MAINTAINER",
            Self::Onbuild => "ONBUILD",
            Self::Run => "RUN",
            Self::Shell => "SHELL",
            Self::Stopsignal => "STOPSIGNAL",
            Self::User => "USER",
            Self::Volume => "VOLUME",
            Self::Workdir => "WORKDIR",
            Self::Unknown => "",
        }
    }

    /// Whether BuildKit looks for heredocs in this instruction.
    #[must_use]
    pub fn can_contain_heredoc(self) -> bool {
        matches!(self, Self::Add | Self::Copy | Self::Run)
    }
}

/// One instruction.
#[derive(Clone, Debug)]
pub struct Instruction {
    /// From the keyword to the end of the instruction's content: the last continuation line's
    /// content, or the last heredoc terminator. Excludes the final line terminator.
    pub range: TextRange,
    /// The keyword as written.
    pub keyword: Token,
    /// Which instruction this is.
    pub kind: InstructionKind,
    /// Leading `--flags`.
    pub flags: Vec<Flag>,
    /// The arguments after the flags.
    pub args: Args,
    /// Range of the arguments after the flags (the logical line's rest, mapped to the file);
    /// `None` when there are none.
    pub args_range: Option<TextRange>,
    /// Heredocs, in order.
    pub heredocs: Vec<Heredoc>,
    /// The joined logical line (continuations and comment lines removed), with its mapping back to
    /// the file.
    pub line: LogicalLine,
    /// Comment lines inside the continuation.
    pub continuation_comments: Vec<TextRange>,
    /// Whitespace-only lines inside the continuation (BuildKit skips them with a warning).
    pub empty_continuation_lines: Vec<TextRange>,
    /// End of the instruction's own lines, before any heredoc body.
    pub header_end: TextSize,
}

impl Instruction {
    /// The flag named `name` (without `--`), if present.
    #[must_use]
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|flag| flag.name == name)
    }

    /// All flags named `name`.
    pub fn flags_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Flag> + 'a {
        self.flags.iter().filter(move |flag| flag.name == name)
    }

    /// The range of the first physical line of the instruction (from the keyword).
    #[must_use]
    pub fn first_line_range(&self, text: &str) -> TextRange {
        let start = usize::from(self.range.start());
        let end = text[start..usize::from(self.header_end)]
            .find(['\n', '\r'])
            .map_or(usize::from(self.header_end), |i| start + i);
        drydock_text::range(start, end)
    }

    /// Whether the arguments are a JSON array (exec form).
    #[must_use]
    pub fn is_exec_form(&self) -> bool {
        match &self.args {
            Args::Exec(_) => true,
            Args::Paths(paths) => paths.json,
            Args::Healthcheck(health) => matches!(health.command.as_deref(), Some(Args::Exec(_))),
            _ => false,
        }
    }

    /// The instruction wrapped by `ONBUILD`, if this is one.
    #[must_use]
    pub fn onbuild_inner(&self) -> Option<&Instruction> {
        match &self.args {
            Args::Onbuild(inner) => Some(inner),
            _ => None,
        }
    }
}

/// A piece of text with its range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// Where it is.
    pub range: TextRange,
    /// The text as written (for a word spanning a continuation: the joined text).
    pub text: String,
}

/// A `--name[=value]` flag.
#[derive(Clone, Debug)]
pub struct Flag {
    /// The whole flag word.
    pub range: TextRange,
    /// The name, without `--`.
    pub name: String,
    /// Range of the name (without `--`).
    pub name_range: TextRange,
    /// The value after `=`, with quotes and escapes processed as BuildKit does.
    pub value: Option<String>,
    /// Range of the value as written (quotes included).
    pub value_range: Option<TextRange>,
}

impl Flag {
    /// Splits a comma-separated value (`--mount=type=cache,target=/x`) into `key=value` fields,
    /// each with its own range. Fields without `=` have an empty value.
    #[must_use]
    pub fn fields(&self, text: &str) -> Vec<FlagField> {
        let (Some(value), Some(value_range)) = (&self.value, self.value_range) else {
            return Vec::new();
        };
        let raw = &text[value_range];
        // Ranges are exact when the value was written without quotes or escapes; otherwise each
        // field points at the whole value.
        let exact = raw == value;
        let mut fields = Vec::new();
        let mut offset = 0usize;
        for part in split_csv(value) {
            let part_len = part.len();
            let range = if exact {
                let start = value_range.start() + drydock_text::size(offset);
                TextRange::at(start, drydock_text::size(part_len))
            } else {
                value_range
            };
            let (key, val) = match part.split_once('=') {
                Some((key, val)) => (key.trim().to_ascii_lowercase(), val.trim().to_owned()),
                None => (part.trim().to_ascii_lowercase(), String::new()),
            };
            let val = unquote_csv(&val);
            fields.push(FlagField {
                key,
                value: val,
                range,
            });
            offset += part_len + 1;
        }
        fields
    }
}

/// Splits on commas outside double quotes (Go's `encoding/csv` as BuildKit uses it for mounts).
fn split_csv(value: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, ch) in value.char_indices() {
        match ch {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&value[start..]);
    parts
}

fn unquote_csv(value: &str) -> String {
    if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
        value[1..value.len() - 1].replace("\"\"", "\"")
    } else {
        value.to_owned()
    }
}

/// One `key=value` field of a flag value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlagField {
    /// Lowercased key.
    pub key: String,
    /// Value (empty when the field had no `=`).
    pub value: String,
    /// Range of the whole field.
    pub range: TextRange,
}

/// An argument word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// Where it is in the file.
    pub range: TextRange,
    /// For shell-style words: the text as written (quotes and escapes kept, continuations joined).
    /// For JSON elements: the decoded string.
    pub text: String,
}

/// The arguments of an instruction, shaped by BuildKit's per-instruction line parsers.
#[derive(Clone, Debug)]
pub enum Args {
    /// No arguments.
    Empty,
    /// `RUN`/`CMD`/`ENTRYPOINT`/`SHELL` in exec (JSON) form.
    Exec(ExecForm),
    /// `RUN`/`CMD`/`ENTRYPOINT`/`SHELL` in shell form.
    Shell(ShellForm),
    /// `ADD`/`COPY`/`VOLUME`: a JSON array or whitespace-separated paths.
    Paths(Paths),
    /// `FROM`/`EXPOSE`: whitespace-separated words.
    Words(Vec<Word>),
    /// `ENV`/`LABEL`.
    KeyValues(KeyValues),
    /// `ARG`.
    Arg(Vec<ArgDecl>),
    /// `USER`/`WORKDIR`/`STOPSIGNAL`/`MAINTAINER`: the rest of the line.
    Text(Word),
    /// `HEALTHCHECK`.
    Healthcheck(Healthcheck),
    /// `ONBUILD`: the wrapped instruction.
    Onbuild(Box<Instruction>),
    /// An unknown instruction's raw arguments.
    Unknown(Option<Word>),
}

/// A JSON exec form: `["executable", "arg"]`.
#[derive(Clone, Debug)]
pub struct ExecForm {
    /// From `[` to `]`.
    pub range: TextRange,
    /// The string elements (decoded), each with the range of its JSON literal.
    pub elements: Vec<Word>,
}

/// Shell-form arguments.
#[derive(Clone, Debug)]
pub struct ShellForm {
    /// From the first to the last character of the arguments, across continuation lines.
    pub range: TextRange,
    /// The joined text, as BuildKit hands it to the shell.
    pub text: String,
}

/// `ADD`/`COPY`/`VOLUME` paths.
#[derive(Clone, Debug)]
pub struct Paths {
    /// Whether they were written as a JSON array.
    pub json: bool,
    /// The paths; for `ADD`/`COPY` the last one is the destination.
    pub items: Vec<Word>,
}

/// `ENV`/`LABEL` pairs.
#[derive(Clone, Debug)]
pub struct KeyValues {
    /// Whether the legacy `KEY value` form (no `=`) was used.
    pub legacy: bool,
    /// The pairs.
    pub pairs: Vec<KeyValue>,
}

/// One `key=value` pair.
#[derive(Clone, Debug)]
pub struct KeyValue {
    /// The whole pair.
    pub range: TextRange,
    /// The key as written (quotes kept).
    pub key: Word,
    /// The value as written (quotes kept), possibly empty.
    pub value: Word,
}

/// One `ARG name[=default]`.
#[derive(Clone, Debug)]
pub struct ArgDecl {
    /// The whole declaration.
    pub range: TextRange,
    /// The name as written.
    pub name: Word,
    /// The default, when `=` is present (possibly empty).
    pub default: Option<Word>,
}

/// `HEALTHCHECK NONE` or `HEALTHCHECK [flags] CMD ...`.
#[derive(Clone, Debug)]
pub struct Healthcheck {
    /// The `NONE`/`CMD` word.
    pub kind: Word,
    /// The command after `CMD` (exec or shell form).
    pub command: Option<Box<Args>>,
}

impl Healthcheck {
    /// Whether this is `HEALTHCHECK NONE`.
    #[must_use]
    pub fn is_none(&self) -> bool {
        self.kind.text.eq_ignore_ascii_case("none")
    }
}

/// A heredoc attached to `RUN`/`COPY`/`ADD`.
#[derive(Clone, Debug)]
pub struct Heredoc {
    /// The `<<EOF` word on the instruction line.
    pub marker: TextRange,
    /// The delimiter (quotes removed).
    pub name: String,
    /// Whether variables are expanded in the body (no quotes in the delimiter).
    pub expand: bool,
    /// `<<-`: leading tabs are stripped from body lines and the terminator.
    pub chomp: bool,
    /// The file descriptor written before `<<`, if any.
    pub fd: Option<u32>,
    /// The body lines (terminators included), between the instruction line and the terminator.
    pub body: TextRange,
    /// The terminator line's content; `None` when the file ended first.
    pub terminator: Option<TextRange>,
}
