//! The rule registry as a whole: documented, uniquely coded, consistently named, every rule file
//! registered, and `rules.md` generated from it.

use std::collections::HashSet;

use drydock_linter::registry;
use drydock_tests::repo_root;

#[test]
fn codes_aliases_and_names_are_unique_and_round_trip() {
    let mut seen = HashSet::new();
    for rule in registry::rules() {
        let m = rule.meta();
        for key in std::iter::once(m.code)
            .chain(std::iter::once(m.name))
            .chain(m.aliases.iter().copied())
        {
            assert!(
                seen.insert(key.to_ascii_lowercase()),
                "`{key}` names two rules"
            );
            let found = registry::find(key).unwrap_or_else(|| panic!("`{key}` does not resolve"));
            assert_eq!(
                found.meta().code,
                m.code,
                "`{key}` resolves to the wrong rule"
            );
            assert_eq!(
                registry::find(&key.to_ascii_lowercase()).map(|r| r.meta().code),
                Some(m.code)
            );
        }
    }
}

#[test]
fn registry_is_sorted_by_code() {
    let codes: Vec<&str> = registry::rules().iter().map(|r| r.meta().code).collect();
    let mut sorted = codes.clone();
    sorted.sort_unstable();
    assert_eq!(codes, sorted);
}

#[test]
fn codes_follow_the_scheme() {
    for rule in registry::rules() {
        let code = rule.meta().code;
        let (prefix, digits) = code.split_at(
            code.find(|c: char| c.is_ascii_digit())
                .unwrap_or(code.len()),
        );
        assert!(
            matches!(prefix, "DL" | "DS" | "DY" | "BK" | "CMP"),
            "{code}: unknown prefix"
        );
        assert!(
            digits.len() >= 3 && digits.bytes().all(|b| b.is_ascii_digit()),
            "{code}: digits"
        );
    }
}

/// Names are kebab-case and name the problem (read as "allow <name>"), as ruff's convention.
#[test]
fn names_follow_the_convention() {
    let banned = [
        "avoid-",
        "do-not-",
        "dont-",
        "prefer-",
        "use-",
        "no-",
        "disallow-",
        "enforce-",
        "require-",
    ];
    for rule in registry::rules() {
        let name = rule.meta().name;
        assert!(
            !name.is_empty()
                && name.split('-').all(|part| !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
            "`{name}` is not kebab-case"
        );
        assert!(
            !banned.iter().any(|b| name.starts_with(b)),
            "`{name}` should name the problem, not the advice"
        );
    }
}

#[test]
fn every_rule_is_documented() {
    for rule in registry::rules() {
        let m = rule.meta();
        let docs = m.documentation();
        for section in ["## What it does", "## Why is this bad?", "## Example"] {
            assert!(
                docs.contains(section),
                "{}: documentation lacks `{section}`",
                m.code
            );
        }
        assert!(
            docs.contains("Use instead:"),
            "{}: documentation lacks `Use instead:`",
            m.code
        );
        assert!(
            !docs.contains("TODO"),
            "{}: documentation has a TODO",
            m.code
        );
        assert!(!m.summary().is_empty(), "{}: empty summary", m.code);
        if m.fix != drydock_linter::rule::FixAvailability::None && !m.code.starts_with("DY") {
            assert!(
                docs.contains("## Fix safety"),
                "{}: has a fix but no `## Fix safety` section",
                m.code
            );
        }
    }
}

/// Every `.rs` file under `rules/` (except module and helper files) declares a registered rule.
#[test]
fn every_rule_file_is_registered() {
    let dir = repo_root().join("crates/drydock_linter/src/rules");
    let mut stack = vec![dir];
    let mut checked = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("rules folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if !name.ends_with(".rs") || matches!(name, "mod.rs" | "helpers.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("rule source");
            if !text.contains("declare_rule!") {
                // A module of helpers shared by several rules (e.g. `hadolint.rs`).
                continue;
            }
            let code = text
                .split("code: \"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap_or_else(|| panic!("{}: no `code:` in declare_rule!", path.display()));
            assert!(
                registry::by_code(code).is_some(),
                "{} declares {code} but it is not in rules::ALL",
                path.display()
            );
            let rel = path
                .strip_prefix(repo_root().join("crates/drydock_linter"))
                .expect("relative");
            let source = registry::by_code(code).expect("registered").meta().source;
            assert!(
                source.ends_with(rel.to_str().expect("utf-8 path")),
                "{code}: source is {source}, file is {}",
                rel.display()
            );
            checked += 1;
        }
    }
    assert_eq!(
        checked,
        registry::rules().len(),
        "rule files and registry entries differ in number"
    );
}

/// `rules.md` is generated from the registry; set `DRYDOCK_UPDATE=1` to rewrite it.
#[test]
fn rules_md_is_fresh() {
    let path = repo_root().join("rules.md");
    let generated = drydock::commands::rules::markdown();
    if std::env::var_os("DRYDOCK_UPDATE").is_some() {
        std::fs::write(&path, &generated).expect("write rules.md");
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current != generated {
        let diff = similar::TextDiff::from_lines(&current, &generated)
            .unified_diff()
            .header("rules.md", "generated")
            .to_string();
        panic!(
            "rules.md is stale; run `DRYDOCK_UPDATE=1 cargo test -p drydock_tests --test registry` (or `drydock rules --format markdown > rules.md`)\n{diff}"
        );
    }
}
