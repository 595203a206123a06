//! `--format tty`: each finding as a source snippet with its range underlined, the code, the
//! message and the help, rendered as codespan-reporting renders it; then a summary.
//!
//! Most findings take a hand-written fast path (the `fast` module) that writes codespan's bytes
//! directly; codespan renders the rest and is the fast path's test oracle.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use codespan_reporting::diagnostic::{Diagnostic as Snippet, Label, LabelStyle};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Config, Styles, StylesWriter};
use drydock_linter::{Applicability, Diagnostic, Severity};
use termcolor::{Buffer, ColorSpec, WriteColor};

use super::{Counts, FileResult};

mod fast;

fn snippet_severity(severity: Severity) -> codespan_reporting::diagnostic::Severity {
    use codespan_reporting::diagnostic::Severity as S;
    match severity {
        Severity::Error => S::Error,
        Severity::Warning => S::Warning,
        Severity::Info => S::Note,
        Severity::Style => S::Help,
    }
}

/// The flags a fix's note names.
fn fix_flags(applicability: Applicability) -> &'static str {
    match applicability {
        Applicability::Safe => "--fix",
        Applicability::Unsafe => "--fix --unsafe-fixes",
    }
}

/// Other files that labels point into: label path -> (path to show, text).
pub type OtherFiles = HashMap<PathBuf, (PathBuf, String)>;

/// Renders the findings of one file.
#[must_use]
pub fn render(path: &Path, text: &str, diagnostics: &[Diagnostic], color: bool) -> Vec<u8> {
    render_with_files(path, text, diagnostics, color, &OtherFiles::new())
}

/// Renders the findings of one file; labels in other files (a compose service's build
/// Dockerfile, the file that declares a service) are shown in those files' text when `others`
/// has it, else as notes.
///
/// A finding of the common shape (no secondary label, its range on one line) is rendered by
/// `fast::render`, byte for byte as codespan would; every other finding by codespan, whose
/// files database is only built for the first such finding.
#[must_use]
pub fn render_with_files(
    path: &Path,
    text: &str,
    diagnostics: &[Diagnostic],
    color: bool,
    others: &OtherFiles,
) -> Vec<u8> {
    if diagnostics.is_empty() {
        return Vec::new();
    }
    // Rendered into a buffer the thread keeps, then copied once at its exact size: the copy
    // is all that is held until the end of a run, without the reallocations of a growing
    // buffer (and their fresh pages) or a shrink afterwards.
    // The list of the text's line ends is kept by the thread too (it grew anew for each file).
    thread_local! {
        static BUFFERS: std::cell::RefCell<(Vec<u8>, Vec<usize>)> =
            const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
    }
    BUFFERS.with_borrow_mut(|(out, newlines)| {
        out.clear();
        // (codespan's lines end only at `\n`, unlike `LineIndex`'s.)
        newlines.clear();
        newlines.extend(memchr::memchr_iter(b'\n', text.as_bytes()));
        render_into(out, newlines, path, text, diagnostics, color, others);
        let rendered = out.as_slice().to_vec();
        if out.capacity() > 1 << 20 {
            *out = Vec::new();
        }
        if newlines.capacity() > 1 << 17 {
            *newlines = Vec::new();
        }
        rendered
    })
}

fn render_into(
    out: &mut Vec<u8>,
    newlines: &[usize],
    path: &Path,
    text: &str,
    diagnostics: &[Diagnostic],
    color: bool,
    others: &OtherFiles,
) {
    // (What `Path::display` shows, without its formatting machinery: the same text.)
    let name = path.to_string_lossy();
    let mut scratch = String::new();
    let mut slow: Option<Codespan<'_>> = None;
    let mut last = None;
    for d in diagnostics {
        if fast::render(
            out,
            &mut scratch,
            &name,
            text,
            newlines,
            d,
            color,
            &mut last,
        ) {
            continue;
        }
        slow.get_or_insert_with(|| Codespan::new(name.to_string(), text, others, color))
            .render(out, path, d, color);
    }
}

/// codespan-reporting's side of the rendering: the fallback for the shapes the fast path
/// leaves alone, and the tests' oracle for the fast path.
struct Codespan<'a> {
    files: SimpleFiles<String, &'a str>,
    main: usize,
    ids: HashMap<&'a Path, usize>,
    config: Config,
    styles: Styles,
}

impl<'a> Codespan<'a> {
    fn new(name: String, text: &'a str, others: &'a OtherFiles, color: bool) -> Self {
        let mut files = SimpleFiles::new();
        let main = files.add(name, text);
        let mut ids: HashMap<&Path, usize> = HashMap::new();
        for (key, (shown, other_text)) in others {
            ids.insert(
                key.as_path(),
                files.add(shown.display().to_string(), other_text.as_str()),
            );
        }
        let styles = if color {
            Styles::default()
        } else {
            Styles::no_color()
        };
        Self {
            files,
            main,
            ids,
            config: Config::default(),
            styles,
        }
    }

    /// Renders one finding of `path`'s into `out`.
    fn render(&self, out: &mut Vec<u8>, path: &Path, d: &Diagnostic, color: bool) {
        let mut labels = vec![Label::new(
            LabelStyle::Primary,
            self.main,
            d.range.start().into()..d.range.end().into(),
        )];
        let mut notes: Vec<String> = Vec::new();
        for label in &d.labels {
            let id = match &label.file {
                None => Some(self.main),
                Some(f) => self.ids.get(f.as_path()).copied(),
            };
            match id {
                Some(id) => labels.push(
                    Label::new(
                        LabelStyle::Secondary,
                        id,
                        label.range.start().into()..label.range.end().into(),
                    )
                    .with_message(&label.message),
                ),
                None => notes.push(format!(
                    "note: {} ({})",
                    label.message,
                    label.file.as_deref().unwrap_or(path).display()
                )),
            }
        }
        if let Some(help) = &d.help {
            notes.push(format!("help: {help}"));
        }
        if let Some(fix) = &d.fix {
            notes.push(format!(
                "fix ({}): {}",
                fix_flags(fix.applicability),
                fix.title
            ));
        }
        let snippet = Snippet::new(snippet_severity(d.severity))
            .with_code(d.code)
            .with_message(&d.message)
            .with_labels(labels)
            .with_notes(notes);
        let mut buffer = if color {
            Buffer::ansi()
        } else {
            Buffer::no_color()
        };
        let mut writer = StylesWriter::new(&mut buffer, &self.styles);
        if term::emit_to_write_style(&mut writer, &self.config, &self.files, &snippet).is_err() {
            // A range codespan cannot place (it should not happen): fall back to one line.
            let _ = writeln!(
                buffer,
                "{}[{}]: {} ({:?})",
                d.severity, d.code, d.message, d.range
            );
        }
        out.extend(rename_level(buffer.into_inner(), d.severity));
    }
}

/// codespan calls info "note" and style "help"; drydock's levels are `info` and `style`.
fn rename_level(rendered: Vec<u8>, severity: Severity) -> Vec<u8> {
    let (from, to): (&[u8], &[u8]) = match severity {
        Severity::Info => (b"note[", b"info["),
        Severity::Style => (b"help[", b"style["),
        _ => return rendered,
    };
    let first_line_end = rendered
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(rendered.len());
    match rendered[..first_line_end]
        .windows(from.len())
        .position(|w| w == from)
    {
        Some(at) => {
            let mut out = Vec::with_capacity(rendered.len() + 1);
            out.extend_from_slice(&rendered[..at]);
            out.extend_from_slice(to);
            out.extend_from_slice(&rendered[at + from.len()..]);
            out
        }
        None => rendered,
    }
}

/// Writes the rendered findings, in order; without `color`, ANSI escapes are taken out (the
/// findings are rendered once, in colour when standard output is a terminal, and may also go
/// to a file).
///
/// # Errors
/// Write errors.
pub fn write(results: &[FileResult], color: bool, out: &mut dyn Write) -> io::Result<()> {
    for result in results {
        // Rendered without colour already when no terminal gets it: nothing to take out.
        if color || memchr::memchr(0x1b, &result.rendered).is_none() {
            out.write_all(&result.rendered)?;
        } else {
            out.write_all(&strip_ansi(&result.rendered))?;
        }
    }
    Ok(())
}

/// `bytes` without ANSI CSI escape sequences (`ESC [ ... final-byte`).
#[must_use]
pub fn strip_ansi(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == 0x1b && bytes.get(i + 1) == Some(&b'[') {
            i += 2;
            while i < bytes.len() && !(0x40..=0x7e).contains(&bytes[i]) {
                i += 1;
            }
            i += 1;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Writes the summary line(s).
///
/// # Errors
/// Write errors.
pub fn summary(counts: &Counts, fixing: bool, out: &mut dyn WriteColor) -> io::Result<()> {
    if counts.fixed > 0 {
        writeln!(out, "Fixed {}.", plural(counts.fixed, "problem"))?;
    }
    let total = counts.total();
    if total == 0 {
        out.set_color(ColorSpec::new().set_bold(true))?;
        write!(out, "No problems found")?;
        out.reset()?;
        writeln!(out, " in {}.", plural(counts.files, "file"))?;
        return Ok(());
    }
    let [errors, warnings, infos, styles] = counts.by_severity;
    let mut parts = Vec::new();
    for (n, word) in [
        (errors, "error"),
        (warnings, "warning"),
        (infos, "info"),
        (styles, "style"),
    ] {
        if n > 0 {
            parts.push(plural(n, word));
        }
    }
    out.set_color(ColorSpec::new().set_bold(true))?;
    write!(out, "Found {}", plural(total, "problem"))?;
    out.reset()?;
    writeln!(
        out,
        " ({}) in {} of {} checked.",
        parts.join(", "),
        plural(counts.files_with_findings, "file"),
        counts.files
    )?;
    if !fixing && (counts.fixable > 0 || counts.unsafe_fixable > 0) {
        let mut line = String::new();
        if counts.fixable > 0 {
            line.push_str(&format!("{} fixable with `--fix`", counts.fixable));
        }
        if counts.unsafe_fixable > 0 {
            if !line.is_empty() {
                line.push_str("; ");
            }
            line.push_str(&format!(
                "{} more with `--fix --unsafe-fixes`",
                counts.unsafe_fixable
            ));
        }
        writeln!(out, "{line}.")?;
    }
    Ok(())
}
