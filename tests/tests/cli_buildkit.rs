//! End-to-end tests of the BuildKit build checks through the binary: the
//! `buildkit-dockerfile-check` setting of `.drydock.yaml`, BuildKit names and `BK` codes
//! accepted wherever a code is, and `.dockerignore` read beside the Dockerfile.

use std::fs;
use std::path::Path;

use drydock_tests::run_drydock;

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("mkdir");
    }
    fs::write(path, text).expect("write");
}

fn findings(out: &std::process::Output) -> Vec<(String, String)> {
    let items: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    items
        .iter()
        .map(|i| {
            (
                i["code"].as_str().unwrap_or_default().to_owned(),
                i["level"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

const CASING: &str = "#check=skip=all\nFROM scratch as base\ncopy Dockerfile .\n";

#[test]
fn the_setting_replaces_the_directive() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "Dockerfile", CASING);
    // The directive skips everything.
    let out = run_drydock(dir.path(), &["check", "--select", "BK", "--format", "json"]);
    assert_eq!(findings(&out), []);
    // The setting replaces it, as BUILDKIT_DOCKERFILE_CHECK does.
    write(
        dir.path(),
        ".drydock.yaml",
        "select: [BK]\nbuildkit-dockerfile-check: \"skip=ConsistentInstructionCasing;error=true\"\n",
    );
    let out = run_drydock(dir.path(), &["check", "--format", "json"]);
    assert_eq!(findings(&out), [("BK002".to_owned(), "error".to_owned())]);
}

#[test]
fn an_invalid_setting_is_a_configuration_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "Dockerfile", CASING);
    write(
        dir.path(),
        ".drydock.yaml",
        "select: [BK]\nbuildkit-dockerfile-check: \"skip=all;errors=true\"\n",
    );
    let out = run_drydock(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(".drydock.yaml:2:1: buildkit-dockerfile-check: unknown option `errors`"),
        "{stderr}"
    );

    write(
        dir.path(),
        ".drydock.yaml",
        "select: [BK]\nbuildkit-dockerfile-check: \"skip=fromascasing\"\n",
    );
    let out = run_drydock(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "buildkit-dockerfile-check: `fromascasing` is not the name of a BuildKit build check (did you mean `FromAsCasing`?)"
        ),
        "{stderr}"
    );
}

#[test]
fn buildkit_names_and_codes_select_and_ignore() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "Dockerfile",
        "FROM scratch as base\nMAINTAINER me@example.org\n",
    );
    for (select, code) in [
        ("FromAsCasing", "BK002"),
        ("from-as-casing", "BK002"),
        ("BK008", "DL4000"),
        ("MaintainerDeprecated", "DL4000"),
    ] {
        let out = run_drydock(
            dir.path(),
            &["check", "--select", select, "--format", "json"],
        );
        let codes: Vec<String> = findings(&out).into_iter().map(|(c, _)| c).collect();
        assert_eq!(codes, [code], "--select {select}");
    }
    let out = run_drydock(
        dir.path(),
        &[
            "check",
            "--select",
            "BK002,DL4000",
            "--ignore",
            "BK008",
            "--format",
            "json",
        ],
    );
    let codes: Vec<String> = findings(&out).into_iter().map(|(c, _)| c).collect();
    assert_eq!(codes, ["BK002"]);
    // A drydock pragma naming the BuildKit check.
    write(
        dir.path(),
        "Dockerfile",
        "# drydock ignore=FromAsCasing\nFROM scratch as base\n",
    );
    let out = run_drydock(
        dir.path(),
        &["check", "--select", "BK002", "--format", "json"],
    );
    assert_eq!(findings(&out), []);
}

#[test]
fn dockerignore_beside_the_dockerfile() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "app/Dockerfile",
        "FROM scratch\nCOPY secrets/ /etc/app/\n",
    );
    write(dir.path(), "app/.dockerignore", "secrets\n");
    let out = run_drydock(
        dir.path(),
        &[
            "check",
            "app/Dockerfile",
            "--select",
            "BK018",
            "--format",
            "json",
        ],
    );
    let codes: Vec<String> = findings(&out).into_iter().map(|(c, _)| c).collect();
    assert_eq!(codes, ["BK018"]);
}
