//! Compose rule fixtures: `fixtures/compose/<rule-name>/<case>.yaml` (a project of one file) or
//! `fixtures/compose/<rule-name>/<case>/` (a folder: its `compose.yaml` with the override file
//! Compose would add, `.env`, `env_file`s, included and extended files, build Dockerfiles).
//!
//! Expectations are YAML comments in any compose file of the fixture:
//!
//! ```text
//! privileged: true   # expect: CMP001        a CMP001 finding starts on this line
//! privileged: true   # expect: CMP001:17     ... at column 17
//! # expect: none                             the rule must stay silent in this fixture
//! ```
//!
//! Only the folder's rule runs. The rendered findings and the fix diff of each fixture are
//! snapshotted next to it (`<case>.snap`); fixes must converge and never add a YAML error.

use std::path::{Path, PathBuf};

use drydock_compose::project::{self, LoadOptions, RealFs, SourceKind};
use drydock_linter::compose::{ComposeInput, lint_project};
use drydock_linter::fix::fix_compose;
use drydock_linter::registry;
use drydock_linter::rule::FixAvailability;
use drydock_linter::settings::Settings;
use drydock_tests::repo_root;
use drydock_text::{LineIndex, PositionEncoding};

struct Fixture {
    /// The file or folder.
    path: PathBuf,
    rule: String,
    files: Vec<PathBuf>,
}

fn fixtures() -> Vec<Fixture> {
    let root = repo_root().join("fixtures/compose");
    let only: Option<Vec<String>> = std::env::var("DRYDOCK_FIXTURES")
        .ok()
        .map(|v| v.split(',').map(str::to_owned).collect());
    let mut out = Vec::new();
    let Ok(read) = std::fs::read_dir(&root) else {
        return out;
    };
    let mut dirs: Vec<PathBuf> = read
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let rule = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if only.as_ref().is_some_and(|o| !o.contains(&rule)) {
            continue;
        }
        let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("rule folder")
            .flatten()
            .map(|e| e.path())
            .collect();
        cases.sort();
        for case in cases {
            let files = if case.is_dir() {
                let base = project::BASE_NAMES
                    .iter()
                    .map(|n| case.join(n))
                    .find(|p| p.is_file());
                let Some(base) = base else {
                    panic!("{}: no compose.yaml in the fixture folder", case.display())
                };
                project::project_files(&base, &RealFs).0
            } else if case.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                vec![case.clone()]
            } else {
                continue;
            };
            out.push(Fixture {
                path: case,
                rule: rule.clone(),
                files,
            });
        }
    }
    out
}

/// An expected finding: file name relative to the fixture, line, code, optional column.
type Expected = (String, u32, String, Option<u32>);

/// The expectations, and whether the fixture had any `# expect:` comment.
fn expectations(fixture: &Fixture, project: &project::Project) -> (Vec<Expected>, bool) {
    let mut expected = Vec::new();
    let mut saw = false;
    for file in &project.files {
        let text = file.source.text();
        let index = LineIndex::new(text);
        // Compose files: YAML comments. Env files: `# expect:` after an unquoted value (an
        // inline comment in dotenv syntax) or on a line of its own.
        let comments: Vec<drydock_text::TextRange> = match &file.kind {
            SourceKind::Compose(doc) => drydock_compose::yaml::comments(text, doc)
                .into_iter()
                .map(|c| c.range)
                .collect(),
            SourceKind::Env(_) => {
                let mut out = Vec::new();
                let mut offset = 0;
                for line in text.split_inclusive('\n') {
                    if let Some(at) = line.find("# expect:") {
                        out.push(drydock_text::range(
                            offset + at,
                            offset + line.trim_end().len(),
                        ));
                    }
                    offset += line.len();
                }
                out
            }
        };
        for range in comments {
            let comment = Comment { range };
            let body = &text[comment.range];
            let Some(rest) = body.split("expect:").nth(1) else {
                continue;
            };
            saw = true;
            let rest = rest.trim();
            if rest == "none" {
                continue;
            }
            for item in rest.split_whitespace() {
                let (code, col) = match item.split_once(':') {
                    Some((c, n)) => (c.to_owned(), Some(n.parse().expect("column"))),
                    None => (item.to_owned(), None),
                };
                let line = u32::try_from(index.line_of(comment.range.start())).expect("line") + 1;
                expected.push((rel(fixture, &file.path), line, code, col));
            }
        }
    }
    expected.sort();
    (expected, saw)
}

struct Comment {
    range: drydock_text::TextRange,
}

fn rel(fixture: &Fixture, path: &Path) -> String {
    let base = if fixture.path.is_dir() {
        fixture.path.as_path()
    } else {
        fixture.path.parent().expect("parent")
    };
    path.strip_prefix(base)
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn compose_rule_fixtures() {
    let fixtures = fixtures();
    let mut failures = Vec::new();
    for fixture in &fixtures {
        let id = registry::find(&fixture.rule)
            .unwrap_or_else(|| panic!("fixtures/compose/{}: no such rule", fixture.rule));
        let meta = id.meta();
        let settings = Settings::only(&[id]);
        // The fixture's folder is the project root: references outside it are not read.
        let root = if fixture.path.is_dir() {
            fixture.path.clone()
        } else {
            fixture.path.parent().expect("parent").to_owned()
        };
        let options = LoadOptions {
            files: fixture.files.clone(),
            root: Some(root),
            ..LoadOptions::default()
        };
        let loaded = project::load(&options, &RealFs);
        let (expected, saw) = expectations(fixture, &loaded);
        if !saw {
            failures.push(format!(
                "{}: no `# expect:` comment",
                fixture.path.display()
            ));
            continue;
        }
        let diagnostics = lint_project(
            &loaded,
            &ComposeInput {
                fs: &RealFs,
                focus: None,
            },
            &settings,
        );
        let mut actual: Vec<(String, u32, String, Option<u32>)> = Vec::new();
        for d in diagnostics
            .iter()
            .filter(|d| d.diagnostic.code == meta.code)
        {
            let text = loaded.file(d.file).source.text();
            let lc = LineIndex::new(text).line_col(
                text,
                d.diagnostic.range.start(),
                PositionEncoding::Utf32,
            );
            actual.push((
                rel(fixture, loaded.path(d.file)),
                lc.line + 1,
                d.diagnostic.code.to_owned(),
                Some(lc.col + 1),
            ));
            match meta.fix {
                FixAvailability::None if d.diagnostic.fix.is_some() => failures.push(format!(
                    "{}: {} declares no fix but offered one",
                    fixture.path.display(),
                    meta.code
                )),
                FixAvailability::Always if d.diagnostic.fix.is_none() => failures.push(format!(
                    "{}: {} declares a fix for every finding",
                    fixture.path.display(),
                    meta.code
                )),
                _ => {}
            }
        }
        actual.sort();
        // Expectations without a column match any column on their line.
        let matches = expected.len() == actual.len()
            && expected.iter().zip(&actual).all(|(e, a)| {
                e.0 == a.0 && e.1 == a.1 && e.2 == a.2 && e.3.is_none_or(|c| Some(c) == a.3)
            });
        if !matches {
            failures.push(format!(
                "{}:\n  expected {expected:?}\n  found    {actual:?}",
                fixture.path.display()
            ));
        }

        // Rendered output and fixes.
        let mut snapshot = String::new();
        for (i, file) in loaded.files.iter().enumerate() {
            let file_id = u32::try_from(i).expect("file id");
            let in_file: Vec<_> = diagnostics
                .iter()
                .filter(|d| d.file == file_id)
                .map(|d| d.diagnostic.clone())
                .collect();
            if in_file.is_empty() {
                continue;
            }
            let name = PathBuf::from(rel(fixture, &file.path));
            // Labels in other files are shown in those files, as the CLI shows them.
            let mut others = drydock::output::tty::OtherFiles::new();
            for label_file in in_file
                .iter()
                .flat_map(|d| &d.labels)
                .filter_map(|l| l.file.as_ref())
            {
                let abs = project::normalize(&loaded.dir.join(label_file));
                let text = match loaded.file_id(&abs) {
                    Some(id) => loaded.file(id).source.text().to_owned(),
                    None => std::fs::read_to_string(&abs).unwrap_or_default(),
                };
                others.insert(
                    label_file.clone(),
                    (PathBuf::from(rel(fixture, &abs)), text),
                );
            }
            snapshot.push_str(
                &String::from_utf8(drydock::output::tty::render_with_files(
                    &name,
                    file.source.text(),
                    &in_file,
                    false,
                    &others,
                ))
                .expect("utf-8"),
            );
        }
        let fixed = fix_compose(&options, &RealFs, None, &settings, true);
        if !fixed.converged {
            failures.push(format!(
                "{}: fixes did not converge",
                fixture.path.display()
            ));
        }
        for (path, before, after) in &fixed.changed {
            let name = PathBuf::from(rel(fixture, path));
            snapshot.push_str("--- fixes (--fix --unsafe-fixes) ---\n");
            snapshot.push_str(&drydock::diff::unified(&name, before, after));
        }
        if !fixed.changed.is_empty() {
            let again = fix_compose(
                &options,
                &drydock_linter::fix::OverlayFs {
                    base: &RealFs,
                    files: fixed
                        .changed
                        .iter()
                        .map(|(p, _, a)| (p.clone(), a.clone()))
                        .collect(),
                },
                None,
                &settings,
                true,
            );
            if !again.changed.is_empty() {
                failures.push(format!(
                    "{}: a second fix pass changed the files",
                    fixture.path.display()
                ));
            }
        }
        if snapshot.is_empty() {
            snapshot.push_str("(no findings)\n");
        }
        let dir = fixture.path.parent().expect("rule folder").to_owned();
        let name = fixture
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_owned();
        insta::with_settings!({ snapshot_path => dir, prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(name, snapshot);
        });
    }
    assert!(
        failures.is_empty(),
        "{} compose fixture failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every compose rule (other than the engine's own) has fixtures that fire and that stay silent.
#[test]
fn every_compose_rule_has_fixtures() {
    if std::env::var_os("DRYDOCK_FIXTURES").is_some() {
        // The filter hides other rules' fixtures; this check needs all of them.
        eprintln!("SKIPPED: DRYDOCK_FIXTURES is set");
        return;
    }
    let fixtures = fixtures();
    let mut missing = Vec::new();
    for rule in registry::rules() {
        let meta = rule.meta();
        if meta.target != drydock_linter::rule::Target::Compose {
            continue;
        }
        let cases: Vec<&Fixture> = fixtures.iter().filter(|f| f.rule == meta.name).collect();
        if cases.len() < 2 {
            missing.push(format!(
                "{} ({}): {} fixture(s)",
                meta.code,
                meta.name,
                cases.len()
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "compose rules without a firing and a silent fixture:\n{}",
        missing.join("\n")
    );
}
