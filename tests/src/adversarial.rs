//! Adversarial inputs for the command line: each case is a folder to create and the arguments
//! to run `drydock` with there, with what must come out. `tests/tests/adversarial.rs` checks the
//! outcomes against the debug build under a watchdog; `scripts/adversarial` measures time and
//! peak memory per case with the release build (through `src/bin/adversarial.rs`).

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

/// What a run must produce.
#[derive(Clone, Debug)]
pub struct Expect {
    /// The exit code.
    pub code: i32,
    /// Codes that must be among the JSON findings (runs with `--format json`).
    pub codes: &'static [&'static str],
    /// Text standard error must contain (a one-line error or warning).
    pub stderr: Option<&'static str>,
}

/// One adversarial input.
#[derive(Clone, Debug)]
pub struct Case {
    /// Its name (also its folder).
    pub name: &'static str,
    /// What it is, for reports.
    pub what: &'static str,
    /// Arguments after `drydock`, run in the case's folder.
    pub args: &'static [&'static str],
    /// The expected outcome.
    pub expect: Expect,
    /// Only meaningful when drydock cannot read everything (not as root).
    pub needs_non_root: bool,
    setup: fn(&Path),
}

impl Case {
    /// Creates the case's files in `dir` (which exists and is empty).
    pub fn setup(&self, dir: &Path) {
        (self.setup)(dir);
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("mkdir");
    }
    fs::write(path, bytes).expect("write");
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

#[cfg(unix)]
fn symlink(target: &str, link: &Path) {
    std::os::unix::fs::symlink(target, link).expect("symlink");
}

const FIFTY_MB: usize = 50 * 1024 * 1024;

fn billion_laughs(dir: &Path) {
    let mut yaml = String::from(
        "x-l0: &l0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n",
    );
    for i in 1..=9 {
        let refs = vec![format!("*l{}", i - 1); 9].join(", ");
        let _ = writeln!(yaml, "x-l{i}: &l{i} [{refs}]");
    }
    yaml.push_str("services:\n  web:\n    image: nginx:1.27\n    command: *l9\n");
    write(dir, "compose.yaml", yaml.as_bytes());
}

fn deep_flow(dir: &Path) {
    let n = 10_000;
    let yaml = format!(
        "services:\n  web:\n    image: nginx:1.27\n    command: {}{}\n",
        "[".repeat(n),
        "]".repeat(n)
    );
    write(dir, "compose.yaml", yaml.as_bytes());
}

fn deep_flow_map(dir: &Path) {
    let n = 10_000;
    let yaml = format!(
        "services:\n  web:\n    image: nginx:1.27\n    labels: {}1{}\n",
        "{a: ".repeat(n),
        "}".repeat(n)
    );
    write(dir, "compose.yaml", yaml.as_bytes());
}

fn deep_block(dir: &Path) {
    // Each level is one column deeper: 10,000 levels are 50 MB, over the default size limit,
    // which the project's configuration raises.
    let mut yaml = String::from("services:\n  web:\n    image: nginx:1.27\n    labels:\n");
    for i in 0..10_000 {
        let _ = writeln!(yaml, "{}k{i}:", " ".repeat(i + 5));
    }
    write(dir, "compose.yaml", yaml.as_bytes());
    write(dir, ".drydock.yaml", b"max-file-size: 67108864\n");
}

fn deep_block_seq(dir: &Path) {
    // Compact nested block sequences: `- - - x` is three levels on one line.
    let yaml = format!(
        "services:\n  web:\n    image: nginx:1.27\n    command:\n      {}x\n",
        "- ".repeat(10_000)
    );
    write(dir, "compose.yaml", yaml.as_bytes());
}

fn big_dockerfile(dir: &Path) {
    let line = b"RUN echo hello world && apt-get install -y curl\n";
    let mut bytes = b"FROM debian:12\n".to_vec();
    while bytes.len() < FIFTY_MB {
        bytes.extend_from_slice(line);
    }
    write(dir, "Dockerfile", &bytes);
}

fn big_compose(dir: &Path) {
    let mut yaml = String::from("services:\n");
    let mut i = 0;
    while yaml.len() < FIFTY_MB {
        let _ = write!(
            yaml,
            "  s{i}:\n    image: nginx:1.27\n    ports: [\"{}:80\"]\n",
            1024 + i % 60_000
        );
        i += 1;
    }
    write(dir, "compose.yaml", yaml.as_bytes());
}

fn continuation(dir: &Path) {
    let mut text = String::from("FROM debian:12\nRUN echo start \\\n");
    for i in 0..100_000 {
        let _ = writeln!(text, "    && echo {i} \\");
    }
    text.push_str("    && true\nUSER 10001\n");
    write(dir, "Dockerfile", text.as_bytes());
}

fn stages(dir: &Path) {
    let mut text = String::from("FROM debian:12 AS s0\n");
    for i in 1..10_000 {
        let _ = writeln!(
            text,
            "FROM s{} AS s{i}\nCOPY --from=s{} /a /b",
            i - 1,
            i / 2
        );
    }
    text.push_str("USER 10001\n");
    write(dir, "Dockerfile", text.as_bytes());
}

fn many_env(dir: &Path) {
    let mut text = String::from("FROM debian:12\n");
    for i in 0..10_000_usize {
        let _ = writeln!(text, "ENV V{i}=${{V{}:-x}}y", i.saturating_sub(1));
    }
    for i in 0..10_000 {
        let _ = writeln!(text, "ARG A{i}=${{V{i}}}");
    }
    text.push_str("USER 10001\n");
    write(dir, "Dockerfile", text.as_bytes());
}

fn long_list(dir: &Path) {
    let text = format!(
        "FROM debian:12\nRUN {}true\nUSER 10001\n",
        "echo a && ".repeat(100_000)
    );
    write(dir, "Dockerfile", text.as_bytes());
}

fn deep_json(dir: &Path) {
    let text = format!(
        "FROM debian:12\nCMD {}\nENTRYPOINT [{}\"x\"{}]\nUSER 10001\n",
        "[".repeat(1_000_000),
        "{\"a\": ".repeat(20_000),
        "}".repeat(20_000)
    );
    write(dir, "Dockerfile", text.as_bytes());
}

fn deep_shell(dir: &Path) {
    let text = format!(
        "FROM debian:12\nRUN {}x{}\nUSER 10001\n",
        "$(".repeat(5_000),
        ")".repeat(5_000)
    );
    write(dir, "Dockerfile", text.as_bytes());
}

fn invalid_utf8(dir: &Path) {
    write(
        dir,
        "Dockerfile",
        b"FROM debian:12\nRUN echo \xff\xfe \xc3\x28 caf\xc3\xa9 \xe2\x82\nUSER 10001\n",
    );
    write(
        dir,
        "compose.yaml",
        b"services:\n  web:\n    image: nginx:1.27\n    command: [\"\xff\xfe\"]\n",
    );
}

fn nul_bytes(dir: &Path) {
    write(
        dir,
        "Dockerfile",
        b"FROM debian:12\nRUN echo \x00 a\x00b\nUSER 10001\n",
    );
    write(
        dir,
        "compose.yaml",
        b"services:\n  web:\n    image: nginx\x00:1.27\n",
    );
}

fn cr_only(dir: &Path) {
    write(
        dir,
        "Dockerfile",
        b"FROM debian:12\rRUN sudo apt-get update\rUSER 10001\r",
    );
    write(
        dir,
        "compose.yaml",
        b"services:\r  web:\r    image: nginx:1.27\r    privileged: true\r",
    );
}

fn bom(dir: &Path) {
    write(
        dir,
        "Dockerfile",
        b"\xef\xbb\xbfFROM debian:12\nRUN sudo true\nUSER 10001\n",
    );
    write(
        dir,
        "compose.yaml",
        b"\xef\xbb\xbfservices:\n  web:\n    image: nginx:1.27\n    privileged: true\n",
    );
}

fn unterminated(dir: &Path) {
    write(
        dir,
        "heredoc/Dockerfile",
        b"FROM debian:12\nRUN <<EOF\necho never ends\n",
    );
    write(
        dir,
        "quote/Dockerfile",
        b"FROM debian:12\nRUN echo \"never ends\nENV A=\"b\n",
    );
    write(
        dir,
        "json/Dockerfile",
        b"FROM debian:12\nCMD [\"a\", \"b\"\nUSER 10001\n",
    );
    write(
        dir,
        "flow/compose.yaml",
        b"services: {web: {image: nginx:1.27}\n",
    );
}

fn symlink_loop(dir: &Path) {
    write(
        dir,
        "ok/Dockerfile",
        b"FROM debian:12\nRUN sudo true\nUSER 10001\n",
    );
    #[cfg(unix)]
    {
        symlink("Dockerfile", &dir.join("Dockerfile"));
        symlink(".", &dir.join("self"));
        fs::create_dir_all(dir.join("a/b")).expect("mkdir");
        symlink("../..", &dir.join("a/b/up"));
    }
}

fn unreadable(dir: &Path) {
    write(dir, "Dockerfile", b"FROM debian:12\nUSER 10001\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir.join("Dockerfile"), fs::Permissions::from_mode(0o000))
            .expect("chmod");
    }
}

fn fifo_named(dir: &Path) {
    mkfifo(&dir.join("Dockerfile"));
}

fn fifos_in_walk(dir: &Path) {
    write(
        dir,
        "ok/Dockerfile",
        b"FROM debian:12\nCOPY . /app\nUSER 10001\n",
    );
    write(
        dir,
        "ok/compose.yaml",
        b"services:\n  web:\n    build: .\n    env_file: app.env\n    image: x:1\n",
    );
    // A FIFO the walk finds by name, a symlink to a FIFO, FIFOs among the files drydock reads
    // beside the ones it lints (.dockerignore, .env, env_file), and a FIFO .gitignore in a
    // sub-folder.
    mkfifo(&dir.join("compose.yaml"));
    mkfifo(&dir.join("ok/.dockerignore"));
    mkfifo(&dir.join("ok/.env"));
    mkfifo(&dir.join("ok/app.env"));
    fs::create_dir_all(dir.join("sub")).expect("mkdir");
    write(dir, "sub/Dockerfile", b"FROM debian:12\nUSER 10001\n");
    mkfifo(&dir.join("sub/.gitignore"));
    fs::create_dir_all(dir.join("link")).expect("mkdir");
    mkfifo(&dir.join("link/fifo"));
    #[cfg(unix)]
    symlink("fifo", &dir.join("link/Dockerfile"));
}

fn dir_named_dockerfile(dir: &Path) {
    write(
        dir,
        "Dockerfile/Dockerfile",
        b"FROM debian:12\nRUN sudo true\nUSER 10001\n",
    );
}

fn empty(dir: &Path) {
    write(dir, "Dockerfile", b"");
    write(dir, "compose.yaml", b"");
}

fn binary(dir: &Path) {
    // Deterministic junk (a linear congruential generator), with NULs and high bytes.
    let mut x: u32 = 12345;
    let bytes: Vec<u8> = (0..200_000)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 16) as u8
        })
        .collect();
    write(dir, "Dockerfile", &bytes);
    write(dir, "compose.yaml", &bytes);
}

fn extends_cycle(dir: &Path) {
    write(
        dir,
        "compose.yaml",
        b"services:\n  a:\n    extends: {file: other.yaml, service: b}\n  c:\n    extends: c\n",
    );
    write(
        dir,
        "other.yaml",
        b"services:\n  b:\n    extends: {file: compose.yaml, service: a}\n",
    );
}

fn include_cycle(dir: &Path) {
    write(
        dir,
        "compose.yaml",
        b"include:\n  - other.yaml\nservices:\n  a:\n    image: nginx:1.27\n",
    );
    write(
        dir,
        "other.yaml",
        b"include:\n  - compose.yaml\n  - other.yaml\nservices:\n  b:\n    image: nginx:1.27\n",
    );
}

fn include_outside(dir: &Path) {
    write(
        dir,
        "project/compose.yaml",
        b"include:\n  - ../secret/compose.yaml\n  - /etc/hostname\n  - https://example.com/compose.yaml\nservices:\n  web:\n    image: nginx:1.27\n    env_file: ../secret/.env\n    extends: {file: ../secret/compose.yaml, service: x}\n",
    );
    write(
        dir,
        "secret/compose.yaml",
        b"services:\n  x:\n    privileged: true\n",
    );
    write(dir, "secret/.env", b"PASSWORD=hunter2\n");
}

const JSON: &[&str] = &["check", "--format", "json", "--no-fail"];

/// Every case.
#[must_use]
pub fn cases() -> Vec<Case> {
    let ok = |codes| Expect {
        code: 0,
        codes,
        stderr: None,
    };
    vec![
        Case {
            name: "yaml-billion-laughs",
            what: "YAML billion laughs (9 levels of 9 aliases)",
            args: JSON,
            expect: ok(&["CMP102"]),
            needs_non_root: false,
            setup: billion_laughs,
        },
        Case {
            name: "yaml-deep-flow-sequence",
            what: "10,000-deep YAML flow sequence",
            args: JSON,
            expect: ok(&["CMP102"]),
            needs_non_root: false,
            setup: deep_flow,
        },
        Case {
            name: "yaml-deep-flow-mapping",
            what: "10,000-deep YAML flow mapping",
            args: JSON,
            expect: ok(&["CMP102"]),
            needs_non_root: false,
            setup: deep_flow_map,
        },
        Case {
            name: "yaml-deep-block-mapping",
            what: "10,000-deep YAML block mapping (50 MB, size limit raised)",
            args: JSON,
            expect: ok(&["CMP102"]),
            needs_non_root: false,
            setup: deep_block,
        },
        Case {
            name: "yaml-deep-block-sequence",
            what: "10,000-deep YAML block sequence",
            args: JSON,
            expect: ok(&["CMP102"]),
            needs_non_root: false,
            setup: deep_block_seq,
        },
        Case {
            name: "dockerfile-50mb",
            what: "50 MB Dockerfile (default 10 MiB limit: skipped)",
            args: JSON,
            expect: ok(&["DY003"]),
            needs_non_root: false,
            setup: big_dockerfile,
        },
        Case {
            name: "compose-50mb",
            what: "50 MB compose file (default 10 MiB limit: skipped)",
            args: JSON,
            expect: ok(&["DY003"]),
            needs_non_root: false,
            setup: big_compose,
        },
        Case {
            name: "invalid-utf8",
            what: "invalid UTF-8 in a Dockerfile and a compose file",
            args: JSON,
            expect: ok(&["DL1000"]),
            needs_non_root: false,
            setup: invalid_utf8,
        },
        Case {
            name: "nul-bytes",
            what: "NUL bytes in a Dockerfile and a compose file",
            args: JSON,
            expect: ok(&["CMP102"]),
            needs_non_root: false,
            setup: nul_bytes,
        },
        Case {
            name: "cr-only-line-ends",
            // BuildKit splits lines at `\n` only: the Dockerfile is one malformed line. YAML
            // breaks lines at `\r` too.
            what: "CR-only line ends",
            args: JSON,
            expect: ok(&["DL1000", "CMP001"]),
            needs_non_root: false,
            setup: cr_only,
        },
        Case {
            name: "bom",
            what: "a UTF-8 BOM",
            args: JSON,
            expect: ok(&["DL3004", "CMP001"]),
            needs_non_root: false,
            setup: bom,
        },
        Case {
            name: "unterminated",
            what: "unterminated heredoc, quote, JSON array and flow mapping",
            args: JSON,
            expect: ok(&["DL1000", "CMP102"]),
            needs_non_root: false,
            setup: unterminated,
        },
        Case {
            name: "continuation-100k",
            what: "a 100,000-line continuation",
            args: JSON,
            expect: ok(&[]),
            needs_non_root: false,
            setup: continuation,
        },
        Case {
            name: "stages-10k",
            what: "10,000 stages, each built on the previous one",
            args: JSON,
            expect: ok(&[]),
            needs_non_root: false,
            setup: stages,
        },
        Case {
            name: "env-arg-10k",
            what: "10,000 ENV and 10,000 ARG in one stage",
            args: JSON,
            expect: ok(&[]),
            needs_non_root: false,
            setup: many_env,
        },
        Case {
            name: "and-list-100k",
            what: "a RUN of 100,000 commands joined by &&",
            args: JSON,
            expect: ok(&[]),
            needs_non_root: false,
            setup: long_list,
        },
        Case {
            name: "deep-json",
            what: "exec forms nested 1,000,000 and 20,000 deep",
            args: JSON,
            expect: ok(&[]),
            needs_non_root: false,
            setup: deep_json,
        },
        Case {
            name: "deep-shell",
            what: "5,000 nested command substitutions",
            args: JSON,
            expect: ok(&[]),
            needs_non_root: false,
            setup: deep_shell,
        },
        Case {
            name: "symlink-loop",
            what: "a symlink loop named Dockerfile and folder loops in a walked folder",
            args: JSON,
            expect: Expect {
                code: 2,
                codes: &["DL3004"],
                stderr: Some("Dockerfile: "),
            },
            needs_non_root: false,
            setup: symlink_loop,
        },
        Case {
            name: "unreadable",
            what: "an unreadable Dockerfile",
            args: &["check", "Dockerfile"],
            expect: Expect {
                code: 2,
                codes: &[],
                stderr: Some("Dockerfile: permission denied"),
            },
            needs_non_root: true,
            setup: unreadable,
        },
        Case {
            name: "fifo-named",
            what: "a FIFO named Dockerfile, named on the command line",
            args: &["check", "Dockerfile"],
            expect: Expect {
                code: 2,
                codes: &[],
                stderr: Some("not a regular file"),
            },
            needs_non_root: false,
            setup: fifo_named,
        },
        Case {
            name: "fifos-in-walk",
            what: "FIFOs as compose.yaml, .dockerignore, .env, env_file, .gitignore, behind a symlink",
            args: JSON,
            expect: Expect {
                code: 2,
                codes: &[],
                stderr: Some("not a regular file"),
            },
            needs_non_root: false,
            setup: fifos_in_walk,
        },
        Case {
            name: "dir-named-dockerfile",
            what: "a folder named Dockerfile",
            args: JSON,
            expect: ok(&["DL3004"]),
            needs_non_root: false,
            setup: dir_named_dockerfile,
        },
        Case {
            name: "empty",
            what: "an empty Dockerfile and compose file",
            args: JSON,
            expect: ok(&[]),
            needs_non_root: false,
            setup: empty,
        },
        Case {
            name: "binary",
            what: "binary junk named Dockerfile and compose.yaml",
            args: JSON,
            expect: ok(&["DY004"]),
            needs_non_root: false,
            setup: binary,
        },
        Case {
            name: "extends-cycle",
            what: "compose `extends` cycles (across files, and a service extending itself)",
            args: JSON,
            expect: ok(&["CMP111"]),
            needs_non_root: false,
            setup: extends_cycle,
        },
        Case {
            name: "include-cycle",
            what: "compose `include` cycle",
            args: JSON,
            expect: ok(&["CMP112"]),
            needs_non_root: false,
            setup: include_cycle,
        },
        Case {
            name: "include-outside",
            what: "`include`, `env_file` and `extends` outside the project, a remote include",
            args: &["check", "--format", "json", "--no-fail", "project"],
            expect: ok(&["DY005", "DY006"]),
            needs_non_root: false,
            setup: include_outside,
        },
    ]
}
