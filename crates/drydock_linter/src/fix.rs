//! Applying fixes: non-overlapping edits, repeated until nothing changes.

use drydock_text::{SourceText, TextRange};

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::lint::{DockerfileInput, DockerfileLint, lint_dockerfile};
use crate::settings::Settings;

/// Most rounds of lint-and-fix before giving up on convergence.
pub const MAX_ROUNDS: usize = 10;

/// The outcome of fixing a file.
#[derive(Debug)]
pub struct FixOutcome {
    /// The fixed bytes (equal to the input when nothing applied).
    pub output: Vec<u8>,
    /// Number of fixes applied, over all rounds.
    pub applied: usize,
    /// Whether the last round found nothing more to fix.
    pub converged: bool,
    /// Findings left after fixing.
    pub remaining: Vec<Diagnostic>,
}

/// Whether the text mostly uses CRLF line endings.
#[must_use]
pub fn uses_crlf(bytes: &[u8]) -> bool {
    let crlf = bytes.windows(2).filter(|w| w == b"\r\n").count();
    let lf = bytes.iter().filter(|&&b| b == b'\n').count();
    crlf > 0 && crlf * 2 >= lf
}

fn overlaps(a: TextRange, b: TextRange) -> bool {
    if a.is_empty() && b.is_empty() {
        return a.start() == b.start();
    }
    if a.is_empty() {
        return b.start() < a.start() && a.start() < b.end();
    }
    if b.is_empty() {
        return a.start() < b.start() && b.start() < a.end();
    }
    a.start() < b.end() && b.start() < a.end()
}

/// Picks fixes that do not overlap each other (earlier fixes win) and that `unsafe_fixes`
/// allows.
#[must_use]
pub fn select_fixes(diagnostics: &[Diagnostic], unsafe_fixes: bool) -> Vec<&Fix> {
    let mut fixes: Vec<&Fix> = diagnostics
        .iter()
        .filter_map(|d| d.fix.as_ref())
        .filter(|f| unsafe_fixes || f.applicability == Applicability::Safe)
        .filter(|f| !f.edits.is_empty())
        .collect();
    fixes.sort_by_key(|f| f.range().map(|r| (r.start(), r.end())));
    let mut taken: Vec<TextRange> = Vec::new();
    let mut chosen = Vec::new();
    for fix in fixes {
        if fix
            .edits
            .iter()
            .any(|e| taken.iter().any(|t| overlaps(*t, e.range)))
        {
            continue;
        }
        taken.extend(fix.edits.iter().map(|e| e.range));
        chosen.push(fix);
    }
    chosen
}

/// Applies edits (non-overlapping) to `bytes`, writing `\n` in new text as `\r\n` when `crlf`.
#[must_use]
pub fn apply_edits(bytes: &[u8], edits: &[&Edit], crlf: bool) -> Vec<u8> {
    let mut sorted: Vec<&Edit> = edits.to_vec();
    sorted.sort_by_key(|e| (e.range.start(), e.range.end()));
    let mut out = Vec::with_capacity(bytes.len());
    let mut pos = 0usize;
    for edit in sorted {
        let start = usize::from(edit.range.start()).min(bytes.len());
        let end = usize::from(edit.range.end()).min(bytes.len());
        if start < pos {
            continue;
        }
        out.extend_from_slice(&bytes[pos..start]);
        if crlf {
            out.extend_from_slice(
                edit.content
                    .replace("\r\n", "\n")
                    .replace('\n', "\r\n")
                    .as_bytes(),
            );
        } else {
            out.extend_from_slice(edit.content.as_bytes());
        }
        pos = end;
    }
    out.extend_from_slice(&bytes[pos..]);
    out
}

/// Lints and fixes a Dockerfile until no fix applies (at most [`MAX_ROUNDS`] rounds). A round
/// that would add syntax errors is thrown away and fixing stops there.
#[must_use]
pub fn fix_dockerfile(
    bytes: Vec<u8>,
    input: DockerfileInput<'_>,
    settings: &Settings,
    unsafe_fixes: bool,
) -> FixOutcome {
    dockerfile_rounds(bytes, input, settings, MAX_ROUNDS, |lint| {
        let fixes = select_fixes(&lint.diagnostics, unsafe_fixes);
        let edits = fixes.iter().flat_map(|f| f.edits.iter().cloned()).collect();
        (edits, fixes.len())
    })
}

/// Lints and edits a Dockerfile in rounds until a round has nothing to change (at most
/// `max_rounds`): `round` gives a round's edits from the lint of the current text, and how
/// many changes (fixes, suppressed codes) they count as. A round that would add syntax errors
/// is thrown away and editing stops there.
fn dockerfile_rounds(
    bytes: Vec<u8>,
    input: DockerfileInput<'_>,
    settings: &Settings,
    max_rounds: usize,
    round: impl Fn(&DockerfileLint) -> (Vec<Edit>, usize),
) -> FixOutcome {
    let crlf = uses_crlf(&bytes);
    let mut current = bytes;
    let mut applied = 0;
    let mut lint = lint_dockerfile(SourceText::from_bytes(current.clone()), input, settings);
    let mut converged = false;
    for _ in 0..max_rounds {
        let (edits, count) = round(&lint);
        if edits.is_empty() {
            converged = true;
            break;
        }
        let refs: Vec<&Edit> = edits.iter().collect();
        let next = apply_edits(&current, &refs, crlf);
        let next_lint = lint_dockerfile(SourceText::from_bytes(next.clone()), input, settings);
        if next_lint.model.file().errors().len() > lint.model.file().errors().len() {
            break;
        }
        applied += count;
        current = next;
        lint = next_lint;
    }
    FixOutcome {
        output: current,
        applied,
        converged,
        remaining: lint.diagnostics,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use drydock_compose::project::FileSystem;
    use drydock_text::TextSize;

    /// Edited files are found by path equality (`a//b` is `a/b`) whether there are a few of
    /// them (compared in turn) or many (hashed); other paths go to the base.
    #[test]
    fn overlay_finds_edited_files_by_equal_paths() {
        struct Empty;
        impl FileSystem for Empty {
            fn read(&self, _: &std::path::Path) -> std::io::Result<Vec<u8>> {
                Err(std::io::ErrorKind::NotFound.into())
            }
            fn is_file(&self, _: &std::path::Path) -> bool {
                false
            }
        }
        for count in [1, 8, 9, 40] {
            let fs = OverlayFs {
                base: &Empty,
                files: (0..count)
                    .map(|i| {
                        (
                            format!("/p/d{i}/compose.yaml").into(),
                            vec![u8::try_from(i).unwrap()],
                        )
                    })
                    .collect(),
            };
            for i in 0..count {
                let same = std::path::PathBuf::from(format!("/p//d{i}/./compose.yaml"));
                assert_eq!(
                    fs.read(&same).unwrap(),
                    [u8::try_from(i).unwrap()],
                    "{count}"
                );
                assert!(fs.is_file(&same));
            }
            let other = std::path::Path::new("/p/d0/compose.yml");
            assert!(fs.read(other).is_err());
            assert!(!fs.is_file(other));
        }
    }

    #[test]
    fn edits_and_line_endings() {
        let text = b"FROM a\r\nRUN b\r\n";
        let edits = [
            Edit::insert(TextSize::new(8), "USER x\n"),
            Edit::replace(drydock_text::range(0, 4), "from"),
        ];
        let refs: Vec<&Edit> = edits.iter().collect();
        assert_eq!(
            apply_edits(text, &refs, true),
            b"from a\r\nUSER x\r\nRUN b\r\n".to_vec()
        );
        assert!(uses_crlf(text));
        assert!(!uses_crlf(b"a\nb\r\nc\n"));
    }

    #[test]
    fn overlapping_fixes_are_skipped() {
        let r = |a, b| drydock_text::range(a, b);
        assert!(overlaps(r(0, 4), r(2, 6)));
        assert!(!overlaps(r(0, 4), r(4, 6)));
        assert!(overlaps(r(3, 3), r(3, 3)));
        assert!(!overlaps(r(4, 4), r(0, 4)));
        assert!(overlaps(r(2, 2), r(0, 4)));
    }
}

/// A file system that returns edited contents for some files and reads the rest from `base`.
pub struct OverlayFs<'a> {
    /// Where unedited files come from.
    pub base: &'a dyn drydock_compose::project::FileSystem,
    /// Edited contents by path.
    pub files: std::collections::HashMap<std::path::PathBuf, Vec<u8>>,
}

impl OverlayFs<'_> {
    /// The edited contents of `path`. A project has a few edited files: they are compared in
    /// turn (paths with other names differ at their last component, which is compared first),
    /// which costs less than hashing `path` component by component, as a map lookup does.
    fn edited(&self, path: &std::path::Path) -> Option<&Vec<u8>> {
        if self.files.len() <= 8 {
            self.files
                .iter()
                .find(|(p, _)| p.as_path() == path)
                .map(|(_, bytes)| bytes)
        } else {
            self.files.get(path)
        }
    }
}

impl drydock_compose::project::FileSystem for OverlayFs<'_> {
    fn read(&self, path: &std::path::Path) -> std::io::Result<Vec<u8>> {
        match self.edited(path) {
            Some(bytes) => Ok(bytes.clone()),
            None => self.base.read(path),
        }
    }

    fn is_file(&self, path: &std::path::Path) -> bool {
        self.edited(path).is_some() || self.base.is_file(path)
    }
}

/// The outcome of fixing a compose project: new contents of the files that changed.
#[derive(Debug, Default)]
pub struct ComposeFixOutcome {
    /// `(path, original bytes, fixed bytes)` of every changed file.
    pub changed: Vec<(std::path::PathBuf, Vec<u8>, Vec<u8>)>,
    /// Number of fixes applied.
    pub applied: usize,
    /// Number of fixes applied, by file.
    pub applied_by_file: std::collections::HashMap<std::path::PathBuf, usize>,
    /// Whether the last round found nothing more to fix.
    pub converged: bool,
    /// Whether a round was thrown away because its fixes made the project worse.
    pub rejected: bool,
}

/// Lints and fixes a compose project (only files in `focus`, or every compose file of the
/// project) until no fix applies. A round that would add YAML errors is thrown away.
#[must_use]
pub fn fix_compose(
    options: &drydock_compose::project::LoadOptions,
    fs: &dyn drydock_compose::project::FileSystem,
    focus: Option<&[std::path::PathBuf]>,
    settings: &Settings,
    unsafe_fixes: bool,
) -> ComposeFixOutcome {
    use drydock_compose::project::Problem;
    compose_rounds(
        options,
        fs,
        focus,
        settings,
        MAX_ROUNDS,
        |loaded, id, in_file| {
            // A file YAML cannot read is not fixed: its tree is a guess.
            let unreadable = loaded
                .problems
                .iter()
                .any(|p| matches!(p, Problem::Yaml { origin, .. } if origin.file == id));
            if unreadable {
                return (Vec::new(), 0);
            }
            let fixes = select_fixes(in_file, unsafe_fixes);
            let edits = fixes.iter().flat_map(|f| f.edits.iter().cloned()).collect();
            (edits, fixes.len())
        },
    )
}

/// Lints and edits the compose files of a project (those in `focus`, or every one) in rounds
/// until a round has nothing to change (at most `max_rounds`): `round` gives a file's edits
/// from the loaded project, the file's id and its findings, and how many changes they count
/// as. A round that would add a YAML, interpolation or schema problem is thrown away and
/// editing stops there.
fn compose_rounds(
    options: &drydock_compose::project::LoadOptions,
    fs: &dyn drydock_compose::project::FileSystem,
    focus: Option<&[std::path::PathBuf]>,
    settings: &Settings,
    max_rounds: usize,
    round: impl Fn(&drydock_compose::project::Project, u32, &[Diagnostic]) -> (Vec<Edit>, usize),
) -> ComposeFixOutcome {
    use drydock_compose::project::{self, SourceKind};
    let mut overlay = OverlayFs {
        base: fs,
        files: std::collections::HashMap::new(),
    };
    let mut originals: Vec<(std::path::PathBuf, Vec<u8>)> = Vec::new();
    let mut applied = 0;
    let mut applied_by_file: std::collections::HashMap<std::path::PathBuf, usize> =
        std::collections::HashMap::new();
    let mut converged = false;
    let mut rejected = false;
    for _ in 0..max_rounds {
        let loaded = project::load(options, &overlay);
        let focus_ids: Vec<u32> = (0..loaded.files.len())
            .filter(|&i| matches!(loaded.files[i].kind, SourceKind::Compose(_)))
            .filter(|&i| focus.is_none_or(|f| f.contains(&loaded.files[i].path)))
            .filter_map(|i| u32::try_from(i).ok())
            .collect();
        let input = crate::compose::ComposeInput {
            fs: &overlay,
            focus: Some(&focus_ids),
        };
        let diagnostics = crate::compose::lint_project(&loaded, &input, settings);
        let broken_before = breakage(&loaded);
        let mut next_files = overlay.files.clone();
        let mut round_by_file: Vec<(std::path::PathBuf, usize)> = Vec::new();
        for &id in &focus_ids {
            let in_file: Vec<Diagnostic> = diagnostics
                .iter()
                .filter(|d| d.file == id)
                .map(|d| d.diagnostic.clone())
                .collect();
            let (edits, count) = round(&loaded, id, &in_file);
            if edits.is_empty() {
                continue;
            }
            let path = loaded.path(id).to_owned();
            let current = loaded.file(id).source.to_bytes();
            if !originals.iter().any(|(p, _)| *p == path) {
                originals.push((path.clone(), current.clone()));
            }
            let refs: Vec<&Edit> = edits.iter().collect();
            next_files.insert(
                path.clone(),
                apply_edits(&current, &refs, uses_crlf(&current)),
            );
            round_by_file.push((path, count));
        }
        if round_by_file.is_empty() {
            converged = true;
            break;
        }
        let candidate = OverlayFs {
            base: fs,
            files: next_files.clone(),
        };
        if breakage(&project::load(options, &candidate)) > broken_before {
            // A change that makes the project worse is a bug; the round is thrown away rather
            // than written.
            rejected = true;
            break;
        }
        for (path, n) in round_by_file {
            applied += n;
            *applied_by_file.entry(path).or_default() += n;
        }
        overlay.files = next_files;
    }
    let changed = originals
        .into_iter()
        .filter_map(|(path, original)| {
            let fixed = overlay.files.get(&path)?.clone();
            (fixed != original).then_some((path, original, fixed))
        })
        .collect();
    ComposeFixOutcome {
        changed,
        applied,
        applied_by_file,
        converged,
        rejected,
    }
}

/// Problems a fix must never add: YAML and interpolation problems, and schema errors.
fn breakage(project: &drydock_compose::project::Project) -> usize {
    use drydock_compose::project::Problem;
    let problems = project
        .problems
        .iter()
        .filter(|p| {
            matches!(
                p,
                Problem::Yaml { .. } | Problem::Interpolation { .. } | Problem::EnvFile { .. }
            )
        })
        .count();
    let schema: usize = project
        .file_trees
        .iter()
        .map(|(_, tree)| drydock_compose::schema::validate(tree).len())
        .sum();
    problems + schema
}

/// Rounds of `--add-ignore`: each round adds one comment (or one code) per instruction or key.
const MAX_IGNORE_ROUNDS: usize = 64;

/// The suppression edits for one round: at most one per place (the first finding there), so
/// two findings of one instruction become one comment over two rounds (a new line, then a
/// code added to it).
fn ignore_round(
    text: &str,
    kind: crate::suppress_edit::FileKind,
    diagnostics: &[Diagnostic],
    reason: &str,
) -> Vec<Edit> {
    let suppressor = crate::suppress_edit::Suppressor::new(text, Some(kind), true);
    let mut edits: Vec<Edit> = Vec::new();
    for d in diagnostics {
        // Syntax errors are not suppressed: they are fixed.
        if d.code == "DL1000" {
            continue;
        }
        if let Some(edit) = suppressor.edit(d, Some(reason))
            && !edits.iter().any(|e| e.range.start() == edit.range.start())
        {
            edits.push(edit);
        }
    }
    edits
}

/// `--add-ignore`: adds a `# drydock ignore=CODE -- reason` comment for every finding of a
/// Dockerfile (codes of one instruction share one comment), so a team can adopt drydock on an
/// existing code base and remove the comments as it fixes things. `applied` counts the codes
/// added; `remaining` is what could not be suppressed (syntax errors).
#[must_use]
pub fn add_ignores_dockerfile(
    bytes: Vec<u8>,
    input: DockerfileInput<'_>,
    settings: &Settings,
    reason: &str,
) -> FixOutcome {
    dockerfile_rounds(bytes, input, settings, MAX_IGNORE_ROUNDS, |lint| {
        let edits = ignore_round(
            lint.model.text(),
            crate::suppress_edit::FileKind::Dockerfile,
            &lint.diagnostics,
            reason,
        );
        let count = edits.len();
        (edits, count)
    })
}

/// `--add-ignore` for a compose project: a comment above each key with findings, in the files
/// of `focus` (or every compose file of the project).
#[must_use]
pub fn add_ignores_compose(
    options: &drydock_compose::project::LoadOptions,
    fs: &dyn drydock_compose::project::FileSystem,
    focus: Option<&[std::path::PathBuf]>,
    settings: &Settings,
    reason: &str,
) -> ComposeFixOutcome {
    compose_rounds(
        options,
        fs,
        focus,
        settings,
        MAX_IGNORE_ROUNDS,
        |loaded, id, in_file| {
            let edits = ignore_round(
                loaded.file(id).source.text(),
                crate::suppress_edit::FileKind::Compose,
                in_file,
                reason,
            );
            let count = edits.len();
            (edits, count)
        },
    )
}
