//! Where users run drydock: the JSON schema of `.drydock.yaml` (fresh, and agreeing with the
//! configuration reader), shell completions and the man page, the container files at the
//! repository root (no findings), the pre-commit hooks' file patterns and the VS Code
//! extension's file patterns (drydock's discovery), and the VS Code settings (each one read by
//! the server).
//!
//! The rest runs outside `cargo test`: scripts/test-pre-commit (the real pre-commit),
//! scripts/test-ci-templates (the GitHub Action and GitLab job), scripts/test-vscode and
//! scripts/test-neovim.

use std::path::Path;
use std::process::Command;

use clap::{CommandFactory, ValueEnum};
use drydock::args::{Cli, Format};
use drydock::discover::{FileKind, kind_by_name};
use drydock_linter::config::{Configuration, json_schema, parse_value};
use drydock_server::session::ClientSettings;
use drydock_tests::{repo_root, run_drydock};
use serde_json::{Value, json};

const SCHEMA_PATH: &str = "schemas/drydock.schema.json";

/// The schema as checked in: pretty JSON and a final newline.
fn generated_schema() -> String {
    // Format names and their aliases, as `-f` and `format:` accept them.
    let formats: Vec<String> = Format::value_variants()
        .iter()
        .filter_map(ValueEnum::to_possible_value)
        .flat_map(|v| {
            v.get_name_and_aliases()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    let formats: Vec<&str> = formats.iter().map(String::as_str).collect();
    let schema = json_schema(&formats);
    serde_json::to_string_pretty(&schema).expect("serialize the schema") + "\n"
}

/// `schemas/drydock.schema.json` is generated from the configuration types; set
/// `DRYDOCK_UPDATE=1` to rewrite it.
#[test]
fn config_schema_is_fresh() {
    let path = repo_root().join(SCHEMA_PATH);
    let generated = generated_schema();
    if std::env::var_os("DRYDOCK_UPDATE").is_some() {
        std::fs::create_dir_all(path.parent().expect("schemas/")).expect("mkdir schemas");
        std::fs::write(&path, &generated).expect("write the schema");
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current != generated {
        let diff = similar::TextDiff::from_lines(&current, &generated)
            .unified_diff()
            .header(SCHEMA_PATH, "generated")
            .to_string();
        panic!(
            "{SCHEMA_PATH} is stale; run `DRYDOCK_UPDATE=1 cargo test -p drydock_tests --test integrations`\n{diff}"
        );
    }
}

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&generated_schema()).expect("schema JSON");
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema is a valid draft-07 schema")
}

fn drydock_accepts(text: &str) -> Result<(), String> {
    Configuration::from_drydock_text(text, Path::new("/p/.drydock.yaml"))
        .map_err(|e| e.to_string())
        .and_then(|c| c.to_settings().map(|_| ()))
}

fn schema_accepts(validator: &jsonschema::Validator, text: &str) -> Result<(), String> {
    let (value, _, _) = parse_value(text).map_err(|e| e.message)?;
    // An empty file is no configuration at all (drydock reads it as the defaults).
    let value = if value.is_null() { json!({}) } else { value };
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// The `yaml` block of the README's "Configuration" section.
fn readme_config_example() -> String {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let section = readme
        .split("\n## Configuration\n")
        .nth(1)
        .expect("a Configuration section");
    let block = section
        .split("```yaml\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .expect("a yaml block");
    block.to_owned()
}

#[test]
fn config_schema_accepts_what_drydock_accepts() {
    let validator = validator();
    let mut accepted = vec![
        readme_config_example(),
        std::fs::read_to_string(repo_root().join("fixtures/output/project/.drydock.yaml"))
            .expect("fixture configuration"),
    ];
    accepted.extend(
        [
            "",
            "select: [ALL]\n",
            "select: [DS, DL30, missing-user, StageNameCasing, dl3008, SC2086]\nignore: [CMP]\n",
            "select: ~\nextend-select: []\n",
            "severity:\n  DL3008: error\n  SC2086: style\n",
            "failure-threshold: none\nno-fail: true\n",
            "format: sarif\n",
            "format: [json, gnu, gitlab]\n",
            "per-file-ignores:\n  'legacy/**': [DS101, SC2086]\n",
            "options:\n  trusted-registries: ['*.example.com']\n  label-schema:\n    maintainer: email\n  strict-labels: true\n",
            "max-file-size: 0\nshellcheck: true\nshellcheck-path: tools/shellcheck\n",
            "buildkit-dockerfile-check: skip=StageNameCasing;error=true\n",
        ]
        .map(str::to_owned),
    );
    for text in &accepted {
        assert_eq!(drydock_accepts(text), Ok(()), "drydock rejects:\n{text}");
        assert_eq!(
            schema_accepts(&validator, text),
            Ok(()),
            "the schema rejects:\n{text}"
        );
    }
    let rejected = [
        "bogus: 1\n",
        "select: DS101\n",
        "ignore: [1]\n",
        "severity:\n  DL3008: loud\n",
        "failure-threshold: loud\n",
        "no-fail: maybe\n",
        "format: xml\n",
        "format: [json, xml]\n",
        "max-file-size: -1\n",
        "options:\n  trusted-registry: [a]\n",
        "options:\n  label-schema:\n    maintainer: phone\n",
        "per-file-ignores: [DS101]\n",
    ];
    for text in rejected {
        let (config, schema) = (drydock_accepts(text), schema_accepts(&validator, text));
        // `format` and label types are checked when used, not when read: the schema is stricter.
        if !text.starts_with("format") && !text.contains("label-schema") {
            assert!(config.is_err(), "drydock accepts:\n{text}");
        }
        assert!(schema.is_err(), "the schema accepts:\n{text}");
    }
}

#[test]
fn config_schema_completes_rule_codes_and_documents_every_key() {
    let schema: Value = serde_json::from_str(&generated_schema()).expect("schema JSON");
    let selectors = &schema["definitions"]["RuleSelector"]["anyOf"][0];
    let values: Vec<&str> = selectors["enum"]
        .as_array()
        .expect("an enum of selectors")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for expected in ["ALL", "DS", "DL", "CMP", "DS101", "missing-user", "DL3008"] {
        assert!(values.contains(&expected), "{expected} is not completed");
    }
    assert_eq!(
        selectors["markdownEnumDescriptions"]
            .as_array()
            .map(Vec::len),
        Some(values.len()),
        "one description per selector"
    );
    let properties = schema["properties"].as_object().expect("properties");
    for (key, property) in properties {
        assert!(
            property.get("description").is_some(),
            "`{key}` has no description in the schema (a doc comment on ConfigFile)"
        );
    }
    assert_eq!(schema["additionalProperties"], json!(false));
}

#[test]
fn container_files_have_no_findings() {
    let out = run_drydock(
        &repo_root(),
        &["check", "--format", "json", "Dockerfile", "compose.yaml"],
    );
    assert_eq!(
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).trim()
        ),
        (Some(0), "[]"),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run_drydock(&repo_root(), &["completions", shell]);
        let script = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        for word in [
            "check",
            "failure-threshold",
            "gitlab_codeclimate",
            "completions",
        ] {
            assert!(script.contains(word), "{shell} completion lacks `{word}`");
        }
    }
    // The bash script is valid bash.
    if Command::new("bash").arg("--version").output().is_ok() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("drydock.bash");
        let out = run_drydock(&repo_root(), &["completions", "bash"]);
        std::fs::write(&file, &out.stdout).expect("write");
        let check = Command::new("bash")
            .arg("-n")
            .arg(&file)
            .output()
            .expect("bash");
        assert!(
            check.status.success(),
            "{}",
            String::from_utf8_lossy(&check.stderr)
        );
    }
    let out = run_drydock(&repo_root(), &["completions", "tcsh"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[test]
fn manpage_documents_every_command_and_option() {
    let out = run_drydock(&repo_root(), &["manpage"]);
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.contains(".TH drydock 1"), "{page}");
    let cli = Cli::command();
    for sub in cli.get_subcommands() {
        assert!(
            page.contains(&format!(
                ".SS \"drydock {}\"",
                sub.get_name().replace('-', "\\-")
            )),
            "no section for `drydock {}`",
            sub.get_name()
        );
        for arg in sub.get_arguments().filter(|a| !a.is_hide_set()) {
            if let Some(long) = arg.get_long() {
                let roff = format!("\\-\\-{}", long.replace('-', "\\-"));
                assert!(
                    page.contains(&roff),
                    "`drydock {} --{long}` is not in the man page",
                    sub.get_name()
                );
            }
        }
    }
    // groff finds nothing to warn about (when it is installed).
    if let Ok(mut groff) = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    {
        use std::io::Write;
        groff
            .stdin
            .take()
            .expect("stdin")
            .write_all(&out.stdout)
            .expect("write to groff");
        let result = groff.wait_with_output().expect("groff");
        assert_eq!(
            String::from_utf8_lossy(&result.stderr),
            "",
            "groff warnings"
        );
    }
}

/// File names drydock's discovery has an opinion on, in folders and not, in several cases.
const NAMES: &[&str] = &[
    "Dockerfile",
    "dockerfile",
    "DOCKERFILE",
    "Dockerfile.prod",
    "Dockerfile-dev",
    "Dockerfile.",
    "api.Dockerfile",
    "api.dockerfile",
    "Containerfile",
    "Containerfile.dev",
    "containerfile",
    "Dockerfile.dockerignore",
    "Dockerfile.prod.dockerignore",
    ".dockerignore",
    "Dockerfiles",
    "MyDockerfile",
    "Containerfile-dev",
    "dockerfile.md",
    "compose.yaml",
    "compose.yml",
    "compose.override.yaml",
    "compose-prod.yml",
    "docker-compose.yml",
    "docker-compose.override.yaml",
    "Docker-Compose.YML",
    "compose.yaml.bak",
    "compose.json",
    "my-compose.yaml",
    "docker-compose",
    "stack.yml",
    "README.md",
];

#[test]
fn pre_commit_hook_patterns_match_discovery() {
    let text =
        std::fs::read_to_string(repo_root().join(".pre-commit-hooks.yaml")).expect("the hooks");
    let (hooks, _, _) = parse_value(&text).expect("hooks YAML");
    let hooks = hooks.as_array().expect("a list of hooks");
    type Wanted = fn(Option<FileKind>) -> bool;
    let wanted: [(&str, Wanted); 3] = [
        ("drydock", |k| k.is_some()),
        ("drydock-dockerfile", |k| k == Some(FileKind::Dockerfile)),
        ("drydock-compose", |k| k == Some(FileKind::Compose)),
    ];
    for (id, expected) in wanted {
        let hook = hooks
            .iter()
            .find(|h| h["id"] == id)
            .unwrap_or_else(|| panic!("no hook `{id}`"));
        assert_eq!(hook["language"], "rust", "{id}");
        assert_eq!(hook["entry"], "drydock check", "{id}");
        let files = regex::Regex::new(hook["files"].as_str().expect("files")).expect("files regex");
        let exclude = hook["exclude"]
            .as_str()
            .map(|e| regex::Regex::new(e).expect("exclude regex"));
        for name in NAMES {
            for path in [(*name).to_owned(), format!("svc/deploy/{name}")] {
                // pre-commit: `re.search` on the path, files then exclude.
                let runs =
                    files.is_match(&path) && !exclude.as_ref().is_some_and(|e| e.is_match(&path));
                let kind = kind_by_name(Path::new(&path));
                assert_eq!(
                    runs,
                    expected(kind),
                    "hook `{id}` on `{path}` (drydock: {kind:?})"
                );
            }
        }
    }
}

/// A VS Code `filenamePatterns` glob (`*` and literal characters) as a regular expression.
fn glob_regex(glob: &str) -> regex::Regex {
    let mut re = String::from("^");
    for c in glob.chars() {
        match c {
            '*' => re.push_str("[^/]*"),
            c => re.push_str(&regex::escape(&c.to_ascii_lowercase().to_string())),
        }
    }
    re.push('$');
    regex::Regex::new(&re).expect("glob")
}

fn vscode_package() -> Value {
    let text = std::fs::read_to_string(repo_root().join("editors/vscode/package.json"))
        .expect("editors/vscode/package.json");
    serde_json::from_str(&text).expect("package.json")
}

#[test]
fn vscode_languages_match_discovery() {
    let package = vscode_package();
    let languages = package["contributes"]["languages"]
        .as_array()
        .expect("languages");
    let matcher = |id: &str| {
        let language = languages
            .iter()
            .find(|l| l["id"] == id)
            .unwrap_or_else(|| panic!("no language `{id}`"));
        let names: Vec<String> = language["filenames"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        let globs: Vec<regex::Regex> = language["filenamePatterns"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(glob_regex)
            .collect();
        move |name: &str| {
            let name = name.to_ascii_lowercase();
            names.iter().any(|n| n.eq_ignore_ascii_case(&name))
                || globs.iter().any(|g| g.is_match(&name))
        }
    };
    let dockerfile = matcher("dockerfile");
    let compose = matcher("dockercompose");
    // VS Code matches file names and patterns case-insensitively (both lowercased);
    // `.dockerignore` files belong to its own `ignore` language.
    for name in NAMES.iter().filter(|n| !n.ends_with(".dockerignore")) {
        let kind = kind_by_name(Path::new(name));
        assert_eq!(
            dockerfile(name),
            kind == Some(FileKind::Dockerfile),
            "dockerfile language on `{name}`"
        );
        assert_eq!(
            compose(name),
            kind == Some(FileKind::Compose),
            "dockercompose language on `{name}`"
        );
    }
}

#[test]
fn vscode_settings_are_read_by_the_server() {
    let package = vscode_package();
    let properties = package["contributes"]["configuration"]["properties"]
        .as_object()
        .expect("configuration properties");
    // Settings only the extension uses.
    let client_only = ["drydock.path", "drydock.trace.server"];
    let mut server_keys = Vec::new();
    for (name, property) in properties {
        if client_only.contains(&name.as_str()) {
            continue;
        }
        let key = name.strip_prefix("drydock.").expect("drydock.*");
        let sample = match property["type"].as_str() {
            _ if property["type"]
                .as_array()
                .is_some_and(|t| t.contains(&json!("array"))) =>
            {
                json!(["DS101"])
            }
            Some("array") => json!(["DS101"]),
            Some("boolean") => json!(true),
            Some("string") => match property["enum"].as_array() {
                Some(values) => values.last().cloned().expect("an enum value"),
                None => json!("/p/x"),
            },
            other => panic!("{name}: unexpected type {other:?}"),
        };
        let (settings, problem) = ClientSettings::from_json(&json!({ "drydock": { key: sample } }));
        assert_eq!(problem, None, "{name}");
        assert_ne!(
            settings,
            ClientSettings::default(),
            "the server ignores the VS Code setting `{name}` (no `{key}` in ClientSettings)"
        );
        server_keys.push(key.to_owned());
    }
    server_keys.sort();
    assert_eq!(
        server_keys,
        [
            "configPath",
            "documentationUrl",
            "envFromProcess",
            "extendSelect",
            "failureThreshold",
            "ignore",
            "select"
        ],
        "every server setting has a VS Code setting"
    );
}
