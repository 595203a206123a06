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
    // `by_code` finds every rule by its code, and nothing else.
    for id in registry::ids() {
        assert_eq!(registry::by_code(id.meta().code), Some(id));
    }
    assert_eq!(registry::by_code("DL0000"), None);
    assert_eq!(registry::by_code(""), None);
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

/// hadolint 2.15.1's rules and default severities (`ignore`: off by default).
const HADOLINT_RULES: &[(&str, &str)] = &[
    ("DL1001", "ignore"),
    ("DL3000", "error"),
    ("DL3001", "info"),
    ("DL3002", "warning"),
    ("DL3003", "warning"),
    ("DL3004", "error"),
    ("DL3006", "warning"),
    ("DL3007", "warning"),
    ("DL3008", "warning"),
    ("DL3009", "info"),
    ("DL3010", "info"),
    ("DL3011", "error"),
    ("DL3012", "error"),
    ("DL3013", "warning"),
    ("DL3014", "warning"),
    ("DL3015", "info"),
    ("DL3016", "warning"),
    ("DL3018", "warning"),
    ("DL3019", "info"),
    ("DL3020", "error"),
    ("DL3021", "error"),
    ("DL3022", "warning"),
    ("DL3023", "error"),
    ("DL3024", "error"),
    ("DL3025", "warning"),
    ("DL3026", "error"),
    ("DL3027", "warning"),
    ("DL3028", "warning"),
    ("DL3029", "warning"),
    ("DL3030", "warning"),
    ("DL3032", "warning"),
    ("DL3033", "warning"),
    ("DL3034", "warning"),
    ("DL3035", "warning"),
    ("DL3036", "warning"),
    ("DL3037", "warning"),
    ("DL3038", "warning"),
    ("DL3040", "warning"),
    ("DL3041", "warning"),
    ("DL3042", "warning"),
    ("DL3043", "error"),
    ("DL3044", "error"),
    ("DL3045", "warning"),
    ("DL3046", "warning"),
    ("DL3047", "info"),
    ("DL3048", "style"),
    ("DL3049", "info"),
    ("DL3050", "info"),
    ("DL3051", "warning"),
    ("DL3052", "warning"),
    ("DL3053", "warning"),
    ("DL3054", "warning"),
    ("DL3055", "warning"),
    ("DL3056", "warning"),
    ("DL3057", "ignore"),
    ("DL3058", "warning"),
    ("DL3059", "info"),
    ("DL3060", "info"),
    ("DL3061", "error"),
    ("DL3062", "warning"),
    ("DL3063", "warning"),
    ("DL3064", "warning"),
    ("DL3065", "warning"),
    ("DL3066", "info"),
    ("DL3067", "warning"),
    ("DL4000", "error"),
    ("DL4001", "warning"),
    ("DL4003", "warning"),
    ("DL4004", "error"),
    ("DL4005", "warning"),
    ("DL4006", "warning"),
];

#[test]
fn every_hadolint_rule_exists_with_its_default_severity() {
    assert_eq!(HADOLINT_RULES.len(), 71);
    for (code, severity) in HADOLINT_RULES {
        let id = registry::by_code(code).unwrap_or_else(|| panic!("{code} is not registered"));
        let meta = id.meta();
        assert_eq!(
            meta.code, *code,
            "{code} must be the primary code, not an alias"
        );
        if *severity == "ignore" {
            assert!(
                !meta.default_enabled,
                "{code} is off by default in hadolint"
            );
        } else {
            assert!(meta.default_enabled, "{code} is on by default in hadolint");
            assert_eq!(
                meta.severity.to_string(),
                *severity,
                "{code}: hadolint's default severity"
            );
        }
    }
    // And no DL code beyond hadolint's (DL1000, syntax errors, is drydock's engine finding).
    let extra: Vec<&str> = registry::ids()
        .map(|id| id.meta().code)
        .filter(|c| c.starts_with("DL") && *c != "DL1000")
        .filter(|c| !HADOLINT_RULES.iter().any(|(h, _)| h == c))
        .collect();
    assert!(
        extra.is_empty(),
        "DL codes hadolint does not have: {extra:?}"
    );
}
