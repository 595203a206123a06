use drydock_dockerfile::ItemKind;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports inline `# hadolint ignore=` pragmas (off by default).
    ///
    /// Off by default (as in hadolint, where its severity is `ignore`). Every comment line that
    /// hadolint reads as an *inline* ignore pragma is reported: `#`, optional blanks, `hadolint`,
    /// at least one blank, `ignore`, `=` (blanks allowed around it), then a comma-separated
    /// list of codes made only of the characters `D`, `L`, `S`, `C` and digits, optionally
    /// followed by a `# comment`.
    ///
    /// The `global`, `stage` and `shell=` forms are not reported, and neither is a comment that
    /// hadolint would not take as a pragma at all: a lowercase code (`dl3008`), a trailing
    /// comma, codes separated by blanks only, `HADOLINT` in capitals. An unknown but
    /// well-formed code (`DL9999`) is reported. Comment lines inside a continued instruction
    /// are not comments to hadolint and are not reported. `# drydock ignore=` comments are not
    /// reported either.
    ///
    /// ## Why is this bad?
    /// Some teams forbid silencing findings one instruction at a time: an inline ignore hides a
    /// problem right where a reviewer would otherwise see it. Enable this rule to find them
    /// all, and fix the findings or change the configuration instead.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// # hadolint ignore=DL3008
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8
    /// ```
    pub(crate) InlineIgnorePragma {
        code: "DL1001",
        name: "inline-ignore-pragma",
        aliases: [],
        category: Style,
        severity: Info,
        default_enabled: false,
        fix: None,
        target: Dockerfile,
    }
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// A cursor over a comment's text, following hadolint's pragma grammar.
struct Cursor<'a> {
    text: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn blanks(&mut self) -> usize {
        let start = self.at;
        while self.at < self.text.len() && is_blank(self.text[self.at]) {
            self.at += 1;
        }
        self.at - start
    }

    fn literal(&mut self, word: &str) -> bool {
        if self.text[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            true
        } else {
            false
        }
    }

    /// One code followed by optional blanks and an optional `# comment` (which runs to the end).
    fn code(&mut self) -> bool {
        let start = self.at;
        while self.at < self.text.len()
            && matches!(self.text[self.at], b'D' | b'L' | b'S' | b'C' | b'0'..=b'9')
        {
            self.at += 1;
        }
        if self.at == start {
            return false;
        }
        self.blanks();
        if self.at < self.text.len() && self.text[self.at] == b'#' {
            self.at = self.text.len();
        }
        true
    }
}

/// Whether `body` (the comment's text after `#`) is hadolint's inline ignore pragma.
fn is_inline_ignore(body: &str) -> bool {
    let mut c = Cursor {
        text: body.as_bytes(),
        at: 0,
    };
    c.blanks();
    if !c.literal("hadolint") || c.blanks() == 0 {
        return false;
    }
    if !c.literal("ignore") {
        return false;
    }
    c.blanks();
    if !c.literal("=") {
        return false;
    }
    c.blanks();
    if !c.code() {
        return false;
    }
    loop {
        let before = c.at;
        c.blanks();
        if !c.literal(",") {
            c.at = before;
            break;
        }
        c.blanks();
        // After a separator a code is required: `ignore=DL3008,` is not a pragma.
        if !c.code() {
            return false;
        }
    }
    c.at == c.text.len()
}

impl Rule for InlineIgnorePragma {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let text = ctx.text();
        for item in ctx.model.file().items() {
            let ItemKind::Comment(comment) = &item.kind else {
                continue;
            };
            let start = usize::from(comment.range.start()) + 1;
            let body = &text[start..usize::from(comment.range.end())];
            if is_inline_ignore(body.trim_end_matches('\r')) {
                ctx.report(comment.range, format!("inline ignore pragma `{}`", body_summary(text, comment.range)))
                    .help("fix the findings it silences, or turn the rules off in the configuration (or with a `global` pragma)");
            }
        }
    }
}

/// The pragma as written, for the message.
fn body_summary(text: &str, range: drydock_text::TextRange) -> String {
    text[range].trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::is_inline_ignore;

    #[test]
    fn grammar() {
        for yes in [
            " hadolint ignore=DL3008",
            "hadolint ignore=DL3008",
            " hadolint ignore = DL3008 , SC2086",
            "\thadolint\tignore=DL3008,DL3009",
            " hadolint ignore=DL3008 # because",
            " hadolint ignore=DL3008# because, more",
            " hadolint ignore=DL9999",
            " hadolint ignore=DL3008   ",
        ] {
            assert!(is_inline_ignore(yes), "{yes:?}");
        }
        for no in [
            " hadolint global ignore=DL3008",
            " hadolint stage ignore=DL3008",
            " hadolint shell=bash",
            " hadolint ignore=dl3008",
            " hadolint ignore=DL3008,",
            " hadolint ignore=DL3008 DL3009",
            " HADOLINT ignore=DL3008",
            " hadolintignore=DL3008",
            " hadolint ignore=",
            " hadolint ignore=DL3008,crazy",
            " drydock ignore=DL3008",
            " just a comment",
        ] {
            assert!(!is_inline_ignore(no), "{no:?}");
        }
    }
}
