//! Adversarial inputs (`drydock_tests::adversarial`): each gives findings or a clear one-line
//! error, never a crash or a hang, and exits 2 only for I/O, usage and configuration errors.
//! A generous watchdog catches hangs; it is not a timing assertion (debug builds on a busy
//! machine are slow: `scripts/adversarial` measures the real bounds with a release build).

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use drydock_tests::adversarial::{Case, cases};
use drydock_tests::drydock_bin;

/// Far beyond what any case needs, even in a debug build on a loaded machine.
const WATCHDOG: Duration = Duration::from_secs(120);

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Whether this process runs as root (which reads unreadable files).
fn is_root() -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
    }
    #[cfg(not(unix))]
    false
}

/// `setpriv` to run as `nobody` when this process is root, if it exists.
fn drop_privileges() -> Option<Vec<String>> {
    let found = Command::new("setpriv")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    found.then(|| {
        [
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
    })
}

fn run_with_watchdog(dir: &Path, prefix: &[String], args: &[&str], name: &str) -> Run {
    let mut argv: Vec<String> = prefix.to_vec();
    argv.push(drydock_bin().display().to_string());
    argv.extend(args.iter().map(|a| (*a).to_owned()));
    let mut child = Command::new(&argv[0])
        .args(&argv[1..])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join(".config"))
        .env_remove("HADOLINT_IGNORE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run drydock");
    // Read the pipes on threads so a chatty child never blocks on a full pipe.
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > WATCHDOG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{name}: drydock still running after {WATCHDOG:?}: a hang");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out_thread.join().expect("stdout thread")).into_owned(),
        stderr: String::from_utf8_lossy(&err_thread.join().expect("stderr thread")).into_owned(),
    }
}

fn check(case: &Case) {
    let dir = tempfile::tempdir().expect("tempdir");
    case.setup(dir.path());
    let mut prefix = Vec::new();
    if case.needs_non_root && is_root() {
        let Some(setpriv) = drop_privileges() else {
            eprintln!(
                "SKIPPED: {}: running as root without setpriv, the file is readable; not checked",
                case.name
            );
            return;
        };
        prefix = setpriv;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
                .expect("chmod");
        }
    }
    let run = run_with_watchdog(dir.path(), &prefix, case.args, case.name);
    let context = format!(
        "{} ({}): exit {:?}\nstderr:\n{}\nstdout (start):\n{}",
        case.name,
        case.what,
        run.code,
        run.stderr,
        run.stdout.chars().take(2000).collect::<String>()
    );
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("stack overflow"),
        "{context}"
    );
    assert_eq!(run.code, Some(case.expect.code), "{context}");
    if let Some(text) = case.expect.stderr {
        assert!(run.stderr.contains(text), "{context}");
    }
    // Errors are one line each, prefixed.
    for line in run.stderr.lines().filter(|l| l.contains("error")) {
        assert!(
            line.starts_with("drydock: error: ")
                || line.starts_with("Found ")
                || line.contains("No problems"),
            "{context}"
        );
    }
    if case.args.contains(&"json") {
        let items: Vec<serde_json::Value> = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {context}"));
        let codes: Vec<&str> = items.iter().filter_map(|i| i["code"].as_str()).collect();
        for code in case.expect.codes {
            assert!(
                codes.contains(code),
                "{code} missing from {codes:?}: {context}"
            );
        }
    }
}

fn case(name: &str) -> Case {
    cases()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no case {name}"))
}

macro_rules! adversarial_tests {
    ($($test:ident => $name:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check(&case($name));
            }
        )*

        #[test]
        fn every_case_has_a_test() {
            let tested = [$($name),*];
            for c in cases() {
                assert!(tested.contains(&c.name), "case {} has no test", c.name);
            }
        }
    };
}

adversarial_tests! {
    yaml_billion_laughs => "yaml-billion-laughs",
    yaml_deep_flow_sequence => "yaml-deep-flow-sequence",
    yaml_deep_flow_mapping => "yaml-deep-flow-mapping",
    yaml_deep_block_mapping => "yaml-deep-block-mapping",
    yaml_deep_block_sequence => "yaml-deep-block-sequence",
    dockerfile_50mb => "dockerfile-50mb",
    compose_50mb => "compose-50mb",
    invalid_utf8 => "invalid-utf8",
    nul_bytes => "nul-bytes",
    cr_only_line_ends => "cr-only-line-ends",
    bom => "bom",
    unterminated => "unterminated",
    continuation_100k => "continuation-100k",
    stages_10k => "stages-10k",
    env_arg_10k => "env-arg-10k",
    and_list_100k => "and-list-100k",
    deep_json => "deep-json",
    deep_shell => "deep-shell",
    symlink_loop => "symlink-loop",
    unreadable => "unreadable",
    fifo_named => "fifo-named",
    fifos_in_walk => "fifos-in-walk",
    dir_named_dockerfile => "dir-named-dockerfile",
    empty => "empty",
    binary => "binary",
    extends_cycle => "extends-cycle",
    include_cycle => "include-cycle",
    include_outside => "include-outside",
}
