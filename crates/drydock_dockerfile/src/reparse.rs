//! Reparsing an edited Dockerfile: the items before and after the edit are taken from the
//! previous tree (the ones after it moved), only the ones the edit touched are parsed again.
//!
//! The parser reads a file item by item, and what it makes of an item depends only on the item's
//! own lines, the escape character and whether the parser directives are behind it (plus, for
//! the one report of a carriage return inside a line, whether one came before). So:
//!
//! - an item of the previous tree that ends before the first changed byte, and not at the end of
//!   the file (an item that reaches the end may have been cut short by it: an open continuation or
//!   heredoc, a last line without a terminator), is parsed the same from the new text;
//! - once the new parse reaches, after the last changed byte, the start of a previous item that
//!   was parsed with the directives behind it, the rest of the text is the rest of the previous
//!   text, so the rest of the previous items, moved by the change in length, are its parse.
//!
//! The parse resumes after the items kept from before the edit, which include the first item
//! that is not a directive (else nothing is kept), so with the directives behind it, the previous
//! escape character and no carriage return reported (a tree that reported one is not reused at
//! all).

use std::sync::Arc;

use drydock_text::{SourceText, TextRange, TextSize};

use crate::logical::LogicalLine;
use crate::parser::{Parser, parse};
use crate::syntax::{
    ArgDecl, Args, Comment, Directive, Dockerfile, ExecForm, Flag, Healthcheck, Heredoc,
    Instruction, Item, ItemKind, KeyValue, KeyValues, Paths, ShellForm, SyntaxError, Token, Word,
};

/// Parses `source`, reusing the items of `previous` (the tree of an earlier version of the
/// text) that the difference between the two texts cannot have changed. The result is the same
/// as [`parse`]'s.
#[must_use]
pub fn reparse(previous: &Dockerfile, source: SourceText) -> Dockerfile {
    let (old, new) = (previous.text(), source.text());
    let items = &previous.items;
    // The first item parsed with the directives behind it.
    let settled = items
        .iter()
        .position(|item| !matches!(item.kind, ItemKind::Bom | ItemKind::Directive(_)));
    let Some(settled) = settled.filter(|_| !previous.lone_cr) else {
        return parse(source);
    };
    let prefix = common_prefix(old.as_bytes(), new.as_bytes());
    let end = |item: &Item| usize::from(item.range.end());
    let kept = items.partition_point(|item| end(item) <= prefix && end(item) < old.len());
    if kept <= settled {
        return parse(source);
    }
    let room = old.len().min(new.len()) - prefix;
    let suffix = common_suffix(&old.as_bytes()[prefix..], &new.as_bytes()[prefix..]).min(room);
    let shift = Shift::new(old.len(), new.len());

    let mut parser = Parser::new(new);
    parser.pos = end(&items[kept - 1]);
    parser.items = items[..kept].to_vec();
    parser.escape = previous.escape;
    parser.directives_done = true;
    for (index, error) in &previous.item_errors {
        if *index < kept {
            parser.error_items.push(*index);
            parser.errors.push(error.clone());
        }
    }
    let unchanged_from = new.len() - suffix;
    while parser.pos < new.len() {
        if parser.pos >= unchanged_from {
            let at = shift.back(parser.pos);
            if let Ok(first) =
                items.binary_search_by_key(&at, |item| usize::from(item.range.start()))
                && first > settled
            {
                let base = parser.items.len();
                parser
                    .items
                    .extend(items[first..].iter().map(|item| shift.item(item)));
                for (index, error) in &previous.item_errors {
                    if *index >= first {
                        parser.error_items.push(base + index - first);
                        parser.errors.push(shift.error(error));
                    }
                }
                break;
            }
        }
        parser.step();
    }
    parser.finish().tree(source)
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const CHUNK: usize = 64;
    let len = a.len().min(b.len());
    let mut at = 0;
    while at + CHUNK <= len && a[at..at + CHUNK] == b[at..at + CHUNK] {
        at += CHUNK;
    }
    at + a[at..len]
        .iter()
        .zip(&b[at..len])
        .take_while(|(x, y)| x == y)
        .count()
}

fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    const CHUNK: usize = 64;
    let len = a.len().min(b.len());
    let (a_end, b_end) = (a.len(), b.len());
    let mut at = 0;
    while at + CHUNK <= len
        && a[a_end - at - CHUNK..a_end - at] == b[b_end - at - CHUNK..b_end - at]
    {
        at += CHUNK;
    }
    at + a[..a_end - at]
        .iter()
        .rev()
        .zip(b[..b_end - at].iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

/// Moves what lies after an edit by the change in the text's length.
#[derive(Clone, Copy)]
struct Shift {
    grew: bool,
    by: TextSize,
}

impl Shift {
    fn new(old_len: usize, new_len: usize) -> Self {
        Shift {
            grew: new_len >= old_len,
            by: drydock_text::size(new_len.abs_diff(old_len)),
        }
    }

    /// The previous offset of a new offset after the edit.
    fn back(self, offset: usize) -> usize {
        let by = usize::from(self.by);
        if self.grew { offset - by } else { offset + by }
    }

    fn range(self, range: TextRange) -> TextRange {
        if self.grew {
            range + self.by
        } else {
            range - self.by
        }
    }

    fn size(self, size: TextSize) -> TextSize {
        if self.grew {
            size + self.by
        } else {
            size - self.by
        }
    }

    fn item(self, item: &Item) -> Item {
        let kind = if self.by == TextSize::new(0) {
            item.kind.clone()
        } else {
            match &item.kind {
                ItemKind::Bom => ItemKind::Bom,
                ItemKind::Blank => ItemKind::Blank,
                ItemKind::Comment(comment) => ItemKind::Comment(self.comment(comment)),
                ItemKind::Directive(directive) => ItemKind::Directive(self.directive(directive)),
                ItemKind::Instruction(instruction) => {
                    let mut moved = Instruction::clone(instruction);
                    self.instruction(&mut moved);
                    ItemKind::Instruction(Arc::new(moved))
                }
            }
        };
        Item {
            range: self.range(item.range),
            kind,
        }
    }

    fn error(self, error: &SyntaxError) -> SyntaxError {
        SyntaxError {
            range: self.range(error.range),
            message: error.message.clone(),
        }
    }

    fn comment(self, comment: &Comment) -> Comment {
        let Comment { range, text_range } = *comment;
        Comment {
            range: self.range(range),
            text_range: self.range(text_range),
        }
    }

    fn directive(self, directive: &Directive) -> Directive {
        let Directive {
            range,
            name,
            name_range,
            value,
            value_range,
        } = directive;
        Directive {
            range: self.range(*range),
            name: name.clone(),
            name_range: self.range(*name_range),
            value: value.clone(),
            value_range: self.range(*value_range),
        }
    }

    // The destructurings below name every field, so that a new one cannot be forgotten here.

    fn instruction(self, instruction: &mut Instruction) {
        let Instruction {
            range,
            keyword,
            kind: _,
            flags,
            args,
            args_range,
            heredocs,
            line,
            continuation_comments,
            empty_continuation_lines,
            header_end,
        } = instruction;
        *range = self.range(*range);
        self.token(keyword);
        for flag in flags {
            self.flag(flag);
        }
        self.args(args);
        if let Some(r) = args_range {
            *r = self.range(*r);
        }
        for heredoc in heredocs {
            self.heredoc(heredoc);
        }
        self.line(line);
        for r in continuation_comments
            .iter_mut()
            .chain(empty_continuation_lines)
        {
            *r = self.range(*r);
        }
        *header_end = self.size(*header_end);
    }

    fn token(self, token: &mut Token) {
        let Token { range, text: _ } = token;
        *range = self.range(*range);
    }

    fn word(self, word: &mut Word) {
        let Word { range, text: _ } = word;
        *range = self.range(*range);
    }

    fn flag(self, flag: &mut Flag) {
        let Flag {
            range,
            name: _,
            name_range,
            value: _,
            value_range,
        } = flag;
        *range = self.range(*range);
        *name_range = self.range(*name_range);
        if let Some(r) = value_range {
            *r = self.range(*r);
        }
    }

    fn heredoc(self, heredoc: &mut Heredoc) {
        let Heredoc {
            marker,
            name: _,
            expand: _,
            chomp: _,
            fd: _,
            body,
            terminator,
        } = heredoc;
        *marker = self.range(*marker);
        *body = self.range(*body);
        if let Some(r) = terminator {
            *r = self.range(*r);
        }
    }

    fn line(self, line: &mut LogicalLine) {
        line.shift_file_offsets(|offset| self.size(offset));
    }

    fn args(self, args: &mut Args) {
        match args {
            Args::Empty | Args::Unknown(None) => {}
            Args::Exec(ExecForm { range, elements }) => {
                *range = self.range(*range);
                for word in elements {
                    self.word(word);
                }
            }
            Args::Shell(ShellForm { range, text: _ }) => *range = self.range(*range),
            Args::Paths(Paths { json: _, items }) | Args::Words(items) => {
                for word in items {
                    self.word(word);
                }
            }
            Args::KeyValues(KeyValues { legacy: _, pairs }) => {
                for KeyValue { range, key, value } in pairs {
                    *range = self.range(*range);
                    self.word(key);
                    self.word(value);
                }
            }
            Args::Arg(decls) => {
                for ArgDecl {
                    range,
                    name,
                    default,
                } in decls
                {
                    *range = self.range(*range);
                    self.word(name);
                    if let Some(word) = default {
                        self.word(word);
                    }
                }
            }
            Args::Text(word) | Args::Unknown(Some(word)) => self.word(word),
            Args::Healthcheck(Healthcheck { kind, command }) => {
                self.word(kind);
                if let Some(command) = command {
                    self.args(command);
                }
            }
            Args::Onbuild(inner) => self.instruction(inner),
        }
    }
}
