use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::{DockerfileContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports an instruction continued (with a trailing `\`) over an empty or whitespace-only
    /// line. A comment line inside a continuation is fine. As BuildKit does, the finding is on
    /// the instruction's last line, with a label on each empty line. This is BuildKit's
    /// `NoEmptyContinuation` build check.
    ///
    /// ## Why is this bad?
    /// BuildKit skips the empty line and goes on with the instruction, so the line after it is
    /// still part of the command, which is rarely what the blank line suggests. BuildKit
    /// announces that empty continuation lines will become errors in a future release.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update && \
    ///
    ///     apt-get install -y curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update && \
    ///     apt-get install -y curl
    /// ```
    ///
    /// ## Fix safety
    /// The fix deletes the empty lines. It is safe: BuildKit already skips them, so the
    /// instruction stays the same.
    ///
    /// ## Differences from BuildKit
    /// drydock points at the content of the instruction's last line (where BuildKit reports)
    /// and labels the empty lines.
    pub(crate) EmptyContinuationLine {
        code: "BK003",
        name: "empty-continuation-line",
        aliases: ["NoEmptyContinuation"],
        category: Correctness,
        severity: Warning,
        default_enabled: true,
        fix: Always,
        target: Dockerfile,
    }
}

/// The start of the line holding `offset`.
fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// The end of the line starting at `start`, after its terminator.
fn line_end_with_terminator(text: &str, start: usize) -> usize {
    text[start..]
        .find('\n')
        .map_or(text.len(), |i| start + i + 1)
}

impl Rule for EmptyContinuationLine {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let text = ctx.text();
        let items = ctx.model.file().items();
        for (index, instruction) in ctx.model.instructions() {
            let Some(last_empty) = instruction.empty_continuation_lines.last() else {
                continue;
            };
            // BuildKit's line: the last physical line the continuation consumed (before any
            // heredoc body).
            let item = &items[ctx.model.item_index(index)];
            let header_end = usize::from(instruction.header_end);
            let last_line = line_start(text, header_end.max(usize::from(last_empty.start())))
                .max(usize::from(item.range.start()));
            let content_end = text[last_line..]
                .find(['\n', '\r'])
                .map_or(text.len(), |i| last_line + i);
            let line = &text[last_line..content_end];
            let lead = line.len() - line.trim_start().len();
            let range = drydock_text::range(
                last_line + lead,
                (last_line + line.trim_end().len()).max(last_line + lead),
            );
            let mut edits = Vec::new();
            let diagnostic = ctx.report(range, "empty line inside a line continuation");
            for empty in &instruction.empty_continuation_lines {
                let start = line_start(text, usize::from(empty.start()));
                if start != last_line {
                    diagnostic.label(
                        drydock_text::range(start, usize::from(empty.end()).max(start)),
                        "this line is empty",
                    );
                }
                edits.push(Edit::delete(drydock_text::range(
                    start,
                    line_end_with_terminator(text, start),
                )));
            }
            diagnostic
                .help("BuildKit skips the empty line and continues the instruction; remove it")
                .fix(Fix::safe("Remove the empty continuation lines", edits));
        }
    }
}
