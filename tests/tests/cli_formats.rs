//! The output formats and hadolint's command-line flags, end to end: one snapshot per format
//! over `fixtures/output/project` (a Dockerfile with findings and fixes, a clean Dockerfile and
//! a compose file; its `.drydock.yaml` selects a few rules so that the snapshots only change
//! when the formats do), the SARIF output validated against the SARIF 2.1.0 schema, and the
//! flags `drydock check` shares with hadolint.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use drydock_tests::{repo_root, run_drydock, run_drydock_with};
use serde_json::Value;

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("mkdir");
    }
    fs::write(path, text).expect("write");
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn project() -> PathBuf {
    repo_root().join("fixtures/output/project")
}

/// Runs `drydock check . -f FORMAT` in the fixture project, at a fixed time.
fn run_format(format: &str) -> Output {
    run_drydock_with(
        &project(),
        &["check", ".", "--format", format],
        None,
        &[("SOURCE_DATE_EPOCH", "0")],
    )
}

/// Output made stable across versions and runs: drydock's version and the run time.
fn normalise(text: &str) -> String {
    let version = env!("CARGO_PKG_VERSION");
    let mut text = text
        .replace(&format!("\"{version}\""), "\"[VERSION]\"")
        .replace(&format!("drydock {version}"), "drydock [VERSION]");
    // JUnit: the elapsed time of the run.
    if let Some(at) = text.find("<testsuites ")
        && let Some(time) = text[at..].find(" time=\"")
    {
        let start = at + time + " time=\"".len();
        if let Some(len) = text[start..].find('"') {
            text.replace_range(start..start + len, "[TIME]");
        }
    }
    text
}

fn pretty(text: &str) -> String {
    serde_json::to_string_pretty(&json(text)).expect("serialise") + "\n"
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({
        snapshot_path => repo_root().join("fixtures/output"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

/// Every format over the fixture project. JSON documents are shown pretty-printed (their keys
/// are written in alphabetical order, which pretty-printing keeps); codeclimate's NUL
/// separators are shown as `<NUL>` and a line break.
#[test]
fn every_format_snapshot() {
    for format in [
        "tty",
        "json",
        "checkstyle",
        "codeclimate",
        "gitlab_codeclimate",
        "gnu",
        "codacy",
        "sonarqube",
        "sarif",
        "junit",
        "github",
    ] {
        let out = run_format(format);
        let expected_code = if matches!(format, "codeclimate" | "codacy") {
            0
        } else {
            1
        };
        assert_eq!(
            out.status.code(),
            Some(expected_code),
            "{format}: {}",
            stderr(&out)
        );
        let text = stdout(&out);
        let shown = match format {
            "json" | "gitlab_codeclimate" | "sonarqube" | "sarif" => pretty(&text),
            "codeclimate" => {
                assert!(text.ends_with('\0'), "each issue is followed by NUL");
                text.split_terminator('\0')
                    .map(|item| format!("{}<NUL>\n", pretty(item).trim_end()))
                    .collect()
            }
            "codacy" => {
                // Objects one after the other, no separator: read them as a stream.
                let items: Vec<Value> = serde_json::Deserializer::from_str(&text)
                    .into_iter::<Value>()
                    .collect::<Result<_, _>>()
                    .expect("a stream of JSON objects");
                assert!(!text.contains("}\n{") && !text.contains("},{"));
                items
                    .iter()
                    .map(|v| serde_json::to_string(v).expect("serialise") + "\n")
                    .collect()
            }
            _ => text,
        };
        snapshot(format, &normalise(&shown));
    }
}

#[test]
fn gitlab_is_an_alias_and_fingerprints_are_stable_and_unique() {
    let alias = run_format("gitlab");
    let full = run_format("gitlab_codeclimate");
    assert_eq!(stdout(&alias), stdout(&full));

    let issues = json(&stdout(&full));
    let fingerprints: Vec<&str> = issues
        .as_array()
        .expect("array")
        .iter()
        .map(|i| i["fingerprint"].as_str().expect("fingerprint"))
        .collect();
    let mut unique = fingerprints.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), fingerprints.len(), "unique fingerprints");

    // Lines added above a finding and text changed elsewhere keep its fingerprint; two
    // identical findings get different ones.
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |text: &str| {
        write(dir.path(), "Dockerfile", text);
        let out = run_drydock(
            dir.path(),
            &["check", "Dockerfile", "-f", "gitlab", "--select", "DL3004"],
        );
        json(&stdout(&out))
            .as_array()
            .expect("array")
            .iter()
            .map(|i| i["fingerprint"].as_str().expect("fingerprint").to_owned())
            .collect::<Vec<_>>()
    };
    let before = run("FROM debian:12\nRUN sudo true\nRUN sudo true\n");
    let after = run("FROM debian:12\nLABEL a=b\n\nRUN echo x\nRUN sudo  true\nRUN sudo true\n");
    assert_eq!(before.len(), 2);
    assert_ne!(before[0], before[1]);
    assert_eq!(before, after);
    // The same finding in another file is another finding.
    write(
        dir.path(),
        "b/Dockerfile",
        "FROM debian:12\nRUN sudo true\n",
    );
    let out = run_drydock(
        dir.path(),
        &[
            "check",
            "b/Dockerfile",
            "-f",
            "gitlab",
            "--select",
            "DL3004",
        ],
    );
    let other = json(&stdout(&out));
    assert_ne!(other[0]["fingerprint"].as_str(), Some(before[0].as_str()));
}

/// Where the SARIF schema is: `../shared/schemas` next to the repository, else
/// `/work/shared/schemas` (as the corpus is found).
fn sarif_schema() -> Option<Value> {
    [
        repo_root().join("../shared/schemas/sarif-schema-2.1.0.json"),
        PathBuf::from("/work/shared/schemas/sarif-schema-2.1.0.json"),
    ]
    .into_iter()
    .find(|p| p.is_file())
    .map(|p| json(&fs::read_to_string(p).expect("read the schema")))
}

fn validate_sarif(schema: &Value, log: &Value) {
    let validator = jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(schema)
        .expect("the SARIF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF output does not match the schema:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_validates_against_the_schema() {
    let Some(schema) = sarif_schema() else {
        eprintln!(
            "WARNING: sarif-schema-2.1.0.json not found in ../shared/schemas: the SARIF output \
             was NOT validated"
        );
        return;
    };
    let log = json(&stdout(&run_format("sarif")));
    validate_sarif(&schema, &log);

    // A broken validator would accept anything: make sure it rejects a wrong document.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    let validator = jsonschema::draft7::new(&schema).expect("compiles");
    assert!(!validator.is_valid(&broken), "an invalid level is rejected");

    // Rule metadata: one descriptor per rule with a result, `ruleIndex` pointing at it.
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let results = run["results"].as_array().expect("results");
    assert!(!results.is_empty());
    let mut ids: Vec<&str> = results
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(
        rules.len(),
        ids.len(),
        "one descriptor per rule with results"
    );
    for result in results {
        let index = usize::try_from(result["ruleIndex"].as_u64().expect("ruleIndex")).unwrap();
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
    for rule in rules {
        let id = rule["id"].as_str().expect("id");
        let name = rule["name"].as_str().expect("name");
        assert_eq!(
            rule["helpUri"],
            format!(
                "https://github.com/drydock-lint/drydock/blob/main/rules.md#{}-{name}",
                id.to_ascii_lowercase()
            )
        );
        assert!(
            rule["help"]["markdown"]
                .as_str()
                .is_some_and(|h| h.contains("## What it does")),
            "{id}: help is the documentation"
        );
        assert!(
            rule["shortDescription"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
        assert!(
            rule["fullDescription"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
    }
    // Fixes are there for the findings that have one.
    let with_fix: Vec<&str> = results
        .iter()
        .filter(|r| r.get("fixes").is_some())
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    for code in ["DL3027", "DY001", "CMP107"] {
        assert!(with_fix.contains(&code), "{code} has a fix: {with_fix:?}");
    }

    // Other inputs: no findings at all, `--rules-url`, paths that need escaping, standard
    // input.
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "my dir/Dockerfile",
        "FROM debian:12\nRUN sudo true\nUSER 1000\n",
    );
    write(dir.path(), "ok/Dockerfile", "FROM debian:12\nUSER 1000\n");
    for args in [
        vec!["check", "ok", "-f", "sarif"],
        vec!["check", "empty-folder-does-not-exist", "-f", "sarif"],
        vec![
            "check",
            ".",
            "-f",
            "sarif",
            "--rules-url",
            "https://example.com/docs/rules.html",
        ],
    ] {
        let out = run_drydock(dir.path(), &args);
        let log = json(&stdout(&out));
        validate_sarif(&schema, &log);
        if args.contains(&"--rules-url") {
            let uri = log["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"]
                .as_str()
                .expect("helpUri");
            assert!(
                uri.starts_with("https://example.com/docs/rules.html#"),
                "{uri}"
            );
            let uris: Vec<&str> = log["runs"][0]["results"]
                .as_array()
                .expect("results")
                .iter()
                .filter_map(|r| {
                    r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str()
                })
                .collect();
            assert!(uris.contains(&"my%20dir/Dockerfile"), "{uris:?}");
        }
    }
    let out = run_drydock_with(
        dir.path(),
        &["check", "-", "-f", "sarif"],
        Some("FROM debian:12\nRUN sudo true\nUSER 1000\n"),
        &[],
    );
    validate_sarif(&schema, &json(&stdout(&out)));
}

#[test]
fn severity_overrides_change_level_and_exit_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    // DL3002 (last USER is root) is a warning, DL3066 info, DS101 quiet (there is a USER).
    write(dir.path(), "Dockerfile", "FROM debian:12\nUSER root\n");
    let level = |out: &Output, code: &str| {
        json(&stdout(out))
            .as_array()
            .expect("array")
            .iter()
            .find(|i| i["code"] == code)
            .map(|i| i["level"].as_str().unwrap_or_default().to_owned())
    };
    let base = ["check", "-f", "json", "-t", "error", "--select", "DL3002"];
    let out = run_drydock(dir.path(), &base);
    assert_eq!(level(&out, "DL3002").as_deref(), Some("warning"));
    assert_eq!(out.status.code(), Some(0), "a warning is under `-t error`");

    let out = run_drydock(dir.path(), &[&base[..], &["--error", "DL3002"]].concat());
    assert_eq!(level(&out, "DL3002").as_deref(), Some("error"));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));

    // Named at several levels: the most serious wins, whatever the order (as in hadolint).
    let out = run_drydock(
        dir.path(),
        &[&base[..], &["--error", "DL3002", "--style", "DL3002"]].concat(),
    );
    assert_eq!(level(&out, "DL3002").as_deref(), Some("error"));
    let out = run_drydock(
        dir.path(),
        &[&base[..], &["--style", "DL3002", "--info", "DL3002"]].concat(),
    );
    assert_eq!(level(&out, "DL3002").as_deref(), Some("info"));
    assert_eq!(out.status.code(), Some(0));

    // An override turns a rule on, and the command line wins over `.drydock.yaml`.
    write(
        dir.path(),
        ".drydock.yaml",
        "select: [DS101]\nseverity:\n  DL3066: error\n",
    );
    let out = run_drydock(dir.path(), &["check", "-f", "json", "--warning", "DL3066"]);
    assert_eq!(level(&out, "DL3066").as_deref(), Some("warning"));
    let out = run_drydock(dir.path(), &["check", "-f", "json"]);
    assert_eq!(level(&out, "DL3066").as_deref(), Some("error"));

    // Unknown codes are usage errors; ShellCheck codes pass, as with `--ignore`.
    let out = run_drydock(dir.path(), &["check", "--error", "DL9999"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = run_drydock(dir.path(), &["check", "--style", "SC2086"]);
    assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn require_label_trusted_registry_strict_labels_and_pragmas() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "Dockerfile",
        "FROM quay.io/example/app:1.0\nLABEL extra=1\n# hadolint ignore=DL3004\nRUN sudo true\nUSER 1000\n",
    );
    let codes = |args: &[&str]| -> Vec<String> {
        let out = run_drydock(dir.path(), &[&["check", "-f", "json"], args].concat());
        assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));
        json(&stdout(&out))
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|i| i["code"].as_str().map(str::to_owned))
            .collect()
    };
    let plain = codes(&[]);
    for code in ["DL3049", "DL3026", "DL3050", "DL3004"] {
        assert!(
            !plain.contains(&code.to_owned()),
            "{code} without flags: {plain:?}"
        );
    }
    assert!(codes(&["--require-label", "maintainer:text"]).contains(&"DL3049".to_owned()));
    assert!(codes(&["--require-label", "maintainer"]).contains(&"DL3049".to_owned()));
    assert!(codes(&["--trusted-registry", "docker.io"]).contains(&"DL3026".to_owned()));
    assert!(!codes(&["--trusted-registry", "quay.io"]).contains(&"DL3026".to_owned()));
    let strict = codes(&["--require-label", "maintainer:text", "--strict-labels"]);
    assert!(strict.contains(&"DL3050".to_owned()), "{strict:?}");
    assert!(codes(&["--disable-ignore-pragma"]).contains(&"DL3004".to_owned()));

    let out = run_drydock(
        dir.path(),
        &["check", "--require-label", "maintainer:bogus"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("invalid label type `bogus`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn outputs_are_paired_with_formats_like_hadolint() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "Dockerfile",
        "FROM debian:12\nRUN sudo true\nUSER 1000\n",
    );

    // More formats than files: the rest go to standard output.
    let out = run_drydock(
        dir.path(),
        &["check", "-f", "json", "-f", "gnu", "-o", "report.json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = fs::read_to_string(dir.path().join("report.json")).expect("report.json");
    assert!(json(&report).is_array());
    assert!(
        stdout(&out).starts_with("drydock:Dockerfile:2:5: DL3004 error:"),
        "{}",
        stdout(&out)
    );
    assert!(!stderr(&out).contains("Found"), "no tty, no summary");

    // More files than formats: the rest get tty, without colours even when forced for the
    // terminal.
    let out = run_drydock(
        dir.path(),
        &[
            "check", "-f", "sarif", "-o", "a.sarif", "-o", "b.txt", "--color", "always",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    let sarif = json(&fs::read_to_string(dir.path().join("a.sarif")).expect("a.sarif"));
    assert_eq!(sarif["version"], "2.1.0");
    let tty = fs::read_to_string(dir.path().join("b.txt")).expect("b.txt");
    assert!(tty.contains("error[DL3004]"), "{tty}");
    assert!(!tty.contains('\u{1b}'), "no ANSI escapes in a file");
    assert!(
        stderr(&out).contains("Found"),
        "tty asked for: summary on stderr"
    );

    // `-o -` is standard output; several formats on standard output follow one another.
    let out = run_drydock(
        dir.path(),
        &["check", "-f", "gnu", "-f", "github", "-o", "-"],
    );
    let text = stdout(&out);
    assert!(text.starts_with("drydock:Dockerfile:2:5:"), "{text}");
    assert!(
        text.contains(
            "\n::error file=Dockerfile,line=2,col=5,endLine=2,endColumn=9,title=DL3004::"
        ),
        "{text}"
    );

    // An output file that cannot be written is an error.
    let out = run_drydock(dir.path(), &["check", "-f", "json", "-o", "missing/x.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot write missing/x.json"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn codeclimate_and_codacy_exit_zero_like_hadolint() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "Dockerfile",
        "FROM debian:12\nRUN sudo true\nUSER 1000\n",
    );
    for format in ["codeclimate", "codacy"] {
        let out = run_drydock(dir.path(), &["check", "-f", format]);
        assert_eq!(out.status.code(), Some(0), "{format}");
        assert!(!out.stdout.is_empty());
        let out = run_drydock(dir.path(), &["check", "-f", "json", "-f", format]);
        assert_eq!(out.status.code(), Some(0), "{format} among others");
    }
    // Errors are still errors.
    let out = run_drydock(dir.path(), &["check", "-f", "codeclimate", "missing"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn file_path_in_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "Dockerfile",
        "FROM debian:12\nRUN sudo true\nUSER 1000\n",
    );
    let run = |format: &str| {
        stdout(&run_drydock(
            dir.path(),
            &[
                "check",
                "Dockerfile",
                "-f",
                format,
                "--file-path-in-report",
                "src/app/Dockerfile",
            ],
        ))
    };
    assert!(run("checkstyle").contains(r#"<file name="src/app/Dockerfile">"#));
    assert!(run("codeclimate").contains(r#""path":"src/app/Dockerfile""#));
    assert!(run("gitlab_codeclimate").contains(r#""path":"src/app/Dockerfile""#));
    assert!(run("sonarqube").contains(r#""filePath":"src/app/Dockerfile""#));
    assert!(run("junit").contains("File: src/app/Dockerfile\n"));
    assert!(run("sarif").contains(r#""uri":"src/app/Dockerfile""#));
    assert!(run("github").contains("file=src/app/Dockerfile,"));
    // As in hadolint, json, gnu and codacy keep the real path.
    assert!(run("json").contains(r#""file":"Dockerfile""#));
    assert!(run("gnu").starts_with("drydock:Dockerfile:"));
    assert!(run("codacy").contains(r#""filename":"Dockerfile""#));
}

#[test]
fn verbose_prints_the_configuration_and_version_flags_work() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "Dockerfile", "FROM debian:12\nUSER 1000\n");
    let out = run_drydock(dir.path(), &["check", "-V"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no configuration file found; using the defaults"),
        "{}",
        stderr(&out)
    );

    write(
        dir.path(),
        ".drydock.yaml",
        "ignore: [DS101]\nseverity:\n  DL3002: error\noptions:\n  trusted-registries: [docker.io]\n",
    );
    let out = run_drydock(dir.path(), &["check", "--verbose"]);
    let err = stderr(&out);
    let config = dir.path().join(".drydock.yaml");
    assert!(
        err.contains(&format!("configuration file used: {}", config.display())),
        "{err}"
    );
    assert!(err.contains("severity: [DL3002: error]"), "{err}");
    assert!(err.contains("trusted-registries: [docker.io]"), "{err}");
    assert!(err.contains("failure-threshold: info"), "{err}");

    fs::remove_file(&config).expect("rm");
    write(dir.path(), ".hadolint.yaml", "ignored: [DL3006]\n");
    let out = run_drydock(dir.path(), &["check", "-V"]);
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "configuration file used (hadolint's): {}",
            dir.path().join(".hadolint.yaml").display()
        )),
        "{err}"
    );

    let version = format!("drydock {}\n", env!("CARGO_PKG_VERSION"));
    for args in [
        &["-v"][..],
        &["--version"],
        &["check", "-v"],
        &["check", "--version"],
    ] {
        let out = run_drydock(dir.path(), args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert_eq!(stdout(&out), version, "{args:?}");
    }
}

#[test]
fn format_from_configuration() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "Dockerfile",
        "FROM debian:12\nRUN sudo true\nUSER 1000\n",
    );
    write(dir.path(), ".drydock.yaml", "format: gnu\n");
    let out = run_drydock(dir.path(), &["check"]);
    assert!(
        stdout(&out).starts_with("drydock:Dockerfile:2:5:"),
        "{}",
        stdout(&out)
    );
    // `-f` wins over the configuration.
    let out = run_drydock(dir.path(), &["check", "-f", "json"]);
    assert!(json(&stdout(&out)).is_array());
    // A list, paired with `-o`.
    write(dir.path(), ".drydock.yaml", "format: [json, github]\n");
    let out = run_drydock(dir.path(), &["check", "-o", "report.json"]);
    assert!(json(&fs::read_to_string(dir.path().join("report.json")).expect("read")).is_array());
    assert!(
        stdout(&out).starts_with("::error file=Dockerfile,"),
        "{}",
        stdout(&out)
    );
    // A wrong name in `.drydock.yaml` is an error...
    write(dir.path(), ".drydock.yaml", "format: fancy\n");
    let out = run_drydock(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown format `fancy`"),
        "{}",
        stderr(&out)
    );

    // ... and a warning in hadolint's configuration, whose `format` works too.
    fs::remove_file(dir.path().join(".drydock.yaml")).expect("rm");
    write(dir.path(), ".hadolint.yaml", "format: checkstyle\n");
    let out = run_drydock(dir.path(), &["check"]);
    assert!(stdout(&out).starts_with("<?xml"), "{}", stdout(&out));
    write(dir.path(), ".hadolint.yaml", "format: fancy\n");
    let out = run_drydock(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("warning"), "{}", stderr(&out));
    // HADOLINT_FORMAT too.
    fs::remove_file(dir.path().join(".hadolint.yaml")).expect("rm");
    let out = run_drydock_with(dir.path(), &["check"], None, &[("HADOLINT_FORMAT", "gnu")]);
    assert!(
        stdout(&out).starts_with("drydock:Dockerfile:"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn no_color_and_empty_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "Dockerfile",
        "FROM debian:12\nRUN sudo true\nUSER 1000\n",
    );
    let out = run_drydock(dir.path(), &["check", "--color", "always"]);
    assert!(stdout(&out).contains('\u{1b}'), "colours when forced");
    let out = run_drydock(dir.path(), &["check", "--color", "always", "--no-color"]);
    assert!(!stdout(&out).contains('\u{1b}'));
    assert!(!stderr(&out).contains('\u{1b}'));
    // hadolint's `no-color` only changes the automatic choice: `--color always` wins.
    write(dir.path(), ".hadolint.yaml", "no-color: true\n");
    let out = run_drydock(dir.path(), &["check", "--color", "always"]);
    assert!(stdout(&out).contains('\u{1b}'));

    // Nothing to lint: machine formats still write a document.
    let empty = tempfile::tempdir().expect("tempdir");
    for (format, expected) in [
        ("json", "[]\n"),
        ("gitlab", "[]\n"),
        ("sonarqube", "{\"issues\":[]}\n"),
        (
            "checkstyle",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><checkstyle version=\"4.3\"></checkstyle>\n",
        ),
        ("gnu", ""),
        ("github", ""),
        ("codeclimate", ""),
    ] {
        let out = run_drydock(empty.path(), &["check", "-f", format]);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(stdout(&out), expected, "{format}");
    }
}
