//! An editor's lint of an edited document (`lint_dockerfile_after`, which carries shell views
//! and instruction-local findings over from the previous lint, reparses the tree from the
//! previous one and resumes its model's walk) finds exactly what a fresh lint of the new text
//! finds, on a tree and a model equal to fresh ones: every rule on, over the fixtures and (when
//! present) the shared corpus, each file edited several times in a row (characters typed and
//! deleted, lines duplicated and removed, stages, variables, users and shells added, changed
//! and removed, at seeded random places).

use std::path::{Path, PathBuf};

use drydock_linter::settings::Settings;
use drydock_linter::{
    Diagnostic, DockerfileInput, lint_dockerfile, lint_dockerfile_after, registry,
};
use drydock_tests::{corpus_files_or_skip, repo_root};
use drydock_text::SourceText;

/// splitmix64: a seeded, dependency-free source of edit positions.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            usize::try_from(self.next() % n as u64).unwrap_or(0)
        }
    }
}

/// A character boundary of `text` at or before `at`.
fn boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Instructions that change what later instructions see (stages, variables, users, shells).
const STRUCTURAL: [&str; 8] = [
    "FROM", "ARG", "ENV", "USER", "SHELL", "ONBUILD", "WORKDIR", "COPY",
];

/// One random edit, of the kinds an editor sends; half of them on the instructions that
/// change what later ones see.
fn edit(text: &str, rng: &mut Rng) -> String {
    const TYPED: [&str; 12] = [
        "#",
        " ",
        "\n",
        "x",
        "\\",
        "\"",
        "$",
        "'",
        "A",
        "-",
        "=",
        "RUN apt-get install -y curl\n",
    ];
    const INSERTED: [&str; 10] = [
        "ONBUILD RUN wget -q https://example.com/a\n",
        "ONBUILD ENV A=1\n",
        "COPY --from=x a b\n",
        "RUN curl -fsSLO https://example.com/a && yarn install\n",
        "FROM scratch\n",
        "FROM base AS x\n",
        "ARG A=1\n",
        "ENV PATH=/x:$PATH A=$A\n",
        "USER root\n",
        "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n",
    ];
    let mut out = text.to_owned();
    let lines: Vec<(usize, usize)> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|&i| i < text.len())
        .map(|start| {
            let end = text[start..]
                .find('\n')
                .map_or(text.len(), |i| start + i + 1);
            (start, end)
        })
        .collect();
    let structural: Vec<(usize, usize)> = lines
        .iter()
        .copied()
        .filter(|&(start, end)| {
            let word = text[start..end].split_whitespace().next().unwrap_or("");
            STRUCTURAL.iter().any(|k| k.eq_ignore_ascii_case(word))
        })
        .collect();
    let pick = |rng: &mut Rng, from: &[(usize, usize)]| from.get(rng.below(from.len())).copied();
    match rng.below(8) {
        0 => {
            let at = boundary(text, rng.below(text.len() + 1));
            out.insert_str(at, TYPED[rng.below(TYPED.len())]);
        }
        1 => {
            let start = boundary(text, rng.below(text.len() + 1));
            let end = boundary(text, start + 1 + rng.below(20));
            out.replace_range(start..end, "");
        }
        4 => {
            // Typing in an instruction that matters to others.
            if let Some((start, end)) = pick(rng, &structural) {
                let at = boundary(text, start + rng.below(end - start + 1));
                out.insert_str(at, TYPED[rng.below(TYPED.len() - 1)]);
            }
        }
        kind @ (2 | 3 | 5 | 6) => {
            // A line duplicated (2, 5) or removed (3, 6); 5 and 6 take one that matters to others.
            let pool = if kind < 5 { &lines } else { &structural };
            if let Some((start, end)) = pick(rng, pool) {
                if matches!(kind, 2 | 5) {
                    out.insert_str(start, &text[start..end]);
                } else {
                    out.replace_range(start..end, "");
                }
            }
        }
        _ => {
            let at = pick(rng, &lines).map_or(text.len(), |(start, _)| start);
            out.insert_str(at, INSERTED[rng.below(INSERTED.len())]);
        }
    }
    out
}

/// Lints `text` and then `edits` edited versions of it, each with the previous lint; returns
/// a description of the first version whose findings differ from a fresh lint's.
fn check_file(
    path: &Path,
    text: &str,
    edits: usize,
    seed: u64,
    settings: &Settings,
) -> Option<String> {
    let input = DockerfileInput {
        path: Some(path),
        target_stage: None,
        context: None,
    };
    let mut rng = Rng(seed);
    let first = lint_dockerfile_after(
        SourceText::from_string(text.to_owned()),
        None,
        input,
        settings,
    );
    if first.local.is_none() {
        return Some(format!(
            "{}: an instruction-local rule reported a range outside the instruction it is about, \
             so nothing can be carried over",
            path.display()
        ));
    }
    let (_, mut previous) = first.into_previous();
    let mut text = text.to_owned();
    for step in 0..edits {
        let next = edit(&text, &mut rng);
        let after = lint_dockerfile_after(
            SourceText::from_string(next.clone()),
            Some(&previous),
            input,
            settings,
        );
        let fresh = lint_dockerfile(SourceText::from_string(next.clone()), input, settings);
        // The tree was reparsed from the previous one: it must be the fresh parse.
        // The tree was reparsed from the previous one, and the model's walk resumed after what
        // the edit did not reach: both must be the fresh ones.
        if format!("{:?}", after.model.file()) != format!("{:?}", fresh.model.file())
            || after.model.walk_dump() != fresh.model.walk_dump()
        {
            return Some(format!(
                "{} (seed {seed}, edit {step}): the reparsed tree or its model differs from a \
                 fresh one\n--- before ---\n{text}\n--- after ---\n{next}",
                path.display()
            ));
        }
        if after.diagnostics != fresh.diagnostics {
            let missing = not_in(&fresh.diagnostics, &after.diagnostics);
            let extra = not_in(&after.diagnostics, &fresh.diagnostics);
            return Some(format!(
                "{} (seed {seed}, edit {step}): carried-over lint differs from a fresh one\n  \
                 missing: {missing:?}\n  extra: {extra:?}\n--- before ---\n{text}\n--- after ---\n{next}",
                path.display()
            ));
        }
        previous = after.into_previous().1;
        text = next;
    }
    None
}

/// The findings of `these` that `those` lacks, one line each.
fn not_in(these: &[Diagnostic], those: &[Diagnostic]) -> Vec<String> {
    these
        .iter()
        .filter(|d| !those.contains(d))
        .map(|d| format!("{} {:?} {}", d.code, d.range, d.message))
        .collect()
}

fn all_rules() -> Settings {
    let all: Vec<_> = registry::ids().collect();
    Settings::only(&all)
}

fn check_files(files: &[PathBuf], edits: usize) -> Vec<String> {
    let settings = all_rules();
    let defaults = Settings::from_defaults();
    let mut problems = Vec::new();
    for (n, path) in files.iter().enumerate() {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let seed = n as u64;
        for settings in [&settings, &defaults] {
            if let Some(problem) = check_file(path, &text, edits, seed, settings) {
                problems.push(problem);
                break;
            }
        }
        if problems.len() >= 3 {
            break;
        }
    }
    problems
}

#[test]
fn fixtures_lint_the_same_after_edits() {
    let mut files = Vec::new();
    let root = repo_root().join("fixtures/dockerfile");
    for rule in std::fs::read_dir(&root).expect("fixtures/dockerfile") {
        let rule = rule.expect("entry").path();
        for file in std::fs::read_dir(&rule).expect("rule folder") {
            let file = file.expect("entry").path();
            if file.extension().is_none_or(|e| e != "snap") {
                files.push(file);
            }
        }
    }
    files.sort();
    assert!(files.len() > 100, "fixtures found: {}", files.len());
    let problems = check_files(&files, 12);
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn corpus_lints_the_same_after_edits() {
    let Some(files) = corpus_files_or_skip("dockerfile") else {
        return;
    };
    let problems = check_files(&files, 4);
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
