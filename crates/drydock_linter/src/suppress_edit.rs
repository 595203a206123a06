//! Edits that add suppression comments, in exactly the forms [`crate::suppression`] honours:
//! `# drydock ignore=CODE` above the instruction (Dockerfile) or the key (compose) holding a
//! finding, or `# drydock global ignore=CODE` for the whole file; a code is added to a drydock
//! comment already in place rather than writing a second one. Used by editors' "suppress" code
//! actions and by `drydock check --add-ignore`.

use drydock_compose::yaml::{self, Node, NodeKind};
use drydock_dockerfile::{ItemKind, TextRange, TextSize};
use drydock_text::LineIndex;

use crate::registry;
use crate::suppression::{self, Flavor, Scope};
use crate::{Diagnostic, Edit};

/// What kind of file the text is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A Dockerfile.
    Dockerfile,
    /// A compose file.
    Compose,
}

/// Builds suppression edits for one file.
pub enum Suppressor<'a> {
    /// Pragmas are turned off (`disable-ignore-pragma`) or the file is neither kind.
    Off,
    /// A Dockerfile, parsed, with its pragmas.
    Dockerfile {
        /// The text.
        text: &'a str,
        /// The syntax tree.
        file: drydock_dockerfile::Dockerfile,
        /// Its suppression comments.
        pragmas: Vec<suppression::Pragma>,
    },
    /// A compose file, parsed, with its comments.
    Compose {
        /// The text.
        text: &'a str,
        /// Line starts.
        index: LineIndex,
        /// The YAML tree.
        tree: yaml::Document,
        /// Its comments.
        comments: Vec<yaml::Comment>,
    },
}

impl<'a> Suppressor<'a> {
    /// A suppressor for `text`; `enabled: false` (pragmas are turned off by
    /// `disable-ignore-pragma`) gives one that offers nothing.
    #[must_use]
    pub fn new(text: &'a str, kind: Option<FileKind>, enabled: bool) -> Self {
        match kind {
            _ if !enabled => Self::Off,
            None => Self::Off,
            Some(FileKind::Dockerfile) => {
                let file = drydock_dockerfile::parse_str(text);
                let index = LineIndex::new(text);
                let pragmas = suppression::pragmas(&file, &index);
                Self::Dockerfile {
                    text,
                    file,
                    pragmas,
                }
            }
            Some(FileKind::Compose) => {
                let tree = yaml::parse(text);
                let comments = yaml::comments(text, &tree);
                Self::Compose {
                    text,
                    index: LineIndex::new(text),
                    tree,
                    comments,
                }
            }
        }
    }

    /// Whether a finding can be suppressed by a comment: a registered rule (or a ShellCheck
    /// code in a Dockerfile) and not a finding about suppressions themselves.
    #[must_use]
    pub fn can_suppress(&self, code: &str) -> bool {
        match self {
            Self::Off => false,
            _ if code.starts_with("DY") => false,
            Self::Dockerfile { .. } => {
                registry::by_code(code).is_some() || registry::is_shellcheck_code(code)
            }
            Self::Compose { .. } => registry::by_code(code).is_some(),
        }
    }

    /// The edit suppressing one finding where it is: above its instruction or key, a new
    /// comment carrying `reason` after `--`; for a finding about the whole file (an empty range
    /// at its start), a global comment. `None` when it cannot be suppressed, or a comment
    /// already names it.
    #[must_use]
    pub fn edit(&self, d: &Diagnostic, reason: Option<&str>) -> Option<Edit> {
        if !self.can_suppress(d.code) {
            return None;
        }
        let whole_file = d.range.is_empty() && d.range.start() == TextSize::new(0);
        match self {
            Self::Off => None,
            Self::Dockerfile {
                text,
                file,
                pragmas,
            } if whole_file => Some(dockerfile_global(text, file, pragmas, d.code, reason)),
            Self::Dockerfile {
                text,
                file,
                pragmas,
            } => dockerfile_next(text, file, pragmas, d, reason),
            Self::Compose { text, comments, .. } if whole_file => {
                Some(compose_global(text, comments, d.code, reason))
            }
            Self::Compose {
                text,
                index,
                tree,
                comments,
            } => compose_next(text, index, tree, comments, d, reason),
        }
    }

    /// The suppression actions for a finding: `(title, edit)`, the narrow one first.
    #[must_use]
    pub fn actions(&self, d: &Diagnostic) -> Vec<(String, Edit)> {
        let code = d.code;
        // Findings about suppressions themselves come after suppressions are applied.
        if !self.can_suppress(code) {
            return Vec::new();
        }
        let mut out = Vec::new();
        match self {
            Self::Off => {}
            Self::Dockerfile {
                text,
                file,
                pragmas,
            } => {
                if let Some(edit) = dockerfile_next(text, file, pragmas, d, None) {
                    out.push((format!("Suppress {code} for this instruction"), edit));
                }
                out.push((
                    format!("Suppress {code} in this file"),
                    dockerfile_global(text, file, pragmas, code, None),
                ));
            }
            Self::Compose {
                text,
                index,
                tree,
                comments,
            } => {
                if let Some(edit) = compose_next(text, index, tree, comments, d, None) {
                    out.push((format!("Suppress {code} for this key"), edit));
                }
                out.push((
                    format!("Suppress {code} in this file"),
                    compose_global(text, comments, code, None),
                ));
            }
        }
        out
    }
}

fn with_reason(reason: Option<&str>) -> String {
    reason.map(|r| format!(" -- {r}")).unwrap_or_default()
}

/// Whether a pragma code names the finding's code.
fn names(code_text: &str, code: &str) -> bool {
    match registry::by_code(code) {
        Some(id) => registry::find(code_text) == Some(id),
        None => code_text.eq_ignore_ascii_case(code),
    }
}

/// `# drydock ignore=CODE` in the comment block above the instruction holding the finding (the
/// code added to a drydock comment already there).
fn dockerfile_next(
    text: &str,
    file: &drydock_dockerfile::Dockerfile,
    pragmas: &[suppression::Pragma],
    d: &Diagnostic,
    reason: Option<&str>,
) -> Option<Edit> {
    let items = file.items();
    let start = d.range.start();
    // The instruction whose comment block covers the finding, as the linter decides it.
    let (i, instruction) = items
        .iter()
        .enumerate()
        .find_map(|(i, item)| match &item.kind {
            ItemKind::Instruction(instruction) => {
                let covered = TextRange::new(item.range.start(), instruction.range.end());
                (covered.contains(start) || covered.start() == start).then_some((i, instruction))
            }
            _ => None,
        })?;
    let pragma_of = |item: &drydock_dockerfile::Item| match &item.kind {
        ItemKind::Comment(c) => pragmas.iter().find(|p| p.comment == c.range),
        _ => None,
    };
    // The comment block directly above: items `block..i`.
    let mut block = i;
    while block > 0 && matches!(items[block - 1].kind, ItemKind::Comment(_)) {
        block -= 1;
    }
    for item in items[block..i].iter().rev() {
        if let Some(p) = pragma_of(item)
            && p.flavor == Flavor::Drydock
            && p.scope == Scope::Next
            && let Some(last) = p.codes.last()
        {
            if p.codes.iter().any(|c| names(&c.text, d.code)) {
                return None;
            }
            return Some(Edit::insert(last.range.end(), format!(",{}", d.code)));
        }
    }
    // A new line right above the instruction, but above hadolint's pragmas that must stay
    // directly above it.
    let mut at = i;
    while at > block
        && pragma_of(&items[at - 1])
            .is_some_and(|p| p.flavor == Flavor::Hadolint && p.scope == Scope::Next)
    {
        at -= 1;
    }
    let indent = &text[TextRange::new(items[i].range.start(), instruction.range.start())];
    let indent = if indent.chars().all(|c| c == ' ' || c == '\t') {
        indent
    } else {
        ""
    };
    Some(Edit::insert(
        items[at].range.start(),
        format!(
            "{indent}# drydock ignore={}{}\n",
            d.code,
            with_reason(reason)
        ),
    ))
}

/// `# drydock global ignore=CODE` after the BOM and parser directives (or the code added to a
/// global drydock comment already there).
fn dockerfile_global(
    text: &str,
    file: &drydock_dockerfile::Dockerfile,
    pragmas: &[suppression::Pragma],
    code: &str,
    reason: Option<&str>,
) -> Edit {
    if let Some(last) = pragmas
        .iter()
        .filter(|p| p.flavor == Flavor::Drydock && p.scope == Scope::Global)
        .find_map(|p| p.codes.last())
    {
        return Edit::insert(last.range.end(), format!(",{code}"));
    }
    let at = file
        .items()
        .iter()
        .take_while(|item| matches!(item.kind, ItemKind::Bom | ItemKind::Directive(_)))
        .last()
        .map_or(TextSize::new(0), |item| item.range.end());
    top_insert(
        text,
        at,
        &format!("# drydock global ignore={code}{}", with_reason(reason)),
    )
}

/// Inserts `line` as a line of its own at `at` (the start of a line, or the end of a file that
/// does not end with a line break).
fn top_insert(text: &str, at: TextSize, line: &str) -> Edit {
    let offset = usize::from(at);
    if offset > 0 && offset == text.len() && !text.ends_with(['\n', '\r']) {
        Edit::insert(at, format!("\n{line}"))
    } else {
        Edit::insert(at, format!("{line}\n"))
    }
}

/// The entries of a YAML document (mapping entries from key to value, sequence items), as the
/// linter's compose suppressions see them.
fn yaml_entries(tree: &yaml::Document) -> Vec<TextRange> {
    let mut out = Vec::new();
    let mut stack: Vec<&Node> = tree.root.iter().collect();
    while let Some(node) = stack.pop() {
        match &node.kind {
            NodeKind::Mapping(entries) => {
                for (k, v) in entries {
                    out.push(TextRange::new(
                        k.range.start(),
                        v.range.end().max(k.range.end()),
                    ));
                    stack.push(v);
                }
            }
            NodeKind::Sequence(items) => {
                for item in items {
                    out.push(item.range);
                    stack.push(item);
                }
            }
            _ => {}
        }
    }
    out
}

fn covers(range: TextRange, offset: TextSize) -> bool {
    range.contains(offset) || range.start() == offset
}

/// `# drydock ignore=CODE` on the line above the key holding the finding, indented like it (or
/// the code added to a drydock comment already aimed at that line).
fn compose_next(
    text: &str,
    index: &LineIndex,
    tree: &yaml::Document,
    comments: &[yaml::Comment],
    d: &Diagnostic,
    reason: Option<&str>,
) -> Option<Edit> {
    let start = d.range.start();
    let entries = yaml_entries(tree);
    // The entry the linter gives a comment aimed at `line`: the outermost starting there.
    let on_line = |line: usize| {
        entries
            .iter()
            .filter(|r| index.line_of(r.start()) == line)
            .min_by(|a, b| a.start().cmp(&b.start()).then(b.end().cmp(&a.end())))
            .copied()
    };
    let mut holding: Vec<TextRange> = entries
        .iter()
        .copied()
        .filter(|r| covers(*r, start))
        .collect();
    holding.sort_by_key(|r| r.len());
    let target = holding.iter().find_map(|r| {
        let line = index.line_of(r.start());
        on_line(line)
            .is_some_and(|e| covers(e, start))
            .then_some(line)
    })?;
    let pragma_in = |c: &yaml::Comment| {
        let after_hash = usize::from(c.range.start()) + 1;
        suppression::parse_comment(&text[after_hash..usize::from(c.range.end())], after_hash)
            .filter(|p| p.flavor == Flavor::Drydock && p.scope == Scope::Next)
    };
    let append = |p: suppression::CommentPragma| -> Option<Option<Edit>> {
        let (_, last) = p.codes.last()?;
        if p.codes.iter().any(|(c, _)| names(c, d.code)) {
            return Some(None);
        }
        Some(Some(Edit::insert(last.end(), format!(",{}", d.code))))
    };
    // A drydock comment at the end of the target line, or in the comment lines above it.
    let line_comment = |line: usize| {
        comments
            .iter()
            .find(|c| index.line_of(c.range.start()) == line)
    };
    if let Some(c) = line_comment(target).filter(|c| !c.own_line)
        && let Some(p) = pragma_in(c)
        && let Some(edit) = append(p)
    {
        return edit;
    }
    let mut line = target;
    while line > 0 {
        line -= 1;
        let Some(range) = index.line_range(line) else {
            break;
        };
        if text[range].trim().is_empty() {
            continue;
        }
        let Some(c) = line_comment(line).filter(|c| c.own_line) else {
            break;
        };
        if let Some(p) = pragma_in(c)
            && let Some(edit) = append(p)
        {
            return edit;
        }
    }
    let line_range = index.line_range(target)?;
    let line_text = &text[line_range];
    let indent = &line_text[..line_text.len() - line_text.trim_start_matches([' ', '\t']).len()];
    Some(Edit::insert(
        line_range.start(),
        format!(
            "{indent}# drydock ignore={}{}\n",
            d.code,
            with_reason(reason)
        ),
    ))
}

/// `# drydock global ignore=CODE` at the top of a compose file (or the code added to a global
/// drydock comment already there).
fn compose_global(
    text: &str,
    comments: &[yaml::Comment],
    code: &str,
    reason: Option<&str>,
) -> Edit {
    for c in comments {
        let after_hash = usize::from(c.range.start()) + 1;
        if let Some(p) =
            suppression::parse_comment(&text[after_hash..usize::from(c.range.end())], after_hash)
            && p.flavor == Flavor::Drydock
            && p.scope == Scope::Global
            && let Some((_, last)) = p.codes.last()
        {
            return Edit::insert(last.end(), format!(",{code}"));
        }
    }
    let at = if text.starts_with('\u{feff}') {
        TextSize::new(3)
    } else {
        TextSize::new(0)
    };
    top_insert(
        text,
        at,
        &format!("# drydock global ignore={code}{}", with_reason(reason)),
    )
}
