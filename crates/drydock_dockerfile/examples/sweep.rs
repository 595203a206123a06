//! Parses every Dockerfile listed on the command line and prints errors (scratch tool).
use std::collections::BTreeMap;
fn main() {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut files = 0;
    let mut bad_round = 0;
    let mut shell_cmds = 0;
    let mut shell_errors = 0;
    let show = std::env::var("SHOW").is_ok();
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).unwrap();
        let df =
            drydock_dockerfile::parse(drydock_dockerfile::SourceText::from_bytes(bytes.clone()));
        files += 1;
        let model = drydock_dockerfile::model::Model::new(df.clone());
        for i in 0..model.instruction_count() {
            if let Some(sh) = model.shell(i) {
                shell_cmds += sh.commands.len();
                if sh.has_error {
                    shell_errors += 1;
                    if std::env::var("SHOWSH").is_ok() {
                        println!(
                            "SHERR {path} {:?}",
                            &model.text()[model.instruction(i).range]
                        );
                    }
                }
            }
        }
        if df.to_bytes() != bytes {
            bad_round += 1;
            eprintln!("ROUNDTRIP {path}");
        }
        for e in df.errors() {
            let key: String = e.message.chars().take(50).collect();
            *counts.entry(key).or_default() += 1;
            if show {
                println!(
                    "{path}:{:?}: {}  | {:?}",
                    e.range,
                    e.message,
                    &df.text()[e.range]
                );
            }
        }
    }
    println!(
        "files={files} roundtrip_failures={bad_round} shell_commands={shell_cmds} shell_errors={shell_errors}"
    );
    for (k, v) in counts {
        println!("{v:6} {k}");
    }
}
