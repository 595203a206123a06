//! Writes the adversarial cases (`drydock_tests::adversarial`) for `scripts/adversarial`:
//!
//! ```text
//! adversarial DIR    # DIR/<case>/... and, on standard output, one line per case:
//!                    # name TAB description TAB needs-non-root TAB arguments (joined by \x1f)
//! ```

use std::path::PathBuf;

fn main() {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: adversarial DIR");
        std::process::exit(2);
    };
    for case in drydock_tests::adversarial::cases() {
        let folder = dir.join(case.name);
        std::fs::create_dir_all(&folder).expect("create the case folder");
        case.setup(&folder);
        println!(
            "{}\t{}\t{}\t{}",
            case.name,
            case.what,
            case.needs_non_root,
            case.args.join("\x1f")
        );
    }
}
