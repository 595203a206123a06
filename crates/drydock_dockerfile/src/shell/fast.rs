//! drydock's own reader for the shell of `RUN`: the commands, words, pipelines and pipes that the
//! tree-sitter-bash view gives (see `Walker` in the parent module), for the scripts Dockerfiles
//! are made of, at a small fraction of the cost.
//!
//! The view has to be the same as tree-sitter-bash's to the byte, quirks included, because the
//! rules (and their agreement with hadolint) were built on it. So this reader builds the same
//! statement tree tree-sitter-bash builds (commands, pipelines, `&&`/`||` lists, redirected
//! statements, compound commands) and walks it the way `Walker` walks tree-sitter's. Among the
//! quirks it reproduces:
//!
//! - a redirection after a list applies to the whole list (`a && b > f` is
//!   `(a && b) > f`: `b` has no redirect), and to a whole pipeline (`a | b > f`);
//! - a redirection's destination takes every word that follows (`echo a > f b`: `b` is not an
//!   argument of `echo`);
//! - after a quoted string or an expansion, `\x` starts a new word unless `x` is a quote or a
//!   backslash (`"a"\;` is two words);
//! - `0>f` is the argument `0` followed by `>f`, while `2>f` is a redirection of descriptor 2;
//! - the value of a double-quoted string is its content pieces joined, escapes `\"`, `\\`, `\$`
//!   and `` \` `` removed.
//!
//! Whatever falls outside the grammar it knows (a syntax error, `case`, functions, heredocs,
//! arithmetic, arrays, unusual expansions, process substitution, and everything where
//! tree-sitter-bash's external scanner behaves in ways not modelled here) makes it give up, and
//! the caller parses the script with tree-sitter-bash instead. It never guesses: a script is
//! either read exactly as tree-sitter-bash reads it or not at all. Tests check it against
//! tree-sitter-bash on every `RUN` of the shared corpus, on the fixtures and on generated scripts.

use drydock_text::TextRange;

use super::{Command, ShellScript, ShellWord, Source, unescape};

/// The reader met something outside its grammar (the line of this file that gave up, for
/// [`probe`]).
struct Unsupported(u32);

type R<T> = Result<T, Unsupported>;

/// How deep constructs may nest (subshells, substitutions, compound commands, redirected
/// pipelines) before the reader leaves the script to tree-sitter (whose walk is iterative).
const MAX_NESTING: u32 = 40;

/// What a word is to tree-sitter-bash where a command starts (see [`keyword_kind`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Keyword {
    /// A word that is a keyword at the start of a command (`then`, `fi`, `for`...).
    Reserved,
    /// A command tree-sitter-bash reads as a `declaration_command` (`export`...).
    Declaration,
    /// A command tree-sitter-bash reads as an `unset_command`.
    Unset,
}

/// Which kind of keyword `token` is, if any (one match for every command's name).
fn keyword_kind(token: &[u8]) -> Option<Keyword> {
    match token {
        b"then" | b"else" | b"elif" | b"fi" | b"do" | b"done" | b"esac" | b"in" | b"case"
        | b"select" | b"function" | b"if" | b"while" | b"until" | b"for" => Some(Keyword::Reserved),
        b"declare" | b"typeset" | b"export" | b"readonly" | b"local" => Some(Keyword::Declaration),
        b"unset" | b"unsetenv" => Some(Keyword::Unset),
        _ => None,
    }
}

/// Reads `source` and appends what it finds to `script`; `false` (and `script` untouched) when
/// the script is outside the reader's grammar.
pub(super) fn read(script: &mut ShellScript, source: &Source) -> bool {
    let mut parser = Parser {
        b: source.text.as_bytes(),
        text: &source.text,
        i: 0,
        nodes: Vec::new(),
        nesting: 0,
        backticks: 0,
        long_pipeline: false,
        empty_value: false,
        cases: 0,
        case_clauses: 0,
    };
    let Ok(root) = parser.program() else {
        return false;
    };
    let mut emitter = Emitter {
        source,
        script,
        nodes: parser.nodes,
        pipelines: Vec::new(),
    };
    for id in root {
        emitter.statement(id, 0, None, &[]);
    }
    // Pipelines are only interesting with two or more members (as in `Walker::walk`).
    for members in std::mem::take(&mut emitter.pipelines) {
        if members.len() >= 2 {
            let index = emitter.script.pipelines.len();
            for &m in &members {
                emitter.script.commands[m].pipeline = Some(index);
            }
            emitter.script.pipelines.push(members);
        }
    }
    true
}

/// Where the reader gives up on `text`, if it does: the byte offset and the line of this file
/// that gave up (to find what is worth teaching it).
pub(super) fn probe(text: &str) -> Option<(usize, u32)> {
    let mut parser = Parser {
        b: text.as_bytes(),
        text,
        i: 0,
        nodes: Vec::new(),
        nesting: 0,
        backticks: 0,
        long_pipeline: false,
        empty_value: false,
        cases: 0,
        case_clauses: 0,
    };
    parser
        .program()
        .err()
        .map(|Unsupported(line)| (parser.i, line))
}

type Id = usize;

/// A word: where it is, its value, and the statements of the substitutions in it.
struct Word {
    start: usize,
    end: usize,
    value: String,
    literal: bool,
    subs: Vec<Vec<Id>>,
}

/// A child of a simple command, in source order.
enum Item {
    /// A `NAME=value` prefix (of a `command`).
    Assignment(Word),
    /// The name or an argument.
    Word(Word),
}

/// A child of a compound command, in source order.
enum Child {
    Statement(Id),
    Word(Word),
}

/// Statement nodes, named after tree-sitter-bash's.
enum Node {
    /// `command` (or `declaration_command`/`unset_command`: `declaration`).
    Command {
        declaration: bool,
        start: usize,
        end: usize,
        items: Vec<Item>,
    },
    /// `variable_assignment(s)` as a statement: no command.
    Assignments(Vec<Item>),
    /// `pipeline`, with the ranges of its `|` and `|&`.
    Pipeline {
        elements: Vec<Id>,
        pipes: Vec<(usize, usize)>,
    },
    /// `list` (`&&`, `||`), flattened: nested lists walk the same way.
    List(Vec<Id>),
    /// `redirected_statement`: each redirect's destination words.
    Redirected { body: Id, redirects: Vec<Vec<Word>> },
    /// `negated_command`.
    Negated(Id),
    /// `subshell`.
    Subshell(Vec<Id>),
    /// `compound_statement`, `if_statement`, `for_statement`, `while_statement`: commands inside
    /// are not members of an enclosing pipeline.
    Compound(Vec<Child>),
    /// `test_command` (`[ ... ]`, `[[ ... ]]`).
    Test(Vec<Word>),
    /// A node already emitted.
    Taken,
}

/// Where a list of statements ends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    /// The end of the script.
    Eof,
    /// `)` of a subshell or `$(`.
    Paren,
    /// The closing backtick.
    Backtick,
    /// One of these keywords (each statement before it needs a terminator).
    Keywords(&'static [&'static str]),
    /// The end of a `case` item: `;;`, `;&`, `;;&` or `esac`.
    CaseItem,
}

struct Parser<'a> {
    b: &'a [u8],
    text: &'a str,
    i: usize,
    nodes: Vec<Node>,
    nesting: u32,
    /// How many backtick substitutions are open (a backtick closes the innermost).
    backticks: u32,
    /// Whether the last and-or list read has a pipeline of three commands or more.
    long_pipeline: bool,
    /// Whether an assignment with an empty value was read in the current command's prefix.
    empty_value: bool,
    /// How many `case` statements are open.
    cases: u32,
    /// `case` clauses read so far (to tell whether a substitution had one).
    case_clauses: u32,
}

/// Whitespace that separates words (not the newline).
fn is_blank(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | 0x0b | 0x0c)
}

/// Bytes that end a word: blanks and `\n;&|()<>`.
fn ends_word(c: u8) -> bool {
    /// [`ends_word`] of each byte.
    static ENDS_WORD: [bool; 256] = super::byte_table(b" \t\x0b\x0c\n;&|()<>", true);
    ENDS_WORD[usize::from(c)]
}

/// Characters that end tree-sitter-bash's `word` token (besides whitespace).
const SPECIAL: &[u8] = b"'\"<>{}[]()`$|&;";

/// ASCII bytes that [`Parser::plain`] steps over without a second look: not a byte of
/// [`SPECIAL`], a backslash, whitespace (`\x0b` and `\x0c` included) or a byte of a longer
/// UTF-8 character.
static ORDINARY: [bool; 256] = {
    let mut table = super::byte_table(SPECIAL, false);
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b >= 0x80 || b.is_ascii_whitespace() || b == 0x0b || b == b'\\' {
            table[c] = false;
        }
        c += 1;
    }
    table
};

/// Characters of special parameters (`$@`, `$?`...).
const SPECIAL_VARIABLES: &[u8] = b"*@?!#-$";

fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn at(&self, offset: usize) -> Option<u8> {
        self.b.get(self.i + offset).copied()
    }

    fn push(&mut self, node: Node) -> Id {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    fn enter(&mut self) -> R<()> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(Unsupported(line!()));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.nesting -= 1;
    }

    /// Skips blanks and `\`-newline continuations on the line.
    fn skip_blank(&mut self) -> R<()> {
        loop {
            match self.peek() {
                Some(c) if is_blank(c) => self.i += 1,
                Some(b'\\') if self.at(1) == Some(b'\n') => {
                    // A continuation that ends the script is an error to tree-sitter-bash, and
                    // one onto a blank line is read its own way.
                    let rest = &self.b[self.i + 2..];
                    let blanks = rest.iter().take_while(|&&c| is_blank(c)).count();
                    if rest.get(blanks).is_none_or(|&c| c == b'\n') {
                        return Err(Unsupported(line!()));
                    }
                    // (The blanks counted are skipped with it.)
                    self.i += 2 + blanks;
                }
                // tree-sitter skips `\ ` between words as whitespace; bash does not.
                Some(b'\\') if self.at(1).is_some_and(|c| is_blank(c) || c == b'\r') => {
                    return Err(Unsupported(line!()));
                }
                Some(b'\r') => return Err(Unsupported(line!())),
                _ => return Ok(()),
            }
        }
    }

    fn skip_comment(&mut self) {
        if self.peek() == Some(b'#') {
            while self.peek().is_some_and(|c| c != b'\n') {
                self.i += 1;
            }
        }
    }

    /// Skips blanks, newlines and comments.
    fn skip_space(&mut self) -> R<()> {
        loop {
            self.skip_blank()?;
            match self.peek() {
                Some(b'\n') => self.i += 1,
                Some(b'#') => self.skip_comment(),
                _ => return Ok(()),
            }
        }
    }

    /// Whether the keyword `word` is at the cursor (followed by a delimiter).
    fn at_keyword(&self, word: &str) -> bool {
        self.b[self.i..].starts_with(word.as_bytes()) && self.delimits_keyword(self.i + word.len())
    }

    /// Whether a keyword ending at `at` ends there: the end, a word's end or a backtick.
    fn delimits_keyword(&self, at: usize) -> bool {
        self.b.get(at).is_none_or(|&c| ends_word(c) || c == b'`')
    }

    fn at_end(&self, end: End) -> bool {
        match end {
            End::Eof => self.i >= self.b.len(),
            End::Paren => self.peek() == Some(b')'),
            End::Backtick => self.peek() == Some(b'`'),
            End::Keywords(words) => words.iter().any(|w| self.at_keyword(w)),
            End::CaseItem => {
                (self.peek() == Some(b';') && matches!(self.at(1), Some(b';' | b'&')))
                    || self.at_keyword("esac")
            }
        }
    }

    fn program(&mut self) -> R<Vec<Id>> {
        self.skip_space()?;
        if self.i >= self.b.len() {
            // An empty script has no commands (tree-sitter: an empty program).
            return Ok(Vec::new());
        }
        let statements = self.statements(End::Eof)?;
        if self.i < self.b.len() {
            return Err(Unsupported(line!()));
        }
        Ok(statements)
    }

    /// Statements up to `end` (not consumed); at least one.
    fn statements(&mut self, end: End) -> R<Vec<Id>> {
        let mut out = Vec::new();
        loop {
            self.skip_space()?;
            if self.at_end(end) || self.i >= self.b.len() {
                break;
            }
            out.push(self.and_or()?);
            let long_pipeline = self.long_pipeline;
            self.skip_blank()?;
            self.skip_comment();
            if end == End::CaseItem && self.at_end(end) {
                break;
            }
            match self.peek() {
                Some(b';') => {
                    if matches!(self.at(1), Some(b';' | b'&')) {
                        return Err(Unsupported(line!()));
                    }
                    self.i += 1;
                }
                Some(b'&') => self.i += 1,
                // After a pipeline of three commands or more, tree-sitter-bash may read the
                // newline as a blank and the next line as more arguments.
                Some(b'\n') if long_pipeline => return Err(Unsupported(line!())),
                Some(b'\n') => {
                    self.i += 1;
                    // A line that is only `\` (after blank lines or not) continues the command
                    // before the newline in tree-sitter-bash.
                    let blank_lines = self.b[self.i..].iter().take_while(|&&c| c == b'\n').count();
                    if self.b[self.i + blank_lines..].starts_with(b"\\\n") {
                        return Err(Unsupported(line!()));
                    }
                }
                _ => {
                    // The last terminator is optional before `)`, a backtick and the end.
                    let optional =
                        matches!(end, End::Eof | End::Paren | End::Backtick | End::CaseItem);
                    if optional && self.at_end(end) {
                        break;
                    }
                    return Err(Unsupported(line!()));
                }
            }
        }
        if out.is_empty() || !self.at_end(end) {
            return Err(Unsupported(line!()));
        }
        Ok(out)
    }

    fn at_pipe(&self) -> bool {
        self.peek() == Some(b'|') && self.at(1) != Some(b'|')
    }

    /// A redirection operator at the cursor (with its descriptor), as opposed to `&&`, `&`, a
    /// word or a heredoc.
    fn at_redirect(&self) -> R<bool> {
        let mut j = self.i;
        // A descriptor after `-`, `_`... is read oddly by tree-sitter-bash's scanner.
        let specials = self.b[self.i..]
            .iter()
            .take(2)
            .take_while(|c| matches!(c, b'*' | b'@' | b'?' | b'-' | b'_'))
            .count();
        if specials > 0
            && self
                .b
                .get(self.i + specials)
                .is_some_and(u8::is_ascii_digit)
        {
            let mut k = self.i + specials;
            while self.b.get(k).is_some_and(u8::is_ascii_digit) {
                k += 1;
            }
            if matches!(self.b.get(k), Some(b'<' | b'>')) {
                return Err(Unsupported(line!()));
            }
        }
        while self.b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        let digits = j - self.i;
        match self.b.get(j) {
            Some(b'<' | b'>') => {
                // `0>f` is the word `0` then `>f` (tree-sitter-bash's scanner), and a descriptor
                // with more digits is unusual.
                if digits > 0 && (self.b[self.i] == b'0' || digits > 1) {
                    return Err(Unsupported(line!()));
                }
                Ok(true)
            }
            Some(b'&') if digits == 0 && self.b.get(j + 1) == Some(&b'>') => Ok(true),
            _ => Ok(false),
        }
    }

    /// `a && b || c`, with pipelines, and redirections that apply to everything before them.
    fn and_or(&mut self) -> R<Id> {
        let mut items = vec![self.pipeline(None)?];
        let mut wrapped = 0;
        // tree-sitter-bash's grammar is ambiguous on a pipeline of three commands or more in a
        // list (`a | b | c && d` can be `a | (b | c && d)`), and which reading it picks depends
        // on more than the tokens: `x && a | b | c | d && e` is read as bash reads it, but not
        // `(x) && a | b | c | d && e` or `x > f && ...`. Such a list is read here only when
        // its long pipelines are not its first item and either simple commands come before
        // the first or all have three commands (`(x) && a | b | c && d` is read as bash does);
        // others are left to it.
        let mut long_pipeline = self.is_long_pipeline(items[0]);
        let mut operators = 0;
        loop {
            self.skip_blank()?;
            if self.at_redirect()? {
                if long_pipeline {
                    return Err(Unsupported(line!()));
                }
                let body = if items.len() == 1 {
                    items[0]
                } else {
                    self.push(Node::List(std::mem::take(&mut items)))
                };
                let redirects = self.redirects()?;
                let mut statement = self.push(Node::Redirected { body, redirects });
                // Each redirection wraps the list so far one level deeper (the emitter
                // recurses through them).
                wrapped += 1;
                if wrapped > MAX_NESTING {
                    return Err(Unsupported(line!()));
                }
                self.skip_blank()?;
                if self.at_pipe() {
                    statement = self.pipeline(Some(statement))?;
                    long_pipeline |= self.is_long_pipeline(statement);
                }
                items = vec![statement];
                continue;
            }
            match (self.peek(), self.at(1)) {
                (Some(b'&'), Some(b'&')) | (Some(b'|'), Some(b'|')) => {
                    self.i += 2;
                    self.skip_space()?;
                    let item = self.pipeline(None)?;
                    long_pipeline |= self.is_long_pipeline(item);
                    operators += 1;
                    items.push(item);
                }
                _ => break,
            }
        }
        if long_pipeline && operators > 0 {
            let first = items.iter().position(|&id| self.is_long_pipeline(id));
            let simple_before = |k: usize| {
                items[..k].iter().all(|&id| {
                    matches!(self.nodes[id], Node::Command { .. } | Node::Assignments(_))
                })
            };
            let all_three = items.iter().all(|&id| {
                !matches!(&self.nodes[id], Node::Pipeline { elements, .. } if elements.len() > 3)
            });
            let bash_reading = first.is_some_and(|k| k > 0 && (all_three || simple_before(k)));
            if wrapped > 0 || !bash_reading {
                return Err(Unsupported(line!()));
            }
        }
        // Inside backticks, tree-sitter-bash fails on a list with a bare assignment
        // (`` `a && x=1` ``).
        if self.backticks > 0
            && items.len() > 1
            && items
                .iter()
                .any(|&id| matches!(self.nodes[id], Node::Assignments(_)))
        {
            return Err(Unsupported(line!()));
        }
        self.long_pipeline = long_pipeline;
        Ok(if items.len() == 1 {
            items[0]
        } else {
            self.push(Node::List(items))
        })
    }

    fn is_long_pipeline(&self, id: Id) -> bool {
        matches!(&self.nodes[id], Node::Pipeline { elements, .. } if elements.len() >= 3)
    }

    /// A pipeline, or a single element; `first` is an element already read.
    fn pipeline(&mut self, first: Option<Id>) -> R<Id> {
        let first = match first {
            Some(first) => first,
            None => self.element()?,
        };
        self.skip_blank()?;
        if !self.at_pipe() {
            return Ok(first);
        }
        let mut elements = vec![first];
        let mut pipes = Vec::new();
        while self.at_pipe() {
            let len = if self.at(1) == Some(b'&') { 2 } else { 1 };
            pipes.push((self.i, self.i + len));
            self.i += len;
            self.skip_space()?;
            elements.push(self.element()?);
            self.skip_blank()?;
        }
        Ok(self.push(Node::Pipeline { elements, pipes }))
    }

    fn element(&mut self) -> R<Id> {
        self.enter()?;
        let element = self.element_inner();
        self.leave();
        element
    }

    fn element_inner(&mut self) -> R<Id> {
        self.skip_blank()?;
        // After a newline, tree-sitter-bash may take the newline into a word that starts with
        // an escape (`a\n\\x` is one command).
        if self.peek() == Some(b'\\') {
            return Err(Unsupported(line!()));
        }
        let blank_after = |p: &Self, k: usize| p.b.get(p.i + k).is_some_and(|&c| is_blank(c));
        match self.peek() {
            None => Err(Unsupported(line!())),
            Some(b'!') if blank_after(self, 1) => {
                self.i += 1;
                self.skip_blank()?;
                let body = self.element()?;
                // `!` takes a command, an assignment, a test or a subshell.
                let fits = match &self.nodes[body] {
                    Node::Command { declaration, .. } => !declaration,
                    Node::Assignments(items) => items.len() == 1,
                    Node::Test(_) | Node::Subshell(_) => true,
                    _ => false,
                };
                if !fits {
                    return Err(Unsupported(line!()));
                }
                Ok(self.push(Node::Negated(body)))
            }
            Some(b'(') => {
                if self.at(1) == Some(b'(') {
                    return Err(Unsupported(line!()));
                }
                self.i += 1;
                let statements = self.statements(End::Paren)?;
                self.i += 1;
                Ok(self.push(Node::Subshell(statements)))
            }
            Some(b'{') if blank_after(self, 1) || self.at(1) == Some(b'\n') => self.group(),
            Some(b'[') => {
                if self.at(1) == Some(b'[') && blank_after(self, 2) {
                    self.i += 2;
                    self.test("]]")
                } else if blank_after(self, 1) {
                    self.i += 1;
                    self.test("]")
                } else {
                    Err(Unsupported(line!()))
                }
            }
            Some(_) => {
                if self.at_keyword("if") {
                    self.if_clause()
                } else if self.at_keyword("while") || self.at_keyword("until") {
                    self.while_clause()
                } else if self.at_keyword("for") {
                    self.for_clause()
                } else if self.at_keyword("case") {
                    self.case_clause()
                } else if let Some(body) = self.function_header() {
                    self.function_definition(body)
                } else {
                    self.simple_command()
                }
            }
        }
    }

    /// `{ ...; }` (`compound_statement`): the cursor is at `{`.
    fn group(&mut self) -> R<Id> {
        self.i += 1;
        let statements = self.statements(End::Keywords(&["}"]))?;
        self.i += 1;
        Ok(self.push(Node::Compound(
            statements.into_iter().map(Child::Statement).collect(),
        )))
    }

    /// At `name() {` (a function definition whose body is a group, the common shape): where
    /// the `{` is. Only a plain name, `()` right after it and blanks before the `{`.
    fn function_header(&self) -> Option<usize> {
        let rest = &self.b[self.i..];
        if !rest
            .first()
            .is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_')
        {
            return None;
        }
        let name = rest.iter().take_while(|&&c| is_name_byte(c)).count();
        if keyword_kind(&rest[..name]) == Some(Keyword::Reserved) {
            return None;
        }
        let after = rest[name..].strip_prefix(b"()")?;
        let blanks = after.iter().take_while(|&&c| is_blank(c)).count();
        let brace = self.i + name + 2 + blanks;
        let opens = self.b.get(brace) == Some(&b'{')
            && self
                .b
                .get(brace + 1)
                .is_some_and(|&c| is_blank(c) || c == b'\n');
        opens.then_some(brace)
    }

    /// `name() { ...; }` (`function_definition`): the commands of its body, which are not
    /// members of an enclosing pipeline, as in a group.
    fn function_definition(&mut self, body: usize) -> R<Id> {
        self.i = body;
        let group = self.group()?;
        // (A redirection after the body belongs to the definition in tree-sitter-bash.)
        self.skip_blank()?;
        if self.at_redirect()? {
            return Err(Unsupported(line!()));
        }
        Ok(group)
    }

    /// The words of a `[ ]` or `[[ ]]` test up to `close`, in the shapes tree-sitter-bash reads
    /// as one expression.
    fn test(&mut self, close: &str) -> R<Id> {
        let mut words = Vec::new();
        loop {
            self.skip_blank()?;
            if self.at_keyword(close) {
                self.i += close.len();
                break;
            }
            match self.peek() {
                None => return Err(Unsupported(line!())),
                Some(c) if ends_word(c) || c == b'#' => return Err(Unsupported(line!())),
                _ => {}
            }
            let word = self.word(true)?;
            words.push(word);
            if words.len() > 4 {
                return Err(Unsupported(line!()));
            }
        }
        let plain = |w: &Word| &self.text[w.start..w.end];
        let is_operator = |w: &Word| {
            let raw = plain(w);
            raw == "!"
                || raw.starts_with('=')
                || raw == "!="
                || (raw.starts_with('-') && raw[1..].starts_with(|c: char| c.is_ascii_alphabetic()))
        };
        // Bash's unary test operators (tree-sitter-bash reads others, `-y`, its own way).
        let unary = |w: &Word| {
            let raw = plain(w).as_bytes();
            raw.len() == 2 && raw[0] == b'-' && b"abcdefghknoprstuvwxzGLNORS".contains(&raw[1])
        };
        let binary = |w: &Word| {
            matches!(
                plain(w),
                "=" | "==" | "!=" | "-eq" | "-ne" | "-lt" | "-le" | "-gt" | "-ge" | "-nt" | "-ot"
            )
        };
        let operand = |w: &Word| {
            let raw = plain(w);
            !is_operator(w)
                && !has_unquoted(raw.as_bytes(), |c| {
                    !(c.is_ascii_alphanumeric() || b"_./,+-$'\"\\".contains(&c))
                })
                && (!raw.starts_with('-') || raw[1..].starts_with(|c: char| c.is_ascii_digit()))
                // (`+` and `++` alone are operators to tree-sitter-bash, and an error, and it
                // reads `+-` its own way: no operand starting with `+` is read.)
                && !raw.starts_with('+')
                // (Nor are keywords plain words there: `[ export ]`.)
                && keyword_kind(raw.as_bytes()).is_none()
        };
        let double = close == "]]";
        let shape = match words.as_slice() {
            [a] => operand(a),
            [op, a] => (unary(op) || plain(op) == "!") && operand(a),
            [a, op, b] => {
                (operand(a) && binary(op) && operand(b))
                    || (plain(a) == "!" && unary(op) && operand(b))
            }
            [not, a, op, b] => plain(not) == "!" && operand(a) && binary(op) && operand(b),
            _ => false,
        };
        // In `[[ ]]` the right side of `==` is a pattern tree-sitter-bash reads its own way.
        if !shape || (double && words.len() >= 3) {
            return Err(Unsupported(line!()));
        }
        Ok(self.push(Node::Test(words)))
    }

    fn expect_keyword(&mut self, word: &str) -> R<()> {
        if !self.at_keyword(word) {
            return Err(Unsupported(line!()));
        }
        self.i += word.len();
        Ok(())
    }

    /// Statements up to one of `end`, appended to `children`.
    fn branch(&mut self, children: &mut Vec<Child>, end: &'static [&'static str]) -> R<()> {
        let statements = self.statements(End::Keywords(end))?;
        children.extend(statements.into_iter().map(Child::Statement));
        Ok(())
    }

    fn if_clause(&mut self) -> R<Id> {
        self.i += 2;
        let mut children = Vec::new();
        self.branch(&mut children, &["then"])?;
        self.expect_keyword("then")?;
        self.branch(&mut children, &["elif", "else", "fi"])?;
        loop {
            if self.at_keyword("elif") {
                self.i += 4;
                self.branch(&mut children, &["then"])?;
                self.expect_keyword("then")?;
                self.branch(&mut children, &["elif", "else", "fi"])?;
            } else if self.at_keyword("else") {
                self.i += 4;
                self.branch(&mut children, &["fi"])?;
            } else {
                break;
            }
        }
        self.expect_keyword("fi")?;
        Ok(self.push(Node::Compound(children)))
    }

    fn while_clause(&mut self) -> R<Id> {
        self.i += 5;
        let mut children: Vec<Child> = self
            .statements(End::Keywords(&["do"]))?
            .into_iter()
            .map(Child::Statement)
            .collect();
        self.expect_keyword("do")?;
        children.extend(
            self.statements(End::Keywords(&["done"]))?
                .into_iter()
                .map(Child::Statement),
        );
        self.expect_keyword("done")?;
        Ok(self.push(Node::Compound(children)))
    }

    fn for_clause(&mut self) -> R<Id> {
        self.i += 3;
        self.skip_blank()?;
        let name_start = self.i;
        while self.peek().is_some_and(is_name_byte) {
            self.i += 1;
        }
        if self.i == name_start
            || self.b[name_start].is_ascii_digit()
            || self.peek().is_some_and(|c| !ends_word(c))
        {
            return Err(Unsupported(line!()));
        }
        let mut children = Vec::new();
        self.skip_blank()?;
        if self.at_keyword("in") {
            self.i += 2;
            let mut values = 0;
            loop {
                self.skip_blank()?;
                match self.peek() {
                    None => return Err(Unsupported(line!())),
                    Some(c) if ends_word(c) || c == b'#' || c == b'`' => break,
                    _ => {}
                }
                let word = self.argument()?;
                children.push(Child::Word(word));
                values += 1;
            }
            if values == 0 {
                return Err(Unsupported(line!()));
            }
        }
        match self.peek() {
            Some(b';' | b'\n') => self.i += 1,
            _ => return Err(Unsupported(line!())),
        }
        self.skip_space()?;
        self.expect_keyword("do")?;
        children.extend(
            self.statements(End::Keywords(&["done"]))?
                .into_iter()
                .map(Child::Statement),
        );
        self.expect_keyword("done")?;
        Ok(self.push(Node::Compound(children)))
    }

    /// `case WORD in PATTERN) ...;; esac`.
    fn case_clause(&mut self) -> R<Id> {
        self.cases += 1;
        self.case_clauses += 1;
        let case = self.case_inner();
        self.cases -= 1;
        case
    }

    fn case_inner(&mut self) -> R<Id> {
        self.i += 4;
        self.skip_blank()?;
        let mut children = vec![Child::Word(self.argument()?)];
        self.skip_space()?;
        self.expect_keyword("in")?;
        // Whether the last item read ended with `;&` or `;;&`.
        let mut fallthrough = false;
        loop {
            self.skip_space()?;
            if self.at_keyword("esac") {
                // tree-sitter-bash reads `;&` and `;;&` before `esac` as errors.
                if fallthrough {
                    return Err(Unsupported(line!()));
                }
                self.i += 4;
                // tree-sitter-bash fails on `esac|z` and `esac||z` (`esac | z` and `esac&&z`
                // are fine).
                if self.peek() == Some(b'|') {
                    return Err(Unsupported(line!()));
                }
                break;
            }
            if self.peek() == Some(b'(') {
                self.i += 1;
                self.skip_blank()?;
            }
            loop {
                children.push(Child::Word(self.case_pattern()?));
                self.skip_blank()?;
                if self.peek() == Some(b'|') {
                    self.i += 1;
                    self.skip_blank()?;
                    continue;
                }
                break;
            }
            if self.peek() != Some(b')') {
                return Err(Unsupported(line!()));
            }
            self.i += 1;
            // `b)c;;` is an error to tree-sitter-bash where `b) c;;` is not.
            if self.peek().is_some_and(|c| !c.is_ascii_whitespace()) {
                return Err(Unsupported(line!()));
            }
            self.skip_space()?;
            if !self.at_end(End::CaseItem) {
                children.extend(
                    self.statements(End::CaseItem)?
                        .into_iter()
                        .map(Child::Statement),
                );
            }
            if self.b[self.i..].starts_with(b";;&") {
                self.i += 3;
                fallthrough = true;
            } else if self.b[self.i..].starts_with(b";;") || self.b[self.i..].starts_with(b";&") {
                fallthrough = self.b[self.i + 1] == b'&';
                self.i += 2;
            } else {
                // A last item without `;;` has corners tree-sitter-bash reads as errors.
                return Err(Unsupported(line!()));
            }
            if self.peek().is_some_and(|c| !c.is_ascii_whitespace()) {
                return Err(Unsupported(line!()));
            }
        }
        Ok(self.push(Node::Compound(children)))
    }

    /// A `case` pattern: plain text with globs, or quoted text.
    fn case_pattern(&mut self) -> R<Word> {
        let start = self.i;
        loop {
            match self.peek() {
                Some(c)
                    if c.is_ascii_alphanumeric()
                        || matches!(
                            c,
                            b'_' | b'.'
                                | b'*'
                                | b'?'
                                | b'-'
                                | b'+'
                                | b'/'
                                | b':'
                                | b','
                                | b'@'
                                | b'%'
                                | b'='
                        ) =>
                {
                    self.i += 1;
                }
                Some(q @ (b'\'' | b'"')) => {
                    let Some(len) = self.b[self.i + 1..].iter().position(|&c| c == q) else {
                        return Err(Unsupported(line!()));
                    };
                    let inner = &self.b[self.i + 1..self.i + 1 + len];
                    if inner
                        .iter()
                        .any(|&c| matches!(c, b'$' | b'`' | b'\\' | b'\n'))
                    {
                        return Err(Unsupported(line!()));
                    }
                    self.i += len + 2;
                }
                _ => break,
            }
        }
        if self.i == start || self.at_keyword("esac") {
            return Err(Unsupported(line!()));
        }
        Ok(Word {
            start,
            end: self.i,
            value: String::new(),
            literal: true,
            subs: Vec::new(),
        })
    }

    /// Length of the `NAME=` or `NAME+=` at the cursor (0: not an assignment).
    fn assignment_prefix(&self) -> usize {
        let rest = &self.b[self.i..];
        if !rest
            .first()
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
        {
            return 0;
        }
        let name = rest.iter().take_while(|&&c| is_name_byte(c)).count();
        // `_=x` is a word to tree-sitter-bash's scanner.
        if name == 1 && rest[0] == b'_' {
            return 0;
        }
        match rest.get(name) {
            Some(b'=') => name + 1,
            Some(b'+') if rest.get(name + 1) == Some(&b'=') => name + 2,
            _ => 0,
        }
    }

    /// Where tree-sitter-bash's scanner looks for a variable name (the start of a command, an
    /// argument of `export`), whether it would take the word at the cursor for one: `a:b`,
    /// `x%y`, `p#q`, `-x=1`... (its `VARIABLE_NAME` logic, for words that are not assignments).
    fn variable_name_hazard(&self) -> bool {
        let b = &self.b[self.i..];
        let mut j = 0;
        if matches!(b.first(), Some(b'*' | b'@' | b'?' | b'-' | b'0' | b'_')) {
            j = 1;
            if matches!(
                b.get(1),
                Some(b'=' | b'[' | b':' | b'-' | b'%' | b'#' | b'/')
            ) {
                return false;
            }
        }
        if !b.get(j).is_some_and(|&c| is_name_byte(c)) {
            return false;
        }
        let mut is_number = true;
        while let Some(&c) = b.get(j) {
            if c.is_ascii_digit() {
                j += 1;
            } else if c.is_ascii_alphabetic() || c == b'_' {
                is_number = false;
                j += 1;
            } else {
                break;
            }
        }
        match b.get(j) {
            Some(b'+') => matches!(b.get(j + 1), Some(b'=' | b':')),
            Some(b'=' | b'[' | b':' | b'%' | b'@') => true,
            Some(b'#') => !is_number,
            Some(b'?') => b.get(j + 1).is_some_and(u8::is_ascii_alphabetic),
            _ => false,
        }
    }

    /// `NAME=value` (the cursor at `NAME`).
    fn assignment(&mut self, prefix: usize) -> R<Word> {
        let start = self.i;
        let name_len = if self.b[self.i + prefix - 2] == b'+' {
            prefix - 2
        } else {
            prefix - 1
        };
        let mut value = String::with_capacity(prefix + 8);
        value.push_str(&self.text[start..start + name_len]);
        value.push('=');
        self.i += prefix;
        let mut literal = true;
        let mut subs = Vec::new();
        match self.peek() {
            // An empty value. tree-sitter-bash reads a newline after one as a blank.
            None | Some(b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b';' | b'&') => {
                self.empty_value = true;
            }
            Some(b'(' | b')' | b'|' | b'<' | b'>' | b'#' | b'=' | b'\r') => {
                return Err(Unsupported(line!()));
            }
            Some(b'\\') if self.at(1).is_none_or(|c| c.is_ascii_whitespace()) => {
                return Err(Unsupported(line!()));
            }
            Some(_) => {
                let word = self.word(false)?;
                value.push_str(&word.value);
                literal = word.literal;
                subs = word.subs;
            }
        }
        Ok(Word {
            start,
            end: self.i,
            value,
            literal,
            subs,
        })
    }

    /// An argument (or a redirection's destination, or a `for` value).
    fn argument(&mut self) -> R<Word> {
        // (`_2>f` and the like: read oddly by tree-sitter-bash's scanner.)
        self.at_redirect()?;

        match self.peek() {
            // `=` alone is a word (PowerShell's `$x = 1`, read as a command).
            Some(b'=') if matches!(self.at(1), None | Some(b' ' | b'\t' | b'\n')) => {
                self.word(false)
            }
            // `==` and `=~` are operators of `command`; `}`, `]` and `$` alone have their own
            // tokens.
            Some(b'=' | b'}' | b']') => Err(Unsupported(line!())),
            // Inside a `case`, tree-sitter-bash's scanner takes `esac` anywhere as its end.
            _ if self.cases > 0 && self.b[self.i..].starts_with(b"esac") => {
                Err(Unsupported(line!()))
            }
            _ => self.word(false),
        }
    }

    fn simple_command(&mut self) -> R<Id> {
        let start = self.i;
        let mut items = Vec::new();
        self.empty_value = false;
        // Assignments before the name.
        loop {
            self.skip_blank()?;
            if self.at_redirect()? {
                return Err(Unsupported(line!()));
            }
            let prefix = self.assignment_prefix();
            if prefix == 0 {
                break;
            }
            let word = self.assignment(prefix)?;
            // A second assignment whose value tree-sitter-bash splits at a trailing `$`
            // (`A= x=$a-$b->f`): what follows is read its own way there.
            if !items.is_empty()
                && word.value.ends_with('$')
                && self.peek().is_some_and(is_name_byte)
            {
                return Err(Unsupported(line!()));
            }
            items.push(Item::Assignment(word));
        }
        self.skip_blank()?;
        let at_end = match self.peek() {
            None => true,
            Some(c) => ends_word(c) || c == b'#' || (c == b'`' && self.backticks > 0),
        };
        if at_end {
            // After an empty value, tree-sitter-bash reads a newline as a blank (and the next
            // line as the command).
            let save = self.i;
            self.skip_comment();
            let newline = self.peek() == Some(b'\n');
            self.i = save;
            // (Also after two assignments or more: `A=1 B=2` then a newline.)
            if items.is_empty() || ((self.empty_value || items.len() > 1) && newline) {
                return Err(Unsupported(line!()));
            }
            return Ok(self.push(Node::Assignments(items)));
        }
        // The name.
        if self.variable_name_hazard() {
            return Err(Unsupported(line!()));
        }
        if let Some(c) = self.peek()
            && (matches!(c, b'{' | b'}' | b'[' | b']' | b'=' | b'!' | b'-') || c.is_ascii_digit())
        {
            return Err(Unsupported(line!()));
        }
        // A keyword is the whole run of name bytes and `-` here (keywords are lowercase
        // letters, and one followed by such a byte is a longer word).
        let b = self.b;
        let run = b[self.i..]
            .iter()
            .take_while(|&&c| is_name_byte(c) || c == b'-')
            .count();
        let kind = keyword_kind(&b[self.i..self.i + run]);
        let delimited = self.delimits_keyword(self.i + run);
        let declaration = match kind {
            // A reserved word where a command starts is tree-sitter's keyword (or an error).
            Some(Keyword::Reserved) => return Err(Unsupported(line!())),
            Some(Keyword::Declaration) if delimited && items.is_empty() => Some(true),
            Some(Keyword::Unset) if delimited && items.is_empty() => Some(false),
            Some(_) => return Err(Unsupported(line!())),
            None => None,
        };
        let name = self.word(false)?;
        items.push(Item::Word(name));
        // The arguments.
        loop {
            self.skip_blank()?;
            match self.peek() {
                None => break,
                Some(b'`') if self.backticks > 0 => break,
                Some(c) if ends_word(c) || c == b'#' => break,
                Some(b'0'..=b'9') if self.at_redirect()? => break,
                _ => {}
            }
            if declaration == Some(true) {
                let prefix = self.assignment_prefix();
                if prefix > 0 {
                    let word = self.assignment(prefix)?;
                    items.push(Item::Word(word));
                    continue;
                }
                if self.variable_name_hazard() {
                    return Err(Unsupported(line!()));
                }
            }
            if declaration.is_some() && self.peek() == Some(b'-') {
                // Only plain options (`-x`): the scanner reads others its own way there.
                let letters = self.b[self.i + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .count();
                let after = self.b.get(self.i + 1 + letters);
                if letters == 0 || after.is_some_and(|c| !c.is_ascii_whitespace()) {
                    return Err(Unsupported(line!()));
                }
            }
            if declaration.is_some() {
                // Arguments of `export` and `unset` can be bare variable names, a token that
                // takes no concatenation: `unset x''` is `x` and `''`.
                let name = self.b[self.i..]
                    .iter()
                    .take_while(|&&c| is_name_byte(c))
                    .count();
                if name > 0
                    && self
                        .b
                        .get(self.i + name)
                        .is_some_and(|c| b"'\"`${}[]".contains(c))
                {
                    return Err(Unsupported(line!()));
                }
            }
            let word = self.argument()?;
            // After a glob argument of a declaration and a continuation right after it,
            // tree-sitter-bash reads an assignment as a plain word (`export *\<newline>E+=x`).
            if declaration == Some(true)
                && self.b[word.start..word.end]
                    .iter()
                    .any(|c| matches!(c, b'*' | b'?' | b'['))
                && self.b[self.i..].starts_with(b"\\\n")
            {
                return Err(Unsupported(line!()));
            }
            // tree-sitter-bash's scanner swallows a `-` before a redirection (`add - 2>&1`).
            if word.end == word.start + 1 && self.b[word.start] == b'-' {
                if declaration.is_some() {
                    return Err(Unsupported(line!()));
                }
                let save = self.i;
                self.skip_blank()?;
                let redirect =
                    self.peek().is_some_and(|c| c.is_ascii_digit()) && self.at_redirect()?;
                self.i = save;
                if redirect {
                    return Err(Unsupported(line!()));
                }
            }
            items.push(Item::Word(word));
        }
        let end = match items.last() {
            Some(Item::Word(w) | Item::Assignment(w)) => w.end,
            None => start,
        };
        let start = match items.first() {
            Some(Item::Word(w) | Item::Assignment(w)) => w.start,
            None => start,
        };
        Ok(self.push(Node::Command {
            declaration: declaration.is_some(),
            start,
            end,
            items,
        }))
    }

    /// Redirections after a statement, each with its destination words.
    fn redirects(&mut self) -> R<Vec<Vec<Word>>> {
        let mut out = Vec::new();
        loop {
            self.skip_blank()?;
            if !self.at_redirect()? {
                break;
            }
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.i += 1;
            }
            let rest = &self.b[self.i..];
            let op = if rest.starts_with(b"&>>") {
                3
            } else if rest.starts_with(b"<<")
                || rest.starts_with(b"<(")
                || rest.starts_with(b">(")
                || rest.starts_with(b"<>")
                || rest.starts_with(b">&-")
                || rest.starts_with(b"<&-")
            {
                return Err(Unsupported(line!()));
            } else if rest.starts_with(b">>")
                || rest.starts_with(b">&")
                || rest.starts_with(b">|")
                || rest.starts_with(b"&>")
                || rest.starts_with(b"<&")
            {
                2
            } else {
                1
            };
            self.i += op;
            let mut destination = Vec::new();
            loop {
                self.skip_blank()?;
                match self.peek() {
                    None => break,
                    Some(b'`') if self.backticks > 0 => break,
                    Some(c) if ends_word(c) || c == b'#' => break,
                    Some(b'0'..=b'9') if self.at_redirect()? => break,
                    _ => {}
                }
                destination.push(self.argument()?);
            }
            if destination.is_empty() {
                return Err(Unsupported(line!()));
            }
            out.push(destination);
        }
        Ok(out)
    }

    /// A word: plain text, quotes, expansions and substitutions with nothing between them.
    /// `test`: inside `[ ]`, where a `]` ends the test.
    fn word(&mut self, test: bool) -> R<Word> {
        let start = self.i;
        let mut value = String::new();
        let mut literal = true;
        let mut subs = Vec::new();
        // Whether the last piece was plain word text (tree-sitter-bash's `word` token).
        let mut after_plain = false;
        // Pieces so far (the children of tree-sitter-bash's `concatenation`).
        let mut pieces = 0;
        while let Some(c) = self.peek() {
            pieces += 1;
            match c {
                c if ends_word(c) => break,
                b'\r' => return Err(Unsupported(line!())),
                b'`' => {
                    if self.backticks > 0 {
                        break;
                    }
                    // A whole word only (tree-sitter-bash's scanner decides concatenations with
                    // backticks by what follows the closing one).
                    if self.i != start {
                        return Err(Unsupported(line!()));
                    }
                    self.i += 1;
                    self.enter()?;
                    self.backticks += 1;
                    let statements = self.statements(End::Backtick);
                    self.backticks -= 1;
                    self.leave();
                    let statements = statements?;
                    self.i += 1;
                    if self.peek().is_some_and(|c| !ends_word(c)) {
                        return Err(Unsupported(line!()));
                    }
                    value.push_str(&self.text[start..self.i]);
                    literal = false;
                    subs.push(statements);
                    after_plain = false;
                }
                b'\'' => {
                    let Some(len) = self.b[self.i + 1..].iter().position(|&c| c == b'\'') else {
                        return Err(Unsupported(line!()));
                    };
                    value.push_str(&self.text[self.i + 1..self.i + 1 + len]);
                    self.i += len + 2;
                    after_plain = false;
                }
                b'"' => {
                    self.double_quoted(&mut value, &mut literal, &mut subs)?;
                    after_plain = false;
                }
                b'$' => {
                    if pieces > 2 && self.trailing_dollar()? {
                        value.push('$');
                        self.i += 1;
                        break;
                    }
                    self.dollar(&mut value, &mut literal, &mut subs, false)?;
                    after_plain = false;
                }
                b'\\' if !after_plain && self.i != start => {
                    // After a quote or an expansion, `\x` is a new word unless `x` is a quote
                    // or a backslash.
                    match self.at(1) {
                        Some(b'"' | b'\'' | b'\\') => self.plain(&mut value)?,
                        _ => return Err(Unsupported(line!())),
                    }
                    after_plain = true;
                }
                b'{' | b'}' | b'[' | b']' => {
                    if test {
                        return Err(Unsupported(line!()));
                    }
                    // An opening brace or bracket ends no word well: `[ {` is one word.
                    // And a word starting `[#` goes on over a continuation in tree-sitter-bash.
                    if (c == b'{' && self.brace_expression())
                        || (matches!(c, b'{' | b'[')
                            && self
                                .at(1)
                                .is_none_or(|c| c.is_ascii_whitespace() || c == b'\\'))
                        || (c == b'[' && self.i == start && self.at(1) == Some(b'#'))
                    {
                        return Err(Unsupported(line!()));
                    }
                    value.push(char::from(c));
                    self.i += 1;
                    after_plain = false;
                }
                b'#' if self.i == start => return Err(Unsupported(line!())),
                _ => {
                    if c == b'\\' && self.at(1) == Some(b'\n') {
                        // A continuation ends the word.
                        break;
                    }
                    self.plain(&mut value)?;
                    after_plain = true;
                }
            }
        }
        if self.i == start {
            return Err(Unsupported(line!()));
        }
        // Digits right before `<` or `>` (`-y2>f`) may be read as a descriptor.
        if self.b[self.i - 1].is_ascii_digit() && matches!(self.peek(), Some(b'<' | b'>')) {
            return Err(Unsupported(line!()));
        }
        Ok(Word {
            start,
            end: self.i,
            value,
            literal,
            subs,
        })
    }

    /// Whether tree-sitter-bash reads the `$` at the cursor, after two or more pieces of a word,
    /// as the word's trailing `$` and the name after it as a new word: when the name is followed
    /// by characters that make a longer `word` token and its scanner does not take the name for
    /// a variable name (`a$b-$c.d` is `a$b-$` and `c.d`; `a$b-$c:d` is one word).
    fn trailing_dollar(&self) -> R<bool> {
        let b = &self.b[self.i + 1..];
        let extends = |k: usize| match b.get(k) {
            None => false,
            Some(b'\\') => b.get(k + 1).is_some_and(|c| !c.is_ascii_whitespace()),
            Some(&c) => !(is_blank(c) || c.is_ascii_whitespace() || SPECIAL.contains(&c)),
        };
        let Some(&first) = b.first() else {
            return Ok(false);
        };
        if !is_name_byte(first) {
            // `$@.x` and the like.
            return if SPECIAL_VARIABLES.contains(&first) && extends(1) {
                Err(Unsupported(line!()))
            } else {
                Ok(false)
            };
        }
        let n = b.iter().take_while(|&&c| is_name_byte(c)).count();
        if first.is_ascii_digit() {
            // `x$y$1`: the number wins a tie with the name.
            return Err(Unsupported(line!()));
        }
        if !extends(n) {
            return Ok(false);
        }
        if matches!(first, b'0' | b'_') {
            return Err(Unsupported(line!()));
        }
        // Where the scanner may take the name for a variable name, what it does depends on the
        // parse state. (`-` is not one of them: `x$a-$b-c` is `x$a-$` and `b-c` wherever a word
        // can be, as with `.`; checked against tree-sitter-bash in every context the reader
        // knows, and on the corpus's 409 scripts with such a word.)
        if matches!(b[n], b':' | b'%' | b'@' | b'=' | b'[' | b'#' | b'+' | b'?') {
            return Err(Unsupported(line!()));
        }
        Ok(true)
    }

    /// `{` followed by `digits..digits}`: tree-sitter-bash's brace expression.
    fn brace_expression(&self) -> bool {
        let rest = &self.b[self.i + 1..];
        let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        rest[digits..].starts_with(b"..")
    }

    /// Plain word text (tree-sitter-bash's `word` token) at the cursor; its value, escapes
    /// removed, is appended to `value`.
    fn plain(&mut self, value: &mut String) -> R<()> {
        let start = self.i;
        // A number with a base (`2#101`) is its own token.
        let rest = &self.b[self.i..];
        let sign = usize::from(rest.first() == Some(&b'-'));
        let digits = rest[sign..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits > 0 && rest.get(sign + digits) == Some(&b'#') {
            return Err(Unsupported(line!()));
        }
        let mut escaped = false;
        loop {
            // Ordinary bytes, a run at a time (most of a word).
            while self
                .b
                .get(self.i)
                .is_some_and(|&c| ORDINARY[usize::from(c)])
            {
                self.i += 1;
            }
            let Some(c) = self.peek() else {
                break;
            };
            match c {
                b'\\' => match self.at(1) {
                    None => return Err(Unsupported(line!())),
                    // `\` + newline ends the word; `\ ` continues it (but cannot start it).
                    // (Not after a piece starting `#`, as in `$x#\`: tree-sitter-bash goes on.)
                    Some(b'\n') if self.b[start] == b'#' => return Err(Unsupported(line!())),
                    // (And `a\` then `2>f` on the next line: `2` is an argument there.)
                    Some(b'\n') => {
                        let rest = &self.b[self.i + 2..];
                        let blanks = rest.iter().take_while(|&&c| is_blank(c)).count();
                        let digits = rest[blanks..]
                            .iter()
                            .take_while(|c| c.is_ascii_digit())
                            .count();
                        if digits > 0 && matches!(rest.get(blanks + digits), Some(b'<' | b'>')) {
                            return Err(Unsupported(line!()));
                        }
                        break;
                    }
                    Some(b' ') if self.i > start => {
                        escaped = true;
                        self.i += 2;
                    }
                    Some(c) if c.is_ascii_whitespace() || c == 0x0b || c == 0x0c => {
                        return Err(Unsupported(line!()));
                    }
                    Some(_) => {
                        escaped = true;
                        self.i += 1;
                        let len = utf8_len(self.b[self.i]);
                        self.i += len;
                    }
                },
                b'\'' | b'"' | b'<' | b'>' | b'{' | b'}' | b'[' | b']' | b'(' | b')' | b'`'
                | b'$' | b'|' | b'&' | b';' => break,
                c if c.is_ascii_whitespace() || c == 0x0b || c == 0x0c => break,
                c if c < 0x80 => self.i += 1,
                c => {
                    let len = utf8_len(c);
                    let ch = self.text[self.i..]
                        .chars()
                        .next()
                        .ok_or(Unsupported(line!()))?;
                    if ch.is_whitespace() || matches!(ch, '\u{2028}' | '\u{2029}' | '\u{feff}') {
                        return Err(Unsupported(line!()));
                    }
                    self.i += len;
                }
            }
        }
        if self.i == start {
            return Err(Unsupported(line!()));
        }
        let raw = &self.text[start..self.i];
        if escaped {
            value.push_str(&unescape(raw));
        } else if value.capacity() == 0 {
            // The first piece of the word (most words have one): allocated at its size.
            *value = raw.to_owned();
        } else {
            value.push_str(raw);
        }
        Ok(())
    }

    /// `"..."`: the value of its content pieces and expansions.
    fn double_quoted(
        &mut self,
        value: &mut String,
        literal: &mut bool,
        subs: &mut Vec<Vec<Id>>,
    ) -> R<()> {
        self.i += 1;
        let mut content_start = self.i;
        // Whether an expansion or a substitution was read.
        let mut expanded = false;
        loop {
            let Some(c) = self.peek() else {
                return Err(Unsupported(line!()));
            };
            match c {
                // Blanks between an expansion and the closing quote are its padding: dropped.
                b'"' if expanded && is_blank_gap(&self.b[content_start..self.i])? => {
                    self.i += 1;
                    break;
                }
                b'$' if self.i > content_start
                    && is_blank_gap(&self.b[content_start..self.i])?
                    && self
                        .at(1)
                        .is_some_and(|c| is_name_byte(c) || SPECIAL_VARIABLES.contains(&c)) =>
                {
                    // Blanks between pieces go into the `$x` after them (tree-sitter-bash's
                    // scanner skips them as padding of its token): `"$a $b"` has the pieces
                    // `$a` and ` $b`, whose value is `${ $b}`.
                    let mut piece = String::new();
                    self.dollar(&mut piece, literal, subs, true)?;
                    push_simple_expansion(value, &self.text[content_start..self.i]);
                    content_start = self.i;
                    expanded = true;
                }
                b'"' | b'$' | b'`' => {
                    if self.i > content_start {
                        push_string_content(value, &self.text[content_start..self.i]);
                    }
                    match c {
                        b'"' => {
                            self.i += 1;
                            break;
                        }
                        b'$' => {
                            self.dollar(value, literal, subs, true)?;
                            expanded = true;
                        }
                        _ => {
                            if self.backticks > 0 {
                                return Err(Unsupported(line!()));
                            }
                            let start = self.i;
                            self.i += 1;
                            self.enter()?;
                            self.backticks += 1;
                            let statements = self.statements(End::Backtick);
                            self.backticks -= 1;
                            self.leave();
                            let statements = statements?;
                            self.i += 1;
                            value.push_str(&self.text[start..self.i]);
                            *literal = false;
                            subs.push(statements);
                            expanded = true;
                        }
                    }
                    content_start = self.i;
                }
                b'\\' => match self.at(1) {
                    None | Some(b'\r') => return Err(Unsupported(line!())),
                    Some(c) => self.i += 1 + utf8_len(c),
                },
                b'\n' | b'\r' => return Err(Unsupported(line!())),
                c if c < 0x80 => self.i += 1,
                c => {
                    let ch = self.text[self.i..]
                        .chars()
                        .next()
                        .ok_or(Unsupported(line!()))?;
                    if matches!(ch, '\u{2028}' | '\u{2029}') {
                        return Err(Unsupported(line!()));
                    }
                    self.i += utf8_len(c);
                }
            }
        }
        // `""` has no piece: its value is empty, as `word_value` makes it.
        Ok(())
    }

    /// `$name`, `${...}`, `$(...)`, `$'...'` at the cursor. `quoted`: inside `"..."`.
    fn dollar(
        &mut self,
        value: &mut String,
        literal: &mut bool,
        subs: &mut Vec<Vec<Id>>,
        quoted: bool,
    ) -> R<()> {
        let start = self.i;
        match self.at(1) {
            Some(b'{') => {
                self.i += 2;
                self.expansion(quoted)?;
                value.push_str(&self.text[start..self.i]);
                *literal = false;
            }
            Some(b'(') => {
                if self.at(2) == Some(b'(') {
                    return Err(Unsupported(line!()));
                }
                self.i += 2;
                self.enter()?;
                let cases_before = self.case_clauses;
                let statements = self.statements(End::Paren);
                self.leave();
                let statements = statements?;
                self.i += 1;
                // tree-sitter-bash fails on `$(case ...)1` inside a subshell, a group or a
                // body (its `case` item's `)` confuses it): a substitution with a `case` that
                // the word goes on after is left to it.
                if self.case_clauses > cases_before
                    && self.peek().is_some_and(|c| {
                        !(is_blank(c)
                            || matches!(
                                c,
                                b'\n' | b'\r' | b';' | b'&' | b'|' | b')' | b'<' | b'>' | b'`'
                            ))
                    })
                {
                    return Err(Unsupported(line!()));
                }
                value.push_str(&self.text[start..self.i]);
                *literal = false;
                subs.push(statements);
            }
            Some(b'\'') if !quoted => {
                let Some(len) = self.b[self.i + 2..].iter().position(|&c| c == b'\'') else {
                    return Err(Unsupported(line!()));
                };
                let inner = &self.text[self.i + 2..self.i + 2 + len];
                if inner.contains('\\') {
                    return Err(Unsupported(line!()));
                }
                value.push_str(inner);
                self.i += len + 3;
            }
            Some(c) if is_name_byte(c) => {
                self.i += 1;
                while self.peek().is_some_and(is_name_byte) {
                    self.i += 1;
                }
                // tree-sitter-bash reads a name continued over `\`-newline as one, and the
                // digits of `$2>f` as a descriptor.
                if (self.peek() == Some(b'\\') && self.at(1) == Some(b'\n'))
                    || (self.b[start + 1..self.i].iter().all(u8::is_ascii_digit)
                        && matches!(self.peek(), Some(b'<' | b'>')))
                {
                    return Err(Unsupported(line!()));
                }
                push_simple_expansion(value, &self.text[start..self.i]);
                *literal = false;
            }
            Some(b'*' | b'@' | b'?' | b'!' | b'#' | b'-' | b'$') => {
                // (`$-` ending a command's name is read its own way by tree-sitter-bash, and
                // real scripts hardly use it: left to it.)
                if self.at(1) == Some(b'$') || self.at(1) == Some(b'-') {
                    return Err(Unsupported(line!()));
                }
                self.i += 2;
                if self
                    .peek()
                    .is_some_and(|c| is_name_byte(c) || c == b'{' || c == b'[')
                {
                    return Err(Unsupported(line!()));
                }
                push_simple_expansion(value, &self.text[start..self.i]);
                *literal = false;
            }
            _ => return Err(Unsupported(line!())),
        }
        Ok(())
    }

    /// The rest of `${...}` (the cursor after `${`), in the forms whose tree-sitter-bash parse is
    /// known to be clean; `quoted` inside a double-quoted string.
    fn expansion(&mut self, quoted: bool) -> R<()> {
        self.enter()?;
        let result = self.expansion_inner(quoted);
        self.leave();
        result
    }

    fn expansion_inner(&mut self, quoted: bool) -> R<()> {
        let prefixed = matches!(self.peek(), Some(b'#' | b'!'))
            && self
                .at(1)
                .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_');
        if prefixed {
            self.i += 1;
        }
        match self.peek() {
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                while self.peek().is_some_and(is_name_byte) {
                    self.i += 1;
                }
            }
            Some(c) if c.is_ascii_digit() => {
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.i += 1;
                }
            }
            Some(b'@' | b'*' | b'#' | b'?') if !prefixed && self.at(1) == Some(b'}') => {
                self.i += 1;
            }
            _ => return Err(Unsupported(line!())),
        }
        if self.peek() == Some(b'[') {
            let rest = &self.b[self.i..];
            if rest.starts_with(b"[@]") || rest.starts_with(b"[*]") {
                self.i += 3;
            } else {
                return Err(Unsupported(line!()));
            }
        }
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        if prefixed {
            return Err(Unsupported(line!()));
        }
        const OPERATORS: [&[u8]; 21] = [
            b":-", b":=", b":+", b":?", b"##", b"%%", b"//", b"/#", b"/%", b",,", b"^^", b"-",
            b"=", b"+", b"?", b"#", b"%", b"/", b":", b",", b"^",
        ];
        let rest = &self.b[self.i..];
        let Some(op) = OPERATORS.iter().find(|op| rest.starts_with(op)) else {
            return Err(Unsupported(line!()));
        };
        self.i += op.len();
        if *op == b":" {
            // `${x:1:2}`: numbers only.
            while self.peek().is_some_and(|c| c.is_ascii_digit() || c == b':') {
                self.i += 1;
            }
            if self.peek() != Some(b'}') {
                return Err(Unsupported(line!()));
            }
        }
        // Brackets of a pattern (`${v%%[a-z]*}`, `[[:alpha:]]`): a `]` that closes no `[` is an
        // error to tree-sitter-bash, so it is left to it.
        let mut brackets = 0u32;
        let operand = self.i;
        // The operators whose operand is a word (`${x:-"a b"}`), not a pattern.
        let word_operand = matches!(
            *op,
            b":-" | b":+" | b":=" | b":?" | b"-" | b"+" | b"=" | b"?"
        );
        loop {
            match self.peek() {
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                Some(b'[') => {
                    brackets += 1;
                    self.i += 1;
                }
                Some(b']') if brackets > 0 => {
                    brackets -= 1;
                    self.i += 1;
                }
                // `${x:+"..."}` outside a string, the quotes the whole operand: plain text and
                // variables in them.
                Some(b'"') if !quoted && word_operand && self.i == operand => {
                    self.expansion_string()?;
                    if self.peek() != Some(b'}') {
                        return Err(Unsupported(line!()));
                    }
                }
                Some(b'$') => self.operand_variable(quoted)?,
                Some(c)
                    if c.is_ascii_alphanumeric()
                        || matches!(
                            c,
                            b'_' | b'.'
                                | b'/'
                                | b':'
                                | b'@'
                                | b'%'
                                | b'+'
                                | b','
                                | b'-'
                                | b'='
                                | b'*'
                                | b'?'
                                | b'!'
                                | b'~'
                                | b'^'
                                | b'#'
                        ) =>
                {
                    self.i += 1;
                }
                _ => return Err(Unsupported(line!())),
            }
        }
    }

    /// `$name` or `${...}` in an expansion's operand (the cursor at `$`).
    fn operand_variable(&mut self, quoted: bool) -> R<()> {
        match self.at(1) {
            Some(b'{') => {
                self.i += 2;
                self.expansion(quoted)
            }
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                self.i += 1;
                while self.peek().is_some_and(is_name_byte) {
                    self.i += 1;
                }
                Ok(())
            }
            _ => Err(Unsupported(line!())),
        }
    }

    /// A double-quoted string in an expansion's operand (the cursor at its `"`): text,
    /// `$name` and `${...}` only.
    fn expansion_string(&mut self) -> R<()> {
        self.i += 1;
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(());
                }
                Some(b'$') => self.operand_variable(true)?,
                None | Some(b'\\' | b'`' | b'\n') => return Err(Unsupported(line!())),
                Some(_) => self.i += 1,
            }
        }
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// Whether `raw` (a word) has a byte in `set` outside quotes, expansions and substitutions.
fn has_unquoted(raw: &[u8], set: impl Fn(u8) -> bool) -> bool {
    let mut k = 0;
    let mut nested = 0u32;
    let mut quote = None;
    while k < raw.len() {
        let c = raw[k];
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(b'"'), b'\\') => k += 1,
            (Some(_), _) => {}
            (None, b'\\') => k += 1,
            (None, b'\'' | b'"') if nested == 0 => quote = Some(c),
            (None, b'$') if matches!(raw.get(k + 1), Some(b'(' | b'{')) => {
                nested += 1;
                k += 1;
            }
            (None, b'(' | b'{') if nested > 0 => nested += 1,
            (None, b')' | b'}') if nested > 0 => nested -= 1,
            (None, _) if nested == 0 && set(c) => return true,
            _ => {}
        }
        k += 1;
    }
    false
}

/// Only blanks and `\`-newline continuations (`\ ` too: tree-sitter-bash's scanner skips it,
/// which the reader does not model).
fn is_blank_gap(gap: &[u8]) -> R<bool> {
    let mut k = 0;
    while k < gap.len() {
        match gap[k] {
            b' ' | b'\t' | 0x0b | 0x0c => k += 1,
            b'\\' if gap.get(k + 1) == Some(&b'\n') => k += 2,
            b'\\' if gap.get(k + 1).is_some_and(|&c| is_blank(c)) => {
                return Err(Unsupported(line!()));
            }
            _ => return Ok(false),
        }
    }
    Ok(true)
}

/// `$x` as the view writes it: `${x}` (what `word_value` makes of a `simple_expansion`).
fn push_simple_expansion(value: &mut String, raw: &str) {
    let name = raw.trim_start_matches('$');
    value.reserve(name.len() + 3);
    value.push_str("${");
    value.push_str(name);
    value.push('}');
}

/// A `string_content` piece of a double-quoted string, escapes removed as `word_value` removes
/// them.
fn push_string_content(value: &mut String, raw: &str) {
    if raw.contains('\\') {
        value.push_str(
            &raw.replace("\\\"", "\"")
                .replace("\\\\", "\\")
                .replace("\\$", "$")
                .replace("\\`", "`"),
        );
    } else {
        value.push_str(raw);
    }
}

/// Walks the statement tree the way `Walker` walks tree-sitter's.
struct Emitter<'s> {
    source: &'s Source,
    script: &'s mut ShellScript,
    nodes: Vec<Node>,
    pipelines: Vec<Vec<usize>>,
}

impl Emitter<'_> {
    /// The [`ShellWord`] of `word` with its `value` (taken from the word when only one command
    /// has it: the statement tree is read once).
    fn shell_word(&self, word: &Word, value: String) -> ShellWord {
        ShellWord {
            range: self.source.map(word.start, word.end),
            raw: self.source.text[word.start..word.end].into(),
            value,
            literal: word.literal,
        }
    }

    fn subs(&mut self, word: &Word, depth: u32) {
        for statements in &word.subs {
            for &id in statements {
                self.statement(id, depth + 1, None, &[]);
            }
        }
    }

    /// `redirects`: the destinations of the redirected statement whose body this is.
    fn statement(&mut self, id: Id, depth: u32, pipeline: Option<usize>, redirects: &[Vec<Word>]) {
        match std::mem::replace(&mut self.nodes[id], Node::Taken) {
            Node::Command {
                declaration,
                start,
                end,
                mut items,
            } => {
                let mut command = Command {
                    range: self.source.map(start, end),
                    words: Vec::with_capacity(items.len()),
                    depth,
                    ..Command::default()
                };
                for item in &mut items {
                    match item {
                        Item::Assignment(w) if !declaration => {
                            let value = std::mem::take(&mut w.value);
                            command.assignments.push(self.shell_word(w, value));
                        }
                        Item::Assignment(w) | Item::Word(w) => {
                            let value = std::mem::take(&mut w.value);
                            command.words.push(self.shell_word(w, value));
                        }
                    }
                }
                for destination in redirects {
                    if let Some(first) = destination.first() {
                        // (Redirected statements' destinations are shared by the commands of
                        // their body, so each gets a copy of the value.)
                        command
                            .redirects
                            .push(self.shell_word(first, first.value.clone()));
                    }
                }
                let index = self.script.commands.len();
                self.script.commands.push(command);
                if let Some(p) = pipeline {
                    self.pipelines[p].push(index);
                }
                for item in &items {
                    let (Item::Assignment(w) | Item::Word(w)) = item;
                    self.subs(w, depth);
                }
            }
            Node::Assignments(items) => {
                for item in &items {
                    let (Item::Assignment(w) | Item::Word(w)) = item;
                    self.subs(w, depth);
                }
            }
            Node::Pipeline { elements, pipes } => {
                let p = self.pipelines.len();
                self.pipelines.push(Vec::new());
                for (s, e) in pipes {
                    let range: TextRange = self.source.map(s, e);
                    self.script.pipes.push(range);
                }
                for element in elements {
                    self.statement(element, depth, Some(p), &[]);
                }
            }
            Node::List(items) => {
                for item in items {
                    self.statement(item, depth, pipeline, &[]);
                }
            }
            Node::Redirected { body, redirects } => {
                self.statement(body, depth, pipeline, &redirects);
                for destination in &redirects {
                    for w in destination {
                        self.subs(w, depth);
                    }
                }
            }
            Node::Negated(body) => self.statement(body, depth, pipeline, &[]),
            Node::Subshell(statements) => {
                for s in statements {
                    self.statement(s, depth, None, &[]);
                }
            }
            Node::Compound(children) => {
                for child in children {
                    match child {
                        Child::Statement(s) => self.statement(s, depth, None, &[]),
                        Child::Word(w) => self.subs(&w, depth),
                    }
                }
            }
            Node::Test(words) => {
                for w in &words {
                    self.subs(w, depth);
                }
            }
            Node::Taken => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Engine, ShellScript, Source, parse_into};
    use drydock_text::TextSize;

    /// `keyword_kind` knows tree-sitter-bash's keywords where a command starts, and only them.
    #[test]
    fn keyword_kinds_are_the_lists() {
        use super::{Keyword, keyword_kind};
        let reserved = [
            "then", "else", "elif", "fi", "do", "done", "esac", "in", "case", "select", "function",
            "if", "while", "until", "for",
        ];
        let declarations = ["declare", "typeset", "export", "readonly", "local"];
        let unsets = ["unset", "unsetenv"];
        for (list, kind) in [
            (&reserved[..], Keyword::Reserved),
            (&declarations[..], Keyword::Declaration),
            (&unsets[..], Keyword::Unset),
        ] {
            for word in list {
                assert_eq!(keyword_kind(word.as_bytes()), Some(kind), "{word}");
                // A longer or shorter word is none of them.
                assert_eq!(keyword_kind(format!("{word}x").as_bytes()), None, "{word}x");
                assert_eq!(keyword_kind(&word.as_bytes()[1..]), None, "{word}");
            }
        }
        for other in ["", "apt-get", "echo", "If", "exports", "x"] {
            assert_eq!(keyword_kind(other.as_bytes()), None, "{other}");
        }
    }

    /// The byte tables are the sets they stand for.
    #[test]
    fn byte_tables_match_their_definitions() {
        for c in 0..=u8::MAX {
            let ends = super::is_blank(c)
                || matches!(c, b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>');
            assert_eq!(super::ends_word(c), ends, "{c:#04x}");
            let ordinary = c < 0x80
                && !c.is_ascii_whitespace()
                && !matches!(c, 0x0b | 0x0c | b'\\')
                && !super::SPECIAL.contains(&c);
            assert_eq!(super::ORDINARY[usize::from(c)], ordinary, "{c:#04x}");
        }
    }

    /// The view of `text` by the fast reader (`None` when it leaves it) and by tree-sitter-bash.
    fn both(text: &str) -> (Option<ShellScript>, ShellScript) {
        let source = Source {
            text: text.to_owned(),
            base: TextSize::new(0),
            fallback: None,
        };
        let mut fast = ShellScript::default();
        let read = super::read(&mut fast, &source);
        let mut reference = ShellScript::default();
        parse_into(&mut reference, &source, Engine::TreeSitter, false);
        // The strict reading is computed the same way by both paths.
        fast.strict = reference.strict;
        (read.then_some(fast), reference)
    }

    /// Whether the fast reader reads `text` differently from tree-sitter-bash.
    fn differs(text: &str) -> bool {
        let (fast, reference) = both(text);
        fast.is_some_and(|fast| fast != reference)
    }

    /// A smaller script on which the readers still differ (for the failure message).
    fn shrink(text: &str) -> String {
        let mut text = text.to_owned();
        loop {
            let mut changed = false;
            for size in [16, 4, 1] {
                let mut i = 0;
                while i + size <= text.len() {
                    if !text.is_char_boundary(i) || !text.is_char_boundary(i + size) {
                        i += 1;
                        continue;
                    }
                    let candidate = format!("{}{}", &text[..i], &text[i + size..]);
                    if differs(&candidate) {
                        text = candidate;
                        changed = true;
                    } else {
                        i += 1;
                    }
                }
            }
            if !changed {
                return text;
            }
        }
    }

    #[track_caller]
    fn check_generated(text: &str) -> bool {
        let (fast, reference) = both(text);
        let Some(fast) = fast else {
            return false;
        };
        if fast != reference {
            let small = shrink(text);
            let (fast, reference) = both(&small);
            panic!(
                "the readers differ on {small:?} (from {text:?}):\nfast: {fast:?}\ntree-sitter: {reference:?}"
            );
        }
        true
    }

    #[track_caller]
    fn same(text: &str) {
        let (fast, reference) = both(text);
        let fast = fast
            .unwrap_or_else(|| panic!("the fast reader left {text:?} at {:?}", super::probe(text)));
        assert_eq!(fast, reference, "{text:?}");
    }

    #[track_caller]
    fn left(text: &str) {
        let (fast, _) = both(text);
        assert!(fast.is_none(), "the fast reader read {text:?}");
    }

    #[test]
    fn reads_what_tree_sitter_reads() {
        for text in [
            "x && a | b | c && d",
            "x && a | b | c | d && e | f | g && h",
            "x || a | b | c",
            "x=1 && y z && a | b | c || d && e | f | g; z",
            "x && (a) | b | c && d",
            "y && e|d|l|q && t | (u) | v | w",
            "(y) | z && e | d | l && t",
            "case a in b) c;; esac && e | d | l && (t) && u | v | w",
            "echo $(x && a | b | c && d) && e",
            "$ErrorActionPreference = 'Stop'",
            "$a = 1; $b = 2",
            "a = b c",
            "a =",
            "a = \\\n  b",
            "a =\nb =",
            "a =\tb > =",
            "$env:PATH = 'C:\\x;{0}' -f $env:A",
            "",
            "   # only a comment",
            "apt-get update && apt-get install -y --no-install-recommends curl=8.5.0 \\\n    && rm -rf /var/lib/apt/lists/*",
            "echo \"  a\" 'b c' x=1 a\\ b \"$x\" \"${y}z\" $(ls -l | wc) && FOO=1 bar >/dev/null 2>&1",
            "FOO=bar BAZ=\"q\" cmd arg; X=1; Y=2 Z=3",
            "export A=1 B=\"$A\" C; local -r x=1; unset A B; declare -x P=$(pwd)",
            "a | b > f | c; a && b 2>&1 | c; a > f && b > g; echo a > f b c",
            "if [ -f x ]; then a; elif [ \"$y\" = z ]; then b; else c; fi > g",
            "for x in a \"b\" $c; do echo $x; done; for y; do z; done",
            "while read -r l; do z \"$l\"; done < f; until false; do :; done",
            "{ a; b; } && (c; d) || ! e",
            "f() { a \"$1\"; local x=\"$2\"; shift; b | c; }; f 1 && g",
            "curl -fL -o x ${mvnFile:+\"https://repo1.maven.org/maven2/$mvnFile\"} y && a ${x:-\"b c\"}d ${x:+\"${y}z é\"}",
            "set -eux; \\\n\tddist() { \\\n\t\tlocal f=\"$1\"; shift; \\\n\t\tcurl -fL -o \"$f\" \"$1\" && return 0; \\\n\t}; \\\n\tddist x y",
            "_update_repo() {\n  dpkg-scanpackages . > Packages;\n  apt-get -o Acquire::GzipIndexes=false update;\n}; _update_repo",
            "a && f() { b; } || c; f_2() { d | e; } | g",
            "case \"$a\" in aarch64) x=1; y ;; arm|armhf) z ;; *) echo no; exit 1 ;; esac",
            "case $x in\n  a) b\n  ;;\n  *) c ;;\nesac",
            "find . -exec chmod 644 {} \\; && find / -exec rm {} + && echo deb [arch=amd64] x a[1] {a,b}",
            "echo \"b\"\\\"c $y\\\\z",
            "echo x$y-$z x$y-$z/ a$b$c.d \"a\"$b.c x-$y.z p$q$r\"s\" p$q$r$s p/$q/$r{x}",
            "echo \"$y $x\" \"  ${x}\" \" $(a)\" \" `b`\" \"$y  ${z}\" \" $@\" \"\t$x\" \"$x \" \"   \"",
            "echo \" \\\n  $x\" \"a \\\n  $x\" \" \\\n  abc\"",
            "x | (OUT=$(apt-key add) || echo $OUT)",
            "a | b | c; d > f",
            "echo ${x##*-} ${x%%.*} ${x:-$HOME/y} ${#x} ${!x} ${x/a/b} ${@} ${1}",
            "echo $'ansi' `date` $? $# $! $@ $*",
            "[ -n \"$(id -u)\" ] && [[ -z $x ]] || [ ! -f y ] && [ \"$a\" != b ]",
            "cmd <<< \"$x\"; echo ok",
        ] {
            if text.contains("<<<") {
                left(text);
            } else {
                same(text);
            }
        }
    }

    #[test]
    fn leaves_what_it_does_not_model() {
        for text in [
            "a | b | c && d",
            "(y) && e | d | l | q && t",
            "y > x && e | d | l | q && t",
            "y | z && e | d | l | q && t",
            "(y) && e | d | l && t | u | v | w",
            "y && e | d | l | q 2>&1 && t",
            "a | b | c\nd > f",
            "a | b | c\nd",
            "unset x''",
            "x; a | b | c\nd > f",
            "apt-key add - 2>&1",
            "echo 0>f 1>g",
            "sh { { < in",
            "echo \"a\"\\; $x\\n",
            "echo p$q$r:s",
            "echo p$q$r@x",
            "echo p$q$1.x",
            "case : in a) ;& esac",
            "export *\\\nE+=x",
            "[ export ]",
            "[ +- ]",
            "[[ -y / ]]",
            "echo ${x,\"\"}",
            "echo \"${x:+\"b\"}\"",
            "echo ${x:+\"$(b)\"}",
            "case : in a) x ;;& esac",
            "f () { a; }",
            "function f { a; }",
            "f() { a; } > log",
            "f()\n{ a; }",
            "echo $((1 + 2))",
            "diff <(a) <(b)",
            "cat <<EOF\nx\nEOF",
            "echo \"a\nb\"",
            "a:b c",
            "x%y z",
            "(New-Object Net.WebClient).DownloadFile('x', 'y')",
            "echo {1..3}",
            "a;; b",
            "echo \"$ b\"",
            "echo `a`b",
            "`(a)&&x=1`",
            "echo `a || x=1 `",
        ] {
            left(text);
        }
    }

    /// A tiny deterministic generator of shell-like scripts.
    struct Gen(u64);

    /// The generator and the number of cases of a generated test, from its own seed and
    /// count unless `DRYDOCK_SHELL_SEED` or `DRYDOCK_SHELL_CASES` say otherwise.
    fn generation(seed: u64, cases: u64) -> (Gen, u64) {
        let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
        (
            Gen(env("DRYDOCK_SHELL_SEED").unwrap_or(seed) | 1),
            env("DRYDOCK_SHELL_CASES").unwrap_or(cases),
        )
    }

    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[(self.next() % items.len() as u64) as usize]
        }

        fn chance(&mut self, percent: u64) -> bool {
            self.next() % 100 < percent
        }

        fn word(&mut self, depth: u32) -> String {
            const WORDS: &[&str] = &[
                "a",
                "apt-get",
                "-y",
                "--no-install-recommends",
                "x=1",
                "/usr/bin",
                "*.txt",
                "~/x",
                "a#b",
                "1",
                "0",
                "2",
                "-",
                "--",
                "{}",
                "[x]",
                "a[1]",
                "{a,b}",
                "\\;",
                "a\\ b",
                "é",
                "'s q'",
                "\"d q\"",
                "\"$x\"",
                "\"${x}\"",
                "\"a $x b\"",
                "\" $x\"",
                "\"$x \"",
                "\"\"",
                "$x",
                "${x}",
                "${x:-y}",
                "${x##*/}",
                "$@",
                "$?",
                "$1",
                "$'ansi'",
                "a$x",
                "a$x-$y.z",
                "x\"y\"z",
                "'a'\"b\"",
                "-f",
                "=",
                "!",
                "}",
                "]",
                "\\\"q",
                "$",
                "a$",
                "\"$\"",
                "x:y",
                "%p",
                "@a",
                "_u",
                "-1",
                "1.5",
                "a,b",
                "then",
                "done",
                "fi",
                "in",
                "esac",
                "{",
                "[",
                "#c",
                "a=b=c",
                "\"a\\\"b\"",
                "\"\\$x\"",
                "$x$y",
                "${x}y$z.w",
                "$a-$b-$c",
                "x$a-$b-c",
                "a${b}-$c-d.e",
                "$x$y-z",
                "${x%%[a-z]*}",
                "${x#[[:alpha:]]}]",
                "\"${x/[ab]/c}\"",
                "\"$(c)\"",
                "${x:+\"a/$y\"}",
                "p${x:-\"${y} z\"}q",
                "\"${x:+\"a\"}\"",
            ];
            let mut w = self.pick(WORDS).to_owned();
            if depth < 2 && self.chance(8) {
                w = format!("$({})", self.statement(depth + 1));
            } else if depth < 2 && self.chance(3) {
                w = format!("\"x $({}) y\"", self.statement(depth + 1));
            } else if self.chance(10) {
                w.push_str(
                    self.pick(&["$x", "\"q\"", "'r'", "-s", ".t", "${u}", "-$v-w", "-$v:w"]),
                );
            }
            w
        }

        fn command(&mut self, depth: u32) -> String {
            let mut out = String::new();
            if self.chance(15) {
                out.push_str(self.pick(&["A=1 ", "B=$(x) ", "C=\"a b\" ", "D= ", "E+=x "]));
            }
            out.push_str(self.pick(&[
                "echo", "apt-get", "cd", "export", "local", "unset", "curl", "sh", "[", "[[", "!",
                "true", "x=1", "tar", "find", "sudo", "exec", "env",
            ]));
            for _ in 0..(self.next() % 4) {
                out.push(' ');
                out.push_str(&self.word(depth));
            }
            if out.starts_with('[') {
                out.push_str(if out.starts_with("[[") { " ]]" } else { " ]" });
            }
            if self.chance(20) {
                out.push(' ');
                out.push_str(self.pick(&[
                    "> f",
                    "2>&1",
                    ">/dev/null 2>&1",
                    ">> log",
                    "< in",
                    "&>/dev/null",
                    "2> err x",
                    "> $out",
                ]));
            }
            out
        }

        fn statement(&mut self, depth: u32) -> String {
            let mut out = if depth < 3 && self.chance(12) {
                match self.next() % 7 {
                    0 => format!("( {} )", self.list(depth + 1)),
                    6 => format!(
                        "{}{}{{ {}; }}",
                        self.pick(&["f", "_do_it2", "if", "a-b", "f1"]),
                        self.pick(&["() ", "()  ", "() \\\n  ", " () ", "()"]),
                        self.list(depth + 1)
                    ),
                    1 => format!("{{ {}; }}", self.list(depth + 1)),
                    2 => format!(
                        "if {}; then {}; else {}; fi",
                        self.command(depth),
                        self.list(depth + 1),
                        self.list(depth + 1)
                    ),
                    3 => format!(
                        "for i in {} {}; do {}; done",
                        self.word(depth),
                        self.word(depth),
                        self.list(depth + 1)
                    ),
                    4 => format!(
                        "while {}; do {}; done",
                        self.command(depth),
                        self.list(depth + 1)
                    ),
                    _ => format!(
                        "case {} in a|b) {} ;; *) {} ;; esac",
                        self.word(depth),
                        self.list(depth + 1),
                        self.command(depth)
                    ),
                }
            } else {
                self.command(depth)
            };
            while self.chance(35) {
                out.push_str(self.pick(&[" | ", " && ", " || ", " |& ", " \\\n  && ", " | \\\n "]));
                out.push_str(&self.command(depth));
            }
            if self.chance(10) {
                out.push_str(self.pick(&[" > f", " 2>&1", " < in"]));
            }
            out
        }

        fn list(&mut self, depth: u32) -> String {
            let mut out = self.statement(depth);
            while self.chance(40) {
                out.push_str(self.pick(&["; ", " & ", "\n", " # c\n", ";\n  ", " \\\n ; "]));
                out.push_str(&self.statement(depth));
            }
            out
        }
    }

    /// On `&&`/`||` lists of pipelines of up to five commands of every kind (where
    /// tree-sitter-bash's reading of a long pipeline depends on what comes before it), whatever
    /// the fast reader reads, it reads as tree-sitter-bash does; and it reads some lists with
    /// long pipelines.
    #[test]
    fn lists_with_long_pipelines_read_the_same() {
        const ELEMENTS: &[&str] = &[
            "a", "b c", "x=1", "(d)", "{ e; }", "! f", "g > h", "[ i ]", "j 2>&1", "k $(l)",
        ];
        // `DRYDOCK_SHELL_CASES=N` runs more (and `DRYDOCK_SHELL_SEED` other) lists.
        let (mut generator, cases) = generation(0x51_7cc1_b727_220b, 20_000);
        let (mut read, mut long) = (0u64, 0u64);
        for _ in 0..cases {
            let mut text = String::new();
            let mut has_long = false;
            for item in 0..=(generator.next() % 4) {
                if item > 0 {
                    text.push_str(generator.pick(&[" && ", " || "]));
                }
                let length = 1 + generator.next() % 5;
                has_long |= length >= 3;
                for element in 0..length {
                    if element > 0 {
                        text.push_str(" | ");
                    }
                    text.push_str(generator.pick(ELEMENTS));
                }
            }
            if generator.chance(20) {
                text.push_str(generator.pick(&["; z", "\nz", " &", " > f"]));
            }
            if check_generated(&text) {
                read += 1;
                long += u64::from(has_long);
            }
        }
        assert!(
            read * 4 > cases && long * 10 > cases,
            "read {read} of {cases}, {long} with long pipelines"
        );
    }

    /// On long `&&`/`||` lists with a redirection after many of their items (each wraps the
    /// list before it: `(a && b > f) && c > g`), whatever the fast reader reads, it reads as
    /// tree-sitter-bash does; and it reads lists with more than eight such wraps (the limit it
    /// once had) up to its nesting limit.
    #[test]
    fn long_redirected_lists_read_the_same() {
        const ITEMS: &[&str] = &["a", "b c", "d | e", "(f)", "{ g; }", "echo x=1", "! h"];
        const REDIRECTS: &[&str] = &[" > f", " 2>&1", " >> /l", " < in", " 2>/dev/null", " &> o"];
        // `DRYDOCK_SHELL_CASES=N` runs more (and `DRYDOCK_SHELL_SEED` other) lists.
        let (mut generator, cases) = generation(0x2545_f491_4f6c_dd1d, 3_000);
        let (mut deep, mut deepest) = (0u64, 0u32);
        for _ in 0..cases {
            let mut text = String::new();
            let mut wraps = 0;
            for item in 0..1 + generator.next() % 70 {
                if item > 0 {
                    text.push_str(generator.pick(&[" && ", " || ", " \\\n  && "]));
                }
                text.push_str(generator.pick(ITEMS));
                if generator.chance(60) {
                    text.push_str(generator.pick(REDIRECTS));
                    wraps += 1;
                }
            }
            if check_generated(&text) && wraps > 8 {
                deep += 1;
                deepest = deepest.max(wraps);
            }
        }
        assert!(
            deep * 5 > cases && deepest > 30,
            "read {deep} of {cases} with more than eight wraps (at most {deepest})"
        );
    }

    /// On generated scripts, whatever the fast reader reads, it reads as tree-sitter-bash does.
    #[test]
    fn generated_scripts_read_the_same() {
        // `DRYDOCK_SHELL_CASES=N` runs more (and `DRYDOCK_SHELL_SEED` other) scripts.
        let (mut generator, cases) = generation(0x9e37_79b9_7f4a_7c15, 20_000);
        let (mut read, mut total) = (0, 0);
        for _ in 0..cases {
            let text = generator.list(0);
            total += 1;
            read += usize::from(check_generated(&text));
        }
        // The generator must exercise the reader, not only its refusals.
        assert!(
            read * 4 > total,
            "the fast reader read only {read} of {total} scripts"
        );
    }

    /// Generated scripts with a few bytes changed: the reader's refusals must cover the
    /// corners next to what it reads.
    #[test]
    fn mutated_scripts_read_the_same() {
        const BYTES: &[u8] = b" \n;&|$\"'\\{}()#=-a1*[]<>`!\t:%@_/.~+,?^";
        let (mut generator, cases) = generation(0x2545_f491_4f6c_dd1d, 20_000);
        let (mut read, mut total) = (0, 0);
        for _ in 0..cases {
            let mut bytes = generator.list(0).into_bytes();
            for _ in 0..=(generator.next() % 3) {
                let at = (generator.next() as usize) % (bytes.len() + 1);
                let byte = BYTES[(generator.next() as usize) % BYTES.len()];
                match generator.next() % 3 {
                    0 => bytes.insert(at, byte),
                    1 if at < bytes.len() => bytes[at] = byte,
                    _ if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    _ => {}
                }
            }
            let Ok(text) = String::from_utf8(bytes) else {
                continue;
            };
            total += 1;
            read += usize::from(check_generated(&text));
        }
        assert!(
            read * 5 > total,
            "the fast reader read only {read} of {total} scripts"
        );
    }
}
