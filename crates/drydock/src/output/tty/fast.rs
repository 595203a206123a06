//! The fast path of the terminal rendering: a finding of the common shape rendered by hand,
//! byte for byte as codespan-reporting 0.13 renders it (through termcolor's ANSI buffer with
//! [`Styles::default`](codespan_reporting::term::Styles::default), or without colour), with
//! drydock's level names (`info`, `style`) written directly.
//!
//! Why: codespan's renderer was 17-25% of a whole-corpus `drydock check` (the compose files
//! alone give 16,870 findings, 6.4 MB of output); it writes through a `dyn` writer a few
//! bytes at a time, checks every label against every character, and needs a files database
//! (each file's line starts, the other files' too) built for every file with findings.
//! Measured on the shared corpus (release builds without LTO, 2 shared cores): 98.5% of the
//! 42,650 findings take this path (99.6% of the compose files' 16,870); CPU time (`perf stat`
//! task-clock) went from 158 to 123 ms for the compose files and from 906 to 783 ms for the
//! whole corpus; hyperfine's wall-clock means from 80-93 to 71-77 ms for the compose files.
//!
//! The common shape, read off codespan 0.13's `RichDiagnostic` and `Renderer`:
//! - no secondary label, so the snippet has exactly one label, the primary one, with an
//!   empty message (no hanging or trailing label text); or one secondary label of the same
//!   file on one line before the primary label's (DL3059's on the `RUN` before): that line
//!   first, `-` under the label's columns and its message after them (a trailing label),
//!   then the line between the two when there is one, or a `·` break when there are more;
//! - a non-empty code (so the header's severity is followed by `[`, which is where the
//!   slow path renames `note[`/`help[`);
//! - a range with both ends on character boundaries, inside the text, not crossing a `\n`
//!   (codespan's lines end only at `\n`; `\r` is trimmed from the end of the shown line with
//!   `\0`; an empty range gets one caret; a range at the end of a line or of the text gets
//!   its caret on a placeholder column after the last character).
//!
//! Everything else (other labels, an empty code, a range codespan would place differently) goes
//! to codespan, which stays the oracle: the tests compare both renderings byte for byte on
//! generated texts, ranges, messages, notes and paths, in colour and without.
//!
//! What codespan writes for that shape, line by line (`N` the line number, `W` its digit
//! count, `C` the 1-based column counted in characters, tabs as one):
//! ```text
//! error[CODE]: message
//! <W spaces> ┌─ path:N:C
//! <W spaces> │
//! N │ source line (tabs expanded to stops of 4 columns; the label's characters coloured)
//! <W spaces> │ <spaces up to the label>^^^ (one per column of each character it overlaps)
//! <W spaces> │                          (only when there are notes)
//! <W spaces> = first line of a note
//! <W spaces>   its next lines
//! <empty line>
//! ```

use drydock_linter::{Diagnostic, Severity};
use unicode_width::UnicodeWidthChar;

/// codespan's `Config::default().tab_width`.
const TAB_WIDTH: usize = 4;

/// termcolor's ANSI reset (`ColorSpec::new()` has `reset` set, so every colour starts with it).
const RESET: &str = "\x1b[0m";
/// `fg:cyan`: line numbers, the source border, note bullets (codespan 0.13 uses cyan everywhere).
const CHROME: &str = "\x1b[0m\x1b[36m";
/// `bold intense` without a colour: the header's message.
const HEADER_MESSAGE: &str = "\x1b[0m\x1b[1m";

/// The escape sequences of one rendering; all empty without colour.
struct Palette {
    /// The severity in the header: `bold intense fg:<colour>` (intense colours are 256-colour
    /// codes in termcolor).
    header: &'static str,
    header_message: &'static str,
    /// The primary label: `fg:<colour>`.
    label: &'static str,
    /// A secondary label: `fg:cyan`.
    secondary: &'static str,
    chrome: &'static str,
    reset: &'static str,
}

impl Palette {
    fn new(severity: Severity, color: bool) -> Self {
        if !color {
            return Self {
                header: "",
                header_message: "",
                label: "",
                secondary: "",
                chrome: "",
                reset: "",
            };
        }
        // codespan's error, warning, note and help colours: red, yellow, green, cyan.
        let (header, label) = match severity {
            Severity::Error => ("\x1b[0m\x1b[1m\x1b[38;5;9m", "\x1b[0m\x1b[31m"),
            Severity::Warning => ("\x1b[0m\x1b[1m\x1b[38;5;11m", "\x1b[0m\x1b[33m"),
            Severity::Info => ("\x1b[0m\x1b[1m\x1b[38;5;10m", "\x1b[0m\x1b[32m"),
            Severity::Style => ("\x1b[0m\x1b[1m\x1b[38;5;14m", "\x1b[0m\x1b[36m"),
        };
        Self {
            header,
            header_message: HEADER_MESSAGE,
            label,
            secondary: CHROME,
            chrome: CHROME,
            reset: RESET,
        }
    }
}

/// Renders `d` into `out` as codespan renders it (after the level renaming) and returns
/// `true`, when `d` has the common shape; otherwise writes nothing and returns `false`.
///
/// `newlines`: the offsets of every `\n` in `text`, in order. `scratch`: a reusable buffer.
#[allow(clippy::too_many_arguments)]
pub(super) fn render(
    out: &mut Vec<u8>,
    scratch: &mut String,
    name: &str,
    text: &str,
    newlines: &[usize],
    d: &Diagnostic,
    color: bool,
    last: &mut Option<Snippet>,
) -> bool {
    if d.code.is_empty() {
        return false;
    }
    // At most one secondary label, in the same file.
    let secondary = match d.labels.as_slice() {
        [] => None,
        [label] if label.file.is_none() => Some(label),
        _ => return false,
    };
    // The same range as the finding before, in the same colour (several rules report one
    // service's key, for instance): the same snippet, copied.
    let p = Palette::new(d.severity, color);
    if secondary.is_some() {
        *last = None;
    } else if let Some(snippet) = last
        .as_ref()
        .filter(|s| s.range == d.range && s.label == p.label && s.bytes.end <= out.len())
    {
        let (bytes, digits) = (snippet.bytes.clone(), snippet.digits);
        header(out, &p, d);
        out.extend_from_within(bytes);
        notes(out, scratch, d, digits, &p);
        return true;
    }
    let Some((index, line_start, line_end)) = one_line(text, newlines, d.range) else {
        return false;
    };
    let (start, end) = (usize::from(d.range.start()), usize::from(d.range.end()));
    let (line, before) = (&text[line_start..line_end], &text[line_start..start]);
    // A secondary label on one line before the primary label's (as DL3059's on the `RUN`
    // before): its line, and what codespan puts between the two lines.
    let earlier = match secondary {
        None => None,
        Some(label) => match one_line(text, newlines, label.range) {
            Some((at, from, _)) if at < index => {
                let start = usize::from(label.range.start()) - from;
                let end = usize::from(label.range.end()) - from;
                Some((at, start..end, label.message.as_str()))
            }
            _ => return false,
        },
    };
    let source = shown(line);
    let line_number = index + 1;
    let column = before.chars().count() + 1;
    let digits = line_number.ilog10() as usize + 1;
    // The label's columns, relative to the line; an empty range still gets one caret.
    let label_start = start - line_start;
    let label_end = (end - line_start).max(label_start + 1);
    let overlaps = |at: usize, len: usize| at.max(label_start) < (at + len).min(label_end);
    // Room for the whole finding at once (the escape sequences, the gutters and the frame
    // take less than 256 bytes; a line of tabs or wide characters may take more).
    out.reserve(
        256 + d.message.len()
            + name.len()
            + 2 * source.len()
            + d.help.as_deref().map_or(0, str::len)
            + d.fix.as_ref().map_or(0, |f| f.title.len() + 32),
    );

    header(out, &p, d);
    let snippet_start = out.len();

    // Locus and the empty gutter line under it.
    spaces(out, digits + 1);
    chrome(out, &p, "┌─");
    push(out, " ");
    push(out, name);
    push(out, ":");
    number(out, line_number);
    push(out, ":");
    number(out, column);
    push(out, "\n");
    empty_gutter(out, digits, &p);
    if let Some((earlier, label, message)) = earlier {
        let (start, end) = line_bounds(text, newlines, earlier);
        let earlier_source = shown(&text[start..end]);
        plain_line(out, &p, digits, earlier + 1, earlier_source);
        dashes(out, &p, digits, earlier_source, label, message);
        match index - earlier {
            1 => {}
            // One line between: codespan shows it.
            2 => {
                let (start, end) = line_bounds(text, newlines, earlier + 1);
                plain_line(out, &p, digits, earlier + 2, shown(&text[start..end]));
            }
            _ => {
                spaces(out, digits + 1);
                chrome(out, &p, "·");
                push(out, "\n");
            }
        }
    }

    // The source line, the label's characters coloured.
    numbered_gutter(out, &p, digits, line_number);
    // A line of printable ASCII (most lines) is one byte and one column per character: it is
    // written in three runs, before, in and after the label, and its carets in two.
    if source.bytes().all(|b| matches!(b, b' '..=b'~')) {
        let (from, to) = (label_start.min(source.len()), label_end.min(source.len()));
        push(out, &source[..from]);
        if from < to {
            push(out, p.label);
            push(out, &source[from..to]);
            push(out, p.reset);
        }
        push(out, &source[to..]);
        push(out, "\n");
        spaces(out, digits + 1);
        chrome(out, &p, "│");
        push(out, " ");
        // Columns 0..=len, the last a placeholder after the line's last character.
        let columns = source.len() + 1;
        spaces(out, label_start.min(columns));
        let carets = label_end.min(columns).saturating_sub(label_start);
        if carets > 0 {
            push(out, p.label);
            repeat(out, b'^', carets);
            push(out, p.reset);
        }
        push(out, "\n");
        *last = secondary
            .is_none()
            .then(|| Snippet::new(d, &p, snippet_start..out.len(), digits));
        notes(out, scratch, d, digits, &p);
        return true;
    }
    let mut width_so_far = 0;
    let mut in_label = false;
    for (at, ch) in source.char_indices() {
        let width = char_width(ch, width_so_far);
        width_so_far += width;
        let len = ch.len_utf8();
        let labelled = overlaps(at, len);
        if labelled != in_label {
            push(out, if labelled { p.label } else { p.reset });
            in_label = labelled;
        }
        if ch == '\t' {
            spaces(out, width);
        } else {
            out.extend_from_slice(&source.as_bytes()[at..at + len]);
        }
    }
    if in_label {
        push(out, p.reset);
    }
    push(out, "\n");

    // The carets, with a placeholder column after the line's last character.
    marks(
        out,
        &p,
        digits,
        source,
        label_start..label_end,
        p.label,
        b'^',
    );
    push(out, "\n");
    *last = secondary
        .is_none()
        .then(|| Snippet::new(d, &p, snippet_start..out.len(), digits));

    notes(out, scratch, d, digits, &p);
    true
}

/// Bytes `start..end` of line `index` (0-based; lines end at `\n`, which is not included).
fn line_bounds(text: &str, newlines: &[usize], index: usize) -> (usize, usize) {
    let start = index
        .checked_sub(1)
        .map_or(0, |previous| newlines[previous] + 1);
    let end = newlines.get(index).copied().unwrap_or(text.len());
    (start, end)
}

/// The line of a range codespan draws on one line: (its index, 0-based, and the bytes
/// `start..end` of the line). `None` for a range it lays out otherwise: across a `\n` (a
/// multi-line label), or with an end off a character boundary or past the text.
fn one_line(
    text: &str,
    newlines: &[usize],
    range: drydock_text::TextRange,
) -> Option<(usize, usize, usize)> {
    let (start, end) = (usize::from(range.start()), usize::from(range.end()));
    // (`is_char_boundary` is false past the end too.)
    if start > end || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
        return None;
    }
    // codespan's line of an offset: the number of `\n` before it.
    let index = newlines.partition_point(|&at| at < start);
    let (line_start, line_end) = line_bounds(text, newlines, index);
    (end <= line_end).then_some((index, line_start, line_end))
}

/// A line as codespan shows it: `\r` and `\0` trimmed from its end.
fn shown(line: &str) -> &str {
    line.trim_end_matches(['\r', '\0'])
}

/// The gutter of a source line: its number (right-aligned to `digits`), then the border.
fn numbered_gutter(out: &mut Vec<u8>, p: &Palette, digits: usize, line_number: usize) {
    push(out, p.chrome);
    spaces(out, digits - (line_number.ilog10() as usize + 1));
    number(out, line_number);
    push(out, p.reset);
    push(out, " ");
    chrome(out, p, "│");
    push(out, " ");
}

/// A source line without a primary label (`source` as [`shown`]): its gutter, its text with
/// tabs expanded.
fn plain_line(out: &mut Vec<u8>, p: &Palette, digits: usize, line_number: usize, source: &str) {
    numbered_gutter(out, p, digits, line_number);
    let mut width_so_far = 0;
    for ch in source.chars() {
        let width = char_width(ch, width_so_far);
        width_so_far += width;
        if ch == '\t' {
            spaces(out, width);
        } else {
            let mut bytes = [0; 4];
            push(out, ch.encode_utf8(&mut bytes));
        }
    }
    push(out, "\n");
}

/// The line under a secondary label's source line (`source` as [`shown`]): `-` under its
/// columns (at least one), then its message.
fn dashes(
    out: &mut Vec<u8>,
    p: &Palette,
    digits: usize,
    source: &str,
    label: std::ops::Range<usize>,
    message: &str,
) {
    let end = label.end.max(label.start + 1);
    marks(out, p, digits, source, label.start..end, p.secondary, b'-');
    if !message.is_empty() {
        push(out, " ");
        push(out, p.secondary);
        push(out, message);
        push(out, p.reset);
    }
    push(out, "\n");
}

/// The line under a source line up to its label: the gutter, then `mark` (in `style`) under
/// the columns of `label` (bytes of `source`; a placeholder column follows its last
/// character), blanks before it, nothing after it.
fn marks(
    out: &mut Vec<u8>,
    p: &Palette,
    digits: usize,
    source: &str,
    label: std::ops::Range<usize>,
    style: &str,
    mark: u8,
) {
    spaces(out, digits + 1);
    chrome(out, p, "│");
    push(out, " ");
    let mut width_so_far = 0;
    let mut in_label = false;
    let columns = source
        .char_indices()
        .map(|(at, ch)| {
            let width = char_width(ch, width_so_far);
            width_so_far += width;
            (at, ch.len_utf8(), width)
        })
        .chain(std::iter::once((source.len(), 1, 1)));
    for (at, len, width) in columns {
        let labelled = at.max(label.start) < (at + len).min(label.end);
        if labelled != in_label {
            push(out, if labelled { style } else { p.reset });
            in_label = labelled;
        }
        if labelled {
            repeat(out, mark, width);
        } else if at < label.end {
            spaces(out, width);
        } else {
            // Past the label: nothing more is written.
            break;
        }
    }
    if in_label {
        push(out, p.reset);
    }
}

/// The snippet of the last finding [`render`] wrote (the locus, the source line and its
/// carets) and where it is in the output: a finding with the same range and the same colour
/// for its label (any, without colour) gets the same bytes.
pub(super) struct Snippet {
    range: drydock_text::TextRange,
    /// The label's escape sequence (empty without colour).
    label: &'static str,
    bytes: std::ops::Range<usize>,
    /// The line number's digit count (the notes' indentation).
    digits: usize,
}

impl Snippet {
    fn new(d: &Diagnostic, p: &Palette, bytes: std::ops::Range<usize>, digits: usize) -> Self {
        Self {
            range: d.range,
            label: p.label,
            bytes,
            digits,
        }
    }
}

/// The header line: `level[CODE]: message`.
fn header(out: &mut Vec<u8>, p: &Palette, d: &Diagnostic) {
    push(out, p.header);
    push(out, d.severity.as_str());
    push(out, "[");
    push(out, d.code);
    push(out, "]");
    push(out, p.header_message);
    push(out, ": ");
    push(out, &d.message);
    push(out, p.reset);
    push(out, "\n");
}

/// The notes, the help then the fix (a note's later lines are indented under its first), and
/// the blank line that ends the finding.
fn notes(out: &mut Vec<u8>, scratch: &mut String, d: &Diagnostic, digits: usize, p: &Palette) {
    let mut any_note = false;
    if let Some(help) = &d.help {
        scratch.clear();
        scratch.push_str("help: ");
        scratch.push_str(help);
        note(out, scratch, digits, p, &mut any_note);
    }
    if let Some(fix) = &d.fix {
        scratch.clear();
        scratch.push_str("fix (");
        scratch.push_str(super::fix_flags(fix.applicability));
        scratch.push_str("): ");
        scratch.push_str(&fix.title);
        note(out, scratch, digits, p, &mut any_note);
    }
    push(out, "\n");
}

/// One note; before the first, the empty gutter line that closes the snippet.
fn note(out: &mut Vec<u8>, note: &str, digits: usize, p: &Palette, any_note: &mut bool) {
    if !*any_note {
        empty_gutter(out, digits, p);
        *any_note = true;
    }
    // (Most notes are one line: no line iterator for them.)
    let one = [note];
    let lines: &mut dyn Iterator<Item = &str> =
        if !note.is_empty() && memchr::memchr(b'\n', note.as_bytes()).is_none() {
            &mut one.into_iter()
        } else {
            &mut note.lines()
        };
    for (i, line) in lines.enumerate() {
        spaces(out, digits + 1);
        if i == 0 {
            chrome(out, p, "=");
        } else {
            push(out, " ");
        }
        push(out, " ");
        push(out, line);
        push(out, "\n");
    }
}

/// ` ` × `digits`, then ` │`.
fn empty_gutter(out: &mut Vec<u8>, digits: usize, p: &Palette) {
    spaces(out, digits + 1);
    chrome(out, p, "│");
    push(out, "\n");
}

/// `text` in the colour of the snippet's frame.
fn chrome(out: &mut Vec<u8>, p: &Palette, text: &str) {
    push(out, p.chrome);
    push(out, text);
    push(out, p.reset);
}

/// The columns `ch` takes at column `column`, as codespan counts them: tabs to the next
/// stop, other characters by `unicode-width` (control characters 0).
fn char_width(ch: char, column: usize) -> usize {
    match ch {
        '\t' => TAB_WIDTH - column % TAB_WIDTH,
        ' '..='~' => 1,
        _ => ch.width().unwrap_or(0),
    }
}

fn push(out: &mut Vec<u8>, s: &str) {
    // (Without colour every escape sequence is empty: no copy is made for them.)
    if !s.is_empty() {
        out.extend_from_slice(s.as_bytes());
    }
}

fn spaces(out: &mut Vec<u8>, n: usize) {
    repeat(out, b' ', n);
}

fn repeat(out: &mut Vec<u8>, byte: u8, n: usize) {
    out.resize(out.len() + n, byte);
}

fn number(out: &mut Vec<u8>, n: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use drydock_linter::{Applicability, Diagnostic, Fix, Severity};
    use drydock_text::{TextRange, TextSize};
    use proptest::prelude::*;

    use super::super::{Codespan, OtherFiles};

    /// The fast path's rendering of `d`, or `None` when it leaves `d` to codespan.
    fn fast(path: &str, text: &str, d: &Diagnostic, color: bool) -> Option<String> {
        let newlines: Vec<usize> = memchr::memchr_iter(b'\n', text.as_bytes()).collect();
        let mut out = Vec::new();
        let taken = super::render(
            &mut out,
            &mut String::new(),
            &Path::new(path).display().to_string(),
            text,
            &newlines,
            d,
            color,
            &mut None,
        );
        if !taken {
            assert!(
                out.is_empty(),
                "nothing written when the fast path declines"
            );
            return None;
        }
        Some(String::from_utf8(out).expect("the fast path writes UTF-8"))
    }

    /// codespan's rendering of `d` (the oracle).
    fn oracle(path: &str, text: &str, d: &Diagnostic, color: bool) -> String {
        let others = OtherFiles::new();
        let codespan = Codespan::new(Path::new(path).display().to_string(), text, &others, color);
        let mut out = Vec::new();
        codespan.render(&mut out, Path::new(path), d, color);
        String::from_utf8(out).expect("codespan writes UTF-8")
    }

    fn finding(
        code: &'static str,
        severity: Severity,
        range: (u32, u32),
        message: &str,
    ) -> Diagnostic {
        Diagnostic::new(
            code,
            severity,
            TextRange::new(TextSize::new(range.0), TextSize::new(range.1)),
            message,
        )
    }

    /// Asserts that the fast path takes `d` and renders it as codespan does, in colour and
    /// without; returns the colourless rendering.
    fn same(path: &str, text: &str, d: &Diagnostic) -> String {
        for color in [false, true] {
            let fast = fast(path, text, d, color).expect("the fast path takes it");
            assert_eq!(fast, oracle(path, text, d, color), "color: {color}");
        }
        oracle(path, text, d, false)
    }

    #[test]
    fn codespan_defaults_are_the_ones_the_fast_path_assumes() {
        assert_eq!(
            codespan_reporting::term::Config::default().tab_width,
            super::TAB_WIDTH
        );
    }

    #[test]
    fn renders_the_common_shape() {
        let text = "FROM alpine\nRUN apk add curl\n";
        let mut d = finding(
            "DL3018",
            Severity::Warning,
            (12, 28),
            "pin versions in apk add",
        );
        d.help("use `apk add <package>=<version>`");
        d.fix(Fix::unsafe_("pin it", Vec::new()));
        assert_eq!(
            same("Dockerfile", text, &d),
            "warning[DL3018]: pin versions in apk add\n\
             \x20 ┌─ Dockerfile:2:1\n\
             \x20 │\n\
             2 │ RUN apk add curl\n\
             \x20 │ ^^^^^^^^^^^^^^^^\n\
             \x20 │\n\
             \x20 = help: use `apk add <package>=<version>`\n\
             \x20 = fix (--fix --unsafe-fixes): pin it\n\
             \n"
        );
    }

    #[test]
    fn writes_drydock_level_names() {
        let text = "services: {}\n";
        let info = finding("CMP109", Severity::Info, (0, 8), "no name");
        assert!(same("compose.yaml", text, &info).starts_with("info[CMP109]: no name\n"));
        let style = finding("DY001", Severity::Style, (0, 0), "style");
        assert!(same("compose.yaml", text, &style).starts_with("style[DY001]: style\n"));
        let colored = fast("compose.yaml", text, &info, true).expect("taken");
        assert!(colored.starts_with(
            "\x1b[0m\x1b[1m\x1b[38;5;10minfo[CMP109]\x1b[0m\x1b[1m: no name\x1b[0m\n"
        ));
    }

    #[test]
    fn tabs_wide_characters_and_line_numbers() {
        let mut text = "x\n".repeat(99);
        text.push_str("\tname: 漢字\té😀\n");
        let start = text.len() - "漢字\té😀\n".len();
        let d = finding(
            "DS101",
            Severity::Error,
            (start as u32, start as u32 + 6),
            "wide",
        );
        let rendered = same("a b/compose.yml", &text, &d);
        assert!(
            rendered.contains("100 │     name: 漢字  é😀\n"),
            "{rendered}"
        );
        assert!(rendered.contains("    │           ^^^^\n"), "{rendered}");
        assert!(
            rendered.contains("┌─ a b/compose.yml:100:8\n"),
            "{rendered}"
        );
    }

    #[test]
    fn ranges_at_line_ends_crlf_and_eof() {
        let text = "a: 1\r\nb: 2\r\nc";
        // Empty range at the end of a CRLF line, on the `\r`, covering the `\r`, at EOF.
        for range in [(4, 4), (4, 5), (0, 5), (13, 13), (12, 13), (6, 6), (10, 11)] {
            same(
                "compose.yaml",
                text,
                &finding("X1", Severity::Warning, range, "m"),
            );
        }
        // After a final newline: the empty last line.
        same("f", "a\n", &finding("X1", Severity::Error, (2, 2), "m"));
        same("f", "", &finding("X1", Severity::Error, (0, 0), "m"));
    }

    /// Findings of one file in a row, several on one range at different levels, one left to
    /// codespan between them: each renders as codespan renders it alone (the fast path copies
    /// the snippet of the finding before when the range and the label's colour are the same).
    #[test]
    fn repeated_ranges_render_as_each_alone() {
        let text = "services:\n  web:\n    image: x\n  db:\n\timage: y\n";
        let mut findings = Vec::new();
        for (range, severities) in [
            (
                (12, 15),
                [
                    Severity::Warning,
                    Severity::Warning,
                    Severity::Info,
                    Severity::Error,
                ],
            ),
            (
                (12, 15),
                [
                    Severity::Style,
                    Severity::Info,
                    Severity::Info,
                    Severity::Warning,
                ],
            ),
            (
                (12, 13),
                [
                    Severity::Info,
                    Severity::Warning,
                    Severity::Info,
                    Severity::Info,
                ],
            ),
            (
                (37, 43),
                [
                    Severity::Error,
                    Severity::Error,
                    Severity::Warning,
                    Severity::Info,
                ],
            ),
        ] {
            for (i, severity) in severities.into_iter().enumerate() {
                let mut d = finding("X1", severity, range, &format!("finding {i}"));
                if i % 2 == 0 {
                    d.help("help text");
                }
                findings.push(d);
            }
        }
        // One that codespan renders (a label), between two of the same range.
        let mut labelled = finding("X2", Severity::Warning, (12, 15), "labelled");
        labelled.label(TextRange::new(TextSize::new(2), TextSize::new(5)), "here");
        findings.insert(2, labelled);
        for color in [false, true] {
            let expected: String = findings
                .iter()
                .map(|d| oracle("compose.yaml", text, d, color))
                .collect();
            let rendered = super::super::render(Path::new("compose.yaml"), text, &findings, color);
            assert_eq!(
                String::from_utf8(rendered).expect("UTF-8"),
                expected,
                "color: {color}"
            );
        }
    }

    #[test]
    fn multi_line_notes_are_indented() {
        let mut d = finding("X1", Severity::Error, (0, 1), "m");
        d.help("first\nsecond\r\n\nfourth\n");
        let rendered = same("f", "abc", &d);
        assert!(
            rendered.ends_with("  = help: first\n    second\n    \n    fourth\n\n"),
            "{rendered:?}"
        );
    }

    #[test]
    fn declines_other_shapes() {
        let text = "ab\ncd\n";
        // Across a newline, out of the text, inside a character, without a code, with a label.
        for (source, range) in [
            (text, (1, 4)),
            (text, (0, 3)),
            (text, (7, 7)),
            ("é", (1, 1)),
        ] {
            let d = finding("X1", Severity::Error, range, "m");
            assert!(
                fast("f", source, &d, false).is_none(),
                "{range:?} in {source:?}"
            );
        }
        assert!(fast("f", text, &finding("", Severity::Error, (0, 1), "m"), false).is_none());
        let mut labelled = finding("X1", Severity::Error, (0, 1), "m");
        labelled.label(TextRange::new(TextSize::new(3), TextSize::new(4)), "here");
        assert!(fast("f", text, &labelled, false).is_none());
        // The whole rendering still gives codespan's output for those.
        let rendered = super::super::render(Path::new("f"), text, &[labelled.clone()], true);
        assert_eq!(
            String::from_utf8(rendered).expect("UTF-8"),
            oracle("f", text, &labelled, true)
        );
    }

    /// A secondary label on a line before the primary label's (DL3059's shape): the next line,
    /// one line between (codespan shows it), more (a break), a wider line number, a tab, a
    /// label at a line's end and an empty one.
    #[test]
    fn renders_a_secondary_label_on_an_earlier_line() {
        let text = "FROM x\nRUN a\nRUN b\n# c\nRUN\tc\n\n\n\n\nRUN d\nRUN e\n";
        let at = |needle: &str| u32::try_from(text.find(needle).expect("in the text")).unwrap();
        let cases = [
            ("RUN b", "RUN a", "the previous `RUN`"),
            ("RUN\tc", "RUN b", "the previous `RUN`"),
            ("RUN d", "RUN\tc", ""),
            ("RUN e", "RUN d", "x"),
        ];
        for (primary, earlier, message) in cases {
            let mut d = finding(
                "DL3059",
                Severity::Info,
                (at(primary), at(primary) + 3),
                "m",
            );
            d.label(
                TextRange::new(TextSize::new(at(earlier)), TextSize::new(at(earlier) + 3)),
                message,
            );
            d.help("chain them");
            same("Dockerfile", text, &d);
        }
        let mut d = finding(
            "DL3059",
            Severity::Info,
            (at("RUN b"), at("RUN b") + 3),
            "m",
        );
        d.label(
            TextRange::new(
                TextSize::new(at("RUN a") + 5),
                TextSize::new(at("RUN a") + 5),
            ),
            "end",
        );
        assert_eq!(
            same("Dockerfile", text, &d),
            "info[DL3059]: m\n\
             \x20 ┌─ Dockerfile:3:1\n\
             \x20 │\n\
             2 │ RUN a\n\
             \x20 │      - end\n\
             3 │ RUN b\n\
             \x20 │ ^^^\n\
             \n"
        );
        let mut d = finding(
            "DL3059",
            Severity::Info,
            (at("RUN d"), at("RUN d") + 3),
            "m",
        );
        d.label(
            TextRange::new(TextSize::new(at("RUN a")), TextSize::new(at("RUN a") + 3)),
            "far",
        );
        assert_eq!(
            same("Dockerfile", text, &d),
            "info[DL3059]: m\n\
             \x20  ┌─ Dockerfile:10:1\n\
             \x20  │\n\
             \x202 │ RUN a\n\
             \x20  │ --- far\n\
             \x20  ·\n\
             10 │ RUN d\n\
             \x20  │ ^^^\n\
             \n"
        );
    }

    /// Pieces of source lines: ASCII, tabs, wide CJK, combining marks, emoji, zero-width and
    /// control characters, `\r` and `\0` (which codespan trims from line ends).
    const PIECES: &[&str] = &[
        "a",
        "RUN apt-get install -y curl",
        " ",
        "  ",
        "\t",
        "x\t",
        "漢字",
        "ｶ",
        "e\u{301}",
        "\u{301}",
        "😀",
        "👩‍💻",
        "\u{200b}",
        "é",
        "\r",
        "\0",
        "\u{1b}",
        "\u{7f}",
        ":",
        "-",
        "${VAR:-x}",
        "\u{a0}",
        "\u{fe0f}",
    ];
    const TEXTS: &[&str] = &[
        "",
        "m",
        "message with `code`",
        "note[x] help[y]",
        "漢字\tmsg",
        "two\nlines",
        "\r",
        "trailing\n",
        "é\u{301}",
    ];

    fn line() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(PIECES), 0..6).prop_map(|p| p.concat())
    }

    fn source() -> impl Strategy<Value = String> {
        (
            prop::collection::vec((line(), any::<bool>()), 1..14),
            any::<bool>(),
        )
            .prop_map(|(lines, final_newline)| {
                let mut text = String::new();
                let count = lines.len();
                for (i, (line, crlf)) in lines.into_iter().enumerate() {
                    text.push_str(&line);
                    if i + 1 < count || final_newline {
                        text.push_str(if crlf { "\r\n" } else { "\n" });
                    }
                }
                text
            })
    }

    fn note() -> impl Strategy<Value = Option<String>> {
        prop::option::of(
            prop::collection::vec(
                (
                    prop::sample::select(TEXTS),
                    prop::sample::select(&["", "\n", "\r\n", " "][..]),
                ),
                0..4,
            )
            .prop_map(|parts| parts.into_iter().map(|(a, b)| format!("{a}{b}")).collect()),
        )
    }

    /// A range: mostly two character boundaries of one line (either may sit at the line's
    /// end, on its `\r`, or at the end of the text), sometimes any two offsets.
    fn range(text: &str, picks: (usize, usize, usize, bool)) -> (u32, u32) {
        let (line_pick, a, b, anywhere) = picks;
        let size = |n: usize| u32::try_from(n).expect("small texts");
        if anywhere {
            let (a, b) = (a % (text.len() + 3), b % (text.len() + 3));
            return (size(a.min(b)), size(a.max(b)));
        }
        let starts: Vec<usize> = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|at| at + 1))
            .collect();
        let start = starts[line_pick % starts.len()];
        let end = text[start..].find('\n').map_or(text.len(), |at| start + at);
        let boundaries: Vec<usize> = (start..=end)
            .filter(|&at| text.is_char_boundary(at))
            .collect();
        let (a, b) = (
            boundaries[a % boundaries.len()],
            boundaries[b % boundaries.len()],
        );
        (size(a.min(b)), size(a.max(b)))
    }

    proptest! {
        // 512 cases, or as many as `PROPTEST_CASES` says (20,000 for a long run).
        #![proptest_config(ProptestConfig {
            cases: if std::env::var_os("PROPTEST_CASES").is_some() {
                ProptestConfig::default().cases
            } else {
                512
            },
            ..ProptestConfig::default()
        })]

        #[test]
        fn fast_path_matches_codespan(
            text in source(),
            picks in (any::<usize>(), any::<usize>(), any::<usize>(), prop::bool::weighted(0.1)),
            severity in prop::sample::select(
                &[Severity::Error, Severity::Warning, Severity::Info, Severity::Style][..],
            ),
            code in prop::sample::select(&["DL3008", "DS101", "CMP109", "X", ""][..]),
            message in prop::sample::select(TEXTS),
            label in prop::option::of((
                (any::<usize>(), any::<usize>(), any::<usize>(), prop::bool::weighted(0.1)),
                prop::sample::select(TEXTS),
            )),
            help in note(),
            fix in prop::option::of((any::<bool>(), prop::sample::select(TEXTS))),
            path in prop::sample::select(
                &["Dockerfile", "compose.yaml", "a/b c/漢.yml", "", "./x:1"][..],
            ),
            color in any::<bool>(),
        ) {
            let mut d = finding(code, severity, range(&text, picks), message);
            // A secondary label the fast path draws: on one line before the primary label's.
            let mut label_elsewhere = false;
            if let Some((label_picks, label_message)) = label {
                let (start, end) = range(&text, label_picks);
                d.label(TextRange::new(TextSize::new(start), TextSize::new(end)), label_message);
                let (start, end) = (start as usize, end as usize);
                let line_of = |at: usize| text.as_bytes()[..at.min(text.len())]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count();
                label_elsewhere = !(end <= text.len()
                    && text.is_char_boundary(start)
                    && text.is_char_boundary(end)
                    && !text[start..end].contains('\n')
                    && line_of(start) < line_of(usize::from(d.range.start())));
            }
            d.help = help.map(Into::into);
            d.fix = fix.map(|(safe, title)| Fix {
                applicability: if safe { Applicability::Safe } else { Applicability::Unsafe },
                ..Fix::safe(title, Vec::new())
            });
            let on_one_line = {
                let (start, end) = (usize::from(d.range.start()), usize::from(d.range.end()));
                text.is_char_boundary(start)
                    && text.is_char_boundary(end)
                    && !text[start..end].contains('\n')
            };
            match fast(path, &text, &d, color) {
                Some(fast) => prop_assert_eq!(fast, oracle(path, &text, &d, color)),
                // Declined only for an empty code, a range off one line or a label elsewhere.
                None => prop_assert!(code.is_empty() || !on_one_line || label_elsewhere),
            }
        }
    }
}
