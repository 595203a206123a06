//! The Dockerfile parser: snapshot dumps of `fixtures/parser/*.Dockerfile`, the lossless round
//! trip on arbitrary bytes, and ranges that always land inside the file on character boundaries.

use drydock_dockerfile::model::Model;
use drydock_dockerfile::{Args, Instruction, ItemKind, parse};
use drydock_tests::repo_root;
use drydock_text::{SourceText, TextRange};
use proptest::prelude::*;

#[test]
fn parser_fixtures() {
    let dir = repo_root().join("fixtures/parser");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures/parser")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let mut count = 0;
    for path in files
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "Dockerfile"))
    {
        let bytes = std::fs::read(&path).expect("fixture");
        let file = parse(SourceText::from_bytes(bytes.clone()));
        assert_eq!(file.to_bytes(), bytes, "{}: round trip", path.display());
        check_ranges(&file, &path.display().to_string());
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_owned();
        insta::with_settings!({ snapshot_path => dir.clone(), prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(name, file.debug_dump());
        });
        count += 1;
    }
    assert!(count > 10, "expected the parser fixtures, found {count}");
}

fn in_file(range: TextRange, text: &str, what: &str, at: &str) {
    let (s, e) = (usize::from(range.start()), usize::from(range.end()));
    assert!(
        s <= e && e <= text.len(),
        "{at}: {what} {range:?} outside the file ({} bytes)",
        text.len()
    );
    assert!(
        text.is_char_boundary(s) && text.is_char_boundary(e),
        "{at}: {what} {range:?} splits a character"
    );
}

fn check_instruction(i: &Instruction, text: &str, at: &str) {
    in_file(i.range, text, "instruction", at);
    in_file(i.keyword.range, text, "keyword", at);
    for f in &i.flags {
        in_file(f.range, text, "flag", at);
        in_file(f.name_range, text, "flag name", at);
        if let Some(v) = f.value_range {
            in_file(v, text, "flag value", at);
        }
    }
    for h in &i.heredocs {
        in_file(h.marker, text, "heredoc marker", at);
        in_file(h.body, text, "heredoc body", at);
    }
    let mut words = Vec::new();
    match &i.args {
        Args::Exec(e) => words.extend(e.elements.iter().map(|w| w.range)),
        Args::Shell(s) => words.push(s.range),
        Args::Paths(p) => words.extend(p.items.iter().map(|w| w.range)),
        Args::Words(w) => words.extend(w.iter().map(|w| w.range)),
        Args::KeyValues(kv) => words.extend(
            kv.pairs
                .iter()
                .flat_map(|p| [p.range, p.key.range, p.value.range]),
        ),
        Args::Arg(d) => words.extend(
            d.iter()
                .flat_map(|d| {
                    [
                        Some(d.range),
                        Some(d.name.range),
                        d.default.as_ref().map(|w| w.range),
                    ]
                })
                .flatten(),
        ),
        Args::Text(w) => words.push(w.range),
        Args::Healthcheck(h) => words.push(h.kind.range),
        Args::Onbuild(inner) => check_instruction(inner, text, at),
        Args::Empty | Args::Unknown(None) => {}
        Args::Unknown(Some(w)) => words.push(w.range),
    }
    for w in words {
        in_file(w, text, "argument", at);
    }
}

fn check_ranges(file: &drydock_dockerfile::Dockerfile, at: &str) {
    let text = file.text();
    let mut pos = 0usize;
    for item in file.items() {
        assert_eq!(
            usize::from(item.range.start()),
            pos,
            "{at}: items must partition the file"
        );
        pos = usize::from(item.range.end());
        if let ItemKind::Instruction(i) = &item.kind {
            check_instruction(i, text, at);
        }
    }
    assert_eq!(pos, text.len(), "{at}: items must cover the file");
    for e in file.errors() {
        in_file(e.range, text, "error", at);
    }
}

fn check_shell_ranges(model: &Model, at: &str) {
    let text = model.text();
    for i in 0..model.instruction_count() {
        if let Some(script) = model.shell(i) {
            for c in &script.commands {
                in_file(c.range, text, "command", at);
                for w in c.words.iter().chain(&c.assignments).chain(&c.redirects) {
                    in_file(w.range, text, "shell word", at);
                }
            }
            for p in &script.pipes {
                in_file(*p, text, "pipe", at);
            }
        }
    }
}

fn dockerfile_bytes() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop_oneof![
        Just(b"FROM ".to_vec()),
        Just(b"RUN ".to_vec()),
        Just(b"COPY --from=a ".to_vec()),
        Just(b"ENV a=b c=\"d e\" ".to_vec()),
        Just(b"ONBUILD ".to_vec()),
        Just(b"HEALTHCHECK CMD ".to_vec()),
        Just(b"ARG x=${y:-z}".to_vec()),
        Just(b"<<EOF".to_vec()),
        Just(b"<<-'E'".to_vec()),
        Just(b"EOF".to_vec()),
        Just(b"\\".to_vec()),
        Just(b"`".to_vec()),
        Just(b"# escape=`".to_vec()),
        Just(b"# comment".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b" ".to_vec()),
        Just(b"[\"a\", \"b\"]".to_vec()),
        Just(b"$(echo \"x\")|sh".to_vec()),
        Just(vec![0xEF, 0xBB, 0xBF]),
        Just(vec![0xFF, 0x00]),
        Just("é😀".as_bytes().to_vec()),
        any::<u8>().prop_map(|b| vec![b]),
    ];
    proptest::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_input_round_trips_with_ranges_inside(bytes in dockerfile_bytes()) {
        let file = parse(SourceText::from_bytes(bytes.clone()));
        prop_assert_eq!(file.to_bytes(), bytes);
        check_ranges(&file, "proptest");
        let model = Model::new(file);
        check_shell_ranges(&model, "proptest");
    }

    #[test]
    fn arbitrary_bytes_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let file = parse(SourceText::from_bytes(bytes.clone()));
        prop_assert_eq!(file.to_bytes(), bytes);
        check_ranges(&file, "bytes");
    }
}
