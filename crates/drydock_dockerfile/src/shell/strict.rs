//! Where a strict shell parser stops reading a script.
//!
//! tree-sitter-bash recovers from syntax errors and finds commands on both sides of them. A strict
//! parser, such as ShellCheck's (the one hadolint reads `RUN` with), does not. ShellCheck reads
//! the top-level command list for as long as it is valid, and then:
//!
//! - when the next token cannot continue the list and everything before it is complete (a stray
//!   `}`, `fi` or `;;`, a `(` where an argument is expected, a word right after a `( ... )`
//!   group, a command starting with `&`), it stops there and keeps the commands it read;
//! - when a construct it has started is invalid or never closed (an unclosed quote or block, a
//!   `[` glued to a word where a command starts, like PowerShell's `[Type]::Member`, a function
//!   definition without a body, nothing after `&&`), it rejects the whole script.
//!
//! This module follows ShellCheck's grammar at the level of tokens: quotes, substitutions and
//! `[[ ]]` are skipped as units, blocks (`( )`, `{ }`, `if`, loops, `case`) are tracked on a
//! stack, and the places where ShellCheck's parser stops or fails are recognised. It is not a
//! full parser: a script with an error it does not model reads as complete (drydock then keeps
//! every command, as it would without this module). On the shared corpus it agrees with
//! ShellCheck 0.11 (hadolint 2.15.1's) on every shell-form `RUN`: where reading stops, to the
//! byte, and which scripts are rejected.

/// How a strict parser reads a script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    /// The whole script is read.
    Complete,
    /// Reading stops at this byte offset of the script; the commands before it are read.
    StopsAt(usize),
    /// The script is rejected: no command is read.
    Rejected,
}

/// An open block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Block {
    Paren,
    Brace,
    If,
    Loop,
    Case,
}

/// Where the scanner is in the grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Where a command may start; `required` after `&&`, `||`, `|`, `!` and a function header,
    /// where one must.
    Start { required: bool },
    /// Inside a simple command, after its first word (or a redirection).
    Args,
    /// Right after a compound command (`( )`, `{ }`, `fi`, `done`, `esac`, `[[ ]]`, `(( ))`).
    After,
    /// In the header of a `for` or `select` loop, before `;`, a newline or `do`.
    LoopHeader,
    /// After `case`: before the subject, then before `in`.
    CaseHeader { subject: bool },
}

/// Reads `text` (the script; `\` + newline is a line continuation) as ShellCheck would.
pub(super) fn outcome(text: &str) -> Outcome {
    match scan(text.as_bytes()) {
        Scan::End => Outcome::Complete,
        Scan::Stop(at) => Outcome::StopsAt(at),
        Scan::Rejected => Outcome::Rejected,
    }
}

/// What the token scan found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scan {
    /// Nothing wrong up to the end.
    End,
    /// The top-level list cannot continue at this offset (everything before is complete).
    Stop(usize),
    /// A construct is invalid or unclosed.
    Rejected,
}

fn scan(b: &[u8]) -> Scan {
    let mut stack: Vec<Block> = Vec::new();
    let mut mode = Mode::Start { required: false };
    let mut i = 0;
    // The list cannot continue at `at`: a stop at the top level, an error inside a block or
    // where a command is required.
    let stop = |at: usize, stack: &[Block], mode: Mode| {
        if stack.is_empty() && mode != (Mode::Start { required: true }) {
            Scan::Stop(at)
        } else {
            Scan::Rejected
        }
    };
    loop {
        i = skip_blank(b, i);
        let Some(&c) = b.get(i) else {
            break;
        };
        match c {
            b'#' => {
                while i < b.len() && !is_line_end(b, i) {
                    i += 1;
                }
            }
            b'\n' => {
                if matches!(mode, Mode::Args | Mode::After | Mode::LoopHeader) {
                    mode = Mode::Start { required: false };
                }
                i += 1;
            }
            b'&' if b.get(i + 1) == Some(&b'>') => {
                let Some(end) = redirect(b, i) else {
                    return Scan::Rejected;
                };
                mode = after_redirect(mode);
                i = end;
            }
            b';' | b'&' | b'|' => {
                let op = operator(b, i);
                let at_start = matches!(mode, Mode::Start { .. });
                match op {
                    b";;" | b";&" | b";;&" => {
                        if stack.last() != Some(&Block::Case)
                            || mode == (Mode::Start { required: true })
                        {
                            return stop(i, &stack, mode);
                        }
                        match case_item(b, i + op.len()) {
                            Some((end, esac)) => {
                                if esac {
                                    stack.pop();
                                    mode = Mode::After;
                                } else {
                                    mode = Mode::Start { required: false };
                                }
                                i = end;
                                continue;
                            }
                            None => return Scan::Rejected,
                        }
                    }
                    b";" | b"&" => {
                        if at_start {
                            return stop(i, &stack, mode);
                        }
                        mode = Mode::Start { required: false };
                    }
                    _ => {
                        if at_start {
                            return stop(i, &stack, mode);
                        }
                        mode = Mode::Start { required: true };
                    }
                }
                i += op.len();
            }
            b'(' => match mode {
                Mode::Start { .. } if b.get(i + 1) == Some(&b'(') => {
                    // `(( arithmetic ))`
                    let Some(end) = skip_group(b, i + 1) else {
                        return Scan::Rejected;
                    };
                    mode = Mode::After;
                    i = end;
                }
                Mode::Start { .. } => {
                    stack.push(Block::Paren);
                    mode = Mode::Start { required: false };
                    i += 1;
                }
                Mode::LoopHeader => {
                    // `for (( ; ; ))`
                    let Some(end) = skip_group(b, i + 1) else {
                        return Scan::Rejected;
                    };
                    i = end;
                }
                // Where an argument is expected (SC1088), or after a compound command.
                _ => return stop(i, &stack, mode),
            },
            b')' => {
                if stack.last() == Some(&Block::Paren) && mode != (Mode::Start { required: true }) {
                    stack.pop();
                    mode = Mode::After;
                    i += 1;
                } else {
                    return stop(i, &stack, mode);
                }
            }
            b'<' | b'>' if b.get(i + 1) == Some(&b'(') => {
                // `<( process substitution )` is a word.
                let Some(end) = skip_substitution(b, i + 2) else {
                    return Scan::Rejected;
                };
                match mode {
                    Mode::Start { .. } | Mode::Args => mode = Mode::Args,
                    Mode::After => return stop(i, &stack, mode),
                    Mode::LoopHeader | Mode::CaseHeader { .. } => {}
                }
                i = end;
            }
            _ if is_redirect_start(b, i) => {
                let Some(end) = redirect(b, i) else {
                    return Scan::Rejected;
                };
                mode = after_redirect(mode);
                i = end;
            }
            _ => {
                if matches!(mode, Mode::Start { .. })
                    && let Some(end) =
                        function_header(b, i).and_then(|paren| function_parens(b, paren))
                {
                    // `name ( ... )`, then the body, which must be a `{ }` or `( )` group.
                    let body = skip_spacing(b, end);
                    if !matches!(b.get(body), Some(b'{' | b'(')) {
                        return Scan::Rejected;
                    }
                    mode = Mode::Start { required: true };
                    i = body;
                    continue;
                }
                let Some(end) = read_word(b, i) else {
                    return Scan::Rejected;
                };
                let end = end.max(i + 1);
                let word = &b[i..end];
                match mode {
                    Mode::Start { .. } | Mode::After => match reserved(word, &mut stack, mode) {
                        Reserved::Next(next) => mode = next,
                        // A stray closer, or a word right after a compound command (SC1141).
                        Reserved::Misplaced => return stop(i, &stack, mode),
                        Reserved::No if word == b"[[" => {
                            let Some(close) = skip_double_bracket(b, end) else {
                                return Scan::Rejected;
                            };
                            mode = Mode::After;
                            i = close;
                            continue;
                        }
                        Reserved::No if word == b"function" => {
                            let Some(body) = function_keyword(b, end) else {
                                return Scan::Rejected;
                            };
                            mode = Mode::Start { required: true };
                            i = body;
                            continue;
                        }
                        // `[Type]::Member`: ShellCheck reads a `[ ]` test, which wants a space.
                        Reserved::No if word.len() > 1 && word[0] == b'[' => return Scan::Rejected,
                        Reserved::No => mode = Mode::Args,
                    },
                    Mode::Args => {}
                    Mode::LoopHeader => {
                        if word == b"do" {
                            mode = Mode::Start { required: false };
                        }
                    }
                    Mode::CaseHeader { subject: false } => {
                        mode = Mode::CaseHeader { subject: true }
                    }
                    Mode::CaseHeader { subject: true } => {
                        if word != b"in" {
                            return Scan::Rejected;
                        }
                        match case_item(b, end) {
                            Some((close, esac)) => {
                                if esac {
                                    stack.pop();
                                    mode = Mode::After;
                                } else {
                                    mode = Mode::Start { required: false };
                                }
                                i = close;
                                continue;
                            }
                            None => return Scan::Rejected,
                        }
                    }
                }
                i = end;
            }
        }
    }
    if !stack.is_empty()
        || matches!(
            mode,
            Mode::Start { required: true } | Mode::LoopHeader | Mode::CaseHeader { .. }
        )
    {
        return Scan::Rejected;
    }
    Scan::End
}

/// What a word where a command starts (or right after a compound command) is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reserved {
    /// A reserved word that fits here; the next mode (the block stack is updated).
    Next(Mode),
    /// A reserved word that closes or continues a block that is not the open one, or any word
    /// right after a compound command: the list cannot continue here.
    Misplaced,
    /// Not a reserved word.
    No,
}

/// Classifies `word` where a command starts (`mode` is `Start`) or right after a compound
/// command (`mode` is `After`, where only the words continuing the open block fit).
fn reserved(word: &[u8], stack: &mut Vec<Block>, mode: Mode) -> Reserved {
    let start = Mode::Start { required: false };
    let top = stack.last().copied();
    match word {
        b"then" | b"else" | b"elif" if top == Some(Block::If) => Reserved::Next(start),
        b"do" if top == Some(Block::Loop) => Reserved::Next(start),
        b"fi" if top == Some(Block::If) => {
            stack.pop();
            Reserved::Next(Mode::After)
        }
        b"done" if top == Some(Block::Loop) => {
            stack.pop();
            Reserved::Next(Mode::After)
        }
        b"esac" if top == Some(Block::Case) => {
            stack.pop();
            Reserved::Next(Mode::After)
        }
        b"}" if top == Some(Block::Brace) => {
            stack.pop();
            Reserved::Next(Mode::After)
        }
        _ if mode == Mode::After => Reserved::Misplaced,
        b"then" | b"else" | b"elif" | b"do" | b"fi" | b"done" | b"esac" | b"}" => {
            Reserved::Misplaced
        }
        b"if" => {
            stack.push(Block::If);
            Reserved::Next(start)
        }
        b"while" | b"until" => {
            stack.push(Block::Loop);
            Reserved::Next(start)
        }
        b"for" | b"select" => {
            stack.push(Block::Loop);
            Reserved::Next(Mode::LoopHeader)
        }
        b"case" => {
            stack.push(Block::Case);
            Reserved::Next(Mode::CaseHeader { subject: false })
        }
        b"{" => {
            stack.push(Block::Brace);
            Reserved::Next(start)
        }
        b"!" | b"time" => Reserved::Next(Mode::Start { required: true }),
        _ => Reserved::No,
    }
}

/// The mode after a redirection.
fn after_redirect(mode: Mode) -> Mode {
    match mode {
        // `> file cmd`: the command name may still come, but no reserved word.
        Mode::Start { .. } => Mode::Args,
        other => other,
    }
}

/// `;;&`, `;;`, `;&`, `;`, `&&`, `&`, `||`, `|&` or `|` at `i`.
fn operator(b: &[u8], i: usize) -> &'static [u8] {
    const OPS: [&[u8]; 9] = [b";;&", b";;", b";&", b";", b"&&", b"||", b"|&", b"&", b"|"];
    OPS.iter()
        .copied()
        .find(|op| b[i..].starts_with(op))
        .unwrap_or(b";")
}

/// Whether a redirection starts at `i` (`>`, `<`, or a file descriptor number before one).
fn is_redirect_start(b: &[u8], i: usize) -> bool {
    let mut j = i;
    while j < b.len() && b[j].is_ascii_digit() {
        j += 1;
    }
    matches!(b.get(j), Some(b'<' | b'>'))
}

/// Skips a redirection (operator and target) starting at `i`; `None` when the target is missing.
fn redirect(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    while j < b.len() && b[j].is_ascii_digit() {
        j += 1;
    }
    const OPS: [&[u8]; 12] = [
        b"&>>", b"&>", b"<<<", b"<<-", b"<<", b"<>", b"<&", b">>", b">&", b">|", b"<", b">",
    ];
    let op = OPS.iter().find(|op| b[j..].starts_with(op))?;
    j = skip_blank(b, j + op.len());
    match b.get(j) {
        Some(b'(') | Some(b')') | Some(b';') | Some(b'&') | Some(b'|') | Some(b'<')
        | Some(b'>') | Some(b'\n') | None => None,
        _ => read_word(b, j),
    }
}

/// Skips blanks and line continuations.
fn skip_blank(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\r' => i += 1,
            b'\\' if b.get(i + 1) == Some(&b'\n') => i += 2,
            _ => break,
        }
    }
    i
}

/// Skips blanks, newlines and comments.
fn skip_spacing(b: &[u8], mut i: usize) -> usize {
    loop {
        i = skip_blank(b, i);
        match b.get(i) {
            Some(b'\n') => i += 1,
            Some(b'#') => {
                while i < b.len() && !is_line_end(b, i) {
                    i += 1;
                }
            }
            _ => return i,
        }
    }
}

/// Whether `b[i]` is a newline that ends a line (not one a `\` continues).
fn is_line_end(b: &[u8], i: usize) -> bool {
    if b[i] != b'\n' {
        return false;
    }
    let backslashes = b[..i].iter().rev().take_while(|&&c| c == b'\\').count();
    backslashes % 2 == 0
}

/// The end of the word starting at `i`; `None` when a quote or substitution in it is unclosed.
fn read_word(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    while j < b.len() {
        // Most bytes of a word are none of those below.
        if WORD_BYTES[usize::from(b[j])] {
            j += 1;
            continue;
        }
        match b[j] {
            b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b')' => break,
            // Extended globs `@( )`, `!( )`... and array assignments `a=( )`.
            b'(' if j > i && matches!(b[j - 1], b'@' | b'!' | b'+' | b'*' | b'?' | b'=') => {
                j = skip_group(b, j + 1)?;
            }
            b'(' => break,
            b'\\' if b.get(j + 1) == Some(&b'\n') => break,
            b'\\' => j = (j + 2).min(b.len()),
            b'\'' => j = skip_single(b, j + 1)?,
            b'"' => j = skip_double(b, j + 1)?,
            b'`' => j = skip_backticks(b, j + 1)?,
            b'$' => match b.get(j + 1) {
                Some(b'(') => j = skip_substitution(b, j + 2)?,
                Some(b'{') => j = skip_braces(b, j + 2)?,
                Some(b'\'') => j = skip_ansi(b, j + 2)?,
                Some(b'"') => j = skip_double(b, j + 2)?,
                _ => j += 1,
            },
            _ => j += 1,
        }
    }
    Some(j)
}

/// The bytes [`read_word`] steps over one by one: all but blanks, operators, parentheses,
/// quotes, `\\`, `` ` `` and `$`.
const WORD_BYTES: [bool; 256] = super::byte_table(b" \t\r\n;&|<>()\\'\"`$", false);

/// The bytes ShellCheck's function names are made of (`functionChars`; a name may not start
/// with `#`).
const FUNCTION_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        table[c] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'_' | b':' | b'+' | b'?' | b'-' | b'.' | b'/' | b'^' | b'@' | b',' | b'#'
            );
        c += 1;
    }
    table
};

/// After an opening `'`: the offset after the closing one.
fn skip_single(b: &[u8], j: usize) -> Option<usize> {
    let close = b.get(j..)?.iter().position(|&c| c == b'\'')?;
    Some(j + close + 1)
}

/// After an opening `"`: the offset after the closing one.
fn skip_double(b: &[u8], mut j: usize) -> Option<usize> {
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            b'`' => j = skip_backticks(b, j + 1)?,
            b'$' if b.get(j + 1) == Some(&b'(') => j = skip_substitution(b, j + 2)?,
            b'$' if b.get(j + 1) == Some(&b'{') => j = skip_braces(b, j + 2)?,
            _ => j += 1,
        }
    }
    None
}

/// After an opening `` ` ``: the offset after the closing one.
fn skip_backticks(b: &[u8], mut j: usize) -> Option<usize> {
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'`' => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

/// After `$'`: the offset after the closing `'`.
fn skip_ansi(b: &[u8], mut j: usize) -> Option<usize> {
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'\'' => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

/// After the `(` of a command or process substitution (`$(`, `<(`, `>(`): the offset after
/// the `)` that closes it. The commands in it are scanned as a script, which ends at a `)` it
/// cannot take: so a `case` pattern's `)` (`$(case $x in a) ...;; esac)`) or one in a comment
/// does not close it, as in bash and ShellCheck. Commands read to the end of the script leave
/// it unclosed (`None`); when the scan stops elsewhere or rejects them, the parentheses are
/// counted instead (as they were before the scan was used here), as they are for substitutions
/// nested deeper than [`MAX_SCANNED_DEPTH`] (each level of scanning is a level of recursion).
fn skip_substitution(b: &[u8], j: usize) -> Option<usize> {
    thread_local! {
        static DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }
    let rest = b.get(j..)?;
    let depth = DEPTH.get();
    if depth >= MAX_SCANNED_DEPTH {
        return skip_group(b, j);
    }
    DEPTH.set(depth + 1);
    let scanned = scan(rest);
    DEPTH.set(depth);
    match scanned {
        Scan::Stop(at) if rest[at] == b')' => Some(j + at + 1),
        Scan::End => None,
        _ => skip_group(b, j),
    }
}

/// How deep substitutions are scanned as scripts; deeper ones have their parentheses counted.
const MAX_SCANNED_DEPTH: usize = 16;

/// After an opening `(`: the offset after the matching `)`.
fn skip_group(b: &[u8], mut j: usize) -> Option<usize> {
    let mut depth = 1usize;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'\'' => j = skip_single(b, j + 1)?,
            b'"' => j = skip_double(b, j + 1)?,
            b'`' => j = skip_backticks(b, j + 1)?,
            b'(' => {
                depth += 1;
                j += 1;
            }
            b')' => {
                depth -= 1;
                j += 1;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => j += 1,
        }
    }
    None
}

/// After `${`: the offset after the matching `}`.
fn skip_braces(b: &[u8], mut j: usize) -> Option<usize> {
    let mut depth = 1usize;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'\'' => j = skip_single(b, j + 1)?,
            b'"' => j = skip_double(b, j + 1)?,
            b'$' if b.get(j + 1) == Some(&b'(') => j = skip_substitution(b, j + 2)?,
            b'{' => {
                depth += 1;
                j += 1;
            }
            b'}' => {
                depth -= 1;
                j += 1;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => j += 1,
        }
    }
    None
}

/// After `[[`: the offset after the closing `]]`.
fn skip_double_bracket(b: &[u8], mut j: usize) -> Option<usize> {
    loop {
        j = skip_spacing(b, j);
        match b.get(j)? {
            b'(' | b')' | b'<' | b'>' | b'&' | b'|' | b'!' | b';' => j += 1,
            _ => {
                let end = read_word(b, j)?;
                if &b[j..end] == b"]]" {
                    return Some(end);
                }
                j = end.max(j + 1);
            }
        }
    }
}

/// A `case` item from `i` (after `in` or `;;`): `(Some(end), false)` after its pattern's `)`, or
/// `(end, true)` after `esac`; `None` when neither comes.
fn case_item(b: &[u8], i: usize) -> Option<(usize, bool)> {
    let mut j = skip_spacing(b, i);
    if b[j..].starts_with(b"esac") && read_word(b, j) == Some(j + 4) {
        return Some((j + 4, true));
    }
    if b.get(j) == Some(&b'(') {
        j += 1;
    }
    loop {
        j = skip_blank(b, j);
        match b.get(j)? {
            b')' => return Some((j + 1, false)),
            b'|' => j += 1,
            _ => {
                let end = read_word(b, j)?;
                if end == j {
                    return None;
                }
                j = end;
            }
        }
    }
}

/// Where a command starts at `i`: the offset of the `(` when a function name and a `(` come
/// first, as ShellCheck tries a function definition `name ( ... )` before a simple command
/// (`functionStartChars`, then `functionChars`, blanks, `(`). The name may be glued to the `(`
/// (`@(`, `f()`).
fn function_header(b: &[u8], i: usize) -> Option<usize> {
    let first = *b.get(i)?;
    if !FUNCTION_BYTES[usize::from(first)] || first == b'#' {
        return None;
    }
    let mut j = i + 1;
    while j < b.len() && FUNCTION_BYTES[usize::from(b[j])] {
        j += 1;
    }
    // Reserved words start their own compound commands (`if (...)` is not a function).
    if matches!(
        &b[i..j],
        b"time"
            | b"if"
            | b"then"
            | b"else"
            | b"elif"
            | b"fi"
            | b"while"
            | b"until"
            | b"for"
            | b"select"
            | b"do"
            | b"done"
            | b"case"
            | b"esac"
            | b"function"
    ) {
        return None;
    }
    let paren = skip_blank(b, j);
    (b.get(paren) == Some(&b'(')).then_some(paren)
}

/// At the `(` after a function name: the offset after the parameter list, when ShellCheck reads
/// one (`()`, or anything up to a `)` before a newline or `{`); when it does not, the command is
/// not a function definition after all.
fn function_parens(b: &[u8], open: usize) -> Option<usize> {
    let mut j = skip_blank(b, open + 1);
    while j < b.len() && !matches!(b[j], b')' | b'{') && !is_line_end(b, j) {
        j += 1;
    }
    (b.get(j) == Some(&b')')).then_some(j + 1)
}

/// After the `function` keyword: the offset of the body's `{` or `(`, or `None` when the
/// definition is invalid.
fn function_keyword(b: &[u8], i: usize) -> Option<usize> {
    let name = skip_blank(b, i);
    let mut j = read_word(b, name)?;
    if j == name {
        return None;
    }
    let after = skip_blank(b, j);
    if b.get(after) == Some(&b'(') {
        j = function_parens(b, after)?;
    }
    let body = skip_spacing(b, j);
    matches!(b.get(body), Some(b'{' | b'(')).then_some(body)
}

#[cfg(test)]
mod tests {
    use super::{FUNCTION_BYTES, MAX_SCANNED_DEPTH, Scan, WORD_BYTES, scan};

    /// The byte tables are the byte classes they stand for, on every byte.
    #[test]
    fn byte_tables_are_their_classes() {
        for b in 0..=255u8 {
            let special = b" \t\r\n;&|<>()\\'\"`$".contains(&b);
            assert_eq!(WORD_BYTES[usize::from(b)], !special, "{b}");
            let function = b.is_ascii_alphanumeric() || b == b'_' || b":+?-./^@,#".contains(&b);
            assert_eq!(FUNCTION_BYTES[usize::from(b)], function, "{b}");
        }
    }

    fn stop_at(script: &str) -> Option<&str> {
        match scan(script.as_bytes()) {
            Scan::Stop(at) => Some(&script[at..]),
            _ => None,
        }
    }

    #[test]
    fn valid_scripts_read_to_the_end() {
        for script in [
            "apt-get update && apt-get install -y curl | tee log",
            "if [ -f a ]; then echo a; elif b; then c; else d; fi > out",
            "for x in a b; do echo \"$x\"; done; while true; do break; done",
            "case \"$x\" in a|b) echo;; (c) d ;; *) ;; esac",
            "f() { echo; }; function g { echo; }; ( cd x ) && { y; }",
            "a=(1 2); echo @(x|y) $((1 + 2)) $(echo ')') <(true) 2>&1",
            "[[ ( -f a ) && -f b ]] && (( x > 1 ))",
            "echo a \\\n  && echo b # a comment ) }\n",
            "if a; then ( b ) \\\n else c; fi",
        ] {
            assert_eq!(scan(script.as_bytes()), Scan::End, "{script}");
        }
    }

    /// A `case` in a command or process substitution: its patterns' `)` do not close the
    /// substitution (ShellCheck 0.11 reads each of these whole).
    #[test]
    fn case_patterns_inside_substitutions() {
        for script in [
            "env $(case 2 in a|b) env \"\" done a ;; *) tar ;; esac) && apt-get install foo",
            "x=$(case $y in (a) echo;; b) echo;; esac); echo \"$x\"",
            "echo \"$(case a in a) echo;; esac)\" && b",
            "cat <(case a in a) echo;; esac) >(case b in b) cat;; esac)",
            "echo ${x:-$(case a in a) echo;; esac)}",
            "echo $(echo a # not the end )\n) b",
            "echo $( (echo a) ) $((1 + (2))) $(echo \")\")",
        ] {
            assert_eq!(scan(script.as_bytes()), Scan::End, "{script}");
        }
        // Still unclosed, still rejected.
        assert_eq!(scan(b"echo $(case a in a) echo;; esac"), Scan::Rejected);
        assert_eq!(scan(b"echo $(echo a"), Scan::Rejected);
        // Deep nesting is bounded (counted past MAX_SCANNED_DEPTH levels), not recursed into.
        for depth in [MAX_SCANNED_DEPTH, 200_000] {
            let deep = format!("echo {}a{} b", "$(".repeat(depth), ")".repeat(depth));
            assert_eq!(scan(deep.as_bytes()), Scan::End, "{depth}");
            let open = format!("echo {}a", "$(".repeat(depth));
            assert_eq!(scan(open.as_bytes()), Scan::Rejected, "{depth}");
        }
    }

    #[test]
    fn stops_where_the_list_cannot_continue() {
        assert_eq!(stop_at("echo a; fi; echo b"), Some("fi; echo b"));
        assert_eq!(stop_at("echo a ; } ; b"), Some("} ; b"));
        assert_eq!(stop_at("echo a;; b"), Some(";; b"));
        assert_eq!(
            stop_at("Write-Host -NoNewLine ('x {0}' -f $y)"),
            Some("('x {0}' -f $y)")
        );
        assert_eq!(stop_at("$url = ('a' -f $b); c"), Some("('a' -f $b); c"));
        assert_eq!(
            stop_at("(New-Object Net.WebClient).DownloadFile('u', $f)"),
            Some(".DownloadFile('u', $f)")
        );
        assert_eq!(stop_at("a; & b"), Some("& b"));
        // `name (` is a function definition only when a `)` comes before a newline or `{`.
        assert_eq!(
            stop_at("Write-Host ('Downloading {0}' -f $v)"),
            Some("('Downloading {0}' -f $v)")
        );
    }

    #[test]
    fn rejects_invalid_constructs() {
        for script in [
            "echo 'abc",
            "if true; then echo",
            "a && & b",
            "echo a &&",
            "[Net.ServicePointManager]::SecurityProtocol = 1",
            "Write-Host ('Downloading')",
            "foo () echo",
            "if ($x -eq 1) { b }",
            "( a (b) )",
        ] {
            assert_eq!(scan(script.as_bytes()), Scan::Rejected, "{script}");
        }
    }
}
