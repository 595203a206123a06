//! Rule fixtures: `fixtures/dockerfile/<rule-name>/<case>.Dockerfile`, or a folder
//! `fixtures/dockerfile/<rule-name>/<case>/` holding a `Dockerfile` (or `*.Dockerfile`) with the
//! files beside it that the rule reads (a `.dockerignore`); a Dockerfile in a folder is linted
//! with its path, so its folder is the build context.
//!
//! Each fixture ends with its expectations, one comment line each (a trailing block, so parser
//! directives stay first and no expectation sits in an instruction's comment block):
//!
//! ```text
//! # expect: DS101 3:6      a finding of the folder's rule starting at line 3, column 6
//! # expect: none           the rule must stay silent
//! # fixture: target=build  (optional) lint as a compose service building stage `build`
//! # fixture: trusted-registries=docker.io,*.example.com label-schema=version:semver strict-labels
//! # fixture: buildkit-dockerfile-check=skip=all;error=true   (optional) the setting of that name
//! # fixture: with=DL1000,DY002   (optional) these rules run too, and expectations may name them
//! ```
//!
//! For every fixture the test checks the expectations against the rule's findings (only the
//! folder's rule runs, and the rules named by `with=`), compares the rendered output and the fix diff with the snapshot next to
//! the fixture (`<case>.Dockerfile.snap`), and checks the fixes: they converge, never add a
//! syntax error, and match the rule's declared fix availability.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use drydock_linter::fix::fix_dockerfile;
use drydock_linter::registry;
use drydock_linter::rule::FixAvailability;
use drydock_linter::settings::{Options, Settings};
use drydock_linter::{DockerfileInput, lint_dockerfile};
use drydock_tests::repo_root;
use drydock_text::SourceText;

struct Fixture {
    path: PathBuf,
    rule: String,
    expected: Vec<(String, u32, u32)>,
    setup: Setup,
    /// A Dockerfile of a folder fixture: linted with its path.
    in_folder: bool,
}

/// What `# fixture:` lines ask for.
#[derive(Default)]
struct Setup {
    target: Option<String>,
    options: Options,
    buildkit_check: Option<String>,
    with: Vec<String>,
}

/// `# fixture:` options: `target=STAGE`, `trusted-registries=a,b`,
/// `label-schema=name:type,name:type`, `strict-labels`, `buildkit-dockerfile-check=VALUE`,
/// `with=CODE,CODE`.
fn parse_options(path: &Path, rest: &str, setup: &mut Setup) {
    let options = &mut setup.options;
    for option in rest.split_whitespace() {
        let (key, value) = option.split_once('=').unwrap_or((option, ""));
        match key {
            "target" => setup.target = Some(value.to_owned()),
            "buildkit-dockerfile-check" => setup.buildkit_check = Some(value.to_owned()),
            "with" => setup.with.extend(value.split(',').map(str::to_owned)),
            "trusted-registries" => {
                options.trusted_registries = value.split(',').map(str::to_owned).collect();
            }
            "label-schema" => {
                for item in value.split(',') {
                    let (label, ty) = item.split_once(':').unwrap_or((item, "text"));
                    options.label_schema.insert(label.to_owned(), ty.to_owned());
                }
            }
            "strict-labels" => options.strict_labels = true,
            other => panic!("{}: unknown fixture option `{other}`", path.display()),
        }
    }
}

fn parse_expectations(path: &Path, text: &str) -> (Vec<(String, u32, u32)>, Setup) {
    let mut expected = Vec::new();
    let mut saw_block = false;
    let mut setup = Setup::default();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# fixture:") {
            parse_options(path, rest, &mut setup);
        }
        let Some(rest) = line.strip_prefix("# expect:") else {
            continue;
        };
        saw_block = true;
        let rest = rest.trim();
        if rest == "none" {
            continue;
        }
        let (code, pos) = rest
            .split_once(' ')
            .unwrap_or_else(|| panic!("{}: bad expectation `{line}`", path.display()));
        let (l, c) = pos
            .trim()
            .split_once(':')
            .unwrap_or_else(|| panic!("{}: bad position in `{line}`", path.display()));
        expected.push((
            code.to_owned(),
            l.parse().expect("line number"),
            c.parse().expect("column number"),
        ));
    }
    assert!(saw_block, "{}: no `# expect:` block", path.display());
    expected.sort();
    (expected, setup)
}

/// The Dockerfiles of a rule folder: `*.Dockerfile` files, and the Dockerfiles of its case
/// folders (`<case>/Dockerfile`, `<case>/*.Dockerfile`), each with whether it is in a folder.
fn fixture_files(dir: &Path) -> Vec<(PathBuf, bool)> {
    let list = |dir: &Path| -> Vec<PathBuf> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("fixture folder")
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        entries
    };
    let is_dockerfile = |p: &Path| {
        p.is_file()
            && (p.extension().is_some_and(|e| e == "Dockerfile")
                || p.file_name().is_some_and(|n| n == "Dockerfile"))
    };
    let mut out = Vec::new();
    for path in list(dir) {
        if path.is_dir() {
            out.extend(
                list(&path)
                    .into_iter()
                    .filter(|p| is_dockerfile(p))
                    .map(|p| (p, true)),
            );
        } else if path.extension().is_some_and(|e| e == "Dockerfile") {
            out.push((path, false));
        }
    }
    out
}

fn fixtures() -> Vec<Fixture> {
    let root = repo_root().join("fixtures/dockerfile");
    // `DRYDOCK_FIXTURES=rule-a,rule-b` runs only those folders (while working on a rule).
    let only: Option<Vec<String>> = std::env::var("DRYDOCK_FIXTURES")
        .ok()
        .map(|v| v.split(',').map(str::to_owned).collect());
    let mut out = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("fixtures/dockerfile")
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for dir in dirs.into_iter().filter(|d| d.is_dir()) {
        let rule = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if only.as_ref().is_some_and(|only| !only.contains(&rule)) {
            continue;
        }
        for (path, in_folder) in fixture_files(&dir) {
            let text = std::fs::read_to_string(&path).expect("fixture text");
            let (expected, setup) = parse_expectations(&path, &text);
            out.push(Fixture {
                path,
                rule: rule.clone(),
                expected,
                setup,
                in_folder,
            });
        }
    }
    out
}

impl Fixture {
    fn input(&self) -> DockerfileInput<'_> {
        DockerfileInput {
            path: self.in_folder.then_some(self.path.as_path()),
            target_stage: self.setup.target.as_deref(),
            context: None,
        }
    }
}

fn snapshot_for(fixture: &Fixture, settings: &Settings) -> String {
    let bytes = std::fs::read(&fixture.path).expect("fixture bytes");
    let input = fixture.input();
    let lint = lint_dockerfile(SourceText::from_bytes(bytes.clone()), input, settings);
    let name = PathBuf::from(fixture.path.file_name().expect("file name"));
    let rendered = drydock::output::tty::render(&name, lint.model.text(), &lint.diagnostics, false);
    let mut snapshot = String::from_utf8(rendered).expect("utf-8 rendering");
    let fixed = fix_dockerfile(bytes.clone(), input, settings, true);
    if fixed.output != bytes {
        snapshot.push_str("--- fixes (--fix --unsafe-fixes) ---\n");
        snapshot.push_str(&drydock::diff::unified(&name, &bytes, &fixed.output));
    }
    if snapshot.is_empty() {
        snapshot.push_str("(no findings)\n");
    }
    snapshot
}

#[test]
fn rule_fixtures() {
    let fixtures = fixtures();
    assert!(!fixtures.is_empty(), "no fixtures found");
    let mut failures = Vec::new();
    for fixture in &fixtures {
        let id = registry::find(&fixture.rule)
            .unwrap_or_else(|| panic!("fixtures/dockerfile/{}: no such rule", fixture.rule));
        let meta = id.meta();
        let mut ids = vec![id];
        for code in &fixture.setup.with {
            ids.push(registry::find(code).unwrap_or_else(|| {
                panic!("{}: `with={code}`: no such rule", fixture.path.display())
            }));
        }
        let codes: Vec<&str> = ids.iter().map(|id| id.meta().code).collect();
        let mut settings = Settings::only(&ids);
        settings.options = fixture.setup.options.clone();
        settings
            .buildkit_dockerfile_check
            .clone_from(&fixture.setup.buildkit_check);
        let bytes = std::fs::read(&fixture.path).expect("fixture bytes");
        let input = fixture.input();
        let lint = lint_dockerfile(SourceText::from_bytes(bytes.clone()), input, &settings);
        let index = lint.index();
        let text = lint.model.text();
        let mut actual: Vec<(String, u32, u32)> = lint
            .diagnostics
            .iter()
            .filter(|d| codes.contains(&d.code))
            .map(|d| {
                let lc =
                    index.line_col(text, d.range.start(), drydock_text::PositionEncoding::Utf32);
                (d.code.to_owned(), lc.line + 1, lc.col + 1)
            })
            .collect();
        actual.sort();
        if actual != fixture.expected {
            failures.push(format!(
                "{}:\n  expected {:?}\n  found    {:?}",
                fixture.path.display(),
                fixture.expected,
                actual
            ));
        }

        // Fix availability as declared.
        for d in lint.diagnostics.iter().filter(|d| d.code == meta.code) {
            match meta.fix {
                FixAvailability::None if d.fix.is_some() => {
                    failures.push(format!(
                        "{}: {} declares no fix but offered one",
                        fixture.path.display(),
                        meta.code
                    ));
                }
                FixAvailability::Always if d.fix.is_none() => {
                    failures.push(format!(
                        "{}: {} declares a fix for every finding but one has none",
                        fixture.path.display(),
                        meta.code
                    ));
                }
                _ => {}
            }
        }
        // Fixes converge and never add a syntax error.
        let fixed = fix_dockerfile(bytes.clone(), input, &settings, true);
        if !fixed.converged {
            failures.push(format!(
                "{}: fixes did not converge",
                fixture.path.display()
            ));
        }
        let after = drydock_dockerfile::parse(SourceText::from_bytes(fixed.output.clone()));
        if after.errors().len() > lint.model.file().errors().len() {
            failures.push(format!(
                "{}: fixing added syntax errors: {:?}",
                fixture.path.display(),
                after.errors()
            ));
        }
        let again = fix_dockerfile(fixed.output.clone(), input, &settings, true);
        if again.output != fixed.output {
            failures.push(format!(
                "{}: a second fix pass changed the file",
                fixture.path.display()
            ));
        }

        let snapshot = snapshot_for(fixture, &settings);
        let dir = fixture.path.parent().expect("fixture folder").to_owned();
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
        "{} fixture failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every Dockerfile rule has a fixture folder with a case that fires and one that stays silent.
#[test]
fn every_rule_has_fixtures() {
    let fixtures = fixtures();
    let mut by_rule: BTreeMap<&str, (bool, bool)> = BTreeMap::new();
    for f in &fixtures {
        let entry = by_rule.entry(f.rule.as_str()).or_default();
        if f.expected.is_empty() {
            entry.1 = true;
        } else {
            entry.0 = true;
        }
    }
    let mut missing = Vec::new();
    for rule in registry::rules() {
        let meta = rule.meta();
        if meta.target != drydock_linter::rule::Target::Dockerfile
            || meta.category == drydock_linter::rule::Category::Engine
        {
            continue;
        }
        match by_rule.get(meta.name) {
            Some((true, true)) => {}
            Some((fires, silent)) => missing.push(format!(
                "{} ({}): fires={fires} silent={silent}",
                meta.code, meta.name
            )),
            None => missing.push(format!(
                "{} ({}): no fixtures/dockerfile/{}/",
                meta.code, meta.name, meta.name
            )),
        }
    }
    assert!(
        missing.is_empty(),
        "rules without both kinds of fixture:\n{}",
        missing.join("\n")
    );
}
