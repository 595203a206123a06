//! drydock reads most YAML with its own fast reader and leaves the rest to saphyr-parser. Where
//! the fast reader reads, its tree (every range, value, style, anchor and tag) and its problems
//! (duplicate keys) must be saphyr-parser's with drydock's adjustments. Checked on every compose
//! fixture in the repository and every compose file of the shared corpus (skipped loudly when
//! absent); the generated documents are checked in `drydock_compose`'s own tests.

use std::path::{Path, PathBuf};

use drydock_compose::yaml::{Document, parse_fast, parse_with_saphyr};
use drydock_tests::{corpus_files_or_skip, repo_root};

/// Whether the fast reader read the file at `path`, panicking when it read it differently.
fn read_the_same(path: &Path) -> bool {
    let bytes = std::fs::read(path).unwrap_or_default();
    let Ok(text) = String::from_utf8(bytes) else {
        return false;
    };
    let Some(fast) = parse_fast(&text) else {
        return false;
    };
    let slow: Document = parse_with_saphyr(&text);
    let path = path.display();
    assert_eq!(fast.root, slow.root, "tree of {path}");
    assert_eq!(fast.errors, slow.errors, "problems of {path}");
    assert_eq!(fast.anchors, slow.anchors, "anchors of {path}");
    true
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            out.push(path);
        }
    }
}

#[test]
fn fixtures_read_the_same() {
    let mut files = Vec::new();
    yaml_files(&repo_root().join("fixtures"), &mut files);
    assert!(
        files.len() > 100,
        "only {} YAML fixtures found",
        files.len()
    );
    let read = files.iter().filter(|f| read_the_same(f)).count();
    // Most fixtures are plain compose files; the rest test what YAML rejects.
    assert!(read * 2 > files.len(), "read {read} of {}", files.len());
}

#[test]
fn corpus_compose_files_read_the_same() {
    let Some(files) = corpus_files_or_skip("compose") else {
        return;
    };
    let read = files.iter().filter(|f| read_the_same(f)).count();
    // (1,056 of 1,057 when written: the other is not valid YAML.)
    assert!(
        read * 100 >= files.len() * 99,
        "read {read} of {}",
        files.len()
    );
}
